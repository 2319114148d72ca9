/*
 * The scheduler.  Mechanism (kernel/sched/core.c: the current thread,
 * switching, time accounting, budgets, deadlines, the timer) is apart from
 * policy (which runnable thread runs next): a policy implements struct
 * sched_policy over a CPU's struct run_queue and is chosen at boot with
 * `sched=NAME` on the command line: `rr` (round robin within fixed
 * priorities, kernel/sched/rr.c) or `edf` (earliest deadline first for
 * real-time threads, round robin below them, kernel/sched/edf.c).
 * docs/scheduler.md says how to write another.
 *
 * Classes.  A scheduling context has a class and a priority; together they
 * give its level (sched_level): idle 0, normal 1..32, real-time 33..64.
 * A real-time context also has a budget per period: the mechanism charges
 * every nanosecond a thread runs to the context it runs on (its own, or
 * one donated through IPC), and when a real-time context's budget is used
 * up its thread is throttled (parked on the CPU's throttled list) until
 * the period ends.  So a real-time thread cannot starve the system.
 *
 * All entry points run with interrupts disabled: on one CPU that is the
 * scheduler lock.  The kernel is not preemptible: a timer interrupt only
 * sets need_resched, which is honoured on the way back to user mode and in
 * the idle loop.  The timer is one-shot, programmed for the next event:
 * the next tick (SCHED_TICK_NS), the earliest sleeper's deadline, the
 * earliest end of a throttle, or the end of the running context's budget.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <kernel/thread.h>

#define SCHED_TICK_NS    10000000LL      /* 10 ms: time slices count these */
#define SCHED_CPUS_MAX   16              /* = MAX_CPUS (arch) */
#define SCHED_AFFINITY_ALL (~0ull)
#define SCHED_CPU_NONE   0xffffffffu
#define SCHED_LEVELS     65              /* idle, 32 normal, 32 real-time */
#define SCHED_LEVEL_RT   33              /* the first real-time level */

/* Threads by level, FIFO within a level: the structure `rr` is made of,
 * and `edf` uses below its real-time threads (kernel/sched/prio_queues.c). */
struct prio_queues {
	struct list_node level[SCHED_LEVELS];
	uint64_t nonempty;              /* bit l-1: level[l] (l >= 1) has threads */
	bool idle_nonempty;             /* level[0] has threads */
};

void pq_init(struct prio_queues *pq);
size_t pq_check(const struct prio_queues *pq, size_t max);
/* Round robin at a tick for a thread running on sc: preempt when someone
 * of a higher level waits, or when its slice of `slice` ticks is used up
 * and someone of the same level waits. */
bool pq_tick(const struct prio_queues *pq, struct sched_context *sc, uint32_t slice);

/* The best thread allowed on `cpu`, highest level first, taken off. */
struct thread *pq_steal(struct prio_queues *pq, uint32_t cpu);

/* One list per level and a bitmap of the non-empty ones, so the highest
 * is one bit scan away.  Level 0 (idle) has a flag of its own: 64 bits
 * hold the 64 levels above it.  t->run_level records where t is. */
static inline void pq_mark(struct prio_queues *pq, uint32_t level, bool nonempty)
{
	if (level == 0)
		pq->idle_nonempty = nonempty;
	else if (nonempty)
		pq->nonempty |= 1ull << (level - 1);
	else
		pq->nonempty &= ~(1ull << (level - 1));
}

static inline void pq_add(struct prio_queues *pq, struct thread *t, uint32_t level)
{
	t->run_level = (uint8_t)level;
	list_add_tail(&pq->level[level], &t->run_node);
	pq_mark(pq, level, true);
}

static inline void pq_remove(struct prio_queues *pq, struct thread *t)
{
	uint32_t level = t->run_level;

	list_remove(&t->run_node);
	if (list_empty(&pq->level[level]))
		pq_mark(pq, level, false);
}

static inline int pq_top(const struct prio_queues *pq)
{
	if (pq->nonempty)
		return 64 - __builtin_clzll(pq->nonempty);
	return pq->idle_nonempty ? 0 : -1;
}

static inline struct thread *pq_pop(struct prio_queues *pq)
{
	int l = pq_top(pq);
	struct list_node *n;

	if (l < 0)
		return NULL;
	n = list_pop_front(&pq->level[l]);
	if (list_empty(&pq->level[l]))
		pq_mark(pq, (uint32_t)l, false);
	return container_of(n, struct thread, run_node);
}

/* What one CPU schedules from.  The policy owns `pq` and `deadlines`;
 * the mechanism owns the rest. */
struct run_queue {
	uint32_t cpu;
	uint32_t queued;                /* threads the policy holds (load) */
	struct prio_queues pq;
	struct list_node deadlines;     /* edf: real-time threads by deadline */
	struct list_node throttled;     /* out of budget, by end of period */
	struct list_node timers;        /* sleepers' deadlines, earliest first */
	mt_time_t account_from;         /* the current thread runs since */
	mt_time_t next_tick;
	mt_time_t timer_at;             /* the timer is programmed for */
};

struct sched_policy {
	const char *name;
	uint32_t id;                    /* MT_SCHED_POLICY_* */
	void (*init)(struct run_queue *rq);
	void (*enqueue)(struct run_queue *rq, struct thread *t);    /* RUNNABLE */
	void (*dequeue)(struct run_queue *rq, struct thread *t);    /* leaves it */
	struct thread *(*pick_next)(struct run_queue *rq);  /* remove it, or NULL */
	/* Should t, just woken, run before cur? */
	bool (*preempts)(struct run_queue *rq, struct thread *t, struct thread *cur);
	bool (*tick)(struct run_queue *rq, struct thread *cur);  /* true: preempt */
	/* Remove and return the best queued thread allowed on `cpu` (load
	 * balancing: an idle CPU pulls work), or NULL. */
	struct thread *(*steal)(struct run_queue *rq, uint32_t cpu);
	void (*yield)(struct run_queue *rq, struct thread *cur); /* gives up its slice */
	/* The invariant checker: check the queues (invariant_failed() if
	 * broken) and return how many threads they hold (at most max). */
	size_t (*check)(struct run_queue *rq, size_t max);
};

extern const struct sched_policy sched_rr, sched_edf;

/* Choose the policy (NULL or unknown: rr) and set up every CPU's run
 * queue. */
void sched_init(const char *policy);

/* Let the other CPUs schedule (the big kernel lock on, their idle loops
 * started); the boot CPU goes on to start user space. */
void sched_start_cpus(void);

/* An application processor's way into its idle loop (never returns). */
__noreturn void sched_cpu_main(unsigned cpu);

/* t runs on another CPU in user mode: make it enter the kernel soon (a
 * kill or suspension to act on). */
void sched_poke(struct thread *t);

/* Restrict t to the CPUs in `cpus` (bit n: CPU n); moves it if it is
 * queued or running elsewhere.  MT_ERR_INVALID_ARGS if no online CPU is
 * in the set.  Interrupts disabled. */
mt_status_t sched_set_affinity(struct thread *t, uint64_t cpus);

/* The thread `cpu` runs (its idle thread when nothing else). */
struct thread *sched_current_of(unsigned cpu);

/* Is t the current thread of some CPU? */
bool sched_running(const struct thread *t);

/* Nanoseconds every CPU spent halted in its idle loop, summed (under
 * -icount, time that passed without instructions: boot_to_shell). */
mt_time_t sched_idle_ns(void);

uint32_t sched_policy_id(void);

/* The level of a context: idle 0, normal 1 + priority, real-time
 * SCHED_LEVEL_RT + priority. */
static inline uint32_t sched_level_of(uint32_t sched_class, uint32_t priority)
{
	if (sched_class == MT_SCHED_IDLE)
		return 0;
	return (sched_class == MT_SCHED_RT ? SCHED_LEVEL_RT : 1) + priority;
}

/* Set a context's class, priority and budget (checked by the caller);
 * a budget starts a new period now. */
void sched_context_set(struct sched_context *sc, uint32_t sched_class,
		       uint32_t priority, mt_time_t budget, mt_time_t period);

/* t becomes RUNNABLE and is queued. */
void sched_wakeup(struct thread *t);

/* Switch to the best runnable thread (the idle thread if none).  The
 * current thread must already be in its next state (RUNNABLE threads are
 * requeued by the caller via sched_wakeup or sched_yield). */
void schedule(void);

/* Give up the CPU, staying runnable. */
void sched_yield(void);

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

/* Charge the time the current thread has run since the last charge to
 * the context it runs on: called before that context changes (a passive
 * server's donated context going back with the reply). */
void sched_charge_current(void);

/* The context t runs on, or its class, priority or budget, changed:
 * requeue t where it now belongs (or park it), or if it is running,
 * reschedule.  Interrupts disabled. */
void sched_context_changed(struct thread *t);

/* What the scheduler holds, for the invariant checker (kernel/invariants.h):
 * sched_check() checks the timer list (sorted, every thread blocked, no
 * deadline long past: a lost timeout), the throttled list, the zombies
 * (dead) and the policy's queues, and counts them.  Interrupts disabled. */
struct sched_census {
	size_t queued;                  /* threads on the policy's queues */
	size_t throttled;               /* parked out of budget */
	size_t timed;                   /* on the timer list */
	size_t zombies;
};
void sched_check(struct sched_census *out);

/* t has been asked to die: what is left of it (kernel code on its way
 * out) runs on its own context at MT_PRIORITY_MAX of the real-time class
 * without a budget, requeued if it is queued, so a kill takes effect
 * however busy the CPU is.  Interrupts disabled. */
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
