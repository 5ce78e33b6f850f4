/* Sessions and remember tokens in a server-side store. The cookie carries
 * only a signed random id (a forged one costs an HMAC, not a round trip);
 * the session stays the JSON Flask would have put in the cookie. */
#include "manager.h"

#include <stdlib.h>
#include <string.h>

static const clogin__config *cfg(const clogin_request *r) {
    return &r->m->config;
}

static const char *reason(clogin_status st) {
    return st == CLOGIN_EUNAVAILABLE ? "the store did not answer" : clogin_strerror(st);
}

/* The record's expiry: the lifetime, and the timeouts when set. */
static int64_t expiry_at(const clogin__config *c, int64_t now, int64_t created) {
    int64_t e = now + c->permanent_session_lifetime;
    if (c->session_idle_timeout && now + c->session_idle_timeout < e)
        e = now + c->session_idle_timeout;
    if (c->session_absolute_timeout && created + c->session_absolute_timeout < e)
        e = created + c->session_absolute_timeout;
    return e;
}

static int64_t expiry(const clogin_request *r, int64_t created) {
    return expiry_at(cfg(r), r->now, created);
}

/* ---- loading ---- */

typedef struct loaded {
    clogin_session *session;
    clogin_status st;
    int64_t created, last_seen, expires;
    int wrong_kind;
} loaded;

static void take_session(void *ctx, const char *id, const clogin_store_record *rec) {
    (void)id;
    loaded *l = ctx;
    if (rec->kind != CLOGIN_STORE_SESSION) {
        l->wrong_kind = 1;
        return;
    }
    l->created = rec->created;
    l->last_seen = rec->last_seen;
    l->expires = rec->expires;
    l->st = clogin_session_from_json(&l->session, rec->data, rec->data_len, 0);
}

/* Why a loaded session has timed out, or NULL. The store drops records at
 * their expiry already; this also covers a store whose clock or TTL is
 * behind, and timeouts shortened since the record was saved. */
static const char *timed_out(const clogin_request *r, const loaded *l) {
    const clogin__config *c = cfg(r);
    if (c->session_absolute_timeout && r->now - l->created >= c->session_absolute_timeout)
        return "absolute";
    if (c->session_idle_timeout && r->now - l->last_seen >= c->session_idle_timeout)
        return "idle";
    return NULL;
}

clogin_session *clogin__store_load(clogin_request *r, const char *value, size_t len) {
    const clogin_manager *m = r->m;
    char id[CLOGIN__TAG_LEN + 1];
    if (!clogin__token_verify(&m->sid_keys, value, len, id)) {
        clogin__log(r, CLOGIN_LOG_DEBUG, "session id refused: %s",
                    clogin_status_name(CLOGIN_EBADSIG));
        return NULL;
    }
    loaded l = {NULL, CLOGIN_OK, 0, 0, 0, 0};
    clogin_status st = m->store.ops->load(m->store.self, id, r->now, take_session, &l);
    if (st == CLOGIN_OK && l.wrong_kind)
        st = CLOGIN_ENOTFOUND;
    if (st == CLOGIN_OK)
        st = l.st;
    if (st != CLOGIN_OK) {
        clogin_session_free(l.session);
        if (st == CLOGIN_ENOTFOUND) {
            clogin__log(r, CLOGIN_LOG_DEBUG, "session not in the store (ended or expired)");
        } else {
            r->store_failed = st == CLOGIN_EUNAVAILABLE;
            clogin__log(r, CLOGIN_LOG_ERROR, "cannot load the session: %s", reason(st));
        }
        return NULL;
    }
    const char *why = timed_out(r, &l);
    if (why) {
        clogin__log(r, CLOGIN_LOG_DEBUG, "session ended by the %s timeout", why);
        m->store.ops->remove(m->store.self, id);
        clogin_session_free(l.session);
        return NULL;
    }
    memcpy(r->sid, id, sizeof id);
    r->sid_created = l.created;
    r->sid_last_seen = l.last_seen;
    r->sid_expires = l.expires;
    return l.session;
}

/* ---- saving ---- */

static clogin_status write_record(clogin_request *r, const char *id, clogin_session *s,
                                  int64_t created) {
    const clogin_manager *m = r->m;
    char *json;
    size_t json_len;
    clogin_status st = clogin_session_to_json(s, &json, &json_len);
    if (st != CLOGIN_OK)
        return st;
    char buf[32], addr[128];
    const char *uid = clogin__session_user_id(s, buf);
    size_t n = clogin__client_addr(r, addr, sizeof addr);
    const char *ua = clogin_request_header(r, "User-Agent");
    clogin_store_record rec = {
        .kind = CLOGIN_STORE_SESSION,
        .user_id = uid ? uid : "",
        .data = json,
        .data_len = json_len,
        .created = created,
        .last_seen = r->now,
        .expires = expiry(r, created),
        .remote_addr = n == (size_t)-1 ? "" : addr,
        .user_agent = ua ? ua : "",
    };
    st = m->store.ops->save(m->store.self, id, &rec);
    clogin_free(json);
    return st;
}

/* Flask's save rules, with a store: an emptied session is deleted, a new
 * or rotated one gets a fresh id (never one the browser chose), a changed
 * one is rewritten, and an unchanged one only has last_seen moved, at most
 * once per SESSION_TOUCH_INTERVAL. */
clogin_status clogin__store_save(clogin_request *r, clogin_session *s,
                                 char value[CLOGIN__TOKEN_LEN + 1],
                                 clogin__cookie_action *action) {
    const clogin_manager *m = r->m;
    const clogin__config *c = cfg(r);
    const clogin_store *store = &m->store;
    *action = CLOGIN__COOKIE_KEEP;
    if (r->store_failed && !r->rotate)
        return CLOGIN_OK; /* what is stored stays as it is */
    int had = r->sid[0] != '\0';
    clogin_status st = CLOGIN_OK;
    if (clogin_session_count(s) == 0) {
        if (had)
            st = store->ops->remove(store->self, r->sid);
        if (r->session_cookie_sent && (had || clogin_session_modified(s)))
            *action = CLOGIN__COOKIE_DELETE;
        if (st != CLOGIN_OK)
            clogin__log(r, CLOGIN_LOG_ERROR, "cannot delete the session: %s", reason(st));
        return st;
    }
    int permanent = 0;
    clogin_session_get_bool(s, CLOGIN__KEY_PERMANENT, &permanent);
    int refresh = permanent && c->session_refresh_each_request;
    if (!had || r->rotate) {
        char id[CLOGIN__TAG_LEN + 1];
        st = clogin__token_new(&m->sid_keys, id, value);
        if (st == CLOGIN_OK)
            st = write_record(r, id, s, r->now);
        if (st != CLOGIN_OK) {
            clogin__log(r, CLOGIN_LOG_ERROR, "cannot store the session: %s", reason(st));
            return st; /* the browser keeps its old cookie, the store its record */
        }
        if (had) /* the old id dies with the login it carried */
            store->ops->remove(store->self, r->sid);
        *action = CLOGIN__COOKIE_SET;
        return CLOGIN_OK;
    }
    if (clogin_session_modified(s)) {
        st = write_record(r, r->sid, s, r->sid_created);
    } else if (r->now - r->sid_last_seen >= c->session_touch_interval) {
        /* As in Flask, only a permanent session refreshed on every request
         * lives on by being used; an idle timeout moves with use anyway. */
        int64_t e = expiry(r, r->sid_created);
        if (!refresh && !c->session_idle_timeout && r->sid_expires < e)
            e = r->sid_expires;
        st = store->ops->touch(store->self, r->sid, r->now, e);
        if (st != CLOGIN_OK && st != CLOGIN_ENOTFOUND) /* revoked meanwhile: fine */
            clogin__log(r, CLOGIN_LOG_ERROR, "cannot update the session's last use: %s",
                        reason(st));
        st = CLOGIN_OK; /* the session is as it was: nothing to tell the response */
    }
    if (st != CLOGIN_OK) {
        clogin__log(r, CLOGIN_LOG_ERROR, "cannot update the session: %s", reason(st));
        return st;
    }
    if (refresh) {
        st = clogin__token_of(&m->sid_keys, r->sid, value);
        if (st == CLOGIN_OK)
            *action = CLOGIN__COOKIE_SET;
    }
    return st;
}

/* ---- remember tokens ---- */

typedef struct token_rec {
    char *user_id, *auth;
    int64_t expires;
    int ok;
} token_rec;

static void take_token(void *ctx, const char *id, const clogin_store_record *rec) {
    (void)id;
    token_rec *t = ctx;
    if (rec->kind != CLOGIN_STORE_REMEMBER || !rec->user_id[0])
        return;
    t->user_id = clogin__strdup(rec->user_id);
    t->auth = clogin__strndup(rec->data, rec->data_len);
    t->expires = rec->expires;
    t->ok = 1;
}

clogin_status clogin__store_remembered(clogin_request *r, const char *value,
                                       size_t len, char **user_id, char **auth) {
    const clogin_manager *m = r->m;
    *user_id = *auth = NULL;
    char id[CLOGIN__TAG_LEN + 1];
    if (!clogin__token_verify(&m->remember_keys, value, len, id))
        return CLOGIN_EBADSIG;
    token_rec t = {NULL, NULL, 0, 0};
    clogin_status st = m->store.ops->load(m->store.self, id, r->now, take_token, &t);
    if (st == CLOGIN_OK && !t.ok)
        st = CLOGIN_ENOTFOUND;
    if (st == CLOGIN_OK && (!t.user_id || !t.auth))
        st = CLOGIN_ENOMEM;
    if (st != CLOGIN_OK) {
        free(t.user_id);
        free(t.auth);
        if (st == CLOGIN_EUNAVAILABLE)
            clogin__log(r, CLOGIN_LOG_ERROR, "cannot check the remember token: %s",
                        reason(st));
        return st;
    }
    memcpy(r->rid, id, sizeof id);
    r->rid_expires = t.expires;
    *user_id = t.user_id;
    *auth = t.auth;
    return CLOGIN_OK;
}

clogin_status clogin__store_remember_issue(clogin_request *r, const char *user_id,
                                           const char *auth, int64_t expires,
                                           char value[CLOGIN__TOKEN_LEN + 1]) {
    const clogin_manager *m = r->m;
    char id[CLOGIN__TAG_LEN + 1], addr[128];
    clogin_status st = clogin__token_new(&m->remember_keys, id, value);
    if (st != CLOGIN_OK)
        return st;
    size_t n = clogin__client_addr(r, addr, sizeof addr);
    const char *ua = clogin_request_header(r, "User-Agent");
    clogin_store_record rec = {
        .kind = CLOGIN_STORE_REMEMBER,
        .user_id = user_id,
        .data = auth ? auth : "",
        .data_len = auth ? strlen(auth) : 0,
        .created = r->now,
        .last_seen = r->now,
        .expires = expires,
        .remote_addr = n == (size_t)-1 ? "" : addr,
        .user_agent = ua ? ua : "",
    };
    st = m->store.ops->save(m->store.self, id, &rec);
    if (st != CLOGIN_OK)
        clogin__log(r, CLOGIN_LOG_ERROR, "cannot store the remember token: %s", reason(st));
    return st;
}

int clogin__sent_remember_token(const clogin_request *r, char id[CLOGIN__TAG_LEN + 1]) {
    char buf[256];
    const char *value;
    size_t len;
    return clogin__cookie(r, cfg(r)->remember_cookie.name, &value, &len, buf, sizeof buf) ==
               CLOGIN_OK &&
           clogin__token_verify(&r->m->remember_keys, value, len, id);
}

void clogin__store_remember_forget(clogin_request *r) {
    const clogin_manager *m = r->m;
    char id[CLOGIN__TAG_LEN + 1];
    if (!clogin__sent_remember_token(r, id))
        return;
    clogin_status st = m->store.ops->remove(m->store.self, id);
    if (st != CLOGIN_OK)
        clogin__log(r, CLOGIN_LOG_ERROR, "cannot delete the remember token: %s", reason(st));
}

clogin_status clogin__store_plant(const clogin_manager *m, clogin_session *s,
                                  const char *user_id, int64_t now,
                                  char value[CLOGIN__TOKEN_LEN + 1]) {
    char id[CLOGIN__TAG_LEN + 1];
    char *json;
    size_t json_len;
    clogin_status st = clogin__token_new(&m->sid_keys, id, value);
    if (st == CLOGIN_OK)
        st = clogin_session_to_json(s, &json, &json_len);
    if (st != CLOGIN_OK)
        return st;
    clogin_store_record rec = {CLOGIN_STORE_SESSION, user_id, json, json_len, now, now,
                               expiry_at(&m->config, now, now), "", ""};
    st = m->store.ops->save(m->store.self, id, &rec);
    clogin_free(json);
    return st;
}
