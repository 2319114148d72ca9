/* User faults: what happens when user code raises an exception. */
#ifndef KERNEL_FAULT_H
#define KERNEL_FAULT_H

#include <kernel/types.h>

/* The current thread faulted (kind: enum mt_fault_kind).  With the
 * process's stop policy the thread stops until a handler resumes or kills
 * it; otherwise the process is killed with the fault recorded.  Returns to
 * the trap path, which then finishes the thread if it must die. */
void fault_user(uint32_t kind, uint64_t addr, uint64_t ip, uint64_t vector,
		uint64_t error);

#endif /* KERNEL_FAULT_H */
