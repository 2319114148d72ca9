/*
 * chan.*: channels.  Bytes and handles, signals, a full queue, short read
 * buffers, limits, the transfer rules, and handles left in queues.
 */
#include "guest.h"

#include <string.h>

#include <libmantra/ipc.h>

static void chan_pair(mt_handle_t *a, mt_handle_t *b)
{
	GT_OK(mt_channel_create(a, b));
}

static bool chan_live(mt_handle_t h)
{
	struct mt_object_info info;

	return mt_object_info(h, &info) >= 0;
}

static mt_signals_t chan_signals(mt_handle_t h)
{
	struct mt_object_info info;

	GT_OK(mt_object_info(h, &info));
	return info.signals;
}

static mt_status_t chan_write1(mt_handle_t ch, const void *p, size_t n,
			       mt_handle_t *hs, size_t nh, uint64_t flags)
{
	return mt_channel_write(ch, p, n, hs, nh * sizeof(mt_handle_t), flags);
}

/* *actual counts the messages queued behind the one read, so a reader can
 * stop without the read that only says the queue is empty. */
GT_TEST(chan, actual_counts_messages_behind)
{
	mt_handle_t a, b;
	char buf[8];
	uint64_t actual = 0;

	chan_pair(&a, &b);
	for (int i = 0; i < 3; i++)
		GT_OK(chan_write1(a, "abc", 1 + (size_t)i, NULL, 0, 0));
	GT_ERR(mt_channel_read(b, buf, 0, NULL, 0, &actual),
	       MT_ERR_BUFFER_TOO_SMALL);
	GT_CHECK_EQ(mt_channel_actual_more(actual), 2);
	for (uint32_t i = 0; i < 3; i++) {
		GT_OK(mt_channel_read(b, buf, sizeof(buf), NULL, 0, &actual));
		GT_CHECK_EQ(mt_channel_actual_bytes(actual), 1 + i);
		GT_CHECK_EQ(mt_channel_actual_handles(actual), 0);
		GT_CHECK_EQ(mt_channel_actual_more(actual), 2 - i);
	}
	GT_ERR(mt_channel_read(b, buf, sizeof(buf), NULL, 0, &actual),
	       MT_ERR_SHOULD_WAIT);
	mt_handle_drop(a);
	mt_handle_drop(b);
}

GT_TEST(chan, write_read_bytes)
{
	mt_handle_t a, b;
	char buf[64];
	uint64_t actual = 0;

	chan_pair(&a, &b);
	GT_OK(chan_write1(a, "hello", 5, NULL, 0, 0));
	GT_OK(chan_write1(b, "back", 4, NULL, 0, 0));
	GT_OK(mt_channel_read(b, buf, sizeof(buf), NULL, 0, &actual));
	GT_CHECK_EQ(actual, 5);
	GT_CHECK(memcmp(buf, "hello", 5) == 0);
	GT_OK(mt_channel_read(a, buf, sizeof(buf), NULL, 0, &actual));
	GT_CHECK_EQ(actual, 4);
	GT_CHECK(memcmp(buf, "back", 4) == 0);
	GT_ERR(mt_channel_read(a, buf, sizeof(buf), NULL, 0, &actual),
	       MT_ERR_SHOULD_WAIT);
	/* An empty message is a message. */
	GT_OK(chan_write1(a, NULL, 0, NULL, 0, 0));
	GT_OK(mt_channel_read(b, buf, sizeof(buf), NULL, 0, &actual));
	GT_CHECK_EQ(actual, 0);
	mt_handle_drop(a);
	mt_handle_drop(b);
}

GT_TEST(chan, order_preserved)
{
	mt_handle_t a, b;
	uint64_t v, actual;

	chan_pair(&a, &b);
	for (uint64_t i = 0; i < MT_CHANNEL_QUEUE_MAX; i++)
		GT_OK(chan_write1(a, &i, sizeof(i), NULL, 0, 0));
	for (uint64_t i = 0; i < MT_CHANNEL_QUEUE_MAX; i++) {
		GT_OK(mt_channel_read(b, &v, sizeof(v), NULL, 0, &actual));
		GT_CHECK_EQ(v, i);
	}
	mt_handle_drop(a);
	mt_handle_drop(b);
}

GT_TEST(chan, write_read_handles)
{
	mt_handle_t a, b, m[2], got[4];
	struct mt_object_info i0, j0;
	uint64_t actual, word = 99, back = 0;
	char c;

	chan_pair(&a, &b);
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &m[0]));
	GT_OK(mt_event_create(&m[1]));
	GT_OK(mt_memory_write(m[0], 0, &word, sizeof(word)));
	GT_OK(mt_object_info(m[0], &i0));
	GT_OK(chan_write1(a, "x", 1, m, 2, 0));
	/* In flight: the writer's handles are gone. */
	GT_CHECK(!chan_live(m[0]));
	GT_CHECK(!chan_live(m[1]));
	GT_ERR(mt_memory_read(m[0], 0, &back, sizeof(back)), MT_ERR_BAD_HANDLE);
	GT_OK(mt_channel_read(b, &c, 1, got, sizeof(got), &actual));
	GT_CHECK_EQ(actual, 1 | (2ULL << 32));
	GT_OK(mt_object_info(got[0], &j0));
	GT_CHECK_EQ(j0.koid, i0.koid);
	GT_CHECK_EQ(j0.rights, i0.rights);
	GT_CHECK_EQ(GT_OK(mt_handle_type(got[1])), MT_OBJ_EVENT);
	GT_OK(mt_memory_read(got[0], 0, &back, sizeof(back)));
	GT_CHECK_EQ(back, 99);
	mt_handle_drop(got[0]);
	mt_handle_drop(got[1]);
	mt_handle_drop(a);
	mt_handle_drop(b);
}

GT_TEST(chan, duplicate_flag_keeps_handles)
{
	mt_handle_t a, b, m, got, nodup;
	uint64_t actual;

	chan_pair(&a, &b);
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &m));
	GT_OK(chan_write1(a, NULL, 0, &m, 1, MT_IPC_DUP_HANDLES));
	GT_CHECK(chan_live(m));
	GT_OK(mt_channel_read(b, NULL, 0, &got, sizeof(got), &actual));
	GT_CHECK(chan_live(got));
	mt_handle_drop(got);
	GT_OK(mt_handle_duplicate(m, MT_RIGHT_TRANSFER | MT_RIGHT_INFO, &nodup));
	GT_ERR(chan_write1(a, NULL, 0, &nodup, 1, MT_IPC_DUP_HANDLES),
	       MT_ERR_ACCESS_DENIED);
	GT_CHECK(chan_live(nodup));
	GT_ERR(mt_channel_read(b, NULL, 0, &got, sizeof(got), &actual),
	       MT_ERR_SHOULD_WAIT);
	mt_handle_drop(nodup);
	mt_handle_drop(m);
	mt_handle_drop(a);
	mt_handle_drop(b);
}

GT_TEST(chan, handle_without_transfer_refused)
{
	mt_handle_t a, b, hs[2];
	uint64_t actual;

	chan_pair(&a, &b);
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &hs[0]));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &hs[1]));
	GT_OK(mt_handle_replace(hs[1], gt_rights_without(hs[1], MT_RIGHT_TRANSFER), &hs[1]));
	GT_ERR(chan_write1(a, "z", 1, hs, 2, 0), MT_ERR_ACCESS_DENIED);
	GT_CHECK(chan_live(hs[0]));
	GT_CHECK(chan_live(hs[1]));
	GT_ERR(mt_channel_read(b, NULL, 0, NULL, 0, &actual), MT_ERR_SHOULD_WAIT);
	mt_handle_drop(hs[0]);
	mt_handle_drop(hs[1]);
	mt_handle_drop(a);
	mt_handle_drop(b);
}

GT_TEST(chan, bad_handles_in_list_refused)
{
	mt_handle_t a, b, hs[3];
	uint64_t actual;
	mt_status_t st;

	chan_pair(&a, &b);
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &hs[0]));
	hs[1] = 0x4242;
	GT_ERR(chan_write1(a, NULL, 0, hs, 2, 0), MT_ERR_BAD_HANDLE);
	GT_CHECK(chan_live(hs[0]));
	/* The same handle twice cannot be moved twice. */
	hs[1] = hs[0];
	st = chan_write1(a, NULL, 0, hs, 2, 0);
	if (st >= 0)
		gt_fail("a handle listed twice was accepted");
	GT_ERR(mt_channel_read(b, NULL, 0, NULL, 0, &actual), MT_ERR_SHOULD_WAIT);
	mt_handle_drop(hs[0]);
	mt_handle_drop(a);
	mt_handle_drop(b);
}

GT_TEST(chan, own_end_through_itself_refused)
{
	mt_handle_t a, b;
	uint64_t actual;
	mt_status_t st;

	chan_pair(&a, &b);
	st = chan_write1(a, NULL, 0, &a, 1, 0);
	if (st >= 0)
		gt_fail("an end was sent through itself");
	GT_CHECK(chan_live(a));
	GT_ERR(mt_channel_read(b, NULL, 0, NULL, 0, &actual), MT_ERR_SHOULD_WAIT);
	mt_handle_drop(a);
	mt_handle_drop(b);
}

GT_TEST(chan, peer_closed)
{
	mt_handle_t a, b;
	char buf[8];
	uint64_t actual;

	chan_pair(&a, &b);
	GT_CHECK(!(chan_signals(a) & MT_SIGNAL_PEER_CLOSED));
	GT_OK(chan_write1(b, "last", 4, NULL, 0, 0));
	GT_OK(mt_handle_close(b));
	gt_wait(a, MT_SIGNAL_PEER_CLOSED, 100);
	GT_ERR(chan_write1(a, "x", 1, NULL, 0, 0), MT_ERR_PEER_CLOSED);
	/* What was queued can still be read, then PEER_CLOSED. */
	GT_OK(mt_channel_read(a, buf, sizeof(buf), NULL, 0, &actual));
	GT_CHECK_EQ(actual, 4);
	GT_ERR(mt_channel_read(a, buf, sizeof(buf), NULL, 0, &actual),
	       MT_ERR_PEER_CLOSED);
	mt_handle_drop(a);
}

GT_TEST(chan, peer_closed_refuses_handles_unconsumed_or_released)
{
	/* Writing handles to a closed peer fails; the handles are either
	 * kept or freed, never leaked (the leak check). */
	mt_handle_t a, b, m;

	chan_pair(&a, &b);
	GT_OK(mt_handle_close(b));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &m));
	GT_ERR(chan_write1(a, NULL, 0, &m, 1, 0), MT_ERR_PEER_CLOSED);
	mt_handle_drop(m);
	mt_handle_drop(a);
}

GT_TEST(chan, readable_and_writable_signals)
{
	mt_handle_t a, b;
	uint64_t actual;
	char c;

	chan_pair(&a, &b);
	GT_CHECK(chan_signals(a) & MT_SIGNAL_WRITABLE);
	GT_CHECK(!(chan_signals(b) & MT_SIGNAL_READABLE));
	GT_OK(chan_write1(a, "r", 1, NULL, 0, 0));
	GT_CHECK(chan_signals(b) & MT_SIGNAL_READABLE);
	GT_OK(mt_channel_read(b, &c, 1, NULL, 0, &actual));
	GT_CHECK(!(chan_signals(b) & MT_SIGNAL_READABLE));
	mt_handle_drop(a);
	mt_handle_drop(b);
}

GT_TEST(chan, flood_should_wait_then_writable)
{
	mt_handle_t a, b;
	uint64_t v = 0, actual;

	chan_pair(&a, &b);
	for (uint32_t i = 0; i < MT_CHANNEL_QUEUE_MAX; i++)
		GT_OK(chan_write1(a, &v, sizeof(v), NULL, 0, 0));
	GT_ERR(chan_write1(a, &v, sizeof(v), NULL, 0, 0), MT_ERR_SHOULD_WAIT);
	GT_CHECK(!(chan_signals(a) & MT_SIGNAL_WRITABLE));
	/* The other direction is independent. */
	GT_OK(chan_write1(b, &v, sizeof(v), NULL, 0, 0));
	GT_OK(mt_channel_read(b, &v, sizeof(v), NULL, 0, &actual));
	gt_wait(a, MT_SIGNAL_WRITABLE, 100);
	GT_OK(chan_write1(a, &v, sizeof(v), NULL, 0, 0));
	GT_ERR(chan_write1(a, &v, sizeof(v), NULL, 0, 0), MT_ERR_SHOULD_WAIT);
	mt_handle_drop(a);
	mt_handle_drop(b);
}

GT_TEST(chan, flood_with_handles_should_wait_keeps_them)
{
	/* A refused write (queue full) is refused at validation: the handle
	 * stays with the writer. */
	mt_handle_t a, b, m;

	chan_pair(&a, &b);
	for (uint32_t i = 0; i < MT_CHANNEL_QUEUE_MAX; i++)
		GT_OK(chan_write1(a, NULL, 0, NULL, 0, 0));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &m));
	GT_ERR(chan_write1(a, NULL, 0, &m, 1, 0), MT_ERR_SHOULD_WAIT);
	GT_CHECK(chan_live(m));
	mt_handle_drop(m);
	mt_handle_drop(a);
	mt_handle_drop(b);
}

GT_TEST(chan, short_buffer_reports_sizes_keeps_message)
{
	mt_handle_t a, b, hs[2], got[2];
	uint8_t big[100], buf[100];
	uint64_t actual = 0;

	chan_pair(&a, &b);
	for (int i = 0; i < 100; i++)
		big[i] = (uint8_t)i;
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &hs[0]));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &hs[1]));
	GT_OK(chan_write1(a, big, 100, hs, 2, 0));
	GT_ERR(mt_channel_read(b, buf, 10, got, sizeof(got), &actual),
	       MT_ERR_BUFFER_TOO_SMALL);
	GT_CHECK_EQ(actual, 100 | (2ULL << 32));
	actual = 0;
	GT_ERR(mt_channel_read(b, buf, 100, got, sizeof(mt_handle_t), &actual),
	       MT_ERR_BUFFER_TOO_SMALL);
	GT_CHECK_EQ(actual, 100 | (2ULL << 32));
	GT_OK(mt_channel_read(b, buf, 100, got, sizeof(got), &actual));
	GT_CHECK(memcmp(buf, big, 100) == 0);
	GT_CHECK(chan_live(got[0]) && chan_live(got[1]));
	mt_handle_drop(got[0]);
	mt_handle_drop(got[1]);
	mt_handle_drop(a);
	mt_handle_drop(b);
}

GT_TEST(chan, limits)
{
	static uint8_t big[MT_CHANNEL_MSG_MAX + 1];
	static mt_handle_t hs[MT_CHANNEL_HANDLES_MAX + 1];
	static mt_handle_t got[MT_CHANNEL_HANDLES_MAX];
	mt_handle_t a, b;
	uint64_t actual;

	chan_pair(&a, &b);
	GT_ERR(chan_write1(a, big, MT_CHANNEL_MSG_MAX + 1, NULL, 0, 0),
	       MT_ERR_INVALID_ARGS);
	for (uint32_t i = 0; i <= MT_CHANNEL_HANDLES_MAX; i++)
		GT_OK(mt_event_create(&hs[i]));
	GT_ERR(chan_write1(a, NULL, 0, hs, MT_CHANNEL_HANDLES_MAX + 1, 0),
	       MT_ERR_INVALID_ARGS);
	for (uint32_t i = 0; i <= MT_CHANNEL_HANDLES_MAX; i++)
		GT_CHECK(chan_live(hs[i]));
	/* A misaligned handle array size is not a whole number of handles. */
	GT_ERR(mt_channel_write(a, NULL, 0, hs, 3, 0), MT_ERR_INVALID_ARGS);
	/* Exactly at the limits works. */
	big[MT_CHANNEL_MSG_MAX - 1] = 0x77;
	GT_OK(chan_write1(a, big, MT_CHANNEL_MSG_MAX, hs, MT_CHANNEL_HANDLES_MAX, 0));
	memset(big, 0, sizeof(big));
	GT_OK(mt_channel_read(b, big, MT_CHANNEL_MSG_MAX, got, sizeof(got), &actual));
	GT_CHECK_EQ(actual, MT_CHANNEL_MSG_MAX | ((uint64_t)MT_CHANNEL_HANDLES_MAX << 32));
	GT_CHECK_EQ(big[MT_CHANNEL_MSG_MAX - 1], 0x77);
	for (uint32_t i = 0; i < MT_CHANNEL_HANDLES_MAX; i++)
		mt_handle_drop(got[i]);
	mt_handle_drop(hs[MT_CHANNEL_HANDLES_MAX]);
	mt_handle_drop(a);
	mt_handle_drop(b);
}

GT_TEST(chan, close_with_queued_handles_releases_them)
{
	/* Memory, events, a whole other channel and a channel end carrying
	 * its own queue: closing both ends frees everything (leak check). */
	mt_handle_t a, b, c, d, hs[3];

	chan_pair(&a, &b);
	chan_pair(&c, &d);
	GT_OK(mt_memory_create(256 * 1024, 0, &hs[0]));
	GT_OK(mt_event_create(&hs[1]));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &hs[2]));
	GT_OK(chan_write1(c, "in c", 4, &hs[2], 1, 0));
	hs[2] = d;
	GT_OK(chan_write1(a, "q", 1, hs, 3, 0));
	GT_OK(chan_write1(a, "q", 1, &c, 1, 0));
	mt_handle_drop(a);
	mt_handle_drop(b);
}

GT_TEST(chan, exit_with_queued_handles)
{
	/* The process ends with handles queued in both directions. */
	mt_handle_t a, b, m;

	chan_pair(&a, &b);
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &m));
	GT_OK(chan_write1(a, NULL, 0, &m, 1, 0));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &m));
	GT_OK(chan_write1(b, NULL, 0, &m, 1, 0));
}

GT_TEST(chan, cycle_through_two_channels_freed)
{
	/* b waits in the c->d queue and d in the a->b queue, so each keeps
	 * the other alive once we close a and c (or exit): the kernel must
	 * still free both channels (leak check). */
	mt_handle_t a, b, c, d;

	chan_pair(&a, &b);
	chan_pair(&c, &d);
	GT_OK(chan_write1(a, NULL, 0, &d, 1, 0));
	GT_OK(chan_write1(c, NULL, 0, &b, 1, 0));
}

static mt_handle_t chan_waiter_ch;
static volatile mt_status_t chan_waiter_status;

static void chan_waiter(void *arg)
{
	uint64_t v = 0, actual;

	(void)arg;
	chan_waiter_status = mt_channel_read_wait(chan_waiter_ch, &v, sizeof(v),
						  NULL, 0, &actual,
						  gt_deadline_ms(2000));
	if (chan_waiter_status >= 0 && v != 0xabc)
		gt_fail("waiter read %#llx", (unsigned long long)v);
}

GT_TEST(chan, write_wakes_waiter)
{
	mt_handle_t a, th;
	uint64_t v = 0xabc;

	chan_pair(&a, &chan_waiter_ch);
	chan_waiter_status = 1;
	th = gt_thread_spawn(chan_waiter, NULL, 0);
	(void)mt_nanosleep(gt_deadline_ms(20));
	GT_CHECK_EQ(chan_waiter_status, 1);
	GT_OK(chan_write1(a, &v, sizeof(v), NULL, 0, 0));
	gt_wait(th, MT_SIGNAL_TERMINATED, 1000);
	GT_CHECK_EQ(chan_waiter_status, MT_OK);
	mt_handle_drop(th);
	mt_handle_drop(a);
	mt_handle_drop(chan_waiter_ch);
}

GT_TEST(chan, close_wakes_waiter)
{
	mt_handle_t a, th;

	chan_pair(&a, &chan_waiter_ch);
	chan_waiter_status = 1;
	th = gt_thread_spawn(chan_waiter, NULL, 0);
	(void)mt_nanosleep(gt_deadline_ms(20));
	GT_OK(mt_handle_close(a));
	gt_wait(th, MT_SIGNAL_TERMINATED, 1000);
	GT_CHECK_EQ(chan_waiter_status, MT_ERR_PEER_CLOSED);
	mt_handle_drop(th);
	mt_handle_drop(chan_waiter_ch);
}

GT_TEST(chan, echo_across_processes)
{
	struct mt_spawn_result h;
	mt_handle_t a, b, box, m, got;
	uint8_t buf[1000];
	uint64_t actual;

	chan_pair(&a, &b);
	gt_spawn_helper_box(GT_HELPER_CHAN_ECHO, 0, &b, 1, &box, &h);
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 1000; i++)
			buf[i] = (uint8_t)(i + round);
		GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &m));
		GT_OK(chan_write1(a, buf, 1000, &m, 1, 0));
		memset(buf, 0, sizeof(buf));
		GT_OK(mt_channel_read_wait(a, buf, sizeof(buf), &got, 1, &actual,
					   gt_deadline_ms(2000)));
		GT_CHECK_EQ(actual, 1000 | (1ULL << 32));
		for (int i = 0; i < 1000; i++)
			GT_CHECK_EQ(buf[i], (uint8_t)(i + round));
		GT_CHECK_EQ(GT_OK(mt_handle_type(got)), MT_OBJ_MEMORY);
		mt_handle_drop(got);
	}
	GT_OK(mt_handle_close(a));
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 2000);
	mt_handle_drop(box);
	mt_spawn_release(&h);
}

GT_TEST(chan, helper_killed_peer_closed)
{
	struct mt_spawn_result h;
	mt_handle_t a, b, box;

	chan_pair(&a, &b);
	gt_spawn_helper_box(GT_HELPER_CHAN_ECHO, 0, &b, 1, &box, &h);
	GT_OK(mt_task_kill(h.process));
	gt_wait(a, MT_SIGNAL_PEER_CLOSED, 2000);
	mt_handle_drop(a);
	mt_handle_drop(box);
	mt_spawn_release(&h);
}

GT_TEST_FAULT(chan, grant_unmaps_sender, MT_FAULT_PAGE)
{
	mt_handle_t a, b, mem, got;
	uint64_t addr, actual, seen = 0;
	volatile uint64_t *p;

	chan_pair(&a, &b);
	GT_OK(mt_map_anon(MT_PAGE_SIZE, MT_PROT_READ | MT_PROT_WRITE, &addr, &mem));
	p = (volatile uint64_t *)(uintptr_t)addr;
	*p = 0x600d;
	GT_OK(chan_write1(a, NULL, 0, &mem, 1, MT_IPC_GRANT));
	GT_OK(mt_channel_read(b, NULL, 0, &got, sizeof(got), &actual));
	GT_OK(mt_memory_read(got, 0, &seen, sizeof(seen)));
	GT_CHECK_EQ(seen, 0x600d);
	gt_expect_fault_addr(addr);
	(void)*p;
	gt_fail("the granted page is still mapped in the sender");
}

GT_TEST(chan, bad_user_buffers)
{
	mt_handle_t a, b;
	uint64_t actual;
	char c = 'k';

	chan_pair(&a, &b);
	GT_ERR(chan_write1(a, (void *)0xffff800000000000ULL, 8, NULL, 0, 0),
	       MT_ERR_BAD_ADDRESS);
	GT_OK(chan_write1(a, &c, 1, NULL, 0, 0));
	GT_ERR(mt_channel_read(b, (void *)0x1000, 8, NULL, 0, &actual),
	       MT_ERR_BAD_ADDRESS);
	/* A failed read leaves the message queued. */
	GT_OK(mt_channel_read(b, &c, 1, NULL, 0, &actual));
	GT_CHECK_EQ(c, 'k');
	mt_handle_drop(a);
	mt_handle_drop(b);
}
