/*
 * test_status.c - the history ring buffer and the three renderers
 * (status.c).
 *
 * The renderers are checked byte for byte against golden files in
 * tests/status/ for a daemon built by hand here: config structs, services
 * with fake probe objects holding fixed counters and reports, fixed times.
 * Regenerate the golden files after a deliberate change with
 *   UPDATE_GOLDEN=1 tests/test_status      (or tests/test_status --update)
 * The files hold "@VERSION@" where the package version goes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "daemon.h"
#include "fake_etcd.h"
#include "fleet/fleet.h"
#include "hooks_runner.h"
#include "status.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define T0 1795993800.0		/* 2026-11-29T23:10:00Z */

static bool update_golden;

/* The status document names the host; the golden files want a fixed one.
 * This definition wins over libc's for status.c linked into this test. */
int
gethostname(char *name, size_t len)
{
	snprintf(name, len, "gw1");
	return 0;
}

/* ---- a daemon built by hand ---- */

struct fixture {
	struct daemon d;
	struct config cfg;
	struct service_config sc[2];
	struct probe_config pc_pptp[2], pc_web[1];
	struct prefix_config pxc[2];
	char *deps0[1], *deps1[2];
	size_t idx0[1], idx1[2];
	struct service svc[2];
	struct service *svcs[2];
	struct probe *probes_pptp[2], *probes_web[1];
	struct probe probe_control, probe_process;
	struct health_check checks_pptp[2], checks_web[1];
	struct prefix prefixes[2];
};

static void
fixture_probe_config(struct probe_config *pc, const char *name, enum probe_kind kind,
		     uint32_t interval, uint32_t timeout)
{
	pc->name = (char *)(uintptr_t)name;
	pc->kind = kind;
	pc->interval_ms = interval;
	pc->timeout_ms = timeout;
	pc->rise = 3;
	pc->fall = 2;
}

static void
fixture_config(struct fixture *f)
{
	struct config *c = &f->cfg;

	c->path = (char *)(uintptr_t)"/etc/anycast-healthd/anycast-healthd.json";
	c->router.kind = ROUTER_KIND_BIRD;
	c->router.control_socket = (char *)(uintptr_t)"/run/bird/bird.ctl";
	fixture_probe_config(&f->pc_pptp[0], "control", PROBE_KIND_PPTP_CONTROL, 500, 300);
	fixture_probe_config(&f->pc_pptp[1], "process", PROBE_KIND_PROCESS, 1000, 500);
	fixture_probe_config(&f->pc_web[0], "http", PROBE_KIND_HTTP, 2000, 1000);
	f->sc[0] = (struct service_config){ .name = (char *)(uintptr_t)"pptp",
					    .probes = f->pc_pptp, .n_probes = 2 };
	f->sc[0].damping = (struct damping_config){ .enabled = true, .penalty = 1000,
						    .suppress_limit = 2000, .reuse_limit = 750,
						    .half_life_s = 60, .max_suppress_s = 600 };
	f->sc[1] = (struct service_config){ .name = (char *)(uintptr_t)"web",
					    .probes = f->pc_web, .n_probes = 1 };
	c->services = f->sc;
	c->n_services = 2;
	f->deps0[0] = (char *)(uintptr_t)"pptp";
	f->idx0[0] = 0;
	f->deps1[0] = (char *)(uintptr_t)"pptp";
	f->deps1[1] = (char *)(uintptr_t)"web";
	f->idx1[0] = 0;
	f->idx1[1] = 1;
	f->pxc[0] = (struct prefix_config){ .prefix = (char *)(uintptr_t)"192.0.2.1/32",
					    .services = f->deps0, .n_services = 1,
					    .service_index = f->idx0 };
	f->pxc[1] = (struct prefix_config){ .prefix = (char *)(uintptr_t)"2001:db8::1/128",
					    .services = f->deps1, .n_services = 2,
					    .service_index = f->idx1 };
	c->prefixes = f->pxc;
	c->n_prefixes = 2;
	c->api.history_size = 4;
	c->api.admin_state_file = (char *)(uintptr_t)"/var/lib/anycast-healthd/admin-state.json";
}

static void
fixture_probes(struct fixture *f)
{
	struct probe *p = &f->probe_control;

	p->cfg = &f->pc_pptp[0];
	p->last = (struct probe_report){ .result = PROBE_UP, .reason = "ok", .latency_ms = 1.25 };
	p->last_time = T0 + 119.5;
	p->runs = 240;
	p->failures = 2;
	p->second_runs = 1;
	p->results[PROBE_UP] = 236;
	p->results[PROBE_DOWN] = 2;
	p->results[PROBE_DEGRADED] = 1;
	p->latency_buckets[0] = 100;
	p->latency_buckets[1] = 120;
	p->latency_buckets[4] = 15;
	p->latency_buckets[PROBE_LATENCY_BUCKETS] = 4;
	p->latency_sum_ms = 462.5;
	p->latency_count = 239;

	p = &f->probe_process;
	p->cfg = &f->pc_pptp[1];
	p->last = (struct probe_report){ .result = PROBE_UP, .reason = "ok",
					 .detail = "pid 4242" };
	p->last_time = T0 + 2;
	p->runs = 0;
	p->results[PROBE_UP] = 1;
	f->probes_pptp[0] = &f->probe_control;
	f->probes_pptp[1] = &f->probe_process;
	f->probes_web[0] = NULL;	/* not started: no counters, "last": null */
}

static void
fixture_services(struct fixture *f)
{
	f->checks_pptp[0] = (struct health_check){ .state = HEALTH_UP, .rise = 3, .fall = 2,
						   .ok_streak = 5, .reason = "ok" };
	f->checks_pptp[1] = (struct health_check){ .state = HEALTH_UP, .rise = 3, .fall = 2,
						   .ok_streak = 1, .reason = "ok" };
	f->checks_web[0] = (struct health_check){ .state = HEALTH_INIT, .rise = 3, .fall = 2 };
	f->svc[0] = (struct service){ .daemon = &f->d, .cfg = &f->sc[0], .probes = f->probes_pptp,
				      .checks = f->checks_pptp, .state = HEALTH_UP, .reason = "ok",
				      .since = T0 + 1.5, .transitions = 3,
				      .damping = { .penalty = 1500, .updated = T0 + 1.5, .flaps = 2 } };
	f->svc[1] = (struct service){ .daemon = &f->d, .cfg = &f->sc[1], .probes = f->probes_web,
				      .checks = f->checks_web, .state = HEALTH_INIT, .reason = "init",
				      .since = T0 };
	f->svcs[0] = &f->svc[0];
	f->svcs[1] = &f->svc[1];
}

/* Two BGP sessions, uppeer established and up2 Active; the IPv4 prefix is
 * in both exports (carried by one), the IPv6 one (withdrawn) in none. */
static void
fixture_sessions(struct fixture *f)
{
	struct daemon *d = &f->d;

	d->sessions_known = true;
	d->n_sessions = 2;
	snprintf(d->sessions[0].name, sizeof(d->sessions[0].name), "uppeer");
	snprintf(d->sessions[0].state, sizeof(d->sessions[0].state), "Established");
	d->sessions[0].established = true;
	snprintf(d->sessions[1].name, sizeof(d->sessions[1].name), "up2");
	snprintf(d->sessions[1].state, sizeof(d->sessions[1].state), "Active");
	f->prefixes[0].sessions_known = true;
	f->prefixes[0].advertised = 0x3;
	f->prefixes[0].carried = 1;
	f->prefixes[1].sessions_known = true;
}

static struct fixture *
fixture_new(void)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct daemon *d = &f->d;

	assert_non_null(f);
	fixture_config(f);
	fixture_probes(f);
	fixture_services(f);
	f->prefixes[0] = (struct prefix){ .cfg = &f->pxc[0], .desired = ROUTE_ANNOUNCED,
					  .actual = ROUTE_ANNOUNCED, .since = T0 + 1.5,
					  .why = "pptp UP" };
	f->prefixes[1] = (struct prefix){ .cfg = &f->pxc[1], .desired = ROUTE_WITHDRAWN,
					  .actual = ROUTE_ANNOUNCED, .since = T0 + 60,
					  .why = "maintenance (operator)", .drift_repairs = 2,
					  .admin = ADMIN_MAINTENANCE, .admin_since = T0 + 60 };
	fixture_sessions(f);
	d->cfg = &f->cfg;
	d->services = f->svcs;
	d->prefixes = f->prefixes;
	d->router_up = true;
	d->router_since = T0 + 0.25;
	snprintf(d->router_why, sizeof(d->router_why), "connected");
	d->started = T0;
	d->reloads = 1;
	d->reloads_refused = 1;
	status_history_init(&d->history, f->cfg.api.history_size);
	status_history_add(&d->history, T0 + 0.25, STATUS_EVENT_ROUTER, "router", "unreachable",
			   "connected", "connected");
	status_history_add(&d->history, T0 + 1.5, STATUS_EVENT_SERVICE, "pptp", "INIT", "UP", "ok");
	status_history_add(&d->history, T0 + 1.5, STATUS_EVENT_PREFIX, "192.0.2.1/32", "unknown",
			   "announced", "pptp UP");
	status_history_add(&d->history, T0 + 30, STATUS_EVENT_RELOAD, "config", "", "refused",
			   "/etc/anycast-healthd/anycast-healthd.json: - : \"quoted\"");
	status_history_add(&d->history, T0 + 60, STATUS_EVENT_ADMIN, "2001:db8::1/128", "none",
			   "maintenance", "operator");
	return f;
}

static void
fixture_free(struct fixture *f)
{
	status_history_free(&f->d.history);
	free(f);
}

/* ---- golden files ---- */

static char *
golden_path(const char *name)
{
	const char *top = getenv("top_srcdir");
	char *path;
	int n;

	if (top != NULL && *top != '\0') {
		n = asprintf(&path, "%s/tests/status/%s", top, name);
	} else {
		const char *slash = strrchr(__FILE__, '/');
		int dirlen = slash ? (int)(slash - __FILE__) : 1;

		n = asprintf(&path, "%.*s/status/%s", dirlen, slash ? __FILE__ : ".", name);
	}
	assert_true(n > 0);
	return path;
}

/* Replace every `from` in s by `to`; returns a malloc'd string. */
static char *
replace_all(const char *s, const char *from, const char *to)
{
	size_t nfrom = strlen(from), nto = strlen(to), n = 0;
	const char *p;
	char *out, *o;

	for (p = s; (p = strstr(p, from)) != NULL; p += nfrom)
		n++;
	out = malloc(strlen(s) + n * nto + 1);
	assert_non_null(out);
	for (o = out, p = s; *p != '\0';) {
		if (strncmp(p, from, nfrom) == 0) {
			memcpy(o, to, nto);
			o += nto;
			p += nfrom;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

static char *
read_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	long len;

	if (fp == NULL)
		fail_msg("%s: cannot open (UPDATE_GOLDEN=1 creates it)", path);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	buf[len] = '\0';
	fclose(fp);
	return buf;
}

static void
golden_check(const char *name, char *actual)
{
	char *path = golden_path(name);
	char *with_var;

	assert_non_null(actual);
	if (update_golden) {
		FILE *fp = fopen(path, "w");
		char *q1 = replace_all(actual, "\"" PACKAGE_VERSION "\"", "\"@VERSION@\"");

		assert_non_null(fp);
		fputs(q1, fp);
		assert_int_equal(fclose(fp), 0);
		print_message("updated %s\n", path);
		free(q1);
	} else {
		char *raw = read_file(path);

		with_var = replace_all(raw, "\"@VERSION@\"", "\"" PACKAGE_VERSION "\"");
		free(raw);
		if (strcmp(with_var, actual) != 0)
			print_error("%s differs; got:\n%s", path, actual);
		assert_string_equal(actual, with_var);
		free(with_var);
	}
	free(path);
	free(actual);
}

/* ---- history ring buffer ---- */

static void
add(struct status_history *h, int i)
{
	char subject[16];

	snprintf(subject, sizeof(subject), "e%d", i);
	status_history_add(h, T0 + i, STATUS_EVENT_SERVICE, subject, "UP", "DOWN", "why");
}

static void
assert_history(const struct status_history *h, int first, int last)
{
	size_t i;
	char subject[16];

	assert_int_equal(h->count, (size_t)(last - first + 1));
	for (i = 0; i < h->count; i++) {
		snprintf(subject, sizeof(subject), "e%d", first + (int)i);
		assert_non_null(status_history_get(h, i));
		assert_string_equal(status_history_get(h, i)->subject, subject);
		assert_true(status_history_get(h, i)->time == T0 + first + (int)i);
	}
	assert_null(status_history_get(h, h->count));
}

static void
status_test_history_order(void **state)
{
	struct status_history h;

	(void)state;
	status_history_init(&h, 5);
	assert_null(status_history_get(&h, 0));
	add(&h, 1);
	add(&h, 2);
	add(&h, 3);
	assert_history(&h, 1, 3);
	assert_int_equal(h.total, 3);
	assert_int_equal(status_history_get(&h, 0)->kind, STATUS_EVENT_SERVICE);
	assert_string_equal(status_history_get(&h, 0)->from, "UP");
	assert_string_equal(status_history_get(&h, 0)->to, "DOWN");
	assert_string_equal(status_history_get(&h, 0)->reason, "why");
	status_history_free(&h);
	status_history_free(NULL);
}

static void
status_test_history_wrap(void **state)
{
	struct status_history h;
	int i;

	(void)state;
	status_history_init(&h, 3);
	for (i = 1; i <= 7; i++)
		add(&h, i);
	assert_history(&h, 5, 7);
	assert_int_equal(h.total, 7);
	status_history_free(&h);
}

static void
status_test_history_resize_shrink(void **state)
{
	struct status_history h;
	int i;

	(void)state;
	status_history_init(&h, 5);
	for (i = 1; i <= 7; i++)		/* wrapped: holds e3..e7 */
		add(&h, i);
	status_history_resize(&h, 2);
	assert_history(&h, 6, 7);
	add(&h, 8);
	assert_history(&h, 7, 8);
	add(&h, 9);
	assert_history(&h, 8, 9);
	assert_int_equal(h.total, 9);
	status_history_free(&h);
}

static void
status_test_history_resize_grow(void **state)
{
	struct status_history h;
	int i;

	(void)state;
	status_history_init(&h, 3);
	for (i = 1; i <= 5; i++)		/* wrapped: holds e3..e5 */
		add(&h, i);
	status_history_resize(&h, 6);
	assert_history(&h, 3, 5);
	for (i = 6; i <= 9; i++)
		add(&h, i);
	assert_history(&h, 4, 9);
	status_history_resize(&h, 6);	/* same size: nothing moves */
	assert_history(&h, 4, 9);
	status_history_free(&h);
}

static void
status_test_history_zero(void **state)
{
	struct status_history h;

	(void)state;
	status_history_init(&h, 0);
	add(&h, 1);
	assert_int_equal(h.count, 0);
	assert_int_equal(h.total, 1);
	assert_null(status_history_get(&h, 0));
	status_history_resize(&h, 2);
	add(&h, 2);
	assert_history(&h, 2, 2);
	status_history_resize(&h, 0);
	assert_int_equal(h.count, 0);
	add(&h, 3);
	assert_int_equal(h.total, 3);
	status_history_free(&h);
}

static void
status_test_history_truncates(void **state)
{
	struct status_history h;
	char longer[300];

	(void)state;
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	status_history_init(&h, 1);
	status_history_add(&h, T0, STATUS_EVENT_RELOAD, longer, NULL, longer, longer);
	assert_int_equal(strlen(status_history_get(&h, 0)->subject), 63);
	assert_string_equal(status_history_get(&h, 0)->from, "");
	assert_int_equal(strlen(status_history_get(&h, 0)->to), 23);
	assert_int_equal(strlen(status_history_get(&h, 0)->reason), 127);
	status_history_free(&h);
}

/* ---- renderers ---- */

static void
status_test_json_golden(void **state)
{
	struct fixture *f = fixture_new();

	(void)state;
	golden_check("status.json", status_json(&f->d, T0 + 123.4));
	fixture_free(f);
}

static void
status_test_history_json_golden(void **state)
{
	struct fixture *f = fixture_new();

	(void)state;
	golden_check("history.json", status_history_json(&f->d, 0));
	golden_check("history-limit2.json", status_history_json(&f->d, 2));
	fixture_free(f);
}

static void
status_test_history_json_empty(void **state)
{
	struct fixture *f = fixture_new();
	char *text;

	(void)state;
	status_history_free(&f->d.history);
	status_history_init(&f->d.history, 4);
	text = status_history_json(&f->d, 10);
	assert_string_equal(text, "{\n  \"events\": [\n  ]\n}\n");
	free(text);
	fixture_free(f);
}

static void
status_test_metrics_golden(void **state)
{
	struct fixture *f = fixture_new();

	(void)state;
	golden_check("metrics.txt", status_metrics(&f->d, T0 + 123.4));
	fixture_free(f);
}

static void
status_test_metrics_label_escaping(void **state)
{
	struct fixture *f = fixture_new();
	char *text;

	(void)state;
	f->sc[0].name = (char *)(uintptr_t)"a\"b\\c\nd";
	text = status_metrics(&f->d, T0);
	assert_non_null(strstr(text, "anycast_healthd_service_transitions_total"
			       "{service=\"a\\\"b\\\\c\\nd\"} 3\n"));
	free(text);
	text = status_json(&f->d, T0);
	assert_non_null(strstr(text, "\"name\": \"a\\\"b\\\\c\\nd\""));
	free(text);
	fixture_free(f);
}

/* The session table unknown (connection lost): null in the status, no
 * session series in the metrics but the uncarried one. */
static void
status_test_sessions_unknown(void **state)
{
	struct fixture *f = fixture_new();
	struct json_object *root, *router, *px;
	char *text;

	(void)state;
	f->d.sessions_known = false;
	f->prefixes[0].sessions_known = false;
	f->prefixes[1].sessions_known = false;
	text = status_json(&f->d, T0);
	root = json_tokener_parse(text);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "router", &router));
	assert_true(json_object_object_get_ex(router, "sessions", &px));
	assert_null(px);
	px = json_object_array_get_idx(json_object_object_get(root, "prefixes"), 0);
	assert_true(json_object_object_get_ex(px, "sessions", NULL));
	assert_null(json_object_object_get(px, "sessions"));
	assert_true(json_object_object_get_ex(px, "carried", NULL));
	assert_null(json_object_object_get(px, "carried"));
	assert_false(json_object_get_boolean(json_object_object_get(px, "uncarried")));
	json_object_put(root);
	free(text);
	text = status_metrics(&f->d, T0);
	assert_null(strstr(text, "anycast_healthd_bgp_session_up{"));
	assert_null(strstr(text, "anycast_healthd_prefix_sessions_carrying{"));
	assert_null(strstr(text, "anycast_healthd_prefix_advertised{"));
	assert_non_null(strstr(text, "anycast_healthd_prefix_uncarried{prefix=\"192.0.2.1/32\"} 0\n"));
	free(text);
	fixture_free(f);
}

/* keepalived: each prefix's VRRP instance state in the status (an object;
 * null for the BGP routers) and one-hot in the metrics. */
static void
status_test_keepalived_vrrp(void **state)
{
	struct fixture *f = fixture_new();
	struct json_object *root, *px, *vrrp;
	char *text;

	(void)state;
	f->cfg.router.kind = ROUTER_KIND_KEEPALIVED;
	f->prefixes[0].vrrp = VRRP_MASTER;
	f->prefixes[0].vrrp_since = T0 + 2;
	text = status_json(&f->d, T0 + 5);
	root = json_tokener_parse(text);
	assert_non_null(root);
	px = json_object_array_get_idx(json_object_object_get(root, "prefixes"), 0);
	assert_true(json_object_object_get_ex(px, "vrrp", &vrrp));
	assert_string_equal(json_object_get_string(json_object_object_get(vrrp, "state")), "master");
	assert_non_null(json_object_object_get(vrrp, "since"));
	px = json_object_array_get_idx(json_object_object_get(root, "prefixes"), 1);
	vrrp = json_object_object_get(px, "vrrp");
	assert_string_equal(json_object_get_string(json_object_object_get(vrrp, "state")), "unknown");
	assert_null(json_object_object_get(vrrp, "since"));
	json_object_put(root);
	free(text);
	text = status_metrics(&f->d, T0 + 5);
	assert_non_null(strstr(text, "anycast_healthd_vrrp_state{prefix=\"192.0.2.1/32\",state=\"master\"} 1\n"));
	assert_non_null(strstr(text, "anycast_healthd_vrrp_state{prefix=\"192.0.2.1/32\",state=\"backup\"} 0\n"));
	assert_non_null(strstr(text, "anycast_healthd_vrrp_state{prefix=\"2001:db8::1/128\",state=\"unknown\"} 1\n"));
	free(text);
	f->cfg.router.kind = ROUTER_KIND_BIRD;
	text = status_metrics(&f->d, T0 + 5);
	assert_null(strstr(text, "anycast_healthd_vrrp_state"));
	free(text);
	fixture_free(f);
}

/* An uncarried prefix: true in the status, 1 in the metrics, carried 0. */
static void
status_test_sessions_uncarried(void **state)
{
	struct fixture *f = fixture_new();
	struct json_object *root, *px, *names;
	char *text;

	(void)state;
	f->d.sessions[0].established = false;
	snprintf(f->d.sessions[0].state, sizeof(f->d.sessions[0].state), "Active");
	f->prefixes[0].carried = 0;
	f->prefixes[0].uncarried = true;
	text = status_json(&f->d, T0);
	root = json_tokener_parse(text);
	assert_non_null(root);
	px = json_object_array_get_idx(json_object_object_get(root, "prefixes"), 0);
	assert_true(json_object_get_boolean(json_object_object_get(px, "uncarried")));
	assert_int_equal(json_object_get_int(json_object_object_get(px, "carried")), 0);
	assert_true(json_object_is_type(json_object_object_get(px, "carried"), json_type_int));
	names = json_object_object_get(px, "sessions");
	assert_int_equal(json_object_array_length(names), 2);	/* in the exports still */
	assert_string_equal(json_object_get_string(json_object_array_get_idx(names, 1)), "up2");
	json_object_put(root);
	free(text);
	text = status_metrics(&f->d, T0);
	assert_non_null(strstr(text, "anycast_healthd_prefix_uncarried{prefix=\"192.0.2.1/32\"} 1\n"));
	assert_non_null(strstr(text, "anycast_healthd_prefix_sessions_carrying"
			       "{prefix=\"192.0.2.1/32\"} 0\n"));
	assert_non_null(strstr(text, "anycast_healthd_bgp_session_up{session=\"uppeer\"} 0\n"));
	assert_non_null(strstr(text, "anycast_healthd_prefix_advertised{prefix=\"192.0.2.1/32\","
			       "session=\"uppeer\"} 1\n"));
	free(text);
	fixture_free(f);
}

/* ---- with a fleet (the store: tests/support/fake_etcd.c) ---- */

static void
fleet_decided_cb(void *arg, size_t index, bool withdraw, const char *why)
{
	struct fixture *f = arg;

	(void)why;
	f->prefixes[index].desired = withdraw ? ROUTE_WITHDRAWN : ROUTE_HELD;
}

static void
fleet_record_cb(void *arg, struct fleet_record *r)
{
	(void)arg;
	(void)r;
}

static void
fleet_settle(void)
{
	int i;

	for (i = 0; i < 10000 && !fake_etcd_idle(); i++)
		ev_run(EV_DEFAULT, EVRUN_NOWAIT);
	assert_true(fake_etcd_idle());
}

/* A prefix held by the fleet guard, the only gateway announcing it: the
 * status's "fleet" object, the prefix's guard fields, the fleet metrics. */
static void
status_test_fleet(void **state)
{
	static const struct fleet_callbacks cb = {
		.decided = fleet_decided_cb, .record = fleet_record_cb,
	};
	struct fixture *f = fixture_new();
	char *endpoints[] = { (char *)(uintptr_t)"http://fake:2379" };
	char *text;

	(void)state;
	fake_etcd_reset();
	f->cfg.fleet = (struct fleet_config){
		.enabled = true, .name = (char *)(uintptr_t)"lab", .node = (char *)(uintptr_t)"gw1",
		.endpoints = endpoints, .n_endpoints = 1, .lease_ttl_s = 10,
		.request_timeout_ms = 1000, .decision_timeout_ms = 2000,
	};
	f->pxc[0].min_announcers = 1;
	f->d.fleet = fleet_create(EV_DEFAULT, &f->cfg, &cb, f);
	assert_non_null(f->d.fleet);
	fleet_settle();
	fleet_announcing(f->d.fleet, 0, "announced");
	fleet_settle();
	fleet_withdraw(f->d.fleet, 0, false);
	fleet_settle();
	assert_int_equal(f->prefixes[0].desired, ROUTE_HELD);
	text = status_json(&f->d, T0);
	assert_non_null(strstr(text, "\"desired\": \"held\","));
	assert_non_null(strstr(text, "\"held\": true,\n      \"guard\": \"held: withdrawing would "
				     "leave 0 gateways announcing it (min-announcers 1)\",\n      "
				     "\"announcers\": 1,\n      \"min_announcers\": 1\n"));
	assert_non_null(strstr(text, "\"fleet\": {\n    \"name\": \"lab\",\n    \"node\": \"gw1\",\n"
				     "    \"store\": {\n      \"reachable\": true,\n      "
				     "\"endpoint\": \"http://fake:2379\",\n      \"why\": \"\",\n"));
	assert_non_null(strstr(text, "\"alone\": false,\n    \"gateways\": 1,\n    \"drift\": [\n    ]\n"));
	free(text);
	text = status_metrics(&f->d, T0);
	assert_non_null(strstr(text, "\nanycast_healthd_fleet_store_up 1\n"));
	assert_non_null(strstr(text, "\nanycast_healthd_fleet_store_unreachable_total 0\n"));
	assert_non_null(strstr(text, "\nanycast_healthd_fleet_gateways 1\n"));
	assert_non_null(strstr(text, "\nanycast_healthd_fleet_drift{name=\"config\"} 0\n"));
	assert_non_null(strstr(text, "\nanycast_healthd_prefix_held{prefix=\"192.0.2.1/32\"} 1\n"));
	assert_non_null(strstr(text, "\nanycast_healthd_prefix_held{prefix=\"2001:db8::1/128\"} 0\n"));
	assert_non_null(strstr(text, "\nanycast_healthd_fleet_announcers{prefix=\"192.0.2.1/32\"} 1\n"));
	assert_non_null(strstr(text, "\nanycast_healthd_fleet_guard_holds_total{prefix=\"192.0.2.1/32\"} 1\n"));
	assert_non_null(strstr(text, "\nanycast_healthd_fleet_decisions_alone_total{prefix=\"192.0.2.1/32\"} 0\n"));
	assert_non_null(strstr(text, "\nanycast_healthd_prefix_state{prefix=\"192.0.2.1/32\",state=\"held\"} 1\n"));
	free(text);
	fleet_free(f->d.fleet);
	fake_etcd_reset();
	fixture_free(f);
}

/* Without a fleet section nothing of the fleet shows. */
static void
status_test_no_fleet(void **state)
{
	struct fixture *f = fixture_new();
	char *text;

	(void)state;
	text = status_json(&f->d, T0);
	assert_null(strstr(text, "\"fleet\""));
	assert_null(strstr(text, "\"held\""));
	free(text);
	text = status_metrics(&f->d, T0);
	assert_null(strstr(text, "fleet"));
	assert_null(strstr(text, "held"));
	free(text);
	fixture_free(f);
}

/* The hooks section and metrics: a run finished, one running, one queued. */
static void
status_test_hooks(void **state)
{
	struct fixture *f = fixture_new();
	char *argv[] = { (char *)(uintptr_t)"/bin/true", NULL };
	struct hook_config hc[2] = {
		{ .name = (char *)(uintptr_t)"page", .argv = argv, .argc = 1,
		  .events = 1u << STATUS_EVENT_PREFIX, .timeout_ms = 500, .queue_size = 8 },
		{ .name = (char *)(uintptr_t)"ticket", .argv = argv, .argc = 1,
		  .events = (1u << STATUS_EVENT__COUNT) - 1, .timeout_ms = 500, .queue_size = 8 },
	};
	struct hooks *h;
	struct hook_record rec;
	char *text;

	(void)state;
	f->cfg.hooks = (struct hooks_config){ .hooks = hc, .n_hooks = 2, .max_running = 4 };
	f->d.hooks = hooks_runner_create(EV_DEFAULT, &f->cfg);
	/* no loop runs here: records queue, nothing forks */
	hooks_runner_record(f->d.hooks, T0, STATUS_EVENT_PREFIX, "192.0.2.1/32", "announced",
			    "withdrawn", "pptp DOWN");
	hooks_runner_record(f->d.hooks, T0 + 1, STATUS_EVENT_PREFIX, "192.0.2.1/32", "withdrawn",
			    "announced", "pptp UP");
	h = (struct hooks *)(uintptr_t)hooks_runner_hooks(f->d.hooks);
	hooks_done(h, hooks_next(h, &rec), HOOK_FAILED, "exit 2: no route to pager", T0 + 2, 0.25);
	assert_non_null(hooks_next(h, &rec));	/* page's second record runs */
	assert_non_null(hooks_next(h, &rec));	/* ticket's first; its second waits */
	text = status_json(&f->d, T0 + 3);
	assert_non_null(strstr(text, "\"hooks\": {\n    \"max_running\": 4,\n    \"running\": 2,\n"
				     "    \"queued\": 1,\n"));
	assert_non_null(strstr(text, "\"name\": \"page\",\n        \"running\": true,\n"
				     "        \"queued\": 0,\n        \"runs\": {\n"
				     "          \"ok\": 0,\n          \"failed\": 1,\n"
				     "          \"timeout\": 0,\n          \"dropped\": 0\n        },\n"
				     "        \"last\": {\n          \"result\": \"failed\",\n"
				     "          \"reason\": \"exit 2: no route to pager\",\n"
				     "          \"time\": \"2026-11-29T23:10:02Z\",\n"
				     "          \"duration_s\": 0.25\n        }\n"));
	assert_non_null(strstr(text, "\"name\": \"ticket\",\n        \"running\": true,\n"
				     "        \"queued\": 1,\n"));
	assert_non_null(strstr(text, "\"last\": null\n"));
	free(text);
	text = status_metrics(&f->d, T0 + 3);
	assert_non_null(strstr(text, "\nanycast_healthd_hook_runs_total{hook=\"page\",result=\"failed\"} 1\n"));
	assert_non_null(strstr(text, "\nanycast_healthd_hook_runs_total{hook=\"ticket\",result=\"ok\"} 0\n"));
	assert_non_null(strstr(text, "\nanycast_healthd_hook_runs_total{hook=\"ticket\",result=\"dropped\"} 0\n"));
	assert_non_null(strstr(text, "\nanycast_healthd_hook_queued{hook=\"ticket\"} 1\n"));
	assert_non_null(strstr(text, "\nanycast_healthd_hooks_running 2\n"));
	free(text);
	hooks_runner_free(f->d.hooks);
	fixture_free(f);
}

/* Without hooks nothing of them shows. */
static void
status_test_no_hooks(void **state)
{
	struct fixture *f = fixture_new();
	char *text;

	(void)state;
	text = status_json(&f->d, T0);
	assert_null(strstr(text, "\"hooks\""));
	free(text);
	text = status_metrics(&f->d, T0);
	assert_null(strstr(text, "hook"));
	free(text);
	fixture_free(f);
}

static void
status_test_json_router_down(void **state)
{
	struct fixture *f = fixture_new();
	char *text;

	(void)state;
	f->d.router_up = false;
	snprintf(f->d.router_why, sizeof(f->d.router_why), "connect-refused");
	f->prefixes[0].actual = ROUTE_UNKNOWN;	/* what the driver reports then */
	f->probe_control.last_time = 0;
	f->probe_process.last_time = 0;
	text = status_json(&f->d, T0 - 5);	/* clock stepped back: no negative uptime */
	assert_non_null(strstr(text, "\"reachable\": false"));
	assert_non_null(strstr(text, "\"reason\": \"connect-refused\""));
	assert_non_null(strstr(text, "\"uptime_s\": 0,"));
	assert_null(strstr(text, "\"latency_ms\""));
	free(text);
	text = status_metrics(&f->d, T0);
	assert_non_null(strstr(text, "\nanycast_healthd_router_up 0\n"));
	assert_non_null(strstr(text, "\nanycast_healthd_prefix_actual_state{prefix=\"192.0.2.1/32\","
				     "state=\"unknown\"} 1\n"));
	assert_non_null(strstr(text, "\nanycast_healthd_prefix_actual_state{prefix=\"192.0.2.1/32\","
				     "state=\"announced\"} 0\n"));
	free(text);
	fixture_free(f);
}

/* A service held DOWN by flap damping: when it will be released, decayed. */
static void
status_test_damped_service(void **state)
{
	struct fixture *f = fixture_new();
	struct json_object *doc, *svc, *damping, *v;
	char *text;

	(void)state;
	f->svc[0].state = HEALTH_DOWN;
	snprintf(f->svc[0].reason, sizeof(f->svc[0].reason), "damped");
	f->svc[0].damping = (struct health_damping){ .penalty = 3000, .updated = T0, .suppressed = true,
						     .flaps = 3, .suppressions = 1 };
	text = status_json(&f->d, T0 + 60);	/* one half-life later: 1500 */
	doc = json_tokener_parse(text);
	assert_non_null(doc);
	svc = json_object_array_get_idx(json_object_object_get(doc, "services"), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(svc, "reason")), "damped");
	damping = json_object_object_get(svc, "damping");
	assert_non_null(damping);
	assert_true(json_object_get_boolean(json_object_object_get(damping, "suppressed")));
	assert_float_equal(json_object_get_double(json_object_object_get(damping, "penalty")), 1500, 0.01);
	v = json_object_object_get(damping, "release_in_s");	/* 60 x log2(1500 / 750) */
	assert_non_null(v);
	assert_float_equal(json_object_get_double(v), 60, 0.01);
	assert_int_equal(json_object_get_int(json_object_object_get(damping, "suppressions")), 1);
	/* the service without damping says so */
	svc = json_object_array_get_idx(json_object_object_get(doc, "services"), 1);
	assert_true(json_object_object_get_ex(svc, "damping", &v));
	assert_null(v);
	json_object_put(doc);
	free(text);
	text = status_metrics(&f->d, T0 + 60);
	assert_non_null(strstr(text, "\nanycast_healthd_service_damped{service=\"pptp\"} 1\n"));
	assert_non_null(strstr(text, "\nanycast_healthd_service_damping_penalty{service=\"pptp\"} 1500\n"));
	assert_null(strstr(text, "anycast_healthd_service_damped{service=\"web\"}"));
	free(text);
	fixture_free(f);
}

/* The overrides file's gauge follows the status document's overrides_file.ok:
 * 0 after a failed save or a failed restore at start, 1 otherwise. */
static void
status_test_metrics_overrides_file(void **state)
{
	static const char *const errors[] = { "save", "restore" };
	struct fixture *f = fixture_new();
	char *text;
	size_t i;

	(void)state;
	text = status_metrics(&f->d, T0);
	assert_non_null(strstr(text, "\nanycast_healthd_overrides_file_ok 1\n"));
	free(text);
	for (i = 0; i < 2; i++) {
		char *err = i == 0 ? f->d.overrides_error : f->d.overrides_restore_error;

		snprintf(err, sizeof(f->d.overrides_error), "%s: Read-only file system", errors[i]);
		text = status_metrics(&f->d, T0);
		assert_non_null(strstr(text, "\nanycast_healthd_overrides_file_ok 0\n"));
		free(text);
		text = status_json(&f->d, T0);
		assert_non_null(strstr(text, "\"ok\": false"));
		free(text);
		err[0] = '\0';
	}
	f->cfg.api.admin_state_file = NULL;	/* no file: nothing to fail */
	text = status_metrics(&f->d, T0);
	assert_non_null(strstr(text, "\nanycast_healthd_overrides_file_ok 1\n"));
	free(text);
	fixture_free(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(status_test_keepalived_vrrp),
		cmocka_unit_test(status_test_history_order),
		cmocka_unit_test(status_test_history_wrap),
		cmocka_unit_test(status_test_history_resize_shrink),
		cmocka_unit_test(status_test_history_resize_grow),
		cmocka_unit_test(status_test_history_zero),
		cmocka_unit_test(status_test_history_truncates),
		cmocka_unit_test(status_test_json_golden),
		cmocka_unit_test(status_test_fleet),
		cmocka_unit_test(status_test_no_fleet),
		cmocka_unit_test(status_test_hooks),
		cmocka_unit_test(status_test_no_hooks),
		cmocka_unit_test(status_test_history_json_golden),
		cmocka_unit_test(status_test_history_json_empty),
		cmocka_unit_test(status_test_metrics_golden),
		cmocka_unit_test(status_test_metrics_label_escaping),
		cmocka_unit_test(status_test_json_router_down),
		cmocka_unit_test(status_test_damped_service),
		cmocka_unit_test(status_test_sessions_unknown),
		cmocka_unit_test(status_test_sessions_uncarried),
		cmocka_unit_test(status_test_metrics_overrides_file),
	};
	const char *env = getenv("UPDATE_GOLDEN");

	update_golden = (env != NULL && strcmp(env, "1") == 0) ||
			(argc > 1 && strcmp(argv[1], "--update") == 0);
	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
