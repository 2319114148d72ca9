/*
 * Starting the first process.  The kernel loads `init=NAME` (default
 * bin/init) from the boot archive itself — the only ELF it ever loads; all
 * later programs are loaded by user space — and gives it exactly: handles
 * to its own process and address space, a read-only memory object holding
 * the boot archive, the debug log, the root hardware resources (every I/O
 * port, every interrupt line: docs/drivers.md), and its startup block
 * (struct mt_startup) at the top of its stack, with the command line's
 * init.* words below it as its arguments (startup.args).  Nothing else.
 */
#include <elf/elf64.h>
#include <kernel/boot.h>
#include <kernel/cmdline.h>
#include <kernel/debuglog.h>
#include <kernel/log.h>
#include <kernel/pmm.h>
#include <kernel/process.h>
#include <kernel/resource.h>
#include <kernel/vm.h>
#include <mantra/bootinfo.h>
#include <string/string.h>

#define INIT_STACK_SIZE (64 * 1024)
#define INIT_STACK_TOP  0x00007fff00000000ULL

static mt_status_t map_new_memory(struct aspace *as, vaddr_t va, uint64_t size,
				  uint32_t prot, struct memobj **out)
{
	struct memobj *mo;
	vaddr_t at;
	mt_status_t r = memobj_create(size, &mo);

	if (r != MT_OK)
		return r;
	r = aspace_map(as, va, mo, 0, mo->size, prot | MT_MAP_FIXED, prot, NULL, &at);
	if (r == MT_OK)
		*out = mo;
	object_unref(&mo->obj);         /* the mapping keeps it */
	return r;
}

static uint32_t segment_prot(uint32_t flags)
{
	return (flags & ELF64_PF_R ? MT_PROT_READ : 0) |
	       (flags & ELF64_PF_W ? MT_PROT_WRITE : 0) |
	       (flags & ELF64_PF_X ? MT_PROT_EXEC : 0);
}

/* Map every PT_LOAD of the validated image into p. */
static mt_status_t load_segments(struct process *p, const void *image,
				 const struct elf64_info *info)
{
	for (size_t i = 0; i < info->load_count; i++) {
		struct elf64_segment seg;
		struct memobj *mo;
		vaddr_t base;
		mt_status_t r = elf64_segment(info, image, i, &seg) ? MT_ERR_INVALID_ARGS : MT_OK;

		if (r != MT_OK)
			return r;
		base = ALIGN_DOWN(seg.vaddr, PAGE_SIZE);
		r = map_new_memory(p->aspace, base,
				   ALIGN_UP(seg.vaddr + seg.memsz, PAGE_SIZE) - base,
				   segment_prot(seg.flags), &mo);
		if (r == MT_OK)
			r = memobj_write_kernel(mo, seg.vaddr - base, seg.data, seg.filesz);
		if (r != MT_OK)
			return r;
	}
	return MT_OK;
}

/* Give init the root resource of `kind` in *out (left 0 if the machine
 * has nothing of that kind). */
static mt_status_t give_root_resource(struct process *p, uint32_t kind,
				      mt_handle_t *out)
{
	const mt_rights_t rights = MT_RIGHT_READ | MT_RIGHT_WRITE | MT_RIGHT_INFO |
				   MT_RIGHT_DUPLICATE | MT_RIGHT_TRANSFER;
	struct object *root = resource_root(kind);
	mt_status_t r;

	if (!root)
		return kind == MT_RESOURCE_IRQ && !arch_irq_line_count() ? MT_OK
									 : MT_ERR_NO_MEMORY;
	r = handle_install(&p->handles, root, rights, out);
	object_unref(root);             /* the handle holds it */
	return r;
}

/* Install the startup handles in p's table. */
static mt_status_t give_handles(struct process *p, struct mt_startup *su)
{
	const mt_rights_t pass = MT_RIGHT_DUPLICATE | MT_RIGHT_TRANSFER | MT_RIGHT_INFO;
	struct memobj *archive;
	mt_status_t r;

	r = handle_install(&p->handles, &p->obj, MT_RIGHTS_ALL, &su->self_process);
	if (r == MT_OK)
		r = handle_install(&p->handles, &p->aspace->obj,
				   MT_RIGHTS_ALL & ~MT_RIGHT_EXECUTE, &su->self_aspace);
	if (r == MT_OK)
		r = handle_install(&p->handles, debuglog_get(),
				   MT_RIGHT_READ | MT_RIGHT_WRITE | pass, &su->debuglog);
	if (r == MT_OK)
		r = give_root_resource(p, MT_RESOURCE_IOPORT, &su->ioports);
	if (r == MT_OK)
		r = give_root_resource(p, MT_RESOURCE_IRQ, &su->irqs);
	if (r != MT_OK || !boot_archive_ok)
		return r;
	r = memobj_create_physical(boot_info.bootfs, boot_info.bootfs_size, &archive);
	if (r != MT_OK)
		return r;
	r = handle_install(&p->handles, &archive->obj,
			   MT_RIGHT_READ | MT_RIGHT_MAP | MT_RIGHT_WAIT | pass,
			   &su->bootfs);
	su->bootfs_size = boot_info.bootfs_size;
	object_unref(&archive->obj);
	return r;
}

/* Write init's startup block and, below it, its arguments (the init.*
 * words of the command line) at the top of its stack; *sp is where its
 * stack starts, below both. */
static mt_status_t write_startup(struct memobj *stack, struct mt_startup *su,
				 vaddr_t *su_addr, vaddr_t *sp)
{
	const vaddr_t base = INIT_STACK_TOP - INIT_STACK_SIZE;
	char args[MANTRA_CMDLINE_MAX];
	size_t len = cmdline_words_with_prefix("init.", args, sizeof(args));
	vaddr_t args_addr;
	mt_status_t r;

	*su_addr = INIT_STACK_TOP - ALIGN_UP(sizeof(*su), 16);
	args_addr = *su_addr - ALIGN_UP(len + 1, 16);
	su->args = len ? args_addr : 0;
	r = memobj_write_kernel(stack, *su_addr - base, su, sizeof(*su));
	if (r == MT_OK)
		r = memobj_write_kernel(stack, args_addr - base, args, len + 1);
	*sp = args_addr;
	return r;
}

static mt_status_t start_init(const char *name, const struct bootfs_file *f)
{
	const struct elf64_policy policy = {
		.machine = ELF64_EM_X86_64, .allowed_types = ELF64_ALLOW_EXEC,
		.use_window = true, .vaddr_min = MT_USER_BASE, .vaddr_max = MT_USER_TOP,
	};
	struct mt_startup su = { .magic = MT_STARTUP_MAGIC };
	vaddr_t su_addr = 0, sp = 0;
	struct elf64_info info;
	struct pmm_stats ps;
	struct process *p;
	struct thread *t;
	struct memobj *stack;
	struct quota *root;
	const char *why;
	mt_status_t r;

	if (elf64_check(f->data, f->size, &policy, &info, &why) != 0) {
		klog(LOG_ERROR, "init: %s is not a valid program: %s\n", name, why);
		return MT_ERR_INVALID_ARGS;
	}
	/* init's quota is the memory there is. */
	pmm_get_stats(&ps);
	root = quota_root(ps.free_frames * PAGE_SIZE);
	if (!root)
		return MT_ERR_NO_MEMORY;
	r = process_create("init", 4, root, true, &p);
	quota_put(root);                /* init's now */
	if (r != MT_OK)
		return r;
	p->is_init = true;
	su.memory_allowance = ps.free_frames * PAGE_SIZE;
	strlcpy(su.name, "init", sizeof(su.name));
	r = load_segments(p, f->data, &info);
	if (r == MT_OK)
		r = map_new_memory(p->aspace, INIT_STACK_TOP - INIT_STACK_SIZE,
				   INIT_STACK_SIZE, MT_PROT_READ | MT_PROT_WRITE, &stack);
	if (r == MT_OK)
		r = give_handles(p, &su);
	if (r == MT_OK)
		r = write_startup(stack, &su, &su_addr, &sp);
	if (r == MT_OK)
		r = thread_create(p, "main", 4, &t);
	if (r == MT_OK) {
		r = thread_start(t, info.entry, sp, su_addr, 0);
		object_unref(&t->obj);  /* the scheduler holds it while it runs */
	}
	if (r != MT_OK)
		process_kill(p, MT_TASK_KILLED, r);
	object_unref(&p->obj);          /* its own handle keeps it */
	return r;
}

void userboot_start(void)
{
	char name[64] = "bin/init";
	struct bootfs_file f;
	mt_status_t r;

	cmdline_get("init", name, sizeof(name));
	if (!boot_archive_ok) {
		klog(LOG_WARN, "init: no boot archive, no first process\n");
		return;
	}
	if (bootfs_find(&boot_archive, name, &f) != 0) {
		klog(LOG_ERROR, "init: %s is not in the boot archive\n", name);
		return;
	}
	r = start_init(name, &f);
	if (r != MT_OK)
		klog(LOG_ERROR, "init: cannot start %s (error %ld)\n", name, (long)r);
	else
		klog(LOG_INFO, "init: started %s\n", name);
}
