/*
 * The arch hooks that sit on hot paths (system calls, IPC, scheduling),
 * defined inline for x86_64.  Included by kernel/arch.h; host unit tests
 * get out-of-line stand-ins instead (tests/host/stubs.c).
 */
#ifndef ARCH_INLINE_H
#define ARCH_INLINE_H

#include <arch/percpu.h>
#include <arch/thread.h>
#include <arch/x86.h>

typedef unsigned long irqstate_t;

static inline irqstate_t arch_irq_save(void)
{
	irqstate_t flags = read_rflags();
	__asm__ volatile("cli" ::: "memory");
	return flags & RFLAGS_IF;
}

static inline void arch_irq_restore(irqstate_t state)
{
	if (state & RFLAGS_IF)
		__asm__ volatile("sti" ::: "memory");
}

static inline void arch_irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

static inline void arch_irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void arch_cpu_relax(void)
{
	__asm__ volatile("pause");
}

/* A message arrives in a thread's user registers as it returns from the
 * system call it is blocked in (both exits restore these from the frame):
 * rdi = badge, rsi = info, rdx, r10, r8, r9 = words. */
static inline void arch_ipc_set_regs(struct arch_thread *a, uint64_t badge,
				     uint64_t info, const uint64_t w[4])
{
	struct trap_frame *tf = a->user_frame;

	tf->rdi = badge;
	tf->rsi = info;
	tf->rdx = w[0];
	tf->r10 = w[1];
	tf->r8 = w[2];
	tf->r9 = w[3];
}

/* Is a reschedule due on this CPU (percpu.need_resched)? */
static inline bool arch_need_resched(void)
{
	uint8_t v;
	__asm__ volatile("movb %%gs:32, %0" : "=r"(v));
	return v != 0;
}

/* This CPU's number (percpu.cpu): 0 is the boot CPU. */
static inline unsigned arch_cpu_id(void)
{
	unsigned id;
	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(id) : "i"(PCPU_CPU));
	return id;
}

/* Load a user address space's page tables unless they are loaded. */
static inline void arch_aspace_switch(struct arch_aspace *a)
{
	if ((read_cr3() & 0x000ffffffffff000ULL) != a->pml4)
		write_cr3(a->pml4);
}

/* The thread running on this CPU (per-CPU data through GS). */
struct thread;
static inline struct thread *arch_current_thread(void)
{
	struct thread *t;
	__asm__("movq %%gs:24, %0" : "=r"(t));     /* percpu.current */
	return t;
}

#endif /* ARCH_INLINE_H */
