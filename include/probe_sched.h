/*
 * probe_sched.h - the timing decisions of probe.c, pure: when the next run
 * of a probe starts, and when a run is late enough that a second one starts
 * beside it.  No clock and no libev here: times are passed in (seconds of
 * loop time, as ev_now() gives them), so tests/test_probe_sched.c drives
 * them with plain numbers.
 *
 * Late runs.  A probe remembers how long its last PROBE_SCHED_ANSWERS
 * answers took: runs that answered (UP or DEGRADED) right after a run that
 * answered too, so the server's usual answer time.  The first answer after
 * a failure is not one: a pptpd resumed after a stop, or restarted, first
 * works through the connections queued meanwhile, and one such answer
 * would hold the late point up for the next 16 runs.  A run that has gone on for twice
 * the longest of them, and at least fast_interval_ms, is late: a healthy
 * server would have answered by now, so the service is suspect and a second
 * run starts beside the late one (probe.c), whose result counts like any
 * other.  A hung server then fails `fall` runs in about one timeout after
 * the first run started late, instead of one timeout per run; a slow but
 * healthy one answers both runs UP (a late run is not a failed one).  No
 * second run while the probe answers as fast as it did (nothing extra in
 * steady state), none when the late point would not come before the
 * timeout (a server that is merely slower than usual answers first), and
 * none when the previous run did not answer: lateness is news only after
 * an answer, and a server that stays down costs no more than one run per
 * interval.
 */
#ifndef AHD_PROBE_SCHED_H
#define AHD_PROBE_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#define PROBE_SCHED_ANSWERS 16	/* answered runs remembered: 8 s at 500 ms */

/* A probe's recent answers: a ring, all zero = none yet. */
struct probe_answers {
	double ms[PROBE_SCHED_ANSWERS];
	unsigned int n;		/* filled, up to PROBE_SCHED_ANSWERS */
	unsigned int next;	/* where the next one goes */
	bool answered;		/* the last run answered */
};

/* A run ended: it answered (UP or DEGRADED) after ms (negative counts as
 * 0), or not.  Remembered when the run before answered too. */
void probe_sched_result(struct probe_answers *a, bool answered, double ms);

/* The longest remembered answer (ms), 0 when none. */
double probe_sched_answer_max(const struct probe_answers *a);

/* How long (ms) a run may go on before it is late, or 0 when no second run
 * is to start: the previous run did not answer, fast_ms is 0 (fast runs
 * off), or the late point is not before timeout_ms. */
double probe_sched_late_ms(const struct probe_answers *a, uint32_t fast_ms, uint32_t timeout_ms);

/* Where the schedule stands when no run is active. */
struct probe_sched_state {
	double regular_due;	/* the regular next start: previous due + interval */
	double started;		/* the last run's start (of the probe's own runs) */
	double ended;		/* ... and its end */
	bool fast;		/* in a transition (probe_set_fast) */
	uint32_t fast_ms;	/* fast_interval_ms; 0 = off */
};

/* The next run's start: the regular time, or, in a transition, fast_ms
 * after the last run's start if that is sooner, but not before that run
 * ended. */
double probe_sched_next(const struct probe_sched_state *s);

#endif
