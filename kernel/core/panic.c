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
static volatile unsigned panic_cpu;
static int frame_number;

void panic_begin(const char *reason)
{
	arch_irq_disable();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST)) {
		klog_raw("KERNEL PANIC (nested): %s\n", reason);
		if (panic_cpu == arch_cpu_id())
			panic_end();
		/* Another CPU's panic is under way: wait for its NMI, which
		 * prints where this CPU is (panic_other_cpu). */
		arch_halt_forever();
	}
	panic_cpu = arch_cpu_id();
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

/* Another CPU's part of a panic (an NMI from the panicking one): its
 * backtrace, one CPU at a time, then it stops. */
static volatile int other_printing;

__noreturn void panic_other_cpu(unsigned cpu, uintptr_t pc, uintptr_t fp)
{
	while (__atomic_exchange_n(&other_printing, 1, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
	klog_raw("CPU %u:\n", cpu);
	frame_number = 0;
	panic_backtrace(pc, fp);
	__atomic_store_n(&other_printing, 0, __ATOMIC_RELEASE);
	arch_panic_nmi_stopped();
	arch_halt_forever();
}

bool panic_in_progress(void)
{
	return panicking;
}

void panic_end(void)
{
	if (arch_cpu_count() > 1) {
		klog_raw("other CPUs:\n");
		arch_panic_stop_others();
	}
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
