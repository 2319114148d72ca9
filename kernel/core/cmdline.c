/* Kernel command-line parsing (see kernel/cmdline.h). */
#include <kernel/cmdline.h>
#include <string/string.h>
#include <words/words.h>
#include <mantra/bootinfo.h>

static char cmdline[MANTRA_CMDLINE_MAX];

void cmdline_init(const char *line)
{
	strlcpy(cmdline, line, sizeof(cmdline));
}

const char *cmdline_get_all(void)
{
	return cmdline;
}

bool cmdline_get(const char *key, char *out, size_t size)
{
	return words_get(cmdline, key, out, size);
}

size_t cmdline_words_with_prefix(const char *prefix, char *out, size_t size)
{
	size_t plen = strlen(prefix), used = 0, n;
	const char *p = cmdline, *w;

	if (size)
		out[0] = 0;
	while ((p = words_next(p, &w, &n))) {
		if (n <= plen || strncmp(w, prefix, plen) != 0)
			continue;
		w += plen;
		n -= plen;
		if (used + (used ? 1 : 0) + n + 1 > size)
			break;                  /* whole words only */
		if (used)
			out[used++] = ' ';
		memcpy(out + used, w, n);
		used += n;
		out[used] = 0;
	}
	return used;
}

bool cmdline_list_has(const char *list, const char *item)
{
	size_t ilen = strlen(item);

	while (*list) {
		const char *e = list;
		while (*e && *e != ',')
			e++;
		if ((size_t)(e - list) == ilen && strncmp(list, item, ilen) == 0)
			return true;
		list = *e ? e + 1 : e;
	}
	return false;
}
