/*
 * status.c - what the daemon shows: the transition history (a ring buffer)
 * and the three renderers behind the API (see status.h):
 *
 *   status_json          GET /v1/status   (json-c)
 *   status_history_json  GET /v1/history  (json-c)
 *   status_metrics       GET /metrics     (Prometheus text format 0.0.4, by hand)
 *
 * The renderers only read the daemon; every word comes from a names table,
 * so the log, the JSON, the metrics and the CLI agree.  Output is fully
 * determined by the daemon and `now` (golden tests compare it byte for byte).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "daemon.h"
#include "fleet/fleet.h"
#include "hooks_runner.h"
#include "loop_lag.h"
#include "status.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

/* ---- history ring buffer ---- */

void
status_history_init(struct status_history *h, size_t capacity)
{
	memset(h, 0, sizeof(*h));
	h->capacity = capacity;
	if (capacity > 0 && (h->ring = calloc(capacity, sizeof(*h->ring))) == NULL)
		h->capacity = 0;	/* keep counting events, hold none */
}

const struct status_event *
status_history_get(const struct status_history *h, size_t i)
{
	if (i >= h->count)
		return NULL;
	return &h->ring[(h->next + h->capacity - h->count + i) % h->capacity];
}

void
status_history_resize(struct status_history *h, size_t capacity)
{
	struct status_event *ring = NULL;
	size_t keep, i;

	if (capacity == h->capacity)
		return;
	if (capacity > 0 && (ring = calloc(capacity, sizeof(*ring))) == NULL)
		return;		/* keep the old buffer rather than lose events */
	keep = h->count < capacity ? h->count : capacity;
	for (i = 0; i < keep; i++)
		ring[i] = *status_history_get(h, h->count - keep + i);
	free(h->ring);
	h->ring = ring;
	h->capacity = capacity;
	h->count = keep;
	h->next = capacity > 0 ? keep % capacity : 0;
}

void
status_history_add(struct status_history *h, double time, enum status_event_kind kind,
		   const char *subject, const char *from, const char *to, const char *reason)
{
	struct status_event *e;

	h->total++;
	if (h->capacity == 0)
		return;
	e = &h->ring[h->next];
	e->time = time;
	e->kind = kind;
	snprintf(e->subject, sizeof(e->subject), "%s", subject ? subject : "");
	snprintf(e->from, sizeof(e->from), "%s", from ? from : "");
	snprintf(e->to, sizeof(e->to), "%s", to ? to : "");
	snprintf(e->reason, sizeof(e->reason), "%s", reason ? reason : "");
	h->next = (h->next + 1) % h->capacity;
	if (h->count < h->capacity)
		h->count++;
}

void
status_history_free(struct status_history *h)
{
	if (h == NULL)
		return;
	free(h->ring);
	memset(h, 0, sizeof(*h));
}

/* ---- JSON ---- */

/* RFC 3339 UTC with seconds; null for 0 (never happened). */
static struct json_object *
status_json_time(double t)
{
	char buf[32];
	time_t secs;
	struct tm tm;

	if (t <= 0)
		return NULL;
	secs = (time_t)t;
	if (gmtime_r(&secs, &tm) == NULL)
		return NULL;
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_object_new_string(buf);
}

/* A number with at most three decimals, trailing zeros dropped: json-c's
 * default %.17g would print 123.40000000000001. */
static struct json_object *
status_json_number(double v)
{
	char buf[64];
	char *end;

	if (!isfinite(v))
		return NULL;
	snprintf(buf, sizeof(buf), "%.3f", v);
	end = buf + strlen(buf);
	while (end[-1] == '0')
		*--end = '\0';
	if (end[-1] == '.')
		*--end = '\0';
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, sizeof(buf), "0");
	return json_object_new_double_s(v, buf);
}

static void
status_json_add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static char *
status_json_finish(struct json_object *root)
{
	const char *text;
	char *out = NULL;
	size_t len;

	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text != NULL) {
		len = strlen(text);
		if ((out = malloc(len + 2)) != NULL) {
			memcpy(out, text, len);
			out[len] = '\n';
			out[len + 1] = '\0';
		}
	}
	json_object_put(root);
	return out;
}

/* The router's BGP sessions as last read back; null while unknown. */
static struct json_object *
status_json_sessions(const struct daemon *d)
{
	struct json_object *a;
	size_t i;

	if (!d->sessions_known)
		return NULL;
	a = json_object_new_array();
	for (i = 0; i < d->n_sessions; i++) {
		struct json_object *o = json_object_new_object();

		status_json_add(o, "name", json_object_new_string(d->sessions[i].name));
		status_json_add(o, "state", json_object_new_string(d->sessions[i].state));
		status_json_add(o, "established",
				json_object_new_boolean(d->sessions[i].established));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *
status_json_router(const struct daemon *d)
{
	struct json_object *o = json_object_new_object();

	status_json_add(o, "kind", json_object_new_string(router_kind_names[d->cfg->router.kind]));
	status_json_add(o, "socket", d->cfg->router.control_socket ?
			json_object_new_string(d->cfg->router.control_socket) : NULL);
	status_json_add(o, "reachable", json_object_new_boolean(d->router_up));
	status_json_add(o, "since", status_json_time(d->router_since));
	status_json_add(o, "reason", json_object_new_string(d->router_why));
	status_json_add(o, "sessions", status_json_sessions(d));
	return o;
}

/* The operator's overrides are safe on disk: the last save worked and the
 * start restored them (or no file is configured).  The status document's
 * overrides_file.ok and the anycast_healthd_overrides_file_ok gauge. */
static bool
status_overrides_ok(const struct daemon *d)
{
	return d->overrides_error[0] == '\0' && d->overrides_restore_error[0] == '\0';
}

/* Where the operator's overrides are kept, and whether that works. */
static struct json_object *
status_json_overrides_file(const struct daemon *d)
{
	struct json_object *o = json_object_new_object();

	status_json_add(o, "path", d->cfg->api.admin_state_file ?
			json_object_new_string(d->cfg->api.admin_state_file) : NULL);
	status_json_add(o, "ok", json_object_new_boolean(status_overrides_ok(d)));
	status_json_add(o, "error", d->overrides_error[0] != '\0' ?
			json_object_new_string(d->overrides_error) : NULL);
	status_json_add(o, "restore_error", d->overrides_restore_error[0] != '\0' ?
			json_object_new_string(d->overrides_restore_error) : NULL);
	return o;
}

static struct json_object *
status_json_last(const struct probe *p)
{
	struct json_object *o;

	if (p == NULL || p->last_time <= 0)
		return NULL;
	o = json_object_new_object();
	status_json_add(o, "result", json_object_new_string(probe_result_names[p->last.result]));
	status_json_add(o, "reason", json_object_new_string(p->last.reason));
	status_json_add(o, "latency_ms", status_json_number(p->last.latency_ms));
	status_json_add(o, "time", status_json_time(p->last_time));
	status_json_add(o, "detail", json_object_new_string(p->last.detail));
	return o;
}

static struct json_object *
status_json_probe(const struct service *s, size_t i)
{
	const struct probe_config *pc = &s->cfg->probes[i];
	const struct health_check *hc = &s->checks[i];
	const struct probe *p = s->probes[i];
	struct json_object *o = json_object_new_object();

	status_json_add(o, "name", json_object_new_string(pc->name));
	status_json_add(o, "kind", json_object_new_string(probe_kind_names[pc->kind]));
	status_json_add(o, "state", json_object_new_string(health_state_names[hc->state]));
	status_json_add(o, "ok_streak", json_object_new_int64(hc->ok_streak));
	status_json_add(o, "fail_streak", json_object_new_int64(hc->fail_streak));
	status_json_add(o, "interval_ms", json_object_new_int64(pc->interval_ms));
	status_json_add(o, "timeout_ms", json_object_new_int64(pc->timeout_ms));
	status_json_add(o, "rise", json_object_new_int64(pc->rise));
	status_json_add(o, "fall", json_object_new_int64(pc->fall));
	status_json_add(o, "last", status_json_last(p));
	status_json_add(o, "runs", json_object_new_uint64(p ? p->runs : 0));
	status_json_add(o, "failures", json_object_new_uint64(p ? p->failures : 0));
	status_json_add(o, "second_runs", json_object_new_uint64(p ? p->second_runs : 0));
	return o;
}

/* Flap damping of a service, null when it has none. */
static struct json_object *
status_json_damping(const struct service *s, double now)
{
	const struct damping_config *dc = &s->cfg->damping;
	struct json_object *o;

	if (!dc->enabled)
		return NULL;
	if (s->daemon->monotonic != NULL)
		now = s->daemon->monotonic();	/* damping's own clock */
	o = json_object_new_object();
	status_json_add(o, "penalty", status_json_number(health_damping_penalty(&s->damping, dc, now)));
	status_json_add(o, "suppressed", json_object_new_boolean(s->damping.suppressed));
	status_json_add(o, "release_in_s", s->damping.suppressed ?
			status_json_number(health_damping_release_in(&s->damping, dc, now)) : NULL);
	status_json_add(o, "flaps", json_object_new_uint64(s->damping.flaps));
	status_json_add(o, "suppressions", json_object_new_uint64(s->damping.suppressions));
	status_json_add(o, "suppress_limit", json_object_new_uint64(dc->suppress_limit));
	status_json_add(o, "reuse_limit", json_object_new_uint64(dc->reuse_limit));
	return o;
}

static struct json_object *
status_json_service(const struct service *s, double now)
{
	struct json_object *o = json_object_new_object();
	struct json_object *probes = json_object_new_array();
	size_t i;

	status_json_add(o, "name", json_object_new_string(s->cfg->name));
	status_json_add(o, "state", json_object_new_string(health_state_names[s->state]));
	status_json_add(o, "reason", json_object_new_string(s->reason));
	status_json_add(o, "since", status_json_time(s->since));
	status_json_add(o, "transitions", json_object_new_uint64(s->transitions));
	status_json_add(o, "damping", status_json_damping(s, now));
	for (i = 0; i < s->cfg->n_probes; i++)
		json_object_array_add(probes, status_json_probe(s, i));
	status_json_add(o, "probes", probes);
	return o;
}

/* The fleet guard's part of a prefix (fleet section only). */
static void
status_json_prefix_fleet(struct json_object *o, const struct daemon *d, size_t idx)
{
	struct fleet_prefix_info pi;

	fleet_prefix_info(d->fleet, idx, &pi);
	status_json_add(o, "held", json_object_new_boolean(d->prefixes[idx].desired == ROUTE_HELD));
	status_json_add(o, "guard", json_object_new_string(pi.guard));
	status_json_add(o, "announcers", json_object_new_uint64(pi.announcers));
	status_json_add(o, "min_announcers", json_object_new_uint64(pi.min_announcers));
}

static struct json_object *
status_json_fleet(const struct daemon *d)
{
	struct json_object *o = json_object_new_object(), *store = json_object_new_object();
	struct json_object *drift = json_object_new_array();
	struct fleet_info fi;
	size_t i;

	fleet_info(d->fleet, &fi);
	status_json_add(o, "name", json_object_new_string(fi.name));
	status_json_add(o, "node", json_object_new_string(fi.node));
	status_json_add(store, "reachable", json_object_new_boolean(fi.reachable));
	status_json_add(store, "endpoint", json_object_new_string(fi.endpoint));
	status_json_add(store, "why", json_object_new_string(fi.why));
	status_json_add(store, "since", status_json_time(fi.since));
	status_json_add(o, "store", store);
	status_json_add(o, "alone", json_object_new_boolean(fi.alone));
	status_json_add(o, "gateways", json_object_new_uint64(fi.gateways));
	for (i = 0; i < fi.n_drift; i++)
		json_object_array_add(drift, json_object_new_string(fi.drift[i]));
	status_json_add(o, "drift", drift);
	return o;
}

/* What the BGP sessions carry of a prefix: the names of the sessions whose
 * export has it, established or not, and how many established ones do
 * (null while unknown), and the uncarried warning. */
static void
status_json_prefix_sessions(struct json_object *o, const struct daemon *d, const struct prefix *px)
{
	struct json_object *names = NULL;
	size_t i;

	if (px->sessions_known) {
		names = json_object_new_array();
		for (i = 0; i < d->n_sessions && i < BGP_SESSIONS_MAX; i++)
			if (px->advertised & (UINT32_C(1) << i))
				json_object_array_add(names,
						      json_object_new_string(d->sessions[i].name));
	}
	status_json_add(o, "sessions", names);
	status_json_add(o, "carried", px->sessions_known ?
			json_object_new_uint64(px->carried) : NULL);
	status_json_add(o, "uncarried", json_object_new_boolean(px->uncarried));
}

/* keepalived: the VRRP instance as its notify script last wrote it; null
 * for the BGP routers. */
static struct json_object *
status_json_prefix_vrrp(const struct daemon *d, const struct prefix *px)
{
	struct json_object *o;

	if (d->cfg->router.kind != ROUTER_KIND_KEEPALIVED)
		return NULL;
	o = json_object_new_object();
	status_json_add(o, "state", json_object_new_string(vrrp_state_names[px->vrrp]));
	status_json_add(o, "since", px->vrrp != VRRP_UNKNOWN ? status_json_time(px->vrrp_since) : NULL);
	return o;
}

static struct json_object *
status_json_prefix(const struct daemon *d, const struct prefix *px)
{
	struct json_object *o = json_object_new_object();
	struct json_object *deps = json_object_new_array();
	size_t i;

	status_json_add(o, "prefix", json_object_new_string(px->cfg->prefix));
	for (i = 0; i < px->cfg->n_services; i++)
		json_object_array_add(deps, json_object_new_string(px->cfg->services[i]));
	status_json_add(o, "depends_on", deps);
	status_json_add(o, "desired", json_object_new_string(route_state_names[px->desired]));
	status_json_add(o, "actual", json_object_new_string(route_state_names[px->actual]));
	status_json_add(o, "since", status_json_time(px->since));
	status_json_add(o, "why", json_object_new_string(px->why));
	status_json_add(o, "admin", json_object_new_string(admin_state_names[px->admin]));
	status_json_add(o, "admin_since", status_json_time(px->admin_since));
	status_json_add(o, "drain_until", status_json_time(px->drain_until));
	status_json_add(o, "drift_repairs", json_object_new_uint64(px->drift_repairs));
	status_json_prefix_sessions(o, d, px);
	status_json_add(o, "vrrp", status_json_prefix_vrrp(d, px));
	return o;
}

/* One state-change hook: running, queued, its results, its last run. */
static struct json_object *
status_json_hook(const struct hook_state *hs)
{
	struct json_object *o = json_object_new_object(), *runs = json_object_new_object();
	struct json_object *last = NULL;
	int r;

	status_json_add(o, "name", json_object_new_string(hs->name));
	status_json_add(o, "running", json_object_new_boolean(hs->running));
	status_json_add(o, "queued", json_object_new_uint64(hs->count));
	for (r = 0; r < HOOK_RESULT__COUNT; r++)
		status_json_add(runs, hook_result_names[r], json_object_new_uint64(hs->results[r]));
	status_json_add(o, "runs", runs);
	if (hs->last.time > 0) {
		last = json_object_new_object();
		status_json_add(last, "result", json_object_new_string(hook_result_names[hs->last.result]));
		status_json_add(last, "reason", json_object_new_string(hs->last.reason));
		status_json_add(last, "time", status_json_time(hs->last.time));
		status_json_add(last, "duration_s", status_json_number(hs->last.duration_s));
	}
	status_json_add(o, "last", last);
	return o;
}

/* The hooks section; NULL (left out) without hooks. */
static struct json_object *
status_json_hooks(const struct daemon *d)
{
	const struct hooks *h = hooks_runner_hooks(d->hooks);
	struct json_object *o, *list;
	size_t i;

	if (h == NULL || h->n == 0)
		return NULL;
	o = json_object_new_object();
	list = json_object_new_array();
	status_json_add(o, "max_running", json_object_new_uint64(h->max_running));
	status_json_add(o, "running", json_object_new_uint64(h->running));
	status_json_add(o, "queued", json_object_new_uint64(hooks_queued(h)));
	for (i = 0; i < h->n; i++)
		json_object_array_add(list, status_json_hook(h->hooks[i]));
	status_json_add(o, "hooks", list);
	return o;
}

static struct json_object *
status_json_counters(const struct daemon *d)
{
	struct json_object *o = json_object_new_object();
	unsigned long transitions = 0, drift = 0;
	size_t i;

	for (i = 0; i < d->cfg->n_services; i++)
		if (d->services[i] != NULL)
			transitions += d->services[i]->transitions;
	for (i = 0; i < d->cfg->n_prefixes; i++)
		drift += d->prefixes[i].drift_repairs;
	status_json_add(o, "service_transitions", json_object_new_uint64(transitions));
	status_json_add(o, "drift_repairs", json_object_new_uint64(drift));
	status_json_add(o, "reloads", json_object_new_uint64(d->reloads));
	status_json_add(o, "reloads_refused", json_object_new_uint64(d->reloads_refused));
	status_json_add(o, "history_events", json_object_new_uint64(d->history.total));
	return o;
}

char *
status_json(const struct daemon *d, double now)
{
	struct json_object *root = json_object_new_object();
	struct json_object *services = json_object_new_array();
	struct json_object *prefixes = json_object_new_array();
	char host[256];
	size_t i;

	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	status_json_add(root, "version", json_object_new_string(PACKAGE_VERSION));
	status_json_add(root, "hostname", json_object_new_string(host));
	status_json_add(root, "started", status_json_time(d->started));
	status_json_add(root, "uptime_s", status_json_number(now > d->started ? now - d->started : 0));
	status_json_add(root, "router", status_json_router(d));
	for (i = 0; i < d->cfg->n_services; i++)
		if (d->services[i] != NULL)
			json_object_array_add(services, status_json_service(d->services[i], now));
	status_json_add(root, "services", services);
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		struct json_object *o = status_json_prefix(d, &d->prefixes[i]);

		if (d->fleet != NULL)
			status_json_prefix_fleet(o, d, i);
		json_object_array_add(prefixes, o);
	}
	status_json_add(root, "prefixes", prefixes);
	if (d->fleet != NULL)
		status_json_add(root, "fleet", status_json_fleet(d));
	if (hooks_runner_hooks(d->hooks) != NULL && hooks_runner_hooks(d->hooks)->n > 0)
		status_json_add(root, "hooks", status_json_hooks(d));
	status_json_add(root, "overrides_file", status_json_overrides_file(d));
	status_json_add(root, "counters", status_json_counters(d));
	return status_json_finish(root);
}

char *
status_history_json(const struct daemon *d, size_t limit)
{
	const struct status_history *h = &d->history;
	struct json_object *root = json_object_new_object();
	struct json_object *events = json_object_new_array();
	size_t i, first;

	first = limit == 0 || limit >= h->count ? 0 : h->count - limit;
	for (i = first; i < h->count; i++) {
		const struct status_event *e = status_history_get(h, i);
		struct json_object *o = json_object_new_object();

		status_json_add(o, "time", status_json_time(e->time));
		status_json_add(o, "kind", json_object_new_string(status_event_kind_names[e->kind]));
		status_json_add(o, "subject", json_object_new_string(e->subject));
		status_json_add(o, "from", json_object_new_string(e->from));
		status_json_add(o, "to", json_object_new_string(e->to));
		status_json_add(o, "reason", json_object_new_string(e->reason));
		json_object_array_add(events, o);
	}
	status_json_add(root, "events", events);
	return status_json_finish(root);
}

/* ---- Prometheus text format 0.0.4 ---- */

/* A growing text buffer; `failed` remembers an allocation failure so the
 * renderer can write straight through and check once at the end. */
struct status_buf {
	char *s;
	size_t len, size;
	bool failed;
};

static void status_printf(struct status_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
status_printf(struct status_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		if (b->failed)
			return;
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->size - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if ((size_t)n < b->size - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t size = b->size * 2 + (size_t)n;
		char *s = realloc(b->s, size);

		if (s == NULL) {
			b->failed = true;
			return;
		}
		b->s = s;
		b->size = size;
	}
}

/* A label value with backslash, double quote and newline escaped. */
static void
status_label(struct status_buf *b, const char *name, const char *value, bool comma)
{
	const char *p;

	status_printf(b, "%s%s=\"", comma ? "," : "", name);
	for (p = value; *p != '\0'; p++) {
		if (*p == '\\')
			status_printf(b, "\\\\");
		else if (*p == '"')
			status_printf(b, "\\\"");
		else if (*p == '\n')
			status_printf(b, "\\n");
		else
			status_printf(b, "%c", *p);
	}
	status_printf(b, "\"");
}

/* The shortest %g form that reads back as the same double (Prometheus
 * parses values with Go's ParseFloat); +Inf, -Inf and NaN as it spells them. */
static void
status_value(struct status_buf *b, double v)
{
	char buf[40];

	if (isnan(v)) {
		status_printf(b, "NaN");
		return;
	}
	if (isinf(v)) {
		status_printf(b, "%sInf", v > 0 ? "+" : "-");
		return;
	}
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	status_printf(b, "%s", buf);
}

static void
status_family(struct status_buf *b, const char *name, const char *type, const char *help)
{
	status_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Sample lines with the labels of one service probe. */
static void
status_probe_labels(struct status_buf *b, const struct service *s, size_t i)
{
	status_label(b, "service", s->cfg->name, false);
	status_label(b, "probe", s->cfg->probes[i].name, true);
	status_label(b, "kind", probe_kind_names[s->cfg->probes[i].kind], true);
}

/* Flap damping, for the services that have it. */
static void
status_metrics_damping(struct status_buf *b, const struct daemon *d, double now)
{
	size_t i;

	if (d->monotonic != NULL)
		now = d->monotonic();	/* damping's own clock */
	status_family(b, "anycast_healthd_service_damping_penalty", "gauge",
		      "Flap damping penalty of the service, decayed to now.");
	for (i = 0; i < d->cfg->n_services; i++) {
		const struct service *s = d->services[i];

		if (s == NULL || !s->cfg->damping.enabled)
			continue;
		status_printf(b, "anycast_healthd_service_damping_penalty{");
		status_label(b, "service", s->cfg->name, false);
		status_printf(b, "} ");
		status_value(b, health_damping_penalty(&s->damping, &s->cfg->damping, now));
		status_printf(b, "\n");
	}
	status_family(b, "anycast_healthd_service_damped", "gauge",
		      "1 while flap damping holds the service DOWN.");
	for (i = 0; i < d->cfg->n_services; i++) {
		const struct service *s = d->services[i];

		if (s == NULL || !s->cfg->damping.enabled)
			continue;
		status_printf(b, "anycast_healthd_service_damped{");
		status_label(b, "service", s->cfg->name, false);
		status_printf(b, "} %d\n", s->damping.suppressed);
	}
	status_family(b, "anycast_healthd_service_flaps_total", "counter",
		      "Flaps (UP or DEGRADED to DOWN) counted by flap damping.");
	for (i = 0; i < d->cfg->n_services; i++) {
		const struct service *s = d->services[i];

		if (s == NULL || !s->cfg->damping.enabled)
			continue;
		status_printf(b, "anycast_healthd_service_flaps_total{");
		status_label(b, "service", s->cfg->name, false);
		status_printf(b, "} %lu\n", s->damping.flaps);
	}
}

static void
status_metrics_services(struct status_buf *b, const struct daemon *d)
{
	size_t i;
	int st;

	status_family(b, "anycast_healthd_service_state", "gauge",
		      "Verdict of the service: 1 for the current state, 0 for the others.");
	for (i = 0; i < d->cfg->n_services; i++) {
		const struct service *s = d->services[i];

		for (st = 0; s != NULL && st < HEALTH_STATE__COUNT; st++) {
			status_printf(b, "anycast_healthd_service_state{");
			status_label(b, "service", s->cfg->name, false);
			status_label(b, "state", health_state_names[st], true);
			status_printf(b, "} %d\n", s->state == (enum health_state)st);
		}
	}
	status_family(b, "anycast_healthd_service_transitions_total", "counter",
		      "Verdict changes of the service.");
	for (i = 0; i < d->cfg->n_services; i++) {
		const struct service *s = d->services[i];

		if (s == NULL)
			continue;
		status_printf(b, "anycast_healthd_service_transitions_total{");
		status_label(b, "service", s->cfg->name, false);
		status_printf(b, "} %lu\n", s->transitions);
	}
}

static void
status_metrics_prefixes(struct status_buf *b, const struct daemon *d)
{
	size_t i;
	int st;

	status_family(b, "anycast_healthd_prefix_state", "gauge",
		      "Desired state of the prefix: 1 for the current state, 0 for the others.");
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		for (st = 0; st < ROUTE_STATE__COUNT; st++) {
			if (st == ROUTE_HELD && d->fleet == NULL)
				continue;	/* only the fleet guard holds */
			status_printf(b, "anycast_healthd_prefix_state{");
			status_label(b, "prefix", d->prefixes[i].cfg->prefix, false);
			status_label(b, "state", route_state_names[st], true);
			status_printf(b, "} %d\n", d->prefixes[i].desired == (enum route_state)st);
		}
	}
	status_family(b, "anycast_healthd_prefix_actual_state", "gauge",
		      "What the router was last read back to have (unknown while its control "
		      "connection is down): 1 for that state, 0 for the others.");
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		for (st = 0; st < ROUTE_STATE__COUNT; st++) {
			if (st == ROUTE_HELD)
				continue;	/* a router never reads back "held" */
			status_printf(b, "anycast_healthd_prefix_actual_state{");
			status_label(b, "prefix", d->prefixes[i].cfg->prefix, false);
			status_label(b, "state", route_state_names[st], true);
			status_printf(b, "} %d\n", d->prefixes[i].actual == (enum route_state)st);
		}
	}
	status_family(b, "anycast_healthd_prefix_announced", "gauge",
		      "1 when the prefix is meant to be announced (normally, degraded or draining).");
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		enum route_state want = d->prefixes[i].desired;

		status_printf(b, "anycast_healthd_prefix_announced{");
		status_label(b, "prefix", d->prefixes[i].cfg->prefix, false);
		status_printf(b, "} %d\n", want == ROUTE_ANNOUNCED || want == ROUTE_DEGRADED ||
			      want == ROUTE_DRAINING || want == ROUTE_HELD);
	}
	status_family(b, "anycast_healthd_prefix_drift_repairs_total", "counter",
		      "Times the router was found differing from the desired state and corrected.");
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		status_printf(b, "anycast_healthd_prefix_drift_repairs_total{");
		status_label(b, "prefix", d->prefixes[i].cfg->prefix, false);
		status_printf(b, "} %lu\n", d->prefixes[i].drift_repairs);
	}
}

/* The BGP sessions (bgp_sessions.h): per session whether it is
 * established (only while the table is known). */
static void
status_metrics_session_up(struct status_buf *b, const struct daemon *d)
{
	size_t i;

	status_family(b, "anycast_healthd_bgp_session_up", "gauge",
		      "1 when the router's BGP session is established (absent while the "
		      "sessions are unknown).");
	for (i = 0; d->sessions_known && i < d->n_sessions; i++) {
		status_printf(b, "anycast_healthd_bgp_session_up{");
		status_label(b, "session", d->sessions[i].name, false);
		status_printf(b, "} %d\n", d->sessions[i].established);
	}
}

/* Per prefix: how many established sessions carry it (while known), and
 * the uncarried warning (always). */
static void
status_metrics_carrying(struct status_buf *b, const struct daemon *d)
{
	size_t i;

	status_family(b, "anycast_healthd_prefix_sessions_carrying", "gauge",
		      "Established BGP sessions advertising the prefix (absent while unknown).");
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		if (!d->prefixes[i].sessions_known)
			continue;
		status_printf(b, "anycast_healthd_prefix_sessions_carrying{");
		status_label(b, "prefix", d->prefixes[i].cfg->prefix, false);
		status_printf(b, "} %u\n", d->prefixes[i].carried);
	}
	status_family(b, "anycast_healthd_prefix_uncarried", "gauge",
		      "1 while the prefix is wanted and read back announced but no established "
		      "BGP session advertises it.");
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		status_printf(b, "anycast_healthd_prefix_uncarried{");
		status_label(b, "prefix", d->prefixes[i].cfg->prefix, false);
		status_printf(b, "} %d\n", d->prefixes[i].uncarried);
	}
}

/* keepalived: per prefix, 1 for the VRRP state its instance is in. */
static void
status_metrics_vrrp(struct status_buf *b, const struct daemon *d)
{
	size_t i, st;

	if (d->cfg->router.kind != ROUTER_KIND_KEEPALIVED)
		return;
	status_family(b, "anycast_healthd_vrrp_state", "gauge",
		      "keepalived: 1 for the VRRP state the prefix's instance is in, as its notify "
		      "script last wrote it.");
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		for (st = 0; st < VRRP_STATE__COUNT; st++) {
			status_printf(b, "anycast_healthd_vrrp_state{");
			status_label(b, "prefix", d->prefixes[i].cfg->prefix, false);
			status_label(b, "state", vrrp_state_names[st], true);
			status_printf(b, "} %d\n", d->prefixes[i].vrrp == st);
		}
	}
}

/* Per prefix and session: whether the session's export has the prefix
 * (while known). */
static void
status_metrics_advertised(struct status_buf *b, const struct daemon *d)
{
	size_t i, j;

	status_family(b, "anycast_healthd_prefix_advertised", "gauge",
		      "1 when the BGP session's export has the prefix, established or not "
		      "(absent while unknown).");
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		const struct prefix *px = &d->prefixes[i];

		for (j = 0; px->sessions_known && j < d->n_sessions && j < BGP_SESSIONS_MAX; j++) {
			status_printf(b, "anycast_healthd_prefix_advertised{");
			status_label(b, "prefix", px->cfg->prefix, false);
			status_label(b, "session", d->sessions[j].name, true);
			status_printf(b, "} %d\n", (px->advertised & (UINT32_C(1) << j)) != 0);
		}
	}
}

/* Stands in for a probe that could not be started: every series exists,
 * with zero counters, so dashboards need no special case. */
static const struct probe status_no_probe;

/* Loops over every (service, probe index, probe) of the config. */
#define STATUS_FOR_EACH_PROBE(d, s, i, p)						\
	for (size_t si_ = 0; si_ < (d)->cfg->n_services; si_++)				\
		if (((s) = (d)->services[si_]) != NULL)					\
			for ((i) = 0; (i) < (s)->cfg->n_probes &&			\
			     ((p) = (s)->probes[(i)] ? (s)->probes[(i)] : &status_no_probe); (i)++)

static void
status_metrics_probes(struct status_buf *b, const struct daemon *d)
{
	const struct service *s;
	const struct probe *p;
	size_t i;
	int r;

	status_family(b, "anycast_healthd_probe_up", "gauge",
		      "1 when the probe's check is UP or DEGRADED (rise/fall applied).");
	STATUS_FOR_EACH_PROBE(d, s, i, p) {
		status_printf(b, "anycast_healthd_probe_up{");
		status_probe_labels(b, s, i);
		status_printf(b, "} %d\n", s->checks[i].state == HEALTH_UP ||
			      s->checks[i].state == HEALTH_DEGRADED);
	}
	status_family(b, "anycast_healthd_probe_runs_total", "counter", "Probe runs started.");
	STATUS_FOR_EACH_PROBE(d, s, i, p) {
		status_printf(b, "anycast_healthd_probe_runs_total{");
		status_probe_labels(b, s, i);
		status_printf(b, "} %lu\n", p->runs);
	}
	status_family(b, "anycast_healthd_probe_results_total", "counter",
		      "Probe results delivered, by result.");
	STATUS_FOR_EACH_PROBE(d, s, i, p) {
		for (r = 0; r < PROBE_RESULT__COUNT; r++) {
			status_printf(b, "anycast_healthd_probe_results_total{");
			status_probe_labels(b, s, i);
			status_label(b, "result", probe_result_names[r], true);
			status_printf(b, "} %lu\n", p->results[r]);
		}
	}
	status_family(b, "anycast_healthd_probe_latency_seconds", "histogram",
		      "Duration of completed probe runs.");
	STATUS_FOR_EACH_PROBE(d, s, i, p) {
		unsigned long cumulative = 0;

		for (r = 0; r <= PROBE_LATENCY_BUCKETS; r++) {
			cumulative += p->latency_buckets[r];
			status_printf(b, "anycast_healthd_probe_latency_seconds_bucket{");
			status_probe_labels(b, s, i);
			status_printf(b, ",le=\"");
			status_value(b, r < PROBE_LATENCY_BUCKETS ?
				     probe_latency_bounds_ms[r] / 1000.0 : INFINITY);
			status_printf(b, "\"} %lu\n", cumulative);
		}
		status_printf(b, "anycast_healthd_probe_latency_seconds_sum{");
		status_probe_labels(b, s, i);
		status_printf(b, "} ");
		status_value(b, p->latency_sum_ms / 1000.0);
		status_printf(b, "\nanycast_healthd_probe_latency_seconds_count{");
		status_probe_labels(b, s, i);
		status_printf(b, "} %lu\n", p->latency_count);
	}
}

/* The per-prefix fleet series: what each one reads from the guard's info. */
enum status_fleet_series { STATUS_FLEET_HELD, STATUS_FLEET_ANNOUNCERS, STATUS_FLEET_HOLDS,
			   STATUS_FLEET_ALONE };

static unsigned long
status_fleet_value(const struct prefix *px, const struct fleet_prefix_info *pi,
		   enum status_fleet_series what)
{
	switch (what) {
	case STATUS_FLEET_HELD:
		return px->desired == ROUTE_HELD;
	case STATUS_FLEET_ANNOUNCERS:
		return pi->announcers;
	case STATUS_FLEET_HOLDS:
		return pi->holds;
	case STATUS_FLEET_ALONE:
	default:
		return pi->alone;
	}
}

/* One gauge or counter per prefix from the fleet guard's info. */
static void
status_metrics_fleet_prefixes(struct status_buf *b, const struct daemon *d, const char *name,
			      const char *type, const char *help, enum status_fleet_series what)
{
	struct fleet_prefix_info pi;
	size_t i;

	status_family(b, name, type, help);
	for (i = 0; i < d->cfg->n_prefixes; i++) {
		fleet_prefix_info(d->fleet, i, &pi);
		status_printf(b, "%s{", name);
		status_label(b, "prefix", d->prefixes[i].cfg->prefix, false);
		status_printf(b, "} %lu\n", status_fleet_value(&d->prefixes[i], &pi, what));
	}
}

static void
status_metrics_fleet_drift(struct status_buf *b, const struct daemon *d)
{
	const struct fleet_config *fc = &d->cfg->fleet;
	size_t i;

	status_family(b, "anycast_healthd_fleet_drift", "gauge",
		      "1 when this gateway's fingerprint of the file (or \"config\") differs from "
		      "the fleet's majority.");
	status_printf(b, "anycast_healthd_fleet_drift{");
	status_label(b, "name", "config", false);
	status_printf(b, "} %d\n", fleet_drifted(d->fleet, "config"));
	for (i = 0; i < fc->n_fingerprint_files; i++) {
		status_printf(b, "anycast_healthd_fleet_drift{");
		status_label(b, "name", fc->fingerprint_files[i], false);
		status_printf(b, "} %d\n", fleet_drifted(d->fleet, fc->fingerprint_files[i]));
	}
}

/* Only with a fleet section (docs/fleet.md). */
static void
status_metrics_fleet(struct status_buf *b, const struct daemon *d)
{
	struct fleet_info fi;

	if (d->fleet == NULL)
		return;
	fleet_info(d->fleet, &fi);
	status_family(b, "anycast_healthd_fleet_store_up", "gauge",
		      "1 when the fleet's store (etcd) answers.");
	status_printf(b, "anycast_healthd_fleet_store_up %d\n", fi.reachable);
	status_family(b, "anycast_healthd_fleet_store_unreachable_total", "counter",
		      "Times the fleet's store became unreachable.");
	status_printf(b, "anycast_healthd_fleet_store_unreachable_total %lu\n", fi.unreachable_total);
	status_family(b, "anycast_healthd_fleet_gateways", "gauge",
		      "Gateways with a live record in the fleet's store.");
	status_printf(b, "anycast_healthd_fleet_gateways %zu\n", fi.gateways);
	status_metrics_fleet_drift(b, d);
	status_metrics_fleet_prefixes(b, d, "anycast_healthd_prefix_held", "gauge",
				      "1 while the fleet guard holds a withdrawal of the prefix.",
				      STATUS_FLEET_HELD);
	status_metrics_fleet_prefixes(b, d, "anycast_healthd_fleet_announcers", "gauge",
				      "Gateways announcing the prefix in the fleet's store, this one "
				      "included.", STATUS_FLEET_ANNOUNCERS);
	status_metrics_fleet_prefixes(b, d, "anycast_healthd_fleet_guard_holds_total", "counter",
				      "Withdrawals of the prefix the fleet guard held.",
				      STATUS_FLEET_HOLDS);
	status_metrics_fleet_prefixes(b, d, "anycast_healthd_fleet_decisions_alone_total",
				      "counter", "Withdrawals of the prefix decided without the "
				      "store (on-store-loss).", STATUS_FLEET_ALONE);
}

/* Only with hooks (docs/hooks.md). */
static void
status_metrics_hooks(struct status_buf *b, const struct daemon *d)
{
	const struct hooks *h = hooks_runner_hooks(d->hooks);
	size_t i;
	int r;

	if (h == NULL || h->n == 0)
		return;
	status_family(b, "anycast_healthd_hook_runs_total", "counter",
		      "Runs of the state-change hook by result; dropped: records its full queue "
		      "(or the stop) dropped unrun.");
	for (i = 0; i < h->n; i++) {
		for (r = 0; r < HOOK_RESULT__COUNT; r++) {
			status_printf(b, "anycast_healthd_hook_runs_total{");
			status_label(b, "hook", h->hooks[i]->name, false);
			status_label(b, "result", hook_result_names[r], true);
			status_printf(b, "} %lu\n", h->hooks[i]->results[r]);
		}
	}
	status_family(b, "anycast_healthd_hook_queued", "gauge",
		      "Transition records waiting for the hook.");
	for (i = 0; i < h->n; i++) {
		status_printf(b, "anycast_healthd_hook_queued{");
		status_label(b, "hook", h->hooks[i]->name, false);
		status_printf(b, "} %zu\n", h->hooks[i]->count);
	}
	status_family(b, "anycast_healthd_hooks_running", "gauge",
		      "Hook commands running now (at most hooks/max-running).");
	status_printf(b, "anycast_healthd_hooks_running %zu\n", h->running);
}

/* Whether the operator's overrides are safe on disk: the status document's
 * overrides_file.ok as a gauge, so an alert can page on it.  0 while the last
 * save failed (the overrides hold only until the daemon stops) or the start
 * restored nothing from a damaged file (an earlier maintenance may be lost;
 * that stays until the next start, as in the status); else 1, also when no
 * file is configured. */
static void
status_metrics_overrides(struct status_buf *b, const struct daemon *d)
{
	status_family(b, "anycast_healthd_overrides_file_ok", "gauge",
		      "0 while the operator's overrides could not be saved, or were not "
		      "restored at start; 1 otherwise.");
	status_printf(b, "anycast_healthd_overrides_file_ok %d\n", status_overrides_ok(d));
}

char *
status_metrics(const struct daemon *d, double now)
{
	struct status_buf b = { .size = 4096 };

	if ((b.s = malloc(b.size)) == NULL)
		return NULL;
	b.s[0] = '\0';
	status_family(&b, "anycast_healthd_build_info", "gauge",
		      "Always 1; the version label names the build.");
	status_printf(&b, "anycast_healthd_build_info{");
	status_label(&b, "version", PACKAGE_VERSION, false);
	status_printf(&b, "} 1\n");
	status_family(&b, "anycast_healthd_start_time_seconds", "gauge",
		      "Start time of the daemon since the Unix epoch in seconds.");
	status_printf(&b, "anycast_healthd_start_time_seconds ");
	status_value(&b, d->started);
	status_printf(&b, "\n");
	status_family(&b, "anycast_healthd_router_up", "gauge",
		      "1 when the routing daemon's control connection is up.");
	status_printf(&b, "anycast_healthd_router_up %d\n", d->router_up);
	status_family(&b, "anycast_healthd_reloads_total", "counter",
		      "Configuration reloads, applied (ok) or refused.");
	status_printf(&b, "anycast_healthd_reloads_total{result=\"ok\"} %lu\n", d->reloads);
	status_printf(&b, "anycast_healthd_reloads_total{result=\"refused\"} %lu\n",
		      d->reloads_refused);
	status_metrics_overrides(&b, d);
	status_metrics_services(&b, d);
	status_metrics_damping(&b, d, now);
	status_metrics_prefixes(&b, d);
	status_metrics_session_up(&b, d);
	status_metrics_carrying(&b, d);
	status_metrics_advertised(&b, d);
	status_metrics_vrrp(&b, d);
	status_metrics_fleet(&b, d);
	status_metrics_hooks(&b, d);
	status_metrics_probes(&b, d);
	if (d->lag != NULL) {
		char lag[2048];

		loop_lag_render(d->lag, lag, sizeof(lag));
		status_printf(&b, "%s", lag);
	}
	if (b.failed) {
		free(b.s);
		return NULL;
	}
	return b.s;
}
