/*
 * Slab caches (fixed-size kernel objects) and the general-purpose kernel
 * heap (kmalloc) built on them.
 *
 * A slab is 1..SLAB_MAX_PAGES contiguous frames from the pmm, aligned to its
 * own size, reached through the direct map.  Its header sits at the start;
 * objects follow.
 *
 * Every free is checked: a pointer that is not a live object of the cache
 * (wrong cache, misaligned, not from a slab, already free) panics.
 *
 * Debugging (kmem_set_debug; the boot option debug=slab, which the test
 * suites use): freed objects are filled with KMEM_POISON and the first
 * bytes are checked when the object is handed out again, so a write after
 * free is caught (panic) rather than silently corrupting the next user;
 * and the pmm confirms every slab a free names.  Off by default: it costs
 * a pass over every object freed.
 *
 * Lock order: a cache lock, then the pmm lock.  Caches are never destroyed.
 */
#ifndef KERNEL_SLAB_H
#define KERNEL_SLAB_H

#include <kernel/types.h>

/* At most this many caches exist (kmalloc's size classes included). */
#define KMEM_CACHE_MAX       48
/* Cache names are copied and truncated to this many bytes, NUL included. */
#define KMEM_CACHE_NAME_MAX  32
/* Largest object size a cache accepts. */
#define KMEM_CACHE_MAX_SIZE  8192
/* Largest slab, in pages (a power of two). */
#define SLAB_MAX_PAGES       8
/* Byte written over freed objects. */
#define KMEM_POISON          0x6b

/* kmalloc: size classes are powers of two from KMALLOC_MIN to KMALLOC_MAX;
 * anything larger gets whole pages.  Every pointer is 16-byte aligned. */
#define KMALLOC_MIN          16
#define KMALLOC_MAX          2048
#define KMALLOC_ALIGN        16

struct kmem_cache;

/* A snapshot of one cache, for memory summaries. */
struct kmem_cache_info {
	const char *name;
	size_t object_size;     /* size asked for at creation */
	size_t stride;          /* bytes per object slot (size rounded up) */
	size_t align;
	size_t slab_pages;      /* pages per slab */
	size_t objects_per_slab;
	size_t objects_in_use;
	size_t slabs;           /* slabs held, the empty one included */
	size_t empty_slabs;     /* 0 or 1 */
};

/*
 * Create a cache of `size`-byte objects aligned to `align` (a power of two
 * up to PAGE_SIZE; 0 means 8).  The name is copied.  Returns NULL if name
 * is NULL, size is 0 or above KMEM_CACHE_MAX_SIZE, align is bad, or
 * KMEM_CACHE_MAX caches already exist.  Takes the registry lock.
 */
struct kmem_cache *kmem_cache_create(const char *name, size_t size,
				     size_t align) __must_check;

/* One object (contents undefined), or NULL when the pmm is exhausted.
 * Takes the cache lock (and the pmm lock inside it). */
void *kmem_cache_alloc(struct kmem_cache *c) __must_check;

/* Like kmem_cache_alloc, with the object zeroed. */
void *kmem_cache_zalloc(struct kmem_cache *c) __must_check;

/* Return `obj` to `c` and poison it; the caller gives up the object.
 * Panics if obj is not a live object of c.  Takes the cache lock. */
void kmem_cache_free(struct kmem_cache *c, void *obj);

/* Fill *out with a snapshot of c (under its lock). */
void kmem_cache_get_info(struct kmem_cache *c, struct kmem_cache_info *out);

/* Call fn for every cache in creation order, with no lock held, so fn may
 * allocate.  info->name stays valid for the life of the kernel. */
void kmem_cache_for_each(void (*fn)(const struct kmem_cache_info *info,
				    void *ctx),
			 void *ctx);

/* For the invariant checker (kernel/invariants.h): check every cache —
 * each listed slab's header, bitmap and state, the partial list's links,
 * cache->inuse against the slabs (FULL ones hold per_slab each), the hot
 * object — and panic "invariant: slab: ..." at the first thing broken.
 * Takes each cache lock in turn (panics outside it). */
void kmem_check(void);

/*
 * Set up the slab layer and kmalloc's size classes; call after pmm_init.
 * Calling it again forgets every cache and slab without returning pages to
 * the pmm, so it is only for boot and for host tests that have just
 * re-initialised the pmm.  Panics if the size classes cannot be created.
 */
void kmalloc_init(void);

/* Turn slab debugging on or off; only before kmalloc_init (objects freed
 * without poison would fail the check when handed out again). */
void kmem_set_debug(bool on);

/* `size` bytes, 16-byte aligned, or NULL on exhaustion.  kmalloc(0)
 * returns NULL (a zero-size request is never a valid heap object). */
void *kmalloc(size_t size) __must_check;

/* Like kmalloc, zeroed. */
void *kzalloc(size_t size) __must_check;

/* Free a kmalloc/kzalloc pointer; kfree(NULL) does nothing.  Panics on a
 * pointer that is not a live heap allocation (bad pointer, double free). */
void kfree(void *p);

#endif /* KERNEL_SLAB_H */
