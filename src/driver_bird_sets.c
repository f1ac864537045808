/*
 * driver_bird_sets.c - the BIRD 2 driver for the prefix-sets pattern
 * (router/bird/pattern "prefix-sets", docs/bird.md).
 *
 * One static protocol per address family (anycast_sets4, anycast_sets6)
 * carries every prefix; its import filter lets a route through only when
 * the prefix is in a set of the state file (bird_sets.h).  A batch of
 * changes is one state-file write and one `configure`: BIRD reloads the
 * static protocol through the new filter and the BGP sessions get ordinary
 * route updates, milliseconds for 1,000 prefixes where enabling and
 * disabling 1,000 protocols takes BIRD seconds (docs/performance.md).
 *
 * The read-back reads BIRD, not the file: per family with prefixes,
 *   show route protocol anycast_sets4                          (announced in some form)
 *   show route protocol anycast_sets4 where net ~ ANYCAST_DEGRADED4
 *   show route protocol anycast_sets4 where net ~ ANYCAST_DRAINING4
 * (the `where` evaluates the sets BIRD has loaded).  It runs after every
 * connect, every readback-interval-ms and right after every `configure`,
 * pipelined behind it.  A prefix that disagrees with its wish is applied
 * again (file, then `configure`) with the shared re-apply backoff
 * (driver_conn.h); a state file that differs from the daemon's choice (an
 * edit by hand) is rewritten on the next read-back.  A `configure` BIRD
 * refuses (an error anywhere in bird.conf: BIRD keeps its old config) is
 * logged with BIRD's words and retried with the same backoff.
 *
 * With a sessions callback, every read-back is followed by a read of the
 * BGP sessions (the contract of bgp_sessions.h, as driver_bird.c reads
 * them): `show protocols` (its BGP rows), then `show route export NAME`
 * per Established session, in windows, handed over whole.
 *
 * The connection is driver_conn.c's; BIRD's banner is the handshake.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bird_reply.h"
#include "bird_sessions.h"
#include "bird_sets.h"
#include "driver_bird_sets.h"
#include "driver_conn.h"
#include "driver_sessions.h"
#include "file_util.h"
#include "log.h"
#include "prefix_text.h"

/* Larger is not ours: rewritten.  1,000 prefixes are ~25 kB. */
#define BIRD_SETS_FILE_MAX	(1024 * 1024)
/* A `show route` entry line. */
#define BIRD_SETS_CODE_ROUTE	1007
/* A listing cut short by a `configure` (someone else's) */
#define BIRD_SETS_CODE_STOPPED	8004
/* Said by BIRD for `show route export` of a session that is not up. */
#define BIRD_SETS_NO_TABLES	"No valid tables"
#define BIRD_SETS_CODE_PROTO_LIST 1002
/* A batch: configure + three shows per family, or `show protocols`, or a
 * window of exports; each command well under BIRD_SETS_CMD_ROOM. */
#define BIRD_SETS_CMDS_MAX	(BGP_SESSIONS_MAX + 1 + 3 * BIRD_SETS_FAMILIES)
#define BIRD_SETS_CMD_ROOM	128
/* BIRD's control input buffer is 1024 bytes (see driver_bird.c): a window
 * of exports stays under it. */
#define BIRD_SETS_WINDOW	1000
#define BIRD_SETS_REASON_MAX	200

enum bird_sets_cmd { BSC_NONE, BSC_CONFIGURE, BSC_SHOW, BSC_PROTOCOLS, BSC_EXPORT };

struct bird_sets_sent {
	enum bird_sets_cmd cmd;
	int family;
	enum bird_sets_set set;		/* ANNOUNCED: the whole protocol */
	size_t session;			/* BSC_EXPORT: index in the read's sessions */
};

struct bird_sets_prefix {
	char *prefix;			/* canonical text, the config's */
	bool ipv6;
	enum route_state desired;
	enum route_state actual;	/* last read back */
	struct driver_retry retry;
	bool sent;			/* a configure went out for this wish */
	bool apply_pending;
	bool drift_logged;
	/* read-back scratch */
	bool present;
	bool in[BIRD_SETS__COUNT];
};

struct driver {
	struct ev_loop *loop;
	struct driver_callbacks cb;
	void *arg;
	char *state_file;
	uint32_t readback_interval_ms;

	struct bird_sets_prefix *prefixes;
	size_t n_prefixes;
	struct prefix_text_index index;
	bool has_family[BIRD_SETS_FAMILIES];
	unsigned generation;

	struct driver_conn conn;
	struct bird_reply_parser parser;
	ev_timer readback_timer;
	ev_prepare flush;
	char proto_error[32];

	struct bird_sets_sent sent[BIRD_SETS_CMDS_MAX];
	size_t n_sent, next_reply;
	unsigned batch_generation;
	bool readback_pending;
	bool readback_first;
	bool readback_ok;		/* every show of this read-back was answered */
	bool readback_cut;		/* one was cut short by a configure: ask again */
	bool file_dirty;
	bool file_warned;
	char accepted[32];		/* the last configure BIRD took, "" if refused */
	char configure_error[BIRD_SETS_REASON_MAX];	/* said once per text */
	char show_error[BIRD_SETS_REASON_MAX];
	unsigned file_writes, configures;

	/* the BGP sessions' read (only with cb.sessions) */
	struct driver_sessions sess;
	bool sess_rows_due;		/* `show protocols` next */
	bool sess_exports_due;		/* exports from sess_export_next on */
	size_t sess_export_next;
	bool sess_bad;			/* this read is spoilt: sess_why */
	char sess_why[BIRD_SETS_REASON_MAX];
};

static void driver_bird_sets_pump(struct driver *d);

/* ---- the state file ---- */

static enum route_state
driver_bird_sets_file_state(const struct bird_sets_prefix *p)
{
	if (p->desired != ROUTE_UNKNOWN)
		return p->desired;
	if (p->actual != ROUTE_UNKNOWN)
		return p->actual;
	return ROUTE_WITHDRAWN;
}

static char *
driver_bird_sets_render(const struct driver *d)
{
	struct bird_sets_entry *e = xcalloc(d->n_prefixes + 1, sizeof(*e));
	char *text;
	size_t i;

	for (i = 0; i < d->n_prefixes; i++)
		e[i] = (struct bird_sets_entry){ .prefix = d->prefixes[i].prefix,
			.ipv6 = d->prefixes[i].ipv6,
			.state = driver_bird_sets_file_state(&d->prefixes[i]) };
	text = bird_sets_render(e, d->n_prefixes);
	free(e);
	if (text == NULL)
		fatal("open_memstream");
	return text;
}

/* Brings the file in line with our choice: 1 written, 0 already so, -1 failed.
 * Compared with the disk, not with what we wrote: an operator may have
 * edited it. */
static int
driver_bird_sets_sync_file(struct driver *d)
{
	char *text = driver_bird_sets_render(d), *old;
	int rc = 0;

	d->file_dirty = false;
	old = file_read_all(d->state_file, BIRD_SETS_FILE_MAX);
	if (old == NULL || strcmp(old, text) != 0) {
		rc = file_write_atomic(d->state_file, text, 0644, false) == -1 ? -1 : 1;
		if (rc == -1 && !d->file_warned)
			log_warn("cannot write BIRD state file %s", d->state_file);
		if (rc == 1 && d->file_warned)
			log_info("BIRD state file %s written again", d->state_file);
		d->file_warned = rc == -1;
		d->file_writes += rc == 1;
	}
	free(old);
	free(text);
	return rc;
}

int
driver_bird_sets_write_initial_state(const struct config *cfg)
{
	struct bird_sets_entry *e;
	char *text;
	size_t i;
	int rc = 0;

	if (access(cfg->router.state_file, F_OK) == 0)
		return 0;
	e = xcalloc(cfg->n_prefixes + 1, sizeof(*e));
	for (i = 0; i < cfg->n_prefixes; i++)
		e[i] = (struct bird_sets_entry){ .prefix = cfg->prefixes[i].prefix,
			.ipv6 = cfg->prefixes[i].family == AF_INET6, .state = ROUTE_WITHDRAWN };
	text = bird_sets_render(e, cfg->n_prefixes);
	free(e);
	if (text == NULL)
		fatal("open_memstream");
	if (file_write_atomic(cfg->router.state_file, text, 0644, false) == -1) {
		log_warn("cannot write BIRD state file %s", cfg->router.state_file);
		rc = -1;
	}
	free(text);
	return rc;
}

/* ---- sending ---- */

static void
driver_bird_sets_append(struct driver *d, size_t *len, struct bird_sets_sent e)
{
	char *out = d->conn.wbuf + *len;
	int n;

	if (e.cmd == BSC_CONFIGURE)
		n = snprintf(out, BIRD_SETS_CMD_ROOM, "configure\n");
	else if (e.cmd == BSC_PROTOCOLS)
		n = snprintf(out, BIRD_SETS_CMD_ROOM, "show protocols\n");
	else if (e.cmd == BSC_EXPORT)
		n = snprintf(out, BIRD_SETS_CMD_ROOM, "show route export %s\n",
			     d->sess.next.s[e.session].name);
	else if (e.set == BIRD_SETS_ANNOUNCED)
		n = snprintf(out, BIRD_SETS_CMD_ROOM, "show route protocol %s\n",
			     bird_sets_protocol[e.family]);
	else
		n = snprintf(out, BIRD_SETS_CMD_ROOM, "show route protocol %s where net ~ %s\n",
			     bird_sets_protocol[e.family], bird_sets_name(e.set, e.family));
	log_debug("bird: > %.*s", n - 1, out);
	d->sent[d->n_sent++] = e;
	*len += (size_t)n;
}

/* The read-back's shows, appended; the scratch is cleared for them. */
static void
driver_bird_sets_append_readback(struct driver *d, size_t *len)
{
	enum bird_sets_set set;
	size_t i;
	int f;

	for (i = 0; i < d->n_prefixes; i++) {
		d->prefixes[i].present = false;
		memset(d->prefixes[i].in, 0, sizeof(d->prefixes[i].in));
	}
	d->readback_pending = d->readback_first = false;
	d->readback_ok = true;
	d->readback_cut = false;
	for (f = 0; f < BIRD_SETS_FAMILIES; f++) {
		if (!d->has_family[f])
			continue;
		for (set = BIRD_SETS_ANNOUNCED; set < BIRD_SETS__COUNT; set++)
			driver_bird_sets_append(d, len, (struct bird_sets_sent){
				.cmd = BSC_SHOW, .family = f, .set = set });
	}
}

/* ---- BGP sessions ----
 * Read after every read-back, when someone takes them (cb.sessions):
 * `show protocols` (its BGP rows: the sessions), then `show route export
 * NAME` per Established session in windows under BIRD_SETS_WINDOW bytes.
 * A session not Established exports nothing, so it is not asked. */

static void
driver_bird_sets_sessions_bad(struct driver *d, const char *what, const char *text, size_t len)
{
	if (d->sess_bad)
		return;
	d->sess_bad = true;
	snprintf(d->sess_why, sizeof(d->sess_why), "%s: \"%.*s\"", what,
		 (int)(len > 80 ? 80 : len), text);
}

/* A read-back is done: the sessions are read next. */
static void
driver_bird_sets_sessions_start(struct driver *d)
{
	if (d->cb.sessions == NULL)
		return;
	driver_sessions_begin(&d->sess);
	d->sess_bad = false;
	d->sess_rows_due = true;
	d->sess_exports_due = false;
}

static void
driver_bird_sets_sessions_stop(struct driver *d)
{
	driver_sessions_abort(&d->sess);
	d->sess_rows_due = d->sess_exports_due = false;
}

/* The read is over once its last export is answered: handed over whole,
 * or not at all. */
static void
driver_bird_sets_sessions_end(struct driver *d)
{
	if (d->sess_exports_due || d->sess_rows_due || !d->sess.reading)
		return;
	if (d->sess_bad)
		driver_sessions_fail(&d->sess, d->sess_why);
	else
		driver_sessions_publish(&d->sess, &d->cb, d->arg);
}

/* Appends `show protocols`, or the next window of exports; false when
 * nothing of the read is due. */
static bool
driver_bird_sets_append_sessions(struct driver *d, size_t *len)
{
	if (d->sess_rows_due) {
		d->sess_rows_due = false;
		driver_bird_sets_append(d, len, (struct bird_sets_sent){ .cmd = BSC_PROTOCOLS });
		return true;
	}
	if (!d->sess_exports_due)
		return false;
	for (; d->sess_export_next < d->sess.next.n; d->sess_export_next++) {
		if (!d->sess.next.s[d->sess_export_next].established)
			continue;
		if (d->n_sent > 0 && *len + BIRD_SETS_CMD_ROOM > BIRD_SETS_WINDOW)
			break;
		driver_bird_sets_append(d, len, (struct bird_sets_sent){
			.cmd = BSC_EXPORT, .session = d->sess_export_next });
	}
	if (d->sess_export_next == d->sess.next.n)
		d->sess_exports_due = false;
	if (d->n_sent > 0)
		return true;
	driver_bird_sets_sessions_end(d);	/* no session to ask */
	return false;
}

/* A line of `show protocols` (a BGP row is a session) or of `show route
 * export NAME` ("Table master4:", a net's first route, a blank-led other
 * route of it). */
static void
driver_bird_sets_sessions_line(struct driver *d, const struct bird_sets_sent *e,
			       const struct bird_reply_event *ev)
{
	char prefix[PREFIX_TEXT_MAX];
	struct bgp_session row;
	const char *why;
	int rc;

	if (!d->sess.reading)
		return;
	if (e->cmd == BSC_PROTOCOLS) {
		if (ev->code != BIRD_SETS_CODE_PROTO_LIST)
			return;
		rc = bird_sessions_parse_row(ev->text, ev->len, &row, &why);
		if (rc == 1)
			driver_sessions_add(&d->sess, &row);
		else if (rc == -1)
			driver_bird_sets_sessions_bad(d, why, ev->text, ev->len);
		return;
	}
	if (ev->len == 0 || ev->text[0] == ' ' || ev->text[0] == '\t' ||
	    (strncmp(ev->text, "Table ", 6) == 0 && ev->text[ev->len - 1] == ':'))
		return;
	if (ev->code == BIRD_SETS_CODE_ROUTE &&
	    bird_route_line_prefix(ev->text, ev->len, prefix, sizeof(prefix)))
		driver_sessions_mark(&d->sess, e->session, prefix);
	else
		driver_bird_sets_sessions_bad(d, "bad `show route export` line", ev->text, ev->len);
}

/* The end of `show protocols` or of one export. */
static void
driver_bird_sets_sessions_final(struct driver *d, const struct bird_sets_sent *e,
				const struct bird_reply_event *ev)
{
	if (!d->sess.reading)
		return;
	if (e->cmd == BSC_PROTOCOLS) {
		if (bird_reply_is_error(ev->code))
			driver_bird_sets_sessions_bad(d, "`show protocols` failed", ev->text, ev->len);
		d->sess_exports_due = !d->sess_bad;
		d->sess_export_next = 0;
		if (d->sess_bad)
			driver_sessions_fail(&d->sess, d->sess_why);
		return;
	}
	if (bird_reply_is_error(ev->code) && strcmp(ev->text, BIRD_SETS_NO_TABLES) != 0)
		driver_bird_sets_sessions_bad(d, "`show route export` failed", ev->text, ev->len);
}

/* True when some prefix waits to be applied and its backoff is over. */
static bool
driver_bird_sets_apply_due(struct driver *d)
{
	bool due = false;
	size_t i;

	for (i = 0; i < d->n_prefixes; i++)
		if (d->prefixes[i].apply_pending && d->prefixes[i].desired != ROUTE_UNKNOWN &&
		    !driver_conn_retry_waiting(&d->conn, &d->prefixes[i].retry))
			due = true;
	return due;
}

/* The file, then `configure` and a read-back behind it, in one write. */
static void
driver_bird_sets_append_apply(struct driver *d, size_t *len)
{
	size_t i;

	driver_bird_sets_sync_file(d);
	for (i = 0; i < d->n_prefixes; i++) {
		struct bird_sets_prefix *p = &d->prefixes[i];

		if (!p->apply_pending || p->desired == ROUTE_UNKNOWN ||
		    driver_conn_retry_waiting(&d->conn, &p->retry))
			continue;
		p->apply_pending = false;
		p->sent = true;
		p->retry.due = false;
	}
	driver_bird_sets_append(d, len, (struct bird_sets_sent){ .cmd = BSC_CONFIGURE });
	d->configures++;
}

/* The batch to send next, appended: a new session's read-back first, then
 * the changes due (with their read-back), then the BGP sessions' read,
 * then a periodic read-back.  False when nothing is due. */
static bool
driver_bird_sets_append_next(struct driver *d, size_t *len)
{
	if (!d->readback_first && driver_bird_sets_apply_due(d))
		driver_bird_sets_append_apply(d, len);
	else if (!d->readback_first && driver_bird_sets_append_sessions(d, len))
		return true;
	else if (!d->readback_pending)
		return false;
	driver_bird_sets_append_readback(d, len);
	return true;
}

/* Sends the next batch when none is in flight. */
static void
driver_bird_sets_pump(struct driver *d)
{
	size_t len = 0;

	if (d->conn.state != DRIVER_CONN_READY || d->n_sent > 0 ||
	    !driver_bird_sets_append_next(d, &len))
		return;
	d->next_reply = 0;
	d->batch_generation = d->generation;
	driver_conn_send(&d->conn, len);
}

static void
driver_bird_sets_flush_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct driver *d = w->data;

	(void)revents;
	ev_prepare_stop(loop, w);
	if (d->file_dirty)
		driver_bird_sets_sync_file(d);
	driver_bird_sets_pump(d);
}

static void
driver_bird_sets_readback_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct driver *d = w->data;

	(void)loop;
	(void)revents;
	d->readback_pending = true;
	driver_bird_sets_pump(d);
}

/* ---- replies ---- */

/* A 1007 line of a show: the prefix it lists, marked. */
static void
driver_bird_sets_route_line(struct driver *d, const struct bird_sets_sent *s,
			    const struct bird_reply_event *ev)
{
	char text[PREFIX_TEXT_MAX];
	size_t i;

	if (ev->code != BIRD_SETS_CODE_ROUTE ||
	    !bird_route_line_prefix(ev->text, ev->len, text, sizeof(text)) ||
	    !prefix_text_index_find(&d->index, text, &i) ||
	    d->prefixes[i].ipv6 != (s->family != 0))
		return;
	if (s->set == BIRD_SETS_ANNOUNCED)
		d->prefixes[i].present = true;
	else
		d->prefixes[i].in[s->set] = true;
}

static void
driver_bird_sets_log_drift(struct driver *d, size_t i, enum route_state want)
{
	struct bird_sets_prefix *p = &d->prefixes[i];

	if (p->drift_logged)
		return;
	p->drift_logged = true;
	log_warnx("%s: BIRD has %s, want %s: re-asserting", p->prefix,
		  route_state_names[p->actual], route_state_names[want]);
	if (d->cb.drift != NULL)
		d->cb.drift(d->arg, i, p->actual, want);
}

/* One prefix after a read-back: agreed, or applied again (a retry, or
 * drift when it had been right). */
static void
driver_bird_sets_judge(struct driver *d, size_t i, bool was_right)
{
	struct bird_sets_prefix *p = &d->prefixes[i];

	if (p->desired == ROUTE_UNKNOWN || p->actual == ROUTE_UNKNOWN ||
	    p->actual == p->desired) {
		p->drift_logged = false;
		if (p->actual != ROUTE_UNKNOWN)
			p->apply_pending = false;	/* BIRD has it already */
		if (p->actual != ROUTE_UNKNOWN)
			driver_conn_retry_agreed(&d->conn, &p->retry, p->prefix, p->actual);
		return;
	}
	p->apply_pending = true;
	if (driver_conn_retry_check(&d->conn, &p->retry, p->sent, p->prefix,
				    d->accepted, p->actual, p->desired))
		return;
	if (was_right)
		driver_bird_sets_log_drift(d, i, p->desired);
}

static void
driver_bird_sets_readback_done(struct driver *d)
{
	unsigned gen = d->generation;
	size_t i;

	for (i = 0; i < d->n_prefixes; i++) {
		struct bird_sets_prefix *p = &d->prefixes[i];
		bool was_right = p->desired != ROUTE_UNKNOWN && p->actual == p->desired;

		p->actual = d->readback_ok ? bird_sets_actual(p->present, p->in) : ROUTE_UNKNOWN;
		driver_bird_sets_judge(d, i, was_right);
		if (gen != d->generation)
			return;
	}
	/* Prefixes without a verdict follow BIRD; a hand edit is undone. */
	if (driver_bird_sets_sync_file(d) == 1)
		log_warnx("BIRD state file %s differed from the daemon's choice: written again",
			  d->state_file);
	for (i = 0; i < d->n_prefixes && gen == d->generation; i++)
		if (d->cb.actual != NULL)
			d->cb.actual(d->arg, i, d->prefixes[i].actual);
	if (gen == d->generation && d->readback_ok)
		driver_bird_sets_sessions_start(d);
}

static void
driver_bird_sets_configure_done(struct driver *d, const struct bird_reply_event *ev)
{
	char why[BIRD_SETS_REASON_MAX];

	if (!bird_reply_is_error(ev->code)) {
		snprintf(d->accepted, sizeof(d->accepted), "%04d", ev->code);
		if (d->configure_error[0] != '\0')
			log_info("bird: configure succeeds again");
		d->configure_error[0] = '\0';
		return;
	}
	/* BIRD keeps its old config: the prefixes stay pending, and the
	 * read-back behind it arms their backoff. */
	d->accepted[0] = '\0';
	snprintf(why, sizeof(why), "%04d %s", ev->code, ev->text);
	if (strcmp(why, d->configure_error) != 0)
		log_warnx("bird: configure failed: %s (an error in bird.conf or what it "
			  "includes; BIRD keeps its previous config; retrying)", why);
	snprintf(d->configure_error, sizeof(d->configure_error), "%s", why);
}

static void
driver_bird_sets_show_done(struct driver *d, const struct bird_sets_sent *s,
			   const struct bird_reply_event *ev)
{
	char why[BIRD_SETS_REASON_MAX];

	if (!bird_reply_is_error(ev->code))
		return;
	if (ev->code == BIRD_SETS_CODE_STOPPED) {
		log_debug("bird: read-back cut short by a configure: asking again");
		d->readback_cut = true;
		return;
	}
	d->readback_ok = false;
	snprintf(why, sizeof(why), "%04d %s", ev->code, ev->text);
	if (strcmp(why, d->show_error) != 0)
		log_warnx("bird: cannot read %s back (%s): does bird.conf have protocol %s "
			  "and the sets of %s?  See docs/bird.md", bird_sets_protocol[s->family],
			  why, bird_sets_protocol[s->family], d->state_file);
	snprintf(d->show_error, sizeof(d->show_error), "%s", why);
}

/* The last line of one command's reply. */
static void
driver_bird_sets_final(struct driver *d, const struct bird_reply_event *ev)
{
	const struct bird_sets_sent *s = &d->sent[d->next_reply];
	bool last = d->next_reply + 1 == d->n_sent;

	if (!bird_reply_is_error(ev->code))
		driver_conn_ok(&d->conn);
	if (s->cmd == BSC_CONFIGURE)
		driver_bird_sets_configure_done(d, ev);
	else if (s->cmd == BSC_SHOW)
		driver_bird_sets_show_done(d, s, ev);
	else
		driver_bird_sets_sessions_final(d, s, ev);
	if (!last) {
		d->next_reply++;
		driver_conn_start_timer(&d->conn);
		return;
	}
	d->n_sent = d->next_reply = 0;
	ev_timer_stop(d->loop, &d->conn.command_timer);
	if (s->cmd == BSC_PROTOCOLS || s->cmd == BSC_EXPORT) {
		driver_bird_sets_sessions_end(d);
		driver_bird_sets_pump(d);
		return;
	}
	if (d->show_error[0] != '\0' && d->readback_ok) {
		log_info("bird: %s read back again", d->state_file);
		d->show_error[0] = '\0';
	}
	if (d->batch_generation == d->generation && !d->readback_cut)
		driver_bird_sets_readback_done(d);
	else
		d->readback_pending = true;
	driver_bird_sets_pump(d);
}

static void
driver_bird_sets_ready(struct driver *d, const char *banner)
{
	d->readback_pending = d->readback_first = true;
	ev_timer_set(&d->readback_timer, d->readback_interval_ms / 1000.0,
		     d->readback_interval_ms / 1000.0);
	ev_timer_start(d->loop, &d->readback_timer);
	driver_conn_ready(&d->conn, banner);
}

/* Parser callback: non-zero stops feeding because the connection is gone. */
static int
driver_bird_sets_event_cb(void *arg, const struct bird_reply_event *ev)
{
	struct driver *d = arg;
	unsigned serial = d->conn.serial;

	if (ev->kind == BIRD_REPLY_ERROR) {
		snprintf(d->proto_error, sizeof(d->proto_error), "%s", ev->text);
		return 0;
	}
	if (ev->kind == BIRD_REPLY_ASYNC)
		return 0;
	if (d->conn.state == DRIVER_CONN_HANDSHAKE) {
		if (ev->kind != BIRD_REPLY_FINAL)
			return 0;
		if (ev->code != BIRD_CODE_WELCOME) {
			driver_conn_drop(&d->conn, ev->code == BIRD_CODE_ACCESS_DENIED ?
					       "access-denied" : "protocol-error: bad-banner");
			return 1;
		}
		ev_timer_stop(d->loop, &d->conn.command_timer);
		driver_bird_sets_ready(d, ev->text);
		if (serial == d->conn.serial)
			driver_bird_sets_pump(d);
		return serial != d->conn.serial;
	}
	if (d->n_sent == 0) {
		driver_conn_drop(&d->conn, "protocol-error: unsolicited-reply");
		return 1;
	}
	if (ev->code == BIRD_CODE_ACCESS_DENIED) {
		driver_conn_drop(&d->conn, "access-denied");
		return 1;
	}
	if (ev->kind == BIRD_REPLY_LINE) {
		if (d->sent[d->next_reply].cmd == BSC_SHOW)
			driver_bird_sets_route_line(d, &d->sent[d->next_reply], ev);
		else if (d->sent[d->next_reply].cmd != BSC_CONFIGURE)
			driver_bird_sets_sessions_line(d, &d->sent[d->next_reply], ev);
		return 0;
	}
	driver_bird_sets_final(d, ev);
	return serial != d->conn.serial;
}

static void
driver_bird_sets_readable(struct driver *d, const char *buf, size_t len)
{
	char why[BIRD_SETS_REASON_MAX];

	if (bird_reply_feed(&d->parser, buf, len, driver_bird_sets_event_cb, d) == -1) {
		snprintf(why, sizeof(why), "protocol-error: %s", d->proto_error);
		driver_conn_drop(&d->conn, why);
	}
}

static void
driver_bird_sets_dropped(struct driver *d, const char *why)
{
	size_t i;

	(void)why;
	ev_timer_stop(d->loop, &d->readback_timer);
	d->n_sent = d->next_reply = 0;
	d->readback_pending = false;
	driver_bird_sets_sessions_stop(d);
	for (i = 0; i < d->n_prefixes; i++) {
		/* the next session's first read-back decides what to apply */
		d->prefixes[i].apply_pending = false;
		driver_conn_retry_reset(&d->prefixes[i].retry);
	}
	bird_reply_reset(&d->parser);
	/* BIRD cannot start without its include */
	if (access(d->state_file, F_OK) != 0 && errno == ENOENT &&
	    driver_bird_sets_sync_file(d) == 1)
		log_warnx("BIRD state file %s was missing: written again", d->state_file);
}

static void
driver_bird_sets_lost(struct driver *d)
{
	unsigned gen = d->generation;
	size_t i;

	for (i = 0; i < d->n_prefixes && gen == d->generation; i++)
		if (d->cb.actual != NULL)
			d->cb.actual(d->arg, i, ROUTE_UNKNOWN);
}

static const struct driver_conn_ops driver_bird_sets_conn_ops = {
	.name = "bird",
	.channel = "control",
	.handshake = "banner",
	.speaker = "BIRD",
	.readable = driver_bird_sets_readable,
	.dropped = driver_bird_sets_dropped,
	.lost = driver_bird_sets_lost,
	.retry = driver_bird_sets_pump,
};

/* ---- driver_ops ---- */

static void
driver_bird_sets_prefixes_free(struct driver *d)
{
	size_t i;

	for (i = 0; d->prefixes != NULL && i < d->n_prefixes; i++)
		free(d->prefixes[i].prefix);
	free(d->prefixes);
	d->prefixes = NULL;
}

/* The prefix list of `cfg`: texts, families, the index by text. */
static void
driver_bird_sets_load(struct driver *d, const struct config *cfg)
{
	const char **texts = xcalloc(cfg->n_prefixes + 1, sizeof(*texts));
	size_t i;

	driver_bird_sets_prefixes_free(d);
	d->prefixes = xcalloc(cfg->n_prefixes + 1, sizeof(*d->prefixes));
	d->n_prefixes = cfg->n_prefixes;
	d->has_family[0] = d->has_family[1] = false;
	for (i = 0; i < cfg->n_prefixes; i++) {
		d->prefixes[i].prefix = xstrdup(cfg->prefixes[i].prefix);
		d->prefixes[i].ipv6 = cfg->prefixes[i].family == AF_INET6;
		texts[i] = cfg->prefixes[i].prefix;
		d->has_family[d->prefixes[i].ipv6] = true;
	}
	prefix_text_index_free(&d->index);
	if (prefix_text_index_build(&d->index, texts, cfg->n_prefixes) == -1)
		fatal("prefix_text_index_build");
	free(texts);
}

static struct driver *
driver_bird_sets_create(struct ev_loop *loop, const struct config *cfg,
			const struct driver_callbacks *cb, void *arg)
{
	struct driver *d = xcalloc(1, sizeof(*d));

	d->loop = loop;
	if (cb != NULL)
		d->cb = *cb;
	d->arg = arg;
	d->state_file = xstrdup(cfg->router.state_file);
	d->readback_interval_ms = cfg->router.readback_interval_ms ?
		cfg->router.readback_interval_ms : 10000;
	bird_reply_reset(&d->parser);
	driver_bird_sets_load(d, cfg);
	driver_sessions_init(&d->sess, "bird", cfg);
	/* BIRD cannot start without the file; an existing one is BIRD's last
	 * choice and stays until the first read-back. */
	if (access(d->state_file, F_OK) != 0)
		driver_bird_sets_sync_file(d);
	ev_timer_init(&d->readback_timer, driver_bird_sets_readback_cb, 0., 0.);
	d->readback_timer.data = d;
	ev_prepare_init(&d->flush, driver_bird_sets_flush_cb);
	d->flush.data = d;
	driver_conn_init(&d->conn, loop, &driver_bird_sets_conn_ops, d, &d->cb, arg,
			 &cfg->router, cfg->router.control_socket);
	d->conn.wbuf = xcalloc(BIRD_SETS_CMDS_MAX, BIRD_SETS_CMD_ROOM);
	return d;
}

/* A reloaded prefix list: everything unknown until the daemon and the next
 * read-back say again (the file keeps BIRD's state meanwhile: it is only
 * rewritten by that read-back or a wish). */
static void
driver_bird_sets_reconfigure(struct driver *d, const struct config *cfg)
{
	driver_bird_sets_load(d, cfg);
	driver_sessions_reconfigure(&d->sess, cfg);
	d->sess_rows_due = d->sess_exports_due = false;
	d->generation++;
	if (d->conn.state == DRIVER_CONN_READY) {
		d->readback_pending = true;
		driver_bird_sets_pump(d);
	}
}

static void
driver_bird_sets_set_desired(struct driver *d, size_t index, enum route_state desired,
			     const char *why)
{
	struct bird_sets_prefix *p;

	(void)why;	/* a set has no place for it */
	if (index >= d->n_prefixes) {
		log_warnx("bird: set_desired for prefix %zu of %zu", index, d->n_prefixes);
		return;
	}
	p = &d->prefixes[index];
	if (desired != p->desired) {
		p->drift_logged = false;
		driver_conn_retry_reset(&p->retry);
		p->sent = false;
	}
	p->desired = desired;
	if (desired == ROUTE_UNKNOWN)
		return;
	/* The file always (a later `configure` must keep the wish), BIRD when
	 * it differs: with the iteration's other wishes (the flush). */
	d->file_dirty = true;
	p->apply_pending = desired != p->actual;
	ev_prepare_start(d->loop, &d->flush);
}

static bool
driver_bird_sets_idle(const struct driver *d)
{
	size_t i;

	if (d->file_dirty)
		return false;
	if (d->conn.state != DRIVER_CONN_READY)
		return true;
	if (d->n_sent > 0 || d->readback_pending)
		return false;
	for (i = 0; i < d->n_prefixes; i++)
		if (d->prefixes[i].apply_pending && d->prefixes[i].desired != ROUTE_UNKNOWN)
			return false;
	return true;
}

static bool
driver_bird_sets_is_connected(const struct driver *d)
{
	return d->conn.state == DRIVER_CONN_READY;
}

static void
driver_bird_sets_destroy(struct driver *d)
{
	if (d == NULL)
		return;
	if (d->file_dirty)
		driver_bird_sets_sync_file(d);
	ev_prepare_stop(d->loop, &d->flush);
	driver_conn_free(&d->conn);
	ev_timer_stop(d->loop, &d->readback_timer);
	prefix_text_index_free(&d->index);
	driver_sessions_free(&d->sess);
	driver_bird_sets_prefixes_free(d);
	free(d->state_file);
	free(d);
}

const struct driver_ops driver_bird_sets_ops = {
	.name = "bird",
	.create = driver_bird_sets_create,
	.reconfigure = driver_bird_sets_reconfigure,
	.set_desired = driver_bird_sets_set_desired,
	.idle = driver_bird_sets_idle,
	.connected = driver_bird_sets_is_connected,
	.destroy = driver_bird_sets_destroy,
};

void
driver_bird_sets_counts(const struct driver *d, unsigned *file_writes, unsigned *configures)
{
	*file_writes = d->file_writes;
	*configures = d->configures;
}
