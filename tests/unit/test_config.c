/* The settings (src/config.c): every default, every setting set and read
 * back, invalid values refused with the old value kept, NULL restoring the
 * default, loading from the environment, and the rules checked at start. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every setting with its default as clogin__config_get() reads it (NULL:
 * unset). */
typedef struct default_row {
    const char *name;
    const char *def;
} default_row;

static const default_row defaults[] = {
    {"SECRET_KEY", NULL},
    {"SECRET_KEY_FALLBACKS", NULL},
    {"SESSION_COOKIE_NAME", "session"},
    {"SESSION_COOKIE_DOMAIN", NULL},
    {"SESSION_COOKIE_PATH", "/"},
    {"SESSION_COOKIE_SECURE", "false"},
    {"SESSION_COOKIE_HTTPONLY", "true"},
    {"SESSION_COOKIE_SAMESITE", NULL},
    {"PERMANENT_SESSION_LIFETIME", "2678400"},
    {"SESSION_REFRESH_EACH_REQUEST", "true"},
    {"REMEMBER_COOKIE_NAME", "remember_token"},
    {"REMEMBER_COOKIE_DOMAIN", NULL},
    {"REMEMBER_COOKIE_PATH", "/"},
    {"REMEMBER_COOKIE_SECURE", "false"},
    {"REMEMBER_COOKIE_HTTPONLY", "true"},
    {"REMEMBER_COOKIE_SAMESITE", NULL},
    {"REMEMBER_COOKIE_DURATION", "31536000"},
    {"REMEMBER_COOKIE_REFRESH_EACH_REQUEST", "false"},
    {"SESSION_PROTECTION", "basic"},
    {"USE_SESSION_FOR_NEXT", "false"},
    {"AUTH_HEADER_NAME", "Authorization"},
    {"FORCE_HOST_FOR_REDIRECTS", NULL},
    {"EXEMPT_METHODS", "OPTIONS"},
    {"LOGIN_DISABLED", "false"},
    {"LOGIN_VIEW", NULL},
    {"LOGIN_MESSAGE", "Please log in to access this page."},
    {"LOGIN_MESSAGE_CATEGORY", "message"},
    {"REFRESH_VIEW", NULL},
    {"NEEDS_REFRESH_MESSAGE", "Please reauthenticate to access this page."},
    {"NEEDS_REFRESH_MESSAGE_CATEGORY", "message"},
    {"SESSION_IDENTIFIER_FORMAT", "0.7"},
    {"TRUSTED_PROXIES", "0"},
    {"SESSION_STORE", "cookie"},
    {"SESSION_STORE_TIMEOUT_MS", "1000"},
    {"SESSION_STORE_MAX_ENTRIES", "100000"},
    {"SESSION_IDLE_TIMEOUT", "0"},
    {"SESSION_ABSOLUTE_TIMEOUT", "0"},
    {"SESSION_TOUCH_INTERVAL", "60"},
};
#define NSETTINGS (sizeof defaults / sizeof defaults[0])

/* One good value per setting (what get reads back) and one bad value. */
typedef struct roundtrip_row {
    const char *name;
    const char *good;
    const char *readback;
    const char *bad;
} roundtrip_row;

static const roundtrip_row roundtrips[] = {
    {"SECRET_KEY", "s3cret", "<hidden>", ""},
    {"SECRET_KEY_FALLBACKS", "[\"old1\",\"old2\"]", "<hidden>", "[\"old1\",\"\"]"},
    {"SESSION_COOKIE_NAME", "__Host-sid", "__Host-sid", "my session"},
    {"SESSION_COOKIE_DOMAIN", ".example.com", ".example.com", "a;b"},
    {"SESSION_COOKIE_PATH", "/app", "/app", "app"},
    {"SESSION_COOKIE_SECURE", "true", "true", "maybe"},
    {"SESSION_COOKIE_HTTPONLY", "false", "false", "2"},
    {"SESSION_COOKIE_SAMESITE", "Lax", "Lax", "lax "},
    {"PERMANENT_SESSION_LIFETIME", "3600", "3600", "-1"},
    {"SESSION_REFRESH_EACH_REQUEST", "no", "false", ""},
    {"REMEMBER_COOKIE_NAME", "rt", "rt", ""},
    {"REMEMBER_COOKIE_DOMAIN", "example.org", "example.org", "exa mple.org"},
    {"REMEMBER_COOKIE_PATH", "/x/y", "/x/y", "/x;y"},
    {"REMEMBER_COOKIE_SECURE", "on", "true", "onn"},
    {"REMEMBER_COOKIE_HTTPONLY", "0", "false", "O"},
    {"REMEMBER_COOKIE_SAMESITE", "strict", "Strict", "Strictly"},
    {"REMEMBER_COOKIE_DURATION", "86400", "86400", "1.5"},
    {"REMEMBER_COOKIE_REFRESH_EACH_REQUEST", "YES", "true", "y"},
    {"SESSION_PROTECTION", "strong", "strong", "weak"},
    {"USE_SESSION_FOR_NEXT", "1", "true", "10"},
    {"AUTH_HEADER_NAME", "X-Api-Key", "X-Api-Key", "X Api Key"},
    {"FORCE_HOST_FOR_REDIRECTS", "example.com:8443", "example.com:8443", "evil.com/x"},
    {"EXEMPT_METHODS", "options, head", "OPTIONS,HEAD", "GET,,POST"},
    {"LOGIN_DISABLED", "On", "true", "disabled"},
    {"LOGIN_VIEW", "/login", "/login", "login"},
    {"LOGIN_MESSAGE", "Bitte anmelden \xe2\x9c\x93", "Bitte anmelden \xe2\x9c\x93",
     "caf\xc3"},
    {"LOGIN_MESSAGE_CATEGORY", "info", "info", ""},
    {"REFRESH_VIEW", "https://auth.example.com/re", "https://auth.example.com/re",
     "//evil.com"},
    {"NEEDS_REFRESH_MESSAGE", "Again, please.", "Again, please.", "\xed\xa0\x80"},
    {"NEEDS_REFRESH_MESSAGE_CATEGORY", "warning", "warning", ""},
    {"SESSION_IDENTIFIER_FORMAT", "0.6", "0.6", "0.8"},
    {"TRUSTED_PROXIES", "2", "2", "17"},
    {"SESSION_STORE", "redis://:pa%40ss@10.0.0.5:6379/2", "redis://:<hidden>@10.0.0.5:6379/2",
     "postgres://db"},
    {"SESSION_STORE_TIMEOUT_MS", "250", "250", "0"},
    {"SESSION_STORE_MAX_ENTRIES", "5000", "5000", "-5"},
    {"SESSION_IDLE_TIMEOUT", "1800", "1800", "30m"},
    {"SESSION_ABSOLUTE_TIMEOUT", "null", "0", "1e4"},
    {"SESSION_TOUCH_INTERVAL", "0", "0", " 60"},
};
#define NROUNDTRIPS (sizeof roundtrips / sizeof roundtrips[0])

/* ---- helpers ---- */

static int setup(void **state) {
    clogin__config *c = malloc(sizeof *c);
    if (c == NULL || clogin__config_init(c) != CLOGIN_OK) {
        free(c);
        return -1;
    }
    *state = c;
    return 0;
}

static int teardown(void **state) {
    clogin__config_free(*state);
    free(*state);
    return 0;
}

static void expect_get(clogin__config *c, const char *name, const char *want) {
    const char *got = clogin__config_get(c, name);
    if (want == NULL) {
        if (got != NULL)
            fail_msg("%s: expected unset, got '%s'", name, got);
    } else {
        if (got == NULL)
            fail_msg("%s: expected '%s', got unset", name, want);
        if (strcmp(got, want) != 0)
            fail_msg("%s: expected '%s', got '%s'", name, want, got);
    }
}

static void set_ok(clogin__config *c, const char *name, const char *value) {
    char err[CLOGIN__ERRLEN] = "stale";
    clogin_status st = clogin__config_set(c, name, value, err);
    if (st != CLOGIN_OK)
        fail_msg("%s = '%s': %s (%s)", name, value ? value : "(NULL)",
                 clogin_status_name(st), err);
    assert_string_equal(err, "");
}

/* Every setting's value as text, to see that nothing changed. */
typedef struct snapshot {
    char *v[NSETTINGS];
} snapshot;

static void take(clogin__config *c, snapshot *s) {
    for (size_t i = 0; i < NSETTINGS; i++) {
        const char *v = clogin__config_get(c, defaults[i].name);
        s->v[i] = v ? strdup(v) : NULL;
        if (v)
            assert_non_null(s->v[i]);
    }
}

static void same_as(clogin__config *c, snapshot *s) {
    for (size_t i = 0; i < NSETTINGS; i++) {
        expect_get(c, defaults[i].name, s->v[i]);
        free(s->v[i]);
        s->v[i] = NULL;
    }
}

/* A bad value: ECONFIG, an error naming the setting, nothing changed. */
static void set_bad(clogin__config *c, const char *name, const char *value) {
    char err[CLOGIN__ERRLEN] = "";
    snapshot before;
    take(c, &before);
    clogin_status st = clogin__config_set(c, name, value, err);
    if (st != CLOGIN_ECONFIG)
        fail_msg("%s = '%s' should be refused, got %s", name, value,
                 clogin_status_name(st));
    if (strstr(err, name) == NULL)
        fail_msg("%s = '%s': error does not name the setting: '%s'", name,
                 value, err);
    same_as(c, &before);
}

static void expect_err(clogin__config *c, const char *name, const char *value,
                       const char *want) {
    char err[CLOGIN__ERRLEN] = "";
    assert_int_equal(clogin__config_set(c, name, value, err), CLOGIN_ECONFIG);
    assert_string_equal(err, want);
}

static int contains(const char *haystack, const char *needle) {
    return strstr(haystack, needle) != NULL;
}

/* ---- defaults ---- */

static void test_defaults_read_back(void **state) {
    clogin__config *c = *state;
    for (size_t i = 0; i < NSETTINGS; i++)
        expect_get(c, defaults[i].name, defaults[i].def);
}

static void test_defaults_in_the_struct(void **state) {
    clogin__config *c = *state;
    assert_null(c->secret_key.data);
    assert_int_equal(c->secret_key.len, 0);
    assert_null(c->fallback_keys);
    assert_int_equal(c->fallback_key_count, 0);

    const clogin__cookie_config *k[2] = {&c->session_cookie, &c->remember_cookie};
    assert_string_equal(k[0]->name, "session");
    assert_string_equal(k[1]->name, "remember_token");
    for (int i = 0; i < 2; i++) {
        assert_null(k[i]->domain);
        assert_string_equal(k[i]->path, "/");
        assert_int_equal(k[i]->secure, 0);
        assert_int_equal(k[i]->http_only, 1);
        assert_int_equal(k[i]->same_site, CLOGIN_SAMESITE_UNSET);
    }
    assert_int_equal(c->permanent_session_lifetime, 31 * 86400);
    assert_int_equal(c->session_refresh_each_request, 1);
    assert_int_equal(c->remember_cookie_duration, 365 * 86400);
    assert_int_equal(c->remember_cookie_refresh_each_request, 0);
    assert_int_equal(c->session_protection, CLOGIN__PROTECTION_BASIC);
    assert_int_equal(c->use_session_for_next, 0);
    assert_string_equal(c->auth_header_name, "Authorization");
    assert_null(c->force_host_for_redirects);
    assert_int_equal(c->exempt_method_count, 1);
    assert_string_equal(c->exempt_methods[0], "OPTIONS");
    assert_int_equal(c->login_disabled, 0);
    assert_null(c->login_view);
    assert_string_equal(c->login_message, "Please log in to access this page.");
    assert_string_equal(c->login_message_category, "message");
    assert_null(c->refresh_view);
    assert_string_equal(c->needs_refresh_message,
                        "Please reauthenticate to access this page.");
    assert_string_equal(c->needs_refresh_message_category, "message");
    assert_int_equal(c->identifier_format, CLOGIN_IDENTIFIER_07);
    assert_int_equal(c->trusted_proxies, 0);
}

/* ---- every setting: set, read back, refuse, restore ---- */

static void test_every_setting_round_trips(void **state) {
    clogin__config *c = *state;
    assert_int_equal(NROUNDTRIPS, NSETTINGS);
    for (size_t i = 0; i < NROUNDTRIPS; i++) {
        const roundtrip_row *r = &roundtrips[i];
        assert_string_equal(r->name, defaults[i].name);
        set_ok(c, r->name, r->good);
        expect_get(c, r->name, r->readback);
        set_bad(c, r->name, r->bad);
        expect_get(c, r->name, r->readback); /* the old value is kept */
        set_ok(c, r->name, NULL);
        expect_get(c, r->name, defaults[i].def);
    }
    /* After all that, the config is the defaults again. */
    for (size_t i = 0; i < NSETTINGS; i++)
        expect_get(c, defaults[i].name, defaults[i].def);
}

static void test_all_set_at_once_then_all_restored(void **state) {
    clogin__config *c = *state;
    for (size_t i = 0; i < NROUNDTRIPS; i++)
        set_ok(c, roundtrips[i].name, roundtrips[i].good);
    for (size_t i = 0; i < NROUNDTRIPS; i++)
        expect_get(c, roundtrips[i].name, roundtrips[i].readback);
    for (size_t i = 0; i < NSETTINGS; i++)
        set_ok(c, defaults[i].name, NULL);
    for (size_t i = 0; i < NSETTINGS; i++)
        expect_get(c, defaults[i].name, defaults[i].def);
    assert_null(c->secret_key.data);
    assert_int_equal(c->fallback_key_count, 0);
}

static void test_struct_after_setting(void **state) {
    clogin__config *c = *state;
    for (size_t i = 0; i < NROUNDTRIPS; i++)
        set_ok(c, roundtrips[i].name, roundtrips[i].good);
    assert_int_equal(c->secret_key.len, 6);
    assert_memory_equal(c->secret_key.data, "s3cret", 6);
    assert_int_equal(c->fallback_key_count, 2);
    assert_int_equal(c->fallback_keys[0].len, 4);
    assert_memory_equal(c->fallback_keys[0].data, "old1", 4);
    assert_memory_equal(c->fallback_keys[1].data, "old2", 4);
    assert_string_equal(c->session_cookie.name, "__Host-sid");
    assert_string_equal(c->session_cookie.domain, ".example.com");
    assert_string_equal(c->session_cookie.path, "/app");
    assert_int_equal(c->session_cookie.secure, 1);
    assert_int_equal(c->session_cookie.http_only, 0);
    assert_int_equal(c->session_cookie.same_site, CLOGIN_SAMESITE_LAX);
    assert_int_equal(c->permanent_session_lifetime, 3600);
    assert_int_equal(c->session_refresh_each_request, 0);
    assert_string_equal(c->remember_cookie.name, "rt");
    assert_string_equal(c->remember_cookie.domain, "example.org");
    assert_string_equal(c->remember_cookie.path, "/x/y");
    assert_int_equal(c->remember_cookie.secure, 1);
    assert_int_equal(c->remember_cookie.http_only, 0);
    assert_int_equal(c->remember_cookie.same_site, CLOGIN_SAMESITE_STRICT);
    assert_int_equal(c->remember_cookie_duration, 86400);
    assert_int_equal(c->remember_cookie_refresh_each_request, 1);
    assert_int_equal(c->session_protection, CLOGIN__PROTECTION_STRONG);
    assert_int_equal(c->use_session_for_next, 1);
    assert_string_equal(c->auth_header_name, "X-Api-Key");
    assert_string_equal(c->force_host_for_redirects, "example.com:8443");
    assert_int_equal(c->exempt_method_count, 2);
    assert_string_equal(c->exempt_methods[0], "OPTIONS");
    assert_string_equal(c->exempt_methods[1], "HEAD");
    assert_int_equal(c->login_disabled, 1);
    assert_string_equal(c->login_view, "/login");
    assert_string_equal(c->login_message, "Bitte anmelden \xe2\x9c\x93");
    assert_string_equal(c->login_message_category, "info");
    assert_string_equal(c->refresh_view, "https://auth.example.com/re");
    assert_string_equal(c->needs_refresh_message, "Again, please.");
    assert_string_equal(c->needs_refresh_message_category, "warning");
    assert_int_equal(c->identifier_format, CLOGIN_IDENTIFIER_06);
    assert_int_equal(c->trusted_proxies, 2);
}

/* ---- names ---- */

static void test_unknown_names(void **state) {
    clogin__config *c = *state;
    char err[CLOGIN__ERRLEN];
    snapshot before;
    take(c, &before);
    expect_err(c, "NO_SUCH_SETTING", "1", "unknown setting 'NO_SUCH_SETTING'");
    expect_err(c, "", "1", "unknown setting ''");
    expect_err(c, "secret_key", "x",
               "unknown setting 'secret_key': setting names are upper case, as "
               "in 'SECRET_KEY'");
    expect_err(c, "SECRET_KEY ", "x", "unknown setting 'SECRET_KEY '");
    expect_err(c, "LOGIN_MANAGER", NULL, "unknown setting 'LOGIN_MANAGER'");
    assert_int_equal(clogin__config_set(c, NULL, "x", err), CLOGIN_EINVAL);
    assert_int_equal(clogin__config_set(NULL, "SECRET_KEY", "x", err), CLOGIN_EINVAL);
    /* err may be NULL. */
    assert_int_equal(clogin__config_set(c, "NOPE", "x", NULL), CLOGIN_ECONFIG);
    assert_int_equal(clogin__config_set(c, "TRUSTED_PROXIES", "x", NULL),
                     CLOGIN_ECONFIG);
    same_as(c, &before);

    assert_null(clogin__config_get(c, "NO_SUCH_SETTING"));
    assert_null(clogin__config_get(c, "session_cookie_name"));
    assert_null(clogin__config_get(c, NULL));
    assert_null(clogin__config_get(NULL, "SESSION_COOKIE_NAME"));
}

static void test_error_quotes_odd_values(void **state) {
    clogin__config *c = *state;
    expect_err(c, "SESSION_COOKIE_SAMESITE", "lax ",
               "SESSION_COOKIE_SAMESITE must be Lax, Strict or None (or empty to "
               "leave it out), not 'lax '");
    expect_err(c, "SESSION_PROTECTION", "it's\x01\\",
               "SESSION_PROTECTION must be basic, strong or none, not "
               "'it\\'s\\x01\\\\'");
    expect_err(c, "LOGIN_MESSAGE", "caf\xc3",
               "LOGIN_MESSAGE must be valid UTF-8, not 'caf\\xc3'");
    /* Long values are cut. */
    char err[CLOGIN__ERRLEN];
    char long_value[300];
    memset(long_value, 'x', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    assert_int_equal(clogin__config_set(c, "TRUSTED_PROXIES", long_value, err),
                     CLOGIN_ECONFIG);
    assert_true(contains(err, "xxx...'"));
    assert_true(strlen(err) < 200);
}

/* ---- booleans ---- */

static void test_booleans(void **state) {
    clogin__config *c = *state;
    static const char *const yes[] = {"true", "TRUE", "True", "1", "yes",
                                      "Yes", "YES", "on", "ON", "oN"};
    static const char *const no[] = {"false", "FALSE", "False", "0", "no",
                                     "No", "off", "OFF", "Off"};
    static const char *const bad[] = {"", " true", "true ", "t", "f", "2", "-1",
                                      "truee", "y", "n", "None", "null", "01",
                                      "enabled", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        set_ok(c, "LOGIN_DISABLED", "false");
        set_ok(c, "LOGIN_DISABLED", yes[i]);
        assert_int_equal(c->login_disabled, 1);
        expect_get(c, "LOGIN_DISABLED", "true");
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        set_ok(c, "SESSION_COOKIE_HTTPONLY", "true");
        set_ok(c, "SESSION_COOKIE_HTTPONLY", no[i]);
        assert_int_equal(c->session_cookie.http_only, 0);
        expect_get(c, "SESSION_COOKIE_HTTPONLY", "false");
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        set_bad(c, "USE_SESSION_FOR_NEXT", bad[i]);
    assert_int_equal(c->use_session_for_next, 0);
    expect_err(c, "SESSION_COOKIE_SECURE", "sure",
               "SESSION_COOKIE_SECURE must be true or false (or 1/0, yes/no, "
               "on/off), not 'sure'");
}

/* ---- durations and numbers ---- */

static void test_durations(void **state) {
    clogin__config *c = *state;
    set_ok(c, "PERMANENT_SESSION_LIFETIME", "1");
    assert_int_equal(c->permanent_session_lifetime, 1);
    expect_get(c, "PERMANENT_SESSION_LIFETIME", "1");
    set_ok(c, "PERMANENT_SESSION_LIFETIME", "3155760000"); /* 100 years */
    assert_int_equal(c->permanent_session_lifetime, INT64_C(3155760000));
    expect_get(c, "PERMANENT_SESSION_LIFETIME", "3155760000");
    set_ok(c, "REMEMBER_COOKIE_DURATION", "0060"); /* leading zeros */
    assert_int_equal(c->remember_cookie_duration, 60);
    expect_get(c, "REMEMBER_COOKIE_DURATION", "60");

    static const char *const bad[] = {
        "", "0", "000", "-1", "+5", " 5", "5 ", "1.5", "1.0", "1e3", "0x10",
        "3155760001", "9223372036854775807", "9223372036854775808",
        "99999999999999999999999999", "12a", "\xd9\xa3" /* Arabic-Indic 3 */,
        "2678400s", "31 days"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        set_bad(c, "PERMANENT_SESSION_LIFETIME", bad[i]);
        set_bad(c, "REMEMBER_COOKIE_DURATION", bad[i]);
    }
    assert_int_equal(c->permanent_session_lifetime, INT64_C(3155760000));
    assert_int_equal(c->remember_cookie_duration, 60);
    expect_err(c, "REMEMBER_COOKIE_DURATION", "-5",
               "REMEMBER_COOKIE_DURATION must be a whole number of seconds from 1 "
               "to 3155760000 (100 years), not '-5'");
}

static void test_numbers_have_their_own_buffers(void **state) {
    clogin__config *c = *state;
    set_ok(c, "PERMANENT_SESSION_LIFETIME", "111");
    set_ok(c, "REMEMBER_COOKIE_DURATION", "222");
    set_ok(c, "TRUSTED_PROXIES", "3");
    const char *a = clogin__config_get(c, "PERMANENT_SESSION_LIFETIME");
    const char *b = clogin__config_get(c, "REMEMBER_COOKIE_DURATION");
    const char *t = clogin__config_get(c, "TRUSTED_PROXIES");
    /* Each pointer stays valid until its own setting changes. */
    assert_string_equal(a, "111");
    assert_string_equal(b, "222");
    assert_string_equal(t, "3");
    set_ok(c, "REMEMBER_COOKIE_DURATION", "3155760000");
    assert_string_equal(a, "111");
    assert_string_equal(t, "3");
    assert_string_equal(clogin__config_get(c, "REMEMBER_COOKIE_DURATION"),
                        "3155760000");
}

static void test_trusted_proxies(void **state) {
    clogin__config *c = *state;
    for (int i = 0; i <= 16; i++) {
        char text[8];
        snprintf(text, sizeof text, "%d", i);
        set_ok(c, "TRUSTED_PROXIES", text);
        assert_int_equal(c->trusted_proxies, i);
        expect_get(c, "TRUSTED_PROXIES", text);
    }
    static const char *const bad[] = {"17", "-1", "", " 1", "1.0", "one",
                                      "99999999999999999999", "+2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        set_bad(c, "TRUSTED_PROXIES", bad[i]);
    assert_int_equal(c->trusted_proxies, 16);
    expect_err(c, "TRUSTED_PROXIES", "17",
               "TRUSTED_PROXIES must be a whole number from 0 to 16 (how many "
               "proxies append to X-Forwarded-For), not '17'");
}

/* ---- enumerations ---- */

static void test_samesite(void **state) {
    clogin__config *c = *state;
    static const struct {
        const char *in;
        clogin_samesite want;
        const char *get;
    } ok[] = {
        {"Lax", CLOGIN_SAMESITE_LAX, "Lax"},
        {"lax", CLOGIN_SAMESITE_LAX, "Lax"},
        {"LAX", CLOGIN_SAMESITE_LAX, "Lax"},
        {"Strict", CLOGIN_SAMESITE_STRICT, "Strict"},
        {"sTrIcT", CLOGIN_SAMESITE_STRICT, "Strict"},
        /* "None" is SameSite=None, not Python's None. */
        {"None", CLOGIN_SAMESITE_NONE, "None"},
        {"none", CLOGIN_SAMESITE_NONE, "None"},
        {"", CLOGIN_SAMESITE_UNSET, NULL},
        {"null", CLOGIN_SAMESITE_UNSET, NULL},
        {"NULL", CLOGIN_SAMESITE_UNSET, NULL},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        set_ok(c, "SESSION_COOKIE_SAMESITE", "Strict");
        set_ok(c, "SESSION_COOKIE_SAMESITE", ok[i].in);
        assert_int_equal(c->session_cookie.same_site, ok[i].want);
        expect_get(c, "SESSION_COOKIE_SAMESITE", ok[i].get);
        set_ok(c, "REMEMBER_COOKIE_SAMESITE", "Lax");
        set_ok(c, "REMEMBER_COOKIE_SAMESITE", ok[i].in);
        assert_int_equal(c->remember_cookie.same_site, ok[i].want);
        expect_get(c, "REMEMBER_COOKIE_SAMESITE", ok[i].get);
    }
    set_ok(c, "REMEMBER_COOKIE_SAMESITE", "Lax");
    static const char *const bad[] = {"lax ", " Lax", "Laxx", "false", "0",
                                      "unset", "nul", "Non\xd0\xb5" /* Cyrillic e */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        set_bad(c, "REMEMBER_COOKIE_SAMESITE", bad[i]);
    assert_int_equal(c->remember_cookie.same_site, CLOGIN_SAMESITE_LAX);
    set_ok(c, "REMEMBER_COOKIE_SAMESITE", NULL);
    assert_int_equal(c->remember_cookie.same_site, CLOGIN_SAMESITE_UNSET);
}

static void test_session_protection(void **state) {
    clogin__config *c = *state;
    static const struct {
        const char *in;
        clogin__protection want;
        const char *get;
    } ok[] = {
        {"basic", CLOGIN__PROTECTION_BASIC, "basic"},
        {"BASIC", CLOGIN__PROTECTION_BASIC, "basic"},
        {"strong", CLOGIN__PROTECTION_STRONG, "strong"},
        {"Strong", CLOGIN__PROTECTION_STRONG, "strong"},
        {"none", CLOGIN__PROTECTION_OFF, "none"},
        {"None", CLOGIN__PROTECTION_OFF, "none"},
        {"null", CLOGIN__PROTECTION_OFF, "none"},
        {"", CLOGIN__PROTECTION_OFF, "none"},
        {"false", CLOGIN__PROTECTION_OFF, "none"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        set_ok(c, "SESSION_PROTECTION", "strong");
        set_ok(c, "SESSION_PROTECTION", ok[i].in);
        assert_int_equal(c->session_protection, ok[i].want);
        expect_get(c, "SESSION_PROTECTION", ok[i].get);
    }
    set_ok(c, "SESSION_PROTECTION", "strong");
    static const char *const bad[] = {"weak", "basic ", "1", "0", "off",
                                      "strongest", "true"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        set_bad(c, "SESSION_PROTECTION", bad[i]);
    assert_int_equal(c->session_protection, CLOGIN__PROTECTION_STRONG);
    set_ok(c, "SESSION_PROTECTION", NULL);
    assert_int_equal(c->session_protection, CLOGIN__PROTECTION_BASIC);
}

static void test_identifier_format(void **state) {
    clogin__config *c = *state;
    set_ok(c, "SESSION_IDENTIFIER_FORMAT", "0.6");
    assert_int_equal(c->identifier_format, CLOGIN_IDENTIFIER_06);
    expect_get(c, "SESSION_IDENTIFIER_FORMAT", "0.6");
    set_ok(c, "SESSION_IDENTIFIER_FORMAT", "0.7");
    assert_int_equal(c->identifier_format, CLOGIN_IDENTIFIER_07);
    expect_get(c, "SESSION_IDENTIFIER_FORMAT", "0.7");
    set_ok(c, "SESSION_IDENTIFIER_FORMAT", "0.6");
    static const char *const bad[] = {"", "0.8", "0.60", "6", "0.6.2", " 0.6",
                                      "0,6", "v0.6", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        set_bad(c, "SESSION_IDENTIFIER_FORMAT", bad[i]);
    assert_int_equal(c->identifier_format, CLOGIN_IDENTIFIER_06);
    set_ok(c, "SESSION_IDENTIFIER_FORMAT", NULL);
    assert_int_equal(c->identifier_format, CLOGIN_IDENTIFIER_07);
}

/* ---- EXEMPT_METHODS ---- */

static void expect_methods(clogin__config *c, const char *joined, size_t n,
                           const char *const *names) {
    expect_get(c, "EXEMPT_METHODS", joined);
    assert_int_equal(c->exempt_method_count, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(c->exempt_methods[i], names[i]);
}

static void test_exempt_methods(void **state) {
    clogin__config *c = *state;
    static const char *const three[] = {"OPTIONS", "HEAD", "GET"};
    set_ok(c, "EXEMPT_METHODS", "OPTIONS, head ,\tGet");
    expect_methods(c, "OPTIONS,HEAD,GET", 3, three);
    set_ok(c, "EXEMPT_METHODS", "[\"OPTIONS\",\"head\", \"GET\"]");
    expect_methods(c, "OPTIONS,HEAD,GET", 3, three);
    /* Duplicates are dropped (it is a set in Flask-Login). */
    set_ok(c, "EXEMPT_METHODS", "get,GET,Get,head");
    expect_methods(c, "GET,HEAD", 2, (const char *const[]){"GET", "HEAD"});
    /* Any token is a method (WebDAV's, custom ones). */
    set_ok(c, "EXEMPT_METHODS", "PROPFIND");
    expect_methods(c, "PROPFIND", 1, (const char *const[]){"PROPFIND"});

    /* Empty: nothing exempt, which is not the same as unset. */
    static const char *const empty[] = {"", "  ", "[]", "[ ]"};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        set_ok(c, "EXEMPT_METHODS", "GET");
        set_ok(c, "EXEMPT_METHODS", empty[i]);
        expect_methods(c, "", 0, NULL);
        assert_null(c->exempt_methods);
    }

    set_ok(c, "EXEMPT_METHODS", "OPTIONS,HEAD");
    static const char *const bad[] = {
        "GET,,POST", "GET,", ",GET", "GET POST", "GET;POST", "G\xc3\x89T",
        "GET\xff", "[", "[1]", "[\"GET\",]", "[\"GE T\"]", "[\"\"]", "[null]",
        "{\"a\":1}", "[\"GET\"] x", "[[\"GET\"]]", "GET/1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        set_bad(c, "EXEMPT_METHODS", bad[i]);
    expect_methods(c, "OPTIONS,HEAD", 2, (const char *const[]){"OPTIONS", "HEAD"});

    set_ok(c, "EXEMPT_METHODS", NULL);
    expect_methods(c, "OPTIONS", 1, (const char *const[]){"OPTIONS"});
}

/* ---- secrets ---- */

static void test_secret_key(void **state) {
    clogin__config *c = *state;
    set_ok(c, "SECRET_KEY", "first");
    assert_int_equal(c->secret_key.len, 5);
    assert_memory_equal(c->secret_key.data, "first", 5);
    expect_get(c, "SECRET_KEY", "<hidden>");
    /* Any bytes: a secret need not be UTF-8. */
    set_ok(c, "SECRET_KEY", "\xff\xfe\x01 x");
    assert_int_equal(c->secret_key.len, 5);
    assert_memory_equal(c->secret_key.data, "\xff\xfe\x01 x", 5);
    /* Empty is refused, and the old key kept. */
    char err[CLOGIN__ERRLEN];
    assert_int_equal(clogin__config_set(c, "SECRET_KEY", "", err), CLOGIN_ECONFIG);
    assert_true(contains(err, "SECRET_KEY"));
    assert_int_equal(c->secret_key.len, 5);
    assert_memory_equal(c->secret_key.data, "\xff\xfe\x01 x", 5);
    /* NULL unsets it. */
    set_ok(c, "SECRET_KEY", NULL);
    assert_null(c->secret_key.data);
    assert_int_equal(c->secret_key.len, 0);
    expect_get(c, "SECRET_KEY", NULL);
}

static void expect_keys(clogin__config *c, size_t n, const char *const *keys,
                        const size_t *lens) {
    assert_int_equal(c->fallback_key_count, n);
    expect_get(c, "SECRET_KEY_FALLBACKS", n ? "<hidden>" : NULL);
    if (n == 0)
        assert_null(c->fallback_keys);
    for (size_t i = 0; i < n; i++) {
        size_t len = lens ? lens[i] : strlen(keys[i]);
        assert_int_equal(c->fallback_keys[i].len, len);
        assert_memory_equal(c->fallback_keys[i].data, keys[i], len);
    }
}

static void test_secret_key_fallbacks(void **state) {
    clogin__config *c = *state;
    set_ok(c, "SECRET_KEY_FALLBACKS", "[\"old1\",\"old2\"]");
    expect_keys(c, 2, (const char *const[]){"old1", "old2"}, NULL);
    /* Whitespace inside the JSON, escapes, non-ASCII. */
    set_ok(c, "SECRET_KEY_FALLBACKS", "[ \"a\\\"b\" , \"\\u00e9\\u0000z\" ]");
    expect_keys(c, 2, (const char *const[]){"a\"b", "\xc3\xa9\0z"},
                (const size_t[]){3, 4});
    /* One key, taken as it is (not JSON), any bytes. */
    set_ok(c, "SECRET_KEY_FALLBACKS", "just-one \"key\"");
    expect_keys(c, 1, (const char *const[]){"just-one \"key\""}, NULL);
    set_ok(c, "SECRET_KEY_FALLBACKS", "\xff\x80");
    expect_keys(c, 1, (const char *const[]){"\xff\x80"}, NULL);
    set_ok(c, "SECRET_KEY_FALLBACKS", "{\"a\": 1}");
    expect_keys(c, 1, (const char *const[]){"{\"a\": 1}"}, NULL);
    /* None. */
    set_ok(c, "SECRET_KEY_FALLBACKS", "");
    expect_keys(c, 0, NULL, NULL);
    set_ok(c, "SECRET_KEY_FALLBACKS", "k");
    set_ok(c, "SECRET_KEY_FALLBACKS", "[]");
    expect_keys(c, 0, NULL, NULL);

    set_ok(c, "SECRET_KEY_FALLBACKS", "[\"keep-me\"]");
    static const char *const bad[] = {
        "[\"a\",\"\"]", "[\"\"]", "[1]", "[\"a\",null]", "[\"a\"", "[\"a\"]]",
        "[\"a\"] [\"b\"]", "[{\"k\":\"v\"}]", "[[\"a\"]]", "[\"\xff\"]",
        "[\"a\",]", "[topsecret]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        set_bad(c, "SECRET_KEY_FALLBACKS", bad[i]);
    expect_keys(c, 1, (const char *const[]){"keep-me"}, NULL);

    /* Errors never repeat a key. */
    char err[CLOGIN__ERRLEN];
    assert_int_equal(clogin__config_set(c, "SECRET_KEY_FALLBACKS",
                                        "[\"hunter2\", 7]", err),
                     CLOGIN_ECONFIG);
    assert_true(contains(err, "SECRET_KEY_FALLBACKS"));
    assert_true(contains(err, "item 2 is not a string"));
    assert_false(contains(err, "hunter2"));
    assert_int_equal(clogin__config_set(c, "SECRET_KEY_FALLBACKS",
                                        "[\"hunter2\" \"x\"]", err),
                     CLOGIN_ECONFIG);
    assert_true(contains(err, "not valid JSON"));
    assert_false(contains(err, "hunter2"));

    set_ok(c, "SECRET_KEY_FALLBACKS", NULL);
    expect_keys(c, 0, NULL, NULL);
}

/* ---- cookie names, paths, domains ---- */

static void test_cookie_names(void **state) {
    clogin__config *c = *state;
    static const char *const ok[] = {"sid", "__Host-session", "__Secure-rt",
                                     "a.b-c_d", "x!#$%&'*+-.^_`|~9"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        set_ok(c, "SESSION_COOKIE_NAME", ok[i]);
        assert_string_equal(c->session_cookie.name, ok[i]);
        set_ok(c, "REMEMBER_COOKIE_NAME", ok[i]);
        assert_string_equal(c->remember_cookie.name, ok[i]);
    }
    set_ok(c, "SESSION_COOKIE_NAME", "sid");
    static const char *const bad[] = {"", "a b", "a;b", "a=b", "a,b", "a\"b",
                                      "a\tb", "(a)", "a/b", "s\xc3\xa9ssion",
                                      "a\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        set_bad(c, "SESSION_COOKIE_NAME", bad[i]);
        set_bad(c, "REMEMBER_COOKIE_NAME", bad[i]);
    }
    assert_string_equal(c->session_cookie.name, "sid");
    /* "None" is a cookie name like any other, not "unset". */
    set_ok(c, "SESSION_COOKIE_NAME", "None");
    expect_get(c, "SESSION_COOKIE_NAME", "None");
}

static void test_cookie_paths(void **state) {
    clogin__config *c = *state;
    static const char *const ok[] = {"/", "/app", "/a%20b/", "/x?y=1", "/~u"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        set_ok(c, "SESSION_COOKIE_PATH", ok[i]);
        expect_get(c, "SESSION_COOKIE_PATH", ok[i]);
        set_ok(c, "REMEMBER_COOKIE_PATH", ok[i]);
        assert_string_equal(c->remember_cookie.path, ok[i]);
    }
    set_ok(c, "REMEMBER_COOKIE_PATH", "/keep");
    static const char *const bad[] = {"", "app", " /app", "/a b", "/a;b",
                                      "/a\tb", "/a\nb", "/caf\xc3\xa9", "None",
                                      "null", "/a\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        set_bad(c, "REMEMBER_COOKIE_PATH", bad[i]);
    assert_string_equal(c->remember_cookie.path, "/keep");
    set_ok(c, "REMEMBER_COOKIE_PATH", NULL);
    assert_string_equal(c->remember_cookie.path, "/");
}

static void test_cookie_domains(void **state) {
    clogin__config *c = *state;
    static const char *const ok[] = {"example.com", ".example.com", "localhost",
                                     "xn--bcher-kva.de", "10.0.0.1"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        set_ok(c, "SESSION_COOKIE_DOMAIN", ok[i]);
        expect_get(c, "SESSION_COOKIE_DOMAIN", ok[i]);
        assert_string_equal(c->session_cookie.domain, ok[i]);
    }
    static const char *const unset[] = {"", "None", "null"};
    for (size_t i = 0; i < sizeof unset / sizeof unset[0]; i++) {
        set_ok(c, "REMEMBER_COOKIE_DOMAIN", "example.com");
        set_ok(c, "REMEMBER_COOKIE_DOMAIN", unset[i]);
        assert_null(c->remember_cookie.domain);
        expect_get(c, "REMEMBER_COOKIE_DOMAIN", NULL);
    }
    set_ok(c, "REMEMBER_COOKIE_DOMAIN", "example.com");
    static const char *const bad[] = {"exa mple.com", "a;b", "ex\x01.com",
                                      "b\xc3\xbc\x63her.de", " example.com",
                                      "example.com\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        set_bad(c, "REMEMBER_COOKIE_DOMAIN", bad[i]);
    assert_string_equal(c->remember_cookie.domain, "example.com");
}

/* ---- header, host, views, messages ---- */

static void test_auth_header_name(void **state) {
    clogin__config *c = *state;
    set_ok(c, "AUTH_HEADER_NAME", "X-Api-Key");
    assert_string_equal(c->auth_header_name, "X-Api-Key");
    static const char *const bad[] = {"", "X Api", "X:Y", "X-Api-Key:",
                                      "\xc3\xa9", "X\r\nY"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        set_bad(c, "AUTH_HEADER_NAME", bad[i]);
    assert_string_equal(c->auth_header_name, "X-Api-Key");
    set_ok(c, "AUTH_HEADER_NAME", NULL);
    assert_string_equal(c->auth_header_name, "Authorization");
}

static void test_force_host(void **state) {
    clogin__config *c = *state;
    static const char *const ok[] = {"example.com", "example.com:8443",
                                     "[::1]:8080", "localhost"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        set_ok(c, "FORCE_HOST_FOR_REDIRECTS", ok[i]);
        expect_get(c, "FORCE_HOST_FOR_REDIRECTS", ok[i]);
    }
    static const char *const unset[] = {"", "None", "null"};
    for (size_t i = 0; i < sizeof unset / sizeof unset[0]; i++) {
        set_ok(c, "FORCE_HOST_FOR_REDIRECTS", "example.com");
        set_ok(c, "FORCE_HOST_FOR_REDIRECTS", unset[i]);
        assert_null(c->force_host_for_redirects);
    }
    set_ok(c, "FORCE_HOST_FOR_REDIRECTS", "example.com");
    static const char *const bad[] = {"evil.com/x", "a b", "user@evil.com",
                                      "evil.com?x", "evil.com#x", "a\\b",
                                      "https://example.com", "h\xc3\xa9.com"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        set_bad(c, "FORCE_HOST_FOR_REDIRECTS", bad[i]);
    assert_string_equal(c->force_host_for_redirects, "example.com");
}

static void test_views(void **state) {
    clogin__config *c = *state;
    static const char *const ok[] = {
        "/login", "/", "/auth/login?x=1", "/caf\xc3\xa9",
        "http://auth.example.com", "https://auth.example.com/login?next=1",
        "HTTPS://Example.com/x", "http://[::1]:8080/in"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        set_ok(c, "LOGIN_VIEW", ok[i]);
        expect_get(c, "LOGIN_VIEW", ok[i]);
        set_ok(c, "REFRESH_VIEW", ok[i]);
        assert_string_equal(c->refresh_view, ok[i]);
    }
    static const char *const unset[] = {"", "None", "null"};
    for (size_t i = 0; i < sizeof unset / sizeof unset[0]; i++) {
        set_ok(c, "LOGIN_VIEW", "/login");
        set_ok(c, "LOGIN_VIEW", unset[i]);
        assert_null(c->login_view);
        expect_get(c, "LOGIN_VIEW", NULL);
    }
    set_ok(c, "LOGIN_VIEW", "/login");
    set_ok(c, "REFRESH_VIEW", "/refresh");
    static const char *const bad[] = {
        "login", "auth.login", "//evil.com/login", "/\\evil.com", "https://",
        "https:///x", "http://?x", "ftp://example.com", "javascript:alert(1)",
        "/a b", "/a\tb", "/a\x7f", "https://exa mple.com", " /login",
        "http:/x", "http:evil.com", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        set_bad(c, "LOGIN_VIEW", bad[i]);
        set_bad(c, "REFRESH_VIEW", bad[i]);
    }
    assert_string_equal(c->login_view, "/login");
    assert_string_equal(c->refresh_view, "/refresh");
    expect_err(c, "LOGIN_VIEW", "auth.login",
               "LOGIN_VIEW must be a path starting with '/' or an absolute "
               "http:// or https:// URL, without spaces (C has no endpoint names "
               "to resolve), not 'auth.login'");
}

static void test_messages(void **state) {
    clogin__config *c = *state;
    static const char *names[] = {"LOGIN_MESSAGE", "NEEDS_REFRESH_MESSAGE"};
    for (int n = 0; n < 2; n++) {
        char **field = n == 0 ? &c->login_message : &c->needs_refresh_message;
        set_ok(c, names[n], "Anmelden, bitte \xf0\x9f\x94\x91\n");
        assert_string_equal(*field, "Anmelden, bitte \xf0\x9f\x94\x91\n");
        expect_get(c, names[n], "Anmelden, bitte \xf0\x9f\x94\x91\n");
        /* Unset: no flash at all. */
        static const char *const unset[] = {"", "None", "null"};
        for (size_t i = 0; i < sizeof unset / sizeof unset[0]; i++) {
            set_ok(c, names[n], "x");
            set_ok(c, names[n], unset[i]);
            assert_null(*field);
            expect_get(c, names[n], NULL);
        }
        /* Other spellings are ordinary text. */
        set_ok(c, names[n], "none");
        expect_get(c, names[n], "none");
        /* Invalid UTF-8. */
        static const char *const bad[] = {
            "caf\xc3", "\xc3\x28", "\xc0\xaf" /* overlong */,
            "\xe0\x80\xaf" /* overlong */, "\xed\xa0\x80" /* surrogate */,
            "\xf4\x90\x80\x80" /* > U+10FFFF */, "\xf5\x80\x80\x80", "\xff",
            "\x80", "ok \xe2\x9c"};
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
            set_bad(c, names[n], bad[i]);
        expect_get(c, names[n], "none");
        set_ok(c, names[n], NULL);
    }
    assert_string_equal(c->login_message, "Please log in to access this page.");
    assert_string_equal(c->needs_refresh_message,
                        "Please reauthenticate to access this page.");
    /* Four-byte and edge code points are valid. */
    set_ok(c, "LOGIN_MESSAGE", "\xf4\x8f\xbf\xbf \xef\xbf\xbf \xc2\x80 \xed\x9f\xbf");
}

static void test_categories(void **state) {
    clogin__config *c = *state;
    set_ok(c, "LOGIN_MESSAGE_CATEGORY", "info");
    set_ok(c, "NEEDS_REFRESH_MESSAGE_CATEGORY", "None"); /* literal text */
    expect_get(c, "LOGIN_MESSAGE_CATEGORY", "info");
    expect_get(c, "NEEDS_REFRESH_MESSAGE_CATEGORY", "None");
    set_bad(c, "LOGIN_MESSAGE_CATEGORY", "");
    set_bad(c, "NEEDS_REFRESH_MESSAGE_CATEGORY", "\xff");
    assert_string_equal(c->login_message_category, "info");
    set_ok(c, "LOGIN_MESSAGE_CATEGORY", NULL);
    assert_string_equal(c->login_message_category, "message");
}

/* ---- environment ---- */

static void test_env_loads_known_names(void **state) {
    clogin__config *c = *state;
    char err[CLOGIN__ERRLEN] = "stale";
    setenv("CLOGINTEST_SECRET_KEY", "env-secret", 1);
    setenv("CLOGINTEST_SECRET_KEY_FALLBACKS", "[\"a\",\"b\"]", 1);
    setenv("CLOGINTEST_SESSION_COOKIE_NAME", "sid", 1);
    setenv("CLOGINTEST_REMEMBER_COOKIE_DURATION", "60", 1);
    setenv("CLOGINTEST_SESSION_COOKIE_SECURE", "true", 1);
    setenv("CLOGINTEST_LOGIN_MESSAGE", "", 1);
    setenv("CLOGINTEST_NOT_A_SETTING", "ignored", 1);
    setenv("CLOGINTEST_SECRET_KEYX", "ignored", 1);
    setenv("CLOGINTEST_secret_key", "ignored", 1);
    setenv("XCLOGINTEST_LOGIN_VIEW", "/ignored", 1);
    assert_int_equal(clogin__config_load_env(c, "CLOGINTEST_", err), CLOGIN_OK);
    assert_string_equal(err, "");
    assert_int_equal(c->secret_key.len, 10);
    assert_memory_equal(c->secret_key.data, "env-secret", 10);
    assert_int_equal(c->fallback_key_count, 2);
    expect_get(c, "SESSION_COOKIE_NAME", "sid");
    expect_get(c, "REMEMBER_COOKIE_DURATION", "60");
    expect_get(c, "SESSION_COOKIE_SECURE", "true");
    expect_get(c, "LOGIN_MESSAGE", NULL);
    expect_get(c, "LOGIN_VIEW", NULL);
    /* Untouched settings keep their defaults. */
    expect_get(c, "REMEMBER_COOKIE_NAME", "remember_token");
    expect_get(c, "PERMANENT_SESSION_LIFETIME", "2678400");
    static const char *const vars[] = {
        "CLOGINTEST_SECRET_KEY", "CLOGINTEST_SECRET_KEY_FALLBACKS",
        "CLOGINTEST_SESSION_COOKIE_NAME", "CLOGINTEST_REMEMBER_COOKIE_DURATION",
        "CLOGINTEST_SESSION_COOKIE_SECURE", "CLOGINTEST_LOGIN_MESSAGE",
        "CLOGINTEST_NOT_A_SETTING", "CLOGINTEST_SECRET_KEYX",
        "CLOGINTEST_secret_key", "XCLOGINTEST_LOGIN_VIEW"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    /* Nothing left: loading again changes nothing. */
    snapshot before;
    take(c, &before);
    assert_int_equal(clogin__config_load_env(c, "CLOGINTEST_", err), CLOGIN_OK);
    same_as(c, &before);
}

static void test_env_error_changes_nothing(void **state) {
    clogin__config *c = *state;
    char err[CLOGIN__ERRLEN];
    setenv("CLOGINTEST2_LOGIN_VIEW", "/in", 1);
    setenv("CLOGINTEST2_TRUSTED_PROXIES", "99", 1);
    setenv("CLOGINTEST2_USE_SESSION_FOR_NEXT", "true", 1);
    snapshot before;
    take(c, &before);
    assert_int_equal(clogin__config_load_env(c, "CLOGINTEST2_", err), CLOGIN_ECONFIG);
    assert_string_equal(err, "environment variable CLOGINTEST2_TRUSTED_PROXIES must "
                             "be a whole number from 0 to 16 (how many proxies "
                             "append to X-Forwarded-For), not '99'");
    /* Neither the settings before the bad one nor those after changed. */
    same_as(c, &before);
    setenv("CLOGINTEST2_TRUSTED_PROXIES", "1", 1);
    assert_int_equal(clogin__config_load_env(c, "CLOGINTEST2_", err), CLOGIN_OK);
    expect_get(c, "LOGIN_VIEW", "/in");
    expect_get(c, "TRUSTED_PROXIES", "1");
    expect_get(c, "USE_SESSION_FOR_NEXT", "true");
    unsetenv("CLOGINTEST2_LOGIN_VIEW");
    unsetenv("CLOGINTEST2_TRUSTED_PROXIES");
    unsetenv("CLOGINTEST2_USE_SESSION_FOR_NEXT");

    /* A bad secret is never quoted, even from the environment. */
    setenv("CLOGINTEST3_SECRET_KEY_FALLBACKS", "[\"hunter2\",\"\"]", 1);
    assert_int_equal(clogin__config_load_env(c, "CLOGINTEST3_", err), CLOGIN_ECONFIG);
    assert_true(contains(err, "CLOGINTEST3_SECRET_KEY_FALLBACKS"));
    assert_false(contains(err, "hunter2"));
    unsetenv("CLOGINTEST3_SECRET_KEY_FALLBACKS");
}

static void test_env_default_and_empty_prefix(void **state) {
    clogin__config *c = *state;
    char err[CLOGIN__ERRLEN];
    /* NULL: "CLOGIN_". Only this test's own variable may differ. */
    const char *had = getenv("CLOGIN_LOGIN_DISABLED");
    char *saved = had ? strdup(had) : NULL;
    setenv("CLOGIN_LOGIN_DISABLED", "yes", 1);
    clogin__config probe;
    assert_int_equal(clogin__config_init(&probe), CLOGIN_OK);
    assert_int_equal(clogin__config_load_env(&probe, NULL, err), CLOGIN_OK);
    assert_int_equal(probe.login_disabled, 1);
    clogin__config_free(&probe);
    if (saved) {
        setenv("CLOGIN_LOGIN_DISABLED", saved, 1);
        free(saved);
    } else {
        unsetenv("CLOGIN_LOGIN_DISABLED");
    }

    /* An empty prefix reads the bare names. */
    setenv("REMEMBER_COOKIE_REFRESH_EACH_REQUEST", "on", 1);
    assert_int_equal(clogin__config_load_env(c, "", err), CLOGIN_OK);
    assert_int_equal(c->remember_cookie_refresh_each_request, 1);
    unsetenv("REMEMBER_COOKIE_REFRESH_EACH_REQUEST");

    assert_int_equal(clogin__config_load_env(NULL, "X_", err), CLOGIN_EINVAL);
}

/* ---- validate ---- */

static void validate_ok(const clogin__config *c) {
    char err[CLOGIN__ERRLEN] = "stale";
    clogin_status st = clogin__config_validate(c, err);
    if (st != CLOGIN_OK)
        fail_msg("validate: %s (%s)", clogin_status_name(st), err);
    assert_string_equal(err, "");
}

static void validate_fails(const clogin__config *c, const char *want) {
    char err[CLOGIN__ERRLEN] = "";
    assert_int_equal(clogin__config_validate(c, err), CLOGIN_ECONFIG);
    if (!contains(err, want))
        fail_msg("validate's error '%s' lacks '%s'", err, want);
}

static void test_validate_secret_key(void **state) {
    clogin__config *c = *state;
    validate_fails(c, "SECRET_KEY is required");
    set_ok(c, "SECRET_KEY_FALLBACKS", "old"); /* fallbacks alone are not enough */
    validate_fails(c, "SECRET_KEY is required");
    set_ok(c, "SECRET_KEY", "k");
    validate_ok(c);
    set_ok(c, "SECRET_KEY", NULL);
    validate_fails(c, "SECRET_KEY is required");
    assert_int_equal(clogin__config_validate(NULL, NULL), CLOGIN_EINVAL);
}

static void test_validate_cookie_rules(void **state) {
    clogin__config *c = *state;
    set_ok(c, "SECRET_KEY", "k");
    static const char *const which[] = {"SESSION_COOKIE", "REMEMBER_COOKIE"};
    for (int w = 0; w < 2; w++) {
        char name[64], secure[64], path[64], domain[64], samesite[64];
        snprintf(name, sizeof name, "%s_NAME", which[w]);
        snprintf(secure, sizeof secure, "%s_SECURE", which[w]);
        snprintf(path, sizeof path, "%s_PATH", which[w]);
        snprintf(domain, sizeof domain, "%s_DOMAIN", which[w]);
        snprintf(samesite, sizeof samesite, "%s_SAMESITE", which[w]);

        /* __Secure- needs Secure, whatever the path and domain. */
        set_ok(c, name, w ? "__Secure-rt" : "__Secure-sid");
        set_ok(c, path, "/app");
        set_ok(c, domain, "example.com");
        validate_fails(c, secure);
        set_ok(c, secure, "true");
        validate_ok(c);

        /* __Host- needs Secure, path "/" and no domain: each alone fails. */
        set_ok(c, name, w ? "__Host-rt" : "__Host-sid");
        set_ok(c, path, "/");
        set_ok(c, domain, NULL);
        validate_ok(c);
        set_ok(c, secure, "false");
        validate_fails(c, secure);
        set_ok(c, secure, "true");
        set_ok(c, path, "/app");
        validate_fails(c, path);
        set_ok(c, path, "/");
        set_ok(c, domain, ".example.com");
        validate_fails(c, domain);
        set_ok(c, domain, NULL);
        validate_ok(c);

        /* Browsers match the prefixes without regard to case. */
        set_ok(c, name, w ? "__host-rt" : "__HOST-sid");
        set_ok(c, path, "/x");
        validate_fails(c, path);
        set_ok(c, path, "/");
        set_ok(c, name, w ? "__SECURE-rt" : "__secure-sid");
        set_ok(c, secure, "false");
        validate_fails(c, secure);
        /* Names that merely contain the prefix are not concerned. */
        set_ok(c, name, w ? "x__Host-rt" : "_Secure-sid");
        validate_ok(c);

        /* SameSite=None needs Secure. */
        set_ok(c, samesite, "None");
        validate_fails(c, samesite);
        set_ok(c, secure, "true");
        validate_ok(c);
        set_ok(c, secure, "false");
        set_ok(c, samesite, "Lax");
        validate_ok(c);
        set_ok(c, samesite, "Strict");
        validate_ok(c);
        set_ok(c, samesite, NULL);
        validate_ok(c);
        set_ok(c, name, NULL);
    }
}

static void test_validate_distinct_names(void **state) {
    clogin__config *c = *state;
    set_ok(c, "SECRET_KEY", "k");
    set_ok(c, "REMEMBER_COOKIE_NAME", "session");
    validate_fails(c, "SESSION_COOKIE_NAME and REMEMBER_COOKIE_NAME must differ");
    set_ok(c, "SESSION_COOKIE_NAME", "Session"); /* names are case-sensitive */
    validate_ok(c);
    set_ok(c, "SESSION_COOKIE_NAME", "sid");
    set_ok(c, "REMEMBER_COOKIE_NAME", "sid");
    validate_fails(c, "'sid'");
    set_ok(c, "REMEMBER_COOKIE_NAME", NULL);
    validate_ok(c);
}

static void test_validate_full_production_setup(void **state) {
    clogin__config *c = *state;
    static const char *const prod[][2] = {
        {"SECRET_KEY", "0123456789abcdef0123456789abcdef"},
        {"SESSION_COOKIE_NAME", "__Host-session"},
        {"SESSION_COOKIE_SECURE", "true"},
        {"SESSION_COOKIE_SAMESITE", "Lax"},
        {"REMEMBER_COOKIE_NAME", "__Host-remember_token"},
        {"REMEMBER_COOKIE_SECURE", "true"},
        {"REMEMBER_COOKIE_SAMESITE", "Lax"},
        {"SESSION_PROTECTION", "strong"},
    };
    for (size_t i = 0; i < sizeof prod / sizeof prod[0]; i++)
        set_ok(c, prod[i][0], prod[i][1]);
    validate_ok(c);
}

/* ---- lifetime ---- */

/* A Redis password reads back hidden, as the secret keys do. */
static void test_store_password_hidden(void **state) {
    clogin__config *c = *state;
    static const char *const cases[][2] = {
        {"redis://app:pw@[::1]/0", "redis://app:<hidden>@[::1]/0"},
        {"redis://tok@h/1", "redis://<hidden>@h/1"},
        {"redis://h:6379/0", "redis://h:6379/0"},
        {"redis://h/0?x=a@b", "redis://h/0?x=a@b"},
        {"sqlite:/var/lib/a@b/s.db", "sqlite:/var/lib/a@b/s.db"},
        {"memory", "memory"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        set_ok(c, "SESSION_STORE", cases[i][0]);
        expect_get(c, "SESSION_STORE", cases[i][1]);
        assert_string_equal(c->session_store, cases[i][0]); /* used as given */
    }
    char err[CLOGIN__ERRLEN];
    assert_int_equal(clogin__config_set(c, "SESSION_STORE", "sqlite:", err), CLOGIN_ECONFIG);
    assert_non_null(strstr(err, "must be cookie, memory, sqlite:PATH or redis://HOST:PORT/DB"));
}

static void test_init_free_cycles(void **state) {
    (void)state;
    clogin__config c;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(clogin__config_init(&c), CLOGIN_OK);
        set_ok(&c, "SECRET_KEY", "k");
        set_ok(&c, "SECRET_KEY_FALLBACKS", "[\"a\",\"b\",\"c\"]");
        set_ok(&c, "EXEMPT_METHODS", "GET,HEAD");
        set_ok(&c, "LOGIN_VIEW", "/login");
        clogin__config_free(&c);
        /* Freed: everything reads as empty, and freeing again is harmless. */
        assert_null(c.secret_key.data);
        assert_null(c.fallback_keys);
        assert_null(c.exempt_methods);
        assert_null(c.session_cookie.name);
        clogin__config_free(&c);
    }
    clogin__config_free(NULL);
    assert_int_equal(clogin__config_init(NULL), CLOGIN_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_defaults_read_back),
        T(test_defaults_in_the_struct),
        T(test_every_setting_round_trips),
        T(test_all_set_at_once_then_all_restored),
        T(test_struct_after_setting),
        T(test_unknown_names),
        T(test_error_quotes_odd_values),
        T(test_booleans),
        T(test_durations),
        T(test_numbers_have_their_own_buffers),
        T(test_trusted_proxies),
        T(test_samesite),
        T(test_session_protection),
        T(test_identifier_format),
        T(test_exempt_methods),
        T(test_secret_key),
        T(test_secret_key_fallbacks),
        T(test_cookie_names),
        T(test_cookie_paths),
        T(test_cookie_domains),
        T(test_auth_header_name),
        T(test_force_host),
        T(test_views),
        T(test_messages),
        T(test_categories),
        T(test_env_loads_known_names),
        T(test_env_error_changes_nothing),
        T(test_env_default_and_empty_prefix),
        T(test_validate_secret_key),
        T(test_validate_cookie_rules),
        T(test_validate_distinct_names),
        T(test_validate_full_production_setup),
        T(test_store_password_hidden),
    T(test_init_free_cycles),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
