/*
 * C library <time.h>.  MantraOS has a monotonic clock (nanoseconds since
 * boot) and no calendar time yet (no RTC driver): CLOCK_MONOTONIC and
 * CLOCK_BOOTTIME read it; CLOCK_REALTIME, time() and clock() report "not
 * available" as C11 7.27.2 lets them (EINVAL, (time_t)-1, (clock_t)-1).
 */
#ifndef LIBC_TIME_H
#define LIBC_TIME_H

#include <stddef.h>
#include <sys/types.h>

#define CLOCK_REALTIME  0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME  7
#define CLOCKS_PER_SEC  1000000L

struct timespec {
	time_t tv_sec;
	long tv_nsec;
};

int clock_gettime(clockid_t clock, struct timespec *ts);
int clock_getres(clockid_t clock, struct timespec *res);
/* Sleep for *req (a thread of the process cancelled: EINTR, *rem set). */
int nanosleep(const struct timespec *req, struct timespec *rem);
time_t time(time_t *out);
clock_t clock(void);

#endif /* LIBC_TIME_H */
