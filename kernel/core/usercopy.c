/* Checked copies between kernel and user memory (kernel/usercopy.h). */
#include <kernel/usercopy.h>

mt_status_t copy_from_user(void *dst, uintptr_t usrc, size_t len)
{
	if (!user_range_ok(usrc, len))
		return MT_ERR_BAD_ADDRESS;
	if (len && arch_copy_from_user(dst, usrc, len) != 0)
		return MT_ERR_BAD_ADDRESS;
	return MT_OK;
}

mt_status_t copy_to_user(uintptr_t udst, const void *src, size_t len)
{
	if (!user_range_ok(udst, len))
		return MT_ERR_BAD_ADDRESS;
	if (len && arch_copy_to_user(udst, src, len) != 0)
		return MT_ERR_BAD_ADDRESS;
	return MT_OK;
}
