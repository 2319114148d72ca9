/*
 * proc.*: processes as seen by their creator: exit status, kill, handle
 * release, handle giving, waiting, and the loader refusing bad images.
 */
#include "guest.h"

#include <string.h>

static void proc_result(mt_handle_t p, struct mt_task_result *r)
{
	memset(r, 0, sizeof(*r));
	GT_OK(mt_task_result(p, r));
}

GT_TEST(proc, exit_code_reported)
{
	struct mt_spawn_result h;
	struct mt_task_result r;

	gt_spawn_helper(GT_HELPER_EXIT, 42, MT_FAULT_POLICY_KILL, &h);
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 3000);
	proc_result(h.process, &r);
	GT_CHECK_EQ(r.state, MT_TASK_EXITED);
	GT_CHECK_EQ(r.exit_code, 42);
	GT_CHECK_EQ(r.fault, MT_FAULT_NONE);
	/* The thread ended too. */
	gt_wait(h.thread, MT_SIGNAL_TERMINATED, 1000);
	mt_spawn_release(&h);
}

GT_TEST(proc, wait_on_ended_process)
{
	struct mt_spawn_result h;
	mt_signals_t seen = 0;

	gt_spawn_helper(GT_HELPER_EXIT, 0, MT_FAULT_POLICY_KILL, &h);
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 3000);
	/* Signals stay raised: a second wait returns at once. */
	GT_OK(mt_object_wait_one(h.process, MT_SIGNAL_TERMINATED, 0, &seen));
	GT_CHECK(seen & MT_SIGNAL_TERMINATED);
	mt_spawn_release(&h);
}

static void proc_kill_helper(enum gt_helper id, uint16_t param)
{
	struct mt_spawn_result h;
	struct mt_task_result r;

	gt_spawn_helper(id, param, MT_FAULT_POLICY_KILL, &h);
	(void)mt_nanosleep(gt_deadline_ms(20));
	proc_result(h.process, &r);
	GT_CHECK_EQ(r.state, MT_TASK_RUNNING);
	GT_OK(mt_task_kill(h.process));
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 2000);
	proc_result(h.process, &r);
	GT_CHECK_EQ(r.state, MT_TASK_KILLED);
	gt_wait(h.thread, MT_SIGNAL_TERMINATED, 1000);
	/* Killing the dead is harmless. */
	(void)mt_task_kill(h.process);
	mt_spawn_release(&h);
}

GT_TEST(proc, kill_running)
{
	proc_kill_helper(GT_HELPER_SPIN, 0);
}

GT_TEST(proc, kill_sleeping)
{
	proc_kill_helper(GT_HELPER_SLEEP, 0);
}

GT_TEST(proc, kill_many_threads)
{
	proc_kill_helper(GT_HELPER_THREADS, 8);
}

GT_TEST(proc, killed_process_releases_handles)
{
	struct mt_spawn_result h;
	struct mt_object_info info;
	mt_handle_t mem, dup, theirs;

	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &mem));
	gt_spawn_helper(GT_HELPER_SLEEP, 0, MT_FAULT_POLICY_KILL, &h);
	GT_OK(mt_handle_duplicate(mem, MT_RIGHT_SAME, &dup));
	GT_OK(mt_process_give_handle(h.process, dup, &theirs));
	GT_OK(mt_object_info(mem, &info));
	GT_CHECK_EQ(info.handle_count, 2);
	GT_OK(mt_task_kill(h.process));
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 2000);
	for (int i = 0; i < 100; i++) {
		GT_OK(mt_object_info(mem, &info));
		if (info.handle_count == 1)
			break;
		(void)mt_nanosleep(gt_deadline_ms(1));
	}
	GT_CHECK_EQ(info.handle_count, 1);
	mt_spawn_release(&h);
}

GT_TEST(proc, give_handle)
{
	mt_handle_t proc, as, mem, dup, theirs = 0, weak;
	struct mt_object_info info;

	GT_OK(mt_process_create("taker", 5, &proc, &as));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &mem));
	GT_OK(mt_handle_duplicate(mem, MT_RIGHT_SAME, &dup));
	GT_OK(mt_process_give_handle(proc, dup, &theirs));
	GT_CHECK(theirs != MT_HANDLE_INVALID);
	/* Ours is consumed; the object now has a handle over there. */
	GT_ERR(mt_object_info(dup, &info), MT_ERR_BAD_HANDLE);
	GT_OK(mt_object_info(mem, &info));
	GT_CHECK_EQ(info.handle_count, 2);
	/* Without TRANSFER it stays with us. */
	GT_OK(mt_handle_duplicate(mem, MT_RIGHT_READ | MT_RIGHT_INFO, &weak));
	GT_ERR(mt_process_give_handle(proc, weak, &theirs), MT_ERR_ACCESS_DENIED);
	GT_OK(mt_object_info(weak, &info));
	/* Without MANAGE on the process, nothing can be given. */
	mt_handle_t weak_proc;
	GT_OK(mt_handle_duplicate(proc, MT_RIGHT_INFO | MT_RIGHT_WAIT, &weak_proc));
	GT_OK(mt_handle_duplicate(mem, MT_RIGHT_SAME, &dup));
	GT_ERR(mt_process_give_handle(weak_proc, dup, &theirs), MT_ERR_ACCESS_DENIED);
	GT_OK(mt_object_info(dup, &info));
	/* Closing the process releases what it was given. */
	GT_OK(mt_handle_close(weak_proc));
	GT_OK(mt_handle_close(as));
	GT_OK(mt_handle_close(proc));
	for (int i = 0; i < 100; i++) {
		GT_OK(mt_object_info(mem, &info));
		if (info.handle_count == 3)
			break;
		(void)mt_nanosleep(gt_deadline_ms(1));
	}
	GT_CHECK_EQ(info.handle_count, 3);   /* mem, weak, dup */
}

GT_TEST(proc, give_handle_to_self_process_table)
{
	/* Giving to ourselves is a move within our own table. */
	mt_handle_t mem, dup, back = 0;

	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &mem));
	GT_OK(mt_handle_duplicate(mem, MT_RIGHT_SAME, &dup));
	GT_OK(mt_process_give_handle(gt_self(), dup, &back));
	GT_CHECK_EQ(GT_OK(mt_handle_type(back)), MT_OBJ_MEMORY);
	GT_OK(mt_handle_close(back));
}

GT_TEST(proc, wait_times_out)
{
	struct mt_spawn_result h;
	mt_signals_t seen = 0xffffffffu;
	mt_time_t start = mt_clock_get();

	gt_spawn_helper(GT_HELPER_SPIN, 0, MT_FAULT_POLICY_KILL, &h);
	GT_ERR(mt_object_wait_one(h.process, MT_SIGNAL_TERMINATED,
				  start + 30000000, &seen), MT_ERR_TIMED_OUT);
	GT_CHECK(mt_clock_get() - start >= 30000000);
	GT_CHECK((seen & MT_SIGNAL_TERMINATED) == 0);
	GT_OK(mt_task_kill(h.process));
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 2000);
	mt_spawn_release(&h);
}

GT_TEST(proc, create_and_close)
{
	mt_handle_t proc, as;
	char name[MT_NAME_MAX + 2];

	memset(name, 'n', sizeof(name));
	GT_ERR(mt_process_create(name, sizeof(name), &proc, &as),
	       MT_ERR_INVALID_ARGS);
	for (int i = 0; i < 20; i++) {
		GT_OK(mt_process_create(name, MT_NAME_MAX, &proc, &as));
		GT_CHECK_EQ(GT_OK(mt_handle_type(proc)), MT_OBJ_PROCESS);
		GT_CHECK_EQ(GT_OK(mt_handle_type(as)), MT_OBJ_ASPACE);
		GT_OK(mt_handle_close(as));
		GT_OK(mt_handle_close(proc));
	}
}

GT_TEST(proc, fault_reported_to_parent)
{
	struct mt_spawn_result h;
	struct mt_task_result r;

	gt_spawn_helper(GT_HELPER_NULL_DEREF, 0, MT_FAULT_POLICY_KILL, &h);
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 3000);
	proc_result(h.process, &r);
	GT_CHECK_EQ(r.state, MT_TASK_FAULTED);
	GT_CHECK_EQ(r.fault, MT_FAULT_PAGE);
	GT_CHECK_EQ(r.fault_addr, 0);
	GT_CHECK_EQ(r.fault_vector, 14);
	GT_CHECK(r.fault_ip >= 0x400000 && r.fault_ip < 0x500000);
	mt_spawn_release(&h);
}

GT_TEST(proc, loader_refuses_bad_images)
{
	const struct mt_startup *self = mt_startup();
	struct bootfs_file file;
	struct mt_spawn_args args = { 0 };
	struct mt_spawn_result res;
	static uint8_t image[64 * 1024];
	uint64_t phoff;

	GT_OK(mt_bootfs_file("bin/testinit", &file));
	GT_CHECK(file.size > 4096);
	size_t n = file.size < sizeof(image) ? file.size : sizeof(image);
	memcpy(image, file.data, n);
	args.name = "bad";
	args.image = image;
	args.image_size = n;
	args.debuglog = self->debuglog;
	/* Truncated. */
	args.image_size = 100;
	GT_ERR(mt_spawn(&args, &res), MT_ERR_INVALID_ARGS);
	/* First PT_LOAD writable and executable. */
	args.image_size = n;
	memcpy(&phoff, image + 32, 8);
	image[phoff + 4] = 7;
	GT_ERR(mt_spawn(&args, &res), MT_ERR_INVALID_ARGS);
	/* A segment in kernel space. */
	memcpy(image, file.data, n);
	uint64_t kaddr = 0xffffffff80000000ULL;
	memcpy(image + phoff + 16, &kaddr, 8);
	GT_ERR(mt_spawn(&args, &res), MT_ERR_INVALID_ARGS);
}

GT_TEST(proc, spawn_many)
{
	/* Create and reap processes in a row: nothing may pile up. */
	for (int i = 0; i < 10; i++) {
		struct mt_spawn_result h;
		struct mt_task_result r;

		gt_spawn_helper(GT_HELPER_EXIT, (uint16_t)i, MT_FAULT_POLICY_KILL, &h);
		gt_wait(h.process, MT_SIGNAL_TERMINATED, 3000);
		proc_result(h.process, &r);
		GT_CHECK_EQ(r.exit_code, i);
		mt_spawn_release(&h);
	}
}

/* A never-started process whose only handles are in its own table can
 * never be reached again: it is killed and freed when the last handle
 * outside goes (the runner's leak check holds that). */
GT_TEST(proc, never_started_self_cycle_freed)
{
	mt_handle_t p, as, d, inside;
	struct mt_object_info oi;

	GT_OK(mt_process_create("cycle", 5, &p, &as));
	GT_OK(mt_handle_duplicate(p, MT_RIGHT_SAME, &d));
	GT_OK(mt_process_give_handle(p, d, &inside));
	GT_OK(mt_object_info(p, &oi));
	GT_CHECK_EQ(oi.handle_count, 2);
	mt_handle_drop(as);
	mt_handle_drop(p);
}

/* Arguments reach the child as startup.args ("key=value" words). */
static int64_t proc_run_with_args(const char *line)
{
	const struct mt_startup *self = mt_startup();
	struct mt_spawn_args args = { 0 };
	struct mt_spawn_result child;
	struct mt_task_result res;
	struct bootfs_file file;

	GT_OK(mt_bootfs_file("bin/testinit", &file));
	args.name = "args";
	args.image = file.data;
	args.image_size = file.size;
	args.arg = GT_HELPER_ARG(GT_HELPER_ARGS, 0);
	args.bootfs = self->bootfs;
	args.bootfs_size = self->bootfs_size;
	args.args = line;
	GT_OK(mt_spawn(&args, &child));
	gt_wait(child.process, MT_SIGNAL_TERMINATED, 2000);
	GT_OK(mt_task_result(child.process, &res));
	mt_spawn_release(&child);
	GT_CHECK_EQ(res.state, MT_TASK_EXITED);
	return res.exit_code;
}

GT_TEST(proc, spawn_passes_args)
{
	char big[MT_SPAWN_ARGS_MAX + 1];
	struct mt_spawn_args args = { 0 };
	struct mt_spawn_result child;
	struct bootfs_file file;

	GT_CHECK_EQ(proc_run_with_args("b=0x10 a=7"), 23);
	GT_CHECK_EQ(proc_run_with_args("a=1"), 56);
	GT_CHECK_EQ(proc_run_with_args(NULL), 255);
	GT_CHECK_EQ(proc_run_with_args("a=x1 b=12q"), 255);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	GT_OK(mt_bootfs_file("bin/testinit", &file));
	args.name = "args";
	args.image = file.data;
	args.image_size = file.size;
	args.args = big;
	GT_ERR(mt_spawn(&args, &child), MT_ERR_INVALID_ARGS);
}
