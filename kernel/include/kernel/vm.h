/*
 * User memory: memory objects and address spaces.
 *
 * A memory object is a run of pages: anonymous ones get zero-filled frames
 * on first touch; physical ones name a fixed range (boot archive, later
 * device memory) whose frames the kernel does not own.  An address space is
 * a sorted array of mappings (page-aligned ranges of a memory object with
 * protections) over the arch page tables; page-table entries are made on
 * demand by the page-fault handler.  Each mapping holds a reference to its
 * memory object.
 *
 * Invariants: mappings are disjoint, sorted by base, inside
 * [MT_USER_BASE, MT_USER_TOP); prot never has both WRITE and EXEC;
 * prot is a subset of max_prot (what the handle's rights allowed).
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include <arch/thread.h>
#include <kernel/arch.h>
#include <kernel/object.h>

struct cap;

#define MEMOBJ_PAGES_PER_LEAF (PAGE_SIZE / sizeof(paddr_t))

struct memobj {
	struct object obj;
	uint64_t size;                  /* bytes, page multiple */
	uint64_t npages;
	bool physical;                  /* fixed frames at phys_base */
	paddr_t phys_base;
	paddr_t **leaves;               /* anonymous: page index -> frame, 0 = none */
	uint64_t committed;             /* frames allocated */
};

struct mapping {
	vaddr_t base;
	uint64_t size;
	struct memobj *mo;
	uint64_t offset;                /* into mo, page multiple */
	uint32_t prot;                  /* MT_PROT_* */
	uint32_t max_prot;
	struct cap *via;                /* made through (a holder), or NULL */
};

struct aspace {
	struct object obj;
	struct arch_aspace arch;
	struct mapping *maps;           /* MT_MAPPINGS_MAX entries, kmalloc'd */
	uint32_t count;
	bool dead;                      /* torn down: maps nothing, accepts nothing */
	uint64_t tables_charged;        /* page-table frames charged to obj.quota */
	struct list_node all;           /* every address space (revocation) */
};

mt_status_t memobj_create(uint64_t size, struct memobj **out) __must_check;
mt_status_t memobj_create_physical(paddr_t base, uint64_t size,
				   struct memobj **out) __must_check;
/* The frame backing page `index`, allocating (zeroed) if needed. */
mt_status_t memobj_page(struct memobj *mo, uint64_t index, paddr_t *out) __must_check;
/* Copy between the object and kernel memory / user memory. */
mt_status_t memobj_write_kernel(struct memobj *mo, uint64_t off, const void *src,
				size_t len) __must_check;
mt_status_t memobj_copy_user(struct memobj *mo, uint64_t off, uintptr_t ubuf,
			     size_t len, bool to_user) __must_check;

/* An empty address space charged to q (kernel/quota.h), as are the page
 * tables it grows. */
mt_status_t aspace_create(struct quota *q, struct aspace **out) __must_check;
/* Map mo; `via` is the capability the mapping is made through (it holds
 * a reference to it, and revoking it unmaps), NULL for the kernel's own. */
mt_status_t aspace_map(struct aspace *as, vaddr_t addr, struct memobj *mo,
		       uint64_t offset, uint64_t len, uint32_t flags,
		       uint32_t max_prot, struct cap *via, vaddr_t *out) __must_check;
mt_status_t aspace_unmap(struct aspace *as, vaddr_t addr, uint64_t len) __must_check;
mt_status_t aspace_protect(struct aspace *as, vaddr_t addr, uint64_t len,
			   uint32_t prot) __must_check;
/* Resolve a user page fault at va (access: MT_PROT_READ/WRITE/EXEC);
 * true if a page was mapped and the access can be retried. */
bool aspace_fault(struct aspace *as, vaddr_t va, uint32_t access);
/* The kernel address of the byte at user va of `as`, if it is mapped for
 * the access (allocating the page of an anonymous object); *avail is what
 * is left of that page.  NULL otherwise.  No page-table entry is made. */
void *aspace_resolve(struct aspace *as, vaddr_t va, bool write, size_t *avail);
/* Copy len bytes between two address spaces (either may be the current
 * one) through the direct map: one copy.  MT_ERR_BAD_ADDRESS if any page
 * is not mapped for the access. */
mt_status_t aspace_copy(struct aspace *dst_as, vaddr_t dst, struct aspace *src_as,
			vaddr_t src, size_t len) __must_check;
/* Remove every mapping of mo (a zero-copy grant). */
void aspace_unmap_object(struct aspace *as, struct memobj *mo);
/* Remove every mapping made through c, in every address space. */
void aspace_unmap_cap_everywhere(struct cap *c);
/* Remove every mapping (process end). */
void aspace_teardown(struct aspace *as);
/* Make as the current user address space. */
void aspace_activate(struct aspace *as);

/* Arch page tables for user address spaces (kernel/arch/<arch>/). */
mt_status_t arch_aspace_init(struct arch_aspace *a) __must_check;
void arch_aspace_destroy(struct arch_aspace *a);
/* Load the kernel's own page tables (an idle CPU, with more than one). */
void arch_aspace_switch_kernel(void);
mt_status_t arch_user_map_page(struct arch_aspace *a, vaddr_t va, paddr_t pa,
			       unsigned prot) __must_check;
void arch_user_unmap_range(struct arch_aspace *a, vaddr_t va, uint64_t len);

#endif /* KERNEL_VM_H */
