/*
 * Host tests for lib/fmt/fmt.c.  Most cases compare fmt_vsnprintf with
 * the host C library's vsnprintf, which implements the same C11 7.21.6.1
 * rules; the kernel's own choices (%p, %s of NULL, unknown conversions)
 * are checked against fixed strings.
 */
#include "test.h"

#include <stdbool.h>

#include <fmt/fmt.h>

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The cases below deliberately use flag combinations that C defines but
 * GCC's format checker flags as pointless ('0' with '-', ' ' with '+'),
 * and formats the kernel must survive (unknown conversions, huge widths). */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
#pragma GCC diagnostic ignored "-Wformat-overflow"
#pragma GCC diagnostic ignored "-Wformat-extra-args"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Format with both implementations into 512-byte buffers and compare the
 * text and the returned length. */
__attribute__((format(printf, 2, 3)))
static void same_at(int line, const char *fmt, ...)
{
	char got[512], want[512];
	va_list ap, ap2;
	int ng, nw;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	ng = fmt_vsnprintf(got, sizeof(got), fmt, ap);
	nw = vsnprintf(want, sizeof(want), fmt, ap2);
	va_end(ap2);
	va_end(ap);
	if (ng != nw || strcmp(got, want) != 0)
		test_fail(__FILE__, line, "\"%s\": got \"%s\" (%d), want \"%s\" (%d)",
			  fmt, got, ng, want, nw);
}
#define SAME(...) same_at(__LINE__, __VA_ARGS__)

/* Format into a buffer of `size` bytes and check text and length. */
__attribute__((format(printf, 5, 6)))
static void expect_at(int line, size_t size, const char *want, int wantn,
		      const char *fmt, ...)
{
	char got[512];
	va_list ap;
	int n;

	memset(got, 'Z', sizeof(got));
	va_start(ap, fmt);
	n = fmt_vsnprintf(got, size, fmt, ap);
	va_end(ap);
	if (n != wantn || strcmp(got, want) != 0)
		test_fail(__FILE__, line, "\"%s\": got \"%s\" (%d), want \"%s\" (%d)",
			  fmt, got, n, want, wantn);
	if (size < sizeof(got) && got[size] != 'Z')
		test_fail(__FILE__, line, "wrote past the buffer end");
}
#define EXPECT(want, ...) \
	expect_at(__LINE__, 512, want, (int)strlen(want), __VA_ARGS__)

TEST(fmt, plain_text)
{
	SAME("");
	SAME("hello");
	SAME("a\nb\tc");
}

TEST(fmt, percent)
{
	SAME("%%");
	SAME("100%%");
	SAME("%%%%%d%%", 5);
}

TEST(fmt, decimal)
{
	SAME("%d", 0);
	SAME("%d", 1);
	SAME("%d", -1);
	SAME("%d", 123456789);
	SAME("%i", -42);
	SAME("%d", INT_MAX);
	SAME("%d", INT_MIN);
}

TEST(fmt, unsigned_dec)
{
	SAME("%u", 0u);
	SAME("%u", 42u);
	SAME("%u", UINT_MAX);
	SAME("%u", (unsigned)-1);
}

TEST(fmt, hex)
{
	SAME("%x", 0u);
	SAME("%x", 0xdeadbeefu);
	SAME("%X", 0xdeadbeefu);
	SAME("%x", UINT_MAX);
	SAME("%#x", 0xabcu);
	SAME("%#X", 0xabcu);
	SAME("%#x", 0u);
}

TEST(fmt, octal)
{
	SAME("%o", 0u);
	SAME("%o", 8u);
	SAME("%o", 0777u);
	SAME("%#o", 0u);
	SAME("%#o", 8u);
	SAME("%#.5o", 8u);
	SAME("%#.0o", 0u);
	SAME("%o", UINT_MAX);
}

TEST(fmt, chars)
{
	SAME("%c", 'a');
	SAME("%c%c%c", 'x', 'y', 'z');
	SAME("%5c|", 'q');
	SAME("%-5c|", 'q');
	SAME("%c", 255);
}

TEST(fmt, strings)
{
	SAME("%s", "");
	SAME("%s", "hello");
	SAME("%10s|", "hi");
	SAME("%-10s|", "hi");
	SAME("%.3s", "abcdef");
	SAME("%.0s|", "abc");
	SAME("%10.2s|", "abcdef");
	SAME("%-10.2s|", "abcdef");
	SAME("%.10s", "abc");
	SAME("%2s", "abcdef");
}

TEST(fmt, string_precision_does_not_read_past)
{
	/* Not NUL-terminated: the precision must stop the scan (C11
	 * 7.21.6.1p8); ASan checks no byte beyond is read. */
	char s[3] = { 'a', 'b', 'c' };

	EXPECT("abc", "%.3s", s);
	EXPECT("ab", "%.2s", s);
}

TEST(fmt, null_string)
{
	EXPECT("(null)", "%s", (char *)NULL);
	EXPECT("  (null)", "%8s", (char *)NULL);
	EXPECT("(nu", "%.3s", (char *)NULL);
}

TEST(fmt, pointer)
{
	EXPECT("0x0000000000000000", "%p", (void *)0);
	EXPECT("0x00000000deadbeef", "%p", (void *)0xdeadbeefUL);
	EXPECT("0xffff800000001000", "%p", (void *)0xffff800000001000UL);
	EXPECT("  0x0000000000000001", "%20p", (void *)1);
	EXPECT("0x0000000000000001  |", "%-20p|", (void *)1);
	EXPECT("  0x0000000000000001", "%020p", (void *)1);
}

TEST(fmt, width)
{
	SAME("%5d|", 42);
	SAME("%-5d|", 42);
	SAME("%1d", 12345);
	SAME("%05d", 42);
	SAME("%05d", -42);
	SAME("%-05d|", -42);
	SAME("%08x", 0xbeefu);
	SAME("%#08x", 0xbeefu);
	SAME("%#8x", 0xbeefu);
}

TEST(fmt, precision)
{
	SAME("%.5d", 42);
	SAME("%.5d", -42);
	SAME("%.0d", 0);
	SAME("%.0x", 0u);
	SAME("%5.0d|", 0);
	SAME("%.d", 0);
	SAME("%8.3d|", 7);
	SAME("%-8.3d|", -7);
	SAME("%08.3d|", 7);
	SAME("%.10x", 0xabcu);
	SAME("%#.10x", 0xabcu);
}

TEST(fmt, sign_flags)
{
	SAME("%+d", 5);
	SAME("%+d", -5);
	SAME("%+d", 0);
	SAME("% d", 5);
	SAME("% d", -5);
	SAME("%+ d", 5);
	SAME("% +d", 5);
	SAME("%+05d", 5);
	SAME("% 05d", 5);
	SAME("%+u", 5u);
	SAME("% x", 5u);
}

TEST(fmt, star_width)
{
	SAME("%*d|", 6, 42);
	SAME("%*d|", -6, 42);
	SAME("%-*d|", 6, 42);
	SAME("%*s|", 4, "ab");
	SAME("%*s|", -4, "ab");
	SAME("%0*d", 5, 3);
}

TEST(fmt, star_precision)
{
	SAME("%.*d", 4, 7);
	SAME("%.*d", -4, 7);
	SAME("%.*s", 2, "abcdef");
	SAME("%.*s", -1, "abcdef");
	SAME("%*.*d|", 8, 4, -7);
	SAME("%0*.*d|", 8, -1, -7);
}

TEST(fmt, len_hh)
{
	SAME("%hhd", 127);
	SAME("%hhd", 128);
	SAME("%hhd", -129);
	SAME("%hhu", 256 + 5);
	SAME("%hhx", 0x1ff);
	SAME("%hhi", (signed char)-1);
}

TEST(fmt, len_h)
{
	SAME("%hd", 32767);
	SAME("%hd", 32768);
	SAME("%hu", 65536 + 7);
	SAME("%hx", 0x12345);
	SAME("%hi", (short)-300);
}

TEST(fmt, len_l)
{
	SAME("%ld", LONG_MAX);
	SAME("%ld", LONG_MIN);
	SAME("%lu", ULONG_MAX);
	SAME("%lx", 0x123456789abcdefUL);
	SAME("%lo", ULONG_MAX);
	SAME("%li", -1L);
}

TEST(fmt, len_ll)
{
	SAME("%lld", LLONG_MAX);
	SAME("%lld", LLONG_MIN);
	SAME("%llu", ULLONG_MAX);
	SAME("%llX", 0xfedcba9876543210ULL);
	SAME("%#llo", ULLONG_MAX);
	SAME("%+lli", 0LL);
}

TEST(fmt, len_z)
{
	SAME("%zu", (size_t)0);
	SAME("%zu", SIZE_MAX);
	SAME("%zx", (size_t)0x1000);
	SAME("%zd", (ptrdiff_t)-5);
}

TEST(fmt, len_j)
{
	SAME("%jd", INTMAX_MIN);
	SAME("%jd", INTMAX_MAX);
	SAME("%ju", UINTMAX_MAX);
	SAME("%jx", (uintmax_t)0xabc);
}

TEST(fmt, len_t)
{
	SAME("%td", (ptrdiff_t)PTRDIFF_MIN);
	SAME("%td", (ptrdiff_t)PTRDIFF_MAX);
	SAME("%tx", (ptrdiff_t)0x7f);
	SAME("%ti", (ptrdiff_t)-1);
}

TEST(fmt, mixed)
{
	SAME("[%s] %d/%u 0x%08x %c %5.2s%%", "tag", -3, 7u, 0x1234u, 'k', "xyz");
	SAME("%s=%-8s|%+.3d|%#o", "key", "val", 9, 9u);
	SAME("%lu %zu %llx %hhd", 1UL, (size_t)2, 3ULL, 4);
}

/* One conversion through every flag subset, width and precision. */
static void sweep_int(char conv, long long v)
{
	static const char *flags[] = { "", "-", "0", "+", " ", "#", "-0",
		"+0", " 0", "#0", "-+", "- ", "-#", "+ ", "#-+0 " };
	static const char *widths[] = { "", "1", "5", "12", "*" };
	static const char *precs[] = { "", ".", ".0", ".1", ".3", ".10", ".*" };
	char f[32];

	for (size_t i = 0; i < ARRAY_LEN(flags); i++)
		for (size_t w = 0; w < ARRAY_LEN(widths); w++)
			for (size_t p = 0; p < ARRAY_LEN(precs); p++) {
				bool sw = widths[w][0] == '*', sp = strchr(precs[p], '*') != NULL;
				snprintf(f, sizeof(f), "<%%%s%s%sll%c>", flags[i],
					 widths[w], precs[p], conv);
				if (sw && sp)
					SAME(f, 7, 2, v);
				else if (sw)
					SAME(f, -9, v);
				else if (sp)
					SAME(f, 4, v);
				else
					SAME(f, v);
			}
}

static const long long sweep_values[] = { 0, 1, -1, 7, -7, 255, 4096, -65536,
	123456789, LLONG_MAX, LLONG_MIN };

TEST(fmt, sweep_d)
{
	for (size_t i = 0; i < ARRAY_LEN(sweep_values); i++)
		sweep_int('d', sweep_values[i]);
}

TEST(fmt, sweep_i)
{
	for (size_t i = 0; i < ARRAY_LEN(sweep_values); i++)
		sweep_int('i', sweep_values[i]);
}

TEST(fmt, sweep_u)
{
	for (size_t i = 0; i < ARRAY_LEN(sweep_values); i++)
		sweep_int('u', sweep_values[i]);
}

TEST(fmt, sweep_x)
{
	for (size_t i = 0; i < ARRAY_LEN(sweep_values); i++)
		sweep_int('x', sweep_values[i]);
}

TEST(fmt, sweep_X)
{
	for (size_t i = 0; i < ARRAY_LEN(sweep_values); i++)
		sweep_int('X', sweep_values[i]);
}

TEST(fmt, sweep_o)
{
	for (size_t i = 0; i < ARRAY_LEN(sweep_values); i++)
		sweep_int('o', sweep_values[i]);
}

TEST(fmt, sweep_s)
{
	static const char *flags[] = { "", "-" };
	static const char *widths[] = { "", "1", "3", "9" };
	static const char *precs[] = { "", ".", ".0", ".2", ".5", ".20" };
	static const char *strs[] = { "", "a", "abc", "abcdefgh" };
	char f[32];

	for (size_t i = 0; i < ARRAY_LEN(flags); i++)
		for (size_t w = 0; w < ARRAY_LEN(widths); w++)
			for (size_t p = 0; p < ARRAY_LEN(precs); p++)
				for (size_t s = 0; s < ARRAY_LEN(strs); s++) {
					snprintf(f, sizeof(f), "<%%%s%s%ss>",
						 flags[i], widths[w], precs[p]);
					SAME(f, strs[s]);
				}
}

TEST(fmt, truncate_middle)
{
	expect_at(__LINE__, 4, "hel", 5, "hello");
	expect_at(__LINE__, 6, "hello", 5, "hello");
	expect_at(__LINE__, 5, "hell", 5, "hello");
}

TEST(fmt, truncate_size_one)
{
	expect_at(__LINE__, 1, "", 10, "%d", 1234567890);
}

TEST(fmt, truncate_size_zero_null_buffer)
{
	CHECK_EQ(fmt_snprintf(NULL, 0, "%s-%d", "abc", 42), 6);
}

TEST(fmt, truncate_size_zero_keeps_buffer)
{
	char b[4] = "xyz";

	CHECK_EQ(fmt_snprintf(b, 0, "hello"), 5);
	CHECK_STR(b, "xyz");
}

TEST(fmt, truncate_every_size)
{
	const char *full = "v=-00042 [  str] 0XBEEF";
	char buf[64];

	for (size_t sz = 1; sz <= strlen(full) + 2; sz++) {
		memset(buf, 'Z', sizeof(buf));
		int n = fmt_snprintf(buf, sz, "v=%06d [%5s] %#X", -42, "str",
				     0xbeefu);
		CHECK_EQ(n, strlen(full));
		CHECK_EQ(strlen(buf), sz - 1 < strlen(full) ? sz - 1 : strlen(full));
		CHECK(strncmp(buf, full, strlen(buf)) == 0);
		CHECK(buf[sz] == 'Z');
	}
}

TEST(fmt, truncate_in_padding)
{
	expect_at(__LINE__, 4, "   ", 10, "%10d", 5);
	expect_at(__LINE__, 3, "ab", 6, "%-6s", "ab");
}

TEST(fmt, snprintf_varargs)
{
	char b[32];

	CHECK_EQ(fmt_snprintf(b, sizeof(b), "%s %d %x", "x", 10, 255u), 7);
	CHECK_STR(b, "x 10 ff");
}

TEST(fmt, unknown_conversion_echoed)
{
	EXPECT("%q", "%q");
	EXPECT("a%-5qb", "a%-5qb");
	EXPECT("%lk 5", "%lk %d", 5);
}

TEST(fmt, trailing_percent)
{
	EXPECT("abc%", "abc%");
	EXPECT("x%-3", "x%-3");
}

TEST(fmt, huge_width_saturates)
{
	char b[8];
	int n = fmt_snprintf(b, sizeof(b), "%99999999999d", 1);

	CHECK_EQ(n, 4096);
	CHECK_STR(b, "       ");
}

TEST(fmt, huge_star_width)
{
	CHECK_EQ(fmt_snprintf(NULL, 0, "%*d", INT_MAX, 1), 4096);
	CHECK_EQ(fmt_snprintf(NULL, 0, "%*d", INT_MIN, 1), 4096);
}

struct count_ctx {
	char text[64];
	int n;
};

static void count_emit(char c, void *ctx)
{
	struct count_ctx *cc = ctx;

	if (cc->n < (int)sizeof(cc->text) - 1)
		cc->text[cc->n] = c;
	cc->n++;
}

static int vformat_into(struct count_ctx *cc, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vformat(count_emit, cc, fmt, ap);
	va_end(ap);
	return n;
}

TEST(fmt, vformat_callback)
{
	struct count_ctx cc = { { 0 }, 0 };

	CHECK_EQ(vformat_into(&cc, "%s:%03u", "cpu", 7u), 7);
	CHECK_EQ(cc.n, 7);
	CHECK_STR(cc.text, "cpu:007");
}

TEST(fmt, vformat_empty)
{
	struct count_ctx cc = { { 0 }, 0 };

	CHECK_EQ(vformat_into(&cc, ""), 0);
	CHECK_EQ(cc.n, 0);
}
