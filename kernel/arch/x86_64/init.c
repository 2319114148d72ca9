/* x86_64 bring-up steps called by kmain (order in kernel/arch.h). */
#include <arch/percpu.h>
#include <arch/x86.h>
#include <kernel/arch.h>
#include <kernel/panic.h>

#define FAULT_STACK_SIZE (4 * PAGE_SIZE)

const char arch_name[] = "x86_64";

void arch_early_init(void)
{
	arch_mark_boot_time();
	serial_init();
	gdt_init();
	percpu_init();
	idt_init();
	/* No FPU/SSE state is saved across threads yet: make any use fault
	 * (#NM) rather than leak registers between processes. */
	write_cr0(read_cr0() | CR0_TS);
}

void arch_cpu_init(void)
{
	cpu_init_features();
}

/* Double fault, NMI and machine check run on their own guarded stacks
 * (IST, SDM 6.14.5) so that a kernel stack overflow still gets reported. */
void arch_late_init(void)
{
	static const int ists[] = { IST_DOUBLE_FAULT, IST_NMI, IST_MCE };

	for (size_t i = 0; i < ARRAY_SIZE(ists); i++) {
		vaddr_t top = arch_kstack_alloc(FAULT_STACK_SIZE);
		if (!top)
			panic("no memory for the fault stacks");
		tss_set_ist(ists[i], top);
	}
	apic_init();
}
