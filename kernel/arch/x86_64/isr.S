/*
 * Trap entry stubs (Intel SDM vol. 3A, 6.14).  Each vector's stub pushes a
 * dummy error code where the CPU does not push one (so every frame has the
 * same shape), then its vector number, and jumps to trap_common, which
 * saves the general registers into a struct trap_frame (arch/x86.h) and
 * calls trap_dispatch(frame).
 */

	.text
	.type trap_common, @function
trap_common:
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
	cld
	mov	%rsp, %rdi
	/* A frame link through the interrupted rip, so backtraces taken in a
	 * handler continue into the interrupted code. */
	push	17*8(%rsp)		/* tf->rip */
	push	%rbp
	mov	%rsp, %rbp
	call	trap_dispatch
	add	$16, %rsp
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
	add	$16, %rsp		/* vector, error code */
	iretq
	.size trap_common, . - trap_common

/* 256 stubs of TRAP_STUB_SIZE bytes each, vector v at trap_stubs + v * 16.
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
