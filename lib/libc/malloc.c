/*
 * malloc and friends: a segregated-fit allocator with boundary tags.
 *
 * Small and medium blocks live in chunks (at least MALLOC_CHUNK bytes)
 * taken from the system with libc_sys_map; a request of MALLOC_LARGE
 * bytes or more gets a mapping of its own and is unmapped on free.
 *
 * A block is a 16-byte header (struct mblock) and its payload.  `head`
 * holds the block's size (header included, a multiple of 16) and flags;
 * `prev_size` is the size of the block before it, valid only while that
 * block is free (it is the free block's footer).  A free block keeps its
 * bin links in its payload.  Each chunk is a struct mchunk, its blocks,
 * and a fence header of size 0 marked in use.
 *
 * Invariants (guarded by malloc_heap.lock):
 *   - blocks of a chunk tile it exactly, from chunk_first() to the fence;
 *   - no two free blocks are adjacent (free coalesces at once), so
 *     M_PREV_INUSE of a block is clear exactly when the block before it
 *     is free, and then prev_size is that block's size;
 *   - every free block is on the bin of bin_index(size), and bit i of
 *     bin_map is set exactly when bin i is non-empty;
 *   - the first block of a chunk has M_FIRST; a chunk whose first block is
 *     free and followed by the fence is empty and is returned to the
 *     system, unless it is the last chunk left (kept to avoid thrashing).
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libc.h"

#define M_ALIGN        16u
#define M_MIN_BLOCK    32u                    /* header + two links */
#define MALLOC_CHUNK   (256u * 1024u)
#define MALLOC_LARGE   (128u * 1024u)         /* own mapping from here */
#define MALLOC_MAX     ((size_t)1 << 46)      /* larger requests fail */

enum {
	M_INUSE      = 1u,    /* this block is allocated */
	M_PREV_INUSE = 2u,    /* the block before it is allocated (or none) */
	M_FIRST      = 4u,    /* the first block of its chunk */
	M_LARGE      = 8u,    /* a mapping of its own; prev_size is the offset
	                         of the header from the mapping's start */
	M_FLAGS      = 15u,
};

struct mblock {
	size_t prev_size;
	size_t head;
	/* payload; while free: */
	struct mblock *next, *prev;
};
_Static_assert(offsetof(struct mblock, next) == M_ALIGN, "header size");

struct mchunk {
	struct mchunk *next, *prev;
	size_t size;
	size_t pad;
};
_Static_assert(sizeof(struct mchunk) % M_ALIGN == 0, "chunk header size");

#define M_SMALL_BINS 31       /* exact bins: 32, 48, ... 512 bytes */
#define M_NBINS      128      /* then four bins per power of two */

static struct {
	struct libc_lock lock;
	struct mblock *bins[M_NBINS];
	uint64_t bin_map[M_NBINS / 64];
	struct mchunk *chunks;
	struct malloc_stats stats;
} malloc_heap;

static size_t block_size(const struct mblock *b)
{
	return b->head & ~(size_t)M_FLAGS;
}

static struct mblock *block_at(void *p, size_t off)
{
	return (struct mblock *)((char *)p + off);
}

static struct mblock *block_next(struct mblock *b)
{
	return block_at(b, block_size(b));
}

static void *block_payload(struct mblock *b)
{
	return (char *)b + M_ALIGN;
}

static struct mblock *chunk_first(struct mchunk *c)
{
	return block_at(c, sizeof(*c));
}

/* Bin of a free block of `size` bytes: exact up to 512, then four per
 * power of two (so a bin's blocks differ by under 25%). */
static unsigned bin_index(size_t size)
{
	unsigned k, idx;

	if (size <= 512)
		return (unsigned)(size / M_ALIGN) - 2;
	k = 63u - (unsigned)__builtin_clzll(size);        /* 2^k <= size */
	idx = M_SMALL_BINS + (k - 9) * 4 + (unsigned)((size >> (k - 2)) & 3);
	return idx < M_NBINS ? idx : M_NBINS - 1;
}

static void bin_push(struct mblock *b)
{
	unsigned i = bin_index(block_size(b));

	b->prev = NULL;
	b->next = malloc_heap.bins[i];
	if (b->next)
		b->next->prev = b;
	malloc_heap.bins[i] = b;
	malloc_heap.bin_map[i / 64] |= 1ull << (i % 64);
}

static void bin_remove(struct mblock *b)
{
	unsigned i = bin_index(block_size(b));

	if (b->prev)
		b->prev->next = b->next;
	else
		malloc_heap.bins[i] = b->next;
	if (b->next)
		b->next->prev = b->prev;
	if (!malloc_heap.bins[i])
		malloc_heap.bin_map[i / 64] &= ~(1ull << (i % 64));
}

/* Mark b (of its current size) free: footer, neighbour's flag, bin. */
static void block_set_free(struct mblock *b)
{
	struct mblock *n = block_next(b);

	b->head &= ~(size_t)M_INUSE;
	n->prev_size = block_size(b);
	n->head &= ~(size_t)M_PREV_INUSE;
	bin_push(b);
}

/* Cut b to `need` bytes when the rest makes a block; the rest is freed
 * (merged with a free block after it).  b stays allocated. */
static void block_trim(struct mblock *b, size_t need)
{
	size_t size = block_size(b);
	struct mblock *rest, *n;

	if (size - need < M_MIN_BLOCK)
		return;
	rest = block_at(b, need);
	rest->head = (size - need) | M_PREV_INUSE;
	b->head = need | (b->head & M_FLAGS);
	n = block_next(rest);
	if (!(n->head & M_INUSE)) {
		bin_remove(n);
		rest->head += block_size(n);
	}
	block_set_free(rest);
	malloc_heap.stats.in_use -= size - need;
	malloc_heap.stats.free += size - need;
}

/* A free block of at least `need` bytes off the bins, or NULL. */
static struct mblock *bins_take(size_t need)
{
	unsigned i = bin_index(need);

	for (struct mblock *b = malloc_heap.bins[i]; b; b = b->next) {
		if (block_size(b) >= need) {
			bin_remove(b);
			return b;
		}
	}
	for (i++; i < M_NBINS; i++) {
		uint64_t word = malloc_heap.bin_map[i / 64] >> (i % 64);

		if (!word) {
			i = (i | 63);             /* next word */
			continue;
		}
		i += (unsigned)__builtin_ctzll(word);
		struct mblock *b = malloc_heap.bins[i];
		bin_remove(b);
		return b;
	}
	return NULL;
}

/* Map a new chunk with room for a block of `need` bytes and put its one
 * free block on the bins. */
static bool chunk_grow(size_t need)
{
	size_t overhead = sizeof(struct mchunk) + M_ALIGN;   /* + fence */
	size_t size = need + overhead > MALLOC_CHUNK ? need + overhead :
		      MALLOC_CHUNK;
	struct mchunk *c;
	struct mblock *b, *fence;

	size = (size + LIBC_PAGE_SIZE - 1) & ~(size_t)(LIBC_PAGE_SIZE - 1);
	c = libc_sys_map(size);
	if (!c)
		return false;
	c->size = size;
	c->prev = NULL;
	c->next = malloc_heap.chunks;
	if (c->next)
		c->next->prev = c;
	malloc_heap.chunks = c;
	b = chunk_first(c);
	b->head = (size - overhead) | M_PREV_INUSE | M_FIRST;
	fence = block_next(b);
	fence->head = M_INUSE;
	block_set_free(b);
	malloc_heap.stats.mapped += size;
	malloc_heap.stats.chunks++;
	malloc_heap.stats.free += size - overhead;
	return true;
}

/* Return an empty chunk (its one free block is b) unless it is the only
 * one. */
static void chunk_release(struct mblock *b)
{
	struct mchunk *c = (struct mchunk *)((char *)b - sizeof(struct mchunk));

	if (malloc_heap.chunks == c && !c->next)
		return;
	bin_remove(b);
	if (c->prev)
		c->prev->next = c->next;
	else
		malloc_heap.chunks = c->next;
	if (c->next)
		c->next->prev = c->prev;
	malloc_heap.stats.mapped -= c->size;
	malloc_heap.stats.chunks--;
	malloc_heap.stats.free -= block_size(b);
	libc_sys_unmap(c, c->size);
}

/* Free an allocated chunk block: merge with free neighbours, bin it,
 * give an emptied chunk back. */
static void block_release(struct mblock *b)
{
	struct mblock *n = block_next(b);
	size_t size = block_size(b);

	malloc_heap.stats.in_use -= size;
	malloc_heap.stats.free += size;
	if (!(n->head & M_INUSE)) {
		bin_remove(n);
		b->head += block_size(n);
	}
	if (!(b->head & M_PREV_INUSE)) {
		struct mblock *p = (struct mblock *)((char *)b - b->prev_size);

		bin_remove(p);
		p->head += block_size(b);
		b = p;
	}
	block_set_free(b);
	if ((b->head & M_FIRST) && block_next(b)->head == M_INUSE)
		chunk_release(b);
}

/* Block size for a request of n bytes; 0 if it is too large. */
static size_t malloc_need(size_t n)
{
	if (n > MALLOC_MAX)
		return 0;
	n = (n + M_ALIGN + M_ALIGN - 1) & ~(size_t)(M_ALIGN - 1);
	return n < M_MIN_BLOCK ? M_MIN_BLOCK : n;
}

/* A block with its own mapping: `lead` bytes before the header (for
 * alignment), then `need` bytes. */
static void *large_alloc(size_t need, size_t align)
{
	size_t lead = align > M_ALIGN ? align - M_ALIGN : 0;
	size_t size = (lead + need + LIBC_PAGE_SIZE - 1) &
		      ~(size_t)(LIBC_PAGE_SIZE - 1);
	char *base = libc_sys_map(size);
	struct mblock *b;

	if (!base) {
		errno = ENOMEM;
		return NULL;
	}
	if (align > M_ALIGN)      /* payload aligned: header 16 bytes below */
		lead = (((uintptr_t)base + M_ALIGN + align - 1) & ~(align - 1)) -
		       M_ALIGN - (uintptr_t)base;
	b = block_at(base, lead);
	b->prev_size = lead;
	b->head = (size - lead) | M_LARGE | M_INUSE;
	libc_lock(&malloc_heap.lock);
	malloc_heap.stats.mapped += size;
	malloc_heap.stats.large++;
	malloc_heap.stats.in_use += size - lead;
	libc_unlock(&malloc_heap.lock);
	return block_payload(b);
}

static void large_free(struct mblock *b)
{
	size_t lead = b->prev_size, size = block_size(b);

	libc_lock(&malloc_heap.lock);
	malloc_heap.stats.mapped -= lead + size;
	malloc_heap.stats.large--;
	malloc_heap.stats.in_use -= size;
	libc_unlock(&malloc_heap.lock);
	libc_sys_unmap((char *)b - lead, lead + size);
}

/* Allocate a chunk block of `need` bytes (lock held); NULL if the system
 * has no more memory. */
static struct mblock *small_alloc(size_t need)
{
	struct mblock *b = bins_take(need);

	if (!b && chunk_grow(need))
		b = bins_take(need);
	if (!b)
		return NULL;
	b->head |= M_INUSE;
	block_next(b)->head |= M_PREV_INUSE;
	malloc_heap.stats.free -= block_size(b);
	malloc_heap.stats.in_use += block_size(b);
	block_trim(b, need);
	return b;
}

void *malloc(size_t n)
{
	size_t need = malloc_need(n);
	struct mblock *b;

	if (!need) {
		errno = ENOMEM;
		return NULL;
	}
	if (need >= MALLOC_LARGE)
		return large_alloc(need, M_ALIGN);
	libc_lock(&malloc_heap.lock);
	b = small_alloc(need);
	libc_unlock(&malloc_heap.lock);
	if (!b) {
		errno = ENOMEM;
		return NULL;
	}
	return block_payload(b);
}

/* The block of a pointer malloc returned; abort() on one it did not (or
 * a second free), as far as the header tells. */
static struct mblock *block_checked(void *ptr)
{
	struct mblock *b = (struct mblock *)((char *)ptr - M_ALIGN);

	if (((uintptr_t)ptr & (M_ALIGN - 1)) || !(b->head & M_INUSE) ||
	    block_size(b) < M_MIN_BLOCK)
		abort();
	return b;
}

void free(void *ptr)
{
	struct mblock *b;

	if (!ptr)
		return;
	b = block_checked(ptr);
	if (b->head & M_LARGE) {
		large_free(b);
		return;
	}
	libc_lock(&malloc_heap.lock);
	block_release(b);
	libc_unlock(&malloc_heap.lock);
}

void *calloc(size_t count, size_t size)
{
	void *p;

	if (size && count > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

/* Grow or shrink a chunk block in place (lock held): true if b now holds
 * `need` bytes. */
static bool small_resize(struct mblock *b, size_t need)
{
	struct mblock *n = block_next(b);
	size_t size = block_size(b);

	if (need > size) {
		if ((n->head & M_INUSE) || size + block_size(n) < need)
			return false;
		bin_remove(n);
		malloc_heap.stats.free -= block_size(n);
		malloc_heap.stats.in_use += block_size(n);
		b->head += block_size(n);
		block_next(b)->head |= M_PREV_INUSE;
	}
	block_trim(b, need);
	return true;
}

void *realloc(void *ptr, size_t n)
{
	size_t need = malloc_need(n);
	struct mblock *b;
	bool done = false;
	void *p;

	if (!ptr)
		return malloc(n);
	b = block_checked(ptr);
	if (!need) {
		errno = ENOMEM;
		return NULL;
	}
	if (b->head & M_LARGE) {
		done = need <= block_size(b) && need >= MALLOC_LARGE / 2;
	} else if (need < MALLOC_LARGE) {
		libc_lock(&malloc_heap.lock);
		done = small_resize(b, need);
		libc_unlock(&malloc_heap.lock);
	}
	if (done)
		return ptr;
	p = malloc(n);
	if (p) {
		size_t old = block_size(b) - M_ALIGN;

		memcpy(p, ptr, old < n ? old : n);
		free(ptr);
	}
	return p;
}

void *reallocarray(void *ptr, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(ptr, count * size);
}

/* A chunk block whose payload is aligned to `align` (a power of two above
 * M_ALIGN): over-allocate, then free the part before the aligned payload
 * and trim the part after it. */
static void *small_aligned(size_t need, size_t align)
{
	struct mblock *b, *a;
	uintptr_t pay;
	size_t lead;

	libc_lock(&malloc_heap.lock);
	b = small_alloc(need + align + M_MIN_BLOCK);
	if (!b) {
		libc_unlock(&malloc_heap.lock);
		return NULL;
	}
	/* The lead before the aligned payload is at least M_MIN_BLOCK bytes
	 * (and under M_MIN_BLOCK + align), so it stays a block of its own. */
	pay = ((uintptr_t)block_payload(b) + M_MIN_BLOCK + align - 1) & ~(align - 1);
	a = (struct mblock *)(pay - M_ALIGN);
	lead = (size_t)((char *)a - (char *)b);
	a->head = (block_size(b) - lead) | M_INUSE | M_PREV_INUSE;
	b->head = lead | (b->head & M_FLAGS);
	block_release(b);                      /* the lead: merged or binned */
	block_trim(a, need);
	libc_unlock(&malloc_heap.lock);
	return block_payload(a);
}

void *aligned_alloc(size_t align, size_t size)
{
	size_t need = malloc_need(size);
	void *p;

	if (align <= M_ALIGN && (align & (align - 1)) == 0)
		return malloc(size);
	if ((align & (align - 1)) || align > MALLOC_MAX || !need) {
		errno = align & (align - 1) ? EINVAL : ENOMEM;
		return NULL;
	}
	if (need + align >= MALLOC_LARGE)
		return large_alloc(need, align);
	p = small_aligned(need, align);
	if (!p)
		errno = ENOMEM;
	return p;
}

int posix_memalign(void **out, size_t align, size_t size)
{
	int saved = errno;
	void *p;

	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	p = aligned_alloc(align, size);
	if (!p) {
		int err = errno;

		errno = saved;
		return err;
	}
	*out = p;
	return 0;
}

size_t malloc_usable_size(void *ptr)
{
	return ptr ? block_size(block_checked(ptr)) - M_ALIGN : 0;
}

void malloc_stats_get(struct malloc_stats *out)
{
	libc_lock(&malloc_heap.lock);
	*out = malloc_heap.stats;
	libc_unlock(&malloc_heap.lock);
}

/* Check one chunk's tiling; counts its free blocks into *nfree. */
static const char *chunk_check(struct mchunk *c, size_t *nfree, size_t *bytes)
{
	struct mblock *b = chunk_first(c), *end = block_at(c, c->size - M_ALIGN);
	bool prev_free = false;

	if ((b->head & (M_FIRST | M_PREV_INUSE)) != (M_FIRST | M_PREV_INUSE))
		return "first block flags";
	for (; b != end; b = block_next(b)) {
		size_t size = block_size(b);

		if (size < M_MIN_BLOCK || size % M_ALIGN || b > end ||
		    (size_t)((char *)end - (char *)b) < size)
			return "block size outside its chunk";
		if (!(b->head & M_PREV_INUSE) != prev_free)
			return "M_PREV_INUSE disagrees with the block before";
		if (prev_free && block_size((struct mblock *)
				((char *)b - b->prev_size)) != b->prev_size)
			return "footer disagrees with the free block";
		prev_free = !(b->head & M_INUSE);
		if (prev_free && !(block_next(b)->head & M_INUSE))
			return "two adjacent free blocks";
		if (prev_free) {
			(*nfree)++;
			*bytes += size;
		}
	}
	if (end->head != (M_INUSE | (prev_free ? 0 : M_PREV_INUSE)))
		return "fence";
	return NULL;
}

/* Check the bins against the bitmap; counts their blocks into *n. */
static const char *bins_check(size_t *n, size_t *bytes)
{
	for (unsigned i = 0; i < M_NBINS; i++) {
		bool set = malloc_heap.bin_map[i / 64] >> (i % 64) & 1;

		if (set != (malloc_heap.bins[i] != NULL))
			return "bin map";
		for (struct mblock *b = malloc_heap.bins[i]; b; b = b->next) {
			if ((b->head & M_INUSE) || bin_index(block_size(b)) != i)
				return "block in the wrong bin";
			if (b->next && b->next->prev != b)
				return "bin links";
			(*n)++;
			*bytes += block_size(b);
		}
	}
	return NULL;
}

bool malloc_check(const char **why)
{
	size_t in_chunks = 0, in_bins = 0, bytes = 0, bin_bytes = 0, nchunks = 0;
	const char *err = NULL;

	libc_lock(&malloc_heap.lock);
	for (struct mchunk *c = malloc_heap.chunks; c && !err; c = c->next) {
		nchunks++;
		err = chunk_check(c, &in_chunks, &bytes);
	}
	if (!err)
		err = bins_check(&in_bins, &bin_bytes);
	if (!err && (in_bins != in_chunks || bytes != bin_bytes))
		err = "free blocks missing from the bins";
	if (!err && (bytes != malloc_heap.stats.free ||
		     nchunks != malloc_heap.stats.chunks))
		err = "counters";
	libc_unlock(&malloc_heap.lock);
	if (why)
		*why = err;
	return !err;
}
