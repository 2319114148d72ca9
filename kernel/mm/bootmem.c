/*
 * Memory bring-up from the boot memory map: the frame allocator gets every
 * USABLE range (the kernel image, boot data and firmware areas stay out),
 * then the kernel page tables and the heap come up.
 */
#include <kernel/arch.h>
#include <kernel/bootmem.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/pmm.h>
#include <kernel/slab.h>

uintptr_t mm_direct_map_base = MANTRA_DIRECT_MAP_BASE;

static struct pmm_range usable[MANTRA_MMAP_MAX];

void bootmem_init(const struct mantra_bootinfo *bi)
{
	const struct mantra_mmap_entry *mm = phys_to_virt(bi->mmap);
	size_t n = 0;
	int err;

	for (uint32_t i = 0; i < bi->mmap_count; i++)
		if (mm[i].type == MANTRA_MEM_USABLE)
			usable[n++] = (struct pmm_range){ mm[i].base, mm[i].length };
	err = pmm_init(usable, n);
	if (err)
		panic("mm: frame allocator failed to start (%d); usable ranges: %zu",
		      err, n);
	arch_paging_init(bi);
	kmalloc_init();
}

/* Sum the boot memory map by type, in bytes. */
void bootmem_summary(const struct mantra_bootinfo *bi, struct bootmem_totals *t)
{
	const struct mantra_mmap_entry *mm = phys_to_virt(bi->mmap);

	*t = (struct bootmem_totals){ 0 };
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		uint64_t len = mm[i].length;
		switch (mm[i].type) {
		case MANTRA_MEM_USABLE: t->usable += len; break;
		case MANTRA_MEM_KERNEL: t->kernel += len; break;
		case MANTRA_MEM_BOOT_DATA: t->boot_data += len; break;
		case MANTRA_MEM_ACPI_RECLAIM:
		case MANTRA_MEM_ACPI_NVS: t->acpi += len; break;
		case MANTRA_MEM_MMIO: break;
		default: t->reserved += len; break;
		}
	}
}
