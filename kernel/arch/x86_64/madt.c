/*
 * The Multiple APIC Description Table (ACPI 6.4, 5.2.12): the local APIC
 * of every processor and the I/O APICs.  Firmware input, checked like the
 * other tables: a bad MADT leaves the kernel on the boot CPU, never a
 * panic.
 */
#include <arch/smp.h>
#include <kernel/log.h>
#include <string/string.h>

#define MADT_LOCAL_APIC     0   /* 5.2.12.2 */
#define MADT_IO_APIC        1   /* 5.2.12.3 */
#define MADT_ISO            2   /* 5.2.12.5: interrupt source override */
#define MADT_LAPIC_OVERRIDE 5   /* 5.2.12.8: 64-bit local APIC address */
#define MADT_LOCAL_X2APIC   9   /* 5.2.12.12 */
#define LAPIC_ENABLED       (1u << 0)
#define LAPIC_ONLINE_CAPABLE (1u << 1)

struct madt {
	struct acpi_sdt_header h;
	uint32_t lapic_base;
	uint32_t flags;
} __attribute__((packed));

struct madt_lapic {
	uint8_t type, length, processor_uid, apic_id;
	uint32_t flags;
} __attribute__((packed));

struct madt_ioapic {
	uint8_t type, length, id, reserved;
	uint32_t base;
	uint32_t gsi_base;
} __attribute__((packed));

struct madt_iso {
	uint8_t type, length;
	uint8_t bus;                    /* 0: ISA */
	uint8_t source;                 /* the bus's IRQ */
	uint32_t gsi;
	uint16_t flags;                 /* MADT_INTI_* */
} __attribute__((packed));

struct madt_lapic_override {
	uint8_t type, length;
	uint16_t reserved;
	uint64_t base;
} __attribute__((packed));

/* Record one processor entry.  Only enabled ones count: online-capable
 * processors need hot-plug, which the kernel does not do. */
static void madt_add_cpu(struct madt_info *out, const struct madt_lapic *e)
{
	if (!(e->flags & LAPIC_ENABLED))
		return;
	for (unsigned i = 0; i < out->cpu_count; i++)
		if (out->apic_ids[i] == e->apic_id)
			return;         /* listed twice: once is enough */
	if (out->cpu_count == MAX_CPUS)
		out->cpus_left_off++;
	else
		out->apic_ids[out->cpu_count++] = e->apic_id;
}

static void madt_add_ioapic(struct madt_info *out, const struct madt_ioapic *e)
{
	if (out->ioapic_count == MAX_IOAPICS)
		return;
	out->ioapics[out->ioapic_count].id = e->id;
	out->ioapics[out->ioapic_count].base = e->base;
	out->ioapics[out->ioapic_count].gsi_base = e->gsi_base;
	out->ioapic_count++;
}

/* ISA IRQs arrive at the inputs of the same number, bus defaults. */
static void madt_isa_identity(struct madt_info *out)
{
	for (uint32_t i = 0; i < MADT_ISA_IRQS; i++) {
		out->isa[i].gsi = i;
		out->isa[i].flags = 0;
	}
}

/* An override of an ISA IRQ; others (no other bus is defined) and
 * overrides of IRQs past 15 are ignored. */
static void madt_add_iso(struct madt_info *out, const struct madt_iso *e)
{
	if (e->bus != 0 || e->source >= MADT_ISA_IRQS)
		return;
	out->isa[e->source].gsi = e->gsi;
	out->isa[e->source].flags = e->flags;
}

/* Minimum length of an entry of each type this parser reads. */
static size_t madt_entry_min(uint8_t type)
{
	switch (type) {
	case MADT_LOCAL_APIC: return sizeof(struct madt_lapic);
	case MADT_IO_APIC: return sizeof(struct madt_ioapic);
	case MADT_ISO: return sizeof(struct madt_iso);
	case MADT_LAPIC_OVERRIDE: return sizeof(struct madt_lapic_override);
	default: return 2;
	}
}

bool madt_parse(const struct acpi_sdt_header *t, struct madt_info *out,
		const char **why)
{
	const struct madt *m = (const struct madt *)t;
	const uint8_t *p, *end;

	memset(out, 0, sizeof(*out));
	if (memcmp(t->signature, "APIC", 4) != 0 || t->length < sizeof(*m) ||
	    t->length > ACPI_TABLE_MAX) {
		*why = "MADT signature or length is wrong";
		return false;
	}
	if (!acpi_checksum_ok(t, t->length)) {
		*why = "MADT checksum is wrong";
		return false;
	}
	out->lapic_base = m->lapic_base;
	madt_isa_identity(out);
	p = (const uint8_t *)(m + 1);
	end = (const uint8_t *)t + t->length;
	while (p < end) {
		if (end - p < 2 || p[1] < madt_entry_min(p[0]) || p[1] > end - p) {
			*why = "MADT entry overruns the table";
			return false;
		}
		if (p[0] == MADT_LOCAL_APIC)
			madt_add_cpu(out, (const struct madt_lapic *)p);
		else if (p[0] == MADT_IO_APIC)
			madt_add_ioapic(out, (const struct madt_ioapic *)p);
		else if (p[0] == MADT_ISO)
			madt_add_iso(out, (const struct madt_iso *)p);
		else if (p[0] == MADT_LAPIC_OVERRIDE)
			out->lapic_base = ((const struct madt_lapic_override *)p)->base;
		p += p[1];
	}
	return true;
}

/* Move the boot CPU to slot 0; false if the MADT does not list it. */
static bool madt_boot_cpu_first(struct madt_info *m, uint32_t bsp)
{
	for (unsigned i = 0; i < m->cpu_count; i++) {
		if (m->apic_ids[i] != bsp)
			continue;
		m->apic_ids[i] = m->apic_ids[0];
		m->apic_ids[0] = bsp;
		return true;
	}
	return false;
}

void madt_discover(paddr_t rsdp_pa, uint32_t bsp_apic_id, struct madt_info *out)
{
	const char *why = "";
	const struct acpi_sdt_header *t = acpi_find_table(rsdp_pa, "APIC", &why);

	if (t && madt_parse(t, out, &why)) {
		if (madt_boot_cpu_first(out, bsp_apic_id)) {
			if (out->cpus_left_off)
				klog(LOG_WARN, "smp: %u CPUs beyond the %d supported left off\n",
				     out->cpus_left_off, MAX_CPUS);
			return;
		}
		why = "MADT does not list the boot CPU";
	}
	klog(LOG_WARN, "smp: MADT refused (%s): running on the boot CPU only\n", why);
	memset(out, 0, sizeof(*out));
	madt_isa_identity(out);
	out->cpu_count = 1;
	out->apic_ids[0] = bsp_apic_id;
}
