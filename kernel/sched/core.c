/*
 * Scheduler mechanism (kernel/sched.h): the current thread, switching,
 * deadlines and the idle loop.  Policy decisions go through `policy`.
 * Runs with interrupts disabled (the scheduler lock on one CPU).
 */
#include <arch/percpu.h>
#include <kernel/arch.h>
#include <kernel/invariants.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>
#include <string/string.h>

static const struct sched_policy *policy = &sched_rr;
static struct list_node timers = LIST_INIT(timers);   /* by deadline */
static struct list_node zombies = LIST_INIT(zombies);

static const struct sched_policy *const policies[] = { &sched_rr };

void sched_init(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(policies); i++)
		if (strcmp(name, policies[i]->name) == 0)
			policy = policies[i];
	if (name && strcmp(name, policy->name) != 0)
		klog(LOG_WARN, "sched: unknown policy '%s', using %s\n", name,
		     policy->name);
	klog(LOG_INFO, "sched: policy %s\n", policy->name);
	arch_set_tick_hook(sched_tick);
}

mt_time_t time_now(void)
{
	return arch_now_ns();
}


/* A passive thread with no donated context has no time to run on: it is
 * runnable but parked off the queues until a caller donates one (or it is
 * killed or suspended: dying and stopping run on its own context). */
static bool has_context(struct thread *t)
{
	if (t->sc || !t->passive)
		return true;
	if (t->flags & (THREAD_KILL | THREAD_SUSPEND)) {
		t->sc = &t->own_sc;
		return true;
	}
	return false;
}

void sched_wakeup(struct thread *t)
{
	irqstate_t s = arch_irq_save();

	t->state = THREAD_RUNNABLE;
	if (has_context(t)) {
		struct thread *cur = percpu()->current;
		policy->enqueue(t);
		/* Preempt only for a higher priority: an equal one waits for
		 * the waker to block or use up its slice (wakers batch). */
		if ((cur->flags & THREAD_IDLE) ||
		    sched_context_of(t)->priority > sched_context_of(cur)->priority)
			percpu()->need_resched = true;
	}
	arch_irq_restore(s);
}

void sched_context_lost(struct thread *t)
{
	if (t == thread_current())
		percpu()->need_resched = true;
	else if (t->state == THREAD_RUNNABLE && !has_context(t))
		policy->dequeue(t);
}


void sched_boost_dying(struct thread *t)
{
	bool queued = list_linked(&t->run_node);

	if (queued)
		policy->dequeue(t);
	t->own_sc.priority = MT_PRIORITY_MAX;
	t->sc = &t->own_sc;
	if (queued)
		policy->enqueue(t);
}

/* Threads that died are freed here, by whoever runs next (a thread cannot
 * free the stack it is running on). */
static void reap_zombies(void)
{
	struct list_node *n;

	while ((n = list_pop_front(&zombies)))
		thread_reap(container_of(n, struct thread, zombie_node));
}

void sched_add_zombie(struct thread *t)
{
	list_add_tail(&zombies, &t->zombie_node);
}

void schedule(void)
{
	struct percpu *cpu = percpu();
	struct thread *prev = cpu->current, *next;

	cpu->need_resched = false;
	/* A running thread competes too: back of its level (round robin),
	 * unless it has no context left (a passive thread: parked). */
	if (prev->state == THREAD_RUNNING && !(prev->flags & THREAD_IDLE)) {
		prev->state = THREAD_RUNNABLE;
		if (has_context(prev))
			policy->enqueue(prev);
	}
	next = policy->pick_next();
	if (!next)
		next = cpu->idle;
	assert(next->sc);               /* ipc_fast.S donates it as it is */
	next->state = THREAD_RUNNING;
	if (next == prev)
		return;
	cpu->current = next;
	arch_context_switch(prev, next);
	/* Back on prev, later. */
	reap_zombies();
}

/* A new thread's first instructions in the kernel (isr.S trampoline). */
void thread_first_run(void)
{
	reap_zombies();
}

void sched_yield(void)
{
	irqstate_t s = arch_irq_save();
	struct thread *cur = thread_current();

	policy->yield(cur);
	schedule();
	arch_irq_restore(s);
}

void timer_arm(struct thread *t, mt_time_t deadline)
{
	struct list_node *n;

	t->deadline = deadline;
	for (n = timers.next; n != &timers; n = n->next)
		if (container_of(n, struct thread, timer_node)->deadline > deadline)
			break;
	list_insert_before(n, &t->timer_node);
}


/* Timer interrupt: wake threads whose deadline passed; let the policy
 * decide whether the current thread has used up its slice. */
void sched_tick(void)
{
	mt_time_t now = time_now();
	struct thread *cur = thread_current();

	while (!list_empty(&timers)) {
		struct thread *t = container_of(timers.next, struct thread, timer_node);
		if (t->deadline > now)
			break;
		wait_unblock(t, WAKE_TIMEOUT);
	}
	if (!(cur->flags & THREAD_IDLE) && policy->tick(cur))
		percpu()->need_resched = true;
}

/* How late a timer may fire before the checker calls it lost: far more
 * than a tick, since a long stretch with interrupts off delays ticks. */
#define TIMER_LOST_NS 1000000000LL

void sched_check(struct sched_census *out)
{
	size_t max = thread_live_count() + 1;
	mt_time_t now = time_now(), prev = INT64_MIN;
	struct list_node *n;

	out->timed = invariant_list(&timers, max, "timer list");
	for (n = timers.next; n != &timers; n = n->next) {
		struct thread *t = container_of(n, struct thread, timer_node);
		INVARIANT(t->state == THREAD_BLOCKED, "thread %s on the timer list "
			  "is not blocked (state %u)", t->name, t->state);
		INVARIANT(t->deadline >= prev, "timer list out of order at thread %s",
			  t->name);
		INVARIANT(t->deadline > now - TIMER_LOST_NS, "thread %s sleeps %ld ms "
			  "past its deadline (lost timeout)", t->name,
			  (long)((now - t->deadline) / 1000000));
		prev = t->deadline;
	}
	out->zombies = invariant_list(&zombies, max, "zombie list");
	for (n = zombies.next; n != &zombies; n = n->next) {
		struct thread *t = container_of(n, struct thread, zombie_node);
		INVARIANT(t->state == THREAD_DEAD, "zombie thread %s is not dead",
			  t->name);
	}
	out->queued = policy->check(max);
}

void sched_idle_loop(void)
{
	for (;;) {
		arch_irq_disable();
		if (percpu()->need_resched)
			schedule();
		arch_wait_for_interrupt();
	}
}

/* ---- System calls ------------------------------------------------------ */

mt_status_t sys_clock_get(void)
{
	return time_now();
}

/* Restartable: the deadline is absolute. */
mt_status_t sys_nanosleep(mt_time_t deadline)
{
	irqstate_t s = arch_irq_save();
	enum wake_reason why = WAKE_NONE;

	while (why != WAKE_TIMEOUT && why != WAKE_INTERRUPTED)
		why = wait_block(NULL, deadline);
	arch_irq_restore(s);
	if (why == WAKE_INTERRUPTED)
		return thread_current()->flags & THREAD_KILL ? MT_ERR_CANCELED
							     : SYSCALL_RESTART;
	return MT_OK;
}

mt_status_t sys_thread_yield(void)
{
	sched_yield();
	return MT_OK;
}
