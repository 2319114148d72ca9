/* In-kernel tests of the x86_64 bring-up: protections, page permissions
 * (W^X, NX, guard pages), traps and the timer. */
#include <arch/cpu.h>
#include <arch/x86.h>
#include <kernel/arch.h>
#include <kernel/ktest.h>
#include <kernel/mm.h>
#include <kernel/usercopy.h>
#include <kernel/vm.h>

extern char __text_start[], __rodata_start[], __data_start[], __ksyms_start[];

static int selftest_data_word = 1;

KTEST(cpu, protections_enabled)
{
	struct cpu_protection p;

	KT_CHECK(cpu_protection_active(&p));
	KT_CHECK(p.nx && p.wp);
}

KTEST(cpu, tss_loaded)
{
	uint16_t tr;

	__asm__ volatile("str %0" : "=r"(tr));
	KT_CHECK_EQ(tr, SEL_TSS);
}

static unsigned prot_of(const void *p)
{
	unsigned prot = 0;

	return arch_query_kernel((vaddr_t)p, &prot) ? prot : 0;
}

KTEST(vm, text_read_execute_only)
{
	KT_CHECK_EQ(prot_of(__text_start), ARCH_PROT_READ | ARCH_PROT_EXEC);
	KT_CHECK_EQ(prot_of((void *)(uintptr_t)arch_probe_read64),
		    ARCH_PROT_READ | ARCH_PROT_EXEC);
}

KTEST(vm, rodata_and_symbols_read_only)
{
	KT_CHECK_EQ(prot_of(__rodata_start), ARCH_PROT_READ);
	KT_CHECK_EQ(prot_of(__ksyms_start), ARCH_PROT_READ);
}

KTEST(vm, data_and_direct_map_not_executable)
{
	KT_CHECK_EQ(prot_of(&selftest_data_word), ARCH_PROT_READ | ARCH_PROT_WRITE);
	KT_CHECK_EQ(prot_of(__data_start), ARCH_PROT_READ | ARCH_PROT_WRITE);
	KT_CHECK_EQ(prot_of(phys_to_virt(0x100000)), ARCH_PROT_READ | ARCH_PROT_WRITE);
}

KTEST(vm, user_half_unmapped)
{
	const uint64_t *pml4 = phys_to_virt(read_cr3() & ~0xfffULL);

	for (int i = 0; i < 256; i++)
		KT_CHECK_EQ(pml4[i], 0);
	KT_CHECK_EQ(prot_of((void *)0x100000), 0);
}

KTEST(vm, write_execute_mapping_refused)
{
	vaddr_t va = 0xffffd80000000000ULL;

	KT_CHECK(arch_map_kernel(va, 0x100000, PAGE_SIZE,
				 ARCH_PROT_READ | ARCH_PROT_WRITE | ARCH_PROT_EXEC) != 0);
	KT_CHECK_EQ(prot_of((void *)va), 0);
	KT_CHECK(arch_map_kernel(va + 1, 0x100000, PAGE_SIZE, ARCH_PROT_READ) != 0);
}

KTEST(vm, kernel_stack_has_guard_page)
{
	size_t size = 4 * PAGE_SIZE;
	vaddr_t top = arch_kstack_alloc(size);
	uint64_t v;

	KT_CHECK(top != 0);
	KT_CHECK_EQ(prot_of((void *)(top - 8)), ARCH_PROT_READ | ARCH_PROT_WRITE);
	KT_CHECK_EQ(prot_of((void *)(top - size)), ARCH_PROT_READ | ARCH_PROT_WRITE);
	KT_CHECK_EQ(prot_of((void *)(top - size - 8)), 0);
	KT_CHECK(arch_is_stack_guard(top - size - 8));
	KT_CHECK(!arch_is_stack_guard(top - 8));
	KT_CHECK(arch_probe_read64(top - size - 8, &v) != 0);
}

KTEST(vm, mmio_mapped_uncached)
{
	vaddr_t va = arch_map_mmio(0xfec00000, 16);   /* I/O APIC */

	KT_CHECK(va != 0);
	KT_CHECK_EQ(prot_of((void *)va),
		    ARCH_PROT_READ | ARCH_PROT_WRITE | ARCH_PROT_UNCACHED);
}

KTEST(trap, faulting_read_recovered)
{
	uint64_t v = 0;

	KT_CHECK(arch_probe_read64(0xdead0000, &v) != 0);             /* #PF */
	KT_CHECK(arch_probe_read64(0x8000000000000000ULL, &v) != 0);  /* #GP */
	KT_CHECK(arch_probe_read64((vaddr_t)&selftest_data_word, &v) == 0);
	KT_CHECK_EQ(v & 0xffffffff, 1);
}

static volatile int breakpoints;

static bool count_breakpoint(struct trap_frame *tf)
{
	(void)tf;
	breakpoints++;
	return true;
}

KTEST(trap, breakpoint_dispatched)
{
	trap_set_handler(3, count_breakpoint);
	__asm__ volatile("int3");
	trap_set_handler(3, NULL);
	KT_CHECK_EQ(breakpoints, 1);
}

KTEST(timer, ticks_advance)
{
	uint64_t start = apic_ticks();

	for (int i = 0; i < 1000 && apic_ticks() < start + 3; i++)
		arch_wait_for_interrupt();
	KT_CHECK(apic_ticks() >= start + 3);
}

KTEST(timer, tsc_calibrated)
{
	KT_CHECK(tsc_hz() > 100000000ULL);
	KT_CHECK(arch_uptime_us() > 0);
}

/* ---- sec.*: the kernel and user pages (docs/security.md) --------------- */

KTEST(sec, smep_smap_enabled)
{
	struct cpu_protection p;

	/* The test boots use a CPU model that has them (-cpu max). */
	KT_CHECK(cpu_features.smep && cpu_features.smap);
	KT_CHECK(cpu_protection_active(&p));
	KT_CHECK(p.smep && p.smap && p.nx && p.wp);
	KT_CHECK(read_cr4() & CR4_SMEP);
	KT_CHECK(read_cr4() & CR4_SMAP);
	KT_CHECK(!(read_cr4() & CR4_UMIP) == !cpu_features.umip);
	/* AC clear: SMAP in force outside user copies. */
	uint64_t rflags;
	__asm__ volatile("pushfq; popq %0" : "=r"(rflags));
	KT_CHECK(!(rflags & RFLAGS_AC));
}

/* The page faults the sec tests expect, recorded by a #PF handler that
 * runs before the exception table (trap_dispatch). */
static volatile uint64_t sec_pf_error, sec_pf_addr, sec_pf_user_va;
static volatile int sec_pf_count;

static bool sec_pf_record(struct trap_frame *tf)
{
	uint64_t addr = read_cr2();

	if (addr != sec_pf_user_va)
		return false;
	sec_pf_count++;
	sec_pf_error = tf->error_code;
	sec_pf_addr = addr;
	/* A fetch from the user page: come back as if it had been `ret`. */
	if (tf->rip == addr) {
		tf->rip = *(uint64_t *)tf->rsp;
		tf->rsp += 8;
		return true;
	}
	return false;   /* a data access: the exception table recovers it */
}

KTEST(sec, smap_blocks_kernel_access)
{
	vaddr_t va;
	struct aspace *as = ktest_user_page(MT_PROT_READ | MT_PROT_WRITE, 0x5a, &va);
	uint64_t v = 0;
	int probe;

	sec_pf_user_va = va;
	sec_pf_count = 0;
	trap_set_handler(VEC_PAGE_FAULT, sec_pf_record);
	probe = arch_probe_read64(va, &v);
	trap_set_handler(VEC_PAGE_FAULT, NULL);
	/* Present, and refused: a protection fault on a kernel read. */
	KT_CHECK(probe != 0);
	KT_CHECK_EQ(sec_pf_count, 1);
	KT_CHECK_EQ(sec_pf_addr, va);
	KT_CHECK_EQ(sec_pf_error & 0x1f, 0x1);
	/* The same bytes through a user copy (STAC/CLAC around it). */
	KT_CHECK_EQ(copy_from_user(&v, va, sizeof(v)), MT_OK);
	KT_CHECK_EQ(v & 0xff, 0x5a);
	ktest_user_page_free(as);
}

KTEST(sec, smep_blocks_user_code)
{
	vaddr_t va;
	struct aspace *as = ktest_user_page(MT_PROT_READ | MT_PROT_EXEC, 0xc3, &va);

	sec_pf_user_va = va;
	sec_pf_count = 0;
	trap_set_handler(VEC_PAGE_FAULT, sec_pf_record);
	((void (*)(void))va)();         /* a user page holding `ret` */
	trap_set_handler(VEC_PAGE_FAULT, NULL);
	/* Present, and refused: a protection fault on a kernel fetch. */
	KT_CHECK_EQ(sec_pf_count, 1);
	KT_CHECK_EQ(sec_pf_addr, va);
	KT_CHECK_EQ(sec_pf_error & 0x1f, 0x11);
	ktest_user_page_free(as);
}
