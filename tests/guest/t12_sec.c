/*
 * sec.*: no ambient authority (docs/security.md).  A child process with no
 * handles, or with one channel end, sweeps every system call number with
 * plausible arguments and reports every result that the generated table
 * of authorities (<mantra/syscall_info.h>: each call's handle arguments,
 * their types and rights, or what it does without one) does not allow.
 * Its parent checks that nothing of its own changed: its objects, their
 * signals and handle counts, its queues.  Also: rights only shrink.
 *
 * The confined children have no handle to report through, so they write
 * their results into the box page their parent mapped for them
 * (struct sec_report), and never use GT_CHECK (the runner's shared page
 * is not mapped in helpers).
 */
#include "sec.h"

#include <string.h>

#include <fmt/fmt.h>
#include <mantra/syscall_info.h>

/* ---- the confined child ------------------------------------------------ */

/* Record an unexpected result in the report (the first ones in full). */
__attribute__((format(printf, 1, 2)))
static void sec_problem(const char *fmt, ...)
{
	volatile struct sec_report *r = sec_report();
	char *text = (char *)(uintptr_t)r->text;
	size_t len = strnlen(text, SEC_REPORT_TEXT - 1);
	va_list ap;

	r->problems++;
	if (len >= SEC_REPORT_TEXT - 80)
		return;
	if (len)
		text[len++] = ';', text[len++] = ' ';
	va_start(ap, fmt);
	fmt_vsnprintf(text + len, SEC_REPORT_TEXT - len, fmt, ap);
	va_end(ap);
}

/* Buffers a sweep passes as user memory: one per argument, so a call
 * with two outputs (process_create) gets both back. */
static uint8_t sec_in[SEC_ARGS][256] __attribute__((aligned(16)));
static uint8_t sec_out[SEC_ARGS][256] __attribute__((aligned(16)));

static bool sec_is(const struct mt_syscall_info *c, const char *name)
{
	return strcmp(c->name, name) == 0;
}

/* A plausible value for argument i of c: valid sizes, rights, flags; the
 * call is then refused for its handles, not its other arguments. */
static uint64_t sec_value(const struct mt_syscall_info *c, int i)
{
	const char *n = c->args[i].name;

	for (int j = 0; j < c->nargs; j++)
		if (c->args[j].size_arg == i)
			return strncmp(n, "handles", 7) == 0 ? 0 :
			       strcmp(n, "name_len") == 0 ? 4 : 8;
	if (strcmp(n, "rights") == 0)
		return MT_RIGHT_SAME;
	if (strcmp(n, "signals") == 0)
		return MT_SIGNAL_TERMINATED;
	if (strcmp(n, "kind") == 0)
		return MT_THREAD_STATE_REGS;
	if (strcmp(n, "flags") == 0 || strcmp(n, "prot") == 0)
		return sec_is(c, "vm_map") || sec_is(c, "vm_protect") ? MT_PROT_READ : 0;
	if (strcmp(n, "size") == 0 || strcmp(n, "len") == 0)
		return MT_PAGE_SIZE;
	if (strcmp(n, "badge") == 0)
		return 1;
	if (strcmp(n, "priority") == 0)
		return MT_PRIORITY_DEFAULT;
	if (strcmp(n, "entry") == 0 || strcmp(n, "stack") == 0)
		return (uint64_t)(uintptr_t)sec_in[i];
	return 0;           /* deadline 0: never block; addr 0, info 0 */
}

/* Fill args[] for c, every handle argument `h`. */
static void sec_fill(const struct mt_syscall_info *c, uint64_t h,
		     uint64_t args[SEC_ARGS])
{
	for (int i = 0; i < SEC_ARGS; i++) {
		args[i] = 0;
		if (i >= c->nargs)
			continue;
		switch (c->args[i].kind) {
		case MT_ARG_HANDLE:
			args[i] = h;
			break;
		case MT_ARG_USER_IN:
			memcpy(sec_in[i], "sec!", 4);
			args[i] = (uint64_t)(uintptr_t)sec_in[i];
			break;
		case MT_ARG_USER_OUT:
			memset(sec_out[i], 0, sizeof(sec_out[i]));
			args[i] = (uint64_t)(uintptr_t)sec_out[i];
			break;
		default:
			args[i] = sec_value(c, i);
		}
	}
}

static mt_status_t sec_call(const struct mt_syscall_info *c, const uint64_t a[SEC_ARGS])
{
	sec_report()->calls++;
	return mt_syscall6(c->number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* Handle values a process might guess: indices 1-64 in several
 * generations, and a few odd ones.  `skip` (our own handle) is left out. */
static size_t sec_guesses(uint32_t *out, size_t cap, mt_handle_t skip)
{
	static const uint32_t gens[] = { 0, 1, 2, 3, 0x7fff };
	static const uint32_t odd[] = { 0, 0xffffffffu, 0x80000001u, 0xffffu };
	size_t n = 0;

	for (uint32_t g = 0; g < sizeof(gens) / sizeof(gens[0]); g++)
		for (uint32_t i = 1; i <= 64 && n < cap; i++)
			if ((i | gens[g] << 16) != skip)
				out[n++] = i | gens[g] << 16;
	for (uint32_t i = 0; i < sizeof(odd) / sizeof(odd[0]) && n < cap; i++)
		out[n++] = odd[i];
	return n;
}

/* Every call that takes a handle, with every guessed value in every
 * handle argument: MT_ERR_BAD_HANDLE, whatever the value. */
static void sec_sweep_guesses(mt_handle_t own)
{
	static uint32_t guesses[512];
	size_t n = sec_guesses(guesses, 512, own);
	uint64_t a[SEC_ARGS];

	for (size_t k = 0; k < MT_SYSCALL_INFO_COUNT; k++) {
		const struct mt_syscall_info *c = &mt_syscall_infos[k];
		int bad = 0;

		if (c->ambient != MT_AMBIENT_NONE || c->noreturn)
			continue;
		for (size_t g = 0; g < n; g++) {
			sec_fill(c, guesses[g], a);
			mt_status_t st = sec_call(c, a);

			if (st == MT_ERR_BAD_HANDLE)
				continue;
			if (bad++ == 0)         /* the first of each call in full */
				sec_problem("%s(handle %#x): %s", c->name, guesses[g],
					    mt_status_str(st));
			else
				sec_report()->problems++;
		}
	}
}

/* Close every handle a `create` call wrote to its outputs; each must be
 * a fresh handle of ours, and then gone. */
static void sec_close_created(const struct mt_syscall_info *c, const uint64_t a[SEC_ARGS])
{
	for (int i = 0; i < c->nargs; i++) {
		mt_handle_t h;

		if (c->args[i].kind != MT_ARG_USER_OUT ||
		    c->args[i].fixed_size != sizeof(mt_handle_t))
			continue;
		memcpy(&h, (const void *)(uintptr_t)a[i], sizeof(h));
		if (h == MT_HANDLE_INVALID || mt_handle_close(h) != MT_OK ||
		    mt_handle_close(h) != MT_ERR_BAD_HANDLE)
			sec_problem("%s: output %s = %#x is not a fresh handle",
				    c->name, c->args[i].name, h);
	}
}

/* The calls that need no handle, once each (not the noreturn ones). */
static void sec_sweep_ambient(void)
{
	uint64_t a[SEC_ARGS];

	for (size_t k = 0; k < MT_SYSCALL_INFO_COUNT; k++) {
		const struct mt_syscall_info *c = &mt_syscall_infos[k];
		mt_status_t st;

		if (c->ambient == MT_AMBIENT_NONE || c->noreturn)
			continue;
		sec_fill(c, 0, a);
		st = sec_call(c, a);
		switch (c->ambient) {
		case MT_AMBIENT_SELF:
			if (st < 0)
				sec_problem("%s: %s", c->name, mt_status_str(st));
			break;
		case MT_AMBIENT_CREATE:
			if (st == MT_OK)
				sec_close_created(c, a);
			else if (st != MT_ERR_NO_MEMORY && st != MT_ERR_NO_RESOURCES)
				sec_problem("%s: %s", c->name, mt_status_str(st));
			break;
		case MT_AMBIENT_REPLY:
			/* Nothing received: no reply is owed. */
			if (st != MT_ERR_BAD_STATE)
				sec_problem("%s: %s", c->name, mt_status_str(st));
			break;
		default:
			sec_problem("%s: unknown ambient kind %u", c->name, c->ambient);
		}
	}
}

/* Numbers no call has: MT_ERR_NOT_SUPPORTED. */
static void sec_sweep_unused(void)
{
	static const uint64_t far[] = { 255, 1023, 1024, 0xffffffffu, 1ULL << 32,
					UINT64_MAX };

	for (uint64_t nr = 0; nr < MT_SYS_COUNT + 8 + sizeof(far) / sizeof(far[0]); nr++) {
		uint64_t n = nr < MT_SYS_COUNT + 8 ? nr : far[nr - MT_SYS_COUNT - 8];
		bool known = false;

		for (size_t k = 0; k < MT_SYSCALL_INFO_COUNT; k++)
			known |= mt_syscall_infos[k].number == n;
		if (known)
			continue;
		sec_report()->calls++;
		mt_status_t st = mt_syscall6(n, 1, 2, 3, 4, 5, 6);
		if (st != MT_ERR_NOT_SUPPORTED)
			sec_problem("unused number %#llx: %s", (unsigned long long)n,
				    mt_status_str(st));
	}
}

/* Close the handles the loader gave us, so that the table holds only
 * what the box gave; tell the parent and wait until it has looked. */
static void sec_confine(void)
{
	const struct mt_startup *su = mt_startup();
	const mt_handle_t given[] = { su->self_process, su->self_aspace,
				      su->bootfs, su->debuglog };

	for (size_t i = 0; i < sizeof(given) / sizeof(given[0]); i++)
		if (given[i] && mt_handle_close(given[i]) != MT_OK)
			sec_problem("closing start-up handle %#x failed", given[i]);
	sec_report()->stage = SEC_STAGE_CONFINED;
	while (!sec_report()->go)
		(void)mt_nanosleep(mt_clock_get() + 1000000);
}

static __attribute__((noreturn)) void sec_zero_main(bool thread_exit)
{
	sec_confine();
	sec_sweep_guesses(MT_HANDLE_INVALID);
	sec_sweep_ambient();
	sec_sweep_unused();
	sec_report()->stage = SEC_STAGE_DONE;
	if (thread_exit)
		(void)mt_thread_exit();
	(void)mt_process_exit(SEC_EXIT_DONE);
	__builtin_trap();
}

/* Would `h` (rights `have`, type `type`) pass every handle check of c? */
static bool sec_would_pass(const struct mt_syscall_info *c, uint32_t type,
			   mt_rights_t have)
{
	for (int i = 0; i < c->nargs; i++) {
		const struct mt_syscall_arg_info *a = &c->args[i];

		if (a->kind != MT_ARG_HANDLE)
			continue;
		if ((a->obj_type && a->obj_type != type) || (a->rights & ~have))
			return false;
	}
	return true;
}

#define SEC_CHANNEL_RIGHTS (MT_RIGHT_READ | MT_RIGHT_WRITE | MT_RIGHT_WAIT)

/* With only `ch`: every call where it does not fit is refused for its type
 * or rights; the calls where it fits work on it and on nothing else. */
static void sec_sweep_channel(mt_handle_t ch)
{
	uint64_t a[SEC_ARGS], actual = 0;
	char buf[16];

	for (size_t k = 0; k < MT_SYSCALL_INFO_COUNT; k++) {
		const struct mt_syscall_info *c = &mt_syscall_infos[k];

		if (c->ambient != MT_AMBIENT_NONE || c->noreturn ||
		    sec_would_pass(c, MT_OBJ_CHANNEL, SEC_CHANNEL_RIGHTS))
			continue;
		sec_fill(c, ch, a);
		mt_status_t st = sec_call(c, a);
		if (st != MT_ERR_WRONG_TYPE && st != MT_ERR_ACCESS_DENIED)
			sec_problem("%s(our channel): %s", c->name, mt_status_str(st));
	}
	/* What the channel end allows. */
	memset(buf, 0, sizeof(buf));
	if (mt_channel_read(ch, buf, sizeof(buf), NULL, 0, &actual) != MT_OK ||
	    strcmp(buf, "ping") != 0)
		sec_problem("reading the parent's message failed ('%s')", buf);
	if (mt_channel_write(ch, "pong", 5, NULL, 0, 0) != MT_OK)
		sec_problem("writing the reply failed");
	/* It cannot travel: no TRANSFER (and not through itself). */
	mt_status_t st = mt_channel_write(ch, "x", 1, &ch, sizeof(ch), 0);
	if (st != MT_ERR_ACCESS_DENIED && st != MT_ERR_INVALID_ARGS)
		sec_problem("sending our channel end: %s", mt_status_str(st));
	mt_signals_t seen = 0;
	st = mt_object_wait_one(ch, MT_SIGNAL_WRITABLE, 0, &seen);
	if (st != MT_OK || !(seen & MT_SIGNAL_WRITABLE))
		sec_problem("waiting for WRITABLE: %s", mt_status_str(st));
}

static __attribute__((noreturn)) void sec_one_channel_main(void)
{
	mt_handle_t given = gt_box()->h[0], ch = MT_HANDLE_INVALID;

	/* Drop TRANSFER ourselves: rights only shrink. */
	if (mt_handle_replace(given, SEC_CHANNEL_RIGHTS, &ch) != MT_OK)
		sec_problem("replacing the channel handle failed");
	sec_confine();
	sec_sweep_guesses(ch);
	sec_sweep_channel(ch);
	sec_report()->stage = SEC_STAGE_DONE;
	(void)mt_process_exit(SEC_EXIT_DONE);
	__builtin_trap();
}

void gt_helper_sec_main(uint32_t param)
{
	switch (param) {
	case SEC_ROLE_ZERO_EXIT:
		sec_zero_main(false);
	case SEC_ROLE_ZERO_THREAD_EXIT:
		sec_zero_main(true);
	case SEC_ROLE_ONE_CHANNEL:
		sec_one_channel_main();
	}
	sec_helper_mem_main(param);
}

/* ---- the parent: nothing of ours changes ------------------------------- */

/* Objects of the test process that a confined child must not reach. */
#define SEC_WATCHED 10
struct sec_watch {
	mt_handle_t h[SEC_WATCHED];
	struct mt_object_info info[SEC_WATCHED];
	mt_handle_t event, ch0, ch1, port, memory, endpoint;
	struct mt_kernel_stats stats;
};

static void sec_info(mt_handle_t h, struct mt_object_info *info)
{
	memset(info, 0, sizeof(*info));
	GT_OK(mt_object_info(h, info));
}

/* Make objects of every kind at small handle values, a port watching two
 * of them, and record how everything looks. */
static void sec_watch_init(struct sec_watch *w)
{
	static const char pattern[] = "the parent's memory";

	memset(w, 0, sizeof(*w));
	GT_OK(mt_event_create(&w->event));
	GT_OK(mt_channel_create(&w->ch0, &w->ch1));
	GT_OK(mt_port_create(&w->port));
	GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &w->memory));
	GT_OK(mt_endpoint_create(&w->endpoint));
	GT_OK(mt_memory_write(w->memory, 0, pattern, sizeof(pattern)));
	GT_OK(mt_port_watch(w->port, w->event, MT_SIGNAL_USER_ALL, 1, MT_PORT_REPEATING));
	GT_OK(mt_port_watch(w->port, w->ch0, MT_SIGNAL_READABLE | MT_SIGNAL_PEER_CLOSED,
			    2, MT_PORT_REPEATING));
	const mt_handle_t hs[SEC_WATCHED] = {
		gt_self(), gt_aspace(), gt_log(), mt_startup()->bootfs, w->event,
		w->ch0, w->ch1, w->port, w->memory, w->endpoint,
	};
	memcpy(w->h, hs, sizeof(hs));
	for (int i = 0; i < SEC_WATCHED; i++)
		sec_info(w->h[i], &w->info[i]);
	memset(&w->stats, 0, sizeof(w->stats));
	GT_OK(mt_debug_stats(gt_log(), &w->stats));
}

/* Everything as sec_watch_init left it; notes each difference. */
static void sec_watch_check(const struct sec_watch *w)
{
	static const char pattern[] = "the parent's memory";
	struct mt_port_packet pkt;
	char mem[sizeof(pattern)];
	uint64_t actual;

	for (int i = 0; i < SEC_WATCHED; i++) {
		struct mt_object_info now;

		sec_info(w->h[i], &now);
		if (memcmp(&now, &w->info[i], sizeof(now)) != 0)
			gt_note("handle %#x (type %u) changed: signals %#x -> %#x, "
				"handles %u -> %u, rights %#x -> %#x", w->h[i],
				now.type, w->info[i].signals, now.signals,
				w->info[i].handle_count, now.handle_count,
				w->info[i].rights, now.rights);
	}
	mt_status_t st = mt_port_wait(w->port, 0, &pkt);
	if (st != MT_ERR_TIMED_OUT)
		gt_note("our port has a packet (%s, key %llu)", mt_status_str(st),
			(unsigned long long)pkt.key);
	st = mt_channel_read(w->ch0, mem, sizeof(mem), NULL, 0, &actual);
	if (st != MT_ERR_SHOULD_WAIT)
		gt_note("our channel has a message (%s)", mt_status_str(st));
	GT_OK(mt_memory_read(w->memory, 0, mem, sizeof(mem)));
	if (memcmp(mem, pattern, sizeof(pattern)) != 0)
		gt_note("our memory object changed");
}

/* The kernel's counters back where they were (the child's objects go
 * asynchronously: give it time). */
static void sec_stats_settle(const struct mt_kernel_stats *before)
{
	struct mt_kernel_stats now;

	for (int i = 0; i < 200; i++) {
		GT_OK(mt_debug_stats(gt_log(), &now));
		if (now.live_objects == before->live_objects &&
		    now.live_processes == before->live_processes &&
		    now.live_threads == before->live_threads)
			return;
		(void)mt_nanosleep(mt_clock_get() + 1000000);
	}
	gt_note("kernel objects %+lld, processes %+lld, threads %+lld after the child",
		(long long)(now.live_objects - before->live_objects),
		(long long)(now.live_processes - before->live_processes),
		(long long)(now.live_threads - before->live_threads));
}

static void sec_report_read(mt_handle_t box, struct sec_report *r)
{
	GT_OK(mt_memory_read(box, SEC_REPORT_OFFSET, r, sizeof(*r)));
	r->text[SEC_REPORT_TEXT - 1] = '\0';
}

/* Wait until the helper reports `stage` (or ends). */
static void sec_wait_stage(mt_handle_t box, const struct mt_spawn_result *child,
			   uint64_t stage)
{
	struct sec_report r;
	mt_signals_t seen;

	for (int i = 0; i < 3000; i++) {
		sec_report_read(box, &r);
		if (r.stage >= stage)
			return;
		if (mt_object_wait_one(child->process, MT_SIGNAL_TERMINATED, 0, &seen) == MT_OK)
			break;
		(void)mt_nanosleep(mt_clock_get() + 1000000);
	}
	gt_fail("the confined child never reached stage %llu (%s)",
		(unsigned long long)stage, r.text);
}

static uint32_t sec_handle_count(mt_handle_t h)
{
	struct mt_object_info info;

	sec_info(h, &info);
	return info.handle_count;
}

/* Run a confined helper in `role` with handles give[0..n): check that it
 * holds nothing but those once confined, let it sweep, check its report
 * and how it ended (exit code `code`, or any clean exit if < 0). */
static void sec_run_confined(uint32_t role, const mt_handle_t *give, size_t n,
			     int64_t code)
{
	struct mt_spawn_result child;
	struct mt_task_result res;
	struct sec_report r;
	mt_handle_t box;
	const uint64_t go = 1;

	gt_spawn_helper_box(GT_HELPER_SEC, (uint16_t)role, give, n, &box, &child);
	/* Started: its own process and address space handles count, until
	 * it has closed them. */
	sec_wait_stage(box, &child, SEC_STAGE_CONFINED);
	uint32_t proc_handles = sec_handle_count(child.process);
	uint32_t as_handles = sec_handle_count(child.aspace);
	/* Ours: child.process, and the copy gt_spawn_helper keeps. */
	if (proc_handles != 2 || as_handles != 1)
		gt_note("the confined child still holds handles to itself "
			"(process %u, address space %u)", proc_handles, as_handles);
	GT_OK(mt_memory_write(box, SEC_REPORT_OFFSET + offsetof(struct sec_report, go),
			      &go, sizeof(go)));
	gt_wait(child.process, MT_SIGNAL_TERMINATED, 4000);
	GT_OK(mt_task_result(child.process, &res));
	sec_report_read(box, &r);
	if (r.problems)
		gt_note("%llu of %llu calls unexpected: %s",
			(unsigned long long)r.problems, (unsigned long long)r.calls, r.text);
	if (r.stage != SEC_STAGE_DONE || r.calls < 1000)
		gt_note("the sweep did not finish (stage %llu, %llu calls)",
			(unsigned long long)r.stage, (unsigned long long)r.calls);
	if (res.state != MT_TASK_EXITED || (code >= 0 && res.exit_code != code))
		gt_note("the child ended in state %u, exit code %lld, fault %u at %#llx",
			res.state, (long long)res.exit_code, res.fault,
			(unsigned long long)res.fault_ip);
	gt_helper_release(&child);
	mt_handle_drop(box);
}

GT_TEST(sec, zero_handles_confined)
{
	struct sec_watch w;

	sec_watch_init(&w);
	sec_run_confined(SEC_ROLE_ZERO_EXIT, NULL, 0, SEC_EXIT_DONE);
	sec_run_confined(SEC_ROLE_ZERO_THREAD_EXIT, NULL, 0, -1);
	sec_watch_check(&w);
	sec_stats_settle(&w.stats);
}

GT_TEST(sec, single_channel_confined)
{
	struct sec_watch w;
	mt_handle_t mine, theirs;
	char buf[16];
	uint64_t actual = 0;

	sec_watch_init(&w);
	GT_OK(mt_channel_create(&mine, &theirs));
	GT_OK(mt_channel_write(mine, "ping", 5, NULL, 0, 0));
	GT_OK(mt_handle_replace(theirs, SEC_CHANNEL_RIGHTS | MT_RIGHT_TRANSFER, &theirs));
	sec_run_confined(SEC_ROLE_ONE_CHANNEL, &theirs, 1, SEC_EXIT_DONE);
	/* Exactly its one message came back, then the end closed with it. */
	memset(buf, 0, sizeof(buf));
	GT_OK(mt_channel_read(mine, buf, sizeof(buf), NULL, 0, &actual));
	GT_CHECK(strcmp(buf, "pong") == 0);
	GT_ERR(mt_channel_read(mine, buf, sizeof(buf), NULL, 0, &actual),
	       MT_ERR_PEER_CLOSED);
	GT_OK(mt_handle_close(mine));
	sec_watch_check(&w);
	sec_stats_settle(&w.stats);
}

/* ---- rights only shrink ------------------------------------------------ */

/* One handle with all the rights its kind of object can have. */
static mt_handle_t sec_full_handle(uint32_t type, mt_handle_t *extra)
{
	mt_handle_t h = MT_HANDLE_INVALID, other = MT_HANDLE_INVALID;

	switch (type) {
	case MT_OBJ_PROCESS:
		GT_OK(mt_process_create("r", 1, &h, &other));
		break;
	case MT_OBJ_ASPACE:
		GT_OK(mt_process_create("r", 1, &other, &h));
		break;
	case MT_OBJ_THREAD:
		GT_OK(mt_thread_create(gt_self(), "r", 1, &h));
		break;
	case MT_OBJ_MEMORY:
		GT_OK(mt_memory_create(MT_PAGE_SIZE, 0, &h));
		break;
	case MT_OBJ_DEBUGLOG:
		GT_OK(mt_handle_duplicate(gt_log(), MT_RIGHT_SAME, &h));
		break;
	case MT_OBJ_ENDPOINT:
		GT_OK(mt_endpoint_create(&h));
		break;
	case MT_OBJ_CHANNEL:
		GT_OK(mt_channel_create(&h, &other));
		break;
	case MT_OBJ_PORT:
		GT_OK(mt_port_create(&h));
		break;
	case MT_OBJ_EVENT:
		GT_OK(mt_event_create(&h));
		break;
	}
	*extra = other;
	return h;
}

/* The rights of h (which must have INFO). */
static mt_rights_t sec_rights(mt_handle_t h)
{
	struct mt_object_info info;

	sec_info(h, &info);
	return info.rights;
}

/* From a handle with rights `have`, no derivation gains a right. */
static void sec_try_grow(uint32_t type, mt_handle_t h, mt_rights_t have)
{
	for (mt_rights_t bit = 1; bit & MT_RIGHTS_ALL; bit <<= 1) {
		mt_handle_t d = MT_HANDLE_INVALID;
		mt_status_t st;

		if (have & bit)
			continue;
		st = mt_handle_duplicate(h, have | bit, &d);
		if (st >= 0) {
			gt_note("type %u: duplicate %#x -> %#x succeeded", type, have,
				have | bit);
			mt_handle_drop(d);
		}
		st = mt_handle_replace(h, have | bit, &d);
		if (st >= 0) {
			gt_note("type %u: replace %#x -> %#x succeeded", type, have,
				have | bit);
			mt_handle_drop(d);
			return;         /* h is gone */
		}
		if (sec_rights(h) != have)
			gt_note("type %u: a refused replace changed the rights", type);
	}
}

GT_TEST_FULL(sec, rights_only_shrink, MT_FAULT_NONE, 20000)
{
	for (uint32_t type = MT_OBJ_PROCESS; type <= MT_OBJ_EVENT; type++) {
		mt_handle_t extra, full = sec_full_handle(type, &extra);
		mt_rights_t all = sec_rights(full);

		for (mt_rights_t want = 0; want <= MT_RIGHTS_ALL; want++) {
			mt_handle_t d = MT_HANDLE_INVALID, b = MT_HANDLE_INVALID;
			mt_status_t st = mt_handle_duplicate(full, want, &d);

			if ((want & ~all) != 0) {
				if (st >= 0)
					gt_note("type %u: duplicate to %#x from %#x succeeded",
						type, want, all);
				mt_handle_drop(d);
				continue;
			}
			if (st < 0) {
				gt_note("type %u: duplicate to subset %#x: %s", type,
					want, mt_status_str(st));
				continue;
			}
			/* A subset without INFO cannot be asked its rights. */
			if ((want & MT_RIGHT_INFO) && sec_rights(d) != want)
				gt_note("type %u: asked %#x, got %#x", type, want,
					sec_rights(d));
			if ((want & (MT_RIGHT_INFO | MT_RIGHT_DUPLICATE)) ==
			    (MT_RIGHT_INFO | MT_RIGHT_DUPLICATE) && want % 7 == 0) {
				sec_try_grow(type, d, want);
				if (mt_handle_badge(d, 1, &b) >= 0 && sec_rights(b) != want)
					gt_note("type %u: badge changed rights", type);
				mt_handle_drop(b);
			}
			mt_handle_drop(d);
		}
		if (type == MT_OBJ_PROCESS)
			(void)mt_task_kill(full);
		mt_handle_drop(full);
		mt_handle_drop(extra);
	}
}
