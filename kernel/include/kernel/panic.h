/* Kernel bugs: a broken invariant stops the machine with a message. */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <kernel/types.h>

/* Print "KERNEL PANIC: <message>", the registers of the caller and a
 * symbolized backtrace, then stop every CPU.  Never returns. */
__noreturn __printf(1, 2) void panic(const char *fmt, ...);

/* The pieces of a panic report, for arch trap handlers that add their own
 * register dump: panic_begin() stops other output and prints the
 * "KERNEL PANIC: <reason>" line; panic_backtrace() prints the return address pc (if not 0) and the
 * symbolized frame-pointer chain starting at fp; panic_end() stops the machine. */
void panic_begin(const char *reason);
void panic_backtrace(uintptr_t pc, uintptr_t fp);
/* Print one backtrace line for pc (a return address, or the exact address
 * of a faulting instruction); returns true if a symbol covers it. */
bool panic_frame(uintptr_t pc, bool return_address);
__noreturn void panic_end(void);

/* assert: a kernel invariant; always compiled in (kernel bugs must be loud). */
#define assert(cond)                                                        \
	do {                                                                \
		if (unlikely(!(cond)))                                      \
			panic("assertion failed: %s (%s:%d)", #cond,        \
			      __FILE__, __LINE__);                          \
	} while (0)

/* With more CPUs: is a panic going on, and the NMI'd CPUs' part of it
 * (their backtrace; never returns). */
bool panic_in_progress(void);
__noreturn void panic_other_cpu(unsigned cpu, uintptr_t pc, uintptr_t fp);

#endif /* KERNEL_PANIC_H */
