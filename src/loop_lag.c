/*
 * loop_lag.c - a histogram of how long the event loop stays busy between
 * two sleeps: the longest any event waited for its callback (loop_lag.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "loop_lag.h"

const double loop_lag_bounds[LOOP_LAG_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
};

static double
loop_lag_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void
loop_lag_record(struct loop_lag *l, double seconds)
{
	size_t i;

	for (i = 0; i < LOOP_LAG_BUCKETS && seconds > loop_lag_bounds[i]; i++)
		;
	l->counts[i]++;
	l->n++;
	l->sum += seconds;
}

/* Right after the poll: the loop is awake. */
static void
loop_lag_check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
	struct loop_lag *l = w->data;

	(void)loop;
	(void)revents;
	l->woke = loop_lag_now();
}

/* Right before the poll: the callbacks of this wake-up are done. */
static void
loop_lag_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct loop_lag *l = w->data;

	(void)loop;
	(void)revents;
	if (l->woke > 0)
		loop_lag_record(l, loop_lag_now() - l->woke);
	l->woke = 0;
}

void
loop_lag_start(struct loop_lag *l, struct ev_loop *loop)
{
	memset(l, 0, sizeof(*l));
	ev_check_init(&l->check, loop_lag_check_cb);
	ev_prepare_init(&l->prepare, loop_lag_prepare_cb);
	l->check.data = l->prepare.data = l;
	/* The check first after the poll, the prepare last before the next
	 * one: after the drivers' flushes, which are the iteration's work too. */
	ev_set_priority(&l->prepare, EV_MINPRI);
	ev_set_priority(&l->check, EV_MAXPRI);
	/* Watching is no reason for ev_run() to go on: not counted as active. */
	ev_check_start(loop, &l->check);
	ev_unref(loop);
	ev_prepare_start(loop, &l->prepare);
	ev_unref(loop);
}

void
loop_lag_stop(struct loop_lag *l, struct ev_loop *loop)
{
	if (ev_is_active(&l->check)) {
		ev_ref(loop);
		ev_check_stop(loop, &l->check);
	}
	if (ev_is_active(&l->prepare)) {
		ev_ref(loop);
		ev_prepare_stop(loop, &l->prepare);
	}
}

/* snprintf at buf + *len, keeping *len the length needed. */
static void __attribute__((format(printf, 4, 5)))
loop_lag_append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*len < size ? buf + *len : NULL, *len < size ? size - *len : 0, fmt, ap);
	va_end(ap);
	*len += n > 0 ? (size_t)n : 0;
}

size_t
loop_lag_render(const struct loop_lag *l, char *buf, size_t size)
{
	unsigned long long cum = 0;
	size_t len = 0, i;

	if (size > 0)
		buf[0] = '\0';
	loop_lag_append(buf, size, &len, "# HELP anycast_healthd_loop_lag_seconds How long the "
			"event loop stayed busy between two sleeps (what an event may have "
			"waited).\n# TYPE anycast_healthd_loop_lag_seconds histogram\n");
	for (i = 0; i < LOOP_LAG_BUCKETS; i++) {
		cum += l->counts[i];
		loop_lag_append(buf, size, &len, "anycast_healthd_loop_lag_seconds_bucket"
				"{le=\"%g\"} %llu\n", loop_lag_bounds[i], cum);
	}
	cum += l->counts[LOOP_LAG_BUCKETS];
	loop_lag_append(buf, size, &len, "anycast_healthd_loop_lag_seconds_bucket{le=\"+Inf\"} "
			"%llu\nanycast_healthd_loop_lag_seconds_sum %.6f\n"
			"anycast_healthd_loop_lag_seconds_count %llu\n", cum, l->sum,
			(unsigned long long)l->n);
	return len;
}
