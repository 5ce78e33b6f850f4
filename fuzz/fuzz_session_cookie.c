/* The signed session cookie decoder on arbitrary bytes; whatever decodes
 * must re-encode and decode back to the same JSON. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    clogin_signer *signer = fuzz_signer();
    clogin_session *s;
    clogin_cookie_info info;
    if (clogin_session_cookie_decode(signer, (const char *)data, size, FUZZ_NOW,
                                     &s, &info) != CLOGIN_OK)
        return 0;
    char *json, *cookie, *json2;
    size_t len;
    if (clogin_session_to_json(s, &json, NULL) != CLOGIN_OK)
        abort();
    clogin_status st = clogin_session_cookie_encode(signer, s, info.timestamp, &cookie, &len);
    clogin_session_free(s);
    if (st == CLOGIN_OK) {
        if (clogin_session_cookie_decode(signer, cookie, len, FUZZ_NOW, &s, NULL) != CLOGIN_OK ||
            clogin_session_to_json(s, &json2, NULL) != CLOGIN_OK)
            abort();
        if (strcmp(json, json2) != 0)
            abort();
        clogin_free(json2);
        clogin_session_free(s);
        clogin_free(cookie);
    } else if (st != CLOGIN_ETOOLARGE) {
        abort();
    }
    clogin_free(json);
    return 0;
}
