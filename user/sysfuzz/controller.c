/*
 * The controller: bin/sysfuzz as init.  It runs a campaign of `calls`
 * random system calls in trees of worker processes, `trees` at a time,
 * each tree with a budget of `budget` calls, and reports
 *
 *   ok fuzz.syscalls: N calls, 0 kernel faults
 *
 * or FAIL fuzz.syscalls: <why>.  Arguments (startup.args; the kernel
 * command line's init.* words): calls, seed, trees, budget, check_ms
 * (how often mt_debug_check runs while trees work), stall_ms (a tree that
 * makes no call for that long is killed and counted as stalled),
 * frame_slack (the leak check's allowance, below), verbose (a line per
 * tree, a table per system call), quota_mib (each tree's kernel-memory
 * quota, carved out of the controller's: 48), fastwait and replyown (default 1: exercise
 * the paths of two kernel bugs it found, since fixed; 0 steps around them;
 * gen.c).
 *
 * The controller runs on a thread of its own at MT_PRIORITY_MAX, so
 * workers that raise their priorities cannot starve it.  A tree ends when
 * its top worker ends (budget spent, killed, faulted or stalled): the
 * controller then kills every process the tree reported (workers report
 * each process they create, before it can run) until the tree's report
 * channel says no writer is left, and asks the kernel to check its
 * invariants.  A kernel panic ends the run: that is the "kernel fault" a
 * passing campaign has none of.
 *
 * The leak check: a short warm-up campaign first (kernel caches fill),
 * then the counters; after the campaign, with every worker gone, live
 * objects, capabilities, threads and processes must be exactly as before and free
 * frames at most frame_slack fewer (a slab cache may keep one empty slab
 * per cache, and our own page tables grow).
 */
#include "sysfuzz.h"

#include <stdio.h>
#include <string.h>

#include <libmantra/ipc.h>
#include <mantra/syscall_info.h>

#define FZ_TREES_MAX    8
#define FZ_TREE_PROCS   256             /* processes a tree may report */
#define FZ_KILL_NS      5000000000LL    /* a killed process must end by then */
#define FZ_POLL_NS      10000000LL
#define FZ_WARMUP_CALLS 2000
#define MS              1000000LL
#define MIN(a, b)       ((a) < (b) ? (a) : (b))
#define MAX(a, b)       ((a) > (b) ? (a) : (b))

struct fz_config {
	uint64_t calls, seed, trees, budget, check_ms, stall_ms, frame_slack;
	uint64_t verbose, fastwait, replyown, quota_mib;
};

struct fz_tree {
	bool active;
	bool stalled;
	uint64_t number;                /* trees started before it */
	uint64_t seed, budget;
	struct mt_spawn_result top;
	mt_handle_t report;             /* our end of its report channel */
	mt_handle_t statsmem;
	volatile struct fz_stats *stats;        /* mapped here too */
	uint64_t last_calls;
	mt_time_t last_progress;
	mt_handle_t procs[FZ_TREE_PROCS];
	uint32_t nprocs;
};

struct fz_campaign {
	struct fz_config cfg;
	const struct mt_startup *su;
	mt_handle_t port;
	struct fz_tree trees[FZ_TREES_MAX];
	uint64_t goal;                  /* calls of this phase */
	uint64_t calls;                 /* calls of finished trees */
	uint64_t started;               /* trees started */
	uint64_t exits, kills, faults, stalls, checks, workers, threads, idle;
	uint64_t fault_stops;           /* trees killed: main stopped on a fault */
	uint64_t attempts[FZ_NR_SLOTS], successes[FZ_NR_SLOTS];
	mt_time_t last_check;
	uint64_t next_report;
	char fail[240];
};

static struct fz_campaign fz_c;

static __attribute__((format(printf, 2, 3)))
void fz_fail(struct fz_campaign *c, const char *fmt, ...)
{
	va_list ap;

	if (c->fail[0])
		return;                 /* the first reason wins */
	va_start(ap, fmt);
	vsnprintf(c->fail, sizeof(c->fail), fmt, ap);
	va_end(ap);
}

static void fz_check(struct fz_campaign *c)
{
	mt_status_t st = mt_debug_check(c->su->debuglog);

	if (st < 0)
		fz_fail(c, "mt_debug_check: %s", mt_status_str(st));
	c->checks++;
	c->last_check = mt_clock_get();
}

/* ---- Trees ------------------------------------------------------------- */

static bool fz_tree_start(struct fz_campaign *c, struct fz_tree *t, uint64_t budget)
{
	const struct mt_startup *su = c->su;
	struct fz_spawn req = { .depth = 0, .bootfs = su->bootfs,
				.flags = (c->cfg.fastwait ? FZ_FAST_WAIT : 0) |
					 (c->cfg.replyown ? FZ_REPLY_OWN_EP : 0) };
	mt_handle_t theirs = 0;
	mt_status_t st;

	memset(t, 0, sizeof(*t));
	t->number = c->started++;
	t->seed = fz_mix(c->cfg.seed * 1000003u + t->number);
	t->budget = budget;
	st = mt_memory_create(MT_PAGE_SIZE, 0, &t->statsmem);
	if (st >= 0)
		st = mt_vm_map(su->self_aspace, 0, t->statsmem, 0, MT_PAGE_SIZE,
			       MT_PROT_READ | MT_PROT_WRITE);
	if (st >= 0) {
		t->stats = (volatile struct fz_stats *)(uintptr_t)st;
		t->stats->magic = FZ_STATS_MAGIC;
		t->stats->budget = budget;
		st = mt_channel_create(&t->report, &theirs);
	}
	if (st >= 0) {
		req.quota = c->cfg.quota_mib << 20;
		req.seed = t->seed;
		req.report = theirs;
		req.statsmem = t->statsmem;
		st = fz_spawn_worker(&req, &t->top);
	}
	if (theirs)
		(void)mt_handle_close(theirs);
	if (st >= 0)
		st = mt_port_watch(c->port, t->top.process, MT_SIGNAL_TERMINATED,
				   (uint64_t)(t - c->trees), MT_PORT_ONCE);
	if (st < 0) {
		fz_fail(c, "cannot start tree %llu: %s", (unsigned long long)t->number,
			mt_status_str(st));
		return false;
	}
	if (c->cfg.verbose)
		printf("sysfuzz: tree %llu: seed %#llx, %llu calls\n",
		       (unsigned long long)t->number, (unsigned long long)t->seed,
		       (unsigned long long)budget);
	t->active = true;
	t->last_progress = mt_clock_get();
	return true;
}

/* Take the process handles the tree sent; true once no writer is left. */
static bool fz_tree_drain(struct fz_campaign *c, struct fz_tree *t)
{
	for (;;) {
		mt_handle_t hs[MT_CHANNEL_HANDLES_MAX];
		uint8_t bytes[16];
		uint64_t actual = 0;
		mt_status_t st = mt_channel_read(t->report, bytes, sizeof(bytes), hs,
						 sizeof(hs), &actual);

		if (st == MT_ERR_PEER_CLOSED)
			return true;
		if (st < 0) {
			if (st != MT_ERR_SHOULD_WAIT)
				fz_fail(c, "reading tree %llu's reports: %s",
					(unsigned long long)t->number, mt_status_str(st));
			return false;
		}
		for (uint32_t i = 0; i < mt_channel_actual_handles(actual); i++) {
			if (t->nprocs < FZ_TREE_PROCS) {
				t->procs[t->nprocs++] = hs[i];
			} else {
				(void)mt_task_kill(hs[i]);
				(void)mt_handle_close(hs[i]);
			}
		}
	}
}

/* Kill a process and wait until it has ended. */
static void fz_kill_wait(struct fz_campaign *c, mt_handle_t p, const char *what)
{
	mt_signals_t seen = 0;
	mt_status_t st = mt_task_kill(p);

	if (st >= 0)
		st = mt_object_wait_one(p, MT_SIGNAL_TERMINATED,
					mt_clock_get() + FZ_KILL_NS, &seen);
	if (st < 0 && st != MT_ERR_WRONG_TYPE)
		fz_fail(c, "%s did not end when killed: %s", what, mt_status_str(st));
}

static void fz_tree_account(struct fz_campaign *c, struct fz_tree *t)
{
	struct mt_task_result r;

	memset(&r, 0, sizeof(r));
	(void)mt_task_result(t->top.process, &r);
	if (t->stalled)
		c->stalls++;
	else if (r.state == MT_TASK_EXITED)
		c->exits++;
	else if (r.state == MT_TASK_FAULTED)
		c->faults++;
	else
		c->kills++;
	c->calls += t->stats->calls;
	c->workers += t->stats->workers + 1;
	c->threads += t->stats->threads;
	for (int i = 0; i < FZ_NR_SLOTS; i++) {
		c->attempts[i] += t->stats->attempts[i];
		c->successes[i] += t->stats->successes[i];
	}
	c->idle = t->stats->calls ? 0 : c->idle + 1;
	if (c->idle > 20)
		fz_fail(c, "20 trees in a row made no call (tree %llu, seed %#llx)",
			(unsigned long long)t->number, (unsigned long long)t->seed);
	if (c->cfg.verbose || t->stalled)
		printf("sysfuzz: tree %llu (seed %#llx) ended: state %u, %llu calls%s\n",
		       (unsigned long long)t->number, (unsigned long long)t->seed,
		       r.state, (unsigned long long)t->stats->calls,
		       t->stalled ? ", stalled" : "");
}

/* The top worker has ended: end the rest of the tree, count, release. */
static void fz_tree_finish(struct fz_campaign *c, struct fz_tree *t)
{
	bool done = false;

	fz_kill_wait(c, t->top.process, "a top worker");
	for (int round = 0; !done && round < 100; round++) {
		done = fz_tree_drain(c, t);
		for (uint32_t i = 0; i < t->nprocs; i++) {
			fz_kill_wait(c, t->procs[i], "a worker's process");
			(void)mt_handle_close(t->procs[i]);
		}
		t->nprocs = 0;
		if (!done)
			(void)mt_nanosleep(mt_clock_get() + MS);
	}
	if (!done)
		fz_fail(c, "tree %llu: a process holds the report channel after "
			"every reported process ended", (unsigned long long)t->number);
	fz_tree_account(c, t);
	(void)mt_port_cancel(c->port, (uint64_t)(t - c->trees));
	(void)mt_vm_unmap(c->su->self_aspace, (uint64_t)(uintptr_t)t->stats, MT_PAGE_SIZE);
	(void)mt_handle_close(t->statsmem);
	(void)mt_handle_close(t->report);
	mt_spawn_release(&t->top);
	t->active = false;
	fz_check(c);
}

/* Keep report channels from filling; kill trees that stopped calling. */
static void fz_tree_watch(struct fz_campaign *c, struct fz_tree *t, mt_time_t now)
{
	(void)fz_tree_drain(c, t);
	if (t->stats->calls != t->last_calls) {
		t->last_calls = t->stats->calls;
		t->last_progress = now;
	} else if (!t->stalled && now - t->last_progress > (mt_time_t)c->cfg.stall_ms * MS) {
		struct mt_object_info oi;
		memset(&oi, 0, sizeof(oi));
		(void)mt_object_info(t->top.thread, &oi);
		/* The top worker's main thread stopped on a fault (it set the
		 * stop policy on itself): its own doing.  Else a stall. */
		if (oi.signals & MT_SIGNAL_FAULTED)
			c->fault_stops++;
		else
			t->stalled = true;
		fz_check(c);            /* a lost wake-up would show here */
		(void)mt_task_kill(t->top.process);
		t->last_progress = now;
	}
}

/* ---- A campaign ---------------------------------------------------------- */

static uint64_t fz_in_flight(struct fz_campaign *c)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < c->cfg.trees; i++)
		if (c->trees[i].active)
			n += c->trees[i].budget;
	return n;
}

static void fz_progress(struct fz_campaign *c, mt_time_t t0)
{
	uint64_t running = 0, ms = (uint64_t)((mt_time_t)(mt_clock_get() - t0) / MS);

	for (uint64_t i = 0; i < c->cfg.trees; i++)
		if (c->trees[i].active)
			running += c->trees[i].stats->calls;
	if (c->calls + running < c->next_report)
		return;
	c->next_report += c->goal / 10 ? c->goal / 10 : 1;
	printf("sysfuzz: %llu calls in %llu.%llu s (%llu/s), %llu trees, %llu workers, "
	       "%llu helper threads, %llu killed, %llu faulted, %llu stalled, %llu checks\n",
	       (unsigned long long)(c->calls + running), (unsigned long long)(ms / 1000),
	       (unsigned long long)(ms % 1000 / 100),
	       (unsigned long long)(ms ? (c->calls + running) * 1000 / ms : 0),
	       (unsigned long long)c->started, (unsigned long long)c->workers,
	       (unsigned long long)c->threads, (unsigned long long)c->kills,
	       (unsigned long long)c->faults, (unsigned long long)c->stalls,
	       (unsigned long long)c->checks);
}

/* Run trees until `goal` calls are done (or something failed). */
static void fz_run(struct fz_campaign *c, uint64_t goal, bool report)
{
	mt_time_t t0 = mt_clock_get();
	bool any = true;

	c->goal = goal;
	c->calls = 0;
	c->next_report = report ? goal / 10 : UINT64_MAX;
	while (any) {
		struct mt_port_packet pkt;
		mt_time_t now;

		any = false;
		for (uint64_t i = 0; i < c->cfg.trees; i++) {
			struct fz_tree *t = &c->trees[i];
			uint64_t left = goal - MIN(goal, c->calls + fz_in_flight(c));
			if (!t->active && left && !c->fail[0])
				(void)fz_tree_start(c, t, MIN(left, c->cfg.budget));
			any |= t->active;
		}
		if (!any)
			break;
		if (mt_port_wait(c->port, mt_clock_get() + FZ_POLL_NS, &pkt) >= 0 &&
		    pkt.key < c->cfg.trees && c->trees[pkt.key].active)
			fz_tree_finish(c, &c->trees[pkt.key]);
		now = mt_clock_get();
		for (uint64_t i = 0; i < c->cfg.trees; i++)
			if (c->trees[i].active)
				fz_tree_watch(c, &c->trees[i], now);
		if (now - c->last_check > (mt_time_t)c->cfg.check_ms * MS)
			fz_check(c);
		if (report)
			fz_progress(c, t0);
	}
}

/* ---- The leak check -------------------------------------------------------- */

static void fz_stats_now(struct fz_campaign *c, struct mt_kernel_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (mt_debug_stats(c->su->debuglog, s) < 0)
		fz_fail(c, "mt_debug_stats failed");
}

static bool fz_same(const struct mt_kernel_stats *a, const struct mt_kernel_stats *b)
{
	return a->live_objects == b->live_objects && a->live_threads == b->live_threads &&
	       a->live_processes == b->live_processes && a->live_caps == b->live_caps;
}

static void fz_leak_check(struct fz_campaign *c, const struct mt_kernel_stats *before)
{
	struct mt_kernel_stats after;
	int64_t frames;

	for (int i = 0; i < 200; i++) {         /* dead threads are reaped lazily */
		fz_stats_now(c, &after);
		if (fz_same(before, &after))
			break;
		(void)mt_nanosleep(mt_clock_get() + 5 * MS);
	}
	frames = (int64_t)after.free_frames - (int64_t)before->free_frames;
	printf("sysfuzz: leak check: objects %+lld, capabilities %+lld, threads %+lld, "
	       "processes %+lld, heap bytes %+lld, free frames %+lld (slack %llu)\n",
	       (long long)(after.live_objects - before->live_objects),
	       (long long)(after.live_caps - before->live_caps),
	       (long long)(after.live_threads - before->live_threads),
	       (long long)(after.live_processes - before->live_processes),
	       (long long)(after.heap_bytes - before->heap_bytes), (long long)frames,
	       (unsigned long long)c->cfg.frame_slack);
	if (!fz_same(before, &after))
		fz_fail(c, "leaked kernel objects: %+lld objects, %+lld capabilities, "
			"%+lld threads, %+lld processes",
			(long long)(after.live_objects - before->live_objects),
			(long long)(after.live_caps - before->live_caps),
			(long long)(after.live_threads - before->live_threads),
			(long long)(after.live_processes - before->live_processes));
	else if (frames < -(int64_t)c->cfg.frame_slack)
		fz_fail(c, "leaked %lld frames", (long long)-frames);
}

static void fz_coverage(struct fz_campaign *c)
{
	char never[200] = "";
	uint32_t ok = 0, can = 0;

	/* Calls that never return, or need the debug log (workers have
	 * none), cannot succeed here. */
	for (size_t k = 0; k < MT_SYSCALL_INFO_COUNT; k++) {
		const struct mt_syscall_info *in = &mt_syscall_infos[k];
		uint32_t n = in->number;
		uint32_t slot = n < FZ_NR_SLOTS - 1 ? n : FZ_NR_SLOTS - 1;
		if (in->noreturn || (in->nargs && in->args[0].obj_type == MT_OBJ_DEBUGLOG))
			continue;
		can++;
		if (c->successes[slot]) {
			ok++;
		} else {
			size_t len = strlen(never);
			snprintf(never + len, sizeof(never) - len, " %s",
				 mt_syscall_infos[k].name);
		}
	}
	printf("sysfuzz: %u of the %u system calls workers can complete succeeded at "
	       "least once%s%s\n", ok, can, never[0] ? "; never:" : "", never);
	for (size_t k = 0; c->cfg.verbose && k < MT_SYSCALL_INFO_COUNT; k++) {
		uint32_t n = mt_syscall_infos[k].number;
		uint32_t slot = n < FZ_NR_SLOTS - 1 ? n : FZ_NR_SLOTS - 1;
		printf("sysfuzz:   %2u %-26s %9llu calls %9llu succeeded\n", n,
		       mt_syscall_infos[k].name, (unsigned long long)c->attempts[slot],
		       (unsigned long long)c->successes[slot]);
	}
}

/* ---- Entry ----------------------------------------------------------------- */

static void fz_control(struct fz_campaign *c)
{
	struct mt_kernel_stats before;
	mt_time_t t0;
	uint64_t ms;

	if (mt_port_create(&c->port) < 0) {
		fz_fail(c, "cannot create a port");
		return;
	}
	fz_check(c);
	fz_run(c, MIN(FZ_WARMUP_CALLS, c->cfg.calls), false);
	memset(c->attempts, 0, sizeof(c->attempts));
	memset(c->successes, 0, sizeof(c->successes));
	c->exits = c->kills = c->faults = c->stalls = c->workers = c->threads = 0;
	c->fault_stops = 0;
	c->started = 0;
	fz_stats_now(c, &before);
	t0 = mt_clock_get();
	fz_run(c, c->cfg.calls, true);
	ms = (uint64_t)((mt_time_t)(mt_clock_get() - t0) / MS);
	fz_check(c);
	printf("sysfuzz: %llu calls in %llu.%03llu s (%llu/s): %llu trees (%llu exited, "
	       "%llu killed, %llu faulted, %llu fault-stopped, %llu stalled), %llu "
	       "workers, %llu helper threads, %llu invariant checks\n",
	       (unsigned long long)c->calls, (unsigned long long)(ms / 1000),
	       (unsigned long long)(ms % 1000),
	       (unsigned long long)(ms ? c->calls * 1000 / ms : 0),
	       (unsigned long long)c->started, (unsigned long long)c->exits,
	       (unsigned long long)c->kills - c->fault_stops, (unsigned long long)c->faults,
	       (unsigned long long)c->fault_stops, (unsigned long long)c->stalls,
	       (unsigned long long)c->workers, (unsigned long long)c->threads,
	       (unsigned long long)c->checks);
	fz_coverage(c);
	fz_leak_check(c, &before);
	fz_check(c);
}

static void fz_control_entry(struct fz_campaign *c)
{
	fz_control(c);
	(void)mt_thread_exit();
	__builtin_trap();
}

static void fz_config(struct fz_config *cfg)
{
	cfg->calls = mt_startup_arg_u64("calls", 100000);
	cfg->seed = mt_startup_arg_u64("seed", 1);
	cfg->trees = MIN(MAX(mt_startup_arg_u64("trees", 3), 1), FZ_TREES_MAX);
	cfg->budget = MAX(mt_startup_arg_u64("budget", 5000), 1);
	cfg->check_ms = mt_startup_arg_u64("check_ms", 250);
	cfg->stall_ms = mt_startup_arg_u64("stall_ms", 2000);
	cfg->frame_slack = mt_startup_arg_u64("frame_slack", 256);
	cfg->verbose = mt_startup_arg_u64("verbose", 0);
	cfg->fastwait = mt_startup_arg_u64("fastwait", 1);
	cfg->quota_mib = mt_startup_arg_u64("quota_mib", 48);
	cfg->replyown = mt_startup_arg_u64("replyown", 1);
}

int fz_controller_main(const struct mt_startup *su)
{
	struct fz_campaign *c = &fz_c;
	uint64_t stack, sp;
	mt_handle_t th;
	mt_signals_t seen;
	mt_status_t st;

	c->su = su;
	fz_config(&c->cfg);
	printf("sysfuzz: seed %llu, %llu calls, %llu trees of %llu calls, checks every "
	       "%llu ms\n", (unsigned long long)c->cfg.seed,
	       (unsigned long long)c->cfg.calls, (unsigned long long)c->cfg.trees,
	       (unsigned long long)c->cfg.budget, (unsigned long long)c->cfg.check_ms);
	/* The campaign runs on a thread of its own at the highest priority. */
	st = mt_map_anon(64 * 1024, MT_PROT_READ | MT_PROT_WRITE, &stack, NULL);
	if (st >= 0)
		st = mt_thread_create(su->self_process, "control", 7, &th);
	if (st >= 0)
		st = mt_thread_set_priority(th, MT_PRIORITY_MAX);
	sp = stack + 64 * 1024 - 8;
	if (st >= 0)
		st = mt_thread_start(th, (uint64_t)(uintptr_t)fz_control_entry, sp,
				     (uint64_t)(uintptr_t)c, 0);
	if (st >= 0)
		st = mt_object_wait_one(th, MT_SIGNAL_TERMINATED, MT_TIME_INFINITE, &seen);
	if (st < 0)
		fz_fail(c, "cannot run the control thread: %s", mt_status_str(st));
	if (c->fail[0]) {
		printf("FAIL fuzz.syscalls: %s\n", c->fail);
		return 1;
	}
	printf("ok fuzz.syscalls: %llu calls, 0 kernel faults\n",
	       (unsigned long long)c->calls);
	return 0;
}
