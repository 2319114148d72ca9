/*
 * x86_64 thread state: building a new thread's stacks, switching between
 * threads, and reading/writing user registers.
 */
#include <arch/percpu.h>
#include <arch/x86.h>
#include <kernel/arch.h>
#include <kernel/bkl.h>
#include <kernel/panic.h>
#include <kernel/process.h>
#include <kernel/vm.h>
#include <mantra/errors.h>

extern void thread_trampoline(void);
void arch_switch_stacks(uint64_t *save_rsp, uint64_t next_rsp);


static inline struct trap_frame *user_frame_of(struct thread *t)
{
	return (struct trap_frame *)(t->kstack_top - sizeof(struct trap_frame));
}

/* Lay out a new user thread's kernel stack: the user trap frame at the top
 * (entered through user_return), and below it a switch frame whose return
 * address is thread_trampoline. */
void arch_thread_init_user(struct thread *t, uint64_t entry, uint64_t stack,
			   uint64_t arg, uint64_t tls)
{
	struct trap_frame *tf = user_frame_of(t);
	uint64_t *sw = (uint64_t *)tf - 7;

	__builtin_memset(tf, 0, sizeof(*tf));
	tf->rip = entry;
	tf->rsp = stack;
	tf->rdi = arg;
	tf->cs = SEL_UCODE;
	tf->ss = SEL_UDATA;
	tf->rflags = RFLAGS_IF;
	__builtin_memset(sw, 0, 6 * sizeof(uint64_t));
	sw[6] = (uint64_t)thread_trampoline;
	t->arch.kernel_rsp = (uint64_t)sw;
	t->arch.fs_base = tls;
	t->arch.user_frame = tf;
}

/* Switch from prev to next: kernel stack for traps and system calls, user
 * thread pointer, address space (when next has one), then the stacks. */
void arch_context_switch(struct thread *prev, struct thread *next)
{
	arch_set_kernel_stack(next->kstack_top);
	if (next->proc) {
		wrmsr(MSR_FS_BASE, next->arch.fs_base);
		aspace_activate(next->proc->aspace);
	} else if (bkl_on) {
		arch_aspace_switch_kernel();    /* see aspace.c unmap_range */
	}
	arch_switch_stacks(&prev->arch.kernel_rsp, next->arch.kernel_rsp);
}

static bool user_address(uint64_t a)
{
	return a < 0x0000800000000000ULL;
}

void arch_thread_get_regs(struct thread *t, struct mt_thread_regs *r)
{
	const struct trap_frame *tf = t->arch.user_frame;

	*r = (struct mt_thread_regs){
		.rax = tf->rax, .rbx = tf->rbx, .rcx = tf->rcx, .rdx = tf->rdx,
		.rsi = tf->rsi, .rdi = tf->rdi, .rbp = tf->rbp, .rsp = tf->rsp,
		.r8 = tf->r8, .r9 = tf->r9, .r10 = tf->r10, .r11 = tf->r11,
		.r12 = tf->r12, .r13 = tf->r13, .r14 = tf->r14, .r15 = tf->r15,
		.rip = tf->rip, .rflags = tf->rflags, .fs_base = t->arch.fs_base,
		.gs_base = 0,
	};
}

/* Refuses a rip or thread pointer outside user space: IRET to a
 * non-canonical rip would fault in the kernel. */
int64_t arch_thread_set_regs(struct thread *t, const struct mt_thread_regs *r)
{
	struct trap_frame *tf = t->arch.user_frame;

	if (!user_address(r->rip) || !user_address(r->fs_base) || r->gs_base)
		return MT_ERR_INVALID_ARGS;
	tf->rax = r->rax; tf->rbx = r->rbx; tf->rcx = r->rcx; tf->rdx = r->rdx;
	tf->rsi = r->rsi; tf->rdi = r->rdi; tf->rbp = r->rbp; tf->rsp = r->rsp;
	tf->r8 = r->r8; tf->r9 = r->r9; tf->r10 = r->r10; tf->r11 = r->r11;
	tf->r12 = r->r12; tf->r13 = r->r13; tf->r14 = r->r14; tf->r15 = r->r15;
	tf->rip = r->rip;
	tf->rflags = (r->rflags & RFLAGS_USER_MASK) | RFLAGS_IF;
	tf->vector = 0;       /* no longer a system call: never rewind it */
	t->arch.fs_base = r->fs_base;
	return MT_OK;
}
