/*
 * Threads in our own process (mantra.h: mt_thread_run).
 */
#include <libmantra/mantra.h>

#include <string/string.h>

#define MT_THREAD_STACK (64u * 1024u)

struct mt_thread_start {
	void (*fn)(void *);
	void *arg;
};

static __attribute__((noreturn)) void mt_thread_entry(struct mt_thread_start *ts)
{
	ts->fn(ts->arg);
	(void)mt_thread_exit();
	__builtin_trap();
}

mt_status_t mt_thread_run(const char *name, void (*fn)(void *), void *arg,
			  mt_handle_t *out)
{
	struct mt_thread_start *ts;
	uint64_t stack;
	mt_handle_t th;
	mt_status_t st;

	st = mt_map_anon(MT_THREAD_STACK, MT_PROT_READ | MT_PROT_WRITE, &stack,
			 NULL);
	if (st < 0)
		return st;
	/* The start block sits at the stack top; the entry sees rsp + 8
	 * 16-aligned, as after a call (x86-64 psABI 3.2.2).  The stack is
	 * not unmapped when the thread ends: it may still be running on it. */
	ts = (struct mt_thread_start *)(uintptr_t)(stack + MT_THREAD_STACK - 32);
	ts->fn = fn;
	ts->arg = arg;
	st = mt_thread_create(mt_startup()->self_process, name, strlen(name), &th);
	if (st < 0)
		return st;
	st = mt_thread_start(th, (uint64_t)(uintptr_t)mt_thread_entry,
			     (uint64_t)(uintptr_t)ts - 8, (uint64_t)(uintptr_t)ts, 0);
	if (st < 0) {
		mt_handle_drop(th);
		return st;
	}
	*out = th;
	return MT_OK;
}
