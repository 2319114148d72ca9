/*
 * bin/bench: kernel micro-benchmarks, run by `make bench` as init under
 * QEMU with -icount shift=0, where the TSC advances exactly once per guest
 * instruction.  Each figure is the median over many runs of a busy path
 * (never across a HLT, whose idle time would warp the clock), minus the
 * cost of reading the TSC, and is printed as `BENCH name value insns`.
 *
 * Started with startup.arg 0 it measures; child copies of itself run with
 * arg BENCH_CHILD_YIELD (yield forever) or BENCH_CHILD_EXIT (exit at once).
 */
#include <libmantra/mantra.h>
#include <mantra/syscalls.h>
#include <stdio.h>
#include <string.h>

#define RUNS            1001
#define SPAWN_RUNS      21
#define BENCH_CHILD_YIELD 1
#define BENCH_CHILD_EXIT  2

static uint64_t samples[RUNS];

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

static uint64_t median(uint64_t *v, size_t n)
{
	/* insertion sort: n is small */
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t j = i;
		for (; j && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return v[n / 2];
}

static uint64_t tsc_overhead;

static void report(const char *name, uint64_t value)
{
	printf("BENCH %s %llu insns\n", name, (unsigned long long)value);
}

static void measure_overhead(void)
{
	for (size_t i = 0; i < RUNS; i++) {
		uint64_t t0 = tsc();
		samples[i] = tsc() - t0;
	}
	tsc_overhead = median(samples, RUNS);
}

static uint64_t net(uint64_t delta)
{
	return delta > tsc_overhead ? delta - tsc_overhead : 0;
}

static void bench_null_syscall(void)
{
	for (size_t i = 0; i < RUNS; i++) {
		uint64_t t0 = tsc();
		(void)mt_null();
		samples[i] = net(tsc() - t0);
	}
	report("null_syscall", median(samples, RUNS));
}

/* A yield round trip with one other runnable thread is two switches. */
static void bench_yield_pair(const char *name)
{
	for (size_t i = 0; i < RUNS; i++) {
		uint64_t t0 = tsc();
		(void)mt_thread_yield();
		samples[i] = net(tsc() - t0);
	}
	report(name, median(samples, RUNS) / 2);
}

static void yield_forever(void)
{
	for (;;)
		(void)mt_thread_yield();
}

static mt_handle_t start_yielder_thread(void)
{
	uint64_t stack;
	mt_handle_t th = 0;

	if (mt_map_anon(64 * 1024, MT_PROT_READ | MT_PROT_WRITE, &stack, NULL) < 0 ||
	    mt_thread_create(mt_startup()->self_process, "yielder", 7, &th) < 0 ||
	    mt_thread_start(th, (uint64_t)(uintptr_t)yield_forever,
			    stack + 64 * 1024 - 8, 0, 0) < 0) {
		printf("bench: cannot start a thread\n");
		mt_process_exit(1);
	}
	return th;
}

static void bench_thread_switch(void)
{
	mt_handle_t th = start_yielder_thread();

	bench_yield_pair("thread_switch");
	(void)mt_task_kill(th);
	mt_handle_drop(th);
	(void)mt_thread_yield();
}

static void bench_process_switch(void)
{
	struct mt_spawn_result child;

	if (mt_spawn_file("bin/bench", "yielder", BENCH_CHILD_YIELD, &child) < 0) {
		printf("bench: cannot spawn\n");
		mt_process_exit(1);
	}
	(void)mt_thread_yield();        /* let it start */
	bench_yield_pair("process_switch");
	(void)mt_task_kill(child.process);
	mt_spawn_release(&child);
}

/* First touch of a lazily filled page: fault, zeroed frame, map, return. */
static void bench_page_fault(void)
{
	uint64_t base;

	if (mt_map_anon(RUNS * MT_PAGE_SIZE, MT_PROT_READ | MT_PROT_WRITE, &base, NULL) < 0) {
		printf("bench: cannot map\n");
		mt_process_exit(1);
	}
	for (size_t i = 0; i < RUNS; i++) {
		volatile char *p = (volatile char *)(uintptr_t)(base + i * MT_PAGE_SIZE);
		uint64_t t0 = tsc();
		*p = 1;
		samples[i] = net(tsc() - t0);
	}
	report("page_fault_zero_fill", median(samples, RUNS));
}

static void bench_map_unmap(void)
{
	mt_handle_t as = mt_startup()->self_aspace, mem;

	if (mt_memory_create(MT_PAGE_SIZE, 0, &mem) < 0) {
		printf("bench: cannot create memory\n");
		mt_process_exit(1);
	}
	for (size_t i = 0; i < RUNS; i++) {
		uint64_t t0 = tsc();
		mt_status_t at = mt_vm_map(as, 0, mem, 0, MT_PAGE_SIZE, MT_PROT_READ);
		(void)mt_vm_unmap(as, (uint64_t)at, MT_PAGE_SIZE);
		samples[i] = net(tsc() - t0);
	}
	mt_handle_drop(mem);
	report("map_unmap_page", median(samples, RUNS));
}

/* Create, load and start a process that exits at once, and see it end. */
static void bench_spawn(void)
{
	struct mt_spawn_result child;
	mt_signals_t seen;

	for (size_t i = 0; i < SPAWN_RUNS; i++) {
		uint64_t t0 = tsc();
		if (mt_spawn_file("bin/bench", "child", BENCH_CHILD_EXIT, &child) < 0 ||
		    mt_object_wait_one(child.process, MT_SIGNAL_TERMINATED,
				       MT_TIME_INFINITE, &seen) < 0) {
			printf("bench: spawn failed\n");
			mt_process_exit(1);
		}
		samples[i] = net(tsc() - t0);
		mt_spawn_release(&child);
	}
	report("process_spawn", median(samples, SPAWN_RUNS));
}

int main(const struct mt_startup *startup)
{
	if (startup->arg == BENCH_CHILD_YIELD)
		yield_forever();
	if (startup->arg == BENCH_CHILD_EXIT)
		return 0;
	measure_overhead();
	bench_null_syscall();
	bench_thread_switch();
	bench_process_switch();
	bench_page_fault();
	bench_map_unmap();
	bench_spawn();
	printf("bench: done\n");
	return 0;
}
