/*
 * The in-guest test suite (bin/testinit), in the spirit of sel4test.
 *
 * Started as init (startup.arg == 0) it is the runner (runner.c): for each
 * test it spawns a fresh process from its own image with arg = index + 1,
 * which runs that one test and exits.  A test passes when its process ends
 * the way the test declares:
 *
 *   GT_TEST(group, name) { ... }                 exits with 0
 *   GT_TEST_FAULT(group, name, MT_FAULT_PAGE) { ... }
 *                                                dies of that fault kind
 *
 * A failing check writes its reason into the shared page the runner maps
 * at GT_SHARED_ADDR in every test process and exits with status 1; the
 * runner prints `ok GROUP.NAME` or `FAIL GROUP.NAME: reason`.  Around each
 * test the runner compares the kernel's counters (mt_debug_stats) and
 * fails the test if it leaked frames, objects, threads or processes.
 *
 * Tests are collected in the `mt_tests` section (in link order, then
 * source order), so the index of a test is the same in runner and child.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmantra/mantra.h>

struct gt_test {
	const char *group;
	const char *name;
	void (*fn)(void);
	uint32_t fault;         /* expected MT_FAULT_*; MT_FAULT_NONE: exit 0 */
	uint32_t timeout_ms;
	uint32_t flags;         /* GT_F_* */
};

#define GT_TIMEOUT_MS 5000u
/* Flags: the test gets the runner's hardware resources (startup.ioports
 * and .irqs; docs/drivers.md); it runs only when its group is named in
 * init.groups (it needs something from outside, such as serial input). */
#define GT_F_HW       (1u << 0)
#define GT_F_EXPLICIT (1u << 1)

#define GT_TEST_FLAGS(g, n, kind, tmo, fl)                                   \
	static void gt_fn_##g##_##n(void);                                   \
	static const struct gt_test gt_desc_##g##_##n                        \
		__attribute__((used, section("mt_tests"), aligned(8))) = {   \
		#g, #n, gt_fn_##g##_##n, (kind), (tmo), (fl) };              \
	static void gt_fn_##g##_##n(void)

#define GT_TEST_FULL(g, n, kind, tmo) GT_TEST_FLAGS(g, n, kind, tmo, 0)
#define GT_TEST(g, n) GT_TEST_FULL(g, n, MT_FAULT_NONE, GT_TIMEOUT_MS)
#define GT_TEST_FAULT(g, n, kind) GT_TEST_FULL(g, n, kind, GT_TIMEOUT_MS)
#define GT_TEST_HW(g, n) GT_TEST_FLAGS(g, n, MT_FAULT_NONE, GT_TIMEOUT_MS, GT_F_HW)

extern const struct gt_test __start_mt_tests[];
extern const struct gt_test __stop_mt_tests[];

/* The page the runner shares with each test process. */
#define GT_SHARED_ADDR 0x0000000010000000ULL
#define GT_REASON_MAX  960
struct gt_shared {
	char reason[GT_REASON_MAX];
	uint64_t expect_ip;     /* fault tests: the faulting instruction */
	uint64_t expect_ip_alt; /* an acceptable alternative (traps) */
	uint64_t expect_addr;   /* page faults: the address touched */
	uint32_t has_ip, has_addr;
	uint64_t pad[3];
};
_Static_assert(sizeof(struct gt_shared) <= MT_PAGE_SIZE, "gt_shared fits");

static inline struct gt_shared *gt_shared(void)
{
	return (struct gt_shared *)(uintptr_t)GT_SHARED_ADDR;
}

/* ---- checks (in a test process) --------------------------------------- */

/* Record the reason and end the test process with status 1. */
__attribute__((noreturn, format(printf, 1, 2)))
void gt_fail(const char *fmt, ...);

/* Add a problem to the reason but carry on; gt_check_notes() fails the
 * test if any were noted.  For table-driven tests that report them all. */
__attribute__((format(printf, 1, 2)))
void gt_note(const char *fmt, ...);
void gt_check_notes(void);

/* Declare where the coming fault must happen (ip, and addr for page
 * faults); the runner checks them against mt_task_result. */
void gt_expect_fault_ip(uint64_t ip, uint64_t alt);
void gt_expect_fault_addr(uint64_t addr);

#define GT_CHECK(cond)                                                       \
	do {                                                                 \
		if (!(cond))                                                 \
			gt_fail("%s:%d: %s", __FILE__, __LINE__, #cond);     \
	} while (0)

#define GT_CHECK_EQ(a, b)                                                    \
	do {                                                                 \
		uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b);             \
		if (_a != _b)                                                \
			gt_fail("%s:%d: %s == %#llx, expected %s == %#llx",  \
				__FILE__, __LINE__, #a,                      \
				(unsigned long long)_a, #b,                  \
				(unsigned long long)_b);                     \
	} while (0)

/* A call that must succeed; evaluates to its (non-negative) result. */
#define GT_OK(call)                                                          \
	({                                                                   \
		mt_status_t _s = (call);                                     \
		if (_s < 0)                                                  \
			gt_fail("%s:%d: %s failed: %s", __FILE__, __LINE__,  \
				#call, mt_status_str(_s));                   \
		_s;                                                          \
	})

/* A call that must fail with `err`. */
#define GT_ERR(call, err)                                                    \
	do {                                                                 \
		mt_status_t _s = (call);                                     \
		if (_s != (err))                                             \
			gt_fail("%s:%d: %s returned %s, expected %s",        \
				__FILE__, __LINE__, #call,                   \
				mt_status_str(_s), mt_status_str(err));      \
	} while (0)

/* ---- helpers for tests ------------------------------------------------- */

/* Handles of our own process. */
mt_handle_t gt_self(void);
mt_handle_t gt_aspace(void);
mt_handle_t gt_log(void);

/* The rights of h less `drop` (fails the test if h is not live). */
mt_rights_t gt_rights_without(mt_handle_t h, mt_rights_t drop);

/* Now plus ms milliseconds on the monotonic clock. */
mt_time_t gt_deadline_ms(uint64_t ms);

/* Map size bytes of fresh anonymous memory RW; fails the test on error. */
void *gt_alloc_pages(uint64_t size);

/* Threads in our own process: fn(arg) runs on a fresh 64 KiB stack with
 * FS base `tls`, then the thread exits.  Returns the thread handle. */
mt_handle_t gt_thread_spawn(void (*fn)(void *), void *arg, uint64_t tls);
/* Same, but only created: start it with mt_thread_start(th, *entry, *sp,
 * *sp + 8, tls) (the start block sits just above *sp). */
mt_handle_t gt_thread_prepare(void (*fn)(void *), void *arg, uint64_t *entry,
			      uint64_t *sp);

/* Wait for `signals` on h within ms milliseconds; fails the test if not. */
mt_signals_t gt_wait(mt_handle_t h, mt_signals_t signals, uint64_t ms);

/* Helper processes: the same image started in a helper role. */
enum gt_helper {
	GT_HELPER_EXIT = 1,        /* exit(param) */
	GT_HELPER_SPIN = 2,        /* spin forever without system calls */
	GT_HELPER_SLEEP = 3,       /* sleep forever */
	GT_HELPER_UD2 = 4,         /* rax = 1; ud2; exit(rax) */
	GT_HELPER_THREADS = 5,     /* param spinning threads, then sleep */
	GT_HELPER_NULL_DEREF = 6,  /* read address 0 */
	/* IPC roles (helpers_ipc.c); their handles come in the box. */
	GT_HELPER_IPC_SERVER = 7,  /* serve box h[0] (labels GT_SRV_*) */
	GT_HELPER_IPC_CALLER = 8,  /* call box h[0] once; status in word[0] */
	GT_HELPER_CHAN_ECHO = 9,   /* echo messages on channel h[0] */
	GT_HELPER_SHM_SINK = 10,   /* consume the shm ring h[0], h[1] */
	GT_HELPER_QUOTA = 11,      /* exhaust its quota with objects of kind
	                              param (t14_quota.c); results in the box */
	GT_HELPER_SEC = 12,        /* sec.* roles (sec.h, t12_sec*.c) */
	GT_HELPER_ARGS = 13,       /* exit(args a + b), or 255 without them */
	GT_HELPER_IDL = 14,        /* serve idl/echo.idl on box h[0] (t16_idl.c) */
	GT_HELPER_LIBC = 15,       /* libc roles (t15_libc.c, param selects) */
};
#define GT_HELPER_BASE 0x1000000ULL
#define GT_HELPER_ARG(id, param) \
	(GT_HELPER_BASE | ((uint64_t)(id) << 16) | ((param) & 0xffffu))

/* Spawn a helper (fails the test on error). */
void gt_spawn_helper(enum gt_helper id, uint16_t param, uint32_t policy,
		     struct mt_spawn_result *out);

/* Keep a handle to a process we started (any program), so that a failing
 * test kills it; gt_helper_release drops it again. */
void gt_helper_track(mt_handle_t process);

/* mt_spawn_release for a helper that has ended, also dropping the handle
 * to it kept for clean-up, so that it can go before the test ends. */
void gt_helper_release(struct mt_spawn_result *res);

/* A page mapped at GT_BOX_ADDR in helpers started with
 * gt_spawn_helper_box: the values of the handles given to them, and words
 * for them to report back (read with mt_memory_read on the box handle). */
#define GT_BOX_ADDR 0x0000000011000000ULL
#define GT_BOX_HANDLES 8
struct gt_box {
	mt_handle_t h[GT_BOX_HANDLES];
	uint64_t word[16];
};

static inline volatile struct gt_box *gt_box(void)
{
	return (volatile struct gt_box *)(uintptr_t)GT_BOX_ADDR;
}

/* Spawn a helper with the box mapped and the handles give[0..n) moved into
 * it (their values in box->h[]); *box gets our handle to the box page. */
void gt_spawn_helper_box(enum gt_helper id, uint16_t param,
			 const mt_handle_t *give, size_t n, mt_handle_t *box,
			 struct mt_spawn_result *out);

/* Spawn a helper with the box mapped and a quota carved for it: what it
 * uses already plus `extra` bytes. */
void gt_spawn_helper_quota(enum gt_helper id, uint16_t param, uint64_t extra,
			   mt_handle_t *box, struct mt_spawn_result *out);

/* The GT_HELPER_QUOTA role (never returns). */
__attribute__((noreturn)) void gt_helper_quota_main(uint32_t param);

/* Read word i of a helper's box. */
uint64_t gt_box_word(mt_handle_t box, size_t i);

/* Labels the GT_HELPER_IPC_SERVER role understands. */
enum gt_srv_label {
	GT_SRV_ECHO = 1,      /* reply w[i] + 1, the same data back */
	GT_SRV_HANDLES = 2,   /* send the received handles back */
	GT_SRV_BADGE = 3,     /* reply w0 = the caller's badge */
	GT_SRV_EXIT = 4,      /* exit without replying */
	GT_SRV_HANG = 5,      /* never reply */
};

/* Serve an endpoint with the GT_SRV_* protocol until GT_SRV_EXIT (needs
 * an IPC buffer). */
void gt_ipc_serve(mt_handle_t ep);

/* Run an IPC helper role (helpers_ipc.c); never returns. */
__attribute__((noreturn)) void gt_helper_ipc_main(uint32_t id, uint32_t param);

/* Run the GT_HELPER_IDL role (t16_idl.c); never returns. */
__attribute__((noreturn)) void gt_helper_idl_main(void);

/* Run a sec.* helper role (t12_sec.c); never returns. */
__attribute__((noreturn)) void gt_helper_sec_main(uint32_t param);

/* Run a libc helper role (t15_libc.c); never returns. */
__attribute__((noreturn)) void gt_helper_libc_main(uint32_t param);

/* main's arguments, for the helper roles that check them. */
extern int gt_argc;
extern char **gt_argv;

/* Run a helper role in this process (never returns). */
__attribute__((noreturn)) void gt_helper_main(uint64_t arg);

/* Harmless hardware objects for the harnesses that call every system call
 * with valid arguments but one (GT_TEST_HW tests only), made once per
 * process: a port resource over COM1's scratch register, a line resource
 * over two lines nothing drives, and an IRQ object bound to the first.
 * gt_hw_handle gives the one for a handle argument of type
 * MT_OBJ_RESOURCE or MT_OBJ_IRQ (else 0); gt_hw_value a valid value for a
 * plain argument of the resource, ioport and irq calls (the line is the
 * free one; false for other calls). */
struct gt_hw {
	mt_handle_t ports, lines, irq;
};
const struct gt_hw *gt_hw(void);
mt_handle_t gt_hw_handle(const char *call, uint32_t type);
bool gt_hw_value(const char *call, const char *arg, uint64_t *out);

/* The runner (startup.arg == 0). */
int gt_runner_main(void);

#endif /* GUEST_GUEST_H */
