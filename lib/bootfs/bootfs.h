/*
 * bootfs reader: validates a boot archive (format: mantra/bootfs.h,
 * docs/bootfs.md) and looks files up in it.
 *
 * Freestanding: used by the kernel, by the UEFI loader and by user space,
 * so it depends on nothing but the compiler's headers.  bootfs_open()
 * checks every field of the archive before it returns success; after that
 * the lookups trust the (read-only) archive and never fail on its content.
 */
#ifndef LIB_BOOTFS_H
#define LIB_BOOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mantra/bootfs.h>

enum bootfs_err {
	BOOTFS_OK = 0,
	BOOTFS_ERR_INVAL = -1,      /* bad argument (NULL, index out of range) */
	BOOTFS_ERR_TRUNCATED = -2,  /* buffer shorter than the archive claims */
	BOOTFS_ERR_MAGIC = -3,      /* not a boot archive */
	BOOTFS_ERR_VERSION = -4,    /* a version this reader does not know */
	BOOTFS_ERR_HEADER = -5,     /* header field invalid */
	BOOTFS_ERR_TABLE = -6,      /* entry or name table out of place */
	BOOTFS_ERR_CHECKSUM = -7,   /* metadata or file CRC-32 mismatch */
	BOOTFS_ERR_ENTRY = -8,      /* entry field invalid (flags) */
	BOOTFS_ERR_NAME = -9,       /* name out of bounds, unterminated, bad */
	BOOTFS_ERR_DUPLICATE = -10, /* two entries with the same name */
	BOOTFS_ERR_ORDER = -11,     /* entries not sorted by name */
	BOOTFS_ERR_DATA = -12,      /* file data out of bounds or misaligned */
	BOOTFS_ERR_OVERLAP = -13,   /* file data overlaps metadata or a file */
	BOOTFS_ERR_NOT_FOUND = -14, /* bootfs_find(): no such name */
};

/* An opened archive.  Invariant: if count > 0 (or base != NULL) every
 * entry has been validated by bootfs_open(). */
struct bootfs {
	const uint8_t *base;     /* archive start; NULL when not open */
	uint64_t total_size;
	size_t count;
	const uint8_t *entries;  /* entry table */
	uint32_t entry_size;
	const uint8_t *names;    /* name table */
	char why[64];            /* last bootfs_open() failure message */
	bool trusted;            /* opened without the files' checksums */
};

/* One file, pointing into the archive (which must stay mapped). */
struct bootfs_file {
	const char *name;        /* NUL-terminated */
	size_t name_len;
	const void *data;
	size_t size;
};

/* Validate the archive in base[0..size) and open it in *fs.  size may
 * exceed the archive (e.g. a page-rounded buffer).  Returns 0, or a
 * negative BOOTFS_ERR_* with *why (if why is not NULL) set to a message
 * that lives in fs->why or is static; on failure *fs is an empty archive.
 * Reads only inside base[0..size). */
int bootfs_open(struct bootfs *fs, const void *base, size_t size,
		const char **why) __attribute__((warn_unused_result));

/* The same without checking each file's CRC (the structure and the
 * metadata CRC still are): for an archive already checked by someone
 * trusted, like the kernel's for user space, read-only. */
int bootfs_open_trusted(struct bootfs *fs, const void *base, size_t size,
			const char **why) __attribute__((warn_unused_result));

/* Number of files in an opened archive. */
size_t bootfs_count(const struct bootfs *fs);

/* The index-th file in name order.  Returns 0 or BOOTFS_ERR_INVAL. */
int bootfs_entry(const struct bootfs *fs, size_t index,
		 struct bootfs_file *out) __attribute__((warn_unused_result));

/* Find a file by exact name (binary search).  Returns 0,
 * BOOTFS_ERR_NOT_FOUND or BOOTFS_ERR_INVAL. */
int bootfs_find(const struct bootfs *fs, const char *name,
		struct bootfs_file *out) __attribute__((warn_unused_result));

#endif /* LIB_BOOTFS_H */
