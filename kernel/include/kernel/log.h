/*
 * The kernel log: formatted lines on the debug console (serial), each with a
 * level and a timestamp.  Lines below the level set by the command line
 * (`loglevel=debug|info|warn|error`, default info) are dropped.
 */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include <fmt/fmt.h>
#include <kernel/types.h>

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

/* Print "[   1.234] W message" if level passes the filter.  `fmt` should end
 * in a newline. */
__printf(2, 3) void klog(enum log_level level, const char *fmt, ...);

/* Print without prefix or filtering (panic reports, test results). */
__printf(1, 2) void klog_raw(const char *fmt, ...);

/* Write bytes as they are, in one piece (user debug output). */
void klog_write_raw(const char *s, size_t n);

void log_set_level(enum log_level level);
bool log_parse_level(const char *name, enum log_level *out);

#endif /* KERNEL_LOG_H */
