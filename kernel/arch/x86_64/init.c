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
	percpu_area[0].cpu = 0;
	gdt_init(&percpu_area[0]);
	percpu_init(&percpu_area[0]);
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
 * (IST, SDM 6.14.5) so that a kernel stack overflow still gets reported.
 * On failure the stacks already allocated stay in c's TSS (an AP that
 * cannot start gives them back with percpu_free_fault_stacks). */
bool percpu_alloc_fault_stacks(struct percpu *c)
{
	static const int ists[] = { IST_DOUBLE_FAULT, IST_NMI, IST_MCE };

	for (size_t i = 0; i < ARRAY_SIZE(ists); i++) {
		vaddr_t top = arch_kstack_alloc(FAULT_STACK_SIZE);
		if (!top)
			return false;
		tss_set_ist(c, ists[i], top);
	}
	return true;
}

/* Give back the fault stacks of a CPU that never came up. */
void percpu_free_fault_stacks(struct percpu *c)
{
	for (size_t i = 0; i < ARRAY_SIZE(c->tss.ist); i++) {
		if (c->tss.ist[i])
			arch_kstack_free(c->tss.ist[i], FAULT_STACK_SIZE);
		c->tss.ist[i] = 0;
	}
}

void arch_late_init(void)
{
	if (!percpu_alloc_fault_stacks(&percpu_area[0]))
		panic("no memory for the fault stacks");
	apic_init();
	percpu_area[0].apic_id = apic_id();
	percpu_area[0].online = true;
}
