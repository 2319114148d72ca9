/* In-kernel sec.* tests of the hardening that needs no particular CPU
 * (docs/security.md), and the user page the x86_64 ones (SMEP, SMAP, in
 * kernel/arch/x86_64/selftest.c) and crashtest=smap|smep use. */
#include <kernel/arch.h>
#include <kernel/ktest.h>
#include <kernel/panic.h>
#include <kernel/stackprot.h>
#include <kernel/vm.h>

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

#define KTEST_USER_VA 0x0000000040000000ULL

struct aspace *ktest_user_page(uint32_t prot, uint8_t first, vaddr_t *va)
{
	struct aspace *as;
	struct memobj *mo;

	/* Quota NULL: the kernel's own, uncharged. */
	if (aspace_create(NULL, &as) != MT_OK || memobj_create(PAGE_SIZE, &mo) != MT_OK)
		panic("ktest: no memory for a user page");
	if (memobj_write_kernel(mo, 0, &first, 1) != MT_OK ||
	    aspace_map(as, KTEST_USER_VA, mo, 0, PAGE_SIZE, prot | MT_MAP_FIXED,
		       prot, NULL, va) != MT_OK)
		panic("ktest: cannot map a user page");
	object_unref(&mo->obj);         /* the mapping keeps it */
	aspace_activate(as);
	if (!aspace_fault(as, *va, prot & MT_PROT_EXEC ? MT_PROT_EXEC : MT_PROT_READ))
		panic("ktest: the user page did not get mapped");
	return as;
}

void ktest_user_page_free(struct aspace *as)
{
	object_unref(&as->obj);         /* switches back to the kernel's tables */
}
