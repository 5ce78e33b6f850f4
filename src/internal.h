/* Internal interfaces shared between clogin's source files. Everything here
 * is prefixed clogin__ and hidden from the shared library's exports. */
#ifndef CLOGIN_INTERNAL_H
#define CLOGIN_INTERNAL_H

#include "clogin.h"
#include "utf8.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdint.h>

/* ---- growable byte buffer ---- */
typedef struct clogin__buf {
    char *data;
    size_t len;
    size_t cap;
    int failed; /* an allocation failed; later appends are ignored */
} clogin__buf;

void clogin__buf_append(clogin__buf *b, const void *data, size_t len);
void clogin__buf_putc(clogin__buf *b, char c);
void clogin__buf_free(clogin__buf *b);
/* NUL-terminate and hand the data over; CLOGIN_ENOMEM if anything failed. */
clogin_status clogin__buf_finish(clogin__buf *b, char **out, size_t *out_len);

/* malloc'd copies (NULL when memory runs out); strdup(NULL) gives "". */
char *clogin__strndup(const char *s, size_t n);
char *clogin__strdup(const char *s);

/* ---- crypto (OpenSSL 3) ---- */
#define CLOGIN__MAX_MAC 64

/* An HMAC context with its key already set; compute() duplicates it, so the
 * algorithm is never fetched nor the key re-processed per use. */
typedef struct clogin__mac {
    EVP_MAC_CTX *ctx;
    size_t size;
} clogin__mac;

clogin_status clogin__mac_init(clogin__mac *m, const char *digest,
                               const void *key, size_t key_len);
void clogin__mac_free(clogin__mac *m);
clogin_status clogin__mac_compute(const clogin__mac *m, const void *data,
                                  size_t len, uint8_t out[CLOGIN__MAX_MAC]);
/* A second part appended to the message without copying it first. */
clogin_status clogin__mac_compute2(const clogin__mac *m, const void *a,
                                   size_t a_len, const void *b, size_t b_len,
                                   uint8_t out[CLOGIN__MAX_MAC]);
void clogin__hex(const uint8_t *data, size_t len, char *out);

/* ---- zlib (compression byte-identical to Python's zlib.compress()) ---- */
/* Compress into out (cap bytes); CLOGIN_ETOOLARGE if it does not fit. */
clogin_status clogin__compress(const void *in, size_t len, uint8_t *out,
                               size_t cap, size_t *out_len);
/* Inflate a whole zlib stream into a new buffer (free()), refusing output
 * past limit bytes (CLOGIN_EZBOMB), corrupt or trailing data (CLOGIN_EZLIB). */
clogin_status clogin__decompress(const uint8_t *in, size_t in_len, size_t limit,
                                 char **out, size_t *out_len);

/* ---- standard base64 with padding (Flask's " b" tag) ---- */
size_t clogin__b64std_encode(const void *data, size_t len, char *out);
clogin_status clogin__b64std_decode(const char *text, size_t len, uint8_t *out,
                                    size_t *out_len);

/* ---- Set-Cookie for any value, quoted as Werkzeug does when needed ---- */
clogin_status clogin__set_cookie_any_value(const char *name, const char *value,
                                           size_t value_len,
                                           const clogin_cookie_attrs *attrs,
                                           char **out, size_t *out_len);

/* ---- signer ---- */
struct clogin_signer {
    size_t key_count;          /* current key + fallbacks */
    clogin__mac *session_macs; /* keyed with the itsdangerous-derived keys */
    clogin__mac *remember_macs;/* HMAC-SHA512 keyed with the raw secrets */
    EVP_MD *sha512;            /* fetched once, for session identifiers */
    size_t sig_len;            /* bytes of a session signature */
    int64_t max_age;
    size_t max_cookie_size;
    size_t max_decompressed_size;
    int max_json_depth;
};

/* clogin_session_identifier() with a prefetched SHA-512 (NULL: fetch). */
clogin_status clogin__session_identifier(const EVP_MD *sha512,
                                         clogin_identifier_format format,
                                         const char *remote_addr,
                                         const char *user_agent,
                                         char out[CLOGIN_SESSION_ID_LEN + 1]);

/* ---- JSON ---- */
#define CLOGIN__DEFAULT_JSON_DEPTH 32

/* Parse UTF-8 JSON text into a jansson value with a nesting limit (0: the
 * default); an object unless any_type. */
clogin_status clogin__json_parse(const char *text, size_t len, int max_depth,
                                 int any_type, json_t **out);
/* 1 when v nests no deeper than max_depth containers (0: the default). */
int clogin__json_depth_ok(const json_t *v, int max_depth);
/* Serialize as Python's json.dumps(sort_keys=True, ensure_ascii=True,
 * separators=(",", ":")), which is what Flask writes into its cookies. */
void clogin__json_dump(const json_t *value, clogin__buf *out);

struct clogin_session {
    json_t *root; /* always a JSON object */
    int modified;
    int shared;   /* root is also the session cache's: copy before a write */
};

/* One flashed message, {" t": [category, message]}: 1 and the two strings,
 * or 0 when the entry has another shape. */
int clogin__flash_entry(const json_t *entry, const char **category,
                        const char **message);
/* Wrap an object (takes the reference). */
clogin_status clogin__session_wrap(json_t *root, clogin_session **out);
/* Make s's root its own before a change (copy-on-write); CLOGIN_ENOMEM. */
clogin_status clogin__session_writable(clogin_session *s);
/* Set a value (takes the reference, even on failure) and mark modified. */
clogin_status clogin__session_put(clogin_session *s, const char *key,
                                  json_t *value);

#endif
