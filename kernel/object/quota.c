/* Kernel-memory quotas (kernel/quota.h). */
#include <kernel/panic.h>
#include <kernel/quota.h>
#include <kernel/slab.h>

static struct quota *quota_new(struct quota *parent, uint64_t limit)
{
	struct quota *q = kzalloc(sizeof(*q));

	if (!q)
		return NULL;
	q->limit = limit;
	q->parent = parent;
	q->refs = 1;
	if (parent)
		quota_ref(parent);
	return q;
}

struct quota *quota_root(uint64_t limit)
{
	return quota_new(NULL, limit);
}

struct quota *quota_child(struct quota *parent)
{
	return quota_new(parent, 0);
}

struct quota *quota_bound(struct quota *q)
{
	while (!q->carved && q->parent)
		q = q->parent;
	return q;
}

/* Add (or take away) bytes on the path from q to its bound. */
static void quota_add(struct quota *q, uint64_t bytes, bool add)
{
	for (;;) {
		if (add) {
			q->used += bytes;
		} else {
			assert(q->used >= bytes);
			q->used -= bytes;
		}
		if (q->carved || !q->parent)
			return;
		q = q->parent;
	}
}

mt_status_t quota_charge(struct quota *q, uint64_t bytes)
{
	struct quota *b;

	if (!q)
		return MT_OK;
	b = quota_bound(q);
	if (bytes > b->limit - b->used)
		return MT_ERR_NO_MEMORY;
	quota_add(q, bytes, true);
	return MT_OK;
}

void quota_uncharge(struct quota *q, uint64_t bytes)
{
	if (q)
		quota_add(q, bytes, false);
}

mt_status_t quota_set_limit(struct quota *q, uint64_t limit)
{
	uint64_t had = q->carved ? q->limit : q->used;
	mt_status_t r;

	if (!q->parent || limit < q->used)
		return MT_ERR_BAD_STATE;
	if (limit > had) {
		r = quota_charge(q->parent, limit - had);
		if (r != MT_OK)
			return r;
	} else {
		quota_uncharge(q->parent, had - limit);
	}
	q->carved = true;
	q->limit = limit;
	return MT_OK;
}

void quota_put(struct quota *q)
{
	assert(q->refs > 0);
	if (--q->refs)
		return;
	assert(q->used == 0);
	if (q->parent) {
		if (q->carved)
			quota_uncharge(q->parent, q->limit);
		quota_put(q->parent);
	}
	kfree(q);
}
