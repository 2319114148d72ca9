/* C library <malloc.h>: the allocator's own interface beyond <stdlib.h>
 * (lib/libc/malloc.c). */
#ifndef LIBC_MALLOC_H
#define LIBC_MALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes usable at ptr (at least what was asked for). */
size_t malloc_usable_size(void *ptr);

struct malloc_stats {
	size_t mapped;        /* bytes of address space taken from the system */
	size_t chunks;        /* arenas (chunks) of small blocks */
	size_t large;         /* blocks with a mapping of their own */
	size_t in_use;        /* bytes in allocated blocks, headers included */
	size_t free;          /* bytes in free blocks */
};

/* The allocator's counters. */
void malloc_stats_get(struct malloc_stats *out);

/* Walk every chunk and free list and check the allocator's invariants;
 * false (and *why set) at the first broken one.  For tests. */
bool malloc_check(const char **why);

#endif /* LIBC_MALLOC_H */
