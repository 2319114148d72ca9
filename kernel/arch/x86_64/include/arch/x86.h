/* x86_64 instructions, registers and constants (Intel SDM vol. 3A). */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#include <kernel/types.h>

/* Control-register bits (SDM 2.5). */
#define CR0_WP      (1ULL << 16)
#define CR4_PGE     (1ULL << 7)
#define CR4_OSFXSR  (1ULL << 9)
#define CR4_UMIP    (1ULL << 11)
#define CR4_FSGSBASE (1ULL << 16)
#define CR4_SMEP    (1ULL << 20)
#define CR4_SMAP    (1ULL << 21)

/* MSRs (SDM vol. 4). */
#define MSR_APIC_BASE 0x0000001b
#define MSR_EFER      0xc0000080
#define EFER_SCE      (1ULL << 0)
#define EFER_NXE      (1ULL << 11)
#define MSR_STAR      0xc0000081
#define MSR_LSTAR     0xc0000082
#define MSR_FMASK     0xc0000084
#define MSR_FS_BASE   0xc0000100
#define MSR_GS_BASE   0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define CR0_TS      (1ULL << 3)

#define RFLAGS_CF   (1ULL << 0)
#define RFLAGS_TF   (1ULL << 8)
#define RFLAGS_IF   (1ULL << 9)
#define RFLAGS_DF   (1ULL << 10)
#define RFLAGS_NT   (1ULL << 14)
#define RFLAGS_AC   (1ULL << 18)
/* Flags user code may set through thread_write_state: arithmetic flags,
 * DF and TF (SDM 3.4.3); IF is always forced on, IOPL/NT/VM/RF off. */
#define RFLAGS_USER_MASK 0x0cd5ULL

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

#define DEFINE_CR_ACCESS(n)                                                 \
	static inline uint64_t read_cr##n(void)                             \
	{                                                                   \
		uint64_t v;                                                 \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));           \
		return v;                                                   \
	}                                                                   \
	static inline void write_cr##n(uint64_t v)                          \
	{                                                                   \
		__asm__ volatile("mov %0, %%cr" #n :: "r"(v) : "memory");   \
	}
DEFINE_CR_ACCESS(0)
DEFINE_CR_ACCESS(2)
DEFINE_CR_ACCESS(3)
DEFINE_CR_ACCESS(4)

static inline uint64_t read_rflags(void)
{
	uint64_t v;
	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static inline void invlpg(vaddr_t va)
{
	__asm__ volatile("invlpg (%0)" :: "r"(va) : "memory");
}

/* Register state saved on every trap (isr.S builds it; order matters). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	/* pushed by the CPU (SDM 6.14.1) */
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "isr.S frame layout");

#include <arch/segments.h>
_Static_assert(__builtin_offsetof(struct trap_frame, rax) == TF_RAX, "TF_*");
_Static_assert(__builtin_offsetof(struct trap_frame, rdi) == TF_RDI, "TF_*");
_Static_assert(__builtin_offsetof(struct trap_frame, r10) == TF_R10, "TF_*");
_Static_assert(__builtin_offsetof(struct trap_frame, r15) == TF_R15, "TF_*");
_Static_assert(__builtin_offsetof(struct trap_frame, rbx) == TF_RBX, "TF_*");
_Static_assert(__builtin_offsetof(struct trap_frame, vector) == TF_VECTOR, "TF_*");
_Static_assert(__builtin_offsetof(struct trap_frame, rip) == TF_RIP, "TF_*");
_Static_assert(__builtin_offsetof(struct trap_frame, cs) == TF_CS, "TF_*");
_Static_assert(__builtin_offsetof(struct trap_frame, rsp) == TF_RSP, "TF_*");
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "TF_*");

/* Trap vectors. */
#define VEC_DOUBLE_FAULT 8
#define VEC_PAGE_FAULT   14
#define VEC_TIMER        0x20
#define VEC_SPURIOUS     0xff

/* Device interrupts (ioapic.c): global system interrupt g on vector
 * VEC_IRQ_BASE + g, below the 8259s' and the IPIs' classes. */
#define VEC_IRQ_BASE     0x40
#define VEC_IRQ_COUNT    0x80

/* Inter-processor interrupts (smp.c), above the remapped 8259s (0xe0-0xef)
 * in the highest priority class. */
#define VEC_IPI_RESCHED  0xf0
#define VEC_IPI_CALL     0xf1

/* IST slots (tss.ist[n - 1]). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI          2
#define IST_MCE          3

/* A trap handler.  For exceptions, returning true means "handled, resume";
 * for interrupt vectors the result is ignored. */
typedef bool (*trap_handler_t)(struct trap_frame *tf);
void trap_set_handler(int vec, trap_handler_t fn);

/* True if va lies in the guard page below some kernel stack (paging.c). */
bool arch_is_stack_guard(vaddr_t va);

/* True if a kernel read of va would not fault (paging.c). */
bool arch_kernel_readable(vaddr_t va);

/* Page tables for starting APs (paging.c); returns the kernel's root. */
paddr_t paging_ap_tables(paddr_t pml4);

/* Fault stacks (IST) for c's TSS (init.c); false when out of memory. */
struct percpu;
bool percpu_alloc_fault_stacks(struct percpu *c);
void percpu_free_fault_stacks(struct percpu *c);

/* arch-internal interfaces */
void gdt_init(struct percpu *c);
void tss_set_ist(struct percpu *c, int ist, vaddr_t top);
void idt_init(void);
void idt_load(void);
void serial_init(void);
void trap_dispatch(struct trap_frame *tf);
void apic_init(void);
void apic_init_ap(void);
uint32_t apic_id(void);
void apic_eoi(void);
void apic_send_ipi(uint32_t dest_apic_id, uint32_t icr_low);
void apic_delay_us(uint64_t us);
uint64_t apic_ticks(void);
uint64_t tsc_hz(void);
void cpu_init_features(void);
void arch_mark_boot_time(void);

#endif /* ARCH_X86_H */
