/*
 * Shared by the sec.* tests (t12_sec.c: confinement; t12_sec_mem.c:
 * memory protections and kernel addresses) and their helper roles.
 */
#ifndef GUEST_SEC_H
#define GUEST_SEC_H

#include "guest.h"

#define SEC_ARGS 6          /* system-call argument registers */

/* Roles of GT_HELPER_SEC (the helper's param). */
enum sec_role {
	SEC_ROLE_ZERO_EXIT = 1,     /* no handles; sweep; mt_process_exit */
	SEC_ROLE_ZERO_THREAD_EXIT,  /* no handles; sweep; mt_thread_exit */
	SEC_ROLE_ONE_CHANNEL,       /* only the channel end in box h[0] */
	SEC_ROLE_EXEC = 0x100,      /* + enum sec_region: execute it */
	SEC_ROLE_KERNEL = 0x200,    /* + access * 16 + index of sec_kernel_addrs */
};

/* Where the SEC_ROLE_EXEC helper jumps. */
enum sec_region {
	SEC_REGION_STACK,
	SEC_REGION_HEAP,
	SEC_REGION_DATA,
	SEC_REGION_BSS,
	SEC_REGION_RODATA,
	SEC_REGION_BOX,         /* a page the test mapped into the helper */
	SEC_REGION_COUNT
};

/* What the SEC_ROLE_KERNEL helper does at its address. */
enum sec_access { SEC_READ, SEC_WRITE, SEC_EXEC, SEC_ACCESS_COUNT };

/* The exit status of a confined helper that finished its sweep. */
#define SEC_EXIT_DONE 0x5ec

/* A helper's report, in its box page after struct gt_box: written by
 * the helper in place, read by the test with mt_memory_read. */
#define SEC_REPORT_OFFSET 1024
#define SEC_REPORT_TEXT   2048
struct sec_report {
	uint64_t stage;         /* SEC_STAGE_* */
	uint64_t go;            /* set by the test: carry on */
	uint64_t calls;         /* system calls made by the sweep */
	uint64_t problems;      /* how many were unexpected */
	uint64_t addr;          /* exec/kernel roles: the address used */
	char text[SEC_REPORT_TEXT];
};
_Static_assert(SEC_REPORT_OFFSET >= sizeof(struct gt_box), "report after the box");
_Static_assert(SEC_REPORT_OFFSET + sizeof(struct sec_report) <= MT_PAGE_SIZE,
	       "report inside the box page");

enum {
	SEC_STAGE_CONFINED = 1, /* startup handles closed; waiting for go */
	SEC_STAGE_DONE = 2,     /* sweep finished */
};

static inline volatile struct sec_report *sec_report(void)
{
	return (volatile struct sec_report *)(uintptr_t)(GT_BOX_ADDR +
							 SEC_REPORT_OFFSET);
}

/* Kernel addresses a user process must never reach. */
#define SEC_KERNEL_ADDRS 5
extern const uint64_t sec_kernel_addrs[SEC_KERNEL_ADDRS];

/* A 64-bit word that could be a kernel address: the upper half of the
 * address space, but not a small negative number (status codes). */
static inline bool sec_kernel_like(uint64_t v)
{
	return v >= 0xffff800000000000ULL && v < 0xfffffffffffff000ULL;
}

/* Run role `param` of GT_HELPER_SEC (helpers in t12_sec*.c). */
__attribute__((noreturn)) void sec_helper_mem_main(uint32_t param);

#endif /* GUEST_SEC_H */
