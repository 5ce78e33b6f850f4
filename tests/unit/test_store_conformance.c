/* The store contract (clogin.h, clogin_store_ops), the same tests for
 * every built-in store: memory, SQLite in a temporary file, and Redis
 * against a redis-server this test starts and stops. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "clogin.h"
#include "redis_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW INT64_C(1700000000)

typedef struct fixture {
    clogin_store store;
    h_redis redis;
    char dir[64];
} fixture;

/* ---- what a callback saw ---- */

typedef struct seen {
    int calls;
    char id[128];
    clogin_store_kind kind;
    char user_id[128];
    char data[70000];
    size_t data_len;
    int64_t created, last_seen, expires;
    char addr[64], ua[128];
    char ids[256][64]; /* list_user: every id, in the order given */
} seen;

static void remember(void *ctx, const char *id, const clogin_store_record *rec) {
    seen *s = ctx;
    assert_non_null(rec->data);
    assert_int_equal(rec->data[rec->data_len], '\0');
    if (s->calls < 256)
        snprintf(s->ids[s->calls], sizeof s->ids[0], "%s", id);
    s->calls++;
    snprintf(s->id, sizeof s->id, "%s", id);
    s->kind = rec->kind;
    snprintf(s->user_id, sizeof s->user_id, "%s", rec->user_id);
    assert_true(rec->data_len < sizeof s->data);
    memcpy(s->data, rec->data, rec->data_len + 1);
    s->data_len = rec->data_len;
    s->created = rec->created;
    s->last_seen = rec->last_seen;
    s->expires = rec->expires;
    snprintf(s->addr, sizeof s->addr, "%s", rec->remote_addr);
    snprintf(s->ua, sizeof s->ua, "%s", rec->user_agent);
}

static seen *fresh_seen(void) {
    seen *s = calloc(1, sizeof *s);
    assert_non_null(s);
    return s;
}

static clogin_store_record session(const char *user, const char *data) {
    clogin_store_record r = {CLOGIN_STORE_SESSION, user, data, strlen(data), NOW - 10,
                             NOW, NOW + 3600, "203.0.113.7", "Mozilla/5.0 (X11)"};
    return r;
}

#define OPS(f) ((f)->store.ops)
#define SELF(f) ((f)->store.self)

static int listed(const seen *s, const char *id) {
    for (int i = 0; i < s->calls && i < 256; i++)
        if (strcmp(s->ids[i], id) == 0)
            return 1;
    return 0;
}

/* ---- the contract ---- */

static void test_round_trip(void **state) {
    fixture *f = *state;
    const char *data = "{\"_fresh\":true,\"_user_id\":\"1\",\"q\":\"a \\\"b\\\" %s\"}";
    clogin_store_record rec = session("1", data);
    assert_int_equal(OPS(f)->save(SELF(f), "rt-1", &rec), CLOGIN_OK);
    seen *s = fresh_seen();
    assert_int_equal(OPS(f)->load(SELF(f), "rt-1", NOW, remember, s), CLOGIN_OK);
    assert_int_equal(s->calls, 1);
    assert_string_equal(s->id, "rt-1");
    assert_int_equal(s->kind, CLOGIN_STORE_SESSION);
    assert_string_equal(s->user_id, "1");
    assert_int_equal(s->data_len, strlen(data));
    assert_string_equal(s->data, data);
    assert_int_equal(s->created, NOW - 10);
    assert_int_equal(s->last_seen, NOW);
    assert_int_equal(s->expires, NOW + 3600);
    assert_string_equal(s->addr, "203.0.113.7");
    assert_string_equal(s->ua, "Mozilla/5.0 (X11)");
    /* data is taken by its length, not up to a NUL */
    clogin_store_record cut = session("1", "{\"a\":1}XYZ");
    cut.data_len = 7;
    assert_int_equal(OPS(f)->save(SELF(f), "rt-2", &cut), CLOGIN_OK);
    memset(s, 0, sizeof *s);
    assert_int_equal(OPS(f)->load(SELF(f), "rt-2", NOW, remember, s), CLOGIN_OK);
    assert_string_equal(s->data, "{\"a\":1}");
    assert_int_equal(s->data_len, 7);
    /* a remember token, with an empty data */
    clogin_store_record tok = {CLOGIN_STORE_REMEMBER, "1", "", 0, NOW, NOW, NOW + 60, "", ""};
    assert_int_equal(OPS(f)->save(SELF(f), "rt-3", &tok), CLOGIN_OK);
    memset(s, 0, sizeof *s);
    assert_int_equal(OPS(f)->load(SELF(f), "rt-3", NOW, remember, s), CLOGIN_OK);
    assert_int_equal(s->kind, CLOGIN_STORE_REMEMBER);
    assert_int_equal(s->data_len, 0);
    assert_string_equal(s->addr, "");
    free(s);
}

static void test_missing_and_expired(void **state) {
    fixture *f = *state;
    seen *s = fresh_seen();
    assert_int_equal(OPS(f)->load(SELF(f), "never-saved", NOW, remember, s), CLOGIN_ENOTFOUND);
    clogin_store_record rec = session("2", "{}");
    rec.expires = NOW + 5;
    assert_int_equal(OPS(f)->save(SELF(f), "exp-1", &rec), CLOGIN_OK);
    assert_int_equal(OPS(f)->load(SELF(f), "exp-1", NOW + 4, remember, s), CLOGIN_OK);
    /* expires is the first second the record is gone */
    assert_int_equal(OPS(f)->load(SELF(f), "exp-1", NOW + 5, remember, s), CLOGIN_ENOTFOUND);
    assert_int_equal(s->calls, 1);
    free(s);
}

static void test_replace(void **state) {
    fixture *f = *state;
    clogin_store_record a = session("rep-user-a", "{\"v\":1}");
    clogin_store_record b = session("rep-user-b", "{\"v\":2}");
    assert_int_equal(OPS(f)->save(SELF(f), "rep-1", &a), CLOGIN_OK);
    assert_int_equal(OPS(f)->save(SELF(f), "rep-1", &b), CLOGIN_OK);
    seen *s = fresh_seen();
    assert_int_equal(OPS(f)->load(SELF(f), "rep-1", NOW, remember, s), CLOGIN_OK);
    assert_string_equal(s->data, "{\"v\":2}");
    assert_string_equal(s->user_id, "rep-user-b");
    /* it moved to the other user */
    memset(s, 0, sizeof *s);
    assert_int_equal(OPS(f)->list_user(SELF(f), "rep-user-a", NOW, remember, s), CLOGIN_OK);
    assert_int_equal(s->calls, 0);
    assert_int_equal(OPS(f)->list_user(SELF(f), "rep-user-b", NOW, remember, s), CLOGIN_OK);
    assert_int_equal(s->calls, 1);
    assert_string_equal(s->ids[0], "rep-1");
    free(s);
}

static void test_touch(void **state) {
    fixture *f = *state;
    clogin_store_record rec = session("touch-user", "{\"k\":\"v\"}");
    assert_int_equal(OPS(f)->save(SELF(f), "touch-1", &rec), CLOGIN_OK);
    assert_int_equal(OPS(f)->touch(SELF(f), "touch-1", NOW + 100, NOW + 7200), CLOGIN_OK);
    seen *s = fresh_seen();
    assert_int_equal(OPS(f)->load(SELF(f), "touch-1", NOW + 100, remember, s), CLOGIN_OK);
    assert_int_equal(s->last_seen, NOW + 100);
    assert_int_equal(s->expires, NOW + 7200);
    assert_int_equal(s->created, NOW - 10);
    assert_string_equal(s->data, "{\"k\":\"v\"}");
    assert_string_equal(s->user_id, "touch-user");
    /* a touch never brings a record back */
    assert_int_equal(OPS(f)->touch(SELF(f), "touch-none", NOW, NOW + 60), CLOGIN_ENOTFOUND);
    assert_int_equal(OPS(f)->load(SELF(f), "touch-none", NOW, remember, s), CLOGIN_ENOTFOUND);
    free(s);
}

static void test_remove(void **state) {
    fixture *f = *state;
    clogin_store_record rec = session("rm-user", "{}");
    assert_int_equal(OPS(f)->save(SELF(f), "rm-1", &rec), CLOGIN_OK);
    assert_int_equal(OPS(f)->remove(SELF(f), "rm-1"), CLOGIN_OK);
    seen *s = fresh_seen();
    assert_int_equal(OPS(f)->load(SELF(f), "rm-1", NOW, remember, s), CLOGIN_ENOTFOUND);
    assert_int_equal(OPS(f)->list_user(SELF(f), "rm-user", NOW, remember, s), CLOGIN_OK);
    assert_int_equal(s->calls, 0);
    assert_int_equal(OPS(f)->remove(SELF(f), "rm-1"), CLOGIN_OK); /* again: fine */
    free(s);
}

static void test_list_user(void **state) {
    fixture *f = *state;
    clogin_store_record a = session("list-user", "{\"n\":1}");
    clogin_store_record old = session("list-user", "{\"n\":2}");
    old.expires = NOW;
    clogin_store_record tok = {CLOGIN_STORE_REMEMBER, "list-user", "tag", 3, NOW, NOW,
                               NOW + 60, "", ""};
    clogin_store_record other = session("list-user-2", "{}");
    clogin_store_record anon = session("", "{}");
    assert_int_equal(OPS(f)->save(SELF(f), "list-1", &a), CLOGIN_OK);
    assert_int_equal(OPS(f)->save(SELF(f), "list-2", &old), CLOGIN_OK);
    assert_int_equal(OPS(f)->save(SELF(f), "list-3", &tok), CLOGIN_OK);
    assert_int_equal(OPS(f)->save(SELF(f), "list-4", &other), CLOGIN_OK);
    assert_int_equal(OPS(f)->save(SELF(f), "list-5", &anon), CLOGIN_OK);
    seen *s = fresh_seen();
    assert_int_equal(OPS(f)->list_user(SELF(f), "list-user", NOW, remember, s), CLOGIN_OK);
    assert_int_equal(s->calls, 2); /* both kinds, not the expired one */
    assert_true(listed(s, "list-1"));
    assert_true(listed(s, "list-3"));
    assert_false(listed(s, "list-2"));
    free(s);
}

static void test_remove_user(void **state) {
    fixture *f = *state;
    const char *user = "ru: {weird} *user* \xe4\xbd\x90\xe8\x97\xa4";
    char id[32];
    for (int i = 0; i < 6; i++) {
        clogin_store_record rec = session(user, "{}");
        if (i == 5)
            rec.kind = CLOGIN_STORE_REMEMBER;
        snprintf(id, sizeof id, "ru-%d", i);
        assert_int_equal(OPS(f)->save(SELF(f), id, &rec), CLOGIN_OK);
    }
    clogin_store_record bystander = session("ru-other", "{}");
    assert_int_equal(OPS(f)->save(SELF(f), "ru-x", &bystander), CLOGIN_OK);
    const char *keep[] = {"ru-1", "ru-5"};
    size_t removed = 99;
    assert_int_equal(OPS(f)->remove_user(SELF(f), user, keep, 2, &removed), CLOGIN_OK);
    assert_int_equal(removed, 4);
    seen *s = fresh_seen();
    assert_int_equal(OPS(f)->list_user(SELF(f), user, NOW, remember, s), CLOGIN_OK);
    assert_int_equal(s->calls, 2);
    assert_true(listed(s, "ru-1"));
    assert_true(listed(s, "ru-5"));
    assert_int_equal(OPS(f)->load(SELF(f), "ru-0", NOW, remember, s), CLOGIN_ENOTFOUND);
    assert_int_equal(OPS(f)->load(SELF(f), "ru-x", NOW, remember, s), CLOGIN_OK);
    assert_int_equal(OPS(f)->remove_user(SELF(f), user, NULL, 0, &removed), CLOGIN_OK);
    assert_int_equal(removed, 2);
    assert_int_equal(OPS(f)->remove_user(SELF(f), "ru-nobody", NULL, 0, NULL), CLOGIN_OK);
    free(s);
}

static void test_large_and_many(void **state) {
    fixture *f = *state;
    size_t n = 65536;
    char *big = malloc(n + 1);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 26);
    big[0] = '"';
    big[n - 1] = '"';
    big[n] = '\0';
    clogin_store_record rec = session("many-user", big);
    assert_int_equal(OPS(f)->save(SELF(f), "big-1", &rec), CLOGIN_OK);
    seen *s = fresh_seen();
    assert_int_equal(OPS(f)->load(SELF(f), "big-1", NOW, remember, s), CLOGIN_OK);
    assert_int_equal(s->data_len, n);
    assert_memory_equal(s->data, big, n);
    free(big);
    char id[32];
    for (int i = 0; i < 200; i++) {
        clogin_store_record r = session("many-user", "{}");
        r.created = NOW - i;
        snprintf(id, sizeof id, "many-%03d", i);
        assert_int_equal(OPS(f)->save(SELF(f), id, &r), CLOGIN_OK);
    }
    memset(s, 0, sizeof *s);
    assert_int_equal(OPS(f)->list_user(SELF(f), "many-user", NOW, remember, s), CLOGIN_OK);
    assert_int_equal(s->calls, 201);
    assert_true(listed(s, "many-000") && listed(s, "many-199") && listed(s, "big-1"));
    free(s);
}

/* ---- one group per store ---- */

static int open_spec(fixture *f, const char *spec) {
    clogin_store_options o = CLOGIN_STORE_OPTIONS_INIT;
    char err[CLOGIN_STORE_ERRLEN];
    clogin_status st = clogin_store_open(spec, &o, &f->store, err);
    if (st != CLOGIN_OK) {
        fprintf(stderr, "cannot open %s: %s: %s\n", spec, clogin_status_name(st), err);
        return -1;
    }
    return 0;
}

static int memory_up(void **state) {
    fixture *f = calloc(1, sizeof *f);
    *state = f;
    return f ? open_spec(f, "memory") : -1;
}

static int sqlite_up(void **state) {
    fixture *f = calloc(1, sizeof *f);
    *state = f;
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/clogin-conf.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char spec[128];
    snprintf(spec, sizeof spec, "sqlite:%s/sessions.db", f->dir);
    return open_spec(f, spec);
}

static int redis_up(void **state) {
    fixture *f = calloc(1, sizeof *f);
    *state = f;
    if (!f || h_redis_start(&f->redis) != 0)
        return -1;
    char url[64];
    return open_spec(f, h_redis_url(&f->redis, url));
}

static int down(void **state) {
    fixture *f = *state;
    if (!f)
        return 0;
    clogin_store_close(&f->store);
    if (f->redis.pid > 0)
        h_redis_stop(&f->redis);
    if (f->dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", f->dir);
    }
    free(f);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),  cmocka_unit_test(test_missing_and_expired),
        cmocka_unit_test(test_replace),     cmocka_unit_test(test_touch),
        cmocka_unit_test(test_remove),      cmocka_unit_test(test_list_user),
        cmocka_unit_test(test_remove_user), cmocka_unit_test(test_large_and_many),
    };
    int failed = cmocka_run_group_tests_name("memory", tests, memory_up, down);
    failed += cmocka_run_group_tests_name("sqlite", tests, sqlite_up, down);
    failed += cmocka_run_group_tests_name("redis", tests, redis_up, down);
    return failed;
}
