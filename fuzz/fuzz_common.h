/* Shared by the fuzz targets: one signer for the whole run, made from the
 * key the seed corpora were minted with (by Flask, see gen-seeds.py). */
#ifndef CLOGIN_FUZZ_COMMON_H
#define CLOGIN_FUZZ_COMMON_H

#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A property the target checks: abort (a crash for libFuzzer) with where. */
#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
            abort();                                                           \
        }                                                                      \
    } while (0)

#define FUZZ_SECRET "fuzz-secret"
#define FUZZ_NOW 1764366010 /* just after the seeds' timestamp */

static inline __attribute__((unused)) clogin_signer *fuzz_signer(void) {
    static clogin_signer *signer;
    if (!signer) {
        clogin_key fallback = {"old-fuzz-secret", 15};
        clogin_signer_options o = {0};
        o.secret_key.data = FUZZ_SECRET;
        o.secret_key.len = strlen(FUZZ_SECRET);
        o.fallback_keys = &fallback;
        o.fallback_key_count = 1;
        if (clogin_signer_new(&signer, &o) != CLOGIN_OK)
            abort();
    }
    return signer;
}

#endif
