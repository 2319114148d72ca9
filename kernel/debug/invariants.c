/*
 * The invariant checker (kernel/invariants.h).
 *
 * One pass over the registry of live objects (object_for_each) counts
 * every reference the checker can see — handle-table slots, a thread's
 * process, a process's address space, a mapping's memory object, the
 * scheduler's hold on a started thread, a waiter's hold on what it waits
 * on, a caller's endpoint and the handles its call carries — into a
 * census keyed by object.  A second pass compares: handle_count must equal
 * the slots naming the object, refcount must be at least the references
 * counted (some, such as channel messages, are private to their type),
 * an endpoint's receive_handles must equal its handles with READ.  The
 * same passes check each thread against the queues it claims to be on
 * and against its IPC partner, each process against its threads, and
 * call the type's own check (object_ops.check).  Then the scheduler's
 * queues (sched_check), the slab caches (kmem_check) and the frame
 * allocator (pmm_check).
 *
 * Everything runs with interrupts disabled, so nothing moves meanwhile;
 * the census table is allocated first, a page at a time (no large
 * contiguous allocation).  Without memory for it the census is skipped
 * (and said so in the log); the other checks still run.
 */
#include <kernel/cap.h>
#include <kernel/invariants.h>
#include <kernel/ipc.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/pmm.h>
#include <kernel/port.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/syscall.h>
#include <kernel/vm.h>
#include <fmt/fmt.h>
#include <string/string.h>

#define HANDLE_GEN_MAX  0x7fffu

void invariant_failed(const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	panic("invariant: %s", what);
}

size_t invariant_list(const struct list_node *head, size_t max, const char *what)
{
	const struct list_node *n = head;
	size_t count = 0;

	do {
		INVARIANT(n->next && n->next->prev == n,
			  "%s: broken links at node %p", what, (const void *)n);
		n = n->next;
		if (n != head)
			INVARIANT(++count <= max, "%s: more than %zu nodes (a cycle?)",
				  what, max);
	} while (n != head);
	return count;
}

/* ---- The census: references counted per object ------------------------ */

struct census_entry {
	const struct object *obj;       /* NULL: empty slot */
	uint32_t handles;               /* table slots naming it */
	uint32_t refs;                  /* references counted */
	uint32_t reads;                 /* slots with MT_RIGHT_READ */
	uint32_t reserved;
};

#define CENSUS_PER_PAGE (PAGE_SIZE / sizeof(struct census_entry))

struct census {
	struct census_entry **pages;    /* NULL: no memory, census skipped */
	size_t npages;
	size_t mask;                    /* slots - 1 (a power of two) */
	/* Counts from the walk. */
	uint64_t objects, processes, threads;
	size_t run_linked, timer_linked, zombie_linked, running;
};

static void census_free(struct census *c)
{
	for (size_t i = 0; c->pages && i < c->npages; i++)
		if (c->pages[i])
			pmm_free_pages(virt_to_phys_direct(c->pages[i]), 1);
	kfree(c->pages);
	c->pages = NULL;
}

/* A table with room for twice `objects` entries; false without memory. */
static bool census_alloc(struct census *c, uint64_t objects)
{
	size_t slots = 64;

	while (slots < 2 * objects)
		slots *= 2;
	c->mask = slots - 1;
	c->npages = (slots + CENSUS_PER_PAGE - 1) / CENSUS_PER_PAGE;
	c->pages = kzalloc(c->npages * sizeof(c->pages[0]));
	if (!c->pages)
		return false;
	for (size_t i = 0; i < c->npages; i++) {
		paddr_t pa = pmm_alloc_page();
		if (!pa) {
			census_free(c);
			return false;
		}
		c->pages[i] = phys_to_virt(pa);
		memset(c->pages[i], 0, PAGE_SIZE);
	}
	return true;
}

static struct census_entry *census_slot(struct census *c, size_t i)
{
	return &c->pages[i / CENSUS_PER_PAGE][i % CENSUS_PER_PAGE];
}

/* The entry of obj; with `add`, a new one if it has none. */
static struct census_entry *census_find(struct census *c, const struct object *obj,
					bool add)
{
	size_t i = ((uintptr_t)obj >> 4) * 0x9e3779b97f4a7c15ull;

	for (size_t n = 0; n <= c->mask; n++, i++) {
		struct census_entry *e = census_slot(c, i & c->mask);
		if (e->obj == obj)
			return e;
		if (!e->obj) {
			if (!add)
				return NULL;
			e->obj = obj;
			return e;
		}
	}
	return NULL;
}

/* Count one reference to obj, held by `holder` (for the report). */
static struct census_entry *census_ref(struct census *c, const struct object *obj,
				       const char *holder)
{
	struct census_entry *e;

	if (!c->pages)
		return NULL;
	e = census_find(c, obj, false);
	INVARIANT(e, "%s refers to %p, which is not a live object", holder,
		  (const void *)obj);
	e->refs++;
	return e;
}

/* ---- Per-object checks (first pass) ------------------------------------ */

static const char *const thread_state_names[] = {
	"NEW", "RUNNABLE", "RUNNING", "BLOCKED", "SUSPENDED", "FAULTED", "DEAD",
};

/* Waiters of obj->waiters (object_wait_one, port_wait): blocked, each
 * holding a reference, none asleep while a signal it waits for is up
 * (a lost wake-up). */
static void check_waiters(struct census *c, struct object *obj)
{
	struct list_node *n;
	size_t max = thread_live_count() + 1;

	invariant_list(&obj->waiters.threads, max, "object waiters");
	for (n = obj->waiters.threads.next; n != &obj->waiters.threads; n = n->next) {
		struct thread *t = container_of(n, struct thread, wait_node);
		INVARIANT(t->state == THREAD_BLOCKED,
			  "thread %s waits on object %lu but is %s", t->name,
			  obj->koid, thread_state_names[t->state]);
		INVARIANT(!(obj->signals & t->wait_signals),
			  "thread %s sleeps on object %lu (%s) although signals %#x "
			  "it waits for are up (lost wake-up)", t->name, obj->koid,
			  obj->ops->name, obj->signals & t->wait_signals);
		census_ref(c, obj, "a waiter");
	}
}

/* A handle table: used slots hold live objects with known rights and
 * generations, free slots keep rights and badge 0 (the IPC fast path
 * relies on it), `used` is right. */
static void check_handles(struct census *c, struct process *p)
{
	struct handle_table *t = &p->handles;
	uint32_t used = 0;

	if (!t->slots) {
		INVARIANT(t->used == 0, "process %s: no handle table but %u used",
			  p->name, t->used);
		return;
	}
	INVARIANT(t->hint >= 1 && t->hint < MT_HANDLES_MAX,
		  "process %s: handle hint %u out of range", p->name, t->hint);
	INVARIANT(!t->slots[0].obj && !t->slots[0].rights,
		  "process %s: handle slot 0 is used", p->name);
	for (uint32_t i = 1; i < MT_HANDLES_MAX; i++) {
		struct handle_entry *e = &t->slots[i];
		struct census_entry *ce;

		if (!e->obj) {
			INVARIANT(!e->rights && !e->badge && !e->cap,
				  "process %s: free handle slot %u keeps rights %#x badge "
				  "%#lx or a capability",
				  p->name, i, e->rights, e->badge);
			INVARIANT(e->gen <= HANDLE_GEN_MAX,
				  "process %s: slot %u generation %#x", p->name, i, e->gen);
			continue;
		}
		used++;
		INVARIANT(e->gen >= 1 && e->gen <= HANDLE_GEN_MAX,
			  "process %s: handle slot %u has generation %#x", p->name, i, e->gen);
		/* The slot caches its capability's object, rights and badge. */
		INVARIANT(e->cap && e->cap->obj == e->obj && e->cap->rights == e->rights &&
			  e->cap->badge == e->badge && e->cap->table == t &&
			  e->cap->slot == i, "process %s: handle slot %u disagrees with "
			  "its capability", p->name, i);
		INVARIANT(!(e->rights & ~MT_RIGHTS_ALL),
			  "process %s: handle slot %u has unknown rights %#x", p->name, i,
			  e->rights);
		ce = census_ref(c, e->obj, "a handle");
		if (!ce)
			continue;
		ce->handles++;
		if (e->rights & MT_RIGHT_READ)
			ce->reads++;
	}
	INVARIANT(used == t->used, "process %s: %u handle slots used, table says %u",
		  p->name, used, t->used);
}

static void check_process(struct census *c, struct process *p)
{
	struct list_node *n;
	uint32_t threads = 0;

	c->processes++;
	check_handles(c, p);
	INVARIANT(p->aspace, "process %s has no address space", p->name);
	census_ref(c, &p->aspace->obj, "a process");
	invariant_list(&p->threads, MT_THREADS_MAX, "process threads");
	for (n = p->threads.next; n != &p->threads; n = n->next) {
		struct thread *t = container_of(n, struct thread, proc_node);
		INVARIANT(t->proc == p, "thread %s is on the list of process %s "
			  "but belongs to another", t->name, p->name);
		INVARIANT(t->state != THREAD_DEAD, "dead thread %s still on process %s",
			  t->name, p->name);
		INVARIANT(p->state != PROCESS_NEW || t->state == THREAD_NEW,
			  "process %s is NEW but its thread %s is %s", p->name, t->name,
			  thread_state_names[t->state]);
		threads++;
	}
	INVARIANT(threads == p->thread_count, "process %s: %u threads listed, "
		  "thread_count %u", p->name, threads, p->thread_count);
	if (p->state == PROCESS_DEAD) {
		INVARIANT(!p->handles.slots && p->thread_count == 0 && p->aspace->dead,
			  "dead process %s keeps handles, threads or mappings", p->name);
		INVARIANT(p->obj.signals & MT_SIGNAL_TERMINATED,
			  "dead process %s is not TERMINATED", p->name);
		INVARIANT(p->result.state >= MT_TASK_EXITED,
			  "dead process %s has result state %u", p->name, p->result.state);
	} else {
		INVARIANT(p->handles.slots, "live process %s has no handle table", p->name);
		INVARIANT(!(p->obj.signals & MT_SIGNAL_TERMINATED),
			  "live process %s is TERMINATED", p->name);
	}
}

/* The caller and server of a call point at each other. */
static void check_ipc(struct census *c, struct thread *t)
{
	struct ipc_thread *ipc = &t->ipc;

	INVARIANT(ipc->nhandles <= MT_IPC_HANDLES_MAX, "thread %s carries %u handles",
		  t->name, ipc->nhandles);
	for (uint32_t i = 0; i < ipc->nhandles; i++)
		if (handle_in_flight_obj(&ipc->handles[i]))     /* not revoked */
			census_ref(c, handle_in_flight_obj(&ipc->handles[i]),
				   "a call in flight");
	if (ipc->ep)
		census_ref(c, &ipc->ep->obj, "a queued caller");
	switch (ipc->state) {
	case IPC_QUEUED:
		/* Once woken (timeout, kill) it is off the queue until it runs
		 * and gives up; while it sleeps it must be on it, and someone
		 * must be able to receive its call. */
		INVARIANT(ipc->ep, "queued caller %s has no endpoint", t->name);
		INVARIANT(t->state != THREAD_BLOCKED || list_linked(&t->wait_node),
			  "queued caller %s sleeps off the senders queue", t->name);
		INVARIANT(t->state != THREAD_BLOCKED || ipc->ep->receive_handles,
			  "caller %s sleeps on endpoint %lu that nobody can receive on",
			  t->name, ipc->ep->obj.koid);
		break;
	case IPC_WAIT_REPLY:
		INVARIANT(ipc->served_by && ipc->served_by->ipc.reply_to == t,
			  "caller %s waits for a reply from %s, which does not owe it one",
			  t->name, ipc->served_by ? ipc->served_by->name : "nobody");
		break;
	default:
		break;
	}
	if (ipc->reply_to && ipc->reply_to != (struct thread *)1) {
		struct thread *caller = ipc->reply_to;
		INVARIANT(caller->ipc.state == IPC_WAIT_REPLY && caller->ipc.served_by == t,
			  "thread %s owes a reply to %s, which is not waiting for it",
			  t->name, caller->name);
	}
	if (t->state == THREAD_DEAD)
		INVARIANT(!ipc->reply_to && ipc->state != IPC_QUEUED &&
			  ipc->state != IPC_WAIT_REPLY && !ipc->nhandles && !ipc->ep,
			  "dead thread %s is still part of a call", t->name);
}

static void check_thread(struct census *c, struct thread *t)
{
	bool idle = t->flags & THREAD_IDLE;

	INVARIANT(t->state <= THREAD_DEAD, "thread %s in state %u", t->name, t->state);
	if (!idle) {
		c->threads++;
		INVARIANT(t->proc, "thread %s has no process", t->name);
		census_ref(c, &t->proc->obj, "a thread");
		INVARIANT(list_linked(&t->proc_node) == (t->state != THREAD_DEAD),
			  "thread %s (%s) on its process's list: %d", t->name,
			  thread_state_names[t->state], list_linked(&t->proc_node));
		/* The scheduler's reference: from start until reaped. */
		if ((t->state != THREAD_NEW && t->state != THREAD_DEAD) ||
		    list_linked(&t->zombie_node))
			census_ref(c, &t->obj, "the scheduler");
		check_ipc(c, t);
	}
	/* An idle thread stays RUNNING while others run (schedule()); any
	 * other is RUNNING iff it is some CPU's current thread. */
	INVARIANT(idle || (t->state == THREAD_RUNNING) == sched_running(t),
		  "thread %s is %s but %s the current thread of CPU %u", t->name,
		  thread_state_names[t->state], sched_running(t) ? "is" : "not",
		  t->cpu);
	INVARIANT(t->sc || t->passive, "thread %s has no scheduling context but is "
		  "not passive", t->name);
	INVARIANT(!list_linked(&t->run_node) || t->state == THREAD_RUNNABLE,
		  "thread %s is on a run queue but %s", t->name,
		  thread_state_names[t->state]);
	/* Runnable with time to run on (or a kill or suspension to act on,
	 * which runs on its own context): queued, or it would never run. */
	INVARIANT(t->state != THREAD_RUNNABLE || list_linked(&t->run_node) ||
		  (!t->sc && t->passive && !(t->flags & (THREAD_KILL | THREAD_SUSPEND))),
		  "thread %s is runnable with a scheduling context but on no run queue "
		  "(lost): flags %#x, passive %d, %s context, ipc state %u, woken %u",
		  t->name, t->flags, t->passive, t->sc == &t->own_sc ? "own" : "a donated",
		  t->ipc.state, t->wake_reason);
	INVARIANT(!list_linked(&t->wait_node) || t->state == THREAD_BLOCKED,
		  "thread %s is on a wait queue but %s", t->name,
		  thread_state_names[t->state]);
	INVARIANT(!list_linked(&t->timer_node) || t->state == THREAD_BLOCKED,
		  "thread %s is on the timer list but %s", t->name,
		  thread_state_names[t->state]);
	INVARIANT(!list_linked(&t->zombie_node) || t->state == THREAD_DEAD,
		  "thread %s is a zombie but %s", t->name, thread_state_names[t->state]);
	INVARIANT(t->state != THREAD_DEAD || (t->obj.signals & MT_SIGNAL_TERMINATED),
		  "dead thread %s is not TERMINATED", t->name);
	c->run_linked += list_linked(&t->run_node);
	c->timer_linked += list_linked(&t->timer_node);
	c->zombie_linked += list_linked(&t->zombie_node);
	c->running += !idle && t->state == THREAD_RUNNING;
}

/* Callers and receivers of an endpoint; never both waiting at once. */
static void check_endpoint(struct census *c, struct endpoint *ep)
{
	size_t max = thread_live_count() + 1;
	size_t senders = invariant_list(&ep->senders.threads, max, "endpoint senders");
	size_t receivers = invariant_list(&ep->receivers.threads, max,
					  "endpoint receivers");
	struct list_node *n;

	INVARIANT(!senders || !receivers, "endpoint %lu has %zu callers and %zu "
		  "receivers waiting at once", ep->obj.koid, senders, receivers);
	for (n = ep->senders.threads.next; n != &ep->senders.threads; n = n->next) {
		struct thread *t = container_of(n, struct thread, wait_node);
		INVARIANT(t->state == THREAD_BLOCKED && t->ipc.state == IPC_QUEUED &&
			  t->ipc.ep == ep, "caller %s on endpoint %lu is %s, ipc state %u",
			  t->name, ep->obj.koid, thread_state_names[t->state],
			  t->ipc.state);
	}
	for (n = ep->receivers.threads.next; n != &ep->receivers.threads; n = n->next) {
		struct thread *t = container_of(n, struct thread, wait_node);
		INVARIANT(t->state == THREAD_BLOCKED && !t->ipc.reply_to,
			  "receiver %s on endpoint %lu is %s or owes a reply", t->name,
			  ep->obj.koid, thread_state_names[t->state]);
		census_ref(c, &ep->obj, "a receiver");
	}
}

/* Every mapping holds its memory object. */
static void count_mappings(struct census *c, struct aspace *as)
{
	for (uint32_t i = 0; i < as->count && i < MT_MAPPINGS_MAX; i++)
		census_ref(c, &as->maps[i].mo->obj, "a mapping");
}

static void census_add(struct object *obj, void *ctx)
{
	struct census *c = ctx;

	c->objects++;
	if (c->pages)
		INVARIANT(census_find(c, obj, true), "census table full");
}

/* First pass: each object's own checks, and the references it holds. */
static void check_object(struct object *obj, void *ctx)
{
	struct census *c = ctx;

	INVARIANT(obj->ops && obj->type >= MT_OBJ_PROCESS && obj->type <= MT_OBJ_IRQ,
		  "object %lu at %p has type %u", obj->koid, (void *)obj, obj->type);
	INVARIANT(obj->refcount >= 1, "live %s %lu has no reference", obj->ops->name,
		  obj->koid);
	INVARIANT(obj->refcount >= obj->handle_count, "%s %lu: %u references but %u "
		  "handles", obj->ops->name, obj->koid, obj->refcount, obj->handle_count);
	invariant_list(&obj->observers, 2 * PORT_WATCHES_MAX * (object_live_count() + 1),
		       "object observers");
	check_waiters(c, obj);
	switch (obj->type) {
	case MT_OBJ_PROCESS:
		check_process(c, container_of(obj, struct process, obj));
		break;
	case MT_OBJ_THREAD:
		check_thread(c, container_of(obj, struct thread, obj));
		break;
	case MT_OBJ_ENDPOINT:
		check_endpoint(c, container_of(obj, struct endpoint, obj));
		break;
	case MT_OBJ_ASPACE:
		count_mappings(c, container_of(obj, struct aspace, obj));
		break;
	default:
		break;
	}
	if (obj->ops->check)
		obj->ops->check(obj);
}

/* Second pass: the counts against what each object says. */
static void check_census(struct object *obj, void *ctx)
{
	struct census *c = ctx;
	struct census_entry *e = census_find(c, obj, false);

	INVARIANT(e, "%s %lu vanished from the census", obj->ops->name, obj->koid);
	INVARIANT(e->handles == obj->handle_count, "%s %lu: handle_count %u, but %u "
		  "handle-table slots name it", obj->ops->name, obj->koid,
		  obj->handle_count, e->handles);
	INVARIANT(obj->refcount >= e->refs, "%s %lu: refcount %u, but %u references "
		  "were counted", obj->ops->name, obj->koid, obj->refcount, e->refs);
	if (obj->type == MT_OBJ_ENDPOINT) {
		struct endpoint *ep = container_of(obj, struct endpoint, obj);
		INVARIANT(ep->receive_handles == e->reads, "endpoint %lu: receive_handles "
			  "%u, but %u handles with READ", obj->koid, ep->receive_handles,
			  e->reads);
	}
}

/* ---- Hooks for the capability work ------------------------------------- */

/* The derivation tree of capabilities (kernel/cap.h): every capability
 * held, named by its slot, on its parent's list of children once, naming
 * a live object unless revoked. */
static void check_derivation_tree(void)
{
	cap_check_tree();
}

/* Quotas (kernel/quota.h): every node referenced, bound nodes within their
 * limits, children within their parent's use. */
static void check_quota_sums(void)
{
	quota_check_all();
}

/* ---- The whole check ---------------------------------------------------- */

uint64_t invariants_check(void)
{
	struct census c = { 0 };
	struct sched_census sc;
	irqstate_t s;

	if (!census_alloc(&c, object_live_count() + 16))
		klog(LOG_WARN, "invariants: no memory for the census; reference "
		     "counts not checked\n");
	s = arch_irq_save();
	object_for_each(census_add, &c);
	INVARIANT(c.objects == object_live_count(), "%lu objects on the registry, "
		  "%lu counted live", c.objects, object_live_count());
	object_for_each(check_object, &c);
	if (c.pages)
		object_for_each(check_census, &c);
	INVARIANT(c.processes == process_live_count(), "%lu processes, %lu counted live",
		  c.processes, process_live_count());
	INVARIANT(c.threads == thread_live_count(), "%lu threads, %lu counted live",
		  c.threads, thread_live_count());
	INVARIANT(c.running >= 1 && c.running <= arch_cpu_count(), "%zu threads "
		  "RUNNING on %u CPUs", c.running, arch_cpu_count());
	sched_check(&sc);
	INVARIANT(sc.queued + sc.throttled == c.run_linked, "%zu threads on run "
		  "queues and %zu throttled, %zu linked", sc.queued, sc.throttled,
		  c.run_linked);
	INVARIANT(sc.timed == c.timer_linked, "%zu threads on the timer list, %zu "
		  "linked", sc.timed, c.timer_linked);
	INVARIANT(sc.zombies == c.zombie_linked, "%zu zombies listed, %zu linked",
		  sc.zombies, c.zombie_linked);
	check_derivation_tree();
	check_quota_sums();
	kmem_check();
	pmm_check();
	arch_irq_restore(s);
	census_free(&c);
	return c.objects;
}

/* ---- System call --------------------------------------------------------- */

mt_status_t sys_debug_check(mt_handle_t log)
{
	struct handle_entry *e;
	mt_status_t r = handle_get(log, MT_OBJ_DEBUGLOG, MT_RIGHT_WRITE, &e);

	if (r != MT_OK)
		return r;
	invariants_check();
	return MT_OK;
}
