/* The remember cookie decoder on arbitrary bytes; an accepted value must
 * be exactly what the encoder writes for the id it names. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    clogin_signer *signer = fuzz_signer();
    char *id, *again;
    size_t id_len, again_len;
    int key;
    if (clogin_remember_decode(signer, (const char *)data, size, &id, &id_len, &key) !=
        CLOGIN_OK)
        return 0;
    if (key == 0) {
        if (clogin_remember_encode(signer, id, id_len, &again, &again_len) != CLOGIN_OK ||
            again_len != size || memcmp(again, data, size) != 0)
            abort();
        clogin_free(again);
    }
    clogin_free(id);
    return 0;
}
