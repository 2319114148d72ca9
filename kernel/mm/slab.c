/*
 * Slab caches and kmalloc.  See kernel/include/kernel/slab.h.
 */
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/pmm.h>
#include <kernel/slab.h>
#include <kernel/spinlock.h>

#define SLAB_MAGIC          0x534c4142534c4142ull   /* "SLABSLAB" */
#define KMALLOC_LARGE_MAGIC 0x4b4d414c4c4f4321ull   /* "KMALLOC!" */
#define SLAB_MIN_OBJECTS    8     /* grow the slab until this many fit */
#define SLAB_MAX_OBJECTS    256   /* size of the per-slab object bitmap */
#define SLAB_MAP_WORDS      (SLAB_MAX_OBJECTS / 64)
#define SLAB_MIN_STRIDE     16
#define KMEM_DEFAULT_ALIGN  8
#define KMEM_POISON_CHECK   32    /* bytes of poison verified on alloc */
#define KMALLOC_CLASSES     8     /* 16, 32, ..., 2048 */

/*
 * Header at the start of every slab (1..SLAB_MAX_PAGES frames, aligned to
 * the slab size).  Objects start at cache->obj_offset.
 *
 * State, by inuse (guarded by cache->lock):
 *   inuse == 0                      EMPTY:   it is cache->empty (at most one)
 *   0 < inuse < cache->per_slab     PARTIAL: on the cache->partial list
 *   inuse == cache->per_slab        FULL:    on no list
 * popcount(used) == inuse + (SLAB_MAX_OBJECTS - per_slab): bits past the
 * last object are permanently set so the allocator never picks them.
 */
struct slab {
	uint64_t magic;             /* SLAB_MAGIC ^ own address; immutable */
	struct kmem_cache *cache;   /* owner; immutable */
	struct slab *prev, *next;   /* partial list links; cache->lock */
	uint32_t inuse;             /* objects allocated; cache->lock */
	uint32_t reserved;
	uint64_t used[SLAB_MAP_WORDS]; /* bit i: object i allocated; cache->lock */
};

/*
 * A cache.  Layout fields are set by kmem_cache_create and never change.
 * inuse == sum of slab->inuse; nr_slabs counts EMPTY, PARTIAL and FULL
 * slabs.  With debugging, every free object holds KMEM_POISON in every
 * byte of its stride.
 *
 * `hot` is the object freed last, kept allocated in its slab and handed
 * out by the next allocation (without debugging only): an object freed
 * and allocated over and over, the common case of a message or packet in
 * flight, then costs neither a bitmap search nor a slab moving between
 * the EMPTY and PARTIAL states.  It counts as free in the statistics.
 */
struct kmem_cache {
	spinlock_t lock;
	char name[KMEM_CACHE_NAME_MAX];
	size_t size;            /* requested object size; immutable */
	size_t stride;          /* distance between objects; immutable */
	size_t align;           /* immutable */
	size_t slab_pages;      /* power of two <= SLAB_MAX_PAGES; immutable */
	size_t obj_offset;      /* first object, from slab start; immutable */
	size_t per_slab;        /* objects per slab; immutable */
	bool is_kmalloc;        /* a kmalloc size class; immutable */
	struct slab *partial;   /* PARTIAL slabs; lock */
	struct slab *empty;     /* the one kept EMPTY slab or NULL; lock */
	void *hot;              /* a free object kept allocated, or NULL; lock */
	size_t nr_slabs;        /* lock */
	size_t inuse;           /* lock */
};

/*
 * Large kmalloc allocations: whole pages, this header at the first page,
 * the caller's pointer just after it.  magic is KMALLOC_LARGE_MAGIC ^ own
 * address while the allocation is live and 0 once it is freed.
 */
struct kmalloc_large {
	uint64_t magic;
	uint64_t pages;
};
_Static_assert(sizeof(struct kmalloc_large) == KMALLOC_ALIGN,
	       "large kmalloc header must keep KMALLOC_ALIGN alignment");
_Static_assert(sizeof(struct slab) <= 128, "slab header grew unexpectedly");

/* Cache descriptors: slots [0, kmem_nr_caches) are live; slots are only
 * claimed under kmem_registry_lock and never released (except by
 * kmalloc_init's reset). */
static struct kmem_cache kmem_caches[KMEM_CACHE_MAX];
static size_t kmem_nr_caches;

/* Poisoning and the pmm cross-check of every free (kmem_set_debug). */
static bool kmem_debug;

void kmem_set_debug(bool on)
{
	kmem_debug = on;
}
static spinlock_t kmem_registry_lock = SPINLOCK_INIT_RANK("kmem_registry", LOCK_RANK_KMEM_REGISTRY);
static struct kmem_cache *kmalloc_caches[KMALLOC_CLASSES];

static const char *const kmalloc_names[KMALLOC_CLASSES] = {
	"kmalloc-16",  "kmalloc-32",  "kmalloc-64",   "kmalloc-128",
	"kmalloc-256", "kmalloc-512", "kmalloc-1024", "kmalloc-2048",
};

/* ---- cache creation ---------------------------------------------------- */

static size_t slab_capacity(const struct kmem_cache *c, size_t pages)
{
	size_t bytes = pages * PAGE_SIZE;

	if (c->obj_offset >= bytes)
		return 0;
	return MIN((bytes - c->obj_offset) / c->stride,
		   (size_t)SLAB_MAX_OBJECTS);
}

/*
 * Fill in the layout of c from c->size and c->align: the smallest slab
 * holding SLAB_MIN_OBJECTS objects, or the largest allowed.  Returns false
 * if not even one object fits.
 */
static bool kmem_cache_layout(struct kmem_cache *c)
{
	size_t pages = 1;

	c->stride = ALIGN_UP(MAX(c->size, (size_t)SLAB_MIN_STRIDE), c->align);
	c->obj_offset = ALIGN_UP(sizeof(struct slab), c->align);
	while (slab_capacity(c, pages) < SLAB_MIN_OBJECTS &&
	       pages < SLAB_MAX_PAGES)
		pages *= 2;
	c->slab_pages = pages;
	c->per_slab = slab_capacity(c, pages);
	return c->per_slab > 0;
}

static void kmem_copy_name(char *dst, const char *src)
{
	size_t i = 0;

	for (; i < KMEM_CACHE_NAME_MAX - 1 && src[i]; i++)
		dst[i] = src[i];
	dst[i] = 0;
}

/* Initialise descriptor c; false if the arguments are unusable. */
static bool kmem_cache_setup(struct kmem_cache *c, const char *name,
			     size_t size, size_t align)
{
	*c = (struct kmem_cache){ .lock = SPINLOCK_INIT_RANK("kmem_cache", LOCK_RANK_KMEM_CACHE) };
	kmem_copy_name(c->name, name);
	c->lock.name = c->name;
	c->size = size;
	c->align = align;
	return kmem_cache_layout(c);
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size,
				     size_t align)
{
	struct kmem_cache *c = NULL;

	if (align == 0)
		align = KMEM_DEFAULT_ALIGN;
	if (!name || size == 0 || size > KMEM_CACHE_MAX_SIZE ||
	    (align & (align - 1)) || align > PAGE_SIZE)
		return NULL;

	spin_lock(&kmem_registry_lock);
	if (kmem_nr_caches < KMEM_CACHE_MAX &&
	    kmem_cache_setup(&kmem_caches[kmem_nr_caches], name, size, align)) {
		c = &kmem_caches[kmem_nr_caches];
		__atomic_store_n(&kmem_nr_caches, kmem_nr_caches + 1,
				 __ATOMIC_RELEASE);
	}
	spin_unlock(&kmem_registry_lock);
	return c;
}

/* ---- slab state machine (cache lock held throughout) ------------------- */

static void *slab_object(const struct kmem_cache *c, struct slab *s,
			 size_t idx)
{
	return (uint8_t *)s + c->obj_offset + idx * c->stride;
}

/* Take s off the container its current state puts it in. */
static void slab_detach_locked(struct kmem_cache *c, struct slab *s)
{
	if (s->inuse == 0) {
		assert(c->empty == s);
		c->empty = NULL;
	} else if (s->inuse < c->per_slab) {
		if (s->prev)
			s->prev->next = s->next;
		else
			c->partial = s->next;
		if (s->next)
			s->next->prev = s->prev;
		s->prev = s->next = NULL;
	}
}

/* Hand an EMPTY, detached slab back to the pmm. */
static void slab_release_locked(struct kmem_cache *c, struct slab *s)
{
	s->magic = 0;
	c->nr_slabs--;
	pmm_free_pages(virt_to_phys_direct(s), c->slab_pages);
}

/* Put a detached s where its state belongs; a second EMPTY slab is
 * released to the pmm instead of kept. */
static void slab_attach_locked(struct kmem_cache *c, struct slab *s)
{
	if (s->inuse == 0) {
		if (c->empty)
			slab_release_locked(c, s);
		else
			c->empty = s;
	} else if (s->inuse < c->per_slab) {
		s->prev = NULL;
		s->next = c->partial;
		if (c->partial)
			c->partial->prev = s;
		c->partial = s;
	}
}

/* A new, detached EMPTY slab with every object poisoned, or NULL. */
static struct slab *slab_new_locked(struct kmem_cache *c)
{
	paddr_t pa = pmm_alloc_pages(c->slab_pages, c->slab_pages);
	struct slab *s;

	if (!pa)
		return NULL;
	s = phys_to_virt(pa);
	*s = (struct slab){ .magic = SLAB_MAGIC ^ (uintptr_t)s, .cache = c };
	for (size_t i = c->per_slab; i < SLAB_MAX_OBJECTS; i++)
		s->used[i / 64] |= 1ull << (i % 64);
	if (kmem_debug)
		__builtin_memset(slab_object(c, s, 0), KMEM_POISON,
				 c->per_slab * c->stride);
	c->nr_slabs++;
	return s;
}

/* Claim a free object of the detached, non-FULL slab s. */
static void *slab_take_locked(struct kmem_cache *c, struct slab *s)
{
	for (size_t w = 0; w < SLAB_MAP_WORDS; w++) {
		size_t idx;

		if (s->used[w] == ~0ull)
			continue;
		idx = w * 64 + (size_t)__builtin_ctzll(~s->used[w]);
		assert(idx < c->per_slab);
		s->used[w] |= 1ull << (idx % 64);
		s->inuse++;
		c->inuse++;
		return slab_object(c, s, idx);
	}
	panic("slab: cache %s: slab %p has inuse %u < %zu but no free slot",
	      c->name, (void *)s, s->inuse, c->per_slab);
}

/* ---- allocation -------------------------------------------------------- */

/* Lock held.  An object from a PARTIAL, the EMPTY or a new slab, or NULL.
 * The common case, a PARTIAL slab that stays PARTIAL, moves nothing. */
static void *kmem_cache_alloc_locked(struct kmem_cache *c)
{
	struct slab *s = c->partial;
	void *obj;

	if (s && s->inuse + 1 < c->per_slab)
		return slab_take_locked(c, s);
	if (s)
		slab_detach_locked(c, s);
	else if ((s = c->empty))
		slab_detach_locked(c, s);
	else if (!(s = slab_new_locked(c)))
		return NULL;
	obj = slab_take_locked(c, s);
	slab_attach_locked(c, s);
	return obj;
}

/* Panic if the first bytes of a just-allocated object lost their poison:
 * someone wrote to it after it was freed. */
static void kmem_check_poison(const struct kmem_cache *c, const void *obj)
{
	const uint8_t *b = obj;
	size_t n = MIN(c->stride, (size_t)KMEM_POISON_CHECK);
	const uint64_t word = 0x0101010101010101ULL * KMEM_POISON;

	/* Word by word in the common case (objects are 8-aligned, strides a
	 * multiple of 8); the byte loop below only names the bad byte. */
	if (!((uintptr_t)b & 7) && !(n & 7)) {
		size_t i = 0;
		for (; i < n; i += 8)
			if (*(const uint64_t *)(b + i) != word)
				break;
		if (i == n)
			return;
	}
	for (size_t i = 0; i < n; i++)
		if (b[i] != KMEM_POISON)
			panic("slab: cache %s: free object %p was written after "
			      "free (byte +%zu is 0x%02x, poison 0x%02x)",
			      c->name, obj, i, b[i], KMEM_POISON);
}

void *kmem_cache_alloc(struct kmem_cache *c)
{
	void *obj;

	spin_lock(&c->lock);
	if ((obj = c->hot))
		c->hot = NULL;
	else
		obj = kmem_cache_alloc_locked(c);
	spin_unlock(&c->lock);
	if (obj && kmem_debug)
		kmem_check_poison(c, obj);
	return obj;
}

void *kmem_cache_zalloc(struct kmem_cache *c)
{
	void *obj = kmem_cache_alloc(c);

	if (obj)
		__builtin_memset(obj, 0, c->size);
	return obj;
}

/* ---- freeing ----------------------------------------------------------- */

/* The slab whose header is at `base` if one is live there, else NULL.
 * The direct map covers every frame, so reading the magic is always safe;
 * a released slab's magic is zeroed, so only a live slab matches.  With
 * debugging the pmm must also confirm the frame is allocated. */
static struct slab *slab_at(uintptr_t base)
{
	struct slab *s = (struct slab *)base;

	if (kmem_debug && !pmm_page_is_allocated(virt_to_phys_direct(s)))
		return NULL;
	return s->magic == (SLAB_MAGIC ^ base) ? s : NULL;
}

enum kmem_free_error {
	KMEM_FREE_OK,
	KMEM_FREE_NOT_SLAB,
	KMEM_FREE_WRONG_CACHE,
	KMEM_FREE_MISALIGNED,
	KMEM_FREE_DOUBLE,
};

/*
 * Check that obj is a live object of c, without changing anything.
 * Lock held.  On success *sp and *idxp locate it.
 */
static enum kmem_free_error kmem_check_free_locked(struct kmem_cache *c,
						   const void *obj,
						   struct slab **sp,
						   size_t *idxp)
{
	uintptr_t p = (uintptr_t)obj;
	struct slab *s = slab_at(ALIGN_DOWN(p, c->slab_pages * PAGE_SIZE));
	uintptr_t first;

	if (!s)
		return KMEM_FREE_NOT_SLAB;
	if (s->cache != c)
		return KMEM_FREE_WRONG_CACHE;
	first = (uintptr_t)slab_object(c, s, 0);
	if (p < first || (p - first) % c->stride ||
	    (p - first) / c->stride >= c->per_slab)
		return KMEM_FREE_MISALIGNED;
	*sp = s;
	*idxp = (p - first) / c->stride;
	if (!(s->used[*idxp / 64] & (1ull << (*idxp % 64))))
		return KMEM_FREE_DOUBLE;
	return KMEM_FREE_OK;
}

/* Report a bad kmem_cache_free.  Called with no lock held; never returns. */
static __noreturn void kmem_bad_free(const struct kmem_cache *c,
				     const void *obj, enum kmem_free_error e)
{
	static const char *const why[] = {
		[KMEM_FREE_NOT_SLAB] = "is not in a slab of",
		[KMEM_FREE_WRONG_CACHE] = "belongs to another cache, not",
		[KMEM_FREE_MISALIGNED] = "is not the start of an object of",
		[KMEM_FREE_DOUBLE] = "is already free (double free) in",
	};

	panic("slab: free of %p: pointer %s cache %s", obj, why[e], c->name);
}

/* Free object idx of s, checked.  The common case, a PARTIAL slab that
 * stays PARTIAL, moves nothing. */
static void slab_put_locked(struct kmem_cache *c, struct slab *s, void *obj,
			    size_t idx)
{
	/* Poison before the slot becomes visible as free. */
	if (kmem_debug)
		__builtin_memset(obj, KMEM_POISON, c->stride);
	if (s->inuse > 1 && s->inuse < c->per_slab) {
		s->used[idx / 64] &= ~(1ull << (idx % 64));
		s->inuse--;
		c->inuse--;
		return;
	}
	slab_detach_locked(c, s);
	s->used[idx / 64] &= ~(1ull << (idx % 64));
	s->inuse--;
	c->inuse--;
	slab_attach_locked(c, s);
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	struct slab *s = NULL;
	size_t idx = 0;
	enum kmem_free_error e;

	spin_lock(&c->lock);
	e = kmem_check_free_locked(c, obj, &s, &idx);
	if (e == KMEM_FREE_OK && obj == c->hot)
		e = KMEM_FREE_DOUBLE;
	if (e == KMEM_FREE_OK && !c->hot && !kmem_debug)
		c->hot = obj;
	else if (e == KMEM_FREE_OK)
		slab_put_locked(c, s, obj, idx);
	spin_unlock(&c->lock);
	if (e != KMEM_FREE_OK)
		kmem_bad_free(c, obj, e);
}

/* ---- statistics -------------------------------------------------------- */

void kmem_cache_get_info(struct kmem_cache *c, struct kmem_cache_info *out)
{
	spin_lock(&c->lock);
	*out = (struct kmem_cache_info){
		.name = c->name,
		.object_size = c->size,
		.stride = c->stride,
		.align = c->align,
		.slab_pages = c->slab_pages,
		.objects_per_slab = c->per_slab,
		.objects_in_use = c->inuse - (c->hot ? 1 : 0),
		.slabs = c->nr_slabs,
		.empty_slabs = c->empty ? 1 : 0,
	};
	spin_unlock(&c->lock);
}

void kmem_cache_for_each(void (*fn)(const struct kmem_cache_info *info,
				    void *ctx),
			 void *ctx)
{
	size_t n = __atomic_load_n(&kmem_nr_caches, __ATOMIC_ACQUIRE);

	for (size_t i = 0; i < n; i++) {
		struct kmem_cache_info info;

		kmem_cache_get_info(&kmem_caches[i], &info);
		fn(&info, ctx);
	}
}

/* ---- checking (kmem_check) --------------------------------------------- */

/* What is wrong with slab s of c in `state` (inuse already checked against
 * the state), or NULL.  Lock held. */
static const char *kmem_slab_problem(const struct kmem_cache *c, const struct slab *s)
{
	size_t bits = 0;

	if (s->magic != (SLAB_MAGIC ^ (uintptr_t)s) || s->cache != c)
		return "a listed slab has a bad header";
	for (size_t w = 0; w < SLAB_MAP_WORDS; w++)
		bits += (size_t)__builtin_popcountll(s->used[w]);
	if (bits != s->inuse + (SLAB_MAX_OBJECTS - c->per_slab))
		return "a slab's bitmap disagrees with its inuse count";
	return NULL;
}

/* What is wrong with cache c, or NULL.  Lock held. */
static const char *kmem_cache_problem(struct kmem_cache *c)
{
	size_t partial = 0, partial_inuse = 0, empty = c->empty ? 1 : 0;
	const struct slab *prev = NULL;
	const char *why;
	struct slab *s;
	size_t idx;

	for (s = c->partial; s; prev = s, s = s->next) {
		if (s->prev != prev)
			return "the partial list is broken";
		if (++partial > c->nr_slabs)
			return "more partial slabs than slabs (a cycle?)";
		if (s->inuse == 0 || s->inuse >= c->per_slab)
			return "a slab on the partial list is not PARTIAL";
		if ((why = kmem_slab_problem(c, s)))
			return why;
		partial_inuse += s->inuse;
	}
	if (c->empty && c->empty->inuse != 0)
		return "the kept empty slab is not empty";
	if (c->empty && (why = kmem_slab_problem(c, c->empty)))
		return why;
	if (partial + empty > c->nr_slabs)
		return "more listed slabs than slabs";
	if (c->inuse != partial_inuse + (c->nr_slabs - partial - empty) * c->per_slab)
		return "inuse is not the sum of its slabs' (FULL slabs hold per_slab)";
	if (c->hot && kmem_check_free_locked(c, c->hot, &s, &idx) != KMEM_FREE_OK)
		return "the hot object is not an allocated object of the cache";
	return NULL;
}

void kmem_check(void)
{
	size_t n = __atomic_load_n(&kmem_nr_caches, __ATOMIC_ACQUIRE);

	for (size_t i = 0; i < n; i++) {
		struct kmem_cache *c = &kmem_caches[i];
		const char *why;

		spin_lock(&c->lock);
		why = kmem_cache_problem(c);
		spin_unlock(&c->lock);
		if (why)
			panic("invariant: slab: cache %s: %s", c->name, why);
	}
}

/* ---- kmalloc ----------------------------------------------------------- */

void kmalloc_init(void)
{
	spin_lock(&kmem_registry_lock);
	kmem_nr_caches = 0;
	spin_unlock(&kmem_registry_lock);
	for (size_t i = 0; i < KMALLOC_CLASSES; i++) {
		struct kmem_cache *c = kmem_cache_create(
			kmalloc_names[i], (size_t)KMALLOC_MIN << i,
			KMALLOC_ALIGN);

		if (!c)
			panic("kmalloc: cannot create size class %s",
			      kmalloc_names[i]);
		c->is_kmalloc = true;
		kmalloc_caches[i] = c;
	}
}

/* Index of the smallest size class holding `size` (1..KMALLOC_MAX). */
static size_t kmalloc_class(size_t size)
{
	if (size <= KMALLOC_MIN)
		return 0;
	return (size_t)(64 - __builtin_clzll(size - 1)) - 4;
}

/* Whole pages for a request above KMALLOC_MAX, or NULL. */
static void *kmalloc_large(size_t size)
{
	size_t pages;
	paddr_t pa;
	struct kmalloc_large *h;

	if (size > SIZE_MAX - sizeof(*h) - PAGE_SIZE)
		return NULL;
	pages = (size + sizeof(*h) + PAGE_SIZE - 1) / PAGE_SIZE;
	pa = pmm_alloc_pages(pages, 1);
	if (!pa)
		return NULL;
	h = phys_to_virt(pa);
	h->magic = KMALLOC_LARGE_MAGIC ^ (uintptr_t)h;
	h->pages = pages;
	return h + 1;
}

void *kmalloc(size_t size)
{
	if (size == 0)
		return NULL;
	if (size > KMALLOC_MAX)
		return kmalloc_large(size);
	return kmem_cache_alloc(kmalloc_caches[kmalloc_class(size)]);
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		__builtin_memset(p, 0, size);
	return p;
}

/* The live large-allocation header in front of p, or NULL.  Reads memory
 * only after the pmm confirms the frame is allocated. */
static struct kmalloc_large *kmalloc_large_of(void *p)
{
	struct kmalloc_large *h = (struct kmalloc_large *)p - 1;

	if ((uintptr_t)p % PAGE_SIZE != sizeof(*h) ||
	    !pmm_page_is_allocated(virt_to_phys_direct(h)))
		return NULL;
	return h->magic == (KMALLOC_LARGE_MAGIC ^ (uintptr_t)h) ? h : NULL;
}

/*
 * Free a live large allocation.  Its page count is checked against the
 * pmm before the pages are poisoned, so a corrupted header panics instead
 * of scribbling over someone else's memory.
 */
static void kfree_large(struct kmalloc_large *h)
{
	size_t pages = h->pages;
	paddr_t pa = virt_to_phys_direct(h);

	if (pages == 0 || pages > SIZE_MAX / PAGE_SIZE)
		panic("kfree: large allocation %p has a corrupted header "
		      "(%zu pages)", (void *)(h + 1), pages);
	for (size_t i = 0; i < pages; i++)
		if (!pmm_page_is_allocated(pa + (paddr_t)i * PAGE_SIZE))
			panic("kfree: large allocation %p claims %zu pages, "
			      "but page %zu is not allocated (header corrupted)",
			      (void *)(h + 1), pages, i);
	h->magic = 0;
	__builtin_memset(h, KMEM_POISON, pages * PAGE_SIZE);
	pmm_free_pages(pa, pages);
}

/* The live slab containing p, trying each possible slab size. */
static struct slab *kmalloc_slab_of(const void *p)
{
	for (size_t pages = 1; pages <= SLAB_MAX_PAGES; pages *= 2) {
		struct slab *s = slab_at(ALIGN_DOWN((uintptr_t)p,
						    pages * PAGE_SIZE));

		if (s && s->cache->slab_pages == pages)
			return s;
	}
	return NULL;
}

void kfree(void *p)
{
	struct kmalloc_large *h;
	struct slab *s;

	if (!p)
		return;
	if ((h = kmalloc_large_of(p))) {
		kfree_large(h);
		return;
	}
	s = kmalloc_slab_of(p);
	if (!s)
		panic("kfree: %p is not a live heap allocation "
		      "(bad pointer or double free)", p);
	if (!s->cache->is_kmalloc)
		panic("kfree: %p belongs to cache %s, not to kmalloc", p,
		      s->cache->name);
	kmem_cache_free(s->cache, p);
}
