/*
 * malloc/free/calloc/realloc: a first-fit allocator over memory objects
 * mapped with mt_vm_map, growing by chunks of at least MALLOC_CHUNK bytes.
 *
 * Invariants (guarded by malloc_lock): every block starts with a struct
 * mblock and is MALLOC_ALIGN-aligned; free blocks are on malloc_free in
 * ascending address order, and two free blocks are merged when one ends
 * where the next starts.  Chunks are never returned to the kernel.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libmantra/mantra.h>

#define MALLOC_ALIGN 16u
#define MALLOC_CHUNK (64u * 1024u)
#define MALLOC_MIN_SPLIT 64u

struct mblock {
	size_t size;             /* whole block, header included */
	struct mblock *next;     /* next free block; NULL while allocated */
};
_Static_assert(sizeof(struct mblock) == MALLOC_ALIGN, "mblock header size");

static struct mblock *malloc_free;
static volatile int malloc_lock;

static void malloc_acquire(void)
{
	while (__atomic_exchange_n(&malloc_lock, 1, __ATOMIC_ACQUIRE))
		(void)mt_thread_yield();
}

static void malloc_release(void)
{
	__atomic_store_n(&malloc_lock, 0, __ATOMIC_RELEASE);
}

/* Put b on the free list in address order, merging with its neighbours. */
static void malloc_insert(struct mblock *b)
{
	struct mblock **pp = &malloc_free, *prev = NULL;

	while (*pp && *pp < b) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	b->next = *pp;
	*pp = b;
	if (b->next && (char *)b + b->size == (char *)b->next) {
		b->size += b->next->size;
		b->next = b->next->next;
	}
	if (prev && (char *)prev + prev->size == (char *)b) {
		prev->size += b->size;
		prev->next = b->next;
	}
}

/* Map a new chunk big enough for `need` bytes onto the free list. */
static bool malloc_grow(size_t need)
{
	uint64_t size = mt_page_round_up(need > MALLOC_CHUNK ? need : MALLOC_CHUNK);
	uint64_t addr;
	struct mblock *b;

	if (mt_map_anon(size, MT_PROT_READ | MT_PROT_WRITE, &addr, NULL) < 0)
		return false;
	b = (struct mblock *)(uintptr_t)addr;
	b->size = size;
	malloc_insert(b);
	return true;
}

/* Take the first free block of at least `need` bytes, splitting it. */
static struct mblock *malloc_take(size_t need)
{
	for (struct mblock **pp = &malloc_free; *pp; pp = &(*pp)->next) {
		struct mblock *b = *pp;

		if (b->size < need)
			continue;
		if (b->size - need >= MALLOC_MIN_SPLIT) {
			struct mblock *rest = (struct mblock *)((char *)b + need);

			rest->size = b->size - need;
			rest->next = b->next;
			b->size = need;
			*pp = rest;
		} else {
			*pp = b->next;
		}
		b->next = NULL;
		return b;
	}
	return NULL;
}

void *malloc(size_t size)
{
	struct mblock *b;
	size_t need;

	if (size == 0 || size > MT_MEMORY_MAX)
		return NULL;
	need = (size + sizeof(struct mblock) + MALLOC_ALIGN - 1) &
	       ~(size_t)(MALLOC_ALIGN - 1);
	malloc_acquire();
	b = malloc_take(need);
	if (!b && malloc_grow(need))
		b = malloc_take(need);
	malloc_release();
	return b ? b + 1 : NULL;
}

void free(void *ptr)
{
	if (!ptr)
		return;
	malloc_acquire();
	malloc_insert((struct mblock *)ptr - 1);
	malloc_release();
}

void *calloc(size_t count, size_t size)
{
	void *p;

	if (size && count > SIZE_MAX / size)
		return NULL;
	p = malloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void *realloc(void *ptr, size_t size)
{
	size_t old;
	void *p;

	if (!ptr)
		return malloc(size);
	if (size == 0) {
		free(ptr);
		return NULL;
	}
	old = ((struct mblock *)ptr - 1)->size - sizeof(struct mblock);
	if (size <= old)
		return ptr;
	p = malloc(size);
	if (p) {
		memcpy(p, ptr, old);
		free(ptr);
	}
	return p;
}
