/* Timing for the benchmarks: the median over repeated batches, each sized
 * to take about 20 ms, so that a noisy neighbour moves one batch and not
 * the figure. */
#ifndef CLOGIN_BENCH_TIMING_H
#define CLOGIN_BENCH_TIMING_H

#include <stdlib.h>
#include <time.h>

#define BENCH_REPEATS 11

typedef void (*bench_fn)(void *ctx);

static inline double bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nanoseconds per call of fn(ctx): the median of BENCH_REPEATS batches. */
static inline double bench_measure(bench_fn fn, void *ctx) {
    size_t iters = 1;
    for (;;) {
        double t = bench_now_ns();
        for (size_t i = 0; i < iters; i++)
            fn(ctx);
        if (bench_now_ns() - t > 2e7 || iters > (1u << 28))
            break;
        iters *= 2;
    }
    double samples[BENCH_REPEATS];
    for (int r = 0; r < BENCH_REPEATS; r++) {
        double t = bench_now_ns();
        for (size_t i = 0; i < iters; i++)
            fn(ctx);
        samples[r] = (bench_now_ns() - t) / (double)iters;
    }
    qsort(samples, BENCH_REPEATS, sizeof samples[0], bench_cmp_double);
    return samples[BENCH_REPEATS / 2];
}

#endif
