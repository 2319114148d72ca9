/*
 * Memory streams: fmemopen (a fixed buffer) and open_memstream (a growing
 * heap buffer), both plain users of the stream operations table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stdio_impl.h"

/* ---- fmemopen (POSIX) --------------------------------------------------- */

struct memfile {
	char *buf;
	size_t size;          /* capacity */
	size_t len;           /* bytes of content (reads stop here) */
	size_t pos;
	bool append;          /* every write goes to the end */
	bool own;             /* buf was allocated here */
};

static ssize_t memfile_read(void *cookie, char *out, size_t n)
{
	struct memfile *m = cookie;
	size_t avail = m->pos < m->len ? m->len - m->pos : 0;

	if (n > avail)
		n = avail;
	memcpy(out, m->buf + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

/* Write what fits; the content stays NUL-terminated while there is room
 * (POSIX fmemopen). */
static ssize_t memfile_write(void *cookie, const char *data, size_t n)
{
	struct memfile *m = cookie;

	if (m->append)
		m->pos = m->len;
	if (m->pos >= m->size) {
		errno = ENOSPC;
		return -1;
	}
	if (n > m->size - m->pos)
		n = m->size - m->pos;
	memcpy(m->buf + m->pos, data, n);
	m->pos += n;
	if (m->pos > m->len) {
		m->len = m->pos;
		if (m->len < m->size)
			m->buf[m->len] = '\0';
	}
	return (ssize_t)n;
}

/* The new position for (*offset, whence) within [0, limit]; -1 if not. */
static int mem_seek_to(size_t pos, size_t len, size_t limit, off_t *offset,
		       int whence)
{
	off_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (off_t)pos :
		     whence == SEEK_END ? (off_t)len : -1;

	if (base < 0 || *offset < -base || *offset > (off_t)limit - base) {
		errno = EINVAL;
		return -1;
	}
	*offset += base;
	return 0;
}

static int memfile_seek(void *cookie, off_t *offset, int whence)
{
	struct memfile *m = cookie;

	if (mem_seek_to(m->pos, m->len, m->size, offset, whence))
		return -1;
	m->pos = (size_t)*offset;
	return 0;
}

static int memfile_close(void *cookie)
{
	struct memfile *m = cookie;

	if (m->own)
		free(m->buf);
	free(m);
	return 0;
}

FILE *fmemopen(void *buf, size_t size, const char *mode)
{
	static const struct mt_stream_ops ops = {
		memfile_read, memfile_write, memfile_seek, memfile_close,
	};
	unsigned flags = stdio_mode_flags(mode);
	struct memfile *m;
	FILE *f;

	if (!flags || size == 0) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m && !buf) {
		buf = calloc(1, size);
		m->own = true;
	}
	if (!m || !buf) {
		free(m);
		errno = ENOMEM;
		return NULL;
	}
	m->buf = buf;
	m->size = size;
	if (*mode == 'r')
		m->len = size;
	else if (*mode == 'w')
		m->buf[0] = '\0';
	else
		m->pos = m->len = strnlen(buf, size);
	m->append = *mode == 'a';
	f = stdio_open(m, flags, &ops);
	if (!f)
		memfile_close(m);
	return f;
}

/* ---- open_memstream (POSIX) --------------------------------------------- */

struct memstream {
	char **bufp;
	size_t *sizep;
	char *buf;
	size_t cap, len, pos;
};

/* Publish buffer and length to the caller's variables. */
static void memstream_publish(struct memstream *s)
{
	*s->bufp = s->buf;
	*s->sizep = s->len;
}

static ssize_t memstream_write(void *cookie, const char *data, size_t n)
{
	struct memstream *s = cookie;

	if (s->pos + n + 1 > s->cap) {
		size_t cap = s->cap * 2 > s->pos + n + 1 ? s->cap * 2 :
			     s->pos + n + 1;
		char *p = realloc(s->buf, cap);

		if (!p)
			return -1;
		memset(p + s->cap, 0, cap - s->cap);
		s->buf = p;
		s->cap = cap;
	}
	memcpy(s->buf + s->pos, data, n);
	s->pos += n;
	if (s->pos > s->len)
		s->len = s->pos;
	s->buf[s->len] = '\0';
	memstream_publish(s);
	return (ssize_t)n;
}

static int memstream_seek(void *cookie, off_t *offset, int whence)
{
	struct memstream *s = cookie;

	if (mem_seek_to(s->pos, s->len, s->len, offset, whence))
		return -1;
	s->pos = (size_t)*offset;
	return 0;
}

static int memstream_close(void *cookie)
{
	memstream_publish(cookie);
	free(cookie);
	return 0;
}

FILE *open_memstream(char **bufp, size_t *sizep)
{
	static const struct mt_stream_ops ops = {
		NULL, memstream_write, memstream_seek, memstream_close,
	};
	struct memstream *s;
	FILE *f;

	if (!bufp || !sizep) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s) {
		s->buf = calloc(1, 64);
		s->cap = 64;
	}
	if (!s || !s->buf) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->bufp = bufp;
	s->sizep = sizep;
	memstream_publish(s);
	f = stdio_open(s, F_WRITE, &ops);
	if (!f) {
		free(s->buf);
		free(s);
	}
	return f;
}
