/*
 * Spin locks.  Taking one disables interrupts on the local CPU (and restores
 * the previous state on release), so a lock may be shared with interrupt
 * handlers.  Non-recursive.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <kernel/arch.h>
#include <kernel/types.h>

typedef struct spinlock {
	volatile uint32_t locked;
	irqstate_t saved;           /* interrupt state of the holder */
	const char *name;           /* for diagnostics */
} spinlock_t;

#define SPINLOCK_INIT(n) { .locked = 0, .saved = 0, .name = (n) }

static inline void spin_lock(spinlock_t *l)
{
	irqstate_t s = arch_irq_save();
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
	l->saved = s;
}

static inline void spin_unlock(spinlock_t *l)
{
	irqstate_t s = l->saved;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	arch_irq_restore(s);
}

static inline bool spin_is_locked(const spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

#endif /* KERNEL_SPINLOCK_H */
