/*
 * Simulated physical memory for host tests of the memory managers.
 *
 * One 64 MiB host arena, aligned to 2 MiB, stands for physical addresses
 * [0, 64 MiB): mm_direct_map_base points at the arena, so phys_to_virt()
 * lands inside it.  Ranges handed to pmm_init beyond 64 MiB are fine as
 * long as the test never touches those frames (the pmm never does, except
 * for its bitmap, which it places in the lowest range big enough).
 */
#ifndef FAKE_PHYS_H
#define FAKE_PHYS_H

#include <kernel/mm.h>
#include <kernel/pmm.h>

#include <stdint.h>
#include <stdlib.h>

#define FAKE_PHYS_SIZE ((uint64_t)64 << 20)
#define MiB            ((uint64_t)1 << 20)
#define GiB            ((uint64_t)1 << 30)

static inline void fake_phys_map(void)
{
	static uint8_t *arena;

	if (!arena) {
		arena = aligned_alloc(2 * MiB, FAKE_PHYS_SIZE);
		if (!arena)
			abort();
	}
	mm_direct_map_base = (uintptr_t)arena;
}

/* Re-initialise the pmm over the given ranges; returns pmm_init's result. */
static inline int fake_phys_init(const struct pmm_range *r, size_t n)
{
	fake_phys_map();
	return pmm_init(r, n);
}

static inline size_t fake_free_frames(void)
{
	struct pmm_stats st;

	pmm_get_stats(&st);
	return st.free_frames;
}

/* A tiny deterministic PRNG (xorshift64*) so stress tests are repeatable. */
static inline uint64_t fake_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

#endif /* FAKE_PHYS_H */
