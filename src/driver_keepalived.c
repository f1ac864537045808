/*
 * driver_keepalived.c - keepalived as the router (driver.h,
 * docs/keepalived.md): one track file per prefix that keepalived's
 * track_file reads the moment it changes, and the VRRP instance's state
 * file that its notify script writes.
 *
 * There is no connection: the "router" is reachable while the track files
 * can be written and read.  A track file is written as a temporary file and
 * renamed over (keepalived reads a missing file as 0, healthy: it is never
 * deleted, and one missing at start is written withdrawn).  The
 * set_desired() calls of one loop iteration are written together (an
 * ev_prepare), each file read back after its write; every
 * readback_interval_ms all are read back, a file found holding another
 * value is drift (reported, logged, written again) and the state files are
 * read.  ev_stat watches each state file (inotify), so a MASTER/BACKUP
 * change is reported within milliseconds; as ev_stat compares whole
 * seconds, a same-size rewrite in place within the second of the change
 * before would go unseen, so the state files are read again a second after
 * each change (and after the start).  A failed write is retried with the
 * reconnect backoff.
 *
 * Drift is written again at every read-back that finds it (logged and
 * reported once per episode): readback_interval_ms is the re-apply's
 * pace.  driver_conn.h's retry backoff needs a connection this driver does
 * not have, and a file write is cheap.  No fsync: the track files live in
 * /run (tmpfs) and keepalived reads them on the rename, not from disk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driver.h"
#include "file_util.h"
#include "keepalived_files.h"
#include "log.h"

/* Longest state or track file read: a few words. */
#define KA_FILE_MAX 256

struct ka_prefix {
	struct driver *d;
	const char *name;		/* the prefix, for log lines */
	char *track, *state;		/* paths (the state file may be NULL) */
	enum route_state desired;	/* UNKNOWN: change nothing */
	bool dirty;			/* desired not written yet */
	bool confirmed;			/* a read-back showed desired since it was set */
	enum vrrp_state vrrp;
	ev_stat watch;			/* the state file */
};

struct driver {
	struct ev_loop *loop;
	const struct driver_callbacks *cb;
	void *arg;
	struct router_config rc;	/* the values and timers; no strings kept */
	struct ka_prefix *px;
	size_t n;
	ev_prepare flush;		/* writes what the iteration asked for */
	ev_timer readback;
	ev_timer retry;			/* a failed write, again after the backoff */
	ev_timer recheck;		/* the state files, a second after a change */
	uint32_t backoff_ms;
	bool write_failed;		/* a write failed since the read-back began */
	bool reported, up;
	char why[200];
};

/* ---- reporting ---- */

/* The files worked (why NULL) or did not (`path` the file that failed, for
 * the log line): reported once per change of `why`, which names no file,
 * so prefixes failing in one directory are one report, not one each. */
static void
ka_report(struct driver *d, const char *why, const char *path)
{
	bool up = why == NULL;

	if (d->reported && up == d->up && (up || strcmp(why, d->why) == 0))
		return;
	d->reported = true;
	d->up = up;
	snprintf(d->why, sizeof(d->why), "%s", up ? "" : why);
	if (up)
		log_info("keepalived: track files writable");
	else
		log_warnx("keepalived: %s (%s)", why, path);
	if (d->cb->connection != NULL)
		d->cb->connection(d->arg, up, up ? "track files writable" : why);
}

/* ---- the files ---- */

/* Write `st`'s value into px's track file; 0, or -1 reported. */
static int
ka_write(struct ka_prefix *px, enum route_state st)
{
	char text[KEEPALIVED_TRACK_TEXT_MAX], why[200];
	long value = keepalived_value_for(&px->d->rc, st);

	if (value < 0)
		return 0;
	keepalived_track_render(value, text, sizeof(text));
	if (file_write_atomic(px->track, text, 0644, false) < 0) {
		snprintf(why, sizeof(why), "write-failed: %s", strerror(errno));
		px->d->write_failed = true;
		ka_report(px->d, why, px->track);
		return -1;
	}
	return 0;
}

/* What px's track file says, as keepalived would take it: a missing file
 * is 0 (announced); ROUTE_UNKNOWN for a value the daemon does not write or
 * an unreadable file (*missing says which, for the log). */
static enum route_state
ka_read_track(struct ka_prefix *px, bool *missing, long *value)
{
	size_t len = 0;
	char *text = file_read_regular(px->track, KA_FILE_MAX, &len, NULL);
	enum route_state st = ROUTE_UNKNOWN;

	*missing = text == NULL && errno == ENOENT;
	*value = -1;
	if (*missing) {
		*value = 0;
		return ROUTE_ANNOUNCED;
	}
	if (text != NULL && keepalived_track_parse(text, len, value))
		st = keepalived_state_for(&px->d->rc, *value);
	free(text);
	return st;
}

/* The instance state its notify script last wrote; UNKNOWN without one. */
static enum vrrp_state
ka_read_state(const struct ka_prefix *px)
{
	size_t len = 0;
	char *text;
	enum vrrp_state st;

	if (px->state == NULL)
		return VRRP_UNKNOWN;
	text = file_read_regular(px->state, KA_FILE_MAX, &len, NULL);
	if (text == NULL)
		return VRRP_UNKNOWN;
	st = keepalived_state_parse(text, len);
	free(text);
	return st;
}

/* How long ago the state file was written (its mtime), 0 when unknown or
 * in the future (a clock step): since when the instance is in its state,
 * also for a daemon started long after. */
static double
ka_state_age(const struct ka_prefix *px)
{
	struct stat st;
	double age;

	if (px->state == NULL || stat(px->state, &st) < 0)
		return 0;
	age = ev_time() - (st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9);
	return age > 0 ? age : 0;
}

static void
ka_instance_report(struct ka_prefix *px, size_t i)
{
	if (px->d->cb->instance != NULL)
		px->d->cb->instance(px->d->arg, i, px->vrrp, ka_state_age(px));
}

/* ---- read-back ---- */

static void ka_flush_arm(struct driver *d);

/* A periodic read-back found a track file differing from what is wanted:
 * drift once confirmed (reported), else a write that did not stick; either
 * way written again by the flush. */
static void
ka_differs(struct ka_prefix *px, size_t i, enum route_state found, bool missing, long value)
{
	struct driver *d = px->d;

	if (px->confirmed) {
		if (missing)
			log_warnx("%s: track file %s is missing (keepalived reads it as 0), wanted %s: "
				  "written again", px->name, px->track, route_state_names[px->desired]);
		else
			log_warnx("%s: track file %s holds %ld, wanted %s: written again", px->name,
				  px->track, value, route_state_names[px->desired]);
		if (d->cb->drift != NULL)
			d->cb->drift(d->arg, i, found, px->desired);
	}
	px->confirmed = false;
	px->dirty = true;
	ka_flush_arm(d);
}

/* Read prefix i back: its track file (reported; with `repair`, compared
 * and written again when it differs) and its instance state. */
static void
ka_readback_one(struct driver *d, size_t i, bool repair)
{
	struct ka_prefix *px = &d->px[i];
	bool missing;
	long value;
	enum route_state found = ka_read_track(px, &missing, &value);

	if (px->desired == ROUTE_UNKNOWN && missing && ka_write(px, ROUTE_WITHDRAWN) == 0) {
		/* nothing wanted yet, and keepalived read healthy: made safe */
		log_info("%s: track file %s was missing: written withdrawn", px->name, px->track);
		found = ROUTE_WITHDRAWN;
	}
	d->cb->actual(d->arg, i, found);
	if (px->desired != ROUTE_UNKNOWN && !px->dirty && found == px->desired)
		px->confirmed = true;
	else if (px->desired != ROUTE_UNKNOWN && !px->dirty && repair)
		ka_differs(px, i, found, missing, value);
	px->vrrp = ka_read_state(px);
	if (px->state != NULL)
		ka_instance_report(px, i);
}

static void
ka_readback_all(struct driver *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		ka_readback_one(d, i, true);
}

static void
ka_readback_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct driver *d = w->data;

	(void)loop;
	(void)revents;
	d->write_failed = false;
	ka_readback_all(d);
	/* up unless a write failed: now (a missing file's safe state), or
	 * before and waiting for its retry */
	if (!d->write_failed && !ev_is_active(&d->retry))
		ka_report(d, NULL, NULL);
}

/* px's instance state read again: reported if it changed. */
static void
ka_state_check(struct ka_prefix *px)
{
	enum vrrp_state st = ka_read_state(px);

	if (st == px->vrrp)
		return;
	px->vrrp = st;
	ka_instance_report(px, (size_t)(px - px->d->px));
}

/* ev_stat sees a change only where the stat data differs in whole seconds:
 * the state files are read again once that second has passed. */
static void
ka_recheck_arm(struct driver *d)
{
	ev_timer_stop(d->loop, &d->recheck);
	ev_timer_set(&d->recheck, 1.1, 0.);
	ev_timer_start(d->loop, &d->recheck);
}

static void
ka_recheck_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct driver *d = w->data;
	size_t i;

	(void)loop;
	(void)revents;
	for (i = 0; i < d->n; i++)
		if (d->px[i].state != NULL)
			ka_state_check(&d->px[i]);
}

static void
ka_state_cb(struct ev_loop *loop, ev_stat *w, int revents)
{
	struct ka_prefix *px = w->data;

	(void)loop;
	(void)revents;
	ka_state_check(px);
	ka_recheck_arm(px->d);
}

/* ---- applying ---- */

/* Write every dirty prefix, each read back after its write; a failure
 * leaves it dirty for the retry timer. */
static void
ka_flush(struct driver *d)
{
	size_t i;
	bool failed = false;

	for (i = 0; i < d->n; i++) {
		struct ka_prefix *px = &d->px[i];

		if (!px->dirty || px->desired == ROUTE_UNKNOWN)
			continue;
		if (ka_write(px, px->desired) < 0) {
			failed = true;
			continue;
		}
		px->dirty = false;
		ka_readback_one(d, i, false);
	}
	if (failed) {
		ev_timer_set(&d->retry, d->backoff_ms / 1000.0, 0.);
		ev_timer_start(d->loop, &d->retry);
		d->backoff_ms = d->backoff_ms * 2 < d->rc.reconnect_max_ms ?
				d->backoff_ms * 2 : d->rc.reconnect_max_ms;
		return;
	}
	d->backoff_ms = d->rc.reconnect_min_ms;
	ka_report(d, NULL, NULL);
}

static void
ka_flush_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct driver *d = w->data;

	(void)revents;
	ev_prepare_stop(loop, w);
	if (!ev_is_active(&d->retry))
		ka_flush(d);
}

static void
ka_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	ka_flush(w->data);
}

static void
ka_flush_arm(struct driver *d)
{
	ev_prepare_start(d->loop, &d->flush);
}

/* ---- the prefix table ---- */

static void
ka_prefixes_open(struct driver *d, const struct config *cfg)
{
	size_t i;

	d->n = cfg->n_prefixes;
	d->px = xcalloc(d->n ? d->n : 1, sizeof(*d->px));
	for (i = 0; i < d->n; i++) {
		struct ka_prefix *px = &d->px[i];

		px->d = d;
		px->name = cfg->prefixes[i].prefix;
		px->track = xstrdup(cfg->prefixes[i].ka_track_file);
		px->state = cfg->prefixes[i].ka_state_file ?
			    xstrdup(cfg->prefixes[i].ka_state_file) : NULL;
		px->desired = ROUTE_UNKNOWN;
		if (px->state == NULL)
			continue;
		ev_stat_init(&px->watch, ka_state_cb, px->state, 1.);
		px->watch.data = px;
		ev_stat_start(d->loop, &px->watch);
	}
	ka_recheck_arm(d);	/* a change within the second of the start */
}

static void
ka_prefixes_close(struct driver *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (d->px[i].state != NULL)
			ev_stat_stop(d->loop, &d->px[i].watch);
		free(d->px[i].track);
		free(d->px[i].state);
	}
	free(d->px);
	d->px = NULL;
	d->n = 0;
}

/* ---- driver_ops ---- */

static struct driver *
ka_create(struct ev_loop *loop, const struct config *cfg, const struct driver_callbacks *cb,
	  void *arg)
{
	struct driver *d = xcalloc(1, sizeof(*d));

	d->loop = loop;
	d->cb = cb;
	d->arg = arg;
	d->rc = cfg->router;
	d->rc.control_socket = d->rc.state_file = NULL;		/* the config's, not kept */
	d->rc.frr_degraded_route_map = d->rc.frr_drain_route_map = NULL;
	d->backoff_ms = d->rc.reconnect_min_ms;
	ev_prepare_init(&d->flush, ka_flush_cb);
	d->flush.data = d;
	ev_timer_init(&d->retry, ka_retry_cb, 0., 0.);
	d->retry.data = d;
	ev_timer_init(&d->recheck, ka_recheck_cb, 0., 0.);
	d->recheck.data = d;
	/* the first read-back from the loop, then every readback_interval_ms */
	ev_timer_init(&d->readback, ka_readback_cb, 0., d->rc.readback_interval_ms / 1000.0);
	d->readback.data = d;
	ev_timer_start(loop, &d->readback);
	ka_prefixes_open(d, cfg);
	return d;
}

static void
ka_reconfigure(struct driver *d, const struct config *cfg)
{
	ka_prefixes_close(d);
	ka_prefixes_open(d, cfg);
	ev_timer_stop(d->loop, &d->readback);
	ev_timer_set(&d->readback, 0., d->rc.readback_interval_ms / 1000.0);
	ev_timer_start(d->loop, &d->readback);
}

static void
ka_set_desired(struct driver *d, size_t index, enum route_state desired, const char *why)
{
	struct ka_prefix *px;

	(void)why;
	if (index >= d->n)
		return;
	if (desired == ROUTE_HELD)	/* not for drivers (driver.h); as its value reads back */
		desired = ROUTE_DEGRADED;
	px = &d->px[index];
	if (desired == px->desired && !px->dirty)
		return;
	px->desired = desired;
	px->confirmed = false;
	px->dirty = desired != ROUTE_UNKNOWN;
	if (px->dirty)
		ka_flush_arm(d);
}

static bool
ka_idle(const struct driver *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->px[i].dirty)
			return false;
	return true;
}

static bool
ka_connected(const struct driver *d)
{
	return d->reported && d->up;
}

static void
ka_destroy(struct driver *d)
{
	if (d == NULL)
		return;
	ev_prepare_stop(d->loop, &d->flush);
	ev_timer_stop(d->loop, &d->retry);
	ev_timer_stop(d->loop, &d->recheck);
	ev_timer_stop(d->loop, &d->readback);
	ka_prefixes_close(d);
	free(d);
}

const struct driver_ops driver_keepalived_ops = {
	.name = "keepalived",
	.create = ka_create,
	.reconfigure = ka_reconfigure,
	.set_desired = ka_set_desired,
	.idle = ka_idle,
	.connected = ka_connected,
	.destroy = ka_destroy,
};

/* ---- --init ---- */

int
driver_keepalived_write_initial_state(const struct config *cfg)
{
	char text[KEEPALIVED_TRACK_TEXT_MAX];
	struct stat st;
	size_t i;
	int rc = 0;

	if (cfg->router.kind != ROUTER_KIND_KEEPALIVED)
		return 0;
	keepalived_track_render(cfg->router.ka_withdrawn_value, text, sizeof(text));
	for (i = 0; i < cfg->n_prefixes; i++) {
		const char *path = cfg->prefixes[i].ka_track_file;

		if (stat(path, &st) == 0)
			continue;
		if (errno != ENOENT || file_write_atomic(path, text, 0644, false) < 0) {
			log_warnx("init: cannot write %s: %s", path, strerror(errno));
			rc = -1;
			continue;
		}
		log_info("init: %s written withdrawn (%u)", path, cfg->router.ka_withdrawn_value);
	}
	return rc;
}
