/* Kernel command-line parsing (see kernel/cmdline.h). */
#include <kernel/cmdline.h>
#include <string/string.h>
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

/* Does the word [w, w+n) start with "key" followed by '=' or its end? */
static bool word_matches(const char *w, size_t n, const char *key, size_t klen)
{
	return n >= klen && strncmp(w, key, klen) == 0 &&
	       (n == klen || w[klen] == '=');
}

bool cmdline_get(const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	while (*p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		size_t n = (size_t)(p - w);
		if (n && word_matches(w, n, key, klen)) {
			size_t vlen = n > klen ? n - klen - 1 : 0;
			if (size) {
				size_t c = MIN(vlen, size - 1);
				memcpy(out, w + n - vlen, c);
				out[c] = 0;
			}
			return true;
		}
	}
	return false;
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
