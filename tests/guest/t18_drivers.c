/*
 * Hardware resources, IRQ objects and the user-level UART driver
 * (docs/drivers.md).  These tests get the runner's root resources
 * (GT_TEST_HW) and carve what they use from them.
 *
 * ioport.*  carving, ranges, widths, rights, kinds;
 * irq.*     binding a line once, rebinding after close, rights, and a
 *           real interrupt (COM1's transmitter-empty) through a port;
 * uart.*    bin/uart16550 serving console.idl: a write reaches the serial
 *           line (tests/qemu/cases.py expects its text), reads with and
 *           without deadlines while writes go on, and a killed driver
 *           started again serving again;
 * uart_input.* (explicit: needs typed input, the uart_input QEMU case)
 *           a line typed on the serial port read back through the driver.
 */
#include "guest.h"

#include <string.h>

#include <idl/console.h>
#include <libmantra/ipc.h>

#define COM1        0x3f8u
#define COM1_IRQ    4u
#define COM_SCRATCH 7u          /* scratch register: harmless to write */
#define COM_IER     1u
#define COM_IIR     2u
#define IER_THR_EMPTY 0x02u
#define SPARE_LINE  3u          /* COM2's line: nothing drives it here */

static mt_handle_t hw_ports(void)
{
	GT_CHECK(mt_startup()->ioports != MT_HANDLE_INVALID);
	return mt_startup()->ioports;
}

static mt_handle_t hw_lines(void)
{
	GT_CHECK(mt_startup()->irqs != MT_HANDLE_INVALID);
	return mt_startup()->irqs;
}

static mt_handle_t carve(mt_handle_t from, uint32_t base, uint32_t count)
{
	mt_handle_t h;

	GT_OK(mt_resource_carve(from, base, count, &h));
	return h;
}

/* A duplicate of h without `drop`. */
static mt_handle_t without(mt_handle_t h, mt_rights_t drop)
{
	mt_handle_t d;

	GT_OK(mt_handle_duplicate(h, gt_rights_without(h, drop), &d));
	return d;
}

/* ---- ioport ------------------------------------------------------------- */

GT_TEST_HW(ioport, root_resources)
{
	struct mt_resource_info ri;

	GT_OK(mt_resource_info(hw_ports(), &ri));
	GT_CHECK_EQ(ri.kind, MT_RESOURCE_IOPORT);
	GT_CHECK_EQ(ri.base, 0);
	GT_CHECK_EQ(ri.count, MT_IOPORT_COUNT);
	GT_OK(mt_resource_info(hw_lines(), &ri));
	GT_CHECK_EQ(ri.kind, MT_RESOURCE_IRQ);
	GT_CHECK_EQ(ri.base, 0);
	GT_CHECK(ri.count >= MT_IRQ_ISA_LINES);
}

GT_TEST_HW(ioport, carve_inside_only)
{
	struct mt_resource_info ri;
	mt_handle_t com = carve(hw_ports(), COM1, 8), sub, h;
	struct mt_object_info oi;

	GT_OK(mt_object_info(com, &oi));
	GT_CHECK_EQ(oi.type, MT_OBJ_RESOURCE);
	GT_OK(mt_resource_info(com, &ri));
	GT_CHECK_EQ(ri.base, COM1);
	GT_CHECK_EQ(ri.count, 8);
	sub = carve(com, COM1 + 5, 3);
	GT_OK(mt_resource_info(sub, &ri));
	GT_CHECK_EQ(ri.base, COM1 + 5);
	GT_ERR(mt_resource_carve(com, COM1 - 1, 2, &h), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_resource_carve(com, COM1 + 4, 8, &h), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_resource_carve(com, 0xffffffffu, 2, &h), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_resource_carve(com, COM1, 0, &h), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_resource_carve(hw_ports(), 0xffff, 2, &h), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_resource_carve(hw_lines(), 0, 0xffffffffu, &h), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_resource_carve(com, COM1, 1, (mt_handle_t *)8), MT_ERR_BAD_ADDRESS);
	GT_OK(mt_handle_close(sub));
	GT_OK(mt_handle_close(com));
}

GT_TEST_HW(ioport, read_write_in_range)
{
	mt_handle_t com = carve(hw_ports(), COM1, 8);

	GT_OK(mt_ioport_write(com, COM1 + COM_SCRATCH, 1, 0x5a));
	GT_CHECK_EQ(GT_OK(mt_ioport_read(com, COM1 + COM_SCRATCH, 1)), 0x5a);
	GT_OK(mt_ioport_write(com, COM1 + COM_SCRATCH, 1, 0xa5));
	GT_CHECK_EQ(GT_OK(mt_ioport_read(com, COM1 + COM_SCRATCH, 1)), 0xa5);
	GT_ERR(mt_ioport_read(com, COM1 - 1, 1), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_ioport_read(com, COM1 + 8, 1), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_ioport_write(com, 0xf4, 4, 0), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_ioport_write(com, 0x10000 + COM1, 1, 0), MT_ERR_ACCESS_DENIED);
	GT_OK(mt_handle_close(com));
}

GT_TEST_HW(ioport, widths)
{
	mt_handle_t com = carve(hw_ports(), COM1, 8);

	GT_ERR(mt_ioport_read(com, COM1 + COM_SCRATCH, 0), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_ioport_read(com, COM1 + COM_SCRATCH, 3), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_ioport_read(com, COM1 + COM_SCRATCH, 8), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_ioport_write(com, COM1 + COM_SCRATCH, 5, 0), MT_ERR_INVALID_ARGS);
	/* Every byte of the access must be covered. */
	GT_ERR(mt_ioport_read(com, COM1 + 6, 4), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_ioport_read(com, COM1 + COM_SCRATCH, 2), MT_ERR_ACCESS_DENIED);
	GT_OK(mt_ioport_read(com, COM1 + 6, 2));
	/* Value bits above the width. */
	GT_ERR(mt_ioport_write(com, COM1 + COM_SCRATCH, 1, 0x100), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_ioport_write(com, COM1 + 6, 2, 0x10000), MT_ERR_INVALID_ARGS);
	GT_OK(mt_handle_close(com));
}

GT_TEST_HW(ioport, rights_and_kinds)
{
	mt_handle_t com = carve(hw_ports(), COM1, 8), lines = carve(hw_lines(), SPARE_LINE, 1);
	mt_handle_t no_read = without(com, MT_RIGHT_READ);
	mt_handle_t no_write = without(com, MT_RIGHT_WRITE);
	mt_handle_t no_dup = without(com, MT_RIGHT_DUPLICATE);
	mt_handle_t no_info = without(com, MT_RIGHT_INFO);
	mt_handle_t ev, h;
	struct mt_resource_info ri;

	GT_ERR(mt_ioport_read(no_read, COM1 + COM_SCRATCH, 1), MT_ERR_ACCESS_DENIED);
	GT_OK(mt_ioport_read(no_write, COM1 + COM_SCRATCH, 1));
	GT_ERR(mt_ioport_write(no_write, COM1 + COM_SCRATCH, 1, 0), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_resource_carve(no_dup, COM1, 1, &h), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_resource_info(no_info, &ri), MT_ERR_ACCESS_DENIED);
	/* A carve keeps the rights it was made through. */
	h = carve(no_write, COM1, 8);
	GT_ERR(mt_ioport_write(h, COM1 + COM_SCRATCH, 1, 0), MT_ERR_ACCESS_DENIED);
	GT_OK(mt_handle_close(h));
	/* The other kind of resource, and other objects. */
	GT_ERR(mt_ioport_read(lines, SPARE_LINE, 1), MT_ERR_WRONG_TYPE);
	GT_ERR(mt_irq_create(com, SPARE_LINE, 0, &h), MT_ERR_WRONG_TYPE);
	GT_OK(mt_event_create(&ev));
	GT_ERR(mt_ioport_read(ev, COM1, 1), MT_ERR_WRONG_TYPE);
	GT_ERR(mt_resource_carve(ev, 0, 1, &h), MT_ERR_WRONG_TYPE);
	GT_ERR(mt_ioport_read(0x7fff1234, COM1, 1), MT_ERR_BAD_HANDLE);
	mt_handle_drop(ev);
	mt_handle_drop(no_read);
	mt_handle_drop(no_write);
	mt_handle_drop(no_dup);
	mt_handle_drop(no_info);
	mt_handle_drop(lines);
	mt_handle_drop(com);
}

/* ---- irq ----------------------------------------------------------------- */

GT_TEST_HW(irq, one_object_per_line)
{
	mt_handle_t lines = carve(hw_lines(), SPARE_LINE, 1), irq, again;
	struct mt_object_info oi;

	GT_OK(mt_irq_create(lines, SPARE_LINE, 0, &irq));
	GT_OK(mt_object_info(irq, &oi));
	GT_CHECK_EQ(oi.type, MT_OBJ_IRQ);
	GT_CHECK_EQ(oi.signals & MT_SIGNAL_IRQ, 0);
	GT_ERR(mt_irq_create(lines, SPARE_LINE, 0, &again), MT_ERR_ALREADY_EXISTS);
	GT_ERR(mt_irq_create(hw_lines(), SPARE_LINE, 0, &again), MT_ERR_ALREADY_EXISTS);
	GT_OK(mt_irq_ack(irq));         /* nothing pending: harmless */
	/* Closing the object frees the line for the next binder. */
	GT_OK(mt_handle_close(irq));
	GT_OK(mt_irq_create(lines, SPARE_LINE, 0, &irq));
	GT_OK(mt_handle_close(irq));
	mt_handle_drop(lines);
}

GT_TEST_HW(irq, refused_outside_or_without_rights)
{
	mt_handle_t lines = carve(hw_lines(), SPARE_LINE, 1), h;
	mt_handle_t no_write = without(lines, MT_RIGHT_WRITE), ev;

	GT_ERR(mt_irq_create(lines, COM1_IRQ, 0, &h), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_irq_create(lines, SPARE_LINE + 1, 0, &h), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_irq_create(lines, 0xffffffffu, 0, &h), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_irq_create(no_write, SPARE_LINE, 0, &h), MT_ERR_ACCESS_DENIED);
	GT_ERR(mt_irq_create(lines, SPARE_LINE, 1, &h), MT_ERR_INVALID_ARGS);
	GT_ERR(mt_irq_create(lines, SPARE_LINE, 0, (mt_handle_t *)8), MT_ERR_BAD_ADDRESS);
	GT_OK(mt_event_create(&ev));
	GT_ERR(mt_irq_ack(ev), MT_ERR_WRONG_TYPE);
	GT_ERR(mt_irq_ack(lines), MT_ERR_WRONG_TYPE);
	/* The refusals left the line free. */
	GT_OK(mt_irq_create(lines, SPARE_LINE, 0, &h));
	GT_OK(mt_handle_close(h));
	mt_handle_drop(ev);
	mt_handle_drop(no_write);
	mt_handle_drop(lines);
}

/* Make COM1 interrupt: enabling the transmitter-empty interrupt with the
 * transmitter idle raises it at once (PC16550D, IER bit 1). */
static void com1_kick(mt_handle_t com, bool on)
{
	GT_OK(mt_ioport_write(com, COM1 + COM_IER, 1, on ? IER_THR_EMPTY : 0));
	if (!on)
		(void)mt_ioport_read(com, COM1 + COM_IIR, 1);   /* clears it */
}

GT_TEST_HW(irq, fires_masks_and_acks)
{
	mt_handle_t com = carve(hw_ports(), COM1, 8);
	mt_handle_t lines = carve(hw_lines(), COM1_IRQ, 1), irq, port;
	struct mt_port_packet pkt;
	struct mt_object_info oi;

	GT_OK(mt_irq_create(lines, COM1_IRQ, 0, &irq));
	/* Through object_wait_one. */
	com1_kick(com, true);
	gt_wait(irq, MT_SIGNAL_IRQ, 2000);
	com1_kick(com, false);
	GT_OK(mt_irq_ack(irq));
	GT_OK(mt_object_info(irq, &oi));
	GT_CHECK_EQ(oi.signals & MT_SIGNAL_IRQ, 0);
	/* Through a port, twice: each ack re-arms the line. */
	GT_OK(mt_port_create(&port));
	GT_OK(mt_port_watch(port, irq, MT_SIGNAL_IRQ, 77, MT_PORT_REPEATING));
	for (int i = 0; i < 2; i++) {
		com1_kick(com, true);
		GT_OK(mt_port_wait(port, gt_deadline_ms(2000), &pkt));
		GT_CHECK_EQ(pkt.key, 77);
		GT_CHECK(pkt.observed & MT_SIGNAL_IRQ);
		com1_kick(com, false);
		GT_OK(mt_irq_ack(irq));
	}
	mt_handle_drop(port);
	mt_handle_drop(irq);
	mt_handle_drop(lines);
	mt_handle_drop(com);
}

/* ---- uart: bin/uart16550 ------------------------------------------------ */

struct uart_fixture {
	mt_handle_t ports, lines, ep;
	struct mt_spawn_result drv;
	struct mt_ipc_buffer *buf;
};

/* Start the driver with COM1's ports and line and our endpoint. */
static void uart_start(struct uart_fixture *f)
{
	const struct mt_startup *self = mt_startup();
	struct mt_spawn_args args = { 0 };
	struct bootfs_file file;

	GT_OK(mt_bootfs_file("bin/uart16550", &file));
	args.name = "uart16550";
	args.image = file.data;
	args.image_size = file.size;
	args.debuglog = self->debuglog;
	args.ioports = f->ports;
	args.irqs = f->lines;
	args.endpoint = f->ep;
	GT_OK(mt_spawn(&args, &f->drv));
	gt_helper_track(f->drv.process);
}

static void uart_stop(struct uart_fixture *f)
{
	GT_OK(mt_task_kill(f->drv.process));
	gt_wait(f->drv.process, MT_SIGNAL_TERMINATED, 2000);
	gt_helper_release(&f->drv);
}

static void uart_setup(struct uart_fixture *f)
{
	f->ports = carve(hw_ports(), COM1, 8);
	f->lines = carve(hw_lines(), COM1_IRQ, 1);
	GT_OK(mt_endpoint_create(&f->ep));
	GT_OK(mt_ipc_buffer_alloc(&f->buf));
	uart_start(f);
}

static void uart_teardown(struct uart_fixture *f)
{
	uart_stop(f);
	mt_ipc_buffer_free(f->buf);
	mt_handle_drop(f->ep);
	mt_handle_drop(f->lines);
	mt_handle_drop(f->ports);
}

static void uart_say(struct uart_fixture *f, const char *text)
{
	struct console_write_out out;
	uint32_t len = (uint32_t)strlen(text);

	GT_OK(console_write(f->ep, f->buf, text, len, &out));
	GT_CHECK_EQ(out.written, len);
}

/* A reader in its own thread: a read waiting 300 ms for input that never
 * comes, to show that other calls are served meanwhile. */
struct uart_reader {
	mt_handle_t ep;
	mt_status_t status;
	volatile int done;
};

static void uart_reader_main(void *arg)
{
	struct uart_reader *r = arg;
	struct mt_ipc_buffer *buf;
	struct console_read_out *out = gt_alloc_pages(sizeof(*out));

	r->status = mt_ipc_buffer_alloc(&buf);
	if (r->status >= 0)
		r->status = console_read(r->ep, buf, 16, gt_deadline_ms(300), out);
	r->done = 1;
}

GT_TEST_FLAGS(uart, serves_and_restarts, MT_FAULT_NONE, 15000, GT_F_HW)
{
	struct uart_fixture f;
	struct uart_reader reader = { 0 };
	struct console_readable_out rd;
	struct console_read_out *out = gt_alloc_pages(sizeof(*out));
	struct mt_object_info oi;
	mt_handle_t th;

	uart_setup(&f);
	uart_say(&f, "uart16550: hello through the driver\n");
	GT_OK(console_readable(f.ep, f.buf, &rd));
	GT_OK(mt_object_info(rd.event, &oi));
	GT_CHECK_EQ(oi.type, MT_OBJ_EVENT);
	GT_CHECK_EQ(oi.rights & MT_RIGHT_SIGNAL, 0);
	GT_CHECK_EQ(oi.signals & MT_SIGNAL_USER_ALL, 0);   /* nothing typed */
	GT_OK(console_read(f.ep, f.buf, 16, 0, out));
	GT_CHECK_EQ(out->data_len, 0);
	/* A waiting read does not hold up writes. */
	reader.ep = f.ep;
	th = gt_thread_spawn(uart_reader_main, &reader, 0);
	(void)mt_nanosleep(gt_deadline_ms(50));
	uart_say(&f, "uart16550: written while a read waits\n");
	GT_CHECK(!reader.done);
	gt_wait(th, MT_SIGNAL_TERMINATED, 3000);
	GT_CHECK_EQ(reader.status, MT_ERR_TIMED_OUT);
	mt_handle_drop(th);
	mt_handle_drop(rd.event);
	/* Killed, started again: it binds the line again and serves. */
	uart_stop(&f);
	uart_start(&f);
	uart_say(&f, "uart16550: serving again after a restart\n");
	uart_teardown(&f);
}

/* Bytes of the typed line, up to its end (CR or LF), within 20 s. */
static uint32_t uart_read_line(struct uart_fixture *f, char *line, uint32_t cap)
{
	struct console_read_out *out = gt_alloc_pages(sizeof(*out));
	mt_time_t deadline = gt_deadline_ms(20000);
	uint32_t len = 0;

	while (len + 1 < cap) {
		GT_OK(console_read(f->ep, f->buf, 1, deadline, out));
		if (out->data[0] == '\n' || out->data[0] == '\r')
			break;
		line[len++] = (char)out->data[0];
	}
	line[len] = '\0';
	return len;
}

/* Say `prompt`, read the line typed in answer and say it back after
 * `reply` (the uart_input QEMU case types the lines and checks). */
static void uart_echo_line(struct uart_fixture *f, const char *prompt,
			   const char *reply)
{
	char line[64], msg[96];

	uart_say(f, prompt);
	GT_CHECK(uart_read_line(f, line, sizeof(line)) > 0);
	strlcpy(msg, reply, sizeof(msg));
	strlcat(msg, line, sizeof(msg));
	strlcat(msg, "\n", sizeof(msg));
	uart_say(f, msg);
}

GT_TEST_FLAGS(uart_input, echo_typed_line, MT_FAULT_NONE, 60000,
	      GT_F_HW | GT_F_EXPLICIT)
{
	struct uart_fixture f;

	uart_setup(&f);
	uart_echo_line(&f, "uart-input: ready\n", "uart-input: got ");
	/* And once more after a restart. */
	uart_stop(&f);
	uart_start(&f);
	uart_echo_line(&f, "uart-input: again\n", "uart-input: got again ");
	uart_teardown(&f);
}
