/*
 * Handle tables: per process, MT_HANDLES_MAX slots.  A handle value is
 * (generation << 16) | index; index 0 is never used, so 0 is never a valid
 * handle.  A slot's generation changes each time it is freed, so a stale
 * handle value never names the slot's next object.
 *
 * Each live slot holds one capability (kernel/cap.h), which holds the
 * object reference; the slot keeps copies of its object, rights and badge
 * for the lookups (the capability only changes them by revocation, which
 * frees the slot).  Lookups check type and rights before the caller
 * touches anything (check, then act).
 */
#ifndef KERNEL_HANDLE_H
#define KERNEL_HANDLE_H

#include <kernel/cap.h>
#include <kernel/object.h>
#include <kernel/quota.h>

struct handle_entry {
	struct object *obj;         /* NULL: free; else cap->obj */
	mt_rights_t rights;         /* cap->rights */
	uint16_t gen;               /* 1..0x7fff */
	uint16_t reserved;
	uint64_t badge;             /* cap->badge */
	struct cap *cap;            /* one holder reference */
};

/* A power of two: ipc_fast.S indexes the table with a shift. */
_Static_assert(sizeof(struct handle_entry) == 32, "handle_entry layout");

struct handle_table {
	struct handle_entry *slots; /* MT_HANDLES_MAX entries, kzalloc'd */
	struct quota *quota;        /* charged QUOTA_CAP_BYTES per handle */
	uint32_t used;
	uint32_t hint;              /* where to start looking for a free slot */
};

/* Set up an empty table; MT_ERR_NO_MEMORY if its slots can't be had. */
mt_status_t handle_table_init(struct handle_table *t) __must_check;

/* Close every handle and free the slots. */
void handle_table_destroy(struct handle_table *t);

/* Install obj (taking a new reference) with rights, as a new root
 * capability; returns the handle value in *out, MT_ERR_NO_RESOURCES when
 * the table is full, MT_ERR_NO_MEMORY. */
mt_status_t handle_install(struct handle_table *t, struct object *obj,
			   mt_rights_t rights, mt_handle_t *out) __must_check;

/* Install capability c (taking over one holder reference of the caller's
 * on success) with a new handle value in *out; MT_ERR_NO_RESOURCES when
 * the table is full. */
mt_status_t handle_install_cap(struct handle_table *t, struct cap *c,
			       mt_handle_t *out) __must_check;

/* Revocation (kernel/cap.c) frees the slot holding a revoked capability. */
void handle_slot_revoke(struct handle_table *t, uint32_t slot);

#define HANDLE_INDEX(h) ((h) & 0xffffu)
#define HANDLE_GEN(h)   (((h) >> 16) & 0x7fffu)
#define HANDLE_MAKE(i, g) (((mt_handle_t)(g) << 16) | (mt_handle_t)(i))

/* The live entry a handle value names, or NULL. */
static inline struct handle_entry *handle_entry(struct handle_table *t, mt_handle_t h)
{
	uint32_t i = HANDLE_INDEX(h);
	struct handle_entry *e;

	if (!t->slots || i == 0 || i >= MT_HANDLES_MAX || (h & 0x80000000u))
		return NULL;
	e = &t->slots[i];
	if (!e->obj || e->gen != HANDLE_GEN(h))
		return NULL;
	return e;
}

/* Find a live handle.  type 0 means any type.  Checks the type first
 * (MT_ERR_WRONG_TYPE) then that every bit of `rights` is held
 * (MT_ERR_ACCESS_DENIED).  The object is not referenced: valid until the
 * caller returns to user space or closes the handle.  Inline: every
 * system call starts here. */
static inline __must_check mt_status_t
handle_lookup(struct handle_table *t, mt_handle_t h, uint32_t type,
	      mt_rights_t rights, struct handle_entry **out)
{
	struct handle_entry *e = handle_entry(t, h);

	if (!e)
		return MT_ERR_BAD_HANDLE;
	if (type && e->obj->type != type)
		return MT_ERR_WRONG_TYPE;
	if ((e->rights & rights) != rights)
		return MT_ERR_ACCESS_DENIED;
	*out = e;
	return MT_OK;
}

/* Remove a handle, dropping its reference. */
mt_status_t handle_remove(struct handle_table *t, mt_handle_t h);

/* Move handle h of `from` (its capability) to a new slot of `to`:
 * MT_ERR_BAD_HANDLE, or MT_ERR_NO_RESOURCES with nothing moved. */
mt_status_t handle_move(struct handle_table *from, mt_handle_t h,
			struct handle_table *to, mt_handle_t *out) __must_check;

/*
 * Handles in messages (endpoints and channels).  Sending is two steps:
 * handle_send_take() checks every handle first (live, TRANSFER, DUPLICATE
 * when duplicating, no repeats, not `forbid`) and only then takes them all:
 * moved out of the table (the capability travels), or duplicated (a
 * derived capability travels).  From then on the handles belong to the
 * message: handle_receive() installs them in the receiver's table (a
 * capability revoked meanwhile arrives as MT_HANDLE_INVALID),
 * handle_in_flight_drop() releases them if the message dies.  With
 * `grant`, memory objects are also unmapped from `grant_from` (Metta's
 * grant: the sender loses its pages).
 */
struct aspace;
struct handle_in_flight {
	struct cap *cap;                /* one holder reference */
};

/* The object a handle in flight names, NULL once revoked. */
static inline struct object *handle_in_flight_obj(const struct handle_in_flight *h)
{
	return h->cap->obj;
}

mt_status_t handle_send_take(struct handle_table *t, const mt_handle_t *hs,
			     uint32_t n, bool dup, const struct object *forbid,
			     bool grant, struct aspace *grant_from,
			     struct handle_in_flight *out) __must_check;
/* All-or-nothing: MT_ERR_NO_RESOURCES if t lacks room for n, installing
 * none (the caller still owns `in`).  On success `in` is consumed; a
 * revoked capability yields the value MT_HANDLE_INVALID. */
mt_status_t handle_receive(struct handle_table *t, struct handle_in_flight *in,
			   uint32_t n, mt_handle_t *values) __must_check;
void handle_in_flight_drop(struct handle_in_flight *in, uint32_t n);

/* How many slots of t name obj (a scan of the whole table). */
uint32_t handle_table_refs(const struct handle_table *t, const struct object *obj);

/* Live handles in the table. */
static inline uint32_t handle_table_count(const struct handle_table *t)
{
	return t->used;
}

#endif /* KERNEL_HANDLE_H */
