/*
 * Buffered streams (C11 7.21): opening over an operations table, the
 * buffer, byte and block input and output, positioning.  See
 * stdio_impl.h for the buffer's states and <stdio.h> for the model.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stdio_impl.h"

static char stdout_buf[BUFSIZ];
static char stdin_buf[128];

/* The standard streams: backed by the system's console (the debug log
 * for now); stdout line-buffered, stderr unbuffered (C11 7.21.3p7). */
static struct mt_file stdio_std[3] = {
	{ .flags = F_READ | F_STATIC, .mode = _IOLBF, .buf = stdin_buf,
	  .size = sizeof(stdin_buf), .unget = EOF, .ops = { 0 },
	  .next = &stdio_std[1] },
	{ .flags = F_WRITE | F_STATIC, .mode = _IOLBF, .buf = stdout_buf,
	  .size = sizeof(stdout_buf), .unget = EOF,
	  .prev = &stdio_std[0], .next = &stdio_std[2] },
	{ .flags = F_WRITE | F_STATIC, .mode = _IONBF, .unget = EOF,
	  .prev = &stdio_std[1] },
};

FILE *stdin = &stdio_std[0];
FILE *stdout = &stdio_std[1];
FILE *stderr = &stdio_std[2];

static struct {
	struct libc_lock lock;
	struct mt_file *head;
} stdio_list = { { 0 }, &stdio_std[0] };

/* The console operations, copied in on first use: a static initializer
 * cannot read libc_sys_console_ops. */
static const struct mt_stream_ops *stdio_ops(FILE *f)
{
	if (f->flags & F_STATIC)
		return &libc_sys_console_ops;
	return &f->ops;
}

unsigned stdio_mode_flags(const char *mode)
{
	unsigned flags;

	switch (mode ? *mode++ : 0) {
	case 'r': flags = F_READ; break;
	case 'w': case 'a': flags = F_WRITE; break;
	default: return 0;
	}
	for (; *mode; mode++)
		if (*mode == '+')
			flags |= F_READ | F_WRITE;
	return flags;
}

FILE *stdio_open(void *cookie, unsigned flags, const struct mt_stream_ops *ops)
{
	FILE *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->flags = flags;
	f->mode = _IOFBF;
	f->size = BUFSIZ;
	f->unget = EOF;
	f->cookie = cookie;
	f->ops = *ops;
	libc_lock(&stdio_list.lock);
	f->next = stdio_list.head;
	if (f->next)
		f->next->prev = f;
	stdio_list.head = f;
	libc_unlock(&stdio_list.lock);
	return f;
}

FILE *fopencookie(void *cookie, const char *mode, cookie_io_functions_t ops)
{
	unsigned flags = stdio_mode_flags(mode);

	if (!flags) {
		errno = EINVAL;
		return NULL;
	}
	return stdio_open(cookie, flags, &ops);
}

/* Give f its buffer if it has none (unbuffered, or out of memory: the
 * one-byte buffer). */
static void stdio_buffer(FILE *f)
{
	if (f->buf)
		return;
	if (f->mode != _IONBF && (f->buf = malloc(f->size)))
		f->flags |= F_OWNBUF;
	if (!f->buf) {
		f->mode = _IONBF;
		f->buf = &f->one;
		f->size = 1;
	}
}

/* Hand all of data[0..n) to ops.write; false (F_ERR set) on failure. */
static bool stdio_write_all(FILE *f, const char *data, size_t n)
{
	const struct mt_stream_ops *ops = stdio_ops(f);

	while (n) {
		ssize_t w = ops->write ? ops->write(f->cookie, data, n) : -1;

		if (w <= 0) {
			if (!ops->write)
				errno = EBADF;
			f->flags |= F_ERR;
			return false;
		}
		data += w;
		n -= (size_t)w;
	}
	return true;
}

/* Drop read-ahead, moving the backing's position back over it when it
 * can seek, so the next write lands where the reader is. */
static void stdio_drop_input(FILE *f)
{
	const struct mt_stream_ops *ops = stdio_ops(f);
	off_t back = -(off_t)(f->end - f->pos) - (f->unget != EOF);

	if ((f->flags & F_RD) && back && ops->seek)
		(void)ops->seek(f->cookie, &back, SEEK_CUR);
	f->flags &= ~(unsigned)F_RD;
	f->pos = f->end = 0;
	f->unget = EOF;
}

int stdio_flush_unlocked(FILE *f)
{
	bool ok = true;

	if (f->flags & F_WR) {
		ok = stdio_write_all(f, f->buf, f->pos);
		f->flags &= ~(unsigned)F_WR;
		f->pos = 0;
	} else if (f->flags & F_RD) {
		stdio_drop_input(f);
	}
	return ok ? 0 : EOF;
}

size_t stdio_write_unlocked(FILE *f, const char *data, size_t n)
{
	size_t done = 0;

	if (!(f->flags & F_WRITE)) {
		f->flags |= F_ERR;
		errno = EBADF;
		return 0;
	}
	if (f->flags & F_RD)
		stdio_drop_input(f);
	stdio_buffer(f);
	if (f->mode == _IONBF || n >= f->size) {
		/* Bypass the buffer: what is in it goes first. */
		if (stdio_flush_unlocked(f) || !stdio_write_all(f, data, n))
			return 0;
		return n;
	}
	f->flags |= F_WR;
	while (done < n) {
		size_t room = f->size - f->pos, c = n - done < room ? n - done : room;

		memcpy(f->buf + f->pos, data + done, c);
		f->pos += c;
		done += c;
		if (f->pos == f->size && stdio_flush_unlocked(f))
			return done - c;
		f->flags |= F_WR;
	}
	if (f->mode == _IOLBF && memchr(data, '\n', n) && stdio_flush_unlocked(f))
		return 0;
	return n;
}

/* Refill the buffer (lock held); false at end of file or on error. */
static bool stdio_fill(FILE *f)
{
	const struct mt_stream_ops *ops = stdio_ops(f);
	ssize_t r;

	if (!(f->flags & F_READ)) {
		f->flags |= F_ERR;
		errno = EBADF;
		return false;
	}
	if ((f->flags & F_WR) && stdio_flush_unlocked(f))
		return false;
	/* Reading from a line-buffered stream flushes stdout, so a prompt
	 * shows before the program waits for its answer (7.21.3p3). */
	if (f->mode == _IOLBF && f != stdout)
		(void)fflush(stdout);
	stdio_buffer(f);
	r = ops->read ? ops->read(f->cookie, f->buf, f->size) : -1;
	if (r <= 0) {
		f->flags |= r == 0 ? F_EOF : F_ERR;
		return false;
	}
	f->flags |= F_RD;
	f->pos = 0;
	f->end = (size_t)r;
	return true;
}

static int stdio_getc_unlocked(FILE *f)
{
	int c;

	if (f->unget != EOF) {
		c = f->unget;
		f->unget = EOF;
		return c;
	}
	if (!(f->flags & F_RD) || f->pos == f->end) {
		if (!stdio_fill(f))
			return EOF;
	}
	return (unsigned char)f->buf[f->pos++];
}

int fgetc(FILE *f)
{
	int c;

	libc_lock(&f->lock);
	c = stdio_getc_unlocked(f);
	libc_unlock(&f->lock);
	return c;
}

int getc(FILE *f)
{
	return fgetc(f);
}

int getchar(void)
{
	return fgetc(stdin);
}

/* One byte of push-back, as C guarantees (7.21.7.10p3). */
int ungetc(int c, FILE *f)
{
	int r = EOF;

	libc_lock(&f->lock);
	if (c != EOF && f->unget == EOF && (f->flags & F_READ)) {
		if (f->flags & F_WR)
			(void)stdio_flush_unlocked(f);
		f->unget = (unsigned char)c;
		f->flags &= ~(unsigned)F_EOF;
		r = (unsigned char)c;
	}
	libc_unlock(&f->lock);
	return r;
}

/* Read up to n bytes (lock held); stops early only at end or error. */
static size_t stdio_read_unlocked(FILE *f, char *out, size_t n)
{
	size_t done = 0;

	if (n && f->unget != EOF) {
		out[done++] = (char)f->unget;
		f->unget = EOF;
	}
	while (done < n) {
		size_t avail = (f->flags & F_RD) ? f->end - f->pos : 0;

		if (avail) {
			size_t c = n - done < avail ? n - done : avail;

			memcpy(out + done, f->buf + f->pos, c);
			f->pos += c;
			done += c;
		} else if (!stdio_fill(f)) {
			break;
		}
	}
	return done;
}

size_t fread(void *restrict buf, size_t size, size_t n, FILE *restrict f)
{
	size_t got;

	if (!size || !n)
		return 0;
	if (n > SIZE_MAX / size) {
		errno = EOVERFLOW;
		return 0;
	}
	libc_lock(&f->lock);
	got = stdio_read_unlocked(f, buf, size * n);
	libc_unlock(&f->lock);
	return got / size;
}

char *fgets(char *restrict s, int n, FILE *restrict f)
{
	int i = 0, c = 0;

	if (n <= 0)
		return NULL;
	libc_lock(&f->lock);
	while (i < n - 1 && c != '\n' && (c = stdio_getc_unlocked(f)) != EOF)
		s[i++] = (char)c;
	libc_unlock(&f->lock);
	if (i == 0 && n > 1)
		return NULL;
	s[i] = '\0';
	return s;
}

ssize_t getdelim(char **restrict line, size_t *restrict cap, int delim,
		 FILE *restrict f)
{
	size_t len = 0;
	int c = 0;

	if (!line || !cap) {
		errno = EINVAL;
		return -1;
	}
	libc_lock(&f->lock);
	while (c != delim && (c = stdio_getc_unlocked(f)) != EOF) {
		if (len + 2 > *cap || !*line) {
			size_t want = *cap * 2 > len + 2 ? *cap * 2 : len + 64;
			char *p = realloc(*line, want);

			if (!p) {
				f->flags |= F_ERR;
				break;
			}
			*line = p;
			*cap = want;
		}
		(*line)[len++] = (char)c;
	}
	libc_unlock(&f->lock);
	if (len == 0 || !*line)
		return -1;
	(*line)[len] = '\0';
	return (ssize_t)len;
}

ssize_t getline(char **restrict line, size_t *restrict cap, FILE *restrict f)
{
	return getdelim(line, cap, '\n', f);
}

size_t fwrite(const void *restrict buf, size_t size, size_t n, FILE *restrict f)
{
	size_t done;

	if (!size || !n)
		return 0;
	if (n > SIZE_MAX / size) {
		errno = EOVERFLOW;
		return 0;
	}
	libc_lock(&f->lock);
	done = stdio_write_unlocked(f, buf, size * n);
	libc_unlock(&f->lock);
	return done / size;
}

int fputc(int c, FILE *f)
{
	char ch = (char)c;

	return fwrite(&ch, 1, 1, f) == 1 ? (unsigned char)c : EOF;
}

int putc(int c, FILE *f)
{
	return fputc(c, f);
}

int putchar(int c)
{
	return fputc(c, stdout);
}

int fputs(const char *restrict s, FILE *restrict f)
{
	size_t n = strlen(s);

	return fwrite(s, 1, n, f) == n ? 0 : EOF;
}

/* The line and its newline under one lock, so threads' lines stay whole. */
int puts(const char *s)
{
	size_t n = strlen(s);
	bool ok;

	libc_lock(&stdout->lock);
	ok = stdio_write_unlocked(stdout, s, n) == n &&
	     stdio_write_unlocked(stdout, "\n", 1) == 1;
	libc_unlock(&stdout->lock);
	return ok ? 0 : EOF;
}

int fflush(FILE *f)
{
	int r;

	if (!f) {
		libc_stdio_flush_all();
		return 0;
	}
	libc_lock(&f->lock);
	r = (f->flags & F_WR) ? stdio_flush_unlocked(f) : 0;
	libc_unlock(&f->lock);
	return r;
}

void libc_stdio_flush_all(void)
{
	libc_lock(&stdio_list.lock);
	for (FILE *f = stdio_list.head; f; f = f->next)
		(void)fflush(f);
	libc_unlock(&stdio_list.lock);
}

int setvbuf(FILE *restrict f, char *restrict buf, int mode, size_t size)
{
	if (mode != _IOFBF && mode != _IOLBF && mode != _IONBF)
		return EOF;
	libc_lock(&f->lock);
	(void)stdio_flush_unlocked(f);
	if (f->flags & F_OWNBUF)
		free(f->buf);
	f->flags &= ~(unsigned)F_OWNBUF;
	f->mode = mode;
	f->size = size ? size : BUFSIZ;
	f->buf = mode != _IONBF && size ? buf : NULL;   /* NULL: allocated */
	libc_unlock(&f->lock);
	return 0;
}

void setbuf(FILE *restrict f, char *restrict buf)
{
	(void)setvbuf(f, buf, buf ? _IOFBF : _IONBF, BUFSIZ);
}

int fclose(FILE *f)
{
	const struct mt_stream_ops *ops;
	int r;

	libc_lock(&stdio_list.lock);
	if (f->prev)
		f->prev->next = f->next;
	else
		stdio_list.head = f->next;
	if (f->next)
		f->next->prev = f->prev;
	libc_unlock(&stdio_list.lock);
	libc_lock(&f->lock);
	r = stdio_flush_unlocked(f);
	ops = stdio_ops(f);
	if (ops->close && ops->close(f->cookie))
		r = EOF;
	if (f->flags & F_OWNBUF)
		free(f->buf);
	if (f->flags & F_STATIC) {
		f->flags = F_STATIC | F_ERR;      /* any further use fails */
		f->buf = NULL;
		libc_unlock(&f->lock);
	} else {
		free(f);
	}
	return r;
}

int fseeko(FILE *f, off_t offset, int whence)
{
	const struct mt_stream_ops *ops = stdio_ops(f);
	int r = -1;

	libc_lock(&f->lock);
	if (whence == SEEK_CUR && (f->flags & F_RD))
		offset -= (off_t)(f->end - f->pos) + (f->unget != EOF);
	if (!ops->seek) {
		errno = ESPIPE;
	} else if (stdio_flush_unlocked(f) == 0) {
		f->flags &= ~(unsigned)F_RD;
		f->pos = f->end = 0;
		f->unget = EOF;
		r = ops->seek(f->cookie, &offset, whence);
		if (r == 0)
			f->flags &= ~(unsigned)F_EOF;
	}
	libc_unlock(&f->lock);
	return r ? -1 : 0;
}

int fseek(FILE *f, long offset, int whence)
{
	return fseeko(f, offset, whence);
}

off_t ftello(FILE *f)
{
	const struct mt_stream_ops *ops = stdio_ops(f);
	off_t at = 0;

	libc_lock(&f->lock);
	if (!ops->seek) {
		errno = ESPIPE;
		at = -1;
	} else if (ops->seek(f->cookie, &at, SEEK_CUR)) {
		at = -1;
	} else if (f->flags & F_RD) {
		at -= (off_t)(f->end - f->pos) + (f->unget != EOF);
	} else if (f->flags & F_WR) {
		at += (off_t)f->pos;
	} else if (f->unget != EOF) {
		at--;
	}
	libc_unlock(&f->lock);
	return at;
}

long ftell(FILE *f)
{
	return ftello(f);
}

void rewind(FILE *f)
{
	(void)fseeko(f, 0, SEEK_SET);
	clearerr(f);
}

int feof(FILE *f)
{
	return (f->flags & F_EOF) != 0;
}

int ferror(FILE *f)
{
	return (f->flags & F_ERR) != 0;
}

void clearerr(FILE *f)
{
	libc_lock(&f->lock);
	f->flags &= ~(unsigned)(F_EOF | F_ERR);
	libc_unlock(&f->lock);
}
