/*
 * bootfs: the boot archive.  A read-only bundle of the files the kernel
 * hands to user space (init, servers, drivers, the service manifest),
 * packed by tools/mkbootfs.py and loaded whole by MantraBoot (BootInfo
 * field `bootfs`).  The full description is docs/bootfs.md.
 *
 * Layout (all integers little-endian, all offsets from the archive start):
 *
 *   [header][entry table][name table][pad][file 0][pad][file 1]...[pad]
 *
 *   - header: struct bootfs_header, `header_size` bytes;
 *   - entry table at `entry_offset`: `entry_count` records of `entry_size`
 *     bytes, sorted by name (byte-wise, strictly increasing);
 *   - name table at `names_offset`, `names_size` bytes: each name is its
 *     bytes followed by a NUL;
 *   - file data: each file starts on a BOOTFS_ALIGN boundary so it can be
 *     mapped in place, files appear in entry order, never overlap and never
 *     overlap the metadata; all padding is zero;
 *   - total_size is a multiple of BOOTFS_ALIGN.
 *
 * Integrity: `meta_crc32` is the CRC-32 (IEEE 802.3, as zlib's crc32()) of
 * bytes [0, names_offset + names_size) with the meta_crc32 field itself
 * read as zero; each entry's `crc32` covers that file's bytes.
 *
 * Versioning: `version` changes on any incompatible change and readers
 * refuse versions they do not know.  Compatible additions append fields to
 * the header or the entry and grow header_size / entry_size; readers use
 * the sizes from the header and ignore the tail they do not know.
 */
#ifndef MANTRA_ABI_BOOTFS_H
#define MANTRA_ABI_BOOTFS_H

#include <stdint.h>

#define BOOTFS_MAGIC     0x5346424du  /* "MBFS" as bytes in file order */
#define BOOTFS_VERSION   1u
#define BOOTFS_ALIGN     4096u        /* file data and total size */
#define BOOTFS_NAME_MAX  255u         /* bytes, excluding the NUL */

struct bootfs_header {
	uint32_t magic;          /* BOOTFS_MAGIC */
	uint16_t version;        /* BOOTFS_VERSION */
	uint16_t header_size;    /* >= sizeof(struct bootfs_header), 8-aligned */
	uint16_t entry_size;     /* >= sizeof(struct bootfs_entry), 8-aligned */
	uint16_t flags;          /* none defined: must be 0 */
	uint32_t entry_count;
	uint64_t total_size;     /* whole archive, multiple of BOOTFS_ALIGN */
	uint32_t entry_offset;   /* >= header_size, 8-aligned */
	uint32_t names_offset;   /* >= end of the entry table */
	uint32_t names_size;
	uint32_t meta_crc32;     /* see above */
	uint8_t reserved[24];    /* must be 0 */
};

struct bootfs_entry {
	uint32_t name_offset;    /* from names_offset */
	uint32_t name_len;       /* 1..BOOTFS_NAME_MAX, NUL not counted */
	uint64_t data_offset;    /* from archive start, BOOTFS_ALIGN-aligned */
	uint64_t size;           /* bytes of file data */
	uint32_t crc32;          /* of the file data */
	uint32_t flags;          /* none defined: must be 0 */
};

_Static_assert(sizeof(struct bootfs_header) == 64, "bootfs header layout");
_Static_assert(__builtin_offsetof(struct bootfs_header, version) == 4,
	       "bootfs header layout");
_Static_assert(__builtin_offsetof(struct bootfs_header, header_size) == 6,
	       "bootfs header layout");
_Static_assert(__builtin_offsetof(struct bootfs_header, entry_size) == 8,
	       "bootfs header layout");
_Static_assert(__builtin_offsetof(struct bootfs_header, flags) == 10,
	       "bootfs header layout");
_Static_assert(__builtin_offsetof(struct bootfs_header, entry_count) == 12,
	       "bootfs header layout");
_Static_assert(__builtin_offsetof(struct bootfs_header, total_size) == 16,
	       "bootfs header layout");
_Static_assert(__builtin_offsetof(struct bootfs_header, entry_offset) == 24,
	       "bootfs header layout");
_Static_assert(__builtin_offsetof(struct bootfs_header, names_offset) == 28,
	       "bootfs header layout");
_Static_assert(__builtin_offsetof(struct bootfs_header, names_size) == 32,
	       "bootfs header layout");
_Static_assert(__builtin_offsetof(struct bootfs_header, meta_crc32) == 36,
	       "bootfs header layout");
_Static_assert(__builtin_offsetof(struct bootfs_header, reserved) == 40,
	       "bootfs header layout");

_Static_assert(sizeof(struct bootfs_entry) == 32, "bootfs entry layout");
_Static_assert(__builtin_offsetof(struct bootfs_entry, name_len) == 4,
	       "bootfs entry layout");
_Static_assert(__builtin_offsetof(struct bootfs_entry, data_offset) == 8,
	       "bootfs entry layout");
_Static_assert(__builtin_offsetof(struct bootfs_entry, size) == 16,
	       "bootfs entry layout");
_Static_assert(__builtin_offsetof(struct bootfs_entry, crc32) == 24,
	       "bootfs entry layout");
_Static_assert(__builtin_offsetof(struct bootfs_entry, flags) == 28,
	       "bootfs entry layout");

#endif /* MANTRA_ABI_BOOTFS_H */
