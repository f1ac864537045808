/*
 * policy.c - per-prefix desired state from service verdicts (see policy.h).
 */
#include <stdio.h>

#include "policy.h"

enum route_state
policy_desired(const struct prefix_config *pc, const enum health_state *states,
	       const char *const *reasons, char *why, size_t why_len)
{
	size_t i, first_init = pc->n_services, first_degraded = pc->n_services;

	for (i = 0; i < pc->n_services; i++) {
		size_t s = pc->service_index[i];

		if (states[s] == HEALTH_DOWN) {
			if (why)
				snprintf(why, why_len, "%s DOWN (%s)", pc->services[i],
					 reasons && reasons[s] ? reasons[s] : "?");
			return ROUTE_WITHDRAWN;
		}
		if (states[s] == HEALTH_INIT && first_init == pc->n_services)
			first_init = i;
		if (states[s] == HEALTH_DEGRADED && first_degraded == pc->n_services)
			first_degraded = i;
	}
	if (first_init < pc->n_services) {
		if (why)
			snprintf(why, why_len, "%s has no verdict yet", pc->services[first_init]);
		return ROUTE_UNKNOWN;
	}
	if (first_degraded < pc->n_services) {
		size_t s = pc->service_index[first_degraded];

		if (why)
			snprintf(why, why_len, "%s DEGRADED (%s)", pc->services[first_degraded],
				 reasons && reasons[s] ? reasons[s] : "?");
		return ROUTE_DEGRADED;
	}
	if (why)
		snprintf(why, why_len, "%s UP", pc->n_services == 1 ? pc->services[0] : "all services");
	return ROUTE_ANNOUNCED;
}
