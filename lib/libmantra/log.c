/*
 * Debug-log output for user programs: printf-style text to the debug-log
 * handle of the start-up block.  Output is collected in a stack buffer
 * and written with one mt_debug_write per buffer, so one call's line is
 * never interleaved with another thread's.
 */
#include <libmantra/mantra.h>

#include <fmt/fmt.h>

struct log_buf {
	char data[MT_DEBUG_WRITE_MAX];
	size_t len;
};

void mt_log_write(const char *buf, size_t len)
{
	const struct mt_startup *st = mt_startup();

	if (!st || st->debuglog == MT_HANDLE_INVALID)
		return;
	while (len) {
		size_t n = len < MT_DEBUG_WRITE_MAX ? len : MT_DEBUG_WRITE_MAX;

		(void)mt_debug_write(st->debuglog, buf, n);
		buf += n;
		len -= n;
	}
}

static void log_emit(char c, void *ctx)
{
	struct log_buf *lb = ctx;

	if (lb->len == sizeof(lb->data)) {
		mt_log_write(lb->data, lb->len);
		lb->len = 0;
	}
	lb->data[lb->len++] = c;
}

int mt_vlog(const char *fmt, va_list ap)
{
	struct log_buf lb;
	int n;

	lb.len = 0;
	n = fmt_vformat(log_emit, &lb, fmt, ap);
	mt_log_write(lb.data, lb.len);
	return n;
}

int mt_log(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = mt_vlog(fmt, ap);
	va_end(ap);
	return n;
}

const char *mt_status_str(mt_status_t status)
{
	static const char *const names[] = {
		"OK", "INVALID_ARGS", "BAD_HANDLE", "WRONG_TYPE",
		"ACCESS_DENIED", "NO_MEMORY", "NO_RESOURCES", "BAD_ADDRESS",
		"OUT_OF_RANGE", "NOT_SUPPORTED", "BAD_STATE", "TIMED_OUT",
		"CANCELED", "ALREADY_EXISTS", "NOT_FOUND", "BUFFER_TOO_SMALL",
		"PEER_CLOSED", "SHOULD_WAIT",
	};

	_Static_assert(sizeof(names) / sizeof(names[0]) == 1 - MT_ERR_MIN,
		       "a name for every MT_ERR_* code");

	if (status > 0)
		return "OK(>0)";
	if (status < MT_ERR_MIN)
		return "?";
	return names[-status];
}
