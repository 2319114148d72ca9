/*
 * The C library's system layer (../libc.h) over MantraOS: memory objects
 * mapped into our own address space, the debug log as the console.
 */
#include <errno.h>

#include <libmantra/mantra.h>

#include "../libc.h"

void *libc_sys_map(size_t size)
{
	uint64_t addr;

	if (mt_map_anon(size, MT_PROT_READ | MT_PROT_WRITE, &addr, NULL) < 0)
		return NULL;
	return (void *)(uintptr_t)addr;
}

/* The mapping held the only reference to its memory object (mt_map_anon
 * closed the handle), so unmapping frees the frames. */
void libc_sys_unmap(void *addr, size_t size)
{
	(void)mt_vm_unmap(mt_startup()->self_aspace, (uint64_t)(uintptr_t)addr,
			  size);
}

void libc_sys_yield(void)
{
	(void)mt_thread_yield();
}

void libc_sys_exit(int status)
{
	(void)mt_process_exit(status);
	__builtin_trap();
}

/* stdout and stderr: the debug log, in writes of at most
 * MT_DEBUG_WRITE_MAX bytes (mt_log_write splits). */
static ssize_t console_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	mt_log_write(buf, n);
	return (ssize_t)n;
}

/* stdin: at end of file until there is a console to read. */
static ssize_t console_read(void *cookie, char *buf, size_t n)
{
	(void)cookie;
	(void)buf;
	(void)n;
	return 0;
}

const struct mt_stream_ops libc_sys_console_ops = {
	.read = console_read,
	.write = console_write,
};
