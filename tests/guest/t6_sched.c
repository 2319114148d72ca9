/*
 * sched.*: yielding, preemption and sleeping.
 */
#include "guest.h"

GT_TEST(sched, yield)
{
	for (int i = 0; i < 1000; i++)
		GT_OK(mt_thread_yield());
}

static volatile uint64_t sched_counts[2];
static volatile bool sched_stop;

static void sched_spin(void *arg)
{
	volatile uint64_t *c = arg;

	while (!sched_stop)
		(*c)++;
}

GT_TEST(sched, preemption)
{
	/* Two threads that never enter the kernel both make progress, and
	 * so does a sleeper. */
	mt_handle_t a = gt_thread_spawn(sched_spin, (void *)&sched_counts[0], 0);
	mt_handle_t b = gt_thread_spawn(sched_spin, (void *)&sched_counts[1], 0);
	uint64_t a1, b1;

	(void)mt_nanosleep(gt_deadline_ms(100));
	a1 = sched_counts[0];
	b1 = sched_counts[1];
	GT_CHECK(a1 > 0 && b1 > 0);
	(void)mt_nanosleep(gt_deadline_ms(100));
	GT_CHECK(sched_counts[0] > a1 && sched_counts[1] > b1);
	sched_stop = true;
	gt_wait(a, MT_SIGNAL_TERMINATED, 1000);
	gt_wait(b, MT_SIGNAL_TERMINATED, 1000);
}

GT_TEST(sched, other_process_spinning)
{
	struct mt_spawn_result h;
	mt_time_t start = mt_clock_get();

	gt_spawn_helper(GT_HELPER_SPIN, 0, MT_FAULT_POLICY_KILL, &h);
	for (int i = 0; i < 10; i++)
		(void)mt_nanosleep(gt_deadline_ms(5));
	GT_CHECK(mt_clock_get() - start < 2000000000);
	GT_OK(mt_task_kill(h.process));
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 2000);
	mt_spawn_release(&h);
}

GT_TEST(sched, nanosleep_at_least)
{
	static const uint64_t ns[] = { 1000, 1000000, 5000000, 20000000 };

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		mt_time_t start = mt_clock_get();

		GT_OK(mt_nanosleep(start + (mt_time_t)ns[i]));
		GT_CHECK(mt_clock_get() - start >= (mt_time_t)ns[i]);
	}
}

GT_TEST(sched, nanosleep_past_deadline)
{
	mt_time_t start = mt_clock_get();

	GT_OK(mt_nanosleep(0));
	GT_OK(mt_nanosleep(-1));
	GT_OK(mt_nanosleep(INT64_MIN));
	GT_OK(mt_nanosleep(start - 1000));
	GT_CHECK(mt_clock_get() - start < 500000000);
}

GT_TEST(sched, wait_deadline)
{
	mt_handle_t th = gt_thread_spawn(sched_spin, (void *)&sched_counts[0], 0);
	mt_time_t start = mt_clock_get();
	mt_signals_t seen;

	GT_ERR(mt_object_wait_one(th, MT_SIGNAL_TERMINATED, start + 25000000, &seen),
	       MT_ERR_TIMED_OUT);
	GT_CHECK(mt_clock_get() - start >= 25000000);
	GT_ERR(mt_object_wait_one(th, MT_SIGNAL_TERMINATED, 0, &seen),
	       MT_ERR_TIMED_OUT);
	sched_stop = true;
	gt_wait(th, MT_SIGNAL_TERMINATED, 1000);
}

static volatile int wake_order[3];
static volatile int wake_next;

static mt_time_t wake_start;

static void sched_sleeper(void *arg)
{
	uint64_t ms = (uint64_t)(uintptr_t)arg;
	int slot;

	(void)mt_nanosleep(wake_start + (mt_time_t)ms * 1000000);
	slot = __atomic_fetch_add(&wake_next, 1, __ATOMIC_SEQ_CST);
	wake_order[slot] = (int)ms;
}

GT_TEST(sched, sleepers_wake_in_order)
{
	static const uint64_t ms[3] = { 60, 40, 20 };
	mt_handle_t th[3];

	wake_start = mt_clock_get();
	for (int i = 0; i < 3; i++)
		th[i] = gt_thread_spawn(sched_sleeper, (void *)(uintptr_t)ms[i], 0);
	for (int i = 0; i < 3; i++)
		gt_wait(th[i], MT_SIGNAL_TERMINATED, 2000);
	GT_CHECK_EQ(wake_order[0], 20);
	GT_CHECK_EQ(wake_order[1], 40);
	GT_CHECK_EQ(wake_order[2], 60);
}
