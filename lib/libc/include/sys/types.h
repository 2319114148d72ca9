/* C library <sys/types.h> (POSIX): the few types the library uses. */
#ifndef LIBC_SYS_TYPES_H
#define LIBC_SYS_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef long ssize_t;
typedef int64_t off_t;
typedef int64_t time_t;
typedef int64_t clock_t;
typedef int clockid_t;
typedef uint32_t useconds_t;

#endif /* LIBC_SYS_TYPES_H */
