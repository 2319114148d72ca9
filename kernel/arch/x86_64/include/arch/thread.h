/* x86_64 per-thread state kept by the kernel (see kernel/thread.h). */
#ifndef ARCH_THREAD_H
#define ARCH_THREAD_H

#include <kernel/types.h>

struct trap_frame;

struct arch_thread {
	uint64_t kernel_rsp;            /* saved by arch_context_switch */
	uint64_t fs_base;               /* user thread-pointer base */
	struct trap_frame *user_frame;  /* user registers, at the kernel stack top */
};

/* The user address space's root: a PML4 whose upper half is the kernel's. */
struct arch_aspace {
	paddr_t pml4;
	uint64_t tables;                /* page-table frames below the PML4 */
};

#endif /* ARCH_THREAD_H */
