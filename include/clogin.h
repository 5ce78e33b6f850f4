/*
 * clogin: user session management for C web servers, compatible with
 * Flask and Flask-Login cookies.
 *
 * This header is the whole public API. Conventions:
 *  - Functions that can fail return a clogin_status; CLOGIN_OK is 0 and
 *    clogin_strerror() names every other value.
 *  - Memory the library hands out (strings, sessions) is released with the
 *    matching *_free function or clogin_free(); nothing is ever owned by a
 *    static buffer, so every function is safe to call from any thread.
 *  - Objects marked "immutable" may be shared by any number of threads once
 *    created.
 *  - Lengths are explicit: network input is never assumed NUL-terminated.
 */
#ifndef CLOGIN_H
#define CLOGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CLOGIN_API __attribute__((visibility("default")))
#else
#define CLOGIN_API
#endif

#define CLOGIN_VERSION_MAJOR 0
#define CLOGIN_VERSION_MINOR 1
#define CLOGIN_VERSION_PATCH 0
#define CLOGIN_VERSION_STRING "0.1.0"

/* The library's version, e.g. "0.1.0" (may differ from the header's). */
CLOGIN_API const char *clogin_version(void);

/* ------------------------------------------------------------------------
 * Status codes
 * ------------------------------------------------------------------------ */
typedef enum clogin_status {
    CLOGIN_OK = 0,
    CLOGIN_EINVAL,      /* invalid argument (a programming error) */
    CLOGIN_ENOMEM,      /* out of memory */
    CLOGIN_ENOKEY,      /* the secret key is missing or empty */
    CLOGIN_ECRYPTO,     /* the crypto library failed */
    CLOGIN_ETOOLARGE,   /* input longer than the configured limit */
    CLOGIN_EMALFORMED,  /* not of the expected shape (missing separators...) */
    CLOGIN_EBASE64,     /* invalid base64 */
    CLOGIN_EBADSIG,     /* signature does not match any key */
    CLOGIN_EEXPIRED,    /* signature older than the maximum age */
    CLOGIN_EFUTURE,     /* timestamp later than now */
    CLOGIN_ETIMESTAMP,  /* timestamp absurd (empty, too long, zero) */
    CLOGIN_EZLIB,       /* compressed payload does not inflate */
    CLOGIN_EZBOMB,      /* payload inflates past the decompressed-size limit */
    CLOGIN_EUTF8,       /* invalid UTF-8 */
    CLOGIN_EJSON,       /* invalid JSON, or not a JSON object */
    CLOGIN_EDEPTH,      /* JSON nested deeper than the configured limit */
    CLOGIN_ECOOKIE,     /* a cookie name, value or attribute cannot be sent */
    CLOGIN_ENOTFOUND,   /* no such key or cookie */
    CLOGIN_ETYPE,       /* the value exists but has another type */
    CLOGIN_ECONFIG,     /* a setting is unknown or its value invalid */
    CLOGIN_ESTATE,      /* called at the wrong time (manager not started,
                           or already started and so read-only) */
    CLOGIN_EINACTIVE,   /* login_user refused an inactive user */
    CLOGIN_EUNSAFE,     /* a redirect target that leaves the site */
    CLOGIN_EUNAVAILABLE /* a database or store the application or clogin
                           relies on did not answer */
} clogin_status;

/* A short English description of a status, never NULL. */
CLOGIN_API const char *clogin_strerror(clogin_status status);

/* A stable identifier such as "CLOGIN_EBADSIG", never NULL. */
CLOGIN_API const char *clogin_status_name(clogin_status status);

/* Release memory returned by the library (strings). NULL is ignored. */
CLOGIN_API void clogin_free(void *ptr);

/* ------------------------------------------------------------------------
 * Signer: the secret key material, immutable once created.
 *
 * Holds the current secret key (used to sign), any number of fallback keys
 * (also accepted when verifying: key rotation), the itsdangerous salt and
 * digest, and the limits applied to incoming cookies. Algorithms are fetched
 * and keys derived once here, so signing and verifying never repeat that
 * work. A signer is immutable and may be shared by all threads.
 * ------------------------------------------------------------------------ */
typedef struct clogin_signer clogin_signer;

typedef enum clogin_digest {
    CLOGIN_DIGEST_SHA1 = 0, /* Flask's default for the session cookie */
    CLOGIN_DIGEST_SHA256,
    CLOGIN_DIGEST_SHA512
} clogin_digest;

typedef struct clogin_key {
    const void *data;
    size_t len;
} clogin_key;

typedef struct clogin_signer_options {
    clogin_key secret_key;          /* required, non-empty (Flask SECRET_KEY) */
    const clogin_key *fallback_keys;/* Flask 3.1 SECRET_KEY_FALLBACKS */
    size_t fallback_key_count;
    const char *salt;               /* NULL: "cookie-session" */
    clogin_digest digest;           /* default SHA1, as Flask */
    int64_t max_age;                /* seconds; 0: 31 days, like
                                       PERMANENT_SESSION_LIFETIME; < 0: no
                                       limit (a timestamp in the future is
                                       refused all the same) */
    size_t max_cookie_size;         /* bytes of a cookie value; 0: 4096 */
    size_t max_decompressed_size;   /* bytes of inflated JSON; 0: 65536 */
    int max_json_depth;             /* nesting of arrays/objects; 0: 32 */
} clogin_signer_options;

/* Create a signer. Copies every key and string; opts may be freed after. */
CLOGIN_API clogin_status clogin_signer_new(clogin_signer **out,
                                           const clogin_signer_options *opts);
CLOGIN_API void clogin_signer_free(clogin_signer *signer);

/* ------------------------------------------------------------------------
 * Session: the data of a Flask session, a JSON object.
 *
 * Values are kept in Flask's wire form, so a session written by Flask keeps
 * every value across a read-modify-write in C, including Flask's tagged
 * values: {" t": [...]} tuple, {" b": "base64"} bytes, {" m": "..."} Markup,
 * {" u": "hex"} UUID, {" d": "HTTP date"} datetime, {" di": {...}} a dict
 * whose only key is a tag. Typed helpers below read and write the common
 * ones. A session is not thread-safe; it belongs to one request.
 * ------------------------------------------------------------------------ */
typedef struct clogin_session clogin_session;

CLOGIN_API clogin_status clogin_session_new(clogin_session **out);
CLOGIN_API void clogin_session_free(clogin_session *session);

/* Parse a session from JSON text (Flask's wire form, a JSON object). The
 * text must be valid UTF-8 and nest at most max_depth levels (0: 32). */
CLOGIN_API clogin_status clogin_session_from_json(clogin_session **out,
                                                  const char *json, size_t len,
                                                  int max_depth);

/* Serialize exactly as Flask does: compact, keys sorted, non-ASCII escaped
 * as \uXXXX, floats in Python's shortest repr. *out is NUL-terminated and
 * released with clogin_free(); *out_len may be NULL. */
CLOGIN_API clogin_status clogin_session_to_json(const clogin_session *session,
                                                char **out, size_t *out_len);

/* Number of keys; whether the session was changed since it was created,
 * decoded or marked clean. */
CLOGIN_API size_t clogin_session_count(const clogin_session *session);
CLOGIN_API int clogin_session_modified(const clogin_session *session);
CLOGIN_API void clogin_session_mark_clean(clogin_session *session);

/* Key names, in sorted order: index from 0 to count-1. NULL past the end. */
CLOGIN_API const char *clogin_session_key(const clogin_session *session,
                                          size_t index);

CLOGIN_API int clogin_session_has(const clogin_session *session,
                                  const char *key);
/* CLOGIN_ENOTFOUND when absent. */
CLOGIN_API clogin_status clogin_session_remove(clogin_session *session,
                                               const char *key);
CLOGIN_API void clogin_session_clear(clogin_session *session);

/* Typed getters return CLOGIN_ENOTFOUND when the key is absent and
 * CLOGIN_ETYPE when the value has another JSON type. A returned string
 * points into the session and stays valid until the key is changed. */
CLOGIN_API clogin_status clogin_session_get_string(
    const clogin_session *session, const char *key, const char **value,
    size_t *len);
CLOGIN_API clogin_status clogin_session_get_bool(const clogin_session *session,
                                                 const char *key, int *value);
/* Integers, and reals with an integral value (Python's 3600.0). */
CLOGIN_API clogin_status clogin_session_get_int(const clogin_session *session,
                                                const char *key,
                                                int64_t *value);
CLOGIN_API clogin_status clogin_session_get_real(
    const clogin_session *session, const char *key, double *value);

/* Setters copy their arguments. Strings must be valid UTF-8. */
CLOGIN_API clogin_status clogin_session_set_string(clogin_session *session,
                                                   const char *key,
                                                   const char *value,
                                                   size_t len);
CLOGIN_API clogin_status clogin_session_set_bool(clogin_session *session,
                                                 const char *key, int value);
CLOGIN_API clogin_status clogin_session_set_int(clogin_session *session,
                                                const char *key,
                                                int64_t value);
CLOGIN_API clogin_status clogin_session_set_real(clogin_session *session,
                                                 const char *key,
                                                 double value);

/* Any value as JSON text in Flask's wire form (tags included), for values
 * the typed helpers do not cover. get returns a string to clogin_free().
 * set takes values up to 31 levels deep (the session object is the 32nd). */
CLOGIN_API clogin_status clogin_session_get_json(const clogin_session *session,
                                                 const char *key, char **json);
CLOGIN_API clogin_status clogin_session_set_json(clogin_session *session,
                                                 const char *key,
                                                 const char *json, size_t len);

/* Tagged values. bytes: {" b": base64}; the getter's *data is released
 * with clogin_free(). datetime: {" d": "Sun, 06 Nov 1994 08:49:37 GMT"},
 * as seconds since the epoch, UTC. uuid: {" u": "32 hex digits"}. markup:
 * {" m": "html"}. */
CLOGIN_API clogin_status clogin_session_get_bytes(
    const clogin_session *session, const char *key, uint8_t **data,
    size_t *len);
CLOGIN_API clogin_status clogin_session_set_bytes(clogin_session *session,
                                                  const char *key,
                                                  const void *data,
                                                  size_t len);
CLOGIN_API clogin_status clogin_session_get_datetime(
    const clogin_session *session, const char *key, int64_t *epoch_seconds);
CLOGIN_API clogin_status clogin_session_set_datetime(clogin_session *session,
                                                     const char *key,
                                                     int64_t epoch_seconds);
CLOGIN_API clogin_status clogin_session_get_uuid(const clogin_session *session,
                                                 const char *key,
                                                 uint8_t uuid[16]);
CLOGIN_API clogin_status clogin_session_set_uuid(clogin_session *session,
                                                 const char *key,
                                                 const uint8_t uuid[16]);
CLOGIN_API clogin_status clogin_session_set_markup(clogin_session *session,
                                                   const char *key,
                                                   const char *html,
                                                   size_t len);

/* Flashed messages, stored as Flask's flash() does: a list under
 * "_flashes" of {" t": [category, message]}. */
CLOGIN_API clogin_status clogin_session_flash(clogin_session *session,
                                             const char *category,
                                             const char *message);
/* Number of flashed messages waiting, and the index-th of them (pointers
 * into the session, valid until the session changes). */
CLOGIN_API size_t clogin_session_flash_count(const clogin_session *session);
CLOGIN_API clogin_status clogin_session_flash_get(
    const clogin_session *session, size_t index, const char **category,
    const char **message);
/* Remove every flashed message (what get_flashed_messages() does). */
CLOGIN_API void clogin_session_flash_clear(clogin_session *session);

/* ------------------------------------------------------------------------
 * Session cookie (Flask SecureCookieSessionInterface / itsdangerous)
 * ------------------------------------------------------------------------ */

/* Sign a session as Flask would at time `now` (seconds since the epoch).
 * *out is NUL-terminated, released with clogin_free(). Nothing the decoder
 * would refuse is signed: CLOGIN_EDEPTH for a session nested deeper than
 * the signer's max_json_depth, CLOGIN_ETOOLARGE for JSON longer than its
 * max_decompressed_size or a cookie over max_cookie_size. */
CLOGIN_API clogin_status clogin_session_cookie_encode(
    const clogin_signer *signer, const clogin_session *session, int64_t now,
    char **out, size_t *out_len);

/* What a successful decode learned besides the data. */
typedef struct clogin_cookie_info {
    int64_t timestamp;  /* when the cookie was signed */
    int key_index;      /* 0: current key; n: fallback key n-1 */
    int compressed;     /* the payload was zlib-compressed */
} clogin_cookie_info;

/* Verify and decode a session cookie value at time `now`. On any failure
 * *out is NULL and the status says which check failed. info may be NULL. */
CLOGIN_API clogin_status clogin_session_cookie_decode(
    const clogin_signer *signer, const char *value, size_t len, int64_t now,
    clogin_session **out, clogin_cookie_info *info);

/* ------------------------------------------------------------------------
 * Remember cookie (Flask-Login) and session identifier
 * ------------------------------------------------------------------------ */

/* "USER_ID|hex(HMAC-SHA512(secret, USER_ID))", signed with the current key.
 * *out is released with clogin_free(). */
CLOGIN_API clogin_status clogin_remember_encode(const clogin_signer *signer,
                                                const char *user_id,
                                                size_t len, char **out,
                                                size_t *out_len);

/* Verify against the current key and every fallback key (Flask-Login
 * checks only the current one). *user_id is released with clogin_free();
 * key_index (may be NULL) says which key matched. */
CLOGIN_API clogin_status clogin_remember_decode(const clogin_signer *signer,
                                                const char *value, size_t len,
                                                char **user_id,
                                                size_t *user_id_len,
                                                int *key_index);

/* Flask-Login's session identifier (the "_id" that session protection
 * compares): lowercase hex SHA-512 of a text made from the client's address
 * and User-Agent header (the bytes as received; NULL when absent). Two
 * forms exist:
 *  - CLOGIN_IDENTIFIER_07 (the default): "ADDR|UA", an absent User-Agent
 *    counting as empty, as Flask-Login 0.7 and DESIGN.md describe it;
 *  - CLOGIN_IDENTIFIER_06: what the released Flask-Login 0.6.x hashes,
 *    Python's repr of two bytes objects, "b'127.0.0.1'|b'Mozilla/5.0'", and
 *    None for an absent header: choose it beside a Flask-Login 0.6
 *    deployment so sessions stay fresh across both.
 * out gets 128 hex digits and a NUL. */
typedef enum clogin_identifier_format {
    CLOGIN_IDENTIFIER_07 = 0,
    CLOGIN_IDENTIFIER_06
} clogin_identifier_format;
#define CLOGIN_SESSION_ID_LEN 128
CLOGIN_API clogin_status clogin_session_identifier(
    clogin_identifier_format format, const char *remote_addr,
    const char *user_agent, char out[CLOGIN_SESSION_ID_LEN + 1]);

/* ------------------------------------------------------------------------
 * Cookie headers
 * ------------------------------------------------------------------------ */

/* Find a cookie in a Cookie request header (RFC 6265, tolerant as Werkzeug
 * is: extra spaces, empty values, values in double quotes (unquoted, with
 * Werkzeug's backslash escapes), pairs without '='). When a name repeats,
 * the first wins, as browsers send the most specific cookie first. The
 * value is not NUL-terminated: it points into the header unless it had to
 * be unescaped, and then it is written into buf (buf may be NULL when
 * buf_size is 0). CLOGIN_ENOTFOUND when absent; CLOGIN_ETOOLARGE when an
 * unescaped value does not fit in buf_size bytes. */
CLOGIN_API clogin_status clogin_cookie_find(const char *header, size_t len,
                                            const char *name,
                                            const char **value,
                                            size_t *value_len, char *buf,
                                            size_t buf_size);

/* Iterate over every name=value pair of a Cookie header. Start with
 * *pos = 0; returns CLOGIN_ENOTFOUND at the end. Values are raw (quotes
 * kept). */
CLOGIN_API clogin_status clogin_cookie_next(const char *header, size_t len,
                                            size_t *pos, const char **name,
                                            size_t *name_len,
                                            const char **value,
                                            size_t *value_len);

typedef enum clogin_samesite {
    CLOGIN_SAMESITE_UNSET = 0,  /* attribute omitted */
    CLOGIN_SAMESITE_LAX,
    CLOGIN_SAMESITE_STRICT,
    CLOGIN_SAMESITE_NONE
} clogin_samesite;

typedef struct clogin_cookie_attrs {
    const char *domain;     /* NULL: host-only */
    const char *path;       /* NULL: omitted */
    int64_t expires;        /* seconds since the epoch; 0: omitted (a cookie
                               can only expire at the epoch through delete) */
    int64_t max_age;        /* seconds; -1: omitted */
    int secure;
    int http_only;
    clogin_samesite same_site;
} clogin_cookie_attrs;

/* Default attributes: path "/", no expiry (a browser-session cookie). */
#define CLOGIN_COOKIE_ATTRS_INIT \
    { NULL, "/", 0, -1, 0, 0, CLOGIN_SAMESITE_UNSET }

/* Write the value of a Set-Cookie header ("name=value; Expires=...") with
 * the attributes in Werkzeug's order. The name must be an RFC 6265 token
 * and the value cookie-octets (or empty); domain and path must not contain
 * ';' or control characters; SameSite=None requires secure. Anything that
 * cannot be sent is CLOGIN_ECOOKIE, never a broken header; NULL arguments,
 * max_age < -1, expires < 0 or past year 9999 are CLOGIN_EINVAL. attrs may
 * be NULL (CLOGIN_COOKIE_ATTRS_INIT). On failure *out is NULL. *out is
 * released with clogin_free(). */
CLOGIN_API clogin_status clogin_set_cookie_format(
    const char *name, const char *value, size_t value_len,
    const clogin_cookie_attrs *attrs, char **out, size_t *out_len);

/* A Set-Cookie value that deletes the cookie (empty value, Expires in 1970,
 * Max-Age=0), with the domain, path, Secure, HttpOnly and SameSite it was
 * set with (as Flask does); attrs' expires and max_age are ignored. */
CLOGIN_API clogin_status clogin_set_cookie_delete(
    const char *name, const clogin_cookie_attrs *attrs, char **out,
    size_t *out_len);

/* IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), 29 chars plus NUL, for
 * years 1 to 9999 (CLOGIN_EINVAL outside), as Flask's http_date() writes. */
#define CLOGIN_HTTP_DATE_LEN 29
CLOGIN_API clogin_status clogin_http_date_format(
    int64_t epoch_seconds, char out[CLOGIN_HTTP_DATE_LEN + 1]);
/* Parse an IMF-fixdate (also accepted by Werkzeug/Flask as " d" values). */
CLOGIN_API clogin_status clogin_http_date_parse(const char *text, size_t len,
                                                int64_t *epoch_seconds);

/* ------------------------------------------------------------------------
 * The login manager (Flask-Login's LoginManager)
 *
 * Create a manager, configure it, call clogin_manager_start(), then share it
 * read-only between all threads; configuring after start is CLOGIN_ESTATE.
 * Several managers may live in one process. (Flask-Login's init_app and
 * setup_app bind a manager to a Flask app; a C manager needs no binding.)
 * ------------------------------------------------------------------------ */
typedef struct clogin_manager clogin_manager;
typedef struct clogin_request clogin_request;

CLOGIN_API clogin_status clogin_manager_new(clogin_manager **out);
CLOGIN_API void clogin_manager_free(clogin_manager *m);

/* Set a setting by its Flask name (docs/configuration.md lists them all
 * with their defaults), e.g. "SECRET_KEY", "SESSION_COOKIE_SECURE",
 * "REMEMBER_COOKIE_DURATION", and the LoginManager attributes under
 * upper-case names: "LOGIN_VIEW", "LOGIN_MESSAGE", "REFRESH_VIEW", ...
 * Values are text: booleans true/false (also 1/0, yes/no, on/off), numbers
 * of seconds for durations. NULL restores the default. An unknown name or
 * invalid value is CLOGIN_ECONFIG, explained by clogin_manager_error(). */
CLOGIN_API clogin_status clogin_manager_set(clogin_manager *m, const char *name,
                                            const char *value);
/* Set every setting found in the environment as PREFIX + NAME (prefix NULL:
 * "CLOGIN_"), like Flask's from_prefixed_env(). Variables that name no
 * setting are ignored; an invalid value stops with CLOGIN_ECONFIG. */
CLOGIN_API clogin_status clogin_manager_load_env(clogin_manager *m,
                                                 const char *prefix);
/* The current value of a setting as text (NULL when unset); the pointer is
 * valid until the setting changes. Secret keys read as "<hidden>". */
CLOGIN_API const char *clogin_manager_get(const clogin_manager *m,
                                          const char *name);
/* Login views per URL path prefix (blueprint_login_views): a request whose
 * path starts with prefix is sent to view; the longest prefix wins, and
 * LOGIN_VIEW serves the rest. */
CLOGIN_API clogin_status clogin_manager_add_login_view(clogin_manager *m,
                                                       const char *prefix,
                                                       const char *view);
/* Why the last call on this manager failed, in English; "" if it did not.
 * For the configuration phase (one thread). */
CLOGIN_API const char *clogin_manager_error(const clogin_manager *m);

/* Users are the application's objects; the manager asks them Flask-Login's
 * four questions through this table. NULL members take UserMixin's
 * answers: active, authenticated when active, not anonymous. get_id is
 * required: a NUL-terminated string that the user loader accepts, valid
 * while the user is. release, if given, is called once for every user the
 * request received (from a loader or from login_user) when the request is
 * freed, so applications can pool or refcount their users. */
typedef struct clogin_user_class {
    int (*is_active)(void *ctx, const void *user);
    int (*is_authenticated)(void *ctx, const void *user);
    int (*is_anonymous)(void *ctx, const void *user);
    const char *(*get_id)(void *ctx, const void *user);
    void (*release)(void *ctx, void *user);
    /* Optional: the session auth hash, a string that changes when the
     * login must end everywhere (derive it from the password hash), or
     * NULL for none. Logins record an HMAC of it; a session or remember
     * cookie made under another value no longer logs the user in. */
    const char *(*get_auth_hash)(void *ctx, const void *user);
} clogin_user_class;

/* Loaders: set *user to the user, or leave it NULL when there is none (an
 * unknown id is not an error). Any other status than CLOGIN_OK means the
 * application could not answer (a database down): the request goes on as
 * anonymous and the log callback hears about it. */
typedef clogin_status (*clogin_user_loader_fn)(void *ctx, const char *user_id,
                                               void **user);
typedef clogin_status (*clogin_request_loader_fn)(void *ctx,
                                                  clogin_request *r,
                                                  void **user);
typedef clogin_status (*clogin_header_loader_fn)(void *ctx,
                                                 const char *header_value,
                                                 void **user);
/* unauthorized / needs-refresh handlers: return the HTTP status to answer
 * with (a value below 100 counts as 401: a guard never lets a refused
 * request through); they may call clogin_response_redirect() and
 * clogin_flash(). */
typedef int (*clogin_handler_fn)(void *ctx, clogin_request *r);
/* The translation of a message (e.g. gettext); the result must stay valid
 * until the request is freed. */
typedef const char *(*clogin_localize_fn)(void *ctx, const char *message);
/* A new anonymous user object, released through the anonymous class. */
typedef void *(*clogin_anonymous_fn)(void *ctx);
/* Fill out with the request's session identifier (128 hex digits). */
typedef clogin_status (*clogin_identifier_fn)(void *ctx, clogin_request *r,
                                              char out[CLOGIN_SESSION_ID_LEN + 1]);

typedef enum clogin_log_level {
    CLOGIN_LOG_DEBUG = 0, /* a cookie was refused, and why */
    CLOGIN_LOG_WARNING,   /* something the operator should look at */
    CLOGIN_LOG_ERROR      /* a loader or store failed */
} clogin_log_level;
typedef void (*clogin_log_fn)(void *ctx, clogin_log_level level,
                              const char *message);

CLOGIN_API clogin_status clogin_manager_set_user_class(
    clogin_manager *m, const clogin_user_class *cls, void *ctx);
CLOGIN_API clogin_status clogin_manager_set_user_loader(
    clogin_manager *m, clogin_user_loader_fn fn, void *ctx);
CLOGIN_API clogin_status clogin_manager_set_request_loader(
    clogin_manager *m, clogin_request_loader_fn fn, void *ctx);
/* Receives the value of the AUTH_HEADER_NAME header (Authorization). */
CLOGIN_API clogin_status clogin_manager_set_header_loader(
    clogin_manager *m, clogin_header_loader_fn fn, void *ctx);
CLOGIN_API clogin_status clogin_manager_set_unauthorized_handler(
    clogin_manager *m, clogin_handler_fn fn, void *ctx);
CLOGIN_API clogin_status clogin_manager_set_needs_refresh_handler(
    clogin_manager *m, clogin_handler_fn fn, void *ctx);
CLOGIN_API clogin_status clogin_manager_set_localize(
    clogin_manager *m, clogin_localize_fn fn, void *ctx);
/* Replaces AnonymousUserMixin: anonymous users come from factory and are
 * asked the four questions through cls (NULL members: not active, not
 * authenticated, anonymous, no id). */
CLOGIN_API clogin_status clogin_manager_set_anonymous_user(
    clogin_manager *m, clogin_anonymous_fn factory,
    const clogin_user_class *cls, void *ctx);
CLOGIN_API clogin_status clogin_manager_set_identifier_generator(
    clogin_manager *m, clogin_identifier_fn fn, void *ctx);
CLOGIN_API clogin_status clogin_manager_set_log(clogin_manager *m,
                                                clogin_log_fn fn, void *ctx);

/* Signals (flask_login.signals), each with any number of subscribers,
 * called in the order they were connected. user is the user concerned, or
 * NULL where Flask-Login sends none. */
typedef enum clogin_signal {
    CLOGIN_SIGNAL_USER_LOGGED_IN = 0,
    CLOGIN_SIGNAL_USER_LOGGED_OUT,
    CLOGIN_SIGNAL_USER_LOADED_FROM_COOKIE,
    CLOGIN_SIGNAL_USER_LOADED_FROM_HEADER,
    CLOGIN_SIGNAL_USER_LOADED_FROM_REQUEST,
    CLOGIN_SIGNAL_USER_LOGIN_CONFIRMED,
    CLOGIN_SIGNAL_USER_UNAUTHORIZED,
    CLOGIN_SIGNAL_USER_NEEDS_REFRESH,
    CLOGIN_SIGNAL_USER_ACCESSED,
    CLOGIN_SIGNAL_SESSION_PROTECTED,
    CLOGIN_SIGNAL_COUNT
} clogin_signal;
typedef void (*clogin_signal_fn)(void *ctx, clogin_request *r,
                                 clogin_signal signal, void *user);
CLOGIN_API clogin_status clogin_manager_connect(clogin_manager *m,
                                                clogin_signal signal,
                                                clogin_signal_fn fn, void *ctx);

/* Check the configuration (a secret key is required, a user or request
 * loader, and a user class with get_id), derive the keys, and make the
 * manager read-only. CLOGIN_ECONFIG with clogin_manager_error() if not. */
CLOGIN_API clogin_status clogin_manager_start(clogin_manager *m);

/* ------------------------------------------------------------------------
 * Server-side session stores (docs/stores.md)
 *
 * With SESSION_STORE set to "memory", "sqlite:PATH" or "redis://HOST:PORT/DB"
 * the session cookie carries only a signed random id and the session lives
 * in the store; remember cookies become revocable tokens recorded there. An
 * application may also plug in a store of its own through these operations.
 * ------------------------------------------------------------------------ */

typedef enum clogin_store_kind {
    CLOGIN_STORE_SESSION = 0, /* a session; data is its JSON object */
    CLOGIN_STORE_REMEMBER = 1 /* a remember token; data is its auth-hash
                                 check, or empty */
} clogin_store_kind;

/* One stored record. Strings are NUL-terminated; data also has its length.
 * Strings passed to a callback are valid only during the call. */
typedef struct clogin_store_record {
    clogin_store_kind kind;
    const char *user_id;     /* "" when no one is logged in */
    const char *data;
    size_t data_len;
    int64_t created;         /* seconds since the epoch */
    int64_t last_seen;
    int64_t expires;         /* the store forgets the record from then on */
    const char *remote_addr; /* "" when unknown */
    const char *user_agent;  /* "" when none was sent */
} clogin_store_record;

typedef void (*clogin_store_record_fn)(void *ctx, const char *id,
                                       const clogin_store_record *record);

/* Every operation may be called from many threads at once. Each returns
 * CLOGIN_OK, CLOGIN_ENOTFOUND where said, CLOGIN_EUNAVAILABLE when the store
 * cannot be reached in time (nothing stored is changed then),
 * CLOGIN_ENOMEM, CLOGIN_ETOOLARGE (a record the database cannot hold) or
 * CLOGIN_EINVAL. Records whose expires is not after now are never
 * returned; touch counts its last_seen as now. */
typedef struct clogin_store_ops {
    /* Calls fn once with the record, or returns CLOGIN_ENOTFOUND. */
    clogin_status (*load)(void *store, const char *id, int64_t now,
                          clogin_store_record_fn fn, void *ctx);
    /* Inserts or replaces the record under id. */
    clogin_status (*save)(void *store, const char *id,
                          const clogin_store_record *record);
    /* Updates last_seen and expires only; CLOGIN_ENOTFOUND if it is gone. */
    clogin_status (*touch)(void *store, const char *id, int64_t last_seen,
                           int64_t expires);
    /* Deletes the record; CLOGIN_OK when there was none. */
    clogin_status (*remove)(void *store, const char *id);
    /* Calls fn for every live record of a user, of both kinds. */
    clogin_status (*list_user)(void *store, const char *user_id, int64_t now,
                               clogin_store_record_fn fn, void *ctx);
    /* Deletes every record of a user except the ids in keep; *removed (if
     * not NULL) says how many went. */
    clogin_status (*remove_user)(void *store, const char *user_id,
                                 const char *const *keep, size_t keep_count,
                                 size_t *removed);
    /* Releases the store; may be NULL. */
    void (*close)(void *store);
} clogin_store_ops;

typedef struct clogin_store {
    const clogin_store_ops *ops;
    void *self; /* the first argument of every operation */
} clogin_store;

typedef struct clogin_store_options {
    int timeout_ms;     /* how long an operation may wait: Redis connect
                           and reply, SQLite's busy lock (1000) */
    size_t max_entries; /* the memory store's LRU bound (100000) */
} clogin_store_options;
#define CLOGIN_STORE_OPTIONS_INIT {1000, 100000}

/* Open a built-in store by SESSION_STORE's syntax: "memory",
 * "sqlite:PATH" or "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]" (user and
 * password percent-encoded; IPv6 hosts in brackets). Redis connects
 * lazily (a server that is down now is tried again on use); SQLite creates
 * its table now. CLOGIN_ECONFIG for a spec it does not understand, with a
 * sentence in err (if not NULL, CLOGIN_STORE_ERRLEN bytes). opts NULL:
 * CLOGIN_STORE_OPTIONS_INIT. */
#define CLOGIN_STORE_ERRLEN 256
CLOGIN_API clogin_status clogin_store_open(const char *spec,
                                           const clogin_store_options *opts,
                                           clogin_store *out, char *err);
/* Calls the store's close; the struct may be reused afterwards. */
CLOGIN_API void clogin_store_close(clogin_store *store);

/* Use the application's own store (before start; instead of
 * SESSION_STORE). ops must outlive the manager, which never closes it.
 * ops NULL: back to SESSION_STORE. */
CLOGIN_API clogin_status clogin_manager_set_store(clogin_manager *m,
                                                  const clogin_store_ops *ops,
                                                  void *self);
/* The store sessions live in once started, or NULL for cookie sessions. */
CLOGIN_API const clogin_store *clogin_manager_store(const clogin_manager *m);


/* ------------------------------------------------------------------------
 * Requests
 *
 * One clogin_request per HTTP request, used by one thread at a time:
 * clogin_request_begin() when it arrives, the handler's calls, then
 * clogin_request_finish() for the response headers and clogin_request_free().
 * ------------------------------------------------------------------------ */

/* Look up a request header by name, case-insensitively; NULL if absent. */
typedef const char *(*clogin_header_lookup_fn)(void *ctx, const char *name);

typedef struct clogin_request_info {
    const char *method;      /* "GET" (upper-cased, as Werkzeug does) */
    const char *scheme;      /* "http" or "https"; NULL: "http" */
    const char *host;        /* the Host header, host[:port] */
    const char *target;      /* the request-target as received: "/path?query" */
    const char *remote_addr; /* the peer's address, e.g. "203.0.113.7" */
    clogin_header_lookup_fn header;
    void *header_ctx;
    int64_t now;             /* seconds since the epoch; 0: the clock */
} clogin_request_info;

/* The info's strings are copied. Fails only on misuse or memory. */
CLOGIN_API clogin_status clogin_request_begin(const clogin_manager *m,
                                              const clogin_request_info *info,
                                              clogin_request **out);
/* Releases every user the request holds (through the classes' release). */
CLOGIN_API void clogin_request_free(clogin_request *r);

CLOGIN_API const clogin_manager *clogin_request_manager(const clogin_request *r);
CLOGIN_API const char *clogin_request_method(const clogin_request *r);
/* The path, without the query; the query string without '?' ("" if none). */
CLOGIN_API const char *clogin_request_path(const clogin_request *r);
CLOGIN_API const char *clogin_request_query(const clogin_request *r);
CLOGIN_API const char *clogin_request_header(const clogin_request *r,
                                             const char *name);
/* A query-string argument, decoded as Werkzeug does (the first if
 * repeated); the result is a NUL-terminated copy to clogin_free(), and
 * *len (may be NULL) its length, which tells a value holding "%00" from a
 * shorter one. CLOGIN_ENOTFOUND when absent. */
CLOGIN_API clogin_status clogin_request_arg(const clogin_request *r,
                                            const char *name, char **value,
                                            size_t *len);
/* The same for any application/x-www-form-urlencoded text, e.g. a POST
 * body: '+' is a space, %XX a byte, invalid UTF-8 becomes U+FFFD, and a
 * '%' that starts no escape stays as it is (Werkzeug's url_decode). */
CLOGIN_API clogin_status clogin_form_get(const char *data, size_t data_len,
                                         const char *name, char **value,
                                         size_t *len);
/* A cookie's value (unquoted as Werkzeug does), a copy to clogin_free(). */
CLOGIN_API clogin_status clogin_request_cookie(const clogin_request *r,
                                               const char *name, char **value,
                                               size_t *len);
/* Flask's request.url: scheme://host/path?query as Werkzeug writes it. The
 * string belongs to the request. */
CLOGIN_API const char *clogin_request_url(clogin_request *r);

/* The session (Flask's session), loaded from the session cookie on first
 * use; an empty one when there is none or it does not verify. Never NULL
 * unless memory ran out. Changes are sent by clogin_request_finish(). */
CLOGIN_API clogin_session *clogin_request_session(clogin_request *r);
/* Flask's session.permanent: the "_permanent" key. */
CLOGIN_API clogin_status clogin_session_set_permanent(clogin_request *r,
                                                      int permanent);

/* ---- current_user ---- */

/* The current user, loaded on first use in Flask-Login's order: session
 * protection, "_user_id" through the user loader, the remember cookie, the
 * request loader, the header loader. Returns the application's user, or
 * the anonymous user (NULL unless a factory was set). */
CLOGIN_API void *clogin_current_user(clogin_request *r);
CLOGIN_API int clogin_is_authenticated(clogin_request *r);
CLOGIN_API int clogin_is_active(clogin_request *r);
CLOGIN_API int clogin_is_anonymous(clogin_request *r);
/* The current user's get_id(), or NULL for anonymous users. */
CLOGIN_API const char *clogin_current_user_id(clogin_request *r);
/* UserMixin's equality: same class and same get_id(). */
CLOGIN_API int clogin_user_equal(const clogin_manager *m, const void *a,
                                 const void *b);
/* login_fresh(): the session says "_fresh": true. */
CLOGIN_API int clogin_login_fresh(clogin_request *r);
/* login_remembered(): a remember cookie that verifies was sent (and the
 * session does not say to clear it). With a store or an auth hash,
 * verifying means asking the store or loading the user, so the answer is
 * what they say now (a token revoked or a password changed: 0). */
CLOGIN_API int clogin_login_remembered(clogin_request *r);

/* ---- logging in and out ---- */

typedef struct clogin_login_options {
    int remember;     /* set a remember cookie */
    int64_t duration; /* its lifetime in seconds; 0: REMEMBER_COOKIE_DURATION */
    int force;        /* log in even if the user is not active */
    int fresh;        /* mark the login fresh (Flask-Login's default) */
} clogin_login_options;
#define CLOGIN_LOGIN_OPTIONS_INIT {0, 0, 0, 1}

/* login_user(): CLOGIN_EINACTIVE (and nothing changes) for an inactive user
 * unless forced. The request takes the user: it is released with the
 * request, through the user class. opts NULL: CLOGIN_LOGIN_OPTIONS_INIT. A
 * duration below 0 or over 100 years is CLOGIN_EINVAL. */
CLOGIN_API clogin_status clogin_login_user(clogin_request *r, void *user,
                                           const clogin_login_options *opts);
/* logout_user(): the request becomes anonymous; the remember cookie, if one
 * was sent, is deleted with the response. */
CLOGIN_API clogin_status clogin_logout_user(clogin_request *r);
/* confirm_login(): the session becomes fresh again. */
CLOGIN_API clogin_status clogin_confirm_login(clogin_request *r);

/* ---- a user's sessions (with a server-side store) ---- */

typedef struct clogin_session_info {
    char handle[17];         /* names the session in pages and forms; not
                                its id, which would log in whoever reads it */
    int current;             /* the session of this request */
    int64_t created;
    int64_t last_seen;       /* updated at most every SESSION_TOUCH_INTERVAL */
    int64_t expires;
    const char *remote_addr; /* as when it was last saved; "" if unknown */
    const char *user_agent;
} clogin_session_info;
typedef void (*clogin_session_info_fn)(void *ctx, const clogin_session_info *info);

/* The current user's live sessions, oldest first (a session made under
 * an auth hash the user no longer has is over, and not listed).
 * CLOGIN_ESTATE without a store (cookie sessions cannot be listed) or for
 * an anonymous user. */
CLOGIN_API clogin_status clogin_list_sessions(clogin_request *r,
                                              clogin_session_info_fn fn,
                                              void *ctx);
/* End one of the current user's sessions by handle, with the remember
 * token of its browser; this request's own session is a logout
 * (clogin_logout_user()). CLOGIN_ENOTFOUND if the user has none such. */
CLOGIN_API clogin_status clogin_end_session(clogin_request *r, const char *handle);
/* Log out everywhere else: every other session and remember token of the
 * current user ends; this one and the remember cookie it sent stay. */
CLOGIN_API clogin_status clogin_logout_other_sessions(clogin_request *r);
/* For administrators: end every session and remember token of a user (a
 * disabled account, a stolen device). *removed, if not NULL, says how many
 * records went. CLOGIN_ESTATE without a store. */
CLOGIN_API clogin_status clogin_manager_end_user_sessions(const clogin_manager *m,
                                                          const char *user_id,
                                                          size_t *removed);

/* ---- guards ---- */

/* login_required: 0 to go on, else the HTTP status the handler must answer
 * with at once (401, or 302 with clogin_response_location(), or what the
 * unauthorized handler chose). Methods in EXEMPT_METHODS (OPTIONS) pass. */
CLOGIN_API int clogin_login_required(clogin_request *r);
/* fresh_login_required: as above, and a login that is not fresh gets
 * needs_refresh(). */
CLOGIN_API int clogin_fresh_login_required(clogin_request *r);
/* LoginManager.unauthorized() and needs_refresh() themselves: the signal,
 * then the handler if set, else 401 without a view, else flash the message
 * and redirect to the view with "next". Return the status to answer with. */
CLOGIN_API int clogin_unauthorized(clogin_request *r);
CLOGIN_API int clogin_needs_refresh(clogin_request *r);

/* ---- the response ---- */

/* Redirect the response (302) to location; the Location header is emitted
 * by clogin_request_finish(). As Werkzeug's redirect() does, non-ASCII
 * bytes and spaces are percent-encoded ("/café" -> "/caf%C3%A9"); control
 * characters are CLOGIN_EINVAL. */
CLOGIN_API clogin_status clogin_response_redirect(clogin_request *r,
                                                  const char *location);
/* The Location set by a guard or clogin_response_redirect(), or NULL. */
CLOGIN_API const char *clogin_response_location(const clogin_request *r);

/* Called once per response header to add; returns 0 on success. */
typedef int (*clogin_add_header_fn)(void *ctx, const char *name,
                                    const char *value);
/* After the handler: the headers the response needs, in this order:
 * Location (if redirected), Set-Cookie for the session (only if it changed,
 * or it is permanent and SESSION_REFRESH_EACH_REQUEST; deleted when it
 * became empty), Set-Cookie for the remember cookie (set, refreshed or
 * deleted), and "Vary: Cookie" when the session was read or its cookie is
 * sent. A user loaded by
 * the request or header loader leaves the session untouched, so API
 * requests get no cookie. Call it once. */
CLOGIN_API clogin_status clogin_request_finish(clogin_request *r,
                                               clogin_add_header_fn add,
                                               void *ctx);

/* ---- flashed messages (Flask's flash / get_flashed_messages) ---- */

CLOGIN_API clogin_status clogin_flash(clogin_request *r, const char *message,
                                      const char *category);
/* Takes the flashed messages out of the session (once per request; later
 * calls see the same list) and calls fn for each whose category is in
 * category_filter (a NULL-terminated list; NULL or empty: all, as Flask).
 * Returns how many. */
typedef void (*clogin_flash_fn)(void *ctx, const char *category,
                                const char *message);
CLOGIN_API size_t clogin_get_flashed_messages(clogin_request *r,
                                              const char *const *category_filter,
                                              clogin_flash_fn fn, void *ctx);

/* ---- tests (FlaskLoginClient) ---- */

/* A Cookie header value ("session=...") for a request already logged in as
 * user_id, fresh or not, from remote_addr with user_agent (for the session
 * identifier), signed at now (0: the clock), so applications' own tests
 * can skip the login form. *cookie_header is released with clogin_free(). */
CLOGIN_API clogin_status clogin_test_login_cookie(const clogin_manager *m,
                                                  const char *user_id,
                                                  int fresh,
                                                  const char *remote_addr,
                                                  const char *user_agent,
                                                  int64_t now,
                                                  char **cookie_header);

/* ------------------------------------------------------------------------
 * URLs: next parameters and safe redirects
 * ------------------------------------------------------------------------ */

/* Is target safe to redirect to from a page served as host (the Host
 * header, host[:port])? Only a path on this site ("/account?tab=2") or an
 * absolute http(s) URL to this very host is; anything that a browser could
 * take to another site (//evil, /\evil, \\evil, http:evil, userinfo tricks,
 * encoded or escaped slashes, control characters, javascript:) is not.
 * Returns 1 when safe. */
CLOGIN_API int clogin_url_is_safe(const char *target, size_t len,
                                  const char *host);
/* Flask-Login's make_next_param(): current_url reduced to path and query
 * when the login URL is on the same scheme and host. *out to clogin_free(). */
CLOGIN_API clogin_status clogin_make_next_param(const char *login_url,
                                                const char *current_url,
                                                char **out);
/* Flask-Login's login_url(): login_view (a path or an absolute URL; C has
 * no endpoint names) with next_url added to its query as next_field (NULL:
 * "next"), sorted and encoded as Werkzeug does; force_host (may be NULL)
 * replaces the host as FORCE_HOST_FOR_REDIRECTS does. */
CLOGIN_API clogin_status clogin_login_url(const char *login_view,
                                          const char *next_url,
                                          const char *next_field,
                                          const char *force_host, char **out);

/* ------------------------------------------------------------------------
 * Encoding and crypto utilities
 * ------------------------------------------------------------------------ */

/* base64url without padding. Encoded length of n bytes: */
#define CLOGIN_B64URL_LEN(n) (((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))
/* out needs CLOGIN_B64URL_LEN(len) + 1 bytes; NUL-terminated. Returns the
 * length written. */
CLOGIN_API size_t clogin_b64url_encode(const void *data, size_t len,
                                       char *out);
/* Strict: only A-Z a-z 0-9 - _, no padding, no impossible length, unused
 * trailing bits zero. out needs len * 3 / 4 bytes. */
CLOGIN_API clogin_status clogin_b64url_decode(const char *text, size_t len,
                                              uint8_t *out, size_t *out_len);

/* Constant-time comparison: 1 when equal. Time depends only on len. */
CLOGIN_API int clogin_ct_equal(const void *a, const void *b, size_t len);

/* Bytes from the operating system's CSPRNG (through OpenSSL). */
CLOGIN_API clogin_status clogin_random_bytes(void *out, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* CLOGIN_H */
