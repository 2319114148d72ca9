/*
 * Fuzz kernel/core/cmdline.c, the kernel command-line parser (the line is
 * \mantra\boot.cfg, which anyone who can write the boot volume controls).
 * Each input is a key, an output size, a list item and the line; the
 * harness keeps the line with cmdline_init, asks cmdline_get for the key
 * into a heap buffer of exactly that size (ASan reports any write past it)
 * and compares every answer with a plain re-reading of kernel/cmdline.h's
 * rules: words separated by spaces, the first word that is "key" or
 * "key=value" wins, values are truncated to the buffer; lists are
 * comma-separated.
 *
 * cmdline.c needs only strlcpy beyond the host C library (glibc 2.36 has
 * none): fuzz_kstring.c supplies lib/string's.
 */
#include "fuzz.h"

#include <kernel/cmdline.h>
#include <mantra/bootinfo.h>

/* The keys the kernel asks for (kernel/core/main.c, userboot.c). */
static const char *const known_keys[] = {
	"loglevel", "debug", "crashtest", "selftest", "sched", "ipc", "init",
};

/* The rules of kernel/cmdline.h, written out independently: the value of
 * the first word of `line` that is `key` or starts with "key=". */
static bool oracle_get(const char *line, const char *key, const char **val,
		       size_t *vlen)
{
	size_t klen = strlen(key);

	for (const char *p = line; *p;) {
		size_t n = strcspn(p, " ");

		if (n && n >= klen && memcmp(p, key, klen) == 0 &&
		    (n == klen || p[klen] == '=')) {
			*val = p + (n == klen ? n : klen + 1);
			*vlen = n == klen ? 0 : n - klen - 1;
			return true;
		}
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

/* Is `item` (not empty) one of the comma-separated words of `list`? */
static bool oracle_list_has(const char *list, const char *item)
{
	size_t ilen = strlen(item);

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");

		if (n == ilen && memcmp(p, item, n) == 0)
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

/* A NUL-terminated heap string of up to `max` bytes from the input. */
static char *take_string(struct fuzz_in *in, size_t max)
{
	size_t n = fuzz_u8(in) % (max + 1);
	char *s = malloc(n + 1);

	FUZZ_CHECK(s != NULL);
	fuzz_bytes(in, s, n);
	s[n] = '\0';
	return s;
}

static void check_list(const char *list, const char *item)
{
	if (item[0])
		FUZZ_CHECK(cmdline_list_has(list, item) == oracle_list_has(list, item));
	else
		(void)cmdline_list_has(list, item);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t pick = fuzz_u8(&in);
	size_t out_size = fuzz_u8(&in) % 72;
	char *key = pick & 0x80 ? take_string(&in, 40) : NULL;
	char *item = take_string(&in, 16);
	size_t line_len = in.n, vlen = 0, alen;
	char *line = malloc(line_len + 1), *out = out_size ? malloc(out_size) : NULL;
	const char *k = key ? key : known_keys[pick % (sizeof(known_keys) / sizeof(known_keys[0]))];
	const char *all, *val = NULL;
	bool found;

	FUZZ_CHECK(line != NULL && (out || !out_size));
	fuzz_bytes(&in, line, line_len);
	line[line_len] = '\0';

	cmdline_init(line);
	all = cmdline_get_all();
	alen = strlen(all);
	/* The kept line is the given one, cut to what BootInfo can carry. */
	FUZZ_CHECK(alen < MANTRA_CMDLINE_MAX);
	FUZZ_CHECK(memcmp(all, line, alen) == 0);
	FUZZ_CHECK(alen == strlen(line) || alen == MANTRA_CMDLINE_MAX - 1);

	found = oracle_get(all, k, &val, &vlen);
	FUZZ_CHECK(cmdline_get(k, out, out_size) == found);
	if (found && out_size) {
		size_t want = vlen < out_size - 1 ? vlen : out_size - 1;

		FUZZ_CHECK(strlen(out) == want && memcmp(out, val, want) == 0);
		check_list(out, item);
		check_list(out, "slab");
	}
	check_list(all, item);
	free(key);
	free(item);
	free(line);
	free(out);
	return 0;
}
