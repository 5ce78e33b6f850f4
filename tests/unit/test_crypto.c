/* HMAC against the RFC 2202 / RFC 4231 vectors, base64 strictness, the
 * constant-time compare and random bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "internal.h"

#include <string.h>

static void hmac_is(const char *digest, const char *key, const char *msg,
                    const char *expect_hex) {
    clogin__mac m;
    assert_int_equal(clogin__mac_init(&m, digest, key, strlen(key)), CLOGIN_OK);
    uint8_t out[CLOGIN__MAX_MAC];
    char hex[2 * CLOGIN__MAX_MAC + 1];
    /* twice: the prepared context must not be consumed by a computation */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(clogin__mac_compute(&m, msg, strlen(msg), out), CLOGIN_OK);
        clogin__hex(out, m.size, hex);
        assert_string_equal(hex, expect_hex);
    }
    size_t half = strlen(msg) / 2;
    assert_int_equal(clogin__mac_compute2(&m, msg, half, msg + half, strlen(msg) - half, out),
                     CLOGIN_OK);
    clogin__hex(out, m.size, hex);
    assert_string_equal(hex, expect_hex);
    clogin__mac_free(&m);
}

static void test_hmac_vectors(void **state) {
    (void)state;
    /* RFC 2202 test 2 and RFC 4231 test 2: key "Jefe" */
    const char *msg = "what do ya want for nothing?";
    hmac_is("SHA1", "Jefe", msg, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    hmac_is("SHA256", "Jefe", msg,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    hmac_is("SHA512", "Jefe", msg,
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
            "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

static void b64url_is(const char *data, size_t len, const char *expect) {
    char out[64];
    assert_int_equal(clogin_b64url_encode(data, len, out), strlen(expect));
    assert_string_equal(out, expect);
    assert_int_equal(CLOGIN_B64URL_LEN(len), strlen(expect));
    uint8_t back[64];
    size_t n;
    assert_int_equal(clogin_b64url_decode(out, strlen(out), back, &n), CLOGIN_OK);
    assert_int_equal(n, len);
    assert_memory_equal(back, data, len);
}

static void test_base64url(void **state) {
    (void)state;
    b64url_is("", 0, "");
    b64url_is("f", 1, "Zg");
    b64url_is("fo", 2, "Zm8");
    b64url_is("foo", 3, "Zm9v");
    b64url_is("\xfb\xff\xfe", 3, "-__-");
    uint8_t out[16];
    size_t n;
    assert_int_equal(clogin_b64url_decode("Zg==", 4, out, &n), CLOGIN_EBASE64);
    assert_int_equal(clogin_b64url_decode("Z", 1, out, &n), CLOGIN_EBASE64);
    assert_int_equal(clogin_b64url_decode("Zh", 2, out, &n), CLOGIN_EBASE64); /* bits */
    assert_int_equal(clogin_b64url_decode("+/8", 3, out, &n), CLOGIN_EBASE64);
    assert_int_equal(clogin_b64url_decode("Zm 9", 4, out, &n), CLOGIN_EBASE64);
    assert_int_equal(clogin_b64url_decode("Zm\0v", 4, out, &n), CLOGIN_EBASE64);

    char std[16];
    assert_int_equal(clogin__b64std_encode("\xfb\xff", 2, std), 4);
    assert_string_equal(std, "+/8=");
    assert_int_equal(clogin__b64std_decode("+/8=", 4, out, &n), CLOGIN_OK);
    assert_int_equal(n, 2);
    assert_int_equal(clogin__b64std_decode("+/8", 3, out, &n), CLOGIN_EBASE64);
    assert_int_equal(clogin__b64std_decode("-_8=", 4, out, &n), CLOGIN_EBASE64);
    assert_int_equal(clogin__b64std_decode("====", 4, out, &n), CLOGIN_EBASE64);
}

static void test_ct_equal_and_random(void **state) {
    (void)state;
    assert_true(clogin_ct_equal("abc", "abc", 3));
    assert_false(clogin_ct_equal("abc", "abd", 3));
    assert_true(clogin_ct_equal(NULL, NULL, 0));
    uint8_t a[32] = {0}, b[32] = {0};
    assert_int_equal(clogin_random_bytes(a, sizeof a), CLOGIN_OK);
    assert_int_equal(clogin_random_bytes(b, sizeof b), CLOGIN_OK);
    assert_false(clogin_ct_equal(a, b, sizeof a));
    assert_int_equal(clogin_random_bytes(NULL, 1), CLOGIN_EINVAL);
}

static void test_status_names(void **state) {
    (void)state;
    assert_string_equal(clogin_status_name(CLOGIN_EBADSIG), "CLOGIN_EBADSIG");
    assert_string_equal(clogin_status_name(CLOGIN_ETYPE), "CLOGIN_ETYPE");
    assert_string_equal(clogin_strerror(CLOGIN_OK), "success");
    assert_string_equal(clogin_strerror((clogin_status)999), "unknown status");
    for (int i = 0; i <= CLOGIN_EUNAVAILABLE; i++) /* every status is described */
        assert_string_not_equal(clogin_status_name((clogin_status)i), "CLOGIN_UNKNOWN");
    assert_string_equal(clogin_version(), CLOGIN_VERSION_STRING);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_vectors),
        cmocka_unit_test(test_base64url),
        cmocka_unit_test(test_ct_equal_and_random),
        cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
