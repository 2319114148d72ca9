/*
 * GDT and TSS (Intel SDM vol. 3A, 3.4.5 and 8.7).  Long mode ignores most
 * segment fields; the descriptors exist for CS/SS privilege levels, the
 * SYSCALL/SYSRET selector layout (user data right below user code) and the
 * TSS, whose IST slots give the double-fault, NMI and machine-check
 * handlers known-good stacks.
 */
#include <arch/percpu.h>
#include <arch/x86.h>

_Static_assert(sizeof(struct tss) == 104, "TSS layout (SDM figure 8-11)");
_Static_assert(__builtin_offsetof(struct tss, rsp) == TSS_RSP0, "ipc_fast.S");

struct tss tss;
static uint64_t gdt[7];

struct descriptor_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static uint64_t tss_descriptor_low(uint64_t base, uint32_t limit)
{
	return (limit & 0xffffULL) | ((base & 0xffffffULL) << 16) |
	       (0x89ULL << 40) /* present, 64-bit TSS (available) */ |
	       ((uint64_t)(limit >> 16 & 0xf) << 48) |
	       ((base >> 24 & 0xffULL) << 56);
}

/* Load our GDT and TSS and reload every segment register.  Called once on
 * the boot CPU before anything can trap. */
void gdt_init(void)
{
	uint64_t base = (uint64_t)&tss;
	struct descriptor_pointer gdtr = { sizeof(gdt) - 1, (uint64_t)gdt };

	gdt[0] = 0;
	gdt[SEL_KCODE >> 3] = 0x00af9a000000ffffULL;  /* DPL0 code, L=1 */
	gdt[SEL_KDATA >> 3] = 0x00cf92000000ffffULL;  /* DPL0 data */
	gdt[SEL_UDATA >> 3] = 0x00cff2000000ffffULL;  /* DPL3 data */
	gdt[SEL_UCODE >> 3] = 0x00affa000000ffffULL;  /* DPL3 code, L=1 */
	gdt[SEL_TSS >> 3] = tss_descriptor_low(base, sizeof(tss) - 1);
	gdt[(SEL_TSS >> 3) + 1] = base >> 32;
	tss.iomap_base = sizeof(tss);  /* no I/O bitmap: user port I/O faults */

	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"mov %2, %%ax\n\t"
		"mov %%ax, %%ds\n\t"
		"mov %%ax, %%es\n\t"
		"mov %%ax, %%ss\n\t"
		"xor %%eax, %%eax\n\t"
		"mov %%ax, %%fs\n\t"
		"mov %%ax, %%gs\n\t"
		"ltr %w3\n\t"
		:: "m"(gdtr), "i"(SEL_KCODE), "i"(SEL_KDATA), "r"(SEL_TSS)
		: "rax", "memory");
}

/* Point IST slot `ist` (1..7) at a stack whose top is `top`. */
void tss_set_ist(int ist, vaddr_t top)
{
	tss.ist[ist - 1] = top;
}

