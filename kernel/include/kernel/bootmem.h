/* Memory bring-up from the BootInfo memory map (mm/bootmem.c). */
#ifndef KERNEL_BOOTMEM_H
#define KERNEL_BOOTMEM_H

#include <kernel/types.h>
#include <mantra/bootinfo.h>

/* Start the frame allocator, the kernel page tables and the heap; panics
 * if the machine has no usable memory. */
void bootmem_init(const struct mantra_bootinfo *bi);

struct bootmem_totals {
	uint64_t usable, kernel, boot_data, acpi, reserved;
};
void bootmem_summary(const struct mantra_bootinfo *bi, struct bootmem_totals *t);

#endif /* KERNEL_BOOTMEM_H */
