/* Differential round trip: the input bytes are a program that builds a
 * random session through the public setters (strings with any Unicode,
 * NUL included; ints; reals with their edge values; bools; bytes;
 * datetimes over years 1-9999; UUIDs; Markup; nested JSON through
 * set_json, tags included; flashes; long repetitive strings; removals).
 * The session is signed with clogin_session_cookie_encode and decoded with
 * clogin_session_cookie_decode by the same signer: the decoded session's
 * JSON must be the original's, byte for byte. Random user ids go through
 * the remember cookie the same way.
 *
 * Known library issues (see the fuzzing report) are checked too, but only
 * abort when CLOGIN_FUZZ_STRICT=1 is in the environment, so that a plain
 * `make fuzz` keeps exploring past them. */
#include "fuzz_common.h"

#include <float.h>
#include <math.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int strict(void) {
    static int v = -1;
    if (v < 0) {
        const char *e = getenv("CLOGIN_FUZZ_STRICT");
        v = e && strcmp(e, "1") == 0;
    }
    return v;
}

/* ---- reading the input ---- */

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static unsigned u8(reader *r) {
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

static uint64_t u64(reader *r) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | u8(r);
    return v;
}

/* ---- building values ---- */

typedef struct text {
    char *p;
    size_t len, cap;
} text;

static void put(text *t, const void *s, size_t n) {
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->len + n + 1) * 2;
        char *p = realloc(t->p, cap);
        CHECK(p);
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void putc_(text *t, char c) {
    put(t, &c, 1);
}

static void put_utf8(text *t, uint32_t cp) {
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | cp >> 6);
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | cp >> 12);
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | cp >> 18);
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    put(t, b, n);
}

/* One code point, never a surrogate: ASCII (controls and DEL included),
 * the rest of the BMP, astral planes, or a character serializers trip on. */
static uint32_t code_point(reader *r, int allow_nul) {
    static const uint32_t special[] = {
        0x22,    0x5C,    0x2F,     0x7F,   0x80,   0x9F,   0xA0,
        0x2028,  0x2029,  0xFEFF,   0xFFFD, 0xFFFE, 0xFFFF, 0xE000,
        0x10000, 0x1F600, 0x10FFFF, 0xD7FF, 0x0800, 0x07FF, 0x0};
    unsigned sel = u8(r);
    uint32_t cp;
    switch (sel >> 6) {
    case 0:
        cp = u8(r) & 0x7F; /* ASCII, controls and DEL included */
        break;
    case 1:
        cp = (uint32_t)(sel & 0x3F) << 8 | u8(r); /* U+0000-U+3FFF */
        break;
    case 2:
        cp = (uint32_t)((sel & 0x3F) << 16 | u8(r) << 8 | u8(r)) % 0x10FFFF + 1;
        break;
    default:
        cp = special[sel % (sizeof special / sizeof special[0])];
        break;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        cp = 0xFFFD;
    if (cp == 0 && !allow_nul)
        cp = 'z';
    return cp;
}

static void string(reader *r, text *t, int allow_nul, size_t max) {
    size_t n = u8(r) % (max + 1);
    for (size_t i = 0; i < n && r->n; i++)
        put_utf8(t, code_point(r, allow_nul));
}

static const char *const common_keys[] = {
    "_user_id",
    "_fresh",
    "_id",
    "_remember",
    "_remember_seconds",
    "_permanent",
    "_flashes",
    "next",
    "csrf_token",
    "",
    " t",
    " di",
    " b",
    "a",
    "A",
    "\xc3\xa9",
    "\xf0\x9f\x94\x91",
    "\x7f",
    "\x1f",
};

static char *make_key(reader *r) {
    text t = {0};
    put(&t, "", 0);
    unsigned sel = u8(r);
    if (sel < 128) {
        const char *k =
            common_keys[sel % (sizeof common_keys / sizeof common_keys[0])];
        put(&t, k, strlen(k));
    } else {
        string(r, &t, 0, 12);
    }
    return t.p;
}

static double real(reader *r) {
    static const double edges[] = {0.0,
                                   -0.0,
                                   1.0,
                                   -1.0,
                                   0.1,
                                   0.5,
                                   1e300,
                                   -1e300,
                                   1e-300,
                                   5e-324,
                                   -5e-324,
                                   DBL_MAX,
                                   -DBL_MAX,
                                   DBL_MIN,
                                   DBL_EPSILON,
                                   1e16,
                                   1e15,
                                   9007199254740993.0,
                                   9007199254740992.0,
                                   1e-5,
                                   1e-4,
                                   0.0001,
                                   123456789.12345679,
                                   1e21,
                                   1e22,
                                   3600.0,
                                   2.5e-5,
                                   1.7976931348623157e308,
                                   2.2250738585072014e-308,
                                   4.35,
                                   0.30000000000000004,
                                   9.2e18,
                                   -9.2e18,
                                   9.3e18,
                                   1e100};
    unsigned sel = u8(r);
    if (sel < 128)
        return edges[sel % (sizeof edges / sizeof edges[0])];
    uint64_t bits = u64(r);
    double d;
    memcpy(&d, &bits, sizeof d);
    if (!isfinite(d))
        d = (double)(int64_t)bits;
    return d;
}

static int64_t integer(reader *r) {
    static const int64_t edges[] = {0,
                                    1,
                                    -1,
                                    INT64_MAX,
                                    INT64_MIN,
                                    INT64_MAX - 1,
                                    INT64_MIN + 1,
                                    (int64_t)1 << 53,
                                    ((int64_t)1 << 53) + 1,
                                    -((int64_t)1 << 53),
                                    4294967296,
                                    -2147483648,
                                    1764366000};
    unsigned sel = u8(r);
    if (sel < 96)
        return edges[sel % (sizeof edges / sizeof edges[0])];
    return (int64_t)u64(r);
}

/* A JSON string literal with escapes of every kind (\uXXXX in either case,
 * surrogate pairs, named escapes, raw UTF-8). Object keys get no U+0000:
 * jansson, and so clogin, refuse it in keys (see the fuzzing report). */
static void gen_string(reader *r, text *t, size_t max, int allow_nul) {
    char esc[16];
    putc_(t, '"');
    size_t n = u8(r) % (max + 1);
    for (size_t i = 0; i < n && r->n; i++) {
        uint32_t cp = code_point(r, allow_nul);
        unsigned how = u8(r) & 7;
        if (cp == '"' || cp == '\\' || (cp == '/' && how == 0)) {
            putc_(t, '\\');
            putc_(t, (char)cp);
        } else if (cp == '\n' && how < 4) {
            put(t, "\\n", 2);
        } else if (cp < 0x20 || how == 1) {
            if (cp >= 0x10000) {
                uint32_t c = cp - 0x10000;
                snprintf(esc, sizeof esc, "\\u%04X\\u%04x",
                         (unsigned)(0xD800 | (c >> 10)),
                         (unsigned)(0xDC00 | (c & 0x3FF)));
            } else {
                snprintf(esc, sizeof esc, how == 1 ? "\\u%04X" : "\\u%04x",
                         (unsigned)cp);
            }
            put(t, esc, strlen(esc));
        } else {
            put_utf8(t, cp);
        }
    }
    putc_(t, '"');
}

/* JSON text for a random value: scalars, arrays, objects, and the shapes of
 * Flask's tags, nested up to depth more levels. */
static void gen_value(reader *r, text *t, int depth) {
    static const char *const tagged[] = {
        "{\" b\":\"AAEC/w==\"}",
        "{\" b\":\"\"}",
        "{\" d\":\"Wed, 02 Jan 2030 03:04:05 GMT\"}",
        "{\" d\":\"Mon, 01 Jan 0001 00:00:00 GMT\"}",
        "{\" u\":\"00000000000000000000000000001234\"}",
        "{\" m\":\"<b>hi</b> &amp;\"}",
        "{\" t\":[]}",
        "{\" di\":{\" t\":1}}",
        "{\" t\":[\"message\",\"Please log in.\"]}",
        "{\" x\":1}",
        "{}",
        "[]",
    };
    unsigned sel = u8(r) % 16;
    if (depth <= 0 && sel >= 10)
        sel %= 10;
    char num[64];
    switch (sel) {
    case 0:
        put(t, "null", 4);
        break;
    case 1:
        if (u8(r) & 1)
            put(t, "true", 4);
        else
            put(t, "false", 5);
        break;
    case 2:
        snprintf(num, sizeof num, "%lld", (long long)integer(r));
        put(t, num, strlen(num));
        break;
    case 3: {
        snprintf(num, sizeof num, "%.17g", real(r));
        put(t, num, strlen(num));
        if (!strpbrk(num, ".eE"))
            put(t, ".0", 2); /* stay a real */
        break;
    }
    case 4:
    case 5:
    case 6:
        gen_string(r, t, 16, 1);
        break;
    case 7:
    case 8:
    case 9: {
        const char *k = tagged[u8(r) % (sizeof tagged / sizeof tagged[0])];
        put(t, k, strlen(k));
        break;
    }
    case 10:
    case 11:
    case 12: { /* array, or a tuple {" t": [...]} */
        int tuple = sel == 12;
        if (tuple)
            put(t, "{\" t\":", 6);
        putc_(t, '[');
        size_t n = u8(r) % 5;
        for (size_t i = 0; i < n; i++) {
            if (i)
                putc_(t, ',');
            gen_value(r, t, depth - 1 - tuple);
        }
        putc_(t, ']');
        if (tuple)
            putc_(t, '}');
        break;
    }
    default: { /* object, maybe {" di": {...}}; duplicate keys: last wins */
        int di = sel == 15;
        if (di)
            put(t, "{\" di\":", 7);
        putc_(t, '{');
        size_t n = u8(r) % 4;
        for (size_t i = 0; i < n; i++) {
            if (i)
                putc_(t, ',');
            gen_string(r, t, 3, 0);
            putc_(t, ':');
            gen_value(r, t, depth - 1 - di);
        }
        putc_(t, '}');
        if (di)
            putc_(t, '}');
        break;
    }
    }
}

static void deep(reader *r, text *t) {
    /* a chain of arrays and objects: the nesting limit's edge */
    int levels = (int)(u8(r) % 40) + 1;
    for (int i = 0; i < levels; i++)
        put(t, (i & 1) ? "{\"k\":" : "[", (i & 1) ? 5 : 1);
    put(t, "0", 1);
    for (int i = levels - 1; i >= 0; i--)
        putc_(t, (i & 1) ? '}' : ']');
}

/* ---- the session program ---- */

/* Apply one random operation; returns 0 when the input is used up. */
static int step(reader *r, clogin_session *s) {
    if (r->n == 0)
        return 0;
    unsigned op = u8(r) % 14;
    char *key = make_key(r);
    text v = {0};
    put(&v, "", 0);
    clogin_status st;
    int has_flashes = clogin_session_has(s, "_flashes");
    switch (op) {
    case 0:
    case 1:
        string(r, &v, 1, 40);
        CHECK(clogin_session_set_string(s, key, v.p, v.len) == CLOGIN_OK);
        break;
    case 2:
        CHECK(clogin_session_set_int(s, key, integer(r)) == CLOGIN_OK);
        break;
    case 3:
        CHECK(clogin_session_set_real(s, key, real(r)) == CLOGIN_OK);
        break;
    case 4:
        CHECK(clogin_session_set_bool(s, key, u8(r) & 1) == CLOGIN_OK);
        break;
    case 5: {
        size_t n = u8(r) % 64;
        for (size_t i = 0; i < n; i++) {
            char c = (char)u8(r);
            put(&v, &c, 1);
        }
        CHECK(clogin_session_set_bytes(s, key, v.p, v.len) == CLOGIN_OK);
        break;
    }
    case 6: { /* 0001-01-01 to 9999-12-31 */
        const int64_t lo = INT64_C(-62135596800), hi = INT64_C(253402300799);
        int64_t when = lo + (int64_t)(u64(r) % (uint64_t)(hi - lo + 1));
        if (u8(r) & 1)
            when = FUZZ_NOW + (int64_t)(u8(r) * 86400);
        CHECK(clogin_session_set_datetime(s, key, when) == CLOGIN_OK);
        break;
    }
    case 7: {
        uint8_t uuid[16];
        for (int i = 0; i < 16; i++)
            uuid[i] = (uint8_t)u8(r);
        CHECK(clogin_session_set_uuid(s, key, uuid) == CLOGIN_OK);
        break;
    }
    case 8:
        string(r, &v, 1, 40);
        CHECK(clogin_session_set_markup(s, key, v.p, v.len) == CLOGIN_OK);
        break;
    case 9:
    case 10:
        gen_value(r, &v, 6);
        st = clogin_session_set_json(s, key, v.p, v.len);
        if (st != CLOGIN_OK) {
            fprintf(stderr, "set_json refused (%s): %s\n",
                    clogin_status_name(st), v.p);
            abort();
        }
        break;
    case 11: {
        text cat = {0}, msg = {0};
        put(&cat, "", 0);
        put(&msg, "", 0);
        if (u8(r) & 1)
            put(&cat, "message", 7);
        else
            string(r, &cat, 0, 8);
        string(r, &msg, 0, 40);
        st = clogin_session_flash(s, cat.p, msg.p);
        json_t *list = json_object_get(s->root, "_flashes");
        CHECK(st == CLOGIN_OK ||
              (st == CLOGIN_ETYPE && has_flashes && !json_is_array(list)));
        free(cat.p);
        free(msg.p);
        break;
    }
    case 12: { /* a long, repetitive string: small once compressed; up to
                * about the 64 KiB decompression limit in JSON */
        size_t n = (size_t)(u8(r) << 8 | u8(r)) % 2500;
        uint32_t cp = code_point(r, 0);
        for (size_t i = 0; i < n; i++)
            put_utf8(&v, cp);
        CHECK(clogin_session_set_string(s, key, v.p, v.len) == CLOGIN_OK);
        break;
    }
    default:
        if (u8(r) & 1) {
            deep(r, &v);
            st = clogin_session_set_json(s, key, v.p, v.len);
            CHECK(st == CLOGIN_OK || st == CLOGIN_EDEPTH);
        } else if (clogin_session_count(s)) {
            const char *k =
                clogin_session_key(s, u8(r) % clogin_session_count(s));
            CHECK(k && clogin_session_remove(s, k) == CLOGIN_OK);
        }
        break;
    }
    free(key);
    free(v.p);
    return 1;
}

/* JSON nesting of a value: 1 for a scalar. */
static int depth_of(const json_t *v) {
    int d = 0;
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            int k = depth_of(json_array_get(v, i));
            d = k > d ? k : d;
        }
        return d + 1;
    }
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach((json_t *)(uintptr_t)v, k, c) {
            int n = depth_of(c);
            d = n > d ? n : d;
        }
        return d + 1;
    }
    return 0;
}

static void roundtrip_session(reader *r) {
    clogin_signer *signer = fuzz_signer();
    clogin_session *s;
    CHECK(clogin_session_new(&s) == CLOGIN_OK);
    for (int i = 0; i < 48 && step(r, s); i++)
        ;
    char *json;
    size_t json_len;
    CHECK(clogin_session_to_json(s, &json, &json_len) == CLOGIN_OK);

    /* the dump parses back to the same dump */
    clogin_session *again;
    CHECK(clogin_session_from_json(&again, json, json_len, 64) == CLOGIN_OK);
    char *json2;
    CHECK(clogin_session_to_json(again, &json2, NULL) == CLOGIN_OK);
    CHECK(strcmp(json, json2) == 0);
    clogin_free(json2);
    clogin_session_free(again);

    char *cookie = NULL, *cookie2 = NULL;
    size_t len = 0, len2 = 0;
    clogin_status st =
        clogin_session_cookie_encode(signer, s, FUZZ_NOW - 5, &cookie, &len);
    if (st == CLOGIN_ETOOLARGE) {
        CHECK(cookie == NULL);
        goto done;
    }
    CHECK(st == CLOGIN_OK && cookie && strlen(cookie) == len);
    CHECK(len <= 4096);
    /* deterministic: the same session signs to the same bytes (checked on
     * small sessions only, to keep the target fast) */
    if (json_len < 8192) {
        CHECK(clogin_session_cookie_encode(signer, s, FUZZ_NOW - 5, &cookie2,
                                           &len2) == CLOGIN_OK);
        CHECK(len == len2 && memcmp(cookie, cookie2, len) == 0);
        clogin_free(cookie2);
    }

    clogin_session *decoded = NULL;
    clogin_cookie_info info;
    st = clogin_session_cookie_decode(signer, cookie, len, FUZZ_NOW, &decoded,
                                      &info);
    if (st != CLOGIN_OK) {
        /* Known library issues: a session clogin signs but its own decoder
         * refuses. EZBOMB: JSON longer than max_decompressed_size (64 KiB)
         * that compresses under max_cookie_size. EDEPTH: set_json lets a
         * value nest 32 deep, which puts the session one level past
         * max_json_depth. */
        int known = (st == CLOGIN_EZBOMB && json_len > 65536) ||
                    (st == CLOGIN_EDEPTH && depth_of(s->root) > 32);
        if (!known || strict()) {
            fprintf(stderr,
                    "clogin cannot read the cookie it wrote: %s (JSON %zu "
                    "bytes, depth %d)\n",
                    clogin_status_name(st), json_len, depth_of(s->root));
            abort();
        }
        goto done;
    }
    CHECK(info.timestamp == FUZZ_NOW - 5 && info.key_index == 0);
    CHECK(info.compressed == (cookie[0] == '.'));
    char *out;
    CHECK(clogin_session_to_json(decoded, &out, NULL) == CLOGIN_OK);
    if (strcmp(out, json) != 0) {
        fprintf(stderr, "round trip changed the session:\n%s\n%s\n", json, out);
        abort();
    }
    clogin_free(out);
    clogin_session_free(decoded);
done:
    clogin_free(cookie);
    clogin_free(json);
    clogin_session_free(s);
}

/* Remember cookies: any id (NUL and '|' included) decodes to itself. */
static void roundtrip_remember(const uint8_t *data, size_t size) {
    clogin_signer *signer = fuzz_signer();
    char *value, *id;
    size_t len, id_len;
    int key = -1;
    CHECK(clogin_remember_encode(signer, (const char *)data, size, &value,
                                 &len) == CLOGIN_OK);
    CHECK(len == size + 1 + 128 && value[size] == '|');
    clogin_status st =
        clogin_remember_decode(signer, value, len, &id, &id_len, &key);
    if (len > 4096) { /* past max_cookie_size: refused, whatever it says */
        CHECK(st == CLOGIN_ETOOLARGE);
    } else {
        CHECK(st == CLOGIN_OK && key == 0);
        CHECK(id_len == size && (size == 0 || memcmp(id, data, size) == 0) &&
              id[size] == '\0');
        clogin_free(id);
        /* one flipped digit of the signature is refused */
        value[len - 1] = value[len - 1] == '0' ? '1' : '0';
        CHECK(clogin_remember_decode(signer, value, len, &id, &id_len, &key) ==
              CLOGIN_EBADSIG);
    }
    clogin_free(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 8192)
        return 0;
    reader r = {data, size};
    roundtrip_session(&r);
    roundtrip_remember(data, size < 4500 ? size : 4500);
    return 0;
}
