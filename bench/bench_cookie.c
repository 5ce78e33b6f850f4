/* Cookie codec benchmark: nanoseconds per operation for the codecs and,
 * measured in the same run, the floor they cannot go below (the HMAC and
 * the JSON parse alone). Medians of repeated batches; the ratio column is
 * operation / floor. Run through `make bench`. */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"
#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define T0 1764366000

typedef struct bench_ctx {
    clogin_signer *signer;
    clogin_session *session;
    const char *cookie;
    size_t cookie_len;
    size_t signed_len;
    const char *json;
    size_t json_len;
    const uint8_t *zdata;
    size_t zlen;
    const char *remember;
    size_t remember_len;
} bench_ctx;

static void fail(const char *what) {
    fprintf(stderr, "bench_cookie: %s failed\n", what);
    exit(1);
}

static void op_decode(void *p) {
    bench_ctx *c = p;
    clogin_session *s;
    if (clogin_session_cookie_decode(c->signer, c->cookie, c->cookie_len, T0, &s, NULL))
        fail("decode");
    clogin_session_free(s);
}

static void op_encode(void *p) {
    bench_ctx *c = p;
    char *out;
    if (clogin_session_cookie_encode(c->signer, c->session, T0, &out, NULL))
        fail("encode");
    clogin_free(out);
}

static void op_remember(void *p) {
    bench_ctx *c = p;
    char *id;
    if (clogin_remember_decode(c->signer, c->remember, c->remember_len, &id, NULL, NULL))
        fail("remember");
    clogin_free(id);
}

static void op_hmac_sha1(void *p) {
    bench_ctx *c = p;
    uint8_t mac[CLOGIN__MAX_MAC];
    if (clogin__mac_compute(&c->signer->session_macs[0], c->cookie, c->signed_len, mac))
        fail("hmac");
}

static void op_hmac_sha512(void *p) {
    bench_ctx *c = p;
    uint8_t mac[CLOGIN__MAX_MAC];
    if (clogin__mac_compute(&c->signer->remember_macs[0], c->remember, 1, mac))
        fail("hmac512");
}

#define BENCH_ADDR "203.0.113.7"
#define BENCH_UA "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"

static void op_identifier(void *p) {
    bench_ctx *c = p;
    char id[CLOGIN_SESSION_ID_LEN + 1];
    if (clogin__session_identifier(c->signer->sha512, CLOGIN_IDENTIFIER_07, BENCH_ADDR, BENCH_UA, id))
        fail("identifier");
}

static void op_identifier_public(void *p) {
    (void)p;
    char id[CLOGIN_SESSION_ID_LEN + 1];
    if (clogin_session_identifier(CLOGIN_IDENTIFIER_06, BENCH_ADDR, BENCH_UA, id))
        fail("identifier");
}

static void op_sha512(void *p) {
    bench_ctx *c = p;
    static const char base[] = "b'" BENCH_ADDR "'|b'" BENCH_UA "'";
    uint8_t out[64];
    unsigned int n;
    if (!EVP_Digest(base, sizeof base - 1, out, &n, c->signer->sha512, NULL))
        fail("sha512");
}

static void op_deflate(void *p) {
    bench_ctx *c = p;
    uint8_t out[1024];
    size_t n;
    if (clogin__compress(c->json, c->json_len, out, sizeof out, &n))
        fail("deflate");
}

static void op_json_parse(void *p) {
    bench_ctx *c = p;
    json_t *v;
    if (clogin__json_parse(c->json, c->json_len, 0, 0, &v))
        fail("parse");
    json_decref(v);
}

static void op_inflate(void *p) {
    bench_ctx *c = p;
    char out[1024];
    uLongf n = sizeof out;
    if (uncompress((Bytef *)out, &n, c->zdata, c->zlen) != Z_OK)
        fail("inflate");
}

static void row(const char *name, double ns, double floor_ns) {
    if (floor_ns > 0)
        printf("| %-44s | %9.0f | %9.0f | %5.2fx |\n", name, ns, floor_ns, ns / floor_ns);
    else
        printf("| %-44s | %9.0f | %9s | %6s |\n", name, ns, "", "");
}

int main(void) {
    static const char secret[] = "bench-secret-key-0123456789abcdef";
    clogin_signer_options o = {0};
    o.secret_key.data = secret;
    o.secret_key.len = strlen(secret);
    bench_ctx c = {0};
    if (clogin_signer_new(&c.signer, &o))
        fail("signer");

    /* A typical Flask-Login session: {"_fresh":true,"_id":<128 hex>,"_user_id":"1"} */
    char id[CLOGIN_SESSION_ID_LEN + 1];
    clogin__session_identifier(c.signer->sha512, CLOGIN_IDENTIFIER_07, BENCH_ADDR, BENCH_UA, id);
    clogin_session_new(&c.session);
    clogin_session_set_bool(c.session, "_fresh", 1);
    clogin_session_set_string(c.session, "_id", id, CLOGIN_SESSION_ID_LEN);
    clogin_session_set_string(c.session, "_user_id", "1", 1);
    char *cookie, *json;
    size_t cookie_len, json_len;
    if (clogin_session_cookie_encode(c.signer, c.session, T0, &cookie, &cookie_len) ||
        clogin_session_to_json(c.session, &json, &json_len))
        fail("setup");
    c.cookie = cookie;
    c.cookie_len = cookie_len;
    c.signed_len = (size_t)(strrchr(cookie, '.') - cookie);
    c.json = json;
    c.json_len = json_len;
    uLongf zlen = compressBound(json_len);
    uint8_t *z = malloc(zlen);
    compress2(z, &zlen, (const Bytef *)json, json_len, Z_DEFAULT_COMPRESSION);
    c.zdata = z;
    c.zlen = zlen;
    char *remember;
    clogin_remember_encode(c.signer, "1", 1, &remember, &c.remember_len);
    c.remember = remember;

    double hmac1 = bench_measure(op_hmac_sha1, &c);
    double parse = bench_measure(op_json_parse, &c);
    double inflate_ns = bench_measure(op_inflate, &c);
    double hmac512 = bench_measure(op_hmac_sha512, &c);
    double decode = bench_measure(op_decode, &c);
    double encode = bench_measure(op_encode, &c);
    double remember_ns = bench_measure(op_remember, &c);
    double ident = bench_measure(op_identifier, &c);
    double ident_public = bench_measure(op_identifier_public, &c);
    double sha512 = bench_measure(op_sha512, &c);
    double deflate_ns = bench_measure(op_deflate, &c);

    printf("clogin %s cookie codec, cookie of %zu bytes (JSON %zu bytes, %s)\n\n",
           clogin_version(), cookie_len, json_len, cookie[0] == '.' ? "compressed" : "plain");
    printf("| %-44s | %9s | %9s | %6s |\n", "operation", "ns/op", "floor ns", "ratio");
    printf("|%s|%s|%s|%s|\n", "----------------------------------------------",
           "-----------", "-----------", "--------");
    row("verify + parse session cookie", decode, hmac1 + parse);
    row("sign session cookie (JSON, zlib, HMAC)", encode, hmac1 + deflate_ns);
    row("verify remember cookie", remember_ns, hmac512);
    row("session identifier (signer's SHA-512)", ident, sha512);
    row("session identifier (public, fetches SHA-512)", ident_public, sha512);
    row("floor: HMAC-SHA1 over the cookie", hmac1, 0);
    row("floor: JSON parse of the session", parse, 0);
    row("floor: HMAC-SHA512 of a user id", hmac512, 0);
    row("floor: zlib deflate of the session", deflate_ns, 0);
    row("floor: SHA-512 of the identifier's text", sha512, 0);
    row("for reference: zlib inflate of the payload", inflate_ns, 0);
    printf("\nfloor of verify + parse = HMAC-SHA1 + JSON parse; target ratio <= 2.\n"
           "floor of sign = HMAC-SHA1 + deflate (byte-identical to Python's zlib).\n");

    clogin_free(cookie);
    clogin_free(json);
    clogin_free(remember);
    free(z);
    clogin_session_free(c.session);
    clogin_signer_free(c.signer);
    return 0;
}
