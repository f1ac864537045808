/*
 * health.c - rise/fall hysteresis per probe and the service verdict.
 * The state diagram is in include/health.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "health.h"

const char *const health_state_names[HEALTH_STATE__COUNT] = {
	[HEALTH_INIT] = "INIT",
	[HEALTH_UP] = "UP",
	[HEALTH_DOWN] = "DOWN",
	[HEALTH_DEGRADED] = "DEGRADED",
};

void
health_check_init(struct health_check *hc, uint32_t rise, uint32_t fall)
{
	memset(hc, 0, sizeof(*hc));
	hc->state = HEALTH_INIT;
	hc->rise = rise ? rise : 1;
	hc->fall = fall ? fall : 1;
	snprintf(hc->reason, sizeof(hc->reason), "init");
}

static bool
health_check_set(struct health_check *hc, enum health_state next)
{
	if (hc->state == next)
		return false;
	hc->state = next;
	return true;
}

static void
health_count(uint32_t *streak)
{
	if (*streak < UINT32_MAX)
		(*streak)++;
}

/* An UP or DEGRADED result: both count toward rise; which of the two serving
 * states the check is in follows its own streaks (see health.h). */
static bool
health_check_serving(struct health_check *hc, bool degraded, bool immediate)
{
	hc->fail_streak = 0;
	health_count(&hc->ok_streak);
	if (degraded) {
		hc->plain_streak = 0;
		health_count(&hc->degraded_streak);
	} else {
		hc->degraded_streak = 0;
		health_count(&hc->plain_streak);
	}
	switch (hc->state) {
	case HEALTH_INIT:
	case HEALTH_DOWN:
		if (immediate || hc->ok_streak >= hc->rise)
			return health_check_set(hc, degraded ? HEALTH_DEGRADED : HEALTH_UP);
		return false;
	case HEALTH_UP:
		if (degraded && hc->degraded_streak >= hc->fall)
			return health_check_set(hc, HEALTH_DEGRADED);
		return false;
	case HEALTH_DEGRADED:
		if (!degraded && hc->plain_streak >= hc->rise)
			return health_check_set(hc, HEALTH_UP);
		return false;
	default:
		return false;
	}
}

bool
health_check_update(struct health_check *hc, const struct probe_report *r,
		    bool error_is_down)
{
	enum probe_result result = r->result;

	if (result == PROBE_ERROR) {
		if (!error_is_down)
			return false;
		result = PROBE_DOWN;
	}
	snprintf(hc->reason, sizeof(hc->reason), "%s", r->reason);

	if (result == PROBE_UP || result == PROBE_DEGRADED)
		return health_check_serving(hc, result == PROBE_DEGRADED, r->immediate);
	hc->ok_streak = 0;
	hc->plain_streak = 0;
	hc->degraded_streak = 0;
	health_count(&hc->fail_streak);
	if (r->immediate || hc->fail_streak >= hc->fall)
		return health_check_set(hc, HEALTH_DOWN);
	return false;
}

bool
health_check_counting(const struct health_check *hc)
{
	switch (hc->state) {
	case HEALTH_INIT:
		return hc->ok_streak > 0 || hc->fail_streak > 0;
	case HEALTH_DOWN:
		return hc->ok_streak > 0;
	case HEALTH_UP:
		return hc->fail_streak > 0 || hc->degraded_streak > 0;
	case HEALTH_DEGRADED:
		return hc->fail_streak > 0 || hc->plain_streak > 0;
	default:
		return false;
	}
}

bool
health_counting(const struct health_check *checks, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (health_check_counting(&checks[i]))
			return true;
	return false;
}

enum health_state
health_verdict(const struct health_check *checks, size_t n, const char **reason)
{
	const struct health_check *init = NULL, *degraded = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (checks[i].state == HEALTH_DOWN) {
			if (reason)
				*reason = checks[i].reason;
			return HEALTH_DOWN;
		}
		if (checks[i].state == HEALTH_INIT && init == NULL)
			init = &checks[i];
		if (checks[i].state == HEALTH_DEGRADED && degraded == NULL)
			degraded = &checks[i];
	}
	if (init != NULL) {
		if (reason)
			*reason = "init";
		return HEALTH_INIT;
	}
	if (degraded != NULL) {
		if (reason)
			*reason = degraded->reason;
		return HEALTH_DEGRADED;
	}
	if (reason)
		*reason = "ok";
	return HEALTH_UP;
}

/* ---- flap damping (see health.h) ---- */

static double
health_damping_ceiling(const struct damping_config *dc)
{
	return dc->reuse_limit * exp2((double)dc->max_suppress_s / dc->half_life_s);
}

double
health_damping_penalty(const struct health_damping *hd, const struct damping_config *dc,
		       double now)
{
	double elapsed = now - hd->updated;

	if (hd->penalty <= 0)
		return 0;
	if (elapsed <= 0)
		return hd->penalty;
	return hd->penalty * exp2(-elapsed / dc->half_life_s);
}

bool
health_damping_flap(struct health_damping *hd, const struct damping_config *dc, double now)
{
	double p = health_damping_penalty(hd, dc, now) + dc->penalty;
	double ceiling = health_damping_ceiling(dc);

	hd->penalty = p < ceiling ? p : ceiling;
	hd->updated = now;
	hd->flaps++;
	if (hd->suppressed || hd->penalty <= dc->suppress_limit)
		return false;
	hd->suppressed = true;
	hd->suppressions++;
	return true;
}

bool
health_damping_release(struct health_damping *hd, const struct damping_config *dc, double now)
{
	if (!hd->suppressed || health_damping_penalty(hd, dc, now) >= dc->reuse_limit)
		return false;
	hd->suppressed = false;
	return true;
}

double
health_damping_release_in(const struct health_damping *hd, const struct damping_config *dc,
			  double now)
{
	double p = health_damping_penalty(hd, dc, now);

	if (!hd->suppressed || p < dc->reuse_limit)
		return 0;
	/* p x 2^(-t/h) = reuse  <=>  t = h x log2(p / reuse) */
	return dc->half_life_s * log2(p / dc->reuse_limit);
}
