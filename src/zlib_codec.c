/* zlib in both directions, each with one reusable stream per thread.
 *
 * Compressing: Python's zlib.compress() settings (level 6, 32 KiB window,
 * memLevel 8) keep compressed cookies byte-identical to Flask's. They need
 * about 256 KiB of deflate state; allocated per call, that is an mmap/munmap
 * pair and fresh page faults every time, about 90% of the cost of signing.
 *
 * Decompressing: a reset stream saves the inflate set-up (about 12% of
 * inflating a typical cookie). libdeflate was measured too and was no
 * faster on cookie-sized input: the Huffman table build dominates both.
 *
 * Each thread keeps its contexts and they are freed when it exits. The
 * cache is invisible: the output is the same with or without it. */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <zlib.h>

typedef struct thread_codecs {
    z_stream *deflate;
    z_stream *inflate;
} thread_codecs;

static pthread_key_t codecs_key;
static pthread_once_t codecs_once = PTHREAD_ONCE_INIT;
static int codecs_key_ok;

static void free_deflate(z_stream *zs) {
    if (zs) {
        deflateEnd(zs);
        free(zs);
    }
}

static void free_inflate(z_stream *zs) {
    if (zs) {
        inflateEnd(zs);
        free(zs);
    }
}

static void free_codecs(void *p) {
    thread_codecs *c = p;
    free_deflate(c->deflate);
    free_inflate(c->inflate);
    free(c);
}

static void make_key(void) {
    codecs_key_ok = pthread_key_create(&codecs_key, free_codecs) == 0;
}

/* This thread's contexts, or NULL when they cannot be kept (then callers
 * make and free their own). */
static thread_codecs *thread_cache(void) {
    pthread_once(&codecs_once, make_key);
    if (!codecs_key_ok)
        return NULL;
    thread_codecs *c = pthread_getspecific(codecs_key);
    if (c)
        return c;
    c = calloc(1, sizeof *c);
    if (c && pthread_setspecific(codecs_key, c) != 0) {
        free(c);
        c = NULL;
    }
    return c;
}

static z_stream *new_deflate(void) {
    z_stream *zs = calloc(1, sizeof *zs);
    if (zs && deflateInit(zs, Z_DEFAULT_COMPRESSION) != Z_OK) {
        free(zs);
        zs = NULL;
    }
    return zs;
}

clogin_status clogin__compress(const void *in, size_t len, uint8_t *out,
                               size_t cap, size_t *out_len) {
    if (len > UINT32_MAX || cap > UINT32_MAX)
        return CLOGIN_ETOOLARGE;
    thread_codecs *cache = thread_cache();
    z_stream *zs = cache ? cache->deflate : NULL;
    if (zs && deflateReset(zs) != Z_OK) {
        free_deflate(zs);
        cache->deflate = zs = NULL;
    }
    if (!zs && !(zs = new_deflate()))
        return CLOGIN_ENOMEM;
    if (cache)
        cache->deflate = zs;
    zs->next_in = (Bytef *)(uintptr_t)in;
    zs->avail_in = (uInt)len;
    zs->next_out = out;
    zs->avail_out = (uInt)cap;
    int rc = deflate(zs, Z_FINISH);
    *out_len = cap - zs->avail_out;
    if (!cache)
        free_deflate(zs);
    return rc == Z_STREAM_END ? CLOGIN_OK : CLOGIN_ETOOLARGE;
}

static z_stream *new_inflate(void) {
    z_stream *zs = calloc(1, sizeof *zs);
    if (zs && inflateInit(zs) != Z_OK) {
        free(zs);
        zs = NULL;
    }
    return zs;
}

/* One whole stream into out: CLOGIN_OK, CLOGIN_ETOOLARGE when out is too
 * small, CLOGIN_EZLIB when corrupt, truncated or followed by more bytes. */
static clogin_status inflate_into(z_stream *zs, const uint8_t *in,
                                  size_t in_len, char *out, size_t cap,
                                  size_t *out_len) {
    if (inflateReset(zs) != Z_OK)
        return CLOGIN_EZLIB;
    zs->next_in = (Bytef *)(uintptr_t)in;
    zs->avail_in = (uInt)in_len;
    zs->next_out = (Bytef *)out;
    zs->avail_out = (uInt)cap;
    int rc = inflate(zs, Z_FINISH);
    *out_len = cap - zs->avail_out;
    if (rc == Z_STREAM_END)
        return zs->avail_in == 0 ? CLOGIN_OK : CLOGIN_EZLIB;
    if (rc == Z_MEM_ERROR)
        return CLOGIN_ENOMEM;
    if (rc == Z_BUF_ERROR && zs->avail_out == 0)
        return CLOGIN_ETOOLARGE;
    return CLOGIN_EZLIB;
}

clogin_status clogin__decompress(const uint8_t *in, size_t in_len, size_t limit,
                                 char **out, size_t *out_len) {
    *out = NULL;
    if (in_len > UINT32_MAX || limit > UINT32_MAX)
        return CLOGIN_ETOOLARGE;
    thread_codecs *cache = thread_cache();
    z_stream *zs = cache ? cache->inflate : NULL;
    if (!zs && !(zs = new_inflate()))
        return CLOGIN_ENOMEM;
    if (cache)
        cache->inflate = zs;

    /* Most sessions inflate to a few times their size: try a small buffer
     * first, and the whole limit only when that is too small. */
    size_t cap = in_len < limit / 8 ? in_len * 8 + 1024 : limit;
    if (cap > limit)
        cap = limit;
    clogin_status st;
    for (;;) {
        char *buf = malloc(cap ? cap : 1);
        if (!buf) {
            st = CLOGIN_ENOMEM;
            break;
        }
        st = inflate_into(zs, in, in_len, buf, cap, out_len);
        if (st == CLOGIN_OK) {
            *out = buf;
            break;
        }
        free(buf);
        if (st != CLOGIN_ETOOLARGE)
            break;
        if (cap >= limit) {
            st = CLOGIN_EZBOMB;
            break;
        }
        cap = limit;
    }
    if (!cache)
        free_inflate(zs);
    return st;
}
