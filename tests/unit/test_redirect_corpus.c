/* clogin_url_is_safe() against the open-redirect corpus of
 * tests/redirects/corpus.tsv (issue 7): every bypass payload from the public
 * lists is refused, every legitimate next value is accepted, with the
 * exceptions listed below (each explained in docs/open-redirects.md).
 *
 * The corpus is found at, in order: $CLOGIN_REDIRECT_CORPUS, the compile
 * definition CLOGIN_REDIRECT_CORPUS, or ../redirects/corpus.tsv next to
 * this source file (CTest runs from the build directory). The file format
 * is described at its top; tests/redirects/compare.py reads the same file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "clogin.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bypass payloads that clogin accepts: browsers stay on the site with them.
 * Values in the corpus's escaped form. */
static const char *const KNOWN_ACCEPTED_BYPASSES[] = {
    /* browsers land on http://good.example//evil.com */
    "/..//evil.com",
};

/* Legitimate values that clogin refuses by design: relative references
 * (next is always made absolute-path by make_next_param) and raw spaces. */
static const char *const KNOWN_REFUSED_LEGIT[] = {
    "account", "account?tab=2", "./account",        "../account",
    "?tab=2",  "#section",      "/search?q=a{SP}b",
};

#define COUNT(a) (sizeof(a) / sizeof *(a))
#define MAX_ROWS 1024

typedef struct row {
    int line;
    char *kind, *expect, *host, *escaped, *source, *note;
    char *value; /* unescaped */
    size_t len;
} row;

static row rows[MAX_ROWS];
static size_t nrows;
static char *corpus_text;

static size_t put_utf8(unsigned long cp, char *out) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The corpus's escapes: {xHH}, {U+HHHH} (4 to 6 digits), {TAB} {LF} {CR}
 * {NUL} {SP}. Returns a malloc'd buffer (*len bytes, plus a NUL), or NULL
 * on a malformed escape. */
static char *unescape(const char *s, size_t *len) {
    size_t n = strlen(s);
    char *out = malloc(n * 4 + 1); /* {U+10FFFF} is 10 chars for 4 bytes */
    size_t o = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        if (s[i] != '{') {
            out[o++] = s[i++];
            continue;
        }
        const char *close = strchr(s + i, '}');
        if (!close)
            goto bad;
        size_t k = (size_t)(close - (s + i)) - 1; /* inside the braces */
        const char *in = s + i + 1;
        static const struct {
            const char *name;
            char byte;
        } named[] = {{"TAB", '\t'},
                     {"LF", '\n'},
                     {"CR", '\r'},
                     {"NUL", '\0'},
                     {"SP", ' '}};
        int done = 0;
        if (k == 3 && in[0] == 'x' && hexval((unsigned char)in[1]) >= 0 &&
            hexval((unsigned char)in[2]) >= 0) {
            out[o++] = (char)(hexval((unsigned char)in[1]) * 16 +
                              hexval((unsigned char)in[2]));
            done = 1;
        } else if (k >= 6 && k <= 8 && in[0] == 'U' && in[1] == '+') {
            unsigned long cp = 0;
            for (size_t j = 2; j < k; j++) {
                if (hexval((unsigned char)in[j]) < 0)
                    goto bad;
                cp = cp * 16 + (unsigned long)hexval((unsigned char)in[j]);
            }
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                goto bad;
            o += put_utf8(cp, out + o);
            done = 1;
        } else {
            for (size_t j = 0; j < COUNT(named); j++)
                if (strlen(named[j].name) == k &&
                    memcmp(named[j].name, in, k) == 0) {
                    out[o++] = named[j].byte;
                    done = 1;
                }
        }
        if (!done)
            goto bad;
        i += k + 2;
    }
    out[o] = '\0';
    *len = o;
    return out;
bad:
    free(out);
    return NULL;
}

static const char *corpus_path(void) {
    const char *env = getenv("CLOGIN_REDIRECT_CORPUS");
    if (env && *env)
        return env;
#ifdef CLOGIN_REDIRECT_CORPUS
    return CLOGIN_REDIRECT_CORPUS;
#else
    static char path[4096];
    const char *file = __FILE__;
    const char *slash = strrchr(file, '/');
    size_t dir = slash ? (size_t)(slash - file) : 0;
    /* __FILE__ is .../tests/unit/test_redirect_corpus.c */
    snprintf(path, sizeof path, "%.*s%s../redirects/corpus.tsv", (int)dir, file,
             dir ? "/" : "");
    return path;
#endif
}

/* Split a line into n tab-separated fields in place; 0 if the count differs. */
static int split_tabs(char *line, char **fields, size_t n) {
    size_t k = 0;
    fields[k++] = line;
    for (char *p = line; *p; p++) {
        if (*p == '\t') {
            if (k == n)
                return 0;
            *p = '\0';
            fields[k++] = p + 1;
        }
    }
    return k == n;
}

static int load_corpus(void **state) {
    (void)state;
    const char *path = corpus_path();
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr,
                "cannot open the corpus %s (set CLOGIN_REDIRECT_CORPUS)\n",
                path);
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    corpus_text = malloc(cap + 1);
    for (size_t got;
         corpus_text && (got = fread(corpus_text + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(corpus_text, cap * 2 + 1);
            if (!bigger) {
                free(corpus_text);
                corpus_text = NULL;
                break;
            }
            corpus_text = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (!corpus_text)
        return -1;
    corpus_text[n] = '\0';

    int header_seen = 0, line_no = 0;
    for (char *line = corpus_text; line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        line_no++;
        char *next = nl ? nl + 1 : NULL;
        if (*line && *line != '#') {
            char *fld[6];
            if (!split_tabs(line, fld, 6)) {
                fprintf(stderr, "%s:%d: want 6 tab-separated fields\n", path,
                        line_no);
                return -1;
            }
            if (!header_seen) {
                header_seen = 1;
                if (strcmp(fld[0], "kind") || strcmp(fld[3], "value")) {
                    fprintf(stderr, "%s:%d: bad header\n", path, line_no);
                    return -1;
                }
            } else {
                if (nrows == MAX_ROWS) {
                    fprintf(stderr, "%s: more than %d rows\n", path, MAX_ROWS);
                    return -1;
                }
                row *r = &rows[nrows];
                r->line = line_no;
                r->kind = fld[0];
                r->expect = fld[1];
                r->host = fld[2];
                r->escaped = fld[3];
                r->source = fld[4];
                r->note = fld[5];
                r->value = unescape(fld[3], &r->len);
                if (!r->value) {
                    fprintf(stderr, "%s:%d: bad escape in %s\n", path, line_no,
                            fld[3]);
                    return -1;
                }
                nrows++;
            }
        }
        line = next;
    }
    return header_seen ? 0 : -1;
}

static int free_corpus(void **state) {
    (void)state;
    for (size_t i = 0; i < nrows; i++)
        free(rows[i].value);
    free(corpus_text);
    return 0;
}

static int listed(const char *const *list, size_t n, const char *escaped) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], escaped) == 0)
            return 1;
    return 0;
}

static void test_corpus_is_well_formed(void **state) {
    (void)state;
    for (size_t i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        if (strcmp(r->kind, "bypass") && strcmp(r->kind, "onsite") &&
            strcmp(r->kind, "legit"))
            fail_msg("line %d: kind %s", r->line, r->kind);
        if (strcmp(r->expect, "accept") && strcmp(r->expect, "refuse"))
            fail_msg("line %d: expect %s", r->line, r->expect);
        if (!*r->host || !*r->source || !*r->note)
            fail_msg("line %d: empty host, source or note", r->line);
        for (size_t j = 0; j < i; j++)
            if (strcmp(rows[j].escaped, r->escaped) == 0 &&
                strcmp(rows[j].host, r->host) == 0)
                fail_msg("line %d repeats line %d", r->line, rows[j].line);
    }
    /* the escapes decode as documented */
    size_t len;
    char *v = unescape("/{TAB}{LF}{CR}{NUL}{SP}{x7B}{U+3000}{U+1F600}", &len);
    assert_non_null(v);
    assert_int_equal(len, 1 + 5 + 1 + 3 + 4);
    assert_memory_equal(v, "/\t\n\r\0 {\343\200\200\360\237\230\200", len);
    free(v);
    assert_null(unescape("{x4}", &len));
    assert_null(unescape("{TABS}", &len));
    assert_null(unescape("{U+D800}", &len));
    assert_null(unescape("{", &len));
}

/* Every row: clogin's answer is the expect column. */
static void test_expectations(void **state) {
    (void)state;
    size_t bad = 0;
    for (size_t i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        int got = clogin_url_is_safe(r->value, r->len, r->host);
        int want = strcmp(r->expect, "accept") == 0;
        if (got != want) {
            print_error("line %d: clogin_url_is_safe(\"%s\", host %s) = %d, "
                        "corpus expects %s (%s)\n",
                        r->line, r->escaped, r->host, got, r->expect, r->kind);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* Bypasses are refused and legitimate values accepted, but for the listed
 * exceptions; and each exception is in the corpus, so the lists stay true. */
static void test_bypasses_refused_legit_accepted(void **state) {
    (void)state;
    size_t refused = 0, accepted = 0, bypasses = 0, legit = 0, bad = 0;
    for (size_t i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        int ok = clogin_url_is_safe(r->value, r->len, r->host);
        if (strcmp(r->kind, "bypass") == 0) {
            bypasses++;
            refused += !ok;
            if (ok && !listed(KNOWN_ACCEPTED_BYPASSES,
                              COUNT(KNOWN_ACCEPTED_BYPASSES), r->escaped)) {
                print_error("line %d: bypass \"%s\" accepted (%s)\n", r->line,
                            r->escaped, r->note);
                bad++;
            }
        } else if (strcmp(r->kind, "legit") == 0) {
            legit++;
            accepted += ok;
            if (!ok && !listed(KNOWN_REFUSED_LEGIT, COUNT(KNOWN_REFUSED_LEGIT),
                               r->escaped)) {
                print_error("line %d: legitimate \"%s\" refused (%s)\n",
                            r->line, r->escaped, r->note);
                bad++;
            }
        }
    }
    assert_int_equal(bad, 0);
    print_message("%zu of %zu bypass payloads refused, %zu of %zu legitimate "
                  "values accepted\n",
                  refused, bypasses, accepted, legit);
    assert_true(refused >= 80);
    assert_true(accepted >= 30);
    assert_int_equal(refused + COUNT(KNOWN_ACCEPTED_BYPASSES), bypasses);
    assert_int_equal(accepted + COUNT(KNOWN_REFUSED_LEGIT), legit);
}

/* Listed payloads that browsers keep on the site are accepted; what makes
 * them harmless is that they are paths (or this host), which clogin
 * accepts. */
static void test_onsite_payloads(void **state) {
    (void)state;
    size_t n = 0;
    for (size_t i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        if (strcmp(r->kind, "onsite") != 0)
            continue;
        n++;
        if (!clogin_url_is_safe(r->value, r->len, r->host))
            fail_msg("line %d: on-site payload \"%s\" refused", r->line,
                     r->escaped);
    }
    assert_true(n > 0);
}

/* The same verdicts with the length given exactly: no byte past len is
 * read (each value is copied to a buffer of exactly len bytes), and a
 * NUL-terminated prefix does not change the answer of a longer value. */
static void test_exact_lengths(void **state) {
    (void)state;
    for (size_t i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        char *copy = malloc(r->len ? r->len : 1);
        assert_non_null(copy);
        memcpy(copy, r->value, r->len);
        int got = clogin_url_is_safe(copy, r->len, r->host);
        free(copy);
        assert_int_equal(got, strcmp(r->expect, "accept") == 0);
    }
}

/* Without a host every absolute URL is refused; the paths keep their
 * verdict. */
static void test_without_host(void **state) {
    (void)state;
    for (size_t i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        int with = clogin_url_is_safe(r->value, r->len, r->host);
        int without = clogin_url_is_safe(r->value, r->len, NULL);
        if (r->len && r->value[0] == '/')
            assert_int_equal(without, with);
        else if (without)
            fail_msg("line %d: \"%s\" accepted without a host", r->line,
                     r->escaped);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_is_well_formed),
        cmocka_unit_test(test_expectations),
        cmocka_unit_test(test_bypasses_refused_legit_accepted),
        cmocka_unit_test(test_onsite_payloads),
        cmocka_unit_test(test_exact_lengths),
        cmocka_unit_test(test_without_host),
    };
    return cmocka_run_group_tests(tests, load_corpus, free_corpus);
}
