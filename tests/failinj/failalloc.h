/* An allocator for allocation-failure injection (failalloc.c), linked into
 * the test program itself: it defines malloc, calloc, realloc, free and the
 * aligned variants, so libclogin (linked statically) and every shared
 * library the program loads (libcrypto, jansson, zlib, SQLite, hiredis)
 * allocate through it. Each call is forwarded to glibc (__libc_malloc and
 * friends); nothing changes but the counting and the one failure asked for.
 *
 * Per thread: between failalloc_arm() and failalloc_disarm() the thread's
 * allocations are counted (malloc, calloc, realloc of n > 0 bytes,
 * reallocarray, posix_memalign, aligned_alloc, memalign, valloc, pvalloc),
 * and the nth of them fails as it would when memory runs out (NULL, or
 * ENOMEM from posix_memalign), then everything succeeds again. The
 * allocations made while armed are recorded with a backtrace until freed,
 * so a leak names the place it was allocated.
 *
 * Per process: the number of live blocks (allocated and not yet freed), by
 * any thread, armed or not. */
#ifndef CLOGIN_FAILALLOC_H
#define CLOGIN_FAILALLOC_H

#include <stdio.h>

/* Start counting this thread's allocations; fail the nth from now (counting
 * from 1); n == 0: only count. Forgets the blocks recorded by the last arm. */
void failalloc_arm(unsigned long n);
/* Stop; returns how many allocations this thread made while armed. */
unsigned long failalloc_disarm(void);
/* Whether the allocation asked to fail was reached (and failed). */
int failalloc_failed(void);
/* While suspended (nesting), this thread's allocations are neither counted
 * nor failed: the application's own objects, which are not under test. */
void failalloc_suspend(void);
void failalloc_resume(void);

/* Blocks allocated and not freed, in the whole process. */
long failalloc_live(void);

/* The blocks allocated while armed and still live: their number, and with
 * out their backtraces printed (symbolised with addr2line when it can). */
size_t failalloc_report_live(FILE *out, size_t max_shown);
/* The backtrace of the allocation that failed, printed. */
void failalloc_report_failure(FILE *out);
/* A backtrace from the caller's caller on, symbolised (allocates). */
void failalloc_report_here(FILE *out);
/* A backtrace of the caller, printed raw (async-signal-safe). */
void failalloc_print_backtrace_fd(int fd);

/* Call once at start, before any thread: loads what backtrace() needs. */
void failalloc_init(void);

#endif
