/* Kernel-memory quotas (kernel/quota.h). */
#include <kernel/panic.h>
#include <kernel/quota.h>
#include <kernel/slab.h>

static struct list_node all_quotas = LIST_INIT(all_quotas);

static struct quota *quota_new(struct quota *parent, uint64_t limit)
{
	struct quota *q = kzalloc(sizeof(*q));

	if (!q)
		return NULL;
	list_add_tail(&all_quotas, &q->all);
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

bool quota_fits(struct quota *q, uint64_t bytes)
{
	struct quota *b;

	if (!q)
		return true;
	b = quota_bound(q);
	return bytes <= b->limit - b->used;
}

mt_status_t quota_charge(struct quota *q, uint64_t bytes)
{
	if (!quota_fits(q, bytes))
		return MT_ERR_NO_MEMORY;
	if (q)
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
	list_remove(&q->all);
	kfree(q);
}

/* What q's children account for in q->used. */
static uint64_t children_share(const struct quota *q)
{
	uint64_t sum = 0;

	for (struct list_node *n = all_quotas.next; n != &all_quotas; n = n->next) {
		const struct quota *c = container_of(n, struct quota, all);
		if (c->parent == q)
			sum += c->carved ? c->limit : c->used;
	}
	return sum;
}

void quota_check_all(void)
{
	for (struct list_node *n = all_quotas.next; n != &all_quotas; n = n->next) {
		const struct quota *q = container_of(n, struct quota, all);
		if (!q->refs)
			panic("invariant: quota %p has no reference", (const void *)q);
		if ((q->carved || !q->parent) && q->used > q->limit)
			panic("invariant: quota %p uses %lu of %lu", (const void *)q,
			      q->used, q->limit);
		if (q->carved && q->used > q->limit)
			panic("invariant: quota %p over its limit", (const void *)q);
		if (children_share(q) > q->used)
			panic("invariant: quota %p: children account for %lu, it uses %lu",
			      (const void *)q, children_share(q), q->used);
	}
}
