/* Threads (kernel/thread.h). */
#include <arch/percpu.h>
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

static struct kmem_cache *thread_cache;
static uint64_t live_threads;
static struct thread idle_threads[SCHED_CPUS_MAX];

static void thread_destroy(struct object *obj)
{
	struct thread *t = container_of(obj, struct thread, obj);

	assert(t->state == THREAD_DEAD || t->state == THREAD_NEW);
	if (t->state == THREAD_NEW) {   /* never started, last handle gone */
		list_remove(&t->proc_node);
		t->proc->thread_count--;
		/* A running process whose other threads have all ended ends
		 * with its last one, started or not. */
		if (t->proc->state == PROCESS_RUNNING)
			process_thread_exited(t->proc);
	}
	if (t->kstack_top)
		arch_kstack_free(t->kstack_top, THREAD_KSTACK_SIZE);
	if (t->proc)
		object_unref(&t->proc->obj);
	live_threads--;
	kmem_cache_free(thread_cache, t);
}

/* An unstarted thread losing a handle may leave its process garbage. */
static void thread_ref_dropped(struct object *obj)
{
	struct thread *t = container_of(obj, struct thread, obj);

	if (t->state == THREAD_NEW && t->proc)
		process_collect(t->proc);
}

static const struct object_ops thread_ops = {
	.name = "thread",
	.destroy = thread_destroy,
	.ref_dropped = thread_ref_dropped,
};

static void thread_name(struct thread *t, const char *name, size_t len)
{
	len = MIN(len, (size_t)MT_NAME_MAX);
	memcpy(t->name, name, len);
	t->name[len] = 0;
}

static void thread_links_init(struct thread *t)
{
	list_init(&t->run_node);
	list_init(&t->wait_node);
	list_init(&t->timer_node);
	list_init(&t->proc_node);
	list_init(&t->zombie_node);
}

/* The idle thread of this CPU: it runs the idle loop on the CPU's boot
 * stack and is the current thread whenever nothing else is. */
void thread_init_idle_cpu(unsigned cpu)
{
	struct percpu *c = &percpu_area[cpu];
	struct thread *t = &idle_threads[cpu];

	object_init(&t->obj, MT_OBJ_THREAD, &thread_ops);
	thread_links_init(t);
	t->state = THREAD_RUNNING;
	sched_context_set(&t->own_sc, MT_SCHED_IDLE, 0, 0, 0);
	t->sc = &t->own_sc;
	t->flags = THREAD_IDLE;
	t->cpu = cpu;
	t->affinity = 1ull << cpu;
	thread_name(t, "idle", 4);
	c->current = c->idle = t;
}

void thread_init_idle(void)
{
	thread_init_idle_cpu(0);
	thread_cache = kmem_cache_create("thread", sizeof(struct thread), 16);
	if (!thread_cache)
		panic("thread: no memory for the thread cache");
}

mt_status_t thread_create(struct process *proc, const char *name, size_t name_len,
			  struct thread **out)
{
	struct thread *t;

	if (proc->state == PROCESS_DEAD)
		return MT_ERR_BAD_STATE;
	if (proc->thread_count >= MT_THREADS_MAX)
		return MT_ERR_NO_RESOURCES;
	t = kmem_cache_zalloc(thread_cache);
	if (!t)
		return MT_ERR_NO_MEMORY;
	t->kstack_top = arch_kstack_alloc(THREAD_KSTACK_SIZE);
	if (!t->kstack_top) {
		kmem_cache_free(thread_cache, t);
		return MT_ERR_NO_MEMORY;
	}
	object_init(&t->obj, MT_OBJ_THREAD, &thread_ops);
	thread_links_init(t);
	t->state = THREAD_NEW;
	sched_context_set(&t->own_sc, MT_SCHED_NORMAL, MT_PRIORITY_DEFAULT, 0, 0);
	t->sc = &t->own_sc;
	t->affinity = SCHED_AFFINITY_ALL;
	t->cpu = SCHED_CPU_NONE;                /* placed when started */
	t->proc = proc;
	object_ref(&proc->obj);
	thread_name(t, name, name_len);
	list_add_tail(&proc->threads, &t->proc_node);
	proc->thread_count++;
	live_threads++;
	*out = t;
	return MT_OK;
}

mt_status_t thread_start(struct thread *t, uint64_t entry, uint64_t stack,
			 uint64_t arg, uint64_t tls)
{
	if (t->state != THREAD_NEW || (t->flags & THREAD_KILL))
		return MT_ERR_BAD_STATE;
	if (!user_range_ok(entry, 1) || !user_range_ok(stack, 0) ||
	    (tls && !user_range_ok(tls, 0)))
		return MT_ERR_INVALID_ARGS;
	arch_thread_init_user(t, entry, stack, arg, tls);
	t->proc->state = PROCESS_RUNNING;
	if (t->proc->result.state == MT_TASK_NEW)
		t->proc->result.state = MT_TASK_RUNNING;
	t->result.state = MT_TASK_RUNNING;
	object_ref(&t->obj);            /* the scheduler's, until reaped */
	object_signal(&t->obj, 0, MT_SIGNAL_RUNNING);
	sched_wakeup(t);
	return MT_OK;
}

/* Mark t dead and tell its process.  t is not the current thread (or is,
 * from thread_exit_current).  Interrupts disabled. */
static void thread_finish(struct thread *t)
{
	struct process *p = t->proc;

	if (t->result.state == MT_TASK_RUNNING || t->result.state == MT_TASK_NEW)
		t->result.state = (t->flags & THREAD_KILL) ? MT_TASK_KILLED : MT_TASK_EXITED;
	t->state = THREAD_DEAD;
	ipc_thread_exit(t);
	list_remove(&t->proc_node);
	p->thread_count--;
	object_signal(&t->obj, MT_SIGNAL_RUNNING | MT_SIGNAL_SUSPENDED |
		      MT_SIGNAL_FAULTED, MT_SIGNAL_TERMINATED);
	process_thread_exited(p);
}

void thread_exit_current(void)
{
	struct thread *t = thread_current();

	arch_irq_disable();
	thread_finish(t);
	sched_add_zombie(t);            /* drops the scheduler's reference */
	schedule();
	panic("thread: dead thread %s was scheduled", t->name);
}

void thread_reap(struct thread *t)
{
	object_unref(&t->obj);
}

void thread_kill(struct thread *t)
{
	irqstate_t s = arch_irq_save();

	if (t->state == THREAD_DEAD) {
		arch_irq_restore(s);
		return;
	}
	t->flags |= THREAD_KILL;
	if (t->state != THREAD_NEW)
		sched_boost_dying(t);
	switch (t->state) {
	case THREAD_NEW:
		thread_finish(t);       /* never ran: nothing to unwind */
		break;
	case THREAD_BLOCKED:
		wait_unblock(t, WAKE_INTERRUPTED);
		break;
	case THREAD_SUSPENDED:
	case THREAD_FAULTED:
		sched_wakeup(t);        /* it exits in thread_user_return */
		break;
	case THREAD_RUNNABLE:
		sched_wakeup(t);        /* requeue it, parked or not: it exits on
					   its way to user mode */
		break;
	default:
		sched_poke(t);          /* running: exits on its way to user */
		break;
	}
	arch_irq_restore(s);
}

mt_status_t thread_suspend(struct thread *t)
{
	irqstate_t s = arch_irq_save();
	mt_status_t r = MT_OK;

	if (t->state == THREAD_NEW || t->state == THREAD_DEAD || (t->flags & THREAD_KILL))
		r = MT_ERR_BAD_STATE;
	else if (!(t->flags & THREAD_SUSPEND)) {
		t->flags |= THREAD_SUSPEND;
		if (t->state == THREAD_BLOCKED)
			wait_unblock(t, WAKE_INTERRUPTED);
		else if (t->state == THREAD_RUNNABLE)
			sched_wakeup(t);        /* a parked passive thread stops on
						   its own context, like a kill */
		else
			sched_poke(t);
	}
	arch_irq_restore(s);
	return r;
}

mt_status_t thread_resume(struct thread *t)
{
	irqstate_t s = arch_irq_save();
	mt_status_t r = MT_OK;

	if (t->state == THREAD_SUSPENDED || t->state == THREAD_FAULTED) {
		t->flags &= ~THREAD_SUSPEND;
		object_signal(&t->obj, MT_SIGNAL_SUSPENDED | MT_SIGNAL_FAULTED,
			      MT_SIGNAL_RUNNING);
		if (t->state == THREAD_FAULTED)
			t->result.state = MT_TASK_RUNNING;
		sched_wakeup(t);
	} else if (t->flags & THREAD_SUSPEND) {
		t->flags &= ~THREAD_SUSPEND;    /* not stopped yet: cancel */
	} else {
		r = MT_ERR_BAD_STATE;
	}
	arch_irq_restore(s);
	return r;
}

/* Stay off the CPU in `state` until resumed or killed. */
static void thread_stop(enum thread_state state, mt_signals_t signal)
{
	struct thread *t = thread_current();

	t->state = state;
	object_signal(&t->obj, MT_SIGNAL_RUNNING, signal);
	schedule();
}

bool thread_stop_on_fault(void)
{
	irqstate_t s = arch_irq_save();
	struct thread *t = thread_current();

	if (!(t->flags & THREAD_KILL))
		thread_stop(THREAD_FAULTED, MT_SIGNAL_FAULTED);
	arch_irq_restore(s);
	return !(t->flags & THREAD_KILL);
}

void thread_user_return(void)
{
	struct thread *t = thread_current();

	for (;;) {
		if (t->flags & THREAD_KILL)
			thread_exit_current();
		if (t->flags & THREAD_SUSPEND) {
			thread_stop(THREAD_SUSPENDED, MT_SIGNAL_SUSPENDED);
			continue;
		}
		if (sched_need_resched()) {
			schedule();
			continue;
		}
		return;
	}
}

uint64_t thread_live_count(void)
{
	return live_threads;
}

/* ---- System calls ------------------------------------------------------ */

static mt_status_t thread_get(mt_handle_t h, struct thread **out)
{
	struct handle_entry *e;
	mt_status_t r = handle_get(h, MT_OBJ_THREAD, MT_RIGHT_MANAGE, &e);

	if (r == MT_OK)
		*out = container_of(e->obj, struct thread, obj);
	return r;
}

mt_status_t sys_thread_create(mt_handle_t process, uintptr_t name, size_t name_len,
			      uintptr_t out)
{
	struct handle_entry *e;
	char buf[MT_NAME_MAX + 1];
	struct thread *t;
	mt_status_t r = handle_get(process, MT_OBJ_PROCESS, MT_RIGHT_MANAGE, &e);

	if (r == MT_OK)
		r = copy_name_from_user(buf, name, name_len);
	if (r != MT_OK)
		return r;
	if (!user_range_ok(out, sizeof(mt_handle_t)))
		return MT_ERR_BAD_ADDRESS;
	r = thread_create(container_of(e->obj, struct process, obj), buf, name_len, &t);
	if (r != MT_OK)
		return r;
	r = object_charge(&t->obj, sizeof(*t) + THREAD_KSTACK_SIZE);
	if (r == MT_OK)
		r = handle_give_user(&t->obj, MT_RIGHTS_ALL, out);
	object_unref(&t->obj);          /* the handle holds it (or it goes) */
	return r;
}

mt_status_t sys_thread_start(mt_handle_t thread, uint64_t entry, uint64_t stack,
			     uint64_t arg, uint64_t tls)
{
	struct thread *t;
	mt_status_t r = thread_get(thread, &t);

	return r == MT_OK ? thread_start(t, entry, stack, arg, tls) : r;
}

mt_status_t sys_thread_exit(void)
{
	struct thread *t = thread_current();

	t->result.state = MT_TASK_EXITED;
	t->flags |= THREAD_KILL;        /* ends on its way back to user mode */
	return MT_OK;
}

mt_status_t sys_task_suspend(mt_handle_t thread)
{
	struct thread *t;
	mt_status_t r = thread_get(thread, &t);

	return r == MT_OK ? thread_suspend(t) : r;
}

mt_status_t sys_task_resume(mt_handle_t thread)
{
	struct thread *t;
	mt_status_t r = thread_get(thread, &t);

	return r == MT_OK ? thread_resume(t) : r;
}

/* The user registers are only stable while the thread is stopped. */
static mt_status_t thread_state_args(mt_handle_t thread, uint32_t kind, size_t len,
				     struct thread **out)
{
	mt_status_t r = thread_get(thread, out);

	if (r != MT_OK)
		return r;
	if (kind != MT_THREAD_STATE_REGS)
		return MT_ERR_INVALID_ARGS;
	if (len < sizeof(struct mt_thread_regs))
		return MT_ERR_BUFFER_TOO_SMALL;
	if ((*out)->state != THREAD_SUSPENDED && (*out)->state != THREAD_FAULTED)
		return MT_ERR_BAD_STATE;
	return MT_OK;
}

mt_status_t sys_thread_read_state(mt_handle_t thread, uint32_t kind, uintptr_t buf,
				  size_t len)
{
	struct mt_thread_regs regs;
	struct thread *t;
	mt_status_t r = thread_state_args(thread, kind, len, &t);

	if (r != MT_OK)
		return r;
	arch_thread_get_regs(t, &regs);
	return copy_to_user(buf, &regs, sizeof(regs));
}

mt_status_t sys_thread_write_state(mt_handle_t thread, uint32_t kind, uintptr_t buf,
				   size_t len)
{
	struct mt_thread_regs regs;
	struct thread *t;
	mt_status_t r = thread_state_args(thread, kind, len, &t);

	if (r == MT_OK)
		r = copy_from_user(&regs, buf, sizeof(regs));
	return r == MT_OK ? arch_thread_set_regs(t, &regs) : r;
}

/* May the caller put a thread of process p at `level`?  Neither the
 * caller's process nor p may be above its ceiling. */
static bool sched_allowed(const struct process *p, uint32_t level)
{
	return level <= process_current()->sched_ceiling && level <= p->sched_ceiling;
}

/* Set t's own context and requeue t where it now belongs. */
static void thread_sched_apply(struct thread *t, bool passive, uint32_t sched_class,
			       uint32_t priority, mt_time_t budget, mt_time_t period)
{
	irqstate_t s = arch_irq_save();

	t->passive = passive;
	sched_context_set(&t->own_sc, sched_class, priority, budget, period);
	/* A passive thread gives up its own context where IPC says so (its
	 * next reply, or a receive without a deadline); one that stops being
	 * passive gets it back now, and if it was parked (runnable without a
	 * context) it is queued: nothing else would. */
	if (!t->passive && !t->sc)
		t->sc = &t->own_sc;
	sched_context_changed(t);
	/* The context may be lent down a chain of calls: the thread at its
	 * end runs (or is queued) on it too (found by the fuzzer). */
	for (struct thread *u = t; u->ipc.state == IPC_WAIT_REPLY && u->ipc.served_by;
	     u = u->ipc.served_by)
		if (u->ipc.served_by->sc == &t->own_sc)
			sched_context_changed(u->ipc.served_by);
	arch_irq_restore(s);
}

mt_status_t sys_thread_set_priority(mt_handle_t thread, uint32_t priority)
{
	struct thread *t;
	bool passive = priority == MT_PRIORITY_PASSIVE;
	mt_status_t r = thread_get(thread, &t);

	if (r != MT_OK)
		return r;
	if (priority > MT_PRIORITY_MAX && !passive)
		return MT_ERR_INVALID_ARGS;
	if (!passive && !sched_allowed(t->proc, sched_level_of(MT_SCHED_NORMAL, priority)))
		return MT_ERR_ACCESS_DENIED;
	thread_sched_apply(t, passive, MT_SCHED_NORMAL, passive ? MT_PRIORITY_MIN : priority,
			   0, 0);
	return MT_OK;
}

mt_status_t sys_thread_set_sched(mt_handle_t thread, uint32_t sched_class, uint32_t priority,
				 mt_time_t budget, mt_time_t period)
{
	struct thread *t;
	mt_status_t r = thread_get(thread, &t);

	if (r != MT_OK)
		return r;
	if (sched_class > MT_SCHED_IDLE || priority > MT_PRIORITY_MAX)
		return MT_ERR_INVALID_ARGS;
	if (sched_class == MT_SCHED_RT
	    ? period < MT_SCHED_PERIOD_MIN || period > MT_SCHED_PERIOD_MAX ||
	      budget <= 0 || budget > period
	    : budget || period)
		return MT_ERR_INVALID_ARGS;
	if (!sched_allowed(t->proc, sched_level_of(sched_class, priority)))
		return MT_ERR_ACCESS_DENIED;
	thread_sched_apply(t, false, sched_class, priority, budget, period);
	return MT_OK;
}

mt_status_t sys_thread_sched(mt_handle_t thread, uintptr_t info)
{
	struct handle_entry *e;
	struct mt_thread_sched out;
	struct thread *t;
	irqstate_t s;
	mt_status_t r = handle_get(thread, MT_OBJ_THREAD, MT_RIGHT_INFO, &e);

	if (r != MT_OK)
		return r;
	t = container_of(e->obj, struct thread, obj);
	s = arch_irq_save();
	out = (struct mt_thread_sched){
		.sched_class = t->own_sc.sched_class,
		.priority = t->passive ? MT_PRIORITY_PASSIVE : t->own_sc.priority,
		.budget = t->own_sc.budget,
		.period = t->own_sc.period,
		.runtime = t->own_sc.runtime,
		.throttled = t->own_sc.throttle_count,
		.cpu = t->cpu,
		.policy = sched_policy_id(),
	};
	arch_irq_restore(s);
	return copy_to_user(info, &out, sizeof(out));
}

mt_status_t sys_thread_set_affinity(mt_handle_t thread, uint64_t cpus)
{
	struct thread *t;
	irqstate_t s;
	mt_status_t r = thread_get(thread, &t);

	if (r != MT_OK)
		return r;
	s = arch_irq_save();
	r = sched_set_affinity(t, cpus);
	arch_irq_restore(s);
	return r;
}
