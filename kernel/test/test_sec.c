/* In-kernel sec.* tests of the hardening that needs no particular CPU
 * (docs/security.md); the x86_64 ones (SMEP, SMAP) are in
 * kernel/arch/x86_64/selftest.c. */
#include <kernel/arch.h>
#include <kernel/ktest.h>
#include <kernel/stackprot.h>

KTEST(sec, stack_guard_randomized)
{
	bool hw;
	uint64_t a = arch_random_seed(&hw), b = arch_random_seed(&hw);

	KT_CHECK(__stack_chk_guard != STACK_GUARD_BUILTIN);
	KT_CHECK(__stack_chk_guard != 0);
	KT_CHECK_EQ(__stack_chk_guard & 0xff, 0);
	/* Two seeds in a row differ (the generator, or the TSC moved). */
	KT_CHECK(a != b);
}
