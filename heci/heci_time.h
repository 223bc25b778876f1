// SPDX-License-Identifier: Apache-2.0
/*
 * heci_time.h - the monotonic clock and the sleep every bounded wait uses.
 *
 * Header-only so the transport, the session layer and the agent share one
 * definition without a link-order dependency.
 * Must not: use the wall clock (it jumps); deadlines are monotonic.
 */
#ifndef HECI_TIME_H
#define HECI_TIME_H

#include <stdint.h>
#include <time.h>

/* Milliseconds on CLOCK_MONOTONIC. */
static inline int64_t heci_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep ms milliseconds, resuming after signals. */
static inline void heci_sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
}

#endif
