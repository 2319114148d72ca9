/*
 * printf-style formatting (see kernel/fmt.h for the supported subset).
 *
 * Each conversion is parsed into a struct fmt_spec, its argument fetched
 * and turned into digits, then laid out as
 *     [left pad][prefix][zero pad][body][right pad]
 * which is the order C11 7.21.6.1 prescribes for every flag combination.
 */
#include <fmt/fmt.h>

#include <stdbool.h>
#include <stdint.h>

/* Widths and precisions saturate here so "%999999999999d" cannot
 * overflow an int; no real field is anywhere near this wide. */
#define FMT_FIELD_MAX 4096

enum {
	FMT_LEFT  = 1 << 0,  /* '-' */
	FMT_ZERO  = 1 << 1,  /* '0' */
	FMT_PLUS  = 1 << 2,  /* '+' */
	FMT_SPACE = 1 << 3,  /* ' ' */
	FMT_ALT   = 1 << 4,  /* '#' */
};

enum fmt_len { FMT_LEN_NONE, FMT_LEN_HH, FMT_LEN_H, FMT_LEN_L, FMT_LEN_LL,
	       FMT_LEN_Z, FMT_LEN_J, FMT_LEN_T };

struct fmt_spec {
	unsigned flags;
	int width;           /* 0 when absent */
	int prec;            /* -1 when absent */
	enum fmt_len len;
	char conv;
};

struct fmt_out {
	fmt_emit_fn emit;
	void *ctx;
	int count;
};

/* va_list cannot be passed by value and then reused portably (C11
 * 7.16p3), so the helpers take a pointer to the one wrapper below. */
struct fmt_args {
	va_list ap;
};

static void fmt_put(struct fmt_out *o, char c)
{
	o->emit(c, o->ctx);
	o->count++;
}

static void fmt_repeat(struct fmt_out *o, char c, int n)
{
	for (; n > 0; n--)
		fmt_put(o, c);
}

static void fmt_puts(struct fmt_out *o, const char *s, int n)
{
	for (int i = 0; i < n; i++)
		fmt_put(o, s[i]);
}

/* Parse a decimal field at *p, saturating at FMT_FIELD_MAX; advances *p. */
static int fmt_parse_num(const char **p)
{
	int n = 0;

	while (**p >= '0' && **p <= '9') {
		n = n * 10 + (**p - '0');
		if (n > FMT_FIELD_MAX)
			n = FMT_FIELD_MAX;
		(*p)++;
	}
	return n;
}

static int fmt_clamp(int n)
{
	return n > FMT_FIELD_MAX ? FMT_FIELD_MAX : n;
}

/* Parse flags, width and precision at *p (just after the '%'), taking '*'
 * arguments from args.  A negative '*' width means '-' plus its magnitude;
 * a negative '*' precision means none (C11 7.21.6.1p5). */
static void fmt_parse_field(const char **p, struct fmt_spec *s,
			    struct fmt_args *args)
{
	static const char flag_chars[] = "-0+ #";
	const char *f;

	s->flags = 0;
	for (;;) {
		for (f = flag_chars; *f && *f != **p; f++)
			;
		if (!*f)
			break;
		s->flags |= 1u << (f - flag_chars);
		(*p)++;
	}
	s->width = 0;
	if (**p == '*') {
		int w = va_arg(args->ap, int);
		(*p)++;
		if (w < 0) {
			s->flags |= FMT_LEFT;
			w = w < -FMT_FIELD_MAX ? FMT_FIELD_MAX : -w;
		}
		s->width = fmt_clamp(w);
	} else {
		s->width = fmt_parse_num(p);
	}
	s->prec = -1;
	if (**p == '.') {
		(*p)++;
		if (**p == '*') {
			int pr = va_arg(args->ap, int);
			(*p)++;
			s->prec = pr < 0 ? -1 : fmt_clamp(pr);
		} else {
			s->prec = fmt_parse_num(p);
		}
	}
}

/* Parse a length modifier at *p; advances past it. */
static enum fmt_len fmt_parse_len(const char **p)
{
	switch (*(*p)++) {
	case 'h':
		if (**p != 'h')
			return FMT_LEN_H;
		(*p)++;
		return FMT_LEN_HH;
	case 'l':
		if (**p != 'l')
			return FMT_LEN_L;
		(*p)++;
		return FMT_LEN_LL;
	case 'z': return FMT_LEN_Z;
	case 'j': return FMT_LEN_J;
	case 't': return FMT_LEN_T;
	default:
		(*p)--;
		return FMT_LEN_NONE;
	}
}

/* Fetch a signed integer argument of the size `len` names. */
static intmax_t fmt_arg_signed(struct fmt_args *a, enum fmt_len len)
{
	switch (len) {
	case FMT_LEN_HH: return (signed char)va_arg(a->ap, int);
	case FMT_LEN_H:  return (short)va_arg(a->ap, int);
	case FMT_LEN_L:  return va_arg(a->ap, long);
	case FMT_LEN_LL: return va_arg(a->ap, long long);
	/* The signed type matching size_t; ptrdiff_t has its size on every
	 * target MantraOS builds for. */
	case FMT_LEN_Z:  return va_arg(a->ap, ptrdiff_t);
	case FMT_LEN_J:  return va_arg(a->ap, intmax_t);
	case FMT_LEN_T:  return va_arg(a->ap, ptrdiff_t);
	default:         return va_arg(a->ap, int);
	}
}

/* Fetch an unsigned integer argument of the size `len` names. */
static uintmax_t fmt_arg_unsigned(struct fmt_args *a, enum fmt_len len)
{
	switch (len) {
	case FMT_LEN_HH: return (unsigned char)va_arg(a->ap, unsigned);
	case FMT_LEN_H:  return (unsigned short)va_arg(a->ap, unsigned);
	case FMT_LEN_L:  return va_arg(a->ap, unsigned long);
	case FMT_LEN_LL: return va_arg(a->ap, unsigned long long);
	case FMT_LEN_Z:  return va_arg(a->ap, size_t);
	case FMT_LEN_J:  return va_arg(a->ap, uintmax_t);
	case FMT_LEN_T:  return (uintmax_t)va_arg(a->ap, ptrdiff_t);
	default:         return va_arg(a->ap, unsigned);
	}
}

/* Write v in `base` into the end of buf[0..size); return the digit count.
 * Zero yields no digits: the caller applies C's precision rules. */
static int fmt_digits(char *buf, int size, uintmax_t v, unsigned base,
		      bool upper)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	while (v && n < size) {
		buf[size - 1 - n++] = set[v % base];
		v /= base;
	}
	return n;
}

/* Lay out one field: pads, prefix, `zeros` leading zeros, then body. */
static void fmt_field(struct fmt_out *o, const struct fmt_spec *s,
		      const char *prefix, int plen, int zeros,
		      const char *body, int blen)
{
	int pad = s->width - plen - zeros - blen;

	if (!(s->flags & FMT_LEFT))
		fmt_repeat(o, ' ', pad);
	fmt_puts(o, prefix, plen);
	fmt_repeat(o, '0', zeros);
	fmt_puts(o, body, blen);
	if (s->flags & FMT_LEFT)
		fmt_repeat(o, ' ', pad);
}

/* Print an integer conversion (d i u x X o p).  `neg` is the sign of a
 * signed value whose magnitude is `v`. */
static void fmt_integer(struct fmt_out *o, const struct fmt_spec *s,
			uintmax_t v, bool neg)
{
	char digits[24], prefix[2];       /* 2^64 is 22 octal digits */
	unsigned base = 10;
	int plen = 0, zeros, n;
	int prec = s->prec;

	if (s->conv == 'x' || s->conv == 'X' || s->conv == 'p')
		base = 16;
	else if (s->conv == 'o')
		base = 8;
	n = fmt_digits(digits, sizeof(digits), v, base, s->conv == 'X');

	if (neg)
		prefix[plen++] = '-';
	else if ((s->conv == 'd' || s->conv == 'i') && (s->flags & FMT_PLUS))
		prefix[plen++] = '+';
	else if ((s->conv == 'd' || s->conv == 'i') && (s->flags & FMT_SPACE))
		prefix[plen++] = ' ';
	else if (s->conv == 'p' || ((s->flags & FMT_ALT) && v != 0 &&
				    base == 16)) {
		prefix[plen++] = '0';
		prefix[plen++] = s->conv == 'X' ? 'X' : 'x';
	}

	if (prec < 0)
		prec = 1;                 /* default: at least one digit */
	/* '#' with %o: the first digit must be a zero (7.21.6.1p6). */
	if (s->conv == 'o' && (s->flags & FMT_ALT) && prec <= n)
		prec = n + 1;
	zeros = prec > n ? prec - n : 0;
	/* '0' pads with zeros unless '-' or a precision is given. */
	if ((s->flags & FMT_ZERO) && !(s->flags & FMT_LEFT) && s->prec < 0 &&
	    s->width > plen + zeros + n)
		zeros = s->width - plen - n;
	fmt_field(o, s, prefix, plen, zeros, digits + sizeof(digits) - n, n);
}

/* Print one conversion whose spec (conv and length included) is parsed. */
static void fmt_convert(struct fmt_out *o, struct fmt_spec *s,
			struct fmt_args *a)
{
	intmax_t sv;
	const char *str;
	char c;
	int n;

	switch (s->conv) {
	case 'd':
	case 'i':
		sv = fmt_arg_signed(a, s->len);
		/* Negate in unsigned arithmetic so INTMAX_MIN works. */
		fmt_integer(o, s, sv < 0 ? -(uintmax_t)sv : (uintmax_t)sv,
			    sv < 0);
		break;
	case 'u': case 'x': case 'X': case 'o':
		fmt_integer(o, s, fmt_arg_unsigned(a, s->len), false);
		break;
	case 'p':
		s->prec = 16;
		s->flags &= ~(unsigned)FMT_ZERO;
		fmt_integer(o, s, (uintptr_t)va_arg(a->ap, void *), false);
		break;
	case 'c':
		c = (char)va_arg(a->ap, int);
		s->prec = -1;
		fmt_field(o, s, "", 0, 0, &c, 1);
		break;
	case 's':
		str = va_arg(a->ap, const char *);
		if (!str)
			str = "(null)";
		for (n = 0; (s->prec < 0 || n < s->prec) && str[n]; n++)
			;
		fmt_field(o, s, "", 0, 0, str, n);
		break;
	}
}

static bool fmt_known_conv(char c)
{
	for (const char *k = "diuxXopcs"; *k; k++)
		if (*k == c)
			return true;
	return false;
}

int fmt_vformat(fmt_emit_fn emit, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_out o = { emit, ctx, 0 };
	struct fmt_args args;
	struct fmt_spec spec;

	va_copy(args.ap, ap);
	while (*fmt) {
		const char *start = fmt;

		if (*fmt != '%') {
			fmt_put(&o, *fmt++);
			continue;
		}
		fmt++;
		if (*fmt == '%') {
			fmt_put(&o, *fmt++);
			continue;
		}
		fmt_parse_field(&fmt, &spec, &args);
		spec.len = fmt_parse_len(&fmt);
		spec.conv = *fmt;
		if (!fmt_known_conv(spec.conv)) {
			/* Echo the bad spec; a NUL ends the string here. */
			if (*fmt)
				fmt++;
			fmt_puts(&o, start, (int)(fmt - start));
			continue;
		}
		fmt++;
		fmt_convert(&o, &spec, &args);
	}
	va_end(args.ap);
	return o.count;
}

struct fmt_buf {
	char *buf;
	size_t size;
	size_t pos;
};

/* Store while there is room for the character and the final NUL. */
static void fmt_buf_emit(char c, void *ctx)
{
	struct fmt_buf *b = ctx;

	if (b->size && b->pos < b->size - 1)
		b->buf[b->pos] = c;
	b->pos++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_buf b = { buf, size, 0 };
	int n = fmt_vformat(fmt_buf_emit, &b, fmt, ap);

	if (size)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
