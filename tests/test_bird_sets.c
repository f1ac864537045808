/*
 * test_bird_sets.c - the prefix-sets pattern's state file and read-back
 * decision: every state lands in its set of its family after the sentinel,
 * withdrawn and unknown in none, and what BIRD lists maps back to a state.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bird_sets.h"

static void
bird_sets_test_render(void **state)
{
	const struct bird_sets_entry e[] = {
		{ "192.0.2.1/32", false, ROUTE_ANNOUNCED },
		{ "192.0.2.2/32", false, ROUTE_DEGRADED },
		{ "192.0.2.3/32", false, ROUTE_DRAINING },
		{ "192.0.2.4/32", false, ROUTE_WITHDRAWN },
		{ "192.0.2.5/32", false, ROUTE_UNKNOWN },
		{ "2001:db8::/48", true, ROUTE_ANNOUNCED },
		{ "198.51.100.0/24", false, ROUTE_ANNOUNCED },
		{ "2001:db8:1::/48", true, ROUTE_HELD },
	};
	char *s;

	(void)state;
	s = bird_sets_render(e, sizeof(e) / sizeof(e[0]));
	assert_non_null(s);
	assert_non_null(strstr(s, "\ndefine ANYCAST_ANNOUNCED4 = [\n\t0.0.0.0/32,\n"
				  "\t192.0.2.1/32,\n\t198.51.100.0/24\n];\n"));
	assert_non_null(strstr(s, "\ndefine ANYCAST_DEGRADED4 = [\n\t0.0.0.0/32,\n"
				  "\t192.0.2.2/32\n];\n"));
	assert_non_null(strstr(s, "\ndefine ANYCAST_DRAINING4 = [\n\t0.0.0.0/32,\n"
				  "\t192.0.2.3/32\n];\n"));
	assert_non_null(strstr(s, "\ndefine ANYCAST_ANNOUNCED6 = [\n\t::/128,\n"
				  "\t2001:db8::/48\n];\n"));
	assert_non_null(strstr(s, "\ndefine ANYCAST_DEGRADED6 = [\n\t::/128,\n"
				  "\t2001:db8:1::/48\n];\n"));
	assert_non_null(strstr(s, "\ndefine ANYCAST_DRAINING6 = [\n\t::/128\n];\n"));
	assert_null(strstr(s, "192.0.2.4"));
	assert_null(strstr(s, "192.0.2.5"));
	assert_int_equal(s[0], '#');
	free(s);
}

/* No prefix at all: six sets of their sentinel, each typed by it. */
static void
bird_sets_test_render_empty(void **state)
{
	char *s;

	(void)state;
	s = bird_sets_render(NULL, 0);
	assert_non_null(s);
	assert_non_null(strstr(s, "define ANYCAST_ANNOUNCED4 = [\n\t0.0.0.0/32\n];\n"
				  "define ANYCAST_DEGRADED4 = [\n\t0.0.0.0/32\n];\n"
				  "define ANYCAST_DRAINING4 = [\n\t0.0.0.0/32\n];\n"
				  "define ANYCAST_ANNOUNCED6 = [\n\t::/128\n];\n"
				  "define ANYCAST_DEGRADED6 = [\n\t::/128\n];\n"
				  "define ANYCAST_DRAINING6 = [\n\t::/128\n];\n"));
	free(s);
}

static void
bird_sets_test_names(void **state)
{
	(void)state;
	assert_string_equal(bird_sets_name(BIRD_SETS_DEGRADED, 1), "ANYCAST_DEGRADED6");
	assert_string_equal(bird_sets_name(BIRD_SETS_DRAINING, 0), "ANYCAST_DRAINING4");
	assert_string_equal(bird_sets_protocol[1], "anycast_sets6");
	assert_int_equal(bird_sets_of(ROUTE_WITHDRAWN), BIRD_SETS__COUNT);
	assert_int_equal(bird_sets_of(ROUTE_UNKNOWN), BIRD_SETS__COUNT);
	assert_int_equal(bird_sets_of(ROUTE_HELD), BIRD_SETS_DEGRADED);
}

static void
bird_sets_test_actual(void **state)
{
	bool none[BIRD_SETS__COUNT] = { false }, deg[BIRD_SETS__COUNT] = { false },
	     both[BIRD_SETS__COUNT] = { false };

	(void)state;
	deg[BIRD_SETS_DEGRADED] = true;
	both[BIRD_SETS_DEGRADED] = both[BIRD_SETS_DRAINING] = true;
	assert_int_equal(bird_sets_actual(false, none), ROUTE_WITHDRAWN);
	/* listed by a set but not in the table: the filter did not take it */
	assert_int_equal(bird_sets_actual(false, both), ROUTE_WITHDRAWN);
	assert_int_equal(bird_sets_actual(true, none), ROUTE_ANNOUNCED);
	assert_int_equal(bird_sets_actual(true, deg), ROUTE_DEGRADED);
	assert_int_equal(bird_sets_actual(true, both), ROUTE_DRAINING);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bird_sets_test_render),
		cmocka_unit_test(bird_sets_test_render_empty),
		cmocka_unit_test(bird_sets_test_names),
		cmocka_unit_test(bird_sets_test_actual),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
