/*
 * test_frr_sessions.c - bgpd's session answers (frr_sessions.c) on replies
 * recorded from the real FRR 8.4.4 of the lab (tests/sessions/README), and
 * on hostile and malformed JSON.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "frr_sessions.h"

#ifndef TEST_SRCDIR
#define TEST_SRCDIR "."
#endif

/* A recorded reply (static buffer, one at a time). */
static const char *
rec(const char *name, size_t *len)
{
	static char buf[65536];
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/sessions/%s", TEST_SRCDIR, name);
	f = fopen(path, "r");
	assert_non_null(f);
	*len = fread(buf, 1, sizeof(buf) - 1, f);
	assert_true(*len > 0);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

struct nbrs {
	struct bgp_sessions t;
	struct frr_sessions_neighbor info[BGP_SESSIONS_MAX];
	size_t more;
	const char *why;
};

static int
parse_nbrs(const char *text, size_t len, struct nbrs *n)
{
	memset(n, 0, sizeof(*n));
	return frr_sessions_parse_neighbors(text, len, &n->t, n->info, &n->more, &n->why);
}

static void
check_session(const struct bgp_session *s, const char *name, const char *state, bool est)
{
	assert_string_equal(s->name, name);
	assert_string_equal(s->state, state);
	assert_int_equal(s->established, est);
}

static void
frr_sessions_test_neighbors(void **state)
{
	struct nbrs n;
	size_t len;
	const char *text = rec("frr-neighbors.json", &len);

	(void)state;
	assert_int_equal(parse_nbrs(text, len, &n), 0);
	assert_null(n.why);
	assert_int_equal(n.t.n, 3);
	assert_int_equal(n.more, 0);
	check_session(&n.t.s[0], "10.99.0.2", "Established", true);
	check_session(&n.t.s[1], "10.99.0.9", "Active", false);
	check_session(&n.t.s[2], "2001:db8:99::2", "Established", true);
	assert_int_equal(n.info[0].afs, FRR_SESSIONS_AF_IPV4);
	assert_int_equal(n.info[1].afs, FRR_SESSIONS_AF_IPV4);
	assert_int_equal(n.info[2].afs, FRR_SESSIONS_AF_IPV6);
	/* sentPrefixCounter: 1 each to the Established ones, none said to 10.99.0.9 */
	assert_int_equal(n.info[0].sent[0], 1);
	assert_int_equal(n.info[0].sent[1], 0);
	assert_int_equal(n.info[1].sent[0], 0);
	assert_int_equal(n.info[2].sent[1], 1);
	assert_null(n.t.advertised);
}

static void
frr_sessions_test_neighbors_shutdown(void **state)
{
	struct nbrs n;
	size_t len;
	const char *text = rec("frr-neighbors-shutdown.json", &len);

	(void)state;
	assert_int_equal(parse_nbrs(text, len, &n), 0);
	assert_int_equal(n.t.n, 3);
	check_session(&n.t.s[0], "10.99.0.2", "Idle", false);
	check_session(&n.t.s[1], "10.99.0.9", "Active", false);
	check_session(&n.t.s[2], "2001:db8:99::2", "Established", true);
}

/* More neighbors than BGP_SESSIONS_MAX: the first ones, and a count. */
static void
frr_sessions_test_neighbors_many(void **state)
{
	char *text = malloc(64 * 1024);
	struct nbrs n;
	size_t len = 0;

	(void)state;
	assert_non_null(text);
	len += (size_t)sprintf(text + len, "{");
	for (int i = 0; i < BGP_SESSIONS_MAX + 5; i++)
		len += (size_t)sprintf(text + len, "%s\"10.0.%d.1\":{\"bgpState\":\"%s\","
				       "\"addressFamilyInfo\":{\"ipv4Unicast\":{},"
				       "\"ipv6Unicast\":{}}}", i ? "," : "", i,
				       i % 2 ? "Connect" : "Established");
	len += (size_t)sprintf(text + len, "}\n");
	assert_int_equal(parse_nbrs(text, len, &n), 0);
	assert_int_equal(n.t.n, BGP_SESSIONS_MAX);
	assert_int_equal(n.more, 5);
	check_session(&n.t.s[0], "10.0.0.1", "Established", true);
	check_session(&n.t.s[31], "10.0.31.1", "Connect", false);
	assert_int_equal(n.info[31].afs, FRR_SESSIONS_AF_IPV4 | FRR_SESSIONS_AF_IPV6);
	free(text);
}

static void
check_bad_nbrs(const char *text, const char *why)
{
	struct nbrs n;

	assert_int_equal(parse_nbrs(text, strlen(text), &n), -1);
	assert_non_null(n.why);
	assert_string_equal(n.why, why);
	assert_int_equal(n.t.n, 0);
	assert_int_equal(n.more, 0);
}

static void
frr_sessions_test_neighbors_hostile(void **state)
{
	struct nbrs n;
	char long_name[100], big[200];
	const char *text;

	(void)state;
	assert_int_equal(parse_nbrs("{}", 2, &n), 0);
	assert_int_equal(n.t.n, 0);
	text = "{\"a\":{\"bgpState\":\"Idle\"}}\r\n \t";
	assert_int_equal(parse_nbrs(text, strlen(text), &n), 0);
	assert_int_equal(n.t.n, 1);
	assert_int_equal(n.info[0].afs, 0);
	check_bad_nbrs("", "bad-json");
	check_bad_nbrs("% Unknown command", "bad-json");
	check_bad_nbrs("[]", "bad-json");
	check_bad_nbrs("\"x\"", "bad-json");
	check_bad_nbrs("{\"a\":{\"bgpState\":\"Idle\"}", "bad-json");
	check_bad_nbrs("{\"a\":{\"bgpState\":\"Idle\"}} {}", "bad-json");
	check_bad_nbrs("{\"a\":{\"bgpState\":\"Idle\"}}x", "bad-json");
	check_bad_nbrs("{\"warning\":\"No BGP process\"}", "bad-neighbor");
	check_bad_nbrs("{\"a\":{\"bgpState\":\"Idle\"},\"b\":[]}", "bad-neighbor");
	check_bad_nbrs("{\"a\":{\"bgpState\":1}}", "no-state");
	check_bad_nbrs("{\"a\":{\"state\":\"Established\"}}", "no-state");
	check_bad_nbrs("{\"a\":{\"bgpState\":\"EstablishedAndSoOnAndSoOnX\"}}",
		       "state-too-long");
	/* control characters and other non-printable bytes, escaped or raw */
	check_bad_nbrs("{\"a\\u001b[2J\":{\"bgpState\":\"Idle\"}}", "bad-name");
	check_bad_nbrs("{\"a\x01\":{\"bgpState\":\"Idle\"}}", "bad-name");
	check_bad_nbrs("{\"a\":{\"bgpState\":\"Id\x7fle\"}}", "bad-state");
	check_bad_nbrs("{\"a\\nb\":{\"bgpState\":\"Idle\"}}", "bad-name");
	check_bad_nbrs("{\"10.0.0.1\\u007f\":{\"bgpState\":\"Idle\"}}", "bad-name");
	check_bad_nbrs("{\"a\\u00e9\":{\"bgpState\":\"Idle\"}}", "bad-name");
	check_bad_nbrs("{\"a\":{\"bgpState\":\"Idle\\r\\nEstablished\"}}", "bad-state");
	check_bad_nbrs("{\"a\":{\"bgpState\":\"Idle\\u0000x\"}}", "bad-state");
	check_bad_nbrs("{\"a\":{\"bgpState\":\"Idle\\t\"}}", "bad-state");
	check_bad_nbrs("{\"a\":{\"bgpState\":\"Idle\"},"
		       "\"b\":{\"bgpState\":\"\\u0007\"}}", "bad-state");
	text = "{\"fe80::1%eth0 x\":{\"bgpState\":\"Idle ~\"}}";
	assert_int_equal(parse_nbrs(text, strlen(text), &n), 0);
	assert_string_equal(n.t.s[0].name, "fe80::1%eth0 x");
	assert_string_equal(n.t.s[0].state, "Idle ~");
	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	snprintf(big, sizeof(big), "{\"%s\":{\"bgpState\":\"Idle\"}}", long_name);
	check_bad_nbrs(big, "name-too-long");
	long_name[63] = '\0';
	snprintf(big, sizeof(big), "{\"%s\":{\"bgpState\":\"Idle\"}}", long_name);
	assert_int_equal(parse_nbrs(big, strlen(big), &n), 0);
	/* addressFamilyInfo of the wrong type is no family, not an error */
	text = "{\"a\":{\"bgpState\":\"Established\",\"addressFamilyInfo\":[\"ipv4Unicast\"]}}";
	assert_int_equal(parse_nbrs(text, strlen(text), &n), 0);
	assert_int_equal(n.info[0].afs, 0);
	assert_true(n.t.s[0].established);
	/* sentPrefixCounter: a number, else 0 */
	text = "{\"a\":{\"bgpState\":\"Established\",\"addressFamilyInfo\":{"
	       "\"ipv4Unicast\":{\"sentPrefixCounter\":123456},"
	       "\"ipv6Unicast\":{\"sentPrefixCounter\":\"7\"}}},"
	       "\"b\":{\"bgpState\":\"Idle\",\"addressFamilyInfo\":{"
	       "\"ipv4Unicast\":{\"sentPrefixCounter\":-5},\"ipv6Unicast\":3}}}";
	assert_int_equal(parse_nbrs(text, strlen(text), &n), 0);
	assert_int_equal(n.info[0].afs, FRR_SESSIONS_AF_IPV4 | FRR_SESSIONS_AF_IPV6);
	assert_int_equal(n.info[0].sent[0], 123456);
	assert_int_equal(n.info[0].sent[1], 0);
	assert_int_equal(n.info[1].afs, FRR_SESSIONS_AF_IPV4 | FRR_SESSIONS_AF_IPV6);
	assert_int_equal(n.info[1].sent[0], 0);
	assert_int_equal(n.info[1].sent[1], 0);
	/* only `len` bytes are read */
	assert_int_equal(parse_nbrs("{}garbage", 2, &n), 0);
}

#define ADV_MAX	8

struct adv {
	char p[ADV_MAX][64];
	size_t n;
};

static void
adv_cb(void *arg, const char *prefix)
{
	struct adv *a = arg;

	assert_true(a->n < ADV_MAX);
	snprintf(a->p[a->n++], sizeof(a->p[0]), "%s", prefix);
}

static int
parse_adv(const char *text, size_t len, struct adv *a, const char **why)
{
	memset(a, 0, sizeof(*a));
	*why = "unset";
	return frr_sessions_parse_advertised(text, len, adv_cb, a, why);
}

static void
frr_sessions_test_advertised(void **state)
{
	const char *why, *text;
	struct adv a;
	size_t len;

	(void)state;
	text = rec("frr-advertised-ipv4.json", &len);
	assert_int_equal(parse_adv(text, len, &a, &why), 0);
	assert_null(why);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.p[0], "192.0.2.1/32");
	text = rec("frr-advertised-ipv6.json", &len);
	assert_int_equal(parse_adv(text, len, &a, &why), 0);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.p[0], "2001:db8:a::1/128");
	text = rec("frr-advertised-empty.json", &len);
	assert_int_equal(parse_adv(text, len, &a, &why), 0);
	assert_null(why);
	assert_int_equal(a.n, 0);
}

/* bgpd's warning: no such neighbor, or the family is not active on it. */
static void
frr_sessions_test_advertised_warning(void **state)
{
	const char *why, *text;
	struct adv a;
	size_t len;

	(void)state;
	text = rec("frr-advertised-no-af.json", &len);
	assert_int_equal(parse_adv(text, len, &a, &why), 1);
	assert_null(why);
	assert_int_equal(a.n, 0);
	text = rec("frr-advertised-no-neighbor.json", &len);
	assert_int_equal(parse_adv(text, len, &a, &why), 1);
	assert_null(why);
}

static void
check_bad_adv(const char *text, const char *want)
{
	const char *why;
	struct adv a;

	assert_int_equal(parse_adv(text, strlen(text), &a, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, want);
	assert_int_equal(a.n, 0);
}

static void
frr_sessions_test_advertised_hostile(void **state)
{
	const char *why, *text;
	struct adv a;

	(void)state;
	check_bad_adv("", "bad-json");
	check_bad_adv("BGP table version is 2", "bad-json");
	check_bad_adv("[{\"advertisedRoutes\":{}}]", "bad-json");
	check_bad_adv("{\"advertisedRoutes\":{}", "bad-json");
	check_bad_adv("{}", "no-routes");
	check_bad_adv("{\"warning\":1}", "no-routes");
	check_bad_adv("{\"advertisedRoutes\":[]}", "no-routes");
	check_bad_adv("{\"advertisedRoutes\":null}", "no-routes");
	/* one bad key spoils the reply: no prefix of it is taken */
	check_bad_adv("{\"advertisedRoutes\":{\"192.0.2.1/32\":{},\"nope\":{}}}", "bad-prefix");
	check_bad_adv("{\"advertisedRoutes\":{\"192.0.2.1/33\":{}}}", "bad-prefix");
	check_bad_adv("{\"advertisedRoutes\":{\"192.0.2.1\":{}}}", "bad-prefix");
	check_bad_adv("{\"advertisedRoutes\":{\"\":{}}}", "bad-prefix");
	/* keys in canonical form whatever bgpd wrote */
	text = "{\"advertisedRoutes\":{\"10.1.2.3/8\":1,\"2001:DB8::0:1/128\":{}}}";
	assert_int_equal(parse_adv(text, strlen(text), &a, &why), 0);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.p[0], "10.0.0.0/8");
	assert_string_equal(a.p[1], "2001:db8::1/128");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frr_sessions_test_neighbors),
		cmocka_unit_test(frr_sessions_test_neighbors_shutdown),
		cmocka_unit_test(frr_sessions_test_neighbors_many),
		cmocka_unit_test(frr_sessions_test_neighbors_hostile),
		cmocka_unit_test(frr_sessions_test_advertised),
		cmocka_unit_test(frr_sessions_test_advertised_warning),
		cmocka_unit_test(frr_sessions_test_advertised_hostile),
	};

	return cmocka_run_group_tests_name("frr_sessions", tests, NULL, NULL);
}
