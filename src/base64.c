/* base64url without padding (itsdangerous) and standard base64 with padding
 * (Flask's " b" tag). Decoding is strict: the only accepted text is what an
 * encoder produces, so one value has exactly one spelling. */
#include "internal.h"

static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t encode(const char *alphabet, int pad, const uint8_t *in,
                     size_t len, char *out) {
    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    size_t rest = len - i;
    if (rest) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (rest == 2)
            v |= (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        if (rest == 2)
            out[o++] = alphabet[(v >> 6) & 63];
        if (pad) {
            if (rest == 1)
                out[o++] = '=';
            out[o++] = '=';
        }
    }
    out[o] = '\0';
    return o;
}

static int value_of(char c, int url) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

/* Decode unpadded text; len % 4 must not be 1. */
static clogin_status decode(int url, const char *text, size_t len,
                            uint8_t *out, size_t *out_len) {
    if (len % 4 == 1)
        return CLOGIN_EBASE64;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = value_of(text[i], url);
        if (v < 0)
            return CLOGIN_EBASE64;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) /* unused trailing bits must be zero */
        return CLOGIN_EBASE64;
    *out_len = o;
    return CLOGIN_OK;
}

size_t clogin_b64url_encode(const void *data, size_t len, char *out) {
    return encode(url_alphabet, 0, data, len, out);
}

clogin_status clogin_b64url_decode(const char *text, size_t len, uint8_t *out,
                                   size_t *out_len) {
    if ((!text && len) || !out_len || (!out && len))
        return CLOGIN_EINVAL;
    return decode(1, text, len, out, out_len);
}

size_t clogin__b64std_encode(const void *data, size_t len, char *out) {
    return encode(std_alphabet, 1, data, len, out);
}

clogin_status clogin__b64std_decode(const char *text, size_t len, uint8_t *out,
                                    size_t *out_len) {
    if (len % 4 != 0)
        return CLOGIN_EBASE64;
    size_t pad = 0;
    while (pad < 2 && len > pad && text[len - 1 - pad] == '=')
        pad++;
    return decode(0, text, len - pad, out, out_len);
}
