/*
 * daemon_harness.h - a real daemon (daemon_create on a config file) with a
 * driver of the test's own, shared by test_daemon_sessions.c and
 * test_daemon_standby.c.
 *
 * driver_open is wrapped (link with -Wl,--wrap=driver_open) to hand the
 * daemon a driver that records what it is told (the last desired state and
 * words per prefix) and gives the test the daemon's callbacks, which the
 * test calls as a driver would.  log_warnx/log_info are wrapped
 * (-Wl,--wrap=log_warnx -Wl,--wrap=log_info) to keep the lines; the
 * daemon's `monotonic` clock is dh_clock.  The one service "svc" is an exec
 * probe of `test -e DIR/up` with rise and fall 1: the test waits (bounded)
 * for its verdicts.
 */
#ifndef AHD_TESTS_DAEMON_HARNESS_H
#define AHD_TESTS_DAEMON_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <ev.h>

#include "daemon.h"
#include "driver.h"

#define DH_PREFIXES 8

struct dh {
	struct ev_loop *loop;
	struct daemon *d;
	char dir[64], path[96];
};

/* What the daemon handed the fake driver: its callbacks, and per prefix
 * the last desired state and words it was told. */
extern const struct driver_callbacks *dh_cb;
extern void *dh_arg;
extern int dh_opened;
extern enum route_state dh_desired[DH_PREFIXES];
extern char dh_why[DH_PREFIXES][128];
extern double dh_clock;		/* the daemon's monotonic clock */
extern double dh_clock_step;	/* added to dh_clock after each read (0) */

/* How many kept log lines equal `line` exactly. */
size_t dh_log_count(const char *line);

/* Write DIR/conf.json: `router` the router container's members (e.g.
 * "\"bird\": {...}"; NULL: a BIRD router in DIR), the service, `prefixes`
 * (the prefix list's members), `extra` more top-level members each ending
 * in ",\n" (may be ""). */
void dh_write_config(struct dh *h, const char *router, const char *prefixes, const char *extra);

/* Make the exec probe pass (DIR/up exists) or fail. */
void dh_set_up(struct dh *h, bool up);

/* Run the loop until every prefix is desired `want`, 10 s at the most. */
void dh_wait_desired(struct dh *h, enum route_state want);

/* Run the loop for `secs` seconds. */
void dh_run_for(struct dh *h, double secs);

/* A temp dir named after `name`, the config above with the service up, the
 * daemon created on the default loop (exec probes need it). */
struct dh *dh_new(const char *name, const char *router, const char *prefixes, const char *extra);
void dh_free(struct dh *h);	/* frees the daemon, removes the dir */

#endif
