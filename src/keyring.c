/* Per-purpose HMAC-SHA256 keys and the signed random tokens built on them. */
#include "keyring.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define SALT_PREFIX "clogin."

static clogin_status derive(clogin__mac *out, const clogin__secret *secret,
                            const char *purpose) {
    clogin__mac raw;
    clogin_status st = clogin__mac_init(&raw, "SHA256", secret->data, secret->len);
    if (st != CLOGIN_OK)
        return st;
    uint8_t key[CLOGIN__MAX_MAC];
    st = clogin__mac_compute2(&raw, SALT_PREFIX, strlen(SALT_PREFIX), purpose,
                              strlen(purpose), key);
    size_t key_len = raw.size;
    clogin__mac_free(&raw);
    if (st == CLOGIN_OK)
        st = clogin__mac_init(out, "SHA256", key, key_len);
    OPENSSL_cleanse(key, sizeof key);
    return st;
}

clogin_status clogin__keyring_init(clogin__keyring *k, const clogin__config *c,
                                   const char *purpose) {
    k->count = 1 + c->fallback_key_count;
    k->macs = calloc(k->count, sizeof *k->macs);
    if (!k->macs)
        return CLOGIN_ENOMEM;
    clogin_status st = derive(&k->macs[0], &c->secret_key, purpose);
    for (size_t i = 0; st == CLOGIN_OK && i < c->fallback_key_count; i++)
        st = derive(&k->macs[i + 1], &c->fallback_keys[i], purpose);
    if (st != CLOGIN_OK)
        clogin__keyring_free(k);
    return st;
}

void clogin__keyring_free(clogin__keyring *k) {
    for (size_t i = 0; k->macs && i < k->count; i++)
        clogin__mac_free(&k->macs[i]);
    free(k->macs);
    k->macs = NULL;
    k->count = 0;
}

clogin_status clogin__keyring_tag(const clogin__keyring *k, size_t key,
                                  const void *data, size_t len,
                                  char out[CLOGIN__TAG_LEN + 1]) {
    uint8_t mac[CLOGIN__MAX_MAC];
    clogin_status st = clogin__mac_compute(&k->macs[key], data, len, mac);
    if (st != CLOGIN_OK)
        return st;
    clogin_b64url_encode(mac, 32, out);
    return CLOGIN_OK;
}

int clogin__keyring_verify(const clogin__keyring *k, const void *data,
                           size_t len, const char *tag, size_t tag_len) {
    if (tag_len != CLOGIN__TAG_LEN)
        return 0;
    for (size_t i = 0; i < k->count; i++) {
        char want[CLOGIN__TAG_LEN + 1];
        if (clogin__keyring_tag(k, i, data, len, want) == CLOGIN_OK &&
            clogin_ct_equal(want, tag, CLOGIN__TAG_LEN))
            return 1;
    }
    return 0;
}

clogin_status clogin__token_of(const clogin__keyring *k, const char *id,
                               char token[CLOGIN__TOKEN_LEN + 1]) {
    memcpy(token, id, CLOGIN__TAG_LEN);
    token[CLOGIN__TAG_LEN] = '.';
    return clogin__keyring_tag(k, 0, id, CLOGIN__TAG_LEN, token + CLOGIN__TAG_LEN + 1);
}

clogin_status clogin__token_new(const clogin__keyring *k,
                                char id[CLOGIN__TAG_LEN + 1],
                                char token[CLOGIN__TOKEN_LEN + 1]) {
    uint8_t random[32]; /* 256 bits */
    clogin_status st = clogin_random_bytes(random, sizeof random);
    if (st != CLOGIN_OK)
        return st;
    clogin_b64url_encode(random, sizeof random, id);
    return clogin__token_of(k, id, token);
}

int clogin__token_verify(const clogin__keyring *k, const char *value, size_t len,
                         char id[CLOGIN__TAG_LEN + 1]) {
    if (len != CLOGIN__TOKEN_LEN || value[CLOGIN__TAG_LEN] != '.')
        return 0;
    for (size_t i = 0; i < CLOGIN__TAG_LEN; i++) {
        char ch = value[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
            return 0;
    }
    if (!clogin__keyring_verify(k, value, CLOGIN__TAG_LEN, value + CLOGIN__TAG_LEN + 1,
                                CLOGIN__TAG_LEN))
        return 0;
    memcpy(id, value, CLOGIN__TAG_LEN);
    id[CLOGIN__TAG_LEN] = '\0';
    return 1;
}
