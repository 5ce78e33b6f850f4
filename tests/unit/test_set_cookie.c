/* Set-Cookie writer: clogin_set_cookie_format and clogin_set_cookie_delete.
 * The literal expected strings were produced by Werkzeug 2.2's dump_cookie
 * (sync_expires=False) and Response.delete_cookie, i.e. what Flask sends. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clogin.h"

/* Format and compare with the exact expected header. */
static void expect_format(const char *name, const char *value,
                          const clogin_cookie_attrs *attrs, const char *want) {
    char *out = NULL;
    size_t out_len = 0;
    assert_int_equal(clogin_set_cookie_format(name, value,
                                              value ? strlen(value) : 0, attrs,
                                              &out, &out_len),
                     CLOGIN_OK);
    assert_non_null(out);
    assert_string_equal(out, want);
    assert_int_equal(out_len, strlen(want));
    clogin_free(out);

    /* out_len is optional. */
    out = NULL;
    assert_int_equal(clogin_set_cookie_format(name, value,
                                              value ? strlen(value) : 0, attrs,
                                              &out, NULL),
                     CLOGIN_OK);
    assert_string_equal(out, want);
    clogin_free(out);
}

/* Expect a failure, with *out NULL and *out_len 0 afterwards. */
static void expect_fail_n(const char *name, const char *value, size_t value_len,
                          const clogin_cookie_attrs *attrs,
                          clogin_status want) {
    char sentinel;
    char *out = &sentinel;
    size_t out_len = 77;
    assert_int_equal(
        clogin_set_cookie_format(name, value, value_len, attrs, &out, &out_len),
        want);
    assert_null(out);
    assert_int_equal(out_len, 0);
}

static void expect_fail(const char *name, const char *value,
                        const clogin_cookie_attrs *attrs, clogin_status want) {
    expect_fail_n(name, value, value ? strlen(value) : 0, attrs, want);
}

static void test_defaults(void **state) {
    (void)state;
    clogin_cookie_attrs a = CLOGIN_COOKIE_ATTRS_INIT;
    /* dump_cookie("session", "abc") */
    expect_format("session", "abc", NULL, "session=abc; Path=/");
    expect_format("session", "abc", &a, "session=abc; Path=/");
    expect_format("session", "", NULL, "session=; Path=/");
    expect_format("session", NULL, NULL, "session=; Path=/");
    a.path = NULL;
    expect_format("session", "abc", &a, "session=abc");
}

static void test_werkzeug_literals(void **state) {
    (void)state;
    clogin_cookie_attrs a = CLOGIN_COOKIE_ATTRS_INIT;

    a.domain = "example.com";
    a.path = "/app";
    a.expires = 2147483648;
    a.secure = 1;
    a.http_only = 1;
    a.same_site = CLOGIN_SAMESITE_NONE;
    expect_format("session", "abc", &a,
                  "session=abc; Domain=example.com; Expires=Tue, 19 Jan 2038 "
                  "03:14:08 GMT; Secure; HttpOnly; Path=/app; SameSite=None");

    a.domain = ".example.com";
    a.path = "/";
    a.max_age = 3600;
    expect_format("session", "v.1-x", &a,
                  "session=v.1-x; Domain=.example.com; Expires=Tue, 19 Jan "
                  "2038 03:14:08 GMT; Max-Age=3600; Secure; HttpOnly; Path=/; "
                  "SameSite=None");

    /* A Flask permanent session: expires, no Max-Age. */
    clogin_cookie_attrs f = CLOGIN_COOKIE_ATTRS_INIT;
    f.expires = 1700000000;
    f.http_only = 1;
    expect_format("session",
                  "eyJfZnJlc2giOmZhbHNlfQ.ZVNLAA.9ZxpWzQvB0m6XDrj4y1pKyj1bBA",
                  &f,
                  "session=eyJfZnJlc2giOmZhbHNlfQ.ZVNLAA.9ZxpWzQvB0m6XDrj4y1pK"
                  "yj1bBA; Expires=Tue, 14 Nov 2023 22:13:20 GMT; HttpOnly; "
                  "Path=/");

    /* Flask-Login's remember cookie (default duration 365 days). */
    clogin_cookie_attrs r = CLOGIN_COOKIE_ATTRS_INIT;
    r.expires = 1731536000;
    r.http_only = 1;
    r.same_site = CLOGIN_SAMESITE_LAX;
    expect_format("remember_token", "42|abcdef0123", &r,
                  "remember_token=42|abcdef0123; Expires=Wed, 13 Nov 2024 "
                  "22:13:20 GMT; HttpOnly; Path=/; SameSite=Lax");

    clogin_cookie_attrs s = CLOGIN_COOKIE_ATTRS_INIT;
    s.same_site = CLOGIN_SAMESITE_STRICT;
    s.max_age = 0;
    expect_format("a", "b", &s, "a=b; Max-Age=0; Path=/; SameSite=Strict");
}

/* Every combination of the attributes, against a string assembled here. */
static void test_all_combinations(void **state) {
    (void)state;
    static const char *const ss_names[] = {NULL, "Lax", "Strict", "None"};
    int checked = 0;
    for (unsigned bits = 0; bits < 64; bits++) {
        for (int ss = 0; ss < 4; ss++) {
            clogin_cookie_attrs a = CLOGIN_COOKIE_ATTRS_INIT;
            a.domain = (bits & 1) ? ".example.com" : NULL;
            a.expires = (bits & 2) ? 784111777 : 0;
            a.max_age = (bits & 4) ? 86400 : -1;
            a.secure = (bits & 8) ? 1 : 0;
            a.http_only = (bits & 16) ? 7 : 0; /* any non-zero value */
            a.path = (bits & 32) ? "/p" : NULL;
            a.same_site = (clogin_samesite)ss;

            if (ss == CLOGIN_SAMESITE_NONE && !a.secure) {
                expect_fail("id", "v", &a, CLOGIN_ECOOKIE);
                continue;
            }
            char want[512];
            size_t n = (size_t)snprintf(want, sizeof want, "id=v");
            if (a.domain)
                n += (size_t)snprintf(want + n, sizeof want - n,
                                      "; Domain=.example.com");
            if (a.expires)
                n +=
                    (size_t)snprintf(want + n, sizeof want - n,
                                     "; Expires=Sun, 06 Nov 1994 08:49:37 GMT");
            if (a.max_age >= 0)
                n += (size_t)snprintf(want + n, sizeof want - n,
                                      "; Max-Age=86400");
            if (a.secure)
                n += (size_t)snprintf(want + n, sizeof want - n, "; Secure");
            if (a.http_only)
                n += (size_t)snprintf(want + n, sizeof want - n, "; HttpOnly");
            if (a.path)
                n += (size_t)snprintf(want + n, sizeof want - n, "; Path=/p");
            if (ss_names[ss])
                n += (size_t)snprintf(want + n, sizeof want - n,
                                      "; SameSite=%s", ss_names[ss]);
            assert_true(n < sizeof want);
            expect_format("id", "v", &a, want);
            checked++;
        }
    }
    assert_int_equal(checked, 64 * 4 - 32);
}

static void test_numbers(void **state) {
    (void)state;
    clogin_cookie_attrs a = CLOGIN_COOKIE_ATTRS_INIT;
    a.path = NULL;

    a.max_age = 0;
    expect_format("a", "b", &a, "a=b; Max-Age=0");
    a.max_age = 1;
    expect_format("a", "b", &a, "a=b; Max-Age=1");
    a.max_age = 1000000007;
    expect_format("a", "b", &a, "a=b; Max-Age=1000000007");
    a.max_age = INT64_MAX;
    expect_format("a", "b", &a, "a=b; Max-Age=9223372036854775807");
    a.max_age = -2;
    expect_fail("a", "b", &a, CLOGIN_EINVAL);
    a.max_age = INT64_MIN;
    expect_fail("a", "b", &a, CLOGIN_EINVAL);
    a.max_age = -1;

    a.expires = 1;
    expect_format("a", "b", &a, "a=b; Expires=Thu, 01 Jan 1970 00:00:01 GMT");
    a.expires = INT64_C(253402300799);
    expect_format("a", "b", &a, "a=b; Expires=Fri, 31 Dec 9999 23:59:59 GMT");
    a.expires = INT64_C(253402300800);
    expect_fail("a", "b", &a, CLOGIN_EINVAL);
    a.expires = INT64_MAX;
    expect_fail("a", "b", &a, CLOGIN_EINVAL);
    a.expires = -1;
    expect_fail("a", "b", &a, CLOGIN_EINVAL);
    a.expires = INT64_MIN;
    expect_fail("a", "b", &a, CLOGIN_EINVAL);
}

static int is_tchar(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c != 0 && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_cookie_octet(int c) {
    return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
           (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

static void test_names(void **state) {
    (void)state;
    /* Every byte alone, and in the middle of a name. */
    for (int c = 1; c < 256; c++) {
        char name[4] = {(char)c, 0, 0, 0};
        char mid[4] = {'a', (char)c, 'b', 0};
        if (is_tchar(c)) {
            char want[32];
            snprintf(want, sizeof want, "%c=v; Path=/", c);
            expect_format(name, "v", NULL, want);
            snprintf(want, sizeof want, "a%cb=v; Path=/", c);
            expect_format(mid, "v", NULL, want);
        } else {
            expect_fail(name, "v", NULL, CLOGIN_ECOOKIE);
            expect_fail(mid, "v", NULL, CLOGIN_ECOOKIE);
        }
    }
    expect_format("!#$%&'*+-.^_`|~09AZaz", "v", NULL,
                  "!#$%&'*+-.^_`|~09AZaz=v; Path=/");
    expect_fail("", "v", NULL, CLOGIN_ECOOKIE);
    expect_fail("a b", "v", NULL, CLOGIN_ECOOKIE);
    expect_fail("a;b", "v", NULL, CLOGIN_ECOOKIE);
    expect_fail("a,b", "v", NULL, CLOGIN_ECOOKIE);
    expect_fail("a\"b", "v", NULL, CLOGIN_ECOOKIE);
    expect_fail("a\\b", "v", NULL, CLOGIN_ECOOKIE);
    expect_fail("a=b", "v", NULL, CLOGIN_ECOOKIE);
    expect_fail("a\x7f", "v", NULL, CLOGIN_ECOOKIE);
    expect_fail("a\x01", "v", NULL, CLOGIN_ECOOKIE);
    expect_fail("a\tb", "v", NULL, CLOGIN_ECOOKIE);
    expect_fail("a\r\nSet-Cookie: x", "v", NULL, CLOGIN_ECOOKIE);
    expect_fail("caf\xc3\xa9", "v", NULL, CLOGIN_ECOOKIE);
    expect_fail("a(b)", "v", NULL, CLOGIN_ECOOKIE);
    expect_fail("a:b", "v", NULL, CLOGIN_ECOOKIE);
    expect_fail("a/b", "v", NULL, CLOGIN_ECOOKIE);
    expect_fail("a@b", "v", NULL, CLOGIN_ECOOKIE);
}

static void test_values(void **state) {
    (void)state;
    for (int c = 0; c < 256; c++) {
        char v[3] = {'x', (char)c, 'y'};
        if (is_cookie_octet(c)) {
            char want[32];
            snprintf(want, sizeof want, "n=x%cy; Path=/", c);
            char *out = NULL;
            size_t out_len = 0;
            assert_int_equal(
                clogin_set_cookie_format("n", v, 3, NULL, &out, &out_len),
                CLOGIN_OK);
            assert_string_equal(out, want);
            assert_int_equal(out_len, strlen(want));
            clogin_free(out);
        } else {
            expect_fail_n("n", v, 3, NULL, CLOGIN_ECOOKIE);
            expect_fail_n("n", v + 1, 1, NULL, CLOGIN_ECOOKIE);
        }
    }
    expect_fail("n", " ", NULL, CLOGIN_ECOOKIE);
    expect_fail("n", "a b", NULL, CLOGIN_ECOOKIE);
    expect_fail("n", " a", NULL, CLOGIN_ECOOKIE);
    expect_fail("n", "a;b", NULL, CLOGIN_ECOOKIE);
    expect_fail("n", "a; Domain=evil.com", NULL, CLOGIN_ECOOKIE);
    expect_fail("n", "a,b", NULL, CLOGIN_ECOOKIE);
    expect_fail("n", "\"quoted\"", NULL, CLOGIN_ECOOKIE);
    expect_fail("n", "a\\b", NULL, CLOGIN_ECOOKIE);
    expect_fail("n", "a\x7f", NULL, CLOGIN_ECOOKIE);
    expect_fail("n", "a\x1f", NULL, CLOGIN_ECOOKIE);
    expect_fail("n", "a\r\nX-Evil: 1", NULL, CLOGIN_ECOOKIE);
    expect_fail("n", "\xc3\xa9", NULL, CLOGIN_ECOOKIE);
    /* An embedded NUL counts (the length is explicit). */
    expect_fail_n("n", "ab\0cd", 5, NULL, CLOGIN_ECOOKIE);
    /* Only value_len bytes are looked at. */
    char *out = NULL;
    assert_int_equal(
        clogin_set_cookie_format("n", "ab;cd", 2, NULL, &out, NULL), CLOGIN_OK);
    assert_string_equal(out, "n=ab; Path=/");
    clogin_free(out);
    /* '=' and the base64/itsdangerous alphabet are fine. */
    expect_format("n", "a=b.c-d_e|f:g/h+i", NULL,
                  "n=a=b.c-d_e|f:g/h+i; Path=/");
}

static void test_domain_path(void **state) {
    (void)state;
    clogin_cookie_attrs a = CLOGIN_COOKIE_ATTRS_INIT;
    a.path = NULL;

    a.domain = ".example.com";
    expect_format("a", "b", &a, "a=b; Domain=.example.com");
    a.domain = "localhost";
    expect_format("a", "b", &a, "a=b; Domain=localhost");
    a.domain = "xn--caf-dma.example";
    expect_format("a", "b", &a, "a=b; Domain=xn--caf-dma.example");
    static const char *const bad_domains[] = {
        "",     " ",     "a b",   "example.com ",   "a;b",
        "a\tb", "a\x01", "a\x7f", "caf\xc3\xa9.fr", "a\r\nX: y",
    };
    for (size_t i = 0; i < sizeof bad_domains / sizeof bad_domains[0]; i++) {
        a.domain = bad_domains[i];
        expect_fail("a", "b", &a, CLOGIN_ECOOKIE);
    }
    a.domain = NULL;

    a.path = "/";
    expect_format("a", "b", &a, "a=b; Path=/");
    a.path = "/a b,c=d\"e";
    expect_format("a", "b", &a, "a=b; Path=/a b,c=d\"e");
    a.path = "";
    expect_format("a", "b", &a, "a=b; Path=");
    static const char *const bad_paths[] = {
        "/;",    "/a; Secure",   "/\t",       "/\x01",
        "/\x7f", "/caf\xc3\xa9", "/\r\nX: y",
    };
    for (size_t i = 0; i < sizeof bad_paths / sizeof bad_paths[0]; i++) {
        a.path = bad_paths[i];
        expect_fail("a", "b", &a, CLOGIN_ECOOKIE);
    }
}

static void test_same_site(void **state) {
    (void)state;
    clogin_cookie_attrs a = CLOGIN_COOKIE_ATTRS_INIT;
    a.same_site = CLOGIN_SAMESITE_NONE;
    expect_fail("a", "b", &a, CLOGIN_ECOOKIE);
    a.secure = 1;
    expect_format("a", "b", &a, "a=b; Secure; Path=/; SameSite=None");
    a.same_site = (clogin_samesite)4;
    expect_fail("a", "b", &a, CLOGIN_EINVAL);
    a.same_site = (clogin_samesite)-1;
    expect_fail("a", "b", &a, CLOGIN_EINVAL);
}

static void test_args(void **state) {
    (void)state;
    char *out = NULL;
    size_t len = 5;
    assert_int_equal(clogin_set_cookie_format(NULL, "v", 1, NULL, &out, &len),
                     CLOGIN_EINVAL);
    assert_null(out);
    assert_int_equal(len, 0);
    assert_int_equal(clogin_set_cookie_format("n", "v", 1, NULL, NULL, &len),
                     CLOGIN_EINVAL);
    expect_fail_n("n", NULL, 3, NULL, CLOGIN_EINVAL);
    assert_int_equal(clogin_set_cookie_delete(NULL, NULL, &out, &len),
                     CLOGIN_EINVAL);
    assert_int_equal(clogin_set_cookie_delete("n", NULL, NULL, &len),
                     CLOGIN_EINVAL);
}

/* ---- delete ---- */

static void expect_delete(const char *name, const clogin_cookie_attrs *attrs,
                          const char *want) {
    char *out = NULL;
    size_t out_len = 0;
    assert_int_equal(clogin_set_cookie_delete(name, attrs, &out, &out_len),
                     CLOGIN_OK);
    assert_string_equal(out, want);
    assert_int_equal(out_len, strlen(want));
    clogin_free(out);
}

static void test_delete(void **state) {
    (void)state;
    /* Response.delete_cookie("session") */
    expect_delete("session", NULL,
                  "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; "
                  "Max-Age=0; Path=/");

    /* What Flask's save_session sends for an emptied session. */
    clogin_cookie_attrs a = CLOGIN_COOKIE_ATTRS_INIT;
    a.domain = ".example.com";
    a.secure = 1;
    a.http_only = 1;
    a.same_site = CLOGIN_SAMESITE_LAX;
    expect_delete("session", &a,
                  "session=; Domain=.example.com; Expires=Thu, 01 Jan 1970 "
                  "00:00:00 GMT; Max-Age=0; Secure; HttpOnly; Path=/; "
                  "SameSite=Lax");

    /* The expiry of attrs is ignored, even when invalid for format. */
    clogin_cookie_attrs b = CLOGIN_COOKIE_ATTRS_INIT;
    b.path = "/app";
    b.expires = -5;
    b.max_age = -9;
    expect_delete("remember_token", &b,
                  "remember_token=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; "
                  "Max-Age=0; Path=/app");
    b.path = NULL;
    b.expires = 1700000000;
    b.max_age = 3600;
    expect_delete("x", &b,
                  "x=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0");

    /* The same checks as format. */
    char sentinel;
    char *out = &sentinel;
    size_t len = 3;
    assert_int_equal(clogin_set_cookie_delete("a b", NULL, &out, &len),
                     CLOGIN_ECOOKIE);
    assert_null(out);
    assert_int_equal(len, 0);
    clogin_cookie_attrs c = CLOGIN_COOKIE_ATTRS_INIT;
    c.same_site = CLOGIN_SAMESITE_NONE;
    assert_int_equal(clogin_set_cookie_delete("a", &c, &out, &len),
                     CLOGIN_ECOOKIE);
    c.same_site = CLOGIN_SAMESITE_UNSET;
    c.path = "/;";
    assert_int_equal(clogin_set_cookie_delete("a", &c, &out, &len),
                     CLOGIN_ECOOKIE);
    c.path = "/";
    c.domain = "";
    assert_int_equal(clogin_set_cookie_delete("a", &c, &out, &len),
                     CLOGIN_ECOOKIE);
}

/* What we write, our parser reads back. */
static void test_round_trip_with_parser(void **state) {
    (void)state;
    static const char *const values[] = {
        "",
        "x",
        "eyJfZnJlc2giOmZhbHNlfQ.ZVNLAA.9ZxpWzQvB0m6XDrj4y1pKyj1bBA",
        "42|0f1e",
        "a=b",
        "!#$%&'()*+-./:<=>?@[]^_`{|}~",
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char *out = NULL;
        size_t out_len = 0;
        assert_int_equal(clogin_set_cookie_format("k", values[i],
                                                  strlen(values[i]), NULL, &out,
                                                  &out_len),
                         CLOGIN_OK);
        const char *semi = strchr(out, ';');
        assert_non_null(semi);
        const char *v;
        size_t vl;
        assert_int_equal(clogin_cookie_find(out, (size_t)(semi - out), "k", &v,
                                            &vl, NULL, 0),
                         CLOGIN_OK);
        assert_int_equal(vl, strlen(values[i]));
        assert_memory_equal(v, values[i], vl);
        clogin_free(out);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_werkzeug_literals),
        cmocka_unit_test(test_all_combinations),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_domain_path),
        cmocka_unit_test(test_same_site),
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_round_trip_with_parser),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
