/*
 * bin/testinit: entry, the failure-reporting functions of a test process
 * and the helpers tests share.  See guest.h.
 */
#include "guest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fmt/fmt.h>

/* Append to the shared reason (truncating; "; " between notes). */
static void gt_reason_vappend(const char *fmt, va_list ap)
{
	struct gt_shared *sh = gt_shared();
	size_t len = strnlen(sh->reason, GT_REASON_MAX - 1);

	if (len && len < GT_REASON_MAX - 3) {
		sh->reason[len++] = ';';
		sh->reason[len++] = ' ';
	}
	fmt_vsnprintf(sh->reason + len, GT_REASON_MAX - len, fmt, ap);
}

/* Our own handles to the helpers we started, so that a failing test does
 * not leave them running (processes outlive their creators). */
#define GT_HELPERS_MAX 32
static mt_handle_t gt_helpers[GT_HELPERS_MAX];
static int gt_helper_count;

static __attribute__((noreturn)) void gt_exit_failed(void)
{
	for (int i = 0; i < gt_helper_count; i++)
		(void)mt_task_kill(gt_helpers[i]);
	exit(1);
}

void gt_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gt_reason_vappend(fmt, ap);
	va_end(ap);
	gt_exit_failed();
}

static bool gt_noted;

void gt_note(const char *fmt, ...)
{
	va_list ap;

	gt_noted = true;
	va_start(ap, fmt);
	gt_reason_vappend(fmt, ap);
	va_end(ap);
}

void gt_check_notes(void)
{
	if (gt_noted)
		gt_exit_failed();
}

void gt_expect_fault_ip(uint64_t ip, uint64_t alt)
{
	gt_shared()->expect_ip = ip;
	gt_shared()->expect_ip_alt = alt ? alt : ip;
	gt_shared()->has_ip = 1;
}

void gt_expect_fault_addr(uint64_t addr)
{
	gt_shared()->expect_addr = addr;
	gt_shared()->has_addr = 1;
}

mt_handle_t gt_self(void)
{
	return mt_startup()->self_process;
}

mt_handle_t gt_aspace(void)
{
	return mt_startup()->self_aspace;
}

mt_handle_t gt_log(void)
{
	return mt_startup()->debuglog;
}

mt_rights_t gt_rights_without(mt_handle_t h, mt_rights_t drop)
{
	return (mt_rights_t)GT_OK(mt_handle_rights(h)) & ~drop;
}

mt_time_t gt_deadline_ms(uint64_t ms)
{
	return mt_clock_get() + (mt_time_t)(ms * 1000000u);
}

void *gt_alloc_pages(uint64_t size)
{
	uint64_t addr;

	GT_OK(mt_map_anon(size, MT_PROT_READ | MT_PROT_WRITE, &addr, NULL));
	return (void *)(uintptr_t)addr;
}

struct gt_thread_start {
	void (*fn)(void *);
	void *arg;
};

static __attribute__((noreturn)) void gt_thread_entry(struct gt_thread_start *ts)
{
	ts->fn(ts->arg);
	(void)mt_thread_exit();
	__builtin_trap();
}

mt_handle_t gt_thread_prepare(void (*fn)(void *), void *arg, uint64_t *entry,
			      uint64_t *sp)
{
	const uint64_t size = 64 * 1024;
	char *stack = gt_alloc_pages(size);
	struct gt_thread_start *ts;
	mt_handle_t th;

	/* The start block sits at the stack top; the entry sees rsp + 8
	 * 16-aligned, as after a call (x86-64 psABI 3.2.2). */
	ts = (struct gt_thread_start *)(stack + size - 32);
	ts->fn = fn;
	ts->arg = arg;
	GT_OK(mt_thread_create(gt_self(), "gt", 2, &th));
	*entry = (uint64_t)(uintptr_t)gt_thread_entry;
	*sp = (uint64_t)(uintptr_t)ts - 8;
	return th;
}

mt_handle_t gt_thread_spawn(void (*fn)(void *), void *arg, uint64_t tls)
{
	uint64_t entry, sp;
	mt_handle_t th = gt_thread_prepare(fn, arg, &entry, &sp);
	const struct gt_thread_start *ts =
		(const struct gt_thread_start *)(uintptr_t)(sp + 8);

	GT_OK(mt_thread_start(th, entry, sp, (uint64_t)(uintptr_t)ts, tls));
	return th;
}

mt_signals_t gt_wait(mt_handle_t h, mt_signals_t signals, uint64_t ms)
{
	mt_signals_t seen = 0;
	mt_status_t st = mt_object_wait_one(h, signals, gt_deadline_ms(ms), &seen);

	if (st < 0)
		gt_fail("waiting for signals %#x: %s (seen %#x)", signals,
			mt_status_str(st), seen);
	if (!(seen & signals))
		gt_fail("wait returned without signals %#x (seen %#x)",
			signals, seen);
	return seen;
}

/* Spawn bin/testinit in helper role `id` (suspended if asked) and keep a
 * handle to it, so a failing test can kill the helpers it started. */
static void gt_helper_spawn(enum gt_helper id, uint16_t param, uint32_t policy,
			    bool suspended, struct mt_spawn_result *out)
{
	const struct mt_startup *self = mt_startup();
	struct mt_spawn_args args = { 0 };
	struct bootfs_file file;

	GT_OK(mt_bootfs_file("bin/testinit", &file));
	args.name = "helper";
	args.image = file.data;
	args.image_size = file.size;
	args.arg = GT_HELPER_ARG(id, param);
	args.bootfs = self->bootfs;
	args.bootfs_size = self->bootfs_size;
	args.debuglog = self->debuglog;
	args.fault_policy = policy;
	args.suspended = suspended;
	GT_OK(mt_spawn(&args, out));
	gt_helper_track(out->process);
}

void gt_helper_track(mt_handle_t process)
{
	if (gt_helper_count < GT_HELPERS_MAX &&
	    mt_handle_duplicate(process, MT_RIGHT_SAME,
				&gt_helpers[gt_helper_count]) >= 0)
		gt_helper_count++;
}

void gt_helper_release(struct mt_spawn_result *res)
{
	struct mt_object_info mine, kept;

	if (mt_object_info(res->process, &mine) >= 0) {
		for (int i = 0; i < gt_helper_count; i++) {
			if (mt_object_info(gt_helpers[i], &kept) < 0 ||
			    kept.koid != mine.koid)
				continue;
			mt_handle_drop(gt_helpers[i]);
			gt_helpers[i] = gt_helpers[--gt_helper_count];
			break;
		}
	}
	mt_spawn_release(res);
}

void gt_spawn_helper(enum gt_helper id, uint16_t param, uint32_t policy,
		     struct mt_spawn_result *out)
{
	gt_helper_spawn(id, param, policy, false, out);
}

void gt_spawn_helper_box(enum gt_helper id, uint16_t param,
			 const mt_handle_t *give, size_t n, mt_handle_t *box,
			 struct mt_spawn_result *out)
{
	struct gt_box values;

	GT_CHECK(n <= GT_BOX_HANDLES);
	memset(&values, 0, sizeof(values));
	gt_helper_spawn(id, param, MT_FAULT_POLICY_KILL, true, out);
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, box));
	GT_OK(mt_vm_map(out->aspace, GT_BOX_ADDR, *box, 0, MT_PAGE_SIZE,
			MT_PROT_READ | MT_PROT_WRITE | MT_MAP_FIXED));
	for (size_t i = 0; i < n; i++)
		GT_OK(mt_process_give_handle(out->process, give[i], &values.h[i]));
	GT_OK(mt_memory_write(*box, 0, &values, sizeof(values)));
	GT_OK(mt_spawn_start(out));
}

void gt_spawn_helper_quota(enum gt_helper id, uint16_t param, uint64_t extra,
			   mt_handle_t *box, struct mt_spawn_result *out)
{
	struct mt_quota_info qi;

	gt_helper_spawn(id, param, MT_FAULT_POLICY_KILL, true, out);
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, box));
	GT_OK(mt_vm_map(out->aspace, GT_BOX_ADDR, *box, 0, MT_PAGE_SIZE,
			MT_PROT_READ | MT_PROT_WRITE | MT_MAP_FIXED));
	GT_OK(mt_process_quota(out->process, &qi));
	GT_OK(mt_process_set_quota(out->process, qi.used + extra));
	GT_OK(mt_spawn_start(out));
}

uint64_t gt_box_word(mt_handle_t box, size_t i)
{
	uint64_t w = 0;

	GT_OK(mt_memory_read(box, offsetof(struct gt_box, word) + i * 8, &w,
			     sizeof(w)));
	return w;
}

int gt_argc;
char **gt_argv;

int main(int argc, char **argv)
{
	const struct mt_startup *startup = mt_startup();
	size_t count = (size_t)(__stop_mt_tests - __start_mt_tests);

	gt_argc = argc;
	gt_argv = argv;
	if (startup->magic != MT_STARTUP_MAGIC)
		return 3;
	if (startup->arg == 0)
		return gt_runner_main();
	if (startup->arg >= GT_HELPER_BASE)
		gt_helper_main(startup->arg);
	if (startup->arg > count)
		return 2;
	__start_mt_tests[startup->arg - 1].fn();
	gt_check_notes();
	return 0;
}
