/*
 * Wait queues: threads blocked until something happens.  A blocked thread
 * is on at most one wait queue and possibly the timer list (deadline).
 * All operations run with interrupts disabled (the scheduler lock on a
 * single CPU).
 */
#ifndef KERNEL_WAIT_H
#define KERNEL_WAIT_H

#include <kernel/list.h>
#include <mantra/types.h>

struct wait_queue {
	struct list_node threads;       /* struct thread.wait_node */
};

static inline void wait_queue_init(struct wait_queue *wq)
{
	list_init(&wq->threads);
}

/* Why a blocked thread woke up. */
enum wake_reason {
	WAKE_NONE = 0,
	WAKE_SIGNALED,      /* the event it waited for happened */
	WAKE_TIMEOUT,       /* its deadline passed */
	WAKE_INTERRUPTED,   /* suspend or kill: abandon the call */
};

/* Block the current thread on wq (may be NULL: sleep only) until woken or
 * `deadline` (MT_TIME_INFINITE for none).  Returns the wake reason.  Call
 * with interrupts disabled; returns with them disabled. */
enum wake_reason wait_block(struct wait_queue *wq, mt_time_t deadline);

/* Wake one blocked thread (off its queue and timer) with `reason`. */
struct thread;
void wait_unblock(struct thread *t, enum wake_reason reason);

/* Wake every thread on wq with `reason`. */
void wait_wake_all(struct wait_queue *wq, enum wake_reason reason);

#endif /* KERNEL_WAIT_H */
