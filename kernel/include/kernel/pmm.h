/*
 * Physical frame allocator.
 *
 * A bitmap over the page frames of usable RAM, built once from the usable
 * ranges of the boot memory map.  Frames below 1 MiB are never managed: they
 * are kept for the SMP trampoline, and it guarantees that physical address 0
 * is never handed out, so 0 can mean "no frame".
 *
 * The bitmap covers [lowest, highest) of usable memory; frames in holes
 * between ranges are tracked as "not managed" and are never free.  The
 * bitmap itself lives in usable RAM (reached through the direct map) and its
 * frames are counted as managed but reserved.
 *
 * Lock order: callers may hold other locks (e.g. a slab cache lock) when
 * calling in; the pmm lock is always the innermost lock.
 */
#ifndef KERNEL_PMM_H
#define KERNEL_PMM_H

#include <kernel/types.h>

/* Frames below this address are never managed. */
#define PMM_LOW_LIMIT ((paddr_t)0x100000)

/* Errors from pmm_init (negative). */
enum pmm_error {
	PMM_OK = 0,
	PMM_ERR_INVALID = -1,   /* NULL range array with a nonzero count */
	PMM_ERR_NO_MEMORY = -2, /* no whole usable page at or above 1 MiB */
	PMM_ERR_NO_ROOM = -3,   /* no single range can hold the bitmap */
};

/* One usable range of the boot memory map: [base, base + length). */
struct pmm_range {
	paddr_t base;
	uint64_t length;
};

/* A snapshot of the allocator.  total = free + allocated + bitmap. */
struct pmm_stats {
	size_t total_frames;    /* usable frames >= 1 MiB, bitmap included */
	size_t free_frames;     /* frames available to pmm_alloc_* now */
	size_t bitmap_frames;   /* frames holding the allocator's bitmap */
	paddr_t lowest;         /* first byte of the managed span */
	paddr_t highest;        /* end (exclusive) of the managed span */
};

/*
 * Build the allocator from `count` usable ranges (any order; unaligned ends
 * are trimmed inward to whole pages; overlaps are harmless).  Forgets all
 * previous state: every frame in the ranges becomes free, so this must run
 * before anything is allocated (boot) or in host tests between cases.  No
 * other CPU may use the pmm during the call.
 * Returns PMM_OK or a negative enum pmm_error; on error the pmm manages
 * nothing (every allocation returns 0).
 */
int pmm_init(const struct pmm_range *usable, size_t count) __must_check;

/* One frame, or 0 when memory is exhausted.  Takes the pmm lock. */
paddr_t pmm_alloc_page(void) __must_check;

/*
 * `count` physically contiguous frames whose first frame address is a
 * multiple of align_pages * PAGE_SIZE (align_pages is a power of two; 0 is
 * treated as 1).  Returns the base, or 0 if count is 0 or no such run is
 * free.  A non-power-of-two alignment is a caller bug and panics.
 */
paddr_t pmm_alloc_pages(size_t count, size_t align_pages) __must_check;

/*
 * Return `count` frames starting at `base` (which the caller owns).
 * Panics, without changing anything, if base is unaligned, a frame lies
 * outside managed memory (hole, bitmap, below 1 MiB) or is already free.
 */
void pmm_free_pages(paddr_t base, size_t count);

/* True iff the frame containing `pa` is managed and currently allocated. */
bool pmm_page_is_allocated(paddr_t pa);

/* Fill *out with a consistent snapshot (taken under the pmm lock). */
void pmm_get_stats(struct pmm_stats *out);

/* For the invariant checker (kernel/invariants.h): check the invariants
 * of pmm.c (free_frames is the number of free frames in the bitmap, only
 * usable frames are free, the padding bits, the totals) and panic
 * "invariant: pmm: ..." if one is broken.  Takes the pmm lock (panics
 * outside it). */
void pmm_check(void);

#endif /* KERNEL_PMM_H */
