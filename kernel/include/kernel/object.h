/*
 * Kernel objects: the things handles name (process, thread, address space,
 * memory object, debug log).  Every object starts with a struct object.
 *
 * Lifetime: `refcount` counts every reference — each handle in any table
 * and each internal pointer (a thread's process, a mapping's memory
 * object, the scheduler's current thread...).  The object is destroyed
 * (ops->destroy, then freed) when it drops to zero.  `handle_count` counts
 * the handles only (for object_info).
 *
 * Signals: `signals` is the current set; object_signal() changes it and
 * wakes waiters whose wanted set now intersects it, and tells the port
 * observers (kernel/port.h) watching a bit that rose.  Observers hold no
 * reference: object_unref() detaches them before the object is destroyed.
 *
 * Registry: every live object is on one list (object_for_each), so the
 * invariant checker (kernel/debug/invariants.c) can reach objects that no
 * handle names.  Costs a list node per object and two link updates.
 *
 * Locking: single CPU for now; state changes run with interrupts disabled
 * where an interrupt handler could also touch them (wait queues, signals).
 */
#ifndef KERNEL_OBJECT_H
#define KERNEL_OBJECT_H

#include <kernel/types.h>
#include <kernel/wait.h>
#include <mantra/errors.h>
#include <mantra/types.h>

struct object;

struct object_ops {
	const char *name;
	void (*destroy)(struct object *obj);      /* release what it owns */
	/* Optional: a handle with `rights` was added (+1) or removed (-1). */
	void (*handles_changed)(struct object *obj, mt_rights_t rights, int delta);
	/* Optional: a reference went and others remain.  Lets a type see
	 * that only it still holds itself (a channel end whose last
	 * references sit in its own queue) and let go. */
	void (*ref_dropped)(struct object *obj);
	/* Optional, for the invariant checker (kernel/invariants.h): check
	 * the type's own state and call invariant_failed() if it is broken.
	 * Interrupts disabled; must not change anything. */
	void (*check)(struct object *obj);
};

struct object {
	uint32_t type;                  /* enum mt_obj_type */
	uint32_t refcount;
	uint32_t handle_count;
	mt_signals_t signals;
	uint64_t koid;
	const struct object_ops *ops;
	struct wait_queue waiters;      /* threads in object_wait_one */
	struct list_node observers;     /* struct port_observer.obj_node;
					   changed with interrupts disabled */
	struct quota *quota;            /* charged `charge` bytes (a reference),
					   or NULL: the kernel's own */
	uint64_t charge;
	struct list_node all_node;      /* the registry of live objects */
};

/* Charge `bytes` for obj to the calling process's quota (kernel/quota.h);
 * given back when the object is destroyed.  MT_ERR_NO_MEMORY: the caller
 * destroys the object (nothing is charged). */
mt_status_t object_charge(struct object *obj, uint64_t bytes) __must_check;

/* Hand a newly created object to the calling process: charge `bytes` for
 * it (object_charge), install a handle with `rights` and copy its value to
 * user memory at uout (handle_give_user).  Consumes the creator's
 * reference: on failure the object is destroyed. */
mt_status_t object_give_new(struct object *obj, uint64_t bytes, mt_rights_t rights,
			    uintptr_t uout) __must_check;

/* Initialise `obj` with one reference (the creator's). */
void object_init(struct object *obj, uint32_t type, const struct object_ops *ops);

static inline void object_ref(struct object *obj)
{
	obj->refcount++;
}

/* Drop a reference; destroys the object when it was the last. */
void object_unref(struct object *obj);

/* Clear then set signal bits, waking waiters that now see a wanted bit and
 * firing the port observers of every bit that rose (0 -> 1).  Safe with
 * interrupts disabled (interrupt handlers may signal). */
void object_signal(struct object *obj, mt_signals_t clear, mt_signals_t set);

/* Number of live kernel objects (for mt_debug_stats and leak tests). */
uint64_t object_live_count(void);

/* Call fn for every live object, oldest first.  fn must not create or
 * destroy objects.  Call with interrupts disabled (nothing may come or go
 * meanwhile). */
void object_for_each(void (*fn)(struct object *obj, void *ctx), void *ctx);

#endif /* KERNEL_OBJECT_H */
