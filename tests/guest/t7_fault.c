/*
 * fault.*: CPU exceptions in user mode become faults of the process with
 * the right kind and instruction; nothing a process does reaches the
 * kernel's own handlers as a kernel fault.  With MT_FAULT_POLICY_STOP the
 * creator inspects, repairs and resumes the faulting thread.
 */
#include "guest.h"

#include <string.h>

/* Mark the next instruction with a global label and expect a fault there. */
#define FAULT_AT(label) ".globl " #label "\n" #label ":\n\t"

extern char fault_div_at[], fault_ud2_at[], fault_int3_at[], fault_hlt_at[],
	fault_cli_at[], fault_in_at[], fault_int14_at[], fault_int80_at[],
	fault_noncanon_at[], fault_ss_at[], fault_ds_at[], helper_ud2_at[];

static uint64_t fault_ip(const char *label)
{
	return (uint64_t)(uintptr_t)label;
}

GT_TEST_FAULT(fault, divide_by_zero, MT_FAULT_DIVIDE)
{
	gt_expect_fault_ip(fault_ip(fault_div_at), 0);
	__asm__ volatile("xor %%edx, %%edx\n\t"
			 FAULT_AT(fault_div_at)
			 "divl %%ecx" : : "a"(1), "c"(0) : "rdx");
	gt_fail("divided by zero");
}

GT_TEST_FAULT(fault, invalid_opcode, MT_FAULT_INVALID_OPCODE)
{
	gt_expect_fault_ip(fault_ip(fault_ud2_at), 0);
	__asm__ volatile(FAULT_AT(fault_ud2_at) "ud2");
	gt_fail("ud2 went on");
}

GT_TEST_FAULT(fault, breakpoint, MT_FAULT_BREAKPOINT)
{
	/* int3 is a trap: the CPU reports the next instruction; the
	 * kernel may report either. */
	gt_expect_fault_ip(fault_ip(fault_int3_at), fault_ip(fault_int3_at) + 1);
	__asm__ volatile(FAULT_AT(fault_int3_at) "int3");
	gt_fail("int3 went on");
}

GT_TEST_FAULT(fault, privileged_hlt, MT_FAULT_GENERAL)
{
	gt_expect_fault_ip(fault_ip(fault_hlt_at), 0);
	__asm__ volatile(FAULT_AT(fault_hlt_at) "hlt");
	gt_fail("hlt went on");
}

GT_TEST_FAULT(fault, privileged_cli, MT_FAULT_GENERAL)
{
	gt_expect_fault_ip(fault_ip(fault_cli_at), 0);
	__asm__ volatile(FAULT_AT(fault_cli_at) "cli");
	gt_fail("cli went on");
}

GT_TEST_FAULT(fault, io_port, MT_FAULT_GENERAL)
{
	gt_expect_fault_ip(fault_ip(fault_in_at), 0);
	__asm__ volatile(FAULT_AT(fault_in_at) "inb $0x80, %%al" : : : "rax");
	gt_fail("port input went on");
}

GT_TEST_FAULT(fault, int_page_fault_vector, MT_FAULT_GENERAL)
{
	/* `int $14` from user mode must not look like a page fault to the
	 * kernel (the gate's DPL is 0: #GP). */
	gt_expect_fault_ip(fault_ip(fault_int14_at), 0);
	__asm__ volatile(FAULT_AT(fault_int14_at) "int $14");
	gt_fail("int $14 went on");
}

GT_TEST_FAULT(fault, int_0x80, MT_FAULT_GENERAL)
{
	gt_expect_fault_ip(fault_ip(fault_int80_at), 0);
	__asm__ volatile(FAULT_AT(fault_int80_at) "int $0x80");
	gt_fail("int $0x80 went on");
}

GT_TEST_FAULT(fault, non_canonical_access, MT_FAULT_GENERAL)
{
	gt_expect_fault_ip(fault_ip(fault_noncanon_at), 0);
	__asm__ volatile("movabs $0x8000000000000000, %%rax\n\t"
			 FAULT_AT(fault_noncanon_at)
			 "mov (%%rax), %%rax" : : : "rax");
	gt_fail("non-canonical read went on");
}

GT_TEST_FAULT(fault, kernel_stack_selector, MT_FAULT_GENERAL)
{
	/* Loading a kernel (DPL 0) selector at CPL 3 is refused. */
	gt_expect_fault_ip(fault_ip(fault_ds_at), 0);
	__asm__ volatile("mov $0x10, %%eax\n\t"
			 FAULT_AT(fault_ds_at)
			 "mov %%eax, %%ds" : : : "rax");
	gt_fail("loaded a kernel selector");
}

GT_TEST_FAULT(fault, null_stack_selector, MT_FAULT_GENERAL)
{
	gt_expect_fault_ip(fault_ip(fault_ss_at), 0);
	__asm__ volatile("xor %%eax, %%eax\n\t"
			 FAULT_AT(fault_ss_at)
			 "mov %%eax, %%ss" : : : "rax");
	gt_fail("loaded a null stack selector");
}

GT_TEST_FAULT(fault, null_call, MT_FAULT_PAGE)
{
	gt_expect_fault_ip(0, 0);
	gt_expect_fault_addr(0);
	/* Through a volatile pointer: a literal null call is undefined
	 * behaviour the compiler may drop. */
	void (*volatile fn)(void) = 0;

	fn();
	gt_fail("called address 0");
}

GT_TEST_FAULT(fault, single_step, MT_FAULT_OTHER)
{
	/* TF set: a debug trap after the next instruction. */
	__asm__ volatile("pushfq\n\t"
			 "orq $0x100, (%%rsp)\n\t"
			 "popfq\n\t"
			 "nop\n\t"
			 "nop\n\t" : : : "memory", "cc");
	gt_fail("single step went on");
}

/* Spawn the ud2 helper with MT_FAULT_POLICY_STOP and wait until its
 * thread stops on the fault. */
static void fault_stopped_helper(enum gt_helper id, struct mt_spawn_result *h,
				 struct mt_task_result *r)
{
	gt_spawn_helper(id, 0, MT_FAULT_POLICY_STOP, h);
	gt_wait(h->thread, MT_SIGNAL_FAULTED, 3000);
	memset(r, 0, sizeof(*r));
	GT_OK(mt_task_result(h->thread, r));
}

GT_TEST(fault, stop_policy_fix_and_resume)
{
	struct mt_spawn_result h;
	struct mt_task_result r;
	struct mt_thread_regs regs;

	fault_stopped_helper(GT_HELPER_UD2, &h, &r);
	GT_CHECK_EQ(r.fault, MT_FAULT_INVALID_OPCODE);
	GT_CHECK_EQ(r.fault_ip, fault_ip(helper_ud2_at));
	/* The process is not dead. */
	GT_OK(mt_task_result(h.process, &r));
	GT_CHECK(r.state != MT_TASK_FAULTED && r.state != MT_TASK_KILLED);
	GT_OK(mt_thread_read_state(h.thread, MT_THREAD_STATE_REGS, &regs, sizeof(regs)));
	GT_CHECK_EQ(regs.rip, fault_ip(helper_ud2_at));
	GT_CHECK_EQ(regs.rax, 1);
	regs.rip += 2;      /* skip ud2 */
	regs.rax = 77;
	GT_OK(mt_thread_write_state(h.thread, MT_THREAD_STATE_REGS, &regs, sizeof(regs)));
	GT_OK(mt_task_resume(h.thread));
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 3000);
	GT_OK(mt_task_result(h.process, &r));
	GT_CHECK_EQ(r.state, MT_TASK_EXITED);
	GT_CHECK_EQ(r.exit_code, 77);
	mt_spawn_release(&h);
}

GT_TEST(fault, stop_policy_resume_unfixed_faults_again)
{
	struct mt_spawn_result h;
	struct mt_task_result r;

	fault_stopped_helper(GT_HELPER_UD2, &h, &r);
	GT_OK(mt_task_resume(h.thread));
	(void)mt_nanosleep(gt_deadline_ms(10));
	gt_wait(h.thread, MT_SIGNAL_FAULTED, 3000);
	GT_OK(mt_task_result(h.thread, &r));
	GT_CHECK_EQ(r.fault_ip, fault_ip(helper_ud2_at));
	GT_OK(mt_task_kill(h.process));
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 3000);
	mt_spawn_release(&h);
}

GT_TEST(fault, stop_policy_kill)
{
	struct mt_spawn_result h;
	struct mt_task_result r;

	fault_stopped_helper(GT_HELPER_NULL_DEREF, &h, &r);
	GT_CHECK_EQ(r.fault, MT_FAULT_PAGE);
	GT_CHECK_EQ(r.fault_addr, 0);
	GT_OK(mt_task_kill(h.process));
	gt_wait(h.process, MT_SIGNAL_TERMINATED, 3000);
	GT_OK(mt_task_result(h.process, &r));
	GT_CHECK_EQ(r.state, MT_TASK_KILLED);
	mt_spawn_release(&h);
}

GT_TEST(fault, stop_policy_needs_manage)
{
	mt_handle_t proc, as, weak;

	GT_OK(mt_process_create("p", 1, &proc, &as));
	GT_ERR(mt_process_set_fault_policy(proc, 7), MT_ERR_INVALID_ARGS);
	GT_OK(mt_handle_duplicate(proc, MT_RIGHT_INFO, &weak));
	GT_ERR(mt_process_set_fault_policy(weak, MT_FAULT_POLICY_STOP),
	       MT_ERR_ACCESS_DENIED);
	GT_OK(mt_process_set_fault_policy(proc, MT_FAULT_POLICY_STOP));
}

GT_TEST_FAULT(fault, single_step_over_syscall, MT_FAULT_OTHER)
{
	/* TF set across a system call: the kernel must mask it on entry
	 * (SYSCALL_MASK) and the trap must reach us in user mode. */
	__asm__ volatile("xor %%eax, %%eax\n\t"
			 "pushfq\n\t"
			 "orq $0x100, (%%rsp)\n\t"
			 "popfq\n\t"
			 "syscall\n\t"
			 "nop\n\t"
			 : : : "rax", "rcx", "r11", "memory", "cc");
	gt_fail("single step over a system call went on");
}
