/*
 * libc.*: the C library in a real process: the allocator over memory
 * objects (and giving them back), stdio buffering over the debug log and
 * over memory, setjmp, conversions, argv and the environment from a
 * spawn's argument line, the clock, exit and abort.  The pure parts are
 * also tested on the host (tests/host/test_libc_*.c); these check them
 * against the real system layer (lib/libc/sys/).
 */
#include "guest.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ----------------------------------------------------------- */

enum libc_role {
	LIBC_ROLE_ARGV = 1,      /* check argv; exit 0 or the failed check */
	LIBC_ROLE_ENV = 2,       /* check the environment likewise */
	LIBC_ROLE_ATEXIT = 3,    /* exit(5) with a handler that _Exit(77)s */
	LIBC_ROLE_ABORT = 4,     /* abort() */
	LIBC_ROLE_RETURN = 5,    /* exit(42) with a line in a full buffer */
};

#define LIBC_ARGS_LINE "alpha=1 -x beta=two plain"

static void role_atexit_handler(void)
{
	_Exit(77);
}

/* The checks of one role, as an exit code: 0 when all hold, else the
 * number of the first that failed. */
static int role_argv(void)
{
	if (gt_argc != 5)
		return 1;
	if (strcmp(gt_argv[0], "libcargs") != 0)
		return 2;
	if (strcmp(gt_argv[1], "alpha=1") || strcmp(gt_argv[2], "-x") ||
	    strcmp(gt_argv[3], "beta=two") || strcmp(gt_argv[4], "plain"))
		return 3;
	return gt_argv[5] == NULL ? 0 : 4;
}

static int role_env(void)
{
	size_t n = 0;

	while (environ[n])
		n++;
	if (n != 2)
		return 1;
	if (!getenv("alpha") || strcmp(getenv("alpha"), "1") != 0)
		return 2;
	if (!getenv("beta") || strcmp(getenv("beta"), "two") != 0)
		return 3;
	if (getenv("plain") || getenv("-x") || getenv("gamma"))
		return 4;
	if (setenv("gamma", "3", 0) || strcmp(getenv("gamma"), "3") != 0)
		return 5;
	return 0;
}

void gt_helper_libc_main(uint32_t param)
{
	switch (param) {
	case LIBC_ROLE_ARGV:
		exit(role_argv());
	case LIBC_ROLE_ENV:
		exit(role_env());
	case LIBC_ROLE_ATEXIT:
		(void)atexit(role_atexit_handler);
		exit(5);
	case LIBC_ROLE_ABORT:
		abort();
	case LIBC_ROLE_RETURN:
		/* Fully buffered: only exit's flush writes the line. */
		(void)setvbuf(stdout, NULL, _IOFBF, 0);
		printf("libc: a helper's line, written by exit\n");
		exit(42);
	}
	exit(250);
}

/* Spawn bin/testinit as "libcargs" in libc role `role` with argument line
 * `line`; returns its exit code (it must exit, not fault). */
static int libc_run_role(enum libc_role role, const char *line)
{
	const struct mt_startup *self = mt_startup();
	struct mt_spawn_args args = { 0 };
	struct mt_spawn_result child;
	struct mt_task_result res;
	struct bootfs_file file;

	GT_OK(mt_bootfs_file("bin/testinit", &file));
	args.name = "libcargs";
	args.image = file.data;
	args.image_size = file.size;
	args.arg = GT_HELPER_ARG(GT_HELPER_LIBC, role);
	args.bootfs = self->bootfs;
	args.bootfs_size = self->bootfs_size;
	args.debuglog = self->debuglog;
	args.args = line;
	GT_OK(mt_spawn(&args, &child));
	gt_wait(child.process, MT_SIGNAL_TERMINATED, 3000);
	GT_OK(mt_task_result(child.process, &res));
	mt_spawn_release(&child);
	GT_CHECK_EQ(res.state, MT_TASK_EXITED);
	return (int)res.exit_code;
}

static void heap_check(void)
{
	const char *why = NULL;

	if (!malloc_check(&why))
		gt_fail("malloc_check: %s", why);
}

static uint64_t free_frames(void)
{
	struct mt_kernel_stats s;

	GT_OK(mt_debug_stats(gt_log(), &s));
	return s.free_frames;
}

static uint32_t libc_rand_state = 12345;

static uint32_t libc_rand(void)
{
	libc_rand_state ^= libc_rand_state << 13;
	libc_rand_state ^= libc_rand_state >> 17;
	libc_rand_state ^= libc_rand_state << 5;
	return libc_rand_state;
}

/* Mark a block's first and last bytes with a tag of its slot. */
static void tag(unsigned char *p, size_t n, unsigned char t)
{
	if (n) {
		p[0] = t;
		p[n - 1] = t;
		p[n / 2] = t;
	}
}

static bool tagged(const unsigned char *p, size_t n, unsigned char t)
{
	return !n || (p[0] == t && p[n - 1] == t && p[n / 2] == t);
}

/* ---- the allocator ------------------------------------------------------ */

GT_TEST(libc, malloc_many_sizes)
{
	static unsigned char *p[600];

	for (size_t i = 0; i < 600; i++) {
		size_t n = i * 7 + (i % 3) * 1000;

		p[i] = malloc(n);
		GT_CHECK(p[i] != NULL);
		GT_CHECK_EQ((uintptr_t)p[i] % 16, 0);
		GT_CHECK(malloc_usable_size(p[i]) >= n);
		memset(p[i], (int)i, n);
	}
	heap_check();
	for (size_t i = 0; i < 600; i++) {
		size_t n = i * 7 + (i % 3) * 1000;

		GT_CHECK(!n || (p[i][0] == (unsigned char)i &&
				p[i][n - 1] == (unsigned char)i));
		free(p[i]);
	}
	heap_check();
}

GT_TEST(libc, malloc_realloc_stress)
{
	enum { SLOTS = 256 };
	static unsigned char *p[SLOTS];
	static size_t len[SLOTS];

	for (int round = 0; round < 6000; round++) {
		unsigned i = libc_rand() % SLOTS, kind = libc_rand() % 8;
		size_t n = kind < 5 ? libc_rand() % 200 : kind < 7 ?
			   libc_rand() % 6000 : libc_rand() % 200000;

		if (p[i] && !tagged(p[i], len[i], (unsigned char)i))
			gt_fail("slot %u lost its contents", i);
		if (p[i] && kind == 0) {
			free(p[i]);
			p[i] = NULL;
			len[i] = 0;
			continue;
		}
		p[i] = p[i] ? realloc(p[i], n) : malloc(n);
		GT_CHECK(p[i] != NULL);
		if (len[i] && n && p[i][0] != (unsigned char)i)
			gt_fail("realloc of slot %u lost its first byte", i);
		len[i] = n;
		tag(p[i], n, (unsigned char)i);
	}
	heap_check();
	for (int i = 0; i < SLOTS; i++)
		free(p[i]);
	heap_check();
}

/* Blocks freed in any order merge into whole chunks, which are unmapped:
 * the kernel gets its frames back. */
GT_TEST(libc, free_coalesces_and_returns_memory)
{
	enum { N = 8192 };
	static void *p[N];
	struct malloc_stats st;
	uint64_t before, during, after;

	free(malloc(16));                          /* the first chunk */
	before = free_frames();
	for (int i = 0; i < N; i++) {
		p[i] = malloc(500);
		GT_CHECK(p[i] != NULL);
		memset(p[i], 1, 500);              /* commit the pages */
	}
	during = free_frames();
	GT_CHECK(before - during >= 900);          /* ~4 MiB touched */
	for (int i = 0; i < N; i += 2)
		free(p[i]);
	heap_check();
	for (int i = N - 1; i > 0; i -= 2)
		free(p[i]);
	heap_check();
	malloc_stats_get(&st);
	GT_CHECK_EQ(st.chunks, 1);
	GT_CHECK_EQ(st.large, 0);
	after = free_frames();
	/* Back to where we were, less the one chunk kept (64 pages, touched)
	 * and what page tables keep. */
	if (after + 64 + 32 < before)
		gt_fail("frames: %llu before, %llu allocated, %llu after free",
			(unsigned long long)before, (unsigned long long)during,
			(unsigned long long)after);
}

GT_TEST(libc, large_blocks_are_unmapped)
{
	uint64_t before = free_frames();
	size_t n = 2u << 20;
	unsigned char *p = malloc(n);

	GT_CHECK(p != NULL);
	memset(p, 0x5a, n);
	GT_CHECK(before - free_frames() >= 512);
	p = realloc(p, n * 2);
	GT_CHECK(p != NULL && p[n - 1] == 0x5a);
	free(p);
	GT_CHECK(free_frames() + 16 >= before);
}

GT_TEST(libc, aligned_alloc_and_calloc)
{
	void *q = NULL;

	for (size_t align = 16; align <= 8192; align *= 2) {
		void *p = aligned_alloc(align, 100);

		GT_CHECK(p != NULL);
		GT_CHECK_EQ((uintptr_t)p % align, 0);
		free(p);
	}
	GT_CHECK_EQ(posix_memalign(&q, 4096, 5000), 0);
	GT_CHECK_EQ((uintptr_t)q % 4096, 0);
	free(q);
	unsigned char *z = calloc(1000, 3);
	GT_CHECK(z != NULL);
	for (int i = 0; i < 3000; i++)
		GT_CHECK(z[i] == 0);
	free(z);
	heap_check();
}

/* ---- stdio -------------------------------------------------------------- */

struct rec_stream {
	char data[512];
	size_t len;
	int calls;
};

static ssize_t rec_write(void *cookie, const char *buf, size_t n)
{
	struct rec_stream *r = cookie;

	if (n > sizeof(r->data) - 1 - r->len)
		n = sizeof(r->data) - 1 - r->len;
	memcpy(r->data + r->len, buf, n);
	r->len += n;
	r->data[r->len] = 0;
	r->calls++;
	return (ssize_t)n;
}

GT_TEST(libc, stdio_buffering_modes)
{
	static const int modes[] = { _IOFBF, _IOLBF, _IONBF };
	cookie_io_functions_t ops = { NULL, rec_write, NULL, NULL };
	struct rec_stream r;

	for (int m = 0; m < 3; m++) {
		FILE *f;

		memset(&r, 0, sizeof(r));
		f = fopencookie(&r, "w", ops);
		GT_CHECK(f != NULL);
		GT_CHECK_EQ(setvbuf(f, NULL, modes[m], 64), 0);
		GT_CHECK_EQ(fprintf(f, "one %d\n", 1), 6);
		GT_CHECK_EQ(fputs("two", f), 0);
		/* Full: nothing yet; line: the first line; none: both. */
		GT_CHECK_EQ(r.calls, m);
		GT_CHECK_EQ(fflush(f), 0);
		GT_CHECK(strcmp(r.data, "one 1\ntwo") == 0);
		GT_CHECK_EQ(fclose(f), 0);
	}
}

/* stdout and stderr reach the debug log (what they print shows in the
 * console log of the guest suite); stdin is at its end. */
GT_TEST(libc, standard_streams)
{
	char line[8];

	GT_CHECK_EQ(printf("libc: stdout line %d\n", 1), 20);
	GT_CHECK_EQ(printf("libc: held "), 11);
	GT_CHECK_EQ(fflush(stdout), 0);
	GT_CHECK_EQ(puts("and flushed"), 0);
	GT_CHECK_EQ(fprintf(stderr, "libc: stderr %s\n", "unbuffered"), 24);
	GT_CHECK(!ferror(stdout) && !ferror(stderr));
	GT_CHECK_EQ(getchar(), EOF);
	GT_CHECK(feof(stdin));
	GT_CHECK(fgets(line, sizeof(line), stdin) == NULL);
}

GT_TEST(libc, memory_streams)
{
	char area[64], word[16];
	char *dyn = NULL;
	size_t dyn_len = 0;
	int n = 0;
	FILE *f = fmemopen(area, sizeof(area), "w+");

	GT_CHECK(f != NULL);
	GT_CHECK_EQ(fprintf(f, "%s %d %x", "words", 12, 0xabcu), 12);
	rewind(f);
	GT_CHECK(fgets(word, 6, f) != NULL && strcmp(word, "words") == 0);
	GT_CHECK_EQ(fgetc(f), ' ');
	GT_CHECK_EQ(ungetc('#', f), '#');
	GT_CHECK_EQ(fgetc(f), '#');
	GT_CHECK_EQ(ftell(f), 6);
	GT_CHECK_EQ(fclose(f), 0);
	GT_CHECK(strcmp(area, "words 12 abc") == 0);

	f = open_memstream(&dyn, &dyn_len);
	GT_CHECK(f != NULL);
	for (int i = 0; i < 500; i++)
		n += fprintf(f, "[%03d]", i);
	GT_CHECK_EQ(fclose(f), 0);
	GT_CHECK_EQ(dyn_len, (size_t)n);
	GT_CHECK(strncmp(dyn + dyn_len - 5, "[499]", 5) == 0);
	free(dyn);
}

GT_TEST(libc, printf_formats)
{
	char buf[96];
	char *s;

	GT_CHECK_EQ(snprintf(buf, sizeof(buf), "%d|%5u|%-4x|%08lld|%c|%.2s|%p",
			     -12, 34u, 0xabu, -5ll, 'z', "xyz", (void *)0x10),
		    47);
	GT_CHECK(strcmp(buf, "-12|   34|ab  |-0000005|z|xy|0x0000000000000010") == 0);
	GT_CHECK_EQ(snprintf(buf, 4, "%s", "overflow"), 8);
	GT_CHECK(strcmp(buf, "ove") == 0);
	GT_CHECK_EQ(sprintf(buf, "%ld %lu", LONG_MIN, ULONG_MAX), 41);
	GT_CHECK(strcmp(buf, "-9223372036854775808 18446744073709551615") == 0);
	GT_CHECK_EQ(asprintf(&s, "%s=%d", "k", 9), 3);
	GT_CHECK(strcmp(s, "k=9") == 0);
	free(s);
}

/* ---- setjmp, conversions, sorting -------------------------------------- */

static jmp_buf libc_jb;

static __attribute__((noinline)) int libc_dive(int depth)
{
	volatile char frame[128];

	frame[0] = (char)depth;
	if (depth == 0)
		longjmp(libc_jb, 7);
	return libc_dive(depth - 1) + frame[0];
}

GT_TEST(libc, setjmp_longjmp)
{
	volatile int passes = 0;
	int r = setjmp(libc_jb);

	passes++;
	if (r == 0) {
		libc_dive(50);
		gt_fail("libc_dive returned");
	}
	GT_CHECK_EQ(r, 7);
	GT_CHECK_EQ(passes, 2);
	if (setjmp(libc_jb) == 0)
		longjmp(libc_jb, 0);               /* arrives as 1 */
	GT_CHECK_EQ(passes, 2);
}

GT_TEST(libc, strtol_edge_cases)
{
	char *end;

	errno = 0;
	GT_CHECK_EQ(strtol("  -0x7fffffffffffffff", &end, 0), -LONG_MAX);
	GT_CHECK(*end == 0 && errno == 0);
	GT_CHECK_EQ(strtol("9223372036854775808", &end, 10), LONG_MAX);
	GT_CHECK_EQ(errno, ERANGE);
	errno = 0;
	GT_CHECK_EQ(strtol("-9223372036854775808", NULL, 10), LONG_MIN);
	GT_CHECK_EQ(errno, 0);
	GT_CHECK_EQ(strtoul("-1", NULL, 0), ULONG_MAX);
	GT_CHECK_EQ(strtol("0777", NULL, 0), 511);
	GT_CHECK_EQ(strtol("z", NULL, 36), 35);
	GT_CHECK_EQ(strtol("0x", &end, 0), 0);
	GT_CHECK(*end == 'x');
	GT_CHECK_EQ(strtol("junk", &end, 10), 0);
	GT_CHECK(strcmp(end, "junk") == 0);
	GT_CHECK_EQ(strtoull("11111111", NULL, 2), 255);
	GT_CHECK_EQ(atoi("-17 apples"), -17);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

GT_TEST(libc, qsort_and_bsearch)
{
	enum { N = 5000 };
	static uint32_t a[N];

	for (int i = 0; i < N; i++)
		a[i] = libc_rand() % 100000;
	qsort(a, N, sizeof(a[0]), cmp_u32);
	for (int i = 1; i < N; i++)
		GT_CHECK(a[i - 1] <= a[i]);
	for (int i = 0; i < N; i += 97) {
		uint32_t *hit = bsearch(&a[i], a, N, sizeof(a[0]), cmp_u32);

		GT_CHECK(hit && *hit == a[i]);
	}
	uint32_t missing = 100001;
	GT_CHECK(bsearch(&missing, a, N, sizeof(a[0]), cmp_u32) == NULL);
	for (int i = 0; i < N; i++)
		a[i] = (uint32_t)(N - i);              /* reversed */
	qsort(a, N, sizeof(a[0]), cmp_u32);
	GT_CHECK(a[0] == 1 && a[N - 1] == N);
}

GT_TEST(libc, strings_and_ctype)
{
	char text[] = "key = value ; other=thing";
	char *save, *tok, *d;

	tok = strtok_r(text, " =;", &save);
	GT_CHECK(tok && strcmp(tok, "key") == 0);
	tok = strtok_r(NULL, " =;", &save);
	GT_CHECK(tok && strcmp(tok, "value") == 0);
	GT_CHECK(strstr("haystack", "st") != NULL);
	GT_CHECK(strcasecmp("MantraOS", "mantraos") == 0);
	GT_CHECK_EQ(strcspn("abc;def", ";"), 3);
	d = strdup("copy");
	GT_CHECK(d && strcmp(d, "copy") == 0);
	free(d);
	GT_CHECK(isalpha('q') && !isalpha('1') && isspace('\n') && toupper('a') == 'A');
}

/* ---- the process: arguments, environment, exit ------------------------- */

GT_TEST(libc, argv_from_spawn_arguments)
{
	GT_CHECK_EQ(libc_run_role(LIBC_ROLE_ARGV, LIBC_ARGS_LINE), 0);
	/* And no arguments: argv is just the name. */
	GT_CHECK_EQ(libc_run_role(LIBC_ROLE_ARGV, NULL), 1);
}

GT_TEST(libc, getenv_from_spawn_environment)
{
	GT_CHECK_EQ(libc_run_role(LIBC_ROLE_ENV, LIBC_ARGS_LINE), 0);
}

GT_TEST(libc, setenv_getenv_in_process)
{
	GT_CHECK(getenv("LIBC_TEST") == NULL);
	GT_CHECK_EQ(setenv("LIBC_TEST", "yes", 1), 0);
	GT_CHECK(strcmp(getenv("LIBC_TEST"), "yes") == 0);
	GT_CHECK_EQ(setenv("LIBC_TEST", "no", 0), 0);
	GT_CHECK(strcmp(getenv("LIBC_TEST"), "yes") == 0);
	GT_CHECK_EQ(unsetenv("LIBC_TEST"), 0);
	GT_CHECK(getenv("LIBC_TEST") == NULL);
}

GT_TEST(libc, exit_runs_atexit_handlers)
{
	GT_CHECK_EQ(libc_run_role(LIBC_ROLE_ATEXIT, NULL), 77);
	GT_CHECK_EQ(libc_run_role(LIBC_ROLE_RETURN, NULL), 42);
}

GT_TEST(libc, abort_ends_with_134)
{
	GT_CHECK_EQ(libc_run_role(LIBC_ROLE_ABORT, NULL), 134);
}

/* ---- time and errno ----------------------------------------------------- */

GT_TEST(libc, clock_gettime_monotonic_and_nanosleep)
{
	struct timespec a, b, req = { 0, 20 * 1000 * 1000 };
	int64_t ns;

	GT_CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &a), 0);
	for (int i = 0; i < 100; i++) {
		GT_CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &b), 0);
		GT_CHECK(b.tv_nsec >= 0 && b.tv_nsec < 1000000000);
		GT_CHECK(b.tv_sec > a.tv_sec ||
			 (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
		a = b;
	}
	GT_CHECK_EQ(nanosleep(&req, NULL), 0);
	GT_CHECK_EQ(clock_gettime(CLOCK_BOOTTIME, &b), 0);
	ns = (b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec);
	GT_CHECK(ns >= 20 * 1000 * 1000);
	GT_CHECK_EQ(usleep(1000), 0);
	GT_CHECK(a.tv_sec * 1000000000ll + a.tv_nsec <= mt_clock_get());
}

GT_TEST(libc, errno_values)
{
	struct timespec ts, bad = { 0, 1000000000 };

	errno = 0;
	GT_CHECK_EQ(clock_gettime(CLOCK_REALTIME, &ts), -1);
	GT_CHECK_EQ(errno, EINVAL);
	GT_CHECK_EQ(time(NULL), (time_t)-1);
	errno = 0;
	GT_CHECK_EQ(nanosleep(&bad, NULL), -1);
	GT_CHECK_EQ(errno, EINVAL);
	errno = 0;
	GT_CHECK(malloc((size_t)1 << 50) == NULL);
	GT_CHECK_EQ(errno, ENOMEM);
	errno = 0;
	(void)strtoll("99999999999999999999", NULL, 10);
	GT_CHECK_EQ(errno, ERANGE);
	errno = 0;
	GT_CHECK_EQ(setenv("A=B", "c", 1), -1);
	GT_CHECK_EQ(errno, EINVAL);
	GT_CHECK(strcmp(strerror(ERANGE), "Result out of range") == 0);
	GT_CHECK(&errno == __errno_location());
}
