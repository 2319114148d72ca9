/*
 * Kernel-memory quotas.  Every process has a quota node; everything the
 * kernel allocates on a process's behalf is charged to one, in bytes:
 * objects it creates (with their handles' capabilities, threads with their
 * kernel stacks, ports with their packets and watches), messages it queues,
 * pages of its memory objects, its page tables.  A charge that does not fit
 * fails with MT_ERR_NO_MEMORY and changes nothing.
 *
 * Nodes form the process tree.  A new process's node passes its charges
 * through to its parent's (it counts them, and its parent's limit bounds
 * them), until the parent carves a quota out of its own for it
 * (mt_process_set_quota): the child's limit is then reserved in the
 * parent's node, and the child's charges stop at its own node.  So
 * `used` of a carved node (or the root) is its own charges plus those of
 * its pass-through descendants plus the limits of its carved children, and
 * never exceeds `limit`.
 *
 * A node lives while its process or anything charged to it does (`refs`);
 * when the last goes, a carved node gives its reservation back to its
 * parent.  A dying process releases what it holds (handles, threads,
 * mappings), so it returns every charge but those of objects that live on
 * in other processes' hands, which return theirs when they go.
 */
#ifndef KERNEL_QUOTA_H
#define KERNEL_QUOTA_H

#include <kernel/list.h>
#include <kernel/types.h>
#include <mantra/errors.h>
#include <mantra/types.h>

struct quota {
	uint64_t limit;                 /* carved or root: bytes */
	uint64_t used;                  /* bytes charged here (see above) */
	struct quota *parent;           /* one reference; NULL: the root */
	uint32_t refs;
	bool carved;                    /* limit reserved in the parent */
	struct list_node all;           /* every node, for quota_check_all */
};

/* Bytes charged for one capability (a handle or a handle in flight). */
#define QUOTA_CAP_BYTES 128

/* The root node (init's) with `limit` bytes; a new node for a child of
 * parent (pass-through); NULL without memory. */
struct quota *quota_root(uint64_t limit);
struct quota *quota_child(struct quota *parent);

static inline void quota_ref(struct quota *q)
{
	q->refs++;
}

void quota_put(struct quota *q);

/* Charge or uncharge bytes (q may be NULL: the kernel's own, free). */
mt_status_t quota_charge(struct quota *q, uint64_t bytes) __must_check;
/* Would quota_charge(q, bytes) succeed now?  (Changes nothing.) */
bool quota_fits(struct quota *q, uint64_t bytes);
void quota_uncharge(struct quota *q, uint64_t bytes);

/* Carve `limit` for q out of its parent's, or change it: MT_ERR_NO_MEMORY
 * if the parent lacks room, MT_ERR_BAD_STATE if q already uses more. */
mt_status_t quota_set_limit(struct quota *q, uint64_t limit) __must_check;

/* The node whose limit bounds q's charges (q itself when carved). */
struct quota *quota_bound(struct quota *q);

/* Panic unless every node is consistent: a bound node's use within its
 * limit, and what its children account for within its use (the debug
 * invariant checker). */
void quota_check_all(void);

#endif /* KERNEL_QUOTA_H */
