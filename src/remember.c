/* Flask-Login's remember cookie ("USER_ID|hex(HMAC-SHA512(secret, USER_ID))")
 * and its session identifier (hex SHA-512 of "REMOTE_ADDR|USER_AGENT", in
 * Flask-Login 0.7's form or 0.6's). */
#include "internal.h"

#include <pthread.h>
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
 * was encoded as UTF-8 first, so each byte >= 0x80 becomes two, and both
 * are then written as \xNN. Writes at most 8 * strlen(text) + 3 bytes. */
static size_t py_bytes_repr(char *out, const char *text) {
    static const char hex[] = "0123456789abcdef";
    if (!text) {
        memcpy(out, "None", 4);
        return 4;
    }
    /* repr() switches to double quotes for a ' when there is no " */
    char quote = strchr(text, '\'') && !strchr(text, '"') ? '"' : '\'';
    size_t n = 0;
    out[n++] = 'b';
    out[n++] = quote;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        unsigned char c = *p;
        if (c >= 0x80) {
            unsigned char utf8[2] = {(unsigned char)(0xC0 | (c >> 6)),
                                     (unsigned char)(0x80 | (c & 0x3F))};
            for (int k = 0; k < 2; k++) {
                out[n++] = '\\', out[n++] = 'x';
                out[n++] = hex[utf8[k] >> 4], out[n++] = hex[utf8[k] & 15];
            }
        } else if (c == quote || c == '\\') {
            out[n++] = '\\', out[n++] = (char)c;
        } else if (c == '\t' || c == '\n' || c == '\r') {
            out[n++] = '\\', out[n++] = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
        } else if (c < 0x20 || c == 0x7F) {
            out[n++] = '\\', out[n++] = 'x';
            out[n++] = hex[c >> 4], out[n++] = hex[c & 15];
        } else {
            out[n++] = (char)c;
        }
    }
    out[n++] = quote;
    return n;
}

/* Flask-Login 0.7: the address and the header as they are. */
static size_t plain_text(char *out, const char *text) {
    size_t n = text ? strlen(text) : 0;
    memcpy(out, text ? text : "", n);
    return n;
}

/* Each thread keeps a digest context (EVP_Digest would allocate one per
 * call) and the last identifier it made: a browser sends the same address
 * and User-Agent request after request, so most requests hash nothing. */
#define MEMO_INPUT 1024

typedef struct identifier_memo {
    EVP_MD_CTX *ctx;
    const EVP_MD *md;
    size_t len; /* of input; 0: nothing kept */
    char input[MEMO_INPUT];
    char hex[CLOGIN_SESSION_ID_LEN + 1];
} identifier_memo;

static pthread_key_t memo_key;
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;
static int memo_key_ok;

static void free_memo(void *p) {
    identifier_memo *m = p;
    EVP_MD_CTX_free(m->ctx);
    free(m);
}

static void make_memo_key(void) {
    memo_key_ok = pthread_key_create(&memo_key, free_memo) == 0;
}

static identifier_memo *thread_memo(void) {
    pthread_once(&memo_once, make_memo_key);
    if (!memo_key_ok)
        return NULL;
    identifier_memo *m = pthread_getspecific(memo_key);
    if (m)
        return m;
    m = calloc(1, sizeof *m);
    if (m && !(m->ctx = EVP_MD_CTX_new())) {
        free(m);
        return NULL;
    }
    if (m && pthread_setspecific(memo_key, m) != 0) {
        free_memo(m);
        return NULL;
    }
    return m;
}

static clogin_status identifier_digest(const EVP_MD *sha512, const char *input, size_t len,
                                       char out[CLOGIN_SESSION_ID_LEN + 1]) {
    const EVP_MD *md = sha512 ? sha512 : EVP_sha512();
    identifier_memo *m = thread_memo();
    if (m && m->len && m->len == len && m->md == md && memcmp(m->input, input, len) == 0) {
        memcpy(out, m->hex, sizeof m->hex);
        return CLOGIN_OK;
    }
    uint8_t digest[64];
    unsigned int dn = 0;
    int ok = m ? EVP_DigestInit_ex(m->ctx, md, NULL) && EVP_DigestUpdate(m->ctx, input, len) &&
                     EVP_DigestFinal_ex(m->ctx, digest, &dn)
               : EVP_Digest(input, len, digest, &dn, md, NULL);
    if (!ok || dn != 64)
        return CLOGIN_ECRYPTO;
    clogin__hex(digest, 64, out);
    if (m && len <= MEMO_INPUT) {
        memcpy(m->input, input, len);
        m->len = len;
        m->md = md;
        memcpy(m->hex, out, sizeof m->hex);
    }
    return CLOGIN_OK;
}

clogin_status clogin__session_identifier(const EVP_MD *sha512,
                                         clogin_identifier_format format,
                                         const char *remote_addr,
                                         const char *user_agent,
                                         char out[CLOGIN_SESSION_ID_LEN + 1]) {
    if (!out || (format != CLOGIN_IDENTIFIER_07 && format != CLOGIN_IDENTIFIER_06))
        return CLOGIN_EINVAL;
    size_t (*part)(char *, const char *) =
        format == CLOGIN_IDENTIFIER_06 ? py_bytes_repr : plain_text;
    size_t a = remote_addr ? strlen(remote_addr) : 0;
    size_t u = user_agent ? strlen(user_agent) : 0;
    if (a > SIZE_MAX / 32 || u > SIZE_MAX / 32)
        return CLOGIN_ETOOLARGE;
    size_t need = 8 * (a + u) + 16;
    char stack[1024];
    char *base = need <= sizeof stack ? stack : malloc(need);
    if (!base)
        return CLOGIN_ENOMEM;
    size_t n = part(base, remote_addr);
    base[n++] = '|';
    n += part(base + n, user_agent);
    clogin_status st = identifier_digest(sha512, base, n, out);
    if (base != stack)
        free(base);
    return st;
}

/* The public form fetches SHA-512 implicitly on every call (about 200 ns
 * more); the manager passes the one its signer fetched at start. */
clogin_status clogin_session_identifier(clogin_identifier_format format,
                                        const char *remote_addr,
                                        const char *user_agent,
                                        char out[CLOGIN_SESSION_ID_LEN + 1]) {
    return clogin__session_identifier(NULL, format, remote_addr, user_agent, out);
}
