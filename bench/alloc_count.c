/* A counting allocator for the allocation benchmark (bench_alloc), loaded
 * with LD_PRELOAD. It interposes the malloc family, forwards every call to
 * the real allocator (found with dlsym(RTLD_NEXT)), and counts the calls
 * and requested bytes of the calling thread, so figures depend on the code
 * alone and not on machine noise:
 *
 *   LD_PRELOAD=build/release/bench/liballoc_count.so build/release/bench/bench_alloc
 *
 * A program finds the exported functions with dlsym(RTLD_DEFAULT, ...) and
 * measures nothing when they are absent (the shim was not preloaded).
 *
 * With ALLOC_COUNT_TRACE=1 in the environment, alloc_count_trace_begin()
 * and alloc_count_trace_end() bracket a stretch of the calling thread
 * during which every allocation's backtrace is recorded (in static
 * storage: tracing allocates nothing), and alloc_count_trace_report()
 * prints them symbolised and grouped by the first frame in our own code
 * (the main program, which links libclogin statically, or libclogin.so),
 * with the library function it went through ("via json_loadb").
 *
 * Not counted: allocations made by the shim itself, the dynamic loader's
 * own (it does not use the interposed malloc), and mmap. Counted as an
 * allocation: every malloc, calloc, realloc (but realloc(p, 0), which
 * frees), reallocarray, posix_memalign, aligned_alloc, memalign, valloc and
 * pvalloc call. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <link.h>
#include <malloc.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define TLS __thread __attribute__((tls_model("initial-exec")))

/* The interface, found by programs with dlsym(RTLD_DEFAULT, name). Counts
 * are the calling thread's since its last alloc_count_reset(). */
EXPORT void alloc_count_reset(void);
EXPORT unsigned long alloc_count_get(void);      /* allocation calls */
EXPORT unsigned long alloc_count_bytes(void);    /* bytes they asked for */
EXPORT unsigned long alloc_count_frees(void);    /* free calls (non-NULL) */
EXPORT unsigned long alloc_count_reallocs(void); /* of the allocations, reallocs of a block */
EXPORT int alloc_count_trace_enabled(void);
EXPORT void alloc_count_trace_begin(void);
EXPORT void alloc_count_trace_end(void);
EXPORT unsigned long alloc_count_trace_report(FILE *out, int json, const char *op);

/* ---- the real allocator ---- */

typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void *(*reallocarray_fn)(void *, size_t, size_t);
typedef void (*free_fn)(void *);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);
typedef void *(*aligned_fn)(size_t, size_t);

static malloc_fn real_malloc;
static calloc_fn real_calloc;
static realloc_fn real_realloc;
static reallocarray_fn real_reallocarray;
static free_fn real_free;
static posix_memalign_fn real_posix_memalign;
static aligned_fn real_aligned_alloc;
static aligned_fn real_memalign;
static malloc_fn real_valloc;
static malloc_fn real_pvalloc;

/* While dlsym runs it may allocate (glibc's dlerror buffer uses calloc):
 * those requests are served from this buffer and never freed. */
static _Alignas(max_align_t) unsigned char boot_buf[16384];
static size_t boot_used;
static int resolving;

static int from_boot(const void *p) {
    return (const unsigned char *)p >= boot_buf &&
           (const unsigned char *)p < boot_buf + sizeof boot_buf;
}

static void *boot_alloc(size_t n) {
    /* a size header before each block, for realloc */
    size_t a = _Alignof(max_align_t);
    size_t need = (n + a - 1) / a * a + a;
    if (boot_used + need > sizeof boot_buf)
        return NULL;
    unsigned char *p = boot_buf + boot_used;
    boot_used += need;
    memcpy(p, &n, sizeof n);
    return p + a;
}

static size_t boot_size(const void *p) {
    size_t n;
    memcpy(&n, (const unsigned char *)p - _Alignof(max_align_t), sizeof n);
    return n;
}

static void *lookup(const char *name) {
    return dlsym(RTLD_NEXT, name);
}

/* Function pointers from dlsym without the object-to-function cast that
 * ISO C does not define. */
#define RESOLVE(var, name)                      \
    do {                                        \
        void *sym_ = lookup(name);              \
        memcpy(&(var), &sym_, sizeof(var));     \
    } while (0)

static int trace_enabled;

static void resolve(void) {
    if (resolving)
        return;
    resolving = 1;
    RESOLVE(real_malloc, "malloc");
    RESOLVE(real_calloc, "calloc");
    RESOLVE(real_realloc, "realloc");
    RESOLVE(real_reallocarray, "reallocarray");
    RESOLVE(real_free, "free");
    RESOLVE(real_posix_memalign, "posix_memalign");
    RESOLVE(real_aligned_alloc, "aligned_alloc");
    RESOLVE(real_memalign, "memalign");
    RESOLVE(real_valloc, "valloc");
    RESOLVE(real_pvalloc, "pvalloc");
    const char *t = getenv("ALLOC_COUNT_TRACE");
    trace_enabled = t && *t && strcmp(t, "0") != 0;
    resolving = 0;
}

__attribute__((constructor)) static void alloc_count_init(void) {
    if (!real_malloc)
        resolve();
}

/* ---- per-thread counters ---- */

static TLS unsigned long t_allocs, t_bytes, t_frees, t_reallocs;
static TLS int t_busy;    /* inside the shim's own work: count nothing */
static TLS int t_tracing; /* between trace_begin and trace_end */

/* ---- the trace ---- */

#define TRACE_MAX 4096
#define TRACE_DEPTH 48

typedef struct trace_rec {
    void *frames[TRACE_DEPTH];
    int depth;
    size_t size;
    const char *fn; /* "malloc", "calloc", ... */
} trace_rec;

static trace_rec traces[TRACE_MAX];
static size_t trace_count, trace_dropped;

static void record(const char *fn, size_t size) {
    if (!t_tracing || t_busy)
        return;
    if (trace_count >= TRACE_MAX) {
        trace_dropped++;
        return;
    }
    t_busy = 1;
    trace_rec *rec = &traces[trace_count++];
    rec->depth = backtrace(rec->frames, TRACE_DEPTH);
    rec->size = size;
    rec->fn = fn;
    t_busy = 0;
}

static void count(const char *fn, size_t size, int is_realloc) {
    if (t_busy)
        return;
    t_allocs++;
    t_bytes += size;
    if (is_realloc)
        t_reallocs++;
    record(fn, size);
}

/* ---- the interposed functions ---- */

EXPORT void *malloc(size_t n) {
    if (!real_malloc) {
        if (resolving)
            return boot_alloc(n);
        resolve();
    }
    void *p = real_malloc(n);
    count("malloc", n, 0);
    return p;
}

EXPORT void *calloc(size_t k, size_t n) {
    if (!real_calloc) {
        if (resolving) {
            if (n && k > SIZE_MAX / n)
                return NULL;
            return boot_alloc(k * n); /* static storage: already zero */
        }
        resolve();
    }
    void *p = real_calloc(k, n);
    count("calloc", k * n, 0);
    return p;
}

EXPORT void *realloc(void *old, size_t n) {
    if (!real_realloc) {
        if (resolving)
            return boot_alloc(n);
        resolve();
    }
    if (old && from_boot(old)) {
        void *p = malloc(n);
        if (p) {
            size_t m = boot_size(old);
            memcpy(p, old, m < n ? m : n);
        }
        return p;
    }
    if (old && n == 0) {
        if (!t_busy)
            t_frees++;
        return real_realloc(old, n);
    }
    void *p = real_realloc(old, n);
    count("realloc", n, old != NULL);
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
    if (!p || from_boot(p))
        return;
    if (!real_free)
        resolve();
    if (!t_busy)
        t_frees++;
    real_free(p);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n) {
    if (!real_posix_memalign)
        resolve();
    int rc = real_posix_memalign(out, align, n);
    count("posix_memalign", n, 0);
    return rc;
}

EXPORT void *aligned_alloc(size_t align, size_t n) {
    if (!real_aligned_alloc)
        resolve();
    void *p = real_aligned_alloc(align, n);
    count("aligned_alloc", n, 0);
    return p;
}

EXPORT void *memalign(size_t align, size_t n) {
    if (!real_memalign)
        resolve();
    void *p = real_memalign(align, n);
    count("memalign", n, 0);
    return p;
}

EXPORT void *valloc(size_t n) {
    if (!real_valloc)
        resolve();
    void *p = real_valloc(n);
    count("valloc", n, 0);
    return p;
}

EXPORT void *pvalloc(size_t n) {
    if (!real_pvalloc)
        resolve();
    void *p = real_pvalloc(n);
    count("pvalloc", n, 0);
    return p;
}

/* ---- the counting interface ---- */

EXPORT void alloc_count_reset(void) {
    t_allocs = t_bytes = t_frees = t_reallocs = 0;
}
EXPORT unsigned long alloc_count_get(void) {
    return t_allocs;
}
EXPORT unsigned long alloc_count_bytes(void) {
    return t_bytes;
}
EXPORT unsigned long alloc_count_frees(void) {
    return t_frees;
}
EXPORT unsigned long alloc_count_reallocs(void) {
    return t_reallocs;
}

/* ---- the tracing interface ---- */

/* 1 when ALLOC_COUNT_TRACE is set (tracing does something). */
EXPORT int alloc_count_trace_enabled(void) {
    return trace_enabled;
}

EXPORT void alloc_count_trace_begin(void) {
    if (!trace_enabled)
        return;
    /* The first backtrace() loads libgcc_s, which allocates: do it now. */
    void *warm[4];
    t_busy = 1;
    backtrace(warm, 4);
    t_busy = 0;
    trace_count = trace_dropped = 0;
    t_tracing = 1;
}

EXPORT void alloc_count_trace_end(void) {
    t_tracing = 0;
}

/* -- symbolisation (after the trace: allocating is fine here) -- */

typedef struct frame_info {
    int ours;          /* in the main program or libclogin */
    char name[160];    /* function (inline chains joined by " < ") */
    char object[64];   /* the object's base name */
} frame_info;

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Names of addresses in our code through addr2line, which reads the symbol
 * table (and, when the build has debug information, inlined frames). */
typedef struct sym_cache {
    const char *object;  /* path addr2line reads */
    uintptr_t offset;
    char name[160];
} sym_cache;

static sym_cache *cache;
static size_t cache_len, cache_cap;

static const char *cached(const char *object, uintptr_t offset) {
    for (size_t i = 0; i < cache_len; i++)
        if (cache[i].offset == offset && strcmp(cache[i].object, object) == 0)
            return cache[i].name;
    return NULL;
}

static void cache_put(const char *object, uintptr_t offset, const char *name) {
    if (cache_len == cache_cap) {
        size_t cap = cache_cap ? cache_cap * 2 : 256;
        sym_cache *c = realloc(cache, cap * sizeof *c);
        if (!c)
            return;
        cache = c;
        cache_cap = cap;
    }
    cache[cache_len].object = object;
    cache[cache_len].offset = offset;
    snprintf(cache[cache_len].name, sizeof cache[cache_len].name, "%s", name);
    cache_len++;
}

/* Resolve every offset of one object with a single addr2line run. */
static void addr2line_batch(const char *object, const uintptr_t *offs, size_t n) {
    if (n == 0)
        return;
    size_t cmd_cap = strlen(object) + 64 + n * 20;
    char *cmd = malloc(cmd_cap);
    if (!cmd)
        return;
    size_t len = (size_t)snprintf(cmd, cmd_cap, "addr2line -a -f -i -C -e '%s'", object);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(cmd + len, cmd_cap - len, " %#lx", (unsigned long)offs[i]);
    FILE *p = popen(cmd, "r");
    free(cmd);
    if (!p)
        return;
    char line[1024], name[160] = "";
    uintptr_t cur = 0;
    int have = 0, want_func = 0;
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "0x", 2) == 0) {
            if (have)
                cache_put(object, cur, name);
            cur = (uintptr_t)strtoull(line, NULL, 16);
            name[0] = '\0';
            have = 1;
            want_func = 1;
        } else if (want_func) {
            /* inline chain: innermost first */
            if (name[0]) {
                size_t l = strlen(name);
                snprintf(name + l, sizeof name - l, " < %s", line);
            } else {
                snprintf(name, sizeof name, "%s", line);
            }
            want_func = 0;
        } else {
            want_func = 1; /* that was file:line; a function may follow */
        }
    }
    if (have)
        cache_put(object, cur, name);
    pclose(p);
}

static int is_ours(const struct link_map *lm) {
    return lm && (lm->l_name[0] == '\0' || strstr(base_name(lm->l_name), "libclogin"));
}

/* The file addr2line reads: the main program by its real path (a child's
 * /proc/self/exe is the child). */
static const char *object_path(const struct link_map *lm) {
    static char exe[4096];
    if (lm->l_name[0])
        return lm->l_name;
    if (!exe[0]) {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0)
            return "/proc/self/exe";
        exe[n] = '\0';
    }
    return exe;
}

static void describe(void *addr, frame_info *out) {
    Dl_info info;
    struct link_map *lm = NULL;
    memset(out, 0, sizeof *out);
    /* a return address: look up the call instruction before it */
    uintptr_t a = (uintptr_t)addr - 1;
    if (!dladdr1((void *)a, &info, (void **)&lm, RTLD_DL_LINKMAP) || !lm) {
        snprintf(out->name, sizeof out->name, "%p", addr);
        snprintf(out->object, sizeof out->object, "?");
        return;
    }
    out->ours = is_ours(lm);
    snprintf(out->object, sizeof out->object, "%s",
             lm->l_name[0] ? base_name(lm->l_name) : "(main program)");
    if (out->ours) {
        const char *n = cached(object_path(lm), a - lm->l_addr);
        if (n && n[0] && strcmp(n, "??") != 0) {
            snprintf(out->name, sizeof out->name, "%s", n);
            return;
        }
    }
    if (info.dli_sname)
        snprintf(out->name, sizeof out->name, "%s", info.dli_sname);
    else
        snprintf(out->name, sizeof out->name, "%s+%#lx", out->object,
                 (unsigned long)(a - lm->l_addr));
}

/* Feed addr2line every address of our code the trace holds. */
static void symbolise_ours(void) {
    const char *objs[8];
    size_t nobj = 0;
    uintptr_t *offs = malloc(trace_count * TRACE_DEPTH * sizeof *offs);
    if (!offs)
        return;
    for (size_t pass = 0; pass < 8; pass++) {
        const char *obj = NULL;
        size_t n = 0;
        for (size_t i = 0; i < trace_count; i++) {
            for (int f = 0; f < traces[i].depth; f++) {
                Dl_info info;
                struct link_map *lm = NULL;
                uintptr_t a = (uintptr_t)traces[i].frames[f] - 1;
                if (!dladdr1((void *)a, &info, (void **)&lm, RTLD_DL_LINKMAP) || !is_ours(lm))
                    continue;
                const char *path = object_path(lm);
                int done = 0;
                for (size_t k = 0; k < nobj; k++)
                    done |= strcmp(objs[k], path) == 0;
                if (done)
                    continue;
                if (!obj)
                    obj = path;
                if (strcmp(obj, path) == 0)
                    offs[n++] = a - lm->l_addr;
            }
        }
        if (!obj)
            break;
        addr2line_batch(obj, offs, n);
        objs[nobj++] = obj;
    }
    free(offs);
}

typedef struct group {
    char key[400];
    char site[160];   /* the first frame in our code */
    char via[200];    /* the library function our code called, and the allocator */
    char chain[600];  /* our callers, innermost first */
    unsigned long count;
    unsigned long bytes;
} group;

static int cmp_group(const void *a, const void *b) {
    const group *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->key, y->key);
}

static void json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(out, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(out, "\\u%04x", (unsigned char)*s);
        else
            fputc(*s, out);
    }
    fputc('"', out);
}

/* Print the recorded allocations grouped by where they come from: a table,
 * or with json one line per group tagged with op. Returns the number of
 * allocations traced. */
EXPORT unsigned long alloc_count_trace_report(FILE *out, int json, const char *op) {
    if (!trace_enabled) {
        fprintf(out, "allocation trace: not enabled (set ALLOC_COUNT_TRACE=1)\n");
        return 0;
    }
    Dl_info self;
    void *self_base = dladdr((void *)(uintptr_t)alloc_count_trace_begin, &self) ? self.dli_fbase : NULL;
    symbolise_ours();
    group *groups = calloc(trace_count ? trace_count : 1, sizeof *groups);
    size_t ngroups = 0;
    if (!groups)
        return 0;
    for (size_t i = 0; i < trace_count; i++) {
        trace_rec *rec = &traces[i];
        frame_info fi;
        char via[200] = "", site[160] = "(no frame in our code)", chain[600] = "";
        const char *entry = NULL; /* outermost foreign frame below ours */
        char entry_buf[200] = "";
        int f = 0, found = 0;
        for (; f < rec->depth; f++) {
            Dl_info info;
            if (self_base && dladdr(rec->frames[f], &info) && info.dli_fbase == self_base)
                continue; /* the shim itself */
            describe(rec->frames[f], &fi);
            if (fi.ours) {
                snprintf(site, sizeof site, "%s", fi.name);
                found = 1;
                break;
            }
            snprintf(entry_buf, sizeof entry_buf, "%s (%s)", fi.name, fi.object);
            entry = entry_buf;
        }
        if (entry)
            snprintf(via, sizeof via, "%s -> %s", entry, rec->fn);
        else
            snprintf(via, sizeof via, "%s", rec->fn);
        /* our callers above the site, up to four */
        size_t clen = 0;
        int shown = 0;
        for (int g = found ? f + 1 : rec->depth; g < rec->depth && shown < 4; g++) {
            describe(rec->frames[g], &fi);
            if (!fi.ours || strcmp(fi.name, "main") == 0 || strncmp(fi.name, "__libc_start", 12) == 0)
                break;
            clen += (size_t)snprintf(chain + clen, sizeof chain - clen, "%s%s",
                                     shown ? " < " : "", fi.name);
            if (clen >= sizeof chain)
                break;
            shown++;
        }
        char key[400];
        snprintf(key, sizeof key, "%s|%s|%s", site, via, chain);
        size_t k = 0;
        while (k < ngroups && strcmp(groups[k].key, key) != 0)
            k++;
        if (k == ngroups) {
            snprintf(groups[k].key, sizeof groups[k].key, "%s", key);
            snprintf(groups[k].site, sizeof groups[k].site, "%s", site);
            snprintf(groups[k].via, sizeof groups[k].via, "%s", via);
            snprintf(groups[k].chain, sizeof groups[k].chain, "%s", chain);
            ngroups++;
        }
        groups[k].count++;
        groups[k].bytes += rec->size;
    }
    qsort(groups, ngroups, sizeof *groups, cmp_group);
    if (json) {
        for (size_t k = 0; k < ngroups; k++) {
            fprintf(out, "{\"section\": \"allocation_sources\", \"op\": ");
            json_string(out, op ? op : "");
            fprintf(out, ", \"count\": %lu, \"bytes\": %lu, \"site\": ", groups[k].count,
                    groups[k].bytes);
            json_string(out, groups[k].site);
            fprintf(out, ", \"via\": ");
            json_string(out, groups[k].via);
            fprintf(out, ", \"callers\": ");
            json_string(out, groups[k].chain);
            fprintf(out, "}\n");
        }
    } else {
        fprintf(out, "allocations of one %s request by source (%zu traced%s):\n",
                op ? op : "", trace_count, trace_dropped ? ", some dropped" : "");
        for (size_t k = 0; k < ngroups; k++) {
            fprintf(out, "  %3lu x %6lu B  from %s via %s\n", groups[k].count, groups[k].bytes,
                    groups[k].site, groups[k].via);
            if (groups[k].chain[0])
                fprintf(out, "                    called from %s\n", groups[k].chain);
        }
    }
    unsigned long n = trace_count;
    free(groups);
    return n;
}
