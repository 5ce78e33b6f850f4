/* The signed session cookie against vectors minted by Flask 2.2 /
 * itsdangerous 2.1 (secret "test-secret", timestamp 1764366000), and every
 * way a cookie can be bad. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define T0 1764366000
#define SECRET "test-secret"

static const char plain_cookie[] = "eyJhIjoxfQ.aSoWsA.pGkNvPce9-ho2_tzsKDb-qS6wYY";
static const char login_cookie[] =
    ".eJyrVopPK0otzlCyKikqTdVRis9MUbJSShxgoAR0SGlxahHENYZKtQAGcTyx.aSoWsA."
    "k_eH-l-DgFnO2uUyZvm9bCL2r4U";
static const char tagged_cookie[] =
    ".eJyrVkpSsqpWUgCSSo4BlvmJgba2SrU6SilgUSCpFJ6aoqNgYKTglZinYGRgbKBgYGxlYGJl"
    "YKrg7hsCVpoJUQuhSuLjgZoqlGqBMmlKVsZmBgZ6BjpKuWBJIKlkk2QH0lUCUa1kFW2oA1Qe"
    "CxQqBQsBSSUDPMDQyNgEaDoAtxAsug.aSoWsA.no2ceErOfrdJtcvntMreRTFxgFc";
static const char tagged_json[] =
    "{\"b\":{\" b\":\"AP9oaQ==\"},\"d\":{\" d\":\"Wed, 02 Jan 2030 03:04:05 GMT\"},"
    "\"di\":{\" di\":{\" t__\":\"x\"}},\"f\":3600.0,\"m\":{\" m\":\"<b>\"},"
    "\"t\":{\" t\":[1,\"x\"]},\"u\":{\" u\":\"00000000000000000000000000001234\"}}";

static clogin_signer *make_signer(const char *secret, const char *fallback,
                                  int64_t max_age) {
    clogin_key fb = {fallback, fallback ? strlen(fallback) : 0};
    clogin_signer_options o = {0};
    o.secret_key.data = secret;
    o.secret_key.len = strlen(secret);
    o.fallback_keys = fallback ? &fb : NULL;
    o.fallback_key_count = fallback ? 1 : 0;
    o.max_age = max_age;
    clogin_signer *s = NULL;
    assert_int_equal(clogin_signer_new(&s, &o), CLOGIN_OK);
    return s;
}

static char *session_json(const clogin_session *s) {
    char *json;
    assert_int_equal(clogin_session_to_json(s, &json, NULL), CLOGIN_OK);
    return json;
}

static void decode_ok(const clogin_signer *signer, const char *cookie,
                      const char *expect_json, int compressed) {
    clogin_session *s;
    clogin_cookie_info info;
    assert_int_equal(clogin_session_cookie_decode(signer, cookie, strlen(cookie),
                                                  T0 + 5, &s, &info),
                     CLOGIN_OK);
    assert_int_equal(info.timestamp, T0);
    assert_int_equal(info.compressed, compressed);
    char *json = session_json(s);
    assert_string_equal(json, expect_json);
    clogin_free(json);
    clogin_session_free(s);
}

static void encode_equals(const clogin_signer *signer, const char *json,
                          const char *expect) {
    clogin_session *s;
    assert_int_equal(clogin_session_from_json(&s, json, strlen(json), 0), CLOGIN_OK);
    char *cookie;
    size_t len;
    assert_int_equal(clogin_session_cookie_encode(signer, s, T0, &cookie, &len),
                     CLOGIN_OK);
    assert_string_equal(cookie, expect);
    assert_int_equal(len, strlen(expect));
    clogin_free(cookie);
    clogin_session_free(s);
}

static void test_flask_vectors_decode(void **state) {
    (void)state;
    clogin_signer *signer = make_signer(SECRET, NULL, 0);
    decode_ok(signer, plain_cookie, "{\"a\":1}", 0);
    char login_json[300];
    snprintf(login_json, sizeof login_json,
             "{\"_fresh\":true,\"_id\":\"%0128d\",\"_user_id\":\"1\"}", 0);
    memset(strstr(login_json, "000"), 'a', 128);
    decode_ok(signer, login_cookie, login_json, 1);
    decode_ok(signer, tagged_cookie, tagged_json, 1);
    clogin_signer_free(signer);
}

static void test_flask_vectors_encode_byte_identical(void **state) {
    (void)state;
    clogin_signer *signer = make_signer(SECRET, NULL, 0);
    encode_equals(signer, "{\"a\":1}", plain_cookie);
    encode_equals(signer, tagged_json, tagged_cookie);
    clogin_signer_free(signer);
}

static void test_typed_values_of_flask_cookie(void **state) {
    (void)state;
    clogin_signer *signer = make_signer(SECRET, NULL, 0);
    clogin_session *s;
    assert_int_equal(clogin_session_cookie_decode(signer, tagged_cookie,
                                                  strlen(tagged_cookie), T0, &s,
                                                  NULL),
                     CLOGIN_OK);
    uint8_t *bytes;
    size_t n;
    assert_int_equal(clogin_session_get_bytes(s, "b", &bytes, &n), CLOGIN_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(bytes, "\x00\xffhi", 4);
    clogin_free(bytes);
    int64_t when;
    assert_int_equal(clogin_session_get_datetime(s, "d", &when), CLOGIN_OK);
    assert_int_equal(when, 1893553445); /* 2030-01-02T03:04:05Z */
    uint8_t uuid[16], expect[16] = {0};
    expect[14] = 0x12, expect[15] = 0x34;
    assert_int_equal(clogin_session_get_uuid(s, "u", uuid), CLOGIN_OK);
    assert_memory_equal(uuid, expect, 16);
    int64_t f;
    assert_int_equal(clogin_session_get_int(s, "f", &f), CLOGIN_OK);
    assert_int_equal(f, 3600);
    assert_int_equal(clogin_session_get_string(s, "t", NULL, NULL), CLOGIN_ETYPE);
    assert_int_equal(clogin_session_get_bytes(s, "t", &bytes, &n), CLOGIN_ETYPE);
    assert_int_equal(clogin_session_modified(s), 0);
    clogin_session_free(s);
    clogin_signer_free(signer);
}

/* Sign arbitrary payload bytes the way itsdangerous would, so that the
 * checks after the signature can be reached. */
static char *sign_raw(const clogin_signer *signer, const void *payload,
                      size_t len, int compressed, uint64_t ts) {
    size_t cap = 2 + CLOGIN_B64URL_LEN(len) + 64;
    char *out = malloc(cap);
    size_t n = 0;
    if (compressed)
        out[n++] = '.';
    n += clogin_b64url_encode(payload, len, out + n);
    out[n++] = '.';
    uint8_t tsb[8];
    size_t tn = 0;
    for (uint64_t t = ts; t; t >>= 8)
        tn++;
    for (size_t i = 0; i < tn; i++)
        tsb[i] = (uint8_t)(ts >> (8 * (tn - 1 - i)));
    n += clogin_b64url_encode(tsb, tn, out + n);
    uint8_t mac[CLOGIN__MAX_MAC];
    assert_int_equal(clogin__mac_compute(&signer->session_macs[0], out, n, mac),
                     CLOGIN_OK);
    out[n++] = '.';
    clogin_b64url_encode(mac, signer->sig_len, out + n);
    return out;
}

static char *sign_compressed(const clogin_signer *signer, const void *data,
                             size_t len) {
    uLongf zlen = compressBound(len);
    uint8_t *z = malloc(zlen);
    assert_int_equal(compress(z, &zlen, data, len), Z_OK);
    char *c = sign_raw(signer, z, zlen, 1, T0);
    free(z);
    return c;
}

static clogin_status decode_status(const clogin_signer *signer, const char *c,
                                   int64_t now) {
    clogin_session *s = (clogin_session *)1;
    clogin_status st = clogin_session_cookie_decode(signer, c, strlen(c), now, &s, NULL);
    if (st == CLOGIN_OK)
        clogin_session_free(s);
    else
        assert_null(s);
    return st;
}

static void expect_raw(const clogin_signer *signer, const char *payload,
                       size_t len, clogin_status expect) {
    char *c = sign_raw(signer, payload, len, 0, T0);
    assert_int_equal(decode_status(signer, c, T0), expect);
    free(c);
}

static void test_each_bad_input_has_its_status(void **state) {
    (void)state;
    clogin_signer *signer = make_signer(SECRET, NULL, 0);
    assert_int_equal(decode_status(signer, "", T0), CLOGIN_EMALFORMED);
    assert_int_equal(decode_status(signer, "abc", T0), CLOGIN_EMALFORMED);
    assert_int_equal(decode_status(signer, "a.b", T0), CLOGIN_EMALFORMED);
    assert_int_equal(decode_status(signer, "..", T0), CLOGIN_EBADSIG);
    assert_int_equal(decode_status(signer, "eyJhIjoxfQ.aSoWsA.pGkNvPce9-ho2_tzsKDb-qS6wY!", T0),
                     CLOGIN_EBASE64);
    /* wrong key */
    clogin_signer *other = make_signer("other", NULL, 0);
    assert_int_equal(decode_status(other, plain_cookie, T0), CLOGIN_EBADSIG);
    /* age */
    assert_int_equal(decode_status(signer, plain_cookie, T0 + 31 * 86400), CLOGIN_OK);
    assert_int_equal(decode_status(signer, plain_cookie, T0 + 31 * 86400 + 1),
                     CLOGIN_EEXPIRED);
    assert_int_equal(decode_status(signer, plain_cookie, T0 - 1), CLOGIN_EFUTURE);
    /* absurd timestamps, correctly signed */
    char *c = sign_raw(signer, "{}", 2, 0, 0);
    assert_int_equal(decode_status(signer, c, T0), CLOGIN_ETIMESTAMP);
    free(c);
    c = sign_raw(signer, "{}", 2, 0, UINT64_MAX);
    assert_int_equal(decode_status(signer, c, T0), CLOGIN_ETIMESTAMP);
    free(c);
    /* payloads */
    expect_raw(signer, "{\"a\":", 5, CLOGIN_EJSON);
    expect_raw(signer, "[1,2]", 5, CLOGIN_EJSON);
    expect_raw(signer, "\"str\"", 5, CLOGIN_EJSON);
    expect_raw(signer, "", 0, CLOGIN_EJSON);
    expect_raw(signer, "{\"a\":\"\xff\"}", 8, CLOGIN_EUTF8);
    expect_raw(signer, "{\"a\":\"\xed\xa0\x80\"}", 10, CLOGIN_EUTF8);
    char deep[200];
    size_t n = 0;
    deep[n++] = '{', deep[n++] = '"', deep[n++] = 'a', deep[n++] = '"', deep[n++] = ':';
    for (int i = 0; i < 40; i++)
        deep[n++] = '[';
    for (int i = 0; i < 40; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    expect_raw(signer, deep, n, CLOGIN_EDEPTH);
    /* a corrupt zlib stream and a zlib bomb (1 MB of zeros) */
    c = sign_raw(signer, "\x78\x9c\x01\x02", 4, 1, T0);
    assert_int_equal(decode_status(signer, c, T0), CLOGIN_EZLIB);
    free(c);
    char *zeros = calloc(1, 1 << 20);
    c = sign_compressed(signer, zeros, 1 << 20);
    assert_true(strlen(c) < 4096);
    assert_int_equal(decode_status(signer, c, T0), CLOGIN_EZBOMB);
    free(c);
    free(zeros);
    /* a valid stream followed by a byte is not what Flask writes */
    {
        const char *json = "{\"a\":1}";
        uLongf zlen = compressBound(7);
        uint8_t z[64];
        assert_int_equal(compress(z, &zlen, (const Bytef *)json, 7), Z_OK);
        z[zlen] = 0;
        c = sign_raw(signer, z, zlen, 1, T0);
        assert_int_equal(decode_status(signer, c, T0), CLOGIN_OK);
        free(c);
        c = sign_raw(signer, z, zlen + 1, 1, T0);
        assert_int_equal(decode_status(signer, c, T0), CLOGIN_EZLIB);
        free(c);
        c = sign_raw(signer, z, zlen - 1, 1, T0); /* truncated */
        assert_int_equal(decode_status(signer, c, T0), CLOGIN_EZLIB);
        free(c);
    }
    /* over the size limit, even if correctly signed */
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(decode_status(signer, big, T0), CLOGIN_ETOOLARGE);
    clogin_signer_free(other);
    clogin_signer_free(signer);
}

static void test_every_single_byte_change_fails(void **state) {
    (void)state;
    clogin_signer *signer = make_signer(SECRET, NULL, 0);
    const char *cookies[] = {plain_cookie, login_cookie};
    for (size_t k = 0; k < 2; k++) {
        size_t len = strlen(cookies[k]);
        char *c = malloc(len + 1);
        for (size_t i = 0; i < len; i++) {
            for (int d = 1; d < 256; d += 37) {
                memcpy(c, cookies[k], len + 1);
                c[i] = (char)(c[i] ^ d);
                clogin_session *s;
                clogin_status st =
                    clogin_session_cookie_decode(signer, c, len, T0, &s, NULL);
                assert_int_not_equal(st, CLOGIN_OK);
            }
        }
        /* truncation at every length */
        for (size_t i = 0; i < len; i++) {
            clogin_session *s;
            assert_int_not_equal(
                clogin_session_cookie_decode(signer, cookies[k], i, T0, &s, NULL),
                CLOGIN_OK);
        }
        free(c);
    }
    clogin_signer_free(signer);
}

static void test_key_rotation(void **state) {
    (void)state;
    /* Flask signed with "test-secret"; it is now the fallback. */
    clogin_signer *rotated = make_signer("new-secret", SECRET, 0);
    clogin_session *s;
    clogin_cookie_info info;
    assert_int_equal(clogin_session_cookie_decode(rotated, plain_cookie,
                                                  strlen(plain_cookie), T0, &s, &info),
                     CLOGIN_OK);
    assert_int_equal(info.key_index, 1);
    char *fresh;
    assert_int_equal(clogin_session_cookie_encode(rotated, s, T0, &fresh, NULL), CLOGIN_OK);
    clogin_session_free(s);
    /* New cookies are signed with the current key only. */
    clogin_signer *old_only = make_signer(SECRET, NULL, 0);
    assert_int_equal(decode_status(old_only, fresh, T0), CLOGIN_EBADSIG);
    assert_int_equal(clogin_session_cookie_decode(rotated, fresh, strlen(fresh), T0,
                                                  &s, &info),
                     CLOGIN_OK);
    assert_int_equal(info.key_index, 0);
    clogin_session_free(s);
    clogin_free(fresh);
    clogin_signer_free(old_only);
    clogin_signer_free(rotated);
}

static void test_salt_digest_and_limits(void **state) {
    (void)state;
    clogin_signer_options o = {0};
    o.secret_key.data = SECRET;
    o.secret_key.len = strlen(SECRET);
    o.salt = "other-salt";
    o.digest = CLOGIN_DIGEST_SHA256;
    clogin_signer *s256;
    assert_int_equal(clogin_signer_new(&s256, &o), CLOGIN_OK);
    assert_int_equal(s256->sig_len, 32);
    clogin_session *s;
    clogin_session_new(&s);
    clogin_session_set_int(s, "a", 1);
    char *c;
    assert_int_equal(clogin_session_cookie_encode(s256, s, T0, &c, NULL), CLOGIN_OK);
    assert_int_equal(decode_status(s256, c, T0), CLOGIN_OK);
    clogin_signer *sha1 = make_signer(SECRET, NULL, 0);
    assert_int_equal(decode_status(sha1, c, T0), CLOGIN_EBADSIG);
    clogin_free(c);
    clogin_signer_free(s256);

    /* A session too big for a cookie is refused when encoding. */
    char *big = malloc(6000);
    assert_int_equal(clogin_random_bytes(big, 6000), CLOGIN_OK);
    for (int i = 0; i < 5999; i++) /* random letters: incompressible */
        big[i] = (char)('a' + (unsigned char)big[i] % 26);
    big[5999] = '\0';
    clogin_session_set_string(s, "big", big, 5999);
    assert_int_equal(clogin_session_cookie_encode(sha1, s, T0, &c, NULL), CLOGIN_ETOOLARGE);
    assert_null(c);
    free(big);
    clogin_session_free(s);

    /* Options are validated. */
    o.secret_key.len = 0;
    assert_int_equal(clogin_signer_new(&s256, &o), CLOGIN_ENOKEY);
    o.secret_key.len = strlen(SECRET);
    clogin_key empty = {"", 0};
    o.fallback_keys = &empty;
    o.fallback_key_count = 1;
    assert_int_equal(clogin_signer_new(&s256, &o), CLOGIN_ENOKEY);
    o.fallback_key_count = 0;
    o.digest = (clogin_digest)42;
    assert_int_equal(clogin_signer_new(&s256, &o), CLOGIN_EINVAL);
    o.digest = CLOGIN_DIGEST_SHA1;
    assert_int_equal(clogin_signer_new(&s256, &o), CLOGIN_OK);
    clogin_signer_free(s256);

    /* The decompressed-size limit is exact, also below the first guess. */
    for (size_t limit = 100; limit <= 20000; limit *= 10) {
        clogin_signer_options lo = {0};
        lo.secret_key.data = SECRET;
        lo.secret_key.len = strlen(SECRET);
        lo.max_decompressed_size = limit;
        clogin_signer *limited;
        assert_int_equal(clogin_signer_new(&limited, &lo), CLOGIN_OK);
        char *json = malloc(limit + 2);
        for (size_t fill = limit - 1; fill <= limit + 1; fill++) {
            memset(json, ' ', fill); /* whitespace: valid JSON, compresses well */
            memcpy(json, "{}", 2);
            c = sign_compressed(limited, json, fill);
            assert_int_equal(decode_status(limited, c, T0),
                             fill <= limit ? CLOGIN_OK : CLOGIN_EZBOMB);
            free(c);
        }
        free(json);
        clogin_signer_free(limited);
    }

    /* No max age: only the future is refused. */
    clogin_signer *forever = make_signer(SECRET, NULL, -1);
    assert_int_equal(decode_status(forever, plain_cookie, T0 + 100 * 365 * 86400LL),
                     CLOGIN_OK);
    clogin_signer_free(forever);
    clogin_signer_free(sha1);
}

/* Found by fuzz_roundtrip: clogin must not sign what it would refuse to
 * read back (the session would silently vanish on the next request). */
static void test_never_signs_what_it_cannot_read(void **state) {
    (void)state;
    clogin_signer *signer = make_signer("secret", NULL, 0);
    clogin_session *s, *back;
    char *cookie;
    /* compresses far below 4096 bytes, inflates past 64 KiB */
    assert_int_equal(clogin_session_new(&s), CLOGIN_OK);
    char *big = malloc(70001);
    assert_non_null(big);
    memset(big, 'a', 70000);
    big[70000] = '\0';
    assert_int_equal(clogin_session_set_string(s, "big", big, 70000), CLOGIN_OK);
    assert_int_equal(clogin_session_cookie_encode(signer, s, 1700000000, &cookie, NULL),
                     CLOGIN_ETOOLARGE);
    big[60000] = '\0'; /* within the limit: signed, and read back */
    assert_int_equal(clogin_session_set_string(s, "big", big, 60000), CLOGIN_OK);
    assert_int_equal(clogin_session_cookie_encode(signer, s, 1700000000, &cookie, NULL),
                     CLOGIN_OK);
    assert_int_equal(clogin_session_cookie_decode(signer, cookie, strlen(cookie), 1700000000,
                                                  &back, NULL),
                     CLOGIN_OK);
    clogin_free(cookie);
    clogin_session_free(back);
    clogin_session_free(s);
    free(big);
    /* a value of 31 levels is the deepest the 32-level decoder reads back
     * inside the session object; 32 is refused when set */
    char deep[80];
    assert_int_equal(clogin_session_new(&s), CLOGIN_OK);
    memset(deep, '[', 32);
    memset(deep + 32, ']', 32);
    assert_int_equal(clogin_session_set_json(s, "d", deep, 64), CLOGIN_EDEPTH);
    assert_int_equal(clogin_session_set_json(s, "d", deep + 1, 62), CLOGIN_OK);
    assert_int_equal(clogin_session_cookie_encode(signer, s, 1700000000, &cookie, NULL),
                     CLOGIN_OK);
    assert_int_equal(clogin_session_cookie_decode(signer, cookie, strlen(cookie), 1700000000,
                                                  &back, NULL),
                     CLOGIN_OK);
    clogin_free(cookie);
    clogin_session_free(back);
    clogin_session_free(s);
    /* a 33-level session read from elsewhere is not signed either */
    char json[100] = "{\"d\":";
    memset(json + 5, '[', 32);
    memset(json + 37, ']', 32);
    strcpy(json + 69, "}");
    assert_int_equal(clogin_session_from_json(&s, json, strlen(json), 40), CLOGIN_OK);
    assert_int_equal(clogin_session_cookie_encode(signer, s, 1700000000, &cookie, NULL),
                     CLOGIN_EDEPTH);
    clogin_session_free(s);
    clogin_signer_free(signer);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_never_signs_what_it_cannot_read),
        cmocka_unit_test(test_flask_vectors_decode),
        cmocka_unit_test(test_flask_vectors_encode_byte_identical),
        cmocka_unit_test(test_typed_values_of_flask_cookie),
        cmocka_unit_test(test_each_bad_input_has_its_status),
        cmocka_unit_test(test_every_single_byte_change_fails),
        cmocka_unit_test(test_key_rotation),
        cmocka_unit_test(test_salt_digest_and_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
