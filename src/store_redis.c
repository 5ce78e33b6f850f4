/* Placeholder until the redis store lands. */
#include "store.h"

#include <stdio.h>

clogin_status clogin__store_redis_open(const char *url, int timeout_ms, clogin_store *out, char *err) {
    (void)url; (void)timeout_ms;
    (void)out;
    if (err)
        snprintf(err, CLOGIN_STORE_ERRLEN, "the redis store is not built yet");
    return CLOGIN_ECONFIG;
}
