/*
 * daemon.c - wiring of the data flow (see daemon.h): probe results into the
 * health checks, service verdicts into the policy, desired prefix states into
 * the router driver.  No protocol knowledge lives here.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "fleet/fleet.h"
#include "fleet/fleet_guard.h"
#include "hooks_runner.h"
#include "log.h"
#include "loop_lag.h"
#include "override_file.h"
#include "policy.h"

static void daemon_evaluate_prefixes(struct daemon *d, const struct service *changed, bool force);
static bool daemon_can_drain(const struct daemon *d, const struct prefix *px);
static bool daemon_route_serving(enum route_state r);
static void daemon_prefix_watch(struct daemon *d, size_t idx, bool readback);

/* Seconds on CLOCK_MONOTONIC: flap damping and the on-exit drain measure
 * time with it, so a step of the wall clock (NTP at boot) neither stretches
 * nor cuts a hold. */
double
daemon_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
daemon_event(struct daemon *d, enum status_event_kind kind, const char *subject,
	     const char *from, const char *to, const char *reason)
{
	double now = ev_time();

	/* the hooks hear exactly what the history records */
	status_history_add(&d->history, now, kind, subject, from, to, reason);
	hooks_runner_record(d->hooks, now, kind, subject, from, to, reason);
}

/* ---- services ---- */

/* Take `verdict` (reason `reason`) as the service's state: log, record and
 * re-evaluate the prefixes that depend on it, if it changed. */
static void
daemon_service_set(struct service *s, enum health_state verdict, const char *reason)
{
	if (verdict == s->state) {
		/* Still DOWN, for another reason (held by damping now): say so
		 * in the status and in the prefixes' why. */
		if (verdict == HEALTH_DOWN && strcmp(reason, s->reason) != 0) {
			snprintf(s->reason, sizeof(s->reason), "%s", reason);
			daemon_evaluate_prefixes(s->daemon, s, false);
		}
		return;
	}
	log_transition(LOG_SUBJECT_SERVICE, s->cfg->name, health_state_names[s->state],
		       health_state_names[verdict], reason);
	daemon_event(s->daemon, STATUS_EVENT_SERVICE, s->cfg->name, health_state_names[s->state],
		     health_state_names[verdict], reason);
	s->state = verdict;
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
	s->since = ev_time();
	s->transitions++;
	daemon_evaluate_prefixes(s->daemon, s, false);
}

/* Arm the release timer of a damped service. */
static void
daemon_service_arm_release(struct service *s)
{
	double in = health_damping_release_in(&s->damping, &s->cfg->damping, daemon_monotonic());

	ev_timer_stop(s->daemon->loop, &s->release_timer);
	if (!s->damping.suppressed)
		return;
	/* A hair late: the penalty must be below reuse-limit when it fires. */
	ev_timer_set(&s->release_timer, in + 0.001, 0.);
	ev_timer_start(s->daemon->loop, &s->release_timer);
}

/* A service with on-drift degrade whose drift-file (any fingerprinted file
 * when none is listed) differs from the fleet's majority. */
static bool
daemon_service_drifted(const struct service *s)
{
	const struct fleet_config *fc = &s->daemon->cfg->fleet;
	size_t i;

	if (s->daemon->fleet == NULL || s->cfg->on_drift != ON_DRIFT_DEGRADE)
		return false;
	if (s->cfg->n_drift_files == 0) {
		for (i = 0; i < fc->n_fingerprint_files; i++)
			if (fleet_drifted(s->daemon->fleet, fc->fingerprint_files[i]))
				return true;
		return false;
	}
	for (i = 0; i < s->cfg->n_drift_files; i++)
		if (fleet_drifted(s->daemon->fleet, s->cfg->drift_files[i]))
			return true;
	return false;
}

/* The verdict with drift: an UP service whose credentials drifted from the
 * fleet's is DEGRADED (announced less preferred). */
static void
daemon_service_verdict(struct service *s, enum health_state verdict, const char *reason)
{
	if (reason != s->probed_reason)
		snprintf(s->probed_reason, sizeof(s->probed_reason), "%s", reason);
	if (verdict == HEALTH_UP && daemon_service_drifted(s))
		daemon_service_set(s, HEALTH_DEGRADED, "credential-drift");
	else
		daemon_service_set(s, verdict, s->probed_reason);
}

/* The probes' verdict changed to `probed`: count a flap, then set the
 * service's state (held DOWN while damped). */
static void
daemon_service_probed(struct service *s, enum health_state probed, const char *reason)
{
	const struct damping_config *dc = &s->cfg->damping;
	bool flap = probed == HEALTH_DOWN &&
		    (s->probed == HEALTH_UP || s->probed == HEALTH_DEGRADED);

	s->probed = probed;
	if (dc->enabled && flap) {
		double now = daemon_monotonic();
		char why[PROBE_REASON_MAX + 96];

		if (health_damping_flap(&s->damping, dc, now)) {
			snprintf(why, sizeof(why), "penalty %.0f > suppress-limit %u after %s; "
				 "held DOWN for %.0f s", s->damping.penalty, dc->suppress_limit,
				 reason, health_damping_release_in(&s->damping, dc, now));
			log_warnx("%s: flapping: damped (%s)", s->cfg->name, why);
			daemon_event(s->daemon, STATUS_EVENT_SERVICE, s->cfg->name, "", "damped", why);
		} else {
			log_info("%s: flap %lu, damping penalty %.0f", s->cfg->name,
				 s->damping.flaps, s->damping.penalty);
		}
		daemon_service_arm_release(s);
	}
	/* Held DOWN while damped; a DOWN keeps its own reason (the first
	 * line of a flap says why it failed), probes that serve again say
	 * "damped". */
	if (s->damping.suppressed && probed != HEALTH_DOWN)
		daemon_service_set(s, HEALTH_DOWN, "damped");
	else
		daemon_service_verdict(s, probed, reason);
}

static void
daemon_service_release_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct service *s = w->data;
	const char *reason;
	enum health_state probed;
	char why[96];

	(void)loop;
	(void)revents;
	if (!health_damping_release(&s->damping, &s->cfg->damping, daemon_monotonic())) {
		daemon_service_arm_release(s);	/* not yet: a new flap raised it */
		return;
	}
	/* floor: just below the limit, not "750 < 750" */
	snprintf(why, sizeof(why), "penalty %.0f < reuse-limit %u",
		 floor(health_damping_penalty(&s->damping, &s->cfg->damping, daemon_monotonic())),
		 s->cfg->damping.reuse_limit);
	log_info("%s: released from damping (%s)", s->cfg->name, why);
	daemon_event(s->daemon, STATUS_EVENT_SERVICE, s->cfg->name, "damped", "released", why);
	probed = health_verdict(s->checks, s->cfg->n_probes, &reason);
	s->probed = probed;
	daemon_service_verdict(s, probed, reason);
}

/* A service in a transition (a check counting through rise or fall) probes
 * fast, all of its probes: a restart is seen first by the process probe,
 * and pptp-control, settled DOWN, must then rise too. */
static void
daemon_service_pace(struct service *s)
{
	bool fast = health_counting(s->checks, s->cfg->n_probes);
	size_t i;

	for (i = 0; i < s->cfg->n_probes; i++)
		if (s->probes[i] != NULL)
			probe_set_fast(s->probes[i], fast);
}

static void
daemon_probe_report_cb(struct probe *p, const struct probe_report *r, void *arg)
{
	struct service *s = arg;
	size_t i;
	const char *reason;
	enum health_state verdict;
	bool changed;

	for (i = 0; i < s->cfg->n_probes && s->probes[i] != p; i++)
		;
	if (i == s->cfg->n_probes)
		return;
	log_debug("%s/%s: %s (%s) %.1f ms", s->cfg->name, p->cfg->name,
		  probe_result_names[r->result], r->reason, r->latency_ms);
	if (r->result == PROBE_ERROR && r->changed)
		log_warnx("%s/%s: probe could not run (%s)%s", s->cfg->name, p->cfg->name,
			  r->reason, s->cfg->error_is_down ? "" : "; not counted");
	changed = health_check_update(&s->checks[i], r, s->cfg->error_is_down);
	daemon_service_pace(s);
	if (!changed)
		return;
	log_debug("%s/%s: check -> %s", s->cfg->name, p->cfg->name,
		  health_state_names[s->checks[i].state]);
	verdict = health_verdict(s->checks, s->cfg->n_probes, &reason);
	if (verdict == s->probed)
		return;
	daemon_service_probed(s, verdict, reason);
}

static struct service *
daemon_service_start(struct daemon *d, const struct service_config *sc)
{
	struct service *s = xcalloc(1, sizeof(*s));
	size_t i;

	s->daemon = d;
	s->cfg = sc;
	s->state = HEALTH_INIT;
	s->probed = HEALTH_INIT;
	ev_timer_init(&s->release_timer, daemon_service_release_cb, 0., 0.);
	s->release_timer.data = s;
	snprintf(s->reason, sizeof(s->reason), "init");
	s->since = ev_time();
	s->probes = xcalloc(sc->n_probes, sizeof(*s->probes));
	s->checks = xcalloc(sc->n_probes, sizeof(*s->checks));
	for (i = 0; i < sc->n_probes; i++) {
		health_check_init(&s->checks[i], sc->probes[i].rise, sc->probes[i].fall);
		s->probes[i] = probe_create(d->loop, &sc->probes[i], daemon_probe_report_cb, s);
		if (s->probes[i] == NULL)
			log_warnx("%s/%s: probe not started", sc->name, sc->probes[i].name);
	}
	return s;
}

/* Accepts NULL. */
static void
daemon_service_free(struct service *s)
{
	size_t i;

	if (s == NULL)
		return;
	ev_timer_stop(s->daemon->loop, &s->release_timer);
	for (i = 0; i < s->cfg->n_probes; i++)
		probe_destroy(s->probes[i]);
	free(s->probes);
	free(s->checks);
	free(s);
}

static bool
daemon_damping_equal(const struct damping_config *a, const struct damping_config *b)
{
	return a->enabled == b->enabled && a->penalty == b->penalty &&
	       a->suppress_limit == b->suppress_limit && a->reuse_limit == b->reuse_limit &&
	       a->half_life_s == b->half_life_s && a->max_suppress_s == b->max_suppress_s;
}

/* Same name, same probes probing the same way: the service can keep running. */
static bool
daemon_service_unchanged(const struct service_config *a, const struct service_config *b)
{
	size_t i;

	if (strcmp(a->name, b->name) != 0 || a->n_probes != b->n_probes ||
	    a->error_is_down != b->error_is_down ||
	    !daemon_damping_equal(&a->damping, &b->damping))
		return false;
	for (i = 0; i < a->n_probes; i++)
		if (strcmp(a->probes[i].name, b->probes[i].name) != 0 ||
		    !config_probe_equal(&a->probes[i], &b->probes[i]))
			return false;
	return true;
}

/* ---- prefixes ---- */

/* Take `st` as what the router is told for prefix `idx`: log and record a
 * change; `force` hands it to the driver even when unchanged (after a
 * reload reset the driver's desired states). */
static void
daemon_prefix_set(struct daemon *d, size_t idx, enum route_state st, const char *why, bool force)
{
	struct prefix *px = &d->prefixes[idx];

	if (st != px->desired) {
		if (st != ROUTE_UNKNOWN) {
			log_transition(LOG_SUBJECT_PREFIX, px->cfg->prefix,
				       route_state_names[px->desired], route_state_names[st], why);
			daemon_event(d, STATUS_EVENT_PREFIX, px->cfg->prefix,
				     route_state_names[px->desired], route_state_names[st], why);
		}
		px->desired = st;
		px->since = ev_time();
		px->changed_mono = d->monotonic();
		daemon_prefix_watch(d, idx, false);
	} else if (!force) {
		return;
	}
	driver_set_desired(&d->driver, idx, st == ROUTE_HELD ? fleet_guard_held_state() : st, why);
	fleet_record_dirty(d->fleet);
}

/* Whether the router may be announcing the prefix now: what it was told,
 * or before the first verdict what it read back. */
static bool
daemon_prefix_announcing(const struct prefix *px)
{
	return daemon_route_serving(px->desired) || px->desired == ROUTE_HELD ||
	       (px->desired == ROUTE_UNKNOWN && daemon_route_serving(px->actual));
}

/* With a fleet, a withdrawal of a prefix that may be announced goes through
 * the guard (fleet.c answers in daemon_fleet_decided_cb); true when it took
 * the decision over.  Announcing again needs no guard: it ends one. */
static bool
daemon_prefix_guard(struct daemon *d, size_t idx, enum route_state want, bool force)
{
	struct prefix *px = &d->prefixes[idx];

	if (d->fleet == NULL)
		return false;
	if (want == ROUTE_WITHDRAWN && (px->guarded || daemon_prefix_announcing(px))) {
		if (!px->guarded) {
			px->guarded = true;
			fleet_withdraw(d->fleet, idx, px->admin_force);
		} else if (force && px->desired == ROUTE_HELD) {
			driver_set_desired(&d->driver, idx, fleet_guard_held_state(), px->why);
		}
		return true;
	}
	/* Announcing (again): whatever the guard had, asked, held or left,
	 * is over, and the key follows the router again.  (Withdrawn and not
	 * announcing: a guard that let it leave stays so, or a read-back from
	 * before the withdrawal would put the key back.) */
	if (want != ROUTE_UNKNOWN && want != ROUTE_WITHDRAWN) {
		px->guarded = false;
		fleet_keep(d->fleet, idx);
	}
	return px->desired == ROUTE_HELD && want == ROUTE_UNKNOWN;
}

/* Recompute one prefix; `force` hands the result to the driver even when it
 * did not change (after a reload reset the driver's desired states). */
static void
daemon_prefix_apply(struct daemon *d, size_t idx, bool force)
{
	struct prefix *px = &d->prefixes[idx];
	enum health_state states[d->cfg->n_services ? d->cfg->n_services : 1];
	const char *reasons[d->cfg->n_services ? d->cfg->n_services : 1];
	struct policy_override ov;
	enum route_state want;
	char why[sizeof(px->why)], standby_why[96];
	size_t i;

	for (i = 0; i < d->cfg->n_services; i++) {
		states[i] = d->services[i]->state;
		reasons[i] = d->services[i]->reason;
	}
	ov.admin = px->admin;
	ov.drain_until = px->drain_until;
	ov.now = ev_time();
	ov.standby = policy_standby_applies(&d->cfg->router, px->vrrp, px->vrrp_since_mono,
					    d->monotonic(), standby_why, sizeof(standby_why));
	ov.standby_why = standby_why;
	px->standby = ov.standby;
	want = policy_desired(px->cfg, states, reasons, &ov, why, sizeof(why));
	px->wanted = want;
	snprintf(px->why, sizeof(px->why), "%s", why);	/* maybe new words */
	if (daemon_prefix_guard(d, idx, want, force))
		return;
	daemon_prefix_set(d, idx, want, why, force);
}

/* The fleet guard's answer to a withdrawal (fleet.h). */
static void
daemon_fleet_decided_cb(void *arg, size_t idx, bool withdraw, const char *why)
{
	struct daemon *d = arg;
	struct prefix *px;
	char text[sizeof(px->why) + 64];

	if (idx >= d->cfg->n_prefixes || !d->prefixes[idx].guarded)
		return;		/* no longer asked */
	px = &d->prefixes[idx];
	if (!withdraw) {
		snprintf(text, sizeof(text), "fleet guard %s", why);
		daemon_prefix_set(d, idx, ROUTE_HELD, text, false);
		return;
	}
	px->guarded = false;
	if (px->desired == ROUTE_HELD)
		snprintf(text, sizeof(text), "fleet guard released: %s", why);
	else
		snprintf(text, sizeof(text), "%s", px->why);
	if (d->stopping && px->desired != ROUTE_HELD)
		snprintf(text, sizeof(text), "anycast-healthd stopped");
	daemon_prefix_set(d, idx, ROUTE_WITHDRAWN, text, false);
}

static void
daemon_evaluate_prefixes(struct daemon *d, const struct service *changed, bool force)
{
	size_t i, j;

	if (d->stopping)
		return;
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		const struct prefix_config *pc = &d->prefixes[i].cfg[0];
		bool depends = changed == NULL;

		for (j = 0; j < pc->n_services && !depends; j++)
			depends = d->services[pc->service_index[j]] == changed;
		if (depends)
			daemon_prefix_apply(d, i, force);
	}
}

/* When, after `now`, the clock alone changes px's policy answer: its
 * drain's end, or the end of its takeover grace (the standby rule); 0 if
 * never. */
static double
daemon_prefix_clock_change(const struct daemon *d, const struct prefix *px, double now)
{
	double next = 0, grace_left;

	if (px->admin == ADMIN_DRAIN && px->drain_until > now)
		next = px->drain_until;
	if (px->vrrp != VRRP_MASTER || !px->standby)
		return next;
	/* The last answer took a grace: its end, on the monotonic clock as
	 * seen from `now`; at once if over already (the clock moved on
	 * between that answer and this schedule). */
	grace_left = px->vrrp_since_mono + d->cfg->router.ka_takeover_grace_ms / 1000.0 -
		     d->monotonic();
	if (grace_left < 0)
		grace_left = 0;
	if (next == 0 || now + grace_left < next)
		next = now + grace_left;
	return next;
}

/* Arm the drain timer for the earliest drain or takeover grace still
 * running, if any.  The timer counts from the loop's time (ev_now), which
 * lags the clock while the loop is busy: reckoned from the clock it would
 * fire early, while the policy (on the clock) still says draining, and
 * nothing would re-arm it. */
static void
daemon_drain_schedule(struct daemon *d)
{
	double now = ev_now(d->loop), next = 0, t;
	size_t i;

	ev_timer_stop(d->loop, &d->drain_timer);
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		t = daemon_prefix_clock_change(d, &d->prefixes[i], now);
		if (t != 0 && (next == 0 || t < next))
			next = t;
	}
	if (next == 0)
		return;
	/* A hair late rather than early, so the policy sees the drain as over. */
	ev_timer_set(&d->drain_timer, next - now + 0.001, 0.);
	ev_timer_start(d->loop, &d->drain_timer);
}

static void
daemon_drain_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	daemon_evaluate_prefixes(d, NULL, false);
	daemon_drain_schedule(d);
}

/* ---- what the BGP sessions carry (bgp_sessions.h) ---- */

/* Why a prefix's uncarried warning ended, for the log and the history. */
static void
daemon_prefix_carried_why(const struct daemon *d, const struct prefix *px, char *buf, size_t len)
{
	if (!px->sessions_known)
		snprintf(buf, len, "BGP sessions unknown");
	else if (px->carried > 0)
		bgp_sessions_carriers(d->sessions, d->n_sessions, px->advertised, buf, len);
	else if (!daemon_route_serving(px->desired) && px->desired != ROUTE_HELD)
		snprintf(buf, len, "desired %s", route_state_names[px->desired]);
	else
		snprintf(buf, len, "router has it %s", route_state_names[px->actual]);
}

/* Take the uncarried answer for prefix `idx` again (on a session table when
 * `readback`, else on a change of the prefix or of the table's knowledge);
 * log and record it once as it starts and as it ends. */
static void
daemon_prefix_watch(struct daemon *d, size_t idx, bool readback)
{
	struct prefix *px = &d->prefixes[idx];
	struct bgp_sessions_watch w = {
		.wanted = daemon_route_serving(px->desired) || px->desired == ROUTE_HELD,
		.serving = daemon_route_serving(px->actual),
		.known = px->sessions_known,
		.carried = px->carried,
		.changed = px->changed_mono,
		.uncarried = px->uncarried,
	};
	bool now = bgp_sessions_uncarried(&w, readback, d->monotonic());
	char why[BGP_SESSIONS_MAX * (BGP_SESSION_NAME_MAX + BGP_SESSION_STATE_MAX + 4)];

	if (now == px->uncarried)
		return;
	px->uncarried = now;
	fleet_record_dirty(d->fleet);
	if (now) {
		bgp_sessions_describe(d->sessions, d->n_sessions, why, sizeof(why));
		log_warnx("prefix %s: wanted announced but no established BGP session carries "
			  "it (%s)", px->cfg->prefix, why);
		daemon_event(d, STATUS_EVENT_SESSION, px->cfg->prefix, "carried", "uncarried", why);
		return;
	}
	daemon_prefix_carried_why(d, px, why, sizeof(why));
	if (px->carried > 0 && px->sessions_known)
		log_info("prefix %s: carried again (%s)", px->cfg->prefix, why);
	else
		log_info("prefix %s: no longer warned uncarried (%s)", px->cfg->prefix, why);
	daemon_event(d, STATUS_EVENT_SESSION, px->cfg->prefix, "uncarried", "carried", why);
}

/* Log and record each session whose state differs from the last table's
 * (a new one: from "", one gone: to "gone"). */
static void
daemon_sessions_log_changes(struct daemon *d, const struct bgp_sessions *t)
{
	size_t i, n = t->n < BGP_SESSIONS_MAX ? t->n : BGP_SESSIONS_MAX;

	for (i = 0; i < n; i++) {
		const struct bgp_session *old = bgp_sessions_find(d->sessions, d->n_sessions,
								  t->s[i].name);
		const char *from = old != NULL ? old->state : "";

		if (old != NULL && strcmp(old->state, t->s[i].state) == 0)
			continue;
		if (old == NULL)
			log_info("session %s: %s", t->s[i].name, t->s[i].state);
		else if (old->established && !t->s[i].established)
			log_warnx("session %s: %s -> %s", t->s[i].name, from, t->s[i].state);
		else
			log_info("session %s: %s -> %s", t->s[i].name, from, t->s[i].state);
		daemon_event(d, STATUS_EVENT_SESSION, t->s[i].name, from, t->s[i].state,
			     old == NULL ? "new BGP session" : "BGP session state");
	}
	for (i = 0; i < d->n_sessions; i++) {
		if (bgp_sessions_find(t->s, n, d->sessions[i].name) != NULL)
			continue;
		log_warnx("session %s: %s -> gone", d->sessions[i].name, d->sessions[i].state);
		daemon_event(d, STATUS_EVENT_SESSION, d->sessions[i].name, d->sessions[i].state,
			     "gone", "no longer in the router's configuration");
	}
}

/* The connection went (or another router is configured): nothing is known
 * of the sessions until the next table; every warning ends. */
static void
daemon_sessions_unknown(struct daemon *d)
{
	size_t i;

	d->sessions_known = false;
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		d->prefixes[i].sessions_known = false;
		d->prefixes[i].advertised = 0;
		d->prefixes[i].carried = 0;
		daemon_prefix_watch(d, i, false);
	}
}

/* ---- driver callbacks ---- */

static void
daemon_driver_actual_cb(void *arg, size_t index, enum route_state actual)
{
	struct daemon *d = arg;
	struct prefix *px;

	if (index >= d->cfg->n_prefixes)
		return;
	px = &d->prefixes[index];
	if (px->actual != actual) {
		log_debug("%s: router has it %s", px->cfg->prefix, route_state_names[actual]);
		fleet_record_dirty(d->fleet);
		px->actual = actual;
		px->changed_mono = d->monotonic();
		daemon_prefix_watch(d, index, false);
	}
	/* The announcer key follows what the router confirmed; unknown (the
	 * connection lost) changes nothing: it may still announce. */
	if (daemon_route_serving(actual))
		fleet_announcing(d->fleet, index, px->desired == ROUTE_HELD ?
				 route_state_names[ROUTE_HELD] : route_state_names[actual]);
	else if (actual == ROUTE_WITHDRAWN)
		fleet_announcing(d->fleet, index, NULL);
}

static void
daemon_driver_connection_cb(void *arg, bool up, const char *why)
{
	struct daemon *d = arg;

	snprintf(d->router_why, sizeof(d->router_why), "%s", up ? "connected" : why ? why : "?");
	if (up == d->router_up)
		return;
	d->router_up = up;
	d->router_since = ev_time();
	fleet_record_dirty(d->fleet);
	daemon_event(d, STATUS_EVENT_ROUTER, "router", up ? "unreachable" : "connected",
		     up ? "connected" : "unreachable", d->router_why);
	if (up)
		log_info("router: connected");
	else
		log_warnx("router: unreachable (%s); health keeps being tracked", d->router_why);
	if (!up)
		daemon_sessions_unknown(d);
}

static void
daemon_driver_drift_cb(void *arg, size_t index, enum route_state found, enum route_state wanted)
{
	struct daemon *d = arg;

	if (index >= d->cfg->n_prefixes)
		return;
	d->prefixes[index].drift_repairs++;
	daemon_event(d, STATUS_EVENT_DRIFT, d->prefixes[index].cfg->prefix,
		     route_state_names[found], route_state_names[wanted], "router differed: re-asserted");
}

static void
daemon_driver_sessions_cb(void *arg, const struct bgp_sessions *t)
{
	struct daemon *d = arg;
	size_t i;

	if (t == NULL || d->stopping)
		return;
	daemon_sessions_log_changes(d, t);
	d->n_sessions = t->n < BGP_SESSIONS_MAX ? t->n : BGP_SESSIONS_MAX;
	memcpy(d->sessions, t->s, d->n_sessions * sizeof(d->sessions[0]));
	d->sessions_known = true;
	if (t->n_prefixes != d->cfg->n_prefixes || t->advertised == NULL) {
		/* read for the prefixes of before a reload: the next one counts */
		log_debug("router: a session table of %zu prefixes for %zu: prefixes not taken",
			  t->n_prefixes, d->cfg->n_prefixes);
		return;
	}
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		struct prefix *px = &d->prefixes[i];
		unsigned carried = bgp_sessions_carrying(t, i);

		if (!px->sessions_known || t->advertised[i] != px->advertised ||
		    carried != px->carried)
			fleet_record_dirty(d->fleet);
		px->sessions_known = true;
		px->advertised = t->advertised[i];
		px->carried = carried;
		daemon_prefix_watch(d, i, true);
	}
}

/* keepalived: an instance's VRRP state changed (its notify script wrote
 * the state file age_s ago): recorded, since then, and the policy asked
 * again (the standby rule: a node MASTER for long before the daemon
 * started gets no takeover grace). */
static void
daemon_driver_instance_cb(void *arg, size_t index, enum vrrp_state st, double age_s)
{
	struct daemon *d = arg;
	struct prefix *px;

	if (index >= d->cfg->n_prefixes || d->prefixes[index].vrrp == st)
		return;
	px = &d->prefixes[index];
	log_info("%s: keepalived instance %s -> %s", px->cfg->prefix, vrrp_state_names[px->vrrp],
		 vrrp_state_names[st]);
	daemon_event(d, STATUS_EVENT_ROUTER, px->cfg->prefix, vrrp_state_names[px->vrrp],
		     vrrp_state_names[st], "keepalived instance state");
	px->vrrp = st;
	px->vrrp_since = ev_time() - age_s;
	px->vrrp_since_mono = d->monotonic() - age_s;
	if (!d->stopping)
		daemon_prefix_apply(d, index, false);
	daemon_drain_schedule(d);
}

static const struct driver_callbacks daemon_driver_callbacks = {
	.actual = daemon_driver_actual_cb,
	.connection = daemon_driver_connection_cb,
	.drift = daemon_driver_drift_cb,
	.sessions = daemon_driver_sessions_cb,
	.instance = daemon_driver_instance_cb,
};

/* ---- the fleet (fleet.h) ---- */

/* What the daemon knows of the gateway record (fleet_record.h). */
static void
daemon_fleet_record_cb(void *arg, struct fleet_record *r)
{
	struct daemon *d = arg;
	size_t i;

	r->router_kind = (char *)(uintptr_t)router_kind_names[d->cfg->router.kind];
	r->router_reachable = d->router_up;
	r->services = xcalloc(d->cfg->n_services + 1, sizeof(*r->services));
	r->n_services = d->cfg->n_services;
	for (i = 0; i < d->cfg->n_services; i++) {
		const struct service *s = d->services[i];

		r->services[i].name = d->cfg->services[i].name;
		if (s == NULL) {	/* stopping: the probes are gone */
			r->services[i].verdict = (char *)(uintptr_t)"down";
			r->services[i].reason = (char *)(uintptr_t)"stopping";
			continue;
		}
		r->services[i].verdict = (char *)(uintptr_t)health_state_names[s->state];
		r->services[i].reason = (char *)(uintptr_t)s->reason;
		if (s->since > r->last_change)
			r->last_change = s->since;
	}
	r->prefixes = xcalloc(d->cfg->n_prefixes + 1, sizeof(*r->prefixes));
	r->n_prefixes = d->cfg->n_prefixes;
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		const struct prefix *px = &d->prefixes[i];

		r->prefixes[i].prefix = px->cfg->prefix;
		r->prefixes[i].desired = (char *)(uintptr_t)route_state_names[px->desired];
		r->prefixes[i].actual = (char *)(uintptr_t)route_state_names[px->actual];
		r->prefixes[i].held = px->desired == ROUTE_HELD;
		r->prefixes[i].min_announcers = px->cfg->min_announcers;
		r->prefixes[i].since = px->since;
		r->prefixes[i].carried_known = px->sessions_known;
		r->prefixes[i].carried = px->carried;
		r->prefixes[i].uncarried = px->uncarried;
		if (px->since > r->last_change)
			r->last_change = px->since;
	}
}

/* The store came or went, or this gateway's drift changed: services with
 * on-drift degrade take their verdict again. */
static void
daemon_fleet_changed_cb(void *arg)
{
	struct daemon *d = arg;
	struct fleet_info fi;
	size_t i;

	fleet_info(d->fleet, &fi);
	if (fi.reachable != d->fleet_store_up) {
		d->fleet_store_up = fi.reachable;
		daemon_event(d, STATUS_EVENT_FLEET, "store", fi.reachable ? "unreachable" : "reachable",
			     fi.reachable ? "reachable" : "unreachable",
			     fi.reachable ? fi.endpoint : fi.why);
	}
	if (d->stopping)
		return;
	for (i = 0; i < d->cfg->n_services; i++) {
		struct service *s = d->services[i];

		if (s != NULL && s->state != HEALTH_INIT && !s->damping.suppressed)
			daemon_service_verdict(s, s->probed, s->probed_reason);
	}
	fleet_record_dirty(d->fleet);
}

static const struct fleet_callbacks daemon_fleet_callbacks = {
	.decided = daemon_fleet_decided_cb,
	.record = daemon_fleet_record_cb,
	.changed = daemon_fleet_changed_cb,
};

/* Start the fleet module when the config has a fleet section; without it
 * (or when it cannot start) the daemon decides alone, as without a fleet. */
static void
daemon_fleet_start(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->cfg->n_prefixes; i++)
		d->prefixes[i].guarded = false;
	if (!d->cfg->fleet.enabled)
		return;
	d->fleet_store_up = true;
	d->fleet = fleet_create(d->loop, d->cfg, &daemon_fleet_callbacks, d);
	if (d->fleet == NULL)
		log_warnx("fleet: not started; every decision is this gateway's alone");
}

/* ---- the operator's overrides on disk (override_file.h) ---- */

/* Write every prefix's override to api/admin-state-file.  A failure keeps
 * the overrides in force in memory, says so once per distinct error, and
 * shows in the status. */
static void
daemon_overrides_save(struct daemon *d)
{
	const char *path = d->cfg->api.admin_state_file;
	struct saved_override *v;
	char err[sizeof(d->overrides_error)];
	size_t i, n = 0;

	if (path == NULL)
		return;
	v = xcalloc(d->cfg->n_prefixes ? d->cfg->n_prefixes : 1, sizeof(*v));
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		const struct prefix *px = &d->prefixes[i];

		if (px->admin == ADMIN_NONE)
			continue;
		snprintf(v[n].prefix, sizeof(v[n].prefix), "%s", px->cfg->prefix);
		v[n].admin = px->admin;
		v[n].since = px->admin_since;
		v[n].drain_until = px->drain_until;
		n++;
	}
	if (override_file_save(path, v, n, err, sizeof(err)) < 0) {
		if (strcmp(err, d->overrides_error) != 0)
			log_warnx("cannot save the operator's overrides (%s): they hold until the "
				  "daemon stops, not across a restart", err);
		snprintf(d->overrides_error, sizeof(d->overrides_error), "%s", err);
	} else {
		if (d->overrides_error[0] != '\0')
			log_info("operator's overrides saved to %s again", path);
		d->overrides_error[0] = '\0';
	}
	free(v);
}

/* At start: put back the overrides an earlier daemon saved.  An unreadable
 * file restores nothing (half of an operator's intent is worse than none),
 * says why, and is moved aside to PATH.bad so the next save does not destroy
 * it; an override of a prefix no longer configured is dropped.  A drain that
 * was still running is restored as finished (withdrawn until resume): the
 * old daemon withdrew on its way out (or ExecStopPost did), and announcing
 * GRACEFUL_SHUTDOWN again before any verdict would only churn the route. */
static void
daemon_overrides_restore(struct daemon *d)
{
	const char *path = d->cfg->api.admin_state_file;
	struct saved_override *v = NULL;
	char err[sizeof(d->overrides_restore_error)], why[96], bad[PATH_MAX];
	double now = ev_time();
	size_t i, j, n = 0;

	if (path == NULL)
		return;
	if (override_file_load(path, &v, &n, err, sizeof(err)) < 0) {
		if (snprintf(bad, sizeof(bad), "%s.bad", path) < (int)sizeof(bad) &&
		    rename(path, bad) == 0) {
			size_t len = strlen(err);

			snprintf(err + len, sizeof(err) - len, "; kept as %.200s", bad);
		}
		log_warnx("operator's overrides not restored: %s", err);
		snprintf(d->overrides_restore_error, sizeof(d->overrides_restore_error), "%s", err);
		daemon_event(d, STATUS_EVENT_ADMIN, "overrides", "", "not restored", err);
		return;
	}
	for (i = 0; i < n; i++) {
		struct prefix *px = NULL;

		for (j = 0; j < d->cfg->n_prefixes && px == NULL; j++)
			if (strcmp(d->prefixes[j].cfg->prefix, v[i].prefix) == 0)
				px = &d->prefixes[j];
		if (px == NULL) {
			log_warnx("%s: saved override %s dropped: prefix no longer configured",
				  v[i].prefix, admin_state_names[v[i].admin]);
			continue;
		}
		px->admin = v[i].admin;
		px->admin_since = v[i].since;
		px->drain_until = v[i].drain_until;
		if (px->admin == ADMIN_DRAIN && px->drain_until > now)
			px->drain_until = now;	/* interrupted: finished (see above) */
		snprintf(why, sizeof(why), "restored from %s", path);
		log_info("%s: operator's %s %s", px->cfg->prefix, admin_state_names[px->admin], why);
		daemon_event(d, STATUS_EVENT_ADMIN, px->cfg->prefix, admin_state_names[ADMIN_NONE],
			     admin_state_names[px->admin], why);
		daemon_prefix_apply(d, (size_t)(px - d->prefixes), false);
	}
	free(v);
	daemon_drain_schedule(d);
}

/* ---- life cycle ---- */

static void
daemon_prefixes_init(struct daemon *d)
{
	size_t i;

	d->prefixes = xcalloc(d->cfg->n_prefixes, sizeof(*d->prefixes));
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		d->prefixes[i].cfg = &d->cfg->prefixes[i];
		d->prefixes[i].desired = ROUTE_UNKNOWN;
		d->prefixes[i].actual = ROUTE_UNKNOWN;
		d->prefixes[i].since = ev_time();
		d->prefixes[i].changed_mono = d->monotonic();
		snprintf(d->prefixes[i].why, sizeof(d->prefixes[i].why), "no verdict yet");
	}
}

struct daemon *
daemon_create(struct ev_loop *loop, struct config *cfg)
{
	struct daemon *d = xcalloc(1, sizeof(*d));
	size_t i;

	d->loop = loop;
	d->cfg = cfg;
	d->monotonic = daemon_monotonic;
	d->lag = xcalloc(1, sizeof(*d->lag));
	loop_lag_start(d->lag, loop);
	d->started = ev_time();
	d->router_since = ev_time();
	status_history_init(&d->history, cfg->api.history_size);
	d->hooks = hooks_runner_create(loop, cfg);
	ev_timer_init(&d->drain_timer, daemon_drain_timer_cb, 0., 0.);
	d->drain_timer.data = d;
	snprintf(d->router_why, sizeof(d->router_why), "connecting");
	daemon_prefixes_init(d);
	daemon_fleet_start(d);
	if (driver_open(&d->driver, loop, cfg, &daemon_driver_callbacks, d) < 0)
		log_warnx("router: cannot start the %s driver", router_kind_names[cfg->router.kind]);
	d->services = xcalloc(cfg->n_services, sizeof(*d->services));
	for (i = 0; i < cfg->n_services; i++)
		d->services[i] = daemon_service_start(d, &cfg->services[i]);
	daemon_overrides_restore(d);
	return d;
}

/* A kept prefix whose instance state has no file to come from any more
 * (no state-file, or not keepalived): unknown, not the old file's. */
static void
daemon_prefix_vrrp_reload(const struct config *cfg, struct prefix *px)
{
	if (cfg->router.kind == ROUTER_KIND_KEEPALIVED && px->cfg->ka_state_file != NULL)
		return;
	px->vrrp = VRRP_UNKNOWN;
	px->vrrp_since = px->vrrp_since_mono = 0;
}

void
daemon_reload(struct daemon *d, struct config *cfg)
{
	struct config *old_cfg = d->cfg;
	struct service **old = d->services;
	struct prefix *old_prefixes = d->prefixes;
	char kept_text[96];
	size_t i, j, kept = 0;

	d->services = xcalloc(cfg->n_services, sizeof(*d->services));
	for (i = 0; i < cfg->n_services; i++) {
		const struct service_config *sc = &cfg->services[i];

		for (j = 0; j < old_cfg->n_services; j++) {
			if (old[j] && daemon_service_unchanged(old[j]->cfg, sc))
				break;
		}
		if (j < old_cfg->n_services) {
			/* Keep the running probes; point them at the new, equal config. */
			struct service *s = old[j];

			old[j] = NULL;
			s->cfg = sc;
			for (size_t k = 0; k < sc->n_probes; k++)
				if (s->probes[k])
					probe_set_config(s->probes[k], &sc->probes[k]);
			d->services[i] = s;
			kept++;
		} else {
			d->services[i] = daemon_service_start(d, sc);
		}
	}
	for (j = 0; j < old_cfg->n_services; j++)
		daemon_service_free(old[j]);
	free(old);

	d->cfg = cfg;
	hooks_runner_reconfigure(d->hooks, cfg);
	status_history_resize(&d->history, cfg->api.history_size);
	daemon_prefixes_init(d);
	for (i = 0; i < cfg->n_prefixes; i++) {
		for (j = 0; j < old_cfg->n_prefixes; j++) {
			if (strcmp(old_prefixes[j].cfg->prefix, cfg->prefixes[i].prefix) != 0)
				continue;
			old_prefixes[j].cfg = &cfg->prefixes[i];
			d->prefixes[i] = old_prefixes[j];
			daemon_prefix_vrrp_reload(cfg, &d->prefixes[i]);
		}
	}
	free(old_prefixes);

	if (d->fleet != NULL && fleet_config_equal(&old_cfg->fleet, &cfg->fleet)) {
		fleet_reconfigure(d->fleet, cfg);
	} else if (d->fleet != NULL || cfg->fleet.enabled) {
		/* A new store, name or node: a clean start; held prefixes are
		 * asked again below. */
		if (d->fleet != NULL)
			log_info("fleet: settings changed, starting again");
		fleet_free(d->fleet);
		d->fleet = NULL;
		daemon_fleet_start(d);
	}

	if (driver_router_config_equal(&old_cfg->router, &cfg->router)) {
		driver_reconfigure(&d->driver, cfg);
	} else {
		log_info("router: settings changed, reconnecting");
		driver_close(&d->driver);
		d->router_up = false;
		/* a new router: what it has is unknown until read back */
		for (i = 0; i < cfg->n_prefixes; i++)
			d->prefixes[i].actual = ROUTE_UNKNOWN;
		daemon_sessions_unknown(d);
		d->n_sessions = 0;	/* another router's sessions: none to compare */
		if (driver_open(&d->driver, d->loop, cfg, &daemon_driver_callbacks, d) < 0)
			log_warnx("router: cannot start the %s driver", router_kind_names[cfg->router.kind]);
	}
	config_free(old_cfg);
	daemon_drain_schedule(d);
	daemon_overrides_save(d);	/* drops prefixes gone from the config; maybe a new path */
	snprintf(kept_text, sizeof(kept_text), "%zu of %zu services kept running", kept,
		 cfg->n_services);
	log_info("reloaded %s: %s", cfg->path, kept_text);
	d->reloads++;
	daemon_event(d, STATUS_EVENT_RELOAD, "config", "", "reloaded", kept_text);
	daemon_evaluate_prefixes(d, NULL, true);
}

static bool
daemon_route_serving(enum route_state r)
{
	return r == ROUTE_ANNOUNCED || r == ROUTE_DEGRADED || r == ROUTE_DRAINING;
}

/* A prefix on-exit drain would drain: announced (or degraded, or draining
 * already; before the first verdict: announced in the router) and with a
 * drain twin / route-map to announce from. */
static bool
daemon_exit_drains(const struct daemon *d, const struct prefix *px)
{
	return daemon_can_drain(d, px) &&
	       (daemon_route_serving(px->desired) ||
		(px->desired == ROUTE_UNKNOWN && daemon_route_serving(px->actual)));
}

/* How long on-exit drain drains `px`: an operator's drain keeps its own
 * end, any other prefix gets its drain-time-s. */
static double
daemon_exit_drain_left(const struct prefix *px, double now)
{
	if (px->admin == ADMIN_DRAIN && px->drain_until > now)
		return px->drain_until - now;
	return px->cfg->drain_time_s;
}

double
daemon_exit_drain_s(const struct daemon *d)
{
	double longest = 0, now = ev_time();
	size_t i;

	if (d->cfg->on_exit != ON_EXIT_DRAIN)
		return 0;
	for (i = 0; i < d->cfg->n_prefixes; i++)
		if (daemon_exit_drains(d, &d->prefixes[i]) &&
		    daemon_exit_drain_left(&d->prefixes[i], now) > longest)
			longest = daemon_exit_drain_left(&d->prefixes[i], now);
	return longest;
}

void
daemon_stop_hurry(struct daemon *d)
{
	if (!d->stopping || d->hurry)
		return;
	d->hurry = true;
	if (d->cfg->on_exit == ON_EXIT_DRAIN)
		log_info("stopping: asked again, cutting the drain short");
}

static void
daemon_wake_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

/* Stopping: tell the router `st` for prefix idx, recording the change. */
static void
daemon_stop_set(struct daemon *d, size_t idx, enum route_state st, const char *why)
{
	struct prefix *px = &d->prefixes[idx];

	if (px->desired != st)
		daemon_event(d, STATUS_EVENT_PREFIX, px->cfg->prefix, route_state_names[px->desired],
			     route_state_names[st], why);
	px->desired = st;
	driver_set_desired(&d->driver, idx, st, why);
}

/* on-exit drain: each prefix that can is announced with GRACEFUL_SHUTDOWN
 * for its drain-time-s and withdrawn when that has passed, the loop running
 * meanwhile (the driver talks to the router, read-backs repair drift); the
 * others are withdrawn at once.  A second signal (daemon_stop_hurry) ends
 * every drain at once.  Time is measured on the monotonic clock. */
static void
daemon_stop_drain(struct daemon *d)
{
	const size_t n_prefixes = d->cfg->n_prefixes;
	double *until = xcalloc(n_prefixes ? n_prefixes : 1, sizeof(*until));
	double wall = ev_time(), now = daemon_monotonic(), next, left, longest = 0;
	ev_timer wake;
	size_t i, n = 0;
	char why[64];

	if (!driver_connected(&d->driver)) {
		log_warnx("stopping: router unreachable, withdrawing without a drain");
		free(until);
		return;
	}
	for (i = 0; i < n_prefixes; i++) {
		struct prefix *px = &d->prefixes[i];

		if (!daemon_exit_drains(d, px)) {
			if (d->fleet != NULL)
				continue;	/* daemon_stop's guarded withdrawal */
			daemon_stop_set(d, i, ROUTE_WITHDRAWN, "anycast-healthd stopped");
			continue;
		}
		left = daemon_exit_drain_left(px, wall);
		until[i] = now + left;
		if (left > longest)
			longest = left;
		snprintf(why, sizeof(why), "anycast-healthd stopping: drain for %.0f s", left);
		if (px->desired != ROUTE_DRAINING)
			log_transition(LOG_SUBJECT_PREFIX, px->cfg->prefix,
				       route_state_names[px->desired],
				       route_state_names[ROUTE_DRAINING], why);
		daemon_stop_set(d, i, ROUTE_DRAINING, why);
		n++;
	}
	if (n == 0) {
		free(until);
		return;
	}
	log_info("stopping: on-exit drain of %zu prefixes (%.0f s), then withdrawing", n,
		 longest);
	ev_timer_init(&wake, daemon_wake_cb, 0., 0.);
	for (;;) {
		now = daemon_monotonic();
		next = 0;
		for (i = 0; i < n_prefixes; i++) {
			if (until[i] == 0)
				continue;
			if (d->hurry || now >= until[i]) {
				until[i] = 0;
				if (d->fleet != NULL)
					continue;	/* guarded in daemon_stop */
				daemon_stop_set(d, i, ROUTE_WITHDRAWN,
						"anycast-healthd stopped (drained)");
			} else if (next == 0 || until[i] < next) {
				next = until[i];
			}
		}
		if (next == 0)
			break;
		ev_timer_set(&wake, next - now, 0.);
		ev_timer_start(d->loop, &wake);
		ev_run(d->loop, EVRUN_ONCE);
		ev_timer_stop(d->loop, &wake);
	}
	free(until);
}

/* Planned stop with a fleet: each prefix that may be announced leaves
 * through the guard, waiting up to timeout_s; one the guard holds stays
 * announced (exit_keep), so the fleet keeps its minimum. */
static void
daemon_stop_guarded(struct daemon *d, double timeout_s)
{
	ev_timer wake;
	ev_tstamp deadline;
	size_t i, waiting;

	for (i = 0; i < d->cfg->n_prefixes; i++) {
		struct prefix *px = &d->prefixes[i];

		if (!daemon_prefix_announcing(px) && !px->guarded)
			continue;
		snprintf(px->why, sizeof(px->why), "anycast-healthd stopped");
		if (!px->guarded) {
			px->guarded = true;
			fleet_withdraw(d->fleet, i, px->admin_force);
		}
	}
	ev_timer_init(&wake, daemon_wake_cb, 0.05, 0.05);
	ev_timer_start(d->loop, &wake);
	ev_now_update(d->loop);
	deadline = ev_now(d->loop) + timeout_s;
	do {
		waiting = 0;
		for (i = 0; i < d->cfg->n_prefixes; i++)
			waiting += d->prefixes[i].guarded && d->prefixes[i].desired != ROUTE_HELD;
		if (waiting > 0)
			ev_run(d->loop, EVRUN_ONCE);
	} while (waiting > 0 && ev_now(d->loop) < deadline);
	ev_timer_stop(d->loop, &wake);
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		struct prefix *px = &d->prefixes[i];
		struct fleet_prefix_info pi;

		if (!px->guarded)
			continue;
		fleet_prefix_info(d->fleet, i, &pi);
		px->exit_keep = true;
		log_warnx("fleet guard: leaving %s announced at exit: %s", px->cfg->prefix,
			  px->desired == ROUTE_HELD ? pi.guard : "no answer from the store in time");
	}
}

/* daemon_stop's part for the router. */
static bool
daemon_stop_router(struct daemon *d, double timeout_s)
{
	ev_tstamp deadline;
	size_t i, n;

	d->stopping = true;
	ev_timer_stop(d->loop, &d->drain_timer);
	for (i = 0; i < d->cfg->n_services; i++) {
		daemon_service_free(d->services[i]);
		d->services[i] = NULL;
	}
	if (d->cfg->on_exit == ON_EXIT_KEEP) {
		log_info("stopping: on-exit keep, leaving the routes as they are");
		return true;
	}
	if (d->cfg->on_exit == ON_EXIT_DRAIN)
		daemon_stop_drain(d);
	if (d->fleet != NULL)
		daemon_stop_guarded(d, timeout_s);
	for (i = 0, n = 0; i < d->cfg->n_prefixes; i++) {
		if (d->prefixes[i].exit_keep)
			continue;
		daemon_stop_set(d, i, ROUTE_WITHDRAWN, "anycast-healthd stopped");
		n++;
	}
	log_info("stopping: withdrawing %zu prefixes", n);
	if (!driver_connected(&d->driver)) {
		log_warnx("stopping: router unreachable, only its state file was updated");
		return false;
	}
	ev_now_update(d->loop);
	deadline = ev_now(d->loop) + timeout_s;
	while (!driver_idle(&d->driver) && ev_now(d->loop) < deadline)
		ev_run(d->loop, EVRUN_ONCE);
	if (!driver_idle(&d->driver)) {
		log_warnx("stopping: router did not confirm the withdrawal in %.1f s", timeout_s);
		return false;
	}
	return true;
}

/* The router first: hooks never delay the withdrawal; then the hooks run
 * the on-exit transitions (and anything still queued), bounded. */
bool
daemon_stop(struct daemon *d, double timeout_s)
{
	bool clean = daemon_stop_router(d, timeout_s);

	hooks_runner_finish(d->hooks);
	return clean;
}

double
daemon_exit_hooks_s(const struct daemon *d)
{
	return hooks_runner_finish_s(d->hooks);
}

/* ---- one-shot withdraw ---- */

struct daemon_withdraw {
	size_t n, confirmed;
	bool *done;
	char why[64];		/* last reason logged for an unreachable router */
};

static void
daemon_withdraw_actual_cb(void *arg, size_t index, enum route_state actual)
{
	struct daemon_withdraw *w = arg;

	if (index >= w->n || w->done[index] || actual != ROUTE_WITHDRAWN)
		return;
	w->done[index] = true;
	w->confirmed++;
}

static void
daemon_withdraw_connection_cb(void *arg, bool up, const char *why)
{
	struct daemon_withdraw *w = arg;

	if (up) {
		w->why[0] = '\0';
		return;
	}
	if (why == NULL)
		why = "?";
	if (strcmp(w->why, why) != 0)	/* once per reason, not per retry */
		log_warnx("withdraw-all: router unreachable (%s)", why);
	snprintf(w->why, sizeof(w->why), "%s", why);
}

static void
daemon_withdraw_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

int
daemon_withdraw_all(const struct config *cfg, double timeout_s)
{
	static const struct driver_callbacks cb = {
		.actual = daemon_withdraw_actual_cb,
		.connection = daemon_withdraw_connection_cb,
	};
	struct daemon_withdraw w = { .n = cfg->n_prefixes };
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct driver_handle h = { 0 };
	ev_timer tick;
	ev_tstamp deadline;
	size_t i;

	if (loop == NULL)
		fatalx("cannot initialise the event loop");
	w.done = xcalloc(w.n, sizeof(*w.done));
	if (driver_open(&h, loop, cfg, &cb, &w) < 0) {
		ev_loop_destroy(loop);
		free(w.done);
		return 1;
	}
	for (i = 0; i < cfg->n_prefixes; i++)
		driver_set_desired(&h, i, ROUTE_WITHDRAWN, "anycast-healthd withdraw-all");
	/* A tick so the loop wakes up to see the deadline even if nothing else
	 * happens (router silent). */
	ev_timer_init(&tick, daemon_withdraw_tick_cb, 0.05, 0.05);
	ev_timer_start(loop, &tick);
	deadline = ev_time() + timeout_s;
	while (w.confirmed < w.n && ev_time() < deadline)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &tick);
	driver_close(&h);
	ev_loop_destroy(loop);
	free(w.done);
	if (w.confirmed < w.n) {
		log_warnx("withdraw-all: %zu of %zu prefixes confirmed withdrawn", w.confirmed, w.n);
		return 1;
	}
	log_info("withdraw-all: %zu prefixes withdrawn", w.n);
	return 0;
}

void
daemon_status_line(const struct daemon *d, char *buf, size_t len)
{
	size_t i, up = 0, announced = 0;

	for (i = 0; i < d->cfg->n_services; i++)
		up += d->services[i] && d->services[i]->state == HEALTH_UP;
	for (i = 0; i < d->cfg->n_prefixes; i++)
		announced += d->prefixes[i].desired == ROUTE_ANNOUNCED ||
			     d->prefixes[i].desired == ROUTE_DEGRADED;
	snprintf(buf, len, "%zu/%zu services up, %zu/%zu prefixes announced, router %s",
		 up, d->cfg->n_services, announced, d->cfg->n_prefixes,
		 d->router_up ? "connected" : "unreachable");
}

void
daemon_free(struct daemon *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->cfg->n_services; i++)
		daemon_service_free(d->services[i]);
	ev_timer_stop(d->loop, &d->drain_timer);
	driver_close(&d->driver);
	fleet_free(d->fleet);
	if (d->lag != NULL)
		loop_lag_stop(d->lag, d->loop);
	free(d->lag);
	hooks_runner_free(d->hooks);	/* before the config its hooks point into */
	free(d->services);
	free(d->prefixes);
	config_free(d->cfg);
	status_history_free(&d->history);
	free(d);
}

void
daemon_note_reload_refused(struct daemon *d, const char *why)
{
	d->reloads_refused++;
	daemon_event(d, STATUS_EVENT_RELOAD, "config", "", "refused", why);
}

/* A drain needs somewhere to announce GRACEFUL_SHUTDOWN from. */
static bool
daemon_can_drain(const struct daemon *d, const struct prefix *px)
{
	if (d->cfg->router.kind == ROUTER_KIND_KEEPALIVED)
		return true;	/* draining-value lowers the priority */
	if (d->cfg->router.kind == ROUTER_KIND_FRR)
		return d->cfg->router.frr_drain_route_map != NULL;
	/* prefix-sets: the snippet's filter drains every prefix */
	return d->cfg->router.bird_pattern == BIRD_PATTERN_PREFIX_SETS ||
	       px->cfg->bird_drain_protocol != NULL;
}

static int
daemon_admin_one(struct daemon *d, size_t idx, enum daemon_admin_verb verb, bool force, char *err,
		 size_t errlen)
{
	static const enum admin_state next[] = {
		[DAEMON_ADMIN_DRAIN] = ADMIN_DRAIN,
		[DAEMON_ADMIN_MAINTENANCE] = ADMIN_MAINTENANCE,
		[DAEMON_ADMIN_RESUME] = ADMIN_NONE,
	};
	struct prefix *px = &d->prefixes[idx];
	char why[64];

	if (verb == DAEMON_ADMIN_DRAIN && !daemon_can_drain(d, px)) {
		snprintf(err, errlen, "%s: cannot drain: no %s configured (use maintenance to withdraw)",
			 px->cfg->prefix, d->cfg->router.kind == ROUTER_KIND_FRR ?
			 "router/frr/drain-route-map" : "prefix bird/drain-protocol");
		return -1;
	}
	/* Refused when the store's view (the mirror) shows too few others
	 * announcing; a prefix not announced here takes nothing away. */
	if (verb != DAEMON_ADMIN_RESUME && daemon_prefix_announcing(px) &&
	    fleet_admin_check(d->fleet, idx, verb == DAEMON_ADMIN_DRAIN ? "drain" : "maintenance",
			      force, err, errlen) < 0) {
		log_warnx("%s", err);
		return -1;
	}
	if (verb != DAEMON_ADMIN_RESUME && force && d->fleet != NULL) {
		px->admin_force = true;
		if (px->guarded)	/* held, or asking: withdraw now */
			fleet_withdraw(d->fleet, idx, true);
	}
	if (px->admin == next[verb])
		return 0;	/* a second drain does not restart the clock */
	log_info("%s: operator %s -> %s", px->cfg->prefix, admin_state_names[px->admin],
		 admin_state_names[next[verb]]);
	if (verb == DAEMON_ADMIN_DRAIN)
		snprintf(why, sizeof(why), "operator: drain for %u s", px->cfg->drain_time_s);
	else
		snprintf(why, sizeof(why), "operator");
	daemon_event(d, STATUS_EVENT_ADMIN, px->cfg->prefix, admin_state_names[px->admin],
		     admin_state_names[next[verb]], why);
	px->admin = next[verb];
	if (px->admin == ADMIN_NONE)
		px->admin_force = false;
	px->admin_since = px->admin == ADMIN_NONE ? 0 : ev_time();
	px->drain_until = px->admin == ADMIN_DRAIN ? px->admin_since + px->cfg->drain_time_s : 0;
	daemon_prefix_apply(d, idx, false);
	daemon_drain_schedule(d);
	return 0;
}

int
daemon_admin(struct daemon *d, enum daemon_admin_verb verb, const char *prefix, bool force,
	     char *err, size_t errlen)
{
	size_t i;
	int rc = 0;
	bool found = false;

	for (i = 0; i < d->cfg->n_prefixes; i++) {
		if (prefix != NULL && strcmp(prefix, d->prefixes[i].cfg->prefix) != 0)
			continue;
		found = true;
		if (daemon_admin_one(d, i, verb, force, err, errlen) < 0)
			rc = -1;
		if (prefix != NULL)
			break;
	}
	if (prefix != NULL && !found) {
		snprintf(err, errlen, "%s: no such prefix in the configuration", prefix);
		return -1;
	}
	daemon_overrides_save(d);
	return rc;
}
