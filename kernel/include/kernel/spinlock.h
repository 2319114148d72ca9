/*
 * Spin locks.  Taking one disables interrupts on the local CPU (and restores
 * the previous state on release), so a lock may be shared with interrupt
 * handlers.  Non-recursive.
 *
 * Every lock has a rank (docs/smp.md, "Locking order"): a CPU may take a
 * lock only if it holds none of an equal or higher rank.  With `debug=locks`
 * on the command line the lock-order checker (kernel/core/lockdep.c)
 * enforces it and panics at the first violation, naming both locks.  The
 * big kernel lock (kernel/bkl.h) is outside them all.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <kernel/arch.h>
#include <kernel/types.h>

/* Ranks, outermost first. */
enum lock_rank {
	LOCK_RANK_KMEM_REGISTRY = 10,   /* the list of slab caches */
	LOCK_RANK_KMEM_CACHE = 20,      /* one slab cache */
	LOCK_RANK_PMM = 30,             /* the frame allocator */
	LOCK_RANK_IOAPIC = 40,          /* I/O APIC registers */
	LOCK_RANK_TEST = 90,            /* self-tests' own */
	LOCK_RANK_LEAF = 100,           /* takes no other lock */
};

typedef struct spinlock {
	volatile uint32_t locked;
	irqstate_t saved;           /* interrupt state of the holder */
	const char *name;           /* for diagnostics */
	uint32_t rank;              /* enum lock_rank */
} spinlock_t;

#define SPINLOCK_INIT_RANK(n, r) { .locked = 0, .saved = 0, .name = (n), .rank = (r) }
#define SPINLOCK_INIT(n) SPINLOCK_INIT_RANK(n, LOCK_RANK_LEAF)

/* The lock-order checker (debug=locks): called around every acquisition
 * and release while it is on. */
extern bool lockdep_on;
void lockdep_acquire(const spinlock_t *l);
void lockdep_release(const spinlock_t *l);

static inline void spin_lock(spinlock_t *l)
{
	irqstate_t s = arch_irq_save();
	if (lockdep_on)
		lockdep_acquire(l);
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
	l->saved = s;
}

static inline void spin_unlock(spinlock_t *l)
{
	irqstate_t s = l->saved;
	if (lockdep_on)
		lockdep_release(l);
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	arch_irq_restore(s);
}

static inline bool spin_is_locked(const spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

#endif /* KERNEL_SPINLOCK_H */
