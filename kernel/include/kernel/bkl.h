/*
 * The big kernel lock (as in seL4's multicore kernel): one lock for all
 * kernel state, taken on every entry to the kernel and released on every
 * exit to user mode, and by the idle loop around its halt.  Kernel paths
 * are short and never sleep holding anything else, so one lock keeps the
 * uniprocessor reasoning (docs/kernel.md) valid on every CPU: within a
 * CPU, interrupts disabled still exclude interrupt handlers; between
 * CPUs, the lock excludes everything.  docs/smp.md has the locking order.
 *
 * The lock is recursive per CPU (an interrupt taken in the kernel nests
 * inside the holder's section): `owner` is the CPU holding it, and that
 * CPU's percpu bkl_depth counts its holds.  Context switches happen only
 * at depth 1, so the new thread inherits the hold and releases it on its
 * way out.
 *
 * With one CPU online the lock is off (`bkl_on` false) and the entry and
 * exit paths are the uniprocessor ones: no cost.  arch_smp_activate()
 * turns it on before the application processors start scheduling.
 *
 * A CPU waiting for the lock serves cross-calls meanwhile (TLB shootdowns
 * from the holder, which waits for them), so the holder never deadlocks
 * on a CPU that waits for it.
 */
#ifndef KERNEL_BKL_H
#define KERNEL_BKL_H

#include <kernel/types.h>

extern bool bkl_on;

/* How long a CPU may wait for the lock or for a cross-call before the
 * watchdog calls it a deadlock and panics (`watchdog=SECONDS`). */
extern uint32_t watchdog_seconds;

/* Take the lock (or one more hold on it).  Interrupts may be on or off. */
void bkl_acquire(void);
/* Drop one hold; the last one releases the lock. */
void bkl_release(void);

#endif /* KERNEL_BKL_H */
