/*
 * Threads.  A thread runs user code of one process (or, for the idle
 * thread, kernel code only) on its own guarded kernel stack.
 *
 * State machine (changed only by thread.c and the scheduler, interrupts
 * disabled):
 *   NEW --start--> RUNNABLE <--> RUNNING --block--> BLOCKED --wake--> RUNNABLE
 *   RUNNING --(on its way to user mode, if asked)--> SUSPENDED --resume--> RUNNABLE
 *   RUNNING --(user fault, stop policy)--> FAULTED --resume--> RUNNABLE
 *   any --kill/exit--> DEAD (reaped after it last ran)
 * A thread is on the run queue iff RUNNABLE; on a wait queue iff BLOCKED
 * (and on the timer list iff BLOCKED with a deadline).
 *
 * Suspension and kills are requests (flags) honoured at the next return to
 * user mode; a blocked thread is woken with WAKE_INTERRUPTED so its system
 * call returns at once (and is restarted after a resume: the atomic API).
 */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <arch/thread.h>
#include <kernel/arch.h>
#include <kernel/list.h>
#include <kernel/object.h>
#include <kernel/ipc.h>
#include <kernel/wait.h>

struct process;

/* Class, priority and time: what a thread runs on (kernel/sched.h).
 * Times are nanoseconds of time_now(). */
struct sched_context {
	uint32_t priority;              /* MT_PRIORITY_MIN..MT_PRIORITY_MAX */
	uint32_t timeslice;             /* ticks left (the policy's to use) */
	uint8_t sched_class;            /* MT_SCHED_* */
	uint8_t level;                  /* sched_level(): class and priority */
	bool throttled;                 /* budget used up for this period */
	mt_time_t budget;               /* real-time: per period; else 0 */
	mt_time_t period;
	mt_time_t release;              /* start of the current period */
	mt_time_t used;                 /* run time in the current period */
	mt_time_t runtime;              /* run time ever */
	uint64_t throttle_count;        /* times the budget ran out */
};

enum thread_state {
	THREAD_NEW,
	THREAD_RUNNABLE,
	THREAD_RUNNING,
	THREAD_BLOCKED,
	THREAD_SUSPENDED,
	THREAD_FAULTED,
	THREAD_DEAD,
};

#define THREAD_KILL     (1u << 0)   /* die at the next return to user */
#define THREAD_SUSPEND  (1u << 1)   /* stop at the next return to user */
#define THREAD_IDLE     (1u << 2)   /* the idle thread: kernel only */

#define THREAD_KSTACK_SIZE (4 * PAGE_SIZE)

struct thread {
	struct object obj;
	struct arch_thread arch;
	enum thread_state state;
	uint32_t flags;                 /* THREAD_* */
	struct process *proc;           /* holds a reference; NULL for idle */
	vaddr_t kstack_top;

	struct list_node run_node;      /* run queue (scheduler policy), or
					   the CPU's throttled list */
	bool throttled;                 /* run_node is on the throttled list */
	uint8_t run_level;              /* the policy's: where it is queued */
	uint32_t cpu;                   /* the CPU it runs, is queued on, or
					   last ran on (SCHED_CPU_NONE: new) */
	uint64_t affinity;              /* bit n: may run on CPU n */
	struct list_node wait_node;     /* the wait queue it blocks on */
	struct list_node timer_node;    /* sorted deadline list */
	struct list_node proc_node;     /* process->threads */
	struct list_node zombie_node;   /* dead, waiting to be reaped */
	mt_time_t deadline;
	enum wake_reason wake_reason;
	mt_signals_t wait_signals;      /* on obj->waiters (object_wait_one,
					   port_wait): the signals that end
					   the wait; a waiter never sleeps
					   while one is raised */

	struct mt_task_result result;   /* fault stop or end */
	char name[MT_NAME_MAX + 1];

	/* Scheduling context: its own, or one donated by the caller it is
	 * serving (migrating threads).  NULL only for a passive thread that
	 * is not serving anyone. */
	struct sched_context own_sc;
	struct sched_context *sc;
	bool passive;                   /* MT_PRIORITY_PASSIVE */
	struct ipc_thread ipc;
};

/* The thread running on this CPU. */
static inline struct thread *thread_current(void)
{
	return arch_current_thread();
}

/* Make a thread of `proc` (not started).  MT_ERR_NO_RESOURCES past
 * MT_THREADS_MAX, MT_ERR_NO_MEMORY without memory. */
mt_status_t thread_create(struct process *proc, const char *name, size_t name_len,
			  struct thread **out) __must_check;

/* Start a NEW thread at user `entry` with `stack`, `arg` and `tls`. */
mt_status_t thread_start(struct thread *t, uint64_t entry, uint64_t stack,
			 uint64_t arg, uint64_t tls) __must_check;

/* Ask a thread to die / stop / go on (see the state machine above). */
void thread_kill(struct thread *t);
mt_status_t thread_suspend(struct thread *t);
mt_status_t thread_resume(struct thread *t);

/* End the current thread now.  Never returns. */
__noreturn void thread_exit_current(void);

/* Stop the current thread after a user fault (stop policy) until resumed;
 * returns false if it was killed instead. */
bool thread_stop_on_fault(void);

/* Called on every return to user mode, interrupts disabled: honours kill,
 * suspend and reschedule requests.  May switch threads; returns with
 * interrupts disabled, ready to return to user mode. */
void thread_user_return(void);

/* Live threads (all processes). */
uint64_t thread_live_count(void);

/* Boot: turn the running boot context into the boot CPU's idle thread
 * (and set up the thread cache); thread_init_idle_cpu() makes CPU cpu's
 * idle thread its current one (the boot CPU does it for every other CPU
 * before they schedule, so each has a current thread from then on). */
void thread_init_idle(void);
void thread_init_idle_cpu(unsigned cpu);

/* Free a dead thread's kernel stack and drop the scheduler's reference;
 * never on the thread itself (its stack is in use). */
void thread_reap(struct thread *t);

#endif /* KERNEL_THREAD_H */
