/* current_user, in Flask-Login's order, and logging in and out. */
#include "manager.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void clogin__set_anonymous(clogin_request *r) {
    const clogin_manager *m = r->m;
    r->anonymous = 1;
    r->user = NULL;
    if (m->anon_factory) {
        void *anon = m->anon_factory(m->anon_ctx);
        if (anon && clogin__hold(r, anon, 1) == CLOGIN_OK)
            r->user = anon;
        else if (anon && m->anon_class.release)
            m->anon_class.release(m->anon_ctx, anon);
    }
}

static void set_user(clogin_request *r, void *user) {
    r->user = user;
    r->anonymous = 0;
}

const char *clogin__session_user_id(clogin_session *s, char buf[32]) {
    const char *id;
    int64_t n;
    if (clogin_session_get_string(s, CLOGIN__KEY_USER_ID, &id, NULL) == CLOGIN_OK)
        return id;
    if (clogin_session_get_int(s, CLOGIN__KEY_USER_ID, &n) == CLOGIN_OK) {
        snprintf(buf, 32, "%" PRId64, n);
        return buf;
    }
    return NULL;
}

/* A loader's answer: the user, now held by the request, or NULL. A loader
 * error is logged and counts as no user. */
static void *accept_loaded(clogin_request *r, const char *loader, clogin_status st,
                           void *user) {
    const clogin_manager *m = r->m;
    if (st != CLOGIN_OK) {
        clogin__log(r, CLOGIN_LOG_ERROR, "%s loader failed: %s", loader, clogin_strerror(st));
        return NULL;
    }
    if (user && clogin__hold(r, user, 0) != CLOGIN_OK) {
        if (m->user_class.release)
            m->user_class.release(m->user_ctx, user);
        return NULL;
    }
    return user;
}

/* Ask the user loader; *failed tells a loader error from an unknown id. */
static void *load_by_id(clogin_request *r, const char *id, int *failed) {
    const clogin_manager *m = r->m;
    void *user = NULL;
    *failed = 0;
    if (!m->user_loader)
        return NULL;
    clogin_status st = m->user_loader(m->user_loader_ctx, id, &user);
    *failed = st != CLOGIN_OK;
    return accept_loaded(r, "user", st, user);
}

static int user_is_active(const clogin_manager *m, const void *user) {
    return m->user_class.is_active ? m->user_class.is_active(m->user_ctx, user) != 0 : 1;
}

/* The keys a login lives in; an ended login loses them all and its
 * remember cookie. */
static void end_login(clogin_request *r, clogin_session *s) {
    static const char *const keys[] = {CLOGIN__KEY_USER_ID, CLOGIN__KEY_REMEMBER,
                                       CLOGIN__KEY_REMEMBER_SECONDS, CLOGIN__KEY_ID,
                                       CLOGIN__KEY_FRESH, CLOGIN__KEY_NEXT,
                                       CLOGIN__KEY_AUTH_HASH, CLOGIN__KEY_INACTIVE_LOGIN,
                                       CLOGIN__KEY_REMEMBER_TOKEN};
    /* Once the session is its own, removing keys allocates nothing. Out of
     * memory, the login stays in the session (this request is anonymous
     * all the same) and the next request ends it. */
    if (clogin__session_writable(s) != CLOGIN_OK) {
        clogin__log(r, CLOGIN_LOG_ERROR, "cannot end the login: %s",
                    clogin_strerror(CLOGIN_ENOMEM));
        return;
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        clogin_session_remove(s, keys[i]);
    if (clogin_session_set_string(s, CLOGIN__KEY_REMEMBER, "clear", 5) != CLOGIN_OK)
        clogin__log(r, CLOGIN_LOG_ERROR, "cannot delete the remember cookie: %s",
                    clogin_strerror(CLOGIN_ENOMEM));
}

/* Flask-Login's _session_protection_failed(): 1 when the login must go. */
static int protection_failed(clogin_request *r, clogin_session *s) {
    const clogin__config *c = &r->m->config;
    if (c->session_protection == CLOGIN__PROTECTION_OFF || clogin_session_count(s) == 0)
        return 0;
    const char *stored;
    const char *ident = clogin__identifier(r);
    if (clogin_session_get_string(s, CLOGIN__KEY_ID, &stored, NULL) == CLOGIN_OK &&
        strcmp(stored, ident) == 0)
        return 0;
    int permanent = 0;
    clogin_session_get_bool(s, CLOGIN__KEY_PERMANENT, &permanent);
    if (c->session_protection == CLOGIN__PROTECTION_BASIC || permanent) {
        int fresh = 1;
        /* "if sess.get('_fresh') is not False": only write when needed. A
         * login that cannot be marked stale (out of memory) must not pass
         * as fresh: this request goes on as anonymous. */
        if ((clogin_session_get_bool(s, CLOGIN__KEY_FRESH, &fresh) != CLOGIN_OK || fresh) &&
            clogin_session_set_bool(s, CLOGIN__KEY_FRESH, 0) != CLOGIN_OK)
            return 1;
        clogin__emit(r, CLOGIN_SIGNAL_SESSION_PROTECTED, NULL);
        return 0;
    }
    end_login(r, s);
    clogin__emit(r, CLOGIN_SIGNAL_SESSION_PROTECTED, NULL);
    return 1;
}

/* Beyond Flask-Login, a login ends when the user's session auth hash has
 * changed (a new password) or the account was disabled since; a disabled
 * account also loses every session and remember token in the store. A
 * login forced for an inactive user (inactive_ok) stays, as in
 * Flask-Login. */
static int login_still_valid(clogin_request *r, const char *id, void *user,
                             const char *auth, size_t auth_len, int inactive_ok) {
    const clogin_manager *m = r->m;
    if (!clogin__auth_matches(m, user, auth, auth_len)) {
        clogin__log(r, CLOGIN_LOG_DEBUG, "login ended: the user's auth hash changed");
        return 0;
    }
    if (!inactive_ok && !user_is_active(m, user)) {
        clogin__log(r, CLOGIN_LOG_DEBUG, "login ended: the user is not active");
        if (clogin__stored(m) &&
            m->store.ops->remove_user(m->store.self, id, NULL, 0, NULL) != CLOGIN_OK)
            clogin__log(r, CLOGIN_LOG_ERROR, "cannot end the inactive user's sessions");
        return 0;
    }
    return 1;
}

/* A user id from a cookie is a string without NUL, in UTF-8. */
static int id_ok(const char *id, size_t len) {
    return strlen(id) == len && clogin__utf8_valid(id, len);
}

static void *remembered_stored(clogin_request *r, const char *value, size_t len,
                               int *ended) {
    char *id, *auth;
    clogin_status st = clogin__store_remembered(r, value, len, &id, &auth);
    if (st != CLOGIN_OK) {
        if (st != CLOGIN_EUNAVAILABLE)
            clogin__log(r, CLOGIN_LOG_DEBUG, "remember token refused: %s",
                        clogin_status_name(st));
        return NULL;
    }
    int failed;
    void *user = id_ok(id, strlen(id)) ? load_by_id(r, id, &failed) : NULL;
    if (user && !login_still_valid(r, id, user, auth, strlen(auth), 0)) {
        r->m->store.ops->remove(r->m->store.self, r->rid);
        r->rid[0] = '\0';
        *ended = !clogin__auth_matches(r->m, user, auth, strlen(auth));
        user = NULL;
    }
    free(id);
    free(auth);
    return user;
}

/* Flask-Login's cookie, or the one bound to the auth hash. */
static void *remembered_signed(clogin_request *r, const char *value, size_t len,
                               int *ended) {
    const clogin_manager *m = r->m;
    char *id = NULL;
    size_t id_len = 0;
    int bound = 0;
    clogin_status st = clogin_remember_decode(m->signer, value, len, &id, &id_len, NULL);
    if (st == CLOGIN_EBADSIG && m->user_class.get_auth_hash) {
        /* maybe bound: the user must be loaded to know its tag */
        size_t bar = len;
        while (bar > 0 && value[bar - 1] != '|')
            bar--;
        if (bar > 0 && (id = clogin__strndup(value, bar - 1)) != NULL) {
            id_len = bar - 1;
            bound = 1;
            st = CLOGIN_OK;
        }
    }
    if (st != CLOGIN_OK) {
        clogin__log(r, CLOGIN_LOG_DEBUG, "remember cookie refused: %s",
                    clogin_status_name(st));
        return NULL;
    }
    int failed;
    void *user = id_ok(id, id_len) ? load_by_id(r, id, &failed) : NULL;
    if (user) {
        int has_hash = !clogin__auth_matches(m, user, NULL, 0);
        int ok = bound ? clogin__remember_bound_check(m, value, len, user) : !has_hash;
        if (!ok || !user_is_active(m, user)) {
            clogin__log(r, CLOGIN_LOG_DEBUG, "remember cookie refused: %s",
                        ok ? "the user is not active" : "not bound to the auth hash");
            *ended = !ok;
            user = NULL;
        }
    }
    free(id);
    return user;
}

/* The user a remember cookie names, checked once per request: sent, not
 * to be cleared, signed, known, and still valid. */
static void *remembered_user(clogin_request *r, clogin_session *s) {
    const clogin__config *c = &r->m->config;
    const char *op;
    if (clogin_session_get_string(s, CLOGIN__KEY_REMEMBER, &op, NULL) == CLOGIN_OK &&
        strcmp(op, "clear") == 0)
        return NULL;
    if (r->remember_done)
        return r->remember_user;
    r->remember_done = 1;
    char buf[4096];
    const char *value;
    size_t len;
    if (clogin__cookie(r, c->remember_cookie.name, &value, &len, buf, sizeof buf) !=
        CLOGIN_OK)
        return NULL;
    int ended = 0;
    r->remember_user = clogin__stored(r->m) ? remembered_stored(r, value, len, &ended)
                                            : remembered_signed(r, value, len, &ended);
    if (ended) /* a new password: the browser may as well forget it */
        clogin_session_set_string(s, CLOGIN__KEY_REMEMBER, "clear", 5);
    return r->remember_user;
}

/* The remember cookie restores the login, not fresh. Unlike Flask-Login,
 * the session identifier is stored too, so that strong protection does not
 * throw the restored login away on the next request. */
static void *load_from_cookie(clogin_request *r, clogin_session *s) {
    void *user = remembered_user(r, s);
    if (!user)
        return NULL;
    const clogin_manager *m = r->m;
    const char *id = m->user_class.get_id(m->user_ctx, user);
    char tag[CLOGIN__TAG_LEN + 1];
    if (!id)
        return NULL;
    clogin_session_set_string(s, CLOGIN__KEY_USER_ID, id, strlen(id));
    clogin_session_set_bool(s, CLOGIN__KEY_FRESH, 0);
    clogin_session_set_string(s, CLOGIN__KEY_ID, clogin__identifier(r),
                              CLOGIN_SESSION_ID_LEN);
    if (clogin__auth_tag(m, user, tag))
        clogin_session_set_string(s, CLOGIN__KEY_AUTH_HASH, tag, CLOGIN__TAG_LEN);
    else
        clogin_session_remove(s, CLOGIN__KEY_AUTH_HASH);
    r->restored = 1;
    r->rotate = 1; /* a new session, under a new id */
    clogin__emit(r, CLOGIN_SIGNAL_USER_LOADED_FROM_COOKIE, user);
    return user;
}

static void *load_from_request(clogin_request *r) {
    const clogin_manager *m = r->m;
    void *user = NULL;
    if (!m->request_loader)
        return NULL;
    clogin_status st = m->request_loader(m->request_loader_ctx, r, &user);
    user = accept_loaded(r, "request", st, user);
    if (user)
        clogin__emit(r, CLOGIN_SIGNAL_USER_LOADED_FROM_REQUEST, user);
    return user;
}

static void *load_from_header(clogin_request *r) {
    const clogin_manager *m = r->m;
    const char *value = clogin_request_header(r, m->config.auth_header_name);
    void *user = NULL;
    if (!m->header_loader || !value)
        return NULL;
    clogin_status st = m->header_loader(m->header_loader_ctx, value, &user);
    user = accept_loaded(r, "header", st, user);
    if (user)
        clogin__emit(r, CLOGIN_SIGNAL_USER_LOADED_FROM_HEADER, user);
    return user;
}

/* Flask-Login's _load_user(). Beyond it: an unknown id is removed from the
 * session (as its documentation promises), and a remember cookie that does
 * not verify does not stop the request and header loaders. */
void clogin__load_user(clogin_request *r) {
    if (r->user_loaded)
        return;
    r->user_loaded = 1;
    clogin__emit(r, CLOGIN_SIGNAL_USER_ACCESSED, NULL);
    clogin_session *s = clogin_request_session(r);
    if (!s || protection_failed(r, s)) {
        clogin__set_anonymous(r);
        return;
    }
    void *user = NULL;
    char buf[32];
    const char *id = clogin__session_user_id(s, buf);
    if (id) {
        int failed;
        user = load_by_id(r, id, &failed);
        if (!user && !failed && r->m->user_loader)
            clogin_session_remove(s, CLOGIN__KEY_USER_ID);
        const char *auth = NULL;
        size_t auth_len = 0;
        clogin_session_get_string(s, CLOGIN__KEY_AUTH_HASH, &auth, &auth_len);
        int forced = 0;
        clogin_session_get_bool(s, CLOGIN__KEY_INACTIVE_LOGIN, &forced);
        if (user && !login_still_valid(r, id, user, auth, auth_len, forced)) {
            end_login(r, s);
            user = NULL;
        }
    }
    if (!user)
        user = load_from_cookie(r, s);
    if (!user)
        user = load_from_request(r);
    if (!user)
        user = load_from_header(r);
    if (user)
        set_user(r, user);
    else
        clogin__set_anonymous(r);
}

/* ---- the four questions ---- */

void *clogin_current_user(clogin_request *r) {
    if (!r)
        return NULL;
    clogin__load_user(r);
    return r->user;
}

static const clogin_user_class *current_class(clogin_request *r, void **ctx) {
    clogin__load_user(r);
    *ctx = r->anonymous ? r->m->anon_ctx : r->m->user_ctx;
    return r->anonymous ? &r->m->anon_class : &r->m->user_class;
}


int clogin_is_active(clogin_request *r) {
    if (!r)
        return 0;
    void *ctx;
    const clogin_user_class *cls = current_class(r, &ctx);
    if (r->anonymous)
        return cls->is_active && r->user ? cls->is_active(ctx, r->user) != 0 : 0;
    return user_is_active(r->m, r->user);
}

int clogin_is_authenticated(clogin_request *r) {
    if (!r)
        return 0;
    void *ctx;
    const clogin_user_class *cls = current_class(r, &ctx);
    if (r->anonymous)
        return cls->is_authenticated && r->user ? cls->is_authenticated(ctx, r->user) != 0
                                                : 0;
    if (cls->is_authenticated)
        return cls->is_authenticated(ctx, r->user) != 0;
    return user_is_active(r->m, r->user); /* UserMixin: authenticated = active */
}

int clogin_is_anonymous(clogin_request *r) {
    if (!r)
        return 1;
    void *ctx;
    const clogin_user_class *cls = current_class(r, &ctx);
    if (cls->is_anonymous && r->user)
        return cls->is_anonymous(ctx, r->user) != 0;
    return r->anonymous;
}

const char *clogin_current_user_id(clogin_request *r) {
    if (!r)
        return NULL;
    void *ctx;
    const clogin_user_class *cls = current_class(r, &ctx);
    return cls->get_id && r->user ? cls->get_id(ctx, r->user) : NULL;
}

int clogin_user_equal(const clogin_manager *m, const void *a, const void *b) {
    if (!m || !a || !b || !m->user_class.get_id)
        return 0;
    if (a == b)
        return 1;
    const char *ia = m->user_class.get_id(m->user_ctx, a);
    const char *ib = m->user_class.get_id(m->user_ctx, b);
    return ia && ib && strcmp(ia, ib) == 0;
}

int clogin_login_fresh(clogin_request *r) {
    clogin_session *s = clogin_request_session(r);
    int fresh = 0;
    return s && clogin_session_get_bool(s, CLOGIN__KEY_FRESH, &fresh) == CLOGIN_OK && fresh;
}

/* Flask-Login only verifies the cookie; a store's token or a cookie bound
 * to the auth hash can only be verified with its record or user. */
int clogin_login_remembered(clogin_request *r) {
    clogin_session *s = clogin_request_session(r);
    if (!s)
        return 0;
    const clogin_manager *m = r->m;
    const char *op;
    if (clogin__stored(m) || m->user_class.get_auth_hash)
        return remembered_user(r, s) != NULL;
    if (clogin_session_get_string(s, CLOGIN__KEY_REMEMBER, &op, NULL) == CLOGIN_OK &&
        strcmp(op, "clear") == 0)
        return 0;
    char buf[4096];
    const char *value;
    size_t len;
    char *id = NULL;
    if (clogin__cookie(r, m->config.remember_cookie.name, &value, &len, buf, sizeof buf) !=
            CLOGIN_OK ||
        clogin_remember_decode(m->signer, value, len, &id, NULL, NULL) != CLOGIN_OK)
        return 0;
    clogin_free(id);
    return 1;
}

/* ---- logging in and out ---- */

clogin_status clogin_login_user(clogin_request *r, void *user,
                                const clogin_login_options *opts) {
    static const clogin_login_options defaults = CLOGIN_LOGIN_OPTIONS_INIT;
    if (!r || !user)
        return CLOGIN_EINVAL;
    const clogin_manager *m = r->m;
    clogin_status st = clogin__hold(r, user, 0);
    if (st != CLOGIN_OK) { /* the request takes the user even so */
        if (m->user_class.release)
            m->user_class.release(m->user_ctx, user);
        return st;
    }
    if (!opts)
        opts = &defaults;
    if (opts->duration < 0 || opts->duration > CLOGIN__MAX_DURATION)
        return CLOGIN_EINVAL;
    if (!opts->force && !user_is_active(m, user))
        return CLOGIN_EINACTIVE;
    const char *id = m->user_class.get_id(m->user_ctx, user);
    if (!id)
        return CLOGIN_EINVAL;
    clogin_session *s = clogin_request_session(r);
    if (!s)
        return CLOGIN_ENOMEM;
    st = clogin_session_set_string(s, CLOGIN__KEY_USER_ID, id, strlen(id));
    if (st == CLOGIN_OK)
        st = clogin_session_set_bool(s, CLOGIN__KEY_FRESH, opts->fresh != 0);
    if (st == CLOGIN_OK)
        st = clogin_session_set_string(s, CLOGIN__KEY_ID, clogin__identifier(r),
                                       CLOGIN_SESSION_ID_LEN);
    if (st == CLOGIN_OK && !user_is_active(m, user))
        st = clogin_session_set_bool(s, CLOGIN__KEY_INACTIVE_LOGIN, 1);
    else if (st == CLOGIN_OK)
        clogin_session_remove(s, CLOGIN__KEY_INACTIVE_LOGIN);
    char tag[CLOGIN__TAG_LEN + 1];
    if (st == CLOGIN_OK && clogin__auth_tag(m, user, tag))
        st = clogin_session_set_string(s, CLOGIN__KEY_AUTH_HASH, tag, CLOGIN__TAG_LEN);
    else if (st == CLOGIN_OK)
        clogin_session_remove(s, CLOGIN__KEY_AUTH_HASH);
    if (st == CLOGIN_OK && opts->remember) {
        st = clogin_session_set_string(s, CLOGIN__KEY_REMEMBER, "set", 3);
        /* Flask-Login stores timedelta seconds as a float */
        if (st == CLOGIN_OK && opts->duration > 0)
            st = clogin_session_set_real(s, CLOGIN__KEY_REMEMBER_SECONDS,
                                         (double)opts->duration);
    }
    if (st != CLOGIN_OK)
        return st;
    r->user_loaded = 1;
    r->rotate = 1; /* session fixation: the login gets a new session id */
    set_user(r, user);
    clogin__emit(r, CLOGIN_SIGNAL_USER_LOGGED_IN, user);
    return CLOGIN_OK;
}

clogin_status clogin_logout_user(clogin_request *r) {
    if (!r)
        return CLOGIN_EINVAL;
    void *user = clogin_current_user(r);
    clogin_session *s = clogin_request_session(r);
    if (!s)
        return CLOGIN_ENOMEM;
    /* What can fail comes first, so that a logout that returns an error
     * changed nothing: the session made its own (after which removing
     * keys allocates nothing), then the remember cookie's deletion. */
    if (clogin__session_writable(s) != CLOGIN_OK)
        return CLOGIN_ENOMEM;
    if (clogin__cookie_sent(r, r->m->config.remember_cookie.name)) {
        clogin_status st = clogin_session_set_string(s, CLOGIN__KEY_REMEMBER, "clear", 5);
        if (st != CLOGIN_OK)
            return st;
        clogin_session_remove(s, CLOGIN__KEY_REMEMBER_SECONDS);
    }
    clogin_session_remove(s, CLOGIN__KEY_USER_ID);
    clogin_session_remove(s, CLOGIN__KEY_FRESH);
    clogin_session_remove(s, CLOGIN__KEY_ID);
    clogin_session_remove(s, CLOGIN__KEY_AUTH_HASH);
    clogin_session_remove(s, CLOGIN__KEY_INACTIVE_LOGIN);
    r->rotate = 1; /* the logged-in session's id ends with it */
    clogin__emit(r, CLOGIN_SIGNAL_USER_LOGGED_OUT, user);
    clogin__set_anonymous(r);
    return CLOGIN_OK;
}

clogin_status clogin_confirm_login(clogin_request *r) {
    if (!r)
        return CLOGIN_EINVAL;
    clogin_session *s = clogin_request_session(r);
    if (!s)
        return CLOGIN_ENOMEM;
    clogin_status st = clogin_session_set_bool(s, CLOGIN__KEY_FRESH, 1);
    if (st == CLOGIN_OK)
        st = clogin_session_set_string(s, CLOGIN__KEY_ID, clogin__identifier(r),
                                       CLOGIN_SESSION_ID_LEN);
    if (st == CLOGIN_OK) {
        r->rotate = 1;
        clogin__emit(r, CLOGIN_SIGNAL_USER_LOGIN_CONFIRMED, NULL);
    }
    return st;
}
