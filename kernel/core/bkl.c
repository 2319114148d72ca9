/* The big kernel lock (kernel/bkl.h). */
#include <arch/percpu.h>
#include <kernel/arch.h>
#include <kernel/bkl.h>
#include <kernel/panic.h>

#define BKL_FREE (-1)

bool bkl_on;
volatile int32_t bkl_owner = BKL_FREE;     /* isr.S frees it too */

/* A CPU waiting this long for the lock is deadlocked (kernel paths are
 * short): panic with every CPU's backtrace rather than hang. */
uint32_t watchdog_seconds = 20;         /* generous: emulated CPUs on a busy
					   host; `watchdog=N` sets it */

/* Called while waiting: `since` is when this wait began (0: first call). */
static void bkl_watchdog(int64_t *since)
{
	int64_t now = arch_now_ns();

	if (!*since)
		*since = now;
	else if (now - *since > (int64_t)watchdog_seconds * 1000000000LL)
		panic("watchdog: CPU %u waited %lld ms for the big kernel lock, "
		      "held by CPU %d (deadlock)", arch_cpu_id(),
		      (long long)((now - *since) / 1000000), (int)bkl_owner);
}

/* The owner and the depth change together with interrupts off, so an
 * interrupt taken in between never sees one without the other. */
void bkl_acquire(void)
{
	struct percpu *c;
	irqstate_t s;
	int64_t since = 0;

	if (!bkl_on)
		return;
	s = arch_irq_save();
	c = percpu();
	if (bkl_owner == (int32_t)c->cpu) {
		c->bkl_depth++;
		arch_irq_restore(s);
		return;
	}
	for (;;) {
		int32_t expected = BKL_FREE;

		if (__atomic_compare_exchange_n(&bkl_owner, &expected, (int32_t)c->cpu,
						false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
		arch_irq_restore(s);            /* interrupts may come in here */
		arch_cpu_poll_calls();
		bkl_watchdog(&since);
		arch_cpu_relax();
		s = arch_irq_save();
	}
	c->bkl_depth = 1;
	arch_irq_restore(s);
}

void bkl_release(void)
{
	struct percpu *c;
	irqstate_t s;

	if (!bkl_on)
		return;
	s = arch_irq_save();
	c = percpu();
	assert(bkl_owner == (int32_t)c->cpu && c->bkl_depth > 0);
	if (--c->bkl_depth == 0)
		__atomic_store_n(&bkl_owner, BKL_FREE, __ATOMIC_RELEASE);
	arch_irq_restore(s);
}
