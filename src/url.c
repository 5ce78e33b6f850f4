/* URLs: Flask-Login's next parameter and login URL, Werkzeug's request.url
 * and query-string arguments. (The open-redirect check is url_safe.c.)
 *
 * Byte-compatibility notes. Flask-Login 0.6 builds login URLs with Python's
 * urllib.parse (urlparse / urlunparse of Debian's Python 3.11.2, which has
 * the later _check_bracketed_netloc fix) and Werkzeug 2.2's
 * url_decode / url_encode; request.url is Werkzeug's get_current_url, which
 * ends with uri_to_iri (Werkzeug's own url_parse, an IDNA decoding of the
 * host, percent-decoding of every valid UTF-8 sequence). Each of those steps
 * is reproduced here on UTF-8 bytes, which is exact because every delimiter
 * involved is ASCII. The Python functions are named in the comments. */
#include "url.h"
#include "idna.h"
#include "text.h"
#include "utf8.h"

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

static int span_is_ascii(span s) {
    for (size_t i = 0; i < s.n; i++)
        if ((unsigned char)s.p[i] >= 0x80)
            return 0;
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
        size_t k = clogin__utf8_next(u + i, n - i, &ok, NULL);
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
        i += clogin__utf8_next(u + i, n.n - i, &ok, &cp);
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
    if (!clogin__utf8_valid(login_url, ln) || !clogin__utf8_valid(current_url, cn))
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
    if (!clogin__utf8_valid(login_view, vn) || !clogin__utf8_valid(next_field, strlen(next_field)) ||
        (next_url && !clogin__utf8_valid(next_url, strlen(next_url))) ||
        (force_host && !clogin__utf8_valid(force_host, strlen(force_host))))
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
 * Werkzeug's URL parsing (werkzeug.urls.url_parse / url_unparse / uri_to_iri)
 * ------------------------------------------------------------------------ */
typedef struct wzurl {
    span scheme, netloc, path, query, fragment;
} wzurl;

/* werkzeug.urls.url_parse; 0 where it raises ("Invalid IPv6 URL"). The
 * scheme span is left as written; url_parse lower-cases it, so the writer
 * (sb_uri_to_iri) does. */
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
        size_t k = clogin__utf8_next(u + i, raw.len - i, &ok, NULL);
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
    } else if (clogin__utf8_valid(raw.p ? raw.p : "", raw.len)) {
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
        uint32_t cps[CLOGIN__IDNA_MAX_LABEL];
        size_t ncps;
        if (clogin__idna_to_unicode(label.p, label.n, cps, &ncps))
            for (size_t k = 0; k < ncps; k++)
                sb_utf8(b, cps[k]);
        else
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
