/*
 * driver_frr.c - the FRR driver: a non-blocking client of bgpd's vty socket.
 *
 * bgpd announces a prefix for us while `router bgp ASN` has `network P` in
 * the right address family; `network P route-map RM` announces it degraded
 * (the degraded route-map prepends) or draining (the drain route-map adds
 * the GRACEFUL_SHUTDOWN community and prepends, RFC 8326), `no network P`
 * withdraws it.  Re-issuing `network P` with another route-map replaces the
 * statement, so moving between the announced forms is an update upstream.  We speak vtysh's
 * protocol on bgpd's own socket (frr_vty.c frames the replies): `enable`
 * once per connection, then batches of NUL-terminated commands, one reply
 * per command.  Such changes are run-time only: a bgpd restart or reload
 * drops them (protocols.md section 2), so after every connect and every
 * readback_interval_ms we read each prefix back with
 * `show bgp ipv4|ipv6 unicast P json`, report it, and re-assert the desired
 * state where bgpd differs.
 *
 * After a read-back that found bgpd settled, `show bgp neighbors json` and
 * each Established neighbor's `advertised-routes json` tell what every BGP
 * session carries; the whole table goes to cb->sessions()
 * (driver_sessions.h; the parsers are frr_sessions.c's).
 *
 * The connection (connect, backoff, reports) is driver_conn.c's; its
 * handshake here is `enable`, READY once bgpd answers it with status 0.
 *
 * One batch is in flight at a time (a read-back of every prefix, or an
 * apply), written in one go; command-timeout-ms runs from the write to the
 * first answer and again from each answer to the next, so a slow bgpd is
 * timed per command, not per batch.  set_desired() only records the wish:
 * the calls made in one loop iteration are flushed together by an
 * ev_prepare watcher (it runs once the iteration's callbacks are done,
 * before the loop sleeps) as one vty transaction, `configure terminal`,
 * `router bgp ASN`, per address family `address-family AFI unicast` and
 * every due prefix's `[no] network` line, `end`; one read-back of every
 * prefix follows it.  What to send next is derived from flags, not a
 * queue, so repeated set_desired() calls coalesce.  The callbacks may call
 * set_desired(), idle() and connected(), but must not destroy the driver.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "driver_conn.h"
#include "driver_frr.h"
#include "driver_sessions.h"
#include "frr_sessions.h"
#include "frr_vty.h"
#include "log.h"

#define FRR_REASON_MAX		200
#define FRR_PREFIX_MAX		64
/* One `no network P route-map RM` with its NUL, and a margin. */
#define FRR_LINE_ROOM		(FRR_PREFIX_MAX + DRIVER_FRR_NAME_MAX + 48)
/* An apply batch's commands beside its network lines: configure terminal,
 * router bgp, two address families, exit-address-family, end. */
#define FRR_FRAME_COMMANDS	6
/* No prefix: a command of the apply batch that is not a network line. */
#define FRR_NO_PREFIX		SIZE_MAX
/* bgpd takes a `no network` (and other changes) through its work queue,
 * ~50 ms after the command succeeded: a read-back that soon after an apply
 * may still show the old path.  It is only believed once this has passed. */
#define FRR_SETTLE_S		0.5
/* ... and is asked again this often meanwhile: an apply is confirmed by the
 * first read-back that shows it, as soon as bgpd has carried it out. */
#define FRR_CONFIRM_STEP_S	0.05
/* One advertised-routes query of a neighbor, with its NUL. */
#define FRR_ADV_ROOM		(BGP_SESSION_NAME_MAX + 64)
/* At most one query per neighbor and address family. */
#define FRR_ADV_MAX		(2 * BGP_SESSIONS_MAX)
/* A neighbor sent more prefixes than this in a family is not asked its
 * advertised-routes: at ~350 bytes of JSON a prefix the reply would pass
 * the vty parser's cap (FRR_VTY_TEXT_MAX, 1 MiB), and that drops the
 * connection.  The read fails instead (said once). */
#define FRR_ADV_ROUTES_MAX	2500

enum frr_op {
	FRR_OP_NONE,
	FRR_OP_ENABLE,
	FRR_OP_READBACK,	/* show bgp ... json, one per valid prefix */
	FRR_OP_APPLY,		/* the due prefixes' configure transaction */
	FRR_OP_NEIGHBORS,	/* show bgp neighbors json */
	FRR_OP_ADVERTISED,	/* ... advertised-routes json, per neighbor and family */
	FRR_OP__COUNT
};
static const char *const frr_op_names[FRR_OP__COUNT] = {
	[FRR_OP_NONE] = "none",
	[FRR_OP_ENABLE] = "enable",
	[FRR_OP_READBACK] = "read-back",
	[FRR_OP_APPLY] = "apply",
	[FRR_OP_NEIGHBORS] = "neighbors",
	[FRR_OP_ADVERTISED] = "advertised-routes",
};

/* One advertised-routes query: which neighbor (in the read's table), which
 * address family. */
struct frr_adv_query {
	size_t session;
	int family;
};

struct frr_prefix {
	char *prefix;
	int family;
	bool valid;
	enum route_state desired;
	enum route_state actual;	/* last read back or applied */
	enum route_state applied;	/* last applied on this connection */
	ev_tstamp applied_at;		/* ... when bgpd accepted it */
	bool apply_pending;
	bool in_batch;			/* scratch: its line goes in the batch being built */
	struct driver_retry retry;	/* re-applies after read-backs that disagree */
	bool sent;			/* a command for the current wish has gone out */
	char accepted[FRR_PREFIX_MAX + DRIVER_FRR_NAME_MAX + 32];	/* `network` line bgpd took */
	/* read-back scratch */
	bool seen;
	enum route_state seen_state;
	/* say things once */
	bool drift_logged;
	bool fail_logged;
	bool readback_logged;
	bool no_drain_logged;		/* draining wanted, no drain route-map */
	bool gshut_logged;		/* drained path without GRACEFUL_SHUTDOWN */
	bool plain_logged;		/* ... and without the prepends: no route-map */
};

/* The states announced through a route-map, with the config knob naming it. */
static const struct {
	enum route_state state;
	const char *what;		/* for log lines */
	const char *fallback;		/* what the state becomes without it */
} frr_route_map_kinds[] = {
	{ ROUTE_DEGRADED, "degraded", "degraded prefixes are announced plainly" },
	{ ROUTE_DRAINING, "drain", "draining prefixes are withdrawn" },
};
#define FRR_ROUTE_MAP_KINDS	(sizeof(frr_route_map_kinds) / sizeof(frr_route_map_kinds[0]))

/* One command of an apply batch: where its text is in wbuf, and for a
 * network line its prefix and the state it applies. */
struct frr_sent {
	size_t off;
	size_t index;			/* FRR_NO_PREFIX: configure, router, ... */
	enum route_state state;
};

struct driver {
	struct ev_loop *loop;
	struct driver_callbacks cb;
	void *arg;

	uint32_t asn;
	/* by state: DEGRADED's and DRAINING's route-map, NULL when none (or
	 * not a plain name): degraded is then announced plainly, draining
	 * withdrawn */
	char *route_map[ROUTE_STATE__COUNT];
	uint32_t readback_interval_ms;

	struct frr_prefix *prefixes;
	size_t n_prefixes;
	unsigned generation;		/* bumped by reconfigure */

	struct driver_conn conn;	/* its wbuf holds the batch in flight */
	ev_prepare flush;		/* the iteration's wishes, as one transaction */
	ev_timer readback_timer;
	ev_timer settle_timer;		/* a read-back once bgpd settled */
	struct frr_vty_parser parser;
	char proto_error[32];

	/* the batch in flight */
	enum frr_op inflight;
	unsigned inflight_generation;
	size_t *order;			/* READBACK: reply i is about prefix order[i] */
	struct frr_sent *apply;		/* APPLY: what command i is */
	size_t apply_cap;
	size_t replies_expected, replies_got;
	/* APPLY: the first failing command that is not a network line: the
	 * lines after it failed because of it */
	int fail_status;		/* -1 none */
	size_t fail_command;
	char fail_text[FRR_REASON_MAX];
	bool batch_failed;		/* a command of the batch failed */
	unsigned transactions;		/* apply batches written, for the tests */
	bool readback_pending;
	bool readback_first;		/* a new session: read back before any change */

	/* The BGP sessions (only with cb.sessions), read after every settled
	 * read-back (driver_sessions.h): `show bgp neighbors json`, then the
	 * advertised-routes of each Established neighbor in each address
	 * family it has and the config uses. */
	struct driver_sessions sess;
	unsigned sess_families;		/* FRR_SESSIONS_AF_* of the config's prefixes */
	struct frr_sessions_neighbor sess_info[BGP_SESSIONS_MAX];	/* per neighbor of the read */
	bool sess_due;			/* a read is to start */
	bool sess_adv_due;		/* its advertised-routes queries are to go */
	bool sess_bad;			/* this read: a reply was not what it should be */
	char sess_why[2 * FRR_REASON_MAX];
	struct frr_adv_query sess_query[FRR_ADV_MAX];	/* reply i answers query i */
	size_t sess_n_query;
};

static void driver_frr_pump(struct driver *d);
static void driver_frr_pump_sessions(struct driver *d);
static void driver_frr_neighbors_reply(struct driver *d, const struct frr_vty_event *ev);
static void driver_frr_advertised_reply(struct driver *d, const struct frr_vty_event *ev);
static void driver_frr_sessions_end(struct driver *d);
static void driver_frr_sessions_families(struct driver *d);

/* ---- names and text ---- */

bool
driver_frr_prefix_ok(const char *prefix)
{
	size_t i, slashes = 0;

	if (prefix == NULL || prefix[0] == '\0' || strlen(prefix) >= FRR_PREFIX_MAX)
		return false;
	for (i = 0; prefix[i] != '\0'; i++) {
		char c = prefix[i];

		if (c == '/')
			slashes++;
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			   (c >= 'A' && c <= 'F') || c == '.' || c == ':'))
			return false;
	}
	return slashes == 1;
}

bool
driver_frr_name_ok(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0' || strlen(name) > DRIVER_FRR_NAME_MAX)
		return false;
	for (i = 0; name[i] != '\0'; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\')
			return false;
	}
	return true;
}

static const char *
driver_frr_afi(int family)
{
	switch (family) {
	case AF_INET:
		return "ipv4";
	case AF_INET6:
		return "ipv6";
	default:
		return NULL;
	}
}

/* The `[no] network` line that gives `prefix` `state`; -1 when none does. */
static int
driver_frr_render_network(char *network, size_t size, const char *prefix,
			  enum route_state state, const char *route_map)
{
	switch (state) {
	case ROUTE_ANNOUNCED:
		snprintf(network, size, "network %s", prefix);
		return 0;
	case ROUTE_DEGRADED:
		if (route_map != NULL)
			snprintf(network, size, "network %s route-map %s", prefix, route_map);
		else
			snprintf(network, size, "network %s", prefix);
		return 0;
	case ROUTE_DRAINING:
		/* without the route-map there is no GRACEFUL_SHUTDOWN to send */
		if (route_map == NULL)
			return -1;
		snprintf(network, size, "network %s route-map %s", prefix, route_map);
		return 0;
	case ROUTE_WITHDRAWN:
		snprintf(network, size, "no network %s", prefix);
		return 0;
	case ROUTE_UNKNOWN:
	case ROUTE_STATE__COUNT:
	default:
		return -1;
	}
}

int
driver_frr_render_apply(char *buf, size_t size, uint32_t asn, const char *prefix, int family,
			enum route_state state, const char *route_map)
{
	const char *afi = driver_frr_afi(family);
	char network[FRR_LINE_ROOM];
	int n;

	if (afi == NULL ||
	    driver_frr_render_network(network, sizeof(network), prefix, state, route_map) == -1)
		return -1;
	/* snprintf cannot put the NULs in; print with placeholders, then swap. */
	n = snprintf(buf, size, "configure terminal\n" "router bgp %u\n"
		     "address-family %s unicast\n" "%s\n" "end\n", asn, afi, network);
	if (n < 0 || (size_t)n >= size)
		return -1;
	for (char *s = buf; (s = strchr(s, '\n')) != NULL; s++)
		*s = '\0';
	return n;
}

/* What a wish becomes on this router: the route-map states need their map. */
static enum route_state
driver_frr_effective(const struct driver *d, enum route_state s)
{
	if (s == ROUTE_DEGRADED && d->route_map[ROUTE_DEGRADED] == NULL)
		return ROUTE_ANNOUNCED;
	if (s == ROUTE_DRAINING && d->route_map[ROUTE_DRAINING] == NULL)
		return ROUTE_WITHDRAWN;
	return s;
}

/* The route-maps from the router config; the unusable ones said once. */
static void
driver_frr_route_maps(struct driver *d, const struct router_config *rc)
{
	const char *names[ROUTE_STATE__COUNT] = {
		[ROUTE_DEGRADED] = rc->frr_degraded_route_map,
		[ROUTE_DRAINING] = rc->frr_drain_route_map,
	};
	size_t i;

	for (i = 0; i < FRR_ROUTE_MAP_KINDS; i++) {
		enum route_state st = frr_route_map_kinds[i].state;

		if (names[st] == NULL)
			continue;
		if (driver_frr_name_ok(names[st]))
			d->route_map[st] = xstrdup(names[st]);
		else
			log_warnx("frr: %s route-map \"%s\" is not a plain name: %s",
				  frr_route_map_kinds[i].what, names[st],
				  frr_route_map_kinds[i].fallback);
	}
}

/* ---- prefixes ---- */

static void
driver_frr_prefixes_free(struct frr_prefix *ps, size_t n)
{
	size_t i;

	for (i = 0; ps != NULL && i < n; i++)
		free(ps[i].prefix);
	free(ps);
}

/* New prefix array from cfg; state carried over from `old` by prefix text. */
static struct frr_prefix *
driver_frr_prefixes_build(const struct config *cfg, const struct frr_prefix *old, size_t n_old)
{
	struct frr_prefix *ps;
	size_t i, j;

	ps = xcalloc(cfg->n_prefixes + 1, sizeof(*ps));
	for (i = 0; i < cfg->n_prefixes; i++) {
		const struct prefix_config *pc = &cfg->prefixes[i];
		struct frr_prefix *p = &ps[i];

		p->prefix = xstrdup(pc->prefix ? pc->prefix : "");
		p->family = pc->family;
		p->valid = driver_frr_prefix_ok(p->prefix) && driver_frr_afi(p->family) != NULL;
		if (!p->valid)
			log_warnx("%s: not a prefix bgpd can take: not driving it", p->prefix);
		p->desired = p->actual = p->applied = ROUTE_UNKNOWN;
		for (j = 0; j < n_old; j++) {
			if (strcmp(old[j].prefix, p->prefix) != 0)
				continue;
			p->actual = old[j].actual;
			p->applied = old[j].applied;
		}
	}
	return ps;
}

/* ---- connection ---- */

/* Starts a batch of `replies` commands already rendered into wbuf[0..len). */
static void
driver_frr_send(struct driver *d, enum frr_op op, size_t len, size_t replies)
{
	d->inflight = op;
	d->inflight_generation = d->generation;
	d->replies_expected = replies;
	d->replies_got = 0;
	d->batch_failed = false;
	d->fail_status = -1;
	d->fail_command = 0;
	d->fail_text[0] = '\0';
	log_debug("frr: > %s (%zu commands)", frr_op_names[op], replies);
	driver_conn_send(&d->conn, len);
}

static void
driver_frr_connected(struct driver *d)
{
	/* A new vty session starts in view mode: no `configure` before this. */
	memcpy(d->conn.wbuf, "enable", sizeof("enable"));
	driver_frr_send(d, FRR_OP_ENABLE, sizeof("enable"), 1);
}

static void
driver_frr_dropped(struct driver *d, const char *why)
{
	size_t i;

	if (strcmp(why, "timeout") == 0 && d->inflight != FRR_OP_NONE)
		log_debug("frr: %s timed out", frr_op_names[d->inflight]);
	ev_timer_stop(d->loop, &d->readback_timer);
	ev_timer_stop(d->loop, &d->settle_timer);
	d->inflight = FRR_OP_NONE;
	d->readback_pending = false;
	driver_sessions_abort(&d->sess);
	d->sess_due = d->sess_adv_due = false;
	/* bgpd may restart while we are away: what we configured may be gone. */
	for (i = 0; i < d->n_prefixes; i++) {
		d->prefixes[i].apply_pending = false;
		d->prefixes[i].applied = ROUTE_UNKNOWN;
		driver_conn_retry_reset(&d->prefixes[i].retry);
	}
	frr_vty_reset(&d->parser);
}

/* The router is out of sight: what it has is unknown until it is read back
 * (our own view, p->actual, stays: the next read-back tells drift by it). */
static void
driver_frr_lost(struct driver *d)
{
	unsigned gen = d->generation;
	size_t i;

	for (i = 0; i < d->n_prefixes && gen == d->generation; i++)
		if (d->cb.actual != NULL)
			d->cb.actual(d->arg, i, ROUTE_UNKNOWN);
}

static void
driver_frr_readback_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct driver *d = w->data;

	(void)loop;
	(void)revents;
	d->readback_pending = true;
	driver_frr_pump(d);
}

/* ---- sending ---- */

static void
driver_frr_send_readback(struct driver *d)
{
	size_t i, len = 0, n = 0;

	for (i = 0; i < d->n_prefixes; i++) {
		struct frr_prefix *p = &d->prefixes[i];

		p->seen = false;
		if (!p->valid)
			continue;
		len += (size_t)sprintf(d->conn.wbuf + len, "show bgp %s unicast %s json",
				       driver_frr_afi(p->family), p->prefix) + 1;
		d->order[n++] = i;
	}
	if (n == 0) {
		/* Nothing bgpd could tell us: still report, so nobody waits. */
		for (i = 0; i < d->n_prefixes; i++)
			if (d->cb.actual != NULL)
				d->cb.actual(d->arg, i, ROUTE_UNKNOWN);
		d->sess_due = d->cb.sessions != NULL;
		return;
	}
	driver_frr_send(d, FRR_OP_READBACK, len, n);
}

/* Appends one command of the apply batch at *len; `index` FRR_NO_PREFIX
 * for one that is not a network line. */
static void
driver_frr_append(struct driver *d, size_t *len, size_t index, enum route_state state,
		  const char *text)
{
	size_t n = strlen(text) + 1;

	memcpy(d->conn.wbuf + *len, text, n);
	d->apply[d->replies_expected++] = (struct frr_sent){ .off = *len, .index = index,
							     .state = state };
	*len += n;
}

/* Marks the prefixes whose line is due (in_batch); how many there are. */
static size_t
driver_frr_pick(struct driver *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->n_prefixes; i++) {
		struct frr_prefix *p = &d->prefixes[i];
		enum route_state want = driver_frr_effective(d, p->desired);

		p->in_batch = false;
		if (!p->apply_pending || driver_conn_retry_waiting(&d->conn, &p->retry))
			continue;
		p->apply_pending = false;
		if (want == ROUTE_UNKNOWN || want == p->actual || !p->valid)
			continue;
		p->in_batch = true;
		p->sent = true;
		p->retry.due = false;
		n++;
	}
	return n;
}

/* The network lines of family `family`'s due prefixes, under their
 * `address-family`; `open`: a previous family's node is to be left first. */
static bool
driver_frr_append_family(struct driver *d, size_t *len, int family, bool open)
{
	char line[FRR_LINE_ROOM];
	bool any = false;
	size_t i;

	for (i = 0; i < d->n_prefixes; i++) {
		struct frr_prefix *p = &d->prefixes[i];
		enum route_state want = driver_frr_effective(d, p->desired);

		if (!p->in_batch || p->family != family ||
		    driver_frr_render_network(line, sizeof(line), p->prefix, want,
					      d->route_map[want]) == -1)
			continue;
		if (!any && open)
			driver_frr_append(d, len, FRR_NO_PREFIX, ROUTE_UNKNOWN,
					  "exit-address-family");
		if (!any) {
			char af[64];

			snprintf(af, sizeof(af), "address-family %s unicast",
				 driver_frr_afi(family));
			driver_frr_append(d, len, FRR_NO_PREFIX, ROUTE_UNKNOWN, af);
		}
		any = true;
		driver_frr_append(d, len, i, want, line);
	}
	return any;
}

/* One transaction for every due prefix; false when none is due. */
static bool
driver_frr_send_apply(struct driver *d)
{
	char router[32];
	size_t len = 0;
	bool open;

	if (driver_frr_pick(d) == 0)
		return false;
	d->replies_expected = 0;
	snprintf(router, sizeof(router), "router bgp %u", d->asn);
	driver_frr_append(d, &len, FRR_NO_PREFIX, ROUTE_UNKNOWN, "configure terminal");
	driver_frr_append(d, &len, FRR_NO_PREFIX, ROUTE_UNKNOWN, router);
	open = driver_frr_append_family(d, &len, AF_INET, false);
	driver_frr_append_family(d, &len, AF_INET6, open);
	driver_frr_append(d, &len, FRR_NO_PREFIX, ROUTE_UNKNOWN, "end");
	d->transactions++;
	driver_frr_send(d, FRR_OP_APPLY, len, d->replies_expected);
	return true;
}

/* Sends the read-back if one is pending; true when it went out (or the
 * connection went away meanwhile). */
static bool
driver_frr_pump_readback(struct driver *d)
{
	if (!d->readback_pending)
		return false;
	d->readback_pending = false;
	d->readback_first = false;
	driver_frr_send_readback(d);
	return d->inflight != FRR_OP_NONE || d->conn.state != DRIVER_CONN_READY;
}

/*
 * Sends the next batch if nothing is in flight: the read-back of a new
 * session first, then changes, then a periodic read-back, then the BGP
 * sessions.  Changes go
 * before the periodic read-back: a bgpd slower to answer it than
 * readback-interval-ms would otherwise never get the re-assert.
 */
static void
driver_frr_pump(struct driver *d)
{
	if (d->conn.state != DRIVER_CONN_READY || d->inflight != FRR_OP_NONE)
		return;
	if (d->readback_first && driver_frr_pump_readback(d))
		return;
	if (driver_frr_send_apply(d))
		return;
	if (driver_frr_pump_readback(d))
		return;
	driver_frr_pump_sessions(d);
}

/* The ev_prepare watcher: what this iteration's set_desired() calls
 * wished, in one transaction. */
static void
driver_frr_flush_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	(void)revents;
	ev_prepare_stop(loop, w);
	driver_frr_pump(w->data);
}

/* ---- replies ---- */

/* "status-13 (warning-config-failed): BGP is already running; AS is 65002" */
static void
driver_frr_status_text(char *buf, size_t size, int status, const char *text)
{
	size_t n;

	n = (size_t)snprintf(buf, size, "status-%d (%s)", status, frr_vty_status_name(status));
	if (text != NULL && text[0] != '\0' && n < size)
		snprintf(buf + n, size - n, ": %.*s", (int)strcspn(text, "\n"), text);
}

/*
 * A local path's state.  GRACEFUL_SHUTDOWN on it is draining whoever put it
 * there (unless we configured degraded: a degraded route-map may add it
 * too); this is what tells draining from announced, also after a
 * reconnect.  Between announced and degraded what we configured decides;
 * after a reconnect the prepends are the best guess (a wrong one is only
 * re-asserted).
 */
static enum route_state
driver_frr_classify(const struct driver *d, struct frr_prefix *p,
		    const struct frr_bgp_readback *rb)
{
	if (!rb->present)
		return ROUTE_WITHDRAWN;
	if (rb->gshut && p->applied != ROUTE_DEGRADED) {
		p->gshut_logged = p->plain_logged = false;
		return ROUTE_DRAINING;
	}
	if (p->applied == ROUTE_DRAINING && rb->prepends != 0 && !p->gshut_logged) {
		/* the route-map's prepends are there, its community is not:
		 * re-asserted at every read-back, said once */
		log_warnx("%s: bgpd announces it without GRACEFUL_SHUTDOWN: does route-map %s "
			  "`set community graceful-shutdown additive`? see docs/frr.md",
			  p->prefix, d->route_map[ROUTE_DRAINING]);
		p->gshut_logged = true;
	} else if (p->applied == ROUTE_DRAINING && rb->prepends == 0 && !p->plain_logged) {
		/* neither community nor prepends: the statement lost its
		 * route-map (a hand `network P`); the route-map is not to blame */
		log_warnx("%s: bgpd announces it from a `network` line without route-map %s "
			  "(no GRACEFUL_SHUTDOWN, no prepends)", p->prefix,
			  d->route_map[ROUTE_DRAINING]);
		p->plain_logged = true;
	}
	if (d->route_map[ROUTE_DEGRADED] != NULL &&
	    (p->applied == ROUTE_DEGRADED || (p->applied == ROUTE_UNKNOWN && rb->prepends > 0)))
		return ROUTE_DEGRADED;
	return ROUTE_ANNOUNCED;
}

static void
driver_frr_readback_reply(struct driver *d, const struct frr_vty_event *ev)
{
	struct frr_prefix *p;
	struct frr_bgp_readback rb;
	char why[FRR_REASON_MAX];
	const char *bad;

	if (d->inflight_generation != d->generation || d->replies_got >= d->replies_expected)
		return;
	p = &d->prefixes[d->order[d->replies_got]];
	why[0] = '\0';
	if (ev->status != FRR_VTY_SUCCESS)
		driver_frr_status_text(why, sizeof(why), ev->status, ev->text);
	else if (frr_vty_parse_bgp_prefix(ev->text, ev->len, &rb, &bad) == -1)
		snprintf(why, sizeof(why), "%s", bad);
	if (why[0] != '\0') {
		if (!p->readback_logged)
			log_warnx("%s: cannot read it back from bgpd: %s", p->prefix, why);
		p->readback_logged = true;
		return;
	}
	if (p->readback_logged)
		log_info("%s: read back from bgpd again", p->prefix);
	p->readback_logged = false;
	p->seen = true;
	p->seen_state = driver_frr_classify(d, p, &rb);
}

/* True (and a read-back is scheduled) when `p` differs from what we applied
 * so recently that bgpd may not have carried it out yet. */
static bool
driver_frr_unsettled(struct driver *d, const struct frr_prefix *p)
{
	ev_tstamp left = p->applied_at + FRR_SETTLE_S - driver_conn_now();

	if (!p->seen || p->applied == ROUTE_UNKNOWN || p->seen_state == p->applied || left <= 0)
		return false;
	if (!ev_is_active(&d->settle_timer)) {
		ev_timer_set(&d->settle_timer, left < FRR_CONFIRM_STEP_S ? left : FRR_CONFIRM_STEP_S,
			     0.);
		ev_timer_start(d->loop, &d->settle_timer);
	}
	return true;
}

static void
driver_frr_readback_done(struct driver *d)
{
	unsigned gen = d->generation;
	size_t i;

	if (d->inflight_generation != gen) {
		d->readback_pending = true;	/* the prefix list changed under it */
		return;
	}
	/* the sessions once bgpd shows what we applied */
	d->sess_due = d->cb.sessions != NULL;
	for (i = 0; i < d->n_prefixes; i++) {
		struct frr_prefix *p = &d->prefixes[i];
		enum route_state want = driver_frr_effective(d, p->desired);
		bool was_right = p->actual == want;

		/* keep what we applied until bgpd has settled */
		if (driver_frr_unsettled(d, p)) {
			d->sess_due = false;
			continue;
		}
		p->actual = p->seen ? p->seen_state : ROUTE_UNKNOWN;
		if (want == ROUTE_UNKNOWN || p->actual == ROUTE_UNKNOWN || p->actual == want) {
			p->drift_logged = false;
			if (p->actual != ROUTE_UNKNOWN)
				driver_conn_retry_agreed(&d->conn, &p->retry, p->prefix, p->actual);
			continue;
		}
		p->apply_pending = true;
		/* `network P` taken but no path (import-check, P not in the RIB) */
		if (driver_conn_retry_check(&d->conn, &p->retry, p->sent, p->prefix,
					    p->accepted, p->actual, want))
			continue;
		/* Drift is bgpd moving away from what we had put there
		 * (restart, reload, a hand): not a first apply, not a retry. */
		if (p->drift_logged || !was_right)
			continue;
		p->drift_logged = true;
		log_warnx("%s: bgpd has it %s, want %s: re-asserting", p->prefix,
			  route_state_names[p->actual], route_state_names[want]);
		if (d->cb.drift != NULL)
			d->cb.drift(d->arg, i, p->actual, want);
		if (gen != d->generation)
			return;
	}
	for (i = 0; i < d->n_prefixes && gen == d->generation; i++)
		if (d->cb.actual != NULL)
			d->cb.actual(d->arg, i, d->prefixes[i].actual);
}

/* A network line's failure, or the failure before it that made it fail,
 * said once per prefix. */
static void
driver_frr_line_refused(struct driver *d, struct frr_prefix *p, size_t cmd,
			const struct frr_vty_event *ev)
{
	char why[FRR_REASON_MAX + 64];

	if (d->fail_status != -1) {
		cmd = d->fail_command;
		driver_frr_status_text(why, sizeof(why), d->fail_status, d->fail_text);
	} else {
		driver_frr_status_text(why, sizeof(why), ev->status, ev->text);
	}
	if (!p->fail_logged)
		log_warnx("%s: bgpd refused `%s`: %s", p->prefix,
			  d->conn.wbuf + d->apply[cmd].off, why);
	p->fail_logged = true;
	p->accepted[0] = '\0';
	/* Retried by the next periodic read-back only, so a refusing bgpd is
	 * not hammered. */
}

/* bgpd took prefix `index`'s line: it is applied (until a read-back says
 * otherwise). */
static void
driver_frr_line_taken(struct driver *d, size_t index, const struct frr_sent *e)
{
	struct frr_prefix *p = &d->prefixes[index];

	if (p->fail_logged)
		log_info("%s: bgpd accepted it again", p->prefix);
	p->fail_logged = false;
	snprintf(p->accepted, sizeof(p->accepted), "%s", d->conn.wbuf + e->off);
	p->actual = p->applied = e->state;
	p->applied_at = driver_conn_now();
	log_info("%s: %s in bgpd", p->prefix, route_state_names[p->actual]);
	/* bgpd's status 0 is not its word that it shows it (import-check):
	 * read back once the batch is done.  The read-back that shows it
	 * confirms the apply (and ends any retry episode), so a change after
	 * it is drift, also one made long before the next periodic read-back. */
	d->readback_pending = true;
	if (d->cb.actual != NULL)
		d->cb.actual(d->arg, index, p->actual);
}

/* One reply of an apply batch, matched to its command by its place. */
static void
driver_frr_apply_reply(struct driver *d, const struct frr_vty_event *ev)
{
	size_t cmd = d->replies_got;
	const struct frr_sent *e = &d->apply[cmd];
	bool ok = ev->status == FRR_VTY_SUCCESS;

	/* `no network P` for a prefix bgpd does not have: already withdrawn. */
	if (!ok && e->index != FRR_NO_PREFIX && e->state == ROUTE_WITHDRAWN &&
	    strstr(ev->text, "Can't find") != NULL)
		ok = true;
	if (!ok)
		d->batch_failed = true;
	if (e->index == FRR_NO_PREFIX) {
		if (!ok && d->fail_status == -1) {
			d->fail_status = ev->status;
			d->fail_command = cmd;
			snprintf(d->fail_text, sizeof(d->fail_text), "%s", ev->text);
		}
		return;
	}
	if (d->inflight_generation != d->generation || e->index >= d->n_prefixes) {
		/* The prefix list changed under the batch: learn the truth again. */
		d->readback_pending = true;
		return;
	}
	if (!ok || d->fail_status != -1)
		driver_frr_line_refused(d, &d->prefixes[e->index], cmd, ev);
	else
		driver_frr_line_taken(d, e->index, e);
}

static void
driver_frr_batch_done(struct driver *d)
{
	enum frr_op op = d->inflight;

	ev_timer_stop(d->loop, &d->conn.command_timer);
	d->inflight = FRR_OP_NONE;
	d->conn.wlen = d->conn.woff = 0;
	if (op == FRR_OP_READBACK)
		driver_frr_readback_done(d);
	if (op == FRR_OP_ADVERTISED)
		driver_frr_sessions_end(d);
	if (op != FRR_OP_APPLY || !d->batch_failed)
		driver_conn_ok(&d->conn);
}

static void
driver_frr_enable_reply(struct driver *d, const struct frr_vty_event *ev)
{
	char why[FRR_REASON_MAX + 32], st[FRR_REASON_MAX];

	ev_timer_stop(d->loop, &d->conn.command_timer);
	d->inflight = FRR_OP_NONE;
	if (ev->status != FRR_VTY_SUCCESS) {
		driver_frr_status_text(st, sizeof(st), ev->status, ev->text);
		snprintf(why, sizeof(why), "protocol-error: enable %s", st);
		driver_conn_drop(&d->conn, why);
		return;
	}
	/* A new session is a new bgpd, or one that lost us: what it lacks now is
	 * a new drift, logged and counted even if the last one was repaired too
	 * recently for a read-back to have confirmed it. */
	for (size_t i = 0; i < d->n_prefixes; i++)
		d->prefixes[i].drift_logged = false;
	/* Read back before anything else, also before whatever the connection
	 * callback asks for. */
	d->readback_pending = d->readback_first = true;
	ev_timer_set(&d->readback_timer, d->readback_interval_ms / 1000.0,
		     d->readback_interval_ms / 1000.0);
	ev_timer_start(d->loop, &d->readback_timer);
	driver_conn_ready(&d->conn, NULL);
}

/* Parser callback: non-zero stops feeding because the connection is gone. */
static int
driver_frr_event_cb(void *arg, const struct frr_vty_event *ev)
{
	struct driver *d = arg;
	unsigned serial = d->conn.serial;

	if (ev->kind == FRR_VTY_ERROR) {
		snprintf(d->proto_error, sizeof(d->proto_error), "%s", ev->text);
		return 0;
	}
	log_debug("frr: < status %d, %zu bytes", ev->status, ev->len);
	switch (d->inflight) {
	case FRR_OP_ENABLE:
		driver_frr_enable_reply(d, ev);
		break;
	case FRR_OP_READBACK:
		driver_frr_readback_reply(d, ev);
		break;
	case FRR_OP_APPLY:
		driver_frr_apply_reply(d, ev);
		break;
	case FRR_OP_NEIGHBORS:
		driver_frr_neighbors_reply(d, ev);
		break;
	case FRR_OP_ADVERTISED:
		driver_frr_advertised_reply(d, ev);
		break;
	case FRR_OP_NONE:
	default:
		driver_conn_drop(&d->conn, "protocol-error: unsolicited-reply");
		return 1;
	}
	if (serial != d->conn.serial)
		return 1;
	if (d->inflight != FRR_OP_NONE && ++d->replies_got == d->replies_expected)
		driver_frr_batch_done(d);
	else if (d->inflight != FRR_OP_NONE)
		/* command-timeout-ms is per command: bgpd works through a batch
		 * one command after the other, so each answer restarts it. */
		driver_conn_start_timer(&d->conn);
	if (serial != d->conn.serial)
		return 1;
	driver_frr_pump(d);
	return serial != d->conn.serial;
}

static void
driver_frr_readable(struct driver *d, const char *buf, size_t len)
{
	char why[FRR_REASON_MAX];

	if (frr_vty_feed(&d->parser, buf, len, driver_frr_event_cb, d) == -1) {
		snprintf(why, sizeof(why), "protocol-error: %s", d->proto_error);
		driver_conn_drop(&d->conn, why);
	}
}

static const struct driver_conn_ops driver_frr_conn_ops = {
	.name = "frr",
	.channel = "vty",
	.handshake = "enable",
	.speaker = "bgpd",
	.connected = driver_frr_connected,
	.readable = driver_frr_readable,
	.dropped = driver_frr_dropped,
	.lost = driver_frr_lost,
	.retry = driver_frr_pump,
};

/* ---- BGP sessions ----
 * Read only when someone takes them (cb.sessions), after every read-back
 * that found bgpd settled (after connect, periodic, and the one that
 * confirms an apply).  A neighbor not Established advertises nothing, so
 * it is not asked; nor is a family the neighbor lacks or no config prefix
 * is in.  bgpd's "No such neighbor" (the neighbor went away between the
 * two questions) counts as nothing advertised; any other odd reply spoils
 * the read, and the last table stays. */

/* The address families of the config's prefixes. */
static void
driver_frr_sessions_families(struct driver *d)
{
	d->sess_families = 0;
	for (size_t i = 0; i < d->n_prefixes; i++)
		if (d->prefixes[i].valid)
			d->sess_families |= d->prefixes[i].family == AF_INET6 ?
				FRR_SESSIONS_AF_IPV6 : FRR_SESSIONS_AF_IPV4;
}

/* The read under way is spoilt: `what` was wrong (the first thing said). */
static void
driver_frr_sessions_bad(struct driver *d, const char *what, const char *detail)
{
	if (d->sess_bad)
		return;
	d->sess_bad = true;
	snprintf(d->sess_why, sizeof(d->sess_why), "%.150s: %.199s", what, detail);
}

static void
driver_frr_neighbors_reply(struct driver *d, const struct frr_vty_event *ev)
{
	struct bgp_sessions t;
	size_t more = 0;
	const char *bad = NULL;
	char why[FRR_REASON_MAX];

	if (!d->sess.reading)
		return;
	if (ev->status != FRR_VTY_SUCCESS) {
		driver_frr_status_text(why, sizeof(why), ev->status, ev->text);
		driver_frr_sessions_bad(d, "`show bgp neighbors json` failed", why);
	} else if (frr_sessions_parse_neighbors(ev->text, ev->len, &t, d->sess_info, &more,
						&bad) == -1) {
		driver_frr_sessions_bad(d, "bad `show bgp neighbors json` reply", bad);
	}
	if (d->sess_bad) {
		driver_sessions_fail(&d->sess, d->sess_why);
		return;
	}
	for (size_t i = 0; i < t.n; i++)
		driver_sessions_add(&d->sess, &t.s[i]);
	d->sess.ignored = more;
	d->sess_adv_due = true;
}

struct frr_mark {
	struct driver *d;
	size_t session;
};

static void
driver_frr_mark_cb(void *arg, const char *prefix)
{
	struct frr_mark *m = arg;

	driver_sessions_mark(&m->d->sess, m->session, prefix);
}

static void
driver_frr_advertised_reply(struct driver *d, const struct frr_vty_event *ev)
{
	const struct frr_adv_query *q;
	struct frr_mark m;
	const char *bad = NULL;
	char why[FRR_REASON_MAX], what[BGP_SESSION_NAME_MAX + 48];
	int rc;

	if (!d->sess.reading || d->replies_got >= d->sess_n_query)
		return;
	q = &d->sess_query[d->replies_got];
	m = (struct frr_mark){ .d = d, .session = q->session };
	snprintf(what, sizeof(what), "`... neighbors %s advertised-routes json` (%s)",
		 d->sess.next.s[q->session].name, driver_frr_afi(q->family));
	rc = frr_sessions_parse_advertised(ev->text, ev->len, driver_frr_mark_cb, &m, &bad);
	if (rc == 0 && ev->status == FRR_VTY_SUCCESS)
		return;
	if (rc == 1 && ev->status == FRR_VTY_WARNING) {
		log_debug("frr: %s: no such neighbor or family", what);
		return;
	}
	driver_frr_status_text(why, sizeof(why), ev->status, rc == -1 ? bad : "");
	driver_frr_sessions_bad(d, what, why);
}

/* A neighbor sent too many prefixes to list: the read cannot be whole. */
static void
driver_frr_sessions_too_many(struct driver *d, const char *name, int family,
			     unsigned long sent)
{
	char what[BGP_SESSION_NAME_MAX + 64], detail[96];

	snprintf(what, sizeof(what), "neighbor %s is sent %lu %s prefixes", name, sent,
		 driver_frr_afi(family));
	snprintf(detail, sizeof(detail), "more than %d, too many to list", FRR_ADV_ROUTES_MAX);
	driver_frr_sessions_bad(d, what, detail);
}

/* The advertised-routes queries of the read: one per Established
 * neighbor and family in use; how many bytes they take in wbuf. */
static size_t
driver_frr_render_queries(struct driver *d)
{
	size_t len = 0;

	d->sess_n_query = 0;
	for (size_t i = 0; i < d->sess.next.n; i++) {
		const struct bgp_session *s = &d->sess.next.s[i];

		if (!s->established)
			continue;
		if (!driver_frr_name_ok(s->name)) {
			driver_frr_sessions_bad(d, "neighbor name not usable in a command", s->name);
			continue;
		}
		for (int f = 0; f < 2; f++) {
			unsigned af = f == 0 ? FRR_SESSIONS_AF_IPV4 : FRR_SESSIONS_AF_IPV6;
			int family = f == 0 ? AF_INET : AF_INET6;

			if (!(d->sess_info[i].afs & d->sess_families & af))
				continue;
			if (d->sess_info[i].sent[f] > FRR_ADV_ROUTES_MAX) {
				driver_frr_sessions_too_many(d, s->name, family,
							     d->sess_info[i].sent[f]);
				continue;
			}
			d->sess_query[d->sess_n_query++] = (struct frr_adv_query){ i, family };
			len += (size_t)sprintf(d->conn.wbuf + len,
					       "show bgp %s unicast neighbors %s advertised-routes json",
					       driver_frr_afi(family), s->name) + 1;
		}
	}
	return len;
}

/* The read is whole once every advertised-routes reply is in. */
static void
driver_frr_sessions_end(struct driver *d)
{
	if (d->sess_bad)
		driver_sessions_fail(&d->sess, d->sess_why);
	else
		driver_sessions_publish(&d->sess, &d->cb, d->arg);
}

/* Sends the sessions' next question if one is due. */
static void
driver_frr_pump_sessions(struct driver *d)
{
	static const char neighbors[] = "show bgp neighbors json";
	size_t len;

	if (d->sess_due) {
		d->sess_due = d->sess_adv_due = false;
		driver_sessions_begin(&d->sess);
		d->sess_bad = false;
		memcpy(d->conn.wbuf, neighbors, sizeof(neighbors));
		driver_frr_send(d, FRR_OP_NEIGHBORS, sizeof(neighbors), 1);
		return;
	}
	if (!d->sess_adv_due)
		return;
	d->sess_adv_due = false;
	len = driver_frr_render_queries(d);
	if (d->sess_n_query == 0 || d->sess_bad) {
		driver_frr_sessions_end(d);
		return;
	}
	driver_frr_send(d, FRR_OP_ADVERTISED, len, d->sess_n_query);
}

/* ---- driver_ops ---- */

/* Room for the read-back batch of every prefix, or one apply batch.  realloc
 * keeps a batch that is still being written. */
static void
driver_frr_size_buffers(struct driver *d)
{
	size_t wsize = FRR_VTY_COMMAND_MAX + (d->n_prefixes + 1) * FRR_LINE_ROOM +
		FRR_ADV_MAX * FRR_ADV_ROOM;
	size_t cap = d->n_prefixes + FRR_FRAME_COMMANDS;

	d->conn.wbuf = realloc(d->conn.wbuf, wsize);
	d->order = realloc(d->order, (d->n_prefixes + 1) * sizeof(*d->order));
	/* only grows: a batch in flight for a longer list keeps its entries */
	if (cap > d->apply_cap) {
		d->apply = realloc(d->apply, cap * sizeof(*d->apply));
		d->apply_cap = cap;
	}
	if (d->conn.wbuf == NULL || d->order == NULL || d->apply == NULL)
		fatal("realloc");
}

static struct driver *
driver_frr_create(struct ev_loop *loop, const struct config *cfg,
		  const struct driver_callbacks *cb, void *arg)
{
	struct driver *d;

	d = xcalloc(1, sizeof(*d));
	d->loop = loop;
	if (cb != NULL)
		d->cb = *cb;
	d->arg = arg;
	d->asn = cfg->router.frr_asn;
	driver_frr_route_maps(d, &cfg->router);
	d->readback_interval_ms = cfg->router.readback_interval_ms ?
		cfg->router.readback_interval_ms : 10000;
	frr_vty_init(&d->parser, 0);
	d->prefixes = driver_frr_prefixes_build(cfg, NULL, 0);
	d->n_prefixes = cfg->n_prefixes;
	driver_frr_size_buffers(d);
	driver_sessions_init(&d->sess, "frr", cfg);
	driver_frr_sessions_families(d);

	ev_timer_init(&d->readback_timer, driver_frr_readback_cb, 0., 0.);
	ev_timer_init(&d->settle_timer, driver_frr_readback_cb, 0., 0.);
	ev_prepare_init(&d->flush, driver_frr_flush_cb);
	d->readback_timer.data = d->settle_timer.data = d->flush.data = d;
	driver_conn_init(&d->conn, loop, &driver_frr_conn_ops, d, &d->cb, arg, &cfg->router,
			 cfg->router.control_socket ? cfg->router.control_socket :
			 "/run/frr/bgpd.vty");
	return d;
}

static void
driver_frr_reconfigure(struct driver *d, const struct config *cfg)
{
	struct frr_prefix *ps;

	ps = driver_frr_prefixes_build(cfg, d->prefixes, d->n_prefixes);
	driver_frr_prefixes_free(d->prefixes, d->n_prefixes);
	d->prefixes = ps;
	d->n_prefixes = cfg->n_prefixes;
	d->generation++;
	/* A batch in flight for the old list is ignored when it completes
	 * (generation) and read back again. */
	driver_frr_size_buffers(d);
	driver_sessions_reconfigure(&d->sess, cfg);
	driver_frr_sessions_families(d);
	d->sess_adv_due = false;
	if (d->conn.state == DRIVER_CONN_READY) {
		d->readback_pending = true;
		driver_frr_pump(d);
	}
}

static void
driver_frr_set_desired(struct driver *d, size_t index, enum route_state desired,
		       const char *why)
{
	struct frr_prefix *p;

	(void)why;	/* bgpd has no place for it; the daemon logs it */
	if (index >= d->n_prefixes) {
		log_warnx("frr: set_desired for prefix %zu of %zu", index, d->n_prefixes);
		return;
	}
	p = &d->prefixes[index];
	if (desired != p->desired) {
		p->drift_logged = false;
		driver_conn_retry_reset(&p->retry);	/* a new wish is not a retry */
		p->sent = false;
	}
	p->desired = desired;
	if (desired == ROUTE_UNKNOWN)
		return;
	if (desired == ROUTE_DRAINING && d->route_map[ROUTE_DRAINING] == NULL &&
	    !p->no_drain_logged) {
		log_warnx("%s: no drain route-map: withdrawn instead of draining; see docs/frr.md",
			  p->prefix);
		p->no_drain_logged = true;
	}
	/* With the iteration's other wishes, in one transaction. */
	if (d->conn.state == DRIVER_CONN_READY) {
		p->apply_pending = true;
		ev_prepare_start(d->loop, &d->flush);
	}
}

static bool
driver_frr_idle(const struct driver *d)
{
	size_t i;

	if (d->conn.state != DRIVER_CONN_READY)
		return true;
	if (d->inflight != FRR_OP_NONE || d->readback_pending)
		return false;
	for (i = 0; i < d->n_prefixes; i++)
		if (d->prefixes[i].apply_pending)
			return false;
	return true;
}

static bool
driver_frr_is_connected(const struct driver *d)
{
	return d->conn.state == DRIVER_CONN_READY;
}

static void
driver_frr_destroy(struct driver *d)
{
	if (d == NULL)
		return;
	driver_conn_free(&d->conn);
	ev_prepare_stop(d->loop, &d->flush);
	ev_timer_stop(d->loop, &d->readback_timer);
	ev_timer_stop(d->loop, &d->settle_timer);
	frr_vty_free(&d->parser);
	driver_sessions_free(&d->sess);
	driver_frr_prefixes_free(d->prefixes, d->n_prefixes);
	free(d->order);
	free(d->apply);
	for (size_t i = 0; i < ROUTE_STATE__COUNT; i++)
		free(d->route_map[i]);
	free(d);
}

const struct driver_ops driver_frr_ops = {
	.name = "frr",
	.create = driver_frr_create,
	.reconfigure = driver_frr_reconfigure,
	.set_desired = driver_frr_set_desired,
	.idle = driver_frr_idle,
	.connected = driver_frr_is_connected,
	.destroy = driver_frr_destroy,
};

uint32_t
driver_frr_reconnect_delay_ms(const struct driver *d)
{
	return d->conn.armed_delay_ms;
}

uint32_t
driver_frr_retry_delay_ms(const struct driver *d)
{
	return d->conn.retry_armed_ms;
}

unsigned
driver_frr_transactions(const struct driver *d)
{
	return d->transactions;
}
