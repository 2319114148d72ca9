/*
 * Physical frame allocator: two bitmaps over the frames of usable RAM.
 * See kernel/include/kernel/pmm.h for the contract.
 */
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/pmm.h>
#include <kernel/spinlock.h>

#define PMM_BITS_PER_WORD 64
#define PMM_NONE          ((size_t)-1)

/*
 * The allocator.  Frame i is the page at base + i * PAGE_SIZE.
 *
 * Invariants (whenever the lock is free):
 *  - a clear bit in `used` implies a set bit in `usable`: only usable
 *    frames are ever free;
 *  - `usable` is set exactly for frames inside a usable range >= 1 MiB and
 *    outside the bitmap itself; it never changes after pmm_init;
 *  - bits at and beyond nframes (padding of the last word) are used and
 *    not usable;
 *  - free_frames == number of clear bits in `used`;
 *  - total_frames == popcount(usable) + bitmap_frames.
 * nframes == 0 means nothing is managed (before init or after a failure).
 */
struct pmm_state {
	spinlock_t lock;
	uint64_t *used;         /* bit set: frame not free; lock */
	uint64_t *usable;       /* bit set: frame may be handed out; init only */
	paddr_t base;           /* address of frame 0; init only */
	size_t nframes;         /* frames spanned by the bitmaps; init only */
	size_t nwords;          /* words per bitmap; init only */
	size_t total_frames;    /* init only */
	size_t bitmap_frames;   /* init only */
	size_t free_frames;     /* lock */
	size_t hint;            /* next-fit: word where the search starts; lock */
};

static struct pmm_state pmm = { .lock = SPINLOCK_INIT_RANK("pmm", LOCK_RANK_PMM) };

/* ---- bitmap helpers (caller owns the map) ------------------------------ */

static bool pmm_bit(const uint64_t *map, size_t i)
{
	return (map[i / PMM_BITS_PER_WORD] >> (i % PMM_BITS_PER_WORD)) & 1;
}

/* Set (value true) or clear bits [from, to) of map; whole words at once. */
static void pmm_bits_assign(uint64_t *map, size_t from, size_t to, bool value)
{
	size_t i = from;

	while (i < to) {
		uint64_t *w = &map[i / PMM_BITS_PER_WORD];
		size_t bit = i % PMM_BITS_PER_WORD;

		if (bit == 0 && to - i >= PMM_BITS_PER_WORD) {
			*w = value ? ~0ull : 0;
			i += PMM_BITS_PER_WORD;
			continue;
		}
		if (value)
			*w |= 1ull << bit;
		else
			*w &= ~(1ull << bit);
		i++;
	}
}

static size_t pmm_popcount(const uint64_t *map, size_t nwords)
{
	size_t n = 0;

	for (size_t w = 0; w < nwords; w++)
		n += (size_t)__builtin_popcountll(map[w]);
	return n;
}

/* ---- initialisation ---------------------------------------------------- */

/*
 * Trim a boot range inward to whole pages at or above PMM_LOW_LIMIT.
 * Returns false if nothing is left; otherwise [*start, *end) is the part.
 */
static bool pmm_trim(const struct pmm_range *r, paddr_t *start, paddr_t *end)
{
	paddr_t lo = MAX(r->base, PMM_LOW_LIMIT);
	paddr_t hi = r->length > UINT64_MAX - r->base ? UINT64_MAX
						      : r->base + r->length;

	if (lo > ALIGN_DOWN(UINT64_MAX, PAGE_SIZE))
		return false;
	lo = ALIGN_UP(lo, (paddr_t)PAGE_SIZE);
	hi = ALIGN_DOWN(hi, (paddr_t)PAGE_SIZE);
	if (lo >= hi)
		return false;
	*start = lo;
	*end = hi;
	return true;
}

/* The span [*lo, *hi) of all trimmed ranges; false if there are none. */
static bool pmm_span(const struct pmm_range *r, size_t count, paddr_t *lo,
		     paddr_t *hi)
{
	bool any = false;

	for (size_t i = 0; i < count; i++) {
		paddr_t s, e;

		if (!pmm_trim(&r[i], &s, &e))
			continue;
		*lo = any ? MIN(*lo, s) : s;
		*hi = any ? MAX(*hi, e) : e;
		any = true;
	}
	return any;
}

/*
 * Choose where the bitmap lives: the lowest trimmed range that holds
 * `frames` whole frames.  Returns false if no range is big enough.
 */
static bool pmm_place_bitmap(const struct pmm_range *r, size_t count,
			     size_t frames, paddr_t *where)
{
	bool found = false;

	for (size_t i = 0; i < count; i++) {
		paddr_t s, e;

		if (!pmm_trim(&r[i], &s, &e) || (e - s) / PAGE_SIZE < frames)
			continue;
		if (!found || s < *where)
			*where = s;
		found = true;
	}
	return found;
}

static size_t pmm_index(paddr_t pa)
{
	return (size_t)((pa - pmm.base) / PAGE_SIZE);
}

/* Mark every trimmed range usable and free, then reserve the bitmap. */
static void pmm_fill_maps(const struct pmm_range *r, size_t count,
			  paddr_t map_pa, size_t map_frames)
{
	__builtin_memset(pmm.used, 0xff, pmm.nwords * sizeof(uint64_t));
	__builtin_memset(pmm.usable, 0, pmm.nwords * sizeof(uint64_t));
	for (size_t i = 0; i < count; i++) {
		paddr_t s, e;

		if (!pmm_trim(&r[i], &s, &e))
			continue;
		pmm_bits_assign(pmm.usable, pmm_index(s), pmm_index(e), true);
		pmm_bits_assign(pmm.used, pmm_index(s), pmm_index(e), false);
	}
	pmm_bits_assign(pmm.usable, pmm_index(map_pa),
			pmm_index(map_pa) + map_frames, false);
	pmm_bits_assign(pmm.used, pmm_index(map_pa),
			pmm_index(map_pa) + map_frames, true);
}

/* Forget everything: the pmm manages no memory.  Init only. */
static void pmm_reset(void)
{
	pmm = (struct pmm_state){ .lock = SPINLOCK_INIT_RANK("pmm", LOCK_RANK_PMM) };
}

int pmm_init(const struct pmm_range *usable, size_t count)
{
	paddr_t lo = 0, hi = 0, map_pa = 0;
	size_t nframes, nwords, map_frames;

	pmm_reset();
	if (!usable && count)
		return PMM_ERR_INVALID;
	if (!pmm_span(usable, count, &lo, &hi))
		return PMM_ERR_NO_MEMORY;
	nframes = (size_t)((hi - lo) / PAGE_SIZE);
	nwords = (nframes + PMM_BITS_PER_WORD - 1) / PMM_BITS_PER_WORD;
	/* Two bitmaps (used, usable) of nwords each, back to back. */
	map_frames = ALIGN_UP(2 * nwords * sizeof(uint64_t), PAGE_SIZE) /
		     PAGE_SIZE;
	if (!pmm_place_bitmap(usable, count, map_frames, &map_pa))
		return PMM_ERR_NO_ROOM;

	pmm.base = lo;
	pmm.nframes = nframes;
	pmm.nwords = nwords;
	pmm.used = phys_to_virt(map_pa);
	pmm.usable = pmm.used + nwords;
	pmm_fill_maps(usable, count, map_pa, map_frames);
	pmm.bitmap_frames = map_frames;
	pmm.free_frames = nwords * PMM_BITS_PER_WORD -
			  pmm_popcount(pmm.used, nwords);
	pmm.total_frames = pmm_popcount(pmm.usable, nwords) + map_frames;
	return PMM_OK;
}

/* ---- allocation -------------------------------------------------------- */

/* Mark frames [idx, idx + count) allocated.  Lock held; all were free. */
static void pmm_take_locked(size_t idx, size_t count)
{
	pmm_bits_assign(pmm.used, idx, idx + count, true);
	pmm.free_frames -= count;
}

/*
 * Next fit: the first free frame at or after the hint word, wrapping
 * around.  Lock held.  Returns the frame index or PMM_NONE.
 */
static size_t pmm_find_free_locked(void)
{
	for (size_t n = 0; n < pmm.nwords; n++) {
		size_t w = (pmm.hint + n) % pmm.nwords;

		if (pmm.used[w] != ~0ull) {
			pmm.hint = w;
			return w * PMM_BITS_PER_WORD +
			       (size_t)__builtin_ctzll(~pmm.used[w]);
		}
	}
	return PMM_NONE;
}

paddr_t pmm_alloc_page(void)
{
	size_t idx = PMM_NONE;

	spin_lock(&pmm.lock);
	if (pmm.free_frames > 0) {
		idx = pmm_find_free_locked();
		assert(idx != PMM_NONE && idx < pmm.nframes);
		pmm_take_locked(idx, 1);
	}
	spin_unlock(&pmm.lock);
	return idx == PMM_NONE ? 0 : pmm.base + (paddr_t)idx * PAGE_SIZE;
}

/*
 * The first frame index >= from whose address is a multiple of
 * `align_bytes` (a power of two), or PMM_NONE if that lies past the span.
 */
static size_t pmm_next_aligned(size_t from, paddr_t align_bytes)
{
	paddr_t pa = pmm.base + (paddr_t)from * PAGE_SIZE;
	paddr_t up = ALIGN_UP(pa, align_bytes);

	if (up < pa || (up - pmm.base) / PAGE_SIZE >= pmm.nframes)
		return PMM_NONE;
	return pmm_index(up);
}

/*
 * True iff frames [idx, idx + count) are all free; otherwise *blocker is
 * the first used one.  Lock held.
 */
static bool pmm_run_free_locked(size_t idx, size_t count, size_t *blocker)
{
	for (size_t i = idx; i < idx + count; i++) {
		if (pmm_bit(pmm.used, i)) {
			*blocker = i;
			return false;
		}
	}
	return true;
}

/*
 * First fit for a contiguous aligned run.  Each frame is examined at most
 * once because the next candidate starts after the blocking frame.
 * Lock held.  Returns the first frame index or PMM_NONE.
 */
static size_t pmm_find_run_locked(size_t count, paddr_t align_bytes)
{
	size_t idx = pmm_next_aligned(0, align_bytes);

	while (idx != PMM_NONE && count <= pmm.nframes - idx) {
		size_t blocker;

		if (pmm_run_free_locked(idx, count, &blocker))
			return idx;
		idx = pmm_next_aligned(blocker + 1, align_bytes);
	}
	return PMM_NONE;
}

paddr_t pmm_alloc_pages(size_t count, size_t align_pages)
{
	size_t idx = PMM_NONE;

	if (align_pages == 0)
		align_pages = 1;
	if (align_pages & (align_pages - 1))
		panic("pmm: alignment of %zu pages is not a power of two",
		      align_pages);
	if (count == 0 || align_pages > (SIZE_MAX >> PAGE_SHIFT))
		return 0;
	if (count == 1 && align_pages == 1)
		return pmm_alloc_page();

	spin_lock(&pmm.lock);
	if (count <= pmm.free_frames)
		idx = pmm_find_run_locked(count, (paddr_t)align_pages * PAGE_SIZE);
	if (idx != PMM_NONE)
		pmm_take_locked(idx, count);
	spin_unlock(&pmm.lock);
	return idx == PMM_NONE ? 0 : pmm.base + (paddr_t)idx * PAGE_SIZE;
}

/* ---- freeing ----------------------------------------------------------- */

/*
 * Check a free request without changing anything.  Lock held.  Returns
 * NULL if it is valid, else a description of the broken invariant, with
 * the offending address in *bad.
 */
static const char *pmm_check_free_locked(paddr_t base, size_t count,
					 paddr_t *bad)
{
	*bad = base;
	if (!IS_ALIGNED(base, (paddr_t)PAGE_SIZE))
		return "free of unaligned address";
	if (count == 0)
		return "free of zero frames at";
	if (base < pmm.base || pmm_index(base) >= pmm.nframes ||
	    count > pmm.nframes - pmm_index(base))
		return "free outside managed memory at";
	for (size_t i = pmm_index(base); i < pmm_index(base) + count; i++) {
		*bad = pmm.base + (paddr_t)i * PAGE_SIZE;
		if (!pmm_bit(pmm.usable, i))
			return "free of unmanaged (hole/bitmap) frame";
		if (!pmm_bit(pmm.used, i))
			return "double free of frame";
	}
	return NULL;
}

void pmm_free_pages(paddr_t base, size_t count)
{
	paddr_t bad;
	const char *why;

	spin_lock(&pmm.lock);
	why = pmm_check_free_locked(base, count, &bad);
	if (!why) {
		pmm_bits_assign(pmm.used, pmm_index(base),
				pmm_index(base) + count, false);
		pmm.free_frames += count;
	}
	spin_unlock(&pmm.lock);
	/* Panic outside the lock so a host test can carry on after it. */
	if (why)
		panic("pmm: %s 0x%llx (freeing %zu frames at 0x%llx)", why,
		      (unsigned long long)bad, count,
		      (unsigned long long)base);
}

/* ---- queries ----------------------------------------------------------- */

bool pmm_page_is_allocated(paddr_t pa)
{
	bool ok = false;

	spin_lock(&pmm.lock);
	if (pa >= pmm.base && pmm_index(pa) < pmm.nframes) {
		size_t i = pmm_index(pa);

		ok = pmm_bit(pmm.usable, i) && pmm_bit(pmm.used, i);
	}
	spin_unlock(&pmm.lock);
	return ok;
}

void pmm_get_stats(struct pmm_stats *out)
{
	spin_lock(&pmm.lock);
	out->total_frames = pmm.total_frames;
	out->free_frames = pmm.free_frames;
	out->bitmap_frames = pmm.bitmap_frames;
	out->lowest = pmm.base;
	out->highest = pmm.base + (paddr_t)pmm.nframes * PAGE_SIZE;
	spin_unlock(&pmm.lock);
}

/* What is wrong with the allocator, or NULL.  Lock held. */
static const char *pmm_problem_locked(void)
{
	size_t free = 0;

	for (size_t w = 0; w < pmm.nwords; w++) {
		if (~pmm.used[w] & ~pmm.usable[w])
			return "a frame that is not usable is free";
		free += (size_t)__builtin_popcountll(~pmm.used[w]);
	}
	if (free != pmm.free_frames)
		return "free_frames differs from the free frames in the bitmap";
	for (size_t i = pmm.nframes; i < pmm.nwords * PMM_BITS_PER_WORD; i++)
		if (!pmm_bit(pmm.used, i) || pmm_bit(pmm.usable, i))
			return "a padding bit past the last frame changed";
	if (pmm.nwords && pmm_popcount(pmm.usable, pmm.nwords) + pmm.bitmap_frames !=
	    pmm.total_frames)
		return "total_frames differs from the usable frames";
	return NULL;
}

void pmm_check(void)
{
	const char *why;

	spin_lock(&pmm.lock);
	why = pmm_problem_locked();
	spin_unlock(&pmm.lock);
	if (why)
		panic("invariant: pmm: %s", why);
}
