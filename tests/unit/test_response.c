/* clogin_response_redirect: the Location header is always ASCII, as
 * Werkzeug's redirect() makes it, and never carries a line break. */
#include "harness.h"

static void location_is(const char *given, const char *expect) {
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/", NULL);
    assert_int_equal(clogin_response_redirect(r, given), CLOGIN_OK);
    assert_string_equal(clogin_response_location(r), expect);
    h_close(&call);
    assert_string_equal(call.resp[0].name, "Location");
    assert_string_equal(call.resp[0].value, expect);
    h_app_free(&a);
}

static void test_location_is_a_uri(void **state) {
    (void)state;
    location_is("/protected?x=1", "/protected?x=1");
    location_is("/caf\xc3\xa9", "/caf%C3%A9");                /* Werkzeug: same */
    location_is("/x?y=\xc3\xa9 z", "/x?y=%C3%A9%20z");
    location_is("https://example.com/a%20b", "https://example.com/a%20b");
}

static void test_location_refuses_line_breaks(void **state) {
    (void)state;
    h_app a;
    h_client c;
    h_setup(&a, &c);
    h_call call;
    clogin_request *r = h_open(&call, &c, "GET", "/", NULL);
    assert_int_equal(clogin_response_redirect(r, "/a\r\nSet-Cookie: x=1"), CLOGIN_EINVAL);
    assert_int_equal(clogin_response_redirect(r, "/a\tb"), CLOGIN_EINVAL);
    assert_null(clogin_response_location(r));
    h_close(&call);
    h_app_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_location_is_a_uri),
        cmocka_unit_test(test_location_refuses_line_breaks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
