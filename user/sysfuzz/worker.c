/*
 * A worker: the fuzzing process (sysfuzz.h).  It starts with the handles
 * its creator put in its box page (FZ_BOX_ADDR): the tree's report
 * channel and statistics page, and a few handles its parent shares with
 * it; plus its own process, address space and the boot archive (the
 * startup block).  Never the debug log.  It maps its arenas, fills its
 * pool with objects of every type, may start child workers (a tree, at
 * most FZ_DEPTH deep), starts helper threads, and then issues random
 * calls until the tree's budget is spent.
 */
#include "sysfuzz.h"

#include <string.h>

#include <libmantra/ipc.h>

#define FZ_DEPTH        2               /* child workers below the top */
#define FZ_CHILDREN     3               /* per worker */

struct fz_worker fz_w;

/* ---- Starting a worker (also used by the controller) -------------------- */

void fz_check_budget(void)
{
	volatile struct fz_stats *s = fz_stats();

	if (s->calls >= s->budget)
		(void)mt_process_exit(0);
}

/* Give the child a duplicate of h (0 if that fails). */
static mt_handle_t fz_give(mt_handle_t process, mt_handle_t h)
{
	mt_handle_t dup, there = 0;

	if (!h || mt_handle_duplicate(h, MT_RIGHT_SAME, &dup) < 0)
		return 0;
	if (mt_process_give_handle(process, dup, &there) < 0) {
		(void)mt_handle_close(dup);
		return 0;
	}
	return there;
}

mt_status_t fz_spawn_worker(const struct fz_spawn *req, struct mt_spawn_result *out)
{
	struct mt_spawn_args args = { 0 };
	struct bootfs_file file;
	struct fz_box box;
	mt_handle_t boxmem = 0;
	mt_status_t st;

	memset(&box, 0, sizeof(box));
	memset(out, 0, sizeof(*out));
	st = mt_bootfs_file("bin/sysfuzz", &file);
	if (st < 0)
		return st;
	args.name = req->depth ? "fz-worker" : "fz-top";
	args.image = file.data;
	args.image_size = file.size;
	args.arg = FZ_ROLE_WORKER;
	args.bootfs = req->bootfs;
	args.bootfs_size = mt_startup()->bootfs_size;
	args.stack_size = 128 * 1024;
	args.suspended = true;
	st = mt_spawn(&args, out);
	if (st < 0)
		return st;
	if (req->report_child && !req->report_child(&out->process))
		st = MT_ERR_NO_RESOURCES;
	if (st >= 0 && req->quota)
		st = mt_process_set_quota(out->process, req->quota);
	/* Workers may not outrank the controller (their random
	 * thread_set_sched calls would otherwise starve it on every CPU):
	 * a tree's ceiling is the default priority, inherited below. */
	if (st >= 0 && !req->depth)
		st = mt_process_set_sched_ceiling(out->process, MT_SCHED_NORMAL,
						  MT_PRIORITY_DEFAULT);
	if (st >= 0)
		st = mt_vm_map(out->aspace, FZ_STATS_ADDR, req->statsmem, 0, MT_PAGE_SIZE,
			       MT_PROT_READ | MT_PROT_WRITE | MT_MAP_FIXED);
	if (st >= 0)
		st = mt_memory_create(MT_PAGE_SIZE, 0, &boxmem);
	if (st >= 0)
		st = mt_vm_map(out->aspace, FZ_BOX_ADDR, boxmem, 0, MT_PAGE_SIZE,
			       MT_PROT_READ | MT_MAP_FIXED);
	if (st >= 0) {
		box.magic = FZ_BOX_MAGIC;
		box.seed = req->seed;
		box.flags = req->flags;
		box.depth = req->depth;
		box.report = fz_give(out->process, req->report);
		box.statsmem = fz_give(out->process, req->statsmem);
		for (uint32_t i = 0; i < req->nshared && i < FZ_SHARED; i++) {
			box.shared[box.nshared] = fz_give(out->process, req->shared[i]);
			box.shared_type[box.nshared] = req->shared_type[i];
			box.nshared += box.shared[box.nshared] != 0;
		}
		st = box.report && box.statsmem ? MT_OK : MT_ERR_NO_RESOURCES;
	}
	if (st >= 0)
		st = mt_memory_write(boxmem, 0, &box, sizeof(box));
	if (st >= 0)
		st = mt_spawn_start(out);
	if (boxmem)
		(void)mt_handle_close(boxmem);
	if (st < 0) {
		(void)mt_task_kill(out->process);
		mt_spawn_release(out);
	}
	return st;
}

/* ---- The tree ---------------------------------------------------------- */

/* Send the controller a handle to a process of the tree (it kills them
 * all when the tree ends).  The controller gets *process itself and we
 * keep a duplicate (the new *process): derived from the controller's, so
 * no mt_handle_revoke of ours can take the controller's away.  False if
 * it cannot be told (*process unchanged). */
bool fz_report_process(mt_handle_t *process)
{
	mt_handle_t dup;

	if (mt_handle_duplicate(*process, MT_RIGHT_SAME, &dup) < 0)
		return false;
	if (mt_channel_write(fz_w.report, "p", 1, process, sizeof(*process), 0) < 0) {
		(void)mt_handle_close(dup);
		return false;
	}
	*process = dup;
	return true;
}

void fz_maybe_spawn_child(struct fz_rng *r)
{
	struct fz_spawn req = {
		.seed = fz_rand(r), .flags = fz_w.flags, .depth = fz_w.depth + 1,
		.report = fz_w.report, .statsmem = fz_w.statsmem,
		.bootfs = fz_w.bootfs, .report_child = fz_report_process,
	};
	struct mt_spawn_result child;

	if (fz_w.depth >= FZ_DEPTH || fz_w.children >= FZ_CHILDREN)
		return;
	for (uint32_t i = 0; i < 1 + fz_below(r, FZ_SHARED); i++) {
		mt_handle_t h = fz_pool_pick(r, 0);
		if (h) {
			req.shared[req.nshared] = h;
			req.shared_type[req.nshared++] = 0;
		}
	}
	if (fz_spawn_worker(&req, &child) < 0)
		return;
	fz_w.children++;
	__atomic_fetch_add(&fz_stats()->workers, 1, __ATOMIC_RELAXED);
	fz_pool_add(child.process, MT_OBJ_PROCESS, false);
	fz_pool_add(child.aspace, MT_OBJ_ASPACE, false);
	fz_pool_add(child.thread, MT_OBJ_THREAD, false);
}

/* ---- Setting up ---------------------------------------------------------- */

static bool fz_map_fixed(uint64_t addr, uint64_t size)
{
	mt_handle_t mem;
	mt_status_t st = mt_memory_create(size, 0, &mem);

	if (st < 0)
		return false;
	st = mt_vm_map(mt_startup()->self_aspace, addr, mem, 0, size,
		       MT_PROT_READ | MT_PROT_WRITE | MT_MAP_FIXED);
	(void)mt_handle_close(mem);
	return st >= 0;
}

/* Add a duplicate of h with a random subset of its rights. */
static void fz_add_reduced(struct fz_rng *r, mt_handle_t h, uint8_t type, bool own)
{
	mt_handle_t dup;

	if (h && mt_handle_duplicate(h, (mt_rights_t)(fz_rand(r) & MT_RIGHTS_ALL) |
				     MT_RIGHT_DUPLICATE, &dup) >= 0)
		fz_pool_add(dup, type, own);
}

/* Objects of every type, some with reduced rights, some already busy. */
static void fz_fill_pool(struct fz_rng *r)
{
	const struct mt_startup *su = mt_startup();
	mt_handle_t a, b, h, p, as;

	for (int i = 0; i < 2; i++) {
		if (mt_channel_create(&a, &b) >= 0) {
			fz_pool_add(a, MT_OBJ_CHANNEL, false);
			fz_pool_add(b, MT_OBJ_CHANNEL, false);
			fz_add_reduced(r, a, MT_OBJ_CHANNEL, false);
			/* A message carrying a handle, sometimes the peer end. */
			if (mt_handle_duplicate(i ? b : su->self_aspace, MT_RIGHT_SAME, &h) >= 0 &&
			    mt_channel_write(a, "fz", 2, &h, sizeof(h), 0) < 0)
				(void)mt_handle_close(h);
		}
		if (mt_port_create(&h) >= 0) {
			fz_pool_add(h, MT_OBJ_PORT, false);
			(void)mt_port_watch(h, a, MT_SIGNAL_READABLE | MT_SIGNAL_PEER_CLOSED,
					    (uint64_t)i, (uint32_t)i);
			fz_add_reduced(r, h, MT_OBJ_PORT, false);
		}
		if (mt_event_create(&h) >= 0) {
			fz_pool_add(h, MT_OBJ_EVENT, false);
			fz_add_reduced(r, h, MT_OBJ_EVENT, false);
		}
		if (mt_endpoint_create(&h) >= 0) {
			fz_pool_add(h, MT_OBJ_ENDPOINT, false);
			fz_add_reduced(r, h, MT_OBJ_ENDPOINT, false);
			if (mt_handle_badge(h, fz_rand(r) | 1, &a) >= 0)
				fz_pool_add(a, MT_OBJ_ENDPOINT, false);
		}
	}
	for (uint64_t size = MT_PAGE_SIZE; size <= (1u << 20); size *= 16)
		if (mt_memory_create(size, 0, &h) >= 0) {
			fz_pool_add(h, MT_OBJ_MEMORY, false);
			fz_add_reduced(r, h, MT_OBJ_MEMORY, false);
		}
	for (int i = 0; i < 2; i++)
		if (mt_thread_create(fz_w.self, "fz-new", 6, &h) >= 0)
			fz_pool_add(h, MT_OBJ_THREAD, true);
	if (mt_process_create("fz-empty", 8, &p, &as) >= 0) {
		if (!fz_report_process(&p)) {
			(void)mt_task_kill(p);
			(void)mt_handle_close(p);
			(void)mt_handle_close(as);
		} else {
			fz_w.processes++;
			fz_pool_add(p, MT_OBJ_PROCESS, false);
			fz_pool_add(as, MT_OBJ_ASPACE, false);
			if (mt_thread_create(p, "fz-child", 8, &h) >= 0)
				fz_pool_add(h, MT_OBJ_THREAD, false);
		}
	}
}

/* Start a helper thread of our own (at most FZ_HELPERS in all). */
static void fz_start_helper(struct fz_rng *r)
{
	uint32_t i = __atomic_fetch_add(&fz_w.helpers, 1, __ATOMIC_RELAXED);
	mt_handle_t th;

	if (i >= FZ_HELPERS || mt_thread_create(fz_w.self, "fz-helper", 9, &th) < 0)
		return;
	if (mt_thread_start(th, (uint64_t)(uintptr_t)fz_helper_entry,
			    FZ_STACKS_ADDR + (i + 1) * FZ_STACK_SIZE - 8,
			    (fz_rand(r) << 4) | (i + 1), 0) < 0)
		(void)mt_handle_close(th);
	else
		fz_pool_add(th, MT_OBJ_THREAD, true);
}

static uint32_t fz_pool_live(void)
{
	uint32_t n = 0;

	for (int i = 0; i < FZ_POOL; i++)
		n += fz_w.pool[i].state == FZ_LIVE;
	return n;
}

/* ---- Threads --------------------------------------------------------------- */

void fz_helper_entry(uint64_t arg)
{
	struct fz_thread t = { .index = (uint32_t)(arg & 0xf) };
	uint64_t buf = (uint64_t)(uintptr_t)fz_arena(t.index) + FZ_IPCBUF_OFF;

	fz_seed(&t.rng, arg);
	__atomic_fetch_add(&fz_stats()->threads, 1, __ATOMIC_RELAXED);
	if (t.index == 0 || t.index >= FZ_THREADS)
		(void)mt_thread_exit();
	if (fz_chance(&t.rng, 3, 4) && mt_ipc_buffer_set(buf) >= 0)
		t.ipc_buffer = buf;
	for (;;)
		fz_one_call(&t);
}

void fz_worker_main(const struct mt_startup *su)
{
	const volatile struct fz_box *box = (const volatile struct fz_box *)FZ_BOX_ADDR;
	struct fz_thread t = { .index = 0 };
	uint64_t buf = (uint64_t)(uintptr_t)fz_arena(0) + FZ_IPCBUF_OFF;
	const struct bootfs *fs;

	if (box->magic != FZ_BOX_MAGIC || fz_stats()->magic != FZ_STATS_MAGIC)
		(void)mt_process_exit(3);
	fz_w.seed = box->seed;
	fz_w.flags = box->flags;
	fz_w.depth = box->depth;
	fz_w.report = box->report;
	fz_w.statsmem = box->statsmem;
	fz_seed(&t.rng, fz_w.seed);
	if (mt_handle_duplicate(su->self_process, MT_RIGHT_SAME, &fz_w.self) < 0 ||
	    mt_handle_duplicate(su->bootfs, MT_RIGHT_SAME, &fz_w.bootfs) < 0 ||
	    mt_bootfs(&fs) < 0 ||
	    !fz_map_fixed(FZ_ARENA_ADDR, FZ_THREADS * FZ_ARENA_STRIDE) ||
	    !fz_map_fixed(FZ_STACKS_ADDR, FZ_HELPERS * FZ_STACK_SIZE))
		(void)mt_process_exit(4);
	fz_tables_init();
	fz_pool_add(su->self_process, MT_OBJ_PROCESS, true);
	fz_pool_add(su->self_aspace, MT_OBJ_ASPACE, true);
	fz_pool_add(su->bootfs, MT_OBJ_MEMORY, false);
	for (uint32_t i = 0; i < box->nshared && i < FZ_SHARED; i++)
		fz_pool_add(box->shared[i], box->shared_type[i], false);
	fz_fill_pool(&t.rng);
	if (mt_ipc_buffer_set(buf) >= 0)
		t.ipc_buffer = buf;
	for (uint64_t n = fz_below(&t.rng, 3); n; n--)
		fz_maybe_spawn_child(&t.rng);
	for (uint64_t n = 1 + fz_below(&t.rng, 2); n; n--)
		fz_start_helper(&t.rng);
	for (uint64_t i = 1;; i++) {
		fz_one_call(&t);
		if (!(i & 255) && fz_pool_live() < 16)
			fz_fill_pool(&t.rng);
		if (fz_chance(&t.rng, 1, 4000))
			fz_maybe_spawn_child(&t.rng);
		if (fz_chance(&t.rng, 1, 3000))
			fz_start_helper(&t.rng);
	}
}
