/* The URL functions on arbitrary bytes. The input is up to four NUL-separated
 * parts A, B, C, D (missing parts are empty):
 *   clogin_url_is_safe(A, host B)       a target judged safe is a path that
 *       no browser reads as another host (after stripping tabs and newlines
 *       and turning '\' into '/', and after percent-decoding), or an http(s)
 *       URL whose authority, read the WHATWG way, is B without userinfo;
 *   clogin_make_next_param(A, B)        never longer than B;
 *   clogin_login_url("/"A or A, B, C, D) keeps the view's path, and the next
 *       parameter decodes back to make_next_param(view, B);
 *   clogin__request_url(scheme, B, A)   valid UTF-8, "scheme:" first;
 * The input's length modulo 8 picks: 1 FORCE_HOST D, 2 no next, 4 https.
 *   clogin__query_arg(A, name B), and quote/unquote round trips of B and C;
 *   clogin__split_target(A)             a path with one leading slash. */
#include "url.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int valid_utf8(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned char c = u[i];
        size_t k;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i <= k)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((u[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (u[i + j] & 0x3F);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}

static char lc(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

static int hexv(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* An independent reading of a target the way a browser resolves it against
 * https://HOST/: tabs and newlines removed, leading and trailing C0/space
 * stripped, '\' as '/', any number of slashes after a special scheme. */
static void check_safe_target(const char *t, size_t n, const char *host) {
    char *w = malloc(n + 1);
    size_t m = 0;
    if (!w)
        return;
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '\t' || t[i] == '\n' || t[i] == '\r')
            abort(); /* refused by the rules */
        if ((unsigned char)t[i] <= 0x20 || t[i] == 0x7F)
            abort();
        w[m++] = t[i] == '\\' ? '/' : t[i];
    }
    w[m] = '\0';
    if (m == 0)
        abort();
    if (w[0] == '/') {
        if (m >= 2 && w[1] == '/')
            abort(); /* scheme-relative: another host */
        /* percent-decoded three times over, still one leading slash */
        for (int round = 0; round < 3; round++) {
            size_t o = 0;
            for (size_t i = 0; i < m; i++) {
                if (w[i] == '%' && i + 2 < m && hexv(w[i + 1]) >= 0 && hexv(w[i + 2]) >= 0) {
                    w[o++] = (char)(hexv(w[i + 1]) * 16 + hexv(w[i + 2]));
                    i += 2;
                } else {
                    w[o++] = w[i];
                }
            }
            m = o;
            if (m >= 2 && (w[1] == '/' || w[1] == '\\'))
                abort();
        }
        free(w);
        return;
    }
    /* scheme */
    size_t i = 0;
    while (i < m && w[i] != ':')
        i++;
    int http = i == 4 && lc(w[0]) == 'h' && lc(w[1]) == 't' && lc(w[2]) == 't' && lc(w[3]) == 'p';
    int https = i == 5 && lc(w[0]) == 'h' && lc(w[1]) == 't' && lc(w[2]) == 't' &&
                lc(w[3]) == 'p' && lc(w[4]) == 's';
    if (!http && !https)
        abort(); /* javascript:, data:, relative paths... */
    i++;
    size_t slashes = 0;
    while (i < m && w[i] == '/') {
        i++;
        slashes++;
    }
    if (slashes != 2)
        abort();
    size_t a = i;
    while (i < m && w[i] != '/' && w[i] != '?' && w[i] != '#')
        i++;
    for (size_t k = a; k < i; k++)
        if (w[k] == '@')
            abort(); /* userinfo */
    /* the host part of the authority equals the host's, ignoring case */
    size_t ae = a;
    if (ae < i && w[ae] == '[') {
        while (ae < i && w[ae] != ']')
            ae++;
        ae++;
    } else {
        while (ae < i && w[ae] != ':')
            ae++;
    }
    if (!host)
        abort();
    size_t hn = strlen(host), he = 0;
    if (hn && host[0] == '[') {
        while (he < hn && host[he] != ']')
            he++;
        he++;
    } else {
        while (he < hn && host[he] != ':')
            he++;
    }
    if (ae - a != he || he == 0)
        abort();
    for (size_t k = 0; k < he; k++)
        if (lc(w[a + k]) != lc(host[k]))
            abort();
    free(w);
}

/* The query of a URL made by login_url: after the first '?', before '#'. */
static void check_login_url(const char *view, const char *next, const char *field,
                            const char *force, const char *out) {
    if (!next) { /* the view as it is, not even FORCE_HOST applied */
        if (strcmp(out, view) != 0)
            abort();
        return;
    }
    /* the view's path (tabs and newlines removed) is there */
    size_t vn = strlen(view);
    char *clean = malloc(vn + 1);
    if (!clean)
        return;
    size_t m = 0;
    for (size_t i = 0; i < vn; i++)
        if (view[i] != '\t' && view[i] != '\n' && view[i] != '\r')
            clean[m++] = view[i];
    clean[m] = '\0';
    if (clean[0] == '/' && clean[1] != '/') {
        /* "//" FORCE_HOST first when forced, then the path */
        size_t p = strcspn(clean, ";?#");
        size_t skip = 0;
        if (force && *force) {
            size_t fn = strlen(force);
            if (strncmp(out, "//", 2) != 0 || strncmp(out + 2, force, fn) != 0)
                abort();
            skip = 2 + fn;
        }
        if (strncmp(out + skip, clean, p) != 0)
            abort();
    }
    free(clean);
    if (force && strpbrk(force, "?#/"))
        return;
    const char *q = strchr(out, '?');
    if (!q)
        abort();
    q++;
    size_t qn = strcspn(q, "#");
    char *value, *expect;
    if (clogin__query_arg(q, qn, field ? field : "next", &value) != CLOGIN_OK)
        abort();
    if (clogin_make_next_param(view, next, &expect) != CLOGIN_OK)
        abort();
    if (strcmp(value, expect) != 0)
        abort();
    free(value);
    clogin_free(expect);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 8192)
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *part[4] = {"", "", "", ""};
    size_t plen[4] = {0, 0, 0, 0};
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= size && k < 4; i++) {
        if (i == size || buf[i] == '\0') {
            part[k] = buf + start;
            plen[k] = i - start;
            k++;
            start = i + 1;
        }
    }
    /* part[0] may be cut by the NUL; plen says how long the bytes were */
    const char *a = part[0], *b = part[1], *c = part[2], *d = part[3];
    size_t alen = plen[0];
    unsigned flags = (unsigned)(size & 7); /* force host, no next, https */

    /* open-redirect check, on the explicit length and on the C string */
    int safe = clogin_url_is_safe(a, alen, b);
    if (safe != 0 && safe != 1)
        abort();
    if (safe)
        check_safe_target(a, alen, b);
    if (safe && b[0] == '\0' && a[0] != '/')
        abort(); /* absolute URLs need a host */

    /* make_next_param */
    char *out = NULL;
    clogin_status st = clogin_make_next_param(a, b, &out);
    if (st == CLOGIN_OK) {
        if (!out || strlen(out) > strlen(b))
            abort();
        clogin_free(out);
    } else if (out || (st != CLOGIN_EINVAL && st != CLOGIN_EUTF8 && st != CLOGIN_ENOMEM)) {
        abort();
    }

    /* login_url with a path view and with the raw view */
    for (int variant = 0; variant < 2; variant++) {
        char *view;
        if (variant == 0) {
            view = malloc(strlen(a) + 2);
            if (!view)
                break;
            view[0] = '/';
            strcpy(view + 1, a);
        } else {
            view = malloc(strlen(a) + 1);
            if (!view)
                break;
            strcpy(view, a);
        }
        const char *field = c[0] ? c : NULL;
        const char *force = (flags & 1) ? d : NULL;
        const char *next = (flags & 2) ? NULL : b;
        st = clogin_login_url(view, next, field, force, &out);
        if (st == CLOGIN_OK) {
            if (!out)
                abort();
            check_login_url(view, next, field, force, out);
            clogin_free(out);
        } else if (out || (st != CLOGIN_EINVAL && st != CLOGIN_EUTF8 && st != CLOGIN_ENOMEM)) {
            abort();
        } else if (variant == 0 && st == CLOGIN_EINVAL && next == NULL) {
            abort(); /* a path view without next is always fine */
        }
        free(view);
    }

    /* request.url */
    const char *scheme = (flags & 4) ? "https" : "http";
    char *url = clogin__request_url(scheme, b, a);
    if (!url)
        abort();
    size_t un = strlen(url);
    /* "scheme:" first ("http:?x" for a Host header "?", as Werkzeug) */
    if (!valid_utf8(url, un) || strncmp(url, scheme, strlen(scheme)) != 0 ||
        url[strlen(scheme)] != ':')
        abort();
    free(url);

    /* request.path */
    char *path, *query;
    if (clogin__split_target(a, &path, &query) != CLOGIN_OK)
        abort();
    if (path[0] != '/' || path[1] == '/' || !valid_utf8(path, strlen(path)))
        abort();
    free(path);
    free(query);

    /* request.args */
    char *value;
    size_t vlen;
    st = clogin__query_arg_len(a, alen, b, &value, &vlen);
    if (st == CLOGIN_OK) {
        if (!valid_utf8(value, vlen))
            abort();
        free(value);
    } else if (st != CLOGIN_ENOTFOUND) {
        abort();
    }
    /* quote_plus / url_decode round trip: name=B, value=C */
    if (valid_utf8(b, strlen(b)) && valid_utf8(c, strlen(c))) {
        char *qk, *qv;
        if (clogin__url_quote_plus(b, strlen(b), &qk) != CLOGIN_OK ||
            clogin__url_quote_plus(c, strlen(c), &qv) != CLOGIN_OK)
            abort();
        size_t qn = strlen(qk) + strlen(qv) + 8;
        char *q = malloc(qn);
        if (q) {
            strcpy(q, "x=1&");
            strcat(q, qk);
            strcat(q, "=");
            strcat(q, qv);
            if (strcmp(b, "x") != 0) {
                if (clogin__query_arg(q, strlen(q), b, &value) != CLOGIN_OK ||
                    strcmp(value, c) != 0)
                    abort();
                free(value);
            }
            free(q);
        }
        free(qk);
        free(qv);
    }
    free(buf);
    return 0;
}
