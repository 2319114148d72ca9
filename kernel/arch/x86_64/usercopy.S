/*
 * Copies to and from user memory with fault recovery.  The caller has
 * checked that the user range lies in user space.  STAC/CLAC open SMAP for
 * the copy only (SDM vol. 3A 4.6); they are patched to NOPs at boot on CPUs
 * without SMAP (usercopy_disable_smap_insns).  Whole words move with
 * `rep movsq`, the tail with `rep movsb`: fewer iterations than bytes
 * (each iteration is an instruction under icount, and a cycle or more on
 * CPUs without fast short `rep movsb`).  A fault inside either that the
 * page-fault handler cannot resolve resumes at the fixup, which returns -1.
 *
 * int arch_copy_from_user(void *dst, uintptr_t usrc, size_t len)
 * int arch_copy_to_user(uintptr_t udst, const void *src, size_t len)
 */
	.text
	.globl arch_copy_from_user
	.type arch_copy_from_user, @function
arch_copy_from_user:
	.globl arch_copy_to_user
	.type arch_copy_to_user, @function
arch_copy_to_user:
	mov	%rdx, %rcx
	shr	$3, %rcx
	and	$7, %edx
	.globl usercopy_stac
usercopy_stac:
	stac
1:	rep movsq
	mov	%edx, %ecx
3:	rep movsb
	.globl usercopy_clac1
usercopy_clac1:
	clac
	xor	%eax, %eax
	ret
2:	.globl usercopy_clac2
usercopy_clac2:
	clac
	mov	$-1, %eax
	ret
	.size arch_copy_from_user, . - arch_copy_from_user
	.size arch_copy_to_user, . - arch_copy_to_user

	.pushsection .extable, "a"
	.balign 8
	.quad 1b, 2b
	.quad 3b, 2b
	.popsection

	.section .note.GNU-stack, "", @progbits
