/*
 * Device interrupts through the I/O APICs, and I/O-port access, for
 * user-level drivers (kernel/arch.h, docs/drivers.md).
 *
 * Every I/O APIC the MADT lists (smp_madt, madt.c) has all its inputs
 * masked at boot; an input is unmasked only while an IRQ object binds it.
 * Global system interrupt g is delivered on vector VEC_IRQ_BASE + g, fixed
 * mode, physical destination: the boot CPU.  The handler masks the input,
 * calls the binder's function (the IRQ object raises its signal) and
 * sends the EOI; the input stays masked until arch_irq_unmask.
 *
 * Register access (82093AA I/O APIC data sheet, 3.0): write the register
 * index to IOREGSEL (offset 0x00), then read or write IOWIN (offset
 * 0x10).  Redirection entry n is registers 0x10 + 2n (low dword: vector
 * 7:0, delivery mode 10:8, destination mode 11, polarity 13 (1 = active
 * low), trigger mode 15 (1 = level), mask 16) and 0x11 + 2n (destination
 * APIC id in bits 31:24).  Register 0x01 bits 23:16 hold the number of the
 * last redirection entry.
 *
 * Locking: ioapic_lock (interrupts off) guards the two-step register
 * access and bindings[]; the handler calls fn with it held, so that after
 * arch_irq_unbind returns fn is neither running nor called again.
 */
#include <arch/smp.h>
#include <arch/x86.h>
#include <kernel/arch.h>
#include <kernel/log.h>
#include <kernel/spinlock.h>
#include <mantra/errors.h>
#include <mantra/types.h>

#define IOREGSEL        0x00
#define IOWIN           0x10
#define IOAPIC_VER      0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define RTE_POLARITY_LOW (1u << 13)
#define RTE_LEVEL       (1u << 15)
#define RTE_MASKED      (1u << 16)

/* Inputs the kernel can route: one vector each, VEC_IRQ_BASE.. */
#define GSI_MAX         VEC_IRQ_COUNT

struct ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base;
	uint32_t inputs;                /* redirection entries */
};

struct irq_binding {
	void (*fn)(void *ctx);          /* NULL: the input is free */
	void *ctx;
	uint32_t rte_low;               /* the entry, unmasked */
};

static struct ioapic ioapics[MAX_IOAPICS];
static unsigned ioapic_count;
static uint32_t gsi_end;                /* inputs 0..gsi_end-1 may exist */
static struct irq_binding bindings[GSI_MAX];
static spinlock_t ioapic_lock = SPINLOCK_INIT_RANK("ioapic", LOCK_RANK_IOAPIC);

/* ---- I/O ports ----------------------------------------------------------- */

uint32_t arch_ioport_read(uint32_t port, uint32_t width)
{
	uint16_t p = (uint16_t)port;
	uint32_t v = 0;

	if (width == 1)
		v = inb(p);
	else if (width == 2)
		__asm__ volatile("inw %1, %w0" : "=a"(v) : "Nd"(p));
	else if (width == 4)
		__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p));
	return v;
}

void arch_ioport_write(uint32_t port, uint32_t width, uint32_t value)
{
	uint16_t p = (uint16_t)port;

	if (width == 1)
		outb(p, (uint8_t)value);
	else if (width == 2)
		__asm__ volatile("outw %w0, %1" :: "a"(value), "Nd"(p));
	else if (width == 4)
		outl(p, value);
}

/* ---- I/O APIC registers ------------------------------------------------- */

/* Caller holds ioapic_lock (or runs before anything else can). */
static uint32_t ioapic_read(const struct ioapic *io, uint32_t reg)
{
	io->regs[IOREGSEL / 4] = reg;
	return io->regs[IOWIN / 4];
}

static void ioapic_write(const struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->regs[IOREGSEL / 4] = reg;
	io->regs[IOWIN / 4] = v;
}

/* The I/O APIC with input `gsi`, or NULL. */
static const struct ioapic *ioapic_of(uint32_t gsi)
{
	for (unsigned i = 0; i < ioapic_count; i++)
		if (gsi >= ioapics[i].gsi_base &&
		    gsi - ioapics[i].gsi_base < ioapics[i].inputs)
			return &ioapics[i];
	return NULL;
}

/* Write input gsi's entry; ioapic_lock held.  The high half (the
 * destination) first, so that an unmasked low half never points at a
 * stale CPU. */
static void ioapic_set_entry(uint32_t gsi, uint32_t low)
{
	const struct ioapic *io = ioapic_of(gsi);
	uint32_t n;

	if (!io)
		return;
	n = gsi - io->gsi_base;
	ioapic_write(io, IOAPIC_REDTBL(n) + 1, smp_madt.apic_ids[0] << 24);
	ioapic_write(io, IOAPIC_REDTBL(n), low);
}

/* ---- interrupts ---------------------------------------------------------- */

/* A bound input fired: mask it, tell the binder, acknowledge.  A vector
 * whose input is not bound (it was unbound while the interrupt was on its
 * way) is just acknowledged; its input is masked already. */
static bool ioapic_irq(struct trap_frame *tf)
{
	uint32_t gsi = (uint32_t)tf->vector - VEC_IRQ_BASE;

	spin_lock(&ioapic_lock);
	if (gsi < GSI_MAX && bindings[gsi].fn) {
		ioapic_set_entry(gsi, bindings[gsi].rte_low | RTE_MASKED);
		bindings[gsi].fn(bindings[gsi].ctx);
	}
	spin_unlock(&ioapic_lock);
	apic_eoi();
	return true;
}

/* Map one I/O APIC, count its inputs and mask them all. */
static void ioapic_add(paddr_t base, uint32_t gsi_base)
{
	struct ioapic *io = &ioapics[ioapic_count];
	uint32_t last;

	io->regs = (volatile uint32_t *)arch_map_mmio(base, PAGE_SIZE);
	if (!io->regs) {
		klog(LOG_WARN, "ioapic: cannot map the I/O APIC at %#lx\n", base);
		return;
	}
	last = (ioapic_read(io, IOAPIC_VER) >> 16) & 0xff;
	io->gsi_base = gsi_base;
	io->inputs = last + 1;
	for (uint32_t n = 0; n < io->inputs; n++)
		ioapic_write(io, IOAPIC_REDTBL(n), RTE_MASKED);
	if (gsi_base + io->inputs > gsi_end)
		gsi_end = gsi_base + io->inputs;
	ioapic_count++;
}

void arch_irq_init(void)
{
	for (unsigned i = 0; i < smp_madt.ioapic_count; i++)
		ioapic_add(smp_madt.ioapics[i].base, smp_madt.ioapics[i].gsi_base);
	if (gsi_end > GSI_MAX)
		gsi_end = GSI_MAX;
	for (uint32_t g = 0; g < GSI_MAX; g++)
		trap_set_handler(VEC_IRQ_BASE + (int)g, ioapic_irq);
	if (ioapic_count)
		klog(LOG_INFO, "ioapic: %u I/O APIC%s, %u inputs, all masked\n",
		     ioapic_count, ioapic_count == 1 ? "" : "s", gsi_end);
	else
		klog(LOG_WARN, "ioapic: no I/O APIC: no device interrupts\n");
}

uint32_t arch_irq_line_count(void)
{
	if (!ioapic_count)
		return 0;
	return gsi_end > MADT_ISA_IRQS ? gsi_end : MADT_ISA_IRQS;
}

/* The input of `line` and its polarity and trigger bits: an ISA IRQ
 * through the MADT's overrides (edge and active high unless they say
 * otherwise), or a global system interrupt, level-triggered and active
 * low as PCI's are. */
static uint32_t line_route(uint32_t line, uint32_t *gsi)
{
	uint32_t low = 0;
	uint16_t fl;

	if (line >= MADT_ISA_IRQS) {
		*gsi = line;
		return RTE_LEVEL | RTE_POLARITY_LOW;
	}
	*gsi = smp_madt.isa[line].gsi;
	fl = smp_madt.isa[line].flags;
	if ((fl & MADT_INTI_POLARITY) == MADT_INTI_ACTIVE_LOW)
		low |= RTE_POLARITY_LOW;
	if ((fl & MADT_INTI_TRIGGER) == MADT_INTI_LEVEL)
		low |= RTE_LEVEL;
	return low;
}

int64_t arch_irq_bind(uint32_t line, void (*fn)(void *ctx), void *ctx)
{
	uint32_t gsi, low = line_route(line, &gsi);
	int64_t r = MT_OK;

	if (gsi >= GSI_MAX || !ioapic_of(gsi))
		return MT_ERR_NOT_SUPPORTED;
	low |= VEC_IRQ_BASE + gsi;      /* fixed delivery, physical */
	spin_lock(&ioapic_lock);
	if (bindings[gsi].fn) {
		r = MT_ERR_ALREADY_EXISTS;
	} else {
		bindings[gsi] = (struct irq_binding){ fn, ctx, low };
		ioapic_set_entry(gsi, low);
	}
	spin_unlock(&ioapic_lock);
	return r;
}

/* Unmask a bound line, or (unbind) mask it and forget its binding. */
static void line_release(uint32_t line, bool unbind)
{
	uint32_t gsi;

	(void)line_route(line, &gsi);
	if (gsi >= GSI_MAX)
		return;
	spin_lock(&ioapic_lock);
	if (bindings[gsi].fn) {
		ioapic_set_entry(gsi, bindings[gsi].rte_low | (unbind ? RTE_MASKED : 0));
		if (unbind)
			bindings[gsi] = (struct irq_binding){ 0 };
	}
	spin_unlock(&ioapic_lock);
}

void arch_irq_unmask(uint32_t line)
{
	line_release(line, false);
}

void arch_irq_unbind(uint32_t line)
{
	line_release(line, true);
}
