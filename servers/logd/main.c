/*
 * MantraLogd: structured log records (idl/log.idl) kept in a ring that
 * clients read back, and copied to a sink as they arrive.  The sink is the
 * kernel debug log, or the console (idl/console.idl) when a `console` is
 * in logd's namespace at start.  logd publishes its endpoint as `log`.
 *
 * Arguments: ring=N, the ring's size in records (default 256).
 */
#include <stdio.h>
#include <string.h>

#include <libmantra/ns.h>

#include <idl/console.h>
#include <idl/log_server.h>

#include "ring.h"

/* Where records go as they arrive (pluggable: one emit per kind). */
struct log_sink {
	void (*emit)(struct log_sink *sink, const char *line, size_t len);
	mt_handle_t console;
	struct mt_ipc_buffer *buf;  /* the server thread's */
};

struct logd {
	struct log_ring ring;
	struct log_sink sink;
};

static void sink_debuglog(struct log_sink *sink, const char *line, size_t len)
{
	(void)sink;
	mt_log_write(line, len);
}

/* Through the console; the call reuses the server's IPC buffer, whose
 * request has been copied out by then. */
static void sink_console(struct log_sink *sink, const char *line, size_t len)
{
	struct console_write_out out;

	(void)console_write(sink->console, sink->buf, (const uint8_t *)line,
			    (uint32_t)len, &out);
}

/* Format a record as one line and hand it to the sink. */
static void logd_emit(struct logd *d, const struct log_record *r)
{
	char line[LOG_COMPONENT_MAX + LOG_MESSAGE_MAX + 64];
	int n = snprintf(line, sizeof(line), "[%5llu.%03llu] %-5s %s: %s\n",
			 (unsigned long long)(r->time / 1000000000),
			 (unsigned long long)(r->time / 1000000 % 1000),
			 log_level_name(r->level), r->component, r->message);

	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	d->sink.emit(&d->sink, line, (size_t)n);
}

/* A component: letters, digits, '.', '-', '_' and '/'; not empty. */
static bool logd_component_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(".-_/", *s)))
			return false;
	return true;
}

static const struct log_record *logd_append(struct logd *d, uint64_t badge,
					    enum log_level level,
					    const char *component,
					    const char *message)
{
	struct log_record rec = { .time = (uint64_t)mt_clock_get(),
				  .badge = badge, .level = level };
	const struct log_record *r;

	strcpy(rec.component, component);
	strcpy(rec.message, message);
	r = log_ring_push(&d->ring, &rec);
	logd_emit(d, r);
	return r;
}

static mt_status_t op_write(void *ctx, uint64_t badge,
			    const struct log_write_in *in,
			    struct log_write_out *out)
{
	if (!logd_component_ok(in->component))
		return MT_ERR_INVALID_ARGS;
	out->seq = logd_append(ctx, badge, in->level, in->component,
			       in->message)->seq;
	return MT_OK;
}

static mt_status_t op_read(void *ctx, uint64_t badge,
			   const struct log_read_in *in, struct log_read_out *out)
{
	struct logd *d = ctx;
	const struct log_record *r = log_ring_find(&d->ring, in->from);

	(void)badge;
	if (!r)
		return MT_ERR_NOT_FOUND;
	out->seq = r->seq;
	out->time = r->time;
	out->badge = r->badge;
	out->level = r->level;
	strcpy(out->component, r->component);
	strcpy(out->message, r->message);
	out->next = r->seq + 1;
	return MT_OK;
}

static mt_status_t op_dropped(void *ctx, uint64_t badge,
			      struct log_dropped_out *out)
{
	struct logd *d = ctx;

	(void)badge;
	out->count = d->ring.dropped;
	return MT_OK;
}

static const struct log_ops logd_ops = {
	.write = op_write,
	.read = op_read,
	.dropped = op_dropped,
};

/* Create our endpoint and publish a handle to it as `log`. */
static mt_status_t logd_publish(struct mt_ipc_buffer *buf, mt_handle_t *ep)
{
	mt_handle_t h;
	mt_status_t st = mt_endpoint_create(ep);

	if (st >= 0)
		st = mt_handle_dup(*ep, MT_RIGHT_WRITE | MT_RIGHT_DUPLICATE |
				   MT_RIGHT_TRANSFER | MT_RIGHT_INFO, &h);
	if (st >= 0)
		st = mt_ns_publish(buf, "log", h);
	return st;
}

int main(void)
{
	static struct logd d;
	struct mt_ipc_buffer *buf;
	mt_handle_t ep;
	char msg[64];
	mt_status_t st;

	st = mt_ipc_buffer_alloc(&buf);
	if (st >= 0)
		st = log_ring_init(&d.ring, (uint32_t)mt_startup_arg_u64(
						    "ring", LOG_RING_DEFAULT));
	if (st < 0) {
		printf("logd: cannot start: %s\n", mt_status_str(st));
		return 1;
	}
	d.sink.buf = buf;
	d.sink.emit = sink_debuglog;
	if (mt_ns_lookup(buf, "console", &d.sink.console) >= 0)
		d.sink.emit = sink_console;
	snprintf(msg, sizeof(msg), "started: %u records, sink %s",
		 d.ring.capacity, d.sink.emit == sink_console ? "console" : "debuglog");
	(void)logd_append(&d, 0, LOG_LEVEL_INFO, "logd", msg);
	st = logd_publish(buf, &ep);
	if (st < 0) {
		printf("logd: cannot publish 'log': %s\n", mt_status_str(st));
		return 1;
	}
	st = log_serve(ep, buf, &logd_ops, &d);
	printf("logd: serving ended: %s\n", mt_status_str(st));
	return 1;
}
