/*
 * Scheduler mechanism (kernel/sched.h): the current thread, switching,
 * time accounting and budgets, deadlines, the one-shot timer, the idle
 * loop, and the CPUs: one run queue each, wakeups on the thread's own CPU
 * (with an IPI when it should preempt there), affinity, and idle CPUs
 * pulling work from busy ones.  Policy decisions go through `policy`.
 *
 * Locking: everything here runs with interrupts disabled and, with more
 * than one CPU, under the big kernel lock (kernel/bkl.h), which guards
 * every run queue, timer list and thread's scheduling state.  Another
 * CPU's `current` and `need_resched` are read and set under it too; the
 * reschedule IPI only makes that CPU look.
 */
#include <arch/percpu.h>
#include <kernel/arch.h>
#include <kernel/bkl.h>
#include <kernel/invariants.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>
#include <string/string.h>

_Static_assert(SCHED_CPUS_MAX == MAX_CPUS, "one run queue per CPU");

static const struct sched_policy *policy = &sched_rr;
static struct list_node zombies = LIST_INIT(zombies);
static struct run_queue run_queues[SCHED_CPUS_MAX];
static unsigned ncpus = 1;              /* CPUs that schedule */
static volatile bool cpus_go;           /* sched_start_cpus() was called */
static mt_time_t idle_ns[SCHED_CPUS_MAX];   /* halted, per CPU */

static const struct sched_policy *const policies[] = { &sched_rr, &sched_edf };

static inline struct run_queue *rq_of(unsigned cpu)
{
	return &run_queues[cpu];
}

static inline struct run_queue *this_rq(void)
{
	return &run_queues[arch_cpu_id()];
}

static inline struct thread *current_of(unsigned cpu)
{
	return percpu_area[cpu].current;
}

static void sched_timer_irq(void);

static void rq_init(struct run_queue *rq, unsigned cpu)
{
	rq->cpu = cpu;
	policy->init(rq);
	list_init(&rq->throttled);
	list_init(&rq->timers);
	rq->account_from = time_now();
	rq->next_tick = rq->account_from + SCHED_TICK_NS;
	rq->timer_at = rq->next_tick;
}

void sched_init(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(policies); i++)
		if (strcmp(name, policies[i]->name) == 0)
			policy = policies[i];
	if (name && strcmp(name, policy->name) != 0)
		klog(LOG_WARN, "sched: unknown policy '%s', using %s\n", name,
		     policy->name);
	ncpus = arch_cpu_count();
	for (unsigned c = 0; c < ncpus; c++)
		rq_init(rq_of(c), c);
	klog(LOG_INFO, "sched: policy %s, %u CPU%s\n", policy->name, ncpus,
	     ncpus == 1 ? "" : "s");
	arch_set_tick_hook(sched_timer_irq);
}

void sched_start_cpus(void)
{
	if (ncpus < 2)
		return;
	/* Every CPU has its idle thread as current before anything can be
	 * placed on it (place() reads the target's current). */
	for (unsigned c = 1; c < ncpus; c++)
		thread_init_idle_cpu(c);
	arch_smp_activate();
	__atomic_store_n(&cpus_go, true, __ATOMIC_RELEASE);
	arch_send_ipi_others(ARCH_IPI_RESCHEDULE);
}

__noreturn void sched_cpu_main(unsigned cpu)
{
	while (!__atomic_load_n(&cpus_go, __ATOMIC_ACQUIRE))
		arch_wait_for_interrupt();
	arch_irq_disable();
	bkl_acquire();
	arch_cpu_smp_enter();
	rq_of(cpu)->account_from = time_now();
	arch_timer_oneshot(SCHED_TICK_NS);
	sched_idle_loop();
}

uint32_t sched_policy_id(void)
{
	return policy->id;
}

mt_time_t time_now(void)
{
	return arch_now_ns();
}

struct thread *sched_current_of(unsigned cpu)
{
	return current_of(cpu);
}

bool sched_running(const struct thread *t)
{
	return t->state == THREAD_RUNNING && t->cpu < ncpus && current_of(t->cpu) == t;
}

/* Make `cpu` look at its run queue (it is not this one). */
static void kick(unsigned cpu)
{
	percpu_area[cpu].need_resched = 1;
	arch_send_ipi(cpu, ARCH_IPI_RESCHEDULE);
}

void sched_poke(struct thread *t)
{
	if (sched_running(t) && t != thread_current())
		kick(t->cpu);
}

/* ---- Contexts and budgets ---------------------------------------------- */

void sched_context_set(struct sched_context *sc, uint32_t sched_class,
		       uint32_t priority, mt_time_t budget, mt_time_t period)
{
	sc->sched_class = (uint8_t)sched_class;
	sc->priority = priority;
	sc->level = (uint8_t)sched_level_of(sched_class, priority);
	sc->budget = budget;
	sc->period = period;
	sc->release = time_now();
	sc->used = 0;
	sc->throttled = false;
}

/* Start the period `now` falls in, if the current one is over: a fresh
 * budget, less what the context overran (a late timer interrupt), so
 * that over time it gets no more than budget/period.  At most one
 * budget's worth is carried over: a very late interrupt (a busy host
 * under emulation) costs the context one period, not many. */
static void sc_roll(struct sched_context *sc, mt_time_t now)
{
	mt_time_t periods, debt;

	if (now - sc->release < sc->period)
		return;
	periods = (now - sc->release) / sc->period;
	sc->release += periods * sc->period;
	debt = sc->used > periods * sc->budget ? sc->used - periods * sc->budget : 0;
	sc->used = MIN(debt, sc->budget);
	sc->throttled = sc->used >= sc->budget;
}

static inline mt_time_t throttle_end(struct thread *t)
{
	struct sched_context *sc = sched_context_of(t);

	return sc->release + sc->period;
}

/* Program this CPU's timer for its next event: tick, sleeper, throttle
 * end, or the end of the running context's budget. */
static void timer_program(struct run_queue *rq, mt_time_t now)
{
	struct thread *cur = thread_current();
	struct sched_context *sc = sched_context_of(cur);
	mt_time_t next = rq->next_tick;

	if (!list_empty(&rq->timers))
		next = MIN(next, container_of(rq->timers.next, struct thread,
					      timer_node)->deadline);
	if (!list_empty(&rq->throttled))
		next = MIN(next, throttle_end(container_of(rq->throttled.next,
							   struct thread, run_node)));
	if (sc->budget && !(cur->flags & THREAD_IDLE))
		next = MIN(next, now + MAX(sc->budget - sc->used, 0));
	rq->timer_at = next;
	arch_timer_oneshot(MAX(next - now, 0));
}

/* Charge the time since the last charge to the current thread's context;
 * a real-time one past its budget is throttled. */
static void charge(struct run_queue *rq, struct thread *cur, mt_time_t now)
{
	struct sched_context *sc = sched_context_of(cur);
	mt_time_t d = now - rq->account_from;

	rq->account_from = now;
	if (cur->flags & THREAD_IDLE)
		return;
	sc->runtime += d;
	if (!sc->budget)
		return;
	sc_roll(sc, now);
	sc->used += d;
	if (sc->used >= sc->budget) {
		if (!sc->throttled)
			sc->throttle_count++;
		sc->throttled = true;
		percpu()->need_resched = true;  /* it may have come back throttled
						   through the IPC fast path */
	}
}

void sched_charge_current(void)
{
	irqstate_t s = arch_irq_save();

	charge(this_rq(), thread_current(), time_now());
	arch_irq_restore(s);
}

/* Park t, whose context is out of budget, on rq until its period ends. */
static void throttle_park(struct run_queue *rq, struct thread *t)
{
	mt_time_t end = throttle_end(t);
	struct list_node *n;

	for (n = rq->throttled.next; n != &rq->throttled; n = n->next)
		if (throttle_end(container_of(n, struct thread, run_node)) > end)
			break;
	list_insert_before(n, &t->run_node);
	t->throttled = true;
	if (rq == this_rq() && end < rq->timer_at)
		timer_program(rq, time_now());
	else if (rq != this_rq())
		kick(rq->cpu);          /* to program its timer */
}

/* ---- Queueing ------------------------------------------------------------ */

/* The CPU t should run on: the one it last ran on if it may, else the
 * least loaded it may; new threads go to the least loaded. */
static unsigned select_cpu(struct thread *t)
{
	unsigned best = SCHED_CPU_NONE;

	if (t->cpu < ncpus && (t->affinity & (1ull << t->cpu)))
		return t->cpu;
	for (unsigned c = 0; c < ncpus; c++)
		if ((t->affinity & (1ull << c)) &&
		    (best == SCHED_CPU_NONE || rq_of(c)->queued < rq_of(best)->queued))
			best = c;
	return best == SCHED_CPU_NONE ? arch_cpu_id() : best;
}

/* Does t have time to run on?  A passive thread with no donated context
 * has none: it is runnable but parked off the queues until a caller
 * donates one (or it is killed or suspended: dying and stopping run on
 * its own context, budget or not). */
static inline bool has_context(struct thread *t)
{
	if (t->flags & (THREAD_KILL | THREAD_SUSPEND)) {
		if (!t->sc)
			t->sc = &t->own_sc;
		return true;
	}
	return t->sc || !t->passive;
}

/* Queue t (RUNNABLE) with the policy of rq, or park it: throttled if its
 * context is out of budget, nowhere if it has no context.  True if the
 * policy has it. */
static inline bool rq_enqueue(struct run_queue *rq, struct thread *t)
{
	struct sched_context *sc;

	if (!has_context(t))
		return false;
	t->cpu = rq->cpu;
	sc = sched_context_of(t);
	if (sc->budget) {
		sc_roll(sc, time_now());
		if (sc->throttled && !(t->flags & (THREAD_KILL | THREAD_SUSPEND))) {
			throttle_park(rq, t);
			return false;
		}
	}
	policy->enqueue(rq, t);
	rq->queued++;
	return true;
}

/* Take t off the policy's queues or the throttled list, if it is on one. */
static void rq_dequeue(struct thread *t)
{
	struct run_queue *rq = rq_of(t->cpu);

	if (!list_linked(&t->run_node))
		return;
	if (t->throttled) {
		list_remove(&t->run_node);
		t->throttled = false;
	} else {
		policy->dequeue(rq, t);
		rq->queued--;
	}
}

/* Queue t where it belongs and make that CPU reschedule if t should
 * preempt what runs there. */
static void place(struct thread *t)
{
	struct run_queue *rq = rq_of(select_cpu(t));
	struct thread *cur = current_of(rq->cpu);

	if (!rq_enqueue(rq, t))
		return;
	if ((cur->flags & THREAD_IDLE) || policy->preempts(rq, t, cur)) {
		if (rq == this_rq())
			percpu()->need_resched = true;
		else
			kick(rq->cpu);
	}
}

void sched_wakeup(struct thread *t)
{
	irqstate_t s = arch_irq_save();

	t->state = THREAD_RUNNABLE;
	if (!list_linked(&t->run_node))
		place(t);
	arch_irq_restore(s);
}

void sched_context_changed(struct thread *t)
{
	if (sched_running(t)) {
		if (t == thread_current())
			percpu()->need_resched = true;
		else
			kick(t->cpu);
		return;
	}
	if (t->state != THREAD_RUNNABLE)
		return;
	rq_dequeue(t);
	place(t);
}

mt_status_t sched_set_affinity(struct thread *t, uint64_t cpus)
{
	uint64_t online = ncpus >= 64 ? ~0ull : (1ull << ncpus) - 1;

	if (!(cpus & online) || (t->flags & THREAD_IDLE))
		return MT_ERR_INVALID_ARGS;
	t->affinity = cpus;
	if (t->cpu < ncpus && !(cpus & (1ull << t->cpu)))
		sched_context_changed(t);       /* requeue or move it */
	return MT_OK;
}

void sched_boost_dying(struct thread *t)
{
	bool queued = list_linked(&t->run_node);

	if (queued)
		rq_dequeue(t);
	sched_context_set(&t->own_sc, MT_SCHED_RT, MT_PRIORITY_MAX, 0, 0);
	t->sc = &t->own_sc;
	if (queued)
		place(t);
}

/* Threads that died are freed here, by whoever runs next (a thread cannot
 * free the stack it is running on; with more CPUs the big kernel lock,
 * held until the switch away from it is complete, keeps others off). */
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

/* Nothing to run here: pull the best thread allowed here from the CPU
 * with the most queued. */
static struct thread *steal(struct run_queue *rq)
{
	struct run_queue *busiest = NULL;
	struct thread *t;

	for (unsigned c = 0; c < ncpus; c++)
		if (c != rq->cpu && rq_of(c)->queued &&
		    (!busiest || rq_of(c)->queued > busiest->queued))
			busiest = rq_of(c);
	if (!busiest || !(t = policy->steal(busiest, rq->cpu)))
		return NULL;
	busiest->queued--;
	return t;
}

void schedule(void)
{
	struct percpu *cpu = percpu();
	struct run_queue *rq = this_rq();
	struct thread *prev = cpu->current, *next;
	mt_time_t now = time_now();

	charge(rq, prev, now);
	cpu->need_resched = false;
	/* A running thread competes too: back of its level (round robin),
	 * unless it has no context or budget left (parked), or must move. */
	if (prev->state == THREAD_RUNNING && !(prev->flags & THREAD_IDLE)) {
		prev->state = THREAD_RUNNABLE;
		if (prev->affinity & (1ull << rq->cpu))
			rq_enqueue(rq, prev);
		else
			place(prev);
	}
	next = policy->pick_next(rq);
	if (next)
		rq->queued--;
	else if (ncpus > 1)
		next = steal(rq);
	if (!next)
		next = cpu->idle;
	assert(next->sc);               /* ipc_fast.S donates it as it is */
	next->state = THREAD_RUNNING;
	next->cpu = rq->cpu;
	if (next->sc->budget && now + next->sc->budget - next->sc->used < rq->timer_at) {
		cpu->current = next;    /* timer_program reads it */
		timer_program(rq, now);
	}
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

	policy->yield(this_rq(), cur);
	schedule();
	arch_irq_restore(s);
}

void timer_arm(struct thread *t, mt_time_t deadline)
{
	struct run_queue *rq = this_rq();
	struct list_node *n;

	t->deadline = deadline;
	for (n = rq->timers.next; n != &rq->timers; n = n->next)
		if (container_of(n, struct thread, timer_node)->deadline > deadline)
			break;
	list_insert_before(n, &t->timer_node);
	if (deadline < rq->timer_at)
		timer_program(rq, time_now());
}

/* Timer interrupt: charge the running context, end throttles and wake
 * sleepers whose time has come, let the policy see a tick if one is due,
 * and program the next event. */
static void sched_timer_irq(void)
{
	struct run_queue *rq = this_rq();
	struct thread *cur = thread_current();
	mt_time_t now = time_now();

	charge(rq, cur, now);
	while (!list_empty(&rq->throttled)) {
		struct thread *t = container_of(rq->throttled.next, struct thread,
						run_node);
		if (throttle_end(t) > now)
			break;
		rq_dequeue(t);
		sc_roll(sched_context_of(t), now);
		sched_wakeup(t);
	}
	while (!list_empty(&rq->timers)) {
		struct thread *t = container_of(rq->timers.next, struct thread,
						timer_node);
		if (t->deadline > now)
			break;
		wait_unblock(t, WAKE_TIMEOUT);
	}
	if (now >= rq->next_tick) {
		rq->next_tick += SCHED_TICK_NS;
		if (rq->next_tick <= now)
			rq->next_tick = now + SCHED_TICK_NS;
		if (!(cur->flags & THREAD_IDLE) && policy->tick(rq, cur))
			percpu()->need_resched = true;
	}
	timer_program(rq, now);
}

/* How late a timer may fire before the checker calls it lost: far more
 * than a tick, since a long stretch with interrupts off delays ticks. */
#define TIMER_LOST_NS 1000000000LL

static void rq_check(struct run_queue *rq, size_t max, mt_time_t now,
		     struct sched_census *out)
{
	mt_time_t prev = INT64_MIN;
	struct list_node *n;
	size_t queued;

	out->timed += invariant_list(&rq->timers, max, "timer list");
	for (n = rq->timers.next; n != &rq->timers; n = n->next) {
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
	out->throttled += invariant_list(&rq->throttled, max, "throttled list");
	prev = INT64_MIN;
	for (n = rq->throttled.next; n != &rq->throttled; n = n->next) {
		struct thread *t = container_of(n, struct thread, run_node);
		INVARIANT(t->throttled && t->state == THREAD_RUNNABLE &&
			  sched_context_of(t)->budget && t->cpu == rq->cpu,
			  "thread %s on CPU %u's throttled list is not a runnable "
			  "thread of it with a budget", t->name, rq->cpu);
		INVARIANT(throttle_end(t) >= prev, "throttled list out of order at %s",
			  t->name);
		INVARIANT(throttle_end(t) > now - TIMER_LOST_NS, "thread %s stays "
			  "throttled %ld ms past its period (lost)", t->name,
			  (long)((now - throttle_end(t)) / 1000000));
		prev = throttle_end(t);
	}
	queued = policy->check(rq, max);
	INVARIANT(queued == rq->queued, "CPU %u's run queue holds %zu threads, "
		  "counted %u", rq->cpu, queued, rq->queued);
	out->queued += queued;
}

void sched_check(struct sched_census *out)
{
	size_t max = thread_live_count() + ncpus;
	mt_time_t now = time_now();
	struct list_node *n;

	*out = (struct sched_census){ 0 };
	for (unsigned c = 0; c < ncpus; c++)
		rq_check(rq_of(c), max, now, out);
	out->zombies = invariant_list(&zombies, max, "zombie list");
	for (n = zombies.next; n != &zombies; n = n->next) {
		struct thread *t = container_of(n, struct thread, zombie_node);
		INVARIANT(t->state == THREAD_DEAD, "zombie thread %s is not dead",
			  t->name);
	}
}

mt_time_t sched_idle_ns(void)
{
	mt_time_t sum = 0;

	for (unsigned c = 0; c < SCHED_CPUS_MAX; c++)
		sum += idle_ns[c];
	return sum;
}

void sched_idle_loop(void)
{
	for (;;) {
		mt_time_t t0;

		arch_irq_disable();
		if (percpu()->need_resched)
			schedule();
		bkl_release();
		t0 = time_now();
		arch_wait_for_interrupt();      /* the interrupt runs first */
		idle_ns[arch_cpu_id()] += time_now() - t0;
		bkl_acquire();
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
