/*
 * port.*: ports and events.  Watches once and repeating, signals already
 * raised, deadlines, user packets, a full queue, cancelling, channels and
 * processes watched, and the rules of mt_object_signal.
 */
#include "guest.h"

#include <string.h>

#define PORT_BIT0 (1u << 24)
#define PORT_BIT1 (1u << 25)

static void port_expect(mt_handle_t port, uint64_t key, uint32_t type,
			mt_signals_t observed_bits)
{
	struct mt_port_packet p;

	memset(&p, 0, sizeof(p));
	GT_OK(mt_port_wait(port, gt_deadline_ms(500), &p));
	GT_CHECK_EQ(p.key, key);
	GT_CHECK_EQ(p.type, type);
	if (observed_bits && !(p.observed & observed_bits))
		gt_fail("packet observed %#x, expected %#x", p.observed,
			observed_bits);
}

static void port_expect_none(mt_handle_t port)
{
	struct mt_port_packet p;

	GT_ERR(mt_port_wait(port, gt_deadline_ms(20), &p), MT_ERR_TIMED_OUT);
}

static void port_toggle(mt_handle_t ev, mt_signals_t bit)
{
	GT_OK(mt_object_signal(ev, 0, bit));
	GT_OK(mt_object_signal(ev, bit, 0));
}

GT_TEST(port, user_packet)
{
	mt_handle_t port;
	struct mt_port_packet p = { 7, 0, 0, { 0x11, 0x22 } }, q;

	GT_OK(mt_port_create(&port));
	GT_OK(mt_port_queue(port, &p));
	GT_OK(mt_port_wait(port, 0, &q));
	GT_CHECK_EQ(q.key, 7);
	GT_CHECK_EQ(q.type, MT_PORT_PACKET_USER);
	GT_CHECK_EQ(q.user[0], 0x11);
	GT_CHECK_EQ(q.user[1], 0x22);
	/* Whatever type the queuer claims, it is a user packet. */
	p.type = MT_PORT_PACKET_SIGNAL;
	GT_OK(mt_port_queue(port, &p));
	GT_OK(mt_port_wait(port, 0, &q));
	GT_CHECK_EQ(q.type, MT_PORT_PACKET_USER);
	mt_handle_drop(port);
}

GT_TEST(port, packets_in_order)
{
	mt_handle_t port;
	struct mt_port_packet p = { 0, 0, 0, { 0, 0 } }, q;

	GT_OK(mt_port_create(&port));
	for (uint64_t i = 0; i < 100; i++) {
		p.key = i;
		GT_OK(mt_port_queue(port, &p));
	}
	for (uint64_t i = 0; i < 100; i++) {
		GT_OK(mt_port_wait(port, 0, &q));
		GT_CHECK_EQ(q.key, i);
	}
	mt_handle_drop(port);
}

GT_TEST(port, wait_deadline)
{
	mt_handle_t port;
	struct mt_port_packet q;
	mt_time_t t0 = mt_clock_get();

	GT_OK(mt_port_create(&port));
	GT_ERR(mt_port_wait(port, t0 + 30000000, &q), MT_ERR_TIMED_OUT);
	GT_CHECK(mt_clock_get() >= t0 + 30000000);
	GT_ERR(mt_port_wait(port, 0, &q), MT_ERR_TIMED_OUT);
	mt_handle_drop(port);
}

GT_TEST(port, queue_full)
{
	mt_handle_t port;
	struct mt_port_packet p = { 1, 0, 0, { 0, 0 } }, q;

	GT_OK(mt_port_create(&port));
	for (uint32_t i = 0; i < MT_PORT_QUEUE_MAX; i++)
		GT_OK(mt_port_queue(port, &p));
	GT_ERR(mt_port_queue(port, &p), MT_ERR_SHOULD_WAIT);
	GT_OK(mt_port_wait(port, 0, &q));
	GT_OK(mt_port_queue(port, &p));
	GT_ERR(mt_port_queue(port, &p), MT_ERR_SHOULD_WAIT);
	mt_handle_drop(port);
}

GT_TEST(port, full_queue_with_watches)
{
	/* Signal packets on a full port are not lost silently into a crash:
	 * the kernel either drops or keeps them; it must not overflow. */
	mt_handle_t port, ev;
	struct mt_port_packet p = { 1, 0, 0, { 0, 0 } }, q;

	GT_OK(mt_port_create(&port));
	GT_OK(mt_event_create(&ev));
	GT_OK(mt_port_watch(port, ev, PORT_BIT0, 99, MT_PORT_REPEATING));
	for (uint32_t i = 0; i < MT_PORT_QUEUE_MAX; i++)
		GT_OK(mt_port_queue(port, &p));
	for (int i = 0; i < 10; i++)
		port_toggle(ev, PORT_BIT0);
	for (uint32_t i = 0; i < MT_PORT_QUEUE_MAX; i++)
		GT_OK(mt_port_wait(port, 0, &q));
	while (mt_port_wait(port, 0, &q) >= 0)
		GT_CHECK_EQ(q.key, 99);
	mt_handle_drop(ev);
	mt_handle_drop(port);
}

GT_TEST(port, watch_once)
{
	mt_handle_t port, ev;

	GT_OK(mt_port_create(&port));
	GT_OK(mt_event_create(&ev));
	GT_OK(mt_port_watch(port, ev, PORT_BIT0, 5, MT_PORT_ONCE));
	port_expect_none(port);
	port_toggle(ev, PORT_BIT0);
	port_expect(port, 5, MT_PORT_PACKET_SIGNAL, PORT_BIT0);
	port_toggle(ev, PORT_BIT0);
	port_expect_none(port);
	/* Once fired, the watch is gone. */
	GT_ERR(mt_port_cancel(port, 5), MT_ERR_NOT_FOUND);
	mt_handle_drop(ev);
	mt_handle_drop(port);
}

GT_TEST(port, watch_repeating_rearms)
{
	mt_handle_t port, ev;

	GT_OK(mt_port_create(&port));
	GT_OK(mt_event_create(&ev));
	GT_OK(mt_port_watch(port, ev, PORT_BIT0, 6, MT_PORT_REPEATING));
	for (int i = 0; i < 3; i++) {
		port_toggle(ev, PORT_BIT0);
		port_expect(port, 6, MT_PORT_PACKET_SIGNAL, PORT_BIT0);
	}
	port_expect_none(port);
	GT_OK(mt_port_cancel(port, 6));
	mt_handle_drop(ev);
	mt_handle_drop(port);
}

GT_TEST(port, watch_repeating_every_match)
{
	/* abi: "a packet at every rising match", also before any wait. */
	mt_handle_t port, ev;

	GT_OK(mt_port_create(&port));
	GT_OK(mt_event_create(&ev));
	GT_OK(mt_port_watch(port, ev, PORT_BIT0, 6, MT_PORT_REPEATING));
	for (int i = 0; i < 3; i++)
		port_toggle(ev, PORT_BIT0);
	for (int i = 0; i < 3; i++)
		port_expect(port, 6, MT_PORT_PACKET_SIGNAL, PORT_BIT0);
	port_expect_none(port);
	/* Other bits do not match. */
	port_toggle(ev, PORT_BIT1);
	port_expect_none(port);
	GT_OK(mt_port_cancel(port, 6));
	mt_handle_drop(ev);
	mt_handle_drop(port);
}

GT_TEST(port, already_raised_fires_at_once)
{
	mt_handle_t port, ev;

	GT_OK(mt_port_create(&port));
	GT_OK(mt_event_create(&ev));
	GT_OK(mt_object_signal(ev, 0, PORT_BIT1));
	GT_OK(mt_port_watch(port, ev, PORT_BIT1, 8, MT_PORT_ONCE));
	port_expect(port, 8, MT_PORT_PACKET_SIGNAL, PORT_BIT1);
	port_expect_none(port);
	mt_handle_drop(ev);
	mt_handle_drop(port);
}

GT_TEST(port, cancel)
{
	mt_handle_t port, ev;

	GT_OK(mt_port_create(&port));
	GT_OK(mt_event_create(&ev));
	GT_ERR(mt_port_cancel(port, 1), MT_ERR_NOT_FOUND);
	GT_OK(mt_port_watch(port, ev, PORT_BIT0, 1, MT_PORT_REPEATING));
	GT_OK(mt_port_watch(port, ev, PORT_BIT1, 2, MT_PORT_REPEATING));
	port_toggle(ev, PORT_BIT0);
	/* Cancelling drops the queued packets of that key too. */
	GT_OK(mt_port_cancel(port, 1));
	port_toggle(ev, PORT_BIT0);
	port_expect_none(port);
	port_toggle(ev, PORT_BIT1);
	port_expect(port, 2, MT_PORT_PACKET_SIGNAL, PORT_BIT1);
	GT_OK(mt_port_cancel(port, 2));
	GT_ERR(mt_port_cancel(port, 2), MT_ERR_NOT_FOUND);
	mt_handle_drop(ev);
	mt_handle_drop(port);
}

GT_TEST(port, watch_channel_readable)
{
	mt_handle_t port, a, b;
	uint64_t actual;
	char c;

	GT_OK(mt_port_create(&port));
	GT_OK(mt_channel_create(&a, &b));
	GT_OK(mt_port_watch(port, b, MT_SIGNAL_READABLE, 3, MT_PORT_REPEATING));
	port_expect_none(port);
	GT_OK(mt_channel_write(a, "1", 1, NULL, 0, 0));
	port_expect(port, 3, MT_PORT_PACKET_SIGNAL, MT_SIGNAL_READABLE);
	GT_OK(mt_channel_read(b, &c, 1, NULL, 0, &actual));
	GT_OK(mt_channel_write(a, "2", 1, NULL, 0, 0));
	port_expect(port, 3, MT_PORT_PACKET_SIGNAL, MT_SIGNAL_READABLE);
	mt_handle_drop(a);
	mt_handle_drop(b);
	mt_handle_drop(port);
}

GT_TEST(port, watch_peer_closed_and_process)
{
	struct mt_spawn_result h;
	mt_handle_t port, a, b;

	GT_OK(mt_port_create(&port));
	GT_OK(mt_channel_create(&a, &b));
	GT_OK(mt_port_watch(port, a, MT_SIGNAL_PEER_CLOSED, 4, MT_PORT_ONCE));
	GT_OK(mt_handle_close(b));
	port_expect(port, 4, MT_PORT_PACKET_SIGNAL, MT_SIGNAL_PEER_CLOSED);
	gt_spawn_helper(GT_HELPER_EXIT, 3, MT_FAULT_POLICY_KILL, &h);
	GT_OK(mt_port_watch(port, h.process, MT_SIGNAL_TERMINATED, 10, MT_PORT_ONCE));
	port_expect(port, 10, MT_PORT_PACKET_SIGNAL, MT_SIGNAL_TERMINATED);
	mt_spawn_release(&h);
	mt_handle_drop(a);
	mt_handle_drop(port);
}

static mt_handle_t port_wake_port;
static volatile mt_status_t port_wake_status;
static volatile uint64_t port_wake_key;

static void port_waiter(void *arg)
{
	struct mt_port_packet q;

	(void)arg;
	port_wake_status = mt_port_wait(port_wake_port, gt_deadline_ms(2000), &q);
	port_wake_key = q.key;
}

GT_TEST(port, queue_wakes_waiter)
{
	struct mt_port_packet p = { 0x77, 0, 0, { 0, 0 } };
	mt_handle_t th;

	GT_OK(mt_port_create(&port_wake_port));
	port_wake_status = 1;
	th = gt_thread_spawn(port_waiter, NULL, 0);
	(void)mt_nanosleep(gt_deadline_ms(20));
	GT_CHECK_EQ(port_wake_status, 1);
	GT_OK(mt_port_queue(port_wake_port, &p));
	gt_wait(th, MT_SIGNAL_TERMINATED, 1000);
	GT_CHECK_EQ(port_wake_status, MT_OK);
	GT_CHECK_EQ(port_wake_key, 0x77);
	mt_handle_drop(th);
	mt_handle_drop(port_wake_port);
}

GT_TEST(port, signal_wakes_waiter)
{
	mt_handle_t th, ev;

	GT_OK(mt_port_create(&port_wake_port));
	GT_OK(mt_event_create(&ev));
	GT_OK(mt_port_watch(port_wake_port, ev, PORT_BIT0, 0x55, MT_PORT_ONCE));
	port_wake_status = 1;
	th = gt_thread_spawn(port_waiter, NULL, 0);
	(void)mt_nanosleep(gt_deadline_ms(20));
	GT_OK(mt_object_signal(ev, 0, PORT_BIT0));
	gt_wait(th, MT_SIGNAL_TERMINATED, 1000);
	GT_CHECK_EQ(port_wake_status, MT_OK);
	GT_CHECK_EQ(port_wake_key, 0x55);
	mt_handle_drop(th);
	mt_handle_drop(ev);
	mt_handle_drop(port_wake_port);
}

GT_TEST(port, watch_rules)
{
	mt_handle_t port, ev, nowait, ro;

	GT_OK(mt_port_create(&port));
	GT_OK(mt_event_create(&ev));
	GT_OK(mt_handle_duplicate(ev, gt_rights_without(ev, MT_RIGHT_WAIT), &nowait));
	GT_ERR(mt_port_watch(port, nowait, PORT_BIT0, 1, MT_PORT_ONCE),
	       MT_ERR_ACCESS_DENIED);
	GT_OK(mt_handle_duplicate(port, gt_rights_without(port, MT_RIGHT_WRITE), &ro));
	GT_ERR(mt_port_watch(ro, ev, PORT_BIT0, 1, MT_PORT_ONCE),
	       MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_port_watch(port, ev, PORT_BIT0, 1, 7), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_port_watch(port, ev, 0, 1, MT_PORT_ONCE), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_port_watch(port, gt_log(), PORT_BIT0, 1, MT_PORT_ONCE),
	       MT_ERR_ACCESS_DENIED);
	mt_handle_drop(ro);
	mt_handle_drop(nowait);
	mt_handle_drop(ev);
	mt_handle_drop(port);
}

GT_TEST(port, watched_object_and_port_closed)
{
	/* Close a watched event while its watch is active, and close a port
	 * that still holds watches and packets: nothing leaks or dangles. */
	mt_handle_t port, ev, ev2, port2;
	struct mt_port_packet p = { 1, 0, 0, { 0, 0 } };

	GT_OK(mt_port_create(&port));
	GT_OK(mt_port_create(&port2));
	GT_OK(mt_event_create(&ev));
	GT_OK(mt_event_create(&ev2));
	GT_OK(mt_port_watch(port, ev, PORT_BIT0, 1, MT_PORT_REPEATING));
	GT_OK(mt_port_watch(port2, ev2, PORT_BIT0, 1, MT_PORT_REPEATING));
	/* A port watching a port (the abi allows or refuses it): either
	 * way closing both must free the watch. */
	mt_status_t st = mt_port_watch(port2, port, PORT_BIT0, 2, MT_PORT_REPEATING);
	if (st < 0 && st != MT_ERR_WRONG_TYPE)
		gt_fail("port watching a port: %s", mt_status_str(st));
	GT_OK(mt_handle_close(ev));
	port_expect_none(port);
	port_toggle(ev2, PORT_BIT0);
	GT_OK(mt_port_queue(port2, &p));
	GT_OK(mt_handle_close(port2));
	/* The event outlives the port that watched it. */
	port_toggle(ev2, PORT_BIT0);
	mt_handle_drop(ev2);
	mt_handle_drop(port);
}

GT_TEST(port, object_signal_rules)
{
	mt_handle_t ev, mem, nosig;
	mt_signals_t seen = 0;

	GT_OK(mt_event_create(&ev));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &mem));
	GT_ERR(mt_object_signal(ev, 0, MT_SIGNAL_READABLE), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_object_signal(ev, MT_SIGNAL_TERMINATED, 0), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_object_signal(mem, 0, PORT_BIT0), MT_ERR_WRONG_TYPE);
	GT_OK(mt_handle_duplicate(ev, gt_rights_without(ev, MT_RIGHT_SIGNAL), &nosig));
	GT_ERR(mt_object_signal(nosig, 0, PORT_BIT0), MT_ERR_ACCESS_DENIED);
	/* Clear then set; wait_one sees the result. */
	GT_OK(mt_object_signal(ev, 0, PORT_BIT0 | PORT_BIT1));
	GT_OK(mt_object_signal(ev, PORT_BIT0, 0));
	GT_ERR(mt_object_wait_one(ev, PORT_BIT0, 0, &seen), MT_ERR_TIMED_OUT);
	GT_OK(mt_object_wait_one(ev, PORT_BIT1, 0, &seen));
	GT_CHECK(seen & PORT_BIT1);
	GT_CHECK(!(seen & PORT_BIT0));
	mt_handle_drop(nosig);
	mt_handle_drop(mem);
	mt_handle_drop(ev);
}
