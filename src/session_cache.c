/* A small per-thread cache of verified session cookies. Browsers send the
 * same cookie bytes request after request, so the exact bytes map to the
 * session they decoded to (and the time they were signed): a repeat costs
 * a hash and a compare instead of the HMAC, inflate and JSON parse. The
 * maximum age is still checked on every hit. This is sound only because a
 * started manager never changes: entries are keyed by the manager's
 * generation, a number never reused, so a manager freed and another made
 * at the same address cannot see the first one's entries. Sessions share
 * the cached JSON and copy it before their first change. */
#include "session_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 64 /* per thread; a slot holds one cookie, a few hundred bytes */

typedef struct entry {
    uint64_t generation; /* 0: empty */
    uint64_t hash;
    char *value;
    size_t len;
    json_t *root;
    int64_t timestamp;
} entry;

typedef struct cache {
    entry slots[SLOTS];
} cache;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static int cache_key_ok;

static void clear(entry *e) {
    free(e->value);
    json_decref(e->root);
    memset(e, 0, sizeof *e);
}

static void free_cache(void *p) {
    cache *c = p;
    for (size_t i = 0; i < SLOTS; i++)
        clear(&c->slots[i]);
    free(c);
}

static void make_key(void) {
    cache_key_ok = pthread_key_create(&cache_key, free_cache) == 0;
}

static cache *thread_cache(void) {
    pthread_once(&cache_once, make_key);
    if (!cache_key_ok)
        return NULL;
    cache *c = pthread_getspecific(cache_key);
    if (!c && (c = calloc(1, sizeof *c)) != NULL && pthread_setspecific(cache_key, c) != 0) {
        free(c);
        c = NULL;
    }
    return c;
}

/* FNV-1a over the length and the last 16 bytes, which end in the cookie's
 * signature: stored cookies differ there. A collision only costs the
 * compare that follows, so nothing an attacker sends can make a wrong hit. */
static uint64_t hash_of(const char *s, size_t len) {
    uint64_t h = (UINT64_C(14695981039346656037) ^ len) * UINT64_C(1099511628211);
    for (size_t i = len > 16 ? len - 16 : 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
    return h;
}

static entry *slot_of(cache *c, uint64_t hash) {
    return &c->slots[hash % SLOTS];
}

json_t *clogin__session_cache_get(uint64_t generation, const char *value, size_t len,
                                  int64_t now, int64_t max_age) {
    cache *c = thread_cache();
    if (!c)
        return NULL;
    uint64_t h = hash_of(value, len);
    entry *e = slot_of(c, h);
    if (e->generation != generation || e->hash != h || e->len != len ||
        memcmp(e->value, value, len) != 0)
        return NULL;
    /* the same checks as a decode, at this request's time */
    if (e->timestamp > now || (max_age >= 0 && now - e->timestamp > max_age)) {
        clear(e);
        return NULL;
    }
    return json_incref(e->root);
}

void clogin__session_cache_put(uint64_t generation, const char *value, size_t len,
                               int64_t timestamp, clogin_session *s) {
    cache *c = thread_cache();
    char *copy = c ? malloc(len ? len : 1) : NULL;
    if (!copy)
        return; /* only slower */
    memcpy(copy, value, len);
    uint64_t h = hash_of(value, len);
    entry *e = slot_of(c, h);
    clear(e);
    e->generation = generation;
    e->hash = h;
    e->value = copy;
    e->len = len;
    e->root = json_incref(s->root);
    e->timestamp = timestamp;
    s->shared = 1;
}
