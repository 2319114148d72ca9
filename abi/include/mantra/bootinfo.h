/*
 * BootInfo: the one record MantraBoot hands to MantraCore.
 *
 * Shared by the loader (PE32+, MS ABI, built for x86_64-unknown-windows) and
 * the kernel (ELF, SysV ABI), so every field has a fixed width and explicit
 * padding; the layout is pinned by the _Static_asserts at the end.  All
 * addresses are physical unless the name says otherwise.
 *
 * Versioning: `version` is bumped on any incompatible change; the kernel
 * refuses a record whose magic, version or size it does not know.  New fields
 * are only ever appended, and `size` tells how much of the record the loader
 * filled in.
 *
 * The full handoff contract (CPU state, page tables) is in docs/boot.md.
 */
#ifndef MANTRA_ABI_BOOTINFO_H
#define MANTRA_ABI_BOOTINFO_H

#include <stdint.h>

#define MANTRA_BOOTINFO_MAGIC   0x4f464e49544e414dULL /* "MANTINFO" */
#define MANTRA_BOOTINFO_VERSION 1u

/* Base of the loader's direct map of all physical memory (also kept by the
 * kernel).  Canonical lower end of the higher half. */
#define MANTRA_DIRECT_MAP_BASE  0xffff800000000000ULL

#define MANTRA_CMDLINE_MAX      256u
#define MANTRA_MMAP_MAX         512u

/* Memory-map entry types: the loader turns UEFI's types into these. */
enum mantra_mem_type {
	MANTRA_MEM_USABLE = 1,        /* free RAM, the kernel's to manage */
	MANTRA_MEM_RESERVED = 2,      /* firmware-reserved, never touch */
	MANTRA_MEM_ACPI_RECLAIM = 3,  /* ACPI tables; usable after parsing */
	MANTRA_MEM_ACPI_NVS = 4,      /* firmware NVS, never touch */
	MANTRA_MEM_MMIO = 5,          /* device memory listed by firmware */
	MANTRA_MEM_RUNTIME = 6,       /* UEFI runtime services code/data */
	MANTRA_MEM_KERNEL = 7,        /* the loaded kernel image */
	MANTRA_MEM_BOOT_DATA = 8,     /* BootInfo, boot archive, boot stack,
	                                 loader page tables: free once the
	                                 kernel no longer needs them */
	MANTRA_MEM_BAD = 9,           /* unusable (firmware reported errors) */
};

struct mantra_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type;                /* enum mantra_mem_type */
	uint32_t reserved;
};

/* Pixel layouts of the GOP framebuffer. */
enum mantra_fb_format {
	MANTRA_FB_NONE = 0,           /* no framebuffer (headless) */
	MANTRA_FB_RGBX8888 = 1,       /* byte order R,G,B,X */
	MANTRA_FB_BGRX8888 = 2,       /* byte order B,G,R,X */
};

struct mantra_framebuffer {
	uint64_t base;                /* physical address of pixel (0,0) */
	uint64_t size;                /* bytes */
	uint32_t width;               /* pixels */
	uint32_t height;              /* pixels */
	uint32_t pitch;               /* bytes per scan line */
	uint32_t format;              /* enum mantra_fb_format */
};

struct mantra_bootinfo {
	uint64_t magic;               /* MANTRA_BOOTINFO_MAGIC */
	uint32_t version;             /* MANTRA_BOOTINFO_VERSION */
	uint32_t size;                /* sizeof(struct mantra_bootinfo) */

	/* The kernel image: one physically contiguous block holding every
	 * PT_LOAD segment, mapped at kernel_virt. */
	uint64_t kernel_phys;
	uint64_t kernel_virt;
	uint64_t kernel_size;

	/* Where the loader's page tables map all physical memory. */
	uint64_t direct_map_base;     /* MANTRA_DIRECT_MAP_BASE */

	/* Physical memory map, sorted by base, non-overlapping. */
	uint64_t mmap;                /* phys address of mantra_mmap_entry[] */
	uint32_t mmap_count;
	uint32_t mmap_entry_size;     /* sizeof(struct mantra_mmap_entry) */

	struct mantra_framebuffer fb;

	uint64_t rsdp;                /* ACPI RSDP, 0 if the firmware has none */
	uint32_t rsdp_revision;       /* 0: ACPI 1.0 RSDP, 2: ACPI 2.0+ XSDP */
	uint32_t exit_attempts;        /* ExitBootServices calls it took */

	uint64_t bootfs;              /* boot archive (see bootfs.h), 0 if none */
	uint64_t bootfs_size;

	uint64_t boot_stack;          /* lowest address of the boot stack */
	uint64_t boot_stack_size;

	uint64_t loader_tsc;          /* TSC read just before entering the kernel */

	char cmdline[MANTRA_CMDLINE_MAX]; /* NUL-terminated boot configuration */
};

_Static_assert(sizeof(struct mantra_mmap_entry) == 24, "mmap entry layout");
_Static_assert(sizeof(struct mantra_framebuffer) == 32, "framebuffer layout");
_Static_assert(__builtin_offsetof(struct mantra_bootinfo, kernel_phys) == 16,
	       "bootinfo layout");
_Static_assert(__builtin_offsetof(struct mantra_bootinfo, mmap) == 48,
	       "bootinfo layout");
_Static_assert(__builtin_offsetof(struct mantra_bootinfo, fb) == 64,
	       "bootinfo layout");
_Static_assert(__builtin_offsetof(struct mantra_bootinfo, rsdp) == 96,
	       "bootinfo layout");
_Static_assert(__builtin_offsetof(struct mantra_bootinfo, bootfs) == 112,
	       "bootinfo layout");
_Static_assert(__builtin_offsetof(struct mantra_bootinfo, cmdline) == 152,
	       "bootinfo layout");
_Static_assert(sizeof(struct mantra_bootinfo) == 408, "bootinfo layout");

#endif /* MANTRA_ABI_BOOTINFO_H */
