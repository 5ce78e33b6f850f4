/* Flask's tagged values (flask/json/tag.py) and flashed messages. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* The value of a single-key tagged object {tag: value}, or NULL. */
static json_t *tagged(const json_t *value, const char *tag) {
    if (!json_is_object(value) || json_object_size(value) != 1)
        return NULL;
    return json_object_get(value, tag);
}

static json_t *make_tagged(const char *tag, json_t *inner) {
    if (!inner)
        return NULL;
    json_t *obj = json_object();
    if (!obj || json_object_set_new_nocheck(obj, tag, inner) != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* The string inside {tag: "..."} stored under key. */
static clogin_status get_tagged_string(const clogin_session *s, const char *key,
                                       const char *tag, const char **str,
                                       size_t *len) {
    if (!s || !key)
        return CLOGIN_EINVAL;
    json_t *v = json_object_get(s->root, key);
    if (!v)
        return CLOGIN_ENOTFOUND;
    json_t *inner = tagged(v, tag);
    if (!json_is_string(inner))
        return CLOGIN_ETYPE;
    *str = json_string_value(inner);
    *len = json_string_length(inner);
    return CLOGIN_OK;
}

clogin_status clogin_session_get_bytes(const clogin_session *s, const char *key,
                                       uint8_t **data, size_t *len) {
    if (!data || !len)
        return CLOGIN_EINVAL;
    *data = NULL;
    const char *text;
    size_t text_len;
    clogin_status st = get_tagged_string(s, key, " b", &text, &text_len);
    if (st != CLOGIN_OK)
        return st;
    uint8_t *buf = malloc(text_len / 4 * 3 + 1);
    if (!buf)
        return CLOGIN_ENOMEM;
    st = clogin__b64std_decode(text, text_len, buf, len);
    if (st != CLOGIN_OK) {
        free(buf);
        return st;
    }
    *data = buf;
    return CLOGIN_OK;
}

clogin_status clogin_session_set_bytes(clogin_session *s, const char *key,
                                       const void *data, size_t len) {
    if (!data && len)
        return CLOGIN_EINVAL;
    if (len > SIZE_MAX / 2)
        return CLOGIN_ENOMEM;
    char *text = malloc((len + 2) / 3 * 4 + 1);
    if (!text)
        return CLOGIN_ENOMEM;
    size_t n = clogin__b64std_encode(data, len, text);
    json_t *v = make_tagged(" b", json_stringn_nocheck(text, n));
    free(text);
    return clogin__session_put(s, key, v);
}

clogin_status clogin_session_get_datetime(const clogin_session *s,
                                          const char *key,
                                          int64_t *epoch_seconds) {
    if (!epoch_seconds)
        return CLOGIN_EINVAL;
    const char *text;
    size_t len;
    clogin_status st = get_tagged_string(s, key, " d", &text, &len);
    if (st != CLOGIN_OK)
        return st;
    return clogin_http_date_parse(text, len, epoch_seconds);
}

clogin_status clogin_session_set_datetime(clogin_session *s, const char *key,
                                          int64_t epoch_seconds) {
    char date[CLOGIN_HTTP_DATE_LEN + 1];
    clogin_status st = clogin_http_date_format(epoch_seconds, date);
    if (st != CLOGIN_OK)
        return st;
    return clogin__session_put(s, key, make_tagged(" d", json_string_nocheck(date)));
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

clogin_status clogin_session_get_uuid(const clogin_session *s, const char *key,
                                      uint8_t uuid[16]) {
    if (!uuid)
        return CLOGIN_EINVAL;
    const char *text;
    size_t len;
    clogin_status st = get_tagged_string(s, key, " u", &text, &len);
    if (st != CLOGIN_OK)
        return st;
    if (len != 32)
        return CLOGIN_EMALFORMED;
    for (size_t i = 0; i < 16; i++) {
        int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return CLOGIN_EMALFORMED;
        uuid[i] = (uint8_t)(hi << 4 | lo);
    }
    return CLOGIN_OK;
}

clogin_status clogin_session_set_uuid(clogin_session *s, const char *key,
                                      const uint8_t uuid[16]) {
    if (!uuid)
        return CLOGIN_EINVAL;
    char hex[33];
    clogin__hex(uuid, 16, hex); /* UUID.hex: 32 lowercase digits */
    return clogin__session_put(s, key, make_tagged(" u", json_string_nocheck(hex)));
}

clogin_status clogin_session_set_markup(clogin_session *s, const char *key,
                                        const char *html, size_t len) {
    if (!html && len)
        return CLOGIN_EINVAL;
    if (!clogin__utf8_valid(html ? html : "", len))
        return CLOGIN_EUTF8;
    return clogin__session_put(
        s, key, make_tagged(" m", json_stringn_nocheck(html ? html : "", len)));
}

/* ---- flashed messages: "_flashes": [{" t": [category, message]}, ...] ---- */

#define FLASHES "_flashes"

clogin_status clogin_session_flash(clogin_session *s, const char *category,
                                   const char *message) {
    if (!s || !category || !message)
        return CLOGIN_EINVAL;
    if (!clogin__utf8_valid(category, strlen(category)) ||
        !clogin__utf8_valid(message, strlen(message)))
        return CLOGIN_EUTF8;
    if (clogin__session_writable(s) != CLOGIN_OK)
        return CLOGIN_ENOMEM;
    json_t *list = json_object_get(s->root, FLASHES);
    if (list && !json_is_array(list))
        return CLOGIN_ETYPE;
    json_t *pair = json_pack("[ss]", category, message);
    json_t *entry = make_tagged(" t", pair);
    if (!entry)
        return CLOGIN_ENOMEM;
    if (!list) {
        list = json_array();
        if (!list || json_object_set_new_nocheck(s->root, FLASHES, list) != 0) {
            json_decref(entry);
            return CLOGIN_ENOMEM;
        }
    }
    if (json_array_append_new(list, entry) != 0)
        return CLOGIN_ENOMEM;
    s->modified = 1;
    return CLOGIN_OK;
}

size_t clogin_session_flash_count(const clogin_session *s) {
    if (!s)
        return 0;
    json_t *list = json_object_get(s->root, FLASHES);
    return json_is_array(list) ? json_array_size(list) : 0;
}

clogin_status clogin_session_flash_get(const clogin_session *s, size_t index,
                                       const char **category,
                                       const char **message) {
    if (!s)
        return CLOGIN_EINVAL;
    json_t *list = json_object_get(s->root, FLASHES);
    if (!list)
        return CLOGIN_ENOTFOUND;
    if (!json_is_array(list))
        return CLOGIN_ETYPE;
    if (index >= json_array_size(list))
        return CLOGIN_ENOTFOUND;
    const char *cat, *msg;
    if (!clogin__flash_entry(json_array_get(list, index), &cat, &msg))
        return CLOGIN_ETYPE;
    if (category)
        *category = cat;
    if (message)
        *message = msg;
    return CLOGIN_OK;
}

int clogin__flash_entry(const json_t *entry, const char **category,
                        const char **message) {
    json_t *pair = tagged(entry, " t");
    json_t *cat = json_array_get(pair, 0), *msg = json_array_get(pair, 1);
    if (json_array_size(pair) != 2 || !json_is_string(cat) || !json_is_string(msg))
        return 0;
    *category = json_string_value(cat);
    *message = json_string_value(msg);
    return 1;
}

void clogin_session_flash_clear(clogin_session *s) {
    clogin_session_remove(s, FLASHES);
}
