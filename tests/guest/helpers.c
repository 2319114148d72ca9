/*
 * Helper roles: processes that tests start from the same image to have
 * something to kill, wait for, fault-stop or give handles to.
 */
#include "guest.h"

#include <stdlib.h>
#include <string.h>

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

/* ---- hardware objects for the harnesses that call every system call --- */

#define GT_HW_PORT       0x3ffu /* COM1's scratch register: harmless */
#define GT_HW_LINES      6u     /* floppy and LPT1's lines: nothing drives */
#define GT_HW_IRQ_LINE   6u     /* them here; the IRQ object binds the first, */
#define GT_HW_FREE_LINE  7u     /* calls get the second, which stays free */

const struct gt_hw *gt_hw(void)
{
	static struct gt_hw hw;

	if (hw.irq)
		return &hw;
	GT_CHECK(mt_startup()->ioports && mt_startup()->irqs);
	GT_OK(mt_resource_carve(mt_startup()->ioports, GT_HW_PORT, 1, &hw.ports));
	GT_OK(mt_resource_carve(mt_startup()->irqs, GT_HW_LINES, 2, &hw.lines));
	GT_OK(mt_irq_create(hw.lines, GT_HW_IRQ_LINE, 0, &hw.irq));
	return &hw;
}

mt_handle_t gt_hw_handle(const char *call, uint32_t type)
{
	if (type == MT_OBJ_IRQ)
		return gt_hw()->irq;
	if (type != MT_OBJ_RESOURCE)
		return MT_HANDLE_INVALID;
	return strcmp(call, "irq_create") == 0 ? gt_hw()->lines : gt_hw()->ports;
}

bool gt_hw_value(const char *call, const char *arg, uint64_t *out)
{
	if (strncmp(call, "resource_", 9) != 0 && strncmp(call, "ioport_", 7) != 0 &&
	    strncmp(call, "irq_", 4) != 0)
		return false;
	if (strcmp(arg, "base") == 0 || strcmp(arg, "port") == 0)
		*out = GT_HW_PORT;
	else if (strcmp(arg, "count") == 0 || strcmp(arg, "width") == 0)
		*out = 1;
	else if (strcmp(arg, "line") == 0)
		*out = GT_HW_FREE_LINE;
	else
		*out = 0;               /* value, flags */
	return true;
}
