#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int reserve(clogin__buf *b, size_t extra) {
    if (b->failed)
        return 0;
    if (extra <= b->cap - b->len)
        return 1;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->failed = 1;
        return 0;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra + 1) /* +1 keeps room for the final NUL */
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void clogin__buf_append(clogin__buf *b, const void *data, size_t len) {
    if (len && reserve(b, len)) {
        memcpy(b->data + b->len, data, len);
        b->len += len;
    }
}

void clogin__buf_putc(clogin__buf *b, char c) {
    if (reserve(b, 1))
        b->data[b->len++] = c;
}

void clogin__buf_free(clogin__buf *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

clogin_status clogin__buf_finish(clogin__buf *b, char **out, size_t *out_len) {
    if (!reserve(b, 1)) {
        clogin__buf_free(b);
        return CLOGIN_ENOMEM;
    }
    b->data[b->len] = '\0';
    *out = b->data;
    if (out_len)
        *out_len = b->len;
    memset(b, 0, sizeof *b);
    return CLOGIN_OK;
}

char *clogin__strndup(const char *s, size_t n) {
    char *c = malloc(n + 1);
    if (c) {
        if (n)
            memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

char *clogin__strdup(const char *s) {
    return s ? clogin__strndup(s, strlen(s)) : clogin__strndup("", 0);
}
