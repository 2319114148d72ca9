/* User faults (kernel/fault.h).  The kernel never panics because of what
 * user code did: it records the fault and stops or kills. */
#include <kernel/fault.h>
#include <kernel/log.h>
#include <kernel/process.h>

static const char *const fault_names[] = {
	"none", "page fault", "general protection", "invalid opcode",
	"divide error", "breakpoint", "exception",
};

void fault_user(uint32_t kind, uint64_t addr, uint64_t ip, uint64_t vector,
		uint64_t error)
{
	struct thread *t = thread_current();
	struct process *p = t->proc;

	t->result = (struct mt_task_result){
		.state = MT_TASK_FAULTED, .fault = kind, .fault_addr = addr,
		.fault_ip = ip, .fault_vector = vector, .fault_error = error,
	};
	klog(LOG_INFO, "fault: %s/%s: %s at ip %#lx addr %#lx (vector %lu, error %#lx)\n",
	     p->name, t->name, fault_names[kind], ip, addr, vector, error);
	if (p->fault_policy == MT_FAULT_POLICY_STOP && thread_stop_on_fault())
		return;                 /* a handler resumed it */
	process_set_result(p, MT_TASK_FAULTED, 0, &t->result);
	process_kill(p, MT_TASK_FAULTED, 0);
}
