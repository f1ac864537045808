/*
 * test_fleet_guard.c - the fleet guard's decisions with plain data
 * (fleet_guard.c): counting, holding, the operator's refusal, store loss.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "fleet/fleet_guard.h"

static const struct fleet_guard_key three[] = {
	{ "gw1", 10 }, { "gw2", 11 }, { "gw3", 12 },
};

/* Every gateway fails at once, min 1 of 3: the store serializes their txns,
 * so each sees the keys the earlier ones left.  Two leave, the last holds. */
static void
fleet_guard_test_all_fail_at_once_min1(void **state)
{
	struct fleet_guard_decision d;

	(void)state;
	d = fleet_guard_decide(three, 3, "gw1", 1);
	assert_int_equal(d.verdict, FLEET_GUARD_LEAVE);
	assert_int_equal(d.others, 2);
	assert_true(d.own_key);
	/* gw1's key deleted */
	d = fleet_guard_decide(three + 1, 2, "gw2", 1);
	assert_int_equal(d.verdict, FLEET_GUARD_LEAVE);
	assert_int_equal(d.others, 1);
	/* gw2's key deleted: gw3 is alone */
	d = fleet_guard_decide(three + 2, 1, "gw3", 1);
	assert_int_equal(d.verdict, FLEET_GUARD_HOLD);
	assert_int_equal(d.others, 0);
	assert_true(d.own_key);
	assert_string_equal(fleet_guard_verdict_names[d.verdict], "hold");
}

static void
fleet_guard_test_min0_always_leaves(void **state)
{
	struct fleet_guard_decision d;

	(void)state;
	d = fleet_guard_decide(three + 2, 1, "gw3", 0);
	assert_int_equal(d.verdict, FLEET_GUARD_LEAVE);
	d = fleet_guard_decide(NULL, 0, "gw3", 0);
	assert_int_equal(d.verdict, FLEET_GUARD_LEAVE);
	assert_false(d.own_key);
}

static void
fleet_guard_test_min2(void **state)
{
	struct fleet_guard_decision d;

	(void)state;
	d = fleet_guard_decide(three, 3, "gw1", 2);
	assert_int_equal(d.verdict, FLEET_GUARD_LEAVE);
	d = fleet_guard_decide(three + 1, 2, "gw2", 2);
	assert_int_equal(d.verdict, FLEET_GUARD_HOLD);
	assert_int_equal(d.others, 1);
}

/* The own key missing (never confirmed, or the lease lost): only the others
 * count, the same as with it. */
static void
fleet_guard_test_own_key_missing(void **state)
{
	struct fleet_guard_decision d;

	(void)state;
	d = fleet_guard_decide(three + 1, 2, "gw1", 2);
	assert_int_equal(d.verdict, FLEET_GUARD_LEAVE);
	assert_false(d.own_key);
	assert_int_equal(d.others, 2);
	d = fleet_guard_decide(three + 1, 2, "gw1", 3);
	assert_int_equal(d.verdict, FLEET_GUARD_HOLD);
}

static void
fleet_guard_test_held_announces_degraded(void **state)
{
	(void)state;
	assert_int_equal(fleet_guard_held_state(), ROUTE_DEGRADED);
}

static void
fleet_guard_test_refusal_texts(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(fleet_guard_admin_check("192.0.2.1/32", "maintenance", three, 1, "gw1", 1,
						 false, err, sizeof(err)), -1);
	assert_string_equal(err, "192.0.2.1/32: maintenance refused by the fleet guard: "
			    "min-announcers is 1 and no other gateway announces it "
			    "(announcing: gw1); use --force");
	assert_int_equal(fleet_guard_admin_check("192.0.2.1/32", "drain", three, 2, "gw1", 2,
						 false, err, sizeof(err)), -1);
	assert_string_equal(err, "192.0.2.1/32: drain refused by the fleet guard: "
			    "min-announcers is 2 and only 1 other gateway announces it "
			    "(announcing: gw1, gw2); use --force");
	assert_int_equal(fleet_guard_admin_check("192.0.2.1/32", "drain", three, 3, "gw1", 3,
						 false, err, sizeof(err)), -1);
	assert_string_equal(err, "192.0.2.1/32: drain refused by the fleet guard: "
			    "min-announcers is 3 and only 2 other gateways announce it "
			    "(announcing: gw1, gw2, gw3); use --force");
	assert_int_equal(fleet_guard_admin_check("192.0.2.1/32", "maintenance", NULL, 0, "gw1", 1,
						 false, err, sizeof(err)), -1);
	assert_string_equal(err, "192.0.2.1/32: maintenance refused by the fleet guard: "
			    "min-announcers is 1 and no other gateway announces it "
			    "(announcing: none); use --force");
}

static void
fleet_guard_test_refusal_allowed_or_forced(void **state)
{
	char err[64] = "untouched";

	(void)state;
	assert_int_equal(fleet_guard_admin_check("192.0.2.1/32", "maintenance", three, 2, "gw1", 1,
						 false, err, sizeof(err)), 0);
	assert_int_equal(fleet_guard_admin_check("192.0.2.1/32", "maintenance", three, 1, "gw1", 1,
						 true, err, sizeof(err)), 0);
	assert_int_equal(fleet_guard_admin_check("192.0.2.1/32", "maintenance", three, 1, "gw1", 0,
						 false, err, sizeof(err)), 0);
	assert_string_equal(err, "untouched");
}

static void
fleet_guard_test_log_texts(void **state)
{
	char buf[128];

	(void)state;
	fleet_guard_hold_text(0, 1, buf, sizeof(buf));
	assert_string_equal(buf, "withdrawing would leave 0 gateways announcing it (min-announcers 1)");
	fleet_guard_hold_text(1, 2, buf, sizeof(buf));
	assert_string_equal(buf, "withdrawing would leave 1 gateway announcing it (min-announcers 2)");
	fleet_guard_release_text(three, 2, "gw1", buf, sizeof(buf));
	assert_string_equal(buf, "gw2 announces it");
	fleet_guard_release_text(three, 3, "gw1", buf, sizeof(buf));
	assert_string_equal(buf, "gw2, gw3 announce it");
}

static void
fleet_guard_test_store_loss(void **state)
{
	(void)state;
	assert_int_equal(fleet_guard_store_loss(ON_STORE_LOSS_DECIDE_ALONE, false, 1999, 2000),
			 FLEET_GUARD_WAIT);
	assert_int_equal(fleet_guard_store_loss(ON_STORE_LOSS_DECIDE_ALONE, false, 2000, 2000),
			 FLEET_GUARD_ALONE);
	assert_int_equal(fleet_guard_store_loss(ON_STORE_LOSS_KEEP_ANNOUNCING, false, 1999, 2000),
			 FLEET_GUARD_WAIT);
	assert_int_equal(fleet_guard_store_loss(ON_STORE_LOSS_KEEP_ANNOUNCING, false, 5000, 2000),
			 FLEET_GUARD_KEEP);
	/* --force withdraws even when the store keeps everyone announcing */
	assert_int_equal(fleet_guard_store_loss(ON_STORE_LOSS_KEEP_ANNOUNCING, true, 0, 2000),
			 FLEET_GUARD_ALONE);
	assert_string_equal(fleet_guard_fallback_names[FLEET_GUARD_KEEP], "keep-announcing");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fleet_guard_test_all_fail_at_once_min1),
		cmocka_unit_test(fleet_guard_test_min0_always_leaves),
		cmocka_unit_test(fleet_guard_test_min2),
		cmocka_unit_test(fleet_guard_test_own_key_missing),
		cmocka_unit_test(fleet_guard_test_held_announces_degraded),
		cmocka_unit_test(fleet_guard_test_refusal_texts),
		cmocka_unit_test(fleet_guard_test_refusal_allowed_or_forced),
		cmocka_unit_test(fleet_guard_test_log_texts),
		cmocka_unit_test(fleet_guard_test_store_loss),
	};
	return cmocka_run_group_tests_name("fleet_guard", tests, NULL, NULL);
}
