/*
 * The local APIC timer (Intel SDM vol. 3A, 11.5.4), inter-processor
 * interrupts (11.6) and the legacy PICs.
 *
 * The 8259 PICs are remapped out of the exception range and masked: every
 * interrupt comes through the APICs.  The APIC timer and the TSC are
 * calibrated against PIT channel 2 (8254 data sheet: 1.193182 MHz), then the
 * timer runs periodically at TIMER_HZ on vector VEC_TIMER until the
 * scheduler takes it over in one-shot mode (arch_timer_oneshot: it
 * programs the next event itself, kernel/sched.h).
 */
#include <arch/x86.h>
#include <kernel/arch.h>
#include <kernel/log.h>
#include <kernel/panic.h>

#define TIMER_HZ        100
#define PIT_HZ          1193182
#define CALIBRATE_MS    2      /* 2,386 PIT counts: 0.05% */

#define APIC_ID         0x020
#define APIC_TPR        0x080
#define APIC_EOI        0x0b0
#define APIC_SVR        0x0f0
#define APIC_ESR        0x280
#define APIC_ICR_LOW    0x300
#define APIC_ICR_HIGH   0x310
#define APIC_LVT_TIMER  0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR  0x390
#define APIC_TIMER_DIV  0x3e0
#define APIC_SVR_ENABLE (1u << 8)
#define LVT_MASKED      (1u << 16)
#define LVT_PERIODIC    (1u << 17)
#define DIV_BY_16       0x3
#define ICR_PENDING     (1u << 12)      /* delivery status: send pending */

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1
#define PIC_VECTOR_BASE 0xe0

static volatile uint32_t *apic_regs;
static volatile uint64_t ticks;      /* timer interrupts since apic_init */
static void (*ticks_hook)(void);     /* the scheduler's, once it runs */
static uint64_t apic_timer_hz;       /* APIC timer input clock / 16 */
static uint64_t tsc_freq;
static uint64_t ns_per_tsc_32;       /* ns per TSC tick, fixed point 32.32 */

static inline uint32_t apic_read(uint32_t reg)
{
	return apic_regs[reg / 4];
}

static inline void apic_write(uint32_t reg, uint32_t v)
{
	apic_regs[reg / 4] = v;
}

/* Remap the 8259s to PIC_VECTOR_BASE.. and mask every line (ICW1-ICW4,
 * 8259A data sheet). */
static void pic_disable(void)
{
	outb(PIC1_CMD, 0x11);
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, PIC_VECTOR_BASE);
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	outb(PIC1_DATA, 4);
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, 1);
	outb(PIC2_DATA, 1);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

/* Count APIC timer ticks (divide 16) and TSC cycles over CALIBRATE_MS of
 * PIT channel 2 in mode 0 (interrupt on terminal count; OUT2 is read back
 * through port 0x61 bit 5). */
static void apic_calibrate(void)
{
	uint16_t count = PIT_HZ * CALIBRATE_MS / 1000;
	uint32_t apic_start = 0xffffffffu;
	uint64_t tsc0, tsc1;
	uint32_t apic_end;

	outb(0x61, (inb(0x61) & ~0x03) | 0x00);      /* gate low, speaker off */
	outb(0x43, 0xb0);                            /* ch2, lo/hi, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	apic_write(APIC_TIMER_DIV, DIV_BY_16);
	apic_write(APIC_LVT_TIMER, LVT_MASKED);
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);      /* gate high: count */
	apic_write(APIC_TIMER_INIT, apic_start);
	tsc0 = rdtsc();
	while (!(inb(0x61) & 0x20))
		arch_cpu_relax();
	apic_end = apic_read(APIC_TIMER_CUR);
	tsc1 = rdtsc();
	apic_write(APIC_TIMER_INIT, 0);
	apic_timer_hz = (uint64_t)(apic_start - apic_end) * 1000 / CALIBRATE_MS;
	tsc_freq = (tsc1 - tsc0) * 1000 / CALIBRATE_MS;
	if (tsc_freq)
		ns_per_tsc_32 = (uint64_t)(((__uint128_t)1000000000ULL << 32) / tsc_freq);
	if (apic_timer_hz < TIMER_HZ)
		panic("apic: timer calibration failed (%lu Hz)", apic_timer_hz);
}

static bool apic_timer_irq(struct trap_frame *tf)
{
	(void)tf;
	ticks++;
	apic_write(APIC_EOI, 0);
	if (ticks_hook)
		ticks_hook();
	return true;
}

static bool pic_spurious(struct trap_frame *tf)
{
	(void)tf;
	return true;    /* masked 8259 lines can still raise IRQ 7/15 */
}

void apic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	pic_disable();
	trap_set_handler(PIC_VECTOR_BASE + 7, pic_spurious);
	trap_set_handler(PIC_VECTOR_BASE + 15, pic_spurious);
	wrmsr(MSR_APIC_BASE, base | (1u << 11));     /* global enable */
	apic_regs = (volatile uint32_t *)arch_map_mmio(base & 0xffffff000ULL, PAGE_SIZE);
	if (!apic_regs)
		panic("apic: cannot map the local APIC");
	apic_write(APIC_SVR, APIC_SVR_ENABLE | VEC_SPURIOUS);
	apic_calibrate();
	trap_set_handler(VEC_TIMER, apic_timer_irq);
	apic_write(APIC_TIMER_DIV, DIV_BY_16);
	apic_write(APIC_LVT_TIMER, VEC_TIMER | LVT_PERIODIC);
	apic_write(APIC_TIMER_INIT, (uint32_t)(apic_timer_hz / TIMER_HZ));
	klog(LOG_INFO, "apic: id %u, timer %lu Hz (bus/16), tick %d Hz, TSC %lu MHz\n",
	     apic_read(APIC_ID) >> 24, apic_timer_hz, TIMER_HZ, tsc_freq / 1000000);
}

/* On an AP: the local APIC on, its timer masked (the scheduler does not
 * run on APs yet), every interrupt class accepted (TPR 0). */
void apic_init_ap(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));
	apic_write(APIC_SVR, APIC_SVR_ENABLE | VEC_SPURIOUS);
	apic_write(APIC_LVT_TIMER, LVT_MASKED);  /* until the scheduler runs */
	apic_write(APIC_TIMER_DIV, DIV_BY_16);  /* as calibrated on the boot CPU */
	apic_write(APIC_TPR, 0);
	apic_write(APIC_ESR, 0);        /* back-to-back writes clear it (11.5.3) */
	apic_write(APIC_ESR, 0);
}

/* This CPU's local APIC ID (bits 31:24 of the ID register, xAPIC mode). */
uint32_t apic_id(void)
{
	return apic_read(APIC_ID) >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

/* Send an IPI: wait until the previous one left, then the destination
 * (ICR high) and the command (ICR low, which sends it; SDM 11.6.1).
 * Interrupts are off across the two writes so that a handler sending an
 * IPI of its own cannot change the destination in between.  Returns once
 * the local APIC has sent it (delivery status idle). */
void apic_send_ipi(uint32_t dest_apic_id, uint32_t icr_low)
{
	irqstate_t s = arch_irq_save();

	while (apic_read(APIC_ICR_LOW) & ICR_PENDING)
		arch_cpu_relax();
	apic_write(APIC_ICR_HIGH, dest_apic_id << 24);
	apic_write(APIC_ICR_LOW, icr_low);
	while (apic_read(APIC_ICR_LOW) & ICR_PENDING)
		arch_cpu_relax();
	arch_irq_restore(s);
}

/* Busy-wait at least `us` microseconds on the calibrated TSC. */
void apic_delay_us(uint64_t us)
{
	uint64_t start = rdtsc(), cycles = tsc_freq / 1000000 * us;

	while (rdtsc() - start < cycles)
		arch_cpu_relax();
}

uint64_t apic_ticks(void)
{
	return ticks;
}

uint64_t tsc_hz(void)
{
	return tsc_freq;
}

static uint64_t boot_tsc;

void arch_mark_boot_time(void)
{
	boot_tsc = rdtsc();
}

uint64_t arch_uptime_us(void)
{
	uint64_t d = rdtsc() - boot_tsc;

	if (!tsc_freq)
		return 0;
	return d / tsc_freq * 1000000 + d % tsc_freq * 1000000 / tsc_freq;
}

/* One multiplication: the scheduler reads the time at every switch. */
int64_t arch_now_ns(void)
{
	uint64_t d = rdtsc() - boot_tsc;

	return (int64_t)(((__uint128_t)d * ns_per_tsc_32) >> 32);
}

void arch_timer_oneshot(int64_t ns)
{
	uint64_t count;

	ns = ns < 0 ? 0 : ns > 1000000000LL ? 1000000000LL : ns;
	count = (uint64_t)ns * apic_timer_hz / 1000000000ULL;
	apic_write(APIC_LVT_TIMER, VEC_TIMER);      /* one-shot (each CPU's) */
	apic_write(APIC_TIMER_INIT, (uint32_t)(count ? count : 1));
}

void arch_set_tick_hook(void (*fn)(void))
{
	ticks_hook = fn;
}
