/* Memory objects (kernel/vm.h). */
#include <kernel/invariants.h>
#include <kernel/log.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/pmm.h>
#include <kernel/process.h>
#include <kernel/syscall.h>
#include <kernel/slab.h>
#include <kernel/usercopy.h>
#include <kernel/vm.h>
#include <string/string.h>

static void memobj_destroy(struct object *obj)
{
	struct memobj *mo = container_of(obj, struct memobj, obj);
	uint64_t nleaves = (mo->npages + MEMOBJ_PAGES_PER_LEAF - 1) / MEMOBJ_PAGES_PER_LEAF;

	uint64_t pages = 0;

	if (mo->leaves) {
		for (uint64_t l = 0; l < nleaves; l++) {
			if (!mo->leaves[l])
				continue;
			for (size_t i = 0; i < MEMOBJ_PAGES_PER_LEAF; i++)
				if (mo->leaves[l][i])
					pmm_free_pages(mo->leaves[l][i], 1);
			kfree(mo->leaves[l]);
			pages++;
		}
		kfree(mo->leaves);
	}
	/* Its pages and leaves; the object's own charge goes after. */
	quota_uncharge(mo->obj.quota, (pages + mo->committed) * PAGE_SIZE);
	kfree(mo);
}

/* Size, and `committed` against the frames in the leaves, each of which
 * the frame allocator must have handed out (object_ops.check). */
static void memobj_check(struct object *obj)
{
	struct memobj *mo = container_of(obj, struct memobj, obj);
	uint64_t nleaves = (mo->npages + MEMOBJ_PAGES_PER_LEAF - 1) / MEMOBJ_PAGES_PER_LEAF;
	uint64_t frames = 0;

	INVARIANT(mo->size && mo->npages * PAGE_SIZE == mo->size &&
		  (mo->physical || mo->size <= MT_MEMORY_MAX),
		  "memory object %lu: size %#lx, %lu pages", obj->koid, mo->size,
		  mo->npages);
	if (mo->physical) {
		INVARIANT(!mo->leaves && !mo->committed, "physical memory object %lu "
			  "has frames of its own", obj->koid);
		return;
	}
	INVARIANT(mo->leaves, "memory object %lu has no leaf table", obj->koid);
	for (uint64_t l = 0; l < nleaves; l++) {
		if (!mo->leaves[l])
			continue;
		for (size_t i = 0; i < MEMOBJ_PAGES_PER_LEAF; i++) {
			paddr_t pa = mo->leaves[l][i];
			if (!pa)
				continue;
			INVARIANT(l * MEMOBJ_PAGES_PER_LEAF + i < mo->npages &&
				  pmm_page_is_allocated(pa), "memory object %lu: page "
				  "%lu has frame %#lx, which is free or beyond its size",
				  obj->koid, l * MEMOBJ_PAGES_PER_LEAF + i, pa);
			frames++;
		}
	}
	INVARIANT(frames == mo->committed, "memory object %lu: %lu frames, committed "
		  "%lu", obj->koid, frames, mo->committed);
}

static const struct object_ops memobj_ops = {
	.name = "memory",
	.destroy = memobj_destroy,
	.check = memobj_check,
};

mt_status_t memobj_create(uint64_t size, struct memobj **out)
{
	struct memobj *mo;
	uint64_t nleaves;

	if (size == 0)
		return MT_ERR_INVALID_ARGS;
	if (size > MT_MEMORY_MAX)
		return MT_ERR_OUT_OF_RANGE;
	mo = kzalloc(sizeof(*mo));
	if (!mo)
		return MT_ERR_NO_MEMORY;
	mo->size = ALIGN_UP(size, PAGE_SIZE);
	mo->npages = mo->size / PAGE_SIZE;
	nleaves = (mo->npages + MEMOBJ_PAGES_PER_LEAF - 1) / MEMOBJ_PAGES_PER_LEAF;
	mo->leaves = kzalloc(nleaves * sizeof(paddr_t *));
	if (!mo->leaves) {
		kfree(mo);
		return MT_ERR_NO_MEMORY;
	}
	object_init(&mo->obj, MT_OBJ_MEMORY, &memobj_ops);
	*out = mo;
	return MT_OK;
}

mt_status_t memobj_create_physical(paddr_t base, uint64_t size, struct memobj **out)
{
	struct memobj *mo;

	if (!size || (base & (PAGE_SIZE - 1)))
		return MT_ERR_INVALID_ARGS;
	mo = kzalloc(sizeof(*mo));
	if (!mo)
		return MT_ERR_NO_MEMORY;
	mo->size = ALIGN_UP(size, PAGE_SIZE);
	mo->npages = mo->size / PAGE_SIZE;
	mo->physical = true;
	mo->phys_base = base;
	object_init(&mo->obj, MT_OBJ_MEMORY, &memobj_ops);
	*out = mo;
	return MT_OK;
}

mt_status_t memobj_page(struct memobj *mo, uint64_t index, paddr_t *out)
{
	paddr_t **leaf, pa;

	if (index >= mo->npages)
		return MT_ERR_OUT_OF_RANGE;
	if (mo->physical) {
		*out = mo->phys_base + index * PAGE_SIZE;
		return MT_OK;
	}
	leaf = &mo->leaves[index / MEMOBJ_PAGES_PER_LEAF];
	if (!*leaf) {
		if (quota_charge(mo->obj.quota, PAGE_SIZE) != MT_OK)
			return MT_ERR_NO_MEMORY;
		if (!(*leaf = kzalloc(PAGE_SIZE))) {
			quota_uncharge(mo->obj.quota, PAGE_SIZE);
			return MT_ERR_NO_MEMORY;
		}
	}
	pa = (*leaf)[index % MEMOBJ_PAGES_PER_LEAF];
	if (!pa) {
		if (quota_charge(mo->obj.quota, PAGE_SIZE) != MT_OK)
			return MT_ERR_NO_MEMORY;
		pa = pmm_alloc_page();
		if (!pa) {
			quota_uncharge(mo->obj.quota, PAGE_SIZE);
			return MT_ERR_NO_MEMORY;
		}
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
		(*leaf)[index % MEMOBJ_PAGES_PER_LEAF] = pa;
		mo->committed++;
	}
	*out = pa;
	return MT_OK;
}

/* Walk [off, off+len) page by page, handing each piece to fn. */
static mt_status_t memobj_walk(struct memobj *mo, uint64_t off, size_t len,
			       mt_status_t (*fn)(void *page, size_t n, void *ctx),
			       void *ctx)
{
	if (off > mo->size || len > mo->size - off)
		return MT_ERR_OUT_OF_RANGE;
	while (len) {
		size_t in_page = off & (PAGE_SIZE - 1);
		size_t n = MIN(len, PAGE_SIZE - in_page);
		paddr_t pa;
		mt_status_t r = memobj_page(mo, off / PAGE_SIZE, &pa);
		if (r == MT_OK)
			r = fn((char *)phys_to_virt(pa) + in_page, n, ctx);
		if (r != MT_OK)
			return r;
		off += n;
		len -= n;
	}
	return MT_OK;
}

struct copy_ctx {
	uintptr_t addr;         /* user or kernel address, advancing */
	bool to_user;
	bool kernel_src;
};

static mt_status_t copy_piece(void *page, size_t n, void *arg)
{
	struct copy_ctx *c = arg;
	mt_status_t r = MT_OK;

	if (c->kernel_src)
		memcpy(page, (const void *)c->addr, n);
	else if (c->to_user)
		r = copy_to_user(c->addr, page, n);
	else
		r = copy_from_user(page, c->addr, n);
	c->addr += n;
	return r;
}

mt_status_t memobj_write_kernel(struct memobj *mo, uint64_t off, const void *src,
				size_t len)
{
	struct copy_ctx c = { (uintptr_t)src, false, true };

	return memobj_walk(mo, off, len, copy_piece, &c);
}

mt_status_t memobj_copy_user(struct memobj *mo, uint64_t off, uintptr_t ubuf,
			     size_t len, bool to_user)
{
	struct copy_ctx c = { ubuf, to_user, false };

	if (!user_range_ok(ubuf, len))
		return MT_ERR_BAD_ADDRESS;
	return memobj_walk(mo, off, len, copy_piece, &c);
}

/* ---- System calls ------------------------------------------------------ */

mt_status_t sys_memory_create(uint64_t size, uint32_t flags, uintptr_t out)
{
	struct memobj *mo;
	mt_status_t r;

	if (flags)
		return MT_ERR_INVALID_ARGS;
	if (!user_range_ok(out, sizeof(mt_handle_t)))
		return MT_ERR_BAD_ADDRESS;
	r = memobj_create(size, &mo);
	if (r != MT_OK)
		return r;
	r = object_charge(&mo->obj, sizeof(*mo) +
			  ALIGN_UP(mo->npages, MEMOBJ_PAGES_PER_LEAF) /
			  MEMOBJ_PAGES_PER_LEAF * sizeof(paddr_t *));
	if (r == MT_OK)
		r = handle_give_user(&mo->obj, MT_RIGHTS_ALL & ~MT_RIGHT_MANAGE, out);
	object_unref(&mo->obj);         /* the handle holds it now (or nobody) */
	return r;
}

static mt_status_t memory_rw(mt_handle_t memory, uint64_t offset, uintptr_t buf,
			     size_t len, bool read)
{
	struct handle_entry *e;
	mt_status_t r = handle_get(memory, MT_OBJ_MEMORY,
				   read ? MT_RIGHT_READ : MT_RIGHT_WRITE, &e);

	if (r != MT_OK)
		return r;
	return memobj_copy_user(container_of(e->obj, struct memobj, obj), offset,
				buf, len, read);
}

mt_status_t sys_memory_read(mt_handle_t memory, uint64_t offset, uintptr_t buf,
			    size_t len)
{
	return memory_rw(memory, offset, buf, len, true);
}

mt_status_t sys_memory_write(mt_handle_t memory, uint64_t offset, uintptr_t buf,
			     size_t len)
{
	return memory_rw(memory, offset, buf, len, false);
}
