/*
 * clock.h - the one monotonic clock of the bench tools, in seconds.
 */
#ifndef AUDRIFT_BENCH_CLOCK_H
#define AUDRIFT_BENCH_CLOCK_H

#include <time.h>

static inline double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
