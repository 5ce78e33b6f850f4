/* Placeholder until the sqlite store lands. */
#include "store.h"

#include <stdio.h>

clogin_status clogin__store_sqlite_open(const char *path, int timeout_ms, clogin_store *out, char *err) {
    (void)path; (void)timeout_ms;
    (void)out;
    if (err)
        snprintf(err, CLOGIN_STORE_ERRLEN, "the sqlite store is not built yet");
    return CLOGIN_ECONFIG;
}
