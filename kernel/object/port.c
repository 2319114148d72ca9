/*
 * Ports (kernel/port.h): a FIFO of packets.  Two kinds share the queue:
 * user packets (mt_port_queue) and signal packets, which port observers
 * (watches) queue when a watched bit rises: one packet per rising edge.
 *
 * Full-queue policy.  mt_port_queue refuses a user packet once the port
 * holds MT_PORT_QUEUE_MAX packets (MT_ERR_SHOULD_WAIT).  A watch firing
 * then (or when the kernel heap is exhausted) is not dropped: it falls
 * back to the one packet reserved in every observer at mt_port_watch
 * time, and while that one is still queued further firings coalesce into
 * it (`observed` gains the object's current signals; `coalesced` counts
 * them).  So nothing is lost but edges; a port holds at most
 * MT_PORT_QUEUE_MAX packets plus one per watch (PORT_WATCHES_MAX), and an
 * observer firing in an interrupt handler never fails.
 *
 * Invariants (every field below changes with interrupts disabled):
 *   - `queue` holds the packets oldest first, `queued` counts them; the
 *     port raises MT_SIGNAL_READABLE iff the queue is non-empty.
 *   - An observer is on port->observers from mt_port_watch until freed
 *     (`watches` counts them); `pending` counts its packets on the queue.
 *     It is armed (on watched->observers) iff `watched` is non-NULL; ONCE
 *     observers disarm when they fire, every observer when its object is
 *     destroyed.  A disarmed observer is freed once `pending` is 0.
 *     Cancel and port destruction take its packets and free it at once.
 *
 * Ports cannot be watched (MT_ERR_WRONG_TYPE): firing an observer raises
 * READABLE on its port, and that goes no further, so object_signal never
 * nests more than one level deep.
 */
#include <kernel/arch.h>
#include <kernel/invariants.h>
#include <kernel/panic.h>
#include <kernel/port.h>
#include <kernel/process.h>
#include <kernel/slab.h>
#include <kernel/syscall.h>
#include <kernel/usercopy.h>

/* Every signal bit defined by the ABI (what a watch may ask for). */
#define SIGNALS_KNOWN (MT_SIGNAL_TERMINATED | MT_SIGNAL_FAULTED |            \
		       MT_SIGNAL_SUSPENDED | MT_SIGNAL_RUNNING |              \
		       MT_SIGNAL_READABLE | MT_SIGNAL_WRITABLE |              \
		       MT_SIGNAL_PEER_CLOSED | MT_SIGNAL_IRQ | MT_SIGNAL_USER_ALL)

struct port_observer;

struct port_packet {
	struct list_node node;          /* port->queue; self-linked when not */
	struct port_observer *owner;    /* NULL: a user packet */
	bool reserved;                  /* the observer's own: never freed */
	struct mt_port_packet pkt;
};

struct port_observer {
	struct list_node obj_node;      /* watched->observers while armed */
	struct list_node port_node;     /* port->observers, until freed */
	struct port *port;
	struct object *watched;         /* NULL: disarmed.  No reference */
	mt_signals_t signals;           /* what it waits for */
	uint32_t mode;                  /* MT_PORT_ONCE / MT_PORT_REPEATING */
	uint64_t key;
	uint32_t pending;               /* its packets on port->queue */
	struct port_packet reserve;     /* when the queue is full */
};

struct port {
	struct object obj;              /* first: see port_object() */
	struct list_node queue;         /* struct port_packet.node */
	struct list_node observers;     /* struct port_observer.port_node */
	uint32_t queued;
	uint32_t watches;
	uint64_t coalesced;             /* firings merged into a reserve */
};

static void port_enqueue(struct port *p, struct port_packet *pk)
{
	list_add_tail(&p->queue, &pk->node);
	p->queued++;
	if (pk->owner)
		pk->owner->pending++;
	object_signal(&p->obj, 0, MT_SIGNAL_READABLE);     /* wakes port_wait */
}

/* Take pk off the queue; the caller frees what needs freeing. */
static void port_dequeue(struct port *p, struct port_packet *pk)
{
	assert(list_linked(&pk->node) && p->queued > 0);
	list_remove(&pk->node);
	p->queued--;
	if (pk->owner)
		pk->owner->pending--;
	if (list_empty(&p->queue))      /* a fall: wakes nobody, and ports */
		p->obj.signals &= ~MT_SIGNAL_READABLE;  /* have no observers */
}

/* Free a packet of p just dequeued (user or signal); a reserve stays. */
static void packet_free(struct port *p, struct port_packet *pk)
{
	if (!pk->reserved) {
		kfree(pk);
		quota_uncharge(p->obj.quota, sizeof(*pk));
	}
}

/* ---- Observers ---------------------------------------------------------
 * Interrupts disabled. */

static void observer_disarm(struct port_observer *o)
{
	if (o->watched) {
		list_remove(&o->obj_node);
		o->watched = NULL;
	}
}

/* Free o, which must be disarmed with no packet queued. */
static void observer_free(struct port_observer *o)
{
	assert(!o->watched && !o->pending);
	list_remove(&o->port_node);
	o->port->watches--;
	quota_uncharge(o->port->obj.quota, sizeof(*o));
	kfree(o);
}

/* Take every queued packet of o off its port. */
static void observer_drop_packets(struct port_observer *o)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &o->port->queue) {
		struct port_packet *pk = container_of(n, struct port_packet, node);
		if (pk->owner == o) {
			port_dequeue(o->port, pk);
			packet_free(o->port, pk);
		}
	}
}

/* Report `current` (the watched object's signals): the observer's own
 * reserve packet if it is free (the common case of one packet in flight:
 * no allocation), else a new packet if the queue has room, else coalesce
 * into the queued reserve. */
static void observer_fire(struct port_observer *o, mt_signals_t current)
{
	struct port *p = o->port;
	struct port_packet *pk = NULL;

	if (!list_linked(&o->reserve.node)) {
		pk = &o->reserve;
		pk->reserved = true;
	} else if (p->queued < MT_PORT_QUEUE_MAX &&
		   quota_charge(p->obj.quota, sizeof(*pk)) == MT_OK) {
		if ((pk = kmalloc(sizeof(*pk))))
			pk->reserved = false;
		else
			quota_uncharge(p->obj.quota, sizeof(*pk));
	}
	if (pk) {
		list_init(&pk->node);
		pk->owner = o;
		pk->pkt = (struct mt_port_packet){ .key = o->key,
			.type = MT_PORT_PACKET_SIGNAL, .observed = current };
		port_enqueue(p, pk);
	} else {
		o->reserve.pkt.observed |= current;
		p->coalesced++;
	}
	if (o->mode == MT_PORT_ONCE)
		observer_disarm(o);
}

void port_observers_fire(struct object *obj, mt_signals_t rising)
{
	struct list_node *n, *tmp;

	/* Firing queues packets and signals ports, which have no observers;
	 * it frees nothing, so the walk is safe. */
	list_for_each_safe(n, tmp, &obj->observers) {
		struct port_observer *o = container_of(n, struct port_observer, obj_node);
		if (o->signals & rising)
			observer_fire(o, obj->signals);
	}
}

void port_observers_detach(struct object *obj)
{
	irqstate_t s = arch_irq_save();
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &obj->observers) {
		struct port_observer *o = container_of(n, struct port_observer, obj_node);
		observer_disarm(o);
		if (!o->pending)
			observer_free(o);   /* else when its packets go */
	}
	arch_irq_restore(s);
}

/* ---- The port object ---------------------------------------------------- */

/* The last reference went: no thread waits (they hold references), so
 * only the observers (reachable from watched objects) need unlinking. */
static void port_destroy(struct object *obj)
{
	struct port *p = container_of(obj, struct port, obj);
	irqstate_t s = arch_irq_save();
	struct list_node *n;

	while ((n = list_pop_front(&p->queue))) {
		struct port_packet *pk = container_of(n, struct port_packet, node);
		if (pk->owner)
			pk->owner->pending--;
		packet_free(p, pk);
	}
	p->queued = 0;
	while ((n = p->observers.next) != &p->observers) {
		struct port_observer *o = container_of(n, struct port_observer, port_node);
		observer_disarm(o);
		observer_free(o);
	}
	arch_irq_restore(s);
	kfree(p);
}

/* The invariants at the top of this file (object_ops.check). */
static void port_check(struct object *obj)
{
	struct port *p = container_of(obj, struct port, obj);
	size_t queued = invariant_list(&p->queue, MT_PORT_QUEUE_MAX + PORT_WATCHES_MAX,
				       "port queue");
	size_t watches = invariant_list(&p->observers, PORT_WATCHES_MAX, "port observers");
	size_t owned = 0, pending = 0, allocated = 0;
	struct list_node *n;

	INVARIANT(queued == p->queued && watches == p->watches, "port %lu: %zu packets "
		  "and %zu watches listed, counts say %u and %u", obj->koid, queued,
		  watches, p->queued, p->watches);
	INVARIANT(!(obj->signals & MT_SIGNAL_READABLE) == !queued, "port %lu: %zu "
		  "packets but READABLE is %s", obj->koid, queued,
		  obj->signals & MT_SIGNAL_READABLE ? "up" : "down");
	for (n = p->queue.next; n != &p->queue; n = n->next) {
		struct port_packet *pk = container_of(n, struct port_packet, node);
		INVARIANT(!pk->owner || pk->owner->port == p, "port %lu queues a "
			  "packet of another port's watch", obj->koid);
		INVARIANT(pk->reserved == (pk->owner && pk == &pk->owner->reserve),
			  "port %lu: a packet's reserved flag is wrong", obj->koid);
		owned += pk->owner != NULL;
		allocated += !pk->reserved;
	}
	INVARIANT(allocated <= MT_PORT_QUEUE_MAX, "port %lu holds %zu allocated "
		  "packets", obj->koid, allocated);
	for (n = p->observers.next; n != &p->observers; n = n->next) {
		struct port_observer *o = container_of(n, struct port_observer, port_node);
		INVARIANT(o->port == p, "port %lu lists another port's watch", obj->koid);
		INVARIANT(o->watched ? list_linked(&o->obj_node) : o->pending > 0,
			  "port %lu: watch %lu is %s", obj->koid, o->key,
			  o->watched ? "armed but not on its object" :
				       "disarmed with nothing queued, yet not freed");
		pending += o->pending;
	}
	INVARIANT(pending == owned, "port %lu: watches count %zu packets pending, "
		  "%zu queued", obj->koid, pending, owned);
}

static const struct object_ops port_ops = {
	.name = "port",
	.destroy = port_destroy,
	.check = port_check,
};

mt_status_t port_create(struct port **out)
{
	struct port *p = kzalloc(sizeof(*p));

	if (!p)
		return MT_ERR_NO_MEMORY;
	object_init(&p->obj, MT_OBJ_PORT, &port_ops);
	list_init(&p->queue);
	list_init(&p->observers);
	*out = p;
	return MT_OK;
}

uint32_t port_queued(const struct port *p)
{
	return p->queued;
}

mt_status_t port_watch(struct port *p, struct object *obj, mt_signals_t signals,
		       uint64_t key, uint32_t mode)
{
	struct port_observer *o;
	irqstate_t s;

	if (!signals || (signals & ~SIGNALS_KNOWN) ||
	    (mode != MT_PORT_ONCE && mode != MT_PORT_REPEATING))
		return MT_ERR_INVALID_ARGS;
	if (obj->type == MT_OBJ_PORT)
		return MT_ERR_WRONG_TYPE;
	if (p->watches >= PORT_WATCHES_MAX)
		return MT_ERR_NO_RESOURCES;
	if (quota_charge(p->obj.quota, sizeof(*o)) != MT_OK)
		return MT_ERR_NO_MEMORY;
	o = kzalloc(sizeof(*o));
	if (!o) {
		quota_uncharge(p->obj.quota, sizeof(*o));
		return MT_ERR_NO_MEMORY;
	}
	o->port = p;
	o->signals = signals;
	o->mode = mode;
	o->key = key;
	o->reserve.reserved = true;
	list_init(&o->reserve.node);
	s = arch_irq_save();
	list_add_tail(&p->observers, &o->port_node);
	p->watches++;
	list_add_tail(&obj->observers, &o->obj_node);
	o->watched = obj;
	if (obj->signals & signals)
		observer_fire(o, obj->signals);     /* already raised: now */
	arch_irq_restore(s);
	return MT_OK;
}

mt_status_t port_cancel(struct port *p, uint64_t key)
{
	irqstate_t s = arch_irq_save();
	struct list_node *n, *tmp;
	bool found = false;

	list_for_each_safe(n, tmp, &p->observers) {
		struct port_observer *o = container_of(n, struct port_observer, port_node);
		if (o->key != key)
			continue;
		observer_disarm(o);
		observer_drop_packets(o);
		observer_free(o);
		found = true;
	}
	arch_irq_restore(s);
	return found ? MT_OK : MT_ERR_NOT_FOUND;
}

mt_status_t port_queue_user(struct port *p, const struct mt_port_packet *pkt)
{
	struct port_packet *pk;
	irqstate_t s;

	if (p->queued >= MT_PORT_QUEUE_MAX)
		return MT_ERR_SHOULD_WAIT;
	if (quota_charge(p->obj.quota, sizeof(*pk)) != MT_OK)
		return MT_ERR_NO_MEMORY;
	pk = kmalloc(sizeof(*pk));
	if (!pk) {
		quota_uncharge(p->obj.quota, sizeof(*pk));
		return MT_ERR_SHOULD_WAIT;      /* no heap counts as full */
	}
	list_init(&pk->node);
	pk->owner = NULL;
	pk->reserved = false;
	pk->pkt = *pkt;
	pk->pkt.type = MT_PORT_PACKET_USER;
	s = arch_irq_save();
	port_enqueue(p, pk);
	arch_irq_restore(s);
	return MT_OK;
}

/* Remove pk if it is still the oldest packet of p (port_peek returned it),
 * and free what it leaves behind (the packet, a disarmed observer with
 * nothing queued).  pk is not dereferenced unless still at the head. */
static void port_remove(struct port *p, struct port_packet *pk)
{
	irqstate_t s = arch_irq_save();
	struct port_observer *o;

	if (p->queue.next == &pk->node) {
		o = pk->owner;
		port_dequeue(p, pk);
		packet_free(p, pk);
		if (o && !o->watched && !o->pending)
			observer_free(o);
	}
	arch_irq_restore(s);
}

/* The oldest packet (still queued) and a copy of it, or NULL. */
static struct port_packet *port_peek(struct port *p, struct mt_port_packet *copy)
{
	irqstate_t s = arch_irq_save();
	struct port_packet *pk = NULL;

	if (!list_empty(&p->queue)) {
		pk = container_of(p->queue.next, struct port_packet, node);
		*copy = pk->pkt;
	}
	arch_irq_restore(s);
	return pk;
}

bool port_take(struct port *p, struct mt_port_packet *out)
{
	struct port_packet *pk = port_peek(p, out);

	if (pk)
		port_remove(p, pk);
	return pk != NULL;
}

/* ---- System calls ------------------------------------------------------ */

mt_status_t sys_port_create(uintptr_t out)
{
	struct port *p;
	mt_status_t r;

	if (!user_range_ok(out, sizeof(mt_handle_t)))
		return MT_ERR_BAD_ADDRESS;
	r = port_create(&p);
	if (r != MT_OK)
		return r;
	r = object_charge(&p->obj, sizeof(*p));
	if (r == MT_OK)
		r = handle_give_user(&p->obj, MT_RIGHTS_ALL, out);
	object_unref(&p->obj);          /* the handle holds it now (or nobody) */
	return r;
}

mt_status_t sys_port_watch(mt_handle_t port, mt_handle_t handle, mt_signals_t signals,
			   uint64_t key, uint32_t mode)
{
	struct handle_entry *pe, *oe;
	mt_status_t r = handle_get(port, MT_OBJ_PORT, MT_RIGHT_WRITE, &pe);

	if (r == MT_OK)
		r = handle_get(handle, 0, MT_RIGHT_WAIT, &oe);
	if (r != MT_OK)
		return r;
	return port_watch(container_of(pe->obj, struct port, obj), oe->obj,
			  signals, key, mode);
}

mt_status_t sys_port_cancel(mt_handle_t port, uint64_t key)
{
	struct handle_entry *e;
	mt_status_t r = handle_get(port, MT_OBJ_PORT, MT_RIGHT_WRITE, &e);

	if (r != MT_OK)
		return r;
	return port_cancel(container_of(e->obj, struct port, obj), key);
}

mt_status_t sys_port_queue(mt_handle_t port, uintptr_t packet)
{
	struct handle_entry *e;
	struct mt_port_packet pkt;
	mt_status_t r = handle_get(port, MT_OBJ_PORT, MT_RIGHT_WRITE, &e);

	if (r == MT_OK)
		r = copy_from_user(&pkt, packet, sizeof(pkt));
	if (r != MT_OK)
		return r;
	return port_queue_user(container_of(e->obj, struct port, obj), &pkt);
}

/* Block until p holds a packet or the wait ends; the reason it ended
 * (WAKE_NONE / WAKE_SIGNALED: a packet is there). */
static enum wake_reason port_block(struct port *p, mt_time_t deadline)
{
	enum wake_reason why = WAKE_NONE;
	irqstate_t s = arch_irq_save();

	thread_current()->wait_signals = MT_SIGNAL_READABLE;   /* see thread.h */
	while (list_empty(&p->queue) && why != WAKE_TIMEOUT &&
	       why != WAKE_INTERRUPTED)
		why = wait_block(&p->obj.waiters, deadline);
	if (!list_empty(&p->queue) && why != WAKE_INTERRUPTED)
		why = WAKE_SIGNALED;
	arch_irq_restore(s);
	return why;
}

/* Restartable like mt_object_wait_one: the deadline is absolute and no
 * state is kept, so a suspension re-issues the call.  The packet is copied
 * out before it is removed: a bad pointer loses nothing. */
mt_status_t sys_port_wait(mt_handle_t port, mt_time_t deadline, uintptr_t packet)
{
	struct handle_entry *e;
	struct mt_port_packet pkt;
	struct port_packet *pk;
	struct port *p;
	enum wake_reason why;
	mt_status_t r = handle_get(port, MT_OBJ_PORT, MT_RIGHT_READ, &e);

	if (r != MT_OK)
		return r;
	if (!user_range_ok(packet, sizeof(pkt)))
		return MT_ERR_BAD_ADDRESS;
	p = container_of(e->obj, struct port, obj);
	object_ref(&p->obj);            /* the handle may be closed meanwhile */
	why = port_block(p, deadline);
	if (why == WAKE_SIGNALED) {
		pk = port_peek(p, &pkt);
		r = copy_to_user(packet, &pkt, sizeof(pkt));
		if (r == MT_OK)
			port_remove(p, pk);
	} else if (why == WAKE_INTERRUPTED) {
		r = thread_current()->flags & THREAD_KILL ? MT_ERR_CANCELED
							  : SYSCALL_RESTART;
	} else {
		r = MT_ERR_TIMED_OUT;
	}
	object_unref(&p->obj);
	return r;
}
