/*
 * test_daemon_sessions.c - the daemon's side of the BGP session read-back
 * (daemon.c, docs/design.md "Sessions"): the driver's session table kept
 * per prefix, the "uncarried" warning (settle rule, logged once as it
 * starts and as it ends, history kind "session"), session state changes,
 * the table unknown from a lost connection, a reload moving prefixes.
 *
 * A real daemon with a driver of the test's own (tests/support/
 * daemon_harness.h): the test calls the daemon's driver callbacks as a
 * driver would; the settle rule's clock is dh_clock.  With a fleet section
 * the store is tests/support/fake_etcd.c.
 *
 * The drivers' side of the table (driver_sessions.c) is tested here too,
 * directly: what a reload leaves of the last table.
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

#include "daemon_harness.h"
#include "driver_sessions.h"
#include "fake_etcd.h"
#include "log.h"
#include "status.h"

#define FLEET_SECTION "\"fleet\": {\"name\": \"lab\", \"node\": \"gw1\"," \
		      " \"endpoint\": [\"http://fake:2379\"], \"key-file\": \"/etc/hostname\"," \
		      " \"fingerprint-file\": [\"/etc/hostname\"]},\n"

#define PREFIX_A "{\"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"svc\"]," \
		 " \"bird\": {\"protocol\": \"anycast4\"}}"
#define PREFIX_B "{\"prefix\": \"192.0.2.2/32\", \"depends-on\": [\"svc\"]," \
		 " \"bird\": {\"protocol\": \"anycast4b\"}}"

struct sx {
	struct dh *h;
	uint32_t advertised[3];
	struct bgp_sessions t;
};

static int
setup_with(void **state, bool fleet)
{
	struct sx *sx = calloc(1, sizeof(*sx));

	assert_non_null(sx);
	fake_etcd_reset();
	sx->h = dh_new("daemon-sessions", NULL, PREFIX_A, fleet ? FLEET_SECTION : "");
	dh_wait_desired(sx->h, ROUTE_ANNOUNCED);
	dh_cb->connection(dh_arg, true, NULL);
	dh_cb->actual(dh_arg, 0, ROUTE_ANNOUNCED);
	*state = sx;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, false);
}

static int
setup_fleet(void **state)
{
	return setup_with(state, true);
}

static int
teardown(void **state)
{
	struct sx *sx = *state;

	dh_free(sx->h);
	fake_etcd_reset();
	free(sx);
	return 0;
}

/* The table the driver hands over: sessions "name:state" (established
 * when the state is "Established"), advertised masks per prefix. */
static void
table(struct sx *sx, size_t n_prefixes, const char *const *sessions, size_t n,
      const uint32_t *adv)
{
	size_t i;

	memset(&sx->t, 0, sizeof(sx->t));
	for (i = 0; i < n; i++) {
		const char *colon = strchr(sessions[i], ':');

		snprintf(sx->t.s[i].name, sizeof(sx->t.s[i].name), "%.*s",
			 (int)(colon - sessions[i]), sessions[i]);
		snprintf(sx->t.s[i].state, sizeof(sx->t.s[i].state), "%s", colon + 1);
		sx->t.s[i].established = strcmp(colon + 1, "Established") == 0;
	}
	sx->t.n = n;
	memcpy(sx->advertised, adv, n_prefixes * sizeof(*adv));
	sx->t.advertised = sx->advertised;
	sx->t.n_prefixes = n_prefixes;
	dh_cb->sessions(dh_arg, &sx->t);
}

static const struct status_event *
last_event(const struct sx *sx)
{
	return status_history_get(&sx->h->d->history, sx->h->d->history.count - 1);
}

static void
assert_event(const struct status_event *e, const char *subject, const char *from, const char *to,
	     const char *reason)
{
	assert_non_null(e);
	assert_string_equal(status_event_kind_names[e->kind], "session");
	assert_string_equal(e->subject, subject);
	assert_string_equal(e->from, from);
	assert_string_equal(e->to, to);
	assert_string_equal(e->reason, reason);
}

static const char *const active[] = { "uppeer:Active" };
static const char *const established[] = { "uppeer:Established" };
static const uint32_t in_export[] = { 0x1 };
static const uint32_t nowhere[] = { 0x0 };

#define UNCARRIED_LINE "prefix 192.0.2.1/32: wanted announced but no established BGP " \
		       "session carries it (uppeer: Active)"

/* A read-back within 1 s of the last change does not start the warning;
 * the next one does, logged and recorded once however many follow. */
static void
daemon_sessions_test_uncarried_after_settle(void **state)
{
	struct sx *sx = *state;
	struct prefix *px = &sx->h->d->prefixes[0];
	unsigned long events;

	dh_clock = px->changed_mono + 0.5;
	table(sx, 1, active, 1, in_export);
	assert_true(px->sessions_known);
	assert_int_equal(px->carried, 0);
	assert_int_equal(px->advertised, 0x1);
	assert_false(px->uncarried);
	assert_int_equal(dh_log_count("session uppeer: Active"), 1);	/* first seen */
	assert_event(last_event(sx), "uppeer", "", "Active", "new BGP session");

	dh_clock += 1.0;
	table(sx, 1, active, 1, in_export);
	assert_true(px->uncarried);
	assert_int_equal(dh_log_count(UNCARRIED_LINE), 1);
	assert_event(last_event(sx), "192.0.2.1/32", "carried", "uncarried", "uppeer: Active");

	events = sx->h->d->history.total;
	dh_clock += 5;
	table(sx, 1, active, 1, in_export);
	assert_true(px->uncarried);
	assert_int_equal(dh_log_count(UNCARRIED_LINE), 1);
	assert_int_equal(sx->h->d->history.total, events);
}

/* The session comes up and carries it: the warning ends at once, the
 * session's change logged once. */
static void
daemon_sessions_test_carried_again(void **state)
{
	struct sx *sx = *state;
	struct prefix *px = &sx->h->d->prefixes[0];
	size_t count;

	dh_clock = px->changed_mono + 2;
	table(sx, 1, active, 1, nowhere);
	assert_true(px->uncarried);
	assert_int_equal(sx->h->d->n_sessions, 1);
	count = sx->h->d->history.count;
	table(sx, 1, established, 1, in_export);
	assert_false(px->uncarried);
	assert_int_equal(px->carried, 1);
	assert_int_equal(dh_log_count("session uppeer: Active -> Established"), 1);
	assert_int_equal(dh_log_count("prefix 192.0.2.1/32: carried again (uppeer)"), 1);
	assert_int_equal(sx->h->d->history.count, count + 2);
	assert_event(status_history_get(&sx->h->d->history, count), "uppeer", "Active", "Established",
		     "BGP session state");
	assert_event(last_event(sx), "192.0.2.1/32", "uncarried", "carried", "uppeer");
	table(sx, 1, established, 1, in_export);
	assert_int_equal(sx->h->d->history.count, count + 2);
}

/* Established but not in the export (a filter rejects it): uncarried too;
 * a session going down is a warning. */
static void
daemon_sessions_test_filtered(void **state)
{
	struct sx *sx = *state;
	struct prefix *px = &sx->h->d->prefixes[0];

	dh_clock = px->changed_mono + 2;
	table(sx, 1, established, 1, in_export);
	assert_false(px->uncarried);
	table(sx, 1, established, 1, nowhere);
	assert_true(px->uncarried);
	assert_int_equal(dh_log_count("prefix 192.0.2.1/32: wanted announced but no established BGP "
				   "session carries it (uppeer: Established)"), 1);
	table(sx, 1, active, 1, nowhere);
	assert_int_equal(dh_log_count("session uppeer: Established -> Active"), 1);
}

/* The connection lost: unknown until the next table, the warning over; a
 * session as it was before is not logged again. */
static void
daemon_sessions_test_connection_lost(void **state)
{
	struct sx *sx = *state;
	struct prefix *px = &sx->h->d->prefixes[0];
	char *json;

	dh_clock = px->changed_mono + 2;
	table(sx, 1, active, 1, in_export);
	assert_true(px->uncarried);
	dh_cb->connection(dh_arg, false, "eof");
	assert_false(sx->h->d->sessions_known);
	assert_false(px->sessions_known);
	assert_false(px->uncarried);
	assert_int_equal(dh_log_count("prefix 192.0.2.1/32: no longer warned uncarried "
				   "(BGP sessions unknown)"), 1);
	assert_event(last_event(sx), "192.0.2.1/32", "uncarried", "carried", "BGP sessions unknown");
	json = status_json(sx->h->d, ev_time());
	assert_non_null(strstr(json, "\"sessions\": null"));
	assert_non_null(strstr(json, "\"carried\": null"));
	free(json);

	dh_cb->connection(dh_arg, true, NULL);
	dh_cb->actual(dh_arg, 0, ROUTE_UNKNOWN);
	dh_cb->actual(dh_arg, 0, ROUTE_ANNOUNCED);	/* an actual change: settle again */
	table(sx, 1, active, 1, in_export);
	assert_true(px->sessions_known);
	assert_false(px->uncarried);
	assert_int_equal(dh_log_count("session uppeer: Active"), 1);	/* not again */
	dh_clock += 1;
	table(sx, 1, active, 1, in_export);
	assert_true(px->uncarried);
	assert_int_equal(dh_log_count(UNCARRIED_LINE), 2);
}

/* Wanted withdrawn (maintenance): the warning ends at once. */
static void
daemon_sessions_test_withdrawn_ends(void **state)
{
	struct sx *sx = *state;
	struct prefix *px = &sx->h->d->prefixes[0];
	char err[128];

	dh_clock = px->changed_mono + 2;
	table(sx, 1, active, 1, in_export);
	assert_true(px->uncarried);
	assert_int_equal(daemon_admin(sx->h->d, DAEMON_ADMIN_MAINTENANCE, "192.0.2.1/32", false, err,
				      sizeof(err)), 0);
	assert_int_equal(px->desired, ROUTE_WITHDRAWN);
	assert_false(px->uncarried);
	assert_int_equal(dh_log_count("prefix 192.0.2.1/32: no longer warned uncarried "
				   "(desired withdrawn)"), 1);
	/* read back announced still, carried by none: not wanted, no warning */
	dh_clock += 5;
	table(sx, 1, active, 1, in_export);
	assert_false(px->uncarried);
}

/* A reload adding a prefix in front: the old one keeps its state at its
 * new index; the new one is unknown until the next table; a table of the
 * old prefix count is not taken for the new config's prefixes. */
static void
daemon_sessions_test_reload(void **state)
{
	struct sx *sx = *state;
	struct config *cfg;
	static const uint32_t two[] = { 0x0, 0x1 };

	dh_clock = sx->h->d->prefixes[0].changed_mono + 2;
	table(sx, 1, active, 1, in_export);
	assert_true(sx->h->d->prefixes[0].uncarried);
	dh_write_config(sx->h, NULL, PREFIX_B ", " PREFIX_A, "");
	cfg = config_load(sx->h->path, stderr);
	assert_non_null(cfg);
	daemon_reload(sx->h->d, cfg);
	assert_int_equal(dh_opened, 1);	/* same router: driver kept */
	assert_string_equal(sx->h->d->prefixes[1].cfg->prefix, "192.0.2.1/32");
	assert_true(sx->h->d->prefixes[1].uncarried);
	assert_true(sx->h->d->prefixes[1].sessions_known);
	assert_int_equal(sx->h->d->prefixes[1].advertised, 0x1);
	assert_false(sx->h->d->prefixes[0].sessions_known);
	assert_false(sx->h->d->prefixes[0].uncarried);

	table(sx, 1, established, 1, in_export);	/* read for the old prefixes */
	assert_false(sx->h->d->prefixes[0].sessions_known);
	assert_true(sx->h->d->prefixes[1].sessions_known);
	assert_true(sx->h->d->prefixes[1].uncarried);
	assert_int_equal(sx->h->d->prefixes[1].carried, 0);
	assert_true(sx->h->d->sessions[0].established);	/* the sessions are taken */

	dh_wait_desired(sx->h, ROUTE_ANNOUNCED);
	dh_cb->actual(dh_arg, 0, ROUTE_ANNOUNCED);
	dh_clock += 2;
	table(sx, 2, established, 1, two);
	assert_int_equal(sx->h->d->prefixes[0].carried, 0);
	assert_true(sx->h->d->prefixes[0].uncarried);
	assert_int_equal(sx->h->d->prefixes[1].carried, 1);
	assert_false(sx->h->d->prefixes[1].uncarried);
}

static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

/* The gateway record in the store once it holds `needle` (the record's
 * puts are coalesced), 5 s at the most. */
static const char *
wait_record(struct sx *sx, const char *needle)
{
	double deadline = ev_time() + 5;
	const char *record;
	ev_timer tick;

	ev_timer_init(&tick, tick_cb, 0.05, 0.05);
	ev_timer_start(sx->h->loop, &tick);
	while (((record = fake_etcd_get("/anycast-healthd/lab/gateways/gw1")) == NULL ||
		strstr(record, needle) == NULL) && ev_time() < deadline)
		ev_run(sx->h->loop, EVRUN_ONCE);
	ev_timer_stop(sx->h->loop, &tick);
	if (record == NULL || strstr(record, needle) == NULL)
		fail_msg("no %s in the record: %s", needle, record != NULL ? record : "(none)");
	return record;
}

/* With a fleet: the service fails, the guard holds the withdrawal (the
 * only gateway; min-announcers 1), the router announces it degraded; held
 * counts as wanted announced, so the warning still starts; the gateway
 * record in the store carries "carried" and "uncarried". */
static void
daemon_sessions_test_held(void **state)
{
	struct sx *sx = *state;
	struct prefix *px = &sx->h->d->prefixes[0];
	const char *record;

	dh_set_up(sx->h, false);
	dh_wait_desired(sx->h, ROUTE_HELD);
	dh_cb->actual(dh_arg, 0, ROUTE_DEGRADED);
	dh_clock = px->changed_mono + 0.5;
	table(sx, 1, active, 1, in_export);
	assert_false(px->uncarried);
	dh_clock += 1;
	table(sx, 1, active, 1, in_export);
	assert_true(px->uncarried);
	assert_int_equal(dh_log_count(UNCARRIED_LINE), 1);
	record = wait_record(sx, "\"carried\":0,\"uncarried\":true}");
	assert_non_null(strstr(record, "\"desired\":\"held\",\"actual\":\"degraded\""));

	table(sx, 1, established, 1, in_export);
	assert_false(px->uncarried);
	wait_record(sx, "\"carried\":1,\"uncarried\":false}");
}

/* ---- the drivers' table (driver_sessions.c) ---- */

static void
handed_cb(void *arg, const struct bgp_sessions *t)
{
	*(const struct bgp_sessions **)arg = t;
}

/* One read of one Established session advertising `prefix`, handed over. */
static const struct bgp_sessions *
driver_read(struct driver_sessions *ds, const char *prefix)
{
	struct bgp_session s = { .name = "uppeer", .state = "Established", .established = true };
	const struct driver_callbacks cb = { .sessions = handed_cb };
	const struct bgp_sessions *got = NULL;

	driver_sessions_begin(ds);
	assert_true(driver_sessions_add(ds, &s));
	driver_sessions_mark(ds, 0, prefix);
	driver_sessions_publish(ds, &cb, &got);
	assert_non_null(got);
	return got;
}

/* A reload drops the last table whole: never known with sessions that
 * advertise nothing (its advertised[] went with the old prefix list). */
static void
daemon_sessions_test_driver_reconfigure(void **state)
{
	char a[] = "192.0.2.1/32", b[] = "2001:db8:a::1/128", c[] = "198.51.100.0/24";
	struct prefix_config one[] = { { .prefix = a }, { .prefix = b } };
	struct prefix_config two[] = { { .prefix = c }, { .prefix = a }, { .prefix = b } };
	struct config cfg1 = { .prefixes = one, .n_prefixes = 2 };
	struct config cfg2 = { .prefixes = two, .n_prefixes = 3 };
	struct driver_sessions ds;
	const struct bgp_sessions *t;

	(void)state;
	driver_sessions_init(&ds, "test", &cfg1);
	t = driver_read(&ds, "192.0.2.1/32");
	assert_true(ds.known);
	assert_int_equal(t->n, 1);
	assert_int_equal(t->advertised[0], 0x1);

	driver_sessions_begin(&ds);
	driver_sessions_reconfigure(&ds, &cfg2);
	assert_false(ds.reading);
	assert_false(ds.known);
	assert_int_equal(ds.table.n, 0);
	assert_int_equal(ds.table.n_prefixes, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(ds.table.advertised[i], 0);
	assert_false(driver_sessions_begin_again(&ds));
	assert_false(ds.reading);

	/* the next read is whole, for the new list */
	t = driver_read(&ds, "192.0.2.1/32");
	assert_true(ds.known);
	assert_int_equal(t->n, 1);
	assert_int_equal(t->n_prefixes, 3);
	assert_int_equal(t->advertised[0], 0);
	assert_int_equal(t->advertised[1], 0x1);
	assert_int_equal(t->advertised[2], 0);
	assert_true(driver_sessions_begin_again(&ds));
	driver_sessions_abort(&ds);
	driver_sessions_free(&ds);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(daemon_sessions_test_uncarried_after_settle, setup,
						teardown),
		cmocka_unit_test_setup_teardown(daemon_sessions_test_carried_again, setup, teardown),
		cmocka_unit_test_setup_teardown(daemon_sessions_test_filtered, setup, teardown),
		cmocka_unit_test_setup_teardown(daemon_sessions_test_connection_lost, setup,
						teardown),
		cmocka_unit_test_setup_teardown(daemon_sessions_test_withdrawn_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(daemon_sessions_test_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(daemon_sessions_test_held, setup_fleet, teardown),
		cmocka_unit_test(daemon_sessions_test_driver_reconfigure),
	};
	return cmocka_run_group_tests_name("daemon_sessions", tests, NULL, NULL);
}
