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

#endif /* ARCH_ASM_FRAME_H */
