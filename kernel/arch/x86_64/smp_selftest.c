/* In-kernel smp.* tests of the x86_64 bring-up: every CPU the MADT lists is
 * online with its own per-CPU data and protections, IPIs reach each one,
 * and the MADT parser refuses crafted bad tables (falling back to the boot
 * CPU alone).  With `smp.expect=N` on the command line the CPU count must
 * also equal N (the test runner passes QEMU's -smp). */
#include <arch/cpu.h>
#include <arch/smp.h>
#include <arch/x86.h>
#include <kernel/arch.h>
#include <kernel/cmdline.h>
#include <kernel/ktest.h>
#include <kernel/mm.h>
#include <kernel/pmm.h>
#include <string/string.h>

#define MSR_PAT 0x277
#define IPI_WAIT_US 1000000

static unsigned parse_uint(const char *s)
{
	unsigned v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (unsigned)(*s++ - '0');
	return v;
}

KTEST(smp, all_cpus_online)
{
	unsigned n = arch_cpu_count();
	char want[12];

	KT_CHECK_EQ(n, smp_madt.cpu_count);
	if (cmdline_get("smp.expect", want, sizeof(want)))
		KT_CHECK_EQ(n, parse_uint(want));
	for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
		KT_CHECK_EQ(arch_cpu_online(cpu), cpu < n);
		if (cpu < n)
			KT_CHECK_EQ(percpu_area[cpu].cpu, cpu);
	}
	KT_CHECK_EQ(arch_cpu_id(), 0);
}

/* What a CPU sees of itself, read on that CPU. */
struct cpu_view {
	struct percpu *gs;
	uint64_t gdt_base, lstar, star, efer, cr0, cr4, pat;
	uint16_t tr;
	uint32_t apic_id;
	bool protections;
};

static void cpu_view_read(void *arg)
{
	struct cpu_view *v = arg;
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr;
	struct cpu_protection p;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("str %0" : "=r"(v->tr));
	v->gs = percpu();
	v->gdt_base = gdtr.base;
	v->lstar = rdmsr(MSR_LSTAR);
	v->star = rdmsr(MSR_STAR);
	v->efer = rdmsr(MSR_EFER);
	v->pat = rdmsr(MSR_PAT);
	v->cr0 = read_cr0();
	v->cr4 = read_cr4();
	v->apic_id = apic_id();
	v->protections = cpu_protection_active(&p);
}

KTEST(smp, cross_call_returns_apic_id)
{
	for (unsigned cpu = 0; cpu < arch_cpu_count(); cpu++) {
		struct cpu_view v = { .apic_id = ~0u };

		KT_CHECK_EQ(arch_cpu_call(cpu, cpu_view_read, &v), 0);
		KT_CHECK_EQ(v.apic_id, percpu_area[cpu].apic_id);
		for (unsigned other = 0; other < cpu; other++)
			KT_CHECK(percpu_area[other].apic_id != v.apic_id);
	}
}

KTEST(smp, percpu_data_distinct)
{
	for (unsigned cpu = 0; cpu < arch_cpu_count(); cpu++) {
		struct percpu *c = &percpu_area[cpu];
		struct cpu_view v;

		KT_CHECK_EQ(arch_cpu_call(cpu, cpu_view_read, &v), 0);
		KT_CHECK(v.gs == c && c->self == c);
		KT_CHECK_EQ(v.gdt_base, (uint64_t)c->gdt);
		KT_CHECK_EQ(v.tr, SEL_TSS);
		KT_CHECK(c->tss.ist[IST_DOUBLE_FAULT - 1] && c->tss.ist[IST_NMI - 1] &&
			 c->tss.ist[IST_MCE - 1]);
		for (unsigned other = 0; other < cpu; other++) {
			struct percpu *o = &percpu_area[other];
			KT_CHECK(o->tss.ist[IST_DOUBLE_FAULT - 1] != c->tss.ist[IST_DOUBLE_FAULT - 1]);
			KT_CHECK(o->boot_stack != c->boot_stack || cpu == 0);
		}
	}
}

KTEST(smp, protections_and_msrs_match_boot_cpu)
{
	struct cpu_view bsp;

	cpu_view_read(&bsp);
	KT_CHECK(bsp.protections);
	for (unsigned cpu = 1; cpu < arch_cpu_count(); cpu++) {
		struct cpu_view v;

		KT_CHECK_EQ(arch_cpu_call(cpu, cpu_view_read, &v), 0);
		KT_CHECK(v.protections);
		KT_CHECK_EQ(v.cr0, bsp.cr0);
		KT_CHECK_EQ(v.cr4, bsp.cr4);
		KT_CHECK_EQ(v.efer, bsp.efer);
		KT_CHECK_EQ(v.lstar, bsp.lstar);
		KT_CHECK_EQ(v.star, bsp.star);
		KT_CHECK_EQ(v.pat, bsp.pat);
	}
}

static uint64_t ipis_taken(unsigned cpu)
{
	return __atomic_load_n(&percpu_area[cpu].ipis[ARCH_IPI_RESCHEDULE], __ATOMIC_ACQUIRE);
}

/* Wait until `cpu` has taken more than `before` reschedule IPIs. */
static bool ipi_arrived(unsigned cpu, uint64_t before)
{
	uint64_t start = arch_uptime_us();

	while (ipis_taken(cpu) <= before)
		if (arch_uptime_us() - start > IPI_WAIT_US)
			return false;
	return true;
}

KTEST(smp, ipi_reaches_each_cpu)
{
	uint64_t before[MAX_CPUS];
	unsigned n = arch_cpu_count();

	for (unsigned cpu = 1; cpu < n; cpu++) {
		uint64_t b = ipis_taken(cpu);

		arch_send_ipi(cpu, ARCH_IPI_RESCHEDULE);
		KT_CHECK(ipi_arrived(cpu, b));
		KT_CHECK(percpu_area[cpu].need_resched);
	}
	for (unsigned cpu = 0; cpu < n; cpu++)
		before[cpu] = ipis_taken(cpu);
	arch_send_ipi_others(ARCH_IPI_RESCHEDULE);
	for (unsigned cpu = 1; cpu < n; cpu++)
		KT_CHECK(ipi_arrived(cpu, before[cpu]));
	KT_CHECK_EQ(ipis_taken(0), before[0]);
}

KTEST(smp, trampoline_below_1mib_not_managed)
{
	struct pmm_stats st;

	if (arch_cpu_count() == 1 && !smp_trampoline)
		return;         /* nothing was started */
	pmm_get_stats(&st);
	KT_CHECK(smp_trampoline >= PAGE_SIZE && smp_trampoline < PMM_LOW_LIMIT);
	KT_CHECK(smp_trampoline + 4 * PAGE_SIZE <= st.lowest);
	KT_CHECK(!pmm_page_is_allocated(smp_trampoline));
}

/* ---- The parser on crafted tables ---- */

struct table {
	uint8_t b[512];
	size_t len;
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void sdt_begin(struct table *t, const char *sig, size_t header)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, sig, 4);
	t->b[8] = 1;                    /* revision */
	t->len = header;
}

/* Set the length and make the checksum right. */
static void sdt_end(struct table *t)
{
	uint8_t sum = 0;

	put32(t->b + 4, (uint32_t)t->len);
	t->b[9] = 0;
	for (size_t i = 0; i < t->len; i++)
		sum += t->b[i];
	t->b[9] = (uint8_t)-sum;
}

static void madt_begin(struct table *t)
{
	sdt_begin(t, "APIC", 44);
	put32(t->b + 36, 0xfee00000);
	put32(t->b + 40, 1);            /* PC-AT compatible 8259s */
}

static void madt_lapic(struct table *t, uint8_t apic, uint32_t flags)
{
	uint8_t *e = t->b + t->len;

	e[0] = 0;
	e[1] = 8;
	e[2] = apic;                    /* processor UID */
	e[3] = apic;
	put32(e + 4, flags);
	t->len += 8;
}

static void madt_ioapic(struct table *t, uint8_t id, uint32_t base, uint32_t gsi)
{
	uint8_t *e = t->b + t->len;

	e[0] = 1;
	e[1] = 12;
	e[2] = id;
	put32(e + 4, base);
	put32(e + 8, gsi);
	t->len += 12;
}

/* madt_parse on a crafted table; the reason for a refusal is not checked. */
static bool parse(const struct table *t, struct madt_info *m)
{
	const char *why = "";

	return madt_parse((const struct acpi_sdt_header *)t->b, m, &why);
}

KTEST(smp, madt_parse_lists_enabled_cpus_and_ioapics)
{
	static struct table t;
	struct madt_info m;

	madt_begin(&t);
	madt_lapic(&t, 0, 1);
	madt_lapic(&t, 1, 1);
	madt_lapic(&t, 2, 0);           /* disabled */
	madt_lapic(&t, 3, 2);           /* online capable only: hot-plug */
	madt_ioapic(&t, 9, 0xfec00000, 0);
	madt_lapic(&t, 5, 1);
	madt_lapic(&t, 1, 1);           /* listed twice */
	sdt_end(&t);
	KT_CHECK(parse(&t, &m));
	KT_CHECK_EQ(m.lapic_base, 0xfee00000);
	KT_CHECK_EQ(m.cpu_count, 3);
	KT_CHECK_EQ(m.apic_ids[0], 0);
	KT_CHECK_EQ(m.apic_ids[1], 1);
	KT_CHECK_EQ(m.apic_ids[2], 5);
	KT_CHECK_EQ(m.ioapic_count, 1);
	KT_CHECK_EQ(m.ioapics[0].id, 9);
	KT_CHECK_EQ(m.ioapics[0].base, 0xfec00000);
	KT_CHECK_EQ(m.ioapics[0].gsi_base, 0);
}

KTEST(smp, madt_more_than_max_cpus_capped)
{
	static struct table t;
	struct madt_info m;

	madt_begin(&t);
	for (unsigned i = 0; i < MAX_CPUS + 4; i++)
		madt_lapic(&t, (uint8_t)i, 1);
	sdt_end(&t);
	KT_CHECK(parse(&t, &m));
	KT_CHECK_EQ(m.cpu_count, MAX_CPUS);
	KT_CHECK_EQ(m.cpus_left_off, 4);
}

KTEST(smp, madt_malformed_refused)
{
	static struct table t;
	struct madt_info m;

	madt_begin(&t);
	madt_lapic(&t, 0, 1);
	sdt_end(&t);
	t.b[t.len - 1] ^= 1;            /* checksum now wrong */
	KT_CHECK(!parse(&t, &m));
	madt_begin(&t);
	madt_lapic(&t, 0, 1);
	t.b[t.len - 7] = 200;           /* entry longer than the table */
	sdt_end(&t);
	KT_CHECK(!parse(&t, &m));
	madt_begin(&t);
	t.b[t.len] = 0x7f;              /* unknown type, length 0: would loop */
	t.len += 2;
	sdt_end(&t);
	KT_CHECK(!parse(&t, &m));
	madt_begin(&t);
	t.len = 40;                     /* shorter than the MADT header */
	sdt_end(&t);
	KT_CHECK(!parse(&t, &m));
}

/* RSDP (at 0), XSDT (at 64) naming the table at 128, in one frame. */
static void acpi_build(paddr_t pa, const struct table *madt, bool list_madt)
{
	uint8_t *p = phys_to_virt(pa);
	struct table xsdt;
	uint64_t madt_pa = pa + 128;
	uint8_t sum = 0;

	memset(p, 0, PAGE_SIZE);
	memcpy(p, "RSD PTR ", 8);
	p[15] = 2;
	put32(p + 20, 36);
	memcpy(p + 24, &(uint64_t){ pa + 64 }, 8);
	for (int i = 0; i < 20; i++)
		sum += p[i];
	p[8] = (uint8_t)-sum;
	sum = 0;
	for (int i = 0; i < 36; i++)
		sum += p[i];
	p[32] = (uint8_t)-sum;
	sdt_begin(&xsdt, "XSDT", 36);
	if (list_madt) {
		memcpy(xsdt.b + 36, &madt_pa, 8);
		xsdt.len += 8;
	}
	sdt_end(&xsdt);
	memcpy(p + 64, xsdt.b, xsdt.len);
	memcpy(p + 128, madt->b, madt->len);
}

KTEST(smp, corrupt_or_absent_madt_falls_back_to_one_cpu)
{
	static struct table t;
	struct madt_info m;
	paddr_t pa = pmm_alloc_page();
	uint8_t *p = phys_to_virt(pa);

	KT_CHECK(pa);
	madt_begin(&t);
	madt_lapic(&t, 7, 1);
	madt_lapic(&t, 3, 1);
	madt_lapic(&t, 4, 1);
	sdt_end(&t);
	acpi_build(pa, &t, true);
	madt_discover(pa, 3, &m);               /* good: the boot CPU first */
	KT_CHECK_EQ(m.cpu_count, 3);
	KT_CHECK_EQ(m.apic_ids[0], 3);
	madt_discover(pa, 9, &m);               /* does not list the boot CPU */
	KT_CHECK(m.cpu_count == 1 && m.apic_ids[0] == 9);
	p[128 + 50] ^= 0x40;                    /* MADT checksum broken */
	madt_discover(pa, 3, &m);
	KT_CHECK(m.cpu_count == 1 && m.apic_ids[0] == 3);
	acpi_build(pa, &t, false);              /* no MADT at all */
	madt_discover(pa, 3, &m);
	KT_CHECK(m.cpu_count == 1 && m.apic_ids[0] == 3);
	acpi_build(pa, &t, true);
	p[64 + 40] ^= 1;                        /* XSDT checksum broken */
	madt_discover(pa, 3, &m);
	KT_CHECK_EQ(m.cpu_count, 1);
	acpi_build(pa, &t, true);
	p[1] = 'x';                             /* RSDP signature broken */
	madt_discover(pa, 3, &m);
	KT_CHECK_EQ(m.cpu_count, 1);
	madt_discover(0, 3, &m);                /* no RSDP */
	KT_CHECK_EQ(m.cpu_count, 1);
	pmm_free_pages(pa, 1);
}
