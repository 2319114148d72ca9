/*
 * strlcpy for harnesses of kernel code, from lib/string/string.c itself:
 * the file is included with every function renamed to kstr_* (as
 * tests/host/test_string.c does), so the host C library keeps memcpy and
 * friends (and the sanitizers their interceptors), and only strlcpy, which
 * glibc 2.36 lacks, comes from the kernel's implementation.
 */
#include <stddef.h>

#define memcpy kstr_memcpy
#define memmove kstr_memmove
#define memset kstr_memset
#define memcmp kstr_memcmp
#define strlen kstr_strlen
#define strnlen kstr_strnlen
#define strcmp kstr_strcmp
#define strncmp kstr_strncmp
#define strlcpy kstr_strlcpy
#include "../../lib/string/string.c"
#undef strlcpy

size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);

size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
	return kstr_strlcpy(dst, src, size);
}
