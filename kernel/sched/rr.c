/*
 * `rr`: round robin within fixed levels (kernel/sched.h).  The highest
 * non-empty level runs first; a thread runs for RR_SLICE_TICKS ticks of
 * its scheduling context, then goes to the back of its level.  A thread
 * is queued at the level of the context it runs on (donated while serving
 * a call).  Real-time threads are simply the top 32 levels: their budgets
 * are the mechanism's business.
 */
#include <kernel/sched.h>

#define RR_SLICE_TICKS 2     /* 20 ms */

static void rr_init(struct run_queue *rq)
{
	pq_init(&rq->pq);
}

static void rr_enqueue(struct run_queue *rq, struct thread *t)
{
	struct sched_context *sc = sched_context_of(t);

	if (!sc->timeslice)
		sc->timeslice = RR_SLICE_TICKS;
	pq_add(&rq->pq, t, sc->level);
}

static void rr_dequeue(struct run_queue *rq, struct thread *t)
{
	pq_remove(&rq->pq, t);
}

static struct thread *rr_pick_next(struct run_queue *rq)
{
	return pq_pop(&rq->pq);
}

/* Only a higher level preempts: an equal one waits for the waker to block
 * or use up its slice (wakers batch). */
static bool rr_preempts(struct run_queue *rq, struct thread *t, struct thread *cur)
{
	(void)rq;
	return sched_context_of(t)->level > sched_context_of(cur)->level;
}

static struct thread *rr_steal(struct run_queue *rq, uint32_t cpu)
{
	return pq_steal(&rq->pq, cpu);
}

static bool rr_tick(struct run_queue *rq, struct thread *cur)
{
	return pq_tick(&rq->pq, sched_context_of(cur), RR_SLICE_TICKS);
}

static void rr_yield(struct run_queue *rq, struct thread *cur)
{
	(void)rq;
	sched_context_of(cur)->timeslice = RR_SLICE_TICKS;
}

static size_t rr_check(struct run_queue *rq, size_t max)
{
	return pq_check(&rq->pq, max);
}

const struct sched_policy sched_rr = {
	.name = "rr",
	.id = MT_SCHED_POLICY_RR,
	.init = rr_init,
	.enqueue = rr_enqueue,
	.dequeue = rr_dequeue,
	.pick_next = rr_pick_next,
	.preempts = rr_preempts,
	.tick = rr_tick,
	.steal = rr_steal,
	.yield = rr_yield,
	.check = rr_check,
};
