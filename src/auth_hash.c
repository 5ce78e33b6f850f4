/* The session auth hash (Django's idea): the application derives a string
 * from what a login depends on, typically the password hash. Logins store
 * an HMAC of it, and every load compares, so changing the password ends
 * every older session and remember cookie, on every server, without a
 * store. Only the HMAC leaves the server. */
#include "manager.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char *hash_of(const clogin_manager *m, const void *user) {
    if (!m->user_class.get_auth_hash)
        return NULL;
    return m->user_class.get_auth_hash(m->user_ctx, user);
}

int clogin__auth_tag(const clogin_manager *m, const void *user,
                     char out[CLOGIN__TAG_LEN + 1]) {
    const char *h = hash_of(m, user);
    if (!h)
        return 0;
    if (clogin__keyring_tag(&m->auth_keys, 0, h, strlen(h), out) != CLOGIN_OK)
        memset(out, 0, CLOGIN__TAG_LEN + 1); /* matches nothing */
    return 1;
}

/* Each thread remembers its last positive answer: the same user's
 * requests then cost a compare, not an HMAC. Keyed by the manager's
 * generation, the hash and the stored tag, so a new password (another
 * hash) or another tag is checked again. */
#define MEMO_HASH 256

typedef struct auth_memo {
    uint64_t generation; /* 0: nothing kept */
    size_t hash_len;
    char hash[MEMO_HASH];
    char tag[CLOGIN__TAG_LEN];
} auth_memo;

static pthread_key_t memo_key;
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;
static int memo_key_ok;

static void make_memo_key(void) {
    memo_key_ok = pthread_key_create(&memo_key, free) == 0;
}

static auth_memo *thread_memo(void) {
    pthread_once(&memo_once, make_memo_key);
    if (!memo_key_ok)
        return NULL;
    auth_memo *a = pthread_getspecific(memo_key);
    if (!a && (a = calloc(1, sizeof *a)) != NULL && pthread_setspecific(memo_key, a) != 0) {
        free(a);
        a = NULL;
    }
    return a;
}

int clogin__auth_matches(const clogin_manager *m, const void *user,
                         const char *stored, size_t len) {
    const char *h = hash_of(m, user);
    if (!h)
        return 1;
    if (!stored || len != CLOGIN__TAG_LEN)
        return 0;
    size_t hlen = strlen(h);
    auth_memo *a = thread_memo();
    if (a && a->generation == m->generation && a->hash_len == hlen &&
        memcmp(a->hash, h, hlen) == 0 && memcmp(a->tag, stored, CLOGIN__TAG_LEN) == 0)
        return 1;
    if (!clogin__keyring_verify(&m->auth_keys, h, hlen, stored, len))
        return 0;
    if (a && hlen <= MEMO_HASH) {
        a->generation = m->generation;
        a->hash_len = hlen;
        memcpy(a->hash, h, hlen);
        memcpy(a->tag, stored, CLOGIN__TAG_LEN);
    }
    return 1;
}

/* Flask-Login's remember digest covers the user id only, so with an auth
 * hash it also covers the tag: USER_ID|hex(HMAC-SHA512(secret,
 * USER_ID "|" TAG)). Flask-Login cannot read such cookies; the price of
 * making them end with a password change. */
clogin_status clogin__remember_bound_encode(const clogin_manager *m, const char *id,
                                            const char *tag, char **out) {
    clogin__buf msg = {0};
    clogin__buf_append(&msg, id, strlen(id));
    clogin__buf_putc(&msg, '|');
    clogin__buf_append(&msg, tag, strlen(tag));
    uint8_t mac[CLOGIN__MAX_MAC];
    clogin_status st = msg.failed ? CLOGIN_ENOMEM
                                  : clogin__mac_compute(&m->signer->remember_macs[0],
                                                        msg.data, msg.len, mac);
    clogin__buf_free(&msg);
    if (st != CLOGIN_OK)
        return st;
    clogin__buf b = {0};
    char hex[2 * 64 + 1];
    clogin__hex(mac, 64, hex);
    clogin__buf_append(&b, id, strlen(id));
    clogin__buf_putc(&b, '|');
    clogin__buf_append(&b, hex, 128);
    return clogin__buf_finish(&b, out, NULL);
}

int clogin__remember_bound_check(const clogin_manager *m, const char *value,
                                 size_t len, const void *user) {
    const char *h = hash_of(m, user);
    size_t bar = len;
    while (bar > 0 && value[bar - 1] != '|')
        bar--;
    if (!h || bar == 0 || len - bar != 128)
        return 0;
    int ok = 0;
    for (size_t k = 0; k < m->auth_keys.count && !ok; k++) {
        char tag[CLOGIN__TAG_LEN + 1];
        if (clogin__keyring_tag(&m->auth_keys, k, h, strlen(h), tag) != CLOGIN_OK)
            return 0;
        char msg_tail[1 + CLOGIN__TAG_LEN + 1];
        msg_tail[0] = '|';
        memcpy(msg_tail + 1, tag, CLOGIN__TAG_LEN + 1);
        for (size_t j = 0; j < m->signer->key_count && !ok; j++) {
            uint8_t mac[CLOGIN__MAX_MAC];
            char hex[2 * 64 + 1];
            if (clogin__mac_compute2(&m->signer->remember_macs[j], value, bar - 1,
                                     msg_tail, 1 + CLOGIN__TAG_LEN, mac) != CLOGIN_OK)
                return 0;
            clogin__hex(mac, 64, hex);
            ok = clogin_ct_equal(hex, value + bar, 128);
        }
    }
    return ok;
}
