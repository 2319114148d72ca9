/*
 * IRQ objects (kernel/resource.h, docs/drivers.md): one interrupt line
 * bound for a user-level driver.
 *
 * States, changed only here and in the interrupt path:
 *   armed   line unmasked, MT_SIGNAL_IRQ clear (after create and ack);
 *   fired   the interrupt came: the arch masked the line and irq_fired
 *           raised MT_SIGNAL_IRQ; the driver services its device and
 *           calls mt_irq_ack, which clears the signal, then unmasks.
 * Invariant: `bound` is true from a successful arch_irq_bind until
 * destruction, and while it is the arch routes exactly this object's line
 * to irq_fired.  Destruction (the last handle closed, or its process
 * killed) unbinds: the line is masked and free for the next driver.
 */
#include <kernel/arch.h>
#include <kernel/process.h>
#include <kernel/resource.h>
#include <kernel/slab.h>
#include <kernel/syscall.h>
#include <kernel/usercopy.h>

struct irq {
	struct object obj;
	uint32_t line;                  /* MT_RESOURCE_IRQ line number */
	bool bound;
};

static void irq_destroy(struct object *obj)
{
	struct irq *irq = container_of(obj, struct irq, obj);

	if (irq->bound)
		arch_irq_unbind(irq->line);
	kfree(irq);
}

static const struct object_ops irq_ops = {
	.name = "irq",
	.destroy = irq_destroy,
};

/* The interrupt path (interrupts off, line already masked): tell the
 * waiters and port watches. */
static void irq_fired(void *ctx)
{
	struct irq *irq = ctx;

	object_signal(&irq->obj, 0, MT_SIGNAL_IRQ);
}

/* A new IRQ object bound to `line`, one reference; the arch's errors
 * (MT_ERR_ALREADY_EXISTS, MT_ERR_NOT_SUPPORTED) or MT_ERR_NO_MEMORY. */
static mt_status_t irq_create(uint32_t line, struct object **out)
{
	struct irq *irq = kzalloc(sizeof(*irq));
	mt_status_t r;

	if (!irq)
		return MT_ERR_NO_MEMORY;
	object_init(&irq->obj, MT_OBJ_IRQ, &irq_ops);
	irq->line = line;
	r = arch_irq_bind(line, irq_fired, irq);
	if (r != MT_OK) {
		object_unref(&irq->obj);
		return r;
	}
	irq->bound = true;
	*out = &irq->obj;
	return MT_OK;
}

/* ---- System calls ------------------------------------------------------ */

mt_status_t sys_irq_create(mt_handle_t resource, uint32_t line, uint32_t flags,
			   uintptr_t out)
{
	struct object *obj;
	mt_status_t r = resource_get_line(resource, line);

	if (r != MT_OK)
		return r;
	if (flags)
		return MT_ERR_INVALID_ARGS;
	if (!user_range_ok(out, sizeof(mt_handle_t)))
		return MT_ERR_BAD_ADDRESS;
	r = irq_create(line, &obj);
	if (r != MT_OK)
		return r;
	return object_give_new(obj, sizeof(struct irq), MT_RIGHTS_ALL, out);
}

/* Clear the signal first, then unmask: an interrupt right after the
 * unmask raises it again rather than being cleared. */
mt_status_t sys_irq_ack(mt_handle_t handle)
{
	struct handle_entry *e;
	mt_status_t r = handle_get(handle, MT_OBJ_IRQ, MT_RIGHT_WRITE, &e);

	if (r != MT_OK)
		return r;
	object_signal(e->obj, MT_SIGNAL_IRQ, 0);
	arch_irq_unmask(container_of(e->obj, struct irq, obj)->line);
	return MT_OK;
}
