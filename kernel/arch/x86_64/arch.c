/* The generic arch hooks (kernel/arch.h) for x86_64. */
#include <arch/x86.h>
#include <kernel/arch.h>
#include <kernel/mm.h>

/* QEMU's isa-debug-exit device (tests pass -device isa-debug-exit,
 * iobase=0xf4): writing v exits QEMU with status (v << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4

void arch_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void arch_wait_for_interrupt(void)
{
	/* sti takes effect after the next instruction, so no wakeup is lost
	 * between the two (SDM vol. 2B, STI). */
	__asm__ volatile("sti; hlt" ::: "memory");
}

uint64_t arch_cycles(void)
{
	return rdtsc();
}

void arch_machine_exit(int status)
{
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
}

/* Walk saved-rbp links.  Every frame address is checked against the
 * kernel's mapped memory before it is read, so a corrupt chain ends the
 * walk instead of faulting inside the panic handler. */
void arch_backtrace(uintptr_t fp, void (*fn)(uintptr_t pc, void *ctx),
		    void *ctx, int max)
{
	for (int i = 0; i < max && fp; i++) {
		if ((fp & 7) || !arch_kernel_readable(fp) ||
		    !arch_kernel_readable(fp + 8))
			return;
		const uintptr_t *frame = (const uintptr_t *)fp;
		if (!frame[1])
			return;
		fn(frame[1], ctx);
		if (frame[0] == fp)
			return;
		fp = frame[0];
	}
}
