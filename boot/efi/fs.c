/* Reading files from the volume MantraBoot itself was loaded from. */
#include "loader.h"

static efi_file_t *fs_root;

/* Open the root directory of the boot volume (the ESP we were loaded from,
 * found through our own EFI_LOADED_IMAGE_PROTOCOL, UEFI 2.10 section 9.1). */
efi_status_t fs_open_boot_volume(void)
{
	static const efi_guid_t li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	static const efi_guid_t sfs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
	efi_loaded_image_t *li;
	efi_simple_file_system_t *sfs;
	efi_status_t st;

	st = efi_bs->handle_protocol(efi_image, &li_guid, (void **)&li);
	if (EFI_IS_ERROR(st)) {
		con_error("no loaded-image protocol", st);
		return st;
	}
	st = efi_bs->handle_protocol(li->device_handle, &sfs_guid, (void **)&sfs);
	if (EFI_IS_ERROR(st)) {
		con_error("boot device has no file system", st);
		return st;
	}
	st = sfs->open_volume(sfs, &fs_root);
	if (EFI_IS_ERROR(st))
		con_error("cannot open the boot volume", st);
	return st;
}

static void con_put_path(const char16_t *path)
{
	char buf[128];
	size_t i;

	for (i = 0; path[i] && i < sizeof(buf) - 1; i++)
		buf[i] = path[i] < 0x80 ? (char)path[i] : '?';
	buf[i] = 0;
	con_puts(buf);
}

static efi_status_t fs_file_size(efi_file_t *f, uint64_t *size)
{
	efi_status_t st;

	/* Seeking to all-ones moves to end of file (UEFI 2.10 13.5.13). */
	st = f->set_position(f, ~0ULL);
	if (!EFI_IS_ERROR(st))
		st = f->get_position(f, size);
	if (!EFI_IS_ERROR(st))
		st = f->set_position(f, 0);
	return st;
}

/* Read all of `path` into new zeroed pages of `memory_type`.  A missing file
 * returns EFI_NOT_FOUND without printing: the caller decides whether that is
 * an error. */
efi_status_t fs_read_file(const char16_t *path, uint32_t memory_type,
			  struct boot_file *out)
{
	efi_file_t *f;
	efi_status_t st;
	uint64_t size, got;

	st = fs_root->open(fs_root, &f, path, EFI_FILE_MODE_READ, 0);
	if (EFI_IS_ERROR(st))
		return st;
	st = fs_file_size(f, &size);
	if (EFI_IS_ERROR(st))
		goto fail;
	out->size = size;
	out->pages = (size + 4095) / 4096 + (size == 0);
	out->data = (void *)(uintptr_t)alloc_pages(out->pages, memory_type);
	if (!out->data) {
		st = EFI_OUT_OF_RESOURCES;
		goto fail;
	}
	got = size;
	st = f->read(f, &got, out->data);
	if (!EFI_IS_ERROR(st) && got != size)
		st = EFI_LOAD_ERROR;
	if (!EFI_IS_ERROR(st)) {
		f->close(f);
		return EFI_SUCCESS;
	}
	efi_bs->free_pages((uint64_t)(uintptr_t)out->data, out->pages);
fail:
	con_puts("MantraBoot: error: cannot read ");
	con_put_path(path);
	con_puts("\n");
	f->close(f);
	return st;
}
