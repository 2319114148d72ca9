/*
 * Helper roles: processes that tests start from the same image to have
 * something to kill, wait for, fault-stop or give handles to.
 */
#include "guest.h"

#include <stdlib.h>

static void helper_spin(void *arg)
{
	(void)arg;
	for (;;)
		__asm__ volatile("pause");
}

/* ud2 with rax = 1; a handler that fixes rip (+2) may change rax, which
 * becomes the exit status.  `helper_ud2_at` marks the instruction. */
static __attribute__((noreturn)) void helper_ud2(void)
{
	uint64_t rax;

	__asm__ volatile(".globl helper_ud2_at\n\t"
			 "movl $1, %%eax\n"
			 "helper_ud2_at:\n\t"
			 "ud2\n\t"
			 : "=a"(rax) : : "memory");
	exit((int)rax);
}

void gt_helper_main(uint64_t arg)
{
	uint32_t id = (uint32_t)((arg - GT_HELPER_BASE) >> 16);
	uint32_t param = (uint32_t)(arg & 0xffff);

	switch (id) {
	case GT_HELPER_EXIT:
		exit((int)param);
	case GT_HELPER_SPIN:
		helper_spin(NULL);
		break;
	case GT_HELPER_SLEEP:
		for (;;)
			(void)mt_nanosleep(MT_TIME_INFINITE);
	case GT_HELPER_UD2:
		helper_ud2();
	case GT_HELPER_THREADS:
		for (uint32_t i = 0; i < param; i++)
			(void)gt_thread_spawn(helper_spin, NULL, 0);
		for (;;)
			(void)mt_nanosleep(MT_TIME_INFINITE);
	case GT_HELPER_NULL_DEREF:
		exit(*(volatile int *)0);
	case GT_HELPER_ARGS:
		exit((int)(mt_startup_arg_u64("a", 200) + mt_startup_arg_u64("b", 55)));
	case GT_HELPER_LIBC:
		gt_helper_libc_main(param);
	case GT_HELPER_IPC_SERVER:
	case GT_HELPER_IPC_CALLER:
	case GT_HELPER_CHAN_ECHO:
	case GT_HELPER_SHM_SINK:
		gt_helper_ipc_main(id, param);
	case GT_HELPER_QUOTA:
		gt_helper_quota_main(param);
	case GT_HELPER_SEC:
		gt_helper_sec_main(param);
	case GT_HELPER_IDL:
		gt_helper_idl_main();
	}
	exit(99);
}
