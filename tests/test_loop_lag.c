/*
 * test_loop_lag.c - the loop-lag histogram: buckets, the rendered text, and
 * the watchers counting a busy stretch of a real loop.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "loop_lag.h"

static void
loop_lag_test_buckets(void **state)
{
	struct loop_lag l;
	char buf[2048];
	size_t len;

	(void)state;
	memset(&l, 0, sizeof(l));
	loop_lag_record(&l, 0.0001);
	loop_lag_record(&l, 0.0005);	/* on a bound: in that bucket (le) */
	loop_lag_record(&l, 0.007);
	loop_lag_record(&l, 3.0);
	len = loop_lag_render(&l, buf, sizeof(buf));
	assert_int_equal(len, strlen(buf));
	assert_non_null(strstr(buf, "# TYPE anycast_healthd_loop_lag_seconds histogram\n"));
	assert_non_null(strstr(buf, "anycast_healthd_loop_lag_seconds_bucket{le=\"0.0005\"} 2\n"
				    "anycast_healthd_loop_lag_seconds_bucket{le=\"0.001\"} 2\n"));
	assert_non_null(strstr(buf, "{le=\"0.005\"} 2\n"
				    "anycast_healthd_loop_lag_seconds_bucket{le=\"0.01\"} 3\n"));
	assert_non_null(strstr(buf, "{le=\"1\"} 3\n"
				    "anycast_healthd_loop_lag_seconds_bucket{le=\"+Inf\"} 4\n"
				    "anycast_healthd_loop_lag_seconds_sum 3.007600\n"
				    "anycast_healthd_loop_lag_seconds_count 4\n"));
	/* too small a buffer: the length needed, the text cut */
	assert_int_equal(loop_lag_render(&l, buf, 10), len);
	assert_int_equal(strlen(buf), 9);
}

static void
busy_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct timespec ts = { 0, 30 * 1000 * 1000 };

	(void)loop;
	(void)w;
	(void)revents;
	nanosleep(&ts, NULL);	/* a callback that keeps the loop 30 ms */
}

static void
nothing_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

static void
loop_lag_test_loop(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct loop_lag l;
	ev_timer busy, idle;
	size_t i, over = 0;

	(void)state;
	loop_lag_start(&l, loop);
	ev_timer_init(&busy, busy_cb, 0.001, 0.);
	ev_timer_start(loop, &busy);
	/* a second timer: the loop sleeps once more after the busy one, which
	 * ends that stretch */
	ev_timer_init(&idle, nothing_cb, 0.1, 0.);
	ev_timer_start(loop, &idle);
	ev_run(loop, 0);	/* until both timers are done */
	loop_lag_stop(&l, loop);
	ev_loop_destroy(loop);
	assert_true(l.n >= 1);
	/* the stretch with the callback is at least its 30 ms: over 25 ms */
	for (i = 6; i <= LOOP_LAG_BUCKETS; i++)
		over += l.counts[i];
	assert_int_equal(over, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loop_lag_test_buckets),
		cmocka_unit_test(loop_lag_test_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
