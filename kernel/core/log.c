/*
 * The kernel log.  Each line is formatted into a buffer and written in one
 * piece under log_lock, so lines from interrupt handlers never interleave
 * with others mid-line.
 */
#include <kernel/arch.h>
#include <kernel/log.h>
#include <kernel/spinlock.h>
#include <string/string.h>

static enum log_level log_threshold = LOG_INFO;
static spinlock_t log_lock = SPINLOCK_INIT("log");
static const char level_tag[] = "EWID";

struct log_buf {
	char data[200];
	size_t len;
};

/* fmt_vformat sink: flush when full (a very long line is written in
 * pieces, still under the lock). */
static void log_emit(char c, void *ctx)
{
	struct log_buf *b = ctx;

	if (b->len == sizeof(b->data)) {
		arch_console_write(b->data, b->len);
		b->len = 0;
	}
	b->data[b->len++] = c;
}

static void log_write(const char *prefix, const char *fmt, va_list ap)
{
	struct log_buf b = { .len = 0 };

	spin_lock(&log_lock);
	while (prefix && *prefix)
		log_emit(*prefix++, &b);
	fmt_vformat(log_emit, &b, fmt, ap);
	arch_console_write(b.data, b.len);
	spin_unlock(&log_lock);
}

void klog(enum log_level level, const char *fmt, ...)
{
	char prefix[24];
	uint64_t us = arch_uptime_us();
	va_list ap;

	if (level > log_threshold)
		return;
	fmt_snprintf(prefix, sizeof(prefix), "[%5lu.%06lu] %c ",
		     (unsigned long)(us / 1000000), (unsigned long)(us % 1000000),
		     level_tag[level]);
	va_start(ap, fmt);
	log_write(prefix, fmt, ap);
	va_end(ap);
}

void klog_raw(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(NULL, fmt, ap);
	va_end(ap);
}

void log_set_level(enum log_level level)
{
	log_threshold = level;
}

bool log_parse_level(const char *name, enum log_level *out)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

void klog_write_raw(const char *s, size_t n)
{
	spin_lock(&log_lock);
	arch_console_write(s, n);
	spin_unlock(&log_lock);
}
