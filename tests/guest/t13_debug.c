/*
 * debug.*: mt_debug_check, the kernel's invariant checker, and the bugs
 * the system-call fuzzer (user/sysfuzz) found, each replayed here.
 */
#include "guest.h"

#include <string.h>

#include <libmantra/ipc.h>

GT_TEST(debug, check_needs_write_on_the_log)
{
	mt_handle_t ro, ev;

	GT_OK(mt_debug_check(gt_log()));
	GT_OK(mt_handle_duplicate(gt_log(), gt_rights_without(gt_log(), MT_RIGHT_WRITE),
				  &ro));
	GT_ERR(mt_debug_check(ro), MT_ERR_ACCESS_DENIED);
	GT_OK(mt_event_create(&ev));
	GT_ERR(mt_debug_check(ev), MT_ERR_WRONG_TYPE);
	GT_ERR(mt_debug_check(0), MT_ERR_BAD_HANDLE);
	GT_OK(mt_handle_close(ro));
	GT_OK(mt_handle_close(ev));
}

/* ---- A busy kernel: every kind of waiting at once ----------------------- */

struct busy {
	mt_handle_t event, port, ep;
	struct mt_ipc_buffer *buf;
};

static void busy_wait_event(void *arg)
{
	struct busy *b = arg;
	mt_signals_t seen;

	(void)mt_object_wait_one(b->event, MT_SIGNAL_USER_ALL, gt_deadline_ms(5000), &seen);
}

static void busy_wait_port(void *arg)
{
	struct busy *b = arg;
	struct mt_port_packet pkt;

	(void)mt_port_wait(b->port, gt_deadline_ms(5000), &pkt);
}

/* Receives one call and never replies: its caller waits for the reply. */
static void busy_server(void *arg)
{
	struct busy *b = arg;
	struct mt_ipc_msg msg;
	mt_signals_t seen;

	if (mt_recv(b->ep, 0, &msg) >= 0)
		(void)mt_object_wait_one(b->event, MT_SIGNAL_USER_ALL,
					 gt_deadline_ms(5000), &seen);
}

static void busy_caller(void *arg)
{
	struct busy *b = arg;
	struct mt_ipc_msg in = mt_ipc_msg_make(1, 0, 0, 0), out;

	(void)mt_call(b->ep, &in, &out);
}

static void busy_spin(void *arg)
{
	(void)arg;
	for (;;)
		(void)mt_thread_yield();
}

GT_TEST(debug, check_a_busy_kernel)
{
	struct busy b;
	mt_handle_t th[6], ch0, ch1, dup;
	mt_signals_t seen;

	memset(&b, 0, sizeof(b));
	GT_OK(mt_event_create(&b.event));
	GT_OK(mt_port_create(&b.port));
	GT_OK(mt_endpoint_create(&b.ep));
	GT_OK(mt_channel_create(&ch0, &ch1));
	GT_OK(mt_handle_duplicate(b.event, MT_RIGHT_SAME, &dup));
	GT_OK(mt_channel_write(ch0, "x", 1, &dup, sizeof(dup), 0));
	GT_OK(mt_port_watch(b.port, ch1, MT_SIGNAL_PEER_CLOSED, 7, MT_PORT_ONCE));
	th[0] = gt_thread_spawn(busy_wait_event, &b, 0);
	th[1] = gt_thread_spawn(busy_wait_port, &b, 0);
	th[2] = gt_thread_spawn(busy_server, &b, 0);
	th[3] = gt_thread_spawn(busy_caller, &b, 0);
	th[4] = gt_thread_spawn(busy_spin, &b, 0);
	th[5] = gt_thread_spawn(busy_spin, &b, 0);
	GT_OK(mt_task_suspend(th[5]));
	gt_wait(th[5], MT_SIGNAL_SUSPENDED, 2000);
	for (int i = 0; i < 20; i++)
		(void)mt_thread_yield();
	GT_OK(mt_debug_check(gt_log()));
	for (int i = 0; i < 6; i++) {
		GT_OK(mt_task_kill(th[i]));
		gt_wait(th[i], MT_SIGNAL_TERMINATED, 2000);
		GT_OK(mt_handle_close(th[i]));
	}
	GT_OK(mt_debug_check(gt_log()));
	GT_OK(mt_handle_close(ch0));
	GT_OK(mt_port_wait(b.port, gt_deadline_ms(1000), &(struct mt_port_packet){ 0 }));
	GT_OK(mt_handle_close(ch1));
	GT_OK(mt_handle_close(b.event));
	GT_OK(mt_handle_close(b.port));
	GT_OK(mt_handle_close(b.ep));
	(void)seen;
	GT_OK(mt_debug_check(gt_log()));
}

/* ---- Found by the fuzzer: parked passive threads ------------------------
 * A passive thread waiting in mt_ipc_recv without a deadline has no
 * scheduling context; woken without a call (its endpoint lost its last
 * READ handle) it is runnable but parked off the run queues until a
 * context comes.  Making it non-passive, or suspending it, gives it its
 * own context back: it must then be queued, or it never runs again (the
 * invariant checker reported "runnable with a scheduling context but on
 * no run queue"; sysfuzz seeds 2-5). */

static void parked_receiver(void *arg)
{
	struct mt_ipc_msg msg;

	(void)mt_recv(*(mt_handle_t *)arg, 0, &msg);
}

/* A passive thread parked after its receive was ended by the endpoint's
 * last READ handle going.  Returns its handle. */
static mt_handle_t parked_thread(mt_handle_t *ep)
{
	uint64_t entry, sp;
	mt_handle_t th;

	GT_OK(mt_endpoint_create(ep));
	th = gt_thread_prepare(parked_receiver, ep, &entry, &sp);
	GT_OK(mt_thread_set_priority(th, MT_PRIORITY_PASSIVE));
	GT_OK(mt_thread_start(th, entry, sp, sp + 8, 0));
	(void)mt_nanosleep(gt_deadline_ms(30));         /* it blocks in recv */
	GT_OK(mt_handle_close(*ep));                    /* woken, parked */
	(void)mt_nanosleep(gt_deadline_ms(30));
	return th;
}

GT_TEST(debug, parked_thread_made_active_runs)
{
	mt_handle_t ep, th = parked_thread(&ep);

	GT_OK(mt_thread_set_priority(th, MT_PRIORITY_DEFAULT));
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	GT_OK(mt_debug_check(gt_log()));
	GT_OK(mt_handle_close(th));
}

GT_TEST(debug, parked_thread_suspends)
{
	mt_handle_t ep, th = parked_thread(&ep);

	GT_OK(mt_task_suspend(th));
	gt_wait(th, MT_SIGNAL_SUSPENDED, 2000);
	GT_OK(mt_debug_check(gt_log()));
	GT_OK(mt_task_resume(th));
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	GT_OK(mt_handle_close(th));
}

/* ---- Found by the fuzzer: a killed thread starved by busier ones --------
 * A kill takes effect when the victim next runs; at a low priority, with
 * higher-priority threads busy, that was never (the controller's kills
 * timed out: "a worker's process did not end when killed", sysfuzz seeds
 * 3 and 6).  Dying threads now run at the highest priority. */

static volatile mt_status_t starved_result;
static mt_handle_t starved_victim, starved_hog;

static void starved_sleep(void *arg)
{
	(void)arg;
	for (;;)
		(void)mt_nanosleep(MT_TIME_INFINITE);
}

static void starved_spin(void *arg)
{
	(void)arg;
	for (;;)
		__asm__ volatile("pause");
}

/* At the highest priority: once the hog runs, kill the low victim and see
 * whether it ends; then end the hog. */
static void starved_killer(void *arg)
{
	mt_signals_t seen;

	(void)arg;
	(void)mt_nanosleep(gt_deadline_ms(50));
	starved_result = mt_task_kill(starved_victim);
	if (starved_result >= 0)
		starved_result = mt_object_wait_one(starved_victim, MT_SIGNAL_TERMINATED,
						    gt_deadline_ms(1000), &seen);
	(void)mt_task_kill(starved_hog);
}

GT_TEST(debug, kill_of_a_starved_thread_completes)
{
	mt_handle_t killer;
	uint64_t entry, sp;

	starved_result = 1;
	starved_victim = gt_thread_spawn(starved_sleep, NULL, 0);
	GT_OK(mt_thread_set_priority(starved_victim, MT_PRIORITY_MIN));
	killer = gt_thread_prepare(starved_killer, NULL, &entry, &sp);
	GT_OK(mt_thread_set_priority(killer, MT_PRIORITY_MAX));
	GT_OK(mt_thread_start(killer, entry, sp, sp + 8, 0));
	starved_hog = gt_thread_prepare(starved_spin, NULL, &entry, &sp);
	GT_OK(mt_thread_set_priority(starved_hog, MT_PRIORITY_DEFAULT + 4));
	GT_OK(mt_thread_start(starved_hog, entry, sp, sp + 8, 0));
	gt_wait(killer, MT_SIGNAL_TERMINATED, 3000);
	GT_CHECK_EQ(starved_result, MT_OK);
	gt_wait(starved_hog, MT_SIGNAL_TERMINATED, 2000);
	GT_OK(mt_handle_close(killer));
	GT_OK(mt_handle_close(starved_victim));
	GT_OK(mt_handle_close(starved_hog));
}

/* ---- Found by the fuzzer: processes nothing can reach or run ------------
 * A process that never started a thread and holds the only handles to
 * itself (and to its unstarted threads) can never run and was never
 * freed: its own table kept it (the fuzzer's leak check, after a worker
 * was killed in the middle of mt_spawn: "+6 objects, +1 processes",
 * seed 9).  And a running process whose last thread that never started
 * lost its last handle did not end. */

static struct mt_kernel_stats debug_stats_now(void)
{
	struct mt_kernel_stats s;

	GT_OK(mt_debug_stats(gt_log(), &s));
	return s;
}

GT_TEST(debug, unreachable_unstarted_process_is_freed)
{
	struct mt_kernel_stats before = debug_stats_now(), after;
	mt_handle_t p, as, th, dup, there;

	GT_OK(mt_process_create("orphan", 6, &p, &as));
	GT_OK(mt_thread_create(p, "never", 5, &th));
	GT_OK(mt_handle_duplicate(p, MT_RIGHT_SAME, &dup));
	GT_OK(mt_process_give_handle(p, dup, &there));      /* itself */
	GT_OK(mt_process_give_handle(p, th, &there));       /* its thread */
	GT_OK(mt_handle_close(as));
	GT_OK(mt_handle_close(p));                          /* the last outside */
	after = debug_stats_now();
	GT_CHECK_EQ(after.live_processes, before.live_processes);
	GT_CHECK_EQ(after.live_threads, before.live_threads);
	GT_CHECK_EQ(after.live_objects, before.live_objects);
	GT_OK(mt_debug_check(gt_log()));
}

GT_TEST(debug, process_ends_when_its_last_unstarted_thread_goes)
{
	struct mt_spawn_result h;
	mt_handle_t th;

	gt_spawn_helper(GT_HELPER_SLEEP, 0, MT_FAULT_POLICY_KILL, &h);
	GT_OK(mt_thread_create(h.process, "never", 5, &th));
	GT_OK(mt_task_kill(h.thread));                      /* its only running one */
	gt_wait(h.thread, MT_SIGNAL_TERMINATED, 2000);
	GT_ERR(mt_object_wait_one(h.process, MT_SIGNAL_TERMINATED, gt_deadline_ms(20),
				  &(mt_signals_t){ 0 }), MT_ERR_TIMED_OUT);
	GT_OK(mt_handle_close(th));
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 2000);
	mt_spawn_release(&h);
}
