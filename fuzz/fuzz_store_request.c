/* A whole request under a server-side store (memory), its Cookie header
 * taken from the input: session ids and remember tokens that do not
 * verify must leave the request anonymous, touch nothing stored, and
 * never crash. The first request of the run plants a real login, and the
 * seeds carry its cookies, so mutations start from valid tokens. */
#include "fuzz_common.h"
#include "manager.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *get_id(void *ctx, const void *user) {
    (void)ctx;
    return user;
}
static clogin_status load(void *ctx, const char *id, void **user) {
    (void)ctx;
    *user = strcmp(id, "42") == 0 ? (void *)"42" : NULL;
    return CLOGIN_OK;
}
static const clogin_user_class users = {.get_id = get_id};

typedef struct input {
    const char *cookie;
} input;

static const char *header(void *ctx, const char *name) {
    const input *in = ctx;
    return strcmp(name, "Cookie") == 0 ? in->cookie : NULL;
}
static int ignore(void *ctx, const char *name, const char *value) {
    (void)ctx;
    (void)name;
    (void)value;
    return 0;
}

static clogin_manager *manager(void) {
    static clogin_manager *m;
    if (m)
        return m;
    if (clogin_manager_new(&m) != CLOGIN_OK ||
        clogin_manager_set(m, "SECRET_KEY", FUZZ_SECRET) != CLOGIN_OK ||
        clogin_manager_set(m, "SESSION_STORE", "memory") != CLOGIN_OK ||
        clogin_manager_set_user_class(m, &users, NULL) != CLOGIN_OK ||
        clogin_manager_set_user_loader(m, load, NULL) != CLOGIN_OK ||
        clogin_manager_start(m) != CLOGIN_OK)
        abort();
    /* user 42's session id and remember token, the seeds' values */
    static const char sid[] = "c2Vzc2lvbi1mb3ItdGhlLWZ1enplci0wMDAwMDAwMDA";
    static const char rid[] = "cmVtZW1iZXItZm9yLXRoZS1mdXp6ZXItMDAwMDAwMDA";
    clogin_store_record s = {CLOGIN_STORE_SESSION, "42", "{\"_user_id\":\"42\",\"_fresh\":true}",
                             30, FUZZ_NOW, FUZZ_NOW, FUZZ_NOW + 86400, "", ""};
    clogin_store_record t = {CLOGIN_STORE_REMEMBER, "42", "", 0, FUZZ_NOW, FUZZ_NOW,
                             FUZZ_NOW + 86400, "", ""};
    if (m->store.ops->save(m->store.self, sid, &s) != CLOGIN_OK ||
        m->store.ops->save(m->store.self, rid, &t) != CLOGIN_OK)
        abort();
    return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    clogin_manager *m = manager();
    char *cookie = clogin__strndup((const char *)data, size);
    if (!cookie || strlen(cookie) != size) { /* a header holds no NUL */
        free(cookie);
        return 0;
    }
    input in = {cookie};
    clogin_request_info info = {"GET", "http", "fuzz", "/", "192.0.2.1", header, &in,
                                FUZZ_NOW + 1};
    clogin_request *r;
    if (clogin_request_begin(m, &info, &r) != CLOGIN_OK)
        abort();
    const char *id = clogin_current_user_id(r);
    if (id && strcmp(id, "42") != 0)
        abort();
    clogin_request_finish(r, ignore, NULL);
    clogin_request_free(r);
    free(cookie);
    return 0;
}
