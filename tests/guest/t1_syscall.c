/*
 * syscall.*: the system-call boundary under attack.  The table-driven
 * tests walk mt_syscall_infos (the generated <mantra/syscall_info.h>) and
 * give every handle argument bad handles and every user-memory argument
 * bad addresses, with all other arguments valid, so the one bad argument
 * is what the kernel must refuse.  Every mismatch is noted, so one run
 * lists them all.
 */
#include "guest.h"

#include <string.h>

#include <mantra/syscall_info.h>

#define ARGS_MAX 6

/* Valid objects of each type to fill the arguments not under test. */
struct hostile_env {
	mt_handle_t process;    /* a fresh empty process, never started */
	mt_handle_t aspace;     /* its address space */
	mt_handle_t thread;     /* a thread of ours, suspended */
	mt_handle_t memory;     /* a fresh memory object */
	mt_handle_t endpoint;   /* an endpoint nobody serves */
	mt_handle_t channel;    /* a channel end with one message queued */
	mt_handle_t channel_peer;
	mt_handle_t port;       /* a port with one packet queued */
	mt_handle_t event;
	struct mt_thread_regs regs;   /* the thread's registers */
	uint8_t in_buf[512];
	uint8_t out_buf[512];
};

static volatile bool hostile_stop;

static void hostile_idle(void *arg)
{
	(void)arg;
	while (!hostile_stop)
		(void)mt_thread_yield();
}

static void hostile_env_init(struct hostile_env *env)
{
	memset(env, 0, sizeof(*env));
	hostile_stop = false;
	GT_OK(mt_process_create("victim", 6, &env->process, &env->aspace));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &env->memory));
	env->thread = gt_thread_spawn(hostile_idle, NULL, 0);
	GT_OK(mt_task_suspend(env->thread));
	gt_wait(env->thread, MT_SIGNAL_SUSPENDED, 2000);
	GT_OK(mt_thread_read_state(env->thread, MT_THREAD_STATE_REGS,
				   &env->regs, sizeof(env->regs)));
	memset(env->in_buf, 'a', sizeof(env->in_buf));
	memcpy(env->in_buf, &env->regs, sizeof(env->regs));
	/* IPC objects.  Reads must find something, or they would report
	 * SHOULD_WAIT/TIMED_OUT before looking at their buffers. */
	GT_OK(mt_endpoint_create(&env->endpoint));
	GT_OK(mt_channel_create(&env->channel, &env->channel_peer));
	mt_handle_t h;
	GT_OK(mt_handle_duplicate(env->memory, MT_RIGHT_SAME, &h));
	GT_OK(mt_channel_write(env->channel_peer, "msg", 3, &h, sizeof(h), 0));
	/* channel_write sends in_buf's first handle, duplicated. */
	GT_OK(mt_handle_duplicate(env->memory, MT_RIGHT_SAME, &h));
	memcpy(env->in_buf, &h, sizeof(h));
	GT_OK(mt_port_create(&env->port));
	struct mt_port_packet pkt = { 1, 0, 0, { 0, 0 } };
	GT_OK(mt_port_queue(env->port, &pkt));
	GT_OK(mt_event_create(&env->event));
}

static bool hostile_is(const struct mt_syscall_info *c, const char *name)
{
	return strcmp(c->name, name) == 0;
}

/* A valid handle for argument a of call c; *temp tells the caller to
 * close it afterwards (a duplicate, in case the call consumes it). */
static mt_handle_t hostile_valid_handle(const struct hostile_env *env,
					const struct mt_syscall_info *c,
					const struct mt_syscall_arg_info *a,
					bool *temp)
{
	mt_handle_t h = MT_HANDLE_INVALID;

	*temp = false;
	switch (a->obj_type) {
	case MT_OBJ_PROCESS:
		return env->process;
	case MT_OBJ_THREAD:
		return env->thread;
	case MT_OBJ_ASPACE:
		return env->aspace;
	case MT_OBJ_MEMORY:
		return env->memory;
	case MT_OBJ_DEBUGLOG:
		return gt_log();
	case MT_OBJ_ENDPOINT:
		return env->endpoint;
	case MT_OBJ_CHANNEL:
		return env->channel;
	case MT_OBJ_PORT:
		return env->port;
	case MT_OBJ_EVENT:
		return env->event;
	case MT_OBJ_RESOURCE:
	case MT_OBJ_IRQ:
		return gt_hw_handle(c->name, a->obj_type);
	}
	/* Signalling needs an object with user signals. */
	if (hostile_is(c, "object_signal"))
		return env->event;
	/* Any type: a task for the task calls and waits, else memory. */
	if (strncmp(c->name, "task_", 5) == 0 || hostile_is(c, "object_wait_one"))
		GT_OK(mt_handle_duplicate(env->process, MT_RIGHT_SAME, &h));
	else
		GT_OK(mt_handle_duplicate(env->memory, MT_RIGHT_SAME, &h));
	*temp = true;
	return h;
}

/* A valid plain value for argument i of c. */
static uint64_t hostile_value(const struct mt_syscall_info *c, int i)
{
	const char *n = c->args[i].name;

	for (int j = 0; j < c->nargs; j++) {
		if (c->args[j].size_arg != i)
			continue;
		if (hostile_is(c, "thread_read_state") ||
		    hostile_is(c, "thread_write_state"))
			return sizeof(struct mt_thread_regs);
		if (strcmp(n, "name_len") == 0 || strcmp(n, "handles_size") == 0)
			return 4;
		return 8;
	}
	uint64_t hw;

	if (gt_hw_value(c->name, n, &hw))
		return hw;
	if (strcmp(n, "rights") == 0)
		return MT_RIGHT_SAME;
	if (strcmp(n, "signals") == 0)
		return MT_SIGNAL_TERMINATED;
	if (strcmp(n, "kind") == 0)
		return MT_THREAD_STATE_REGS;
	if (strcmp(n, "prot") == 0)
		return MT_PROT_READ;
	if (strcmp(n, "flags") == 0)
		return hostile_is(c, "vm_map") ? MT_PROT_READ :
		       hostile_is(c, "channel_write") ? MT_IPC_DUP_HANDLES : 0;
	if (strcmp(n, "len") == 0 || strcmp(n, "size") == 0)
		return MT_PAGE_SIZE;
	if (strcmp(n, "badge") == 0)
		return 1;
	if (strcmp(n, "deadline") == 0)
		return 0;
	return 0;
}

/* Fill args[] with valid values for every argument of c. */
static void hostile_fill(const struct hostile_env *env,
			 const struct mt_syscall_info *c, uint64_t args[ARGS_MAX],
			 mt_handle_t temps[ARGS_MAX])
{
	for (int i = 0; i < ARGS_MAX; i++) {
		const struct mt_syscall_arg_info *a = &c->args[i];
		bool temp = false;

		args[i] = 0;
		temps[i] = MT_HANDLE_INVALID;
		if (i >= c->nargs)
			continue;
		switch (a->kind) {
		case MT_ARG_HANDLE:
			args[i] = hostile_valid_handle(env, c, a, &temp);
			if (temp)
				temps[i] = (mt_handle_t)args[i];
			break;
		case MT_ARG_USER_IN:
			args[i] = (uint64_t)(uintptr_t)env->in_buf;
			break;
		case MT_ARG_USER_OUT:
			args[i] = (uint64_t)(uintptr_t)env->out_buf;
			break;
		default:
			args[i] = hostile_value(c, i);
		}
	}
}

static mt_status_t hostile_call(const struct mt_syscall_info *c,
				const uint64_t args[ARGS_MAX],
				mt_handle_t temps[ARGS_MAX])
{
	mt_status_t st = mt_syscall6(c->number, args[0], args[1], args[2],
				     args[3], args[4], args[5]);

	for (int i = 0; i < ARGS_MAX; i++)
		mt_handle_drop(temps[i]);
	return st;
}

/* Call c with argument `which` replaced by `bad`; note it unless the
 * result is `want`. */
static void hostile_try(const struct hostile_env *env,
			const struct mt_syscall_info *c, int which,
			uint64_t bad, mt_status_t want, const char *what)
{
	uint64_t args[ARGS_MAX];
	mt_handle_t temps[ARGS_MAX];
	mt_status_t st;

	hostile_fill(env, c, args, temps);
	args[which] = bad;
	st = hostile_call(c, args, temps);
	if (st != want)
		gt_note("%s(%s=%s %#llx): %s", c->name, c->args[which].name,
			what, (unsigned long long)bad, mt_status_str(st));
	else if (want < 0 && !(c->errors & MT_ERR_BIT(want)))
		gt_note("%s returns undeclared %s", c->name, mt_status_str(want));
}

typedef uint64_t (*hostile_bad_fn)(const struct hostile_env *env,
				   const struct mt_syscall_arg_info *a);

/* Every handle argument of every call given bad(). */
static void hostile_each_handle(const char *what, hostile_bad_fn bad,
				mt_status_t want)
{
	struct hostile_env env;
	int tried = 0;

	hostile_env_init(&env);
	for (size_t k = 0; k < MT_SYSCALL_INFO_COUNT; k++) {
		const struct mt_syscall_info *c = &mt_syscall_infos[k];

		if (c->noreturn)
			continue;
		for (int i = 0; i < c->nargs; i++) {
			if (c->args[i].kind != MT_ARG_HANDLE)
				continue;
			uint64_t v = bad(&env, &c->args[i]);

			if (v == UINT64_MAX)
				continue;
			hostile_try(&env, c, i, v, want, what);
			tried++;
		}
	}
	GT_CHECK(tried > 0);
	hostile_stop = true;
}

static uint64_t bad_invalid(const struct hostile_env *env,
			    const struct mt_syscall_arg_info *a)
{
	(void)env, (void)a;
	return MT_HANDLE_INVALID;
}

GT_TEST_HW(syscall, bad_handle_invalid)
{
	hostile_each_handle("invalid", bad_invalid, MT_ERR_BAD_HANDLE);
}

static uint64_t bad_never_issued(const struct hostile_env *env,
				 const struct mt_syscall_arg_info *a)
{
	(void)env, (void)a;
	return (0x1234u << 16) | 777u;
}

static uint64_t bad_top_bit(const struct hostile_env *env,
			    const struct mt_syscall_arg_info *a)
{
	(void)a;
	return env->memory | 0x80000000u;
}

GT_TEST_HW(syscall, bad_handle_never_issued)
{
	hostile_each_handle("never issued", bad_never_issued, MT_ERR_BAD_HANDLE);
	hostile_each_handle("bit 31 set", bad_top_bit, MT_ERR_BAD_HANDLE);
}

static uint64_t bad_closed(const struct hostile_env *env,
			   const struct mt_syscall_arg_info *a)
{
	mt_handle_t h;

	(void)a;
	GT_OK(mt_handle_duplicate(env->memory, MT_RIGHT_SAME, &h));
	GT_OK(mt_handle_close(h));
	return h;
}

GT_TEST_HW(syscall, bad_handle_closed)
{
	hostile_each_handle("closed", bad_closed, MT_ERR_BAD_HANDLE);
}

/* A handle whose slot now holds another handle (a new generation). */
static mt_handle_t stale_handle;

static uint64_t bad_stale(const struct hostile_env *env,
			  const struct mt_syscall_arg_info *a)
{
	(void)env, (void)a;
	return stale_handle;
}

GT_TEST_HW(syscall, bad_handle_stale)
{
	mt_handle_t first, h = MT_HANDLE_INVALID;

	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &first));
	GT_OK(mt_handle_close(first));
	/* Reuse the slot: make and drop handles until one with its index
	 * appears (the kernel may hand out slots in any order). */
	for (int i = 0; i < 4 * MT_HANDLES_MAX; i++) {
		GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &h));
		if ((h & 0xffff) == (first & 0xffff))
			break;
		GT_OK(mt_handle_close(h));
	}
	GT_CHECK((h & 0xffff) == (first & 0xffff));
	GT_CHECK(h != first);
	stale_handle = first;
	hostile_each_handle("stale", bad_stale, MT_ERR_BAD_HANDLE);
	/* The live handle in that slot is untouched. */
	GT_CHECK_EQ(GT_OK(mt_handle_type(h)), MT_OBJ_MEMORY);
}

static uint64_t bad_wrong_type(const struct hostile_env *env,
			       const struct mt_syscall_arg_info *a)
{
	if (a->obj_type == 0)
		return UINT64_MAX;
	if (a->obj_type == MT_OBJ_MEMORY)
		return gt_log();
	return env->memory;
}

GT_TEST_HW(syscall, wrong_type)
{
	hostile_each_handle("wrong type", bad_wrong_type, MT_ERR_WRONG_TYPE);
}

GT_TEST_HW(syscall, missing_rights)
{
	struct hostile_env env;
	int tried = 0;

	hostile_env_init(&env);
	for (size_t k = 0; k < MT_SYSCALL_INFO_COUNT; k++) {
		const struct mt_syscall_info *c = &mt_syscall_infos[k];

		for (int i = 0; i < c->nargs && !c->noreturn; i++) {
			const struct mt_syscall_arg_info *a = &c->args[i];
			mt_handle_t valid, weak;
			bool temp;
			mt_status_t rights;

			if (a->kind != MT_ARG_HANDLE || a->rights == 0)
				continue;
			valid = hostile_valid_handle(&env, c, a, &temp);
			rights = GT_OK(mt_handle_rights(valid));
			GT_OK(mt_handle_duplicate(valid,
						  (mt_rights_t)rights & ~a->rights,
						  &weak));
			if (temp)
				mt_handle_drop(valid);
			hostile_try(&env, c, i, weak, MT_ERR_ACCESS_DENIED,
				    "without rights");
			mt_handle_drop(weak);
			tried++;
		}
	}
	GT_CHECK(tried > 0);
	hostile_stop = true;
}

/* A page that was mapped and no longer is (made after the environment,
 * whose mappings could otherwise land there). */
static uint64_t hostile_unmapped_page(void)
{
	uint64_t addr;
	mt_handle_t mem;

	GT_OK(mt_map_anon(MT_PAGE_SIZE, MT_PROT_READ | MT_PROT_WRITE, &addr, &mem));
	GT_OK(mt_vm_unmap(gt_aspace(), addr, MT_PAGE_SIZE));
	mt_handle_drop(mem);
	return addr;
}

#define HOSTILE_UNMAPPED 1ULL   /* stands for hostile_unmapped_page() */

/* Every user-memory argument of every call given `bad`. */
static void hostile_each_pointer(const char *what, uint64_t bad, bool out_only)
{
	struct hostile_env env;
	int tried = 0;

	hostile_env_init(&env);
	if (bad == HOSTILE_UNMAPPED)
		bad = hostile_unmapped_page();
	for (size_t k = 0; k < MT_SYSCALL_INFO_COUNT; k++) {
		const struct mt_syscall_info *c = &mt_syscall_infos[k];

		for (int i = 0; i < c->nargs && !c->noreturn; i++) {
			uint8_t kind = c->args[i].kind;

			if (kind != MT_ARG_USER_OUT &&
			    (kind != MT_ARG_USER_IN || out_only))
				continue;
			hostile_try(&env, c, i, bad, MT_ERR_BAD_ADDRESS, what);
			tried++;
		}
	}
	GT_CHECK(tried > 0);
	hostile_stop = true;
}

GT_TEST_HW(syscall, bad_ptr_null)
{
	hostile_each_pointer("NULL", 0, false);
}

GT_TEST_HW(syscall, bad_ptr_kernel)
{
	hostile_each_pointer("kernel", 0xffff800000000000ULL, false);
	hostile_each_pointer("kernel image", 0xffffffff80000000ULL, false);
}

GT_TEST_HW(syscall, bad_ptr_noncanonical)
{
	hostile_each_pointer("non-canonical", 0x8000000000000000ULL, false);
	hostile_each_pointer("non-canonical low", 0x0000800000000000ULL, false);
}

GT_TEST_HW(syscall, bad_ptr_unmapped)
{
	hostile_each_pointer("unmapped", HOSTILE_UNMAPPED, false);
	hostile_each_pointer("below user space", 0x1000, false);
}

GT_TEST_HW(syscall, bad_ptr_wrap)
{
	/* Starts in user space's last bytes and runs past its top; and a
	 * range that wraps around the end of the address space. */
	hostile_each_pointer("straddling the top", MT_USER_TOP - 4, false);
	hostile_each_pointer("straddling 2^47", 0x00007ffffffffffcULL, false);
	hostile_each_pointer("wrapping", 0xfffffffffffffffcULL, false);
}

static const uint8_t hostile_ro[4096] __attribute__((aligned(4096))) = { 1 };

GT_TEST_HW(syscall, bad_ptr_readonly_out)
{
	/* The kernel must not write through a read-only user mapping. */
	hostile_each_pointer("read-only", (uint64_t)(uintptr_t)hostile_ro, true);
	GT_CHECK(hostile_ro[0] == 1 && hostile_ro[8] == 0);
	hostile_each_pointer("code", (uint64_t)(uintptr_t)gt_fail, true);
}

GT_TEST(syscall, null)
{
	for (int i = 0; i < 1000; i++)
		GT_ERR(mt_null(), MT_OK);
}

static void unknown_number_check(uint64_t number)
{
	mt_status_t st = mt_syscall6(number, 1, 2, 3, 4, 5, 6);

	if (st != MT_ERR_NOT_SUPPORTED)
		gt_note("syscall %#llx returned %s", (unsigned long long)number,
			mt_status_str(st));
}

GT_TEST(syscall, unknown_number)
{
	static const uint64_t numbers[] = {
		MT_SYS_COUNT, MT_SYS_COUNT + 1, 255, 1000,
		0x7fffffff, 0xffffffff, 1ULL << 32, 1ULL << 63, UINT64_MAX,
	};
	size_t k = 0;

	/* Numbers left unused below the highest (reserved ones). */
	for (uint32_t n = 0; n < MT_SYS_COUNT; n++) {
		while (k < MT_SYSCALL_INFO_COUNT && mt_syscall_infos[k].number < n)
			k++;
		if (k == MT_SYSCALL_INFO_COUNT || mt_syscall_infos[k].number != n)
			unknown_number_check(n);
	}
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		unknown_number_check(numbers[i]);
}

GT_TEST(syscall, registers_preserved)
{
	/* Everything but rax (result), rcx and r11 survives a call. */
	uint64_t in[13] = { 0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666,
			    0x7777, 0x8888, 0x9999, 0xaaaa, 0xbbbb, 0xcccc,
			    0xdddd };
	uint64_t out[13];
	uint64_t *inp = in;

	__asm__ volatile(
		"push %%rbp\n\t"
		"push %%rbx\n\t"
		"push %%r12\n\t"
		"push %%r13\n\t"
		"push %%r14\n\t"
		"push %%r15\n\t"
		"push %%rax\n\t"              /* out */
		"mov 0(%%rsi), %%rbx\n\t"
		"mov 8(%%rsi), %%rbp\n\t"
		"mov 16(%%rsi), %%r12\n\t"
		"mov 24(%%rsi), %%r13\n\t"
		"mov 32(%%rsi), %%r14\n\t"
		"mov 40(%%rsi), %%r15\n\t"
		"mov 48(%%rsi), %%rdi\n\t"
		"mov 56(%%rsi), %%rdx\n\t"
		"mov 64(%%rsi), %%r8\n\t"
		"mov 72(%%rsi), %%r9\n\t"
		"mov 80(%%rsi), %%r10\n\t"
		"push %%rsi\n\t"
		"mov 88(%%rsi), %%rsi\n\t"
		"xor %%eax, %%eax\n\t"        /* MT_SYS_null */
		"syscall\n\t"
		"xchg %%rsi, (%%rsp)\n\t"     /* rsi: in; (rsp): rsi after */
		"mov 8(%%rsp), %%rax\n\t"     /* out */
		"mov %%rbx, 0(%%rax)\n\t"
		"mov %%rbp, 8(%%rax)\n\t"
		"mov %%r12, 16(%%rax)\n\t"
		"mov %%r13, 24(%%rax)\n\t"
		"mov %%r14, 32(%%rax)\n\t"
		"mov %%r15, 40(%%rax)\n\t"
		"mov %%rdi, 48(%%rax)\n\t"
		"mov %%rdx, 56(%%rax)\n\t"
		"mov %%r8, 64(%%rax)\n\t"
		"mov %%r9, 72(%%rax)\n\t"
		"mov %%r10, 80(%%rax)\n\t"
		"pop %%rsi\n\t"
		"mov %%rsi, 88(%%rax)\n\t"
		"mov %%rsp, 96(%%rax)\n\t"
		"pop %%rax\n\t"
		"pop %%r15\n\t"
		"pop %%r14\n\t"
		"pop %%r13\n\t"
		"pop %%r12\n\t"
		"pop %%rbx\n\t"
		"pop %%rbp\n\t"
		: "+S"(inp)
		: "a"(out)
		: "rcx", "rdx", "rdi", "r8", "r9", "r10", "r11", "memory");
	static const char *const names[] = { "rbx", "rbp", "r12", "r13", "r14",
		"r15", "rdi", "rdx", "r8", "r9", "r10", "rsi" };
	for (int i = 0; i < 12; i++)
		if (out[i] != in[i])
			gt_note("%s changed to %#llx", names[i],
				(unsigned long long)out[i]);
}

GT_TEST(syscall, clock_monotonic)
{
	mt_time_t prev = mt_clock_get();

	GT_CHECK(prev > 0);
	for (int i = 0; i < 1000; i++) {
		mt_time_t now = mt_clock_get();

		GT_CHECK(now >= prev);
		prev = now;
	}
}

GT_TEST(syscall, debug_write_limits)
{
	static char big[MT_DEBUG_WRITE_MAX + 1];

	memset(big, ' ', sizeof(big));
	GT_ERR(mt_debug_write(gt_log(), big, sizeof(big)), MT_ERR_INVALID_ARGS);
	GT_OK(mt_debug_write(gt_log(), big, 0));
	GT_ERR(mt_debug_write(gt_log(), (void *)0xffff800000000000ULL, 1),
	       MT_ERR_BAD_ADDRESS);
}

GT_TEST(syscall, hostile_user_stack)
{
	/* The kernel must not trust the user stack pointer at entry. */
	static const uint64_t stacks[] = { 0, 0xffff800000001000ULL,
		0x8000000000000000ULL, 0xffffffff80001000ULL, 0x1000 };
	for (size_t i = 0; i < sizeof(stacks) / sizeof(stacks[0]); i++) {
		uint64_t rc = MT_SYS_null;

		__asm__ volatile("mov %%rsp, %%r12\n\t"
				 "mov %1, %%rsp\n\t"
				 "syscall\n\t"
				 "mov %%r12, %%rsp\n\t"
				 : "+a"(rc)
				 : "r"(stacks[i])
				 : "rcx", "r11", "r12", "memory");
		if (rc != MT_OK)
			gt_note("null with rsp %#llx: %s",
				(unsigned long long)stacks[i],
				mt_status_str((mt_status_t)rc));
	}
}
