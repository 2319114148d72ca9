/*
 * Host tests for lib/string/string.c.
 *
 * The kernel's functions have the C library's names, so this file includes
 * the kernel source with every name renamed to kstr_* by macros: the test
 * program links with the host libc untouched, the compiler does not treat
 * kstr_* as builtins (no -fno-builtin needed), and the results can be
 * compared with the libc versions.  Buffers under test are malloc'd at
 * their exact size so AddressSanitizer catches any read or write past them.
 */
#include "test.h"

#include <stdint.h>
#include <stdlib.h>

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
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strlcpy

#define MAXLEN 70
#define AREA   (MAXLEN + 32)

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 131 + i * 7 + 1);
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* A heap copy of s, exactly strlen(s)+1 bytes. */
static char *dup_exact(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	memcpy(p, s, n);
	return p;
}

TEST(string, memcpy_returns_dst)
{
	char a[4], b[4] = "abc";

	CHECK(kstr_memcpy(a, b, 4) == a);
	CHECK(kstr_memcpy(a, b, 0) == a);
}

TEST(string, memcpy_zero_length_touches_nothing)
{
	unsigned char a[8], b[8];

	fill(a, 8, 1);
	fill(b, 8, 2);
	kstr_memcpy(a, b, 0);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(a[i], (unsigned char)(1 * 131 + i * 7 + 1));
}

/* Every length 0..70 at every source and destination misalignment 0..7;
 * the bytes around the destination must stay untouched. */
TEST(string, memcpy_lengths_and_alignments)
{
	unsigned char *src = malloc(AREA), *dst = malloc(AREA), want[AREA];

	for (size_t so = 0; so < 8; so++)
		for (size_t d0 = 0; d0 < 8; d0++)
			for (size_t n = 0; n <= MAXLEN; n++) {
				fill(src, AREA, (unsigned)n);
				memset(dst, 0xa5, AREA);
				memcpy(want, dst, AREA);
				memcpy(want + d0, src + so, n);
				kstr_memcpy(dst + d0, src + so, n);
				CHECK(memcmp(dst, want, AREA) == 0);
			}
	free(src);
	free(dst);
}

TEST(string, memcpy_exact_heap_buffers)
{
	for (size_t n = 1; n <= MAXLEN; n++) {
		unsigned char *s = malloc(n), *d = malloc(n);

		fill(s, n, 9);
		kstr_memcpy(d, s, n);
		CHECK(memcmp(d, s, n) == 0);
		free(s);
		free(d);
	}
}

/* Overlapping moves in both directions: every length 0..70, every
 * source/destination offset pair in 0..15 of one buffer. */
TEST(string, memmove_overlap_all)
{
	unsigned char *buf = malloc(AREA), want[AREA], tmp[AREA];

	for (size_t so = 0; so < 16; so++)
		for (size_t d0 = 0; d0 < 16; d0++)
			for (size_t n = 0; n + 16 <= AREA && n <= MAXLEN; n++) {
				fill(buf, AREA, (unsigned)(so + d0));
				memcpy(want, buf, AREA);
				memcpy(tmp, want + so, n);
				memcpy(want + d0, tmp, n);
				CHECK(kstr_memmove(buf + d0, buf + so, n) == buf + d0);
				CHECK(memcmp(buf, want, AREA) == 0);
			}
	free(buf);
}

TEST(string, memmove_forward_overlap)
{
	char s[] = "abcdefghij";

	kstr_memmove(s + 2, s, 8);
	CHECK_STR(s, "ababcdefgh");
}

TEST(string, memmove_backward_overlap)
{
	char s[] = "abcdefghij";

	kstr_memmove(s, s + 2, 8);
	CHECK_STR(s, "cdefghijij");
}

TEST(string, memmove_same_pointer)
{
	char s[] = "unchanged";

	CHECK(kstr_memmove(s, s, sizeof(s)) == s);
	CHECK_STR(s, "unchanged");
}

TEST(string, memmove_large_overlap_word_path)
{
	/* Same alignment on both sides so the 8-byte loops run. */
	unsigned char *buf = malloc(4096 + 64), *want = malloc(4096 + 64);

	fill(buf, 4096 + 64, 3);
	memcpy(want, buf, 4096 + 64);
	memmove(want + 40, want + 8, 4096);
	kstr_memmove(buf + 40, buf + 8, 4096);
	CHECK(memcmp(buf, want, 4096 + 64) == 0);
	memmove(want + 8, want + 40, 4096);
	kstr_memmove(buf + 8, buf + 40, 4096);
	CHECK(memcmp(buf, want, 4096 + 64) == 0);
	free(buf);
	free(want);
}

TEST(string, memset_lengths_and_alignments)
{
	unsigned char *buf = malloc(AREA), want[AREA];

	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n <= MAXLEN; n++) {
			fill(buf, AREA, (unsigned)n);
			memcpy(want, buf, AREA);
			memset(want + off, 0x5c, n);
			CHECK(kstr_memset(buf + off, 0x5c, n) == buf + off);
			CHECK(memcmp(buf, want, AREA) == 0);
		}
	free(buf);
}

TEST(string, memset_high_byte_values)
{
	unsigned char b[24];

	for (int c = 0; c < 256; c++) {
		kstr_memset(b, c, sizeof(b));
		for (size_t i = 0; i < sizeof(b); i++)
			CHECK_EQ(b[i], c);
	}
}

TEST(string, memset_int_truncated_to_byte)
{
	unsigned char b[16];

	kstr_memset(b, 0x1234, sizeof(b));
	for (size_t i = 0; i < sizeof(b); i++)
		CHECK_EQ(b[i], 0x34);
	kstr_memset(b, -1, sizeof(b));
	CHECK_EQ(b[15], 0xff);
}

TEST(string, memcmp_equal)
{
	CHECK_EQ(kstr_memcmp("abc", "abc", 3), 0);
	CHECK_EQ(kstr_memcmp("abc", "abd", 0), 0);
	CHECK_EQ(kstr_memcmp("abc", "abd", 2), 0);
}

TEST(string, memcmp_order)
{
	CHECK(kstr_memcmp("abc", "abd", 3) < 0);
	CHECK(kstr_memcmp("abd", "abc", 3) > 0);
}

TEST(string, memcmp_is_unsigned)
{
	/* 0x80 > 0x7f as unsigned char (C11 7.24.4p1). */
	CHECK(kstr_memcmp("\x80", "\x7f", 1) > 0);
	CHECK(kstr_memcmp("\x01", "\xff", 1) < 0);
}

TEST(string, memcmp_difference_at_every_position)
{
	unsigned char a[MAXLEN], b[MAXLEN];

	for (size_t pos = 0; pos < MAXLEN; pos++) {
		fill(a, MAXLEN, 4);
		memcpy(b, a, MAXLEN);
		b[pos]++;
		CHECK_EQ(sign(kstr_memcmp(a, b, MAXLEN)), sign(memcmp(a, b, MAXLEN)));
		CHECK_EQ(kstr_memcmp(a, b, pos), 0);
		CHECK(kstr_memcmp(b, a, MAXLEN) > 0);
	}
}

TEST(string, strlen_all_lengths)
{
	char s[MAXLEN + 1];

	for (size_t n = 0; n <= MAXLEN; n++) {
		memset(s, 'x', n);
		s[n] = 0;
		char *p = dup_exact(s);
		CHECK_EQ(kstr_strlen(p), n);
		free(p);
	}
}

TEST(string, strlen_odd_alignments)
{
	char buf[MAXLEN + 16];

	for (size_t off = 0; off < 8; off++) {
		memset(buf, 'y', sizeof(buf));
		buf[off + 13] = 0;
		CHECK_EQ(kstr_strlen(buf + off), 13);
	}
}

TEST(string, strnlen_limits)
{
	CHECK_EQ(kstr_strnlen("hello", 0), 0);
	CHECK_EQ(kstr_strnlen("hello", 3), 3);
	CHECK_EQ(kstr_strnlen("hello", 5), 5);
	CHECK_EQ(kstr_strnlen("hello", 100), 5);
	CHECK_EQ(kstr_strnlen("", 100), 0);
}

TEST(string, strnlen_unterminated_stays_in_bounds)
{
	char *p = malloc(7);

	memset(p, 'z', 7);
	CHECK_EQ(kstr_strnlen(p, 7), 7);
	free(p);
}

TEST(string, strcmp_basic)
{
	CHECK_EQ(kstr_strcmp("", ""), 0);
	CHECK_EQ(kstr_strcmp("abc", "abc"), 0);
	CHECK(kstr_strcmp("abc", "abd") < 0);
	CHECK(kstr_strcmp("abd", "abc") > 0);
}

TEST(string, strcmp_prefix)
{
	CHECK(kstr_strcmp("ab", "abc") < 0);
	CHECK(kstr_strcmp("abc", "ab") > 0);
	CHECK(kstr_strcmp("", "a") < 0);
}

TEST(string, strcmp_is_unsigned)
{
	CHECK(kstr_strcmp("\xff", "a") > 0);
	CHECK(kstr_strcmp("a", "\x80") < 0);
}

TEST(string, strcmp_matches_libc_sign)
{
	static const char *w[] = { "", "a", "ab", "abc", "abd", "b", "\x7f",
		"\x80", "A", "ab\xff" };

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		for (size_t j = 0; j < sizeof(w) / sizeof(w[0]); j++) {
			char *a = dup_exact(w[i]), *b = dup_exact(w[j]);
			CHECK_EQ(sign(kstr_strcmp(a, b)), sign(strcmp(a, b)));
			free(a);
			free(b);
		}
}

TEST(string, strncmp_limits)
{
	CHECK_EQ(kstr_strncmp("abc", "abd", 2), 0);
	CHECK(kstr_strncmp("abc", "abd", 3) < 0);
	CHECK_EQ(kstr_strncmp("abc", "xyz", 0), 0);
	CHECK_EQ(kstr_strncmp("abc", "abc", 100), 0);
}

TEST(string, strncmp_stops_at_nul)
{
	/* Bytes after the common NUL must not be compared (or read). */
	char *a = dup_exact("ab"), *b = dup_exact("ab");

	CHECK_EQ(kstr_strncmp(a, b, 50), 0);
	CHECK(kstr_strncmp("ab", "abc", 50) < 0);
	free(a);
	free(b);
}

TEST(string, strlcpy_fits)
{
	char d[8];

	CHECK_EQ(kstr_strlcpy(d, "abc", sizeof(d)), 3);
	CHECK_STR(d, "abc");
}

TEST(string, strlcpy_exact_fit)
{
	char d[4];

	CHECK_EQ(kstr_strlcpy(d, "abc", sizeof(d)), 3);
	CHECK_STR(d, "abc");
}

TEST(string, strlcpy_truncates)
{
	char d[4];

	CHECK_EQ(kstr_strlcpy(d, "abcdef", sizeof(d)), 6);
	CHECK_STR(d, "abc");
}

TEST(string, strlcpy_size_one)
{
	char d[2] = "q";

	CHECK_EQ(kstr_strlcpy(d, "abc", 1), 3);
	CHECK_EQ(d[0], 0);
	CHECK_EQ(d[1], 0);
}

TEST(string, strlcpy_size_zero_untouched)
{
	char d[2] = "q";

	CHECK_EQ(kstr_strlcpy(d, "abc", 0), 3);
	CHECK_EQ(d[0], 'q');
}

TEST(string, strlcpy_every_size)
{
	const char *src = "the quick brown fox";

	for (size_t size = 1; size <= 24; size++) {
		char *d = malloc(size);
		CHECK_EQ(kstr_strlcpy(d, src, size), strlen(src));
		CHECK_EQ(strlen(d), size - 1 < strlen(src) ? size - 1 : strlen(src));
		CHECK(strncmp(d, src, strlen(d)) == 0);
		free(d);
	}
}

TEST(string, strlcpy_empty_source)
{
	char d[4] = "zzz";

	CHECK_EQ(kstr_strlcpy(d, "", sizeof(d)), 0);
	CHECK_STR(d, "");
}
