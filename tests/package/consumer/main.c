/* Links against an installed clogin and checks calls from each of its
 * dependencies (OpenSSL, zlib, jansson, libm), so a static link that misses
 * one fails here. Exit status 0 on success. */
#include <clogin.h>

#include <stdio.h>
#include <string.h>

int main(void) {
    int failures = 0;

    const char *version = clogin_version();
    if (version == NULL || strcmp(version, CLOGIN_VERSION_STRING) != 0) {
        fprintf(stderr, "clogin_version() = \"%s\", header says \"%s\"\n",
                version ? version : "(null)", CLOGIN_VERSION_STRING);
        failures++;
    }

    const char *message = clogin_strerror(CLOGIN_EBADSIG);
    const char *ok_message = clogin_strerror(CLOGIN_OK);
    if (message == NULL || message[0] == '\0') {
        fprintf(stderr, "clogin_strerror(CLOGIN_EBADSIG) is empty\n");
        failures++;
    } else if (ok_message != NULL && strcmp(message, ok_message) == 0) {
        fprintf(stderr,
                "clogin_strerror(CLOGIN_EBADSIG) is the same as "
                "for CLOGIN_OK: \"%s\"\n",
                message);
        failures++;
    }

    /* Sign and verify a session: HMAC (OpenSSL), JSON (jansson), a real
     * read back as an integer (libm); zlib compresses the repeated id. */
    static const char key[] = "consumer-secret";
    clogin_signer_options o = {0};
    o.secret_key.data = key;
    o.secret_key.len = strlen(key);
    clogin_signer *signer = NULL;
    clogin_session *s = NULL, *back = NULL;
    char *cookie = NULL;
    int64_t seconds = 0;
    if (clogin_signer_new(&signer, &o) != CLOGIN_OK ||
        clogin_session_new(&s) != CLOGIN_OK ||
        clogin_session_set_real(s, "_remember_seconds", 3600.0) != CLOGIN_OK ||
        clogin_session_set_string(s, "_id", "abababababababababababababababab", 32) != CLOGIN_OK ||
        clogin_session_cookie_encode(signer, s, 1764366000, &cookie, NULL) != CLOGIN_OK ||
        cookie[0] != '.' ||
        clogin_session_cookie_decode(signer, cookie, strlen(cookie), 1764366000, &back,
                                     NULL) != CLOGIN_OK ||
        clogin_session_get_int(back, "_remember_seconds", &seconds) != CLOGIN_OK ||
        seconds != 3600) {
        fprintf(stderr, "signing and verifying a session cookie failed\n");
        failures++;
    }
    clogin_free(cookie);
    clogin_session_free(s);
    clogin_session_free(back);
    clogin_signer_free(signer);

    if (failures != 0)
        return 1;
    printf("clogin %s: CLOGIN_EBADSIG: %s\n", version, message);
    return 0;
}
