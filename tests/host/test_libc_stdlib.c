/*
 * Host tests of lib/libc: string to number conversions, qsort, bsearch,
 * the environment and argument splitting, exit and atexit, setjmp.
 */
#include "test.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libc_host.h"

struct strtol_case {
	const char *s;
	int base;
	long long value;
	int end;              /* characters consumed */
	int err;              /* errno afterwards (0: unchanged) */
};

TEST(libc_stdlib, strtoll_table)
{
	static const struct strtol_case cases[] = {
		{ "0", 10, 0, 1, 0 },
		{ "  -42xyz", 10, -42, 5, 0 },
		{ "+17", 0, 17, 3, 0 },
		{ "0x1F", 0, 31, 4, 0 },
		{ "0X1f", 16, 31, 4, 0 },
		{ "0x", 16, 0, 1, 0 },              /* "0", then junk */
		{ "0xg", 0, 0, 1, 0 },
		{ "017", 0, 15, 3, 0 },
		{ "019", 0, 1, 2, 0 },
		{ "zz", 36, 35 * 36 + 35, 2, 0 },
		{ "Zz", 36, 35 * 36 + 35, 2, 0 },
		{ "101", 2, 5, 3, 0 },
		{ "", 10, 0, 0, 0 },
		{ "   ", 10, 0, 0, 0 },
		{ "-", 10, 0, 0, 0 },
		{ "+x", 10, 0, 0, 0 },
		{ "9223372036854775807", 10, LLONG_MAX, 19, 0 },
		{ "9223372036854775808", 10, LLONG_MAX, 19, ERANGE },
		{ "-9223372036854775808", 10, LLONG_MIN, 20, 0 },
		{ "-9223372036854775809", 10, LLONG_MIN, 20, ERANGE },
		{ "99999999999999999999999999", 10, LLONG_MAX, 26, ERANGE },
		{ "7fffffffffffffff", 16, LLONG_MAX, 16, 0 },
		{ "12", 1, 0, 0, EINVAL },
		{ "12", 37, 0, 0, EINVAL },
		{ "12", -1, 0, 0, EINVAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct strtol_case *c = &cases[i];
		char *end = NULL;

		errno = 0;
		CHECK_EQ(strtoll(c->s, &end, c->base), c->value);
		CHECK_EQ(end - c->s, c->end);
		CHECK_EQ(errno, c->err);
	}
}

TEST(libc_stdlib, strtol_unsigned_and_narrow)
{
	char *end;

	errno = 0;
	CHECK(strtoul("18446744073709551615", &end, 10) == ULONG_MAX && !errno);
	CHECK(strtoul("18446744073709551616", &end, 10) == ULONG_MAX &&
	      errno == ERANGE);
	errno = 0;
	CHECK(strtoul("-1", &end, 10) == ULONG_MAX && !errno && *end == 0);
	CHECK(strtoull("-18446744073709551615", NULL, 10) == 1);
	CHECK(strtoumax("0xffffffffffffffff", NULL, 0) == UINTMAX_MAX);
	CHECK(strtoimax("-0x10", NULL, 0) == -16);
	CHECK(strtol("2147483648", NULL, 10) == 2147483648l);
	CHECK_EQ(atoi("  123abc"), 123);
	CHECK_EQ(atol("-9"), -9);
	CHECK_EQ(atoll("77"), 77);
	/* end may be NULL; a NULL-free parse leaves it at the start. */
	end = (char *)1;
	CHECK(strtol("abc", &end, 10) == 0 && strcmp(end, "abc") == 0);
}

TEST(libc_stdlib, abs_div_rand)
{
	div_t d = div(-7, 2);
	ldiv_t l = ldiv(7, -2);
	lldiv_t ll = lldiv(-9, -4);
	unsigned seed = 5, seed2 = 5;
	int first;

	CHECK(d.quot == -3 && d.rem == -1);
	CHECK(l.quot == -3 && l.rem == 1);
	CHECK(ll.quot == 2 && ll.rem == -1);
	CHECK(abs(-3) == 3 && labs(-4) == 4 && llabs(-5) == 5);
	srand(1);
	first = rand();
	for (int i = 0; i < 1000; i++) {
		int r = rand();
		CHECK(r >= 0 && r <= RAND_MAX);
	}
	srand(1);
	CHECK_EQ(rand(), first);
	CHECK_EQ(rand_r(&seed), rand_r(&seed2));
	CHECK(seed == seed2 && seed != 5);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static unsigned sort_seed = 1;

static unsigned next_rand(void)
{
	sort_seed = sort_seed * 1103515245u + 12345u;
	return sort_seed >> 8;
}

static void check_sorted(int *a, size_t n, long long sum)
{
	long long s = 0;

	for (size_t i = 0; i < n; i++) {
		s += a[i];
		if (i)
			CHECK(a[i - 1] <= a[i]);
	}
	CHECK_EQ(s, sum);
}

/* Random, sorted, reversed, all-equal, few-distinct and organ-pipe inputs
 * of many lengths: the result is sorted and a permutation (same sum). */
TEST(libc_stdlib, qsort_shapes)
{
	static int a[3000];

	for (int shape = 0; shape < 6; shape++) {
		for (size_t n = 0; n < 3000; n = n < 40 ? n + 1 : n * 3 / 2) {
			long long sum = 0;

			for (size_t i = 0; i < n; i++) {
				switch (shape) {
				case 0: a[i] = (int)next_rand() - (1 << 23); break;
				case 1: a[i] = (int)i; break;
				case 2: a[i] = (int)(n - i); break;
				case 3: a[i] = 7; break;
				case 4: a[i] = (int)(next_rand() % 3); break;
				default: a[i] = (int)(i < n / 2 ? i : n - i); break;
				}
				sum += a[i];
			}
			qsort(a, n, sizeof(a[0]), cmp_int);
			check_sorted(a, n, sum);
		}
	}
}

struct rec {
	char name[13];       /* odd size: the byte-wise swap */
	int key;
};

static int cmp_rec(const void *a, const void *b)
{
	return cmp_int(&((const struct rec *)a)->key, &((const struct rec *)b)->key);
}

TEST(libc_stdlib, qsort_odd_sizes_and_bsearch)
{
	struct rec r[200];
	int keys[100];

	for (int i = 0; i < 200; i++) {
		r[i].key = (int)(next_rand() % 1000);
		memset(r[i].name, 'a' + r[i].key % 26, sizeof(r[i].name));
	}
	qsort(r, 200, sizeof(r[0]), cmp_rec);
	for (int i = 0; i < 200; i++) {
		CHECK(r[i].name[12] == 'a' + r[i].key % 26);
		if (i)
			CHECK(r[i - 1].key <= r[i].key);
	}
	for (int i = 0; i < 100; i++)
		keys[i] = 2 * i;
	for (int k = -1; k <= 200; k++) {
		int *hit = bsearch(&k, keys, 100, sizeof(int), cmp_int);

		if (k >= 0 && k <= 198 && k % 2 == 0)
			CHECK(hit == &keys[k / 2]);
		else
			CHECK(hit == NULL);
	}
	CHECK(bsearch(&keys[0], keys, 0, sizeof(int), cmp_int) == NULL);
}

TEST(libc_stdlib, args_split)
{
	const char *line = " seed=7  -v file  x=  ";
	char copy[64];
	char *vec[2 * 4 + 3];
	char **envp;
	int argc;

	CHECK_EQ(libc_args_count(line), 4);
	argc = libc_args_split("prog", line, copy, vec, &envp);
	CHECK_EQ(argc, 5);
	CHECK_STR(vec[0], "prog");
	CHECK_STR(vec[1], "seed=7");
	CHECK_STR(vec[2], "-v");
	CHECK_STR(vec[3], "file");
	CHECK_STR(vec[4], "x=");
	CHECK(vec[5] == NULL);
	CHECK_STR(envp[0], "seed=7");
	CHECK_STR(envp[1], "x=");
	CHECK(envp[2] == NULL);
	CHECK_EQ(libc_args_split("p", "", copy, vec, &envp), 1);
	CHECK(vec[1] == NULL && envp[0] == NULL);
}

TEST(libc_stdlib, environment)
{
	char *initial[] = { "A=1", "B=two", "A=shadowed", NULL };
	char **saved = environ;

	environ = initial;
	CHECK_STR(getenv("A"), "1");
	CHECK_STR(getenv("B"), "two");
	CHECK(getenv("C") == NULL && getenv("") == NULL);
	CHECK_EQ(setenv("B", "three", 0), 0);
	CHECK_STR(getenv("B"), "two");
	CHECK(environ == initial);            /* nothing changed, no copy */
	CHECK_EQ(setenv("B", "three", 1), 0);
	CHECK_STR(getenv("B"), "three");
	CHECK_STR(initial[1], "B=two");        /* the original is untouched */
	CHECK_EQ(setenv("C", "", 1), 0);
	CHECK_STR(getenv("C"), "");
	for (int i = 0; i < 50; i++) {
		char name[8] = { 'V', (char)('a' + i % 26), (char)('a' + i / 26), 0 };
		CHECK_EQ(setenv(name, name, 1), 0);
	}
	CHECK_STR(getenv("Vxa"), "Vxa");
	CHECK_EQ(unsetenv("A"), 0);            /* both A entries go */
	CHECK(getenv("A") == NULL);
	CHECK_EQ(unsetenv("nothing"), 0);
	errno = 0;
	CHECK(setenv("X=Y", "1", 1) == -1 && errno == EINVAL);
	CHECK(setenv("", "1", 1) == -1);
	CHECK(unsetenv("a=b") == -1);
	environ = saved;
}

static int exit_trace[4];
static int exit_calls;

static void at_exit_a(void) { exit_trace[exit_calls++] = 'a'; }
static void at_exit_b(void) { exit_trace[exit_calls++] = 'b'; }

/* exit runs the handlers last-registered first, flushes stdout, then
 * ends (here: returns through libc_sys_exit's jump buffer). */
TEST(libc_stdlib, exit_runs_atexit_and_flushes)
{
	jmp_buf jb;

	libc_host_console_reset();
	CHECK_EQ(atexit(at_exit_a), 0);
	CHECK_EQ(atexit(at_exit_b), 0);
	CHECK_EQ(fputs("pending", stdout), 0);
	CHECK_EQ(libc_host.out_len, 0);         /* line-buffered: held */
	libc_host.exit_jmp = &jb;
	if (setjmp(jb) == 0)
		exit(3);
	libc_host.exit_jmp = NULL;
	CHECK_EQ(libc_host.exit_status, 3);
	CHECK_EQ(exit_calls, 2);
	CHECK(exit_trace[0] == 'b' && exit_trace[1] == 'a');
	CHECK_STR(libc_host.out, "pending");
}

static volatile int jump_now = 1;

static int jump_depth(jmp_buf jb, int n)
{
	volatile char pad[64];

	pad[0] = (char)n;
	if (n == 0 && jump_now)
		longjmp(jb, 0);                 /* 0 arrives as 1 */
	if (n == 0)
		return 0;
	return jump_depth(jb, n - 1) + pad[0];
}

TEST(libc_stdlib, setjmp_longjmp)
{
	jmp_buf jb;
	volatile int rounds = 0;
	int r;

	r = setjmp(jb);
	if (r == 0) {
		rounds++;
		jump_depth(jb, 20);
		CHECK(!"jump_depth returned");
	}
	CHECK_EQ(r, 1);
	CHECK_EQ(rounds, 1);
	r = setjmp(jb);
	if (rounds++ < 5)
		longjmp(jb, rounds);
	CHECK_EQ(r, 5);
}
