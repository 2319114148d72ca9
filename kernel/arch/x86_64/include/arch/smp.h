/*
 * x86_64 multiprocessor bring-up (smp.c, madt.c, trampoline.S): which CPUs
 * the firmware lists, and the data block the real-mode trampoline reads.
 */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

#include <arch/percpu.h>

/* The trampoline page's layout: code from offset 0 (the SIPI entry,
 * SDM vol. 3A 9.4.4), the boot CPU's data at TR_DATA. */
#define TR_DATA         0x100
#define TR_GDTR         (TR_DATA + 0x00)  /* 2 pad, limit (2), base (4) */
#define TR_FAR32        (TR_DATA + 0x08)  /* offset (4), selector (2) */
#define TR_FAR64        (TR_DATA + 0x10)  /* offset (4), selector (2) */
#define TR_CR3          (TR_DATA + 0x18)  /* trampoline page tables, < 4 GiB */
#define TR_CR0          (TR_DATA + 0x1c)
#define TR_CR4          (TR_DATA + 0x20)
#define TR_EFER         (TR_DATA + 0x24)
#define TR_KERNEL_CR3   (TR_DATA + 0x28)
#define TR_STACK        (TR_DATA + 0x30)
#define TR_PERCPU       (TR_DATA + 0x38)
#define TR_ENTRY        (TR_DATA + 0x40)
#define TR_STARTED      (TR_DATA + 0x48)  /* the AP writes 1 in long mode */
#define TR_GDT          (TR_DATA + 0x50)  /* 4 descriptors */
#define TR_DATA_END     (TR_DATA + 0x70)

/* Selectors of the trampoline's GDT. */
#define TR_SEL_CODE32   0x08
#define TR_SEL_DATA     0x10
#define TR_SEL_CODE64   0x18

#ifndef __ASSEMBLY__
#include <kernel/acpi.h>
#include <kernel/types.h>

#define MAX_IOAPICS 8
#define MADT_ISA_IRQS 16

/* MPS INTI flags of an interrupt source override (ACPI 6.4, table 5.26;
 * MPS 1.4 table 4-10): polarity in bits 0-1, trigger mode in bits 2-3,
 * 0 meaning "as the bus says" (ISA: active high, edge). */
#define MADT_INTI_POLARITY      0x3
#define MADT_INTI_ACTIVE_HIGH   0x1
#define MADT_INTI_ACTIVE_LOW    0x3
#define MADT_INTI_TRIGGER       0xc
#define MADT_INTI_EDGE          0x4
#define MADT_INTI_LEVEL         0xc

/* What the MADT (ACPI 6.4, 5.2.12) says about interrupt controllers. */
struct madt_info {
	paddr_t lapic_base;             /* local APIC registers */
	unsigned cpu_count;             /* usable CPUs listed, <= MAX_CPUS */
	unsigned cpus_left_off;         /* usable CPUs beyond MAX_CPUS */
	uint32_t apic_ids[MAX_CPUS];    /* in MADT order */
	unsigned ioapic_count;
	struct {
		uint32_t id;
		paddr_t base;
		uint32_t gsi_base;      /* first global system interrupt */
	} ioapics[MAX_IOAPICS];
	/* Where each ISA IRQ arrives: global system interrupt isa[i].gsi,
	 * with the MPS INTI flags isa[i].flags (MADT_INTI_*; 0: the ISA
	 * default, edge and active high).  Identity unless an Interrupt
	 * Source Override (ACPI 6.4, 5.2.12.5) says otherwise. */
	struct {
		uint32_t gsi;
		uint16_t flags;
	} isa[MADT_ISA_IRQS];
};

/* Parse a MADT already found (its checksum and length are checked again
 * here, so a crafted table can be fed straight in).  Returns true and
 * fills *out, or false with *why for a malformed table. */
bool madt_parse(const struct acpi_sdt_header *madt, struct madt_info *out,
		const char **why) __must_check;

/* The CPUs to bring up: from the MADT reached through the RSDP at
 * rsdp_pa, with the boot CPU (bsp_apic_id) first.  With no usable MADT
 * (absent, corrupt, or not listing the boot CPU) logs why and returns the
 * boot CPU alone. */
void madt_discover(paddr_t rsdp_pa, uint32_t bsp_apic_id, struct madt_info *out);

/* First C code of an AP (entry.S: ap_entry64), on its boot stack with the
 * kernel's page tables; never returns. */
__noreturn void arch_ap_main(struct percpu *c);

/* The CPU layout found at boot, and the trampoline's first page (below
 * 1 MiB; 0 if APs were never started) (smp.c). */
extern struct madt_info smp_madt;
extern paddr_t smp_trampoline;
#endif /* __ASSEMBLY__ */

#endif /* ARCH_SMP_H */
