/* The host tests' fake system beneath lib/libc (libc_sys.c). */
#ifndef TESTS_HOST_LIBC_HOST_H
#define TESTS_HOST_LIBC_HOST_H

#include <setjmp.h>
#include <stddef.h>

#include "../../lib/libc/libc.h"

struct libc_host {
	size_t maps, unmaps, mapped;   /* libc_sys_map/unmap calls, bytes now */
	int map_fail_after;            /* n > 0: the n-th map from now fails;
	                                  < 0: every map fails */
	char out[8192];                /* what stdout and stderr wrote */
	size_t out_len;
	size_t writes;                 /* console write calls */
	const char *in;                /* what stdin reads */
	jmp_buf *exit_jmp;             /* libc_sys_exit returns here */
	int exit_status;
};
extern struct libc_host libc_host;

void libc_host_console_reset(void);

#endif /* TESTS_HOST_LIBC_HOST_H */
