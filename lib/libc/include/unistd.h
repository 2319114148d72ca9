/* C library <unistd.h>: the few POSIX calls that mean something without
 * files or signals yet. */
#ifndef LIBC_UNISTD_H
#define LIBC_UNISTD_H

#include <sys/types.h>

__attribute__((noreturn)) void _exit(int status);
unsigned sleep(unsigned seconds);
int usleep(useconds_t usec);

#endif /* LIBC_UNISTD_H */
