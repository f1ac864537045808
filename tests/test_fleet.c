/*
 * test_fleet.c - the fleet's protocol (fleet.c) with several gateways on one
 * loop sharing one in-memory etcd (support/fake_etcd.c): the guard's txn
 * race, holds and releases, store loss, lease loss, the operator's refusal.
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

#include "fake_etcd.h"
#include "fleet/fleet.h"
#include "log.h"

#define PFX_KEY "/anycast-healthd/lab/announcers/192.0.2.1_32/"

struct gw {
	struct config cfg;
	struct prefix_config prefix;
	char *endpoints[1];
	struct fleet *f;
	int decided;		/* -1 none yet, 0 held, 1 withdraw */
	unsigned n_decided;
	char why[192];
	unsigned changed;
};

static struct ev_loop *loop;
/* Started gateways, freed by the teardown even when a test failed midway
 * (their timers would otherwise point into a dead stack frame). */
static struct gw pool[3];
static struct gw *live[8];
static size_t n_live;

static void
gw_decided_cb(void *arg, size_t index, bool withdraw, const char *why)
{
	struct gw *g = arg;

	assert_int_equal(index, 0);
	g->decided = withdraw;
	g->n_decided++;
	snprintf(g->why, sizeof(g->why), "%s", why);
}

static void
gw_record_cb(void *arg, struct fleet_record *r)
{
	(void)arg;
	(void)r;
}

static void
gw_changed_cb(void *arg)
{
	((struct gw *)arg)->changed++;
}

static const struct fleet_callbacks gw_callbacks = {
	.decided = gw_decided_cb, .record = gw_record_cb, .changed = gw_changed_cb,
};

static void
gw_init(struct gw *g, const char *node, uint32_t min)
{
	memset(g, 0, sizeof(*g));
	g->endpoints[0] = (char *)(uintptr_t)"http://fake:2379";
	g->prefix.prefix = (char *)(uintptr_t)"192.0.2.1/32";
	g->prefix.min_announcers = min;
	g->cfg.prefixes = &g->prefix;
	g->cfg.n_prefixes = 1;
	g->cfg.fleet = (struct fleet_config){
		.enabled = true, .name = (char *)(uintptr_t)"lab", .node = (char *)(uintptr_t)node,
		.endpoints = g->endpoints, .n_endpoints = 1, .lease_ttl_s = 3,
		.request_timeout_ms = 1000, .decision_timeout_ms = 50,
		.on_store_loss = ON_STORE_LOSS_DECIDE_ALONE,
	};
	g->decided = -1;
}

static void
gw_start(struct gw *g)
{
	g->f = fleet_create(loop, &g->cfg, &gw_callbacks, g);
	assert_non_null(g->f);
	live[n_live++] = g;
}


static void
wake_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
}

/* Run the loop until *flag becomes true, waiting at most `limit` seconds
 * (a bound on a hang, not a timing assertion). */
static bool
run_until(bool (*cond)(void *), void *arg, double limit)
{
	ev_timer t;
	double end;

	ev_now_update(loop);
	end = ev_now(loop) + limit;
	ev_timer_init(&t, wake_cb, 0.02, 0.02);
	ev_timer_start(loop, &t);
	while (!cond(arg) && ev_now(loop) < end)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &t);
	return cond(arg);
}

/* Run the loop until the fake store has answered everything (at most 10 s:
 * a bound on a hang; a count of loop passes ran out on a busy machine). */
static bool
store_idle(void *arg)
{
	(void)arg;
	return fake_etcd_idle();
}

static void
settle(void)
{
	assert_true(run_until(store_idle, NULL, 10));
}

static bool
gw_has_decided(void *arg)
{
	return ((struct gw *)arg)->decided != -1;
}

static bool
keepalive_waiting(void *arg)
{
	(void)arg;
	return fake_etcd_queued("keepalive") > 0;
}

static bool
key_present(void *arg)
{
	return fake_etcd_get(arg) != NULL;
}

static bool
gw_store_up(void *arg)
{
	struct fleet_info fi;

	fleet_info(((struct gw *)arg)->f, &fi);
	return fi.reachable;
}

static void
gws_announce(struct gw *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		gw_start(&g[i]);
	settle();
	for (i = 0; i < n; i++)
		fleet_announcing(g[i].f, 0, "announced");
	settle();
	assert_int_equal(fake_etcd_count(PFX_KEY), n);
}

static void
gws_free(struct gw *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		fleet_free(g[i].f);
		g[i].f = NULL;
	}
}

static int
setup(void **state)
{
	(void)state;
	fake_etcd_reset();
	n_live = 0;
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < n_live; i++)
		if (live[i]->f != NULL)
			fleet_free(live[i]->f);
	n_live = 0;
	return 0;
}

/* All three want out in the same loop iteration, min 1: the store orders
 * their txns; exactly one holds, and its key says "held". */
static void
fleet_test_three_fail_at_once_one_holds(void **state)
{
	struct gw *g = pool;
	unsigned held = 0, left = 0;
	size_t i;

	(void)state;
	gw_init(&g[0], "gw1", 1);
	gw_init(&g[1], "gw2", 1);
	gw_init(&g[2], "gw3", 1);
	gws_announce(g, 3);
	for (i = 0; i < 3; i++)
		fleet_withdraw(g[i].f, 0, false);
	settle();
	for (i = 0; i < 3; i++) {
		assert_int_not_equal(g[i].decided, -1);
		held += g[i].decided == 0;
		left += g[i].decided == 1;
	}
	assert_int_equal(held, 1);
	assert_int_equal(left, 2);
	assert_int_equal(fake_etcd_count(PFX_KEY), 1);
	for (i = 0; i < 3; i++) {
		char key[128];
		struct fleet_prefix_info pi;

		snprintf(key, sizeof(key), PFX_KEY "%s", g[i].cfg.fleet.node);
		fleet_prefix_info(g[i].f, 0, &pi);
		assert_int_equal(pi.announcers, 1);	/* the mirror agrees */
		if (g[i].decided != 0) {
			assert_null(fake_etcd_get(key));
			continue;
		}
		assert_true(pi.held);
		assert_string_equal(pi.guard, "held: withdrawing would leave 0 gateways "
				    "announcing it (min-announcers 1)");
		assert_int_equal(pi.holds, 1);
		assert_non_null(strstr(fake_etcd_get(key), "\"state\":\"held\""));
	}
	gws_free(g, 3);
}

/* With the watch mirror filled, leaving takes one request: the txn,
 * whose compares are the count (no range first). */
static void
fleet_test_leave_one_round_trip(void **state)
{
	struct gw *g = pool;
	unsigned long ranges, txns;

	(void)state;
	gw_init(&g[0], "gw1", 1);
	gw_init(&g[1], "gw2", 1);
	gws_announce(g, 2);
	ranges = fake_etcd_requests("range");
	txns = fake_etcd_requests("txn");
	fleet_withdraw(g[0].f, 0, false);
	settle();
	assert_int_equal(g[0].decided, 1);
	assert_string_equal(g[0].why, "gw2 announces it");
	assert_int_equal(fake_etcd_requests("range"), ranges);
	assert_int_equal(fake_etcd_requests("txn"), txns + 1);
	assert_int_equal(fake_etcd_count(PFX_KEY), 1);
	gws_free(g, 2);
}

/* A held gateway leaves as soon as another announces again. */
static void
fleet_test_held_released_when_another_announces(void **state)
{
	struct gw *g = pool;
	char key0[128];

	(void)state;
	gw_init(&g[0], "gw1", 1);
	gw_init(&g[1], "gw2", 1);
	gws_announce(g, 2);
	fleet_withdraw(g[0].f, 0, false);
	settle();
	assert_int_equal(g[0].decided, 1);
	fleet_withdraw(g[1].f, 0, false);
	settle();
	assert_int_equal(g[1].decided, 0);
	assert_string_equal(g[1].why, "held: withdrawing would leave 0 gateways announcing it "
			    "(min-announcers 1)");
	/* gw1 recovers: its router announces, its key goes back */
	fleet_keep(g[0].f, 0);
	fleet_announcing(g[0].f, 0, "announced");
	settle();
	assert_int_equal(g[1].decided, 1);
	assert_string_equal(g[1].why, "gw1 announces it");
	snprintf(key0, sizeof(key0), PFX_KEY "gw1");
	assert_non_null(fake_etcd_get(key0));
	assert_int_equal(fake_etcd_count(PFX_KEY), 1);
	gws_free(g, 2);
}

/* Health back while held: the hold ends, the key follows the router again. */
static void
fleet_test_keep_ends_hold(void **state)
{
	struct gw *g = pool;

	(void)state;
	gw_init(g, "gw1", 1);
	gws_announce(g, 1);
	fleet_withdraw(g->f, 0, false);
	settle();
	assert_int_equal(g->decided, 0);
	assert_non_null(strstr(fake_etcd_get(PFX_KEY "gw1"), "held"));
	fleet_keep(g->f, 0);
	fleet_announcing(g->f, 0, "announced");
	settle();
	assert_non_null(strstr(fake_etcd_get(PFX_KEY "gw1"), "\"state\":\"announced\""));
	gws_free(g, 1);
}

/* A withdrawal decided, then wanted again without the prefix having been
 * kept in between: the guard is asked anew, not ignored. */
static void
fleet_test_withdraw_after_left_asks_again(void **state)
{
	struct gw *g = pool;

	(void)state;
	gw_init(&g[0], "gw1", 1);
	gw_init(&g[1], "gw2", 1);
	gws_announce(g, 2);
	fleet_withdraw(g[0].f, 0, false);
	settle();
	assert_int_equal(g[0].decided, 1);
	assert_int_equal(g[0].n_decided, 1);
	fleet_withdraw(g[0].f, 0, false);
	settle();
	assert_int_equal(g[0].n_decided, 2);
	assert_int_equal(g[0].decided, 1);
	gws_free(g, 2);
}

/* Withdrawn through the guard, then announcing again (health back): the
 * key waits for the router to confirm the announcement; what the router
 * confirmed before the withdrawal no longer stands. */
static void
fleet_test_keep_after_left_waits_for_router(void **state)
{
	struct gw *g = pool;

	(void)state;
	gw_init(&g[0], "gw1", 1);
	gw_init(&g[1], "gw2", 1);
	gws_announce(g, 2);
	fleet_withdraw(g[0].f, 0, false);
	settle();
	assert_int_equal(g[0].decided, 1);
	assert_null(fake_etcd_get(PFX_KEY "gw1"));
	fleet_keep(g[0].f, 0);
	settle();
	assert_null(fake_etcd_get(PFX_KEY "gw1"));
	fleet_announcing(g[0].f, 0, "announced");
	settle();
	assert_non_null(strstr(fake_etcd_get(PFX_KEY "gw1"), "\"state\":\"announced\""));
	gws_free(g, 2);
}

static void
fleet_test_min0_unguarded(void **state)
{
	struct gw *g = pool;
	unsigned long ranges;

	(void)state;
	gw_init(g, "gw1", 0);
	gws_announce(g, 1);
	ranges = fake_etcd_requests("range");
	fleet_withdraw(g->f, 0, false);
	settle();
	assert_int_equal(g->decided, 1);
	assert_int_equal(fake_etcd_requests("range"), ranges);	/* nothing counted */
	assert_null(fake_etcd_get(PFX_KEY "gw1"));
	gws_free(g, 1);
}

/* Store unreachable: the withdrawal waits decision-timeout-ms, then decides
 * alone; when the store is back its stale key is deleted. */
static void
fleet_test_store_loss_decide_alone(void **state)
{
	struct gw *g = pool;
	struct fleet_info fi;
	struct fleet_prefix_info pi;

	(void)state;
	gw_init(&g[0], "gw1", 1);
	gw_init(&g[1], "gw2", 1);
	gws_announce(g, 2);
	fleet_withdraw(g[1].f, 0, false);	/* gw2 leaves first: gw1 would hold */
	settle();
	fake_etcd_set_unreachable(true);
	fleet_withdraw(g[0].f, 0, false);
	settle();
	assert_int_equal(g[0].decided, -1);	/* waiting for the store */
	fleet_prefix_info(g[0].f, 0, &pi);
	assert_string_equal(pi.guard, "waiting for the store");
	fleet_info(g[0].f, &fi);
	assert_false(fi.reachable);
	assert_true(fi.alone);
	assert_string_equal(fi.why, "http://fake:2379: Connection refused");
	assert_int_equal(fi.unreachable_total, 1);
	assert_true(run_until(gw_has_decided, &g[0], 10));
	assert_int_equal(g[0].decided, 1);
	assert_string_equal(g[0].why, "decided alone: no answer from the store in 50 ms");
	fleet_prefix_info(g[0].f, 0, &pi);
	assert_int_equal(pi.alone, 1);
	assert_non_null(fake_etcd_get(PFX_KEY "gw1"));	/* the lease still lives */
	fake_etcd_set_unreachable(false);
	assert_true(run_until(gw_store_up, &g[0], 10));
	settle();
	assert_null(fake_etcd_get(PFX_KEY "gw1"));
	fleet_info(g[0].f, &fi);
	assert_int_equal(fi.unreachable_total, 1);	/* counted once */
	gws_free(g, 2);
}

/* keep-announcing: held while the store is away, re-checked when it is back. */
static void
fleet_test_store_loss_keep_announcing(void **state)
{
	struct gw *g = pool;

	(void)state;
	gw_init(&g[0], "gw1", 1);
	gw_init(&g[1], "gw2", 1);
	g[0].cfg.fleet.on_store_loss = ON_STORE_LOSS_KEEP_ANNOUNCING;
	gws_announce(g, 2);
	fake_etcd_set_unreachable(true);
	fleet_withdraw(g[0].f, 0, false);
	assert_true(run_until(gw_has_decided, &g[0], 10));
	assert_int_equal(g[0].decided, 0);
	assert_string_equal(g[0].why, "held: no answer from the store in 50 ms (keep-announcing)");
	fake_etcd_set_unreachable(false);
	g[0].decided = -1;
	assert_true(run_until(gw_has_decided, &g[0], 10));
	assert_int_equal(g[0].decided, 1);	/* gw2 announces: it may leave */
	assert_string_equal(g[0].why, "gw2 announces it");
	gws_free(g, 2);
}

/* --force deletes the key and decides at once, alone or not. */
static void
fleet_test_force_skips_guard(void **state)
{
	struct gw *g = pool;

	(void)state;
	gw_init(g, "gw1", 1);
	gws_announce(g, 1);
	fleet_withdraw(g->f, 0, true);
	settle();
	assert_int_equal(g->decided, 1);
	assert_null(fake_etcd_get(PFX_KEY "gw1"));
	gws_free(g, 1);
}

/* The lease expires (the store lost us for longer than the TTL): a new one
 * is granted, the record and the announcer key put again. */
static void
fleet_test_lease_lost_regranted(void **state)
{
	struct gw *g = pool;

	(void)state;
	gw_init(g, "gw1", 1);
	gws_announce(g, 1);
	assert_non_null(fake_etcd_get("/anycast-healthd/lab/gateways/gw1"));
	fake_etcd_expire_lease(0);
	assert_null(fake_etcd_get("/anycast-healthd/lab/gateways/gw1"));
	assert_null(fake_etcd_get(PFX_KEY "gw1"));
	assert_true(run_until(key_present, (void *)(uintptr_t)PFX_KEY "gw1", 10));
	assert_true(run_until(key_present, (void *)(uintptr_t)"/anycast-healthd/lab/gateways/gw1",
			      10));
	assert_int_equal(fake_etcd_requests("grant"), 2);
	gws_free(g, 1);
}

/* A keepalive sent into a network cut never answers, and the lease expires
 * meanwhile: the first put the store refuses for the lost lease ("requested
 * lease not found") grants a new one at once, without waiting for that
 * keepalive's answer. */
static void
fleet_test_lease_not_found_regranted(void **state)
{
	struct gw *g = pool;
	(void)state;
	gw_init(g, "gw1", 1);
	gws_announce(g, 1);
	fake_etcd_hold("keepalive");
	assert_true(run_until(keepalive_waiting, NULL, 10));
	fake_etcd_expire_lease(0);
	fleet_announcing(g->f, 0, "degraded");	/* a put with the lost lease */
	assert_true(run_until(key_present, (void *)(uintptr_t)PFX_KEY "gw1", 10));
	assert_true(run_until(key_present, (void *)(uintptr_t)"/anycast-healthd/lab/gateways/gw1",
			      10));
	assert_int_equal(fake_etcd_requests("grant"), 2);
	fake_etcd_hold(NULL);
	gws_free(g, 1);
}

/* The operator's verb is refused from the mirror's view, naming who announces. */
static void
fleet_test_admin_refusal(void **state)
{
	struct gw *g = pool;
	char err[256];

	(void)state;
	gw_init(&g[0], "gw1", 1);
	gw_init(&g[1], "gw2", 1);
	gws_announce(g, 2);
	assert_int_equal(fleet_admin_check(g[0].f, 0, "maintenance", false, err, sizeof(err)), 0);
	fleet_withdraw(g[1].f, 0, false);
	settle();
	assert_int_equal(fleet_admin_check(g[0].f, 0, "maintenance", false, err, sizeof(err)), -1);
	assert_string_equal(err, "192.0.2.1/32: maintenance refused by the fleet guard: "
			    "min-announcers is 1 and no other gateway announces it "
			    "(announcing: gw1); use --force");
	assert_int_equal(fleet_admin_check(g[0].f, 0, "maintenance", true, err, sizeof(err)), 0);
	gws_free(g, 2);
}

/* A record of another gateway, as it would write it, with one fingerprint. */
static void
put_record(const char *node, const char *name, const char *hmac)
{
	struct fleet_record_fingerprint fp = {
		.name = (char *)(uintptr_t)name, .hmac = (char *)(uintptr_t)hmac,
	};
	struct fleet_record r = {
		.node = (char *)(uintptr_t)node, .version = (char *)(uintptr_t)"0.9.0",
		.router_kind = (char *)(uintptr_t)"bird", .fingerprints = &fp, .n_fingerprints = 1,
	};
	char key[128], *text = fleet_record_encode(&r);

	assert_non_null(text);
	snprintf(key, sizeof(key), "/anycast-healthd/lab/gateways/%s", node);
	fake_etcd_put(key, text);
	free(text);
}

/* This gateway's credentials differ from the two others': drifted, told to
 * the daemon; when they are gone it agrees again. */
static void
fleet_test_own_drift(void **state)
{
	struct gw *g = pool;
	char dir[] = "/tmp/test-fleet-XXXXXX", keyf[64], file[64];
	char *files[1];
	const char *other = "0000000000000000000000000000000000000000000000000000000000000000";
	struct fleet_info fi;
	struct fleet_record mine;
	const char *value;
	char err[128];
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(keyf, sizeof(keyf), "%s/fleet.key", dir);
	snprintf(file, sizeof(file), "%s/chap-secrets", dir);
	assert_non_null(fp = fopen(keyf, "w"));
	fputs("a fleet key", fp);
	fclose(fp);
	assert_non_null(fp = fopen(file, "w"));
	fputs("user * secret *\n", fp);
	fclose(fp);
	files[0] = file;
	gw_init(g, "gw1", 1);
	g->cfg.fleet.fingerprint_key_file = keyf;
	g->cfg.fleet.fingerprint_files = files;
	g->cfg.fleet.n_fingerprint_files = 1;
	gws_announce(g, 1);
	assert_false(fleet_drifted(g->f, file));
	put_record("gw2", file, other);
	put_record("gw3", file, other);
	settle();
	assert_true(fleet_drifted(g->f, file));
	assert_false(fleet_drifted(g->f, "config"));	/* the others publish none */
	fleet_info(g->f, &fi);
	assert_int_equal(fi.n_drift, 1);
	assert_string_equal(fi.drift[0], file);
	assert_int_equal(fi.gateways, 3);
	assert_true(g->changed >= 1);
	/* the others take this gateway's file: it agrees again */
	value = fake_etcd_get("/anycast-healthd/lab/gateways/gw1");
	assert_int_equal(fleet_record_decode(value, strlen(value), &mine, err, sizeof(err)), 0);
	assert_string_equal(mine.fingerprints[1].name, file);
	put_record("gw2", file, mine.fingerprints[1].hmac);
	put_record("gw3", file, mine.fingerprints[1].hmac);
	fleet_record_clear(&mine);
	settle();
	assert_false(fleet_drifted(g->f, file));
	fleet_info(g->f, &fi);
	assert_int_equal(fi.n_drift, 0);
	gws_free(g, 1);
	unlink(file);
	unlink(keyf);
	rmdir(dir);
}

/* `rounds` passes of the loop, whatever is queued (a request loop would
 * never let settle() end). */
static void
spin(int rounds)
{
	while (rounds-- > 0)
		ev_run(loop, EVRUN_NOWAIT);
}

/* The store answers the count with an error (e.g. the user may not read
 * announcers/): asked again after a pause, not at once in a loop that
 * floods the store and the log. */
static void
fleet_test_range_error_retried_later(void **state)
{
	struct gw *g = pool;
	unsigned long ranges;

	(void)state;
	gw_init(g, "gw1", 1);
	g->cfg.fleet.decision_timeout_ms = 60000;
	gws_announce(g, 1);
	fake_etcd_fail("range", 7, "etcdserver: permission denied");
	ranges = fake_etcd_requests("range");
	fleet_withdraw(g->f, 0, false);
	spin(200);
	assert_int_equal(fake_etcd_requests("range") - ranges, 1);
	assert_int_equal(g->decided, -1);
	/* the store answers again: the retry counts and decides */
	fake_etcd_fail(NULL, 0, NULL);
	assert_true(run_until(gw_has_decided, g, 10));
	assert_int_equal(g->decided, 0);
	assert_string_equal(g->why, "held: withdrawing would leave 0 gateways announcing it "
			    "(min-announcers 1)");
	gws_free(g, 1);
}

/* The store reachable but too slow to decide within decision-timeout-ms:
 * decided alone, and the own key is deleted as soon as the store takes
 * requests, not left counted by the others while the router withdraws. */
static void
fleet_test_slow_store_decide_alone_deletes_key(void **state)
{
	struct gw *g = pool;

	(void)state;
	gw_init(&g[0], "gw1", 1);
	gw_init(&g[1], "gw2", 1);
	gws_announce(g, 2);
	fake_etcd_pause(true);
	fleet_withdraw(g[0].f, 0, false);
	assert_true(run_until(gw_has_decided, &g[0], 10));
	assert_int_equal(g[0].decided, 1);
	assert_string_equal(g[0].why, "decided alone: no answer from the store in 50 ms");
	fake_etcd_pause(false);
	settle();
	assert_null(fake_etcd_get(PFX_KEY "gw1"));
	assert_non_null(fake_etcd_get(PFX_KEY "gw2"));
	gws_free(g, 2);
}

/* Keys under announcers/P/ that are no gateway's key (a deeper path, an
 * empty name: another tool's, a typo with etcdctl) are not counted as
 * gateways announcing P, by the guard as by the operator's check. */
static void
fleet_test_odd_announcer_keys_not_counted(void **state)
{
	struct gw *g = pool;
	char err[256];

	(void)state;
	gw_init(g, "gw1", 1);
	gws_announce(g, 1);
	fake_etcd_put(PFX_KEY "old/gw2", "{\"state\":\"announced\",\"since\":1}");
	fake_etcd_put(PFX_KEY, "{\"state\":\"announced\",\"since\":1}");
	settle();
	assert_int_equal(fleet_admin_check(g->f, 0, "maintenance", false, err, sizeof(err)), -1);
	fleet_withdraw(g->f, 0, false);
	assert_true(run_until(gw_has_decided, g, 10));
	assert_int_equal(g->decided, 0);
	assert_string_equal(g->why, "held: withdrawing would leave 0 gateways announcing it "
			    "(min-announcers 1)");
	assert_non_null(fake_etcd_get(PFX_KEY "gw1"));
	gws_free(g, 1);
}

/* Same for the txn: an error answer is retried after a pause. */
static void
fleet_test_txn_error_retried_later(void **state)
{
	struct gw *g = pool;
	unsigned long txns;

	(void)state;
	gw_init(&g[0], "gw1", 1);
	gw_init(&g[1], "gw2", 1);
	g[0].cfg.fleet.decision_timeout_ms = 60000;
	gws_announce(g, 2);
	fake_etcd_fail("txn", 3, "etcdserver: too many operations in txn request");
	txns = fake_etcd_requests("txn");
	fleet_withdraw(g[0].f, 0, false);
	spin(200);
	assert_int_equal(fake_etcd_requests("txn") - txns, 1);
	assert_int_equal(g[0].decided, -1);
	fake_etcd_fail(NULL, 0, NULL);
	assert_true(run_until(gw_has_decided, &g[0], 10));
	assert_int_equal(g[0].decided, 1);
	assert_null(fake_etcd_get(PFX_KEY "gw1"));
	gws_free(g, 2);
}

/* Many changes in one iteration: one record put, not one per change. */
static void
fleet_test_record_coalesced(void **state)
{
	struct gw *g = pool;
	unsigned long puts;
	int i;

	(void)state;
	gw_init(g, "gw1", 1);
	gws_announce(g, 1);
	puts = fake_etcd_requests("put");
	for (i = 0; i < 20; i++)
		fleet_record_dirty(g->f);
	settle();
	assert_true(fake_etcd_requests("put") - puts <= 1);
	gws_free(g, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fleet_test_leave_one_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_test_three_fail_at_once_one_holds, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_test_held_released_when_another_announces, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_test_keep_ends_hold, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_test_withdraw_after_left_asks_again, setup,
						teardown),
		cmocka_unit_test_setup_teardown(fleet_test_keep_after_left_waits_for_router, setup,
						teardown),
		cmocka_unit_test_setup_teardown(fleet_test_min0_unguarded, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_test_store_loss_decide_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_test_store_loss_keep_announcing, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_test_force_skips_guard, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_test_lease_lost_regranted, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_test_lease_not_found_regranted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(fleet_test_admin_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_test_record_coalesced, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_test_own_drift, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_test_range_error_retried_later, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_test_txn_error_retried_later, setup, teardown),
		cmocka_unit_test_setup_teardown(fleet_test_slow_store_decide_alone_deletes_key, setup,
						teardown),
		cmocka_unit_test_setup_teardown(fleet_test_odd_announcer_keys_not_counted, setup,
						teardown),
	};
	int rc;

	log_init(0);
	loop = ev_default_loop(0);
	rc = cmocka_run_group_tests_name("fleet", tests, NULL, NULL);
	fake_etcd_reset();
	return rc;
}
