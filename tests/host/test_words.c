/* Host tests for lib/words (command-line words) and the kernel's use of
 * them for init's arguments (kernel/core/cmdline.c). */
#include "test.h"

#include <kernel/cmdline.h>
#include <words/words.h>

/* cmdline.c needs strlcpy, which glibc 2.36 lacks. */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = 0;
	}
	return n;
}

TEST(words, next_skips_spaces)
{
	const char *line = "  a=1   bb  ", *w = NULL, *p;
	size_t n = 0;

	p = words_next(line, &w, &n);
	CHECK(p && n == 3 && strncmp(w, "a=1", 3) == 0);
	p = words_next(p, &w, &n);
	CHECK(p && n == 2 && strncmp(w, "bb", 2) == 0);
	CHECK(words_next(p, &w, &n) == NULL);
	CHECK(words_next("", &w, &n) == NULL);
}

TEST(words, get_first_match_bare_and_truncated)
{
	char out[8] = "unset";

	CHECK(!words_get("seedling=3 x", "seed", out, sizeof(out)));
	CHECK(strcmp(out, "unset") == 0);
	CHECK(words_get("seed=3 seed=4", "seed", out, sizeof(out)));
	CHECK(strcmp(out, "3") == 0);
	CHECK(words_get("a seed b", "seed", out, sizeof(out)));
	CHECK(strcmp(out, "") == 0);
	CHECK(words_get("calls=123456789012", "calls", out, sizeof(out)));
	CHECK(strcmp(out, "1234567") == 0);
	CHECK(words_get("k=v", "k", NULL, 0));
}

TEST(words, init_arguments_from_the_command_line)
{
	char out[32];

	cmdline_init("loglevel=info init=bin/sysfuzz init.calls=100 init. x.init.y "
		     "init.seed=0x7");
	CHECK_EQ(cmdline_words_with_prefix("init.", out, sizeof(out)), 18);
	CHECK(strcmp(out, "calls=100 seed=0x7") == 0);
	CHECK_EQ(cmdline_words_with_prefix("init.", out, 12), 9);
	CHECK(strcmp(out, "calls=100") == 0);
	CHECK_EQ(cmdline_words_with_prefix("nothing.", out, sizeof(out)), 0);
	CHECK(strcmp(out, "") == 0);
	CHECK(cmdline_get("init", out, sizeof(out)));
	CHECK(strcmp(out, "bin/sysfuzz") == 0);
}
