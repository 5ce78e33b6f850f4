/* URLs: Flask-Login's next parameter and login URL, Werkzeug's request.url,
 * query-string arguments, and the open-redirect check for "next" targets.
 *
 * Byte-compatibility notes. Flask-Login 0.6 builds login URLs with Python's
 * urllib.parse (urlparse / urlunparse, Python 3.11) and Werkzeug 2.2's
 * url_decode / url_encode; request.url is Werkzeug's get_current_url, which
 * ends with uri_to_iri (Werkzeug's own url_parse, an IDNA decoding of the
 * host, percent-decoding of every valid UTF-8 sequence). Each of those steps
 * is reproduced here on UTF-8 bytes, which is exact because every delimiter
 * involved is ASCII. The Python functions are named in the comments. */
#include "url.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Small growable string
 * ------------------------------------------------------------------------ */
typedef struct sbuf {
    char *p;
    size_t len;
    size_t cap;
    int failed;
} sbuf;

static void sb_add(sbuf *b, const void *data, size_t n) {
    if (b->failed)
        return;
    if (n >= SIZE_MAX - b->len - 1) {
        b->failed = 1;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap = cap > SIZE_MAX / 2 ? b->len + n + 1 : cap * 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->failed = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_putc(sbuf *b, char c) { sb_add(b, &c, 1); }

static void sb_free(sbuf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* Hand the NUL-terminated contents over (an empty string when nothing was
 * added); NULL, with everything freed, if an allocation failed. */
static char *sb_take(sbuf *b, size_t *len) {
    sb_add(b, "", 0);
    if (b->failed) {
        sb_free(b);
        return NULL;
    }
    char *p = b->p;
    if (len)
        *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

static clogin_status sb_finish(sbuf *b, char **out, size_t *len) {
    *out = sb_take(b, len);
    return *out ? CLOGIN_OK : CLOGIN_ENOMEM;
}

/* ------------------------------------------------------------------------
 * Characters
 * ------------------------------------------------------------------------ */
typedef struct span {
    const char *p;
    size_t n;
} span;

static span mkspan(const char *p, size_t n) {
    span s;
    s.p = p;
    s.n = n;
    return s;
}

static int is_alpha(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int hexval(unsigned char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static unsigned char lower(unsigned char c) {
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static int span_eq(span a, span b) {
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static int span_eq_str(span a, const char *s) {
    return a.n == strlen(s) && memcmp(a.p, s, a.n) == 0;
}

static const char *span_find(span s, char c) {
    return s.n ? memchr(s.p, c, s.n) : NULL;
}

static const char *span_rfind(span s, char c) {
    for (size_t i = s.n; i > 0; i--)
        if (s.p[i - 1] == c)
            return s.p + i - 1;
    return NULL;
}

static int span_is_ascii(span s) {
    for (size_t i = 0; i < s.n; i++)
        if ((unsigned char)s.p[i] >= 0x80)
            return 0;
    return 1;
}

/* One UTF-8 sequence at s (n > 0 bytes available), with Python's decoder's
 * notion of validity (no overlongs, no surrogates, at most U+10FFFF). Returns
 * the bytes consumed and sets *ok: a whole valid character (*cp set), or the
 * maximal invalid subpart that Python's "replace" turns into one U+FFFD. */
static size_t utf8_next(const unsigned char *s, size_t n, int *ok,
                        uint32_t *cp) {
    unsigned char c = s[0];
    *ok = 0;
    if (c < 0x80) {
        *ok = 1;
        if (cp)
            *cp = c;
        return 1;
    }
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    uint32_t v;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 1;
    }
    size_t i = 1;
    for (; i <= need; i++) {
        if (i >= n)
            return i;
        unsigned char d = s[i];
        if (d < lo || d > hi)
            return i;
        lo = 0x80;
        hi = 0xBF;
        v = (v << 6) | (d & 0x3F);
    }
    *ok = 1;
    if (cp)
        *cp = v;
    return i;
}

static int utf8_valid(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        int ok;
        i += utf8_next(u + i, n - i, &ok, NULL);
        if (!ok)
            return 0;
    }
    return 1;
}

static void sb_utf8(sbuf *b, uint32_t cp) {
    char t[4];
    if (cp < 0x80) {
        t[0] = (char)cp;
        sb_add(b, t, 1);
    } else if (cp < 0x800) {
        t[0] = (char)(0xC0 | (cp >> 6));
        t[1] = (char)(0x80 | (cp & 0x3F));
        sb_add(b, t, 2);
    } else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | (cp >> 12));
        t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[2] = (char)(0x80 | (cp & 0x3F));
        sb_add(b, t, 3);
    } else {
        t[0] = (char)(0xF0 | (cp >> 18));
        t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[3] = (char)(0x80 | (cp & 0x3F));
        sb_add(b, t, 4);
    }
}

/* bytes.decode("utf-8", "replace") */
static void sb_decode_replace(sbuf *b, const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0; /* start of the pending valid run */
    size_t i = 0;
    while (i < n) {
        int ok;
        size_t k = utf8_next(u + i, n - i, &ok, NULL);
        if (!ok) {
            sb_add(b, s + run, i - run);
            sb_add(b, "\xEF\xBF\xBD", 3);
            run = i + k;
        }
        i += k;
    }
    sb_add(b, s + run, n - run);
}

/* bytes.decode("latin-1"), as UTF-8 */
static void sb_latin1(sbuf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        sb_utf8(b, (unsigned char)s[i]);
}

static const char HEX[] = "0123456789ABCDEF";

static void sb_pct(sbuf *b, unsigned char c) {
    char t[3] = {'%', HEX[c >> 4], HEX[c & 15]};
    sb_add(b, t, 3);
}

/* Werkzeug's _always_safe: unreserved characters and $!'()*+,; */
static int wz_always_safe(unsigned char c) {
    return is_alpha(c) || is_digit(c) || (c && strchr("-._~$!'()*+,;", c));
}

/* werkzeug.urls.url_quote(s, safe=extra): bytes in _always_safe or extra
 * kept, the rest %XX. */
static void sb_quote(sbuf *b, const char *s, size_t n, const char *extra) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (wz_always_safe(c) || (c && strchr(extra, c)))
            sb_putc(b, (char)c);
        else
            sb_pct(b, c);
    }
}

/* werkzeug's _fast_url_quote_plus: _always_safe minus '+', space as '+' */
static void sb_quote_plus(sbuf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ')
            sb_putc(b, '+');
        else if (c != '+' && wz_always_safe(c))
            sb_putc(b, (char)c);
        else
            sb_pct(b, c);
    }
}

/* werkzeug's _unquote_to_bytes(s, unsafe): every %XX whose byte is not in
 * unsafe is decoded ("%" followed by anything else stays as it is). With
 * plus, '+' becomes a space first (url_unquote_plus). */
static int iri_unsafe(unsigned char c) { return c < 0x80 && !wz_always_safe(c); }

enum { UNSAFE_NONE, UNSAFE_IRI, UNSAFE_AUTH };

static void sb_unquote(sbuf *b, const char *s, size_t n, int unsafe,
                       int plus) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && i + 2 < n) {
            int h = hexval((unsigned char)s[i + 1]);
            int l = hexval((unsigned char)s[i + 2]);
            if (h >= 0 && l >= 0) {
                unsigned char d = (unsigned char)(h * 16 + l);
                int keep = (unsafe == UNSAFE_IRI && iri_unsafe(d)) ||
                           (unsafe == UNSAFE_AUTH && (!d || strchr("/:%@", d)));
                if (!keep) {
                    sb_putc(b, (char)d);
                    i += 2;
                    continue;
                }
            }
        }
        sb_putc(b, (plus && c == '+') ? ' ' : (char)c);
    }
}

/* ------------------------------------------------------------------------
 * Python's urllib.parse (Debian's 3.11.2): urlsplit, urlparse, urlunparse
 * ------------------------------------------------------------------------ */

/* Characters whose NFKC form holds one of / ? # @ : (Unicode 14, Python
 * 3.11's unicodedata): urlsplit's _checknetloc refuses them in a netloc.
 * tests/interop/test_url.py recomputes this list. */
static const uint32_t NFKC_NETLOC_BAD[] = {
    /* BEGIN NFKC_NETLOC_BAD */
    0x2047, 0x2048, 0x2049, 0x2100, 0x2101, 0x2105, 0x2106,
    0x2A74, 0xFE13, 0xFE16, 0xFE55, 0xFE56, 0xFE5F, 0xFE6B,
    0xFF03, 0xFF0F, 0xFF1A, 0xFF1F, 0xFF20,
    /* END NFKC_NETLOC_BAD */
};

typedef struct pyurl {
    char *buf; /* the cleaned copy the spans point into */
    span scheme, netloc, path, params, query, fragment;
} pyurl;

static int in_list(span s, const char *const *list) {
    for (; *list; list++)
        if (span_eq_str(s, *list))
            return 1;
    return 0;
}

static const char *const USES_PARAMS[] = {
    "", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp",
    "rtspu", "sip", "sips", "mms", "sftp", "tel", NULL};
static const char *const USES_NETLOC[] = {
    "", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file",
    "mms", "https", "shttp", "snews", "prospero", "rtsp", "rtspu",
    "rsync", "svn", "svn+ssh", "sftp", "nfs", "git", "git+ssh", "ws", "wss",
    NULL};

/* ipaddress.IPv4Address(s) succeeds */
static int py_ipv4(span s) {
    if (span_find(s, '/'))
        return 0;
    size_t start = 0;
    int octets = 0;
    for (size_t i = 0; i <= s.n; i++) {
        if (i < s.n && s.p[i] != '.')
            continue;
        size_t len = i - start;
        const char *o = s.p + start;
        if (len == 0 || len > 3 || ++octets > 4)
            return 0;
        unsigned v = 0;
        for (size_t k = 0; k < len; k++) {
            if (!is_digit((unsigned char)o[k]))
                return 0;
            v = v * 10 + (unsigned)(o[k] - '0');
        }
        if (len > 1 && o[0] == '0')
            return 0;
        if (v > 255)
            return 0;
        start = i + 1;
    }
    return octets == 4;
}

static int py_hextet(span s) {
    if (s.n == 0 || s.n > 4)
        return 0;
    for (size_t i = 0; i < s.n; i++)
        if (hexval((unsigned char)s.p[i]) < 0)
            return 0;
    return 1;
}

/* ipaddress.IPv6Address(s) succeeds (scope ids included) */
static int py_ipv6(span s) {
    if (span_find(s, '/'))
        return 0;
    const char *pct = span_find(s, '%');
    if (pct) {
        span scope = mkspan(pct + 1, s.n - (size_t)(pct + 1 - s.p));
        if (scope.n == 0 || span_find(scope, '%'))
            return 0;
        s.n = (size_t)(pct - s.p);
    }
    if (s.n == 0)
        return 0;
    size_t nparts = 1;
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] == ':')
            nparts++;
    if (nparts < 3 || nparts > 9)
        return 0;
    span parts[10];
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= s.n; i++) {
        if (i == s.n || s.p[i] == ':') {
            parts[k++] = mkspan(s.p + start, i - start);
            start = i + 1;
        }
    }
    if (span_find(parts[nparts - 1], '.')) {
        if (!py_ipv4(parts[nparts - 1]))
            return 0;
        parts[nparts - 1] = mkspan("0", 1);
        parts[nparts] = mkspan("0", 1);
        nparts++;
    }
    if (nparts > 9)
        return 0;
    size_t skip = 0;
    int has_skip = 0;
    for (size_t i = 1; i + 1 < nparts; i++) {
        if (parts[i].n == 0) {
            if (has_skip)
                return 0;
            has_skip = 1;
            skip = i;
        }
    }
    size_t hi, lo;
    if (has_skip) {
        hi = skip;
        lo = nparts - skip - 1;
        if (parts[0].n == 0 && --hi)
            return 0;
        if (parts[nparts - 1].n == 0 && --lo)
            return 0;
        if (hi + lo > 7)
            return 0;
    } else {
        if (nparts != 8 || parts[0].n == 0 || parts[nparts - 1].n == 0)
            return 0;
        hi = nparts;
        lo = 0;
    }
    for (size_t i = 0; i < hi; i++)
        if (!py_hextet(parts[i]))
            return 0;
    for (size_t i = nparts - lo; i < nparts; i++)
        if (!py_hextet(parts[i]))
            return 0;
    return 1;
}

/* urllib.parse._check_bracketed_host */
static int py_bracketed_host_ok(span h) {
    if (h.n && h.p[0] == 'v') {
        /* re.match(r"\Av[a-fA-F0-9]+\..+\Z", h) */
        size_t i = 1;
        while (i < h.n && hexval((unsigned char)h.p[i]) >= 0)
            i++;
        return i > 1 && i < h.n && h.p[i] == '.' && i + 1 < h.n;
    }
    return !py_ipv4(h) && py_ipv6(h);
}

/* urllib.parse._check_bracketed_netloc (Debian's Python 3.11.2 carries this
 * later security fix) */
static int py_bracketed_netloc_ok(span netloc) {
    const char *at = span_rfind(netloc, '@');
    span hp = at ? mkspan(at + 1, netloc.n - (size_t)(at + 1 - netloc.p)) : netloc;
    const char *lb = span_find(hp, '[');
    span hostname;
    if (lb) {
        if (lb != hp.p)
            return 0; /* data before the bracket */
        span br = mkspan(lb + 1, hp.n - 1);
        const char *rb = span_find(br, ']');
        hostname = rb ? mkspan(br.p, (size_t)(rb - br.p)) : br;
        if (rb && rb + 1 < br.p + br.n && rb[1] != ':')
            return 0; /* data between ']' and the port */
    } else {
        const char *c = span_find(hp, ':');
        hostname = c ? mkspan(hp.p, (size_t)(c - hp.p)) : hp;
    }
    return py_bracketed_host_ok(hostname);
}

/* urllib.parse._checknetloc */
static int py_netloc_ok(span n) {
    const unsigned char *u = (const unsigned char *)n.p;
    for (size_t i = 0; i < n.n;) {
        int ok;
        uint32_t cp = 0;
        i += utf8_next(u + i, n.n - i, &ok, &cp);
        if (!ok)
            continue;
        for (size_t k = 0; k < sizeof NFKC_NETLOC_BAD / sizeof *NFKC_NETLOC_BAD; k++)
            if (cp == NFKC_NETLOC_BAD[k])
                return 0;
    }
    return 1;
}

/* urllib.parse.urlparse(s): CLOGIN_EINVAL where Python raises ValueError. */
static clogin_status py_urlparse(const char *s, size_t n, pyurl *u) {
    memset(u, 0, sizeof *u);
    u->buf = malloc(n + 1);
    if (!u->buf)
        return CLOGIN_ENOMEM;
    char *b = u->buf;
    size_t i = 0, m = 0;
    while (i < n && (unsigned char)s[i] <= 0x20) /* lstrip C0 and space */
        i++;
    for (; i < n; i++) /* _UNSAFE_URL_BYTES_TO_REMOVE */
        if (s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            b[m++] = s[i];
    b[m] = '\0';
    span url = mkspan(b, m);
    u->scheme = mkspan(b, 0);
    const char *colon = span_find(url, ':');
    if (colon && colon > url.p && is_alpha((unsigned char)url.p[0])) {
        size_t k = (size_t)(colon - url.p);
        size_t j = 0;
        while (j < k && (is_alpha((unsigned char)b[j]) || is_digit((unsigned char)b[j]) ||
                         b[j] == '+' || b[j] == '-' || b[j] == '.'))
            j++;
        if (j == k) {
            for (j = 0; j < k; j++)
                b[j] = (char)lower((unsigned char)b[j]);
            u->scheme = mkspan(b, k);
            url = mkspan(b + k + 1, m - k - 1);
        }
    }
    u->netloc = mkspan(url.p, 0);
    if (url.n >= 2 && url.p[0] == '/' && url.p[1] == '/') {
        size_t e = 2;
        while (e < url.n && url.p[e] != '/' && url.p[e] != '?' && url.p[e] != '#')
            e++;
        u->netloc = mkspan(url.p + 2, e - 2);
        url = mkspan(url.p + e, url.n - e);
        const char *lb = span_find(u->netloc, '['), *rb = span_find(u->netloc, ']');
        if (!lb != !rb)
            return CLOGIN_EINVAL; /* "Invalid IPv6 URL" */
        if (lb && !py_bracketed_netloc_ok(u->netloc))
            return CLOGIN_EINVAL;
    }
    u->fragment = mkspan(url.p + url.n, 0);
    const char *hash = span_find(url, '#');
    if (hash) {
        u->fragment = mkspan(hash + 1, url.n - (size_t)(hash + 1 - url.p));
        url.n = (size_t)(hash - url.p);
    }
    u->query = mkspan(url.p + url.n, 0);
    const char *q = span_find(url, '?');
    if (q) {
        u->query = mkspan(q + 1, url.n - (size_t)(q + 1 - url.p));
        url.n = (size_t)(q - url.p);
    }
    if (!span_is_ascii(u->netloc) && !py_netloc_ok(u->netloc))
        return CLOGIN_EINVAL;
    u->path = url;
    u->params = mkspan(url.p + url.n, 0);
    if (in_list(u->scheme, USES_PARAMS) && span_find(url, ';')) {
        /* _splitparams */
        const char *semi;
        const char *slash = span_rfind(url, '/');
        if (slash) {
            span tail = mkspan(slash, url.n - (size_t)(slash - url.p));
            semi = span_find(tail, ';');
        } else {
            semi = span_find(url, ';');
        }
        if (semi) {
            u->path = mkspan(url.p, (size_t)(semi - url.p));
            u->params = mkspan(semi + 1, url.n - (size_t)(semi + 1 - url.p));
        }
    }
    return CLOGIN_OK;
}

/* urllib.parse.urlunparse((scheme, netloc, path, params, query, fragment)) */
static void py_urlunparse(sbuf *b, span scheme, span netloc, span path,
                          span params, span query, span fragment) {
    /* url = path[;params]; "//" + netloc is written when there is a netloc,
     * or a scheme in uses_netloc and url[:2] != '//' */
    int url_nonempty = path.n || params.n;
    int url_slash = path.n && path.p[0] == '/';
    int url_2slash = path.n >= 2 && path.p[0] == '/' && path.p[1] == '/';
    int slashes = netloc.n || (scheme.n && in_list(scheme, USES_NETLOC) && !url_2slash);
    int lead = slashes && url_nonempty && !url_slash;
    if (scheme.n) {
        sb_add(b, scheme.p, scheme.n);
        sb_putc(b, ':');
    }
    if (slashes) {
        sb_add(b, "//", 2);
        sb_add(b, netloc.p, netloc.n);
    }
    if (lead)
        sb_putc(b, '/');
    sb_add(b, path.p, path.n);
    if (params.n) {
        sb_putc(b, ';');
        sb_add(b, params.p, params.n);
    }
    if (query.n) {
        sb_putc(b, '?');
        sb_add(b, query.p, query.n);
    }
    if (fragment.n) {
        sb_putc(b, '#');
        sb_add(b, fragment.p, fragment.n);
    }
}

/* ------------------------------------------------------------------------
 * Flask-Login: make_next_param, login_url
 * ------------------------------------------------------------------------ */

/* make_next_param on parsed URLs; appends to b. */
static void next_param(sbuf *b, const pyurl *l, const pyurl *c,
                       const char *current, size_t current_len) {
    if ((l->scheme.n == 0 || span_eq(l->scheme, c->scheme)) &&
        (l->netloc.n == 0 || span_eq(l->netloc, c->netloc))) {
        span none = mkspan("", 0);
        py_urlunparse(b, none, none, c->path, c->params, c->query, none);
    } else {
        sb_add(b, current, current_len);
    }
}

CLOGIN_API clogin_status clogin_make_next_param(const char *login_url,
                                                const char *current_url,
                                                char **out) {
    if (!out)
        return CLOGIN_EINVAL;
    *out = NULL;
    if (!login_url || !current_url)
        return CLOGIN_EINVAL;
    size_t ln = strlen(login_url), cn = strlen(current_url);
    if (!utf8_valid(login_url, ln) || !utf8_valid(current_url, cn))
        return CLOGIN_EUTF8;
    pyurl l, c;
    clogin_status st = py_urlparse(login_url, ln, &l);
    if (st == CLOGIN_OK) {
        st = py_urlparse(current_url, cn, &c);
        if (st == CLOGIN_OK) {
            sbuf b = {0};
            next_param(&b, &l, &c, current_url, cn);
            st = sb_finish(&b, out, NULL);
        }
        free(c.buf);
    }
    free(l.buf);
    return st;
}

typedef struct qpair {
    char *key, *value; /* decoded, UTF-8 */
    size_t klen, vlen;
} qpair;

static int qpair_cmp(const void *a, const void *b) {
    const qpair *x = a, *y = b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int r = memcmp(x->key, y->key, n);
    if (r || x->klen != y->klen)
        return r ? r : (x->klen < y->klen ? -1 : 1);
    n = x->vlen < y->vlen ? x->vlen : y->vlen;
    r = memcmp(x->value, y->value, n);
    if (r || x->vlen != y->vlen)
        return r ? r : (x->vlen < y->vlen ? -1 : 1);
    return 0;
}

static void qpairs_free(qpair *pairs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(pairs[i].key);
        free(pairs[i].value);
    }
    free(pairs);
}

static clogin_status unquote_plus(const char *s, size_t n, char **out,
                                  size_t *out_len) {
    sbuf raw = {0}, dec = {0};
    sb_unquote(&raw, s, n, UNSAFE_NONE, 1);
    if (raw.failed) {
        sb_free(&raw);
        return CLOGIN_ENOMEM;
    }
    sb_decode_replace(&dec, raw.p ? raw.p : "", raw.len);
    sb_free(&raw);
    return sb_finish(&dec, out, out_len);
}

clogin_status clogin__url_unquote_plus(const char *s, size_t len, char **out,
                                       size_t *out_len) {
    if (!out || (!s && len))
        return CLOGIN_EINVAL;
    *out = NULL;
    return unquote_plus(s ? s : "", len, out, out_len);
}

clogin_status clogin__url_quote_plus(const char *s, size_t len, char **out) {
    if (!out || (!s && len))
        return CLOGIN_EINVAL;
    sbuf b = {0};
    sb_quote_plus(&b, s ? s : "", len);
    return sb_finish(&b, out, NULL);
}

/* werkzeug.urls.url_decode(query) as a list of pairs, in order, keys equal
 * to drop left out. */
static clogin_status url_decode_pairs(span q, span drop, qpair **out,
                                      size_t *count) {
    size_t cap = 1;
    for (size_t i = 0; i < q.n; i++)
        if (q.p[i] == '&')
            cap++;
    qpair *pairs = calloc(cap + 1, sizeof *pairs); /* +1: room for next */
    if (!pairs)
        return CLOGIN_ENOMEM;
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= q.n; i++) {
        if (i < q.n && q.p[i] != '&')
            continue;
        span pair = mkspan(q.p + start, i - start);
        start = i + 1;
        if (pair.n == 0)
            continue;
        const char *eq = span_find(pair, '=');
        span k = eq ? mkspan(pair.p, (size_t)(eq - pair.p)) : pair;
        span v = eq ? mkspan(eq + 1, pair.n - k.n - 1) : mkspan("", 0);
        qpair *p = &pairs[n];
        if (unquote_plus(k.p, k.n, &p->key, &p->klen) != CLOGIN_OK ||
            unquote_plus(v.p, v.n, &p->value, &p->vlen) != CLOGIN_OK) {
            qpairs_free(pairs, n + 1);
            return CLOGIN_ENOMEM;
        }
        if (span_eq(mkspan(p->key, p->klen), drop)) {
            free(p->key);
            free(p->value);
            p->key = p->value = NULL;
            continue;
        }
        n++;
    }
    *out = pairs;
    *count = n;
    return CLOGIN_OK;
}

CLOGIN_API clogin_status clogin_login_url(const char *login_view,
                                          const char *next_url,
                                          const char *next_field,
                                          const char *force_host, char **out) {
    if (!out)
        return CLOGIN_EINVAL;
    *out = NULL;
    if (!login_view)
        return CLOGIN_EINVAL;
    if (!next_field)
        next_field = "next";
    size_t vn = strlen(login_view);
    if (!utf8_valid(login_view, vn) || !utf8_valid(next_field, strlen(next_field)) ||
        (next_url && !utf8_valid(next_url, strlen(next_url))) ||
        (force_host && !utf8_valid(force_host, strlen(force_host))))
        return CLOGIN_EUTF8;
    /* expand_login_view: C has no endpoint names */
    if (strncmp(login_view, "https://", 8) != 0 && strncmp(login_view, "http://", 7) != 0 &&
        login_view[0] != '/')
        return CLOGIN_EINVAL;
    if (!next_url) {
        sbuf b = {0};
        sb_add(&b, login_view, vn);
        return sb_finish(&b, out, NULL);
    }
    pyurl base, cur;
    clogin_status st = py_urlparse(login_view, vn, &base);
    if (st != CLOGIN_OK) {
        free(base.buf);
        return st;
    }
    size_t nn = strlen(next_url);
    st = py_urlparse(next_url, nn, &cur);
    if (st != CLOGIN_OK) {
        free(cur.buf);
        free(base.buf);
        return st;
    }
    qpair *pairs = NULL;
    size_t count = 0;
    span field = mkspan(next_field, strlen(next_field));
    st = url_decode_pairs(base.query, field, &pairs, &count);
    if (st == CLOGIN_OK) {
        /* md[next_field] = make_next_param(base, next_url) */
        sbuf v = {0};
        next_param(&v, &base, &cur, next_url, nn);
        qpair *p = &pairs[count];
        p->key = malloc(field.n + 1);
        p->value = sb_take(&v, &p->vlen);
        if (!p->key || !p->value) {
            st = CLOGIN_ENOMEM;
            count++;
        } else {
            memcpy(p->key, field.p, field.n);
            p->key[field.n] = '\0';
            p->klen = field.n;
            count++;
            /* url_encode(md, sort=True): sorted (key, value) tuples */
            qsort(pairs, count, sizeof *pairs, qpair_cmp);
            sbuf q = {0};
            for (size_t i = 0; i < count; i++) {
                if (i)
                    sb_putc(&q, '&');
                sb_quote_plus(&q, pairs[i].key, pairs[i].klen);
                sb_putc(&q, '=');
                sb_quote_plus(&q, pairs[i].value, pairs[i].vlen);
            }
            if (q.failed) {
                st = CLOGIN_ENOMEM;
            } else {
                span netloc = (force_host && *force_host)
                                  ? mkspan(force_host, strlen(force_host))
                                  : base.netloc;
                sbuf b = {0};
                py_urlunparse(&b, base.scheme, netloc, base.path, base.params,
                              mkspan(q.p, q.len), base.fragment);
                st = sb_finish(&b, out, NULL);
            }
            sb_free(&q);
        }
        qpairs_free(pairs, count);
    }
    free(cur.buf);
    free(base.buf);
    return st;
}

/* ------------------------------------------------------------------------
 * Query arguments (request.args)
 * ------------------------------------------------------------------------ */

clogin_status clogin__query_arg_len(const char *query, size_t len,
                                    const char *name, char **value,
                                    size_t *value_len) {
    if (!value)
        return CLOGIN_EINVAL;
    *value = NULL;
    if (value_len)
        *value_len = 0;
    if (!name || (!query && len))
        return CLOGIN_EINVAL;
    span q = mkspan(query ? query : "", len);
    span want = mkspan(name, strlen(name));
    size_t start = 0;
    for (size_t i = 0; i <= q.n; i++) {
        if (i < q.n && q.p[i] != '&')
            continue;
        span pair = mkspan(q.p + start, i - start);
        start = i + 1;
        if (pair.n == 0)
            continue;
        const char *eq = span_find(pair, '=');
        span k = eq ? mkspan(pair.p, (size_t)(eq - pair.p)) : pair;
        char *key;
        size_t klen;
        if (unquote_plus(k.p, k.n, &key, &klen) != CLOGIN_OK)
            return CLOGIN_ENOMEM;
        int match = span_eq(mkspan(key, klen), want);
        free(key);
        if (!match)
            continue;
        span v = eq ? mkspan(eq + 1, pair.n - k.n - 1) : mkspan("", 0);
        return unquote_plus(v.p, v.n, value, value_len);
    }
    return CLOGIN_ENOTFOUND;
}

clogin_status clogin__query_arg(const char *query, size_t len, const char *name,
                                char **value) {
    return clogin__query_arg_len(query, len, name, value, NULL);
}

/* ------------------------------------------------------------------------
 * IDNA (encodings.idna ToUnicode, as werkzeug's _decode_idna uses it)
 * ------------------------------------------------------------------------ */
/* werkzeug's _decode_idna decodes each ASCII label with Python's "idna"
 * codec, and keeps the label as it is when that raises. ToUnicode succeeds
 * for an "xn--" label when its Punycode decodes to a string D that nameprep
 * leaves alone (up to ASCII case) and that encodes back to the label. D is
 * checked against the table below, made from Python's Unicode 3.2 data
 * (unicodedata.ucd_3_2_0, stringprep; tests/interop/test_url.py remakes and
 * compares it): every code point from U+0080 that nameprep leaves alone on
 * its own (Python allows unassigned code points), and cannot compose with a preceding
 * character, with its bidirectional category (L: table D.2, R: RandAL, table
 * D.1, O: neither) and canonical combining class. A string of such code
 * points whose combining marks are in canonical order is NFKC-stable, which
 * makes the nameprep check exact for them. Code points missing from the
 * table make the label stay in ASCII form: for most (mapped, prohibited,
 * unassigned) Python fails too; for the few that compose with what precedes
 * them (U+0301, Devanagari nukta, Hangul conjoining jamo, ...) Python may
 * succeed where clogin keeps the ASCII form. */
typedef struct idna_range {
    uint32_t lo, hi;
    char kind; /* 'L', 'R' or 'O' */
    unsigned char ccc;
} idna_range;

static const idna_range IDNA_RANGES[] = {
    /* BEGIN IDNA_RANGES */
    {0xA1, 0xA7, 'O', 0}, {0xA9, 0xA9, 'O', 0}, {0xAB, 0xAC, 'O', 0},
    {0xAE, 0xAE, 'O', 0}, {0xB0, 0xB1, 'O', 0}, {0xB6, 0xB7, 'O', 0},
    {0xBB, 0xBB, 'O', 0}, {0xBF, 0xBF, 'O', 0}, {0xD7, 0xD7, 'O', 0},
    {0xE0, 0xF6, 'L', 0}, {0xF7, 0xF7, 'O', 0}, {0xF8, 0xFF, 'L', 0},
    {0x101, 0x101, 'L', 0}, {0x103, 0x103, 'L', 0}, {0x105, 0x105, 'L', 0},
    {0x107, 0x107, 'L', 0}, {0x109, 0x109, 'L', 0}, {0x10B, 0x10B, 'L', 0},
    {0x10D, 0x10D, 'L', 0}, {0x10F, 0x10F, 'L', 0}, {0x111, 0x111, 'L', 0},
    {0x113, 0x113, 'L', 0}, {0x115, 0x115, 'L', 0}, {0x117, 0x117, 'L', 0},
    {0x119, 0x119, 'L', 0}, {0x11B, 0x11B, 'L', 0}, {0x11D, 0x11D, 'L', 0},
    {0x11F, 0x11F, 'L', 0}, {0x121, 0x121, 'L', 0}, {0x123, 0x123, 'L', 0},
    {0x125, 0x125, 'L', 0}, {0x127, 0x127, 'L', 0}, {0x129, 0x129, 'L', 0},
    {0x12B, 0x12B, 'L', 0}, {0x12D, 0x12D, 'L', 0}, {0x12F, 0x12F, 'L', 0},
    {0x131, 0x131, 'L', 0}, {0x135, 0x135, 'L', 0}, {0x137, 0x138, 'L', 0},
    {0x13A, 0x13A, 'L', 0}, {0x13C, 0x13C, 'L', 0}, {0x13E, 0x13E, 'L', 0},
    {0x142, 0x142, 'L', 0}, {0x144, 0x144, 'L', 0}, {0x146, 0x146, 'L', 0},
    {0x148, 0x148, 'L', 0}, {0x14B, 0x14B, 'L', 0}, {0x14D, 0x14D, 'L', 0},
    {0x14F, 0x14F, 'L', 0}, {0x151, 0x151, 'L', 0}, {0x153, 0x153, 'L', 0},
    {0x155, 0x155, 'L', 0}, {0x157, 0x157, 'L', 0}, {0x159, 0x159, 'L', 0},
    {0x15B, 0x15B, 'L', 0}, {0x15D, 0x15D, 'L', 0}, {0x15F, 0x15F, 'L', 0},
    {0x161, 0x161, 'L', 0}, {0x163, 0x163, 'L', 0}, {0x165, 0x165, 'L', 0},
    {0x167, 0x167, 'L', 0}, {0x169, 0x169, 'L', 0}, {0x16B, 0x16B, 'L', 0},
    {0x16D, 0x16D, 'L', 0}, {0x16F, 0x16F, 'L', 0}, {0x171, 0x171, 'L', 0},
    {0x173, 0x173, 'L', 0}, {0x175, 0x175, 'L', 0}, {0x177, 0x177, 'L', 0},
    {0x17A, 0x17A, 'L', 0}, {0x17C, 0x17C, 'L', 0}, {0x17E, 0x17E, 'L', 0},
    {0x180, 0x180, 'L', 0}, {0x183, 0x183, 'L', 0}, {0x185, 0x185, 'L', 0},
    {0x188, 0x188, 'L', 0}, {0x18C, 0x18D, 'L', 0}, {0x192, 0x192, 'L', 0},
    {0x195, 0x195, 'L', 0}, {0x199, 0x19B, 'L', 0}, {0x19E, 0x19E, 'L', 0},
    {0x1A1, 0x1A1, 'L', 0}, {0x1A3, 0x1A3, 'L', 0}, {0x1A5, 0x1A5, 'L', 0},
    {0x1A8, 0x1A8, 'L', 0}, {0x1AA, 0x1AB, 'L', 0}, {0x1AD, 0x1AD, 'L', 0},
    {0x1B0, 0x1B0, 'L', 0}, {0x1B4, 0x1B4, 'L', 0}, {0x1B6, 0x1B6, 'L', 0},
    {0x1B9, 0x1BB, 'L', 0}, {0x1BD, 0x1C3, 'L', 0}, {0x1CE, 0x1CE, 'L', 0},
    {0x1D0, 0x1D0, 'L', 0}, {0x1D2, 0x1D2, 'L', 0}, {0x1D4, 0x1D4, 'L', 0},
    {0x1D6, 0x1D6, 'L', 0}, {0x1D8, 0x1D8, 'L', 0}, {0x1DA, 0x1DA, 'L', 0},
    {0x1DC, 0x1DD, 'L', 0}, {0x1DF, 0x1DF, 'L', 0}, {0x1E1, 0x1E1, 'L', 0},
    {0x1E3, 0x1E3, 'L', 0}, {0x1E5, 0x1E5, 'L', 0}, {0x1E7, 0x1E7, 'L', 0},
    {0x1E9, 0x1E9, 'L', 0}, {0x1EB, 0x1EB, 'L', 0}, {0x1ED, 0x1ED, 'L', 0},
    {0x1EF, 0x1F0, 'L', 0}, {0x1F5, 0x1F5, 'L', 0}, {0x1F9, 0x1F9, 'L', 0},
    {0x1FB, 0x1FB, 'L', 0}, {0x1FD, 0x1FD, 'L', 0}, {0x1FF, 0x1FF, 'L', 0},
    {0x201, 0x201, 'L', 0}, {0x203, 0x203, 'L', 0}, {0x205, 0x205, 'L', 0},
    {0x207, 0x207, 'L', 0}, {0x209, 0x209, 'L', 0}, {0x20B, 0x20B, 'L', 0},
    {0x20D, 0x20D, 'L', 0}, {0x20F, 0x20F, 'L', 0}, {0x211, 0x211, 'L', 0},
    {0x213, 0x213, 'L', 0}, {0x215, 0x215, 'L', 0}, {0x217, 0x217, 'L', 0},
    {0x219, 0x219, 'L', 0}, {0x21B, 0x21B, 'L', 0}, {0x21D, 0x21D, 'L', 0},
    {0x21F, 0x21F, 'L', 0}, {0x221, 0x221, 'O', 0}, {0x223, 0x223, 'L', 0},
    {0x225, 0x225, 'L', 0}, {0x227, 0x227, 'L', 0}, {0x229, 0x229, 'L', 0},
    {0x22B, 0x22B, 'L', 0}, {0x22D, 0x22D, 'L', 0}, {0x22F, 0x22F, 'L', 0},
    {0x231, 0x231, 'L', 0}, {0x233, 0x233, 'L', 0}, {0x234, 0x239, 'O', 0},
    {0x23C, 0x23C, 'O', 0}, {0x23F, 0x240, 'O', 0}, {0x242, 0x242, 'O', 0},
    {0x247, 0x247, 'O', 0}, {0x249, 0x249, 'O', 0}, {0x24B, 0x24B, 'O', 0},
    {0x24D, 0x24D, 'O', 0}, {0x24F, 0x24F, 'O', 0}, {0x250, 0x2AD, 'L', 0},
    {0x2AE, 0x2AF, 'O', 0}, {0x2B9, 0x2BA, 'O', 0}, {0x2BB, 0x2C1, 'L', 0},
    {0x2C2, 0x2CF, 'O', 0}, {0x2D0, 0x2D1, 'L', 0}, {0x2D2, 0x2D7, 'O', 0},
    {0x2DE, 0x2DF, 'O', 0}, {0x2E5, 0x2ED, 'O', 0}, {0x2EE, 0x2EE, 'L', 0},
    {0x2EF, 0x2FF, 'O', 0}, {0x305, 0x305, 'O', 230}, {0x30D, 0x30E, 'O', 230},
    {0x310, 0x310, 'O', 230}, {0x312, 0x312, 'O', 230},
    {0x315, 0x315, 'O', 232}, {0x316, 0x319, 'O', 220},
    {0x31A, 0x31A, 'O', 232}, {0x31C, 0x320, 'O', 220},
    {0x321, 0x322, 'O', 202}, {0x329, 0x32C, 'O', 220},
    {0x32F, 0x32F, 'O', 220}, {0x332, 0x333, 'O', 220}, {0x334, 0x337, 'O', 1},
    {0x339, 0x33C, 'O', 220}, {0x33D, 0x33F, 'O', 230},
    {0x346, 0x346, 'O', 230}, {0x347, 0x349, 'O', 220},
    {0x34A, 0x34C, 'O', 230}, {0x34D, 0x34E, 'O', 220}, {0x350, 0x35F, 'O', 0},
    {0x360, 0x361, 'O', 234}, {0x362, 0x362, 'O', 233},
    {0x363, 0x36F, 'O', 230}, {0x371, 0x371, 'O', 0}, {0x373, 0x373, 'O', 0},
    {0x375, 0x375, 'O', 0}, {0x377, 0x379, 'O', 0}, {0x37B, 0x37D, 'O', 0},
    {0x380, 0x383, 'O', 0}, {0x38B, 0x38B, 'O', 0}, {0x38D, 0x38D, 'O', 0},
    {0x390, 0x390, 'L', 0}, {0x3A2, 0x3A2, 'O', 0}, {0x3AC, 0x3C1, 'L', 0},
    {0x3C3, 0x3CE, 'L', 0}, {0x3D7, 0x3D7, 'L', 0}, {0x3D9, 0x3D9, 'L', 0},
    {0x3DB, 0x3DB, 'L', 0}, {0x3DD, 0x3DD, 'L', 0}, {0x3DF, 0x3DF, 'L', 0},
    {0x3E1, 0x3E1, 'L', 0}, {0x3E3, 0x3E3, 'L', 0}, {0x3E5, 0x3E5, 'L', 0},
    {0x3E7, 0x3E7, 'L', 0}, {0x3E9, 0x3E9, 'L', 0}, {0x3EB, 0x3EB, 'L', 0},
    {0x3ED, 0x3ED, 'L', 0}, {0x3EF, 0x3EF, 'L', 0}, {0x3F3, 0x3F3, 'L', 0},
    {0x3F6, 0x3F6, 'O', 0}, {0x3F8, 0x3F8, 'O', 0}, {0x3FB, 0x3FC, 'O', 0},
    {0x430, 0x45F, 'L', 0}, {0x461, 0x461, 'L', 0}, {0x463, 0x463, 'L', 0},
    {0x465, 0x465, 'L', 0}, {0x467, 0x467, 'L', 0}, {0x469, 0x469, 'L', 0},
    {0x46B, 0x46B, 'L', 0}, {0x46D, 0x46D, 'L', 0}, {0x46F, 0x46F, 'L', 0},
    {0x471, 0x471, 'L', 0}, {0x473, 0x473, 'L', 0}, {0x475, 0x475, 'L', 0},
    {0x477, 0x477, 'L', 0}, {0x479, 0x479, 'L', 0}, {0x47B, 0x47B, 'L', 0},
    {0x47D, 0x47D, 'L', 0}, {0x47F, 0x47F, 'L', 0}, {0x481, 0x482, 'L', 0},
    {0x483, 0x486, 'O', 230}, {0x487, 0x489, 'O', 0}, {0x48B, 0x48B, 'L', 0},
    {0x48D, 0x48D, 'L', 0}, {0x48F, 0x48F, 'L', 0}, {0x491, 0x491, 'L', 0},
    {0x493, 0x493, 'L', 0}, {0x495, 0x495, 'L', 0}, {0x497, 0x497, 'L', 0},
    {0x499, 0x499, 'L', 0}, {0x49B, 0x49B, 'L', 0}, {0x49D, 0x49D, 'L', 0},
    {0x49F, 0x49F, 'L', 0}, {0x4A1, 0x4A1, 'L', 0}, {0x4A3, 0x4A3, 'L', 0},
    {0x4A5, 0x4A5, 'L', 0}, {0x4A7, 0x4A7, 'L', 0}, {0x4A9, 0x4A9, 'L', 0},
    {0x4AB, 0x4AB, 'L', 0}, {0x4AD, 0x4AD, 'L', 0}, {0x4AF, 0x4AF, 'L', 0},
    {0x4B1, 0x4B1, 'L', 0}, {0x4B3, 0x4B3, 'L', 0}, {0x4B5, 0x4B5, 'L', 0},
    {0x4B7, 0x4B7, 'L', 0}, {0x4B9, 0x4B9, 'L', 0}, {0x4BB, 0x4BB, 'L', 0},
    {0x4BD, 0x4BD, 'L', 0}, {0x4BF, 0x4BF, 'L', 0}, {0x4C2, 0x4C2, 'L', 0},
    {0x4C4, 0x4C4, 'L', 0}, {0x4C6, 0x4C6, 'L', 0}, {0x4C8, 0x4C8, 'L', 0},
    {0x4CA, 0x4CA, 'L', 0}, {0x4CC, 0x4CC, 'L', 0}, {0x4CE, 0x4CE, 'L', 0},
    {0x4CF, 0x4CF, 'O', 0}, {0x4D1, 0x4D1, 'L', 0}, {0x4D3, 0x4D3, 'L', 0},
    {0x4D5, 0x4D5, 'L', 0}, {0x4D7, 0x4D7, 'L', 0}, {0x4D9, 0x4D9, 'L', 0},
    {0x4DB, 0x4DB, 'L', 0}, {0x4DD, 0x4DD, 'L', 0}, {0x4DF, 0x4DF, 'L', 0},
    {0x4E1, 0x4E1, 'L', 0}, {0x4E3, 0x4E3, 'L', 0}, {0x4E5, 0x4E5, 'L', 0},
    {0x4E7, 0x4E7, 'L', 0}, {0x4E9, 0x4E9, 'L', 0}, {0x4EB, 0x4EB, 'L', 0},
    {0x4ED, 0x4ED, 'L', 0}, {0x4EF, 0x4EF, 'L', 0}, {0x4F1, 0x4F1, 'L', 0},
    {0x4F3, 0x4F3, 'L', 0}, {0x4F5, 0x4F5, 'L', 0}, {0x4F7, 0x4F7, 'O', 0},
    {0x4F9, 0x4F9, 'L', 0}, {0x4FB, 0x4FB, 'O', 0}, {0x4FD, 0x4FD, 'O', 0},
    {0x4FF, 0x4FF, 'O', 0}, {0x501, 0x501, 'L', 0}, {0x503, 0x503, 'L', 0},
    {0x505, 0x505, 'L', 0}, {0x507, 0x507, 'L', 0}, {0x509, 0x509, 'L', 0},
    {0x50B, 0x50B, 'L', 0}, {0x50D, 0x50D, 'L', 0}, {0x50F, 0x50F, 'L', 0},
    {0x511, 0x511, 'O', 0}, {0x513, 0x513, 'O', 0}, {0x515, 0x515, 'O', 0},
    {0x517, 0x517, 'O', 0}, {0x519, 0x519, 'O', 0}, {0x51B, 0x51B, 'O', 0},
    {0x51D, 0x51D, 'O', 0}, {0x51F, 0x51F, 'O', 0}, {0x521, 0x521, 'O', 0},
    {0x523, 0x523, 'O', 0}, {0x525, 0x525, 'O', 0}, {0x527, 0x527, 'O', 0},
    {0x529, 0x529, 'O', 0}, {0x52B, 0x52B, 'O', 0}, {0x52D, 0x52D, 'O', 0},
    {0x52F, 0x530, 'O', 0}, {0x557, 0x558, 'O', 0}, {0x559, 0x55F, 'L', 0},
    {0x560, 0x560, 'O', 0}, {0x561, 0x586, 'L', 0}, {0x588, 0x588, 'O', 0},
    {0x589, 0x589, 'L', 0}, {0x58A, 0x590, 'O', 0}, {0x591, 0x591, 'O', 220},
    {0x592, 0x595, 'O', 230}, {0x596, 0x596, 'O', 220},
    {0x597, 0x599, 'O', 230}, {0x59A, 0x59A, 'O', 222},
    {0x59B, 0x59B, 'O', 220}, {0x59C, 0x5A1, 'O', 230}, {0x5A2, 0x5A2, 'O', 0},
    {0x5A3, 0x5A7, 'O', 220}, {0x5A8, 0x5A9, 'O', 230},
    {0x5AA, 0x5AA, 'O', 220}, {0x5AB, 0x5AC, 'O', 230},
    {0x5AD, 0x5AD, 'O', 222}, {0x5AE, 0x5AE, 'O', 228},
    {0x5AF, 0x5AF, 'O', 230}, {0x5B0, 0x5B0, 'O', 10}, {0x5B1, 0x5B1, 'O', 11},
    {0x5B2, 0x5B2, 'O', 12}, {0x5B3, 0x5B3, 'O', 13}, {0x5B4, 0x5B4, 'O', 14},
    {0x5B5, 0x5B5, 'O', 15}, {0x5B6, 0x5B6, 'O', 16}, {0x5B7, 0x5B7, 'O', 17},
    {0x5B8, 0x5B8, 'O', 18}, {0x5B9, 0x5B9, 'O', 19}, {0x5BA, 0x5BA, 'O', 0},
    {0x5BB, 0x5BB, 'O', 20}, {0x5BC, 0x5BC, 'O', 21}, {0x5BD, 0x5BD, 'O', 22},
    {0x5BE, 0x5BE, 'R', 0}, {0x5BF, 0x5BF, 'O', 23}, {0x5C0, 0x5C0, 'R', 0},
    {0x5C1, 0x5C1, 'O', 24}, {0x5C2, 0x5C2, 'O', 25}, {0x5C3, 0x5C3, 'R', 0},
    {0x5C4, 0x5C4, 'O', 230}, {0x5C5, 0x5CF, 'O', 0}, {0x5D0, 0x5EA, 'R', 0},
    {0x5EB, 0x5EF, 'O', 0}, {0x5F0, 0x5F4, 'R', 0}, {0x5F5, 0x61A, 'O', 0},
    {0x61B, 0x61B, 'R', 0}, {0x61C, 0x61E, 'O', 0}, {0x61F, 0x61F, 'R', 0},
    {0x620, 0x620, 'O', 0}, {0x621, 0x63A, 'R', 0}, {0x63B, 0x63F, 'O', 0},
    {0x640, 0x64A, 'R', 0}, {0x64B, 0x64B, 'O', 27}, {0x64C, 0x64C, 'O', 28},
    {0x64D, 0x64D, 'O', 29}, {0x64E, 0x64E, 'O', 30}, {0x64F, 0x64F, 'O', 31},
    {0x650, 0x650, 'O', 32}, {0x651, 0x651, 'O', 33}, {0x652, 0x652, 'O', 34},
    {0x656, 0x66C, 'O', 0}, {0x66D, 0x66F, 'R', 0}, {0x670, 0x670, 'O', 35},
    {0x671, 0x674, 'R', 0}, {0x679, 0x6D5, 'R', 0}, {0x6D6, 0x6DC, 'O', 230},
    {0x6DE, 0x6DE, 'O', 0}, {0x6DF, 0x6E2, 'O', 230}, {0x6E3, 0x6E3, 'O', 220},
    {0x6E4, 0x6E4, 'O', 230}, {0x6E5, 0x6E6, 'R', 0}, {0x6E7, 0x6E8, 'O', 230},
    {0x6E9, 0x6E9, 'O', 0}, {0x6EA, 0x6EA, 'O', 220}, {0x6EB, 0x6EC, 'O', 230},
    {0x6ED, 0x6ED, 'O', 220}, {0x6EE, 0x6F9, 'O', 0}, {0x6FA, 0x6FE, 'R', 0},
    {0x6FF, 0x6FF, 'O', 0}, {0x700, 0x70D, 'R', 0}, {0x70E, 0x70E, 'O', 0},
    {0x710, 0x710, 'R', 0}, {0x711, 0x711, 'O', 36}, {0x712, 0x72C, 'R', 0},
    {0x72D, 0x72F, 'O', 0}, {0x730, 0x730, 'O', 230}, {0x731, 0x731, 'O', 220},
    {0x732, 0x733, 'O', 230}, {0x734, 0x734, 'O', 220},
    {0x735, 0x736, 'O', 230}, {0x737, 0x739, 'O', 220},
    {0x73A, 0x73A, 'O', 230}, {0x73B, 0x73C, 'O', 220},
    {0x73D, 0x73D, 'O', 230}, {0x73E, 0x73E, 'O', 220},
    {0x73F, 0x741, 'O', 230}, {0x742, 0x742, 'O', 220},
    {0x743, 0x743, 'O', 230}, {0x744, 0x744, 'O', 220},
    {0x745, 0x745, 'O', 230}, {0x746, 0x746, 'O', 220},
    {0x747, 0x747, 'O', 230}, {0x748, 0x748, 'O', 220},
    {0x749, 0x74A, 'O', 230}, {0x74B, 0x77F, 'O', 0}, {0x780, 0x7A5, 'R', 0},
    {0x7A6, 0x7B0, 'O', 0}, {0x7B1, 0x7B1, 'R', 0}, {0x7B2, 0x902, 'O', 0},
    {0x903, 0x903, 'L', 0}, {0x904, 0x904, 'O', 0}, {0x905, 0x939, 'L', 0},
    {0x93A, 0x93B, 'O', 0}, {0x93D, 0x940, 'L', 0}, {0x941, 0x948, 'O', 0},
    {0x949, 0x94C, 'L', 0}, {0x94D, 0x94D, 'O', 9}, {0x94E, 0x94F, 'O', 0},
    {0x950, 0x950, 'L', 0}, {0x951, 0x951, 'O', 230}, {0x952, 0x952, 'O', 220},
    {0x953, 0x954, 'O', 230}, {0x955, 0x957, 'O', 0}, {0x960, 0x961, 'L', 0},
    {0x962, 0x963, 'O', 0}, {0x964, 0x970, 'L', 0}, {0x971, 0x981, 'O', 0},
    {0x982, 0x983, 'L', 0}, {0x984, 0x984, 'O', 0}, {0x985, 0x98C, 'L', 0},
    {0x98D, 0x98E, 'O', 0}, {0x98F, 0x990, 'L', 0}, {0x991, 0x992, 'O', 0},
    {0x993, 0x9A8, 'L', 0}, {0x9A9, 0x9A9, 'O', 0}, {0x9AA, 0x9B0, 'L', 0},
    {0x9B1, 0x9B1, 'O', 0}, {0x9B2, 0x9B2, 'L', 0}, {0x9B3, 0x9B5, 'O', 0},
    {0x9B6, 0x9B9, 'L', 0}, {0x9BA, 0x9BB, 'O', 0}, {0x9BC, 0x9BC, 'O', 7},
    {0x9BD, 0x9BD, 'O', 0}, {0x9BF, 0x9C0, 'L', 0}, {0x9C1, 0x9C6, 'O', 0},
    {0x9C7, 0x9C8, 'L', 0}, {0x9C9, 0x9CA, 'O', 0}, {0x9CB, 0x9CC, 'L', 0},
    {0x9CD, 0x9CD, 'O', 9}, {0x9CE, 0x9D6, 'O', 0}, {0x9D8, 0x9DB, 'O', 0},
    {0x9DE, 0x9DE, 'O', 0}, {0x9E0, 0x9E1, 'L', 0}, {0x9E2, 0x9E5, 'O', 0},
    {0x9E6, 0x9F1, 'L', 0}, {0x9F2, 0x9F3, 'O', 0}, {0x9F4, 0x9FA, 'L', 0},
    {0x9FB, 0xA04, 'O', 0}, {0xA05, 0xA0A, 'L', 0}, {0xA0B, 0xA0E, 'O', 0},
    {0xA0F, 0xA10, 'L', 0}, {0xA11, 0xA12, 'O', 0}, {0xA13, 0xA28, 'L', 0},
    {0xA29, 0xA29, 'O', 0}, {0xA2A, 0xA30, 'L', 0}, {0xA31, 0xA31, 'O', 0},
    {0xA32, 0xA32, 'L', 0}, {0xA34, 0xA34, 'O', 0}, {0xA35, 0xA35, 'L', 0},
    {0xA37, 0xA37, 'O', 0}, {0xA38, 0xA39, 'L', 0}, {0xA3A, 0xA3B, 'O', 0},
    {0xA3C, 0xA3C, 'O', 7}, {0xA3D, 0xA3D, 'O', 0}, {0xA3E, 0xA40, 'L', 0},
    {0xA41, 0xA4C, 'O', 0}, {0xA4D, 0xA4D, 'O', 9}, {0xA4E, 0xA58, 'O', 0},
    {0xA5C, 0xA5C, 'L', 0}, {0xA5D, 0xA5D, 'O', 0}, {0xA5F, 0xA65, 'O', 0},
    {0xA66, 0xA6F, 'L', 0}, {0xA70, 0xA71, 'O', 0}, {0xA72, 0xA74, 'L', 0},
    {0xA75, 0xA82, 'O', 0}, {0xA83, 0xA83, 'L', 0}, {0xA84, 0xA84, 'O', 0},
    {0xA85, 0xA8B, 'L', 0}, {0xA8C, 0xA8C, 'O', 0}, {0xA8D, 0xA8D, 'L', 0},
    {0xA8E, 0xA8E, 'O', 0}, {0xA8F, 0xA91, 'L', 0}, {0xA92, 0xA92, 'O', 0},
    {0xA93, 0xAA8, 'L', 0}, {0xAA9, 0xAA9, 'O', 0}, {0xAAA, 0xAB0, 'L', 0},
    {0xAB1, 0xAB1, 'O', 0}, {0xAB2, 0xAB3, 'L', 0}, {0xAB4, 0xAB4, 'O', 0},
    {0xAB5, 0xAB9, 'L', 0}, {0xABA, 0xABB, 'O', 0}, {0xABC, 0xABC, 'O', 7},
    {0xABD, 0xAC0, 'L', 0}, {0xAC1, 0xAC8, 'O', 0}, {0xAC9, 0xAC9, 'L', 0},
    {0xACA, 0xACA, 'O', 0}, {0xACB, 0xACC, 'L', 0}, {0xACD, 0xACD, 'O', 9},
    {0xACE, 0xACF, 'O', 0}, {0xAD0, 0xAD0, 'L', 0}, {0xAD1, 0xADF, 'O', 0},
    {0xAE0, 0xAE0, 'L', 0}, {0xAE1, 0xAE5, 'O', 0}, {0xAE6, 0xAEF, 'L', 0},
    {0xAF0, 0xB01, 'O', 0}, {0xB02, 0xB03, 'L', 0}, {0xB04, 0xB04, 'O', 0},
    {0xB05, 0xB0C, 'L', 0}, {0xB0D, 0xB0E, 'O', 0}, {0xB0F, 0xB10, 'L', 0},
    {0xB11, 0xB12, 'O', 0}, {0xB13, 0xB28, 'L', 0}, {0xB29, 0xB29, 'O', 0},
    {0xB2A, 0xB30, 'L', 0}, {0xB31, 0xB31, 'O', 0}, {0xB32, 0xB33, 'L', 0},
    {0xB34, 0xB35, 'O', 0}, {0xB36, 0xB39, 'L', 0}, {0xB3A, 0xB3B, 'O', 0},
    {0xB3C, 0xB3C, 'O', 7}, {0xB3D, 0xB3D, 'L', 0}, {0xB3F, 0xB3F, 'O', 0},
    {0xB40, 0xB40, 'L', 0}, {0xB41, 0xB46, 'O', 0}, {0xB47, 0xB48, 'L', 0},
    {0xB49, 0xB4A, 'O', 0}, {0xB4B, 0xB4C, 'L', 0}, {0xB4D, 0xB4D, 'O', 9},
    {0xB4E, 0xB55, 'O', 0}, {0xB58, 0xB5B, 'O', 0}, {0xB5E, 0xB5E, 'O', 0},
    {0xB5F, 0xB61, 'L', 0}, {0xB62, 0xB65, 'O', 0}, {0xB66, 0xB70, 'L', 0},
    {0xB71, 0xB82, 'O', 0}, {0xB83, 0xB83, 'L', 0}, {0xB84, 0xB84, 'O', 0},
    {0xB85, 0xB8A, 'L', 0}, {0xB8B, 0xB8D, 'O', 0}, {0xB8E, 0xB90, 'L', 0},
    {0xB91, 0xB91, 'O', 0}, {0xB92, 0xB95, 'L', 0}, {0xB96, 0xB98, 'O', 0},
    {0xB99, 0xB9A, 'L', 0}, {0xB9B, 0xB9B, 'O', 0}, {0xB9C, 0xB9C, 'L', 0},
    {0xB9D, 0xB9D, 'O', 0}, {0xB9E, 0xB9F, 'L', 0}, {0xBA0, 0xBA2, 'O', 0},
    {0xBA3, 0xBA4, 'L', 0}, {0xBA5, 0xBA7, 'O', 0}, {0xBA8, 0xBAA, 'L', 0},
    {0xBAB, 0xBAD, 'O', 0}, {0xBAE, 0xBB5, 'L', 0}, {0xBB6, 0xBB6, 'O', 0},
    {0xBB7, 0xBB9, 'L', 0}, {0xBBA, 0xBBD, 'O', 0}, {0xBBF, 0xBBF, 'L', 0},
    {0xBC0, 0xBC0, 'O', 0}, {0xBC1, 0xBC2, 'L', 0}, {0xBC3, 0xBC5, 'O', 0},
    {0xBC6, 0xBC8, 'L', 0}, {0xBC9, 0xBC9, 'O', 0}, {0xBCA, 0xBCC, 'L', 0},
    {0xBCD, 0xBCD, 'O', 9}, {0xBCE, 0xBD6, 'O', 0}, {0xBD8, 0xBE6, 'O', 0},
    {0xBE7, 0xBF2, 'L', 0}, {0xBF3, 0xC00, 'O', 0}, {0xC01, 0xC03, 'L', 0},
    {0xC04, 0xC04, 'O', 0}, {0xC05, 0xC0C, 'L', 0}, {0xC0D, 0xC0D, 'O', 0},
    {0xC0E, 0xC10, 'L', 0}, {0xC11, 0xC11, 'O', 0}, {0xC12, 0xC28, 'L', 0},
    {0xC29, 0xC29, 'O', 0}, {0xC2A, 0xC33, 'L', 0}, {0xC34, 0xC34, 'O', 0},
    {0xC35, 0xC39, 'L', 0}, {0xC3A, 0xC40, 'O', 0}, {0xC41, 0xC44, 'L', 0},
    {0xC45, 0xC4C, 'O', 0}, {0xC4D, 0xC4D, 'O', 9}, {0xC4E, 0xC54, 'O', 0},
    {0xC55, 0xC55, 'O', 84}, {0xC57, 0xC5F, 'O', 0}, {0xC60, 0xC61, 'L', 0},
    {0xC62, 0xC65, 'O', 0}, {0xC66, 0xC6F, 'L', 0}, {0xC70, 0xC81, 'O', 0},
    {0xC82, 0xC83, 'L', 0}, {0xC84, 0xC84, 'O', 0}, {0xC85, 0xC8C, 'L', 0},
    {0xC8D, 0xC8D, 'O', 0}, {0xC8E, 0xC90, 'L', 0}, {0xC91, 0xC91, 'O', 0},
    {0xC92, 0xCA8, 'L', 0}, {0xCA9, 0xCA9, 'O', 0}, {0xCAA, 0xCB3, 'L', 0},
    {0xCB4, 0xCB4, 'O', 0}, {0xCB5, 0xCB9, 'L', 0}, {0xCBA, 0xCBD, 'O', 0},
    {0xCBE, 0xCBE, 'L', 0}, {0xCBF, 0xCBF, 'O', 0}, {0xCC0, 0xCC1, 'L', 0},
    {0xCC3, 0xCC4, 'L', 0}, {0xCC5, 0xCC6, 'O', 0}, {0xCC7, 0xCC8, 'L', 0},
    {0xCC9, 0xCC9, 'O', 0}, {0xCCA, 0xCCB, 'L', 0}, {0xCCC, 0xCCC, 'O', 0},
    {0xCCD, 0xCCD, 'O', 9}, {0xCCE, 0xCD4, 'O', 0}, {0xCD7, 0xCDD, 'O', 0},
    {0xCDE, 0xCDE, 'L', 0}, {0xCDF, 0xCDF, 'O', 0}, {0xCE0, 0xCE1, 'L', 0},
    {0xCE2, 0xCE5, 'O', 0}, {0xCE6, 0xCEF, 'L', 0}, {0xCF0, 0xD01, 'O', 0},
    {0xD02, 0xD03, 'L', 0}, {0xD04, 0xD04, 'O', 0}, {0xD05, 0xD0C, 'L', 0},
    {0xD0D, 0xD0D, 'O', 0}, {0xD0E, 0xD10, 'L', 0}, {0xD11, 0xD11, 'O', 0},
    {0xD12, 0xD28, 'L', 0}, {0xD29, 0xD29, 'O', 0}, {0xD2A, 0xD39, 'L', 0},
    {0xD3A, 0xD3D, 'O', 0}, {0xD3F, 0xD40, 'L', 0}, {0xD41, 0xD45, 'O', 0},
    {0xD46, 0xD48, 'L', 0}, {0xD49, 0xD49, 'O', 0}, {0xD4A, 0xD4C, 'L', 0},
    {0xD4D, 0xD4D, 'O', 9}, {0xD4E, 0xD56, 'O', 0}, {0xD58, 0xD5F, 'O', 0},
    {0xD60, 0xD61, 'L', 0}, {0xD62, 0xD65, 'O', 0}, {0xD66, 0xD6F, 'L', 0},
    {0xD70, 0xD81, 'O', 0}, {0xD82, 0xD83, 'L', 0}, {0xD84, 0xD84, 'O', 0},
    {0xD85, 0xD96, 'L', 0}, {0xD97, 0xD99, 'O', 0}, {0xD9A, 0xDB1, 'L', 0},
    {0xDB2, 0xDB2, 'O', 0}, {0xDB3, 0xDBB, 'L', 0}, {0xDBC, 0xDBC, 'O', 0},
    {0xDBD, 0xDBD, 'L', 0}, {0xDBE, 0xDBF, 'O', 0}, {0xDC0, 0xDC6, 'L', 0},
    {0xDC7, 0xDC9, 'O', 0}, {0xDCB, 0xDCE, 'O', 0}, {0xDD0, 0xDD1, 'L', 0},
    {0xDD2, 0xDD7, 'O', 0}, {0xDD8, 0xDDE, 'L', 0}, {0xDE0, 0xDF1, 'O', 0},
    {0xDF2, 0xDF4, 'L', 0}, {0xDF5, 0xE00, 'O', 0}, {0xE01, 0xE30, 'L', 0},
    {0xE31, 0xE31, 'O', 0}, {0xE32, 0xE32, 'L', 0}, {0xE34, 0xE37, 'O', 0},
    {0xE38, 0xE39, 'O', 103}, {0xE3A, 0xE3A, 'O', 9}, {0xE3B, 0xE3F, 'O', 0},
    {0xE40, 0xE46, 'L', 0}, {0xE47, 0xE47, 'O', 0}, {0xE48, 0xE4B, 'O', 107},
    {0xE4C, 0xE4E, 'O', 0}, {0xE4F, 0xE5B, 'L', 0}, {0xE5C, 0xE80, 'O', 0},
    {0xE81, 0xE82, 'L', 0}, {0xE83, 0xE83, 'O', 0}, {0xE84, 0xE84, 'L', 0},
    {0xE85, 0xE86, 'O', 0}, {0xE87, 0xE88, 'L', 0}, {0xE89, 0xE89, 'O', 0},
    {0xE8A, 0xE8A, 'L', 0}, {0xE8B, 0xE8C, 'O', 0}, {0xE8D, 0xE8D, 'L', 0},
    {0xE8E, 0xE93, 'O', 0}, {0xE94, 0xE97, 'L', 0}, {0xE98, 0xE98, 'O', 0},
    {0xE99, 0xE9F, 'L', 0}, {0xEA0, 0xEA0, 'O', 0}, {0xEA1, 0xEA3, 'L', 0},
    {0xEA4, 0xEA4, 'O', 0}, {0xEA5, 0xEA5, 'L', 0}, {0xEA6, 0xEA6, 'O', 0},
    {0xEA7, 0xEA7, 'L', 0}, {0xEA8, 0xEA9, 'O', 0}, {0xEAA, 0xEAB, 'L', 0},
    {0xEAC, 0xEAC, 'O', 0}, {0xEAD, 0xEB0, 'L', 0}, {0xEB1, 0xEB1, 'O', 0},
    {0xEB2, 0xEB2, 'L', 0}, {0xEB4, 0xEB7, 'O', 0}, {0xEB8, 0xEB9, 'O', 118},
    {0xEBA, 0xEBC, 'O', 0}, {0xEBD, 0xEBD, 'L', 0}, {0xEBE, 0xEBF, 'O', 0},
    {0xEC0, 0xEC4, 'L', 0}, {0xEC5, 0xEC5, 'O', 0}, {0xEC6, 0xEC6, 'L', 0},
    {0xEC7, 0xEC7, 'O', 0}, {0xEC8, 0xECB, 'O', 122}, {0xECC, 0xECF, 'O', 0},
    {0xED0, 0xED9, 'L', 0}, {0xEDA, 0xEDB, 'O', 0}, {0xEDE, 0xEFF, 'O', 0},
    {0xF00, 0xF0B, 'L', 0}, {0xF0D, 0xF17, 'L', 0}, {0xF18, 0xF19, 'O', 220},
    {0xF1A, 0xF34, 'L', 0}, {0xF35, 0xF35, 'O', 220}, {0xF36, 0xF36, 'L', 0},
    {0xF37, 0xF37, 'O', 220}, {0xF38, 0xF38, 'L', 0}, {0xF39, 0xF39, 'O', 216},
    {0xF3A, 0xF3D, 'O', 0}, {0xF3E, 0xF42, 'L', 0}, {0xF44, 0xF47, 'L', 0},
    {0xF48, 0xF48, 'O', 0}, {0xF49, 0xF4C, 'L', 0}, {0xF4E, 0xF51, 'L', 0},
    {0xF53, 0xF56, 'L', 0}, {0xF58, 0xF5B, 'L', 0}, {0xF5D, 0xF68, 'L', 0},
    {0xF6A, 0xF6A, 'L', 0}, {0xF6B, 0xF70, 'O', 0}, {0xF71, 0xF71, 'O', 129},
    {0xF72, 0xF72, 'O', 130}, {0xF74, 0xF74, 'O', 132},
    {0xF7A, 0xF7D, 'O', 130}, {0xF7E, 0xF7E, 'O', 0}, {0xF7F, 0xF7F, 'L', 0},
    {0xF80, 0xF80, 'O', 130}, {0xF82, 0xF83, 'O', 230}, {0xF84, 0xF84, 'O', 9},
    {0xF85, 0xF85, 'L', 0}, {0xF86, 0xF87, 'O', 230}, {0xF88, 0xF8B, 'L', 0},
    {0xF8C, 0xF92, 'O', 0}, {0xF94, 0xF9C, 'O', 0}, {0xF9E, 0xFA1, 'O', 0},
    {0xFA3, 0xFA6, 'O', 0}, {0xFA8, 0xFAB, 'O', 0}, {0xFAD, 0xFB8, 'O', 0},
    {0xFBA, 0xFBD, 'O', 0}, {0xFBE, 0xFC5, 'L', 0}, {0xFC6, 0xFC6, 'O', 220},
    {0xFC7, 0xFCC, 'L', 0}, {0xFCD, 0xFCE, 'O', 0}, {0xFCF, 0xFCF, 'L', 0},
    {0xFD0, 0xFFF, 'O', 0}, {0x1000, 0x1021, 'L', 0}, {0x1022, 0x1022, 'O', 0},
    {0x1023, 0x1027, 'L', 0}, {0x1028, 0x1028, 'O', 0},
    {0x1029, 0x102A, 'L', 0}, {0x102B, 0x102B, 'O', 0},
    {0x102C, 0x102C, 'L', 0}, {0x102D, 0x102D, 'O', 0},
    {0x102F, 0x1030, 'O', 0}, {0x1031, 0x1031, 'L', 0},
    {0x1032, 0x1036, 'O', 0}, {0x1037, 0x1037, 'O', 7},
    {0x1038, 0x1038, 'L', 0}, {0x1039, 0x1039, 'O', 9},
    {0x103A, 0x103F, 'O', 0}, {0x1040, 0x1057, 'L', 0},
    {0x1058, 0x109F, 'O', 0}, {0x10C6, 0x10C6, 'O', 0},
    {0x10C8, 0x10CC, 'O', 0}, {0x10CE, 0x10CF, 'O', 0},
    {0x10D0, 0x10F8, 'L', 0}, {0x10F9, 0x10FA, 'O', 0},
    {0x10FB, 0x10FB, 'L', 0}, {0x10FC, 0x10FF, 'O', 0},
    {0x1100, 0x1159, 'L', 0}, {0x115A, 0x115E, 'O', 0},
    {0x115F, 0x1160, 'L', 0}, {0x1176, 0x11A2, 'L', 0},
    {0x11A3, 0x11A7, 'O', 0}, {0x11C3, 0x11F9, 'L', 0},
    {0x11FA, 0x11FF, 'O', 0}, {0x1200, 0x1206, 'L', 0},
    {0x1207, 0x1207, 'O', 0}, {0x1208, 0x1246, 'L', 0},
    {0x1247, 0x1247, 'O', 0}, {0x1248, 0x1248, 'L', 0},
    {0x1249, 0x1249, 'O', 0}, {0x124A, 0x124D, 'L', 0},
    {0x124E, 0x124F, 'O', 0}, {0x1250, 0x1256, 'L', 0},
    {0x1257, 0x1257, 'O', 0}, {0x1258, 0x1258, 'L', 0},
    {0x1259, 0x1259, 'O', 0}, {0x125A, 0x125D, 'L', 0},
    {0x125E, 0x125F, 'O', 0}, {0x1260, 0x1286, 'L', 0},
    {0x1287, 0x1287, 'O', 0}, {0x1288, 0x1288, 'L', 0},
    {0x1289, 0x1289, 'O', 0}, {0x128A, 0x128D, 'L', 0},
    {0x128E, 0x128F, 'O', 0}, {0x1290, 0x12AE, 'L', 0},
    {0x12AF, 0x12AF, 'O', 0}, {0x12B0, 0x12B0, 'L', 0},
    {0x12B1, 0x12B1, 'O', 0}, {0x12B2, 0x12B5, 'L', 0},
    {0x12B6, 0x12B7, 'O', 0}, {0x12B8, 0x12BE, 'L', 0},
    {0x12BF, 0x12BF, 'O', 0}, {0x12C0, 0x12C0, 'L', 0},
    {0x12C1, 0x12C1, 'O', 0}, {0x12C2, 0x12C5, 'L', 0},
    {0x12C6, 0x12C7, 'O', 0}, {0x12C8, 0x12CE, 'L', 0},
    {0x12CF, 0x12CF, 'O', 0}, {0x12D0, 0x12D6, 'L', 0},
    {0x12D7, 0x12D7, 'O', 0}, {0x12D8, 0x12EE, 'L', 0},
    {0x12EF, 0x12EF, 'O', 0}, {0x12F0, 0x130E, 'L', 0},
    {0x130F, 0x130F, 'O', 0}, {0x1310, 0x1310, 'L', 0},
    {0x1311, 0x1311, 'O', 0}, {0x1312, 0x1315, 'L', 0},
    {0x1316, 0x1317, 'O', 0}, {0x1318, 0x131E, 'L', 0},
    {0x131F, 0x131F, 'O', 0}, {0x1320, 0x1346, 'L', 0},
    {0x1347, 0x1347, 'O', 0}, {0x1348, 0x135A, 'L', 0},
    {0x135B, 0x1360, 'O', 0}, {0x1361, 0x137C, 'L', 0},
    {0x137D, 0x139F, 'O', 0}, {0x13F6, 0x1400, 'O', 0},
    {0x1401, 0x1676, 'L', 0}, {0x1677, 0x167F, 'O', 0},
    {0x1681, 0x169A, 'L', 0}, {0x169B, 0x169F, 'O', 0},
    {0x16A0, 0x16F0, 'L', 0}, {0x16F1, 0x16FF, 'O', 0},
    {0x1700, 0x170C, 'L', 0}, {0x170D, 0x170D, 'O', 0},
    {0x170E, 0x1711, 'L', 0}, {0x1712, 0x1713, 'O', 0},
    {0x1714, 0x1714, 'O', 9}, {0x1715, 0x171F, 'O', 0},
    {0x1720, 0x1731, 'L', 0}, {0x1732, 0x1733, 'O', 0},
    {0x1734, 0x1734, 'O', 9}, {0x1735, 0x1736, 'L', 0},
    {0x1737, 0x173F, 'O', 0}, {0x1740, 0x1751, 'L', 0},
    {0x1752, 0x175F, 'O', 0}, {0x1760, 0x176C, 'L', 0},
    {0x176D, 0x176D, 'O', 0}, {0x176E, 0x1770, 'L', 0},
    {0x1771, 0x177F, 'O', 0}, {0x1780, 0x17B6, 'L', 0},
    {0x17B7, 0x17BD, 'O', 0}, {0x17BE, 0x17C5, 'L', 0},
    {0x17C6, 0x17C6, 'O', 0}, {0x17C7, 0x17C8, 'L', 0},
    {0x17C9, 0x17D1, 'O', 0}, {0x17D2, 0x17D2, 'O', 9},
    {0x17D3, 0x17D3, 'O', 0}, {0x17D4, 0x17DA, 'L', 0},
    {0x17DB, 0x17DB, 'O', 0}, {0x17DC, 0x17DC, 'L', 0},
    {0x17DD, 0x17DF, 'O', 0}, {0x17E0, 0x17E9, 'L', 0},
    {0x17EA, 0x1805, 'O', 0}, {0x1807, 0x180A, 'O', 0},
    {0x180F, 0x180F, 'O', 0}, {0x1810, 0x1819, 'L', 0},
    {0x181A, 0x181F, 'O', 0}, {0x1820, 0x1877, 'L', 0},
    {0x1878, 0x187F, 'O', 0}, {0x1880, 0x18A8, 'L', 0},
    {0x18A9, 0x18A9, 'O', 228}, {0x18AA, 0x1C8F, 'O', 0},
    {0x1CBB, 0x1CBC, 'O', 0}, {0x1CC0, 0x1DFF, 'O', 0},
    {0x1E01, 0x1E01, 'L', 0}, {0x1E03, 0x1E03, 'L', 0},
    {0x1E05, 0x1E05, 'L', 0}, {0x1E07, 0x1E07, 'L', 0},
    {0x1E09, 0x1E09, 'L', 0}, {0x1E0B, 0x1E0B, 'L', 0},
    {0x1E0D, 0x1E0D, 'L', 0}, {0x1E0F, 0x1E0F, 'L', 0},
    {0x1E11, 0x1E11, 'L', 0}, {0x1E13, 0x1E13, 'L', 0},
    {0x1E15, 0x1E15, 'L', 0}, {0x1E17, 0x1E17, 'L', 0},
    {0x1E19, 0x1E19, 'L', 0}, {0x1E1B, 0x1E1B, 'L', 0},
    {0x1E1D, 0x1E1D, 'L', 0}, {0x1E1F, 0x1E1F, 'L', 0},
    {0x1E21, 0x1E21, 'L', 0}, {0x1E23, 0x1E23, 'L', 0},
    {0x1E25, 0x1E25, 'L', 0}, {0x1E27, 0x1E27, 'L', 0},
    {0x1E29, 0x1E29, 'L', 0}, {0x1E2B, 0x1E2B, 'L', 0},
    {0x1E2D, 0x1E2D, 'L', 0}, {0x1E2F, 0x1E2F, 'L', 0},
    {0x1E31, 0x1E31, 'L', 0}, {0x1E33, 0x1E33, 'L', 0},
    {0x1E35, 0x1E35, 'L', 0}, {0x1E37, 0x1E37, 'L', 0},
    {0x1E39, 0x1E39, 'L', 0}, {0x1E3B, 0x1E3B, 'L', 0},
    {0x1E3D, 0x1E3D, 'L', 0}, {0x1E3F, 0x1E3F, 'L', 0},
    {0x1E41, 0x1E41, 'L', 0}, {0x1E43, 0x1E43, 'L', 0},
    {0x1E45, 0x1E45, 'L', 0}, {0x1E47, 0x1E47, 'L', 0},
    {0x1E49, 0x1E49, 'L', 0}, {0x1E4B, 0x1E4B, 'L', 0},
    {0x1E4D, 0x1E4D, 'L', 0}, {0x1E4F, 0x1E4F, 'L', 0},
    {0x1E51, 0x1E51, 'L', 0}, {0x1E53, 0x1E53, 'L', 0},
    {0x1E55, 0x1E55, 'L', 0}, {0x1E57, 0x1E57, 'L', 0},
    {0x1E59, 0x1E59, 'L', 0}, {0x1E5B, 0x1E5B, 'L', 0},
    {0x1E5D, 0x1E5D, 'L', 0}, {0x1E5F, 0x1E5F, 'L', 0},
    {0x1E61, 0x1E61, 'L', 0}, {0x1E63, 0x1E63, 'L', 0},
    {0x1E65, 0x1E65, 'L', 0}, {0x1E67, 0x1E67, 'L', 0},
    {0x1E69, 0x1E69, 'L', 0}, {0x1E6B, 0x1E6B, 'L', 0},
    {0x1E6D, 0x1E6D, 'L', 0}, {0x1E6F, 0x1E6F, 'L', 0},
    {0x1E71, 0x1E71, 'L', 0}, {0x1E73, 0x1E73, 'L', 0},
    {0x1E75, 0x1E75, 'L', 0}, {0x1E77, 0x1E77, 'L', 0},
    {0x1E79, 0x1E79, 'L', 0}, {0x1E7B, 0x1E7B, 'L', 0},
    {0x1E7D, 0x1E7D, 'L', 0}, {0x1E7F, 0x1E7F, 'L', 0},
    {0x1E81, 0x1E81, 'L', 0}, {0x1E83, 0x1E83, 'L', 0},
    {0x1E85, 0x1E85, 'L', 0}, {0x1E87, 0x1E87, 'L', 0},
    {0x1E89, 0x1E89, 'L', 0}, {0x1E8B, 0x1E8B, 'L', 0},
    {0x1E8D, 0x1E8D, 'L', 0}, {0x1E8F, 0x1E8F, 'L', 0},
    {0x1E91, 0x1E91, 'L', 0}, {0x1E93, 0x1E93, 'L', 0},
    {0x1E95, 0x1E99, 'L', 0}, {0x1E9C, 0x1E9D, 'O', 0},
    {0x1E9F, 0x1E9F, 'O', 0}, {0x1EA1, 0x1EA1, 'L', 0},
    {0x1EA3, 0x1EA3, 'L', 0}, {0x1EA5, 0x1EA5, 'L', 0},
    {0x1EA7, 0x1EA7, 'L', 0}, {0x1EA9, 0x1EA9, 'L', 0},
    {0x1EAB, 0x1EAB, 'L', 0}, {0x1EAD, 0x1EAD, 'L', 0},
    {0x1EAF, 0x1EAF, 'L', 0}, {0x1EB1, 0x1EB1, 'L', 0},
    {0x1EB3, 0x1EB3, 'L', 0}, {0x1EB5, 0x1EB5, 'L', 0},
    {0x1EB7, 0x1EB7, 'L', 0}, {0x1EB9, 0x1EB9, 'L', 0},
    {0x1EBB, 0x1EBB, 'L', 0}, {0x1EBD, 0x1EBD, 'L', 0},
    {0x1EBF, 0x1EBF, 'L', 0}, {0x1EC1, 0x1EC1, 'L', 0},
    {0x1EC3, 0x1EC3, 'L', 0}, {0x1EC5, 0x1EC5, 'L', 0},
    {0x1EC7, 0x1EC7, 'L', 0}, {0x1EC9, 0x1EC9, 'L', 0},
    {0x1ECB, 0x1ECB, 'L', 0}, {0x1ECD, 0x1ECD, 'L', 0},
    {0x1ECF, 0x1ECF, 'L', 0}, {0x1ED1, 0x1ED1, 'L', 0},
    {0x1ED3, 0x1ED3, 'L', 0}, {0x1ED5, 0x1ED5, 'L', 0},
    {0x1ED7, 0x1ED7, 'L', 0}, {0x1ED9, 0x1ED9, 'L', 0},
    {0x1EDB, 0x1EDB, 'L', 0}, {0x1EDD, 0x1EDD, 'L', 0},
    {0x1EDF, 0x1EDF, 'L', 0}, {0x1EE1, 0x1EE1, 'L', 0},
    {0x1EE3, 0x1EE3, 'L', 0}, {0x1EE5, 0x1EE5, 'L', 0},
    {0x1EE7, 0x1EE7, 'L', 0}, {0x1EE9, 0x1EE9, 'L', 0},
    {0x1EEB, 0x1EEB, 'L', 0}, {0x1EED, 0x1EED, 'L', 0},
    {0x1EEF, 0x1EEF, 'L', 0}, {0x1EF1, 0x1EF1, 'L', 0},
    {0x1EF3, 0x1EF3, 'L', 0}, {0x1EF5, 0x1EF5, 'L', 0},
    {0x1EF7, 0x1EF7, 'L', 0}, {0x1EF9, 0x1EF9, 'L', 0},
    {0x1EFB, 0x1EFB, 'O', 0}, {0x1EFD, 0x1EFD, 'O', 0},
    {0x1EFF, 0x1EFF, 'O', 0}, {0x1F00, 0x1F07, 'L', 0},
    {0x1F10, 0x1F15, 'L', 0}, {0x1F16, 0x1F17, 'O', 0},
    {0x1F1E, 0x1F1F, 'O', 0}, {0x1F20, 0x1F27, 'L', 0},
    {0x1F30, 0x1F37, 'L', 0}, {0x1F40, 0x1F45, 'L', 0},
    {0x1F46, 0x1F47, 'O', 0}, {0x1F4E, 0x1F4F, 'O', 0},
    {0x1F50, 0x1F57, 'L', 0}, {0x1F58, 0x1F58, 'O', 0},
    {0x1F5A, 0x1F5A, 'O', 0}, {0x1F5C, 0x1F5C, 'O', 0},
    {0x1F5E, 0x1F5E, 'O', 0}, {0x1F60, 0x1F67, 'L', 0},
    {0x1F70, 0x1F70, 'L', 0}, {0x1F72, 0x1F72, 'L', 0},
    {0x1F74, 0x1F74, 'L', 0}, {0x1F76, 0x1F76, 'L', 0},
    {0x1F78, 0x1F78, 'L', 0}, {0x1F7A, 0x1F7A, 'L', 0},
    {0x1F7C, 0x1F7C, 'L', 0}, {0x1F7E, 0x1F7F, 'O', 0},
    {0x1FB0, 0x1FB1, 'L', 0}, {0x1FB5, 0x1FB5, 'O', 0},
    {0x1FB6, 0x1FB6, 'L', 0}, {0x1FC5, 0x1FC5, 'O', 0},
    {0x1FC6, 0x1FC6, 'L', 0}, {0x1FD0, 0x1FD2, 'L', 0},
    {0x1FD4, 0x1FD5, 'O', 0}, {0x1FD6, 0x1FD7, 'L', 0},
    {0x1FDC, 0x1FDC, 'O', 0}, {0x1FE0, 0x1FE2, 'L', 0},
    {0x1FE4, 0x1FE7, 'L', 0}, {0x1FF0, 0x1FF1, 'O', 0},
    {0x1FF5, 0x1FF5, 'O', 0}, {0x1FF6, 0x1FF6, 'L', 0},
    {0x1FFF, 0x1FFF, 'O', 0}, {0x2010, 0x2010, 'O', 0},
    {0x2012, 0x2016, 'O', 0}, {0x2018, 0x2023, 'O', 0},
    {0x2027, 0x2027, 'O', 0}, {0x2030, 0x2032, 'O', 0},
    {0x2035, 0x2035, 'O', 0}, {0x2038, 0x203B, 'O', 0},
    {0x203D, 0x203D, 'O', 0}, {0x203F, 0x2046, 'O', 0},
    {0x204A, 0x2056, 'O', 0}, {0x2058, 0x205E, 'O', 0},
    {0x2064, 0x2069, 'O', 0}, {0x2072, 0x2073, 'O', 0},
    {0x208F, 0x20A7, 'O', 0}, {0x20A9, 0x20CF, 'O', 0},
    {0x20D0, 0x20D1, 'O', 230}, {0x20D2, 0x20D3, 'O', 1},
    {0x20D4, 0x20D7, 'O', 230}, {0x20D8, 0x20DA, 'O', 1},
    {0x20DB, 0x20DC, 'O', 230}, {0x20DD, 0x20E0, 'O', 0},
    {0x20E1, 0x20E1, 'O', 230}, {0x20E2, 0x20E4, 'O', 0},
    {0x20E5, 0x20E6, 'O', 1}, {0x20E7, 0x20E7, 'O', 230},
    {0x20E8, 0x20E8, 'O', 220}, {0x20E9, 0x20E9, 'O', 230},
    {0x20EA, 0x20EA, 'O', 1}, {0x20EB, 0x20FF, 'O', 0},
    {0x2104, 0x2104, 'O', 0}, {0x2108, 0x2108, 'O', 0},
    {0x2114, 0x2114, 'O', 0}, {0x2117, 0x2118, 'O', 0},
    {0x211E, 0x211F, 'O', 0}, {0x2123, 0x2123, 'O', 0},
    {0x2125, 0x2125, 'O', 0}, {0x2127, 0x2127, 'O', 0},
    {0x2129, 0x2129, 'O', 0}, {0x212E, 0x212E, 'O', 0},
    {0x213A, 0x213C, 'O', 0}, {0x2141, 0x2144, 'O', 0},
    {0x214A, 0x2152, 'O', 0}, {0x2180, 0x2182, 'L', 0},
    {0x2184, 0x222B, 'O', 0}, {0x222E, 0x222E, 'O', 0},
    {0x2231, 0x2328, 'O', 0}, {0x232B, 0x2335, 'O', 0},
    {0x2336, 0x237A, 'L', 0}, {0x237B, 0x2394, 'O', 0},
    {0x2395, 0x2395, 'L', 0}, {0x2396, 0x245F, 'O', 0},
    {0x24EB, 0x2A0B, 'O', 0}, {0x2A0D, 0x2A73, 'O', 0},
    {0x2A77, 0x2ADB, 'O', 0}, {0x2ADD, 0x2BFF, 'O', 0},
    {0x2C30, 0x2C5F, 'O', 0}, {0x2C61, 0x2C61, 'O', 0},
    {0x2C65, 0x2C66, 'O', 0}, {0x2C68, 0x2C68, 'O', 0},
    {0x2C6A, 0x2C6A, 'O', 0}, {0x2C6C, 0x2C6C, 'O', 0},
    {0x2C71, 0x2C71, 'O', 0}, {0x2C73, 0x2C74, 'O', 0},
    {0x2C76, 0x2C7D, 'O', 0}, {0x2C81, 0x2C81, 'O', 0},
    {0x2C83, 0x2C83, 'O', 0}, {0x2C85, 0x2C85, 'O', 0},
    {0x2C87, 0x2C87, 'O', 0}, {0x2C89, 0x2C89, 'O', 0},
    {0x2C8B, 0x2C8B, 'O', 0}, {0x2C8D, 0x2C8D, 'O', 0},
    {0x2C8F, 0x2C8F, 'O', 0}, {0x2C91, 0x2C91, 'O', 0},
    {0x2C93, 0x2C93, 'O', 0}, {0x2C95, 0x2C95, 'O', 0},
    {0x2C97, 0x2C97, 'O', 0}, {0x2C99, 0x2C99, 'O', 0},
    {0x2C9B, 0x2C9B, 'O', 0}, {0x2C9D, 0x2C9D, 'O', 0},
    {0x2C9F, 0x2C9F, 'O', 0}, {0x2CA1, 0x2CA1, 'O', 0},
    {0x2CA3, 0x2CA3, 'O', 0}, {0x2CA5, 0x2CA5, 'O', 0},
    {0x2CA7, 0x2CA7, 'O', 0}, {0x2CA9, 0x2CA9, 'O', 0},
    {0x2CAB, 0x2CAB, 'O', 0}, {0x2CAD, 0x2CAD, 'O', 0},
    {0x2CAF, 0x2CAF, 'O', 0}, {0x2CB1, 0x2CB1, 'O', 0},
    {0x2CB3, 0x2CB3, 'O', 0}, {0x2CB5, 0x2CB5, 'O', 0},
    {0x2CB7, 0x2CB7, 'O', 0}, {0x2CB9, 0x2CB9, 'O', 0},
    {0x2CBB, 0x2CBB, 'O', 0}, {0x2CBD, 0x2CBD, 'O', 0},
    {0x2CBF, 0x2CBF, 'O', 0}, {0x2CC1, 0x2CC1, 'O', 0},
    {0x2CC3, 0x2CC3, 'O', 0}, {0x2CC5, 0x2CC5, 'O', 0},
    {0x2CC7, 0x2CC7, 'O', 0}, {0x2CC9, 0x2CC9, 'O', 0},
    {0x2CCB, 0x2CCB, 'O', 0}, {0x2CCD, 0x2CCD, 'O', 0},
    {0x2CCF, 0x2CCF, 'O', 0}, {0x2CD1, 0x2CD1, 'O', 0},
    {0x2CD3, 0x2CD3, 'O', 0}, {0x2CD5, 0x2CD5, 'O', 0},
    {0x2CD7, 0x2CD7, 'O', 0}, {0x2CD9, 0x2CD9, 'O', 0},
    {0x2CDB, 0x2CDB, 'O', 0}, {0x2CDD, 0x2CDD, 'O', 0},
    {0x2CDF, 0x2CDF, 'O', 0}, {0x2CE1, 0x2CE1, 'O', 0},
    {0x2CE3, 0x2CEA, 'O', 0}, {0x2CEC, 0x2CEC, 'O', 0},
    {0x2CEE, 0x2CF1, 'O', 0}, {0x2CF3, 0x2E9E, 'O', 0},
    {0x2EA0, 0x2EF2, 'O', 0}, {0x2EF4, 0x2EFF, 'O', 0},
    {0x2FD6, 0x2FEF, 'O', 0}, {0x2FFC, 0x2FFF, 'O', 0},
    {0x3001, 0x3004, 'O', 0}, {0x3005, 0x3007, 'L', 0},
    {0x3008, 0x3020, 'O', 0}, {0x3021, 0x3029, 'L', 0},
    {0x302A, 0x302A, 'O', 218}, {0x302B, 0x302B, 'O', 228},
    {0x302C, 0x302C, 'O', 232}, {0x302D, 0x302D, 'O', 222},
    {0x302E, 0x302F, 'O', 224}, {0x3030, 0x3030, 'O', 0},
    {0x3031, 0x3035, 'L', 0}, {0x3037, 0x3037, 'O', 0},
    {0x303B, 0x303C, 'L', 0}, {0x303D, 0x3040, 'O', 0},
    {0x3041, 0x3096, 'L', 0}, {0x3097, 0x3098, 'O', 0},
    {0x309D, 0x309E, 'L', 0}, {0x30A0, 0x30A0, 'O', 0},
    {0x30A1, 0x30FA, 'L', 0}, {0x30FB, 0x30FB, 'O', 0},
    {0x30FC, 0x30FE, 'L', 0}, {0x3100, 0x3104, 'O', 0},
    {0x3105, 0x312C, 'L', 0}, {0x312D, 0x3130, 'O', 0},
    {0x318F, 0x318F, 'O', 0}, {0x3190, 0x3191, 'L', 0},
    {0x31A0, 0x31B7, 'L', 0}, {0x31B8, 0x31EF, 'O', 0},
    {0x31F0, 0x31FF, 'L', 0}, {0x321D, 0x321F, 'O', 0},
    {0x3244, 0x3250, 'O', 0}, {0x327C, 0x327E, 'O', 0},
    {0x327F, 0x327F, 'L', 0}, {0x32CC, 0x32CF, 'O', 0},
    {0x32FF, 0x32FF, 'O', 0}, {0x3377, 0x337A, 'O', 0},
    {0x33DE, 0x33DF, 'O', 0}, {0x33FF, 0x33FF, 'O', 0},
    {0x3400, 0x4DB5, 'L', 0}, {0x4DB6, 0x4DFF, 'O', 0},
    {0x4E00, 0x9FA5, 'L', 0}, {0x9FA6, 0x9FFF, 'O', 0},
    {0xA000, 0xA48C, 'L', 0}, {0xA48D, 0xA63F, 'O', 0},
    {0xA641, 0xA641, 'O', 0}, {0xA643, 0xA643, 'O', 0},
    {0xA645, 0xA645, 'O', 0}, {0xA647, 0xA647, 'O', 0},
    {0xA649, 0xA649, 'O', 0}, {0xA64B, 0xA64B, 'O', 0},
    {0xA64D, 0xA64D, 'O', 0}, {0xA64F, 0xA64F, 'O', 0},
    {0xA651, 0xA651, 'O', 0}, {0xA653, 0xA653, 'O', 0},
    {0xA655, 0xA655, 'O', 0}, {0xA657, 0xA657, 'O', 0},
    {0xA659, 0xA659, 'O', 0}, {0xA65B, 0xA65B, 'O', 0},
    {0xA65D, 0xA65D, 'O', 0}, {0xA65F, 0xA65F, 'O', 0},
    {0xA661, 0xA661, 'O', 0}, {0xA663, 0xA663, 'O', 0},
    {0xA665, 0xA665, 'O', 0}, {0xA667, 0xA667, 'O', 0},
    {0xA669, 0xA669, 'O', 0}, {0xA66B, 0xA66B, 'O', 0},
    {0xA66D, 0xA67F, 'O', 0}, {0xA681, 0xA681, 'O', 0},
    {0xA683, 0xA683, 'O', 0}, {0xA685, 0xA685, 'O', 0},
    {0xA687, 0xA687, 'O', 0}, {0xA689, 0xA689, 'O', 0},
    {0xA68B, 0xA68B, 'O', 0}, {0xA68D, 0xA68D, 'O', 0},
    {0xA68F, 0xA68F, 'O', 0}, {0xA691, 0xA691, 'O', 0},
    {0xA693, 0xA693, 'O', 0}, {0xA695, 0xA695, 'O', 0},
    {0xA697, 0xA697, 'O', 0}, {0xA699, 0xA699, 'O', 0},
    {0xA69B, 0xA721, 'O', 0}, {0xA723, 0xA723, 'O', 0},
    {0xA725, 0xA725, 'O', 0}, {0xA727, 0xA727, 'O', 0},
    {0xA729, 0xA729, 'O', 0}, {0xA72B, 0xA72B, 'O', 0},
    {0xA72D, 0xA72D, 'O', 0}, {0xA72F, 0xA731, 'O', 0},
    {0xA733, 0xA733, 'O', 0}, {0xA735, 0xA735, 'O', 0},
    {0xA737, 0xA737, 'O', 0}, {0xA739, 0xA739, 'O', 0},
    {0xA73B, 0xA73B, 'O', 0}, {0xA73D, 0xA73D, 'O', 0},
    {0xA73F, 0xA73F, 'O', 0}, {0xA741, 0xA741, 'O', 0},
    {0xA743, 0xA743, 'O', 0}, {0xA745, 0xA745, 'O', 0},
    {0xA747, 0xA747, 'O', 0}, {0xA749, 0xA749, 'O', 0},
    {0xA74B, 0xA74B, 'O', 0}, {0xA74D, 0xA74D, 'O', 0},
    {0xA74F, 0xA74F, 'O', 0}, {0xA751, 0xA751, 'O', 0},
    {0xA753, 0xA753, 'O', 0}, {0xA755, 0xA755, 'O', 0},
    {0xA757, 0xA757, 'O', 0}, {0xA759, 0xA759, 'O', 0},
    {0xA75B, 0xA75B, 'O', 0}, {0xA75D, 0xA75D, 'O', 0},
    {0xA75F, 0xA75F, 'O', 0}, {0xA761, 0xA761, 'O', 0},
    {0xA763, 0xA763, 'O', 0}, {0xA765, 0xA765, 'O', 0},
    {0xA767, 0xA767, 'O', 0}, {0xA769, 0xA769, 'O', 0},
    {0xA76B, 0xA76B, 'O', 0}, {0xA76D, 0xA76D, 'O', 0},
    {0xA76F, 0xA778, 'O', 0}, {0xA77A, 0xA77A, 'O', 0},
    {0xA77C, 0xA77C, 'O', 0}, {0xA77F, 0xA77F, 'O', 0},
    {0xA781, 0xA781, 'O', 0}, {0xA783, 0xA783, 'O', 0},
    {0xA785, 0xA785, 'O', 0}, {0xA787, 0xA78A, 'O', 0},
    {0xA78C, 0xA78C, 'O', 0}, {0xA78E, 0xA78F, 'O', 0},
    {0xA791, 0xA791, 'O', 0}, {0xA793, 0xA795, 'O', 0},
    {0xA797, 0xA797, 'O', 0}, {0xA799, 0xA799, 'O', 0},
    {0xA79B, 0xA79B, 'O', 0}, {0xA79D, 0xA79D, 'O', 0},
    {0xA79F, 0xA79F, 'O', 0}, {0xA7A1, 0xA7A1, 'O', 0},
    {0xA7A3, 0xA7A3, 'O', 0}, {0xA7A5, 0xA7A5, 'O', 0},
    {0xA7A7, 0xA7A7, 'O', 0}, {0xA7A9, 0xA7A9, 'O', 0},
    {0xA7AF, 0xA7AF, 'O', 0}, {0xA7B5, 0xA7B5, 'O', 0},
    {0xA7B7, 0xA7B7, 'O', 0}, {0xA7B9, 0xA7B9, 'O', 0},
    {0xA7BB, 0xA7BB, 'O', 0}, {0xA7BD, 0xA7BD, 'O', 0},
    {0xA7BF, 0xA7BF, 'O', 0}, {0xA7C1, 0xA7C1, 'O', 0},
    {0xA7C3, 0xA7C3, 'O', 0}, {0xA7C8, 0xA7C8, 'O', 0},
    {0xA7CA, 0xA7CF, 'O', 0}, {0xA7D1, 0xA7D5, 'O', 0},
    {0xA7D7, 0xA7D7, 'O', 0}, {0xA7D9, 0xA7F4, 'O', 0},
    {0xA7F6, 0xABFF, 'O', 0}, {0xAC00, 0xD7A3, 'L', 0},
    {0xD7A4, 0xD7FF, 'O', 0}, {0xFA0E, 0xFA0F, 'L', 0},
    {0xFA11, 0xFA11, 'L', 0}, {0xFA13, 0xFA14, 'L', 0},
    {0xFA1F, 0xFA1F, 'L', 0}, {0xFA21, 0xFA21, 'L', 0},
    {0xFA23, 0xFA24, 'L', 0}, {0xFA27, 0xFA29, 'L', 0},
    {0xFA2E, 0xFA2F, 'O', 0}, {0xFA6B, 0xFAFF, 'O', 0},
    {0xFB07, 0xFB12, 'O', 0}, {0xFB18, 0xFB1C, 'O', 0},
    {0xFB1E, 0xFB1E, 'O', 26}, {0xFB37, 0xFB37, 'O', 0},
    {0xFB3D, 0xFB3D, 'O', 0}, {0xFB3F, 0xFB3F, 'O', 0},
    {0xFB42, 0xFB42, 'O', 0}, {0xFB45, 0xFB45, 'O', 0},
    {0xFBB2, 0xFBD2, 'O', 0}, {0xFD3E, 0xFD4F, 'O', 0},
    {0xFD90, 0xFD91, 'O', 0}, {0xFDC8, 0xFDCF, 'O', 0},
    {0xFDFD, 0xFDFF, 'O', 0}, {0xFE10, 0xFE1F, 'O', 0},
    {0xFE20, 0xFE23, 'O', 230}, {0xFE24, 0xFE2F, 'O', 0},
    {0xFE45, 0xFE48, 'O', 0}, {0xFE53, 0xFE53, 'O', 0},
    {0xFE67, 0xFE67, 'O', 0}, {0xFE6C, 0xFE6F, 'O', 0},
    {0xFE73, 0xFE73, 'R', 0}, {0xFE75, 0xFE75, 'O', 0},
    {0xFEFD, 0xFEFE, 'O', 0}, {0xFF00, 0xFF00, 'O', 0},
    {0xFFBF, 0xFFC1, 'O', 0}, {0xFFC8, 0xFFC9, 'O', 0},
    {0xFFD0, 0xFFD1, 'O', 0}, {0xFFD8, 0xFFD9, 'O', 0},
    {0xFFDD, 0xFFDF, 'O', 0}, {0xFFE7, 0xFFE7, 'O', 0},
    {0xFFEF, 0xFFF8, 'O', 0}, {0x10000, 0x102FF, 'O', 0},
    {0x10300, 0x1031E, 'L', 0}, {0x1031F, 0x1031F, 'O', 0},
    {0x10320, 0x10323, 'L', 0}, {0x10324, 0x1032F, 'O', 0},
    {0x10330, 0x1034A, 'L', 0}, {0x1034B, 0x103FF, 'O', 0},
    {0x10428, 0x1044D, 'L', 0}, {0x1044E, 0x104AF, 'O', 0},
    {0x104D4, 0x1056F, 'O', 0}, {0x1057B, 0x1057B, 'O', 0},
    {0x1058B, 0x1058B, 'O', 0}, {0x10593, 0x10593, 'O', 0},
    {0x10596, 0x10C7F, 'O', 0}, {0x10CB3, 0x1189F, 'O', 0},
    {0x118C0, 0x16E3F, 'O', 0}, {0x16E60, 0x1CFFF, 'O', 0},
    {0x1D000, 0x1D0F5, 'L', 0}, {0x1D0F6, 0x1D0FF, 'O', 0},
    {0x1D100, 0x1D126, 'L', 0}, {0x1D127, 0x1D129, 'O', 0},
    {0x1D12A, 0x1D15D, 'L', 0}, {0x1D165, 0x1D166, 'L', 216},
    {0x1D167, 0x1D169, 'O', 1}, {0x1D16A, 0x1D16C, 'L', 0},
    {0x1D16D, 0x1D16D, 'L', 226}, {0x1D16E, 0x1D172, 'L', 216},
    {0x1D17B, 0x1D182, 'O', 220}, {0x1D183, 0x1D184, 'L', 0},
    {0x1D185, 0x1D189, 'O', 230}, {0x1D18A, 0x1D18B, 'O', 220},
    {0x1D18C, 0x1D1A9, 'L', 0}, {0x1D1AA, 0x1D1AD, 'O', 230},
    {0x1D1AE, 0x1D1BA, 'L', 0}, {0x1D1C1, 0x1D1DD, 'L', 0},
    {0x1D1DE, 0x1D3FF, 'O', 0}, {0x1D455, 0x1D455, 'O', 0},
    {0x1D49D, 0x1D49D, 'O', 0}, {0x1D4A0, 0x1D4A1, 'O', 0},
    {0x1D4A3, 0x1D4A4, 'O', 0}, {0x1D4A7, 0x1D4A8, 'O', 0},
    {0x1D4AD, 0x1D4AD, 'O', 0}, {0x1D4BA, 0x1D4BA, 'O', 0},
    {0x1D4BC, 0x1D4BC, 'O', 0}, {0x1D4C1, 0x1D4C1, 'O', 0},
    {0x1D4C4, 0x1D4C4, 'O', 0}, {0x1D506, 0x1D506, 'O', 0},
    {0x1D50B, 0x1D50C, 'O', 0}, {0x1D515, 0x1D515, 'O', 0},
    {0x1D51D, 0x1D51D, 'O', 0}, {0x1D53A, 0x1D53A, 'O', 0},
    {0x1D53F, 0x1D53F, 'O', 0}, {0x1D545, 0x1D545, 'O', 0},
    {0x1D547, 0x1D549, 'O', 0}, {0x1D551, 0x1D551, 'O', 0},
    {0x1D6A4, 0x1D6A7, 'O', 0}, {0x1D7CA, 0x1D7CD, 'O', 0},
    {0x1D800, 0x1E8FF, 'O', 0}, {0x1E922, 0x1FFFD, 'O', 0},
    {0x20000, 0x2A6D6, 'L', 0}, {0x2A6D7, 0x2F7FF, 'O', 0},
    {0x2FA1E, 0x2FFFD, 'O', 0}, {0x30000, 0x3FFFD, 'O', 0},
    {0x40000, 0x4FFFD, 'O', 0}, {0x50000, 0x5FFFD, 'O', 0},
    {0x60000, 0x6FFFD, 'O', 0}, {0x70000, 0x7FFFD, 'O', 0},
    {0x80000, 0x8FFFD, 'O', 0}, {0x90000, 0x9FFFD, 'O', 0},
    {0xA0000, 0xAFFFD, 'O', 0}, {0xB0000, 0xBFFFD, 'O', 0},
    {0xC0000, 0xCFFFD, 'O', 0}, {0xD0000, 0xDFFFD, 'O', 0},
    {0xE0000, 0xE0000, 'O', 0}, {0xE0002, 0xE001F, 'O', 0},
    {0xE0080, 0xEFFFD, 'O', 0},
    /* END IDNA_RANGES */
};

static const idna_range *idna_lookup(uint32_t cp) {
    size_t lo = 0, hi = sizeof IDNA_RANGES / sizeof *IDNA_RANGES;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < IDNA_RANGES[mid].lo)
            hi = mid;
        else if (cp > IDNA_RANGES[mid].hi)
            lo = mid + 1;
        else
            return &IDNA_RANGES[mid];
    }
    return NULL;
}

#define IDNA_MAX_LABEL 63 /* ToASCII's limit: longer labels never round-trip */

/* encodings.punycode: T(), adapt() */
static uint64_t puny_t(uint64_t j, uint64_t bias) {
    uint64_t k = 36 * (j + 1);
    if (k <= bias + 1)
        return 1;
    return k - bias > 26 ? 26 : k - bias;
}

static uint64_t puny_adapt(uint64_t delta, int first, uint64_t numchars) {
    delta = first ? delta / 700 : delta / 2;
    delta += delta / numchars;
    uint64_t divisions = 0;
    while (delta > 455) {
        delta /= 35;
        divisions += 36;
    }
    return divisions + (36 * delta) / (delta + 38);
}

/* punycode_decode(text, "strict"); 0 where Python raises. */
static int puny_decode(span text, uint32_t *out, size_t *out_len) {
    const char *dash = span_rfind(text, '-');
    size_t nb = dash ? (size_t)(dash - text.p) : 0;
    size_t n = 0;
    for (size_t i = 0; i < nb; i++)
        out[n++] = (unsigned char)text.p[i];
    span ext = dash ? mkspan(dash + 1, text.n - nb - 1) : text;
    const uint64_t limit = (uint64_t)(IDNA_MAX_LABEL + 2) * 0x110000u;
    uint64_t ch = 0x80, bias = 72;
    uint64_t pos = (uint64_t)-1; /* -1 */
    size_t e = 0;
    while (e < ext.n) {
        size_t start = e;
        uint64_t result = 0, w = 1;
        for (uint64_t j = 0;; j++) {
            if (e >= ext.n)
                return 0; /* incomplete */
            unsigned char c = lower((unsigned char)ext.p[e++]);
            uint64_t digit;
            if (c >= 'a' && c <= 'z')
                digit = (uint64_t)(c - 'a');
            else if (is_digit(c))
                digit = (uint64_t)(c - '0') + 26;
            else
                return 0;
            uint64_t t = puny_t(j, bias);
            result += digit * w;
            if (result > limit)
                return 0; /* the code point would pass U+10FFFF */
            if (digit < t)
                break;
            w *= 36 - t;
            if (w > limit)
                w = limit + 1;
        }
        pos += result + 1;
        ch += pos / (n + 1);
        if (ch > 0x10FFFF)
            return 0;
        pos %= n + 1;
        memmove(out + pos + 1, out + pos, (n - pos) * sizeof *out);
        out[pos] = (uint32_t)ch;
        n++;
        bias = puny_adapt(result, start == 0, n);
    }
    *out_len = n;
    return 1;
}

/* punycode_encode(text) into b (RFC 3492, as encodings.punycode) */
static void puny_encode(sbuf *b, const uint32_t *cps, size_t n) {
    size_t basic = 0;
    for (size_t i = 0; i < n; i++)
        if (cps[i] < 0x80) {
            sb_putc(b, (char)cps[i]);
            basic++;
        }
    if (basic)
        sb_putc(b, '-');
    uint64_t cur = 0x80, delta = 0, bias = 72;
    size_t h = basic;
    int first = 1;
    while (h < n) {
        uint64_t m = UINT64_MAX;
        for (size_t i = 0; i < n; i++)
            if (cps[i] >= cur && cps[i] < m)
                m = cps[i];
        delta += (m - cur) * (h + 1);
        cur = m;
        for (size_t i = 0; i < n; i++) {
            if (cps[i] < cur) {
                delta++;
            } else if (cps[i] == cur) {
                uint64_t q = delta;
                for (uint64_t k = 36;; k += 36) {
                    uint64_t t = k <= bias ? 1 : (k >= bias + 26 ? 26 : k - bias);
                    if (q < t)
                        break;
                    uint64_t d = t + (q - t) % (36 - t);
                    sb_putc(b, (char)(d < 26 ? 'a' + d : '0' + d - 26));
                    q = (q - t) / (36 - t);
                }
                sb_putc(b, (char)(q < 26 ? 'a' + q : '0' + q - 26));
                bias = puny_adapt(delta, first, h + 1);
                first = 0;
                delta = 0;
                h++;
            }
        }
        delta++;
        cur++;
    }
}

/* label.decode("idna") for one ASCII label; appends the Unicode form and
 * returns 1 when Python's ToUnicode succeeds, else 0 (nothing appended). */
static int idna_to_unicode(sbuf *b, span label) {
    if (label.n < 4 || memcmp(label.p, "xn--", 4) != 0 || label.n > IDNA_MAX_LABEL)
        return 0;
    uint32_t d[IDNA_MAX_LABEL], low[IDNA_MAX_LABEL];
    size_t n;
    if (!puny_decode(mkspan(label.p + 4, label.n - 4), d, &n))
        return 0;
    /* ToASCII(D) == label.lower(): nameprep must leave D alone up to ASCII
     * case, the result must not start with "xn--" and must encode back. */
    int any_r = 0, any_l = 0, non_ascii = 0;
    unsigned prev_ccc = 0;
    char first_kind = 0, last_kind = 0;
    for (size_t i = 0; i < n; i++) {
        char kind;
        unsigned ccc = 0;
        low[i] = d[i];
        if (d[i] < 0x80) {
            low[i] = lower((unsigned char)d[i]);
            kind = is_alpha((unsigned char)d[i]) ? 'L' : 'O';
        } else {
            const idna_range *r = idna_lookup(d[i]);
            if (!r)
                return 0;
            kind = r->kind;
            ccc = r->ccc;
            non_ascii = 1;
        }
        if (ccc && prev_ccc > ccc)
            return 0; /* NFKC would reorder the marks */
        prev_ccc = ccc;
        any_r |= kind == 'R';
        any_l |= kind == 'L';
        if (i == 0)
            first_kind = kind;
        last_kind = kind;
    }
    if (!non_ascii)
        return 0;
    if (any_r && (any_l || first_kind != 'R' || last_kind != 'R'))
        return 0; /* nameprep's bidi rules */
    if (n >= 4 && low[0] == 'x' && low[1] == 'n' && low[2] == '-' && low[3] == '-')
        return 0;
    sbuf enc = {0};
    sb_add(&enc, "xn--", 4);
    puny_encode(&enc, low, n);
    int same = !enc.failed && enc.len == label.n;
    for (size_t i = 0; same && i < label.n; i++)
        same = enc.p[i] == (char)lower((unsigned char)label.p[i]);
    sb_free(&enc);
    if (!same)
        return 0;
    for (size_t i = 0; i < n; i++)
        sb_utf8(b, d[i]);
    return 1;
}

/* ------------------------------------------------------------------------
 * Werkzeug's URL parsing (werkzeug.urls.url_parse / url_unparse / uri_to_iri)
 * ------------------------------------------------------------------------ */
typedef struct wzurl {
    span scheme, netloc, path, query, fragment;
} wzurl;

/* werkzeug.urls.url_parse; 0 where it raises ("Invalid IPv6 URL"). The
 * scheme is not lower-cased here: wz_scheme_lower() says whether it must be. */
static int wz_url_parse(span url, wzurl *u) {
    memset(u, 0, sizeof *u);
    u->scheme = mkspan(url.p, 0);
    const char *colon = span_find(url, ':');
    if (colon && colon > url.p) {
        size_t i = (size_t)(colon - url.p);
        /* _scheme_re = ^[a-zA-Z0-9+-.]+$ ('+-.' is the range + , - .), and
         * '$' also matches before a final newline */
        size_t j = 0;
        while (j < i && (is_alpha((unsigned char)url.p[j]) || is_digit((unsigned char)url.p[j]) ||
                         (url.p[j] >= '+' && url.p[j] <= '.')))
            j++;
        int match = j == i || (j + 1 == i && j > 0 && url.p[j] == '\n');
        if (match) {
            span rest = mkspan(colon + 1, url.n - i - 1);
            int port = rest.n > 0;
            for (size_t k = 0; k < rest.n && port; k++)
                port = is_digit((unsigned char)rest.p[k]);
            if (!port) {
                u->scheme = mkspan(url.p, i);
                url = rest;
            }
        }
    }
    u->netloc = mkspan(url.p, 0);
    if (url.n >= 2 && url.p[0] == '/' && url.p[1] == '/') {
        size_t e = 2;
        while (e < url.n && url.p[e] != '/' && url.p[e] != '?' && url.p[e] != '#')
            e++;
        u->netloc = mkspan(url.p + 2, e - 2);
        url = mkspan(url.p + e, url.n - e);
        if (!span_find(u->netloc, '[') != !span_find(u->netloc, ']'))
            return 0;
    }
    u->fragment = mkspan(url.p + url.n, 0);
    const char *hash = span_find(url, '#');
    if (hash) {
        u->fragment = mkspan(hash + 1, url.n - (size_t)(hash + 1 - url.p));
        url.n = (size_t)(hash - url.p);
    }
    u->query = mkspan(url.p + url.n, 0);
    const char *q = span_find(url, '?');
    if (q) {
        u->query = mkspan(q + 1, url.n - (size_t)(q + 1 - url.p));
        url.n = (size_t)(q - url.p);
    }
    u->path = url;
    return 1;
}

/* url_unquote(s, errors="werkzeug.url_quote", unsafe=_to_iri_unsafe):
 * escapes of non-reserved bytes decoded, then every byte that is not part
 * of a valid UTF-8 sequence quoted again. */
static void sb_iri_unquote(sbuf *b, span s) {
    sbuf raw = {0};
    sb_unquote(&raw, s.p, s.n, UNSAFE_IRI, 0);
    if (raw.failed) {
        b->failed = 1;
        sb_free(&raw);
        return;
    }
    const unsigned char *u = (const unsigned char *)raw.p;
    for (size_t i = 0; i < raw.len;) {
        int ok;
        size_t k = utf8_next(u + i, raw.len - i, &ok, NULL);
        if (ok) {
            sb_add(b, raw.p + i, k);
        } else {
            for (size_t j = 0; j < k; j++)
                sb_pct(b, u[i + j]);
        }
        i += k;
    }
    sb_free(&raw);
}

/* Python's isspace() for the characters a latin-1 str can hold, on UTF-8. */
static size_t py_space_at(span s, size_t i) {
    unsigned char c = (unsigned char)s.p[i];
    if (c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F))
        return 1;
    if (c == 0xC2 && i + 1 < s.n &&
        ((unsigned char)s.p[i + 1] == 0x85 || (unsigned char)s.p[i + 1] == 0xA0))
        return 2;
    return 0;
}

static size_t py_space_before(span s, size_t end) {
    if (end >= 1 && py_space_at(s, end - 1) == 1)
        return 1;
    if (end >= 2 && py_space_at(s, end - 2) == 2)
        return 2;
    return 0;
}

/* int(s) for a port: Python's int() on str (surrounding whitespace, a sign,
 * '_' between digits). -1 when it raises or is outside 0..65535. */
static long py_port(span s) {
    size_t a = 0, e = s.n, k;
    while (a < e && (k = py_space_at(s, a)) != 0)
        a += k;
    while (e > a && (k = py_space_before(s, e)) != 0)
        e -= k;
    int neg = 0;
    if (a < e && (s.p[a] == '+' || s.p[a] == '-')) {
        neg = s.p[a] == '-';
        a++;
    }
    if (a >= e || !is_digit((unsigned char)s.p[a]) || !is_digit((unsigned char)s.p[e - 1]))
        return -1;
    long v = 0;
    for (size_t i = a; i < e; i++) {
        if (s.p[i] == '_') {
            if (!is_digit((unsigned char)s.p[i + 1]))
                return -1; /* "__" (a trailing '_' was refused above) */
            continue;
        }
        if (!is_digit((unsigned char)s.p[i]))
            return -1;
        if (v <= 65535)
            v = v * 10 + (s.p[i] - '0');
    }
    if (v > 65535 || (neg && v != 0))
        return -1;
    return v;
}

/* _url_unquote_legacy(s, "/:%@"): UTF-8 if the unquoted bytes are, else
 * latin-1. %00 stays as it is: the result is a C string (werkzeug would put
 * a NUL in the URL). */
static void sb_unquote_legacy(sbuf *b, span s) {
    sbuf raw = {0};
    sb_unquote(&raw, s.p, s.n, UNSAFE_AUTH, 0);
    if (raw.failed) {
        b->failed = 1;
    } else if (utf8_valid(raw.p ? raw.p : "", raw.len)) {
        sb_add(b, raw.p, raw.len);
    } else {
        sb_latin1(b, raw.p, raw.len);
    }
    sb_free(&raw);
}

/* _decode_idna(host) */
static void sb_decode_idna(sbuf *b, span host) {
    if (!span_is_ascii(host)) {
        sb_add(b, host.p, host.n);
        return;
    }
    size_t start = 0;
    for (size_t i = 0; i <= host.n; i++) {
        if (i < host.n && host.p[i] != '.')
            continue;
        if (start)
            sb_putc(b, '.');
        span label = mkspan(host.p + start, i - start);
        if (!idna_to_unicode(b, label))
            sb_add(b, label.p, label.n);
        start = i + 1;
    }
}

/* BaseURL.decode_netloc() */
static void sb_decode_netloc(sbuf *b, span netloc) {
    span auth = mkspan("", 0), rv = netloc;
    int has_auth = 0;
    const char *at = span_find(netloc, '@');
    if (at) {
        has_auth = 1;
        auth = mkspan(netloc.p, (size_t)(at - netloc.p));
        rv = mkspan(at + 1, netloc.n - auth.n - 1);
    }
    /* _split_host */
    span host = mkspan("", 0), port = mkspan("", 0);
    int has_port = 0;
    if (rv.n) {
        if (rv.p[0] != '[') {
            const char *c = span_find(rv, ':');
            if (c) {
                host = mkspan(rv.p, (size_t)(c - rv.p));
                port = mkspan(c + 1, rv.n - host.n - 1);
                has_port = 1;
            } else {
                host = rv;
            }
        } else {
            const char *rb = span_find(rv, ']');
            if (!rb) {
                host = rv;
            } else {
                host = mkspan(rv.p + 1, (size_t)(rb - rv.p - 1));
                span rest = mkspan(rb + 1, rv.n - (size_t)(rb + 1 - rv.p));
                if (rest.n && rest.p[0] == ':') {
                    port = mkspan(rest.p + 1, rest.n - 1);
                    has_port = 1;
                }
            }
        }
    }
    sbuf h = {0};
    sb_decode_idna(&h, host);
    if (h.failed) {
        b->failed = 1;
        sb_free(&h);
        return;
    }
    span hs = mkspan(h.p ? h.p : "", h.len);
    int bracket = span_find(hs, ':') != NULL;
    long pn = has_port ? py_port(port) : -1;
    /* auth: ":".join(filter(None, [user, password])) */
    sbuf a = {0};
    if (has_auth && auth.n) {
        const char *c = span_find(auth, ':');
        span user = c ? mkspan(auth.p, (size_t)(c - auth.p)) : auth;
        sb_unquote_legacy(&a, user);
        if (c) {
            size_t before = a.len;
            sbuf pw = {0};
            sb_unquote_legacy(&pw, mkspan(c + 1, auth.n - user.n - 1));
            if (pw.len) {
                if (before)
                    sb_putc(&a, ':');
                sb_add(&a, pw.p, pw.len);
            }
            if (pw.failed)
                a.failed = 1;
            sb_free(&pw);
        }
        if (a.failed)
            b->failed = 1;
    }
    if (a.len) {
        sb_add(b, a.p, a.len);
        sb_putc(b, '@');
    }
    if (bracket)
        sb_putc(b, '[');
    sb_add(b, hs.p, hs.n);
    if (bracket)
        sb_putc(b, ']');
    if (pn >= 0) {
        char t[8];
        size_t k = sizeof t;
        long v = pn;
        do {
            t[--k] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        sb_putc(b, ':');
        sb_add(b, t + k, sizeof t - k);
    }
    sb_free(&a);
    sb_free(&h);
}

/* werkzeug.urls.uri_to_iri(uri); 0 where url_parse raises. */
static int sb_uri_to_iri(sbuf *b, span uri) {
    wzurl u;
    if (!wz_url_parse(uri, &u))
        return 0;
    sbuf netloc = {0}, path = {0}, query = {0}, frag = {0};
    sb_decode_netloc(&netloc, u.netloc);
    sb_iri_unquote(&path, u.path);
    sb_iri_unquote(&query, u.query);
    sb_iri_unquote(&frag, u.fragment);
    if (netloc.failed || path.failed || query.failed || frag.failed)
        b->failed = 1;
    /* url_unparse; scheme lower-cased as url_parse does */
    int has_path = path.len > 0;
    int path_slash = has_path && path.p[0] == '/';
    if (netloc.len || (u.scheme.n && path_slash)) {
        if (u.scheme.n) {
            for (size_t i = 0; i < u.scheme.n; i++)
                sb_putc(b, (char)lower((unsigned char)u.scheme.p[i]));
            sb_putc(b, ':');
        }
        sb_add(b, "//", 2);
        sb_add(b, netloc.p, netloc.len);
        if (has_path && !path_slash)
            sb_putc(b, '/');
        sb_add(b, path.p, path.len);
    } else {
        if (u.scheme.n) {
            for (size_t i = 0; i < u.scheme.n; i++)
                sb_putc(b, (char)lower((unsigned char)u.scheme.p[i]));
            sb_putc(b, ':');
        }
        sb_add(b, path.p, path.len);
    }
    if (query.len) {
        sb_putc(b, '?');
        sb_add(b, query.p, query.len);
    }
    if (frag.len) {
        sb_putc(b, '#');
        sb_add(b, frag.p, frag.len);
    }
    sb_free(&netloc);
    sb_free(&path);
    sb_free(&query);
    sb_free(&frag);
    return 1;
}

/* ------------------------------------------------------------------------
 * request.url and request.path
 * ------------------------------------------------------------------------ */

/* The parts of a request-target a server hands to WSGI: the host of an
 * absolute-form target, the raw path, the raw query. */
typedef struct target_parts {
    span host;
    int has_host;
    span path, query;
} target_parts;

static void split_target(const char *target, target_parts *t) {
    span s = mkspan(target, strlen(target));
    memset(t, 0, sizeof *t);
    if (s.n && s.p[0] != '/') {
        wzurl u;
        if (wz_url_parse(s, &u) && u.scheme.n && u.netloc.n) {
            t->host = u.netloc;
            t->has_host = 1;
            t->path = u.path;
            t->query = u.query;
            return;
        }
    }
    const char *hash = span_find(s, '#');
    if (hash)
        s.n = (size_t)(hash - s.p);
    const char *q = span_find(s, '?');
    t->path = q ? mkspan(s.p, (size_t)(q - s.p)) : s;
    t->query = q ? mkspan(q + 1, s.n - t->path.n - 1) : mkspan(s.p + s.n, 0);
}

/* PATH_INFO decoded the way Request does: unquote to bytes, UTF-8 with
 * U+FFFD, leading slashes removed. */
static void sb_request_path_noslash(sbuf *b, span path) {
    sbuf raw = {0};
    sb_unquote(&raw, path.p, path.n, UNSAFE_NONE, 0);
    if (raw.failed) {
        b->failed = 1;
        sb_free(&raw);
        return;
    }
    size_t i = 0;
    while (i < raw.len && raw.p[i] == '/')
        i++;
    sb_decode_replace(b, raw.p ? raw.p + i : "", raw.len - i);
    sb_free(&raw);
}

clogin_status clogin__split_target(const char *target, char **path,
                                   char **query) {
    if (path)
        *path = NULL;
    if (query)
        *query = NULL;
    target_parts t;
    split_target(target ? target : "/", &t);
    if (path) {
        sbuf b = {0};
        sb_putc(&b, '/');
        sb_request_path_noslash(&b, t.path);
        if (sb_finish(&b, path, NULL) != CLOGIN_OK)
            return CLOGIN_ENOMEM;
    }
    if (query) {
        sbuf b = {0};
        sb_add(&b, t.query.p, t.query.n);
        if (sb_finish(&b, query, NULL) != CLOGIN_OK) {
            if (path) {
                free(*path);
                *path = NULL;
            }
            return CLOGIN_ENOMEM;
        }
    }
    return CLOGIN_OK;
}

static int ends_with(span s, const char *suffix) {
    size_t n = strlen(suffix);
    return s.n >= n && memcmp(s.p + s.n - n, suffix, n) == 0;
}

char *clogin__request_url(const char *scheme, const char *host,
                          const char *target) {
    if (!scheme)
        scheme = "http";
    if (!host)
        host = "";
    target_parts t;
    split_target(target ? target : "/", &t);
    span raw_host = t.has_host ? t.host : mkspan(host, strlen(host));

    /* get_host(): the Host header as a latin-1 str, default port dropped */
    sbuf h = {0};
    sb_latin1(&h, raw_host.p, raw_host.n);
    if (h.failed) {
        sb_free(&h);
        return NULL;
    }
    span hs = mkspan(h.p ? h.p : "", h.len);
    span sch = mkspan(scheme, strlen(scheme));
    if ((span_eq_str(sch, "http") || span_eq_str(sch, "ws")) && ends_with(hs, ":80"))
        hs.n -= 3;
    else if ((span_eq_str(sch, "https") || span_eq_str(sch, "wss")) && ends_with(hs, ":443"))
        hs.n -= 4;

    /* get_current_url(scheme, host, root_path="", path, query_string) */
    sbuf uri = {0}, path = {0};
    sb_add(&uri, sch.p, sch.n);
    sb_add(&uri, "://", 3);
    sb_add(&uri, hs.p, hs.n);
    sb_putc(&uri, '/');
    sb_request_path_noslash(&path, t.path);
    sb_quote(&uri, path.p ? path.p : "", path.len, "/:");
    if (path.failed)
        uri.failed = 1;
    sb_free(&path);
    sb_free(&h);
    if (t.query.n) {
        sb_putc(&uri, '?');
        sb_quote(&uri, t.query.p, t.query.n, ":&%=+$!*'(),");
    }
    if (uri.failed) {
        sb_free(&uri);
        return NULL;
    }
    sbuf iri = {0};
    if (!sb_uri_to_iri(&iri, mkspan(uri.p, uri.len))) {
        sb_free(&iri);
        return sb_take(&uri, NULL);
    }
    sb_free(&uri);
    return sb_take(&iri, NULL);
}

/* ------------------------------------------------------------------------
 * Open-redirect check
 * ------------------------------------------------------------------------ */

/* Code points refused anywhere in a target: C1 controls, Unicode white
 * space, zero-width and bidirectional formatting characters, BOM. None
 * belongs in a redirect target; some are stripped or mapped by browsers or
 * URL libraries. */
static int cp_suspicious(uint32_t cp) {
    return (cp >= 0x80 && cp <= 0xA0) || cp == 0xAD || cp == 0x1680 ||
           cp == 0x180E || (cp >= 0x2000 && cp <= 0x200F) ||
           (cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x206F) ||
           cp == 0x3000 || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB);
}

/* A path target: "/" alone, or "/" and then anything but a second slash or
 * a backslash, also after percent-decoding (repeatedly: "%252F" is "/" to a
 * server that decodes twice). */
static int path_target_safe(const unsigned char *t, size_t len) {
    if (len == 1)
        return 1;
    unsigned char w[128];
    size_t n = len < sizeof w ? len : sizeof w;
    memcpy(w, t, n);
    int rounds = 0;
    for (;;) {
        size_t o = 0;
        int decoded = 0;
        for (size_t i = 0; i < n; i++) {
            if (w[i] == '%' && i + 2 < n && hexval(w[i + 1]) >= 0 && hexval(w[i + 2]) >= 0) {
                w[o++] = (unsigned char)(hexval(w[i + 1]) * 16 + hexval(w[i + 2]));
                i += 2;
                decoded = 1;
            } else {
                w[o++] = w[i];
            }
        }
        n = o;
        if (n >= 2 && (w[1] == '/' || w[1] == '\\' || w[1] <= 0x20 || w[1] == 0x7F))
            return 0;
        if (!decoded)
            return 1;
        if (++rounds == 4)
            return 0; /* still encoded after four rounds: refuse */
    }
}

typedef struct hostport {
    span name;
    long port; /* -1: none */
} hostport;

/* host[:port] or [v6]:port; 0 if malformed. */
static int split_hostport(span s, hostport *hp) {
    span port = mkspan("", 0);
    int has_port = 0;
    if (s.n && s.p[0] == '[') {
        const char *rb = span_find(s, ']');
        if (!rb)
            return 0;
        hp->name = mkspan(s.p, (size_t)(rb + 1 - s.p));
        span rest = mkspan(rb + 1, s.n - hp->name.n);
        if (rest.n) {
            if (rest.p[0] != ':')
                return 0;
            port = mkspan(rest.p + 1, rest.n - 1);
            has_port = 1;
        }
    } else {
        const char *c = span_find(s, ':');
        hp->name = c ? mkspan(s.p, (size_t)(c - s.p)) : s;
        if (c) {
            port = mkspan(c + 1, s.n - hp->name.n - 1);
            has_port = 1;
            if (span_find(port, ':'))
                return 0;
        }
    }
    if (hp->name.n == 0)
        return 0;
    hp->port = -1;
    if (has_port) {
        if (port.n == 0 || port.n > 5)
            return 0;
        long v = 0;
        for (size_t i = 0; i < port.n; i++) {
            if (!is_digit((unsigned char)port.p[i]))
                return 0;
            v = v * 10 + (port.p[i] - '0');
        }
        if (v > 65535)
            return 0;
        hp->port = v;
    }
    return 1;
}

static int host_chars_ok(span s) {
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c <= 0x20 || c == 0x7F || strchr("/\\?#@", c))
            return 0;
    }
    return s.n > 0 && utf8_valid(s.p, s.n);
}

static int same_host(span authority, const char *site, int https) {
    if (!site)
        return 0;
    span sh = mkspan(site, strlen(site));
    hostport a, b;
    if (!host_chars_ok(authority) || !host_chars_ok(sh) ||
        !split_hostport(authority, &a) || !split_hostport(sh, &b))
        return 0;
    if (a.name.n != b.name.n)
        return 0;
    for (size_t i = 0; i < a.name.n; i++)
        if (lower((unsigned char)a.name.p[i]) != lower((unsigned char)b.name.p[i]))
            return 0;
    long dflt = https ? 443 : 80;
    long pa = a.port < 0 ? dflt : a.port;
    long pb = b.port < 0 ? dflt : b.port;
    return pa == pb;
}

static int absolute_target_safe(const char *t, size_t len, const char *host) {
    const char *colon = memchr(t, ':', len);
    if (!colon)
        return 0;
    span scheme = mkspan(t, (size_t)(colon - t));
    int https;
    if (scheme.n == 4 || scheme.n == 5) {
        char s[5];
        for (size_t i = 0; i < scheme.n; i++)
            s[i] = (char)lower((unsigned char)scheme.p[i]);
        if (scheme.n == 4 && memcmp(s, "http", 4) == 0)
            https = 0;
        else if (scheme.n == 5 && memcmp(s, "https", 5) == 0)
            https = 1;
        else
            return 0;
    } else {
        return 0;
    }
    size_t i = scheme.n + 1;
    if (len - i < 2 || t[i] != '/' || t[i + 1] != '/')
        return 0;
    i += 2;
    size_t e = i;
    while (e < len && t[e] != '/' && t[e] != '?' && t[e] != '#')
        e++;
    return same_host(mkspan(t + i, e - i), host, https);
}

CLOGIN_API int clogin_url_is_safe(const char *target, size_t len,
                                  const char *host) {
    if (!target || len == 0)
        return 0;
    const unsigned char *t = (const unsigned char *)target;
    for (size_t i = 0; i < len;) {
        unsigned char c = t[i];
        if (c < 0x80) {
            if (c <= 0x20 || c == 0x7F || c == '\\')
                return 0;
            i++;
            continue;
        }
        int ok;
        uint32_t cp = 0;
        size_t k = utf8_next(t + i, len - i, &ok, &cp);
        if (!ok || cp_suspicious(cp))
            return 0;
        i += k;
    }
    if (t[0] == '/')
        return path_target_safe(t, len);
    return absolute_target_safe(target, len, host);
}
