/* Cookie request header parsing: clogin_cookie_next and clogin_cookie_find.
 * Expected values for the quoted cases were taken from Werkzeug 2.2's
 * werkzeug._internal._cookie_parse_impl (what Flask's request.cookies
 * uses). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "clogin.h"

/* find on a string literal (length given explicitly so NULs may be inside);
 * asserts the status, and on success the exact value bytes. */
#define FIND_LIT(hdr, nm, st, want)                                            \
    check_find((hdr), sizeof(hdr) - 1, (nm), (st), (want), sizeof(want) - 1)

static void check_find(const char *header, size_t len, const char *name,
                       clogin_status want_status, const char *want,
                       size_t want_len) {
    /* A copy without a terminator: ASan catches any read past len. */
    char *h = malloc(len ? len : 1);
    assert_non_null(h);
    if (len)
        memcpy(h, header, len);
    char buf[64];
    const char *v = header; /* must be reset on failure */
    size_t vl = 12345;
    clogin_status st =
        clogin_cookie_find(h, len, name, &v, &vl, buf, sizeof buf);
    assert_int_equal(st, want_status);
    if (st == CLOGIN_OK) {
        assert_int_equal(vl, want_len);
        if (want_len)
            assert_memory_equal(v, want, want_len);
        /* The value lies either in the header or in buf. */
        assert_true((v >= h && v + vl <= h + len) ||
                    (v >= buf && v + vl <= buf + sizeof buf));
    } else {
        assert_null(v);
        assert_int_equal(vl, 0);
    }
    free(h);
}

/* ---- clogin_cookie_find: the Werkzeug cases ---- */

static void test_werkzeug_example(void **state) {
    (void)state;
    static const char h[] = "a=1; b=\"x\\054y\"; a=2";
    char buf[16];
    const char *v;
    size_t vl;

    assert_int_equal(
        clogin_cookie_find(h, sizeof h - 1, "a", &v, &vl, buf, sizeof buf),
        CLOGIN_OK);
    assert_int_equal(vl, 1);
    assert_ptr_equal(v, h + 2); /* points into the header */
    assert_memory_equal(v, "1", 1);

    assert_int_equal(
        clogin_cookie_find(h, sizeof h - 1, "b", &v, &vl, buf, sizeof buf),
        CLOGIN_OK);
    assert_int_equal(vl, 3);
    assert_ptr_equal(v, buf); /* unescaped into buf */
    assert_memory_equal(v, "x,y", 3);

    assert_int_equal(
        clogin_cookie_find(h, sizeof h - 1, "c", &v, &vl, buf, sizeof buf),
        CLOGIN_ENOTFOUND);
    assert_null(v);
    assert_int_equal(vl, 0);
}

static void test_whitespace(void **state) {
    (void)state;
    FIND_LIT("  a  =  1  ;\tb\t=\t2\t", "a", CLOGIN_OK, "1");
    FIND_LIT("  a  =  1  ;\tb\t=\t2\t", "b", CLOGIN_OK, "2");
    /* Python's bytes.strip() set: VT, FF, CR, LF too. */
    FIND_LIT("a=\v1\f; b=\r2\n", "a", CLOGIN_OK, "1");
    FIND_LIT("a=\v1\f; b=\r2\n", "b", CLOGIN_OK, "2");
    /* Inner whitespace is kept (Werkzeug keeps it too). */
    FIND_LIT("a=x y", "a", CLOGIN_OK, "x y");
    FIND_LIT("a b=1", "a b", CLOGIN_OK, "1");
    FIND_LIT("a b=1", "a", CLOGIN_ENOTFOUND, "");
    /* No separator space at all. */
    FIND_LIT("a=1;b=2;c=3", "c", CLOGIN_OK, "3");
    FIND_LIT("a=\"x y\"   ; b=2", "a", CLOGIN_OK, "x y");
}

static void test_empty_and_bare(void **state) {
    (void)state;
    FIND_LIT("a=", "a", CLOGIN_OK, "");
    FIND_LIT("a=;b=1", "a", CLOGIN_OK, "");
    FIND_LIT("a=;b=1", "b", CLOGIN_OK, "1");
    FIND_LIT("a = ; b=1", "a", CLOGIN_OK, "");
    /* Bare names: Werkzeug's key with an empty value. */
    FIND_LIT("a", "a", CLOGIN_OK, "");
    FIND_LIT("a; b=2", "a", CLOGIN_OK, "");
    FIND_LIT("a; b=2", "b", CLOGIN_OK, "2");
    /* Nameless pairs are skipped. */
    FIND_LIT("=x; b=1", "b", CLOGIN_OK, "1");
    FIND_LIT("=x; b=1", "", CLOGIN_ENOTFOUND, "");
    FIND_LIT("=x; b=1", "x", CLOGIN_ENOTFOUND, "");
    FIND_LIT(";;; ;", "a", CLOGIN_ENOTFOUND, "");
    FIND_LIT("", "a", CLOGIN_ENOTFOUND, "");
    /* '=' in a value. */
    FIND_LIT("a=b=c", "a", CLOGIN_OK, "b=c");
    FIND_LIT("a==", "a", CLOGIN_OK, "=");
}

static void test_names(void **state) {
    (void)state;
    /* Exact, case-sensitive. */
    FIND_LIT("Session=1; session=2", "session", CLOGIN_OK, "2");
    FIND_LIT("Session=1; session=2", "Session", CLOGIN_OK, "1");
    FIND_LIT("Session=1", "SESSION", CLOGIN_ENOTFOUND, "");
    /* No prefix matches either way. */
    FIND_LIT("sessionx=1; sess=3; session=2", "session", CLOGIN_OK, "2");
    FIND_LIT("session=2", "sess", CLOGIN_ENOTFOUND, "");
    FIND_LIT("xsession=2", "session", CLOGIN_ENOTFOUND, "");
    /* The first occurrence wins. */
    FIND_LIT("a=1; a=2; a=3", "a", CLOGIN_OK, "1");
    FIND_LIT("a; a=2", "a", CLOGIN_OK, "");
}

static void test_quoted(void **state) {
    (void)state;
    /* No escapes: quotes stripped, no copy. */
    static const char h[] = "a=\"hello\"";
    const char *v;
    size_t vl;
    assert_int_equal(clogin_cookie_find(h, sizeof h - 1, "a", &v, &vl, NULL, 0),
                     CLOGIN_OK);
    assert_ptr_equal(v, h + 3);
    assert_int_equal(vl, 5);

    FIND_LIT("a=\"\"", "a", CLOGIN_OK, "");
    FIND_LIT("a=\"", "a", CLOGIN_OK, "\"");
    FIND_LIT("a=\"x", "a", CLOGIN_OK, "\"x");
    FIND_LIT("a=x\"", "a", CLOGIN_OK, "x\"");
    FIND_LIT("a=\"x\"y; b=2", "a", CLOGIN_OK, "\"x\"y");
    FIND_LIT("a=\"a\"b\"", "a", CLOGIN_OK, "a\"b");
    FIND_LIT("a=\"\"\"", "a", CLOGIN_OK, "\"");
    FIND_LIT("a =  \"q\"  ", "a", CLOGIN_OK, "q");

    /* Werkzeug's escapes (values from _cookie_parse_impl). */
    FIND_LIT("a=\"\\\"\\\\\\073\\377\"", "a", CLOGIN_OK, "\"\\;\xff");
    FIND_LIT("a=\"\\400\"", "a", CLOGIN_OK, "400");
    FIND_LIT("a=\"\\01\"", "a", CLOGIN_OK, "01");
    FIND_LIT("a=\"\\8\"", "a", CLOGIN_OK, "8");
    FIND_LIT("a=\"x\\\"", "a", CLOGIN_OK, "x\\");
    FIND_LIT("a=\"\\\\012\"", "a", CLOGIN_OK, "\\012");
    FIND_LIT("a=\"\\0123\"", "a", CLOGIN_OK, "\n3");
    FIND_LIT("a=\"\\000\"", "a", CLOGIN_OK, "\0");
    FIND_LIT("a=\"\\\\\"", "a", CLOGIN_OK, "\\");
    FIND_LIT("a=\"\\a\\b\\c\"", "a", CLOGIN_OK, "abc");
    FIND_LIT("a=\"\\\\\\\\\"", "a", CLOGIN_OK, "\\\\");
    FIND_LIT("a=\"\\12\\\"", "a", CLOGIN_OK, "12\\");
    /* _cookie_unquote's '.' does not match LF: that backslash stays. */
    FIND_LIT("a=\"x\\\ny\"", "a", CLOGIN_OK, "x\\\ny");
    /* What werkzeug's _cookie_quote writes for "a b;c\"d\\e,\x01é". */
    FIND_LIT("s=\"a b\\073c\\\"d\\\\e\\054\\001\\303\\251\"", "s", CLOGIN_OK,
             "a b;c\"d\\e,\x01\xc3\xa9");
    /* A ';' always ends a value, even inside quotes (Werkzeug would keep
     * "x;y" together; browsers split there). */
    FIND_LIT("a=\"x;y\"; b=1", "a", CLOGIN_OK, "\"x");
    FIND_LIT("a=\"x;y\"; b=1", "b", CLOGIN_OK, "1");
    FIND_LIT("a=\"x;y\"; b=1", "y\"", CLOGIN_OK, "");
    /* Escaped quote before the end does not make the value unquoted. */
    FIND_LIT("a=\"x\\\"\"", "a", CLOGIN_OK, "x\"");
}

static void test_buf_sizes(void **state) {
    (void)state;
    static const char h[] = "a=\"\\101BC\"; b=\"x\"; a=zzz";
    const char *v = NULL;
    size_t vl = 99;
    char buf[4];

    /* Exactly fits (no NUL is written or needed). */
    memset(buf, '#', sizeof buf);
    assert_int_equal(clogin_cookie_find(h, sizeof h - 1, "a", &v, &vl, buf, 3),
                     CLOGIN_OK);
    assert_ptr_equal(v, buf);
    assert_int_equal(vl, 3);
    assert_memory_equal(buf, "ABC#", 4);

    /* One byte short. The first "a" still wins: no fallback to "zzz". */
    assert_int_equal(clogin_cookie_find(h, sizeof h - 1, "a", &v, &vl, buf, 2),
                     CLOGIN_ETOOLARGE);
    assert_null(v);
    assert_int_equal(vl, 0);
    assert_int_equal(clogin_cookie_find(h, sizeof h - 1, "a", &v, &vl, NULL, 0),
                     CLOGIN_ETOOLARGE);
    assert_int_equal(clogin_cookie_find(h, sizeof h - 1, "a", &v, &vl, buf, 0),
                     CLOGIN_ETOOLARGE);
    /* No escapes: no buf needed at all. */
    assert_int_equal(clogin_cookie_find(h, sizeof h - 1, "b", &v, &vl, NULL, 0),
                     CLOGIN_OK);
    assert_int_equal(vl, 1);
    assert_ptr_equal(v, h + 15);

    /* A value whose decoding is exactly 64 bytes (FIND_LIT's buf). */
    FIND_LIT("k=\"\\101\\102\\103\\104"
             "0123456789012345678901234567890123456789"
             "01234567890123456789\"",
             "k", CLOGIN_OK,
             "ABCD0123456789012345678901234567890123456789"
             "01234567890123456789");
    FIND_LIT("k=\"\\101\\102\\103\\104"
             "0123456789012345678901234567890123456789"
             "012345678901234567890\"",
             "k", CLOGIN_ETOOLARGE, "");
}

static void test_nul_and_bytes(void **state) {
    (void)state;
    /* NUL bytes are data. */
    FIND_LIT("a=1\0x; b=2", "a", CLOGIN_OK, "1\0x");
    FIND_LIT("a=1\0x; b=2", "b", CLOGIN_OK, "2");
    FIND_LIT("x\0y=1; b=2", "x", CLOGIN_ENOTFOUND, "");
    FIND_LIT("x\0y=1; b=2", "b", CLOGIN_OK, "2");
    FIND_LIT("\0\0\0; a=\0", "a", CLOGIN_OK, "\0");
    FIND_LIT("a=\"\0\\\0\"", "a", CLOGIN_OK, "\0\0");
    /* 8-bit bytes are data too. */
    FIND_LIT("a=\xc3\xa9\xff; \xff=1", "a", CLOGIN_OK, "\xc3\xa9\xff");
    FIND_LIT("a=\xc3\xa9\xff; \xff=1", "\xff", CLOGIN_OK, "1");
}

static void test_length_is_respected(void **state) {
    (void)state;
    static const char h[] = "a=123; b=2";
    const char *v;
    size_t vl;
    char buf[8];
    assert_int_equal(clogin_cookie_find(h, 4, "a", &v, &vl, buf, sizeof buf),
                     CLOGIN_OK);
    assert_int_equal(vl, 2);
    assert_memory_equal(v, "12", 2);
    assert_int_equal(clogin_cookie_find(h, 7, "b", &v, &vl, buf, sizeof buf),
                     CLOGIN_ENOTFOUND);
    assert_int_equal(clogin_cookie_find(h, 9, "b", &v, &vl, buf, sizeof buf),
                     CLOGIN_OK);
    assert_int_equal(vl, 0);
    assert_int_equal(clogin_cookie_find(h, 0, "a", &v, &vl, buf, sizeof buf),
                     CLOGIN_ENOTFOUND);
    /* A quoted value cut by len is not quoted any more. */
    static const char q[] = "a=\"x\\054y\"";
    FIND_LIT("a=\"x\\054y", "a", CLOGIN_OK, "\"x\\054y");
    assert_int_equal(
        clogin_cookie_find(q, sizeof q - 2, "a", &v, &vl, buf, sizeof buf),
        CLOGIN_OK);
    assert_int_equal(vl, 7);
    assert_ptr_equal(v, q + 2);
}

static void test_real_headers(void **state) {
    (void)state;
    static const char chrome[] =
        "_ga=GA1.1.1234567890.1700000000; "
        "session=eyJfZnJlc2giOmZhbHNlLCJfdXNlcl9pZCI6IjQyIn0.ZZZ0Ag.abc-DEF_"
        "ghi; "
        "remember_token=42|0f1e2d3c4b5a69788796a5b4c3d2e1f0; "
        "_ga_ABC123=GS1.1.1700000000.1.1.1700000001.0.0.0";
    FIND_LIT(chrome, "session", CLOGIN_OK,
             "eyJfZnJlc2giOmZhbHNlLCJfdXNlcl9pZCI6IjQyIn0.ZZZ0Ag.abc-DEF_ghi");
    FIND_LIT(chrome, "remember_token", CLOGIN_OK,
             "42|0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    FIND_LIT(chrome, "_ga", CLOGIN_OK, "GA1.1.1234567890.1700000000");
    FIND_LIT(chrome, "_ga_ABC123", CLOGIN_OK,
             "GS1.1.1700000000.1.1.1700000001.0.0.0");
    FIND_LIT(chrome, "remember", CLOGIN_ENOTFOUND, "");

    /* A compressed Flask session (leading '.') and a Werkzeug-quoted one. */
    FIND_LIT("session=.eJyrVopPy0kszkgtVrKKrlZKT8svUrJSSsyrTM0rVcopzUvNK1Gq"
             "BQB5qwq0.ZZZ0Ag.sig; theme=\"dark\\054blue\"",
             "session", CLOGIN_OK,
             ".eJyrVopPy0kszkgtVrKKrlZKT8svUrJSSsyrTM0rVcopzUvNK1GqBQB5qwq0"
             ".ZZZ0Ag.sig");
    FIND_LIT("session=.eJyrVopPy0kszkgtVrKKrlZKT8svUrJSSsyrTM0rVcopzUvNK1Gq"
             "BQB5qwq0.ZZZ0Ag.sig; theme=\"dark\\054blue\"",
             "theme", CLOGIN_OK, "dark,blue");
}

/* ---- clogin_cookie_next ---- */

typedef struct pair {
    const char *name;
    const char *value;
} pair;

static void check_next(const char *header, size_t len, const pair *want,
                       size_t n) {
    char *h = malloc(len ? len : 1);
    assert_non_null(h);
    if (len)
        memcpy(h, header, len);
    size_t pos = 0, prev = 0;
    const char *nm, *v;
    size_t nl, vl;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(clogin_cookie_next(h, len, &pos, &nm, &nl, &v, &vl),
                         CLOGIN_OK);
        assert_true(pos > prev && pos <= len);
        prev = pos;
        assert_int_equal(nl, strlen(want[i].name));
        assert_memory_equal(nm, want[i].name, nl);
        assert_int_equal(vl, strlen(want[i].value));
        if (vl)
            assert_memory_equal(v, want[i].value, vl);
        assert_true(nm >= h && nm + nl <= h + len);
        assert_true(v >= h && v + vl <= h + len);
    }
    assert_int_equal(clogin_cookie_next(h, len, &pos, &nm, &nl, &v, &vl),
                     CLOGIN_ENOTFOUND);
    assert_int_equal(pos, len);
    assert_int_equal(clogin_cookie_next(h, len, &pos, &nm, &nl, &v, &vl),
                     CLOGIN_ENOTFOUND);
    free(h);
}

#define NEXT_LIT(hdr, ...)                                                     \
    do {                                                                       \
        static const pair want_[] = {__VA_ARGS__};                             \
        check_next((hdr), sizeof(hdr) - 1, want_,                              \
                   sizeof want_ / sizeof want_[0]);                            \
    } while (0)

static void test_next(void **state) {
    (void)state;
    NEXT_LIT("a=1; b=\"x\\054y\"; a=2", {"a", "1"}, {"b", "\"x\\054y\""},
             {"a", "2"});
    NEXT_LIT("  a  =  1  ;\tb\t=\t2\t", {"a", "1"}, {"b", "2"});
    NEXT_LIT("a; =x; ;; b=; c = \"\" ;", {"a", ""}, {"b", ""}, {"c", "\"\""});
    NEXT_LIT("a=\"x;y\"", {"a", "\"x"}, {"y\"", ""});
    NEXT_LIT("a=b=c;d", {"a", "b=c"}, {"d", ""});
    check_next(";;; ;", 5, NULL, 0);
    check_next("", 0, NULL, 0);
    check_next("   ", 3, NULL, 0);
    check_next("=", 1, NULL, 0);
}

static void test_args(void **state) {
    (void)state;
    static const char h[] = "a=1";
    const char *v, *nm;
    size_t vl, nl, pos = 0;
    char buf[4];
    assert_int_equal(clogin_cookie_find(NULL, 0, "a", &v, &vl, buf, 4),
                     CLOGIN_EINVAL);
    assert_int_equal(clogin_cookie_find(h, 3, NULL, &v, &vl, buf, 4),
                     CLOGIN_EINVAL);
    assert_int_equal(clogin_cookie_find(h, 3, "a", NULL, &vl, buf, 4),
                     CLOGIN_EINVAL);
    assert_int_equal(clogin_cookie_find(h, 3, "a", &v, NULL, buf, 4),
                     CLOGIN_EINVAL);
    assert_int_equal(clogin_cookie_find(h, 3, "a", &v, &vl, NULL, 4),
                     CLOGIN_EINVAL);

    assert_int_equal(clogin_cookie_next(NULL, 0, &pos, &nm, &nl, &v, &vl),
                     CLOGIN_EINVAL);
    assert_int_equal(clogin_cookie_next(h, 3, NULL, &nm, &nl, &v, &vl),
                     CLOGIN_EINVAL);
    assert_int_equal(clogin_cookie_next(h, 3, &pos, NULL, &nl, &v, &vl),
                     CLOGIN_EINVAL);
    assert_int_equal(clogin_cookie_next(h, 3, &pos, &nm, NULL, &v, &vl),
                     CLOGIN_EINVAL);
    assert_int_equal(clogin_cookie_next(h, 3, &pos, &nm, &nl, NULL, &vl),
                     CLOGIN_EINVAL);
    assert_int_equal(clogin_cookie_next(h, 3, &pos, &nm, &nl, &v, NULL),
                     CLOGIN_EINVAL);
    pos = 4;
    assert_int_equal(clogin_cookie_next(h, 3, &pos, &nm, &nl, &v, &vl),
                     CLOGIN_EINVAL);
    assert_int_equal(pos, 4);
}

/* ---- no quadratic time on hostile headers ---- */

#define HUGE_LEN ((size_t)1 << 20)

static double cpu_seconds(void) {
    return (double)clock() / CLOCKS_PER_SEC;
}

static void time_find(const char *h, size_t len, const char *name,
                      clogin_status want) {
    char buf[8];
    const char *v;
    size_t vl;
    double t0 = cpu_seconds();
    for (int i = 0; i < 4; i++)
        assert_int_equal(
            clogin_cookie_find(h, len, name, &v, &vl, buf, sizeof buf), want);
    size_t pos = 0, count = 0, nl;
    const char *nm;
    while (clogin_cookie_next(h, len, &pos, &nm, &nl, &v, &vl) == CLOGIN_OK)
        count++;
    (void)count;
    /* Linear work on 1 MiB is milliseconds even under sanitizers; anything
     * quadratic would take hours. */
    assert_true(cpu_seconds() - t0 < 5.0);
}

static void test_huge_headers(void **state) {
    (void)state;
    char *h = malloc(HUGE_LEN + 16);
    assert_non_null(h);

    /* Spaces and semicolons, then the cookie. */
    for (size_t i = 0; i < HUGE_LEN; i++)
        h[i] = (i % 3 == 2) ? ';' : ' ';
    memcpy(h + HUGE_LEN, "target=ok", 9);
    time_find(h, HUGE_LEN + 9, "target", CLOGIN_OK);
    time_find(h, HUGE_LEN + 9, "absent", CLOGIN_ENOTFOUND);

    /* Only semicolons. */
    memset(h, ';', HUGE_LEN);
    time_find(h, HUGE_LEN, "a", CLOGIN_ENOTFOUND);
    /* Only spaces: one enormous empty piece. */
    memset(h, ' ', HUGE_LEN);
    time_find(h, HUGE_LEN, "a", CLOGIN_ENOTFOUND);
    /* Only '=': one nameless piece. */
    memset(h, '=', HUGE_LEN);
    time_find(h, HUGE_LEN, "a", CLOGIN_ENOTFOUND);
    /* One enormous bare name. */
    memset(h, 'a', HUGE_LEN);
    time_find(h, HUGE_LEN, "a", CLOGIN_ENOTFOUND);
    /* Many tiny pairs. */
    for (size_t i = 0; i + 4 <= HUGE_LEN; i += 4)
        memcpy(h + i, "a=1;", 4);
    time_find(h, HUGE_LEN, "b", CLOGIN_ENOTFOUND);
    time_find(h, HUGE_LEN, "a", CLOGIN_OK);
    /* A huge quoted value full of escapes, into a small buf. */
    h[0] = 'q', h[1] = '=', h[2] = '"';
    for (size_t i = 3; i + 4 <= HUGE_LEN; i += 4)
        memcpy(h + i, "\\054", 4);
    h[HUGE_LEN - 1] = '"';
    time_find(h, HUGE_LEN, "q", CLOGIN_ETOOLARGE);
    /* Whitespace around a value that spans the whole header. */
    memset(h, ' ', HUGE_LEN);
    h[HUGE_LEN / 2] = 'x';
    h[HUGE_LEN / 2 + 1] = '=';
    time_find(h, HUGE_LEN, "x", CLOGIN_OK);
    free(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_werkzeug_example),
        cmocka_unit_test(test_whitespace),
        cmocka_unit_test(test_empty_and_bare),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_buf_sizes),
        cmocka_unit_test(test_nul_and_bytes),
        cmocka_unit_test(test_length_is_respected),
        cmocka_unit_test(test_real_headers),
        cmocka_unit_test(test_next),
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_huge_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
