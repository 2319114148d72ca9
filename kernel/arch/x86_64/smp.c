/*
 * Multiprocessor bring-up and inter-processor interrupts (docs/smp.md).
 *
 * The boot CPU finds the other CPUs in the MADT (madt.c), copies the
 * real-mode trampoline (trampoline.S) to free pages below 1 MiB and starts
 * each AP in turn with INIT-SIPI-SIPI (SDM vol. 3A 9.4.4.1), waiting for it
 * to come online before the next one, so one trampoline data block
 * serves all.  An AP sets up its own GDT, TSS, GS base, SYSCALL MSRs,
 * IDT and local APIC (arch_ap_main), marks itself online and parks: it
 * halts with interrupts enabled and only answers IPIs.
 *
 * CPU numbers are dense: CPU 0 is the boot CPU and CPUs 1 to
 * arch_cpu_count() - 1 the APs that came online, in MADT order; an AP that
 * fails to start is logged and skipped without taking a number.
 */
#include <arch/smp.h>
#include <arch/x86.h>
#include <kernel/arch.h>
#include <kernel/bkl.h>
#include <kernel/boot.h>
#include <kernel/log.h>
#include <kernel/sched.h>
#include <kernel/mm.h>
#include <kernel/panic.h>
#include <kernel/pmm.h>
#include <string/string.h>

#define AP_STACK_SIZE    (4 * PAGE_SIZE)
#define TRAMPOLINE_PAGES 4              /* code and data, PML4, PDPT, PD */
#define INIT_DELAY_US    10000          /* SDM vol. 3A 9.4.4.1 */
#define SIPI_DELAY_US    200
#define AP_TIMEOUT_US    2000000        /* generous: TCG vCPUs share 2 cores */
#define MSR_PAT          0x277
#define EFER_LMA         (1ULL << 10)

/* Interrupt command register, low half (SDM vol. 3A 11.6.1). */
#define ICR_FIXED        0x000
#define ICR_NMI          0x400
#define ICR_INIT         0x500
#define ICR_STARTUP      0x600
#define ICR_ASSERT       (1u << 14)

/* The data block the trampoline reads (arch/smp.h: TR_*); every field is
 * naturally aligned, so no packing is needed. */
struct trampoline_data {
	uint16_t pad0;
	uint16_t gdt_limit;
	uint32_t gdt_base;
	uint32_t far32_offset;
	uint16_t far32_selector, pad1;
	uint32_t far64_offset;
	uint16_t far64_selector, pad2;
	uint32_t cr3, cr0, cr4, efer;
	uint64_t kernel_cr3, stack, percpu, entry;
	volatile uint32_t started;
	uint32_t pad3;
	uint64_t gdt[4];
};

#define TR_CHECK(field, off) \
	_Static_assert(TR_DATA + __builtin_offsetof(struct trampoline_data, field) == (off), \
		       "trampoline.S data block")
TR_CHECK(gdt_limit, TR_GDTR + 2);
TR_CHECK(far32_offset, TR_FAR32);
TR_CHECK(far64_offset, TR_FAR64);
TR_CHECK(cr3, TR_CR3);
TR_CHECK(cr0, TR_CR0);
TR_CHECK(cr4, TR_CR4);
TR_CHECK(efer, TR_EFER);
TR_CHECK(kernel_cr3, TR_KERNEL_CR3);
TR_CHECK(stack, TR_STACK);
TR_CHECK(percpu, TR_PERCPU);
TR_CHECK(entry, TR_ENTRY);
TR_CHECK(started, TR_STARTED);
TR_CHECK(gdt, TR_GDT);
_Static_assert(TR_DATA + sizeof(struct trampoline_data) == TR_DATA_END, "trampoline.S");
_Static_assert(ARCH_IPI_COUNT == ARRAY_SIZE(((struct percpu *)0)->ipis), "percpu.ipis");

extern const char smp_trampoline_start[], smp_trampoline_32[];
extern const char smp_trampoline_64[], smp_trampoline_end[];
extern void ap_entry64(void);

struct madt_info smp_madt;
paddr_t smp_trampoline;                 /* its first page; 0 until set up */
static volatile unsigned cpus_online = 1;
static uint64_t bsp_pat;

static const uint8_t ipi_vectors[ARCH_IPI_COUNT] = {
	[ARCH_IPI_RESCHEDULE] = VEC_IPI_RESCHED,
	[ARCH_IPI_CALL] = VEC_IPI_CALL,
};

unsigned arch_cpu_count(void)
{
	return __atomic_load_n(&cpus_online, __ATOMIC_ACQUIRE);
}

bool arch_cpu_online(unsigned cpu)
{
	return cpu < MAX_CPUS && __atomic_load_n(&percpu_area[cpu].online, __ATOMIC_ACQUIRE);
}

/* ---- Inter-processor interrupts and cross-calls ---- */

void arch_send_ipi(unsigned cpu, enum arch_ipi ipi)
{
	assert(ipi < ARCH_IPI_COUNT && arch_cpu_online(cpu));
	apic_send_ipi(percpu_area[cpu].apic_id, ICR_FIXED | ICR_ASSERT | ipi_vectors[ipi]);
}

/* A panic: every other CPU gets an NMI (which interrupts even a CPU
 * spinning with interrupts off), prints its backtrace and halts
 * (trap.c).  Waits up to a second for them. */
static volatile uint32_t nmi_stopped;

void arch_panic_stop_others(void)
{
	unsigned self = arch_cpu_id(), n = arch_cpu_count(), want = 0;

	for (unsigned cpu = 0; cpu < n; cpu++) {
		if (cpu == self)
			continue;
		apic_send_ipi(percpu_area[cpu].apic_id, ICR_NMI | ICR_ASSERT);
		want++;
	}
	for (uint64_t t0 = rdtsc(); __atomic_load_n(&nmi_stopped, __ATOMIC_ACQUIRE) < want &&
	     rdtsc() - t0 < tsc_hz(); )
		arch_cpu_relax();
}

void arch_panic_nmi_stopped(void)
{
	__atomic_add_fetch(&nmi_stopped, 1, __ATOMIC_RELEASE);
}

void arch_send_ipi_others(enum arch_ipi ipi)
{
	unsigned self = arch_cpu_id(), n = arch_cpu_count();

	for (unsigned cpu = 0; cpu < n; cpu++)
		if (cpu != self)
			arch_send_ipi(cpu, ipi);
}

/* Run the request in c's mailbox, if one is pending (on c, interrupts
 * disabled). */
static void mailbox_run(struct percpu *c)
{
	struct cpu_mailbox *m = &c->mailbox;
	uint64_t req = __atomic_load_n(&m->requested, __ATOMIC_ACQUIRE);

	if (req == m->taken)
		return;
	m->taken = req;
	m->fn(m->arg);
	__atomic_store_n(&m->done, req, __ATOMIC_RELEASE);
}

void arch_cpu_poll_calls(void)
{
	irqstate_t s = arch_irq_save();

	mailbox_run(percpu());
	arch_irq_restore(s);
}

/* ---- TLB shootdown ----
 * The page-table entries are already gone; each CPU that may cache them
 * drops them: page by page, or everything (but global kernel entries)
 * past TLB_FLUSH_PAGES. */
#define TLB_FLUSH_PAGES 32

struct tlb_flush {
	vaddr_t va;
	size_t len;
};

static void tlb_flush_here(void *arg)
{
	const struct tlb_flush *f = arg;

	if (f->len / PAGE_SIZE > TLB_FLUSH_PAGES) {
		if (f->va < MT_USER_TOP) {
			write_cr3(read_cr3());
		} else {                /* global entries too (SDM 4.10.4.1) */
			write_cr4(read_cr4() & ~CR4_PGE);
			write_cr4(read_cr4() | CR4_PGE);
		}
		return;
	}
	for (vaddr_t p = f->va; p < f->va + f->len; p += PAGE_SIZE)
		invlpg(p);
}

void arch_tlb_flush_cpu(unsigned cpu, vaddr_t va, size_t len)
{
	struct tlb_flush f = { va, len };

	(void)arch_cpu_call(cpu, tlb_flush_here, &f);
}

void arch_tlb_flush_others(vaddr_t va, size_t len)
{
	unsigned me = arch_cpu_id();

	for (unsigned c = 0; c < arch_cpu_count(); c++)
		if (c != me)
			arch_tlb_flush_cpu(c, va, len);
}


/* Run fn(arg) on `cpu` and wait until it has returned.  On this CPU it is
 * a plain call.  Interrupts are off while waiting, and the caller serves
 * its own mailbox meanwhile, so two CPUs calling each other (or fn calling
 * back) cannot deadlock.  Returns 0, or -1 if `cpu` is not online. */
int arch_cpu_call(unsigned cpu, void (*fn)(void *arg), void *arg)
{
	struct percpu *self;
	struct cpu_mailbox *m;
	irqstate_t s;
	uint64_t req;

	if (!arch_cpu_online(cpu))
		return -1;
	s = arch_irq_save();
	self = percpu();
	if (cpu == self->cpu) {
		fn(arg);
		arch_irq_restore(s);
		return 0;
	}
	m = &percpu_area[cpu].mailbox;
	while (__atomic_exchange_n(&m->lock, 1, __ATOMIC_ACQUIRE)) {
		mailbox_run(self);
		arch_cpu_relax();
	}
	m->fn = fn;
	m->arg = arg;
	req = m->requested + 1;
	__atomic_store_n(&m->requested, req, __ATOMIC_RELEASE);
	arch_send_ipi(cpu, ARCH_IPI_CALL);
	for (uint64_t t0 = rdtsc(); __atomic_load_n(&m->done, __ATOMIC_ACQUIRE) != req; ) {
		mailbox_run(self);
		arch_cpu_relax();
		if (rdtsc() - t0 > watchdog_seconds * tsc_hz())
			panic("watchdog: CPU %u did not answer CPU %u's cross-call "
			      "in %u s (deadlock)", cpu, self->cpu, watchdog_seconds);
	}
	__atomic_store_n(&m->lock, 0, __ATOMIC_RELEASE);
	arch_irq_restore(s);
	return 0;
}

/* A reschedule request: acted on where need_resched is checked (the way
 * back to user mode, the idle loop).  APs run no threads yet. */
static bool ipi_reschedule(struct trap_frame *tf)
{
	struct percpu *c = percpu();

	(void)tf;
	c->ipis[ARCH_IPI_RESCHEDULE]++;
	c->need_resched = 1;
	apic_eoi();
	return true;
}

static bool ipi_call(struct trap_frame *tf)
{
	struct percpu *c = percpu();

	(void)tf;
	c->ipis[ARCH_IPI_CALL]++;
	apic_eoi();
	mailbox_run(c);
	return true;
}

/* ---- Starting the APs ---- */

/* The highest TRAMPOLINE_PAGES whole pages of usable RAM below 1 MiB
 * (which the frame allocator never manages: pmm.h), page 0 left alone;
 * 0 if there are none. */
static paddr_t trampoline_find(void)
{
	const struct mantra_mmap_entry *mm = phys_to_virt(boot_info.mmap);
	uint64_t need = TRAMPOLINE_PAGES * PAGE_SIZE;
	paddr_t best = 0;

	for (uint32_t i = 0; i < boot_info.mmap_count; i++) {
		paddr_t lo = ALIGN_UP(mm[i].base, PAGE_SIZE);
		paddr_t hi = ALIGN_DOWN(mm[i].base + mm[i].length, PAGE_SIZE);

		if (mm[i].type != MANTRA_MEM_USABLE)
			continue;
		lo = lo < PAGE_SIZE ? PAGE_SIZE : lo;
		hi = hi > PMM_LOW_LIMIT ? PMM_LOW_LIMIT : hi;
		if (hi >= lo + need && hi - need > best)
			best = hi - need;
	}
	return best;
}

/* Copy the trampoline to low memory and fill in what every AP shares:
 * its GDT and jump targets, the boot CPU's CR0, CR4 and EFER, the page
 * tables.  False (logged) if there is no room below 1 MiB. */
static bool trampoline_setup(void)
{
	paddr_t pa = trampoline_find();
	struct trampoline_data *d;

	if (!pa) {
		klog(LOG_WARN, "smp: no free memory below 1 MiB for the AP trampoline\n");
		return false;
	}
	memcpy(phys_to_virt(pa), smp_trampoline_start,
	       (size_t)(smp_trampoline_end - smp_trampoline_start));
	d = phys_to_virt(pa + TR_DATA);
	d->gdt[0] = 0;
	d->gdt[TR_SEL_CODE32 >> 3] = 0x00cf9a000000ffffULL;     /* 32-bit code */
	d->gdt[TR_SEL_DATA >> 3] = 0x00cf92000000ffffULL;       /* data */
	d->gdt[TR_SEL_CODE64 >> 3] = 0x00af9a000000ffffULL;     /* 64-bit code */
	d->gdt_limit = sizeof(d->gdt) - 1;
	d->gdt_base = (uint32_t)(pa + TR_GDT);
	d->far32_offset = (uint32_t)(pa + (uintptr_t)(smp_trampoline_32 - smp_trampoline_start));
	d->far32_selector = TR_SEL_CODE32;
	d->far64_offset = (uint32_t)(pa + (uintptr_t)(smp_trampoline_64 - smp_trampoline_start));
	d->far64_selector = TR_SEL_CODE64;
	d->cr3 = (uint32_t)(pa + PAGE_SIZE);
	d->kernel_cr3 = paging_ap_tables(pa + PAGE_SIZE);
	d->cr0 = (uint32_t)read_cr0();
	d->cr4 = (uint32_t)read_cr4();
	d->efer = (uint32_t)(rdmsr(MSR_EFER) & ~EFER_LMA);
	d->entry = (uint64_t)ap_entry64;
	bsp_pat = rdmsr(MSR_PAT);
	smp_trampoline = pa;
	return true;
}

/* Spin until *flag is nonzero, at most AP_TIMEOUT_US. */
static bool wait_nonzero(const volatile uint32_t *flag)
{
	uint64_t start = arch_uptime_us();

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
		if (arch_uptime_us() - start > AP_TIMEOUT_US)
			return false;
	return true;
}

/* INIT-SIPI-SIPI (SDM vol. 3A 9.4.4.1; the second SIPI only if the first
 * went unanswered), then wait for c to come online.  NULL on success,
 * else why not; a CPU that failed gets INIT again, which stops it
 * wherever it got to, so a late start cannot use the next CPU's data. */
static const char *ap_boot(struct percpu *c)
{
	struct trampoline_data *d = phys_to_virt(smp_trampoline + TR_DATA);
	uint32_t vector = (uint32_t)(smp_trampoline >> 12);
	const char *why = NULL;

	d->stack = c->boot_stack;
	d->percpu = (uint64_t)c;
	__atomic_store_n(&d->started, 0, __ATOMIC_RELEASE);
	apic_send_ipi(c->apic_id, ICR_INIT | ICR_ASSERT);
	apic_delay_us(INIT_DELAY_US);
	for (int i = 0; i < 2 && !__atomic_load_n(&d->started, __ATOMIC_ACQUIRE); i++) {
		apic_send_ipi(c->apic_id, ICR_STARTUP | ICR_ASSERT | vector);
		apic_delay_us(SIPI_DELAY_US);
	}
	if (!wait_nonzero(&d->started))
		why = "did not start";
	else if (!wait_nonzero(&c->online))
		why = "started but did not come online";
	if (why)
		apic_send_ipi(c->apic_id, ICR_INIT | ICR_ASSERT);
	return why;
}

/* Start the AP with local APIC ID apic_id as the next CPU number. */
static void ap_start(uint32_t apic_id)
{
	unsigned cpu = cpus_online;
	struct percpu *c = &percpu_area[cpu];
	const char *why;

	memset(c, 0, sizeof(*c));
	c->self = c;
	c->cpu = cpu;
	c->apic_id = apic_id;
	c->boot_stack = arch_kstack_alloc(AP_STACK_SIZE);
	if (!c->boot_stack || !percpu_alloc_fault_stacks(c))
		why = "has no memory for its stacks";
	else
		why = ap_boot(c);
	if (!why) {
		__atomic_store_n(&cpus_online, cpu + 1, __ATOMIC_RELEASE);
		klog(LOG_INFO, "smp: CPU %u online (APIC id %u)\n", cpu, apic_id);
		return;
	}
	klog(LOG_WARN, "smp: the CPU with APIC id %u %s: left off\n", apic_id, why);
	percpu_free_fault_stacks(c);
	if (c->boot_stack)
		arch_kstack_free(c->boot_stack, AP_STACK_SIZE);
	memset(c, 0, sizeof(*c));
}

void arch_ap_start_all(void)
{
	unsigned n;

	trap_set_handler(VEC_IPI_RESCHED, ipi_reschedule);
	trap_set_handler(VEC_IPI_CALL, ipi_call);
	madt_discover(boot_info.rsdp, percpu_area[0].apic_id, &smp_madt);
	if (smp_madt.cpu_count > 1 && trampoline_setup())
		for (unsigned i = 1; i < smp_madt.cpu_count; i++)
			ap_start(smp_madt.apic_ids[i]);
	n = arch_cpu_count();
	klog(LOG_INFO, "smp: %u CPU%s online\n", n, n == 1 ? "" : "s");
}

/* An AP's per-CPU state, as the boot CPU's (the trampoline already copied
 * CR0, CR4 and EFER: NX, SMEP, SMAP, UMIP, WP, TS), then park. */
__noreturn void arch_ap_main(struct percpu *c)
{
	gdt_init(c);
	percpu_init(c);
	idt_load();
	wrmsr(MSR_PAT, bsp_pat);
	apic_init_ap();
	__atomic_store_n(&c->online, 1, __ATOMIC_RELEASE);
	sched_cpu_main(c->cpu);         /* parked until the scheduler starts */
}
