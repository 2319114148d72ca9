/* Per-process handle tables (kernel/handle.h). */
#include <kernel/handle.h>
#include <kernel/panic.h>
#include <kernel/process.h>
#include <kernel/slab.h>
#include <kernel/syscall.h>
#include <kernel/usercopy.h>
#include <kernel/vm.h>


mt_status_t handle_table_init(struct handle_table *t)
{
	t->slots = kzalloc(MT_HANDLES_MAX * sizeof(struct handle_entry));
	if (!t->slots)
		return MT_ERR_NO_MEMORY;
	t->used = 0;
	t->hint = 1;
	return MT_OK;
}

static void handle_release(struct handle_entry *e)
{
	struct object *obj = e->obj;
	mt_rights_t rights = e->rights;

	e->obj = NULL;
	e->rights = 0;
	e->badge = 0;
	e->gen = (uint16_t)(e->gen % 0x7fff + 1);   /* next generation, never 0 */
	obj->handle_count--;
	if (obj->ops->handles_changed)
		obj->ops->handles_changed(obj, rights, -1);
	object_unref(obj);
}

void handle_table_destroy(struct handle_table *t)
{
	if (!t->slots)
		return;
	for (uint32_t i = 1; i < MT_HANDLES_MAX && t->used; i++) {
		if (t->slots[i].obj) {
			handle_release(&t->slots[i]);
			t->used--;
		}
	}
	kfree(t->slots);
	t->slots = NULL;
}

mt_status_t handle_install(struct handle_table *t, struct object *obj,
			   mt_rights_t rights, mt_handle_t *out)
{
	if (!t->slots || t->used >= MT_HANDLES_MAX - 1)
		return MT_ERR_NO_RESOURCES;
	for (uint32_t n = 0; n < MT_HANDLES_MAX - 1; n++) {
		uint32_t i = (t->hint + n - 1) % (MT_HANDLES_MAX - 1) + 1;
		struct handle_entry *e = &t->slots[i];
		if (e->obj)
			continue;
		if (!e->gen)
			e->gen = 1;
		e->obj = obj;
		e->rights = rights & MT_RIGHTS_ALL;
		e->badge = 0;
		object_ref(obj);
		obj->handle_count++;
		if (obj->ops->handles_changed)
			obj->ops->handles_changed(obj, e->rights, +1);
		t->used++;
		t->hint = i % (MT_HANDLES_MAX - 1) + 1;
		*out = HANDLE_MAKE(i, e->gen);
		return MT_OK;
	}
	return MT_ERR_NO_RESOURCES;
}

uint32_t handle_table_refs(const struct handle_table *t, const struct object *obj)
{
	uint32_t n = 0;

	for (uint32_t i = 1; t->slots && i < MT_HANDLES_MAX; i++)
		n += t->slots[i].obj == obj;
	return n;
}

mt_status_t handle_remove(struct handle_table *t, mt_handle_t h)
{
	struct handle_entry *e = handle_entry(t, h);

	if (!e)
		return MT_ERR_BAD_HANDLE;
	handle_release(e);
	t->used--;
	return MT_OK;
}

/* ---- Handles in messages ------------------------------------------------ */

/* Install obj with rights and badge (taking a reference). */
static mt_status_t handle_install_badged(struct handle_table *t, struct object *obj,
					 mt_rights_t rights, uint64_t badge,
					 mt_handle_t *out)
{
	mt_status_t r = handle_install(t, obj, rights, out);

	if (r == MT_OK)
		t->slots[HANDLE_INDEX(*out)].badge = badge;
	return r;
}

mt_status_t handle_send_take(struct handle_table *t, const mt_handle_t *hs,
			     uint32_t n, bool dup, const struct object *forbid,
			     bool grant, struct aspace *grant_from,
			     struct handle_in_flight *out)
{
	mt_rights_t need = MT_RIGHT_TRANSFER | (dup ? MT_RIGHT_DUPLICATE : 0);

	for (uint32_t i = 0; i < n; i++) {
		struct handle_entry *e;
		mt_status_t r = handle_lookup(t, hs[i], 0, need, &e);
		if (r != MT_OK)
			return r;
		if (e->obj == forbid)
			return MT_ERR_INVALID_ARGS;     /* a channel end through itself */
		for (uint32_t j = 0; j < i; j++)
			if (hs[j] == hs[i])
				return MT_ERR_INVALID_ARGS;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct handle_entry *e = handle_entry(t, hs[i]);
		out[i] = (struct handle_in_flight){ e->obj, e->rights, e->badge };
		object_ref(e->obj);
		if (grant && grant_from && e->obj->type == MT_OBJ_MEMORY)
			aspace_unmap_object(grant_from,
					    container_of(e->obj, struct memobj, obj));
		if (!dup)
			handle_remove(t, hs[i]);
	}
	return MT_OK;
}

mt_status_t handle_receive(struct handle_table *t, struct handle_in_flight *in,
			   uint32_t n, mt_handle_t *values)
{
	if (!t->slots || t->used + n >= MT_HANDLES_MAX)
		return MT_ERR_NO_RESOURCES;
	for (uint32_t i = 0; i < n; i++) {
		mt_status_t r = handle_install_badged(t, in[i].obj, in[i].rights,
						      in[i].badge, &values[i]);
		assert(r == MT_OK);             /* room was checked */
		object_unref(in[i].obj);        /* the message's reference */
	}
	return MT_OK;
}

void handle_in_flight_drop(struct handle_in_flight *in, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		object_unref(in[i].obj);
}

/* ---- System calls ------------------------------------------------------ */

mt_status_t handle_install_to_user(struct handle_table *t, struct object *obj,
				   mt_rights_t rights, uint64_t badge, uintptr_t uout)
{
	mt_handle_t h;
	mt_status_t r;

	if (!user_range_ok(uout, sizeof(h)))
		return MT_ERR_BAD_ADDRESS;
	r = handle_install_badged(t, obj, rights, badge, &h);
	if (r == MT_OK && (r = copy_to_user(uout, &h, sizeof(h))) != MT_OK)
		handle_remove(t, h);
	return r;
}

mt_status_t handle_give_user(struct object *obj, mt_rights_t rights, uintptr_t uout)
{
	return handle_install_to_user(&process_current()->handles, obj, rights, 0, uout);
}

mt_status_t sys_handle_badge(mt_handle_t handle, uint64_t badge, uintptr_t out)
{
	struct handle_entry *e;
	mt_status_t r = handle_get(handle, 0, MT_RIGHT_DUPLICATE, &e);

	if (r != MT_OK)
		return r;
	if (!badge || e->badge)
		return MT_ERR_INVALID_ARGS;
	return handle_install_to_user(&process_current()->handles, e->obj, e->rights,
				      badge, out);
}

mt_status_t sys_handle_close(mt_handle_t handle)
{
	return handle_remove(&process_current()->handles, handle);
}

static mt_rights_t derived_rights(mt_rights_t have, mt_rights_t want)
{
	return want == MT_RIGHT_SAME ? have : want;
}

mt_status_t sys_handle_duplicate(mt_handle_t handle, mt_rights_t rights, uintptr_t out)
{
	struct handle_entry *e;
	mt_status_t r = handle_get(handle, 0, MT_RIGHT_DUPLICATE, &e);

	if (r != MT_OK)
		return r;
	rights = derived_rights(e->rights, rights);
	if (rights & ~e->rights)
		return MT_ERR_INVALID_ARGS;     /* can only reduce */
	return handle_install_to_user(&process_current()->handles, e->obj, rights,
				      e->badge, out);
}

/* Replace in place: the slot keeps the object and gets the new rights and
 * the next generation, so the old value dies and no slot is needed. */
mt_status_t sys_handle_replace(mt_handle_t handle, mt_rights_t rights, uintptr_t out)
{
	struct handle_entry *e;
	mt_handle_t h;
	uint16_t gen;
	mt_status_t r = handle_get(handle, 0, 0, &e);

	if (r != MT_OK)
		return r;
	rights = derived_rights(e->rights, rights);
	if (rights & ~e->rights)
		return MT_ERR_INVALID_ARGS;
	gen = (uint16_t)(e->gen % 0x7fff + 1);
	h = HANDLE_MAKE(HANDLE_INDEX(handle), gen);
	r = copy_to_user(out, &h, sizeof(h));
	if (r != MT_OK)
		return r;
	e->gen = gen;
	if (e->obj->ops->handles_changed) {
		e->obj->ops->handles_changed(e->obj, rights, +1);
		e->obj->ops->handles_changed(e->obj, e->rights, -1);
	}
	e->rights = rights;
	return MT_OK;
}

mt_status_t sys_object_info(mt_handle_t handle, uintptr_t info)
{
	struct handle_entry *e;
	struct mt_object_info oi;
	mt_status_t r = handle_get(handle, 0, MT_RIGHT_INFO, &e);

	if (r != MT_OK)
		return r;
	oi = (struct mt_object_info){
		.koid = e->obj->koid, .type = e->obj->type, .rights = e->rights,
		.signals = e->obj->signals, .handle_count = e->obj->handle_count,
	};
	if (e->obj->type == MT_OBJ_MEMORY)
		oi.size = container_of(e->obj, struct memobj, obj)->size;
	return copy_to_user(info, &oi, sizeof(oi));
}
