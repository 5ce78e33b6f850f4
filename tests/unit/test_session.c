/* Session accessors, Flask's tagged values and flashed messages. Expected
 * JSON is what Flask's session serializer prints for the same data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "internal.h"

#include <string.h>

static char *dump(const clogin_session *s) {
    char *json;
    assert_int_equal(clogin_session_to_json(s, &json, NULL), CLOGIN_OK);
    return json;
}

static void assert_json(const clogin_session *s, const char *expect) {
    char *json = dump(s);
    assert_string_equal(json, expect);
    clogin_free(json);
}

static void test_scalars_and_modified_flag(void **state) {
    (void)state;
    clogin_session *s;
    assert_int_equal(clogin_session_new(&s), CLOGIN_OK);
    assert_int_equal(clogin_session_modified(s), 0);
    assert_int_equal(clogin_session_set_string(s, "_user_id", "42", 2), CLOGIN_OK);
    assert_int_equal(clogin_session_modified(s), 1);
    clogin_session_mark_clean(s);
    assert_int_equal(clogin_session_set_bool(s, "_fresh", 1), CLOGIN_OK);
    assert_int_equal(clogin_session_set_int(s, "n", -7), CLOGIN_OK);
    assert_int_equal(clogin_session_set_real(s, "_remember_seconds", 3600.0), CLOGIN_OK);
    assert_int_equal(clogin_session_modified(s), 1);
    assert_json(s, "{\"_fresh\":true,\"_remember_seconds\":3600.0,\"_user_id\":\"42\",\"n\":-7}");

    const char *str;
    size_t len;
    int b;
    int64_t n;
    double d;
    assert_int_equal(clogin_session_get_string(s, "_user_id", &str, &len), CLOGIN_OK);
    assert_string_equal(str, "42");
    assert_int_equal(len, 2);
    assert_int_equal(clogin_session_get_bool(s, "_fresh", &b), CLOGIN_OK);
    assert_int_equal(b, 1);
    assert_int_equal(clogin_session_get_int(s, "_remember_seconds", &n), CLOGIN_OK);
    assert_int_equal(n, 3600);
    assert_int_equal(clogin_session_get_real(s, "n", &d), CLOGIN_OK);
    assert_true(d == -7.0);
    assert_int_equal(clogin_session_get_string(s, "n", &str, &len), CLOGIN_ETYPE);
    assert_int_equal(clogin_session_get_bool(s, "n", &b), CLOGIN_ETYPE);
    assert_int_equal(clogin_session_get_int(s, "_fresh", &n), CLOGIN_ETYPE);
    assert_int_equal(clogin_session_get_int(s, "missing", &n), CLOGIN_ENOTFOUND);
    assert_int_equal(clogin_session_set_real(s, "x", 0.5), CLOGIN_OK);
    assert_int_equal(clogin_session_get_int(s, "x", &n), CLOGIN_ETYPE);

    assert_int_equal(clogin_session_count(s), 5);
    assert_string_equal(clogin_session_key(s, 0), "_fresh");
    assert_string_equal(clogin_session_key(s, 1), "_remember_seconds");
    assert_string_equal(clogin_session_key(s, 4), "x");
    assert_null(clogin_session_key(s, 5));
    assert_true(clogin_session_has(s, "n"));
    clogin_session_mark_clean(s);
    assert_int_equal(clogin_session_remove(s, "n"), CLOGIN_OK);
    assert_int_equal(clogin_session_modified(s), 1);
    assert_int_equal(clogin_session_remove(s, "n"), CLOGIN_ENOTFOUND);
    assert_false(clogin_session_has(s, "n"));

    /* strings may hold NUL; invalid UTF-8 and non-finite reals are refused */
    assert_int_equal(clogin_session_set_string(s, "z", "a\0b", 3), CLOGIN_OK);
    assert_int_equal(clogin_session_get_string(s, "z", &str, &len), CLOGIN_OK);
    assert_int_equal(len, 3);
    assert_int_equal(clogin_session_set_string(s, "bad", "\xff", 1), CLOGIN_EUTF8);
    assert_int_equal(clogin_session_set_string(s, "\xff", "ok", 2), CLOGIN_EUTF8);
    assert_int_equal(clogin_session_set_real(s, "inf", 1.0 / 0.0), CLOGIN_EINVAL);
    assert_false(clogin_session_has(s, "bad"));

    clogin_session_mark_clean(s);
    clogin_session_clear(s);
    assert_int_equal(clogin_session_count(s), 0);
    assert_int_equal(clogin_session_modified(s), 1);
    assert_json(s, "{}");
    clogin_session_free(s);
}

static void test_tagged_values_as_flask_writes_them(void **state) {
    (void)state;
    clogin_session *s;
    clogin_session_new(&s);
    assert_int_equal(clogin_session_set_bytes(s, "b", "\x00\xffhi", 4), CLOGIN_OK);
    assert_int_equal(clogin_session_set_bytes(s, "e", "", 0), CLOGIN_OK);
    assert_int_equal(clogin_session_set_datetime(s, "d", 1893553445), CLOGIN_OK);
    uint8_t uuid[16] = {0};
    uuid[14] = 0x12, uuid[15] = 0x34;
    assert_int_equal(clogin_session_set_uuid(s, "u", uuid), CLOGIN_OK);
    assert_int_equal(clogin_session_set_markup(s, "m", "<b>", 3), CLOGIN_OK);
    assert_int_equal(clogin_session_set_json(s, "t", "{\" t\":[1,\"x\"]}", 14), CLOGIN_OK);
    /* Python: {"b": b"\x00\xffhi", "e": b"", "d": datetime(2030,1,2,3,4,5,
     * tzinfo=utc), "u": UUID(int=0x1234), "m": Markup("<b>"), "t": (1,"x")} */
    assert_json(s, "{\"b\":{\" b\":\"AP9oaQ==\"},\"d\":{\" d\":\"Wed, 02 Jan 2030 03:04:05 GMT\"},"
                   "\"e\":{\" b\":\"\"},\"m\":{\" m\":\"<b>\"},\"t\":{\" t\":[1,\"x\"]},"
                   "\"u\":{\" u\":\"00000000000000000000000000001234\"}}");
    uint8_t *data;
    size_t len;
    assert_int_equal(clogin_session_get_bytes(s, "e", &data, &len), CLOGIN_OK);
    assert_int_equal(len, 0);
    clogin_free(data);
    char *json;
    assert_int_equal(clogin_session_get_json(s, "t", &json), CLOGIN_OK);
    assert_string_equal(json, "{\" t\":[1,\"x\"]}");
    clogin_free(json);
    assert_int_equal(clogin_session_set_json(s, "x", "[1,", 3), CLOGIN_EJSON);
    assert_int_equal(clogin_session_set_json(s, "x", "1 2", 3), CLOGIN_EJSON);
    assert_int_equal(clogin_session_set_json(s, "x", "\"s\"", 3), CLOGIN_OK);
    /* bad tagged contents are type errors, not crashes */
    assert_int_equal(clogin_session_set_json(s, "bb", "{\" b\":\"!!!!\"}", 13), CLOGIN_OK);
    assert_int_equal(clogin_session_get_bytes(s, "bb", &data, &len), CLOGIN_EBASE64);
    assert_int_equal(clogin_session_set_json(s, "uu", "{\" u\":\"xyz\"}", 12), CLOGIN_OK);
    assert_int_equal(clogin_session_get_uuid(s, "uu", uuid), CLOGIN_EMALFORMED);
    assert_int_equal(clogin_session_set_json(s, "dd", "{\" d\":\"yesterday\"}", 18), CLOGIN_OK);
    int64_t when;
    assert_int_equal(clogin_session_get_datetime(s, "dd", &when), CLOGIN_EMALFORMED);
    assert_int_equal(clogin_session_get_datetime(s, "x", &when), CLOGIN_ETYPE);
    clogin_session_free(s);
}

static void test_flashes(void **state) {
    (void)state;
    clogin_session *s;
    clogin_session_new(&s);
    assert_int_equal(clogin_session_flash_count(s), 0);
    assert_int_equal(clogin_session_flash(s, "message", "Please log in to access this page."),
                     CLOGIN_OK);
    assert_int_equal(clogin_session_flash(s, "error", "caf\xc3\xa9"), CLOGIN_OK);
    /* flask.flash("Please log in...", "message"); flask.flash("café", "error") */
    assert_json(s, "{\"_flashes\":[{\" t\":[\"message\",\"Please log in to access this page.\"]},"
                   "{\" t\":[\"error\",\"caf\\u00e9\"]}]}");
    assert_int_equal(clogin_session_flash_count(s), 2);
    const char *cat, *msg;
    assert_int_equal(clogin_session_flash_get(s, 1, &cat, &msg), CLOGIN_OK);
    assert_string_equal(cat, "error");
    assert_string_equal(msg, "caf\xc3\xa9");
    assert_int_equal(clogin_session_flash_get(s, 2, &cat, &msg), CLOGIN_ENOTFOUND);
    clogin_session_flash_clear(s);
    assert_false(clogin_session_has(s, "_flashes"));
    assert_int_equal(clogin_session_flash_get(s, 0, &cat, &msg), CLOGIN_ENOTFOUND);
    /* a malformed _flashes from elsewhere is reported, never trusted */
    const char *bad = "[{\" t\":[\"only-one\"]}]";
    assert_int_equal(clogin_session_set_json(s, "_flashes", bad, strlen(bad)), CLOGIN_OK);
    assert_int_equal(clogin_session_flash_get(s, 0, &cat, &msg), CLOGIN_ETYPE);
    clogin_session_set_int(s, "_flashes", 3);
    assert_int_equal(clogin_session_flash(s, "c", "m"), CLOGIN_ETYPE);
    assert_int_equal(clogin_session_flash_count(s), 0);
    clogin_session_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars_and_modified_flag),
        cmocka_unit_test(test_tagged_values_as_flask_writes_them),
        cmocka_unit_test(test_flashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
