/*
 * The IPC fast paths in assembly: sys_ipc_call and sys_ipc_reply_wait as
 * the system-call table calls them (kernel/object/endpoint.c has the
 * semantics and the C versions, ipc_call_c and ipc_reply_wait_c, which
 * take every case these do not).
 *
 * Taken when the message is registers only (no data, handles or flags),
 * the fast path is on, and the other side is waiting with nothing pending
 * (no kill, suspension or reschedule): for a call, a receiver blocked on
 * the endpoint; for a reply-and-wait, the caller blocked on its reply and
 * no call queued.  The message stays in the argument registers, which
 * are the other thread's result registers, and the CPU goes straight to
 * its user mode (ipc_handoff below).  The current thread's kernel context
 * is set up so that, if the scheduler resumes it instead of a fast reply,
 * it finishes in C (ipc_call_resumed, ipc_receive_resumed) and leaves
 * through its trap frame as any system call does.
 *
 * Entered by `call` from syscall_entry with interrupts on; arguments as in
 * C (rdi handle, rsi info, rdx, rcx, r8, r9 words); the trap frame lies
 * above the return address.  Every IPC entry first stores the caller's
 * callee-saved registers into the frame, from which a handoff resumes a
 * thread blocked in IPC.  Until the commit point only caller-saved
 * registers change, and rdi is reloaded from the frame before falling
 * back to C; after it the callee-saved registers, already saved, are free.
 */
#include <arch/asm_frame.h>
#include <arch/percpu.h>

/* Assembled twice: as is for one CPU, and from ipc_fast_smp.S with
 * IPC_SMP 1, where the names get a _smp suffix, the other thread must
 * last have run on this CPU (a thread on another CPU is woken there, by
 * the C path, with an IPI), and the exit releases the big kernel lock. */
#ifndef IPC_SMP
#define IPC_SMP 0
#endif
#if IPC_SMP
#define SFX(name) name##_smp
#else
#define SFX(name) name
#endif
#include <arch/segments.h>
#include <generated/asm_offsets.h>

#define FRAME 8                         /* trap frame above the return address */
#define MSR_FS_BASE 0xc0000100

/* Look up handle rdi with `right` (a bit) and type ENDPOINT; rax = the
 * endpoint, r11 = its handle entry, r10 = the current thread.  Jumps to
 * `fail` (rdi intact) otherwise.  Leaner than handle_get by the handle
 * table's invariants (kernel/object/handle.c): generations are 1..0x7fff,
 * so a value with bit 31 set never matches; slot 0 is never used and
 * keeps rights 0, as does every free slot, so a slot with the right holds
 * an object; and a process's table goes only with its last thread, so a
 * running thread's is there. */
	.macro ENDPOINT_LOOKUP right, fail
	movq	%gs:PCPU_CURRENT, %r10
	movzwl	%di, %eax
	cmpl	$(HANDLES_MAX - 1), %eax
	ja	\fail
	movq	T_PROC(%r10), %r11
	movq	P_SLOTS(%r11), %r11
	shlq	$HE_SHIFT, %rax                 /* entries are 1 << HE_SHIFT bytes */
	addq	%rax, %r11
	movl	%edi, %eax
	shrl	$16, %eax
	cmpw	HE_GEN(%r11), %ax
	jne	\fail
	testb	$\right, HE_RIGHTS(%r11)
	jz	\fail
	movq	HE_OBJ(%r11), %rax
	cmpl	$OBJ_ENDPOINT, OBJ_TYPE(%rax)
	jne	\fail
	.endm

/* Unlink list node \node (a register) if it is linked; clobbers r14, r15. */
	.macro LIST_UNLINK node
	cmpq	\node, (\node)
	je	.Lunlinked\@
	movq	(\node), %r14
	movq	8(\node), %r15
	movq	%r14, (%r15)
	movq	%r15, 8(%r14)
	movq	\node, (\node)
	movq	\node, 8(\node)
.Lunlinked\@:
	.endm

/* Commit: interrupts off, and a kernel context for the current thread
 * (r10) that the scheduler resumes at \resume.  Only the return address
 * matters: the registers arch_switch_stacks pops are the user's, already
 * in the frame, and \resume reloads them (RESUMED).  Clobbers r12. */
	.macro SAVE_FOR_SCHEDULER resume
	cli
	movq	$\resume, -8(%rsp)
	leaq	-KERNEL_CONTEXT_SIZE(%rsp), %r12
	movq	%r12, T_KRSP(%r10)
	.endm

/* Resumed by the scheduler at a SAVE_FOR_SCHEDULER point: run \fn (C),
 * reload the callee-saved registers and return to syscall_entry, which
 * leaves through the frame with rax = the result. */
	.macro RESUMED fn
	subq	$8, %rsp
	call	\fn
	addq	$8, %rsp
	LOAD_CALLEE_SAVED FRAME
	ret
	.endm

	.text

/* mt_status_t sys_ipc_call(handle, info, w0, w1, w2, w3) */
	.globl SFX(sys_ipc_call)
	.type SFX(sys_ipc_call), @function
SFX(sys_ipc_call):
	SAVE_CALLEE_SAVED FRAME                 /* for a handoff back to us */
	cmpq	ipc_fast_info_limit(%rip), %rsi
	jae	ipc_call_c
	ENDPOINT_LOOKUP RIGHT_WRITE, ipc_call_c
	movq	HE_BADGE(%r11), %r11            /* r11 = badge */
	leaq	EP_RECEIVERS(%rax), %rdi
	cmpq	%rdi, (%rdi)
	je	.Lcall_fallback                 /* no receiver waiting */
	movq	(%rdi), %rdi                    /* its wait node */
	testl	$THREAD_STOP_FLAGS, (T_FLAGS - T_WAIT)(%rdi)
	jnz	.Lcall_fallback
	cmpb	$0, %gs:PCPU_NEED_RESCHED
	jne	.Lcall_fallback
#if IPC_SMP
	pushq	%rdx                            /* every caller-saved */
	movl	(T_CPU - T_WAIT)(%rdi), %edx    /* register is in use */
	cmpl	%gs:PCPU_CPU, %edx
	popq	%rdx
	jne	.Lcall_fallback                 /* it runs on another CPU */
#endif
	SAVE_FOR_SCHEDULER SFX(ipc_call_resume)
	movq	%r10, %rbp                      /* rbp = us */
	leaq	-T_WAIT(%rdi), %rbx             /* rbx = the receiver */
	movq	(%rdi), %r14                    /* unlink: it is the first */
	leaq	EP_RECEIVERS(%rax), %r15
	movq	%r14, (%r15)
	movq	%r15, 8(%r14)
	movq	%rdi, (%rdi)
	movq	%rdi, 8(%rdi)
	leaq	T_TIMER(%rbx), %r12
	LIST_UNLINK %r12
	movq	%rbp, T_IPC_REPLY_TO(%rbx)
	movq	T_SC(%rbp), %r13                /* donate our context (a */
	movq	%r13, T_SC(%rbx)                /* running thread has one) */
	decl	OBJ_REFCOUNT(%rax)              /* the receiver's wait reference */
	movq	%rbx, T_IPC_SERVED_BY(%rbp)
	movl	$IPC_WAIT_REPLY_V, T_IPC_STATE(%rbp)
	movq	%rax, T_IPC_WAIT_EP(%rbp)
	movl	$THREAD_BLOCKED_V, T_STATE(%rbp)
	movq	%r11, %rdi                      /* the message: the badge, */
	movq	%rcx, %r10                      /* w1 where user mode has it */
	jmp	SFX(ipc_handoff)
.Lcall_fallback:
	movq	FRAME + TF_RDI(%rsp), %rdi
	jmp	ipc_call_c
	.size SFX(sys_ipc_call), . - SFX(sys_ipc_call)

/* Resumed by the scheduler instead of a fast reply. */
SFX(ipc_call_resume):
	RESUMED ipc_call_resumed

/* mt_status_t sys_ipc_reply_wait(handle, info, w0, w1, w2, w3) */
	.globl SFX(sys_ipc_reply_wait)
	.type SFX(sys_ipc_reply_wait), @function
SFX(sys_ipc_reply_wait):
	SAVE_CALLEE_SAVED FRAME
	cmpq	ipc_fast_info_limit(%rip), %rsi
	jae	ipc_reply_wait_c
	ENDPOINT_LOOKUP RIGHT_READ, ipc_reply_wait_c
	movq	T_IPC_REPLY_TO(%r10), %r11      /* r11 = the caller */
	cmpq	$1, %r11
	jbe	ipc_reply_wait_c                /* none, or it gave up */
	cmpl	$THREAD_BLOCKED_V, T_STATE(%r11)       /* not woken by */
	jne	ipc_reply_wait_c                       /* a timeout yet */
	cmpl	$IPC_WAIT_REPLY_V, T_IPC_STATE(%r11)
	jne	ipc_reply_wait_c
	testl	$THREAD_STOP_FLAGS, T_FLAGS(%r11)
	jnz	ipc_reply_wait_c
	cmpb	$0, %gs:PCPU_NEED_RESCHED
	jne	ipc_reply_wait_c
#if IPC_SMP
	movl	T_CPU(%r11), %edi
	cmpl	%gs:PCPU_CPU, %edi
	jne	.Lreply_fallback                /* it runs on another CPU */
#endif
	leaq	EP_SENDERS(%rax), %rdi
	cmpq	%rdi, (%rdi)
	jne	.Lreply_fallback                /* a call is queued */
	SAVE_FOR_SCHEDULER SFX(ipc_reply_wait_resume)
	movq	%r10, %rbp                      /* rbp = us */
	movq	%r11, %rbx                      /* rbx = the caller */
	movl	$IPC_IDLE_V, T_IPC_STATE(%rbx)
	movq	$0, T_IPC_SERVED_BY(%rbx)
	leaq	T_TIMER(%rbx), %r12
	LIST_UNLINK %r12
	movq	$0, T_IPC_REPLY_TO(%rbp)
	leaq	T_OWNSC(%rbp), %r13             /* our own context back */
	xorl	%r14d, %r14d
	cmpb	$0, T_PASSIVE(%rbp)
	cmovneq	%r14, %r13
	movq	%r13, T_SC(%rbp)
	incl	OBJ_REFCOUNT(%rax)              /* our wait reference */
	movq	%rax, T_IPC_WAIT_EP(%rbp)
	movl	$THREAD_BLOCKED_V, T_STATE(%rbp)
	leaq	EP_RECEIVERS(%rax), %r12        /* wait at the tail */
	leaq	T_WAIT(%rbp), %r13
	movq	8(%r12), %r14
	movq	%r12, (%r13)
	movq	%r14, 8(%r13)
	movq	%r13, (%r14)
	movq	%r13, 8(%r12)
	xorl	%edi, %edi                      /* the reply: no badge, */
	movq	%rcx, %r10                      /* w1 where user mode has it */
	jmp	SFX(ipc_handoff)
.Lreply_fallback:
	movq	FRAME + TF_RDI(%rsp), %rdi
	jmp	ipc_reply_wait_c
	.size SFX(sys_ipc_reply_wait), . - SFX(sys_ipc_reply_wait)

/* mt_status_t sys_ipc_recv(handle, flags): a thread waiting in receive
 * can be handed a call by sys_ipc_call, which resumes it from its frame:
 * complete the frame, then the C version. */
	.globl SFX(sys_ipc_recv)
	.type SFX(sys_ipc_recv), @function
SFX(sys_ipc_recv):
	SAVE_CALLEE_SAVED FRAME
	jmp	ipc_recv_c
	.size SFX(sys_ipc_recv), . - SFX(sys_ipc_recv)

SFX(ipc_reply_wait_resume):
	RESUMED ipc_receive_resumed

/*
 * Hand the CPU from the current thread (rbp, blocked, context saved) to
 * rbx: its kernel stack for traps and system calls, its thread pointer,
 * its address space, the current-thread slot; then finish its system call
 * with MT_OK and the message in rdi, rsi, rdx, r10, r8 and r9, which this
 * keeps (its frame's copies are stale, and unused: it leaves by SYSRET).
 */
SFX(ipc_handoff):
	movq	T_KSTACK(%rbx), %r12
	movq	%r12, %gs:PCPU_TSS_RSP0
	movq	%r12, %gs:PCPU_KERNEL_RSP
	movq	T_FS(%rbx), %rax
	cmpq	T_FS(%rbp), %rax
	je	.Lsame_tls
	movq	%rdx, %r14
	movl	$MSR_FS_BASE, %ecx
	movq	%rax, %rdx
	shrq	$32, %rdx
	wrmsr
	movq	%r14, %rdx
.Lsame_tls:
	movq	T_PROC(%rbx), %rax
	cmpq	T_PROC(%rbp), %rax
	je	.Lsame_aspace
	movq	P_ASPACE(%rax), %rax
	movq	AS_PML4(%rax), %rax
	movq	%rax, %cr3
.Lsame_aspace:
	movl	$THREAD_RUNNING_V, T_STATE(%rbx)
	movq	%rbx, %gs:PCPU_CURRENT
	movq	T_UFRAME(%rbx), %rsp
	LOAD_CALLEE_SAVED 0
	xorl	%eax, %eax
	jmp	SFX(syscall_return_regs)

	.section .note.GNU-stack, "", @progbits
