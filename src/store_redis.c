/* The Redis session store.
 *
 * Data model: a record is the hash clogin:s:ID (fields kind, user_id, data,
 * created, last_seen, expires, remote_addr, user_agent) that Redis expires
 * itself (EXPIRE expires - last_seen). A user's records are indexed by the
 * sorted set clogin:u:USER_ID (member: the id, score: its expires), which
 * expires with its latest member. Records of no one (user_id "") are not
 * indexed.
 *
 * Expiry is relative on purpose: `expires` and `now` are the application's
 * clock, which need not be the Redis server's (skew, or tests at a fixed
 * time). The writer's last_seen is its now, so Redis drops a record when
 * the writer would consider it expired, whatever the server's clock says;
 * readers still never return one whose expires <= their own now.
 *
 * Every write that touches both keys is one Lua script, so a record and its
 * index entry change together; readers still check the record's own
 * user_id, because an index entry is only a hint (a record may have been
 * evicted or rewritten by hand).
 *
 * Connections: a mutex-protected list of idle hiredis contexts, connected on
 * first use (a server that is down at start is simply tried again later).
 * A connection that saw any I/O or protocol error is closed, never pooled;
 * when a pooled one fails (most likely the server restarted), the operation
 * is tried once more on a fresh connection. */
#define _POSIX_C_SOURCE 200809L

#include "internal.h"
#include "store.h"
#include "text.h"

#include <hiredis/hiredis.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RECORD_PREFIX "clogin:s:"
#define INDEX_PREFIX "clogin:u:"

/* Idle connections kept beyond this are closed: enough for a busy server's
 * worker threads, bounded so a burst does not pin sockets forever. */
#define MAX_IDLE 32

/* Redis refuses a TTL that overflows its millisecond clock; a longer life
 * is kept in the record as given, and Redis told a thousand years. */
#define MAX_TTL INT64_C(31556952000)
#define MAX_TTL_LUA "31556952000"

#define say(err, ...)                                                          \
    ((err) ? (void)snprintf((err), CLOGIN_STORE_ERRLEN, __VA_ARGS__) : (void)0)

/* ---------------------------------------------------------------- scripts */

/* clang-format off */

/* Sets a user's index to expire with its latest member, as seen by the
 * writer whose clock says now (a TTL of 0 deletes it: all expired). Only
 * writes that may raise the latest expiry need it: an index that lost
 * members just lives on a little, and Redis deletes an emptied one. */
#define LUA_PUSH                                                               \
    "local function push(uk, now)\n"                                           \
    "  local top = redis.call('ZRANGE', uk, -1, -1, 'WITHSCORES')\n"           \
    "  if top[2] then\n"                                                       \
    "    local ttl = tonumber(top[2]) - tonumber(now)\n"                       \
    "    if ttl > " MAX_TTL_LUA " then ttl = " MAX_TTL_LUA " end\n"            \
    "    if ttl < 0 then ttl = 0 end\n"                                        \
    "    redis.call('EXPIRE', uk, string.format('%d', ttl))\n"                 \
    "  end\n"                                                                  \
    "end\n"

/* KEYS: record, new index. ARGV: id, kind, user_id, data, created,
 * last_seen, expires, remote_addr, user_agent, ttl. A record that changes
 * hands leaves its previous owner's index. */
static const char save_lua[] =
    LUA_PUSH
    "local old = redis.call('HGET', KEYS[1], 'user_id')\n"
    "if old and old ~= '' and old ~= ARGV[3] then\n"
    "  redis.call('ZREM', '" INDEX_PREFIX "' .. old, ARGV[1])\n"
    "end\n"
    "redis.call('HSET', KEYS[1], 'kind', ARGV[2], 'user_id', ARGV[3],\n"
    "  'data', ARGV[4], 'created', ARGV[5], 'last_seen', ARGV[6],\n"
    "  'expires', ARGV[7], 'remote_addr', ARGV[8], 'user_agent', ARGV[9])\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[10])\n"
    "if ARGV[3] ~= '' then\n"
    "  redis.call('ZADD', KEYS[2], ARGV[7], ARGV[1])\n"
    "  push(KEYS[2], ARGV[6])\n"
    "end\n"
    "return 1\n";

/* KEYS: record. ARGV: id, last_seen, expires, ttl. 0 when the record is
 * gone: touching must not resurrect it as a hash of two fields. */
static const char touch_lua[] =
    LUA_PUSH
    "local user = redis.call('HGET', KEYS[1], 'user_id')\n"
    "if not user then return 0 end\n"
    "redis.call('HSET', KEYS[1], 'last_seen', ARGV[2], 'expires', ARGV[3])\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[4])\n"
    "if user ~= '' then\n"
    "  local uk = '" INDEX_PREFIX "' .. user\n"
    "  redis.call('ZADD', uk, ARGV[3], ARGV[1])\n"
    "  push(uk, ARGV[2])\n"
    "end\n"
    "return 1\n";

/* KEYS: record. ARGV: id. */
static const char remove_lua[] =
    "local user = redis.call('HGET', KEYS[1], 'user_id')\n"
    "redis.call('DEL', KEYS[1])\n"
    "if user and user ~= '' then\n"
    "  redis.call('ZREM', '" INDEX_PREFIX "' .. user, ARGV[1])\n"
    "end\n"
    "return 1\n";

/* KEYS: index. ARGV: user_id, then the ids to keep. Returns how many
 * records went; an indexed id whose record now belongs to someone else
 * only leaves the index. */
static const char remove_user_lua[] =
    "local keep = {}\n"
    "for i = 2, #ARGV do keep[ARGV[i]] = true end\n"
    "local n = 0\n"
    "for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do\n"
    "  if not keep[id] then\n"
    "    local rk = '" RECORD_PREFIX "' .. id\n"
    "    if redis.call('HGET', rk, 'user_id') == ARGV[1] then\n"
    "      redis.call('DEL', rk)\n"
    "      n = n + 1\n"
    "    end\n"
    "    redis.call('ZREM', KEYS[1], id)\n"
    "  end\n"
    "end\n"
    "return n\n";

/* KEYS: index. ARGV: user_id, then ids a listing found gone or moved. The
 * check is repeated here because a save may have happened in between. */
static const char prune_lua[] =
    "for i = 2, #ARGV do\n"
    "  if redis.call('HGET', '" RECORD_PREFIX "' .. ARGV[i], 'user_id')\n"
    "      ~= ARGV[1] then\n"
    "    redis.call('ZREM', KEYS[1], ARGV[i])\n"
    "  end\n"
    "end\n"
    "return 1\n";

/* clang-format on */

/* ------------------------------------------------------------- the store */

typedef struct rconn {
    redisContext *c;
    struct rconn *next;
    int timed_out; /* the last failure was the reply timeout */
} rconn;

typedef struct rstore {
    pthread_mutex_t lock;
    rconn *idle; /* protected by lock */
    size_t idle_count;
    char *host;
    int port;
    char *user;     /* NULL: AUTH with the password alone */
    char *password; /* NULL: no AUTH */
    int db;
    struct timeval timeout;
} rstore;

/* ---------------------------------------------------------------- SIGPIPE */

/* hiredis write()s to a socket the server may have closed; the kernel then
 * raises SIGPIPE, whose default action kills the process. As libpq does, the
 * signal is blocked in this thread for the exchange and a SIGPIPE that we
 * caused is consumed before the mask is restored; the process's signal
 * dispositions are never changed. */
typedef struct sigpipe_guard {
    sigset_t old_mask;
    int blocked;     /* pthread_sigmask worked: restore the mask */
    int was_pending; /* a SIGPIPE was pending before: it is not ours */
} sigpipe_guard;

static void sigpipe_block(sigpipe_guard *g) {
    sigset_t pipe_set, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    g->blocked = pthread_sigmask(SIG_BLOCK, &pipe_set, &g->old_mask) == 0;
    g->was_pending = 0;
    /* Only a signal that was already blocked can be pending. */
    if (g->blocked && sigismember(&g->old_mask, SIGPIPE))
        g->was_pending =
            sigpending(&pending) != 0 || sigismember(&pending, SIGPIPE);
}

static void sigpipe_restore(const sigpipe_guard *g) {
    if (!g->blocked)
        return;
    if (!g->was_pending) {
        sigset_t pipe_set;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        const struct timespec zero = {0, 0};
        int saved = errno;
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
            ;
        errno = saved;
    }
    pthread_sigmask(SIG_SETMASK, &g->old_mask, NULL);
}

/* ------------------------------------------------------------ connections */

static void conn_free(rconn *k) {
    if (k) {
        if (k->c)
            redisFree(k->c);
        free(k);
    }
}

/* Remember whether hiredis gave up because the reply timeout passed (errno
 * is still the failed read's): retrying that would double the wait. */
static void note_failure(rconn *k) {
    int e = errno;
    k->timed_out = k->c->err == REDIS_ERR_IO &&
                   (e == EAGAIN || e == EWOULDBLOCK || e == ETIMEDOUT);
}

/* One reply of the expected type (0: any but an error) into *out (NULL:
 * discard it). An error reply is CLOGIN_EUNAVAILABLE too: the server is
 * loading, out of memory, or not ours to use. */
static clogin_status take_reply(rconn *k, int type, redisReply **out) {
    void *v = NULL;
    if (out)
        *out = NULL;
    if (redisGetReply(k->c, &v) != REDIS_OK || !v) {
        note_failure(k);
        return k->c->err == REDIS_ERR_OOM ? CLOGIN_ENOMEM : CLOGIN_EUNAVAILABLE;
    }
    redisReply *r = v;
    if (r->type == REDIS_REPLY_ERROR || (type && r->type != type)) {
        freeReplyObject(r);
        return CLOGIN_EUNAVAILABLE;
    }
    if (out)
        *out = r;
    else
        freeReplyObject(r);
    return CLOGIN_OK;
}

/* A command built from a hiredis format (%s, %b, %lld), and its reply. */
static clogin_status command(rconn *k, int type, redisReply **out,
                             const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = redisvAppendCommand(k->c, fmt, ap);
    va_end(ap);
    if (rc != REDIS_OK) {
        if (out)
            *out = NULL;
        return CLOGIN_ENOMEM;
    }
    return take_reply(k, type, out);
}

static clogin_status conn_open(const rstore *s, rconn **out) {
    *out = NULL;
    rconn *k = calloc(1, sizeof *k);
    if (!k)
        return CLOGIN_ENOMEM;
    k->c = redisConnectWithTimeout(s->host, s->port, s->timeout);
    if (!k->c) {
        free(k);
        return CLOGIN_ENOMEM;
    }
    clogin_status st = CLOGIN_EUNAVAILABLE;
    if (k->c->err || redisSetTimeout(k->c, s->timeout) != REDIS_OK)
        goto fail;
    if (s->password) {
        st = s->user
                 ? command(k, REDIS_REPLY_STATUS, NULL, "AUTH %s %s", s->user,
                           s->password)
                 : command(k, REDIS_REPLY_STATUS, NULL, "AUTH %s", s->password);
        if (st != CLOGIN_OK)
            goto fail;
    }
    if (s->db) {
        st = command(k, REDIS_REPLY_STATUS, NULL, "SELECT %d", s->db);
        if (st != CLOGIN_OK)
            goto fail;
    }
    *out = k;
    return CLOGIN_OK;
fail:
    conn_free(k);
    return st == CLOGIN_ENOMEM ? CLOGIN_ENOMEM : CLOGIN_EUNAVAILABLE;
}

static rconn *pool_take(rstore *s) {
    pthread_mutex_lock(&s->lock);
    rconn *k = s->idle;
    if (k) {
        s->idle = k->next;
        s->idle_count--;
        k->next = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    return k;
}

static void pool_put(rstore *s, rconn *k) {
    pthread_mutex_lock(&s->lock);
    int keep = s->idle_count < MAX_IDLE;
    if (keep) {
        k->next = s->idle;
        s->idle = k;
        s->idle_count++;
    }
    pthread_mutex_unlock(&s->lock);
    if (!keep)
        conn_free(k);
}

/* Close every idle connection: after one of them turned out dead, the
 * others (connected to the same server) almost certainly are too. */
static void pool_flush(rstore *s) {
    pthread_mutex_lock(&s->lock);
    rconn *k = s->idle;
    s->idle = NULL;
    s->idle_count = 0;
    pthread_mutex_unlock(&s->lock);
    while (k) {
        rconn *next = k->next;
        conn_free(k);
        k = next;
    }
}

/* The network part of an operation: commands and replies only, results left
 * in arg, no callbacks (it may run twice). CLOGIN_OK leaves the connection
 * clean for reuse; anything else means it is closed. */
typedef clogin_status (*exchange_fn)(rconn *k, void *arg);

static clogin_status run(rstore *s, exchange_fn fn, void *arg) {
    sigpipe_guard guard;
    sigpipe_block(&guard);
    rconn *k = pool_take(s);
    int pooled = k != NULL;
    clogin_status st = pooled ? CLOGIN_OK : conn_open(s, &k);
    while (st == CLOGIN_OK) {
        k->timed_out = 0;
        st = fn(k, arg);
        if (st == CLOGIN_OK) {
            pool_put(s, k);
            break;
        }
        /* A pooled connection that broke (rather than timed out or got an
         * error reply) is most likely from before a server restart: try
         * once more on a fresh one, so the first request after a restart
         * already works. Nothing is retried twice. */
        int again =
            pooled && st == CLOGIN_EUNAVAILABLE && k->c->err && !k->timed_out;
        conn_free(k);
        k = NULL;
        if (!again)
            break;
        pool_flush(s);
        pooled = 0;
        st = conn_open(s, &k);
    }
    sigpipe_restore(&guard);
    return st;
}

/* --------------------------------------------------------------- records */

/* Seconds Redis keeps a record written at `now` that expires at
 * `expires`: 0 (deleted at once) when already expired, at most MAX_TTL. */
static long long ttl_of(int64_t now, int64_t expires) {
    if (expires <= now)
        return 0;
    /* expires > now: the unsigned difference is exact, even past INT64. */
    uint64_t ttl = (uint64_t)expires - (uint64_t)now;
    return ttl > (uint64_t)MAX_TTL ? (long long)MAX_TTL : (long long)ttl;
}

static int parse_i64(const redisReply *v, int64_t *out) {
    if (v->len == 0 || v->len > 20)
        return 0;
    char *end;
    errno = 0;
    long long n = strtoll(v->str, &end, 10);
    if (errno || end != v->str + v->len)
        return 0;
    *out = n;
    return 1;
}

/* A record from HGETALL's reply, pointing into it; 0 when it is gone or
 * incomplete. */
static int parse_record(const redisReply *r, clogin_store_record *rec) {
    static const char *const names[] = {"kind",        "user_id",   "data",
                                        "created",     "last_seen", "expires",
                                        "remote_addr", "user_agent"};
    unsigned seen = 0;
    int64_t kind = -1;
    if (r->type != REDIS_REPLY_ARRAY || r->elements % 2)
        return 0;
    for (size_t i = 0; i < r->elements; i += 2) {
        const redisReply *f = r->element[i], *v = r->element[i + 1];
        if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            return 0;
        size_t n = 0;
        while (n < 8 && strcmp(f->str, names[n]) != 0)
            n++;
        int ok = 1;
        switch (n) {
        case 0:
            ok = parse_i64(v, &kind);
            break;
        case 1:
            rec->user_id = v->str;
            break;
        case 2:
            rec->data = v->str;
            rec->data_len = v->len;
            break;
        case 3:
            ok = parse_i64(v, &rec->created);
            break;
        case 4:
            ok = parse_i64(v, &rec->last_seen);
            break;
        case 5:
            ok = parse_i64(v, &rec->expires);
            break;
        case 6:
            rec->remote_addr = v->str;
            break;
        case 7:
            rec->user_agent = v->str;
            break;
        default:
            continue; /* a field of a later version */
        }
        if (!ok)
            return 0;
        seen |= 1u << n;
    }
    if (seen != 0xffu ||
        (kind != CLOGIN_STORE_SESSION && kind != CLOGIN_STORE_REMEMBER))
        return 0;
    rec->kind = (clogin_store_kind)kind;
    return 1;
}

/* ------------------------------------------------------------ operations */

typedef struct load_job {
    const char *id;
    redisReply *reply;
} load_job;

static clogin_status x_load(rconn *k, void *arg) {
    load_job *j = arg;
    return command(k, REDIS_REPLY_ARRAY, &j->reply,
                   "HGETALL " RECORD_PREFIX "%s", j->id);
}

static clogin_status redis_load(void *self, const char *id, int64_t now,
                                clogin_store_record_fn fn, void *ctx) {
    if (!self || !id || !fn)
        return CLOGIN_EINVAL;
    load_job j = {id, NULL};
    clogin_status st = run(self, x_load, &j);
    if (st != CLOGIN_OK)
        return st;
    clogin_store_record rec;
    /* Redis's expiry followed the writer's clock; the reader's decides. */
    if (parse_record(j.reply, &rec) && rec.expires > now)
        fn(ctx, id, &rec);
    else
        st = CLOGIN_ENOTFOUND;
    freeReplyObject(j.reply);
    return st;
}

typedef struct save_job {
    const char *id;
    const clogin_store_record *rec;
    const char *user_id, *data, *remote_addr, *user_agent;
} save_job;

static clogin_status x_save(rconn *k, void *arg) {
    const save_job *j = arg;
    const clogin_store_record *r = j->rec;
    return command(k, REDIS_REPLY_INTEGER, NULL,
                   "EVAL %s 2 " RECORD_PREFIX "%s " INDEX_PREFIX "%s "
                   "%s %d %s %b %lld %lld %lld %s %s %lld",
                   save_lua, j->id, j->user_id, j->id, (int)r->kind, j->user_id,
                   j->data, r->data_len, (long long)r->created,
                   (long long)r->last_seen, (long long)r->expires,
                   j->remote_addr, j->user_agent,
                   ttl_of(r->last_seen, r->expires));
}

static const char *or_empty(const char *s) {
    return s ? s : "";
}

static clogin_status redis_save(void *self, const char *id,
                                const clogin_store_record *rec) {
    if (!self || !id || !rec || (!rec->data && rec->data_len) ||
        (rec->kind != CLOGIN_STORE_SESSION &&
         rec->kind != CLOGIN_STORE_REMEMBER))
        return CLOGIN_EINVAL;
    save_job j = {id,
                  rec,
                  or_empty(rec->user_id),
                  or_empty(rec->data),
                  or_empty(rec->remote_addr),
                  or_empty(rec->user_agent)};
    return run(self, x_save, &j);
}

typedef struct touch_job {
    const char *id;
    int64_t last_seen, expires;
    long long found;
} touch_job;

static clogin_status x_touch(rconn *k, void *arg) {
    touch_job *j = arg;
    redisReply *r;
    clogin_status st =
        command(k, REDIS_REPLY_INTEGER, &r,
                "EVAL %s 1 " RECORD_PREFIX "%s %s %lld %lld %lld", touch_lua,
                j->id, j->id, (long long)j->last_seen, (long long)j->expires,
                ttl_of(j->last_seen, j->expires));
    if (st == CLOGIN_OK) {
        j->found = r->integer;
        freeReplyObject(r);
    }
    return st;
}

static clogin_status redis_touch(void *self, const char *id, int64_t last_seen,
                                 int64_t expires) {
    if (!self || !id)
        return CLOGIN_EINVAL;
    touch_job j = {id, last_seen, expires, 0};
    clogin_status st = run(self, x_touch, &j);
    return st == CLOGIN_OK && !j.found ? CLOGIN_ENOTFOUND : st;
}

typedef struct remove_job {
    const char *id;
} remove_job;

static clogin_status x_remove(rconn *k, void *arg) {
    const remove_job *j = arg;
    return command(k, REDIS_REPLY_INTEGER, NULL,
                   "EVAL %s 1 " RECORD_PREFIX "%s %s", remove_lua, j->id,
                   j->id);
}

static clogin_status redis_remove(void *self, const char *id) {
    if (!self || !id)
        return CLOGIN_EINVAL;
    remove_job j = {id};
    return run(self, x_remove, &j);
}

/* "EVAL script 1 clogin:u:USER USER ids..." for the scripts that take a
 * list of ids; the caller fills argv[5] on. */
typedef struct eval_argv {
    const char **argv;
    size_t *lens;
    int argc;
    char *key; /* argv[3] */
} eval_argv;

static void eval_argv_free(eval_argv *a) {
    free(a->key);
    free(a->argv);
    free(a->lens);
    a->key = NULL;
    a->argv = NULL;
    a->lens = NULL;
}

static clogin_status eval_argv_init(eval_argv *a, const char *script,
                                    const char *user_id, size_t ids) {
    a->argv = NULL;
    a->lens = NULL;
    a->key = NULL;
    if (ids > (size_t)INT_MAX - 5)
        return CLOGIN_ENOMEM;
    a->argc = 5 + (int)ids;
    size_t ulen = strlen(user_id);
    a->key = malloc(sizeof INDEX_PREFIX + ulen);
    a->argv = calloc((size_t)a->argc, sizeof *a->argv);
    a->lens = calloc((size_t)a->argc, sizeof *a->lens);
    if (!a->key || !a->argv || !a->lens) {
        eval_argv_free(a);
        return CLOGIN_ENOMEM;
    }
    memcpy(a->key, INDEX_PREFIX, sizeof INDEX_PREFIX - 1);
    memcpy(a->key + sizeof INDEX_PREFIX - 1, user_id, ulen + 1);
    const char *head[5] = {"EVAL", script, "1", a->key, user_id};
    for (int i = 0; i < 5; i++) {
        a->argv[i] = head[i];
        a->lens[i] = strlen(head[i]);
    }
    return CLOGIN_OK;
}

static clogin_status eval_argv_call(rconn *k, const eval_argv *a,
                                    redisReply **out) {
    if (redisAppendCommandArgv(k->c, a->argc, a->argv, a->lens) != REDIS_OK)
        return CLOGIN_ENOMEM;
    return take_reply(k, REDIS_REPLY_INTEGER, out);
}

typedef struct list_job {
    const char *user_id;
    int64_t now;
    redisReply *members;  /* ZRANGE: the indexed ids */
    redisReply **records; /* HGETALL of each */
    clogin_store_record *recs;
    unsigned char *live; /* recs[i] parsed and the user's */
} list_job;

static void list_job_clear(list_job *j) {
    if (j->records)
        for (size_t i = 0; i < j->members->elements; i++)
            if (j->records[i])
                freeReplyObject(j->records[i]);
    free(j->records);
    free(j->recs);
    free(j->live);
    if (j->members)
        freeReplyObject(j->members);
    j->members = NULL;
    j->records = NULL;
    j->recs = NULL;
    j->live = NULL;
}

/* Drop the index entries of ids found gone or given to someone else. */
static clogin_status prune(rconn *k, list_job *j, size_t stale) {
    eval_argv a;
    clogin_status st = eval_argv_init(&a, prune_lua, j->user_id, stale);
    if (st != CLOGIN_OK)
        return st;
    int n = 5;
    for (size_t i = 0; i < j->members->elements; i++)
        if (!j->live[i]) {
            a.argv[n] = j->members->element[i]->str;
            a.lens[n++] = j->members->element[i]->len;
        }
    st = eval_argv_call(k, &a, NULL);
    eval_argv_free(&a);
    return st;
}

static clogin_status x_list(rconn *k, void *arg) {
    list_job *j = arg;
    list_job_clear(j);
    /* One round trip drops the members expired by the caller's clock and
     * reads the rest, a second one reads their records. */
    if (redisAppendCommand(k->c,
                           "ZREMRANGEBYSCORE " INDEX_PREFIX "%s -inf %lld",
                           j->user_id, (long long)j->now) != REDIS_OK ||
        redisAppendCommand(k->c, "ZRANGE " INDEX_PREFIX "%s 0 -1",
                           j->user_id) != REDIS_OK)
        return CLOGIN_ENOMEM;
    clogin_status st = take_reply(k, REDIS_REPLY_INTEGER, NULL);
    if (st != CLOGIN_OK)
        return st;
    st = take_reply(k, REDIS_REPLY_ARRAY, &j->members);
    if (st != CLOGIN_OK)
        return st;
    size_t n = j->members->elements;
    if (n == 0)
        return CLOGIN_OK;
    j->records = calloc(n, sizeof *j->records);
    j->recs = calloc(n, sizeof *j->recs);
    j->live = calloc(n, 1);
    if (!j->records || !j->recs || !j->live) {
        list_job_clear(j);
        return CLOGIN_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const redisReply *m = j->members->element[i];
        if (m->type != REDIS_REPLY_STRING) {
            list_job_clear(j);
            return CLOGIN_EUNAVAILABLE;
        }
        if (redisAppendCommand(k->c, "HGETALL " RECORD_PREFIX "%b", m->str,
                               m->len) != REDIS_OK) {
            list_job_clear(j);
            return CLOGIN_ENOMEM;
        }
    }
    size_t stale = 0;
    for (size_t i = 0; i < n; i++) {
        st = take_reply(k, REDIS_REPLY_ARRAY, &j->records[i]);
        if (st != CLOGIN_OK) {
            list_job_clear(j);
            return st;
        }
        j->live[i] = parse_record(j->records[i], &j->recs[i]) &&
                     strcmp(j->recs[i].user_id, j->user_id) == 0;
        stale += !j->live[i];
    }
    if (stale) {
        st = prune(k, j, stale);
        if (st != CLOGIN_OK)
            list_job_clear(j);
    }
    return st;
}

static clogin_status redis_list_user(void *self, const char *user_id,
                                     int64_t now, clogin_store_record_fn fn,
                                     void *ctx) {
    if (!self || !user_id || !fn)
        return CLOGIN_EINVAL;
    if (!user_id[0]) /* no one's records are not indexed */
        return CLOGIN_OK;
    list_job j = {user_id, now, NULL, NULL, NULL, NULL};
    clogin_status st = run(self, x_list, &j);
    if (st != CLOGIN_OK)
        return st;
    /* Callbacks run after the connection went back to the pool. */
    for (size_t i = 0; j.members && i < j.members->elements; i++)
        if (j.live[i] && j.recs[i].expires > now)
            fn(ctx, j.members->element[i]->str, &j.recs[i]);
    list_job_clear(&j);
    return CLOGIN_OK;
}

typedef struct remove_user_job {
    const eval_argv *argv;
    long long removed;
} remove_user_job;

static clogin_status x_remove_user(rconn *k, void *arg) {
    remove_user_job *j = arg;
    redisReply *r;
    clogin_status st = eval_argv_call(k, j->argv, &r);
    if (st == CLOGIN_OK) {
        j->removed = r->integer;
        freeReplyObject(r);
    }
    return st;
}

static clogin_status redis_remove_user(void *self, const char *user_id,
                                       const char *const *keep,
                                       size_t keep_count, size_t *removed) {
    if (removed)
        *removed = 0;
    if (!self || !user_id || (keep_count && !keep))
        return CLOGIN_EINVAL;
    for (size_t i = 0; i < keep_count; i++)
        if (!keep[i])
            return CLOGIN_EINVAL;
    if (!user_id[0])
        return CLOGIN_OK;
    eval_argv a;
    clogin_status st = eval_argv_init(&a, remove_user_lua, user_id, keep_count);
    if (st != CLOGIN_OK)
        return st;
    for (size_t i = 0; i < keep_count; i++) {
        a.argv[5 + i] = keep[i];
        a.lens[5 + i] = strlen(keep[i]);
    }
    remove_user_job j = {&a, 0};
    st = run(self, x_remove_user, &j);
    eval_argv_free(&a);
    if (st == CLOGIN_OK && removed)
        *removed = (size_t)j.removed;
    return st;
}

static void redis_close(void *self) {
    rstore *s = self;
    if (!s)
        return;
    pool_flush(s);
    pthread_mutex_destroy(&s->lock);
    free(s->host);
    free(s->user);
    free(s->password);
    free(s);
}

static const clogin_store_ops redis_ops = {
    redis_load,      redis_save,        redis_touch, redis_remove,
    redis_list_user, redis_remove_user, redis_close};

/* --------------------------------------------------------------- the URL */


/* Percent-decode a user name or password (as redis-py does), so that one
 * holding '@', ':' or '/' can be written. NULL for a bad or %00 escape. */
static char *percent_decode(const char *s, size_t len, int *bad) {
    char *out = malloc(len + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%') {
            *o++ = s[i];
            continue;
        }
        if (i + 2 >= len || hexval((unsigned char)s[i + 1]) < 0 ||
            hexval((unsigned char)s[i + 2]) < 0 ||
            (hexval((unsigned char)s[i + 1]) == 0 && hexval((unsigned char)s[i + 2]) == 0)) {
            *bad = 1;
            free(out);
            return NULL;
        }
        *o++ = (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]));
        i += 2;
    }
    *o = '\0';
    return out;
}

/* Digits only, within [min, max]. */
static int parse_number(const char *s, size_t len, long min, long max,
                        int *out) {
    long n = 0;
    if (len == 0 || len > 10)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        n = n * 10 + (s[i] - '0');
    }
    if (n < min || n > max)
        return 0;
    *out = (int)n;
    return 1;
}

static int host_char(char c, int bracketed) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '.')
        return 1;
    return bracketed ? c == ':' : c == '-' || c == '_';
}

/* redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]. Messages never repeat the
 * URL: it may hold a password. */
static clogin_status parse_url(rstore *s, const char *url, char *err) {
    if (strncmp(url, "redis://", 8) != 0) {
        say(err, "a Redis store's URL starts with redis://");
        return CLOGIN_ECONFIG;
    }
    const char *p = url + 8;
    const char *at = strrchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (!colon) {
            say(err, "the Redis URL's credentials need a colon before the "
                     "password: redis://[USER]:PASSWORD@HOST");
            return CLOGIN_ECONFIG;
        }
        int bad = 0;
        char *user = percent_decode(p, (size_t)(colon - p), &bad);
        char *pass =
            user ? percent_decode(colon + 1, (size_t)(at - colon - 1), &bad)
                 : NULL;
        if (!user || !pass) {
            free(user);
            free(pass);
            if (!bad)
                return CLOGIN_ENOMEM;
            say(err, "the Redis URL's user name or password has an invalid "
                     "%%-escape");
            return CLOGIN_ECONFIG;
        }
        /* ":@" is no credentials; "user:@" is a user without a password. */
        if (user[0])
            s->user = user;
        else
            free(user);
        if (pass[0] || s->user)
            s->password = pass;
        else
            free(pass);
        p = at + 1;
    }
    const char *host = p, *host_end;
    int bracketed = *p == '[';
    if (bracketed) {
        host = p + 1;
        host_end = strchr(host, ']');
        if (!host_end) {
            say(err, "the Redis URL's IPv6 address lacks its closing ']'");
            return CLOGIN_ECONFIG;
        }
        p = host_end + 1;
    } else {
        host_end = host + strcspn(host, ":/");
        p = host_end;
    }
    if (host_end == host) {
        say(err, "the Redis URL names no host: use redis://HOST[:PORT][/DB]");
        return CLOGIN_ECONFIG;
    }
    for (const char *c = host; c < host_end; c++)
        if (!host_char(*c, bracketed) || c - host >= 253) {
            say(err,
                "the Redis URL's host \"%.*s\" is not a host name or an "
                "IP address",
                (int)(host_end - host > 64 ? 64 : host_end - host), host);
            return CLOGIN_ECONFIG;
        }
    s->port = 6379;
    if (*p == ':') {
        size_t n = strcspn(++p, "/");
        if (!parse_number(p, n, 1, 65535, &s->port)) {
            say(err,
                "the Redis URL's port \"%.*s\" is not a number from 1 to "
                "65535",
                (int)(n > 16 ? 16 : n), p);
            return CLOGIN_ECONFIG;
        }
        p += n;
    }
    s->db = 0;
    if (*p == '/') {
        size_t n = strlen(++p);
        if (n && !parse_number(p, n, 0, INT_MAX, &s->db)) {
            say(err,
                "the Redis URL's database \"%.*s\" is not a number from "
                "0 up",
                (int)(n > 16 ? 16 : n), p);
            return CLOGIN_ECONFIG;
        }
        p += n;
    }
    if (*p) {
        say(err,
            "the Redis URL has \"%.16s\" after its host: use "
            "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]",
            p);
        return CLOGIN_ECONFIG;
    }
    s->host = clogin__strndup(host, (size_t)(host_end - host));
    return s->host ? CLOGIN_OK : CLOGIN_ENOMEM;
}

clogin_status clogin__store_redis_open(const char *url, int timeout_ms,
                                       clogin_store *out, char *err) {
    if (err)
        err[0] = '\0';
    if (!url || !out)
        return CLOGIN_EINVAL;
    out->ops = NULL;
    out->self = NULL;
    if (timeout_ms <= 0) {
        say(err, "the Redis store's timeout must be positive");
        return CLOGIN_ECONFIG;
    }
    rstore *s = calloc(1, sizeof *s);
    if (!s)
        return CLOGIN_ENOMEM;
    clogin_status st = parse_url(s, url, err);
    if (st == CLOGIN_OK && pthread_mutex_init(&s->lock, NULL) != 0)
        st = CLOGIN_ENOMEM;
    if (st != CLOGIN_OK) {
        free(s->host);
        free(s->user);
        free(s->password);
        free(s);
        return st;
    }
    s->timeout.tv_sec = timeout_ms / 1000;
    s->timeout.tv_usec = (timeout_ms % 1000) * 1000;
    out->ops = &redis_ops;
    out->self = s;
    return CLOGIN_OK;
}
