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

/* Sextet values of both alphabets, -1 for every other byte. Built from
 * the alphabets at compile time so the two tables cannot disagree. */
#define B64_ROW(c, url)                                                       \
    (int8_t)((c) >= 'A' && (c) <= 'Z'   ? (c) - 'A'                                   \
     : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26                              \
     : (c) >= '0' && (c) <= '9' ? (c) - '0' + 52                              \
     : (c) == ((url) ? '-' : '+') ? 62                                        \
     : (c) == ((url) ? '_' : '/') ? 63                                        \
                                  : -1)
#define B64_4(c, u) B64_ROW(c, u), B64_ROW(c + 1, u), B64_ROW(c + 2, u), B64_ROW(c + 3, u)
#define B64_16(c, u) B64_4(c, u), B64_4(c + 4, u), B64_4(c + 8, u), B64_4(c + 12, u)
#define B64_64(c, u) B64_16(c, u), B64_16(c + 16, u), B64_16(c + 32, u), B64_16(c + 48, u)
#define B64_TABLE(u) {B64_64(0, u), B64_64(64, u), B64_64(128, u), B64_64(192, u)}
static const int8_t url_values[256] = B64_TABLE(1);
static const int8_t std_values[256] = B64_TABLE(0);

/* Decode unpadded text; len % 4 must not be 1. Four characters at a time:
 * an invalid one makes the OR of their values negative. */
static clogin_status decode(int url, const char *text, size_t len,
                            uint8_t *out, size_t *out_len) {
    const int8_t *values = url ? url_values : std_values;
    const unsigned char *t = (const unsigned char *)text;
    if (len % 4 == 1)
        return CLOGIN_EBASE64;
    size_t o = 0, i = 0;
    for (; i + 4 <= len; i += 4) {
        int a = values[t[i]], b = values[t[i + 1]], c = values[t[i + 2]],
            d = values[t[i + 3]];
        if ((a | b | c | d) < 0)
            return CLOGIN_EBASE64;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        out[o++] = (uint8_t)(v >> 16);
        out[o++] = (uint8_t)(v >> 8);
        out[o++] = (uint8_t)v;
    }
    size_t rest = len - i;
    if (rest) { /* 2 or 3 characters: 1 or 2 bytes, unused bits zero */
        int a = values[t[i]], b = values[t[i + 1]], c = rest == 3 ? values[t[i + 2]] : 0;
        if ((a | b | c) < 0)
            return CLOGIN_EBASE64;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
        if (v & (rest == 2 ? 0xFFFFu : 0xFFu))
            return CLOGIN_EBASE64;
        out[o++] = (uint8_t)(v >> 16);
        if (rest == 3)
            out[o++] = (uint8_t)(v >> 8);
    }
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
