/*
 * Round-robin policy: one FIFO run queue; a thread runs for
 * RR_SLICE_TICKS timer ticks, then goes to the back.
 */
#include <kernel/sched.h>

#define RR_SLICE_TICKS 2     /* 20 ms at 100 Hz */

static struct list_node run_queue = LIST_INIT(run_queue);

static void rr_enqueue(struct thread *t)
{
	if (!list_linked(&t->run_node)) {
		if (!t->timeslice)
			t->timeslice = RR_SLICE_TICKS;
		list_add_tail(&run_queue, &t->run_node);
	}
}

static void rr_dequeue(struct thread *t)
{
	if (list_linked(&t->run_node))
		list_remove(&t->run_node);
}

static struct thread *rr_pick_next(void)
{
	struct list_node *n = list_pop_front(&run_queue);

	return n ? container_of(n, struct thread, run_node) : NULL;
}

static bool rr_tick(struct thread *cur)
{
	if (cur->timeslice > 1) {
		cur->timeslice--;
		return false;
	}
	cur->timeslice = RR_SLICE_TICKS;
	return !list_empty(&run_queue);
}

static void rr_yield(struct thread *cur)
{
	cur->timeslice = RR_SLICE_TICKS;
}

const struct sched_policy sched_rr = {
	.name = "rr",
	.enqueue = rr_enqueue,
	.dequeue = rr_dequeue,
	.pick_next = rr_pick_next,
	.tick = rr_tick,
	.yield = rr_yield,
};
