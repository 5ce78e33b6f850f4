/* The users, in SQLite. Passwords are Argon2id hashes (libsodium's
 * crypto_pwhash_str); API keys are stored as BLAKE2b hashes, so a copy of
 * the database gives away neither. Each user also has an alternative id,
 * the id the cookies carry: changing it (with the password) ends every
 * session and remember cookie of that user. The password hash is also the
 * user's session auth hash (loaders.c), so a password changed by any other
 * means (an administrator's UPDATE) ends them too. */
#include "app.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Looking a user up runs on every guarded request, so each of MHD's
 * threads reads through a connection of its own with its statements
 * prepared once: no lock shared between threads, no SQL parsed per request.
 * Writes (a new password) are rare and slow anyway (an Argon2id hash), so
 * each opens a connection of its own for the time of the write. WAL lets the
 * reads go on while a password is written, or while another process holds
 * the write lock (BEGIN EXCLUSIVE): only writes wait for it, up to
 * WRITE_BUSY_MS. The waits are short because a waiting request holds its
 * MHD thread, and with it every other connection MHD gave that thread (one
 * of four).
 *
 * When the database fails (locked against readers beyond READ_BUSY_MS,
 * unreadable, renamed or removed), the lookup fails and sets
 * users_db_failed, and routes.c answers 503 rather than guess. The thread's
 * read connection is then closed, and it is also closed when the file at
 * the path is no longer the one it has open (checked at most once a second):
 * the next lookup opens the path again, so the demo serves again as soon as
 * the file is back (renamed back, or restored from a copy). */
_Thread_local int users_db_failed;

#define READ_BUSY_MS 500   /* WAL readers wait for nobody but recovery */
#define WRITE_BUSY_MS 1000 /* a write waits for another's write lock */

static int db_error(sqlite3 *db, const char *what) {
    fprintf(stderr, "clogin-demo: database: %s: %s\n", what,
            db ? sqlite3_errmsg(db) : "out of memory");
    users_db_failed = 1;
    return -1;
}

#define READ_QUERIES 4

typedef struct reader {
    sqlite3 *db;
    time_t checked; /* when the path was last compared with the open file */
    const char *sql[READ_QUERIES];
    sqlite3_stmt *stmt[READ_QUERIES];
} reader;

static pthread_key_t reader_key;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;

static void reader_free(void *p) {
    reader *rd = p;
    for (int i = 0; i < READ_QUERIES; i++)
        sqlite3_finalize(rd->stmt[i]);
    sqlite3_close(rd->db);
    free(rd);
}

static void make_reader_key(void) {
    if (pthread_key_create(&reader_key, reader_free) != 0)
        abort();
}

/* Close this thread's read connection: the next lookup opens the path anew. */
static void reader_drop(void) {
    reader *rd = pthread_getspecific(reader_key);
    if (rd) {
        pthread_setspecific(reader_key, NULL);
        reader_free(rd);
    }
}

/* This thread's prepared statement for sql (one of the lookups below), or
 * NULL after printing why. */
static sqlite3_stmt *read_statement(demo_app *app, const char *sql) {
    pthread_once(&reader_once, make_reader_key);
    reader *rd = pthread_getspecific(reader_key);
    if (rd) {
        time_t t = time(NULL);
        if (t != rd->checked) { /* renamed, removed or replaced since it was opened? */
            int moved = 0;
            rd->checked = t;
            if (sqlite3_file_control(rd->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) !=
                    SQLITE_OK ||
                moved) {
                fprintf(stderr, "clogin-demo: database: %s is no longer the file that was"
                                " open; opening it again\n", app->path);
                reader_drop();
                rd = NULL;
            }
        }
    }
    if (!rd) {
        if (!(rd = calloc(1, sizeof *rd))) {
            db_error(NULL, "open");
            return NULL;
        }
        if (sqlite3_open_v2(app->path, &rd->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                            NULL) != SQLITE_OK ||
            pthread_setspecific(reader_key, rd) != 0) {
            db_error(rd->db, app->path);
            reader_free(rd);
            return NULL;
        }
        rd->checked = time(NULL);
        sqlite3_busy_timeout(rd->db, READ_BUSY_MS);
    }
    int i = 0;
    while (i < READ_QUERIES && rd->sql[i] && rd->sql[i] != sql)
        i++;
    if (i == READ_QUERIES) {
        users_db_failed = 1;
        return NULL;
    }
    if (!rd->sql[i]) {
        if (sqlite3_prepare_v3(rd->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &rd->stmt[i],
                               NULL) != SQLITE_OK) {
            db_error(rd->db, "prepare");
            reader_drop(); /* e.g. the file is there but is no database (yet) */
            return NULL;
        }
        rd->sql[i] = sql;
    }
    return rd->stmt[i];
}

/* After a statement of the thread's reader: reset it, and on a failure
 * report it and drop the connection. rc: sqlite3_step's. 0 or -1. */
static int read_done(sqlite3_stmt *st, int rc) {
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        db_error(sqlite3_db_handle(st), "lookup");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        reader_drop();
        return -1;
    }
    return 0;
}

/* A connection for one write, or NULL after printing why. The file must
 * exist: a write never makes a new, empty database. */
static sqlite3 *open_writer(demo_app *app) {
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(app->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        db_error(db, app->path);
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, WRITE_BUSY_MS);
    return db;
}

static void new_alt_id(char out[DEMO_ALT_ID_LEN + 1]) {
    unsigned char raw[DEMO_ALT_ID_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, DEMO_ALT_ID_LEN + 1, raw, sizeof raw);
}

static void api_key_hash(const char *key, size_t len, char out[65]) {
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)key, len, NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* cheap: Argon2id at libsodium's lowest cost, for the --seed-users load-test
 * accounts only; real passwords use the INTERACTIVE cost */
enum hash_cost { COST_INTERACTIVE, COST_MIN };

static int seed_user(sqlite3 *db, int64_t id, const char *name, const char *password,
                     int active, const char *api_key, enum hash_cost cost) {
    char hash[crypto_pwhash_STRBYTES], key_hash[65], alt_id[DEMO_ALT_ID_LEN + 1];
    unsigned long long ops = cost == COST_MIN ? crypto_pwhash_OPSLIMIT_MIN
                                              : crypto_pwhash_OPSLIMIT_INTERACTIVE;
    size_t mem = cost == COST_MIN ? crypto_pwhash_MEMLIMIT_MIN
                                  : crypto_pwhash_MEMLIMIT_INTERACTIVE;
    if (crypto_pwhash_str(hash, password, strlen(password), ops, mem) != 0) {
        fprintf(stderr, "clogin-demo: out of memory hashing a password\n");
        return -1;
    }
    api_key_hash(api_key, strlen(api_key), key_hash);
    new_alt_id(alt_id);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO users (id, username, password_hash, active,"
                           " api_key_hash, alt_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(db, "seed");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, active);
    sqlite3_bind_text(st, 5, key_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, alt_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_error(db, "seed");
}

/* --seed-users N, for load tests: user1..userN with the passwords pw-1..pw-N,
 * the API keys user1-api-key..userN-api-key and the row ids 3..N+2 (after
 * alice and bob), all active. Their hashes take microseconds to check, so
 * that thousands of logins measure the server rather than Argon2id: never
 * for real accounts. */
static int seed_load_users(sqlite3 *db, long n) {
    char name[32], password[32], key[48];
    for (long i = 1; i <= n; i++) {
        snprintf(name, sizeof name, "user%ld", i);
        snprintf(password, sizeof password, "pw-%ld", i);
        snprintf(key, sizeof key, "user%ld-api-key", i);
        if (seed_user(db, i + 2, name, password, 1, key, COST_MIN) != 0)
            return -1;
    }
    return 0;
}

/* Seed a new database, in one transaction so a crash leaves none. */
static int seed(sqlite3 *db, const char *path, long seed_users) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM users", -1, &st, NULL) != SQLITE_OK)
        return db_error(db, path);
    int empty = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
    sqlite3_finalize(st);
    if (!empty) {
        if (seed_users > 0)
            fprintf(stderr, "clogin-demo: --seed-users: %s already has users, none added\n",
                    path);
        return 0;
    }
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        seed_user(db, 1, "alice", "wonderland", 1, "alice-api-key", COST_INTERACTIVE) != 0 ||
        seed_user(db, 2, "bob", "builder", 0, "bob-api-key", COST_INTERACTIVE) != 0 ||
        seed_load_users(db, seed_users) != 0 ||
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        db_error(db, "seeding");
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    printf("clogin-demo: seeded %s with alice/wonderland and bob/builder (inactive)\n", path);
    if (seed_users > 0)
        printf("clogin-demo: and user1/pw-1 .. user%ld/pw-%ld (ids 3..%ld), hashed at the"
               " lowest Argon2id cost: for load tests only\n",
               seed_users, seed_users, seed_users + 2);
    return 0;
}

int users_open(demo_app *app, const char *path, long seed_users) {
    /* SQLite's memory statistics take a global mutex on every allocation,
     * which every thread's lookups would queue on. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3 *db = NULL;
    static const char schema[] =
        "CREATE TABLE IF NOT EXISTS users ("
        " id INTEGER PRIMARY KEY,"
        " username TEXT NOT NULL UNIQUE,"
        " password_hash TEXT NOT NULL,"
        " active INTEGER NOT NULL,"
        " api_key_hash TEXT UNIQUE,"
        " alt_id TEXT NOT NULL UNIQUE)";
    int rc = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        db_error(db, path);
    } else {
        sqlite3_busy_timeout(db, WRITE_BUSY_MS);
        if (sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK)
            db_error(db, path);
        else if (!(app->path = strdup(path)))
            db_error(NULL, path);
        else
            rc = seed(db, path, seed_users);
    }
    sqlite3_close(db); /* the threads open their own (read_statement) */
    users_db_failed = 0;
    if (rc != 0)
        users_close(app);
    return rc;
}

void users_close(demo_app *app) {
    free(app->path);
    app->path = NULL;
}

void users_free(demo_user *u) {
    free(u);
}

/* The user whose column equals value, or *out = NULL. */
static int find_user(demo_app *app, const char *sql, const char *value, demo_user **out) {
    *out = NULL;
    sqlite3_stmt *st = read_statement(app, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 1);
        const char *alt_id = (const char *)sqlite3_column_text(st, 3);
        const char *hash = (const char *)sqlite3_column_text(st, 4);
        size_t n = name ? strlen(name) : 0;
        demo_user *u = malloc(sizeof *u + n + 1);
        if (u && alt_id && strlen(alt_id) == DEMO_ALT_ID_LEN && hash &&
            strlen(hash) < DEMO_HASH_LEN) {
            u->id = sqlite3_column_int64(st, 0);
            u->active = sqlite3_column_int(st, 2) != 0;
            memcpy(u->alt_id, alt_id, DEMO_ALT_ID_LEN + 1);
            memcpy(u->password_hash, hash, strlen(hash) + 1);
            memcpy(u->username, name ? name : "", n + 1);
            *out = u;
        } else {
            free(u);
            rc = SQLITE_NOMEM;
        }
    }
    return read_done(st, rc);
}

/* The lookups, as the statements' keys: each string is one statement. */
static const char by_alt_id_sql[] =
    "SELECT id, username, active, alt_id, password_hash FROM users WHERE alt_id = ?1";
static const char by_username_sql[] =
    "SELECT id, username, active, alt_id, password_hash FROM users WHERE username = ?1";
static const char by_api_key_sql[] =
    "SELECT id, username, active, alt_id, password_hash FROM users"
    " WHERE api_key_hash = ?1 AND active";

int users_by_alt_id(demo_app *app, const char *alt_id, demo_user **out) {
    return find_user(app, by_alt_id_sql, alt_id, out);
}

int users_by_username(demo_app *app, const char *username, demo_user **out) {
    return find_user(app, by_username_sql, username, out);
}

/* Only active users' keys open the API (Flask-Login's request loader
 * example returns no user for them). */
int users_by_api_key(demo_app *app, const char *key, size_t len, demo_user **out) {
    char hash[65];
    api_key_hash(key, len, hash);
    return find_user(app, by_api_key_sql, hash, out);
}

/* The hash of a random password nobody knows, checked when the user does
 * not exist so that answers take as long either way. */
static const char dummy_hash[] =
    "$argon2id$v=19$m=65536,t=2,p=1$9Hmp53lnmBr+Y0aKn9EolQ$"
    "pGx815TK90/s5g4LkUJll/nIEkEY/ou7Y79zSDbNO2c";

static const char hash_by_id_sql[] = "SELECT password_hash FROM users WHERE id = ?1";

int users_check_password(demo_app *app, int64_t id, const char *password) {
    char hash[crypto_pwhash_STRBYTES] = "";
    sqlite3_stmt *st = read_statement(app, hash_by_id_sql);
    if (!st)
        return 0;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *h = (const char *)sqlite3_column_text(st, 0);
        if (h && strlen(h) < sizeof hash)
            memcpy(hash, h, strlen(h) + 1);
    }
    if (read_done(st, rc) != 0)
        return 0;
    int found = hash[0] != '\0';
    /* the Argon2id check takes tens of milliseconds; MHD's other threads
     * keep serving meanwhile */
    int ok = crypto_pwhash_str_verify(found ? hash : dummy_hash, password,
                                      strlen(password)) == 0;
    return found && ok;
}

int users_change_password(demo_app *app, int64_t id, const char *password,
                          demo_user **out) {
    char hash[crypto_pwhash_STRBYTES], alt_id[DEMO_ALT_ID_LEN + 1];
    *out = NULL;
    if (crypto_pwhash_str(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        fprintf(stderr, "clogin-demo: out of memory hashing a password\n");
        return -1;
    }
    new_alt_id(alt_id);
    sqlite3 *db = open_writer(app);
    if (!db)
        return -1;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        db, "UPDATE users SET password_hash = ?1, alt_id = ?2 WHERE id = ?3", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, alt_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, id);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE) {
        db_error(db, "change password");
        sqlite3_close(db);
        return -1;
    }
    sqlite3_close(db);
    return users_by_alt_id(app, alt_id, out);
}
