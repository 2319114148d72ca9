/*
 * Kernel page tables (Intel SDM vol. 3A, 4.5: 4-level paging).
 *
 * Kernel half layout (docs/memory.md):
 *   ffff800000000000  direct map of physical memory (RW, NX)
 *   ffffc00000000000  kernel stacks, each below an unmapped guard page
 *   ffffd00000000000  MMIO window (uncached)
 *   ffffffff80000000  kernel image: text R-X, rodata R--, data/bss RW-,
 *                     symbols R--
 * All 256 kernel-half PML4 entries point at PDPTs allocated here once, so
 * that every address space made later shares them by copying those
 * entries.  One lock-free writer exists: the boot CPU (the APs only run
 * their idle loops and cross-calls so far; docs/smp.md).
 */
#include <arch/x86.h>
#include <kernel/arch.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/pmm.h>
#include <kernel/vm.h>
#include <mantra/bootinfo.h>
#include <mantra/errors.h>

#define PTE_P    (1ULL << 0)
#define PTE_W    (1ULL << 1)
#define PTE_U    (1ULL << 2)
#define PTE_PWT  (1ULL << 3)
#define PTE_PCD  (1ULL << 4)
#define PTE_PS   (1ULL << 7)
#define PTE_G    (1ULL << 8)
#define PTE_NX   (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

#define SIZE_2M  0x200000ULL

#define KSTACK_BASE  0xffffc00000000000ULL
#define KSTACK_SLOT  0x10000ULL          /* 64 KiB of address space each */
#define KSTACK_SLOTS 4096ULL
#define MMIO_BASE    0xffffd00000000000ULL
#define MMIO_SIZE    0x0000010000000000ULL

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[], __ksyms_start[], __kernel_end[];

static paddr_t kernel_pml4;
static uint64_t kstack_used[KSTACK_SLOTS / 64];  /* bit set: slot in use */
static vaddr_t mmio_next = MMIO_BASE;

static uint64_t *table_of(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

static uint64_t prot_to_pte(unsigned prot)
{
	uint64_t pte = PTE_P | PTE_G;

	if (prot & ARCH_PROT_WRITE)
		pte |= PTE_W;
	if (!(prot & ARCH_PROT_EXEC))
		pte |= PTE_NX;
	if (prot & ARCH_PROT_UNCACHED)
		pte |= PTE_PCD | PTE_PWT;
	return pte;
}

/* The entry for `va` at the table level whose entries map `level_size`
 * bytes, allocating intermediate tables.  NULL when out of memory. */
static uint64_t *pte_slot(vaddr_t va, uint64_t level_size)
{
	uint64_t *table = phys_to_virt(kernel_pml4);

	for (int shift = 39; ; shift -= 9) {
		uint64_t *e = &table[(va >> shift) & 511];
		if ((1ULL << shift) == level_size)
			return e;
		if (!(*e & PTE_P)) {
			paddr_t page = pmm_alloc_page();
			if (!page)
				return NULL;
			__builtin_memset(phys_to_virt(page), 0, PAGE_SIZE);
			*e = page | PTE_P | PTE_W;
		}
		assert(!(*e & PTE_PS));   /* never split a large page */
		table = table_of(*e);
	}
}

int arch_map_kernel(vaddr_t va, paddr_t pa, size_t size, unsigned prot)
{
	uint64_t flags;

	if ((prot & ARCH_PROT_WRITE) && (prot & ARCH_PROT_EXEC))
		return -1;
	if ((va | pa | size) & (PAGE_SIZE - 1) || va < MANTRA_DIRECT_MAP_BASE)
		return -1;
	flags = prot_to_pte(prot);
	while (size) {
		bool large = !((va | pa) & (SIZE_2M - 1)) && size >= SIZE_2M;
		uint64_t step = large ? SIZE_2M : PAGE_SIZE;
		uint64_t *e = pte_slot(va, step);
		if (!e)
			return -1;
		*e = pa | flags | (large ? PTE_PS : 0);
		invlpg(va);
		va += step;
		pa += step;
		size -= step;
	}
	return 0;
}

/* Walk to the leaf entry mapping va; NULL if some level is not present. */
static const uint64_t *pte_lookup(vaddr_t va)
{
	const uint64_t *table = phys_to_virt(read_cr3() & PTE_ADDR);

	for (int shift = 39; shift >= 12; shift -= 9) {
		const uint64_t *e = &table[(va >> shift) & 511];
		if (!(*e & PTE_P))
			return NULL;
		if (shift == 12 || (*e & PTE_PS))
			return e;
		table = table_of(*e);
	}
	return NULL;
}

bool arch_kernel_readable(vaddr_t va)
{
	return va >= MANTRA_DIRECT_MAP_BASE && pte_lookup(va) != NULL;
}

bool arch_query_kernel(vaddr_t va, unsigned *prot)
{
	const uint64_t *e = pte_lookup(va);

	if (!e)
		return false;
	*prot = ARCH_PROT_READ;
	if (*e & PTE_W)
		*prot |= ARCH_PROT_WRITE;
	if (!(*e & PTE_NX))
		*prot |= ARCH_PROT_EXEC;
	if (*e & PTE_PCD)
		*prot |= ARCH_PROT_UNCACHED;
	return true;
}

vaddr_t arch_map_mmio(paddr_t pa, size_t size)
{
	paddr_t base = ALIGN_DOWN(pa, PAGE_SIZE);
	size_t len = ALIGN_UP(pa + size, PAGE_SIZE) - base;
	vaddr_t va = mmio_next;

	if (va + len > MMIO_BASE + MMIO_SIZE ||
	    arch_map_kernel(va, base, len, ARCH_PROT_READ | ARCH_PROT_WRITE |
			    ARCH_PROT_UNCACHED) != 0)
		return 0;
	mmio_next += len;
	return va + (pa - base);
}

/* Slots freed since the other CPUs last dropped their TLB entries (they
 * may cache a freed stack's global entries; a new stack in the slot would
 * reach the old frames there).  Reused only after one shootdown for all:
 * a thread's end costs no cross-call. */
static uint64_t kstack_stale[ARRAY_SIZE(kstack_used)];

static long kstack_find_slot(void)
{
	for (uint64_t w = 0; w < ARRAY_SIZE(kstack_used); w++) {
		if (!~kstack_used[w])
			continue;
		uint64_t bit = 1ULL << __builtin_ctzll(~kstack_used[w]);
		if (kstack_stale[w] & bit) {
			/* One shootdown makes every freed slot safe again. */
			arch_tlb_flush_others(KSTACK_BASE, KSTACK_SLOTS * KSTACK_SLOT);
			__builtin_memset(kstack_stale, 0, sizeof(kstack_stale));
		}
		return (long)(w * 64 + (uint64_t)__builtin_ctzll(bit));
	}
	return -1;
}

/* Stacks are physically contiguous (one allocation, freed as one). */
vaddr_t arch_kstack_alloc(size_t size)
{
	long idx = kstack_find_slot();
	vaddr_t slot;
	paddr_t pa;

	if (size > KSTACK_SLOT - PAGE_SIZE || idx < 0 || (size & (PAGE_SIZE - 1)))
		return 0;
	slot = KSTACK_BASE + (uint64_t)idx * KSTACK_SLOT;
	pa = pmm_alloc_pages(size / PAGE_SIZE, 1);
	if (!pa)
		return 0;
	/* [slot, slot + PAGE_SIZE) stays unmapped: the guard page. */
	if (arch_map_kernel(slot + PAGE_SIZE, pa, size,
			    ARCH_PROT_READ | ARCH_PROT_WRITE) != 0) {
		pmm_free_pages(pa, size / PAGE_SIZE);
		return 0;
	}
	kstack_used[idx / 64] |= 1ULL << (idx % 64);
	return slot + PAGE_SIZE + size;
}

void arch_kstack_free(vaddr_t top, size_t size)
{
	vaddr_t base = top - size;
	uint64_t idx = (base - PAGE_SIZE - KSTACK_BASE) / KSTACK_SLOT;
	uint64_t *e = pte_slot(base, PAGE_SIZE);
	paddr_t pa;

	assert(arch_is_stack_guard(base - PAGE_SIZE) && idx < KSTACK_SLOTS &&
	       (kstack_used[idx / 64] & (1ULL << (idx % 64))) && e);
	pa = *e & PTE_ADDR;
	for (size_t off = 0; off < size; off += PAGE_SIZE) {
		*pte_slot(base + off, PAGE_SIZE) = 0;
		invlpg(base + off);
	}
	pmm_free_pages(pa, size / PAGE_SIZE);
	kstack_used[idx / 64] &= ~(1ULL << (idx % 64));
	if (arch_cpu_count() > 1)
		kstack_stale[idx / 64] |= 1ULL << (idx % 64);
}

bool arch_is_stack_guard(vaddr_t va)
{
	return va >= KSTACK_BASE && va < KSTACK_BASE + KSTACK_SLOTS * KSTACK_SLOT &&
	       (va - KSTACK_BASE) % KSTACK_SLOT < PAGE_SIZE;
}

static void map_section(const char *start, const char *end, paddr_t kphys,
			vaddr_t kvirt, unsigned prot)
{
	vaddr_t va = (vaddr_t)start;
	size_t size = ALIGN_UP((vaddr_t)end, PAGE_SIZE) - va;

	if (size && arch_map_kernel(va, kphys + (va - kvirt), size, prot) != 0)
		panic("paging: cannot map kernel section at %#lx", va);
}

static bool direct_mapped(uint32_t type)
{
	return type != MANTRA_MEM_MMIO && type != MANTRA_MEM_BAD;
}

/*
 * Build the kernel's page tables and switch to them: the direct map of every
 * RAM range of the boot memory map, and the kernel image section by section
 * (W^X).  The loader's identity map is gone afterwards.  Needs the frame
 * allocator and EFER.NXE.
 */
void arch_paging_init(const struct mantra_bootinfo *bi)
{
	const struct mantra_mmap_entry *mm = phys_to_virt(bi->mmap);
	uint64_t *pml4;
	unsigned rw = ARCH_PROT_READ | ARCH_PROT_WRITE;

	kernel_pml4 = pmm_alloc_page();
	if (!kernel_pml4)
		panic("paging: no memory for the kernel page tables");
	pml4 = phys_to_virt(kernel_pml4);
	__builtin_memset(pml4, 0, PAGE_SIZE);
	for (int i = 256; i < 512; i++) {
		paddr_t pdpt = pmm_alloc_page();
		if (!pdpt)
			panic("paging: no memory for the kernel page tables");
		__builtin_memset(phys_to_virt(pdpt), 0, PAGE_SIZE);
		pml4[i] = pdpt | PTE_P | PTE_W;
	}
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		paddr_t base = ALIGN_DOWN(mm[i].base, PAGE_SIZE);
		paddr_t end = ALIGN_UP(mm[i].base + mm[i].length, PAGE_SIZE);
		if (direct_mapped(mm[i].type) && end > base &&
		    arch_map_kernel(MANTRA_DIRECT_MAP_BASE + base, base, end - base, rw))
			panic("paging: cannot build the direct map");
	}
	map_section(__text_start, __text_end, bi->kernel_phys, bi->kernel_virt,
		    ARCH_PROT_READ | ARCH_PROT_EXEC);
	map_section(__rodata_start, __rodata_end, bi->kernel_phys,
		    bi->kernel_virt, ARCH_PROT_READ);
	map_section(__data_start, __data_end, bi->kernel_phys, bi->kernel_virt, rw);
	map_section(__ksyms_start, __kernel_end, bi->kernel_phys,
		    bi->kernel_virt, ARCH_PROT_READ);
	write_cr4(read_cr4() | CR4_PGE);
	write_cr0(read_cr0() | CR0_WP);
	write_cr3(kernel_pml4);
}

/* Page tables for APs leaving real mode (smp.c, trampoline.S): a PML4 at
 * `pml4` and a PDPT and page directory in the two pages after it, all
 * below 4 GiB (CR3 is loaded in 32-bit mode).  They map the first 2 MiB
 * one to one, executable (the trampoline), and share the kernel half with
 * the kernel's tables.  Returns the kernel's root, for the AP to switch
 * to once it runs in the kernel half. */
paddr_t paging_ap_tables(paddr_t pml4)
{
	uint64_t *t = phys_to_virt(pml4);
	uint64_t *pdpt = phys_to_virt(pml4 + PAGE_SIZE);
	uint64_t *pd = phys_to_virt(pml4 + 2 * PAGE_SIZE);

	assert(pml4 + 3 * PAGE_SIZE <= 0x100000000ULL && kernel_pml4);
	__builtin_memset(pdpt, 0, PAGE_SIZE);
	__builtin_memset(pd, 0, PAGE_SIZE);
	pd[0] = 0 | PTE_P | PTE_W | PTE_PS;
	pdpt[0] = (pml4 + 2 * PAGE_SIZE) | PTE_P | PTE_W;
	__builtin_memset(t, 0, PAGE_SIZE / 2);
	t[0] = (pml4 + PAGE_SIZE) | PTE_P | PTE_W;
	__builtin_memcpy(t + 256, (uint64_t *)phys_to_virt(kernel_pml4) + 256,
			 PAGE_SIZE / 2);
	return kernel_pml4;
}

/* ---- User address spaces ------------------------------------------------
 * Each has its own PML4: entries 0-255 (user half) are its own, 256-511
 * are copied from the kernel's, whose PDPTs never change (all allocated at
 * boot), so kernel mappings made later appear in every address space. */

mt_status_t arch_aspace_init(struct arch_aspace *a)
{
	paddr_t pml4 = pmm_alloc_page();
	uint64_t *t;

	if (!pml4)
		return MT_ERR_NO_MEMORY;
	t = phys_to_virt(pml4);
	__builtin_memset(t, 0, PAGE_SIZE / 2);
	__builtin_memcpy(t + 256, (uint64_t *)phys_to_virt(kernel_pml4) + 256,
			 PAGE_SIZE / 2);
	a->pml4 = pml4;
	return MT_OK;
}

static void free_table(paddr_t table, int level)
{
	uint64_t *t = phys_to_virt(table);

	if (level > 1)
		for (int i = 0; i < 512; i++)
			if (t[i] & PTE_P)
				free_table(t[i] & PTE_ADDR, level - 1);
	pmm_free_pages(table, 1);
}

/* Free the user half's page tables (not the frames they map: those belong
 * to memory objects).  If this address space is loaded, switch to the
 * kernel's tables first. */
void arch_aspace_destroy(struct arch_aspace *a)
{
	uint64_t *t = phys_to_virt(a->pml4);

	if ((read_cr3() & PTE_ADDR) == a->pml4)
		write_cr3(kernel_pml4);
	for (int i = 0; i < 256; i++)
		if (t[i] & PTE_P)
			free_table(t[i] & PTE_ADDR, 3);
	pmm_free_pages(a->pml4, 1);
	a->pml4 = 0;
}

/* The 4 KiB leaf entry for a user va, allocating tables if `create`. */
static uint64_t *user_pte(struct arch_aspace *a, vaddr_t va, bool create)
{
	uint64_t *table = phys_to_virt(a->pml4);

	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t *e = &table[(va >> shift) & 511];
		if (!(*e & PTE_P)) {
			paddr_t page;
			if (!create || !(page = pmm_alloc_page()))
				return NULL;
			a->tables++;
			__builtin_memset(phys_to_virt(page), 0, PAGE_SIZE);
			*e = page | PTE_P | PTE_W | PTE_U;
		}
		table = table_of(*e);
	}
	return &table[(va >> 12) & 511];
}

mt_status_t arch_user_map_page(struct arch_aspace *a, vaddr_t va, paddr_t pa,
			       unsigned prot)
{
	uint64_t *e;

	if ((prot & ARCH_PROT_WRITE) && (prot & ARCH_PROT_EXEC))
		return MT_ERR_INVALID_ARGS;
	e = user_pte(a, va, true);
	if (!e)
		return MT_ERR_NO_MEMORY;
	*e = pa | (prot_to_pte(prot) & ~PTE_G) | PTE_U;
	if ((read_cr3() & PTE_ADDR) == a->pml4)
		invlpg(va);
	return MT_OK;
}

void arch_user_unmap_range(struct arch_aspace *a, vaddr_t va, uint64_t len)
{
	bool loaded = (read_cr3() & PTE_ADDR) == a->pml4;

	for (vaddr_t p = va; p < va + len; p += PAGE_SIZE) {
		uint64_t *e = user_pte(a, p, false);
		if (e && (*e & PTE_P)) {
			*e = 0;
			if (loaded)
				invlpg(p);
		}
	}
}

/* An idle CPU loads the kernel's tables, so no address space it ran stays
 * loaded (and cached) where no thread of it runs (thread_arch.c). */
void arch_aspace_switch_kernel(void)
{
	if ((read_cr3() & PTE_ADDR) != kernel_pml4)
		write_cr3(kernel_pml4);
}
