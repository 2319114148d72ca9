/*
 * C library <stdio.h>: buffered streams over an operations table.
 *
 * A FILE is a buffer plus four callbacks on a cookie (read, write, seek,
 * close: struct mt_stream_ops, the same shape as GNU fopencookie), so a
 * console driver or a file server can back a stream later without stdio
 * changing.  Memory streams (fmemopen, open_memstream) come built in.
 * stdout writes to the debug log, line-buffered; stderr too, unbuffered
 * (one debug-log write per call); stdin is at end of file until a console
 * exists.  No floating point conversions (the kernel does not save FPU
 * state yet, so user code is built without SSE); lib/fmt lists the
 * conversions.  There is no file system yet, so no fopen.
 *
 * Each FILE has a lock, so threads may share a stream; a printf call is
 * written as a whole into the buffer.
 */
#ifndef LIBC_STDIO_H
#define LIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#define EOF      (-1)
#define BUFSIZ   1024
#define _IOFBF   0
#define _IOLBF   1
#define _IONBF   2
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

typedef struct mt_file FILE;

/* A stream's backing.  read/write return the bytes moved (read: 0 at end
 * of file) or -1 with errno set; seek moves *offset (whence SEEK_*) and
 * returns 0 or -1; close returns 0 or -1.  A NULL callback makes that
 * operation fail (EBADF; seek: ESPIPE); a NULL close does nothing. */
struct mt_stream_ops {
	ssize_t (*read)(void *cookie, char *buf, size_t size);
	ssize_t (*write)(void *cookie, const char *buf, size_t size);
	int (*seek)(void *cookie, off_t *offset, int whence);
	int (*close)(void *cookie);
};
typedef struct mt_stream_ops cookie_io_functions_t;

extern FILE *stdin;
extern FILE *stdout;
extern FILE *stderr;

/* A stream over `cookie` with `ops`; mode as fopen's ("r", "w", "a",
 * "r+", ...; "b" ignored).  NULL with errno ENOMEM or EINVAL. */
FILE *fopencookie(void *cookie, const char *mode, cookie_io_functions_t ops);
/* A stream over buf[0..size) (POSIX fmemopen; buf NULL: an own buffer). */
FILE *fmemopen(void *buf, size_t size, const char *mode);
/* A write stream into a growing heap buffer; *bufp and *sizep are
 * updated on fflush and fclose (POSIX open_memstream). */
FILE *open_memstream(char **bufp, size_t *sizep);
int fclose(FILE *f);

int fflush(FILE *f);
int setvbuf(FILE *restrict f, char *restrict buf, int mode, size_t size);
void setbuf(FILE *restrict f, char *restrict buf);

int fgetc(FILE *f);
int getc(FILE *f);
int getchar(void);
int ungetc(int c, FILE *f);
char *fgets(char *restrict s, int n, FILE *restrict f);
size_t fread(void *restrict buf, size_t size, size_t n, FILE *restrict f);
ssize_t getline(char **restrict line, size_t *restrict cap, FILE *restrict f);
ssize_t getdelim(char **restrict line, size_t *restrict cap, int delim,
		 FILE *restrict f);

int fputc(int c, FILE *f);
int putc(int c, FILE *f);
int putchar(int c);
int fputs(const char *restrict s, FILE *restrict f);
int puts(const char *s);
size_t fwrite(const void *restrict buf, size_t size, size_t n,
	      FILE *restrict f);

int fseek(FILE *f, long offset, int whence);
int fseeko(FILE *f, off_t offset, int whence);
long ftell(FILE *f);
off_t ftello(FILE *f);
void rewind(FILE *f);

int feof(FILE *f);
int ferror(FILE *f);
void clearerr(FILE *f);
void perror(const char *s);

__attribute__((format(printf, 1, 2)))
int printf(const char *restrict fmt, ...);
__attribute__((format(printf, 2, 3)))
int fprintf(FILE *restrict f, const char *restrict fmt, ...);
__attribute__((format(printf, 2, 3)))
int sprintf(char *restrict buf, const char *restrict fmt, ...);
__attribute__((format(printf, 3, 4)))
int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...);
__attribute__((format(printf, 2, 3)))
int asprintf(char **restrict out, const char *restrict fmt, ...);
int vprintf(const char *restrict fmt, va_list ap);
int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap);
int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap);
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
	      va_list ap);
int vasprintf(char **restrict out, const char *restrict fmt, va_list ap);

#endif /* LIBC_STDIO_H */
