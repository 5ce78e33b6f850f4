/* The SQLite session store: one database file shared by the threads and
 * processes of one host.
 *
 * WAL lets readers go on beside the one writer, and a lock held elsewhere is
 * waited for up to timeout_ms (SQLite's busy timeout), after which the
 * operation gives up with CLOGIN_EUNAVAILABLE. Every operation is a single
 * statement in autocommit mode, so SQLite's atomic commit is what keeps a
 * failed write from leaving anything half done. Threads share a small pool of
 * connections; each is used by one thread at a time (SQLITE_OPEN_NOMUTEX)
 * and keeps its statements prepared. */
#define _POSIX_C_SOURCE 200809L /* strerror_r */

#include "internal.h"
#include "store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    POOL_IDLE_MAX = 4, /* idle connections kept; a busier moment's extra
                          ones are closed when given back */
    PURGE_EVERY = 500, /* saves between two deletions of expired rows */
    KEEP_CACHED = 4    /* remove_user keeps up to this many ids with a
                          cached statement; more get a one-off one */
};

/* The table is an ordinary rowid table rather than WITHOUT ROWID: a row
 * carries the session's JSON, often larger than the twentieth of a page
 * past which SQLite advises against WITHOUT ROWID (whole rows would sit in
 * the B-tree's interior pages). */
static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS clogin_sessions ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " kind INTEGER NOT NULL,"
    " user_id TEXT NOT NULL,"
    " data BLOB NOT NULL,"
    " created INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " remote_addr TEXT NOT NULL,"
    " user_agent TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS clogin_sessions_user"
    " ON clogin_sessions (user_id);"
    "CREATE INDEX IF NOT EXISTS clogin_sessions_expires"
    " ON clogin_sessions (expires);";

#define COLUMNS                                                                \
    "kind, user_id, data, created, last_seen, expires,"                        \
    " remote_addr, user_agent"

enum {
    Q_LOAD,
    Q_SAVE,
    Q_TOUCH,
    Q_REMOVE,
    Q_LIST,
    Q_PURGE,
    Q_REMOVE_USER, /* then one per keep count, 0 to KEEP_CACHED */
    Q_COUNT = Q_REMOVE_USER + KEEP_CACHED + 1
};

static const char *const fixed_sql[Q_REMOVE_USER] = {
    [Q_LOAD] = "SELECT " COLUMNS " FROM clogin_sessions"
               " WHERE id = ?1 AND expires > ?2",
    [Q_SAVE] = "INSERT OR REPLACE INTO clogin_sessions (id, " COLUMNS ")"
               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    /* touch has no now of its own: the new last_seen is the caller's now */
    [Q_TOUCH] = "UPDATE clogin_sessions SET last_seen = ?2, expires = ?3"
                " WHERE id = ?1 AND expires > ?2",
    [Q_REMOVE] = "DELETE FROM clogin_sessions WHERE id = ?1",
    [Q_LIST] = "SELECT id, " COLUMNS " FROM clogin_sessions"
               " WHERE user_id = ?1 AND expires > ?2 ORDER BY created, id",
    [Q_PURGE] = "DELETE FROM clogin_sessions WHERE expires <= ?1",
};

typedef struct conn {
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT]; /* prepared on first use */
    struct conn *next;        /* in the idle list */
} conn;

typedef struct sqlite_store {
    char *path;
    int timeout_ms;
    pthread_mutex_t lock; /* guards idle and idle_count */
    conn *idle;           /* a stack: the warmest connection goes out first */
    size_t idle_count;
    atomic_uint saves; /* counts saves, to purge every PURGE_EVERY */
} sqlite_store;

static void say(char *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(char *err, const char *fmt, ...) {
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, CLOGIN_STORE_ERRLEN, fmt, ap);
    va_end(ap);
}

/* ---- result codes ---- */

static int succeeded(int rc) {
    return rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* A lock held by another connection: waiting longer could have helped, the
 * connection itself is fine. */
static int busy(int rc) {
    return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

/* An operation's status. Whatever else failed (I/O, a full disk, a corrupt
 * or vanished file) is the store being unavailable. */
static clogin_status op_status(int rc) {
    if (succeeded(rc))
        return CLOGIN_OK;
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        return CLOGIN_ENOMEM;
    case SQLITE_TOOBIG:
        return CLOGIN_ETOOLARGE;
    default:
        return CLOGIN_EUNAVAILABLE;
    }
}

/* At open, a file that cannot be used at all (no such directory, not a
 * database, read-only) is a configuration error; a lock or an I/O error
 * may pass. */
static clogin_status open_status(int rc) {
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        return CLOGIN_ENOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_PROTOCOL:
        return CLOGIN_EUNAVAILABLE;
    default:
        return CLOGIN_ECONFIG;
    }
}

/* "cannot use "PATH" as the session database: WHY", with the system's
 * reason when SQLite's alone ("unable to open database file") says little. */
static void describe(char *err, const char *path, sqlite3 *db, int rc) {
    if (!err)
        return;
    char why[80] = "";
    int e = db ? sqlite3_system_errno(db) : 0;
    if ((rc & 0xff) == SQLITE_CANTOPEN && e &&
        strerror_r(e, why, sizeof why) != 0)
        why[0] = '\0';
    say(err, "cannot use \"%.120s\" as the session database: %s%s%s%s", path,
        db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), why[0] ? " (" : "", why,
        why[0] ? ")" : "");
}

/* ---- connections ---- */

static void conn_close(conn *c) {
    if (!c)
        return;
    for (size_t i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(c->q[i]);
    sqlite3_close(c->db);
    free(c);
}

/* Only the first connection may create the file: one opened later for a
 * file that has vanished must fail (and be retried next time), not start
 * an empty database without the table. */
static int conn_open(const sqlite_store *s, int create, conn **out, char *err) {
    *out = NULL;
    conn *c = calloc(1, sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(s->path, &c->db, flags, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_extended_result_codes(c->db, 1);
        rc = sqlite3_busy_timeout(c->db, s->timeout_ms);
    }
    /* In WAL mode NORMAL syncs at checkpoints only: a power cut may lose
     * the last commits, never consistency. */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c->db, "PRAGMA synchronous = NORMAL", NULL, NULL,
                          NULL);
    if (rc != SQLITE_OK) {
        describe(err, s->path, c->db, rc);
        conn_close(c);
        return rc;
    }
    *out = c;
    return SQLITE_OK;
}

/* The SQL of remove_user for keep_count ids; malloc'd, NULL without memory. */
static char *remove_user_sql(size_t keep_count) {
    clogin__buf b = {0};
    static const char head[] = "DELETE FROM clogin_sessions WHERE user_id = ?1";
    clogin__buf_append(&b, head, sizeof head - 1);
    for (size_t i = 0; i < keep_count; i++) {
        char n[32];
        int len = snprintf(n, sizeof n, "%s?%zu", i ? ", " : " AND id NOT IN (",
                           i + 2);
        clogin__buf_append(&b, n, (size_t)len);
    }
    if (keep_count)
        clogin__buf_putc(&b, ')');
    char *sql = NULL;
    if (clogin__buf_finish(&b, &sql, NULL) != CLOGIN_OK)
        return NULL;
    return sql;
}

static int prepare(sqlite3 *db, const char *sql, unsigned flags,
                   sqlite3_stmt **out) {
    return sqlite3_prepare_v3(db, sql, -1, flags, out, NULL);
}

/* The connection's statement number i, prepared now if it is the first use. */
static int stmt(conn *c, int i, sqlite3_stmt **out) {
    *out = NULL;
    if (!c->q[i]) {
        int rc;
        if (i < Q_REMOVE_USER) {
            rc = prepare(c->db, fixed_sql[i], SQLITE_PREPARE_PERSISTENT,
                         &c->q[i]);
        } else {
            char *sql = remove_user_sql((size_t)(i - Q_REMOVE_USER));
            if (!sql)
                return SQLITE_NOMEM;
            rc = prepare(c->db, sql, SQLITE_PREPARE_PERSISTENT, &c->q[i]);
            free(sql);
        }
        if (rc != SQLITE_OK)
            return rc;
    }
    *out = c->q[i];
    return SQLITE_OK;
}

/* An idle connection whose file is no longer the one at the path (deleted,
 * or replaced by a restored copy) would go on using the old one unnoticed:
 * WAL mode reports no error for that. Closing it is safe: SQLite skips the
 * last close's checkpoint, which deletes the WAL by name, for a moved file. */
static int moved(conn *c) {
    int moved = 0;
    return sqlite3_file_control(c->db, "main", SQLITE_FCNTL_HAS_MOVED,
                                &moved) == SQLITE_OK &&
           moved;
}

static clogin_status take(sqlite_store *s, conn **out) {
    conn *c;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        c = s->idle;
        if (c) {
            s->idle = c->next;
            s->idle_count--;
        }
        pthread_mutex_unlock(&s->lock);
        if (!c || !moved(c))
            break;
        conn_close(c);
    }
    if (!c) {
        int rc = conn_open(s, 0, &c, NULL);
        if (rc != SQLITE_OK)
            return op_status(rc);
    }
    c->next = NULL;
    *out = c;
    return CLOGIN_OK;
}

/* Back to the pool after an operation that ended with rc. A connection that
 * failed for any reason but a lock held elsewhere (or a value too big) may
 * be broken (I/O error, a corrupt page, the table dropped), so it is closed
 * and a fresh one is opened next time: that is how the store recovers once
 * the database is back. One left inside a transaction is closed too, which
 * rolls it back. */
static void give_back(sqlite_store *s, conn *c, int rc) {
    if ((!succeeded(rc) && !busy(rc) && (rc & 0xff) != SQLITE_TOOBIG) ||
        !sqlite3_get_autocommit(c->db)) {
        conn_close(c);
        return;
    }
    pthread_mutex_lock(&s->lock);
    if (s->idle_count < POOL_IDLE_MAX) {
        c->next = s->idle;
        s->idle = c;
        s->idle_count++;
        c = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    conn_close(c);
}

/* Ends an operation: the statement lets go of its row and of the caller's
 * strings bound to it, the connection goes back, and rc becomes a status. */
static clogin_status finish(sqlite_store *s, conn *c, sqlite3_stmt *q, int rc) {
    if (q) {
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
    }
    give_back(s, c, rc);
    return op_status(rc);
}

/* ---- rows ---- */

/* A text or blob column as a NUL-terminated string (SQLite adds the NUL when
 * it turns a blob into text); "" for NULL. */
static int column_string(sqlite3_stmt *q, int col, const char **out,
                         size_t *len) {
    *out = "";
    if (len)
        *len = 0;
    if (sqlite3_column_type(q, col) == SQLITE_NULL)
        return SQLITE_OK;
    const unsigned char *text = sqlite3_column_text(q, col);
    if (!text)
        return SQLITE_NOMEM; /* the only other reason for NULL */
    *out = (const char *)text;
    if (len)
        *len = (size_t)sqlite3_column_bytes(q, col);
    return SQLITE_OK;
}

/* The record in the row's columns from first on, in COLUMNS' order; its
 * strings live until the statement steps or is reset. */
static int read_record(sqlite3_stmt *q, int first, clogin_store_record *r) {
    memset(r, 0, sizeof *r);
    r->kind = sqlite3_column_int(q, first) == CLOGIN_STORE_REMEMBER
                  ? CLOGIN_STORE_REMEMBER
                  : CLOGIN_STORE_SESSION;
    r->created = sqlite3_column_int64(q, first + 3);
    r->last_seen = sqlite3_column_int64(q, first + 4);
    r->expires = sqlite3_column_int64(q, first + 5);
    int rc = column_string(q, first + 1, &r->user_id, NULL);
    if (rc == SQLITE_OK)
        rc = column_string(q, first + 2, &r->data, &r->data_len);
    if (rc == SQLITE_OK)
        rc = column_string(q, first + 6, &r->remote_addr, NULL);
    if (rc == SQLITE_OK)
        rc = column_string(q, first + 7, &r->user_agent, NULL);
    return rc;
}

static int bind_string(sqlite3_stmt *q, int i, const char *s) {
    return sqlite3_bind_text(q, i, s ? s : "", -1, SQLITE_STATIC);
}

/* ---- operations ---- */

static clogin_status sq_load(void *self, const char *id, int64_t now,
                             clogin_store_record_fn fn, void *ctx) {
    sqlite_store *s = self;
    if (!s || !id || !fn)
        return CLOGIN_EINVAL;
    conn *c;
    clogin_status st = take(s, &c);
    if (st != CLOGIN_OK)
        return st;
    sqlite3_stmt *q;
    int found = 0;
    int rc = stmt(c, Q_LOAD, &q);
    if (rc == SQLITE_OK)
        rc = bind_string(q, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 2, now);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        clogin_store_record r;
        rc = read_record(q, 0, &r);
        if (rc == SQLITE_OK) {
            fn(ctx, id, &r);
            found = 1;
        }
    }
    st = finish(s, c, q, rc);
    return st == CLOGIN_OK && !found ? CLOGIN_ENOTFOUND : st;
}

/* Deletes the rows expired by the earlier of the wall clock and the saving
 * caller's clock: records are judged by the now callers pass, which may run
 * behind the wall clock (replays, tests), and a row still live for them
 * must stay. */
static int purge(conn *c, int64_t caller_now) {
    int64_t now = (int64_t)time(NULL);
    if (caller_now < now)
        now = caller_now;
    sqlite3_stmt *q;
    int rc = stmt(c, Q_PURGE, &q);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 1, now);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (q)
        sqlite3_reset(q);
    return rc;
}

static clogin_status sq_save(void *self, const char *id,
                             const clogin_store_record *r) {
    sqlite_store *s = self;
    if (!s || !id || !r || (!r->data && r->data_len))
        return CLOGIN_EINVAL;
    conn *c;
    clogin_status st = take(s, &c);
    if (st != CLOGIN_OK)
        return st;
    sqlite3_stmt *q;
    int rc = stmt(c, Q_SAVE, &q);
    if (rc == SQLITE_OK)
        rc = bind_string(q, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(q, 2, (int)r->kind);
    if (rc == SQLITE_OK)
        rc = bind_string(q, 3, r->user_id);
    /* never a NULL pointer: SQLite would store NULL, not an empty blob */
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob64(q, 4, r->data ? r->data : "", r->data_len,
                                 SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 5, r->created);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 6, r->last_seen);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 7, r->expires);
    if (rc == SQLITE_OK)
        rc = bind_string(q, 8, r->remote_addr);
    if (rc == SQLITE_OK)
        rc = bind_string(q, 9, r->user_agent);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (q) {
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
    }
    st = op_status(rc);
    /* The save is committed whatever the purge does; a purge that fails
     * only decides whether the connection is kept. */
    if (st == CLOGIN_OK &&
        atomic_fetch_add(&s->saves, 1) % PURGE_EVERY == PURGE_EVERY - 1)
        rc = purge(c, r->last_seen);
    give_back(s, c, rc);
    return st;
}

static clogin_status sq_touch(void *self, const char *id, int64_t last_seen,
                              int64_t expires) {
    sqlite_store *s = self;
    if (!s || !id)
        return CLOGIN_EINVAL;
    conn *c;
    clogin_status st = take(s, &c);
    if (st != CLOGIN_OK)
        return st;
    sqlite3_stmt *q;
    int rc = stmt(c, Q_TOUCH, &q);
    if (rc == SQLITE_OK)
        rc = bind_string(q, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 2, last_seen);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 3, expires);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    int changed = rc == SQLITE_DONE && sqlite3_changes(c->db) > 0;
    st = finish(s, c, q, rc);
    return st == CLOGIN_OK && !changed ? CLOGIN_ENOTFOUND : st;
}

static clogin_status sq_remove(void *self, const char *id) {
    sqlite_store *s = self;
    if (!s || !id)
        return CLOGIN_EINVAL;
    conn *c;
    clogin_status st = take(s, &c);
    if (st != CLOGIN_OK)
        return st;
    sqlite3_stmt *q;
    int rc = stmt(c, Q_REMOVE, &q);
    if (rc == SQLITE_OK)
        rc = bind_string(q, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    return finish(s, c, q, rc);
}

static clogin_status sq_list_user(void *self, const char *user_id, int64_t now,
                                  clogin_store_record_fn fn, void *ctx) {
    sqlite_store *s = self;
    if (!s || !user_id || !fn)
        return CLOGIN_EINVAL;
    conn *c;
    clogin_status st = take(s, &c);
    if (st != CLOGIN_OK)
        return st;
    sqlite3_stmt *q;
    int rc = stmt(c, Q_LIST, &q);
    if (rc == SQLITE_OK)
        rc = bind_string(q, 1, user_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 2, now);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(q);
        if (rc != SQLITE_ROW)
            break;
        const char *id;
        clogin_store_record r;
        rc = column_string(q, 0, &id, NULL);
        if (rc == SQLITE_OK)
            rc = read_record(q, 1, &r);
        if (rc == SQLITE_OK)
            fn(ctx, id, &r);
    }
    return finish(s, c, q, rc);
}

static clogin_status sq_remove_user(void *self, const char *user_id,
                                    const char *const *keep, size_t keep_count,
                                    size_t *removed) {
    sqlite_store *s = self;
    if (removed)
        *removed = 0;
    if (!s || !user_id || (keep_count && !keep))
        return CLOGIN_EINVAL;
    for (size_t i = 0; i < keep_count; i++)
        if (!keep[i])
            return CLOGIN_EINVAL;
    conn *c;
    clogin_status st = take(s, &c);
    if (st != CLOGIN_OK)
        return st;
    if (keep_count >=
        (size_t)sqlite3_limit(c->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1)) {
        give_back(s, c, SQLITE_OK);
        return CLOGIN_ETOOLARGE;
    }
    /* The usual few ids use a cached statement; a longer list a one-off. */
    sqlite3_stmt *q = NULL, *own = NULL;
    int rc;
    if (keep_count <= KEEP_CACHED) {
        rc = stmt(c, Q_REMOVE_USER + (int)keep_count, &q);
    } else {
        char *sql = remove_user_sql(keep_count);
        rc = sql ? prepare(c->db, sql, 0, &own) : SQLITE_NOMEM;
        free(sql);
        q = own;
    }
    if (rc == SQLITE_OK)
        rc = bind_string(q, 1, user_id);
    for (size_t i = 0; i < keep_count && rc == SQLITE_OK; i++)
        rc = bind_string(q, (int)i + 2, keep[i]);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_DONE && removed)
        *removed = (size_t)sqlite3_changes(c->db);
    if (own) {
        sqlite3_finalize(own);
        q = NULL;
    }
    return finish(s, c, q, rc);
}

static void sq_close(void *self) {
    sqlite_store *s = self;
    if (!s)
        return;
    while (s->idle) {
        conn *c = s->idle;
        s->idle = c->next;
        conn_close(c);
    }
    pthread_mutex_destroy(&s->lock);
    free(s->path);
    free(s);
}

static const clogin_store_ops sqlite_ops = {
    .load = sq_load,
    .save = sq_save,
    .touch = sq_touch,
    .remove = sq_remove,
    .list_user = sq_list_user,
    .remove_user = sq_remove_user,
    .close = sq_close,
};

/* ---- opening ---- */

/* The first connection makes the file a WAL database with the table, and
 * prepares every statement, which checks a table found there has the
 * columns this store uses. */
static clogin_status set_up(conn *c, const char *path, char *err) {
    if (sqlite3_db_readonly(c->db, "main") == 1) {
        say(err,
            "cannot use \"%.120s\" as the session database: the file is "
            "read-only",
            path);
        return CLOGIN_ECONFIG;
    }
    sqlite3_stmt *q;
    int rc = prepare(c->db, "PRAGMA journal_mode = WAL", 0, &q);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(q, 0);
        if (!mode || strcmp(mode, "wal") != 0) {
            /* e.g. ":memory:", which no other connection could see anyway */
            say(err,
                "cannot use \"%.120s\" as the session database: it cannot be "
                "shared in WAL mode (journal mode \"%.20s\")",
                path, mode ? mode : "?");
            sqlite3_finalize(q);
            return CLOGIN_ECONFIG;
        }
        rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c->db, schema_sql, NULL, NULL, NULL);
    for (int i = 0; i < Q_COUNT && rc == SQLITE_OK; i++)
        rc = stmt(c, i, &q);
    if (rc == SQLITE_OK)
        return CLOGIN_OK;
    /* A plain SQL error here can only come from a table or index of that
     * name made for something else, which CREATE ... IF NOT EXISTS kept. */
    if ((rc & 0xff) == SQLITE_ERROR)
        say(err,
            "cannot use \"%.120s\" as the session database: its table "
            "clogin_sessions has other columns (%.80s)",
            path, sqlite3_errmsg(c->db));
    else
        describe(err, path, c->db, rc);
    return open_status(rc);
}

clogin_status clogin__store_sqlite_open(const char *path, int timeout_ms,
                                        clogin_store *out, char *err) {
    if (err)
        err[0] = '\0';
    if (!out)
        return CLOGIN_EINVAL;
    out->ops = NULL;
    out->self = NULL;
    if (!path || !path[0]) {
        say(err, "the sqlite store needs the path of its database file");
        return CLOGIN_ECONFIG;
    }
    if (timeout_ms <= 0) {
        say(err, "the sqlite store's timeout must be positive");
        return CLOGIN_ECONFIG;
    }
    if (!sqlite3_threadsafe()) {
        say(err, "the SQLite library was built without thread support, "
                 "which the sqlite store needs");
        return CLOGIN_ECONFIG;
    }
    sqlite_store *s = calloc(1, sizeof *s);
    if (!s)
        return CLOGIN_ENOMEM;
    s->timeout_ms = timeout_ms;
    atomic_init(&s->saves, 0);
    s->path = clogin__strdup(path);
    if (!s->path || pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s->path);
        free(s);
        return CLOGIN_ENOMEM;
    }
    conn *c;
    int rc = conn_open(s, 1, &c, err);
    clogin_status st = rc == SQLITE_OK ? set_up(c, path, err) : open_status(rc);
    if (st != CLOGIN_OK) {
        if (rc == SQLITE_OK)
            conn_close(c);
        sq_close(s);
        return st;
    }
    give_back(s, c, SQLITE_OK);
    out->ops = &sqlite_ops;
    out->self = s;
    return CLOGIN_OK;
}
