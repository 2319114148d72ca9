/*
 * COM1 16550 UART, the kernel's own debug console (polled, no interrupts).
 * Register layout per the PC16550D data sheet.  The user-level UART driver
 * of later issues takes COM2 or shares nothing with this one.
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
