/*
 * The AP start-up trampoline (SDM vol. 3A 9.4.4 "MP initialization
 * example", 10.8.5 "initializing IA-32e mode").  smp.c copies these bytes
 * to a page below 1 MiB, fills in the data block at TR_DATA and sends the
 * page number as the vector of a STARTUP IPI: the AP begins at offset 0 in
 * real mode with CS = page >> 4 and IP = 0.
 *
 * 16-bit: load the trampoline's GDT, protected mode on.
 * 32-bit: CR4 (PAE), CR3 (the trampoline's page tables, paging.c:
 *         paging_ap_tables), EFER (LME, NXE, SCE), CR0 (PG): IA-32e mode.
 * 64-bit: still on the identity-mapped page: load the kernel's CR3, stack
 *         and per-CPU pointer into registers, tell the boot CPU it started,
 *         jump to ap_entry64 (entry.S) in the kernel half.
 * Position-independent: ebx holds the page's physical address throughout.
 * Kept in .rodata: it never runs where it is linked.
 */
#include <arch/smp.h>

#define CR0_PE   (1 << 0)
#define MSR_EFER 0xc0000080

	.section .rodata.trampoline, "a"
	.balign 16
	.globl smp_trampoline_start
smp_trampoline_start:
	.code16
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	xor	%ebx, %ebx
	mov	%ax, %bx
	shl	$4, %ebx			/* ebx = this page */
	lgdtl	TR_GDTR + 2
	mov	$CR0_PE, %eax			/* clears CD and NW left by INIT */
	mov	%eax, %cr0
	ljmpl	*TR_FAR32

	.code32
	.globl smp_trampoline_32
smp_trampoline_32:
	mov	$TR_SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	TR_CR4(%ebx), %eax		/* the boot CPU's: PAE, PGE, SMEP... */
	mov	%eax, %cr4
	mov	TR_CR3(%ebx), %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	mov	TR_EFER(%ebx), %eax		/* LME, NXE, SCE */
	xor	%edx, %edx
	wrmsr
	mov	TR_CR0(%ebx), %eax		/* the boot CPU's: PG, WP, TS... */
	mov	%eax, %cr0
	ljmpl	*TR_FAR64(%ebx)

	.code64
	.globl smp_trampoline_64
smp_trampoline_64:
	mov	%ebx, %ebx			/* upper half undefined after the switch */
	movq	TR_KERNEL_CR3(%rbx), %rsi
	movq	TR_STACK(%rbx), %rsp
	movq	TR_PERCPU(%rbx), %rdi
	movq	TR_ENTRY(%rbx), %rax
	/* Everything is read: from here the boot CPU may reuse the block. */
	movl	$1, TR_STARTED(%rbx)
	jmp	*%rax

	.org	smp_trampoline_start + TR_DATA
	.fill	TR_DATA_END - TR_DATA, 1, 0
	.globl smp_trampoline_end
smp_trampoline_end:

	.section .note.GNU-stack, "", @progbits
