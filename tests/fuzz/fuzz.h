/*
 * Shared helpers for the libFuzzer harnesses in tests/fuzz/ (docs/testing.md,
 * "Host fuzzing").  Each harness compiles the real parser from lib/ (or
 * kernel/) and checks, besides what AddressSanitizer and UBSan catch, the
 * promises the parser's header makes about what it returns: FUZZ_CHECK
 * aborts with the broken invariant, which libFuzzer reports as a crash and
 * saves the input.
 *
 * struct fuzz_in splits one input into fields: a harness takes integers
 * and byte runs from the front; past the end every read yields zero, so a
 * short input is just an input whose remaining choices are all 0.
 */
#ifndef TESTS_FUZZ_H
#define TESTS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                    \
	do {                                                                \
		if (!(cond))                                                \
			fuzz_fail(__FILE__, __LINE__, #cond);               \
	} while (0)

static inline __attribute__((noreturn)) void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "FUZZ INVARIANT BROKEN at %s:%d: %s\n", file, line, what);
	abort();
}

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

/* Little-endian integer of `bytes` (at most 8) bytes. */
static inline uint64_t fuzz_uint(struct fuzz_in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)fuzz_u8(in) << (8 * i);
	return v;
}

/* Copy up to n bytes into dst, zero-filling what the input lacks. */
static inline void fuzz_bytes(struct fuzz_in *in, void *dst, size_t n)
{
	size_t k = n < in->n ? n : in->n;

	memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	in->p += k;
	in->n -= k;
}

/* A heap copy of exactly n bytes, so that AddressSanitizer reports a read
 * one byte past the end of what the parser was given. */
static inline uint8_t *fuzz_dup(const void *src, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	FUZZ_CHECK(p != NULL);
	if (n)
		memcpy(p, src, n);
	return p;
}

/* Is [p, p+len) inside [base, base+size)?  Overflow-free. */
static inline int fuzz_inside(const void *base, size_t size, const void *p,
			      uint64_t len)
{
	uintptr_t b = (uintptr_t)base, q = (uintptr_t)p;

	return q >= b && q - b <= size && len <= size - (q - b);
}

#endif /* TESTS_FUZZ_H */
