/*
 * Formatted printing for the kernel, the loader and user space: a printf-style formatter that hands
 * each output character to a callback, and snprintf on top of it.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %%.  Flags '-', '0', '+', ' ',
 * '#'; field width and precision, either may be '*'; length modifiers hh h
 * l ll z j t.  Semantics follow C11 7.21.6.1 (fprintf) for everything
 * supported, with two kernel choices:
 *   - %s of NULL prints "(null)" (the precision still applies to it);
 *   - %p always prints "0x" and 16 hex digits (NULL too), so pointers in
 *     logs line up.
 * There is no floating point (the kernel runs with SSE disabled).  An
 * unknown conversion is printed literally, '%' included, so a bad format
 * string shows up in the output instead of eating arguments.
 */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Called once per output character, in order. */
typedef void (*fmt_emit_fn)(char c, void *ctx);

/* Format `fmt` with the arguments in `ap`, handing each character to
 * emit(c, ctx).  Returns the number of characters emitted. */
int fmt_vformat(fmt_emit_fn emit, void *ctx, const char *fmt, va_list ap);

/* C99 vsnprintf: write at most size-1 characters and a NUL to buf (buf may
 * be NULL when size is 0); return the length the full output would have. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* C99 snprintf; see fmt_vsnprintf(). */
__attribute__((format(printf, 3, 4)))
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...);

#endif /* LIB_FMT_H */
