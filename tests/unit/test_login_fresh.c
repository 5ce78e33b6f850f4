/* Flask-Login's needs_refresh(), confirm_login() and fresh_login_required:
 * the handler, the signal, flashed (and localized) messages, 401 without a
 * refresh view, the redirect with next, next in the session. */
#include "harness.h"

static char ident[CLOGIN_SESSION_ID_LEN + 1];

static int setup(void **state) {
    (void)state;
    h_ident(H_ADDR, H_UA, ident);
    return 0;
}

static void login_remember(h_client *c) {
    assert_int_equal(h_get_login_remember(c, "1"), CLOGIN_OK);
}

/* "/needs-refresh": return login_manager.needs_refresh() */
static int get_needs_refresh(h_client *c, h_call *call) {
    h_open(call, c, "GET", "/needs-refresh", NULL);
    int status = clogin_needs_refresh(call->r);
    h_close(call);
    return status;
}

/* test_needs_refresh_uses_handler */
static int refresh_handler_calls;
static int refresh_handler(void *ctx, clogin_request *r) {
    h_app *a = ctx;
    refresh_handler_calls++;
    assert_int_equal(h_signal(a, CLOGIN_SIGNAL_USER_NEEDS_REFRESH), 1);
    assert_string_equal(clogin_current_user_id(r), "1");
    return 418;
}

static void test_needs_refresh_uses_handler(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "REFRESH_VIEW", "/refresh-view");
    assert_int_equal(clogin_manager_set_needs_refresh_handler(a.m, refresh_handler, &a),
                     CLOGIN_OK);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    login_remember(&c);
    refresh_handler_calls = 0;
    h_call call;
    assert_int_equal(get_needs_refresh(&c, &call), 418);
    assert_int_equal(refresh_handler_calls, 1);
    assert_null(h_resp(&call, "Location", 0));
    h_app_free(&a);
}

/* test_needs_refresh_fires_needs_refresh_signal */
static void test_needs_refresh_fires_signal(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    login_remember(&c);
    h_call call;
    get_needs_refresh(&c, &call);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_NEEDS_REFRESH), 1);
    assert_int_equal(a.signals_with_user[CLOGIN_SIGNAL_USER_NEEDS_REFRESH], 0);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_UNAUTHORIZED), 0);
    h_app_free(&a);
}

/* test_needs_refresh_fires_flash_when_redirect_to_refresh_view */
static void test_needs_refresh_flashes(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "REFRESH_VIEW", "/refresh_view");
    h_set(&a, "NEEDS_REFRESH_MESSAGE", "Refresh");
    h_set(&a, "NEEDS_REFRESH_MESSAGE_CATEGORY", "refresh");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    login_remember(&c);
    h_call call;
    assert_int_equal(get_needs_refresh(&c, &call), 302);
    h_open(&call, &c, "GET", "/refresh_view", NULL);
    h_flashes f = {0};
    const char *const filter[] = {"refresh", NULL};
    assert_int_equal(clogin_get_flashed_messages(call.r, filter, h_flash_cb, &f), 1);
    assert_string_equal(f.message[0], "Refresh");
    h_close(&call);
    h_app_free(&a);
}

/* The default message and category. */
static void test_needs_refresh_default_message(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "REFRESH_VIEW", "/refresh_view");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    login_remember(&c);
    h_call call;
    assert_int_equal(get_needs_refresh(&c, &call), 302);
    clogin_session *s = h_session(&c);
    assert_non_null(s);
    assert_int_equal(clogin_session_flash_count(s), 1);
    const char *category, *message;
    assert_int_equal(clogin_session_flash_get(s, 0, &category, &message), CLOGIN_OK);
    assert_string_equal(category, "message");
    assert_string_equal(message, "Please reauthenticate to access this page.");
    clogin_session_free(s);
    h_app_free(&a);
}

/* test_needs_refresh_flash_message_localized */
static const char *gettext_de(void *ctx, const char *msg) {
    (void)ctx;
    return strcmp(msg, "Refresh") == 0 ? "Aktualisieren" : msg;
}

static void test_needs_refresh_flash_message_localized(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "REFRESH_VIEW", "/refresh_view");
    h_set(&a, "NEEDS_REFRESH_MESSAGE", "Refresh");
    h_set(&a, "NEEDS_REFRESH_MESSAGE_CATEGORY", "refresh");
    assert_int_equal(clogin_manager_set_localize(a.m, gettext_de, NULL), CLOGIN_OK);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    login_remember(&c);
    h_call call;
    h_open(&call, &c, "GET", "/needs-refresh", NULL);
    assert_int_equal(clogin_needs_refresh(call.r), 302);
    h_flashes f = {0};
    const char *const filter[] = {"refresh", NULL};
    assert_int_equal(clogin_get_flashed_messages(call.r, filter, h_flash_cb, &f), 1);
    assert_string_equal(f.message[0], "Aktualisieren");
    h_close(&call);
    h_app_free(&a);
}

/* NEEDS_REFRESH_MESSAGE None: nothing flashed. */
static void test_needs_refresh_without_message(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "REFRESH_VIEW", "/refresh_view");
    h_set(&a, "NEEDS_REFRESH_MESSAGE", "None");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    login_remember(&c);
    h_call call;
    assert_int_equal(get_needs_refresh(&c, &call), 302);
    assert_null(h_set_cookie(&call, "session"));
    assert_false(h_session_has(&c, "_flashes"));
    h_app_free(&a);
}

/* test_needs_refresh_aborts_401 */
static void test_needs_refresh_aborts_401(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "LOGIN_VIEW", "/login"); /* not used for refreshing */
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    login_remember(&c);
    h_call call;
    assert_int_equal(get_needs_refresh(&c, &call), 401);
    assert_null(h_resp(&call, "Location", 0));
    h_app_free(&a);
}

/* test_redirects_to_refresh_view */
static void test_redirects_to_refresh_view(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "REFRESH_VIEW", "/refresh-view");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    login_remember(&c);
    h_call call;
    assert_int_equal(get_needs_refresh(&c, &call), 302);
    assert_string_equal(h_resp(&call, "Location", 0), "/refresh-view?next=%2Fneeds-refresh");
    h_app_free(&a);
}

/* FORCE_HOST_FOR_REDIRECTS applies to the refresh view too. */
static void test_refresh_view_force_host(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "REFRESH_VIEW", "/refresh-view");
    h_set(&a, "FORCE_HOST_FOR_REDIRECTS", "good.com");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    login_remember(&c);
    h_call call;
    assert_int_equal(get_needs_refresh(&c, &call), 302);
    assert_string_equal(h_resp(&call, "Location", 0),
                        "//good.com/refresh-view?next=%2Fneeds-refresh");
    h_app_free(&a);
}

/* test_refresh_with_next_in_session */
static void test_refresh_with_next_in_session(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "REFRESH_VIEW", "/refresh-view");
    h_set(&a, "USE_SESSION_FOR_NEXT", "true");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    login_remember(&c);
    h_call call;
    assert_int_equal(get_needs_refresh(&c, &call), 302);
    assert_string_equal(h_resp(&call, "Location", 0), "/refresh-view");
    h_open(&call, &c, "GET", "/refresh-view", NULL);
    clogin_session *s = clogin_request_session(call.r);
    const char *next;
    assert_int_equal(clogin_session_get_string(s, "next", &next, NULL), CLOGIN_OK);
    assert_string_equal(next, "/needs-refresh");
    assert_int_equal(clogin_session_remove(s, "next"), CLOGIN_OK);
    h_close(&call);
    char buf[256];
    assert_null(h_session_str(&c, "next", buf, sizeof buf));
    assert_string_equal(h_session_str(&c, "_id", buf, sizeof buf), ident);
    h_app_free(&a);
}

/* test_confirm_login */
static void test_confirm_login(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    login_remember(&c);
    h_delete_session(&c);
    assert_false(h_get_is_fresh(&c)); /* login_fresh() alone does not restore */
    assert_string_equal(h_get_username(&c), "Notch");
    assert_false(h_get_is_fresh(&c));
    h_get_confirm(&c);
    assert_true(h_get_is_fresh(&c));
    assert_string_equal(h_get_username(&c), "Notch");
    h_app_free(&a);
}

/* test_user_login_confirmed_signal_fired */
static void test_user_login_confirmed_signal_fired(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_get_confirm(&c);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOGIN_CONFIRMED), 1);
    /* confirm_login writes _fresh and _id, as Flask-Login does */
    char json[512], want[512];
    snprintf(want, sizeof want, "{\"_fresh\":true,\"_id\":\"%s\"}", ident);
    assert_string_equal(h_session_json(&c, json, sizeof json), want);
    h_app_free(&a);
}

/* confirm_login after the browser changed (basic protection marked the
 * login stale) makes it fresh for the new identifier. */
static void test_confirm_login_updates_identifier(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    c.user_agent = "Another Browser/2.0";
    assert_string_equal(h_get_username(&c), "Notch"); /* marked stale */
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 1);
    assert_false(h_get_is_fresh(&c));
    h_get_confirm(&c);
    assert_true(h_get_is_fresh(&c));
    assert_string_equal(h_get_username(&c), "Notch");
    assert_true(h_get_is_fresh(&c));
    char buf[256], other[CLOGIN_SESSION_ID_LEN + 1];
    assert_string_equal(h_session_str(&c, "_id", buf, sizeof buf),
                        h_ident(H_ADDR, "Another Browser/2.0", other));
    h_app_free(&a);
}

/* test_fresh_login_required_decorator */
static void test_fresh_login_required(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    assert_int_equal(h_get_guarded(&c, "GET", "/very-protected", clogin_fresh_login_required, NULL),
                     401);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_UNAUTHORIZED), 1);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_NEEDS_REFRESH), 0);
    login_remember(&c);
    assert_int_equal(h_get_guarded(&c, "GET", "/very-protected", clogin_fresh_login_required, NULL),
                     200);
    h_delete_session(&c);
    assert_int_equal(h_get_guarded(&c, "GET", "/very-protected", clogin_fresh_login_required, NULL),
                     401);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_NEEDS_REFRESH), 1);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_UNAUTHORIZED), 1);
    /* plain login_required is happy with a stale login */
    assert_int_equal(h_get_guarded(&c, "GET", "/protected", clogin_login_required, NULL), 200);
    h_get_confirm(&c);
    assert_int_equal(h_get_guarded(&c, "GET", "/very-protected", clogin_fresh_login_required, NULL),
                     200);
    h_app_free(&a);
}

/* fresh_login_required sends a stale login to the refresh view with next,
 * and an anonymous user to the login view. */
static void test_fresh_login_required_redirects(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "LOGIN_VIEW", "/login");
    h_set(&a, "REFRESH_VIEW", "/reauth");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    assert_int_equal(h_get_guarded(&c, "GET", "/settings", clogin_fresh_login_required, &call),
                     302);
    assert_string_equal(h_resp(&call, "Location", 0), "/login?next=%2Fsettings");
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.fresh = 0;
    assert_int_equal(h_get_login_with(&c, "2", &o, NULL), CLOGIN_OK);
    assert_int_equal(h_get_guarded(&c, "GET", "/settings", clogin_fresh_login_required, &call),
                     302);
    assert_string_equal(h_resp(&call, "Location", 0), "/reauth?next=%2Fsettings");
    h_app_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_needs_refresh_uses_handler),
        cmocka_unit_test(test_needs_refresh_fires_signal),
        cmocka_unit_test(test_needs_refresh_flashes),
        cmocka_unit_test(test_needs_refresh_default_message),
        cmocka_unit_test(test_needs_refresh_flash_message_localized),
        cmocka_unit_test(test_needs_refresh_without_message),
        cmocka_unit_test(test_needs_refresh_aborts_401),
        cmocka_unit_test(test_redirects_to_refresh_view),
        cmocka_unit_test(test_refresh_view_force_host),
        cmocka_unit_test(test_refresh_with_next_in_session),
        cmocka_unit_test(test_confirm_login),
        cmocka_unit_test(test_user_login_confirmed_signal_fired),
        cmocka_unit_test(test_confirm_login_updates_identifier),
        cmocka_unit_test(test_fresh_login_required),
        cmocka_unit_test(test_fresh_login_required_redirects),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
