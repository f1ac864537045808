/*
 * fleet_view.h - the fleet seen from the store's records: which gateways
 * announce what, who differs from the fleet's majority fingerprint (drift),
 * where gateways disagree; and the /v1/fleet JSON.  Pure: fleet.c hands it
 * the records and announcer keys of its watch mirror.
 */
#ifndef AHD_FLEET_VIEW_H
#define AHD_FLEET_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "fleet/fleet_record.h"

/* One key under announcers/PREFIX/ (docs/fleet.md). */
struct fleet_announcer {
	const char *prefix;		/* "192.0.2.1/32" (decoded from the key) */
	const char *node;
	const char *state;		/* "announced", "degraded", "draining", "held" */
};

struct fleet_view_store {
	bool reachable;
	const char *endpoint;
	const char *why;		/* "" when reachable */
	double since;			/* unix seconds of the last change of `reachable` */
	int64_t revision;		/* the mirror's revision */
};

/* True when `node`'s fingerprint `name` differs from the majority of the
 * live records (or there is no majority and some record differs from it). */
bool fleet_view_drifted(const struct fleet_record *recs, size_t n, const char *node,
			const char *name);

/* The body of GET /v1/fleet (format in docs/api.md); NULL on ENOMEM. */
struct json_object *fleet_view_json(const char *fleet, const char *node,
				    const struct fleet_view_store *store,
				    const struct fleet_record *recs, size_t n,
				    const struct fleet_announcer *ann, size_t n_ann);

#endif
