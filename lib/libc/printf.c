/*
 * The printf family (lib/fmt does the formatting; no floating point) and
 * perror.  A stream's printf formats into a buffer on the stack and hands
 * it to the stream in pieces of PRINTF_PIECE bytes, under the stream's
 * lock: one call's output is never interleaved with another thread's, and
 * an unbuffered stream (stderr) gets one write per piece, not per byte.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fmt/fmt.h>

#include "stdio_impl.h"

#define PRINTF_PIECE 512

struct printf_out {
	FILE *f;
	size_t len;
	bool failed;
	char buf[PRINTF_PIECE];
};

static void printf_drain(struct printf_out *o)
{
	if (o->len && stdio_write_unlocked(o->f, o->buf, o->len) != o->len)
		o->failed = true;
	o->len = 0;
}

static void printf_emit(char c, void *ctx)
{
	struct printf_out *o = ctx;

	if (o->len == sizeof(o->buf))
		printf_drain(o);
	o->buf[o->len++] = c;
}

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	struct printf_out o;
	int n;

	o.f = f;
	o.len = 0;
	o.failed = false;
	libc_lock(&f->lock);
	n = fmt_vformat(printf_emit, &o, fmt, ap);
	printf_drain(&o);
	libc_unlock(&f->lock);
	return o.failed ? -1 : n;
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *restrict fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int printf(const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
	      va_list ap)
{
	return fmt_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* sprintf trusts the caller's buffer to be large enough, as C does. */
int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
{
	return fmt_vsnprintf(buf, INT_MAX, fmt, ap);
}

int sprintf(char *restrict buf, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, INT_MAX, fmt, ap);
	va_end(ap);
	return n;
}

int vasprintf(char **restrict out, const char *restrict fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = fmt_vsnprintf(NULL, 0, fmt, ap);
	*out = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (*out)
		fmt_vsnprintf(*out, (size_t)n + 1, fmt, again);
	va_end(again);
	return *out ? n : -1;
}

int asprintf(char **restrict out, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	return n;
}

void perror(const char *s)
{
	const char *text = strerror(errno);

	if (s && *s)
		fprintf(stderr, "%s: %s\n", s, text);
	else
		fprintf(stderr, "%s\n", text);
}
