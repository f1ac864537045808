/*
 * policy.h - what each prefix should be, from the verdicts of the services
 * it depends on.
 *
 *   any service DOWN                  -> ROUTE_WITHDRAWN
 *   else any still INIT               -> ROUTE_UNKNOWN: no verdict, change nothing
 *   else any DEGRADED (near capacity) -> ROUTE_DEGRADED: announced, less preferred
 *   else (every service UP)           -> ROUTE_ANNOUNCED
 *
 * The INIT rule is what keeps a daemon restart on a healthy gateway from
 * flapping the route: until every service has a verdict, the router keeps
 * whatever it has.
 *
 * Then the operator's override, set through the admin API, wins:
 *   MAINTENANCE  -> ROUTE_WITHDRAWN, until resumed
 *   DRAIN        -> ROUTE_DRAINING (GRACEFUL_SHUTDOWN) until drain_until,
 *                   ROUTE_WITHDRAWN after it (or at once if the health says
 *                   withdrawn anyway), until resumed
 *   NONE         -> the health's answer, except on a keepalived standby
 *
 * The standby rule (router keepalived, pptpd-on-backup "stopped",
 * docs/keepalived.md): where the notify script stops pptpd on the VRRP
 * backup, a DOWN verdict there says nothing.  While `standby` is set (the
 * instance is BACKUP, or became MASTER less than takeover-grace-ms ago) and
 * there is no override, a WITHDRAWN or UNKNOWN health answer becomes
 * ROUTE_ANNOUNCED (track value 0: ready to take over), `standby_why` saying
 * why.
 *
 * Pure logic; daemon.c applies the result via driver.c.
 */
#ifndef AHD_POLICY_H
#define AHD_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "driver.h"
#include "health.h"

enum admin_state { ADMIN_NONE, ADMIN_DRAIN, ADMIN_MAINTENANCE, ADMIN_STATE__COUNT };
extern const char *const admin_state_names[ADMIN_STATE__COUNT];	/* "none", "drain", "maintenance" */

struct policy_override {
	enum admin_state admin;
	double drain_until;	/* wall clock end of a drain (ADMIN_DRAIN) */
	double now;		/* wall clock */
	bool standby;		/* the standby rule applies (daemon.c decides) */
	const char *standby_why;	/* e.g. "standby (keepalived BACKUP, pptpd stopped there)" */
};

/* states[i] is the verdict of config service i; `ov` may be NULL (no
 * override).  `why` (may be NULL) gets a short human text for the router and
 * the log, e.g. "pptp DOWN (sccrp-timeout)". */
/*
 * Whether the standby rule applies to an instance in state `st` since
 * `since` at `now` (the daemon's monotonic clock), under router config `rc`: keepalived with
 * pptpd-on-backup "stopped", and BACKUP, or MASTER for less than
 * takeover-grace-ms.  When it does, `why` gets the words for the status.
 */
bool policy_standby_applies(const struct router_config *rc, enum vrrp_state st, double since,
			    double now, char *why, size_t why_len);

enum route_state policy_desired(const struct prefix_config *pc,
				const enum health_state *states,
				const char *const *reasons,
				const struct policy_override *ov,
				char *why, size_t why_len);

#endif
