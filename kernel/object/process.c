/* Processes (kernel/process.h). */
#include <kernel/arch.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <kernel/process.h>
#include <kernel/sched.h>
#include <kernel/slab.h>
#include <kernel/syscall.h>
#include <kernel/usercopy.h>
#include <kernel/vm.h>
#include <string/string.h>

/* QEMU exit statuses when init ends in a test boot: (v << 1) | 1. */
#define EXIT_INIT_OK     0x10
#define EXIT_INIT_FAILED 0x11

static uint64_t live_processes;

static void process_destroy(struct object *obj)
{
	struct process *p = container_of(obj, struct process, obj);

	p->state = PROCESS_DEAD;        /* process_collect leaves it alone */
	handle_table_destroy(&p->handles);
	if (p->aspace)
		object_unref(&p->aspace->obj);
	live_processes--;
	if (p->quota)
		quota_put(p->quota);
	kfree(p);
}

/* What a process costs besides its objects: itself and its table. */
#define PROCESS_CHARGE (sizeof(struct process) + \
			MT_HANDLES_MAX * sizeof(struct handle_entry))

static void process_ref_dropped(struct object *obj)
{
	process_collect(container_of(obj, struct process, obj));
}

static const struct object_ops process_ops = {
	.name = "process",
	.destroy = process_destroy,
	.ref_dropped = process_ref_dropped,
};

mt_status_t process_create(const char *name, size_t name_len,
			   struct quota *parent, bool root, struct process **out)
{
	struct process *p = kzalloc(sizeof(*p));
	mt_status_t r;

	if (!p)
		return MT_ERR_NO_MEMORY;
	if (root) {
		quota_ref(parent);
		p->quota = parent;
	} else {
		p->quota = quota_child(parent);
	}
	r = p->quota ? quota_charge(p->quota, PROCESS_CHARGE) : MT_ERR_NO_MEMORY;
	if (r == MT_OK) {
		p->handles.quota = p->quota;
		r = handle_table_init(&p->handles);
		if (r == MT_OK)
			r = aspace_create(p->quota, &p->aspace);
		if (r != MT_OK) {
			handle_table_destroy(&p->handles);
			quota_uncharge(p->quota, PROCESS_CHARGE);
		}
	}
	if (r != MT_OK) {
		if (p->quota)
			quota_put(p->quota);
		kfree(p);
		return r;
	}
	object_init(&p->obj, MT_OBJ_PROCESS, &process_ops);
	quota_ref(p->quota);            /* the charge above */
	p->sched_ceiling = root || !thread_current()->proc ? SCHED_LEVELS - 1
				: thread_current()->proc->sched_ceiling;
	p->obj.quota = p->quota;
	p->obj.charge = PROCESS_CHARGE;
	list_init(&p->threads);
	p->state = PROCESS_NEW;
	p->result.state = MT_TASK_NEW;
	name_len = MIN(name_len, (size_t)MT_NAME_MAX);
	memcpy(p->name, name, name_len);
	p->name[name_len] = 0;
	live_processes++;
	*out = p;
	return MT_OK;
}

void process_set_result(struct process *p, uint32_t state, int64_t code,
			const struct mt_task_result *fault)
{
	if (p->result.state >= MT_TASK_EXITED)
		return;                 /* the first ending wins */
	if (fault)
		p->result = *fault;
	p->result.state = state;
	p->result.exit_code = code;
}

/* The last thread is gone: release everything the process holds. */
static void process_end(struct process *p)
{
	if (p->result.state < MT_TASK_EXITED)
		process_set_result(p, MT_TASK_EXITED, 0, NULL);
	p->state = PROCESS_DEAD;
	handle_table_destroy(&p->handles);
	aspace_teardown(p->aspace);
	object_signal(&p->obj, 0, MT_SIGNAL_TERMINATED);
	if (p->is_init) {
		klog(p->result.state == MT_TASK_EXITED && p->result.exit_code == 0 ?
		     LOG_INFO : LOG_ERROR,
		     "init: %s ended: state %u, exit code %ld, fault %u at %#lx\n",
		     p->name, p->result.state, (long)p->result.exit_code,
		     p->result.fault, p->result.fault_addr);
		arch_machine_exit(p->result.state == MT_TASK_EXITED &&
				  p->result.exit_code == 0 ? EXIT_INIT_OK
							   : EXIT_INIT_FAILED);
		klog(LOG_INFO, "MantraCore: init has ended; nothing left to run\n");
	}
}

void process_thread_exited(struct process *p)
{
	if (p->thread_count == 0 && p->state != PROCESS_DEAD)
		process_end(p);
	else
		process_collect(p);
}

void process_collect(struct process *p)
{
	struct list_node *n;

	if (p->state == PROCESS_DEAD || !p->obj.refcount)
		return;
	/* The cheap test first: a thread that ever started can still reach
	 * p (this runs on every reference p loses: a queued message's, a
	 * call's), so only then scan the table. */
	for (n = p->threads.next; n != &p->threads; n = n->next)
		if (container_of(n, struct thread, proc_node)->state != THREAD_NEW)
			return;
	if (p->obj.refcount != handle_table_refs(&p->handles, &p->obj) + p->thread_count)
		return;                 /* every thread on the list holds p */
	for (n = p->threads.next; n != &p->threads; n = n->next) {
		struct thread *t = container_of(n, struct thread, proc_node);
		if (t->state != THREAD_NEW ||
		    t->obj.refcount != handle_table_refs(&p->handles, &t->obj))
			return;
	}
	object_ref(&p->obj);            /* killing it drops those handles */
	process_kill(p, MT_TASK_KILLED, 0);
	object_unref(&p->obj);
}

void process_kill(struct process *p, uint32_t how, int64_t code)
{
	irqstate_t s = arch_irq_save();
	struct list_node *n, *tmp;

	process_set_result(p, how, code, NULL);
	if (p->state == PROCESS_NEW && p->thread_count == 0) {
		process_end(p);
	} else {
		list_for_each_safe(n, tmp, &p->threads)
			thread_kill(container_of(n, struct thread, proc_node));
	}
	arch_irq_restore(s);
}


uint64_t process_live_count(void)
{
	return live_processes;
}

/* ---- System calls ------------------------------------------------------ */

/* Copy a name argument: at most MT_NAME_MAX bytes. */
mt_status_t copy_name_from_user(char *dst, uintptr_t name, size_t len)
{
	if (len > MT_NAME_MAX)
		return MT_ERR_INVALID_ARGS;
	dst[len] = 0;
	return copy_from_user(dst, name, len);
}

mt_status_t sys_process_create(uintptr_t name, size_t name_len, uintptr_t process,
			       uintptr_t aspace)
{
	struct handle_table *t = &process_current()->handles;
	char buf[MT_NAME_MAX + 1];
	struct process *p;
	mt_handle_t hp, ha;
	mt_status_t r = copy_name_from_user(buf, name, name_len);

	if (r != MT_OK)
		return r;
	if (!user_range_ok(process, sizeof(hp)) || !user_range_ok(aspace, sizeof(ha)))
		return MT_ERR_BAD_ADDRESS;
	r = process_create(buf, name_len, process_current()->quota, false, &p);
	if (r != MT_OK)
		return r;
	r = handle_install(t, &p->obj, MT_RIGHTS_ALL, &hp);
	if (r == MT_OK) {
		r = handle_install(t, &p->aspace->obj, MT_RIGHTS_ALL & ~MT_RIGHT_EXECUTE, &ha);
		if (r != MT_OK)
			handle_remove(t, hp);
	}
	if (r == MT_OK && ((r = copy_to_user(process, &hp, sizeof(hp))) != MT_OK ||
			   (r = copy_to_user(aspace, &ha, sizeof(ha))) != MT_OK)) {
		handle_remove(t, hp);
		handle_remove(t, ha);
	}
	object_unref(&p->obj);          /* the handles hold it now */
	return r;
}

mt_status_t sys_process_exit(int64_t code)
{
	struct process *p = process_current();

	process_set_result(p, MT_TASK_EXITED, code, NULL);
	process_kill(p, MT_TASK_EXITED, code);
	return MT_OK;                   /* the thread ends on its way out */
}

static mt_status_t process_get(mt_handle_t h, mt_rights_t rights, struct process **out)
{
	struct handle_entry *e;
	mt_status_t r = handle_get(h, MT_OBJ_PROCESS, rights, &e);

	if (r == MT_OK)
		*out = container_of(e->obj, struct process, obj);
	return r;
}

mt_status_t sys_process_set_fault_policy(mt_handle_t process, uint32_t policy)
{
	struct process *p;
	mt_status_t r = process_get(process, MT_RIGHT_MANAGE, &p);

	if (r != MT_OK)
		return r;
	if (policy != MT_FAULT_POLICY_KILL && policy != MT_FAULT_POLICY_STOP)
		return MT_ERR_INVALID_ARGS;
	p->fault_policy = policy;
	return MT_OK;
}

mt_status_t sys_process_give_handle(mt_handle_t process, mt_handle_t handle,
				    uintptr_t out)
{
	struct handle_table *mine = &process_current()->handles;
	struct handle_entry *e;
	struct process *p;
	mt_status_t r = process_get(process, MT_RIGHT_MANAGE, &p);

	mt_handle_t h = MT_HANDLE_INVALID;

	if (r == MT_OK)
		r = handle_lookup(mine, handle, 0, MT_RIGHT_TRANSFER, &e);
	if (r != MT_OK)
		return r;
	if (!p->handles.slots || handle_table_count(&p->handles) >= MT_HANDLES_MAX - 1)
		return MT_ERR_NO_RESOURCES;
	/* Probe the result word, then move the capability (rights, badge and
	 * place in the derivation tree travel with it): nothing can fail. */
	if ((r = copy_to_user(out, &h, sizeof(h))) != MT_OK)
		return r;
	r = handle_move(mine, handle, &p->handles, &h);
	if (r != MT_OK)
		return r;                       /* p's quota: nothing moved */
	/* Only fails if another thread unmapped `out` meanwhile: the handle
	 * then sits in p unnamed, as if the caller had lost the value. */
	return copy_to_user(out, &h, sizeof(h));
}

mt_status_t sys_task_kill(mt_handle_t task)
{
	struct handle_entry *e;
	mt_status_t r = handle_get(task, 0, MT_RIGHT_MANAGE, &e);

	if (r != MT_OK)
		return r;
	if (e->obj->type == MT_OBJ_PROCESS)
		process_kill(container_of(e->obj, struct process, obj), MT_TASK_KILLED, 0);
	else if (e->obj->type == MT_OBJ_THREAD)
		thread_kill(container_of(e->obj, struct thread, obj));
	else
		return MT_ERR_WRONG_TYPE;
	return MT_OK;
}

mt_status_t sys_task_result(mt_handle_t task, uintptr_t result)
{
	struct handle_entry *e;
	struct mt_task_result res;
	mt_status_t r = handle_get(task, 0, MT_RIGHT_INFO, &e);

	if (r != MT_OK)
		return r;
	if (e->obj->type == MT_OBJ_PROCESS)
		res = container_of(e->obj, struct process, obj)->result;
	else if (e->obj->type == MT_OBJ_THREAD)
		res = container_of(e->obj, struct thread, obj)->result;
	else
		return MT_ERR_WRONG_TYPE;
	return copy_to_user(result, &res, sizeof(res));
}

mt_status_t sys_process_set_quota(mt_handle_t process, uint64_t limit)
{
	struct process *p;
	mt_status_t r = process_get(process, MT_RIGHT_MANAGE, &p);

	if (r != MT_OK)
		return r;
	if (p->quota->parent != process_current()->quota)
		return MT_ERR_BAD_STATE;        /* not the caller's child */
	return quota_set_limit(p->quota, limit);
}

mt_status_t sys_process_quota(mt_handle_t process, uintptr_t info)
{
	struct process *p;
	struct mt_quota_info qi;
	struct quota *b;
	mt_status_t r = process_get(process, MT_RIGHT_INFO, &p);

	if (r != MT_OK)
		return r;
	b = quota_bound(p->quota);
	qi = (struct mt_quota_info){
		.used = p->quota->used,
		.limit = p->quota->carved || !p->quota->parent ? p->quota->limit : 0,
		.available = b->limit - b->used,
		.carved = p->quota->carved,
	};
	return copy_to_user(info, &qi, sizeof(qi));
}

mt_status_t sys_process_set_sched_ceiling(mt_handle_t process, uint32_t sched_class,
					  uint32_t priority)
{
	struct handle_entry *e;
	struct process *p;
	uint32_t level;
	mt_status_t r = handle_get(process, MT_OBJ_PROCESS, MT_RIGHT_MANAGE, &e);

	if (r != MT_OK)
		return r;
	if (sched_class > MT_SCHED_IDLE || priority > MT_PRIORITY_MAX)
		return MT_ERR_INVALID_ARGS;
	level = sched_level_of(sched_class, priority);
	if (level > process_current()->sched_ceiling)
		return MT_ERR_ACCESS_DENIED;
	p = container_of(e->obj, struct process, obj);
	p->sched_ceiling = (uint8_t)level;
	return MT_OK;
}
