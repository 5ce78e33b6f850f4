/* JSON in and out. jansson parses; serializing is done here because Flask's
 * cookies are written by Python's json.dumps(sort_keys=True,
 * ensure_ascii=True, separators=(",", ":")) and clogin's must be the same
 * bytes: lowercase \uXXXX escapes (DEL included), surrogate pairs, and
 * floats in Python's shortest repr, none of which jansson's dumper does. */
#include "internal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int depth_ok(const json_t *v, int depth, int max_depth) {
    /* depth counts the containers from the top: the session object is 1 */
    if (!json_is_object(v) && !json_is_array(v))
        return 1;
    if (depth > max_depth)
        return 0;
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            if (!depth_ok(json_array_get(v, i), depth + 1, max_depth))
                return 0;
        return 1;
    }
    const char *key;
    const json_t *child;
    json_object_foreach((json_t *)(uintptr_t)v, key, child) {
        if (!depth_ok(child, depth + 1, max_depth))
            return 0;
    }
    return 1;
}

int clogin__json_depth_ok(const json_t *v, int max_depth) {
    return depth_ok(v, 1, max_depth > 0 ? max_depth : CLOGIN__DEFAULT_JSON_DEPTH);
}

clogin_status clogin__json_parse(const char *text, size_t len, int max_depth,
                                 int any_type, json_t **out) {
    *out = NULL;
    json_error_t err;
    json_t *v = json_loadb(text, len,
                           JSON_ALLOW_NUL | (any_type ? JSON_DECODE_ANY : 0), &err);
    if (!v) {
        switch (json_error_code(&err)) {
        case json_error_invalid_utf8:
            return CLOGIN_EUTF8;
        case json_error_stack_overflow:
            return CLOGIN_EDEPTH;
        case json_error_out_of_memory:
            return CLOGIN_ENOMEM;
        default:
            return CLOGIN_EJSON;
        }
    }
    if (!any_type && !json_is_object(v)) {
        json_decref(v);
        return CLOGIN_EJSON;
    }
    if (!depth_ok(v, 1, max_depth > 0 ? max_depth : CLOGIN__DEFAULT_JSON_DEPTH)) {
        json_decref(v);
        return CLOGIN_EDEPTH;
    }
    *out = v;
    return CLOGIN_OK;
}

/* ---- serializer ---- */

static void put_u16(clogin__buf *b, unsigned u) {
    static const char digits[] = "0123456789abcdef";
    char esc[6] = {'\\', 'u', digits[(u >> 12) & 15], digits[(u >> 8) & 15],
                   digits[(u >> 4) & 15], digits[u & 15]};
    clogin__buf_append(b, esc, sizeof esc);
}

static void dump_string(clogin__buf *b, const char *str, size_t len) {
    const unsigned char *s = (const unsigned char *)str;
    clogin__buf_putc(b, '"');
    size_t i = 0;
    while (i < len) {
        size_t run = i;
        while (run < len && s[run] >= 0x20 && s[run] < 0x7F && s[run] != '"' &&
               s[run] != '\\')
            run++;
        clogin__buf_append(b, s + i, run - i);
        i = run;
        if (i >= len)
            break;
        unsigned char c = s[i];
        const char *named = NULL;
        switch (c) {
        case '"': named = "\\\""; break;
        case '\\': named = "\\\\"; break;
        case '\b': named = "\\b"; break;
        case '\f': named = "\\f"; break;
        case '\n': named = "\\n"; break;
        case '\r': named = "\\r"; break;
        case '\t': named = "\\t"; break;
        default: break;
        }
        if (named) {
            clogin__buf_append(b, named, 2);
            i++;
            continue;
        }
        uint32_t cp = 0xFFFD;
        int ok; /* always: jansson validated the text */
        i += clogin__utf8_next(s + i, len - i, &ok, &cp);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put_u16(b, 0xD800 | (cp >> 10));
            put_u16(b, 0xDC00 | (cp & 0x3FF));
        } else {
            put_u16(b, cp);
        }
    }
    clogin__buf_putc(b, '"');
}

/* Python's repr(float): the shortest digits that read back as the same
 * double, positional for exponents in [-4, 16), else d.ddde+XX. */
static void dump_real(clogin__buf *b, double x) {
    char sci[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec - 1, x);
        if (strtod(sci, NULL) == x)
            break;
    }
    /* sci is [-]d[.ddd]e[+-]XX: split into sign, digits and exponent. */
    const char *p = sci;
    int negative = *p == '-';
    if (negative)
        p++;
    char digits[20];
    int nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    int exp10 = atoi(p + 1);
    char out[64];
    int o = 0;
    if (negative)
        out[o++] = '-';
    if (exp10 >= -4 && exp10 < 16) {
        if (exp10 < 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = -1; i > exp10; i--)
                out[o++] = '0';
            for (int i = 0; i < nd; i++)
                out[o++] = digits[i];
        } else {
            for (int i = 0; i <= exp10; i++)
                out[o++] = i < nd ? digits[i] : '0';
            out[o++] = '.';
            if (nd > exp10 + 1)
                for (int i = exp10 + 1; i < nd; i++)
                    out[o++] = digits[i];
            else
                out[o++] = '0';
        }
    } else {
        out[o++] = digits[0];
        if (nd > 1) {
            out[o++] = '.';
            for (int i = 1; i < nd; i++)
                out[o++] = digits[i];
        }
        o += snprintf(out + o, sizeof out - (size_t)o, "e%c%02d",
                      exp10 < 0 ? '-' : '+', abs(exp10));
    }
    clogin__buf_append(b, out, (size_t)o);
}

typedef struct key_ref {
    const char *key;
    size_t len;
    json_t *value;
} key_ref;

static int compare_keys(const void *pa, const void *pb) {
    const key_ref *a = pa, *b = pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->key, b->key, n);
    if (c)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

static void dump_value(const json_t *v, clogin__buf *b);

static void dump_object(const json_t *obj, clogin__buf *b) {
    size_t n = json_object_size(obj);
    key_ref stack_keys[16];
    key_ref *keys = stack_keys;
    if (n > 16) {
        keys = malloc(n * sizeof *keys);
        if (!keys) {
            b->failed = 1;
            return;
        }
    }
    size_t i = 0;
    void *it = json_object_iter((json_t *)(uintptr_t)obj);
    for (; it && i < n; it = json_object_iter_next((json_t *)(uintptr_t)obj, it)) {
        keys[i].key = json_object_iter_key(it);
        keys[i].len = json_object_iter_key_len(it);
        keys[i].value = json_object_iter_value(it);
        i++;
    }
    qsort(keys, i, sizeof *keys, compare_keys);
    clogin__buf_putc(b, '{');
    for (size_t k = 0; k < i; k++) {
        if (k)
            clogin__buf_putc(b, ',');
        dump_string(b, keys[k].key, keys[k].len);
        clogin__buf_putc(b, ':');
        dump_value(keys[k].value, b);
    }
    clogin__buf_putc(b, '}');
    if (keys != stack_keys)
        free(keys);
}

static void dump_value(const json_t *v, clogin__buf *b) {
    char num[32];
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        dump_object(v, b);
        break;
    case JSON_ARRAY:
        clogin__buf_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                clogin__buf_putc(b, ',');
            dump_value(json_array_get(v, i), b);
        }
        clogin__buf_putc(b, ']');
        break;
    case JSON_STRING:
        dump_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER: {
        int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
                         json_integer_value(v));
        clogin__buf_append(b, num, (size_t)n);
        break;
    }
    case JSON_REAL:
        dump_real(b, json_real_value(v));
        break;
    case JSON_TRUE:
        clogin__buf_append(b, "true", 4);
        break;
    case JSON_FALSE:
        clogin__buf_append(b, "false", 5);
        break;
    case JSON_NULL:
        clogin__buf_append(b, "null", 4);
        break;
    }
}

void clogin__json_dump(const json_t *value, clogin__buf *out) {
    dump_value(value, out);
}
