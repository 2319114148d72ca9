/*
 * smp.*: threads on every CPU, affinity, wakeups and IPC across CPUs, TLB
 * shootdown, kills of threads running elsewhere, load balancing.  Every
 * test also passes on one CPU, where the cross-CPU parts are trivial.
 */
#include "guest.h"

#include <libmantra/ipc.h>

#define MAX_CPUS 16

static struct mt_thread_sched sched_of(mt_handle_t th)
{
	struct mt_thread_sched s;

	GT_OK(mt_thread_sched(th, &s));
	return s;
}

/* How many CPUs run threads: affinity to an offline CPU is refused. */
static unsigned cpu_count(void)
{
	mt_handle_t th;
	unsigned n = 0;
	uint64_t entry, sp;

	th = gt_thread_prepare((void (*)(void *))0, NULL, &entry, &sp);
	while (n < MAX_CPUS && mt_thread_set_affinity(th, 1ull << n) == MT_OK)
		n++;
	mt_handle_drop(th);
	GT_CHECK(n >= 1);
	return n;
}

static volatile bool smp_stop;
static volatile uint64_t smp_count[MAX_CPUS];

/* Spin, calling into the kernel now and then; count and note the CPU. */
static void spin_on(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;

	while (!smp_stop) {
		smp_count[i]++;
		if ((smp_count[i] & 1023) == 0)
			(void)mt_null();
	}
}

static mt_handle_t spawn_pinned(void (*fn)(void *), void *arg, uint64_t cpus)
{
	uint64_t entry, sp;
	mt_handle_t th = gt_thread_prepare(fn, arg, &entry, &sp);

	GT_OK(mt_thread_set_affinity(th, cpus));
	GT_OK(mt_thread_start(th, entry, sp, sp + 8, 0));
	return th;
}

static void stop_all(mt_handle_t *th, unsigned n)
{
	smp_stop = true;
	for (unsigned i = 0; i < n; i++) {
		gt_wait(th[i], MT_SIGNAL_TERMINATED, 10000);
		mt_handle_drop(th[i]);
	}
}

GT_TEST(smp, every_cpu_runs_threads)
{
	unsigned n = cpu_count();
	mt_handle_t th[MAX_CPUS];

	for (unsigned c = 0; c < n; c++)
		th[c] = spawn_pinned(spin_on, (void *)(uintptr_t)c, 1ull << c);
	(void)mt_nanosleep(gt_deadline_ms(100));
	for (unsigned c = 0; c < n; c++) {
		struct mt_thread_sched s = sched_of(th[c]);
		if (!smp_count[c])
			gt_fail("the thread pinned to CPU %u never ran", c);
		if (s.cpu != c)
			gt_fail("the thread pinned to CPU %u runs on CPU %u", c, s.cpu);
	}
	stop_all(th, n);
}

GT_TEST(smp, affinity_holds_and_moves)
{
	unsigned n = cpu_count(), target = n - 1;
	mt_handle_t th[1];

	th[0] = spawn_pinned(spin_on, (void *)0, 1ull << target);
	for (int i = 0; i < 50; i++) {
		(void)mt_nanosleep(gt_deadline_ms(2));
		if (smp_count[0] && sched_of(th[0]).cpu != target)
			gt_fail("pinned to CPU %u, seen on CPU %u", target,
				sched_of(th[0]).cpu);
	}
	/* Moved to CPU 0 while it runs: it gets there and stays. */
	GT_OK(mt_thread_set_affinity(th[0], 1));
	(void)mt_nanosleep(gt_deadline_ms(30));
	for (int i = 0; i < 20; i++) {
		(void)mt_nanosleep(gt_deadline_ms(2));
		GT_CHECK_EQ(sched_of(th[0]).cpu, 0);
	}
	stop_all(th, 1);
}

GT_TEST(smp, affinity_refuses_bad_sets)
{
	unsigned n = cpu_count();
	mt_handle_t me;
	uint64_t entry, sp;

	me = gt_thread_prepare((void (*)(void *))0, NULL, &entry, &sp);
	GT_ERR(mt_thread_set_affinity(me, 0), MT_ERR_INVALID_ARGS);
	if (n < MAX_CPUS)
		GT_ERR(mt_thread_set_affinity(me, ~0ull << n), MT_ERR_INVALID_ARGS);
	GT_OK(mt_thread_set_affinity(me, ~0ull));       /* offline bits ignored */
	GT_ERR(mt_thread_set_affinity(gt_self(), 1), MT_ERR_WRONG_TYPE);
	GT_ERR(mt_thread_set_affinity(0x7fff, 1), MT_ERR_BAD_HANDLE);
	mt_handle_drop(me);
}

/* ---- Across CPUs ---------------------------------------------------- */

static mt_handle_t smp_ep;
#define PING_ROUNDS 3000

static void echo_server(void *arg)
{
	struct mt_ipc_msg msg, reply;
	mt_status_t st = mt_recv(smp_ep, 0, &msg);

	(void)arg;
	while (st >= 0) {
		reply = msg;
		reply.w[0] = msg.w[0] + 1;
		st = mt_reply_wait(smp_ep, &reply, &msg);
	}
}

GT_TEST_FULL(smp, ipc_ping_pong_across_cpus, MT_FAULT_NONE, 60000)
{
	/* The server on the last CPU, us on CPU 0: every call and reply
	 * wakes a thread on the other CPU.  A lost wakeup hangs the test. */
	unsigned n = cpu_count();
	struct mt_ipc_msg in = mt_ipc_msg_make(1, 0, 0, 0), out;
	mt_handle_t srv, me;
	uint64_t entry, sp;

	GT_OK(mt_endpoint_create(&smp_ep));
	srv = spawn_pinned(echo_server, NULL, 1ull << (n - 1));
	(void)entry;
	(void)sp;
	(void)me;
	for (uint64_t i = 0; i < PING_ROUNDS; i++) {
		in.w[0] = i;
		GT_OK(mt_call(smp_ep, &in, &out));
		if (out.w[0] != i + 1)
			gt_fail("round %llu: reply %llu", (unsigned long long)i,
				(unsigned long long)out.w[0]);
	}
	GT_CHECK_EQ(sched_of(srv).cpu, n - 1);
	GT_OK(mt_task_kill(srv));
	gt_wait(srv, MT_SIGNAL_TERMINATED, 5000);
	mt_handle_drop(srv);
	mt_handle_drop(smp_ep);
}

static mt_handle_t smp_ch;

static void channel_echo(void *arg)
{
	uint8_t buf[64];
	uint64_t actual;

	(void)arg;
	for (;;) {
		mt_signals_t seen;
		mt_status_t st = mt_channel_read(smp_ch, buf, sizeof(buf), NULL, 0, &actual);
		if (st == MT_ERR_SHOULD_WAIT) {
			if (mt_object_wait_one(smp_ch, MT_SIGNAL_READABLE | MT_SIGNAL_PEER_CLOSED,
					       MT_TIME_INFINITE, &seen) < 0)
				return;
			continue;
		}
		if (st < 0)
			return;
		buf[0]++;
		if (mt_channel_write(smp_ch, buf, mt_channel_actual_bytes(actual), NULL, 0, 0) < 0)
			return;
	}
}

GT_TEST_FULL(smp, channel_ping_pong_across_cpus, MT_FAULT_NONE, 60000)
{
	unsigned n = cpu_count();
	mt_handle_t a, th;
	uint8_t buf[64] = { 0 };
	uint64_t actual;

	GT_OK(mt_channel_create(&a, &smp_ch));
	th = spawn_pinned(channel_echo, NULL, 1ull << (n - 1));
	for (int i = 0; i < 1000; i++) {
		mt_signals_t seen;
		buf[0] = (uint8_t)i;
		GT_OK(mt_channel_write(a, buf, sizeof(buf), NULL, 0, 0));
		GT_OK(mt_object_wait_one(a, MT_SIGNAL_READABLE, gt_deadline_ms(5000), &seen));
		GT_OK(mt_channel_read(a, buf, sizeof(buf), NULL, 0, &actual));
		GT_CHECK_EQ(buf[0], (uint8_t)(i + 1));
	}
	mt_handle_drop(a);              /* PEER_CLOSED ends the echo */
	gt_wait(th, MT_SIGNAL_TERMINATED, 5000);
	mt_handle_drop(th);
	mt_handle_drop(smp_ch);
}

static void spin_forever(void *arg)
{
	(void)arg;
	for (;;)
		smp_count[0]++;
}

GT_TEST(smp, kill_thread_running_on_another_cpu)
{
	/* It never enters the kernel by itself: the kill must interrupt its
	 * CPU. */
	unsigned n = cpu_count();
	mt_handle_t th = spawn_pinned(spin_forever, NULL, 1ull << (n - 1));

	while (!smp_count[0])
		(void)mt_nanosleep(gt_deadline_ms(1));
	GT_OK(mt_task_kill(th));
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	mt_handle_drop(th);
}

GT_TEST(smp, suspend_thread_running_on_another_cpu)
{
	unsigned n = cpu_count();
	mt_handle_t th = spawn_pinned(spin_forever, NULL, 1ull << (n - 1));
	uint64_t c;

	while (!smp_count[0])
		(void)mt_nanosleep(gt_deadline_ms(1));
	GT_OK(mt_task_suspend(th));
	gt_wait(th, MT_SIGNAL_SUSPENDED, 2000);
	c = smp_count[0];
	(void)mt_nanosleep(gt_deadline_ms(20));
	GT_CHECK_EQ(smp_count[0], c);
	GT_OK(mt_task_resume(th));
	while (smp_count[0] == c)
		(void)mt_nanosleep(gt_deadline_ms(1));
	GT_OK(mt_task_kill(th));
	gt_wait(th, MT_SIGNAL_TERMINATED, 2000);
	mt_handle_drop(th);
}

/* ---- TLB shootdown ------------------------------------------------------- */

static volatile uint64_t *smp_page;
static volatile uint64_t smp_reads[MAX_CPUS], smp_last[MAX_CPUS];

static void read_page(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;

	while (!smp_stop) {
		smp_last[i] = *smp_page;
		smp_reads[i]++;
	}
}

GT_TEST(smp, tlb_shootdown_unmapped_page_faults_everywhere)
{
	/* Threads on every CPU read a page (so their TLBs cache it); we
	 * unmap it: every one of them must fault on it, none may go on
	 * reading the freed frame.  Faulting threads stop (policy STOP). */
	unsigned n = cpu_count();
	mt_handle_t th[MAX_CPUS], m;
	uint64_t addr, one = 1;

	GT_OK(mt_process_set_fault_policy(gt_self(), MT_FAULT_POLICY_STOP));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &m));
	GT_OK(mt_memory_write(m, 0, &one, sizeof(one)));
	addr = (uint64_t)GT_OK(mt_vm_map(gt_aspace(), 0, m, 0, MT_PAGE_SIZE, MT_PROT_READ));
	smp_page = (volatile uint64_t *)(uintptr_t)addr;
	for (unsigned c = 0; c < n; c++)
		th[c] = spawn_pinned(read_page, (void *)(uintptr_t)c, 1ull << c);
	for (unsigned c = 0; c < n; c++)
		while (smp_reads[c] == 0 || smp_last[c] != 1)
			(void)mt_nanosleep(gt_deadline_ms(1));
	GT_OK(mt_vm_unmap(gt_aspace(), addr, MT_PAGE_SIZE));
	for (unsigned c = 0; c < n; c++) {
		struct mt_task_result r;

		gt_wait(th[c], MT_SIGNAL_FAULTED, 5000);
		GT_OK(mt_task_result(th[c], &r));
		if (r.fault != MT_FAULT_PAGE || r.fault_addr != addr)
			gt_fail("CPU %u's reader: fault %u at %#llx", c, r.fault,
				(unsigned long long)r.fault_addr);
	}
	/* The page back, and they may go: killing a thread stopped on a
	 * fault would end the process as faulted. */
	GT_OK(mt_vm_map(gt_aspace(), addr, m, 0, MT_PAGE_SIZE, MT_PROT_READ | MT_MAP_FIXED));
	smp_stop = true;
	for (unsigned c = 0; c < n; c++) {
		GT_OK(mt_task_resume(th[c]));
		gt_wait(th[c], MT_SIGNAL_TERMINATED, 5000);
		mt_handle_drop(th[c]);
	}
	GT_OK(mt_vm_unmap(gt_aspace(), addr, MT_PAGE_SIZE));
	mt_handle_drop(m);
}

/* ---- Balancing and stress ------------------------------------------------ */

GT_TEST(smp, idle_cpus_take_work)
{
	/* 2n unpinned spinners: every CPU ends up running some. */
	unsigned n = cpu_count();
	mt_handle_t th[2 * MAX_CPUS];
	uint32_t seen = 0;

	for (unsigned i = 0; i < 2 * n; i++)
		th[i] = gt_thread_spawn(spin_on, (void *)(uintptr_t)(i % MAX_CPUS), 0);
	for (int t = 0; t < 100 && (unsigned)__builtin_popcount(seen) < n; t++) {
		(void)mt_nanosleep(gt_deadline_ms(5));
		for (unsigned i = 0; i < 2 * n; i++)
			seen |= 1u << sched_of(th[i]).cpu;
	}
	if ((unsigned)__builtin_popcount(seen) < n)
		gt_fail("threads ran on CPUs %#x of %u", seen, n);
	stop_all(th, 2 * n);
}

static void syscall_storm(void *arg)
{
	mt_handle_t h;

	(void)arg;
	while (!smp_stop) {
		(void)mt_null();
		if (mt_handle_duplicate(gt_self(), MT_RIGHT_SAME, &h) == MT_OK)
			(void)mt_handle_close(h);
		(void)mt_thread_yield();
	}
}

GT_TEST_FULL(smp, kernel_stress_keeps_invariants, MT_FAULT_NONE, 60000)
{
	/* Every CPU in the kernel at once for a while; the invariant checker
	 * between rounds. */
	unsigned n = cpu_count();
	mt_handle_t th[MAX_CPUS];

	for (unsigned c = 0; c < n; c++)
		th[c] = spawn_pinned(syscall_storm, NULL, 1ull << c);
	for (int i = 0; i < 10; i++) {
		(void)mt_nanosleep(gt_deadline_ms(10));
		GT_OK(mt_debug_check(gt_log()));
	}
	stop_all(th, n);
	GT_OK(mt_debug_check(gt_log()));
}
