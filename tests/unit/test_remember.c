/* Flask-Login's remember cookie and session identifier against values
 * printed by Flask-Login 0.6.2 (utils.encode_cookie, _create_identifier). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const char flask_remember_1[] =
    "1|96d5c77265e68cb5017469df1203848816adef5e539098d1d278ef461d95dfebd0f5d1fde364a61cea"
    "10ad3f0085a190ee1b73dec74141bccecbf73796b1699d";

static clogin_signer *signer_with(const char *secret, const char *fallback) {
    clogin_key fb = {fallback, fallback ? strlen(fallback) : 0};
    clogin_signer_options o = {0};
    o.secret_key.data = secret;
    o.secret_key.len = strlen(secret);
    o.fallback_keys = &fb;
    o.fallback_key_count = fallback ? 1 : 0;
    clogin_signer *s;
    assert_int_equal(clogin_signer_new(&s, &o), CLOGIN_OK);
    return s;
}

static void test_remember_matches_flask_login(void **state) {
    (void)state;
    clogin_signer *s = signer_with("test-secret", NULL);
    char *value;
    size_t len;
    assert_int_equal(clogin_remember_encode(s, "1", 1, &value, &len), CLOGIN_OK);
    assert_string_equal(value, flask_remember_1);
    assert_int_equal(len, strlen(flask_remember_1));
    clogin_free(value);

    char *id;
    size_t id_len;
    int key;
    assert_int_equal(clogin_remember_decode(s, flask_remember_1, strlen(flask_remember_1),
                                            &id, &id_len, &key),
                     CLOGIN_OK);
    assert_string_equal(id, "1");
    assert_int_equal(id_len, 1);
    assert_int_equal(key, 0);
    clogin_free(id);

    /* split at the last '|': ids may contain it */
    assert_int_equal(clogin_remember_encode(s, "a|b", 3, &value, &len), CLOGIN_OK);
    assert_int_equal(clogin_remember_decode(s, value, len, &id, &id_len, NULL), CLOGIN_OK);
    assert_string_equal(id, "a|b");
    clogin_free(id);
    clogin_free(value);
    clogin_signer_free(s);
}

static void test_remember_rejects(void **state) {
    (void)state;
    clogin_signer *s = signer_with("test-secret", NULL);
    char *id = (char *)1;
    char buf[300];
    strcpy(buf, flask_remember_1);
    buf[0] = '2'; /* someone else's id */
    assert_int_equal(clogin_remember_decode(s, buf, strlen(buf), &id, NULL, NULL), CLOGIN_EBADSIG);
    assert_null(id);
    strcpy(buf, flask_remember_1);
    for (char *p = buf + 2; *p; p++) /* uppercase hex is not what Flask sent */
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 32);
    assert_int_equal(clogin_remember_decode(s, buf, strlen(buf), &id, NULL, NULL), CLOGIN_EBADSIG);
    assert_int_equal(clogin_remember_decode(s, "1", 1, &id, NULL, NULL), CLOGIN_EMALFORMED);
    assert_int_equal(clogin_remember_decode(s, "", 0, &id, NULL, NULL), CLOGIN_EMALFORMED);
    assert_int_equal(clogin_remember_decode(s, "1|abc", 5, &id, NULL, NULL), CLOGIN_EBADSIG);
    /* every truncation fails */
    for (size_t i = 0; i < strlen(flask_remember_1); i++)
        assert_int_not_equal(clogin_remember_decode(s, flask_remember_1, i, &id, NULL, NULL),
                             CLOGIN_OK);
    char *huge = malloc(10000);
    memset(huge, '|', 10000);
    assert_int_equal(clogin_remember_decode(s, huge, 10000, &id, NULL, NULL), CLOGIN_ETOOLARGE);
    free(huge);
    clogin_signer_free(s);
}

static void test_remember_survives_key_rotation(void **state) {
    (void)state;
    clogin_signer *rotated = signer_with("new-secret", "test-secret");
    char *id;
    int key;
    assert_int_equal(clogin_remember_decode(rotated, flask_remember_1,
                                            strlen(flask_remember_1), &id, NULL, &key),
                     CLOGIN_OK);
    assert_int_equal(key, 1);
    clogin_free(id);
    char *value;
    assert_int_equal(clogin_remember_encode(rotated, "1", 1, &value, NULL), CLOGIN_OK);
    assert_string_not_equal(value, flask_remember_1);
    clogin_free(value);
    clogin_signer_free(rotated);
}

static void test_identifier_matches_flask_login(void **state) {
    (void)state;
    char id[CLOGIN_SESSION_ID_LEN + 1];
    /* REMOTE_ADDR 127.0.0.1, User-Agent "Mozilla/5.0 (X11) \xe9'x" */
    assert_int_equal(clogin_session_identifier(CLOGIN_IDENTIFIER_06, "127.0.0.1", "Mozilla/5.0 (X11) \xe9'x", id),
                     CLOGIN_OK);
    assert_string_equal(id, "2d3c366bad6b1159032b1840b942754335481667e0a09a5f215848b9a6d6f930"
                            "92fd8399a0f901cf966e897d50e3038a50912431ef65f75055e12c0891a682f4");
    /* no User-Agent header */
    assert_int_equal(clogin_session_identifier(CLOGIN_IDENTIFIER_06, "127.0.0.1", NULL, id), CLOGIN_OK);
    assert_string_equal(id, "656d8f867997c2a40397700861e67a333b935d82576d85577e2da5109fbf90ba"
                            "7d035f50908ba54969f8b60c156c4a762615d025942cb19ae24d329b88d388db");
    assert_int_equal(clogin_session_identifier(CLOGIN_IDENTIFIER_06, "::1", "Mozilla/5.0", id), CLOGIN_OK);
    assert_string_equal(id, "6da930d17e73b3c432b65943c8f144fc9f98415f04d034690b8a58793e17d521"
                            "719693f0aefbba1fbe6351e03810af2327de55e6b29a8b8b57e3c5302cb119ef");
    assert_int_equal(clogin_session_identifier(CLOGIN_IDENTIFIER_06, "10.0.0.1", "a\"b'c\\d\te", id), CLOGIN_OK);
    assert_string_equal(id, "faebbad81290e758d18da8bfd6ce052714f25371b3212772eb496915102331f3"
                            "25049cb284568dc492d8268e2207a6212b19d91826360a5a036849ef907fbe1c");
    /* a User-Agent too long for the stack buffer: 200 'x' and 100 0xe9 */
    char ua[301];
    memset(ua, 'x', 200);
    memset(ua + 200, 0xe9, 100);
    ua[300] = '\0';
    assert_int_equal(clogin_session_identifier(CLOGIN_IDENTIFIER_06, "192.0.2.1", ua, id), CLOGIN_OK);
    assert_string_equal(id, "08046c4c3938240576386fc5a32acb9af1027d6e0e01a19ac38ae7489f3f27cf"
                            "9a3a5232c3e059b5935e97035b0bfdf15ba423caf35ad6fa8d9832dd59d3b01c");
    assert_int_equal(clogin_session_identifier(CLOGIN_IDENTIFIER_06, "1.2.3.4", "x", NULL), CLOGIN_EINVAL);
    assert_int_equal(clogin_session_identifier((clogin_identifier_format)7, "1.2.3.4", "x", id),
                     CLOGIN_EINVAL);
    /* 0.7: sha512("127.0.0.1|Mozilla/5.0") and sha512("::1|") */
    assert_int_equal(clogin_session_identifier(CLOGIN_IDENTIFIER_07, "127.0.0.1", "Mozilla/5.0", id),
                     CLOGIN_OK);
    assert_string_equal(id, "5f2613f522d786d3e4404c200dcc749a5817f0204d0f26b3524f3cc0f108f4815d6087cf0bca0d17f3d523fa293f42f70b896c927b1c683e708c10c36052d230");
    assert_int_equal(clogin_session_identifier(CLOGIN_IDENTIFIER_07, "::1", NULL, id), CLOGIN_OK);
    assert_string_equal(id, "43c7d0d6dbac18a8f678b799f1d1a93485497a547685ff7165b2ce95917bb3d6dbb5b0d459c31d60e65e939e11a9696d39061a06f9418062789f13602d20c47c");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remember_matches_flask_login),
        cmocka_unit_test(test_remember_rejects),
        cmocka_unit_test(test_remember_survives_key_rotation),
        cmocka_unit_test(test_identifier_matches_flask_login),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
