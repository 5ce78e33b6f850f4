/* Flask's session cookie: itsdangerous URLSafeTimedSerializer over Flask's
 * tagged JSON. Value: [.]PAYLOAD.TIMESTAMP.SIGNATURE (see DESIGN.md).
 *
 * Decoding checks in itsdangerous's order (signature, then age, then
 * payload), so nothing about an unsigned payload is ever parsed or
 * reported. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_TIMESTAMP_BYTES 8

static size_t timestamp_bytes(uint64_t ts, uint8_t out[MAX_TIMESTAMP_BYTES]) {
    size_t n = 0;
    for (uint64_t t = ts; t; t >>= 8)
        n++;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(ts >> (8 * (n - 1 - i)));
    return n;
}

clogin_status clogin_session_cookie_encode(const clogin_signer *signer,
                                           const clogin_session *session,
                                           int64_t now, char **out,
                                           size_t *out_len) {
    if (!signer || !session || !out || now <= 0)
        return CLOGIN_EINVAL;
    *out = NULL;
    /* Nothing is signed that the decoder would refuse: a session nested
     * deeper than it reads, or one that inflates past its limit. */
    if (!clogin__json_depth_ok(session->root, signer->max_json_depth))
        return CLOGIN_EDEPTH;
    clogin__buf json = {0};
    clogin__json_dump(session->root, &json);
    if (json.failed) {
        clogin__buf_free(&json);
        return CLOGIN_ENOMEM;
    }
    if (json.len > signer->max_decompressed_size) {
        clogin__buf_free(&json);
        return CLOGIN_ETOOLARGE;
    }

    /* itsdangerous compresses when that saves more than the '.' marker;
     * output that would not be shorter need not be finished. */
    const uint8_t *payload = (const uint8_t *)json.data;
    size_t payload_len = json.len;
    uint8_t *z = json.len > 1 ? malloc(json.len - 1) : NULL;
    size_t zlen = 0;
    int compressed = 0;
    if (json.len > 1 && !z) {
        clogin__buf_free(&json);
        return CLOGIN_ENOMEM;
    }
    if (z) {
        clogin_status zst = clogin__compress(json.data, json.len, z, json.len - 1, &zlen);
        if (zst == CLOGIN_ENOMEM) {
            free(z);
            clogin__buf_free(&json);
            return zst;
        }
        if (zst == CLOGIN_OK && zlen < json.len - 1) {
            payload = z;
            payload_len = zlen;
            compressed = 1;
        }
    }

    uint8_t ts[MAX_TIMESTAMP_BYTES];
    size_t ts_len = timestamp_bytes((uint64_t)now, ts);
    size_t total = (size_t)compressed + CLOGIN_B64URL_LEN(payload_len) + 1 +
                   CLOGIN_B64URL_LEN(ts_len) + 1 +
                   CLOGIN_B64URL_LEN(signer->sig_len);
    clogin_status st = CLOGIN_OK;
    char *value = malloc(total + 1);
    if (!value) {
        st = CLOGIN_ENOMEM;
        goto done;
    }
    size_t n = 0;
    if (compressed)
        value[n++] = '.';
    n += clogin_b64url_encode(payload, payload_len, value + n);
    value[n++] = '.';
    n += clogin_b64url_encode(ts, ts_len, value + n);
    uint8_t sig[CLOGIN__MAX_MAC];
    st = clogin__mac_compute(&signer->session_macs[0], value, n, sig);
    if (st != CLOGIN_OK)
        goto done;
    value[n++] = '.';
    n += clogin_b64url_encode(sig, signer->sig_len, value + n);
    /* Never hand out a cookie that clogin itself would refuse to read. */
    if (n > signer->max_cookie_size) {
        st = CLOGIN_ETOOLARGE;
        goto done;
    }
    *out = value;
    value = NULL;
    if (out_len)
        *out_len = n;
done:
    free(value);
    free(z);
    clogin__buf_free(&json);
    return st;
}

static const char *find_last_dot(const char *s, size_t len) {
    while (len--)
        if (s[len] == '.')
            return s + len;
    return NULL;
}

clogin_status clogin_session_cookie_decode(const clogin_signer *signer,
                                           const char *value, size_t len,
                                           int64_t now, clogin_session **out,
                                           clogin_cookie_info *info) {
    if (!signer || !out || (!value && len))
        return CLOGIN_EINVAL;
    *out = NULL;
    if (len > signer->max_cookie_size)
        return CLOGIN_ETOOLARGE;
    const char *sig_dot = find_last_dot(value, len);
    if (!sig_dot)
        return CLOGIN_EMALFORMED;
    size_t signed_len = (size_t)(sig_dot - value);
    const char *ts_dot = find_last_dot(value, signed_len);
    if (!ts_dot)
        return CLOGIN_EMALFORMED;

    /* 1. Signature over "PAYLOAD.TIMESTAMP", as sent. */
    const char *sig_text = sig_dot + 1;
    size_t sig_text_len = len - signed_len - 1;
    if (sig_text_len != CLOGIN_B64URL_LEN(signer->sig_len))
        return CLOGIN_EBADSIG;
    uint8_t sig[CLOGIN__MAX_MAC + 3], expect[CLOGIN__MAX_MAC];
    size_t sig_len;
    if (clogin_b64url_decode(sig_text, sig_text_len, sig, &sig_len) != CLOGIN_OK)
        return CLOGIN_EBASE64;
    int key_index = -1;
    for (size_t k = 0; k < signer->key_count && key_index < 0; k++) {
        clogin_status st =
            clogin__mac_compute(&signer->session_macs[k], value, signed_len, expect);
        if (st != CLOGIN_OK)
            return st;
        if (clogin_ct_equal(sig, expect, signer->sig_len))
            key_index = (int)k;
    }
    if (key_index < 0)
        return CLOGIN_EBADSIG;

    /* 2. Timestamp: big-endian, no leading zero byte, not in the future. */
    const char *ts_text = ts_dot + 1;
    size_t ts_text_len = signed_len - (size_t)(ts_dot - value) - 1;
    uint8_t ts_bytes[MAX_TIMESTAMP_BYTES + 3];
    size_t ts_len;
    if (ts_text_len == 0 || ts_text_len > CLOGIN_B64URL_LEN(MAX_TIMESTAMP_BYTES))
        return CLOGIN_ETIMESTAMP;
    if (clogin_b64url_decode(ts_text, ts_text_len, ts_bytes, &ts_len) != CLOGIN_OK)
        return CLOGIN_EBASE64;
    if (ts_len == 0 || ts_len > MAX_TIMESTAMP_BYTES || ts_bytes[0] == 0)
        return CLOGIN_ETIMESTAMP;
    uint64_t ts = 0;
    for (size_t i = 0; i < ts_len; i++)
        ts = ts << 8 | ts_bytes[i];
    if (ts > (uint64_t)INT64_MAX)
        return CLOGIN_ETIMESTAMP;
    if ((int64_t)ts > now)
        return CLOGIN_EFUTURE;
    if (signer->max_age >= 0 && now - (int64_t)ts > signer->max_age)
        return CLOGIN_EEXPIRED;

    /* 3. Payload: base64, maybe zlib, then JSON. */
    const char *payload = value;
    size_t payload_len = (size_t)(ts_dot - value);
    int compressed = payload_len > 0 && payload[0] == '.';
    if (compressed)
        payload++, payload_len--;
    uint8_t *raw = malloc(payload_len / 4 * 3 + 3);
    if (!raw)
        return CLOGIN_ENOMEM;
    size_t raw_len;
    clogin_status st = clogin_b64url_decode(payload, payload_len, raw, &raw_len);
    char *json = (char *)raw;
    size_t json_len = raw_len;
    if (st == CLOGIN_OK && compressed) {
        st = clogin__decompress(raw, raw_len, signer->max_decompressed_size, &json,
                                &json_len);
        free(raw);
        raw = NULL;
    } else if (st == CLOGIN_OK && raw_len > signer->max_decompressed_size) {
        st = CLOGIN_ETOOLARGE;
    }
    if (st != CLOGIN_OK) {
        free(raw);
        return st;
    }
    json_t *root;
    st = clogin__json_parse(json, json_len, signer->max_json_depth, 0, &root);
    free(json);
    if (st != CLOGIN_OK)
        return st;
    st = clogin__session_wrap(root, out);
    if (st == CLOGIN_OK && info) {
        info->timestamp = (int64_t)ts;
        info->key_index = key_index;
        info->compressed = compressed;
    }
    return st;
}
