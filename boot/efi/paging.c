/*
 * The handoff page tables (Intel SDM vol. 3A, 4.5, 4-level paging):
 *   - all physical memory up to phys_limit, identity-mapped (the loader keeps
 *     running from its identity address for the last few instructions) and
 *     again at MANTRA_DIRECT_MAP_BASE, both with 2 MiB pages;
 *   - the kernel image at its link address with 4 KiB pages.
 * Everything is present + writable; the kernel replaces these tables with
 * its own (with NX and W^X) first thing, so no NX bits are set here.
 */
#include "loader.h"

#define PTE_P    0x001ULL
#define PTE_W    0x002ULL
#define PTE_PS   0x080ULL
#define PTE_ADDR 0x000ffffffffff000ULL

#define SIZE_4K  0x1000ULL
#define SIZE_2M  0x200000ULL
#define SIZE_1G  0x40000000ULL

static uint64_t *pml4;

/* Return the table that entry `idx` of `table` points to, allocating it. */
static uint64_t *next_table(uint64_t *table, unsigned idx)
{
	if (!(table[idx] & PTE_P)) {
		uint64_t page = alloc_pages(1, EFI_MANTRA_BOOT_DATA);
		if (!page)
			return NULL;
		table[idx] = page | PTE_P | PTE_W;
	}
	return (uint64_t *)(uintptr_t)(table[idx] & PTE_ADDR);
}

/* Map one page of `size` (4 KiB or 2 MiB) at virt -> phys. */
static efi_status_t map_page(uint64_t virt, uint64_t phys, uint64_t size)
{
	uint64_t *pdpt, *pd, *pt;

	pdpt = next_table(pml4, (virt >> 39) & 511);
	pd = pdpt ? next_table(pdpt, (virt >> 30) & 511) : NULL;
	if (!pd)
		return EFI_OUT_OF_RESOURCES;
	if (size == SIZE_2M) {
		pd[(virt >> 21) & 511] = phys | PTE_P | PTE_W | PTE_PS;
		return EFI_SUCCESS;
	}
	pt = next_table(pd, (virt >> 21) & 511);
	if (!pt)
		return EFI_OUT_OF_RESOURCES;
	pt[(virt >> 12) & 511] = phys | PTE_P | PTE_W;
	return EFI_SUCCESS;
}

efi_status_t paging_build(uint64_t phys_limit, uint64_t kernel_phys,
			  uint64_t kernel_virt, uint64_t kernel_size,
			  uint64_t *cr3)
{
	efi_status_t st = EFI_SUCCESS;
	uint64_t a;

	pml4 = (uint64_t *)(uintptr_t)alloc_pages(1, EFI_MANTRA_BOOT_DATA);
	if (!pml4)
		return EFI_OUT_OF_RESOURCES;
	/* The direct map shares the identity map's PDPT. */
	for (a = 0; a < phys_limit && !EFI_IS_ERROR(st); a += SIZE_2M)
		st = map_page(a, a, SIZE_2M);
	if (!EFI_IS_ERROR(st))
		pml4[(MANTRA_DIRECT_MAP_BASE >> 39) & 511] = pml4[0];
	for (a = 0; a < kernel_size && !EFI_IS_ERROR(st); a += SIZE_4K)
		st = map_page(kernel_virt + a, kernel_phys + a, SIZE_4K);
	if (EFI_IS_ERROR(st)) {
		con_error("out of memory for page tables", st);
		return st;
	}
	*cr3 = (uint64_t)(uintptr_t)pml4;
	return EFI_SUCCESS;
}
