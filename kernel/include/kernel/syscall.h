/* System-call plumbing shared by the arch entry code and the handlers. */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <kernel/types.h>
#include <mantra/errors.h>
#include <mantra/types.h>
#include <syscall_decls.h>

/* Internal: "abandoned for a suspension, re-issue on resume".  Never seen
 * by user space (the dispatcher rewinds the call instead). */
#define SYSCALL_RESTART ((mt_status_t)-1000)

#endif /* KERNEL_SYSCALL_H */
