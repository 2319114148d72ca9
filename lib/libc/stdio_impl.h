/*
 * The FILE structure and the unlocked stream primitives shared by
 * stdio.c, printf.c and memstream.c.
 *
 * A stream's buffer is in one of three states: idle (pos == end == 0),
 * reading (F_RD: buf[pos..end) is read ahead and not yet consumed) or
 * writing (F_WR: buf[0..pos) is written and not yet handed to ops.write).
 * Every field is guarded by `lock`; the *_unlocked functions expect it
 * held.  The open streams are on one list (stdio_list, under its own
 * lock) so that exit can flush them.
 */
#ifndef LIBC_STDIO_IMPL_H
#define LIBC_STDIO_IMPL_H

#include <stdbool.h>
#include <stdio.h>

#include "libc.h"

enum {
	F_READ   = 1u << 0,   /* opened for reading */
	F_WRITE  = 1u << 1,   /* opened for writing */
	F_EOF    = 1u << 2,   /* end-of-file indicator */
	F_ERR    = 1u << 3,   /* error indicator */
	F_RD     = 1u << 4,   /* buffer holds read-ahead */
	F_WR     = 1u << 5,   /* buffer holds pending output */
	F_OWNBUF = 1u << 6,   /* buf is ours to free */
	F_STATIC = 1u << 7,   /* the FILE itself is not on the heap */
};

struct mt_file {
	struct libc_lock lock;
	unsigned flags;
	int mode;                  /* _IOFBF, _IOLBF or _IONBF */
	char *buf;                 /* NULL until first use */
	size_t size;               /* of buf; for a NULL buf, what to allocate */
	size_t pos, end;
	int unget;                 /* a byte pushed back by ungetc, or EOF */
	char one;                  /* the buffer of an unbuffered reader */
	void *cookie;
	struct mt_stream_ops ops;
	struct mt_file *next, *prev;
};

/* Parse an fopen mode; 0 if it is not one. */
unsigned stdio_mode_flags(const char *mode);

/* A heap FILE over cookie/ops with `flags`, on the open list; NULL with
 * errno ENOMEM. */
FILE *stdio_open(void *cookie, unsigned flags, const struct mt_stream_ops *ops);

/* Write n bytes through the buffer; returns how many were accepted (less
 * than n only after an error, with F_ERR set). */
size_t stdio_write_unlocked(FILE *f, const char *data, size_t n);
int stdio_flush_unlocked(FILE *f);

#endif /* LIBC_STDIO_IMPL_H */
