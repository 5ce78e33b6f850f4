/* Flask-Login's unauthorized() and login_required: the signal, the handler,
 * 401 without a login view, the redirect with next, flashed messages,
 * USE_SESSION_FOR_NEXT, per-prefix login views (blueprint_login_views),
 * login_url / make_next_param, FORCE_HOST_FOR_REDIRECTS, EXEMPT_METHODS and
 * LOGIN_DISABLED. Expected Locations were printed by Flask 2.2 with
 * Flask-Login 0.6.2. */
#include "harness.h"

static char ident[CLOGIN_SESSION_ID_LEN + 1];

static int setup(void **state) {
    (void)state;
    h_ident(H_ADDR, H_UA, ident);
    return 0;
}

/* "/secret": return login_manager.unauthorized() */
static int get_secret(h_client *c, const char *target, h_call *call) {
    h_open(call, c, "GET", target, NULL);
    int status = clogin_unauthorized(call->r);
    h_close(call);
    return status;
}

/* test_unauthorized_fires_unauthorized_signal */
static void test_unauthorized_fires_signal(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    get_secret(&c, "/secret", &call);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_UNAUTHORIZED), 1);
    assert_int_equal(a.signals_with_user[CLOGIN_SIGNAL_USER_UNAUTHORIZED], 0);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_NEEDS_REFRESH), 0);
    h_app_free(&a);
}

/* test_unauthorized_aborts_with_401 */
static void test_unauthorized_aborts_with_401(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    assert_int_equal(get_secret(&c, "/secret", &call), 401);
    assert_null(clogin_response_location(call.r));
    assert_null(h_resp(&call, "Location", 0));
    assert_null(h_resp(&call, "Set-Cookie", 0)); /* nothing flashed */
    h_app_free(&a);
}

/* test_unauthorized_uses_authorized_handler */
static int handler_calls;
static int unauthorized_handler(void *ctx, clogin_request *r) {
    h_app *a = ctx;
    handler_calls++;
    /* the signal came first */
    assert_int_equal(h_signal(a, CLOGIN_SIGNAL_USER_UNAUTHORIZED), 1);
    assert_int_equal(clogin_flash(r, "This is secret!", "handler"), CLOGIN_OK);
    assert_int_equal(clogin_response_redirect(r, "/custom"), CLOGIN_OK);
    return 303;
}

static void test_unauthorized_uses_handler(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "LOGIN_VIEW", "/login"); /* the handler wins over it */
    assert_int_equal(clogin_manager_set_unauthorized_handler(a.m, unauthorized_handler, &a),
                     CLOGIN_OK);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    handler_calls = 0;
    h_call call;
    assert_int_equal(h_get_guarded(&c, "GET", "/protected", clogin_login_required, &call), 303);
    assert_int_equal(handler_calls, 1);
    assert_string_equal(h_resp(&call, "Location", 0), "/custom");
    char json[256];
    assert_string_equal(h_session_json(&c, json, sizeof json),
                        "{\"_flashes\":[{\" t\":[\"handler\",\"This is secret!\"]}]}");
    h_app_free(&a);
}

/* test_unauthorized_redirects_to_login_view, with the default message */
static void test_unauthorized_redirects_to_login_view(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "LOGIN_VIEW", "/login");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    assert_int_equal(get_secret(&c, "/secret", &call), 302);
    assert_string_equal(h_resp(&call, "Location", 0), "/login?next=%2Fsecret");
    /* Location comes first */
    assert_string_equal(call.resp[0].name, "Location");
    char json[256];
    assert_string_equal(h_session_json(&c, json, sizeof json),
                        "{\"_flashes\":[{\" t\":[\"message\",\"Please log in to access "
                        "this page.\"]}]}");
    h_app_free(&a);
}

/* test_unauthorized_flashes_message_with_login_view: the login page reads
 * the message with get_flashed_messages(category_filter=["login"]). */
static void test_unauthorized_flashes_message(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "LOGIN_VIEW", "/login");
    h_set(&a, "LOGIN_MESSAGE", "Log in!");
    h_set(&a, "LOGIN_MESSAGE_CATEGORY", "login");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    assert_int_equal(get_secret(&c, "/secret", &call), 302);

    h_open(&call, &c, "GET", "/login?next=%2Fsecret", NULL);
    h_flashes f = {0};
    const char *const filter[] = {"login", NULL};
    assert_int_equal(clogin_get_flashed_messages(call.r, filter, h_flash_cb, &f), 1);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.message[0], "Log in!");
    assert_string_equal(f.category[0], "login");
    const char *const other[] = {"message", NULL};
    assert_int_equal(clogin_get_flashed_messages(call.r, other, NULL, NULL), 0);
    h_close(&call);
    /* taken out of the session: it is now empty and deleted */
    assert_non_null(h_set_cookie(&call, "session"));
    assert_null(h_jar_get(&c.jar, "session"));
    h_app_free(&a);
}

/* test_unauthorized_flash_message_localized */
static const char *gettext_de(void *ctx, const char *msg) {
    (void)ctx;
    if (strcmp(msg, "Log in!") == 0)
        return "Einloggen";
    return NULL;
}

static void test_unauthorized_flash_message_localized(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "LOGIN_VIEW", "/login");
    h_set(&a, "LOGIN_MESSAGE", "Log in!");
    h_set(&a, "LOGIN_MESSAGE_CATEGORY", "login");
    assert_int_equal(clogin_manager_set_localize(a.m, gettext_de, NULL), CLOGIN_OK);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    h_open(&call, &c, "GET", "/secret", NULL);
    assert_int_equal(clogin_unauthorized(call.r), 302);
    /* in the same request, as Flask-Login's test reads it */
    h_flashes f = {0};
    const char *const filter[] = {"login", NULL};
    assert_int_equal(clogin_get_flashed_messages(call.r, filter, h_flash_cb, &f), 1);
    assert_string_equal(f.message[0], "Einloggen");
    h_close(&call);
    h_app_free(&a);
}

/* LOGIN_MESSAGE set to None: nothing flashed, the session untouched. */
static void test_unauthorized_without_message(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "LOGIN_VIEW", "/login");
    h_set(&a, "LOGIN_MESSAGE", "");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    assert_int_equal(get_secret(&c, "/secret", &call), 302);
    assert_string_equal(h_resp(&call, "Location", 0), "/login?next=%2Fsecret");
    assert_null(h_resp(&call, "Set-Cookie", 0));
    h_app_free(&a);
}

/* test_unauthorized_with_next_in_session */
static void test_unauthorized_with_next_in_session(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "LOGIN_VIEW", "/login");
    h_set(&a, "USE_SESSION_FOR_NEXT", "true");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    assert_int_equal(get_secret(&c, "/secret?tab=2", &call), 302);
    assert_string_equal(h_resp(&call, "Location", 0), "/login");
    char buf[256];
    assert_string_equal(h_session_str(&c, "next", buf, sizeof buf), "/secret?tab=2");
    assert_string_equal(h_session_str(&c, "_id", buf, sizeof buf), ident);

    /* "/login": return session.pop("next", "") */
    h_open(&call, &c, "GET", "/login", NULL);
    clogin_session *s = clogin_request_session(call.r);
    const char *next;
    assert_int_equal(clogin_session_get_string(s, "next", &next, NULL), CLOGIN_OK);
    assert_string_equal(next, "/secret?tab=2");
    assert_int_equal(clogin_session_remove(s, "next"), CLOGIN_OK);
    h_close(&call);
    assert_false(h_session_has(&c, "next"));
    h_app_free(&a);
}

/* test_unauthorized_with_next_in_strong_session: the _id stored with next
 * keeps strong protection from wiping it. */
static void test_unauthorized_with_next_in_strong_session(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "LOGIN_VIEW", "/login");
    h_set(&a, "USE_SESSION_FOR_NEXT", "true");
    h_set(&a, "SESSION_PROTECTION", "strong");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    assert_int_equal(h_get_guarded(&c, "GET", "/secret", clogin_login_required, &call), 302);
    assert_string_equal(h_resp(&call, "Location", 0), "/login");

    h_open(&call, &c, "GET", "/login", NULL);
    assert_true(clogin_is_anonymous(call.r)); /* touches current_user */
    const char *next;
    assert_int_equal(clogin_session_get_string(clogin_request_session(call.r), "next", &next,
                                               NULL),
                     CLOGIN_OK);
    assert_string_equal(next, "/secret");
    h_close(&call);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_SESSION_PROTECTED), 0);
    h_app_free(&a);
}

/* test_unauthorized_uses_blueprint_login_view */
static void test_unauthorized_uses_blueprint_login_view(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "LOGIN_VIEW", "/app_login");
    assert_int_equal(clogin_manager_add_login_view(a.m, "/first", "/first_login"), CLOGIN_OK);
    assert_int_equal(clogin_manager_add_login_view(a.m, "/second", "/second_login"),
                     CLOGIN_OK);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    assert_int_equal(h_get_guarded(&c, "GET", "/protected", clogin_login_required, &call), 302);
    assert_string_equal(h_resp(&call, "Location", 0), "/app_login?next=%2Fprotected");
    assert_int_equal(h_get_guarded(&c, "GET", "/first/protected", clogin_login_required, &call),
                     302);
    assert_string_equal(h_resp(&call, "Location", 0),
                        "/first_login?next=%2Ffirst%2Fprotected");
    assert_int_equal(
        h_get_guarded(&c, "GET", "/second/protected", clogin_login_required, &call), 302);
    assert_string_equal(h_resp(&call, "Location", 0),
                        "/second_login?next=%2Fsecond%2Fprotected");
    h_app_free(&a);
}

/* The longest prefix wins; without LOGIN_VIEW other paths get 401. */
static void test_login_view_longest_prefix(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    assert_int_equal(clogin_manager_add_login_view(a.m, "/admin/super/", "/super_login"),
                     CLOGIN_OK);
    assert_int_equal(clogin_manager_add_login_view(a.m, "/admin/", "/admin/login"), CLOGIN_OK);
    assert_int_equal(clogin_manager_add_login_view(a.m, "/api/", "https://auth.example.com/login"),
                     CLOGIN_OK);
    /* a view set twice: the last one */
    assert_int_equal(clogin_manager_add_login_view(a.m, "/admin/", "/admin/signin"), CLOGIN_OK);
    assert_int_equal(clogin_manager_add_login_view(a.m, "admin", "/x"), CLOGIN_ECONFIG);
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    assert_int_equal(
        h_get_guarded(&c, "GET", "/admin/super/users", clogin_login_required, &call), 302);
    assert_string_equal(h_resp(&call, "Location", 0),
                        "/super_login?next=%2Fadmin%2Fsuper%2Fusers");
    assert_int_equal(h_get_guarded(&c, "GET", "/admin/users", clogin_login_required, &call),
                     302);
    assert_string_equal(h_resp(&call, "Location", 0), "/admin/signin?next=%2Fadmin%2Fusers");
    assert_int_equal(h_get_guarded(&c, "GET", "/api/v1", clogin_login_required, &call), 302);
    assert_string_equal(h_resp(&call, "Location", 0),
                        "https://auth.example.com/login?next=http%3A%2F%2Flocalhost%2Fapi%2Fv1");
    assert_int_equal(h_get_guarded(&c, "GET", "/elsewhere", clogin_login_required, &call), 401);
    assert_null(h_resp(&call, "Location", 0));
    h_app_free(&a);
}

/* The query of the current URL travels in next, as Werkzeug encodes it. */
static void test_next_keeps_query(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "LOGIN_VIEW", "/login");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    static const struct {
        const char *target, *location;
    } cases[] = {
        {"/secret?a=1&b=x%20y", "/login?next=%2Fsecret%3Fa%3D1%26b%3Dx%2520y"},
        {"/secret?next=%2Fevil", "/login?next=%2Fsecret%3Fnext%3D%252Fevil"},
        {"/secret?q=caf%C3%A9&x=1+2", "/login?next=%2Fsecret%3Fq%3Dcaf%C3%A9%26x%3D1%2B2"},
        {"/caf%C3%A9", "/login?next=%2Fcaf%C3%A9"},
        {"/x?y=%ff", "/login?next=%2Fx%3Fy%3D%25FF"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        h_call call;
        assert_int_equal(get_secret(&c, cases[i].target, &call), 302);
        const char *loc = h_resp(&call, "Location", 0);
        if (!loc || strcmp(loc, cases[i].location) != 0)
            fail_msg("%s: Location %s, Flask sends %s", cases[i].target, loc ? loc : "(none)",
                     cases[i].location);
    }
    h_app_free(&a);
}

/* An absolute login view on the same scheme and host gets a relative next;
 * another scheme or host gets the whole URL. */
static void test_absolute_login_view(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "LOGIN_VIEW", "https://localhost:8443/login");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    c.scheme = "https";
    c.host = "localhost:8443";
    h_call call;
    assert_int_equal(get_secret(&c, "/secret", &call), 302);
    assert_string_equal(h_resp(&call, "Location", 0),
                        "https://localhost:8443/login?next=%2Fsecret");
    c.scheme = "http";
    assert_int_equal(get_secret(&c, "/secret", &call), 302);
    assert_string_equal(h_resp(&call, "Location", 0),
                        "https://localhost:8443/login?next=http%3A%2F%2Flocalhost%3A8443%2Fsecret");
    h_app_free(&a);
}

/* request.url as Werkzeug builds it from the Host header: default ports
 * dropped, so an absolute login view on the same site still gets a
 * relative next. */
static void test_request_url_host_forms(void **state) {
    (void)state;
    static const struct {
        const char *scheme, *host, *url;
    } cases[] = {
        {"http", "localhost:80", "http://localhost/p?q=1"},
        {"https", "localhost:443", "https://localhost/p?q=1"},
        {"http", "[::1]:8080", "http://[::1]:8080/p?q=1"},
        {"http", "EXAMPLE.com", "http://EXAMPLE.com/p?q=1"},
    };
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "LOGIN_VIEW", "http://localhost/login");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        c.scheme = cases[i].scheme;
        c.host = cases[i].host;
        h_call call;
        h_open(&call, &c, "GET", "/p?q=1", NULL);
        const char *url = clogin_request_url(call.r);
        if (!url || strcmp(url, cases[i].url) != 0)
            fail_msg("%s://%s: request.url %s, Werkzeug says %s", cases[i].scheme,
                     cases[i].host, url ? url : "NULL", cases[i].url);
        h_close(&call);
    }
    c.scheme = "http";
    c.host = "localhost:80";
    h_call call;
    assert_int_equal(get_secret(&c, "/secret", &call), 302);
    assert_string_equal(h_resp(&call, "Location", 0), "http://localhost/login?next=%2Fsecret");
    h_app_free(&a);
}

/* TestLoginUrlGeneration */
static void expect_login_url(const char *view, const char *next, const char *field,
                             const char *force_host, const char *expected) {
    char *out = NULL;
    clogin_status st = clogin_login_url(view, next, field, force_host, &out);
    if (st != CLOGIN_OK || strcmp(out, expected) != 0)
        fail_msg("login_url(%s, %s, %s, %s) = %s (%s), expected %s", view,
                 next ? next : "None", field ? field : "next", force_host ? force_host : "None",
                 out ? out : "NULL", clogin_status_name(st), expected);
    clogin_free(out);
}

static void test_login_url_generation(void **state) {
    (void)state;
    const char *protected_url = "http://localhost/protected";
    expect_login_url("/login", protected_url, "n", NULL, "/login?n=%2Fprotected");
    expect_login_url("/login", protected_url, NULL, NULL, "/login?next=%2Fprotected");
    expect_login_url("https://auth.localhost/login", protected_url, NULL, NULL,
                     "https://auth.localhost/login?next=http%3A%2F%2Flocalhost%2Fprotected");
    expect_login_url("/login?affil=cgnu", protected_url, NULL, NULL,
                     "/login?affil=cgnu&next=%2Fprotected");
    /* test_login_url_generation_with_view */
    expect_login_url("/login", "/protected", NULL, NULL, "/login?next=%2Fprotected");
    /* test_login_url_no_next_url */
    expect_login_url("/foo", NULL, NULL, NULL, "/foo");
    /* FORCE_HOST_FOR_REDIRECTS */
    expect_login_url("/login", "http://bad.com/secret", NULL, "good.com",
                     "//good.com/login?next=%2Fsecret");
    expect_login_url("https://auth.localhost/login", protected_url, NULL, "good.com",
                     "https://good.com/login?next=http%3A%2F%2Flocalhost%2Fprotected");
    expect_login_url("/login", NULL, NULL, "good.com", "/login"); /* no next: as is */
    /* the view's query: sorted (by key, then value), next replaced */
    expect_login_url("/login?next=old&b=2&a=1", protected_url, NULL, NULL,
                     "/login?a=1&b=2&next=%2Fprotected");
    expect_login_url("/login?a=2&a=1", "http://localhost/p?x=1", NULL, NULL,
                     "/login?a=1&a=2&next=%2Fp%3Fx%3D1");
}

/* TestLoginUrlGeneration.test_make_next_param */
static void expect_next(const char *login, const char *current, const char *expected) {
    char *out = NULL;
    clogin_status st = clogin_make_next_param(login, current, &out);
    if (st != CLOGIN_OK || strcmp(out, expected) != 0)
        fail_msg("make_next_param(%s, %s) = %s (%s), expected %s", login, current,
                 out ? out : "NULL", clogin_status_name(st), expected);
    clogin_free(out);
}

static void test_make_next_param(void **state) {
    (void)state;
    expect_next("/login", "http://localhost/profile", "/profile");
    expect_next("https://localhost/login", "http://localhost/profile",
                "http://localhost/profile");
    expect_next("http://accounts.localhost/login", "http://localhost/profile",
                "http://localhost/profile");
    expect_next("http://localhost/login", "http://localhost/profile?a=1", "/profile?a=1");
}

/* StrictHostForRedirectsTestCase */
static void test_force_host_for_redirects(void **state) {
    (void)state;
    for (int forced = 0; forced < 2; forced++) {
        h_app a;
        h_app_init(&a, 0);
        h_set(&a, "LOGIN_VIEW", "/login");
        h_set(&a, "FORCE_HOST_FOR_REDIRECTS", forced ? "good.com" : "");
        h_app_start(&a);
        h_client c;
        h_client_init(&c, &a);
        c.host = forced ? "bad.com" : "foo.com";
        const char *const xfh[] = {"X-Forwarded-Host", "proxy.com", NULL};
        for (int with_header = 0; with_header < 2; with_header++) {
            h_call call;
            h_open(&call, &c, "GET", "/secret", with_header ? xfh : NULL);
            assert_int_equal(clogin_unauthorized(call.r), 302);
            h_close(&call);
            assert_string_equal(h_resp(&call, "Location", 0),
                                forced ? "//good.com/login?next=%2Fsecret"
                                       : "/login?next=%2Fsecret");
        }
        h_app_free(&a);
    }
}

/* test_login_required_decorator */
static void test_login_required(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    assert_int_equal(h_get_guarded(&c, "GET", "/protected", clogin_login_required, NULL), 401);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_UNAUTHORIZED), 1);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    h_call call;
    assert_int_equal(h_get_guarded(&c, "GET", "/protected", clogin_login_required, &call), 200);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_UNAUTHORIZED), 1);
    assert_null(h_resp(&call, "Set-Cookie", 0));
    /* a forced inactive user is not authenticated (UserMixin) */
    clogin_login_options o = CLOGIN_LOGIN_OPTIONS_INIT;
    o.force = 1;
    assert_int_equal(h_get_login_with(&c, "3", &o, NULL), CLOGIN_OK);
    assert_int_equal(h_get_guarded(&c, "GET", "/protected", clogin_login_required, NULL), 401);
    h_app_free(&a);
}

/* MethodViewLoginTestCase.test_options_call_exempt */
static void test_options_exempt(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "LOGIN_VIEW", "/login");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    h_call call;
    assert_int_equal(h_get_guarded(&c, "OPTIONS", "/secret", clogin_login_required, &call), 200);
    assert_int_equal(h_get_guarded(&c, "OPTIONS", "/secret", clogin_fresh_login_required, &call),
                     200);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_UNAUTHORIZED), 0);
    assert_int_equal(call.resp_n, 0);
    assert_int_equal(h_get_guarded(&c, "HEAD", "/secret", clogin_login_required, NULL), 302);
    h_app_free(&a);
}

/* EXEMPT_METHODS configured: a list, or nothing at all. */
static void test_exempt_methods_setting(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "EXEMPT_METHODS", "OPTIONS, head");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    assert_int_equal(h_get_guarded(&c, "HEAD", "/secret", clogin_login_required, NULL), 200);
    assert_int_equal(h_get_guarded(&c, "OPTIONS", "/secret", clogin_login_required, NULL), 200);
    assert_int_equal(h_get_guarded(&c, "GET", "/secret", clogin_login_required, NULL), 401);
    h_app_free(&a);

    h_app_init(&a, 0);
    h_set(&a, "EXEMPT_METHODS", "[]");
    h_app_start(&a);
    h_client_init(&c, &a);
    assert_int_equal(h_get_guarded(&c, "OPTIONS", "/secret", clogin_login_required, NULL), 401);
    h_app_free(&a);
}

/* test_decorators_are_disabled */
static void test_login_disabled(void **state) {
    (void)state;
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "LOGIN_DISABLED", "true");
    h_set(&a, "LOGIN_VIEW", "/login");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    assert_int_equal(h_get_guarded(&c, "GET", "/protected", clogin_login_required, NULL), 200);
    assert_int_equal(h_get_guarded(&c, "GET", "/protected", clogin_fresh_login_required, NULL),
                     200);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_UNAUTHORIZED), 0);
    assert_int_equal(h_signal(&a, CLOGIN_SIGNAL_USER_NEEDS_REFRESH), 0);
    h_app_free(&a);
}

/* clogin_response_redirect: emitted as Location, refuses line breaks. */
static void test_response_redirect(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    clogin_request *r = h_open(&call, &c, "POST", "/login", NULL);
    assert_null(clogin_response_location(r));
    assert_int_equal(clogin_response_redirect(r, "/first"), CLOGIN_OK);
    assert_int_equal(clogin_response_redirect(r, "/account?tab=2"), CLOGIN_OK);
    assert_int_equal(clogin_response_redirect(r, "/x\r\nSet-Cookie: evil=1"), CLOGIN_EINVAL);
    assert_int_equal(clogin_response_redirect(r, NULL), CLOGIN_EINVAL);
    assert_string_equal(clogin_response_location(r), "/account?tab=2");
    h_close(&call);
    assert_int_equal(h_resp_count(&call, "Location"), 1);
    assert_string_equal(h_resp(&call, "Location", 0), "/account?tab=2");
    h_app_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unauthorized_fires_signal),
        cmocka_unit_test(test_unauthorized_aborts_with_401),
        cmocka_unit_test(test_unauthorized_uses_handler),
        cmocka_unit_test(test_unauthorized_redirects_to_login_view),
        cmocka_unit_test(test_unauthorized_flashes_message),
        cmocka_unit_test(test_unauthorized_flash_message_localized),
        cmocka_unit_test(test_unauthorized_without_message),
        cmocka_unit_test(test_unauthorized_with_next_in_session),
        cmocka_unit_test(test_unauthorized_with_next_in_strong_session),
        cmocka_unit_test(test_unauthorized_uses_blueprint_login_view),
        cmocka_unit_test(test_login_view_longest_prefix),
        cmocka_unit_test(test_next_keeps_query),
        cmocka_unit_test(test_absolute_login_view),
        cmocka_unit_test(test_request_url_host_forms),
        cmocka_unit_test(test_login_url_generation),
        cmocka_unit_test(test_make_next_param),
        cmocka_unit_test(test_force_host_for_redirects),
        cmocka_unit_test(test_login_required),
        cmocka_unit_test(test_options_exempt),
        cmocka_unit_test(test_exempt_methods_setting),
        cmocka_unit_test(test_login_disabled),
        cmocka_unit_test(test_response_redirect),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
