/*
 * System-call entry set-up and dispatch (SDM vol. 3A 5.8.8: SYSCALL and
 * SYSRET; vol. 4 for the MSRs) and the per-CPU area.
 */
#include <arch/percpu.h>
#include <arch/x86.h>
#include <kernel/arch.h>
#include <kernel/bkl.h>
#include <kernel/syscall.h>
#include <mantra/errors.h>
#include <mantra/syscall_numbers.h>

extern void syscall_entry(void), syscall_entry_smp(void);
extern mt_status_t sys_ipc_call_smp(void), sys_ipc_reply_wait_smp(void),
	sys_ipc_recv_smp(void);

/* The dispatch table of syscall_entry_smp: the generated one with the
 * IPC fast paths' SMP variants (ipc_fast_smp.S). */
const void *syscall_entry_table_smp[MT_SYS_COUNT];

struct percpu percpu_area[MAX_CPUS];

/* RFLAGS bits cleared on SYSCALL: interrupts stay off until the kernel
 * stack is in place; DF, TF, NT cleared; AC cleared so SMAP is in force. */
#define SYSCALL_FMASK (RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_NT | RFLAGS_AC)

/* On the CPU that c describes: GS base = c, and the SYSCALL MSRs (each
 * CPU has its own). */
void percpu_init(struct percpu *c)
{
	c->self = c;
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	/* STAR[47:32]: kernel CS (SS = +8); STAR[63:48]: base of the user
	 * selectors (SYSRET loads SS = base + 8, CS = base + 16). */
	wrmsr(MSR_STAR, ((uint64_t)(SEL_UDATA - 8) << 48) | ((uint64_t)SEL_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, SYSCALL_FMASK);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

/* On this CPU, enter system calls through the SMP path (with the big
 * kernel lock). */
void arch_cpu_smp_enter(void)
{
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry_smp);
}

/* More than one CPU will run threads: build the SMP dispatch table, turn
 * the big kernel lock on (this CPU holding it, as the idle loop expects)
 * and switch this CPU's entry.  Before the first user thread runs. */
void arch_smp_activate(void)
{
	for (size_t i = 0; i < MT_SYS_COUNT; i++)
		syscall_entry_table_smp[i] = syscall_entry_table[i];
	syscall_entry_table_smp[MT_SYS_ipc_call] = (const void *)sys_ipc_call_smp;
	syscall_entry_table_smp[MT_SYS_ipc_reply_wait] = (const void *)sys_ipc_reply_wait_smp;
	syscall_entry_table_smp[MT_SYS_ipc_recv] = (const void *)sys_ipc_recv_smp;
	bkl_on = true;
	bkl_acquire();
	arch_cpu_smp_enter();
}

mt_status_t sys_not_supported(void)
{
	return MT_ERR_NOT_SUPPORTED;
}

/* The slow end of a system call (isr.S), interrupts disabled: the frame is
 * complete.  A handler returning SYSCALL_RESTART (abandoned for a
 * suspension) is re-issued when the thread next returns to user mode: rip
 * goes back over the 2-byte SYSCALL instruction, rax gets the number back,
 * and the argument registers in the frame are still the caller's. */
void syscall_finish_slow(struct trap_frame *tf)
{
	if ((mt_status_t)tf->rax == SYSCALL_RESTART) {
		tf->rip -= 2;
		tf->rax = tf->error_code;
	}
}
