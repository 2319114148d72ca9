/*
 * What the files of bin/bench (user/bench) share: the child roles, sorting,
 * reporting and the fatal-error exit.  main.c holds the micro-benchmarks,
 * sched.c the scheduling ones (rt_wakeup_latency, schedlab).
 */
#ifndef USER_BENCH_BENCH_H
#define USER_BENCH_BENCH_H

#include <libmantra/mantra.h>
#include <mantra/syscalls.h>

/* Kept out of line so `make profile` can find each benchmark by name. */
#define BENCH_FN __attribute__((noinline))

#define BENCH_CHILD_YIELD 1     /* startup.arg of a child that yields forever */

/* Sort v[0..n) in place, ascending. */
void bench_sort(uint64_t *v, size_t n);

/* Print one figure for tools/bench.py: `BENCH name value unit`. */
void bench_report(const char *name, uint64_t value, const char *unit);

/* Say what failed and end the benchmark run (exit status 1). */
__attribute__((noreturn)) void bench_die(const char *what, mt_status_t st);

/* sched.c */
void bench_rt_wakeup_latency(void);
void bench_schedlab(void);

#endif /* USER_BENCH_BENCH_H */
