/* Host tests for slab caches and kmalloc (kernel/mm/slab.c). */
#include "fake_phys.h"
#include "test.h"

#include <kernel/pmm.h>
#include <kernel/slab.h>

#define PG       ((uint64_t)PAGE_SIZE)
#define NCLASSES 8   /* kmalloc-16 .. kmalloc-2048 */

static void *volatile sink;   /* keeps __must_check results used */

/* Fresh pmm over [2 MiB, 62 MiB) and fresh slab layer. */
static void setup(void)
{
	struct pmm_range r[] = { { 2 * MiB, 60 * MiB } };

	CHECK_EQ(fake_phys_init(r, 1), PMM_OK);
	kmem_set_debug(true);
	kmalloc_init();
}

/* Fresh pmm with only `pages` usable frames (one of them the bitmap). */
static void setup_small(size_t pages)
{
	struct pmm_range r[] = { { 2 * MiB, pages * PG } };

	CHECK_EQ(fake_phys_init(r, 1), PMM_OK);
	kmem_set_debug(true);
	kmalloc_init();
}

static struct kmem_cache_info info(struct kmem_cache *c)
{
	struct kmem_cache_info i;

	kmem_cache_get_info(c, &i);
	return i;
}

struct find_ctx {
	const char *name;
	struct kmem_cache_info found;
	int count;
};

static void find_cb(const struct kmem_cache_info *i, void *ctx)
{
	struct find_ctx *f = ctx;

	f->count++;
	if (strcmp(i->name, f->name) == 0)
		f->found = *i;
}

static struct kmem_cache_info info_by_name(const char *name)
{
	struct find_ctx f = { .name = name };

	kmem_cache_for_each(find_cb, &f);
	return f.found;
}

/* ---- cache creation ---------------------------------------------------- */

TEST(slab, create_rejects_bad_args)
{
	setup();
	CHECK(kmem_cache_create(NULL, 32, 8) == NULL);
	CHECK(kmem_cache_create("zero", 0, 8) == NULL);
	CHECK(kmem_cache_create("huge", KMEM_CACHE_MAX_SIZE + 1, 8) == NULL);
	CHECK(kmem_cache_create("align3", 32, 3) == NULL);
	CHECK(kmem_cache_create("align-big", 32, 2 * PAGE_SIZE) == NULL);
}

TEST(slab, create_limit_is_enforced)
{
	int made = 0;

	setup();
	while (kmem_cache_create("filler", 64, 8))
		made++;
	CHECK_EQ(made, KMEM_CACHE_MAX - NCLASSES);
	CHECK(kmem_cache_create("one-more", 64, 8) == NULL);
}

TEST(slab, create_copies_and_truncates_name)
{
	char name[64];
	struct kmem_cache *c;

	setup();
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	c = kmem_cache_create(name, 32, 8);
	CHECK(c != NULL);
	name[0] = 'y';
	CHECK_EQ(strlen(info(c).name), KMEM_CACHE_NAME_MAX - 1);
	CHECK_EQ(info(c).name[0], 'x');
}

TEST(slab, create_default_alignment)
{
	struct kmem_cache *c;

	setup();
	c = kmem_cache_create("dflt", 12, 0);
	CHECK(c != NULL);
	CHECK_EQ(info(c).align, 8);
	CHECK_EQ(info(c).stride, 16);
}

TEST(slab, new_cache_holds_no_slabs)
{
	struct kmem_cache *c;

	setup();
	c = kmem_cache_create("idle", 100, 8);
	CHECK_EQ(info(c).slabs, 0);
	CHECK_EQ(info(c).objects_in_use, 0);
}

TEST(slab, large_objects_get_multipage_slabs)
{
	struct kmem_cache *c;

	setup();
	c = kmem_cache_create("big", 3000, 8);
	CHECK(c != NULL);
	CHECK(info(c).slab_pages > 1);
	CHECK(info(c).objects_per_slab >= 1);
	c = kmem_cache_create("max", KMEM_CACHE_MAX_SIZE, 8);
	CHECK(c != NULL);
	CHECK_EQ(info(c).slab_pages, SLAB_MAX_PAGES);
}

/* ---- allocation -------------------------------------------------------- */

TEST(slab, alloc_respects_alignment)
{
	static const size_t aligns[] = { 8, 16, 64, 256, 4096 };

	setup();
	for (size_t a = 0; a < ARRAY_SIZE(aligns); a++) {
		struct kmem_cache *c = kmem_cache_create("al", 40, aligns[a]);

		CHECK(c != NULL);
		for (int i = 0; i < 20; i++) {
			void *p = kmem_cache_alloc(c);

			CHECK(p != NULL);
			CHECK_EQ((uintptr_t)p % aligns[a], 0);
		}
	}
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

TEST(slab, many_objects_unique_and_disjoint)
{
	static uintptr_t p[3000];
	struct kmem_cache *c;

	setup();
	c = kmem_cache_create("obj24", 24, 8);
	for (size_t i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = (uintptr_t)kmem_cache_alloc(c);
		CHECK(p[i] != 0);
		memset((void *)p[i], (int)(i & 0xff), 24);
	}
	for (size_t i = 0; i < ARRAY_SIZE(p); i++)
		CHECK_EQ(*(uint8_t *)(p[i] + 23), i & 0xff);
	CHECK_EQ(info(c).objects_in_use, ARRAY_SIZE(p));
	qsort(p, ARRAY_SIZE(p), sizeof(p[0]), cmp_ptr);
	for (size_t i = 1; i < ARRAY_SIZE(p); i++)
		CHECK(p[i] >= p[i - 1] + 24);
}

TEST(slab, free_then_alloc_reuses_object)
{
	struct kmem_cache *c;
	void *a, *b;

	setup();
	c = kmem_cache_create("reuse", 48, 8);
	a = kmem_cache_alloc(c);
	kmem_cache_free(c, a);
	b = kmem_cache_alloc(c);
	CHECK(a == b);
}

TEST(slab, zalloc_returns_zeroed_object)
{
	struct kmem_cache *c;
	uint8_t *p;

	setup();
	c = kmem_cache_create("z", 200, 8);
	p = kmem_cache_alloc(c);
	memset(p, 0xee, 200);
	kmem_cache_free(c, p);
	p = kmem_cache_zalloc(c);
	for (int i = 0; i < 200; i++)
		CHECK_EQ(p[i], 0);
}

TEST(slab, freed_object_is_poisoned)
{
	struct kmem_cache *c;
	uint8_t *p;

	setup();
	c = kmem_cache_create("poison", 64, 8);
	p = kmem_cache_alloc(c);
	sink = kmem_cache_alloc(c);   /* keep the slab from going empty */
	memset(p, 0x11, 64);
	kmem_cache_free(c, p);
	for (int i = 0; i < 64; i++)
		CHECK_EQ(p[i], KMEM_POISON);
}

TEST(slab, use_after_free_write_detected)
{
	struct kmem_cache *c;
	uint8_t *p;

	setup();
	c = kmem_cache_create("uaf", 64, 8);
	p = kmem_cache_alloc(c);
	kmem_cache_free(c, p);
	p[3] = 0;
	EXPECT_PANIC(sink = kmem_cache_alloc(c));
	CHECK(strstr(test_panic_msg, "written after free") != NULL);
}

TEST(slab, info_tracks_objects_and_slabs)
{
	struct kmem_cache *c;
	struct kmem_cache_info i;
	void *p[100];

	setup();
	c = kmem_cache_create("track", 256, 8);
	for (int k = 0; k < 100; k++)
		p[k] = kmem_cache_alloc(c);
	i = info(c);
	CHECK_EQ(i.objects_in_use, 100);
	CHECK_EQ(i.slabs, (100 + i.objects_per_slab - 1) / i.objects_per_slab);
	for (int k = 0; k < 50; k++)
		kmem_cache_free(c, p[k]);
	CHECK_EQ(info(c).objects_in_use, 50);
}

TEST(slab, empty_slabs_return_to_pmm)
{
	struct kmem_cache *c;
	struct kmem_cache_info i;
	static void *p[2000];
	size_t free0;

	setup();
	c = kmem_cache_create("ret", 128, 8);
	free0 = fake_free_frames();
	for (size_t k = 0; k < ARRAY_SIZE(p); k++)
		p[k] = kmem_cache_alloc(c);
	CHECK(fake_free_frames() < free0 - 50);
	for (size_t k = 0; k < ARRAY_SIZE(p); k++)
		kmem_cache_free(c, p[k]);
	i = info(c);
	CHECK_EQ(i.objects_in_use, 0);
	CHECK_EQ(i.slabs, 1);
	CHECK_EQ(i.empty_slabs, 1);
	CHECK_EQ(fake_free_frames(), free0 - i.slab_pages);
}

TEST(slab, one_empty_slab_kept_for_reuse)
{
	struct kmem_cache *c;
	void *p;
	size_t free1;

	setup();
	c = kmem_cache_create("keep", 64, 8);
	p = kmem_cache_alloc(c);
	free1 = fake_free_frames();
	kmem_cache_free(c, p);
	CHECK_EQ(fake_free_frames(), free1);
	p = kmem_cache_alloc(c);
	CHECK_EQ(fake_free_frames(), free1);
	kmem_cache_free(c, p);
}

TEST(slab, alloc_returns_null_on_exhaustion_and_recovers)
{
	struct kmem_cache *c;
	static void *p[4096];
	size_t n = 0;
	void *q;

	setup_small(16);
	c = kmem_cache_create("tiny", 512, 8);
	while ((q = kmem_cache_alloc(c)) != NULL) {
		CHECK(n < ARRAY_SIZE(p));
		p[n++] = q;
	}
	CHECK(n > 0);
	CHECK(fake_free_frames() < info(c).slab_pages);
	kmem_cache_free(c, p[n / 2]);
	q = kmem_cache_alloc(c);
	CHECK(q == p[n / 2]);
}

TEST(slab, multipage_slab_objects_round_trip)
{
	struct kmem_cache *c;
	void *p[40];

	setup();
	c = kmem_cache_create("mp", 3000, 64);
	for (int k = 0; k < 40; k++) {
		p[k] = kmem_cache_alloc(c);
		CHECK(p[k] != NULL);
		CHECK_EQ((uintptr_t)p[k] % 64, 0);
		memset(p[k], k, 3000);
	}
	for (int k = 0; k < 40; k++) {
		CHECK_EQ(((uint8_t *)p[k])[2999], k);
		kmem_cache_free(c, p[k]);
	}
	CHECK_EQ(info(c).objects_in_use, 0);
}

/* ---- bad frees --------------------------------------------------------- */

TEST(slab, double_free_panics)
{
	struct kmem_cache *c;
	void *p;

	setup();
	c = kmem_cache_create("df", 32, 8);
	p = kmem_cache_alloc(c);
	sink = kmem_cache_alloc(c);
	kmem_cache_free(c, p);
	EXPECT_PANIC(kmem_cache_free(c, p));
	CHECK(strstr(test_panic_msg, "double free") != NULL);
}

TEST(slab, wrong_cache_free_panics)
{
	struct kmem_cache *a, *b;
	void *p;

	setup();
	a = kmem_cache_create("a", 32, 8);
	b = kmem_cache_create("b", 32, 8);
	p = kmem_cache_alloc(a);
	EXPECT_PANIC(kmem_cache_free(b, p));
	CHECK(strstr(test_panic_msg, "another cache") != NULL);
	CHECK_EQ(info(a).objects_in_use, 1);
	kmem_cache_free(a, p);
}

TEST(slab, misaligned_free_panics)
{
	struct kmem_cache *c;
	uint8_t *p;

	setup();
	c = kmem_cache_create("mis", 32, 8);
	p = kmem_cache_alloc(c);
	EXPECT_PANIC(kmem_cache_free(c, p + 1));
	CHECK(strstr(test_panic_msg, "not the start") != NULL);
	EXPECT_PANIC(kmem_cache_free(c, p + 16));
	kmem_cache_free(c, p);
}

TEST(slab, free_of_slab_header_panics)
{
	struct kmem_cache *c;
	uint8_t *p;

	setup();
	c = kmem_cache_create("hdr", 32, 8);
	p = kmem_cache_alloc(c);
	EXPECT_PANIC(kmem_cache_free(c, (void *)ALIGN_DOWN((uintptr_t)p, PG)));
}

TEST(slab, free_of_foreign_pointer_panics)
{
	struct kmem_cache *c;
	int local;
	void *heap = malloc(32);
	paddr_t page;

	setup();
	c = kmem_cache_create("foreign", 32, 8);
	EXPECT_PANIC(kmem_cache_free(c, &local));
	CHECK(strstr(test_panic_msg, "not in a slab") != NULL);
	EXPECT_PANIC(kmem_cache_free(c, heap));
	page = pmm_alloc_page();
	memset(phys_to_virt(page), 0, PG);
	EXPECT_PANIC(kmem_cache_free(c, phys_to_virt(page)));
	EXPECT_PANIC(kmem_cache_free(c, phys_to_virt(40 * MiB)));  /* free frame */
	free(heap);
}

TEST(slab, cache_usable_after_panicking_free)
{
	struct kmem_cache *c;
	void *p;

	setup();
	c = kmem_cache_create("after", 32, 8);
	p = kmem_cache_alloc(c);
	EXPECT_PANIC(kmem_cache_free(c, (uint8_t *)p + 4));
	kmem_cache_free(c, p);      /* the cache lock was released */
	CHECK(kmem_cache_alloc(c) == p);
}

/* ---- statistics walk --------------------------------------------------- */

/* Without debugging: the object freed last is kept hot for the next
 * allocation, counts as free, and a second free of it is still caught. */
TEST(slab, hot_object_reused_without_debug)
{
	struct kmem_cache *c;
	void *a, *b, *d;

	setup();
	kmem_set_debug(false);
	kmalloc_init();
	c = kmem_cache_create("hot", 48, 8);
	a = kmem_cache_alloc(c);
	b = kmem_cache_alloc(c);
	kmem_cache_free(c, a);
	CHECK_EQ(info(c).objects_in_use, 1);
	kmem_cache_free(c, b);          /* the hot slot is taken: to the slab */
	CHECK_EQ(info(c).objects_in_use, 0);
	d = kmem_cache_alloc(c);
	CHECK(d == a);
	kmem_cache_free(c, d);
	EXPECT_PANIC(kmem_cache_free(c, d));
	CHECK(strstr(test_panic_msg, "double free") != NULL);
	kmem_set_debug(true);
}

TEST(slab, for_each_visits_every_cache)
{
	struct find_ctx f = { .name = "visit-me" };
	struct kmem_cache *c;

	setup();
	c = kmem_cache_create("visit-me", 72, 8);
	sink = kmem_cache_alloc(c);
	kmem_cache_for_each(find_cb, &f);
	CHECK_EQ(f.count, NCLASSES + 1);
	CHECK_EQ(f.found.object_size, 72);
	CHECK_EQ(f.found.objects_in_use, 1);
	CHECK_EQ(f.found.slabs, 1);
}

TEST(slab, kmalloc_init_creates_size_classes)
{
	setup();
	for (size_t sz = KMALLOC_MIN; sz <= KMALLOC_MAX; sz *= 2) {
		char name[32];

		snprintf(name, sizeof(name), "kmalloc-%zu", sz);
		CHECK_EQ(info_by_name(name).object_size, sz);
	}
}

TEST(slab, kmalloc_init_twice_forgets_caches)
{
	struct find_ctx f = { .name = "none" };

	setup();
	CHECK(kmem_cache_create("extra", 32, 8) != NULL);
	kmem_set_debug(true);
	kmalloc_init();
	kmem_cache_for_each(find_cb, &f);
	CHECK_EQ(f.count, NCLASSES);
}

/* ---- kmalloc ----------------------------------------------------------- */

TEST(slab, kmalloc_zero_returns_null)
{
	setup();
	CHECK(kmalloc(0) == NULL);
	CHECK(kzalloc(0) == NULL);
}

TEST(slab, kfree_null_is_noop)
{
	setup();
	kfree(NULL);
	CHECK_EQ(info_by_name("kmalloc-16").objects_in_use, 0);
}

TEST(slab, kmalloc_every_size_class)
{
	setup();
	for (size_t sz = 1; sz <= KMALLOC_MAX; sz += (sz < 64 ? 1 : 37)) {
		uint8_t *p = kmalloc(sz);

		CHECK(p != NULL);
		CHECK_EQ((uintptr_t)p % KMALLOC_ALIGN, 0);
		memset(p, 0xab, sz);
		kfree(p);
	}
	for (size_t sz = KMALLOC_MIN; sz <= KMALLOC_MAX; sz *= 2) {
		uint8_t *p = kmalloc(sz);

		memset(p, 0xcd, sz);
		kfree(p);
	}
}

TEST(slab, kmalloc_picks_smallest_fitting_class)
{
	void *p, *q, *r;

	setup();
	p = kmalloc(17);
	q = kmalloc(2048);
	r = kmalloc(16);
	CHECK_EQ(info_by_name("kmalloc-32").objects_in_use, 1);
	CHECK_EQ(info_by_name("kmalloc-2048").objects_in_use, 1);
	CHECK_EQ(info_by_name("kmalloc-16").objects_in_use, 1);
	kfree(p);
	kfree(q);
	kfree(r);
	CHECK_EQ(info_by_name("kmalloc-32").objects_in_use, 0);
}

TEST(slab, kmalloc_many_2048_objects_through_kfree)
{
	void *p[100];

	setup();
	for (int i = 0; i < 100; i++) {
		p[i] = kmalloc(2000);
		CHECK(p[i] != NULL);
		memset(p[i], i, 2000);
	}
	for (int i = 0; i < 100; i++) {
		CHECK_EQ(((uint8_t *)p[i])[1999], i);
		kfree(p[i]);
	}
	CHECK_EQ(info_by_name("kmalloc-2048").objects_in_use, 0);
}

TEST(slab, kmalloc_large_sizes)
{
	static const size_t sizes[] = { 2049, 4080, 4096, 10000, 1 << 20 };
	size_t free0;

	setup();
	free0 = fake_free_frames();
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint8_t *p = kmalloc(sizes[i]);
		size_t pages = (sizes[i] + 16 + PG - 1) / PG;

		CHECK(p != NULL);
		CHECK_EQ((uintptr_t)p % KMALLOC_ALIGN, 0);
		CHECK_EQ(fake_free_frames(), free0 - pages);
		memset(p, 0x5a, sizes[i]);
		kfree(p);
		CHECK_EQ(fake_free_frames(), free0);
	}
}

TEST(slab, kmalloc_huge_fails_cleanly)
{
	setup();
	CHECK(kmalloc(SIZE_MAX) == NULL);
	CHECK(kmalloc(SIZE_MAX - 8) == NULL);
	CHECK(kmalloc((size_t)1 << 40) == NULL);
	CHECK(kmalloc(100 * MiB) == NULL);
}

TEST(slab, kmalloc_exhaustion_returns_null)
{
	static void *p[8192];
	size_t n = 0;
	void *q;

	setup_small(32);
	while ((q = kmalloc(100)) != NULL) {
		CHECK(n < ARRAY_SIZE(p));
		p[n++] = q;
	}
	CHECK(kmalloc(5000) == NULL);
	for (size_t i = 0; i < n; i++)
		kfree(p[i]);
	q = kmalloc(5000);
	CHECK(q != NULL);
	kfree(q);
}

TEST(slab, kzalloc_small_is_zeroed)
{
	uint8_t *p;

	setup();
	p = kmalloc(300);
	memset(p, 0xff, 300);
	kfree(p);
	p = kzalloc(300);
	for (int i = 0; i < 300; i++)
		CHECK_EQ(p[i], 0);
	kfree(p);
}

TEST(slab, kzalloc_large_is_zeroed)
{
	uint8_t *p;

	setup();
	p = kmalloc(9000);
	memset(p, 0xff, 9000);
	kfree(p);
	p = kzalloc(9000);
	for (int i = 0; i < 9000; i++)
		CHECK_EQ(p[i], 0);
	kfree(p);
}

TEST(slab, kfree_double_small_panics)
{
	void *p;

	setup();
	p = kmalloc(40);
	sink = kmalloc(40);
	kfree(p);
	EXPECT_PANIC(kfree(p));
	CHECK(strstr(test_panic_msg, "double free") != NULL);
}

TEST(slab, kfree_double_large_panics)
{
	void *p;

	setup();
	p = kmalloc(20000);
	kfree(p);
	EXPECT_PANIC(kfree(p));
	CHECK(strstr(test_panic_msg, "not a live heap allocation") != NULL);
}

TEST(slab, kfree_interior_pointer_panics)
{
	uint8_t *small, *large;

	setup();
	small = kmalloc(64);
	large = kmalloc(9000);
	EXPECT_PANIC(kfree(small + 8));
	EXPECT_PANIC(kfree(large + 16));
	EXPECT_PANIC(kfree(large + PG));
	kfree(small);
	kfree(large);
}

TEST(slab, kfree_foreign_pointer_panics)
{
	int local;
	void *heap = malloc(64);

	setup();
	EXPECT_PANIC(kfree(&local));
	EXPECT_PANIC(kfree(heap));
	EXPECT_PANIC(kfree(phys_to_virt(30 * MiB + 16)));   /* free frame */
	free(heap);
}

TEST(slab, kfree_of_cache_object_panics)
{
	struct kmem_cache *c;
	void *p;

	setup();
	c = kmem_cache_create("private", 64, 16);
	p = kmem_cache_alloc(c);
	EXPECT_PANIC(kfree(p));
	CHECK(strstr(test_panic_msg, "not to kmalloc") != NULL);
	kmem_cache_free(c, p);
}

TEST(slab, kfree_corrupted_large_header_panics)
{
	uint64_t *p;

	setup();
	p = kmalloc(5000);
	p[-1] = 1000;                  /* page count in the header */
	EXPECT_PANIC(kfree(p));
	CHECK(strstr(test_panic_msg, "not allocated") != NULL);
	p[-1] = 2;
	kfree(p);
}

/* ---- randomized stress with a shadow model ----------------------------- */

struct live {
	uint8_t *p;
	size_t size;
	uint8_t fill;
};

static size_t stress_size(uint64_t *seed)
{
	uint64_t r = fake_rand(seed);

	switch (r % 8) {
	case 0:
		return 2049 + (r >> 8) % 20000;     /* large */
	case 1:
	case 2:
		return 1 + (r >> 8) % 2048;
	default:
		return 1 + (r >> 8) % 200;
	}
}

static void stress_check_disjoint(const struct live *l, size_t n, size_t s)
{
	for (size_t t = 0; t < n; t++)
		if (t != s && l[t].p)
			CHECK(l[s].p + l[s].size <= l[t].p ||
			      l[t].p + l[t].size <= l[s].p);
}

static void stress_release(struct live *l)
{
	for (size_t i = 0; i < l->size; i++)
		CHECK_EQ(l->p[i], l->fill);
	kfree(l->p);
	l->p = NULL;
}

static void sum_in_use(const struct kmem_cache_info *i, void *ctx)
{
	*(size_t *)ctx += i->objects_in_use;
}

TEST(slab, stress_random_kmalloc_kfree)
{
	static struct live l[512];
	uint64_t seed = 0xC0FFEE;
	size_t in_use = 0;

	setup();
	for (int op = 0; op < 30000; op++) {
		size_t s = fake_rand(&seed) % ARRAY_SIZE(l);

		if (l[s].p) {
			stress_release(&l[s]);
			continue;
		}
		l[s].size = stress_size(&seed);
		l[s].fill = (uint8_t)fake_rand(&seed);
		l[s].p = fake_rand(&seed) & 1 ? kzalloc(l[s].size)
					      : kmalloc(l[s].size);
		CHECK(l[s].p != NULL);
		CHECK_EQ((uintptr_t)l[s].p % KMALLOC_ALIGN, 0);
		memset(l[s].p, l[s].fill, l[s].size);
		stress_check_disjoint(l, ARRAY_SIZE(l), s);
	}
	for (size_t s = 0; s < ARRAY_SIZE(l); s++)
		if (l[s].p)
			stress_release(&l[s]);
	kmem_cache_for_each(sum_in_use, &in_use);
	CHECK_EQ(in_use, 0);
}

TEST(slab, stress_returns_memory_to_pmm)
{
	static void *p[3000];
	uint64_t seed = 42;
	size_t free0, kept = 0;
	struct find_ctx f = { .name = "" };

	setup();
	free0 = fake_free_frames();
	for (size_t i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = kmalloc(stress_size(&seed));
	for (size_t i = 0; i < ARRAY_SIZE(p); i++)
		kfree(p[i]);
	kmem_cache_for_each(find_cb, &f);
	for (size_t sz = KMALLOC_MIN; sz <= KMALLOC_MAX; sz *= 2) {
		char name[32];
		struct kmem_cache_info i;

		snprintf(name, sizeof(name), "kmalloc-%zu", sz);
		i = info_by_name(name);
		CHECK(i.slabs <= 1);
		kept += i.slabs * i.slab_pages;
	}
	CHECK_EQ(fake_free_frames(), free0 - kept);
}

/* ---- kmem_check (the invariant checker's view) ------------------------- */

TEST(slab, check_passes_on_a_busy_heap)
{
	struct kmem_cache *c;
	void *objs[100];

	setup();
	c = kmem_cache_create("busy", 40, 8);
	for (int i = 0; i < 100; i++)
		objs[i] = kmem_cache_alloc(c);
	for (int i = 0; i < 100; i += 3)
		kmem_cache_free(c, objs[i]);
	sink = kmalloc(5000);
	kmem_check();
	kmem_set_debug(false);          /* with a hot object too */
	kmalloc_init();
	c = kmem_cache_create("hot", 40, 8);
	objs[0] = kmem_cache_alloc(c);
	objs[1] = kmem_cache_alloc(c);
	kmem_cache_free(c, objs[0]);
	kmem_check();
	kmem_set_debug(true);
}

/* The header of the slab holding obj (one-page slabs). */
static uint32_t *slab_inuse_of(void *obj)
{
	/* struct slab: magic, cache, prev, next, then inuse. */
	return (uint32_t *)(ALIGN_DOWN((uintptr_t)obj, PAGE_SIZE) + 32);
}

TEST(slab, check_catches_a_wrong_count)
{
	struct kmem_cache *c;
	void *a;

	setup();
	c = kmem_cache_create("count", 40, 8);
	a = kmem_cache_alloc(c);
	sink = kmem_cache_alloc(c);
	(*slab_inuse_of(a))++;
	EXPECT_PANIC(kmem_check());
	CHECK(strstr(test_panic_msg, "invariant: slab: cache count") != NULL);
	(*slab_inuse_of(a))--;
	kmem_check();                   /* the lock was released */
}
