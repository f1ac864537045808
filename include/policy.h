/*
 * policy.h - what each prefix should be, from the verdicts of the services
 * it depends on.
 *
 *   any service DOWN                  -> ROUTE_WITHDRAWN
 *   else any still INIT               -> ROUTE_UNKNOWN: no verdict, change nothing
 *   else any DEGRADED (near capacity) -> ROUTE_DEGRADED: announced, less preferred
 *   else (every service UP)           -> ROUTE_ANNOUNCED
 *
 * The last rule is what keeps a daemon restart on a healthy gateway from
 * flapping the route: until every service has a verdict, the router keeps
 * whatever it has.  Pure logic; daemon.c applies the result via driver.c.
 */
#ifndef AHD_POLICY_H
#define AHD_POLICY_H

#include <stddef.h>

#include "config.h"
#include "driver.h"
#include "health.h"

/* states[i] is the verdict of config service i.  `why` (may be NULL) gets a
 * short human text for the router and the log, e.g. "pptp DOWN (sccrp-timeout)". */
enum route_state policy_desired(const struct prefix_config *pc,
				const enum health_state *states,
				const char *const *reasons,
				char *why, size_t why_len);

#endif
