/* Intrusive circular doubly-linked lists. */
#ifndef KERNEL_LIST_H
#define KERNEL_LIST_H

#include <kernel/types.h>

struct list_node {
	struct list_node *next, *prev;
};

#define LIST_INIT(name) { &(name), &(name) }

static inline void list_init(struct list_node *l)
{
	l->next = l->prev = l;
}

static inline bool list_empty(const struct list_node *l)
{
	return l->next == l;
}

/* Is the node on some list?  (Nodes are kept self-linked when off.) */
static inline bool list_linked(const struct list_node *n)
{
	return n->next != n;
}

static inline void list_insert_before(struct list_node *pos, struct list_node *n)
{
	n->next = pos;
	n->prev = pos->prev;
	pos->prev->next = n;
	pos->prev = n;
}

static inline void list_add_tail(struct list_node *l, struct list_node *n)
{
	list_insert_before(l, n);
}

static inline void list_remove(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

static inline struct list_node *list_pop_front(struct list_node *l)
{
	struct list_node *n = l->next;

	if (n == l)
		return NULL;
	list_remove(n);
	return n;
}

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

#define list_for_each_safe(pos, tmp, head) \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)

#endif /* KERNEL_LIST_H */
