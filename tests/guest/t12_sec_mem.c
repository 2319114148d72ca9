/*
 * sec.*: memory protections and kernel addresses (docs/security.md,
 * "Hardening").  User code cannot execute its data (NX), cannot map
 * anything writable and executable (W^X), cannot reach the kernel half by
 * touching it or by passing it to a system call, and never gets a kernel
 * address back: not in a result, an output buffer, a register after any
 * call, nor in the saved registers of a stopped thread.
 *
 * The faulting cases run in helper processes (GT_HELPER_SEC roles) so one
 * test can check several faults, with the architecture's error code: on
 * x86_64 bit 0 = the page was present (a protection fault), bit 2 = user
 * mode, bit 4 = instruction fetch (Intel SDM vol. 3A 4.7).
 */
#include "sec.h"

#include <stdlib.h>
#include <string.h>

#include <elf/elf64.h>
#include <fmt/fmt.h>
#include <libmantra/ipc.h>
#include <mantra/syscall_info.h>

#define PF_PRESENT 0x1u
#define PF_USER    0x4u
#define PF_FETCH   0x10u

#define RW (MT_PROT_READ | MT_PROT_WRITE)

/* Kernel text, the direct map (of 1 MiB), the kernel stack area, the
 * MMIO window and the last page: every region of the kernel half
 * (docs/memory.md).  The first two are always mapped. */
const uint64_t sec_kernel_addrs[SEC_KERNEL_ADDRS] = {
	0xffffffff80001000ULL, 0xffff800000100000ULL, 0xffffc0000000f000ULL,
	0xffffd00000000000ULL, 0xfffffffffffff000ULL,
};
#define SEC_KERNEL_MAPPED 2

/* ---- helper roles: fault on purpose ------------------------------------ */

static uint8_t sec_data_code[64] = { 0xc3 };            /* ret, in .data */
static uint8_t sec_bss_code[64];                        /* .bss */
static const uint8_t sec_rodata_code[64] = { 0xc3 };    /* .rodata */

static __attribute__((noreturn)) void sec_exec_at(volatile uint8_t *p)
{
	/* Fault the page in first, so the fetch finds it present: the
	 * fault is then NX's, not a missing page's. */
	(void)p[0];
	sec_report()->addr = (uint64_t)(uintptr_t)p;
	((void (*)(void))(uintptr_t)p)();
	exit(1);
}

static __attribute__((noreturn)) void sec_exec_main(uint32_t region)
{
	volatile uint8_t stack_code[64];
	uint64_t heap;

	switch (region) {
	case SEC_REGION_STACK:
		stack_code[0] = 0xc3;
		sec_exec_at(stack_code);
	case SEC_REGION_HEAP:
		if (mt_map_anon(MT_PAGE_SIZE, RW, &heap, NULL) < 0)
			exit(2);
		*(volatile uint8_t *)(uintptr_t)heap = 0xc3;
		sec_exec_at((volatile uint8_t *)(uintptr_t)heap);
	case SEC_REGION_DATA:
		sec_exec_at(sec_data_code);
	case SEC_REGION_BSS:
		sec_bss_code[0] = 0xc3;
		sec_exec_at(sec_bss_code);
	case SEC_REGION_RODATA:
		sec_exec_at((volatile uint8_t *)(uintptr_t)sec_rodata_code);
	case SEC_REGION_BOX:
		((volatile uint8_t *)(uintptr_t)GT_BOX_ADDR)[3000] = 0xc3;
		sec_exec_at((volatile uint8_t *)(uintptr_t)(GT_BOX_ADDR + 3000));
	}
	exit(3);
}

static __attribute__((noreturn)) void sec_kernel_main(uint32_t access, uint32_t idx)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)sec_kernel_addrs[idx];

	sec_report()->addr = (uint64_t)(uintptr_t)p;
	switch (access) {
	case SEC_READ:
		exit((int)*p);
	case SEC_WRITE:
		*p = 0;
		break;
	case SEC_EXEC:
		((void (*)(void))(uintptr_t)p)();
		break;
	}
	exit(1);
}

void sec_helper_mem_main(uint32_t param)
{
	if (param >= SEC_ROLE_EXEC && param < SEC_ROLE_EXEC + SEC_REGION_COUNT)
		sec_exec_main(param - SEC_ROLE_EXEC);
	if (param >= SEC_ROLE_KERNEL && (param & 15) < SEC_KERNEL_ADDRS &&
	    ((param - SEC_ROLE_KERNEL) >> 4) < SEC_ACCESS_COUNT)
		sec_kernel_main((param - SEC_ROLE_KERNEL) >> 4, param & 15);
	exit(99);
}

/* Run helper `role` to its fault; returns how it ended and the address
 * it reported. */
static uint64_t sec_fault_helper(uint32_t role, struct mt_task_result *res)
{
	struct mt_spawn_result child;
	mt_handle_t box;
	uint64_t addr = 0;

	gt_spawn_helper_box(GT_HELPER_SEC, (uint16_t)role, NULL, 0, &box, &child);
	gt_wait(child.process, MT_SIGNAL_TERMINATED, 2000);
	GT_OK(mt_task_result(child.process, res));
	GT_OK(mt_memory_read(box, SEC_REPORT_OFFSET + offsetof(struct sec_report, addr),
			     &addr, sizeof(addr)));
	gt_helper_release(&child);
	mt_handle_drop(box);
	return addr;
}

/* A page fault at addr (and ip, if not 0) with the error bits `bits`. */
static void sec_expect_pf(const char *what, const struct mt_task_result *r,
			  uint64_t addr, uint64_t ip, uint32_t bits)
{
	if (r->state != MT_TASK_FAULTED || r->fault != MT_FAULT_PAGE) {
		gt_note("%s: state %u fault %u exit %lld, expected a page fault", what,
			r->state, r->fault, (long long)r->exit_code);
		return;
	}
	if (r->fault_addr != addr || (ip && r->fault_ip != ip))
		gt_note("%s: fault at %#llx ip %#llx, expected %#llx", what,
			(unsigned long long)r->fault_addr,
			(unsigned long long)r->fault_ip, (unsigned long long)addr);
#ifdef __x86_64__
	if ((r->fault_error & bits) != bits)
		gt_note("%s: error code %#llx lacks %#x", what,
			(unsigned long long)r->fault_error, bits);
#else
	(void)bits;
#endif
}

GT_TEST_FULL(sec, nx_data_pages, MT_FAULT_NONE, 15000)
{
	static const char *const names[SEC_REGION_COUNT] = {
		"stack", "heap", "data", "bss", "rodata", "mapped page",
	};

	for (uint32_t i = 0; i < SEC_REGION_COUNT; i++) {
		struct mt_task_result r;
		uint64_t at = sec_fault_helper(SEC_ROLE_EXEC + i, &r);

		if (at == 0)
			gt_note("%s: the helper did not get to jump (state %u, exit %lld)",
				names[i], r.state, (long long)r.exit_code);
		else
			sec_expect_pf(names[i], &r, at, at,
				      PF_PRESENT | PF_USER | PF_FETCH);
	}
}

GT_TEST_FULL(sec, kernel_memory_unreachable, MT_FAULT_NONE, 30000)
{
	static const char *const how[SEC_ACCESS_COUNT] = { "read", "write", "exec" };

	for (uint32_t a = 0; a < SEC_ACCESS_COUNT; a++) {
		for (uint32_t i = 0; i < SEC_KERNEL_ADDRS; i++) {
			struct mt_task_result r;
			uint64_t addr = sec_kernel_addrs[i];
			char what[48];
			uint32_t bits = PF_USER | (a == SEC_EXEC ? PF_FETCH : 0) |
					(i < SEC_KERNEL_MAPPED ? PF_PRESENT : 0);

			fmt_snprintf(what, sizeof(what), "%s %#llx", how[a],
				     (unsigned long long)addr);
			if (sec_fault_helper(SEC_ROLE_KERNEL + a * 16 + i, &r) != addr)
				gt_note("%s: the helper did not get there", what);
			else
				sec_expect_pf(what, &r, addr, a == SEC_EXEC ? addr : 0, bits);
		}
	}
}

/* ---- W^X --------------------------------------------------------------- */

#define SEC_FIXED_AT 0x0000300000000000ULL

static bool sec_refused(mt_status_t st)
{
	return st == MT_ERR_INVALID_ARGS || st == MT_ERR_ACCESS_DENIED;
}

/* An image of bin/testinit whose first PT_LOAD asks for W+X. */
static void *sec_wx_image(size_t *size)
{
	struct bootfs_file f;
	uint64_t addr;

	GT_OK(mt_bootfs_file("bin/testinit", &f));
	GT_OK(mt_map_anon(f.size, RW, &addr, NULL));
	uint8_t *img = (uint8_t *)(uintptr_t)addr;
	memcpy(img, f.data, f.size);
	uint64_t phoff;
	uint16_t phnum, phentsize;
	memcpy(&phoff, img + 32, 8);
	memcpy(&phentsize, img + 54, 2);
	memcpy(&phnum, img + 56, 2);
	for (uint16_t i = 0; i < phnum; i++) {
		uint8_t *ph = img + phoff + (uint64_t)i * phentsize;
		uint32_t type;

		memcpy(&type, ph, 4);
		if (type == ELF64_PT_LOAD) {
			const uint32_t rwx = ELF64_PF_R | ELF64_PF_W | ELF64_PF_X;

			memcpy(ph + 4, &rwx, 4);
			*size = f.size;
			return img;
		}
	}
	gt_fail("bin/testinit has no PT_LOAD");
}

GT_TEST(sec, wx_refused)
{
	mt_handle_t mem;
	uint64_t a;

	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &mem));
	/* Every protection with both WRITE and EXEC, anywhere or fixed. */
	for (uint32_t prot = 0; prot <= 7; prot++) {
		bool wx = (prot & MT_PROT_WRITE) && (prot & MT_PROT_EXEC);
		mt_status_t st = mt_vm_map(gt_aspace(), 0, mem, 0, MT_PAGE_SIZE, prot);
		mt_status_t fx = mt_vm_map(gt_aspace(), SEC_FIXED_AT, mem, 0,
					   MT_PAGE_SIZE, prot | MT_MAP_FIXED);

		if (wx && (!sec_refused(st) || !sec_refused(fx)))
			gt_note("map prot %#x: %s, fixed %s", prot, mt_status_str(st),
				mt_status_str(fx));
		if (!wx && (prot & MT_PROT_READ) && (st < 0 || fx < 0))
			gt_note("map prot %#x refused: %s, fixed %s", prot,
				mt_status_str(st), mt_status_str(fx));
		if (st >= 0)
			GT_OK(mt_vm_unmap(gt_aspace(), (uint64_t)st, MT_PAGE_SIZE));
		if (fx >= 0)
			GT_OK(mt_vm_unmap(gt_aspace(), SEC_FIXED_AT, MT_PAGE_SIZE));
	}
	/* A writable mapping, and one executable, cannot become both; they
	 * stay what they were. */
	a = (uint64_t)GT_OK(mt_vm_map(gt_aspace(), 0, mem, 0, MT_PAGE_SIZE, RW));
	uint64_t x = (uint64_t)GT_OK(mt_vm_map(gt_aspace(), 0, mem, 0, MT_PAGE_SIZE,
					       MT_PROT_READ | MT_PROT_EXEC));
	for (uint32_t prot = MT_PROT_WRITE | MT_PROT_EXEC; prot <= 7; prot |= MT_PROT_READ) {
		if (!sec_refused(mt_vm_protect(gt_aspace(), a, MT_PAGE_SIZE, prot)) ||
		    !sec_refused(mt_vm_protect(gt_aspace(), x, MT_PAGE_SIZE, prot)))
			gt_note("protect to %#x was not refused", prot);
		if (prot & MT_PROT_READ)
			break;
	}
	*(volatile uint8_t *)(uintptr_t)a = 0xc3;
	GT_CHECK_EQ(*(volatile uint8_t *)(uintptr_t)x, 0xc3);
	/* Our own stack and data stay non-executable and our code
	 * unwritable: protect refuses W+X on them too. */
	uint64_t own[] = { (uint64_t)(uintptr_t)&a & ~(uint64_t)(MT_PAGE_SIZE - 1),
			   (uint64_t)(uintptr_t)sec_data_code & ~(uint64_t)(MT_PAGE_SIZE - 1),
			   (uint64_t)(uintptr_t)gt_fail & ~(uint64_t)(MT_PAGE_SIZE - 1) };
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (mt_vm_protect(gt_aspace(), own[i], MT_PAGE_SIZE, RW | MT_PROT_EXEC) >= 0)
			gt_note("protect %#llx to RWX succeeded", (unsigned long long)own[i]);
	/* The loader refuses an ELF segment that asks for W+X. */
	struct mt_spawn_args args = { 0 };
	struct mt_spawn_result res;
	args.name = "wx";
	args.image = sec_wx_image(&args.image_size);
	mt_status_t st = mt_spawn(&args, &res);
	if (st >= 0) {
		gt_note("a W+X image was loaded");
		(void)mt_task_kill(res.process);
		mt_spawn_release(&res);
	}
	gt_check_notes();
}

/* ---- system calls and kernel addresses -------------------------------- */

/* Valid objects for every argument not under test (as in t1_syscall.c,
 * plus a served endpoint so that mt_ipc_call returns). */
struct sec_env {
	mt_handle_t process, aspace;    /* a process never started */
	mt_handle_t thread;             /* a thread of ours, suspended */
	mt_handle_t memory, event, port, channel, channel_peer;
	mt_handle_t endpoint;           /* served by a helper (GT_SRV_*) */
	mt_handle_t quiet_endpoint;     /* nobody calls it */
	mt_handle_t server_box;
	struct mt_spawn_result server;
	struct mt_ipc_buffer *buf;      /* deadline in the past */
	struct mt_thread_regs regs;
	uint8_t in[512] __attribute__((aligned(16)));
	uint8_t out[SEC_ARGS][512] __attribute__((aligned(16)));
};

static volatile bool sec_idle_stop;

static void sec_idle(void *arg)
{
	(void)arg;
	while (!sec_idle_stop)
		(void)mt_thread_yield();
}

/* Queue n messages on the channel and n packets on the port, so that
 * reads find something (or they would report SHOULD_WAIT first). */
static void sec_env_queue(struct sec_env *e, int n)
{
	struct mt_port_packet pkt = { 7, 0, 0, { 0x1234, 0x5678 } };

	for (int i = 0; i < n; i++) {
		GT_OK(mt_channel_write(e->channel_peer, "queued", 6, NULL, 0, 0));
		GT_OK(mt_port_queue(e->port, &pkt));
	}
}

static void sec_env_init(struct sec_env *e)
{
	mt_handle_t dup;

	memset(e, 0, sizeof(*e));
	sec_idle_stop = false;
	GT_OK(mt_process_create("victim", 6, &e->process, &e->aspace));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &e->memory));
	GT_OK(mt_event_create(&e->event));
	GT_OK(mt_port_create(&e->port));
	GT_OK(mt_channel_create(&e->channel, &e->channel_peer));
	GT_OK(mt_endpoint_create(&e->endpoint));
	GT_OK(mt_endpoint_create(&e->quiet_endpoint));
	GT_OK(mt_handle_duplicate(e->endpoint, MT_RIGHT_SAME, &dup));
	gt_spawn_helper_box(GT_HELPER_IPC_SERVER, 0, &dup, 1, &e->server_box, &e->server);
	GT_OK(mt_ipc_buffer_alloc(&e->buf));
	e->buf->deadline = 0;
	e->thread = gt_thread_spawn(sec_idle, NULL, 0);
	GT_OK(mt_task_suspend(e->thread));
	gt_wait(e->thread, MT_SIGNAL_SUSPENDED, 2000);
	GT_OK(mt_thread_read_state(e->thread, MT_THREAD_STATE_REGS, &e->regs,
				   sizeof(e->regs)));
	sec_env_queue(e, 8);
}

static void sec_env_fini(struct sec_env *e)
{
	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_EXIT, 0, 0, 0), out;

	(void)mt_call(e->endpoint, &in, &out);
	gt_wait(e->server.process, MT_SIGNAL_TERMINATED, 2000);
	gt_helper_release(&e->server);
	mt_handle_drop(e->server_box);
	sec_idle_stop = true;
	(void)mt_task_resume(e->thread);
	gt_wait(e->thread, MT_SIGNAL_TERMINATED, 2000);
	mt_ipc_buffer_free(e->buf);
}

static bool sec_named(const struct mt_syscall_info *c, const char *name)
{
	return strcmp(c->name, name) == 0;
}

/* A valid handle for argument a of c; *temp: close it afterwards (a
 * duplicate, or an object made for a call that destroys it). */
static mt_handle_t sec_env_handle(const struct sec_env *e,
				  const struct mt_syscall_info *c,
				  const struct mt_syscall_arg_info *a, bool *temp)
{
	mt_handle_t h = MT_HANDLE_INVALID, as;

	*temp = false;
	switch (a->obj_type) {
	case MT_OBJ_PROCESS: return e->process;
	case MT_OBJ_THREAD: return e->thread;
	case MT_OBJ_ASPACE: return e->aspace;
	case MT_OBJ_MEMORY: return e->memory;
	case MT_OBJ_DEBUGLOG: return gt_log();
	case MT_OBJ_CHANNEL: return e->channel;
	case MT_OBJ_PORT: return e->port;
	case MT_OBJ_EVENT: return e->event;
	case MT_OBJ_RESOURCE:
	case MT_OBJ_IRQ: return gt_hw_handle(c->name, a->obj_type);
	case MT_OBJ_ENDPOINT:
		return sec_named(c, "ipc_call") ? e->endpoint : e->quiet_endpoint;
	}
	*temp = true;
	if (sec_named(c, "object_signal") || sec_named(c, "port_watch"))
		GT_OK(mt_handle_duplicate(e->event, MT_RIGHT_SAME, &h));
	else if (sec_named(c, "task_kill")) {
		GT_OK(mt_process_create("kill me", 7, &h, &as));
		mt_handle_drop(as);
	} else if (strncmp(c->name, "task_", 5) == 0 || sec_named(c, "object_wait_one"))
		GT_OK(mt_handle_duplicate(e->process, MT_RIGHT_SAME, &h));
	else
		GT_OK(mt_handle_duplicate(e->memory, MT_RIGHT_SAME, &h));
	return h;
}

/* A valid plain value for argument i of c. */
static uint64_t sec_env_value(const struct sec_env *e, const struct mt_syscall_info *c,
			      int i)
{
	const char *n = c->args[i].name;

	for (int j = 0; j < c->nargs; j++) {
		if (c->args[j].size_arg != i)
			continue;
		if (sec_named(c, "thread_read_state") || sec_named(c, "thread_write_state"))
			return sizeof(struct mt_thread_regs);
		if (sec_named(c, "debug_write") || strncmp(n, "handles", 7) == 0)
			return 0;
		return strcmp(n, "name_len") == 0 ? 4 : 8;
	}
	if (sec_named(c, "ipc_call") && i > 0)
		return i == 1 ? MT_IPC_INFO(GT_SRV_ECHO, 0, 0) : 0x1000u * (uint64_t)i;
	if (sec_named(c, "ipc_reply_wait") && i == 1)
		return MT_IPC_INFO(0, 0, 0) | MT_IPC_TIMEOUT;
	if (sec_named(c, "ipc_recv") && i == 1)
		return MT_IPC_TIMEOUT;
	if (sec_named(c, "ipc_buffer_set"))
		return (uint64_t)(uintptr_t)e->buf;
	uint64_t hw;

	if (gt_hw_value(c->name, n, &hw))
		return hw;
	if (strcmp(n, "rights") == 0)
		return MT_RIGHT_SAME;
	if (strcmp(n, "signals") == 0)
		return sec_named(c, "port_watch") ? MT_SIGNAL_USER_ALL : MT_SIGNAL_TERMINATED;
	if (strcmp(n, "kind") == 0)
		return MT_THREAD_STATE_REGS;
	if (strcmp(n, "prot") == 0 || (strcmp(n, "flags") == 0 && sec_named(c, "vm_map")))
		return MT_PROT_READ;
	if (strcmp(n, "len") == 0 || strcmp(n, "size") == 0)
		return MT_PAGE_SIZE;
	if (strcmp(n, "badge") == 0 || strcmp(n, "key") == 0)
		return 1;
	if (strcmp(n, "priority") == 0)
		return MT_PRIORITY_DEFAULT;
	return 0;       /* deadlines 0: nothing waits */
}

/* Fill args[] with valid values for c; temps[] get the handles to drop. */
static void sec_env_fill(struct sec_env *e, const struct mt_syscall_info *c,
			 uint64_t args[SEC_ARGS], mt_handle_t temps[SEC_ARGS])
{
	for (int i = 0; i < SEC_ARGS; i++) {
		const struct mt_syscall_arg_info *a = &c->args[i];
		bool temp = false;

		args[i] = 0;
		temps[i] = MT_HANDLE_INVALID;
		memset(e->out[i], 0, sizeof(e->out[i]));
		if (i >= c->nargs)
			continue;
		switch (a->kind) {
		case MT_ARG_HANDLE:
			args[i] = sec_env_handle(e, c, a, &temp);
			if (temp)
				temps[i] = (mt_handle_t)args[i];
			break;
		case MT_ARG_USER_IN:
			args[i] = (uint64_t)(uintptr_t)e->in;
			break;
		case MT_ARG_USER_OUT:
			args[i] = (uint64_t)(uintptr_t)e->out[i];
			break;
		default:
			args[i] = sec_env_value(e, c, i);
		}
	}
	memset(e->in, 0, sizeof(e->in));
	memcpy(e->in, &e->regs, sizeof(e->regs));
}

/* The calls the sweeps leave out: they end us. */
static bool sec_skip(const struct mt_syscall_info *c)
{
	return c->noreturn;
}

/* After a call that changed the environment, put it back. */
static void sec_env_restore(struct sec_env *e, const struct mt_syscall_info *c,
			    mt_handle_t temps[SEC_ARGS])
{
	for (int i = 0; i < SEC_ARGS; i++)
		mt_handle_drop(temps[i]);
	if (sec_named(c, "task_resume") || sec_named(c, "thread_start")) {
		/* Our idle thread runs again: stop it where it was. */
		(void)mt_task_suspend(e->thread);
		gt_wait(e->thread, MT_SIGNAL_SUSPENDED, 2000);
	}
	if (sec_named(c, "channel_read") || sec_named(c, "port_wait"))
		sec_env_queue(e, 1);
}

GT_TEST_FLAGS(sec, kernel_pointers_refused, MT_FAULT_NONE, 20000, GT_F_HW)
{
	struct sec_env e;
	uint64_t args[SEC_ARGS];
	mt_handle_t temps[SEC_ARGS];
	int tried = 0;

	sec_env_init(&e);
	/* Every user-memory argument of every call, each kernel region. */
	for (size_t k = 0; k < MT_SYSCALL_INFO_COUNT; k++) {
		const struct mt_syscall_info *c = &mt_syscall_infos[k];

		for (int i = 0; i < c->nargs && !sec_skip(c); i++) {
			if (c->args[i].kind != MT_ARG_USER_IN &&
			    c->args[i].kind != MT_ARG_USER_OUT)
				continue;
			for (int r = 0; r < SEC_KERNEL_ADDRS; r++) {
				sec_env_fill(&e, c, args, temps);
				args[i] = sec_kernel_addrs[r];
				/* A length of 0 need not look at the pointer. */
				int sz = c->args[i].size_arg;
				if (sz >= 0 && args[sz] == 0)
					args[sz] = strncmp(c->args[sz].name, "handles", 7) ? 8 : 4;
				mt_status_t st = mt_syscall6(c->number, args[0], args[1],
							     args[2], args[3], args[4],
							     args[5]);
				sec_env_restore(&e, c, temps);
				tried++;
				if (st != MT_ERR_BAD_ADDRESS)
					gt_note("%s(%s = %#llx): %s", c->name, c->args[i].name,
						(unsigned long long)sec_kernel_addrs[r],
						mt_status_str(st));
			}
		}
	}
	GT_CHECK(tried > 50);
	/* Addresses taken as values: a mapping, an IPC buffer, where a
	 * thread starts and its registers may not lie in the kernel half. */
	mt_handle_t th;
	struct mt_thread_regs regs = e.regs;
	for (int r = 0; r < SEC_KERNEL_ADDRS; r++) {
		uint64_t k = sec_kernel_addrs[r], user = (uint64_t)(uintptr_t)e.in;

		if (mt_vm_map(e.aspace, k, e.memory, 0, MT_PAGE_SIZE,
			      MT_PROT_READ | MT_MAP_FIXED) >= 0)
			gt_note("vm_map at %#llx succeeded", (unsigned long long)k);
		if (mt_vm_protect(gt_aspace(), k, MT_PAGE_SIZE, MT_PROT_READ) >= 0 ||
		    mt_vm_unmap(gt_aspace(), k, MT_PAGE_SIZE) >= 0)
			gt_note("vm_protect/vm_unmap at %#llx succeeded",
				(unsigned long long)k);
		GT_ERR(mt_ipc_buffer_set(k), MT_ERR_INVALID_ARGS);
		GT_OK(mt_thread_create(gt_self(), "k", 1, &th));
		GT_ERR(mt_thread_start(th, k, user, 0, 0), MT_ERR_INVALID_ARGS);
		GT_ERR(mt_thread_start(th, user, k, 0, 0), MT_ERR_INVALID_ARGS);
		GT_ERR(mt_thread_start(th, user, user, 0, k), MT_ERR_INVALID_ARGS);
		GT_OK(mt_handle_close(th));
		regs.rip = k;
		GT_ERR(mt_thread_write_state(e.thread, MT_THREAD_STATE_REGS, &regs,
					     sizeof(regs)), MT_ERR_INVALID_ARGS);
		regs.rip = e.regs.rip;
		regs.fs_base = k;
		GT_ERR(mt_thread_write_state(e.thread, MT_THREAD_STATE_REGS, &regs,
					     sizeof(regs)), MT_ERR_INVALID_ARGS);
		regs.fs_base = e.regs.fs_base;
	}
	GT_OK(mt_ipc_buffer_set((uint64_t)(uintptr_t)e.buf));
	sec_env_fini(&e);
}

/* ---- no kernel address comes back -------------------------------------- */

/* General registers after a system call, in this order. */
#define SEC_REGS 15
static const char *const sec_reg_names[SEC_REGS] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10",
	"r11", "r12", "r13", "r14", "r15",
};

/* Issue system call a[0] with arguments a[1..6] and every other register
 * set to a user value; out[] gets all general registers afterwards.  The
 * red zone is stepped over: this is not a leaf for the compiler's
 * purposes, but be safe. */
static __attribute__((noinline)) void sec_syscall_regs(const uint64_t a[7],
						       uint64_t out[SEC_REGS])
{
	__asm__ volatile(
		"sub $128, %%rsp\n\t"
		"push %%rbp\n\t"
		"push %%rbx\n\t"
		"push %%r12\n\t"
		"push %%r13\n\t"
		"push %%r14\n\t"
		"push %%r15\n\t"
		"push %[out]\n\t"
		"mov %[a], %%r11\n\t"
		"mov 0(%%r11), %%rax\n\t"
		"mov 8(%%r11), %%rdi\n\t"
		"mov 16(%%r11), %%rsi\n\t"
		"mov 24(%%r11), %%rdx\n\t"
		"mov 32(%%r11), %%r10\n\t"
		"mov 40(%%r11), %%r8\n\t"
		"mov 48(%%r11), %%r9\n\t"
		"mov $0x5ec1, %%ebx\n\t"
		"mov $0x5ec2, %%ebp\n\t"
		"mov $0x5ec3, %%r12d\n\t"
		"mov $0x5ec4, %%r13d\n\t"
		"mov $0x5ec5, %%r14d\n\t"
		"mov $0x5ec6, %%r15d\n\t"
		"syscall\n\t"
		"xchg %%rax, (%%rsp)\n\t"       /* rax: out; the result saved */
		"mov %%rbx, 8(%%rax)\n\t"
		"mov %%rcx, 16(%%rax)\n\t"
		"mov %%rdx, 24(%%rax)\n\t"
		"mov %%rsi, 32(%%rax)\n\t"
		"mov %%rdi, 40(%%rax)\n\t"
		"mov %%rbp, 48(%%rax)\n\t"
		"mov %%r8, 56(%%rax)\n\t"
		"mov %%r9, 64(%%rax)\n\t"
		"mov %%r10, 72(%%rax)\n\t"
		"mov %%r11, 80(%%rax)\n\t"
		"mov %%r12, 88(%%rax)\n\t"
		"mov %%r13, 96(%%rax)\n\t"
		"mov %%r14, 104(%%rax)\n\t"
		"mov %%r15, 112(%%rax)\n\t"
		"pop %%rbx\n\t"
		"mov %%rbx, 0(%%rax)\n\t"
		"pop %%r15\n\t"
		"pop %%r14\n\t"
		"pop %%r13\n\t"
		"pop %%r12\n\t"
		"pop %%rbx\n\t"
		"pop %%rbp\n\t"
		"add $128, %%rsp\n\t"
		:
		: [a] "r"(a), [out] "r"(out)
		: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
		  "memory", "cc");
}

/* Note every kernel-looking word of what a call gave back. */
static void sec_scan(const char *what, const uint64_t regs[SEC_REGS],
		     const void *mem, size_t len)
{
	for (int r = 0; regs && r < SEC_REGS; r++)
		if (sec_kernel_like(regs[r]))
			gt_note("%s: %s = %#llx", what, sec_reg_names[r],
				(unsigned long long)regs[r]);
	for (size_t off = 0; off + 8 <= len; off += 8) {
		uint64_t v;

		memcpy(&v, (const uint8_t *)mem + off, 8);
		if (sec_kernel_like(v))
			gt_note("%s: word %zu of its output = %#llx", what, off / 8,
				(unsigned long long)v);
	}
}

/* Call c with valid arguments and scan the registers and its outputs. */
static void sec_call_scanned(struct sec_env *e, const struct mt_syscall_info *c)
{
	uint64_t a[SEC_ARGS + 1], regs[SEC_REGS];
	mt_handle_t temps[SEC_ARGS];

	sec_env_fill(e, c, a + 1, temps);
	a[0] = c->number;
	sec_syscall_regs(a, regs);
	sec_env_restore(e, c, temps);
	sec_scan(c->name, regs, NULL, 0);
	for (int i = 0; i < c->nargs; i++)
		if (c->args[i].kind == MT_ARG_USER_OUT)
			sec_scan(c->name, NULL, e->out[i], sizeof(e->out[i]));
}

/* Scan what mem holds after a call that already happened. */
static void sec_scan_mem(const char *what, const void *mem, size_t len)
{
	sec_scan(what, NULL, mem, len);
}

GT_TEST_FLAGS(sec, no_kernel_addresses_returned, MT_FAULT_NONE, 20000, GT_F_HW)
{
	struct sec_env e;
	int calls = 0;

	sec_env_init(&e);
	/* Every call once with valid arguments (so it gets to its results),
	 * then every call with an empty handle table's worth of bad ones. */
	for (size_t k = 0; k < MT_SYSCALL_INFO_COUNT; k++) {
		const struct mt_syscall_info *c = &mt_syscall_infos[k];

		if (sec_skip(c))
			continue;
		sec_call_scanned(&e, c);
		calls++;
	}
	GT_CHECK(calls > 40);
	/* Results with more to them: a signal packet, an IPC reply with
	 * data, handles received, a faulted task, every object type. */
	struct mt_port_packet pkt;
	(void)mt_port_cancel(e.port, 1);        /* the sweep's watch, if left */
	GT_OK(mt_port_watch(e.port, e.event, MT_SIGNAL_USER_ALL, 9, MT_PORT_ONCE));
	GT_OK(mt_object_signal(e.event, 0, 1u << 24));
	for (int i = 0; i < 64 && mt_port_wait(e.port, 0, &pkt) == MT_OK; i++)
		sec_scan_mem("port_wait", &pkt, sizeof(pkt));

	struct mt_ipc_msg in = mt_ipc_msg_make(GT_SRV_ECHO, 64, 0, 0), out;
	e.buf->deadline = MT_TIME_INFINITE;
	memset(e.buf->data, 0x11, 64);
	GT_OK(mt_call(e.endpoint, &in, &out));
	sec_scan_mem("ipc_call reply", &out, sizeof(out));
	sec_scan_mem("ipc_call buffer", e.buf, sizeof(*e.buf));

	mt_handle_t hs[2], got[4];
	uint64_t actual;
	uint8_t bytes[64];
	GT_OK(mt_handle_duplicate(e.event, MT_RIGHT_SAME, &hs[0]));
	GT_OK(mt_handle_duplicate(e.memory, MT_RIGHT_SAME, &hs[1]));
	GT_OK(mt_channel_write(e.channel, "h", 1, hs, sizeof(hs), 0));
	GT_OK(mt_channel_read(e.channel_peer, bytes, sizeof(bytes), got, sizeof(got),
			      &actual));
	sec_scan_mem("channel_read handles", got, sizeof(got));
	sec_scan_mem("channel_read actual", &actual, sizeof(actual));

	struct mt_spawn_result child;
	struct mt_task_result res;
	gt_spawn_helper(GT_HELPER_NULL_DEREF, 0, MT_FAULT_POLICY_KILL, &child);
	gt_wait(child.process, MT_SIGNAL_TERMINATED, 2000);
	GT_OK(mt_task_result(child.process, &res));
	GT_CHECK_EQ(res.state, MT_TASK_FAULTED);
	sec_scan_mem("task_result of a fault", &res, sizeof(res));
	mt_spawn_release(&child);

	const mt_handle_t each[] = { e.process, e.aspace, e.thread, e.memory, gt_log(),
				     e.endpoint, e.channel, e.port, e.event };
	for (size_t i = 0; i < sizeof(each) / sizeof(each[0]); i++) {
		struct mt_object_info info;

		GT_OK(mt_object_info(each[i], &info));
		sec_scan_mem("object_info", &info, sizeof(info));
	}
	struct mt_kernel_stats stats;
	GT_OK(mt_debug_stats(gt_log(), &stats));
	sec_scan_mem("debug_stats", &stats, sizeof(stats));
	sec_env_fini(&e);
}

/* Threads of ours stopped in every kind of place. */
enum { SEC_T_SLEEP, SEC_T_WAIT, SEC_T_PORT, SEC_T_RECV, SEC_T_CALL, SEC_T_SPIN,
       SEC_T_YIELD, SEC_T_COUNT };

static struct {
	mt_handle_t event, port;
	mt_handle_t endpoint;   /* nobody receives */
	mt_handle_t quiet;      /* nobody calls */
	volatile bool stop;
} sec_st;

static void sec_thread_sleep(void *arg) { (void)arg; (void)mt_nanosleep(MT_TIME_INFINITE); }

static void sec_thread_wait(void *arg)
{
	(void)arg;
	mt_signals_t seen;

	(void)mt_object_wait_one(sec_st.event, MT_SIGNAL_USER_ALL, MT_TIME_INFINITE, &seen);
}

static void sec_thread_port(void *arg)
{
	struct mt_port_packet pkt;

	(void)arg;
	(void)mt_port_wait(sec_st.port, MT_TIME_INFINITE, &pkt);
}

static void sec_thread_recv(void *arg)
{
	struct mt_ipc_msg msg;

	(void)arg;
	(void)mt_recv(sec_st.quiet, 0, &msg);
}

static void sec_thread_call(void *arg)
{
	struct mt_ipc_msg in = mt_ipc_msg_make(1, 0, 0, 0), out;

	(void)arg;
	(void)mt_call(sec_st.endpoint, &in, &out);
}

static void sec_thread_spin(void *arg)
{
	(void)arg;
	while (!sec_st.stop)
		__asm__ volatile("pause");
}

static void sec_thread_yield(void *arg)
{
	(void)arg;
	while (!sec_st.stop)
		(void)mt_thread_yield();
}

#define SEC_TLS 0x20000000ULL   /* each thread's FS base: SEC_TLS + its index */

GT_TEST(sec, no_kernel_addresses_in_thread_state)
{
	static void (*const fns[SEC_T_COUNT])(void *) = {
		sec_thread_sleep, sec_thread_wait, sec_thread_port, sec_thread_recv,
		sec_thread_call, sec_thread_spin, sec_thread_yield,
	};
	static const char *const names[SEC_T_COUNT] = {
		"nanosleep", "object_wait_one", "port_wait", "ipc_recv", "ipc_call",
		"spinning", "yielding",
	};
	mt_handle_t th[SEC_T_COUNT];

	memset(&sec_st, 0, sizeof(sec_st));
	GT_OK(mt_event_create(&sec_st.event));
	GT_OK(mt_port_create(&sec_st.port));
	GT_OK(mt_endpoint_create(&sec_st.endpoint));
	GT_OK(mt_endpoint_create(&sec_st.quiet));
	for (int i = 0; i < SEC_T_COUNT; i++)
		th[i] = gt_thread_spawn(fns[i], NULL, SEC_TLS + (uint64_t)i);
	(void)mt_nanosleep(gt_deadline_ms(30));         /* let them get there */
	for (int i = 0; i < SEC_T_COUNT; i++) {
		struct mt_thread_regs regs;

		mt_status_t st = mt_task_suspend(th[i]);

		if (st != MT_OK)
			gt_fail("suspending the thread in %s: %s", names[i],
				mt_status_str(st));
		gt_wait(th[i], MT_SIGNAL_SUSPENDED, 2000);
		GT_OK(mt_thread_read_state(th[i], MT_THREAD_STATE_REGS, &regs,
					   sizeof(regs)));
		sec_scan_mem(names[i], &regs, sizeof(regs));
		if (regs.fs_base != SEC_TLS + (uint64_t)i)
			gt_note("%s: fs_base %#llx", names[i],
				(unsigned long long)regs.fs_base);
	}
	/* A thread stopped by a fault, in another process. */
	struct mt_spawn_result child;
	struct mt_thread_regs regs;
	gt_spawn_helper(GT_HELPER_NULL_DEREF, 0, MT_FAULT_POLICY_STOP, &child);
	gt_wait(child.thread, MT_SIGNAL_FAULTED, 2000);
	GT_OK(mt_thread_read_state(child.thread, MT_THREAD_STATE_REGS, &regs, sizeof(regs)));
	sec_scan_mem("fault-stopped", &regs, sizeof(regs));
	GT_OK(mt_task_kill(child.process));
	gt_wait(child.process, MT_SIGNAL_TERMINATED, 2000);
	mt_spawn_release(&child);
	for (int i = 0; i < SEC_T_COUNT; i++)
		GT_OK(mt_task_kill(th[i]));
	for (int i = 0; i < SEC_T_COUNT; i++)
		gt_wait(th[i], MT_SIGNAL_TERMINATED, 2000);
}
