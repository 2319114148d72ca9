/*
 * GDT and TSS (Intel SDM vol. 3A, 3.4.5 and 8.7).  Long mode ignores most
 * segment fields; the descriptors exist for CS/SS privilege levels, the
 * SYSCALL/SYSRET selector layout (user data right below user code) and the
 * TSS, whose IST slots give the double-fault, NMI and machine-check
 * handlers known-good stacks.  Each CPU has its own GDT and TSS, in its
 * struct percpu: a TSS descriptor is marked busy by LTR (SDM 8.2.3), so
 * two CPUs cannot load the same one, and each needs its own rsp0 and IST
 * stacks.
 */
#include <arch/percpu.h>
#include <arch/x86.h>

_Static_assert(sizeof(struct tss) == 104, "TSS layout (SDM figure 8-11)");
_Static_assert(__builtin_offsetof(struct tss, rsp) == TSS_RSP0, "ipc_fast.S");
_Static_assert(sizeof(((struct percpu *)0)->gdt) == 7 * 8, "GDT slots");

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

/* Build c's GDT and TSS, load them and reload every segment register.
 * Runs on the CPU c belongs to, before anything can trap there; GS base
 * is zero afterwards (percpu_init sets it). */
void gdt_init(struct percpu *c)
{
	uint64_t *gdt = c->gdt;
	struct tss *tss = &c->tss;
	uint64_t base = (uint64_t)tss;
	struct descriptor_pointer gdtr = { sizeof(c->gdt) - 1, (uint64_t)gdt };

	gdt[0] = 0;
	gdt[SEL_KCODE >> 3] = 0x00af9a000000ffffULL;  /* DPL0 code, L=1 */
	gdt[SEL_KDATA >> 3] = 0x00cf92000000ffffULL;  /* DPL0 data */
	gdt[SEL_UDATA >> 3] = 0x00cff2000000ffffULL;  /* DPL3 data */
	gdt[SEL_UCODE >> 3] = 0x00affa000000ffffULL;  /* DPL3 code, L=1 */
	gdt[SEL_TSS >> 3] = tss_descriptor_low(base, sizeof(*tss) - 1);
	gdt[(SEL_TSS >> 3) + 1] = base >> 32;
	tss->iomap_base = sizeof(*tss);  /* no I/O bitmap: user port I/O faults */

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

/* Point IST slot `ist` (1..7) of c's TSS at a stack whose top is `top`. */
void tss_set_ist(struct percpu *c, int ist, vaddr_t top)
{
	c->tss.ist[ist - 1] = top;
}

