/*
 * bin/uart16550: the user-level driver of a 16550 UART (PC16550D data
 * sheet), serving idl/console.idl.  The model for the drivers that follow:
 * docs/drivers.md describes the structure.
 *
 * Start-up handles (struct mt_startup): `ioports`, an I/O-port resource
 * covering the UART's eight registers (its base is the UART's base);
 * `irqs`, an interrupt-line resource covering its line (its first line);
 * `endpoint`, the endpoint to serve.  The driver binds the line to an IRQ
 * object and then closes the line resource: from then on it holds only
 * its ports and its interrupt (and what every process has).  Killed and
 * started again, it binds the line again: the kernel freed it when the
 * old IRQ object went with the old process.
 *
 * Threads:
 *   irq thread     waits on a port for MT_SIGNAL_IRQ packets of the IRQ
 *                  object, moves the received bytes into the ring, raises
 *                  the readable event and acknowledges the interrupt.
 *   server threads (UART_SERVERS, the first is main) receive calls on the
 *                  endpoint through the generated console dispatch.  A
 *                  read that has to wait for input waits on the readable
 *                  event in its own server thread, so up to
 *                  UART_SERVERS - 1 reads can wait while writes and other
 *                  calls are still served.
 *
 * Locking: rx_lock guards the ring and the readable signal (set while the
 * ring holds bytes); tx_lock keeps one write call's bytes together.  They
 * are user spin locks that yield while taken; holders never block.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <idl/console_server.h>
#include <libmantra/ipc.h>
#include <libmantra/mantra.h>

/* Registers (offsets from the base port; PC16550D table 2). */
#define UART_RBR 0      /* read: received byte (DLAB 0) */
#define UART_THR 0      /* write: byte to send (DLAB 0) */
#define UART_DLL 0      /* divisor latch low (DLAB 1) */
#define UART_IER 1      /* interrupt enable (DLAB 0) */
#define UART_DLM 1      /* divisor latch high (DLAB 1) */
#define UART_IIR 2      /* read: interrupt identification */
#define UART_FCR 2      /* write: FIFO control */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_REGS 8

#define IER_RX_AVAILABLE 0x01
#define FCR_ENABLE_CLEAR 0x07   /* FIFOs on, both cleared, trigger 1 byte */
#define LCR_DLAB        0x80
#define LCR_8N1         0x03
#define MCR_DTR_RTS_OUT2 0x0b   /* OUT2 gates the interrupt on PC boards */
#define LSR_DATA_READY  0x01
#define LSR_THR_EMPTY   0x20
#define DIVISOR_115200  1       /* 1.8432 MHz / (16 * 115200) */

#define UART_RING_SIZE  4096u
#define UART_SERVERS    3
#define UART_STACK_SIZE (64u * 1024u)
#define UART_THR_SPINS  100000  /* polls of LSR before yielding */
#define READABLE_SIGNAL (1u << 24)      /* user signal 0 (console.idl) */
#define IRQ_PACKET_KEY  1

struct uart_lock {
	volatile uint32_t taken;
};

struct uart {
	mt_handle_t ports;              /* I/O-port resource */
	uint32_t base;                  /* first port */
	mt_handle_t irq;                /* IRQ object */
	mt_handle_t port;               /* receives the IRQ object's packets */
	mt_handle_t readable;           /* event: READABLE_SIGNAL while buffered */
	mt_handle_t ep;                 /* the console endpoint */
	struct uart_lock rx_lock;       /* ring, head, count, readable */
	struct uart_lock tx_lock;       /* the transmitter */
	uint32_t head, count;           /* ring[head..head+count) (mod size) */
	uint64_t dropped;               /* bytes lost to a full ring */
	uint8_t ring[UART_RING_SIZE];
};

static struct uart uart;

/* ---- small helpers ------------------------------------------------------ */

static void lock_take(struct uart_lock *l)
{
	while (__atomic_exchange_n(&l->taken, 1, __ATOMIC_ACQUIRE))
		(void)mt_thread_yield();
}

static void lock_give(struct uart_lock *l)
{
	__atomic_store_n(&l->taken, 0, __ATOMIC_RELEASE);
}

static uint8_t reg_read(struct uart *u, uint32_t reg)
{
	mt_status_t v = mt_ioport_read(u->ports, u->base + reg, 1);

	return v < 0 ? 0 : (uint8_t)v;
}

static void reg_write(struct uart *u, uint32_t reg, uint8_t v)
{
	(void)mt_ioport_write(u->ports, u->base + reg, 1, v);
}

/* ---- the device ---------------------------------------------------------- */

/* 115200 8N1, FIFOs on, receive interrupt enabled (the IRQ object is bound
 * already, so no edge is lost). */
static void uart_setup(struct uart *u)
{
	reg_write(u, UART_IER, 0);
	reg_write(u, UART_LCR, LCR_DLAB);
	reg_write(u, UART_DLL, DIVISOR_115200);
	reg_write(u, UART_DLM, 0);
	reg_write(u, UART_LCR, LCR_8N1);
	reg_write(u, UART_FCR, FCR_ENABLE_CLEAR);
	reg_write(u, UART_MCR, MCR_DTR_RTS_OUT2);
	(void)reg_read(u, UART_IIR);
	reg_write(u, UART_IER, IER_RX_AVAILABLE);
}

/* Move every received byte into the ring (dropping what does not fit)
 * and raise the readable event if the ring holds any.  Reading RBR until
 * LSR says empty also lowers the UART's interrupt. */
static void uart_drain(struct uart *u)
{
	bool got = false;

	lock_take(&u->rx_lock);
	while (reg_read(u, UART_LSR) & LSR_DATA_READY) {
		uint8_t c = reg_read(u, UART_RBR);

		if (u->count == UART_RING_SIZE) {
			u->dropped++;
			continue;
		}
		u->ring[(u->head + u->count) % UART_RING_SIZE] = c;
		u->count++;
		got = true;
	}
	if (got)
		(void)mt_object_signal(u->readable, 0, READABLE_SIGNAL);
	lock_give(&u->rx_lock);
}

/* Take up to max bytes from the ring; clears the readable event when the
 * ring is left empty.  Returns how many. */
static uint32_t uart_take(struct uart *u, uint8_t *out, uint32_t max)
{
	uint32_t n = 0;

	lock_take(&u->rx_lock);
	while (n < max && u->count) {
		out[n++] = u->ring[u->head];
		u->head = (u->head + 1) % UART_RING_SIZE;
		u->count--;
	}
	if (!u->count)
		(void)mt_object_signal(u->readable, READABLE_SIGNAL, 0);
	lock_give(&u->rx_lock);
	return n;
}

/* Send one byte when the transmitter has room (polled: output is short
 * and the kernel's log shares the line). */
static void uart_put(struct uart *u, uint8_t c)
{
	for (int spin = 0; !(reg_read(u, UART_LSR) & LSR_THR_EMPTY); spin++)
		if (spin >= UART_THR_SPINS)
			(void)mt_thread_yield();
	reg_write(u, UART_THR, c);
}

/* ---- the interrupt thread ------------------------------------------------ */

/* Packet, drain, acknowledge, drain again: an edge that came while the
 * line was masked is lost (the line stays high until the data is read),
 * so the second drain picks up what arrived before the unmask. */
static __attribute__((noreturn)) void uart_irq_loop(struct uart *u)
{
	struct mt_port_packet pkt;

	for (;;) {
		if (mt_port_wait(u->port, MT_TIME_INFINITE, &pkt) < 0)
			continue;
		uart_drain(u);
		(void)mt_irq_ack(u->irq);
		uart_drain(u);
	}
}

/* ---- console.idl --------------------------------------------------------- */

static mt_status_t op_write(void *ctx, uint64_t badge,
			    const struct console_write_in *in,
			    struct console_write_out *out)
{
	struct uart *u = ctx;

	(void)badge;
	lock_take(&u->tx_lock);
	for (uint32_t i = 0; i < in->data_len; i++)
		uart_put(u, in->data[i]);
	lock_give(&u->tx_lock);
	out->written = in->data_len;
	return MT_OK;
}

/* What is buffered, at once; else wait (in this server thread only) for
 * the readable event until the deadline: MT_ERR_TIMED_OUT if nothing came.
 * Deadline 0 never waits and may return no bytes. */
static mt_status_t op_read(void *ctx, uint64_t badge,
			   const struct console_read_in *in,
			   struct console_read_out *out)
{
	struct uart *u = ctx;
	uint32_t max = in->max < CONSOLE_CHUNK_MAX ? in->max : CONSOLE_CHUNK_MAX;
	mt_signals_t seen;
	mt_status_t st;

	(void)badge;
	for (;;) {
		out->data_len = uart_take(u, out->data, max);
		if (out->data_len || !max || in->deadline == 0)
			return MT_OK;
		st = mt_object_wait_one(u->readable, READABLE_SIGNAL, in->deadline,
					&seen);
		if (st < 0)
			return st;      /* MT_ERR_TIMED_OUT: nothing came */
	}
}

static mt_status_t op_readable(void *ctx, uint64_t badge,
			       struct console_readable_out *out)
{
	struct uart *u = ctx;

	(void)badge;
	return mt_handle_duplicate(u->readable,
				   MT_RIGHT_WAIT | MT_RIGHT_INFO | MT_RIGHT_TRANSFER,
				   &out->event);
}

static const struct console_ops uart_console_ops = {
	.write = op_write,
	.read = op_read,
	.readable = op_readable,
};

static __attribute__((noreturn)) void uart_serve(struct uart *u)
{
	struct mt_ipc_buffer *buf;
	mt_status_t st = mt_ipc_buffer_alloc(&buf);

	if (st >= 0)
		st = console_serve(u->ep, buf, &uart_console_ops, u);
	mt_log("uart16550: serving ended: %s\n", mt_status_str(st));
	(void)mt_process_exit(3);
	__builtin_unreachable();
}

/* ---- start-up ------------------------------------------------------------ */

enum uart_role { ROLE_IRQ, ROLE_SERVER };

/* Thread entry: rdi = role (the stack holds nothing else). */
static __attribute__((noreturn)) void uart_thread_main(uint64_t role)
{
	if (role == ROLE_IRQ)
		uart_irq_loop(&uart);
	uart_serve(&uart);
}

static mt_status_t uart_thread_start(enum uart_role role)
{
	mt_handle_t th;
	uint64_t stack;
	mt_status_t st = mt_map_anon(UART_STACK_SIZE, MT_PROT_READ | MT_PROT_WRITE,
				     &stack, NULL);

	if (st < 0)
		return st;
	st = mt_thread_create(mt_startup()->self_process, "uart", 4, &th);
	if (st < 0)
		return st;
	/* The entry sees rsp + 8 16-aligned, as after a call (psABI 3.2.2). */
	st = mt_thread_start(th, (uint64_t)(uintptr_t)uart_thread_main,
			     stack + UART_STACK_SIZE - 8, role, 0);
	mt_handle_drop(th);
	return st;
}

/* Learn the ports and the line from the resources, bind the line and
 * watch it, make the readable event.  Returns a failing step's status. */
static mt_status_t uart_init(struct uart *u, const struct mt_startup *su,
			     const char **step)
{
	struct mt_resource_info ports, lines;
	mt_status_t st;

	u->ports = su->ioports;
	u->ep = su->endpoint;
	*step = "resources";
	st = mt_resource_info(su->ioports, &ports);
	if (st >= 0)
		st = mt_resource_info(su->irqs, &lines);
	if (st >= 0 && (ports.kind != MT_RESOURCE_IOPORT || ports.count < UART_REGS ||
			lines.kind != MT_RESOURCE_IRQ || !u->ep))
		st = MT_ERR_INVALID_ARGS;
	if (st < 0)
		return st;
	u->base = ports.base;
	*step = "irq";
	st = mt_irq_create(su->irqs, lines.base, 0, &u->irq);
	if (st < 0)
		return st;
	mt_handle_drop(su->irqs);       /* the IRQ object is all we need */
	*step = "port";
	st = mt_port_create(&u->port);
	if (st >= 0)
		st = mt_port_watch(u->port, u->irq, MT_SIGNAL_IRQ, IRQ_PACKET_KEY,
				   MT_PORT_REPEATING);
	if (st >= 0)
		st = mt_event_create(&u->readable);
	return st;
}

int main(void)
{
	const struct mt_startup *su = mt_startup();
	const char *step = "";
	mt_status_t st = uart_init(&uart, su, &step);

	if (st >= 0) {
		uart_setup(&uart);
		uart_drain(&uart);      /* input that came before the enable */
		step = "threads";
		st = uart_thread_start(ROLE_IRQ);
		for (int i = 1; st >= 0 && i < UART_SERVERS; i++)
			st = uart_thread_start(ROLE_SERVER);
	}
	if (st < 0) {
		mt_log("uart16550: cannot start (%s): %s\n", step, mt_status_str(st));
		return 2;
	}
	mt_log("uart16550: serving ports %#x-%#x\n", uart.base, uart.base + UART_REGS - 1);
	uart_serve(&uart);
}
