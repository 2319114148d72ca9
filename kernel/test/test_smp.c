/* In-kernel smp.* tests of the generic multiprocessor hooks (kernel/arch.h):
 * cross-calls reach every CPU and cannot deadlock on a waiting caller.
 * The x86_64 bring-up itself is tested in kernel/arch/x86_64/smp_selftest.c. */
#include <kernel/arch.h>
#include <kernel/ktest.h>

static void record_cpu(void *arg)
{
	*(volatile unsigned *)arg = arch_cpu_id();
}

KTEST(smp, cross_call_runs_on_each_cpu)
{
	for (unsigned cpu = 0; cpu < arch_cpu_count(); cpu++) {
		unsigned ran_on = ~0u;

		KT_CHECK(arch_cpu_online(cpu));
		KT_CHECK_EQ(arch_cpu_call(cpu, record_cpu, &ran_on), 0);
		KT_CHECK_EQ(ran_on, cpu);
	}
}

KTEST(smp, cross_call_to_offline_cpu_refused)
{
	unsigned ran_on = ~0u, n = arch_cpu_count();

	KT_CHECK(!arch_cpu_online(n));
	KT_CHECK_EQ(arch_cpu_call(n, record_cpu, &ran_on), -1);
	KT_CHECK_EQ(ran_on, ~0u);
}

struct call_back {
	unsigned caller;
	unsigned ran_on;
	int result;
};

static void call_the_caller(void *arg)
{
	struct call_back *cb = arg;

	cb->result = arch_cpu_call(cb->caller, record_cpu, &cb->ran_on);
}

/* The callee calls back into the CPU that waits for it (with interrupts
 * off): the waiter must serve it, or both would spin forever. */
KTEST(smp, cross_call_back_into_waiting_caller)
{
	for (unsigned cpu = 1; cpu < arch_cpu_count(); cpu++) {
		struct call_back cb = { .caller = arch_cpu_id(), .ran_on = ~0u, .result = 1 };

		KT_CHECK_EQ(arch_cpu_call(cpu, call_the_caller, &cb), 0);
		KT_CHECK_EQ(cb.result, 0);
		KT_CHECK_EQ(cb.ran_on, cb.caller);
	}
}
