/*
 * test_keepalived_files.c - the text of keepalived's track and state files
 * and the value <-> state mapping (keepalived_files.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "keepalived_files.h"

static bool
parse(const char *text, long *v)
{
	return keepalived_track_parse(text, strlen(text), v);
}

static void
kf_test_track_parse(void **state)
{
	long v = 99;

	(void)state;
	assert_true(parse("254\n", &v));
	assert_int_equal(v, 254);
	assert_true(parse("  -17 \r\n", &v));
	assert_int_equal(v, -17);
	assert_true(parse("+5", &v));
	assert_int_equal(v, 5);
	assert_true(parse("", &v));	/* keepalived: an empty file is 0 */
	assert_int_equal(v, 0);
	assert_true(parse(" \n", &v));
	assert_int_equal(v, 0);
	assert_true(parse("2147483647", &v));
	assert_int_equal(v, 2147483647L);
	assert_true(parse("-2147483648", &v));
	assert_int_equal(v, -2147483648L);
	v = 99;
	assert_false(parse("2147483648", &v));
	assert_false(parse("12345678901", &v));
	assert_false(parse("-", &v));
	assert_false(parse("12 13", &v));
	assert_false(parse("0x10", &v));
	assert_false(parse("junk", &v));
	assert_false(parse("1.5", &v));
	assert_false(keepalived_track_parse("1\0" "2", 3, &v));
	assert_int_equal(v, 99);	/* untouched */
}

static void
kf_test_track_render(void **state)
{
	char buf[KEEPALIVED_TRACK_TEXT_MAX];
	long v;

	(void)state;
	keepalived_track_render(254, buf, sizeof(buf));
	assert_string_equal(buf, "254\n");
	keepalived_track_render(-2147483648L, buf, sizeof(buf));
	assert_string_equal(buf, "-2147483648\n");
	assert_true(keepalived_track_parse(buf, strlen(buf), &v));
	assert_int_equal(v, -2147483648L);
}

static void
kf_test_mapping(void **state)
{
	struct router_config rc = { .kind = ROUTER_KIND_KEEPALIVED, .ka_withdrawn_value = 254,
				    .ka_degraded_value = 60, .ka_draining_value = 120 };
	enum route_state st;

	(void)state;
	assert_int_equal(keepalived_value_for(&rc, ROUTE_ANNOUNCED), 0);
	assert_int_equal(keepalived_value_for(&rc, ROUTE_DEGRADED), 60);
	assert_int_equal(keepalived_value_for(&rc, ROUTE_HELD), 60);
	assert_int_equal(keepalived_value_for(&rc, ROUTE_DRAINING), 120);
	assert_int_equal(keepalived_value_for(&rc, ROUTE_WITHDRAWN), 254);
	assert_int_equal(keepalived_value_for(&rc, ROUTE_UNKNOWN), -1);
	for (st = ROUTE_ANNOUNCED; st <= ROUTE_DRAINING; st++)
		assert_int_equal(keepalived_state_for(&rc, keepalived_value_for(&rc, st)), st);
	assert_int_equal(keepalived_state_for(&rc, 7), ROUTE_UNKNOWN);
	assert_int_equal(keepalived_state_for(&rc, -254), ROUTE_UNKNOWN);
}

static enum vrrp_state
state_of(const char *text)
{
	return keepalived_state_parse(text, strlen(text));
}

static void
kf_test_state_parse(void **state)
{
	(void)state;
	assert_int_equal(state_of("MASTER\n"), VRRP_MASTER);
	assert_int_equal(state_of("backup"), VRRP_BACKUP);
	assert_int_equal(state_of("  Fault  \n"), VRRP_FAULT);
	assert_int_equal(state_of("STOP 0\n"), VRRP_STOP);
	assert_int_equal(state_of("MASTER 150\n"), VRRP_MASTER);
	assert_int_equal(state_of("MASTER\t150"), VRRP_MASTER);
	assert_int_equal(state_of(""), VRRP_UNKNOWN);
	assert_int_equal(state_of("\n"), VRRP_UNKNOWN);
	assert_int_equal(state_of("MASTERS"), VRRP_UNKNOWN);
	assert_int_equal(state_of("MAST"), VRRP_UNKNOWN);
	assert_int_equal(state_of("MASTER junk"), VRRP_UNKNOWN);
	assert_int_equal(state_of("MASTER 150 x"), VRRP_UNKNOWN);
	assert_int_equal(state_of("MASTER150"), VRRP_UNKNOWN);
	assert_int_equal(state_of("DELETED"), VRRP_UNKNOWN);
	assert_int_equal(keepalived_state_parse("MASTER\0", 7), VRRP_UNKNOWN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kf_test_track_parse),
		cmocka_unit_test(kf_test_track_render),
		cmocka_unit_test(kf_test_mapping),
		cmocka_unit_test(kf_test_state_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
