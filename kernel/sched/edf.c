/*
 * `edf`: earliest deadline first for real-time threads, round robin by
 * level below them (kernel/sched.h).  A real-time context's deadline is the
 * end of its current period (release + period); the real-time thread whose
 * deadline is earliest runs, whatever its priority, and a wakeup with an
 * earlier deadline preempts.  Budgets (the mechanism's) keep the total in
 * check: with every real-time context's budget/period summing to at most
 * one, every deadline is met (Liu and Layland's EDF bound).  Normal and
 * idle threads are scheduled as `rr` schedules them, only when no
 * real-time thread can run.
 */
#include <kernel/invariants.h>
#include <kernel/sched.h>

#define EDF_SLICE_TICKS 2
#define ON_DEADLINES    SCHED_LEVELS     /* run_level of the deadline queue */

static inline mt_time_t deadline_of(struct thread *t)
{
	struct sched_context *sc = sched_context_of(t);

	return sc->release + sc->period;
}

static inline bool is_rt(struct thread *t)
{
	return sched_context_of(t)->sched_class == MT_SCHED_RT;
}

static void edf_init(struct run_queue *rq)
{
	pq_init(&rq->pq);
	list_init(&rq->deadlines);
}

static void edf_enqueue(struct run_queue *rq, struct thread *t)
{
	struct sched_context *sc = sched_context_of(t);
	struct list_node *n;

	if (!sc->timeslice)
		sc->timeslice = EDF_SLICE_TICKS;
	if (!is_rt(t)) {
		pq_add(&rq->pq, t, sc->level);
		return;
	}
	for (n = rq->deadlines.next; n != &rq->deadlines; n = n->next)
		if (deadline_of(container_of(n, struct thread, run_node)) >
		    deadline_of(t))
			break;
	t->run_level = ON_DEADLINES;
	list_insert_before(n, &t->run_node);
}

static void edf_dequeue(struct run_queue *rq, struct thread *t)
{
	if (t->run_level == ON_DEADLINES)
		list_remove(&t->run_node);
	else
		pq_remove(&rq->pq, t);
}

static struct thread *edf_pick_next(struct run_queue *rq)
{
	struct list_node *n = list_pop_front(&rq->deadlines);

	return n ? container_of(n, struct thread, run_node) : pq_pop(&rq->pq);
}

static bool edf_preempts(struct run_queue *rq, struct thread *t, struct thread *cur)
{
	(void)rq;
	if (is_rt(t))
		return !is_rt(cur) || deadline_of(t) < deadline_of(cur);
	return !is_rt(cur) &&
	       sched_context_of(t)->level > sched_context_of(cur)->level;
}

static struct thread *edf_steal(struct run_queue *rq, uint32_t cpu)
{
	for (struct list_node *n = rq->deadlines.next; n != &rq->deadlines; n = n->next) {
		struct thread *t = container_of(n, struct thread, run_node);
		if (t->affinity & (1ull << cpu)) {
			list_remove(&t->run_node);
			return t;
		}
	}
	return pq_steal(&rq->pq, cpu);
}

static bool edf_tick(struct run_queue *rq, struct thread *cur)
{
	if (!list_empty(&rq->deadlines)) {
		struct thread *first = container_of(rq->deadlines.next, struct thread,
						    run_node);
		return !is_rt(cur) || deadline_of(first) < deadline_of(cur);
	}
	if (is_rt(cur))
		return false;           /* runs to its budget or until it blocks */
	return pq_tick(&rq->pq, sched_context_of(cur), EDF_SLICE_TICKS);
}

static void edf_yield(struct run_queue *rq, struct thread *cur)
{
	(void)rq;
	sched_context_of(cur)->timeslice = EDF_SLICE_TICKS;
}

static size_t edf_check(struct run_queue *rq, size_t max)
{
	size_t n = invariant_list(&rq->deadlines, max, "edf deadline queue");
	mt_time_t prev = INT64_MIN;

	for (struct list_node *l = rq->deadlines.next; l != &rq->deadlines; l = l->next) {
		struct thread *t = container_of(l, struct thread, run_node);
		INVARIANT(t->state == THREAD_RUNNABLE && is_rt(t) &&
			  t->run_level == ON_DEADLINES, "thread %s on the "
			  "deadline queue is not a runnable real-time thread", t->name);
		INVARIANT(deadline_of(t) >= prev, "deadline queue out of order at %s",
			  t->name);
		prev = deadline_of(t);
	}
	return n + pq_check(&rq->pq, max - n);
}

const struct sched_policy sched_edf = {
	.name = "edf",
	.id = MT_SCHED_POLICY_EDF,
	.init = edf_init,
	.enqueue = edf_enqueue,
	.dequeue = edf_dequeue,
	.pick_next = edf_pick_next,
	.preempts = edf_preempts,
	.tick = edf_tick,
	.steal = edf_steal,
	.yield = edf_yield,
	.check = edf_check,
};
