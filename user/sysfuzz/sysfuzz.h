/*
 * bin/sysfuzz: the system-call fuzzer (docs/testing.md, "The system-call
 * fuzzer").
 *
 * Started as init it is the controller (controller.c): it holds the debug
 * log and nothing it gives away, and runs a campaign of FZ trees of
 * unprivileged worker processes, a few at a time.  A worker (worker.c) is
 * the same image started with startup.arg == FZ_ROLE_WORKER; it holds
 * only what its creator deliberately gave it, builds a pool of real
 * objects of every type and issues random system calls with a mix of
 * plausible and hostile arguments (gen.c) from several threads, and may
 * start child workers of its own (a tree).  Between batches, and every
 * check_ms while workers run, the controller asks the kernel to check its
 * invariants (mt_debug_check); a kernel bug panics the machine.
 *
 * Layout shared by every worker (the same binary, so the same addresses):
 * the tree's statistics page, the per-thread arenas that pointer
 * arguments point into, and the helper threads' stacks.
 */
#ifndef SYSFUZZ_H
#define SYSFUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmantra/mantra.h>

#define FZ_ROLE_WORKER 1u               /* startup.arg of a worker */

/* ---- The statistics page of a tree -------------------------------------
 * One memory object per tree, mapped by the controller and at
 * FZ_STATS_ADDR in every worker of the tree (each parent maps it into its
 * children).  Workers only add to it (atomically); the tree ends when
 * `calls` reaches `budget`. */
#define FZ_STATS_ADDR   0x0000000020000000ULL
#define FZ_STATS_MAGIC  0x5a55465359535946ULL       /* "FYSYSFUZ" */
#define FZ_NR_SLOTS     64                          /* per-number counters */

struct fz_stats {
	uint64_t magic;
	uint64_t budget;                /* set by the controller */
	uint64_t calls;                 /* random calls issued by the tree */
	uint64_t workers;               /* worker processes started */
	uint64_t threads;               /* helper threads started */
	uint64_t attempts[FZ_NR_SLOTS]; /* by number (the last slot: others) */
	uint64_t successes[FZ_NR_SLOTS];
};
_Static_assert(sizeof(struct fz_stats) <= MT_PAGE_SIZE, "fz_stats fits a page");

static inline volatile struct fz_stats *fz_stats(void)
{
	return (volatile struct fz_stats *)(uintptr_t)FZ_STATS_ADDR;
}

/* ---- The box: what a worker's creator gives it ---------------------------
 * A read-only page at FZ_BOX_ADDR, written by the creator before the
 * worker starts: its seed and depth, and the values of the handles it was
 * given (moved into its table with mt_process_give_handle). */
#define FZ_BOX_ADDR     0x0000000021000000ULL
#define FZ_BOX_MAGIC    0x584f425a5546ULL           /* "FUZBOX" */
#define FZ_SHARED       4

/* fz_box.flags, from the controller's arguments. */
#define FZ_FAST_WAIT    (1u << 0)   /* fastwait=1: let mt_ipc_reply_wait take
				       the fast path (a known use-after-free,
				       docs/testing.md) */
#define FZ_REPLY_OWN_EP (1u << 1)   /* replyown=1: let a reply of
				       mt_ipc_reply_wait carry the handle of
				       the endpoint it then waits on (another) */

struct fz_box {
	uint64_t magic;
	uint64_t seed;
	uint32_t flags;                 /* FZ_* */
	uint32_t depth;
	mt_handle_t report;             /* channel end to the controller */
	mt_handle_t statsmem;           /* the tree's statistics page */
	uint32_t nshared;
	mt_handle_t shared[FZ_SHARED];  /* handles the parent shares */
	uint8_t shared_type[FZ_SHARED]; /* their MT_OBJ_* (0: unknown) */
};

/* What fz_spawn_worker gives a new worker: duplicates of these handles of
 * the caller's (report and statsmem required), the boot archive for
 * spawning its own children, never the debug log.  report_child, if set,
 * is told the new process before it starts (false: give up). */
struct fz_spawn {
	uint64_t seed;
	uint32_t flags;
	uint32_t depth;
	mt_handle_t report, statsmem, bootfs;
	uint32_t nshared;
	mt_handle_t shared[FZ_SHARED];
	uint8_t shared_type[FZ_SHARED];
	uint64_t quota;                 /* carve a quota of this many bytes, or 0 */
	bool (*report_child)(mt_handle_t *process);
};

/* Spawn bin/sysfuzz as a worker with its statistics page and box mapped;
 * the caller gets full handles to it (out). */
mt_status_t fz_spawn_worker(const struct fz_spawn *req, struct mt_spawn_result *out);

/* ---- Arenas and stacks ---------------------------------------------------
 * Thread i of a worker (0: main) owns arena i: FZ_SCRATCH bytes that
 * plausible pointers point into, then its IPC buffer.  Helper thread i
 * (1..FZ_HELPERS) runs on stack i-1. */
#define FZ_HELPERS      6
#define FZ_THREADS      (1 + FZ_HELPERS)
#define FZ_ARENA_ADDR   0x0000000030000000ULL
#define FZ_ARENA_STRIDE 0x10000ULL
#define FZ_SCRATCH      0xc000ULL
#define FZ_IPCBUF_OFF   FZ_SCRATCH                  /* 2 pages, page aligned */
#define FZ_STACKS_ADDR  0x0000000038000000ULL
#define FZ_STACK_SIZE   0x8000ULL

static inline uint8_t *fz_arena(uint32_t thread)
{
	return (uint8_t *)(uintptr_t)(FZ_ARENA_ADDR + thread * FZ_ARENA_STRIDE);
}

/* ---- Deterministic random numbers (xorshift64*, seeded by splitmix64) -- */
struct fz_rng {
	uint64_t s;
};

static inline uint64_t fz_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline void fz_seed(struct fz_rng *r, uint64_t seed)
{
	r->s = fz_mix(seed) | 1;
}

static inline uint64_t fz_rand(struct fz_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, n) (n > 0; the bias is irrelevant here). */
static inline uint64_t fz_below(struct fz_rng *r, uint64_t n)
{
	return fz_rand(r) % n;
}

/* True with probability num/den. */
static inline bool fz_chance(struct fz_rng *r, uint32_t num, uint32_t den)
{
	return fz_below(r, den) < num;
}

/* ---- The worker's pool of handles (worker.c, gen.c) ---------------------- */
#define FZ_POOL 128

enum fz_slot_state {
	FZ_EMPTY = 0,
	FZ_LIVE,                        /* believed open */
	FZ_STALE,                       /* closed or moved: a stale value */
};

struct fz_slot {
	mt_handle_t h;
	uint8_t type;                   /* MT_OBJ_*, 0 unknown */
	uint8_t state;                  /* enum fz_slot_state */
	uint8_t own_thread;             /* a thread of this process */
	uint8_t reserved;
};

/* A range the fuzzer mapped (vm_map results): more plausible addresses. */
#define FZ_MAPS 16
struct fz_map {
	uint64_t addr, len;
};

/* The worker: shared by its threads (plain words; races between threads
 * only make the fuzzer's bookkeeping wrong, which it tolerates). */
struct fz_worker {
	uint64_t seed;
	uint32_t flags;                 /* FZ_* (the box's) */
	uint32_t depth;                 /* 0: the top worker of a tree */
	/* Handles the fuzzer never passes to a call it generates. */
	mt_handle_t report;             /* channel end to the controller */
	mt_handle_t statsmem;           /* the tree's statistics page */
	mt_handle_t self;               /* our process (a private duplicate) */
	mt_handle_t bootfs;             /* the boot archive (private) */
	struct fz_slot pool[FZ_POOL];
	struct fz_map maps[FZ_MAPS];
	uint32_t helpers;               /* helper threads started */
	uint32_t children;              /* child workers started */
	uint32_t processes;             /* processes created and kept */
};

extern struct fz_worker fz_w;

/* One thread's fuzzing state. */
struct fz_thread {
	struct fz_rng rng;
	uint32_t index;                 /* arena; 0: the main thread */
	uint64_t ipc_buffer;            /* what we set (0: none) */
	uint64_t words[6];              /* registers of the last call */
};

/* gen.c: issue one random system call (and update the pool). */
void fz_tables_init(void);
void fz_one_call(struct fz_thread *t);
bool fz_forbidden(uint64_t value);
void fz_pool_add(mt_handle_t h, uint8_t type, bool own_thread);
mt_handle_t fz_pool_pick(struct fz_rng *r, uint8_t type);

/* worker.c */
__attribute__((noreturn)) void fz_worker_main(const struct mt_startup *su);
__attribute__((noreturn)) void fz_helper_entry(uint64_t seed);
bool fz_report_process(mt_handle_t *process);
void fz_maybe_spawn_child(struct fz_rng *r);
void fz_check_budget(void);

/* controller.c */
int fz_controller_main(const struct mt_startup *su);

#endif /* SYSFUZZ_H */
