/*
 * <time.h> and <unistd.h> sleeping over the kernel's monotonic clock
 * (mt_clock_get, nanoseconds) and mt_nanosleep (until a deadline).
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include <libmantra/mantra.h>

#define NSEC_PER_SEC 1000000000ll

static bool clock_known(clockid_t clock)
{
	return clock == CLOCK_MONOTONIC || clock == CLOCK_BOOTTIME;
}

int clock_gettime(clockid_t clock, struct timespec *ts)
{
	mt_time_t now;

	if (!clock_known(clock)) {
		errno = EINVAL;
		return -1;
	}
	now = mt_clock_get();
	ts->tv_sec = now / NSEC_PER_SEC;
	ts->tv_nsec = (long)(now % NSEC_PER_SEC);
	return 0;
}

/* The clock counts nanoseconds; what it resolves is the timer's business,
 * but the unit is the promise. */
int clock_getres(clockid_t clock, struct timespec *res)
{
	if (!clock_known(clock)) {
		errno = EINVAL;
		return -1;
	}
	if (res) {
		res->tv_sec = 0;
		res->tv_nsec = 1;
	}
	return 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	mt_time_t start, deadline, left;

	if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= NSEC_PER_SEC) {
		errno = EINVAL;
		return -1;
	}
	start = mt_clock_get();
	if (req->tv_sec > (MT_TIME_INFINITE - start) / NSEC_PER_SEC - 1)
		deadline = MT_TIME_INFINITE;
	else
		deadline = start + req->tv_sec * NSEC_PER_SEC + req->tv_nsec;
	if (mt_nanosleep(deadline) == MT_OK)
		return 0;
	left = deadline - mt_clock_get();
	if (rem) {
		rem->tv_sec = left > 0 ? left / NSEC_PER_SEC : 0;
		rem->tv_nsec = left > 0 ? (long)(left % NSEC_PER_SEC) : 0;
	}
	errno = EINTR;
	return -1;
}

unsigned sleep(unsigned seconds)
{
	struct timespec req = { seconds, 0 }, rem = { 0, 0 };

	if (nanosleep(&req, &rem) == 0)
		return 0;
	return (unsigned)rem.tv_sec + (rem.tv_nsec > 0);
}

int usleep(useconds_t usec)
{
	struct timespec req = { usec / 1000000, (long)(usec % 1000000) * 1000 };

	return nanosleep(&req, NULL);
}

/* No calendar time without an RTC (C11 7.27.2.4p3). */
time_t time(time_t *out)
{
	if (out)
		*out = (time_t)-1;
	return (time_t)-1;
}

/* No per-process CPU time accounting (C11 7.27.2.1p3). */
clock_t clock(void)
{
	return (clock_t)-1;
}
