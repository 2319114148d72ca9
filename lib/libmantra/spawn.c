/*
 * The program loader: builds a new process from an ELF executable held in
 * our memory (usually a file of the boot archive).
 *
 * Everything is done through handles to the new process and its address
 * space; nothing of the child is ever mapped into the caller.  Segment
 * contents and the start-up block reach the child through mt_memory_write
 * on memory objects that are then mapped into its address space.
 */
#include <libmantra/mantra.h>

#include <elf/elf64.h>
#include <string/string.h>

static uint32_t spawn_prot(uint32_t pf)
{
	return ((pf & ELF64_PF_R) ? MT_PROT_READ : 0) |
	       ((pf & ELF64_PF_W) ? MT_PROT_WRITE : 0) |
	       ((pf & ELF64_PF_X) ? MT_PROT_EXEC : 0);
}

/* Map one PT_LOAD segment into `aspace`: a fresh memory object covering
 * the segment's pages, the file bytes written at the segment's offset in
 * its first page (the rest stays zero: bss), mapped MT_MAP_FIXED. */
static mt_status_t spawn_load_segment(mt_handle_t aspace,
				      const struct elf64_segment *seg)
{
	uint64_t lo = mt_page_round_down(seg->vaddr);
	uint64_t hi = mt_page_round_up(seg->vaddr + seg->memsz);
	mt_handle_t mem;
	mt_status_t st;

	st = mt_memory_create(hi - lo, 0, &mem);
	if (st < 0)
		return st;
	if (seg->filesz)
		st = mt_memory_write(mem, seg->vaddr - lo, seg->data, seg->filesz);
	if (st >= 0)
		st = mt_vm_map(aspace, lo, mem, 0, hi - lo,
			       spawn_prot(seg->flags) | MT_MAP_FIXED);
	mt_handle_drop(mem);
	return st < 0 ? st : MT_OK;
}

/* Check the image and load every PT_LOAD.  Segments must not share a
 * page: each gets its own memory object and protection. */
static mt_status_t spawn_load_image(mt_handle_t aspace,
				    const struct mt_spawn_args *args,
				    uint64_t *entry)
{
	const struct elf64_policy policy = {
		.machine = ELF64_EM_X86_64,
		.allowed_types = ELF64_ALLOW_EXEC,
		.use_window = true,
		.vaddr_min = MT_USER_BASE,
		.vaddr_max = MT_USER_TOP,
	};
	struct elf64_info info;
	struct elf64_segment seg;
	uint64_t prev_end = 0;
	mt_status_t st;

	if (elf64_check(args->image, args->image_size, &policy, &info, NULL))
		return MT_ERR_INVALID_ARGS;
	for (size_t i = 0; i < info.load_count; i++) {
		if (elf64_segment(&info, args->image, i, &seg))
			return MT_ERR_INVALID_ARGS;
		if (mt_page_round_down(seg.vaddr) < prev_end)
			return MT_ERR_INVALID_ARGS;
		prev_end = mt_page_round_up(seg.vaddr + seg.memsz);
		st = spawn_load_segment(aspace, &seg);
		if (st < 0)
			return st;
	}
	*entry = info.entry;
	return MT_OK;
}

/* Give the child a duplicate of our handle h (0 stays 0). */
static mt_status_t spawn_give(mt_handle_t process, mt_handle_t h,
			      mt_handle_t *child_h)
{
	mt_handle_t dup;
	mt_status_t st;

	*child_h = MT_HANDLE_INVALID;
	if (h == MT_HANDLE_INVALID)
		return MT_OK;
	st = mt_handle_duplicate(h, MT_RIGHT_SAME, &dup);
	if (st < 0)
		return st;
	st = mt_process_give_handle(process, dup, child_h);
	if (st < 0)
		mt_handle_drop(dup);
	return st < 0 ? st : MT_OK;
}

/* Fill in the child's start-up block with its handles. */
static mt_status_t spawn_startup(const struct mt_spawn_args *args,
				 const struct mt_spawn_result *res,
				 struct mt_startup *su)
{
	mt_status_t st;

	memset(su, 0, sizeof(*su));
	su->magic = MT_STARTUP_MAGIC;
	su->arg = args->arg;
	su->bootfs_size = args->bootfs ? args->bootfs_size : 0;
	strlcpy(su->name, args->name, sizeof(su->name));
	st = spawn_give(res->process, res->process, &su->self_process);
	if (st >= 0)
		st = spawn_give(res->process, res->aspace, &su->self_aspace);
	if (st >= 0)
		st = spawn_give(res->process, args->bootfs, &su->bootfs);
	if (st >= 0)
		st = spawn_give(res->process, args->debuglog, &su->debuglog);
	if (st >= 0)
		st = spawn_give(res->process, args->ns, &su->ns);
	if (st >= 0)
		st = spawn_give(res->process, args->ioports, &su->ioports);
	if (st >= 0)
		st = spawn_give(res->process, args->irqs, &su->irqs);
	if (st >= 0)
		st = spawn_give(res->process, args->endpoint, &su->endpoint);
	return st;
}

/* Map the stack (the kernel leaves a guard page below it) and write the
 * start-up block at its top, the argument string (if any) below it; sets
 * res->stack_ptr (below both) and res->startup_addr. */
static mt_status_t spawn_stack(const struct mt_spawn_args *args,
			       struct mt_spawn_result *res)
{
	uint64_t size = mt_page_round_up(args->stack_size ? args->stack_size :
					 MT_SPAWN_STACK_DEFAULT);
	size_t args_len = args->args ? strlen(args->args) : 0;
	struct mt_startup su;
	mt_handle_t mem;
	mt_status_t st, base;
	uint64_t at, args_at;

	if (args_len >= MT_SPAWN_ARGS_MAX)
		return MT_ERR_INVALID_ARGS;
	st = spawn_startup(args, res, &su);
	if (st < 0)
		return st;
	st = mt_memory_create(size, 0, &mem);
	if (st < 0)
		return st;
	base = mt_vm_map(res->aspace, 0, mem, 0, size,
			 MT_PROT_READ | MT_PROT_WRITE);
	st = base;
	if (base >= 0) {
		at = ((uint64_t)base + size - sizeof(su)) & ~(uint64_t)15;
		args_at = (at - args_len - 1) & ~(uint64_t)15;
		su.args = args_len ? args_at : 0;
		st = mt_memory_write(mem, at - (uint64_t)base, &su, sizeof(su));
		if (st >= 0 && args_len)
			st = mt_memory_write(mem, args_at - (uint64_t)base, args->args,
					     args_len + 1);
		res->startup_addr = at;
		res->stack_ptr = args_len ? args_at : at;
	}
	mt_handle_drop(mem);
	return st < 0 ? st : MT_OK;
}

mt_status_t mt_spawn(const struct mt_spawn_args *args,
		     struct mt_spawn_result *out)
{
	struct mt_spawn_result res = { 0 };
	mt_status_t st;

	if (!args->name || strlen(args->name) > MT_NAME_MAX)
		return MT_ERR_INVALID_ARGS;
	st = mt_process_create(args->name, strlen(args->name), &res.process,
			       &res.aspace);
	if (st < 0)
		return st;
	st = spawn_load_image(res.aspace, args, &res.entry);
	if (st >= 0)
		st = spawn_stack(args, &res);
	if (st >= 0 && args->fault_policy != MT_FAULT_POLICY_KILL)
		st = mt_process_set_fault_policy(res.process, args->fault_policy);
	if (st >= 0)
		st = mt_thread_create(res.process, "main", 4, &res.thread);
	if (st >= 0 && !args->suspended)
		st = mt_spawn_start(&res);
	if (st < 0) {
		/* Kill first: the child's table holds a handle to itself. */
		(void)mt_task_kill(res.process);
		mt_spawn_release(&res);
		return st;
	}
	*out = res;
	return MT_OK;
}

mt_status_t mt_spawn_start(const struct mt_spawn_result *res)
{
	return mt_thread_start(res->thread, res->entry, res->stack_ptr,
			       res->startup_addr, 0);
}

void mt_spawn_release(struct mt_spawn_result *res)
{
	mt_handle_drop(res->thread);
	mt_handle_drop(res->aspace);
	mt_handle_drop(res->process);
	res->thread = res->aspace = res->process = MT_HANDLE_INVALID;
}

mt_status_t mt_spawn_file(const char *path, const char *name, uint64_t arg,
			  struct mt_spawn_result *out)
{
	const struct mt_startup *self = mt_startup();
	struct bootfs_file file;
	struct mt_spawn_args args = { 0 };
	mt_status_t st;

	st = mt_bootfs_file(path, &file);
	if (st < 0)
		return st;
	args.name = name;
	args.image = file.data;
	args.image_size = file.size;
	args.arg = arg;
	args.bootfs = self->bootfs;
	args.bootfs_size = self->bootfs_size;
	args.debuglog = self->debuglog;
	return mt_spawn(&args, out);
}
