/* A whole request through a started manager with cookie sessions, strong
 * session protection behind one trusted proxy, a user loader, a request
 * loader reading ?api_key= and a header loader taking "Authorization:
 * Basic base64(KEY)" as examples/demo/loaders.c does.
 *
 * Input: one flags byte, then up to eight NUL-separated fields: method,
 * request-target, Host, Cookie, Authorization, User-Agent, X-Forwarded-For
 * and the peer's address (missing fields are empty). Flags: bits 0-4 say
 * whether Cookie, Authorization, User-Agent, X-Forwarded-For and the peer's
 * address are present at all, bit 5 https, bit 6 fresh_login_required
 * instead of login_required, bit 7 a handler that reads the flashed
 * messages and logs the user out (or user 42 in, remembered).
 *
 * Checked besides the sanitizers: nobody is logged in without a credential
 * that names them (a session or remember cookie that verifies, an API key);
 * a login from the session cookie passed strong protection (its "_id" is
 * the client's identifier, or the session is permanent); the guards answer
 * 0 exactly when they must and otherwise redirect to the login URL built
 * from request.url (or answer 500 where Flask-Login raises); every
 * response header is printable ASCII. The seeds
 * are real browsers' headers and cookies minted by Flask and Flask-Login
 * (gen-seeds.py). */
#include "fuzz_common.h"
#include "manager.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the application ---- */

typedef struct user {
    const char *id;
    int active;
    const char *api_key;
    size_t api_key_len;
} user;

static const user users[] = {
    {"1", 1, "key-1", 5},
    {"42", 1, "key-42", 6},
    {"user@example.com", 1, "k\xc3\xa9y", 4},
    {"7", 0, "key-7", 5},
    {"caf\xc3\xa9", 1, "a\0b", 3}, /* a key with NUL: only ?api_key=a%00b */
};
#define NUSERS (sizeof users / sizeof users[0])

static const user *by_id(const char *id) {
    for (size_t i = 0; i < NUSERS; i++)
        if (strcmp(users[i].id, id) == 0)
            return &users[i];
    return NULL;
}

static const user *by_key(const char *key, size_t len) {
    for (size_t i = 0; i < NUSERS; i++)
        if (users[i].api_key_len == len &&
            memcmp(users[i].api_key, key, len) == 0)
            return &users[i];
    return NULL;
}

static int user_active(void *ctx, const void *u) {
    (void)ctx;
    return ((const user *)u)->active;
}
static const char *user_id(void *ctx, const void *u) {
    (void)ctx;
    return ((const user *)u)->id;
}
static const clogin_user_class user_class = {.is_active = user_active,
                                             .get_id = user_id};

static clogin_status load_user(void *ctx, const char *id, void **out) {
    (void)ctx;
    *out = (void *)(uintptr_t)by_id(id);
    return CLOGIN_OK;
}

static clogin_status load_from_request(void *ctx, clogin_request *r,
                                       void **out) {
    (void)ctx;
    char *key;
    size_t len;
    if (clogin_request_arg(r, "api_key", &key, &len) == CLOGIN_OK) {
        CHECK(key[len] == '\0');
        *out = (void *)(uintptr_t)by_key(key, len);
        clogin_free(key);
    }
    return CLOGIN_OK;
}

static int lower(int c) {
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int b64val(unsigned char c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* "Basic base64(KEY)", strictly, as the demo's basic_key: the padded
 * standard alphabet and nothing else (unused bits zero), a non-empty key
 * without NUL. Returns a malloc'd NUL-terminated key, or NULL. */
static char *basic_key(const char *header, size_t *len) {
    static const char prefix[] = "basic ";
    if (!header)
        return NULL;
    for (size_t i = 0; i < 6; i++)
        if (lower((unsigned char)header[i]) != prefix[i])
            return NULL; /* stops at the NUL of a short header too */
    const char *b = header + 6;
    size_t n = strlen(b);
    if (n == 0 || n % 4 != 0)
        return NULL;
    size_t pad = b[n - 1] == '=' ? (b[n - 2] == '=' ? 2 : 1) : 0;
    char *key = malloc(n / 4 * 3 + 1);
    if (!key)
        return NULL;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n - pad; i++) {
        int v = b64val((unsigned char)b[i]);
        if (v < 0) {
            free(key);
            return NULL;
        }
        acc = (acc << 6 | (uint32_t)v) & 0xFFFFFF;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            key[o++] = (char)(acc >> bits);
        }
    }
    if ((acc & ((1u << bits) - 1)) != 0 || o == 0 || memchr(key, '\0', o)) {
        free(key); /* unused bits set, empty, or a NUL */
        return NULL;
    }
    key[o] = '\0';
    *len = o;
    return key;
}

static clogin_status load_from_header(void *ctx, const char *value,
                                      void **out) {
    (void)ctx;
    size_t len;
    char *key = basic_key(value, &len);
    if (key) {
        *out = (void *)(uintptr_t)by_key(key, len);
        free(key);
    }
    return CLOGIN_OK;
}

/* What the signals said during the current request. */
static struct { int from_cookie, from_request, from_header, protected_; } trace;

static void on_signal(void *ctx, clogin_request *r, clogin_signal sig,
                      void *u) {
    (void)ctx;
    (void)r;
    (void)u;
    switch (sig) {
    case CLOGIN_SIGNAL_USER_LOADED_FROM_COOKIE:
        trace.from_cookie++;
        break;
    case CLOGIN_SIGNAL_USER_LOADED_FROM_REQUEST:
        trace.from_request++;
        break;
    case CLOGIN_SIGNAL_USER_LOADED_FROM_HEADER:
        trace.from_header++;
        break;
    case CLOGIN_SIGNAL_SESSION_PROTECTED:
        trace.protected_++;
        break;
    default:
        break;
    }
}

static void on_log(void *ctx, clogin_log_level level, const char *message) {
    (void)ctx;
    if (getenv("CLOGIN_FUZZ_VERBOSE"))
        fprintf(stderr, "log %d: %s\n", (int)level, message);
}

static void set(clogin_manager *m, const char *name, const char *value) {
    if (clogin_manager_set(m, name, value) != CLOGIN_OK) {
        fprintf(stderr, "%s: %s\n", name, clogin_manager_error(m));
        abort();
    }
}

static clogin_manager *manager(void) {
    static clogin_manager *m;
    if (m)
        return m;
    CHECK(clogin_manager_new(&m) == CLOGIN_OK);
    set(m, "SECRET_KEY", FUZZ_SECRET);
    set(m, "SECRET_KEY_FALLBACKS", "old-fuzz-secret");
    set(m, "SESSION_PROTECTION", "strong");
    set(m, "TRUSTED_PROXIES", "1");
    /* the seeds' sessions were made by Flask-Login 0.6 */
    set(m, "SESSION_IDENTIFIER_FORMAT", "0.6");
    set(m, "LOGIN_VIEW", "/login");
    set(m, "REFRESH_VIEW", "/reauth");
    CHECK(clogin_manager_set_user_class(m, &user_class, NULL) == CLOGIN_OK);
    CHECK(clogin_manager_set_user_loader(m, load_user, NULL) == CLOGIN_OK);
    CHECK(clogin_manager_set_request_loader(m, load_from_request, NULL) ==
          CLOGIN_OK);
    CHECK(clogin_manager_set_header_loader(m, load_from_header, NULL) ==
          CLOGIN_OK);
    CHECK(clogin_manager_set_log(m, on_log, NULL) == CLOGIN_OK);
    for (int s = 0; s < CLOGIN_SIGNAL_COUNT; s++)
        CHECK(clogin_manager_connect(m, (clogin_signal)s, on_signal, NULL) ==
              CLOGIN_OK);
    if (clogin_manager_start(m) != CLOGIN_OK) {
        fprintf(stderr, "start: %s\n", clogin_manager_error(m));
        abort();
    }
    return m;
}

/* ---- the request ---- */

enum {
    F_METHOD,
    F_TARGET,
    F_HOST,
    F_COOKIE,
    F_AUTH,
    F_UA,
    F_XFF,
    F_ADDR,
    NFIELDS
};

typedef struct input {
    const char *field[NFIELDS];
    unsigned flags;
} input;

static int name_eq(const char *a, const char *b) {
    for (; *a && *b; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return 0;
    return *a == *b;
}

static const char *header(void *ctx, const char *name) {
    const input *in = ctx;
    if (name_eq(name, "Cookie"))
        return (in->flags & 1) ? in->field[F_COOKIE] : NULL;
    if (name_eq(name, "Authorization"))
        return (in->flags & 2) ? in->field[F_AUTH] : NULL;
    if (name_eq(name, "User-Agent"))
        return (in->flags & 4) ? in->field[F_UA] : NULL;
    if (name_eq(name, "X-Forwarded-For"))
        return (in->flags & 8) ? in->field[F_XFF] : NULL;
    return NULL;
}

static int vary_seen;

static int add_header(void *ctx, const char *name, const char *value) {
    (void)ctx;
    CHECK(strcmp(name, "Location") == 0 || strcmp(name, "Set-Cookie") == 0 ||
          strcmp(name, "Vary") == 0);
    for (const char *p = value; *p; p++)
        CHECK(*p >= 0x20 && *p <= 0x7E); /* no CR, LF or other control */
    if (strcmp(name, "Set-Cookie") == 0)
        CHECK(strncmp(value, "session=", 8) == 0 ||
              strncmp(value, "remember_token=", 15) == 0);
    if (strcmp(name, "Vary") == 0) {
        CHECK(strcmp(value, "Cookie") == 0);
        vary_seen++;
    }
    return 0;
}

/* Who could this request be logged in as? A user named by a session or a
 * remember cookie that verifies, or by an API key in the query or the
 * Authorization header. */
typedef struct candidates {
    const user *session, *remember, *arg, *basic;
    clogin_session *decoded; /* the session cookie, if it verifies */
} candidates;

static void find_candidates(const input *in, int64_t now, candidates *c) {
    memset(c, 0, sizeof *c);
    clogin_signer *signer = fuzz_signer();
    if (in->flags & 1) {
        const char *h = in->field[F_COOKIE];
        size_t hl = strlen(h);
        char *buf = malloc(hl + 1);
        CHECK(buf);
        const char *v;
        size_t vl;
        if (clogin_cookie_find(h, hl, "session", &v, &vl, buf, hl + 1) ==
                CLOGIN_OK &&
            clogin_session_cookie_decode(signer, v, vl, now, &c->decoded,
                                         NULL) == CLOGIN_OK) {
            const char *id;
            int64_t n;
            char num[32];
            if (clogin_session_get_string(c->decoded, "_user_id", &id, NULL) ==
                CLOGIN_OK) {
                c->session = by_id(id);
            } else if (clogin_session_get_int(c->decoded, "_user_id", &n) ==
                       CLOGIN_OK) {
                snprintf(num, sizeof num, "%lld", (long long)n);
                c->session = by_id(num);
            }
        }
        if (clogin_cookie_find(h, hl, "remember_token", &v, &vl, buf, hl + 1) ==
            CLOGIN_OK) {
            char *id;
            size_t il;
            if (clogin_remember_decode(signer, v, vl, &id, &il, NULL) ==
                CLOGIN_OK) {
                if (strlen(id) == il)
                    c->remember = by_id(id);
                clogin_free(id);
            }
        }
        free(buf);
    }
    const char *q = strchr(in->field[F_TARGET], '?');
    if (q) {
        char *key;
        size_t len;
        if (clogin_form_get(q + 1, strlen(q + 1), "api_key", &key, &len) ==
            CLOGIN_OK) {
            c->arg = by_key(key, len);
            clogin_free(key);
        }
    }
    if (in->flags & 2) {
        size_t len;
        char *key = basic_key(in->field[F_AUTH], &len);
        if (key) {
            c->basic = by_key(key, len);
            free(key);
        }
    }
}

/* The client's address as TRUSTED_PROXIES = 1 defines it: the last
 * X-Forwarded-For entry, trimmed of spaces and tabs, else the peer. */
static char *client_addr(const input *in) {
    if (!(in->flags & 8))
        return (in->flags & 16) ? clogin__strdup(in->field[F_ADDR]) : NULL;
    const char *x = in->field[F_XFF];
    const char *start = strrchr(x, ',');
    start = start ? start + 1 : x;
    const char *end = start + strlen(start);
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    return clogin__strndup(start, (size_t)(end - start));
}

static void check_next(clogin_request *r, const char *host) {
    char *next, *out = NULL;
    size_t len;
    if (clogin_request_arg(r, "next", &next, &len) != CLOGIN_OK)
        return;
    int safe = clogin_url_is_safe(next, len, host);
    CHECK(safe == 0 || safe == 1);
    if (safe)
        CHECK(strlen(next) == len && (next[0] == '/' || host[0] != '\0'));
    clogin_status st = clogin_login_url("/login", next, NULL, NULL, &out);
    CHECK((st == CLOGIN_OK) == (out != NULL));
    CHECK(st == CLOGIN_OK || st == CLOGIN_EINVAL || st == CLOGIN_EUTF8);
    clogin_free(out);
    out = NULL;
    st = clogin_make_next_param("/login", next, &out);
    CHECK((st == CLOGIN_OK) == (out != NULL));
    CHECK(st == CLOGIN_OK || st == CLOGIN_EINVAL || st == CLOGIN_EUTF8);
    if (st == CLOGIN_OK)
        CHECK(strlen(out) <= strlen(next));
    clogin_free(out);
    clogin_free(next);
}

/* A refused guard: 302 to login_url(view, request.url), or 500 when that
 * URL cannot be made, as Flask-Login raises ValueError for a Host such as
 * "[zz]" (urlsplit's bracketed-host check) and Flask answers 500. */
static void check_refused(clogin_request *r, int status, const char *view) {
    const char *url = clogin_request_url(r);
    CHECK(url);
    char *expect = NULL;
    clogin_status st = clogin_login_url(view, url, "next", NULL, &expect);
    const char *loc = clogin_response_location(r);
    if (st != CLOGIN_OK) {
        CHECK(st == CLOGIN_EINVAL && expect == NULL);
        CHECK(status == 500 && loc == NULL);
        return;
    }
    if (status != 302)
        fprintf(stderr, "guard answered %d\n", status);
    CHECK(status == 302 && loc != NULL);
    if (strcmp(loc, expect) != 0) {
        fprintf(stderr, "Location %s\nexpected %s\n", loc, expect);
        abort();
    }
    /* and the next it carries is what make_next_param says */
    char *next = NULL, *param = NULL;
    const char *q = strchr(loc, '?');
    CHECK(q && clogin_form_get(q + 1, strlen(q + 1), "next", &next, NULL) ==
                   CLOGIN_OK);
    CHECK(clogin_make_next_param(view, url, &param) == CLOGIN_OK);
    CHECK(strcmp(next, param) == 0);
    clogin_free(next);
    clogin_free(param);
    clogin_free(expect);
}

static void run(input *in) {
    clogin_manager *m = manager();
    const int64_t now = FUZZ_NOW + 1;
    const char *method = in->field[F_METHOD][0] ? in->field[F_METHOD] : "GET";
    const char *host = in->field[F_HOST];
    clogin_request_info info = {method,
                                (in->flags & 32) ? "https" : "http",
                                host,
                                in->field[F_TARGET][0] ? in->field[F_TARGET]
                                                       : "/",
                                (in->flags & 16) ? in->field[F_ADDR] : NULL,
                                header,
                                in,
                                now};
    in->field[F_TARGET] = info.target;
    clogin_request *r;
    CHECK(clogin_request_begin(m, &info, &r) == CLOGIN_OK);
    memset(&trace, 0, sizeof trace);

    candidates c;
    find_candidates(in, now, &c);

    const user *u = clogin_current_user(r);
    const char *id = clogin_current_user_id(r);
    int authenticated = clogin_is_authenticated(r);
    CHECK(authenticated == (u != NULL && u->active));
    CHECK(clogin_is_anonymous(r) == (u == NULL));
    CHECK((u == NULL) == (id == NULL));
    if (u) {
        CHECK(strcmp(id, u->id) == 0);
        CHECK(u == c.session || u == c.remember || u == c.arg || u == c.basic);
        CHECK(trace.from_cookie + trace.from_request + trace.from_header <= 1);
        if (trace.from_cookie)
            CHECK(u == c.remember);
        else if (trace.from_request)
            CHECK(u == c.arg);
        else if (trace.from_header)
            CHECK(u == c.basic);
        else {
            /* from the session cookie: it passed strong protection */
            CHECK(u == c.session && c.decoded);
            const char *sid = NULL;
            int permanent = 0;
            clogin_session_get_bool(c.decoded, "_permanent", &permanent);
            char ident[CLOGIN_SESSION_ID_LEN + 1];
            char *addr = client_addr(in);
            CHECK(clogin_session_identifier(CLOGIN_IDENTIFIER_06, addr,
                                            header(in, "User-Agent"),
                                            ident) == CLOGIN_OK);
            free(addr);
            int same = clogin_session_get_string(c.decoded, "_id", &sid,
                                                 NULL) == CLOGIN_OK &&
                       strcmp(sid, ident) == 0;
            CHECK(same || permanent);
        }
    }
    int fresh = clogin_login_fresh(r);
    {
        int f = 0;
        clogin_session *s = clogin_request_session(r);
        CHECK(s);
        clogin_session_get_bool(s, "_fresh", &f);
        CHECK(fresh == f);
    }

    /* the guards */
    int exempt = strcmp(r->method, "OPTIONS") == 0;
    if (in->flags & 64) {
        int st = clogin_fresh_login_required(r);
        if (exempt || (authenticated && fresh)) {
            CHECK(st == 0 && clogin_response_location(r) == NULL);
        } else {
            check_refused(r, st, authenticated ? "/reauth" : "/login");
        }
    } else {
        int st = clogin_login_required(r);
        if (exempt || authenticated) {
            CHECK(st == 0 && clogin_response_location(r) == NULL);
        } else {
            check_refused(r, st, "/login");
        }
    }

    /* request.url, the next argument and the open-redirect check */
    const char *url = clogin_request_url(r);
    CHECK(url && strncmp(url, info.scheme, strlen(info.scheme)) == 0);
    check_next(r, host);
    char *out = NULL;
    clogin_status st = clogin_make_next_param("/login", url, &out);
    CHECK(st == CLOGIN_OK || st == CLOGIN_EINVAL || st == CLOGIN_EUTF8);
    clogin_free(out);

    if (in->flags & 128) {
        clogin_get_flashed_messages(r, NULL, NULL, NULL);
        if (authenticated) {
            CHECK(clogin_logout_user(r) == CLOGIN_OK);
            CHECK(clogin_current_user(r) == NULL);
        } else {
            clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
            o.remember = 1;
            CHECK(clogin_login_user(r, (void *)(uintptr_t)by_id("42"), &o) ==
                  CLOGIN_OK);
            CHECK(clogin_current_user(r) == by_id("42"));
        }
    }

    if (getenv("CLOGIN_FUZZ_VERBOSE"))
        fprintf(stderr, "user %s%s via %s, fresh %d, location %s\n",
                id ? id : "(anonymous)",
                authenticated ? "" : " (not authenticated)",
                !u                   ? "-"
                : trace.from_cookie  ? "remember cookie"
                : trace.from_request ? "request loader"
                : trace.from_header  ? "header loader"
                                     : "session",
                fresh,
                clogin_response_location(r) ? clogin_response_location(r)
                                            : "-");
    vary_seen = 0;
    CHECK(clogin_request_finish(r, add_header, NULL) == CLOGIN_OK);
    CHECK(vary_seen == 1); /* the session was read: "Vary: Cookie", once */
    clogin_request_free(r);
    clogin_session_free(c.decoded);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 16384)
        return 0;
    /* a copy with a NUL after the last field: fields end at NUL bytes */
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    input in;
    in.flags = (unsigned char)buf[0];
    char *p = buf + 1, *end = buf + size;
    for (int i = 0; i < NFIELDS; i++) {
        if (p <= end) {
            in.field[i] = p;
            p += strlen(p) + 1;
        } else {
            in.field[i] = "";
        }
    }
    run(&in);
    free(buf);
    return 0;
}
