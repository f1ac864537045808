/*
 * health.h - per-probe rise/fall hysteresis and the per-service verdict.
 *
 * Each probe of a service has its own struct health_check:
 *
 *            rise consecutive UP            fall consecutive DOWN
 *    INIT ---------------------------> UP -----------------------> DOWN
 *      |                                ^                           |
 *      | fall consecutive DOWN          |   rise consecutive UP     |
 *      +------------------------> DOWN  +---------------------------+
 *
 *  - An immediate result (event-driven: the watched process exited) moves
 *    the check to its state at once, whatever the streaks.
 *  - ERROR (the probe could not run: no CAP_NET_RAW, EMFILE) counts for
 *    nothing and leaves the streaks alone, unless the service says
 *    error-is-down, in which case it counts as DOWN.
 *  - DEGRADED (serving, near a limit) counts as UP for the streaks above.
 *    An UP check becomes DEGRADED after `fall` consecutive DEGRADED results
 *    and UP again after `rise` consecutive plain UPs:
 *
 *            fall consecutive DEGRADED
 *        UP ---------------------------> DEGRADED
 *           <---------------------------
 *            rise consecutive UP          (DOWN as from UP)
 *
 * The service's verdict combines its checks: DOWN if any check is DOWN,
 * else INIT if any is still INIT, else DEGRADED if any is DEGRADED, else UP.
 * The reason of a DOWN or DEGRADED verdict is the first such check's reason.
 *
 * Flap damping (optional, per service; RFC 2439's idea):
 *
 *   each flap (the verdict goes from UP/DEGRADED to DOWN) adds `penalty`;
 *   the penalty halves every `half-life`;
 *   penalty > suppress-limit  -> suppressed: the service is held DOWN
 *                                ("damped") whatever its probes say;
 *   penalty < reuse-limit     -> released: the probes' verdict counts again.
 *   The penalty is capped at reuse-limit x 2^(max-suppress / half-life), so
 *   a suppression ends at most max-suppress after the last flap.
 *
 * Pure logic: no I/O, no clock (times are passed in); daemon.c feeds it,
 * arms the release timer and logs transitions.
 */
#ifndef AHD_HEALTH_H
#define AHD_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "probe.h"

enum health_state { HEALTH_INIT, HEALTH_UP, HEALTH_DOWN, HEALTH_DEGRADED, HEALTH_STATE__COUNT };
/* "INIT", "UP", "DOWN", "DEGRADED" */
extern const char *const health_state_names[HEALTH_STATE__COUNT];

struct health_check {
	enum health_state state;
	uint32_t rise, fall;
	uint32_t ok_streak;		/* consecutive UP results */
	uint32_t fail_streak;		/* consecutive DOWN results */
	uint32_t degraded_streak;	/* consecutive DEGRADED results */
	uint32_t plain_streak;		/* consecutive plain UP (not DEGRADED) results */
	char reason[PROBE_REASON_MAX];	/* reason of the last counted result */
};

void health_check_init(struct health_check *hc, uint32_t rise, uint32_t fall);

/* Apply one probe result.  Returns true when hc->state changed. */
bool health_check_update(struct health_check *hc, const struct probe_report *r,
			 bool error_is_down);

/* Is the check counting through rise or fall: its last counted result
 * disagrees with its state (in INIT: any result counted), so it is in a
 * transition?  false once the state follows its results. */
bool health_check_counting(const struct health_check *hc);

/* Is any of the n checks counting?  While one is, every probe of the
 * service runs at its fast interval (probe_set_fast). */
bool health_counting(const struct health_check *checks, size_t n);

/* The service verdict over n checks; *reason (may be NULL) gets the reason. */
enum health_state health_verdict(const struct health_check *checks, size_t n,
				 const char **reason);

/* A service's flap damping state; all zero is "never flapped". */
struct health_damping {
	double penalty;			/* as of `updated` */
	double updated;			/* wall clock the penalty was last set */
	bool suppressed;		/* held DOWN */
	unsigned long flaps;		/* serving -> DOWN changes counted */
	unsigned long suppressions;	/* times it became suppressed */
};

/* The penalty decayed to `now`. */
double health_damping_penalty(const struct health_damping *hd, const struct damping_config *dc,
			      double now);

/* A flap at `now`: add the penalty (up to the ceiling).  Returns true when
 * this flap starts a suppression. */
bool health_damping_flap(struct health_damping *hd, const struct damping_config *dc, double now);

/* Release a suppression whose penalty has decayed below reuse-limit by
 * `now`.  Returns true when it was released. */
bool health_damping_release(struct health_damping *hd, const struct damping_config *dc,
			    double now);

/* Seconds from `now` until a suppression can be released (0 when not
 * suppressed or already due). */
double health_damping_release_in(const struct health_damping *hd,
				 const struct damping_config *dc, double now);

#endif
