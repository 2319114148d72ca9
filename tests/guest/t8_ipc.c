/*
 * ipc.*: endpoints.  Call/reply round trips (registers, data, handles,
 * badges), servers in other threads and other processes, the one-shot
 * reply right, timeouts, handle-transfer rules, grants, limits, peers
 * dying on either side, and the caller's priority travelling with a call.
 */
#include "guest.h"

#include <string.h>

#include <libmantra/ipc.h>

/* ---- helpers ------------------------------------------------------------ */

static struct mt_ipc_buffer *ipc_buf(void)
{
	struct mt_ipc_buffer *b = NULL;

	GT_OK(mt_ipc_buffer_alloc(&b));
	return b;
}

static void ipc_serve_thread(void *arg)
{
	gt_ipc_serve((mt_handle_t)(uintptr_t)arg);
}

/* An endpoint served by a thread of ours (GT_SRV_* protocol). */
static mt_handle_t ipc_local_server(mt_handle_t *thread)
{
	mt_handle_t ep;

	GT_OK(mt_endpoint_create(&ep));
	*thread = gt_thread_spawn(ipc_serve_thread, (void *)(uintptr_t)ep, 0);
	return ep;
}

/* Stop a local server and wait for its thread. */
static void ipc_local_stop(mt_handle_t ep, mt_handle_t thread)
{
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_EXIT, 0, 0, 0), out;

	(void)mt_call(ep, &in, &out);
	gt_wait(thread, MT_SIGNAL_TERMINATED, 2000);
	mt_handle_drop(thread);
	mt_handle_drop(ep);
}

/* An endpoint served by a helper process; we keep only WRITE. */
static mt_handle_t ipc_remote_server(mt_handle_t *box, struct mt_spawn_result *h)
{
	mt_handle_t ep, client;

	GT_OK(mt_endpoint_create(&ep));
	GT_OK(mt_handle_duplicate(ep, MT_RIGHT_WRITE | MT_RIGHT_DUPLICATE |
				  MT_RIGHT_TRANSFER | MT_RIGHT_WAIT, &client));
	gt_spawn_helper_box(GT_HELPER_IPC_SERVER, 0, &ep, 1, box, h);
	return client;
}

static void ipc_check_echo(mt_handle_t ep, uint64_t seed)
{
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_ECHO, 0, 0, 0), out;

	for (int i = 0; i < MT_IPC_WORDS; i++)
		in.w[i] = seed * 10 + (uint64_t)i;
	GT_OK(mt_call(ep, &in, &out));
	GT_CHECK_EQ(MT_IPC_LABEL(out.info), GT_SRV_ECHO);
	GT_CHECK_EQ(MT_IPC_LEN(out.info), 0);
	for (int i = 0; i < MT_IPC_WORDS; i++)
		GT_CHECK_EQ(out.w[i], in.w[i] + 1);
}

static bool ipc_handle_live(mt_handle_t h)
{
	struct mt_object_info info;

	return mt_object_info(h, &info) >= 0;
}

/* Nothing is waiting on ep: a receive with a short deadline times out. */
static void ipc_expect_nothing(mt_handle_t ep, struct mt_ipc_buffer *b)
{
	struct mt_ipc_msg out;

	b->deadline = gt_deadline_ms(20);
	GT_ERR(mt_recv(ep, MT_IPC_TIMEOUT, &out), MT_ERR_TIMED_OUT);
}

/* ---- round trips -------------------------------------------------------- */

GT_TEST(ipc, call_reply_registers)
{
	mt_handle_t th, ep = ipc_local_server(&th);

	for (uint64_t i = 0; i < 100; i++)
		ipc_check_echo(ep, i);
	ipc_local_stop(ep, th);
}

GT_TEST(ipc, call_without_buffer_registers_only)
{
	/* Register-only messages need no IPC buffer on the caller's side. */
	mt_handle_t th, ep = ipc_local_server(&th);

	ipc_check_echo(ep, 7);
	ipc_local_stop(ep, th);
}

GT_TEST(ipc, call_reply_data)
{
	struct mt_ipc_buffer *b = ipc_buf();
	mt_handle_t th, ep = ipc_local_server(&th);
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_ECHO, MT_IPC_DATA_MAX, 0, 0), out;

	for (uint32_t i = 0; i < MT_IPC_DATA_MAX; i++)
		b->data[i] = (uint8_t)(i * 7 + 3);
	GT_OK(mt_call(ep, &in, &out));
	GT_CHECK_EQ(MT_IPC_LEN(out.info), MT_IPC_DATA_MAX);
	for (uint32_t i = 0; i < MT_IPC_DATA_MAX; i++)
		if (b->data[i] != (uint8_t)(i * 7 + 3))
			gt_fail("data byte %u is %#x", i, b->data[i]);
	/* Shorter messages carry exactly their length. */
	in.info = MT_IPC_INFO(GT_SRV_ECHO, 1, 0);
	b->data[0] = 0x5a;
	GT_OK(mt_call(ep, &in, &out));
	GT_CHECK_EQ(MT_IPC_LEN(out.info), 1);
	GT_CHECK_EQ(b->data[0], 0x5a);
	ipc_local_stop(ep, th);
	mt_ipc_buffer_free(b);
}

GT_TEST(ipc, call_reply_handles_moved)
{
	struct mt_ipc_buffer *b = ipc_buf();
	mt_handle_t th, ep = ipc_local_server(&th), mem, back;
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_HANDLES, 0, 1, 0), out;
	uint64_t word = 0x1234, got = 0;

	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &mem));
	GT_OK(mt_memory_write(mem, 0, &word, sizeof(word)));
	b->handles[0] = mem;
	GT_OK(mt_call(ep, &in, &out));
	GT_CHECK_EQ(out.w[0], 1);
	GT_CHECK_EQ(MT_IPC_NHANDLES(out.info), 1);
	/* Sent (moved) and returned: a new handle to the same object. */
	back = b->handles[0];
	GT_CHECK_EQ(GT_OK(mt_handle_type(back)), MT_OBJ_MEMORY);
	GT_OK(mt_memory_read(back, 0, &got, sizeof(got)));
	GT_CHECK_EQ(got, 0x1234);
	if (back != mem)
		GT_CHECK(!ipc_handle_live(mem));
	mt_handle_drop(back);
	ipc_local_stop(ep, th);
	mt_ipc_buffer_free(b);
}

GT_TEST(ipc, badge_identifies_client)
{
	mt_handle_t th, ep = ipc_local_server(&th), a, c;
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_BADGE, 0, 0, 0), out;

	GT_OK(mt_handle_badge(ep, 0xaaaa, &a));
	GT_OK(mt_handle_badge(ep, 0xcccc0000cccc, &c));
	GT_OK(mt_call(a, &in, &out));
	GT_CHECK_EQ(out.w[0], 0xaaaa);
	GT_OK(mt_call(c, &in, &out));
	GT_CHECK_EQ(out.w[0], 0xcccc0000cccc);
	GT_OK(mt_call(ep, &in, &out));
	GT_CHECK_EQ(out.w[0], 0);
	/* A duplicate keeps the badge. */
	mt_handle_t a2;
	GT_OK(mt_handle_duplicate(a, MT_RIGHT_SAME, &a2));
	GT_OK(mt_call(a2, &in, &out));
	GT_CHECK_EQ(out.w[0], 0xaaaa);
	mt_handle_drop(a2);
	mt_handle_drop(a);
	mt_handle_drop(c);
	ipc_local_stop(ep, th);
}

GT_TEST(ipc, badge_survives_give_handle)
{
	/* A badged handle moved with mt_process_give_handle keeps its badge:
	 * passing it on must not turn it into an unbadged one. */
	mt_handle_t th, ep = ipc_local_server(&th), a, moved;
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_BADGE, 0, 0, 0), out;

	GT_OK(mt_handle_badge(ep, 0xbeef, &a));
	GT_OK(mt_process_give_handle(gt_self(), a, &moved));
	GT_OK(mt_call(moved, &in, &out));
	GT_CHECK_EQ(out.w[0], 0xbeef);
	mt_handle_drop(moved);
	ipc_local_stop(ep, th);
}

GT_TEST(ipc, badge_rules)
{
	mt_handle_t ep, a, b, weak;

	GT_OK(mt_endpoint_create(&ep));
	GT_ERR(mt_handle_badge(ep, 0, &a), MT_ERR_INVALID_ARGS);
	GT_OK(mt_handle_badge(ep, 5, &a));
	GT_ERR(mt_handle_badge(a, 6, &b), MT_ERR_INVALID_ARGS);
	GT_OK(mt_handle_duplicate(ep, MT_RIGHT_WRITE, &weak));
	GT_ERR(mt_handle_badge(weak, 6, &b), MT_ERR_ACCESS_DENIED);
	mt_handle_drop(weak);
	mt_handle_drop(a);
	mt_handle_drop(ep);
}

GT_TEST(ipc, badge_seen_across_processes)
{
	struct mt_spawn_result h;
	mt_handle_t box, ep = ipc_remote_server(&box, &h), a;
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_BADGE, 0, 0, 0), out;

	GT_OK(mt_handle_badge(ep, 77, &a));
	GT_OK(mt_call(a, &in, &out));
	GT_CHECK_EQ(out.w[0], 77);
	in.info = MT_IPC_INFO(GT_SRV_EXIT, 0, 0);
	GT_ERR(mt_call(a, &in, &out), MT_ERR_PEER_CLOSED);
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 2000);
	mt_handle_drop(a);
	mt_handle_drop(ep);
	mt_handle_drop(box);
	mt_spawn_release(&h);
}

GT_TEST(ipc, server_in_other_process)
{
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_spawn_result h;
	mt_handle_t box, ep = ipc_remote_server(&box, &h);
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_ECHO, 300, 0, 0), out;

	for (uint64_t i = 0; i < 50; i++)
		ipc_check_echo(ep, i);
	for (int i = 0; i < 300; i++)
		b->data[i] = (uint8_t)(255 - i);
	GT_OK(mt_call(ep, &in, &out));
	GT_CHECK_EQ(MT_IPC_LEN(out.info), 300);
	for (int i = 0; i < 300; i++)
		GT_CHECK_EQ(b->data[i], (uint8_t)(255 - i));
	in.info = MT_IPC_INFO(GT_SRV_EXIT, 0, 0);
	GT_ERR(mt_call(ep, &in, &out), MT_ERR_PEER_CLOSED);
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 2000);
	mt_handle_drop(ep);
	mt_handle_drop(box);
	mt_spawn_release(&h);
	mt_ipc_buffer_free(b);
}

GT_TEST(ipc, handles_across_processes)
{
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_spawn_result h;
	mt_handle_t box, ep = ipc_remote_server(&box, &h), m1, m2;
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_HANDLES, 0, 2, 0), out;
	struct mt_object_info i1, i2, j1, j2;

	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &m1));
	GT_OK(mt_event_create(&m2));
	GT_OK(mt_object_info(m1, &i1));
	GT_OK(mt_object_info(m2, &i2));
	b->handles[0] = m1;
	b->handles[1] = m2;
	GT_OK(mt_call(ep, &in, &out));
	GT_CHECK_EQ(out.w[0], 2);
	GT_CHECK_EQ(MT_IPC_NHANDLES(out.info), 2);
	GT_OK(mt_object_info(b->handles[0], &j1));
	GT_OK(mt_object_info(b->handles[1], &j2));
	/* The same objects, in order, with the same rights. */
	GT_CHECK_EQ(j1.koid, i1.koid);
	GT_CHECK_EQ(j2.koid, i2.koid);
	GT_CHECK_EQ(j1.rights, i1.rights);
	GT_CHECK_EQ(j2.rights, i2.rights);
	mt_handle_drop(b->handles[0]);
	mt_handle_drop(b->handles[1]);
	GT_OK(mt_task_kill(h.process));
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 2000);
	mt_handle_drop(ep);
	mt_handle_drop(box);
	mt_spawn_release(&h);
	mt_ipc_buffer_free(b);
}

static mt_handle_t ipc_many_ep;

static void ipc_many_client(void *arg)
{
	uint64_t id = (uint64_t)(uintptr_t)arg;
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_ECHO, 0, 0, 0), out;

	for (uint64_t i = 0; i < 200; i++) {
		in.w[0] = id;
		in.w[1] = i;
		in.w[2] = id ^ i;
		GT_OK(mt_call(ipc_many_ep, &in, &out));
		if (out.w[0] != id + 1 || out.w[1] != i + 1 || out.w[2] != (id ^ i) + 1)
			gt_fail("client %llu got another's reply",
				(unsigned long long)id);
	}
}

GT_TEST(ipc, many_clients_get_own_replies)
{
	mt_handle_t th, c[4];

	ipc_many_ep = ipc_local_server(&th);
	for (uint64_t i = 0; i < 4; i++)
		c[i] = gt_thread_spawn(ipc_many_client, (void *)(uintptr_t)(i + 1), 0);
	for (int i = 0; i < 4; i++) {
		gt_wait(c[i], MT_SIGNAL_TERMINATED, 4000);
		mt_handle_drop(c[i]);
	}
	ipc_local_stop(ipc_many_ep, th);
}

/* ---- the reply right ---------------------------------------------------- */

static mt_handle_t ipc_call_ep;
static volatile mt_status_t ipc_call_status;
static volatile uint64_t ipc_call_w0;
static volatile int ipc_call_done;

/* A thread that calls ipc_call_ep once (label 9, w0 = 1) and records. */
static void ipc_caller_thread(void *arg)
{
	struct mt_ipc_msg in = mt_ipc_msg_make(9, 0, 0, (uint64_t)(uintptr_t)arg), out;

	in.w[0] = 1;
	out.w[0] = 0;
	ipc_call_status = mt_call(ipc_call_ep, &in, &out);
	ipc_call_w0 = out.w[0];
	__atomic_fetch_add(&ipc_call_done, 1, __ATOMIC_SEQ_CST);
}

GT_TEST(ipc, reply_is_one_shot)
{
	struct mt_ipc_msg in, r = mt_ipc_msg_make(1, 0, 0, 0);
	mt_handle_t th;

	GT_OK(mt_endpoint_create(&ipc_call_ep));
	th = gt_thread_spawn(ipc_caller_thread, NULL, 0);
	GT_OK(mt_recv(ipc_call_ep, 0, &in));
	GT_CHECK_EQ(MT_IPC_LABEL(in.info), 9);
	GT_CHECK_EQ(in.w[0], 1);
	r.w[0] = 42;
	GT_OK(mt_reply(&r));
	r.w[0] = 43;
	GT_ERR(mt_reply(&r), MT_ERR_BAD_STATE);
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	GT_CHECK_EQ(ipc_call_status, MT_OK);
	GT_CHECK_EQ(ipc_call_w0, 42);
	mt_handle_drop(th);
	mt_handle_drop(ipc_call_ep);
}

GT_TEST(ipc, reply_without_caller)
{
	struct mt_ipc_msg r = mt_ipc_msg_make(1, 0, 0, 0);

	GT_ERR(mt_reply(&r), MT_ERR_BAD_STATE);
	GT_ERR(mt_reply(&r), MT_ERR_BAD_STATE);
}

GT_TEST(ipc, recv_while_owing_reply)
{
	struct mt_ipc_msg in, r = mt_ipc_msg_make(1, 0, 0, 0);
	mt_handle_t th;

	GT_OK(mt_endpoint_create(&ipc_call_ep));
	th = gt_thread_spawn(ipc_caller_thread, NULL, 0);
	GT_OK(mt_recv(ipc_call_ep, 0, &in));
	GT_ERR(mt_recv(ipc_call_ep, 0, &in), MT_ERR_BAD_STATE);
	/* The caller is still owed its reply, and gets it. */
	r.w[0] = 5;
	GT_OK(mt_reply(&r));
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	GT_CHECK_EQ(ipc_call_w0, 5);
	mt_handle_drop(th);
	mt_handle_drop(ipc_call_ep);
}

GT_TEST(ipc, reply_wait_without_caller_just_waits)
{
	/* reply_wait with nobody to reply to receives the next call. */
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_ipc_msg in, r = mt_ipc_msg_make(1, 0, 0, MT_IPC_TIMEOUT);
	mt_handle_t th;

	GT_OK(mt_endpoint_create(&ipc_call_ep));
	b->deadline = gt_deadline_ms(20);
	GT_ERR(mt_reply_wait(ipc_call_ep, &r, &in), MT_ERR_TIMED_OUT);
	r.info = MT_IPC_INFO(1, 0, 0);
	th = gt_thread_spawn(ipc_caller_thread, NULL, 0);
	GT_OK(mt_reply_wait(ipc_call_ep, &r, &in));
	GT_CHECK_EQ(MT_IPC_LABEL(in.info), 9);
	r.w[0] = 8;
	GT_OK(mt_reply(&r));
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	GT_CHECK_EQ(ipc_call_w0, 8);
	mt_handle_drop(th);
	mt_handle_drop(ipc_call_ep);
	mt_ipc_buffer_free(b);
}

/* ---- timeouts ----------------------------------------------------------- */

GT_TEST(ipc, recv_timeout)
{
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_ipc_msg out;
	mt_handle_t ep;
	mt_time_t t0 = mt_clock_get();

	GT_OK(mt_endpoint_create(&ep));
	b->deadline = t0 + 30000000;
	GT_ERR(mt_recv(ep, MT_IPC_TIMEOUT, &out), MT_ERR_TIMED_OUT);
	GT_CHECK(mt_clock_get() >= t0 + 30000000);
	/* A deadline in the past: at once. */
	b->deadline = 0;
	GT_ERR(mt_recv(ep, MT_IPC_TIMEOUT, &out), MT_ERR_TIMED_OUT);
	mt_handle_drop(ep);
	mt_ipc_buffer_free(b);
}

GT_TEST(ipc, call_timeout_no_receiver)
{
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_ipc_msg in = mt_ipc_msg_make(1, 0, 0, MT_IPC_TIMEOUT), out;
	mt_handle_t ep;
	mt_time_t t0 = mt_clock_get();

	GT_OK(mt_endpoint_create(&ep));
	b->deadline = t0 + 30000000;
	GT_ERR(mt_call(ep, &in, &out), MT_ERR_TIMED_OUT);
	GT_CHECK(mt_clock_get() >= t0 + 30000000);
	/* The timed-out call is not left queued for a later receiver. */
	ipc_expect_nothing(ep, b);
	mt_handle_drop(ep);
	mt_ipc_buffer_free(b);
}

GT_TEST(ipc, call_timeout_waiting_for_reply)
{
	/* The server takes the call and never replies: the caller's deadline
	 * ends the wait, and the stale reply right cannot reach the caller's
	 * next call. */
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_HANG, 0, 0, MT_IPC_TIMEOUT), out;
	mt_handle_t th, ep = ipc_local_server(&th), th2, ep2 = ipc_local_server(&th2);

	b->deadline = gt_deadline_ms(30);
	GT_ERR(mt_call(ep, &in, &out), MT_ERR_TIMED_OUT);
	ipc_check_echo(ep2, 3);
	GT_OK(mt_task_kill(th));
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	mt_handle_drop(th);
	mt_handle_drop(ep);
	ipc_local_stop(ep2, th2);
	mt_ipc_buffer_free(b);
}

static volatile int ipc_late_state;
static mt_handle_t ipc_late_ep;
static volatile mt_status_t ipc_late_reply;

/* Receive one call, wait until the caller gave up, then reply. */
static void ipc_late_server(void *arg)
{
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_ipc_msg in, r = mt_ipc_msg_make(1, 0, 0, 0);

	(void)arg;
	GT_OK(mt_recv(ipc_late_ep, 0, &in));
	ipc_late_state = 1;
	while (ipc_late_state != 2)
		(void)mt_nanosleep(gt_deadline_ms(1));
	r.w[0] = 0xdead;
	ipc_late_reply = mt_reply(&r);
	ipc_late_state = 3;
	mt_ipc_buffer_free(b);
}

GT_TEST(ipc, reply_after_caller_timed_out)
{
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_ipc_msg in = mt_ipc_msg_make(1, 0, 0, MT_IPC_TIMEOUT), out;
	mt_handle_t th, sth, ep2 = ipc_local_server(&sth);

	GT_OK(mt_endpoint_create(&ipc_late_ep));
	th = gt_thread_spawn(ipc_late_server, NULL, 0);
	b->deadline = gt_deadline_ms(50);
	GT_ERR(mt_call(ipc_late_ep, &in, &out), MT_ERR_TIMED_OUT);
	GT_CHECK_EQ(ipc_late_state, 1);
	ipc_late_state = 2;
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	/* The reply has nobody waiting for it: dropped, never delivered. */
	GT_CHECK(ipc_late_reply == MT_ERR_PEER_CLOSED ||
		 ipc_late_reply == MT_ERR_BAD_STATE);
	in.info = MT_IPC_INFO(GT_SRV_ECHO, 0, 0);
	in.w[0] = 1;
	GT_OK(mt_call(ep2, &in, &out));
	GT_CHECK_EQ(out.w[0], 2);
	mt_handle_drop(th);
	mt_handle_drop(ipc_late_ep);
	ipc_local_stop(ep2, sth);
	mt_ipc_buffer_free(b);
}

/* ---- handle transfer rules --------------------------------------------- */

GT_TEST(ipc, send_handle_without_transfer_refused)
{
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_ipc_msg in = mt_ipc_msg_make(1, 0, 2, MT_IPC_TIMEOUT), out;
	mt_handle_t ep, rd, good, weak;

	GT_OK(mt_endpoint_create(&ep));
	GT_OK(mt_handle_duplicate(ep, MT_RIGHT_SAME, &rd));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &good));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &weak));
	GT_OK(mt_handle_replace(weak, gt_rights_without(weak, MT_RIGHT_TRANSFER), &weak));
	b->handles[0] = good;
	b->handles[1] = weak;
	b->deadline = gt_deadline_ms(20);
	GT_ERR(mt_call(ep, &in, &out), MT_ERR_ACCESS_DENIED);
	/* Nothing consumed, nothing delivered. */
	GT_CHECK(ipc_handle_live(good));
	GT_CHECK(ipc_handle_live(weak));
	ipc_expect_nothing(rd, b);
	mt_handle_drop(good);
	mt_handle_drop(weak);
	mt_handle_drop(rd);
	mt_handle_drop(ep);
	mt_ipc_buffer_free(b);
}

GT_TEST(ipc, send_bad_handle_refused)
{
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_ipc_msg in = mt_ipc_msg_make(1, 0, 2, MT_IPC_TIMEOUT), out;
	mt_handle_t ep, good;

	GT_OK(mt_endpoint_create(&ep));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &good));
	b->handles[0] = good;
	b->handles[1] = 0x7777;
	b->deadline = gt_deadline_ms(20);
	GT_ERR(mt_call(ep, &in, &out), MT_ERR_BAD_HANDLE);
	GT_CHECK(ipc_handle_live(good));
	/* The same handle twice cannot be moved twice. */
	b->handles[1] = good;
	mt_status_t st = mt_call(ep, &in, &out);
	if (st >= 0 || st == MT_ERR_TIMED_OUT)
		gt_fail("a handle listed twice was accepted: %s", mt_status_str(st));
	mt_handle_drop(good);
	mt_handle_drop(ep);
	mt_ipc_buffer_free(b);
}

GT_TEST(ipc, duplicate_flag_keeps_handles)
{
	struct mt_ipc_buffer *b = ipc_buf();
	mt_handle_t th, ep = ipc_local_server(&th), mem, nodup;
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_ECHO, 0, 1, MT_IPC_DUP_HANDLES), out;

	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &mem));
	b->handles[0] = mem;
	GT_OK(mt_call(ep, &in, &out));
	GT_CHECK(ipc_handle_live(mem));
	/* Duplicating needs DUPLICATE (TRANSFER alone is not enough). */
	GT_OK(mt_handle_duplicate(mem, MT_RIGHT_TRANSFER | MT_RIGHT_INFO, &nodup));
	b->handles[0] = nodup;
	GT_ERR(mt_call(ep, &in, &out), MT_ERR_ACCESS_DENIED);
	GT_CHECK(ipc_handle_live(nodup));
	/* Without the flag it moves. */
	in.info &= ~MT_IPC_DUP_HANDLES;
	b->handles[0] = nodup;
	GT_OK(mt_call(ep, &in, &out));
	GT_CHECK(!ipc_handle_live(nodup));
	mt_handle_drop(mem);
	ipc_local_stop(ep, th);
	mt_ipc_buffer_free(b);
}

GT_TEST(ipc, moved_handle_gone_from_sender)
{
	struct mt_ipc_buffer *b = ipc_buf();
	mt_handle_t th, ep = ipc_local_server(&th), mem;
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_ECHO, 0, 1, 0), out;

	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &mem));
	b->handles[0] = mem;
	GT_OK(mt_call(ep, &in, &out));
	GT_ERR(mt_handle_close(mem), MT_ERR_BAD_HANDLE);
	ipc_local_stop(ep, th);
	mt_ipc_buffer_free(b);
}

static volatile uint64_t ipc_grant_seen;

/* Receive one memory handle, map it, read its first word, reply. */
static void ipc_grant_server(void *arg)
{
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_ipc_msg in, r = mt_ipc_msg_make(1, 0, 0, 0);
	mt_status_t at;

	GT_OK(mt_recv((mt_handle_t)(uintptr_t)arg, 0, &in));
	GT_CHECK_EQ(MT_IPC_NHANDLES(in.info), 1);
	at = GT_OK(mt_vm_map(gt_aspace(), 0, b->handles[0], 0, MT_PAGE_SIZE,
			     MT_PROT_READ));
	ipc_grant_seen = *(volatile uint64_t *)(uintptr_t)at;
	GT_OK(mt_vm_unmap(gt_aspace(), (uint64_t)at, MT_PAGE_SIZE));
	mt_handle_drop(b->handles[0]);
	GT_OK(mt_reply(&r));
	mt_ipc_buffer_free(b);
}

GT_TEST_FAULT(ipc, grant_unmaps_sender, MT_FAULT_PAGE)
{
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_ipc_msg in = mt_ipc_msg_make(1, 0, 1, MT_IPC_GRANT), out;
	mt_handle_t ep, mem, th;
	volatile uint64_t *p;
	uint64_t addr;

	GT_OK(mt_endpoint_create(&ep));
	th = gt_thread_spawn(ipc_grant_server, (void *)(uintptr_t)ep, 0);
	GT_OK(mt_map_anon(MT_PAGE_SIZE, MT_PROT_READ | MT_PROT_WRITE, &addr, &mem));
	p = (volatile uint64_t *)(uintptr_t)addr;
	*p = 0xfeedface;
	b->handles[0] = mem;
	GT_OK(mt_call(ep, &in, &out));
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	GT_CHECK_EQ(ipc_grant_seen, 0xfeedface);
	gt_expect_fault_addr(addr);
	(void)*p;
	gt_fail("the granted page is still mapped in the sender");
}

/* ---- limits and bad buffers --------------------------------------------- */

GT_TEST(ipc, message_too_big_refused)
{
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_ipc_msg in, out;
	mt_handle_t ep, rd, mem;

	GT_OK(mt_endpoint_create(&ep));
	GT_OK(mt_handle_duplicate(ep, MT_RIGHT_SAME, &rd));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &mem));
	b->deadline = gt_deadline_ms(20);
	in = mt_ipc_msg_make(1, MT_IPC_DATA_MAX + 1, 0, MT_IPC_TIMEOUT);
	GT_ERR(mt_call(ep, &in, &out), MT_ERR_INVALID_ARGS);
	in = mt_ipc_msg_make(1, 0x1fff, 0, MT_IPC_TIMEOUT);
	GT_ERR(mt_call(ep, &in, &out), MT_ERR_INVALID_ARGS);
	for (uint32_t i = 0; i < MT_IPC_HANDLES_MAX; i++)
		b->handles[i] = mem;
	in = mt_ipc_msg_make(1, 0, MT_IPC_HANDLES_MAX + 1, MT_IPC_TIMEOUT);
	GT_ERR(mt_call(ep, &in, &out), MT_ERR_INVALID_ARGS);
	in = mt_ipc_msg_make(1, 0, 15, MT_IPC_TIMEOUT);
	GT_ERR(mt_call(ep, &in, &out), MT_ERR_INVALID_ARGS);
	GT_CHECK(ipc_handle_live(mem));
	/* Unknown flag bits... are reserved: 0xf << 60 is not a flag. */
	in = mt_ipc_msg_make(1, 0, 0, MT_IPC_TIMEOUT | (1ULL << 62));
	GT_ERR(mt_call(ep, &in, &out), MT_ERR_INVALID_ARGS);
	ipc_expect_nothing(rd, b);
	mt_handle_drop(mem);
	mt_handle_drop(rd);
	mt_handle_drop(ep);
	mt_ipc_buffer_free(b);
}

static mt_status_t ipc_call_status_of(mt_handle_t ep, uint64_t info)
{
	struct mt_ipc_msg in = { info, { 0, 0, 0, 0 }, 0 }, out;

	return mt_call(ep, &in, &out);
}

GT_TEST(ipc, data_without_buffer_refused)
{
	mt_handle_t th, ep = ipc_local_server(&th);
	mt_status_t st;

	/* This thread has no IPC buffer. */
	st = ipc_call_status_of(ep, MT_IPC_INFO(GT_SRV_ECHO, 8, 0));
	if (st != MT_ERR_INVALID_ARGS && st != MT_ERR_BAD_ADDRESS)
		gt_fail("data without a buffer: %s", mt_status_str(st));
	st = ipc_call_status_of(ep, MT_IPC_INFO(GT_SRV_ECHO, 0, 1));
	if (st != MT_ERR_INVALID_ARGS && st != MT_ERR_BAD_ADDRESS)
		gt_fail("handles without a buffer: %s", mt_status_str(st));
	/* The server is still fine. */
	ipc_check_echo(ep, 1);
	ipc_local_stop(ep, th);
}

GT_TEST(ipc, unmapped_buffer_refused)
{
	uint64_t addr;
	mt_handle_t th, ep = ipc_local_server(&th);

	mt_handle_t mem;

	/* A fixed address far from where the kernel places mappings, so that
	 * nothing (the server thread's own buffer, say) reuses it after the
	 * unmap: the kernel reads the buffer when it delivers, not before. */
	addr = 0x300000000000ULL;
	GT_OK(mt_memory_create(MT_IPC_BUFFER_SIZE, 0, &mem));
	GT_OK(mt_vm_map(gt_aspace(), addr, mem, 0, MT_IPC_BUFFER_SIZE,
			MT_PROT_READ | MT_PROT_WRITE | MT_MAP_FIXED));
	mt_handle_drop(mem);
	GT_OK(mt_ipc_buffer_set(addr));
	GT_OK(mt_vm_unmap(gt_aspace(), addr, MT_IPC_BUFFER_SIZE));
	GT_ERR(ipc_call_status_of(ep, MT_IPC_INFO(GT_SRV_ECHO, 64, 0)),
	       MT_ERR_BAD_ADDRESS);
	ipc_check_echo(ep, 2);
	GT_OK(mt_ipc_buffer_set(0));
	ipc_local_stop(ep, th);
}

GT_TEST(ipc, buffer_set_args)
{
	uint64_t addr;

	GT_OK(mt_map_anon(MT_IPC_BUFFER_SIZE + MT_PAGE_SIZE,
			  MT_PROT_READ | MT_PROT_WRITE, &addr, NULL));
	GT_ERR(mt_ipc_buffer_set(addr + 8), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_ipc_buffer_set(0xffff800000000000ULL), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_ipc_buffer_set(MT_USER_TOP - MT_PAGE_SIZE), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_ipc_buffer_set(0x8000000000000000ULL), MT_ERR_INVALID_ARGS);
	GT_OK(mt_ipc_buffer_set(addr));
	GT_OK(mt_ipc_buffer_set(0));
}

GT_TEST(ipc, endpoint_rights)
{
	mt_handle_t ep, wr, rd;
	struct mt_ipc_msg out;

	GT_OK(mt_endpoint_create(&ep));
	GT_OK(mt_handle_duplicate(ep, MT_RIGHT_WRITE, &wr));
	GT_OK(mt_handle_duplicate(ep, MT_RIGHT_READ, &rd));
	GT_ERR(ipc_call_status_of(rd, MT_IPC_INFO(1, 0, 0)), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_recv(wr, 0, &out), MT_ERR_ACCESS_DENIED);
	GT_ERR(ipc_call_status_of(gt_log(), MT_IPC_INFO(1, 0, 0)), MT_ERR_WRONG_TYPE);
	mt_handle_drop(wr);
	mt_handle_drop(rd);
	mt_handle_drop(ep);
}

/* ---- peers dying -------------------------------------------------------- */

static void ipc_hang_caller(void *arg)
{
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_HANG, 0, 0, 0), out;
	mt_status_t st = mt_call((mt_handle_t)(uintptr_t)arg, &in, &out);

	if (st != MT_ERR_PEER_CLOSED)
		gt_fail("caller of a dead server got %s", mt_status_str(st));
	__atomic_fetch_add(&ipc_call_done, 1, __ATOMIC_SEQ_CST);
}

static void ipc_queued_caller(void *arg)
{
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_ECHO, 0, 0, 0), out;
	mt_status_t st = mt_call((mt_handle_t)(uintptr_t)arg, &in, &out);

	if (st != MT_ERR_PEER_CLOSED)
		gt_fail("queued caller of a dead server got %s", mt_status_str(st));
	__atomic_fetch_add(&ipc_call_done, 1, __ATOMIC_SEQ_CST);
}

GT_TEST(ipc, server_killed_mid_call)
{
	/* The server (another process, holding the only READ handle) is
	 * serving one call and has two more queued when it is killed: all
	 * three callers get MT_ERR_PEER_CLOSED. */
	struct mt_spawn_result h;
	mt_handle_t box, ep, th[3];

	ipc_call_done = 0;
	ep = ipc_remote_server(&box, &h);
	th[0] = gt_thread_spawn(ipc_hang_caller, (void *)(uintptr_t)ep, 0);
	(void)mt_nanosleep(gt_deadline_ms(30));
	th[1] = gt_thread_spawn(ipc_queued_caller, (void *)(uintptr_t)ep, 0);
	th[2] = gt_thread_spawn(ipc_queued_caller, (void *)(uintptr_t)ep, 0);
	(void)mt_nanosleep(gt_deadline_ms(30));
	GT_CHECK_EQ(ipc_call_done, 0);
	GT_OK(mt_task_kill(h.process));
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 2000);
	for (int i = 0; i < 3; i++) {
		gt_wait(th[i], MT_SIGNAL_TERMINATED, 2000);
		mt_handle_drop(th[i]);
	}
	GT_CHECK_EQ(ipc_call_done, 3);
	/* Later calls fail at once. */
	GT_ERR(ipc_call_status_of(ep, MT_IPC_INFO(1, 0, 0)), MT_ERR_PEER_CLOSED);
	mt_handle_drop(ep);
	mt_handle_drop(box);
	mt_spawn_release(&h);
}

GT_TEST(ipc, server_exits_without_reply)
{
	struct mt_spawn_result h;
	mt_handle_t box, ep = ipc_remote_server(&box, &h);

	GT_ERR(ipc_call_status_of(ep, MT_IPC_INFO(GT_SRV_EXIT, 0, 0)),
	       MT_ERR_PEER_CLOSED);
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 2000);
	mt_handle_drop(ep);
	mt_handle_drop(box);
	mt_spawn_release(&h);
}

GT_TEST(ipc, caller_dies_mid_call)
{
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_spawn_result h;
	struct mt_ipc_msg in, r = mt_ipc_msg_make(1, 16, 0, 0);
	mt_handle_t box, ep, give;

	GT_OK(mt_endpoint_create(&ep));
	GT_OK(mt_handle_duplicate(ep, MT_RIGHT_WRITE | MT_RIGHT_TRANSFER, &give));
	gt_spawn_helper_box(GT_HELPER_IPC_CALLER, 0, &give, 1, &box, &h);
	GT_OK(mt_recv(ep, 0, &in));
	GT_CHECK_EQ(MT_IPC_LABEL(in.info), 9);
	GT_OK(mt_task_kill(h.process));
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 2000);
	/* The reply (with data) goes nowhere, harmlessly. */
	GT_ERR(mt_reply(&r), MT_ERR_PEER_CLOSED);
	GT_ERR(mt_reply(&r), MT_ERR_BAD_STATE);
	mt_handle_drop(ep);
	mt_handle_drop(box);
	mt_spawn_release(&h);
	mt_ipc_buffer_free(b);
}

GT_TEST(ipc, caller_dies_reply_wait_goes_on)
{
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_spawn_result h;
	struct mt_ipc_msg in, r = mt_ipc_msg_make(1, 0, 0, MT_IPC_TIMEOUT);
	mt_handle_t box, ep, give;

	GT_OK(mt_endpoint_create(&ep));
	GT_OK(mt_handle_duplicate(ep, MT_RIGHT_WRITE | MT_RIGHT_TRANSFER, &give));
	gt_spawn_helper_box(GT_HELPER_IPC_CALLER, 0, &give, 1, &box, &h);
	GT_OK(mt_recv(ep, 0, &in));
	GT_OK(mt_task_kill(h.process));
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 2000);
	b->deadline = gt_deadline_ms(20);
	GT_ERR(mt_reply_wait(ep, &r, &in), MT_ERR_TIMED_OUT);
	/* And serves the next caller normally. */
	ipc_call_ep = ep;
	mt_handle_t th = gt_thread_spawn(ipc_caller_thread, NULL, 0);
	GT_OK(mt_recv(ep, 0, &in));
	r.info = MT_IPC_INFO(1, 0, 0);
	r.w[0] = 11;
	GT_OK(mt_reply(&r));
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	GT_CHECK_EQ(ipc_call_w0, 11);
	mt_handle_drop(th);
	mt_handle_drop(ep);
	mt_handle_drop(box);
	mt_spawn_release(&h);
	mt_ipc_buffer_free(b);
}

GT_TEST(ipc, caller_thread_killed_mid_call)
{
	struct mt_ipc_msg in, r = mt_ipc_msg_make(1, 0, 0, 0);
	mt_handle_t th;

	GT_OK(mt_endpoint_create(&ipc_call_ep));
	th = gt_thread_spawn(ipc_caller_thread, NULL, 0);
	GT_OK(mt_recv(ipc_call_ep, 0, &in));
	GT_OK(mt_task_kill(th));
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	GT_ERR(mt_reply(&r), MT_ERR_PEER_CLOSED);
	mt_handle_drop(th);
	mt_handle_drop(ipc_call_ep);
}

GT_TEST(ipc, last_read_handle_closed_wakes_callers)
{
	mt_handle_t rd, th[2];

	ipc_call_done = 0;
	GT_OK(mt_endpoint_create(&rd));
	GT_OK(mt_handle_duplicate(rd, MT_RIGHT_WRITE, &ipc_call_ep));
	ipc_call_status = 1;
	for (int i = 0; i < 2; i++)
		th[i] = gt_thread_spawn(ipc_queued_caller,
					(void *)(uintptr_t)ipc_call_ep, 0);
	(void)mt_nanosleep(gt_deadline_ms(30));
	GT_CHECK_EQ(ipc_call_done, 0);
	GT_OK(mt_handle_close(rd));
	for (int i = 0; i < 2; i++) {
		gt_wait(th[i], MT_SIGNAL_TERMINATED, 2000);
		mt_handle_drop(th[i]);
	}
	GT_CHECK_EQ(ipc_call_done, 2);
	GT_ERR(ipc_call_status_of(ipc_call_ep, MT_IPC_INFO(1, 0, 0)),
	       MT_ERR_PEER_CLOSED);
	mt_handle_drop(ipc_call_ep);
}

static volatile mt_status_t ipc_recv_status;

/* Wait for a call on the endpoint arg; record how the wait ended. */
static void ipc_waiting_receiver(void *arg)
{
	struct mt_ipc_msg out;

	ipc_recv_status = mt_recv((mt_handle_t)(uintptr_t)arg, 0, &out);
}

GT_TEST(ipc, last_read_handle_closed_wakes_receivers)
{
	/* A receiver blocked on an endpoint whose last READ handle goes (here
	 * its own, closed by another thread) can never be called: it wakes
	 * with MT_ERR_PEER_CLOSED instead of waiting for ever. */
	mt_handle_t rd, th;

	ipc_recv_status = 1;
	GT_OK(mt_endpoint_create(&rd));
	th = gt_thread_spawn(ipc_waiting_receiver, (void *)(uintptr_t)rd, 0);
	(void)mt_nanosleep(gt_deadline_ms(30));
	GT_CHECK_EQ(ipc_recv_status, 1);
	GT_OK(mt_handle_close(rd));
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	mt_handle_drop(th);
	GT_CHECK_EQ(ipc_recv_status, MT_ERR_PEER_CLOSED);
}

/* Wait for a call on the endpoint arg with a 100 ms deadline. */
static void ipc_timed_receiver(void *arg)
{
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_ipc_msg out;

	b->deadline = gt_deadline_ms(100);
	ipc_recv_status = mt_recv((mt_handle_t)(uintptr_t)arg, MT_IPC_TIMEOUT, &out);
	mt_ipc_buffer_free(b);
}

GT_TEST(ipc, passive_receiver_times_out)
{
	/* A deadline needs time to run on: a passive thread waiting with one
	 * keeps its own context and times out instead of waiting for ever. */
	mt_handle_t ep, th;

	ipc_recv_status = 1;
	GT_OK(mt_endpoint_create(&ep));
	th = gt_thread_spawn(ipc_timed_receiver, (void *)(uintptr_t)ep, 0);
	(void)mt_nanosleep(gt_deadline_ms(20));
	GT_OK(mt_thread_set_priority(th, MT_PRIORITY_PASSIVE));
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	GT_CHECK_EQ(ipc_recv_status, MT_ERR_TIMED_OUT);
	mt_handle_drop(th);
	mt_handle_drop(ep);
}

GT_TEST(ipc, passive_receiver_can_be_suspended)
{
	/* A passive thread waiting in receive has no time of its own, yet a
	 * suspension must still stop it (it runs on its own context to do
	 * so), and after a resume it waits again and serves the next call.
	 * It then ends owing the reply: the caller sees MT_ERR_PEER_CLOSED. */
	struct mt_ipc_msg in = mt_ipc_msg_make(5, 0, 0, 0), out;
	mt_handle_t ep, th;

	ipc_recv_status = 1;
	GT_OK(mt_endpoint_create(&ep));
	th = gt_thread_spawn(ipc_waiting_receiver, (void *)(uintptr_t)ep, 0);
	(void)mt_nanosleep(gt_deadline_ms(20));
	GT_OK(mt_thread_set_priority(th, MT_PRIORITY_PASSIVE));
	GT_OK(mt_task_suspend(th));
	gt_wait(th, MT_SIGNAL_SUSPENDED, 2000);
	GT_OK(mt_task_resume(th));
	(void)mt_nanosleep(gt_deadline_ms(20));
	GT_CHECK_EQ(ipc_recv_status, 1);
	GT_ERR(mt_call(ep, &in, &out), MT_ERR_PEER_CLOSED);
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	GT_CHECK_EQ(ipc_recv_status, MT_OK);
	mt_handle_drop(th);
	mt_handle_drop(ep);
}

/* Call arg (an endpoint) with a fresh memory handle; hangs if served by
 * GT_SRV_HANG or never served. */
static void ipc_handle_caller(void *arg)
{
	struct mt_ipc_buffer *b = ipc_buf();
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_HANG, 0, 1, 0), out;
	mt_handle_t mem;

	GT_OK(mt_memory_create(64 * 1024, 0, &mem));
	b->handles[0] = mem;
	(void)mt_call((mt_handle_t)(uintptr_t)arg, &in, &out);
}

GT_TEST(ipc, exit_with_calls_in_flight)
{
	/* A server hangs holding a received handle, another call with a
	 * handle waits unreceived, a server waits in recv: then the process
	 * ends.  The leak check proves the kernel releases all of it. */
	mt_handle_t th, ep = ipc_local_server(&th), idle, lonely;

	GT_OK(mt_endpoint_create(&idle));
	GT_OK(mt_endpoint_create(&lonely));
	(void)gt_thread_spawn(ipc_serve_thread, (void *)(uintptr_t)idle, 0);
	(void)gt_thread_spawn(ipc_handle_caller, (void *)(uintptr_t)ep, 0);
	(void)gt_thread_spawn(ipc_handle_caller, (void *)(uintptr_t)lonely, 0);
	(void)mt_nanosleep(gt_deadline_ms(30));
}

/* ---- priorities and passive servers ------------------------------------ */

static void ipc_sleeper(void *arg)
{
	(void)arg;
	for (;;)
		(void)mt_nanosleep(MT_TIME_INFINITE);
}

GT_TEST(ipc, set_priority_args)
{
	mt_handle_t th = gt_thread_spawn(ipc_sleeper, NULL, 0), weak;

	GT_OK(mt_thread_set_priority(th, MT_PRIORITY_MIN));
	GT_OK(mt_thread_set_priority(th, MT_PRIORITY_MAX));
	GT_OK(mt_thread_set_priority(th, MT_PRIORITY_DEFAULT));
	GT_ERR(mt_thread_set_priority(th, MT_PRIORITY_MAX + 1), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_thread_set_priority(th, 0xfe), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_thread_set_priority(th, 0x1ff), MT_ERR_INVALID_ARGS);
	GT_OK(mt_handle_duplicate(th, gt_rights_without(th, MT_RIGHT_MANAGE), &weak));
	GT_ERR(mt_thread_set_priority(weak, 1), MT_ERR_ACCESS_DENIED);
	mt_handle_drop(weak);
	GT_OK(mt_task_kill(th));
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	mt_handle_drop(th);
}

static mt_handle_t ipc_prio_ep;
static volatile uint64_t ipc_passive_count;
static volatile bool ipc_passive_started;

/* Receive one call, reply, then count for ever (outside any call). */
static void ipc_passive_server(void *arg)
{
	struct mt_ipc_msg in, r = mt_ipc_msg_make(1, 0, 0, 0);

	(void)arg;
	ipc_passive_started = true;
	GT_OK(mt_recv(ipc_prio_ep, 0, &in));
	r.w[0] = in.w[0] + 1;
	GT_OK(mt_reply(&r));
	for (;;)
		ipc_passive_count++;
}

/* Wait until thread th is blocked (not RUNNING) in a system call: sleep
 * a little, as nothing reports "blocked" directly. */
static void ipc_settle(void)
{
	(void)mt_nanosleep(gt_deadline_ms(20));
}

static void ipc_passive_run(bool passive, uint64_t *after)
{
	struct mt_ipc_msg in = mt_ipc_msg_make(1, 0, 0, 0), out;
	mt_handle_t th;

	ipc_passive_count = 0;
	ipc_passive_started = false;
	GT_OK(mt_endpoint_create(&ipc_prio_ep));
	th = gt_thread_spawn(ipc_passive_server, NULL, 0);
	while (!ipc_passive_started)
		(void)mt_thread_yield();
	ipc_settle();
	if (passive)
		GT_OK(mt_thread_set_priority(th, MT_PRIORITY_PASSIVE));
	in.w[0] = 41;
	GT_OK(mt_call(ipc_prio_ep, &in, &out));
	GT_CHECK_EQ(out.w[0], 42);
	(void)mt_nanosleep(gt_deadline_ms(60));
	*after = ipc_passive_count;
	GT_OK(mt_task_kill(th));
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	mt_handle_drop(th);
	mt_handle_drop(ipc_prio_ep);
}

GT_TEST(ipc, passive_server_runs_only_when_called)
{
	uint64_t active, passive;

	/* Control: an ordinary server goes on running after its reply. */
	ipc_passive_run(false, &active);
	GT_CHECK(active > 0);
	/* A passive one ran on the caller's context, which the reply took
	 * back: it must not run on its own. */
	ipc_passive_run(true, &passive);
	if (passive != 0)
		gt_fail("passive server ran %llu iterations after replying",
			(unsigned long long)passive);
}

static volatile uint64_t ipc_spin_count;
static mt_handle_t ipc_spin_thread;
static uint64_t ipc_spin_entry, ipc_spin_sp;

/* Spin for 60 ms of clock time. */
static void ipc_spinner(void *arg)
{
	mt_time_t end = mt_clock_get() + 60000000;

	(void)arg;
	while (mt_clock_get() < end)
		ipc_spin_count++;
}

/* Serve calls: start the spinner (priority 18), stay busy for 30 ms and
 * reply with how far the spinner got meanwhile. */
static void ipc_busy_server(void *arg)
{
	struct mt_ipc_msg in, r = mt_ipc_msg_make(1, 0, 0, 0);
	mt_status_t st;

	(void)arg;
	st = mt_recv(ipc_prio_ep, 0, &in);
	while (st >= 0) {
		uint64_t c0 = ipc_spin_count;
		mt_time_t end;

		GT_OK(mt_thread_start(ipc_spin_thread, ipc_spin_entry,
				      ipc_spin_sp, ipc_spin_sp + 8, 0));
		end = mt_clock_get() + 30000000;
		while (mt_clock_get() < end)
			;
		r.w[0] = ipc_spin_count - c0;
		st = mt_reply_wait(ipc_prio_ep, &r, &in);
	}
}

static void ipc_prio_client(void *arg)
{
	struct mt_ipc_msg in = mt_ipc_msg_make(1, 0, 0, 0), out;

	GT_OK(mt_call(ipc_prio_ep, &in, &out));
	*(volatile uint64_t *)arg = out.w[0];
}

/* A client at client_prio calls a passive server, which starts a thread
 * of priority 18 that spins, and works 30 ms itself; returns how far the
 * spinner got during that work. */
static uint64_t ipc_prio_run(uint32_t client_prio)
{
	volatile uint64_t result = UINT64_MAX;
	mt_handle_t srv, cli;
	uint64_t entry, sp;

	GT_OK(mt_endpoint_create(&ipc_prio_ep));
	/* All three on CPU 0: priorities order threads of one CPU. */
	srv = gt_thread_spawn(ipc_busy_server, NULL, 0);
	GT_OK(mt_thread_set_affinity(srv, 1));
	ipc_settle();
	GT_OK(mt_thread_set_priority(srv, MT_PRIORITY_PASSIVE));
	ipc_spin_count = 0;
	ipc_spin_thread = gt_thread_prepare(ipc_spinner, NULL, &ipc_spin_entry,
					    &ipc_spin_sp);
	GT_OK(mt_thread_set_affinity(ipc_spin_thread, 1));
	GT_OK(mt_thread_set_priority(ipc_spin_thread, 18));
	cli = gt_thread_prepare(ipc_prio_client, (void *)&result, &entry, &sp);
	GT_OK(mt_thread_set_affinity(cli, 1));
	GT_OK(mt_thread_set_priority(cli, client_prio));
	GT_OK(mt_thread_start(cli, entry, sp, sp + 8, 0));
	gt_wait(cli, MT_SIGNAL_TERMINATED, 3000);
	gt_wait(ipc_spin_thread, MT_SIGNAL_TERMINATED, 3000);
	GT_OK(mt_task_kill(srv));
	gt_wait(srv, MT_SIGNAL_TERMINATED, 2000);
	mt_handle_drop(srv);
	mt_handle_drop(ipc_spin_thread);
	mt_handle_drop(cli);
	mt_handle_drop(ipc_prio_ep);
	return result;
}

GT_TEST(ipc, passive_server_runs_at_callers_priority)
{
	/* Called from priority 20, the server outranks the spinner (18): the
	 * spinner makes no progress while the server works.  Called from 17,
	 * the spinner outranks it and runs. */
	uint64_t high = ipc_prio_run(20);
	uint64_t low = ipc_prio_run(17);

	if (high != 0)
		gt_note("server on a priority-20 call: the priority-18 spinner ran %llu times",
			(unsigned long long)high);
	if (low == 0 || low == UINT64_MAX)
		gt_note("server on a priority-17 call: the priority-18 spinner did not run (%llu)",
			(unsigned long long)low);
}

/* A server blocked by the fast path of mt_reply_wait holds its endpoint
 * only by its wait reference; closing the endpoint's last handle wakes it
 * with PEER_CLOSED, and the endpoint must outlive that wake-up (it was
 * used after being freed: found by the system-call fuzzer). */
static volatile mt_status_t uaf_server_result = 1;

static void uaf_server(void *arg)
{
	mt_handle_t ep = (mt_handle_t)(uintptr_t)arg;
	struct mt_ipc_msg in, r = { MT_IPC_INFO(1, 0, 0), { 0, 0, 0, 0 }, 0 };

	if (mt_recv(ep, 0, &in) >= 0)
		uaf_server_result = mt_reply_wait(ep, &r, &in);
	(void)mt_thread_exit();
}

GT_TEST(ipc, endpoint_closed_under_fast_reply_wait)
{
	struct mt_ipc_msg in = { MT_IPC_INFO(1, 0, 0), { 0, 0, 0, 0 }, 0 }, out;
	mt_handle_t ep, th;

	GT_OK(mt_endpoint_create(&ep));
	th = gt_thread_spawn(uaf_server, (void *)(uintptr_t)ep, 0);
	GT_OK(mt_call(ep, &in, &out));          /* the server now waits again */
	(void)mt_nanosleep(gt_deadline_ms(5));
	mt_handle_drop(ep);                     /* its only handle */
	(void)gt_wait(th, MT_SIGNAL_TERMINATED, 1000);
	GT_CHECK_EQ(uaf_server_result, MT_ERR_PEER_CLOSED);
	mt_handle_drop(th);
}
