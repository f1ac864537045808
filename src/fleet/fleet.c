/*
 * fleet.c - this gateway in the fleet (see fleet.h): the lease and the keys
 * under it, the watch mirror of the fleet's keys, the guard protocol per
 * prefix, store loss, fingerprints and this gateway's own drift.  All on the
 * daemon's loop through etcd.h; the decisions themselves are
 * fleet_guard.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_util.h"
#include "fleet/etcd.h"
#include "fleet/fingerprint.h"
#include "fleet/fleet.h"
#include "fleet/fleet_guard.h"
#include "fleet/fleet_view.h"
#include "log.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define FLEET_RECORD_MIN_GAP_S	0.1	/* at most one record put per 100 ms */
#define FLEET_RETRY_S		1.0	/* mirror re-read / lease re-grant after a failure */
#define FLEET_PASSWORD_MAX	4096

/* A withdrawal's course: what the guard said so far. */
enum fleet_outcome {
	FLEET_KEEP,		/* no withdrawal wanted: the key follows the router */
	FLEET_PENDING,		/* wanted: asking the store */
	FLEET_HELD,		/* wanted, held: key "held", re-checked on changes */
	FLEET_LEFT,		/* decided: the key is gone (or must go), withdrawing */
};

struct fleet_px {
	struct fleet *f;
	size_t index;
	char *prefix;		/* "192.0.2.1/32" */
	char *dir;		/* R announcers/192.0.2.1_32/ */
	char *key;		/* dir + node */
	uint32_t min;
	enum fleet_outcome outcome;
	bool force;
	bool recheck;		/* announcers changed while a request was in flight */
	bool store_hold;	/* held by keep-announcing, not by a count */
	char announce[16];	/* what the router confirmed; "" = not announcing */
	char stored[16];	/* the key's state in the store as we put it; "" = none */
	struct etcd_request *req;
	char *put_value;	/* the value a put in flight carries */
	char put_state[16];
	bool put_is_delete;
	struct etcd_compare *cmp;	/* the others counted, for the txn */
	char **cmp_keys;		/* their keys (cmp[i].key), owned */
	size_t n_cmp;
	ev_timer decision;	/* decision-timeout-ms after the withdrawal was wanted */
	ev_timer retry;		/* after a store error that is not a transport failure */
	char guard[192];
	unsigned long holds, alone;
};

struct fleet_mkv {
	char *key;
	char *value;
	size_t len;
	int64_t create_revision;
};

struct fleet_fp {
	char *name;		/* "config" or the file's path */
	char hmac[FINGERPRINT_HEX_LEN + 1];
	ev_stat stat;		/* files only */
	struct fleet *f;
};

struct fleet {
	struct ev_loop *loop;
	const struct config *cfg;
	struct fleet_callbacks cb;
	void *arg;
	struct etcd *etcd;
	char *root;		/* /anycast-healthd/NAME/ */
	char *gw_key;		/* root gateways/NODE */

	/* the lease */
	int64_t lease;
	struct etcd_request *lease_req;
	ev_timer keepalive;

	/* the store's reachability */
	bool reachable;
	char endpoint[256];
	char why[256];
	double since;
	unsigned long unreachable_total;

	/* the gateway record */
	struct etcd_request *rec_req;
	bool rec_dirty;
	double rec_last;	/* monotonic-ish: ev_now of the last put */
	ev_timer rec_timer;

	/* the mirror */
	struct fleet_mkv *kv;
	size_t n_kv;
	int64_t revision;
	bool filled;
	struct etcd_request *mirror_req;
	struct etcd_watch *watch;
	ev_timer mirror_timer;

	/* fingerprints and drift */
	unsigned char *hmac_key;
	size_t hmac_key_len;
	struct fleet_fp *fps;
	size_t n_fps;
	const char **drift;	/* names (the fps' own strings) */
	size_t n_drift;

	struct fleet_px **px;
	size_t n_px;
};

static void fleet_px_next(struct fleet_px *p);
static void fleet_px_counted(struct fleet_px *p, const struct etcd_kv *kvs, size_t n_kvs);
static void fleet_mirror_start(struct fleet *f);
static void fleet_record_put(struct fleet *f);
static void fleet_lease_grant(struct fleet *f);

/* ---- the store's reachability ---- */

static void
fleet_store_set(struct fleet *f, const struct etcd_result *r)
{
	bool up = r->status != ETCD_UNREACHABLE;
	size_t i;

	if (r->endpoint)
		snprintf(f->endpoint, sizeof(f->endpoint), "%s", r->endpoint);
	if (up == f->reachable)
		return;
	f->reachable = up;
	f->since = ev_now(f->loop);
	if (!up) {
		snprintf(f->why, sizeof(f->why), "%s", r->error);
		f->unreachable_total++;
		for (i = 0; i < f->n_px; i++)
			if (f->px[i]->outcome == FLEET_PENDING)
				snprintf(f->px[i]->guard, sizeof(f->px[i]->guard),
					 "waiting for the store");
		log_warnx("fleet: store unreachable (%s); a guarded withdrawal waits up to %u ms, "
			  "then %s", f->why, f->cfg->fleet.decision_timeout_ms,
			  on_store_loss_action_names[f->cfg->fleet.on_store_loss]);
	} else {
		f->why[0] = '\0';
		log_info("fleet: store reachable again (%s)", f->endpoint);
		/* Whatever was put before may have expired with the lease: the
		 * keepalive finds out; the keys and the record go again. */
		for (i = 0; i < f->n_px; i++) {
			if (f->px[i]->outcome == FLEET_HELD || f->px[i]->outcome == FLEET_PENDING)
				f->px[i]->recheck = true;
			fleet_px_next(f->px[i]);
		}
		fleet_record_dirty(f);
		if (f->watch == NULL && f->mirror_req == NULL)
			fleet_mirror_start(f);
	}
	if (f->cb.changed)
		f->cb.changed(f->arg);
}

/* True (and the reachability noted) when the store answered at all. */
static bool
fleet_answered(struct fleet *f, const struct etcd_result *r)
{
	fleet_store_set(f, r);
	return r->status != ETCD_UNREACHABLE;
}

/* ---- the mirror ---- */

static void
fleet_mirror_clear(struct fleet *f)
{
	size_t i;

	for (i = 0; i < f->n_kv; i++) {
		free(f->kv[i].key);
		free(f->kv[i].value);
	}
	free(f->kv);
	f->kv = NULL;
	f->n_kv = 0;
}

static struct fleet_mkv *
fleet_mirror_find(const struct fleet *f, const char *key)
{
	size_t i;

	for (i = 0; i < f->n_kv; i++)
		if (strcmp(f->kv[i].key, key) == 0)
			return &f->kv[i];
	return NULL;
}

static void
fleet_mirror_set(struct fleet *f, const struct etcd_kv *kv)
{
	struct fleet_mkv *m = fleet_mirror_find(f, kv->key);

	if (m == NULL) {
		f->kv = realloc(f->kv, (f->n_kv + 1) * sizeof(*f->kv));
		if (f->kv == NULL)
			fatalx("out of memory");
		m = &f->kv[f->n_kv++];
		m->key = xstrdup(kv->key);
	} else {
		free(m->value);
	}
	m->value = xcalloc(1, kv->value_len + 1);
	memcpy(m->value, kv->value, kv->value_len);
	m->len = kv->value_len;
	m->create_revision = kv->create_revision;
}

static void
fleet_mirror_delete(struct fleet *f, const char *key)
{
	struct fleet_mkv *m = fleet_mirror_find(f, key);

	if (m == NULL)
		return;
	free(m->key);
	free(m->value);
	*m = f->kv[--f->n_kv];
}

/* The node of announcer key `key` under `dir` (R announcers/P/), or NULL
 * when it is no gateway's key: an empty name or a deeper path (another
 * tool's key, an etcdctl typo) must not count as a gateway announcing. */
static const char *
fleet_announcer_node(const char *key, const char *dir, size_t len)
{
	if (strncmp(key, dir, len) != 0 || key[len] == '\0' || strchr(key + len, '/') != NULL)
		return NULL;
	return key + len;
}

/* The mirror's announcer keys of one prefix, as guard keys (pointing into
 * the mirror); *n of them, malloc'd array. */
static struct fleet_guard_key *
fleet_mirror_announcers(const struct fleet *f, const struct fleet_px *p, size_t *n)
{
	struct fleet_guard_key *k = xcalloc(f->n_kv + 1, sizeof(*k));
	size_t i, len = strlen(p->dir);

	*n = 0;
	for (i = 0; i < f->n_kv; i++) {
		if (fleet_announcer_node(f->kv[i].key, p->dir, len) == NULL)
			continue;
		k[*n].node = f->kv[i].key + len;
		k[*n].create_revision = f->kv[i].create_revision;
		(*n)++;
	}
	return k;
}

/* Every decodable record under gateways/ (an undecodable one is skipped:
 * a broken writer must not blind the others). */
static struct fleet_record *
fleet_mirror_records(const struct fleet *f, size_t *n)
{
	struct fleet_record *recs = xcalloc(f->n_kv + 1, sizeof(*recs));
	size_t i, glen = strlen(f->root) + strlen("gateways/");
	char err[128];

	*n = 0;
	for (i = 0; i < f->n_kv; i++) {
		if (strncmp(f->kv[i].key, f->root, strlen(f->root)) != 0 ||
		    strncmp(f->kv[i].key + strlen(f->root), "gateways/", 9) != 0 ||
		    strlen(f->kv[i].key) <= glen)
			continue;
		if (fleet_record_decode(f->kv[i].value, f->kv[i].len, &recs[*n], err,
					sizeof(err)) < 0) {
			log_debug("fleet: %s: %s", f->kv[i].key, err);
			continue;
		}
		(*n)++;
	}
	return recs;
}

static void
fleet_records_free(struct fleet_record *recs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fleet_record_clear(&recs[i]);
	free(recs);
}

/* The other nodes whose fingerprint `name` differs from ours: "gw2, gw3". */
static void
fleet_drift_others(const struct fleet *f, const struct fleet_record *recs, size_t n,
		   const struct fleet_fp *fp, char *buf, size_t len)
{
	size_t i, j, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		if (strcmp(recs[i].node, f->cfg->fleet.node) == 0)
			continue;
		for (j = 0; j < recs[i].n_fingerprints; j++)
			if (strcmp(recs[i].fingerprints[j].name, fp->name) == 0 &&
			    strcmp(recs[i].fingerprints[j].hmac, fp->hmac) != 0)
				used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 recs[i].node);
	}
}

static bool
fleet_drift_has(const struct fleet *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n_drift; i++)
		if (strcmp(f->drift[i], name) == 0)
			return true;
	return false;
}

/* Recompute this gateway's drift from the mirror; log each change once. */
static void
fleet_drift_update(struct fleet *f)
{
	size_t n, i, nd = 0;
	struct fleet_record *recs = fleet_mirror_records(f, &n);
	const char **drift = xcalloc(f->n_fps + 1, sizeof(*drift));
	bool changed = false;
	char others[256];

	for (i = 0; i < f->n_fps; i++) {
		bool d = fleet_view_drifted(recs, n, f->cfg->fleet.node, f->fps[i].name);

		if (d)
			drift[nd++] = f->fps[i].name;
		if (d == fleet_drift_has(f, f->fps[i].name))
			continue;
		changed = true;
		fleet_drift_others(f, recs, n, &f->fps[i], others, sizeof(others));
		if (d)
			log_warnx("fleet: %s differs from the fleet's majority (%s)", f->fps[i].name,
				  others);
		else
			log_info("fleet: %s agrees with the fleet's majority again", f->fps[i].name);
	}
	free(f->drift);
	f->drift = drift;
	f->n_drift = nd;
	fleet_records_free(recs, n);
	if (changed && f->cb.changed)
		f->cb.changed(f->arg);
}

/* A key under announcers/ changed: the prefix it belongs to re-checks. */
static void
fleet_mirror_touched(struct fleet *f, const char *key)
{
	size_t i;

	for (i = 0; i < f->n_px; i++) {
		struct fleet_px *p = f->px[i];

		if (strncmp(key, p->dir, strlen(p->dir)) != 0)
			continue;
		if (strcmp(key, p->key) == 0 && fleet_mirror_find(f, key) == NULL)
			p->stored[0] = '\0';	/* gone (lease expiry): put again if due */
		if (p->outcome == FLEET_HELD || p->outcome == FLEET_PENDING)
			p->recheck = true;
		fleet_px_next(p);
	}
}

static void
fleet_watch_events_cb(void *arg, const struct etcd_event *ev, size_t n, int64_t revision)
{
	struct fleet *f = arg;
	bool gateways = false;
	size_t i;

	f->revision = revision;
	for (i = 0; i < n; i++) {
		if (ev[i].deleted)
			fleet_mirror_delete(f, ev[i].kv.key);
		else
			fleet_mirror_set(f, &ev[i].kv);
		if (strstr(ev[i].kv.key + strlen(f->root), "gateways/") == ev[i].kv.key + strlen(f->root))
			gateways = true;
	}
	for (i = 0; i < n; i++)
		fleet_mirror_touched(f, ev[i].kv.key);
	if (gateways)
		fleet_drift_update(f);
}

static void
fleet_mirror_later(struct fleet *f, double in)
{
	ev_timer_stop(f->loop, &f->mirror_timer);
	ev_timer_set(&f->mirror_timer, in, 0.);
	ev_timer_start(f->loop, &f->mirror_timer);
}

static void
fleet_watch_ended_cb(void *arg, const struct etcd_result *why)
{
	struct fleet *f = arg;

	f->watch = NULL;
	log_info("fleet: watch ended (%s); reading the fleet again", why->error);
	fleet_answered(f, why);
	fleet_mirror_later(f, f->reachable ? 0.05 : FLEET_RETRY_S);
}

static const struct etcd_watch_callbacks fleet_watch_callbacks = {
	.events = fleet_watch_events_cb,
	.ended = fleet_watch_ended_cb,
};

static void
fleet_mirror_read_cb(void *arg, const struct etcd_result *r)
{
	struct fleet *f = arg;
	size_t i;

	f->mirror_req = NULL;
	if (!fleet_answered(f, r) || r->status != ETCD_OK) {
		if (r->status != ETCD_UNREACHABLE)
			log_warnx("fleet: cannot read the fleet's keys: %s", r->error);
		fleet_mirror_later(f, FLEET_RETRY_S);
		return;
	}
	fleet_mirror_clear(f);
	for (i = 0; i < r->n_kvs; i++)
		fleet_mirror_set(f, &r->kvs[i]);
	f->revision = r->revision;
	f->filled = true;
	f->watch = etcd_watch_prefix(f->etcd, f->root, r->revision + 1, &fleet_watch_callbacks, f);
	for (i = 0; i < f->n_px; i++)
		fleet_mirror_touched(f, f->px[i]->key);
	fleet_drift_update(f);
}

static void
fleet_mirror_start(struct fleet *f)
{
	etcd_watch_cancel(f->watch);
	f->watch = NULL;
	if (f->mirror_req == NULL)
		f->mirror_req = etcd_range_prefix(f->etcd, f->root, fleet_mirror_read_cb, f);
}

static void
fleet_mirror_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	fleet_mirror_start(w->data);
}

/* ---- the lease ---- */

/* Every key put under the old lease is gone with it. */
static void
fleet_lease_lost(struct fleet *f)
{
	size_t i;

	f->lease = 0;
	for (i = 0; i < f->n_px; i++)
		f->px[i]->stored[0] = '\0';
}

static void
fleet_lease_grant_cb(void *arg, const struct etcd_result *r)
{
	struct fleet *f = arg;
	size_t i;

	f->lease_req = NULL;
	if (!fleet_answered(f, r) || r->status != ETCD_OK) {
		if (r->status != ETCD_UNREACHABLE)
			log_warnx("fleet: lease not granted: %s", r->error);
		return;		/* the keepalive tick asks again */
	}
	f->lease = r->lease_id;
	log_debug("fleet: lease %llx granted (%lld s)", (unsigned long long)f->lease,
		  (long long)r->ttl);
	fleet_record_put(f);
	for (i = 0; i < f->n_px; i++)
		fleet_px_next(f->px[i]);
}

static void
fleet_lease_grant(struct fleet *f)
{
	if (f->lease_req == NULL)
		f->lease_req = etcd_lease_grant(f->etcd, f->cfg->fleet.lease_ttl_s,
						fleet_lease_grant_cb, f);
}

/* A put the store refused for the lease ("requested lease not found": the
 * lease expired while the store was cut off longer than the TTL): grant a
 * new one now.  The keepalive tick would only ask once its last request
 * answered, and one sent into the cut may wait for its whole timeout. */
static void
fleet_lease_refused(struct fleet *f, const struct etcd_result *r)
{
	if (r->status != ETCD_ERROR || f->lease == 0 ||
	    strstr(r->error, "lease not found") == NULL)
		return;
	log_warnx("fleet: lease %llx lost (%s); granting a new one", (unsigned long long)f->lease,
		  r->error);
	if (f->lease_req != NULL) {
		etcd_cancel(f->lease_req);
		f->lease_req = NULL;
	}
	fleet_lease_lost(f);
	fleet_lease_grant(f);
}

static void
fleet_keepalive_cb(void *arg, const struct etcd_result *r)
{
	struct fleet *f = arg;

	f->lease_req = NULL;
	if (!fleet_answered(f, r))
		return;
	if (r->status == ETCD_OK && r->ttl > 0)
		return;
	log_warnx("fleet: lease %llx lost (%s); granting a new one", (unsigned long long)f->lease,
		  r->status == ETCD_OK ? "expired" : r->error);
	fleet_lease_lost(f);
	fleet_lease_grant(f);
}

static void
fleet_keepalive_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fleet *f = w->data;

	(void)loop;
	(void)revents;
	if (f->lease_req != NULL)
		return;		/* the last one has not answered yet */
	if (f->lease == 0)
		fleet_lease_grant(f);
	else
		f->lease_req = etcd_lease_keepalive(f->etcd, f->lease, fleet_keepalive_cb, f);
	if (f->watch == NULL && f->mirror_req == NULL && !ev_is_active(&f->mirror_timer))
		fleet_mirror_start(f);
}

/* ---- the gateway record ---- */

static void
fleet_record_cb(void *arg, const struct etcd_result *r)
{
	struct fleet *f = arg;

	f->rec_req = NULL;
	if (fleet_answered(f, r) && r->status != ETCD_OK)
		log_warnx("fleet: gateway record not written: %s", r->error);
	fleet_lease_refused(f, r);
	if (r->status != ETCD_OK)
		f->rec_dirty = true;	/* written again when the store is back */
	else if (f->rec_dirty)
		fleet_record_dirty(f);
}

static void
fleet_record_put(struct fleet *f)
{
	struct fleet_record rec = { 0 };
	struct fleet_record_fingerprint *fps;
	char *text;
	size_t i;

	if (f->lease == 0 || f->rec_req != NULL) {
		f->rec_dirty = true;
		return;
	}
	if (f->cb.record)
		f->cb.record(f->arg, &rec);
	fps = xcalloc(f->n_fps + 1, sizeof(*fps));
	for (i = 0; i < f->n_fps; i++) {
		fps[i].name = f->fps[i].name;
		fps[i].hmac = f->fps[i].hmac;
	}
	rec.node = f->cfg->fleet.node;
	rec.version = (char *)PACKAGE_VERSION;
	rec.updated = ev_now(f->loop);
	rec.alone = !f->reachable;
	rec.fingerprints = fps;
	rec.n_fingerprints = f->n_fps;
	text = fleet_record_encode(&rec);
	free(rec.services);
	free(rec.prefixes);
	free(fps);
	if (text == NULL)
		fatalx("out of memory");
	f->rec_dirty = false;
	f->rec_last = ev_now(f->loop);
	f->rec_req = etcd_put(f->etcd, f->gw_key, text, strlen(text), f->lease, fleet_record_cb, f);
	free(text);
}

static void
fleet_record_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	fleet_record_put(w->data);
}

void
fleet_record_dirty(struct fleet *f)
{
	double gap;

	if (f == NULL)
		return;
	f->rec_dirty = true;
	if (f->rec_req != NULL || ev_is_active(&f->rec_timer))
		return;		/* the put in flight, or the one planned, takes it */
	gap = f->rec_last + FLEET_RECORD_MIN_GAP_S - ev_now(f->loop);
	if (gap <= 0) {
		fleet_record_put(f);
		return;
	}
	ev_timer_set(&f->rec_timer, gap, 0.);
	ev_timer_start(f->loop, &f->rec_timer);
}

/* ---- the guard, per prefix ---- */

static void
fleet_px_decided(struct fleet_px *p, bool withdraw, const char *why)
{
	if (p->f->cb.decided)
		p->f->cb.decided(p->f->arg, p->index, withdraw, why);
}

static void
fleet_px_hold(struct fleet_px *p, size_t others)
{
	char text[160];

	fleet_guard_hold_text(others, p->min, text, sizeof(text));
	snprintf(p->guard, sizeof(p->guard), "held: %s", text);
	if (p->outcome == FLEET_HELD && !p->store_hold)
		return;
	p->outcome = FLEET_HELD;
	p->store_hold = false;
	p->holds++;
	ev_timer_stop(p->f->loop, &p->decision);
	log_warnx("fleet guard: holding %s: %s", p->prefix, text);
	fleet_px_decided(p, false, p->guard);
}

/* The guard said leave (txn done, or alone/forced): withdraw. */
static void
fleet_px_leave(struct fleet_px *p, const char *why)
{
	p->outcome = FLEET_LEFT;
	p->store_hold = false;
	/* The router is told to withdraw: what it confirmed before no longer
	 * stands, and announcing again puts the key only once it confirms. */
	p->announce[0] = '\0';
	ev_timer_stop(p->f->loop, &p->decision);
	snprintf(p->guard, sizeof(p->guard), "%s", why);
	fleet_px_decided(p, true, why);
}

/* After an error answer: fleet_px_next() once FLEET_RETRY_S passed.  A
 * held prefix re-counts then (the error may have hidden a change). */
static void
fleet_px_retry_later(struct fleet_px *p)
{
	if (p->outcome == FLEET_HELD)
		p->recheck = true;
	ev_timer_start(p->f->loop, &p->retry);
}

static void
fleet_px_cmp_free(struct fleet_px *p)
{
	size_t i;

	for (i = 0; i < p->n_cmp; i++)
		free(p->cmp_keys[i]);
	free(p->cmp);
	free(p->cmp_keys);
	p->cmp = NULL;
	p->cmp_keys = NULL;
	p->n_cmp = 0;
}

static void
fleet_px_txn_cb(void *arg, const struct etcd_result *r)
{
	struct fleet_px *p = arg;
	size_t n;
	struct fleet_guard_key *keys;
	char names[160];

	p->req = NULL;
	if (!fleet_answered(p->f, r))
		return;
	if (r->status == ETCD_OK && r->succeeded)
		p->stored[0] = '\0';	/* our key is gone, whatever happens next */
	if (r->status != ETCD_OK) {
		/* An error answer (permission, too many compares) comes back the
		 * same at once: asked again after a pause, not in a loop. */
		log_warnx("fleet guard: %s: %s", p->prefix, r->error);
		fleet_px_retry_later(p);
		return;
	}
	if (!r->succeeded && (p->outcome == FLEET_PENDING || p->outcome == FLEET_HELD)) {
		fleet_px_counted(p, r->kvs, r->n_kvs);	/* the failure branch's read */
		return;
	}
	if (!r->succeeded || p->outcome == FLEET_KEEP || p->outcome == FLEET_LEFT) {
		/* Someone changed announcers/P/ first: count again. */
		fleet_px_next(p);
		return;
	}
	p->stored[0] = '\0';
	keys = xcalloc(p->n_cmp + 1, sizeof(*keys));
	for (n = 0; n < p->n_cmp; n++)
		keys[n].node = p->cmp[n].key + strlen(p->dir);
	fleet_guard_release_text(keys, n, p->f->cfg->fleet.node, names, sizeof(names));
	free(keys);
	if (p->outcome == FLEET_HELD)
		log_info("fleet guard: released %s: %s", p->prefix, names);
	fleet_px_leave(p, names);
	snprintf(p->guard, sizeof(p->guard), "left: %s", names);
	fleet_px_next(p);
}

/* The others counted: compare each one's incarnation, delete ours.  When
 * a compare fails (someone left or came back first), the failure branch
 * reads announcers/P/ again, so the recount needs no request of its own. */
static void
fleet_px_txn(struct fleet_px *p)
{
	struct etcd_op del = { .kind = ETCD_OP_DELETE, .key = p->key };
	struct etcd_op reread = { .kind = ETCD_OP_RANGE_PREFIX, .key = p->dir };
	struct etcd_txn t = {
		.compare = p->cmp, .n_compare = p->n_cmp, .success = &del, .n_success = 1,
		.failure = &reread, .n_failure = 1,
	};

	p->req = etcd_txn(p->f->etcd, &t, fleet_px_txn_cb, p);
}

/* Decide from announcer keys read from the store or its mirror: hold, or
 * the txn that compares every other one counted. */
static void
fleet_px_decide(struct fleet_px *p, const struct fleet_guard_key *keys, size_t n)
{
	struct fleet_guard_decision d;
	size_t i;

	fleet_px_cmp_free(p);
	p->cmp = xcalloc(n + 1, sizeof(*p->cmp));
	p->cmp_keys = xcalloc(n + 1, sizeof(*p->cmp_keys));
	for (i = 0; i < n; i++) {
		if (strcmp(keys[i].node, p->f->cfg->fleet.node) == 0)
			continue;
		if (asprintf(&p->cmp_keys[p->n_cmp], "%s%s", p->dir, keys[i].node) < 0)
			fatalx("out of memory");
		p->cmp[p->n_cmp].key = p->cmp_keys[p->n_cmp];
		p->cmp[p->n_cmp++].create_revision = keys[i].create_revision;
	}
	d = fleet_guard_decide(keys, n, p->f->cfg->fleet.node, p->min);
	if (d.verdict == FLEET_GUARD_HOLD) {
		fleet_px_hold(p, d.others);
		fleet_px_next(p);	/* the key says "held" now */
		return;
	}
	fleet_px_txn(p);
}

/* The keys a range (or a failed txn) read under announcers/P/; a key
 * deeper than P/NODE is no announcer (the mirror skips it too). */
static void
fleet_px_counted(struct fleet_px *p, const struct etcd_kv *kvs, size_t n_kvs)
{
	struct fleet_guard_key *keys = xcalloc(n_kvs + 1, sizeof(*keys));
	size_t i, n = 0, len = strlen(p->dir);

	for (i = 0; i < n_kvs; i++) {
		if ((keys[n].node = fleet_announcer_node(kvs[i].key, p->dir, len)) == NULL)
			continue;
		keys[n++].create_revision = kvs[i].create_revision;
	}
	fleet_px_decide(p, keys, n);
	free(keys);
}

static void
fleet_px_range_cb(void *arg, const struct etcd_result *r)
{
	struct fleet_px *p = arg;

	p->req = NULL;
	if (!fleet_answered(p->f, r))
		return;
	if (r->status != ETCD_OK) {
		log_warnx("fleet guard: cannot count %s's announcers: %s", p->prefix, r->error);
		fleet_px_retry_later(p);
		return;
	}
	if (p->outcome != FLEET_PENDING && p->outcome != FLEET_HELD) {
		fleet_px_next(p);
		return;
	}
	fleet_px_counted(p, r->kvs, r->n_kvs);
}

static void
fleet_px_range(struct fleet_px *p)
{
	p->recheck = false;
	if (p->outcome == FLEET_PENDING)
		snprintf(p->guard, sizeof(p->guard), "counting the other gateways announcing it");
	p->req = etcd_range_prefix(p->f->etcd, p->dir, fleet_px_range_cb, p);
}

/*
 * The watch mirror already has announcers/P/: when it says this gateway
 * may leave, the txn goes at once, one round trip in all.  A stale mirror
 * is safe: the txn's compares are the count, so a key gone since fails it
 * and the failure branch's read counts again.  A hold is confirmed by a
 * read of the store first.
 */
static bool
fleet_px_try_mirror(struct fleet_px *p)
{
	struct fleet_guard_decision d;
	struct fleet_guard_key *keys;
	size_t n;

	if (!p->f->filled)
		return false;
	keys = fleet_mirror_announcers(p->f, p, &n);
	d = fleet_guard_decide(keys, n, p->f->cfg->fleet.node, p->min);
	if (d.verdict == FLEET_GUARD_LEAVE) {
		p->recheck = false;
		fleet_px_decide(p, keys, n);
	}
	free(keys);
	return d.verdict == FLEET_GUARD_LEAVE;
}

static void
fleet_px_put_cb(void *arg, const struct etcd_result *r)
{
	struct fleet_px *p = arg;

	p->req = NULL;
	free(p->put_value);
	p->put_value = NULL;
	if (!fleet_answered(p->f, r))
		return;
	if (r->status == ETCD_OK)
		snprintf(p->stored, sizeof(p->stored), "%s", p->put_is_delete ? "" : p->put_state);
	else
		log_warnx("fleet: %s: announcer key not %s: %s", p->prefix,
			  p->put_is_delete ? "deleted" : "written", r->error);
	fleet_lease_refused(p->f, r);
	if (r->status == ETCD_OK)
		fleet_px_next(p);
	else
		fleet_px_retry_later(p);
}

/* The state the own key should have now; "" = no key. */
static const char *
fleet_px_key_state(const struct fleet_px *p)
{
	switch (p->outcome) {
	case FLEET_KEEP:
		return p->announce;
	case FLEET_HELD:
		return "held";
	case FLEET_LEFT:
		return "";
	case FLEET_PENDING:
	default:
		return NULL;	/* the guard owns the key */
	}
}

static void
fleet_px_sync_key(struct fleet_px *p)
{
	const char *want = fleet_px_key_state(p);
	struct fleet *f = p->f;

	if (want == NULL || strcmp(want, p->stored) == 0)
		return;
	p->put_is_delete = want[0] == '\0';
	snprintf(p->put_state, sizeof(p->put_state), "%s", want);
	if (p->put_is_delete) {
		p->req = etcd_delete(f->etcd, p->key, fleet_px_put_cb, p);
		return;
	}
	if (f->lease == 0)
		return;		/* put when the lease is granted */
	if (asprintf(&p->put_value, "{\"state\":\"%s\",\"since\":%.0f}", want,
		     ev_now(f->loop)) < 0)
		fatalx("out of memory");
	p->req = etcd_put(f->etcd, p->key, p->put_value, strlen(p->put_value), f->lease,
			  fleet_px_put_cb, p);
}

/* One request per prefix at a time, so the store sees its changes in the
 * order they were decided: the guard first, then the key. */
static void
fleet_px_next(struct fleet_px *p)
{
	if (p->req != NULL || !p->f->reachable)
		return;
	if (p->outcome == FLEET_PENDING || (p->outcome == FLEET_HELD && p->recheck)) {
		if (!fleet_px_try_mirror(p))
			fleet_px_range(p);
		return;
	}
	fleet_px_sync_key(p);
}

static void
fleet_px_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	fleet_px_next(w->data);
}

/* decision-timeout-ms passed and the store has not decided: on-store-loss. */
static void
fleet_px_decision_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fleet_px *p = w->data;
	const struct fleet_config *fc = &p->f->cfg->fleet;
	char why[192];

	(void)loop;
	(void)revents;
	if (p->outcome != FLEET_PENDING)
		return;
	if (p->req)
		etcd_cancel(p->req);
	p->req = NULL;
	if (fleet_guard_store_loss(fc->on_store_loss, false, fc->decision_timeout_ms,
				   fc->decision_timeout_ms) == FLEET_GUARD_KEEP) {
		snprintf(p->guard, sizeof(p->guard), "held: no answer from the store in %u ms "
			 "(keep-announcing)", fc->decision_timeout_ms);
		p->outcome = FLEET_HELD;
		p->store_hold = true;
		p->recheck = true;
		p->holds++;
		log_warnx("fleet guard: holding %s: %s", p->prefix, p->guard + 6);
		fleet_px_decided(p, false, p->guard);
		fleet_px_next(p);	/* a store slow, not gone: count again now */
		return;
	}
	p->alone++;
	snprintf(why, sizeof(why), "decided alone: no answer from the store in %u ms",
		 fc->decision_timeout_ms);
	log_warnx("fleet guard: %s: %s; withdrawing", p->prefix, why);
	fleet_px_leave(p, why);
	/* The request cancelled above was the only one: a store slow, not
	 * gone, deletes the key now instead of at the router's next read-back. */
	fleet_px_next(p);
}

void
fleet_withdraw(struct fleet *f, size_t index, bool force)
{
	struct fleet_px *p;

	if (f == NULL || index >= f->n_px)
		return;
	p = f->px[index];
	if (force) {
		/* Unguarded: the key goes whatever the others do. */
		if (p->req)
			etcd_cancel(p->req);
		p->req = NULL;
		p->stored[0] = 'x';	/* make sure the delete is sent */
		p->stored[1] = '\0';
		fleet_px_leave(p, "forced: the fleet guard skipped");
		fleet_px_next(p);
		return;
	}
	if (p->outcome == FLEET_PENDING || p->outcome == FLEET_HELD)
		return;		/* asked already; a LEFT one is asked anew */
	p->outcome = FLEET_PENDING;
	snprintf(p->guard, sizeof(p->guard), "waiting for the store");
	if (p->min == 0) {
		fleet_px_leave(p, "min-announcers 0: unguarded");
		fleet_px_next(p);
		return;
	}
	ev_timer_set(&p->decision, f->cfg->fleet.decision_timeout_ms / 1000., 0.);
	ev_timer_start(f->loop, &p->decision);
	fleet_px_next(p);
}

void
fleet_keep(struct fleet *f, size_t index)
{
	struct fleet_px *p;

	if (f == NULL || index >= f->n_px)
		return;
	p = f->px[index];
	if (p->outcome == FLEET_KEEP)
		return;
	if (p->outcome == FLEET_HELD && !p->store_hold)
		log_info("fleet guard: %s: no longer withdrawing, hold ended", p->prefix);
	ev_timer_stop(f->loop, &p->decision);
	p->outcome = FLEET_KEEP;
	p->store_hold = false;
	p->guard[0] = '\0';
	/* A range or txn in flight: its answer sees FLEET_KEEP and moves on. */
	fleet_px_next(p);
}

void
fleet_announcing(struct fleet *f, size_t index, const char *state)
{
	struct fleet_px *p;

	if (f == NULL || index >= f->n_px)
		return;
	p = f->px[index];
	snprintf(p->announce, sizeof(p->announce), "%s", state ? state : "");
	fleet_px_next(p);
}

int
fleet_admin_check(const struct fleet *f, size_t index, const char *verb, bool force, char *err,
		  size_t errlen)
{
	const struct fleet_px *p;
	struct fleet_guard_key *keys;
	size_t n;
	int rc;

	if (f == NULL || index >= f->n_px)
		return 0;
	p = f->px[index];
	keys = fleet_mirror_announcers(f, p, &n);
	rc = fleet_guard_admin_check(p->prefix, verb, keys, n, f->cfg->fleet.node, p->min, force,
				     err, errlen);
	free(keys);
	return rc;
}

/* ---- prefixes ---- */

static struct fleet_px *
fleet_px_new(struct fleet *f, size_t index, const struct prefix_config *pc)
{
	struct fleet_px *p = xcalloc(1, sizeof(*p));
	char *c;

	p->f = f;
	p->index = index;
	p->prefix = xstrdup(pc->prefix);
	p->min = pc->min_announcers;
	if (asprintf(&p->dir, "%sannouncers/%s/", f->root, pc->prefix) < 0 ||
	    asprintf(&p->key, "%s%s", p->dir, f->cfg->fleet.node) < 0)
		fatalx("out of memory");
	for (c = p->dir + strlen(f->root) + strlen("announcers/"); *c != '\0'; c++)
		if (*c == '/' && c[1] != '\0')
			*c = '_';
	memcpy(p->key, p->dir, strlen(p->dir));
	ev_timer_init(&p->decision, fleet_px_decision_cb, 0., 0.);
	p->decision.data = p;
	ev_timer_init(&p->retry, fleet_px_retry_cb, FLEET_RETRY_S, 0.);
	p->retry.data = p;
	return p;
}

static void
fleet_px_free(struct fleet_px *p)
{
	if (p == NULL)
		return;
	if (p->req)
		etcd_cancel(p->req);
	ev_timer_stop(p->f->loop, &p->decision);
	ev_timer_stop(p->f->loop, &p->retry);
	fleet_px_cmp_free(p);
	free(p->put_value);
	free(p->prefix);
	free(p->dir);
	free(p->key);
	free(p);
}

void
fleet_reconfigure(struct fleet *f, const struct config *cfg)
{
	struct fleet_px **old = f->px;
	size_t i, j, n_old = f->n_px;

	f->cfg = cfg;
	f->n_px = cfg->n_prefixes;
	f->px = xcalloc(f->n_px + 1, sizeof(*f->px));
	for (i = 0; i < f->n_px; i++) {
		for (j = 0; j < n_old; j++)
			if (old[j] && strcmp(old[j]->prefix, cfg->prefixes[i].prefix) == 0)
				break;
		if (j < n_old) {
			f->px[i] = old[j];
			old[j] = NULL;
			f->px[i]->index = i;
			f->px[i]->min = cfg->prefixes[i].min_announcers;
		} else {
			f->px[i] = fleet_px_new(f, i, &cfg->prefixes[i]);
		}
	}
	for (j = 0; j < n_old; j++) {
		if (old[j] && old[j]->stored[0] != '\0' && f->reachable)
			etcd_delete(f->etcd, old[j]->key, NULL, NULL);
		fleet_px_free(old[j]);
	}
	free(old);
	/* The config's fleet-wide form may have changed with it. */
	if (f->n_fps > 0 &&
	    fingerprint_config(f->hmac_key, f->hmac_key_len, cfg, f->fps[0].hmac) < 0)
		snprintf(f->fps[0].hmac, sizeof(f->fps[0].hmac), "unreadable");
	fleet_record_dirty(f);
	fleet_drift_update(f);
}

/* ---- fingerprints ---- */

static void
fleet_fp_file(struct fleet_fp *fp)
{
	char err[256] = "";

	fingerprint_file(fp->f->hmac_key, fp->f->hmac_key_len, fp->name, fp->hmac, err,
			 sizeof(err));
	if (err[0] != '\0')
		log_warnx("fleet: fingerprint of %s: %s", fp->name, err);
}

static void
fleet_fp_stat_cb(struct ev_loop *loop, ev_stat *w, int revents)
{
	struct fleet_fp *fp = w->data;
	char before[sizeof(fp->hmac)];

	(void)loop;
	(void)revents;
	memcpy(before, fp->hmac, sizeof(before));
	fleet_fp_file(fp);
	if (strcmp(before, fp->hmac) == 0)
		return;
	log_info("fleet: %s changed: fingerprint published again", fp->name);
	fleet_record_dirty(fp->f);
	fleet_drift_update(fp->f);
}

static int
fleet_fps_init(struct fleet *f)
{
	const struct fleet_config *fc = &f->cfg->fleet;
	char err[256];
	size_t i;

	if (fc->fingerprint_key_file == NULL)
		return 0;	/* no key: nothing is fingerprinted */
	if (fingerprint_key_load(fc->fingerprint_key_file, &f->hmac_key, &f->hmac_key_len, err,
				 sizeof(err)) < 0) {
		log_warnx("fleet: %s", err);
		return -1;
	}
	f->n_fps = fc->n_fingerprint_files + 1;
	f->fps = xcalloc(f->n_fps, sizeof(*f->fps));
	f->fps[0].name = xstrdup("config");
	f->fps[0].f = f;
	if (fingerprint_config(f->hmac_key, f->hmac_key_len, f->cfg, f->fps[0].hmac) < 0)
		snprintf(f->fps[0].hmac, sizeof(f->fps[0].hmac), "unreadable");
	for (i = 1; i < f->n_fps; i++) {
		struct fleet_fp *fp = &f->fps[i];

		fp->f = f;
		fp->name = xstrdup(fc->fingerprint_files[i - 1]);
		fleet_fp_file(fp);
		ev_stat_init(&fp->stat, fleet_fp_stat_cb, fp->name, 0.);
		fp->stat.data = fp;
		ev_stat_start(f->loop, &fp->stat);
	}
	return 0;
}

static void
fleet_fps_free(struct fleet *f)
{
	size_t i;

	for (i = 0; i < f->n_fps; i++) {
		if (i > 0)
			ev_stat_stop(f->loop, &f->fps[i].stat);
		free(f->fps[i].name);
	}
	free(f->fps);
	free(f->hmac_key);
	free(f->drift);
}

/* ---- life cycle ---- */

static char *
fleet_password(const struct fleet_config *fc)
{
	char *pw;
	size_t len;

	if (fc->password_file == NULL)
		return NULL;
	pw = file_read_all(fc->password_file, FLEET_PASSWORD_MAX);
	if (pw == NULL) {
		log_warnx("fleet: password-file %s: %s", fc->password_file,
			  errno == ENODEV ? "not a regular file" : strerror(errno));
		return NULL;
	}
	len = strcspn(pw, "\r\n");	/* one line; a trailing newline is not part of it */
	pw[len] = '\0';
	return pw;
}

static int
fleet_etcd_open(struct fleet *f)
{
	const struct fleet_config *fc = &f->cfg->fleet;
	char *pw = fleet_password(fc);
	struct etcd_options o = {
		.endpoints = (const char *const *)fc->endpoints, .n_endpoints = fc->n_endpoints,
		.ca_file = fc->ca_file, .cert_file = fc->cert_file, .key_file = fc->key_file,
		.user = fc->user, .password = pw, .timeout_ms = fc->request_timeout_ms,
	};
	char err[256];

	if (fc->password_file != NULL && pw == NULL)
		return -1;
	f->etcd = etcd_new(f->loop, &o, err, sizeof(err));
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	if (f->etcd == NULL) {
		log_warnx("fleet: %s", err);
		return -1;
	}
	snprintf(f->endpoint, sizeof(f->endpoint), "%s", etcd_endpoint(f->etcd));
	return 0;
}

struct fleet *
fleet_create(struct ev_loop *loop, const struct config *cfg, const struct fleet_callbacks *cb,
	     void *arg)
{
	struct fleet *f = xcalloc(1, sizeof(*f));
	double ka = cfg->fleet.lease_ttl_s / 3.;
	size_t i;

	f->loop = loop;
	f->cfg = cfg;
	f->cb = *cb;
	f->arg = arg;
	f->reachable = true;	/* until a request says otherwise */
	f->since = ev_now(loop);
	if (asprintf(&f->root, "/anycast-healthd/%s/", cfg->fleet.name) < 0 ||
	    asprintf(&f->gw_key, "%sgateways/%s", f->root, cfg->fleet.node) < 0)
		fatalx("out of memory");
	ev_timer_init(&f->keepalive, fleet_keepalive_timer_cb, ka, ka);
	f->keepalive.data = f;
	ev_timer_init(&f->rec_timer, fleet_record_timer_cb, 0., 0.);
	f->rec_timer.data = f;
	ev_timer_init(&f->mirror_timer, fleet_mirror_timer_cb, 0., 0.);
	f->mirror_timer.data = f;
	if (fleet_fps_init(f) < 0 || fleet_etcd_open(f) < 0) {
		fleet_free(f);
		return NULL;
	}
	f->n_px = cfg->n_prefixes;
	f->px = xcalloc(f->n_px + 1, sizeof(*f->px));
	for (i = 0; i < f->n_px; i++)
		f->px[i] = fleet_px_new(f, i, &cfg->prefixes[i]);
	ev_timer_start(loop, &f->keepalive);
	fleet_lease_grant(f);
	fleet_mirror_start(f);
	log_info("fleet: %s as %s, store %s", cfg->fleet.name, cfg->fleet.node, f->endpoint);
	return f;
}

void
fleet_free(struct fleet *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n_px; i++)
		fleet_px_free(f->px[i]);
	free(f->px);
	ev_timer_stop(f->loop, &f->keepalive);
	ev_timer_stop(f->loop, &f->rec_timer);
	ev_timer_stop(f->loop, &f->mirror_timer);
	etcd_watch_cancel(f->watch);
	etcd_free(f->etcd);	/* cancels the requests in flight */
	fleet_mirror_clear(f);
	fleet_fps_free(f);
	free(f->root);
	free(f->gw_key);
	free(f);
}

static bool
fleet_str_equal(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
fleet_strv_equal(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!fleet_str_equal(a[i], b[i]))
			return false;
	return true;
}

bool
fleet_config_equal(const struct fleet_config *a, const struct fleet_config *b)
{
	return a->enabled == b->enabled && fleet_str_equal(a->name, b->name) &&
	       fleet_str_equal(a->node, b->node) &&
	       fleet_strv_equal(a->endpoints, a->n_endpoints, b->endpoints, b->n_endpoints) &&
	       fleet_str_equal(a->ca_file, b->ca_file) &&
	       fleet_str_equal(a->cert_file, b->cert_file) &&
	       fleet_str_equal(a->key_file, b->key_file) && fleet_str_equal(a->user, b->user) &&
	       fleet_str_equal(a->password_file, b->password_file) &&
	       a->lease_ttl_s == b->lease_ttl_s && a->request_timeout_ms == b->request_timeout_ms &&
	       a->decision_timeout_ms == b->decision_timeout_ms &&
	       a->on_store_loss == b->on_store_loss &&
	       fleet_str_equal(a->fingerprint_key_file, b->fingerprint_key_file) &&
	       fleet_strv_equal(a->fingerprint_files, a->n_fingerprint_files,
				b->fingerprint_files, b->n_fingerprint_files);
}

/* ---- what status shows ---- */

void
fleet_prefix_info(const struct fleet *f, size_t index, struct fleet_prefix_info *out)
{
	const struct fleet_px *p;
	struct fleet_guard_key *keys;
	size_t n;

	memset(out, 0, sizeof(*out));
	out->guard = "";
	if (f == NULL || index >= f->n_px)
		return;
	p = f->px[index];
	keys = fleet_mirror_announcers(f, p, &n);
	free(keys);
	out->held = p->outcome == FLEET_HELD;
	out->guard = p->guard;
	out->announcers = n;
	out->min_announcers = p->min;
	out->holds = p->holds;
	out->alone = p->alone;
}

void
fleet_info(const struct fleet *f, struct fleet_info *out)
{
	size_t i, n = 0, glen;

	memset(out, 0, sizeof(*out));
	if (f == NULL)
		return;
	glen = strlen(f->root) + strlen("gateways/");
	for (i = 0; i < f->n_kv; i++)
		n += strncmp(f->kv[i].key, f->gw_key, glen) == 0;
	out->name = f->cfg->fleet.name;
	out->node = f->cfg->fleet.node;
	out->reachable = f->reachable;
	out->endpoint = f->endpoint;
	out->why = f->why;
	out->since = f->since;
	out->alone = !f->reachable;
	out->gateways = n;
	out->unreachable_total = f->unreachable_total;
	out->drift = f->drift;
	out->n_drift = f->n_drift;
}

bool
fleet_drifted(const struct fleet *f, const char *name)
{
	return f != NULL && fleet_drift_has(f, name);
}

/* "192.0.2.1_32" -> "192.0.2.1/32": the last '_' was the '/'. */
static char *
fleet_key_prefix(const char *dir, size_t len)
{
	char *p = xcalloc(1, len + 1), *u;

	memcpy(p, dir, len);
	u = strrchr(p, '_');
	if (u != NULL)
		*u = '/';
	return p;
}

/* The state word of an announcer key's value, or "?". */
static char *
fleet_key_state(const struct fleet_mkv *m)
{
	struct json_object *o = json_tokener_parse(m->value), *s;
	char *state;

	if (o != NULL && json_object_object_get_ex(o, "state", &s) &&
	    json_object_is_type(s, json_type_string))
		state = xstrdup(json_object_get_string(s));
	else
		state = xstrdup("?");
	json_object_put(o);
	return state;
}

struct json_object *
fleet_view(const struct fleet *f, char *err, size_t errlen)
{
	struct fleet_view_store st = {
		.reachable = f->reachable, .endpoint = f->endpoint, .why = f->why,
		.since = f->since, .revision = f->revision,
	};
	struct fleet_announcer *ann;
	char **owned;
	struct fleet_record *recs;
	struct json_object *o;
	size_t i, n_recs, n_ann = 0, alen;
	char *adir;

	if (!f->filled) {
		snprintf(err, errlen, "the fleet's store has not been read yet");
		return NULL;
	}
	if (asprintf(&adir, "%sannouncers/", f->root) < 0)
		fatalx("out of memory");
	alen = strlen(adir);
	recs = fleet_mirror_records(f, &n_recs);
	ann = xcalloc(f->n_kv + 1, sizeof(*ann));
	owned = xcalloc(2 * f->n_kv + 1, sizeof(*owned));
	for (i = 0; i < f->n_kv; i++) {
		const char *rest = f->kv[i].key + alen, *slash;

		if (strncmp(f->kv[i].key, adir, alen) != 0 || (slash = strchr(rest, '/')) == NULL)
			continue;
		owned[2 * n_ann] = fleet_key_prefix(rest, (size_t)(slash - rest));
		owned[2 * n_ann + 1] = fleet_key_state(&f->kv[i]);
		ann[n_ann].prefix = owned[2 * n_ann];
		ann[n_ann].node = slash + 1;
		ann[n_ann].state = owned[2 * n_ann + 1];
		n_ann++;
	}
	o = fleet_view_json(f->cfg->fleet.name, f->cfg->fleet.node, &st, recs, n_recs, ann, n_ann);
	for (i = 0; i < 2 * n_ann; i++)
		free(owned[i]);
	free(owned);
	free(ann);
	free(adir);
	fleet_records_free(recs, n_recs);
	if (o == NULL)
		snprintf(err, errlen, "out of memory");
	return o;
}
