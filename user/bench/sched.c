/*
 * The scheduling benchmarks of bin/bench (docs/scheduler.md).  Unlike the
 * micro-benchmarks of main.c they measure time across sleeps, in
 * nanoseconds of mt_clock_get: under -icount shift=0 one nanosecond is one
 * guest instruction, and since a HLT warps the clock, the background load
 * keeps the CPU busy throughout.
 *
 * A real-time task (struct rt_task) sleeps until its next release, an
 * absolute time (release k at anchor + k * period), reads the clock as soon
 * as it runs again -- its wake-up latency is that minus the release -- and
 * works for `work` ns.  A wake-up a period or more late is a missed
 * deadline, and so is a release skipped because the task was still a
 * period behind when it came.  The load (struct load): two normal-class
 * threads spinning, one mapping and unmapping a page in a loop (system
 * calls), and a child process yielding in a loop (process switches).
 *
 * rt_wakeup_latency: one task, period 1 ms, budget 200 us, no work; its
 * median latency is what the kernel adds to a wake-up (timer interrupt,
 * wakeup, preemption, switch, the two system-call returns).
 *
 * schedlab: two tasks whose priorities are the wrong way round for their
 * periods (the long job has the higher priority), under whichever policy
 * the kernel was booted with (`sched=`; mt_thread_sched says which).
 * Under rr (fixed priorities) the 2 ms task waits behind the 10 ms task's
 * 3 ms job and misses deadlines; under edf its earlier deadline wins and
 * the 10 ms task waits at most one short job.  Utilization 0.5 (budgets
 * 0.7), within EDF's bound.
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>

#define US              1000LL
#define MS              1000000LL
#define STACK_SIZE      (64 * 1024)
#define LAT_MAX         512             /* releases one task measures, at most */
#define FIRST_RELEASE   (5 * MS)        /* after the anchor: the load is up */
/* Every task's context is set within this of the anchor (all of them in a
 * few microseconds), so each release falls early in a period of its
 * context, whose end is the deadline edf sees. */
#define ANCHOR_GUARD    (20 * US)

struct bench_thread {
	mt_handle_t th;
	uint64_t stack;
};

struct rt_task {
	const char *name;
	uint32_t priority;              /* real-time class */
	mt_time_t period, budget, work;
	size_t releases;                /* to measure, at most LAT_MAX */
	/* Set by run_tasks; n, missed and late written by the task. */
	mt_time_t anchor;               /* release k at anchor + k * period */
	uint64_t work_spins;
	size_t n;
	uint64_t missed;
	uint64_t late[LAT_MAX];
	struct bench_thread thread;
};

struct lat_stats {
	uint64_t min, p50, p90, p99, max;
};

/* ---- Threads --------------------------------------------------------- */

/* A thread of this process, not started yet, and a stack for it. */
static void thread_make(const char *name, struct bench_thread *t)
{
	mt_status_t st;

	if ((st = mt_map_anon(STACK_SIZE, MT_PROT_READ | MT_PROT_WRITE, &t->stack,
			      NULL)) < 0 ||
	    (st = mt_thread_create(mt_startup()->self_process, name, strlen(name),
				   &t->th)) < 0)
		bench_die("thread", st);
}

/* Start t at fn(arg); fn must end with mt_thread_exit. */
static void thread_go(struct bench_thread *t, void (*fn)(uint64_t), uint64_t arg)
{
	mt_status_t st = mt_thread_start(t->th, (uint64_t)(uintptr_t)fn,
					 t->stack + STACK_SIZE - 8, arg, 0);

	if (st < 0)
		bench_die("thread start", st);
}

/* The ns thread th has run on its own context. */
static mt_time_t runtime_of(mt_handle_t th)
{
	struct mt_thread_sched info;

	return mt_thread_sched(th, &info) < 0 ? 0 : info.runtime;
}

/* Wait for t to end (it was told to, or ends by itself), then drop its
 * handle and free its stack.  Returns the ns it ran. */
static mt_time_t thread_join(struct bench_thread *t)
{
	mt_signals_t seen;
	mt_status_t st = mt_object_wait_one(t->th, MT_SIGNAL_TERMINATED,
					    MT_TIME_INFINITE, &seen);
	mt_time_t ran = runtime_of(t->th);

	if (st < 0)
		bench_die("thread join", st);
	mt_handle_drop(t->th);
	(void)mt_vm_unmap(mt_startup()->self_aspace, t->stack, STACK_SIZE);
	return ran;
}

/* ---- Work and load ------------------------------------------------------ */

static uint64_t spins_per_ms;

static void spin(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		__asm__ volatile("" ::: "memory");
}

/* How many spin() rounds make a millisecond (measured before the load
 * starts, so nothing else runs meanwhile). */
static void calibrate_spin(void)
{
	const uint64_t rounds = 1000000;
	mt_time_t t0 = mt_clock_get(), d;

	spin(rounds);
	d = mt_clock_get() - t0;
	spins_per_ms = d > 0 ? rounds * (uint64_t)MS / (uint64_t)d : rounds;
}

static volatile bool load_stop;
static volatile uint64_t load_calls;

static void load_spinner(uint64_t arg)
{
	(void)arg;
	while (!load_stop)
		;
	(void)mt_thread_exit();
}

/* System calls that stay in the kernel a while (about 900 instructions). */
static void load_syscalls(uint64_t mem)
{
	mt_handle_t as = mt_startup()->self_aspace;

	while (!load_stop) {
		mt_status_t at = mt_vm_map(as, 0, (mt_handle_t)mem, 0, MT_PAGE_SIZE,
					   MT_PROT_READ);
		if (at >= 0)
			(void)mt_vm_unmap(as, (uint64_t)at, MT_PAGE_SIZE);
		load_calls++;
	}
	(void)mt_thread_exit();
}

struct load {
	struct bench_thread spinner[2], caller;
	mt_handle_t mem;
	struct mt_spawn_result yielder;
};

/* Start the background load, all of it normal class at the default
 * priority (bin/bench's own). */
static void load_start(struct load *l)
{
	mt_status_t st;

	load_stop = false;
	load_calls = 0;
	if ((st = mt_memory_create(MT_PAGE_SIZE, 0, &l->mem)) < 0 ||
	    (st = mt_spawn_file("bin/bench", "yielder", BENCH_CHILD_YIELD,
				&l->yielder)) < 0)
		bench_die("load", st);
	for (int i = 0; i < 2; i++) {
		thread_make("spinner", &l->spinner[i]);
		thread_go(&l->spinner[i], load_spinner, 0);
	}
	thread_make("caller", &l->caller);
	thread_go(&l->caller, load_syscalls, (uint64_t)l->mem);
}

/* Stop the load; print, after `prefix`, how much of the CPU it had. */
static void load_end(struct load *l, const char *prefix)
{
	mt_time_t spun = 0, called;
	mt_signals_t seen;

	load_stop = true;
	for (int i = 0; i < 2; i++)
		spun += thread_join(&l->spinner[i]);
	called = thread_join(&l->caller);
	printf("%s load: the spinners ran %lld ms, the caller %lld ms (%llu "
	       "map+unmap pairs)\n", prefix, (long long)(spun / MS),
	       (long long)(called / MS), (unsigned long long)load_calls);
	(void)mt_task_kill(l->yielder.process);
	(void)mt_object_wait_one(l->yielder.process, MT_SIGNAL_TERMINATED,
				 MT_TIME_INFINITE, &seen);
	mt_spawn_release(&l->yielder);
	mt_handle_drop(l->mem);
}

/* ---- Real-time tasks ------------------------------------------------------ */

static void rt_task_main(uint64_t arg)
{
	struct rt_task *t = (struct rt_task *)(uintptr_t)arg;
	mt_time_t release = t->anchor + (FIRST_RELEASE / t->period) * t->period;

	while (t->n < t->releases) {
		mt_time_t late, now;

		release += t->period;
		(void)mt_nanosleep(release);
		late = mt_clock_get() - release;
		t->late[t->n++] = late > 0 ? (uint64_t)late : 0;
		if (late >= t->period)
			t->missed++;
		spin(t->work_spins);
		/* Still a period behind the next release: it is missed too. */
		for (now = mt_clock_get(); release + 2 * t->period <= now;
		     release += t->period)
			t->missed++;
	}
	(void)mt_thread_exit();
}

static const char *policy_name(uint32_t policy)
{
	static const char *const names[] = { [MT_SCHED_POLICY_RR] = "rr",
					     [MT_SCHED_POLICY_EDF] = "edf" };

	return policy < sizeof(names) / sizeof(names[0]) ? names[policy] : "unknown";
}

/* Run the tasks as real-time threads under the background load until
 * each has measured its releases; `what` names the benchmark in what is
 * printed.  Returns the name of the policy they ran under. */
static const char *run_tasks(const char *what, struct rt_task *tasks, size_t n)
{
	char prefix[64];
	struct mt_thread_sched info;
	struct load load;
	mt_time_t anchor, rt = 0;
	mt_status_t st;

	for (size_t i = 0; i < n; i++) {
		struct rt_task *t = &tasks[i];
		t->n = 0;
		t->missed = 0;
		t->releases = t->releases < LAT_MAX ? t->releases : LAT_MAX;
		t->work_spins = (uint64_t)t->work * spins_per_ms / (uint64_t)MS;
		thread_make(t->name, &t->thread);
	}
	anchor = mt_clock_get() + ANCHOR_GUARD;
	for (size_t i = 0; i < n; i++)
		if ((st = mt_thread_set_sched(tasks[i].thread.th, MT_SCHED_RT,
					      tasks[i].priority, tasks[i].budget,
					      tasks[i].period)) < 0)
			bench_die("set real-time class", st);
	if ((st = mt_thread_sched(tasks[0].thread.th, &info)) < 0)
		bench_die("thread_sched", st);
	if (mt_clock_get() > anchor)
		printf("bench: warning: real-time contexts set late, deadlines "
		       "off by up to %lld ns\n", (long long)(mt_clock_get() - anchor));
	for (size_t i = 0; i < n; i++) {
		tasks[i].anchor = anchor;
		thread_go(&tasks[i].thread, rt_task_main, (uint64_t)(uintptr_t)&tasks[i]);
	}
	load_start(&load);
	for (size_t i = 0; i < n; i++)
		rt += thread_join(&tasks[i].thread);
	snprintf(prefix, sizeof(prefix), "%s policy=%s", what, policy_name(info.policy));
	printf("%s: %lld ms, the real-time tasks ran %lld ms\n", prefix,
	       (long long)((mt_clock_get() - anchor) / MS), (long long)(rt / MS));
	load_end(&load, prefix);
	return policy_name(info.policy);
}

/* ---- Reporting ------------------------------------------------------------ */

/* The value below which p percent of v[0..n) lie (nearest rank); v sorted. */
static uint64_t percentile(const uint64_t *v, size_t n, unsigned p)
{
	size_t rank = (n * p + 99) / 100;

	return v[rank ? rank - 1 : 0];
}

/* Sorts v. */
static struct lat_stats stats_of(uint64_t *v, size_t n)
{
	bench_sort(v, n);
	return (struct lat_stats){ v[0], percentile(v, n, 50), percentile(v, n, 90),
				   percentile(v, n, 99), v[n - 1] };
}

/* Histogram buckets: upper bounds in ns, the last one open. */
static const struct {
	uint64_t below;
	const char *label;
} buckets[] = {
	{ 1 * US, "<1us" }, { 2 * US, "<2us" }, { 5 * US, "<5us" },
	{ 10 * US, "<10us" }, { 20 * US, "<20us" }, { 50 * US, "<50us" },
	{ 100 * US, "<100us" }, { 200 * US, "<200us" }, { 500 * US, "<500us" },
	{ 1 * MS, "<1ms" }, { 2 * MS, "<2ms" }, { 5 * MS, "<5ms" },
	{ 10 * MS, "<10ms" }, { UINT64_MAX, ">=10ms" },
};
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))
#define BAR_MAX  40

/* A text histogram of v[0..n) (sorted), from the first non-empty bucket
 * to the last, each line starting with `prefix`. */
static void print_histogram(const char *prefix, const uint64_t *v, size_t n)
{
	size_t count[NBUCKETS] = { 0 }, most = 0, first = NBUCKETS, last = 0;
	char bar[BAR_MAX + 1];

	for (size_t i = 0, b = 0; i < n; i++) {
		while (v[i] >= buckets[b].below)
			b++;
		count[b]++;
	}
	for (size_t b = 0; b < NBUCKETS; b++) {
		if (!count[b])
			continue;
		first = first < b ? first : b;
		last = b;
		most = most > count[b] ? most : count[b];
	}
	for (size_t b = first; b <= last && b < NBUCKETS; b++) {
		size_t len = (count[b] * BAR_MAX + most - 1) / most;
		memset(bar, '#', len);
		bar[len] = 0;
		printf("%s %7s |%-*s| %zu\n", prefix, buckets[b].label, BAR_MAX, bar,
		       count[b]);
	}
}

/* One task's line and histogram; sorts its samples. */
static struct lat_stats print_task(const char *prefix, struct rt_task *t)
{
	struct lat_stats s = stats_of(t->late, t->n);

	printf("%s prio=%u period=%lldus budget=%lldus work=%lldus releases=%zu "
	       "missed=%llu min=%llu p50=%llu p90=%llu p99=%llu max=%llu ns\n",
	       prefix, t->priority, (long long)(t->period / US),
	       (long long)(t->budget / US), (long long)(t->work / US), t->n,
	       (unsigned long long)t->missed, (unsigned long long)s.min,
	       (unsigned long long)s.p50, (unsigned long long)s.p90,
	       (unsigned long long)s.p99, (unsigned long long)s.max);
	print_histogram(prefix, t->late, t->n);
	return s;
}

/* ---- The benchmarks --------------------------------------------------- */

BENCH_FN void bench_rt_wakeup_latency(void)
{
	static struct rt_task task = {
		.name = "rt", .priority = 16, .period = 1 * MS, .budget = 200 * US,
		.work = 0, .releases = 301,
	};
	char prefix[64];

	calibrate_spin();
	snprintf(prefix, sizeof(prefix), "rt_wakeup_latency policy=%s",
		 run_tasks("rt_wakeup_latency", &task, 1));
	bench_report("rt_wakeup_latency", print_task(prefix, &task).p50, "ns");
}

BENCH_FN void bench_schedlab(void)
{
	static struct rt_task tasks[] = {
		{ .name = "fast", .priority = 10, .period = 2 * MS, .budget = 600 * US,
		  .work = 400 * US, .releases = 200 },
		{ .name = "slow", .priority = 20, .period = 10 * MS, .budget = 4 * MS,
		  .work = 3 * MS, .releases = 40 },
	};
	static uint64_t all[2 * LAT_MAX];
	const size_t ntasks = sizeof(tasks) / sizeof(tasks[0]);
	char prefix[64], name[64];
	uint64_t missed = 0;
	size_t n = 0;
	const char *pol;
	struct lat_stats s;

	calibrate_spin();
	pol = run_tasks("schedlab", tasks, ntasks);
	for (size_t i = 0; i < ntasks; i++) {
		memcpy(all + n, tasks[i].late, tasks[i].n * sizeof(all[0]));
		n += tasks[i].n;
		missed += tasks[i].missed;
		snprintf(prefix, sizeof(prefix), "schedlab policy=%s task=%s", pol,
			 tasks[i].name);
		s = print_task(prefix, &tasks[i]);
		snprintf(name, sizeof(name), "schedlab_%s_%s_p99", pol, tasks[i].name);
		bench_report(name, s.p99, "ns");
	}
	s = stats_of(all, n);
	printf("schedlab policy=%s all: releases=%zu missed=%llu p50=%llu p99=%llu "
	       "max=%llu ns\n", pol, n, (unsigned long long)missed,
	       (unsigned long long)s.p50, (unsigned long long)s.p99,
	       (unsigned long long)s.max);
	snprintf(name, sizeof(name), "schedlab_%s_p99", pol);
	bench_report(name, s.p99, "ns");
	snprintf(name, sizeof(name), "schedlab_%s_missed", pol);
	bench_report(name, missed, "deadlines");
}
