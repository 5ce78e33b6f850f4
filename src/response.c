/* What the response carries: a redirect, the session and remember cookies
 * (Flask's save_session and Flask-Login's _update_remember_cookie), Vary,
 * and flashed messages. */
#include "manager.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Location must be ASCII: like Werkzeug's redirect() (iri_to_uri), bytes
 * outside ASCII and spaces are percent-encoded; control characters could
 * end the header early and are refused. */
clogin_status clogin_response_redirect(clogin_request *r, const char *location) {
    if (!r || !location)
        return CLOGIN_EINVAL;
    static const char hex[] = "0123456789ABCDEF";
    clogin__buf b = {0};
    for (const unsigned char *p = (const unsigned char *)location; *p; p++) {
        if (*p < 0x20 || *p == 0x7F) {
            clogin__buf_free(&b);
            return CLOGIN_EINVAL;
        }
        if (*p >= 0x80 || *p == ' ') {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            clogin__buf_append(&b, esc, 3);
        } else {
            clogin__buf_putc(&b, (char)*p);
        }
    }
    char *copy;
    clogin_status st = clogin__buf_finish(&b, &copy, NULL);
    if (st != CLOGIN_OK)
        return st;
    free(r->location);
    r->location = copy;
    return CLOGIN_OK;
}

const char *clogin_response_location(const clogin_request *r) {
    return r ? r->location : NULL;
}

static clogin_cookie_attrs attrs_of(const clogin__cookie_config *c) {
    clogin_cookie_attrs a = CLOGIN_COOKIE_ATTRS_INIT;
    a.domain = c->domain;
    a.path = c->path;
    a.secure = c->secure;
    a.http_only = c->http_only;
    a.same_site = c->same_site;
    return a;
}

/* One Set-Cookie value: value NULL deletes the cookie (with the attributes
 * it was set with, so that browsers honour the deletion). */
static clogin_status make_cookie(clogin_request *r, const clogin__cookie_config *c,
                                 const char *value, int64_t expires, char **header) {
    clogin_cookie_attrs a = attrs_of(c);
    clogin_status st;
    if (value) {
        a.expires = expires;
        st = clogin__set_cookie_any_value(c->name, value, strlen(value), &a, header, NULL);
    } else {
        st = clogin_set_cookie_delete(c->name, &a, header, NULL);
    }
    if (st != CLOGIN_OK)
        clogin__log(r, CLOGIN_LOG_ERROR, "cannot send cookie %s: %s", c->name,
                    clogin_strerror(st));
    return st;
}

/* A remember token that restored a login is used up; it lives on for a
 * short grace so that the browser's parallel requests, sent with it, still
 * log in. One replaced by a new login goes at once. */
#define ROTATION_GRACE 60
static void retire_token(clogin_request *r, const char *id) {
    const clogin_store *store = &r->m->store;
    if (!r->restored || strcmp(id, r->rid) != 0) {
        store->ops->remove(store->self, id);
        return;
    }
    int64_t grace = r->now + ROTATION_GRACE;
    store->ops->touch(store->self, id, r->now, grace < r->rid_expires ? grace : r->rid_expires);
}

/* The remember cookie's new value. Flask-Login's format, bound to the auth
 * tag when there is one; with a store, a recorded token instead, which
 * replaces the one the browser sent. A refresh on every request (not
 * from_session) extends the token sent rather than minting one, unless it
 * just restored the login. */
static clogin_status remember_value(clogin_request *r, const char *id, const char *auth,
                                    int64_t expires, int from_session, char **value) {
    const clogin_manager *m = r->m;
    if (!clogin__stored(m)) {
        if (auth)
            return clogin__remember_bound_encode(m, id, auth, value);
        return clogin_remember_encode(m->signer, id, strlen(id), value, NULL);
    }
    char token[CLOGIN__TOKEN_LEN + 1], sent[CLOGIN__TAG_LEN + 1];
    int have = clogin__sent_remember_token(r, sent);
    clogin_status st;
    if (!from_session && have && !r->restored) {
        st = m->store.ops->touch(m->store.self, sent, r->now, expires);
        if (st == CLOGIN_OK)
            st = clogin__token_of(&m->remember_keys, sent, token);
        else if (st == CLOGIN_ENOTFOUND)
            return CLOGIN_OK; /* revoked: nothing to extend */
    } else {
        st = clogin__store_remember_issue(r, id, auth, expires, token);
        if (st == CLOGIN_OK && have)
            retire_token(r, sent);
    }
    if (st != CLOGIN_OK)
        return st;
    clogin_session_set_string(r->session, CLOGIN__KEY_REMEMBER_TOKEN, token, CLOGIN__TAG_LEN);
    *value = clogin__strdup(token);
    return *value ? CLOGIN_OK : CLOGIN_ENOMEM;
}

/* A restored login's token rotates: a new one, with the same expiry. */
static clogin_status rotate_token(clogin_request *r, const char *id, char **header) {
    const clogin_manager *m = r->m;
    if (!id)
        return CLOGIN_OK;
    char token[CLOGIN__TOKEN_LEN + 1];
    const char *auth = NULL;
    clogin_session_get_string(r->session, CLOGIN__KEY_AUTH_HASH, &auth, NULL);
    clogin_status st = clogin__store_remember_issue(r, id, auth, r->rid_expires, token);
    if (st != CLOGIN_OK)
        return st;
    retire_token(r, r->rid);
    clogin_session_set_string(r->session, CLOGIN__KEY_REMEMBER_TOKEN, token, CLOGIN__TAG_LEN);
    return make_cookie(r, &m->config.remember_cookie, token, r->rid_expires, header);
}

/* Flask-Login's _update_remember_cookie(), run before the session is saved
 * as Flask's after_request functions are. Beyond Flask-Login, the refresh
 * on every request only renews a cookie the browser actually sent. */
static clogin_status update_remember(clogin_request *r, clogin_session *s,
                                     char **header) {
    const clogin__config *c = &r->m->config;
    char op[8] = "";
    const char *v;
    size_t n;
    int from_session = 1;
    if (clogin_session_get_string(s, CLOGIN__KEY_REMEMBER, &v, &n) == CLOGIN_OK &&
        n < sizeof op) {
        memcpy(op, v, n + 1);
        clogin_session_remove(s, CLOGIN__KEY_REMEMBER);
    } else if (clogin_session_has(s, CLOGIN__KEY_REMEMBER)) {
        clogin_session_remove(s, CLOGIN__KEY_REMEMBER);
    } else if (c->remember_cookie_refresh_each_request &&
               clogin__cookie_sent(r, c->remember_cookie.name)) {
        memcpy(op, "set", 4);
        from_session = 0;
    }
    char buf[32];
    const char *id = clogin__session_user_id(s, buf);
    if (strcmp(op, "set") == 0 && id) {
        int64_t duration = c->remember_cookie_duration;
        double seconds;
        if (clogin_session_get_real(s, CLOGIN__KEY_REMEMBER_SECONDS, &seconds) == CLOGIN_OK) {
            if (!(seconds >= 1 && seconds <= (double)CLOGIN__MAX_DURATION)) {
                clogin__log(r, CLOGIN_LOG_ERROR,
                            "_remember_seconds must be a duration in seconds; "
                            "the remember cookie is not set");
                return CLOGIN_EINVAL;
            }
            duration = (int64_t)seconds;
        }
        const char *auth = NULL;
        clogin_session_get_string(s, CLOGIN__KEY_AUTH_HASH, &auth, NULL);
        char *value = NULL;
        clogin_status st = remember_value(r, id, auth, r->now + duration, from_session,
                                          &value);
        if (st == CLOGIN_OK)
            st = make_cookie(r, &c->remember_cookie, value, r->now + duration, header);
        clogin_free(value);
        return st;
    }
    if (strcmp(op, "clear") == 0) {
        if (clogin__stored(r->m))
            clogin__store_remember_forget(r);
        clogin_session_remove(s, CLOGIN__KEY_REMEMBER_TOKEN);
        return make_cookie(r, &c->remember_cookie, NULL, 0, header);
    }
    if (r->restored && r->rid[0])
        return rotate_token(r, id, header);
    return CLOGIN_OK;
}

static clogin_status save_stored(clogin_request *r, clogin_session *s, char **header) {
    const clogin__config *c = &r->m->config;
    char value[CLOGIN__TOKEN_LEN + 1];
    clogin__cookie_action action;
    clogin_status st = clogin__store_save(r, s, value, &action);
    if (st != CLOGIN_OK || action == CLOGIN__COOKIE_KEEP)
        return st;
    if (action == CLOGIN__COOKIE_DELETE)
        return make_cookie(r, &c->session_cookie, NULL, 0, header);
    int permanent = 0;
    clogin_session_get_bool(s, CLOGIN__KEY_PERMANENT, &permanent);
    return make_cookie(r, &c->session_cookie, value,
                       permanent ? r->now + c->permanent_session_lifetime : 0, header);
}

/* Flask's SecureCookieSessionInterface.save_session(): the session cookie
 * to send, if any. */
static clogin_status save_session(clogin_request *r, clogin_session *s, char **header) {
    const clogin__config *c = &r->m->config;
    if (clogin__stored(r->m))
        return save_stored(r, s, header);
    if (clogin_session_count(s) == 0) {
        if (clogin_session_modified(s) && r->session_cookie_sent)
            return make_cookie(r, &c->session_cookie, NULL, 0, header);
        return CLOGIN_OK;
    }
    int permanent = 0;
    clogin_session_get_bool(s, CLOGIN__KEY_PERMANENT, &permanent);
    if (!clogin_session_modified(s) && !(permanent && c->session_refresh_each_request))
        return CLOGIN_OK;
    char *value;
    clogin_status st = clogin_session_cookie_encode(r->m->signer, s, r->now, &value, NULL);
    if (st != CLOGIN_OK) {
        clogin__log(r, CLOGIN_LOG_ERROR, "cannot sign the session: %s", clogin_strerror(st));
        return st;
    }
    st = make_cookie(r, &c->session_cookie, value,
                     permanent ? r->now + c->permanent_session_lifetime : 0, header);
    clogin_free(value);
    return st;
}

static int emit(clogin_add_header_fn add, void *ctx, const char *name, char *value) {
    int rc = value ? add(ctx, name, value) : 0;
    clogin_free(value);
    return rc;
}

clogin_status clogin_request_finish(clogin_request *r, clogin_add_header_fn add,
                                    void *ctx) {
    if (!r || !add)
        return CLOGIN_EINVAL;
    if (r->finished)
        return CLOGIN_ESTATE;
    r->finished = 1;
    const clogin__config *c = &r->m->config;
    /* An unread session is decoded only when something may be due: a
     * permanent session refreshed on every request, or a remember cookie
     * refreshed on every request. */
    clogin_session *s = r->session;
    if (!s && ((c->session_refresh_each_request && clogin__cookie_sent(r, c->session_cookie.name)) ||
               (c->remember_cookie_refresh_each_request &&
                clogin__cookie_sent(r, c->remember_cookie.name))))
        s = clogin__session(r);
    char *remember = NULL, *session = NULL;
    clogin_status rs = CLOGIN_OK, ss = CLOGIN_OK;
    /* Flask runs after_request functions (Flask-Login's remember cookie)
     * before it saves the session; the headers go out in the documented
     * order all the same. */
    if (s) {
        rs = update_remember(r, s, &remember);
        ss = save_session(r, s, &session);
    }
    int vary = r->session_accessed || session;
    int rc = 0;
    if (r->location)
        rc |= add(ctx, "Location", r->location);
    rc |= emit(add, ctx, "Set-Cookie", session);
    rc |= emit(add, ctx, "Set-Cookie", remember);
    if (vary)
        rc |= add(ctx, "Vary", "Cookie");
    if (rc != 0)
        return CLOGIN_ENOMEM;
    return ss != CLOGIN_OK ? ss : rs;
}

/* ---- flashed messages ---- */

clogin_status clogin_flash(clogin_request *r, const char *message,
                           const char *category) {
    if (!r || !message)
        return CLOGIN_EINVAL;
    clogin_session *s = clogin_request_session(r);
    if (!s)
        return CLOGIN_ENOMEM;
    return clogin_session_flash(s, category ? category : "message", message);
}

size_t clogin_get_flashed_messages(clogin_request *r,
                                   const char *const *category_filter,
                                   clogin_flash_fn fn, void *ctx) {
    if (!r)
        return 0;
    if (!r->flashes) {
        clogin_session *s = clogin_request_session(r);
        json_t *list = s ? json_object_get(s->root, "_flashes") : NULL;
        r->flashes = json_is_array(list) ? json_incref(list) : json_array();
        if (s && list)
            clogin_session_remove(s, "_flashes");
        if (!r->flashes)
            return 0;
    }
    size_t count = 0;
    for (size_t i = 0; i < json_array_size(r->flashes); i++) {
        const char *category, *message;
        if (!clogin__flash_entry(json_array_get(r->flashes, i), &category, &message))
            continue;
        int wanted = !category_filter || !category_filter[0]; /* Flask: empty = all */
        for (size_t k = 0; category_filter && category_filter[k] && !wanted; k++)
            wanted = strcmp(category_filter[k], category) == 0;
        if (!wanted)
            continue;
        if (fn)
            fn(ctx, category, message);
        count++;
    }
    return count;
}

/* ---- FlaskLoginClient ---- */

clogin_status clogin_test_login_cookie(const clogin_manager *m, const char *user_id,
                                       int fresh, const char *remote_addr,
                                       const char *user_agent, int64_t now,
                                       char **cookie_header) {
    if (!m || !user_id || !cookie_header)
        return CLOGIN_EINVAL;
    *cookie_header = NULL;
    if (!m->started)
        return CLOGIN_ESTATE;
    char ident[CLOGIN_SESSION_ID_LEN + 1];
    clogin_session *s;
    clogin_status st = clogin__session_identifier(m->signer->sha512,
                                                  m->config.identifier_format,
                                                  remote_addr, user_agent, ident);
    if (st != CLOGIN_OK)
        return st;
    st = clogin_session_new(&s);
    if (st != CLOGIN_OK)
        return st;
    char *value = NULL;
    st = clogin_session_set_string(s, CLOGIN__KEY_USER_ID, user_id, strlen(user_id));
    if (st == CLOGIN_OK)
        st = clogin_session_set_bool(s, CLOGIN__KEY_FRESH, fresh != 0);
    if (st == CLOGIN_OK)
        st = clogin_session_set_string(s, CLOGIN__KEY_ID, ident, CLOGIN_SESSION_ID_LEN);
    if (!now)
        now = (int64_t)time(NULL);
    char token[CLOGIN__TOKEN_LEN + 1];
    if (st == CLOGIN_OK && clogin__stored(m)) {
        st = clogin__store_plant(m, s, user_id, now, token);
        if (st == CLOGIN_OK && !(value = clogin__strdup(token)))
            st = CLOGIN_ENOMEM;
    } else if (st == CLOGIN_OK) {
        st = clogin_session_cookie_encode(m->signer, s, now, &value, NULL);
    }
    clogin_session_free(s);
    if (st != CLOGIN_OK)
        return st;
    const char *name = m->config.session_cookie.name;
    size_t n = strlen(name) + 1 + strlen(value) + 1;
    char *header = malloc(n);
    if (header) {
        memcpy(header, name, strlen(name));
        header[strlen(name)] = '=';
        memcpy(header + strlen(name) + 1, value, strlen(value) + 1);
    }
    clogin_free(value);
    if (!header)
        return CLOGIN_ENOMEM;
    *cookie_header = header;
    return CLOGIN_OK;
}
