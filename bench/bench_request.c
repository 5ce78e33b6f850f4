/* Requests through the core, as an adapter drives them (begin, the
 * handler's call, finish, free), for the five operations of a login site,
 * each beside its floor measured in the same run: the cryptography and
 * parsing that request cannot avoid, with the keys already derived.
 *
 *   anonymous            no cookies; the guard refuses          floor: none
 *   session cookie       a logged-in user's cookie; the guard   HMAC-SHA1 of the
 *                        loads the user (protection basic)      cookie, SHA-512 of
 *                        the same cookie as the last request    the identifier, the
 *                        (what browsers send)                   JSON parse
 *   session cookie,      the same, but a cookie this thread     the same
 *   first sight          has not seen (1024 in turn): the
 *                        cache of verified cookies cannot help
 *   remember restore     only the remember cookie; a new        HMAC-SHA512, SHA-512,
 *                        session cookie is written              HMAC-SHA1 (signing)
 *   login with remember  login_user(remember) and both cookies  SHA-512, HMAC-SHA1,
 *                                                               HMAC-SHA512
 *   logout               both cookies; logout_user deletes      HMAC-SHA1, JSON
 *                        them                                   parse, SHA-512
 *
 * Run by `make bench`; --json prints one JSON object per operation. */
#define _POSIX_C_SOURCE 200809L
#include "manager.h"
#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ADDR "203.0.113.7"
#define UA "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
#define SECRET "bench-secret-key-0123456789"

static void fail(const char *what) {
    fprintf(stderr, "bench_request: %s\n", what);
    exit(1);
}

/* ---- the application: one user, no allocation of its own ---- */

static const char user_42[] = "42";

static const char *get_id(void *ctx, const void *user) {
    (void)ctx;
    return user;
}
static clogin_status load_user(void *ctx, const char *id, void **user) {
    (void)ctx;
    *user = strcmp(id, user_42) == 0 ? (void *)(uintptr_t)user_42 : NULL;
    return CLOGIN_OK;
}
static const clogin_user_class user_class = {.get_id = get_id};

/* ---- the request shape: a header table, an add-header callback ---- */

typedef struct headers {
    const char *cookie; /* NULL: none */
    char session[512], remember[512]; /* what a response set, "name=value" */
    int set_cookies;
} headers;

static const char *lookup(void *ctx, const char *name) {
    const headers *h = ctx;
    if (strcasecmp(name, "Cookie") == 0)
        return h->cookie;
    if (strcasecmp(name, "User-Agent") == 0)
        return UA;
    return NULL;
}

static void keep(char *dst, size_t cap, const char *value) {
    size_t n = strcspn(value, ";");
    if (n >= cap)
        fail("cookie too long");
    memcpy(dst, value, n);
    dst[n] = '\0';
}

static int add_header(void *ctx, const char *name, const char *value) {
    headers *h = ctx;
    if (strcmp(name, "Set-Cookie") != 0)
        return 0;
    h->set_cookies++;
    if (strncmp(value, "session=", 8) == 0)
        keep(h->session, sizeof h->session, value);
    else if (strncmp(value, "remember_token=", 15) == 0)
        keep(h->remember, sizeof h->remember, value);
    return 0;
}

#define DISTINCT 1024

typedef struct bench {
    clogin_manager *m;
    char *distinct[DISTINCT]; /* "session=..." cookies, each different */
    size_t next;
    char session_cookie[512];  /* "session=..." of a fresh login */
    char remember_cookie[512]; /* "remember_token=..." */
    char both[1040];
    /* floors' inputs */
    const char *cookie_value;
    size_t signed_len;
    char *json;
    size_t json_len;
    const char *remember_value;
} bench;

static clogin_request *begin(bench *b, const char *method, headers *h) {
    clogin_request_info info = {method, "http", "bench.example", "/protected", ADDR,
                                lookup, h, 0};
    clogin_request *r;
    if (clogin_request_begin(b->m, &info, &r) != CLOGIN_OK)
        fail("begin");
    return r;
}

static void end(clogin_request *r, headers *h) {
    if (clogin_request_finish(r, add_header, h) != CLOGIN_OK)
        fail("finish");
    clogin_request_free(r);
}

/* ---- the five operations ---- */

static void op_anonymous(void *p) {
    bench *b = p;
    headers h = {NULL, "", "", 0};
    clogin_request *r = begin(b, "GET", &h);
    if (clogin_login_required(r) != 401)
        fail("anonymous was let in");
    end(r, &h);
}

static void op_session(void *p) {
    bench *b = p;
    headers h = {b->session_cookie, "", "", 0};
    clogin_request *r = begin(b, "GET", &h);
    if (clogin_login_required(r) != 0)
        fail("the session cookie did not log in");
    end(r, &h);
    if (h.set_cookies)
        fail("a session read sent a cookie");
}

static void op_session_first_sight(void *p) {
    bench *b = p;
    headers h = {b->distinct[b->next++ % DISTINCT], "", "", 0};
    clogin_request *r = begin(b, "GET", &h);
    if (clogin_login_required(r) != 0)
        fail("a distinct session cookie did not log in");
    end(r, &h);
}

static void op_remember(void *p) {
    bench *b = p;
    headers h = {b->remember_cookie, "", "", 0};
    clogin_request *r = begin(b, "GET", &h);
    if (clogin_login_required(r) != 0)
        fail("the remember cookie did not log in");
    end(r, &h);
    if (!h.session[0])
        fail("a restore wrote no session cookie");
}

static void op_login(void *p) {
    bench *b = p;
    headers h = {NULL, "", "", 0};
    clogin_request *r = begin(b, "POST", &h);
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.remember = 1;
    if (clogin_login_user(r, (void *)(uintptr_t)user_42, &o) != CLOGIN_OK)
        fail("login");
    end(r, &h);
    if (!h.session[0] || !h.remember[0])
        fail("a login wrote no cookies");
}

static void op_logout(void *p) {
    bench *b = p;
    headers h = {b->both, "", "", 0};
    clogin_request *r = begin(b, "GET", &h);
    if (clogin_logout_user(r) != CLOGIN_OK)
        fail("logout");
    end(r, &h);
    if (h.set_cookies != 2)
        fail("a logout did not delete both cookies");
}

/* ---- the floors' parts ---- */

static void fl_hmac_sha1_verify(void *p) {
    bench *b = p;
    uint8_t mac[CLOGIN__MAX_MAC];
    if (clogin__mac_compute(&b->m->signer->session_macs[0], b->cookie_value, b->signed_len,
                            mac))
        fail("hmac-sha1");
}

static void fl_hmac_sha512(void *p) {
    bench *b = p;
    uint8_t mac[CLOGIN__MAX_MAC];
    if (clogin__mac_compute(&b->m->signer->remember_macs[0], user_42, 2, mac))
        fail("hmac-sha512");
}

static void fl_identifier(void *p) {
    bench *b = p;
    char id[CLOGIN_SESSION_ID_LEN + 1];
    if (clogin__session_identifier(b->m->signer->sha512, CLOGIN_IDENTIFIER_07, ADDR, UA, id))
        fail("identifier");
}

static void fl_json_parse(void *p) {
    bench *b = p;
    json_t *v;
    if (clogin__json_parse(b->json, b->json_len, 0, 0, &v))
        fail("json parse");
    json_decref(v);
}

/* ---- setup ---- */

static void setup(bench *b) {
    if (clogin_manager_new(&b->m) != CLOGIN_OK ||
        clogin_manager_set(b->m, "SECRET_KEY", SECRET) != CLOGIN_OK ||
        clogin_manager_set_user_class(b->m, &user_class, NULL) != CLOGIN_OK ||
        clogin_manager_set_user_loader(b->m, load_user, NULL) != CLOGIN_OK ||
        clogin_manager_start(b->m) != CLOGIN_OK)
        fail(clogin_manager_error(b->m));
    headers h = {NULL, "", "", 0};
    clogin_request *r = begin(b, "POST", &h);
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.remember = 1;
    if (clogin_login_user(r, (void *)(uintptr_t)user_42, &o) != CLOGIN_OK)
        fail("login");
    end(r, &h);
    strcpy(b->session_cookie, h.session);
    strcpy(b->remember_cookie, h.remember);
    snprintf(b->both, sizeof b->both, "%s; %s", h.session, h.remember);
    b->cookie_value = b->session_cookie + 8;
    b->signed_len = (size_t)(strrchr(b->cookie_value, '.') - b->cookie_value);
    b->remember_value = b->remember_cookie + 15;
    clogin_session *s;
    if (clogin_session_cookie_decode(b->m->signer, b->cookie_value, strlen(b->cookie_value),
                                     (int64_t)time(NULL),
                                     &s, NULL) != CLOGIN_OK ||
        clogin_session_to_json(s, &b->json, &b->json_len) != CLOGIN_OK)
        fail("the login's cookie");
    /* the same login with a counter: other bytes, the same cost */
    for (int i = 0; i < DISTINCT; i++) {
        char *value;
        if (clogin_session_set_int(s, "n", i) != CLOGIN_OK ||
            clogin_session_cookie_encode(b->m->signer, s, (int64_t)time(NULL), &value, NULL) !=
                CLOGIN_OK)
            fail("distinct cookies");
        size_t n = strlen(value) + 9;
        if (!(b->distinct[i] = malloc(n)))
            fail("memory");
        snprintf(b->distinct[i], n, "session=%s", value);
        clogin_free(value);
    }
    clogin_session_free(s);
}

typedef struct op {
    const char *name;
    bench_fn run;
    bench_fn floor[3];
} op;

int main(int argc, char **argv) {
    int json = argc > 1 && strcmp(argv[1], "--json") == 0;
    bench b = {0};
    setup(&b);
    const op ops[] = {
        {"anonymous", op_anonymous, {NULL}},
        {"session cookie", op_session, {fl_hmac_sha1_verify, fl_identifier, fl_json_parse}},
        {"session cookie, first sight", op_session_first_sight,
         {fl_hmac_sha1_verify, fl_identifier, fl_json_parse}},
        {"remember restore", op_remember, {fl_hmac_sha512, fl_identifier, fl_hmac_sha1_verify}},
        {"login with remember", op_login, {fl_identifier, fl_hmac_sha1_verify, fl_hmac_sha512}},
        {"logout", op_logout, {fl_hmac_sha1_verify, fl_json_parse, fl_identifier}},
    };
    if (!json)
        printf("%-28s %10s %10s %7s\n", "operation", "ns", "floor ns", "ratio");
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        double ns = bench_measure(ops[i].run, &b);
        double floor_ns = 0;
        for (int k = 0; k < 3 && ops[i].floor[k]; k++)
            floor_ns += bench_measure(ops[i].floor[k], &b);
        if (json)
            printf("{\"section\": \"in-process\", \"op\": \"%s\", \"ns\": %.0f, "
                   "\"floor_ns\": %.0f}\n",
                   ops[i].name, ns, floor_ns);
        else if (floor_ns > 0)
            printf("%-28s %10.0f %10.0f %6.2fx\n", ops[i].name, ns, floor_ns, ns / floor_ns);
        else
            printf("%-28s %10.0f %10s %7s\n", ops[i].name, ns, "-", "-");
    }
    free(b.json);
    for (int i = 0; i < DISTINCT; i++)
        free(b.distinct[i]);
    clogin_manager_free(b.m);
    return 0;
}
