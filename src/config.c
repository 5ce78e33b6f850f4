/* The manager's settings under Flask's names: parsing, defaults, reading
 * back, the environment, and the rules checked at start.
 *
 * Every setting is one row of `settings` below: its name, its kind (how its
 * text is parsed and stored), where it lives in clogin__config, and its
 * default written as text in the syntax clogin__config_set() accepts (NULL:
 * unset). A value is parsed completely into a `parsed` first and only then
 * committed, so a bad value changes nothing. Defaults go through the same
 * parser, so they are checked by the same rules as everything else.
 *
 * clogin__config_get() never writes: numbers are formatted when they are
 * set, each into its own slot of get_buf, and EXEMPT_METHODS keeps its
 * comma-joined text in the same allocation as its array. So any number of
 * threads may read a started manager's settings, and a returned pointer
 * stays valid until that setting changes. */
#define _POSIX_C_SOURCE 200809L

#include "config.h"
#include "internal.h"

#include <jansson.h>
#include <openssl/crypto.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

#define MAX_DURATION CLOGIN__MAX_DURATION
#define MAX_TRUSTED_PROXIES 16
#define MAX_STORE_TIMEOUT 600000
#define MAX_STORE_ENTRIES 1000000000

/* get_buf holds one formatted number per numeric setting. */
#define NUM_SLOT 21 /* "-9223372036854775808" and a NUL */
#define NUM_SLOTS 8
_Static_assert(NUM_SLOT * NUM_SLOTS <= sizeof(((clogin__config *)0)->get_buf),
               "get_buf too small for the numeric settings");

/* How a setting's text is parsed and where its value is stored. */
typedef enum kind {
    K_SECRET,      /* clogin__secret: non-empty bytes */
    K_FALLBACKS,   /* fallback_keys: JSON array of strings, or one key */
    K_COOKIE_NAME, /* char *: RFC 6265 token */
    K_DOMAIN,      /* char *, optional: printable ASCII, no ';' */
    K_PATH,        /* char *: '/' then printable ASCII, no ';' */
    K_HEADER,      /* char *: HTTP token */
    K_HOST,        /* char *, optional: host[:port] */
    K_VIEW,        /* char *, optional: "/path" or http(s)://host... */
    K_MESSAGE,     /* char *, optional: UTF-8 text */
    K_CATEGORY,    /* char *: non-empty UTF-8 text */
    K_BOOL,        /* int: 0 or 1 */
    K_DURATION,    /* int64_t: seconds, 1..MAX_DURATION */
    K_PROXIES,     /* int: 0..MAX_TRUSTED_PROXIES */
    K_SAMESITE,    /* clogin_samesite */
    K_PROTECTION,  /* clogin__protection */
    K_IDFORMAT,    /* clogin_identifier_format */
    K_METHODS,     /* exempt_methods: list of upper-case tokens */
    K_STORE,       /* char *: cookie, memory, sqlite:PATH, redis://... */
    K_SECONDS0,    /* int64_t: seconds, 0 (off)..MAX_DURATION */
    K_MILLIS,      /* int64_t: milliseconds, 1..MAX_STORE_TIMEOUT */
    K_ENTRIES      /* int64_t: 1..MAX_STORE_ENTRIES */
} kind;

typedef struct setting {
    const char *name;
    kind kind;
    size_t offset;   /* of the field in clogin__config */
    const char *def; /* the default, as text; NULL: unset */
    int slot;        /* numbers: the get_buf slot; others: -1 */
} setting;

#define AT(field) offsetof(clogin__config, field)

static const setting settings[] = {
    {"SECRET_KEY", K_SECRET, AT(secret_key), NULL, -1},
    {"SECRET_KEY_FALLBACKS", K_FALLBACKS, AT(fallback_keys), NULL, -1},

    {"SESSION_COOKIE_NAME", K_COOKIE_NAME, AT(session_cookie.name), "session", -1},
    {"SESSION_COOKIE_DOMAIN", K_DOMAIN, AT(session_cookie.domain), NULL, -1},
    {"SESSION_COOKIE_PATH", K_PATH, AT(session_cookie.path), "/", -1},
    {"SESSION_COOKIE_SECURE", K_BOOL, AT(session_cookie.secure), "false", -1},
    {"SESSION_COOKIE_HTTPONLY", K_BOOL, AT(session_cookie.http_only), "true", -1},
    {"SESSION_COOKIE_SAMESITE", K_SAMESITE, AT(session_cookie.same_site), NULL, -1},
    {"PERMANENT_SESSION_LIFETIME", K_DURATION, AT(permanent_session_lifetime),
     "2678400", 0},
    {"SESSION_REFRESH_EACH_REQUEST", K_BOOL, AT(session_refresh_each_request),
     "true", -1},

    {"REMEMBER_COOKIE_NAME", K_COOKIE_NAME, AT(remember_cookie.name),
     "remember_token", -1},
    {"REMEMBER_COOKIE_DOMAIN", K_DOMAIN, AT(remember_cookie.domain), NULL, -1},
    {"REMEMBER_COOKIE_PATH", K_PATH, AT(remember_cookie.path), "/", -1},
    {"REMEMBER_COOKIE_SECURE", K_BOOL, AT(remember_cookie.secure), "false", -1},
    {"REMEMBER_COOKIE_HTTPONLY", K_BOOL, AT(remember_cookie.http_only), "true", -1},
    {"REMEMBER_COOKIE_SAMESITE", K_SAMESITE, AT(remember_cookie.same_site), NULL, -1},
    {"REMEMBER_COOKIE_DURATION", K_DURATION, AT(remember_cookie_duration),
     "31536000", 1},
    {"REMEMBER_COOKIE_REFRESH_EACH_REQUEST", K_BOOL,
     AT(remember_cookie_refresh_each_request), "false", -1},

    {"SESSION_PROTECTION", K_PROTECTION, AT(session_protection), "basic", -1},
    {"USE_SESSION_FOR_NEXT", K_BOOL, AT(use_session_for_next), "false", -1},
    {"AUTH_HEADER_NAME", K_HEADER, AT(auth_header_name), "Authorization", -1},
    {"FORCE_HOST_FOR_REDIRECTS", K_HOST, AT(force_host_for_redirects), NULL, -1},
    {"EXEMPT_METHODS", K_METHODS, AT(exempt_methods), "OPTIONS", -1},
    {"LOGIN_DISABLED", K_BOOL, AT(login_disabled), "false", -1},

    {"LOGIN_VIEW", K_VIEW, AT(login_view), NULL, -1},
    {"LOGIN_MESSAGE", K_MESSAGE, AT(login_message),
     "Please log in to access this page.", -1},
    {"LOGIN_MESSAGE_CATEGORY", K_CATEGORY, AT(login_message_category), "message", -1},
    {"REFRESH_VIEW", K_VIEW, AT(refresh_view), NULL, -1},
    {"NEEDS_REFRESH_MESSAGE", K_MESSAGE, AT(needs_refresh_message),
     "Please reauthenticate to access this page.", -1},
    {"NEEDS_REFRESH_MESSAGE_CATEGORY", K_CATEGORY,
     AT(needs_refresh_message_category), "message", -1},

    {"SESSION_IDENTIFIER_FORMAT", K_IDFORMAT, AT(identifier_format), "0.7", -1},
    {"TRUSTED_PROXIES", K_PROXIES, AT(trusted_proxies), "0", 2},

    {"SESSION_STORE", K_STORE, AT(session_store), "cookie", -1},
    {"SESSION_STORE_TIMEOUT_MS", K_MILLIS, AT(session_store_timeout_ms), "1000", 3},
    {"SESSION_STORE_MAX_ENTRIES", K_ENTRIES, AT(session_store_max_entries), "100000", 4},
    {"SESSION_IDLE_TIMEOUT", K_SECONDS0, AT(session_idle_timeout), "0", 5},
    {"SESSION_ABSOLUTE_TIMEOUT", K_SECONDS0, AT(session_absolute_timeout), "0", 6},
    {"SESSION_TOUCH_INTERVAL", K_SECONDS0, AT(session_touch_interval), "60", 7},
};

#define SETTING_COUNT (sizeof settings / sizeof settings[0])

/* A parsed value on its way into the config; only the member the kind
 * uses is set. Owns what it holds until committed. */
typedef struct parsed {
    char *str;
    int64_t num;
    clogin__secret secret;
    clogin__secret *keys;
    size_t key_count;
    char **methods;
    size_t method_count;
} parsed;

/* ---- ASCII helpers (no locale) ---- */

static unsigned char ascii_upper(unsigned char c) {
    return (c >= 'a' && c <= 'z') ? (unsigned char)(c - 'a' + 'A') : c;
}

static int ascii_ieq_n(const char *a, const char *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (ascii_upper((unsigned char)a[i]) != ascii_upper((unsigned char)b[i]))
            return 0;
    return 1;
}

/* Whole strings equal, ignoring ASCII case. */
static int ascii_ieq(const char *a, const char *b) {
    size_t n = strlen(a);
    return n == strlen(b) && ascii_ieq_n(a, b, n);
}

static int ascii_istarts(const char *s, const char *prefix) {
    size_t n = strlen(prefix);
    return strlen(s) >= n && ascii_ieq_n(s, prefix, n);
}

/* RFC 9110 tchar; RFC 6265's cookie-name is the same token. */
static int is_tchar(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_token(const char *s, size_t n) {
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_tchar((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Printable ASCII (no space, no control, no 8-bit) and none of `banned`. */
static int is_visible_ascii(const char *s, const char *banned) {
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x21 || c > 0x7e || strchr(banned, c) != NULL)
            return 0;
    }
    return 1;
}

/* Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF. */
static int utf8_valid(const char *text) {
    const unsigned char *s = (const unsigned char *)text;
    while (*s != 0) {
        unsigned c = *s, cp, min;
        size_t more;
        if (c < 0x80) {
            s++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            more = 1, cp = c & 0x1f, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            more = 2, cp = c & 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            more = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        for (size_t i = 1; i <= more; i++) {
            if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
                return 0;
            cp = (cp << 6) | (s[i] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        s += more + 1;
    }
    return 1;
}

/* A whole number of decimal digits, at most max. */
static int parse_uint(const char *s, int64_t max, int64_t *out) {
    int64_t v = 0;
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (*s - '0');
        if (v > max) /* max < INT64_MAX / 10, so this never overflows */
            return 0;
    }
    *out = v;
    return 1;
}

/* ---- errors ---- */

static void fail(char *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fail(char *err, const char *fmt, ...) {
    if (err == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, CLOGIN__ERRLEN, fmt, ap);
    va_end(ap);
}

/* A value shown in an error: printable ASCII as is, other bytes (and the
 * quote and backslash) escaped, cut after 40 bytes. */
#define QUOTE_LEN 200
static const char *quote(const char *s, char out[QUOTE_LEN]) {
    static const char hex[] = "0123456789abcdef";
    size_t o = 0, i = 0;
    for (; s[i] != '\0' && i < 40; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\'' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c >= 0x20 && c < 0x7f) {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    if (s[i] != '\0') {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

/* ---- values ---- */

static void secret_free(clogin__secret *s) {
    if (s->data != NULL) {
        OPENSSL_cleanse(s->data, s->len);
        free(s->data);
    }
    s->data = NULL;
    s->len = 0;
}

static void keys_free(clogin__secret *keys, size_t count) {
    if (keys == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        secret_free(&keys[i]);
    free(keys);
}

static void parsed_free(parsed *v) {
    free(v->str);
    secret_free(&v->secret);
    keys_free(v->keys, v->key_count);
    free(v->methods);
    memset(v, 0, sizeof *v);
}

static clogin_status secret_copy(clogin__secret *s, const void *data, size_t len) {
    s->data = malloc(len);
    if (s->data == NULL)
        return CLOGIN_ENOMEM;
    memcpy(s->data, data, len);
    s->len = len;
    return CLOGIN_OK;
}

/* Flask's None: "" , "None" (Python) or "null" (JSON). */
static int means_unset(const char *s) {
    return s[0] == '\0' || strcmp(s, "None") == 0 || strcmp(s, "null") == 0;
}

/* ---- EXEMPT_METHODS ---- */

typedef struct span {
    const char *p;
    size_t n;
} span;

/* Whether items[i] repeats an earlier item (methods are upper-cased, so
 * "get" and "GET" are the same). */
static int repeats(const span *items, size_t i) {
    for (size_t j = 0; j < i; j++)
        if (items[j].n == items[i].n && ascii_ieq_n(items[j].p, items[i].p, items[i].n))
            return 1;
    return 0;
}

/* One allocation holds the array of count pointers, then the comma-joined
 * text that clogin__config_get() returns, then the upper-cased names:
 *   [ptr0][ptr1] "OPTIONS,HEAD\0" "OPTIONS\0" "HEAD\0"
 * so freeing the array frees everything. */
static const char *methods_joined(char **methods, size_t count) {
    return count == 0 ? "" : (const char *)(void *)(methods + count);
}

static clogin_status build_methods(const span *items, size_t n, parsed *v) {
    size_t count = 0, text = 0;
    for (size_t i = 0; i < n; i++) {
        if (repeats(items, i))
            continue;
        count++;
        text += items[i].n + 1;
    }
    if (count == 0)
        return CLOGIN_OK; /* nothing exempt */
    char **block = malloc(count * sizeof(char *) + 2 * text);
    if (block == NULL)
        return CLOGIN_ENOMEM;
    char *joined = (char *)(void *)(block + count);
    char *names = joined + text;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (repeats(items, i))
            continue;
        block[k] = names;
        for (size_t j = 0; j < items[i].n; j++)
            *joined++ = *names++ = (char)ascii_upper((unsigned char)items[i].p[j]);
        *names++ = '\0';
        *joined++ = ',';
        k++;
    }
    joined[-1] = '\0';
    v->methods = block;
    v->method_count = count;
    return CLOGIN_OK;
}

#define METHODS_ACCEPTED                                                     \
    "%s must be HTTP methods separated by commas, or a JSON array of them " \
    "such as [\"OPTIONS\",\"HEAD\"] (empty for none), not '%s'"

/* EXEMPT_METHODS as a JSON array of method tokens. */
static clogin_status parse_methods_json(const char *label, const char *text,
                                        parsed *v, char *err) {
    char q[QUOTE_LEN];
    json_error_t je;
    json_t *arr = json_loads(text, 0, &je);
    if (!json_is_array(arr)) {
        fail(err, METHODS_ACCEPTED, label, quote(text, q));
        json_decref(arr);
        return CLOGIN_ECONFIG;
    }
    size_t n = json_array_size(arr);
    span *items = n != 0 ? malloc(n * sizeof *items) : NULL;
    clogin_status st = n != 0 && items == NULL ? CLOGIN_ENOMEM : CLOGIN_OK;
    for (size_t i = 0; i < n && st == CLOGIN_OK; i++) {
        json_t *s = json_array_get(arr, i);
        if (!json_is_string(s) ||
            !is_token(json_string_value(s), json_string_length(s))) {
            fail(err, METHODS_ACCEPTED, label, quote(text, q));
            st = CLOGIN_ECONFIG;
        } else {
            items[i].p = json_string_value(s);
            items[i].n = json_string_length(s);
        }
    }
    if (st == CLOGIN_OK)
        st = build_methods(items, n, v); /* before the strings go */
    free(items);
    json_decref(arr);
    return st;
}

static clogin_status parse_methods(const char *label, const char *text,
                                   parsed *v, char *err) {
    char q[QUOTE_LEN];
    clogin_status st;

    if (text[0] == '[')
        return parse_methods_json(label, text, v, err);

    /* Comma-separated, with optional spaces or tabs around each name. */
    const char *p = text;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0')
        return CLOGIN_OK; /* nothing exempt */
    size_t n = 1;
    for (const char *s = text; *s != '\0'; s++)
        n += *s == ',';
    span *items = malloc(n * sizeof *items);
    if (items == NULL)
        return CLOGIN_ENOMEM;
    p = text;
    for (size_t i = 0; i < n; i++) {
        const char *end = strchr(p, ',');
        if (end == NULL)
            end = p + strlen(p);
        const char *next = *end == ',' ? end + 1 : end;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        items[i].p = p;
        items[i].n = (size_t)(end - p);
        if (!is_token(p, items[i].n)) {
            fail(err, METHODS_ACCEPTED, label, quote(text, q));
            free(items);
            return CLOGIN_ECONFIG;
        }
        p = next;
    }
    st = build_methods(items, n, v);
    free(items);
    return st;
}

/* ---- SECRET_KEY_FALLBACKS ---- */

static clogin_status parse_fallbacks(const char *label, const char *text,
                                     parsed *v, char *err) {
    if (text[0] == '\0')
        return CLOGIN_OK; /* none */
    if (text[0] != '[') {
        v->keys = calloc(1, sizeof *v->keys);
        if (v->keys == NULL)
            return CLOGIN_ENOMEM;
        v->key_count = 1;
        return secret_copy(&v->keys[0], text, strlen(text));
    }

    /* The keys are never quoted in errors. */
    json_error_t je;
    json_t *arr = json_loads(text, JSON_ALLOW_NUL, &je);
    if (arr == NULL || !json_is_array(arr)) {
        if (arr == NULL)
            fail(err,
                 "%s must be a JSON array of strings such as [\"old1\",\"old2\"] "
                 "or a single key that does not start with '[', and this is "
                 "not valid JSON (line %d, column %d)",
                 label, je.line, je.column);
        else
            fail(err, "%s must be a JSON array of strings such as "
                      "[\"old1\",\"old2\"], not another JSON value",
                 label);
        json_decref(arr);
        return CLOGIN_ECONFIG;
    }
    size_t n = json_array_size(arr);
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(arr, i);
        if (!json_is_string(s) || json_string_length(s) == 0) {
            fail(err, "%s must be a JSON array of non-empty strings, and "
                      "item %zu is %s",
                 label, i + 1, json_is_string(s) ? "empty" : "not a string");
            json_decref(arr);
            return CLOGIN_ECONFIG;
        }
    }
    clogin_status st = CLOGIN_OK;
    if (n != 0) {
        v->keys = calloc(n, sizeof *v->keys);
        if (v->keys == NULL)
            st = CLOGIN_ENOMEM;
        else
            v->key_count = n;
    }
    for (size_t i = 0; i < n && st == CLOGIN_OK; i++) {
        json_t *s = json_array_get(arr, i);
        st = secret_copy(&v->keys[i], json_string_value(s), json_string_length(s));
    }
    json_decref(arr);
    return st;
}

/* ---- one value ---- */

/* Parse text (never NULL) for setting s into v. label names the setting in
 * errors (or the environment variable it came from). */
static clogin_status parse(const setting *s, const char *text, const char *label,
                           parsed *v, char *err) {
    char q[QUOTE_LEN];
    int64_t n;

    /* Secrets are bytes; everything else is text. */
    if (s->kind != K_SECRET && s->kind != K_FALLBACKS && !utf8_valid(text)) {
        fail(err, "%s must be valid UTF-8, not '%s'", label, quote(text, q));
        return CLOGIN_ECONFIG;
    }

    switch (s->kind) {
    case K_SECRET:
        if (text[0] == '\0') {
            fail(err, "%s must not be empty: use a long random value", label);
            return CLOGIN_ECONFIG;
        }
        return secret_copy(&v->secret, text, strlen(text));

    case K_FALLBACKS:
        return parse_fallbacks(label, text, v, err);

    case K_COOKIE_NAME:
        if (!is_token(text, strlen(text))) {
            fail(err, "%s must be a cookie name: one or more letters, digits "
                      "or !#$%%&'*+-.^_`|~, not '%s'",
                 label, quote(text, q));
            return CLOGIN_ECONFIG;
        }
        break;

    case K_HEADER:
        if (!is_token(text, strlen(text))) {
            fail(err, "%s must be an HTTP header name: one or more letters, "
                      "digits or !#$%%&'*+-.^_`|~, not '%s'",
                 label, quote(text, q));
            return CLOGIN_ECONFIG;
        }
        break;

    case K_DOMAIN:
        if (means_unset(text))
            return CLOGIN_OK;
        if (!is_visible_ascii(text, ";")) {
            fail(err, "%s must be a domain in ASCII (punycode) without spaces, "
                      "control characters or ';' (or empty to leave it out), "
                      "not '%s'",
                 label, quote(text, q));
            return CLOGIN_ECONFIG;
        }
        break;

    case K_PATH:
        if (text[0] != '/' || !is_visible_ascii(text, ";")) {
            fail(err, "%s must be a path starting with '/' in ASCII "
                      "(percent-encoded) without spaces, control characters "
                      "or ';', not '%s'",
                 label, quote(text, q));
            return CLOGIN_ECONFIG;
        }
        break;

    case K_HOST:
        if (means_unset(text))
            return CLOGIN_OK;
        if (!is_visible_ascii(text, "/?#@\\;,")) {
            fail(err, "%s must be a host or host:port in ASCII, such as "
                      "'example.com:8443' (or empty to leave it out), not '%s'",
                 label, quote(text, q));
            return CLOGIN_ECONFIG;
        }
        break;

    case K_VIEW: {
        if (means_unset(text))
            return CLOGIN_OK;
        int ok;
        const char *rest = NULL;
        if (ascii_istarts(text, "http://"))
            rest = text + 7;
        else if (ascii_istarts(text, "https://"))
            rest = text + 8;
        if (rest != NULL) /* a host must follow the scheme */
            ok = *rest != '\0' && strchr("/?#\\", *rest) == NULL;
        else /* a path, not a network-path reference such as //host */
            ok = text[0] == '/' && text[1] != '/' && text[1] != '\\';
        for (const char *p = text; ok && *p != '\0'; p++)
            if ((unsigned char)*p <= 0x20 || *p == 0x7f)
                ok = 0;
        if (!ok) {
            fail(err, "%s must be a path starting with '/' or an absolute "
                      "http:// or https:// URL, without spaces (C has no "
                      "endpoint names to resolve), not '%s'",
                 label, quote(text, q));
            return CLOGIN_ECONFIG;
        }
        break;
    }

    case K_MESSAGE:
        if (means_unset(text))
            return CLOGIN_OK; /* no flash */
        break;

    case K_CATEGORY:
        if (text[0] == '\0') {
            fail(err, "%s must be a non-empty message category such as "
                      "'message' or 'info'",
                 label);
            return CLOGIN_ECONFIG;
        }
        break;

    case K_BOOL:
        if (ascii_ieq(text, "true") || ascii_ieq(text, "1") ||
            ascii_ieq(text, "yes") || ascii_ieq(text, "on")) {
            v->num = 1;
        } else if (ascii_ieq(text, "false") || ascii_ieq(text, "0") ||
                   ascii_ieq(text, "no") || ascii_ieq(text, "off")) {
            v->num = 0;
        } else {
            fail(err, "%s must be true or false (or 1/0, yes/no, on/off), "
                      "not '%s'",
                 label, quote(text, q));
            return CLOGIN_ECONFIG;
        }
        return CLOGIN_OK;

    case K_DURATION:
        if (!parse_uint(text, MAX_DURATION, &n) || n < 1) {
            fail(err, "%s must be a whole number of seconds from 1 to %" PRId64
                      " (100 years), not '%s'",
                 label, MAX_DURATION, quote(text, q));
            return CLOGIN_ECONFIG;
        }
        v->num = n;
        return CLOGIN_OK;

    case K_PROXIES:
        if (!parse_uint(text, MAX_TRUSTED_PROXIES, &n)) {
            fail(err, "%s must be a whole number from 0 to %d (how many "
                      "proxies append to X-Forwarded-For), not '%s'",
                 label, MAX_TRUSTED_PROXIES, quote(text, q));
            return CLOGIN_ECONFIG;
        }
        v->num = n;
        return CLOGIN_OK;

    case K_SAMESITE:
        if (text[0] == '\0' || ascii_ieq(text, "null"))
            v->num = CLOGIN_SAMESITE_UNSET;
        else if (ascii_ieq(text, "Lax"))
            v->num = CLOGIN_SAMESITE_LAX;
        else if (ascii_ieq(text, "Strict"))
            v->num = CLOGIN_SAMESITE_STRICT;
        else if (ascii_ieq(text, "None"))
            v->num = CLOGIN_SAMESITE_NONE;
        else {
            fail(err, "%s must be Lax, Strict or None (or empty to leave it "
                      "out), not '%s'",
                 label, quote(text, q));
            return CLOGIN_ECONFIG;
        }
        return CLOGIN_OK;

    case K_PROTECTION:
        if (ascii_ieq(text, "basic"))
            v->num = CLOGIN__PROTECTION_BASIC;
        else if (ascii_ieq(text, "strong"))
            v->num = CLOGIN__PROTECTION_STRONG;
        else if (text[0] == '\0' || ascii_ieq(text, "none") ||
                 ascii_ieq(text, "null") || ascii_ieq(text, "false"))
            v->num = CLOGIN__PROTECTION_OFF;
        else {
            fail(err, "%s must be basic, strong or none, not '%s'", label,
                 quote(text, q));
            return CLOGIN_ECONFIG;
        }
        return CLOGIN_OK;

    case K_IDFORMAT:
        if (strcmp(text, "0.7") == 0)
            v->num = CLOGIN_IDENTIFIER_07;
        else if (strcmp(text, "0.6") == 0)
            v->num = CLOGIN_IDENTIFIER_06;
        else {
            fail(err, "%s must be 0.7 or 0.6 (the Flask-Login version whose "
                      "session identifier to compute), not '%s'",
                 label, quote(text, q));
            return CLOGIN_ECONFIG;
        }
        return CLOGIN_OK;

    case K_METHODS:
        return parse_methods(label, text, v, err);

    case K_STORE:
        if (strcmp(text, "cookie") != 0 && strcmp(text, "memory") != 0 &&
            !(strncmp(text, "sqlite:", 7) == 0 && text[7] != '\0') &&
            strncmp(text, "redis://", 8) != 0) {
            fail(err, "%s must be cookie, memory, sqlite:PATH or "
                      "redis://HOST:PORT/DB, not '%s'",
                 label, quote(text, q));
            return CLOGIN_ECONFIG;
        }
        break;

    case K_SECONDS0:
        if (means_unset(text)) {
            v->num = 0;
            return CLOGIN_OK;
        }
        if (!parse_uint(text, MAX_DURATION, &n)) {
            fail(err, "%s must be a whole number of seconds from 0 (off) to "
                      "%" PRId64 " (100 years), not '%s'",
                 label, MAX_DURATION, quote(text, q));
            return CLOGIN_ECONFIG;
        }
        v->num = n;
        return CLOGIN_OK;

    case K_MILLIS:
    case K_ENTRIES: {
        int64_t max = s->kind == K_MILLIS ? MAX_STORE_TIMEOUT : MAX_STORE_ENTRIES;
        if (!parse_uint(text, max, &n) || n < 1) {
            fail(err, "%s must be a whole number from 1 to %" PRId64 "%s, not '%s'",
                 label, max, s->kind == K_MILLIS ? " (milliseconds)" : "",
                 quote(text, q));
            return CLOGIN_ECONFIG;
        }
        v->num = n;
        return CLOGIN_OK;
    }
    }

    /* The string kinds that passed their checks. */
    v->str = clogin__strdup(text);
    return v->str != NULL ? CLOGIN_OK : CLOGIN_ENOMEM;
}

static void *field(clogin__config *c, const setting *s) {
    return (char *)c + s->offset;
}

static const void *cfield(const clogin__config *c, const setting *s) {
    return (const char *)c + s->offset;
}

/* A Redis URL as clogin_manager_get() shows it: the password, if any,
 * reads "<hidden>" as the secret keys do. NULL stays NULL (and when memory
 * runs out the setting reads as unset). */
static char *without_password(const char *spec) {
    if (!spec || strncmp(spec, "redis://", 8) != 0)
        return spec ? clogin__strdup(spec) : NULL;
    const char *host = spec + 8, *at = NULL;
    for (const char *p = host; *p && *p != '/'; p++)
        if (*p == '@')
            at = p;
    if (!at)
        return clogin__strdup(spec);
    const char *colon = memchr(host, ':', (size_t)(at - host));
    clogin__buf b = {0};
    clogin__buf_append(&b, spec, (size_t)((colon ? colon + 1 : host) - spec));
    clogin__buf_append(&b, "<hidden>", 8);
    clogin__buf_append(&b, at, strlen(at));
    char *out;
    return clogin__buf_finish(&b, &out, NULL) == CLOGIN_OK ? out : NULL;
}

/* Replace the setting's value with v (which gives up what it owns). */
static void commit(clogin__config *c, const setting *s, parsed *v) {
    switch (s->kind) {
    case K_SECRET:
        secret_free(&c->secret_key);
        c->secret_key = v->secret;
        break;
    case K_FALLBACKS:
        keys_free(c->fallback_keys, c->fallback_key_count);
        c->fallback_keys = v->keys;
        c->fallback_key_count = v->key_count;
        break;
    case K_METHODS:
        free(c->exempt_methods);
        c->exempt_methods = v->methods;
        c->exempt_method_count = v->method_count;
        break;
    case K_COOKIE_NAME:
    case K_DOMAIN:
    case K_PATH:
    case K_HEADER:
    case K_HOST:
    case K_VIEW:
    case K_MESSAGE:
    case K_CATEGORY:
    case K_STORE: {
        char **p = field(c, s);
        free(*p);
        *p = v->str;
        if (s->kind == K_STORE) {
            free(c->session_store_shown);
            c->session_store_shown = without_password(v->str);
        }
        break;
    }
    case K_BOOL:
    case K_PROXIES:
        *(int *)field(c, s) = (int)v->num;
        break;
    case K_DURATION:
    case K_SECONDS0:
    case K_MILLIS:
    case K_ENTRIES:
        *(int64_t *)field(c, s) = v->num;
        break;
    case K_SAMESITE:
        *(clogin_samesite *)field(c, s) = (clogin_samesite)v->num;
        break;
    case K_PROTECTION:
        *(clogin__protection *)field(c, s) = (clogin__protection)v->num;
        break;
    case K_IDFORMAT:
        *(clogin_identifier_format *)field(c, s) = (clogin_identifier_format)v->num;
        break;
    }
    if (s->slot >= 0)
        snprintf(c->get_buf + s->slot * NUM_SLOT, NUM_SLOT, "%" PRId64, v->num);
    memset(v, 0, sizeof *v);
}

/* Set s from text, or to its default when text is NULL. */
static clogin_status apply(clogin__config *c, const setting *s, const char *text,
                           const char *label, char *err) {
    parsed v;
    memset(&v, 0, sizeof v);
    if (text == NULL)
        text = s->def; /* NULL: unset, which v already says */
    if (text != NULL) {
        clogin_status st = parse(s, text, label, &v, err);
        if (st != CLOGIN_OK) {
            parsed_free(&v);
            if (st == CLOGIN_ENOMEM)
                fail(err, "out of memory while setting %s", label);
            return st;
        }
    }
    commit(c, s, &v);
    return CLOGIN_OK;
}

static const setting *find_setting(const char *name) {
    for (size_t i = 0; i < SETTING_COUNT; i++)
        if (strcmp(settings[i].name, name) == 0)
            return &settings[i];
    return NULL;
}

/* ---- the interface ---- */

clogin_status clogin__config_init(clogin__config *c) {
    if (c == NULL)
        return CLOGIN_EINVAL;
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < SETTING_COUNT; i++) {
        if (apply(c, &settings[i], NULL, settings[i].name, NULL) != CLOGIN_OK) {
            clogin__config_free(c);
            return CLOGIN_ENOMEM;
        }
    }
    return CLOGIN_OK;
}

void clogin__config_free(clogin__config *c) {
    if (c == NULL)
        return;
    for (size_t i = 0; i < SETTING_COUNT; i++) {
        parsed none;
        memset(&none, 0, sizeof none);
        commit(c, &settings[i], &none); /* frees the old value */
    }
    memset(c, 0, sizeof *c);
}

clogin_status clogin__config_set(clogin__config *c, const char *name,
                                 const char *value, char err[CLOGIN__ERRLEN]) {
    char q[QUOTE_LEN];
    if (err != NULL)
        err[0] = '\0';
    if (c == NULL || name == NULL) {
        fail(err, "no config or no setting name given");
        return CLOGIN_EINVAL;
    }
    const setting *s = find_setting(name);
    if (s == NULL) {
        char upper[64];
        size_t n = strlen(name);
        if (n < sizeof upper) {
            for (size_t i = 0; i <= n; i++)
                upper[i] = (char)ascii_upper((unsigned char)name[i]);
            if (find_setting(upper) != NULL) {
                fail(err, "unknown setting '%s': setting names are upper case, "
                          "as in '%s'",
                     quote(name, q), upper);
                return CLOGIN_ECONFIG;
            }
        }
        fail(err, "unknown setting '%s'", quote(name, q));
        return CLOGIN_ECONFIG;
    }
    return apply(c, s, value, s->name, err);
}

const char *clogin__config_get(const clogin__config *c, const char *name) {
    if (c == NULL || name == NULL)
        return NULL;
    const setting *s = find_setting(name);
    if (s == NULL)
        return NULL;
    switch (s->kind) {
    case K_SECRET:
        return c->secret_key.len != 0 ? "<hidden>" : NULL;
    case K_FALLBACKS:
        return c->fallback_key_count != 0 ? "<hidden>" : NULL;
    case K_METHODS:
        return methods_joined(c->exempt_methods, c->exempt_method_count);
    case K_COOKIE_NAME:
    case K_DOMAIN:
    case K_PATH:
    case K_HEADER:
    case K_HOST:
    case K_VIEW:
    case K_MESSAGE:
    case K_CATEGORY:
        return *(char *const *)cfield(c, s);
    case K_STORE:
        return c->session_store_shown;
    case K_BOOL:
        return *(const int *)cfield(c, s) ? "true" : "false";
    case K_DURATION:
    case K_PROXIES:
    case K_SECONDS0:
    case K_MILLIS:
    case K_ENTRIES:
        return c->get_buf + s->slot * NUM_SLOT; /* formatted when set */
    case K_SAMESITE:
        switch (*(const clogin_samesite *)cfield(c, s)) {
        case CLOGIN_SAMESITE_LAX:
            return "Lax";
        case CLOGIN_SAMESITE_STRICT:
            return "Strict";
        case CLOGIN_SAMESITE_NONE:
            return "None";
        case CLOGIN_SAMESITE_UNSET:
            break;
        }
        return NULL;
    case K_PROTECTION:
        switch (*(const clogin__protection *)cfield(c, s)) {
        case CLOGIN__PROTECTION_BASIC:
            return "basic";
        case CLOGIN__PROTECTION_STRONG:
            return "strong";
        case CLOGIN__PROTECTION_OFF:
            break;
        }
        return "none";
    case K_IDFORMAT:
        return *(const clogin_identifier_format *)cfield(c, s) == CLOGIN_IDENTIFIER_06
                   ? "0.6"
                   : "0.7";
    }
    return NULL;
}

/* The value of the environment variable prefix+name (the first, if it
 * appears twice, as getenv() does), or NULL. */
static const char *env_lookup(const char *prefix, const char *name) {
    size_t plen = strlen(prefix), nlen = strlen(name);
    if (environ == NULL)
        return NULL;
    for (char **e = environ; *e != NULL; e++) {
        const char *var = *e;
        if (strncmp(var, prefix, plen) == 0 && strncmp(var + plen, name, nlen) == 0 &&
            var[plen + nlen] == '=')
            return var + plen + nlen + 1;
    }
    return NULL;
}

clogin_status clogin__config_load_env(clogin__config *c, const char *prefix,
                                      char err[CLOGIN__ERRLEN]) {
    if (err != NULL)
        err[0] = '\0';
    if (c == NULL) {
        fail(err, "no config given");
        return CLOGIN_EINVAL;
    }
    if (prefix == NULL)
        prefix = "CLOGIN_";

    /* Check every variable first, so that a bad one changes nothing; then
     * apply them all. Settings are visited in the table's order. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < SETTING_COUNT; i++) {
            const setting *s = &settings[i];
            const char *text = env_lookup(prefix, s->name);
            if (text == NULL)
                continue;
            char label[160];
            snprintf(label, sizeof label, "environment variable %s%s", prefix,
                     s->name);
            clogin_status st;
            if (pass == 0) {
                parsed v;
                memset(&v, 0, sizeof v);
                st = parse(s, text, label, &v, err);
                parsed_free(&v);
                if (st == CLOGIN_ENOMEM)
                    fail(err, "out of memory while reading %s", label);
            } else {
                st = apply(c, s, text, label, err);
            }
            if (st != CLOGIN_OK)
                return st;
        }
    }
    return CLOGIN_OK;
}

/* The cookie-prefix and SameSite rules for one cookie; what is its setting
 * names' common part ("SESSION_COOKIE"). */
static clogin_status check_cookie(const clogin__cookie_config *k, const char *what,
                                  char *err) {
    char q[QUOTE_LEN];
    const char *name = k->name != NULL ? k->name : "";
    int host = ascii_istarts(name, "__Host-");
    if ((host || ascii_istarts(name, "__Secure-")) && !k->secure) {
        fail(err, "%s_NAME '%s' starts with %s, so %s_SECURE must be true "
                  "(browsers refuse such a cookie without Secure)",
             what, quote(name, q), host ? "__Host-" : "__Secure-", what);
        return CLOGIN_ECONFIG;
    }
    if (host && (k->path == NULL || strcmp(k->path, "/") != 0)) {
        fail(err, "%s_NAME '%s' starts with __Host-, so %s_PATH must be '/' "
                  "(browsers refuse such a cookie with another path)",
             what, quote(name, q), what);
        return CLOGIN_ECONFIG;
    }
    if (host && k->domain != NULL) {
        fail(err, "%s_NAME '%s' starts with __Host-, so %s_DOMAIN must be left "
                  "unset (browsers refuse such a cookie with a Domain)",
             what, quote(name, q), what);
        return CLOGIN_ECONFIG;
    }
    if (k->same_site == CLOGIN_SAMESITE_NONE && !k->secure) {
        fail(err, "%s_SAMESITE None needs %s_SECURE true (browsers refuse "
                  "SameSite=None cookies without Secure)",
             what, what);
        return CLOGIN_ECONFIG;
    }
    return CLOGIN_OK;
}

/* Timeouts live in the store's records: cookie sessions have only
 * PERMANENT_SESSION_LIFETIME. */
static clogin_status check_store(const clogin__config *c, char *err) {
    int cookie = strcmp(c->session_store, "cookie") == 0;
    if (cookie && (c->session_idle_timeout || c->session_absolute_timeout)) {
        fail(err, "SESSION_IDLE_TIMEOUT and SESSION_ABSOLUTE_TIMEOUT need a "
                  "server-side SESSION_STORE (memory, sqlite:PATH or redis://...); "
                  "cookie sessions expire by PERMANENT_SESSION_LIFETIME");
        return CLOGIN_ECONFIG;
    }
    if (c->session_idle_timeout &&
        c->session_touch_interval >= c->session_idle_timeout) {
        fail(err, "SESSION_TOUCH_INTERVAL (%" PRId64 ") must be shorter than "
                  "SESSION_IDLE_TIMEOUT (%" PRId64 "), or active users would "
                  "time out",
             c->session_touch_interval, c->session_idle_timeout);
        return CLOGIN_ECONFIG;
    }
    return CLOGIN_OK;
}

clogin_status clogin__config_validate(const clogin__config *c,
                                      char err[CLOGIN__ERRLEN]) {
    char q[QUOTE_LEN];
    if (err != NULL)
        err[0] = '\0';
    if (c == NULL) {
        fail(err, "no config given");
        return CLOGIN_EINVAL;
    }
    if (c->secret_key.len == 0) {
        fail(err, "SECRET_KEY is required: set it to a long random value (the "
                  "Flask application's own when they share cookies), e.g. "
                  "through CLOGIN_SECRET_KEY");
        return CLOGIN_ECONFIG;
    }
    clogin_status st = check_cookie(&c->session_cookie, "SESSION_COOKIE", err);
    if (st == CLOGIN_OK)
        st = check_cookie(&c->remember_cookie, "REMEMBER_COOKIE", err);
    if (st != CLOGIN_OK)
        return st;
    if (c->session_cookie.name != NULL && c->remember_cookie.name != NULL &&
        strcmp(c->session_cookie.name, c->remember_cookie.name) == 0) {
        fail(err, "SESSION_COOKIE_NAME and REMEMBER_COOKIE_NAME must differ, "
                  "but both are '%s'",
             quote(c->session_cookie.name, q));
        return CLOGIN_ECONFIG;
    }
    return check_store(c, err);
}
