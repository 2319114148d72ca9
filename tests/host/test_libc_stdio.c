/*
 * Host tests of lib/libc's stdio: memory streams, a cookie stream that
 * records its writes (to see the buffering), the standard streams over
 * the fake console, and printf formats.
 */
#include "test.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libc_host.h"

/* A write-only stream that logs each write call's size. */
struct rec_stream {
	char data[4096];
	size_t len;
	size_t calls;
	size_t sizes[64];
	int fail;                 /* writes fail while set */
};

static ssize_t rec_write(void *cookie, const char *buf, size_t n)
{
	struct rec_stream *r = cookie;

	if (r->fail) {
		errno = EIO;
		return -1;
	}
	if (r->calls < 64)
		r->sizes[r->calls] = n;
	r->calls++;
	memcpy(r->data + r->len, buf, n);
	r->len += n;
	r->data[r->len] = 0;
	return (ssize_t)n;
}

static FILE *rec_open(struct rec_stream *r, int mode, size_t size)
{
	cookie_io_functions_t ops = { NULL, rec_write, NULL, NULL };
	FILE *f;

	memset(r, 0, sizeof(*r));
	f = fopencookie(r, "w", ops);
	CHECK(f != NULL);
	CHECK_EQ(setvbuf(f, NULL, mode, size), 0);
	return f;
}

TEST(libc_stdio, full_buffering_writes_when_full_or_flushed)
{
	struct rec_stream r;
	FILE *f = rec_open(&r, _IOFBF, 16);

	CHECK_EQ(fputs("0123456789", f), 0);
	CHECK_EQ(r.calls, 0);
	CHECK_EQ(fputs("abcdefghij", f), 0);   /* fills 16, writes them */
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.sizes[0], 16);
	CHECK_EQ(fputc('\n', f), '\n');        /* no flush on newline */
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(fflush(f), 0);
	CHECK_EQ(r.calls, 2);
	CHECK_STR(r.data, "0123456789abcdefghij\n");
	/* A write as large as the buffer goes straight through. */
	char big[40];
	memset(big, 'z', sizeof(big));
	CHECK_EQ(fwrite(big, 1, 40, f), 40);
	CHECK_EQ(r.calls, 3);
	CHECK_EQ(r.sizes[2], 40);
	CHECK_EQ(fclose(f), 0);
}

TEST(libc_stdio, line_buffering_writes_at_newline)
{
	struct rec_stream r;
	FILE *f = rec_open(&r, _IOLBF, 64);

	CHECK_EQ(fprintf(f, "a=%d ", 1), 4);
	CHECK_EQ(r.calls, 0);
	CHECK_EQ(fprintf(f, "b=%d\nc", 2), 5);
	CHECK_EQ(r.calls, 1);
	CHECK_STR(r.data, "a=1 b=2\nc");       /* the whole buffer goes */
	CHECK_EQ(fclose(f), 0);                 /* nothing left */
	CHECK_EQ(r.calls, 1);
}

TEST(libc_stdio, unbuffered_writes_once_per_call)
{
	struct rec_stream r;
	FILE *f = rec_open(&r, _IONBF, 0);

	CHECK_EQ(fprintf(f, "%s-%d-%x", "abc", 42, 255), 9);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(fputc('x', f), 'x');
	CHECK_EQ(r.calls, 2);
	CHECK_STR(r.data, "abc-42-ffx");
	/* A long printf goes in pieces, not byte by byte. */
	CHECK_EQ(fprintf(f, "%1500s", ""), 1500);
	CHECK(r.calls <= 2 + 3);
	fclose(f);
}

TEST(libc_stdio, write_errors_set_ferror)
{
	struct rec_stream r;
	FILE *f = rec_open(&r, _IOFBF, 8);

	r.fail = 1;
	CHECK_EQ(fputs("1234", f), 0);          /* buffered: fine so far */
	CHECK_EQ(fflush(f), EOF);
	CHECK(ferror(f));
	clearerr(f);
	CHECK(!ferror(f));
	CHECK_EQ(fprintf(f, "%s", "0123456789"), -1);
	CHECK(ferror(f));
	CHECK_EQ(fgetc(f), EOF);                /* not open for reading */
	r.fail = 0;
	fclose(f);
}

TEST(libc_stdio, fmemopen_read)
{
	char text[] = "line one\nline two\nlast";
	char buf[32];
	FILE *f = fmemopen(text, strlen(text), "r");

	CHECK(f != NULL);
	CHECK(fgets(buf, sizeof(buf), f) == buf);
	CHECK_STR(buf, "line one\n");
	CHECK_EQ(fgetc(f), 'l');
	CHECK_EQ(ungetc('L', f), 'L');
	CHECK_EQ(ftell(f), 9);
	CHECK(fgets(buf, 5, f) == buf);
	CHECK_STR(buf, "Line");
	CHECK(fgets(buf, sizeof(buf), f) == buf);
	CHECK_STR(buf, " two\n");
	CHECK(fgets(buf, sizeof(buf), f) == buf);
	CHECK_STR(buf, "last");
	CHECK(feof(f));                         /* it met the end */
	CHECK(fgets(buf, sizeof(buf), f) == NULL);
	rewind(f);
	CHECK(!feof(f));
	CHECK_EQ(fread(buf, 5, 2, f), 2);
	CHECK(memcmp(buf, "line one\nl", 10) == 0);
	CHECK_EQ(fseek(f, -4, SEEK_END), 0);
	CHECK_EQ(fread(buf, 1, 10, f), 4);
	CHECK(memcmp(buf, "last", 4) == 0);
	CHECK_EQ(fseek(f, 100, SEEK_SET), -1);
	CHECK_EQ(fclose(f), 0);
}

TEST(libc_stdio, fmemopen_write_and_seek)
{
	char area[16];
	FILE *f = fmemopen(area, sizeof(area), "w+");

	CHECK(f != NULL);
	CHECK_EQ(fprintf(f, "%05d|", 42), 6);
	CHECK_EQ(fflush(f), 0);
	CHECK_STR(area, "00042|");
	CHECK_EQ(ftell(f), 6);
	CHECK_EQ(fseek(f, 1, SEEK_SET), 0);
	CHECK_EQ(fputc('X', f), 'X');
	CHECK_EQ(fseek(f, 0, SEEK_SET), 0);
	CHECK_EQ(fgetc(f), '0');
	CHECK_EQ(fgetc(f), 'X');
	/* Writing past the end: what fits, then an error. */
	CHECK_EQ(fseek(f, 0, SEEK_END), 0);
	CHECK_EQ(fputs("0123456789abcdef", f), 0);
	CHECK_EQ(fflush(f), EOF);
	CHECK(ferror(f));
	CHECK(memcmp(area, "0X042|0123456789", 16) == 0);
	fclose(f);
	/* Append mode starts at the string's end; a NULL buffer is ours. */
	strcpy(area, "ab");
	f = fmemopen(area, sizeof(area), "a");
	CHECK_EQ(fputs("cd", f), 0);
	fclose(f);
	CHECK_STR(area, "abcd");
	f = fmemopen(NULL, 8, "w+");
	CHECK(f != NULL);
	CHECK_EQ(fputs("hi", f), 0);
	rewind(f);
	CHECK_EQ(fgetc(f), 'h');
	fclose(f);
	errno = 0;
	CHECK(fmemopen(area, 0, "r") == NULL && errno == EINVAL);
	CHECK(fmemopen(area, 4, "x") == NULL);
}

TEST(libc_stdio, open_memstream_grows)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	CHECK(f != NULL);
	for (int i = 0; i < 1000; i++)
		CHECK(fprintf(f, "%d,", i) > 0);
	CHECK_EQ(fflush(f), 0);
	CHECK_EQ(size, strlen(buf));
	CHECK(strncmp(buf, "0,1,2,3,", 8) == 0);
	CHECK(strcmp(buf + size - 4, "999,") == 0);
	CHECK_EQ(fclose(f), 0);
	free(buf);
}

TEST(libc_stdio, getline_and_getdelim)
{
	char text[] = "short\na much longer line than sixty-four bytes, to make getline grow its buffer\nend";
	FILE *f = fmemopen(text, strlen(text), "r");
	char *line = NULL;
	size_t cap = 0;

	CHECK_EQ(getline(&line, &cap, f), 6);
	CHECK_STR(line, "short\n");
	CHECK_EQ(getline(&line, &cap, f), (long)(strchr(text + 6, '\n') - text - 5));
	CHECK(cap > 64 && strncmp(line, "a much", 6) == 0);
	CHECK_EQ(getdelim(&line, &cap, 'x', f), 3);
	CHECK_STR(line, "end");
	CHECK_EQ(getline(&line, &cap, f), -1);
	free(line);
	fclose(f);
}

TEST(libc_stdio, standard_streams)
{
	char buf[16];

	libc_host_console_reset();
	CHECK_EQ(printf("x=%d", 5), 3);
	CHECK_EQ(libc_host.out_len, 0);        /* stdout: line-buffered */
	CHECK_EQ(puts(""), 0);
	CHECK_STR(libc_host.out, "x=5\n");
	CHECK_EQ(libc_host.writes, 1);
	CHECK_EQ(fprintf(stderr, "e%d", 1), 2);  /* stderr: unbuffered */
	CHECK_STR(libc_host.out, "x=5\ne1");
	errno = ENOMEM;
	perror("prog");
	CHECK_STR(libc_host.out, "x=5\ne1prog: Out of memory\n");
	CHECK_EQ(putchar('!'), '!');
	CHECK_EQ(fflush(NULL), 0);
	CHECK_EQ(libc_host.out[libc_host.out_len - 1], '!');

	libc_host.in = "ab\ncd";
	CHECK_EQ(getchar(), 'a');
	CHECK(fgets(buf, sizeof(buf), stdin) == buf);
	CHECK_STR(buf, "b\n");
	CHECK(fgets(buf, sizeof(buf), stdin) == buf);
	CHECK_STR(buf, "cd");
	CHECK_EQ(getchar(), EOF);
	CHECK(feof(stdin));
	clearerr(stdin);
}

struct fmt_case {
	const char *want;
	int n;
};

/* The printf family over lib/fmt: return values, truncation, asprintf. */
TEST(libc_stdio, printf_family)
{
	char buf[64], small[6];
	char *s = NULL;

	CHECK_EQ(sprintf(buf, "%d %i %u %x %X %o %c %s %%", -1, 2, 3u, 255u,
			 255u, 8u, 'c', "str"), 23);
	CHECK_STR(buf, "-1 2 3 ff FF 10 c str %");
	CHECK_EQ(snprintf(small, sizeof(small), "%s", "truncated"), 9);
	CHECK_STR(small, "trunc");
	CHECK_EQ(snprintf(NULL, 0, "%lld", LLONG_MIN), 20);
	CHECK_EQ(sprintf(buf, "[%-5d|%5s|%05d|%+d|% d]", 7, "ab", -42, 3, 4), 25);
	CHECK_STR(buf, "[7    |   ab|-0042|+3| 4]");
	CHECK_EQ(sprintf(buf, "%#x %#o %.3d %.0d %*d", 31u, 8u, 5, 0, 4, 9), 18);
	CHECK_STR(buf, "0x1f 010 005     9");
	CHECK_EQ(sprintf(buf, "%zu %jd %hhd %lu", (size_t)7, (intmax_t)-8,
			 (signed char)-1, ULONG_MAX), 28);
	CHECK_STR(buf, "7 -8 -1 18446744073709551615");
	CHECK_EQ(asprintf(&s, "%s-%d", "asprintf", 123), 12);
	CHECK_STR(s, "asprintf-123");
	free(s);
}
