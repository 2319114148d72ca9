/*
 * Trap and system-call entry and exit (Intel SDM vol. 3A 6.14, vol. 2B
 * SYSCALL/SYSRET/SWAPGS).
 *
 * Every entry builds a struct trap_frame (arch/x86.h) and calls C:
 *   trap_stubs[v] -> trap_common -> trap_dispatch(frame)
 *   syscall       -> syscall_entry -> syscall_dispatch(frame)
 * Entries from user mode find the frame at the top of the thread's kernel
 * stack and leave through user_return, which first lets the kernel act on
 * pending kills, suspensions and reschedules (thread_user_return).
 */
#include <arch/percpu.h>
#include <arch/asm_frame.h>
#include <arch/segments.h>
#include <generated/asm_offsets.h>
#include <mantra/errors.h>
#include <mantra/syscall_numbers.h>

#define SYSCALL_RESTART (-1000)     /* kernel/syscall.h */

/* The general registers in struct trap_frame order (r15 lowest). */
	.macro PUSH_GPRS
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	.endm

	.macro POP_GPRS
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	.endm

	.text
	.type trap_common, @function
trap_common:
	testb	$3, 24(%rsp)		/* cs: from user mode? */
	jz	1f
	swapgs
1:	PUSH_GPRS
	cld
	mov	%rsp, %rdi
	/* A frame link through the interrupted rip, so backtraces taken in a
	 * handler continue into the interrupted code. */
	push	TF_RIP(%rsp)
	push	%rbp
	mov	%rsp, %rbp
	call	trap_dispatch
	add	$16, %rsp
	testb	$3, TF_CS(%rsp)
	jnz	user_return
	POP_GPRS
	add	$16, %rsp		/* vector, error code */
	iretq
	.size trap_common, . - trap_common

/*
 * SYSCALL: rcx = user rip, r11 = user rflags, rsp still the user's, IF/DF/
 * TF/AC/NT cleared by MSR_FMASK.
 *
 * Fast path: switch to the thread's kernel stack, lay out a struct
 * trap_frame but fill in only what a restart or the slow path needs (the
 * hardware-like part, the system-call number in the error-code slot and
 * the six argument registers; the IPC entries add the callee-saved ones),
 * call the handler straight from the entry
 * table with the user's argument registers (r10 moved to rcx: SysV), and if
 * nothing is pending return with SYSRET.  The callee-saved registers still
 * hold the user's values, because the C handler preserved them.
 *
 * Slow path (a kill, suspension or reschedule pending, or a restart): the
 * frame is completed and the thread leaves through user_return and IRET,
 * like any trap.  rip can never be non-canonical here: nothing is mapped at
 * or above MT_USER_TOP, so SYSRET's #GP-in-kernel hazard cannot arise.
 */
/* Release the big kernel lock on the way out to user mode (kernel/bkl.h):
 * memory operands only, for it runs with the user's registers loaded.
 * Context switches happen at depth 1, so an exit drops the only hold. */
	.macro BKL_EXIT
	movl	$0, %gs:PCPU_BKL_DEPTH
	movl	$-1, bkl_owner(%rip)
	.endm

/* The six argument registers from the frame. */
	.macro LOAD_SYSCALL_ARGS
	movq	TF_RDI(%rsp), %rdi
	movq	TF_RSI(%rsp), %rsi
	movq	TF_RDX(%rsp), %rdx
	movq	TF_R10(%rsp), %r10
	movq	TF_R8(%rsp), %r8
	movq	TF_R9(%rsp), %r9
	.endm

/* The entry and return, twice: `syscall_entry` for one CPU (no lock, no
 * cost) and `syscall_entry_smp`, which takes the big kernel lock once the
 * frame is built (interrupts on: a CPU waiting for it can still take
 * interrupts) and releases it just before SYSRET.  A thread always leaves
 * through the variant it came in by: the mode is chosen once, before the
 * first user thread runs (arch_smp_activate). */
	.macro SYSCALL_PATH sfx, smp
	.globl syscall_entry\sfx
	.type syscall_entry\sfx, @function
syscall_entry\sfx:
	swapgs
	movq	%rsp, %gs:PCPU_USER_RSP
	movq	%gs:PCPU_KERNEL_RSP, %rsp
	pushq	$SEL_UDATA
	pushq	%gs:PCPU_USER_RSP
	pushq	%r11
	pushq	$SEL_UCODE
	pushq	%rcx
	pushq	%rax			/* error-code slot: the number */
	pushq	$VEC_SYSCALL
	subq	$(15 * 8), %rsp
	movq	%rdi, TF_RDI(%rsp)
	movq	%rsi, TF_RSI(%rsp)
	movq	%rdx, TF_RDX(%rsp)
	movq	%r10, TF_R10(%rsp)
	movq	%r8, TF_R8(%rsp)
	movq	%r9, TF_R9(%rsp)
	sti
	.if \smp
	call	bkl_acquire
	movq	TF_ERROR(%rsp), %rax
	LOAD_SYSCALL_ARGS
	.endif
	cmpq	$MT_SYS_COUNT, %rax
	jae	1f
	movq	%r10, %rcx
	.if \smp
	call	*syscall_entry_table_smp(, %rax, 8)
	.else
	call	*syscall_entry_table(, %rax, 8)
	.endif
	.globl syscall_return\sfx
syscall_return\sfx:			/* rax = result, rsp = frame */
	cli
	movq	%gs:PCPU_CURRENT, %rcx
	testl	$THREAD_STOP_FLAGS, T_FLAGS(%rcx)
	jnz	2f
	cmpb	$0, %gs:PCPU_NEED_RESCHED
	jne	2f
	cmpq	$SYSCALL_RESTART, %rax
	je	2f
	.globl syscall_return_now\sfx
syscall_return_now\sfx:			/* nothing pending: checked */
	LOAD_SYSCALL_ARGS
	.globl syscall_return_regs\sfx
syscall_return_regs\sfx:		/* the same, argument registers set */
	.if \smp
	BKL_EXIT
	.endif
	movq	TF_RIP(%rsp), %rcx
	movq	TF_RFLAGS(%rsp), %r11
	movq	TF_RSP(%rsp), %rsp
	swapgs
	sysretq
1:	movq	$MT_ERR_NOT_SUPPORTED, %rax
	jmp	syscall_return\sfx

2:	movq	%rax, TF_RAX(%rsp)	/* slow: a kill, suspension, reschedule */
	SAVE_CALLEE_SAVED 0		/* or restart; the registers are still */
	movq	TF_RIP(%rsp), %rcx	/* the user's (C preserved them): what */
	movq	%rcx, TF_RCX(%rsp)	/* SYSRET would have left in them */
	movq	TF_RFLAGS(%rsp), %r11
	movq	%r11, TF_R11(%rsp)
	movq	%rsp, %rdi
	call	syscall_finish_slow
	jmp	user_return
	.size syscall_entry\sfx, . - syscall_entry\sfx
	.endm

	SYSCALL_PATH , 0
	SYSCALL_PATH _smp, 1

/* Leave for user mode with the frame at rsp. */
	.globl user_return
	.type user_return, @function
user_return:
	cli
	call	thread_user_return
	POP_GPRS
	add	$16, %rsp
	cmpb	$0, bkl_on(%rip)	/* memory operands only: the user's */
	je	1f			/* registers are loaded; IRET restores */
	BKL_EXIT			/* the flags */
1:	swapgs
	iretq
	.size user_return, . - user_return

/*
 * void arch_switch_stacks(uint64_t *save_rsp, uint64_t next_rsp)
 * Save the callee-saved registers and stack pointer of the current thread
 * and resume the next one where it switched away (or at its trampoline).
 */
	.globl arch_switch_stacks
	.type arch_switch_stacks, @function
arch_switch_stacks:
	PUSH_KERNEL_CONTEXT
	mov	%rsp, (%rdi)
	mov	%rsi, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.size arch_switch_stacks, . - arch_switch_stacks

/* First run of a user thread: its switch frame "returns" here, with rsp at
 * its user trap frame. */
	.globl thread_trampoline
	.type thread_trampoline, @function
thread_trampoline:
	call	thread_first_run
	jmp	user_return
	.size thread_trampoline, . - thread_trampoline

/* 256 stubs of 16 bytes each, vector v at trap_stubs + v * 16.
 * The CPU pushes an error code for vectors 8, 10-14, 17, 21, 29 and 30
 * (SDM table 6-1); the others push a zero in its place. */
	.balign 16
	.globl trap_stubs
	.type trap_stubs, @function
trap_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if !((vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30))
	pushq	$0
	.endif
	pushq	$vec
	jmp	trap_common
	.set vec, vec + 1
	.endr
	.size trap_stubs, . - trap_stubs

	.section .note.GNU-stack, "", @progbits
