/*
 * test_daemon_sessions.c - the daemon's side of the BGP session read-back
 * (daemon.c, docs/design.md "Sessions"): the driver's session table kept
 * per prefix, the "uncarried" warning (settle rule, logged once as it
 * starts and as it ends, history kind "session"), session state changes,
 * the table unknown from a lost connection, a reload moving prefixes.
 *
 * A real daemon (daemon_create on a config file) with a driver of our own:
 * driver_open is wrapped (-Wl,--wrap=driver_open) to hand the daemon a
 * driver that records what it is told and gives the test the daemon's
 * callbacks, which the test calls as a driver would.  log_warnx/log_info
 * are wrapped to keep the lines; the settle rule's clock is the daemon's
 * `monotonic` hook, set by the test.  The one service is an exec probe of
 * `test -e DIR/up` with rise and fall 1: the test waits (bounded) for its
 * verdicts.  With a fleet section the store is tests/support/fake_etcd.c.
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

#include "daemon.h"
#include "driver.h"
#include "fake_etcd.h"
#include "log.h"
#include "status.h"

/* ---- the driver the daemon gets ---- */

static const struct driver_callbacks *drv_cb;
static void *drv_arg;
static int drv_opened;

static void
fake_set_desired(struct driver *d, size_t index, enum route_state desired, const char *why)
{
	(void)d;
	(void)index;
	(void)desired;
	(void)why;
}

static bool
fake_true(const struct driver *d)
{
	(void)d;
	return true;
}

static void
fake_destroy(struct driver *d)
{
	(void)d;
}

static const struct driver_ops fake_ops = {
	.name = "fake",
	.set_desired = fake_set_desired,
	.idle = fake_true,
	.connected = fake_true,
	.destroy = fake_destroy,
};

int __wrap_driver_open(struct driver_handle *h, struct ev_loop *loop, const struct config *cfg,
		       const struct driver_callbacks *cb, void *arg);

int
__wrap_driver_open(struct driver_handle *h, struct ev_loop *loop, const struct config *cfg,
		   const struct driver_callbacks *cb, void *arg)
{
	static char token;

	(void)loop;
	(void)cfg;
	drv_cb = cb;
	drv_arg = arg;
	drv_opened++;
	h->ops = &fake_ops;
	h->d = (struct driver *)(void *)&token;
	return 0;
}

/* ---- the log lines ---- */

#define LOG_LINES 64
static char log_lines[LOG_LINES][512];
static size_t n_log;

static void
log_keep(const char *fmt, va_list ap)
{
	if (n_log < LOG_LINES)
		vsnprintf(log_lines[n_log++], sizeof(log_lines[0]), fmt, ap);
	if (getenv("TEST_VERBOSE") != NULL && n_log <= LOG_LINES)
		fprintf(stderr, "log: %s\n", log_lines[n_log - 1]);
}

void __wrap_log_warnx(const char *fmt, ...);
void __wrap_log_info(const char *fmt, ...);

void
__wrap_log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_keep(fmt, ap);
	va_end(ap);
}

void
__wrap_log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_keep(fmt, ap);
	va_end(ap);
}

static size_t
log_count(const char *line)
{
	size_t i, n = 0;

	for (i = 0; i < n_log; i++)
		n += strcmp(log_lines[i], line) == 0;
	return n;
}

/* ---- the clock of the settle rule ---- */

static double clock_now;

static double
fake_clock(void)
{
	return clock_now;
}

/* ---- a daemon ---- */

struct sx {
	struct ev_loop *loop;
	struct daemon *d;
	char dir[64], path[96];
	uint32_t advertised[3];
	struct bgp_sessions t;
};

/* The config: one service, its exec probe `test -e DIR/up` (rise and fall
 * 1), the prefixes given; `fleet`: a fleet section (the fake store). */
static void
write_config(struct sx *sx, const char *prefixes, bool fleet)
{
	FILE *f = fopen(sx->path, "w");

	assert_non_null(f);
	fprintf(f, "{\"anycast-healthd:anycast-healthd\": {\n"
		"\"router\": {\"bird\": {\"control-socket\": \"%s/bird.ctl\","
		" \"state-file\": \"%s/state.conf\"}},\n"
		"\"service\": [{\"name\": \"svc\", \"interval-ms\": 100, \"timeout-ms\": 90,"
		" \"rise\": 1, \"fall\": 1,\n"
		"  \"probe\": [{\"name\": \"up\", \"exec\": {\"command\": [\"/usr/bin/test\","
		" \"-e\", \"%s/up\"]}}]}],\n"
		"\"prefix\": [%s],\n%s"
		"\"api\": {\"history-size\": 64, \"listen-port\": 0,"
		" \"admin-state-file\": \"%s/admin-state.json\"}}}\n", sx->dir, sx->dir, sx->dir,
		prefixes, fleet ? "\"fleet\": {\"name\": \"lab\", \"node\": \"gw1\","
		" \"endpoint\": [\"http://fake:2379\"], \"key-file\": \"/etc/hostname\","
		" \"fingerprint-file\": [\"/etc/hostname\"]},\n" : "", sx->dir);
	fclose(f);
}

static void
set_up_file(struct sx *sx, bool up)
{
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "%s/up", sx->dir);
	if (!up) {
		assert_int_equal(unlink(path), 0);
		return;
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
}

#define PREFIX_A "{\"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"svc\"]," \
		 " \"bird\": {\"protocol\": \"anycast4\"}}"
#define PREFIX_B "{\"prefix\": \"192.0.2.2/32\", \"depends-on\": [\"svc\"]," \
		 " \"bird\": {\"protocol\": \"anycast4b\"}}"

static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

/* Run the loop until every prefix is wanted `want` (the exec probe's
 * verdict, the fleet guard's answer), 10 s at the most. */
static void
wait_desired(struct sx *sx, enum route_state want)
{
	double deadline = ev_time() + 10;
	ev_timer tick;
	size_t i, n;

	ev_timer_init(&tick, tick_cb, 0.05, 0.05);
	ev_timer_start(sx->loop, &tick);
	do {
		ev_run(sx->loop, EVRUN_ONCE);
		for (i = 0, n = 0; i < sx->d->cfg->n_prefixes; i++)
			n += sx->d->prefixes[i].desired == want;
	} while (n < sx->d->cfg->n_prefixes && ev_time() < deadline);
	ev_timer_stop(sx->loop, &tick);
	assert_int_equal(n, sx->d->cfg->n_prefixes);
}

static void
wait_announced(struct sx *sx)
{
	wait_desired(sx, ROUTE_ANNOUNCED);
}

static int
setup_with(void **state, bool fleet)
{
	struct sx *sx = calloc(1, sizeof(*sx));
	struct config *cfg;

	assert_non_null(sx);
	snprintf(sx->dir, sizeof(sx->dir), "/tmp/test-daemon-sessions-XXXXXX");
	assert_non_null(mkdtemp(sx->dir));
	snprintf(sx->path, sizeof(sx->path), "%s/conf.json", sx->dir);
	write_config(sx, PREFIX_A, fleet);
	set_up_file(sx, true);
	fake_etcd_reset();
	cfg = config_load(sx->path, stderr);
	assert_non_null(cfg);
	sx->loop = ev_default_loop(0);	/* exec probes need it (child watchers) */
	n_log = 0;
	drv_opened = 0;
	clock_now = 1000;
	sx->d = daemon_create(sx->loop, cfg);
	sx->d->monotonic = fake_clock;
	assert_int_equal(drv_opened, 1);
	wait_announced(sx);
	drv_cb->connection(drv_arg, true, NULL);
	drv_cb->actual(drv_arg, 0, ROUTE_ANNOUNCED);
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
	char cmd[128];

	daemon_free(sx->d);
	fake_etcd_reset();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sx->dir);
	assert_int_equal(system(cmd), 0);
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
	drv_cb->sessions(drv_arg, &sx->t);
}

static const struct status_event *
last_event(const struct sx *sx)
{
	return status_history_get(&sx->d->history, sx->d->history.count - 1);
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
	struct prefix *px = &sx->d->prefixes[0];
	unsigned long events;

	clock_now = px->changed_mono + 0.5;
	table(sx, 1, active, 1, in_export);
	assert_true(px->sessions_known);
	assert_int_equal(px->carried, 0);
	assert_int_equal(px->advertised, 0x1);
	assert_false(px->uncarried);
	assert_int_equal(log_count("session uppeer: Active"), 1);	/* first seen */
	assert_event(last_event(sx), "uppeer", "", "Active", "new BGP session");

	clock_now += 1.0;
	table(sx, 1, active, 1, in_export);
	assert_true(px->uncarried);
	assert_int_equal(log_count(UNCARRIED_LINE), 1);
	assert_event(last_event(sx), "192.0.2.1/32", "carried", "uncarried", "uppeer: Active");

	events = sx->d->history.total;
	clock_now += 5;
	table(sx, 1, active, 1, in_export);
	assert_true(px->uncarried);
	assert_int_equal(log_count(UNCARRIED_LINE), 1);
	assert_int_equal(sx->d->history.total, events);
}

/* The session comes up and carries it: the warning ends at once, the
 * session's change logged once. */
static void
daemon_sessions_test_carried_again(void **state)
{
	struct sx *sx = *state;
	struct prefix *px = &sx->d->prefixes[0];
	size_t count;

	clock_now = px->changed_mono + 2;
	table(sx, 1, active, 1, nowhere);
	assert_true(px->uncarried);
	assert_int_equal(sx->d->n_sessions, 1);
	count = sx->d->history.count;
	table(sx, 1, established, 1, in_export);
	assert_false(px->uncarried);
	assert_int_equal(px->carried, 1);
	assert_int_equal(log_count("session uppeer: Active -> Established"), 1);
	assert_int_equal(log_count("prefix 192.0.2.1/32: carried again (uppeer)"), 1);
	assert_int_equal(sx->d->history.count, count + 2);
	assert_event(status_history_get(&sx->d->history, count), "uppeer", "Active", "Established",
		     "BGP session state");
	assert_event(last_event(sx), "192.0.2.1/32", "uncarried", "carried", "uppeer");
	table(sx, 1, established, 1, in_export);
	assert_int_equal(sx->d->history.count, count + 2);
}

/* Established but not in the export (a filter rejects it): uncarried too;
 * a session going down is a warning. */
static void
daemon_sessions_test_filtered(void **state)
{
	struct sx *sx = *state;
	struct prefix *px = &sx->d->prefixes[0];

	clock_now = px->changed_mono + 2;
	table(sx, 1, established, 1, in_export);
	assert_false(px->uncarried);
	table(sx, 1, established, 1, nowhere);
	assert_true(px->uncarried);
	assert_int_equal(log_count("prefix 192.0.2.1/32: wanted announced but no established BGP "
				   "session carries it (uppeer: Established)"), 1);
	table(sx, 1, active, 1, nowhere);
	assert_int_equal(log_count("session uppeer: Established -> Active"), 1);
}

/* The connection lost: unknown until the next table, the warning over; a
 * session as it was before is not logged again. */
static void
daemon_sessions_test_connection_lost(void **state)
{
	struct sx *sx = *state;
	struct prefix *px = &sx->d->prefixes[0];
	char *json;

	clock_now = px->changed_mono + 2;
	table(sx, 1, active, 1, in_export);
	assert_true(px->uncarried);
	drv_cb->connection(drv_arg, false, "eof");
	assert_false(sx->d->sessions_known);
	assert_false(px->sessions_known);
	assert_false(px->uncarried);
	assert_int_equal(log_count("prefix 192.0.2.1/32: no longer warned uncarried "
				   "(BGP sessions unknown)"), 1);
	assert_event(last_event(sx), "192.0.2.1/32", "uncarried", "carried", "BGP sessions unknown");
	json = status_json(sx->d, ev_time());
	assert_non_null(strstr(json, "\"sessions\": null"));
	assert_non_null(strstr(json, "\"carried\": null"));
	free(json);

	drv_cb->connection(drv_arg, true, NULL);
	drv_cb->actual(drv_arg, 0, ROUTE_UNKNOWN);
	drv_cb->actual(drv_arg, 0, ROUTE_ANNOUNCED);	/* an actual change: settle again */
	table(sx, 1, active, 1, in_export);
	assert_true(px->sessions_known);
	assert_false(px->uncarried);
	assert_int_equal(log_count("session uppeer: Active"), 1);	/* not again */
	clock_now += 1;
	table(sx, 1, active, 1, in_export);
	assert_true(px->uncarried);
	assert_int_equal(log_count(UNCARRIED_LINE), 2);
}

/* Wanted withdrawn (maintenance): the warning ends at once. */
static void
daemon_sessions_test_withdrawn_ends(void **state)
{
	struct sx *sx = *state;
	struct prefix *px = &sx->d->prefixes[0];
	char err[128];

	clock_now = px->changed_mono + 2;
	table(sx, 1, active, 1, in_export);
	assert_true(px->uncarried);
	assert_int_equal(daemon_admin(sx->d, DAEMON_ADMIN_MAINTENANCE, "192.0.2.1/32", false, err,
				      sizeof(err)), 0);
	assert_int_equal(px->desired, ROUTE_WITHDRAWN);
	assert_false(px->uncarried);
	assert_int_equal(log_count("prefix 192.0.2.1/32: no longer warned uncarried "
				   "(desired withdrawn)"), 1);
	/* read back announced still, carried by none: not wanted, no warning */
	clock_now += 5;
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

	clock_now = sx->d->prefixes[0].changed_mono + 2;
	table(sx, 1, active, 1, in_export);
	assert_true(sx->d->prefixes[0].uncarried);
	write_config(sx, PREFIX_B ", " PREFIX_A, false);
	cfg = config_load(sx->path, stderr);
	assert_non_null(cfg);
	daemon_reload(sx->d, cfg);
	assert_int_equal(drv_opened, 1);	/* same router: driver kept */
	assert_string_equal(sx->d->prefixes[1].cfg->prefix, "192.0.2.1/32");
	assert_true(sx->d->prefixes[1].uncarried);
	assert_true(sx->d->prefixes[1].sessions_known);
	assert_int_equal(sx->d->prefixes[1].advertised, 0x1);
	assert_false(sx->d->prefixes[0].sessions_known);
	assert_false(sx->d->prefixes[0].uncarried);

	table(sx, 1, established, 1, in_export);	/* read for the old prefixes */
	assert_false(sx->d->prefixes[0].sessions_known);
	assert_true(sx->d->prefixes[1].sessions_known);
	assert_true(sx->d->prefixes[1].uncarried);
	assert_int_equal(sx->d->prefixes[1].carried, 0);
	assert_true(sx->d->sessions[0].established);	/* the sessions are taken */

	wait_announced(sx);
	drv_cb->actual(drv_arg, 0, ROUTE_ANNOUNCED);
	clock_now += 2;
	table(sx, 2, established, 1, two);
	assert_int_equal(sx->d->prefixes[0].carried, 0);
	assert_true(sx->d->prefixes[0].uncarried);
	assert_int_equal(sx->d->prefixes[1].carried, 1);
	assert_false(sx->d->prefixes[1].uncarried);
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
	ev_timer_start(sx->loop, &tick);
	while (((record = fake_etcd_get("/anycast-healthd/lab/gateways/gw1")) == NULL ||
		strstr(record, needle) == NULL) && ev_time() < deadline)
		ev_run(sx->loop, EVRUN_ONCE);
	ev_timer_stop(sx->loop, &tick);
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
	struct prefix *px = &sx->d->prefixes[0];
	const char *record;

	set_up_file(sx, false);
	wait_desired(sx, ROUTE_HELD);
	drv_cb->actual(drv_arg, 0, ROUTE_DEGRADED);
	clock_now = px->changed_mono + 0.5;
	table(sx, 1, active, 1, in_export);
	assert_false(px->uncarried);
	clock_now += 1;
	table(sx, 1, active, 1, in_export);
	assert_true(px->uncarried);
	assert_int_equal(log_count(UNCARRIED_LINE), 1);
	record = wait_record(sx, "\"carried\":0,\"uncarried\":true}");
	assert_non_null(strstr(record, "\"desired\":\"held\",\"actual\":\"degraded\""));

	table(sx, 1, established, 1, in_export);
	assert_false(px->uncarried);
	wait_record(sx, "\"carried\":1,\"uncarried\":false}");
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
	};
	return cmocka_run_group_tests_name("daemon_sessions", tests, NULL, NULL);
}
