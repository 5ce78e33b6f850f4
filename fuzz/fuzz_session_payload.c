/* Everything behind the signature: the input is signed as a payload (the
 * first byte chooses zlib or not), so inflate limits, UTF-8 and JSON
 * parsing, depth limits and the Python-compatible serializer all see
 * arbitrary bytes. A payload that parses must serialize to JSON that parses
 * back to the same serialization. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 3000)
        return 0;
    clogin_signer *signer = fuzz_signer();
    int compressed = data[0] & 1;
    data++, size--;
    char *cookie = malloc(CLOGIN_B64URL_LEN(size) + 64);
    size_t n = 0;
    if (compressed)
        cookie[n++] = '.';
    n += clogin_b64url_encode(data, size, cookie + n);
    n += (size_t)sprintf(cookie + n, ".aSoWug"); /* FUZZ_NOW */
    uint8_t mac[CLOGIN__MAX_MAC];
    if (clogin__mac_compute(&signer->session_macs[0], cookie, n, mac) != CLOGIN_OK)
        abort();
    cookie[n++] = '.';
    n += clogin_b64url_encode(mac, signer->sig_len, cookie + n);

    clogin_session *s;
    clogin_status st = clogin_session_cookie_decode(signer, cookie, n, FUZZ_NOW, &s, NULL);
    free(cookie);
    if (st != CLOGIN_OK)
        return 0;
    char *json, *json2;
    size_t len;
    if (clogin_session_to_json(s, &json, &len) != CLOGIN_OK)
        abort();
    clogin_session_free(s);
    if (clogin_session_from_json(&s, json, len, 0) != CLOGIN_OK ||
        clogin_session_to_json(s, &json2, NULL) != CLOGIN_OK || strcmp(json, json2) != 0)
        abort();
    clogin_free(json);
    clogin_free(json2);
    clogin_session_free(s);
    return 0;
}
