/* Assembly helpers for struct trap_frame (arch/x86.h); for .S files. */
#ifndef ARCH_ASM_FRAME_H
#define ARCH_ASM_FRAME_H

#include <arch/segments.h>

/* Store the callee-saved registers into the trap frame at \off(%rsp).
 * The system-call entry leaves them out (C preserves them); the slow exit
 * and the IPC entries, whose threads may be resumed from the frame, add
 * them. */
	.macro SAVE_CALLEE_SAVED off
	movq	%rbx, \off + TF_RBX(%rsp)
	movq	%rbp, \off + TF_RBP(%rsp)
	movq	%r12, \off + TF_R12(%rsp)
	movq	%r13, \off + TF_R13(%rsp)
	movq	%r14, \off + TF_R14(%rsp)
	movq	%r15, \off + TF_R15(%rsp)
	.endm

/* Push a thread's kernel context in the layout arch_switch_stacks pops
 * (isr.S): callee-saved registers, rbp first, r15 at the lowest address. */
	.macro PUSH_KERNEL_CONTEXT
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	.endm

/* Restore the callee-saved registers from the trap frame at \off(%rsp). */
	.macro LOAD_CALLEE_SAVED off
	movq	\off + TF_RBX(%rsp), %rbx
	movq	\off + TF_RBP(%rsp), %rbp
	movq	\off + TF_R12(%rsp), %r12
	movq	\off + TF_R13(%rsp), %r13
	movq	\off + TF_R14(%rsp), %r14
	movq	\off + TF_R15(%rsp), %r15
	.endm

/* Bytes of a kernel context: the six registers and the return address. */
#define KERNEL_CONTEXT_SIZE (7 * 8)

#endif /* ARCH_ASM_FRAME_H */
