/*
 * vm.*: memory objects and address spaces: contents, sizes, mapping
 * rules (rights, W^X, overlap), lazy zero fill, and the faults that bad
 * accesses must raise.
 */
#include "guest.h"

#include <string.h>

#define VM_FIXED_AT 0x0000000020000000ULL
#define RW (MT_PROT_READ | MT_PROT_WRITE)

static mt_handle_t vm_memory(uint64_t size)
{
	mt_handle_t h;

	GT_OK(mt_memory_create(size, 0, &h));
	return h;
}

GT_TEST(vm, memory_read_write)
{
	mt_handle_t mem = vm_memory(3 * MT_PAGE_SIZE);
	char in[6000], out[6000];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)(i * 7);
	/* Across a page boundary, at an odd offset. */
	GT_OK(mt_memory_write(mem, 1001, in, sizeof(in)));
	GT_OK(mt_memory_read(mem, 1001, out, sizeof(out)));
	GT_CHECK(memcmp(in, out, sizeof(in)) == 0);
	GT_OK(mt_memory_read(mem, 0, out, 1001));
	for (size_t i = 0; i < 1001; i++)
		GT_CHECK_EQ(out[i], 0);
	GT_OK(mt_memory_read(mem, 3 * MT_PAGE_SIZE, out, 0));
}

GT_TEST(vm, memory_zero_filled)
{
	mt_handle_t mem = vm_memory(64 * MT_PAGE_SIZE);
	uint64_t buf[64];

	for (uint64_t off = 0; off < 64 * MT_PAGE_SIZE; off += MT_PAGE_SIZE) {
		memset(buf, 0xa5, sizeof(buf));
		GT_OK(mt_memory_read(mem, off + 100, buf, sizeof(buf)));
		for (size_t i = 0; i < 64; i++)
			GT_CHECK_EQ(buf[i], 0);
	}
}

GT_TEST(vm, memory_out_of_range)
{
	mt_handle_t mem = vm_memory(2 * MT_PAGE_SIZE);
	char buf[16] = { 0 };

	GT_ERR(mt_memory_read(mem, 2 * MT_PAGE_SIZE, buf, 1), MT_ERR_OUT_OF_RANGE);
	GT_ERR(mt_memory_write(mem, 2 * MT_PAGE_SIZE - 8, buf, 16), MT_ERR_OUT_OF_RANGE);
	GT_ERR(mt_memory_read(mem, UINT64_MAX - 4, buf, 16), MT_ERR_OUT_OF_RANGE);
	GT_ERR(mt_memory_write(mem, 1ULL << 63, buf, 1), MT_ERR_OUT_OF_RANGE);
	GT_OK(mt_memory_write(mem, 2 * MT_PAGE_SIZE - 16, buf, 16));
}

GT_TEST(vm, memory_create_limits)
{
	mt_handle_t h;
	struct mt_object_info info;

	GT_ERR(mt_memory_create(MT_MEMORY_MAX + 1, 0, &h), MT_ERR_OUT_OF_RANGE);
	GT_ERR(mt_memory_create(UINT64_MAX, 0, &h), MT_ERR_OUT_OF_RANGE);
	GT_ERR(mt_memory_create(UINT64_MAX - MT_PAGE_SIZE + 2, 0, &h),
	       MT_ERR_OUT_OF_RANGE);
	GT_ERR(mt_memory_create(MT_PAGE_SIZE, 1, &h), MT_ERR_INVALID_ARGS);
	/* Sizes round up to pages; a huge lazy object costs nothing yet. */
	GT_OK(mt_memory_create(100, 0, &h));
	GT_OK(mt_object_info(h, &info));
	GT_CHECK_EQ(info.size, MT_PAGE_SIZE);
	GT_OK(mt_memory_create(MT_MEMORY_MAX, 0, &h));
}

GT_TEST(vm, map_write_read_unmap)
{
	mt_handle_t mem = vm_memory(4 * MT_PAGE_SIZE);
	uint64_t addr = (uint64_t)GT_OK(mt_vm_map(gt_aspace(), 0, mem, 0,
						  4 * MT_PAGE_SIZE, RW));
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)addr;
	uint32_t v = 0;

	GT_CHECK(addr >= MT_USER_BASE && addr < MT_USER_TOP);
	GT_CHECK_EQ(addr % MT_PAGE_SIZE, 0);
	p[0] = 0x12345678;
	p[3 * 1024 + 5] = 0xabcdef01;
	GT_OK(mt_memory_read(mem, 0, &v, 4));
	GT_CHECK_EQ(v, 0x12345678);
	v = 0x55aa55aa;
	GT_OK(mt_memory_write(mem, 4, &v, 4));
	GT_CHECK_EQ(p[1], 0x55aa55aa);
	GT_CHECK_EQ(p[3 * 1024 + 5], 0xabcdef01);
	GT_OK(mt_vm_unmap(gt_aspace(), addr, 4 * MT_PAGE_SIZE));
	GT_ERR(mt_vm_unmap(gt_aspace(), addr, 4 * MT_PAGE_SIZE), MT_ERR_NOT_FOUND);
}

GT_TEST(vm, two_mappings_share_pages)
{
	mt_handle_t mem = vm_memory(MT_PAGE_SIZE);
	volatile uint64_t *a = (void *)(uintptr_t)GT_OK(
		mt_vm_map(gt_aspace(), 0, mem, 0, MT_PAGE_SIZE, RW));
	volatile uint64_t *b = (void *)(uintptr_t)GT_OK(
		mt_vm_map(gt_aspace(), 0, mem, 0, MT_PAGE_SIZE, MT_PROT_READ));

	GT_CHECK(a != b);
	a[10] = 0xfeedface;
	GT_CHECK_EQ(b[10], 0xfeedface);
}

GT_TEST(vm, mapping_outlives_handle)
{
	mt_handle_t mem = vm_memory(MT_PAGE_SIZE);
	volatile uint64_t *p = (void *)(uintptr_t)GT_OK(
		mt_vm_map(gt_aspace(), 0, mem, 0, MT_PAGE_SIZE, RW));

	GT_OK(mt_handle_close(mem));
	p[0] = 42;
	GT_CHECK_EQ(p[0], 42);
}

GT_TEST(vm, map_wx_refused)
{
	mt_handle_t mem = vm_memory(MT_PAGE_SIZE);
	mt_status_t st = mt_vm_map(gt_aspace(), 0, mem, 0, MT_PAGE_SIZE,
				   MT_PROT_READ | MT_PROT_WRITE | MT_PROT_EXEC);

	if (st != MT_ERR_INVALID_ARGS && st != MT_ERR_ACCESS_DENIED)
		gt_fail("W+X map: %s", mt_status_str(st));
	st = mt_vm_map(gt_aspace(), VM_FIXED_AT, mem, 0, MT_PAGE_SIZE,
		       MT_PROT_WRITE | MT_PROT_EXEC | MT_MAP_FIXED);
	if (st != MT_ERR_INVALID_ARGS && st != MT_ERR_ACCESS_DENIED)
		gt_fail("fixed W+X map: %s", mt_status_str(st));
	/* Nothing was mapped there. */
	GT_ERR(mt_vm_unmap(gt_aspace(), VM_FIXED_AT, MT_PAGE_SIZE), MT_ERR_NOT_FOUND);
}

GT_TEST(vm, protect_wx_refused)
{
	mt_handle_t mem = vm_memory(MT_PAGE_SIZE);
	uint64_t a = (uint64_t)GT_OK(mt_vm_map(gt_aspace(), 0, mem, 0,
					       MT_PAGE_SIZE, RW));
	uint64_t x = (uint64_t)GT_OK(mt_vm_map(gt_aspace(), 0, mem, 0,
					       MT_PAGE_SIZE, MT_PROT_READ | MT_PROT_EXEC));
	mt_status_t st;

	st = mt_vm_protect(gt_aspace(), a, MT_PAGE_SIZE, RW | MT_PROT_EXEC);
	if (st != MT_ERR_INVALID_ARGS && st != MT_ERR_ACCESS_DENIED)
		gt_fail("protect RW to RWX: %s", mt_status_str(st));
	st = mt_vm_protect(gt_aspace(), x, MT_PAGE_SIZE, RW | MT_PROT_EXEC);
	if (st != MT_ERR_INVALID_ARGS && st != MT_ERR_ACCESS_DENIED)
		gt_fail("protect RX to RWX: %s", mt_status_str(st));
	/* Our own code cannot be made writable either (W^X, no WRITE on
	 * the text's memory object is not required: RWX is refused first). */
	st = mt_vm_protect(gt_aspace(), 0x400000, MT_PAGE_SIZE, RW | MT_PROT_EXEC);
	if (st >= 0)
		gt_fail("protect own text to RWX succeeded");
	*(volatile char *)(uintptr_t)a = 1;
}

GT_TEST(vm, map_needs_rights)
{
	mt_handle_t mem = vm_memory(MT_PAGE_SIZE), h;
	const mt_rights_t all = MT_RIGHT_READ | MT_RIGHT_WRITE | MT_RIGHT_MAP |
				MT_RIGHT_EXECUTE;

	GT_OK(mt_handle_duplicate(mem, all & ~MT_RIGHT_MAP, &h));
	GT_ERR(mt_vm_map(gt_aspace(), 0, h, 0, MT_PAGE_SIZE, MT_PROT_READ),
	       MT_ERR_ACCESS_DENIED);
	GT_OK(mt_handle_duplicate(mem, all & ~MT_RIGHT_EXECUTE, &h));
	GT_ERR(mt_vm_map(gt_aspace(), 0, h, 0, MT_PAGE_SIZE,
			 MT_PROT_READ | MT_PROT_EXEC), MT_ERR_ACCESS_DENIED);
	GT_OK(mt_handle_duplicate(mem, all & ~MT_RIGHT_WRITE, &h));
	GT_ERR(mt_vm_map(gt_aspace(), 0, h, 0, MT_PAGE_SIZE, RW),
	       MT_ERR_ACCESS_DENIED);
	/* Mapped read-only from a handle without WRITE: protect cannot
	 * add WRITE later. */
	uint64_t a = (uint64_t)GT_OK(mt_vm_map(gt_aspace(), 0, h, 0,
					       MT_PAGE_SIZE, MT_PROT_READ));
	GT_ERR(mt_vm_protect(gt_aspace(), a, MT_PAGE_SIZE, RW),
	       MT_ERR_ACCESS_DENIED);
	GT_OK(mt_handle_duplicate(mem, all & ~MT_RIGHT_READ, &h));
	GT_ERR(mt_vm_map(gt_aspace(), 0, h, 0, MT_PAGE_SIZE, MT_PROT_READ),
	       MT_ERR_ACCESS_DENIED);
	/* An address-space handle without WRITE cannot map. */
	mt_handle_t as;
	GT_OK(mt_handle_duplicate(gt_aspace(), MT_RIGHT_READ | MT_RIGHT_INFO, &as));
	GT_ERR(mt_vm_map(as, 0, mem, 0, MT_PAGE_SIZE, MT_PROT_READ),
	       MT_ERR_ACCESS_DENIED);
}

GT_TEST(vm, boot_archive_read_only)
{
	mt_handle_t fs = mt_startup()->bootfs;

	GT_ERR(mt_vm_map(gt_aspace(), 0, fs, 0, MT_PAGE_SIZE, RW),
	       MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_vm_map(gt_aspace(), 0, fs, 0, MT_PAGE_SIZE,
			 MT_PROT_READ | MT_PROT_EXEC), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_memory_write(fs, 0, "x", 1), MT_ERR_ACCESS_DENIED);
}

GT_TEST(vm, map_fixed_overlap_refused)
{
	mt_handle_t mem = vm_memory(4 * MT_PAGE_SIZE);

	GT_CHECK_EQ(GT_OK(mt_vm_map(gt_aspace(), VM_FIXED_AT, mem, 0,
				    2 * MT_PAGE_SIZE, RW | MT_MAP_FIXED)),
		    VM_FIXED_AT);
	GT_ERR(mt_vm_map(gt_aspace(), VM_FIXED_AT, mem, 0, MT_PAGE_SIZE,
			 RW | MT_MAP_FIXED), MT_ERR_ALREADY_EXISTS);
	GT_ERR(mt_vm_map(gt_aspace(), VM_FIXED_AT + MT_PAGE_SIZE, mem, 0,
			 2 * MT_PAGE_SIZE, RW | MT_MAP_FIXED), MT_ERR_ALREADY_EXISTS);
	GT_ERR(mt_vm_map(gt_aspace(), VM_FIXED_AT - MT_PAGE_SIZE, mem, 0,
			 4 * MT_PAGE_SIZE, RW | MT_MAP_FIXED), MT_ERR_ALREADY_EXISTS);
	/* Our own text. */
	GT_ERR(mt_vm_map(gt_aspace(), 0x400000, mem, 0, MT_PAGE_SIZE,
			 RW | MT_MAP_FIXED), MT_ERR_ALREADY_EXISTS);
	/* The old mapping is intact. */
	*(volatile uint64_t *)(uintptr_t)(VM_FIXED_AT + 8) = 5;
	GT_CHECK_EQ(*(volatile uint64_t *)(uintptr_t)(VM_FIXED_AT + 8), 5);
}

GT_TEST(vm, map_bad_arguments)
{
	mt_handle_t mem = vm_memory(2 * MT_PAGE_SIZE);
	mt_handle_t as = gt_aspace();
	mt_status_t st;

	GT_ERR(mt_vm_map(as, VM_FIXED_AT + 1, mem, 0, MT_PAGE_SIZE,
			 RW | MT_MAP_FIXED), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_vm_map(as, 0, mem, 1, MT_PAGE_SIZE, RW), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_vm_map(as, 0, mem, 0, 0, RW), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_vm_map(as, 0, mem, 0, MT_PAGE_SIZE, RW | (1u << 20)),
	       MT_ERR_INVALID_ARGS);
	GT_ERR(mt_vm_map(as, 0, mem, MT_PAGE_SIZE, 2 * MT_PAGE_SIZE, RW),
	       MT_ERR_OUT_OF_RANGE);
	GT_ERR(mt_vm_map(as, 0, mem, UINT64_MAX - MT_PAGE_SIZE + 1,
			 MT_PAGE_SIZE, RW), MT_ERR_OUT_OF_RANGE);
	/* Outside user space. */
	static const uint64_t outside[] = { 0, 0x1000, 0xffff800000000000ULL,
		0xffffffff80000000ULL, 0x0000800000000000ULL, MT_USER_TOP,
		MT_USER_TOP - MT_PAGE_SIZE, 0xfffffffffffff000ULL };
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		st = mt_vm_map(as, outside[i], mem, 0, 2 * MT_PAGE_SIZE,
			       RW | MT_MAP_FIXED);
		if (st != MT_ERR_INVALID_ARGS && st != MT_ERR_OUT_OF_RANGE)
			gt_note("fixed map at %#llx: %s",
				(unsigned long long)outside[i], mt_status_str(st));
	}
}

GT_TEST(vm, unmap_rules)
{
	mt_handle_t mem = vm_memory(4 * MT_PAGE_SIZE);
	uint64_t a = (uint64_t)GT_OK(mt_vm_map(gt_aspace(), 0, mem, 0,
					       4 * MT_PAGE_SIZE, RW));

	GT_ERR(mt_vm_unmap(gt_aspace(), VM_FIXED_AT, MT_PAGE_SIZE), MT_ERR_NOT_FOUND);
	/* Splitting a mapping is refused. */
	GT_ERR(mt_vm_unmap(gt_aspace(), a, MT_PAGE_SIZE), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_vm_unmap(gt_aspace(), a + MT_PAGE_SIZE, MT_PAGE_SIZE),
	       MT_ERR_INVALID_ARGS);
	GT_ERR(mt_vm_unmap(gt_aspace(), a + 1, MT_PAGE_SIZE), MT_ERR_INVALID_ARGS);
	mt_status_t st = mt_vm_unmap(gt_aspace(), 0xffff800000000000ULL,
				     MT_PAGE_SIZE);
	if (st != MT_ERR_INVALID_ARGS && st != MT_ERR_NOT_FOUND)
		gt_fail("unmap of kernel space: %s", mt_status_str(st));
	GT_ERR(mt_vm_unmap(gt_aspace(), a, UINT64_MAX - MT_PAGE_SIZE + 1),
	       MT_ERR_INVALID_ARGS);
	*(volatile char *)(uintptr_t)(a + 3 * MT_PAGE_SIZE) = 1;
	/* A range covering it wholly (and more) removes it. */
	GT_OK(mt_vm_unmap(gt_aspace(), a - MT_PAGE_SIZE, 6 * MT_PAGE_SIZE));
}

GT_TEST(vm, lazy_zero_fill)
{
	const uint64_t size = 16ULL << 20;
	struct mt_kernel_stats before, after;
	mt_handle_t mem = vm_memory(size);
	volatile uint64_t *p;

	GT_OK(mt_debug_stats(gt_log(), &before));
	p = (void *)(uintptr_t)GT_OK(mt_vm_map(gt_aspace(), 0, mem, 0, size, RW));
	GT_OK(mt_debug_stats(gt_log(), &after));
	/* Mapping 4096 pages does not allocate them (page tables aside). */
	GT_CHECK(before.free_frames - after.free_frames < 64);
	for (uint64_t off = 0; off < size; off += 16 * MT_PAGE_SIZE)
		GT_CHECK_EQ(p[off / 8 + 3], 0);
	p[5] = 77;
	GT_CHECK_EQ(p[5], 77);
}

GT_TEST(vm, mapping_limit)
{
	mt_handle_t mem = vm_memory(MT_PAGE_SIZE);
	mt_status_t st = MT_OK, last = 0;
	int n = 0;

	while (n <= MT_MAPPINGS_MAX) {
		st = mt_vm_map(gt_aspace(), 0, mem, 0, MT_PAGE_SIZE, MT_PROT_READ);
		if (st < 0)
			break;
		last = st;
		n++;
	}
	GT_CHECK_EQ(st, MT_ERR_NO_RESOURCES);
	GT_CHECK(n < MT_MAPPINGS_MAX);
	GT_OK(mt_vm_unmap(gt_aspace(), (uint64_t)last, MT_PAGE_SIZE));
	GT_OK(mt_vm_map(gt_aspace(), 0, mem, 0, MT_PAGE_SIZE, MT_PROT_READ));
}

/* ---- faults ----------------------------------------------------------- */

GT_TEST_FAULT(vm, write_read_only_faults, MT_FAULT_PAGE)
{
	mt_handle_t mem = vm_memory(MT_PAGE_SIZE);
	volatile uint64_t *p = (void *)(uintptr_t)GT_OK(
		mt_vm_map(gt_aspace(), 0, mem, 0, MT_PAGE_SIZE, MT_PROT_READ));

	GT_CHECK_EQ(p[1], 0);
	gt_expect_fault_addr((uint64_t)(uintptr_t)&p[1]);
	p[1] = 1;
	gt_fail("wrote read-only memory");
}

GT_TEST_FAULT(vm, protect_read_only_faults, MT_FAULT_PAGE)
{
	mt_handle_t mem = vm_memory(MT_PAGE_SIZE);
	volatile uint64_t *p = (void *)(uintptr_t)GT_OK(
		mt_vm_map(gt_aspace(), 0, mem, 0, MT_PAGE_SIZE, RW));

	p[2] = 99;
	GT_OK(mt_vm_protect(gt_aspace(), (uint64_t)(uintptr_t)p, MT_PAGE_SIZE,
			    MT_PROT_READ));
	GT_CHECK_EQ(p[2], 99);
	gt_expect_fault_addr((uint64_t)(uintptr_t)&p[2]);
	p[2] = 100;
	gt_fail("wrote memory protected read-only");
}

GT_TEST_FAULT(vm, write_own_text_faults, MT_FAULT_PAGE)
{
	volatile uint8_t *text = (volatile uint8_t *)(uintptr_t)gt_fail;

	gt_expect_fault_addr((uint64_t)(uintptr_t)text);
	*text = 0xc3;
	gt_fail("wrote our own code");
}

GT_TEST_FAULT(vm, exec_non_executable_faults, MT_FAULT_PAGE)
{
	mt_handle_t mem = vm_memory(MT_PAGE_SIZE);
	volatile uint8_t *p = (void *)(uintptr_t)GT_OK(
		mt_vm_map(gt_aspace(), 0, mem, 0, MT_PAGE_SIZE, RW));

	p[0] = 0xc3;   /* ret */
	gt_expect_fault_addr((uint64_t)(uintptr_t)p);
	gt_expect_fault_ip((uint64_t)(uintptr_t)p, 0);
	((void (*)(void))(uintptr_t)p)();
	gt_fail("executed a non-executable page");
}

GT_TEST_FAULT(vm, exec_stack_faults, MT_FAULT_PAGE)
{
	volatile uint8_t code[16] = { 0xc3 };

	gt_expect_fault_ip((uint64_t)(uintptr_t)code, 0);
	((void (*)(void))(uintptr_t)code)();
	gt_fail("executed the stack");
}

GT_TEST_FAULT(vm, read_kernel_memory_faults, MT_FAULT_PAGE)
{
	gt_expect_fault_addr(0xffffffff80000000ULL);
	(void)*(volatile uint64_t *)0xffffffff80000000ULL;
	gt_fail("read kernel memory");
}

GT_TEST_FAULT(vm, write_direct_map_faults, MT_FAULT_PAGE)
{
	gt_expect_fault_addr(0xffff800000100000ULL);
	*(volatile uint64_t *)0xffff800000100000ULL = 0;
	gt_fail("wrote the kernel's direct map");
}

GT_TEST_FAULT(vm, unmapped_faults, MT_FAULT_PAGE)
{
	uint64_t addr;
	mt_handle_t mem;

	GT_OK(mt_map_anon(MT_PAGE_SIZE, RW, &addr, &mem));
	*(volatile uint64_t *)(uintptr_t)addr = 1;
	GT_OK(mt_vm_unmap(gt_aspace(), addr, MT_PAGE_SIZE));
	gt_expect_fault_addr(addr + 16);
	(void)*(volatile uint64_t *)(uintptr_t)(addr + 16);
	gt_fail("read unmapped memory");
}

GT_TEST_FAULT(vm, null_page_faults, MT_FAULT_PAGE)
{
	gt_expect_fault_addr(8);
	(void)*(volatile uint64_t *)8;
	gt_fail("read address 8");
}

GT_TEST_FAULT(vm, guard_page_below_mapping, MT_FAULT_PAGE)
{
	uint64_t addr;

	GT_OK(mt_map_anon(4 * MT_PAGE_SIZE, RW, &addr, NULL));
	*(volatile uint8_t *)(uintptr_t)addr = 1;
	gt_expect_fault_addr(addr - 1);
	*(volatile uint8_t *)(uintptr_t)(addr - 1) = 1;
	gt_fail("the page below a mapping is mapped");
}

static __attribute__((noinline)) uint64_t vm_recurse(uint64_t n)
{
	volatile uint8_t frame[512];

	if (n == UINT64_MAX)
		return 0;
	frame[0] = (uint8_t)n;
	frame[511] = (uint8_t)n;
	return vm_recurse(n + 1) + frame[0] + frame[511];
}

GT_TEST_FAULT(vm, stack_overflow_hits_guard, MT_FAULT_PAGE)
{
	(void)vm_recurse(0);
	gt_fail("recursion ended");
}

/* Filling a memory object larger than the machine's RAM (the tests run with
 * 512 MiB) through mt_memory_write ends in MT_ERR_NO_MEMORY, not a crash;
 * closing the object gives every frame back (the runner's leak check) and
 * the kernel goes on serving calls. */
/* Writes every frame: slow under emulation with more CPUs on a busy host. */
GT_TEST_FULL(vm, memory_exhaustion_returns_error, MT_FAULT_NONE, 30000)
{
	static const char page[MT_PAGE_SIZE];
	mt_handle_t h, again;
	mt_status_t st = MT_OK;
	uint64_t off;

	GT_OK(mt_memory_create(MT_MEMORY_MAX, 0, &h));
	for (off = 0; off < MT_MEMORY_MAX; off += MT_PAGE_SIZE) {
		st = mt_memory_write(h, off, page, 1);
		if (st != MT_OK)
			break;
	}
	GT_CHECK_EQ(st, MT_ERR_NO_MEMORY);
	GT_CHECK(off > 64 * 1024 * 1024);
	GT_OK(mt_handle_close(h));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &again));
	GT_OK(mt_memory_write(again, 0, page, 1));
	GT_OK(mt_handle_close(again));
}

/* Touching more mapped memory than exists kills the process with a page
 * fault once no frame is left, and the kernel stays up. */
GT_TEST_FAULT(vm, memory_exhaustion_by_touch_faults, MT_FAULT_PAGE)
{
	uint64_t addr;
	mt_handle_t mem;

	GT_OK(mt_map_anon(MT_MEMORY_MAX, RW, &addr, &mem));
	for (uint64_t off = 0; off < MT_MEMORY_MAX; off += MT_PAGE_SIZE)
		*(volatile char *)(uintptr_t)(addr + off) = 1;
	gt_fail("touched more memory than the machine has");
}
