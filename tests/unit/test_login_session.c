/* The session as Flask saves it around Flask-Login: untouched sessions are
 * not rewritten, permanent ones are refreshed, emptied ones deleted; Vary;
 * the order of the headers; flash() and get_flashed_messages(); the
 * session cookie's attributes; FlaskLoginClient (clogin_test_login_cookie);
 * and cookies written by real Flask 2.2 / Flask-Login 0.6.2. */
#include "harness.h"

#include <time.h>

static char ident[CLOGIN_SESSION_ID_LEN + 1];

/* Flask 2.2.2 + Flask-Login 0.6.2, SECRET_KEY "deterministic", signed at
 * 1700000000: login_user(User("1")) from 127.0.0.1 with User-Agent H_UA,
 * then session["theme"] = "dark". Its "_id" is in Flask-Login 0.6's form. */
static const char flask_login_session[] =
    ".eJwljjsOwyAQBe9CnQKWBRZfxlr2I0dRGmxXUe4epFTzpnjSfMLu084jbNe87RH2p4YtVDZHJcsqbUQlKrErSARhGh0wqV"
    "tD41ooV3Tq2roKWBYRFh5AA1gRFhNrAY1EiaO4Wl7fyM45uaPI0Ngiaimp1oojQ2JuGFbIfdr816Sl12FvW1t5vsL3B2fK"
    "NZo.ZVPxAA._X5GHgjpO6oaflGQ7WNiA8v6tvk";
/* Flask 2.2.2, same key and time: session.permanent = True;
 * flash("Hello", "info"); flash("Café ouvert"). */
static const char flask_flash_session[] =
    ".eJyrVopPy0kszkgtVrKKrlZSKAFSSpl5aflKOkoeqTk5-UqxtTow8dzU4uLE9FSglHNiWkypgUGqpUJ-aVlqUQlQVayOUnxB"
    "alFuYl5qHlB1SVFpai0AncgfQg.ZVPxAA.dZslG0Z5blyNcxP2awt4HCOmr_o";

static int setup(void **state) {
    (void)state;
    h_ident(H_ADDR, H_UA, ident);
    return 0;
}

/* test_session_not_modified: reading an empty session writes nothing. */
static void test_session_not_modified(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/empty_session", NULL);
    clogin_session *s = clogin_request_session(r);
    assert_non_null(s);
    assert_int_equal(clogin_session_count(s), 0);
    assert_false(clogin_session_modified(s));
    assert_string_equal(h_username_in(&c, r), "Anonymous");
    assert_false(clogin_session_modified(s));
    h_close(&call);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    assert_true(h_varies(&call));
    h_app_free(&a);
}

/* A session that is read but not changed is not sent again; one that is
 * never read costs nothing and sends nothing (not even Vary). */
static void test_untouched_session_not_rewritten(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    char before[4400];
    strcpy(before, h_jar_get(&c.jar, "session"));
    c.now += 100;
    h_call call;
    h_open(&call, &c, "GET", "/username", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Notch");
    h_close(&call);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    assert_true(h_varies(&call));
    assert_int_equal(call.resp_n, 1);
    h_open(&call, &c, "GET", "/static/app.js", NULL);
    h_close(&call);
    assert_int_equal(call.resp_n, 0);
    assert_string_equal(h_jar_get(&c.jar, "session"), before);
    h_app_free(&a);
}

/* A permanent session: Expires = now + PERMANENT_SESSION_LIFETIME, and
 * with SESSION_REFRESH_EACH_REQUEST (the default) it is re-sent, with a
 * new expiry, by every request that reads it. */
static void test_permanent_session_refreshed(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    h_open(&call, &c, "GET", "/login-notch-permanent", NULL);
    assert_int_equal(clogin_session_set_permanent(call.r, 1), CLOGIN_OK);
    assert_int_equal(clogin_login_user(call.r, h_user_new(&a, "1"), NULL), CLOGIN_OK);
    h_close(&call);
    char json[512], expected[1024];
    snprintf(json, sizeof json,
             "{\"_fresh\":true,\"_id\":\"%s\",\"_permanent\":true,\"_user_id\":\"1\"}", ident);
    h_session_set_cookie(&a, json, H_NOW, H_NOW + 31 * H_DAY, expected, sizeof expected);
    assert_string_equal(h_set_cookie(&call, "session"), expected);
    assert_int_equal(h_jar_find(&c.jar, "session")->expires, H_NOW + 31 * H_DAY);

    c.now = H_NOW + 10 * H_DAY;
    h_open(&call, &c, "GET", "/username", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Notch");
    h_close(&call);
    h_session_set_cookie(&a, json, c.now, c.now + 31 * H_DAY, expected, sizeof expected);
    assert_string_equal(h_set_cookie(&call, "session"), expected);

    /* long after the first expiry, still logged in thanks to the refresh */
    c.now = H_NOW + 40 * H_DAY;
    assert_string_equal(h_get_username(&c), "Notch");
    h_app_free(&a);
}

/* Flask opens the session on every request, so a permanent session is
 * re-sent even by a request that never looks at it (clogin.h: "or it is
 * permanent and SESSION_REFRESH_EACH_REQUEST"), with Vary: Cookie as Flask
 * adds whenever it sets the cookie. */
static void test_permanent_session_refreshed_when_untouched(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    h_open(&call, &c, "GET", "/login", NULL);
    assert_int_equal(clogin_session_set_permanent(call.r, 1), CLOGIN_OK);
    assert_int_equal(clogin_login_user(call.r, h_user_new(&a, "1"), NULL), CLOGIN_OK);
    h_close(&call);
    c.now = H_NOW + 10 * H_DAY;
    h_open(&call, &c, "GET", "/static/app.js", NULL);
    h_close(&call);
    char json[512], expected[1024];
    snprintf(json, sizeof json,
             "{\"_fresh\":true,\"_id\":\"%s\",\"_permanent\":true,\"_user_id\":\"1\"}", ident);
    h_session_set_cookie(&a, json, c.now, c.now + 31 * H_DAY, expected, sizeof expected);
    const char *sc = h_set_cookie(&call, "session");
    if (!sc)
        fail_msg("a permanent session is not refreshed by a request that does not read it "
                 "(Flask refreshes it on every request)");
    assert_string_equal(sc, expected);
    assert_true(h_varies(&call));
    h_app_free(&a);
}

/* Whenever the session cookie is set, the response says Vary: Cookie (as
 * Flask's save_session does), even if the handler never read the session:
 * here the remember cookie's refresh made the library read it. */
static void test_vary_when_session_cookie_set(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "REMEMBER_COOKIE_REFRESH_EACH_REQUEST", "true");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    h_open(&call, &c, "GET", "/login", NULL);
    assert_int_equal(clogin_session_set_permanent(call.r, 1), CLOGIN_OK);
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.remember = 1;
    assert_int_equal(clogin_login_user(call.r, h_user_new(&a, "1"), &o), CLOGIN_OK);
    h_close(&call);
    c.now += 60;
    h_open(&call, &c, "GET", "/static/app.js", NULL);
    h_close(&call);
    assert_non_null(h_set_cookie(&call, "remember_token"));
    assert_non_null(h_set_cookie(&call, "session"));
    if (!h_varies(&call))
        fail_msg("Set-Cookie: session=... without Vary: Cookie");
    h_app_free(&a);
}

/* SESSION_REFRESH_EACH_REQUEST false, or a non-permanent session: no
 * refresh; PERMANENT_SESSION_LIFETIME sets the expiry and the max age. */
static void test_permanent_session_not_refreshed(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "SESSION_REFRESH_EACH_REQUEST", "false");
    h_set(&a, "PERMANENT_SESSION_LIFETIME", "3600");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    h_open(&call, &c, "GET", "/login", NULL);
    assert_int_equal(clogin_session_set_permanent(call.r, 1), CLOGIN_OK);
    assert_int_equal(clogin_login_user(call.r, h_user_new(&a, "1"), NULL), CLOGIN_OK);
    h_close(&call);
    assert_int_equal(h_jar_find(&c.jar, "session")->expires, H_NOW + 3600);
    c.now += 60;
    h_open(&call, &c, "GET", "/username", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Notch");
    h_close(&call);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    /* a browser that keeps the cookie past its age: refused */
    h_jar_find(&c.jar, "session")->expires = 0;
    c.now = H_NOW + 3601;
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_app_free(&a);
}

/* A session emptied by the request is deleted with its attributes; one
 * that never reached the browser is not. */
static void test_emptied_session_deleted(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_session_put(&c, "{\"foo\":\"bar\"}");
    h_call call;
    clogin_request *r = h_open(&call, &c, "POST", "/forget", NULL);
    assert_int_equal(clogin_session_remove(clogin_request_session(r), "foo"), CLOGIN_OK);
    h_close(&call);
    assert_string_equal(h_set_cookie(&call, "session"),
                        "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; "
                        "Path=/");
    assert_null(h_jar_get(&c.jar, "session"));

    r = h_open(&call, &c, "POST", "/noop", NULL);
    clogin_session *s = clogin_request_session(r);
    assert_int_equal(clogin_session_set_string(s, "x", "1", 1), CLOGIN_OK);
    assert_int_equal(clogin_session_remove(s, "x"), CLOGIN_OK);
    h_close(&call);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    h_app_free(&a);
}

/* SESSION_COOKIE_*: the session cookie's own attributes, set and deleted. */
static void test_session_cookie_attributes(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "SESSION_COOKIE_NAME", "sid");
    h_set(&a, "SESSION_COOKIE_DOMAIN", "example.com");
    h_set(&a, "SESSION_COOKIE_PATH", "/app");
    h_set(&a, "SESSION_COOKIE_SECURE", "true");
    h_set(&a, "SESSION_COOKIE_SAMESITE", "Lax");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    h_open(&call, &c, "GET", "/app/login", NULL);
    assert_int_equal(clogin_login_user(call.r, h_user_new(&a, "1"), NULL), CLOGIN_OK);
    h_close(&call);
    const char *sc = h_set_cookie(&call, "sid");
    assert_non_null(sc);
    assert_null(h_set_cookie(&call, "session"));
    const char *attrs = strchr(sc, ';');
    assert_non_null(attrs);
    assert_string_equal(attrs, "; Domain=example.com; Secure; HttpOnly; Path=/app; SameSite=Lax");
    /* the jar sends it under /app only */
    assert_string_equal(h_get_username_with(&c, "/app/username", NULL), "Notch");
    assert_string_equal(h_get_username_with(&c, "/other", NULL), "Anonymous");
    h_open(&call, &c, "GET", "/app/logout", NULL);
    assert_int_equal(clogin_logout_user(call.r), CLOGIN_OK);
    h_close(&call);
    assert_string_equal(h_set_cookie(&call, "sid"),
                        "sid=; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; "
                        "Max-Age=0; Secure; HttpOnly; Path=/app; SameSite=Lax");
    h_app_free(&a);
}

/* docs/configuration.md's production settings: __Host- names, Secure,
 * SameSite=Lax on both cookies, set and deleted with the same attributes. */
static void test_production_cookies(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "SESSION_COOKIE_NAME", "__Host-session");
    h_set(&a, "SESSION_COOKIE_SECURE", "true");
    h_set(&a, "SESSION_COOKIE_SAMESITE", "Lax");
    h_set(&a, "REMEMBER_COOKIE_NAME", "__Host-remember_token");
    h_set(&a, "REMEMBER_COOKIE_SECURE", "true");
    h_set(&a, "REMEMBER_COOKIE_SAMESITE", "Lax");
    h_set(&a, "REMEMBER_COOKIE_DURATION", "1209600");
    h_set(&a, "SESSION_PROTECTION", "strong");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    c.scheme = "https";
    h_call call;
    h_open(&call, &c, "POST", "/login", NULL);
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.remember = 1;
    assert_int_equal(clogin_login_user(call.r, h_user_new(&a, "1"), &o), CLOGIN_OK);
    h_close(&call);
    const char *sc = h_set_cookie(&call, "__Host-session");
    assert_non_null(sc);
    assert_string_equal(strchr(sc, ';'), "; Secure; HttpOnly; Path=/; SameSite=Lax");
    sc = h_set_cookie(&call, "__Host-remember_token");
    assert_non_null(sc);
    assert_string_equal(strchr(sc, ';'), "; Expires=Tue, 28 Nov 2023 22:13:20 GMT; Secure; "
                                         "HttpOnly; Path=/; SameSite=Lax");
    h_jar_remove(&c.jar, "__Host-session");
    assert_string_equal(h_get_username(&c), "Notch");
    h_open(&call, &c, "POST", "/logout", NULL);
    assert_int_equal(clogin_logout_user(call.r), CLOGIN_OK);
    h_close(&call);
    assert_string_equal(h_set_cookie(&call, "__Host-remember_token"),
                        "__Host-remember_token=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; "
                        "Max-Age=0; Secure; HttpOnly; Path=/; SameSite=Lax");
    assert_string_equal(h_set_cookie(&call, "__Host-session"),
                        "__Host-session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; "
                        "Secure; HttpOnly; Path=/; SameSite=Lax");
    assert_int_equal(c.jar.n, 0);
    h_app_free(&a);

    /* what browsers would refuse is refused at start */
    h_app_init(&a, 0);
    h_set(&a, "SESSION_COOKIE_NAME", "__Host-session");
    assert_int_equal(clogin_manager_start(a.m), CLOGIN_ECONFIG);
    h_set(&a, "SESSION_COOKIE_SECURE", "true");
    h_set(&a, "REMEMBER_COOKIE_SAMESITE", "None");
    assert_int_equal(clogin_manager_start(a.m), CLOGIN_ECONFIG);
    h_set(&a, "REMEMBER_COOKIE_SAMESITE", NULL);
    h_set(&a, "REMEMBER_COOKIE_NAME", "__Host-session");
    h_set(&a, "REMEMBER_COOKIE_SECURE", "true");
    assert_int_equal(clogin_manager_start(a.m), CLOGIN_ECONFIG); /* same names */
    h_set(&a, "REMEMBER_COOKIE_NAME", NULL);
    h_app_start(&a);
    h_app_free(&a);
}

/* flash() and get_flashed_messages(): Flask's _flashes format, categories,
 * filters, taken out once per request. */
static void test_flashed_messages(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    clogin_request *r = h_open(&call, &c, "POST", "/save", NULL);
    assert_int_equal(clogin_flash(r, "Saved", "info"), CLOGIN_OK);
    assert_int_equal(clogin_flash(r, "Disk almost full", "error"), CLOGIN_OK);
    assert_int_equal(clogin_flash(r, "Caf\xc3\xa9", NULL), CLOGIN_OK);
    assert_int_equal(clogin_flash(r, NULL, "info"), CLOGIN_EINVAL);
    h_close(&call);
    char json[512];
    assert_string_equal(h_session_json(&c, json, sizeof json),
                        "{\"_flashes\":[{\" t\":[\"info\",\"Saved\"]},{\" t\":[\"error\",\"Disk "
                        "almost full\"]},{\" t\":[\"message\",\"Caf\\u00e9\"]}]}");

    r = h_open(&call, &c, "GET", "/", NULL);
    h_flashes f = {0};
    const char *const errors[] = {"error", NULL};
    assert_int_equal(clogin_get_flashed_messages(r, errors, h_flash_cb, &f), 1);
    assert_string_equal(f.message[0], "Disk almost full");
    memset(&f, 0, sizeof f);
    const char *const two[] = {"message", "info", NULL};
    assert_int_equal(clogin_get_flashed_messages(r, two, h_flash_cb, &f), 2);
    assert_string_equal(f.category[0], "info");
    assert_string_equal(f.message[1], "Caf\xc3\xa9");
    memset(&f, 0, sizeof f);
    assert_int_equal(clogin_get_flashed_messages(r, NULL, h_flash_cb, &f), 3);
    assert_string_equal(f.message[0], "Saved");
    assert_string_equal(f.category[1], "error");
    assert_string_equal(f.category[2], "message");
    assert_int_equal(clogin_get_flashed_messages(r, NULL, NULL, NULL), 3);
    /* a message flashed now waits for the next request */
    assert_int_equal(clogin_flash(r, "Later", "info"), CLOGIN_OK);
    assert_int_equal(clogin_get_flashed_messages(r, NULL, NULL, NULL), 3);
    h_close(&call);
    assert_string_equal(h_session_json(&c, json, sizeof json),
                        "{\"_flashes\":[{\" t\":[\"info\",\"Later\"]}]}");

    r = h_open(&call, &c, "GET", "/", NULL);
    assert_int_equal(clogin_get_flashed_messages(r, NULL, NULL, NULL), 1);
    h_close(&call);
    assert_null(h_jar_get(&c.jar, "session")); /* emptied: deleted */

    r = h_open(&call, &c, "GET", "/", NULL);
    assert_int_equal(clogin_get_flashed_messages(r, NULL, NULL, NULL), 0);
    h_close(&call);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    h_app_free(&a);
}

/* Vary: Cookie exactly when the session was read. */
static void test_vary_cookie(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    h_open(&call, &c, "GET", "/", NULL);
    h_close(&call);
    assert_false(h_varies(&call));
    h_open(&call, &c, "GET", "/", NULL);
    assert_non_null(clogin_request_session(call.r));
    h_close(&call);
    assert_true(h_varies(&call));
    h_open(&call, &c, "GET", "/", NULL);
    clogin_is_authenticated(call.r);
    h_close(&call);
    assert_true(h_varies(&call));
    h_open(&call, &c, "GET", "/", NULL);
    clogin_login_fresh(call.r);
    h_close(&call);
    assert_true(h_varies(&call));
    h_app_free(&a);
}

/* clogin.h: Location, the session's Set-Cookie, the remember cookie's,
 * then Vary. (docs/login.md puts the remember cookie first; both put
 * Location first and Vary last.) */
static void test_header_order(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    h_open(&call, &c, "POST", "/login", NULL);
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.remember = 1;
    assert_int_equal(clogin_login_user(call.r, h_user_new(&a, "1"), &o), CLOGIN_OK);
    assert_int_equal(clogin_response_redirect(call.r, "/home"), CLOGIN_OK);
    h_close(&call);
    assert_int_equal(call.resp_n, 4);
    assert_string_equal(call.resp[0].name, "Location");
    assert_string_equal(call.resp[3].name, "Vary");
    assert_string_equal(call.resp[1].name, "Set-Cookie");
    assert_string_equal(call.resp[2].name, "Set-Cookie");
    assert_int_equal(strncmp(call.resp[1].value, "session=", 8), 0);
    assert_int_equal(strncmp(call.resp[2].value, "remember_token=", 15), 0);
    h_app_free(&a);
}

/* clogin_request_finish: once; an add callback that fails is reported. */
static void test_finish_misuse(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/login", NULL);
    assert_int_equal(clogin_login_user(r, h_user_new(&a, "1"), NULL), CLOGIN_OK);
    assert_int_equal(clogin_request_finish(r, NULL, NULL), CLOGIN_EINVAL);
    call.add_fail_at = 1;
    assert_int_not_equal(clogin_request_finish(r, h_collect, &call), CLOGIN_OK);
    assert_int_equal(clogin_request_finish(r, h_collect, &call), CLOGIN_ESTATE);
    clogin_request_free(r);
    assert_int_equal(clogin_request_finish(NULL, h_collect, &call), CLOGIN_EINVAL);
    h_app_free(&a);
}

/* A session cookie that does not verify is an empty session: anonymous,
 * logged, and not answered with a cookie. */
static void test_bad_session_cookie(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    h_cookie *sc = h_jar_find(&c.jar, "session");
    size_t n = strlen(sc->value);
    sc->value[n - 1] = sc->value[n - 1] == 'A' ? 'B' : 'A';
    h_call call;
    h_open(&call, &c, "GET", "/username", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Anonymous");
    h_close(&call);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    assert_int_equal(a.logs[CLOGIN_LOG_DEBUG], 1);
    assert_int_equal(a.user_loader_calls, 0);

    /* signed with another key */
    h_jar_set(&c.jar, "session", "eyJfdXNlcl9pZCI6IjEifQ.ZVPxAA.AAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_string_equal(h_get_username(&c), "Anonymous");
    /* too old: 31 days and a second after it was signed */
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    c.now = H_NOW + 31 * H_DAY + 1;
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_app_free(&a);
}

/* FlaskLoginClient(user=notch) / test_fresh_login_arg_to_test_client /
 * test_not_fresh_not_modified. The cookie is signed with the clock, so
 * these requests use the clock too. */
static void test_test_login_cookie(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "SESSION_PROTECTION", "basic");
    h_app_start(&a);
    for (int fresh = 1; fresh >= 0; fresh--) {
        char *cookie = NULL;
        assert_int_equal(clogin_test_login_cookie(a.m, fresh ? "1" : "2", fresh, H_ADDR, H_UA, 0,
                                                  &cookie),
                         CLOGIN_OK);
        assert_int_equal(strncmp(cookie, "session=", 8), 0);
        h_client c;
        h_client_init(&c, &a);
        c.now = 0; /* the clock */
        const char *const headers[] = {"Cookie", cookie, NULL};
        h_call call;
        h_open(&call, &c, "GET", "/username", headers);
        assert_string_equal(h_username_in(&c, call.r), fresh ? "Notch" : "Steve");
        assert_int_equal(clogin_login_fresh(call.r), fresh);
        assert_false(clogin_login_remembered(call.r));
        h_close(&call);
        assert_null(h_resp(&call, "Set-Cookie", 0));
        assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 0);
        clogin_free(cookie);
    }
    char *cookie = (char *)1;
    assert_int_equal(clogin_test_login_cookie(a.m, NULL, 1, H_ADDR, H_UA, 0, &cookie),
                     CLOGIN_EINVAL);
    h_app_free(&a);

    /* before start */
    clogin_manager *m;
    assert_int_equal(clogin_manager_new(&m), CLOGIN_OK);
    cookie = NULL;
    assert_int_equal(clogin_test_login_cookie(m, "1", 1, H_ADDR, H_UA, 0, &cookie), CLOGIN_ESTATE);
    assert_null(cookie);
    clogin_manager_free(m);
}

/* The test cookie honours SESSION_COOKIE_NAME and a request at a fixed
 * time close to the clock. */
static void test_test_login_cookie_custom_name(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "SESSION_COOKIE_NAME", "sid");
    h_app_start(&a);
    char *cookie;
    assert_int_equal(clogin_test_login_cookie(a.m, "2", 1, H_ADDR, H_UA, 0, &cookie), CLOGIN_OK);
    assert_int_equal(strncmp(cookie, "sid=", 4), 0);
    h_client c;
    h_client_init(&c, &a);
    c.now = (int64_t)time(NULL) + 5;
    const char *const headers[] = {"Cookie", cookie, NULL};
    assert_string_equal(h_get_username_with(&c, "/username", headers), "Steve");
    clogin_free(cookie);
    h_app_free(&a);
}

/* A session cookie minted by real Flask / Flask-Login 0.6.2 is a login
 * here: with the 0.6 identifier it is fresh and left untouched. */
static void test_cookie_from_flask(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "SESSION_IDENTIFIER_FORMAT", "0.6");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    c.now = H_NOW + 60;
    h_jar_set(&c.jar, "session", flask_login_session);
    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/username", NULL);
    assert_string_equal(h_username_in(&c, r), "Notch");
    assert_true(clogin_login_fresh(r));
    const char *theme;
    assert_int_equal(clogin_session_get_string(clogin_request_session(r), "theme", &theme, NULL),
                     CLOGIN_OK);
    assert_string_equal(theme, "dark");
    assert_int_equal(clogin_login_required(r), 0);
    h_close(&call);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 0);
    h_app_free(&a);

    /* with 0.7 identifiers basic protection sees another browser: still
     * logged in, no longer fresh, the rest of the session kept */
    h_app_init(&a, 0);
    h_app_start(&a);
    h_client_init(&c, &a);
    c.now = H_NOW + 60;
    h_jar_set(&c.jar, "session", flask_login_session);
    assert_string_equal(h_get_username(&c), "Notch");
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 1);
    assert_false(h_get_is_fresh(&c));
    char buf[64];
    assert_string_equal(h_session_str(&c, "theme", buf, sizeof buf), "dark");
    h_app_free(&a);

    /* the cookie is in the future before Flask signed it */
    h_app_init(&a, 0);
    h_set(&a, "SESSION_IDENTIFIER_FORMAT", "0.6");
    h_app_start(&a);
    h_client_init(&c, &a);
    c.now = H_NOW - 1;
    h_jar_set(&c.jar, "session", flask_login_session);
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_app_free(&a);
}

/* Flashed messages and a permanent session written by Flask. */
static void test_flashes_from_flask(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    h_app a;
    h_client c;
    h_setup(&a, &c);
    c.now = H_NOW + 60;
    h_jar_set(&c.jar, "session", flask_flash_session);
    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/", NULL);
    h_flashes f = {0};
    assert_int_equal(clogin_get_flashed_messages(r, NULL, h_flash_cb, &f), 2);
    assert_string_equal(f.category[0], "info");
    assert_string_equal(f.message[0], "Hello");
    assert_string_equal(f.category[1], "message");
    assert_string_equal(f.message[1], "Caf\xc3\xa9 ouvert");
    h_close(&call);
    /* what is left is {"_permanent": true}: permanent, so sent with Expires */
    char json[256], expected[512];
    h_session_set_cookie(&a, "{\"_permanent\":true}", c.now, c.now + 31 * H_DAY, expected,
                         sizeof expected);
    assert_string_equal(h_set_cookie(&call, "session"), expected);
    assert_string_equal(h_session_json(&c, json, sizeof json), "{\"_permanent\":true}");
    h_app_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_not_modified),
        cmocka_unit_test(test_untouched_session_not_rewritten),
        cmocka_unit_test(test_permanent_session_refreshed),
        cmocka_unit_test(test_permanent_session_refreshed_when_untouched),
        cmocka_unit_test(test_vary_when_session_cookie_set),
        cmocka_unit_test(test_permanent_session_not_refreshed),
        cmocka_unit_test(test_emptied_session_deleted),
        cmocka_unit_test(test_session_cookie_attributes),
        cmocka_unit_test(test_production_cookies),
        cmocka_unit_test(test_flashed_messages),
        cmocka_unit_test(test_vary_cookie),
        cmocka_unit_test(test_header_order),
        cmocka_unit_test(test_finish_misuse),
        cmocka_unit_test(test_bad_session_cookie),
        cmocka_unit_test(test_test_login_cookie),
        cmocka_unit_test(test_test_login_cookie_custom_name),
        cmocka_unit_test(test_cookie_from_flask),
        cmocka_unit_test(test_flashes_from_flask),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
