/* Set-Cookie header values, written like Werkzeug's dump_cookie():
 *
 *   name=value; Domain=d; Expires=<IMF-fixdate>; Max-Age=n; Secure;
 *   HttpOnly; Path=p; SameSite=Lax|Strict|None
 *
 * Unlike dump_cookie, nothing is quoted or escaped: every part is checked
 * and anything a browser would misread is refused (CLOGIN_ECOOKIE), so the
 * output is never a broken or injected header. The exact length is computed
 * first and the result allocated once. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* RFC 9110 tchar (RFC 6265 cookie-name is an RFC 2616 token, the same set). */
static int is_tchar(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 6265 cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
 * (no CTLs, whitespace, DQUOTE, comma, semicolon, backslash, DEL, 8-bit). */
static int is_cookie_octet(unsigned char c) {
    return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' &&
           c != '\\';
}

/* Printable ASCII without ';' (space allowed only if allow_space). */
static int valid_attr_value(const char *s, int allow_space) {
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == ' ' ? !allow_space : (c < 0x21 || c > 0x7e || c == ';'))
            return 0;
    }
    return 1;
}

/* Decimal digits of a non-negative integer into out (>= 20 bytes), no NUL.
 * Returns the number of digits. */
static size_t format_u64(uint64_t v, char *out) {
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

typedef struct writer {
    char *p;
} writer;

static void put(writer *w, const char *s, size_t n) {
    if (n != 0)
        memcpy(w->p, s, n);
    w->p += n;
}

static void puts_lit(writer *w, const char *s) {
    put(w, s, strlen(s));
}

/* Safe size_t addition: sets *overflow on wrap. */
static size_t add(size_t a, size_t b, int *overflow) {
    if (a > SIZE_MAX - b) {
        *overflow = 1;
        return 0;
    }
    return a + b;
}

/* The common writer. delete_mode: empty value, the 1970 Expires and
 * Max-Age=0 whatever attrs say about expiry. */
static clogin_status build(const char *name, const char *value,
                           size_t value_len, const clogin_cookie_attrs *attrs,
                           int delete_mode, int quoted, char **out,
                           size_t *out_len) {
    static const clogin_cookie_attrs defaults = CLOGIN_COOKIE_ATTRS_INIT;

    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (name == NULL || out == NULL || (value == NULL && value_len != 0))
        return CLOGIN_EINVAL;
    if (attrs == NULL)
        attrs = &defaults;

    /* Programming errors first. */
    int64_t expires = delete_mode ? 0 : attrs->expires;
    int64_t max_age = delete_mode ? 0 : attrs->max_age;
    int has_expires = delete_mode || attrs->expires != 0;
    int has_max_age = max_age >= 0;
    if (max_age < -1 || expires < 0)
        return CLOGIN_EINVAL;
    if (attrs->same_site != CLOGIN_SAMESITE_UNSET &&
        attrs->same_site != CLOGIN_SAMESITE_LAX &&
        attrs->same_site != CLOGIN_SAMESITE_STRICT &&
        attrs->same_site != CLOGIN_SAMESITE_NONE)
        return CLOGIN_EINVAL;

    char date[CLOGIN_HTTP_DATE_LEN + 1];
    if (has_expires) {
        clogin_status st = clogin_http_date_format(expires, date);
        if (st != CLOGIN_OK)
            return st; /* after year 9999: CLOGIN_EINVAL */
    }

    /* What cannot be sent. */
    size_t name_len = strlen(name);
    if (name_len == 0)
        return CLOGIN_ECOOKIE;
    for (size_t i = 0; i < name_len; i++)
        if (!is_tchar((unsigned char)name[i]))
            return CLOGIN_ECOOKIE;
    for (size_t i = 0; i < value_len; i++) {
        unsigned char c = (unsigned char)value[i];
        /* A Werkzeug-quoted value is printable ASCII without ';' */
        if (quoted ? c < 0x20 || c > 0x7E || c == ';' : !is_cookie_octet(c))
            return CLOGIN_ECOOKIE;
    }
    if (attrs->domain != NULL &&
        (attrs->domain[0] == '\0' || !valid_attr_value(attrs->domain, 0)))
        return CLOGIN_ECOOKIE;
    if (attrs->path != NULL && !valid_attr_value(attrs->path, 1))
        return CLOGIN_ECOOKIE;
    if (attrs->same_site == CLOGIN_SAMESITE_NONE && !attrs->secure)
        return CLOGIN_ECOOKIE;

    const char *same_site = NULL;
    switch (attrs->same_site) {
    case CLOGIN_SAMESITE_LAX:
        same_site = "Lax";
        break;
    case CLOGIN_SAMESITE_STRICT:
        same_site = "Strict";
        break;
    case CLOGIN_SAMESITE_NONE:
        same_site = "None";
        break;
    case CLOGIN_SAMESITE_UNSET:
        break;
    }

    char age[20];
    size_t age_len = has_max_age ? format_u64((uint64_t)max_age, age) : 0;
    size_t domain_len = attrs->domain != NULL ? strlen(attrs->domain) : 0;
    size_t path_len = attrs->path != NULL ? strlen(attrs->path) : 0;

    /* Exact length. */
    int overflow = 0;
    size_t total = add(name_len, 1, &overflow);
    total = add(total, value_len, &overflow);
    if (attrs->domain != NULL)
        total = add(total, sizeof("; Domain=") - 1 + domain_len, &overflow);
    if (has_expires)
        total = add(total, sizeof("; Expires=") - 1 + CLOGIN_HTTP_DATE_LEN,
                    &overflow);
    if (has_max_age)
        total = add(total, sizeof("; Max-Age=") - 1 + age_len, &overflow);
    if (attrs->secure)
        total = add(total, sizeof("; Secure") - 1, &overflow);
    if (attrs->http_only)
        total = add(total, sizeof("; HttpOnly") - 1, &overflow);
    if (attrs->path != NULL)
        total = add(total, sizeof("; Path=") - 1 + path_len, &overflow);
    if (same_site != NULL)
        total = add(total, sizeof("; SameSite=") - 1 + strlen(same_site),
                    &overflow);
    total = add(total, 1, &overflow); /* NUL */
    if (overflow)
        return CLOGIN_ENOMEM;

    char *s = malloc(total);
    if (s == NULL)
        return CLOGIN_ENOMEM;
    writer w = {s};
    put(&w, name, name_len);
    put(&w, "=", 1);
    put(&w, value, value_len);
    if (attrs->domain != NULL) {
        puts_lit(&w, "; Domain=");
        put(&w, attrs->domain, domain_len);
    }
    if (has_expires) {
        puts_lit(&w, "; Expires=");
        put(&w, date, CLOGIN_HTTP_DATE_LEN);
    }
    if (has_max_age) {
        puts_lit(&w, "; Max-Age=");
        put(&w, age, age_len);
    }
    if (attrs->secure)
        puts_lit(&w, "; Secure");
    if (attrs->http_only)
        puts_lit(&w, "; HttpOnly");
    if (attrs->path != NULL) {
        puts_lit(&w, "; Path=");
        put(&w, attrs->path, path_len);
    }
    if (same_site != NULL) {
        puts_lit(&w, "; SameSite=");
        puts_lit(&w, same_site);
    }
    *w.p = '\0';

    *out = s;
    if (out_len != NULL)
        *out_len = total - 1;
    return CLOGIN_OK;
}

CLOGIN_API clogin_status clogin_set_cookie_format(
    const char *name, const char *value, size_t value_len,
    const clogin_cookie_attrs *attrs, char **out, size_t *out_len) {
    return build(name, value, value_len, attrs, 0, 0, out, out_len);
}

CLOGIN_API clogin_status
clogin_set_cookie_delete(const char *name, const clogin_cookie_attrs *attrs,
                         char **out, size_t *out_len) {
    return build(name, "", 0, attrs, 1, 0, out, out_len);
}

/* werkzeug._internal._cookie_quote: inside double quotes, ',' ';' '"' '\\'
 * and bytes outside 0x20-0x7E become backslash escapes (octal for bytes),
 * which clogin_cookie_find() and Werkzeug's parser both undo. Only values
 * that are not cookie-octets already are quoted. */
clogin_status clogin__set_cookie_any_value(const char *name, const char *value,
                                           size_t value_len,
                                           const clogin_cookie_attrs *attrs,
                                           char **out, size_t *out_len) {
    int plain = 1;
    for (size_t i = 0; i < value_len && plain; i++)
        plain = is_cookie_octet((unsigned char)value[i]);
    if (plain)
        return build(name, value, value_len, attrs, 0, 0, out, out_len);
    if (value_len > (SIZE_MAX - 3) / 4)
        return CLOGIN_ETOOLARGE;
    char *q = malloc(value_len * 4 + 3);
    if (q == NULL)
        return CLOGIN_ENOMEM;
    size_t n = 0;
    q[n++] = '"';
    for (size_t i = 0; i < value_len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c == ',' || c == ';' || c < 0x20 || c > 0x7E) {
            q[n++] = '\\';
            q[n++] = (char)('0' + (c >> 6));
            q[n++] = (char)('0' + ((c >> 3) & 7));
            q[n++] = (char)('0' + (c & 7));
        } else {
            if (c == '"' || c == '\\')
                q[n++] = '\\';
            q[n++] = (char)c;
        }
    }
    q[n++] = '"';
    clogin_status st = build(name, q, n, attrs, 0, 1, out, out_len);
    free(q);
    return st;
}
