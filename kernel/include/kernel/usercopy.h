/*
 * Copying between kernel and user memory.  A user range is accepted only if
 * it lies wholly in [MT_USER_BASE, MT_USER_TOP) without wrapping; a fault
 * while copying (unmapped, protected) is resolved like a user page fault
 * where the address space allows it, and otherwise turns into
 * MT_ERR_BAD_ADDRESS.  SMAP stays on except inside the copy itself.
 */
#ifndef KERNEL_USERCOPY_H
#define KERNEL_USERCOPY_H

#include <kernel/types.h>
#include <mantra/errors.h>
#include <mantra/types.h>

static inline bool user_range_ok(uintptr_t addr, size_t len)
{
	return addr >= MT_USER_BASE && addr <= MT_USER_TOP &&
	       len <= MT_USER_TOP - addr;
}

mt_status_t copy_from_user(void *dst, uintptr_t usrc, size_t len) __must_check;
mt_status_t copy_to_user(uintptr_t udst, const void *src, size_t len) __must_check;

/* Arch: raw copies with fault recovery; 0 or -1 (assumes checked range). */
int arch_copy_from_user(void *dst, uintptr_t usrc, size_t len);
int arch_copy_to_user(uintptr_t udst, const void *src, size_t len);

#endif /* KERNEL_USERCOPY_H */
