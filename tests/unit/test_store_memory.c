/* The memory store's own behaviour: the LRU bound, expiry, the per-user
 * index, remove_user's keep list, data lengths, and many threads at once.
 * What every store must do is in test_store_conformance.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW INT64_C(1700000000)
#define DAY INT64_C(86400)

/* ---- what a callback saw ---- */

typedef struct got {
    int calls;
    char id[256];
    clogin_store_kind kind;
    char user_id[256];
    char data[512];
    size_t data_len;
    int data_nul; /* data[data_len] was '\0' */
    int64_t created, last_seen, expires;
    char remote_addr[64];
    char user_agent[128];
} got;

static void on_record(void *ctx, const char *id, const clogin_store_record *r) {
    got *g = ctx;
    g->calls++;
    snprintf(g->id, sizeof g->id, "%s", id);
    g->kind = r->kind;
    snprintf(g->user_id, sizeof g->user_id, "%s", r->user_id);
    g->data_len = r->data_len;
    memset(g->data, 0, sizeof g->data);
    memcpy(g->data, r->data,
           r->data_len < sizeof g->data ? r->data_len : sizeof g->data);
    g->data_nul = r->data[r->data_len] == '\0';
    g->created = r->created;
    g->last_seen = r->last_seen;
    g->expires = r->expires;
    snprintf(g->remote_addr, sizeof g->remote_addr, "%s", r->remote_addr);
    snprintf(g->user_agent, sizeof g->user_agent, "%s", r->user_agent);
}

/* list_user's ids, sorted and joined with commas. */
#define LIST_MAX 256
typedef struct listing {
    size_t n;
    char ids[LIST_MAX][64];
    char users[LIST_MAX][64];
    char data[LIST_MAX][64];
} listing;

static void on_listed(void *ctx, const char *id, const clogin_store_record *r) {
    listing *l = ctx;
    if (l->n < LIST_MAX) {
        snprintf(l->ids[l->n], sizeof l->ids[0], "%s", id);
        snprintf(l->users[l->n], sizeof l->users[0], "%s", r->user_id);
        snprintf(l->data[l->n], sizeof l->data[0], "%.*s", (int)r->data_len,
                 r->data);
    }
    l->n++;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(a, b);
}

static clogin_store open_store(size_t max_entries) {
    clogin_store st;
    char err[CLOGIN_STORE_ERRLEN];
    assert_int_equal(clogin__store_memory_open(max_entries, &st, err),
                     CLOGIN_OK);
    assert_string_equal(err, "");
    return st;
}

static clogin_store_record rec(const char *user_id, const char *data,
                               int64_t expires) {
    clogin_store_record r = {0};
    r.kind = CLOGIN_STORE_SESSION;
    r.user_id = user_id;
    r.data = data;
    r.data_len = strlen(data);
    r.created = NOW;
    r.last_seen = NOW;
    r.expires = expires;
    r.remote_addr = "";
    r.user_agent = "";
    return r;
}

static clogin_status save(clogin_store *st, const char *id, const char *user,
                          const char *data, int64_t expires) {
    clogin_store_record r = rec(user, data, expires);
    return st->ops->save(st->self, id, &r);
}

static clogin_status load(clogin_store *st, const char *id, int64_t now,
                          got *g) {
    memset(g, 0, sizeof *g);
    return st->ops->load(st->self, id, now, on_record, g);
}

static int present(clogin_store *st, const char *id) {
    got g;
    return load(st, id, NOW, &g) == CLOGIN_OK;
}

/* The user's ids as "a,b,c"; static, so one listing per assertion. */
static const char *list(clogin_store *st, const char *user, int64_t now) {
    static listing l;
    static char joined[LIST_MAX * 65];
    memset(&l, 0, sizeof l);
    assert_int_equal(st->ops->list_user(st->self, user, now, on_listed, &l),
                     CLOGIN_OK);
    assert_true(l.n <= LIST_MAX);
    qsort(l.ids, l.n, sizeof l.ids[0], cmp_str);
    joined[0] = '\0';
    for (size_t i = 0; i < l.n; i++) {
        if (i)
            strcat(joined, ",");
        strcat(joined, l.ids[i]);
    }
    return joined;
}

/* ---- tests ---- */

static void test_open(void **state) {
    (void)state;
    clogin_store st = {NULL, NULL};
    char err[CLOGIN_STORE_ERRLEN];
    assert_int_equal(clogin__store_memory_open(0, &st, err), CLOGIN_ECONFIG);
    assert_string_equal(err,
                        "the memory store needs room for at least one record");
    assert_null(st.ops);
    assert_int_equal(clogin__store_memory_open(1, NULL, err), CLOGIN_EINVAL);

    clogin_store_options o = CLOGIN_STORE_OPTIONS_INIT;
    o.max_entries = 2;
    assert_int_equal(clogin_store_open("memory", &o, &st, err), CLOGIN_OK);
    assert_non_null(st.ops);
    assert_int_equal(save(&st, "a", "", "1", NOW + DAY), CLOGIN_OK);
    assert_int_equal(save(&st, "b", "", "2", NOW + DAY), CLOGIN_OK);
    assert_int_equal(save(&st, "c", "", "3", NOW + DAY), CLOGIN_OK);
    assert_false(present(&st, "a")); /* the bound came from the options */
    clogin_store_close(&st);
    assert_null(st.ops);
    assert_null(st.self);
}

static void test_fields_and_data_len(void **state) {
    (void)state;
    clogin_store st = open_store(16);
    got g;

    /* data is taken by length, not up to a NUL, and comes back with one */
    char buf[] = "abcdefgh";
    clogin_store_record r = {0};
    r.kind = CLOGIN_STORE_REMEMBER;
    r.user_id = "42";
    r.data = buf;
    r.data_len = 3;
    r.created = NOW - 100;
    r.last_seen = NOW - 5;
    r.expires = NOW + 60;
    r.remote_addr = "203.0.113.7";
    r.user_agent = "Mozilla/5.0 (test)";
    assert_int_equal(st.ops->save(st.self, "tok", &r), CLOGIN_OK);
    memcpy(buf, "XYZXYZXY", 8); /* the store took a copy */
    assert_int_equal(load(&st, "tok", NOW, &g), CLOGIN_OK);
    assert_int_equal(g.calls, 1);
    assert_string_equal(g.id, "tok");
    assert_int_equal(g.kind, CLOGIN_STORE_REMEMBER);
    assert_string_equal(g.user_id, "42");
    assert_int_equal(g.data_len, 3);
    assert_memory_equal(g.data, "abc", 4);
    assert_true(g.data_nul);
    assert_int_equal(g.created, NOW - 100);
    assert_int_equal(g.last_seen, NOW - 5);
    assert_int_equal(g.expires, NOW + 60);
    assert_string_equal(g.remote_addr, "203.0.113.7");
    assert_string_equal(g.user_agent, "Mozilla/5.0 (test)");

    /* NUL bytes inside data are kept */
    r.data = "a\0b\0c";
    r.data_len = 5;
    assert_int_equal(st.ops->save(st.self, "nul", &r), CLOGIN_OK);
    assert_int_equal(load(&st, "nul", NOW, &g), CLOGIN_OK);
    assert_int_equal(g.data_len, 5);
    assert_memory_equal(g.data, "a\0b\0c\0", 6);
    assert_true(g.data_nul);

    /* no data at all; NULL strings read as "" */
    r.data = NULL;
    r.data_len = 0;
    r.user_id = NULL;
    r.remote_addr = NULL;
    r.user_agent = NULL;
    assert_int_equal(st.ops->save(st.self, "empty", &r), CLOGIN_OK);
    assert_int_equal(load(&st, "empty", NOW, &g), CLOGIN_OK);
    assert_int_equal(g.data_len, 0);
    assert_true(g.data_nul);
    assert_string_equal(g.user_id, "");
    assert_string_equal(g.remote_addr, "");
    assert_string_equal(g.user_agent, "");

    /* a length with no data is a programming error, and changes nothing */
    r.data_len = 4;
    assert_int_equal(st.ops->save(st.self, "tok", &r), CLOGIN_EINVAL);
    assert_int_equal(load(&st, "tok", NOW, &g), CLOGIN_OK);
    assert_memory_equal(g.data, "abc", 4);

    /* replacing changes every field */
    clogin_store_record r2 = rec("43", "{\"k\":1}", NOW + 90);
    r2.created = NOW + 1;
    r2.last_seen = NOW + 2;
    r2.remote_addr = "::1";
    r2.user_agent = "curl";
    assert_int_equal(st.ops->save(st.self, "tok", &r2), CLOGIN_OK);
    assert_int_equal(load(&st, "tok", NOW, &g), CLOGIN_OK);
    assert_int_equal(g.kind, CLOGIN_STORE_SESSION);
    assert_string_equal(g.user_id, "43");
    assert_int_equal(g.data_len, 7);
    assert_string_equal(g.data, "{\"k\":1}");
    assert_int_equal(g.created, NOW + 1);
    assert_int_equal(g.last_seen, NOW + 2);
    assert_int_equal(g.expires, NOW + 90);
    assert_string_equal(g.remote_addr, "::1");
    assert_string_equal(g.user_agent, "curl");

    /* a long id, and an id that differs only at its end */
    char long_id[201];
    memset(long_id, 'x', 200);
    long_id[200] = '\0';
    assert_int_equal(save(&st, long_id, "", "long", NOW + 60), CLOGIN_OK);
    long_id[199] = 'y';
    assert_int_equal(load(&st, long_id, NOW, &g), CLOGIN_ENOTFOUND);
    long_id[199] = 'x';
    assert_int_equal(load(&st, long_id, NOW, &g), CLOGIN_OK);
    assert_string_equal(g.id, long_id);
    assert_string_equal(g.data, "long");

    assert_int_equal(load(&st, "missing", NOW, &g), CLOGIN_ENOTFOUND);
    assert_int_equal(g.calls, 0);
    assert_int_equal(st.ops->remove(st.self, "tok"), CLOGIN_OK);
    assert_int_equal(st.ops->remove(st.self, "tok"), CLOGIN_OK);
    assert_int_equal(load(&st, "tok", NOW, &g), CLOGIN_ENOTFOUND);
    assert_string_equal(list(&st, "43", NOW), "");
    clogin_store_close(&st);
}

static void test_lru_eviction(void **state) {
    (void)state;
    clogin_store st = open_store(3);
    got g;
    const int64_t exp = NOW + DAY;
    assert_int_equal(save(&st, "a", "u", "a", exp), CLOGIN_OK);
    assert_int_equal(save(&st, "b", "u", "b", exp), CLOGIN_OK);
    assert_int_equal(save(&st, "c", "u", "c", exp), CLOGIN_OK);
    /* oldest first: a b c; a load makes a the newest */
    assert_int_equal(load(&st, "a", NOW, &g), CLOGIN_OK);
    assert_int_equal(save(&st, "d", "u", "d", exp), CLOGIN_OK); /* b goes */
    assert_string_equal(list(&st, "u", NOW), "a,c,d");
    /* listing is no use: c stays the oldest. c a d; touch c: a d c */
    assert_int_equal(st.ops->touch(st.self, "c", NOW, exp), CLOGIN_OK);
    assert_int_equal(save(&st, "e", "u", "e", exp), CLOGIN_OK); /* a goes */
    assert_string_equal(list(&st, "u", NOW), "c,d,e");
    /* d c e; saving d again: c e d */
    assert_int_equal(save(&st, "d", "u", "d2", exp), CLOGIN_OK);
    assert_int_equal(save(&st, "f", "", "f", exp), CLOGIN_OK); /* c goes */
    /* the evicted records left the user index too */
    assert_string_equal(list(&st, "u", NOW), "d,e");
    assert_int_equal(load(&st, "a", NOW, &g), CLOGIN_ENOTFOUND);
    assert_int_equal(load(&st, "b", NOW, &g), CLOGIN_ENOTFOUND);
    assert_int_equal(load(&st, "c", NOW, &g), CLOGIN_ENOTFOUND);
    assert_int_equal(load(&st, "d", NOW, &g), CLOGIN_OK);
    assert_string_equal(g.data, "d2");
    assert_int_equal(load(&st, "e", NOW, &g), CLOGIN_OK);
    assert_int_equal(load(&st, "f", NOW, &g), CLOGIN_OK);
    clogin_store_close(&st);

    /* a bound of one keeps only the last record saved */
    st = open_store(1);
    assert_int_equal(save(&st, "x", "v", "x", exp), CLOGIN_OK);
    assert_int_equal(save(&st, "y", "v", "y", exp), CLOGIN_OK);
    assert_false(present(&st, "x"));
    assert_true(present(&st, "y"));
    assert_string_equal(list(&st, "v", NOW), "y");
    assert_int_equal(save(&st, "y", "v", "y2", exp), CLOGIN_OK);
    assert_int_equal(load(&st, "y", NOW, &g), CLOGIN_OK);
    assert_string_equal(g.data, "y2");
    clogin_store_close(&st);
}

static void test_expiry(void **state) {
    (void)state;
    clogin_store st = open_store(2);
    got g;
    assert_int_equal(save(&st, "a", "u", "a", NOW + 10), CLOGIN_OK);
    assert_int_equal(save(&st, "b", "u", "b", NOW + 100), CLOGIN_OK);
    assert_int_equal(load(&st, "a", NOW + 9, &g), CLOGIN_OK);
    /* expires is the first second the record is gone */
    assert_int_equal(load(&st, "a", NOW + 10, &g), CLOGIN_ENOTFOUND);
    assert_int_equal(g.calls, 0);
    /* and it was dropped, not just hidden */
    assert_int_equal(load(&st, "a", NOW, &g), CLOGIN_ENOTFOUND);
    assert_string_equal(list(&st, "u", NOW), "b");
    /* its place is free: c fits without evicting b */
    assert_int_equal(save(&st, "c", "u", "c", NOW + 100), CLOGIN_OK);
    assert_true(present(&st, "b"));
    assert_true(present(&st, "c"));

    /* touch moves expires on; last_seen is touch's now */
    assert_int_equal(st.ops->touch(st.self, "c", NOW + 50, NOW + 500),
                     CLOGIN_OK);
    assert_int_equal(load(&st, "c", NOW + 400, &g), CLOGIN_OK);
    assert_int_equal(g.last_seen, NOW + 50);
    assert_int_equal(g.expires, NOW + 500);
    assert_int_equal(g.created, NOW);
    assert_string_equal(g.data, "c");
    /* b has expired at NOW + 100: touch does not revive it */
    assert_int_equal(st.ops->touch(st.self, "b", NOW + 100, NOW + 1000),
                     CLOGIN_ENOTFOUND);
    assert_int_equal(load(&st, "b", NOW, &g), CLOGIN_ENOTFOUND);
    assert_int_equal(st.ops->touch(st.self, "zz", NOW, NOW + 1),
                     CLOGIN_ENOTFOUND);
    clogin_store_close(&st);

    /* list_user leaves expired records out and drops them */
    st = open_store(10);
    assert_int_equal(save(&st, "s1", "u", "1", NOW + 5), CLOGIN_OK);
    assert_int_equal(save(&st, "s2", "u", "2", NOW + 50), CLOGIN_OK);
    assert_int_equal(save(&st, "s3", "u", "3", NOW + 6), CLOGIN_OK);
    assert_string_equal(list(&st, "u", NOW + 4), "s1,s2,s3");
    assert_string_equal(list(&st, "u", NOW + 6), "s2");
    assert_string_equal(list(&st, "u", NOW), "s2");
    assert_int_equal(load(&st, "s1", NOW, &g), CLOGIN_ENOTFOUND);
    /* all of a user's records gone at once */
    assert_string_equal(list(&st, "u", NOW + 50), "");
    assert_string_equal(list(&st, "u", NOW), "");
    assert_int_equal(save(&st, "s4", "u", "4", NOW + 50), CLOGIN_OK);
    assert_string_equal(list(&st, "u", NOW), "s4");
    clogin_store_close(&st);
}

static void test_user_index(void **state) {
    (void)state;
    clogin_store st = open_store(100);
    got g;
    size_t removed = 99;
    const int64_t exp = NOW + DAY;
    assert_int_equal(save(&st, "s1", "alice", "1", exp), CLOGIN_OK);
    assert_int_equal(save(&st, "s2", "alice", "2", exp), CLOGIN_OK);
    assert_int_equal(save(&st, "s3", "bob", "3", exp), CLOGIN_OK);
    assert_int_equal(save(&st, "s4", "", "4", exp), CLOGIN_OK);
    assert_string_equal(list(&st, "alice", NOW), "s1,s2");
    assert_string_equal(list(&st, "bob", NOW), "s3");
    assert_string_equal(list(&st, "carol", NOW), "");

    /* a save that changes the user moves the record between indexes */
    assert_int_equal(save(&st, "s1", "bob", "1b", exp), CLOGIN_OK);
    assert_string_equal(list(&st, "alice", NOW), "s2");
    assert_string_equal(list(&st, "bob", NOW), "s1,s3");
    /* to no user: out of every index, still stored */
    assert_int_equal(save(&st, "s2", "", "2b", exp), CLOGIN_OK);
    assert_string_equal(list(&st, "alice", NOW), "");
    assert_int_equal(load(&st, "s2", NOW, &g), CLOGIN_OK);
    assert_string_equal(g.user_id, "");
    assert_int_equal(st.ops->remove_user(st.self, "alice", NULL, 0, &removed),
                     CLOGIN_OK);
    assert_int_equal(removed, 0);
    assert_true(present(&st, "s2"));
    /* and back: to a user whose index was emptied */
    assert_int_equal(save(&st, "s2", "alice", "2c", exp), CLOGIN_OK);
    assert_string_equal(list(&st, "alice", NOW), "s2");
    /* from one user to a new one */
    assert_int_equal(save(&st, "s3", "dave", "3b", exp), CLOGIN_OK);
    assert_string_equal(list(&st, "bob", NOW), "s1");
    assert_string_equal(list(&st, "dave", NOW), "s3");
    /* the same user again: nothing moves */
    assert_int_equal(save(&st, "s3", "dave", "3c", exp), CLOGIN_OK);
    assert_string_equal(list(&st, "dave", NOW), "s3");
    /* list_user hands out what is stored now */
    static listing l;
    memset(&l, 0, sizeof l);
    assert_int_equal(st.ops->list_user(st.self, "dave", NOW, on_listed, &l),
                     CLOGIN_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.users[0], "dave");
    assert_string_equal(l.data[0], "3c");

    /* records without a user are not indexed: "" lists and removes none */
    assert_string_equal(list(&st, "", NOW), "");
    assert_int_equal(st.ops->remove_user(st.self, "", NULL, 0, &removed),
                     CLOGIN_OK);
    assert_int_equal(removed, 0);
    assert_true(present(&st, "s4"));

    assert_int_equal(st.ops->remove(st.self, "s1"), CLOGIN_OK);
    assert_string_equal(list(&st, "bob", NOW), "");
    assert_int_equal(save(&st, "s1", "bob", "1c", exp), CLOGIN_OK);
    assert_string_equal(list(&st, "bob", NOW), "s1");
    clogin_store_close(&st);
}

static void test_remove_user_keep(void **state) {
    (void)state;
    clogin_store st = open_store(100);
    const int64_t exp = NOW + DAY;
    for (int i = 1; i <= 5; i++) {
        char id[8];
        snprintf(id, sizeof id, "r%d", i);
        clogin_store_record r = rec("u", id, exp);
        r.kind = i % 2 ? CLOGIN_STORE_SESSION : CLOGIN_STORE_REMEMBER;
        assert_int_equal(st.ops->save(st.self, id, &r), CLOGIN_OK);
    }
    assert_int_equal(save(&st, "v1", "v", "v1", exp), CLOGIN_OK);
    assert_int_equal(save(&st, "n1", "", "n1", exp), CLOGIN_OK);

    /* keep may name ids that are missing or someone else's, or be NULL */
    const char *keep[] = {"r2", "nope", NULL, "v1", "r4"};
    size_t removed = 99;
    assert_int_equal(st.ops->remove_user(st.self, "u", keep, 5, &removed),
                     CLOGIN_OK);
    assert_int_equal(removed, 3);
    assert_string_equal(list(&st, "u", NOW), "r2,r4");
    assert_false(present(&st, "r1"));
    assert_false(present(&st, "r3"));
    assert_false(present(&st, "r5"));
    assert_string_equal(list(&st, "v", NOW), "v1");
    assert_true(present(&st, "n1"));

    /* nothing to remove but what is kept */
    assert_int_equal(st.ops->remove_user(st.self, "u", keep, 5, &removed),
                     CLOGIN_OK);
    assert_int_equal(removed, 0);
    assert_string_equal(list(&st, "u", NOW), "r2,r4");
    /* removed may be NULL */
    assert_int_equal(st.ops->remove_user(st.self, "u", keep + 4, 1, NULL),
                     CLOGIN_OK);
    assert_string_equal(list(&st, "u", NOW), "r4");
    assert_int_equal(st.ops->remove_user(st.self, "u", NULL, 0, &removed),
                     CLOGIN_OK);
    assert_int_equal(removed, 1);
    assert_string_equal(list(&st, "u", NOW), "");
    assert_int_equal(st.ops->remove_user(st.self, "u", NULL, 0, &removed),
                     CLOGIN_OK);
    assert_int_equal(removed, 0);
    assert_int_equal(st.ops->remove_user(st.self, "u", NULL, 1, &removed),
                     CLOGIN_EINVAL);
    /* the user can come back */
    assert_int_equal(save(&st, "r1", "u", "again", exp), CLOGIN_OK);
    assert_string_equal(list(&st, "u", NOW), "r1");
    assert_string_equal(list(&st, "v", NOW), "v1");
    clogin_store_close(&st);
}

/* Enough records and users to make both tables grow several times. */
static void test_many(void **state) {
    (void)state;
    clogin_store st = open_store(100000);
    got g;
    char id[64], user[16], data[64];
    for (int i = 0; i < 6000; i++) {
        snprintf(id, sizeof id, "session-%d", i);
        snprintf(user, sizeof user, "user%d", i % 60);
        snprintf(data, sizeof data, "{\"n\":%d}", i);
        assert_int_equal(save(&st, id, user, data, NOW + DAY), CLOGIN_OK);
    }
    for (int i = 0; i < 6000; i++) {
        snprintf(id, sizeof id, "session-%d", i);
        snprintf(data, sizeof data, "{\"n\":%d}", i);
        assert_int_equal(load(&st, id, NOW, &g), CLOGIN_OK);
        assert_string_equal(g.data, data);
    }
    static listing l;
    for (int u = 0; u < 60; u++) {
        snprintf(user, sizeof user, "user%d", u);
        memset(&l, 0, sizeof l);
        assert_int_equal(st.ops->list_user(st.self, user, NOW, on_listed, &l),
                         CLOGIN_OK);
        assert_int_equal(l.n, 100);
        for (size_t k = 0; k < l.n; k++) {
            int n = atoi(l.ids[k] + strlen("session-"));
            assert_int_equal(n % 60, u);
            assert_string_equal(l.users[k], user);
        }
        if (u % 2 == 0) {
            size_t removed = 0;
            assert_int_equal(
                st.ops->remove_user(st.self, user, NULL, 0, &removed),
                CLOGIN_OK);
            assert_int_equal(removed, 100);
        }
    }
    for (int i = 0; i < 6000; i++) {
        snprintf(id, sizeof id, "session-%d", i);
        assert_int_equal(present(&st, id), i % 2);
    }
    clogin_store_close(&st);
}

/* ---- many threads at once ---- */

#define THREADS 4
#define OPS 2000
#define IDS 40

static clogin_store shared_store;
static atomic_int started; /* workers wait for all, so they overlap */

static void start_together(void) {
    atomic_fetch_add(&started, 1);
    while (atomic_load(&started) < THREADS)
        ;
}

typedef struct model {
    int present[IDS];
    int version[IDS];
    int user[IDS]; /* 0: none, 1: the thread's own, 2: "shared" */
    int64_t last_seen[IDS];
} model;

typedef struct worker {
    int t;
    model m;
    long failures;
} worker;

static uint32_t next_rand(uint32_t *x) {
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static void thread_ids(int t, int k, char *id, size_t n) {
    snprintf(id, n, "t%d-%d", t, k);
}

static const char *user_name(int t, int which, char *buf, size_t n) {
    if (which == 0)
        return "";
    if (which == 2)
        return "shared";
    snprintf(buf, n, "own%d", t);
    return buf;
}

/* A listing agrees with a thread's model exactly for its own user. */
static int own_listing_matches(worker *w, const listing *l) {
    size_t want = 0;
    for (int k = 0; k < IDS; k++)
        want += w->m.present[k] && w->m.user[k] == 1;
    if (l->n != want)
        return 0;
    for (size_t i = 0; i < l->n; i++) {
        int t, k;
        char data[96];
        if (sscanf(l->ids[i], "t%d-%d", &t, &k) != 2 || t != w->t || k < 0 ||
            k >= IDS || !w->m.present[k] || w->m.user[k] != 1)
            return 0;
        snprintf(data, sizeof data, "%s-v%d", l->ids[i], w->m.version[k]);
        if (strcmp(l->data[i], data) != 0)
            return 0;
    }
    return 1;
}

/* Records of other threads can only be seen whole: data names its id. */
static int listing_consistent(const listing *l, const char *user) {
    for (size_t i = 0; i < l->n && i < LIST_MAX; i++) {
        size_t len = strlen(l->ids[i]);
        if (strcmp(l->users[i], user) != 0 ||
            strncmp(l->data[i], l->ids[i], len) != 0 ||
            strncmp(l->data[i] + len, "-v", 2) != 0)
            return 0;
    }
    return 1;
}

static void *run_worker(void *arg) {
    worker *w = arg;
    clogin_store *st = &shared_store;
    model *m = &w->m;
    uint32_t x = 2463534242u + (uint32_t)w->t * 7919u;
    char id[32], data[64], own[16];
    static _Thread_local listing l;
    got g;
    start_together();
    for (int op = 0; op < OPS; op++) {
        int k = (int)(next_rand(&x) % IDS);
        uint32_t what = next_rand(&x) % 100;
        thread_ids(w->t, k, id, sizeof id);
        if (what < 35) {
            int which = (int)(next_rand(&x) % 3);
            m->version[k]++;
            snprintf(data, sizeof data, "%s-v%d", id, m->version[k]);
            clogin_store_record r =
                rec(user_name(w->t, which, own, sizeof own), data, NOW + DAY);
            if (st->ops->save(st->self, id, &r) != CLOGIN_OK)
                w->failures++;
            m->present[k] = 1;
            m->user[k] = which;
            m->last_seen[k] = NOW;
        } else if (what < 65) {
            clogin_status s = load(st, id, NOW, &g);
            snprintf(data, sizeof data, "%s-v%d", id, m->version[k]);
            if (m->present[k]
                    ? s != CLOGIN_OK || g.calls != 1 ||
                          strcmp(g.data, data) != 0 || strcmp(g.id, id) != 0 ||
                          strcmp(g.user_id, user_name(w->t, m->user[k], own,
                                                      sizeof own)) != 0 ||
                          g.last_seen != m->last_seen[k]
                    : s != CLOGIN_ENOTFOUND || g.calls != 0)
                w->failures++;
        } else if (what < 75) {
            int64_t seen = NOW + op;
            clogin_status s = st->ops->touch(st->self, id, seen, NOW + DAY);
            if (s != (m->present[k] ? CLOGIN_OK : CLOGIN_ENOTFOUND))
                w->failures++;
            if (m->present[k])
                m->last_seen[k] = seen;
        } else if (what < 85) {
            if (st->ops->remove(st->self, id) != CLOGIN_OK)
                w->failures++;
            m->present[k] = 0;
        } else if (what < 93) {
            memset(&l, 0, sizeof l);
            user_name(w->t, 1, own, sizeof own);
            if (st->ops->list_user(st->self, own, NOW, on_listed, &l) !=
                    CLOGIN_OK ||
                !own_listing_matches(w, &l))
                w->failures++;
        } else if (what < 97) {
            memset(&l, 0, sizeof l);
            if (st->ops->list_user(st->self, "shared", NOW, on_listed, &l) !=
                    CLOGIN_OK ||
                !listing_consistent(&l, "shared"))
                w->failures++;
        } else {
            /* remove the thread's own user's records, but this one */
            size_t want = 0, removed = 0;
            for (int j = 0; j < IDS; j++)
                want += m->present[j] && m->user[j] == 1 && j != k;
            const char *keep[] = {id};
            user_name(w->t, 1, own, sizeof own);
            if (st->ops->remove_user(st->self, own, keep, 1, &removed) !=
                    CLOGIN_OK ||
                removed != want)
                w->failures++;
            for (int j = 0; j < IDS; j++)
                if (m->user[j] == 1 && j != k)
                    m->present[j] = 0;
        }
    }
    return NULL;
}

static void test_threads(void **state) {
    (void)state;
    shared_store = open_store(100000);
    static worker w[THREADS];
    pthread_t th[THREADS];
    memset(w, 0, sizeof w);
    atomic_store(&started, 0);
    for (int t = 0; t < THREADS; t++) {
        w[t].t = t;
        assert_int_equal(pthread_create(&th[t], NULL, run_worker, &w[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(w[t].failures, 0);

    /* afterwards the store is exactly the union of the models */
    static listing l;
    got g;
    char id[32], data[64], own[16];
    size_t shared = 0;
    for (int t = 0; t < THREADS; t++) {
        for (int k = 0; k < IDS; k++) {
            thread_ids(t, k, id, sizeof id);
            if (!w[t].m.present[k]) {
                assert_int_equal(load(&shared_store, id, NOW, &g),
                                 CLOGIN_ENOTFOUND);
                continue;
            }
            shared += w[t].m.user[k] == 2;
            snprintf(data, sizeof data, "%s-v%d", id, w[t].m.version[k]);
            assert_int_equal(load(&shared_store, id, NOW, &g), CLOGIN_OK);
            assert_string_equal(g.data, data);
            assert_string_equal(g.user_id,
                                user_name(t, w[t].m.user[k], own, sizeof own));
            assert_int_equal(g.last_seen, w[t].m.last_seen[k]);
        }
        memset(&l, 0, sizeof l);
        user_name(t, 1, own, sizeof own);
        assert_int_equal(shared_store.ops->list_user(shared_store.self, own,
                                                     NOW, on_listed, &l),
                         CLOGIN_OK);
        assert_true(own_listing_matches(&w[t], &l));
    }
    memset(&l, 0, sizeof l);
    assert_int_equal(shared_store.ops->list_user(shared_store.self, "shared",
                                                 NOW, on_listed, &l),
                     CLOGIN_OK);
    assert_int_equal(l.n, shared);
    assert_true(listing_consistent(&l, "shared"));
    clogin_store_close(&shared_store);
}

/* Eviction under contention: the bound holds, and what is left is whole. */
#define SMALL 64

static void *run_evicting(void *arg) {
    worker *w = arg;
    clogin_store *st = &shared_store;
    uint32_t x = 88172645u + (uint32_t)w->t * 104729u;
    char id[32], data[64], user[16];
    got g;
    start_together();
    for (int op = 0; op < OPS; op++) {
        int k = (int)(next_rand(&x) % 200);
        thread_ids(w->t, k, id, sizeof id);
        snprintf(user, sizeof user, "u%d", k % 5);
        if (op % 2 == 0) {
            snprintf(data, sizeof data, "%s-v%d", id, op);
            clogin_store_record r = rec(user, data, NOW + DAY);
            if (st->ops->save(st->self, id, &r) != CLOGIN_OK)
                w->failures++;
        } else {
            clogin_status s = load(st, id, NOW, &g);
            if (s == CLOGIN_OK ? strncmp(g.data, id, strlen(id)) != 0 ||
                                     strcmp(g.user_id, user) != 0
                               : s != CLOGIN_ENOTFOUND)
                w->failures++;
        }
    }
    return NULL;
}

static void test_threads_evicting(void **state) {
    (void)state;
    shared_store = open_store(SMALL);
    static worker w[THREADS];
    pthread_t th[THREADS];
    memset(w, 0, sizeof w);
    atomic_store(&started, 0);
    for (int t = 0; t < THREADS; t++) {
        w[t].t = t;
        assert_int_equal(pthread_create(&th[t], NULL, run_evicting, &w[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(w[t].failures, 0);
    /* far more than SMALL ids were saved and none removed: exactly SMALL
     * remain, the same ones by id and through the user index */
    size_t found = 0, listed = 0;
    char id[32], user[16];
    for (int t = 0; t < THREADS; t++) {
        for (int k = 0; k < 200; k++) {
            thread_ids(t, k, id, sizeof id);
            found += present(&shared_store, id);
        }
    }
    assert_int_equal(found, SMALL);
    static listing l;
    for (int u = 0; u < 5; u++) {
        snprintf(user, sizeof user, "u%d", u);
        memset(&l, 0, sizeof l);
        assert_int_equal(shared_store.ops->list_user(shared_store.self, user,
                                                     NOW, on_listed, &l),
                         CLOGIN_OK);
        assert_true(listing_consistent(&l, user));
        for (size_t i = 0; i < l.n; i++)
            assert_true(present(&shared_store, l.ids[i]));
        listed += l.n;
    }
    assert_int_equal(listed, SMALL);
    clogin_store_close(&shared_store);
}

/* A callback may use the store: nothing is locked while it runs. */
static void reenter(void *ctx, const char *id, const clogin_store_record *r) {
    clogin_store *st = ctx;
    (void)r;
    assert_int_equal(st->ops->remove(st->self, id), CLOGIN_OK);
}

static void test_reentrant_callbacks(void **state) {
    (void)state;
    clogin_store st = open_store(10);
    assert_int_equal(save(&st, "a", "u", "a", NOW + DAY), CLOGIN_OK);
    assert_int_equal(save(&st, "b", "u", "b", NOW + DAY), CLOGIN_OK);
    assert_int_equal(st.ops->list_user(st.self, "u", NOW, reenter, &st),
                     CLOGIN_OK);
    assert_string_equal(list(&st, "u", NOW), "");
    assert_int_equal(save(&st, "c", "", "c", NOW + DAY), CLOGIN_OK);
    assert_int_equal(st.ops->load(st.self, "c", NOW, reenter, &st), CLOGIN_OK);
    assert_false(present(&st, "c"));
    clogin_store_close(&st);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open),
        cmocka_unit_test(test_fields_and_data_len),
        cmocka_unit_test(test_lru_eviction),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_user_index),
        cmocka_unit_test(test_remove_user_keep),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_threads_evicting),
        cmocka_unit_test(test_reentrant_callbacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
