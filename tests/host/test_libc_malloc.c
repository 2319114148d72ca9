/*
 * Host tests of lib/libc's allocator over the fake page source
 * (libc_sys.c: Linux mmap, counted).  malloc_check walks every chunk and
 * bin after each phase.
 */
#include "test.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libc_host.h"

static void check_heap(void)
{
	const char *why = NULL;

	if (!malloc_check(&why))
		test_fail(__FILE__, __LINE__, "malloc_check: %s", why);
}

static unsigned mrand_state = 7;

static unsigned mrand(void)
{
	mrand_state ^= mrand_state << 13;
	mrand_state ^= mrand_state >> 17;
	mrand_state ^= mrand_state << 5;
	return mrand_state;
}

/* Fill p[0..n) with a pattern derived from its address and size. */
static void stamp(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)((uintptr_t)p + n + i);
}

static int stamped(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)((uintptr_t)p + n + i))
			return 0;
	return 1;
}

TEST(libc_malloc, basic_alignment_and_usable_size)
{
	for (size_t n = 0; n < 300; n++) {
		unsigned char *p = malloc(n);

		CHECK(p != NULL);
		CHECK_EQ((uintptr_t)p % 16, 0);
		CHECK(malloc_usable_size(p) >= n);
		stamp(p, n);
		CHECK(stamped(p, n));
		free(p);
	}
	free(NULL);
	check_heap();
}

/* Many live blocks of random sizes, freed in random order, with realloc
 * in between: contents survive and the heap stays consistent. */
TEST(libc_malloc, random_stress)
{
	enum { SLOTS = 512 };
	static unsigned char *p[SLOTS];
	static size_t len[SLOTS];

	for (int round = 0; round < 20000; round++) {
		unsigned i = mrand() % SLOTS, kind = mrand() % 8;
		size_t n = kind < 5 ? mrand() % 256 : kind < 7 ? mrand() % 8192 :
			   mrand() % 300000;

		if (p[i])
			CHECK(stamped(p[i], len[i]));
		if (p[i] && kind == 0) {
			free(p[i]);
			p[i] = NULL;
		} else if (p[i]) {
			unsigned char *q = realloc(p[i], n);
			size_t keep = n < len[i] ? n : len[i];

			CHECK(q != NULL);
			for (size_t k = 0; k < keep; k++)
				CHECK(q[k] == (unsigned char)((uintptr_t)p[i] + len[i] + k));
			p[i] = q;
		} else {
			p[i] = malloc(n);
			CHECK(p[i] != NULL);
		}
		if (p[i]) {
			len[i] = n;
			stamp(p[i], n);
		}
		if (round % 2000 == 0)
			check_heap();
	}
	for (int i = 0; i < SLOTS; i++) {
		if (p[i])
			CHECK(stamped(p[i], len[i]));
		free(p[i]);
		p[i] = NULL;
	}
	check_heap();
}

/* Freeing everything merges the blocks back into whole chunks, which go
 * back to the system (all but the last one). */
TEST(libc_malloc, free_coalesces_and_returns_chunks)
{
	enum { N = 4000 };
	static void *p[N];
	struct malloc_stats st;
	size_t base;

	malloc_stats_get(&st);
	base = st.mapped;
	for (int i = 0; i < N; i++)
		CHECK((p[i] = malloc(100 + (size_t)i % 700)) != NULL);
	malloc_stats_get(&st);
	CHECK(st.chunks >= 4);
	/* Free every other block first (no merging possible), then the rest. */
	for (int i = 0; i < N; i += 2)
		free(p[i]);
	check_heap();
	for (int i = 1; i < N; i += 2)
		free(p[i]);
	check_heap();
	malloc_stats_get(&st);
	CHECK_EQ(st.chunks, 1);
	CHECK_EQ(st.in_use, 0);
	CHECK(st.mapped <= base + 256 * 1024);
	CHECK_EQ(st.mapped, libc_host.mapped);
	/* The chunk left is one free block, big enough without a new one. */
	void *big = malloc(100000);
	CHECK(big != NULL);
	malloc_stats_get(&st);
	CHECK_EQ(st.chunks, 1);
	free(big);
	check_heap();
}

TEST(libc_malloc, large_blocks_have_their_own_mapping)
{
	size_t maps = libc_host.maps, unmaps = libc_host.unmaps;
	struct malloc_stats st;
	unsigned char *p = malloc(1 << 20);

	CHECK(p != NULL);
	CHECK_EQ(libc_host.maps, maps + 1);
	malloc_stats_get(&st);
	CHECK_EQ(st.large, 1);
	stamp(p, 1 << 20);
	p = realloc(p, 3 << 19);          /* grows: a new mapping */
	CHECK(p != NULL);
	p = realloc(p, 1 << 20);          /* shrinks by a third: stays */
	CHECK(p != NULL);
	free(p);
	CHECK_EQ(libc_host.maps - maps, libc_host.unmaps - unmaps);
	malloc_stats_get(&st);
	CHECK_EQ(st.large, 0);
}

TEST(libc_malloc, realloc_in_place_and_moves)
{
	unsigned char *a = malloc(100), *b, *c;

	CHECK(a != NULL);
	stamp(a, 100);
	b = realloc(a, 40);               /* shrink: in place */
	CHECK(b == a);
	c = malloc(16);                   /* now right after a, probably */
	b = realloc(a, 4000);
	CHECK(b != NULL);
	for (size_t k = 0; k < 40; k++)
		CHECK(b[k] == (unsigned char)((uintptr_t)a + 100 + k));
	free(c);
	check_heap();
	a = realloc(b, 8000);             /* the space after it is free now */
	CHECK(a == b);
	CHECK(realloc(NULL, 10) != NULL);
	free(a);
	check_heap();
}

TEST(libc_malloc, aligned)
{
	void *p[64];
	int k = 0;

	for (size_t align = 16; align <= 65536; align *= 2) {
		for (size_t n = 1; n < 5000; n = n * 3 + 1) {
			void *q = aligned_alloc(align, n);

			CHECK(q != NULL);
			CHECK_EQ((uintptr_t)q % align, 0);
			memset(q, 0xab, n);
			if (k < 64)
				p[k++] = q;
			else
				free(q);
		}
		check_heap();
	}
	for (int i = 0; i < k; i++)
		free(p[i]);
	check_heap();
	void *q = NULL;
	CHECK_EQ(posix_memalign(&q, 3, 10), EINVAL);
	CHECK_EQ(posix_memalign(&q, 4, 10), EINVAL);
	CHECK_EQ(posix_memalign(&q, 128, 10), 0);
	CHECK_EQ((uintptr_t)q % 128, 0);
	free(q);
	errno = 0;
	CHECK(aligned_alloc(24, 10) == NULL && errno == EINVAL);
}

TEST(libc_malloc, calloc_zeroes_and_overflow)
{
	unsigned char *p = malloc(512);

	memset(p, 0xff, 512);
	free(p);
	p = calloc(64, 8);
	CHECK(p != NULL);
	for (int i = 0; i < 512; i++)
		CHECK(p[i] == 0);
	free(p);
	errno = 0;
	CHECK(calloc(SIZE_MAX / 2, 3) == NULL && errno == ENOMEM);
	CHECK(reallocarray(NULL, SIZE_MAX / 2, 3) == NULL);
	CHECK(malloc(SIZE_MAX) == NULL);
	CHECK(malloc(SIZE_MAX - 8) == NULL);
}

TEST(libc_malloc, out_of_memory_is_null)
{
	void *p;

	libc_host.map_fail_after = -1;
	errno = 0;
	p = malloc(1 << 20);
	CHECK(p == NULL && errno == ENOMEM);
	p = malloc(300000);
	CHECK(p == NULL);
	libc_host.map_fail_after = 0;
	p = malloc(300000);
	CHECK(p != NULL);
	free(p);
	check_heap();
}
