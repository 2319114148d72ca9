/*
 * Round-robin policy with priorities: one FIFO per priority level
 * (MT_PRIORITY_MIN..MT_PRIORITY_MAX), the highest non-empty level runs
 * first; a thread runs for RR_SLICE_TICKS timer ticks of its scheduling
 * context, then goes to the back of its level.  A thread is queued at the
 * priority of the context it runs on (donated while serving a call).
 */
#include <kernel/invariants.h>
#include <kernel/sched.h>

#define RR_SLICE_TICKS 2     /* 20 ms at 100 Hz */
#define RR_LEVELS      (MT_PRIORITY_MAX + 1)

static struct list_node run_queues[RR_LEVELS];
static uint32_t nonempty;            /* bit p: run_queues[p] has threads */

static void rr_init_queues(void)
{
	if (run_queues[0].next)
		return;
	for (uint32_t p = 0; p < RR_LEVELS; p++)
		list_init(&run_queues[p]);
}

static void rr_enqueue(struct thread *t)
{
	struct sched_context *sc = sched_context_of(t);
	uint32_t p = sc->priority;

	rr_init_queues();
	if (list_linked(&t->run_node))
		return;
	if (!sc->timeslice)
		sc->timeslice = RR_SLICE_TICKS;
	list_add_tail(&run_queues[p], &t->run_node);
	nonempty |= 1u << p;
}

static void rr_dequeue(struct thread *t)
{
	if (!list_linked(&t->run_node))
		return;
	list_remove(&t->run_node);
	for (uint32_t p = 0; p < RR_LEVELS; p++)
		if (list_empty(&run_queues[p]))
			nonempty &= ~(1u << p);
}

static struct thread *rr_pick_next(void)
{
	struct list_node *n;
	int p;

	if (!nonempty)
		return NULL;
	p = 31 - __builtin_clz(nonempty);
	n = list_pop_front(&run_queues[p]);
	if (list_empty(&run_queues[p]))
		nonempty &= ~(1u << p);
	return container_of(n, struct thread, run_node);
}

/* Preempt when the slice is used up and someone of at least the same
 * priority waits, or at once when someone of higher priority does. */
static bool rr_tick(struct thread *cur)
{
	struct sched_context *sc = sched_context_of(cur);
	uint32_t higher_or_same = nonempty >> sc->priority;

	if (nonempty >> (sc->priority + 1))
		return true;
	if (sc->timeslice > 1) {
		sc->timeslice--;
		return false;
	}
	sc->timeslice = RR_SLICE_TICKS;
	return higher_or_same != 0;
}

static void rr_yield(struct thread *cur)
{
	sched_context_of(cur)->timeslice = RR_SLICE_TICKS;
}

/* Every queued thread is runnable and queued once; `nonempty` tells the
 * truth. */
static size_t rr_check(size_t max)
{
	size_t total = 0;

	if (!run_queues[0].next)
		return 0;               /* nothing ever queued */
	for (uint32_t p = 0; p < RR_LEVELS; p++) {
		size_t n = invariant_list(&run_queues[p], max, "run queue");
		struct list_node *node;

		INVARIANT(!(nonempty & (1u << p)) == !n, "run queue %u holds %zu "
			  "threads but its nonempty bit is %u", p, n,
			  (nonempty >> p) & 1);
		for (node = run_queues[p].next; node != &run_queues[p]; node = node->next) {
			struct thread *t = container_of(node, struct thread, run_node);
			INVARIANT(t->state == THREAD_RUNNABLE, "thread %s on run queue %u "
				  "is not runnable (state %u)", t->name, p, t->state);
		}
		total += n;
		INVARIANT(total <= max, "run queues hold more than %zu threads", max);
	}
	return total;
}

const struct sched_policy sched_rr = {
	.name = "rr",
	.enqueue = rr_enqueue,
	.dequeue = rr_dequeue,
	.pick_next = rr_pick_next,
	.tick = rr_tick,
	.yield = rr_yield,
	.check = rr_check,
};
