/*
 * test_health.c - rise/fall hysteresis and the service verdict (health.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "health.h"

static struct probe_report
report(enum probe_result r, const char *reason, bool immediate)
{
	struct probe_report pr = { .result = r, .immediate = immediate };

	strncpy(pr.reason, reason, sizeof(pr.reason) - 1);
	return pr;
}

static bool
feed(struct health_check *hc, enum probe_result r, const char *reason)
{
	struct probe_report pr = report(r, reason, false);

	return health_check_update(hc, &pr, false);
}

static void
health_test_init_to_up_after_rise(void **state)
{
	struct health_check hc;

	(void)state;
	health_check_init(&hc, 3, 2);
	assert_int_equal(hc.state, HEALTH_INIT);
	assert_false(feed(&hc, PROBE_UP, "ok"));
	assert_false(feed(&hc, PROBE_UP, "ok"));
	assert_int_equal(hc.state, HEALTH_INIT);
	assert_true(feed(&hc, PROBE_UP, "ok"));
	assert_int_equal(hc.state, HEALTH_UP);
	assert_false(feed(&hc, PROBE_UP, "ok"));
}

static void
health_test_up_to_down_after_fall(void **state)
{
	struct health_check hc;

	(void)state;
	health_check_init(&hc, 1, 2);
	assert_true(feed(&hc, PROBE_UP, "ok"));
	assert_false(feed(&hc, PROBE_DOWN, "sccrp-timeout"));
	assert_int_equal(hc.state, HEALTH_UP);
	assert_int_equal(hc.fail_streak, 1);
	assert_true(feed(&hc, PROBE_DOWN, "sccrp-timeout"));
	assert_int_equal(hc.state, HEALTH_DOWN);
	assert_string_equal(hc.reason, "sccrp-timeout");
}

static void
health_test_streak_broken_by_opposite_result(void **state)
{
	struct health_check hc;

	(void)state;
	health_check_init(&hc, 2, 2);
	feed(&hc, PROBE_UP, "ok");
	feed(&hc, PROBE_UP, "ok");
	assert_int_equal(hc.state, HEALTH_UP);
	feed(&hc, PROBE_DOWN, "eof");
	feed(&hc, PROBE_UP, "ok");	/* resets the fail streak */
	feed(&hc, PROBE_DOWN, "eof");
	assert_int_equal(hc.state, HEALTH_UP);
	assert_int_equal(hc.ok_streak, 0);
	assert_int_equal(hc.fail_streak, 1);
	/* and back: DOWN needs rise UPs in a row */
	feed(&hc, PROBE_DOWN, "eof");
	assert_int_equal(hc.state, HEALTH_DOWN);
	feed(&hc, PROBE_UP, "ok");
	feed(&hc, PROBE_DOWN, "eof");
	feed(&hc, PROBE_UP, "ok");
	assert_int_equal(hc.state, HEALTH_DOWN);
	feed(&hc, PROBE_UP, "ok");
	assert_int_equal(hc.state, HEALTH_UP);
}

static void
health_test_init_to_down_after_fall(void **state)
{
	struct health_check hc;

	(void)state;
	health_check_init(&hc, 3, 2);
	feed(&hc, PROBE_DOWN, "connect-refused");
	assert_int_equal(hc.state, HEALTH_INIT);
	assert_true(feed(&hc, PROBE_DOWN, "connect-refused"));
	assert_int_equal(hc.state, HEALTH_DOWN);
}

static void
health_test_immediate_event_skips_fall(void **state)
{
	struct health_check hc;
	struct probe_report ev = report(PROBE_DOWN, "process-exited", true);

	(void)state;
	health_check_init(&hc, 1, 5);
	feed(&hc, PROBE_UP, "ok");
	assert_true(health_check_update(&hc, &ev, false));
	assert_int_equal(hc.state, HEALTH_DOWN);
	assert_string_equal(hc.reason, "process-exited");
	/* coming back still needs rise */
	health_check_init(&hc, 2, 5);
	assert_true(health_check_update(&hc, &ev, false));
	feed(&hc, PROBE_UP, "ok");
	assert_int_equal(hc.state, HEALTH_DOWN);
	feed(&hc, PROBE_UP, "ok");
	assert_int_equal(hc.state, HEALTH_UP);
}

static void
health_test_error_not_counted(void **state)
{
	struct health_check hc;
	struct probe_report err = report(PROBE_ERROR, "socket-emfile", false);

	(void)state;
	health_check_init(&hc, 1, 1);
	feed(&hc, PROBE_UP, "ok");
	assert_false(health_check_update(&hc, &err, false));
	assert_false(health_check_update(&hc, &err, false));
	assert_int_equal(hc.state, HEALTH_UP);
	assert_string_equal(hc.reason, "ok");
	assert_int_equal(hc.ok_streak, 1);
}

static void
health_test_error_is_down_when_configured(void **state)
{
	struct health_check hc;
	struct probe_report err = report(PROBE_ERROR, "socket-emfile", false);

	(void)state;
	health_check_init(&hc, 1, 1);
	feed(&hc, PROBE_UP, "ok");
	assert_true(health_check_update(&hc, &err, true));
	assert_int_equal(hc.state, HEALTH_DOWN);
	assert_string_equal(hc.reason, "socket-emfile");
}

static void
health_test_verdict_combines_checks(void **state)
{
	struct health_check c[3];
	const char *reason = NULL;

	(void)state;
	for (int i = 0; i < 3; i++)
		health_check_init(&c[i], 1, 1);
	assert_int_equal(health_verdict(c, 3, &reason), HEALTH_INIT);
	assert_string_equal(reason, "init");
	feed(&c[0], PROBE_UP, "ok");
	feed(&c[1], PROBE_UP, "ok");
	assert_int_equal(health_verdict(c, 3, &reason), HEALTH_INIT);
	feed(&c[2], PROBE_UP, "ok");
	assert_int_equal(health_verdict(c, 3, &reason), HEALTH_UP);
	assert_string_equal(reason, "ok");
	feed(&c[1], PROBE_DOWN, "sccrp-result-2");
	assert_int_equal(health_verdict(c, 3, &reason), HEALTH_DOWN);
	assert_string_equal(reason, "sccrp-result-2");
	/* a DOWN check wins over an INIT one */
	health_check_init(&c[0], 1, 1);
	assert_int_equal(health_verdict(c, 3, NULL), HEALTH_DOWN);
}

static void
health_test_degraded_after_fall_and_back_after_rise(void **state)
{
	struct health_check hc;

	(void)state;
	health_check_init(&hc, 2, 2);
	feed(&hc, PROBE_UP, "ok");
	feed(&hc, PROBE_UP, "ok");
	assert_int_equal(hc.state, HEALTH_UP);
	assert_false(feed(&hc, PROBE_DEGRADED, "sessions-high"));
	assert_int_equal(hc.state, HEALTH_UP);
	assert_true(feed(&hc, PROBE_DEGRADED, "sessions-high"));
	assert_int_equal(hc.state, HEALTH_DEGRADED);
	assert_string_equal(hc.reason, "sessions-high");
	feed(&hc, PROBE_UP, "ok");
	feed(&hc, PROBE_DEGRADED, "sessions-high");	/* breaks the plain streak */
	feed(&hc, PROBE_UP, "ok");
	assert_int_equal(hc.state, HEALTH_DEGRADED);
	assert_true(feed(&hc, PROBE_UP, "ok"));
	assert_int_equal(hc.state, HEALTH_UP);
}

static void
health_test_degraded_counts_toward_rise(void **state)
{
	struct health_check hc;

	(void)state;
	health_check_init(&hc, 2, 2);
	feed(&hc, PROBE_UP, "ok");
	assert_true(feed(&hc, PROBE_DEGRADED, "fds-high"));
	assert_int_equal(hc.state, HEALTH_DEGRADED);	/* rose straight into DEGRADED */
	feed(&hc, PROBE_DOWN, "eof");
	assert_true(feed(&hc, PROBE_DOWN, "eof"));
	assert_int_equal(hc.state, HEALTH_DOWN);	/* DOWN from DEGRADED after fall */
}

static void
health_test_verdict_degraded(void **state)
{
	struct health_check c[2];
	const char *reason = NULL;

	(void)state;
	health_check_init(&c[0], 1, 1);
	health_check_init(&c[1], 1, 1);
	feed(&c[0], PROBE_UP, "ok");
	feed(&c[1], PROBE_DEGRADED, "conntrack-high");
	assert_int_equal(health_verdict(c, 2, &reason), HEALTH_DEGRADED);
	assert_string_equal(reason, "conntrack-high");
	feed(&c[0], PROBE_DOWN, "eof");
	assert_int_equal(health_verdict(c, 2, &reason), HEALTH_DOWN);
}

static void
health_test_names(void **state)
{
	(void)state;
	assert_string_equal(health_state_names[HEALTH_INIT], "INIT");
	assert_string_equal(health_state_names[HEALTH_UP], "UP");
	assert_string_equal(health_state_names[HEALTH_DOWN], "DOWN");
	assert_string_equal(health_state_names[HEALTH_DEGRADED], "DEGRADED");
}

/* ---- flap damping ---- */

/* Counting: in INIT once anything counted; then only while the results
 * disagree with the settled state, through rise and through fall. */
static void
health_test_counting_through_rise_and_fall(void **state)
{
	struct health_check hc;

	(void)state;
	health_check_init(&hc, 3, 2);
	assert_false(health_check_counting(&hc));	/* nothing run yet */
	feed(&hc, PROBE_UP, "ok");
	assert_true(health_check_counting(&hc));
	feed(&hc, PROBE_UP, "ok");
	assert_true(health_check_counting(&hc));
	assert_true(feed(&hc, PROBE_UP, "ok"));
	assert_false(health_check_counting(&hc));	/* settled UP */
	feed(&hc, PROBE_UP, "ok");
	assert_false(health_check_counting(&hc));
	feed(&hc, PROBE_DOWN, "sccrp-timeout");
	assert_true(health_check_counting(&hc));	/* down through fall */
	feed(&hc, PROBE_UP, "ok");
	assert_false(health_check_counting(&hc));	/* streak broken: UP agrees */
	feed(&hc, PROBE_DOWN, "sccrp-timeout");
	assert_true(feed(&hc, PROBE_DOWN, "sccrp-timeout"));
	assert_false(health_check_counting(&hc));	/* settled DOWN */
	feed(&hc, PROBE_DOWN, "connect-refused");
	assert_false(health_check_counting(&hc));
	feed(&hc, PROBE_UP, "ok");
	assert_true(health_check_counting(&hc));	/* up through rise */
	feed(&hc, PROBE_DOWN, "connect-refused");
	assert_false(health_check_counting(&hc));
}

/* An immediate DOWN settles at once; ERROR (not counted) changes nothing. */
static void
health_test_counting_immediate_and_error(void **state)
{
	struct health_check hc;
	struct probe_report exited = report(PROBE_DOWN, "process-exited", true);
	struct probe_report error = report(PROBE_ERROR, "eperm-raw-socket", false);

	(void)state;
	health_check_init(&hc, 1, 2);
	feed(&hc, PROBE_UP, "ok");
	assert_true(health_check_update(&hc, &exited, false));
	assert_false(health_check_counting(&hc));
	feed(&hc, PROBE_UP, "ok");
	assert_false(health_check_counting(&hc));	/* rise 1: UP at once */
	feed(&hc, PROBE_DOWN, "sccrp-timeout");
	assert_true(health_check_counting(&hc));
	assert_false(health_check_update(&hc, &error, false));
	assert_true(health_check_counting(&hc));	/* still one DOWN into fall */
}

/* UP -> DEGRADED counts through fall, DEGRADED -> UP through rise. */
static void
health_test_counting_degraded(void **state)
{
	struct health_check hc;

	(void)state;
	health_check_init(&hc, 2, 2);
	feed(&hc, PROBE_UP, "ok");
	feed(&hc, PROBE_UP, "ok");
	assert_false(health_check_counting(&hc));
	feed(&hc, PROBE_DEGRADED, "sessions-high");
	assert_true(health_check_counting(&hc));
	assert_true(feed(&hc, PROBE_DEGRADED, "sessions-high"));
	assert_int_equal(hc.state, HEALTH_DEGRADED);
	assert_false(health_check_counting(&hc));
	feed(&hc, PROBE_UP, "ok");
	assert_true(health_check_counting(&hc));
	feed(&hc, PROBE_DEGRADED, "sessions-high");
	assert_false(health_check_counting(&hc));
	feed(&hc, PROBE_DOWN, "sccrp-timeout");
	assert_true(health_check_counting(&hc));
}

/* The service is in a transition while any of its checks counts. */
static void
health_test_counting_any_check(void **state)
{
	struct health_check hc[2];

	(void)state;
	health_check_init(&hc[0], 1, 1);
	health_check_init(&hc[1], 2, 1);
	assert_false(health_counting(hc, 2));
	feed(&hc[0], PROBE_UP, "ok");
	assert_false(health_counting(hc, 2));	/* hc[0] settled, hc[1] not run */
	feed(&hc[1], PROBE_UP, "ok");
	assert_true(health_counting(hc, 2));
	feed(&hc[1], PROBE_UP, "ok");
	assert_false(health_counting(hc, 2));
	assert_false(health_counting(hc, 0));
}

static const struct damping_config damping_defaults = {
	.enabled = true, .penalty = 1000, .suppress_limit = 2000, .reuse_limit = 750,
	.half_life_s = 60, .max_suppress_s = 600,
};

static void
health_test_damping_penalty_halves_each_half_life(void **state)
{
	struct health_damping hd = { 0 };

	(void)state;
	assert_true(health_damping_penalty(&hd, &damping_defaults, 100) == 0);
	assert_false(health_damping_flap(&hd, &damping_defaults, 100));
	assert_int_equal(hd.flaps, 1);
	assert_float_equal(health_damping_penalty(&hd, &damping_defaults, 100), 1000, 1e-9);
	assert_float_equal(health_damping_penalty(&hd, &damping_defaults, 160), 500, 1e-9);
	assert_float_equal(health_damping_penalty(&hd, &damping_defaults, 220), 250, 1e-9);
	/* a clock stepping back does not grow it */
	assert_float_equal(health_damping_penalty(&hd, &damping_defaults, 90), 1000, 1e-9);
}

static void
health_test_damping_third_quick_flap_suppresses(void **state)
{
	struct health_damping hd = { 0 };

	(void)state;
	assert_false(health_damping_flap(&hd, &damping_defaults, 0));
	assert_false(health_damping_flap(&hd, &damping_defaults, 10));	/* 1890.9 */
	assert_false(hd.suppressed);
	assert_true(health_damping_flap(&hd, &damping_defaults, 20));	/* 2684.6 */
	assert_true(hd.suppressed);
	assert_int_equal(hd.suppressions, 1);
	assert_float_equal(hd.penalty, 1000 * exp2(-1. / 3) + 1000 * exp2(-1. / 6) + 1000, 1e-6);
	/* held until 60 x log2(2684.6 / 750) = 110.4 s later */
	assert_float_equal(health_damping_release_in(&hd, &damping_defaults, 20),
			   60 * log2(hd.penalty / 750), 1e-9);
	assert_false(health_damping_release(&hd, &damping_defaults, 20 + 110.3));
	assert_true(hd.suppressed);
	assert_true(health_damping_release(&hd, &damping_defaults, 20 + 110.5));
	assert_false(hd.suppressed);
	assert_true(health_damping_release_in(&hd, &damping_defaults, 20 + 110.5) == 0);
	assert_false(health_damping_release(&hd, &damping_defaults, 500));	/* not held */
}

static void
health_test_damping_slow_flaps_never_suppress(void **state)
{
	struct health_damping hd = { 0 };
	double t;

	(void)state;
	/* one flap per half-life converges to 2000 x (1 - 2^-n): never above */
	for (t = 0; t < 3600; t += 60)
		assert_false(health_damping_flap(&hd, &damping_defaults, t));
	assert_int_equal(hd.suppressions, 0);
	assert_true(hd.penalty <= 2000);
}

static void
health_test_damping_flap_while_held_extends_it(void **state)
{
	struct health_damping hd = { 0 };
	double before;

	(void)state;
	health_damping_flap(&hd, &damping_defaults, 0);
	health_damping_flap(&hd, &damping_defaults, 1);
	health_damping_flap(&hd, &damping_defaults, 2);
	assert_true(hd.suppressed);
	before = health_damping_release_in(&hd, &damping_defaults, 30);
	assert_false(health_damping_flap(&hd, &damping_defaults, 30));	/* no new suppression */
	assert_int_equal(hd.suppressions, 1);
	assert_int_equal(hd.flaps, 4);
	assert_true(health_damping_release_in(&hd, &damping_defaults, 30) > before);
}

static void
health_test_damping_ceiling_bounds_the_hold(void **state)
{
	struct health_damping hd = { 0 };
	int i;

	(void)state;
	/* 1000 flaps in a second: the penalty stops at 750 x 2^(600/60), so the
	 * hold ends max-suppress-s (600 s) after the last flap */
	for (i = 0; i < 1000; i++)
		health_damping_flap(&hd, &damping_defaults, i / 1000.);
	assert_float_equal(hd.penalty, 750 * 1024., 1e-6);
	assert_float_equal(health_damping_release_in(&hd, &damping_defaults, 0.999), 600, 1e-6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(health_test_init_to_up_after_rise),
		cmocka_unit_test(health_test_up_to_down_after_fall),
		cmocka_unit_test(health_test_streak_broken_by_opposite_result),
		cmocka_unit_test(health_test_init_to_down_after_fall),
		cmocka_unit_test(health_test_immediate_event_skips_fall),
		cmocka_unit_test(health_test_error_not_counted),
		cmocka_unit_test(health_test_error_is_down_when_configured),
		cmocka_unit_test(health_test_verdict_combines_checks),
		cmocka_unit_test(health_test_degraded_after_fall_and_back_after_rise),
		cmocka_unit_test(health_test_degraded_counts_toward_rise),
		cmocka_unit_test(health_test_verdict_degraded),
		cmocka_unit_test(health_test_names),
		cmocka_unit_test(health_test_counting_through_rise_and_fall),
		cmocka_unit_test(health_test_counting_immediate_and_error),
		cmocka_unit_test(health_test_counting_degraded),
		cmocka_unit_test(health_test_counting_any_check),
		cmocka_unit_test(health_test_damping_penalty_halves_each_half_life),
		cmocka_unit_test(health_test_damping_third_quick_flap_suppresses),
		cmocka_unit_test(health_test_damping_slow_flaps_never_suppress),
		cmocka_unit_test(health_test_damping_flap_while_held_extends_it),
		cmocka_unit_test(health_test_damping_ceiling_bounds_the_hold),
	};
	return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
