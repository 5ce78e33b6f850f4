"""Helpers of the HTTP tests: servers as subprocesses, a browser-like
client, and cookie tools. The fixtures are in conftest.py."""

import base64
import email.utils
import hashlib
import hmac
import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.parse

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
FLASK_APP = os.path.join(HERE, "flask_app.py")
PYTHON = "/usr/bin/python3"

#: The secret every server of the tests shares (ASCII: Flask-Login encodes
#: it as latin-1 for the remember cookie, Flask as UTF-8 for the session).
SECRET = "http-tests-secret-key-0123456789abcdef"
UA = "clogin-http-tests/1.0 (first browser)"
UA2 = "clogin-http-tests/1.0 (another browser)"
KINDS = ("c", "flask")
START_TIMEOUT = 20
STOP_TIMEOUT = 15

LOGIN_MESSAGE = "Please log in to access this page."
REFRESH_MESSAGE = "Please reauthenticate to access this page."
ANONYMOUS = {"authenticated": False, "id": None, "fresh": False, "remembered": False}

ASAN_EXIT = 86
UBSAN_EXIT = 87
SANITIZER_MARKERS = (
    "AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:",
    "Segmentation fault", "ThreadSanitizer",
)


def demo_path():
    path = os.environ.get("CLOGIN_DEMO")
    if not path:
        pytest.fail(
            "CLOGIN_DEMO is not set. Set it to the absolute path of the clogin-demo "
            "executable built with AddressSanitizer, e.g. "
            "CLOGIN_DEMO=$PWD/build/check/examples/demo/clogin-demo. "
            "The HTTP suite refuses to skip.", pytrace=False)
    if not os.path.isabs(path):
        pytest.fail(f"CLOGIN_DEMO must be an absolute path, got {path!r}", pytrace=False)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"CLOGIN_DEMO={path!r} is not an executable file", pytrace=False)
    return path


# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------

def child_env(secret, env):
    """The environment of a server: ours without any CLOGIN_* variable,
    then the secret and the test's own variables (None removes one)."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("CLOGIN_")}
    out["PYTHONDONTWRITEBYTECODE"] = "1"
    out["ASAN_OPTIONS"] = ":".join(filter(None, [
        os.environ.get("ASAN_OPTIONS", ""), f"exitcode={ASAN_EXIT}", "abort_on_error=0",
        "detect_leaks=1"]))
    out["UBSAN_OPTIONS"] = ":".join(filter(None, [
        os.environ.get("UBSAN_OPTIONS", ""), f"exitcode={UBSAN_EXIT}", "print_stacktrace=1",
        "halt_on_error=1"]))
    out["LSAN_OPTIONS"] = ":".join(filter(None, [
        os.environ.get("LSAN_OPTIONS", ""), f"exitcode={ASAN_EXIT}"]))
    if secret is not None:
        out["CLOGIN_SECRET_KEY"] = secret
    for k, v in (env or {}).items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


class Server:
    """One running server (kind "c" or "flask")."""

    def __init__(self, kind, db, env=None, secret=SECRET, argv_extra=()):
        self.kind = kind
        self.db = db
        self.secret = secret
        self.env = dict(env or {})
        if kind == "c":
            argv = [demo_path()]
        elif kind == "flask":
            argv = [PYTHON, FLASK_APP]
        else:
            raise ValueError(kind)
        self.argv = argv + ["--port", "0", "--db", db] + list(argv_extra)
        self.stdout, self.stderr = [], []
        self._serving = threading.Event()
        self._lock = threading.Lock()
        self.port = None
        self.stopped = False
        self.proc = subprocess.Popen(
            self.argv, env=child_env(secret, env), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=os.path.dirname(db))
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.stdout),
                             daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.stderr),
                             daemon=True),
        ]
        for t in self._readers:
            t.start()

    def _read(self, stream, sink):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace")
            with self._lock:
                sink.append(line)
            m = re.search(r"serving http://127\.0\.0\.1:([0-9]+)/", line)
            if m and self.port is None:
                self.port = int(m.group(1))
                self._serving.set()
        stream.close()

    def wait_serving(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._serving.wait(0.05):
                return self
            if self.proc.poll() is not None:
                break
        self.kill()
        pytest.fail(f"{self.kind} server did not start (exit {self.proc.returncode}) in "
                    f"{timeout} s\nargv: {self.argv}\n{self.output()}", pytrace=False)

    def output(self):
        with self._lock:
            return ("--- stdout ---\n" + "".join(self.stdout) +
                    "--- stderr ---\n" + "".join(self.stderr))

    def stderr_text(self):
        with self._lock:
            return "".join(self.stderr)

    @property
    def host(self):
        return f"127.0.0.1:{self.port}"

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def client(self, ua=UA):
        return Client(self, ua)

    def fetch(self, method, path, cookie=None, ua=UA, headers=None, **kw):
        """One request with no cookie jar: the Cookie header is exactly
        `cookie` (a str, or a dict of name to value), or absent."""
        h = {"User-Agent": ua}
        if isinstance(cookie, dict):
            cookie = "; ".join(f"{k}={v}" for k, v in cookie.items())
        if cookie is not None:
            h["Cookie"] = cookie
        h.update(headers or {})
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 15)
        return requests.request(method, self.url(path), headers=h, **kw)

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        """SIGTERM, then SIGKILL; a list of problems (empty when clean)."""
        if self.stopped:
            return []
        self.stopped = True
        problems = []
        rc = self.proc.poll()
        if rc is not None:
            problems.append(f"the server had already exited with status {rc} "
                            "before the test ended")
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
                problems.append(f"the server ignored SIGTERM for {STOP_TIMEOUT} s "
                                "and was killed")
            else:
                if rc != 0:
                    problems.append(f"the server exited with status {rc} on SIGTERM")
        for t in self._readers:
            t.join(5)
        err = self.stderr_text()
        if rc in (ASAN_EXIT, UBSAN_EXIT) or any(m in err for m in SANITIZER_MARKERS):
            problems.append("a sanitizer reported an error")
        if self.kind == "flask" and "Traceback (most recent call last)" in err:
            problems.append("the Flask reference raised an exception")
        return problems

    def stop_checked(self):
        problems = self.stop()
        if problems:
            pytest.fail(f"{self.kind} server: " + "; ".join(problems) +
                        f"\nargv: {self.argv}\n{self.output()}", pytrace=False)

    # -- the database -----------------------------------------------------

    def alt_id(self, username):
        """The user's alternative id (what cookies carry), read from the
        server's database (examples/demo/users.c's schema)."""
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute("SELECT alt_id FROM users WHERE username = ?",
                               (username,)).fetchone()
        finally:
            conn.close()
        assert row, f"no user {username!r} in {self.db}"
        return row[0]


def start_server(kind, tmpdir, env=None, secret=SECRET, db=None, argv_extra=()):
    os.makedirs(tmpdir, exist_ok=True)
    db = db or os.path.join(tmpdir, f"{kind}.db")
    return Server(kind, db, env=env, secret=secret, argv_extra=argv_extra).wait_serving()


# ---------------------------------------------------------------------------
# Redis, for the session store tests
# ---------------------------------------------------------------------------

REDIS_SERVER = "/usr/bin/redis-server"


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resp_encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def resp_read(f):
    """One RESP2 reply from a file object: str, int, None, bytes, or list."""
    line = f.readline()
    if not line:
        raise ConnectionError("redis closed the connection")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError("redis: " + rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)
        return data[:-2]
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [resp_read(f) for _ in range(n)]
    raise RuntimeError(f"redis: unexpected reply {line!r}")


class RedisServer:
    """A redis-server of a test's own on 127.0.0.1, not persisted (--save ''
    --appendonly no), stopped by its pid. kill() is SIGKILL, pause() and
    resume() SIGSTOP and SIGCONT (a server that accepts connections but
    never answers), restart() a new process on the same port."""

    def __init__(self, tmpdir, port=None):
        self.dir = tmpdir
        os.makedirs(tmpdir, exist_ok=True)
        self.port = port or free_port()
        self.proc = None
        self.paused = False
        self.starts = 0
        self.start()

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self):
        assert self.proc is None or self.proc.poll() is not None
        if not os.access(REDIS_SERVER, os.X_OK):
            pytest.fail(f"{REDIS_SERVER} is missing (Debian's redis-server package; "
                        "scripts/install-deps installs it). The HTTP suite refuses to skip.",
                        pytrace=False)
        self.starts += 1
        self.log = os.path.join(self.dir, f"redis-{self.starts}.log")
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", self.dir],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.dir)
        self.paused = False
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if self.command("PING") == "PONG":
                    return self
            except (OSError, ConnectionError, RuntimeError):
                time.sleep(0.02)
        self.stop()
        with open(self.log, errors="replace") as f:
            pytest.fail(f"redis-server did not start on port {self.port}:\n{f.read()}",
                        pytrace=False)

    def command(self, *args, timeout=2):
        """One command on a new connection; its reply."""
        return self.commands(args, timeout=timeout)[0]

    def commands(self, *commands, timeout=2):
        """Commands (tuples) in turn on one new connection; their replies."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            with sock.makefile("rb") as f:
                out = []
                for args in commands:
                    sock.sendall(resp_encode(*args))
                    out.append(resp_read(f))
                return out

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL, as a crash: the data is gone."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(STOP_TIMEOUT)
        self.paused = False

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)
        self.paused = False

    def restart(self):
        """A new, empty server on the same port."""
        if self.alive():
            self.kill()
        return self.start()

    def stop(self):
        if not self.alive():
            return
        if self.paused:
            self.resume()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ---------------------------------------------------------------------------
# A browser-like client
# ---------------------------------------------------------------------------

class Client:
    """A requests.Session with its own cookie jar and User-Agent; redirects
    are never followed."""

    def __init__(self, server, ua=UA):
        self.server = server
        self.s = requests.Session()
        self.s.headers["User-Agent"] = ua

    @property
    def cookies(self):
        return self.s.cookies

    def set_ua(self, ua):
        self.s.headers["User-Agent"] = ua

    def request(self, method, path, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 15)
        return self.s.request(method, self.server.url(path), **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, data=None, **kw):
        return self.request("POST", path, data=data, **kw)

    def whoami(self):
        r = self.get("/whoami")
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("application/json")
        return r.json()

    def login(self, username="alice", password="wonderland", remember=False, next=None,
              query=None, expect=302):
        data = {"username": username, "password": password}
        if remember:
            data["remember"] = "on"
        if next is not None:
            data["next"] = next
        path = "/login" + ("?" + urllib.parse.urlencode(query) if query else "")
        r = self.post(path, data)
        assert r.status_code == expect, (r.status_code, r.headers, r.text[:500])
        return r

    def cookie(self, name):
        """The value of a cookie in the jar, or None."""
        for c in self.s.cookies:
            if c.name == name:
                return c.value
        return None

    def drop_cookie(self, name):
        for c in list(self.s.cookies):
            if c.name == name:
                self.s.cookies.clear(c.domain, c.path, c.name)


# ---------------------------------------------------------------------------
# Looking at responses and cookies
# ---------------------------------------------------------------------------

def set_cookies(resp):
    """The response's Set-Cookie headers, parsed: a list of dicts with
    name, value and the attributes in lower case (flags map to True)."""
    out = []
    for header in resp.raw.headers.getlist("Set-Cookie"):
        parts = [p.strip() for p in header.split(";")]
        name, _, value = parts[0].partition("=")
        c = {"name": name, "value": value, "raw": header}
        for attr in parts[1:]:
            k, eq, v = attr.partition("=")
            c[k.lower()] = v if eq else True
        out.append(c)
    return out


def set_cookie(resp, name):
    found = [c for c in set_cookies(resp) if c["name"] == name]
    assert len(found) <= 1, f"{name} set twice: {found}"
    return found[0] if found else None


def is_deletion(c):
    """A Set-Cookie that removes the cookie: empty value and an expiry in
    the past (or Max-Age=0)."""
    if c is None or c["value"] not in ("", '""'):
        return False
    if c.get("max-age") == "0":
        return True
    exp = c.get("expires")
    return bool(exp) and email.utils.parsedate_to_datetime(exp).timestamp() < time.time()


def expires_at(c):
    """The cookie's Expires, in seconds since the epoch."""
    assert c and c.get("expires"), f"no Expires in {c}"
    return email.utils.parsedate_to_datetime(c["expires"]).timestamp()


def expires_in(c):
    """Seconds from now until the cookie's Expires."""
    assert c and c.get("expires"), f"no Expires in {c}"
    return email.utils.parsedate_to_datetime(c["expires"]).timestamp() - time.time()


def flask_session_serializer(secret=SECRET):
    import flask
    from flask.sessions import SecureCookieSessionInterface
    app = flask.Flask("decode")
    app.secret_key = secret
    return SecureCookieSessionInterface().get_signing_serializer(app)


def decode_session(value, secret=SECRET):
    """The session dict in a session cookie value (verified with the
    secret), as Flask reads it."""
    return flask_session_serializer(secret).loads(value)


def encode_session(data, secret=SECRET):
    return flask_session_serializer(secret).dumps(data)


def remember_value(user_id, secret=SECRET):
    """Flask-Login's remember cookie for user_id: ID|hex(HMAC-SHA512)."""
    digest = hmac.new(secret.encode("latin-1"), user_id.encode("utf-8"),
                      hashlib.sha512).hexdigest()
    return f"{user_id}|{digest}"


def identifier(ua, addr="127.0.0.1", fmt="0.7"):
    if fmt == "0.6":
        base = f"{addr.encode()}|{ua.encode() if ua is not None else None}"
    else:
        base = f"{addr}|{ua or ''}"
    return hashlib.sha512(base.encode()).hexdigest()


def basic(key):
    return "Basic " + base64.b64encode(key.encode()).decode()


def raw_request(server, data, timeout=10, half_close=False):
    """Send bytes on a new connection and return what came back (the
    connection is closed by us after the first response or timeout);
    half_close: shut our sending side after the data, as a client that
    stops in the middle of a request."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks):
                    head = b"".join(chunks).split(b"\r\n\r\n", 1)[0]
                    m = re.search(rb"(?im)^content-length:\s*([0-9]+)", head)
                    body = b"".join(chunks).split(b"\r\n\r\n", 1)[1]
                    if m is None or len(body) >= int(m.group(1)):
                        break
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


def status_of(raw):
    m = re.match(rb"HTTP/1\.[01] ([0-9]{3})", raw)
    return int(m.group(1)) if m else None
