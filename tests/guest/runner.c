/*
 * The runner: bin/testinit started as init.  Runs every test in its own
 * process, checks how it ended and that the kernel got back everything the
 * test used, prints one result line per test and a summary, and exits 0
 * only if all passed (the kernel powers QEMU off when init exits in a test
 * boot).
 */
#include "guest.h"

#include <stdio.h>
#include <string.h>

#include <fmt/fmt.h>

/* How long the kernel may take to reclaim a finished test's resources. */
#define RUNNER_SETTLE_TRIES 1000    /* 2 s: emulated CPUs on a busy host run late */
#define RUNNER_SETTLE_NS    2000000

static const char *runner_fault_name(uint32_t kind)
{
	static const char *const names[] = {
		"none", "page", "general", "invalid_opcode", "divide",
		"breakpoint", "other",
	};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

static void runner_stats(struct mt_kernel_stats *s)
{
	memset(s, 0, sizeof(*s));
	(void)mt_debug_stats(mt_startup()->debuglog, s);
}

static bool runner_same_stats(const struct mt_kernel_stats *a,
			      const struct mt_kernel_stats *b)
{
	return a->free_frames == b->free_frames &&
	       a->live_objects == b->live_objects &&
	       a->live_caps == b->live_caps &&
	       a->live_threads == b->live_threads &&
	       a->live_processes == b->live_processes;
}

/* Compare the counters with `before`, giving the kernel time to finish
 * reclaiming; describe a difference in why.  *frames_only tells whether
 * only the free-frame count differs. */
static bool runner_leak_check(const struct mt_kernel_stats *before,
			      char *why, size_t cap, bool *frames_only)
{
	struct mt_kernel_stats after;

	for (int i = 0; i < RUNNER_SETTLE_TRIES; i++) {
		runner_stats(&after);
		if (runner_same_stats(before, &after))
			return true;
		(void)mt_nanosleep(mt_clock_get() + RUNNER_SETTLE_NS);
	}
	*frames_only = after.live_objects == before->live_objects &&
		       after.live_caps == before->live_caps &&
		       after.live_threads == before->live_threads &&
		       after.live_processes == before->live_processes;
	fmt_snprintf(why, cap,
		     "leaked: free frames %lld, objects %+lld, caps %+lld, threads %+lld, processes %+lld",
		     (long long)(after.free_frames - before->free_frames),
		     (long long)(after.live_objects - before->live_objects),
		     (long long)(after.live_caps - before->live_caps),
		     (long long)(after.live_threads - before->live_threads),
		     (long long)(after.live_processes - before->live_processes));
	return false;
}

/* Judge a finished test from its result and shared page. */
static bool runner_judge(const struct gt_test *t, const struct mt_task_result *r,
			 const struct gt_shared *sh, char *why, size_t cap)
{
	if (t->fault == MT_FAULT_NONE) {
		if (r->state == MT_TASK_EXITED && r->exit_code == 0)
			return true;
		if (r->state == MT_TASK_EXITED && sh->reason[0])
			fmt_snprintf(why, cap, "%s", sh->reason);
		else if (r->state == MT_TASK_EXITED)
			fmt_snprintf(why, cap, "exit status %lld",
				     (long long)r->exit_code);
		else if (r->state == MT_TASK_FAULTED)
			fmt_snprintf(why, cap, "%s fault at ip %#llx addr %#llx (vector %llu)%s%s",
				     runner_fault_name(r->fault),
				     (unsigned long long)r->fault_ip,
				     (unsigned long long)r->fault_addr,
				     (unsigned long long)r->fault_vector,
				     sh->reason[0] ? " after: " : "", sh->reason);
		else
			fmt_snprintf(why, cap, "ended in state %u", r->state);
		return false;
	}
	if (r->state != MT_TASK_FAULTED) {
		if (sh->reason[0])
			fmt_snprintf(why, cap, "%s", sh->reason);
		else if (r->state == MT_TASK_EXITED)
			fmt_snprintf(why, cap, "exited with %lld instead of a %s fault",
				     (long long)r->exit_code, runner_fault_name(t->fault));
		else
			fmt_snprintf(why, cap, "state %u instead of a %s fault",
				     r->state, runner_fault_name(t->fault));
		return false;
	}
	if (r->fault != t->fault) {
		fmt_snprintf(why, cap, "%s fault (vector %llu) at ip %#llx, expected %s",
			     runner_fault_name(r->fault),
			     (unsigned long long)r->fault_vector,
			     (unsigned long long)r->fault_ip,
			     runner_fault_name(t->fault));
		return false;
	}
	if (sh->has_ip && r->fault_ip != sh->expect_ip &&
	    r->fault_ip != sh->expect_ip_alt) {
		fmt_snprintf(why, cap, "fault ip %#llx, expected %#llx",
			     (unsigned long long)r->fault_ip,
			     (unsigned long long)sh->expect_ip);
		return false;
	}
	if (sh->has_addr && r->fault_addr != sh->expect_addr) {
		fmt_snprintf(why, cap, "fault address %#llx, expected %#llx",
			     (unsigned long long)r->fault_addr,
			     (unsigned long long)sh->expect_addr);
		return false;
	}
	return true;
}

/* Start test `index` in its own process with the shared page mapped at
 * GT_SHARED_ADDR, wait for it to end and read how it ended. */
static bool runner_run_one(size_t index, const struct gt_test *t,
			   char *why, size_t cap)
{
	const struct mt_startup *self = mt_startup();
	struct mt_spawn_args args = { 0 };
	struct mt_spawn_result child = { 0 };
	struct mt_task_result result;
	struct gt_shared sh;
	struct bootfs_file file;
	mt_handle_t mem = MT_HANDLE_INVALID;
	mt_signals_t seen = 0;
	mt_status_t st;
	bool ok = false;

	st = mt_bootfs_file("bin/testinit", &file);
	if (st >= 0)
		st = mt_memory_create(MT_PAGE_SIZE, 0, &mem);
	char name[MT_NAME_MAX + 1];

	strlcpy(name, t->name, sizeof(name));
	args.name = name;
	args.image = file.data;
	args.image_size = file.size;
	args.arg = index + 1;
	args.bootfs = self->bootfs;
	args.bootfs_size = self->bootfs_size;
	args.debuglog = self->debuglog;
	if (t->flags & GT_F_HW) {       /* only the tests that carve from them */
		args.ioports = self->ioports;
		args.irqs = self->irqs;
	}
	args.suspended = true;
	if (st >= 0)
		st = mt_spawn(&args, &child);
	if (st >= 0)
		st = mt_vm_map(child.aspace, GT_SHARED_ADDR, mem, 0, MT_PAGE_SIZE,
			       MT_PROT_READ | MT_PROT_WRITE | MT_MAP_FIXED);
	if (st >= 0)
		st = mt_spawn_start(&child);
	if (st < 0) {
		fmt_snprintf(why, cap, "cannot start the test process: %s",
			     mt_status_str(st));
		if (child.process)
			(void)mt_task_kill(child.process);
		goto out;
	}
	st = mt_object_wait_one(child.process, MT_SIGNAL_TERMINATED,
				mt_clock_get() + (mt_time_t)t->timeout_ms * 1000000,
				&seen);
	if (st < 0) {
		fmt_snprintf(why, cap, "did not end within %u ms (%s)",
			     t->timeout_ms, mt_status_str(st));
		(void)mt_task_kill(child.process);
		(void)mt_object_wait_one(child.process, MT_SIGNAL_TERMINATED,
					 mt_clock_get() + 1000000000, &seen);
		goto out;
	}
	memset(&sh, 0, sizeof(sh));
	st = mt_task_result(child.process, &result);
	if (st >= 0)
		st = mt_memory_read(mem, 0, &sh, sizeof(sh));
	if (st < 0) {
		fmt_snprintf(why, cap, "cannot read the result: %s", mt_status_str(st));
		goto out;
	}
	sh.reason[GT_REASON_MAX - 1] = '\0';
	ok = runner_judge(t, &result, &sh, why, cap);
out:
	mt_spawn_release(&child);
	mt_handle_drop(mem);
	return ok;
}

/* Touch the stack we will use so that lazily filled stack pages do not
 * count as a test's leak. */
static __attribute__((noinline)) void runner_prefault_stack(void)
{
	volatile char pad[24 * 1024];

	for (size_t i = 0; i < sizeof(pad); i += 512)
		pad[i] = 0;
}

/* Run test i and check it leaked nothing.  Kernel caches (a slab kept
 * for reuse, a page-table page) may keep a few frames the first time a
 * path runs; a difference in frames alone is therefore checked by running
 * the test once more, which must then leave the counters as they were. */
static bool runner_run_checked(size_t i, const struct gt_test *t, char *why,
			       size_t cap, bool may_repeat)
{
	struct mt_kernel_stats before;
	bool frames_only = false;

	runner_stats(&before);
	if (!runner_run_one(i, t, why, cap))
		return false;
	if (runner_leak_check(&before, why, cap, &frames_only))
		return true;
	if (!frames_only || !may_repeat)
		return false;
	why[0] = '\0';
	return runner_run_checked(i, t, why, cap, false);
}

/* Is group g in the comma-separated list `only` ("" or none: all but
 * the explicit tests)? */
static bool runner_selected(const char *only, const char *g, bool explicit)
{
	size_t len = strlen(g);

	if (!only[0])
		return !explicit;
	for (const char *p = only; *p; ) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == len && strncmp(p, g, len) == 0)
			return true;
		p += n + (end != NULL);
	}
	return false;
}

int gt_runner_main(void)
{
	size_t count = (size_t)(__stop_mt_tests - __start_mt_tests);
	size_t passed = 0, failed = 0;
	const struct bootfs *fs;
	char why[GT_REASON_MAX + 64], only[128];
	mt_status_t st;

	runner_prefault_stack();
	st = mt_bootfs(&fs);
	if (st < 0) {
		printf("FAIL guest.bootfs: cannot open the boot archive: %s\n",
		       mt_status_str(st));
		printf("guest: 0 passed, 1 failed\n");
		return 1;
	}
	/* init.groups=a,b on the kernel command line: those groups only. */
	if (!mt_startup_arg("groups", only, sizeof(only)))
		only[0] = '\0';
	printf("guest: running %zu tests%s%s\n", count, only[0] ? " of groups " : "",
	       only);
	for (size_t i = 0; i < count; i++) {
		const struct gt_test *t = &__start_mt_tests[i];
		bool ok;

		if (!runner_selected(only, t->group, t->flags & GT_F_EXPLICIT))
			continue;

		why[0] = '\0';
		ok = runner_run_checked(i, t, why, sizeof(why), true);
		if (ok) {
			passed++;
			printf("ok %s.%s\n", t->group, t->name);
		} else {
			failed++;
			printf("FAIL %s.%s: %.900s\n", t->group, t->name, why);
		}
	}
	printf("guest: %zu passed, %zu failed\n", passed, failed);
	return failed ? 1 : 0;
}
