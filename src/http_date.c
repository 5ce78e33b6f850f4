/* HTTP dates: the IMF-fixdate of RFC 9110 section 5.6.7,
 * "Sun, 06 Nov 1994 08:49:37 GMT", which is what Werkzeug's http_date()
 * writes (Flask's " d" session tag, cookie Expires).
 *
 * Calendar arithmetic is done by hand on the proleptic Gregorian calendar
 * (Howard Hinnant's days-from-civil algorithms), so there is no dependency
 * on the C library's time functions, the locale, the time zone or the width
 * of time_t, and every function is thread-safe. */
#include "clogin.h"

#include <stdint.h>

/* 9999-12-31T23:59:59Z: the last second a four-digit year can name. */
#define HTTP_DATE_MAX INT64_C(253402300799)
/* 0001-01-01T00:00:00Z: the first second of year 1 (Python's datetime.min),
 * the earliest date parse accepts. */
#define HTTP_DATE_MIN INT64_C(-62135596800)

static const char weekday_names[7][4] = {"Sun", "Mon", "Tue", "Wed",
                                         "Thu", "Fri", "Sat"};
static const char month_names[12][4] = {"Jan", "Feb", "Mar", "Apr",
                                        "May", "Jun", "Jul", "Aug",
                                        "Sep", "Oct", "Nov", "Dec"};

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12, d 1..31). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400); /* [0, 399] */
    unsigned doy = (153u * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return era * 146097 + (int64_t)doe - 719468;
}

/* The inverse of days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097); /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* [0, 365] */
    unsigned mp = (5 * doy + 2) / 153;                      /* [0, 11] */
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* 0 = Sunday. 1970-01-01 was a Thursday. */
static unsigned weekday_from_days(int64_t z) {
    int64_t w = (z + 4) % 7;
    return (unsigned)(w < 0 ? w + 7 : w);
}

static int is_leap(int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m) {
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30,
                                          31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29u : dim[m - 1];
}

static void put2(char *p, unsigned v) {
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

CLOGIN_API clogin_status clogin_http_date_format(
    int64_t epoch_seconds, char out[CLOGIN_HTTP_DATE_LEN + 1]) {
    if (out == NULL)
        return CLOGIN_EINVAL;
    if (epoch_seconds < HTTP_DATE_MIN || epoch_seconds > HTTP_DATE_MAX) {
        out[0] = '\0';
        return CLOGIN_EINVAL;
    }

    /* Floor division: times before 1970 belong to the day that starts
     * before them. */
    int64_t days = epoch_seconds / 86400;
    if (epoch_seconds % 86400 < 0)
        days--;
    unsigned secs = (unsigned)(epoch_seconds - days * 86400);
    int64_t year;
    unsigned month, mday;
    civil_from_days(days, &year, &month, &mday);
    unsigned y = (unsigned)year; /* 1..9999 */
    const char *wd = weekday_names[weekday_from_days(days)];
    const char *mn = month_names[month - 1];

    /* "Sun, 06 Nov 1994 08:49:37 GMT" */
    char *p = out;
    p[0] = wd[0], p[1] = wd[1], p[2] = wd[2], p[3] = ',', p[4] = ' ';
    put2(p + 5, mday);
    p[7] = ' ';
    p[8] = mn[0], p[9] = mn[1], p[10] = mn[2], p[11] = ' ';
    put2(p + 12, y / 100);
    put2(p + 14, y % 100);
    p[16] = ' ';
    put2(p + 17, secs / 3600);
    p[19] = ':';
    put2(p + 20, secs / 60 % 60);
    p[22] = ':';
    put2(p + 23, secs % 60);
    p[25] = ' ', p[26] = 'G', p[27] = 'M', p[28] = 'T', p[29] = '\0';
    return CLOGIN_OK;
}

/* Two ASCII digits at s, or -1. */
static int digits2(const char *s) {
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Index of a three-letter name in a table (exact, case-sensitive), or -1. */
static int lookup3(const char *s, const char (*table)[4], int n) {
    for (int i = 0; i < n; i++)
        if (s[0] == table[i][0] && s[1] == table[i][1] && s[2] == table[i][2])
            return i;
    return -1;
}

CLOGIN_API clogin_status clogin_http_date_parse(const char *text, size_t len,
                                                int64_t *epoch_seconds) {
    if (text == NULL || epoch_seconds == NULL)
        return CLOGIN_EINVAL;
    /* IMF-fixdate only: fixed length, fixed punctuation, case-sensitive
     * names (RFC 9110 section 5.6.7). The obsolete RFC 850 and asctime
     * forms, other time zones and surrounding whitespace are rejected. */
    if (len != CLOGIN_HTTP_DATE_LEN)
        return CLOGIN_EMALFORMED;
    const char *s = text;
    if (s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
        s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25] != ' ' ||
        s[26] != 'G' || s[27] != 'M' || s[28] != 'T')
        return CLOGIN_EMALFORMED;

    int wday = lookup3(s, weekday_names, 7);
    int month = lookup3(s + 8, month_names, 12);
    int mday = digits2(s + 5);
    int yhi = digits2(s + 12), ylo = digits2(s + 14);
    int hour = digits2(s + 17), min = digits2(s + 20), sec = digits2(s + 23);
    if (wday < 0 || month < 0 || mday < 0 || yhi < 0 || ylo < 0 || hour < 0 ||
        min < 0 || sec < 0)
        return CLOGIN_EMALFORMED;

    int64_t year = yhi * 100 + ylo;
    /* Year 0 does not exist in Python's datetime (nor in the Gregorian
     * calendar as written by people); leap seconds are not representable in
     * epoch seconds and Python rejects them too. */
    if (year < 1 || mday < 1 ||
        (unsigned)mday > days_in_month(year, (unsigned)month + 1) ||
        hour > 23 || min > 59 || sec > 59)
        return CLOGIN_EMALFORMED;

    int64_t days = days_from_civil(year, (unsigned)month + 1, (unsigned)mday);
    if (weekday_from_days(days) != (unsigned)wday)
        return CLOGIN_EMALFORMED;

    int64_t t = days * 86400 + hour * 3600 + min * 60 + sec;
    /* Cannot fail after the checks above (years 1 to 9999); kept so the
     * range is stated where the value is made. */
    if (t < HTTP_DATE_MIN || t > HTTP_DATE_MAX)
        return CLOGIN_EMALFORMED;
    *epoch_seconds = t;
    return CLOGIN_OK;
}
