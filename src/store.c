/* SESSION_STORE's syntax, and the built-in store it names. */
#include "store.h"

#include <stdio.h>
#include <string.h>

#define say(err, ...) ((err) ? (void)snprintf((err), CLOGIN_STORE_ERRLEN, __VA_ARGS__) : (void)0)

clogin_status clogin_store_open(const char *spec, const clogin_store_options *opts,
                                clogin_store *out, char *err) {
    static const clogin_store_options defaults = CLOGIN_STORE_OPTIONS_INIT;
    if (err)
        err[0] = '\0';
    if (!spec || !out)
        return CLOGIN_EINVAL;
    out->ops = NULL;
    out->self = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->timeout_ms <= 0 || opts->max_entries == 0) {
        say(err, "the store's timeout and size limit must be positive");
        return CLOGIN_ECONFIG;
    }
    if (strcmp(spec, "memory") == 0)
        return clogin__store_memory_open(opts->max_entries, out, err);
    if (strncmp(spec, "sqlite:", 7) == 0) {
        if (!spec[7]) {
            say(err, "\"%s\" names no database file: use sqlite:PATH", spec);
            return CLOGIN_ECONFIG;
        }
        return clogin__store_sqlite_open(spec + 7, opts->timeout_ms, out, err);
    }
    if (strncmp(spec, "redis://", 8) == 0)
        return clogin__store_redis_open(spec, opts->timeout_ms, out, err);
    say(err, "unknown session store \"%.100s\": use cookie, memory, sqlite:PATH "
             "or redis://HOST:PORT/DB", spec);
    return CLOGIN_ECONFIG;
}

void clogin_store_close(clogin_store *store) {
    if (!store)
        return;
    if (store->ops && store->ops->close)
        store->ops->close(store->self);
    store->ops = NULL;
    store->self = NULL;
}
