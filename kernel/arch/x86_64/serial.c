/*
 * COM1 16550 UART, the kernel's own debug console: early boot messages and
 * panics.  Register layout per the PC16550D data sheet.
 *
 * After boot COM1 belongs to the user-level driver (drivers/uart16550,
 * docs/drivers.md), which programs it, owns its receive side and its
 * interrupt.  So the kernel only ever writes here: serial_init sets the
 * line up once at boot with interrupts off, and arch_console_write polls
 * LSR for room and writes THR.  It never reads RBR (the input is the
 * driver's), never touches IER after serial_init (the driver enables the
 * receive interrupt) and never binds IRQ 4.  Its log lines still appear,
 * interleaved with what the driver writes, until a log service takes
 * the log over; kernel output after boot is for diagnosis, not a console.
 */
#include <arch/x86.h>
#include <kernel/arch.h>

#define COM1 0x3f8
#define REG_DATA 0
#define REG_IER  1
#define REG_FCR  2
#define REG_LCR  3
#define REG_MCR  4
#define REG_LSR  5
#define LSR_THRE 0x20   /* transmit holding register empty */

void serial_init(void)
{
	outb(COM1 + REG_IER, 0x00);      /* no interrupts */
	outb(COM1 + REG_LCR, 0x80);      /* DLAB on: divisor follows */
	outb(COM1 + REG_DATA, 1);        /* 115200 baud */
	outb(COM1 + REG_IER, 0);
	outb(COM1 + REG_LCR, 0x03);      /* 8N1, DLAB off */
	outb(COM1 + REG_FCR, 0xc7);      /* FIFOs on and cleared */
	outb(COM1 + REG_MCR, 0x03);      /* DTR, RTS */
}

static void serial_putc(char c)
{
	for (int spin = 0; spin < 100000; spin++)
		if (inb(COM1 + REG_LSR) & LSR_THRE)
			break;
	outb(COM1 + REG_DATA, (uint8_t)c);
}

void arch_console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}
