/*
 * daemon.h - the running daemon: wires probes -> health -> policy -> driver.
 *
 *   probe report --> health_check_update --> service verdict changed?
 *       --> log "service: OLD -> NEW (reason)" --> policy_desired for each
 *       prefix depending on it --> [fleet guard] --> driver_set_desired
 *   driver read-back --> prefix actual state (logged when it changes)
 *       --> [the fleet's announcer key]
 *   driver session table --> sessions' states (changes logged), per prefix
 *       the sessions advertising it and the "uncarried" warning
 *       (bgp_sessions_uncarried; logged once as it starts and ends)
 *   every transition --> daemon_event() --> the history ring and the hooks
 *       (hooks_runner.h), the same record to both
 *
 * With a fleet section, a withdrawal of a prefix that may be announced goes
 * through the fleet guard (fleet/fleet.h): the router is told to withdraw
 * once the guard says so, or DEGRADED while it holds (desired ROUTE_HELD).
 * Without one the guard steps are skipped and nothing else changes.
 *
 * Run-time state (struct service, struct prefix) is separate from the config
 * structs; daemon_reload() maps state onto a new config, keeping unchanged
 * services (their probes keep running) and prefixes.
 */
#ifndef AHD_DAEMON_H
#define AHD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <ev.h>

#include "bgp_sessions.h"
#include "config.h"
#include "driver.h"
#include "health.h"
#include "policy.h"
#include "probe.h"
#include "status.h"

struct fleet;

enum daemon_admin_verb { DAEMON_ADMIN_DRAIN, DAEMON_ADMIN_MAINTENANCE, DAEMON_ADMIN_RESUME };

struct daemon;

struct service {
	struct daemon *daemon;
	const struct service_config *cfg;
	struct probe **probes;		/* cfg->n_probes */
	struct health_check *checks;	/* one per probe */
	enum health_state probed;	/* the probes' verdict, before damping */
	enum health_state state;	/* the verdict: probed, or DOWN while damped */
	char reason[PROBE_REASON_MAX];
	char probed_reason[PROBE_REASON_MAX];	/* the probes' reason, before drift */
	double since;			/* wall clock of the last verdict change */
	unsigned long transitions;
	struct health_damping damping;	/* cfg->damping.enabled only */
	ev_timer release_timer;		/* when a damped service may be released */
};

struct prefix {
	const struct prefix_config *cfg;
	enum route_state wanted;	/* the policy's answer */
	/* what the router is told: the policy's answer, or ROUTE_HELD while the
	 * fleet guard holds a withdrawal (the driver gets DEGRADED) */
	enum route_state desired;
	enum route_state actual;	/* last read back from the router */
	double since;			/* wall clock: desired state since */
	char why[128];
	unsigned long drift_repairs;	/* router found differing and corrected */
	enum admin_state admin;		/* operator override */
	double admin_since;		/* wall clock of the override, 0 if none */
	double drain_until;		/* wall clock: end of a drain, 0 if none */
	bool admin_force;		/* the override was forced past the fleet guard */
	bool guarded;			/* a withdrawal is with the fleet guard (asked or held) */
	bool exit_keep;			/* stopping: the guard held it, left announced */
	/* What the router's BGP sessions carry (bgp_sessions.h), from the
	 * driver's last session table */
	bool sessions_known;		/* a table covered it since the connection came up */
	uint32_t advertised;		/* bit i: daemon's sessions[i] advertises it */
	unsigned carried;		/* established sessions advertising it */
	bool uncarried;			/* wanted announced, carried by no established session */
	double changed_mono;		/* monotonic: last desired or actual change (settle rule) */
	/* keepalived: the VRRP instance as its notify script last wrote it */
	enum vrrp_state vrrp;
	double vrrp_since;		/* wall clock: vrrp last changed */
	double vrrp_since_mono;		/* monotonic: the same (the takeover grace) */
	bool standby;			/* the last policy answer had the standby rule */
};

struct loop_lag;
struct hooks_runner;

struct daemon {
	struct ev_loop *loop;
	struct config *cfg;		/* owned */
	struct service **services;	/* cfg->n_services; stable addresses: probes point back */
	struct prefix *prefixes;	/* cfg->n_prefixes */
	struct driver_handle driver;
	struct fleet *fleet;		/* NULL without a fleet section */
	bool fleet_store_up;		/* as last recorded in the history */
	bool router_up;
	ev_tstamp router_since;		/* router_up last changed (wall clock) */
	char router_why[64];		/* why unreachable; "connected" when up */
	bool stopping;
	bool hurry;			/* stopping, asked again: end an on-exit drain now */
	ev_timer drain_timer;		/* fires at the earliest drain or takeover grace end */
	double started;			/* wall clock */
	struct status_history history;
	unsigned long reloads, reloads_refused;
	char overrides_error[256];	/* last failure to save api/admin-state-file; "" = fine */
	char overrides_restore_error[256];	/* why the start restored nothing; "" = fine */
	/* The clock of flap damping (daemon_monotonic); NULL: status uses its
	 * `now` instead (tests build daemons by hand). */
	double (*monotonic)(void);
	struct loop_lag *lag;		/* the loop's busy stretches; NULL in hand-built daemons */
	/* The router's BGP sessions as last read back.  Kept while unknown, so
	 * the next table's state changes are logged against them. */
	struct bgp_session sessions[BGP_SESSIONS_MAX];
	size_t n_sessions;
	bool sessions_known;		/* false from a lost connection until the next table */
	struct hooks_runner *hooks;	/* state-change hooks; NULL in hand-built daemons */
};

/* Seconds on CLOCK_MONOTONIC. */
double daemon_monotonic(void);

/* Takes ownership of cfg.  Starts probes and the driver connection. */
struct daemon *daemon_create(struct ev_loop *loop, struct config *cfg);

/* Swap in a validated new config (ownership taken), keeping the state of
 * unchanged services and prefixes. */
void daemon_reload(struct daemon *d, struct config *cfg);

/* Stop probing and apply the config's on-exit action.  Returns once the driver
 * has nothing in flight (or after timeout_s); true if everything was applied.
 * With on-exit drain this first runs the loop for the drains (see
 * daemon_exit_drain_s), then withdraws.  The on-exit transitions are
 * recorded like any other, and the hooks get them: once the router is done,
 * the loop runs on for the hooks' queued records, at most
 * daemon_exit_hooks_s(). */
bool daemon_stop(struct daemon *d, double timeout_s);

/* How long daemon_stop() will drain before withdrawing (on-exit drain: the
 * longest drain-time-s of the prefixes it would drain; 0 otherwise), so the
 * caller can ask systemd for the time. */
double daemon_exit_drain_s(const struct daemon *d);

/* How long daemon_stop() may then wait for the state-change hooks (the
 * on-exit transitions run them too): see hooks_runner_finish_s(). */
double daemon_exit_hooks_s(const struct daemon *d);

/* A second stop signal while stopping: end an on-exit drain at once. */
void daemon_stop_hurry(struct daemon *d);

/*
 * The one-shot `--withdraw-all` (the unit's ExecStopPost, so a crash or a
 * kill -9 does not leave the prefix announced): withdraw every prefix of
 * cfg and wait until the router confirms or timeout_s passes.  Returns 0
 * when every prefix is confirmed withdrawn, 1 otherwise.
 */
int daemon_withdraw_all(const struct config *cfg, double timeout_s);

/*
 * Operator override of `prefix` (NULL = every prefix).  Returns 0, or -1 with
 * a message in err: unknown prefix, drain asked of a prefix whose router
 * has no drain protocol/route-map configured, or (with a fleet) drain or
 * maintenance refused by the fleet guard unless `force`.
 */
int daemon_admin(struct daemon *d, enum daemon_admin_verb verb, const char *prefix, bool force,
		 char *err, size_t errlen);

/* Record a refused reload in the history (main.c does the loading). */
void daemon_note_reload_refused(struct daemon *d, const char *why);

/* One line for systemd's STATUS=. */
void daemon_status_line(const struct daemon *d, char *buf, size_t len);

/* Accepts NULL. */
void daemon_free(struct daemon *d);

#endif
