/* HMAC, SHA-512, random bytes and constant-time comparison over OpenSSL 3.
 *
 * The MAC algorithm is fetched and the key processed once, in
 * clogin__mac_init(); each computation duplicates that prepared context,
 * which is several times cheaper than OpenSSL's one-shot helpers (they fetch
 * the algorithm and re-key on every call). */
#include "internal.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <string.h>

clogin_status clogin__mac_init(clogin__mac *m, const char *digest,
                               const void *key, size_t key_len) {
    memset(m, 0, sizeof *m);
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!hmac)
        return CLOGIN_ECRYPTO;
    m->ctx = EVP_MAC_CTX_new(hmac);
    EVP_MAC_free(hmac); /* the context keeps its own reference */
    if (!m->ctx)
        return CLOGIN_ENOMEM;
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)(uintptr_t)digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    /* An empty key is valid for HMAC; OpenSSL wants a non-NULL pointer. */
    static const unsigned char empty[1];
    if (!EVP_MAC_init(m->ctx, key_len ? key : empty, key_len, params)) {
        clogin__mac_free(m);
        return CLOGIN_ECRYPTO;
    }
    m->size = EVP_MAC_CTX_get_mac_size(m->ctx);
    if (m->size == 0 || m->size > CLOGIN__MAX_MAC) {
        clogin__mac_free(m);
        return CLOGIN_ECRYPTO;
    }
    return CLOGIN_OK;
}

void clogin__mac_free(clogin__mac *m) {
    EVP_MAC_CTX_free(m->ctx);
    m->ctx = NULL;
}

clogin_status clogin__mac_compute2(const clogin__mac *m, const void *a,
                                   size_t a_len, const void *b, size_t b_len,
                                   uint8_t out[CLOGIN__MAX_MAC]) {
    /* Duplicating a keyed context needs a non-const pointer in OpenSSL's
     * API but does not modify the source. */
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup((EVP_MAC_CTX *)(uintptr_t)m->ctx);
    if (!ctx)
        return CLOGIN_ENOMEM;
    size_t n = 0;
    int ok = EVP_MAC_update(ctx, a, a_len) &&
             (b_len == 0 || EVP_MAC_update(ctx, b, b_len)) &&
             EVP_MAC_final(ctx, out, &n, CLOGIN__MAX_MAC) && n == m->size;
    EVP_MAC_CTX_free(ctx);
    return ok ? CLOGIN_OK : CLOGIN_ECRYPTO;
}

clogin_status clogin__mac_compute(const clogin__mac *m, const void *data,
                                  size_t len, uint8_t out[CLOGIN__MAX_MAC]) {
    return clogin__mac_compute2(m, data, len, NULL, 0, out);
}

void clogin__hex(const uint8_t *data, size_t len, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}

int clogin_ct_equal(const void *a, const void *b, size_t len) {
    if (len == 0)
        return 1;
    if (!a || !b)
        return 0;
    return CRYPTO_memcmp(a, b, len) == 0;
}

clogin_status clogin_random_bytes(void *out, size_t len) {
    if (!out && len)
        return CLOGIN_EINVAL;
    while (len) {
        int chunk = len > (1u << 30) ? (1 << 30) : (int)len;
        if (RAND_bytes(out, chunk) != 1)
            return CLOGIN_ECRYPTO;
        out = (unsigned char *)out + chunk;
        len -= (size_t)chunk;
    }
    return CLOGIN_OK;
}
