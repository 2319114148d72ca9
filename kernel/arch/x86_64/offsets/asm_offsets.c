/*
 * Structure offsets and constants for assembly (isr.S, ipc_fast.S).  Not
 * linked: the build compiles this file to assembly and turns each
 * "OFFSET name value" marker into #define name value in
 * <generated/asm_offsets.h> (mk/kernel.mk), so the assembly can never
 * disagree with the C layout.
 */
#include <kernel/ipc.h>
#include <kernel/process.h>
#include <kernel/thread.h>
#include <kernel/vm.h>

#define OFFSET(name, value) \
	__asm__ volatile(".ascii \"OFFSET " #name " %c0\\n\"" :: "i"(value))
#define MEMBER(name, type, member) OFFSET(name, __builtin_offsetof(type, member))

void asm_offsets(void);
void asm_offsets(void)
{
	MEMBER(T_KRSP, struct thread, arch.kernel_rsp);
	MEMBER(T_FS, struct thread, arch.fs_base);
	MEMBER(T_UFRAME, struct thread, arch.user_frame);
	MEMBER(T_STATE, struct thread, state);
	MEMBER(T_FLAGS, struct thread, flags);
	MEMBER(T_CPU, struct thread, cpu);
	MEMBER(T_PROC, struct thread, proc);
	MEMBER(T_KSTACK, struct thread, kstack_top);
	MEMBER(T_WAIT, struct thread, wait_node);
	MEMBER(T_TIMER, struct thread, timer_node);
	MEMBER(T_OWNSC, struct thread, own_sc);
	MEMBER(T_SC, struct thread, sc);
	MEMBER(T_PASSIVE, struct thread, passive);
	MEMBER(T_IPC_STATE, struct thread, ipc.state);
	MEMBER(T_IPC_REPLY_TO, struct thread, ipc.reply_to);
	MEMBER(T_IPC_SERVED_BY, struct thread, ipc.served_by);
	MEMBER(T_IPC_WAIT_EP, struct thread, ipc.wait_ep);
	MEMBER(P_SLOTS, struct process, handles.slots);
	MEMBER(P_ASPACE, struct process, aspace);
	MEMBER(AS_PML4, struct aspace, arch.pml4);
	MEMBER(EP_SENDERS, struct endpoint, senders);
	MEMBER(EP_RECEIVERS, struct endpoint, receivers);
	MEMBER(OBJ_TYPE, struct object, type);
	MEMBER(OBJ_REFCOUNT, struct object, refcount);
	OFFSET(HE_SIZE, sizeof(struct handle_entry));
	OFFSET(HE_SHIFT, __builtin_ctz(sizeof(struct handle_entry)));
	MEMBER(HE_OBJ, struct handle_entry, obj);
	MEMBER(HE_RIGHTS, struct handle_entry, rights);
	MEMBER(HE_GEN, struct handle_entry, gen);
	MEMBER(HE_BADGE, struct handle_entry, badge);
	OFFSET(THREAD_RUNNING_V, THREAD_RUNNING);
	OFFSET(THREAD_BLOCKED_V, THREAD_BLOCKED);
	OFFSET(IPC_IDLE_V, IPC_IDLE);
	OFFSET(IPC_WAIT_REPLY_V, IPC_WAIT_REPLY);
	OFFSET(THREAD_STOP_FLAGS, THREAD_KILL | THREAD_SUSPEND);
	OFFSET(HANDLES_MAX, MT_HANDLES_MAX);
	OFFSET(OBJ_ENDPOINT, MT_OBJ_ENDPOINT);
	OFFSET(RIGHT_READ, MT_RIGHT_READ);
	OFFSET(RIGHT_WRITE, MT_RIGHT_WRITE);
}
