/* Words of a command line (words.h). */
#include <words/words.h>

#include <string/string.h>

const char *words_next(const char *p, const char **word, size_t *len)
{
	while (*p == ' ')
		p++;
	if (!*p)
		return NULL;
	*word = p;
	while (*p && *p != ' ')
		p++;
	*len = (size_t)(p - *word);
	return p;
}

/* Is the word [w, w+n) "key" or "key=..."? */
static bool word_matches(const char *w, size_t n, const char *key, size_t klen)
{
	return n >= klen && strncmp(w, key, klen) == 0 &&
	       (n == klen || w[klen] == '=');
}

bool words_get(const char *line, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key), n;
	const char *w;

	while ((line = words_next(line, &w, &n))) {
		if (!word_matches(w, n, key, klen))
			continue;
		size_t vlen = n > klen ? n - klen - 1 : 0;
		if (size) {
			size_t c = vlen < size - 1 ? vlen : size - 1;
			memcpy(out, w + n - vlen, c);
			out[c] = 0;
		}
		return true;
	}
	return false;
}
