/* C library <string.h> (C11 7.24 and the POSIX additions): the shared
 * freestanding core (lib/string: mem{cpy,move,set,cmp}, strlen, strnlen,
 * strcmp, strncmp, strlcpy) plus the rest here (lib/libc/string.c). */
#ifndef LIBC_STRING_H
#define LIBC_STRING_H

#include <string/string.h>

void *memchr(const void *s, int c, size_t n);
void *memrchr(const void *s, int c, size_t n);
void *memmem(const void *hay, size_t hlen, const void *needle, size_t nlen);
void *mempcpy(void *restrict dst, const void *restrict src, size_t n);

char *strchr(const char *s, int c);
char *strchrnul(const char *s, int c);
char *strrchr(const char *s, int c);
char *strcpy(char *restrict dst, const char *restrict src);
char *strncpy(char *restrict dst, const char *restrict src, size_t n);
char *stpcpy(char *restrict dst, const char *restrict src);
char *stpncpy(char *restrict dst, const char *restrict src, size_t n);
char *strcat(char *restrict dst, const char *restrict src);
char *strncat(char *restrict dst, const char *restrict src, size_t n);
size_t strlcat(char *restrict dst, const char *restrict src, size_t size);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);
char *strpbrk(const char *s, const char *accept);
char *strstr(const char *hay, const char *needle);
char *strtok(char *restrict s, const char *restrict delim);
char *strtok_r(char *restrict s, const char *restrict delim,
	       char **restrict save);
char *strsep(char **sp, const char *delim);
int strcoll(const char *a, const char *b);
size_t strxfrm(char *restrict dst, const char *restrict src, size_t n);

/* Heap copies (malloc); NULL with errno ENOMEM. */
char *strdup(const char *s);
char *strndup(const char *s, size_t n);

/* The text for an errno value ("Unknown error N" for others: that one
 * in a static buffer, so not reentrant; strerror_r is). */
char *strerror(int err);
int strerror_r(int err, char *buf, size_t size);

#endif /* LIBC_STRING_H */
