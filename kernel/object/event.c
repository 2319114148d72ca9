/*
 * Events (kernel/event.h): an object with nothing but signals.  Its holders
 * set and clear the user bits (MT_SIGNAL_USER_ALL) with mt_object_signal;
 * waiters (mt_object_wait_one) and port watches see the changes like any
 * other object's.  No other bit is ever raised on an event.
 */
#include <kernel/event.h>
#include <kernel/process.h>
#include <kernel/slab.h>
#include <kernel/syscall.h>
#include <kernel/usercopy.h>

struct event {
	struct object obj;
};

static void event_destroy(struct object *obj)
{
	kfree(container_of(obj, struct event, obj));
}

static const struct object_ops event_ops = {
	.name = "event",
	.destroy = event_destroy,
};

mt_status_t event_create(struct object **out)
{
	struct event *ev = kzalloc(sizeof(*ev));

	if (!ev)
		return MT_ERR_NO_MEMORY;
	object_init(&ev->obj, MT_OBJ_EVENT, &event_ops);
	*out = &ev->obj;
	return MT_OK;
}

/* ---- System calls ------------------------------------------------------ */

mt_status_t sys_event_create(uintptr_t out)
{
	struct object *ev;
	mt_status_t r;

	if (!user_range_ok(out, sizeof(mt_handle_t)))
		return MT_ERR_BAD_ADDRESS;
	r = event_create(&ev);
	if (r != MT_OK)
		return r;
	return object_give_new(ev, sizeof(struct event), MT_RIGHTS_ALL, out);
}

/* Only events carry user signals.  The handle may name any type (as
 * declared in syscalls.def), so the checks run: handle, the SIGNAL right,
 * then the type (MT_ERR_WRONG_TYPE), then the bits. */
mt_status_t sys_object_signal(mt_handle_t handle, mt_signals_t clear, mt_signals_t set)
{
	struct handle_entry *e;
	mt_status_t r = handle_get(handle, 0, MT_RIGHT_SIGNAL, &e);

	if (r != MT_OK)
		return r;
	if (e->obj->type != MT_OBJ_EVENT)
		return MT_ERR_WRONG_TYPE;
	if ((clear | set) & ~MT_SIGNAL_USER_ALL)
		return MT_ERR_INVALID_ARGS;
	object_signal(e->obj, clear, set);
	return MT_OK;
}
