/*
 * Channels: asynchronous message pipes.  A channel is two end objects
 * (MT_OBJ_CHANNEL) pointing at each other; each end owns the queue of
 * messages written to it by its peer, so the state they share is just the
 * pair of peer pointers.
 *
 * Invariants (one CPU, non-preemptible kernel; no interrupt handler touches
 * a channel, only object_signal's own section is irq-safe):
 *   - end->queue holds at most MT_CHANNEL_QUEUE_MAX messages (`queued`),
 *     oldest first.  A queued message owns its bytes, one reference per
 *     handle it carries (struct handle_in_flight) and one reference to the
 *     quota of the process that wrote it, which it is charged to (not to
 *     the process: a message in flight keeps no process alive).
 *   - end->peer is the other end, or NULL once that end is destroyed (its
 *     last reference went); never set again.
 *   - Signals, kept after every change (by channel_update_signals(), or
 *     on the read and write paths by the edges they can cause):
 *       READABLE     iff the end's own queue is non-empty;
 *       WRITABLE     iff the peer exists and its queue has room;
 *       PEER_CLOSED  iff the peer is gone.
 *
 * Destroying an end unlinks the peer first (which then reads what is left
 * and gets MT_ERR_PEER_CLOSED), then frees its own queue, dropping the
 * handles in it: that may destroy other objects, even the peer, which by
 * then no longer points back.
 *
 * Small messages (CHANNEL_SMALL bytes with their header) all take the
 * same allocation size.  Each end is created with one of them, its
 * `spare`, paid for with the end itself; a small message written to the
 * end while the spare is free goes in it and goes back to it when read:
 * a conversation of small messages allocates and charges nothing.
 *
 * Accounting: every other queued message is charged to its writer's quota
 * (kernel/quota.h: the allocation and QUOTA_CAP_BYTES per handle) until
 * it is read or dropped; a write that does not fit is MT_ERR_NO_MEMORY.
 * So a writer's quota bounds what it queues beyond one message per end.
 *
 * Cycles.  An end cannot be sent through itself (handle_send_take's
 * `forbid`), but it can sit in its own queue (sent through its peer) or in
 * a cycle of queues (b queued towards d, d towards b).  Such ends are
 * unreachable once no handle names them, yet hold each other's
 * references.  channel_collect() finds them by trial deletion (Bacon and
 * Rajan's synchronous cycle collection, restricted to channel ends): from
 * an end without handles and with messages queued, take every end
 * reachable through queued messages, subtract the references those queues
 * hold; an end with references left is held from outside (a handle, a
 * waiter, another kind of message), and so is everything it reaches; the
 * rest is garbage: its queues are dropped, which destroys those ends, and
 * their peers see MT_ERR_PEER_CLOSED as if the last handle had been
 * closed.  Run after a write that queued ends and whenever an end loses
 * a reference (the ref_dropped hook); at most CHANNEL_GC_MAX ends are
 * examined per run (beyond that the run gives up: left alive, bounded
 * work).  Runs never nest: ends met meanwhile wait on gc_pending.
 */
#include <kernel/panic.h>
#include <kernel/process.h>
#include <kernel/slab.h>
#include <kernel/syscall.h>
#include <kernel/usercopy.h>
#include <string/string.h>

#define CHANNEL_SIGNALS (MT_SIGNAL_READABLE | MT_SIGNAL_WRITABLE | \
			 MT_SIGNAL_PEER_CLOSED)
#define CHANNEL_WRITE_FLAGS (MT_IPC_DUP_HANDLES | MT_IPC_GRANT)

struct channel_msg {
	struct list_node node;          /* the receiving end's queue */
	struct quota *quota;            /* the writer's, charged; one reference;
					   NULL: the receiving end's spare */
	uint64_t charge;                /* bytes charged: the allocation and
					   QUOTA_CAP_BYTES per handle */
	uint32_t nbytes;
	uint32_t nhandles;
	struct handle_in_flight handles[];  /* then nbytes of data */
};

struct channel_end {
	struct object obj;
	struct channel_end *peer;       /* NULL once the peer is destroyed */
	struct list_node queue;         /* incoming struct channel_msg */
	uint32_t queued;
	struct channel_msg *spare;      /* its own small message while free */
	/* channel_collect() scratch, meaningful while gc_epoch is current. */
	struct list_node gc_node;       /* the set examined, or gc_pending */
	uint64_t gc_epoch;
	uint32_t gc_count;              /* references from outside the set */
	bool gc_alive;
};

#define CHANNEL_GC_MAX 256
#define CHANNEL_SMALL  256              /* bytes: a kmalloc size class */

static struct list_node gc_pending = LIST_INIT(gc_pending);
static bool gc_running;
static uint64_t gc_epoch;

static inline struct channel_end *to_end(struct object *obj)
{
	return container_of(obj, struct channel_end, obj);
}

static inline uint8_t *msg_data(struct channel_msg *m)
{
	return (uint8_t *)&m->handles[m->nhandles];
}

/* Make the end's signals match its state (see the invariants). */
static void channel_update_signals(struct channel_end *e)
{
	mt_signals_t have = e->obj.signals & CHANNEL_SIGNALS;
	mt_signals_t want = 0;

	if (e->queued)
		want |= MT_SIGNAL_READABLE;
	if (!e->peer)
		want |= MT_SIGNAL_PEER_CLOSED;
	else if (e->peer->queued < MT_CHANNEL_QUEUE_MAX)
		want |= MT_SIGNAL_WRITABLE;
	if (want != have)
		object_signal(&e->obj, have & ~want, want & ~have);
}

/* ---- Messages ----------------------------------------------------------- */

/* A message for n handles and nbytes to be queued on `to`: its spare if
 * free and big enough, else one charged to quota q (the writer's); NULL
 * without memory.  Its handles are not filled in. */
static struct channel_msg *msg_alloc(struct channel_end *to, struct quota *q,
				     uint32_t nbytes, uint32_t n)
{
	size_t size = sizeof(struct channel_msg) +
		      n * sizeof(struct handle_in_flight) + nbytes;
	uint64_t charge = MAX(size, (size_t)CHANNEL_SMALL) +
			  (uint64_t)n * QUOTA_CAP_BYTES;
	struct channel_msg *m;

	if (size <= CHANNEL_SMALL && !n && to->spare) {
		m = to->spare;
		to->spare = NULL;
		q = NULL;
		charge = 0;
	} else {
		if (quota_charge(q, charge) != MT_OK)
			return NULL;
		m = kmalloc(MAX(size, (size_t)CHANNEL_SMALL));
		if (!m) {
			quota_uncharge(q, charge);
			return NULL;
		}
		if (q)
			quota_ref(q);
	}
	list_init(&m->node);
	m->quota = q;
	m->charge = charge;
	m->nbytes = nbytes;
	m->nhandles = n;
	return m;
}

/* Free a message that is on no queue; drop its handles unless they were
 * received (`handles_owned` false).  A spare goes back to its end `home`
 * (NULL: the end is going away). */
static void msg_free(struct channel_msg *m, bool handles_owned,
		     struct channel_end *home)
{
	struct quota *q = m->quota;

	if (handles_owned)
		handle_in_flight_drop(m->handles, m->nhandles);
	if (!m->charge && home) {
		assert(!home->spare);
		home->spare = m;
		return;
	}
	if (q) {
		quota_uncharge(q, m->charge);
		quota_put(q);
	}
	kfree(m);
}

/* Run `body` with f = every channel end carried by messages queued on e. */
#define for_each_queued_end(e, f, body)                                       \
	do {                                                                  \
		struct list_node *n_;                                         \
		for (n_ = (e)->queue.next; n_ != &(e)->queue; n_ = n_->next) { \
			struct channel_msg *m_ =                              \
				container_of(n_, struct channel_msg, node);   \
			for (uint32_t i_ = 0; i_ < m_->nhandles; i_++) {      \
				struct object *o_ =                           \
					handle_in_flight_obj(&m_->handles[i_]); \
				if (!o_ || o_->type != MT_OBJ_CHANNEL)        \
					continue;                             \
				struct channel_end *f = to_end(o_);           \
				body;                                         \
			}                                                     \
		}                                                             \
	} while (0)

/* ---- Cycle collection (see "Cycles" above) ------------------------------ */

static void msg_free(struct channel_msg *m, bool handles_owned,
		     struct channel_end *keep);

static bool gc_candidate(const struct channel_end *e)
{
	return e->obj.handle_count == 0 && e->queued > 0;
}

static void gc_add(struct list_node *set, struct channel_end *e)
{
	if (list_linked(&e->gc_node))
		list_remove(&e->gc_node);       /* was pending: examined now */
	e->gc_epoch = gc_epoch;
	e->gc_count = e->obj.refcount;
	e->gc_alive = false;
	list_add_tail(set, &e->gc_node);
}

/* The ends reachable from x through queues, each with the references
 * from outside the set; false if there are more than CHANNEL_GC_MAX. */
static bool gc_scan(struct list_node *set, struct channel_end *x)
{
	uint32_t size = 1;

	gc_epoch++;
	gc_add(set, x);
	for (struct list_node *n = set->next; n != set; n = n->next) {
		struct channel_end *e = container_of(n, struct channel_end, gc_node);
		for_each_queued_end(e, f, {
			if (f->gc_epoch != gc_epoch) {
				if (size++ == CHANNEL_GC_MAX)
					return false;
				gc_add(set, f);
			}
			f->gc_count--;
		});
	}
	return true;
}

/* Mark alive every end of the set held from outside and all it reaches. */
static void gc_mark_alive(struct list_node *set)
{
	bool changed = true;
	struct list_node *n;

	for (n = set->next; n != set; n = n->next) {
		struct channel_end *e = container_of(n, struct channel_end, gc_node);
		e->gc_alive = e->gc_count > 0;
	}
	while (changed) {
		changed = false;
		for (n = set->next; n != set; n = n->next) {
			struct channel_end *e = container_of(n, struct channel_end, gc_node);
			if (!e->gc_alive)
				continue;
			for_each_queued_end(e, f, {
				if (!f->gc_alive) {
					f->gc_alive = true;
					changed = true;
				}
			});
		}
	}
}

/* Examine x; if it is garbage, drop the queues of every garbage end. */
static void gc_examine(struct channel_end *x)
{
	struct list_node set, dead, *n;
	bool complete;

	list_init(&set);
	list_init(&dead);
	complete = gc_scan(&set, x);
	if (complete)
		gc_mark_alive(&set);
	while ((n = list_pop_front(&set))) {
		struct channel_end *e = container_of(n, struct channel_end, gc_node);
		struct list_node *m;
		if (!complete || e->gc_alive || x->gc_alive)
			continue;
		while ((m = list_pop_front(&e->queue)))
			list_add_tail(&dead, m);
		e->queued = 0;
		channel_update_signals(e);
		if (e->peer)
			channel_update_signals(e->peer);
	}
	/* Only now do references go: this destroys the garbage ends. */
	while ((n = list_pop_front(&dead)))
		msg_free(container_of(n, struct channel_msg, node), true, NULL);
}

/* Examine the pending ends, unless a run is already going on. */
static void gc_run(void)
{
	struct list_node *n;

	if (gc_running)
		return;
	gc_running = true;
	while ((n = list_pop_front(&gc_pending))) {
		struct channel_end *e = container_of(n, struct channel_end, gc_node);
		if (gc_candidate(e))
			gc_examine(e);
	}
	gc_running = false;
}

static void gc_defer(struct channel_end *e)
{
	if (!list_linked(&e->gc_node))
		list_add_tail(&gc_pending, &e->gc_node);
}

static void channel_ref_dropped(struct object *obj)
{
	struct channel_end *e = to_end(obj);

	if (gc_candidate(e)) {
		gc_defer(e);
		gc_run();
	}
}

/* ---- The end objects ---------------------------------------------------- */

static void channel_destroy(struct object *obj)
{
	struct channel_end *e = to_end(obj);
	struct channel_end *peer = e->peer;
	struct list_node *n;

	if (list_linked(&e->gc_node))
		list_remove(&e->gc_node);       /* pending in a collection */
	if (peer) {
		peer->peer = NULL;
		e->peer = NULL;
		channel_update_signals(peer);
	}
	while ((n = list_pop_front(&e->queue))) {
		e->queued--;
		msg_free(container_of(n, struct channel_msg, node), true, NULL);
	}
	kfree(e->spare);
	kfree(e);
}

static const struct object_ops channel_ops = {
	.name = "channel",
	.destroy = channel_destroy,
	.ref_dropped = channel_ref_dropped,
};

/* Two connected ends, one reference each; MT_ERR_NO_MEMORY. */
static mt_status_t channel_create(struct channel_end **a, struct channel_end **b)
{
	struct channel_end *e0 = kzalloc(sizeof(*e0));
	struct channel_end *e1 = kzalloc(sizeof(*e1));
	struct channel_msg *s0 = kmalloc(CHANNEL_SMALL);
	struct channel_msg *s1 = kmalloc(CHANNEL_SMALL);

	if (!e0 || !e1 || !s0 || !s1) {
		kfree(e0);
		kfree(e1);
		kfree(s0);
		kfree(s1);
		return MT_ERR_NO_MEMORY;
	}
	e0->spare = s0;
	e1->spare = s1;
	object_init(&e0->obj, MT_OBJ_CHANNEL, &channel_ops);
	object_init(&e1->obj, MT_OBJ_CHANNEL, &channel_ops);
	list_init(&e0->queue);
	list_init(&e1->queue);
	list_init(&e0->gc_node);
	list_init(&e1->gc_node);
	e0->peer = e1;
	e1->peer = e0;
	channel_update_signals(e0);
	channel_update_signals(e1);
	*a = e0;
	*b = e1;
	return MT_OK;
}

/* ---- System calls ------------------------------------------------------ */

/* copy_from_user / copy_to_user where an empty buffer may be NULL. */
static mt_status_t copy_in(void *dst, uintptr_t usrc, size_t len)
{
	return len ? copy_from_user(dst, usrc, len) : MT_OK;
}

static mt_status_t copy_out(uintptr_t udst, const void *src, size_t len)
{
	return len ? copy_to_user(udst, src, len) : MT_OK;
}

mt_status_t sys_channel_create(uintptr_t end0, uintptr_t end1)
{
	struct handle_table *t = &process_current()->handles;
	struct channel_end *a, *b;
	mt_handle_t h0, h1;
	mt_status_t r;

	if (!user_range_ok(end0, sizeof(h0)) || !user_range_ok(end1, sizeof(h1)))
		return MT_ERR_BAD_ADDRESS;
	r = channel_create(&a, &b);
	if (r != MT_OK)
		return r;
	r = object_charge(&a->obj, sizeof(*a) + CHANNEL_SMALL);   /* and spare */
	if (r == MT_OK &&
	    (r = object_charge(&b->obj, sizeof(*b) + CHANNEL_SMALL)) == MT_OK)
		r = handle_install(t, &a->obj, MT_RIGHTS_ALL, &h0);
	if (r == MT_OK) {
		r = handle_install(t, &b->obj, MT_RIGHTS_ALL, &h1);
		if (r != MT_OK)
			handle_remove(t, h0);
	}
	if (r == MT_OK) {
		r = copy_to_user(end0, &h0, sizeof(h0));
		if (r == MT_OK)
			r = copy_to_user(end1, &h1, sizeof(h1));
		if (r != MT_OK) {
			handle_remove(t, h0);
			handle_remove(t, h1);
		}
	}
	object_unref(&a->obj);          /* the handles hold them now (or nobody) */
	object_unref(&b->obj);
	return r;
}

/* Can `end` take a message for its peer now?  (Checks, no change.) */
static mt_status_t channel_can_write(struct channel_end *end)
{
	if (!end->peer)
		return MT_ERR_PEER_CLOSED;
	if (end->peer->queued >= MT_CHANNEL_QUEUE_MAX)
		return MT_ERR_SHOULD_WAIT;
	return MT_OK;
}

/* Check everything (arguments, peer, room, user memory, every handle),
 * then queue.  The handles are consumed only once all checks passed. */
mt_status_t sys_channel_write(mt_handle_t channel, uintptr_t bytes, size_t nbytes,
			      uintptr_t handles, size_t handles_size, uint64_t flags)
{
	struct process *self = process_current();
	mt_handle_t hs[MT_CHANNEL_HANDLES_MAX];
	struct handle_entry *e;
	struct channel_end *end, *peer;
	struct channel_msg *m;
	uint32_t n;
	mt_status_t r = handle_get(channel, MT_OBJ_CHANNEL, MT_RIGHT_WRITE, &e);

	if (r != MT_OK)
		return r;
	end = to_end(e->obj);
	if ((flags & ~CHANNEL_WRITE_FLAGS) || nbytes > MT_CHANNEL_MSG_MAX ||
	    handles_size % sizeof(mt_handle_t) || handles_size > sizeof(hs))
		return MT_ERR_INVALID_ARGS;
	n = (uint32_t)(handles_size / sizeof(mt_handle_t));
	if (nbytes && !user_range_ok(bytes, nbytes))
		return MT_ERR_BAD_ADDRESS;
	if ((r = copy_in(hs, handles, handles_size)) != MT_OK ||
	    (r = channel_can_write(end)) != MT_OK)
		return r;
	m = msg_alloc(end->peer, self->quota, (uint32_t)nbytes, n);
	if (!m)
		return MT_ERR_NO_MEMORY;
	r = copy_in(msg_data(m), bytes, nbytes);
	if (r == MT_OK && n)
		r = handle_send_take(&self->handles, hs, n, flags & MT_IPC_DUP_HANDLES,
				     &end->obj, flags & MT_IPC_GRANT, self->aspace,
				     m->handles);
	if (r != MT_OK) {
		msg_free(m, false, end->peer);  /* holds no handle yet */
		return r;
	}
	/* Taking the handles moved references into m, so none of them went
	 * away: the channel is as it was checked. */
	peer = end->peer;
	list_add_tail(&peer->queue, &m->node);
	if (++peer->queued == 1)
		object_signal(&peer->obj, 0, MT_SIGNAL_READABLE);
	if (peer->queued == MT_CHANNEL_QUEUE_MAX)
		object_signal(&end->obj, MT_SIGNAL_WRITABLE, 0);
	if (!n)
		return MT_OK;
	for (uint32_t i = 0; i < n; i++) {      /* ends queued: a cycle? */
		struct object *o = handle_in_flight_obj(&m->handles[i]);
		if (o->type == MT_OBJ_CHANNEL && gc_candidate(to_end(o)))
			gc_defer(to_end(o));
	}
	gc_run();
	return MT_OK;
}

/* The *actual word for message m at the head of e's queue (the layout is
 * in abi/syscalls.def). */
static uint64_t actual_of(const struct channel_end *e, const struct channel_msg *m)
{
	uint64_t more = MIN(e->queued - 1, (uint32_t)MT_CHANNEL_ACTUAL_MORE_MAX);

	return m->nbytes | (uint64_t)m->nhandles << 32 | more << 48;
}

/* Take m, the head of e's queue, off it; its handles are the reader's. */
static void channel_dequeue(struct channel_end *e, struct channel_msg *m)
{
	list_remove(&m->node);
	if (--e->queued == 0)
		object_signal(&e->obj, MT_SIGNAL_READABLE, 0);
	if (e->queued == MT_CHANNEL_QUEUE_MAX - 1 && e->peer)
		object_signal(&e->peer->obj, 0, MT_SIGNAL_WRITABLE);
	msg_free(m, false, e);
}

/* The message stays queued until nothing can fail any more: the bytes are
 * copied out and the handle buffer probed before the handles go into the
 * table (all or nothing). */
static mt_status_t channel_read_handles(struct channel_end *end, struct channel_msg *m,
					uintptr_t bytes, uintptr_t handles)
{
	struct handle_table *t = &process_current()->handles;
	mt_handle_t values[MT_CHANNEL_HANDLES_MAX];
	size_t hsize = m->nhandles * sizeof(mt_handle_t);
	mt_status_t r;

	if (handle_table_count(t) + m->nhandles >= MT_HANDLES_MAX)
		return MT_ERR_NO_RESOURCES;
	memset(values, 0, hsize);
	if ((r = copy_out(bytes, msg_data(m), m->nbytes)) != MT_OK ||
	    (r = copy_out(handles, values, hsize)) != MT_OK ||
	    (r = handle_receive(t, m->handles, m->nhandles, values)) != MT_OK)
		return r;
	channel_dequeue(end, m);                /* its handles are ours now */
	/* The buffer was just written: this can only fail if another thread
	 * unmapped it meanwhile; the handles are then installed but unnamed,
	 * as if the caller had lost the values itself. */
	return copy_out(handles, values, hsize);
}

mt_status_t sys_channel_read(mt_handle_t channel, uintptr_t bytes, size_t bytes_cap,
			     uintptr_t handles, size_t handles_cap, uintptr_t actual)
{
	struct handle_entry *e;
	struct channel_end *end;
	struct channel_msg *m;
	uint64_t a;
	mt_status_t r = handle_get(channel, MT_OBJ_CHANNEL, MT_RIGHT_READ, &e);

	if (r != MT_OK)
		return r;
	end = to_end(e->obj);
	if (!user_range_ok(actual, sizeof(uint64_t)) ||
	    (bytes_cap && !user_range_ok(bytes, bytes_cap)) ||
	    (handles_cap && !user_range_ok(handles, handles_cap)))
		return MT_ERR_BAD_ADDRESS;
	if (list_empty(&end->queue))
		return end->peer ? MT_ERR_SHOULD_WAIT : MT_ERR_PEER_CLOSED;
	m = container_of(end->queue.next, struct channel_msg, node);
	a = actual_of(end, m);
	if ((r = copy_to_user(actual, &a, sizeof(a))) != MT_OK)
		return r;
	if (bytes_cap < m->nbytes ||
	    handles_cap / sizeof(mt_handle_t) < m->nhandles)
		return MT_ERR_BUFFER_TOO_SMALL;
	if (m->nhandles)
		return channel_read_handles(end, m, bytes, handles);
	if ((r = copy_out(bytes, msg_data(m), m->nbytes)) != MT_OK)
		return r;
	channel_dequeue(end, m);
	return MT_OK;
}
