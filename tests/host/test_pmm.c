/* Host tests for the physical frame allocator (kernel/mm/pmm.c). */
#include "fake_phys.h"
#include "test.h"

#include <kernel/pmm.h>

#define PG ((uint64_t)PAGE_SIZE)

/* A simple map: [2 MiB, 10 MiB) and [12 MiB, 20 MiB), 2 MiB hole between. */
static const struct pmm_range two_ranges[] = {
	{ 12 * MiB, 8 * MiB },
	{ 2 * MiB, 8 * MiB },
};

static void init_two_ranges(void)
{
	CHECK_EQ(fake_phys_init(two_ranges, 2), PMM_OK);
}

static struct pmm_stats stats(void)
{
	struct pmm_stats st;

	pmm_get_stats(&st);
	return st;
}

static bool in_ranges(paddr_t pa, const struct pmm_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pa >= r[i].base && pa + PG <= r[i].base + r[i].length)
			return true;
	return false;
}

/* Allocate every free frame into out (capacity max); returns the count. */
static size_t alloc_all(paddr_t *out, size_t max)
{
	size_t n = 0;
	paddr_t pa;

	while ((pa = pmm_alloc_page()) != 0) {
		CHECK(n < max);
		out[n++] = pa;
	}
	return n;
}

static int cmp_paddr(const void *a, const void *b)
{
	paddr_t x = *(const paddr_t *)a, y = *(const paddr_t *)b;

	return x < y ? -1 : x > y;
}

static paddr_t frames[32768];
static volatile paddr_t sink;   /* keeps __must_check results used */

/* ---- initialisation ---------------------------------------------------- */

TEST(pmm, init_no_ranges_fails)
{
	CHECK_EQ(fake_phys_init(NULL, 0), PMM_ERR_NO_MEMORY);
	CHECK_EQ(pmm_alloc_page(), 0);
	CHECK_EQ(stats().total_frames, 0);
}

TEST(pmm, init_null_array_with_count_fails)
{
	CHECK_EQ(fake_phys_init(NULL, 3), PMM_ERR_INVALID);
	CHECK_EQ(pmm_alloc_page(), 0);
}

TEST(pmm, init_only_low_memory_fails)
{
	struct pmm_range r[] = { { 0, 1 * MiB }, { 0x1000, 0x9f000 } };

	CHECK_EQ(fake_phys_init(r, 2), PMM_ERR_NO_MEMORY);
	CHECK_EQ(pmm_alloc_page(), 0);
}

TEST(pmm, init_subpage_range_fails)
{
	struct pmm_range r[] = { { 2 * MiB + 100, PG - 50 } };

	CHECK_EQ(fake_phys_init(r, 1), PMM_ERR_NO_MEMORY);
}

TEST(pmm, init_unaligned_range_fully_inside_one_page_fails)
{
	/* Crosses a page boundary but contains no whole page. */
	struct pmm_range r[] = { { 2 * MiB + 100, PG } };

	CHECK_EQ(fake_phys_init(r, 1), PMM_ERR_NO_MEMORY);
}

TEST(pmm, init_trims_unaligned_ends_inward)
{
	struct pmm_range r[] = { { 2 * MiB + 1, 10 * PG } };
	struct pmm_stats st;

	CHECK_EQ(fake_phys_init(r, 1), PMM_OK);
	st = stats();
	CHECK_EQ(st.lowest, 2 * MiB + PG);
	CHECK_EQ(st.highest, 2 * MiB + 10 * PG);
	CHECK_EQ(st.total_frames, 9);
	CHECK_EQ(st.bitmap_frames, 1);
	CHECK_EQ(st.free_frames, 8);
}

TEST(pmm, init_range_straddling_1mib_starts_at_1mib)
{
	struct pmm_range r[] = { { 512 * 1024, 2 * MiB } };
	struct pmm_stats st;

	CHECK_EQ(fake_phys_init(r, 1), PMM_OK);
	st = stats();
	CHECK_EQ(st.lowest, 1 * MiB);
	CHECK_EQ(st.highest, 2 * MiB + 512 * 1024);
	CHECK_EQ(st.total_frames, (1 * MiB + 512 * 1024) / PG);
}

TEST(pmm, init_unsorted_ranges)
{
	struct pmm_range r[] = {
		{ 40 * MiB, 4 * MiB }, { 4 * MiB, 2 * MiB }, { 20 * MiB, MiB },
	};
	struct pmm_stats st;

	CHECK_EQ(fake_phys_init(r, 3), PMM_OK);
	st = stats();
	CHECK_EQ(st.lowest, 4 * MiB);
	CHECK_EQ(st.highest, 44 * MiB);
	CHECK_EQ(st.total_frames, 7 * MiB / PG);
}

TEST(pmm, init_overlapping_ranges_counted_once)
{
	struct pmm_range r[] = {
		{ 4 * MiB, 4 * MiB }, { 6 * MiB, 4 * MiB }, { 5 * MiB, MiB },
	};

	CHECK_EQ(fake_phys_init(r, 3), PMM_OK);
	CHECK_EQ(stats().total_frames, 6 * MiB / PG);
}

TEST(pmm, init_zero_length_ranges_ignored)
{
	struct pmm_range r[] = { { 30 * MiB, 0 }, { 4 * MiB, MiB } };
	struct pmm_stats st;

	CHECK_EQ(fake_phys_init(r, 2), PMM_OK);
	st = stats();
	CHECK_EQ(st.highest, 5 * MiB);
	CHECK_EQ(st.total_frames, MiB / PG);
}

TEST(pmm, init_range_wrapping_address_space_is_clamped)
{
	struct pmm_range r[] = { { 4 * MiB, MiB }, { UINT64_MAX - 8 * PG + 1, 16 * PG } };

	/* The top range spans an absurd bitmap that cannot be placed. */
	CHECK_EQ(fake_phys_init(r, 2), PMM_ERR_NO_ROOM);
}

TEST(pmm, init_no_room_for_bitmap)
{
	/* Two one-page ranges 200 MiB apart: the bitmap needs 4 pages. */
	struct pmm_range r[] = { { 2 * MiB, PG }, { 202 * MiB, PG } };

	CHECK_EQ(fake_phys_init(r, 2), PMM_ERR_NO_ROOM);
	CHECK_EQ(pmm_alloc_page(), 0);
}

TEST(pmm, init_failure_forgets_previous_state)
{
	init_two_ranges();
	CHECK(pmm_alloc_page() != 0);
	CHECK_EQ(fake_phys_init(NULL, 0), PMM_ERR_NO_MEMORY);
	CHECK_EQ(stats().free_frames, 0);
	CHECK_EQ(pmm_alloc_page(), 0);
}

TEST(pmm, reinit_forgets_allocations)
{
	struct pmm_stats st;

	init_two_ranges();
	for (int i = 0; i < 100; i++)
		CHECK(pmm_alloc_page() != 0);
	init_two_ranges();
	st = stats();
	CHECK_EQ(st.free_frames, st.total_frames - st.bitmap_frames);
}

TEST(pmm, sparse_map_with_large_hole)
{
	struct pmm_range r[] = { { 4 * GiB, 16 * MiB }, { 2 * MiB, 30 * MiB } };
	struct pmm_stats st;
	size_t span, words;

	CHECK_EQ(fake_phys_init(r, 2), PMM_OK);
	st = stats();
	span = (4 * GiB + 16 * MiB - 2 * MiB) / PG;
	words = (span + 63) / 64;
	CHECK_EQ(st.lowest, 2 * MiB);
	CHECK_EQ(st.highest, 4 * GiB + 16 * MiB);
	CHECK_EQ(st.bitmap_frames, (2 * words * 8 + PG - 1) / PG);
	CHECK_EQ(st.total_frames, 46 * MiB / PG);
	CHECK_EQ(st.free_frames, st.total_frames - st.bitmap_frames);
}

TEST(pmm, sparse_map_hole_never_handed_out)
{
	struct pmm_range r[] = { { 4 * GiB, 4 * MiB }, { 2 * MiB, 8 * MiB } };
	size_t n;

	CHECK_EQ(fake_phys_init(r, 2), PMM_OK);
	n = alloc_all(frames, ARRAY_SIZE(frames));
	CHECK_EQ(n, stats().total_frames - stats().bitmap_frames);
	for (size_t i = 0; i < n; i++)
		CHECK(in_ranges(frames[i], r, 2));
}

/* ---- statistics -------------------------------------------------------- */

TEST(pmm, stats_after_init_add_up)
{
	struct pmm_stats st;

	init_two_ranges();
	st = stats();
	CHECK_EQ(st.total_frames, 16 * MiB / PG);
	CHECK_EQ(st.bitmap_frames, 1);
	CHECK_EQ(st.free_frames + st.bitmap_frames, st.total_frames);
	CHECK_EQ(st.lowest, 2 * MiB);
	CHECK_EQ(st.highest, 20 * MiB);
}

TEST(pmm, stats_track_alloc_and_free)
{
	size_t free0;
	paddr_t a, b;

	init_two_ranges();
	free0 = stats().free_frames;
	a = pmm_alloc_page();
	b = pmm_alloc_pages(8, 1);
	CHECK(a && b);
	CHECK_EQ(stats().free_frames, free0 - 9);
	pmm_free_pages(b, 8);
	CHECK_EQ(stats().free_frames, free0 - 1);
	pmm_free_pages(a, 1);
	CHECK_EQ(stats().free_frames, free0);
}

/* ---- single pages ------------------------------------------------------ */

TEST(pmm, alloc_page_aligned_and_nonzero)
{
	init_two_ranges();
	for (int i = 0; i < 50; i++) {
		paddr_t pa = pmm_alloc_page();

		CHECK(pa != 0);
		CHECK_EQ(pa % PG, 0);
	}
}

TEST(pmm, alloc_all_unique_and_inside_ranges)
{
	size_t n;

	init_two_ranges();
	n = alloc_all(frames, ARRAY_SIZE(frames));
	CHECK_EQ(n, 16 * MiB / PG - 1);
	qsort(frames, n, sizeof(frames[0]), cmp_paddr);
	for (size_t i = 0; i < n; i++) {
		CHECK(in_ranges(frames[i], two_ranges, 2));
		if (i)
			CHECK(frames[i] != frames[i - 1]);
	}
}

TEST(pmm, hole_between_ranges_never_handed_out)
{
	size_t n;

	init_two_ranges();
	n = alloc_all(frames, ARRAY_SIZE(frames));
	for (size_t i = 0; i < n; i++)
		CHECK(frames[i] < 10 * MiB || frames[i] >= 12 * MiB);
}

TEST(pmm, low_memory_never_handed_out)
{
	struct pmm_range r[] = { { 0, 3 * MiB } };
	size_t n;

	CHECK_EQ(fake_phys_init(r, 1), PMM_OK);
	n = alloc_all(frames, ARRAY_SIZE(frames));
	CHECK_EQ(n, 2 * MiB / PG - 1);
	for (size_t i = 0; i < n; i++)
		CHECK(frames[i] >= 1 * MiB);
}

TEST(pmm, bitmap_frames_not_handed_out)
{
	struct pmm_stats st;
	size_t n;

	init_two_ranges();
	st = stats();
	n = alloc_all(frames, ARRAY_SIZE(frames));
	/* The bitmap sits at the start of the lowest range that fits. */
	for (size_t i = 0; i < n; i++)
		CHECK(frames[i] >= 2 * MiB + st.bitmap_frames * PG ||
		      frames[i] < 2 * MiB);
	CHECK(!pmm_page_is_allocated(2 * MiB));
}

TEST(pmm, exhaustion_returns_zero)
{
	struct pmm_range r[] = { { 2 * MiB, 5 * PG } };

	CHECK_EQ(fake_phys_init(r, 1), PMM_OK);
	for (int i = 0; i < 4; i++)
		CHECK(pmm_alloc_page() != 0);
	CHECK_EQ(pmm_alloc_page(), 0);
	CHECK_EQ(pmm_alloc_page(), 0);
	CHECK_EQ(stats().free_frames, 0);
}

TEST(pmm, exhaustion_recovers_after_free)
{
	struct pmm_range r[] = { { 2 * MiB, 5 * PG } };
	paddr_t got[4], again;

	CHECK_EQ(fake_phys_init(r, 1), PMM_OK);
	for (int i = 0; i < 4; i++)
		got[i] = pmm_alloc_page();
	CHECK_EQ(pmm_alloc_page(), 0);
	pmm_free_pages(got[2], 1);
	again = pmm_alloc_page();
	CHECK_EQ(again, got[2]);
	CHECK_EQ(pmm_alloc_page(), 0);
}

TEST(pmm, sequential_allocations_ascend)
{
	paddr_t prev;

	init_two_ranges();
	prev = pmm_alloc_page();
	for (int i = 0; i < 200; i++) {
		paddr_t pa = pmm_alloc_page();

		CHECK(pa > prev);
		prev = pa;
	}
}

TEST(pmm, next_fit_wraps_around)
{
	size_t n;
	paddr_t low;

	init_two_ranges();
	n = alloc_all(frames, ARRAY_SIZE(frames));
	CHECK(n > 10);
	low = frames[0];
	pmm_free_pages(low, 1);
	CHECK_EQ(pmm_alloc_page(), low);
}

TEST(pmm, free_all_restores_free_count)
{
	size_t n, free0;

	init_two_ranges();
	free0 = stats().free_frames;
	n = alloc_all(frames, ARRAY_SIZE(frames));
	for (size_t i = 0; i < n; i++)
		pmm_free_pages(frames[i], 1);
	CHECK_EQ(stats().free_frames, free0);
}

TEST(pmm, page_is_allocated_reflects_state)
{
	paddr_t pa;

	init_two_ranges();
	pa = pmm_alloc_page();
	CHECK(pmm_page_is_allocated(pa));
	CHECK(pmm_page_is_allocated(pa + 123));
	pmm_free_pages(pa, 1);
	CHECK(!pmm_page_is_allocated(pa));
	CHECK(!pmm_page_is_allocated(11 * MiB));   /* hole */
	CHECK(!pmm_page_is_allocated(0));
	CHECK(!pmm_page_is_allocated(64 * GiB));
}

/* ---- contiguous runs --------------------------------------------------- */

TEST(pmm, alloc_pages_contiguous_run)
{
	paddr_t base;

	init_two_ranges();
	base = pmm_alloc_pages(16, 1);
	CHECK(base != 0);
	for (int i = 0; i < 16; i++)
		CHECK(pmm_page_is_allocated(base + (paddr_t)i * PG));
	CHECK(in_ranges(base, two_ranges, 2));
	CHECK(in_ranges(base + 15 * PG, two_ranges, 2));
}

TEST(pmm, alloc_pages_alignment)
{
	init_two_ranges();
	CHECK(pmm_alloc_page() != 0);   /* disturb the start */
	for (size_t align = 1; align <= 512; align *= 2) {
		paddr_t base = pmm_alloc_pages(3, align);

		CHECK(base != 0);
		CHECK_EQ(base % (align * PG), 0);
	}
}

TEST(pmm, alloc_pages_align_zero_means_one)
{
	paddr_t base;

	init_two_ranges();
	base = pmm_alloc_pages(2, 0);
	CHECK(base != 0);
	CHECK_EQ(base % PG, 0);
}

TEST(pmm, alloc_pages_alignment_with_unaligned_span_start)
{
	struct pmm_range r[] = { { 2 * MiB + 3 * PG, 64 * PG } };
	paddr_t base;

	CHECK_EQ(fake_phys_init(r, 1), PMM_OK);
	base = pmm_alloc_pages(4, 16);
	CHECK(base != 0);
	CHECK_EQ(base % (16 * PG), 0);
	CHECK(in_ranges(base + 3 * PG, r, 1));
}

TEST(pmm, alloc_pages_does_not_cross_holes)
{
	/* Two 10-page ranges separated by a one-page hole. */
	struct pmm_range r[] = { { 4 * MiB, 10 * PG }, { 4 * MiB + 11 * PG, 10 * PG } };
	paddr_t base;

	CHECK_EQ(fake_phys_init(r, 2), PMM_OK);
	CHECK_EQ(pmm_alloc_pages(12, 1), 0);
	base = pmm_alloc_pages(10, 1);
	CHECK_EQ(base, 4 * MiB + 11 * PG);  /* the first range holds the bitmap */
}

TEST(pmm, alloc_pages_too_big_fails)
{
	init_two_ranges();
	CHECK_EQ(pmm_alloc_pages(16 * MiB / PG, 1), 0);
	CHECK_EQ(pmm_alloc_pages(9 * MiB / PG, 1), 0);   /* > any range */
	CHECK(pmm_alloc_pages(4 * MiB / PG, 1) != 0);
}

TEST(pmm, alloc_pages_zero_count_fails)
{
	init_two_ranges();
	CHECK_EQ(pmm_alloc_pages(0, 1), 0);
}

TEST(pmm, alloc_pages_huge_alignment_fails)
{
	init_two_ranges();
	CHECK_EQ(pmm_alloc_pages(1, (size_t)1 << 40), 0);
	CHECK_EQ(pmm_alloc_pages(1, (size_t)1 << 62), 0);
}

TEST(pmm, alloc_pages_non_power_of_two_alignment_panics)
{
	init_two_ranges();
	EXPECT_PANIC(sink = pmm_alloc_pages(2, 3));
	CHECK(strstr(test_panic_msg, "power of two") != NULL);
}

TEST(pmm, alloc_pages_fragmented_memory)
{
	struct pmm_range r[] = { { 2 * MiB, 65 * PG } };
	size_t n;

	CHECK_EQ(fake_phys_init(r, 1), PMM_OK);
	n = alloc_all(frames, ARRAY_SIZE(frames));
	CHECK_EQ(n, 64);
	for (size_t i = 0; i < n; i += 2)
		pmm_free_pages(frames[i], 1);
	CHECK_EQ(pmm_alloc_pages(2, 1), 0);
	pmm_free_pages(frames[11], 1);
	CHECK_EQ(pmm_alloc_pages(3, 1), frames[10]);
}

TEST(pmm, alloc_pages_exact_fit_of_all_memory)
{
	struct pmm_range r[] = { { 2 * MiB, 33 * PG } };
	paddr_t base;

	CHECK_EQ(fake_phys_init(r, 1), PMM_OK);
	base = pmm_alloc_pages(32, 1);
	CHECK_EQ(base, 2 * MiB + PG);
	CHECK_EQ(pmm_alloc_page(), 0);
	pmm_free_pages(base, 32);
	CHECK_EQ(stats().free_frames, 32);
}

TEST(pmm, alloc_pages_runs_never_overlap_stress)
{
	enum { SLOTS = 64 };
	paddr_t base[SLOTS] = { 0 };
	size_t len[SLOTS] = { 0 };
	uint64_t seed = 0x1234567;
	size_t free0;

	init_two_ranges();
	free0 = stats().free_frames;
	for (int op = 0; op < 4000; op++) {
		size_t s = fake_rand(&seed) % SLOTS;

		if (base[s]) {
			pmm_free_pages(base[s], len[s]);
			base[s] = 0;
			continue;
		}
		len[s] = 1 + fake_rand(&seed) % 40;
		base[s] = pmm_alloc_pages(len[s], (size_t)1 << (fake_rand(&seed) % 5));
		if (!base[s])
			continue;
		for (size_t t = 0; t < SLOTS; t++)
			if (t != s && base[t])
				CHECK(base[s] + len[s] * PG <= base[t] ||
				      base[t] + len[t] * PG <= base[s]);
	}
	for (size_t s = 0; s < SLOTS; s++)
		if (base[s])
			pmm_free_pages(base[s], len[s]);
	CHECK_EQ(stats().free_frames, free0);
}

/* ---- bad frees --------------------------------------------------------- */

TEST(pmm, double_free_panics)
{
	paddr_t pa;

	init_two_ranges();
	pa = pmm_alloc_page();
	pmm_free_pages(pa, 1);
	EXPECT_PANIC(pmm_free_pages(pa, 1));
	CHECK(strstr(test_panic_msg, "double free") != NULL);
}

TEST(pmm, double_free_of_never_allocated_frame_panics)
{
	init_two_ranges();
	EXPECT_PANIC(pmm_free_pages(15 * MiB, 1));
	CHECK(strstr(test_panic_msg, "double free") != NULL);
}

TEST(pmm, unaligned_free_panics)
{
	paddr_t pa;

	init_two_ranges();
	pa = pmm_alloc_page();
	EXPECT_PANIC(pmm_free_pages(pa + 8, 1));
	CHECK(strstr(test_panic_msg, "unaligned") != NULL);
	CHECK(pmm_page_is_allocated(pa));
}

TEST(pmm, free_outside_managed_memory_panics)
{
	init_two_ranges();
	EXPECT_PANIC(pmm_free_pages(1 * MiB, 1));
	CHECK(strstr(test_panic_msg, "outside managed memory") != NULL);
	EXPECT_PANIC(pmm_free_pages(20 * MiB, 1));
	EXPECT_PANIC(pmm_free_pages(0, 1));
	EXPECT_PANIC(pmm_free_pages(8 * GiB, 1));
}

TEST(pmm, free_run_past_end_panics)
{
	paddr_t last;

	init_two_ranges();
	last = 20 * MiB - PG;
	EXPECT_PANIC(pmm_free_pages(last, 2));
}

TEST(pmm, free_in_hole_panics)
{
	init_two_ranges();
	EXPECT_PANIC(pmm_free_pages(11 * MiB, 1));
	CHECK(strstr(test_panic_msg, "unmanaged") != NULL);
}

TEST(pmm, free_of_bitmap_frame_panics)
{
	init_two_ranges();
	EXPECT_PANIC(pmm_free_pages(2 * MiB, 1));
	CHECK(strstr(test_panic_msg, "unmanaged") != NULL);
}

TEST(pmm, free_zero_frames_panics)
{
	paddr_t pa;

	init_two_ranges();
	pa = pmm_alloc_page();
	EXPECT_PANIC(pmm_free_pages(pa, 0));
}

TEST(pmm, failed_free_changes_nothing)
{
	paddr_t run;
	size_t free_before;

	init_two_ranges();
	run = pmm_alloc_pages(4, 1);
	pmm_free_pages(run + 3 * PG, 1);
	free_before = stats().free_frames;
	/* Frames 0..2 are allocated, frame 3 is free: the whole call fails. */
	EXPECT_PANIC(pmm_free_pages(run, 4));
	CHECK_EQ(stats().free_frames, free_before);
	for (int i = 0; i < 3; i++)
		CHECK(pmm_page_is_allocated(run + (paddr_t)i * PG));
	pmm_free_pages(run, 3);
	CHECK_EQ(stats().free_frames, free_before + 3);
}

TEST(pmm, allocator_usable_after_panicking_free)
{
	init_two_ranges();
	EXPECT_PANIC(pmm_free_pages(11 * MiB, 1));
	CHECK(pmm_alloc_page() != 0);   /* the lock was released */
}

TEST(pmm, free_before_init_panics)
{
	CHECK_EQ(fake_phys_init(NULL, 0), PMM_ERR_NO_MEMORY);
	EXPECT_PANIC(pmm_free_pages(4 * MiB, 1));
}

/* ---- pmm_check (the invariant checker's view) -------------------------- */

TEST(pmm, check_passes_after_traffic)
{
	paddr_t a, b;

	init_two_ranges();
	pmm_check();
	a = pmm_alloc_pages(8, 8);
	b = pmm_alloc_page();
	pmm_free_pages(a + 2 * PG, 3);
	pmm_check();
	pmm_free_pages(b, 1);
	pmm_check();
}

TEST(pmm, check_catches_a_free_frame_counted_used)
{
	struct pmm_stats st;
	paddr_t a;
	uint64_t *used, bit;

	init_two_ranges();
	a = pmm_alloc_page();
	pmm_get_stats(&st);
	/* The bitmap ("used", then "usable") is the first frame of the lowest
	 * range; frame i is bit i from the span's start. */
	used = phys_to_virt(st.lowest);
	bit = (a - st.lowest) / PG;
	used[bit / 64] &= ~(1ull << (bit % 64));
	EXPECT_PANIC(pmm_check());
	CHECK(strstr(test_panic_msg, "invariant: pmm: free_frames") != NULL);
	used[bit / 64] |= 1ull << (bit % 64);
	pmm_check();                    /* the lock was released */
}
