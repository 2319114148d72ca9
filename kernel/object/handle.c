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

/* Empty slot e; returns its capability, whose holder reference the
 * caller now owns.  The object is still referenced by the capability. */
static struct cap *handle_take(struct handle_table *t, struct handle_entry *e)
{
	struct object *obj = e->obj;
	mt_rights_t rights = e->rights;
	struct cap *c = e->cap;

	e->obj = NULL;
	e->rights = 0;
	e->badge = 0;
	e->cap = NULL;
	e->gen = (uint16_t)(e->gen % 0x7fff + 1);   /* next generation, never 0 */
	c->table = NULL;
	t->used--;
	quota_uncharge(t->quota, QUOTA_CAP_BYTES);
	obj->handle_count--;
	if (obj->ops->handles_changed)
		obj->ops->handles_changed(obj, rights, -1);
	return c;
}

static void handle_release(struct handle_table *t, struct handle_entry *e)
{
	cap_unref(handle_take(t, e));
}

void handle_slot_revoke(struct handle_table *t, uint32_t slot)
{
	handle_release(t, &t->slots[slot]);
}

void handle_table_destroy(struct handle_table *t)
{
	if (!t->slots)
		return;
	for (uint32_t i = 1; i < MT_HANDLES_MAX && t->used; i++)
		if (t->slots[i].obj)
			handle_release(t, &t->slots[i]);
	kfree(t->slots);
	t->slots = NULL;
}

/* Can t take n more handles: MT_ERR_NO_RESOURCES (the table is full, or
 * gone), MT_ERR_NO_MEMORY (its quota), or MT_OK.  Changes nothing. */
static mt_status_t handle_table_room(const struct handle_table *t, uint32_t n)
{
	if (!t->slots || t->used + n >= MT_HANDLES_MAX)
		return MT_ERR_NO_RESOURCES;
	if (!quota_fits(t->quota, (uint64_t)n * QUOTA_CAP_BYTES))
		return MT_ERR_NO_MEMORY;
	return MT_OK;
}

mt_status_t handle_install_cap(struct handle_table *t, struct cap *c,
			       mt_handle_t *out)
{
	struct object *obj = c->obj;
	mt_status_t r = handle_table_room(t, 1);

	assert(obj && !c->table);
	if (r != MT_OK)
		return r;
	r = quota_charge(t->quota, QUOTA_CAP_BYTES);
	assert(r == MT_OK);                     /* room was checked */
	for (uint32_t n = 0; n < MT_HANDLES_MAX - 1; n++) {
		uint32_t i = (t->hint + n - 1) % (MT_HANDLES_MAX - 1) + 1;
		struct handle_entry *e = &t->slots[i];
		if (e->obj)
			continue;
		if (!e->gen)
			e->gen = 1;
		e->obj = obj;
		e->rights = c->rights;
		e->badge = c->badge;
		e->cap = c;
		c->table = t;
		c->slot = i;
		obj->handle_count++;
		if (obj->ops->handles_changed)
			obj->ops->handles_changed(obj, e->rights, +1);
		t->used++;
		t->hint = i % (MT_HANDLES_MAX - 1) + 1;
		*out = HANDLE_MAKE(i, e->gen);
		return MT_OK;
	}
	panic("handle table %p: %u used, yet no free slot", (void *)t, t->used);
}

/* Install a capability made by `make` (NULL: no memory), or drop it. */
static mt_status_t install_new(struct handle_table *t, struct cap *c, mt_handle_t *out)
{
	mt_status_t r;

	if (!c)
		return MT_ERR_NO_MEMORY;
	r = handle_install_cap(t, c, out);
	if (r != MT_OK)
		cap_unref(c);
	return r;
}

mt_status_t handle_install(struct handle_table *t, struct object *obj,
			   mt_rights_t rights, mt_handle_t *out)
{
	mt_status_t r = handle_table_room(t, 1);   /* before making a cap */

	if (r != MT_OK)
		return r;
	return install_new(t, cap_create(obj, rights & MT_RIGHTS_ALL, 0), out);
}

uint32_t handle_table_refs(const struct handle_table *t, const struct object *obj)
{
	uint32_t n = 0, seen = 0;

	/* Stop after the last live slot: a young table's are the first. */
	for (uint32_t i = 1; t->slots && i < MT_HANDLES_MAX && seen < t->used; i++) {
		seen += t->slots[i].obj != NULL;
		n += t->slots[i].obj == obj;
	}
	return n;
}

mt_status_t handle_remove(struct handle_table *t, mt_handle_t h)
{
	struct handle_entry *e = handle_entry(t, h);

	if (!e)
		return MT_ERR_BAD_HANDLE;
	handle_release(t, e);
	return MT_OK;
}

mt_status_t handle_move(struct handle_table *from, mt_handle_t h,
		       struct handle_table *to, mt_handle_t *out)
{
	struct handle_entry *e = handle_entry(from, h);
	mt_status_t r;

	if (!e)
		return MT_ERR_BAD_HANDLE;
	if ((r = handle_table_room(to, 1)) != MT_OK)
		return r;
	r = handle_install_cap(to, handle_take(from, e), out);
	assert(r == MT_OK);                     /* room was checked */
	return r;
}

/* ---- Handles in messages ------------------------------------------------ */

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
	if (dup) {                      /* the derived capabilities first */
		for (uint32_t i = 0; i < n; i++) {
			struct handle_entry *e = handle_entry(t, hs[i]);
			out[i].cap = cap_derive(e->cap, e->rights, e->badge);
			if (!out[i].cap) {
				handle_in_flight_drop(out, i);
				return MT_ERR_NO_MEMORY;
			}
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		struct handle_entry *e = handle_entry(t, hs[i]);
		if (grant && grant_from && e->obj->type == MT_OBJ_MEMORY)
			aspace_unmap_object(grant_from,
					    container_of(e->obj, struct memobj, obj));
		if (!dup)
			out[i].cap = handle_take(t, e);
	}
	return MT_OK;
}

mt_status_t handle_receive(struct handle_table *t, struct handle_in_flight *in,
			   uint32_t n, mt_handle_t *values)
{
	mt_status_t room = handle_table_room(t, n);     /* all or nothing */

	if (room != MT_OK)
		return room;
	for (uint32_t i = 0; i < n; i++) {
		mt_status_t r;

		if (!in[i].cap->obj) {          /* revoked on the way */
			values[i] = MT_HANDLE_INVALID;
			cap_unref(in[i].cap);
			continue;
		}
		r = handle_install_cap(t, in[i].cap, &values[i]);
		assert(r == MT_OK);             /* room was checked */
	}
	return MT_OK;
}

void handle_in_flight_drop(struct handle_in_flight *in, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		cap_unref(in[i].cap);
}

/* ---- System calls ------------------------------------------------------ */

mt_status_t handle_install_to_user(struct handle_table *t, struct object *obj,
				   mt_rights_t rights, uint64_t badge, uintptr_t uout)
{
	mt_handle_t h;
	mt_status_t r;

	if (!user_range_ok(uout, sizeof(h)))
		return MT_ERR_BAD_ADDRESS;
	r = install_new(t, cap_create(obj, rights & MT_RIGHTS_ALL, badge), &h);
	if (r == MT_OK && (r = copy_to_user(uout, &h, sizeof(h))) != MT_OK)
		handle_remove(t, h);
	return r;
}

/* Install cap c in the caller's table and copy the value to uout; on a
 * bad pointer the handle goes again.  c is consumed either way. */
static mt_status_t install_cap_to_user(struct cap *c, uintptr_t uout)
{
	struct handle_table *t = &process_current()->handles;
	mt_handle_t h;
	mt_status_t r;

	if (!user_range_ok(uout, sizeof(h))) {
		if (c)
			cap_unref(c);
		return MT_ERR_BAD_ADDRESS;
	}
	r = install_new(t, c, &h);
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
	return install_cap_to_user(cap_derive(e->cap, e->rights, badge), out);
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
	return install_cap_to_user(cap_derive(e->cap, rights, e->badge), out);
}

/* One step of revocation; restarted until every derived capability is
 * gone (kernel/cap.h).  Needs no right: it only reaches what was derived
 * from the caller's own capability. */
mt_status_t sys_handle_revoke(mt_handle_t handle)
{
	struct handle_entry *e;
	mt_status_t r = handle_get(handle, 0, 0, &e);

	if (r != MT_OK)
		return r;
	return cap_revoke(e->cap) ? MT_OK : SYSCALL_RESTART;
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
	e->cap->rights = rights;
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
