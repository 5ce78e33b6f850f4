/* ASCII character classes and byte spans, shared by the URL code. No
 * locale: these are the bytes the URL standards and Python's urllib mean. */
#ifndef CLOGIN_TEXT_H
#define CLOGIN_TEXT_H

#include <stddef.h>
#include <string.h>

typedef struct span {
    const char *p;
    size_t n;
} span;

static inline span mkspan(const char *p, size_t n) {
    span s;
    s.p = p;
    s.n = n;
    return s;
}

static inline int is_alpha(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static inline int hexval(unsigned char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static inline unsigned char lower(unsigned char c) {
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static inline int span_eq(span a, span b) {
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static inline int span_eq_str(span a, const char *s) {
    return a.n == strlen(s) && memcmp(a.p, s, a.n) == 0;
}

static inline const char *span_find(span s, char c) {
    return s.n ? memchr(s.p, c, s.n) : NULL;
}

static inline const char *span_rfind(span s, char c) {
    for (size_t i = s.n; i > 0; i--)
        if (s.p[i - 1] == c)
            return s.p + i - 1;
    return NULL;
}

#endif
