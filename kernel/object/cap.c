/* Capabilities and the derivation tree (kernel/cap.h). */
#include <kernel/cap.h>
#include <kernel/handle.h>
#include <kernel/panic.h>
#include <kernel/slab.h>
#include <kernel/vm.h>

static struct kmem_cache *cap_cache;
static struct list_node all_caps = LIST_INIT(all_caps);
static uint64_t live_caps;
static uint64_t next_cap_id = 1;

struct cap_node {                       /* what cap_cache holds */
	struct cap cap;
	struct list_node all;           /* all_caps, for the checker */
};

static struct cap *cap_alloc(struct object *obj, mt_rights_t rights, uint64_t badge)
{
	struct cap_node *n;

	if (!cap_cache && !(cap_cache = kmem_cache_create("cap", sizeof(*n), 8)))
		return NULL;
	if (!(n = kmem_cache_alloc(cap_cache)))
		return NULL;
	n->cap = (struct cap){ .obj = obj, .rights = rights, .refs = 1,
			       .badge = badge, .id = next_cap_id++ };
	list_init(&n->cap.children);
	list_init(&n->cap.sibling);
	list_add_tail(&all_caps, &n->all);
	live_caps++;
	object_ref(obj);
	return &n->cap;
}

struct cap *cap_create(struct object *obj, mt_rights_t rights, uint64_t badge)
{
	return cap_alloc(obj, rights, badge);
}

struct cap *cap_derive(struct cap *parent, mt_rights_t rights, uint64_t badge)
{
	struct cap *c;

	if (!parent->obj || (rights & ~parent->rights))
		return NULL;
	c = cap_alloc(parent->obj, rights, badge);
	if (c) {
		c->parent = parent;
		list_add_tail(&parent->children, &c->sibling);
	}
	return c;
}

/* Take c out of the tree; its children move up to its parent (or become
 * roots), so an ancestor's revocation still reaches them. */
static void cap_detach(struct cap *c)
{
	struct list_node *n;

	while ((n = list_pop_front(&c->children))) {
		struct cap *ch = container_of(n, struct cap, sibling);
		ch->parent = c->parent;
		if (c->parent)
			list_add_tail(&c->parent->children, &ch->sibling);
		else
			list_init(&ch->sibling);
	}
	if (c->parent) {
		list_remove(&c->sibling);
		c->parent = NULL;
	}
}

void cap_unref(struct cap *c)
{
	struct cap_node *n = container_of(c, struct cap_node, cap);
	struct object *obj = c->obj;

	assert(c->refs > 0);
	if (--c->refs)
		return;
	assert(!c->table);
	cap_detach(c);
	list_remove(&n->all);
	live_caps--;
	kmem_cache_free(cap_cache, n);
	if (obj)
		object_unref(obj);
}

/* Revoke leaf c (no children): out of the tree, out of its handle table,
 * out of every address space, and its object reference dropped. */
static void revoke_leaf(struct cap *c)
{
	struct object *obj = c->obj;

	cap_ref(c);                     /* alive until we are done */
	cap_detach(c);
	if (c->table)
		handle_slot_revoke(c->table, c->slot);
	if (c->mapped)
		aspace_unmap_cap_everywhere(c);
	c->obj = NULL;
	if (obj)
		object_unref(obj);      /* may free objects, never c */
	cap_unref(c);
}

bool cap_revoke(struct cap *root)
{
	for (uint32_t budget = CAP_REVOKE_BATCH; budget; budget--) {
		struct cap *c;

		if (list_empty(&root->children))
			return true;
		c = container_of(root->children.next, struct cap, sibling);
		while (!list_empty(&c->children))
			c = container_of(c->children.next, struct cap, sibling);
		revoke_leaf(c);
	}
	return list_empty(&root->children);
}

uint64_t cap_live_count(void)
{
	return live_caps;
}

void cap_check_tree(void)
{
	struct list_node *n;
	uint64_t count = 0;

	for (n = all_caps.next; n != &all_caps; n = n->next) {
		struct cap *c = &container_of(n, struct cap_node, all)->cap;
		struct list_node *k;
		uint32_t found = 0;

		count++;
		if (!c->refs)
			panic("invariant: cap %p has no holder", (void *)c);
		if (c->obj && !c->obj->refcount)
			panic("invariant: cap %p names a dead object", (void *)c);
		if (c->table && c->table->slots[c->slot].cap != c)
			panic("invariant: cap %p is not in its slot %u", (void *)c,
			      c->slot);
		if (!c->parent)
			continue;
		for (k = c->parent->children.next; k != &c->parent->children; k = k->next)
			found += container_of(k, struct cap, sibling) == c;
		if (found != 1)
			panic("invariant: cap %p is %u times among its parent's children",
			      (void *)c, found);
	}
	if (count != live_caps)
		panic("invariant: %lu caps listed, %lu live", count, live_caps);
}
