/*
 * driver.h - the one small interface to a routing daemon.
 *
 *   driver.c       dispatch by router kind, shared helpers
 *   driver_bird.c  BIRD 2 control socket (driver_bird_ops)
 *   driver_frr.c   FRR bgpd vty socket (driver_frr_ops)
 *   driver_keepalived.c  keepalived track files (driver_keepalived_ops)
 *
 * The daemon owns the desired state of each prefix; the driver makes the
 * router match it and reports what the router actually has.  Contract:
 *
 *  - driver_create() connects in the background (non-blocking, on the loop)
 *    and keeps reconnecting with exponential backoff while the router is gone.
 *  - After every (re)connect, and every readback_interval_ms, the driver reads
 *    every prefix's state back and calls cb->actual() for each.
 *  - When a connection that was up is lost, cb->actual() says ROUTE_UNKNOWN
 *    for every prefix: nothing is known until the next read-back.
 *  - driver_set_desired() records the wanted state.  ROUTE_UNKNOWN means "no
 *    verdict yet: change nothing" (startup).  The driver applies a known
 *    desired state immediately when connected (the calls made in one loop
 *    iteration together, as one batch, once the iteration's callbacks are
 *    done) and re-asserts it whenever a
 *    read-back differs (router restarted or reconfigured): at once the first
 *    time, then with a backoff until a read-back agrees (driver_conn.h).
 *  - Commands are serialized per connection, each with command_timeout_ms;
 *    a timeout or a protocol error drops the connection and reconnects.
 *  - driver_idle() is true when nothing is queued or in flight (used to
 *    finish applying on-exit before the process exits).
 */
#ifndef AHD_DRIVER_H
#define AHD_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <ev.h>

#include "bgp_sessions.h"
#include "config.h"

/*
 * ANNOUNCED: the normal announcement.  DEGRADED: announced, less preferred
 * (AS-path prepends: BIRD's degraded twin protocol, FRR's degraded route-map);
 * a prefix with no such twin/route-map configured is simply ANNOUNCED.
 * DRAINING: announced with the GRACEFUL_SHUTDOWN community and prepends
 * (RFC 8326: BIRD's drain twin, FRR's drain route-map) so upstreams move the
 * traffic away before the withdrawal; without a drain twin/route-map it is
 * applied as WITHDRAWN (the daemon refuses such drains before they get here).
 */
enum route_state {
	ROUTE_UNKNOWN, ROUTE_ANNOUNCED, ROUTE_WITHDRAWN, ROUTE_DEGRADED, ROUTE_DRAINING,
	ROUTE_HELD,	/* the daemon's and the status's only: a withdrawal the fleet
			 * guard holds (docs/fleet.md); never handed to a driver,
			 * which gets DEGRADED instead */
	ROUTE_STATE__COUNT
};
/* "unknown", "announced", "withdrawn", "degraded", "draining", "held" */
extern const char *const route_state_names[ROUTE_STATE__COUNT];

/* A keepalived VRRP instance's state, as its notify script last wrote it
 * (docs/keepalived.md); UNKNOWN when there is no state file or it is
 * missing or unreadable. */
enum vrrp_state { VRRP_UNKNOWN, VRRP_MASTER, VRRP_BACKUP, VRRP_FAULT, VRRP_STOP, VRRP_STATE__COUNT };
/* "unknown", "master", "backup", "fault", "stop" */
extern const char *const vrrp_state_names[VRRP_STATE__COUNT];

struct driver_callbacks {
	/* Read-back result for config prefix `index` (after reconnect, after
	 * each periodic read-back, and after each applied change). */
	void (*actual)(void *arg, size_t index, enum route_state actual);
	/* The control connection came up (true) or went away (false); `why`
	 * names the reason when down ("connect-refused", "eof", "timeout"...). */
	void (*connection)(void *arg, bool up, const char *why);
	/* A read-back found the router differing from a known desired state
	 * (restarted, reconfigured, changed by hand); the driver re-asserts and
	 * logs it; this lets the daemon count it.  Optional. */
	void (*drift)(void *arg, size_t index, enum route_state found, enum route_state wanted);
	/* The BGP sessions as just read back (bgp_sessions.h): after each
	 * read-back and after each applied change, while connected.  The table
	 * is the driver's and valid during the call only.  Optional. */
	void (*sessions)(void *arg, const struct bgp_sessions *t);
	/* keepalived only: the VRRP instance state read back for prefix
	 * `index` (its state-file), after each read-back and whenever the file
	 * changes; `age_s`: how long ago the notify script wrote it (the file's
	 * mtime; 0 when unknown), so a daemon started long after the instance
	 * changed state knows since when.  Optional. */
	void (*instance)(void *arg, size_t index, enum vrrp_state state, double age_s);
};

struct driver;

struct driver_ops {
	const char *name;
	struct driver *(*create)(struct ev_loop *loop, const struct config *cfg,
				 const struct driver_callbacks *cb, void *arg);
	/* Called with the prefix list of a reloaded config whose router section is
	 * unchanged.  Desired states are reset to ROUTE_UNKNOWN for all; the daemon
	 * sets them again right after. */
	void (*reconfigure)(struct driver *d, const struct config *cfg);
	/* `why` is a short human text ("pptp DOWN (sccrp-timeout)") the driver may
	 * hand to the router for operators (BIRD: disable NAME "why"); may be NULL. */
	void (*set_desired)(struct driver *d, size_t index, enum route_state desired,
			    const char *why);
	bool (*idle)(const struct driver *d);
	bool (*connected)(const struct driver *d);
	void (*destroy)(struct driver *d);
};

extern const struct driver_ops driver_bird_ops;
extern const struct driver_ops driver_frr_ops;
extern const struct driver_ops driver_keepalived_ops;

/* --init for the keepalived kind: every prefix's track file that is missing
 * is written with the withdrawn value (before keepalived starts, which reads
 * a missing file as OK).  0, or -1 with the reason logged. */
int driver_keepalived_write_initial_state(const struct config *cfg);

/* Generic front: picks the ops from cfg->router.kind. */
struct driver_handle {
	const struct driver_ops *ops;
	struct driver *d;
};

int driver_open(struct driver_handle *h, struct ev_loop *loop, const struct config *cfg,
		const struct driver_callbacks *cb, void *arg);
void driver_reconfigure(struct driver_handle *h, const struct config *cfg);
void driver_set_desired(struct driver_handle *h, size_t index, enum route_state desired,
			const char *why);
bool driver_idle(const struct driver_handle *h);
bool driver_connected(const struct driver_handle *h);
void driver_close(struct driver_handle *h);	/* accepts a closed handle */

/* Same comparison the daemon uses to decide whether a reload keeps the driver. */
bool driver_router_config_equal(const struct router_config *a, const struct router_config *b);

#endif
