/*
 * fake_etcd.c - the in-memory etcd of fake_etcd.h, implementing every
 * function of etcd.h on the loop.  Deterministic: requests are served in
 * the order they were made, one round per zero-timer tick; watch events
 * are delivered in a later round, in revision order, like a real stream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_etcd.h"
#include "fleet/etcd.h"
#include "log.h"

struct fake_kv {
	char *key;
	char *value;
	size_t len;
	int64_t create_revision, mod_revision, version, lease;
};

struct fake_lease {
	int64_t id;
	int64_t ttl;
	double expiry;		/* ev_now */
};

enum fake_kind { FAKE_GRANT, FAKE_KEEPALIVE, FAKE_REVOKE, FAKE_PUT, FAKE_DELETE, FAKE_RANGE,
		 FAKE_TXN, FAKE_WATCH_EVENTS, FAKE_WATCH_END, FAKE_KIND__COUNT };
static const char *const fake_kind_names[FAKE_KIND__COUNT] = {
	"grant", "keepalive", "revoke", "put", "delete", "range", "txn", "events", "end",
};

struct etcd {
	struct ev_loop *loop;
	char endpoint[64];
};

struct etcd_request {
	struct etcd *e;
	enum fake_kind kind;
	etcd_cb cb;
	void *arg;
	char *key;
	char *value;
	size_t len;
	int64_t lease, ttl;
	/* txn */
	struct etcd_compare *cmp;
	size_t n_cmp;
	struct etcd_op *ops[2];
	size_t n_ops[2];
	/* watch delivery */
	struct etcd_watch *w;
	struct etcd_event *ev;
	size_t n_ev;
	int64_t revision;
	unsigned long seq;		/* order made: a round serves the older ones */
	struct etcd_request *next;
};

struct etcd_watch {
	struct etcd *e;
	char *prefix;
	struct etcd_watch_callbacks cb;
	void *arg;
	bool ended;
	struct etcd_watch *next;
};

static struct {
	struct fake_kv *kv;
	size_t n_kv;
	int64_t revision;
	struct fake_lease *leases;
	size_t n_leases;
	int64_t next_lease;
	bool unreachable;
	bool paused;		/* nothing answered: a store that is slow */
	int hold_kind;		/* requests of this kind wait (fake_etcd_hold); -1: none */
	int fail_kind;		/* answered ETCD_ERROR, -1: none */
	int fail_code;
	char fail_why[128];
	struct etcd_request *head, *tail;
	struct etcd_watch *watches;
	struct ev_loop *loop;
	ev_timer tick;
	unsigned long served[FAKE_KIND__COUNT];
	unsigned long seq;
} fk = { .revision = 1, .next_lease = 0x100, .fail_kind = -1, .hold_kind = -1 };

static void fake_tick_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void fake_watch_unlink(struct etcd_watch *w);

static char *
fake_dup(const void *p, size_t len)
{
	char *s = xcalloc(1, len + 1);

	memcpy(s, p, len);
	return s;
}

static void
fake_enqueue(struct etcd_request *r)
{
	r->seq = fk.seq++;
	if (fk.tail)
		fk.tail->next = r;
	else
		fk.head = r;
	fk.tail = r;
	fk.loop = r->e->loop;
	if (!ev_is_active(&fk.tick)) {
		ev_timer_init(&fk.tick, fake_tick_cb, 0., 0.);
		ev_timer_start(fk.loop, &fk.tick);
	}
}

static struct etcd_request *
fake_request(struct etcd *e, enum fake_kind kind, etcd_cb cb, void *arg)
{
	struct etcd_request *r = xcalloc(1, sizeof(*r));

	r->e = e;
	r->kind = kind;
	r->cb = cb;
	r->arg = arg;
	fake_enqueue(r);
	return r;
}

static void
fake_request_free(struct etcd_request *r)
{
	size_t i, b;

	free(r->key);
	free(r->value);
	for (i = 0; i < r->n_cmp; i++)
		free((void *)(uintptr_t)r->cmp[i].key);
	free(r->cmp);
	for (b = 0; b < 2; b++) {
		for (i = 0; i < r->n_ops[b]; i++) {
			free((void *)(uintptr_t)r->ops[b][i].key);
			free((void *)(uintptr_t)r->ops[b][i].value);
		}
		free(r->ops[b]);
	}
	for (i = 0; i < r->n_ev; i++) {
		free(r->ev[i].kv.key);
		free(r->ev[i].kv.value);
	}
	free(r->ev);
	free(r);
}

/* ---- the store ---- */

static struct fake_kv *
fake_find(const char *key)
{
	size_t i;

	for (i = 0; i < fk.n_kv; i++)
		if (strcmp(fk.kv[i].key, key) == 0)
			return &fk.kv[i];
	return NULL;
}

/* Queue the event for every watch whose prefix covers the key. */
static void
fake_notify(const struct fake_kv *kv, bool deleted)
{
	struct etcd_watch *w;

	for (w = fk.watches; w; w = w->next) {
		struct etcd_request *r;

		if (w->ended || strncmp(kv->key, w->prefix, strlen(w->prefix)) != 0)
			continue;
		r = xcalloc(1, sizeof(*r));
		r->e = w->e;
		r->kind = FAKE_WATCH_EVENTS;
		r->w = w;
		r->ev = xcalloc(1, sizeof(*r->ev));
		r->n_ev = 1;
		r->ev[0].deleted = deleted;
		r->ev[0].kv = (struct etcd_kv){
			.key = xstrdup(kv->key), .value = fake_dup(kv->value, deleted ? 0 : kv->len),
			.value_len = deleted ? 0 : kv->len, .create_revision = kv->create_revision,
			.mod_revision = fk.revision, .version = kv->version, .lease = kv->lease,
		};
		r->revision = fk.revision;
		fake_enqueue(r);
	}
}

static void
fake_store_put(const char *key, const char *value, size_t len, int64_t lease)
{
	struct fake_kv *kv = fake_find(key);

	fk.revision++;
	if (kv == NULL) {
		fk.kv = realloc(fk.kv, (fk.n_kv + 1) * sizeof(*fk.kv));
		kv = &fk.kv[fk.n_kv++];
		memset(kv, 0, sizeof(*kv));
		kv->key = xstrdup(key);
		kv->create_revision = fk.revision;
	} else {
		free(kv->value);
	}
	kv->value = fake_dup(value, len);
	kv->len = len;
	kv->mod_revision = fk.revision;
	kv->version++;
	kv->lease = lease;
	fake_notify(kv, false);
}

static void
fake_store_delete(const char *key)
{
	struct fake_kv *kv = fake_find(key);

	if (kv == NULL)
		return;
	fk.revision++;
	fake_notify(kv, true);
	free(kv->key);
	free(kv->value);
	*kv = fk.kv[--fk.n_kv];
}

static struct fake_lease *
fake_lease_find(int64_t id)
{
	size_t i;

	for (i = 0; i < fk.n_leases; i++)
		if (fk.leases[i].id == id)
			return &fk.leases[i];
	return NULL;
}

static void
fake_lease_drop(size_t i)
{
	int64_t id = fk.leases[i].id;
	size_t k;

	fk.leases[i] = fk.leases[--fk.n_leases];
	for (k = 0; k < fk.n_kv;) {
		if (fk.kv[k].lease == id)
			fake_store_delete(fk.kv[k].key);
		else
			k++;
	}
}

/* Leases whose time ran out go, with their keys. */
static void
fake_leases_expire(double now)
{
	size_t i;

	for (i = 0; i < fk.n_leases;) {
		if (fk.leases[i].expiry <= now)
			fake_lease_drop(i);
		else
			i++;
	}
}

/* The kvs starting with prefix, as an etcd_kv array (pointing into the store). */
static struct etcd_kv *
fake_range(const char *prefix, size_t *n)
{
	struct etcd_kv *out = xcalloc(fk.n_kv + 1, sizeof(*out));
	size_t i;

	*n = 0;
	for (i = 0; i < fk.n_kv; i++) {
		const struct fake_kv *kv = &fk.kv[i];

		if (strncmp(kv->key, prefix, strlen(prefix)) != 0)
			continue;
		out[(*n)++] = (struct etcd_kv){
			.key = kv->key, .value = kv->value, .value_len = kv->len,
			.create_revision = kv->create_revision, .mod_revision = kv->mod_revision,
			.version = kv->version, .lease = kv->lease,
		};
	}
	return out;
}

static bool
fake_compare(const struct etcd_request *r)
{
	size_t i;

	for (i = 0; i < r->n_cmp; i++) {
		const struct fake_kv *kv = fake_find(r->cmp[i].key);

		if ((kv ? kv->create_revision : 0) != r->cmp[i].create_revision)
			return false;
	}
	return true;
}

/* Run the ops of the branch taken; the result's kvs are the first range's. */
static void
fake_txn(struct etcd_request *r, struct etcd_result *res, struct etcd_kv **kvs)
{
	int b = fake_compare(r) ? 0 : 1;
	size_t i;

	res->succeeded = b == 0;
	for (i = 0; i < r->n_ops[b]; i++) {
		const struct etcd_op *op = &r->ops[b][i];

		if (op->kind == ETCD_OP_PUT)
			fake_store_put(op->key, op->value, op->value_len, op->lease);
		else if (op->kind == ETCD_OP_DELETE)
			fake_store_delete(op->key);
		else if (*kvs == NULL)
			*kvs = fake_range(op->key, &res->n_kvs);
	}
}

/* ---- serving ---- */

static void
fake_serve(struct etcd_request *r, struct etcd_result *res, struct etcd_kv **kvs)
{
	struct fake_lease *l;

	switch (r->kind) {
	case FAKE_GRANT:
		fk.leases = realloc(fk.leases, (fk.n_leases + 1) * sizeof(*fk.leases));
		fk.leases[fk.n_leases++] = (struct fake_lease){
			.id = fk.next_lease, .ttl = r->ttl, .expiry = ev_now(fk.loop) + r->ttl,
		};
		res->lease_id = fk.next_lease++;
		res->ttl = r->ttl;
		break;
	case FAKE_KEEPALIVE:
		l = fake_lease_find(r->lease);
		res->lease_id = r->lease;
		if (l != NULL) {
			l->expiry = ev_now(fk.loop) + l->ttl;
			res->ttl = l->ttl;
		}
		break;
	case FAKE_REVOKE:
		for (size_t i = 0; i < fk.n_leases; i++)
			if (fk.leases[i].id == r->lease) {
				fake_lease_drop(i);
				break;
			}
		break;
	case FAKE_PUT:
		if (r->lease != 0 && fake_lease_find(r->lease) == NULL) {
			res->status = ETCD_ERROR;
			res->code = 5;
			snprintf(res->error, sizeof(res->error), "etcdserver: requested lease not found");
			break;
		}
		fake_store_put(r->key, r->value, r->len, r->lease);
		break;
	case FAKE_DELETE:
		fake_store_delete(r->key);
		break;
	case FAKE_RANGE:
		*kvs = fake_range(r->key, &res->n_kvs);
		break;
	case FAKE_TXN:
		fake_txn(r, res, kvs);
		break;
	default:
		break;
	}
}

static void
fake_deliver_watch(struct etcd_request *r)
{
	struct etcd_result why = { .status = ETCD_UNREACHABLE, .endpoint = r->e->endpoint };

	if (r->w->ended && r->kind == FAKE_WATCH_EVENTS)
		return;
	if (r->kind == FAKE_WATCH_EVENTS) {
		r->w->cb.events(r->w->arg, r->ev, r->n_ev, r->revision);
		return;
	}
	snprintf(why.error, sizeof(why.error), "%s: Connection refused", r->e->endpoint);
	r->w->cb.ended(r->w->arg, &why);
	fake_watch_unlink(r->w);	/* gone, as etcd.h says */
}

static void
fake_answer(struct etcd_request *r)
{
	struct etcd_result res = { .status = ETCD_OK, .endpoint = r->e->endpoint };
	struct etcd_kv *kvs = NULL;

	fk.served[r->kind]++;
	if (fk.unreachable) {
		res.status = ETCD_UNREACHABLE;
		snprintf(res.error, sizeof(res.error), "%s: Connection refused", r->e->endpoint);
	} else if ((int)r->kind == fk.fail_kind) {
		res.status = ETCD_ERROR;
		res.code = fk.fail_code;
		snprintf(res.error, sizeof(res.error), "%s", fk.fail_why);
	} else {
		fake_leases_expire(ev_now(fk.loop));
		fake_serve(r, &res, &kvs);
	}
	res.revision = fk.revision;
	res.kvs = kvs;
	if (r->cb)
		r->cb(r->arg, &res);
	free(kvs);
}

/* Unlink and return the oldest request queued before `limit` that is not
 * of the held kind; NULL when none. */
static struct etcd_request *
fake_next(unsigned long limit)
{
	struct etcd_request *r, *prev = NULL;

	for (r = fk.head; r != NULL && r->seq < limit; prev = r, r = r->next) {
		if ((int)r->kind == fk.hold_kind)
			continue;
		if (prev != NULL)
			prev->next = r->next;
		else
			fk.head = r->next;
		if (fk.tail == r)
			fk.tail = prev;
		return r;
	}
	return NULL;
}

/* One round: the requests queued before it, in order. */
static void
fake_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct etcd_request *r;
	unsigned long limit = fk.seq;

	(void)loop;
	(void)w;
	(void)revents;
	if (fk.paused) {
		ev_timer_set(&fk.tick, 0.005, 0.);
		ev_timer_start(fk.loop, &fk.tick);
		return;
	}
	while ((r = fake_next(limit)) != NULL) {
		if (r->kind == FAKE_WATCH_EVENTS || r->kind == FAKE_WATCH_END)
			fake_deliver_watch(r);
		else
			fake_answer(r);
		fake_request_free(r);
	}
	if (fk.head != NULL) {
		/* held requests only: look again soon, not in a busy loop */
		ev_timer_set(&fk.tick, fk.hold_kind >= 0 ? 0.005 : 0., 0.);
		ev_timer_start(fk.loop, &fk.tick);
	}
}

/* ---- etcd.h ---- */

struct etcd *
etcd_new(struct ev_loop *loop, const struct etcd_options *o, char *err, size_t errlen)
{
	struct etcd *e;

	if (o->n_endpoints == 0) {
		snprintf(err, errlen, "no endpoint");
		return NULL;
	}
	e = xcalloc(1, sizeof(*e));
	e->loop = loop;
	fk.loop = loop;
	snprintf(e->endpoint, sizeof(e->endpoint), "%s", o->endpoints[0]);
	return e;
}

static void
fake_unlink(bool (*match)(const struct etcd_request *, const void *), const void *what)
{
	struct etcd_request **pp = &fk.head, *r;

	fk.tail = NULL;
	while ((r = *pp) != NULL) {
		if (match(r, what)) {
			*pp = r->next;
			fake_request_free(r);
			continue;
		}
		fk.tail = r;
		pp = &r->next;
	}
}

static bool
fake_match_client(const struct etcd_request *r, const void *e)
{
	return r->e == e;
}

static bool
fake_match_request(const struct etcd_request *r, const void *q)
{
	return r == q;
}

static bool
fake_match_watch(const struct etcd_request *r, const void *w)
{
	return r->w == w;
}

static void
fake_watch_unlink(struct etcd_watch *w)
{
	struct etcd_watch **pp;

	fake_unlink(fake_match_watch, w);
	for (pp = &fk.watches; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	free(w->prefix);
	free(w);
}

void
etcd_free(struct etcd *e)
{
	struct etcd_watch *w, *next;

	if (e == NULL)
		return;
	for (w = fk.watches; w; w = next) {
		next = w->next;
		if (w->e == e)
			fake_watch_unlink(w);
	}
	fake_unlink(fake_match_client, e);
	free(e);
}

const char *
etcd_endpoint(const struct etcd *e)
{
	return e->endpoint;
}

struct etcd_request *
etcd_lease_grant(struct etcd *e, int64_t ttl_s, etcd_cb cb, void *arg)
{
	struct etcd_request *r = fake_request(e, FAKE_GRANT, cb, arg);

	r->ttl = ttl_s;
	return r;
}

struct etcd_request *
etcd_lease_keepalive(struct etcd *e, int64_t lease, etcd_cb cb, void *arg)
{
	struct etcd_request *r = fake_request(e, FAKE_KEEPALIVE, cb, arg);

	r->lease = lease;
	return r;
}

struct etcd_request *
etcd_lease_revoke(struct etcd *e, int64_t lease, etcd_cb cb, void *arg)
{
	struct etcd_request *r = fake_request(e, FAKE_REVOKE, cb, arg);

	r->lease = lease;
	return r;
}

struct etcd_request *
etcd_put(struct etcd *e, const char *key, const void *value, size_t len, int64_t lease,
	 etcd_cb cb, void *arg)
{
	struct etcd_request *r = fake_request(e, FAKE_PUT, cb, arg);

	r->key = xstrdup(key);
	r->value = fake_dup(value, len);
	r->len = len;
	r->lease = lease;
	return r;
}

struct etcd_request *
etcd_delete(struct etcd *e, const char *key, etcd_cb cb, void *arg)
{
	struct etcd_request *r = fake_request(e, FAKE_DELETE, cb, arg);

	r->key = xstrdup(key);
	return r;
}

struct etcd_request *
etcd_range_prefix(struct etcd *e, const char *prefix, etcd_cb cb, void *arg)
{
	struct etcd_request *r = fake_request(e, FAKE_RANGE, cb, arg);

	r->key = xstrdup(prefix);
	return r;
}

static struct etcd_op *
fake_ops_copy(const struct etcd_op *ops, size_t n)
{
	struct etcd_op *c = xcalloc(n + 1, sizeof(*c));
	size_t i;

	for (i = 0; i < n; i++) {
		c[i] = ops[i];
		c[i].key = xstrdup(ops[i].key);
		c[i].value = ops[i].value ? fake_dup(ops[i].value, ops[i].value_len) : NULL;
	}
	return c;
}

struct etcd_request *
etcd_txn(struct etcd *e, const struct etcd_txn *t, etcd_cb cb, void *arg)
{
	struct etcd_request *r = fake_request(e, FAKE_TXN, cb, arg);
	size_t i;

	r->cmp = xcalloc(t->n_compare + 1, sizeof(*r->cmp));
	r->n_cmp = t->n_compare;
	for (i = 0; i < t->n_compare; i++) {
		r->cmp[i].key = xstrdup(t->compare[i].key);
		r->cmp[i].create_revision = t->compare[i].create_revision;
	}
	r->ops[0] = fake_ops_copy(t->success, t->n_success);
	r->n_ops[0] = t->n_success;
	r->ops[1] = fake_ops_copy(t->failure, t->n_failure);
	r->n_ops[1] = t->n_failure;
	return r;
}

void
etcd_cancel(struct etcd_request *r)
{
	if (r != NULL)
		fake_unlink(fake_match_request, r);
}

struct etcd_watch *
etcd_watch_prefix(struct etcd *e, const char *prefix, int64_t start_revision,
		  const struct etcd_watch_callbacks *cb, void *arg)
{
	struct etcd_watch *w = xcalloc(1, sizeof(*w));

	(void)start_revision;	/* the fleet starts at the revision it just read */
	w->e = e;
	w->prefix = xstrdup(prefix);
	w->cb = *cb;
	w->arg = arg;
	w->next = fk.watches;
	fk.watches = w;
	if (fk.unreachable) {
		struct etcd_request *r = xcalloc(1, sizeof(*r));

		w->ended = true;
		r->e = e;
		r->kind = FAKE_WATCH_END;
		r->w = w;
		fake_enqueue(r);
	}
	return w;
}

void
etcd_watch_cancel(struct etcd_watch *w)
{
	if (w != NULL)
		fake_watch_unlink(w);
}

/* ---- fake_etcd.h ---- */

void
fake_etcd_reset(void)
{
	while (fk.n_kv > 0) {
		free(fk.kv[fk.n_kv - 1].key);
		free(fk.kv[--fk.n_kv].value);
	}
	free(fk.kv);
	free(fk.leases);
	while (fk.head)
		fake_unlink(fake_match_client, fk.head->e);
	while (fk.watches)
		fake_watch_unlink(fk.watches);
	if (fk.loop)
		ev_timer_stop(fk.loop, &fk.tick);
	memset(&fk, 0, sizeof(fk));
	fk.fail_kind = -1;
	fk.hold_kind = -1;
	fk.revision = 1;
	fk.next_lease = 0x100;
}

void
fake_etcd_set_unreachable(bool unreachable)
{
	struct etcd_watch *w;

	fk.unreachable = unreachable;
	if (!unreachable)
		return;
	for (w = fk.watches; w; w = w->next) {
		struct etcd_request *r;

		if (w->ended)
			continue;
		w->ended = true;
		r = xcalloc(1, sizeof(*r));
		r->e = w->e;
		r->kind = FAKE_WATCH_END;
		r->w = w;
		fake_enqueue(r);
	}
}

void
fake_etcd_pause(bool paused)
{
	fk.paused = paused;
}

void
fake_etcd_hold(const char *kind)
{
	size_t i;

	fk.hold_kind = -1;
	for (i = 0; kind != NULL && i < FAKE_KIND__COUNT; i++)
		if (strcmp(kind, fake_kind_names[i]) == 0)
			fk.hold_kind = (int)i;
}

void
fake_etcd_fail(const char *kind, int code, const char *why)
{
	size_t i;

	fk.fail_kind = -1;
	for (i = 0; kind != NULL && i < FAKE_KIND__COUNT; i++)
		if (strcmp(kind, fake_kind_names[i]) == 0)
			fk.fail_kind = (int)i;
	fk.fail_code = code;
	snprintf(fk.fail_why, sizeof(fk.fail_why), "%s", why ? why : "");
}

void
fake_etcd_expire_lease(int64_t id)
{
	size_t i;

	for (i = 0; i < fk.n_leases;) {
		if (id == 0 || fk.leases[i].id == id)
			fake_lease_drop(i);
		else
			i++;
	}
}

const char *
fake_etcd_get(const char *key)
{
	const struct fake_kv *kv = fake_find(key);

	return kv ? kv->value : NULL;
}

size_t
fake_etcd_count(const char *prefix)
{
	size_t i, n = 0;

	for (i = 0; i < fk.n_kv; i++)
		n += strncmp(fk.kv[i].key, prefix, strlen(prefix)) == 0;
	return n;
}

void
fake_etcd_put(const char *key, const char *value)
{
	fake_store_put(key, value, strlen(value), 0);
}

unsigned long
fake_etcd_requests(const char *kind)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < FAKE_KIND__COUNT; i++)
		if (kind == NULL || strcmp(kind, fake_kind_names[i]) == 0)
			n += fk.served[i];
	return n;
}

unsigned long
fake_etcd_queued(const char *kind)
{
	const struct etcd_request *r;
	unsigned long n = 0;

	for (r = fk.head; r != NULL; r = r->next)
		if (kind == NULL || strcmp(kind, fake_kind_names[r->kind]) == 0)
			n++;
	return n;
}

bool
fake_etcd_idle(void)
{
	return fk.head == NULL;
}
