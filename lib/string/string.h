/*
 * String and memory functions for the kernel and user space (freestanding).  They keep the standard C names
 * because the compiler emits calls to memcpy/memset/memmove/memcmp on its
 * own (GCC and Clang both require a freestanding environment to provide
 * them), and their behaviour is exactly C11 7.24 plus BSD strlcpy.
 */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* Copy src into dst[0..size) and always NUL-terminate when size > 0.
 * Returns strlen(src); a result >= size means the copy was truncated. */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);

#endif /* LIB_STRING_H */
