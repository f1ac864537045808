/*
 * health.c - rise/fall hysteresis per probe and the service verdict.
 * The state diagram is in include/health.h.
 */
#include <stdio.h>
#include <string.h>

#include "health.h"

const char *const health_state_names[HEALTH_STATE__COUNT] = {
	[HEALTH_INIT] = "INIT",
	[HEALTH_UP] = "UP",
	[HEALTH_DOWN] = "DOWN",
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

	if (result == PROBE_UP) {
		hc->fail_streak = 0;
		if (hc->ok_streak < UINT32_MAX)
			hc->ok_streak++;
		if (r->immediate || hc->ok_streak >= hc->rise)
			return health_check_set(hc, HEALTH_UP);
		return false;
	}
	hc->ok_streak = 0;
	if (hc->fail_streak < UINT32_MAX)
		hc->fail_streak++;
	if (r->immediate || hc->fail_streak >= hc->fall)
		return health_check_set(hc, HEALTH_DOWN);
	return false;
}

enum health_state
health_verdict(const struct health_check *checks, size_t n, const char **reason)
{
	const struct health_check *init = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (checks[i].state == HEALTH_DOWN) {
			if (reason)
				*reason = checks[i].reason;
			return HEALTH_DOWN;
		}
		if (checks[i].state == HEALTH_INIT && init == NULL)
			init = &checks[i];
	}
	if (init != NULL) {
		if (reason)
			*reason = "init";
		return HEALTH_INIT;
	}
	if (reason)
		*reason = "ok";
	return HEALTH_UP;
}
