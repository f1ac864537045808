/*
 * test_fleet_record.c - cmocka tests of fleet_record.c: the exact JSON a
 * record encodes to (docs/fleet.md's format), round trips, and decode()'s
 * refusals of what a hostile or broken writer could put in the store, each
 * with its exact one-line reason and an empty record left behind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/fleet_record.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* docs/fleet.md's example, as encode() writes it. */
static const char example[] =
	"{\"node\":\"gw1\",\"version\":\"0.9.0\",\"updated\":1764672000.123,\"last_change\":1764671990.5,"
	"\"router\":{\"kind\":\"bird\",\"reachable\":true},"
	"\"store\":{\"alone\":false},"
	"\"services\":[{\"name\":\"pptp\",\"verdict\":\"up\",\"reason\":\"ok\"}],"
	"\"prefixes\":[{\"prefix\":\"192.0.2.1/32\",\"desired\":\"announced\",\"actual\":\"announced\",\"held\":false,"
	"\"min_announcers\":1,\"since\":1764671990.5,\"carried\":2,\"uncarried\":false}],"
	"\"fingerprints\":[{\"name\":\"config\",\"hmac\":\"" HEX_A "\"},"
	"{\"name\":\"/etc/ppp/chap-secrets\",\"hmac\":\"" HEX_B "\"}]}";

static void
fill_example(struct fleet_record *r)
{
	static struct fleet_record_service services[] = { { "pptp", "up", "ok" } };
	static struct fleet_record_prefix prefixes[] = {
		{ "192.0.2.1/32", "announced", "announced", false, 1, 1764671990.5, true, 2, false },
	};
	static struct fleet_record_fingerprint fps[] = {
		{ "config", HEX_A }, { "/etc/ppp/chap-secrets", HEX_B },
	};

	memset(r, 0, sizeof(*r));
	r->node = "gw1";
	r->version = "0.9.0";
	r->updated = 1764672000.123;
	r->last_change = 1764671990.5;
	r->router_kind = "bird";
	r->router_reachable = true;
	r->services = services;
	r->n_services = 1;
	r->prefixes = prefixes;
	r->n_prefixes = 1;
	r->fingerprints = fps;
	r->n_fingerprints = 2;
}

static void
fleet_record_test_encode_exact(void **state)
{
	struct fleet_record r;
	char *text;

	(void)state;
	fill_example(&r);
	text = fleet_record_encode(&r);
	assert_non_null(text);
	assert_string_equal(text, example);
	free(text);
}

/* Decoding gives back every field; encoding that gives the same text. */
static void
fleet_record_test_round_trip(void **state)
{
	static struct fleet_record_service services[] = {
		{ "pptp", "DEGRADED", "capacity: sessions 95% >= 90%" }, { "dns", "down", "" },
	};
	static struct fleet_record_prefix prefixes[] = {
		{ "192.0.2.1/32", "held", "degraded", true, 2, 0, true, 0, true },
		{ "2001:db8::1/128", "withdrawn", "withdrawn", false, 0, 1764672000, false, 0, false },
	};
	static struct fleet_record_fingerprint fps[] = {
		{ "config", HEX_B }, { "/etc/ppp/chap-secrets", "absent" }, { "/etc/pptpd.conf", "unreadable" },
	};
	struct fleet_record r = {
		.node = "gw-2.example.net", .version = "", .updated = 1.001, .last_change = 0,
		.router_kind = "frr", .router_reachable = false, .alone = true,
		.services = services, .n_services = 2, .prefixes = prefixes, .n_prefixes = 2,
		.fingerprints = fps, .n_fingerprints = 3,
	}, back;
	char err[256], *text = fleet_record_encode(&r), *again;
	size_t i;

	(void)state;
	assert_non_null(text);
	assert_int_equal(fleet_record_decode(text, strlen(text), &back, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(back.node, r.node);
	assert_string_equal(back.version, "");
	assert_true(back.updated == 1.001);
	assert_true(back.last_change == 0);
	assert_string_equal(back.router_kind, "frr");
	assert_false(back.router_reachable);
	assert_true(back.alone);
	assert_int_equal(back.n_services, 2);
	for (i = 0; i < 2; i++) {
		assert_string_equal(back.services[i].name, services[i].name);
		assert_string_equal(back.services[i].verdict, services[i].verdict);
		assert_string_equal(back.services[i].reason, services[i].reason);
		assert_string_equal(back.prefixes[i].prefix, prefixes[i].prefix);
		assert_string_equal(back.prefixes[i].desired, prefixes[i].desired);
		assert_string_equal(back.prefixes[i].actual, prefixes[i].actual);
		assert_int_equal(back.prefixes[i].held, prefixes[i].held);
		assert_int_equal(back.prefixes[i].min_announcers, prefixes[i].min_announcers);
		assert_true(back.prefixes[i].since == prefixes[i].since);
		assert_int_equal(back.prefixes[i].carried_known, prefixes[i].carried_known);
		assert_int_equal(back.prefixes[i].carried, prefixes[i].carried);
		assert_int_equal(back.prefixes[i].uncarried, prefixes[i].uncarried);
	}
	assert_non_null(strstr(text, "\"carried\":0,\"uncarried\":true}"));
	assert_non_null(strstr(text, "\"carried\":null,\"uncarried\":false}"));
	assert_int_equal(back.n_fingerprints, 3);
	assert_string_equal(back.fingerprints[1].hmac, "absent");
	assert_string_equal(back.fingerprints[2].name, "/etc/pptpd.conf");
	assert_ptr_equal(fleet_record_find_prefix(&back, "2001:db8::1/128"), &back.prefixes[1]);
	assert_null(fleet_record_find_prefix(&back, "2001:db8::1/12"));
	again = fleet_record_encode(&back);
	assert_string_equal(again, text);
	fleet_record_clear(&back);
	assert_null(back.node);
	assert_int_equal(back.n_prefixes, 0);
	fleet_record_clear(&back);	/* a zeroed record is fine */
	free(again);
	free(text);
}

/* Times to the millisecond, without json-c's %.17g digits; never NaN. */
static void
fleet_record_test_times(void **state)
{
	static const struct { double t; const char *text; } cases[] = {
		{ 1764672000.123, "1764672000.123" }, { 1764672000, "1764672000.0" }, { 0.5, "0.5" },
		{ 1764672000.0004, "1764672000.0" }, { NAN, "0.0" }, { -3, "0.0" }, { INFINITY, "0.0" },
	};
	struct fleet_record r;
	char *text, want[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.updated = cases[i].t;
		text = fleet_record_encode(&r);
		snprintf(want, sizeof(want), "\"updated\":%s,", cases[i].text);
		if (strstr(text, want) == NULL)
			fail_msg("%g encoded as %s", cases[i].t, text);
		free(text);
	}
}

/* A newer writer's members are ignored; integers are times too. */
static void
fleet_record_test_unknown_fields(void **state)
{
	static const char text[] =
		"{\"node\":\"gw1\",\"version\":\"1.4\",\"updated\":1764672000,\"last_change\":0,\"zone\":\"eu\","
		"\"router\":{\"kind\":\"bird\",\"reachable\":true,\"rtt_ms\":3},\"store\":{\"alone\":false,\"x\":[]},"
		"\"services\":[],\"prefixes\":[{\"prefix\":\"192.0.2.1/32\",\"desired\":\"announced\","
		"\"actual\":\"announced\",\"held\":false,\"min_announcers\":1,\"since\":5,\"weight\":{\"a\":1}}],"
		"\"fingerprints\":[],\"future\":{\"nested\":[1,2,3]}}  \n";
	struct fleet_record r;
	char err[256];

	(void)state;
	assert_int_equal(fleet_record_decode(text, strlen(text), &r, err, sizeof(err)), 0);
	assert_true(r.updated == 1764672000.0);
	assert_int_equal(r.n_prefixes, 1);
	assert_true(r.prefixes[0].since == 5.0);
	fleet_record_clear(&r);
}

/* A record from a writer that knows nothing of BGP sessions: no "carried"
 * (unknown), no "uncarried" (false); "carried": null is unknown too. */
static void
fleet_record_test_without_carried(void **state)
{
	static const char old[] =
		"{\"node\":\"gw1\",\"version\":\"0.9.0\",\"updated\":1,\"last_change\":0,"
		"\"router\":{\"kind\":\"bird\",\"reachable\":true},\"store\":{\"alone\":false},"
		"\"services\":[],\"prefixes\":[{\"prefix\":\"192.0.2.1/32\",\"desired\":\"announced\","
		"\"actual\":\"announced\",\"held\":false,\"min_announcers\":1,\"since\":5},"
		"{\"prefix\":\"192.0.2.2/32\",\"desired\":\"announced\",\"actual\":\"announced\","
		"\"held\":false,\"min_announcers\":1,\"since\":5,\"carried\":null,\"uncarried\":true}],"
		"\"fingerprints\":[]}";
	struct fleet_record r;
	char err[256], *text;

	(void)state;
	assert_int_equal(fleet_record_decode(old, strlen(old), &r, err, sizeof(err)), 0);
	assert_int_equal(r.n_prefixes, 2);
	assert_false(r.prefixes[0].carried_known);
	assert_false(r.prefixes[0].uncarried);
	assert_false(r.prefixes[1].carried_known);
	assert_true(r.prefixes[1].uncarried);
	text = fleet_record_encode(&r);
	assert_non_null(strstr(text, "\"since\":5.0,\"carried\":null,\"uncarried\":false}"));
	free(text);
	fleet_record_clear(&r);
}

/* `text` with the one occurrence of `from` replaced by `to` (malloc'd). */
static char *
edit(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	char *out;

	if (at == NULL || strstr(at + 1, from) != NULL)
		fail_msg("\"%s\" is not in the example exactly once", from);
	assert_int_not_equal(asprintf(&out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)), -1);
	return out;
}

static void
assert_refused(const char *text, size_t len, const char *reason)
{
	struct fleet_record r;
	char err[256];

	memset(&r, 0x5a, sizeof(r));
	if (fleet_record_decode(text, len, &r, err, sizeof(err)) == 0)
		fail_msg("accepted: %.*s", (int)len, text);
	if (strcmp(err, reason) != 0)
		fail_msg("\"%s\" instead of \"%s\"", err, reason);
	assert_null(r.node);
	assert_null(r.services);
	assert_int_equal(r.n_services, 0);
	assert_null(r.prefixes);
	assert_int_equal(r.n_prefixes, 0);
	assert_int_equal(r.n_fingerprints, 0);
}

/* Edits of the example, each refused with its reason. */
static const char *const hostile_edits[][3] = {
	{ "\"node\":\"gw1\"", "\"node\":1", "node: a number, not a string" },
	{ "\"node\":\"gw1\",", "", "record: missing \"node\"" },
	{ "\"node\":\"gw1\"", "\"node\":\"gw 1\"", "node: byte 2 (0x20) is not allowed here" },
	{ "\"node\":\"gw1\"", "\"node\":\"\"", "node: 0 bytes long, not 1..63" },
	{ "\"node\":\"gw1\"", "\"node\":\"gw1\\u0000x\"", "node: byte 3 (0x00) is not allowed here" },
	{ "\"version\":\"0.9.0\"", "\"version\":null", "version: null, not a string" },
	{ "\"updated\":1764672000.123", "\"updated\":\"1764672000\"", "updated: a string, not a number" },
	{ "\"updated\":1764672000.123", "\"updated\":-1", "updated: not a time (finite, not negative)" },
	{ "\"updated\":1764672000.123", "\"updated\":NaN", "updated: not a time (finite, not negative)" },
	{ "\"last_change\":1764671990.5,", "", "record: missing \"last_change\"" },
	{ "\"router\":{\"kind\":\"bird\",\"reachable\":true}", "\"router\":[]", "router: an array, not an object" },
	{ "\"kind\":\"bird\",", "", "router: missing \"kind\"" },
	{ "\"reachable\":true", "\"reachable\":1", "router.reachable: a number, not a boolean" },
	{ "\"alone\":false", "\"alone\":\"false\"", "store.alone: a string, not a boolean" },
	{ "\"services\":[{", "\"services\":[\"pptp\",{", "services[0]: a string, not an object" },
	{ "\"services\":[{\"name\":\"pptp\",\"verdict\":\"up\",\"reason\":\"ok\"}]", "\"services\":{}",
	  "services: an object, not an array" },
	{ "\"reason\":\"ok\"", "\"reason\":\"\\u001b[31mok\"", "services[0].reason: byte 0 (0x1b) is not allowed here" },
	{ "\"reason\":\"ok\"", "\"reason\":\"a\\nb\"", "services[0].reason: byte 1 (0x0a) is not allowed here" },
	{ "\"verdict\":\"up\"", "\"verdict\":\"up down\"", "services[0].verdict: byte 2 (0x20) is not allowed here" },
	{ "\"name\":\"pptp\"", "\"name\":\"pptp\\/x\"", "services[0].name: byte 4 (0x2f) is not allowed here" },
	{ "\"actual\":\"announced\",", "", "prefixes[0]: missing \"actual\"" },
	{ "\"held\":false", "\"held\":0", "prefixes[0].held: a number, not a boolean" },
	{ "\"min_announcers\":1", "\"min_announcers\":-1", "prefixes[0].min_announcers: out of range 0..4294967295" },
	{ "\"min_announcers\":1", "\"min_announcers\":4294967296",
	  "prefixes[0].min_announcers: out of range 0..4294967295" },
	{ "\"min_announcers\":1", "\"min_announcers\":99999999999999999999999",
	  "prefixes[0].min_announcers: out of range 0..4294967295" },
	{ "\"min_announcers\":1", "\"min_announcers\":1.5", "prefixes[0].min_announcers: a number, not an integer" },
	{ "\"since\":1764671990.5,", "\"since\":1e400,", "prefixes[0].since: not a time (finite, not negative)" },
	{ "\"carried\":2", "\"carried\":\"2\"", "prefixes[0].carried: a string, not an integer or null" },
	{ "\"carried\":2", "\"carried\":2.5", "prefixes[0].carried: a number, not an integer or null" },
	{ "\"carried\":2", "\"carried\":true", "prefixes[0].carried: a boolean, not an integer or null" },
	{ "\"carried\":2", "\"carried\":-1", "prefixes[0].carried: out of range 0..1024" },
	{ "\"carried\":2", "\"carried\":1025", "prefixes[0].carried: out of range 0..1024" },
	{ "\"carried\":2", "\"carried\":99999999999999999999999", "prefixes[0].carried: out of range 0..1024" },
	{ "\"uncarried\":false", "\"uncarried\":0", "prefixes[0].uncarried: a number, not a boolean" },
	{ "\"uncarried\":false", "\"uncarried\":null", "prefixes[0].uncarried: null, not a boolean" },
	{ "\"prefix\":\"192.0.2.1/32\"", "\"prefix\":\"192.0.2.1/32;\"", "prefixes[0].prefix: byte 12 (0x3b) is not allowed here" },
	{ "\"uncarried\":false}]", "\"uncarried\":false},{\"prefix\":\"192.0.2.1/32\",\"desired\":\"held\","
	  "\"actual\":\"degraded\",\"held\":true,\"min_announcers\":1,\"since\":1}]", "prefixes[1]: the same as prefixes[0]" },
	{ "{\"name\":\"config\"", "{\"name\":\"/etc/ppp/chap-secrets\"", "fingerprints[1]: the same as fingerprints[0]" },
	{ "\"hmac\":\"" HEX_A "\"", "\"hmac\":\"" HEX_A "0\"", "fingerprints[0].hmac: 65 bytes long, not 1..64" },
	{ "\"hmac\":\"" HEX_A "\"", "\"hmac\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"",
	  "fingerprints[0].hmac: neither 64 hex digits nor \"absent\" or \"unreadable\"" },
	{ "\"hmac\":\"" HEX_A "\"", "\"hmac\":\"gone\"",
	  "fingerprints[0].hmac: neither 64 hex digits nor \"absent\" or \"unreadable\"" },
	{ "{\"name\":\"config\",", "{\"name\":\"\",", "fingerprints[0].name: 0 bytes long, not 1..4095" },
	{ "\"store\":{\"alone\":false}", "\"store\":{\"alone\":false,\"deep\":[[[[[[[[1]]]]]]]]}",
	  "not JSON: nesting too deep at offset 162" },
	{ "{\"node\"", "[{\"node\"", "not JSON: unexpected end at offset 590" },
};

static void
fleet_record_test_hostile(void **state)
{
	char *text;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hostile_edits) / sizeof(hostile_edits[0]); i++) {
		text = edit(example, hostile_edits[i][0], hostile_edits[i][1]);
		assert_refused(text, strlen(text), hostile_edits[i][2]);
		free(text);
	}
}

/* What is not one JSON object, or is one with something around it. */
static void
fleet_record_test_not_a_record(void **state)
{
	char big[64];

	(void)state;
	assert_refused("", 0, "not JSON: unexpected end at offset 0");
	assert_refused("{\"node\":", 8, "not JSON: unexpected end at offset 8");
	assert_refused("[]", 2, "an array, not a JSON object");
	assert_refused("\"gw1\"", 5, "a string, not a JSON object");
	assert_refused("{} {}", 5, "data after the JSON value at offset 3");
	assert_refused("{}\n\t x", 6, "data after the JSON value at offset 5");
	assert_refused("{}\0{}", 5, "a NUL byte at offset 2");
	assert_refused("{}", 2, "record: missing \"node\"");
	/* LEN bounds the text: what follows it is not read. */
	assert_refused("{}xyz", 2, "record: missing \"node\"");
	snprintf(big, sizeof(big), "%zu bytes, more than %d", (size_t)4 * 1024 * 1024 + 1, 4 * 1024 * 1024);
	assert_refused("{}", (size_t)4 * 1024 * 1024 + 1, big);
}

/* Lists are bounded: 1024 entries pass, 1025 do not. */
static void
fleet_record_test_list_bound(void **state)
{
	struct fleet_record r;
	size_t n, i, len;
	char *text, err[256];
	FILE *f;

	(void)state;
	for (n = 1024; n <= 1025; n++) {
		f = open_memstream(&text, &len);
		fputs("{\"node\":\"gw1\",\"version\":\"\",\"updated\":0,\"last_change\":0,"
		      "\"router\":{\"kind\":\"bird\",\"reachable\":true},\"store\":{\"alone\":false},\"services\":[", f);
		for (i = 0; i < n; i++)
			fprintf(f, "%s{\"name\":\"s%zu\",\"verdict\":\"up\",\"reason\":\"\"}", i ? "," : "", i);
		fputs("],\"prefixes\":[],\"fingerprints\":[]}", f);
		fclose(f);
		if (n == 1024) {
			assert_int_equal(fleet_record_decode(text, len, &r, err, sizeof(err)), 0);
			assert_int_equal(r.n_services, 1024);
			assert_string_equal(r.services[1023].name, "s1023");
			fleet_record_clear(&r);
		} else {
			assert_refused(text, len, "services: 1025 entries, more than 1024");
		}
		free(text);
	}
}

/* A short error buffer gets a cut, terminated reason; none at all is fine. */
static void
fleet_record_test_short_err(void **state)
{
	struct fleet_record r;
	char err[8];

	(void)state;
	assert_int_equal(fleet_record_decode("[]", 2, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "an arra");
	assert_int_equal(fleet_record_decode("[]", 2, &r, NULL, 0), -1);
	assert_int_equal(fleet_record_decode(example, strlen(example), &r, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	fleet_record_clear(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fleet_record_test_encode_exact),
		cmocka_unit_test(fleet_record_test_round_trip),
		cmocka_unit_test(fleet_record_test_times),
		cmocka_unit_test(fleet_record_test_unknown_fields),
		cmocka_unit_test(fleet_record_test_without_carried),
		cmocka_unit_test(fleet_record_test_hostile),
		cmocka_unit_test(fleet_record_test_not_a_record),
		cmocka_unit_test(fleet_record_test_list_bound),
		cmocka_unit_test(fleet_record_test_short_err),
	};

	return cmocka_run_group_tests_name("fleet_record", tests, NULL, NULL);
}
