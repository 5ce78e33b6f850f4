/* UTF-8 as Python decodes it. */
#include "utf8.h"

/* One UTF-8 sequence at s (n > 0 bytes available), with Python's decoder's
 * notion of validity (no overlongs, no surrogates, at most U+10FFFF). Returns
 * the bytes consumed and sets *ok: a whole valid character (*cp set), or the
 * maximal invalid subpart that Python's "replace" turns into one U+FFFD. */
size_t clogin__utf8_next(const unsigned char *s, size_t n, int *ok,
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

int clogin__utf8_valid(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        int ok;
        i += clogin__utf8_next(u + i, n - i, &ok, NULL);
        if (!ok)
            return 0;
    }
    return 1;
}
