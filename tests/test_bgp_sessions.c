/*
 * test_bgp_sessions.c - the pure questions asked of a BGP session table
 * (bgp_sessions.c): carried counts, the uncarried decision with its settle
 * rule, and the words for the log and the CLI.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bgp_sessions.h"

/* Three sessions: up1 established, up2 established, up3 Active; prefix 0 is
 * advertised by up1 and up3, prefix 1 by up3 only, prefix 2 by nobody. */
static uint32_t advertised[3] = { 0x5, 0x4, 0x0 };

static struct bgp_sessions
table_three(void)
{
	struct bgp_sessions t = { .n = 3, .n_prefixes = 3, .advertised = advertised };

	snprintf(t.s[0].name, sizeof(t.s[0].name), "up1");
	snprintf(t.s[0].state, sizeof(t.s[0].state), "Established");
	t.s[0].established = true;
	snprintf(t.s[1].name, sizeof(t.s[1].name), "up2");
	snprintf(t.s[1].state, sizeof(t.s[1].state), "Established");
	t.s[1].established = true;
	snprintf(t.s[2].name, sizeof(t.s[2].name), "up3");
	snprintf(t.s[2].state, sizeof(t.s[2].state), "Active");
	return t;
}

static void
bgp_sessions_test_carrying_counts_established_only(void **state)
{
	struct bgp_sessions t = table_three();

	(void)state;
	assert_int_equal(bgp_sessions_carrying(&t, 0), 1);	/* up3 is not established */
	assert_int_equal(bgp_sessions_carrying(&t, 1), 0);
	assert_int_equal(bgp_sessions_carrying(&t, 2), 0);
	t.s[2].established = true;
	assert_int_equal(bgp_sessions_carrying(&t, 0), 2);
	assert_int_equal(bgp_sessions_carrying(&t, 1), 1);
}

static void
bgp_sessions_test_carrying_out_of_range(void **state)
{
	struct bgp_sessions t = table_three();

	(void)state;
	assert_int_equal(bgp_sessions_carrying(&t, 3), 0);
	assert_int_equal(bgp_sessions_carrying(NULL, 0), 0);
	t.advertised = NULL;
	assert_int_equal(bgp_sessions_carrying(&t, 0), 0);
}

static void
bgp_sessions_test_carrying_all_32(void **state)
{
	static uint32_t all[1] = { UINT32_MAX };
	struct bgp_sessions t = { .n = BGP_SESSIONS_MAX, .n_prefixes = 1, .advertised = all };
	size_t i;

	(void)state;
	for (i = 0; i < BGP_SESSIONS_MAX; i++)
		t.s[i].established = true;
	assert_int_equal(bgp_sessions_carrying(&t, 0), BGP_SESSIONS_MAX);
	t.s[31].established = false;
	assert_int_equal(bgp_sessions_carrying(&t, 0), BGP_SESSIONS_MAX - 1);
}

/* A prefix wanted and read back announced, known, carried by none, its
 * last change at 100 s. */
static const struct bgp_sessions_watch lonely = {
	.wanted = true, .serving = true, .known = true, .carried = 0, .changed = 100.0,
};

static void
bgp_sessions_test_uncarried_after_settle(void **state)
{
	(void)state;
	assert_true(bgp_sessions_uncarried(&lonely, true, 101.0));
	assert_true(bgp_sessions_uncarried(&lonely, true, 250.0));
}

static void
bgp_sessions_test_uncarried_waits_for_settle(void **state)
{
	struct bgp_sessions_watch w = lonely;

	(void)state;
	/* right after the change: not yet, whatever the table says */
	assert_false(bgp_sessions_uncarried(&w, true, 100.2));
	assert_false(bgp_sessions_uncarried(&w, true, 100.999));
	/* not a read-back: never starts the warning */
	assert_false(bgp_sessions_uncarried(&w, false, 500.0));
	/* already on: an early read-back keeps it on */
	w.uncarried = true;
	assert_true(bgp_sessions_uncarried(&w, true, 100.2));
	assert_true(bgp_sessions_uncarried(&w, false, 100.2));
}

static void
bgp_sessions_test_uncarried_ends_at_once(void **state)
{
	struct bgp_sessions_watch w = lonely;

	(void)state;
	w.uncarried = true;
	w.carried = 1;
	assert_false(bgp_sessions_uncarried(&w, true, 100.1));
	w = lonely;
	w.uncarried = true;
	w.wanted = false;	/* withdrawn */
	assert_false(bgp_sessions_uncarried(&w, false, 100.1));
	w = lonely;
	w.uncarried = true;
	w.serving = false;	/* read back withdrawn or unknown */
	assert_false(bgp_sessions_uncarried(&w, false, 100.1));
	w = lonely;
	w.uncarried = true;
	w.known = false;	/* connection lost */
	assert_false(bgp_sessions_uncarried(&w, false, 100.1));
}

static void
bgp_sessions_test_carried_is_never_uncarried(void **state)
{
	struct bgp_sessions_watch w = lonely;

	(void)state;
	w.carried = 2;
	assert_false(bgp_sessions_uncarried(&w, true, 500.0));
	w = lonely;
	w.wanted = false;
	assert_false(bgp_sessions_uncarried(&w, true, 500.0));
	w = lonely;
	w.known = false;
	assert_false(bgp_sessions_uncarried(&w, true, 500.0));
}

static void
bgp_sessions_test_describe(void **state)
{
	struct bgp_sessions t = table_three();
	char buf[128];

	(void)state;
	assert_int_equal(bgp_sessions_describe(t.s, 3, buf, sizeof(buf)),
			 strlen("up1: Established, up2: Established, up3: Active"));
	assert_string_equal(buf, "up1: Established, up2: Established, up3: Active");
	bgp_sessions_describe(t.s, 0, buf, sizeof(buf));
	assert_string_equal(buf, "no BGP session");
	t.s[0].state[0] = '\0';
	bgp_sessions_describe(t.s, 1, buf, sizeof(buf));
	assert_string_equal(buf, "up1: ?");
}

static void
bgp_sessions_test_describe_truncates(void **state)
{
	struct bgp_sessions t = table_three();
	char buf[10];

	(void)state;
	assert_int_equal(bgp_sessions_describe(t.s, 3, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "up1: Esta");
	assert_int_equal(bgp_sessions_describe(t.s, 3, buf, 0), 0);
}

static void
bgp_sessions_test_carriers(void **state)
{
	struct bgp_sessions t = table_three();
	char buf[64];

	(void)state;
	assert_int_equal(bgp_sessions_carriers(t.s, 3, 0x7, buf, sizeof(buf)), strlen("up1, up2"));
	assert_string_equal(buf, "up1, up2");	/* up3 is not established */
	bgp_sessions_carriers(t.s, 3, 0x4, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void
bgp_sessions_test_find(void **state)
{
	struct bgp_sessions t = table_three();

	(void)state;
	assert_ptr_equal(bgp_sessions_find(t.s, 3, "up2"), &t.s[1]);
	assert_null(bgp_sessions_find(t.s, 3, "up4"));
	assert_null(bgp_sessions_find(t.s, 0, "up1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bgp_sessions_test_carrying_counts_established_only),
		cmocka_unit_test(bgp_sessions_test_carrying_out_of_range),
		cmocka_unit_test(bgp_sessions_test_carrying_all_32),
		cmocka_unit_test(bgp_sessions_test_uncarried_after_settle),
		cmocka_unit_test(bgp_sessions_test_uncarried_waits_for_settle),
		cmocka_unit_test(bgp_sessions_test_uncarried_ends_at_once),
		cmocka_unit_test(bgp_sessions_test_carried_is_never_uncarried),
		cmocka_unit_test(bgp_sessions_test_describe),
		cmocka_unit_test(bgp_sessions_test_describe_truncates),
		cmocka_unit_test(bgp_sessions_test_carriers),
		cmocka_unit_test(bgp_sessions_test_find),
	};
	return cmocka_run_group_tests_name("bgp_sessions", tests, NULL, NULL);
}
