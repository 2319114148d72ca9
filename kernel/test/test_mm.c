/* In-kernel tests of the frame allocator, slab caches and heap on the real
 * machine's memory (the host tests cover the corner cases). */
#include <kernel/arch.h>
#include <kernel/ktest.h>
#include <kernel/mm.h>
#include <kernel/pmm.h>
#include <kernel/slab.h>
#include <string/string.h>

KTEST(pmm, alloc_free_restores_stats)
{
	struct pmm_stats before, after;
	paddr_t pa;

	pmm_get_stats(&before);
	pa = pmm_alloc_page();
	KT_CHECK(pa != 0);
	KT_CHECK((pa & (PAGE_SIZE - 1)) == 0);
	KT_CHECK(pa >= 0x100000);
	memset(phys_to_virt(pa), 0xa5, PAGE_SIZE);   /* direct map is writable */
	pmm_free_pages(pa, 1);
	pmm_get_stats(&after);
	KT_CHECK_EQ(after.free_frames, before.free_frames);
}

KTEST(pmm, contiguous_aligned_run)
{
	paddr_t pa = pmm_alloc_pages(64, 16);

	KT_CHECK(pa != 0);
	KT_CHECK((pa & (16 * PAGE_SIZE - 1)) == 0);
	for (size_t i = 0; i < 64; i++)
		KT_CHECK(pmm_page_is_allocated(pa + i * PAGE_SIZE));
	pmm_free_pages(pa, 64);
	KT_CHECK(!pmm_page_is_allocated(pa));
}

KTEST(pmm, thousand_distinct_frames)
{
	static paddr_t frames[1000];
	bool ok = true;

	for (size_t i = 0; i < ARRAY_SIZE(frames); i++) {
		frames[i] = pmm_alloc_page();
		ok = ok && frames[i];
		*(volatile uint64_t *)phys_to_virt(frames[i]) = i;
	}
	for (size_t i = 0; i < ARRAY_SIZE(frames); i++) {
		ok = ok && *(volatile uint64_t *)phys_to_virt(frames[i]) == i;
		pmm_free_pages(frames[i], 1);
	}
	KT_CHECK(ok);
}

KTEST(slab, cache_objects_distinct)
{
	static void *objs[300];
	struct kmem_cache *c = kmem_cache_create("ktest-72", 72, 8);
	struct kmem_cache_info info;

	KT_CHECK(c != NULL);
	for (size_t i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = kmem_cache_zalloc(c);
		KT_CHECK(objs[i] != NULL);
		KT_CHECK(((uintptr_t)objs[i] & 7) == 0);
		memset(objs[i], (int)i, 72);
	}
	kmem_cache_get_info(c, &info);
	KT_CHECK_EQ(info.objects_in_use, ARRAY_SIZE(objs));
	for (size_t i = 0; i < ARRAY_SIZE(objs); i++) {
		KT_CHECK(((uint8_t *)objs[i])[71] == (uint8_t)i);
		kmem_cache_free(c, objs[i]);
	}
	kmem_cache_get_info(c, &info);
	KT_CHECK_EQ(info.objects_in_use, 0);
}

KTEST(heap, kmalloc_every_size_class)
{
	for (size_t size = 1; size <= 16384; size = size * 2 + 1) {
		uint8_t *p = kmalloc(size);
		KT_CHECK(p != NULL);
		memset(p, 0x5a, size);
		KT_CHECK(p[size - 1] == 0x5a);
		kfree(p);
	}
	kfree(NULL);
}

KTEST(heap, kzalloc_zeroed)
{
	uint8_t *p = kzalloc(3000);
	bool zero = true;

	KT_CHECK(p != NULL);
	for (size_t i = 0; i < 3000; i++)
		zero = zero && p[i] == 0;
	kfree(p);
	KT_CHECK(zero);
}
