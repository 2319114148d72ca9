/* In-kernel tests of the x86_64 bring-up: protections, page permissions
 * (W^X, NX, guard pages), traps and the timer. */
#include <arch/cpu.h>
#include <arch/x86.h>
#include <kernel/arch.h>
#include <kernel/ktest.h>
#include <kernel/mm.h>

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
