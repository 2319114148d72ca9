/*
 * The IDT and trap dispatch (Intel SDM vol. 3A, chapter 6).
 *
 * Exceptions raised by kernel code are kernel bugs: they print KERNEL PANIC
 * with the reason, the registers, CR2 and the error code, and a symbolized
 * backtrace.  The one exception is a fault at an instruction listed in the
 * exception table (.extable): the handler resumes at its fixup address,
 * which is how the kernel probes memory that may not be mapped.
 * Device and timer vectors go to handlers registered with trap_set_handler.
 */
#include <arch/x86.h>
#include <arch/extable.h>
#include <kernel/bkl.h>
#include <kernel/fault.h>
#include <kernel/log.h>
#include <kernel/panic.h>
#include <kernel/process.h>
#include <kernel/vm.h>

struct idt_entry {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};
_Static_assert(sizeof(struct idt_entry) == 16, "IDT gate (SDM figure 6-8)");

extern const char trap_stubs[];     /* isr.S: 16 bytes per vector */
#define TRAP_STUB_SIZE 16
extern const struct extable_entry __extable_start[], __extable_end[];

static struct idt_entry idt[256];
static trap_handler_t handlers[256];

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"BOUND range exceeded", "invalid opcode", "device not available",
	"double fault", "coprocessor segment overrun", "invalid TSS",
	"segment not present", "stack-segment fault", "general protection",
	"page fault", "reserved (15)", "x87 floating-point error",
	"alignment check", "machine check", "SIMD floating-point error",
	"virtualization exception", "control protection", "reserved (22)",
	"reserved (23)", "reserved (24)", "reserved (25)", "reserved (26)",
	"reserved (27)", "hypervisor injection", "VMM communication",
	"security exception", "reserved (31)",
};

static void idt_set_gate(int vec, uint64_t fn, int ist)
{
	idt[vec] = (struct idt_entry){
		.offset_low = fn & 0xffff,
		.selector = SEL_KCODE,
		.ist = (uint8_t)ist,
		.type_attr = 0x8e,       /* present, DPL0, 64-bit interrupt gate */
		.offset_mid = (fn >> 16) & 0xffff,
		.offset_high = (uint32_t)(fn >> 32),
	};
}

/* Load the IDT on this CPU (every CPU shares the one table). */
void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" :: "m"(idtr));
}

/* Fill the IDT and load it (boot CPU, once). */
void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		idt_set_gate(v, (uint64_t)trap_stubs + (uint64_t)v * TRAP_STUB_SIZE, 0);
	/* INT3 and INTO from user mode raise #BP/#OF, not #GP (SDM 6.12.1.1):
	 * their gates must allow DPL 3. */
	idt[3].type_attr = 0xee;
	idt[4].type_attr = 0xee;
	idt[VEC_DOUBLE_FAULT].ist = IST_DOUBLE_FAULT;
	idt[2].ist = IST_NMI;
	idt[18].ist = IST_MCE;
	idt_load();
}

void trap_set_handler(int vec, trap_handler_t fn)
{
	handlers[vec] = fn;
}

/* Exception-table lookup: the fixup for a faulting kernel rip, or 0. */
static uint64_t extable_fixup(uint64_t rip)
{
	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++)
		if (e->insn == rip)
			return e->fixup;
	return 0;
}

static void dump_frame(const struct trap_frame *tf)
{
	klog_raw("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n",
		 tf->rax, tf->rbx, tf->rcx, tf->rdx);
	klog_raw("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n",
		 tf->rsi, tf->rdi, tf->rbp, tf->rsp);
	klog_raw("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n",
		 tf->r8, tf->r9, tf->r10, tf->r11);
	klog_raw("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n",
		 tf->r12, tf->r13, tf->r14, tf->r15);
	klog_raw("  rip %016lx cs %04lx rflags %08lx ss %04lx\n",
		 tf->rip, tf->cs, tf->rflags, tf->ss);
	klog_raw("  cr0 %016lx cr2 %016lx cr3 %016lx cr4 %016lx\n",
		 read_cr0(), read_cr2(), read_cr3(), read_cr4());
	klog_raw("  vector %lu error code %#lx\n", tf->vector, tf->error_code);
}

/* Which protection stopped a kernel access to a present user page: SMEP
 * for a fetch, SMAP for a data access with RFLAGS.AC clear (outside a
 * user copy).  SDM vol. 3A 4.6.1. */
static const char *user_page_guard(const struct trap_frame *tf, uint64_t addr)
{
	uint64_t e = tf->error_code, cr4 = read_cr4();

	if ((e & 5) != 1 || addr >= MT_USER_TOP)
		return "";
	if (e & 16)
		return cr4 & CR4_SMEP ? " (SMEP: the kernel ran a user page)" : "";
	if ((cr4 & CR4_SMAP) && !(tf->rflags & RFLAGS_AC))
		return " (SMAP: the kernel touched a user page outside a user copy)";
	return "";
}

static void page_fault_reason(const struct trap_frame *tf, char *buf, size_t n)
{
	uint64_t e = tf->error_code, addr = read_cr2();

	fmt_snprintf(buf, n, "page fault at %#lx: %s %s%s%s%s", addr,
		     e & 1 ? "protection violation on" : "not-present page on",
		     e & 16 ? "instruction fetch" : e & 2 ? "write" : "read",
		     e & 4 ? " from user mode" : "",
		     e & 8 ? " (reserved bit set)" : "", user_page_guard(tf, addr));
}

/* An exception in kernel mode that no fixup covers: report and stop. */
__noreturn static void trap_panic(struct trap_frame *tf)
{
	char reason[160];

	if (tf->vector == VEC_PAGE_FAULT)
		page_fault_reason(tf, reason, sizeof(reason));
	else if (tf->vector == VEC_DOUBLE_FAULT && arch_is_stack_guard(read_cr2()))
		fmt_snprintf(reason, sizeof(reason),
			     "double fault: kernel stack overflow (guard page %#lx hit)",
			     read_cr2());
	else
		fmt_snprintf(reason, sizeof(reason), "%s",
			     tf->vector < 32 ? exception_names[tf->vector]
					     : "unexpected interrupt");
	panic_begin(reason);
	dump_frame(tf);
	/* A fault at a rip outside the kernel's code (a bad call or jump)
	 * leaves the caller's return address at the top of the stack. */
	if (!panic_frame(tf->rip, false) && arch_kernel_readable(tf->rsp))
		panic_frame(*(const uint64_t *)tf->rsp, true);
	panic_backtrace(0, tf->rbp);
	panic_end();
}

static uint32_t pf_access(uint64_t error)
{
	if (error & 16)
		return MT_PROT_EXEC;
	return error & 2 ? MT_PROT_WRITE : MT_PROT_READ;
}

static struct aspace *current_aspace(void)
{
	struct process *p = thread_current() ? process_current() : NULL;

	return p ? p->aspace : NULL;
}

/* An exception raised by user code: resolve a demand-paged access, or hand
 * the fault to the generic fault path (kill or stop the thread). */
static void user_exception(struct trap_frame *tf)
{
	static const uint8_t kinds[32] = {
		[0] = MT_FAULT_DIVIDE, [3] = MT_FAULT_BREAKPOINT,
		[6] = MT_FAULT_INVALID_OPCODE, [13] = MT_FAULT_GENERAL,
		[14] = MT_FAULT_PAGE,
	};
	uint64_t addr = 0;

	if (tf->vector == VEC_PAGE_FAULT) {
		addr = read_cr2();
		if (aspace_fault(current_aspace(), addr, pf_access(tf->error_code)))
			return;
	}
	fault_user(kinds[tf->vector] ? kinds[tf->vector] : MT_FAULT_OTHER, addr,
		   tf->rip, tf->vector, tf->error_code);
}

static void trap_dispatch_locked(struct trap_frame *tf);

/* Every trap but the IPIs runs under the big kernel lock (kernel/bkl.h).
 * The IPIs must not wait for it: the holder may be waiting for their
 * cross-call.  A trap from user mode keeps its hold for the way out
 * (user_return releases it); one from kernel mode drops its nested hold. */
void trap_dispatch(struct trap_frame *tf)
{
	bool from_user = tf->cs & 3;

	if (tf->vector == 2 && panic_in_progress())
		panic_other_cpu(arch_cpu_id(), tf->rip, tf->rbp);

	if (tf->vector == VEC_IPI_CALL || tf->vector == VEC_IPI_RESCHED) {
		handlers[tf->vector](tf);
		if (from_user)
			bkl_acquire();
		return;
	}
	bkl_acquire();
	trap_dispatch_locked(tf);
	if (!from_user)
		bkl_release();
}

static void trap_dispatch_locked(struct trap_frame *tf)
{
	uint64_t fixup;

	if (tf->vector < 32 && (tf->cs & 3)) {
		user_exception(tf);
		return;
	}
	if (tf->vector >= 32) {
		if (handlers[tf->vector])
			handlers[tf->vector](tf);
		else if (tf->vector != VEC_SPURIOUS)
			klog(LOG_WARN, "trap: unexpected interrupt vector %lu\n",
			     tf->vector);
		return;
	}
	if (handlers[tf->vector] && handlers[tf->vector](tf))
		return;
	fixup = extable_fixup(tf->rip);
	/* A copy to or from user memory touching a page not yet filled in. */
	if (fixup && tf->vector == VEC_PAGE_FAULT &&
	    aspace_fault(current_aspace(), read_cr2(), pf_access(tf->error_code)))
		return;
	if (fixup && (tf->vector == VEC_PAGE_FAULT || tf->vector == 13)) {
		tf->rip = fixup;
		tf->rax = (uint64_t)-1;
		return;
	}
	trap_panic(tf);
}

int arch_probe_read64(vaddr_t va, uint64_t *out)
{
	uint64_t v = 0;
	long err;

	/* On a fault, trap_dispatch finds label 1 in .extable, sets rax = -1
	 * and resumes at label 2, skipping the xor. */
	__asm__ volatile(
		"1:	movq (%[va]), %[v]\n\t"
		"	xorl %k[err], %k[err]\n\t"
		"2:\n\t"
		".pushsection .extable, \"a\"\n\t"
		".balign 8\n\t"
		".quad 1b, 2b\n\t"
		".popsection"
		: [v] "+&r"(v), [err] "=a"(err)
		: [va] "r"(va)
		: "memory");
	if (err)
		return -1;
	*out = v;
	return 0;
}
