/* The manager's settings, under Flask's names (docs/configuration.md).
 * Parsed and validated here; read by the rest of the library. */
#ifndef CLOGIN_CONFIG_H
#define CLOGIN_CONFIG_H

#include "clogin.h"

#include <stddef.h>
#include <stdint.h>

#define CLOGIN__ERRLEN 256

/* The longest duration accepted anywhere: 100 years of 365.25 days, so a
 * cookie's expiry stays far from year 9999. */
#define CLOGIN__MAX_DURATION INT64_C(3155760000)

typedef enum clogin__protection {
    CLOGIN__PROTECTION_OFF = 0,
    CLOGIN__PROTECTION_BASIC,
    CLOGIN__PROTECTION_STRONG
} clogin__protection;

/* Attributes of one cookie. Strings are owned (malloc); NULL: unset. */
typedef struct clogin__cookie_config {
    char *name;
    char *domain;
    char *path;
    int secure;
    int http_only;
    clogin_samesite same_site;
} clogin__cookie_config;

typedef struct clogin__secret {
    uint8_t *data; /* owned, len bytes (not NUL-terminated) */
    size_t len;
} clogin__secret;

typedef struct clogin__config {
    clogin__secret secret_key;         /* SECRET_KEY: required */
    clogin__secret *fallback_keys;     /* SECRET_KEY_FALLBACKS */
    size_t fallback_key_count;

    clogin__cookie_config session_cookie;  /* SESSION_COOKIE_NAME "session",
                                              DOMAIN unset, PATH "/",
                                              SECURE false, HTTPONLY true,
                                              SAMESITE unset */
    int64_t permanent_session_lifetime;    /* 2678400 (31 days) */
    int session_refresh_each_request;      /* true */

    clogin__cookie_config remember_cookie; /* REMEMBER_COOKIE_NAME
                                              "remember_token", DOMAIN unset,
                                              PATH "/", SECURE false,
                                              HTTPONLY true, SAMESITE unset */
    int64_t remember_cookie_duration;      /* 31536000 (365 days) */
    int remember_cookie_refresh_each_request; /* false */

    clogin__protection session_protection; /* SESSION_PROTECTION "basic" */
    int use_session_for_next;              /* USE_SESSION_FOR_NEXT false */
    char *auth_header_name;                /* AUTH_HEADER_NAME "Authorization" */
    char *force_host_for_redirects;        /* FORCE_HOST_FOR_REDIRECTS unset */
    char **exempt_methods;                 /* EXEMPT_METHODS {"OPTIONS"} */
    size_t exempt_method_count;
    int login_disabled;                    /* LOGIN_DISABLED false */

    char *login_view;                      /* LOGIN_VIEW unset */
    char *login_message;                   /* LOGIN_MESSAGE "Please log in to
                                              access this page."; unset: no
                                              flash */
    char *login_message_category;          /* "message" */
    char *refresh_view;                    /* REFRESH_VIEW unset */
    char *needs_refresh_message;           /* "Please reauthenticate to
                                              access this page." */
    char *needs_refresh_message_category;  /* "message" */

    clogin_identifier_format identifier_format; /* SESSION_IDENTIFIER_FORMAT
                                                   "0.7" or "0.6" */
    int trusted_proxies;                   /* TRUSTED_PROXIES 0: how many
                                              proxies append to
                                              X-Forwarded-For */

    char *session_store;                   /* SESSION_STORE "cookie" */
    char *session_store_shown;             /* the same, password hidden */
    int64_t session_store_timeout_ms;      /* SESSION_STORE_TIMEOUT_MS 1000 */
    int64_t session_store_max_entries;     /* SESSION_STORE_MAX_ENTRIES
                                              100000 (memory store) */
    int64_t session_idle_timeout;          /* SESSION_IDLE_TIMEOUT 0: none */
    int64_t session_absolute_timeout;      /* SESSION_ABSOLUTE_TIMEOUT 0 */
    int64_t session_touch_interval;        /* SESSION_TOUCH_INTERVAL 60 */

    char get_buf[192];                     /* clogin__config_get's numbers */
} clogin__config;

/* Defaults as above. CLOGIN_ENOMEM only. */
clogin_status clogin__config_init(clogin__config *c);
void clogin__config_free(clogin__config *c);

/* Set by Flask name; value NULL restores the default. CLOGIN_ECONFIG with
 * a sentence in err for an unknown name or a bad value (and nothing
 * changes). */
clogin_status clogin__config_set(clogin__config *c, const char *name,
                                 const char *value, char err[CLOGIN__ERRLEN]);
/* The value as text, NULL when unset; secrets read "<hidden>". */
const char *clogin__config_get(const clogin__config *c, const char *name);
/* Every PREFIX+NAME variable of the environment that names a setting. */
clogin_status clogin__config_load_env(clogin__config *c, const char *prefix,
                                      char err[CLOGIN__ERRLEN]);
/* Rules that involve several settings, checked at start: a secret key, the
 * __Host-/__Secure- cookie name prefixes, SameSite=None needs Secure. */
clogin_status clogin__config_validate(const clogin__config *c,
                                      char err[CLOGIN__ERRLEN]);

#endif
