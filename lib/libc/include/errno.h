/*
 * C library <errno.h>.  The numbers are Linux's (so ported code that
 * prints them means the same thing); strerror() has a text for each.
 *
 * errno is one variable per process for now, reached through
 * __errno_location() so that it can become per-thread (thread-local
 * storage) without recompiling callers; user programs are single-threaded
 * in their use of the C library so far.
 */
#ifndef LIBC_ERRNO_H
#define LIBC_ERRNO_H

int *__errno_location(void);
#define errno (*__errno_location())

#define EPERM            1
#define ENOENT           2
#define ESRCH            3
#define EINTR            4
#define EIO              5
#define ENXIO            6
#define E2BIG            7
#define ENOEXEC          8
#define EBADF            9
#define ECHILD          10
#define EAGAIN          11
#define ENOMEM          12
#define EACCES          13
#define EFAULT          14
#define EBUSY           16
#define EEXIST          17
#define EXDEV           18
#define ENODEV          19
#define ENOTDIR         20
#define EISDIR          21
#define EINVAL          22
#define ENFILE          23
#define EMFILE          24
#define ENOTTY          25
#define EFBIG           27
#define ENOSPC          28
#define ESPIPE          29
#define EROFS           30
#define EMLINK          31
#define EPIPE           32
#define EDOM            33
#define ERANGE          34
#define EDEADLK         35
#define ENAMETOOLONG    36
#define ENOSYS          38
#define ENOTEMPTY       39
#define ELOOP           40
#define EWOULDBLOCK     EAGAIN
#define EOVERFLOW       75
#define EILSEQ          84
#define ENOTSUP         95
#define EOPNOTSUPP      ENOTSUP
#define ETIMEDOUT      110
#define ECANCELED      125

#endif /* LIBC_ERRNO_H */
