/* Kernel object lifetime and signals (kernel/object.h). */
#include <kernel/arch.h>
#include <kernel/object.h>
#include <kernel/panic.h>
#include <kernel/port.h>
#include <kernel/process.h>
#include <kernel/syscall.h>
#include <kernel/usercopy.h>

static uint64_t next_koid = 1;
static uint64_t live_objects;           /* the length of all_objects */
static struct list_node all_objects = LIST_INIT(all_objects);

void object_init(struct object *obj, uint32_t type, const struct object_ops *ops)
{
	obj->type = type;
	obj->refcount = 1;
	obj->handle_count = 0;
	obj->signals = 0;
	obj->koid = next_koid++;
	obj->ops = ops;
	wait_queue_init(&obj->waiters);
	list_init(&obj->observers);
	obj->quota = NULL;
	obj->charge = 0;
	list_add_tail(&all_objects, &obj->all_node);
	live_objects++;
}

mt_status_t object_charge(struct object *obj, uint64_t bytes)
{
	struct quota *q = process_current()->quota;
	mt_status_t r = quota_charge(q, bytes);

	if (r == MT_OK && q) {
		quota_ref(q);
		obj->quota = q;
		obj->charge = bytes;
	}
	return r;
}

mt_status_t object_give_new(struct object *obj, uint64_t bytes, mt_rights_t rights,
			    uintptr_t uout)
{
	mt_status_t r = object_charge(obj, bytes);

	if (r == MT_OK)
		r = handle_give_user(obj, rights, uout);
	object_unref(obj);              /* the handle holds it now (or nobody) */
	return r;
}

void object_unref(struct object *obj)
{
	assert(obj->refcount > 0);
	if (--obj->refcount) {
		if (obj->ops->ref_dropped)
			obj->ops->ref_dropped(obj);
		return;
	}
	struct quota *q = obj->quota;
	uint64_t charge = obj->charge;

	assert(list_empty(&obj->waiters.threads));
	port_observers_detach(obj);     /* no packet may name a dead object */
	list_remove(&obj->all_node);
	live_objects--;
	obj->ops->destroy(obj);     /* frees the object too */
	if (q) {
		quota_uncharge(q, charge);
		quota_put(q);
	}
}

void object_signal(struct object *obj, mt_signals_t clear, mt_signals_t set)
{
	irqstate_t s = arch_irq_save();
	mt_signals_t old = obj->signals, now = (old & ~clear) | set;

	obj->signals = now;
	if (set && !list_empty(&obj->waiters.threads))
		wait_wake_all(&obj->waiters, WAKE_SIGNALED);
	if ((now & ~old) && !list_empty(&obj->observers))
		port_observers_fire(obj, now & ~old);
	arch_irq_restore(s);
}

uint64_t object_live_count(void)
{
	return live_objects;
}

void object_for_each(void (*fn)(struct object *obj, void *ctx), void *ctx)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &all_objects)
		fn(container_of(n, struct object, all_node), ctx);
}

/* ---- System calls ------------------------------------------------------ */

/* Wait until one of `signals` is up or the deadline passes.  The wait is
 * restartable: it keeps no state but its arguments (the deadline is
 * absolute), so an interruption by a suspension simply re-issues it. */
mt_status_t sys_object_wait_one(mt_handle_t handle, mt_signals_t signals,
				mt_time_t deadline, uintptr_t observed)
{
	struct handle_entry *e;
	struct object *obj;
	enum wake_reason why = WAKE_NONE;
	mt_signals_t seen;
	irqstate_t s;
	mt_status_t r = handle_get(handle, 0, MT_RIGHT_WAIT, &e);

	if (r != MT_OK)
		return r;
	if (!user_range_ok(observed, sizeof(seen)))
		return MT_ERR_BAD_ADDRESS;
	obj = e->obj;
	object_ref(obj);                /* the handle may be closed meanwhile */
	thread_current()->wait_signals = signals;   /* for the invariant checker */
	s = arch_irq_save();
	while (!(obj->signals & signals) && why != WAKE_TIMEOUT &&
	       why != WAKE_INTERRUPTED)
		why = wait_block(&obj->waiters, deadline);
	seen = obj->signals;
	arch_irq_restore(s);
	object_unref(obj);
	if (why == WAKE_INTERRUPTED)
		return thread_current()->flags & THREAD_KILL ? MT_ERR_CANCELED
							     : SYSCALL_RESTART;
	r = copy_to_user(observed, &seen, sizeof(seen));
	if (r == MT_OK && !(seen & signals))
		r = MT_ERR_TIMED_OUT;
	return r;
}
