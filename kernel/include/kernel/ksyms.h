/*
 * The kernel's own symbol table, embedded at build time (tools/ksyms.py
 * writes it into the .ksyms section during the second link pass) so that
 * panics print function names.
 *
 * Section layout (all little-endian):
 *   struct ksyms_header, then `count` struct ksyms_entry sorted by addr,
 *   then NUL-terminated names; name_off counts from the section start.
 */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <kernel/types.h>

#define KSYMS_MAGIC 0x4d59534bu /* "KSYM" */

struct ksyms_header {
	uint32_t magic;
	uint32_t count;
};

struct ksyms_entry {
	uint64_t addr;
	uint32_t name_off;
	uint32_t size;
};

_Static_assert(sizeof(struct ksyms_header) == 8, "ksyms.py layout");
_Static_assert(sizeof(struct ksyms_entry) == 16, "ksyms.py layout");

/* Name the function containing pc; returns NULL if no symbol covers it,
 * else the name with *offset = pc - symbol start. */
const char *ksyms_lookup(uintptr_t pc, uintptr_t *offset);

/* Number of symbols in the table (0 in the first link pass). */
size_t ksyms_count(void);

#endif /* KERNEL_KSYMS_H */
