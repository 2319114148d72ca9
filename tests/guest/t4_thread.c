/*
 * thread.*: thread life cycle, thread-local base, limits, suspend and
 * resume (also out of blocking calls), and register state.
 */
#include "guest.h"

#include <stdlib.h>
#include <string.h>

static volatile uint64_t thread_counter;

static void thread_bump(void *arg)
{
	__atomic_fetch_add(&thread_counter, (uint64_t)(uintptr_t)arg,
			   __ATOMIC_SEQ_CST);
}

GT_TEST(thread, create_start_exit)
{
	mt_handle_t th = gt_thread_spawn(thread_bump, (void *)5, 0);
	struct mt_task_result r;

	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	GT_CHECK_EQ(thread_counter, 5);
	GT_OK(mt_task_result(th, &r));
	GT_CHECK_EQ(r.state, MT_TASK_EXITED);
}

GT_TEST(thread, new_thread_result)
{
	mt_handle_t th;
	struct mt_task_result r;
	mt_signals_t seen = 0;

	GT_OK(mt_thread_create(gt_self(), "idle", 4, &th));
	GT_OK(mt_task_result(th, &r));
	GT_CHECK_EQ(r.state, MT_TASK_NEW);
	GT_ERR(mt_object_wait_one(th, MT_SIGNAL_TERMINATED, gt_deadline_ms(5), &seen),
	       MT_ERR_TIMED_OUT);
	/* Killing a thread that never ran ends it. */
	GT_OK(mt_task_kill(th));
	gt_wait(th, MT_SIGNAL_TERMINATED, 1000);
}

struct tls_block {
	struct tls_block *self;
	uint64_t seen;
};

static void thread_read_tls(void *arg)
{
	struct tls_block *b = arg;
	uint64_t v;

	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	b->seen = v;
}

GT_TEST(thread, tls_base)
{
	static struct tls_block blocks[4];
	mt_handle_t th[4];

	for (int i = 0; i < 4; i++) {
		blocks[i].self = &blocks[i];
		th[i] = gt_thread_spawn(thread_read_tls, &blocks[i],
					(uint64_t)(uintptr_t)&blocks[i]);
	}
	for (int i = 0; i < 4; i++) {
		gt_wait(th[i], MT_SIGNAL_TERMINATED, 2000);
		GT_CHECK_EQ(blocks[i].seen, (uint64_t)(uintptr_t)&blocks[i]);
	}
}

GT_TEST(thread, many_threads)
{
	mt_handle_t th[32];

	thread_counter = 0;
	for (int i = 0; i < 32; i++)
		th[i] = gt_thread_spawn(thread_bump, (void *)1, 0);
	for (int i = 0; i < 32; i++)
		gt_wait(th[i], MT_SIGNAL_TERMINATED, 3000);
	GT_CHECK_EQ(thread_counter, 32);
	for (int i = 0; i < 32; i++)
		GT_OK(mt_handle_close(th[i]));
}

GT_TEST(thread, exhaustion)
{
	mt_handle_t th[MT_THREADS_MAX + 1];
	mt_status_t st = MT_OK;
	int n = 0;

	/* We are one thread already. */
	while (n <= MT_THREADS_MAX) {
		st = mt_thread_create(gt_self(), "x", 1, &th[n]);
		if (st < 0)
			break;
		n++;
	}
	GT_CHECK(st == MT_ERR_NO_RESOURCES);
	GT_CHECK(n <= MT_THREADS_MAX - 1);
	GT_OK(mt_task_kill(th[--n]));
	gt_wait(th[n], MT_SIGNAL_TERMINATED, 1000);
	GT_OK(mt_handle_close(th[n]));
	/* A slot is free again once that thread is gone. */
	GT_OK(mt_thread_create(gt_self(), "y", 1, &th[n]));
}

GT_TEST(thread, start_bad_arguments)
{
	mt_handle_t th;
	uint64_t entry, sp;

	th = gt_thread_prepare(thread_bump, NULL, &entry, &sp);
	GT_ERR(mt_thread_start(th, 0xffffffff80000000ULL, sp, 0, 0), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_thread_start(th, 0x8000000000000000ULL, sp, 0, 0), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_thread_start(th, entry, 0xffff800000000000ULL, 0, 0), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_thread_start(th, entry, sp, 0, 0xffff800000000000ULL), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_thread_start(th, entry, sp, 0, 0x0000800000000000ULL), MT_ERR_INVALID_ARGS);
	GT_OK(mt_thread_start(th, entry, sp, sp + 8, 0));
	GT_ERR(mt_thread_start(th, entry, sp, sp + 8, 0), MT_ERR_BAD_STATE);
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	GT_ERR(mt_thread_start(th, entry, sp, sp + 8, 0), MT_ERR_BAD_STATE);
}

static volatile uint64_t spin_count;
static volatile bool spin_stop;

static void thread_spin(void *arg)
{
	(void)arg;
	while (!spin_stop)
		__atomic_fetch_add(&spin_count, 1, __ATOMIC_RELAXED);
}

GT_TEST(thread, suspend_resume)
{
	mt_handle_t th = gt_thread_spawn(thread_spin, NULL, 0);
	struct mt_thread_regs regs;
	uint64_t a, b;

	while (spin_count == 0)
		(void)mt_thread_yield();
	GT_ERR(mt_thread_read_state(th, MT_THREAD_STATE_REGS, &regs, sizeof(regs)),
	       MT_ERR_BAD_STATE);
	GT_OK(mt_task_suspend(th));
	gt_wait(th, MT_SIGNAL_SUSPENDED, 1000);
	a = spin_count;
	(void)mt_nanosleep(gt_deadline_ms(20));
	b = spin_count;
	GT_CHECK_EQ(a, b);
	/* Suspending a suspended thread is a no-op or refused. */
	mt_status_t st = mt_task_suspend(th);
	if (st != MT_OK && st != MT_ERR_BAD_STATE)
		gt_fail("second suspend: %s", mt_status_str(st));
	GT_OK(mt_task_resume(th));
	GT_ERR(mt_task_resume(th), MT_ERR_BAD_STATE);
	while (spin_count == b)
		(void)mt_thread_yield();
	spin_stop = true;
	gt_wait(th, MT_SIGNAL_TERMINATED, 1000);
}

/* A thread that loops until r12 becomes nonzero, then stores it. */
static volatile uint64_t state_seen;

static void thread_wait_r12(void *arg)
{
	uint64_t v;

	(void)arg;
	__asm__ volatile("xor %%r12d, %%r12d\n"
			 "1:\n\t"
			 "pause\n\t"
			 "test %%r12, %%r12\n\t"
			 "jz 1b\n\t"
			 "mov %%r12, %0\n\t"
			 : "=r"(v) : : "r12");
	state_seen = v;
}

GT_TEST(thread, read_write_state)
{
	mt_handle_t th = gt_thread_spawn(thread_wait_r12, NULL, 0);
	struct mt_thread_regs regs, bad;

	(void)mt_nanosleep(gt_deadline_ms(5));
	GT_OK(mt_task_suspend(th));
	gt_wait(th, MT_SIGNAL_SUSPENDED, 1000);
	GT_ERR(mt_thread_read_state(th, MT_THREAD_STATE_REGS, &regs, sizeof(regs) - 1),
	       MT_ERR_BUFFER_TOO_SMALL);
	GT_ERR(mt_thread_read_state(th, 99, &regs, sizeof(regs)), MT_ERR_INVALID_ARGS);
	GT_OK(mt_thread_read_state(th, MT_THREAD_STATE_REGS, &regs, sizeof(regs)));
	GT_CHECK_EQ(regs.r12, 0);
	GT_CHECK(regs.rip >= 0x400000 && regs.rip < 0x500000);
	/* A kernel or non-canonical rip is refused. */
	bad = regs;
	bad.rip = 0xffffffff80000000ULL;
	GT_ERR(mt_thread_write_state(th, MT_THREAD_STATE_REGS, &bad, sizeof(bad)),
	       MT_ERR_INVALID_ARGS);
	bad.rip = 0x0000800000000000ULL;
	GT_ERR(mt_thread_write_state(th, MT_THREAD_STATE_REGS, &bad, sizeof(bad)),
	       MT_ERR_INVALID_ARGS);
	regs.r12 = 0x1234abcd;
	GT_OK(mt_thread_write_state(th, MT_THREAD_STATE_REGS, &regs, sizeof(regs)));
	GT_OK(mt_task_resume(th));
	gt_wait(th, MT_SIGNAL_TERMINATED, 1000);
	GT_CHECK_EQ(state_seen, 0x1234abcd);
}

GT_TEST(thread, write_state_privileged_flags)
{
	/* IOPL and other system flags in rflags must not reach the CPU:
	 * with IOPL 3 a user thread could `cli`. */
	mt_handle_t th = gt_thread_spawn(thread_wait_r12, NULL, 0);
	struct mt_thread_regs regs;

	(void)mt_nanosleep(gt_deadline_ms(5));
	GT_OK(mt_task_suspend(th));
	gt_wait(th, MT_SIGNAL_SUSPENDED, 1000);
	GT_OK(mt_thread_read_state(th, MT_THREAD_STATE_REGS, &regs, sizeof(regs)));
	regs.rflags |= 3u << 12;     /* IOPL 3 */
	regs.rflags &= ~(1u << 9);   /* IF off */
	regs.r12 = 1;
	(void)mt_thread_write_state(th, MT_THREAD_STATE_REGS, &regs, sizeof(regs));
	GT_OK(mt_thread_read_state(th, MT_THREAD_STATE_REGS, &regs, sizeof(regs)));
	GT_CHECK_EQ((regs.rflags >> 12) & 3, 0);
	GT_CHECK(regs.rflags & (1u << 9));
	GT_OK(mt_task_resume(th));
	gt_wait(th, MT_SIGNAL_TERMINATED, 1000);
}

static volatile int sleeper_done;

static void thread_sleep_50ms(void *arg)
{
	mt_time_t start = mt_clock_get();

	(void)arg;
	GT_OK(mt_nanosleep(start + 50000000));
	sleeper_done = mt_clock_get() - start >= 50000000 ? 1 : 2;
}

GT_TEST(thread, suspend_in_nanosleep)
{
	mt_handle_t th = gt_thread_spawn(thread_sleep_50ms, NULL, 0);

	(void)mt_nanosleep(gt_deadline_ms(10));
	GT_OK(mt_task_suspend(th));
	gt_wait(th, MT_SIGNAL_SUSPENDED, 1000);
	(void)mt_nanosleep(gt_deadline_ms(80));
	GT_CHECK_EQ(sleeper_done, 0);
	GT_OK(mt_task_resume(th));
	gt_wait(th, MT_SIGNAL_TERMINATED, 1000);
	GT_CHECK_EQ(sleeper_done, 1);
}

static mt_handle_t waiter_target;
static volatile mt_status_t waiter_status = 1;
static volatile mt_signals_t waiter_seen;

static void thread_wait_target(void *arg)
{
	mt_signals_t seen = 0;

	(void)arg;
	waiter_status = mt_object_wait_one(waiter_target, MT_SIGNAL_TERMINATED,
					   MT_TIME_INFINITE, &seen);
	waiter_seen = seen;
}

GT_TEST(thread, suspend_in_wait)
{
	mt_handle_t target = gt_thread_spawn(thread_spin, NULL, 0);
	mt_handle_t th;

	waiter_target = target;
	th = gt_thread_spawn(thread_wait_target, NULL, 0);
	(void)mt_nanosleep(gt_deadline_ms(10));
	GT_OK(mt_task_suspend(th));
	gt_wait(th, MT_SIGNAL_SUSPENDED, 1000);
	GT_OK(mt_task_resume(th));
	(void)mt_nanosleep(gt_deadline_ms(10));
	GT_CHECK_EQ(waiter_status, 1);
	spin_stop = true;
	gt_wait(th, MT_SIGNAL_TERMINATED, 1000);
	GT_CHECK_EQ(waiter_status, MT_OK);
	GT_CHECK(waiter_seen & MT_SIGNAL_TERMINATED);
}

GT_TEST(thread, kill_one_thread)
{
	mt_handle_t th = gt_thread_spawn(thread_spin, NULL, 0);
	struct mt_task_result r;

	while (spin_count == 0)
		(void)mt_thread_yield();
	GT_OK(mt_task_kill(th));
	gt_wait(th, MT_SIGNAL_TERMINATED, 1000);
	GT_OK(mt_task_result(th, &r));
	GT_CHECK_EQ(r.state, MT_TASK_KILLED);
	/* We live on. */
	GT_OK(mt_null());
}

static void thread_exit_process(void *arg)
{
	exit((int)(uintptr_t)arg);
}

GT_TEST(thread, exit_from_other_thread)
{
	/* Any thread's exit() ends the whole process, sleepers included. */
	(void)gt_thread_spawn(thread_spin, NULL, 0);
	(void)gt_thread_spawn(thread_exit_process, (void *)0, 0);
	for (;;)
		(void)mt_nanosleep(MT_TIME_INFINITE);
}

static void thread_sleep_then_exit(void *arg)
{
	(void)arg;
	(void)mt_nanosleep(gt_deadline_ms(20));
}

GT_TEST(thread, last_thread_exit_ends_process)
{
	/* The main thread leaves first; the process ends (status 0) when
	 * the other one leaves too. */
	(void)gt_thread_spawn(thread_sleep_then_exit, NULL, 0);
	(void)mt_thread_exit();
}

static void thread_fault(void *arg)
{
	(void)arg;
	__asm__ volatile("ud2");
}

GT_TEST_FAULT(thread, fault_in_thread_kills_process, MT_FAULT_INVALID_OPCODE)
{
	(void)gt_thread_spawn(thread_spin, NULL, 0);
	(void)gt_thread_spawn(thread_fault, NULL, 0);
	for (;;)
		(void)mt_nanosleep(MT_TIME_INFINITE);
}
