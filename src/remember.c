/* Flask-Login's remember cookie ("USER_ID|hex(HMAC-SHA512(secret, USER_ID))")
 * and its session identifier (hex SHA-512 of "REMOTE_ADDR|USER_AGENT"). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define DIGEST_HEX 128

clogin_status clogin_remember_encode(const clogin_signer *signer,
                                     const char *user_id, size_t len,
                                     char **out, size_t *out_len) {
    if (!signer || !out || (!user_id && len))
        return CLOGIN_EINVAL;
    *out = NULL;
    if (len > SIZE_MAX - DIGEST_HEX - 2)
        return CLOGIN_ETOOLARGE;
    uint8_t mac[CLOGIN__MAX_MAC];
    clogin_status st =
        clogin__mac_compute(&signer->remember_macs[0], user_id ? user_id : "", len, mac);
    if (st != CLOGIN_OK)
        return st;
    char *value = malloc(len + 1 + DIGEST_HEX + 1);
    if (!value)
        return CLOGIN_ENOMEM;
    if (len)
        memcpy(value, user_id, len);
    value[len] = '|';
    clogin__hex(mac, 64, value + len + 1);
    *out = value;
    if (out_len)
        *out_len = len + 1 + DIGEST_HEX;
    return CLOGIN_OK;
}

clogin_status clogin_remember_decode(const clogin_signer *signer,
                                     const char *value, size_t len,
                                     char **user_id, size_t *user_id_len,
                                     int *key_index) {
    if (!signer || !user_id || (!value && len))
        return CLOGIN_EINVAL;
    *user_id = NULL;
    if (len > signer->max_cookie_size)
        return CLOGIN_ETOOLARGE;
    size_t bar = len;
    while (bar > 0 && value[bar - 1] != '|')
        bar--;
    if (bar == 0)
        return CLOGIN_EMALFORMED;
    size_t id_len = bar - 1;
    const char *digest = value + bar;
    if (len - bar != DIGEST_HEX)
        return CLOGIN_EBADSIG;
    for (size_t k = 0; k < signer->key_count; k++) {
        uint8_t mac[CLOGIN__MAX_MAC];
        char hex[DIGEST_HEX + 1];
        clogin_status st =
            clogin__mac_compute(&signer->remember_macs[k], value, id_len, mac);
        if (st != CLOGIN_OK)
            return st;
        clogin__hex(mac, 64, hex);
        if (!clogin_ct_equal(hex, digest, DIGEST_HEX))
            continue;
        char *id = malloc(id_len + 1);
        if (!id)
            return CLOGIN_ENOMEM;
        memcpy(id, value, id_len);
        id[id_len] = '\0';
        *user_id = id;
        if (user_id_len)
            *user_id_len = id_len;
        if (key_index)
            *key_index = (int)k;
        return CLOGIN_OK;
    }
    return CLOGIN_EBADSIG;
}

/* Flask-Login builds the identifier as f"{addr}|{user_agent}" where both
 * are Python bytes objects (or None), so what is hashed is their repr:
 * "b'127.0.0.1'|b'Mozilla/5.0 ...'". The header arrived as latin-1 text and
 * was encoded as UTF-8 first, so each byte >= 0x80 becomes two. */
static void py_bytes_repr(clogin__buf *b, const char *text) {
    if (!text) {
        clogin__buf_append(b, "None", 4);
        return;
    }
    clogin__buf utf8 = {0};
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p < 0x80) {
            clogin__buf_putc(&utf8, (char)*p);
        } else {
            clogin__buf_putc(&utf8, (char)(0xC0 | (*p >> 6)));
            clogin__buf_putc(&utf8, (char)(0x80 | (*p & 0x3F)));
        }
    }
    char quote = '\'';
    if (utf8.len && memchr(utf8.data, '\'', utf8.len) &&
        !memchr(utf8.data, '"', utf8.len))
        quote = '"';
    clogin__buf_putc(b, 'b');
    clogin__buf_putc(b, quote);
    for (size_t i = 0; i < utf8.len; i++) {
        unsigned char c = (unsigned char)utf8.data[i];
        char esc[4];
        if (c == quote || c == '\\') {
            esc[0] = '\\', esc[1] = (char)c;
            clogin__buf_append(b, esc, 2);
        } else if (c == '\t' || c == '\n' || c == '\r') {
            esc[0] = '\\', esc[1] = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
            clogin__buf_append(b, esc, 2);
        } else if (c < 0x20 || c >= 0x7F) {
            static const char hex[] = "0123456789abcdef";
            esc[0] = '\\', esc[1] = 'x', esc[2] = hex[c >> 4], esc[3] = hex[c & 15];
            clogin__buf_append(b, esc, 4);
        } else {
            clogin__buf_putc(b, (char)c);
        }
    }
    clogin__buf_putc(b, quote);
    if (utf8.failed)
        b->failed = 1;
    clogin__buf_free(&utf8);
}

clogin_status clogin_session_identifier(const char *remote_addr,
                                        const char *user_agent,
                                        char out[CLOGIN_SESSION_ID_LEN + 1]) {
    if (!out)
        return CLOGIN_EINVAL;
    clogin__buf base = {0};
    py_bytes_repr(&base, remote_addr);
    clogin__buf_putc(&base, '|');
    py_bytes_repr(&base, user_agent);
    if (base.failed) {
        clogin__buf_free(&base);
        return CLOGIN_ENOMEM;
    }
    uint8_t digest[64];
    unsigned int n = 0;
    int ok = EVP_Digest(base.data, base.len, digest, &n, EVP_sha512(), NULL) &&
             n == 64;
    clogin__buf_free(&base);
    if (!ok)
        return CLOGIN_ECRYPTO;
    clogin__hex(digest, 64, out);
    return CLOGIN_OK;
}
