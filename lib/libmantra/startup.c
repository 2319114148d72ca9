/*
 * The start-up block: written by the creator at the top of the first
 * thread's stack, recorded here once by the C runtime before main().
 */
#include <libmantra/mantra.h>

#include <words/words.h>

static const struct mt_startup *mt_startup_block;

void mt_startup_set(const struct mt_startup *startup)
{
	mt_startup_block = startup;
}

const struct mt_startup *mt_startup(void)
{
	return mt_startup_block;
}

bool mt_startup_arg(const char *key, char *out, size_t size)
{
	const struct mt_startup *su = mt_startup_block;

	if (!su || !su->args)
		return false;
	return words_get((const char *)(uintptr_t)su->args, key, out, size);
}

uint64_t mt_startup_arg_u64(const char *key, uint64_t dflt)
{
	char text[24];
	const char *p = text;
	unsigned base = 10;
	uint64_t v = 0;

	if (!mt_startup_arg(key, text, sizeof(text)))
		return dflt;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		return dflt;
	for (; *p; p++) {
		unsigned d = *p >= '0' && *p <= '9' ? (unsigned)(*p - '0') :
			     *p >= 'a' && *p <= 'f' ? (unsigned)(*p - 'a' + 10) :
			     *p >= 'A' && *p <= 'F' ? (unsigned)(*p - 'A' + 10) : 99;
		if (d >= base)
			return dflt;
		v = v * base + d;
	}
	return v;
}
