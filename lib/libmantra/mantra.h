/*
 * libmantra: the MantraOS user-space support library on top of the
 * generated system-call stubs (<mantra/syscalls.h>): the start-up block,
 * debug-log output, handle helpers, the boot archive and the program
 * loader.  No hidden global state beyond the start-up block, which is set
 * once by the C runtime before main().
 */
#ifndef LIBMANTRA_MANTRA_H
#define LIBMANTRA_MANTRA_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bootfs/bootfs.h>
#include <mantra/errors.h>
#include <mantra/syscalls.h>
#include <mantra/types.h>

#define MT_WARN_UNUSED __attribute__((warn_unused_result))

/* ---- start-up ---------------------------------------------------------- */

/* Record the start-up block (called once by the C runtime). */
void mt_startup_set(const struct mt_startup *startup);

/* The block this process was started with (never NULL after start-up). */
const struct mt_startup *mt_startup(void);

/* The value of argument `key` (a "key=value" word of startup->args) into
 * out, NUL-terminated and truncated to size; false if there is none. */
bool mt_startup_arg(const char *key, char *out, size_t size);

/* The same as a number (decimal, or hexadecimal after "0x"); `dflt` when
 * the argument is missing or not entirely a number. */
uint64_t mt_startup_arg_u64(const char *key, uint64_t dflt);

/* ---- raw system calls -------------------------------------------------- */

/* Issue system call `nr` with six raw register arguments: for tests that
 * must pass what no typed stub would let them. */
static inline mt_status_t mt_syscall6(uint64_t nr, uint64_t a0, uint64_t a1,
				      uint64_t a2, uint64_t a3, uint64_t a4,
				      uint64_t a5)
{
	register uint64_t r_rax __asm__("rax") = nr;
	register uint64_t r_rdi __asm__("rdi") = a0;
	register uint64_t r_rsi __asm__("rsi") = a1;
	register uint64_t r_rdx __asm__("rdx") = a2;
	register uint64_t r_r10 __asm__("r10") = a3;
	register uint64_t r_r8 __asm__("r8") = a4;
	register uint64_t r_r9 __asm__("r9") = a5;

	__asm__ volatile("syscall"
			 : "+r"(r_rax), "+r"(r_rdi), "+r"(r_rsi), "+r"(r_rdx),
			   "+r"(r_r10), "+r"(r_r8), "+r"(r_r9)
			 :
			 : "rcx", "r11", "memory");
	return (mt_status_t)r_rax;
}

/* ---- debug log --------------------------------------------------------- */

/* Format like printf and write the result to the start-up debug log in
 * one mt_debug_write per MT_DEBUG_WRITE_MAX bytes (a line stays whole).
 * Returns the number of characters formatted. */
__attribute__((format(printf, 1, 2)))
int mt_log(const char *fmt, ...);
int mt_vlog(const char *fmt, va_list ap);

/* Write raw bytes to the start-up debug log. */
void mt_log_write(const char *buf, size_t len);

/* The text of an MT_ERR_* code ("BAD_HANDLE"), or "?" for others. */
const char *mt_status_str(mt_status_t status);

/* ---- handles ----------------------------------------------------------- */

/* Duplicate `h` with `rights` (MT_RIGHT_SAME keeps them) into *out. */
mt_status_t mt_handle_dup(mt_handle_t h, mt_rights_t rights, mt_handle_t *out)
	MT_WARN_UNUSED;

/* The rights of handle h, or a negative status. */
mt_status_t mt_handle_rights(mt_handle_t h) MT_WARN_UNUSED;

/* The object type (enum mt_obj_type) behind h, or a negative status. */
mt_status_t mt_handle_type(mt_handle_t h) MT_WARN_UNUSED;

/* Close h if it is not MT_HANDLE_INVALID, ignoring errors (clean-up). */
void mt_handle_drop(mt_handle_t h);

/* ---- memory ------------------------------------------------------------ */

static inline uint64_t mt_page_round_up(uint64_t x)
{
	return (x + MT_PAGE_SIZE - 1) & ~(uint64_t)(MT_PAGE_SIZE - 1);
}

static inline uint64_t mt_page_round_down(uint64_t x)
{
	return x & ~(uint64_t)(MT_PAGE_SIZE - 1);
}

/* Create a memory object of `size` bytes and map it into our own address
 * space with `prot` (anywhere).  Returns the address in *addr and, if mem
 * is not NULL, the memory handle in *mem (else the handle is closed; the
 * mapping keeps the object alive). */
mt_status_t mt_map_anon(uint64_t size, uint32_t prot, uint64_t *addr,
			mt_handle_t *mem) MT_WARN_UNUSED;

/* ---- threads ----------------------------------------------------------- */

/* Start a thread of our own process running fn(arg) on a fresh 64 KiB
 * stack (kept mapped after it ends); the thread exits when fn returns.
 * *out gets its handle. */
mt_status_t mt_thread_run(const char *name, void (*fn)(void *), void *arg,
			  mt_handle_t *out) MT_WARN_UNUSED;

/* ---- boot archive ------------------------------------------------------ */

/* Map the boot archive (startup->bootfs) read-only, once, and open it. */
mt_status_t mt_bootfs(const struct bootfs **out) MT_WARN_UNUSED;

/* Find `name` in the boot archive. */
mt_status_t mt_bootfs_file(const char *name, struct bootfs_file *out)
	MT_WARN_UNUSED;

/* ---- program loader ---------------------------------------------------- */

#define MT_SPAWN_STACK_DEFAULT (64u * 1024u)
#define MT_SPAWN_ARGS_MAX      1024u    /* bytes of mt_spawn_args.args, NUL included */

/* What mt_spawn() creates.  Handles given to the child are duplicates
 * (with MT_RIGHT_SAME) of the caller's, moved into the child's table;
 * the caller keeps its own. */
struct mt_spawn_args {
	const char *name;          /* process name, at most MT_NAME_MAX */
	const void *image;         /* ELF executable in memory */
	size_t image_size;
	uint64_t arg;              /* startup.arg */
	mt_handle_t bootfs;        /* caller's handle to pass on, or 0 */
	uint64_t bootfs_size;
	mt_handle_t debuglog;      /* caller's handle to pass on, or 0 */
	uint64_t stack_size;       /* 0: MT_SPAWN_STACK_DEFAULT */
	uint32_t fault_policy;     /* MT_FAULT_POLICY_* */
	bool suspended;            /* create the thread but do not start it */
	const char *args;          /* startup.args: "key=value ..." (shorter
				      than MT_SPAWN_ARGS_MAX), or NULL */
	mt_handle_t ns;            /* caller's handle to pass on as
				      startup.ns, or 0 */
	mt_handle_t ioports;       /* caller's handles to pass on (startup */
	mt_handle_t irqs;          /* fields of the same names), or 0 */
	mt_handle_t endpoint;
};

/* Handles the caller holds afterwards (all with full rights). */
struct mt_spawn_result {
	mt_handle_t process;
	mt_handle_t aspace;
	mt_handle_t thread;        /* the first thread */
	uint64_t entry;            /* where the thread starts (if suspended) */
	uint64_t stack_ptr;        /* its initial stack pointer */
	uint64_t startup_addr;     /* its startup block, in the child */
};

/* Create a process from an ELF image (ET_EXEC, every PT_LOAD inside
 * [MT_USER_BASE, MT_USER_TOP), W^X): a memory object per segment mapped
 * MT_MAP_FIXED with the segment's protection, a stack, the startup block
 * at the stack top, and the first thread, started unless args->suspended
 * (then start it with mt_spawn_start).  On failure everything created is
 * released and a negative status returned. */
mt_status_t mt_spawn(const struct mt_spawn_args *args,
		     struct mt_spawn_result *out) MT_WARN_UNUSED;

/* Start the thread of a suspended spawn. */
mt_status_t mt_spawn_start(const struct mt_spawn_result *res) MT_WARN_UNUSED;

/* Release the handles of a spawn result (does not kill the process). */
void mt_spawn_release(struct mt_spawn_result *res);

/* mt_spawn a file of the boot archive by name, with our own bootfs and
 * debug-log handles passed on. */
mt_status_t mt_spawn_file(const char *path, const char *name, uint64_t arg,
			  struct mt_spawn_result *out) MT_WARN_UNUSED;

#endif /* LIBMANTRA_MANTRA_H */
