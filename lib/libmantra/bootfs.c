/*
 * The boot archive in user space: the start-up block's read-only memory
 * object, mapped once into our own address space and opened with
 * lib/bootfs (which validates all of it before any lookup).
 */
#include <libmantra/mantra.h>

/* Set once by mt_bootfs(); read-only afterwards. */
static struct bootfs mt_bootfs_archive;
static bool mt_bootfs_opened;

mt_status_t mt_bootfs(const struct bootfs **out)
{
	const struct mt_startup *st = mt_startup();
	mt_status_t addr;
	uint64_t size;

	if (mt_bootfs_opened) {
		*out = &mt_bootfs_archive;
		return MT_OK;
	}
	if (st->bootfs == MT_HANDLE_INVALID || st->bootfs_size == 0)
		return MT_ERR_NOT_FOUND;
	size = mt_page_round_up(st->bootfs_size);
	addr = mt_vm_map(st->self_aspace, 0, st->bootfs, 0, size, MT_PROT_READ);
	if (addr < 0)
		return addr;
	/* The kernel checked every file's CRC at boot, and the memory
	 * object is read-only: the structure is checked again, not data. */
	if (bootfs_open_trusted(&mt_bootfs_archive, (const void *)(uintptr_t)addr,
				st->bootfs_size, NULL) != BOOTFS_OK) {
		(void)mt_vm_unmap(st->self_aspace, (uint64_t)addr, size);
		return MT_ERR_INVALID_ARGS;
	}
	mt_bootfs_opened = true;
	*out = &mt_bootfs_archive;
	return MT_OK;
}

mt_status_t mt_bootfs_file(const char *name, struct bootfs_file *out)
{
	const struct bootfs *fs;
	mt_status_t st = mt_bootfs(&fs);

	if (st < 0)
		return st;
	if (bootfs_find(fs, name, out) != BOOTFS_OK)
		return MT_ERR_NOT_FOUND;
	return MT_OK;
}
