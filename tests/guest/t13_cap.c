/*
 * cap.*: capability derivation and revocation (kernel/cap.h).  Rights only
 * shrink along a derivation; revoking a handle invalidates everything
 * derived from it — in any process's table, queued in messages, mapped —
 * and nothing else.
 */
#include "guest.h"

#include <string.h>

#include <libmantra/ipc.h>
#include <libmantra/mantra.h>

static mt_handle_t new_event(void)
{
	mt_handle_t ev = 0;

	GT_OK(mt_event_create(&ev));
	return ev;
}

static mt_handle_t dup(mt_handle_t h, mt_rights_t rights)
{
	mt_handle_t d = 0;

	GT_OK(mt_handle_duplicate(h, rights, &d));
	return d;
}

static uint32_t handle_count(mt_handle_t h)
{
	struct mt_object_info oi;

	GT_OK(mt_object_info(h, &oi));
	return oi.handle_count;
}

static mt_rights_t rights_of(mt_handle_t h)
{
	struct mt_object_info oi;

	GT_OK(mt_object_info(h, &oi));
	return oi.rights;
}

GT_TEST(cap, derived_rights_never_grow)
{
	mt_handle_t ev = new_event(), d, dd;
	mt_rights_t all = rights_of(ev);
	mt_rights_t less = all & ~MT_RIGHT_SIGNAL;

	d = dup(ev, less);
	GT_CHECK_EQ(rights_of(d), less);
	/* Not even the right the parent had and d lost comes back. */
	GT_ERR(mt_handle_duplicate(d, all, &dd), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_handle_replace(d, all, &dd), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_object_signal(d, 0, (1u << 24)), MT_ERR_ACCESS_DENIED);
	dd = dup(d, MT_RIGHT_SAME);
	GT_CHECK_EQ(rights_of(dd), less);
	mt_handle_drop(dd);
	mt_handle_drop(d);
	mt_handle_drop(ev);
}

GT_TEST(cap, revoke_invalidates_derived)
{
	mt_handle_t ev = new_event(), d = dup(ev, MT_RIGHT_SAME);

	GT_CHECK_EQ(handle_count(ev), 2);
	GT_OK(mt_handle_revoke(ev));
	GT_ERR(mt_object_signal(d, 0, (1u << 24)), MT_ERR_BAD_HANDLE);
	GT_ERR(mt_handle_close(d), MT_ERR_BAD_HANDLE);      /* already gone */
	GT_CHECK_EQ(handle_count(ev), 1);
	GT_OK(mt_object_signal(ev, 0, (1u << 24)));    /* ev itself stays */
	GT_OK(mt_handle_revoke(ev));                        /* nothing left: fine */
	mt_handle_drop(ev);
}

GT_TEST(cap, revoke_is_transitive)
{
	mt_handle_t ev = new_event(), a = dup(ev, MT_RIGHT_SAME);
	mt_handle_t b = dup(a, MT_RIGHT_SAME), c = dup(b, MT_RIGHT_SAME);

	GT_CHECK_EQ(handle_count(ev), 4);
	GT_OK(mt_handle_revoke(ev));
	GT_ERR(mt_handle_close(a), MT_ERR_BAD_HANDLE);
	GT_ERR(mt_handle_close(b), MT_ERR_BAD_HANDLE);
	GT_ERR(mt_handle_close(c), MT_ERR_BAD_HANDLE);
	GT_CHECK_EQ(handle_count(ev), 1);
	mt_handle_drop(ev);
}

/* Revoking a middle capability takes its subtree only. */
GT_TEST(cap, revoke_spares_ancestors_and_siblings)
{
	mt_handle_t ev = new_event(), a = dup(ev, MT_RIGHT_SAME);
	mt_handle_t b = dup(ev, MT_RIGHT_SAME), a1 = dup(a, MT_RIGHT_SAME);
	mt_handle_t b1 = dup(b, MT_RIGHT_SAME);

	GT_OK(mt_handle_revoke(a));
	GT_ERR(mt_handle_close(a1), MT_ERR_BAD_HANDLE);
	GT_OK(mt_object_signal(a, 0, (1u << 24)));
	GT_OK(mt_object_signal(b, 0, (1u << 24)));
	GT_OK(mt_object_signal(b1, 0, (1u << 24)));
	GT_CHECK_EQ(handle_count(ev), 4);
	mt_handle_drop(b1);
	mt_handle_drop(b);
	mt_handle_drop(a);
	mt_handle_drop(ev);
}

/* Closing a capability in the middle keeps what was derived from it
 * within reach of the revocations above. */
GT_TEST(cap, closing_a_middle_cap_keeps_children_revocable)
{
	mt_handle_t ev = new_event(), a = dup(ev, MT_RIGHT_SAME);
	mt_handle_t b = dup(a, MT_RIGHT_SAME);

	mt_handle_drop(a);
	GT_OK(mt_handle_revoke(ev));
	GT_ERR(mt_handle_close(b), MT_ERR_BAD_HANDLE);
	mt_handle_drop(ev);
}

GT_TEST(cap, revoke_reaches_other_processes)
{
	mt_handle_t ev = new_event(), d = dup(ev, MT_RIGHT_SAME), p, as, in_p;
	static const char name[] = "holder";

	GT_OK(mt_process_create(name, sizeof(name) - 1, &p, &as));
	GT_OK(mt_process_give_handle(p, d, &in_p));
	GT_CHECK(in_p != MT_HANDLE_INVALID);
	GT_ERR(mt_handle_close(d), MT_ERR_BAD_HANDLE);      /* it moved */
	GT_CHECK_EQ(handle_count(ev), 2);
	GT_OK(mt_handle_revoke(ev));
	GT_CHECK_EQ(handle_count(ev), 1);                   /* p's slot is free */
	mt_handle_drop(as);
	mt_handle_drop(p);
	mt_handle_drop(ev);
}

/* A moved handle keeps its place in the tree: moving is not deriving. */
GT_TEST(cap, moved_handle_stays_revocable)
{
	mt_handle_t ev = new_event(), d = dup(ev, MT_RIGHT_SAME), a, b, got = 0;
	uint64_t actual;

	GT_OK(mt_channel_create(&a, &b));
	GT_OK(mt_channel_write(a, NULL, 0, &d, sizeof(d), 0));
	GT_OK(mt_channel_read(b, NULL, 0, &got, sizeof(got), &actual));
	GT_CHECK(got != MT_HANDLE_INVALID);
	GT_OK(mt_handle_revoke(ev));
	GT_ERR(mt_handle_close(got), MT_ERR_BAD_HANDLE);
	mt_handle_drop(a);
	mt_handle_drop(b);
	mt_handle_drop(ev);
}

/* Handles queued in a channel are reached too: they arrive invalid, and
 * the object no longer counts them. */
GT_TEST(cap, revoke_reaches_queued_handles)
{
	mt_handle_t ev = new_event(), d = dup(ev, MT_RIGHT_SAME), a, b;
	mt_handle_t got[2] = { 1, 1 }, keep = dup(ev, MT_RIGHT_SAME);
	mt_handle_t send[2] = { d, keep };
	uint64_t actual;
	char buf[1];

	GT_OK(mt_channel_create(&a, &b));
	/* d moves; keep is duplicated (a derived capability travels). */
	GT_OK(mt_channel_write(a, "x", 1, &send[0], sizeof(mt_handle_t), 0));
	GT_OK(mt_channel_write(a, "y", 1, &send[1], sizeof(mt_handle_t),
			       MT_IPC_DUP_HANDLES));
	GT_OK(mt_handle_revoke(ev));
	GT_ERR(mt_handle_close(keep), MT_ERR_BAD_HANDLE);   /* derived too */
	GT_OK(mt_channel_read(b, buf, 1, &got[0], sizeof(mt_handle_t), &actual));
	GT_OK(mt_channel_read(b, buf, 1, &got[1], sizeof(mt_handle_t), &actual));
	GT_CHECK_EQ(got[0], MT_HANDLE_INVALID);
	GT_CHECK_EQ(got[1], MT_HANDLE_INVALID);
	GT_CHECK_EQ(handle_count(ev), 1);
	mt_handle_drop(a);
	mt_handle_drop(b);
	mt_handle_drop(ev);
}

/* Memory mapped through a revoked capability is unmapped; memory mapped
 * through the revoker's own stays. */
GT_TEST(cap, revoke_unmaps_memory)
{
	mt_handle_t mem, d;
	mt_status_t at_own, at_d;

	GT_OK(mt_memory_create(2 * MT_PAGE_SIZE, 0, &mem));
	d = dup(mem, MT_RIGHT_SAME);
	at_own = mt_vm_map(gt_aspace(), 0, mem, 0, MT_PAGE_SIZE,
			   MT_PROT_READ | MT_PROT_WRITE);
	at_d = mt_vm_map(gt_aspace(), 0, d, MT_PAGE_SIZE, MT_PAGE_SIZE,
			 MT_PROT_READ | MT_PROT_WRITE);
	GT_CHECK(at_own > 0 && at_d > 0);
	*(volatile uint64_t *)(uintptr_t)at_d = 42;
	mt_handle_drop(d);              /* the mapping still holds the cap */
	GT_OK(mt_handle_revoke(mem));
	GT_ERR(mt_vm_unmap(gt_aspace(), (uint64_t)at_d, MT_PAGE_SIZE),
	       MT_ERR_NOT_FOUND);
	*(volatile uint64_t *)(uintptr_t)at_own = 7;
	GT_OK(mt_vm_unmap(gt_aspace(), (uint64_t)at_own, MT_PAGE_SIZE));
	mt_handle_drop(mem);
}

/* A badged endpoint handle is derived: revoking the original silences it
 * (a server cutting off one client). */
GT_TEST(cap, revoke_badged_handle)
{
	mt_handle_t ep, client;
	struct mt_ipc_msg in = { MT_IPC_INFO(1, 0, 0), { 0, 0, 0, 0 }, 0 }, out;

	GT_OK(mt_endpoint_create(&ep));
	GT_OK(mt_handle_badge(ep, 77, &client));
	GT_OK(mt_handle_revoke(ep));
	GT_ERR(mt_call(client, &in, &out), MT_ERR_BAD_HANDLE);
	mt_handle_drop(ep);
}

/* More derived capabilities than one step revokes: the call restarts
 * until all are gone. */
GT_TEST(cap, revoke_many_in_steps)
{
	enum { N = 300 };
	static mt_handle_t d[N];
	mt_handle_t ev = new_event();

	for (int i = 0; i < N; i++)
		d[i] = dup(i % 3 == 0 ? ev : d[i - 1], MT_RIGHT_SAME);
	GT_CHECK_EQ(handle_count(ev), N + 1);
	GT_OK(mt_handle_revoke(ev));
	GT_CHECK_EQ(handle_count(ev), 1);
	for (int i = 0; i < N; i += 37)
		GT_ERR(mt_handle_close(d[i]), MT_ERR_BAD_HANDLE);
	mt_handle_drop(ev);
}

GT_TEST(cap, revoke_bad_handle)
{
	GT_ERR(mt_handle_revoke(MT_HANDLE_INVALID), MT_ERR_BAD_HANDLE);
	GT_ERR(mt_handle_revoke(0x7fff03ffu), MT_ERR_BAD_HANDLE);
}

/* Revocation ends an endpoint's receive capability like a close: callers
 * waiting on it get PEER_CLOSED. */
static mt_handle_t peer_ep;

static void caller(void *arg)
{
	struct mt_ipc_msg in = { MT_IPC_INFO(1, 0, 0), { 0, 0, 0, 0 }, 0 }, out;
	mt_status_t *res = arg;

	*res = mt_call(peer_ep, &in, &out);
	(void)mt_thread_exit();
}

GT_TEST(cap, revoking_receivers_closes_endpoint)
{
	mt_handle_t ep, rd, th;
	static volatile mt_status_t res = 1;

	GT_OK(mt_endpoint_create(&ep));
	/* The callers' handle can write only; the receive right lives in
	 * the original and a derived copy, which goes. */
	peer_ep = dup(ep, MT_RIGHT_WRITE | MT_RIGHT_WAIT);
	rd = dup(ep, MT_RIGHT_SAME);
	GT_OK(mt_handle_replace(ep, MT_RIGHT_DUPLICATE | MT_RIGHT_INFO, &ep));
	th = gt_thread_spawn(caller, (void *)&res, 0);
	(void)mt_nanosleep(gt_deadline_ms(20));
	GT_CHECK_EQ(res, 1);                    /* blocked in the call */
	/* Revoke the receive capability (derived from ep): the last READ. */
	GT_OK(mt_handle_revoke(ep));
	(void)gt_wait(th, MT_SIGNAL_TERMINATED, 1000);
	GT_CHECK_EQ(res, MT_ERR_PEER_CLOSED);
	GT_ERR(mt_handle_close(rd), MT_ERR_BAD_HANDLE);
	mt_handle_drop(th);
	mt_handle_drop(ep);
}
