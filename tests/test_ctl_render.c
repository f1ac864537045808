/*
 * test_ctl_render.c - anycast-healthctl's tables from JSON fixtures.
 *
 * Each golden case renders tests/ctl/NAME.json (as GET /v1/status or
 * /v1/history would send it) at a fixed clock and compares the text with
 * tests/ctl/NAME.out.  After a deliberate change of the layout, regenerate
 * the golden files with CTL_GOLDEN_UPDATE=1 ./tests/test_ctl_render and
 * review the diff.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "ctl_render.h"

/* The fixtures' "now": 2026-11-23T23:12:03Z. */
#define FIXTURE_NOW 1795475523.0

static char *
fixture_path(const char *name)
{
	const char *top = getenv("top_srcdir");
	char *path;

	assert_true(asprintf(&path, "%s/tests/ctl/%s", top != NULL ? top : ".", name) > 0);
	return path;
}

static struct json_object *
fixture_json(const char *name)
{
	char *path = fixture_path(name);
	struct json_object *o = json_object_from_file(path);

	if (o == NULL)
		fail_msg("cannot read %s: %s", path, json_util_get_last_err());
	free(path);
	return o;
}

static char *
fixture_text(const char *name)
{
	char *path = fixture_path(name), *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r"), *m = open_memstream(&buf, &len);
	int ch;

	if (f == NULL)
		fail_msg("cannot read %s (CTL_GOLDEN_UPDATE=1 creates it)", path);
	while ((ch = fgetc(f)) != EOF)
		fputc(ch, m);
	fclose(f);
	fclose(m);
	free(path);
	return buf;
}

/* Compare with tests/ctl/NAME, or rewrite it under CTL_GOLDEN_UPDATE. */
static void
golden_check(const char *name, const char *text)
{
	char *want;

	if (getenv("CTL_GOLDEN_UPDATE") != NULL) {
		char *path = fixture_path(name);
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(text, f);
		fclose(f);
		free(path);
		return;
	}
	want = fixture_text(name);
	assert_string_equal(text, want);
	free(want);
}

/* Capture what a renderer writes. */
struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *
capture_start(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	return c->f;
}

static char *
capture_end(struct capture *c)
{
	fclose(c->f);
	return c->buf;
}

static const struct ctl_render_opts plain = { .color = false, .now = FIXTURE_NOW };
static const struct ctl_render_opts colored = { .color = true, .now = FIXTURE_NOW };
static const struct ctl_render_opts no_clock = { .color = false, .now = 0 };

static void
status_golden(const char *json, const char *out, const struct ctl_render_opts *o, int want)
{
	struct json_object *doc = fixture_json(json);
	struct capture c;
	char *text;

	assert_int_equal(ctl_render_status(capture_start(&c), doc, o), want);
	text = capture_end(&c);
	golden_check(out, text);
	assert_int_equal(ctl_status_verdict(doc), want);
	free(text);
	json_object_put(doc);
}

static void
ctl_render_test_status_healthy(void **state)
{
	(void)state;
	status_golden("status-healthy.json", "status-healthy.out", &plain, CTL_EXIT_OK);
}

static void
ctl_render_test_status_degraded(void **state)
{
	(void)state;
	status_golden("status-degraded.json", "status-degraded.out", &plain, CTL_EXIT_DEGRADED);
}

static void
ctl_render_test_status_color(void **state)
{
	(void)state;
	status_golden("status-healthy.json", "status-healthy-color.out", &colored, CTL_EXIT_OK);
}

/* keepalived: the VRRP column in place of CARRIED, each instance's state. */
static void
ctl_render_test_status_keepalived(void **state)
{
	(void)state;
	status_golden("status-keepalived.json", "status-keepalived.out", &plain, CTL_EXIT_OK);
}

/* A prefix no established BGP session carries: its CARRIED cell, the "!"
 * line naming every session with its state, exit 1. */
static void
ctl_render_test_status_uncarried(void **state)
{
	(void)state;
	status_golden("status-uncarried.json", "status-uncarried.out", &plain, CTL_EXIT_DEGRADED);
}

/* Uncarried with no session at all (every BGP protocol removed), and a
 * daemon too old to say: no line, no column value. */
static void
ctl_render_test_status_uncarried_no_sessions(void **state)
{
	static const char *const docs[] = {
		"{\"router\": {\"reachable\": true, \"sessions\": []}, \"services\": [],"
		" \"prefixes\": [{\"prefix\": \"192.0.2.1/32\", \"desired\": \"announced\","
		" \"actual\": \"announced\", \"sessions\": [], \"carried\": 0, \"uncarried\": true}]}",
		"{\"router\": {\"reachable\": true}, \"services\": [],"
		" \"prefixes\": [{\"prefix\": \"192.0.2.1/32\", \"desired\": \"announced\","
		" \"actual\": \"announced\"}]}",
	};
	struct capture c;
	char *text;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct json_object *doc = json_tokener_parse(docs[i]);

		assert_non_null(doc);
		assert_int_equal(ctl_render_status(capture_start(&c), doc, &no_clock),
				 i == 0 ? CTL_EXIT_DEGRADED : CTL_EXIT_OK);
		text = capture_end(&c);
		if (i == 0) {
			assert_non_null(strstr(text, "\n192.0.2.1/32  announced  announced  0/0 "));
			assert_non_null(strstr(text, "! 192.0.2.1/32: wanted announced, carried by no "
					       "established BGP session (no BGP session)\n"));
		} else {
			assert_non_null(strstr(text, "\n192.0.2.1/32  announced  announced  -  "));
			assert_null(strstr(text, "carried by no"));
		}
		free(text);
		json_object_put(doc);
	}
}

/* The fleet check flags a gateway with an uncarried prefix, exit 1. */
static void
ctl_render_test_fleet_uncarried(void **state)
{
	struct json_object *gw1 = fixture_json("status-uncarried.json");
	struct json_object *gw2 = fixture_json("fleet-gw2.json");
	const struct ctl_fleet_gateway gw[] = {
		{ .url = "http://gw1:9180", .status = gw1 },
		{ .url = "http://gw2:9180", .status = gw2 },
	};
	struct capture c;
	char *text;

	(void)state;
	assert_int_equal(ctl_render_fleet(capture_start(&c), gw, 2, &plain), CTL_EXIT_DEGRADED);
	text = capture_end(&c);
	assert_string_equal(text,
		"GATEWAY          HOST  ROUTER     SERVICES  192.0.2.1/32          2001:db8::1/128\n"
		"http://gw1:9180  gw1   reachable  1/1 UP    announced, 1 session  announced, 0 sessions\n"
		"http://gw2:9180  gw2   reachable  1/1 UP    announced             degraded\n"
		"\n"
		"! http://gw1:9180: 2001:db8::1/128: wanted announced, carried by no established BGP "
		"session (uppeer: Active, up2: Established)\n"
		"fleet: 2 gateways, 0 unreachable, 0 prefixes in disagreement, 1 uncarried\n");
	free(text);
	json_object_put(gw1);
	json_object_put(gw2);
}

/* With a fleet: the fleet line, held prefixes, the store and drift. */
static void
ctl_render_test_status_fleet(void **state)
{
	(void)state;
	status_golden("status-fleet-held.json", "status-fleet-held.out", &plain, CTL_EXIT_DEGRADED);
}

/* The store unreachable says it all; "deciding alone" only while it answers. */
static void
ctl_render_test_status_fleet_alone(void **state)
{
	static const char *const docs[] = {
		"{\"router\": {\"reachable\": true}, \"services\": [], \"prefixes\": [],"
		" \"fleet\": {\"name\": \"lab\", \"node\": \"gw1\", \"alone\": true, \"drift\": [],"
		"  \"store\": {\"reachable\": false, \"endpoint\": \"http://e:2379\", \"why\": \"timeout\","
		"   \"since\": \"2026-11-23T23:11:21Z\"}}}",
		"{\"router\": {\"reachable\": true}, \"services\": [], \"prefixes\": [],"
		" \"fleet\": {\"name\": \"lab\", \"node\": \"gw1\", \"alone\": true, \"drift\": [],"
		"  \"store\": {\"reachable\": true, \"endpoint\": \"http://e:2379\", \"since\": 1795475481}}}",
	};
	static const char *const want[] = {
		"! fleet store unreachable (http://e:2379: timeout)\n",
		"! fleet: deciding alone (on-store-loss)\n",
	};
	struct capture c;
	char *text;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct json_object *doc = json_tokener_parse(docs[i]);

		assert_non_null(doc);
		assert_int_equal(ctl_render_status(capture_start(&c), doc, &no_clock), CTL_EXIT_DEGRADED);
		text = capture_end(&c);
		assert_non_null(strstr(text, want[i]));
		assert_null(strstr(text, want[1 - i]));
		assert_non_null(strstr(text, ", deciding alone\n"));
		assert_non_null(strstr(text, i == 0 ? "unreachable since 2026-11-23T23:11:21Z, deciding alone\n" :
				       "reachable since 2026-11-23T23:11:21Z, deciding alone\n"));
		free(text);
		json_object_put(doc);
	}
}

/* Without a clock the times are printed as received. */
static void
ctl_render_test_status_no_clock(void **state)
{
	(void)state;
	status_golden("status-degraded.json", "status-degraded-noclock.out", &no_clock,
		      CTL_EXIT_DEGRADED);
}

static void
ctl_render_test_status_malformed(void **state)
{
	struct json_object *doc = fixture_json("status-malformed.json");
	struct json_object *arr = json_object_new_array();
	struct capture c;
	char *text;

	(void)state;
	assert_int_equal(ctl_render_status(capture_start(&c), doc, &plain), -1);
	text = capture_end(&c);
	assert_string_equal(text, "");
	free(text);
	assert_int_equal(ctl_status_verdict(doc), -1);
	assert_int_equal(ctl_status_verdict(arr), -1);
	assert_int_equal(ctl_status_verdict(NULL), -1);
	json_object_put(doc);
	json_object_put(arr);
}

/* Desired announced but read back otherwise is not healthy either. */
static void
ctl_render_test_verdict_readback(void **state)
{
	struct json_object *doc = json_tokener_parse(
		"{\"router\": {\"reachable\": true}, \"services\": [{\"name\": \"pptp\", \"state\": \"UP\"}],"
		" \"prefixes\": [{\"prefix\": \"192.0.2.1/32\", \"desired\": \"announced\","
		" \"actual\": \"withdrawn\"}]}");
	struct capture c;
	char *text;

	(void)state;
	assert_non_null(doc);
	assert_int_equal(ctl_status_verdict(doc), CTL_EXIT_DEGRADED);
	assert_int_equal(ctl_render_status(capture_start(&c), doc, &plain), CTL_EXIT_DEGRADED);
	text = capture_end(&c);
	assert_non_null(strstr(text, "! prefix 192.0.2.1/32 reads back withdrawn, wanted announced\n"));
	/* Missing members are shown as "-", not refused. */
	assert_non_null(strstr(text, "-: anycast-healthd -\n"));
	free(text);
	json_object_put(doc);
}

static void
ctl_render_test_history(void **state)
{
	struct json_object *doc = fixture_json("history.json");
	struct capture c;
	char *text;

	(void)state;
	assert_int_equal(ctl_render_history(capture_start(&c), doc, &plain), 0);
	text = capture_end(&c);
	golden_check("history.out", text);
	free(text);
	json_object_put(doc);
}

static void
ctl_render_test_history_empty(void **state)
{
	struct json_object *doc = fixture_json("history-empty.json");
	struct json_object *bad = json_tokener_parse("{\"event\": []}");
	struct capture c;
	char *text;

	(void)state;
	assert_int_equal(ctl_render_history(capture_start(&c), doc, &plain), 0);
	text = capture_end(&c);
	assert_string_equal(text, "no events\n");
	free(text);
	assert_int_equal(ctl_render_history(capture_start(&c), bad, &plain), -1);
	free(capture_end(&c));
	json_object_put(doc);
	json_object_put(bad);
}

/* An admin answer's prefixes: the drain's time left. */
static void
ctl_render_test_prefixes_admin(void **state)
{
	struct json_object *doc = fixture_json("admin-drain.json"), *prefixes;
	struct capture c;
	char *text;

	(void)state;
	assert_true(json_object_object_get_ex(doc, "prefixes", &prefixes));
	assert_int_equal(ctl_render_prefixes(capture_start(&c), prefixes, &plain), 0);
	text = capture_end(&c);
	golden_check("admin-drain.out", text);
	free(text);
	assert_int_equal(ctl_render_prefixes(capture_start(&c), doc, &plain), -1);
	free(capture_end(&c));
	json_object_put(doc);
}

static void
ctl_render_test_fleet_disagree(void **state)
{
	struct json_object *gw1 = fixture_json("status-healthy.json");
	struct json_object *gw2 = fixture_json("fleet-gw2.json");
	struct json_object *gw3 = fixture_json("fleet-gw3.json");
	const struct ctl_fleet_gateway gw[] = {
		{ .url = "http://gw1:9180", .status = gw1 },
		{ .url = "http://gw2:9180", .status = gw2 },
		{ .url = "http://gw3:9180", .status = gw3 },
		{ .url = "http://gw4:9180", .error = "Could not connect to server" },
	};
	struct capture c;
	char *text;

	(void)state;
	assert_int_equal(ctl_render_fleet(capture_start(&c), gw, 4, &plain), CTL_EXIT_DEGRADED);
	text = capture_end(&c);
	golden_check("fleet-disagree.out", text);
	free(text);
	json_object_put(gw1);
	json_object_put(gw2);
	json_object_put(gw3);
}

/* degraded counts as announced: gw1 and gw2 agree. */
static void
ctl_render_test_fleet_agree(void **state)
{
	struct json_object *gw1 = fixture_json("status-healthy.json");
	struct json_object *gw2 = fixture_json("fleet-gw2.json");
	const struct ctl_fleet_gateway gw[] = {
		{ .url = "http://gw1:9180", .status = gw1 },
		{ .url = "http://gw2:9180", .status = gw2 },
	};
	struct capture c;
	char *text;

	(void)state;
	assert_int_equal(ctl_render_fleet(capture_start(&c), gw, 2, &plain), CTL_EXIT_OK);
	text = capture_end(&c);
	assert_string_equal(text,
		"GATEWAY          HOST  ROUTER     SERVICES  192.0.2.1/32           2001:db8::1/128\n"
		"http://gw1:9180  gw1   reachable  1/1 UP    announced, 2 sessions  announced, 1 session\n"
		"http://gw2:9180  gw2   reachable  1/1 UP    announced              degraded\n"
		"\n"
		"fleet: 2 gateways agree on 2 prefixes\n");
	free(text);
	json_object_put(gw1);
	json_object_put(gw2);
}

static void
ctl_render_test_fleet_all_down(void **state)
{
	const struct ctl_fleet_gateway gw[] = {
		{ .url = "http://gw1:9180", .error = "Connection refused" },
		{ .url = "http://gw2:9180", .error = NULL },
	};
	struct capture c;
	char *text;

	(void)state;
	assert_int_equal(ctl_render_fleet(capture_start(&c), gw, 2, &plain), CTL_EXIT_UNREACHABLE);
	text = capture_end(&c);
	assert_string_equal(text,
		"GATEWAY          HOST  ROUTER  SERVICES\n"
		"http://gw1:9180  -     -       unreachable\n"
		"http://gw2:9180  -     -       unreachable\n"
		"\n"
		"! http://gw1:9180: unreachable: Connection refused\n"
		"! http://gw2:9180: unreachable: no answer\n"
		"fleet: no gateway answered\n");
	free(text);
}

/* ---- the fleet view (GET /v1/fleet) ---- */

static void
fleet_view_golden(const char *json, const char *out, const char *const *expect, size_t n,
		  const struct ctl_render_opts *o, int want)
{
	struct json_object *doc = fixture_json(json);
	struct capture c;
	char *text;

	assert_int_equal(ctl_render_fleet_view(capture_start(&c), doc, expect, n, o), want);
	text = capture_end(&c);
	golden_check(out, text);
	free(text);
	json_object_put(doc);
}

static void
ctl_render_test_fleet_view_healthy(void **state)
{
	(void)state;
	fleet_view_golden("fleet-view-healthy.json", "fleet-view-healthy.out", NULL, 0, &plain,
			  CTL_EXIT_OK);
}

/* Every pptpd killed at once: gw1 holds both prefixes, the others left. */
static void
ctl_render_test_fleet_view_outage(void **state)
{
	(void)state;
	fleet_view_golden("fleet-view-outage.json", "fleet-view-outage.out", NULL, 0, &plain,
			  CTL_EXIT_DEGRADED);
}

static void
ctl_render_test_fleet_view_trouble(void **state)
{
	static const char *const expect[] = { "gw1", "gw2", "gw3", "gw5" };

	(void)state;
	fleet_view_golden("fleet-view-trouble.json", "fleet-view-trouble.out", expect, 4, &plain,
			  CTL_EXIT_DEGRADED);
	fleet_view_golden("fleet-view-trouble.json", "fleet-view-trouble-noclock.out", NULL, 0,
			  &no_clock, CTL_EXIT_DEGRADED);
}

/* Expected nodes that all have a record flag nothing; a missing one does. */
static void
ctl_render_test_fleet_view_expect(void **state)
{
	static const char *const all[] = { "gw3", "gw1", "gw2" };
	static const char *const more[] = { "gw1", "gw4" };
	struct json_object *doc = fixture_json("fleet-view-healthy.json");
	struct capture c;
	char *text;

	(void)state;
	assert_int_equal(ctl_render_fleet_view(capture_start(&c), doc, all, 3, &plain), CTL_EXIT_OK);
	free(capture_end(&c));
	assert_int_equal(ctl_render_fleet_view(capture_start(&c), doc, more, 2, &plain),
			 CTL_EXIT_DEGRADED);
	text = capture_end(&c);
	assert_non_null(strstr(text, "\n! gw4: missing: expected, but no record in the store "
			       "(daemon stopped, or its lease expired)\n"));
	assert_non_null(strstr(text, "fleet lab: 3 gateways, 2 prefixes, 1 flagged\n"));
	free(text);
	json_object_put(doc);
}

/* Held shows as "held" whatever it reads back while announced, and says
 * so when the router reads back something else; the min comes from the
 * view's prefix. */
static void
ctl_render_test_fleet_view_held(void **state)
{
	struct json_object *doc = json_tokener_parse(
		"{\"fleet\": \"f\", \"node\": \"a\", \"revision\": \"9\","
		" \"store\": {\"reachable\": true, \"endpoint\": \"http://e:2379\"},"
		" \"gateways\": [{\"node\": \"a\", \"router\": {\"kind\": \"bird\", \"reachable\": true},"
		"   \"prefixes\": [{\"prefix\": \"p\", \"desired\": \"held\", \"actual\": \"withdrawn\"}]},"
		"  {\"node\": \"b\", \"router\": {\"kind\": \"frr\", \"reachable\": true},"
		"   \"prefixes\": [{\"prefix\": \"p\", \"desired\": \"withdrawn\", \"actual\": \"withdrawn\","
		"    \"held\": true}]}],"
		" \"prefixes\": [{\"prefix\": \"p\", \"min_announcers\": 2,"
		"   \"announcers\": [{\"node\": \"a\", \"state\": \"held\"}]}]}");
	struct capture c;
	char *text;

	(void)state;
	assert_non_null(doc);
	assert_int_equal(ctl_render_fleet_view(capture_start(&c), doc, NULL, 0, &no_clock),
			 CTL_EXIT_DEGRADED);
	text = capture_end(&c);
	assert_string_equal(text,
		"fleet f, seen from a at revision 9; store http://e:2379 reachable since -\n"
		"\n"
		"NODE  ROUTER          SERVICES  p                      CHANGED\n"
		"a     bird reachable  0/0 up    held, reads withdrawn  -\n"
		"b     frr reachable   0/0 up    held, reads withdrawn  -\n"
		"\n"
		"! p: held by the fleet guard on a, b (min-announcers 2)\n"
		"fleet f: 2 gateways, 1 prefix, 1 flagged\n");
	free(text);
	json_object_put(doc);
}

/* Not a fleet view: -1 and nothing printed; a bare one renders. */
static void
ctl_render_test_fleet_view_malformed(void **state)
{
	struct json_object *status = fixture_json("status-healthy.json");
	struct json_object *bare = json_tokener_parse("{\"gateways\": []}");
	struct json_object *wrong = json_tokener_parse("{\"gateways\": {}}");
	struct capture c;
	char *text;

	(void)state;
	assert_int_equal(ctl_render_fleet_view(capture_start(&c), status, NULL, 0, &plain), -1);
	text = capture_end(&c);
	assert_string_equal(text, "");
	free(text);
	assert_int_equal(ctl_render_fleet_view(capture_start(&c), wrong, NULL, 0, &plain), -1);
	free(capture_end(&c));
	assert_int_equal(ctl_render_fleet_view(capture_start(&c), NULL, NULL, 0, &plain), -1);
	free(capture_end(&c));
	/* No store member: the store counts as unreachable, and says so. */
	assert_int_equal(ctl_render_fleet_view(capture_start(&c), bare, NULL, 0, &plain),
			 CTL_EXIT_DEGRADED);
	text = capture_end(&c);
	assert_non_null(strstr(text, "! store unreachable from - since - (-: -)"));
	free(text);
	json_object_put(status);
	json_object_put(bare);
	json_object_put(wrong);
}

/* Every member of the wrong type (a newer or broken daemon): "-" cells,
 * never a crash; a gateway that is not an object still gets its row. */
static void
ctl_render_test_fleet_view_mistyped(void **state)
{
	struct json_object *doc = json_tokener_parse(
		"{\"fleet\": 1, \"node\": [], \"revision\": 4711, \"store\": \"up\","
		" \"gateways\": [7, {\"node\": 2, \"router\": [], \"services\": {},"
		"   \"prefixes\": [1, {\"prefix\": \"p\", \"held\": \"yes\", \"desired\": 3}],"
		"   \"fingerprints\": [{\"name\": \"config\", \"hmac\": 5}], \"drift\": \"config\","
		"   \"last_change\": \"now\"}],"
		" \"prefixes\": [{\"prefix\": \"p\", \"announcers\": [{\"node\": \"x\"}, 3],"
		"   \"disagree\": 1}],"
		" \"drift\": [{\"name\": \"config\", \"majority\": 3, \"differ\": [1, \"z\"]}, 5]}");
	struct capture c;
	char *text;

	(void)state;
	assert_non_null(doc);
	assert_int_equal(ctl_render_fleet_view(capture_start(&c), doc, NULL, 0, &plain),
			 CTL_EXIT_DEGRADED);
	text = capture_end(&c);
	assert_string_equal(text,
		"fleet -, seen from - at revision -; store - unreachable since -\n"
		"\n"
		"NODE  ROUTER         SERVICES  p  config  CHANGED\n"
		"-     - unreachable  0/0 up    -  -       -\n"
		"-     - unreachable  0/0 up    -  -       -\n"
		"\n"
		"! store unreachable from - since - (-: -): this view is the store as of revision -\n"
		"! x: announces p but has no gateway record\n"
		"! -: router - unreachable\n"
		"! -: does not carry p\n"
		"! -: router - unreachable\n"
		"! config: no majority in the fleet; differing: z\n"
		"fleet -: 2 gateways, 1 prefix, 6 flagged\n");
	free(text);
	json_object_put(doc);
}

static void
ctl_render_test_fingerprint(void **state)
{
	char buf[32];

	(void)state;
	ctl_render_fingerprint(buf, sizeof(buf),
			       "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	assert_string_equal(buf, "9f86d081");
	ctl_render_fingerprint(buf, sizeof(buf), "absent");
	assert_string_equal(buf, "absent");
	ctl_render_fingerprint(buf, sizeof(buf), "unreadable");
	assert_string_equal(buf, "unreadable");
	/* Not 64 hex digits: shown as is, cut at 16. */
	ctl_render_fingerprint(buf, sizeof(buf), "9f86d081884c7d65");
	assert_string_equal(buf, "9f86d081884c7d65");
	ctl_render_fingerprint(buf, sizeof(buf),
			       "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08ff");
	assert_string_equal(buf, "9f86d081884c7d65");
	ctl_render_fingerprint(buf, sizeof(buf), NULL);
	assert_string_equal(buf, "-");
}

static void
ctl_render_test_age(void **state)
{
	char buf[32];

	(void)state;
	ctl_render_age(buf, sizeof(buf), -5);
	assert_string_equal(buf, "0s");
	ctl_render_age(buf, sizeof(buf), 59.9);
	assert_string_equal(buf, "59s");
	ctl_render_age(buf, sizeof(buf), 123.4);
	assert_string_equal(buf, "2m03s");
	ctl_render_age(buf, sizeof(buf), 3 * 3600 + 125);
	assert_string_equal(buf, "3h02m");
	ctl_render_age(buf, sizeof(buf), 2 * 86400 + 3 * 3600 + 59);
	assert_string_equal(buf, "2d03h");
}

static void
ctl_render_test_parse_time(void **state)
{
	(void)state;
	assert_true(ctl_render_parse_time("2026-11-23T23:12:03Z") == FIXTURE_NOW);
	assert_true(ctl_render_parse_time("2026-11-23T23:12:03.250Z") == FIXTURE_NOW);
	assert_true(ctl_render_parse_time("1970-01-01T00:00:00Z") == 0);
	assert_true(ctl_render_parse_time("2026-11-23T23:12:03+01:00") < 0);
	assert_true(ctl_render_parse_time("2026-11-23") < 0);
	assert_true(ctl_render_parse_time("") < 0);
	assert_true(ctl_render_parse_time(NULL) < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ctl_render_test_status_healthy),
		cmocka_unit_test(ctl_render_test_status_degraded),
		cmocka_unit_test(ctl_render_test_status_uncarried),
		cmocka_unit_test(ctl_render_test_status_keepalived),
		cmocka_unit_test(ctl_render_test_status_uncarried_no_sessions),
		cmocka_unit_test(ctl_render_test_status_color),
		cmocka_unit_test(ctl_render_test_status_no_clock),
		cmocka_unit_test(ctl_render_test_status_fleet),
		cmocka_unit_test(ctl_render_test_status_fleet_alone),
		cmocka_unit_test(ctl_render_test_status_malformed),
		cmocka_unit_test(ctl_render_test_verdict_readback),
		cmocka_unit_test(ctl_render_test_history),
		cmocka_unit_test(ctl_render_test_history_empty),
		cmocka_unit_test(ctl_render_test_prefixes_admin),
		cmocka_unit_test(ctl_render_test_fleet_disagree),
		cmocka_unit_test(ctl_render_test_fleet_agree),
		cmocka_unit_test(ctl_render_test_fleet_uncarried),
		cmocka_unit_test(ctl_render_test_fleet_all_down),
		cmocka_unit_test(ctl_render_test_fleet_view_healthy),
		cmocka_unit_test(ctl_render_test_fleet_view_outage),
		cmocka_unit_test(ctl_render_test_fleet_view_trouble),
		cmocka_unit_test(ctl_render_test_fleet_view_expect),
		cmocka_unit_test(ctl_render_test_fleet_view_held),
		cmocka_unit_test(ctl_render_test_fleet_view_malformed),
		cmocka_unit_test(ctl_render_test_fleet_view_mistyped),
		cmocka_unit_test(ctl_render_test_fingerprint),
		cmocka_unit_test(ctl_render_test_age),
		cmocka_unit_test(ctl_render_test_parse_time),
	};

	return cmocka_run_group_tests_name("ctl_render", tests, NULL, NULL);
}
