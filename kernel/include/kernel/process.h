/*
 * Processes: an address space, a handle table and threads.  A process
 * starts with no handles but those its creator gives it and ends when its
 * last thread ends (or it is killed); then its handles are closed, its
 * mappings removed, MT_SIGNAL_TERMINATED raised and its result (exit code
 * or fault) kept for whoever holds a handle.
 */
#ifndef KERNEL_PROCESS_H
#define KERNEL_PROCESS_H

#include <kernel/handle.h>
#include <kernel/quota.h>
#include <kernel/thread.h>

struct aspace;

enum process_state {
	PROCESS_NEW,        /* no thread started yet */
	PROCESS_RUNNING,
	PROCESS_DEAD,
};

struct process {
	struct object obj;
	enum process_state state;
	struct handle_table handles;
	struct aspace *aspace;          /* reference held */
	struct list_node threads;       /* struct thread.proc_node, not dead */
	uint32_t thread_count;          /* threads not yet dead */
	uint32_t fault_policy;          /* MT_FAULT_POLICY_* */
	bool is_init;                   /* its end powers the machine off */
	struct mt_task_result result;
	char name[MT_NAME_MAX + 1];
	struct quota *quota;            /* its node (a reference) */
	uint8_t sched_ceiling;          /* highest level its threads may get
					   (kernel/sched.h sched_level_of) */
};

/* An empty process with an empty address space, its quota node a
 * pass-through child of `parent` (or `parent` itself when root is true:
 * init).  The process, its table and its address space are charged to
 * it; MT_ERR_NO_MEMORY. */
mt_status_t process_create(const char *name, size_t name_len,
			   struct quota *parent, bool root,
			   struct process **out) __must_check;

/* Kill every thread; the process ends when the last one is gone. */
void process_kill(struct process *p, uint32_t how, int64_t code);

/* Called by thread.c when a thread of p dies. */
void process_thread_exited(struct process *p);

/* Kill p if it is garbage: none of its threads ever started, and p and
 * its threads are named only by handles in p's own table, so nothing can
 * ever start or reach them (a cycle reference counting cannot free: a
 * process holding a handle to itself).  Conservative: any other
 * reference — another table, a message in flight, a dead thread — keeps
 * it.  Called when p or one of its unstarted threads loses a reference,
 * and when a thread of p ends. */
void process_collect(struct process *p);

/* Record how the process ends (first call wins). */
void process_set_result(struct process *p, uint32_t state, int64_t code,
			const struct mt_task_result *fault);

/* The current thread's process. */
static inline struct process *process_current(void)
{
	return thread_current()->proc;
}

uint64_t process_live_count(void);

/* Copy a user name of len bytes (<= MT_NAME_MAX) into dst[len + 1]. */
mt_status_t copy_name_from_user(char *dst, uintptr_t name, size_t len) __must_check;

/* Look a handle up in the calling process's table (see handle_lookup). */
static inline mt_status_t handle_get(mt_handle_t h, uint32_t type,
				     mt_rights_t rights, struct handle_entry **out)
{
	return handle_lookup(&process_current()->handles, h, type, rights, out);
}

/* Install obj (rights, badge) in table t and copy the handle value to user
 * memory at uout; on a bad pointer the handle is removed again and
 * MT_ERR_BAD_ADDRESS returned. */
mt_status_t handle_install_to_user(struct handle_table *t, struct object *obj,
				   mt_rights_t rights, uint64_t badge,
				   uintptr_t uout) __must_check;

/* handle_install_to_user into the caller's own table, without a badge. */
mt_status_t handle_give_user(struct object *obj, mt_rights_t rights,
			     uintptr_t uout) __must_check;

#endif /* KERNEL_PROCESS_H */
