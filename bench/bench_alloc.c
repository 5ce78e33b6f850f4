/* Heap allocations per request through the core, as an adapter drives it
 * (begin with a header lookup, the guard or login call, finish with an
 * add-header callback, free), for five requests with cookie sessions:
 *
 *   anonymous            no cookie, login_required answers 401
 *   session cookie       user 42's session cookie, login_required lets it in
 *   remember restore     only the remember cookie: logged in, new session cookie
 *   login with remember  login_user(remember) sets both cookies
 *   logout               session + remember cookies, logout_user deletes them
 *
 * and a sixth, "session cookie, first sight": the session-cookie request with
 * a cookie the library has not seen lately (one of DISTINCT users' cookies
 * in turn), for the cost a cache of verified cookies does not hide.
 *
 * Counts come from the counting allocator bench/alloc_count.c loaded with
 * LD_PRELOAD, so they do not depend on the machine:
 *
 *   LD_PRELOAD=build/release/bench/liballoc_count.so build/release/bench/bench_alloc [--json]
 *
 * Without the preload the requests still run and are checked, and the
 * figures read "not measured". With ALLOC_COUNT_TRACE=1 one session-cookie
 * request is traced and its allocations listed by where they come from
 * (--trace-all: one request of every operation).
 * The application's own callbacks allocate nothing (a static user, a
 * static header table, an add-header callback that copies nothing), so
 * every allocation counted is the library's or its dependencies'.
 *
 * `bench_alloc --callgrind OP N` runs N requests of one operation between
 * CALLGRIND_START/STOP_INSTRUMENTATION for bench/callgrind.sh, which turns
 * them into instructions per request.
 *
 * Exits non-zero when a request does not behave as described above. */
#define _GNU_SOURCE
#include "clogin.h"

#include <dlfcn.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#endif

#define WARMUP 16
#define ROUNDS 1000
#define GROWTH_USERS 10000
/* Session cookies of as many users for "session cookie, first sight": far
 * more than any per-thread cache of verified cookies holds, so each
 * request brings bytes the library has not seen lately. */
#define DISTINCT 1024
#define UA "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
#define REMOTE_ADDR "203.0.113.7"

/* ---- the application: a static user, a loader that allocates nothing ---- */

typedef struct user {
    char id[8];
} user;

static user user42 = {"42"};
static user growth_users[GROWTH_USERS];

static const char *get_id(void *ctx, const void *u) {
    (void)ctx;
    return ((const user *)u)->id;
}

static clogin_status load_user(void *ctx, const char *id, void **out) {
    (void)ctx;
    if (strcmp(id, "42") == 0) {
        *out = &user42;
    } else if (id[0] == 'u') {
        char *end;
        unsigned long k = strtoul(id + 1, &end, 10);
        if (*end == '\0' && k < GROWTH_USERS)
            *out = &growth_users[k];
    }
    return CLOGIN_OK;
}

static const clogin_user_class user_class = {.get_id = get_id};

/* ---- requests: a static header table, headers noted without copying ---- */

typedef struct header {
    const char *name;
    const char *value;
} header;

/* The request's headers; [0] is the Cookie header, NULL when not sent. */
typedef struct headers {
    header h[4];
} headers;

static headers make_headers(const char *cookie) {
    headers t = {{{"Cookie", cookie},
                  {"User-Agent", UA},
                  {"Accept", "text/html"},
                  {"Accept-Language", "en"}}};
    return t;
}

static const char *lookup_header(void *ctx, const char *name) {
    const headers *t = ctx;
    for (size_t i = 0; i < sizeof t->h / sizeof t->h[0]; i++)
        if (strcasecmp(t->h[i].name, name) == 0)
            return t->h[i].value;
    return NULL;
}

/* What the response said, noted without copying anything. */
typedef struct response {
    int set_cookies;
    int session_set, session_deleted;
    int remember_set, remember_deleted;
} response;

static int is_cookie(const char *value, const char *name, int *deleted) {
    size_t n = strlen(name);
    if (strncmp(value, name, n) != 0 || value[n] != '=')
        return 0;
    *deleted = value[n + 1] == ';' || value[n + 1] == '\0';
    return 1;
}

static int note_header(void *ctx, const char *name, const char *value) {
    response *rs = ctx;
    int deleted;
    if (strcasecmp(name, "Set-Cookie") != 0)
        return 0;
    rs->set_cookies++;
    if (is_cookie(value, "session", &deleted)) {
        rs->session_set += !deleted;
        rs->session_deleted += deleted;
    } else if (is_cookie(value, "remember_token", &deleted)) {
        rs->remember_set += !deleted;
        rs->remember_deleted += deleted;
    }
    return 0;
}

/* Setup only: keep the cookies a response sets, as "name=value". */
typedef struct captured {
    char session[4096];
    char remember[4096];
} captured;

static int capture_header(void *ctx, const char *name, const char *value) {
    captured *c = ctx;
    int deleted;
    char *dst = NULL;
    if (strcasecmp(name, "Set-Cookie") != 0)
        return 0;
    if (is_cookie(value, "session", &deleted) && !deleted)
        dst = c->session;
    else if (is_cookie(value, "remember_token", &deleted) && !deleted)
        dst = c->remember;
    if (dst) {
        size_t n = strcspn(value, ";");
        if (n >= sizeof c->session)
            return -1;
        memcpy(dst, value, n);
        dst[n] = '\0';
    }
    return 0;
}

/* ---- the bench ---- */

typedef struct bench {
    clogin_manager *m;
    char session_cookie[4096];  /* "session=..." of a plain login of 42 */
    char remember_cookie[4096]; /* "remember_token=..." of a remembered login */
    char logout_cookie[8200];   /* the remembered login's session + remember */
    char (*distinct)[512];      /* DISTINCT session cookies, of users u0, u1, ... */
} bench;

static char failure[256];

__attribute__((format(printf, 1, 2))) static const char *fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(failure, sizeof failure, fmt, ap);
    va_end(ap);
    return failure;
}

static clogin_request *begin(const bench *b, headers *t, const char *method,
                             const char *target) {
    clogin_request_info info = {method, "http", "bench.example", target, REMOTE_ADDR,
                                lookup_header, t, 0};
    clogin_request *r;
    if (clogin_request_begin(b->m, &info, &r) != CLOGIN_OK)
        return NULL;
    return r;
}

/* Each operation is one whole request; NULL when it behaved, else why not. */
typedef const char *(*op_fn)(const bench *b);

static const char *op_anonymous(const bench *b) {
    headers t = make_headers(NULL);
    clogin_request *r = begin(b, &t, "GET", "/protected");
    if (!r)
        return "clogin_request_begin failed";
    int st = clogin_login_required(r);
    response rs = {0};
    clogin_status fs = clogin_request_finish(r, note_header, &rs);
    clogin_request_free(r);
    if (st != 401)
        return fail("login_required answered %d, not 401", st);
    if (fs != CLOGIN_OK)
        return fail("clogin_request_finish failed (%d)", (int)fs);
    if (rs.set_cookies)
        return fail("the response set %d cookies, none expected", rs.set_cookies);
    return NULL;
}

static const char *op_session(const bench *b) {
    headers t = make_headers(b->session_cookie);
    clogin_request *r = begin(b, &t, "GET", "/protected");
    if (!r)
        return "clogin_request_begin failed";
    int st = clogin_login_required(r);
    int ok_user = clogin_current_user(r) == &user42;
    response rs = {0};
    clogin_status fs = clogin_request_finish(r, note_header, &rs);
    clogin_request_free(r);
    if (st != 0)
        return fail("login_required answered %d: the session cookie did not log in", st);
    if (!ok_user)
        return "the current user is not user 42";
    if (fs != CLOGIN_OK)
        return fail("clogin_request_finish failed (%d)", (int)fs);
    if (rs.set_cookies)
        return fail("the response set %d cookies, none expected", rs.set_cookies);
    return NULL;
}

/* The session-cookie request with a cookie not seen lately: user k's
 * cookie, k going round DISTINCT users. */
static size_t next_distinct;

static const char *op_session_uncached(const bench *b) {
    size_t k = next_distinct;
    next_distinct = (next_distinct + 1) % DISTINCT;
    headers t = make_headers(b->distinct[k]);
    clogin_request *r = begin(b, &t, "GET", "/protected");
    if (!r)
        return "clogin_request_begin failed";
    int st = clogin_login_required(r);
    int ok_user = clogin_current_user(r) == &growth_users[k];
    response rs = {0};
    clogin_status fs = clogin_request_finish(r, note_header, &rs);
    clogin_request_free(r);
    if (st != 0)
        return fail("login_required answered %d: the session cookie did not log in", st);
    if (!ok_user)
        return fail("the current user is not user u%zu", k);
    if (fs != CLOGIN_OK)
        return fail("clogin_request_finish failed (%d)", (int)fs);
    if (rs.set_cookies)
        return fail("the response set %d cookies, none expected", rs.set_cookies);
    return NULL;
}

static const char *op_remember(const bench *b) {
    headers t = make_headers(b->remember_cookie);
    clogin_request *r = begin(b, &t, "GET", "/protected");
    if (!r)
        return "clogin_request_begin failed";
    int st = clogin_login_required(r);
    int ok_user = clogin_current_user(r) == &user42;
    response rs = {0};
    clogin_status fs = clogin_request_finish(r, note_header, &rs);
    clogin_request_free(r);
    if (st != 0)
        return fail("login_required answered %d: the remember cookie did not log in", st);
    if (!ok_user)
        return "the current user is not user 42";
    if (fs != CLOGIN_OK)
        return fail("clogin_request_finish failed (%d)", (int)fs);
    if (rs.session_set != 1)
        return fail("the response set %d session cookies, 1 expected", rs.session_set);
    return NULL;
}

static const char *login(const bench *b, user *u, captured *cap) {
    headers t = make_headers(NULL);
    clogin_request *r = begin(b, &t, "POST", "/login");
    if (!r)
        return "clogin_request_begin failed";
    clogin_login_options opts = CLOGIN_LOGIN_OPTIONS_INIT;
    opts.remember = 1;
    clogin_status ls = clogin_login_user(r, u, &opts);
    response rs = {0};
    clogin_status fs = cap ? clogin_request_finish(r, capture_header, cap)
                           : clogin_request_finish(r, note_header, &rs);
    clogin_request_free(r);
    if (ls != CLOGIN_OK)
        return fail("clogin_login_user failed (%d)", (int)ls);
    if (fs != CLOGIN_OK)
        return fail("clogin_request_finish failed (%d)", (int)fs);
    if (!cap && (rs.session_set != 1 || rs.remember_set != 1))
        return fail("the response set %d cookies, not a session and a remember cookie",
                    rs.set_cookies);
    return NULL;
}

static const char *op_login(const bench *b) {
    return login(b, &user42, NULL);
}

static const char *op_logout(const bench *b) {
    headers t = make_headers(b->logout_cookie);
    clogin_request *r = begin(b, &t, "POST", "/logout");
    if (!r)
        return "clogin_request_begin failed";
    clogin_status ls = clogin_logout_user(r);
    int anonymous = !clogin_is_authenticated(r);
    response rs = {0};
    clogin_status fs = clogin_request_finish(r, note_header, &rs);
    clogin_request_free(r);
    if (ls != CLOGIN_OK)
        return fail("clogin_logout_user failed (%d)", (int)ls);
    if (!anonymous)
        return "still authenticated after logout";
    if (fs != CLOGIN_OK)
        return fail("clogin_request_finish failed (%d)", (int)fs);
    if (rs.remember_deleted != 1)
        return fail("the response deleted %d remember cookies, 1 expected", rs.remember_deleted);
    if (rs.session_set + rs.session_deleted != 1)
        return "the response did not send the session cookie";
    return NULL;
}

typedef struct operation {
    const char *name; /* as reported */
    const char *slug; /* for --callgrind */
    op_fn fn;
} operation;

static const operation ops[] = {
    {"anonymous", "anonymous", op_anonymous},
    {"session cookie", "session-cookie", op_session},
    {"remember restore", "remember-restore", op_remember},
    {"login with remember", "login-remember", op_login},
    {"logout", "logout", op_logout},
    /* not one of the five: the session-cookie request without the benefit
     * of a cookie seen before */
    {"session cookie, first sight", "session-cookie-first-sight", op_session_uncached},
};
#define NOPS (sizeof ops / sizeof ops[0])

static void run_checked(const bench *b, const operation *op) {
    const char *why = op->fn(b);
    if (why) {
        fprintf(stderr, "bench_alloc: %s: %s\n", op->name, why);
        exit(1);
    }
}

/* Setup: log u in without remember and capture the session cookie. */
static void plain_login(const bench *b, user *u, captured *cap) {
    memset(cap, 0, sizeof *cap);
    headers t = make_headers(NULL);
    clogin_request *r = begin(b, &t, "POST", "/login");
    if (!r || clogin_login_user(r, u, NULL) != CLOGIN_OK ||
        clogin_request_finish(r, capture_header, cap) != CLOGIN_OK || !cap->session[0]) {
        fprintf(stderr, "bench_alloc: setup: the login of %s set no session cookie\n", u->id);
        exit(1);
    }
    clogin_request_free(r);
}

static void setup(bench *b) {
    memset(b, 0, sizeof *b);
    if (clogin_manager_new(&b->m) != CLOGIN_OK ||
        clogin_manager_set(b->m, "SECRET_KEY", "bench-secret-key-0123456789") != CLOGIN_OK ||
        clogin_manager_set(b->m, "SESSION_PROTECTION", "basic") != CLOGIN_OK ||
        clogin_manager_set_user_class(b->m, &user_class, NULL) != CLOGIN_OK ||
        clogin_manager_set_user_loader(b->m, load_user, NULL) != CLOGIN_OK ||
        clogin_manager_start(b->m) != CLOGIN_OK) {
        fprintf(stderr, "bench_alloc: manager: %s\n", b->m ? clogin_manager_error(b->m) : "");
        exit(1);
    }
    for (int k = 0; k < GROWTH_USERS; k++)
        snprintf(growth_users[k].id, sizeof growth_users[k].id, "u%d", k);

    /* a plain login: its session cookie */
    captured cap;
    plain_login(b, &user42, &cap);
    memcpy(b->session_cookie, cap.session, sizeof b->session_cookie);
    b->distinct = calloc(DISTINCT, sizeof *b->distinct);
    if (!b->distinct)
        exit(1);
    for (size_t k = 0; k < DISTINCT; k++) {
        plain_login(b, &growth_users[k], &cap);
        if (strlen(cap.session) >= sizeof b->distinct[k])
            exit(1);
        strcpy(b->distinct[k], cap.session);
    }

    /* a remembered login: its remember cookie, and both for the logout */
    memset(&cap, 0, sizeof cap);
    const char *why = login(b, &user42, &cap);
    if (why || !cap.session[0] || !cap.remember[0]) {
        fprintf(stderr, "bench_alloc: setup: %s\n",
                why ? why : "the remembered login did not set both cookies");
        exit(1);
    }
    memcpy(b->remember_cookie, cap.remember, sizeof b->remember_cookie);
    snprintf(b->logout_cookie, sizeof b->logout_cookie, "%s; %s", cap.session, cap.remember);
}

/* ---- counting ---- */

typedef struct counter_api {
    void (*reset)(void);
    unsigned long (*allocs)(void);
    unsigned long (*bytes)(void);
    unsigned long (*frees)(void);
    int (*trace_enabled)(void);
    void (*trace_begin)(void);
    void (*trace_end)(void);
    unsigned long (*trace_report)(FILE *out, int json, const char *op);
} counter_api;

#define FIND(field, name)                                  \
    do {                                                   \
        void *sym_ = dlsym(RTLD_DEFAULT, name);            \
        memcpy(&api->field, &sym_, sizeof api->field);     \
    } while (0)

static int find_counter(counter_api *api) {
    FIND(reset, "alloc_count_reset");
    FIND(allocs, "alloc_count_get");
    FIND(bytes, "alloc_count_bytes");
    FIND(frees, "alloc_count_frees");
    FIND(trace_enabled, "alloc_count_trace_enabled");
    FIND(trace_begin, "alloc_count_trace_begin");
    FIND(trace_end, "alloc_count_trace_end");
    FIND(trace_report, "alloc_count_trace_report");
    return api->reset && api->allocs && api->bytes && api->frees;
}

typedef struct tally {
    double allocs, bytes, frees; /* means per request */
    unsigned long min, max;      /* allocations of the lightest and heaviest */
} tally;

static tally measure(const counter_api *api, const bench *b, const operation *op) {
    for (int i = 0; i < WARMUP; i++)
        run_checked(b, op);
    unsigned long sum = 0, bytes = 0, frees = 0, min = (unsigned long)-1, max = 0;
    for (int i = 0; i < ROUNDS; i++) {
        api->reset();
        const char *why = op->fn(b);
        unsigned long n = api->allocs();
        bytes += api->bytes();
        frees += api->frees();
        if (why) {
            fprintf(stderr, "bench_alloc: %s: %s\n", op->name, why);
            exit(1);
        }
        sum += n;
        if (n < min)
            min = n;
        if (n > max)
            max = n;
    }
    tally t = {(double)sum / ROUNDS, (double)bytes / ROUNDS, (double)frees / ROUNDS, min, max};
    return t;
}

/* 7, or 7.25 when the mean is fractional */
static const char *num(double x, char buf[32]) {
    if (x == floor(x))
        snprintf(buf, 32, "%.0f", x);
    else
        snprintf(buf, 32, "%.3f", x);
    return buf;
}

/* ---- callgrind mode ---- */

static int callgrind_mode(const char *slug, const char *count) {
    const operation *op = NULL;
    for (size_t i = 0; i < NOPS; i++)
        if (strcmp(ops[i].slug, slug) == 0 || strcmp(ops[i].name, slug) == 0)
            op = &ops[i];
    char *end;
    long n = strtol(count, &end, 10);
    if (!op || *end || n <= 0) {
        fprintf(stderr, "bench_alloc: --callgrind OP N: OP is one of");
        for (size_t i = 0; i < NOPS; i++)
            fprintf(stderr, " %s", ops[i].slug);
        fprintf(stderr, ", N > 0\n");
        return 2;
    }
#ifndef HAVE_CALLGRIND_H
    fprintf(stderr, "bench_alloc: built without valgrind/callgrind.h: --callgrind unavailable\n");
    return 2;
#else
    bench b;
    setup(&b);
    for (int i = 0; i < WARMUP; i++)
        run_checked(&b, op);
    if (!RUNNING_ON_VALGRIND)
        fprintf(stderr, "bench_alloc: not running under callgrind: nothing is counted\n");
    CALLGRIND_START_INSTRUMENTATION;
    CALLGRIND_TOGGLE_COLLECT;
    for (long i = 0; i < n; i++)
        run_checked(&b, op);
    CALLGRIND_TOGGLE_COLLECT;
    CALLGRIND_STOP_INSTRUMENTATION;
    printf("%s %ld\n", op->slug, n);
    clogin_manager_free(b.m);
    free(b.distinct);
    return 0;
#endif
}

/* ---- main ---- */

static void usage(void) {
    fprintf(stderr, "usage: bench_alloc [--json] [--trace-all]\n"
                    "       bench_alloc --callgrind OP N\n");
}

int main(int argc, char **argv) {
    int json = 0, trace_all = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--trace-all") == 0) {
            trace_all = 1;
        } else if (strcmp(argv[i], "--callgrind") == 0 && i + 2 < argc) {
            return callgrind_mode(argv[i + 1], argv[i + 2]);
        } else {
            usage();
            return 2;
        }
    }

    bench b;
    setup(&b);
    counter_api api;
    memset(&api, 0, sizeof api);
    int counting = find_counter(&api);
    char n1[32], n2[32], n3[32], n4[32];

    if (!counting) {
        /* Check every operation anyway; report nothing measured. */
        for (size_t i = 0; i < NOPS; i++) {
            for (int k = 0; k < WARMUP; k++)
                run_checked(&b, &ops[i]);
            if (json)
                printf("{\"section\": \"allocations\", \"op\": \"%s\", \"allocs\": null, "
                       "\"bytes\": null, \"note\": \"not measured\"}\n",
                       ops[i].name);
        }
        if (!json)
            printf("allocations: not measured (run with "
                   "LD_PRELOAD=.../bench/liballoc_count.so); all %zu requests behaved\n",
                   NOPS);
        clogin_manager_free(b.m);
        free(b.distinct);
        return 0;
    }

    tally t[NOPS];
    for (size_t i = 0; i < NOPS; i++)
        t[i] = measure(&api, &b, &ops[i]);

    if (json) {
        for (size_t i = 0; i < NOPS; i++)
            printf("{\"section\": \"allocations\", \"op\": \"%s\", \"allocs\": %s, "
                   "\"bytes\": %s, \"frees\": %s, \"min\": %lu, \"max\": %lu}\n",
                   ops[i].name, num(t[i].allocs, n1), num(t[i].bytes, n2),
                   num(t[i].frees, n3), t[i].min, t[i].max);
    } else {
        printf("clogin %s: heap allocations per request, cookie sessions, manager warm\n"
               "(mean of %d requests after %d warm-up; min/max: lightest/heaviest request)\n\n",
               clogin_version(), ROUNDS, WARMUP);
        printf("| %-24s | %8s | %9s | %8s | %5s | %5s |\n", "operation", "allocs", "bytes",
               "frees", "min", "max");
        printf("|--------------------------|----------|-----------|----------|-------|-------|\n");
        for (size_t i = 0; i < NOPS; i++)
            printf("| %-24s | %8s | %9s | %8s | %5lu | %5lu |\n", ops[i].name,
                   num(t[i].allocs, n1), num(t[i].bytes, n2), num(t[i].frees, n3), t[i].min,
                   t[i].max);
        printf("\ntarget: at most 2 allocations per session-cookie request: %s\n",
               t[1].allocs <= 2 ? "met" : "not met");
    }

    /* Where the session-cookie request's allocations come from (with
     * --trace-all, every operation's). */
    if (api.trace_enabled && api.trace_enabled() && api.trace_begin && api.trace_end &&
        api.trace_report) {
        for (size_t i = trace_all ? 0 : 1; i < (trace_all ? NOPS : 2); i++) {
            for (int k = 0; k < WARMUP; k++) /* warm again: others ran since */
                run_checked(&b, &ops[i]);
            api.trace_begin();
            const char *why = ops[i].fn(&b);
            api.trace_end();
            if (why) {
                fprintf(stderr, "bench_alloc: %s: %s\n", ops[i].name, why);
                return 1;
            }
            if (!json)
                printf("\n");
            api.trace_report(stdout, json, ops[i].name);
        }
    } else if (!json) {
        printf("(ALLOC_COUNT_TRACE=1 lists where the session-cookie allocations come from)\n");
    }

    /* Nothing may grow with the number of users or sessions: log in
     * GROWTH_USERS distinct users (each a new session and remember cookie),
     * then count the cookie requests of user 42 again. */
    for (int k = 0; k < GROWTH_USERS; k++) {
        const char *why = login(&b, &growth_users[k], NULL);
        if (why) {
            fprintf(stderr, "bench_alloc: login of %s: %s\n", growth_users[k].id, why);
            return 1;
        }
    }
    const size_t again[] = {1, 2};
    if (!json)
        printf("\nafter %d logins of other users:\n", GROWTH_USERS);
    for (size_t j = 0; j < sizeof again / sizeof again[0]; j++) {
        const operation *op = &ops[again[j]];
        tally g = measure(&api, &b, op);
        tally *was = &t[again[j]];
        if (json)
            printf("{\"section\": \"growth\", \"op\": \"%s\", \"users\": %d, \"allocs\": %s, "
                   "\"bytes\": %s, \"allocs_before\": %s, \"bytes_before\": %s}\n",
                   op->name, GROWTH_USERS, num(g.allocs, n1), num(g.bytes, n2),
                   num(was->allocs, n3), num(was->bytes, n4));
        else
            printf("  %-24s %s allocs, %s bytes (before: %s allocs, %s bytes)%s\n", op->name,
                   num(g.allocs, n1), num(g.bytes, n2), num(was->allocs, n3),
                   num(was->bytes, n4),
                   g.allocs != was->allocs || g.bytes != was->bytes ? "  CHANGED" : "");
    }
    clogin_manager_free(b.m);
    free(b.distinct);
    return 0;
}
