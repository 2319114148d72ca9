/*
 * quota.*: kernel-memory quotas (kernel/quota.h).  A parent carves a
 * quota for a child out of its own; the child exhausting it, with any
 * kind of kernel object, gets MT_ERR_NO_MEMORY and nothing else breaks;
 * what it was charged comes back when it and its objects are gone.
 */
#include "guest.h"

#include <stdlib.h>
#include <string.h>

#include <libmantra/ipc.h>
#include <libmantra/mantra.h>

enum quota_kind {
	Q_EVENTS, Q_CHANNELS, Q_PORTS, Q_ENDPOINTS, Q_HANDLES, Q_PAGES,
	Q_THREADS, Q_MESSAGES, Q_PACKETS, Q_PROCESSES, Q_KINDS
};

#define Q_MAX 4096                      /* objects kept, at most */
#define Q_EXTRA (96 * 1024)             /* bytes of quota above its start */

static mt_handle_t held[Q_MAX];

/* Make one more object of `kind`; its status.  Handles go to held[]. */
static mt_status_t make_one(enum quota_kind kind, size_t i, mt_handle_t *scratch)
{
	static const char msg[64];
	struct mt_port_packet pkt = { 0, 0, 0, { 0, 0 } };
	mt_handle_t a, b, as;

	switch (kind) {
	case Q_EVENTS:
		return mt_event_create(&held[i]);
	case Q_CHANNELS:
		{
			mt_status_t r = mt_channel_create(&a, &b);
			if (r >= 0) {
				held[i] = a;
				mt_handle_drop(b);
			}
			return r;
		}
	case Q_PORTS:
		return mt_port_create(&held[i]);
	case Q_ENDPOINTS:
		return mt_endpoint_create(&held[i]);
	case Q_HANDLES:
		return mt_handle_duplicate(scratch[0], MT_RIGHT_SAME, &held[i]);
	case Q_PAGES:
		return mt_memory_write(scratch[0], (uint64_t)i * MT_PAGE_SIZE, msg, 1);
	case Q_THREADS:                 /* created, never started */
		return mt_thread_create(gt_self(), "q", 1, &held[i]);
	case Q_MESSAGES:                /* a new channel when one is full */
		{
			mt_status_t r = mt_channel_write(scratch[0], msg, sizeof(msg),
							  NULL, 0, 0);
			if (r != MT_ERR_SHOULD_WAIT)
				return r;
			if ((r = mt_channel_create(&a, &b)) < 0)
				return r;
			held[i] = scratch[0];
			scratch[0] = a;
			scratch[1] = b;
			return mt_channel_write(a, msg, sizeof(msg), NULL, 0, 0);
		}
	case Q_PACKETS:                 /* a new port when one is full */
		{
			mt_status_t r = mt_port_queue(scratch[0], &pkt);
			if (r != MT_ERR_SHOULD_WAIT)
				return r;
			held[i] = scratch[0];
			if ((r = mt_port_create(&scratch[0])) < 0)
				return r;
			return mt_port_queue(scratch[0], &pkt);
		}
	case Q_PROCESSES:
		{
			mt_status_t r = mt_process_create("q", 1, &held[i], &as);
			if (r >= 0)
				mt_handle_drop(as);
			return r;
		}
	default:
		return MT_ERR_INVALID_ARGS;
	}
}

/* The helper: make objects until the quota says no; report how many, the
 * status that stopped it, and whether one more fits after freeing one. */
void gt_helper_quota_main(uint32_t param)
{
	enum quota_kind kind = (enum quota_kind)param;
	volatile struct gt_box *box = gt_box();
	mt_handle_t scratch[2] = { 0, 0 };
	mt_status_t st = MT_OK, again;
	size_t n = 0;
	bool ends = kind == Q_MESSAGES || kind == Q_PACKETS || kind == Q_PAGES;

	/* Touch what we will write, so that no page table is needed once
	 * the quota is gone (it would fault us). */
	box->word[0] = 0;
	memset(held, 0, sizeof(held));
	if (kind == Q_HANDLES || kind == Q_PACKETS)
		(void)(kind == Q_HANDLES ? mt_event_create(&scratch[0])
					 : mt_port_create(&scratch[0]));
	if (kind == Q_MESSAGES)
		(void)mt_channel_create(&scratch[0], &scratch[1]);
	if (kind == Q_PAGES)
		(void)mt_memory_create((uint64_t)Q_MAX * MT_PAGE_SIZE, 0, &scratch[0]);
	while (n < Q_MAX && (st = make_one(kind, n, scratch)) >= 0)
		n++;
	box->word[0] = n;
	box->word[1] = (uint64_t)(int64_t)st;
	/* Make room and try again: the system and this process go on. */
	if (kind == Q_MESSAGES) {
		char buf[64];
		uint64_t actual;
		(void)mt_channel_read(scratch[1], buf, sizeof(buf), NULL, 0, &actual);
	} else if (kind == Q_PACKETS) {
		struct mt_port_packet pkt;
		(void)mt_port_wait(scratch[0], 0, &pkt);
	} else if (!ends && n > 0) {
		mt_handle_drop(held[--n]);
		held[n] = 0;
	}
	again = kind == Q_PAGES ? MT_OK : make_one(kind, n, scratch);
	box->word[2] = (uint64_t)(int64_t)again;
	exit(0);
}

static void run_kind(enum quota_kind kind, uint64_t min_count)
{
	struct mt_spawn_result child;
	struct mt_task_result res;
	mt_handle_t box;
	uint64_t n;

	gt_spawn_helper_quota(GT_HELPER_QUOTA, kind, Q_EXTRA, &box, &child);
	(void)gt_wait(child.process, MT_SIGNAL_TERMINATED, 4000);
	GT_OK(mt_task_result(child.process, &res));
	GT_CHECK_EQ(res.state, MT_TASK_EXITED);
	n = gt_box_word(box, 0);
	GT_CHECK_EQ((mt_status_t)gt_box_word(box, 1), MT_ERR_NO_MEMORY);
	GT_CHECK(n >= min_count && n < Q_MAX);
	GT_CHECK_EQ((mt_status_t)gt_box_word(box, 2), MT_OK);
	mt_handle_drop(child.thread);
	mt_handle_drop(child.aspace);
	mt_handle_drop(child.process);
	mt_handle_drop(box);
}

GT_TEST(quota, exhaust_events) { run_kind(Q_EVENTS, 10); }
GT_TEST(quota, exhaust_channels) { run_kind(Q_CHANNELS, 10); }
GT_TEST(quota, exhaust_ports) { run_kind(Q_PORTS, 10); }
GT_TEST(quota, exhaust_endpoints) { run_kind(Q_ENDPOINTS, 10); }
GT_TEST(quota, exhaust_handles) { run_kind(Q_HANDLES, 100); }
GT_TEST(quota, exhaust_memory_pages) { run_kind(Q_PAGES, 10); }
GT_TEST(quota, exhaust_threads) { run_kind(Q_THREADS, 2); }
GT_TEST(quota, exhaust_queued_messages) { run_kind(Q_MESSAGES, 10); }
GT_TEST(quota, exhaust_port_packets) { run_kind(Q_PACKETS, 10); }
GT_TEST(quota, exhaust_processes) { run_kind(Q_PROCESSES, 0); }

GT_TEST(quota, usage_is_visible)
{
	struct mt_quota_info before, after;
	mt_handle_t ev;

	GT_OK(mt_process_quota(gt_self(), &before));
	GT_CHECK(before.used > 0);
	GT_CHECK(before.available > 0);
	GT_OK(mt_event_create(&ev));
	GT_OK(mt_process_quota(gt_self(), &after));
	GT_CHECK(after.used > before.used);
	mt_handle_drop(ev);
	GT_OK(mt_process_quota(gt_self(), &after));
	GT_CHECK_EQ(after.used, before.used);
}

/* Carving reserves the limit in the parent; the child's usage moves into
 * it; the reservation comes back when the child is gone. */
GT_TEST(quota, carve_reserves_and_returns)
{
	struct mt_quota_info mine0, mine1, mine2, child;
	mt_handle_t p, as;

	GT_OK(mt_process_quota(gt_self(), &mine0));
	GT_OK(mt_process_create("c", 1, &p, &as));
	GT_OK(mt_process_quota(p, &child));
	GT_CHECK(child.used > 0);
	GT_CHECK_EQ(child.carved, 0);
	GT_ERR(mt_process_set_quota(p, child.used - 1), MT_ERR_BAD_STATE);
	GT_ERR(mt_process_set_quota(p, mine0.available + (1ULL << 40)),
	       MT_ERR_NO_MEMORY);
	GT_OK(mt_process_set_quota(p, child.used + 65536));
	GT_OK(mt_process_quota(p, &child));
	GT_CHECK_EQ(child.carved, 1);
	GT_CHECK_EQ(child.available, 65536);
	GT_OK(mt_process_quota(gt_self(), &mine1));
	GT_CHECK(mine1.used >= mine0.used + child.used + 65536 - 4096);
	GT_OK(mt_process_set_quota(p, child.used + 4096));  /* shrink */
	mt_handle_drop(as);
	mt_handle_drop(p);
	GT_OK(mt_process_quota(gt_self(), &mine2));
	GT_CHECK_EQ(mine2.used, mine0.used);
}

/* Only the creator sets a quota, and a process cannot raise its own. */
GT_TEST(quota, only_the_creator_sets_it)
{
	GT_ERR(mt_process_set_quota(gt_self(), 1ULL << 30), MT_ERR_BAD_STATE);
}

/* A child's quota bounds what can be given to it. */
GT_TEST(quota, giving_handles_respects_the_child_quota)
{
	struct mt_quota_info child;
	mt_handle_t p, as, ev, got;
	mt_status_t st = MT_OK;
	int given = 0;

	GT_OK(mt_process_create("c", 1, &p, &as));
	GT_OK(mt_process_quota(p, &child));
	GT_OK(mt_process_set_quota(p, child.used + 10 * 128));
	GT_OK(mt_event_create(&ev));
	while (given < 100) {
		mt_handle_t d;
		GT_OK(mt_handle_duplicate(ev, MT_RIGHT_SAME, &d));
		st = mt_process_give_handle(p, d, &got);
		if (st < 0) {
			mt_handle_drop(d);      /* not moved: still ours */
			break;
		}
		given++;
	}
	GT_CHECK_EQ(st, MT_ERR_NO_MEMORY);
	GT_CHECK_EQ(given, 10);
	mt_handle_drop(ev);
	mt_handle_drop(as);
	mt_handle_drop(p);
}
