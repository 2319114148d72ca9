/*
 * Per-CPU data, reached through the GS base in kernel mode (user mode has
 * its own GS base; SWAPGS exchanges them on every entry from and exit to
 * user mode, SDM vol. 2B SWAPGS).  One struct percpu per CPU, in
 * percpu_area[] indexed by CPU number (0 = the boot CPU); each holds that
 * CPU's GDT and TSS.  The assembly entry code uses the PCPU_* offsets.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#define PCPU_SELF         0
#define PCPU_KERNEL_RSP   8
#define PCPU_USER_RSP     16
#define PCPU_CURRENT      24
#define PCPU_NEED_RESCHED 32
#define PCPU_CPU          48
#define PCPU_BKL_DEPTH    56    /* kernel/bkl.h: the exit stubs clear it */
#define PCPU_TSS          60    /* offsetof(struct percpu, tss) */
#define TSS_RSP0          4     /* offsetof(struct tss, rsp[0]) */
#define PCPU_TSS_RSP0     (PCPU_TSS + TSS_RSP0)     /* 8-byte aligned */

/* CPUs the kernel can run on; more in the MADT are logged and left off. */
#define MAX_CPUS          16

#ifndef __ASSEMBLY__
#include <kernel/types.h>

struct thread;

/* The task-state segment (SDM vol. 3A figure 8-11; gdt.c): interrupts and
 * exceptions from user mode switch to rsp[0] (SDM 6.14.2), SYSCALL to the
 * per-CPU copy kernel_rsp. */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* The call-function mailbox of one CPU (smp.c): a sender holding `lock`
 * stores fn and arg, bumps `requested` and sends VEC_IPI_CALL; the CPU
 * sets `taken` = `requested` (only it writes `taken`: a request it is
 * already running is not run again from a wait inside fn), runs fn(arg)
 * and sets `done` = `requested`. */
struct cpu_mailbox {
	volatile uint32_t lock;
	void (*volatile fn)(void *arg);
	void *volatile arg;
	volatile uint64_t requested;
	uint64_t taken;
	volatile uint64_t done;
};

/* Fields above `tss` are written only by their own CPU once it runs; cpu,
 * apic_id and the stacks are set by the boot CPU before it starts an AP. */
struct percpu {
	struct percpu *self;            /* PCPU_SELF */
	uint64_t kernel_rsp;            /* PCPU_KERNEL_RSP: syscall stack top */
	uint64_t user_rsp;              /* PCPU_USER_RSP: scratch at syscall entry */
	struct thread *current;         /* PCPU_CURRENT */
	uint8_t need_resched;           /* PCPU_NEED_RESCHED */
	struct thread *idle;
	uint32_t cpu;                   /* PCPU_CPU: index in percpu_area */
	uint32_t apic_id;               /* local APIC ID (MADT, CPUID.01H:EBX) */
	uint32_t bkl_depth;             /* PCPU_BKL_DEPTH: big kernel lock
					   holds (kernel/bkl.h); also puts
					   tss.rsp[0] on 8 bytes */
	struct tss tss;                 /* PCPU_TSS */
	uint64_t gdt[7];
	volatile uint32_t online;       /* set by the CPU itself, then never cleared */
	vaddr_t boot_stack;             /* top of its boot and idle stack */
	uint64_t ipis[2];               /* IPIs taken, by enum arch_ipi */
	struct cpu_mailbox mailbox;
	uint64_t cr3;                   /* the page tables loaded (TLB shootdown) */
} __attribute__((aligned(64)));

_Static_assert(__builtin_offsetof(struct percpu, kernel_rsp) == PCPU_KERNEL_RSP, "entry.S");
_Static_assert(__builtin_offsetof(struct percpu, user_rsp) == PCPU_USER_RSP, "entry.S");
_Static_assert(__builtin_offsetof(struct percpu, current) == PCPU_CURRENT,
	       "entry.S, arch/inline.h");
_Static_assert(__builtin_offsetof(struct percpu, need_resched) == PCPU_NEED_RESCHED,
	       "entry.S, arch/inline.h");
_Static_assert(__builtin_offsetof(struct percpu, cpu) == PCPU_CPU, "arch/inline.h");
_Static_assert(__builtin_offsetof(struct percpu, bkl_depth) == PCPU_BKL_DEPTH, "isr.S");
_Static_assert(__builtin_offsetof(struct percpu, tss) == PCPU_TSS, "ipc_fast.S");
_Static_assert(PCPU_TSS_RSP0 % 8 == 0, "TSS.rsp0 aligned");

extern struct percpu percpu_area[MAX_CPUS];

static inline struct percpu *percpu(void)
{
	struct percpu *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* Make c this CPU's per-CPU area (GS base) and set up SYSCALL. */
void percpu_init(struct percpu *c);

/* Point TSS.rsp0 and the syscall stack at `top` (the next thread's), on
 * this CPU. */
static inline void arch_set_kernel_stack(vaddr_t top)
{
	__asm__ volatile("movq %0, %%gs:%c1\n\t"
			 "movq %0, %%gs:%c2"
			 :: "r"(top), "i"(PCPU_TSS_RSP0), "i"(PCPU_KERNEL_RSP)
			 : "memory");
}
#endif /* __ASSEMBLY__ */

#endif /* ARCH_PERCPU_H */
