/* The signer holds the key material. Every key is turned into ready HMAC
 * contexts here, once: itsdangerous's "hmac" key derivation for the session
 * cookie (HMAC(secret, salt)) and the raw secret for Flask-Login's remember
 * cookie, so that verification never derives or fetches anything. */
#include "internal.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SALT "cookie-session"
#define DEFAULT_MAX_AGE (31 * 24 * 3600)
#define DEFAULT_MAX_COOKIE 4096
#define DEFAULT_MAX_INFLATED 65536

static const char *digest_name(clogin_digest d) {
    switch (d) {
    case CLOGIN_DIGEST_SHA1:
        return "SHA1";
    case CLOGIN_DIGEST_SHA256:
        return "SHA256";
    case CLOGIN_DIGEST_SHA512:
        return "SHA512";
    }
    return NULL;
}

static clogin_status prepare_key(clogin_signer *s, size_t i, const char *digest,
                                 const char *salt, const clogin_key *key) {
    if (!key->data || key->len == 0)
        return CLOGIN_ENOKEY;
    clogin__mac raw;
    clogin_status st = clogin__mac_init(&raw, digest, key->data, key->len);
    if (st != CLOGIN_OK)
        return st;
    uint8_t derived[CLOGIN__MAX_MAC];
    st = clogin__mac_compute(&raw, salt, strlen(salt), derived);
    size_t derived_len = raw.size;
    clogin__mac_free(&raw);
    if (st == CLOGIN_OK)
        st = clogin__mac_init(&s->session_macs[i], digest, derived,
                              derived_len);
    OPENSSL_cleanse(derived, sizeof derived);
    if (st == CLOGIN_OK)
        st = clogin__mac_init(&s->remember_macs[i], "SHA512", key->data,
                              key->len);
    return st;
}

clogin_status clogin_signer_new(clogin_signer **out,
                                const clogin_signer_options *opts) {
    if (!out || !opts)
        return CLOGIN_EINVAL;
    *out = NULL;
    const char *digest = digest_name(opts->digest);
    if (!digest || opts->max_json_depth < 0 ||
        (opts->fallback_key_count && !opts->fallback_keys))
        return CLOGIN_EINVAL;
    if (opts->fallback_key_count > 1024)
        return CLOGIN_EINVAL;

    clogin_signer *s = calloc(1, sizeof *s);
    if (!s)
        return CLOGIN_ENOMEM;
    s->key_count = 1 + opts->fallback_key_count;
    s->session_macs = calloc(s->key_count, sizeof *s->session_macs);
    s->remember_macs = calloc(s->key_count, sizeof *s->remember_macs);
    s->max_age = opts->max_age ? opts->max_age : DEFAULT_MAX_AGE;
    s->max_cookie_size =
        opts->max_cookie_size ? opts->max_cookie_size : DEFAULT_MAX_COOKIE;
    s->max_decompressed_size = opts->max_decompressed_size
                                   ? opts->max_decompressed_size
                                   : DEFAULT_MAX_INFLATED;
    s->max_json_depth =
        opts->max_json_depth ? opts->max_json_depth : CLOGIN__DEFAULT_JSON_DEPTH;
    s->sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
    if (!s->session_macs || !s->remember_macs || !s->sha512) {
        clogin_signer_free(s);
        return CLOGIN_ENOMEM;
    }
    const char *salt = opts->salt ? opts->salt : DEFAULT_SALT;
    clogin_status st = prepare_key(s, 0, digest, salt, &opts->secret_key);
    for (size_t i = 0; st == CLOGIN_OK && i < opts->fallback_key_count; i++)
        st = prepare_key(s, i + 1, digest, salt, &opts->fallback_keys[i]);
    if (st != CLOGIN_OK) {
        clogin_signer_free(s);
        return st;
    }
    s->sig_len = s->session_macs[0].size;
    *out = s;
    return CLOGIN_OK;
}

void clogin_signer_free(clogin_signer *s) {
    if (!s)
        return;
    for (size_t i = 0; i < s->key_count; i++) {
        if (s->session_macs)
            clogin__mac_free(&s->session_macs[i]);
        if (s->remember_macs)
            clogin__mac_free(&s->remember_macs[i]);
    }
    free(s->session_macs);
    free(s->remember_macs);
    EVP_MD_free(s->sha512);
    free(s);
}
