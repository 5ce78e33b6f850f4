/* What clogin asks of the application: how to question a user (the user
 * class), and how to find one from a cookie's id (the user loader) or from
 * the request itself (the request loader: API keys). */
#include "app.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int user_is_active(void *ctx, const void *user) {
    (void)ctx;
    return ((const demo_user *)user)->active;
}

/* The cookies carry the alternative id, never the row id: it changes with
 * the password, which is how a password change ends the other sessions. */
static const char *user_get_id(void *ctx, const void *user) {
    (void)ctx;
    return ((const demo_user *)user)->alt_id;
}

/* The session auth hash: the stored Argon2id string. clogin keeps only an
 * HMAC of it in the session (and binds the remember cookie to it), so a
 * new password ends every login made under the old one, with cookie
 * sessions as with a store. */
static const char *user_auth_hash(void *ctx, const void *user) {
    (void)ctx;
    return ((const demo_user *)user)->password_hash;
}

static void user_release(void *ctx, void *user) {
    (void)ctx;
    users_free(user);
}

/* is_authenticated and is_anonymous stay NULL: UserMixin's answers, so an
 * inactive user is never authenticated. */
const clogin_user_class demo_user_class = {
    .is_active = user_is_active,
    .get_id = user_get_id,
    .release = user_release,
    .get_auth_hash = user_auth_hash,
};

/* A failing database is not "no such user": clogin then logs it and keeps
 * the session. */
#define DEMO_EDB CLOGIN_EUNAVAILABLE

clogin_status demo_load_user(void *ctx, const char *user_id, void **user) {
    demo_user *u;
    if (users_by_alt_id(ctx, user_id, &u) != 0)
        return DEMO_EDB;
    *user = u;
    return CLOGIN_OK;
}

/* "Authorization: Basic base64(KEY)", strictly: the padded standard
 * alphabet and nothing else; a key with a NUL byte is no key. Returns a
 * malloc'd NUL-terminated key, or NULL. */
static char *basic_key(const char *header, size_t *len) {
    if (!header || strncasecmp(header, "Basic ", 6) != 0)
        return NULL;
    const char *b64 = header + 6;
    size_t b64_len = strlen(b64);
    char *key = malloc(b64_len / 4 * 3 + 1);
    const char *end;
    if (!key || b64_len == 0 ||
        sodium_base642bin((unsigned char *)key, b64_len / 4 * 3, b64, b64_len, NULL, len,
                          &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != b64 + b64_len || *len == 0 || memchr(key, '\0', *len)) {
        free(key);
        return NULL;
    }
    key[*len] = '\0';
    return key;
}

/* Flask-Login's request_loader example: ?api_key=KEY, else the
 * Authorization header. A user found this way is not stored in the
 * session, so API responses carry no cookie. */
clogin_status demo_load_from_request(void *ctx, clogin_request *r, void **user) {
    demo_user *u = NULL;
    char *key = NULL;
    size_t len;
    if (clogin_request_arg(r, "api_key", &key, &len) == CLOGIN_OK) {
        int rc = users_by_api_key(ctx, key, len, &u);
        clogin_free(key);
        if (rc != 0)
            return DEMO_EDB;
    }
    if (!u && (key = basic_key(clogin_request_header(r, "Authorization"), &len))) {
        int rc = users_by_api_key(ctx, key, len, &u);
        free(key);
        if (rc != 0)
            return DEMO_EDB;
    }
    *user = u;
    return CLOGIN_OK;
}
