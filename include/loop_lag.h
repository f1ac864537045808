/*
 * loop_lag.h - how long the event loop stays busy between two sleeps.
 *
 * An event that comes while the loop runs callbacks waits until they are
 * done: the time from the loop waking up (its ev_check watchers run right
 * after the poll returns) to it going to sleep again (its ev_prepare
 * watchers run just before the next poll) bounds what any event waited.
 * Each such stretch goes into a histogram, exported in /metrics as
 * anycast_healthd_loop_lag_seconds.  Two clock reads per loop iteration;
 * no timer of its own, so an idle daemon does not wake up for it.
 */
#ifndef AHD_LOOP_LAG_H
#define AHD_LOOP_LAG_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>

#define LOOP_LAG_BUCKETS	10
/* The buckets' upper bounds in seconds, 0.5 ms to 1 s; +Inf is counts[BUCKETS]. */
extern const double loop_lag_bounds[LOOP_LAG_BUCKETS];

struct loop_lag {
	ev_check check;
	ev_prepare prepare;
	double woke;			/* CLOCK_MONOTONIC at the last wake-up; 0: asleep */
	uint64_t counts[LOOP_LAG_BUCKETS + 1];	/* per bucket, not cumulative */
	uint64_t n;
	double sum;
};

/* Zeroes `l` and starts its watchers on `loop` (they keep no reference). */
void loop_lag_start(struct loop_lag *l, struct ev_loop *loop);
void loop_lag_stop(struct loop_lag *l, struct ev_loop *loop);
/* One busy stretch of `seconds`. */
void loop_lag_record(struct loop_lag *l, double seconds);
/* The Prometheus histogram (HELP, TYPE, cumulative buckets, sum, count) into
 * buf; its length, or the length needed when it is >= size (snprintf's rule). */
size_t loop_lag_render(const struct loop_lag *l, char *buf, size_t size);

#endif
