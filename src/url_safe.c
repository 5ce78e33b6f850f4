/* The open-redirect check for "next" targets: clogin_url_is_safe(). */
#include "clogin.h"
#include "text.h"
#include "utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Open-redirect check
 *
 * clogin_url_is_safe() accepts only
 *  (a) a path: "/" alone, or "/" followed by anything but '/' or '\', also
 *      once percent-decoded (up to four times: "/%2F%2Fevil", "/%5Cevil",
 *      "/%252F%252Fevil" are refused, as is a second character that decodes
 *      to a control or a space);
 *  (b) an absolute URL: scheme http or https in any case, exactly "//",
 *      then an authority (up to '/', '?' or '#') equal to host: the name
 *      compared ASCII-case-insensitively, byte for byte otherwise (an IDN
 *      is accepted only in the very form the Host header has), the port as
 *      a number, the scheme's default port (80, 443) equal to no port. The
 *      authority may hold no '@' (userinfo) and must not be empty. The
 *      scheme may differ from the request's (we are not told it): with a
 *      host without port, http://host/ and https://host/ both pass.
 * and refuses, anywhere in the target: bytes 0x00-0x20 and 0x7F (browsers
 * drop tabs and newlines inside URLs and strip spaces around them, so they
 * can hide "//"), '\' (browsers read it as '/'), invalid UTF-8, and the
 * code points of cp_suspicious(). Everything else is refused: relative
 * references ("account", "../x", "?q", "#f": "next" is always made
 * absolute-path by make_next_param), scheme-relative "//host" even to this
 * host, other schemes (javascript:, data:, ftp:...), "http:host" and
 * "https:/host" forms, and any absolute URL when host is NULL, empty or not
 * a plain host[:port] (no '/', '\', '?', '#', '@', space or control).
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
    /* The second character decides; it can only change while it starts a
     * %XX escape. 1 + 3^4 bytes hold four levels of encoding of it. */
    unsigned char w[128];
    size_t n = len < sizeof w ? len : sizeof w;
    memcpy(w, t, n);
    for (int rounds = 0;; rounds++) {
        if (n >= 2 && (w[1] == '/' || w[1] == '\\' || w[1] <= 0x20 || w[1] == 0x7F))
            return 0;
        if (!(n >= 4 && w[1] == '%' && hexval(w[2]) >= 0 && hexval(w[3]) >= 0))
            return 1;
        if (rounds == 4)
            return 0; /* still encoded after four rounds: refuse */
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
            if (w[i] == '%' && i + 2 < n && hexval(w[i + 1]) >= 0 && hexval(w[i + 2]) >= 0) {
                w[o++] = (unsigned char)(hexval(w[i + 1]) * 16 + hexval(w[i + 2]));
                i += 2;
            } else {
                w[o++] = w[i];
            }
        }
        n = o;
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
    return s.n > 0 && clogin__utf8_valid(s.p, s.n);
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
        size_t k = clogin__utf8_next(t + i, len - i, &ok, &cp);
        if (!ok || cp_suspicious(cp))
            return 0;
        i += k;
    }
    if (t[0] == '/')
        return path_target_safe(t, len);
    return absolute_target_safe(target, len, host);
}
