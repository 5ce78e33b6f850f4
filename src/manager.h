/* The manager and the request, as the core's files share them. */
#ifndef CLOGIN_MANAGER_H
#define CLOGIN_MANAGER_H

#include "config.h"
#include "internal.h"
#include "keyring.h"

typedef struct clogin__slot {
    clogin_signal_fn fn;
    void *ctx;
} clogin__slot;

typedef struct clogin__view {
    char *prefix;
    char *view;
} clogin__view;

struct clogin_manager {
    clogin__config config;
    char error[CLOGIN__ERRLEN];
    int started;
    clogin_signer *signer; /* made by clogin_manager_start() */
    uint64_t generation;   /* unique in the process, set at start: keys the
                              session cache */

    clogin_store store;    /* ops NULL: sessions live in the cookie */
    int store_owned;       /* opened from SESSION_STORE: closed with us */
    clogin__keyring sid_keys;      /* store session ids */
    clogin__keyring remember_keys; /* store remember tokens */
    clogin__keyring auth_keys;     /* session auth hashes */

    clogin_user_class user_class;
    void *user_ctx;
    clogin_user_class anon_class;
    clogin_anonymous_fn anon_factory;
    void *anon_ctx;

    clogin_user_loader_fn user_loader;
    void *user_loader_ctx;
    clogin_request_loader_fn request_loader;
    void *request_loader_ctx;
    clogin_header_loader_fn header_loader;
    void *header_loader_ctx;
    clogin_handler_fn unauthorized;
    void *unauthorized_ctx;
    clogin_handler_fn needs_refresh;
    void *needs_refresh_ctx;
    clogin_localize_fn localize;
    void *localize_ctx;
    clogin_identifier_fn identifier;
    void *identifier_ctx;
    clogin_log_fn log;
    void *log_ctx;

    clogin__slot *slots[CLOGIN_SIGNAL_COUNT];
    size_t slot_count[CLOGIN_SIGNAL_COUNT];

    clogin__view *views; /* login views per path prefix */
    size_t view_count;
};

/* A user the request holds, released when it is freed. */
typedef struct clogin__held {
    void *user;
    int anonymous; /* from the anonymous factory */
} clogin__held;

struct clogin_request {
    const clogin_manager *m;
    char *method, *scheme, *host, *path, *query, *remote_addr;
    clogin_header_lookup_fn header;
    void *header_ctx;
    int64_t now;
    char *url; /* request.url, made on first use */

    clogin_session *session; /* NULL until loaded; may be session_inline */
    clogin_session session_inline; /* a cached session, without a malloc */
    int session_accessed;
    int session_cookie_sent;

    int identifier_done;
    char identifier[CLOGIN_SESSION_ID_LEN + 1];

    int user_loaded;
    void *user;    /* the current user's object */
    int anonymous; /* the current user is anonymous */

    clogin__held *held; /* held_inline until more are needed */
    size_t held_count, held_cap;
    clogin__held held_inline[2];

    json_t *flashes; /* popped from the session by get_flashed_messages */

    /* With a server-side store (store_session.c). */
    char sid[CLOGIN__TAG_LEN + 1]; /* the loaded record's id; "" if none */
    int64_t sid_created, sid_last_seen, sid_expires;
    int store_failed; /* the store did not answer: leave everything be */
    int rotate;       /* a new session id at finish: login, confirm, logout */
    char rid[CLOGIN__TAG_LEN + 1]; /* the remember token that restored the
                                      login, rotated at finish; "" if none */
    int64_t rid_expires;
    int restored; /* the login came from the remember cookie */

    /* The remember cookie, checked once (user.c). */
    int remember_done;
    void *remember_user;

    char *location;
    int finished;
};

/* request.c */
clogin_session *clogin__session(clogin_request *r);
/* A cookie of the request, pointing into the header or into buf. */
clogin_status clogin__cookie(const clogin_request *r, const char *name,
                             const char **value, size_t *len, char *buf,
                             size_t buf_size);
/* Whether the browser sent that cookie at all (valid or not). */
int clogin__cookie_sent(const clogin_request *r, const char *name);
const char *clogin__identifier(clogin_request *r);
/* The client's address (see TRUSTED_PROXIES); its length, or (size_t)-1. */
size_t clogin__client_addr(const clogin_request *r, char *out, size_t cap);
void clogin__emit(clogin_request *r, clogin_signal sig, void *user);
void clogin__log(const clogin_request *r, clogin_log_level level,
                 const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Hold a user until the request is freed (once per object). */
clogin_status clogin__hold(clogin_request *r, void *user, int anonymous);

/* user.c */
void clogin__load_user(clogin_request *r);
void clogin__set_anonymous(clogin_request *r);
/* The session's "_user_id" as text (Flask-Login may have stored a number). */
const char *clogin__session_user_id(clogin_session *s, char buf[32]);

/* store_session.c: the session and remember token with a store. */
static inline int clogin__stored(const clogin_manager *m) {
    return m->store.ops != NULL;
}
/* The session a signed id names, or NULL (a new session is then made). */
clogin_session *clogin__store_load(clogin_request *r, const char *value, size_t len);
/* What to do with the session cookie at finish. */
typedef enum clogin__cookie_action {
    CLOGIN__COOKIE_KEEP = 0,
    CLOGIN__COOKIE_SET,
    CLOGIN__COOKIE_DELETE
} clogin__cookie_action;
clogin_status clogin__store_save(clogin_request *r, clogin_session *s,
                                 char value[CLOGIN__TOKEN_LEN + 1],
                                 clogin__cookie_action *action);
/* The user id and auth tag a remember token records (both to free()), or
 * CLOGIN_ENOTFOUND / CLOGIN_EUNAVAILABLE. Sets r->rid. */
clogin_status clogin__store_remembered(clogin_request *r, const char *value,
                                       size_t len, char **user_id, char **auth);
/* Record a new remember token for user_id; value is its cookie. */
clogin_status clogin__store_remember_issue(clogin_request *r, const char *user_id,
                                           const char *auth, int64_t expires,
                                           char value[CLOGIN__TOKEN_LEN + 1]);
/* Record s as a new session (clogin_test_login_cookie); value: its cookie. */
clogin_status clogin__store_plant(const clogin_manager *m, clogin_session *s,
                                  const char *user_id, int64_t now,
                                  char value[CLOGIN__TOKEN_LEN + 1]);
/* 1 and its id when the request sent a remember token that verifies. */
int clogin__sent_remember_token(const clogin_request *r, char id[CLOGIN__TAG_LEN + 1]);
/* Forget the remember token the request sent, if it verifies. */
void clogin__store_remember_forget(clogin_request *r);

/* auth_hash.c: Django's session auth hash. */
#define CLOGIN__KEY_AUTH_HASH "_auth_hash"
/* With a store: the remember token the session's browser holds, so that
 * ending the session ends the token too */
#define CLOGIN__KEY_REMEMBER_TOKEN "_rid"
/* login_user(force) of an inactive user: its login survives inactivity */
#define CLOGIN__KEY_INACTIVE_LOGIN "_inactive_login"
/* The user's tag under the current key: 1, or 0 when it has no hash. */
int clogin__auth_tag(const clogin_manager *m, const void *user,
                     char out[CLOGIN__TAG_LEN + 1]);
/* 1 when stored is the user's tag under any key, or the user has none. */
int clogin__auth_matches(const clogin_manager *m, const void *user,
                         const char *stored, size_t len);
/* A remember cookie bound to the auth tag, and its check against a user
 * loaded by the id before the last '|'. */
clogin_status clogin__remember_bound_encode(const clogin_manager *m, const char *id,
                                            const char *tag, char **out);
int clogin__remember_bound_check(const clogin_manager *m, const char *value,
                                 size_t len, const void *user);

/* The Flask-Login keys, which strong session protection removes. */
#define CLOGIN__KEY_USER_ID "_user_id"
#define CLOGIN__KEY_FRESH "_fresh"
#define CLOGIN__KEY_ID "_id"
#define CLOGIN__KEY_REMEMBER "_remember"
#define CLOGIN__KEY_REMEMBER_SECONDS "_remember_seconds"
#define CLOGIN__KEY_NEXT "next"
#define CLOGIN__KEY_PERMANENT "_permanent"

#endif
