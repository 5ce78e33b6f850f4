/* clogin-cookie: inspect, verify and mint Flask session cookies and
 * Flask-Login remember cookies from the shell. The secret key comes from the
 * environment (CLOGIN_SECRET_KEY), never from argv, which other users of the
 * machine can read in the process list. */
#include <clogin.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_FALLBACKS 16

static const char usage[] =
    "usage: clogin-cookie [options] COMMAND ARG\n"
    "\n"
    "commands:\n"
    "  decode COOKIE            verify a Flask session cookie and print its data\n"
    "  sign JSON                sign session data (Flask's JSON) as a cookie value\n"
    "  remember-sign USER_ID    make a Flask-Login remember_token value\n"
    "  remember-decode VALUE    verify a remember_token value, print the user id\n"
    "  identifier ADDR [UA]     Flask-Login's session identifier (_id)\n"
    "  demo                     show what the commands do, with a random key\n"
    "\n"
    "options:\n"
    "  --max-age SECONDS        maximum cookie age (default 2678400, 31 days;\n"
    "                           negative: no limit)\n"
    "  --now SECONDS            the current time for the age check\n"
    "  --timestamp SECONDS      the time to sign with (default: now)\n"
    "  --fallback-key-env NAME  also accept keys from variable NAME (repeatable)\n"
    "  --salt SALT              itsdangerous salt (default cookie-session)\n"
    "  --digest sha1|sha256|sha512  signature digest (default sha1)\n"
    "  --identifier-format 0.7|0.6  Flask-Login version whose identifier\n"
    "                           to compute (default 0.7)\n"
    "\n"
    "The secret key is read from the environment variable CLOGIN_SECRET_KEY.\n"
    "Exit status: 0 success, 1 the cookie failed a check, 2 usage error.\n";

typedef struct options {
    clogin_signer_options signer;
    clogin_key fallbacks[MAX_FALLBACKS];
    int64_t now;
    int64_t timestamp;
    clogin_identifier_format identifier_format;
    const char *command;
    const char *args[2];
    int nargs;
} options;

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt,
                                                             ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "clogin-cookie: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(run clogin-cookie --help for usage)\n");
    va_end(ap);
    return 2;
}

static int check_failed(clogin_status st) {
    fprintf(stderr, "clogin-cookie: %s: %s\n", clogin_status_name(st),
            clogin_strerror(st));
    return 1;
}

static int parse_int64(const char *s, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return 0;
    *out = v;
    return 1;
}

static int parse_args(int argc, char **argv, options *o) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            exit(0);
        } else if (!strcmp(a, "--max-age") || !strcmp(a, "--now") ||
                   !strcmp(a, "--timestamp")) {
            int64_t n;
            if (!v || !parse_int64(v, &n))
                return usage_error("%s needs a number of seconds", a);
            if (!strcmp(a, "--max-age") && n == 0)
                return usage_error("%s must be positive (or negative: no limit)", a);
            if (!strcmp(a, "--timestamp") && n <= 0)
                return usage_error("%s must be positive", a);
            if (!strcmp(a, "--max-age"))
                o->signer.max_age = n < 0 ? -1 : n;
            else if (!strcmp(a, "--now"))
                o->now = n;
            else
                o->timestamp = n;
            i++;
        } else if (!strcmp(a, "--fallback-key-env")) {
            if (!v)
                return usage_error("%s needs a variable name", a);
            if (o->signer.fallback_key_count == MAX_FALLBACKS)
                return usage_error("at most %d fallback keys", MAX_FALLBACKS);
            const char *key = getenv(v);
            if (!key || !*key)
                return usage_error("fallback key variable %s is unset or empty", v);
            size_t n = o->signer.fallback_key_count++;
            o->fallbacks[n].data = key;
            o->fallbacks[n].len = strlen(key);
            i++;
        } else if (!strcmp(a, "--identifier-format")) {
            if (!v || (strcmp(v, "0.6") && strcmp(v, "0.7")))
                return usage_error("%s needs 0.6 or 0.7", a);
            o->identifier_format =
                !strcmp(v, "0.6") ? CLOGIN_IDENTIFIER_06 : CLOGIN_IDENTIFIER_07;
            i++;
        } else if (!strcmp(a, "--salt")) {
            if (!v)
                return usage_error("%s needs a value", a);
            o->signer.salt = v;
            i++;
        } else if (!strcmp(a, "--digest")) {
            if (!v)
                return usage_error("%s needs sha1, sha256 or sha512", a);
            if (!strcmp(v, "sha1"))
                o->signer.digest = CLOGIN_DIGEST_SHA1;
            else if (!strcmp(v, "sha256"))
                o->signer.digest = CLOGIN_DIGEST_SHA256;
            else if (!strcmp(v, "sha512"))
                o->signer.digest = CLOGIN_DIGEST_SHA512;
            else
                return usage_error("unknown digest %s", v);
            i++;
        } else if (a[0] == '-' && a[1] == '-') {
            return usage_error("unknown option %s", a);
        } else if (!o->command) {
            o->command = a;
        } else if (o->nargs < 2) {
            o->args[o->nargs++] = a;
        } else {
            return usage_error("unexpected argument %s", a);
        }
    }
    if (!o->command)
        return usage_error("%s", "no command given");
    o->signer.fallback_keys = o->fallbacks;
    return 0;
}

static void print_key(int key_index) {
    if (key_index == 0)
        printf("key: current\n");
    else
        printf("key: fallback %d\n", key_index);
}

static int cmd_decode(const options *o, const clogin_signer *signer) {
    const char *cookie = o->args[0];
    clogin_session *session;
    clogin_cookie_info info;
    clogin_status st = clogin_session_cookie_decode(
        signer, cookie, strlen(cookie), o->now, &session, &info);
    if (st != CLOGIN_OK)
        return check_failed(st);
    char *json;
    st = clogin_session_to_json(session, &json, NULL);
    clogin_session_free(session);
    if (st != CLOGIN_OK)
        return check_failed(st);
    printf("%s\ntimestamp: %" PRId64 "\n", json, info.timestamp);
    print_key(info.key_index);
    printf("compressed: %s\n", info.compressed ? "yes" : "no");
    clogin_free(json);
    return 0;
}

static int cmd_sign(const options *o, const clogin_signer *signer) {
    const char *text = o->args[0];
    clogin_session *session;
    clogin_status st = clogin_session_from_json(&session, text, strlen(text), 0);
    if (st != CLOGIN_OK)
        return check_failed(st);
    char *cookie;
    st = clogin_session_cookie_encode(signer, session, o->timestamp, &cookie, NULL);
    clogin_session_free(session);
    if (st != CLOGIN_OK)
        return check_failed(st);
    printf("%s\n", cookie);
    clogin_free(cookie);
    return 0;
}

static int cmd_remember_sign(const options *o, const clogin_signer *signer) {
    char *value;
    clogin_status st = clogin_remember_encode(signer, o->args[0],
                                              strlen(o->args[0]), &value, NULL);
    if (st != CLOGIN_OK)
        return check_failed(st);
    printf("%s\n", value);
    clogin_free(value);
    return 0;
}

static int cmd_remember_decode(const options *o, const clogin_signer *signer) {
    char *id;
    int key_index;
    clogin_status st = clogin_remember_decode(
        signer, o->args[0], strlen(o->args[0]), &id, NULL, &key_index);
    if (st != CLOGIN_OK)
        return check_failed(st);
    printf("%s\n", id);
    print_key(key_index);
    clogin_free(id);
    return 0;
}

static int cmd_identifier(const options *o) {
    char id[CLOGIN_SESSION_ID_LEN + 1];
    clogin_status st =
        clogin_session_identifier(o->identifier_format, o->args[0], o->nargs > 1 ? o->args[1] : NULL, id);
    if (st != CLOGIN_OK)
        return check_failed(st);
    printf("%s\n", id);
    return 0;
}

static int demo_step(const char *title, clogin_status st, int must_fail) {
    printf("  %-44s %s\n", title, st == CLOGIN_OK ? "ok" : clogin_status_name(st));
    return must_fail ? st == CLOGIN_OK : st != CLOGIN_OK;
}

/* A Flask-Login session: signed, verified, tampered with, expired. */
static int demo_session(const clogin_signer *signer) {
    char id[CLOGIN_SESSION_ID_LEN + 1];
    clogin_session *s = NULL, *back = NULL;
    char *json = NULL, *cookie = NULL, *tampered = NULL;
    int64_t now = (int64_t)time(NULL);
    clogin_status st = clogin_session_identifier(CLOGIN_IDENTIFIER_07, "127.0.0.1", "Mozilla/5.0 (demo)", id);
    if (st == CLOGIN_OK)
        st = clogin_session_new(&s);
    if (st == CLOGIN_OK)
        st = clogin_session_set_string(s, "_user_id", "1", 1);
    if (st == CLOGIN_OK)
        st = clogin_session_set_bool(s, "_fresh", 1);
    if (st == CLOGIN_OK)
        st = clogin_session_set_string(s, "_id", id, CLOGIN_SESSION_ID_LEN);
    if (st == CLOGIN_OK)
        st = clogin_session_flash(s, "message", "Logged in successfully.");
    if (st == CLOGIN_OK)
        st = clogin_session_to_json(s, &json, NULL);
    if (st == CLOGIN_OK)
        st = clogin_session_cookie_encode(signer, s, now, &cookie, NULL);
    clogin_session_free(s);
    size_t len = cookie ? strlen(cookie) : 0;
    if (st == CLOGIN_OK && !(tampered = malloc(len + 1)))
        st = CLOGIN_ENOMEM;
    if (st != CLOGIN_OK) {
        clogin_free(json);
        clogin_free(cookie);
        return check_failed(st);
    }
    printf("A Flask-Login session after login_user() and flash():\n  %s\n\n", json);
    printf("As a Flask session cookie (a Flask app with the same SECRET_KEY "
           "reads it):\n  session=%s\n\nChecks on the way back in:\n", cookie);
    int failures = demo_step("the cookie as sent",
                             clogin_session_cookie_decode(signer, cookie, len, now,
                                                          &back, NULL), 0);
    clogin_session_free(back);
    memcpy(tampered, cookie, len + 1);
    tampered[len / 2] = tampered[len / 2] == 'A' ? 'B' : 'A';
    failures += demo_step("one character changed (must fail)",
                          clogin_session_cookie_decode(signer, tampered, len, now,
                                                       &back, NULL), 1);
    failures += demo_step("32 days later (must fail)",
                          clogin_session_cookie_decode(signer, cookie, len,
                                                       now + 32 * 86400, &back, NULL),
                          1);
    free(tampered);
    clogin_free(cookie);
    clogin_free(json);
    return failures;
}

/* Flask-Login's remember cookie: verified, then claimed for another user. */
static int demo_remember(const clogin_signer *signer) {
    char *remember, *user = NULL;
    size_t len;
    clogin_status st = clogin_remember_encode(signer, "1", 1, &remember, &len);
    if (st != CLOGIN_OK)
        return check_failed(st);
    printf("\nThe remember-me cookie for user 1:\n  remember_token=%s\n\n", remember);
    int failures = demo_step("remember cookie as sent",
                             clogin_remember_decode(signer, remember, len, &user,
                                                    NULL, NULL), 0);
    clogin_free(user);
    remember[0] = '2'; /* claim to be user 2 */
    failures += demo_step("user id changed to 2 (must fail)",
                          clogin_remember_decode(signer, remember, len, &user, NULL,
                                                 NULL), 1);
    clogin_free(remember);
    return failures;
}

/* A self-demonstration: what a Flask-Login session looks like on the wire
 * and which checks protect it. */
static int cmd_demo(options *o) {
    static const char digits[] = "0123456789abcdef";
    uint8_t key[32];
    char hexkey[2 * sizeof key + 1];
    const char *secret = getenv("CLOGIN_SECRET_KEY");
    if (!secret || !*secret) {
        if (clogin_random_bytes(key, sizeof key) != CLOGIN_OK)
            return check_failed(CLOGIN_ECRYPTO);
        for (size_t i = 0; i < sizeof key; i++) {
            hexkey[2 * i] = digits[key[i] >> 4];
            hexkey[2 * i + 1] = digits[key[i] & 15];
        }
        hexkey[2 * sizeof key] = '\0';
        secret = hexkey;
        printf("CLOGIN_SECRET_KEY is unset; using a random key for this demo:\n"
               "  %s\n\n", secret);
    }
    o->signer.secret_key.data = secret;
    o->signer.secret_key.len = strlen(secret);
    clogin_signer *signer;
    clogin_status st = clogin_signer_new(&signer, &o->signer);
    if (st != CLOGIN_OK)
        return check_failed(st);
    int failures = demo_session(signer);
    failures += demo_remember(signer);
    clogin_signer_free(signer);
    printf("\n%s\n", failures ? "DEMO FAILED" :
           "Try: CLOGIN_SECRET_KEY=... clogin-cookie decode 'COOKIE'");
    return failures ? 1 : 0;
}

int main(int argc, char **argv) {
    options o;
    memset(&o, 0, sizeof o);
    o.now = (int64_t)time(NULL);
    o.timestamp = o.now;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    const char *cmd = o.command;
    int want = !strcmp(cmd, "demo") ? 0 : !strcmp(cmd, "identifier") ? -1 : 1;
    if (want >= 0 && o.nargs != want)
        return usage_error("%s takes exactly one argument", cmd);
    if (want < 0 && o.nargs < 1)
        return usage_error("%s needs an address", cmd);
    if (!strcmp(cmd, "demo"))
        return cmd_demo(&o);
    if (!strcmp(cmd, "identifier"))
        return cmd_identifier(&o);

    const char *secret = getenv("CLOGIN_SECRET_KEY");
    if (!secret || !*secret)
        return usage_error("%s", "set CLOGIN_SECRET_KEY to the secret key");
    o.signer.secret_key.data = secret;
    o.signer.secret_key.len = strlen(secret);
    clogin_signer *signer;
    clogin_status st = clogin_signer_new(&signer, &o.signer);
    if (st != CLOGIN_OK) {
        fprintf(stderr, "clogin-cookie: %s\n", clogin_strerror(st));
        return 2;
    }
    if (!strcmp(cmd, "decode"))
        rc = cmd_decode(&o, signer);
    else if (!strcmp(cmd, "sign"))
        rc = cmd_sign(&o, signer);
    else if (!strcmp(cmd, "remember-sign"))
        rc = cmd_remember_sign(&o, signer);
    else if (!strcmp(cmd, "remember-decode"))
        rc = cmd_remember_decode(&o, signer);
    else
        rc = usage_error("unknown command %s", cmd);
    clogin_signer_free(signer);
    return rc;
}
