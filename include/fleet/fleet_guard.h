/*
 * fleet_guard.h - the fleet guard's decisions, as pure functions of plain
 * data (no store, no loop): fleet.c feeds them what it read from the store
 * or its watch mirror, daemon.c what the operator asked.  The protocol
 * around them (range, count, one txn) is fleet.c's; docs/fleet.md explains
 * both.
 */
#ifndef AHD_FLEET_GUARD_H
#define AHD_FLEET_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "driver.h"

/* One key under announcers/PREFIX/ as read from the store. */
struct fleet_guard_key {
	const char *node;
	int64_t create_revision;
};

enum fleet_guard_verdict {
	FLEET_GUARD_LEAVE,	/* enough others announce: delete the own key (txn), withdraw */
	FLEET_GUARD_HOLD,	/* too few others: keep announcing, held */
	FLEET_GUARD_VERDICT__COUNT
};
extern const char *const fleet_guard_verdict_names[FLEET_GUARD_VERDICT__COUNT];

struct fleet_guard_decision {
	enum fleet_guard_verdict verdict;
	size_t others;		/* announcers other than `node` */
	bool own_key;		/* `node`'s own key was among them */
};

/* May `node` stop announcing a prefix whose announcer keys are keys[0..n)
 * and whose min-announcers is `min`?  Only the others count; min 0 always
 * leaves. */
struct fleet_guard_decision fleet_guard_decide(const struct fleet_guard_key *keys, size_t n,
					       const char *node, uint32_t min);

/* What the router is told while held: announced, less preferred. */
enum route_state fleet_guard_held_state(void);

/* The operator's `verb` ("drain", "maintenance") on `prefix` refused when
 * too few others announce it: 0 when allowed (or `force`), -1 with the
 * refusal in err naming every gateway announcing (keys[0..n), `node`
 * included), e.g. "192.0.2.1/32: maintenance refused by the fleet guard:
 * min-announcers is 1 and no other gateway announces it (announcing: gw1);
 * use --force". */
int fleet_guard_admin_check(const char *prefix, const char *verb,
			    const struct fleet_guard_key *keys, size_t n, const char *node,
			    uint32_t min, bool force, char *err, size_t errlen);

/* The log line's words for a hold: "withdrawing would leave 0 gateways
 * announcing it (min-announcers 1)". */
void fleet_guard_hold_text(size_t others, uint32_t min, char *buf, size_t len);

/* The log line's words for a release: "gw2, gw3 announce it" (the others). */
void fleet_guard_release_text(const struct fleet_guard_key *keys, size_t n, const char *node,
			      char *buf, size_t len);

/* A withdrawal waiting for the store (unreachable), `waited_ms` after it
 * was wanted. */
enum fleet_guard_fallback {
	FLEET_GUARD_WAIT,	/* before decision-timeout-ms: keep announcing, wait */
	FLEET_GUARD_ALONE,	/* decide alone: withdraw as without a fleet */
	FLEET_GUARD_KEEP,	/* keep-announcing: held until the store answers */
	FLEET_GUARD_FALLBACK__COUNT
};
extern const char *const fleet_guard_fallback_names[FLEET_GUARD_FALLBACK__COUNT];

enum fleet_guard_fallback fleet_guard_store_loss(enum on_store_loss_action action, bool force,
						 double waited_ms, uint32_t decision_timeout_ms);

#endif
