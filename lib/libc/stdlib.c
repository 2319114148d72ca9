/*
 * Process start and end: __mt_start (called by crt0) and exit/abort.
 */
#include <assert.h>
#include <stdlib.h>

#include <libmantra/mantra.h>

int main(const struct mt_startup *startup);

__attribute__((noreturn)) void __mt_start(const struct mt_startup *startup);

void __mt_start(const struct mt_startup *startup)
{
	mt_startup_set(startup);
	exit(main(startup));
}

void exit(int status)
{
	(void)mt_process_exit(status);
	__builtin_trap();
}

void abort(void)
{
	mt_log("abort() called\n");
	(void)mt_process_exit(134);
	__builtin_trap();
}

void __assert_fail(const char *expr, const char *file, int line)
{
	mt_log("assertion failed: %s (%s:%d)\n", expr, file, line);
	abort();
}

int abs(int x)
{
	return x < 0 ? -x : x;
}

long labs(long x)
{
	return x < 0 ? -x : x;
}
