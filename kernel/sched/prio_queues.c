/*
 * Threads by level (kernel/sched.h): set-up and the checker; the queue
 * operations are inline in the header.
 */
#include <kernel/invariants.h>
#include <kernel/sched.h>

void pq_init(struct prio_queues *pq)
{
	for (uint32_t l = 0; l < SCHED_LEVELS; l++)
		list_init(&pq->level[l]);
	pq->nonempty = 0;
	pq->idle_nonempty = false;
}

/* Every queued thread is runnable, queued once, at the level of the
 * context it runs on; the bitmap tells the truth. */
size_t pq_check(const struct prio_queues *pq, size_t max)
{
	size_t total = 0;

	for (uint32_t l = 0; l < SCHED_LEVELS; l++) {
		size_t n = invariant_list(&pq->level[l], max, "run queue");
		bool marked = l ? (pq->nonempty >> (l - 1)) & 1 : pq->idle_nonempty;
		struct list_node *node;

		INVARIANT(!marked == !n, "run queue level %u holds %zu threads but "
			  "its nonempty bit is %u", l, n, marked);
		for (node = pq->level[l].next; node != &pq->level[l]; node = node->next) {
			struct thread *t = container_of(node, struct thread, run_node);
			INVARIANT(t->state == THREAD_RUNNABLE, "thread %s on run queue "
				  "level %u is not runnable (state %u)", t->name, l, t->state);
			INVARIANT(t->run_level == l && sched_context_of(t)->level == l,
				  "thread %s queued at level %u runs at level %u "
				  "(recorded %u)", t->name, l,
				  sched_context_of(t)->level, t->run_level);
		}
		total += n;
		INVARIANT(total <= max, "run queues hold more than %zu threads", max);
	}
	return total;
}

bool pq_tick(const struct prio_queues *pq, struct sched_context *sc, uint32_t slice)
{
	int top = pq_top(pq);

	if (top > (int)sc->level)
		return true;
	if (sc->timeslice > 1) {
		sc->timeslice--;
		return false;
	}
	sc->timeslice = slice;
	return top >= (int)sc->level;
}

struct thread *pq_steal(struct prio_queues *pq, uint32_t cpu)
{
	for (int l = SCHED_LEVELS - 1; l >= 0; l--) {
		struct list_node *n;

		for (n = pq->level[l].next; n != &pq->level[l]; n = n->next) {
			struct thread *t = container_of(n, struct thread, run_node);
			if (t->affinity & (1ull << cpu)) {
				pq_remove(pq, t);
				return t;
			}
		}
	}
	return NULL;
}
