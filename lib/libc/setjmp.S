/*
 * setjmp/longjmp for x86_64 (System V psABI 3.2.1: rbx, rbp, r12-r15 and
 * rsp are callee-saved).  jmp_buf: rbx, rbp, r12, r13, r14, r15, the
 * caller's rsp (after setjmp returns) and the return address.
 */
	.text
	.globl setjmp
	.type setjmp, @function
setjmp:
	movq %rbx, 0(%rdi)
	movq %rbp, 8(%rdi)
	movq %r12, 16(%rdi)
	movq %r13, 24(%rdi)
	movq %r14, 32(%rdi)
	movq %r15, 40(%rdi)
	leaq 8(%rsp), %rdx          /* rsp as it will be after our ret */
	movq %rdx, 48(%rdi)
	movq (%rsp), %rdx           /* return address */
	movq %rdx, 56(%rdi)
	xorl %eax, %eax
	ret
	.size setjmp, . - setjmp

/* longjmp(env, val): setjmp returns again, with val (1 if val is 0,
 * C11 7.13.2.1p4). */
	.globl longjmp
	.type longjmp, @function
longjmp:
	movl %esi, %eax
	testl %eax, %eax
	jnz 1f
	movl $1, %eax
1:	movq 0(%rdi), %rbx
	movq 8(%rdi), %rbp
	movq 16(%rdi), %r12
	movq 24(%rdi), %r13
	movq 32(%rdi), %r14
	movq 40(%rdi), %r15
	movq 48(%rdi), %rsp
	jmpq *56(%rdi)
	.size longjmp, . - longjmp

	.section .note.GNU-stack, "", @progbits
