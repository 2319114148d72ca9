/*
 * The stack protector's canary and failure path (kernel/stackprot.h).
 */
#include <kernel/arch.h>
#include <kernel/panic.h>
#include <kernel/stackprot.h>

uintptr_t __stack_chk_guard = STACK_GUARD_BUILTIN;

__no_stack_protector bool stack_guard_init(void)
{
	bool hw;
	uint64_t v = arch_random_seed(&hw) & ~0xffULL;

	/* Never the built-in value, never zero. */
	if (v == STACK_GUARD_BUILTIN || v == 0)
		v ^= 0x9e3779b97f4a7c00ULL;
	__stack_chk_guard = v;
	return hw;
}

/* Called by a protected function whose canary changed: its frame was
 * overrun, so its return address can no longer be trusted. */
__noreturn void __stack_chk_fail(void);
__noreturn void __stack_chk_fail(void)
{
	panic("stack smashing detected");
}
