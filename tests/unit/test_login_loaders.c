/* Flask-Login's request loader and header loader (LoginTestCase's
 * *_with_header / *_with_request tests and LoginViaRequestTestCase): users
 * loaded from the request leave the session alone, so API requests get no
 * cookie; a session login wins over them; loader failures. */
#include "harness.h"

/* base64("1"), base64("2"), base64("9000") */
static const char *const auth_notch[] = {"Authorization", "Basic MQ==", NULL};
static const char *const auth_steve[] = {"Authorization", "Basic Mg==", NULL};
static const char *const auth_nobody[] = {"Authorization", "Basic OTAwMA==", NULL};

/* test_login_user_with_header (no request loader, as Flask-Login's test) */
static void test_login_user_with_header(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, H_HEADER_LOADER);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    h_open(&call, &c, "GET", "/username", auth_steve);
    assert_string_equal(h_username_in(&c, call.r), "Steve");
    assert_true(clogin_is_authenticated(call.r));
    assert_false(clogin_login_fresh(call.r));
    assert_int_equal(clogin_login_required(call.r), 0);
    h_close(&call);
    assert_int_equal(a.header_loader_calls, 1);
    /* test_user_loaded_from_header_fired */
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOADED_FROM_HEADER), 1);
    assert_string_equal(a.signal_user[CLOGIN_SIGNAL_USER_LOADED_FROM_HEADER], "2");
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOADED_FROM_REQUEST), 0);
    /* no cookie at all for an API request: only Vary */
    assert_null(h_resp(&call, "Set-Cookie", 0));
    assert_true(h_varies(&call));
    assert_int_equal(call.resp_n, 1);
    assert_int_equal(c.jar.n, 0);
    /* and the next request without the header is anonymous */
    assert_string_equal(h_get_username(&c), "Anonymous");
    assert_int_equal(a.header_loader_calls, 1); /* not called without header */
    h_app_free(&a);
}

/* test_login_invalid_user_with_header */
static void test_login_invalid_user_with_header(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, H_HEADER_LOADER);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    assert_string_equal(h_get_username_with(&c, "/username", auth_nobody), "Anonymous");
    assert_int_equal(a.header_loader_calls, 1);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOADED_FROM_HEADER), 0);
    h_app_free(&a);
}

/* AUTH_HEADER_NAME */
static void test_auth_header_name(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, H_HEADER_LOADER);
    h_set(&a, "AUTH_HEADER_NAME", "X-Api-Auth");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    assert_string_equal(h_get_username_with(&c, "/username", auth_steve), "Anonymous");
    assert_int_equal(a.header_loader_calls, 0);
    const char *const custom[] = {"x-api-auth", "Basic Mg==", NULL};
    assert_string_equal(h_get_username_with(&c, "/username", custom), "Steve");
    h_app_free(&a);
}

/* test_login_user_with_request / test_user_loaded_from_request_fired */
static void test_login_user_with_request(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, H_REQUEST_LOADER);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    h_open(&call, &c, "GET", "/username?api_key=steve-key", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Steve");
    h_close(&call);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOADED_FROM_REQUEST), 1);
    assert_string_equal(a.signal_user[CLOGIN_SIGNAL_USER_LOADED_FROM_REQUEST], "2");
    assert_null(h_resp(&call, "Set-Cookie", 0));
    /* percent-encoded argument */
    assert_string_equal(h_get_username_with(&c, "/username?x=1&api_key=notch%2Dkey", NULL),
                        "Notch");
    h_app_free(&a);
}

/* test_login_invalid_user_with_request */
static void test_login_invalid_user_with_request(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, H_REQUEST_LOADER);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    assert_string_equal(h_get_username_with(&c, "/username?api_key=nope", NULL), "Anonymous");
    assert_int_equal(h_get_guarded(&c, "GET", "/username?api_key=nope", clogin_login_required,
                                   NULL),
                     401);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOADED_FROM_REQUEST), 0);
    h_app_free(&a);
}

/* test_login_user_with_request_does_not_modify_session */
static void test_request_loader_does_not_modify_session(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, H_REQUEST_LOADER | H_HEADER_LOADER);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    h_open(&call, &c, "GET", "/username?api_key=steve-key", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Steve");
    assert_int_equal(clogin_login_required(call.r), 0);
    assert_int_equal(clogin_fresh_login_required(call.r), 401); /* never fresh */
    h_close(&call);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    assert_true(h_varies(&call));
    assert_int_equal(c.jar.n, 0);
    assert_string_equal(h_get_username(&c), "Anonymous");

    /* the same with a session cookie (not logged in): left as it was */
    char ident[CLOGIN_SESSION_ID_LEN + 1], before[512], after[512];
    snprintf(before, sizeof before, "{\"_id\":\"%s\",\"theme\":\"dark\"}",
             h_ident(H_ADDR, H_UA, ident));
    h_session_put(&c, before);
    h_open(&call, &c, "GET", "/api?api_key=steve-key", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Steve");
    h_close(&call);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    assert_string_equal(h_session_json(&c, after, sizeof after), before);
    h_open(&call, &c, "GET", "/api", auth_notch);
    assert_string_equal(h_username_in(&c, call.r), "Notch");
    h_close(&call);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    h_app_free(&a);
}

/* test_login_via_request_uses_cookie_when_already_logged_in, as clogin.h
 * orders loaders: the session's user wins and the loaders are not asked. */
static void test_session_login_wins(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, H_REQUEST_LOADER | H_HEADER_LOADER);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    assert_string_equal(h_get_username(&c), "Notch");
    assert_string_equal(h_get_username_with(&c, "/username?api_key=steve-key", auth_steve),
                        "Notch");
    assert_int_equal(a.request_loader_calls, 0);
    assert_int_equal(a.header_loader_calls, 0);
    h_app_free(&a);
}

/* docs/login.md: the request loader, then the header loader. */
static void test_request_then_header_loader(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, H_REQUEST_LOADER | H_HEADER_LOADER);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    assert_string_equal(h_get_username_with(&c, "/username?api_key=steve-key", auth_notch),
                        "Steve");
    assert_int_equal(a.header_loader_calls, 0);
    assert_string_equal(h_get_username_with(&c, "/username?api_key=wrong", auth_notch), "Notch");
    assert_int_equal(a.request_loader_calls, 2);
    assert_int_equal(a.header_loader_calls, 1);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOADED_FROM_REQUEST), 1);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOADED_FROM_HEADER), 1);
    h_app_free(&a);
}

/* LoginViaRequestTestCase: only a request loader (no user loader). A
 * login_user() stores the id, which nobody can load back; the id stays. */
static void test_request_loader_only(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, H_REQUEST_LOADER | H_NO_USER_LOADER);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    assert_int_equal(h_get_guarded(&c, "GET", "/username", clogin_login_required, NULL), 401);
    assert_string_equal(h_get_username_with(&c, "/username?api_key=steve-key", NULL), "Steve");
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    assert_string_equal(h_get_username(&c), "Anonymous");
    assert_true(h_session_has(&c, "_user_id"));
    assert_string_equal(h_get_username_with(&c, "/username?api_key=steve-key", NULL), "Steve");
    assert_int_equal(a.user_loader_calls, 0);
    h_app_free(&a);
}

/* Loaders that cannot answer: anonymous, and the log callback hears. */
static void test_loader_errors(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, H_REQUEST_LOADER);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    a.request_loader_fail = 1;
    h_call call;
    h_open(&call, &c, "GET", "/username?api_key=steve-key", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Anonymous");
    assert_int_equal(clogin_login_required(call.r), 401);
    h_close(&call);
    assert_int_equal(a.logs[CLOGIN_LOG_ERROR], 1);
    assert_non_null(strstr(a.last_log[CLOGIN_LOG_ERROR], "request loader"));
    assert_null(h_resp(&call, "Set-Cookie", 0));
    h_app_free(&a);

    h_app_init(&a, H_HEADER_LOADER);
    h_app_start(&a);
    h_client_init(&c, &a);
    a.header_loader_fail = 1;
    assert_string_equal(h_get_username_with(&c, "/username", auth_steve), "Anonymous");
    assert_int_equal(a.logs[CLOGIN_LOG_ERROR], 1);
    assert_non_null(strstr(a.last_log[CLOGIN_LOG_ERROR], "header loader"));
    h_app_free(&a);

    /* the user loader failing for a remember cookie */
    h_app_init(&a, 0);
    h_app_start(&a);
    h_client_init(&c, &a);
    assert_int_equal(h_get_login_remember(&c, "1"), CLOGIN_OK);
    h_delete_session(&c);
    a.user_loader_fail = 1;
    h_open(&call, &c, "GET", "/username", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Anonymous");
    h_close(&call);
    assert_int_equal(a.logs[CLOGIN_LOG_ERROR], 1);
    assert_null(h_set_cookie(&call, "remember_token"));
    assert_null(h_set_cookie(&call, "session"));
    a.user_loader_fail = 0;
    assert_string_equal(h_get_username(&c), "Notch");
    h_app_free(&a);
}

/* Without a log callback, failures are silent (no crash). */
static void test_loader_error_without_log(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, H_REQUEST_LOADER);
    assert_int_equal(clogin_manager_set_log(a.m, NULL, NULL), CLOGIN_OK);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    a.request_loader_fail = 1;
    assert_string_equal(h_get_username_with(&c, "/username?api_key=steve-key", NULL),
                        "Anonymous");
    assert_int_equal(a.logs[CLOGIN_LOG_ERROR], 0);
    h_app_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_user_with_header),
        cmocka_unit_test(test_login_invalid_user_with_header),
        cmocka_unit_test(test_auth_header_name),
        cmocka_unit_test(test_login_user_with_request),
        cmocka_unit_test(test_login_invalid_user_with_request),
        cmocka_unit_test(test_request_loader_does_not_modify_session),
        cmocka_unit_test(test_session_login_wins),
        cmocka_unit_test(test_request_then_header_loader),
        cmocka_unit_test(test_request_loader_only),
        cmocka_unit_test(test_loader_errors),
        cmocka_unit_test(test_loader_error_without_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
