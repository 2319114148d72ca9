/*
 * User program entry.  The creator (kernel for init, mt_spawn otherwise)
 * starts the first thread with rdi = struct mt_startup * and rsp just
 * below it.  Align the stack as the psABI wants at a call (16 bytes before
 * the call pushes the return address), clear the frame pointer so
 * backtraces end here, and hand over to __mt_start (lib/libc/start.c),
 * which never returns.
 */
	.section .text.start, "ax"
	.globl _start
	.type _start, @function
_start:
	xorl	%ebp, %ebp
	andq	$-16, %rsp
	call	__mt_start
	ud2
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
