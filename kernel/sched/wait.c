/* Wait queues (kernel/wait.h). */
#include <kernel/panic.h>
#include <kernel/sched.h>
#include <kernel/thread.h>

enum wake_reason wait_block(struct wait_queue *wq, mt_time_t deadline)
{
	struct thread *t = thread_current();

	if (t->flags & (THREAD_KILL | THREAD_SUSPEND))
		return WAKE_INTERRUPTED;
	if (deadline != MT_TIME_INFINITE && deadline <= time_now())
		return WAKE_TIMEOUT;
	t->state = THREAD_BLOCKED;
	t->wake_reason = WAKE_NONE;
	if (wq)
		list_add_tail(&wq->threads, &t->wait_node);
	if (deadline != MT_TIME_INFINITE)
		timer_arm(t, deadline);
	schedule();
	return t->wake_reason;
}

/* Take t off whatever it is blocked on and make it runnable. */
void wait_unblock(struct thread *t, enum wake_reason reason)
{
	assert(t->state == THREAD_BLOCKED);
	if (list_linked(&t->wait_node))
		list_remove(&t->wait_node);
	timer_disarm(t);
	t->wake_reason = reason;
	sched_wakeup(t);
}

void wait_wake_all(struct wait_queue *wq, enum wake_reason reason)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &wq->threads)
		wait_unblock(container_of(n, struct thread, wait_node), reason);
}
