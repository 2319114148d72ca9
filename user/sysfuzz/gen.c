/*
 * One random system call: the number, the arguments, the call, and what
 * the fuzzer learns from the result (new handles for the pool, handles
 * that are gone).
 *
 * Numbers: mostly real calls, weighted (fz_weights), sometimes any number
 * up to MT_SYS_COUNT + 4 (reserved and unknown ones), sometimes a wild
 * 64-bit number.  Arguments follow the generated table of
 * <mantra/syscall_info.h>: a handle argument is usually a real handle from
 * the pool (of the type the call wants, or any type, with reduced rights,
 * stale, random or 0); a pointer usually points into the thread's scratch
 * arena with room for the size argument, sometimes it is NULL, unmapped,
 * in the kernel, non-canonical, read-only, straddling the arena's end or
 * inside a range the fuzzer mapped; values are chosen by what the
 * argument is (its name): sizes near limits and huge, rights, signals,
 * protections, IPC info words, priorities...  32-bit arguments sometimes
 * carry garbage in the upper half, which the kernel must ignore.
 *
 * What is neutered, and why (docs/testing.md):
 *   - deadlines (nanosleep, object_wait_one, port_wait, the IPC buffer's)
 *     are in the past or at most FZ_WAIT_NS ahead: a wait that nothing
 *     ends would stall the tree;
 *   - the main thread's IPC calls always carry MT_IPC_TIMEOUT with such a
 *     deadline (no server may ever answer), and it sets its IPC buffer
 *     only inside its arena (the kernel reads the deadline from it); the
 *     helper threads may block without a deadline (the fast path) — the
 *     main thread's process_exit at the end of the budget frees them;
 *   - the main thread never calls thread_exit, and process_exit is rare:
 *     both end the worker;
 *   - handles the worker keeps for itself (fz_forbidden: its report
 *     channel, the statistics page, private duplicates of its process and
 *     the boot archive) are never passed, also not inside handle arrays;
 *   - two kernel bugs this fuzzer found in object/endpoint.c (fixed;
 *     docs/testing.md) can be stepped around for comparison: fastwait=0
 *     keeps mt_ipc_reply_wait off the IPC fast path, replyown=0 keeps its
 *     reply from carrying the handle of the endpoint it waits on;
 *   - thread_start of a thread of our own process at fz_helper_entry gets
 *     a fresh stack (at most FZ_HELPERS helpers per worker).
 * Everything else goes through: a worker that kills, unmaps or
 * misconfigures itself dies, and the controller starts another.
 */
#include "sysfuzz.h"

#include <string.h>

#include <mantra/syscall_info.h>

#define FZ_WAIT_NS    2000000           /* the longest deadline: 2 ms */
#define FZ_TEXT_ADDR  0x400000ULL       /* lib/crt/user.ld */
#define FZ_KERNEL     0xffffffff80000000ULL
#define FZ_NONCANON   0x0000800000000000ULL

/* ---- The system calls, their weights and argument roles ----------------- */

enum fz_role {
	R_WORD, R_HANDLE, R_PTR_IN, R_PTR_OUT, R_SIZE, R_RIGHTS, R_SIGNALS,
	R_DEADLINE, R_FLAGS, R_PROT, R_OFFSET, R_ADDR, R_CODEPTR, R_KIND,
	R_POLICY, R_INFO, R_BADGE, R_PRIORITY, R_KEY, R_MODE,
};

static const struct { const char *name; uint8_t weight; } fz_weights[] = {
	{ "null", 2 }, { "debug_write", 1 }, { "handle_close", 4 },
	{ "handle_duplicate", 6 }, { "handle_replace", 4 }, { "object_info", 4 },
	{ "object_wait_one", 4 }, { "clock_get", 1 }, { "nanosleep", 1 },
	{ "thread_yield", 2 }, { "memory_create", 4 }, { "memory_read", 4 },
	{ "memory_write", 4 }, { "vm_map", 5 }, { "vm_unmap", 3 },
	{ "vm_protect", 3 }, { "process_create", 1 }, { "process_exit", 0 },
	{ "process_set_fault_policy", 1 }, { "thread_create", 3 },
	{ "thread_start", 3 }, { "thread_exit", 1 }, { "task_kill", 2 },
	{ "task_suspend", 3 }, { "task_resume", 3 }, { "task_result", 3 },
	{ "thread_read_state", 2 }, { "thread_write_state", 2 },
	{ "process_give_handle", 3 }, { "debug_stats", 1 },
	{ "endpoint_create", 3 }, { "ipc_call", 6 }, { "ipc_reply_wait", 5 },
	{ "ipc_recv", 4 }, { "ipc_reply", 4 }, { "ipc_buffer_set", 2 },
	{ "handle_badge", 3 }, { "thread_set_priority", 2 },
	{ "channel_create", 4 }, { "channel_write", 7 }, { "channel_read", 7 },
	{ "port_create", 3 }, { "port_watch", 5 }, { "port_cancel", 3 },
	{ "port_wait", 4 }, { "port_queue", 4 }, { "event_create", 3 },
	{ "object_signal", 5 }, { "handle_revoke", 3 }, { "debug_check", 1 },
	{ "process_set_quota", 2 }, { "process_quota", 2 },
};

static const struct mt_syscall_info *fz_info[MT_SYS_COUNT];
static uint8_t fz_roles[MT_SYS_COUNT][6];
static uint16_t fz_table[512];          /* numbers, each `weight` times */
static uint32_t fz_table_len;

static bool fz_name_is(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

static uint8_t fz_role_of(const struct mt_syscall_info *c, int i)
{
	static const char *const sizes[] = { "size", "len", "nbytes", "bytes_cap",
		"handles_size", "handles_cap", "name_len", "limit", NULL };
	static const char *const signals[] = { "signals", "clear", "set", NULL };
	static const char *const code[] = { "entry", "stack", "tls", NULL };
	const struct mt_syscall_arg_info *a = &c->args[i];
	const char *n = a->name;

	switch (a->kind) {
	case MT_ARG_HANDLE:
		return R_HANDLE;
	case MT_ARG_USER_IN:
		return R_PTR_IN;
	case MT_ARG_USER_OUT:
		return R_PTR_OUT;
	}
	for (int j = 0; j < c->nargs; j++)
		if (c->args[j].size_arg == i)
			return R_SIZE;
	if (fz_name_is(n, sizes))
		return R_SIZE;
	if (fz_name_is(n, signals))
		return R_SIGNALS;
	if (fz_name_is(n, code))
		return R_CODEPTR;
	if (!strcmp(n, "rights"))
		return R_RIGHTS;
	if (!strcmp(n, "deadline"))
		return R_DEADLINE;
	if (!strcmp(n, "flags"))
		return R_FLAGS;
	if (!strcmp(n, "prot"))
		return R_PROT;
	if (!strcmp(n, "offset"))
		return R_OFFSET;
	if (!strcmp(n, "addr"))
		return R_ADDR;
	if (!strcmp(n, "kind"))
		return R_KIND;
	if (!strcmp(n, "policy"))
		return R_POLICY;
	if (!strcmp(n, "info"))
		return R_INFO;
	if (!strcmp(n, "badge"))
		return R_BADGE;
	if (!strcmp(n, "priority"))
		return R_PRIORITY;
	if (!strcmp(n, "key"))
		return R_KEY;
	if (!strcmp(n, "mode"))
		return R_MODE;
	return R_WORD;
}

/* Build the tables from the generated argument table (once, before any
 * helper thread runs). */
void fz_tables_init(void)
{
	if (fz_table_len)
		return;
	for (size_t k = 0; k < MT_SYSCALL_INFO_COUNT; k++) {
		const struct mt_syscall_info *c = &mt_syscall_infos[k];
		uint8_t w = 1;

		fz_info[c->number] = c;
		for (int i = 0; i < c->nargs; i++)
			fz_roles[c->number][i] = fz_role_of(c, i);
		for (size_t j = 0; j < sizeof(fz_weights) / sizeof(fz_weights[0]); j++)
			if (!strcmp(fz_weights[j].name, c->name))
				w = fz_weights[j].weight;
		for (uint8_t j = 0; j < w && fz_table_len < 512; j++)
			fz_table[fz_table_len++] = (uint16_t)c->number;
	}
}

/* ---- The pool ------------------------------------------------------------- */

bool fz_forbidden(uint64_t value)
{
	mt_handle_t h = (mt_handle_t)value;

	return h && (h == fz_w.report || h == fz_w.statsmem || h == fz_w.self ||
		     h == fz_w.bootfs);
}

static struct fz_slot *fz_pool_find(mt_handle_t h)
{
	for (int i = 0; i < FZ_POOL; i++)
		if (fz_w.pool[i].state != FZ_EMPTY && fz_w.pool[i].h == h)
			return &fz_w.pool[i];
	return NULL;
}

static void fz_pool_mark_stale(mt_handle_t h)
{
	struct fz_slot *s = fz_pool_find(h);

	if (s)
		s->state = FZ_STALE;
}

/* Add h; a full pool forgets (and closes) a random entry. */
void fz_pool_add(mt_handle_t h, uint8_t type, bool own)
{
	static uint64_t turn;
	struct fz_slot *s = NULL;

	if (!h || fz_forbidden(h))
		return;
	for (int i = 0; i < FZ_POOL && !s; i++)
		if (fz_w.pool[i].state == FZ_EMPTY)
			s = &fz_w.pool[i];
	for (int i = 0; i < FZ_POOL && !s; i++)
		if (fz_w.pool[i].state == FZ_STALE && fz_w.pool[i].h != h)
			s = &fz_w.pool[i];
	if (!s) {
		s = &fz_w.pool[fz_mix(turn++) % FZ_POOL];
		(void)mt_handle_close(s->h);
	}
	*s = (struct fz_slot){ .h = h, .type = type, .state = FZ_LIVE,
			       .own_thread = own };
}

/* A live handle of `type` (0: any), or 0 if there is none. */
mt_handle_t fz_pool_pick(struct fz_rng *r, uint8_t type)
{
	uint32_t start = (uint32_t)fz_below(r, FZ_POOL);

	for (uint32_t n = 0; n < FZ_POOL; n++) {
		struct fz_slot *s = &fz_w.pool[(start + n) % FZ_POOL];
		if (s->state == FZ_LIVE && (!type || s->type == type))
			return s->h;
	}
	return 0;
}

static mt_handle_t fz_pool_pick_stale(struct fz_rng *r)
{
	uint32_t start = (uint32_t)fz_below(r, FZ_POOL);

	for (uint32_t n = 0; n < FZ_POOL; n++) {
		struct fz_slot *s = &fz_w.pool[(start + n) % FZ_POOL];
		if (s->state == FZ_STALE)
			return s->h;
	}
	return 0;
}

static uint8_t fz_pool_type(mt_handle_t h)
{
	struct fz_slot *s = fz_pool_find(h);

	return s ? s->type : 0;
}

static bool fz_pool_own(mt_handle_t h)
{
	struct fz_slot *s = fz_pool_find(h);

	return s && s->own_thread;
}

/* ---- Arguments ------------------------------------------------------------ */

struct fz_call {
	uint64_t nr;
	const struct mt_syscall_info *info;
	uint64_t a[6];
	bool has_ptr_room[6];           /* pointer i points into scratch */
};

static uint64_t fz_upper_garbage(struct fz_rng *r, uint64_t v)
{
	return fz_chance(r, 1, 5) ? v | (fz_rand(r) << 32) : v;
}

static uint64_t fz_handle_arg(struct fz_thread *t, uint8_t type)
{
	struct fz_rng *r = &t->rng;
	uint64_t h, roll = fz_below(r, 100);

	if (roll < 55)
		h = fz_pool_pick(r, type);
	else if (roll < 72)
		h = fz_pool_pick(r, 0);
	else if (roll < 80)
		h = fz_pool_pick_stale(r);
	else if (roll < 87)
		h = (fz_below(r, 4) + 1) << 16 | (fz_below(r, 64) + 1);
	else if (roll < 91)
		h = 0;
	else if (roll < 95)
		h = (uint32_t)fz_rand(r);
	else
		h = fz_chance(r, 1, 2) ? 0xffffffffu : 0x7fff0000u | fz_below(r, 1024);
	if (fz_forbidden(h))
		h = fz_pool_pick(r, 0);
	return fz_upper_garbage(r, h);
}

static uint64_t fz_size(struct fz_rng *r)
{
	static const uint64_t limits[] = {
		MT_DEBUG_WRITE_MAX, MT_DEBUG_WRITE_MAX + 1, MT_CHANNEL_MSG_MAX,
		MT_CHANNEL_MSG_MAX + 1, MT_IPC_DATA_MAX, MT_NAME_MAX, MT_NAME_MAX + 1,
		MT_PAGE_SIZE, MT_PAGE_SIZE - 1, MT_PAGE_SIZE + 1, FZ_SCRATCH,
		MT_MEMORY_MAX, MT_MEMORY_MAX + 1, 4 * MT_CHANNEL_HANDLES_MAX,
		4 * MT_CHANNEL_HANDLES_MAX + 4,
	};
	static const uint64_t huge[] = {
		1ull << 31, 1ull << 32, 1ull << 40, 1ull << 63, UINT64_MAX,
		UINT64_MAX - 4095, UINT64_MAX - 7, 0x7ffffffff000ull,
	};
	uint64_t roll = fz_below(r, 100);

	if (roll < 40)
		return fz_below(r, 65);
	if (roll < 55)
		return fz_below(r, FZ_SCRATCH + 1);
	if (roll < 67)
		return (fz_below(r, 16) + 1) * MT_PAGE_SIZE;
	if (roll < 80)
		return limits[fz_below(r, sizeof(limits) / sizeof(limits[0]))];
	if (roll < 90)
		return huge[fz_below(r, sizeof(huge) / sizeof(huge[0]))];
	if (roll < 95)
		return 4 * fz_below(r, 9);
	return fz_rand(r);
}

/* A pointer for `size` bytes (0: any). */
static uint64_t fz_pointer(struct fz_thread *t, uint64_t size, bool *in_scratch)
{
	struct fz_rng *r = &t->rng;
	uint64_t scratch = (uint64_t)(uintptr_t)fz_arena(t->index);
	uint64_t roll = fz_below(r, 100);

	*in_scratch = false;
	if (roll < 62) {
		uint64_t room = size <= FZ_SCRATCH ? FZ_SCRATCH - size : 0;
		uint64_t off = fz_below(r, room + 1);
		if (!fz_chance(r, 1, 8))
			off &= ~7ull;
		*in_scratch = size <= FZ_SCRATCH;
		return scratch + off;
	}
	if (roll < 68)
		return 0;
	if (roll < 73)
		return 0x0000500000000000ull + (fz_rand(r) & 0xffffffff000ull);
	if (roll < 78)
		return FZ_KERNEL + (fz_rand(r) & 0xffffff);
	if (roll < 81)
		return FZ_NONCANON + (fz_rand(r) & 0xffff);
	if (roll < 86)
		return scratch + FZ_SCRATCH + MT_IPC_BUFFER_SIZE + 2 * MT_PAGE_SIZE -
		       fz_below(r, 64);                      /* past the arena */
	if (roll < 92) {
		const struct fz_map *m = &fz_w.maps[fz_below(r, FZ_MAPS)];
		if (m->addr)
			return m->addr + fz_below(r, m->len + 1);
		return scratch;
	}
	if (roll < 95)
		return FZ_TEXT_ADDR + fz_below(r, 0x1000);  /* read-only */
	if (roll < 98)
		return MT_USER_TOP - fz_below(r, 64);
	return fz_rand(r);
}

static uint64_t fz_deadline(struct fz_rng *r)
{
	mt_time_t now = mt_clock_get();
	uint64_t roll = fz_below(r, 100);

	if (roll < 30)
		return 0;
	if (roll < 55)
		return (uint64_t)now;
	if (roll < 75)
		return (uint64_t)(now - (mt_time_t)fz_below(r, 1000000000));
	if (roll < 85)
		return (uint64_t)INT64_MIN + fz_below(r, 16);
	if (roll < 92)
		return UINT64_MAX - fz_below(r, 3);    /* negative: the past */
	return (uint64_t)(now + (mt_time_t)fz_below(r, FZ_WAIT_NS));
}

static uint64_t fz_signals(struct fz_rng *r)
{
	static const uint32_t known = 0x7f | MT_SIGNAL_USER_ALL;
	uint64_t roll = fz_below(r, 100);

	if (roll < 45)
		return fz_rand(r) & known;
	if (roll < 75)
		return (uint64_t)(1u << (24 + fz_below(r, 8)));
	if (roll < 85)
		return 0;
	return fz_upper_garbage(r, (uint32_t)fz_rand(r));
}

static uint64_t fz_rights(struct fz_rng *r)
{
	uint64_t roll = fz_below(r, 100);

	if (roll < 30)
		return MT_RIGHT_SAME;
	if (roll < 75)
		return fz_rand(r) & MT_RIGHTS_ALL;
	if (roll < 85)
		return MT_RIGHTS_ALL & ~(1u << fz_below(r, 10));
	return fz_upper_garbage(r, (uint32_t)fz_rand(r));
}

static uint64_t fz_prot(struct fz_rng *r)
{
	uint64_t p = fz_below(r, 8);

	if (fz_chance(r, 1, 10))
		p |= fz_rand(r) & 0xffff;
	return p;
}

static uint64_t fz_ipc_info(struct fz_rng *r)
{
	uint64_t len = fz_chance(r, 7, 10) ? fz_below(r, 65) :
		       fz_chance(r, 1, 2) ? MT_IPC_DATA_MAX : fz_below(r, 0x2000);
	uint64_t nh = fz_chance(r, 7, 10) ? 0 : fz_below(r, 16);
	uint64_t info = (uint32_t)fz_rand(r) | len << 32 | nh << 48;

	if (fz_chance(r, 1, 2))
		info = (uint32_t)fz_rand(r);    /* registers only: the fast path */
	if (fz_chance(r, 1, 3))
		info |= (fz_rand(r) & 0xf) << 56;
	if (fz_chance(r, 1, 20))
		info = fz_rand(r);
	return info;
}

/* Mostly a recorded mapping or one of our arenas; else anything. */
static uint64_t fz_addr(struct fz_thread *t, uint64_t *len)
{
	struct fz_rng *r = &t->rng;
	const struct fz_map *m = &fz_w.maps[fz_below(r, FZ_MAPS)];
	uint64_t roll = fz_below(r, 100);

	*len = 0;
	if (roll < 45 && m->addr) {
		*len = m->len;
		return m->addr;
	}
	if (roll < 60)
		return 0;
	if (roll < 80)
		return (0x0000000040000000ull + fz_below(r, 0x10000) * MT_PAGE_SIZE);
	if (roll < 90)
		return fz_rand(r) & 0x00007ffffffff000ull;
	return fz_rand(r);
}

static uint64_t fz_value(struct fz_thread *t, uint8_t role)
{
	struct fz_rng *r = &t->rng;
	uint64_t unused;

	switch (role) {
	case R_SIZE:
		return fz_size(r);
	case R_RIGHTS:
		return fz_rights(r);
	case R_SIGNALS:
		return fz_signals(r);
	case R_DEADLINE:
		return fz_deadline(r);
	case R_FLAGS:
		return fz_chance(r, 1, 2) ? 0 : fz_chance(r, 3, 4) ?
		       fz_rand(r) & 0x1ff : fz_rand(r);
	case R_PROT:
		return fz_prot(r);
	case R_OFFSET:
		return fz_chance(r, 2, 5) ? 0 : fz_chance(r, 1, 2) ?
		       fz_below(r, 64) * MT_PAGE_SIZE : fz_size(r);
	case R_ADDR:
		return fz_addr(t, &unused);
	case R_CODEPTR:
		return fz_pointer(t, 0, &(bool){ 0 });
	case R_KIND:
		return fz_chance(r, 4, 5) ? MT_THREAD_STATE_REGS : fz_upper_garbage(r, fz_below(r, 4));
	case R_POLICY:
		return fz_chance(r, 4, 5) ? fz_below(r, 2) : fz_rand(r);
	case R_INFO:
		return fz_ipc_info(r);
	case R_BADGE:
		return fz_chance(r, 1, 8) ? 0 : fz_rand(r);
	case R_PRIORITY:
		return fz_chance(r, 3, 5) ? fz_below(r, 32) : fz_chance(r, 1, 2) ?
		       MT_PRIORITY_PASSIVE : fz_upper_garbage(r, (uint32_t)fz_rand(r));
	case R_KEY:
		return fz_chance(r, 4, 5) ? fz_below(r, 8) : fz_rand(r);
	case R_MODE:
		return fz_chance(r, 4, 5) ? fz_below(r, 2) : fz_rand(r);
	default:
		return fz_chance(r, 1, 3) ? fz_below(r, 256) : fz_rand(r);
	}
}

/* Fill the arguments of a known call by role. */
static void fz_args_known(struct fz_thread *t, struct fz_call *c)
{
	const struct mt_syscall_info *in = c->info;

	for (int i = 0; i < in->nargs; i++) {
		uint8_t role = fz_roles[c->nr][i];
		if (role != R_HANDLE && role != R_PTR_IN && role != R_PTR_OUT)
			c->a[i] = fz_value(t, role);
	}
	for (int i = 0; i < in->nargs; i++) {
		const struct mt_syscall_arg_info *a = &in->args[i];
		uint64_t size;

		switch (fz_roles[c->nr][i]) {
		case R_HANDLE:
			c->a[i] = fz_handle_arg(t, (uint8_t)a->obj_type);
			break;
		case R_PTR_IN:
		case R_PTR_OUT:
			size = a->fixed_size ? a->fixed_size :
			       a->size_arg >= 0 ? c->a[a->size_arg] : 0;
			c->a[i] = fz_pointer(t, size, &c->has_ptr_room[i]);
			break;
		default:
			break;
		}
	}
	for (int i = in->nargs; i < 6; i++)
		c->a[i] = fz_rand(&t->rng);     /* unused registers: noise */
}

/* An unknown number: arguments of every kind, at random. */
static void fz_args_unknown(struct fz_thread *t, struct fz_call *c)
{
	for (int i = 0; i < 6; i++) {
		uint64_t roll = fz_below(&t->rng, 3);
		bool room;

		c->a[i] = roll == 0 ? fz_handle_arg(t, 0) :
			  roll == 1 ? fz_pointer(t, 64, &room) : fz_rand(&t->rng);
	}
}

static uint64_t fz_pick_number(struct fz_rng *r)
{
	uint64_t roll = fz_below(r, 100);

	if (roll < 90)
		return fz_table[fz_below(r, fz_table_len)];
	if (roll < 97)
		return fz_below(r, MT_SYS_COUNT + 5);
	if (fz_chance(r, 1, 2))         /* a real number with upper bits */
		return (fz_rand(r) << 32) | fz_table[fz_below(r, fz_table_len)];
	return fz_rand(r);
}

/* ---- Plausible calls ---------------------------------------------------------
 * Random arguments rarely get past the first check of a call.  So a part
 * of the calls have the arguments that matter made likely to be valid —
 * the right type of handle, a size that fits, a protection the handle
 * allows — while the rest stays random: these reach the code behind the
 * checks. */

static mt_handle_t fz_pool_pick_own(struct fz_rng *r, uint8_t type)
{
	uint32_t start = (uint32_t)fz_below(r, FZ_POOL);

	for (uint32_t n = 0; n < FZ_POOL; n++) {
		struct fz_slot *s = &fz_w.pool[(start + n) % FZ_POOL];
		if (s->state == FZ_LIVE && s->type == type && s->own_thread)
			return s->h;
	}
	return fz_pool_pick(r, type);
}

static uint64_t fz_scratch_at(struct fz_thread *t, uint64_t off)
{
	return (uint64_t)(uintptr_t)fz_arena(t->index) + off;
}

/* Write n pool handles at scratch offset off (values we may pass). */
static void fz_handles_at(struct fz_thread *t, uint64_t off, uint32_t n)
{
	mt_handle_t *hs = (mt_handle_t *)(uintptr_t)fz_scratch_at(t, off);

	for (uint32_t i = 0; i < n; i++)
		hs[i] = fz_pool_pick(&t->rng, 0);
}

static void fz_plausible(struct fz_thread *t, struct fz_call *c)
{
	struct fz_rng *r = &t->rng;
	const uint32_t user = MT_SIGNAL_USER_ALL;
	uint64_t len;

	switch (c->nr) {
	case MT_SYS_handle_duplicate:
	case MT_SYS_handle_replace:
		c->a[1] = fz_chance(r, 1, 2) ? MT_RIGHT_SAME :
			  MT_RIGHTS_ALL & ~(1u << fz_below(r, 10)) & ~(1u << fz_below(r, 10));
		break;
	case MT_SYS_object_wait_one:
		c->a[1] = MT_SIGNAL_WRITABLE | MT_SIGNAL_READABLE | MT_SIGNAL_PEER_CLOSED |
			  MT_SIGNAL_TERMINATED | MT_SIGNAL_SUSPENDED | user;
		break;
	case MT_SYS_memory_read:
	case MT_SYS_memory_write:
		c->a[0] = fz_pool_pick(r, MT_OBJ_MEMORY);
		c->a[1] = fz_below(r, 16) * MT_PAGE_SIZE + fz_below(r, 64);
		c->a[3] = fz_below(r, 2 * MT_PAGE_SIZE);
		c->a[2] = fz_scratch_at(t, fz_below(r, FZ_SCRATCH - c->a[3]));
		c->has_ptr_room[2] = true;
		break;
	case MT_SYS_vm_map:
		c->a[0] = fz_chance(r, 3, 4) ? fz_pool_pick_own(r, MT_OBJ_ASPACE) :
					       fz_pool_pick(r, MT_OBJ_ASPACE);
		c->a[2] = fz_pool_pick(r, MT_OBJ_MEMORY);
		c->a[3] = fz_chance(r, 3, 4) ? 0 : MT_PAGE_SIZE;
		c->a[4] = (1 + fz_below(r, 16)) * MT_PAGE_SIZE;
		c->a[5] = (uint64_t[]){ MT_PROT_READ, MT_PROT_READ | MT_PROT_WRITE,
			MT_PROT_READ | MT_PROT_EXEC, 0 }[fz_below(r, 4)];
		c->a[1] = 0;
		if (fz_chance(r, 1, 3)) {
			c->a[1] = 0x0000000040000000ull + fz_below(r, 4096) * MT_PAGE_SIZE;
			c->a[5] |= MT_MAP_FIXED;
		}
		break;
	case MT_SYS_vm_unmap:
	case MT_SYS_vm_protect:
		c->a[0] = fz_pool_pick_own(r, MT_OBJ_ASPACE);
		c->a[1] = fz_addr(t, &len);
		c->a[2] = len ? len : MT_PAGE_SIZE;
		if (c->nr == MT_SYS_vm_protect)
			c->a[3] = fz_below(r, 4) == 3 ? MT_PROT_READ | MT_PROT_EXEC : fz_below(r, 4);
		break;
	case MT_SYS_thread_create:
		c->a[0] = fz_chance(r, 1, 2) ? fz_pool_pick_own(r, MT_OBJ_PROCESS) :
					       fz_pool_pick(r, MT_OBJ_PROCESS);
		/* fall through: the name */
	case MT_SYS_process_create:
		c->a[c->nr == MT_SYS_process_create ? 1 : 2] = fz_below(r, MT_NAME_MAX + 1);
		break;
	case MT_SYS_channel_write:
		c->a[0] = fz_pool_pick(r, MT_OBJ_CHANNEL);
		c->a[2] = fz_below(r, 300);
		c->a[1] = fz_scratch_at(t, 0);
		c->a[4] = 4 * (fz_chance(r, 1, 2) ? 0 : 1 + fz_below(r, 3));
		c->a[3] = fz_scratch_at(t, 0x8000);
		fz_handles_at(t, 0x8000, (uint32_t)(c->a[4] / 4));
		c->has_ptr_room[1] = c->has_ptr_room[3] = true;
		c->a[5] = fz_chance(r, 2, 3) ? 0 : MT_IPC_DUP_HANDLES;
		break;
	case MT_SYS_channel_read:
		c->a[0] = fz_pool_pick(r, MT_OBJ_CHANNEL);
		c->a[1] = fz_scratch_at(t, 0);
		c->a[2] = 0x4000;
		c->a[3] = fz_scratch_at(t, 0x8000);
		c->a[4] = 4 * MT_CHANNEL_HANDLES_MAX;
		c->a[5] = fz_scratch_at(t, 0x9000);
		c->has_ptr_room[1] = c->has_ptr_room[3] = c->has_ptr_room[5] = true;
		break;
	case MT_SYS_process_set_quota:
		c->a[0] = fz_pool_pick(r, MT_OBJ_PROCESS);
		c->a[1] = (1 + fz_below(r, 64)) << 16;          /* 64 KiB..4 MiB */
		break;
	case MT_SYS_object_signal:
		c->a[0] = fz_pool_pick(r, MT_OBJ_EVENT);
		c->a[1] = fz_rand(r) & user;
		c->a[2] = fz_rand(r) & user;
		break;
	case MT_SYS_port_watch:
		c->a[0] = fz_pool_pick(r, MT_OBJ_PORT);
		c->a[2] = (fz_rand(r) & 0x7f) | (fz_chance(r, 1, 2) ? user : 0) | 1;
		c->a[4] = fz_below(r, 2);
		break;
	case MT_SYS_ipc_call:
	case MT_SYS_ipc_reply_wait:
	case MT_SYS_ipc_reply:
		c->a[c->nr == MT_SYS_ipc_reply ? 0 : 1] =
			MT_IPC_INFO(fz_below(r, 8), fz_chance(r, 1, 2) ? 0 : fz_below(r, 128),
				    fz_chance(r, 2, 3) ? 0 : fz_below(r, 3));
		break;
	case MT_SYS_task_suspend:
	case MT_SYS_task_resume:
	case MT_SYS_thread_read_state:
	case MT_SYS_thread_write_state:
	case MT_SYS_thread_set_priority:
		c->a[0] = fz_pool_pick(r, MT_OBJ_THREAD);
		if (c->nr == MT_SYS_thread_read_state || c->nr == MT_SYS_thread_write_state) {
			c->a[1] = MT_THREAD_STATE_REGS;
			c->a[3] = sizeof(struct mt_thread_regs);
			c->a[2] = fz_scratch_at(t, 0xa000);
			c->has_ptr_room[2] = true;
		}
		break;
	default:
		break;
	}
}

/* ---- Keeping a worker alive where it must be (see the top) ------------- */

/* The IPC deadline lives in the buffer: write a near one if it is ours. */
static void fz_ipc_prepare(struct fz_thread *t, struct fz_call *c, int info_arg)
{
	uint64_t ours = (uint64_t)(uintptr_t)fz_arena(t->index) + FZ_IPCBUF_OFF;
	struct mt_ipc_buffer *b = (struct mt_ipc_buffer *)(uintptr_t)t->ipc_buffer;

	if (t->index == 0)
		c->a[info_arg] |= MT_IPC_TIMEOUT;
	if (!t->ipc_buffer || t->ipc_buffer != ours)
		return;
	b->deadline = (mt_time_t)fz_deadline(&t->rng);
	for (uint32_t i = 0; i < MT_IPC_HANDLES_MAX; i++) {
		uint64_t h = fz_handle_arg(t, 0);
		b->handles[i] = fz_forbidden(h) ? 0 : (mt_handle_t)h;
	}
}

/* Keep h out of the handles the next IPC message carries (FZ_REPLY_OWN_EP). */
static void fz_ipc_spare(struct fz_thread *t, mt_handle_t h)
{
	uint64_t ours = (uint64_t)(uintptr_t)fz_arena(t->index) + FZ_IPCBUF_OFF;
	struct mt_ipc_buffer *b = (struct mt_ipc_buffer *)(uintptr_t)ours;

	if (t->ipc_buffer != ours)
		return;
	for (uint32_t i = 0; i < MT_IPC_HANDLES_MAX; i++)
		if (b->handles[i] == h)
			b->handles[i] = 0;
}

/* Handle arrays the kernel reads: only values we may pass. */
static void fz_sanitize_handles(uint64_t addr, uint64_t bytes, bool room)
{
	mt_handle_t *hs = (mt_handle_t *)(uintptr_t)addr;

	if (!room)
		return;
	for (uint64_t i = 0; i < bytes / sizeof(*hs); i++)
		if (fz_forbidden(hs[i]))
			hs[i] = 0;
}

static void fz_fill(struct fz_thread *t, uint64_t addr, uint64_t len, bool room)
{
	uint8_t *p = (uint8_t *)(uintptr_t)addr;

	if (!room || len > FZ_SCRATCH || fz_chance(&t->rng, 1, 2))
		return;                 /* keep what is there */
	for (uint64_t i = 0; i + 8 <= len; i += 8) {
		uint64_t v = fz_rand(&t->rng);
		memcpy(p + i, &v, 8);
	}
}

/* A thread of our own process: usually one of our helpers, started at
 * fz_helper_entry on a fresh stack (arg: a seed, and its index in the low
 * bits); at a random entry it would fault and take the worker with it,
 * so that is rare.  False: do not start it now. */
static bool fz_thread_start_args(struct fz_thread *t, struct fz_call *c)
{
	uint32_t i;

	if (!fz_pool_own((mt_handle_t)c->a[0]))
		return true;
	if (fz_w.helpers >= FZ_HELPERS || fz_chance(&t->rng, 1, 10))
		return fz_chance(&t->rng, 1, 5);
	i = __atomic_fetch_add(&fz_w.helpers, 1, __ATOMIC_RELAXED);
	if (i >= FZ_HELPERS)
		return false;
	c->a[1] = (uint64_t)(uintptr_t)fz_helper_entry;
	c->a[2] = FZ_STACKS_ADDR + (i + 1) * FZ_STACK_SIZE - 8;
	c->a[3] = (fz_rand(&t->rng) << 4) | (i + 1);
	c->a[4] = 0;
	return true;
}

/* Adjust what must be adjusted; false: do not issue this call at all. */
static bool fz_neuter(struct fz_thread *t, struct fz_call *c)
{
	struct fz_rng *r = &t->rng;
	uint64_t ours = (uint64_t)(uintptr_t)fz_arena(t->index) + FZ_IPCBUF_OFF;
	uint64_t len;

	switch ((uint32_t)c->nr == c->nr ? (uint32_t)c->nr : UINT32_MAX) {
	case MT_SYS_process_exit:
		return fz_chance(r, 1, 50);
	case MT_SYS_thread_exit:
		return t->index != 0;
	case MT_SYS_ipc_reply_wait:
		if (!(fz_w.flags & FZ_FAST_WAIT))
			c->a[1] |= MT_IPC_SLOWPATH;     /* see FZ_FAST_WAIT */
		fz_ipc_prepare(t, c, 1);
		if (!(fz_w.flags & FZ_REPLY_OWN_EP))
			fz_ipc_spare(t, (mt_handle_t)c->a[0]);
		break;
	case MT_SYS_ipc_call:
		fz_ipc_prepare(t, c, 1);
		break;
	case MT_SYS_ipc_recv:
		if (t->index == 0 || fz_chance(r, 1, 2))
			c->a[1] = MT_IPC_TIMEOUT;
		fz_ipc_prepare(t, c, 1);
		break;
	case MT_SYS_ipc_reply:
		fz_ipc_prepare(t, c, 0);
		c->a[0] &= ~MT_IPC_TIMEOUT;
		break;
	case MT_SYS_ipc_buffer_set:
		if (fz_chance(r, 3, 5))
			c->a[0] = ours;
		else if (t->index == 0 && fz_chance(r, 1, 2))
			c->a[0] = 0;
		else if (t->index == 0)
			c->a[0] = 0x0000600000000000ull + fz_below(r, 4096) * MT_PAGE_SIZE +
				  (fz_chance(r, 1, 4) ? 8 : 0);   /* unmapped */
		break;
	case MT_SYS_vm_unmap:
	case MT_SYS_vm_protect:
		c->a[1] = fz_addr(t, &len);
		if (len && fz_chance(r, 4, 5))
			c->a[2] = len;
		break;
	case MT_SYS_vm_map:
		if (fz_chance(r, 1, 2))
			c->a[1] = 0;
		c->a[5] = fz_prot(r) | (fz_chance(r, 1, 3) ? MT_MAP_FIXED : 0);
		break;
	case MT_SYS_memory_create:
		if (fz_chance(r, 4, 5))
			c->a[1] = 0;
		break;
	case MT_SYS_channel_write:
		if (fz_chance(r, 3, 5))
			c->a[5] = fz_below(r, 4) << 56;          /* DUP, GRANT */
		fz_sanitize_handles(c->a[3], c->a[4], c->has_ptr_room[3]);
		break;
	case MT_SYS_thread_start:
		return fz_thread_start_args(t, c);
	case MT_SYS_thread_write_state:
		if (c->has_ptr_room[2] && fz_chance(r, 1, 2) &&
		    mt_thread_read_state((mt_handle_t)c->a[0], MT_THREAD_STATE_REGS,
					 (void *)(uintptr_t)c->a[2], c->a[3]) >= 0) {
			struct mt_thread_regs *regs = (void *)(uintptr_t)c->a[2];
			regs->rax = fz_rand(r);
			if (fz_chance(r, 1, 4))
				regs->rflags ^= 1ull << fz_below(r, 22);
			if (fz_chance(r, 1, 8))
				regs->rip += fz_below(r, 16);
		}
		break;
	default:
		break;
	}
	return true;
}

/* ---- After the call: what changed in our table -------------------------- */

static bool fz_in_scratch(struct fz_thread *t, uint64_t addr, uint64_t len)
{
	uint64_t base = (uint64_t)(uintptr_t)fz_arena(t->index);

	return addr >= base && addr + len <= base + FZ_SCRATCH && addr + len >= addr;
}

static mt_handle_t fz_out_handle(struct fz_thread *t, uint64_t ptr)
{
	mt_handle_t h;

	if (!fz_in_scratch(t, ptr, sizeof(h)))
		return 0;
	memcpy(&h, (void *)(uintptr_t)ptr, sizeof(h));
	return h;
}

static void fz_add_process(struct fz_thread *t, struct fz_call *c)
{
	mt_handle_t p = fz_out_handle(t, c->a[2]), as = fz_out_handle(t, c->a[3]);

	if (!p)
		return;
	if (!fz_report_process(&p) || fz_w.processes >= 4) {
		(void)mt_task_kill(p);
		(void)mt_handle_close(p);
		(void)mt_handle_close(as);
		return;
	}
	fz_w.processes++;
	fz_pool_add(p, MT_OBJ_PROCESS, false);
	fz_pool_add(as, MT_OBJ_ASPACE, false);
}

/* Handles a message brought: unknown types. */
static void fz_add_received(struct fz_thread *t, uint64_t ptr, uint64_t n)
{
	for (uint64_t i = 0; i < n && i < MT_CHANNEL_HANDLES_MAX; i++)
		fz_pool_add(fz_out_handle(t, ptr + 4 * i), 0, false);
}

static void fz_learn(struct fz_thread *t, struct fz_call *c, mt_status_t st)
{
	uint64_t ours = (uint64_t)(uintptr_t)fz_arena(t->index) + FZ_IPCBUF_OFF;
	mt_handle_t src = (mt_handle_t)c->a[0];

	if (st < 0)
		return;
	switch (c->nr) {
	case MT_SYS_handle_close:
		fz_pool_mark_stale(src);
		break;
	case MT_SYS_handle_duplicate:
	case MT_SYS_handle_badge:
		fz_pool_add(fz_out_handle(t, c->a[2]), fz_pool_type(src), fz_pool_own(src));
		break;
	case MT_SYS_handle_replace: {
		uint8_t type = fz_pool_type(src);
		bool own = fz_pool_own(src);
		fz_pool_mark_stale(src);
		fz_pool_add(fz_out_handle(t, c->a[2]), type, own);
		break;
	}
	case MT_SYS_memory_create:
		fz_pool_add(fz_out_handle(t, c->a[2]), MT_OBJ_MEMORY, false);
		break;
	case MT_SYS_endpoint_create:
		fz_pool_add(fz_out_handle(t, c->a[0]), MT_OBJ_ENDPOINT, false);
		break;
	case MT_SYS_port_create:
		fz_pool_add(fz_out_handle(t, c->a[0]), MT_OBJ_PORT, false);
		break;
	case MT_SYS_event_create:
		fz_pool_add(fz_out_handle(t, c->a[0]), MT_OBJ_EVENT, false);
		break;
	case MT_SYS_channel_create:
		fz_pool_add(fz_out_handle(t, c->a[0]), MT_OBJ_CHANNEL, false);
		fz_pool_add(fz_out_handle(t, c->a[1]), MT_OBJ_CHANNEL, false);
		break;
	case MT_SYS_process_create:
		fz_add_process(t, c);
		break;
	case MT_SYS_thread_create:
		fz_pool_add(fz_out_handle(t, c->a[3]), MT_OBJ_THREAD, fz_pool_own(src));
		break;
	case MT_SYS_vm_map:
		if (fz_pool_own(src) && c->a[4] && c->a[4] <= MT_MEMORY_MAX) {
			struct fz_map *m = &fz_w.maps[fz_below(&t->rng, FZ_MAPS)];
			m->addr = (uint64_t)st;
			m->len = (c->a[4] + MT_PAGE_SIZE - 1) & ~(uint64_t)(MT_PAGE_SIZE - 1);
		}
		break;
	case MT_SYS_process_give_handle:
		fz_pool_mark_stale((mt_handle_t)c->a[1]);
		break;
	case MT_SYS_channel_write:
		if (!(c->a[5] & MT_IPC_DUP_HANDLES) && c->has_ptr_room[3])
			for (uint64_t i = 0; i < c->a[4] / 4 && i < MT_CHANNEL_HANDLES_MAX; i++)
				fz_pool_mark_stale(fz_out_handle(t, c->a[3] + 4 * i));
		break;
	case MT_SYS_channel_read:
		if (c->has_ptr_room[5] && c->has_ptr_room[3]) {
			uint64_t actual;
			memcpy(&actual, (void *)(uintptr_t)c->a[5], sizeof(actual));
			fz_add_received(t, c->a[3], (actual >> 32) & 0xffff);
		}
		break;
	case MT_SYS_ipc_call:
	case MT_SYS_ipc_reply_wait:
	case MT_SYS_ipc_recv:
		if (t->ipc_buffer == ours)
			fz_add_received(t, ours + __builtin_offsetof(struct mt_ipc_buffer, handles),
					MT_IPC_NHANDLES(t->words[1]));
		break;
	case MT_SYS_ipc_buffer_set:
		t->ipc_buffer = c->a[0];
		break;
	default:
		break;
	}
}

/* ---- The call ---------------------------------------------------------- */

/* Every argument register in, every register the kernel may write out. */
static mt_status_t fz_syscall(uint64_t nr, const uint64_t in[6], uint64_t out[6])
{
	register uint64_t r_rax __asm__("rax") = nr;
	register uint64_t r_rdi __asm__("rdi") = in[0];
	register uint64_t r_rsi __asm__("rsi") = in[1];
	register uint64_t r_rdx __asm__("rdx") = in[2];
	register uint64_t r_r10 __asm__("r10") = in[3];
	register uint64_t r_r8 __asm__("r8") = in[4];
	register uint64_t r_r9 __asm__("r9") = in[5];

	__asm__ volatile("syscall"
			 : "+r"(r_rax), "+r"(r_rdi), "+r"(r_rsi), "+r"(r_rdx),
			   "+r"(r_r10), "+r"(r_r8), "+r"(r_r9)
			 :
			 : "rcx", "r11", "memory");
	out[0] = r_rdi;
	out[1] = r_rsi;
	out[2] = r_rdx;
	out[3] = r_r10;
	out[4] = r_r8;
	out[5] = r_r9;
	return (mt_status_t)r_rax;
}

void fz_one_call(struct fz_thread *t)
{
	volatile struct fz_stats *stats = fz_stats();
	struct fz_call c;
	uint32_t slot;
	mt_status_t st;

	memset(&c, 0, sizeof(c));
	do {
		c.nr = fz_pick_number(&t->rng);
		c.info = c.nr < MT_SYS_COUNT ? fz_info[c.nr] : NULL;
		if (c.info)
			fz_args_known(t, &c);
		else
			fz_args_unknown(t, &c);
		if (c.info && fz_chance(&t->rng, 2, 5))
			fz_plausible(t, &c);
	} while (!fz_neuter(t, &c));
	if (c.info)
		for (int i = 0; i < c.info->nargs; i++)
			if (fz_roles[c.nr][i] == R_PTR_IN) {
				const struct mt_syscall_arg_info *a = &c.info->args[i];
				uint64_t len = a->fixed_size ? a->fixed_size :
					       a->size_arg >= 0 ? c.a[a->size_arg] : 0;
				fz_fill(t, c.a[i], len, c.has_ptr_room[i]);
			}
	if (c.nr == MT_SYS_channel_write)   /* after fz_fill */
		fz_sanitize_handles(c.a[3], c.a[4], c.has_ptr_room[3]);
	slot = c.nr < FZ_NR_SLOTS - 1 ? (uint32_t)c.nr : FZ_NR_SLOTS - 1;
	__atomic_fetch_add(&stats->attempts[slot], 1, __ATOMIC_RELAXED);
	st = fz_syscall(c.nr, c.a, t->words);
	if (st >= 0)
		__atomic_fetch_add(&stats->successes[slot], 1, __ATOMIC_RELAXED);
	fz_learn(t, &c, st);
	__atomic_fetch_add(&stats->calls, 1, __ATOMIC_RELAXED);
	fz_check_budget();
}
