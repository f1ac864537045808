/*
 * probe_sched.c - the timing decisions of probe.c (include/probe_sched.h):
 * the next run's start and the point where a run is late.  Pure: no clock,
 * no libev; probe.c passes the loop's times in and arms the timers.
 */
#include "probe_sched.h"

/* How many times the longest recent answer a run may take before it is late. */
#define PROBE_SCHED_LATE_FACTOR 2.0

void
probe_sched_result(struct probe_answers *a, bool answered, double ms)
{
	bool after_answer = a->answered;

	a->answered = answered;
	if (!answered || !after_answer)
		return;
	a->ms[a->next] = ms > 0 ? ms : 0;
	a->next = (a->next + 1) % PROBE_SCHED_ANSWERS;
	if (a->n < PROBE_SCHED_ANSWERS)
		a->n++;
}

double
probe_sched_answer_max(const struct probe_answers *a)
{
	double max = 0;
	unsigned int i;

	for (i = 0; i < a->n; i++)
		if (a->ms[i] > max)
			max = a->ms[i];
	return max;
}

double
probe_sched_late_ms(const struct probe_answers *a, uint32_t fast_ms, uint32_t timeout_ms)
{
	double late = PROBE_SCHED_LATE_FACTOR * probe_sched_answer_max(a);

	if (!a->answered || fast_ms == 0)
		return 0;
	if (late < fast_ms)
		late = fast_ms;
	return late < timeout_ms ? late : 0;
}

double
probe_sched_next(const struct probe_sched_state *s)
{
	double at = s->regular_due;
	double sooner = s->started + s->fast_ms / 1000.0;

	if (sooner < s->ended)
		sooner = s->ended;
	if (s->fast && s->fast_ms > 0 && sooner < at)
		at = sooner;
	return at;
}
