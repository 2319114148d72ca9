/*
 * Per-CPU data, reached through the GS base in kernel mode (user mode has
 * its own GS base; SWAPGS exchanges them on every entry from and exit to
 * user mode, SDM vol. 2B SWAPGS).  The assembly entry code uses the PCPU_*
 * offsets.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#define PCPU_SELF       0
#define PCPU_KERNEL_RSP 8
#define PCPU_USER_RSP   16

#ifndef __ASSEMBLY__
#include <kernel/types.h>

struct thread;

struct percpu {
	struct percpu *self;            /* PCPU_SELF */
	uint64_t kernel_rsp;            /* PCPU_KERNEL_RSP: syscall stack top */
	uint64_t user_rsp;              /* PCPU_USER_RSP: scratch at syscall entry */
	struct thread *current;
	struct thread *idle;
	bool need_resched;
};

_Static_assert(__builtin_offsetof(struct percpu, kernel_rsp) == PCPU_KERNEL_RSP, "entry.S");
_Static_assert(__builtin_offsetof(struct percpu, user_rsp) == PCPU_USER_RSP, "entry.S");

static inline struct percpu *percpu(void)
{
	struct percpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

void percpu_init(void);

/* Point TSS.rsp0 and the syscall stack at `top` (the next thread's). */
void arch_set_kernel_stack(vaddr_t top);
#endif /* __ASSEMBLY__ */

#endif /* ARCH_PERCPU_H */
