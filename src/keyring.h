/* Keys for clogin's own signed values (store ids, remember tokens, session
 * auth hashes): HMAC-SHA256 under a key derived per purpose from
 * SECRET_KEY and each of SECRET_KEY_FALLBACKS, so one purpose's tags are
 * worthless for another and key rotation works as for Flask's cookies. */
#ifndef CLOGIN_KEYRING_H
#define CLOGIN_KEYRING_H

#include "config.h"
#include "internal.h"

/* base64url of a 32-byte HMAC-SHA256, or of 32 random bytes */
#define CLOGIN__TAG_LEN 43
/* a signed random token: RANDOM "." TAG */
#define CLOGIN__TOKEN_LEN (CLOGIN__TAG_LEN * 2 + 1)

typedef struct clogin__keyring {
    clogin__mac *macs; /* [0] the current key, then the fallbacks */
    size_t count;
} clogin__keyring;

clogin_status clogin__keyring_init(clogin__keyring *k, const clogin__config *c,
                                   const char *purpose);
void clogin__keyring_free(clogin__keyring *k);

/* The tag of data under key number key. */
clogin_status clogin__keyring_tag(const clogin__keyring *k, size_t key,
                                  const void *data, size_t len,
                                  char out[CLOGIN__TAG_LEN + 1]);
/* 1 when tag is data's tag under any of the keys (constant time per key). */
int clogin__keyring_verify(const clogin__keyring *k, const void *data,
                           size_t len, const char *tag, size_t tag_len);

/* A new token: id is the random part (the store's key), token the cookie
 * value (id "." tag). */
clogin_status clogin__token_new(const clogin__keyring *k,
                                char id[CLOGIN__TAG_LEN + 1],
                                char token[CLOGIN__TOKEN_LEN + 1]);
/* The cookie value of an existing id. */
clogin_status clogin__token_of(const clogin__keyring *k, const char *id,
                               char token[CLOGIN__TOKEN_LEN + 1]);
/* 1 and the id when value is a token signed by any key; 0 otherwise. */
int clogin__token_verify(const clogin__keyring *k, const char *value, size_t len,
                         char id[CLOGIN__TAG_LEN + 1]);

#endif
