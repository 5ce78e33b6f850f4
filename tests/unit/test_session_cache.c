/* The per-thread cache of verified session cookies (session_cache.c): a
 * repeat of the same bytes skips the decode, but never changes an answer.
 * A session changed in one request leaves the cached one as it was; the
 * maximum age is checked on every hit; entries of one manager mean nothing
 * to another, even one made at the same address with another key. */
#include "harness.h"

/* A request with the jar's cookies that reads the session's "k". */
static const char *read_k(h_client *c, char *out, size_t cap) {
    h_call call;
    h_open(&call, c, "GET", "/read", NULL);
    clogin_session *s = clogin_request_session(call.r);
    const char *v;
    size_t n;
    out[0] = '\0';
    if (s && clogin_session_get_string(s, "k", &v, &n) == CLOGIN_OK && n < cap)
        memcpy(out, v, n + 1);
    h_close(&call);
    return out;
}

static void test_change_does_not_touch_the_cache(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY();
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_session_put(&c, "{\"k\":\"original\",\"n\":{\"deep\":[1,2]}}");
    char old[H_VALUE_MAX], buf[64];
    strcpy(old, h_jar_get(&c.jar, "session"));
    assert_string_equal(read_k(&c, buf, sizeof buf), "original"); /* decoded, cached */
    /* the same bytes again, and this time the session changes */
    h_call call;
    h_open(&call, &c, "GET", "/write", NULL);
    clogin_session *s = clogin_request_session(call.r);
    assert_int_equal(clogin_session_set_string(s, "k", "changed", 7), CLOGIN_OK);
    assert_int_equal(clogin_session_flash(s, "message", "hello"), CLOGIN_OK);
    assert_int_equal(clogin_session_set_json(s, "n", "{\"deep\":[3]}", 12), CLOGIN_OK);
    h_close(&call);
    assert_string_equal(read_k(&c, buf, sizeof buf), "changed");
    /* the old cookie still reads as it was signed */
    h_jar_set(&c.jar, "session", old);
    assert_string_equal(read_k(&c, buf, sizeof buf), "original");
    char json[256];
    assert_string_equal(h_session_json(&c, json, sizeof json),
                        "{\"k\":\"original\",\"n\":{\"deep\":[1,2]}}");
    h_open(&call, &c, "GET", "/flashes", NULL);
    assert_int_equal(clogin_get_flashed_messages(call.r, NULL, NULL, NULL), 0);
    /* emptying a cached session leaves the cache whole too */
    clogin_session_clear(clogin_request_session(call.r));
    h_close(&call);
    h_jar_set(&c.jar, "session", old);
    assert_string_equal(read_k(&c, buf, sizeof buf), "original");
    h_app_free(&a);
}

static void test_max_age_checked_on_every_hit(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY();
    h_app a;
    h_app_init(&a, 0);
    h_set(&a, "PERMANENT_SESSION_LIFETIME", "600");
    h_app_start(&a);
    h_client c;
    h_client_init(&c, &a);
    assert_int_equal(h_get_login(&c, "1"), CLOGIN_OK);
    c.now += 600; /* still within the age: decoded, then a hit */
    assert_string_equal(h_get_username(&c), "Notch");
    assert_string_equal(h_get_username(&c), "Notch");
    c.now += 1;
    assert_string_equal(h_get_username(&c), "Anonymous");
    /* and a cookie from the future is refused even when cached */
    c.now -= 10000;
    assert_string_equal(h_get_username(&c), "Anonymous");
    h_app_free(&a);
}

static void test_managers_do_not_share(void **state) {
    (void)state;
    H_COOKIE_SESSIONS_ONLY();
    h_app a, b;
    h_client ca, cb;
    h_setup(&a, &ca);
    assert_int_equal(h_get_login(&ca, "1"), CLOGIN_OK);
    assert_string_equal(h_get_username(&ca), "Notch"); /* cached for a */
    /* another manager, another key, in the same thread */
    h_app_init(&b, 0);
    h_set(&b, "SECRET_KEY", "another key");
    h_app_start(&b);
    h_client_init(&cb, &b);
    h_jar_set(&cb.jar, "session", h_jar_get(&ca.jar, "session"));
    assert_string_equal(h_get_username(&cb), "Anonymous");
    h_app_free(&b);
    /* a manager made after a's is freed (perhaps at its address) with
     * another key does not see a's entries either */
    char cookie[H_VALUE_MAX];
    strcpy(cookie, h_jar_get(&ca.jar, "session"));
    h_app_free(&a);
    h_app_init(&b, 0);
    h_set(&b, "SECRET_KEY", "a third key");
    h_app_start(&b);
    h_client_init(&cb, &b);
    h_jar_set(&cb.jar, "session", cookie);
    assert_string_equal(h_get_username(&cb), "Anonymous");
    h_app_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_change_does_not_touch_the_cache),
        cmocka_unit_test(test_max_age_checked_on_every_hit),
        cmocka_unit_test(test_managers_do_not_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
