/* The manager and the request, as the core's files share them. */
#ifndef CLOGIN_MANAGER_H
#define CLOGIN_MANAGER_H

#include "config.h"
#include "internal.h"

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

    clogin_session *session; /* NULL until loaded */
    int session_accessed;
    int session_cookie_sent;

    int identifier_done;
    char identifier[CLOGIN_SESSION_ID_LEN + 1];

    int user_loaded;
    void *user;    /* the current user's object */
    int anonymous; /* the current user is anonymous */

    clogin__held *held;
    size_t held_count, held_cap;

    json_t *flashes; /* popped from the session by get_flashed_messages */

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

/* The Flask-Login keys, which strong session protection removes. */
#define CLOGIN__KEY_USER_ID "_user_id"
#define CLOGIN__KEY_FRESH "_fresh"
#define CLOGIN__KEY_ID "_id"
#define CLOGIN__KEY_REMEMBER "_remember"
#define CLOGIN__KEY_REMEMBER_SECONDS "_remember_seconds"
#define CLOGIN__KEY_NEXT "next"
#define CLOGIN__KEY_PERMANENT "_permanent"

#endif
