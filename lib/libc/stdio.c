/*
 * <stdio.h> output: everything goes to the debug log through libmantra.
 */
#include <stdio.h>
#include <string.h>

#include <fmt/fmt.h>
#include <libmantra/mantra.h>

int vprintf(const char *fmt, va_list ap)
{
	return mt_vlog(fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = mt_vlog(fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return fmt_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	return mt_log("%s\n", s);
}

int putchar(int c)
{
	char ch = (char)c;

	mt_log_write(&ch, 1);
	return (unsigned char)c;
}
