/* HTTP dates: clogin_http_date_format and clogin_http_date_parse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "clogin.h"

#define MAX_T INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

struct known {
    int64_t t;
    const char *text;
};

/* Generated with Python's email.utils.formatdate(t, usegmt=True), which is
 * what werkzeug.http.http_date() calls. */
static const struct known known_dates[] = {
    {INT64_C(0), "Thu, 01 Jan 1970 00:00:00 GMT"},
    {INT64_C(1), "Thu, 01 Jan 1970 00:00:01 GMT"},
    {INT64_C(59), "Thu, 01 Jan 1970 00:00:59 GMT"},
    {INT64_C(60), "Thu, 01 Jan 1970 00:01:00 GMT"},
    {INT64_C(3599), "Thu, 01 Jan 1970 00:59:59 GMT"},
    {INT64_C(3600), "Thu, 01 Jan 1970 01:00:00 GMT"},
    {INT64_C(86399), "Thu, 01 Jan 1970 23:59:59 GMT"},
    {INT64_C(86400), "Fri, 02 Jan 1970 00:00:00 GMT"},
    {INT64_C(68169599), "Mon, 28 Feb 1972 23:59:59 GMT"},
    {INT64_C(68169600), "Tue, 29 Feb 1972 00:00:00 GMT"},
    {INT64_C(784111777), "Sun, 06 Nov 1994 08:49:37 GMT"},
    {INT64_C(951782399), "Mon, 28 Feb 2000 23:59:59 GMT"},
    {INT64_C(951782400), "Tue, 29 Feb 2000 00:00:00 GMT"},
    {INT64_C(951868799), "Tue, 29 Feb 2000 23:59:59 GMT"},
    {INT64_C(951868800), "Wed, 01 Mar 2000 00:00:00 GMT"},
    {INT64_C(978307199), "Sun, 31 Dec 2000 23:59:59 GMT"},
    {INT64_C(978307200), "Mon, 01 Jan 2001 00:00:00 GMT"},
    {INT64_C(1234567890), "Fri, 13 Feb 2009 23:31:30 GMT"},
    {INT64_C(1700000000), "Tue, 14 Nov 2023 22:13:20 GMT"},
    {INT64_C(2147483647), "Tue, 19 Jan 2038 03:14:07 GMT"},
    {INT64_C(2147483648), "Tue, 19 Jan 2038 03:14:08 GMT"},
    {INT64_C(4102444799), "Thu, 31 Dec 2099 23:59:59 GMT"},
    {INT64_C(4102444800), "Fri, 01 Jan 2100 00:00:00 GMT"},
    {INT64_C(4107542400), "Mon, 01 Mar 2100 00:00:00 GMT"},
    {INT64_C(4107542399), "Sun, 28 Feb 2100 23:59:59 GMT"},
    {INT64_C(4294967295), "Sun, 07 Feb 2106 06:28:15 GMT"},
    {INT64_C(4294967296), "Sun, 07 Feb 2106 06:28:16 GMT"},
    {INT64_C(32503680000), "Wed, 01 Jan 3000 00:00:00 GMT"},
    {INT64_C(32503679999), "Tue, 31 Dec 2999 23:59:59 GMT"},
    {INT64_C(95617583999), "Tue, 31 Dec 4999 23:59:59 GMT"},
    {INT64_C(95617584000), "Wed, 01 Jan 5000 00:00:00 GMT"},
    {INT64_C(253402214399), "Thu, 30 Dec 9999 23:59:59 GMT"},
    {INT64_C(253402300799), "Fri, 31 Dec 9999 23:59:59 GMT"},
    {INT64_C(233219167472), "Mon, 02 Jun 9360 22:04:32 GMT"},
    {INT64_C(176513777127), "Tue, 02 Jul 7563 12:45:27 GMT"},
    {INT64_C(4025560806), "Thu, 25 Jul 2097 03:20:06 GMT"},
    {INT64_C(56960764633), "Fri, 06 Jan 3775 02:37:13 GMT"},
    {INT64_C(126006635866), "Sat, 29 Dec 5962 03:17:46 GMT"},
    {INT64_C(44314483602), "Sat, 09 Apr 3374 02:46:42 GMT"},
    {INT64_C(100685783459), "Tue, 09 Aug 5160 17:10:59 GMT"},
    {INT64_C(114933936755), "Fri, 10 Feb 5612 21:32:35 GMT"},
    {INT64_C(72259663579), "Wed, 26 Oct 4259 16:46:19 GMT"},
    {INT64_C(126475708823), "Wed, 09 Nov 5977 05:20:23 GMT"},
    {INT64_C(102069975502), "Sun, 20 Jun 5204 10:58:22 GMT"},
    {INT64_C(144926745214), "Sun, 18 Jul 6562 21:13:34 GMT"},
};

/* Before 1970 (parse only): email.utils.format_datetime(dt, usegmt=True). */
static const struct known known_old_dates[] = {
    {INT64_C(-315619200), "Fri, 01 Jan 1960 00:00:00 GMT"},
    {INT64_C(-62135596800), "Mon, 01 Jan 0001 00:00:00 GMT"},
    {INT64_C(-1), "Wed, 31 Dec 1969 23:59:59 GMT"},
    {INT64_C(-2203934400), "Wed, 28 Feb 1900 12:00:00 GMT"},
    {INT64_C(-11670998400), "Tue, 29 Feb 1600 00:00:00 GMT"},
    {INT64_C(-12220243200), "Mon, 04 Oct 1582 00:00:00 GMT"},
    {INT64_C(-62035887477), "Sun, 29 Feb 0004 01:02:03 GMT"},
    {INT64_C(-59011459201), "Thu, 31 Dec 0099 23:59:59 GMT"},
};

static void expect_parse(const char *text, int64_t want) {
    int64_t t = 0;
    assert_int_equal(clogin_http_date_parse(text, strlen(text), &t), CLOGIN_OK);
    assert_int_equal(t, want);
}

static void expect_bad(const char *text, size_t len) {
    int64_t t = 12345;
    assert_int_equal(clogin_http_date_parse(text, len, &t), CLOGIN_EMALFORMED);
    assert_int_equal(t, 12345); /* untouched */
}

#define BAD(lit) expect_bad((lit), sizeof(lit) - 1)

static void test_known_dates(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof known_dates / sizeof known_dates[0]; i++) {
        char out[CLOGIN_HTTP_DATE_LEN + 1];
        memset(out, 'x', sizeof out);
        assert_int_equal(clogin_http_date_format(known_dates[i].t, out),
                         CLOGIN_OK);
        assert_string_equal(out, known_dates[i].text);
        assert_int_equal(strlen(out), CLOGIN_HTTP_DATE_LEN);
        expect_parse(known_dates[i].text, known_dates[i].t);
    }
}

static void test_landmarks(void **state) {
    (void)state;
    char out[CLOGIN_HTTP_DATE_LEN + 1];
    assert_int_equal(clogin_http_date_format(0, out), CLOGIN_OK);
    assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 GMT");
    /* 2038-01-19T03:14:08Z: one past INT32_MAX. */
    assert_int_equal(clogin_http_date_format(INT64_C(2147483648), out),
                     CLOGIN_OK);
    assert_string_equal(out, "Tue, 19 Jan 2038 03:14:08 GMT");
    expect_parse("Tue, 19 Jan 2038 03:14:08 GMT", INT64_C(2147483648));
    assert_int_equal(clogin_http_date_format(MAX_T, out), CLOGIN_OK);
    assert_string_equal(out, "Fri, 31 Dec 9999 23:59:59 GMT");
    expect_parse("Fri, 31 Dec 9999 23:59:59 GMT", MAX_T);
    /* RFC 9110's example. */
    expect_parse("Sun, 06 Nov 1994 08:49:37 GMT", 784111777);
}

static void test_format_range(void **state) {
    (void)state;
    char out[CLOGIN_HTTP_DATE_LEN + 1];
    /* years 1 to 9999, as Flask's http_date() writes them */
    assert_int_equal(clogin_http_date_format(-1, out), CLOGIN_OK);
    assert_string_equal(out, "Wed, 31 Dec 1969 23:59:59 GMT");
    assert_int_equal(clogin_http_date_format(INT64_C(-62135596800), out), CLOGIN_OK);
    assert_string_equal(out, "Mon, 01 Jan 0001 00:00:00 GMT");
    assert_int_equal(clogin_http_date_format(INT64_C(-62135596801), out), CLOGIN_EINVAL);
    assert_int_equal(clogin_http_date_format(INT64_MIN, out), CLOGIN_EINVAL);
    assert_int_equal(clogin_http_date_format(MAX_T + 1, out), CLOGIN_EINVAL);
    assert_int_equal(clogin_http_date_format(INT64_MAX, out), CLOGIN_EINVAL);
    assert_int_equal(clogin_http_date_format(0, NULL), CLOGIN_EINVAL);
}

static void test_parse_before_1970(void **state) {
    (void)state;
    /* Flask can store any datetime from year 1 in a session. */
    for (size_t i = 0; i < sizeof known_old_dates / sizeof known_old_dates[0];
         i++) {
        expect_parse(known_old_dates[i].text, known_old_dates[i].t);
        char out[CLOGIN_HTTP_DATE_LEN + 1];
        assert_int_equal(clogin_http_date_format(known_old_dates[i].t, out),
                         CLOGIN_OK);
        assert_string_equal(out, known_old_dates[i].text);
    }
    BAD("Sat, 01 Jan 0000 00:00:00 GMT"); /* no year 0 */
    BAD("Sun, 01 Jan 0000 00:00:00 GMT");
}

static const char *const wdays[7] = {"Sun", "Mon", "Tue", "Wed",
                                     "Thu", "Fri", "Sat"};

/* A date that does not exist must be rejected whatever its weekday. */
static void expect_bad_any_weekday(const char *rest /* ", 29 Feb 1900 ..." */) {
    for (int w = 0; w < 7; w++) {
        char s[64];
        int n = snprintf(s, sizeof s, "%s%s", wdays[w], rest);
        assert_int_equal(n, CLOGIN_HTTP_DATE_LEN);
        expect_bad(s, (size_t)n);
    }
}

static void test_leap_days(void **state) {
    (void)state;
    expect_parse("Tue, 29 Feb 2000 00:00:00 GMT", 951782400);
    expect_parse("Thu, 29 Feb 2024 12:00:00 GMT", 1709208000);
    expect_parse("Tue, 29 Feb 2400 00:00:00 GMT", INT64_C(13574563200));
    expect_bad_any_weekday(", 29 Feb 1900 00:00:00 GMT");
    expect_bad_any_weekday(", 29 Feb 2100 00:00:00 GMT");
    expect_bad_any_weekday(", 29 Feb 2023 00:00:00 GMT");
    expect_bad_any_weekday(", 29 Feb 9999 00:00:00 GMT");
    expect_bad_any_weekday(", 30 Feb 2000 00:00:00 GMT");
    expect_bad_any_weekday(", 31 Apr 2000 00:00:00 GMT");
    expect_bad_any_weekday(", 31 Jun 2000 00:00:00 GMT");
    expect_bad_any_weekday(", 31 Sep 2000 00:00:00 GMT");
    expect_bad_any_weekday(", 31 Nov 2000 00:00:00 GMT");
    expect_bad_any_weekday(", 32 Jan 2000 00:00:00 GMT");
    expect_bad_any_weekday(", 00 Jan 2000 00:00:00 GMT");
    expect_parse("Mon, 31 Jan 2000 00:00:00 GMT", 949276800);
    expect_parse("Sun, 31 Dec 2000 00:00:00 GMT", 978220800);

    char out[CLOGIN_HTTP_DATE_LEN + 1];
    assert_int_equal(clogin_http_date_format(951782400, out), CLOGIN_OK);
    assert_string_equal(out, "Tue, 29 Feb 2000 00:00:00 GMT");
    assert_int_equal(clogin_http_date_format(4107456000 - 1, out), CLOGIN_OK);
    assert_string_equal(out, "Sat, 27 Feb 2100 23:59:59 GMT");
    assert_int_equal(clogin_http_date_format(4107542400 - 1, out), CLOGIN_OK);
    assert_string_equal(out, "Sun, 28 Feb 2100 23:59:59 GMT");
    assert_int_equal(clogin_http_date_format(4107542400, out), CLOGIN_OK);
    assert_string_equal(out, "Mon, 01 Mar 2100 00:00:00 GMT");
}

static void test_parse_rejects(void **state) {
    (void)state;
    BAD("");
    BAD("Sun, 06 Nov 1994 08:49:37 GMT ");
    BAD(" Sun, 06 Nov 1994 08:49:37 GMT");
    BAD("Sun, 06 Nov 1994 08:49:37 GM");
    BAD("Sun, 06 Nov 1994 08:49:37 GMT\r\n");
    /* Wrong weekday. */
    BAD("Mon, 06 Nov 1994 08:49:37 GMT");
    BAD("Sat, 06 Nov 1994 08:49:37 GMT");
    /* Case-sensitive names. */
    BAD("sun, 06 Nov 1994 08:49:37 GMT");
    BAD("SUN, 06 Nov 1994 08:49:37 GMT");
    BAD("Sun, 06 nov 1994 08:49:37 GMT");
    BAD("Sun, 06 NOV 1994 08:49:37 GMT");
    BAD("Sun, 06 Nov 1994 08:49:37 gmt");
    BAD("Sun, 06 Nov 1994 08:49:37 UTC");
    BAD("Sun, 06 Nov 1994 08:49:37 +0000");
    BAD("Sun, 06 Nov 1994 08:49:37 UT");
    BAD("Sun, 06 Foo 1994 08:49:37 GMT");
    BAD("Sun, 06 Nov 1994 08:49:37 XYZ");
    /* Obsolete forms (RFC 850, asctime) and other shapes. */
    BAD("Sunday, 06-Nov-94 08:49:37 GMT");
    BAD("Sun Nov  6 08:49:37 1994");
    BAD("Sun Nov 06 08:49:37 1994 GMT");
    BAD("Sun, 6 Nov 1994 08:49:37 GMT");
    BAD("Sun,  6 Nov 1994 08:49:37 GMT");
    BAD("Sun, 06-Nov-1994 08:49:37 GMT");
    BAD("Sun, 06 Nov 1994 08.49.37 GMT");
    BAD("Sun, 06 Nov 1994T08:49:37 GMT");
    BAD("Sun 06 Nov 1994 08:49:37 GMT ");
    BAD("Sun,06 Nov 1994 08:49:37 GMT ");
    BAD("1994-11-06T08:49:37Z         ");
    BAD("Sun, 06 Nov 94 08:49:37 GMT");
    /* Out-of-range fields. */
    BAD("Mon, 07 Nov 1994 24:00:00 GMT");
    BAD("Sun, 06 Nov 1994 08:60:00 GMT");
    BAD("Sun, 06 Nov 1994 08:49:60 GMT"); /* no leap seconds */
    BAD("Sun, 06 Nov 1994 08:49:99 GMT");
    BAD("Sun, 06 Nov 1994 99:49:37 GMT");
    /* Non-digits where digits belong. */
    BAD("Sun, 0a Nov 1994 08:49:37 GMT");
    BAD("Sun, 06 Nov 19a4 08:49:37 GMT");
    BAD("Sun, 06 Nov 1994 +8:49:37 GMT");
    BAD("Sun, 06 Nov 1994 -8:49:37 GMT");
    BAD("Sun, 06 Nov 1994  8:49:37 GMT");
    BAD("Sun, 06 Nov 1994 08:49: 7 GMT");
    BAD("Sun, 06 Nov 1994 08:4/:37 GMT");
    BAD("Sun, 06 Nov 1994 08:4::37 GMT");
    BAD("Sun, 06 Nov -994 08:49:37 GMT");
    BAD("Sun, 06 Nov \xd9\xa1"
        "994 08:49:37 GMT");
    /* NUL bytes anywhere. */
    BAD("Sun, 06 Nov 1994 08:49:37 GM\0");
    BAD("Sun\0 06 Nov 1994 08:49:37 GMT");
    BAD("Sun, 06 Nov 1994 08:49:3\0 GMT");
    BAD("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
    BAD("Sun, 06 Nov 1994 08:49:37 xMT");
    BAD("Sun, 06 Nov 1994 08:49:37 GxT");
    BAD("Sun, 06 Nov 1994 08:49:37 GMx");

    /* Any single-byte change of a valid date is rejected, except a digit
     * for a digit (and "Nov" and "Sun" have no valid one-letter neighbour). */
    static const char good[] = "Sun, 06 Nov 1994 08:49:37 GMT";
    for (size_t i = 0; i < CLOGIN_HTTP_DATE_LEN; i++) {
        for (int c = 0; c < 256; c++) {
            int digit_pos = good[i] >= '0' && good[i] <= '9';
            if (c == (unsigned char)good[i] ||
                (digit_pos && c >= '0' && c <= '9'))
                continue;
            char s[CLOGIN_HTTP_DATE_LEN];
            memcpy(s, good, CLOGIN_HTTP_DATE_LEN);
            s[i] = (char)c;
            expect_bad(s, sizeof s);
        }
    }

    /* Only len bytes are read: a valid date cut short is invalid. */
    expect_bad("Sun, 06 Nov 1994 08:49:37 GMT", 28);
    /* And bytes after len are not looked at. */
    int64_t t = 0;
    assert_int_equal(
        clogin_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMTxyz", 29, &t),
        CLOGIN_OK);
    assert_int_equal(t, 784111777);
}

static void test_args(void **state) {
    (void)state;
    int64_t t = 5;
    assert_int_equal(clogin_http_date_parse(NULL, 29, &t), CLOGIN_EINVAL);
    assert_int_equal(
        clogin_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", 29, NULL),
        CLOGIN_EINVAL);
    assert_int_equal(t, 5);
}

/* Every day from 1970-01-01 to 9999-12-31 against a naive calendar walk. */
static void test_every_day(void **state) {
    (void)state;
    static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr",
                                           "May", "Jun", "Jul", "Aug",
                                           "Sep", "Oct", "Nov", "Dec"};
    int y = 1970, m = 0, d = 1, w = 4; /* a Thursday */
    int64_t day = 0;
    for (;;) {
        int64_t sod = (day * 7919) % 86400; /* a different time each day */
        int64_t t = day * 86400 + sod;
        char want[64];
        snprintf(want, sizeof want, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                 wdays[w], d, months[m], y, (int)(sod / 3600),
                 (int)(sod / 60 % 60), (int)(sod % 60));
        char out[CLOGIN_HTTP_DATE_LEN + 1];
        assert_int_equal(clogin_http_date_format(t, out), CLOGIN_OK);
        if (strcmp(out, want) != 0)
            fail_msg("t=%lld: got \"%s\", want \"%s\"", (long long)t, out,
                     want);
        int64_t back = -1;
        assert_int_equal(
            clogin_http_date_parse(out, CLOGIN_HTTP_DATE_LEN, &back),
            CLOGIN_OK);
        if (back != t)
            fail_msg("parse(\"%s\") = %lld, want %lld", out, (long long)back,
                     (long long)t);

        if (y == 9999 && m == 11 && d == 31)
            break;
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        static const int dim[12] = {31, 28, 31, 30, 31, 30,
                                    31, 31, 30, 31, 30, 31};
        int days = dim[m] + (m == 1 && leap);
        day++;
        w = (w + 1) % 7;
        if (++d > days) {
            d = 1;
            if (++m == 12) {
                m = 0;
                y++;
            }
        }
    }
    assert_int_equal(day * 86400 + 86399, MAX_T);
}

/* parse(format(t)) == t for many pseudo-random t, and every second of a
 * few days around the ends and the leap days. */
static void test_round_trip(void **state) {
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 1000000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t t = (int64_t)(x % (uint64_t)(MAX_T + 1));
        char out[CLOGIN_HTTP_DATE_LEN + 1];
        int64_t back = -1;
        assert_int_equal(clogin_http_date_format(t, out), CLOGIN_OK);
        assert_int_equal(
            clogin_http_date_parse(out, CLOGIN_HTTP_DATE_LEN, &back),
            CLOGIN_OK);
        if (back != t)
            fail_msg("t=%lld -> \"%s\" -> %lld", (long long)t, out,
                     (long long)back);
    }
    static const int64_t starts[] = {0, 951782400 - 86400,
                                     INT64_C(2147483648) - 86400,
                                     MAX_T + 1 - 2 * 86400};
    for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
        for (int64_t t = starts[s]; t < starts[s] + 2 * 86400; t++) {
            char out[CLOGIN_HTTP_DATE_LEN + 1];
            int64_t back = -1;
            assert_int_equal(clogin_http_date_format(t, out), CLOGIN_OK);
            assert_int_equal(
                clogin_http_date_parse(out, CLOGIN_HTTP_DATE_LEN, &back),
                CLOGIN_OK);
            assert_int_equal(back, t);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_dates),
        cmocka_unit_test(test_landmarks),
        cmocka_unit_test(test_format_range),
        cmocka_unit_test(test_parse_before_1970),
        cmocka_unit_test(test_leap_days),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_every_day),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
