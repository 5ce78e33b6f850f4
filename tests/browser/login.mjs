// Browser test of clogin-demo: Playwright (playwright-core only, no test
// runner) driving Debian's chromium headless, as a person would use the site.
//
//   CLOGIN_DEMO=build/check/clogin-demo node tests/browser/login.mjs
//
// Environment:
//   CLOGIN_DEMO      path to the built clogin-demo binary (required)
//   SCREENSHOT_DIR   where the PNGs (and demo.log) go; default
//                    build/browser-screenshots under the repository root
//   CHROMIUM         the browser; default /usr/bin/chromium
//
// The script starts the demo itself on a free port with a temporary --db and
// a fixed secret key, then walks through: anonymous /protected -> login page
// with the flashed message; log in with "remember me"; the cookies; a browser
// "restart" (a new context holding only the remember cookie, on a phone-sized
// viewport) where the login is restored but /fresh asks for the password;
// re-authentication; logout. One screenshot per page. Exits 0 on success, 1
// with a message naming the failed step otherwise. The demo is always
// stopped, and its stderr must carry no sanitizer report.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');

const SECRET_KEY = 'clogin-browser-test-secret-key-not-for-production';
const START_TIMEOUT_MS = 20_000;  // demo's "serving" line
const STEP_TIMEOUT_MS = 10_000;   // any one browser action or navigation
const WHOLE_RUN_MS = 50_000;      // the whole test, the demo's start included
const STOP_TIMEOUT_MS = 5_000;    // SIGTERM -> SIGKILL

const LOGIN_MESSAGE = 'Please log in to access this page.';
const REFRESH_MESSAGE = 'Please reauthenticate to access this page.';
const SANITIZER_REPORT = /AddressSanitizer|LeakSanitizer|runtime error/;

const CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    // Without these chromium keeps calling out, and this machine's closed
    // network refuses it.
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

class TestFailure extends Error {}

function fail(msg) {
    throw new TestFailure(msg);
}

function check(cond, msg) {
    if (!cond) fail(msg);
}

function log(msg) {
    console.log(`browser-test: ${msg}`);
}

// ---------------------------------------------------------------- the demo

async function freePort() {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const { port } = srv.address();
    srv.close();
    await once(srv, 'close');
    return port;
}

// The demo reads its whole configuration from CLOGIN_* variables: give it
// only the secret key, so that the caller's environment (CLOGIN_DEMO itself,
// a stray CLOGIN_SESSION_PROTECTION...) does not change what is tested.
function demoEnv() {
    const env = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (!k.startsWith('CLOGIN_')) env[k] = v;
    }
    env.CLOGIN_SECRET_KEY = SECRET_KEY;
    env.ASAN_OPTIONS ??= 'detect_leaks=1';
    env.UBSAN_OPTIONS ??= 'print_stacktrace=1';
    return env;
}

class Demo {
    constructor(binary, port, db) {
        this.port = port;
        this.stdout = '';
        this.stderr = '';
        this.exited = null;  // {code, signal} once it has exited
        this.proc = spawn(binary, ['--port', String(port), '--db', db], {
            env: demoEnv(),
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        this.proc.stdout.setEncoding('utf8');
        this.proc.stderr.setEncoding('utf8');
        this.proc.stdout.on('data', (d) => { this.stdout += d; });
        this.proc.stderr.on('data', (d) => { this.stderr += d; });
        this.closePromise = new Promise((resolve) => this.proc.on('close', resolve));
        this.exitPromise = new Promise((resolve) => {
            this.proc.on('exit', (code, signal) => {
                this.exited = { code, signal };
                resolve(this.exited);
            });
            this.proc.on('error', (err) => {
                this.spawnError = err;
                this.exited = { code: null, signal: null };
                resolve(this.exited);
            });
        });
    }

    get base() {
        return `http://127.0.0.1:${this.port}`;
    }

    describeExit() {
        if (this.spawnError) return `could not be started: ${this.spawnError.message}`;
        const { code, signal } = this.exited;
        return signal ? `was killed by ${signal}` : `exited with status ${code}`;
    }

    async waitServing() {
        const want = `clogin-demo: serving ${this.base}/`;
        const deadline = Date.now() + START_TIMEOUT_MS;
        while (Date.now() < deadline) {
            if (this.stdout.split('\n').some((l) => l.trim() === want)) return;
            if (this.exited) {
                fail(`the demo ${this.describeExit()} before serving.\n` +
                     `stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
            }
            await new Promise((r) => setTimeout(r, 50));
        }
        fail(`the demo did not print "${want}" within ${START_TIMEOUT_MS / 1000} s.\n` +
             `stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
    }

    // Called from finally: never throws. SIGTERM, then SIGKILL after
    // STOP_TIMEOUT_MS; then reads what is left of its output (a sanitizer
    // report comes at exit), without waiting for ever on a pipe that some
    // descendant still holds.
    async stop() {
        const within = async (promise, ms) => {
            let t;
            const timer = new Promise((r) => { t = setTimeout(r, ms, 'timeout'); });
            const how = await Promise.race([promise, timer]);
            clearTimeout(t);
            return how !== 'timeout';
        };
        if (!this.exited) {
            try { process.kill(this.proc.pid, 'SIGTERM'); } catch { /* already gone */ }
            if (!await within(this.exitPromise, STOP_TIMEOUT_MS)) {
                try { process.kill(this.proc.pid, 'SIGKILL'); } catch { /* already gone */ }
                await this.exitPromise;
            }
        }
        if (!await within(this.closePromise, 1000)) {
            this.proc.stdout.destroy();
            this.proc.stderr.destroy();
        }
    }

    // Killing the child synchronously, for the signal handlers.
    killNow() {
        if (!this.exited) {
            try { process.kill(this.proc.pid, 'SIGKILL'); } catch { /* already gone */ }
        }
    }
}

// ------------------------------------------------------------- page helpers

let shotNumber = 0;
let shotDir;

async function screenshot(page, name) {
    shotNumber += 1;
    const file = path.join(shotDir, `${String(shotNumber).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    const rel = path.relative(process.cwd(), file);
    log(`  screenshot ${rel.startsWith('..') ? file : rel}`);
}

// "GET /a 302 -> GET /b 200": the redirect chain that ended in resp.
function chain(resp) {
    const reqs = [];
    for (let r = resp.request(); r; r = r.redirectedFrom()) reqs.unshift(r);
    return reqs.map((r) => {
        const u = new URL(r.url());
        const status = r === resp.request() ? resp.status() : (r.redirectedTo() ? '3xx' : '?');
        return `${r.method()} ${u.pathname}${u.search} ${status}`;
    }).join(' -> ');
}

// The final status of every hop, to tell a 302 from a 303 or a 301.
async function chainStatuses(resp) {
    const out = [];
    for (let r = resp.request(); r; r = r.redirectedFrom()) {
        const rr = await r.response();
        out.unshift(rr ? rr.status() : null);
    }
    return out;
}

function pathAndQuery(url) {
    const u = new URL(url);
    return u.pathname + u.search;
}

// Runs action (a click, a goto) and returns the main frame's final
// (non-redirect) navigation response for path.
async function navigation(page, action, wantPath) {
    const respP = page.waitForResponse((r) => {
        const req = r.request();
        return req.isNavigationRequest() && req.frame() === page.mainFrame() &&
            !(r.status() >= 300 && r.status() < 400);
    }, { timeout: STEP_TIMEOUT_MS });
    await action();
    const resp = await respP.catch((e) => fail(`no page loaded after the action (${e.message}); ` +
                                               `the browser is at ${page.url()}`));
    await page.waitForLoadState('load');
    const got = pathAndQuery(resp.url());
    check(new URL(resp.url()).pathname === wantPath,
          `expected to land on ${wantPath}, landed on ${got} (${chain(resp)})`);
    return resp;
}

async function goto(page, base, p, wantPath) {
    return navigation(page, () => page.goto(base + p, { waitUntil: 'commit' }), wantPath);
}

async function expectVisibleText(page, text, where) {
    const loc = page.getByText(text, { exact: false }).first();
    try {
        await loc.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    } catch {
        const body = (await page.locator('body').innerText().catch(() => '')).trim();
        fail(`${where}: the text "${text}" is not visible on ${pathAndQuery(page.url())}.\n` +
             `The page says:\n${body.slice(0, 2000)}`);
    }
}

async function expectNoText(page, text, where) {
    const n = await page.getByText(text, { exact: false }).count();
    check(n === 0, `${where}: the text "${text}" is still on ${pathAndQuery(page.url())}`);
}

// The body of a JSON response, as chromium shows it and as the server sent it.
async function json(page, resp, where) {
    const text = await resp.text();
    try {
        return JSON.parse(text);
    } catch {
        fail(`${where}: ${pathAndQuery(resp.url())} is not JSON: ${text.slice(0, 500)}`);
    }
}

function sameJson(got, want, where) {
    const g = JSON.stringify(got);
    const w = JSON.stringify(want);
    check(g === w, `${where}: expected ${w}, got ${g}`);
}

function expectStatus(resp, want, where) {
    check(resp.status() === want,
          `${where}: expected HTTP ${want}, got ${resp.status()} (${chain(resp)})`);
}

async function expectRedirectChain(resp, wantStatuses, where) {
    const got = await chainStatuses(resp);
    check(JSON.stringify(got) === JSON.stringify(wantStatuses),
          `${where}: expected the statuses ${wantStatuses.join(' -> ')}, got ` +
          `${got.join(' -> ')} (${chain(resp)})`);
}

// The form that holds a password field, and its one submit button.
function passwordForm(page) {
    return page.locator('form').filter({ has: page.locator('input[type=password]') });
}

async function submit(page) {
    const form = passwordForm(page);
    check(await form.count() === 1,
          `expected one form with a password field on ${pathAndQuery(page.url())}, ` +
          `found ${await form.count()}`);
    await form.getByRole('button').click({ timeout: STEP_TIMEOUT_MS });
}

function cookieMap(cookies) {
    return Object.fromEntries(cookies.map((c) => [c.name, c]));
}

// ----------------------------------------------------------------- the test

async function scenario(browser, demo) {
    const base = demo.base;
    const DAY = 24 * 3600;

    // -- 1. anonymous /protected -> the login page with the flashed message
    log('1. anonymous visit to /protected');
    const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    desktop.setDefaultTimeout(STEP_TIMEOUT_MS);
    let page = await desktop.newPage();
    let resp = await goto(page, base, '/protected', '/login');
    expectStatus(resp, 200, 'anonymous /protected');
    await expectRedirectChain(resp, [302, 200], 'anonymous /protected');
    check(pathAndQuery(page.url()) === '/login?next=%2Fprotected',
          `anonymous /protected: expected /login?next=%2Fprotected, got ${pathAndQuery(page.url())}`);
    await expectVisibleText(page, LOGIN_MESSAGE, 'login page after anonymous /protected');
    await screenshot(page, 'login-flashed');

    // The flash is consumed: shown once only.
    resp = await navigation(page, () => page.reload({ waitUntil: 'commit' }), '/login');
    expectStatus(resp, 200, 'reloaded login page');
    await expectNoText(page, LOGIN_MESSAGE, 'reloaded login page (the flash must be consumed)');

    // -- 2. log in through the form, with "remember me"
    log('2. log in as alice with "remember me"');
    await page.getByLabel(/user ?name/i).fill('alice');
    await page.getByLabel(/password/i).fill('wonderland');
    await page.getByLabel(/remember/i).check();
    await screenshot(page, 'login-filled');
    resp = await navigation(page, () => submit(page), '/protected');
    expectStatus(resp, 200, 'login then /protected');
    await expectRedirectChain(resp, [302, 200], 'POST /login -> /protected');
    check(resp.request().redirectedFrom()?.method() === 'POST',
          `login: expected POST /login -> /protected, got ${chain(resp)}`);
    sameJson(await json(page, resp, '/protected'), { id: '1' }, '/protected after login');
    await expectVisibleText(page, '"1"', '/protected after login');
    await screenshot(page, 'protected');

    // -- 3. the cookies
    log('3. the cookies after login');
    const cookies = cookieMap(await desktop.cookies(base));
    const session = cookies.session;
    const remember = cookies.remember_token;
    check(session, `after login: no "session" cookie; cookies: ${Object.keys(cookies).join(', ') || 'none'}`);
    check(remember, `after login: no "remember_token" cookie; cookies: ${Object.keys(cookies).join(', ') || 'none'}`);
    check(session.httpOnly, 'after login: the session cookie is not HttpOnly');
    check(remember.httpOnly, 'after login: the remember_token cookie is not HttpOnly');
    check(remember.path === '/', `after login: remember_token path is ${remember.path}, not /`);
    const now = Date.now() / 1000;
    check(remember.expires > now + 364 * DAY && remember.expires < now + 366 * DAY,
          `after login: remember_token should last 365 days (the default), expires ` +
          `${remember.expires === -1 ? 'with the browser' : new Date(remember.expires * 1000).toISOString()}`);
    check(session.expires === -1,
          `after login: the session cookie should end with the browser (not permanent), ` +
          `expires ${new Date(session.expires * 1000).toISOString()}`);
    await desktop.close();

    // -- 4. a browser restart: only the remember cookie survives. A phone.
    log('4. new browser context (390x844) holding only remember_token');
    const phone = await browser.newContext({
        viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    });
    phone.setDefaultTimeout(STEP_TIMEOUT_MS);
    await phone.addCookies([{
        name: remember.name, value: remember.value, domain: remember.domain, path: remember.path,
        expires: remember.expires, httpOnly: remember.httpOnly, secure: remember.secure,
        sameSite: remember.sameSite,
    }]);
    page = await phone.newPage();
    resp = await goto(page, base, '/protected', '/protected');
    expectStatus(resp, 200, 'restored login: /protected');
    check(!resp.request().redirectedFrom(), `restored login: /protected redirected: ${chain(resp)}`);
    sameJson(await json(page, resp, '/protected'), { id: '1' }, 'restored login: /protected');
    await screenshot(page, 'restored-protected');
    check(cookieMap(await phone.cookies(base)).session,
          'restored login: the demo set no session cookie when it loaded alice from remember_token');

    resp = await goto(page, base, '/whoami', '/whoami');
    expectStatus(resp, 200, 'restored login: /whoami');
    sameJson(await json(page, resp, '/whoami'),
             { authenticated: true, id: '1', fresh: false, remembered: true },
             'restored login: /whoami');
    await screenshot(page, 'restored-whoami');

    log('   /fresh asks for the password');
    resp = await goto(page, base, '/fresh', '/reauth');
    expectStatus(resp, 200, 'stale /fresh -> /reauth');
    await expectRedirectChain(resp, [302, 200], 'stale /fresh');
    check(pathAndQuery(page.url()) === '/reauth?next=%2Ffresh',
          `stale /fresh: expected /reauth?next=%2Ffresh, got ${pathAndQuery(page.url())}`);
    await expectVisibleText(page, REFRESH_MESSAGE, 'reauth page after stale /fresh');
    await page.getByLabel(/password/i).fill('wonderland');
    await screenshot(page, 'reauth');
    resp = await navigation(page, () => submit(page), '/fresh');
    expectStatus(resp, 200, 'reauth then /fresh');
    await expectRedirectChain(resp, [302, 200], 'POST /reauth -> /fresh');
    sameJson(await json(page, resp, '/fresh'), { id: '1' }, '/fresh after reauth');
    await screenshot(page, 'fresh');

    resp = await goto(page, base, '/whoami', '/whoami');
    sameJson(await json(page, resp, '/whoami'),
             { authenticated: true, id: '1', fresh: true, remembered: true },
             '/whoami after reauth');

    resp = await goto(page, base, '/', '/');
    expectStatus(resp, 200, 'home page, logged in');
    await expectVisibleText(page, 'alice', 'home page, logged in (it names the current user)');
    await screenshot(page, 'home-alice');

    // -- 5. log out
    log('5. log out');
    resp = await goto(page, base, '/logout', '/');
    expectStatus(resp, 200, '/logout -> /');
    await expectRedirectChain(resp, [302, 200], '/logout');
    await expectVisibleText(page, /nobody is logged in/i, 'home page after logout');
    await screenshot(page, 'home-logged-out');
    const after = cookieMap(await phone.cookies(base));
    check(!after.remember_token, 'after logout: the remember_token cookie is still there');

    resp = await goto(page, base, '/whoami', '/whoami');
    sameJson(await json(page, resp, '/whoami'),
             { authenticated: false, id: null, fresh: false, remembered: false },
             '/whoami after logout');

    resp = await goto(page, base, '/protected', '/login');
    await expectRedirectChain(resp, [302, 200], '/protected after logout');
    check(pathAndQuery(page.url()) === '/login?next=%2Fprotected',
          `/protected after logout: expected /login?next=%2Fprotected, got ${pathAndQuery(page.url())}`);
    await expectVisibleText(page, LOGIN_MESSAGE, 'login page after logout');
    await screenshot(page, 'login-after-logout');
    await phone.close();
}

// ----------------------------------------------------------------- main

async function main() {
    const started = Date.now();
    const binary = process.env.CLOGIN_DEMO;
    if (!binary) {
        console.error('browser-test: set CLOGIN_DEMO to the built clogin-demo binary');
        return 2;
    }
    if (!fs.existsSync(binary)) {
        console.error(`browser-test: CLOGIN_DEMO=${binary}: no such file (build the clogin-demo target)`);
        return 2;
    }
    const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
    if (!fs.existsSync(chromiumPath)) {
        console.error(`browser-test: ${chromiumPath} is missing: install Debian's chromium ` +
                      '(scripts/install-deps, or apt-get install chromium)');
        return 2;
    }
    shotDir = process.env.SCREENSHOT_DIR
        ? path.resolve(process.env.SCREENSHOT_DIR)
        : path.join(REPO, 'build', 'browser-screenshots');
    fs.mkdirSync(shotDir, { recursive: true });
    for (const f of fs.readdirSync(shotDir)) {
        if (/^\d\d-.*\.png$/.test(f)) fs.rmSync(path.join(shotDir, f));
    }

    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clogin-browser-'));
    let demo;
    let browser;
    let failure = null;
    const onSignal = (sig) => {
        demo?.killNow();
        fs.rmSync(tmp, { recursive: true, force: true });
        console.error(`browser-test: interrupted by ${sig}`);
        process.exit(130);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    let watchdog;
    try {
        const port = await freePort();
        demo = new Demo(path.resolve(binary), port, path.join(tmp, 'demo.db'));
        const run = (async () => {
            await demo.waitServing();
            log(`demo serving ${demo.base}/ (pid ${demo.proc.pid})`);
            browser = await chromium.launch({
                executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS,
                timeout: STEP_TIMEOUT_MS * 2,
            });
            log(`chromium ${browser.version()}`);
            await scenario(browser, demo);
        })();
        run.catch(() => {});  // reported through the race below
        const limit = new Promise((_, reject) => {
            watchdog = setTimeout(() => reject(new TestFailure(
                `the test did not finish within ${WHOLE_RUN_MS / 1000} s`)), WHOLE_RUN_MS);
        });
        await Promise.race([run, limit]);
        if (demo.exited) fail(`the demo ${demo.describeExit()} during the test`);
    } catch (e) {
        failure = e;
    } finally {
        clearTimeout(watchdog);
        if (browser) await browser.close().catch(() => {});
        if (demo) {
            await demo.stop();
            fs.writeFileSync(path.join(shotDir, 'demo.log'),
                             `== stdout\n${demo.stdout}\n== stderr\n${demo.stderr}`);
        }
        fs.rmSync(tmp, { recursive: true, force: true });
    }

    if (demo && SANITIZER_REPORT.test(demo.stderr)) {
        console.error(`browser-test: FAIL: the demo's stderr has a sanitizer report:\n${demo.stderr}`);
        if (failure) console.error(`browser-test: and also: ${failure.message}`);
        return 1;
    }
    if (failure) {
        const msg = failure instanceof TestFailure ? failure.message : (failure.stack || String(failure));
        console.error(`browser-test: FAIL: ${msg}`);
        if (demo?.stderr && !failure.message?.includes(demo.stderr)) console.error(`browser-test: the demo's stderr:\n${demo.stderr.slice(-4000)}`);
        console.error(`browser-test: screenshots so far in ${shotDir}`);
        return 1;
    }
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    log(`PASS in ${secs} s; ${shotNumber} screenshots in ${shotDir}`);
    return 0;
}

process.exitCode = await main();
