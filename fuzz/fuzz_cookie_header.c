/* libFuzzer target for the Cookie header parser, the HTTP date parser and
 * the Set-Cookie writer. Besides the sanitizers, it checks the invariants
 * the callers rely on and aborts when one breaks. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
           c == '\r';
}

static int inside(const char *p, size_t n, const char *base, size_t len) {
    return p >= base && n <= len && (size_t)(p - base) <= len - n;
}

/* Find `name` (NUL-free) with a tiny and a large buffer, and compare with
 * the first pair of that name according to clogin_cookie_next. */
static void check_find(const char *h, size_t len, const char *name, char *big,
                       size_t big_size) {
    /* What the iterator says about the first occurrence. */
    size_t pos = 0, nl, vl, name_len = strlen(name);
    const char *n, *v, *raw = NULL;
    size_t raw_len = 0;
    while (clogin_cookie_next(h, len, &pos, &n, &nl, &v, &vl) == CLOGIN_OK) {
        if (nl == name_len && memcmp(n, name, nl) == 0) {
            raw = v;
            raw_len = vl;
            break;
        }
    }

    const char *val;
    size_t val_len;
    clogin_status st =
        clogin_cookie_find(h, len, name, &val, &val_len, big, big_size);
    if (raw == NULL) {
        CHECK(st == CLOGIN_ENOTFOUND);
        CHECK(val == NULL && val_len == 0);
        return;
    }
    CHECK(st == CLOGIN_OK); /* big_size >= len: never too large */
    int quoted = raw_len >= 2 && raw[0] == '"' && raw[raw_len - 1] == '"';
    if (!quoted) {
        CHECK(val == raw && val_len == raw_len);
    } else if (memchr(raw + 1, '\\', raw_len - 2) == NULL) {
        CHECK(val == raw + 1 && val_len == raw_len - 2);
    } else {
        CHECK(val == big);
        CHECK(val_len <= raw_len - 2); /* escapes only ever shrink */
    }

    /* A tiny buffer gives the same answer or CLOGIN_ETOOLARGE. */
    char small[4];
    const char *sv;
    size_t sl;
    st = clogin_cookie_find(h, len, name, &sv, &sl, small, sizeof small);
    if (st == CLOGIN_OK) {
        CHECK(sl == val_len);
        CHECK(sl == 0 || memcmp(sv, val, sl) == 0);
    } else {
        CHECK(st == CLOGIN_ETOOLARGE && val == big && val_len > sizeof small);
        CHECK(sv == NULL && sl == 0);
    }
}

static void fuzz_cookie_header(const char *h, size_t len) {
    size_t pos = 0, prev = 0, nl, vl, pairs = 0;
    const char *n, *v;
    const char *first_name = NULL;
    size_t first_len = 0;
    clogin_status st;
    while ((st = clogin_cookie_next(h, len, &pos, &n, &nl, &v, &vl)) ==
           CLOGIN_OK) {
        CHECK(pos > prev && pos <= len);
        prev = pos;
        CHECK(nl > 0);
        CHECK(inside(n, nl, h, len) && inside(v, vl, h, len));
        CHECK(n + nl <= v); /* the value follows its name */
        CHECK(memchr(n, ';', nl) == NULL && memchr(n, '=', nl) == NULL);
        CHECK(vl == 0 || memchr(v, ';', vl) == NULL);
        CHECK(!is_space((unsigned char)n[0]) &&
              !is_space((unsigned char)n[nl - 1]));
        CHECK(vl == 0 || (!is_space((unsigned char)v[0]) &&
                          !is_space((unsigned char)v[vl - 1])));
        if (first_name == NULL) {
            first_name = n;
            first_len = nl;
        }
        pairs++;
    }
    CHECK(st == CLOGIN_ENOTFOUND && pos == len);
    CHECK(pairs <= (len + 1) / 2); /* a name byte and a ';' each */

    char *big = malloc(len + 1);
    if (big == NULL)
        return;
    check_find(h, len, "session", big, len + 1);
    check_find(h, len, "remember_token", big, len + 1);
    check_find(h, len, "a", big, len + 1);
    check_find(h, len, "", big, len + 1);
    if (first_name != NULL && memchr(first_name, '\0', first_len) == NULL) {
        char *name = malloc(first_len + 1);
        if (name != NULL) {
            memcpy(name, first_name, first_len);
            name[first_len] = '\0';
            check_find(h, len, name, big, len + 1);
            free(name);
        }
    }
    free(big);
}

static void fuzz_http_date(const char *s, size_t len) {
    int64_t t = INT64_MIN;
    clogin_status st = clogin_http_date_parse(s, len, &t);
    if (st != CLOGIN_OK) {
        CHECK(st == CLOGIN_EMALFORMED && t == INT64_MIN);
        return;
    }
    CHECK(len == CLOGIN_HTTP_DATE_LEN);
    char out[CLOGIN_HTTP_DATE_LEN + 1];
    /* The strict form is canonical: formatting gives the input back. */
    CHECK(t >= INT64_C(-62135596800)); /* 0001-01-01 */
    CHECK(clogin_http_date_format(t, out) == CLOGIN_OK);
    CHECK(memcmp(out, s, CLOGIN_HTTP_DATE_LEN) == 0);
}

/* The first byte splits the rest into a name and a value. */
static void fuzz_set_cookie(const uint8_t *data, size_t size) {
    if (size == 0)
        return;
    size_t split = data[0] % 32;
    const char *rest = (const char *)data + 1;
    size_t rest_len = size - 1;
    if (split > rest_len)
        split = rest_len;
    char *name = malloc(split + 1);
    if (name == NULL)
        return;
    memcpy(name, rest, split);
    name[split] = '\0';
    const char *value = rest + split;
    size_t value_len = rest_len - split;

    clogin_cookie_attrs attrs = CLOGIN_COOKIE_ATTRS_INIT;
    attrs.secure = data[0] & 1;
    attrs.http_only = data[0] & 2;
    attrs.same_site = (clogin_samesite)((data[0] >> 2) & 3);
    attrs.max_age = (data[0] & 16) ? (int64_t)value_len : -1;
    attrs.expires = (data[0] & 32) ? (int64_t)value_len * 86400 : 0;
    if (data[0] & 64) {
        attrs.path = NULL;
        attrs.domain = ".example.com";
    }

    char *out = NULL;
    size_t out_len = 0;
    clogin_status st = clogin_set_cookie_format(name, value, value_len, &attrs,
                                                &out, &out_len);
    if (st == CLOGIN_OK) {
        CHECK(out != NULL && strlen(out) == out_len);
        for (size_t i = 0; i < out_len; i++)
            CHECK(out[i] >= 0x20 && out[i] <= 0x7e);
        /* The pair part reads back as the same cookie. */
        const char *semi = memchr(out, ';', out_len);
        size_t pair_len = semi ? (size_t)(semi - out) : out_len;
        const char *v;
        size_t vl;
        CHECK(clogin_cookie_find(out, pair_len, name, &v, &vl, NULL, 0) ==
              CLOGIN_OK);
        CHECK(vl == value_len && (vl == 0 || memcmp(v, value, vl) == 0));
        clogin_free(out);
    } else {
        CHECK(out == NULL && out_len == 0);
        CHECK(st == CLOGIN_ECOOKIE);
    }

    out = NULL;
    st = clogin_set_cookie_delete(name, &attrs, &out, &out_len);
    if (st == CLOGIN_OK) {
        CHECK(out != NULL && strlen(out) == out_len);
        clogin_free(out);
    } else {
        CHECK(out == NULL && st == CLOGIN_ECOOKIE);
    }
    free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* A copy of exactly size bytes, so ASan sees any read past the end. */
    char *h = malloc(size ? size : 1);
    if (h == NULL)
        return 0;
    if (size)
        memcpy(h, data, size);
    fuzz_cookie_header(h, size);
    fuzz_http_date(h, size);
    if (size >= CLOGIN_HTTP_DATE_LEN)
        fuzz_http_date(h + size - CLOGIN_HTTP_DATE_LEN, CLOGIN_HTTP_DATE_LEN);
    free(h);
    fuzz_set_cookie(data, size);
    return 0;
}
