/*
 * test_policy.c - per-prefix desired state from service verdicts (policy.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "policy.h"

static char *two_services[] = { "pptp", "radius" };
static size_t two_index[] = { 0, 2 };	/* config services 0 and 2; 1 is unrelated */

static const struct prefix_config prefix_two = {
	.prefix = "192.0.2.1/32",
	.services = two_services,
	.n_services = 2,
	.service_index = two_index,
	.bird_protocol = "anycast4",
	.bird_define = "ANYCAST4_OFF",
};

static const char *const reasons[] = { "ok", "eof", "sccrp-timeout" };

static void
policy_test_all_up_announces(void **state)
{
	enum health_state s[] = { HEALTH_UP, HEALTH_DOWN, HEALTH_UP };
	char why[128];

	(void)state;
	/* service 1 is DOWN but the prefix does not depend on it */
	assert_int_equal(policy_desired(&prefix_two, s, reasons, NULL, why, sizeof(why)),
			 ROUTE_ANNOUNCED);
	assert_string_equal(why, "all services UP");
}

static void
policy_test_any_down_withdraws(void **state)
{
	enum health_state s[] = { HEALTH_UP, HEALTH_UP, HEALTH_DOWN };
	char why[128];

	(void)state;
	assert_int_equal(policy_desired(&prefix_two, s, reasons, NULL, why, sizeof(why)),
			 ROUTE_WITHDRAWN);
	assert_string_equal(why, "radius DOWN (sccrp-timeout)");
}

static void
policy_test_down_wins_over_init(void **state)
{
	enum health_state s[] = { HEALTH_INIT, HEALTH_UP, HEALTH_DOWN };

	(void)state;
	assert_int_equal(policy_desired(&prefix_two, s, reasons, NULL, NULL, 0), ROUTE_WITHDRAWN);
}

static void
policy_test_init_means_no_verdict(void **state)
{
	enum health_state s[] = { HEALTH_UP, HEALTH_UP, HEALTH_INIT };
	char why[128];

	(void)state;
	assert_int_equal(policy_desired(&prefix_two, s, reasons, NULL, why, sizeof(why)),
			 ROUTE_UNKNOWN);
	assert_string_equal(why, "radius has no verdict yet");
}

static void
policy_test_degraded_announces_less_preferred(void **state)
{
	enum health_state s[] = { HEALTH_DEGRADED, HEALTH_DOWN, HEALTH_UP };
	enum health_state init[] = { HEALTH_DEGRADED, HEALTH_UP, HEALTH_INIT };
	const char *const r[] = { "sessions-high", "eof", "ok" };
	char why[128];

	(void)state;
	assert_int_equal(policy_desired(&prefix_two, s, r, NULL, why, sizeof(why)), ROUTE_DEGRADED);
	assert_string_equal(why, "pptp DEGRADED (sessions-high)");
	/* no verdict yet beats degraded */
	assert_int_equal(policy_desired(&prefix_two, init, r, NULL, NULL, 0), ROUTE_UNKNOWN);
}

static void
policy_test_maintenance_withdraws_healthy_prefix(void **state)
{
	enum health_state s[] = { HEALTH_UP, HEALTH_UP, HEALTH_UP };
	struct policy_override ov = { .admin = ADMIN_MAINTENANCE, .now = 1000 };
	char why[128];

	(void)state;
	assert_int_equal(policy_desired(&prefix_two, s, reasons, &ov, why, sizeof(why)),
			 ROUTE_WITHDRAWN);
	assert_string_equal(why, "maintenance (operator)");
	ov.admin = ADMIN_NONE;
	assert_int_equal(policy_desired(&prefix_two, s, reasons, &ov, why, sizeof(why)),
			 ROUTE_ANNOUNCED);
}

static void
policy_test_drain_then_withdraw(void **state)
{
	enum health_state s[] = { HEALTH_UP, HEALTH_UP, HEALTH_DEGRADED };
	struct policy_override ov = { .admin = ADMIN_DRAIN, .drain_until = 1030, .now = 1000 };
	char why[128];

	(void)state;
	assert_int_equal(policy_desired(&prefix_two, s, reasons, &ov, why, sizeof(why)),
			 ROUTE_DRAINING);
	assert_string_equal(why, "draining (operator), 30 s left");
	ov.now = 1030;
	assert_int_equal(policy_desired(&prefix_two, s, reasons, &ov, why, sizeof(why)),
			 ROUTE_WITHDRAWN);
	assert_string_equal(why, "drained (operator)");
}

static void
policy_test_drain_of_down_prefix_withdraws_at_once(void **state)
{
	enum health_state s[] = { HEALTH_DOWN, HEALTH_UP, HEALTH_UP };
	struct policy_override ov = { .admin = ADMIN_DRAIN, .drain_until = 1030, .now = 1000 };
	char why[128];

	(void)state;
	assert_int_equal(policy_desired(&prefix_two, s, reasons, &ov, why, sizeof(why)),
			 ROUTE_WITHDRAWN);
	assert_string_equal(why, "pptp DOWN (ok)");
}

/* The keepalived standby rule: a standby's DOWN or missing verdict keeps it
 * ready (announced); degraded and up pass; an override beats the rule. */
static void
policy_test_standby_keeps_ready(void **state)
{
	enum health_state down[] = { HEALTH_DOWN, HEALTH_UP, HEALTH_UP };
	enum health_state init[] = { HEALTH_INIT, HEALTH_UP, HEALTH_UP };
	enum health_state degraded[] = { HEALTH_UP, HEALTH_UP, HEALTH_DEGRADED };
	struct policy_override ov = { .now = 1000, .standby = true,
				      .standby_why = "standby (keepalived BACKUP, pptpd stopped there)" };
	char why[128];

	(void)state;
	assert_int_equal(policy_desired(&prefix_two, down, reasons, &ov, why, sizeof(why)),
			 ROUTE_ANNOUNCED);
	assert_string_equal(why, "standby (keepalived BACKUP, pptpd stopped there)");
	assert_int_equal(policy_desired(&prefix_two, init, reasons, &ov, NULL, 0), ROUTE_ANNOUNCED);
	assert_int_equal(policy_desired(&prefix_two, degraded, reasons, &ov, NULL, 0), ROUTE_DEGRADED);
	ov.admin = ADMIN_MAINTENANCE;
	assert_int_equal(policy_desired(&prefix_two, down, reasons, &ov, NULL, 0), ROUTE_WITHDRAWN);
	ov.admin = ADMIN_NONE;
	ov.standby = false;
	assert_int_equal(policy_desired(&prefix_two, down, reasons, &ov, why, sizeof(why)),
			 ROUTE_WITHDRAWN);
	assert_string_equal(why, "pptp DOWN (ok)");
}

/* When the rule applies: keepalived, pptpd stopped on the backup, BACKUP or
 * a fresh MASTER. */
static void
policy_test_standby_applies(void **state)
{
	struct router_config rc = { .kind = ROUTER_KIND_KEEPALIVED,
				    .ka_pptpd_on_backup = KEEPALIVED_BACKUP_STOPPED,
				    .ka_takeover_grace_ms = 15000 };
	char why[96];

	(void)state;
	assert_true(policy_standby_applies(&rc, VRRP_BACKUP, 0, 1000, why, sizeof(why)));
	assert_string_equal(why, "standby (keepalived BACKUP, pptpd stopped there)");
	assert_true(policy_standby_applies(&rc, VRRP_MASTER, 1000, 1003, why, sizeof(why)));
	assert_string_equal(why, "taking over (keepalived MASTER for 3.0 of 15.0 s)");
	assert_false(policy_standby_applies(&rc, VRRP_MASTER, 1000, 1015, why, sizeof(why)));
	assert_false(policy_standby_applies(&rc, VRRP_FAULT, 1000, 1001, why, sizeof(why)));
	assert_false(policy_standby_applies(&rc, VRRP_UNKNOWN, 1000, 1001, why, sizeof(why)));
	rc.ka_pptpd_on_backup = KEEPALIVED_BACKUP_RUNNING;
	assert_false(policy_standby_applies(&rc, VRRP_BACKUP, 0, 1000, why, sizeof(why)));
	rc.ka_pptpd_on_backup = KEEPALIVED_BACKUP_STOPPED;
	rc.kind = ROUTER_KIND_BIRD;
	assert_false(policy_standby_applies(&rc, VRRP_BACKUP, 0, 1000, why, sizeof(why)));
}

static void
policy_test_single_service_text(void **state)
{
	static char *one[] = { "pptp" };
	static size_t one_index[] = { 0 };
	const struct prefix_config pc = {
		.prefix = "2001:db8::1/128", .services = one, .n_services = 1,
		.service_index = one_index,
	};
	enum health_state s[] = { HEALTH_UP };
	char why[128];

	(void)state;
	assert_int_equal(policy_desired(&pc, s, NULL, NULL, why, sizeof(why)), ROUTE_ANNOUNCED);
	assert_string_equal(why, "pptp UP");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(policy_test_all_up_announces),
		cmocka_unit_test(policy_test_any_down_withdraws),
		cmocka_unit_test(policy_test_down_wins_over_init),
		cmocka_unit_test(policy_test_init_means_no_verdict),
		cmocka_unit_test(policy_test_degraded_announces_less_preferred),
		cmocka_unit_test(policy_test_maintenance_withdraws_healthy_prefix),
		cmocka_unit_test(policy_test_drain_then_withdraw),
		cmocka_unit_test(policy_test_drain_of_down_prefix_withdraws_at_once),
		cmocka_unit_test(policy_test_single_service_text),
		cmocka_unit_test(policy_test_standby_keeps_ready),
		cmocka_unit_test(policy_test_standby_applies),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
