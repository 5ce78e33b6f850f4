/* zlib compression as Python's zlib.compress() does it (level 6, 32 KiB
 * window, memLevel 8), so that compressed cookies are byte-identical.
 *
 * Those settings need about 256 KiB of deflate state. Allocated per call,
 * that is an mmap/munmap pair and fresh page faults every time, about 90%
 * of the cost of signing a cookie. Each thread keeps one stream instead and
 * resets it between uses; it is freed when the thread exits. The cache is
 * invisible: the output is the same with or without it. */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <zlib.h>

static pthread_key_t stream_key;
static pthread_once_t stream_once = PTHREAD_ONCE_INIT;
static int stream_key_ok;

static void free_stream(void *p) {
    deflateEnd(p);
    free(p);
}

static void make_key(void) {
    stream_key_ok = pthread_key_create(&stream_key, free_stream) == 0;
}

static z_stream *thread_stream(void) {
    pthread_once(&stream_once, make_key);
    z_stream *zs = stream_key_ok ? pthread_getspecific(stream_key) : NULL;
    if (zs) {
        if (deflateReset(zs) == Z_OK)
            return zs;
        pthread_setspecific(stream_key, NULL);
        free_stream(zs);
    }
    zs = calloc(1, sizeof *zs);
    if (!zs)
        return NULL;
    if (deflateInit(zs, Z_DEFAULT_COMPRESSION) != Z_OK) {
        free(zs);
        return NULL;
    }
    if (stream_key_ok && pthread_setspecific(stream_key, zs) != 0) {
        free_stream(zs);
        return NULL;
    }
    return zs;
}

clogin_status clogin__compress(const void *in, size_t len, uint8_t *out,
                               size_t cap, size_t *out_len) {
    if (len > UINT32_MAX || cap > UINT32_MAX)
        return CLOGIN_ETOOLARGE;
    z_stream *zs = thread_stream();
    if (!zs)
        return CLOGIN_ENOMEM;
    zs->next_in = (Bytef *)(uintptr_t)in;
    zs->avail_in = (uInt)len;
    zs->next_out = out;
    zs->avail_out = (uInt)cap;
    int rc = deflate(zs, Z_FINISH);
    *out_len = cap - zs->avail_out;
    if (!stream_key_ok)
        free_stream(zs);
    return rc == Z_STREAM_END ? CLOGIN_OK : CLOGIN_ETOOLARGE;
}
