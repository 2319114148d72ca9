/*
 * The debug log object: a capability to write to (and, with READ, query
 * counters of) the kernel's console.  There is one, created at boot and
 * given to init, who passes it on as it sees fit.
 */
#include <kernel/arch.h>
#include <kernel/debuglog.h>
#include <kernel/log.h>
#include <kernel/pmm.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/syscall.h>
#include <kernel/usercopy.h>

static struct object debuglog;

static void debuglog_destroy(struct object *obj)
{
	(void)obj;      /* static: never freed */
}

static const struct object_ops debuglog_ops = {
	.name = "debuglog",
	.destroy = debuglog_destroy,
};

struct object *debuglog_get(void)
{
	if (!debuglog.ops) {
		object_init(&debuglog, MT_OBJ_DEBUGLOG, &debuglog_ops);
		object_ref(&debuglog);      /* the kernel's own: never goes */
	}
	return &debuglog;
}

static void add_cache_bytes(const struct kmem_cache_info *info, void *ctx)
{
	*(uint64_t *)ctx += info->objects_in_use * info->stride;
}

/* Bytes in slab objects (large kmalloc blocks are counted as frames). */
static uint64_t kmem_bytes_in_use(void)
{
	uint64_t bytes = 0;

	kmem_cache_for_each(add_cache_bytes, &bytes);
	return bytes;
}

mt_status_t sys_null(void)
{
	return MT_OK;
}

mt_status_t sys_debug_write(mt_handle_t log, uintptr_t buf, size_t len)
{
	char text[MT_DEBUG_WRITE_MAX];
	struct handle_entry *e;
	mt_status_t r = handle_get(log, MT_OBJ_DEBUGLOG, MT_RIGHT_WRITE, &e);

	if (r != MT_OK)
		return r;
	if (len > sizeof(text))
		return MT_ERR_INVALID_ARGS;
	r = copy_from_user(text, buf, len);
	if (r == MT_OK)
		klog_write_raw(text, len);
	return r;
}

mt_status_t sys_debug_stats(mt_handle_t log, uintptr_t stats)
{
	struct handle_entry *e;
	struct pmm_stats ps;
	struct mt_kernel_stats ks;
	mt_status_t r = handle_get(log, MT_OBJ_DEBUGLOG, MT_RIGHT_READ, &e);

	if (r != MT_OK)
		return r;
	pmm_get_stats(&ps);
	ks = (struct mt_kernel_stats){
		.free_frames = ps.free_frames,
		.total_frames = ps.total_frames,
		.live_objects = object_live_count(),
		.live_threads = thread_live_count(),
		.live_processes = process_live_count(),
		.heap_bytes = kmem_bytes_in_use(),
		.live_caps = cap_live_count(),
		.idle_ns = sched_idle_ns(),
	};
	return copy_to_user(stats, &ks, sizeof(ks));
}
