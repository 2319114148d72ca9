/*
 * Kernel entry from MantraBoot (docs/boot.md): long mode, interrupts off,
 * the loader's page tables (identity + direct map + kernel image), rdi =
 * BootInfo (direct-map address), rsp = boot stack (direct map) holding a
 * null return address.
 */
	.section .text.entry, "ax"
	.globl _start
	.type _start, @function
_start:
	cld
	xor	%ebp, %ebp		/* backtraces stop here */
	and	$~15, %rsp
	call	kmain			/* kmain(bootinfo) never returns */
1:	cli
	hlt
	jmp	1b
	.size _start, . - _start

/*
 * void arch_switch_stack(vaddr_t top, void (*fn)(void *), void *arg)
 * Continue on a new stack: call fn(arg) with rsp = top; fn must not return.
 */
	.text
	.globl arch_switch_stack
	.type arch_switch_stack, @function
arch_switch_stack:
	mov	%rdi, %rsp
	xor	%ebp, %ebp
	mov	%rdx, %rdi
	call	*%rsi
	ud2
	.size arch_switch_stack, . - arch_switch_stack

/*
 * An AP's first kernel-half instruction (from trampoline.S): rdi = its
 * struct percpu, rsi = the kernel's page tables, rsp = its boot stack.
 * The trampoline's identity map is left behind with its CR3.
 */
	.globl ap_entry64
	.type ap_entry64, @function
ap_entry64:
	mov	%rsi, %cr3
	xor	%ebp, %ebp		/* backtraces stop here */
	call	arch_ap_main		/* never returns */
	ud2
	.size ap_entry64, . - ap_entry64

	.section .note.GNU-stack, "", @progbits
