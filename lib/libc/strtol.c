/*
 * String to integer conversions (C11 7.22.1.4): one parser for all of
 * them, clamped to each type's range with errno ERANGE.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>

/* The value of digit c in bases up to 36, or 36 if it is none. */
static unsigned digit_value(int c)
{
	if (isdigit(c))
		return (unsigned)(c - '0');
	if (isalpha(c))
		return (unsigned)(tolower(c) - 'a' + 10);
	return 36;
}

/*
 * Parse the subject sequence of s in `base` (0: from its prefix, 0x or 0
 * or decimal): optional white space, a sign, the digits.  The magnitude
 * saturates at `max` (setting *overflow); *neg tells the sign.  *end is
 * set past the digits, or to s when there are none.  An invalid base is
 * EINVAL.
 */
static uintmax_t strto_parse(const char *s, char **end, int base,
			     uintmax_t max, bool *neg, bool *overflow)
{
	const char *p = s;
	uintmax_t v = 0;
	bool any = false;

	*neg = false;
	*overflow = false;
	if (base < 0 || base == 1 || base > 36) {
		errno = EINVAL;
		if (end)
			*end = (char *)s;
		return 0;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	/* "0x" counts as a prefix only when a hex digit follows; else the
	 * "0" alone is the number. */
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] | 32) == 'x' &&
	    digit_value((unsigned char)p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	for (unsigned d; (d = digit_value((unsigned char)*p)) < (unsigned)base; p++) {
		any = true;
		if (v > (max - d) / (unsigned)base) {
			*overflow = true;
			v = max;
		} else if (!*overflow) {
			v = v * (unsigned)base + d;
		}
	}
	if (end)
		*end = (char *)(any ? p : s);
	return v;
}

/* A signed conversion to [min, max] (min == -max - 1). */
static intmax_t strto_signed(const char *s, char **end, int base,
			     intmax_t max)
{
	bool neg, overflow;
	uintmax_t limit = (uintmax_t)max + 1;     /* |min| */
	uintmax_t v = strto_parse(s, end, base, limit, &neg, &overflow);

	if (!neg && v > (uintmax_t)max) {
		overflow = true;
		v = (uintmax_t)max;
	}
	if (overflow) {
		errno = ERANGE;
		return neg ? -max - 1 : max;
	}
	return neg ? (intmax_t)(0 - v) : (intmax_t)v;
}

/* An unsigned conversion to [0, max]; "-N" is max + 1 - N as C asks. */
static uintmax_t strto_unsigned(const char *s, char **end, int base,
				uintmax_t max)
{
	bool neg, overflow;
	uintmax_t v = strto_parse(s, end, base, max, &neg, &overflow);

	if (overflow) {
		errno = ERANGE;
		return max;
	}
	return neg ? (max - v + 1) & max : v;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
	return (long)strto_signed(s, end, base, LONG_MAX);
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
	return (long long)strto_signed(s, end, base, LLONG_MAX);
}

intmax_t strtoimax(const char *restrict s, char **restrict end, int base)
{
	return strto_signed(s, end, base, INTMAX_MAX);
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
	return (unsigned long)strto_unsigned(s, end, base, ULONG_MAX);
}

unsigned long long strtoull(const char *restrict s, char **restrict end,
			    int base)
{
	return (unsigned long long)strto_unsigned(s, end, base, ULLONG_MAX);
}

uintmax_t strtoumax(const char *restrict s, char **restrict end, int base)
{
	return strto_unsigned(s, end, base, UINTMAX_MAX);
}

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

long atol(const char *s)
{
	return strtol(s, NULL, 10);
}

long long atoll(const char *s)
{
	return strtoll(s, NULL, 10);
}
