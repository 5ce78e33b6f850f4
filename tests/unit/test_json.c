/* Session JSON is written byte for byte as Python's json.dumps(
 * sort_keys=True, ensure_ascii=True, separators=(",", ":")) writes it; the
 * expected strings below were printed by Python 3.11. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "internal.h"

#include <string.h>

static void roundtrip(const char *in, const char *expect) {
    clogin_session *s;
    assert_int_equal(clogin_session_from_json(&s, in, strlen(in), 0), CLOGIN_OK);
    char *out;
    size_t len;
    assert_int_equal(clogin_session_to_json(s, &out, &len), CLOGIN_OK);
    assert_string_equal(out, expect);
    assert_int_equal(len, strlen(expect));
    clogin_free(out);
    clogin_session_free(s);
}

static void real_is(double x, const char *expect) {
    clogin_session *s;
    clogin_session_new(&s);
    assert_int_equal(clogin_session_set_real(s, "x", x), CLOGIN_OK);
    char *out;
    assert_int_equal(clogin_session_get_json(s, "x", &out), CLOGIN_OK);
    assert_string_equal(out, expect);
    clogin_free(out);
    clogin_session_free(s);
}

static void test_python_float_repr(void **state) {
    (void)state;
    real_is(0.0, "0.0");
    real_is(-0.0, "-0.0");
    real_is(1.0, "1.0");
    real_is(3600.0, "3600.0");
    real_is(0.1, "0.1");
    real_is(1.5, "1.5");
    real_is(1.0 / 3, "0.3333333333333333");
    real_is(2.0 / 3, "0.6666666666666666");
    real_is(0.0001, "0.0001");
    real_is(0.00001, "1e-05");
    real_is(0.000123, "0.000123");
    real_is(1.23e-5, "1.23e-05");
    real_is(1e15, "1000000000000000.0");
    real_is(1e16, "1e+16");
    real_is(1.5e16, "1.5e+16");
    real_is(123456789012345678.0, "1.2345678901234568e+17");
    real_is(9007199254740993.0, "9007199254740992.0");
    real_is(1e100, "1e+100");
    real_is(-1e-300, "-1e-300");
    real_is(5e-324, "5e-324");
    real_is(1.7976931348623157e308, "1.7976931348623157e+308");
    real_is(31536000.0, "31536000.0");
    real_is(-2.5, "-2.5");
}

static void test_strings_escaped_like_python(void **state) {
    (void)state;
    roundtrip("{\"a\":\"plain text / slash\"}", "{\"a\":\"plain text / slash\"}");
    roundtrip("{\"a\":\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f\"}",
              "{\"a\":\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f\"}");
    roundtrip("{\"a\":\"\\u0001\\u001f\\u007f\\u0000\"}",
              "{\"a\":\"\\u0001\\u001f\\u007f\\u0000\"}");
    /* é, €, 😀 (astral: a surrogate pair), in UTF-8 and escaped forms */
    roundtrip("{\"a\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}",
              "{\"a\":\"\\u00e9\\u20ac\\ud83d\\ude00\"}");
    roundtrip("{\"a\":\"\\u00E9\\uD83D\\uDE00\"}", "{\"a\":\"\\u00e9\\ud83d\\ude00\"}");
}

static void test_keys_sorted_by_code_point_everywhere(void **state) {
    (void)state;
    roundtrip("{\"b\":1,\"a\":{\"z\":1,\"_\":2,\"A\":3},\"\xc3\xa9\":0,\"_id\":2,\" t\":3}",
              "{\" t\":3,\"_id\":2,\"a\":{\"A\":3,\"_\":2,\"z\":1},\"b\":1,\"\\u00e9\":0}");
    roundtrip("{\"l\":[3,{\"b\":null,\"a\":true},[],{}],\"n\":-9223372036854775807}",
              "{\"l\":[3,{\"a\":true,\"b\":null},[],{}],\"n\":-9223372036854775807}");
    roundtrip("{}", "{}");
    /* duplicate keys: the last one wins, as in Python */
    roundtrip("{\"a\":1,\"a\":2}", "{\"a\":2}");
    /* more keys than the serializer's stack array */
    roundtrip("{\"q\":0,\"p\":0,\"o\":0,\"n\":0,\"m\":0,\"l\":0,\"k\":0,\"j\":0,\"i\":0,"
              "\"h\":0,\"g\":0,\"f\":0,\"e\":0,\"d\":0,\"c\":0,\"b\":0,\"a\":0}",
              "{\"a\":0,\"b\":0,\"c\":0,\"d\":0,\"e\":0,\"f\":0,\"g\":0,\"h\":0,\"i\":0,"
              "\"j\":0,\"k\":0,\"l\":0,\"m\":0,\"n\":0,\"o\":0,\"p\":0,\"q\":0}");
}

static void test_parse_limits(void **state) {
    (void)state;
    clogin_session *s;
    const char *deep = "{\"a\":[[[{}]]]}"; /* depth 5 */
    assert_int_equal(clogin_session_from_json(&s, deep, strlen(deep), 5), CLOGIN_OK);
    clogin_session_free(s);
    assert_int_equal(clogin_session_from_json(&s, deep, strlen(deep), 4), CLOGIN_EDEPTH);
    assert_null(s);
    char huge[5000];
    huge[0] = '{', huge[1] = '"', huge[2] = 'a', huge[3] = '"', huge[4] = ':';
    for (int i = 5; i < 4999; i++)
        huge[i] = '[';
    assert_int_equal(clogin_session_from_json(&s, huge, 4999, 0), CLOGIN_EDEPTH);
    assert_int_equal(clogin_session_from_json(&s, "[]", 2, 0), CLOGIN_EJSON);
    assert_int_equal(clogin_session_from_json(&s, "{\"a\":NaN}", 9, 0), CLOGIN_EJSON);
    assert_int_equal(clogin_session_from_json(&s, "{\"a\":1} x", 9, 0), CLOGIN_EJSON);
    assert_int_equal(clogin_session_from_json(&s, "{\"\xc0\xaf\":1}", 8, 0), CLOGIN_EUTF8);
    assert_int_equal(clogin_session_from_json(&s, NULL, 0, 0), CLOGIN_EJSON);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_python_float_repr),
        cmocka_unit_test(test_strings_escaped_like_python),
        cmocka_unit_test(test_keys_sorted_by_code_point_everywhere),
        cmocka_unit_test(test_parse_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
