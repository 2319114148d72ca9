/*
 * The kernel's invariant checker (kernel/debug/invariants.c): a walk over
 * every live object that checks what the kernel's data structures promise
 * each other — handle tables against the objects they name, reference
 * counts against the references that can be counted, threads against the
 * run, wait and timer queues, IPC partners against each other, each
 * object type's own state (object_ops.check), the slab caches and the
 * frame allocator.  Run by the mt_debug_check system call, which the
 * system-call fuzzer (user/sysfuzz) issues between batches; never on its
 * own, so it costs nothing unless asked for.
 *
 * A broken invariant is a kernel bug: the checker panics with
 * "KERNEL PANIC: invariant: <what>" and the usual backtrace.
 */
#ifndef KERNEL_INVARIANTS_H
#define KERNEL_INVARIANTS_H

#include <kernel/types.h>

/* Check everything; panics on the first broken invariant.  Interrupts are
 * disabled for the walk.  Returns the number of objects checked. */
uint64_t invariants_check(void);

/* Report a broken invariant: panic("invariant: <fmt ...>"). */
__noreturn __printf(1, 2) void invariant_failed(const char *fmt, ...);

#define INVARIANT(cond, ...)                                                \
	do {                                                                \
		if (unlikely(!(cond)))                                      \
			invariant_failed(__VA_ARGS__);                      \
	} while (0)

/* A list head that is well linked: every node's neighbours point back at
 * it and the walk returns to the head within `max` nodes.  Returns the
 * number of nodes; `what` names the list in the report. */
struct list_node;
size_t invariant_list(const struct list_node *head, size_t max, const char *what);

#endif /* KERNEL_INVARIANTS_H */
