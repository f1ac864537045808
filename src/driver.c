/*
 * driver.c - the generic front of the router drivers (driver.h).
 *
 * The daemon talks to a struct driver_handle and never names a router; this
 * file picks the ops table from cfg->router.kind and forwards.  A new router
 * is one more case in driver_ops_for().  driver_keepalived.c has no
 * connection: its "router" is one track file per prefix.
 */
#include <string.h>

#include "driver.h"
#include "driver_bird_sets.h"
#include "log.h"

const char *const route_state_names[ROUTE_STATE__COUNT] = {
	[ROUTE_UNKNOWN] = "unknown",
	[ROUTE_ANNOUNCED] = "announced",
	[ROUTE_WITHDRAWN] = "withdrawn",
	[ROUTE_DEGRADED] = "degraded",
	[ROUTE_DRAINING] = "draining",
	[ROUTE_HELD] = "held",
};

const char *const vrrp_state_names[VRRP_STATE__COUNT] = {
	[VRRP_UNKNOWN] = "unknown",
	[VRRP_MASTER] = "master",
	[VRRP_BACKUP] = "backup",
	[VRRP_FAULT] = "fault",
	[VRRP_STOP] = "stop",
};

static const struct driver_ops *
driver_ops_for(const struct router_config *rc)
{
	switch (rc->kind) {
	case ROUTER_KIND_BIRD:
		return rc->bird_pattern == BIRD_PATTERN_PREFIX_SETS ? &driver_bird_sets_ops :
								      &driver_bird_ops;
	case ROUTER_KIND_FRR:
		return &driver_frr_ops;
	case ROUTER_KIND_KEEPALIVED:
		return &driver_keepalived_ops;
	case ROUTER_KIND__COUNT:
	default:
		return NULL;
	}
}

int
driver_open(struct driver_handle *h, struct ev_loop *loop, const struct config *cfg,
	    const struct driver_callbacks *cb, void *arg)
{
	const struct driver_ops *ops = driver_ops_for(&cfg->router);

	h->ops = NULL;
	h->d = NULL;
	if (ops == NULL) {
		log_warnx("router kind %d has no driver", (int)cfg->router.kind);
		return -1;
	}
	h->d = ops->create(loop, cfg, cb, arg);
	if (h->d == NULL)
		return -1;
	h->ops = ops;
	return 0;
}

void
driver_reconfigure(struct driver_handle *h, const struct config *cfg)
{
	if (h->ops != NULL && h->ops->reconfigure != NULL)
		h->ops->reconfigure(h->d, cfg);
}

void
driver_set_desired(struct driver_handle *h, size_t index, enum route_state desired,
		   const char *why)
{
	/* HELD is the daemon's word; the router announces it less preferred. */
	if (desired == ROUTE_HELD)
		desired = ROUTE_DEGRADED;
	if (h->ops != NULL && h->ops->set_desired != NULL)
		h->ops->set_desired(h->d, index, desired, why);
}

bool
driver_idle(const struct driver_handle *h)
{
	if (h->ops == NULL || h->ops->idle == NULL)
		return true;
	return h->ops->idle(h->d);
}

bool
driver_connected(const struct driver_handle *h)
{
	if (h->ops == NULL || h->ops->connected == NULL)
		return false;
	return h->ops->connected(h->d);
}

void
driver_close(struct driver_handle *h)
{
	if (h == NULL)
		return;
	if (h->ops != NULL && h->ops->destroy != NULL)
		h->ops->destroy(h->d);
	h->ops = NULL;
	h->d = NULL;
}

bool
driver_router_config_equal(const struct router_config *a, const struct router_config *b)
{
	return a->kind == b->kind &&
	       config_str_equal(a->control_socket, b->control_socket) &&
	       config_str_equal(a->state_file, b->state_file) &&
	       a->bird_pattern == b->bird_pattern &&
	       a->frr_asn == b->frr_asn &&
	       config_str_equal(a->frr_degraded_route_map, b->frr_degraded_route_map) &&
	       config_str_equal(a->frr_drain_route_map, b->frr_drain_route_map) &&
	       a->ka_withdrawn_value == b->ka_withdrawn_value &&
	       a->ka_degraded_value == b->ka_degraded_value &&
	       a->ka_draining_value == b->ka_draining_value &&
	       a->ka_pptpd_on_backup == b->ka_pptpd_on_backup &&
	       a->ka_takeover_grace_ms == b->ka_takeover_grace_ms &&
	       a->command_timeout_ms == b->command_timeout_ms &&
	       a->readback_interval_ms == b->readback_interval_ms &&
	       a->reconnect_min_ms == b->reconnect_min_ms &&
	       a->reconnect_max_ms == b->reconnect_max_ms;
}
