/* clogin_form_get (request.form / request.args) on arbitrary urlencoded
 * bodies. The first byte is the length of the name (0 to 63), the name
 * follows (cut at a NUL, as a C string is), the rest is the body, which may
 * hold any byte, NUL included. The answer is compared with a second call
 * and with an independent reading of Werkzeug 2.2's url_decode (pairs split
 * on '&', empty pairs skipped, a pair without '=' has the value "", '+' a
 * space, %XX a byte when both digits are hex, else the '%' stays, then
 * UTF-8 decoded with Python's errors="replace", the first pair whose key
 * matches winning). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Python's bytes.decode("utf-8", "replace"), written out independently:
 * each maximal invalid subpart becomes one U+FFFD (EF BF BD). out needs
 * 3 * n bytes (an invalid byte grows to three). */
static size_t py_utf8_replace(const unsigned char *s, size_t n,
                              unsigned char *out) {
    size_t o = 0, i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            out[o++] = c;
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        } else {
            out[o++] = 0xEF, out[o++] = 0xBF, out[o++] = 0xBD;
            i++;
            continue;
        }
        size_t k = 1; /* bytes of the sequence seen valid so far */
        while (k <= need && i + k < n && s[i + k] >= lo && s[i + k] <= hi) {
            lo = 0x80;
            hi = 0xBF;
            k++;
        }
        if (k == need + 1) {
            memcpy(out + o, s + i, k);
            o += k;
        } else {
            out[o++] = 0xEF, out[o++] = 0xBF, out[o++] = 0xBD;
        }
        i += k;
    }
    return o;
}

/* url_unquote_plus(s, errors="replace"); malloc'd, NUL-terminated. */
static unsigned char *unquote_plus(const char *s, size_t n, size_t *out_len) {
    unsigned char *raw = malloc(n + 1), *out = malloc(3 * n + 1);
    CHECK(raw && out);
    size_t r = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '+') {
            raw[r++] = ' ';
        } else if (c == '%' && i + 2 < n &&
                   hexval((unsigned char)s[i + 1]) >= 0 &&
                   hexval((unsigned char)s[i + 2]) >= 0) {
            raw[r++] = (unsigned char)(hexval((unsigned char)s[i + 1]) * 16 +
                                       hexval((unsigned char)s[i + 2]));
            i += 2;
        } else {
            raw[r++] = c;
        }
    }
    *out_len = py_utf8_replace(raw, r, out);
    out[*out_len] = '\0';
    free(raw);
    return out;
}

/* MultiDict.get(name) after url_decode: the expected value, or NULL. */
static unsigned char *expected(const char *body, size_t n, const char *name,
                               size_t *len) {
    size_t name_len = strlen(name), start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && body[i] != '&')
            continue;
        const char *pair = body + start;
        size_t pn = i - start;
        start = i + 1;
        if (pn == 0)
            continue;
        const char *eq = memchr(pair, '=', pn);
        size_t kn = eq ? (size_t)(eq - pair) : pn;
        size_t dk;
        unsigned char *key = unquote_plus(pair, kn, &dk);
        int match = dk == name_len && memcmp(key, name, dk) == 0;
        free(key);
        if (!match)
            continue;
        if (!eq)
            return unquote_plus("", 0, len);
        return unquote_plus(eq + 1, pn - kn - 1, len);
    }
    return NULL;
}

static int valid_utf8(const unsigned char *s, size_t n) {
    unsigned char *tmp = malloc(3 * n + 1);
    CHECK(tmp);
    size_t m = py_utf8_replace(s, n, tmp);
    int ok = m == n && (n == 0 || memcmp(tmp, s, n) == 0);
    free(tmp);
    return ok;
}

static void check_one(const char *body, size_t n, const char *name) {
    char *v1 = NULL, *v2 = NULL;
    size_t l1 = 12345, l2 = 54321;
    clogin_status s1 = clogin_form_get(body, n, name, &v1, &l1);
    clogin_status s2 = clogin_form_get(body, n, name, &v2, &l2);
    CHECK(s1 == CLOGIN_OK || s1 == CLOGIN_ENOTFOUND);
    CHECK(s1 == s2);
    size_t el = 0;
    unsigned char *e = expected(body, n, name, &el);
    if (s1 == CLOGIN_ENOTFOUND) {
        CHECK(v1 == NULL && v2 == NULL);
        CHECK(e == NULL);
        return;
    }
    CHECK(v1 && v2 && v1 != v2);
    CHECK(l1 == l2 && memcmp(v1, v2, l1) == 0);
    CHECK(v1[l1] == '\0');   /* NUL-terminated at its length */
    CHECK(strlen(v1) <= l1); /* shorter only through %00 */
    CHECK(strlen(v1) == l1 || memchr(v1, '\0', l1) != NULL);
    CHECK(l1 <= 3 * n); /* every byte at most U+FFFD */
    CHECK(valid_utf8((const unsigned char *)v1, l1));
    CHECK(e != NULL);
    CHECK(el == l1 && memcmp(e, v1, l1) == 0);
    /* the value without a length pointer is the same string */
    char *v3 = NULL;
    CHECK(clogin_form_get(body, n, name, &v3, NULL) == CLOGIN_OK);
    CHECK(memcmp(v3, v1, l1 + 1) == 0);
    clogin_free(v3);
    clogin_free(v1);
    clogin_free(v2);
    free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 16384)
        return 0;
    size_t name_len = data[0] & 63;
    if (name_len > size - 1)
        name_len = size - 1;
    char name[64];
    memcpy(name, data + 1, name_len);
    name[name_len] = '\0'; /* a C string: cut at the first NUL */
    size_t n = size - 1 - name_len;
    /* exactly n bytes, so ASan sees any read past the end */
    char *body = malloc(n ? n : 1);
    if (!body)
        return 0;
    if (n)
        memcpy(body, data + 1 + name_len, n);
    check_one(body, n, name);
    /* the first key of the body as the name (found for sure, unless it
     * decodes to bytes a C string cannot hold) */
    size_t kn = 0;
    while (kn < n && body[kn] != '&' && body[kn] != '=')
        kn++;
    if (kn > 0) {
        size_t dk;
        unsigned char *key = unquote_plus(body, kn, &dk);
        if (strlen((char *)key) == dk) {
            check_one(body, n, (char *)key);
            char *v;
            CHECK(clogin_form_get(body, n, (char *)key, &v, NULL) == CLOGIN_OK);
            clogin_free(v);
        }
        free(key);
    }
    /* NULL data is only valid when empty */
    char *v = (char *)1;
    CHECK(clogin_form_get(NULL, 0, name, &v, NULL) == CLOGIN_ENOTFOUND &&
          v == NULL);
    free(body);
    return 0;
}
