/* The session: a JSON object in Flask's wire form, with typed accessors. */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

clogin_status clogin__session_wrap(json_t *root, clogin_session **out) {
    clogin_session *s = malloc(sizeof *s);
    if (!s) {
        json_decref(root);
        return CLOGIN_ENOMEM;
    }
    s->root = root;
    s->modified = 0;
    s->shared = 0;
    *out = s;
    return CLOGIN_OK;
}

clogin_status clogin__session_writable(clogin_session *s) {
    if (!s->shared)
        return CLOGIN_OK;
    json_t *copy = json_deep_copy(s->root);
    if (!copy)
        return CLOGIN_ENOMEM;
    json_decref(s->root);
    s->root = copy;
    s->shared = 0;
    return CLOGIN_OK;
}

clogin_status clogin_session_new(clogin_session **out) {
    if (!out)
        return CLOGIN_EINVAL;
    *out = NULL;
    json_t *root = json_object();
    if (!root)
        return CLOGIN_ENOMEM;
    return clogin__session_wrap(root, out);
}

void clogin_session_free(clogin_session *s) {
    if (!s)
        return;
    json_decref(s->root);
    free(s);
}

clogin_status clogin_session_from_json(clogin_session **out, const char *json,
                                       size_t len, int max_depth) {
    if (!out || (!json && len))
        return CLOGIN_EINVAL;
    *out = NULL;
    json_t *root;
    clogin_status st = clogin__json_parse(json ? json : "", len, max_depth, 0, &root);
    if (st != CLOGIN_OK)
        return st;
    return clogin__session_wrap(root, out);
}

clogin_status clogin_session_to_json(const clogin_session *s, char **out,
                                     size_t *out_len) {
    if (!s || !out)
        return CLOGIN_EINVAL;
    clogin__buf b = {0};
    clogin__json_dump(s->root, &b);
    return clogin__buf_finish(&b, out, out_len);
}

size_t clogin_session_count(const clogin_session *s) {
    return s ? json_object_size(s->root) : 0;
}

int clogin_session_modified(const clogin_session *s) {
    return s ? s->modified : 0;
}

void clogin_session_mark_clean(clogin_session *s) {
    if (s)
        s->modified = 0;
}

const char *clogin_session_key(const clogin_session *s, size_t index) {
    if (!s || index >= json_object_size(s->root))
        return NULL;
    /* The index-th key in byte order: select without sorting or allocating.
     * Sessions hold a handful of keys, so the quadratic walk is cheap. */
    const char *key;
    json_t *v;
    json_object_foreach(s->root, key, v) {
        size_t smaller = 0;
        const char *other;
        json_t *w;
        json_object_foreach(s->root, other, w) {
            if (strcmp(other, key) < 0)
                smaller++;
        }
        if (smaller == index)
            return key;
    }
    return NULL;
}

int clogin_session_has(const clogin_session *s, const char *key) {
    return s && key && json_object_get(s->root, key) != NULL;
}

clogin_status clogin_session_remove(clogin_session *s, const char *key) {
    if (!s || !key)
        return CLOGIN_EINVAL;
    if (!json_object_get(s->root, key))
        return CLOGIN_ENOTFOUND;
    if (clogin__session_writable(s) != CLOGIN_OK)
        return CLOGIN_ENOMEM;
    json_object_del(s->root, key);
    s->modified = 1;
    return CLOGIN_OK;
}

void clogin_session_clear(clogin_session *s) {
    if (!s || json_object_size(s->root) == 0)
        return;
    s->modified = 1;
    if (s->shared) { /* nothing to copy: a new empty object will do */
        json_t *empty = json_object();
        if (!empty)
            return;
        json_decref(s->root);
        s->root = empty;
        s->shared = 0;
        return;
    }
    json_object_clear(s->root);
}

clogin_status clogin__session_put(clogin_session *s, const char *key,
                                  json_t *value) {
    if (!s || !key) {
        json_decref(value);
        return CLOGIN_EINVAL;
    }
    if (!value)
        return CLOGIN_ENOMEM;
    if (!clogin__utf8_valid(key, strlen(key))) {
        json_decref(value);
        return CLOGIN_EUTF8;
    }
    if (clogin__session_writable(s) != CLOGIN_OK) {
        json_decref(value);
        return CLOGIN_ENOMEM;
    }
    if (json_object_set_new_nocheck(s->root, key, value) != 0)
        return CLOGIN_ENOMEM;
    s->modified = 1;
    return CLOGIN_OK;
}

static clogin_status lookup(const clogin_session *s, const char *key,
                            json_t **v) {
    if (!s || !key)
        return CLOGIN_EINVAL;
    *v = json_object_get(s->root, key);
    return *v ? CLOGIN_OK : CLOGIN_ENOTFOUND;
}

clogin_status clogin_session_get_string(const clogin_session *s,
                                        const char *key, const char **value,
                                        size_t *len) {
    json_t *v;
    clogin_status st = lookup(s, key, &v);
    if (st != CLOGIN_OK)
        return st;
    if (!json_is_string(v))
        return CLOGIN_ETYPE;
    if (value)
        *value = json_string_value(v);
    if (len)
        *len = json_string_length(v);
    return CLOGIN_OK;
}

clogin_status clogin_session_get_bool(const clogin_session *s, const char *key,
                                      int *value) {
    json_t *v;
    clogin_status st = lookup(s, key, &v);
    if (st != CLOGIN_OK)
        return st;
    if (!json_is_boolean(v))
        return CLOGIN_ETYPE;
    if (value)
        *value = json_is_true(v);
    return CLOGIN_OK;
}

clogin_status clogin_session_get_int(const clogin_session *s, const char *key,
                                     int64_t *value) {
    json_t *v;
    clogin_status st = lookup(s, key, &v);
    if (st != CLOGIN_OK)
        return st;
    int64_t n;
    if (json_is_integer(v)) {
        n = json_integer_value(v);
    } else if (json_is_real(v)) {
        /* Python writes timedelta.total_seconds() as 3600.0 */
        double d = json_real_value(v);
        if (d != floor(d) || d < -9.2e18 || d > 9.2e18)
            return CLOGIN_ETYPE;
        n = (int64_t)d;
    } else {
        return CLOGIN_ETYPE;
    }
    if (value)
        *value = n;
    return CLOGIN_OK;
}

clogin_status clogin_session_get_real(const clogin_session *s, const char *key,
                                      double *value) {
    json_t *v;
    clogin_status st = lookup(s, key, &v);
    if (st != CLOGIN_OK)
        return st;
    if (!json_is_number(v))
        return CLOGIN_ETYPE;
    if (value)
        *value = json_number_value(v);
    return CLOGIN_OK;
}

clogin_status clogin_session_set_string(clogin_session *s, const char *key,
                                        const char *value, size_t len) {
    if (!value && len)
        return CLOGIN_EINVAL;
    if (!clogin__utf8_valid(value ? value : "", len))
        return CLOGIN_EUTF8;
    return clogin__session_put(s, key, json_stringn_nocheck(value ? value : "", len));
}

clogin_status clogin_session_set_bool(clogin_session *s, const char *key,
                                      int value) {
    return clogin__session_put(s, key, json_boolean(value));
}

clogin_status clogin_session_set_int(clogin_session *s, const char *key,
                                     int64_t value) {
    return clogin__session_put(s, key, json_integer((json_int_t)value));
}

clogin_status clogin_session_set_real(clogin_session *s, const char *key,
                                      double value) {
    if (!isfinite(value)) /* Python would write NaN/Infinity: not JSON */
        return CLOGIN_EINVAL;
    return clogin__session_put(s, key, json_real(value));
}

clogin_status clogin_session_get_json(const clogin_session *s, const char *key,
                                      char **json) {
    if (!json)
        return CLOGIN_EINVAL;
    *json = NULL;
    json_t *v;
    clogin_status st = lookup(s, key, &v);
    if (st != CLOGIN_OK)
        return st;
    clogin__buf b = {0};
    clogin__json_dump(v, &b);
    return clogin__buf_finish(&b, json, NULL);
}

clogin_status clogin_session_set_json(clogin_session *s, const char *key,
                                      const char *json, size_t len) {
    if (!s || !key || !json)
        return CLOGIN_EINVAL;
    json_t *v;
    /* one level less: inside the session object it is one deeper */
    clogin_status st = clogin__json_parse(json, len, CLOGIN__DEFAULT_JSON_DEPTH - 1, 1, &v);
    if (st != CLOGIN_OK)
        return st;
    return clogin__session_put(s, key, v);
}
