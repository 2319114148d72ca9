/*
 * The scheduler.  Mechanism (kernel/sched/core.c) is apart from policy:
 * a policy implements struct sched_policy and is chosen at boot with
 * `sched=NAME` on the command line (phase 1 has `rr`, round robin).
 *
 * All entry points run with interrupts disabled: on one CPU that is the
 * scheduler lock.  The kernel is not preemptible: a timer tick only sets
 * need_resched, which is honoured on the way back to user mode and in the
 * idle loop.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <kernel/thread.h>

struct sched_policy {
	const char *name;
	void (*enqueue)(struct thread *t);          /* t became RUNNABLE */
	void (*dequeue)(struct thread *t);          /* t leaves RUNNABLE */
	struct thread *(*pick_next)(void);          /* remove and return next, or NULL */
	bool (*tick)(struct thread *cur);           /* true: preempt cur */
	void (*yield)(struct thread *cur);          /* cur gives up its slice */
	/* The invariant checker: check the queues (invariant_failed() if
	 * broken) and return how many threads they hold (at most max). */
	size_t (*check)(size_t max);
};

extern const struct sched_policy sched_rr;

/* Choose the policy (NULL or unknown: rr) and set up the idle thread. */
void sched_init(const char *policy);

/* t becomes RUNNABLE and is queued. */
void sched_wakeup(struct thread *t);

/* Switch to the best runnable thread (the idle thread if none).  The
 * current thread must already be in its next state (RUNNABLE threads are
 * requeued by the caller via sched_wakeup or sched_yield). */
void schedule(void);

/* Give up the CPU, staying runnable. */
void sched_yield(void);

/* Timer tick: deadlines and time slices. */
void sched_tick(void);

/* Is a reschedule pending? */
static inline bool sched_need_resched(void)
{
	return arch_need_resched();
}

/* The idle loop; never returns. */
__noreturn void sched_idle_loop(void);

/* Monotonic nanoseconds since boot. */
mt_time_t time_now(void);

/* The context t runs on: the donated or own one; a passive thread that
 * serves nobody falls back to its own (at the lowest priority). */
static inline struct sched_context *sched_context_of(struct thread *t)
{
	return t->sc ? t->sc : &t->own_sc;
}

/* t's scheduling context was taken back (a passive thread replied): if
 * it has none left it stops running at the next scheduling point. */
void sched_context_lost(struct thread *t);

/* What the scheduler holds, for the invariant checker (kernel/invariants.h):
 * sched_check() checks the timer list (sorted, every thread blocked, no
 * deadline long past: a lost timeout), the zombies (dead) and the
 * policy's queues, and counts them.  Interrupts disabled. */
struct sched_census {
	size_t queued;                  /* threads on the policy's queues */
	size_t timed;                   /* on the timer list */
	size_t zombies;
};
void sched_check(struct sched_census *out);

/* t has been asked to die: what is left of it (kernel code on its way
 * out) runs on its own context at MT_PRIORITY_MAX, requeued if it is
 * queued, so a kill takes effect however busy the CPU is with threads of
 * a higher priority than t's.  Interrupts disabled. */
void sched_boost_dying(struct thread *t);

/* Queue a dead thread for freeing once another thread runs. */
void sched_add_zombie(struct thread *t);

/* Put t on / take it off the deadline list. */
void timer_arm(struct thread *t, mt_time_t deadline);
static inline void timer_disarm(struct thread *t)
{
	if (list_linked(&t->timer_node))
		list_remove(&t->timer_node);
}

#endif /* KERNEL_SCHED_H */
