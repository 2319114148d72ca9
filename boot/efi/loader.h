/*
 * MantraBoot internals.  The loader runs once, single-threaded, in UEFI boot
 * services; every function here either succeeds or prints why it failed and
 * returns an error for efi_main to hand back to the firmware.
 */
#ifndef MANTRABOOT_LOADER_H
#define MANTRABOOT_LOADER_H

#include "efi.h"

#include <mantra/bootinfo.h>
#include <stdbool.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define MANTRABOOT_VERSION "0.1.0"

extern efi_system_table_t *efi_st;
extern efi_boot_services_t *efi_bs;
extern efi_handle_t efi_image;

/* console.c: output goes to the firmware console (which OVMF mirrors on the
 * serial port).  After ExitBootServices nothing may print. */
void con_puts(const char *s);
void con_put_hex(uint64_t v);
void con_put_dec(uint64_t v);
void con_error(const char *what, efi_status_t status);

/* mem.c: the compiler may emit calls to these. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* fs.c: read a whole file from the boot volume into fresh pages of the
 * given memory type; *size gets its length. */
struct boot_file {
	void *data;
	uint64_t size;
	uint64_t pages;
};
efi_status_t fs_open_boot_volume(void);
efi_status_t fs_read_file(const char16_t *path, uint32_t memory_type,
			  struct boot_file *out);

/* paging.c: page tables for the kernel handoff. */
efi_status_t paging_build(uint64_t phys_limit, uint64_t kernel_phys,
			  uint64_t kernel_virt, uint64_t kernel_size,
			  uint64_t *cr3);

/* mmap.c: memory map, ExitBootServices, conversion to BootInfo form. */
efi_status_t mmap_prepare(void);
uint64_t mmap_phys_limit(void);
efi_status_t mmap_exit_boot_services(struct mantra_bootinfo *bi,
				     struct mantra_mmap_entry *out,
				     uint32_t capacity);

/* Allocate zeroed pages of a memory type; returns 0 on failure. */
uint64_t alloc_pages(uint64_t pages, uint32_t memory_type);

#endif /* MANTRABOOT_LOADER_H */
