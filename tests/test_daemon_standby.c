/*
 * test_daemon_standby.c - keepalived's standby rule in the daemon
 * (policy.h, docs/keepalived.md): with pptpd-on-backup "stopped", an
 * instance the driver reads back as BACKUP keeps a DOWN prefix announced
 * (ready to take over), a new MASTER keeps it for takeover-grace-ms (the
 * daemon's timer ends the grace), FAULT does not, an operator override
 * wins, and "running" never applies the rule.  Each instance state change
 * is one `router` history event.
 *
 * A real daemon with a driver of the test's own (tests/support/
 * daemon_harness.h): the test calls the daemon's instance callback as the
 * keepalived driver would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon_harness.h"
#include "status.h"

#define PREFIX_A "{\"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"svc\"]," \
		 " \"bird\": {\"protocol\": \"anycast4\"}}"

/* A daemon whose router is keepalived with `backup` ("stopped" or
 * "running") and a 300 ms grace, its one service DOWN. */
static struct dh *standby;

static struct dh *
standby_daemon(enum keepalived_backup backup)
{
	struct dh *h = dh_new("daemon-standby", NULL, PREFIX_A, "");
	struct router_config *rc = &h->d->cfg->router;

	rc->kind = ROUTER_KIND_KEEPALIVED;
	rc->ka_pptpd_on_backup = backup;
	rc->ka_takeover_grace_ms = 300;
	dh_wait_desired(h, ROUTE_ANNOUNCED);
	dh_set_up(h, false);
	dh_wait_desired(h, ROUTE_WITHDRAWN);
	standby = h;	/* freed by the teardown, even after a failed assert */
	return h;
}

static int
teardown(void **state)
{
	(void)state;
	if (standby != NULL)
		dh_free(standby);
	standby = NULL;
	return 0;
}

static void
instance(enum vrrp_state st)
{
	dh_cb->instance(dh_arg, 0, st, 0);
}

static const struct status_event *
last_event(const struct dh *h)
{
	return status_history_get(&h->d->history, h->d->history.count - 1);
}

static void
standby_test_backup_keeps_ready(void **state)
{
	struct dh *h = standby_daemon(KEEPALIVED_BACKUP_STOPPED);
	size_t events;

	(void)state;
	instance(VRRP_BACKUP);
	assert_int_equal(h->d->prefixes[0].desired, ROUTE_ANNOUNCED);
	assert_int_equal(dh_desired[0], ROUTE_ANNOUNCED);
	assert_string_equal(dh_why[0], "standby (keepalived BACKUP, pptpd stopped there)");
	assert_string_equal(status_event_kind_names[last_event(h)->kind], "prefix");
	assert_int_equal(dh_log_count("192.0.2.1/32: keepalived instance unknown -> backup"), 1);
	/* the same state again: nothing new */
	events = h->d->history.count;
	instance(VRRP_BACKUP);
	assert_int_equal(h->d->history.count, events);
}

static void
standby_test_takeover_grace_ends(void **state)
{
	struct dh *h = standby_daemon(KEEPALIVED_BACKUP_STOPPED);

	(void)state;
	instance(VRRP_BACKUP);
	instance(VRRP_MASTER);
	assert_int_equal(dh_desired[0], ROUTE_ANNOUNCED);
	assert_string_equal(h->d->prefixes[0].why, "taking over (keepalived MASTER for 0.0 of 0.3 s)");
	/* the pptpd the notify script started never came up: withdrawn when
	 * the grace ends, by the daemon's timer */
	dh_clock += 0.31;
	dh_wait_desired(h, ROUTE_WITHDRAWN);
	assert_int_equal(dh_desired[0], ROUTE_WITHDRAWN);
	assert_string_equal(dh_why[0], "svc DOWN (exit-1)");
}

static void
standby_test_takeover_comes_up(void **state)
{
	struct dh *h = standby_daemon(KEEPALIVED_BACKUP_STOPPED);

	(void)state;
	instance(VRRP_MASTER);
	dh_set_up(h, true);
	dh_run_for(h, 0.5);
	assert_int_equal(dh_desired[0], ROUTE_ANNOUNCED);
	assert_string_equal(h->d->prefixes[0].why, "svc UP");
}

/* A daemon (re)started on a node MASTER for long (the state file written
 * 20 s ago): no takeover grace, a DOWN pptpd is withdrawn at once. */
static void
standby_test_old_master_no_grace(void **state)
{
	(void)state;
	standby_daemon(KEEPALIVED_BACKUP_STOPPED);
	dh_cb->instance(dh_arg, 0, VRRP_MASTER, 20.0);
	assert_int_equal(dh_desired[0], ROUTE_WITHDRAWN);
	assert_string_equal(dh_why[0], "svc DOWN (exit-1)");
	/* and one written 0.1 s ago still has most of its grace */
	dh_cb->instance(dh_arg, 0, VRRP_BACKUP, 0);
	dh_cb->instance(dh_arg, 0, VRRP_MASTER, 0.1);
	assert_int_equal(dh_desired[0], ROUTE_ANNOUNCED);
}

/* The clock moves on between the answer that took the grace and the
 * timer's schedule (a slow loop; valgrind): the grace, over by then, still
 * ends with a fresh answer at once, not never. */
static void
standby_test_grace_over_before_schedule(void **state)
{
	(void)state;
	standby_daemon(KEEPALIVED_BACKUP_STOPPED);
	dh_clock_step = 0.02;	/* every read of the daemon's clock */
	dh_cb->instance(dh_arg, 0, VRRP_MASTER, 0.27);
	assert_int_equal(dh_desired[0], ROUTE_ANNOUNCED);	/* 0.29 of 0.3 s */
	dh_clock_step = 0;
	dh_wait_desired(standby, ROUTE_WITHDRAWN);
	assert_string_equal(dh_why[0], "svc DOWN (exit-1)");
}

static void
standby_test_fault_is_not_standby(void **state)
{
	struct dh *h = standby_daemon(KEEPALIVED_BACKUP_STOPPED);

	(void)state;
	instance(VRRP_BACKUP);
	assert_int_equal(dh_desired[0], ROUTE_ANNOUNCED);
	instance(VRRP_FAULT);
	assert_int_equal(dh_desired[0], ROUTE_WITHDRAWN);
	assert_string_equal(status_event_kind_names[last_event(h)->kind], "prefix");
	assert_int_equal(dh_log_count("192.0.2.1/32: keepalived instance backup -> fault"), 1);
}

static void
standby_test_override_wins(void **state)
{
	struct dh *h = standby_daemon(KEEPALIVED_BACKUP_STOPPED);
	char err[256];

	(void)state;
	instance(VRRP_BACKUP);
	assert_int_equal(daemon_admin(h->d, DAEMON_ADMIN_MAINTENANCE, "192.0.2.1/32", false, err,
				      sizeof(err)), 0);
	assert_int_equal(dh_desired[0], ROUTE_WITHDRAWN);
	assert_string_equal(dh_why[0], "maintenance (operator)");
}

static void
standby_test_running_never_applies(void **state)
{
	struct dh *h = standby_daemon(KEEPALIVED_BACKUP_RUNNING);

	(void)state;
	instance(VRRP_BACKUP);
	assert_int_equal(h->d->prefixes[0].vrrp, VRRP_BACKUP);
	assert_int_equal(dh_desired[0], ROUTE_WITHDRAWN);
}

/* The grace runs on the monotonic clock: the wall clock stepping (NTP
 * after a boot with a wrong RTC) neither ends nor stretches it. */
static void
standby_test_grace_is_monotonic(void **state)
{
	struct dh *h = standby_daemon(KEEPALIVED_BACKUP_STOPPED);

	(void)state;
	instance(VRRP_MASTER);
	dh_run_for(h, 0.5);	/* the wall clock moves on, the monotonic one does not */
	assert_int_equal(dh_desired[0], ROUTE_ANNOUNCED);
	dh_clock += 0.31;
	dh_wait_desired(h, ROUTE_WITHDRAWN);
	assert_string_equal(dh_why[0], "svc DOWN (exit-1)");
}

/* A reload that leaves the prefix no state file (or another router) leaves
 * it no instance state: the one read from the old file is not shown on. */
#define KA_ROUTER "\"keepalived\": {}"
#define PREFIX_KA(state) "{\"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"svc\"]," \
	" \"keepalived\": {\"track-file\": \"/run/anycast-healthd/vip.track\"" state "}}"

static void
standby_test_reload_drops_state_file(void **state)
{
	struct dh *h = dh_new("daemon-standby", KA_ROUTER,
			      PREFIX_KA(", \"state-file\": \"/run/anycast-healthd/vip.state\""), "");
	struct config *cfg;

	(void)state;
	standby = h;
	instance(VRRP_MASTER);
	assert_int_equal(h->d->prefixes[0].vrrp, VRRP_MASTER);
	dh_write_config(h, KA_ROUTER, PREFIX_KA(""), "");
	cfg = config_load(h->path, stderr);
	assert_non_null(cfg);
	daemon_reload(h->d, cfg);
	assert_int_equal(h->d->prefixes[0].vrrp, VRRP_UNKNOWN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(standby_test_backup_keeps_ready, teardown),
		cmocka_unit_test_teardown(standby_test_takeover_grace_ends, teardown),
		cmocka_unit_test_teardown(standby_test_takeover_comes_up, teardown),
		cmocka_unit_test_teardown(standby_test_grace_is_monotonic, teardown),
		cmocka_unit_test_teardown(standby_test_old_master_no_grace, teardown),
		cmocka_unit_test_teardown(standby_test_grace_over_before_schedule, teardown),
		cmocka_unit_test_teardown(standby_test_fault_is_not_standby, teardown),
		cmocka_unit_test_teardown(standby_test_override_wins, teardown),
		cmocka_unit_test_teardown(standby_test_running_never_applies, teardown),
		cmocka_unit_test_teardown(standby_test_reload_drops_state_file, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
