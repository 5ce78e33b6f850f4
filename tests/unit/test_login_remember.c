/* Flask-Login's "remember me": the cookie's value and attributes, its
 * duration (365 days, REMEMBER_COOKIE_DURATION, login_user(duration=)),
 * restoring a login that is not fresh, user_loaded_from_cookie, refreshing
 * the cookie, deleting it at logout, refusing bad cookies, and (clogin.h)
 * strong protection that does not make the cookie single-use. */
#include "harness.h"

/* Flask-Login 0.6.2: encode_cookie("1") with SECRET_KEY "deterministic"
 * (CookieEncodingTestCase). */
static const char flask_remember_1[] =
    "1|0e9e6e9855fbe6df7906ec4737578a1d491b38d3fd5246c1561016e189d6516"
    "043286501ca43257c938e60aad77acec5ce916b94ca9d00c0bb6f9883ae4b82ae";

/* What Werkzeug's dump_cookie() sends for Flask-Login's remember cookie of
 * the user "佐藤": quoted, the UTF-8 bytes as octal escapes. */
static const char flask_remember_sato[] =
    "\"\\344\\275\\220\\350\\227\\244|19eb6417c22e6e4ba7d9ca586d4778e3436a98c174be84347"
    "090be382a1ce3b4730f292c921228e1dbccf4a638ed10f9ec0fe31a979168fa2d49c0275705a74c\"";

static char ident[CLOGIN_SESSION_ID_LEN + 1];

static int setup(void **state) {
    (void)state;
    h_ident(H_ADDR, H_UA, ident);
    return 0;
}

static void remember_login(h_client *c, const char *id, int64_t duration, h_call *call) {
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.remember = 1;
    o.duration = duration;
    h_open(call, c, "GET", "/login-notch-remember", NULL);
    assert_int_equal(clogin_login_user(call->r, h_user_new(c->app, id), &o), CLOGIN_OK);
    h_close(call);
}

/* test_remember_me: the exact cookie, then a closed browser comes back. */
static void test_remember_me(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    remember_login(&c, "1", 0, &call);
    /* Flask-Login's value, 365 days, HttpOnly, Path=/ and no Max-Age */
    char expected[512];
    snprintf(expected, sizeof expected,
             "remember_token=%s; Expires=Wed, 13 Nov 2024 22:13:20 GMT; HttpOnly; Path=/",
             flask_remember_1);
    assert_string_equal(h_set_cookie(&call, "remember_token"), expected);
    /* _remember was consumed; no _remember_seconds without a duration */
    char json[512], want[512];
    snprintf(want, sizeof want, "{\"_fresh\":true,\"_id\":\"%s\",\"_user_id\":\"1\"}", ident);
    assert_string_equal(h_session_json(&c, json, sizeof json), want);

    h_delete_session(&c);
    c.now += 3600;
    h_signals_reset(&a);
    h_open(&call, &c, "GET", "/username", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Notch");
    assert_false(clogin_login_fresh(call.r)); /* test_remember_me_is_unfresh */
    assert_true(clogin_login_remembered(call.r));
    h_close(&call);
    /* test_user_loaded_from_cookie_fired */
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOADED_FROM_COOKIE), 1);
    assert_string_equal(a.signal_user[CLOGIN_SIGNAL_USER_LOADED_FROM_COOKIE], "1");
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOGGED_IN), 0);
    /* the session is written again (not fresh, with the identifier), the
     * remember cookie is left alone */
    assert_null(h_set_cookie(&call, "remember_token"));
    snprintf(want, sizeof want, "{\"_fresh\":false,\"_id\":\"%s\",\"_user_id\":\"1\"}", ident);
    assert_string_equal(h_session_json(&c, json, sizeof json), want);
    assert_false(h_get_is_fresh(&c));
    h_app_free(&a);
}

/* test_authentication_is_fresh; test_login_user_remembered as clogin.h
 * defines login_remembered(): a verified cookie was sent. */
static void test_remembered_and_fresh(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    h_open(&call, &c, "GET", "/login-notch-remember", NULL);
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.remember = 1;
    assert_int_equal(clogin_login_user(call.r, h_user_new(&a, "1"), &o), CLOGIN_OK);
    assert_false(clogin_login_remembered(call.r)); /* no cookie sent yet */
    h_close(&call);
    assert_true(h_get_is_fresh(&c));
    h_open(&call, &c, "GET", "/is-remembered", NULL);
    assert_true(clogin_login_remembered(call.r));
    h_close(&call);
    h_app_free(&a);
}

/* test_remember_me_custom_duration */
static void test_remember_me_custom_duration(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    remember_login(&c, "1", 7 * 3600, &call);
    char expected[512];
    snprintf(expected, sizeof expected,
             "remember_token=%s; Expires=Wed, 15 Nov 2023 05:13:20 GMT; HttpOnly; Path=/",
             flask_remember_1);
    assert_string_equal(h_set_cookie(&call, "remember_token"), expected);
    /* Flask-Login stores timedelta.total_seconds(), a float */
    char json[512], want[512];
    snprintf(want, sizeof want,
             "{\"_fresh\":true,\"_id\":\"%s\",\"_remember_seconds\":25200.0,\"_user_id\":\"1\"}",
             ident);
    assert_string_equal(h_session_json(&c, json, sizeof json), want);
    h_delete_session(&c);
    c.now += 3600;
    assert_string_equal(h_get_username(&c), "Notch");
    /* and the browser drops it after seven hours */
    h_delete_session(&c);
    c.now = H_NOW + 7 * 3600;
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_app_free(&a);
}

/* test_remember_me_uses_custom_cookie_parameters, and the other attributes */
static void test_remember_me_custom_cookie_parameters(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "REMEMBER_COOKIE_NAME", "myname");
    h_set(&a, "REMEMBER_COOKIE_DURATION", "172800");
    h_set(&a, "REMEMBER_COOKIE_PATH", "/mypath");
    h_set(&a, "REMEMBER_COOKIE_DOMAIN", ".localhost.local");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    remember_login(&c, "1", 0, &call);
    char expected[512];
    snprintf(expected, sizeof expected,
             "myname=%s; Domain=.localhost.local; Expires=Thu, 16 Nov 2023 22:13:20 GMT; "
             "HttpOnly; Path=/mypath",
             flask_remember_1);
    assert_string_equal(h_set_cookie(&call, "myname"), expected);
    assert_null(h_set_cookie(&call, "remember_token"));
    h_app_free(&a);

    h_app_init(&a, 0);
    h_set(&a, "REMEMBER_COOKIE_SECURE", "true");
    h_set(&a, "REMEMBER_COOKIE_HTTPONLY", "false");
    h_set(&a, "REMEMBER_COOKIE_SAMESITE", "Strict");
    h_app_start(&a);
    h_client_init(&c, &a);
    remember_login(&c, "1", 0, &call);
    snprintf(expected, sizeof expected,
             "remember_token=%s; Expires=Wed, 13 Nov 2024 22:13:20 GMT; Secure; Path=/; "
             "SameSite=Strict",
             flask_remember_1);
    assert_string_equal(h_set_cookie(&call, "remember_token"), expected);
    /* the session cookie keeps its own defaults */
    const char *session = h_set_cookie(&call, "session");
    assert_non_null(session);
    assert_non_null(strstr(session, "; HttpOnly; Path=/"));
    assert_null(strstr(session, "Secure"));
    h_app_free(&a);
}

/* test_remember_me_custom_duration_uses_custom_cookie: login_user's
 * duration wins over REMEMBER_COOKIE_DURATION. */
static void test_remember_me_custom_duration_wins(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "REMEMBER_COOKIE_NAME", "myname");
    h_set(&a, "REMEMBER_COOKIE_DURATION", "172800");
    h_set(&a, "REMEMBER_COOKIE_PATH", "/mypath");
    h_set(&a, "REMEMBER_COOKIE_DOMAIN", ".localhost.local");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    remember_login(&c, "1", 7 * 3600, &call);
    char expected[512];
    snprintf(expected, sizeof expected,
             "myname=%s; Domain=.localhost.local; Expires=Wed, 15 Nov 2023 05:13:20 GMT; "
             "HttpOnly; Path=/mypath",
             flask_remember_1);
    assert_string_equal(h_set_cookie(&call, "myname"), expected);
    h_app_free(&a);
}

/* test_remember_me_with_invalid_duration_returns_500_response and friends:
 * here bad durations are refused where they are given. */
static void test_invalid_durations(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    static const char *const bad[] = {"123abc", "-5", "0", "1.5", "", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(clogin_manager_set(a.m, "REMEMBER_COOKIE_DURATION", bad[i]),
                         CLOGIN_ECONFIG);
    assert_string_equal(clogin_manager_get(a.m, "REMEMBER_COOKIE_DURATION"), "31536000");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    h_open(&call, &c, "GET", "/login-notch-remember-custom-invalid", NULL);
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.remember = 1;
    o.duration = -123;
    assert_int_equal(clogin_login_user(call.r, h_user_new(&a, "1"), &o), CLOGIN_EINVAL);
    h_close(&call);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    h_app_free(&a);
}

/* test_remember_me_refresh_every_request, first half: without the setting
 * the cookie restoring the login is not sent again. */
static void test_remember_me_no_refresh(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    remember_login(&c, "1", 0, &call);
    int64_t expires1 = h_jar_find(&c.jar, "remember_token")->expires;
    assert_int_equal(expires1, H_NOW + 365 * H_DAY);
    h_delete_session(&c);
    c.now += 1;
    h_open(&call, &c, "GET", "/username", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Notch");
    h_close(&call);
    assert_null(h_set_cookie(&call, "remember_token"));
    assert_int_equal(h_jar_find(&c.jar, "remember_token")->expires, expires1);
    h_app_free(&a);
}

/* ... second half: with REMEMBER_COOKIE_REFRESH_EACH_REQUEST the cookie is
 * sent again with a new expiry, on every request that carries it (clogin.h:
 * only then). */
static void test_remember_me_refresh_every_request(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "REMEMBER_COOKIE_REFRESH_EACH_REQUEST", "true");
    h_set(&a, "REMEMBER_COOKIE_DOMAIN", ".localhost.local");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;

    /* an anonymous visitor without the cookie gets none */
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_open(&call, &c, "GET", "/", NULL);
    h_close(&call);
    assert_null(h_resp(&call, "Set-Cookie", 0));

    remember_login(&c, "1", 0, &call);
    assert_int_equal(h_jar_find(&c.jar, "remember_token")->expires, H_NOW + 365 * H_DAY);
    h_delete_session(&c);
    c.now += 1;
    h_open(&call, &c, "GET", "/username", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Notch");
    h_close(&call);
    char expected[512], date[CLOGIN_HTTP_DATE_LEN + 1];
    snprintf(expected, sizeof expected,
             "remember_token=%s; Domain=.localhost.local; Expires=%s; HttpOnly; Path=/",
             flask_remember_1, h_date(H_NOW + 1 + 365 * H_DAY, date));
    assert_string_equal(h_set_cookie(&call, "remember_token"), expected);
    assert_int_equal(h_jar_find(&c.jar, "remember_token")->expires, H_NOW + 1 + 365 * H_DAY);

    /* a request that never looks at the user or the session still renews */
    c.now += 1;
    h_open(&call, &c, "GET", "/static/app.css", NULL);
    h_close(&call);
    assert_non_null(h_set_cookie(&call, "remember_token"));
    assert_int_equal(h_jar_find(&c.jar, "remember_token")->expires, H_NOW + 2 + 365 * H_DAY);
    h_app_free(&a);
}

/* The refresh keeps the duration login_user() was given: Flask-Login's
 * _set_cookie reads _remember_seconds (a float from Flask-Login, an int
 * from other writers). */
static void test_remember_refresh_keeps_custom_duration(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    static const char *const seconds[] = {"25200.0", "25200"};
    for (size_t i = 0; i < 2; i++) {
        h_app a;
        h_app_init(&a, 0);
        h_set(&a, "REMEMBER_COOKIE_REFRESH_EACH_REQUEST", "true");
        h_app_start(&a);
        h_client c;
        h_client_init(&c, &a);
        char json[512];
        snprintf(json, sizeof json,
                 "{\"_fresh\":true,\"_id\":\"%s\",\"_remember_seconds\":%s,\"_user_id\":\"1\"}",
                 ident, seconds[i]);
        h_session_put(&c, json);
        h_jar_set(&c.jar, "remember_token", flask_remember_1);
        c.now += 100;
        h_call call;
        h_open(&call, &c, "GET", "/username", NULL);
        assert_string_equal(h_username_in(&c, call.r), "Notch");
        h_close(&call);
        char expected[512], date[CLOGIN_HTTP_DATE_LEN + 1];
        snprintf(expected, sizeof expected, "remember_token=%s; Expires=%s; HttpOnly; Path=/",
                 flask_remember_1, h_date(c.now + 25200, date));
        assert_string_equal(h_set_cookie(&call, "remember_token"), expected);
        assert_null(h_set_cookie(&call, "session")); /* the session is unchanged */
        h_app_free(&a);
    }
}

/* test_logout_stays_logged_out_with_remember_me: the cookie is deleted with
 * the attributes it was set with. */
static void test_logout_stays_logged_out_with_remember_me(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    remember_login(&c, "1", 0, &call);
    h_open(&call, &c, "GET", "/logout", NULL);
    assert_true(clogin_login_remembered(call.r));
    assert_int_equal(clogin_logout_user(call.r), CLOGIN_OK);
    assert_false(clogin_login_remembered(call.r));
    h_close(&call);
    assert_string_equal(h_set_cookie(&call, "remember_token"),
                        "remember_token=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; "
                        "HttpOnly; Path=/");
    assert_null(h_jar_get(&c.jar, "remember_token"));
    /* the session had only Flask-Login's keys: deleted too */
    assert_null(h_jar_get(&c.jar, "session"));
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_delete_session(&c);
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_app_free(&a);
}

/* test_logout_stays_logged_out_with_remember_me_custom_duration, with every
 * attribute customised. */
static void test_logout_deletes_custom_cookie(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "REMEMBER_COOKIE_NAME", "myname");
    h_set(&a, "REMEMBER_COOKIE_DOMAIN", ".localhost.local");
    h_set(&a, "REMEMBER_COOKIE_SECURE", "true");
    h_set(&a, "REMEMBER_COOKIE_SAMESITE", "Lax");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    remember_login(&c, "1", 7 * 3600, &call);
    h_open(&call, &c, "GET", "/logout", NULL);
    assert_int_equal(clogin_logout_user(call.r), CLOGIN_OK);
    h_close(&call);
    assert_string_equal(h_set_cookie(&call, "myname"),
                        "myname=; Domain=.localhost.local; Expires=Thu, 01 Jan 1970 00:00:00 GMT; "
                        "Max-Age=0; Secure; HttpOnly; Path=/; SameSite=Lax");
    assert_null(h_jar_get(&c.jar, "myname"));
    assert_false(h_session_has(&c, "_remember_seconds"));
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_app_free(&a);
}

/* A closed browser comes back straight to /logout: the login is restored
 * from the cookie, then undone; nothing is left behind. */
static void test_logout_right_after_restore(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    remember_login(&c, "1", 0, &call);
    h_delete_session(&c);
    h_signals_reset(&a);
    h_open(&call, &c, "GET", "/logout", NULL);
    assert_int_equal(clogin_logout_user(call.r), CLOGIN_OK);
    assert_true(clogin_is_anonymous(call.r));
    h_close(&call);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOADED_FROM_COOKIE), 1);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOGGED_OUT), 1);
    assert_string_equal(a.signal_user[CLOGIN_SIGNAL_USER_LOGGED_OUT], "1");
    assert_non_null(h_set_cookie(&call, "remember_token"));
    assert_null(h_set_cookie(&call, "session")); /* never reached the browser */
    assert_int_equal(c.jar.n, 0);
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_app_free(&a);
}

/* Logging out without a remember cookie deletes nothing. */
static void test_logout_without_remember_cookie(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    h_call call;
    h_open(&call, &c, "GET", "/logout", NULL);
    assert_int_equal(clogin_logout_user(call.r), CLOGIN_OK);
    h_close(&call);
    assert_null(h_set_cookie(&call, "remember_token"));
    h_app_free(&a);
}

/* test_invalid_remember_cookie; clogin.h: the request loader still runs. */
static void test_invalid_remember_cookie(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, H_REQUEST_LOADER);
    h_set(&a, "REMEMBER_COOKIE_NAME", "remember");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    remember_login(&c, "1", 0, &call);
    char json[512];
    snprintf(json, sizeof json, "{\"_fresh\":true,\"_id\":\"%s\",\"_user_id\":null}", ident);
    h_session_put(&c, json);
    h_jar_set(&c.jar, "remember", "foo");
    assert_string_equal(h_get_username(&c), "Anonymous");
    assert_true(a.logs[CLOGIN_LOG_DEBUG] >= 1);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOADED_FROM_COOKIE), 0);

    /* a bad cookie does not block an API key */
    assert_string_equal(h_get_username_with(&c, "/username?api_key=steve-key", NULL), "Steve");
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOADED_FROM_REQUEST), 1);

    /* a cookie for somebody else's id with Notch's signature */
    char forged[256];
    snprintf(forged, sizeof forged, "2%s", flask_remember_1 + 1);
    h_jar_set(&c.jar, "remember", forged);
    h_delete_session(&c);
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_jar_set(&c.jar, "remember", "1|");
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_jar_set(&c.jar, "remember", "");
    assert_string_equal(h_get_username(&c), "Anonymous");
    assert_int_equal(a.user_loader_calls, 0);
    h_app_free(&a);
}

/* A valid remember cookie wins over the request loader (Flask-Login's
 * order), and over nothing else. */
static void test_remember_cookie_before_request_loader(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, H_REQUEST_LOADER);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    char v[256];
    h_jar_set(&c.jar, "remember_token", h_remember_value(&a, "1", v, sizeof v));
    assert_string_equal(h_get_username_with(&c, "/username?api_key=steve-key", NULL), "Notch");
    assert_int_equal(a.request_loader_calls, 0);
    h_app_free(&a);
}

/* A remember cookie minted by Flask-Login logs in here. */
static void test_remember_cookie_from_flask_login(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    h_app a;
    h_client c;
    h_setup(&a, &c);
    char mine[256];
    assert_string_equal(h_remember_value(&a, "1", mine, sizeof mine), flask_remember_1);
    h_jar_set(&c.jar, "remember_token", flask_remember_1);
    assert_string_equal(h_get_username(&c), "Notch");
    h_app_free(&a);
}

/* UnicodeCookieUserIDTestCase.test_remember_me_username / _user_id: a login
 * remembered for the user "佐藤" comes back. */
static void test_remember_me_unicode_user_id(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "REMEMBER_COOKIE_NAME", "remember");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    h_open(&call, &c, "GET", "/login-germanjapanese-remember", NULL);
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.remember = 1;
    assert_int_equal(clogin_login_user(call.r, h_user_new(&a, H_SATO), &o), CLOGIN_OK);
    clogin_status st = h_close_status(&call);
    if (st != CLOGIN_OK || !h_set_cookie(&call, "remember"))
        fail_msg("no remember cookie for the user id \"%s\" (finish: %s; Werkzeug sends "
                 "remember=\"\\344\\275\\220\\350\\227\\244|...\")",
                 H_SATO, clogin_status_name(st));
    h_delete_session(&c);
    h_open(&call, &c, "GET", "/userid", NULL);
    assert_string_equal(h_username_in(&c, call.r), H_MULLER);
    assert_string_equal(clogin_current_user_id(call.r), H_SATO);
    h_close(&call);
    h_app_free(&a);
}

/* Ids that are not cookie-octets: the remember cookie is quoted exactly as
 * Werkzeug 2.2's dump_cookie() quotes it, and comes back. */
static void test_remember_cookie_quoted_like_werkzeug(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    static const struct {
        const char *id, *name, *set_cookie;
    } cases[] = {
        {H_SATO, H_MULLER,
         "remember_token=\"\\344\\275\\220\\350\\227\\244|19eb6417c22e6e4ba7d9ca586d4778e"
         "3436a98c174be84347090be382a1ce3b4730f292c921228e1dbccf4a638ed10f9ec0fe31a979168fa2d49"
         "c0275705a74c\"; Expires=Wed, 13 Nov 2024 22:13:20 GMT; HttpOnly; Path=/"},
        {H_BOB, "Bob",
         "remember_token=\"Bob Smith\\054 \\\"Jr\\\"\\073 x\\\\y|59edc2263142880429ba5e7aaa1"
         "ad6519a10822c7bb4e065984dd1fe0435c4cb13e8be32cef9d587d41f9805ea8eee24fb8ce85d0e5eb70"
         "c0f6d3111e2496d01\"; Expires=Wed, 13 Nov 2024 22:13:20 GMT; HttpOnly; Path=/"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        h_app a;
        h_app_init(&a, 0);
        h_app_start(&a);
        h_client c;
        h_client_init(&c, &a);
        h_call call;
        remember_login(&c, cases[i].id, 0, &call);
        assert_string_equal(h_set_cookie(&call, "remember_token"), cases[i].set_cookie);
        h_delete_session(&c);
        h_open(&call, &c, "GET", "/userid", NULL);
        assert_string_equal(h_username_in(&c, call.r), cases[i].name);
        assert_string_equal(clogin_current_user_id(call.r), cases[i].id);
        h_close(&call);
        h_app_free(&a);
    }
}

/* The cookie Werkzeug wrote for "佐藤" (quoted, octal escapes) is read. */
static void test_remember_cookie_quoted_by_werkzeug(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_jar_set(&c.jar, "remember_token", flask_remember_sato);
    h_call call;
    h_open(&call, &c, "GET", "/userid", NULL);
    assert_string_equal(h_username_in(&c, call.r), H_MULLER);
    assert_string_equal(clogin_current_user_id(call.r), H_SATO);
    h_close(&call);
    char buf[64];
    assert_string_equal(h_session_str(&c, "_user_id", buf, sizeof buf), H_SATO);
    h_app_free(&a);
}

/* A remember cookie for a user that no longer exists: anonymous, and no id
 * lands in the session. */
static void test_remember_cookie_unknown_user(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    char v[256];
    h_jar_set(&c.jar, "remember_token", h_remember_value(&a, "9000", v, sizeof v));
    h_call call;
    h_open(&call, &c, "GET", "/username", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Anonymous");
    h_close(&call);
    assert_int_equal(a.user_loader_calls, 1);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOADED_FROM_COOKIE), 0);
    assert_false(h_session_has(&c, "_user_id"));
    h_app_free(&a);
}

/* clogin.h: the restored login stores the session identifier, so strong
 * protection does not throw it away on the next request (in Flask-Login
 * 0.6 the cookie works once). */
static void test_strong_protection_remember_not_single_use(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "SESSION_PROTECTION", "strong");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    remember_login(&c, "1", 0, &call);
    h_delete_session(&c);
    for (int i = 0; i < 3; i++) {
        c.now += 60;
        h_open(&call, &c, "GET", "/username", NULL);
        assert_string_equal(h_username_in(&c, call.r), "Notch");
        h_close(&call);
        assert_null(h_set_cookie(&call, "remember_token"));
        assert_non_null(h_jar_get(&c.jar, "remember_token"));
    }
    char buf[256];
    assert_string_equal(h_session_str(&c, "_id", buf, sizeof buf), ident);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 0);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOADED_FROM_COOKIE), 1);
    h_app_free(&a);
}

/* SECRET_KEY_FALLBACKS: a cookie signed with a retired key still works
 * (clogin goes beyond Flask-Login here, docs/cookies.md). */
static void test_remember_cookie_fallback_key(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "SECRET_KEY", "a-brand-new-key");
    h_set(&a, "SECRET_KEY_FALLBACKS", "[\"" H_SECRET "\"]");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_jar_set(&c.jar, "remember_token", flask_remember_1);
    h_call call;
    h_open(&call, &c, "GET", "/username", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Notch");
    h_close(&call);
    h_app_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remember_me),
        cmocka_unit_test(test_remembered_and_fresh),
        cmocka_unit_test(test_remember_me_custom_duration),
        cmocka_unit_test(test_remember_me_custom_cookie_parameters),
        cmocka_unit_test(test_remember_me_custom_duration_wins),
        cmocka_unit_test(test_invalid_durations),
        cmocka_unit_test(test_remember_me_no_refresh),
        cmocka_unit_test(test_remember_me_refresh_every_request),
        cmocka_unit_test(test_remember_refresh_keeps_custom_duration),
        cmocka_unit_test(test_logout_stays_logged_out_with_remember_me),
        cmocka_unit_test(test_logout_deletes_custom_cookie),
        cmocka_unit_test(test_logout_right_after_restore),
        cmocka_unit_test(test_logout_without_remember_cookie),
        cmocka_unit_test(test_invalid_remember_cookie),
        cmocka_unit_test(test_remember_cookie_before_request_loader),
        cmocka_unit_test(test_remember_cookie_from_flask_login),
        cmocka_unit_test(test_remember_me_unicode_user_id),
        cmocka_unit_test(test_remember_cookie_quoted_like_werkzeug),
        cmocka_unit_test(test_remember_cookie_quoted_by_werkzeug),
        cmocka_unit_test(test_remember_cookie_unknown_user),
        cmocka_unit_test(test_strong_protection_remember_not_single_use),
        cmocka_unit_test(test_remember_cookie_fallback_key),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
