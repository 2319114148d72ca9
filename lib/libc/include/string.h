/* C library <string.h>: the shared freestanding implementations
 * (lib/string) plus a few more. */
#ifndef LIBC_STRING_H
#define LIBC_STRING_H

#include <string/string.h>

char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strcpy(char *restrict dst, const char *restrict src);
char *strncpy(char *restrict dst, const char *restrict src, size_t n);
void *memchr(const void *s, int c, size_t n);

#endif /* LIBC_STRING_H */
