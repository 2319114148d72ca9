/*
 * shm.*: the shared-memory ring (libmantra/shm_ring.h): order, full and
 * empty, wake-ups only for a sleeping peer, a consumer in another process,
 * closing, and a lying peer.
 */
#include "guest.h"

#include <string.h>

#include <libmantra/shm_ring.h>

static void shm_msg(uint64_t msg[8], uint64_t seq)
{
	for (int i = 0; i < 8; i++)
		msg[i] = seq * 8 + (uint64_t)i;
	msg[0] = seq;
	msg[7] = ~seq;
}

GT_TEST(shm, send_recv_one_side)
{
	struct mt_shm_ring r;
	uint64_t in[8], out[8];

	GT_OK(mt_shm_ring_create(8, &r));
	for (uint64_t i = 0; i < 100; i++) {
		shm_msg(in, i);
		GT_OK(mt_shm_ring_send(&r, in, 0));
		GT_OK(mt_shm_ring_recv(&r, out, 0));
		GT_CHECK(memcmp(in, out, sizeof(in)) == 0);
	}
	mt_shm_ring_close(&r);
}

GT_TEST(shm, full_and_empty)
{
	struct mt_shm_ring r;
	uint64_t m[8];
	mt_time_t t0;

	GT_OK(mt_shm_ring_create(4, &r));
	GT_ERR(mt_shm_ring_recv(&r, m, 0), MT_ERR_SHOULD_WAIT);
	t0 = mt_clock_get();
	GT_ERR(mt_shm_ring_recv(&r, m, t0 + 20000000), MT_ERR_TIMED_OUT);
	GT_CHECK(mt_clock_get() >= t0 + 20000000);
	for (uint64_t i = 0; i < 4; i++) {
		shm_msg(m, i);
		GT_OK(mt_shm_ring_send(&r, m, 0));
	}
	GT_ERR(mt_shm_ring_send(&r, m, 0), MT_ERR_SHOULD_WAIT);
	GT_ERR(mt_shm_ring_send(&r, m, gt_deadline_ms(20)), MT_ERR_TIMED_OUT);
	GT_CHECK_EQ(mt_shm_ring_count(&r), 4);
	for (uint64_t i = 0; i < 4; i++) {
		GT_OK(mt_shm_ring_recv(&r, m, 0));
		GT_CHECK_EQ(m[0], i);
	}
	GT_ERR(mt_shm_ring_recv(&r, m, 0), MT_ERR_SHOULD_WAIT);
	mt_shm_ring_close(&r);
}

GT_TEST(shm, create_args)
{
	struct mt_shm_ring r;

	GT_ERR(mt_shm_ring_create(0, &r), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_shm_ring_create(3, &r), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_shm_ring_create(MT_SHM_SLOTS_MAX * 2, &r), MT_ERR_INVALID_ARGS);
}

static struct mt_shm_ring shm_cons;
static volatile uint64_t shm_cons_count, shm_cons_bad;
static volatile mt_status_t shm_cons_status;

static void shm_consumer(void *arg)
{
	uint64_t m[8], n = (uint64_t)(uintptr_t)arg;

	for (uint64_t i = 0; i < n; i++) {
		shm_cons_status = mt_shm_ring_recv(&shm_cons, m, gt_deadline_ms(3000));
		if (shm_cons_status < 0)
			return;
		if (m[0] != i || m[7] != ~i)
			shm_cons_bad++;
		shm_cons_count++;
	}
}

/* A ring attached from shared handles, as another process would. */
static void shm_pair(uint32_t slots, struct mt_shm_ring *prod,
		     struct mt_shm_ring *cons)
{
	mt_handle_t mem, ev;

	GT_OK(mt_shm_ring_create(slots, prod));
	GT_OK(mt_shm_ring_share(prod, &mem, &ev));
	GT_OK(mt_shm_ring_attach(mem, ev, cons));
}

GT_TEST(shm, many_messages_in_order_threads)
{
	struct mt_shm_ring prod;
	uint64_t m[8];
	const uint64_t n = 20000;
	mt_handle_t th;

	shm_pair(8, &prod, &shm_cons);
	shm_cons_count = shm_cons_bad = 0;
	th = gt_thread_spawn(shm_consumer, (void *)(uintptr_t)n, 0);
	for (uint64_t i = 0; i < n; i++) {
		shm_msg(m, i);
		GT_OK(mt_shm_ring_send(&prod, m, gt_deadline_ms(3000)));
	}
	gt_wait(th, MT_SIGNAL_TERMINATED, 4000);
	GT_CHECK_EQ(shm_cons_status, MT_OK);
	GT_CHECK_EQ(shm_cons_count, n);
	GT_CHECK_EQ(shm_cons_bad, 0);
	mt_handle_drop(th);
	mt_shm_ring_close(&shm_cons);
	mt_shm_ring_close(&prod);
}

GT_TEST(shm, wake_only_when_sleeping)
{
	struct mt_shm_ring prod;
	uint64_t m[8];
	mt_handle_t th;

	shm_pair(64, &prod, &shm_cons);
	shm_cons_count = shm_cons_bad = 0;
	/* Nobody sleeps: no wake-ups, no system calls. */
	for (uint64_t i = 0; i < 10; i++) {
		shm_msg(m, i);
		GT_OK(mt_shm_ring_send(&prod, m, 0));
	}
	GT_CHECK_EQ(prod.hdr->wakeups_data, 0);
	th = gt_thread_spawn(shm_consumer, (void *)(uintptr_t)11, 0);
	/* It drains the ten and goes to sleep on the eleventh. */
	for (int i = 0; i < 200 && !__atomic_load_n(&prod.hdr->cons_waiting,
						     __ATOMIC_SEQ_CST); i++)
		(void)mt_nanosleep(gt_deadline_ms(1));
	GT_CHECK_EQ(prod.hdr->cons_waiting, 1);
	GT_CHECK_EQ(shm_cons_count, 10);
	GT_CHECK_EQ(prod.hdr->wakeups_data, 0);
	shm_msg(m, 10);
	GT_OK(mt_shm_ring_send(&prod, m, 0));
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	GT_CHECK_EQ(shm_cons_count, 11);
	GT_CHECK_EQ(shm_cons_bad, 0);
	GT_CHECK_EQ(prod.hdr->wakeups_data, 1);
	mt_handle_drop(th);
	mt_shm_ring_close(&shm_cons);
	mt_shm_ring_close(&prod);
}

static struct mt_shm_ring shm_prod;
static volatile mt_status_t shm_prod_status;

static void shm_blocked_producer(void *arg)
{
	uint64_t m[8];

	(void)arg;
	shm_msg(m, 2);
	shm_prod_status = mt_shm_ring_send(&shm_prod, m, gt_deadline_ms(2000));
}

GT_TEST(shm, full_ring_blocks_producer_until_space)
{
	struct mt_shm_ring cons;
	uint64_t m[8];
	mt_handle_t th;

	shm_pair(2, &shm_prod, &cons);
	for (uint64_t i = 0; i < 2; i++) {
		shm_msg(m, i);
		GT_OK(mt_shm_ring_send(&shm_prod, m, 0));
	}
	shm_prod_status = 1;
	th = gt_thread_spawn(shm_blocked_producer, NULL, 0);
	for (int i = 0; i < 200 && !shm_prod.hdr->prod_waiting; i++)
		(void)mt_nanosleep(gt_deadline_ms(1));
	GT_CHECK_EQ(shm_prod_status, 1);
	GT_OK(mt_shm_ring_recv(&cons, m, 0));
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	GT_CHECK_EQ(shm_prod_status, MT_OK);
	GT_CHECK_EQ(cons.hdr->wakeups_space, 1);
	for (uint64_t i = 1; i < 3; i++) {
		GT_OK(mt_shm_ring_recv(&cons, m, 0));
		GT_CHECK_EQ(m[0], i);
	}
	mt_handle_drop(th);
	mt_shm_ring_close(&cons);
	mt_shm_ring_close(&shm_prod);
}

GT_TEST(shm, close_wakes_sleeping_peer)
{
	struct mt_shm_ring prod;
	mt_handle_t th;

	shm_pair(8, &prod, &shm_cons);
	shm_cons_status = 1;
	th = gt_thread_spawn(shm_consumer, (void *)(uintptr_t)1, 0);
	(void)mt_nanosleep(gt_deadline_ms(20));
	GT_CHECK_EQ(shm_cons_status, 1);
	mt_shm_ring_close(&prod);
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	GT_CHECK_EQ(shm_cons_status, MT_ERR_PEER_CLOSED);
	mt_handle_drop(th);
	mt_shm_ring_close(&shm_cons);
}

GT_TEST(shm, across_processes)
{
	struct mt_spawn_result h;
	struct mt_shm_ring prod;
	mt_handle_t give[2], box;
	uint64_t m[8];
	const uint64_t n = 5000;

	GT_OK(mt_shm_ring_create(16, &prod));
	GT_OK(mt_shm_ring_share(&prod, &give[0], &give[1]));
	gt_spawn_helper_box(GT_HELPER_SHM_SINK, 0, give, 2, &box, &h);
	for (uint64_t i = 0; i < n; i++) {
		shm_msg(m, i);
		GT_OK(mt_shm_ring_send(&prod, m, gt_deadline_ms(3000)));
	}
	/* Wait for the sink to drain, then close: it sees PEER_CLOSED. */
	for (int i = 0; i < 2000 && mt_shm_ring_count(&prod); i++)
		(void)mt_nanosleep(gt_deadline_ms(1));
	mt_shm_ring_close(&prod);
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 3000);
	GT_CHECK_EQ(gt_box_word(box, 2), 1);
	GT_CHECK_EQ(gt_box_word(box, 0), n);
	GT_CHECK_EQ(gt_box_word(box, 1), 0);
	GT_CHECK_EQ(gt_box_word(box, 3), (uint64_t)MT_ERR_PEER_CLOSED);
	mt_handle_drop(box);
	mt_spawn_release(&h);
}

GT_TEST(shm, attach_rejects_bad_header)
{
	struct mt_shm_ring r;
	struct mt_shm_ring_hdr hdr;
	mt_handle_t mem, ev, mem2, ev2;

	GT_OK(mt_memory_create(2 * MT_PAGE_SIZE, 0, &mem));
	GT_OK(mt_event_create(&ev));
	GT_OK(mt_handle_duplicate(mem, MT_RIGHT_SAME, &mem2));
	GT_OK(mt_handle_duplicate(ev, MT_RIGHT_SAME, &ev2));
	/* No magic. */
	GT_ERR(mt_shm_ring_attach(mem2, ev2, &r), MT_ERR_BAD_STATE);
	/* A header claiming more slots than the object holds. */
	memset(&hdr, 0, sizeof(hdr));
	hdr.magic = MT_SHM_RING_MAGIC;
	hdr.slot_size = MT_SHM_SLOT_SIZE;
	hdr.slots = 1024;
	GT_OK(mt_memory_write(mem, 0, &hdr, sizeof(hdr)));
	GT_OK(mt_handle_duplicate(mem, MT_RIGHT_SAME, &mem2));
	GT_OK(mt_handle_duplicate(ev, MT_RIGHT_SAME, &ev2));
	GT_ERR(mt_shm_ring_attach(mem2, ev2, &r), MT_ERR_BAD_STATE);
	/* Not a memory object at all. */
	GT_OK(mt_handle_duplicate(ev, MT_RIGHT_SAME, &mem2));
	GT_OK(mt_handle_duplicate(ev, MT_RIGHT_SAME, &ev2));
	GT_ERR(mt_shm_ring_attach(mem2, ev2, &r), MT_ERR_WRONG_TYPE);
	mt_handle_drop(mem);
	mt_handle_drop(ev);
}

GT_TEST(shm, lying_peer_index_refused)
{
	struct mt_shm_ring prod, cons;
	uint64_t m[8];

	shm_pair(8, &prod, &cons);
	/* The "producer" claims far more messages than slots. */
	__atomic_store_n(&prod.hdr->head, 1000, __ATOMIC_SEQ_CST);
	GT_ERR(mt_shm_ring_recv(&cons, m, 0), MT_ERR_BAD_STATE);
	/* And a consumer index ahead of the head. */
	__atomic_store_n(&prod.hdr->head, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&prod.hdr->tail, 5, __ATOMIC_SEQ_CST);
	GT_ERR(mt_shm_ring_send(&prod, m, 0), MT_ERR_BAD_STATE);
	mt_shm_ring_close(&cons);
	mt_shm_ring_close(&prod);
}
