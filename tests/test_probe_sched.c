/*
 * test_probe_sched.c - the pure timing decisions of probe_sched.c: the
 * recent answers, the late point of a run, the next run's start.  Plain
 * numbers in, numbers out; the scheduler that arms timers from them is
 * tested in test_probe_generic.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "probe_sched.h"

/* A probe whose last run answered. */
#define ANSWERING ((struct probe_answers){ .answered = true })

static void
answers(struct probe_answers *a, const double *ms, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		probe_sched_result(a, true, ms[i]);
}

/* The longest of the remembered answers; none is 0, a negative one 0. */
static void
probe_sched_test_answer_max(void **state)
{
	struct probe_answers a = ANSWERING;
	const double ms[] = { 12.5, 40.0, 7.0 };

	(void)state;
	assert_float_equal(probe_sched_answer_max(&a), 0, 0);
	probe_sched_result(&a, true, -3);
	assert_float_equal(probe_sched_answer_max(&a), 0, 0);
	answers(&a, ms, 3);
	assert_float_equal(probe_sched_answer_max(&a), 40.0, 0);
	assert_int_equal(a.n, 4);
}

/* Only the last PROBE_SCHED_ANSWERS count: an old slow answer is forgotten
 * after that many new ones, not before. */
static void
probe_sched_test_answer_window(void **state)
{
	struct probe_answers a = ANSWERING;
	int i;

	(void)state;
	probe_sched_result(&a, true, 140);
	for (i = 0; i < PROBE_SCHED_ANSWERS - 1; i++)
		probe_sched_result(&a, true, 10);
	assert_float_equal(probe_sched_answer_max(&a), 140, 0);
	probe_sched_result(&a, true, 10);
	assert_float_equal(probe_sched_answer_max(&a), 10, 0);
	assert_int_equal(a.n, PROBE_SCHED_ANSWERS);
}

/* The first answer after a run that did not answer (a resumed pptpd
 * working through its queue: 250 ms) is not remembered, nor is the very
 * first one; the next ones are. */
static void
probe_sched_test_answer_after_failure(void **state)
{
	struct probe_answers a = { 0 };

	(void)state;
	probe_sched_result(&a, true, 90);	/* the first run */
	assert_int_equal(a.n, 0);
	probe_sched_result(&a, true, 10);
	probe_sched_result(&a, false, 300);	/* a timeout */
	probe_sched_result(&a, false, 300);
	probe_sched_result(&a, true, 250);	/* resumed */
	probe_sched_result(&a, true, 12);
	assert_int_equal(a.n, 2);
	assert_float_equal(probe_sched_answer_max(&a), 12, 0);
}

/* Late at twice the longest recent answer, never sooner than the fast
 * interval (also with no answer remembered yet). */
static void
probe_sched_test_late_twice_the_longest(void **state)
{
	struct probe_answers a = ANSWERING;
	const double ms[] = { 8, 31, 12 };

	(void)state;
	assert_float_equal(probe_sched_late_ms(&a, 50, 300), 50, 0);
	probe_sched_result(&a, true, 10);
	assert_float_equal(probe_sched_late_ms(&a, 50, 300), 50, 0);
	answers(&a, ms, 3);
	assert_float_equal(probe_sched_late_ms(&a, 50, 300), 62, 0);
}

/* No second run when the late point is not before the timeout: a server
 * that answers in 150 ms of a 300 ms timeout gets none (its runs answer
 * first), one that answers in 149 ms gets one at 298 ms. */
static void
probe_sched_test_late_not_before_timeout(void **state)
{
	struct probe_answers a = ANSWERING;

	(void)state;
	probe_sched_result(&a, true, 149);
	assert_float_equal(probe_sched_late_ms(&a, 50, 300), 298, 0);
	probe_sched_result(&a, true, 150);
	assert_float_equal(probe_sched_late_ms(&a, 50, 300), 0, 0);
	/* the fast interval itself past the timeout */
	assert_float_equal(probe_sched_late_ms(&ANSWERING, 300, 300), 0, 0);
}

/* fast-interval-ms 0 turns late runs off with the fast ones. */
static void
probe_sched_test_late_off(void **state)
{
	struct probe_answers a = ANSWERING;

	(void)state;
	probe_sched_result(&a, true, 10);
	assert_float_equal(probe_sched_late_ms(&a, 0, 300), 0, 0);
}

/* No second run after a run that did not answer: a server that stays down
 * or hung gets one run per interval, as before; nor before any answer. */
static void
probe_sched_test_late_only_after_an_answer(void **state)
{
	struct probe_answers a = { 0 };

	(void)state;
	assert_float_equal(probe_sched_late_ms(&a, 50, 300), 0, 0);
	probe_sched_result(&a, true, 10);
	assert_float_equal(probe_sched_late_ms(&a, 50, 300), 50, 0);
	probe_sched_result(&a, false, 300);
	assert_float_equal(probe_sched_late_ms(&a, 50, 300), 0, 0);
}

/* Not in a transition: the regular time. */
static void
probe_sched_test_next_regular(void **state)
{
	struct probe_sched_state s = {
		.regular_due = 100.5, .started = 100.0, .ended = 100.01, .fast = false, .fast_ms = 50,
	};

	(void)state;
	assert_float_equal(probe_sched_next(&s), 100.5, 1e-12);
}

/* In a transition: fast_ms after the start, or at the end of a run that
 * outlived it, never after the regular time; fast_ms 0 is off. */
static void
probe_sched_test_next_fast(void **state)
{
	struct probe_sched_state s = {
		.regular_due = 100.5, .started = 100.0, .ended = 100.01, .fast = true, .fast_ms = 50,
	};

	(void)state;
	assert_float_equal(probe_sched_next(&s), 100.05, 1e-12);
	s.ended = 100.3;	/* a timed-out run: the next one at once */
	assert_float_equal(probe_sched_next(&s), 100.3, 1e-12);
	s.ended = 100.01;
	s.fast_ms = 600;	/* past the regular time */
	assert_float_equal(probe_sched_next(&s), 100.5, 1e-12);
	s.fast_ms = 0;
	assert_float_equal(probe_sched_next(&s), 100.5, 1e-12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(probe_sched_test_answer_max),
		cmocka_unit_test(probe_sched_test_answer_window),
		cmocka_unit_test(probe_sched_test_answer_after_failure),
		cmocka_unit_test(probe_sched_test_late_twice_the_longest),
		cmocka_unit_test(probe_sched_test_late_not_before_timeout),
		cmocka_unit_test(probe_sched_test_late_off),
		cmocka_unit_test(probe_sched_test_late_only_after_an_answer),
		cmocka_unit_test(probe_sched_test_next_regular),
		cmocka_unit_test(probe_sched_test_next_fast),
	};

	return cmocka_run_group_tests_name("probe_sched", tests, NULL, NULL);
}
