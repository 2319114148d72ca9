/*
 * Fuzz lib/libmantra/shm_ring.c, the single-producer single-consumer ring
 * in shared memory, against a peer that does not follow the protocol.
 *
 * The harness is the kernel: it defines the system calls the ring makes
 * (declared by tests/fuzz/include/mantra/syscalls.h) over a small table of
 * handles, memory objects, events and mappings.  A memory object is one
 * calloc'd block of exactly its size, so AddressSanitizer reports any
 * access past the object, and it is freed when its last handle and
 * mapping go, so a touch after close is a use-after-free.
 *
 * The input drives one ring through a sequence of operations: honest sends
 * and receives, a hostile peer scribbling the shared header (indices,
 * flags) or the slots, closing and re-attaching either side, and system
 * calls that fail.  A side that sleeps lets the peer act (the
 * mt_object_wait_one stand-in takes the next operations from the input
 * until its bit is raised; when the input runs out the wait times out).
 *
 * Checked throughout: every return code is one the header documents; a
 * received message is exactly the slot at tail % slots, a sent one lands
 * at head % slots; MT_ERR_BAD_STATE only when the peer's index really is
 * impossible; each side keeps its own geometry; a sleeper has announced
 * itself and cleared its bit; handles and mappings are neither leaked nor
 * closed twice.  While the peer has not touched the indices or flags, the
 * ring must also behave exactly like a FIFO of `slots` messages, and a
 * sleeper must never miss a wake-up.
 */
#include "fuzz.h"

#include <libmantra/shm_ring.h>

#include <stdbool.h>

#define OBJ_MAX        8
#define HANDLE_MAX     24
#define MAP_MAX        6
#define ASPACE_HANDLE  0x7fff0001u      /* our address space, not in the table */
#define MEMORY_MAX     (8u << 20)       /* mt_memory_create limit here */
#define HOSTILE_PAGES  64               /* largest object of a hostile start */
#define HDR_SIZE       ((uint32_t)sizeof(struct mt_shm_ring_hdr))
#define FIELD(f)       __builtin_offsetof(struct mt_shm_ring_hdr, f)

enum obj_kind { OBJ_FREE, OBJ_MEMORY, OBJ_EVENT };

struct obj {
	enum obj_kind kind;
	uint8_t *mem;                   /* OBJ_MEMORY: size bytes */
	uint64_t size;
	int handles, maps;              /* freed when both reach 0 */
	mt_signals_t signals;           /* OBJ_EVENT */
};

struct handle_slot {
	bool live;
	int obj;
	uint16_t gen;                   /* bits 16-30 of the handle value */
};

struct mapping {
	bool live;
	int obj;
	uintptr_t addr;
	uint64_t len;
};

/* System calls the input can make fail. */
enum fail_kind {
	FAIL_MEMORY_CREATE,
	FAIL_EVENT_CREATE,
	FAIL_DUPLICATE,
	FAIL_OBJECT_INFO,
	FAIL_MEMORY_READ,
	FAIL_VM_MAP,
	FAIL_SIGNAL,
	FAIL_KINDS
};
#define FAIL_SIGNAL_STATUS MT_ERR_ACCESS_DENIED

/* Which side is asleep in mt_object_wait_one (it cannot act meanwhile). */
enum side { SIDE_NONE, SIDE_PROD, SIDE_CONS };

/* The kernel objects and the ring under test; reset for every input. */
static struct world {
	struct obj objs[OBJ_MAX];
	struct handle_slot handles[HANDLE_MAX];
	struct mapping maps[MAP_MAX];
	uint8_t fail_in[FAIL_KINDS];    /* n > 0: the n-th next call fails */
	bool injected;                  /* some call was made to fail */
	bool signal_failed;             /* ... a signal: wake-ups may be lost */
	struct fuzz_in in;

	struct mt_shm_ring prod, cons;
	bool have_prod, have_cons;
	uint32_t prod_slots, cons_slots; /* geometry each side attached with */
	int ring_obj;                   /* the ring's memory object */
	mt_handle_t spare_mem, spare_event; /* ours, for re-attaching */
	enum side sleeper;

	/* The FIFO model, valid while !tampered. */
	bool tampered;                  /* peer wrote an index or flag */
	bool content_tampered;          /* peer wrote slot contents */
	bool closed;
	uint64_t sent, received;
} w;

static const struct mt_startup startup = { .self_aspace = ASPACE_HANDLE };

/* ---- the kernel's objects ------------------------------------------------ */

static int obj_new(enum obj_kind kind, uint64_t size)
{
	for (int i = 0; i < OBJ_MAX; i++) {
		struct obj *o = &w.objs[i];

		if (o->kind != OBJ_FREE)
			continue;
		memset(o, 0, sizeof(*o));
		if (kind == OBJ_MEMORY) {
			o->mem = calloc(1, size);
			FUZZ_CHECK(o->mem != NULL);
			o->size = size;
		}
		o->kind = kind;
		return i;
	}
	return -1;
}

static void obj_put(int i)
{
	struct obj *o = &w.objs[i];

	if (o->handles || o->maps)
		return;
	free(o->mem);
	memset(o, 0, sizeof(*o));
}

static mt_status_t handle_new(int obj, mt_handle_t *out)
{
	for (int i = 0; i < HANDLE_MAX; i++) {
		struct handle_slot *s = &w.handles[i];

		if (s->live)
			continue;
		s->live = true;
		s->obj = obj;
		s->gen = (uint16_t)((s->gen + 1) & 0x7fff);
		w.objs[obj].handles++;
		*out = (mt_handle_t)s->gen << 16 | (mt_handle_t)(i + 1);
		return MT_OK;
	}
	return MT_ERR_NO_RESOURCES;
}

/* The object behind a live handle of ours, or a negative MT_ERR_*. */
static int handle_obj(mt_handle_t h, enum obj_kind kind)
{
	uint32_t i = (h & 0xffff) - 1;

	if (i >= HANDLE_MAX || !w.handles[i].live || w.handles[i].gen != h >> 16)
		return MT_ERR_BAD_HANDLE;
	if (kind != OBJ_FREE && w.objs[w.handles[i].obj].kind != kind)
		return MT_ERR_WRONG_TYPE;
	return w.handles[i].obj;
}

static bool fail_now(enum fail_kind kind)
{
	if (!w.fail_in[kind] || --w.fail_in[kind])
		return false;
	w.injected = true;
	return true;
}

/* Arm one failure from an input byte: which call, and which of the next
 * three calls of that kind. */
static void arm_failure(uint8_t b)
{
	w.fail_in[b % FAIL_KINDS] = (uint8_t)(1 + b / FAIL_KINDS % 3);
}

static int live_handles(void)
{
	int n = 0;

	for (int i = 0; i < HANDLE_MAX; i++)
		n += w.handles[i].live;
	return n;
}

static int live_maps(void)
{
	int n = 0;

	for (int i = 0; i < MAP_MAX; i++)
		n += w.maps[i].live;
	return n;
}

/* ---- the system calls shm_ring.c and handle.c make ---------------------- */

mt_status_t mt_handle_close(mt_handle_t h)
{
	int o = handle_obj(h, OBJ_FREE);

	/* The library closes only handles it holds: anything else would be
	 * a double close, which could hit a reused slot. */
	FUZZ_CHECK(o >= 0);
	w.handles[(h & 0xffff) - 1].live = false;
	w.objs[o].handles--;
	obj_put(o);
	return MT_OK;
}

mt_status_t mt_handle_duplicate(mt_handle_t h, mt_rights_t rights,
				mt_handle_t *out)
{
	int o = handle_obj(h, OBJ_FREE);

	if (o < 0)
		return o;
	if (fail_now(FAIL_DUPLICATE))
		return MT_ERR_NO_RESOURCES;
	return handle_new(o, out);
}

mt_status_t mt_object_info(mt_handle_t h, struct mt_object_info *info)
{
	int o = handle_obj(h, OBJ_FREE);

	if (o < 0)
		return o;
	if (fail_now(FAIL_OBJECT_INFO))
		return MT_ERR_ACCESS_DENIED;
	memset(info, 0, sizeof(*info));
	info->koid = (uint64_t)o + 1;
	info->type = w.objs[o].kind == OBJ_MEMORY ? MT_OBJ_MEMORY : MT_OBJ_EVENT;
	info->rights = MT_RIGHTS_ALL;
	info->size = w.objs[o].size;
	info->signals = w.objs[o].signals;
	info->handle_count = (uint32_t)w.objs[o].handles;
	return MT_OK;
}

mt_status_t mt_memory_create(uint64_t size, uint32_t flags, mt_handle_t *out)
{
	mt_status_t st;
	int o;

	if (fail_now(FAIL_MEMORY_CREATE))
		return MT_ERR_NO_MEMORY;
	if (flags)
		return MT_ERR_INVALID_ARGS;
	if (size == 0 || size > MEMORY_MAX)
		return MT_ERR_OUT_OF_RANGE;
	o = obj_new(OBJ_MEMORY, mt_page_round_up(size));
	if (o < 0)
		return MT_ERR_NO_RESOURCES;
	st = handle_new(o, out);
	obj_put(o);
	return st;
}

mt_status_t mt_memory_read(mt_handle_t mem, uint64_t offset, void *buf,
			   size_t len)
{
	int o = handle_obj(mem, OBJ_MEMORY);

	if (o < 0)
		return o;
	if (fail_now(FAIL_MEMORY_READ))
		return MT_ERR_BAD_ADDRESS;
	if (offset > w.objs[o].size || len > w.objs[o].size - offset)
		return MT_ERR_OUT_OF_RANGE;
	memcpy(buf, w.objs[o].mem + offset, len);
	return MT_OK;
}

mt_status_t mt_vm_map(mt_handle_t aspace, uint64_t addr, mt_handle_t mem,
		      uint64_t offset, uint64_t len, uint32_t flags)
{
	int o = handle_obj(mem, OBJ_MEMORY);

	FUZZ_CHECK(aspace == ASPACE_HANDLE);
	if (o < 0)
		return o;
	if (fail_now(FAIL_VM_MAP))
		return MT_ERR_NO_MEMORY;
	if (addr || (flags & MT_MAP_FIXED) || offset % MT_PAGE_SIZE ||
	    len % MT_PAGE_SIZE || !len)
		return MT_ERR_INVALID_ARGS;
	if (offset > w.objs[o].size || len > w.objs[o].size - offset)
		return MT_ERR_OUT_OF_RANGE;
	for (int i = 0; i < MAP_MAX; i++) {
		struct mapping *m = &w.maps[i];

		if (m->live)
			continue;
		m->live = true;
		m->obj = o;
		m->addr = (uintptr_t)(w.objs[o].mem + offset);
		m->len = len;
		w.objs[o].maps++;
		return (mt_status_t)m->addr;
	}
	return MT_ERR_NO_RESOURCES;
}

mt_status_t mt_vm_unmap(mt_handle_t aspace, uint64_t addr, uint64_t len)
{
	FUZZ_CHECK(aspace == ASPACE_HANDLE);
	for (int i = 0; i < MAP_MAX; i++) {
		struct mapping *m = &w.maps[i];

		if (!m->live || m->addr != addr || m->len != len)
			continue;
		m->live = false;
		w.objs[m->obj].maps--;
		obj_put(m->obj);
		return MT_OK;
	}
	fuzz_fail(__FILE__, __LINE__, "unmap of a range that is not one mapping");
}

mt_status_t mt_event_create(mt_handle_t *out)
{
	mt_status_t st;
	int o;

	if (fail_now(FAIL_EVENT_CREATE))
		return MT_ERR_NO_MEMORY;
	o = obj_new(OBJ_EVENT, 0);
	if (o < 0)
		return MT_ERR_NO_RESOURCES;
	st = handle_new(o, out);
	obj_put(o);
	return st;
}

static bool peer_step(enum side sleeper);

/* Clearing its bit is how a side starts to sleep (shm_sleep); the peer,
 * running concurrently, may act right after the clear and before the side
 * announces itself: the window a lost wake-up would come from. */
mt_status_t mt_object_signal(mt_handle_t h, mt_signals_t clear,
			     mt_signals_t set)
{
	int o = handle_obj(h, OBJ_EVENT);

	FUZZ_CHECK(o >= 0);
	FUZZ_CHECK(((clear | set) & ~MT_SIGNAL_USER_ALL) == 0);
	if (fail_now(FAIL_SIGNAL)) {
		w.signal_failed = true;
		return FAIL_SIGNAL_STATUS;
	}
	w.objs[o].signals = (w.objs[o].signals & ~clear) | set;
	if (clear && !set && w.sleeper == SIDE_NONE && (fuzz_u8(&w.in) & 1)) {
		w.sleeper = clear == MT_SHM_SIGNAL_DATA ? SIDE_CONS : SIDE_PROD;
		(void)peer_step(w.sleeper);
		w.sleeper = SIDE_NONE;
	}
	return MT_OK;
}

/* A sleeper whose bit never came although the ring is ready for it: the
 * peer published without seeing the `waiting` flag (a lost wake-up). */
static void check_no_lost_wakeup(enum side sleeper)
{
	struct mt_shm_ring_hdr *h = (void *)w.objs[w.ring_obj].mem;

	if (w.tampered || w.signal_failed)
		return;
	if (sleeper == SIDE_CONS)
		FUZZ_CHECK(h->head == h->tail && !h->closed);
	else
		FUZZ_CHECK(h->head - h->tail == w.prod_slots && !h->closed);
}

/* Sleep: the peer acts until our bit is raised or the input runs out. */
mt_status_t mt_object_wait_one(mt_handle_t h, mt_signals_t signals,
			       mt_time_t deadline, mt_signals_t *observed)
{
	int o = handle_obj(h, OBJ_EVENT);
	enum side me = signals == MT_SHM_SIGNAL_DATA ? SIDE_CONS : SIDE_PROD;
	struct mt_shm_ring *r = me == SIDE_CONS ? &w.cons : &w.prod;
	mt_status_t st = MT_OK;

	FUZZ_CHECK(o >= 0);
	FUZZ_CHECK(signals == MT_SHM_SIGNAL_DATA || signals == MT_SHM_SIGNAL_SPACE);
	FUZZ_CHECK(deadline != 0);
	FUZZ_CHECK(w.sleeper == SIDE_NONE);
	/* shm_sleep's protocol: bit cleared, then the flag set, before we
	 * get here (an honest peer acting in between either left both alone
	 * or made the ring ready, and then we do not get here). */
	FUZZ_CHECK(*(me == SIDE_CONS ? &r->hdr->cons_waiting : &r->hdr->prod_waiting) == 1);
	if (!w.tampered)
		FUZZ_CHECK(!(w.objs[o].signals & signals));
	w.sleeper = me;
	while (!(w.objs[o].signals & signals)) {
		if (!peer_step(me)) {
			check_no_lost_wakeup(me);
			/* An infinite wait would block forever: say the
			 * wait was cut short instead. */
			st = deadline == MT_TIME_INFINITE ? MT_ERR_CANCELED
							  : MT_ERR_TIMED_OUT;
			break;
		}
	}
	w.sleeper = SIDE_NONE;
	if (observed)
		*observed = w.objs[o].signals & signals;
	return st;
}

/* ---- the ring ------------------------------------------------------------ */

static bool ring_status_ok(mt_status_t st)
{
	return st == MT_OK || st == MT_ERR_SHOULD_WAIT || st == MT_ERR_TIMED_OUT ||
	       st == MT_ERR_CANCELED || st == MT_ERR_PEER_CLOSED ||
	       st == MT_ERR_BAD_STATE ||
	       (w.signal_failed && st == FAIL_SIGNAL_STATUS);
}

static void make_msg(uint8_t *msg, uint64_t seq)
{
	for (unsigned k = 0; k < MT_SHM_SLOT_SIZE; k++)
		msg[k] = (uint8_t)(seq * 131 + k * 7 + (seq >> 8));
}

/* Deadline for an operation: sleeping sides cannot make the peer sleep
 * too (the peer's own operations never wait). */
static mt_time_t pick_deadline(void)
{
	uint8_t b = fuzz_u8(&w.in) % 3;

	if (w.sleeper != SIDE_NONE || b == 0)
		return 0;
	return b == 1 ? 1000000 : MT_TIME_INFINITE;
}

static uint8_t *slot_of(const struct mt_shm_ring *r, uint64_t index)
{
	return r->slots + (index & (r->nslots - 1)) * MT_SHM_SLOT_SIZE;
}

static void do_send(void)
{
	struct mt_shm_ring *r = &w.prod;
	uint8_t *msg = malloc(MT_SHM_SLOT_SIZE);
	mt_time_t deadline = pick_deadline();
	uint64_t head = r->head, fill = w.sent - w.received;
	mt_status_t st;

	FUZZ_CHECK(msg != NULL);
	make_msg(msg, w.sent);
	st = mt_shm_ring_send(r, msg, deadline);
	FUZZ_CHECK(ring_status_ok(st));
	if (st == MT_OK) {
		FUZZ_CHECK(r->head == head + 1 && r->hdr->head == r->head);
		FUZZ_CHECK(memcmp(slot_of(r, head), msg, MT_SHM_SLOT_SIZE) == 0);
		w.sent++;
	} else if (st == MT_ERR_BAD_STATE) {
		FUZZ_CHECK(r->head - r->hdr->tail > r->nslots);
	} else {
		FUZZ_CHECK(r->head == head);
	}
	if (!w.tampered && !deadline)
		FUZZ_CHECK(st == (w.closed ? MT_ERR_PEER_CLOSED :
				  fill < w.prod_slots ? MT_OK : MT_ERR_SHOULD_WAIT));
	if (!w.tampered)
		FUZZ_CHECK(st != MT_ERR_BAD_STATE);
	free(msg);
}

static void do_recv(void)
{
	struct mt_shm_ring *r = &w.cons;
	uint8_t *msg = malloc(MT_SHM_SLOT_SIZE), *want = malloc(MT_SHM_SLOT_SIZE);
	mt_time_t deadline = pick_deadline();
	uint64_t tail = r->tail, fill = w.sent - w.received;
	mt_status_t st;

	FUZZ_CHECK(msg != NULL && want != NULL);
	st = mt_shm_ring_recv(r, msg, deadline);
	FUZZ_CHECK(ring_status_ok(st));
	if (st == MT_OK) {
		FUZZ_CHECK(r->tail == tail + 1 && r->hdr->tail == r->tail);
		FUZZ_CHECK(r->hdr->head - tail >= 1 && r->hdr->head - tail <= r->nslots);
		FUZZ_CHECK(memcmp(slot_of(r, tail), msg, MT_SHM_SLOT_SIZE) == 0);
		make_msg(want, w.received);
		if (!w.tampered && !w.content_tampered)
			FUZZ_CHECK(memcmp(msg, want, MT_SHM_SLOT_SIZE) == 0);
		w.received++;
	} else if (st == MT_ERR_BAD_STATE) {
		FUZZ_CHECK(r->hdr->head - r->tail > r->nslots);
	} else {
		FUZZ_CHECK(r->tail == tail);
	}
	if (!w.tampered && !deadline)
		FUZZ_CHECK(st == (fill ? MT_OK : w.closed ? MT_ERR_PEER_CLOSED :
				  MT_ERR_SHOULD_WAIT));
	if (!w.tampered)
		FUZZ_CHECK(st != MT_ERR_BAD_STATE);
	free(msg);
	free(want);
}

/* The ring's memory, or NULL once every handle and mapping of it is gone
 * (both sides closed, and our spares too). */
static struct obj *ring_mem(void)
{
	struct obj *o = &w.objs[w.ring_obj];

	return o->kind == OBJ_MEMORY ? o : NULL;
}

/* The peer writes 4 or 8 bytes of the shared header. */
static void scribble_header(void)
{
	struct obj *o = ring_mem();
	uint32_t off = fuzz_u8(&w.in) % (HDR_SIZE / 4) * 4;
	unsigned len = (off % 8 == 0 && (fuzz_u8(&w.in) & 1)) ? 8 : 4;
	uint64_t v = fuzz_uint(&w.in, len);

	if (!o)
		return;
	memcpy(o->mem + off, &v, len);
	/* Writes to the statistics and padding change nothing the ring
	 * reads; the geometry matters to a side that attaches again. */
	if (off < FIELD(closed) + 4 ||
	    (off < FIELD(prod_waiting) + 4 && off + len > FIELD(head)) ||
	    (off < FIELD(cons_waiting) + 4 && off + len > FIELD(tail)))
		w.tampered = true;
}

/* The peer writes up to one slot's worth of bytes anywhere in the slots. */
static void scribble_slots(void)
{
	struct obj *o = ring_mem();
	uint64_t room = o ? o->size - MT_PAGE_SIZE : 0;
	uint64_t off = MT_PAGE_SIZE + fuzz_uint(&w.in, 3) % (room ? room : 1);
	size_t len = fuzz_u8(&w.in) % (MT_SHM_SLOT_SIZE + 1);

	if (!room)
		return;
	if (len > o->size - off)
		len = (size_t)(o->size - off);
	fuzz_bytes(&w.in, o->mem + off, len);
	w.content_tampered = true;
}

/* Attach a view from duplicates of our spare handles (swapped: the event
 * where the memory belongs, and back). */
static bool attach(struct mt_shm_ring *r, uint32_t *slots, bool swap)
{
	mt_handle_t mem = MT_HANDLE_INVALID, ev = MT_HANDLE_INVALID;
	int before = live_handles();
	mt_status_t st;

	if (mt_handle_duplicate(w.spare_mem, MT_RIGHT_SAME, &mem) < 0)
		return false;
	if (mt_handle_duplicate(w.spare_event, MT_RIGHT_SAME, &ev) < 0) {
		mt_handle_drop(mem);
		return false;
	}
	st = swap ? mt_shm_ring_attach(ev, mem, r) : mt_shm_ring_attach(mem, ev, r);
	if (st < 0) {
		/* The handles are consumed on error too. */
		FUZZ_CHECK(live_handles() == before);
		FUZZ_CHECK(r->hdr == NULL);
		return false;
	}
	FUZZ_CHECK(st == MT_OK);
	*slots = r->nslots;
	return true;
}

static void close_prod(void)
{
	mt_shm_ring_close(&w.prod);
	w.have_prod = false;
	w.closed = true;
}

/* The consumer closes and comes back: it must pick up at the shared tail. */
static void reattach_cons(void)
{
	mt_shm_ring_close(&w.cons);
	w.closed = true;
	w.have_cons = attach(&w.cons, &w.cons_slots, false);
}

/* Each live view still describes the ring it attached to. */
static void check_views(void)
{
	struct obj *o = &w.objs[w.ring_obj];
	struct mt_shm_ring *views[2] = { &w.prod, &w.cons };
	bool have[2] = { w.have_prod, w.have_cons };
	uint32_t slots[2] = { w.prod_slots, w.cons_slots };

	for (int i = 0; i < 2; i++) {
		struct mt_shm_ring *r = views[i];

		if (!have[i])
			continue;
		FUZZ_CHECK(o->kind == OBJ_MEMORY && o->maps > 0);
		FUZZ_CHECK(r->nslots == slots[i]);
		FUZZ_CHECK((void *)r->hdr == o->mem && r->slots == o->mem + MT_PAGE_SIZE);
		FUZZ_CHECK(MT_PAGE_SIZE + (uint64_t)r->nslots * MT_SHM_SLOT_SIZE <= r->map_size);
		FUZZ_CHECK(r->map_size <= o->size);
	}
	if (w.tampered)
		return;
	if (w.have_prod)
		FUZZ_CHECK(w.prod.head == w.sent);
	if (w.have_cons)
		FUZZ_CHECK(w.cons.tail == w.received);
	if (w.have_prod || w.have_cons)
		FUZZ_CHECK(w.sent - w.received <=
			   (w.have_prod ? w.prod_slots : w.cons_slots));
	if (w.have_prod)
		FUZZ_CHECK(mt_shm_ring_count(&w.prod) == w.sent - w.received);
	if (w.have_cons)
		FUZZ_CHECK(mt_shm_ring_count(&w.cons) == w.sent - w.received);
}

/* One operation from the input; `sleeper` (asleep in a wait) cannot act. */
static void do_op(uint8_t op, enum side sleeper)
{
	switch (op % 8) {
	case 0:
		if (w.have_prod && sleeper != SIDE_PROD)
			do_send();
		break;
	case 1:
		if (w.have_cons && sleeper != SIDE_CONS)
			do_recv();
		break;
	case 2:
		scribble_header();
		break;
	case 3:
		scribble_slots();
		break;
	case 4:
		if (w.have_prod && sleeper != SIDE_PROD)
			close_prod();
		break;
	case 5:
		if (w.have_cons && sleeper != SIDE_CONS)
			reattach_cons();
		break;
	case 6:
		if (w.have_prod)
			(void)mt_shm_ring_count(&w.prod);
		if (w.have_cons)
			(void)mt_shm_ring_count(&w.cons);
		break;
	default:
		arm_failure(fuzz_u8(&w.in));
		break;
	}
}

/* The peer of a sleeping side takes one step; false when the input is
 * exhausted (the sleeper's deadline passes). */
static bool peer_step(enum side sleeper)
{
	if (!w.in.n)
		return false;
	do_op(fuzz_u8(&w.in), sleeper);
	return true;
}

/* ---- setting up ---------------------------------------------------------- */

/* Honest start: the producer creates the ring and shares it. */
static bool setup_created(void)
{
	uint8_t b = fuzz_u8(&w.in);
	uint32_t slots = b & 0x80 ? (uint32_t)fuzz_uint(&w.in, 4) : 1u << (b % 11);
	bool valid = slots && slots <= MT_SHM_SLOTS_MAX && !(slots & (slots - 1));
	mt_status_t st = mt_shm_ring_create(slots, &w.prod);

	if (st < 0) {
		FUZZ_CHECK(!valid ? st == MT_ERR_INVALID_ARGS : w.injected);
		FUZZ_CHECK(live_handles() == 0 && live_maps() == 0);
		FUZZ_CHECK(w.prod.hdr == NULL);
		return false;
	}
	FUZZ_CHECK(st == MT_OK && valid && w.prod.nslots == slots);
	w.have_prod = true;
	w.prod_slots = slots;
	w.ring_obj = w.maps[0].obj;
	st = mt_shm_ring_share(&w.prod, &w.spare_mem, &w.spare_event);
	if (st < 0) {
		/* Nothing half-shared is left behind. */
		FUZZ_CHECK(live_handles() == 2);
		w.spare_mem = w.spare_event = MT_HANDLE_INVALID;
		return true;
	}
	w.have_cons = attach(&w.cons, &w.cons_slots, false);
	FUZZ_CHECK(w.have_cons || w.injected);
	return true;
}

/* Hostile start: the peer made the object and wrote the header; we
 * attach as consumer and perhaps as producer too. */
static bool setup_hostile(uint8_t mode)
{
	uint32_t pages = 1 + fuzz_u8(&w.in) % HOSTILE_PAGES;
	struct mt_shm_ring_hdr hdr;
	uint8_t *mem;
	bool fits;
	int o;

	w.tampered = w.content_tampered = true;
	if (mt_memory_create((uint64_t)pages * MT_PAGE_SIZE, 0, &w.spare_mem) < 0)
		return false;
	if (mt_event_create(&w.spare_event) < 0)
		return false;
	o = handle_obj(w.spare_mem, OBJ_MEMORY);
	w.ring_obj = o;
	mem = w.objs[o].mem;
	fuzz_bytes(&w.in, &hdr, sizeof(hdr));
	if (mode & 4) {
		hdr.magic = MT_SHM_RING_MAGIC;
		hdr.slot_size = MT_SHM_SLOT_SIZE;
		hdr.slots = 1u << (fuzz_u8(&w.in) % 18);
	}
	memcpy(mem, &hdr, sizeof(hdr));
	fits = hdr.magic == MT_SHM_RING_MAGIC && hdr.slot_size == MT_SHM_SLOT_SIZE &&
	       hdr.slots && hdr.slots <= MT_SHM_SLOTS_MAX &&
	       !(hdr.slots & (hdr.slots - 1)) &&
	       mt_page_round_up(MT_PAGE_SIZE + (uint64_t)hdr.slots * MT_SHM_SLOT_SIZE) <=
	       w.objs[o].size;
	w.have_cons = attach(&w.cons, &w.cons_slots, mode & 16);
	/* attach must refuse exactly the headers that do not describe a
	 * ring fitting in the object, and an object that is not memory. */
	if (!w.injected)
		FUZZ_CHECK(w.have_cons == (fits && !(mode & 16)));
	if (mode & 8)
		w.have_prod = attach(&w.prod, &w.prod_slots, false);
	return true;
}

static void teardown(void)
{
	if (w.have_prod)
		mt_shm_ring_close(&w.prod);
	if (w.have_cons)
		mt_shm_ring_close(&w.cons);
	mt_handle_drop(w.spare_mem);
	mt_handle_drop(w.spare_event);
	/* Nothing leaked: every handle closed, every mapping gone, every
	 * object freed. */
	FUZZ_CHECK(live_handles() == 0 && live_maps() == 0);
	for (int i = 0; i < OBJ_MAX; i++)
		FUZZ_CHECK(w.objs[i].kind == OBJ_FREE);
}

/* Input: a mode byte (bit 0 hostile start, 1 a failure armed from the next
 * byte, then for a hostile start: 2 a plausible header, 3 a producer view
 * too, 4 the consumer given its handles swapped), the set-up's bytes, then
 * operations (do_op) to the end. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t mode;
	bool ok;

	memset(&w, 0, sizeof(w));
	w.in = (struct fuzz_in){ data, size };
	mt_startup_set(&startup);
	mode = fuzz_u8(&w.in);
	if (mode & 2)
		arm_failure(fuzz_u8(&w.in));
	ok = mode & 1 ? setup_hostile(mode) : setup_created();
	while (ok && w.in.n) {
		do_op(fuzz_u8(&w.in), SIDE_NONE);
		check_views();
	}
	teardown();
	return 0;
}
