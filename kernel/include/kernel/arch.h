/*
 * The arch hooks: the only way generic kernel code reaches the machine.
 * Each architecture (kernel/arch/<arch>/) implements all of them; host unit
 * tests provide stand-ins (tests/host/stubs.c).
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <kernel/types.h>

struct mantra_bootinfo;

/* Bring-up, in this order (core/main.c):
 * arch_early_init: debug console, segments, trap table; before any output.
 * arch_cpu_init: CPU feature checks and protection bits (NX, SMEP, SMAP).
 * arch_paging_init: the kernel's own page tables (needs the frame
 *   allocator); the loader's identity map is gone afterwards.
 * arch_late_init: fault stacks and the timer (needs the kernel heap). */
void arch_early_init(void);
void arch_cpu_init(void);
void arch_paging_init(const struct mantra_bootinfo *bi);
void arch_late_init(void);

/* Continue on the stack whose top is `top` by calling fn(arg); fn must not
 * return.  The old stack is abandoned. */
__noreturn void arch_switch_stack(vaddr_t top, void (*fn)(void *), void *arg);

/* Name of this architecture, for the banner. */
#define ARCH_NAME_LEN 16
extern const char arch_name[];

/* Interrupt state of the current CPU.  arch_irq_save() disables interrupts
 * and returns the previous state for arch_irq_restore().  Spin-wait hint:
 * arch_cpu_relax().  Message registers: arch_ipc_set_regs().  These are on
 * hot paths and defined inline by each architecture (<arch/inline.h>). */
#ifdef HOST_TEST
typedef unsigned long irqstate_t;
irqstate_t arch_irq_save(void);
void arch_irq_restore(irqstate_t state);
void arch_irq_enable(void);
void arch_irq_disable(void);
void arch_cpu_relax(void);
struct thread *arch_current_thread(void);
bool arch_need_resched(void);
unsigned arch_cpu_id(void);
#else
#include <arch/inline.h>
#endif

/* Multiprocessing (docs/smp.md).  CPUs are numbered 0 (the boot CPU) to
 * arch_cpu_count() - 1, every one of them online; arch_cpu_id() (inline,
 * above) is the current CPU's number.
 * arch_ap_start_all: start every other CPU the firmware lists and park it
 *   (idle, interrupts on, answering IPIs); called once by kmain after
 *   arch_late_init.  A CPU that does not come up is logged and skipped.
 * arch_send_ipi: interrupt `cpu` (online; itself allowed) with `ipi`.
 *   ARCH_IPI_RESCHEDULE sets the CPU's need_resched.
 * arch_send_ipi_others: the same to every online CPU but this one.
 * arch_cpu_call: run fn(arg) on `cpu` with interrupts disabled and wait
 *   until it returned (a plain call on this CPU); the caller's interrupts
 *   are off while it waits, and it serves calls to itself meanwhile.
 *   Returns 0, or -1 if `cpu` is not online. */
enum arch_ipi {
	ARCH_IPI_RESCHEDULE,
	ARCH_IPI_CALL,          /* used by arch_cpu_call */
	ARCH_IPI_COUNT,
};
void arch_ap_start_all(void);
unsigned arch_cpu_count(void);
bool arch_cpu_online(unsigned cpu);
void arch_send_ipi(unsigned cpu, enum arch_ipi ipi);
void arch_send_ipi_others(enum arch_ipi ipi);
int arch_cpu_call(unsigned cpu, void (*fn)(void *arg), void *arg) __must_check;
/* A panic: stop every other CPU with an NMI, each printing its backtrace
 * (panic_other_cpu), waiting a second at most; the NMI'd CPU calls
 * arch_panic_nmi_stopped() when it is done. */
void arch_panic_stop_others(void);
void arch_panic_nmi_stopped(void);
/* Run whatever cross-call is waiting for this CPU (a CPU spinning on a
 * lock calls it, so the holder's cross-calls are not held up). */
void arch_cpu_poll_calls(void);
/* More than one CPU will run threads (kernel/bkl.h): the SMP system-call
 * path on this CPU and the big kernel lock on, held by this CPU. */
void arch_smp_activate(void);
/* The SMP system-call path on this CPU (an application processor). */
void arch_cpu_smp_enter(void);
/* Flush the TLB entries for [va, va + len) on `cpu` (another CPU, or this
 * one), and wait until it has: a TLB shootdown after page-table entries
 * were removed.  Kernel addresses too (global entries). */
void arch_tlb_flush_cpu(unsigned cpu, vaddr_t va, size_t len);
/* The same on every other online CPU (kernel mappings removed). */
void arch_tlb_flush_others(vaddr_t va, size_t len);

/* Device I/O for user-level drivers (docs/drivers.md).  The generic
 * resource code checks authority; these only touch the machine.
 * arch_ioport_read/write: one access of `width` bytes (1, 2 or 4) to an
 *   I/O port (0..0xffff); an architecture without I/O ports reads 0 and
 *   ignores writes (and gives init an empty port resource).
 * arch_irq_init: find and mask every interrupt controller input; once,
 *   after arch_ap_start_all (it reads the firmware's tables).
 * arch_irq_line_count: the interrupt lines user space may bind: lines
 *   0-15 are ISA IRQs, lines from 16 the controller inputs (global system
 *   interrupts) of that number; 0 if there is no controller to route them.
 * arch_irq_bind: route `line` to the boot CPU, unmasked; when it fires,
 *   the line is masked, fn(ctx) runs (interrupts off) and the interrupt
 *   is acknowledged.  MT_ERR_ALREADY_EXISTS if the input is bound already,
 *   MT_ERR_NOT_SUPPORTED if no controller serves it.
 * arch_irq_unmask: let a bound line fire again.
 * arch_irq_unbind: mask the line and forget fn; the line is free again,
 *   and fn is not running and will not run once this returns. */
uint32_t arch_ioport_read(uint32_t port, uint32_t width);
void arch_ioport_write(uint32_t port, uint32_t width, uint32_t value);
void arch_irq_init(void);
uint32_t arch_irq_line_count(void);
int64_t arch_irq_bind(uint32_t line, void (*fn)(void *ctx), void *ctx) __must_check;
void arch_irq_unmask(uint32_t line);
void arch_irq_unbind(uint32_t line);

/* Stop this CPU for good, interrupts off. */
__noreturn void arch_halt_forever(void);

/* Wait for the next interrupt (interrupts enabled on return). */
void arch_wait_for_interrupt(void);

/* Write bytes to the early debug console (serial).  Callable from any
 * context, including panic and exception handlers. */
void arch_console_write(const char *s, size_t n);

/* A monotonically increasing cycle counter (TSC on x86). */
uint64_t arch_cycles(void);

/* A hard-to-guess 64-bit value, for seeds (the stack protector's canary):
 * from the CPU's random number generator when it has one (*hw = true),
 * else mixed cycle-counter readings.  Callable before arch_early_init. */
uint64_t arch_random_seed(bool *hw);

/* Microseconds since the kernel started (0 until the clock is calibrated). */
uint64_t arch_uptime_us(void);

/* Leave the machine (QEMU test exit or ACPI power-off) with a status;
 * returns only if no exit device exists. */
void arch_machine_exit(int status);

/* Walk the frame-pointer chain starting at `fp`, calling fn(pc, ctx) for
 * each return address, at most `max` frames.  Stops at an invalid frame. */
void arch_backtrace(uintptr_t fp, void (*fn)(uintptr_t pc, void *ctx),
		    void *ctx, int max);

/* Kernel address space (the upper half, shared by every process). */
enum arch_prot {
	ARCH_PROT_READ = 1,
	ARCH_PROT_WRITE = 2,
	ARCH_PROT_EXEC = 4,
	ARCH_PROT_UNCACHED = 8,     /* device memory */
};

/* Map [va, va+size) to [pa, pa+size) in the kernel half with `prot`
 * (ARCH_PROT_*; write+exec together is refused: W^X).  Page-aligned
 * arguments; uses large pages where alignment allows.  Returns 0, or -1 if
 * the arguments are bad or page-table memory ran out. */
int arch_map_kernel(vaddr_t va, paddr_t pa, size_t size, unsigned prot) __must_check;

/* Map device memory uncached into the kernel's MMIO window; returns the
 * virtual address of `pa` or 0 on failure. */
vaddr_t arch_map_mmio(paddr_t pa, size_t size);

/* A new kernel stack of `size` bytes (multiple of PAGE_SIZE) with an
 * unmapped guard page below it; returns its top, or 0 when out of memory
 * or stack slots. */
vaddr_t arch_kstack_alloc(size_t size);

/* Page-table entry bits of va in the kernel half, for tests: returns false
 * if unmapped, otherwise sets *prot to ARCH_PROT_* of the mapping. */
bool arch_query_kernel(vaddr_t va, unsigned *prot);

/* Read 8 bytes at va, surviving a fault: returns 0 and *out, or -1 if the
 * read faulted (unmapped, non-canonical, or protected).  The building block
 * of later copy-in/copy-out. */
int arch_probe_read64(vaddr_t va, uint64_t *out) __must_check;

/* Threads (kernel/thread.h).  struct thread embeds struct arch_thread. */
struct thread;
struct mt_thread_regs;
/* Prepare t's kernel stack so that its first run enters user mode at
 * entry with stack, arg (first argument register) and tls. */
void arch_thread_init_user(struct thread *t, uint64_t entry, uint64_t stack,
			   uint64_t arg, uint64_t tls);
/* Switch CPU state from prev (the current thread) to next. */
void arch_context_switch(struct thread *prev, struct thread *next);
/* A stopped thread's user registers. */
void arch_thread_get_regs(struct thread *t, struct mt_thread_regs *r);
int64_t arch_thread_set_regs(struct thread *t, const struct mt_thread_regs *r);

/* Free a stack from arch_kstack_alloc. */
void arch_kstack_free(vaddr_t top, size_t size);

/* Monotonic nanoseconds since boot. */
int64_t arch_now_ns(void);

/* Call fn from every timer interrupt (interrupts disabled). */
void arch_set_tick_hook(void (*fn)(void));
/* Make the timer interrupt once, ns nanoseconds from now (at least one
 * timer count, at most a second): one-shot from the first call on. */
void arch_timer_oneshot(int64_t ns);

#endif /* KERNEL_ARCH_H */
