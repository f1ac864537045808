/*
 * driver_bird.c - the BIRD 2 driver: a non-blocking control socket client.
 *
 * Each prefix is carried by a static protocol in BIRD (`anycast4`) that is
 * `disabled <define>;` in bird.conf, where <define> comes from a small state
 * file we own.  To change a prefix we first rewrite that file (so BIRD's
 * `configure` and restarts keep our choice, protocols.md section 1), then send
 * `enable NAME` / `disable NAME "why"` for the immediate effect.  After every
 * connect and every readback_interval_ms we read `show protocols` back, report
 * it, and re-assert the desired state where BIRD drifted.
 *
 * A prefix may have twins: more static protocols for the same prefix, each
 * announcing it in another form (protocols.md section 1, the drain pattern).
 * The degraded twin's export adds AS-path prepends; the drain twin's route
 * carries the GRACEFUL_SHUTDOWN community and prepends (RFC 8326).  Each
 * protocol of a prefix is a "leg"; a state is "its leg up, every other leg
 * down" (withdrawn: all down):
 *
 *   state      anycast4  anycast4_degraded  anycast4_drain
 *   announced  up        down               down
 *   degraded   down      up                 down
 *   draining   down      down               up
 *   withdrawn  down      down               down
 *
 * Going between two announced forms we enable the new leg first and disable
 * the others second, so the upstream gets an update, never a withdraw.  Each
 * state is a few commands; the prefix stays pending until every leg matches.
 * Without the twin (not configured, or BIRD lacks it) a state falls back:
 * degraded is announced plainly, draining is withdrawn.
 *
 * The same `show protocols` gives the BGP sessions; one `show route export
 * NAME` per Established one tells what it carries, and the whole table goes
 * to cb->sessions() (driver_sessions.h; the parsers are bird_sessions.c's).
 *
 * The connection (connect, backoff, reports) is driver_conn.c's; its
 * handshake here is BIRD's banner, READY on "0001"; 8007 drops it.
 *
 * Changes go in batches.  set_desired() only records the wish; the calls
 * made in one loop iteration are flushed together by an ev_prepare watcher
 * (it runs once the iteration's callbacks are done, before the loop
 * sleeps): one state-file write for all of them, then one command per
 * prefix (its next step), written back to back and answered in order
 * (BIRD takes pipelined commands, protocols.md section 1), in windows of
 * at most BIRD_PIPELINE_MAX bytes (BIRD's input buffer).  One window is in
 * flight at a time; what to send next is derived from flags (a
 * read-back is pending, a prefix needs applying) rather than a queue of
 * literal commands, so repeated set_desired() calls coalesce.
 * command-timeout-ms runs from the write to the first answer and again
 * from each answer to the next: BIRD is timed per command, not per batch.
 *
 * The callbacks may call set_desired(), idle() and connected(), but must not
 * destroy the driver.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bird_reply.h"
#include "bird_sessions.h"
#include "bird_state.h"
#include "driver_bird.h"
#include "driver_conn.h"
#include "driver_sessions.h"
#include "file_util.h"
#include "log.h"

/* BIRD's symbol length limit (SYM_MAX_LEN). */
#define BIRD_NAME_MAX		64
#define BIRD_WHY_LEN		(DRIVER_BIRD_WHY_MAX + 1)
#define BIRD_REASON_MAX		160
/* One command's room: "disable " NAME " \"" WHY "\"\n" fits with a margin. */
#define BIRD_CMD_ROOM		256
/* The most bytes of commands in flight at once.  BIRD reads a control
 * connection into a 1024-byte buffer that only starts over once every
 * command in it has been parsed; a client that keeps it full gets a read
 * of 0 bytes taken for EOF, and BIRD closes the connection.  So a batch
 * goes in windows that fit, each written once the last one is answered. */
#define BIRD_PIPELINE_MAX	1000
/* Larger is not ours: read as missing, rewritten.  1,000 prefixes with both
 * twins are ~100 kB. */
#define BIRD_STATE_FILE_MAX	(1024 * 1024)

enum bird_cmd {
	BIRD_CMD_NONE,
	BIRD_CMD_SHOW,		/* show protocols */
	BIRD_CMD_ENABLE,
	BIRD_CMD_DISABLE,
	BIRD_CMD_EXPORT,	/* show route export NAME: a BGP session's routes */
	BIRD_CMD__COUNT
};
static const char *const bird_cmd_names[BIRD_CMD__COUNT] = {
	[BIRD_CMD_NONE] = "none",
	[BIRD_CMD_SHOW] = "show protocols",
	[BIRD_CMD_ENABLE] = "enable",
	[BIRD_CMD_DISABLE] = "disable",
	[BIRD_CMD_EXPORT] = "show route export",
};
/* BIRD's answer to `show route export NAME` for a protocol whose channels
 * are all down (a BGP session not Established): it exports nothing. */
#define BIRD_NO_VALID_TABLES	"No valid tables"
#define BIRD_CODE_ROUTE_LIST	1007

/* The protocols of a prefix, in order of preference (the snippet gives the
 * twins lower preferences, so with several up the first one's route wins). */
enum bird_leg {
	BIRD_LEG_MAIN,
	BIRD_LEG_DEGRADED,
	BIRD_LEG_DRAIN,
	BIRD_LEG__COUNT
};
static const char *const bird_leg_names[BIRD_LEG__COUNT] = {
	[BIRD_LEG_MAIN] = "main",
	[BIRD_LEG_DEGRADED] = "degraded",
	[BIRD_LEG_DRAIN] = "drain",
};
/* The prefix state a leg gives when it is the one up. */
static const enum route_state bird_leg_state[BIRD_LEG__COUNT] = {
	[BIRD_LEG_MAIN] = ROUTE_ANNOUNCED,
	[BIRD_LEG_DEGRADED] = ROUTE_DEGRADED,
	[BIRD_LEG_DRAIN] = ROUTE_DRAINING,
};
/* What a twin's state becomes without the twin, said once in the log. */
static const char *const bird_leg_fallback[BIRD_LEG__COUNT] = {
	[BIRD_LEG_DEGRADED] = "announced plainly when degraded",
	[BIRD_LEG_DRAIN] = "withdrawn when draining",
};

struct bird_proto {
	char *name;			/* NULL: this twin is not configured */
	char *define;
	enum route_state state;		/* ANNOUNCED = up, WITHDRAWN = down */
	int file_value;			/* value in the state file: -1 unknown, 0, 1 */
	bool missing;			/* last read-back did not list it */
	/* read-back scratch */
	bool seen;
	enum route_state seen_state;
};

struct bird_prefix {
	struct bird_proto leg[BIRD_LEG__COUNT];
	bool valid;			/* the main names are plain BIRD symbols */
	enum route_state desired;
	enum route_state actual;	/* last read back or applied */
	char why[BIRD_WHY_LEN];
	bool apply_pending;
	struct driver_retry retry;	/* re-applies after read-backs that disagree */
	bool sent;			/* a command for the current wish has gone out */
	char accepted[BIRD_NAME_MAX + 16];	/* last command BIRD took, "" if refused */
	/* say things once */
	bool drift_logged;
	bool fail_logged;
	bool no_drain_logged;		/* draining wanted, no drain twin configured */
	bool was_right;			/* read-back scratch: matched before it */
};

/* One command of the batch in flight, in the order of the replies. */
struct bird_sent {
	enum bird_cmd cmd;
	size_t index;			/* the prefix (enable, disable); the session (export) */
	enum bird_leg leg;		/* which of its protocols */
};

/* A protocol name of the config, for the read-back's lookups (sorted). */
struct bird_name_ref {
	const char *name;
	size_t index;
	enum bird_leg leg;
};

struct driver {
	struct ev_loop *loop;
	struct driver_callbacks cb;
	void *arg;

	char *state_file;
	bool file_dirty;		/* a wish not yet in the state file */
	unsigned file_writes;		/* state-file writes, for the tests */
	ev_prepare flush;		/* the iteration's wishes, as one batch */
	uint32_t readback_interval_ms;

	struct bird_prefix *prefixes;
	size_t n_prefixes;
	unsigned generation;		/* bumped by reconfigure */
	struct bird_name_ref *names;	/* every configured protocol, by name */
	size_t n_names;

	struct driver_conn conn;	/* its wbuf holds a whole batch */
	ev_timer readback_timer;
	struct bird_reply_parser parser;
	char proto_error[32];

	/* the batch in flight: sent[next_reply] is answered next */
	struct bird_sent *sent;
	size_t n_sent, next_reply, sent_cap;
	unsigned batch_generation;
	unsigned batches;		/* batches written, for the tests */
	/* the command answered next, loaded from sent[next_reply] */
	enum bird_cmd inflight;		/* NONE: no batch in flight */
	size_t inflight_index;
	enum route_state inflight_state;	/* of the one protocol commanded */
	enum bird_leg inflight_leg;	/* which of the prefix's protocols */
	bool inflight_acked;		/* saw 0008..0011 for enable/disable */
	char inflight_text[BIRD_REASON_MAX];
	bool show_heading;		/* show protocols: saw its 2002 heading */
	bool show_odd_logged;		/* said once that its reply was another one */
	bool readback_pending;
	bool readback_first;		/* a new session: read back before any change */

	bool file_warned;		/* said once that the state file cannot be written */

	/* The BGP sessions (only with cb.sessions): `show protocols` gives the
	 * sessions, then one `show route export NAME` per Established one
	 * what it advertises (driver_sessions.h). */
	struct driver_sessions sess;
	bool sess_bad;			/* this read: a reply was not what it should be */
	char sess_why[BIRD_REASON_MAX];	/* ... what was wrong */
	bool sess_exports_due;		/* the read's exports are to be asked */
	size_t sess_export_next;	/* the first session not asked yet */
	size_t sess_exports_left;	/* exports asked and not answered */
	bool sess_after_change;		/* a change was confirmed: read the exports again */
};

static void driver_bird_pump(struct driver *d);
static bool driver_bird_append(struct driver *d, size_t *len, enum bird_cmd cmd, size_t index,
			       enum bird_leg leg);
static void driver_bird_send_batch(struct driver *d, size_t len);
static void driver_bird_sessions_stop(struct driver *d);

/* ---- names and text ---- */

static bool
driver_bird_symbol_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > BIRD_NAME_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (i = 1; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

size_t
driver_bird_sanitize_why(char *out, const char *why)
{
	size_t n = 0;

	for (; why != NULL && *why != '\0' && n < DRIVER_BIRD_WHY_MAX; why++) {
		unsigned char c = (unsigned char)*why;

		if (c == '"')
			c = '\'';
		else if (c == '\\')
			c = '/';
		else if (c < 0x20 || c == 0x7f)
			c = ' ';
		else if (c >= 0x80)
			c = '?';
		out[n++] = (char)c;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return n;
}

static enum route_state
driver_bird_state_word(const char *w)
{
	if (strcmp(w, "up") == 0 || strcmp(w, "start") == 0)
		return ROUTE_ANNOUNCED;
	if (strcmp(w, "down") == 0 || strcmp(w, "flush") == 0 || strcmp(w, "stop") == 0)
		return ROUTE_WITHDRAWN;
	return ROUTE_UNKNOWN;
}

/* ---- legs: the main protocol and its twins ---- */

/* The main protocol's name, for log lines about the prefix. */
static const char *
driver_bird_name(const struct bird_prefix *p)
{
	return p->leg[BIRD_LEG_MAIN].name;
}

/* A leg that takes part: the main one always, a twin when configured and
 * BIRD has it. */
static bool
driver_bird_leg_active(const struct bird_prefix *p, enum bird_leg leg)
{
	if (leg == BIRD_LEG_MAIN)
		return true;
	return p->leg[leg].name != NULL && !p->leg[leg].missing;
}

/* The leg that is up in state `s`; BIRD_LEG__COUNT for none (withdrawn). */
static enum bird_leg
driver_bird_leg_of(enum route_state s)
{
	enum bird_leg leg;

	for (leg = 0; leg < BIRD_LEG__COUNT; leg++)
		if (bird_leg_state[leg] == s)
			return leg;
	return BIRD_LEG__COUNT;
}

/* What a wanted state becomes here: a twin's state needs a twin BIRD has. */
static enum route_state
driver_bird_effective(const struct bird_prefix *p, enum route_state s)
{
	if (s == ROUTE_DEGRADED && !driver_bird_leg_active(p, BIRD_LEG_DEGRADED))
		return ROUTE_ANNOUNCED;
	if (s == ROUTE_DRAINING && !driver_bird_leg_active(p, BIRD_LEG_DRAIN))
		return ROUTE_WITHDRAWN;
	return s;
}

/* The prefix's state from its protocols' states: the most preferred leg
 * that is up, since its route is the one exported. */
static enum route_state
driver_bird_combine(const struct bird_prefix *p)
{
	enum bird_leg leg;
	bool unknown = false;

	if (p->leg[BIRD_LEG_MAIN].state == ROUTE_UNKNOWN)
		return ROUTE_UNKNOWN;
	for (leg = 0; leg < BIRD_LEG__COUNT; leg++) {
		if (!driver_bird_leg_active(p, leg))
			continue;
		if (p->leg[leg].state == ROUTE_ANNOUNCED)
			return bird_leg_state[leg];
		if (p->leg[leg].state != ROUTE_WITHDRAWN)
			unknown = true;
	}
	return unknown ? ROUTE_UNKNOWN : ROUTE_WITHDRAWN;
}

/* True when every leg is as `want` (an effective state) needs it. */
static bool
driver_bird_matches(const struct bird_prefix *p, enum route_state want)
{
	enum bird_leg leg;

	for (leg = 0; leg < BIRD_LEG__COUNT; leg++)
		if (driver_bird_leg_active(p, leg) &&
		    p->leg[leg].state != (bird_leg_state[leg] == want ? ROUTE_ANNOUNCED :
					  ROUTE_WITHDRAWN))
			return false;
	return true;
}

/* How many active legs are up; their names into `buf` ("a and b", "a, b and c"). */
static size_t
driver_bird_legs_up(const struct bird_prefix *p, char *buf, size_t size)
{
	const char *names[BIRD_LEG__COUNT];
	enum bird_leg leg;
	size_t n = 0, i, len = 0;

	for (leg = 0; leg < BIRD_LEG__COUNT; leg++)
		if (driver_bird_leg_active(p, leg) && p->leg[leg].state == ROUTE_ANNOUNCED)
			names[n++] = p->leg[leg].name;
	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					i == 0 ? "" : i + 1 == n ? " and " : ", ", names[i]);
	return n;
}

/*
 * The next command towards `want`: first enable the wanted leg, then
 * disable the others, so a move between two announced forms never leaves
 * the prefix unannounced.  Returns BIRD_CMD_NONE when there is nothing left
 * to do.
 */
static enum bird_cmd
driver_bird_next_step(const struct bird_prefix *p, enum route_state want, enum bird_leg *leg)
{
	enum bird_leg on = driver_bird_leg_of(want), l;

	if (on != BIRD_LEG__COUNT && driver_bird_leg_active(p, on) &&
	    p->leg[on].state != ROUTE_ANNOUNCED) {
		*leg = on;
		return BIRD_CMD_ENABLE;
	}
	for (l = 0; l < BIRD_LEG__COUNT; l++) {
		if (l == on || !driver_bird_leg_active(p, l) || p->leg[l].state == ROUTE_WITHDRAWN)
			continue;
		*leg = l;
		return BIRD_CMD_DISABLE;
	}
	return BIRD_CMD_NONE;
}

/* ---- the state include file ----
 * Written with file_write_atomic (PATH.tmp, then rename): BIRD never reads a
 * half-written include. */

/* The file's text for `n` defines; only out of memory can stop it. */
static char *
driver_bird_render(const char *const *defines, const int *values, size_t n)
{
	char *content = bird_state_render(defines, values, n);

	if (content == NULL)
		fatal("open_memstream");
	return content;
}

/* The state a prefix gets in the file: desired, else BIRD's, else the file's,
 * else withdrawn.  A leg's define is 0 only in its own state. */
static enum route_state
driver_bird_prefix_state(const struct bird_prefix *p)
{
	enum bird_leg leg;

	if (p->desired != ROUTE_UNKNOWN)
		return driver_bird_effective(p, p->desired);
	if (p->actual != ROUTE_UNKNOWN)
		return p->actual;
	for (leg = 0; leg < BIRD_LEG__COUNT; leg++)
		if (p->leg[leg].name != NULL && p->leg[leg].file_value == 0)
			return bird_leg_state[leg];
	return ROUTE_WITHDRAWN;
}

static void
driver_bird_file_values(struct driver *d, const int *values)
{
	enum bird_leg leg;
	size_t i;

	for (i = 0; i < d->n_prefixes; i++)
		for (leg = 0; leg < BIRD_LEG__COUNT; leg++)
			d->prefixes[i].leg[leg].file_value = d->prefixes[i].leg[leg].name != NULL ?
				values[BIRD_LEG__COUNT * i + leg] : -1;
}

/* Brings the state file in line with what we know; writes only on a change. */
static int
driver_bird_sync_file(struct driver *d)
{
	size_t n = BIRD_LEG__COUNT * d->n_prefixes, i;
	const char **defines;
	enum bird_leg leg;
	int *values;
	char *content, *old;
	bool same;

	/* A failed write is not retried on its own: the next sync tries again. */
	d->file_dirty = false;
	defines = xcalloc(n + 1, sizeof(*defines));
	values = xcalloc(n + 1, sizeof(*values));
	for (i = 0; i < d->n_prefixes; i++) {
		struct bird_prefix *p = &d->prefixes[i];
		enum route_state st = driver_bird_prefix_state(p);

		for (leg = 0; leg < BIRD_LEG__COUNT; leg++) {
			defines[BIRD_LEG__COUNT * i + leg] = p->valid ? p->leg[leg].define : NULL;
			values[BIRD_LEG__COUNT * i + leg] = st != bird_leg_state[leg];
		}
	}
	content = driver_bird_render(defines, values, n);
	free(defines);
	/* Compare with the disk, not with what we wrote: someone (a boot script,
	 * an operator) may have changed the file under us. */
	old = file_read_all(d->state_file, BIRD_STATE_FILE_MAX);
	same = old != NULL && strcmp(old, content) == 0;
	free(old);
	if (same) {
		driver_bird_file_values(d, values);
		free(values);
		free(content);
		return 0;
	}
	if (file_write_atomic(d->state_file, content, 0644, false) == -1) {
		if (!d->file_warned)
			log_warn("cannot write BIRD state file %s", d->state_file);
		d->file_warned = true;
		free(values);
		free(content);
		return -1;
	}
	d->file_writes++;
	if (d->file_warned)
		log_info("BIRD state file %s written again", d->state_file);
	d->file_warned = false;
	driver_bird_file_values(d, values);
	free(values);
	free(content);
	return 0;
}

/* BIRD cannot start without its include, and whoever deleted the file may
 * restart BIRD without the unit's --init-bird-state: put it back whenever
 * it is gone, BIRD reachable or not.  Called at every failed connect
 * attempt and every lost connection (the `dropped` hook), so a stat() per
 * backoff tick. */
static void
driver_bird_restore_file(struct driver *d)
{
	if (access(d->state_file, F_OK) == 0 || errno != ENOENT)
		return;
	if (driver_bird_sync_file(d) == 0)
		log_warnx("BIRD state file %s was missing: written again", d->state_file);
}

/* The twin names of `pc`, indexed by leg (main included). */
static void
driver_bird_config_names(const struct prefix_config *pc, const char *names[BIRD_LEG__COUNT],
			 const char *defines[BIRD_LEG__COUNT])
{
	names[BIRD_LEG_MAIN] = pc->bird_protocol;
	defines[BIRD_LEG_MAIN] = pc->bird_define;
	names[BIRD_LEG_DEGRADED] = pc->bird_degraded_protocol;
	defines[BIRD_LEG_DEGRADED] = pc->bird_degraded_define;
	names[BIRD_LEG_DRAIN] = pc->bird_drain_protocol;
	defines[BIRD_LEG_DRAIN] = pc->bird_drain_define;
}

int
driver_bird_write_initial_state(const struct config *cfg)
{
	size_t n = BIRD_LEG__COUNT * cfg->n_prefixes, i;
	const char **defines;
	enum bird_leg leg;
	int *values;
	char *content;
	int rc = 0;

	if (access(cfg->router.state_file, F_OK) == 0)
		return 0;
	defines = xcalloc(n + 1, sizeof(*defines));
	values = xcalloc(n + 1, sizeof(*values));
	for (i = 0; i < cfg->n_prefixes; i++) {
		const char *names[BIRD_LEG__COUNT], *defs[BIRD_LEG__COUNT];

		driver_bird_config_names(&cfg->prefixes[i], names, defs);
		for (leg = 0; leg < BIRD_LEG__COUNT; leg++) {
			values[BIRD_LEG__COUNT * i + leg] = 1;
			/* the names the driver drives: twins only beside a good main */
			if (leg != BIRD_LEG_MAIN && defines[BIRD_LEG__COUNT * i] == NULL)
				continue;
			if (driver_bird_symbol_ok(names[leg]) && driver_bird_symbol_ok(defs[leg]))
				defines[BIRD_LEG__COUNT * i + leg] = defs[leg];
		}
	}
	content = driver_bird_render(defines, values, n);
	if (file_write_atomic(cfg->router.state_file, content, 0644, false) == -1) {
		log_warn("cannot write BIRD state file %s", cfg->router.state_file);
		rc = -1;
	}
	free(content);
	free(values);
	free(defines);
	return rc;
}

/* ---- prefixes ---- */

static void
driver_bird_prefixes_free(struct bird_prefix *ps, size_t n)
{
	enum bird_leg leg;
	size_t i;

	for (i = 0; ps != NULL && i < n; i++) {
		for (leg = 0; leg < BIRD_LEG__COUNT; leg++) {
			free(ps[i].leg[leg].name);
			free(ps[i].leg[leg].define);
		}
	}
	free(ps);
}

/* Names and file values of one prefix from its config. */
static void
driver_bird_prefix_init(struct bird_prefix *p, const struct prefix_config *pc, const char *file)
{
	const char *names[BIRD_LEG__COUNT], *defines[BIRD_LEG__COUNT];
	struct bird_proto *m = &p->leg[BIRD_LEG_MAIN];
	enum bird_leg leg;

	driver_bird_config_names(pc, names, defines);
	m->name = xstrdup(names[BIRD_LEG_MAIN] ? names[BIRD_LEG_MAIN] : "");
	m->define = xstrdup(defines[BIRD_LEG_MAIN] ? defines[BIRD_LEG_MAIN] : "");
	p->valid = driver_bird_symbol_ok(m->name) && driver_bird_symbol_ok(m->define);
	if (!p->valid)
		log_warnx("%s: BIRD protocol \"%s\" / define \"%s\" is not a plain BIRD "
			  "name: not driving it", pc->prefix, m->name, m->define);
	for (leg = BIRD_LEG_MAIN + 1; leg < BIRD_LEG__COUNT; leg++) {
		if (names[leg] == NULL)
			continue;
		if (p->valid && driver_bird_symbol_ok(names[leg]) &&
		    driver_bird_symbol_ok(defines[leg])) {
			p->leg[leg].name = xstrdup(names[leg]);
			p->leg[leg].define = xstrdup(defines[leg]);
		} else {
			log_warnx("%s: BIRD %s protocol \"%s\" is not a plain BIRD name: %s is %s",
				  pc->prefix, bird_leg_names[leg], names[leg], pc->prefix,
				  bird_leg_fallback[leg]);
		}
	}
	p->desired = p->actual = ROUTE_UNKNOWN;
	for (leg = 0; leg < BIRD_LEG__COUNT; leg++) {
		p->leg[leg].state = ROUTE_UNKNOWN;
		p->leg[leg].file_value = file != NULL && p->leg[leg].name != NULL ?
			bird_state_value(file, strlen(file), p->leg[leg].define) : -1;
	}
}

/* Carries what we knew about the same protocols (by name) and defines. */
static void
driver_bird_prefix_carry(struct bird_prefix *p, const struct bird_prefix *old)
{
	enum bird_leg leg;

	for (leg = 0; leg < BIRD_LEG__COUNT; leg++) {
		struct bird_proto *n = &p->leg[leg];
		const struct bird_proto *o = &old->leg[leg];

		if (n->name == NULL || o->name == NULL)
			continue;
		if (strcmp(o->name, n->name) == 0 &&
		    strcmp(old->leg[BIRD_LEG_MAIN].name, p->leg[BIRD_LEG_MAIN].name) == 0) {
			n->state = o->state;
			n->missing = o->missing;
		}
		if (strcmp(o->define, n->define) == 0 && o->file_value >= 0)
			n->file_value = o->file_value;
	}
}

/* New prefix array from cfg; state carried over from `old` by protocol name. */
static struct bird_prefix *
driver_bird_prefixes_build(const struct config *cfg, const struct bird_prefix *old,
			   size_t n_old, const char *file)
{
	struct bird_prefix *ps;
	size_t i, j;

	ps = xcalloc(cfg->n_prefixes + 1, sizeof(*ps));
	for (i = 0; i < cfg->n_prefixes; i++) {
		struct bird_prefix *p = &ps[i];

		driver_bird_prefix_init(p, &cfg->prefixes[i], file);
		for (j = 0; j < n_old; j++) {
			driver_bird_prefix_carry(p, &old[j]);
			if (strcmp(old[j].leg[BIRD_LEG_MAIN].name, driver_bird_name(p)) == 0)
				p->actual = driver_bird_combine(p);
		}
	}
	return ps;
}

/* ---- connection ---- */

static void
driver_bird_dropped(struct driver *d, const char *why)
{
	size_t i;

	if (strcmp(why, "timeout") == 0 && d->inflight != BIRD_CMD_NONE)
		log_debug("bird: %s timed out", bird_cmd_names[d->inflight]);
	ev_timer_stop(d->loop, &d->readback_timer);
	d->inflight = BIRD_CMD_NONE;
	d->n_sent = d->next_reply = 0;
	d->readback_pending = false;
	driver_bird_sessions_stop(d);
	/* A new session may be a new BIRD: its first disagreement is drift
	 * again, not a retry of what this one took. */
	for (i = 0; i < d->n_prefixes; i++) {
		d->prefixes[i].apply_pending = false;
		driver_conn_retry_reset(&d->prefixes[i].retry);
	}
	bird_reply_reset(&d->parser);
	driver_bird_restore_file(d);
}

/* The router is out of sight: what it has is unknown until it is read back
 * (our own view, p->actual, stays: the next read-back tells drift by it). */
static void
driver_bird_lost(struct driver *d)
{
	unsigned gen = d->generation;
	size_t i;

	for (i = 0; i < d->n_prefixes && gen == d->generation; i++)
		if (d->cb.actual != NULL)
			d->cb.actual(d->arg, i, ROUTE_UNKNOWN);
}

static void
driver_bird_readback_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct driver *d = w->data;

	(void)loop;
	(void)revents;
	d->readback_pending = true;
	driver_bird_pump(d);
}

/* ---- BGP sessions ----
 * Read only when someone takes them (cb.sessions).  A read is `show
 * protocols` (its BGP rows: the sessions), then `show route export NAME`
 * for each Established session, in windows like any batch; after a
 * confirmed change, the exports alone again (a static protocol going up or
 * down changes no session state).  A session not Established exports
 * nothing (BIRD answers "No valid tables"), so it is not asked. */

static bool
driver_bird_sessions_wanted(const struct driver *d)
{
	return d->cb.sessions != NULL;
}

/* The read under way is spoilt: `what` was wrong (the first thing said). */
static void
driver_bird_sessions_bad(struct driver *d, const char *what, const char *detail,
			 const char *text, size_t len)
{
	if (d->sess_bad)
		return;
	d->sess_bad = true;
	snprintf(d->sess_why, sizeof(d->sess_why), "%s (%s): \"%.*s\"", what, detail,
		 (int)(len > 80 ? 80 : len), text);
}

static void
driver_bird_sessions_begin(struct driver *d)
{
	if (!driver_bird_sessions_wanted(d))
		return;
	driver_sessions_begin(&d->sess);
	d->sess_bad = false;
	d->sess_exports_due = false;
	d->sess_export_next = d->sess_exports_left = 0;
}

/* The connection is gone: the read under way with it. */
static void
driver_bird_sessions_stop(struct driver *d)
{
	driver_sessions_abort(&d->sess);
	d->sess_exports_due = d->sess_after_change = false;
	d->sess_exports_left = 0;
}

/* A `show protocols` row: a BGP one is a session. */
static void
driver_bird_sessions_row(struct driver *d, const struct bird_reply_event *ev)
{
	struct bgp_session s;
	const char *why;
	int rc;

	if (!d->sess.reading)
		return;
	rc = bird_sessions_parse_row(ev->text, ev->len, &s, &why);
	if (rc == 1)
		driver_sessions_add(&d->sess, &s);
	else if (rc == -1)
		driver_bird_sessions_bad(d, "bad `show protocols` row", why, ev->text, ev->len);
}

/* `show protocols` is in: its sessions' exports are next. */
static void
driver_bird_sessions_rows_done(struct driver *d)
{
	if (!d->sess.reading)
		return;
	if (d->sess_bad) {
		driver_sessions_fail(&d->sess, d->sess_why);
		return;
	}
	d->sess_exports_due = true;
	d->sess_export_next = 0;
}

/* A line of `show route export NAME`: "Table master4:", a net's first
 * route (its prefix), another route of it (a blank first), a blank line. */
static void
driver_bird_export_line(struct driver *d, const struct bird_reply_event *ev)
{
	char prefix[PREFIX_TEXT_MAX];

	if (!d->sess.reading)
		return;
	if (ev->code != BIRD_CODE_ROUTE_LIST) {
		driver_bird_sessions_bad(d, "unexpected line in `show route export`",
					 "not a route list", ev->text, ev->len);
		return;
	}
	if (ev->len == 0 || ev->text[0] == ' ' || ev->text[0] == '\t' ||
	    (strncmp(ev->text, "Table ", 6) == 0 && ev->text[ev->len - 1] == ':'))
		return;
	if (bird_route_line_prefix(ev->text, ev->len, prefix, sizeof(prefix)))
		driver_sessions_mark(&d->sess, d->inflight_index, prefix);
	else
		driver_bird_sessions_bad(d, "bad `show route export` line", "no prefix",
					 ev->text, ev->len);
}

/* The read is over once every export is answered: handed over whole, or
 * not at all. */
static void
driver_bird_sessions_end(struct driver *d)
{
	if (d->sess_exports_left > 0 || d->sess_exports_due)
		return;
	if (d->sess_bad)
		driver_sessions_fail(&d->sess, d->sess_why);
	else
		driver_sessions_publish(&d->sess, &d->cb, d->arg);
}

static void
driver_bird_export_done(struct driver *d, const struct bird_reply_event *ev)
{
	char what[BIRD_NAME_MAX + 32];

	if (d->sess_exports_left > 0)
		d->sess_exports_left--;
	if (!d->sess.reading)
		return;
	if (bird_reply_is_error(ev->code) && strcmp(ev->text, BIRD_NO_VALID_TABLES) != 0) {
		snprintf(what, sizeof(what), "`show route export %s` failed",
			 d->inflight_index < d->sess.next.n ?
			 d->sess.next.s[d->inflight_index].name : "?");
		driver_bird_sessions_bad(d, what, "error", ev->text, ev->len);
	}
	driver_bird_sessions_end(d);
}

/* The exports to ask: those of the read under way, or (after a change)
 * those of the sessions last read. */
static void
driver_bird_sessions_after_change(struct driver *d)
{
	if (!d->sess_after_change || d->sess.reading)
		return;
	d->sess_after_change = false;
	if (!driver_bird_sessions_wanted(d) || !driver_sessions_begin_again(&d->sess))
		return;
	d->sess_bad = false;
	d->sess_exports_due = true;
	d->sess_export_next = d->sess_exports_left = 0;
}

/* Sends the next window of exports if some are due; true when it went. */
static bool
driver_bird_pump_sessions(struct driver *d)
{
	size_t len = 0;

	driver_bird_sessions_after_change(d);
	if (!d->sess_exports_due)
		return false;
	for (; d->sess_export_next < d->sess.next.n; d->sess_export_next++) {
		if (!d->sess.next.s[d->sess_export_next].established)
			continue;
		if (!driver_bird_append(d, &len, BIRD_CMD_EXPORT, d->sess_export_next,
					BIRD_LEG_MAIN))
			break;
		d->sess_exports_left++;
	}
	if (d->sess_export_next == d->sess.next.n)
		d->sess_exports_due = false;
	if (d->n_sent > 0) {
		driver_bird_send_batch(d, len);
		return true;
	}
	driver_bird_sessions_end(d);	/* no session to ask */
	return false;
}

/* ---- sending ---- */

/* Loads the command answered next (sent[next_reply]) into inflight_*. */
static void
driver_bird_next_reply(struct driver *d)
{
	const struct bird_sent *e;

	if (d->next_reply >= d->n_sent) {
		d->inflight = BIRD_CMD_NONE;
		d->n_sent = d->next_reply = 0;
		return;
	}
	e = &d->sent[d->next_reply];
	d->inflight = e->cmd;
	d->inflight_index = e->index;
	d->inflight_state = e->cmd == BIRD_CMD_ENABLE ? ROUTE_ANNOUNCED : ROUTE_WITHDRAWN;
	d->inflight_leg = e->leg;
	d->inflight_acked = false;
	d->inflight_text[0] = '\0';
	d->show_heading = false;
}

/* Appends one command to the batch being built in wbuf at *len; false
 * (nothing appended) when it would not fit in the window. */
static bool
driver_bird_append(struct driver *d, size_t *len, enum bird_cmd cmd, size_t index,
		   enum bird_leg leg)
{
	bool proto = cmd == BIRD_CMD_ENABLE || cmd == BIRD_CMD_DISABLE;
	struct bird_prefix *p = proto ? &d->prefixes[index] : NULL;
	char *out = d->conn.wbuf + *len;
	const char *name = p == NULL ? "" : p->leg[leg].name;
	enum bird_leg l;
	size_t i;
	int n;

	if (cmd == BIRD_CMD_SHOW)
		n = snprintf(out, BIRD_CMD_ROOM, "show protocols\n");
	else if (cmd == BIRD_CMD_EXPORT)
		n = snprintf(out, BIRD_CMD_ROOM, "show route export %s\n",
			     d->sess.next.s[index].name);
	else if (cmd == BIRD_CMD_ENABLE)
		n = snprintf(out, BIRD_CMD_ROOM, "enable %s\n", name);
	else if (p->why[0] != '\0')
		n = snprintf(out, BIRD_CMD_ROOM, "disable %s \"%s\"\n", name, p->why);
	else
		n = snprintf(out, BIRD_CMD_ROOM, "disable %s\n", name);
	if (d->n_sent > 0 && *len + (size_t)n > BIRD_PIPELINE_MAX)
		return false;
	if (cmd == BIRD_CMD_SHOW) {
		for (i = 0; i < d->n_prefixes; i++)
			for (l = 0; l < BIRD_LEG__COUNT; l++)
				d->prefixes[i].leg[l].seen = false;
		driver_bird_sessions_begin(d);
	}
	log_debug("bird: > %.*s", n - 1, out);
	d->sent[d->n_sent++] = (struct bird_sent){ .cmd = cmd, .index = index, .leg = leg };
	*len += (size_t)n;
	return true;
}

/* Writes the batch built in wbuf[0..len) out: its commands back to back. */
static void
driver_bird_send_batch(struct driver *d, size_t len)
{
	d->next_reply = 0;
	d->batch_generation = d->generation;
	d->batches++;
	driver_bird_next_reply(d);
	driver_conn_send(&d->conn, len);
}

/* Sends the read-back if one is pending; true when it went out. */
static bool
driver_bird_pump_readback(struct driver *d)
{
	size_t len = 0;

	if (!d->readback_pending)
		return false;
	d->readback_pending = false;
	d->readback_first = false;
	driver_bird_append(d, &len, BIRD_CMD_SHOW, 0, BIRD_LEG_MAIN);
	driver_bird_send_batch(d, len);
	return true;
}

/* Appends the next step of prefix `i` if it has one due; false when the
 * window is full (the prefix stays due for the next one). */
static bool
driver_bird_append_step(struct driver *d, size_t *len, size_t i)
{
	struct bird_prefix *p = &d->prefixes[i];
	enum bird_cmd cmd;
	enum bird_leg leg;

	if (!p->apply_pending || driver_conn_retry_waiting(&d->conn, &p->retry))
		return true;
	/* Nothing to drive, or BIRD lacks the protocol (an enable would only
	 * draw a parse error). */
	cmd = p->desired == ROUTE_UNKNOWN || !p->valid || p->leg[BIRD_LEG_MAIN].missing ?
		BIRD_CMD_NONE : driver_bird_next_step(p, driver_bird_effective(p, p->desired),
						      &leg);
	if (cmd != BIRD_CMD_NONE && !driver_bird_append(d, len, cmd, i, leg))
		return false;
	p->apply_pending = false;
	if (cmd != BIRD_CMD_NONE) {
		p->sent = true;
		p->retry.due = false;
	}
	return true;
}

/*
 * Sends the next batch if none is in flight: the read-back of a new session
 * first, then changes (one step per prefix, all in one write), then the
 * BGP sessions' exports, then a periodic read-back.  Changes go before the periodic read-back: a BIRD
 * slower to answer it than readback-interval-ms would otherwise never get
 * the re-assert.  The state file is brought in line first, so a
 * `configure` racing with us sees the new choice.
 */
static void
driver_bird_pump(struct driver *d)
{
	size_t i, len = 0;

	if (d->conn.state != DRIVER_CONN_READY || d->inflight != BIRD_CMD_NONE)
		return;
	if (d->file_dirty)
		driver_bird_sync_file(d);
	if (d->readback_first && driver_bird_pump_readback(d))
		return;
	for (i = 0; i < d->n_prefixes; i++)
		if (!driver_bird_append_step(d, &len, i))
			break;
	if (d->n_sent > 0) {
		driver_bird_send_batch(d, len);
		return;
	}
	if (driver_bird_pump_sessions(d))
		return;
	driver_bird_pump_readback(d);
}

/* The ev_prepare watcher: what this iteration's set_desired() calls
 * wished, in one file write and one batch. */
static void
driver_bird_flush_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct driver *d = w->data;

	(void)revents;
	ev_prepare_stop(loop, w);
	if (d->file_dirty)
		driver_bird_sync_file(d);
	driver_bird_pump(d);
}

/* ---- replies ---- */

static int
driver_bird_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bird_name_ref *)a)->name,
		      ((const struct bird_name_ref *)b)->name);
}

/* The sorted protocol names of the prefix list, so a read-back of 1,000
 * prefixes is not a million string compares. */
static void
driver_bird_index_names(struct driver *d)
{
	enum bird_leg leg;
	size_t i;

	free(d->names);
	d->names = xcalloc(BIRD_LEG__COUNT * d->n_prefixes + 1, sizeof(*d->names));
	d->n_names = 0;
	for (i = 0; i < d->n_prefixes; i++)
		for (leg = 0; leg < BIRD_LEG__COUNT; leg++)
			if (d->prefixes[i].leg[leg].name != NULL)
				d->names[d->n_names++] = (struct bird_name_ref){
					.name = d->prefixes[i].leg[leg].name, .index = i, .leg = leg };
	qsort(d->names, d->n_names, sizeof(*d->names), driver_bird_name_cmp);
}

/* A `show protocols` row: every configured protocol of that name is seen. */
static void
driver_bird_seen(struct driver *d, const struct bird_protocol_row *row)
{
	struct bird_name_ref key = { .name = row->name }, *r;
	size_t i, lo;

	r = bsearch(&key, d->names, d->n_names, sizeof(*d->names), driver_bird_name_cmp);
	if (r == NULL)
		return;
	for (lo = (size_t)(r - d->names); lo > 0 && strcmp(d->names[lo - 1].name, row->name) == 0;)
		lo--;
	for (i = lo; i < d->n_names && strcmp(d->names[i].name, row->name) == 0; i++) {
		struct bird_proto *t = &d->prefixes[d->names[i].index].leg[d->names[i].leg];

		t->seen = true;
		t->seen_state = driver_bird_state_word(row->state);
	}
}

/* A twin's row (or its absence) from a read-back. */
static void
driver_bird_readback_twin(struct bird_prefix *p, enum bird_leg leg)
{
	struct bird_proto *t = &p->leg[leg];

	if (t->name == NULL)
		return;
	if (!t->seen) {
		if (!t->missing)
			log_warnx("BIRD has no protocol \"%s\"; %s is %s; see docs/bird.md",
				  t->name, driver_bird_name(p), bird_leg_fallback[leg]);
		t->missing = true;
		t->state = ROUTE_UNKNOWN;
		return;
	}
	if (t->missing)
		log_info("BIRD has protocol \"%s\" now", t->name);
	t->missing = false;
	t->state = t->seen_state;
}

static void
driver_bird_log_drift(const struct bird_prefix *p, enum route_state want)
{
	char up[3 * (BIRD_NAME_MAX + 8)];
	size_t n = driver_bird_legs_up(p, up, sizeof(up));

	if (n > 1)
		log_warnx("%s: BIRD has %s %s up, want %s: re-asserting", driver_bird_name(p),
			  up, n == 2 ? "both" : "all", route_state_names[want]);
	else
		log_warnx("%s: BIRD has %s, want %s: re-asserting", driver_bird_name(p),
			  route_state_names[p->actual], route_state_names[want]);
}

static void
driver_bird_readback_done(struct driver *d)
{
	unsigned gen = d->generation;
	enum bird_leg leg;
	size_t i;

	for (i = 0; i < d->n_prefixes; i++) {
		struct bird_prefix *p = &d->prefixes[i];
		struct bird_proto *m = &p->leg[BIRD_LEG_MAIN];

		p->was_right = p->desired != ROUTE_UNKNOWN &&
			p->actual == driver_bird_effective(p, p->desired);
		if (!m->seen) {
			if (!m->missing && p->valid)
				log_warnx("BIRD has no protocol \"%s\"; see docs/bird.md", m->name);
			m->missing = true;
			p->actual = m->state = ROUTE_UNKNOWN;
			continue;
		}
		if (m->missing)
			log_info("BIRD has protocol \"%s\" now", m->name);
		m->missing = false;
		m->state = m->seen_state;
		for (leg = BIRD_LEG_MAIN + 1; leg < BIRD_LEG__COUNT; leg++)
			driver_bird_readback_twin(p, leg);
		p->actual = driver_bird_combine(p);
	}
	/* Prefixes without a verdict follow BIRD, so a `configure` keeps them as they are. */
	driver_bird_sync_file(d);
	for (i = 0; i < d->n_prefixes; i++) {
		struct bird_prefix *p = &d->prefixes[i];
		enum route_state want = driver_bird_effective(p, p->desired);

		if (want == ROUTE_UNKNOWN || p->actual == ROUTE_UNKNOWN ||
		    driver_bird_matches(p, want)) {
			p->drift_logged = false;
			if (p->actual != ROUTE_UNKNOWN)
				driver_conn_retry_agreed(&d->conn, &p->retry, driver_bird_name(p),
							 p->actual);
			continue;
		}
		p->apply_pending = true;
		/* an ack counts as agreeing: `accepted` is a bare success code */
		if (driver_conn_retry_check(&d->conn, &p->retry, p->sent, driver_bird_name(p),
					    p->accepted, p->actual, want))
			continue;
		/* Drift is BIRD moving away from what we had put there
		 * (restart, configure, a hand): not a first apply, not a retry. */
		if (p->drift_logged || !p->was_right)
			continue;
		p->drift_logged = true;
		driver_bird_log_drift(p, want);
		if (d->cb.drift != NULL)
			d->cb.drift(d->arg, i, p->actual, want);
		if (gen != d->generation)
			return;
	}
	for (i = 0; i < d->n_prefixes && gen == d->generation; i++)
		if (d->cb.actual != NULL)
			d->cb.actual(d->arg, i, d->prefixes[i].actual);
}

static void
driver_bird_apply_done(struct driver *d, enum bird_cmd cmd, int code, const char *text)
{
	struct bird_prefix *p;
	enum route_state want;

	if (d->batch_generation != d->generation || d->inflight_index >= d->n_prefixes) {
		/* The prefix list changed under the command: learn the truth again. */
		d->readback_pending = true;
		return;
	}
	p = &d->prefixes[d->inflight_index];
	if (bird_reply_is_error(code)) {
		if (!p->fail_logged)
			log_warnx("%s: BIRD refused %s: %04d %s",
				  p->leg[d->inflight_leg].name,
				  bird_cmd_names[cmd], code,
				  d->inflight_text[0] != '\0' ? d->inflight_text : text);
		p->fail_logged = true;
		p->accepted[0] = '\0';
		/* Retried by the next periodic read-back only, so a refusing
		 * BIRD is not hammered. */
		return;
	}
	p->fail_logged = false;
	snprintf(p->accepted, sizeof(p->accepted), "%s %s", bird_cmd_names[cmd],
		 p->leg[d->inflight_leg].name);
	if (!d->inflight_acked) {
		/* A success code without the expected line: BIRD took it, but
		 * what did it do?  Ask; a re-apply waits for the backoff. */
		log_debug("bird: %s: %04d without the %s line: reading back", p->accepted, code,
			  bird_cmd_names[cmd]);
		d->readback_pending = true;
		return;
	}
	p->leg[d->inflight_leg].state = d->inflight_state;
	want = driver_bird_effective(p, p->desired);
	if (want != ROUTE_UNKNOWN && !driver_bird_matches(p, want)) {
		/* the second half of a move between two states */
		p->apply_pending = true;
		return;
	}
	p->actual = driver_bird_combine(p);
	if (p->actual == want) {
		/* BIRD's own word: as good as a read-back that agrees */
		p->drift_logged = false;
		driver_conn_retry_reset(&p->retry);
	}
	/* what the sessions carry has changed: ask their exports again */
	d->sess_after_change = true;
	log_info("%s: %s in BIRD", driver_bird_name(p), route_state_names[p->actual]);
	if (d->cb.actual != NULL)
		d->cb.actual(d->arg, d->inflight_index, p->actual);
}

static void
driver_bird_reply_line(struct driver *d, const struct bird_reply_event *ev)
{
	struct bird_protocol_row row;

	switch (d->inflight) {
	case BIRD_CMD_SHOW:
		if (ev->code == BIRD_CODE_PROTO_HEADING)
			d->show_heading = true;
		else if (d->inflight_text[0] == '\0' && ev->code != BIRD_CODE_PROTO_LIST)
			/* kept for the log, should this be another command's reply */
			snprintf(d->inflight_text, sizeof(d->inflight_text), "%04d %s",
				 ev->code, ev->text);
		if (ev->code == BIRD_CODE_PROTO_LIST &&
		    bird_reply_parse_protocol(ev->text, ev->len, &row) == 0)
			driver_bird_seen(d, &row);
		if (ev->code == BIRD_CODE_PROTO_LIST)
			driver_bird_sessions_row(d, ev);
		return;
	case BIRD_CMD_EXPORT:
		driver_bird_export_line(d, ev);
		return;
	case BIRD_CMD_ENABLE:
		if (ev->code == BIRD_CODE_ENABLED || ev->code == BIRD_CODE_ALREADY_ENABLED)
			d->inflight_acked = true;
		break;
	case BIRD_CMD_DISABLE:
		if (ev->code == BIRD_CODE_DISABLED || ev->code == BIRD_CODE_ALREADY_DISABLED)
			d->inflight_acked = true;
		break;
	default:
		return;
	}
	if (!d->inflight_acked && d->inflight_text[0] == '\0')
		snprintf(d->inflight_text, sizeof(d->inflight_text), "%s", ev->text);
}

/*
 * BIRD heads every `show protocols` list with a 2002 line, and a list is
 * never empty (BIRD refuses a config without protocols; no match is 8003).
 * A success without it is some other command's reply (an action's
 * 0009/0011 lines, a bare 0000): it says nothing about which protocols
 * exist, so nothing is concluded from it (no "BIRD has no protocol") and
 * the next periodic read-back asks again.  Said once until a list comes.
 */
static bool
driver_bird_show_is_list(struct driver *d, const struct bird_reply_event *ev)
{
	char first[BIRD_REASON_MAX + 8];

	if (d->show_heading) {
		d->show_odd_logged = false;
		return true;
	}
	if (d->show_odd_logged)
		return false;
	if (d->inflight_text[0] != '\0')
		snprintf(first, sizeof(first), "%s", d->inflight_text);
	else
		snprintf(first, sizeof(first), "%04d %s", ev->code, ev->text);
	log_warnx("bird: unexpected reply to `show protocols`: %s (not a protocol list); "
		  "ignoring it", first);
	d->show_odd_logged = true;
	return false;
}

/* The last line of one command's reply: that command is done; the batch
 * is done with its last one, and the next batch may go. */
static void
driver_bird_reply_final(struct driver *d, const struct bird_reply_event *ev)
{
	enum bird_cmd cmd = d->inflight;

	if (!bird_reply_is_error(ev->code))
		driver_conn_ok(&d->conn);
	if (cmd == BIRD_CMD_SHOW) {
		if (bird_reply_is_error(ev->code)) {
			log_warnx("bird: show protocols failed: %04d %s", ev->code, ev->text);
			driver_sessions_fail(&d->sess, "`show protocols` failed");
		} else if (driver_bird_show_is_list(d, ev)) {
			driver_bird_sessions_rows_done(d);
			driver_bird_readback_done(d);
		} else {
			driver_sessions_fail(&d->sess, "`show protocols` gave no protocol list");
		}
	} else if (cmd == BIRD_CMD_EXPORT) {
		driver_bird_export_done(d, ev);
	} else {
		driver_bird_apply_done(d, cmd, ev->code, ev->text);
	}
	d->next_reply++;
	driver_bird_next_reply(d);
	if (d->inflight != BIRD_CMD_NONE) {
		/* the next command's answer has command-timeout-ms from now */
		driver_conn_start_timer(&d->conn);
		return;
	}
	ev_timer_stop(d->loop, &d->conn.command_timer);
	driver_bird_pump(d);
}

/* Parser callback: non-zero stops feeding because the connection is gone. */
static int
driver_bird_event_cb(void *arg, const struct bird_reply_event *ev)
{
	struct driver *d = arg;
	unsigned serial = d->conn.serial;

	switch (ev->kind) {
	case BIRD_REPLY_ERROR:
		snprintf(d->proto_error, sizeof(d->proto_error), "%s", ev->text);
		return 0;
	case BIRD_REPLY_ASYNC:
		log_debug("bird: async: %s", ev->text);
		return 0;
	case BIRD_REPLY_LINE:
	case BIRD_REPLY_FINAL:
	default:
		break;
	}
	if (d->conn.state == DRIVER_CONN_HANDSHAKE) {
		if (ev->kind != BIRD_REPLY_FINAL)
			return 0;
		if (ev->code != BIRD_CODE_WELCOME) {
			driver_conn_drop(&d->conn, ev->code == BIRD_CODE_ACCESS_DENIED ?
					       "access-denied" : "protocol-error: bad-banner");
			return 1;
		}
		ev_timer_stop(d->loop, &d->conn.command_timer);
		/* Read back before anything else, also before whatever the
		 * connection callback asks for. */
		d->readback_pending = d->readback_first = true;
		ev_timer_set(&d->readback_timer, d->readback_interval_ms / 1000.0,
			     d->readback_interval_ms / 1000.0);
		ev_timer_start(d->loop, &d->readback_timer);
		driver_conn_ready(&d->conn, ev->text);
		if (serial != d->conn.serial)
			return 1;
		driver_bird_pump(d);
		return serial != d->conn.serial;
	}
	if (d->inflight == BIRD_CMD_NONE) {
		driver_conn_drop(&d->conn, "protocol-error: unsolicited-reply");
		return 1;
	}
	if (ev->kind == BIRD_REPLY_LINE) {
		driver_bird_reply_line(d, ev);
		return 0;
	}
	if (ev->code == BIRD_CODE_ACCESS_DENIED) {
		driver_conn_drop(&d->conn, "access-denied");
		return 1;
	}
	driver_bird_reply_final(d, ev);
	return serial != d->conn.serial;
}

static void
driver_bird_readable(struct driver *d, const char *buf, size_t len)
{
	char why[BIRD_REASON_MAX];

	if (bird_reply_feed(&d->parser, buf, len, driver_bird_event_cb, d) == -1) {
		snprintf(why, sizeof(why), "protocol-error: %s", d->proto_error);
		driver_conn_drop(&d->conn, why);
	}
}

static const struct driver_conn_ops driver_bird_conn_ops = {
	.name = "bird",
	.channel = "control",
	.handshake = "banner",
	.speaker = "BIRD",
	.readable = driver_bird_readable,
	.dropped = driver_bird_dropped,
	.lost = driver_bird_lost,
	.retry = driver_bird_pump,
};

/* ---- driver_ops ---- */

/* Room for a batch of one command per prefix, or a read-back, or one
 * export per BGP session.  Only grows: a batch in flight for a longer list
 * keeps its entries. */
static void
driver_bird_size_buffers(struct driver *d)
{
	size_t cap = (d->n_prefixes > BGP_SESSIONS_MAX ? d->n_prefixes : BGP_SESSIONS_MAX) + 1;

	if (cap <= d->sent_cap)
		return;
	d->sent = realloc(d->sent, cap * sizeof(*d->sent));
	d->conn.wbuf = realloc(d->conn.wbuf, cap * BIRD_CMD_ROOM);
	if (d->sent == NULL || d->conn.wbuf == NULL)
		fatal("realloc");
	d->sent_cap = cap;
}

static struct driver *
driver_bird_create(struct ev_loop *loop, const struct config *cfg,
		   const struct driver_callbacks *cb, void *arg)
{
	struct driver *d;
	enum bird_leg leg;
	char *file;
	size_t i;
	bool rewrite;

	d = xcalloc(1, sizeof(*d));
	d->loop = loop;
	if (cb != NULL)
		d->cb = *cb;
	d->arg = arg;
	d->state_file = xstrdup(cfg->router.state_file);
	d->readback_interval_ms = cfg->router.readback_interval_ms ?
		cfg->router.readback_interval_ms : 10000;
	bird_reply_reset(&d->parser);

	/* The file holds the last choice (maybe of a previous run): start from it. */
	file = file_read_all(d->state_file, BIRD_STATE_FILE_MAX);
	d->prefixes = driver_bird_prefixes_build(cfg, NULL, 0, file);
	d->n_prefixes = cfg->n_prefixes;
	rewrite = file == NULL;
	for (i = 0; i < d->n_prefixes; i++)
		for (leg = 0; leg < BIRD_LEG__COUNT; leg++)
			if (d->prefixes[i].valid && d->prefixes[i].leg[leg].name != NULL &&
			    d->prefixes[i].leg[leg].file_value < 0)
				rewrite = true;	/* BIRD would fail on the missing define */
	free(file);
	if (rewrite)
		driver_bird_sync_file(d);
	driver_bird_index_names(d);

	ev_timer_init(&d->readback_timer, driver_bird_readback_cb, 0., 0.);
	d->readback_timer.data = d;
	ev_prepare_init(&d->flush, driver_bird_flush_cb);
	d->flush.data = d;
	driver_conn_init(&d->conn, loop, &driver_bird_conn_ops, d, &d->cb, arg, &cfg->router,
			 cfg->router.control_socket);
	driver_bird_size_buffers(d);
	driver_sessions_init(&d->sess, "bird", cfg);
	return d;
}

static void
driver_bird_reconfigure(struct driver *d, const struct config *cfg)
{
	struct bird_prefix *ps;
	char *file;

	file = file_read_all(d->state_file, BIRD_STATE_FILE_MAX);
	ps = driver_bird_prefixes_build(cfg, d->prefixes, d->n_prefixes, file);
	free(file);
	driver_bird_prefixes_free(d->prefixes, d->n_prefixes);
	d->prefixes = ps;
	d->n_prefixes = cfg->n_prefixes;
	d->generation++;
	driver_bird_index_names(d);
	driver_bird_size_buffers(d);
	driver_sessions_reconfigure(&d->sess, cfg);
	d->sess_exports_due = false;
	driver_bird_sync_file(d);
	if (d->conn.state == DRIVER_CONN_READY) {
		d->readback_pending = true;
		driver_bird_pump(d);
	}
}

static void
driver_bird_set_desired(struct driver *d, size_t index, enum route_state desired,
			const char *why)
{
	struct bird_prefix *p;

	if (index >= d->n_prefixes) {
		log_warnx("bird: set_desired for prefix %zu of %zu", index, d->n_prefixes);
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
	/* A missing twin in BIRD is said by the read-back; a twin that is not
	 * configured at all is said here, once. */
	if (desired == ROUTE_DRAINING && p->valid && p->leg[BIRD_LEG_DRAIN].name == NULL &&
	    !p->no_drain_logged) {
		log_warnx("%s: no drain protocol configured: withdrawn instead of draining; "
			  "see docs/bird.md", driver_bird_name(p));
		p->no_drain_logged = true;
	}
	driver_bird_sanitize_why(p->why, why);
	/* The file and the command go with the iteration's other wishes, file
	 * first (driver_bird_pump): one write and one batch for them all. */
	d->file_dirty = true;
	if (d->conn.state == DRIVER_CONN_READY)
		p->apply_pending = true;
	ev_prepare_start(d->loop, &d->flush);
}

static bool
driver_bird_idle(const struct driver *d)
{
	size_t i;

	if (d->file_dirty)
		return false;
	if (d->conn.state != DRIVER_CONN_READY)
		return true;
	if (d->inflight != BIRD_CMD_NONE || d->readback_pending)
		return false;
	for (i = 0; i < d->n_prefixes; i++)
		if (d->prefixes[i].apply_pending)
			return false;
	return true;
}

static bool
driver_bird_is_connected(const struct driver *d)
{
	return d->conn.state == DRIVER_CONN_READY;
}

static void
driver_bird_destroy(struct driver *d)
{
	if (d == NULL)
		return;
	/* A wish of this iteration (on-exit with BIRD away) still goes to the
	 * file, so BIRD's next start or `configure` has it. */
	if (d->file_dirty)
		driver_bird_sync_file(d);
	ev_prepare_stop(d->loop, &d->flush);
	driver_conn_free(&d->conn);
	ev_timer_stop(d->loop, &d->readback_timer);
	free(d->names);
	free(d->sent);
	driver_sessions_free(&d->sess);
	driver_bird_prefixes_free(d->prefixes, d->n_prefixes);
	free(d->state_file);
	free(d);
}

const struct driver_ops driver_bird_ops = {
	.name = "bird",
	.create = driver_bird_create,
	.reconfigure = driver_bird_reconfigure,
	.set_desired = driver_bird_set_desired,
	.idle = driver_bird_idle,
	.connected = driver_bird_is_connected,
	.destroy = driver_bird_destroy,
};

uint32_t
driver_bird_reconnect_delay_ms(const struct driver *d)
{
	return d->conn.armed_delay_ms;
}

uint32_t
driver_bird_retry_delay_ms(const struct driver *d)
{
	return d->conn.retry_armed_ms;
}

void
driver_bird_counts(const struct driver *d, unsigned *file_writes, unsigned *batches)
{
	*file_writes = d->file_writes;
	*batches = d->batches;
}
