/*
 * Deliberate kernel crashes, selected by `crashtest=NAME` on the command
 * line, so the host tests can check that each kind of kernel bug produces
 * a KERNEL PANIC report naming the faulting function.  Every function is
 * noinline so it shows up in the backtrace under its own name.
 */
#include <kernel/bkl.h>
#include <kernel/spinlock.h>
#include <kernel/boot.h>
#include <kernel/ktest.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <kernel/vm.h>
#include <string/string.h>

__attribute__((noinline)) void crashtest_page_fault(void)
{
	*(volatile uint64_t *)0xdead0000 = 1;    /* never mapped */
}

/* Recurse until the guard page stops us (depth is data-dependent so the
 * compiler cannot see an infinite recursion, and nothing is a tail call). */
__attribute__((noinline)) static int crashtest_recurse(volatile char *prev,
						       unsigned long depth)
{
	volatile char frame[512];

	frame[0] = prev ? (char)(prev[0] + 1) : 0;
	if (depth == 0)
		return frame[0];
	return crashtest_recurse(frame, depth - 1) + frame[1];
}

__attribute__((noinline)) void crashtest_stack_overflow(void)
{
	crashtest_recurse(NULL, ~0UL);
}

static const uint8_t crashtest_data_code[] = { 0xc3 };   /* ret */

__attribute__((noinline)) void crashtest_exec_data(void)
{
	((void (*)(void))(uintptr_t)crashtest_data_code)();   /* NX */
}

__attribute__((noinline)) void crashtest_assert(void)
{
	volatile int one = 1;
	assert(one == 2);
}

/* Overrun a local array up to the saved frame pointer: that rewrites the
 * stack protector's canary, which lies between them, and leaves the frame
 * link and return address intact, so the panic's backtrace names us. */
__attribute__((noinline)) void crashtest_stack_smash(void)
{
	volatile char buf[16];
	char *end = __builtin_frame_address(0);
	size_t n = (size_t)(end - (char *)buf);

	for (size_t i = 0; i < n; i++)
		buf[i] = 'A';
}

/* Read a user page outside a user copy: SMAP must stop it. */
__attribute__((noinline)) void crashtest_smap(void)
{
	vaddr_t va;

	(void)ktest_user_page(MT_PROT_READ, 0x5a, &va);
	(void)*(volatile uint8_t *)va;
}

/* Run a user page (holding `ret`): SMEP must stop it. */
__attribute__((noinline)) void crashtest_smep(void)
{
	vaddr_t va;

	(void)ktest_user_page(MT_PROT_READ | MT_PROT_EXEC, 0xc3, &va);
	((void (*)(void))va)();
}

/* Two locks taken against their ranks (needs debug=locks). */
__attribute__((noinline)) void crashtest_lock_order(void)
{
	static spinlock_t inner = SPINLOCK_INIT_RANK("test-inner", LOCK_RANK_TEST);
	static spinlock_t outer = SPINLOCK_INIT_RANK("test-outer", LOCK_RANK_PMM);

	spin_lock(&inner);
	spin_lock(&outer);
	spin_unlock(&outer);
	spin_unlock(&inner);
}

/* A deadlock on two CPUs: this one holds the big kernel lock and waits
 * for a cross-call whose function, on the other CPU, waits for the lock
 * with interrupts off.  The watchdog (`watchdog=N`) must turn it into a
 * panic with both CPUs' backtraces. */
static void crashtest_take_bkl(void *arg)
{
	(void)arg;
	bkl_acquire();
}

__attribute__((noinline)) void crashtest_deadlock(void)
{
	if (arch_cpu_count() < 2)
		panic("crashtest deadlock needs two CPUs");
	bkl_on = true;
	bkl_acquire();
	(void)arch_cpu_call(1, crashtest_take_bkl, NULL);
}

static const struct {
	const char *name;
	void (*fn)(void);
} crashtests[] = {
	{ "lock_order", crashtest_lock_order },
	{ "deadlock", crashtest_deadlock },
	{ "page_fault", crashtest_page_fault },
	{ "stack_overflow", crashtest_stack_overflow },
	{ "exec_data", crashtest_exec_data },
	{ "assert", crashtest_assert },
	{ "stack_smash", crashtest_stack_smash },
	{ "smap", crashtest_smap },
	{ "smep", crashtest_smep },
};

void crashtest_run(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(crashtests); i++) {
		if (strcmp(name, crashtests[i].name) == 0) {
			klog(LOG_INFO, "crashtest: %s\n", name);
			crashtests[i].fn();
			klog(LOG_ERROR, "crashtest: %s did not crash\n", name);
			return;
		}
	}
	klog(LOG_WARN, "crashtest: unknown test '%s' ignored\n", name);
}
