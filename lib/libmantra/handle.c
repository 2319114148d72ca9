/*
 * Handle and memory helpers over the raw calls.
 */
#include <libmantra/mantra.h>

mt_status_t mt_handle_dup(mt_handle_t h, mt_rights_t rights, mt_handle_t *out)
{
	return mt_handle_duplicate(h, rights, out);
}

mt_status_t mt_handle_rights(mt_handle_t h)
{
	struct mt_object_info info;
	mt_status_t st = mt_object_info(h, &info);

	return st < 0 ? st : (mt_status_t)info.rights;
}

mt_status_t mt_handle_type(mt_handle_t h)
{
	struct mt_object_info info;
	mt_status_t st = mt_object_info(h, &info);

	return st < 0 ? st : (mt_status_t)info.type;
}

void mt_handle_drop(mt_handle_t h)
{
	if (h != MT_HANDLE_INVALID)
		(void)mt_handle_close(h);
}

mt_status_t mt_map_anon(uint64_t size, uint32_t prot, uint64_t *addr,
			mt_handle_t *mem)
{
	mt_handle_t h;
	mt_status_t st;

	size = mt_page_round_up(size);
	st = mt_memory_create(size, 0, &h);
	if (st < 0)
		return st;
	st = mt_vm_map(mt_startup()->self_aspace, 0, h, 0, size, prot);
	if (st < 0) {
		mt_handle_drop(h);
		return st;
	}
	*addr = (uint64_t)st;
	if (mem)
		*mem = h;
	else
		mt_handle_drop(h);
	return MT_OK;
}
