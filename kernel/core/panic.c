/*
 * Kernel panics.  A panic is a kernel bug (never something user space did):
 * it prints "KERNEL PANIC: <reason>", registers and a symbolized backtrace
 * on the debug console, then stops.  In a test boot the machine exits with
 * a failure status so the host-side runner sees it at once.
 */
#include <kernel/arch.h>
#include <kernel/ksyms.h>
#include <kernel/log.h>
#include <kernel/panic.h>

#define PANIC_EXIT_STATUS 3       /* QEMU exits with (3 << 1) | 1 = 7 */
#define BACKTRACE_MAX     32

static volatile int panicking;
static int frame_number;

void panic_begin(const char *reason)
{
	arch_irq_disable();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST)) {
		klog_raw("KERNEL PANIC (nested): %s\n", reason);
		panic_end();
	}
	klog_raw("\nKERNEL PANIC: %s\n", reason);
}

bool panic_frame(uintptr_t pc, bool return_address)
{
	uintptr_t off;
	/* A return address can point just past its function (a call to a
	 * noreturn function is often the last instruction): look up the
	 * call instruction instead. */
	const char *name = ksyms_lookup(pc - return_address, &off);

	off += return_address;
	if (frame_number == 0)
		klog_raw("backtrace:\n");
	if (name)
		klog_raw("  #%-2d %016lx %s+%#lx\n", frame_number++, pc, name, off);
	else
		klog_raw("  #%-2d %016lx ?\n", frame_number++, pc);
	return name != NULL;
}

static void print_frame(uintptr_t pc, void *ctx)
{
	(void)ctx;
	panic_frame(pc, true);
}

void panic_backtrace(uintptr_t pc, uintptr_t fp)
{
	if (pc)
		panic_frame(pc, true);
	arch_backtrace(fp, print_frame, NULL, BACKTRACE_MAX);
}

void panic_end(void)
{
	klog_raw("system halted\n");
	arch_machine_exit(PANIC_EXIT_STATUS);
	arch_halt_forever();
}

void panic(const char *fmt, ...)
{
	char reason[200];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	panic_begin(reason);
	/* Start at our caller: its pc, and the frame link it saved. */
	panic_backtrace((uintptr_t)__builtin_return_address(0),
			*(uintptr_t *)__builtin_frame_address(0));
	panic_end();
}
