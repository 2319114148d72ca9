/*
 * bin/bench: kernel micro-benchmarks, run by `make bench` as init under
 * QEMU with -icount shift=0, where the TSC advances exactly once per guest
 * instruction.  Each figure is the median over many runs of a busy path
 * (never across a HLT, whose idle time would warp the clock), minus the
 * cost of reading the TSC, and is printed as `BENCH name value insns`.
 *
 * user/bench/sched.c has the scheduling benchmarks, which measure time
 * (ns) across sleeps instead.
 *
 * Started with startup.arg 0 it measures; child copies of itself run with
 * arg BENCH_CHILD_YIELD (yield forever), BENCH_CHILD_EXIT (exit at once) or
 * one of the IPC peer roles, whose handles arrive in a page mapped at
 * BENCH_BOX_ADDR (bench_spawn_peer).
 */
#include "bench.h"

#include <libmantra/ipc.h>
#include <libmantra/shm_ring.h>
#include <stdio.h>
#include <string.h>

#define RUNS            1001
#define SPAWN_RUNS      21
#define BENCH_CHILD_EXIT  2
#define BENCH_CHILD_IPC   3     /* serve the endpoint in box[0] */
#define BENCH_CHILD_CHAN  4     /* echo channel box[0], waiting on a port */
#define BENCH_CHILD_SHM   5     /* drain ring box[0..1], ack on ring box[2..3] */
#define BENCH_BOX_ADDR    0x0000000012000000ULL
#define XFER_RUNS         21
#define XFER_SIZE         (1024u * 1024u)
#define SHM_BURST         64
/* Server labels (BENCH_CHILD_IPC). */
#define SRV_ECHO          1     /* reply with the same length and flags */
#define SRV_STORE         2     /* copy the data to big + w0 */
#define SRV_MAP           3     /* map the memory handle, read it, drop it */

static uint64_t samples[RUNS];

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* Insertion sort: n is small. */
void bench_sort(uint64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t j = i;
		for (; j && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static uint64_t median(uint64_t *v, size_t n)
{
	bench_sort(v, n);
	return v[n / 2];
}

static uint64_t tsc_overhead;

void bench_report(const char *name, uint64_t value, const char *unit)
{
	printf("BENCH %s %llu %s\n", name, (unsigned long long)value, unit);
}

static void report(const char *name, uint64_t value)
{
	bench_report(name, value, "insns");
}

static void measure_overhead(void)
{
	for (size_t i = 0; i < RUNS; i++) {
		uint64_t t0 = tsc();
		samples[i] = tsc() - t0;
	}
	tsc_overhead = median(samples, RUNS);
}

static uint64_t net(uint64_t delta)
{
	return delta > tsc_overhead ? delta - tsc_overhead : 0;
}

static BENCH_FN void bench_null_syscall(void)
{
	for (size_t i = 0; i < RUNS; i++) {
		uint64_t t0 = tsc();
		(void)mt_null();
		samples[i] = net(tsc() - t0);
	}
	report("null_syscall", median(samples, RUNS));
}

/* A yield round trip with one other runnable thread is two switches. */
static BENCH_FN void bench_yield_pair(const char *name)
{
	for (size_t i = 0; i < RUNS; i++) {
		uint64_t t0 = tsc();
		(void)mt_thread_yield();
		samples[i] = net(tsc() - t0);
	}
	report(name, median(samples, RUNS) / 2);
}

static void yield_forever(void)
{
	for (;;)
		(void)mt_thread_yield();
}

static mt_handle_t start_yielder_thread(void)
{
	uint64_t stack;
	mt_handle_t th = 0;

	if (mt_map_anon(64 * 1024, MT_PROT_READ | MT_PROT_WRITE, &stack, NULL) < 0 ||
	    mt_thread_create(mt_startup()->self_process, "yielder", 7, &th) < 0 ||
	    mt_thread_start(th, (uint64_t)(uintptr_t)yield_forever,
			    stack + 64 * 1024 - 8, 0, 0) < 0) {
		printf("bench: cannot start a thread\n");
		mt_process_exit(1);
	}
	return th;
}

static BENCH_FN void bench_thread_switch(void)
{
	mt_handle_t th = start_yielder_thread();

	bench_yield_pair("thread_switch");
	(void)mt_task_kill(th);
	mt_handle_drop(th);
	(void)mt_thread_yield();
}

static BENCH_FN void bench_process_switch(void)
{
	struct mt_spawn_result child;

	if (mt_spawn_file("bin/bench", "yielder", BENCH_CHILD_YIELD, &child) < 0) {
		printf("bench: cannot spawn\n");
		mt_process_exit(1);
	}
	(void)mt_thread_yield();        /* let it start */
	bench_yield_pair("process_switch");
	(void)mt_task_kill(child.process);
	mt_spawn_release(&child);
}

/* First touch of a lazily filled page: fault, zeroed frame, map, return. */
static BENCH_FN void bench_page_fault(void)
{
	uint64_t base;

	if (mt_map_anon(RUNS * MT_PAGE_SIZE, MT_PROT_READ | MT_PROT_WRITE, &base, NULL) < 0) {
		printf("bench: cannot map\n");
		mt_process_exit(1);
	}
	for (size_t i = 0; i < RUNS; i++) {
		volatile char *p = (volatile char *)(uintptr_t)(base + i * MT_PAGE_SIZE);
		uint64_t t0 = tsc();
		*p = 1;
		samples[i] = net(tsc() - t0);
	}
	report("page_fault_zero_fill", median(samples, RUNS));
}

static BENCH_FN void bench_map_unmap(void)
{
	mt_handle_t as = mt_startup()->self_aspace, mem;

	if (mt_memory_create(MT_PAGE_SIZE, 0, &mem) < 0) {
		printf("bench: cannot create memory\n");
		mt_process_exit(1);
	}
	for (size_t i = 0; i < RUNS; i++) {
		uint64_t t0 = tsc();
		mt_status_t at = mt_vm_map(as, 0, mem, 0, MT_PAGE_SIZE, MT_PROT_READ);
		(void)mt_vm_unmap(as, (uint64_t)at, MT_PAGE_SIZE);
		samples[i] = net(tsc() - t0);
	}
	mt_handle_drop(mem);
	report("map_unmap_page", median(samples, RUNS));
}

/* Create, load and start a process that exits at once, and see it end. */
static BENCH_FN void bench_spawn(void)
{
	struct mt_spawn_result child;
	mt_signals_t seen;

	for (size_t i = 0; i < SPAWN_RUNS; i++) {
		uint64_t t0 = tsc();
		if (mt_spawn_file("bin/bench", "child", BENCH_CHILD_EXIT, &child) < 0 ||
		    mt_object_wait_one(child.process, MT_SIGNAL_TERMINATED,
				       MT_TIME_INFINITE, &seen) < 0) {
			printf("bench: spawn failed\n");
			mt_process_exit(1);
		}
		samples[i] = net(tsc() - t0);
		mt_spawn_release(&child);
	}
	report("process_spawn", median(samples, SPAWN_RUNS));
}


/* ---- IPC ---------------------------------------------------------------- */

void bench_die(const char *what, mt_status_t st)
{
	printf("bench: %s: %s\n", what, mt_status_str(st));
	mt_process_exit(1);
}

static mt_handle_t *box_handles(void)
{
	return (mt_handle_t *)(uintptr_t)BENCH_BOX_ADDR;
}

/* Spawn bin/bench in role `arg` with the handles give[0..n) moved into it;
 * their values are at BENCH_BOX_ADDR in the child. */
static BENCH_FN void bench_spawn_peer(uint64_t arg, const mt_handle_t *give, size_t n,
			     struct mt_spawn_result *out)
{
	const struct mt_startup *self = mt_startup();
	struct mt_spawn_args args = { 0 };
	struct bootfs_file file;
	mt_handle_t box, vals[8] = { 0 };
	mt_status_t st;

	st = mt_bootfs_file("bin/bench", &file);
	if (st < 0)
		bench_die("bootfs", st);
	args.name = "peer";
	args.image = file.data;
	args.image_size = file.size;
	args.arg = arg;
	args.bootfs = self->bootfs;
	args.bootfs_size = self->bootfs_size;
	args.debuglog = self->debuglog;
	args.suspended = true;
	if ((st = mt_spawn(&args, out)) < 0 ||
	    (st = mt_memory_create(MT_PAGE_SIZE, 0, &box)) < 0 ||
	    (st = mt_vm_map(out->aspace, BENCH_BOX_ADDR, box, 0, MT_PAGE_SIZE,
			    MT_PROT_READ | MT_MAP_FIXED)) < 0)
		bench_die("spawn peer", st);
	for (size_t i = 0; i < n; i++)
		if ((st = mt_process_give_handle(out->process, give[i], &vals[i])) < 0)
			bench_die("give handle", st);
	if ((st = mt_memory_write(box, 0, vals, sizeof(vals))) < 0 ||
	    (st = mt_spawn_start(out)) < 0)
		bench_die("start peer", st);
	mt_handle_drop(box);
}

static BENCH_FN void bench_kill_peer(struct mt_spawn_result *peer)
{
	mt_signals_t seen;

	(void)mt_task_kill(peer->process);
	(void)mt_object_wait_one(peer->process, MT_SIGNAL_TERMINATED,
				 MT_TIME_INFINITE, &seen);
	mt_spawn_release(peer);
}

/* The fast-path echo: answer every register-only SRV_ECHO call with its
 * own info and words, which are already in the right registers, until a
 * call of another kind arrives (left in *in).  This keeps the server's own
 * code out of the ipc_call_roundtrip figure, which is about the kernel. */
static mt_status_t echo_fast(mt_handle_t ep, struct mt_ipc_msg *in)
{
	const uint64_t echo = MT_IPC_INFO(SRV_ECHO, 0, 0);
	register uint64_t rax __asm__("rax");
	register uint64_t rdi __asm__("rdi");
	register uint64_t rsi __asm__("rsi") = in->info;
	register uint64_t rdx __asm__("rdx") = in->w[0];
	register uint64_t r10 __asm__("r10") = in->w[1];
	register uint64_t r8 __asm__("r8") = in->w[2];
	register uint64_t r9 __asm__("r9") = in->w[3];

	do {
		rax = MT_SYS_ipc_reply_wait;
		rdi = ep;
		__asm__ volatile("syscall"
				 : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx),
				   "+r"(r10), "+r"(r8), "+r"(r9)
				 :
				 : "rcx", "r11", "memory");
	} while ((int64_t)rax >= 0 && rsi == echo);
	*in = (struct mt_ipc_msg){ rsi, { rdx, r10, r8, r9 }, rdi };
	return (mt_status_t)rax;
}

/* BENCH_CHILD_IPC: the server of the endpoint benchmarks. */
static BENCH_FN void child_ipc_server(void)
{
	static uint8_t big[XFER_SIZE];
	mt_handle_t ep = box_handles()[0], as = mt_startup()->self_aspace;
	struct mt_ipc_buffer *buf;
	struct mt_ipc_msg in, r = { 0, { 0, 0, 0, 0 }, 0 };
	mt_status_t st;

	if (mt_ipc_buffer_alloc(&buf) < 0)
		mt_process_exit(2);
	st = mt_recv(ep, 0, &in);
	while (st >= 0) {
		uint32_t len = MT_IPC_LEN(in.info);

		if (in.info == MT_IPC_INFO(SRV_ECHO, 0, 0)) {
			st = echo_fast(ep, &in);
			continue;
		}

		r.info = MT_IPC_INFO(SRV_ECHO, len, 0) | (in.info & MT_IPC_SLOWPATH);
		if (MT_IPC_LABEL(in.info) == SRV_STORE) {
			if (in.w[0] + len <= XFER_SIZE)
				memcpy(big + in.w[0], buf->data, len);
			r.info = MT_IPC_INFO(SRV_STORE, 0, 0);
		} else if (MT_IPC_LABEL(in.info) == SRV_MAP) {
			mt_status_t at = mt_vm_map(as, 0, buf->handles[0], 0,
						   XFER_SIZE, MT_PROT_READ);
			r.info = MT_IPC_INFO(SRV_MAP, 0, 0);
			if (at >= 0) {
				const volatile uint64_t *p =
					(const volatile uint64_t *)(uintptr_t)at;
				r.w[0] = p[0] + p[XFER_SIZE / 8 - 1];
				(void)mt_vm_unmap(as, (uint64_t)at, XFER_SIZE);
			}
			mt_handle_drop(buf->handles[0]);
		}
		st = mt_reply_wait(ep, &r, &in);
	}
	mt_process_exit(3);
}

/* One call round trip with `info`, median of RUNS. */
static BENCH_FN void bench_call(const char *name, mt_handle_t ep, uint64_t info)
{
	struct mt_ipc_msg in = { info, { 1, 2, 3, 4 }, 0 }, out;

	for (size_t i = 0; i < 100; i++)
		(void)mt_call(ep, &in, &out);
	for (size_t i = 0; i < RUNS; i++) {
		uint64_t t0 = tsc();
		mt_status_t st = mt_call(ep, &in, &out);
		samples[i] = net(tsc() - t0);
		if (st < 0)
			bench_die(name, st);
	}
	report(name, median(samples, RUNS));
}

/* 1 MiB from our memory into the server's, 4 KiB per call: our copy into
 * the IPC buffer, the kernel's, the server's copy out. */
static BENCH_FN void bench_transfer_copy(mt_handle_t ep, struct mt_ipc_buffer *buf,
				const uint8_t *src)
{
	struct mt_ipc_msg in = { MT_IPC_INFO(SRV_STORE, MT_IPC_DATA_MAX, 0),
				 { 0, 0, 0, 0 }, 0 }, out;

	for (size_t i = 0; i < XFER_RUNS; i++) {
		uint64_t t0 = tsc();
		for (uint32_t off = 0; off < XFER_SIZE; off += MT_IPC_DATA_MAX) {
			memcpy(buf->data, src + off, MT_IPC_DATA_MAX);
			in.w[0] = off;
			mt_status_t st = mt_call(ep, &in, &out);
			if (st < 0)
				bench_die("transfer_1m_copy", st);
		}
		samples[i] = net(tsc() - t0);
	}
	report("transfer_1m_copy", median(samples, XFER_RUNS));
}

/* 1 MiB memory object (filled beforehand) granted to the server, which
 * maps it and reads its first and last words. */
static BENCH_FN void bench_transfer_grant(mt_handle_t ep, struct mt_ipc_buffer *buf)
{
	struct mt_ipc_msg in = { MT_IPC_INFO(SRV_MAP, 0, 1) | MT_IPC_GRANT,
				 { 0, 0, 0, 0 }, 0 }, out;

	for (size_t i = 0; i < XFER_RUNS; i++) {
		uint64_t addr;
		mt_handle_t mem;
		mt_status_t st = mt_map_anon(XFER_SIZE, MT_PROT_READ | MT_PROT_WRITE,
					     &addr, &mem);
		if (st < 0)
			bench_die("transfer_1m_zerocopy map", st);
		for (uint32_t off = 0; off < XFER_SIZE; off += MT_PAGE_SIZE)
			*(volatile uint8_t *)(uintptr_t)(addr + off) = (uint8_t)off;
		buf->handles[0] = mem;
		uint64_t t0 = tsc();
		st = mt_call(ep, &in, &out);
		samples[i] = net(tsc() - t0);
		if (st < 0)
			bench_die("transfer_1m_zerocopy", st);
	}
	report("transfer_1m_zerocopy", median(samples, XFER_RUNS));
}

static BENCH_FN void bench_endpoint(void)
{
	static uint8_t src[XFER_SIZE];
	struct mt_spawn_result peer;
	struct mt_ipc_buffer *buf;
	mt_handle_t ep, give;
	mt_status_t st;

	if ((st = mt_ipc_buffer_alloc(&buf)) < 0 ||
	    (st = mt_endpoint_create(&ep)) < 0 ||
	    (st = mt_handle_duplicate(ep, MT_RIGHT_SAME, &give)) < 0)
		bench_die("endpoint", st);
	bench_spawn_peer(BENCH_CHILD_IPC, &give, 1, &peer);
	bench_call("ipc_call_roundtrip", ep, MT_IPC_INFO(SRV_ECHO, 0, 0));
	bench_call("ipc_call_roundtrip_slowpath", ep,
		   MT_IPC_INFO(SRV_ECHO, 0, 0) | MT_IPC_SLOWPATH);
	bench_call("ipc_call_roundtrip_4k", ep,
		   MT_IPC_INFO(SRV_ECHO, MT_IPC_DATA_MAX, 0));
	for (size_t i = 0; i < XFER_SIZE; i += 64)
		src[i] = (uint8_t)i;
	bench_transfer_copy(ep, buf, src);
	bench_transfer_grant(ep, buf);
	bench_kill_peer(&peer);
	mt_handle_drop(ep);
	mt_ipc_buffer_free(buf);
}

/* BENCH_CHILD_CHAN: wait on a port for READABLE, read, write back, as
 * long as more messages are queued. */
static BENCH_FN void child_chan_echo(void)
{
	mt_handle_t ch = box_handles()[0], port;
	struct mt_port_packet pkt;
	uint8_t msg[64];
	uint64_t actual;

	if (mt_port_create(&port) < 0 ||
	    mt_port_watch(port, ch, MT_SIGNAL_READABLE, 1, MT_PORT_REPEATING) < 0)
		mt_process_exit(2);
	for (;;) {
		if (mt_port_wait(port, MT_TIME_INFINITE, &pkt) < 0)
			mt_process_exit(3);
		/* The count of messages behind each one saves the read that
		 * would only say the queue is empty. */
		do {
			if (mt_channel_read(ch, msg, sizeof(msg), NULL, 0, &actual) < 0)
				break;
			(void)mt_channel_write(ch, msg, mt_channel_actual_bytes(actual),
					       NULL, 0, 0);
		} while (mt_channel_actual_more(actual));
	}
}

static BENCH_FN void bench_channel(void)
{
	struct mt_spawn_result peer;
	struct mt_port_packet pkt;
	mt_handle_t a, b, port;
	uint8_t msg[64] = { 1 };
	uint64_t actual;
	mt_status_t st;

	if ((st = mt_channel_create(&a, &b)) < 0 ||
	    (st = mt_port_create(&port)) < 0 ||
	    (st = mt_port_watch(port, a, MT_SIGNAL_READABLE, 1, MT_PORT_REPEATING)) < 0)
		bench_die("channel", st);
	bench_spawn_peer(BENCH_CHILD_CHAN, &b, 1, &peer);
	for (size_t i = 0; i < 100 + RUNS; i++) {
		uint64_t t0 = tsc();
		if ((st = mt_channel_write(a, msg, sizeof(msg), NULL, 0, 0)) < 0 ||
		    (st = mt_port_wait(port, MT_TIME_INFINITE, &pkt)) < 0 ||
		    (st = mt_channel_read(a, msg, sizeof(msg), NULL, 0, &actual)) < 0)
			bench_die("chan_roundtrip_64b", st);
		if (i >= 100)
			samples[i - 100] = net(tsc() - t0);
	}
	report("chan_roundtrip_64b", median(samples, RUNS));
	bench_kill_peer(&peer);
	mt_handle_drop(a);
	mt_handle_drop(port);
}

/* Two threads, two ports: a packet each way per round; half a round is
 * one wake-up of a thread blocked in port_wait. */
static mt_handle_t wake_ports[2];

static void port_ponger(void)
{
	struct mt_port_packet pkt = { 0, 0, 0, { 0, 0 } };

	for (;;) {
		if (mt_port_wait(wake_ports[0], MT_TIME_INFINITE, &pkt) < 0)
			break;
		(void)mt_port_queue(wake_ports[1], &pkt);
	}
	(void)mt_thread_exit();
}

static BENCH_FN void bench_port_wakeup(void)
{
	struct mt_port_packet pkt = { 0, 0, 0, { 0, 0 } };
	uint64_t stack;
	mt_handle_t th;
	mt_status_t st;

	if ((st = mt_port_create(&wake_ports[0])) < 0 ||
	    (st = mt_port_create(&wake_ports[1])) < 0 ||
	    (st = mt_map_anon(64 * 1024, MT_PROT_READ | MT_PROT_WRITE, &stack, NULL)) < 0 ||
	    (st = mt_thread_create(mt_startup()->self_process, "ponger", 6, &th)) < 0 ||
	    (st = mt_thread_start(th, (uint64_t)(uintptr_t)port_ponger,
				  stack + 64 * 1024 - 8, 0, 0)) < 0)
		bench_die("port_wakeup", st);
	for (size_t i = 0; i < 100 + RUNS; i++) {
		uint64_t t0 = tsc();
		if ((st = mt_port_queue(wake_ports[0], &pkt)) < 0 ||
		    (st = mt_port_wait(wake_ports[1], MT_TIME_INFINITE, &pkt)) < 0)
			bench_die("port_wakeup", st);
		if (i >= 100)
			samples[i - 100] = net(tsc() - t0);
	}
	report("port_wakeup", median(samples, RUNS) / 2);
	(void)mt_task_kill(th);
	mt_handle_drop(th);
	mt_handle_drop(wake_ports[0]);
	mt_handle_drop(wake_ports[1]);
}

/* BENCH_CHILD_SHM: drain the request ring; after each message with
 * msg[1] set (end of a burst), send one ack. */
static BENCH_FN void child_shm(void)
{
	mt_handle_t *h = box_handles();
	struct mt_shm_ring req, ack;
	uint64_t msg[MT_SHM_SLOT_SIZE / 8];

	if (mt_shm_ring_attach(h[0], h[1], &req) < 0 ||
	    mt_shm_ring_attach(h[2], h[3], &ack) < 0)
		mt_process_exit(2);
	while (mt_shm_ring_recv(&req, msg, MT_TIME_INFINITE) >= 0)
		if (msg[1] && mt_shm_ring_send(&ack, msg, MT_TIME_INFINITE) < 0)
			break;
	mt_process_exit(3);
}

static BENCH_FN void bench_shm_ring(void)
{
	struct mt_spawn_result peer;
	struct mt_shm_ring req, ack;
	uint64_t msg[MT_SHM_SLOT_SIZE / 8] = { 0 };
	mt_handle_t give[4];
	mt_status_t st;

	if ((st = mt_shm_ring_create(256, &req)) < 0 ||
	    (st = mt_shm_ring_create(16, &ack)) < 0 ||
	    (st = mt_shm_ring_share(&req, &give[0], &give[1])) < 0 ||
	    (st = mt_shm_ring_share(&ack, &give[2], &give[3])) < 0)
		bench_die("shm ring", st);
	bench_spawn_peer(BENCH_CHILD_SHM, give, 4, &peer);
	for (size_t i = 0; i < 10 + RUNS; i++) {
		uint64_t t0 = tsc();
		for (int k = 0; k < SHM_BURST; k++) {
			msg[0] = (uint64_t)k;
			msg[1] = k == SHM_BURST - 1;
			if ((st = mt_shm_ring_send(&req, msg, MT_TIME_INFINITE)) < 0)
				bench_die("shm_ring_msg send", st);
		}
		if ((st = mt_shm_ring_recv(&ack, msg, MT_TIME_INFINITE)) < 0)
			bench_die("shm_ring_msg ack", st);
		if (i >= 10)
			samples[i - 10] = net(tsc() - t0);
	}
	report("shm_ring_msg", median(samples, RUNS) / SHM_BURST);
	bench_kill_peer(&peer);
	mt_shm_ring_close(&req);
	mt_shm_ring_close(&ack);
}

/* ---- Across CPUs (a boot with two CPUs: tools/bench.py) --------------- */

static mt_handle_t xcpu_ep;
static volatile uint64_t *xcpu_page;
static volatile bool xcpu_stop;

/* Our own thread pinned to `cpus` running fn(arg); waits for it. */
static BENCH_FN void run_pinned(void (*fn)(void *), void *arg, uint64_t cpus)
{
	static uint8_t stack[64 * 1024] __attribute__((aligned(16)));
	mt_handle_t th;
	mt_signals_t seen;
	mt_status_t st;

	if ((st = mt_thread_create(mt_startup()->self_process, "pinned", 6, &th)) < 0 ||
	    (st = mt_thread_set_affinity(th, cpus)) < 0 ||
	    (st = mt_thread_start(th, (uint64_t)(uintptr_t)fn,
				  (uint64_t)(uintptr_t)(stack + sizeof(stack) - 8),
				  (uint64_t)(uintptr_t)arg, 0)) < 0)
		bench_die("pinned thread", st);
	(void)mt_object_wait_one(th, MT_SIGNAL_TERMINATED, MT_TIME_INFINITE, &seen);
	mt_handle_drop(th);
}

static BENCH_FN void xcpu_client(void *arg)
{
	(void)arg;
	bench_call("ipc_call_roundtrip_xcpu", xcpu_ep, MT_IPC_INFO(SRV_ECHO, 0, 0));
	(void)mt_thread_exit();
}

/* Keeps the address space active on CPU 1, the page in its TLB. */
static BENCH_FN void tlb_reader(void *arg)
{
	(void)arg;
	while (!xcpu_stop)
		if (xcpu_page)
			(void)*xcpu_page;
	(void)mt_thread_exit();
}

/* Unmapping a page of an address space that runs on the other CPU: the
 * page-table change and the shootdown (a cross-call to that CPU). */
static BENCH_FN void tlb_unmapper(void *arg)
{
	mt_handle_t mem;
	mt_status_t st;

	(void)arg;
	if ((st = mt_memory_create(MT_PAGE_SIZE, 0, &mem)) < 0)
		bench_die("tlb_shootdown", st);
	for (size_t i = 0; i < RUNS; i++) {
		st = mt_vm_map(mt_startup()->self_aspace, 0, mem, 0, MT_PAGE_SIZE,
			       MT_PROT_READ);
		if (st < 0)
			bench_die("tlb_shootdown map", st);
		xcpu_page = (volatile uint64_t *)(uintptr_t)st;
		(void)*xcpu_page;               /* mapped now, not at the fault */
		uint64_t t0 = tsc();
		uint64_t addr = (uint64_t)(uintptr_t)xcpu_page;
		xcpu_page = NULL;
		st = mt_vm_unmap(mt_startup()->self_aspace, addr, MT_PAGE_SIZE);
		samples[i] = net(tsc() - t0);
		if (st < 0)
			bench_die("tlb_shootdown unmap", st);
	}
	report("tlb_shootdown", median(samples, RUNS));
	mt_handle_drop(mem);
	(void)mt_thread_exit();
}

static void tlb_reader_thread(void *arg)
{
	tlb_reader(arg);
}

static BENCH_FN void bench_xcpu(void)
{
	struct mt_spawn_result peer;
	mt_handle_t give, reader;
	mt_status_t st;
	static uint8_t rstack[16 * 1024] __attribute__((aligned(16)));

	if (mt_thread_create(mt_startup()->self_process, "probe", 5, &reader) < 0 ||
	    mt_thread_set_affinity(reader, 2) < 0) {
		printf("bench: xcpu needs two CPUs (boot with --smp 2)\n");
		return;
	}
	if ((st = mt_endpoint_create(&xcpu_ep)) < 0 ||
	    (st = mt_handle_duplicate(xcpu_ep, MT_RIGHT_SAME, &give)) < 0)
		bench_die("xcpu", st);
	bench_spawn_peer(BENCH_CHILD_IPC, &give, 1, &peer);
	if ((st = mt_thread_set_affinity(peer.thread, 2)) < 0)
		bench_die("xcpu affinity", st);
	run_pinned(xcpu_client, NULL, 1);
	bench_kill_peer(&peer);
	mt_handle_drop(xcpu_ep);
	/* The reader on CPU 1 (already pinned), the unmapper on CPU 0. */
	if ((st = mt_thread_start(reader, (uint64_t)(uintptr_t)tlb_reader_thread,
				  (uint64_t)(uintptr_t)(rstack + sizeof(rstack) - 8),
				  0, 0)) < 0)
		bench_die("tlb reader", st);
	run_pinned(tlb_unmapper, NULL, 1);
	xcpu_stop = true;
	mt_signals_t seen;
	(void)mt_object_wait_one(reader, MT_SIGNAL_TERMINATED, MT_TIME_INFINITE, &seen);
	mt_handle_drop(reader);
}

/* The benchmarks in the order they run; `init.only=NAME` on the kernel
 * command line runs just one (tools/bench.py runs schedlab alone in its
 * second boot, under sched=edf). */
static const struct {
	const char *name;
	void (*run)(void);
} benchmarks[] = {
	{ "null_syscall", bench_null_syscall },
	{ "thread_switch", bench_thread_switch },
	{ "process_switch", bench_process_switch },
	{ "page_fault", bench_page_fault },
	{ "map_unmap", bench_map_unmap },
	{ "spawn", bench_spawn },
	{ "endpoint", bench_endpoint },
	{ "channel", bench_channel },
	{ "port_wakeup", bench_port_wakeup },
	{ "shm_ring", bench_shm_ring },
	{ "rt_wakeup_latency", bench_rt_wakeup_latency },
	{ "schedlab", bench_schedlab },
	{ "xcpu", bench_xcpu },
};

int main(void)
{
	const struct mt_startup *startup = mt_startup();
	char only[32] = "";
	bool ran = false;

	if (startup->arg == BENCH_CHILD_YIELD)
		yield_forever();
	if (startup->arg == BENCH_CHILD_EXIT)
		return 0;
	if (startup->arg == BENCH_CHILD_IPC)
		child_ipc_server();
	if (startup->arg == BENCH_CHILD_CHAN)
		child_chan_echo();
	if (startup->arg == BENCH_CHILD_SHM)
		child_shm();
	(void)mt_startup_arg("only", only, sizeof(only));
	measure_overhead();
	for (size_t i = 0; i < sizeof(benchmarks) / sizeof(benchmarks[0]); i++) {
		if (only[0] && strcmp(only, benchmarks[i].name) != 0)
			continue;
		benchmarks[i].run();
		ran = true;
	}
	if (!ran) {
		printf("bench: no benchmark named '%s'\n", only);
		return 1;
	}
	printf("bench: done\n");
	return 0;
}
