/*
 * Resources (kernel/resource.h): authority over a range of I/O ports or
 * of interrupt lines.  A resource is immutable: kind, base and count are
 * fixed at creation, so it needs no lock.  Invariant: count > 0 and the
 * range lies inside its kind's space (ports 0..MT_IOPORT_COUNT-1, lines
 * below arch_irq_line_count()).
 *
 * The kernel makes the two root resources at boot and gives them to init
 * (core/userboot.c); everything else is carved from them, each carve a
 * new object that can only be narrower.  Holding a port resource with
 * READ/WRITE lets a process read/write exactly those ports through
 * mt_ioport_read/write; holding a line resource with WRITE lets it bind
 * those lines to IRQ objects (object/irq.c).
 */
#include <kernel/arch.h>
#include <kernel/invariants.h>
#include <kernel/process.h>
#include <kernel/resource.h>
#include <kernel/slab.h>
#include <kernel/syscall.h>
#include <kernel/usercopy.h>

struct resource {
	struct object obj;
	uint32_t kind;                  /* MT_RESOURCE_* */
	uint32_t base;
	uint32_t count;
};

static void resource_destroy(struct object *obj)
{
	kfree(container_of(obj, struct resource, obj));
}

/* The size of the space of `kind`. */
static uint64_t resource_space(uint32_t kind)
{
	return kind == MT_RESOURCE_IOPORT ? MT_IOPORT_COUNT : arch_irq_line_count();
}

static void resource_check(struct object *obj)
{
	const struct resource *r = container_of(obj, struct resource, obj);

	INVARIANT(r->kind == MT_RESOURCE_IOPORT || r->kind == MT_RESOURCE_IRQ,
		  "resource %lu has kind %u", obj->koid, r->kind);
	INVARIANT(r->count && (uint64_t)r->base + r->count <= resource_space(r->kind),
		  "resource %lu covers [%u, +%u) outside its space", obj->koid,
		  r->base, r->count);
}

static const struct object_ops resource_ops = {
	.name = "resource",
	.destroy = resource_destroy,
	.check = resource_check,
};

mt_status_t resource_create(uint32_t kind, uint32_t base, uint32_t count,
			    struct object **out)
{
	struct resource *r = kzalloc(sizeof(*r));

	if (!r)
		return MT_ERR_NO_MEMORY;
	object_init(&r->obj, MT_OBJ_RESOURCE, &resource_ops);
	r->kind = kind;
	r->base = base;
	r->count = count;
	*out = &r->obj;
	return MT_OK;
}

struct object *resource_root(uint32_t kind)
{
	uint64_t n = resource_space(kind);
	struct object *obj;

	if (!n || resource_create(kind, 0, (uint32_t)n, &obj) != MT_OK)
		return NULL;
	return obj;
}

/* Does r cover [first, first + n)?  64-bit: no wrap-around. */
static bool resource_covers(const struct resource *r, uint64_t first, uint64_t n)
{
	return first >= r->base && first + n <= (uint64_t)r->base + r->count;
}

/* Look up a resource handle with `rights`; kind 0 accepts either kind,
 * another kind is MT_ERR_WRONG_TYPE. */
static mt_status_t resource_get(mt_handle_t h, mt_rights_t rights, uint32_t kind,
				struct resource **out)
{
	struct handle_entry *e;
	mt_status_t r = handle_get(h, MT_OBJ_RESOURCE, rights, &e);

	if (r != MT_OK)
		return r;
	*out = container_of(e->obj, struct resource, obj);
	if (kind && (*out)->kind != kind)
		return MT_ERR_WRONG_TYPE;
	return MT_OK;
}

/* kernel/resource.h; for object/irq.c. */
mt_status_t resource_get_line(mt_handle_t h, uint32_t line)
{
	struct resource *res;
	mt_status_t r = resource_get(h, MT_RIGHT_WRITE, MT_RESOURCE_IRQ, &res);

	if (r == MT_OK && !resource_covers(res, line, 1))
		r = MT_ERR_ACCESS_DENIED;
	return r;
}

/* ---- System calls ------------------------------------------------------ */

mt_status_t sys_resource_carve(mt_handle_t resource, uint32_t base,
			       uint32_t count, uintptr_t out)
{
	struct handle_entry *e;
	struct resource *parent;
	struct object *obj;
	mt_status_t r = resource_get(resource, MT_RIGHT_DUPLICATE, 0, &parent);

	if (r != MT_OK)
		return r;
	if (!count)
		return MT_ERR_INVALID_ARGS;
	if (!resource_covers(parent, base, count))
		return MT_ERR_ACCESS_DENIED;
	if (!user_range_ok(out, sizeof(mt_handle_t)))
		return MT_ERR_BAD_ADDRESS;
	r = handle_get(resource, MT_OBJ_RESOURCE, 0, &e);     /* its rights */
	if (r == MT_OK)
		r = resource_create(parent->kind, base, count, &obj);
	if (r != MT_OK)
		return r;
	return object_give_new(obj, sizeof(struct resource), e->rights, out);
}

mt_status_t sys_resource_info(mt_handle_t resource, uintptr_t info)
{
	struct resource *res;
	struct mt_resource_info ri = { 0 };
	mt_status_t r = resource_get(resource, MT_RIGHT_INFO, 0, &res);

	if (r != MT_OK)
		return r;
	ri.kind = res->kind;
	ri.base = res->base;
	ri.count = res->count;
	return copy_to_user(info, &ri, sizeof(ri));
}

/* Check an access of `width` bytes at `port` through handle h. */
static mt_status_t ioport_check(mt_handle_t h, mt_rights_t right, uint32_t port,
				uint32_t width)
{
	struct resource *res;
	mt_status_t r = resource_get(h, right, MT_RESOURCE_IOPORT, &res);

	if (r != MT_OK)
		return r;
	if (width != 1 && width != 2 && width != 4)
		return MT_ERR_INVALID_ARGS;
	return resource_covers(res, port, width) ? MT_OK : MT_ERR_ACCESS_DENIED;
}

mt_status_t sys_ioport_read(mt_handle_t resource, uint32_t port, uint32_t width)
{
	mt_status_t r = ioport_check(resource, MT_RIGHT_READ, port, width);

	if (r != MT_OK)
		return r;
	return (mt_status_t)arch_ioport_read(port, width);
}

mt_status_t sys_ioport_write(mt_handle_t resource, uint32_t port, uint32_t width,
			     uint32_t value)
{
	mt_status_t r = ioport_check(resource, MT_RIGHT_WRITE, port, width);

	if (r != MT_OK)
		return r;
	if (width < 4 && (value >> (8 * width)))
		return MT_ERR_INVALID_ARGS;
	arch_ioport_write(port, width, value);
	return MT_OK;
}
