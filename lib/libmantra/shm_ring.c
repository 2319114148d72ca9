/*
 * Shared-memory SPSC ring with event wake-ups.  The protocol and the
 * layout are described in shm_ring.h.
 */
#include <libmantra/shm_ring.h>

#include <string.h>

#define SHM_HDR_SIZE MT_PAGE_SIZE

/* Bytes of the memory object (and mapping): whole pages. */
static uint64_t shm_size(uint32_t slots)
{
	return mt_page_round_up(SHM_HDR_SIZE + (uint64_t)slots * MT_SHM_SLOT_SIZE);
}

static bool shm_slots_ok(uint32_t slots)
{
	return slots && slots <= MT_SHM_SLOTS_MAX && !(slots & (slots - 1));
}

/* Map `mem` read-write and fill in r's view; r->nslots must be set. */
static mt_status_t shm_map(struct mt_shm_ring *r, mt_handle_t mem,
			   mt_handle_t event)
{
	mt_status_t st;

	r->map_size = shm_size(r->nslots);
	st = mt_vm_map(mt_startup()->self_aspace, 0, mem, 0, r->map_size,
		       MT_PROT_READ | MT_PROT_WRITE);
	if (st < 0)
		return st;
	r->map_addr = (uint64_t)st;
	r->hdr = (struct mt_shm_ring_hdr *)(uintptr_t)r->map_addr;
	r->slots = (uint8_t *)(uintptr_t)(r->map_addr + SHM_HDR_SIZE);
	r->mem = mem;
	r->event = event;
	return MT_OK;
}

mt_status_t mt_shm_ring_create(uint32_t slots, struct mt_shm_ring *r)
{
	mt_handle_t mem = MT_HANDLE_INVALID, ev = MT_HANDLE_INVALID;
	mt_status_t st;

	memset(r, 0, sizeof(*r));
	if (!shm_slots_ok(slots))
		return MT_ERR_INVALID_ARGS;
	r->nslots = slots;
	st = mt_memory_create(shm_size(slots), 0, &mem);
	if (st >= 0)
		st = mt_event_create(&ev);
	if (st >= 0)
		st = shm_map(r, mem, ev);
	if (st < 0) {
		mt_handle_drop(mem);
		mt_handle_drop(ev);
		memset(r, 0, sizeof(*r));
		return st;
	}
	r->hdr->slots = slots;
	r->hdr->slot_size = MT_SHM_SLOT_SIZE;
	__atomic_store_n(&r->hdr->magic, MT_SHM_RING_MAGIC, __ATOMIC_RELEASE);
	return MT_OK;
}

mt_status_t mt_shm_ring_share(const struct mt_shm_ring *r, mt_handle_t *mem,
			      mt_handle_t *event)
{
	mt_status_t st = mt_handle_duplicate(r->mem, MT_RIGHT_SAME, mem);

	if (st < 0)
		return st;
	st = mt_handle_duplicate(r->event, MT_RIGHT_SAME, event);
	if (st < 0)
		mt_handle_drop(*mem);
	return st;
}

mt_status_t mt_shm_ring_attach(mt_handle_t mem, mt_handle_t event,
			       struct mt_shm_ring *r)
{
	struct mt_shm_ring_hdr hdr;
	struct mt_object_info info;
	mt_status_t st;

	memset(r, 0, sizeof(*r));
	/* Read the geometry once, without mapping, and check it against the
	 * object's real size: the peer cannot make us map or index past it. */
	st = mt_object_info(mem, &info);
	if (st >= 0 && info.type != MT_OBJ_MEMORY)
		st = MT_ERR_WRONG_TYPE;
	if (st >= 0)
		st = mt_memory_read(mem, 0, &hdr, sizeof(hdr));
	if (st >= 0 && (hdr.magic != MT_SHM_RING_MAGIC ||
			hdr.slot_size != MT_SHM_SLOT_SIZE ||
			!shm_slots_ok(hdr.slots) ||
			shm_size(hdr.slots) > info.size))
		st = MT_ERR_BAD_STATE;
	if (st >= 0) {
		r->nslots = hdr.slots;
		st = shm_map(r, mem, event);
	}
	if (st < 0) {
		mt_handle_drop(mem);
		mt_handle_drop(event);
		memset(r, 0, sizeof(*r));
		return st;
	}
	r->head = __atomic_load_n(&r->hdr->head, __ATOMIC_ACQUIRE);
	r->tail = __atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE);
	return MT_OK;
}

/* Wake the peer if it announced it sleeps on `bit`: publishing our index
 * (seq_cst) and reading its flag here pair with its flag store and index
 * re-check in shm_sleep. */
static void shm_wake(struct mt_shm_ring *r, uint32_t *waiting, uint32_t bit,
		     uint64_t *wakeups)
{
	if (!__atomic_load_n(waiting, __ATOMIC_SEQ_CST))
		return;
	if (!__atomic_exchange_n(waiting, 0, __ATOMIC_SEQ_CST))
		return;
	__atomic_fetch_add(wakeups, 1, __ATOMIC_RELAXED);
	(void)mt_object_signal(r->event, 0, bit);
}

/* Sleep on `bit` until ready(r) or the deadline: clear the bit, announce,
 * re-check, wait.  Returns MT_OK when it is time to look again. */
static mt_status_t shm_sleep(struct mt_shm_ring *r, uint32_t *waiting,
			     uint32_t bit, bool (*ready)(struct mt_shm_ring *),
			     mt_time_t deadline)
{
	mt_signals_t seen = 0;
	mt_status_t st;

	st = mt_object_signal(r->event, bit, 0);
	if (st < 0)
		return st;
	__atomic_store_n(waiting, 1, __ATOMIC_SEQ_CST);
	if (ready(r) || __atomic_load_n(&r->hdr->closed, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(waiting, 0, __ATOMIC_RELAXED);
		return MT_OK;
	}
	st = mt_object_wait_one(r->event, bit, deadline, &seen);
	__atomic_store_n(waiting, 0, __ATOMIC_RELAXED);
	return st;
}

/* Messages in the ring from our side, or -1 if the peer's index is
 * impossible. */
static int64_t shm_fill(struct mt_shm_ring *r, bool producer)
{
	uint64_t head = producer ? r->head
				 : __atomic_load_n(&r->hdr->head, __ATOMIC_ACQUIRE);
	uint64_t tail = producer ? __atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE)
				 : r->tail;
	uint64_t n = head - tail;

	return n > r->nslots ? -1 : (int64_t)n;
}

static bool shm_has_space(struct mt_shm_ring *r)
{
	int64_t n = shm_fill(r, true);

	return n < 0 || (uint64_t)n < r->nslots;
}

static bool shm_has_data(struct mt_shm_ring *r)
{
	return shm_fill(r, false) != 0;
}

mt_status_t mt_shm_ring_send(struct mt_shm_ring *r, const void *msg,
			     mt_time_t deadline)
{
	for (;;) {
		int64_t n = shm_fill(r, true);
		mt_status_t st;

		if (n < 0)
			return MT_ERR_BAD_STATE;
		if (__atomic_load_n(&r->hdr->closed, __ATOMIC_ACQUIRE))
			return MT_ERR_PEER_CLOSED;
		if ((uint64_t)n < r->nslots)
			break;
		if (deadline == 0)
			return MT_ERR_SHOULD_WAIT;
		st = shm_sleep(r, &r->hdr->prod_waiting, MT_SHM_SIGNAL_SPACE,
			       shm_has_space, deadline);
		if (st < 0)
			return st;
	}
	memcpy(r->slots + (r->head & (r->nslots - 1)) * MT_SHM_SLOT_SIZE, msg,
	       MT_SHM_SLOT_SIZE);
	r->head++;
	__atomic_store_n(&r->hdr->head, r->head, __ATOMIC_SEQ_CST);
	shm_wake(r, &r->hdr->cons_waiting, MT_SHM_SIGNAL_DATA,
		 &r->hdr->wakeups_data);
	return MT_OK;
}

mt_status_t mt_shm_ring_recv(struct mt_shm_ring *r, void *msg,
			     mt_time_t deadline)
{
	for (;;) {
		int64_t n = shm_fill(r, false);
		mt_status_t st;

		if (n < 0)
			return MT_ERR_BAD_STATE;
		if (n > 0)
			break;
		if (__atomic_load_n(&r->hdr->closed, __ATOMIC_ACQUIRE))
			return MT_ERR_PEER_CLOSED;
		if (deadline == 0)
			return MT_ERR_SHOULD_WAIT;
		st = shm_sleep(r, &r->hdr->cons_waiting, MT_SHM_SIGNAL_DATA,
			       shm_has_data, deadline);
		if (st < 0)
			return st;
	}
	memcpy(msg, r->slots + (r->tail & (r->nslots - 1)) * MT_SHM_SLOT_SIZE,
	       MT_SHM_SLOT_SIZE);
	r->tail++;
	__atomic_store_n(&r->hdr->tail, r->tail, __ATOMIC_SEQ_CST);
	shm_wake(r, &r->hdr->prod_waiting, MT_SHM_SIGNAL_SPACE,
		 &r->hdr->wakeups_space);
	return MT_OK;
}

uint64_t mt_shm_ring_count(const struct mt_shm_ring *r)
{
	return __atomic_load_n(&r->hdr->head, __ATOMIC_ACQUIRE) -
	       __atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE);
}

void mt_shm_ring_close(struct mt_shm_ring *r)
{
	if (r->hdr) {
		__atomic_store_n(&r->hdr->closed, 1, __ATOMIC_SEQ_CST);
		(void)mt_object_signal(r->event, 0,
				       MT_SHM_SIGNAL_DATA | MT_SHM_SIGNAL_SPACE);
		(void)mt_vm_unmap(mt_startup()->self_aspace, r->map_addr,
				  r->map_size);
	}
	mt_handle_drop(r->mem);
	mt_handle_drop(r->event);
	memset(r, 0, sizeof(*r));
}
