/*
 * Failure messages for the freestanding parsers in lib/ (no printf there):
 * compose "<item> <index> <what>" into a caller-owned buffer, so a parser
 * can say which entry of a table is bad without global state.
 */
#ifndef LIB_SUPPORT_WHY_H
#define LIB_SUPPORT_WHY_H

#include <stddef.h>
#include <stdint.h>

static inline void why_append(char *buf, size_t cap, size_t *pos, const char *s)
{
	while (*s && *pos < cap - 1)
		buf[(*pos)++] = *s++;
}

/* Write "<item> <index> <what>" into buf[0..cap) (cap > 0), or just
 * `what` when item is NULL.  Truncates; always NUL-terminates.  Returns buf. */
static inline const char *why_format(char *buf, size_t cap, const char *item,
				     uint64_t index, const char *what)
{
	size_t pos = 0;

	if (item) {
		char digits[20];
		int n = 0;

		why_append(buf, cap, &pos, item);
		why_append(buf, cap, &pos, " ");
		do {
			digits[n++] = (char)('0' + index % 10);
			index /= 10;
		} while (index);
		while (n && pos < cap - 1)
			buf[pos++] = digits[--n];
		why_append(buf, cap, &pos, " ");
	}
	why_append(buf, cap, &pos, what);
	buf[pos] = '\0';
	return buf;
}

#endif /* LIB_SUPPORT_WHY_H */
