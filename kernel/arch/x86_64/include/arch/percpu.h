/*
 * Per-CPU data, reached through the GS base in kernel mode (user mode has
 * its own GS base; SWAPGS exchanges them on every entry from and exit to
 * user mode, SDM vol. 2B SWAPGS).  The assembly entry code uses the PCPU_*
 * offsets.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#define PCPU_SELF         0
#define PCPU_KERNEL_RSP   8
#define PCPU_USER_RSP     16
#define PCPU_CURRENT      24
#define PCPU_NEED_RESCHED 32
#define TSS_RSP0          4     /* offsetof(struct tss, rsp[0]) */

#ifndef __ASSEMBLY__
#include <kernel/types.h>

struct thread;

struct percpu {
	struct percpu *self;            /* PCPU_SELF */
	uint64_t kernel_rsp;            /* PCPU_KERNEL_RSP: syscall stack top */
	uint64_t user_rsp;              /* PCPU_USER_RSP: scratch at syscall entry */
	struct thread *current;         /* PCPU_CURRENT */
	uint8_t need_resched;           /* PCPU_NEED_RESCHED */
	struct thread *idle;
};

_Static_assert(__builtin_offsetof(struct percpu, kernel_rsp) == PCPU_KERNEL_RSP, "entry.S");
_Static_assert(__builtin_offsetof(struct percpu, user_rsp) == PCPU_USER_RSP, "entry.S");
_Static_assert(__builtin_offsetof(struct percpu, current) == PCPU_CURRENT,
	       "entry.S, arch/inline.h");
_Static_assert(__builtin_offsetof(struct percpu, need_resched) == PCPU_NEED_RESCHED,
	       "entry.S, arch/inline.h");

static inline struct percpu *percpu(void)
{
	struct percpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

void percpu_init(void);

/* The task-state segment (SDM figure 8-11; gdt.c): interrupts and
 * exceptions from user mode switch to rsp[0] (SDM 6.14.2), SYSCALL to the
 * per-CPU copy. */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

extern struct tss tss;

/* Point TSS.rsp0 and the syscall stack at `top` (the next thread's). */
static inline void arch_set_kernel_stack(vaddr_t top)
{
	tss.rsp[0] = top;
	percpu()->kernel_rsp = top;
}
#endif /* __ASSEMBLY__ */

#endif /* ARCH_PERCPU_H */
