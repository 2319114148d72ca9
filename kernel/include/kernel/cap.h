/*
 * Capabilities and their derivation tree (after seL4's capability
 * derivation tree).  A capability is what a handle names: an object, the
 * rights held on it and a badge.  Every handle-table slot and every handle
 * travelling in a message holds exactly one capability; moving a handle
 * moves its capability, so the tree does not change when handles travel.
 *
 * Derivation.  Creating an object makes a root capability.  Duplicating a
 * handle (mt_handle_duplicate, a duplicating send) or minting a badge
 * makes a child of the original, with rights at most the original's.
 * Replacing a handle keeps its capability (the rights only shrink).
 *
 * Revocation.  cap_revoke() invalidates every capability derived from one
 * (its strict descendants), wherever they are: in a handle table (the slot
 * is freed: the value goes stale), in a queued message (it arrives as
 * MT_HANDLE_INVALID), or named by mappings of memory (unmapped, in every
 * address space).  A revoked capability drops its object reference at
 * once.  The work is bounded per call (CAP_REVOKE_BATCH); the system call
 * restarts until none is left (the atomic API: each step leaves a
 * consistent tree, and re-issuing the call continues).
 *
 * Lifetime.  `refs` counts the capability's holders: the slot or message
 * that holds it (one at most) and every mapping made through it.  When the
 * last goes, the capability leaves the tree; its children move up to its
 * parent, so revoking an ancestor still reaches them.
 *
 * Invariants (checked by cap_check_tree in the debug invariant checker):
 *   - c->parent == NULL, or c is on c->parent->children exactly once;
 *   - c->obj != NULL iff not revoked; a live capability holds one object
 *     reference;
 *   - c->table != NULL iff an installed handle-table slot holds c, and
 *     then c->table->slots[c->slot].cap == c.
 */
#ifndef KERNEL_CAP_H
#define KERNEL_CAP_H

#include <kernel/list.h>
#include <kernel/object.h>

struct handle_table;

struct cap {
	struct object *obj;             /* one reference; NULL: revoked */
	mt_rights_t rights;
	uint32_t refs;                  /* holder and mappings */
	uint64_t badge;
	uint64_t id;                    /* unique, for mappings made through it */
	struct cap *parent;             /* NULL: a root (or detached) */
	struct list_node children;      /* caps derived from this one */
	struct list_node sibling;       /* on parent->children */
	struct handle_table *table;     /* installed in, or NULL */
	uint32_t slot;
	bool mapped;                    /* some mapping was made through it */
};

/* Descendants revoked per step of cap_revoke. */
#define CAP_REVOKE_BATCH 64

/* A root capability for obj (taking a reference), or NULL without memory. */
struct cap *cap_create(struct object *obj, mt_rights_t rights, uint64_t badge);

/* A child of `parent` with `rights` (a subset) and `badge`, or NULL
 * without memory (or if parent is revoked). */
struct cap *cap_derive(struct cap *parent, mt_rights_t rights, uint64_t badge);

static inline void cap_ref(struct cap *c)
{
	c->refs++;
}

/* Drop a holder; the last one frees the capability (and its object
 * reference, unless revoked). */
void cap_unref(struct cap *c);

/* Revoke up to CAP_REVOKE_BATCH strict descendants of c.  Returns true
 * when none is left. */
bool cap_revoke(struct cap *c);

/* Capabilities alive (statistics and leak checks). */
uint64_t cap_live_count(void);

/* Panic unless the tree around every live capability is consistent
 * (debug invariant checker). */
void cap_check_tree(void);

#endif /* KERNEL_CAP_H */
