/* The failing allocator (see failalloc.h). Adapted from bench/alloc_count.c,
 * but linked into the program rather than preloaded, and forwarding to
 * glibc's exported __libc_* entry points, so no dlsym() bootstrap is needed.
 *
 * Only a program built without AddressSanitizer or valgrind may use it:
 * they replace malloc themselves (tests/CMakeLists.txt builds this only
 * when CLOGIN_SANITIZE is OFF). */
#define _GNU_SOURCE
#include "failalloc.h"

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <link.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* glibc's allocator under its internal names (exported by libc.so.6 since
 * 2.2.5); the program's malloc and friends are these plus the bookkeeping. */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t k, size_t n);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t n);

/* ---- per-thread state: what is armed ---- */

static __thread int t_armed;            /* counting */
static __thread int t_suspended;        /* the application's own: not counted */
static __thread int t_busy;             /* inside our own bookkeeping */
static __thread unsigned long t_count;  /* allocations while armed */
static __thread unsigned long t_fail_at;/* 0: none */
static __thread int t_failed;

static atomic_long live_blocks;

/* ---- the blocks allocated while armed, with their backtraces ---- */

#define DEPTH 32
#define SLOTS 16384 /* open addressing; a request makes a few hundred */

typedef struct rec {
    void *ptr; /* NULL: empty; TOMB: deleted */
    int depth;
    size_t size;
    void *frames[DEPTH];
} rec;

static char tomb_byte;
#define TOMB ((void *)&tomb_byte)

static rec recs[SLOTS];
static size_t rec_live;
static int rec_overflow;
static atomic_flag rec_lock = ATOMIC_FLAG_INIT;

static rec failure;        /* the allocation that failed */
static int failure_known;

static void lock(void) {
    while (atomic_flag_test_and_set_explicit(&rec_lock, memory_order_acquire))
        ;
}
static void unlock(void) {
    atomic_flag_clear_explicit(&rec_lock, memory_order_release);
}

static size_t slot_of(const void *p) {
    uintptr_t h = (uintptr_t)p;
    h ^= h >> 17;
    h *= UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 20) % SLOTS;
}

/* Record p (with the caller's backtrace, taken before locking). */
static void rec_add(void *p, size_t size, void **frames, int depth) {
    lock();
    size_t i = slot_of(p);
    for (size_t k = 0; k < SLOTS; k++, i = (i + 1) % SLOTS) {
        if (recs[i].ptr == NULL || recs[i].ptr == TOMB) {
            recs[i].ptr = p;
            recs[i].size = size;
            recs[i].depth = depth;
            memcpy(recs[i].frames, frames, (size_t)depth * sizeof *frames);
            rec_live++;
            unlock();
            return;
        }
    }
    rec_overflow = 1;
    unlock();
}

/* Forget p if it is recorded; a quick look while nothing is recorded. */
static void rec_remove(void *p) {
    if (!p)
        return;
    lock();
    if (rec_live == 0) {
        unlock();
        return;
    }
    size_t i = slot_of(p);
    for (size_t k = 0; k < SLOTS && recs[i].ptr != NULL; k++, i = (i + 1) % SLOTS) {
        if (recs[i].ptr == p) {
            recs[i].ptr = TOMB;
            rec_live--;
            break;
        }
    }
    unlock();
}

static void rec_clear(void) {
    lock();
    memset(recs, 0, sizeof recs);
    rec_live = 0;
    rec_overflow = 0;
    unlock();
}

/* ---- the decision, before each allocation ---- */

/* 1 when this allocation must fail. */
static int should_fail(size_t size) {
    if (!t_armed || t_suspended || t_busy)
        return 0;
    t_count++;
    if (t_fail_at && t_count == t_fail_at) {
        t_failed = 1;
        t_busy = 1;
        failure.depth = backtrace(failure.frames, DEPTH);
        failure.size = size;
        failure_known = 1;
        t_busy = 0;
        return 1;
    }
    return 0;
}

/* After a successful allocation of p. */
static void allocated(void *p, size_t size) {
    atomic_fetch_add_explicit(&live_blocks, 1, memory_order_relaxed);
    if (!t_armed || t_suspended || t_busy)
        return;
    void *frames[DEPTH];
    t_busy = 1;
    int depth = backtrace(frames, DEPTH);
    rec_add(p, size, frames, depth);
    t_busy = 0;
}

static void released(void *p) {
    atomic_fetch_sub_explicit(&live_blocks, 1, memory_order_relaxed);
    rec_remove(p);
}

/* ---- the interposed functions ---- */

EXPORT void *malloc(size_t n) {
    if (should_fail(n)) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = __libc_malloc(n);
    if (p)
        allocated(p, n);
    return p;
}

EXPORT void *calloc(size_t k, size_t n) {
    if (should_fail(k * n)) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = __libc_calloc(k, n);
    if (p)
        allocated(p, k * n);
    return p;
}

EXPORT void *realloc(void *old, size_t n) {
    if (!old)
        return malloc(n);
    if (n == 0) { /* glibc frees and returns NULL */
        released(old);
        return __libc_realloc(old, 0);
    }
    if (should_fail(n)) {
        errno = ENOMEM;
        return NULL; /* old stays as it was */
    }
    void *p = __libc_realloc(old, n);
    if (p && p != old) {
        /* the same block under a new address */
        rec_remove(old);
        atomic_fetch_sub_explicit(&live_blocks, 1, memory_order_relaxed);
        allocated(p, n);
    }
    /* grown in place: a recorded block keeps its record, and one from
     * before the arm is not new either */
    return p;
}

EXPORT void *reallocarray(void *old, size_t k, size_t n) {
    if (n && k > SIZE_MAX / n) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(old, k * n);
}

EXPORT void free(void *p) {
    if (!p)
        return;
    released(p);
    __libc_free(p);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n) {
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return EINVAL;
    if (should_fail(n))
        return ENOMEM;
    void *p = __libc_memalign(align, n);
    if (!p)
        return ENOMEM;
    allocated(p, n);
    *out = p;
    return 0;
}

EXPORT void *memalign(size_t align, size_t n) {
    if (should_fail(n)) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = __libc_memalign(align, n);
    if (p)
        allocated(p, n);
    return p;
}

EXPORT void *aligned_alloc(size_t align, size_t n) {
    return memalign(align, n);
}

EXPORT void *valloc(size_t n) {
    return memalign((size_t)sysconf(_SC_PAGESIZE), n);
}

EXPORT void *pvalloc(size_t n) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return memalign(page, (n + page - 1) / page * page);
}

/* ---- the interface ---- */

void failalloc_arm(unsigned long n) {
    rec_clear();
    failure_known = 0;
    t_count = 0;
    t_fail_at = n;
    t_failed = 0;
    t_armed = 1;
}

unsigned long failalloc_disarm(void) {
    t_armed = 0;
    t_fail_at = 0;
    return t_count;
}

int failalloc_failed(void) {
    return t_failed;
}

void failalloc_suspend(void) {
    t_suspended++;
}

void failalloc_resume(void) {
    t_suspended--;
}

long failalloc_live(void) {
    return atomic_load_explicit(&live_blocks, memory_order_relaxed);
}

void failalloc_init(void) {
    /* The first backtrace() loads libgcc_s, which allocates: not later. */
    void *warm[4];
    t_busy = 1;
    backtrace(warm, 4);
    t_busy = 0;
}

/* -- printing backtraces (after the request: allocating is fine) -- */

/* One frame as "function at file:line (object)", through addr2line for
 * the program itself (its static functions have no dynamic symbol). */
static void print_frame(FILE *out, void *addr) {
    Dl_info info;
    struct link_map *lm = NULL;
    uintptr_t a = (uintptr_t)addr - 1; /* the call, not the return address */
    if (!dladdr1((void *)a, &info, (void **)&lm, RTLD_DL_LINKMAP) || !lm) {
        fprintf(out, "      %p\n", addr);
        return;
    }
    static char exe[4096];
    if (!lm->l_name[0] && !exe[0]) {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = '\0';
    }
    const char *object = lm->l_name[0] ? lm->l_name : exe;
    char cmd[4200], line[512], func[512] = "", where[512] = "";
    snprintf(cmd, sizeof cmd, "addr2line -f -C -e '%s' %#lx 2>/dev/null", object,
             (unsigned long)(a - lm->l_addr));
    FILE *p = popen(cmd, "r");
    if (p) {
        if (fgets(line, sizeof line, p)) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(func, sizeof func, "%s", line);
        }
        if (fgets(line, sizeof line, p)) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(where, sizeof where, "%s", line);
        }
        pclose(p);
    }
    if ((!func[0] || strcmp(func, "??") == 0) && info.dli_sname)
        snprintf(func, sizeof func, "%s", info.dli_sname);
    const char *base = strrchr(object, '/');
    base = base ? base + 1 : object;
    if (where[0] && strncmp(where, "??", 2) != 0) {
        const char *src = strstr(where, "/src/");
        if (!src)
            src = strstr(where, "/tests/");
        fprintf(out, "      %s at %s\n", func[0] ? func : "??", src ? src + 1 : where);
    } else {
        fprintf(out, "      %s (%s+%#lx)\n", func[0] ? func : "??", base,
                (unsigned long)(a - lm->l_addr));
    }
}

static void print_frames(FILE *out, void *const *frames, int depth) {
    /* frame 0 is our own bookkeeping (allocated/should_fail), 1 malloc */
    int shown = 0;
    for (int f = 2; f < depth && shown < 14; f++, shown++) {
        Dl_info info;
        if (dladdr(frames[f], &info) && info.dli_sname &&
            (strcmp(info.dli_sname, "main") == 0 ||
             strcmp(info.dli_sname, "__libc_start_call_main") == 0))
            break;
        print_frame(out, frames[f]);
    }
}

size_t failalloc_report_live(FILE *out, size_t max_shown) {
    static rec copy[SLOTS];
    size_t n = 0;
    lock();
    for (size_t i = 0; i < SLOTS; i++)
        if (recs[i].ptr && recs[i].ptr != TOMB)
            copy[n++] = recs[i];
    int overflow = rec_overflow;
    unlock();
    if (!out)
        return n;
    if (overflow)
        fprintf(out, "    (the record of blocks overflowed: some are not listed)\n");
    for (size_t i = 0; i < n && i < max_shown; i++) {
        fprintf(out, "    block %p of %zu bytes, allocated:\n", copy[i].ptr, copy[i].size);
        print_frames(out, copy[i].frames, copy[i].depth);
    }
    if (n > max_shown)
        fprintf(out, "    ... and %zu more\n", n - max_shown);
    return n;
}

void failalloc_report_failure(FILE *out) {
    if (!failure_known) {
        fprintf(out, "    (no allocation failed)\n");
        return;
    }
    fprintf(out, "    the allocation that failed (%zu bytes):\n", failure.size);
    print_frames(out, failure.frames, failure.depth);
}

void failalloc_report_here(FILE *out) {
    void *frames[DEPTH];
    int n = backtrace(frames, DEPTH);
    print_frames(out, frames, n); /* from our caller's caller */
}

void failalloc_print_backtrace_fd(int fd) {
    void *frames[64];
    int n = backtrace(frames, 64);
    backtrace_symbols_fd(frames, n, fd);
}
