/* A test harness for the login core, with no server: what Flask-Login's own
 * test suite gets from Flask's test client.
 *
 *  - h_app: a fake application. Users "1" Notch, "2" Steve, "3" Creeper
 *    (inactive), "4" Jürgen, "佐藤" Müller (Flask-Login's germanjapanese),
 *    "5" to "9" for the threads, and an id Werkzeug must quote; a user class, a user loader, optionally a request loader (the api_key
 *    query argument) and a header loader (Authorization: Basic base64(id)),
 *    a log callback and a counter on every signal. Every user object the
 *    loaders hand out is a fresh malloc'd copy that the user class's release
 *    frees, so AddressSanitizer catches a user released twice or never.
 *  - h_client: a browser: host, address, User-Agent, the time, and a cookie
 *    jar fed by the Set-Cookie headers of each response.
 *  - h_call: one request: h_open() builds clogin_request_info (the header
 *    look-up reads a small table, the jar's Cookie header and the client's
 *    User-Agent), the test calls the API as a handler would, h_close()
 *    collects what clogin_request_finish() emits and updates the jar.
 *
 * Everything is static inline in this header because every
 * tests/unit/test_*.c is its own program. No global state: the concurrency
 * test runs many clients on one app from several threads. */
#ifndef CLOGIN_TEST_HARNESS_H
#define CLOGIN_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "clogin.h"
#include "manager.h" /* the store's id keys, to plant sessions as a browser would hold them */

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H_FN static inline __attribute__((unused))

#define H_SECRET "deterministic"
#define H_NOW INT64_C(1700000000) /* Tue, 14 Nov 2023 22:13:20 GMT */
#define H_UA "Mozilla/5.0 (clogin tests)"
#define H_ADDR "127.0.0.1"
#define H_HOST "localhost"
#define H_DAY INT64_C(86400)

/* "佐藤" and "Müller" in UTF-8 */
#define H_SATO "\xe4\xbd\x90\xe8\x97\xa4"
#define H_MULLER "M\xc3\xbcller"
#define H_JURGEN "J\xc3\xbcrgen"
/* an id that Werkzeug must quote in a cookie */
#define H_BOB "Bob Smith, \"Jr\"; x\\y"

/* ---------------------------------------------------------------- users */

typedef struct h_user {
    char id[64];
    char name[64];
    char api_key[32];
    int active;
    int anonymous; /* made by the anonymous factory */
} h_user;

static const h_user h_users[] = {
    {"1", "Notch", "notch-key", 1, 0},
    {"2", "Steve", "steve-key", 1, 0},
    {"3", "Creeper", "creeper-key", 0, 0},
    {"4", H_JURGEN, "jurgen-key", 1, 0},
    {H_SATO, H_MULLER, "sato-key", 1, 0},
    {"5", "Alex", "alex-key", 1, 0},
    {"6", "Zombie", "zombie-key", 1, 0},
    {"7", "Skeleton", "skeleton-key", 1, 0},
    {"8", "Enderman", "enderman-key", 1, 0},
    {"9", "Villager", "villager-key", 1, 0},
    {H_BOB, "Bob", "bob-key", 1, 0},
};
#define H_USER_COUNT (sizeof h_users / sizeof h_users[0])

H_FN const h_user *h_user_find(const char *id) {
    for (size_t i = 0; i < H_USER_COUNT; i++)
        if (strcmp(h_users[i].id, id) == 0)
            return &h_users[i];
    return NULL;
}

/* ------------------------------------------------------------------ app */

enum {
    H_REQUEST_LOADER = 1u << 0, /* api_key query argument */
    H_HEADER_LOADER = 1u << 1,  /* Authorization: Basic base64(id) */
    H_NO_USER_LOADER = 1u << 2, /* only the request loader */
    H_THREADED = 1u << 3,       /* callbacks only touch atomic counters */
    H_NO_SIGNALS = 1u << 4
};

typedef struct h_app {
    clogin_manager *m;
    clogin_signer *signer; /* the same SECRET_KEY, to read and mint cookies */
    unsigned flags;
    atomic_long live_users; /* handed out and not yet released */
    atomic_long live_anons;
    atomic_int user_loader_calls, request_loader_calls, header_loader_calls;
    atomic_int user_loader_fail, request_loader_fail, header_loader_fail;
    atomic_int user_loader_none; /* the loader knows nobody */
    atomic_int signals[CLOGIN_SIGNAL_COUNT];
    atomic_int signals_with_user[CLOGIN_SIGNAL_COUNT];
    char signal_user[CLOGIN_SIGNAL_COUNT][64]; /* id of the last user, "" */
    atomic_int logs[3];
    char last_log[3][256];
} h_app;

H_FN h_user *h_user_copy(h_app *a, const h_user *tpl) {
    h_user *u = malloc(sizeof *u);
    assert_non_null(u);
    *u = *tpl;
    atomic_fetch_add(&a->live_users, 1);
    return u;
}

/* A user object for clogin_login_user(): the request takes it. */
H_FN h_user *h_user_new(h_app *a, const char *id) {
    const h_user *tpl = h_user_find(id);
    assert_non_null(tpl);
    return h_user_copy(a, tpl);
}

H_FN int h_cls_is_active(void *ctx, const void *user) {
    (void)ctx;
    return ((const h_user *)user)->active;
}
H_FN const char *h_cls_get_id(void *ctx, const void *user) {
    (void)ctx;
    return ((const h_user *)user)->id;
}
H_FN void h_cls_release(void *ctx, void *user) {
    h_app *a = ctx;
    h_user *u = user;
    assert_int_equal(u->anonymous, 0);
    memset(u, 0xdd, sizeof *u);
    free(u);
    atomic_fetch_sub(&a->live_users, 1);
}

static const clogin_user_class h_user_class = {
    .is_active = h_cls_is_active, .get_id = h_cls_get_id, .release = h_cls_release};

/* The anonymous user class (a custom AnonymousUserMixin). */
H_FN int h_anon_no(void *ctx, const void *user) {
    (void)ctx;
    (void)user;
    return 0;
}
H_FN int h_anon_yes(void *ctx, const void *user) {
    (void)ctx;
    (void)user;
    return 1;
}
H_FN void h_anon_release(void *ctx, void *user) {
    h_app *a = ctx;
    h_user *u = user;
    assert_int_equal(u->anonymous, 1);
    free(u);
    atomic_fetch_sub(&a->live_anons, 1);
}
H_FN void *h_anon_factory(void *ctx) {
    h_app *a = ctx;
    h_user *u = calloc(1, sizeof *u);
    assert_non_null(u);
    strcpy(u->name, "Guest");
    u->anonymous = 1;
    atomic_fetch_add(&a->live_anons, 1);
    return u;
}
static const clogin_user_class h_anon_class = {
    .is_active = h_anon_no, .is_authenticated = h_anon_no, .is_anonymous = h_anon_yes,
    .release = h_anon_release};

H_FN clogin_status h_user_loader(void *ctx, const char *id, void **user) {
    h_app *a = ctx;
    atomic_fetch_add(&a->user_loader_calls, 1);
    assert_non_null(id);
    assert_non_null(user);
    assert_null(*user);
    if (atomic_load(&a->user_loader_fail))
        return CLOGIN_ESTATE; /* "the database is down" */
    if (atomic_load(&a->user_loader_none))
        return CLOGIN_OK;
    const h_user *tpl = h_user_find(id);
    if (tpl)
        *user = h_user_copy(a, tpl);
    return CLOGIN_OK;
}

H_FN clogin_status h_request_loader(void *ctx, clogin_request *r, void **user) {
    h_app *a = ctx;
    atomic_fetch_add(&a->request_loader_calls, 1);
    assert_non_null(user);
    assert_null(*user);
    if (atomic_load(&a->request_loader_fail))
        return CLOGIN_ESTATE;
    char *key = NULL;
    clogin_status st = clogin_request_arg(r, "api_key", &key, NULL);
    if (st == CLOGIN_ENOTFOUND)
        return CLOGIN_OK;
    assert_int_equal(st, CLOGIN_OK);
    for (size_t i = 0; i < H_USER_COUNT; i++)
        if (strcmp(h_users[i].api_key, key) == 0)
            *user = h_user_copy(a, &h_users[i]);
    clogin_free(key);
    return CLOGIN_OK;
}

/* Standard base64 with padding; returns the length or -1. */
H_FN int h_b64decode(const char *in, char *out, size_t cap) {
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = 0;
    unsigned acc = 0;
    int bits = 0;
    for (; *in && *in != '='; in++) {
        const char *p = strchr(alphabet, *in);
        if (!p || !*in)
            return -1;
        acc = (acc << 6) | (unsigned)(p - alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n + 1 >= cap)
                return -1;
            out[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[n] = '\0';
    return (int)n;
}

H_FN clogin_status h_header_loader(void *ctx, const char *value, void **user) {
    h_app *a = ctx;
    atomic_fetch_add(&a->header_loader_calls, 1);
    assert_non_null(value);
    assert_null(*user);
    if (atomic_load(&a->header_loader_fail))
        return CLOGIN_ESTATE;
    if (strncmp(value, "Basic ", 6) == 0)
        value += 6;
    char id[64];
    if (h_b64decode(value, id, sizeof id) < 0)
        return CLOGIN_OK;
    const h_user *tpl = h_user_find(id);
    if (tpl)
        *user = h_user_copy(a, tpl);
    return CLOGIN_OK;
}

H_FN void h_on_signal(void *ctx, clogin_request *r, clogin_signal sig, void *user) {
    h_app *a = ctx;
    assert_non_null(r);
    assert_true((unsigned)sig < CLOGIN_SIGNAL_COUNT);
    atomic_fetch_add(&a->signals[sig], 1);
    if (user)
        atomic_fetch_add(&a->signals_with_user[sig], 1);
    if (a->flags & H_THREADED)
        return;
    snprintf(a->signal_user[sig], sizeof a->signal_user[sig], "%s",
             user ? ((const h_user *)user)->id : "");
}

H_FN void h_on_log(void *ctx, clogin_log_level level, const char *message) {
    h_app *a = ctx;
    assert_true(level >= CLOGIN_LOG_DEBUG && level <= CLOGIN_LOG_ERROR);
    assert_non_null(message);
    atomic_fetch_add(&a->logs[level], 1);
    if (!(a->flags & H_THREADED))
        snprintf(a->last_log[level], sizeof a->last_log[level], "%s", message);
}

H_FN void h_set(h_app *a, const char *name, const char *value) {
    clogin_status st = clogin_manager_set(a->m, name, value);
    if (st != CLOGIN_OK)
        fail_msg("clogin_manager_set(%s, %s): %s: %s", name, value ? value : "NULL",
                 clogin_status_name(st), clogin_manager_error(a->m));
}

/* Create and configure; the test may configure more, then h_app_start(). */
H_FN void h_app_init(h_app *a, unsigned flags) {
    memset(a, 0, sizeof *a);
    a->flags = flags;
    assert_int_equal(clogin_manager_new(&a->m), CLOGIN_OK);
    h_set(a, "SECRET_KEY", H_SECRET);
    /* CTest runs the behaviour tests again with each server-side store */
    const char *store = getenv("CLOGIN_TEST_STORE");
    if (store && *store)
        h_set(a, "SESSION_STORE", store);
    /* Under valgrind or ThreadSanitizer (make check-valgrind, check-tsan)
     * everything runs many times slower: a store operation may have to
     * wait for SQLite's lock longer than the default. */
    const char *store_timeout = getenv("CLOGIN_TEST_STORE_TIMEOUT_MS");
    if (store && *store && store_timeout && *store_timeout)
        h_set(a, "SESSION_STORE_TIMEOUT_MS", store_timeout);
    assert_int_equal(clogin_manager_set_user_class(a->m, &h_user_class, a), CLOGIN_OK);
    if (!(flags & H_NO_USER_LOADER))
        assert_int_equal(clogin_manager_set_user_loader(a->m, h_user_loader, a), CLOGIN_OK);
    if (flags & H_REQUEST_LOADER)
        assert_int_equal(clogin_manager_set_request_loader(a->m, h_request_loader, a),
                         CLOGIN_OK);
    if (flags & H_HEADER_LOADER)
        assert_int_equal(clogin_manager_set_header_loader(a->m, h_header_loader, a),
                         CLOGIN_OK);
    assert_int_equal(clogin_manager_set_log(a->m, h_on_log, a), CLOGIN_OK);
    if (!(flags & H_NO_SIGNALS))
        for (int s = 0; s < CLOGIN_SIGNAL_COUNT; s++)
            assert_int_equal(clogin_manager_connect(a->m, (clogin_signal)s, h_on_signal, a),
                             CLOGIN_OK);
}

H_FN void h_app_anonymous_factory(h_app *a) {
    assert_int_equal(clogin_manager_set_anonymous_user(a->m, h_anon_factory, &h_anon_class, a),
                     CLOGIN_OK);
}

H_FN void h_app_start(h_app *a) {
    clogin_status st = clogin_manager_start(a->m);
    if (st != CLOGIN_OK)
        fail_msg("clogin_manager_start: %s: %s", clogin_status_name(st),
                 clogin_manager_error(a->m));
    clogin_signer_options o = {0};
    o.secret_key.data = H_SECRET;
    o.secret_key.len = strlen(H_SECRET);
    assert_int_equal(clogin_signer_new(&a->signer, &o), CLOGIN_OK);
}

H_FN void h_app_free(h_app *a) {
    clogin_manager_free(a->m);
    clogin_signer_free(a->signer);
    a->m = NULL;
    a->signer = NULL;
    /* every user handed to a request was released exactly once */
    assert_int_equal(atomic_load(&a->live_users), 0);
    assert_int_equal(atomic_load(&a->live_anons), 0);
}

H_FN int h_signal(h_app *a, clogin_signal sig) {
    return atomic_load(&a->signals[sig]);
}
H_FN void h_signals_reset(h_app *a) {
    for (int s = 0; s < CLOGIN_SIGNAL_COUNT; s++) {
        atomic_store(&a->signals[s], 0);
        atomic_store(&a->signals_with_user[s], 0);
        a->signal_user[s][0] = '\0';
    }
}

/* ------------------------------------------------------------ cookie jar */

#define H_JAR_MAX 8
#define H_VALUE_MAX 4400

typedef struct h_cookie {
    char name[64];
    char value[H_VALUE_MAX];
    char path[128];
    int64_t expires; /* 0: a browser-session cookie */
} h_cookie;

typedef struct h_jar {
    h_cookie c[H_JAR_MAX];
    size_t n;
} h_jar;

H_FN h_cookie *h_jar_find(h_jar *jar, const char *name) {
    for (size_t i = 0; i < jar->n; i++)
        if (strcmp(jar->c[i].name, name) == 0)
            return &jar->c[i];
    return NULL;
}

H_FN const char *h_jar_get(h_jar *jar, const char *name) {
    h_cookie *c = h_jar_find(jar, name);
    return c ? c->value : NULL;
}

H_FN void h_jar_remove(h_jar *jar, const char *name) {
    h_cookie *c = h_jar_find(jar, name);
    if (!c)
        return;
    size_t i = (size_t)(c - jar->c);
    memmove(&jar->c[i], &jar->c[i + 1], (jar->n - i - 1) * sizeof jar->c[0]);
    jar->n--;
}

H_FN h_cookie *h_jar_set(h_jar *jar, const char *name, const char *value) {
    h_cookie *c = h_jar_find(jar, name);
    if (!c) {
        assert_true(jar->n < H_JAR_MAX);
        c = &jar->c[jar->n++];
        memset(c, 0, sizeof *c);
        assert_true(strlen(name) < sizeof c->name);
        strcpy(c->name, name);
    }
    assert_true(strlen(value) < sizeof c->value);
    strcpy(c->value, value);
    strcpy(c->path, "/");
    c->expires = 0;
    return c;
}

/* Apply one Set-Cookie header as a browser would (host-only, no domain
 * matching): Max-Age=0 or an Expires in the past deletes the cookie. */
H_FN void h_jar_apply(h_jar *jar, const char *header, int64_t now) {
    const char *semi = strchr(header, ';');
    const char *eq = strchr(header, '=');
    assert_non_null(eq);
    assert_true(!semi || eq < semi);
    char name[64], value[H_VALUE_MAX];
    size_t nlen = (size_t)(eq - header);
    size_t vlen = semi ? (size_t)(semi - eq - 1) : strlen(eq + 1);
    assert_true(nlen > 0 && nlen < sizeof name);
    assert_true(vlen < sizeof value);
    memcpy(name, header, nlen);
    name[nlen] = '\0';
    memcpy(value, eq + 1, vlen);
    value[vlen] = '\0';
    char path[128] = "/";
    int64_t expires = 0;
    int gone = 0;
    for (const char *p = semi; p && *p;) {
        p++;
        while (*p == ' ')
            p++;
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 8 && strncmp(p, "Expires=", 8) == 0) {
            assert_int_equal(clogin_http_date_parse(p + 8, len - 8, &expires), CLOGIN_OK);
            if (expires <= now)
                gone = 1;
        } else if (len >= 8 && strncmp(p, "Max-Age=", 8) == 0) {
            if (len == 9 && p[8] == '0')
                gone = 1;
        } else if (len > 5 && strncmp(p, "Path=", 5) == 0) {
            assert_true(len - 5 < sizeof path);
            memcpy(path, p + 5, len - 5);
            path[len - 5] = '\0';
        }
        p = end;
    }
    if (gone) {
        h_jar_remove(jar, name);
        return;
    }
    h_cookie *c = h_jar_set(jar, name, value);
    strcpy(c->path, path);
    c->expires = expires;
}

/* The Cookie header for a request to path; 0 when no cookie applies. */
H_FN int h_jar_header(h_jar *jar, const char *path, int64_t now, char *out, size_t cap) {
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < jar->n; i++) {
        h_cookie *c = &jar->c[i];
        if (c->expires && c->expires <= now)
            continue;
        if (strncmp(path, c->path, strlen(c->path)) != 0)
            continue;
        int n = snprintf(out + o, cap - o, "%s%s=%s", o ? "; " : "", c->name, c->value);
        assert_true(n > 0 && (size_t)n < cap - o);
        o += (size_t)n;
    }
    return o > 0;
}

/* --------------------------------------------------------------- client */

typedef struct h_client {
    h_app *app;
    h_jar jar;
    const char *scheme;
    const char *host;
    const char *remote_addr;
    const char *user_agent; /* NULL: no User-Agent header */
    int64_t now;
    char body[256]; /* what the last helper "view" answered */
} h_client;

H_FN void h_client_init(h_client *c, h_app *a) {
    memset(c, 0, sizeof *c);
    c->app = a;
    c->scheme = "http";
    c->host = H_HOST;
    c->remote_addr = H_ADDR;
    c->user_agent = H_UA;
    c->now = H_NOW;
}

/* The usual start of a test: the default app, started, and one client. */
H_FN void h_setup(h_app *a, h_client *c) {
    h_app_init(a, 0);
    h_app_start(a);
    h_client_init(c, a);
}

/* ------------------------------------------------------------- requests */

#define H_RESP_MAX 12

typedef struct h_resp_header {
    char name[32];
    char value[H_VALUE_MAX];
} h_resp_header;

typedef struct h_call {
    h_client *c;
    clogin_request *r;
    const char *const *headers; /* name, value, ..., NULL; value NULL: absent */
    char path[256];
    char cookie[8 * 1024];
    int has_cookie;
    h_resp_header resp[H_RESP_MAX];
    size_t resp_n;
    int add_fail_at; /* make the add callback fail on this header (1-based) */
    int add_calls;
} h_call;

H_FN int h_ieq(const char *a, const char *b) {
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

H_FN const char *h_lookup(void *ctx, const char *name) {
    h_call *call = ctx;
    assert_non_null(name);
    for (const char *const *h = call->headers; h && h[0]; h += 2)
        if (h_ieq(h[0], name))
            return h[1];
    if (h_ieq(name, "Cookie"))
        return call->has_cookie ? call->cookie : NULL;
    if (h_ieq(name, "User-Agent"))
        return call->c->user_agent;
    if (h_ieq(name, "Host"))
        return call->c->host;
    return NULL;
}

H_FN int h_collect(void *ctx, const char *name, const char *value) {
    h_call *call = ctx;
    assert_non_null(name);
    assert_non_null(value);
    call->add_calls++;
    if (call->add_fail_at && call->add_calls == call->add_fail_at)
        return -1;
    assert_true(call->resp_n < H_RESP_MAX);
    assert_true(strlen(name) < sizeof call->resp[0].name);
    assert_true(strlen(value) < sizeof call->resp[0].value);
    /* a header value never carries a line break */
    assert_null(strpbrk(value, "\r\n"));
    strcpy(call->resp[call->resp_n].name, name);
    strcpy(call->resp[call->resp_n].value, value);
    call->resp_n++;
    return 0;
}

/* Begin a request as the client's browser would send it. headers: extra
 * request headers as name/value pairs ending with NULL (may be NULL); they
 * override the client's own (Cookie, User-Agent), a NULL value removes one. */
H_FN clogin_request *h_open(h_call *call, h_client *c, const char *method,
                            const char *target, const char *const *headers) {
    memset(call, 0, sizeof *call);
    call->c = c;
    call->headers = headers;
    size_t plen = strcspn(target, "?");
    assert_true(plen < sizeof call->path);
    memcpy(call->path, target, plen);
    call->path[plen] = '\0';
    call->has_cookie = h_jar_header(&c->jar, call->path, c->now, call->cookie,
                                    sizeof call->cookie);
    clogin_request_info info;
    memset(&info, 0, sizeof info);
    info.method = method;
    info.scheme = c->scheme;
    info.host = c->host;
    info.target = target;
    info.remote_addr = c->remote_addr;
    info.header = h_lookup;
    info.header_ctx = call;
    info.now = c->now;
    clogin_status st = clogin_request_begin(c->app->m, &info, &call->r);
    if (st != CLOGIN_OK)
        fail_msg("clogin_request_begin: %s", clogin_status_name(st));
    return call->r;
}

/* Finish: collect the headers, update the jar, free the request. Returns
 * what clogin_request_finish() returned. */
H_FN clogin_status h_close_status(h_call *call) {
    clogin_status st = clogin_request_finish(call->r, h_collect, call);
    clogin_request_free(call->r);
    call->r = NULL;
    for (size_t i = 0; i < call->resp_n; i++)
        if (strcmp(call->resp[i].name, "Set-Cookie") == 0)
            h_jar_apply(&call->c->jar, call->resp[i].value, call->c->now);
    return st;
}

H_FN void h_close(h_call *call) {
    clogin_status st = h_close_status(call);
    if (st != CLOGIN_OK)
        fail_msg("clogin_request_finish: %s", clogin_status_name(st));
}

/* The index-th response header called name (case-insensitive), or NULL. */
H_FN const char *h_resp(const h_call *call, const char *name, size_t index) {
    for (size_t i = 0; i < call->resp_n; i++)
        if (h_ieq(call->resp[i].name, name) && index-- == 0)
            return call->resp[i].value;
    return NULL;
}

H_FN size_t h_resp_count(const h_call *call, const char *name) {
    size_t n = 0;
    for (size_t i = 0; i < call->resp_n; i++)
        n += h_ieq(call->resp[i].name, name);
    return n;
}

/* The Set-Cookie header for the cookie called name, or NULL. */
H_FN const char *h_set_cookie(const h_call *call, const char *name) {
    size_t n = strlen(name);
    for (size_t i = 0; i < call->resp_n; i++)
        if (strcmp(call->resp[i].name, "Set-Cookie") == 0 &&
            strncmp(call->resp[i].value, name, n) == 0 && call->resp[i].value[n] == '=')
            return call->resp[i].value;
    return NULL;
}

/* "Vary: Cookie" was sent (exactly once). */
H_FN int h_varies(const h_call *call) {
    size_t n = 0;
    for (size_t i = 0; i < call->resp_n; i++)
        if (h_ieq(call->resp[i].name, "Vary")) {
            assert_string_equal(call->resp[i].value, "Cookie");
            n++;
        }
    assert_true(n <= 1);
    return n == 1;
}

/* --------------------------------------------------- session in the jar */

/* The behaviour tests run again with each server-side store; tests of
 * the cookie's bytes (Flask's wire format) then have nothing to test. */
H_FN int h_stored(void) {
    const char *store = getenv("CLOGIN_TEST_STORE");
    return store && *store;
}
#define H_COOKIE_SESSIONS_ONLY()                                               \
    do {                                                                       \
        if (h_stored())                                                        \
            skip();                                                            \
    } while (0)

H_FN void h_take_record(void *ctx, const char *id, const clogin_store_record *rec) {
    (void)id;
    clogin_session **s = ctx;
    assert_int_equal(rec->kind, CLOGIN_STORE_SESSION);
    assert_int_equal(clogin_session_from_json(s, rec->data, rec->data_len, 0), CLOGIN_OK);
}

/* The session the jar holds, decoded at the client's time (or read from
 * the store its id names); NULL if none. */
H_FN clogin_session *h_session(h_client *c) {
    const char *v = h_jar_get(&c->jar, "session");
    if (!v)
        return NULL;
    clogin_session *s = NULL;
    const clogin_store *store = clogin_manager_store(c->app->m);
    if (store) {
        char id[CLOGIN__TAG_LEN + 1];
        assert_true(clogin__token_verify(&c->app->m->sid_keys, v, strlen(v), id));
        clogin_status st = store->ops->load(store->self, id, c->now, h_take_record, &s);
        if (st != CLOGIN_OK)
            fail_msg("the jar's session is not in the store: %s", clogin_status_name(st));
        return s;
    }
    clogin_status st = clogin_session_cookie_decode(c->app->signer, v, strlen(v), c->now, &s,
                                                    NULL);
    if (st != CLOGIN_OK)
        fail_msg("session cookie in the jar does not decode: %s", clogin_status_name(st));
    return s;
}

/* The jar's session as Flask's JSON, into out ("" when no cookie). */
H_FN const char *h_session_json(h_client *c, char *out, size_t cap) {
    clogin_session *s = h_session(c);
    out[0] = '\0';
    if (!s)
        return out;
    char *json;
    assert_int_equal(clogin_session_to_json(s, &json, NULL), CLOGIN_OK);
    assert_true(strlen(json) < cap);
    strcpy(out, json);
    clogin_free(json);
    clogin_session_free(s);
    return out;
}

/* A string value of the jar's session, copied into out; NULL if absent. */
H_FN const char *h_session_str(h_client *c, const char *key, char *out, size_t cap) {
    clogin_session *s = h_session(c);
    const char *v;
    size_t len;
    if (!s || clogin_session_get_string(s, key, &v, &len) != CLOGIN_OK) {
        clogin_session_free(s);
        return NULL;
    }
    assert_true(len < cap);
    memcpy(out, v, len + 1);
    clogin_session_free(s);
    return out;
}

H_FN int h_session_has(h_client *c, const char *key) {
    clogin_session *s = h_session(c);
    int has = s && clogin_session_has(s, key);
    clogin_session_free(s);
    return has;
}

/* Put a session in the jar (Flask's session_transaction), signed now, or
 * recorded in the store under a new id. */
H_FN void h_session_put(h_client *c, const char *json) {
    const clogin_store *store = clogin_manager_store(c->app->m);
    if (store) {
        char id[CLOGIN__TAG_LEN + 1], token[CLOGIN__TOKEN_LEN + 1];
        assert_int_equal(clogin__token_new(&c->app->m->sid_keys, id, token), CLOGIN_OK);
        clogin_store_record rec = {CLOGIN_STORE_SESSION, "", json, strlen(json), c->now,
                                   c->now, c->now + 31 * H_DAY, "", ""};
        assert_int_equal(store->ops->save(store->self, id, &rec), CLOGIN_OK);
        h_jar_set(&c->jar, "session", token);
        return;
    }
    clogin_session *s;
    assert_int_equal(clogin_session_from_json(&s, json, strlen(json), 0), CLOGIN_OK);
    char *v;
    assert_int_equal(clogin_session_cookie_encode(c->app->signer, s, c->now, &v, NULL),
                     CLOGIN_OK);
    h_jar_set(&c->jar, "session", v);
    clogin_free(v);
    clogin_session_free(s);
}

/* The Set-Cookie header Flask would send for a session holding json,
 * signed at now, with the default attributes (HttpOnly; Path=/) and
 * Expires when expires != 0. */
H_FN const char *h_session_set_cookie(h_app *a, const char *json, int64_t now,
                                      int64_t expires, char *out, size_t cap) {
    clogin_session *s;
    assert_int_equal(clogin_session_from_json(&s, json, strlen(json), 0), CLOGIN_OK);
    char *v;
    assert_int_equal(clogin_session_cookie_encode(a->signer, s, now, &v, NULL), CLOGIN_OK);
    char date[CLOGIN_HTTP_DATE_LEN + 1] = "";
    if (expires)
        assert_int_equal(clogin_http_date_format(expires, date), CLOGIN_OK);
    int n = snprintf(out, cap, "session=%s%s%s; HttpOnly; Path=/", v,
                     expires ? "; Expires=" : "", date);
    assert_true(n > 0 && (size_t)n < cap);
    clogin_free(v);
    clogin_session_free(s);
    return out;
}

/* The remember cookie's value for a user id, as Flask-Login makes it, or
 * a token recorded in the store. */
H_FN const char *h_remember_value(h_app *a, const char *id, char *out, size_t cap) {
    const clogin_store *store = clogin_manager_store(a->m);
    if (store) {
        char rid[CLOGIN__TAG_LEN + 1];
        assert_true(cap > CLOGIN__TOKEN_LEN);
        assert_int_equal(clogin__token_new(&a->m->remember_keys, rid, out), CLOGIN_OK);
        clogin_store_record rec = {CLOGIN_STORE_REMEMBER, id, "", 0, H_NOW, H_NOW,
                                   H_NOW + 400 * H_DAY, "", ""};
        assert_int_equal(store->ops->save(store->self, rid, &rec), CLOGIN_OK);
        return out;
    }
    char *v;
    assert_int_equal(clogin_remember_encode(a->signer, id, strlen(id), &v, NULL), CLOGIN_OK);
    assert_true(strlen(v) < cap);
    strcpy(out, v);
    clogin_free(v);
    return out;
}

H_FN const char *h_date(int64_t t, char out[CLOGIN_HTTP_DATE_LEN + 1]) {
    assert_int_equal(clogin_http_date_format(t, out), CLOGIN_OK);
    return out;
}

/* Flask-Login's _delete_session(): the browser was closed. */
H_FN void h_delete_session(h_client *c) {
    h_jar_remove(&c->jar, "session");
}

/* The session identifier of an address and User-Agent (Flask-Login 0.7). */
H_FN const char *h_ident(const char *addr, const char *ua, char out[CLOGIN_SESSION_ID_LEN + 1]) {
    assert_int_equal(clogin_session_identifier(CLOGIN_IDENTIFIER_07, addr, ua, out), CLOGIN_OK);
    return out;
}

/* -------------------------------------------------------------- flashes */

typedef struct h_flashes {
    size_t n;
    char category[8][64];
    char message[8][256];
} h_flashes;

H_FN void h_flash_cb(void *ctx, const char *category, const char *message) {
    h_flashes *f = ctx;
    assert_true(f->n < 8);
    snprintf(f->category[f->n], sizeof f->category[0], "%s", category);
    snprintf(f->message[f->n], sizeof f->message[0], "%s", message);
    f->n++;
}

/* ---------------------------------------------------------------- views */

/* "/username": the current user's name, or "Anonymous". */
H_FN const char *h_username_in(h_client *c, clogin_request *r) {
    if (clogin_is_authenticated(r)) {
        const h_user *u = clogin_current_user(r);
        assert_non_null(u);
        snprintf(c->body, sizeof c->body, "%s", u->name);
    } else {
        snprintf(c->body, sizeof c->body, "Anonymous");
    }
    return c->body;
}

H_FN const char *h_get_username_with(h_client *c, const char *target,
                                     const char *const *headers) {
    h_call call;
    h_open(&call, c, "GET", target, headers);
    h_username_in(c, call.r);
    h_close(&call);
    return c->body;
}

H_FN const char *h_get_username(h_client *c) {
    return h_get_username_with(c, "/username", NULL);
}

/* "/login-<id>": clogin_login_user() with opts (NULL: defaults). */
H_FN clogin_status h_get_login_with(h_client *c, const char *id,
                                    const clogin_login_options *opts,
                                    const char *const *headers) {
    h_call call;
    h_open(&call, c, "GET", "/login", headers);
    clogin_status st = clogin_login_user(call.r, h_user_new(c->app, id), opts);
    h_close(&call);
    return st;
}

H_FN clogin_status h_get_login(h_client *c, const char *id) {
    return h_get_login_with(c, id, NULL, NULL);
}

H_FN clogin_status h_get_login_remember(h_client *c, const char *id) {
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.remember = 1;
    return h_get_login_with(c, id, &o, NULL);
}

H_FN void h_get_logout(h_client *c) {
    h_call call;
    h_open(&call, c, "GET", "/logout", NULL);
    assert_int_equal(clogin_logout_user(call.r), CLOGIN_OK);
    h_close(&call);
}

/* "/is-fresh" */
H_FN int h_get_is_fresh(h_client *c) {
    h_call call;
    h_open(&call, c, "GET", "/is-fresh", NULL);
    int fresh = clogin_login_fresh(call.r);
    h_close(&call);
    return fresh;
}

/* "/confirm-login" */
H_FN void h_get_confirm(h_client *c) {
    h_call call;
    h_open(&call, c, "GET", "/confirm-login", NULL);
    assert_int_equal(clogin_confirm_login(call.r), CLOGIN_OK);
    h_close(&call);
}

/* A guarded view: the guard's answer, or 200 when it let the view run. */
H_FN int h_get_guarded(h_client *c, const char *method, const char *target,
                       int (*guard)(clogin_request *), h_call *out) {
    h_call local;
    h_call *call = out ? out : &local;
    h_open(call, c, method, target, NULL);
    int status = guard(call->r);
    h_close(call);
    return status ? status : 200;
}

#endif
