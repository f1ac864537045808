/*
 * fleet.h - this gateway's membership in the fleet and the fleet guard's
 * protocol, on etcd (etcd.h); daemon.c is its only user (docs/fleet.md).
 *
 *  - a lease granted at start, kept alive from the loop every TTL/3,
 *    re-granted when lost; under it the gateway record (R gateways/NODE,
 *    coalesced: at most one put per 100 ms) and the announcer keys
 *    (R announcers/P/NODE) of what the router confirmed announcing;
 *  - a mirror of R (gateways/ and announcers/) read once, then kept by a
 *    watch, re-read and re-watched whenever the watch ends;
 *  - per prefix, a withdrawal the daemon wants goes through the guard:
 *    range announcers/P/ -> count the others -> one txn comparing their
 *    create_revision and deleting the own key; or hold, re-checked when the
 *    watch shows announcers/P/ change;
 *  - store loss: logged once; a withdrawal waits at most
 *    decision-timeout-ms, then on-store-loss applies; when the store is
 *    back, lease, record, keys and watch are restored, held ones re-checked;
 *  - fingerprints of the config and of fingerprint-file (ev_stat), and this
 *    gateway's own drift from the mirror's majority.
 * Prefixes are the config's, by index.
 */
#ifndef AHD_FLEET_H
#define AHD_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ev.h>
#include <json-c/json.h>

#include "config.h"
#include "fleet/fleet_record.h"

struct fleet;

struct fleet_callbacks {
	/* The guard's answer for prefix `index` after fleet_withdraw():
	 * `withdraw` true: the own key is gone, tell the router to withdraw;
	 * false: held (keep announcing, less preferred).  A held prefix gets a
	 * later call with true when it may leave.  `why` is the log's text. */
	void (*decided)(void *arg, size_t index, bool withdraw, const char *why);
	/* Fill what the daemon knows of the gateway record: services, prefixes,
	 * router, last_change.  Arrays are malloc'd (fleet.c frees the arrays
	 * after encoding, never the strings, which stay the daemon's). */
	void (*record)(void *arg, struct fleet_record *r);
	/* The store's reachability or this gateway's drift changed. */
	void (*changed)(void *arg);
};

/* Starts the lease, the mirror and the fingerprints; NULL (logged) when the
 * section is unusable (bad endpoint, unreadable key or password file). */
struct fleet *fleet_create(struct ev_loop *loop, const struct config *cfg,
			   const struct fleet_callbacks *cb, void *arg);
/* Accepts NULL.  Cancels everything; the keys expire with the lease. */
void fleet_free(struct fleet *f);
/* A reload whose fleet section is unchanged (fleet_config_equal): the
 * prefixes are matched by name, their guard state kept. */
void fleet_reconfigure(struct fleet *f, const struct config *cfg);
bool fleet_config_equal(const struct fleet_config *a, const struct fleet_config *b);

/* The daemon wants prefix `index` withdrawn: run the guard (see above);
 * `force`: delete the key unconditionally and decide at once. */
void fleet_withdraw(struct fleet *f, size_t index, bool force);
/* The daemon no longer wants it withdrawn (health back, resume): stop
 * checking or holding. */
void fleet_keep(struct fleet *f, size_t index);
/* What the router confirmed: `state` "announced", "degraded", "draining",
 * "held" (the key is put with it), or NULL: not announcing (key deleted). */
void fleet_announcing(struct fleet *f, size_t index, const char *state);
/* Something in the gateway record changed: publish (coalesced). */
void fleet_record_dirty(struct fleet *f);

/* Operator verb `verb` ("drain", "maintenance") on prefix `index`: 0 when
 * the mirror shows enough others announcing it (or force), else -1 with the
 * refusal (fleet_guard_admin_check) in err. */
int fleet_admin_check(const struct fleet *f, size_t index, const char *verb, bool force,
		      char *err, size_t errlen);

/* ---- what status.c shows ---- */
struct fleet_prefix_info {
	bool held;
	const char *guard;		/* why, "" when nothing to say */
	size_t announcers;		/* keys in the mirror, this gateway's included */
	uint32_t min_announcers;
	unsigned long holds;		/* times held */
	unsigned long alone;		/* withdrawals decided without the store */
};
void fleet_prefix_info(const struct fleet *f, size_t index, struct fleet_prefix_info *out);

struct fleet_info {
	const char *name, *node;
	bool reachable;
	const char *endpoint;
	const char *why;		/* "" when reachable */
	double since;			/* unix seconds of the last reachability change */
	bool alone;			/* the store is unreachable: deciding alone */
	size_t gateways;		/* records in the mirror */
	unsigned long unreachable_total;
	const char *const *drift;	/* fingerprint names where this gateway drifted */
	size_t n_drift;
};
void fleet_info(const struct fleet *f, struct fleet_info *out);
/* Has this gateway's fingerprint of file `name` drifted from the fleet? */
bool fleet_drifted(const struct fleet *f, const char *name);

/* The body of GET /v1/fleet from the mirror, or NULL with why in err
 * ("the fleet's store has not been read yet"). */
struct json_object *fleet_view(const struct fleet *f, char *err, size_t errlen);

#endif
