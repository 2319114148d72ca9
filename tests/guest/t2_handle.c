/*
 * handle.*: derivation only removes rights, replace and close invalidate,
 * object_info tells the truth, and the handle table survives exhaustion.
 */
#include "guest.h"

static mt_handle_t handle_new_memory(void)
{
	mt_handle_t h;

	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &h));
	return h;
}

GT_TEST(handle, duplicate_fewer_rights)
{
	mt_handle_t mem = handle_new_memory(), ro;
	uint8_t byte = 7;

	GT_OK(mt_handle_duplicate(mem, MT_RIGHT_READ | MT_RIGHT_INFO, &ro));
	GT_CHECK(ro != mem);
	GT_CHECK_EQ(GT_OK(mt_handle_rights(ro)), MT_RIGHT_READ | MT_RIGHT_INFO);
	GT_OK(mt_memory_read(ro, 0, &byte, 1));
	GT_CHECK_EQ(byte, 0);
	GT_ERR(mt_memory_write(ro, 0, &byte, 1), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_vm_map(gt_aspace(), 0, ro, 0, MT_PAGE_SIZE, MT_PROT_READ),
	       MT_ERR_ACCESS_DENIED);
	/* No DUPLICATE right: no further handles. */
	GT_ERR(mt_handle_duplicate(ro, MT_RIGHT_SAME, &mem), MT_ERR_ACCESS_DENIED);
}

GT_TEST(handle, duplicate_cannot_add_rights)
{
	mt_handle_t mem = handle_new_memory(), weak, out = 0;
	mt_status_t st;

	GT_OK(mt_handle_duplicate(mem, MT_RIGHT_READ | MT_RIGHT_DUPLICATE |
				  MT_RIGHT_INFO, &weak));
	st = mt_handle_duplicate(weak, MT_RIGHT_READ | MT_RIGHT_WRITE, &out);
	if (st != MT_ERR_INVALID_ARGS && st != MT_ERR_ACCESS_DENIED)
		gt_fail("adding WRITE by duplicate: %s", mt_status_str(st));
	st = mt_handle_duplicate(weak, MT_RIGHTS_ALL, &out);
	if (st != MT_ERR_INVALID_ARGS && st != MT_ERR_ACCESS_DENIED)
		gt_fail("duplicate to all rights: %s", mt_status_str(st));
	/* Unknown right bits are refused too. */
	st = mt_handle_duplicate(mem, 1u << 20, &out);
	if (st != MT_ERR_INVALID_ARGS && st != MT_ERR_ACCESS_DENIED)
		gt_fail("duplicate with an unknown right: %s", mt_status_str(st));
	GT_CHECK_EQ(GT_OK(mt_handle_rights(weak)),
		    MT_RIGHT_READ | MT_RIGHT_DUPLICATE | MT_RIGHT_INFO);
}

GT_TEST(handle, replace_invalidates_old)
{
	mt_handle_t mem = handle_new_memory(), repl;
	struct mt_object_info a, b;

	GT_OK(mt_object_info(mem, &a));
	GT_OK(mt_handle_replace(mem, MT_RIGHT_READ | MT_RIGHT_INFO, &repl));
	GT_ERR(mt_object_info(mem, &b), MT_ERR_BAD_HANDLE);
	GT_ERR(mt_handle_close(mem), MT_ERR_BAD_HANDLE);
	GT_OK(mt_object_info(repl, &b));
	GT_CHECK_EQ(a.koid, b.koid);
	GT_CHECK_EQ(b.rights, MT_RIGHT_READ | MT_RIGHT_INFO);
	GT_CHECK_EQ(b.handle_count, 1);
}

GT_TEST(handle, replace_cannot_add_rights)
{
	mt_handle_t mem = handle_new_memory(), weak, out = 0;
	mt_status_t st;

	GT_OK(mt_handle_duplicate(mem, MT_RIGHT_READ | MT_RIGHT_INFO, &weak));
	st = mt_handle_replace(weak, MT_RIGHT_READ | MT_RIGHT_WRITE | MT_RIGHT_INFO, &out);
	if (st != MT_ERR_INVALID_ARGS && st != MT_ERR_ACCESS_DENIED)
		gt_fail("adding WRITE by replace: %s", mt_status_str(st));
	/* On error the original is untouched. */
	GT_CHECK_EQ(GT_OK(mt_handle_rights(weak)), MT_RIGHT_READ | MT_RIGHT_INFO);
	GT_ERR(mt_handle_replace(weak, MT_RIGHT_SAME, NULL), MT_ERR_BAD_ADDRESS);
	GT_CHECK_EQ(GT_OK(mt_handle_rights(weak)), MT_RIGHT_READ | MT_RIGHT_INFO);
}

GT_TEST(handle, object_info_types)
{
	const struct mt_startup *su = mt_startup();
	struct mt_object_info info;
	mt_handle_t mem = handle_new_memory(), th;

	GT_OK(mt_object_info(mem, &info));
	GT_CHECK_EQ(info.type, MT_OBJ_MEMORY);
	GT_CHECK_EQ(info.size, MT_PAGE_SIZE);
	GT_CHECK_EQ(info.handle_count, 1);
	GT_CHECK(info.koid != 0);
	GT_CHECK_EQ(GT_OK(mt_handle_type(su->self_process)), MT_OBJ_PROCESS);
	GT_CHECK_EQ(GT_OK(mt_handle_type(su->self_aspace)), MT_OBJ_ASPACE);
	GT_CHECK_EQ(GT_OK(mt_handle_type(su->debuglog)), MT_OBJ_DEBUGLOG);
	GT_CHECK_EQ(GT_OK(mt_handle_type(su->bootfs)), MT_OBJ_MEMORY);
	/* The boot archive is read-only: no WRITE, no EXECUTE. */
	GT_CHECK_EQ(GT_OK(mt_handle_rights(su->bootfs)) &
		    (MT_RIGHT_WRITE | MT_RIGHT_EXECUTE), 0);
	GT_CHECK_EQ(GT_OK(mt_handle_rights(su->debuglog)) & MT_RIGHT_WRITE,
		    MT_RIGHT_WRITE);
	GT_OK(mt_thread_create(su->self_process, "t", 1, &th));
	GT_CHECK_EQ(GT_OK(mt_handle_type(th)), MT_OBJ_THREAD);
	/* Without INFO, no information. */
	mt_handle_t blind;
	GT_OK(mt_handle_duplicate(mem, MT_RIGHT_READ, &blind));
	GT_ERR(mt_object_info(blind, &info), MT_ERR_ACCESS_DENIED);
}

GT_TEST(handle, koid_and_count)
{
	mt_handle_t a = handle_new_memory(), b = handle_new_memory(), a2;
	struct mt_object_info ia, ib, ia2;

	GT_OK(mt_handle_duplicate(a, MT_RIGHT_SAME, &a2));
	GT_OK(mt_object_info(a, &ia));
	GT_OK(mt_object_info(b, &ib));
	GT_OK(mt_object_info(a2, &ia2));
	GT_CHECK(ia.koid != ib.koid);
	GT_CHECK_EQ(ia.koid, ia2.koid);
	GT_CHECK_EQ(ia.handle_count, 2);
	GT_OK(mt_handle_close(a2));
	GT_OK(mt_object_info(a, &ia));
	GT_CHECK_EQ(ia.handle_count, 1);
}

GT_TEST(handle, close_twice)
{
	mt_handle_t mem = handle_new_memory();

	GT_OK(mt_handle_close(mem));
	GT_ERR(mt_handle_close(mem), MT_ERR_BAD_HANDLE);
	GT_ERR(mt_handle_close(MT_HANDLE_INVALID), MT_ERR_BAD_HANDLE);
}

GT_TEST(handle, slot_reuse_new_generation)
{
	mt_handle_t seen[64];

	for (int i = 0; i < 64; i++) {
		seen[i] = handle_new_memory();
		GT_OK(mt_handle_close(seen[i]));
		GT_CHECK((seen[i] & 0x80000000u) == 0);
		GT_CHECK((seen[i] & 0xffff) != 0);
		for (int j = 0; j < i; j++)
			GT_CHECK(seen[j] != seen[i]);
	}
}

GT_TEST(handle, table_exhaustion)
{
	static mt_handle_t made[MT_HANDLES_MAX + 1];
	mt_handle_t mem = handle_new_memory(), extra;
	mt_status_t st = MT_OK;
	size_t n = 0;

	while (n <= MT_HANDLES_MAX) {
		st = mt_handle_duplicate(mem, MT_RIGHT_SAME, &made[n]);
		if (st < 0)
			break;
		n++;
	}
	GT_CHECK_EQ(st, MT_ERR_NO_RESOURCES);
	GT_CHECK(n < MT_HANDLES_MAX);
	GT_ERR(mt_memory_create(MT_PAGE_SIZE, 0, &extra), MT_ERR_NO_RESOURCES);
	/* The table still works, and a freed slot is usable again. */
	GT_OK(mt_handle_close(made[--n]));
	GT_OK(mt_handle_duplicate(mem, MT_RIGHT_SAME, &made[n++]));
	GT_ERR(mt_handle_duplicate(mem, MT_RIGHT_SAME, &extra), MT_ERR_NO_RESOURCES);
	while (n)
		GT_OK(mt_handle_close(made[--n]));
	GT_OK(mt_handle_duplicate(mem, MT_RIGHT_SAME, &extra));
	GT_OK(mt_null());
}
