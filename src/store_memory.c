/* Placeholder until the memory store lands. */
#include "store.h"

#include <stdio.h>

clogin_status clogin__store_memory_open(size_t max_entries, clogin_store *out, char *err) {
    (void)max_entries;
    (void)out;
    if (err)
        snprintf(err, CLOGIN_STORE_ERRLEN, "the memory store is not built yet");
    return CLOGIN_ECONFIG;
}
