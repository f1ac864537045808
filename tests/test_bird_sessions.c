/*
 * test_bird_sessions.c - BIRD's session answers (bird_sessions.c) on replies
 * recorded from the real BIRD 2.0.12 over its control socket (a gateway with
 * the lab's uppeer/uppeer6 sessions, a second route for 192.0.2.1/32 and a
 * BGP protocol with an IPv4 and an IPv6 channel; a BIRD with `timeformat
 * protocol iso long` and sessions that fail), framed by bird_reply.c as the
 * driver frames them, and on hostile lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bird_reply.h"
#include "bird_sessions.h"

/* `show route` on the gateway: two tables, a net with three routes. */
static const char rec_show_route[] =
	"1007-Table master4:\n"
	" 198.51.100.0/24      blackhole [other4 16:15:24.582] * (200)\n"
	" 192.0.2.1/32         blackhole [anycast4 16:15:24.582] * (200)\n"
	"                      blackhole [anycast4_twin 16:15:24.582] (50)\n"
	" \n"
	" Table master6:\n"
	" 2001:db8:a::1/128    blackhole [anycast6 16:15:24.582] * (200)\n"
	"                      blackhole [anycast6_degraded 16:15:24.582] (50)\n"
	"                      blackhole [anycast6_drain 16:15:24.582] (40)\n"
	"0000 \n";

/* `show route export uppeer` (the IPv4 session). */
static const char rec_export_uppeer[] =
	"1007-Table master4:\n"
	" 192.0.2.1/32         blackhole [anycast4 16:15:24.582] * (200)\n"
	"0000 \n";

/* `show route export uppeer6` (the IPv6 session). */
static const char rec_export_uppeer6[] =
	"1007-Table master6:\n"
	" 2001:db8:a::1/128    blackhole [anycast6 16:15:24.582] * (200)\n"
	"0000 \n";

/* `show route export NAME` of one BGP protocol with an ipv4 and an ipv6
 * channel, Established: both tables come in the one reply. */
static const char rec_export_two_channels[] =
	"1007-Table master4:\n"
	" 192.0.2.1/32         blackhole [anycast4 16:15:24.582] * (200)\n"
	" \n"
	" Table master6:\n"
	" 2001:db8:a::1/128    blackhole [anycast6 16:15:24.582] * (200)\n"
	"0000 \n";

/* `show route for 192.0.2.1/32 all`: the second route of the net comes
 * as its own 1007 line, after the 1008 attribute line. */
static const char rec_route_all[] =
	"1007-Table master4:\n"
	" 192.0.2.1/32         blackhole [anycast4 16:15:24.583] * (200)\n"
	"1008-\tType: static univ\n"
	"1007-                     blackhole [anycast4_twin 16:15:24.583] (50)\n"
	"1008-\tType: static univ\n"
	"0000 \n";

/* `show protocols` on the gateway: BGP rows among others, a name longer
 * than its column, a disabled BGP protocol (no Info). */
static const char rec_protocols[] =
	"2002-Name       Proto      Table      State  Since         Info\n"
	"1002-device1    Device     ---        up     16:15:23.574  \n"
	" anycast4   Static     master4    up     16:15:24.583  \n"
	" uppeer     BGP        ---        up     16:15:24.459  Established   \n"
	" anycast6   Static     master6    up     16:15:24.583  \n"
	" anycast6_degraded Static     master6    up     16:15:24.583  \n"
	" anycast6_drain Static     master6    up     16:15:24.583  \n"
	" uppeer6    BGP        ---        up     16:15:24.380  Established   \n"
	" anycast4_twin Static     master4    up     16:15:24.583  \n"
	" other4     Static     master4    up     16:15:24.583  \n"
	" a_very_long_protocol_name_for_columns BGP        ---        up     16:15:28.799  Established   \n"
	" downpeer   BGP        ---        down   16:15:24.583  \n"
	"0000 \n";

/* The same gateway after `disable uppeer` and `configure`: uppeer back
 * up, not Established yet. */
static const char rec_protocols_active[] =
	"2002-Name       Proto      Table      State  Since         Info\n"
	"1002-device1    Device     ---        up     16:15:23.574  \n"
	" anycast4   Static     master4    down   16:15:29.269  \n"
	" uppeer     BGP        ---        start  16:15:29.261  Active        \n"
	" uppeer6    BGP        ---        up     16:15:24.380  Established   \n"
	" downpeer   BGP        ---        down   16:15:29.269  \n"
	"0000 \n";

/* `timeformat protocol iso long` (Since is two words), an Info with the
 * last error after the state word, a passive session. */
static const char rec_protocols_iso_long[] =
	"2002-Name       Proto      Table      State  Since         Info\n"
	"1002-device1    Device     ---        up     2026-12-02 16:19:13  \n"
	" refused    BGP        ---        start  2026-12-02 16:19:13  Active        Socket: Connection refused\n"
	" passive1   BGP        ---        start  2026-12-02 16:19:13  Passive       \n"
	"0000 \n";

/* A session down after an error ("Error: ..." in Info). */
static const char rec_protocols_error[] =
	"2002-Name       Proto      Table      State  Since         Info\n"
	"1002-device1    Device     ---        up     2026-12-02 16:19:04  \n"
	" refused    BGP        ---        down   2026-12-02 16:19:04  Error: Invalid next hop\n"
	"0000 \n";

/* `show route table all` on a BIRD with a vpn4, a flow4, a roa4 and an
 * ip6 sadr table beside master4: nets of every kind in one reply, as an
 * export of a BGP protocol with such channels lists them. */
static const char rec_route_other_nets[] =
	"1007-Table master4:\n"
	" 192.0.2.1/32         blackhole [s4 06:46:15.039] * (200)\n"
	" \n"
	" Table master6:\n"
	" \n"
	" Table vpntab4:\n"
	" 1:1 10.0.0.0/24      blackhole [sv 06:46:15.039] * (200)\n"
	" \n"
	" Table flowtab4:\n"
	" flow4 { dst 10.0.0.0/8; proto 23; }  [sf 06:46:15.039] * (200)\n"
	" \n"
	" Table roatab4:\n"
	" 10.0.0.0/24-32 AS65000  [sr 06:46:15.039] * (200)\n"
	" \n"
	" Table sadrtab:\n"
	" 2001:db8::/32 from 2001:db8:1::/48 blackhole [ss 06:46:15.039] * (200)\n"
	"0000 \n";

/* Established, export filter rejecting everything: no table heading. */
static const char rec_export_empty[] = "0000 \n";

#define PFX_MAX	8

struct collect {
	char pfx[PFX_MAX][64];
	size_t n;
	size_t lines;		/* 1007 lines seen */
};

static int
collect_cb(void *arg, const struct bird_reply_event *ev)
{
	struct collect *c = arg;
	char out[64];

	if (ev->kind != BIRD_REPLY_LINE || ev->code != 1007)
		return 0;
	c->lines++;
	if (bird_route_line_prefix(ev->text, ev->len, out, sizeof(out))) {
		assert_true(c->n < PFX_MAX);
		snprintf(c->pfx[c->n++], sizeof(c->pfx[0]), "%s", out);
	} else {
		assert_string_equal(out, "");
	}
	return 0;
}

static void
collect_reply(const char *reply, struct collect *c)
{
	struct bird_reply_parser p;

	memset(c, 0, sizeof(*c));
	bird_reply_reset(&p);
	assert_int_equal(bird_reply_feed(&p, reply, strlen(reply), collect_cb, c), 0);
}

static void
bird_sessions_test_show_route(void **state)
{
	struct collect c;

	(void)state;
	collect_reply(rec_show_route, &c);
	assert_int_equal(c.lines, 9);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.pfx[0], "198.51.100.0/24");
	assert_string_equal(c.pfx[1], "192.0.2.1/32");
	assert_string_equal(c.pfx[2], "2001:db8:a::1/128");
}

static void
bird_sessions_test_export_v4_v6(void **state)
{
	struct collect c;

	(void)state;
	collect_reply(rec_export_uppeer, &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.pfx[0], "192.0.2.1/32");
	collect_reply(rec_export_uppeer6, &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.pfx[0], "2001:db8:a::1/128");
	collect_reply(rec_export_two_channels, &c);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.pfx[0], "192.0.2.1/32");
	assert_string_equal(c.pfx[1], "2001:db8:a::1/128");
	collect_reply(rec_export_empty, &c);
	assert_int_equal(c.lines, 0);
	assert_int_equal(c.n, 0);
}

/* The second route of a net is never taken for a net of its own. */
static void
bird_sessions_test_second_route(void **state)
{
	struct collect c;

	(void)state;
	collect_reply(rec_route_all, &c);
	assert_int_equal(c.lines, 3);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.pfx[0], "192.0.2.1/32");
}

/* Nets that are not an IP prefix are route entries all the same: read
 * as such with no prefix, so that the reply around them is still read. */
static void
bird_sessions_test_other_nets(void **state)
{
	struct collect c;

	(void)state;
	collect_reply(rec_route_other_nets, &c);
	assert_int_equal(c.lines, 16);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.pfx[0], "192.0.2.1/32");
	for (size_t i = 1; i < c.n; i++)
		assert_string_equal(c.pfx[i], "");
}

#define ROWS_MAX	8

struct rows {
	struct bgp_session s[ROWS_MAX];
	size_t n;		/* BGP rows */
	size_t other;		/* rows of other protocols */
};

static int
rows_cb(void *arg, const struct bird_reply_event *ev)
{
	struct rows *r = arg;
	struct bgp_session s;
	const char *why = NULL;
	int rc;

	if (ev->kind != BIRD_REPLY_LINE || ev->code != 1002)
		return 0;
	rc = bird_sessions_parse_row(ev->text, ev->len, &s, &why);
	assert_int_not_equal(rc, -1);
	assert_null(why);
	if (rc == 0) {
		r->other++;
		return 0;
	}
	assert_true(r->n < ROWS_MAX);
	r->s[r->n++] = s;
	return 0;
}

static void
rows_reply(const char *reply, struct rows *r)
{
	struct bird_reply_parser p;

	memset(r, 0, sizeof(*r));
	bird_reply_reset(&p);
	assert_int_equal(bird_reply_feed(&p, reply, strlen(reply), rows_cb, r), 0);
}

static void
check_session(const struct bgp_session *s, const char *name, const char *state, bool est)
{
	assert_string_equal(s->name, name);
	assert_string_equal(s->state, state);
	assert_int_equal(s->established, est);
}

static void
bird_sessions_test_rows(void **state)
{
	struct rows r;

	(void)state;
	rows_reply(rec_protocols, &r);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.other, 7);
	check_session(&r.s[0], "uppeer", "Established", true);
	check_session(&r.s[1], "uppeer6", "Established", true);
	check_session(&r.s[2], "a_very_long_protocol_name_for_columns", "Established", true);
	check_session(&r.s[3], "downpeer", "down", false);
	rows_reply(rec_protocols_active, &r);
	assert_int_equal(r.n, 3);
	check_session(&r.s[0], "uppeer", "Active", false);
	check_session(&r.s[1], "uppeer6", "Established", true);
	check_session(&r.s[2], "downpeer", "down", false);
}

static void
bird_sessions_test_rows_time_formats(void **state)
{
	struct rows r;

	(void)state;
	rows_reply(rec_protocols_iso_long, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.other, 1);
	check_session(&r.s[0], "refused", "Active", false);
	check_session(&r.s[1], "passive1", "Passive", false);
	rows_reply(rec_protocols_error, &r);
	assert_int_equal(r.n, 1);
	check_session(&r.s[0], "refused", "Error", false);
}

static void
check_row(const char *text, int want, const char *want_why)
{
	struct bgp_session s;
	const char *why = NULL;

	assert_int_equal(bird_sessions_parse_row(text, strlen(text), &s, &why), want);
	if (want_why == NULL) {
		assert_null(why);
	} else {
		assert_non_null(why);
		assert_string_equal(why, want_why);
		assert_string_equal(s.name, "");
		assert_string_equal(s.state, "");
	}
}

static void
bird_sessions_test_rows_hostile(void **state)
{
	char name[200], row[300];
	struct bgp_session s;
	const char *why = NULL;

	(void)state;
	check_row("", -1, "too-few-columns");
	check_row("   \t ", -1, "too-few-columns");
	check_row("uppeer BGP ---", -1, "too-few-columns");
	check_row("uppeer Static master4 up", 0, NULL);
	check_row("uppeer BGPX --- up 12:00:00 Established", 0, NULL);
	check_row("uppeer bgp --- up 12:00:00 Established", 0, NULL);
	check_row("uppeer BGP --- up 12:00:00 EstablishedButLongerThanTheField", -1,
		  "state-too-long");
	memset(name, 'n', 64);
	name[64] = '\0';
	snprintf(row, sizeof(row), "%s BGP --- up 12:00:00 Established", name);
	check_row(row, -1, "name-too-long");
	name[63] = '\0';
	snprintf(row, sizeof(row), "%s BGP --- up 12:00:00 Established", name);
	check_row(row, 1, NULL);
	/* no Since, no Info: the State word */
	assert_int_equal(bird_sessions_parse_row("p BGP --- start", 15, &s, &why), 1);
	check_session(&s, "p", "start", false);
	/* time-like words are Since's; a trailing ':' goes */
	assert_int_equal(bird_sessions_parse_row("p BGP --- up 1 :", 16, &s, &why), 1);
	check_session(&s, "p", "up", false);
	assert_int_equal(bird_sessions_parse_row("p BGP --- up 1 Idle:", 20, &s, &why), 1);
	check_session(&s, "p", "Idle", false);
	/* only `len` bytes: "Established" cut to "Estab" */
	assert_int_equal(bird_sessions_parse_row("p BGP --- up 1 Established", 20, &s, &why), 1);
	check_session(&s, "p", "Estab", false);
	/* a NUL ends the text's words */
	assert_int_equal(bird_sessions_parse_row("p BGP --- up\0Established", 24, &s, &why), 1);
	check_session(&s, "p", "up", false);
}

/* `want`: the prefix read, "" for a net of another kind, NULL for a line
 * that is no route entry. */
static void
check_prefix(const char *line, const char *want)
{
	char out[64];
	bool ok = bird_route_line_prefix(line, strlen(line), out, sizeof(out));

	if (want == NULL) {
		assert_false(ok);
		assert_string_equal(out, "");
	} else {
		assert_true(ok);
		assert_string_equal(out, want);
	}
}

/* Canonical form: host bits cleared, IPv6 as inet_ntop writes it. */
static void
bird_sessions_test_canonical(void **state)
{
	(void)state;
	check_prefix("10.1.2.3/8 unicast [x]", "10.0.0.0/8");
	check_prefix("2001:DB8:A:0:0:0:0:1/128 unicast", "2001:db8:a::1/128");
	check_prefix("2001:db8:ffff::/33\tunicast", "2001:db8:8000::/33");
	check_prefix("0.0.0.0/0", "0.0.0.0/0");
	check_prefix("::/0 blackhole", "::/0");
	check_prefix("192.0.2.1/32", "192.0.2.1/32");
}

/* BIRD's other net kinds (net_format()): skipped, with no prefix; what
 * only looks like one of them is no route entry. */
static void
bird_sessions_test_other_net_kinds(void **state)
{
	(void)state;
	check_prefix("1:1 10.0.0.0/24      blackhole [sv 06:46:15.039] * (200)", "");
	check_prefix("65000:7 2001:db8::/48 unicast", "");
	check_prefix("flow4 { dst 10.0.0.0/8; proto 23; }  [sf 06:46:15.039] * (200)", "");
	check_prefix("flow6 { dst 2001:db8::/32; }  [sf6 12:00:00.000] * (200)", "");
	check_prefix("10.0.0.0/24-32 AS65000  [sr 06:46:15.039] * (200)", "");
	check_prefix("2001:db8::/32-48 AS65000", "");
	check_prefix("2001:db8::/32 from 2001:db8:1::/48 blackhole [ss 06:46:15.039]", "");
	check_prefix("16                   unicast [mpls1 12:00:00.000] * (200)", "");
	check_prefix("1:1 unicast", NULL);
	check_prefix("1:1", NULL);
	check_prefix("flow5 { }", NULL);
	check_prefix("10.0.0.0/24-32 unicast", NULL);
	check_prefix("10.0.0.0/24-x AS65000", NULL);
	check_prefix("10.0.0.0/33-40 AS65000", NULL);
	check_prefix("2001:db8::/32 from", "");
	check_prefix("192.0.2.1 from 2001:db8:1::/48", NULL);
}

static void
bird_sessions_test_hostile_lines(void **state)
{
	(void)state;
	check_prefix("", NULL);
	check_prefix("Table master4:", NULL);
	check_prefix(" 192.0.2.1/32 unicast", NULL);
	check_prefix("\tvia 10.99.0.2 on up0", NULL);
	check_prefix("192.0.2.1 unicast", NULL);
	check_prefix("192.0.2.1/33", NULL);
	check_prefix("192.0.2.1/", NULL);
	check_prefix("192.0.2.1/-1", NULL);
	check_prefix("192.0.2.1/0032", NULL);
	check_prefix("192.0.2.1/032", NULL);
	check_prefix("192.0.2.1/3x", NULL);
	check_prefix("192.0.2/24", NULL);
	check_prefix("2001:db8::/129", NULL);
	check_prefix("2001:db8::1::2/64", NULL);
	check_prefix("/32", NULL);
	check_prefix("1.2.3.4/8/8", NULL);
	check_prefix("2001:0db8:0000:0000:0000:0000:0000:0001:0000/128", NULL);
}

/* `text` is not NUL-terminated: only `len` bytes are read. */
static void
bird_sessions_test_length_bound(void **state)
{
	char out[64];
	const char line[] = "192.0.2.1/32999";

	(void)state;
	assert_true(bird_route_line_prefix(line, 12, out, sizeof(out)));
	assert_string_equal(out, "192.0.2.1/32");
	assert_false(bird_route_line_prefix(line, 14, out, sizeof(out)));
	/* a NUL ends the word as a blank does */
	assert_true(bird_route_line_prefix("192.0.2.1/32\0x", 14, out, sizeof(out)));
	assert_string_equal(out, "192.0.2.1/32");
}

/* An output buffer too small for the prefix is a failure, not a cut. */
static void
bird_sessions_test_small_out(void **state)
{
	char out[12];

	(void)state;
	assert_false(bird_route_line_prefix("192.0.2.1/32", 12, out, sizeof(out)));
	assert_string_equal(out, "");
	assert_false(bird_route_line_prefix("192.0.2.1/32", 12, out, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bird_sessions_test_show_route),
		cmocka_unit_test(bird_sessions_test_export_v4_v6),
		cmocka_unit_test(bird_sessions_test_second_route),
		cmocka_unit_test(bird_sessions_test_canonical),
		cmocka_unit_test(bird_sessions_test_other_nets),
		cmocka_unit_test(bird_sessions_test_other_net_kinds),
		cmocka_unit_test(bird_sessions_test_hostile_lines),
		cmocka_unit_test(bird_sessions_test_length_bound),
		cmocka_unit_test(bird_sessions_test_small_out),
		cmocka_unit_test(bird_sessions_test_rows),
		cmocka_unit_test(bird_sessions_test_rows_time_formats),
		cmocka_unit_test(bird_sessions_test_rows_hostile),
	};

	return cmocka_run_group_tests_name("bird_sessions", tests, NULL, NULL);
}
