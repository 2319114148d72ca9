/*
 * Internal interface of the C library: what it needs from the system
 * beneath it.  lib/libc/sys/ implements it over MantraOS system calls;
 * the host unit tests (tests/host/libc_sys.c) over fakes, which is what
 * lets the rest of lib/libc run under AddressSanitizer on Linux.
 */
#ifndef LIBC_LIBC_H
#define LIBC_LIBC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Page-aligned, zero-filled, readable and writable address space of
 * `size` bytes (a multiple of LIBC_PAGE_SIZE), or NULL. */
void *libc_sys_map(size_t size);
/* Give back exactly what one libc_sys_map returned. */
void libc_sys_unmap(void *addr, size_t size);
/* Let another thread run (lock contention). */
void libc_sys_yield(void);
/* End the process now, without any clean-up. */
__attribute__((noreturn)) void libc_sys_exit(int status);
/* The backing of stdin, stdout and stderr until a console exists. */
extern const struct mt_stream_ops libc_sys_console_ops;

#define LIBC_PAGE_SIZE 4096u

/* A lock for the library's shared state (a stream, the heap): a test and
 * set that yields while another thread holds it.  Not recursive. */
struct libc_lock {
	volatile int held;
};

static inline void libc_lock(struct libc_lock *l)
{
	while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
		libc_sys_yield();
}

static inline void libc_unlock(struct libc_lock *l)
{
	__atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
}

/* Flush every open stream (exit). */
void libc_stdio_flush_all(void);

/* Split the start-up argument line into argv (argv[0] = name, then every
 * word) and envp (the words with a '='), both NULL-terminated, in the
 * caller's storage: `copy` of strlen(line) + 1 bytes and `vec` of 2 *
 * libc_args_count(line) + 3 pointers.  Returns argc; *envp points into
 * vec. */
size_t libc_args_count(const char *line);
int libc_args_split(const char *name, const char *line, char *copy,
		    char **vec, char ***envp);

#endif /* LIBC_LIBC_H */
