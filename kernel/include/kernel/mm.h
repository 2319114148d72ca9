/*
 * Physical/virtual address translation through the direct map.
 *
 * All physical memory is mapped at mm_direct_map_base (read-write, no
 * execute), so the kernel reaches any frame without mapping it first.
 */
#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include <kernel/types.h>

extern uintptr_t mm_direct_map_base;

static inline void *phys_to_virt(paddr_t pa)
{
	return (void *)(mm_direct_map_base + (uintptr_t)pa);
}

static inline paddr_t virt_to_phys_direct(const void *va)
{
	return (paddr_t)((uintptr_t)va - mm_direct_map_base);
}

#endif /* KERNEL_MM_H */
