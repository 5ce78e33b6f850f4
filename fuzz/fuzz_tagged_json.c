/* The session behind the cookie: clogin_session_from_json on arbitrary
 * bytes, then every typed getter on every key (string, bool, int, real,
 * bytes, datetime, uuid, json) and the flashed messages, then a
 * read-modify-write: each value a getter could read is written back
 * through the matching setter, a scratch key is set and removed, and the
 * session must serialize to the very same bytes as before (values clogin
 * cannot interpret stay untouched). Finally to_json, from_json, to_json:
 * the second dump must equal the first. */
#include "fuzz_common.h"

#include <math.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dump(const clogin_session *s, size_t *len) {
    char *out = NULL;
    size_t n = 0;
    CHECK(clogin_session_to_json(s, &out, &n) == CLOGIN_OK);
    CHECK(out && strlen(out) == n); /* escaped: never a raw NUL */
    if (len)
        *len = n;
    return out;
}

/* The single value of {tag: value}, or NULL. */
static json_t *tag_value(json_t *v, const char *tag) {
    if (!json_is_object(v) || json_object_size(v) != 1)
        return NULL;
    return json_object_get(v, tag);
}

static int lower_hex(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* Read key with every getter, check the answers agree with the value's
 * type, and write back what was read. */
static void read_and_write_back(clogin_session *s, const char *key, json_t *v) {
    clogin_status st;
    json_incref(v); /* the setters below replace it in the session */

    /* json: always readable, and reads back as itself */
    char *json = NULL;
    CHECK(clogin_session_get_json(s, key, &json) == CLOGIN_OK && json);
    {
        clogin_session *scratch;
        CHECK(clogin_session_new(&scratch) == CLOGIN_OK);
        /* a value nested 32 deep inside the session is 31 deep by itself */
        CHECK(clogin_session_set_json(scratch, "k", json, strlen(json)) ==
              CLOGIN_OK);
        char *again = NULL;
        CHECK(clogin_session_get_json(scratch, "k", &again) == CLOGIN_OK);
        CHECK(strcmp(json, again) == 0);
        clogin_free(again);
        clogin_session_free(scratch);
    }

    const char *str = NULL;
    size_t len = 0;
    st = clogin_session_get_string(s, key, &str, &len);
    CHECK((st == CLOGIN_OK) == json_is_string(v));
    CHECK(st == CLOGIN_OK || st == CLOGIN_ETYPE);
    if (st == CLOGIN_OK) {
        CHECK(str && str[len] == '\0' && strlen(str) <= len);
        char *copy = malloc(len + 1);
        CHECK(copy);
        memcpy(copy, str, len + 1);
        CHECK(clogin_session_set_string(s, key, copy, len) == CLOGIN_OK);
        free(copy);
    }

    int b = -1;
    st = clogin_session_get_bool(s, key, &b);
    CHECK((st == CLOGIN_OK) == json_is_boolean(v));
    if (st == CLOGIN_OK) {
        CHECK(b == 0 || b == 1);
        CHECK(clogin_session_set_bool(s, key, b) == CLOGIN_OK);
    }

    int64_t i = 0;
    st = clogin_session_get_int(s, key, &i);
    CHECK(st == CLOGIN_OK || st == CLOGIN_ETYPE);
    if (json_is_integer(v)) {
        CHECK(st == CLOGIN_OK && i == json_integer_value(v));
        CHECK(clogin_session_set_int(s, key, i) == CLOGIN_OK);
    } else if (st == CLOGIN_OK) {
        CHECK(json_is_real(v) && (double)i == json_real_value(v));
    }

    double d = 0;
    st = clogin_session_get_real(s, key, &d);
    CHECK((st == CLOGIN_OK) == json_is_number(v));
    if (json_is_real(v)) {
        CHECK(isfinite(d));
        CHECK(clogin_session_set_real(s, key, d) == CLOGIN_OK);
    }

    uint8_t *bytes = NULL;
    size_t blen = 0;
    st = clogin_session_get_bytes(s, key, &bytes, &blen);
    CHECK((st == CLOGIN_OK) == (bytes != NULL));
    if (st == CLOGIN_OK) {
        CHECK(json_is_string(tag_value(v, " b")));
        CHECK(clogin_session_set_bytes(s, key, bytes, blen) == CLOGIN_OK);
        clogin_free(bytes);
    } else {
        CHECK(st == CLOGIN_ETYPE || st == CLOGIN_EBASE64);
    }

    int64_t t = INT64_MIN;
    st = clogin_session_get_datetime(s, key, &t);
    if (st == CLOGIN_OK) {
        CHECK(json_is_string(tag_value(v, " d")));
        CHECK(clogin_session_set_datetime(s, key, t) == CLOGIN_OK);
    } else {
        CHECK(st == CLOGIN_ETYPE || st == CLOGIN_EMALFORMED);
    }

    uint8_t uuid[16];
    st = clogin_session_get_uuid(s, key, uuid);
    if (st == CLOGIN_OK) {
        json_t *hex = tag_value(v, " u");
        CHECK(json_is_string(hex) && json_string_length(hex) == 32);
        /* UUID(hex) also reads upper case; Flask writes .hex, lower */
        if (lower_hex(json_string_value(hex), 32))
            CHECK(clogin_session_set_uuid(s, key, uuid) == CLOGIN_OK);
    } else {
        CHECK(st == CLOGIN_ETYPE || st == CLOGIN_EMALFORMED);
    }

    json_t *markup = tag_value(v, " m");
    if (json_is_string(markup)) {
        size_t ml = json_string_length(markup);
        char *copy = malloc(ml + 1);
        CHECK(copy);
        memcpy(copy, json_string_value(markup), ml + 1);
        CHECK(clogin_session_set_markup(s, key, copy, ml) == CLOGIN_OK);
        free(copy);
    }

    /* any value written back as its own JSON text */
    CHECK(clogin_session_set_json(s, key, json, strlen(json)) == CLOGIN_OK);
    clogin_free(json);
    json_decref(v);
}

/* The flashed messages, read and flashed again in the same order when every
 * entry has the shape flash() writes (and no NUL, which C strings lose). */
static void flashes(clogin_session *s) {
    size_t count = clogin_session_flash_count(s);
    json_t *list = json_object_get(s->root, "_flashes");
    CHECK(count == (json_is_array(list) ? json_array_size(list) : 0));
    const char *cat, *msg;
    CHECK(clogin_session_flash_get(s, count, &cat, &msg) != CLOGIN_OK);
    if (count == 0)
        return;
    char **cats = calloc(count, sizeof *cats),
         **msgs = calloc(count, sizeof *msgs);
    CHECK(cats && msgs);
    int all = 1;
    for (size_t i = 0; i < count; i++) {
        clogin_status st = clogin_session_flash_get(s, i, &cat, &msg);
        if (st != CLOGIN_OK) {
            CHECK(st == CLOGIN_ETYPE);
            all = 0;
            continue;
        }
        json_t *pair = tag_value(json_array_get(list, i), " t");
        CHECK(strcmp(cat, json_string_value(json_array_get(pair, 0))) == 0);
        CHECK(strcmp(msg, json_string_value(json_array_get(pair, 1))) == 0);
        if (strlen(cat) != json_string_length(json_array_get(pair, 0)) ||
            strlen(msg) != json_string_length(json_array_get(pair, 1)))
            all = 0;
        cats[i] = clogin__strdup(cat);
        msgs[i] = clogin__strdup(msg);
        CHECK(cats[i] && msgs[i]);
    }
    if (all) {
        clogin_session_flash_clear(s);
        CHECK(clogin_session_flash_count(s) == 0);
        for (size_t i = 0; i < count; i++)
            CHECK(clogin_session_flash(s, cats[i], msgs[i]) == CLOGIN_OK);
        CHECK(clogin_session_flash_count(s) == count);
    }
    for (size_t i = 0; i < count; i++) {
        free(cats[i]);
        free(msgs[i]);
    }
    free(cats);
    free(msgs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 65536)
        return 0;
    /* exactly size bytes, so ASan sees any read past the end */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    if (size)
        memcpy(text, data, size);
    clogin_session *s;
    clogin_status st = clogin_session_from_json(&s, text, size, 0);
    free(text);
    if (st != CLOGIN_OK) {
        CHECK(st == CLOGIN_EJSON || st == CLOGIN_EUTF8 || st == CLOGIN_EDEPTH);
        return 0;
    }
    CHECK(!clogin_session_modified(s));
    size_t len1;
    char *first = dump(s, &len1);

    /* Keys: every index below the count names a key, in sorted order. A
     * key holding NUL ("a\u0000b") reads as a C string and cannot be
     * addressed by the getters: no write-back for those. */
    size_t count = clogin_session_count(s);
    int nul_keys = 0;
    {
        const char *k;
        size_t kl;
        json_t *v;
        json_object_keylen_foreach(s->root, k, kl, v) {
            if (strlen(k) != kl)
                nul_keys++;
        }
    }
    const char *prev = NULL;
    for (size_t i = 0; i < count; i++) {
        const char *key = clogin_session_key(s, i);
        CHECK(key != NULL);
        CHECK(prev == NULL || strcmp(prev, key) <= 0);
        CHECK(nul_keys || prev == NULL || strcmp(prev, key) < 0);
        prev = key;
    }
    CHECK(clogin_session_key(s, count) == NULL);

    char **keys = calloc(count + 1, sizeof *keys);
    CHECK(keys);
    for (size_t i = 0; i < count; i++) {
        keys[i] = clogin__strdup(clogin_session_key(s, i));
        CHECK(keys[i]);
    }
    for (size_t i = 0; i < count && !nul_keys; i++) {
        json_t *v = json_object_get(s->root, keys[i]);
        CHECK(v != NULL && clogin_session_has(s, keys[i]));
        read_and_write_back(s, keys[i], v);
    }
    if (!nul_keys) {
        flashes(s);
        const char scratch[] = "\x7f fuzz scratch \xf0\x9f\x94\x91";
        if (!clogin_session_has(s, scratch)) {
            CHECK(clogin_session_set_int(s, scratch, 1) == CLOGIN_OK);
            CHECK(clogin_session_count(s) == count + 1);
            CHECK(clogin_session_remove(s, scratch) == CLOGIN_OK);
        }
        CHECK(clogin_session_remove(s, scratch) == CLOGIN_ENOTFOUND);
        CHECK(clogin_session_count(s) == count);
    }
    for (size_t i = 0; i < count; i++)
        free(keys[i]);
    free(keys);

    size_t len2;
    char *second = dump(s, &len2);
    if (len1 != len2 || memcmp(first, second, len1) != 0) {
        fprintf(stderr, "read-modify-write changed the session:\n%s\n%s\n",
                first, second);
        abort();
    }
    clogin_free(second);
    clogin_session_free(s);

    /* the dump parses back to the same dump */
    CHECK(clogin_session_from_json(&s, first, len1, 0) == CLOGIN_OK);
    char *third = dump(s, NULL);
    CHECK(strcmp(first, third) == 0);
    clogin_free(third);
    clogin_session_free(s);
    clogin_free(first);
    return 0;
}
