/* The "memory" session store: records live in this process only.
 *
 * One mutex guards everything: a hash table of records by id, a list from
 * the most to the least recently used record (load, save and touch count as
 * use) that keeps the table at max_entries, and a second table from each
 * user id to that user's records so list_user and remove_user never scan
 * the whole store. Both tables hash with SipHash-2-4 under a random key,
 * because ids and user ids come from outside and must not be able to pile
 * up in one bucket.
 *
 * Callbacks are never called under the lock: load and list_user copy what
 * they found into one block, unlock, then call. A callback may therefore
 * use the store itself, and a slow one holds up no other thread.
 *
 * Nothing that can fail happens after the first change to the tables, so
 * CLOGIN_ENOMEM always leaves the store as it was. Expired records are
 * dropped when an operation that knows the time meets them; until then they
 * count towards max_entries, and the least recently used ones go first. */
#include "internal.h"
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- SipHash-2-4 (Aumasson and Bernstein) ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                               \
    do {                                                                       \
        v0 += v1;                                                              \
        v1 = ROTL(v1, 13);                                                     \
        v1 ^= v0;                                                              \
        v0 = ROTL(v0, 32);                                                     \
        v2 += v3;                                                              \
        v3 = ROTL(v3, 16);                                                     \
        v3 ^= v2;                                                              \
        v0 += v3;                                                              \
        v3 = ROTL(v3, 21);                                                     \
        v3 ^= v0;                                                              \
        v2 += v1;                                                              \
        v1 = ROTL(v1, 17);                                                     \
        v1 ^= v2;                                                              \
        v2 = ROTL(v2, 32);                                                     \
    } while (0)

static uint64_t le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t siphash24(const uint8_t key[16], const char *text, size_t len) {
    const uint8_t *in = (const uint8_t *)text;
    uint64_t k0 = le64(key), k1 = le64(key + 8);
    uint64_t v0 = UINT64_C(0x736f6d6570736575) ^ k0;
    uint64_t v1 = UINT64_C(0x646f72616e646f6d) ^ k1;
    uint64_t v2 = UINT64_C(0x6c7967656e657261) ^ k0;
    uint64_t v3 = UINT64_C(0x7465646279746573) ^ k1;
    size_t whole = len - len % 8;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m = le64(in + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t last = (uint64_t)len << 56;
    for (size_t i = 0; i < len % 8; i++)
        last |= (uint64_t)in[whole + i] << (8 * i);
    v3 ^= last;
    SIPROUND;
    SIPROUND;
    v0 ^= last;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- an intrusive chained hash table of string keys ---- */

typedef struct hnode {
    struct hnode *next; /* in the same slot */
    uint64_t hash;
    const char *key; /* owned by the structure that embeds the node */
} hnode;

typedef struct htable {
    hnode **slots;
    size_t mask; /* slot count - 1; the count is a power of two */
    size_t count;
} htable;

#define INITIAL_SLOTS 16

static int ht_init(htable *t) {
    t->slots = calloc(INITIAL_SLOTS, sizeof *t->slots);
    t->mask = INITIAL_SLOTS - 1;
    t->count = 0;
    return t->slots != NULL;
}

static hnode *ht_find(const htable *t, uint64_t hash, const char *key) {
    for (hnode *n = t->slots[hash & t->mask]; n; n = n->next)
        if (n->hash == hash && strcmp(n->key, key) == 0)
            return n;
    return NULL;
}

/* Doubles the slots. When that memory is not there the table keeps working
 * with longer chains, so a failure here is not an error. */
static void ht_grow(htable *t) {
    size_t size = (t->mask + 1) * 2;
    if (size > SIZE_MAX / sizeof *t->slots)
        return;
    hnode **slots = calloc(size, sizeof *slots);
    if (!slots)
        return;
    for (size_t i = 0; i <= t->mask; i++) {
        hnode *n = t->slots[i], *next;
        for (; n; n = next) {
            next = n->next;
            n->next = slots[n->hash & (size - 1)];
            slots[n->hash & (size - 1)] = n;
        }
    }
    free(t->slots);
    t->slots = slots;
    t->mask = size - 1;
}

static void ht_insert(htable *t, hnode *n) {
    hnode **slot = &t->slots[n->hash & t->mask];
    n->next = *slot;
    *slot = n;
    if (++t->count > t->mask + 1)
        ht_grow(t);
}

static void ht_remove(htable *t, hnode *n) {
    hnode **link = &t->slots[n->hash & t->mask];
    while (*link != n)
        link = &(*link)->next;
    *link = n->next;
    t->count--;
}

/* ---- records and users ---- */

/* A record's strings in one block, so that save() replaces them at once. */
typedef struct mem_strings {
    size_t size; /* bytes of text, the NULs included */
    size_t data_len;
    const char *user_id, *data, *remote_addr, *user_agent; /* into text */
    char text[];
} mem_strings;

typedef struct mem_user mem_user;

typedef struct mem_entry {
    hnode node;                      /* first: in mem_store.entries */
    struct mem_entry *newer, *older; /* the recency list */
    mem_user *user;                  /* NULL when user_id is "" */
    struct mem_entry *user_prev, *user_next;
    clogin_store_kind kind;
    int64_t created, last_seen, expires;
    mem_strings *strings;
    size_t id_len;
    char id[];
} mem_entry;

struct mem_user {
    hnode node;       /* first: in mem_store.users */
    mem_entry *first; /* never NULL while the user is in the table */
    char id[];
};

typedef struct mem_store {
    pthread_mutex_t lock;
    uint8_t key[16]; /* SipHash's */
    size_t max_entries;
    htable entries, users;
    mem_entry *newest, *oldest;
} mem_store;

static mem_strings *strings_new(const clogin_store_record *r) {
    const char *user_id = r->user_id ? r->user_id : "";
    const char *addr = r->remote_addr ? r->remote_addr : "";
    const char *agent = r->user_agent ? r->user_agent : "";
    size_t u = strlen(user_id), a = strlen(addr), g = strlen(agent);
    /* The three strings are in memory already, so only data_len can make
     * the sum overflow. */
    size_t fixed = sizeof(mem_strings) + u + a + g + 4;
    if (r->data_len > SIZE_MAX - fixed)
        return NULL;
    mem_strings *s = malloc(fixed + r->data_len);
    if (!s)
        return NULL;
    s->size = u + a + g + 4 + r->data_len;
    s->data_len = r->data_len;
    char *p = s->text;
    s->user_id = p;
    memcpy(p, user_id, u + 1);
    p += u + 1;
    s->data = p;
    if (r->data_len)
        memcpy(p, r->data, r->data_len);
    p[r->data_len] = '\0'; /* data need not be NUL-terminated on input */
    p += r->data_len + 1;
    s->remote_addr = p;
    memcpy(p, addr, a + 1);
    p += a + 1;
    s->user_agent = p;
    memcpy(p, agent, g + 1);
    return s;
}

static uint64_t hash_of(const mem_store *s, const char *key) {
    return siphash24(s->key, key, strlen(key));
}

static mem_entry *entry_find(const mem_store *s, const char *id) {
    /* node is the first member, so a node is its entry */
    return (mem_entry *)ht_find(&s->entries, hash_of(s, id), id);
}

static mem_user *user_find(const mem_store *s, const char *user_id) {
    return (mem_user *)ht_find(&s->users, hash_of(s, user_id), user_id);
}

static void lru_unlink(mem_store *s, mem_entry *e) {
    if (e->newer)
        e->newer->older = e->older;
    else
        s->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        s->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void lru_push(mem_store *s, mem_entry *e) {
    e->newer = NULL;
    e->older = s->newest;
    if (s->newest)
        s->newest->newer = e;
    else
        s->oldest = e;
    s->newest = e;
}

static void lru_use(mem_store *s, mem_entry *e) {
    if (s->newest != e) {
        lru_unlink(s, e);
        lru_push(s, e);
    }
}

/* The user's index entry, made (and put in the table, empty) if needed:
 * the caller links a record to it before anything else can fail. */
static mem_user *user_get(mem_store *s, const char *user_id) {
    mem_user *u = user_find(s, user_id);
    if (u)
        return u;
    size_t len = strlen(user_id);
    u = malloc(sizeof *u + len + 1);
    if (!u)
        return NULL;
    memcpy(u->id, user_id, len + 1);
    u->node.hash = hash_of(s, user_id);
    u->node.key = u->id;
    u->first = NULL;
    ht_insert(&s->users, &u->node);
    return u;
}

static void user_link(mem_user *u, mem_entry *e) {
    e->user = u;
    e->user_prev = NULL;
    e->user_next = u->first;
    if (u->first)
        u->first->user_prev = e;
    u->first = e;
}

/* Takes the record out of its user's index; a user left without records
 * goes too, so the user table holds only users that have some. */
static void user_unlink(mem_store *s, mem_entry *e) {
    mem_user *u = e->user;
    if (!u)
        return;
    if (e->user_prev)
        e->user_prev->user_next = e->user_next;
    else
        u->first = e->user_next;
    if (e->user_next)
        e->user_next->user_prev = e->user_prev;
    e->user = NULL;
    e->user_prev = e->user_next = NULL;
    if (!u->first) {
        ht_remove(&s->users, &u->node);
        free(u);
    }
}

static void entry_drop(mem_store *s, mem_entry *e) {
    ht_remove(&s->entries, &e->node);
    lru_unlink(s, e);
    user_unlink(s, e);
    free(e->strings);
    free(e);
}

/* ---- copies handed to callbacks ---- */

typedef struct mem_copy {
    const char *id;
    clogin_store_record record;
} mem_copy;

static size_t copy_size(const mem_entry *e) {
    return e->id_len + 1 + e->strings->size;
}

/* Fills c from e, its strings going to *pos, which then moves past them. */
static void copy_fill(mem_copy *c, char **pos, const mem_entry *e) {
    const mem_strings *s = e->strings;
    char *p = *pos;
    memcpy(p, e->id, e->id_len + 1);
    c->id = p;
    p += e->id_len + 1;
    memcpy(p, s->text, s->size);
    c->record.kind = e->kind;
    c->record.user_id = p + (s->user_id - s->text);
    c->record.data = p + (s->data - s->text);
    c->record.data_len = s->data_len;
    c->record.created = e->created;
    c->record.last_seen = e->last_seen;
    c->record.expires = e->expires;
    c->record.remote_addr = p + (s->remote_addr - s->text);
    c->record.user_agent = p + (s->user_agent - s->text);
    *pos = p + s->size;
}

/* ---- the operations ---- */

static clogin_status mem_load(void *self, const char *id, int64_t now,
                              clogin_store_record_fn fn, void *ctx) {
    mem_store *s = self;
    if (!s || !id || !fn)
        return CLOGIN_EINVAL;
    clogin_status st = CLOGIN_ENOTFOUND;
    mem_copy *c = NULL;
    pthread_mutex_lock(&s->lock);
    mem_entry *e = entry_find(s, id);
    if (e && e->expires <= now) {
        entry_drop(s, e);
        e = NULL;
    }
    if (e) {
        c = malloc(sizeof *c + copy_size(e));
        if (c) {
            char *pos = (char *)(c + 1);
            copy_fill(c, &pos, e);
            lru_use(s, e);
            st = CLOGIN_OK;
        } else {
            st = CLOGIN_ENOMEM;
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (c)
        fn(ctx, c->id, &c->record);
    free(c);
    return st;
}

static clogin_status mem_save(void *self, const char *id,
                              const clogin_store_record *record) {
    mem_store *s = self;
    if (!s || !id || !record || (!record->data && record->data_len))
        return CLOGIN_EINVAL;
    /* Copied before locking, so no thread waits while data is copied. */
    mem_strings *strings = strings_new(record);
    if (!strings)
        return CLOGIN_ENOMEM;
    const char *user_id = strings->user_id;
    clogin_status st = CLOGIN_OK;
    pthread_mutex_lock(&s->lock);
    mem_entry *e = entry_find(s, id);
    if (e) {
        /* Moving to another user's index is the one step that may fail
         * (a new user), so it comes first. */
        const char *old = e->user ? e->user->id : "";
        if (strcmp(old, user_id) != 0) {
            mem_user *u = NULL;
            if (user_id[0] && !(u = user_get(s, user_id))) {
                st = CLOGIN_ENOMEM;
                goto done;
            }
            user_unlink(s, e);
            if (u)
                user_link(u, e);
        }
        mem_strings *swap = e->strings;
        e->strings = strings;
        strings = swap; /* the old ones are freed after unlocking */
    } else {
        size_t id_len = strlen(id);
        e = malloc(sizeof *e + id_len + 1);
        mem_user *u = NULL;
        if (!e || (user_id[0] && !(u = user_get(s, user_id)))) {
            free(e);
            st = CLOGIN_ENOMEM;
            goto done;
        }
        memcpy(e->id, id, id_len + 1);
        e->id_len = id_len;
        e->node.hash = hash_of(s, id);
        e->node.key = e->id;
        e->user = NULL;
        e->user_prev = e->user_next = NULL;
        if (u)
            user_link(u, e);
        e->strings = strings;
        strings = NULL;
        ht_insert(&s->entries, &e->node);
        lru_push(s, e);
    }
    e->kind = record->kind;
    e->created = record->created;
    e->last_seen = record->last_seen;
    e->expires = record->expires;
    lru_use(s, e);
    /* The new record is the newest and max_entries is at least 1, so the
     * oldest is never the record just saved. */
    while (s->entries.count > s->max_entries)
        entry_drop(s, s->oldest);
done:
    pthread_mutex_unlock(&s->lock);
    free(strings);
    return st;
}

/* touch() is given no clock: last_seen is the caller's now. */
static clogin_status mem_touch(void *self, const char *id, int64_t last_seen,
                               int64_t expires) {
    mem_store *s = self;
    if (!s || !id)
        return CLOGIN_EINVAL;
    clogin_status st = CLOGIN_ENOTFOUND;
    pthread_mutex_lock(&s->lock);
    mem_entry *e = entry_find(s, id);
    if (e && e->expires <= last_seen) {
        entry_drop(s, e);
    } else if (e) {
        e->last_seen = last_seen;
        e->expires = expires;
        lru_use(s, e);
        st = CLOGIN_OK;
    }
    pthread_mutex_unlock(&s->lock);
    return st;
}

static clogin_status mem_remove(void *self, const char *id) {
    mem_store *s = self;
    if (!s || !id)
        return CLOGIN_EINVAL;
    pthread_mutex_lock(&s->lock);
    mem_entry *e = entry_find(s, id);
    if (e)
        entry_drop(s, e);
    pthread_mutex_unlock(&s->lock);
    return CLOGIN_OK;
}

/* list_user does not count as use: listing a user's sessions on an account
 * page must not keep them all from being evicted. */
static clogin_status mem_list_user(void *self, const char *user_id, int64_t now,
                                   clogin_store_record_fn fn, void *ctx) {
    mem_store *s = self;
    if (!s || !user_id || !fn)
        return CLOGIN_EINVAL;
    if (!user_id[0])
        return CLOGIN_OK; /* records without a user are not indexed */
    clogin_status st = CLOGIN_OK;
    mem_copy *copies = NULL;
    size_t n = 0, bytes = 0;
    pthread_mutex_lock(&s->lock);
    mem_user *u = user_find(s, user_id);
    mem_entry *e = u ? u->first : NULL, *next;
    for (; e; e = next) {
        next = e->user_next;
        if (e->expires <= now) {
            entry_drop(s, e); /* may free u when it was the last */
        } else {
            n++;
            bytes += copy_size(e);
        }
    }
    /* u still exists when n > 0: it has live records. Neither size can
     * overflow, as each copy is smaller than the entry it is made from. */
    if (n) {
        copies = malloc(n * sizeof *copies + bytes);
        if (copies) {
            char *pos = (char *)(copies + n);
            size_t i = 0;
            for (e = u->first; e; e = e->user_next)
                copy_fill(&copies[i++], &pos, e);
        } else {
            st = CLOGIN_ENOMEM;
        }
    }
    pthread_mutex_unlock(&s->lock);
    for (size_t i = 0; copies && i < n; i++)
        fn(ctx, copies[i].id, &copies[i].record);
    free(copies);
    return st;
}

static int is_kept(const char *id, const char *const *keep, size_t count) {
    for (size_t i = 0; i < count; i++)
        if (keep[i] && strcmp(keep[i], id) == 0)
            return 1;
    return 0;
}

static clogin_status mem_remove_user(void *self, const char *user_id,
                                     const char *const *keep, size_t keep_count,
                                     size_t *removed) {
    mem_store *s = self;
    if (removed)
        *removed = 0;
    if (!s || !user_id || (keep_count && !keep))
        return CLOGIN_EINVAL;
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    mem_user *u = user_id[0] ? user_find(s, user_id) : NULL;
    mem_entry *e = u ? u->first : NULL, *next;
    for (; e; e = next) {
        next = e->user_next; /* NULL when dropping e frees u */
        if (!is_kept(e->id, keep, keep_count)) {
            entry_drop(s, e);
            n++;
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (removed)
        *removed = n;
    return CLOGIN_OK;
}

static void mem_close(void *self) {
    mem_store *s = self;
    if (!s)
        return;
    /* Every record is on the recency list, every user in its table. */
    for (mem_entry *e = s->oldest, *newer; e; e = newer) {
        newer = e->newer;
        free(e->strings);
        free(e);
    }
    for (size_t i = 0; i <= s->users.mask; i++) {
        for (hnode *n = s->users.slots[i], *next; n; n = next) {
            next = n->next;
            free(n);
        }
    }
    free(s->entries.slots);
    free(s->users.slots);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static const clogin_store_ops memory_ops = {
    .load = mem_load,
    .save = mem_save,
    .touch = mem_touch,
    .remove = mem_remove,
    .list_user = mem_list_user,
    .remove_user = mem_remove_user,
    .close = mem_close,
};

clogin_status clogin__store_memory_open(size_t max_entries, clogin_store *out,
                                        char *err) {
    if (err)
        err[0] = '\0';
    if (!out)
        return CLOGIN_EINVAL;
    out->ops = NULL;
    out->self = NULL;
    if (max_entries == 0) {
        if (err)
            snprintf(err, CLOGIN_STORE_ERRLEN,
                     "the memory store needs room for at least one record");
        return CLOGIN_ECONFIG;
    }
    mem_store *s = calloc(1, sizeof *s);
    if (!s)
        return CLOGIN_ENOMEM;
    clogin_status st = clogin_random_bytes(s->key, sizeof s->key);
    if (st != CLOGIN_OK) {
        if (err)
            snprintf(err, CLOGIN_STORE_ERRLEN,
                     "no random key for the memory store: %s",
                     clogin_strerror(st));
        free(s);
        return st;
    }
    if (!ht_init(&s->entries) || !ht_init(&s->users) ||
        pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s->entries.slots);
        free(s->users.slots);
        free(s);
        return CLOGIN_ENOMEM;
    }
    s->max_entries = max_entries;
    out->ops = &memory_ops;
    out->self = s;
    return CLOGIN_OK;
}
