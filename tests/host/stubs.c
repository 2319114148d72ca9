/*
 * Host stand-ins for the arch hooks and panic(), so kernel generic code
 * links into a normal Linux program.  panic() longjmps out when a test armed
 * EXPECT_PANIC and aborts the test program otherwise.
 */
#include "test.h"

#include <kernel/arch.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/spinlock.h>

#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

uintptr_t mm_direct_map_base;

irqstate_t arch_irq_save(void) { return 0; }
void arch_irq_restore(irqstate_t s) { (void)s; }
void arch_irq_enable(void) {}
void arch_irq_disable(void) {}
void arch_cpu_relax(void) {}
unsigned arch_cpu_id(void) { return 0; }
void arch_wait_for_interrupt(void) {}
void arch_machine_exit(int status) { exit(status); }
void arch_halt_forever(void) { abort(); }

void arch_console_write(const char *s, size_t n)
{
	fwrite(s, 1, n, stdout);
}

uint64_t arch_cycles(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void arch_backtrace(uintptr_t fp, void (*fn)(uintptr_t, void *), void *ctx,
		    int max)
{
	(void)fp; (void)fn; (void)ctx; (void)max;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(test_panic_msg, sizeof(test_panic_msg), fmt, ap);
	va_end(ap);
	if (test_panic_jmp)
		longjmp(*test_panic_jmp, 1);
	fprintf(stderr, "KERNEL PANIC (host test): %s\n", test_panic_msg);
	abort();
}

uint64_t arch_uptime_us(void)
{
	return arch_cycles() / 1000;
}

/* The lock-order checker stays off on the host. */
bool lockdep_on;

void lockdep_acquire(const spinlock_t *l)
{
	(void)l;
}

void lockdep_release(const spinlock_t *l)
{
	(void)l;
}
