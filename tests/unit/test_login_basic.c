/* Flask-Login's LoginTestCase, basics: anonymous by default, login_user,
 * inactive and forced logins, signals, logout, logins persisting across
 * requests, ids the loader does not know, UserMixin / AnonymousUserMixin
 * defaults and equality, a custom anonymous user, start-up checks. */
#include "harness.h"

static char ident[CLOGIN_SESSION_ID_LEN + 1];

static int setup(void **state) {
    (void)state;
    h_ident(H_ADDR, H_UA, ident);
    return 0;
}

/* test_defaults_anonymous */
static void test_defaults_anonymous(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);

    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/username", NULL);
    assert_null(clogin_current_user(r)); /* AnonymousUserMixin without a factory */
    assert_true(clogin_is_anonymous(r));
    assert_false(clogin_is_authenticated(r));
    assert_false(clogin_is_active(r));
    assert_null(clogin_current_user_id(r));
    assert_false(clogin_login_fresh(r));
    assert_false(clogin_login_remembered(r));
    assert_string_equal(h_username_in(&c, r), "Anonymous");
    h_close(&call);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_ACCESSED), 1);
    /* nothing to save: no cookie, but the page depended on the session */
    assert_null(h_resp(&call, "Set-Cookie", 0));
    assert_true(h_varies(&call));
    assert_int_equal(c.jar.n, 0);
    assert_int_equal(a.user_loader_calls, 0);
    h_app_free(&a);
}

/* test_static_loads_without_accessing_session: a request that never asks
 * for the user loads nothing and answers with no header at all. */
static void test_static_loads_without_accessing_session(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    h_signals_reset(&a);

    h_call call;
    h_open(&call, &c, "GET", "/static/favicon.ico", NULL);
    h_close(&call);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_ACCESSED), 0);
    assert_int_equal(call.resp_n, 0);
    assert_int_equal(a.user_loader_calls, 0);

    /* test_requests_without_accessing_session: the next that asks loads */
    assert_string_equal(h_get_username(&c), "Notch");
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_ACCESSED), 1);
    assert_int_equal(a.user_loader_calls, 1);
    h_app_free(&a);
}

/* test_login_user */
static void test_login_user(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY(); /* Flask's cookie bytes */
    h_app a;
    h_client c;
    h_setup(&a, &c);

    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/login-notch", NULL);
    assert_int_equal(clogin_login_user(r, h_user_new(&a, "1"), NULL), CLOGIN_OK);
    const h_user *u = clogin_current_user(r);
    assert_non_null(u);
    assert_string_equal(u->name, "Notch");
    assert_string_equal(clogin_current_user_id(r), "1");
    assert_true(clogin_is_authenticated(r));
    assert_true(clogin_is_active(r));
    assert_false(clogin_is_anonymous(r));
    assert_true(clogin_login_fresh(r));
    assert_false(clogin_login_remembered(r));
    h_close(&call);

    /* login_user does not load a user: no user_accessed, no loader call */
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_ACCESSED), 0);
    assert_int_equal(a.user_loader_calls, 0);

    /* exactly Flask's cookie for {"_fresh":true,"_id":...,"_user_id":"1"} */
    char json[512], expected[1024];
    snprintf(json, sizeof json, "{\"_fresh\":true,\"_id\":\"%s\",\"_user_id\":\"1\"}", ident);
    h_session_set_cookie(&a, json, H_NOW, 0, expected, sizeof expected);
    assert_int_equal(h_resp_count(&call, "Set-Cookie"), 1);
    assert_string_equal(h_set_cookie(&call, "session"), expected);
    assert_true(h_varies(&call));
    char got[512];
    assert_string_equal(h_session_json(&c, got, sizeof got), json);
    h_app_free(&a);
}

/* test_login_user_not_fresh */
static void test_login_user_not_fresh(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.fresh = 0;
    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/login-notch", NULL);
    assert_int_equal(clogin_login_user(r, h_user_new(&a, "1"), &o), CLOGIN_OK);
    assert_string_equal(h_username_in(&c, r), "Notch");
    assert_false(clogin_login_fresh(r));
    h_close(&call);
    assert_false(h_get_is_fresh(&c));
    assert_string_equal(h_get_username(&c), "Notch");
    h_app_free(&a);
}

/* test_login_user_emits_signal */
static void test_login_user_emits_signal(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOGGED_IN), 1);
    assert_int_equal(a.signals_with_user[CLOGIN_SIGNAL_USER_LOGGED_IN], 1);
    assert_string_equal(a.signal_user[CLOGIN_SIGNAL_USER_LOGGED_IN], "1");
    for (int s = 0; s < CLOGIN_SIGNAL_COUNT; s++)
        if (s != CLOGIN_SIGNAL_USER_LOGGED_IN)
            assert_int_equal(h_signal(&a, (clogin_signal)s), 0);
    h_app_free(&a);
}

/* Signals go to every subscriber, in the order they were connected. */
static char order[16];
static void first_slot(void *ctx, clogin_request *r, clogin_signal sig, void *user) {
    (void)ctx;
    (void)r;
    (void)sig;
    assert_string_equal(((const h_user *)user)->id, "2");
    strcat(order, "1");
}
static void second_slot(void *ctx, clogin_request *r, clogin_signal sig, void *user) {
    (void)r;
    (void)user;
    assert_int_equal(sig, CLOGIN_SIGNAL_USER_LOGGED_IN);
    assert_ptr_equal(ctx, order);
    strcat(order, "2");
}

static void test_signal_subscribers_in_order(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    assert_int_equal(clogin_manager_connect(a.m, CLOGIN_SIGNAL_USER_LOGGED_IN, first_slot, NULL),
                     CLOGIN_OK);
    assert_int_equal(clogin_manager_connect(a.m, CLOGIN_SIGNAL_USER_LOGGED_IN, second_slot, order),
                     CLOGIN_OK);
    assert_int_equal(clogin_manager_connect(a.m, CLOGIN_SIGNAL_COUNT, first_slot, NULL),
                     CLOGIN_EINVAL);
    assert_int_equal(clogin_manager_connect(a.m, CLOGIN_SIGNAL_USER_LOGGED_IN, NULL, NULL),
                     CLOGIN_EINVAL);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    order[0] = '\0';
    assert_int_equal(h_get_login(&c, "2"), CLOGIN_OK);
    assert_string_equal(order, "12");
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOGGED_IN), 1); /* h_on_signal first */
    h_app_free(&a);
}

/* test_login_inactive_user: refused, nothing changes, the user is still
 * released with the request. */
static void test_login_inactive_user(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/login-creeper", NULL);
    assert_int_equal(clogin_login_user(r, h_user_new(&a, "3"), NULL), CLOGIN_EINACTIVE);
    assert_true(clogin_is_anonymous(r));
    assert_null(clogin_current_user(r));
    h_close(&call);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOGGED_IN), 0);
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_app_free(&a); /* checks that the creeper was released */
}

/* test_login_inactive_user_forced */
static void test_login_inactive_user_forced(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.force = 1;
    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/login-creeper", NULL);
    assert_int_equal(clogin_login_user(r, h_user_new(&a, "3"), &o), CLOGIN_OK);
    const h_user *u = clogin_current_user(r);
    assert_non_null(u);
    assert_string_equal(u->name, "Creeper");
    assert_string_equal(clogin_current_user_id(r), "3");
    /* UserMixin: is_authenticated is is_active */
    assert_false(clogin_is_active(r));
    assert_false(clogin_is_authenticated(r));
    assert_false(clogin_is_anonymous(r));
    h_close(&call);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOGGED_IN), 1);
    /* stored: the next request loads the creeper, who is still inactive */
    h_open(&call, &c, "GET", "/username", NULL);
    u = clogin_current_user(call.r);
    assert_non_null(u);
    assert_string_equal(u->name, "Creeper");
    assert_false(clogin_is_authenticated(call.r));
    h_close(&call);
    h_app_free(&a);
}

/* test_logout_logs_out_current_user / test_logout_emits_signal */
static void test_logout_logs_out_current_user(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/", NULL);
    assert_int_equal(clogin_login_user(r, h_user_new(&a, "1"), NULL), CLOGIN_OK);
    assert_int_equal(clogin_logout_user(r), CLOGIN_OK);
    assert_true(clogin_is_anonymous(r));
    assert_null(clogin_current_user(r));
    assert_null(clogin_current_user_id(r));
    assert_false(clogin_login_fresh(r));
    h_close(&call);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOGGED_OUT), 1);
    assert_string_equal(a.signal_user[CLOGIN_SIGNAL_USER_LOGGED_OUT], "1");
    /* the session was never sent and ends empty: nothing to set */
    assert_null(h_set_cookie(&call, "session"));
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_app_free(&a);
}

/* test_logout_without_current_user */
static void test_logout_without_current_user(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/", NULL);
    assert_int_equal(clogin_login_user(r, h_user_new(&a, "1"), NULL), CLOGIN_OK);
    assert_int_equal(clogin_session_remove(clogin_request_session(r), "_user_id"), CLOGIN_OK);
    assert_int_equal(clogin_logout_user(r), CLOGIN_OK);
    h_close(&call);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOGGED_OUT), 1);

    /* and by an anonymous visitor */
    h_signals_reset(&a);
    h_open(&call, &c, "GET", "/logout", NULL);
    assert_int_equal(clogin_logout_user(call.r), CLOGIN_OK);
    assert_true(clogin_is_anonymous(call.r));
    h_close(&call);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOGGED_OUT), 1);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    h_app_free(&a);
}

/* test_login_persists / test_logout_persists */
static void test_login_and_logout_persist(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    assert_non_null(h_jar_get(&c.jar, "session"));
    for (int i = 0; i < 3; i++) {
        c.now += 60;
        h_call call;
        h_open(&call, &c, "GET", "/username", NULL);
        assert_string_equal(h_username_in(&c, call.r), "Notch");
        assert_true(clogin_login_fresh(call.r));
        h_close(&call);
        /* an unchanged, non-permanent session is not sent again */
        assert_null(h_resp(&call, "Set-Cookie", 0));
        assert_true(h_varies(&call));
    }
    assert_int_equal(a.user_loader_calls, 3);

    h_call call;
    h_open(&call, &c, "GET", "/logout", NULL);
    assert_int_equal(clogin_logout_user(call.r), CLOGIN_OK);
    h_close(&call);
    /* the session became empty: the cookie is deleted */
    assert_string_equal(h_set_cookie(&call, "session"),
                        "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; "
                        "HttpOnly; Path=/");
    assert_null(h_jar_get(&c.jar, "session"));
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOGGED_OUT), 1);
    assert_string_equal(a.signal_user[CLOGIN_SIGNAL_USER_LOGGED_OUT], "1");
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_app_free(&a);
}

/* Logging in as somebody else replaces the user in the session. */
static void test_login_switches_user(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/login-steve", NULL);
    assert_string_equal(h_username_in(&c, r), "Notch");
    h_user *steve = h_user_new(&a, "2");
    assert_int_equal(clogin_login_user(r, steve, NULL), CLOGIN_OK);
    assert_string_equal(h_username_in(&c, r), "Steve");
    /* the same object again: still released once (ASan would see twice) */
    assert_int_equal(clogin_login_user(r, steve, NULL), CLOGIN_OK);
    assert_ptr_equal(clogin_current_user(r), steve);
    h_close(&call);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOGGED_IN), 3);
    assert_string_equal(h_get_username(&c), "Steve");
    h_app_free(&a); /* both users released */
}

/* test_incorrect_id_logs_out, and (clogin.h, Flask-Login's documentation)
 * the unknown id is removed from the session. */
static void test_incorrect_id_logs_out(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    a.user_loader_none = 1; /* the user was deleted */
    h_call call;
    h_open(&call, &c, "GET", "/username", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Anonymous");
    h_close(&call);
    assert_int_equal(a.user_loader_calls, 1);
    if (!h_stored()) /* a store keeps the id and rewrites the record */
        assert_non_null(h_set_cookie(&call, "session"));
    assert_false(h_session_has(&c, "_user_id"));
    /* so the loader is not asked again */
    assert_string_equal(h_get_username(&c), "Anonymous");
    assert_int_equal(a.user_loader_calls, 1);
    h_app_free(&a);
}

/* A loader that cannot answer: anonymous for this request, logged, and the
 * session keeps its id for when the database is back (docs/login.md). */
static void test_user_loader_error(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    a.user_loader_fail = 1;
    h_call call;
    h_open(&call, &c, "GET", "/username", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Anonymous");
    h_close(&call);
    assert_int_equal(a.logs[CLOGIN_LOG_ERROR], 1);
    assert_non_null(strstr(a.last_log[CLOGIN_LOG_ERROR], "user loader"));
    assert_null(h_resp(&call, "Set-Cookie", 0));
    assert_true(h_session_has(&c, "_user_id"));
    a.user_loader_fail = 0;
    assert_string_equal(h_get_username(&c), "Notch");
    h_app_free(&a);
}

/* Flask-Login stored an integer id (Flask-Login < 0.5 did): still loads. */
static void test_integer_user_id_in_session(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    char json[512];
    snprintf(json, sizeof json, "{\"_fresh\":true,\"_id\":\"%s\",\"_user_id\":2}", ident);
    h_session_put(&c, json);
    h_call call;
    h_open(&call, &c, "GET", "/username", NULL);
    assert_string_equal(h_username_in(&c, call.r), "Steve");
    assert_string_equal(clogin_current_user_id(call.r), "2");
    h_close(&call);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    h_app_free(&a);
}

/* UnicodeCookieUserIDTestCase through the session: a str id "佐藤". */
static void test_unicode_user_id(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    assert_int_equal(h_get_login(&c, H_SATO), CLOGIN_OK);
    char json[512], expected[512];
    snprintf(expected, sizeof expected,
             "{\"_fresh\":true,\"_id\":\"%s\",\"_user_id\":\"\\u4f50\\u85e4\"}", ident);
    assert_string_equal(h_session_json(&c, json, sizeof json), expected);
    h_call call;
    h_open(&call, &c, "GET", "/userid", NULL);
    assert_string_equal(h_username_in(&c, call.r), H_MULLER);
    assert_string_equal(clogin_current_user_id(call.r), H_SATO);
    h_close(&call);

    /* and a user with a German name */
    assert_int_equal(h_get_login(&c, "4"), CLOGIN_OK);
    assert_string_equal(h_get_username(&c), H_JURGEN);
    h_app_free(&a);
}

/* Misuse: NULL user, negative duration (the user is still released). */
static void test_login_user_bad_arguments(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/", NULL);
    assert_int_equal(clogin_login_user(r, NULL, NULL), CLOGIN_EINVAL);
    assert_int_equal(clogin_login_user(NULL, NULL, NULL), CLOGIN_EINVAL);
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.remember = 1;
    o.duration = -5;
    assert_int_equal(clogin_login_user(r, h_user_new(&a, "1"), &o), CLOGIN_EINVAL);
    assert_true(clogin_is_anonymous(r));
    h_close(&call);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_LOGGED_IN), 0);
    assert_int_equal(clogin_logout_user(NULL), CLOGIN_EINVAL);
    assert_int_equal(clogin_confirm_login(NULL), CLOGIN_EINVAL);
    assert_null(clogin_current_user(NULL));
    assert_true(clogin_is_anonymous(NULL));
    assert_false(clogin_is_authenticated(NULL));
    h_app_free(&a);
}

/* UserMixinTestCase.test_default_values: a class with only get_id answers
 * as UserMixin: active, authenticated, not anonymous. */
static const char *mixin_get_id(void *ctx, const void *user) {
    (void)ctx;
    return ((const h_user *)user)->id;
}

static void test_user_mixin_defaults(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    static const clogin_user_class mixin = {.get_id = mixin_get_id};
    assert_int_equal(clogin_manager_set_user_class(a.m, &mixin, &a), CLOGIN_OK);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_user creeper = h_users[2]; /* its inactive flag is not asked */
    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/", NULL);
    assert_int_equal(clogin_login_user(r, &creeper, NULL), CLOGIN_OK);
    assert_true(clogin_is_active(r));
    assert_true(clogin_is_authenticated(r));
    assert_false(clogin_is_anonymous(r));
    assert_string_equal(clogin_current_user_id(r), "3");
    assert_int_equal(clogin_login_required(r), 0);
    h_close(&call);
    h_app_free(&a);
}

/* UserMixinTestCase.test_equality */
static void test_user_equality(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_app_start(&a);
    h_user first = h_users[0], same = h_users[0], different = h_users[1];
    assert_true(clogin_user_equal(a.m, &first, &same));
    assert_true(clogin_user_equal(a.m, &first, &first));
    assert_false(clogin_user_equal(a.m, &first, &different));
    assert_false(clogin_user_equal(a.m, &first, NULL));
    assert_false(clogin_user_equal(a.m, NULL, &first));
    assert_false(clogin_user_equal(NULL, &first, &same));
    h_app_free(&a);
}

/* AnonymousUserTestCase / test_user_context_processor with a custom
 * anonymous user (LoginManager.anonymous_user = MyAnonymousUser). */
static void test_custom_anonymous_user(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_app_anonymous_factory(&a);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/username", NULL);
    const h_user *anon = clogin_current_user(r);
    assert_non_null(anon);
    assert_true(anon->anonymous);
    assert_string_equal(anon->name, "Guest");
    assert_ptr_equal(clogin_current_user(r), anon); /* cached for the request */
    assert_true(clogin_is_anonymous(r));
    assert_false(clogin_is_authenticated(r));
    assert_false(clogin_is_active(r));
    assert_null(clogin_current_user_id(r));
    assert_int_equal(a.live_anons, 1);
    /* logging in and out in the same request: a new anonymous user */
    assert_int_equal(clogin_login_user(r, h_user_new(&a, "2"), NULL), CLOGIN_OK);
    assert_string_equal(((const h_user *)clogin_current_user(r))->name, "Steve");
    assert_int_equal(clogin_logout_user(r), CLOGIN_OK);
    anon = clogin_current_user(r);
    assert_non_null(anon);
    assert_true(anon->anonymous);
    assert_true(clogin_is_anonymous(r));
    h_close(&call);
    assert_int_equal(a.live_anons, 0); /* released with the request */
    assert_string_equal(a.signal_user[CLOGIN_SIGNAL_USER_LOGGED_OUT], "2");
    h_app_free(&a);
}

/* InitializationTestCase.test_no_user_loader_raises, at start here; and
 * the manager is read-only once started. */
static void test_start_checks(void **state) {
    (void)state;
    clogin_manager *m;
    assert_int_equal(clogin_manager_new(&m), CLOGIN_OK);
    assert_int_equal(clogin_manager_set(m, "SECRET_KEY", H_SECRET), CLOGIN_OK);
    assert_int_equal(clogin_manager_set_user_class(m, &h_user_class, NULL), CLOGIN_OK);
    assert_int_equal(clogin_manager_start(m), CLOGIN_ECONFIG); /* no loader */
    assert_non_null(strstr(clogin_manager_error(m), "loader"));
    clogin_manager_free(m);

    assert_int_equal(clogin_manager_new(&m), CLOGIN_OK);
    assert_int_equal(clogin_manager_set(m, "SECRET_KEY", H_SECRET), CLOGIN_OK);
    assert_int_equal(clogin_manager_set_user_loader(m, h_user_loader, NULL), CLOGIN_OK);
    assert_int_equal(clogin_manager_start(m), CLOGIN_ECONFIG); /* no user class */
    clogin_manager_free(m);

    assert_int_equal(clogin_manager_new(&m), CLOGIN_OK);
    assert_int_equal(clogin_manager_set_user_class(m, &h_user_class, NULL), CLOGIN_OK);
    assert_int_equal(clogin_manager_set_user_loader(m, h_user_loader, NULL), CLOGIN_OK);
    assert_int_equal(clogin_manager_start(m), CLOGIN_ECONFIG); /* no secret key */
    assert_non_null(strstr(clogin_manager_error(m), "SECRET_KEY"));

    /* a request before start */
    clogin_request_info info = {0};
    info.method = "GET";
    info.target = "/";
    info.host = H_HOST;
    clogin_request *r = (clogin_request *)1;
    assert_int_equal(clogin_request_begin(m, &info, &r), CLOGIN_ESTATE);
    assert_null(r);

    assert_int_equal(clogin_manager_set(m, "SECRET_KEY", H_SECRET), CLOGIN_OK);
    assert_int_equal(clogin_manager_set(m, "NO_SUCH_SETTING", "1"), CLOGIN_ECONFIG);
    assert_int_equal(clogin_manager_set(m, "LOGIN_DISABLED", "maybe"), CLOGIN_ECONFIG);
    assert_int_equal(clogin_manager_start(m), CLOGIN_OK);
    assert_int_equal(clogin_manager_set(m, "LOGIN_VIEW", "/login"), CLOGIN_ESTATE);
    assert_int_equal(clogin_manager_set_user_loader(m, h_user_loader, NULL), CLOGIN_ESTATE);
    assert_int_equal(clogin_manager_connect(m, CLOGIN_SIGNAL_USER_LOGGED_IN, h_on_signal, NULL),
                     CLOGIN_ESTATE);
    assert_int_equal(clogin_manager_add_login_view(m, "/a", "/a/login"), CLOGIN_ESTATE);
    assert_int_equal(clogin_manager_start(m), CLOGIN_ESTATE);

    assert_int_equal(clogin_request_begin(m, NULL, &r), CLOGIN_EINVAL);
    info.method = NULL;
    assert_int_equal(clogin_request_begin(m, &info, &r), CLOGIN_EINVAL);
    clogin_manager_free(m);
}

/* Request accessors a handler uses. */
static void test_request_accessors(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_jar_set(&c.jar, "theme", "\"dark\\073blue\"");
    const char *const headers[] = {"X-Custom", "yes", NULL};
    h_call call;
    clogin_request *r = h_open(&call, &c, "POST", "/a/b?x=1&name=caf%C3%A9+au+lait&x=2",
                               headers);
    assert_ptr_equal(clogin_request_manager(r), a.m);
    assert_string_equal(clogin_request_method(r), "POST");
    assert_string_equal(clogin_request_path(r), "/a/b");
    assert_string_equal(clogin_request_query(r), "x=1&name=caf%C3%A9+au+lait&x=2");
    assert_string_equal(clogin_request_header(r, "x-custom"), "yes");
    assert_string_equal(clogin_request_header(r, "User-Agent"), H_UA);
    assert_null(clogin_request_header(r, "X-Absent"));
    char *v;
    size_t len;
    assert_int_equal(clogin_request_arg(r, "x", &v, NULL), CLOGIN_OK);
    assert_string_equal(v, "1"); /* the first of a repeated argument */
    clogin_free(v);
    assert_int_equal(clogin_request_arg(r, "name", &v, &len), CLOGIN_OK);
    assert_string_equal(v, "caf\xc3\xa9 au lait");
    assert_int_equal(len, 13);
    clogin_free(v);
    assert_int_equal(clogin_request_arg(r, "nope", &v, &len), CLOGIN_ENOTFOUND);
    /* a form body: %00 shows in the length; a lone '%' stays */
    assert_int_equal(clogin_form_get("p=a%00b&q=50%&p=x", 17, "p", &v, &len), CLOGIN_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(v, "a\0b", 4);
    clogin_free(v);
    assert_int_equal(clogin_form_get("p=a%00b&q=50%&p=x", 17, "q", &v, &len), CLOGIN_OK);
    assert_string_equal(v, "50%");
    clogin_free(v);
    assert_int_equal(clogin_form_get(NULL, 0, "q", &v, &len), CLOGIN_ENOTFOUND);
    assert_int_equal(clogin_request_cookie(r, "theme", &v, &len), CLOGIN_OK);
    assert_string_equal(v, "dark;blue"); /* unquoted as Werkzeug does */
    assert_int_equal(len, 9);
    clogin_free(v);
    assert_int_equal(clogin_request_cookie(r, "session", &v, &len), CLOGIN_ENOTFOUND);
    /* Werkzeug's request.url is an IRI: UTF-8 escapes decoded */
    assert_string_equal(clogin_request_url(r),
                        "http://localhost/a/b?x=1&name=caf\xc3\xa9+au+lait&x=2");
    h_close(&call);
    /* nothing read the session: no header */
    assert_int_equal(call.resp_n, 0);
    h_app_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_anonymous),
        cmocka_unit_test(test_static_loads_without_accessing_session),
        cmocka_unit_test(test_login_user),
        cmocka_unit_test(test_login_user_not_fresh),
        cmocka_unit_test(test_login_user_emits_signal),
        cmocka_unit_test(test_signal_subscribers_in_order),
        cmocka_unit_test(test_login_inactive_user),
        cmocka_unit_test(test_login_inactive_user_forced),
        cmocka_unit_test(test_logout_logs_out_current_user),
        cmocka_unit_test(test_logout_without_current_user),
        cmocka_unit_test(test_login_and_logout_persist),
        cmocka_unit_test(test_login_switches_user),
        cmocka_unit_test(test_incorrect_id_logs_out),
        cmocka_unit_test(test_user_loader_error),
        cmocka_unit_test(test_integer_user_id_in_session),
        cmocka_unit_test(test_unicode_user_id),
        cmocka_unit_test(test_login_user_bad_arguments),
        cmocka_unit_test(test_user_mixin_defaults),
        cmocka_unit_test(test_user_equality),
        cmocka_unit_test(test_custom_anonymous_user),
        cmocka_unit_test(test_start_checks),
        cmocka_unit_test(test_request_accessors),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
