/*
 * Process end: exit (atexit handlers, then every stream flushed), _Exit,
 * abort and assert's report.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "libc.h"

/* C11 7.22.4.2 asks for at least 32 registrations; that is all there is
 * room for (atexit fails beyond). */
#define ATEXIT_MAX 32

static struct {
	struct libc_lock lock;
	void (*fn[ATEXIT_MAX])(void);
	int count;
} atexit_table;

int atexit(void (*fn)(void))
{
	int ok;

	libc_lock(&atexit_table.lock);
	ok = atexit_table.count < ATEXIT_MAX;
	if (ok)
		atexit_table.fn[atexit_table.count++] = fn;
	libc_unlock(&atexit_table.lock);
	return ok ? 0 : -1;
}

void exit(int status)
{
	/* Handlers run in reverse order; one may register another. */
	for (;;) {
		void (*fn)(void) = NULL;

		libc_lock(&atexit_table.lock);
		if (atexit_table.count)
			fn = atexit_table.fn[--atexit_table.count];
		libc_unlock(&atexit_table.lock);
		if (!fn)
			break;
		fn();
	}
	libc_stdio_flush_all();
	libc_sys_exit(status);
}

void _Exit(int status)
{
	libc_sys_exit(status);
}

void _exit(int status)
{
	libc_sys_exit(status);
}

/* No signals: abort reports, flushes stderr (unbuffered anyway) and ends
 * with status 134, what a shell shows for SIGABRT. */
void abort(void)
{
	fputs("abort() called\n", stderr);
	libc_sys_exit(134);
}

void __assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "assertion failed: %s (%s:%d)\n", expr, file, line);
	abort();
}
