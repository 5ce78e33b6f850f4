/* Cookie request header parsing (RFC 6265 section 5.4, tolerant of what
 * browsers and Werkzeug actually do).
 *
 * The header is split on every ';' (a value never contains one, even
 * between double quotes: that is how browsers split Set-Cookie too, and
 * Werkzeug always writes ';' as \073 inside quotes). Each piece is
 * "name=value" or a bare "name" (value ""), split at its first '='; name
 * and value are trimmed of the whitespace Python's bytes.strip() removes
 * (SP HT LF VT FF CR), as Werkzeug's parser does. Pieces whose name is
 * empty are skipped, as Werkzeug does. Any other byte, NUL included, is
 * data. Every step is linear in the length of the header.
 *
 * clogin_cookie_find() then unquotes a value that begins and ends with '"'
 * exactly like werkzeug._internal._cookie_unquote (Werkzeug 2.2). */
#include "clogin.h"

#include <stddef.h>
#include <string.h>

/* The bytes Python's bytes.strip() and the regex \s remove. */
static int is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
           c == '\r';
}

/* One piece between separators, split and trimmed. Returns the position
 * after the piece (past its ';'). */
static size_t split_pair(const char *h, size_t len, size_t pos,
                         size_t *name_start, size_t *name_end,
                         size_t *value_start, size_t *value_end) {
    const char *semi = memchr(h + pos, ';', len - pos);
    size_t end = semi != NULL ? (size_t)(semi - h) : len;
    size_t next = semi != NULL ? end + 1 : len;

    const char *eq = memchr(h + pos, '=', end - pos);
    size_t ne = eq != NULL ? (size_t)(eq - h) : end;
    size_t vs = eq != NULL ? ne + 1 : end;
    size_t ns = pos, ve = end;

    while (ns < ne && is_space((unsigned char)h[ns]))
        ns++;
    while (ne > ns && is_space((unsigned char)h[ne - 1]))
        ne--;
    while (vs < ve && is_space((unsigned char)h[vs]))
        vs++;
    while (ve > vs && is_space((unsigned char)h[ve - 1]))
        ve--;

    *name_start = ns;
    *name_end = ne;
    *value_start = vs;
    *value_end = ve;
    return next;
}

CLOGIN_API clogin_status clogin_cookie_next(const char *header, size_t len,
                                            size_t *pos, const char **name,
                                            size_t *name_len,
                                            const char **value,
                                            size_t *value_len) {
    if (header == NULL || pos == NULL || name == NULL || name_len == NULL ||
        value == NULL || value_len == NULL)
        return CLOGIN_EINVAL;
    if (*pos > len)
        return CLOGIN_EINVAL;

    size_t p = *pos;
    while (p < len) {
        size_t ns, ne, vs, ve;
        p = split_pair(header, len, p, &ns, &ne, &vs, &ve);
        if (ns == ne)
            continue; /* "", " ", "=x": no name, skipped like Werkzeug */
        *pos = p;
        *name = header + ns;
        *name_len = ne - ns;
        *value = header + vs;
        *value_len = ve - vs;
        return CLOGIN_OK;
    }
    *pos = len;
    return CLOGIN_ENOTFOUND;
}

/* werkzeug._internal._cookie_unquote on the text between the quotes:
 * a backslash followed by [0-3][0-7][0-7] is that octal byte; a backslash
 * followed by any byte but LF (the regex '.') is that byte; any other
 * backslash (before LF, or last) stays as it is. Returns the decoded
 * length, or (size_t)-1 when it does not fit in buf_size bytes. */
static size_t unquote(const char *s, size_t n, char *buf, size_t buf_size) {
    size_t o = 0;
    for (size_t i = 0; i < n; o++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' && n - i >= 4 && s[i + 1] >= '0' && s[i + 1] <= '3' &&
            s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' &&
            s[i + 3] <= '7') {
            c = (unsigned char)(((s[i + 1] - '0') << 6) |
                                ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
            i += 4;
        } else if (c == '\\' && n - i >= 2 && s[i + 1] != '\n') {
            c = (unsigned char)s[i + 1];
            i += 2;
        } else {
            i++;
        }
        if (o >= buf_size)
            return (size_t)-1;
        buf[o] = (char)c;
    }
    return o;
}

CLOGIN_API clogin_status clogin_cookie_find(const char *header, size_t len,
                                            const char *name,
                                            const char **value,
                                            size_t *value_len, char *buf,
                                            size_t buf_size) {
    if (value != NULL)
        *value = NULL;
    if (value_len != NULL)
        *value_len = 0;
    if (header == NULL || name == NULL || value == NULL || value_len == NULL ||
        (buf == NULL && buf_size != 0))
        return CLOGIN_EINVAL;

    size_t want = strlen(name);
    size_t pos = 0;
    const char *n, *v;
    size_t nl, vl;
    while (clogin_cookie_next(header, len, &pos, &n, &nl, &v, &vl) ==
           CLOGIN_OK) {
        if (nl != want || memcmp(n, name, nl) != 0)
            continue;

        /* The first cookie of that name wins, even if it cannot be
         * decoded into buf. */
        if (vl < 2 || v[0] != '"' || v[vl - 1] != '"') {
            *value = v;
            *value_len = vl;
            return CLOGIN_OK;
        }
        const char *inner = v + 1;
        size_t inner_len = vl - 2;
        if (memchr(inner, '\\', inner_len) == NULL) {
            *value = inner;
            *value_len = inner_len;
            return CLOGIN_OK;
        }
        size_t out_len = unquote(inner, inner_len, buf, buf_size);
        if (out_len == (size_t)-1)
            return CLOGIN_ETOOLARGE;
        *value = buf;
        *value_len = out_len;
        return CLOGIN_OK;
    }
    return CLOGIN_ENOTFOUND;
}
