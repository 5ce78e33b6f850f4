/* The SQLite session store (src/store_sqlite.c) in what only it does: the
 * records outlive the store and are shared through the file by other
 * handles and other processes; a lock held elsewhere makes an operation
 * give up after the timeout with the data intact; unusable files are
 * refused at open with a sentence; expired rows are never returned and are
 * purged every 500 saves; the store recovers once a dropped table or a
 * deleted file is back; many threads share one store. What every store must
 * do is test_store_conformance.c's. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, fork, clock_gettime */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "internal.h"
#include "store.h"

#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define T0 INT64_C(1700000000) /* behind the wall clock, as purging needs */
#define PURGE_EVERY 500        /* the store's, src/store_sqlite.c */

typedef struct fixture {
    char dir[64];
    char path[128]; /* dir/sessions.db, not created */
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/clogin-sqlite-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/sessions.db", f->dir);
    *state = f;
    return 0;
}

/* Removes the directory and what the tests left in it (one level deep). */
static void remove_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[512];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            if (unlink(p) != 0) {
                chmod(p, 0700);
                remove_tree(p);
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

static int teardown(void **state) {
    fixture *f = *state;
    remove_tree(f->dir);
    free(f);
    return 0;
}

/* ---- helpers ---- */

static clogin_store open_store(const char *path, int timeout_ms) {
    clogin_store s;
    char err[CLOGIN_STORE_ERRLEN];
    clogin_status st = clogin__store_sqlite_open(path, timeout_ms, &s, err);
    if (st != CLOGIN_OK)
        fail_msg("open %s: %s: %s", path, clogin_status_name(st), err);
    return s;
}

static clogin_store_record make(clogin_store_kind kind, const char *user_id,
                                const char *data, size_t data_len,
                                int64_t expires) {
    clogin_store_record r = {.kind = kind,
                             .user_id = user_id,
                             .data = data,
                             .data_len = data_len,
                             .created = T0 - 60,
                             .last_seen = T0 - 30,
                             .expires = expires,
                             .remote_addr = "203.0.113.7",
                             .user_agent = "Mozilla/5.0 (X11)"};
    return r;
}

static clogin_status save(clogin_store *s, const char *id,
                          const clogin_store_record *r) {
    return s->ops->save(s->self, id, r);
}

/* One record as a callback saw it, copied. */
typedef struct got {
    int calls;
    char *id;
    clogin_store_kind kind;
    char *user_id, *data, *remote_addr, *user_agent;
    size_t data_len;
    int data_terminated;
    int64_t created, last_seen, expires;
} got;

static void got_free(got *g) {
    free(g->id);
    free(g->user_id);
    free(g->data);
    free(g->remote_addr);
    free(g->user_agent);
    memset(g, 0, sizeof *g);
}

static void keep_record(void *ctx, const char *id,
                        const clogin_store_record *r) {
    got *g = ctx;
    got_free(g);
    g->calls = 1;
    g->id = clogin__strdup(id);
    g->kind = r->kind;
    g->user_id = clogin__strdup(r->user_id);
    g->data = clogin__strndup(r->data, r->data_len);
    g->data_len = r->data_len;
    g->data_terminated = r->data[r->data_len] == '\0';
    g->remote_addr = clogin__strdup(r->remote_addr);
    g->user_agent = clogin__strdup(r->user_agent);
    g->created = r->created;
    g->last_seen = r->last_seen;
    g->expires = r->expires;
}

/* Loads id at now into g (freed first); the status. */
static clogin_status load(clogin_store *s, const char *id, int64_t now,
                          got *g) {
    got_free(g);
    return s->ops->load(s->self, id, now, keep_record, g);
}

static void assert_same(const got *g, const char *id,
                        const clogin_store_record *want) {
    assert_int_equal(g->calls, 1);
    assert_string_equal(g->id, id);
    assert_int_equal(g->kind, want->kind);
    assert_string_equal(g->user_id, want->user_id);
    assert_int_equal(g->data_len, want->data_len);
    assert_memory_equal(g->data, want->data, want->data_len);
    assert_true(g->data_terminated);
    assert_int_equal(g->created, want->created);
    assert_int_equal(g->last_seen, want->last_seen);
    assert_int_equal(g->expires, want->expires);
    assert_string_equal(g->remote_addr, want->remote_addr);
    assert_string_equal(g->user_agent, want->user_agent);
}

/* The ids list_user gives, joined by spaces, in its order. */
typedef struct id_list {
    char text[4096];
    int count;
} id_list;

static void add_id(void *ctx, const char *id, const clogin_store_record *r) {
    (void)r;
    id_list *l = ctx;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof l->text - n, "%s%s", n ? " " : "", id);
    l->count++;
}

static clogin_status list(clogin_store *s, const char *user_id, int64_t now,
                          id_list *l) {
    memset(l, 0, sizeof *l);
    return s->ops->list_user(s->self, user_id, now, add_id, l);
}

/* A connection of the test's own, beside the store's. */
static sqlite3 *raw_open(const char *path) {
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK)
        fail_msg("raw open %s: %s", path, sqlite3_errstr(rc));
    return db;
}

static void raw_exec(sqlite3 *db, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        char copy[256];
        snprintf(copy, sizeof copy, "%s", msg ? msg : "?");
        sqlite3_free(msg);
        fail_msg("%s: %s", sql, copy);
    }
}

/* The first column of the first row of sql, as text ("" for none). */
static void raw_query(const char *path, const char *sql, char *out,
                      size_t size) {
    sqlite3 *db = raw_open(path);
    sqlite3_stmt *q = NULL;
    out[0] = '\0';
    int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW &&
        sqlite3_column_text(q, 0))
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    sqlite3_close(db);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errstr(rc));
}

static long raw_count(const char *path, const char *where) {
    char sql[256], out[32];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM clogin_sessions WHERE %s",
             where);
    raw_query(path, sql, out, sizeof out);
    return strtol(out, NULL, 10);
}

static double ms_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* ---- persistence ---- */

static void test_records_outlive_the_store(void **state) {
    fixture *f = *state;
    static const char binary[] =
        "{\"k\":\"v\"}\0\x01\xff tail"; /* NULs inside */
    clogin_store_record session =
        make(CLOGIN_STORE_SESSION, "42", binary, sizeof binary - 1, T0 + 3600);
    clogin_store_record token =
        make(CLOGIN_STORE_REMEMBER, "42", "", 0, T0 + 86400);
    token.remote_addr = "";
    token.user_agent = "";
    token.created = T0 - 10; /* listed after the session, created earlier */

    clogin_store s = open_store(f->path, 1000);
    assert_int_equal(save(&s, "sess-1", &session), CLOGIN_OK);
    assert_int_equal(save(&s, "tok-1", &token), CLOGIN_OK);
    clogin_store_close(&s);
    assert_null(s.ops);

    /* The file is a WAL database holding the two rows. */
    char mode[16];
    raw_query(f->path, "PRAGMA journal_mode", mode, sizeof mode);
    assert_string_equal(mode, "wal");
    assert_int_equal(raw_count(f->path, "user_id = '42'"), 2);
    assert_int_equal(raw_count(f->path, "id = 'tok-1' AND length(data) = 0"
                                        " AND typeof(data) = 'blob'"),
                     1);

    s = open_store(f->path, 1000);
    got g = {0};
    assert_int_equal(load(&s, "sess-1", T0, &g), CLOGIN_OK);
    assert_same(&g, "sess-1", &session);
    assert_int_equal(load(&s, "tok-1", T0, &g), CLOGIN_OK);
    assert_same(&g, "tok-1", &token);
    id_list l;
    assert_int_equal(list(&s, "42", T0, &l), CLOGIN_OK);
    assert_string_equal(l.text, "sess-1 tok-1");
    got_free(&g);
    clogin_store_close(&s);

    /* Through SESSION_STORE's syntax too. */
    char spec[160];
    snprintf(spec, sizeof spec, "sqlite:%s", f->path);
    clogin_store_options o = CLOGIN_STORE_OPTIONS_INIT;
    char err[CLOGIN_STORE_ERRLEN];
    assert_int_equal(clogin_store_open(spec, &o, &s, err), CLOGIN_OK);
    assert_string_equal(err, "");
    assert_int_equal(load(&s, "sess-1", T0, &g), CLOGIN_OK);
    assert_same(&g, "sess-1", &session);
    got_free(&g);
    clogin_store_close(&s);
}

static void test_two_handles_share_one_file(void **state) {
    fixture *f = *state;
    clogin_store a = open_store(f->path, 1000), b = open_store(f->path, 1000);
    clogin_store_record r = make(CLOGIN_STORE_SESSION, "7", "{}", 2, T0 + 600);
    got g = {0};
    id_list l;

    assert_int_equal(save(&a, "s1", &r), CLOGIN_OK);
    assert_int_equal(save(&a, "s2", &r), CLOGIN_OK);
    assert_int_equal(save(&a, "s3", &r), CLOGIN_OK);
    assert_int_equal(load(&b, "s1", T0, &g), CLOGIN_OK);
    assert_same(&g, "s1", &r);

    /* b's touch is a's next load */
    assert_int_equal(b.ops->touch(b.self, "s1", T0 + 5, T0 + 900), CLOGIN_OK);
    assert_int_equal(load(&a, "s1", T0, &g), CLOGIN_OK);
    assert_int_equal(g.last_seen, T0 + 5);
    assert_int_equal(g.expires, T0 + 900);

    /* a's remove_user is b's next list */
    const char *keep[] = {"s2"};
    size_t removed = 99;
    assert_int_equal(a.ops->remove_user(a.self, "7", keep, 1, &removed),
                     CLOGIN_OK);
    assert_int_equal(removed, 2);
    assert_int_equal(list(&b, "7", T0, &l), CLOGIN_OK);
    assert_string_equal(l.text, "s2");

    assert_int_equal(b.ops->remove(b.self, "s2"), CLOGIN_OK);
    assert_int_equal(load(&a, "s2", T0, &g), CLOGIN_ENOTFOUND);
    assert_int_equal(g.calls, 0);
    got_free(&g);
    clogin_store_close(&a);
    clogin_store_close(&b);
}

/* ---- several processes ---- */

#define PARENT_ROWS 50
#define CHILD_ROWS 300

static clogin_store_record numbered(const char *user_id, char *data,
                                    size_t size, int i) {
    int n = snprintf(data, size, "%s-row-%d", user_id, i);
    return make(CLOGIN_STORE_SESSION, user_id, data, (size_t)n, T0 + 3600);
}

/* The child: checks it sees the parent's rows, writes half of its own, waits
 * until the parent has seen them, writes the rest. Its exit status says
 * which step failed. */
static int child(const char *path, int to_parent, int from_parent) {
    clogin_store s;
    if (clogin__store_sqlite_open(path, 5000, &s, NULL) != CLOGIN_OK)
        return 10;
    int code = 0;
    got g = {0};
    char id[32], data[64];
    for (int i = 0; i < PARENT_ROWS && !code; i++) {
        snprintf(id, sizeof id, "p-%d", i);
        clogin_store_record want = numbered("parent", data, sizeof data, i);
        if (load(&s, id, T0, &g) != CLOGIN_OK || g.data_len != want.data_len ||
            memcmp(g.data, want.data, want.data_len) != 0)
            code = 11;
    }
    got_free(&g);
    char ack = 0;
    for (int i = 0; i < CHILD_ROWS && !code; i++) {
        if (i == CHILD_ROWS / 2 &&
            (write(to_parent, "h", 1) != 1 || read(from_parent, &ack, 1) != 1 ||
             ack != 'g'))
            code = 12;
        snprintf(id, sizeof id, "c-%d", i);
        clogin_store_record r = numbered("child", data, sizeof data, i);
        if (!code && save(&s, id, &r) != CLOGIN_OK)
            code = 13;
    }
    clogin_store_close(&s);
    return code;
}

typedef struct child_rows {
    int count;
    int bad; /* rows whose data is not their id's */
} child_rows;

static void check_child_row(void *ctx, const char *id,
                            const clogin_store_record *r) {
    child_rows *c = ctx;
    char data[64];
    int i = atoi(id + 2);
    int n = snprintf(data, sizeof data, "child-row-%d", i);
    if (strncmp(id, "c-", 2) != 0 || r->data_len != (size_t)n ||
        memcmp(r->data, data, (size_t)n) != 0)
        c->bad++;
    c->count++;
}

static void test_processes_share_one_file(void **state) {
    fixture *f = *state;
    char id[32], data[64];
    /* Written and closed before fork(): a child must never use a
     * connection its parent opened. */
    clogin_store s = open_store(f->path, 5000);
    for (int i = 0; i < PARENT_ROWS; i++) {
        snprintf(id, sizeof id, "p-%d", i);
        clogin_store_record r = numbered("parent", data, sizeof data, i);
        assert_int_equal(save(&s, id, &r), CLOGIN_OK);
    }
    clogin_store_close(&s);

    int up[2], down[2];
    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(down), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(up[0]);
        close(down[1]);
        _exit(child(f->path, up[1], down[0]));
    }
    close(up[1]);
    close(down[0]);

    s = open_store(f->path, 5000);
    child_rows c = {0};
    char half = 0;
    assert_int_equal(read(up[0], &half, 1), 1);
    assert_int_equal(half, 'h');
    /* The child is alive, its store open, and has written exactly half. */
    assert_int_equal(s.ops->list_user(s.self, "child", T0, check_child_row, &c),
                     CLOGIN_OK);
    assert_int_equal(c.count, CHILD_ROWS / 2);
    assert_int_equal(c.bad, 0);
    assert_int_equal(write(down[1], "g", 1), 1);

    /* Both processes write while this one reads. */
    int status = 0, rounds = 0, last = CHILD_ROWS / 2;
    pid_t done = 0;
    while ((done = waitpid(pid, &status, WNOHANG)) == 0) {
        snprintf(id, sizeof id, "q-%d", rounds);
        clogin_store_record r =
            numbered("parent2", data, sizeof data, rounds++);
        assert_int_equal(save(&s, id, &r), CLOGIN_OK);
        c = (child_rows){0};
        assert_int_equal(
            s.ops->list_user(s.self, "child", T0, check_child_row, &c),
            CLOGIN_OK);
        assert_int_equal(c.bad, 0);
        assert_true(c.count >= last &&
                    c.count <= CHILD_ROWS); /* never goes back */
        last = c.count;
    }
    assert_int_equal(done, pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    c = (child_rows){0};
    assert_int_equal(s.ops->list_user(s.self, "child", T0, check_child_row, &c),
                     CLOGIN_OK);
    assert_int_equal(c.count, CHILD_ROWS);
    assert_int_equal(c.bad, 0);
    assert_int_equal(raw_count(f->path, "user_id = 'parent2'"), rounds);
    clogin_store_close(&s);
    close(up[0]);
    close(down[1]);
}

/* ---- locks held elsewhere ---- */

static void test_lock_held_elsewhere(void **state) {
    fixture *f = *state;
    clogin_store s = open_store(f->path, 100);
    clogin_store_record before =
        make(CLOGIN_STORE_SESSION, "9", "{\"n\":1}", 7, T0 + 600);
    clogin_store_record after =
        make(CLOGIN_STORE_SESSION, "9", "{\"n\":2}", 7, T0 + 700);
    assert_int_equal(save(&s, "a", &before), CLOGIN_OK);
    assert_int_equal(save(&s, "b", &before), CLOGIN_OK);
    got g = {0};
    id_list l;
    struct timespec t0;

    /* A writer elsewhere, in the middle of a change: every write waits for
     * the timeout, then gives up; readers go on (WAL: BEGIN EXCLUSIVE keeps
     * out writers only) and see the data as it was. */
    sqlite3 *locker = raw_open(f->path);
    raw_exec(locker,
             "BEGIN EXCLUSIVE; UPDATE clogin_sessions SET data = x'00'");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(save(&s, "a", &after), CLOGIN_EUNAVAILABLE);
    double waited = ms_since(&t0);
    assert_true(waited >= 90);  /* it did wait for the lock */
    assert_true(waited < 3000); /* and gave up about when told */
    assert_int_equal(s.ops->touch(s.self, "a", T0, T0 + 900),
                     CLOGIN_EUNAVAILABLE);
    assert_int_equal(s.ops->remove(s.self, "a"), CLOGIN_EUNAVAILABLE);
    size_t removed = 99;
    assert_int_equal(s.ops->remove_user(s.self, "9", NULL, 0, &removed),
                     CLOGIN_EUNAVAILABLE);
    assert_int_equal(removed, 0);
    assert_int_equal(load(&s, "a", T0, &g), CLOGIN_OK);
    assert_same(&g, "a", &before);
    assert_int_equal(list(&s, "9", T0, &l), CLOGIN_OK);
    assert_string_equal(l.text, "a b");
    raw_exec(locker, "ROLLBACK");
    sqlite3_close(locker);

    /* Released: nothing was half written, and everything works again. */
    assert_int_equal(load(&s, "a", T0, &g), CLOGIN_OK);
    assert_same(&g, "a", &before);
    assert_int_equal(
        raw_count(f->path, "user_id = '9' AND expires = 1700000600"), 2);
    assert_int_equal(save(&s, "a", &after), CLOGIN_OK);
    assert_int_equal(load(&s, "a", T0, &g), CLOGIN_OK);
    assert_same(&g, "a", &after);
    assert_int_equal(s.ops->touch(s.self, "b", T0, T0 + 900), CLOGIN_OK);
    assert_int_equal(s.ops->remove_user(s.self, "9", NULL, 0, &removed),
                     CLOGIN_OK);
    assert_int_equal(removed, 2);
    got_free(&g);
    clogin_store_close(&s);
}

/* A connection in exclusive locking mode keeps every other one out, readers
 * too; as an idle connection of the store holds a shared lock on a WAL file,
 * it can only have taken its lock first, so the store's open waits. */
static void test_exclusive_locking_mode_at_open(void **state) {
    fixture *f = *state;
    clogin_store s = open_store(f->path, 100);
    clogin_store_record r = make(CLOGIN_STORE_SESSION, "9", "{}", 2, T0 + 600);
    assert_int_equal(save(&s, "a", &r), CLOGIN_OK);
    clogin_store_close(&s);

    sqlite3 *locker = raw_open(f->path);
    raw_exec(locker, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE");
    char err[CLOGIN_STORE_ERRLEN], want[512];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(clogin__store_sqlite_open(f->path, 100, &s, err),
                     CLOGIN_EUNAVAILABLE);
    double waited = ms_since(&t0);
    assert_true(waited >= 90 && waited < 3000);
    snprintf(want, sizeof want,
             "cannot use \"%s\" as the session database: database is "
             "locked",
             f->path);
    assert_string_equal(err, want);
    assert_null(s.ops);
    sqlite3_close(locker);

    s = open_store(f->path, 100);
    got g = {0};
    assert_int_equal(load(&s, "a", T0, &g), CLOGIN_OK);
    assert_same(&g, "a", &r);
    got_free(&g);
    clogin_store_close(&s);
}

/* The table dropped under the store: operations fail, their connections are
 * dropped, and once the table is back the store works again. */
static void test_recovers_when_the_table_is_back(void **state) {
    fixture *f = *state;
    clogin_store s = open_store(f->path, 100);
    clogin_store_record r = make(CLOGIN_STORE_SESSION, "5", "{}", 2, T0 + 600);
    assert_int_equal(save(&s, "x", &r), CLOGIN_OK);
    char schema[1024];
    raw_query(f->path,
              "SELECT group_concat(sql, ';') FROM sqlite_master WHERE sql IS "
              "NOT NULL",
              schema, sizeof schema);

    sqlite3 *db = raw_open(f->path);
    raw_exec(db, "DROP TABLE clogin_sessions");
    got g = {0};
    assert_int_equal(load(&s, "x", T0, &g), CLOGIN_EUNAVAILABLE);
    assert_int_equal(save(&s, "x", &r), CLOGIN_EUNAVAILABLE);
    assert_int_equal(s.ops->remove(s.self, "x"), CLOGIN_EUNAVAILABLE);

    raw_exec(db, schema);
    sqlite3_close(db);
    assert_int_equal(load(&s, "x", T0, &g), CLOGIN_ENOTFOUND);
    assert_int_equal(save(&s, "x", &r), CLOGIN_OK);
    assert_int_equal(load(&s, "x", T0, &g), CLOGIN_OK);
    assert_same(&g, "x", &r);
    got_free(&g);
    clogin_store_close(&s);
}

/* Removes a database file with its WAL and shared-memory files. */
static void remove_db(const char *path) {
    char p[256];
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    assert_int_equal(unlink(path), 0);
}

/* The files deleted under the store, then a copy put back: meanwhile every
 * operation is unavailable (and no empty database is made at the path);
 * afterwards they use the file at the path, not the deleted one. */
static void test_recovers_when_the_file_is_back(void **state) {
    fixture *f = *state;
    char copy[160];
    snprintf(copy, sizeof copy, "%s/copy.db", f->dir);
    clogin_store_record r = make(CLOGIN_STORE_SESSION, "6", "{}", 2, T0 + 600);
    clogin_store c = open_store(copy, 100);
    assert_int_equal(save(&c, "in-copy", &r), CLOGIN_OK);
    clogin_store_close(&c); /* its WAL is folded back: copy.db is whole */

    clogin_store s = open_store(f->path, 100);
    assert_int_equal(save(&s, "x", &r), CLOGIN_OK);
    got g = {0};
    remove_db(f->path);
    /* a read first: SQLite itself would only notice at the next write */
    assert_int_equal(load(&s, "x", T0, &g), CLOGIN_EUNAVAILABLE);
    assert_int_equal(save(&s, "y", &r), CLOGIN_EUNAVAILABLE);
    assert_int_equal(access(f->path, F_OK), -1);

    assert_int_equal(rename(copy, f->path), 0);
    assert_int_equal(load(&s, "in-copy", T0, &g), CLOGIN_OK);
    assert_same(&g, "in-copy", &r);
    assert_int_equal(load(&s, "x", T0, &g), CLOGIN_ENOTFOUND);
    assert_int_equal(save(&s, "y", &r), CLOGIN_OK);
    assert_int_equal(raw_count(f->path, "id IN ('in-copy', 'y')"), 2);

    /* Replaced while in use, as restoring a backup does. */
    c = open_store(copy, 100);
    assert_int_equal(save(&c, "in-second-copy", &r), CLOGIN_OK);
    clogin_store_close(&c);
    remove_db(f->path);
    assert_int_equal(rename(copy, f->path), 0);
    /* Another process writes to the new file first: its WAL must survive
     * the store dropping its connection to the old one. */
    sqlite3 *other = raw_open(f->path);
    raw_exec(other, "INSERT INTO clogin_sessions VALUES "
                    "('by-other', 0, '6', x'7b7d', 0, 0, 1700000600, '', '')");
    assert_int_equal(load(&s, "y", T0, &g), CLOGIN_ENOTFOUND);
    assert_int_equal(load(&s, "in-second-copy", T0, &g), CLOGIN_OK);
    assert_int_equal(load(&s, "by-other", T0, &g), CLOGIN_OK);
    assert_string_equal(g.data, "{}");
    assert_int_equal(save(&s, "z", &r), CLOGIN_OK);
    got_free(&g);
    clogin_store_close(&s);
    sqlite3_close(other);
    assert_int_equal(
        raw_count(f->path, "id IN ('in-second-copy', 'by-other', 'z')"), 3);
    assert_int_equal(raw_count(f->path, "1"), 3);
}

/* ---- opening ---- */

static void expect_refused(const char *path, int timeout_ms, clogin_status want,
                           const char *sentence) {
    static const clogin_store_ops dummy;
    clogin_store s = {&dummy, &s}; /* must be cleared on failure */
    char err[CLOGIN_STORE_ERRLEN];
    assert_int_equal(clogin__store_sqlite_open(path, timeout_ms, &s, err),
                     want);
    assert_string_equal(err, sentence);
    assert_null(s.ops);
    assert_null(s.self);
}

static void test_unusable_files_are_refused(void **state) {
    fixture *f = *state;
    char path[256], want[512];

    expect_refused(
        "/nonexistent-clogin-dir/sessions.db", 1000, CLOGIN_ECONFIG,
        "cannot use \"/nonexistent-clogin-dir/sessions.db\" as the session "
        "database: unable to open database file (No such file or directory)");

    snprintf(want, sizeof want,
             "cannot use \"%s\" as the session database: unable to "
             "open database file (Is a directory)",
             f->dir);
    expect_refused(f->dir, 1000, CLOGIN_ECONFIG, want);

    snprintf(path, sizeof path, "%s/notes.txt", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 100; i++)
        fputs("these are notes, not a database\n", fp);
    fclose(fp);
    snprintf(want, sizeof want,
             "cannot use \"%s\" as the session database: file is not "
             "a database",
             path);
    expect_refused(path, 1000, CLOGIN_ECONFIG, want);

    expect_refused(
        ":memory:", 1000, CLOGIN_ECONFIG,
        "cannot use \":memory:\" as the session database: it cannot be shared "
        "in WAL mode (journal mode \"memory\")");

    /* A table of that name with other columns. */
    snprintf(path, sizeof path, "%s/other.db", f->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    raw_exec(
        db, "CREATE TABLE clogin_sessions (id TEXT PRIMARY KEY, payload TEXT)");
    sqlite3_close(db);
    snprintf(want, sizeof want,
             "cannot use \"%s\" as the session database: its table "
             "clogin_sessions has other columns (no such column: ",
             path);
    clogin_store s;
    char err[CLOGIN_STORE_ERRLEN];
    assert_int_equal(clogin__store_sqlite_open(path, 1000, &s, err),
                     CLOGIN_ECONFIG);
    assert_memory_equal(err, want,
                        strlen(want)); /* then the column SQLite met first */
    assert_int_equal(err[strlen(err) - 1], ')');

    expect_refused("", 1000, CLOGIN_ECONFIG,
                   "the sqlite store needs the path of its database file");
    expect_refused(f->path, 0, CLOGIN_ECONFIG,
                   "the sqlite store's timeout must be positive");
    assert_int_equal(access(f->path, F_OK), -1); /* nothing created */

    /* A directory it may not write in (root may write anywhere). */
    if (geteuid() != 0) {
        snprintf(path, sizeof path, "%s/ro", f->dir);
        assert_int_equal(mkdir(path, 0500), 0);
        snprintf(path, sizeof path, "%s/ro/sessions.db", f->dir);
        snprintf(want, sizeof want,
                 "cannot use \"%s\" as the session database: unable to "
                 "open database file (Permission denied)",
                 path);
        expect_refused(path, 1000, CLOGIN_ECONFIG, want);
    }
    /* err may be NULL */
    assert_int_equal(clogin__store_sqlite_open(":memory:", 1000, &s, NULL),
                     CLOGIN_ECONFIG);
}

/* ---- expiry ---- */

static void test_expired_rows_are_never_returned(void **state) {
    fixture *f = *state;
    clogin_store s = open_store(f->path, 1000);
    clogin_store_record live =
        make(CLOGIN_STORE_SESSION, "3", "live", 4, T0 + 100);
    clogin_store_record soon =
        make(CLOGIN_STORE_REMEMBER, "3", "soon", 4, T0 + 50);
    clogin_store_record dead = make(CLOGIN_STORE_SESSION, "3", "dead", 4, T0);
    assert_int_equal(save(&s, "live", &live), CLOGIN_OK);
    assert_int_equal(save(&s, "soon", &soon), CLOGIN_OK);
    assert_int_equal(save(&s, "dead", &dead), CLOGIN_OK);
    got g = {0};
    id_list l;

    assert_int_equal(load(&s, "dead", T0, &g),
                     CLOGIN_ENOTFOUND); /* expires == now */
    assert_int_equal(load(&s, "dead", T0 - 1, &g), CLOGIN_OK);
    assert_same(&g, "dead", &dead);
    assert_int_equal(list(&s, "3", T0, &l), CLOGIN_OK);
    assert_string_equal(l.text, "live soon");
    assert_int_equal(list(&s, "3", T0 + 50, &l), CLOGIN_OK);
    assert_string_equal(l.text, "live");
    assert_int_equal(load(&s, "live", T0 + 100, &g), CLOGIN_ENOTFOUND);
    assert_int_equal(list(&s, "3", T0 + 100, &l), CLOGIN_OK);
    assert_int_equal(l.count, 0);

    /* touch does not bring an expired row back */
    assert_int_equal(s.ops->touch(s.self, "dead", T0, T0 + 1000),
                     CLOGIN_ENOTFOUND);
    assert_int_equal(load(&s, "dead", T0 - 1, &g), CLOGIN_OK);
    assert_int_equal(g.expires, T0);
    assert_int_equal(s.ops->touch(s.self, "soon", T0 + 49, T0 + 1000),
                     CLOGIN_OK);
    assert_int_equal(load(&s, "soon", T0 + 999, &g), CLOGIN_OK);
    assert_int_equal(g.last_seen, T0 + 49);

    /* Purged on the 500th save of this store (3 so far, 1 touch is none):
     * rows expired by the saver's clock go, even "live" which the wall
     * clock alone would have judged expired stays. */
    clogin_store_record filler =
        make(CLOGIN_STORE_SESSION, "4", "f", 1, T0 + 100);
    filler.last_seen = T0 + 20;
    char id[32];
    for (int i = 3; i < PURGE_EVERY - 1; i++) {
        snprintf(id, sizeof id, "f-%d", i);
        assert_int_equal(save(&s, id, &filler), CLOGIN_OK);
    }
    assert_int_equal(raw_count(f->path, "id = 'dead'"), 1);
    assert_int_equal(save(&s, "last", &filler), CLOGIN_OK);
    assert_int_equal(raw_count(f->path, "id = 'dead'"), 0);
    assert_int_equal(raw_count(f->path, "1"), PURGE_EVERY - 1);
    assert_int_equal(list(&s, "3", T0, &l), CLOGIN_OK);
    assert_string_equal(l.text, "live soon");
    got_free(&g);
    clogin_store_close(&s);
}

/* remove_user with more ids to keep than the store caches a statement for. */
static void test_remove_user_keeps_many(void **state) {
    fixture *f = *state;
    clogin_store s = open_store(f->path, 1000);
    clogin_store_record r = make(CLOGIN_STORE_SESSION, "8", "{}", 2, T0 + 600);
    char id[16];
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "k%d", i);
        r.created = T0 + i;
        assert_int_equal(save(&s, id, &r), CLOGIN_OK);
    }
    const char *keep[] = {"k1", "k3", "k4", "k6", "k9", "not-there", "k1"};
    size_t removed = 0;
    id_list l;
    assert_int_equal(s.ops->remove_user(s.self, "8", keep, 7, &removed),
                     CLOGIN_OK);
    assert_int_equal(removed, 5);
    assert_int_equal(list(&s, "8", T0, &l), CLOGIN_OK);
    assert_string_equal(l.text, "k1 k3 k4 k6 k9");
    assert_int_equal(s.ops->remove_user(s.self, "8", keep, 2, &removed),
                     CLOGIN_OK);
    assert_int_equal(removed, 3);
    assert_int_equal(list(&s, "8", T0, &l), CLOGIN_OK);
    assert_string_equal(l.text, "k1 k3");
    assert_int_equal(s.ops->remove_user(s.self, "8", NULL, 0, NULL), CLOGIN_OK);
    assert_int_equal(raw_count(f->path, "1"), 0);
    clogin_store_close(&s);
}

/* ---- threads ---- */

#define THREADS 4
#define ROUNDS 500

typedef struct worker {
    clogin_store *store;
    int index;
    int live; /* rows of its user it expects */
    long failures;
    char first_failure[160];
} worker;

#define CHECK(w, cond, ...)                                                    \
    do {                                                                       \
        if (!(cond) && (w)->failures++ == 0)                                   \
            snprintf((w)->first_failure, sizeof(w)->first_failure,             \
                     __VA_ARGS__);                                             \
    } while (0)

/* The shared row: every field says which thread and round wrote it, so a
 * row mixing two writes shows. */
static void check_shared(void *ctx, const char *id,
                         const clogin_store_record *r) {
    worker *w = ctx;
    char data[64];
    int n = snprintf(data, sizeof data, "shared by %s", r->user_id);
    CHECK(w,
          strcmp(id, "shared") == 0 && r->data_len == (size_t)n &&
              memcmp(r->data, data, (size_t)n) == 0 &&
              strcmp(r->remote_addr, r->user_id) == 0,
          "torn shared row: %s / %s", r->user_id, r->remote_addr);
}

static void *work(void *arg) {
    worker *w = arg;
    clogin_store *s = w->store;
    char user[16], id[32], data[64], other[32];
    snprintf(user, sizeof user, "user-%d", w->index);
    got g = {0};
    id_list l;
    for (int i = 0; i < ROUNDS; i++) {
        snprintf(id, sizeof id, "t%d-%d", w->index, i);
        int n = snprintf(data, sizeof data, "{\"t\":%d,\"i\":%d}", w->index, i);
        clogin_store_record r =
            make(CLOGIN_STORE_SESSION, user, data, (size_t)n, T0 + 1000 + i);
        CHECK(w, save(s, id, &r) == CLOGIN_OK, "save %s", id);
        w->live++;
        CHECK(w,
              load(s, id, T0, &g) == CLOGIN_OK && g.data_len == (size_t)n &&
                  memcmp(g.data, data, (size_t)n) == 0 &&
                  g.expires == T0 + 1000 + i,
              "load %s", id);
        if (i % 3 == 0) {
            CHECK(w, s->ops->touch(s->self, id, T0 + 1, T0 + 5000) == CLOGIN_OK,
                  "touch %s", id);
            CHECK(w,
                  load(s, id, T0, &g) == CLOGIN_OK && g.expires == T0 + 5000 &&
                      g.last_seen == T0 + 1,
                  "touched %s", id);
        }
        if (i % 5 == 4) { /* the previous round's row goes */
            snprintf(other, sizeof other, "t%d-%d", w->index, i - 1);
            CHECK(w, s->ops->remove(s->self, other) == CLOGIN_OK, "remove %s",
                  other);
            CHECK(w, load(s, other, T0, &g) == CLOGIN_ENOTFOUND, "removed %s",
                  other);
            w->live--;
        }
        if (i % 2 == 0) {
            char who[16];
            snprintf(who, sizeof who, "w%d.%d", w->index, i);
            n = snprintf(data, sizeof data, "shared by %s", who);
            clogin_store_record sr =
                make(CLOGIN_STORE_SESSION, who, data, (size_t)n, T0 + 60);
            sr.remote_addr = who;
            CHECK(w, save(s, "shared", &sr) == CLOGIN_OK, "save shared");
            CHECK(w,
                  s->ops->load(s->self, "shared", T0, check_shared, w) ==
                      CLOGIN_OK,
                  "load shared");
        }
        if (i % 50 == 49) {
            CHECK(w, list(s, user, T0, &l) == CLOGIN_OK && l.count == w->live,
                  "list %s: %d, want %d", user, l.count, w->live);
        }
    }
    got_free(&g);
    return NULL;
}

static void test_threads_share_one_store(void **state) {
    fixture *f = *state;
    clogin_store s = open_store(f->path, 10000);
    worker w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.store = &s, .index = i};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        if (w[i].failures)
            fail_msg("thread %d: %ld failures, first: %s", i, w[i].failures,
                     w[i].first_failure);
        /* 500 saved, 100 removed */
        assert_int_equal(w[i].live, ROUNDS - ROUNDS / 5);
        char user[16], last[32];
        snprintf(user, sizeof user, "user-%d", i);
        snprintf(last, sizeof last, "t%d-%d", i, ROUNDS - 1);
        const char *keep[] = {last};
        size_t removed = 0;
        assert_int_equal(s.ops->remove_user(s.self, user, keep, 1, &removed),
                         CLOGIN_OK);
        assert_int_equal(removed, (size_t)w[i].live - 1);
        id_list l;
        assert_int_equal(list(&s, user, T0, &l), CLOGIN_OK);
        assert_string_equal(l.text, last);
    }
    assert_int_equal(raw_count(f->path, "id = 'shared'"), 1);
    clogin_store_close(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_records_outlive_the_store),
        T(test_two_handles_share_one_file),
        T(test_processes_share_one_file),
        T(test_lock_held_elsewhere),
        T(test_exclusive_locking_mode_at_open),
        T(test_recovers_when_the_table_is_back),
        T(test_recovers_when_the_file_is_back),
        T(test_unusable_files_are_refused),
        T(test_expired_rows_are_never_returned),
        T(test_remove_user_keeps_many),
        T(test_threads_share_one_store),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
