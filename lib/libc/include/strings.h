/* C library <strings.h> (POSIX): case-insensitive comparison ("C" locale)
 * and find-first-set. */
#ifndef LIBC_STRINGS_H
#define LIBC_STRINGS_H

#include <stddef.h>

int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);
int ffs(int i);
int ffsl(long i);
int ffsll(long long i);

#endif /* LIBC_STRINGS_H */
