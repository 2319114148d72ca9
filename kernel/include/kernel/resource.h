/* Hardware resources (object/resource.c) and IRQ objects (object/irq.c):
 * the capabilities user-level drivers hold (docs/drivers.md). */
#ifndef KERNEL_RESOURCE_H
#define KERNEL_RESOURCE_H

#include <kernel/object.h>

/* A new resource covering [base, base + count) of `kind`
 * (MT_RESOURCE_IOPORT or MT_RESOURCE_IRQ) with one reference.  The caller
 * has checked that the range is non-empty and within the kind's space.
 * MT_ERR_NO_MEMORY. */
mt_status_t resource_create(uint32_t kind, uint32_t base, uint32_t count,
			    struct object **out) __must_check;

/* The root resource of `kind`, covering everything the machine has (every
 * I/O port; every interrupt line the arch can route), for init; NULL when
 * there is nothing to cover or no memory. */
struct object *resource_root(uint32_t kind);

/* May the caller bind `line` through handle h?  MT_OK when h names an
 * interrupt-line resource, with WRITE, that covers it; else
 * MT_ERR_BAD_HANDLE, MT_ERR_WRONG_TYPE (another object or a port
 * resource), MT_ERR_ACCESS_DENIED (no WRITE, or not covered). */
mt_status_t resource_get_line(mt_handle_t h, uint32_t line) __must_check;

#endif /* KERNEL_RESOURCE_H */
