/* The Redis store (src/store_redis.c) against a real redis-server started
 * here: its URL syntax, the database and credentials it really uses, the
 * keys it writes (read back through a raw hiredis connection: expiry, the
 * per-user index), how the index is listed and pruned, remove_user with
 * ids to keep, a server that is down at open, stopped, or SIGKILLed and
 * restarted under a running store (without a SIGPIPE killing us), and one
 * store shared by several threads. The behaviour every store shares is
 * tested by test_store_conformance.c.
 *
 * The times are a fixed clock in 2023, as in the other tests: the store
 * must not depend on the server's clock agreeing with the application's. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store.h"

#include "redis_server.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static h_redis shared; /* for the whole group */
static h_redis own;    /* for tests that stop, crash or reconfigure theirs */

/* ------------------------------------------------------------ helpers */

#define T0 INT64_C(1700000000) /* Tue, 14 Nov 2023 22:13:20 GMT */
#define T2100 INT64_C(4102444800) /* Fri, 1 Jan 2100 */

static long elapsed_ms(const struct timespec *since) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)((t.tv_sec - since->tv_sec) * 1000 +
                  (t.tv_nsec - since->tv_nsec) / 1000000);
}

static clogin_store open_store(const char *url, int timeout_ms) {
    clogin_store st;
    char err[CLOGIN_STORE_ERRLEN];
    clogin_store_options o = CLOGIN_STORE_OPTIONS_INIT;
    o.timeout_ms = timeout_ms;
    assert_int_equal(clogin_store_open(url, &o, &st, err), CLOGIN_OK);
    assert_string_equal(err, "");
    assert_non_null(st.ops);
    return st;
}

static clogin_store open_on(const h_redis *r, int timeout_ms) {
    char url[64];
    return open_store(h_redis_url(r, url), timeout_ms);
}

static redisContext *raw_connect(const h_redis *r) {
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", r->port, tv);
    assert_non_null(c);
    assert_int_equal(c->err, 0);
    assert_int_equal(redisSetTimeout(c, tv), REDIS_OK);
    return c;
}

static redisReply *raw(redisContext *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    assert_non_null(r);
    return r;
}

static long long raw_int(redisContext *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    long long n = r->integer;
    freeReplyObject(r);
    return n;
}

static void raw_ok(redisContext *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    assert_non_null(r);
    if (r->type != REDIS_REPLY_STATUS)
        fail_msg("%s: %s", fmt, r->type == REDIS_REPLY_ERROR ? r->str : "?");
    assert_string_equal(r->str, "OK");
    freeReplyObject(r);
}

/* A bulk string reply into buf; 0 for nil. */
static int raw_str(redisContext *c, char *buf, size_t size, const char *fmt,
                   ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    assert_non_null(r);
    int found = r->type == REDIS_REPLY_STRING;
    if (found) {
        assert_true(r->len < size);
        memcpy(buf, r->str, r->len + 1);
    } else {
        assert_int_equal(r->type, REDIS_REPLY_NIL);
    }
    freeReplyObject(r);
    return found;
}

static void assert_score(redisContext *c, const char *user, const char *id,
                         int64_t want) {
    char got[32], exp[32];
    assert_true(raw_str(c, got, sizeof got, "ZSCORE clogin:u:%s %s", user, id));
    snprintf(exp, sizeof exp, "%lld", (long long)want);
    assert_string_equal(got, exp);
}

static void assert_no_score(redisContext *c, const char *user,
                            const char *id) {
    char got[32];
    assert_false(raw_str(c, got, sizeof got, "ZSCORE clogin:u:%s %s", user, id));
}

/* A key's remaining life is want seconds, give or take a slow machine. */
static void assert_ttl(redisContext *c, const char *key, long long want) {
    long long ms = raw_int(c, "PTTL %s", key);
    if (ms > want * 1000 || ms <= want * 1000 - 5000)
        fail_msg("%s lives %lld ms more, not %lld s", key, ms, want);
}

static long long server_stat(redisContext *c, const char *name) {
    redisReply *r = raw(c, "INFO stats");
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    char key[64];
    snprintf(key, sizeof key, "\r\n%s:", name);
    const char *p = strstr(r->str, key);
    assert_non_null(p);
    long long n = strtoll(p + strlen(key), NULL, 10);
    freeReplyObject(r);
    return n;
}

static clogin_store_record record(clogin_store_kind kind, const char *user,
                                  const char *data, int64_t created,
                                  int64_t expires) {
    clogin_store_record r;
    memset(&r, 0, sizeof r);
    r.kind = kind;
    r.user_id = user;
    r.data = data;
    r.data_len = strlen(data);
    r.created = created;
    r.last_seen = created;
    r.expires = expires;
    r.remote_addr = "203.0.113.7";
    r.user_agent = "Mozilla/5.0 (clogin tests)";
    return r;
}

static clogin_status save(clogin_store *st, const char *id,
                          clogin_store_record r) {
    return st->ops->save(st->self, id, &r);
}

/* What the callbacks were given, copied. */
typedef struct got_rec {
    char id[64];
    clogin_store_kind kind;
    char user_id[64];
    char data[512];
    size_t data_len;
    int64_t created, last_seen, expires;
    char remote_addr[64];
    char user_agent[64];
} got_rec;

typedef struct got {
    int calls;
    got_rec r[16];
} got;

static void collect(void *ctx, const char *id, const clogin_store_record *r) {
    got *g = ctx;
    if (g->calls >= 16 || strlen(id) >= 64 || strlen(r->user_id) >= 64 ||
        r->data_len >= 512 || r->data[r->data_len] != '\0') {
        g->calls = 1000; /* something no assertion accepts */
        return;
    }
    got_rec *o = &g->r[g->calls++];
    snprintf(o->id, sizeof o->id, "%s", id);
    o->kind = r->kind;
    snprintf(o->user_id, sizeof o->user_id, "%s", r->user_id);
    memcpy(o->data, r->data, r->data_len + 1);
    o->data_len = r->data_len;
    o->created = r->created;
    o->last_seen = r->last_seen;
    o->expires = r->expires;
    snprintf(o->remote_addr, sizeof o->remote_addr, "%s", r->remote_addr);
    snprintf(o->user_agent, sizeof o->user_agent, "%s", r->user_agent);
}

static const got_rec *find(const got *g, const char *id) {
    for (int i = 0; i < g->calls && i < 16; i++)
        if (strcmp(g->r[i].id, id) == 0)
            return &g->r[i];
    return NULL;
}

static got load(clogin_store *st, const char *id, int64_t now,
                clogin_status want) {
    got g = {0};
    assert_int_equal(st->ops->load(st->self, id, now, collect, &g), want);
    assert_int_equal(g.calls, want == CLOGIN_OK ? 1 : 0);
    return g;
}

static got list(clogin_store *st, const char *user, int64_t now) {
    got g = {0};
    assert_int_equal(st->ops->list_user(st->self, user, now, collect, &g),
                     CLOGIN_OK);
    assert_true(g.calls <= 16);
    return g;
}

/* The ids a listing returned, sorted and joined by spaces. */
static const char *ids_of(const got *g, char *buf, size_t size) {
    const char *ids[16];
    int n = g->calls;
    for (int i = 0; i < n; i++)
        ids[i] = g->r[i].id;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(ids[j - 1], ids[j]) > 0; j--) {
            const char *t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", i ? " " : "", ids[i]);
    }
    return buf;
}

#define assert_ids(g, want)                                                    \
    do {                                                                       \
        char ids_buf_[512];                                                    \
        assert_string_equal(ids_of((g), ids_buf_, sizeof ids_buf_), (want));   \
    } while (0)

static int flush_shared(void **state) {
    (void)state;
    redisContext *c = raw_connect(&shared);
    raw_ok(c, "FLUSHALL");
    redisFree(c);
    return 0;
}

static int start_own(void **state) {
    (void)state;
    memset(&own, 0, sizeof own);
    return h_redis_start(&own);
}

static int stop_own(void **state) {
    (void)state;
    h_redis_stop(&own);
    return 0;
}

/* --------------------------------------------------------------- URLs */

static void test_url_syntax(void **state) {
    (void)state;
    static const char *const good[] = {
        "redis://localhost",
        "redis://127.0.0.1:6379",
        "redis://127.0.0.1:6379/15",
        "redis://cache-1.example.com:7000/",
        "redis://:secret@cache.example.com:7000/2",
        "redis://alice:secret@cache.example.com/0",
        "redis://alice:@cache.example.com",
        "redis://:p%40ss%2Fw%3Ard@host",
        "redis://:p@ss/w:rd@host:1/3", /* the last '@' ends the password */
        "redis://[::1]:6380/1",
        "redis://[2001:db8::7]",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        clogin_store st;
        char err[CLOGIN_STORE_ERRLEN] = "x";
        /* Opening connects to nothing: none of these servers exist. */
        if (clogin_store_open(good[i], NULL, &st, err) != CLOGIN_OK)
            fail_msg("%s refused: %s", good[i], err);
        assert_string_equal(err, "");
        assert_non_null(st.ops);
        assert_non_null(st.self);
        clogin_store_close(&st);
        assert_null(st.ops);
    }
    static const char *const bad[] = {
        "redis://",
        "redis://:6379",
        "redis:///0",
        "redis://host:",
        "redis://host:0",
        "redis://host:65536",
        "redis://host:12ab",
        "redis://host:-1",
        "redis://host:+80",
        "redis://host/x",
        "redis://host/1/2",
        "redis://host/-1",
        "redis://host/99999999999",
        "redis://host?db=1",
        "redis://host#x",
        "redis://ho st",
        "redis://secret@host",
        "redis://:secret%zz@host",
        "redis://:secret%4@host",
        "redis://:secret%00@host",
        "redis://[::1",
        "redis://[::1]x",
        "redis://[]:6379",
        "redis://[::1/0]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clogin_store st = {(const clogin_store_ops *)1, (void *)1};
        char err[CLOGIN_STORE_ERRLEN] = "";
        if (clogin_store_open(bad[i], NULL, &st, err) != CLOGIN_ECONFIG)
            fail_msg("%s accepted", bad[i]);
        assert_null(st.ops);
        assert_null(st.self);
        assert_true(strlen(err) > 20); /* a sentence */
        /* A password never ends up in a log line. */
        if (strstr(err, "secret"))
            fail_msg("%s: the message shows the password: %s", bad[i], err);
    }
    char err[CLOGIN_STORE_ERRLEN];
    clogin_store st;
    assert_int_equal(clogin__store_redis_open("redis://host", 0, &st, err),
                     CLOGIN_ECONFIG);
    assert_string_equal(err, "the Redis store's timeout must be positive");
    assert_int_equal(clogin__store_redis_open("redis://host:x", 100, &st, err),
                     CLOGIN_ECONFIG);
    assert_string_equal(err,
                        "the Redis URL's port \"x\" is not a number from 1 to "
                        "65535");
    assert_int_equal(clogin__store_redis_open(NULL, 100, &st, err),
                     CLOGIN_EINVAL);
    /* The null store ignores closing. */
    clogin_store_close(NULL);
}

/* The record lands in the database the URL names, and only there. */
static void test_database_selection(void **state) {
    (void)state;
    int64_t t = T0;
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/3", shared.port);
    clogin_store db3 = open_store(url, 1000);
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", shared.port);
    clogin_store db0 = open_store(url, 1000);
    assert_int_equal(save(&db3, "in-three", record(CLOGIN_STORE_SESSION, "u",
                                                   "{}", t, t + 600)),
                     CLOGIN_OK);
    assert_int_equal(save(&db0, "in-zero", record(CLOGIN_STORE_SESSION, "u",
                                                  "{}", t, t + 600)),
                     CLOGIN_OK);
    redisContext *c = raw_connect(&shared);
    assert_int_equal(raw_int(c, "EXISTS clogin:s:in-three"), 0);
    assert_int_equal(raw_int(c, "EXISTS clogin:s:in-zero"), 1);
    raw_ok(c, "SELECT 3");
    assert_int_equal(raw_int(c, "EXISTS clogin:s:in-three"), 1);
    assert_int_equal(raw_int(c, "EXISTS clogin:s:in-zero"), 0);
    assert_int_equal(raw_int(c, "ZCARD clogin:u:u"), 1);
    redisFree(c);
    load(&db3, "in-three", t, CLOGIN_OK);
    load(&db0, "in-three", t, CLOGIN_ENOTFOUND);
    load(&db3, "in-zero", t, CLOGIN_ENOTFOUND);
    got g = list(&db3, "u", t);
    assert_ids(&g, "in-three");
    clogin_store_close(&db3);
    clogin_store_close(&db0);
}

/* An IPv6 literal in brackets reaches the server (skipped where the host
 * has no IPv6 loopback for it to listen on). */
static void test_ipv6_literal(void **state) {
    (void)state;
    redisContext *c = raw_connect(&own);
    redisReply *r = raw(c, "CONFIG SET bind %s", "127.0.0.1 ::1");
    int listening = r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    if (!listening) {
        redisFree(c);
        skip();
    }
    int64_t t = T0;
    char url[64];
    snprintf(url, sizeof url, "redis://[::1]:%d/2", own.port);
    clogin_store st = open_store(url, 1000);
    assert_int_equal(save(&st, "v6", record(CLOGIN_STORE_SESSION, "six", "{}",
                                            t, t + 60)),
                     CLOGIN_OK);
    raw_ok(c, "SELECT 2");
    assert_int_equal(raw_int(c, "EXISTS clogin:s:v6"), 1);
    redisFree(c);
    clogin_store_close(&st);
}

/* A password, a percent-encoded one, and an ACL user are really sent. */
static void test_credentials(void **state) {
    (void)state;
    int64_t t = T0;
    redisContext *c = raw_connect(&own);
    raw_ok(c, "CONFIG SET requirepass %s", "p@ss/w:rd");
    raw_ok(c, "ACL SETUSER alice on >alicepw ~* &* +@all");
    redisFree(c);
    static const struct {
        const char *userinfo;
        clogin_status want;
    } cases[] = {
        {"", CLOGIN_EUNAVAILABLE},
        {":wrong@", CLOGIN_EUNAVAILABLE},
        {":p%40ss%2Fw%3Ard@", CLOGIN_OK},
        {":p@ss/w:rd@", CLOGIN_OK},
        {"alice:alicepw@", CLOGIN_OK},
        {"alice:p%40ss%2Fw%3Ard@", CLOGIN_EUNAVAILABLE},
        {"default:p%40ss%2Fw%3Ard@", CLOGIN_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char url[128];
        snprintf(url, sizeof url, "redis://%s127.0.0.1:%d/0", cases[i].userinfo,
                 own.port);
        clogin_store st = open_store(url, 1000);
        clogin_status got_st =
            save(&st, "cred", record(CLOGIN_STORE_REMEMBER, "7", "", t, t + 60));
        if (got_st != cases[i].want)
            fail_msg("%s: %s", url, clogin_status_name(got_st));
        if (cases[i].want == CLOGIN_OK)
            load(&st, "cred", t, CLOGIN_OK);
        else
            load(&st, "cred", t, CLOGIN_EUNAVAILABLE);
        clogin_store_close(&st);
    }
}

/* ------------------------------------------------------------ records */

static void test_keys_and_expiry(void **state) {
    (void)state;
    int64_t t = T0;
    clogin_store st = open_on(&shared, 1000);
    redisContext *c = raw_connect(&shared);
    char buf[256], want[32];

    clogin_store_record a = record(CLOGIN_STORE_SESSION, "ttl-user",
                                   "{\"a\":1}", t - 10, t + 100);
    a.last_seen = t - 5;
    assert_int_equal(save(&st, "ttl-a", a), CLOGIN_OK);
    /* The hash, field by field, and its expiry. */
    /* Redis keeps it expires - last_seen seconds: the writer's view. */
    assert_ttl(c, "clogin:s:ttl-a", 105);
    assert_int_equal(raw_int(c, "HLEN clogin:s:ttl-a"), 8);
    assert_true(raw_str(c, buf, sizeof buf, "HGET clogin:s:ttl-a kind"));
    assert_string_equal(buf, "0");
    assert_true(raw_str(c, buf, sizeof buf, "HGET clogin:s:ttl-a user_id"));
    assert_string_equal(buf, "ttl-user");
    assert_true(raw_str(c, buf, sizeof buf, "HGET clogin:s:ttl-a data"));
    assert_string_equal(buf, "{\"a\":1}");
    snprintf(want, sizeof want, "%lld", (long long)(t - 10));
    assert_true(raw_str(c, buf, sizeof buf, "HGET clogin:s:ttl-a created"));
    assert_string_equal(buf, want);
    snprintf(want, sizeof want, "%lld", (long long)(t - 5));
    assert_true(raw_str(c, buf, sizeof buf, "HGET clogin:s:ttl-a last_seen"));
    assert_string_equal(buf, want);
    snprintf(want, sizeof want, "%lld", (long long)(t + 100));
    assert_true(raw_str(c, buf, sizeof buf, "HGET clogin:s:ttl-a expires"));
    assert_string_equal(buf, want);
    assert_true(raw_str(c, buf, sizeof buf, "HGET clogin:s:ttl-a remote_addr"));
    assert_string_equal(buf, "203.0.113.7");
    assert_true(raw_str(c, buf, sizeof buf, "HGET clogin:s:ttl-a user_agent"));
    assert_string_equal(buf, "Mozilla/5.0 (clogin tests)");
    /* The index: scored by expiry, expiring with its latest member. */
    assert_score(c, "ttl-user", "ttl-a", t + 100);
    assert_ttl(c, "clogin:u:ttl-user", 105);
    assert_int_equal(save(&st, "ttl-b", record(CLOGIN_STORE_REMEMBER,
                                               "ttl-user", "", t, t + 500)),
                     CLOGIN_OK);
    assert_ttl(c, "clogin:u:ttl-user", 500);
    assert_int_equal(raw_int(c, "ZCARD clogin:u:ttl-user"), 2);

    /* touch moves the record's expiry, its score and the index's. */
    assert_int_equal(st.ops->touch(st.self, "ttl-a", t, t + 1000), CLOGIN_OK);
    assert_ttl(c, "clogin:s:ttl-a", 1000);
    assert_score(c, "ttl-user", "ttl-a", t + 1000);
    assert_ttl(c, "clogin:u:ttl-user", 1000);
    got g = load(&st, "ttl-a", t, CLOGIN_OK);
    assert_string_equal(g.r[0].id, "ttl-a");
    assert_int_equal(g.r[0].kind, CLOGIN_STORE_SESSION);
    assert_string_equal(g.r[0].user_id, "ttl-user");
    assert_string_equal(g.r[0].data, "{\"a\":1}");
    assert_int_equal(g.r[0].data_len, 7);
    assert_int_equal(g.r[0].created, t - 10);
    assert_int_equal(g.r[0].last_seen, t);
    assert_int_equal(g.r[0].expires, t + 1000);
    assert_string_equal(g.r[0].remote_addr, "203.0.113.7");
    assert_string_equal(g.r[0].user_agent, "Mozilla/5.0 (clogin tests)");
    /* ...back down too: the index then expires with ttl-b. */
    assert_int_equal(st.ops->touch(st.self, "ttl-a", t + 1, t + 50), CLOGIN_OK);
    assert_ttl(c, "clogin:s:ttl-a", 49);
    assert_ttl(c, "clogin:u:ttl-user", 499);

    /* Our clock may be ahead of the server's: expires <= now is gone. */
    load(&st, "ttl-a", t + 49, CLOGIN_OK);
    load(&st, "ttl-a", t + 50, CLOGIN_ENOTFOUND);
    load(&st, "ttl-a", t + 51, CLOGIN_ENOTFOUND);

    /* A record already expired when written (by its writer's clock, its
     * last_seen) is not kept at all. */
    assert_int_equal(save(&st, "ttl-past", record(CLOGIN_STORE_SESSION,
                                                  "ttl-user", "{}", t, t - 1)),
                     CLOGIN_OK);
    assert_int_equal(raw_int(c, "EXISTS clogin:s:ttl-past"), 0);
    load(&st, "ttl-past", t - 50, CLOGIN_ENOTFOUND);

    /* No one's record: no index, and "" comes back. */
    clogin_store_record anon =
        record(CLOGIN_STORE_SESSION, "", "{\"_fresh\":false}", t, t + 60);
    anon.remote_addr = "";
    anon.user_agent = NULL; /* as "" */
    assert_int_equal(save(&st, "anon", anon), CLOGIN_OK);
    assert_int_equal(raw_int(c, "EXISTS clogin:u:"), 0);
    g = load(&st, "anon", t, CLOGIN_OK);
    assert_string_equal(g.r[0].user_id, "");
    assert_string_equal(g.r[0].remote_addr, "");
    assert_string_equal(g.r[0].user_agent, "");
    assert_ttl(c, "clogin:s:anon", 60);

    /* An expiry past what Redis takes is kept; Redis keeps it 1000 years. */
    assert_int_equal(save(&st, "far", record(CLOGIN_STORE_REMEMBER,
                                             "ttl-far", "", t, INT64_MAX)),
                     CLOGIN_OK);
    g = load(&st, "far", t, CLOGIN_OK);
    assert_true(g.r[0].expires == INT64_MAX);
    assert_ttl(c, "clogin:s:far", 31556952000LL);
    assert_ttl(c, "clogin:u:ttl-far", 31556952000LL);

    /* A writer whose clock says 2100 is no different. */
    assert_int_equal(save(&st, "ttl-2100", record(CLOGIN_STORE_SESSION,
                                                  "ttl-user", "{}", T2100,
                                                  T2100 + 100)),
                     CLOGIN_OK);
    assert_ttl(c, "clogin:s:ttl-2100", 100);
    load(&st, "ttl-2100", T2100 + 99, CLOGIN_OK);
    load(&st, "ttl-2100", T2100 + 100, CLOGIN_ENOTFOUND);
    assert_int_equal(st.ops->remove(st.self, "ttl-2100"), CLOGIN_OK);

    /* Binary data: every byte value, NUL included, and a NUL after it. */
    char bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (char)(255 - i);
    clogin_store_record bin = record(CLOGIN_STORE_SESSION, "ttl-user", "", t,
                                     t + 60);
    bin.data = bytes;
    bin.data_len = sizeof bytes;
    assert_int_equal(save(&st, "bin", bin), CLOGIN_OK);
    g = load(&st, "bin", t, CLOGIN_OK);
    assert_int_equal(g.r[0].data_len, 256);
    assert_memory_equal(g.r[0].data, bytes, 256);
    assert_int_equal(g.r[0].data[256], '\0');
    assert_int_equal(raw_int(c, "HSTRLEN clogin:s:bin data"), 256);

    /* touch never creates; remove drops the index entry; twice is fine. */
    assert_int_equal(st.ops->touch(st.self, "nobody", t, t + 60),
                     CLOGIN_ENOTFOUND);
    assert_int_equal(raw_int(c, "EXISTS clogin:s:nobody"), 0);
    assert_int_equal(st.ops->remove(st.self, "ttl-b"), CLOGIN_OK);
    assert_int_equal(raw_int(c, "EXISTS clogin:s:ttl-b"), 0);
    assert_no_score(c, "ttl-user", "ttl-b");
    /* ttl-a, bin, and ttl-past (an entry nothing pruned yet). */
    assert_int_equal(raw_int(c, "ZCARD clogin:u:ttl-user"), 3);
    assert_int_equal(st.ops->remove(st.self, "ttl-b"), CLOGIN_OK);
    load(&st, "ttl-b", t, CLOGIN_ENOTFOUND);
    /* Malformed arguments. */
    assert_int_equal(st.ops->load(st.self, NULL, t, collect, &g), CLOGIN_EINVAL);
    clogin_store_record nodata = record(CLOGIN_STORE_SESSION, "x", "", t, t + 1);
    nodata.data = NULL;
    nodata.data_len = 3;
    assert_int_equal(st.ops->save(st.self, "x", &nodata), CLOGIN_EINVAL);

    redisFree(c);
    clogin_store_close(&st);
}

/* A record changing hands moves between indexes; one found gone, moved
 * behind our back or expired by our clock is not listed and is pruned. */
static void test_index_listing_and_pruning(void **state) {
    (void)state;
    int64_t t = T0;
    clogin_store st = open_on(&shared, 1000);
    redisContext *c = raw_connect(&shared);
    assert_int_equal(save(&st, "l1", record(CLOGIN_STORE_SESSION, "list-u",
                                            "{\"n\":1}", t, t + 100)),
                     CLOGIN_OK);
    assert_int_equal(save(&st, "l2", record(CLOGIN_STORE_REMEMBER, "list-u",
                                            "check-2", t, t + 200)),
                     CLOGIN_OK);
    assert_int_equal(save(&st, "l3", record(CLOGIN_STORE_SESSION, "list-u",
                                            "{\"n\":3}", t, t + 300)),
                     CLOGIN_OK);
    assert_int_equal(save(&st, "v1", record(CLOGIN_STORE_SESSION, "list-v",
                                            "{}", t, t + 300)),
                     CLOGIN_OK);
    assert_int_equal(save(&st, "a1", record(CLOGIN_STORE_SESSION, "", "{}", t,
                                            t + 300)),
                     CLOGIN_OK);
    got g = list(&st, "list-u", t);
    assert_ids(&g, "l1 l2 l3");
    const got_rec *r = find(&g, "l2");
    assert_non_null(r);
    assert_int_equal(r->kind, CLOGIN_STORE_REMEMBER);
    assert_string_equal(r->data, "check-2");
    assert_int_equal(r->expires, t + 200);
    r = find(&g, "l3");
    assert_non_null(r);
    assert_int_equal(r->kind, CLOGIN_STORE_SESSION);
    assert_string_equal(r->data, "{\"n\":3}");
    assert_string_equal(r->user_id, "list-u");

    /* Gone behind the store's back (evicted, say). */
    assert_int_equal(raw_int(c, "DEL clogin:s:l2"), 1);
    g = list(&st, "list-u", t);
    assert_ids(&g, "l1 l3");
    assert_no_score(c, "list-u", "l2");
    assert_int_equal(raw_int(c, "ZCARD clogin:u:list-u"), 2);

    /* Saved for another user: it leaves the first index at once. */
    assert_int_equal(save(&st, "l3", record(CLOGIN_STORE_SESSION, "list-v",
                                            "{\"n\":33}", t, t + 400)),
                     CLOGIN_OK);
    assert_no_score(c, "list-u", "l3");
    assert_score(c, "list-v", "l3", t + 400);
    g = list(&st, "list-u", t);
    assert_ids(&g, "l1");
    g = list(&st, "list-v", t);
    assert_ids(&g, "l3 v1");
    assert_string_equal(find(&g, "l3")->data, "{\"n\":33}");

    /* Handed over behind the store's back: not listed, and pruned. */
    assert_int_equal(raw_int(c, "HSET clogin:s:l1 user_id list-w"), 0);
    g = list(&st, "list-u", t);
    assert_ids(&g, "");
    assert_int_equal(raw_int(c, "EXISTS clogin:u:list-u"), 0);
    load(&st, "l1", t, CLOGIN_OK); /* the record itself stays */

    /* Expired by our clock though not yet by the server's. */
    assert_int_equal(save(&st, "e1", record(CLOGIN_STORE_SESSION, "exp-u",
                                            "{}", t, t + 10)),
                     CLOGIN_OK);
    assert_int_equal(save(&st, "e2", record(CLOGIN_STORE_SESSION, "exp-u",
                                            "{}", t, t + 1000)),
                     CLOGIN_OK);
    g = list(&st, "exp-u", t + 9);
    assert_ids(&g, "e1 e2");
    g = list(&st, "exp-u", t + 10);
    assert_ids(&g, "e2");
    assert_no_score(c, "exp-u", "e1");
    assert_score(c, "exp-u", "e2", t + 1000);
    load(&st, "e1", t, CLOGIN_OK);

    /* Nobody's and no one's. */
    g = list(&st, "nobody-at-all", t);
    assert_int_equal(g.calls, 0);
    g = list(&st, "", t);
    assert_int_equal(g.calls, 0);
    redisFree(c);
    clogin_store_close(&st);
}

static void test_remove_user_with_keep(void **state) {
    (void)state;
    int64_t t = T0;
    clogin_store st = open_on(&shared, 1000);
    redisContext *c = raw_connect(&shared);
    static const char *const mine[] = {"s1", "s2", "s3", "r1", "r2"};
    for (int i = 0; i < 5; i++)
        assert_int_equal(save(&st, mine[i],
                              record(mine[i][0] == 's' ? CLOGIN_STORE_SESSION
                                                       : CLOGIN_STORE_REMEMBER,
                                     "rm-u", "{}", t, t + 100 + i)),
                         CLOGIN_OK);
    assert_int_equal(save(&st, "o1", record(CLOGIN_STORE_SESSION, "rm-o", "{}",
                                            t, t + 100)),
                     CLOGIN_OK);
    assert_int_equal(save(&st, "anon", record(CLOGIN_STORE_SESSION, "", "{}",
                                              t, t + 100)),
                     CLOGIN_OK);

    const char *keep[] = {"s1", "r1", "not-indexed"};
    size_t removed = 99;
    assert_int_equal(st.ops->remove_user(st.self, "rm-u", keep, 3, &removed),
                     CLOGIN_OK);
    assert_int_equal(removed, 3);
    got g = list(&st, "rm-u", t);
    assert_ids(&g, "r1 s1");
    assert_int_equal(raw_int(c, "ZCARD clogin:u:rm-u"), 2);
    assert_int_equal(raw_int(c, "EXISTS clogin:s:s2 clogin:s:s3 clogin:s:r2"),
                     0);
    load(&st, "s2", t, CLOGIN_ENOTFOUND);
    load(&st, "o1", t, CLOGIN_OK);
    load(&st, "anon", t, CLOGIN_OK);
    /* Removals never shorten the index's life (it outlives r2 by 1 s). */
    assert_ttl(c, "clogin:u:rm-u", 104);

    /* An indexed record that moved to someone else behind our back only
     * leaves the index; it is not counted. */
    assert_int_equal(save(&st, "m1", record(CLOGIN_STORE_SESSION, "rm-u", "{}",
                                            t, t + 100)),
                     CLOGIN_OK);
    assert_int_equal(raw_int(c, "HSET clogin:s:m1 user_id rm-o"), 0);
    assert_int_equal(st.ops->remove_user(st.self, "rm-u", NULL, 0, &removed),
                     CLOGIN_OK);
    assert_int_equal(removed, 2);
    assert_int_equal(raw_int(c, "EXISTS clogin:u:rm-u"), 0);
    g = load(&st, "m1", t, CLOGIN_OK);
    assert_string_equal(g.r[0].user_id, "rm-o");
    load(&st, "s1", t, CLOGIN_ENOTFOUND);
    load(&st, "r1", t, CLOGIN_ENOTFOUND);

    assert_int_equal(st.ops->remove_user(st.self, "rm-u", NULL, 0, &removed),
                     CLOGIN_OK);
    assert_int_equal(removed, 0);
    assert_int_equal(st.ops->remove_user(st.self, "rm-o", NULL, 0, NULL),
                     CLOGIN_OK);
    load(&st, "o1", t, CLOGIN_ENOTFOUND);
    /* m1 was never in rm-o's index (moved by hand): it stays. */
    load(&st, "m1", t, CLOGIN_OK);
    redisFree(c);
    clogin_store_close(&st);
}

/* Sequential operations reuse one connection. */
static void test_connection_reuse(void **state) {
    (void)state;
    int64_t t = T0;
    redisContext *c = raw_connect(&shared);
    long long before = server_stat(c, "total_connections_received");
    clogin_store st = open_on(&shared, 1000);
    for (int i = 0; i < 12; i++) {
        char id[16];
        snprintf(id, sizeof id, "reuse-%d", i);
        assert_int_equal(save(&st, id, record(CLOGIN_STORE_SESSION, "reuse",
                                              "{}", t, t + 60)),
                         CLOGIN_OK);
        load(&st, id, t, CLOGIN_OK);
        assert_int_equal(st.ops->touch(st.self, id, t, t + 61), CLOGIN_OK);
    }
    got g = list(&st, "reuse", t);
    assert_int_equal(g.calls, 12);
    assert_int_equal(st.ops->remove_user(st.self, "reuse", NULL, 0, NULL),
                     CLOGIN_OK);
    assert_int_equal(server_stat(c, "total_connections_received"), before + 1);
    clogin_store_close(&st);
    redisFree(c);
}

/* ------------------------------------------------ an unreachable server */

static void expect_all_unavailable(clogin_store *st, long max_ms) {
    int64_t t = T0;
    struct timespec t0;
    got g = {0};
    size_t removed = 7;
    clogin_store_record r = record(CLOGIN_STORE_SESSION, "down", "{}", t,
                                   t + 60);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(st->ops->load(st->self, "d1", t, collect, &g),
                     CLOGIN_EUNAVAILABLE);
    assert_int_equal(st->ops->save(st->self, "d1", &r), CLOGIN_EUNAVAILABLE);
    assert_int_equal(st->ops->touch(st->self, "d1", t, t + 60),
                     CLOGIN_EUNAVAILABLE);
    assert_int_equal(st->ops->remove(st->self, "d1"), CLOGIN_EUNAVAILABLE);
    assert_int_equal(st->ops->list_user(st->self, "down", t, collect, &g),
                     CLOGIN_EUNAVAILABLE);
    assert_int_equal(st->ops->remove_user(st->self, "down", NULL, 0, &removed),
                     CLOGIN_EUNAVAILABLE);
    assert_int_equal(removed, 0);
    assert_int_equal(g.calls, 0);
    long ms = elapsed_ms(&t0);
    if (ms > max_ms)
        fail_msg("six failed operations took %ld ms", ms);
}

/* Opening does not connect; a server started later is found. */
static void test_server_down_at_open(void **state) {
    (void)state;
    h_redis_stop(&own); /* the port stays known, nothing listens on it */
    int port = own.port;
    clogin_store st = open_on(&own, 300);
    /* Refused at once: well within the six operations' 6 x 300 ms. */
    expect_all_unavailable(&st, 1500);
    assert_int_equal(h_redis_start(&own), 0);
    assert_int_equal(own.port, port);
    int64_t t = T0;
    assert_int_equal(save(&st, "up", record(CLOGIN_STORE_SESSION, "late", "{}",
                                            t, t + 60)),
                     CLOGIN_OK);
    got g = list(&st, "late", t);
    assert_ids(&g, "up");
    clogin_store_close(&st);
}

/* A server that accepts but does not answer (stopped) costs one timeout,
 * not two: a timed-out connection is not retried. */
static void test_reply_timeout(void **state) {
    (void)state;
    int64_t t = T0;
    clogin_store st = open_on(&own, 400);
    assert_int_equal(save(&st, "slow", record(CLOGIN_STORE_SESSION, "slow",
                                              "{}", t, t + 60)),
                     CLOGIN_OK);
    assert_int_equal(kill(own.pid, SIGSTOP), 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    got g = {0};
    clogin_status s = st.ops->load(st.self, "slow", t, collect, &g);
    long ms = elapsed_ms(&t0);
    assert_int_equal(kill(own.pid, SIGCONT), 0);
    assert_int_equal(s, CLOGIN_EUNAVAILABLE);
    if (ms < 350 || ms >= 750)
        fail_msg("a 400 ms timeout took %ld ms", ms);
    load(&st, "slow", t, CLOGIN_OK); /* a fresh connection */
    clogin_store_close(&st);
}

/* A save big enough that writing it to a dead server hits EPIPE. */
static clogin_status big_save(clogin_store *st) {
    size_t len = 8u << 20;
    char *data = malloc(len + 1);
    assert_non_null(data);
    memset(data, 'x', len);
    data[len] = '\0';
    int64_t t = T0;
    clogin_store_record r = record(CLOGIN_STORE_SESSION, "big", "", t, t + 60);
    r.data = data;
    r.data_len = len;
    clogin_status s = st->ops->save(st->self, "big", &r);
    free(data);
    return s;
}

static void assert_sigpipe_state(int blocked, int pending) {
    sigset_t mask, set;
    struct sigaction sa;
    assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &mask), 0);
    assert_int_equal(sigismember(&mask, SIGPIPE), blocked);
    assert_int_equal(sigpending(&set), 0);
    assert_int_equal(sigismember(&set, SIGPIPE), pending);
    assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
    assert_true(sa.sa_handler == SIG_DFL); /* never changed */
}

/* The server is SIGKILLed and restarted on its port under a running
 * store: unavailable meanwhile, working again at the first request after,
 * and the writes to dead sockets raise no SIGPIPE that reaches us (its
 * default action would end this test). */
static void test_crash_and_restart(void **state) {
    (void)state;
    int64_t t = T0;
    int port = own.port;
    clogin_store st = open_on(&own, 500);
    assert_int_equal(save(&st, "before", record(CLOGIN_STORE_SESSION, "crash",
                                                "{}", t, t + 60)),
                     CLOGIN_OK);
    assert_sigpipe_state(0, 0);

    /* A restart between two requests: the pooled connection is dead, the
     * request is retried on a fresh one and succeeds. */
    h_redis_kill(&own);
    assert_int_equal(h_redis_start(&own), 0);
    assert_int_equal(own.port, port);
    load(&st, "before", t, CLOGIN_ENOTFOUND); /* an empty new server */
    assert_int_equal(save(&st, "after", record(CLOGIN_STORE_SESSION, "crash",
                                               "{}", t, t + 60)),
                     CLOGIN_OK);

    /* Down: every operation says so, quickly (refused, not timed out). */
    h_redis_kill(&own);
    h_redis__sleep_ms(50); /* the FIN arrives: the next write meets a RST */
    assert_int_equal(big_save(&st), CLOGIN_EUNAVAILABLE);
    assert_sigpipe_state(0, 0);
    expect_all_unavailable(&st, 1500);

    /* Back: the same store works without being reopened. */
    assert_int_equal(h_redis_start(&own), 0);
    assert_int_equal(save(&st, "again", record(CLOGIN_STORE_SESSION, "crash",
                                               "{}", t, t + 60)),
                     CLOGIN_OK);
    got g = list(&st, "crash", t);
    assert_ids(&g, "again");

    /* The caller blocked SIGPIPE itself: the mask comes back as it was,
     * and a SIGPIPE of ours does not stay pending... */
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    assert_int_equal(pthread_sigmask(SIG_BLOCK, &pipe_set, &old), 0);
    h_redis_kill(&own);
    h_redis__sleep_ms(50);
    assert_int_equal(big_save(&st), CLOGIN_EUNAVAILABLE);
    assert_sigpipe_state(1, 0);
    /* ...while one that was pending before is the caller's: kept. */
    assert_int_equal(h_redis_start(&own), 0);
    assert_int_equal(save(&st, "pending", record(CLOGIN_STORE_SESSION, "crash",
                                                 "{}", t, t + 60)),
                     CLOGIN_OK);
    h_redis_kill(&own);
    h_redis__sleep_ms(50);
    assert_int_equal(pthread_kill(pthread_self(), SIGPIPE), 0);
    assert_sigpipe_state(1, 1);
    assert_int_equal(big_save(&st), CLOGIN_EUNAVAILABLE);
    assert_sigpipe_state(1, 1);
    const struct timespec zero = {0, 0};
    assert_int_equal(sigtimedwait(&pipe_set, NULL, &zero), SIGPIPE);
    assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
    assert_sigpipe_state(0, 0);

    assert_int_equal(h_redis_start(&own), 0);
    load(&st, "pending", t, CLOGIN_ENOTFOUND);
    assert_int_equal(save(&st, "last", record(CLOGIN_STORE_SESSION, "crash",
                                              "{}", t, t + 60)),
                     CLOGIN_OK);
    load(&st, "last", t, CLOGIN_OK);
    clogin_store_close(&st);
}

/* -------------------------------------------------------------- threads */

#define THREADS 4
#define OPS 500
#define SLOTS 10

typedef struct worker {
    clogin_store *st;
    int index;
    int64_t t;
    long failures;
    int live[SLOTS]; /* what this thread believes is stored */
    char first_failure[160];
} worker;

static void worker_failed(worker *w, int op, const char *what,
                          clogin_status s) {
    if (w->failures++ == 0)
        snprintf(w->first_failure, sizeof w->first_failure,
                 "thread %d op %d: %s (%s)", w->index, op, what,
                 clogin_status_name(s));
}

typedef struct one {
    int calls;
    char data[64];
    int64_t expires;
} one;

static void take_one(void *ctx, const char *id, const clogin_store_record *r) {
    (void)id;
    one *o = ctx;
    o->calls++;
    snprintf(o->data, sizeof o->data, "%.*s", (int)r->data_len, r->data);
    o->expires = r->expires;
}

static void count_one(void *ctx, const char *id,
                      const clogin_store_record *r) {
    (void)id;
    (void)r;
    ++*(int *)ctx;
}

/* Rounds of five: save a slot, load it back, touch it, list the user,
 * then remove it every third round or load it again. */
static void *worker_main(void *arg) {
    worker *w = arg;
    clogin_store *st = w->st;
    char user[16], id[32], data[64];
    snprintf(user, sizeof user, "thr-%d", w->index);
    for (int op = 0; op < OPS; op++) {
        int round = op / 5, slot = round % SLOTS;
        snprintf(id, sizeof id, "thr-%d-%d", w->index, slot);
        snprintf(data, sizeof data, "{\"thread\":%d,\"round\":%d}", w->index,
                 round);
        one o = {0};
        int n = 0;
        clogin_status s;
        switch (op % 5) {
        case 0: {
            clogin_store_record r = record(CLOGIN_STORE_SESSION, user, data,
                                           w->t, w->t + 1000 + round);
            if ((s = st->ops->save(st->self, id, &r)) != CLOGIN_OK)
                worker_failed(w, op, "save", s);
            w->live[slot] = 1;
            break;
        }
        case 1:
            s = st->ops->load(st->self, id, w->t, take_one, &o);
            if (s != CLOGIN_OK || o.calls != 1 || strcmp(o.data, data) != 0 ||
                o.expires != w->t + 1000 + round)
                worker_failed(w, op, "load after save", s);
            break;
        case 2:
            if ((s = st->ops->touch(st->self, id, w->t, w->t + 2000 + round)) !=
                CLOGIN_OK)
                worker_failed(w, op, "touch", s);
            break;
        case 3: {
            int want = 0;
            for (int i = 0; i < SLOTS; i++)
                want += w->live[i];
            s = st->ops->list_user(st->self, user, w->t, count_one, &n);
            if (s != CLOGIN_OK || n != want)
                worker_failed(w, op, "list_user count", s);
            break;
        }
        default:
            if (round % 3 == 0) {
                if ((s = st->ops->remove(st->self, id)) != CLOGIN_OK)
                    worker_failed(w, op, "remove", s);
                w->live[slot] = 0;
            } else {
                s = st->ops->load(st->self, id, w->t, take_one, &o);
                if (s != CLOGIN_OK || o.calls != 1 ||
                    o.expires != w->t + 2000 + round)
                    worker_failed(w, op, "load after touch", s);
            }
        }
    }
    return NULL;
}

static void test_threads_share_one_store(void **state) {
    (void)state;
    redisContext *c = raw_connect(&shared);
    long long before = server_stat(c, "total_connections_received");
    clogin_store st = open_on(&shared, 2000);
    pthread_t threads[THREADS];
    worker w[THREADS];
    int64_t t = T0;
    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].st = &st;
        w[i].index = i;
        w[i].t = t;
        assert_int_equal(pthread_create(&threads[i], NULL, worker_main, &w[i]),
                         0);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        if (w[i].failures)
            fail_msg("%ld failures, first: %s", w[i].failures,
                     w[i].first_failure);
        int want = 0, n = 0;
        for (int s = 0; s < SLOTS; s++)
            want += w[i].live[s];
        char user[16];
        snprintf(user, sizeof user, "thr-%d", i);
        assert_int_equal(st.ops->list_user(st.self, user, t, count_one, &n),
                         CLOGIN_OK);
        assert_int_equal(n, want);
        assert_int_equal(raw_int(c, "ZCARD clogin:u:%s", user), want);
    }
    /* No more connections than threads ever used one at once. */
    long long opened = server_stat(c, "total_connections_received") - before;
    assert_true(opened >= 1 && opened <= THREADS);
    clogin_store_close(&st);
    redisFree(c);
}

static int group_setup(void **state) {
    (void)state;
    return h_redis_start(&shared);
}

static int group_teardown(void **state) {
    (void)state;
    h_redis_stop(&shared);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_syntax),
        cmocka_unit_test_setup(test_database_selection, flush_shared),
        cmocka_unit_test_setup_teardown(test_ipv6_literal, start_own, stop_own),
        cmocka_unit_test_setup_teardown(test_credentials, start_own, stop_own),
        cmocka_unit_test_setup(test_keys_and_expiry, flush_shared),
        cmocka_unit_test_setup(test_index_listing_and_pruning, flush_shared),
        cmocka_unit_test_setup(test_remove_user_with_keep, flush_shared),
        cmocka_unit_test_setup(test_connection_reuse, flush_shared),
        cmocka_unit_test_setup_teardown(test_server_down_at_open, start_own,
                                        stop_own),
        cmocka_unit_test_setup_teardown(test_reply_timeout, start_own,
                                        stop_own),
        cmocka_unit_test_setup_teardown(test_crash_and_restart, start_own,
                                        stop_own),
        cmocka_unit_test_setup(test_threads_share_one_store, flush_shared),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
