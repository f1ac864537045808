/*
 * fleet_guard.c - the fleet guard's decisions from plain data (see
 * fleet_guard.h): count the others, hold or leave, the operator's refusal,
 * the store-loss fallback.  No I/O, so the cmocka tests drive every case.
 */
#include <stdio.h>
#include <string.h>

#include "fleet/fleet_guard.h"

const char *const fleet_guard_verdict_names[FLEET_GUARD_VERDICT__COUNT] = {
	[FLEET_GUARD_LEAVE] = "leave",
	[FLEET_GUARD_HOLD] = "hold",
};

const char *const fleet_guard_fallback_names[FLEET_GUARD_FALLBACK__COUNT] = {
	[FLEET_GUARD_WAIT] = "wait",
	[FLEET_GUARD_ALONE] = "decide-alone",
	[FLEET_GUARD_KEEP] = "keep-announcing",
};

struct fleet_guard_decision
fleet_guard_decide(const struct fleet_guard_key *keys, size_t n, const char *node, uint32_t min)
{
	struct fleet_guard_decision d = { .verdict = FLEET_GUARD_LEAVE };
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(keys[i].node, node) == 0)
			d.own_key = true;
		else
			d.others++;
	}
	if (d.others < min)
		d.verdict = FLEET_GUARD_HOLD;
	return d;
}

enum route_state
fleet_guard_held_state(void)
{
	/* Announced, but less preferred (the driver falls back to announced
	 * where no degraded twin / route-map exists): a healthy gateway
	 * keeps the traffic. */
	return ROUTE_DEGRADED;
}

/* "gw1, gw2" (every key), or "none". */
static void
fleet_guard_names(const struct fleet_guard_key *keys, size_t n, const char *skip, char *buf,
		  size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		if (skip != NULL && strcmp(keys[i].node, skip) == 0)
			continue;
		used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "", keys[i].node);
	}
	if (used == 0)
		snprintf(buf, len, "none");
}

int
fleet_guard_admin_check(const char *prefix, const char *verb, const struct fleet_guard_key *keys,
			size_t n, const char *node, uint32_t min, bool force, char *err,
			size_t errlen)
{
	struct fleet_guard_decision d = fleet_guard_decide(keys, n, node, min);
	char names[256], others[64];

	if (force || d.verdict == FLEET_GUARD_LEAVE)
		return 0;
	fleet_guard_names(keys, n, NULL, names, sizeof(names));
	if (d.others == 0)
		snprintf(others, sizeof(others), "no other gateway announces it");
	else
		snprintf(others, sizeof(others), "only %zu other gateway%s announce%s it", d.others,
			 d.others == 1 ? "" : "s", d.others == 1 ? "s" : "");
	snprintf(err, errlen, "%s: %s refused by the fleet guard: min-announcers is %u and %s "
		 "(announcing: %s); use --force", prefix, verb, min, others, names);
	return -1;
}

void
fleet_guard_hold_text(size_t others, uint32_t min, char *buf, size_t len)
{
	snprintf(buf, len, "withdrawing would leave %zu gateway%s announcing it (min-announcers %u)",
		 others, others == 1 ? "" : "s", min);
}

void
fleet_guard_release_text(const struct fleet_guard_key *keys, size_t n, const char *node,
			 char *buf, size_t len)
{
	struct fleet_guard_decision d = fleet_guard_decide(keys, n, node, 0);
	size_t used;

	fleet_guard_names(keys, n, node, buf, len);
	used = strlen(buf);
	snprintf(buf + used, len - used, " announce%s it", d.others == 1 ? "s" : "");
}

enum fleet_guard_fallback
fleet_guard_store_loss(enum on_store_loss_action action, bool force, double waited_ms,
		       uint32_t decision_timeout_ms)
{
	/* --force skips the guard, the store included. */
	if (force)
		return FLEET_GUARD_ALONE;
	if (waited_ms < decision_timeout_ms)
		return FLEET_GUARD_WAIT;
	return action == ON_STORE_LOSS_KEEP_ANNOUNCING ? FLEET_GUARD_KEEP : FLEET_GUARD_ALONE;
}
