/* C library <stdio.h>: formatted output to the debug log (lib/fmt).  No
 * files yet; each printf call is written with one debug-log write. */
#ifndef LIBC_STDIO_H
#define LIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)

__attribute__((format(printf, 1, 2)))
int printf(const char *fmt, ...);
int vprintf(const char *fmt, va_list ap);
__attribute__((format(printf, 3, 4)))
int snprintf(char *buf, size_t size, const char *fmt, ...);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int puts(const char *s);
int putchar(int c);

#endif /* LIBC_STDIO_H */
