/*
 * policy.c - per-prefix desired state from service verdicts (see policy.h).
 */
#include <stdio.h>

#include "policy.h"

const char *const admin_state_names[ADMIN_STATE__COUNT] = {
	[ADMIN_NONE] = "none",
	[ADMIN_DRAIN] = "drain",
	[ADMIN_MAINTENANCE] = "maintenance",
};

static enum route_state
policy_from_health(const struct prefix_config *pc, const enum health_state *states,
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

bool
policy_standby_applies(const struct router_config *rc, enum vrrp_state st, double since,
		       double now, char *why, size_t why_len)
{
	double grace_s = rc->ka_takeover_grace_ms / 1000.0;

	if (rc->kind != ROUTER_KIND_KEEPALIVED || rc->ka_pptpd_on_backup != KEEPALIVED_BACKUP_STOPPED)
		return false;
	if (st == VRRP_BACKUP) {
		snprintf(why, why_len, "standby (keepalived BACKUP, pptpd stopped there)");
		return true;
	}
	if (st != VRRP_MASTER || now - since >= grace_s)
		return false;
	snprintf(why, why_len, "taking over (keepalived MASTER for %.1f of %.1f s)", now - since,
		 grace_s);
	return true;
}

/* The standby rule (policy.h): a standby's DOWN or missing verdict says
 * nothing, so it stays ready to take over. */
static enum route_state
policy_standby(const struct policy_override *ov, enum route_state health, char *why,
	       size_t why_len)
{
	if (ov == NULL || !ov->standby ||
	    (health != ROUTE_WITHDRAWN && health != ROUTE_UNKNOWN))
		return health;
	if (why)
		snprintf(why, why_len, "%s", ov->standby_why ? ov->standby_why : "standby");
	return ROUTE_ANNOUNCED;
}

enum route_state
policy_desired(const struct prefix_config *pc, const enum health_state *states,
	       const char *const *reasons, const struct policy_override *ov,
	       char *why, size_t why_len)
{
	enum route_state health = policy_from_health(pc, states, reasons, why, why_len);

	if (ov == NULL || ov->admin == ADMIN_NONE)
		return policy_standby(ov, health, why, why_len);
	if (ov->admin == ADMIN_MAINTENANCE) {
		if (why)
			snprintf(why, why_len, "maintenance (operator)");
		return ROUTE_WITHDRAWN;
	}
	/* ADMIN_DRAIN */
	if (health != ROUTE_WITHDRAWN && ov->now < ov->drain_until) {
		if (why)
			snprintf(why, why_len, "draining (operator), %.0f s left",
				 ov->drain_until - ov->now);
		return ROUTE_DRAINING;
	}
	if (why && health != ROUTE_WITHDRAWN)
		snprintf(why, why_len, "drained (operator)");
	return ROUTE_WITHDRAWN;
}
