/* A user's sessions in the store: listing them and ending them. */
#include "manager.h"

#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A handle is a hash of the id: stable, and useless for logging in. */
static void handle_of(const char *id, char out[17]) {
    uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)id, strlen(id), digest);
    clogin__hex(digest, 8, out);
    out[16] = '\0';
}

typedef struct entry {
    clogin_session_info info;
    char id[CLOGIN__TAG_LEN + 1];
    char rid[CLOGIN__TAG_LEN + 1]; /* its browser's remember token, or "" */
    char *addr, *ua;
} entry;

typedef struct collected {
    entry *items;
    size_t count, cap;
    int failed;
    const char *current;
    const clogin_manager *m;
    const void *user; /* the owner, whose auth hash a live session matches */
} collected;

/* What the session's JSON says of its login: 0 when the user's auth hash
 * has changed since (the login is over, though its record waits for the
 * browser's next request), else 1 and the remember token's id. */
static int still_live(const collected *c, const clogin_store_record *rec,
                      char rid[CLOGIN__TAG_LEN + 1]) {
    json_t *root;
    rid[0] = '\0';
    if (clogin__json_parse(rec->data, rec->data_len, 0, 0, &root) != CLOGIN_OK)
        return 0;
    const char *auth = json_string_value(json_object_get(root, CLOGIN__KEY_AUTH_HASH));
    const char *token = json_string_value(json_object_get(root, CLOGIN__KEY_REMEMBER_TOKEN));
    int live = clogin__auth_matches(c->m, c->user, auth, auth ? strlen(auth) : 0);
    if (token && strlen(token) == CLOGIN__TAG_LEN)
        memcpy(rid, token, CLOGIN__TAG_LEN + 1);
    json_decref(root);
    return live;
}

static void collect(void *ctx, const char *id, const clogin_store_record *rec) {
    collected *c = ctx;
    if (rec->kind != CLOGIN_STORE_SESSION || c->failed || strlen(id) > CLOGIN__TAG_LEN)
        return;
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        entry *items = realloc(c->items, cap * sizeof *items);
        if (!items) {
            c->failed = 1;
            return;
        }
        c->items = items;
        c->cap = cap;
    }
    entry *e = &c->items[c->count];
    memset(e, 0, sizeof *e);
    if (!still_live(c, rec, e->rid))
        return;
    strcpy(e->id, id);
    handle_of(id, e->info.handle);
    e->info.current = c->current && strcmp(c->current, id) == 0;
    e->info.created = rec->created;
    e->info.last_seen = rec->last_seen;
    e->info.expires = rec->expires;
    e->addr = clogin__strdup(rec->remote_addr);
    e->ua = clogin__strdup(rec->user_agent);
    if (!e->addr || !e->ua) {
        free(e->addr);
        free(e->ua);
        c->failed = 1;
        return;
    }
    e->info.remote_addr = e->addr;
    e->info.user_agent = e->ua;
    c->count++;
}

static int by_created(const void *a, const void *b) {
    const entry *x = a, *y = b;
    if (x->info.created != y->info.created)
        return x->info.created < y->info.created ? -1 : 1;
    return strcmp(x->id, y->id);
}

static void release(collected *c) {
    for (size_t i = 0; i < c->count; i++) {
        free(c->items[i].addr);
        free(c->items[i].ua);
    }
    free(c->items);
}

/* The current user's id, with a store; else why not. */
static clogin_status owner(clogin_request *r, const char **id) {
    if (!r)
        return CLOGIN_EINVAL;
    if (!clogin__stored(r->m))
        return CLOGIN_ESTATE;
    *id = clogin_is_anonymous(r) ? NULL : clogin_current_user_id(r);
    return *id ? CLOGIN_OK : CLOGIN_ESTATE;
}

/* The user's sessions, collected so that callbacks run outside the store
 * and in a stable order. */
static clogin_status list(clogin_request *r, const char *uid, collected *c) {
    const clogin_store *st = &r->m->store;
    memset(c, 0, sizeof *c);
    c->current = r->sid[0] ? r->sid : NULL;
    c->m = r->m;
    c->user = clogin_current_user(r);
    clogin_status s = st->ops->list_user(st->self, uid, r->now, collect, c);
    if (s == CLOGIN_OK && c->failed)
        s = CLOGIN_ENOMEM;
    if (s != CLOGIN_OK) {
        release(c);
        return s;
    }
    if (c->count > 1)
        qsort(c->items, c->count, sizeof *c->items, by_created);
    return CLOGIN_OK;
}

clogin_status clogin_list_sessions(clogin_request *r, clogin_session_info_fn fn, void *ctx) {
    const char *uid;
    clogin_status st = owner(r, &uid);
    if (st != CLOGIN_OK)
        return st;
    collected c;
    st = list(r, uid, &c);
    if (st != CLOGIN_OK)
        return st;
    for (size_t i = 0; fn && i < c.count; i++)
        fn(ctx, &c.items[i].info);
    release(&c);
    return CLOGIN_OK;
}

/* Ending this browser's own session is logging out; another's goes with
 * the remember token its browser holds, or that browser would be logged
 * straight back in. */
clogin_status clogin_end_session(clogin_request *r, const char *handle) {
    const char *uid;
    clogin_status st = owner(r, &uid);
    if (st != CLOGIN_OK || !handle)
        return st != CLOGIN_OK ? st : CLOGIN_EINVAL;
    collected c;
    st = list(r, uid, &c);
    if (st != CLOGIN_OK)
        return st;
    const clogin_store *store = &r->m->store;
    const entry *e = NULL;
    for (size_t i = 0; i < c.count && !e; i++)
        if (strcmp(c.items[i].info.handle, handle) == 0)
            e = &c.items[i];
    if (!e)
        st = CLOGIN_ENOTFOUND;
    else if (e->info.current)
        st = clogin_logout_user(r);
    else if ((st = store->ops->remove(store->self, e->id)) == CLOGIN_OK && e->rid[0])
        st = store->ops->remove(store->self, e->rid);
    release(&c);
    return st;
}

clogin_status clogin_logout_other_sessions(clogin_request *r) {
    const char *uid;
    clogin_status st = owner(r, &uid);
    if (st != CLOGIN_OK)
        return st;
    const clogin_manager *m = r->m;
    const char *keep[2];
    size_t n = 0;
    if (r->sid[0])
        keep[n++] = r->sid;
    char rid[CLOGIN__TAG_LEN + 1];
    if (clogin__sent_remember_token(r, rid))
        keep[n++] = rid;
    st = m->store.ops->remove_user(m->store.self, uid, keep, n, NULL);
    if (st != CLOGIN_OK)
        clogin__log(r, CLOGIN_LOG_ERROR, "cannot end the other sessions: %s",
                    clogin_strerror(st));
    return st;
}

clogin_status clogin_manager_end_user_sessions(const clogin_manager *m, const char *user_id,
                                               size_t *removed) {
    if (removed)
        *removed = 0;
    if (!m || !user_id)
        return CLOGIN_EINVAL;
    if (!m->started || !clogin__stored(m))
        return CLOGIN_ESTATE;
    return m->store.ops->remove_user(m->store.self, user_id, NULL, 0, removed);
}
