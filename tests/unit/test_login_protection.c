/* Flask-Login's session protection: basic and strong, permanent sessions
 * or not, with and without the remember cookie, skipped for anonymous and
 * empty sessions, the session_protected signal; the identifier in
 * Flask-Login 0.7's and 0.6's forms, a custom generator, and
 * TRUSTED_PROXIES with X-Forwarded-For. */
#include "harness.h"

/* Flask-Login 0.6.2's _create_identifier() for REMOTE_ADDR 127.0.0.1 and
 * User-Agent H_UA, and sha512("127.0.0.1|" H_UA) (0.7's form). */
static const char flask06_ident[] =
    "6aef4d8e3dc7b0d88509d2c02ca8b9241dfe74ea658364f89d79dc2e3cccacab"
    "28b2ad4228b1ad52d0881a0cfde31df0afa31ff4ccbd0704d5516664b321aa74";
static const char flask07_ident[] =
    "c3ba644e87a9b6ba83d17d5fed3e5c0c02d8e88cbe788736bfa78beb4848ec00"
    "0befa7fe7df6d2b71274d568fe18b85171e2e7a53425a2d7c1366cb043afba6f";

static const char *const other_ua[] = {"User-Agent", "different", NULL};

static void app_with(h_app *a, const char *protection) {
    h_app_init(a, 0);
    h_set(a, "SESSION_PROTECTION", protection);
    h_app_start(a);
}

/* test_session_protection_basic_passes_successive_requests, and strong */
static void test_protection_passes_successive_requests(void **state) {
    (void)state;
    static const char *const modes[] = {"basic", "strong"};
    for (size_t i = 0; i < 2; i++) {
        h_app a;
        app_with(&a, modes[i]);
        h_client c;
        h_client_init(&c, &a);
        assert_int_equal(h_get_login_remember(&c, "1"), CLOGIN_OK);
        for (int k = 0; k < 3; k++) {
            h_call call;
            h_open(&call, &c, "GET", "/username", NULL);
            assert_string_equal(h_username_in(&c, call.r), "Notch");
            assert_true(clogin_login_fresh(call.r));
            h_close(&call);
            assert_null(h_resp(&call, "Set-Cookie", 0));
        }
        assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 0);
        h_app_free(&a);
    }
}

/* test_session_protection_basic_marks_session_unfresh / _fires_signal */
static void test_basic_marks_session_unfresh(void **state) {
    (void)state;
    h_app a;
    app_with(&a, "basic");
    h_client c;
    h_client_init(&c, &a);
    assert_int_equal(h_get_login_remember(&c, "1"), CLOGIN_OK);
    h_call call;
    h_open(&call, &c, "GET", "/username", other_ua);
    assert_string_equal(h_username_in(&c, call.r), "Notch");
    assert_false(clogin_login_fresh(call.r));
    h_close(&call);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 1);
    assert_int_equal(a.signals_with_user[CLOGIN_SIGNAL_SESSION_PROTECTED], 0);
    /* _fresh false is saved; _id is kept as it was */
    if (!h_stored()) /* a store keeps the id and rewrites the record */
        assert_non_null(h_set_cookie(&call, "session"));
    assert_false(h_get_is_fresh(&c));
    char buf[256];
    assert_string_equal(h_session_str(&c, "_id", buf, sizeof buf), flask07_ident);
    /* a second stale request fires again but has nothing to write */
    h_open(&call, &c, "GET", "/username", other_ua);
    assert_string_equal(h_username_in(&c, call.r), "Notch");
    h_close(&call);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 2);
    assert_null(h_set_cookie(&call, "session"));
    /* the original browser still has its (now stale) login */
    assert_string_equal(h_get_username(&c), "Notch");
    assert_false(h_get_is_fresh(&c));
    h_app_free(&a);
}

/* test_session_protection_basic_skips_when_remember_me, and strong */
static void test_protection_skips_when_remember_me(void **state) {
    (void)state;
    static const char *const modes[] = {"basic", "strong"};
    for (size_t i = 0; i < 2; i++) {
        h_app a;
        app_with(&a, modes[i]);
        h_client c;
        h_client_init(&c, &a);
        assert_int_equal(h_get_login_remember(&c, "1"), CLOGIN_OK);
        h_delete_session(&c);
        assert_string_equal(h_get_username(&c), "Notch");
        assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 0);
        h_app_free(&a);
    }
}

/* test_permanent_strong_session_protection_marks_session_unfresh and
 * _fires_signal: a permanent session is only marked stale. */
static void test_permanent_strong_marks_session_unfresh(void **state) {
    (void)state;
    h_app a;
    app_with(&a, "strong");
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    h_open(&call, &c, "GET", "/login-notch-permanent", NULL);
    assert_int_equal(clogin_session_set_permanent(call.r, 1), CLOGIN_OK);
    assert_int_equal(clogin_login_user(call.r, h_user_new(&a, "1"), NULL), CLOGIN_OK);
    h_close(&call);
    assert_true(h_session_has(&c, "_permanent"));
    h_open(&call, &c, "GET", "/username", other_ua);
    assert_string_equal(h_username_in(&c, call.r), "Notch");
    h_close(&call);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 1);
    assert_false(h_get_is_fresh(&c));
    assert_string_equal(h_get_username(&c), "Notch");
    h_app_free(&a);
}

/* test_session_protection_strong_deletes_session: Flask-Login's keys go,
 * the application's stay, the remember cookie is deleted. */
static void test_strong_deletes_session(void **state) {
    (void)state;
    h_app a;
    app_with(&a, "strong");
    h_client c;
    h_client_init(&c, &a);
    h_session_put(&c, "{\"foo\":\"bar\"}");
    h_call call;
    h_open(&call, &c, "GET", "/login-notch-remember", NULL);
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.remember = 1;
    assert_int_equal(clogin_login_user(call.r, h_user_new(&a, "1"), &o), CLOGIN_OK);
    h_close(&call);
    assert_non_null(h_jar_get(&c.jar, "remember_token"));
    h_signals_reset(&a);

    h_open(&call, &c, "GET", "/username", other_ua);
    assert_string_equal(h_username_in(&c, call.r), "Anonymous");
    assert_false(clogin_login_remembered(call.r));
    h_close(&call);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 1);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOADED_FROM_COOKIE), 0);
    assert_string_equal(h_set_cookie(&call, "remember_token"),
                        "remember_token=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; "
                        "HttpOnly; Path=/");
    assert_null(h_jar_get(&c.jar, "remember_token"));
    char json[512];
    assert_string_equal(h_session_json(&c, json, sizeof json), "{\"foo\":\"bar\"}");
    /* back on the original browser: logged out for good */
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_app_free(&a);
}

/* test_session_protection_strong_fires_signal_user_agent */
static void test_strong_fires_signal_user_agent(void **state) {
    (void)state;
    h_app a;
    app_with(&a, "strong");
    h_client c;
    h_client_init(&c, &a);
    assert_int_equal(h_get_login_remember(&c, "1"), CLOGIN_OK);
    assert_string_equal(h_get_username_with(&c, "/username", other_ua), "Anonymous");
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 1);
    h_app_free(&a);
}

/* test_session_protection_strong_fires_signal_x_forwarded_for: clogin only
 * reads X-Forwarded-For behind TRUSTED_PROXIES. */
static void test_strong_fires_signal_x_forwarded_for(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "SESSION_PROTECTION", "strong");
    h_set(&a, "TRUSTED_PROXIES", "1");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    const char *const xff1[] = {"X-Forwarded-For", "10.1.1.1", NULL};
    const char *const xff2[] = {"X-Forwarded-For", "10.1.1.2", NULL};
    assert_int_equal(h_get_login_with(&c, "1", NULL, xff1), CLOGIN_OK);
    char buf[256], want[CLOGIN_SESSION_ID_LEN + 1];
    assert_string_equal(h_session_str(&c, "_id", buf, sizeof buf), h_ident("10.1.1.1", H_UA, want));
    assert_string_equal(h_get_username_with(&c, "/username", xff1), "Notch");
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 0);
    assert_string_equal(h_get_username_with(&c, "/username", xff2), "Anonymous");
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 1);
    h_app_free(&a);
}

/* Without TRUSTED_PROXIES the header is the client's to forge: ignored. */
static void test_x_forwarded_for_ignored_by_default(void **state) {
    (void)state;
    h_app a;
    app_with(&a, "strong");
    h_client c;
    h_client_init(&c, &a);
    const char *const xff1[] = {"X-Forwarded-For", "10.1.1.1", NULL};
    const char *const xff2[] = {"X-Forwarded-For", "10.1.1.2", NULL};
    assert_int_equal(h_get_login_with(&c, "1", NULL, xff1), CLOGIN_OK);
    char buf[256];
    assert_string_equal(h_session_str(&c, "_id", buf, sizeof buf), flask07_ident);
    assert_string_equal(h_get_username_with(&c, "/username", xff2), "Notch");
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 0);
    h_app_free(&a);
}

/* test_login_persists_with_signle_x_forwarded_for / _many_x_forwarded_for,
 * in their clogin form: the entry TRUSTED_PROXIES from the right. */
static void test_login_persists_with_x_forwarded_for(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "SESSION_PROTECTION", "strong");
    h_set(&a, "TRUSTED_PROXIES", "1");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    c.remote_addr = "192.168.0.2"; /* the proxy */
    const char *const one[] = {"X-Forwarded-For", "10.1.1.1", NULL};
    const char *const spoofed[] = {"X-Forwarded-For", "6.6.6.6, 10.1.1.1", NULL};
    const char *const spaced[] = {"X-Forwarded-For", " 1.2.3.4 ,10.1.1.1 ", NULL};
    assert_int_equal(h_get_login_with(&c, "1", NULL, one), CLOGIN_OK);
    assert_string_equal(h_get_username_with(&c, "/username", one), "Notch");
    assert_string_equal(h_get_username_with(&c, "/username", spoofed), "Notch");
    assert_string_equal(h_get_username_with(&c, "/username", spaced), "Notch");
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 0);
    /* no header: the peer (the proxy) is a different client */
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_app_free(&a);

    /* two proxies: the second entry from the right; fewer entries than
     * proxies: the leftmost */
    h_app_init(&a, 0);
    h_set(&a, "SESSION_PROTECTION", "strong");
    h_set(&a, "TRUSTED_PROXIES", "2");
    h_app_start(&a);
    h_client_init(&c, &a);
    const char *const many[] = {"X-Forwarded-For", "10.1.1.1, 10.1.1.2", NULL};
    const char *const three[] = {"X-Forwarded-For", "6.6.6.6,10.1.1.1,10.1.1.9", NULL};
    assert_int_equal(h_get_login_with(&c, "1", NULL, one), CLOGIN_OK);
    char buf[256], want[CLOGIN_SESSION_ID_LEN + 1];
    assert_string_equal(h_session_str(&c, "_id", buf, sizeof buf), h_ident("10.1.1.1", H_UA, want));
    assert_string_equal(h_get_username_with(&c, "/username", many), "Notch");
    assert_string_equal(h_get_username_with(&c, "/username", three), "Notch");
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 0);
    h_app_free(&a);
}

/* test_session_protection_skip_when_off_and_anonymous, and basic */
static void test_protection_skips_anonymous(void **state) {
    (void)state;
    static const char *const modes[] = {"none", "basic", "strong"};
    for (size_t i = 0; i < 3; i++) {
        h_app a;
        app_with(&a, modes[i]);
        h_client c;
        h_client_init(&c, &a);
        h_call call;
        h_open(&call, &c, "GET", "/", NULL);
        h_close(&call);
        assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_ACCESSED), 0);
        h_open(&call, &c, "GET", "/username", other_ua);
        assert_string_equal(h_username_in(&c, call.r), "Anonymous");
        h_close(&call);
        assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_ACCESSED), 1);
        assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 0);
        assert_null(h_resp(&call, "Set-Cookie", 0)); /* no session data set */
        assert_int_equal(c.jar.n, 0);
        h_app_free(&a);
    }
}

/* SESSION_PROTECTION none: a changed browser keeps a fresh login. */
static void test_protection_off(void **state) {
    (void)state;
    h_app a;
    app_with(&a, "none");
    h_client c;
    h_client_init(&c, &a);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    h_call call;
    h_open(&call, &c, "GET", "/username", other_ua);
    assert_string_equal(h_username_in(&c, call.r), "Notch");
    assert_true(clogin_login_fresh(call.r));
    h_close(&call);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 0);
    h_app_free(&a);
}

/* A non-empty session without a login: Flask-Login still protects it
 * (basic: _fresh false is added; strong: its keys go, "foo" stays). */
static void test_protection_of_session_without_login(void **state) {
    (void)state;
    h_app a;
    app_with(&a, "basic");
    h_client c;
    h_client_init(&c, &a);
    h_session_put(&c, "{\"foo\":\"bar\"}");
    assert_string_equal(h_get_username(&c), "Anonymous");
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 1);
    char json[256];
    assert_string_equal(h_session_json(&c, json, sizeof json),
                        "{\"_fresh\":false,\"foo\":\"bar\"}");
    h_app_free(&a);

    app_with(&a, "strong");
    h_client_init(&c, &a);
    h_session_put(&c, "{\"foo\":\"bar\",\"next\":\"/x\"}");
    assert_string_equal(h_get_username(&c), "Anonymous");
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 1);
    assert_string_equal(h_session_json(&c, json, sizeof json), "{\"foo\":\"bar\"}");
    h_app_free(&a);
}

/* The identifier: 0.7's form by default, 0.6's byte for byte what
 * Flask-Login 0.6.2 stores, an absent User-Agent. */
static void test_identifier_formats(void **state) {
    (void)state;
    char id[CLOGIN_SESSION_ID_LEN + 1], buf[256];
    assert_int_equal(clogin_session_identifier(CLOGIN_IDENTIFIER_07, H_ADDR, H_UA, id), CLOGIN_OK);
    assert_string_equal(id, flask07_ident);
    assert_int_equal(clogin_session_identifier(CLOGIN_IDENTIFIER_06, H_ADDR, H_UA, id), CLOGIN_OK);
    assert_string_equal(id, flask06_ident);

    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "SESSION_IDENTIFIER_FORMAT", "0.6");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    assert_string_equal(h_session_str(&c, "_id", buf, sizeof buf), flask06_ident);
    assert_true(h_get_is_fresh(&c));
    assert_string_equal(h_get_username(&c), "Notch");
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 0);
    h_app_free(&a);

    /* no User-Agent header at all */
    for (int fmt = 0; fmt < 2; fmt++) {
        h_app_init(&a, 0);
        h_set(&a, "SESSION_IDENTIFIER_FORMAT", fmt ? "0.6" : "0.7");
        h_app_start(&a);
        h_client_init(&c, &a);
        c.user_agent = NULL;
        assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
        assert_int_equal(clogin_session_identifier(fmt ? CLOGIN_IDENTIFIER_06
                                                       : CLOGIN_IDENTIFIER_07,
                                                   H_ADDR, NULL, id),
                         CLOGIN_OK);
        assert_string_equal(h_session_str(&c, "_id", buf, sizeof buf), id);
        assert_string_equal(h_get_username(&c), "Notch");
        assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 0);
        /* an empty User-Agent is not an absent one in 0.6's form */
        c.user_agent = "";
        assert_string_equal(h_get_username(&c), "Notch");
        assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), fmt ? 1 : 0);
        h_app_free(&a);
    }
}

/* clogin_manager_set_identifier_generator (_session_identifier_generator) */
static clogin_status fixed_identifier(void *ctx, clogin_request *r,
                                      char out[CLOGIN_SESSION_ID_LEN + 1]) {
    (void)r;
    int *calls = ctx;
    (*calls)++;
    memset(out, 'a', CLOGIN_SESSION_ID_LEN);
    out[CLOGIN_SESSION_ID_LEN] = '\0';
    return CLOGIN_OK;
}

static void test_custom_identifier_generator(void **state) {
    (void)state;
    int calls = 0;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "SESSION_PROTECTION", "strong");
    assert_int_equal(clogin_manager_set_identifier_generator(a.m, fixed_identifier, &calls),
                     CLOGIN_OK);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    char buf[256], want[CLOGIN_SESSION_ID_LEN + 1];
    memset(want, 'a', CLOGIN_SESSION_ID_LEN);
    want[CLOGIN_SESSION_ID_LEN] = '\0';
    assert_string_equal(h_session_str(&c, "_id", buf, sizeof buf), want);
    assert_string_equal(h_get_username_with(&c, "/username", other_ua), "Notch");
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 0);
    assert_true(calls >= 2);
    h_app_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protection_passes_successive_requests),
        cmocka_unit_test(test_basic_marks_session_unfresh),
        cmocka_unit_test(test_protection_skips_when_remember_me),
        cmocka_unit_test(test_permanent_strong_marks_session_unfresh),
        cmocka_unit_test(test_strong_deletes_session),
        cmocka_unit_test(test_strong_fires_signal_user_agent),
        cmocka_unit_test(test_strong_fires_signal_x_forwarded_for),
        cmocka_unit_test(test_x_forwarded_for_ignored_by_default),
        cmocka_unit_test(test_login_persists_with_x_forwarded_for),
        cmocka_unit_test(test_protection_skips_anonymous),
        cmocka_unit_test(test_protection_off),
        cmocka_unit_test(test_protection_of_session_without_login),
        cmocka_unit_test(test_identifier_formats),
        cmocka_unit_test(test_custom_identifier_generator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
