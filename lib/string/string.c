/*
 * C11 7.24 memory and string functions for the kernel, plus strlcpy.
 *
 * memcpy/memmove/memset move 8 bytes at a time once the pointers allow
 * it; everything else is byte by byte.  Comparisons are on unsigned char
 * (C11 7.24.4p1).
 */
#include <string/string.h>

#include <stdbool.h>
#include <stdint.h>

/*
 * These functions must never be turned back into calls to themselves: GCC
 * recognises a byte-copy loop as memcpy (-ftree-loop-distribute-patterns)
 * even in memcpy.  Clang does the same unless -fno-builtin, which the
 * kernel build passes.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#endif

/* A word that may alias any object, for the 8-byte loops. */
typedef uint64_t __attribute__((may_alias)) str_word_t;
#define STR_WORD sizeof(str_word_t)

static bool str_word_aligned(uintptr_t p)
{
	return (p & (STR_WORD - 1)) == 0;
}

/* Copy n bytes upward (lowest address first).  Safe for overlap when
 * dst <= src. */
static void str_copy_up(unsigned char *d, const unsigned char *s, size_t n)
{
#ifdef __x86_64__
	/* x86_64: the string instructions move a word per step (Intel SDM
	 * vol. 1, 7.3.9), fast on real CPUs and one step per word under QEMU. */
	if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0 && n >= 64) {
		size_t words;
		for (; (uintptr_t)d & 7; n--)
			*d++ = *s++;
		words = n / 8;
		__asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(words) :: "memory");
		n &= 7;
	}
#endif
	if ((((uintptr_t)d ^ (uintptr_t)s) & (STR_WORD - 1)) == 0) {
		for (; n && !str_word_aligned((uintptr_t)d); n--)
			*d++ = *s++;
		for (; n >= STR_WORD; n -= STR_WORD) {
			*(str_word_t *)d = *(const str_word_t *)s;
			d += STR_WORD;
			s += STR_WORD;
		}
	}
	while (n--)
		*d++ = *s++;
}

/* Copy n bytes downward (highest address first).  Safe for overlap when
 * dst >= src. */
static void str_copy_down(unsigned char *d, const unsigned char *s, size_t n)
{
	d += n;
	s += n;
	if ((((uintptr_t)d ^ (uintptr_t)s) & (STR_WORD - 1)) == 0) {
		for (; n && !str_word_aligned((uintptr_t)d); n--)
			*--d = *--s;
		for (; n >= STR_WORD; n -= STR_WORD) {
			d -= STR_WORD;
			s -= STR_WORD;
			*(str_word_t *)d = *(const str_word_t *)s;
		}
	}
	while (n--)
		*--d = *--s;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	str_copy_up(dst, src, n);
	return dst;
}

/* Overlap-safe copy: pick the direction that never reads a byte already
 * overwritten. */
void *memmove(void *dst, const void *src, size_t n)
{
	if ((uintptr_t)dst <= (uintptr_t)src)
		str_copy_up(dst, src, n);
	else
		str_copy_down(dst, src, n);
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	str_word_t pattern = (unsigned char)c * (str_word_t)0x0101010101010101ULL;

#ifdef __x86_64__
	if (n >= 64) {                  /* see str_copy_up */
		size_t words;
		for (; (uintptr_t)d & 7; n--)
			*d++ = (unsigned char)c;
		words = n / 8;
		__asm__ volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(pattern) : "memory");
		n &= 7;
	}
#endif
	for (; n && !str_word_aligned((uintptr_t)d); n--)
		*d++ = (unsigned char)c;
	for (; n >= STR_WORD; n -= STR_WORD, d += STR_WORD)
		*(str_word_t *)d = pattern;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

/* Length of s, but never look at more than max bytes. */
size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
		if (!*x)
			break;
	}
	return 0;
}

size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
