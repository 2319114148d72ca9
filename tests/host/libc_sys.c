/*
 * The C library's system layer (lib/libc/libc.h) for the host tests:
 * pages from Linux mmap (so the allocator's unmapped chunks really go and
 * a use after unmap faults), counted, with failures on demand; a console
 * that records what stdout and stderr write and reads stdin from a string;
 * and an exit that returns to the test through a jump buffer.
 */
#include <setjmp.h>
#include <stddef.h>
#include <string.h>

#include "libc_host.h"

/* glibc's, which the renaming leaves alone (lib/libc defines neither). */
void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off);
int munmap(void *addr, size_t len);
#define HOST_PROT_RW      3          /* PROT_READ | PROT_WRITE */
#define HOST_MAP_ANON     0x22       /* MAP_PRIVATE | MAP_ANONYMOUS */

struct libc_host libc_host;

void *libc_sys_map(size_t size)
{
	void *p;

	if (size % LIBC_PAGE_SIZE)
		__builtin_trap();
	if (libc_host.map_fail_after == 1 || libc_host.map_fail_after < 0) {
		if (libc_host.map_fail_after > 0)
			libc_host.map_fail_after = 0;
		return NULL;
	}
	if (libc_host.map_fail_after > 1)
		libc_host.map_fail_after--;
	p = mmap(NULL, size, HOST_PROT_RW, HOST_MAP_ANON, -1, 0);
	if (p == (void *)-1)
		return NULL;
	libc_host.maps++;
	libc_host.mapped += size;
	return p;
}

void libc_sys_unmap(void *addr, size_t size)
{
	if ((size_t)addr % LIBC_PAGE_SIZE || size % LIBC_PAGE_SIZE ||
	    munmap(addr, size) != 0)
		__builtin_trap();
	libc_host.unmaps++;
	libc_host.mapped -= size;
}

void libc_sys_yield(void)
{
}

void libc_sys_exit(int status)
{
	if (!libc_host.exit_jmp)
		__builtin_trap();
	libc_host.exit_status = status;
	longjmp(*libc_host.exit_jmp, 1);
}

static ssize_t host_console_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	if (n > sizeof(libc_host.out) - 1 - libc_host.out_len)
		n = sizeof(libc_host.out) - 1 - libc_host.out_len;
	memcpy(libc_host.out + libc_host.out_len, buf, n);
	libc_host.out_len += n;
	libc_host.out[libc_host.out_len] = '\0';
	libc_host.writes++;
	return (ssize_t)n;
}

static ssize_t host_console_read(void *cookie, char *buf, size_t n)
{
	size_t left = libc_host.in ? strlen(libc_host.in) : 0;

	(void)cookie;
	if (n > left)
		n = left;
	memcpy(buf, libc_host.in, n);
	libc_host.in += n;
	return (ssize_t)n;
}

const struct mt_stream_ops libc_sys_console_ops = {
	.read = host_console_read,
	.write = host_console_write,
};

void libc_host_console_reset(void)
{
	libc_host.out_len = 0;
	libc_host.out[0] = '\0';
	libc_host.writes = 0;
}
