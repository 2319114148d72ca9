/* Address spaces: mappings of memory objects and user page faults
 * (kernel/vm.h). */
#include <kernel/arch.h>
#include <kernel/cap.h>
#include <kernel/invariants.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/usercopy.h>
#include <kernel/panic.h>
#include <kernel/process.h>
#include <kernel/syscall.h>
#include <kernel/slab.h>
#include <kernel/sched.h>
#include <kernel/vm.h>
#include <string/string.h>

/* Where mappings without MT_MAP_FIXED go: above the usual program area. */
#define ASPACE_ANY_BASE 0x0000100000000000ULL

static struct list_node all_aspaces = LIST_INIT(all_aspaces);

static void aspace_destroy(struct object *obj)
{
	struct aspace *as = container_of(obj, struct aspace, obj);

	list_remove(&as->all);
	quota_uncharge(as->obj.quota, as->tables_charged * PAGE_SIZE);
	aspace_teardown(as);
	kfree(as->maps);
	if (as->arch.pml4)
		arch_aspace_destroy(&as->arch);
	kfree(as);
}

/* The invariants of kernel/vm.h (object_ops.check). */
static void aspace_check(struct object *obj)
{
	struct aspace *as = container_of(obj, struct aspace, obj);
	vaddr_t end = MT_USER_BASE;

	INVARIANT(as->count <= MT_MAPPINGS_MAX && (!as->dead || !as->count),
		  "address space %lu: %u mappings%s", obj->koid, as->count,
		  as->dead ? " though torn down" : "");
	for (uint32_t i = 0; i < as->count; i++) {
		const struct mapping *m = &as->maps[i];
		INVARIANT(m->size && IS_ALIGNED(m->base | m->size | m->offset, PAGE_SIZE) &&
			  m->base >= end && m->base + m->size > m->base &&
			  m->base + m->size <= MT_USER_TOP,
			  "address space %lu: mapping %u [%#lx, +%#lx) is misplaced",
			  obj->koid, i, m->base, m->size);
		INVARIANT(!(m->prot & ~m->max_prot) &&
			  !((m->prot & MT_PROT_WRITE) && (m->prot & MT_PROT_EXEC)),
			  "address space %lu: mapping at %#lx has prot %#x, max %#x",
			  obj->koid, m->base, m->prot, m->max_prot);
		INVARIANT(m->mo && m->mo->obj.type == MT_OBJ_MEMORY &&
			  m->offset + m->size <= m->mo->size && m->offset + m->size > m->offset,
			  "address space %lu: mapping at %#lx lies outside its memory object",
			  obj->koid, m->base);
		end = m->base + m->size;
	}
}

static const struct object_ops aspace_ops = {
	.name = "aspace",
	.destroy = aspace_destroy,
	.check = aspace_check,
};

/* The structure, its mappings array and its PML4. */
#define ASPACE_CHARGE (sizeof(struct aspace) + \
		       MT_MAPPINGS_MAX * sizeof(struct mapping) + PAGE_SIZE)

mt_status_t aspace_create(struct quota *q, struct aspace **out)
{
	struct aspace *as;
	mt_status_t r = quota_charge(q, ASPACE_CHARGE);

	if (r != MT_OK)
		return r;
	as = kzalloc(sizeof(*as));
	if (!as) {
		quota_uncharge(q, ASPACE_CHARGE);
		return MT_ERR_NO_MEMORY;
	}
	as->maps = kmalloc(MT_MAPPINGS_MAX * sizeof(struct mapping));
	r = as->maps ? arch_aspace_init(&as->arch) : MT_ERR_NO_MEMORY;
	if (r != MT_OK) {
		kfree(as->maps);
		kfree(as);
		quota_uncharge(q, ASPACE_CHARGE);
		return r;
	}
	object_init(&as->obj, MT_OBJ_ASPACE, &aspace_ops);
	if (q) {
		quota_ref(q);
		as->obj.quota = q;
		as->obj.charge = ASPACE_CHARGE;
	}
	list_add_tail(&all_aspaces, &as->all);
	*out = as;
	return MT_OK;
}

static unsigned prot_to_arch(uint32_t prot)
{
	return (prot & MT_PROT_READ ? ARCH_PROT_READ : 0) |
	       (prot & MT_PROT_WRITE ? ARCH_PROT_WRITE | ARCH_PROT_READ : 0) |
	       (prot & MT_PROT_EXEC ? ARCH_PROT_EXEC | ARCH_PROT_READ : 0);
}

/* Index of the first mapping whose end is above va. */
static uint32_t find_index(const struct aspace *as, vaddr_t va)
{
	uint32_t lo = 0, hi = as->count;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (as->maps[mid].base + as->maps[mid].size <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct mapping *find_mapping(struct aspace *as, vaddr_t va)
{
	uint32_t i = find_index(as, va);

	if (i < as->count && as->maps[i].base <= va)
		return &as->maps[i];
	return NULL;
}

static bool range_free(const struct aspace *as, vaddr_t base, uint64_t len)
{
	uint32_t i = find_index(as, base);

	return i == as->count || as->maps[i].base >= base + len;
}

/* Lowest free range of len bytes with an unused guard page below it, at
 * or above ASPACE_ANY_BASE.  Returns 0 if none. */
static vaddr_t find_free(const struct aspace *as, uint64_t len)
{
	vaddr_t cand = ASPACE_ANY_BASE + PAGE_SIZE;

	for (uint32_t i = find_index(as, ASPACE_ANY_BASE); i <= as->count; i++) {
		vaddr_t next = i < as->count ? as->maps[i].base : MT_USER_TOP;
		if (next >= cand && next - cand >= len)
			return cand;
		if (i < as->count)
			cand = MAX(cand, as->maps[i].base + as->maps[i].size + PAGE_SIZE);
	}
	return 0;
}

mt_status_t aspace_map(struct aspace *as, vaddr_t addr, struct memobj *mo,
		       uint64_t offset, uint64_t len, uint32_t flags,
		       uint32_t max_prot, struct cap *via, vaddr_t *out)
{
	uint32_t prot = flags & (MT_PROT_READ | MT_PROT_WRITE | MT_PROT_EXEC);
	uint32_t i;

	if ((flags & ~(prot | MT_MAP_FIXED)) || !len || (len | offset) & (PAGE_SIZE - 1))
		return MT_ERR_INVALID_ARGS;
	if ((prot & MT_PROT_WRITE) && (prot & MT_PROT_EXEC))
		return MT_ERR_INVALID_ARGS;             /* W^X */
	if (offset > mo->size || len > mo->size - offset)
		return MT_ERR_OUT_OF_RANGE;
	if (as->dead)
		return MT_ERR_BAD_STATE;
	if (as->count >= MT_MAPPINGS_MAX)
		return MT_ERR_NO_RESOURCES;
	if (flags & MT_MAP_FIXED) {
		if ((addr & (PAGE_SIZE - 1)) || addr < MT_USER_BASE ||
		    addr > MT_USER_TOP || len > MT_USER_TOP - addr)
			return MT_ERR_INVALID_ARGS;
		if (!range_free(as, addr, len))
			return MT_ERR_ALREADY_EXISTS;
	} else if (!(addr = find_free(as, len))) {
		return MT_ERR_NO_RESOURCES;
	}
	i = find_index(as, addr);
	memmove(&as->maps[i + 1], &as->maps[i], (as->count - i) * sizeof(struct mapping));
	as->maps[i] = (struct mapping){ addr, len, mo, offset, prot, max_prot, via };
	as->count++;
	object_ref(&mo->obj);
	if (via) {
		cap_ref(via);
		via->mapped = true;
	}
	*out = addr;
	return MT_OK;
}

/* Remove the page-table entries of [va, va + len) and make every other
 * CPU running a thread of this address space drop its TLB entries for
 * them (an idle CPU has the kernel's tables loaded: sched.c), before the
 * frames can be reused. */
static void unmap_range(struct aspace *as, vaddr_t va, uint64_t len)
{
	unsigned me = arch_cpu_id();

	arch_user_unmap_range(&as->arch, va, len);
	for (unsigned c = 0; c < arch_cpu_count(); c++) {
		struct thread *t = c == me ? NULL : sched_current_of(c);
		if (t && t->proc && t->proc->aspace == as)
			arch_tlb_flush_cpu(c, va, len);
	}
}

static void remove_mapping(struct aspace *as, uint32_t i)
{
	struct mapping m = as->maps[i];

	unmap_range(as, m.base, m.size);
	memmove(&as->maps[i], &as->maps[i + 1], (as->count - i - 1) * sizeof(struct mapping));
	as->count--;
	object_unref(&m.mo->obj);
	if (m.via)
		cap_unref(m.via);
}

mt_status_t aspace_unmap(struct aspace *as, vaddr_t addr, uint64_t len)
{
	uint32_t i, first, n = 0;

	if (!len || (addr | len) & (PAGE_SIZE - 1) || addr + len < addr)
		return MT_ERR_INVALID_ARGS;
	first = find_index(as, addr);
	for (i = first; i < as->count && as->maps[i].base < addr + len; i++) {
		struct mapping *m = &as->maps[i];
		if (m->base < addr || m->base + m->size > addr + len)
			return MT_ERR_INVALID_ARGS;     /* would split a mapping */
		n++;
	}
	if (!n)
		return MT_ERR_NOT_FOUND;
	while (n--)
		remove_mapping(as, first);
	return MT_OK;
}

mt_status_t aspace_protect(struct aspace *as, vaddr_t addr, uint64_t len,
			   uint32_t prot)
{
	struct mapping *m = find_mapping(as, addr);

	if (prot & ~(MT_PROT_READ | MT_PROT_WRITE | MT_PROT_EXEC) ||
	    ((prot & MT_PROT_WRITE) && (prot & MT_PROT_EXEC)))
		return MT_ERR_INVALID_ARGS;
	if (!m)
		return MT_ERR_NOT_FOUND;
	if (m->base != addr || m->size != len)
		return MT_ERR_INVALID_ARGS;
	if (prot & ~m->max_prot)
		return MT_ERR_ACCESS_DENIED;
	m->prot = prot;
	/* Drop the page-table entries; the next touch maps with the new
	 * protection. */
	unmap_range(as, m->base, m->size);
	return MT_OK;
}

bool aspace_fault(struct aspace *as, vaddr_t va, uint32_t access)
{
	struct mapping *m;
	paddr_t pa;

	if (!as || as->dead || va < MT_USER_BASE || va >= MT_USER_TOP)
		return false;
	m = find_mapping(as, va);
	/* x86 cannot map write-only or execute-only: both imply read. */
	if (!m || !m->prot || (access & ~(m->prot | MT_PROT_READ)))
		return false;
	va &= ~(vaddr_t)(PAGE_SIZE - 1);
	if (memobj_page(m->mo, (m->offset + (va - m->base)) / PAGE_SIZE, &pa) != MT_OK)
		return false;
	if (arch_user_map_page(&as->arch, va, pa, prot_to_arch(m->prot)) != MT_OK)
		return false;
	/* New page tables are charged after the fact; if they do not fit,
	 * the access fails (they stay, uncharged, until the space goes:
	 * at most three frames per failed fault). */
	if (as->arch.tables > as->tables_charged) {
		uint64_t n = as->arch.tables - as->tables_charged;
		if (quota_charge(as->obj.quota, n * PAGE_SIZE) != MT_OK) {
			unmap_range(as, va, PAGE_SIZE);
			return false;
		}
		as->tables_charged += n;
	}
	return true;
}

void *aspace_resolve(struct aspace *as, vaddr_t va, bool write, size_t *avail)
{
	struct mapping *m;
	paddr_t pa;

	if (as->dead || va < MT_USER_BASE || va >= MT_USER_TOP)
		return NULL;
	m = find_mapping(as, va);
	if (!m || !(m->prot & (write ? MT_PROT_WRITE : MT_PROT_READ | MT_PROT_WRITE)))
		return NULL;
	if (memobj_page(m->mo, (m->offset + (va - m->base)) / PAGE_SIZE, &pa) != MT_OK)
		return NULL;
	*avail = PAGE_SIZE - (va & (PAGE_SIZE - 1));
	return (char *)phys_to_virt(pa) + (va & (PAGE_SIZE - 1));
}

mt_status_t aspace_copy(struct aspace *dst_as, vaddr_t dst, struct aspace *src_as,
			vaddr_t src, size_t len)
{
	if (!user_range_ok(dst, len) || !user_range_ok(src, len))
		return MT_ERR_BAD_ADDRESS;
	while (len) {
		size_t a, b, n;
		void *d = aspace_resolve(dst_as, dst, true, &a);
		const void *sp = aspace_resolve(src_as, src, false, &b);
		if (!d || !sp)
			return MT_ERR_BAD_ADDRESS;
		n = MIN(len, MIN(a, b));
		memcpy(d, sp, n);
		dst += n;
		src += n;
		len -= n;
	}
	return MT_OK;
}

void aspace_unmap_object(struct aspace *as, struct memobj *mo)
{
	for (uint32_t i = as->count; i-- > 0;)
		if (as->maps[i].mo == mo)
			remove_mapping(as, i);
}

void aspace_unmap_cap_everywhere(struct cap *c)
{
	struct list_node *n;

	for (n = all_aspaces.next; n != &all_aspaces; n = n->next) {
		struct aspace *as = container_of(n, struct aspace, all);
		for (uint32_t i = as->count; i-- > 0;)
			if (as->maps[i].via == c)
				remove_mapping(as, i);
	}
}

void aspace_teardown(struct aspace *as)
{
	while (as->count)
		remove_mapping(as, as->count - 1);
	as->dead = true;
}

void aspace_activate(struct aspace *as)
{
	arch_aspace_switch(&as->arch);
}

/* ---- System calls ------------------------------------------------------ */

/* What the memory handle's rights allow a mapping to become. */
static uint32_t rights_to_max_prot(mt_rights_t rights)
{
	return (rights & MT_RIGHT_READ ? MT_PROT_READ : 0) |
	       (rights & MT_RIGHT_WRITE ? MT_PROT_WRITE : 0) |
	       (rights & MT_RIGHT_EXECUTE ? MT_PROT_EXEC : 0);
}

static mt_status_t aspace_get(mt_handle_t h, struct aspace **out)
{
	struct handle_entry *e;
	mt_status_t r = handle_get(h, MT_OBJ_ASPACE, MT_RIGHT_WRITE, &e);

	if (r == MT_OK)
		*out = container_of(e->obj, struct aspace, obj);
	return r;
}

mt_status_t sys_vm_map(mt_handle_t aspace, uint64_t addr, mt_handle_t memory,
		       uint64_t offset, uint64_t len, uint32_t flags)
{
	struct handle_entry *me;
	struct aspace *as;
	uint32_t max_prot, prot = flags & (MT_PROT_READ | MT_PROT_WRITE | MT_PROT_EXEC);
	vaddr_t at;
	mt_status_t r = aspace_get(aspace, &as);

	if (r == MT_OK)
		r = handle_get(memory, MT_OBJ_MEMORY, MT_RIGHT_MAP, &me);
	if (r != MT_OK)
		return r;
	max_prot = rights_to_max_prot(me->rights);
	if (prot & ~max_prot)
		return MT_ERR_ACCESS_DENIED;
	r = aspace_map(as, addr, container_of(me->obj, struct memobj, obj), offset,
		       len, flags, max_prot, me->cap, &at);
	return r == MT_OK ? (mt_status_t)at : r;
}

mt_status_t sys_vm_unmap(mt_handle_t aspace, uint64_t addr, uint64_t len)
{
	struct aspace *as;
	mt_status_t r = aspace_get(aspace, &as);

	return r == MT_OK ? aspace_unmap(as, addr, len) : r;
}

mt_status_t sys_vm_protect(mt_handle_t aspace, uint64_t addr, uint64_t len,
			   uint32_t prot)
{
	struct aspace *as;
	mt_status_t r = aspace_get(aspace, &as);

	return r == MT_OK ? aspace_protect(as, addr, len, prot) : r;
}
