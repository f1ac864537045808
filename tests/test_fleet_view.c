/*
 * test_fleet_view.c - cmocka tests of fleet_view.c with plain records:
 * majority and drift (one gateway of three, a 2-2 tie, no majority at all,
 * "absent" as a value, gateways that do not publish a name), disagreement
 * about a prefix, and the exact /v1/fleet body.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/fleet_view.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HEX_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define CHAP "/etc/ppp/chap-secrets"
#define P1 "192.0.2.1/32"

/* One gateway's record and what it points to. */
struct gw {
	struct fleet_record r;
	struct fleet_record_service svc;
	struct fleet_record_prefix pfx;
	struct fleet_record_fingerprint fp[2];
};

/* A gateway with service pptp `verdict`, prefix P1 `desired`/`actual`, and
 * fingerprints config (the same everywhere) and, unless NULL, CHAP. */
static void
gw_init(struct gw *g, const char *node, const char *verdict, const char *desired, const char *actual,
	const char *chap)
{
	memset(g, 0, sizeof(*g));
	g->svc = (struct fleet_record_service){ "pptp", (char *)(uintptr_t)verdict, "ok" };
	g->pfx = (struct fleet_record_prefix){ P1, (char *)(uintptr_t)desired, (char *)(uintptr_t)actual,
					       strcmp(desired, "held") == 0, 1, 100, false, 0, false };
	g->fp[0] = (struct fleet_record_fingerprint){ "config", HEX_A };
	g->fp[1] = (struct fleet_record_fingerprint){ CHAP, (char *)(uintptr_t)chap };
	g->r.node = (char *)(uintptr_t)node;
	g->r.version = "0.9.0";
	g->r.updated = 200;
	g->r.last_change = 100;
	g->r.router_kind = "bird";
	g->r.router_reachable = true;
	g->r.services = &g->svc;
	g->r.n_services = 1;
	g->r.prefixes = &g->pfx;
	g->r.n_prefixes = 1;
	g->r.fingerprints = g->fp;
	g->r.n_fingerprints = chap != NULL ? 2 : 1;
}

/* The records of `n` gateways, side by side as fleet.c hands them. */
static struct fleet_record *
records(struct gw *g, size_t n)
{
	struct fleet_record *recs = calloc(n, sizeof(*recs));
	size_t i;

	assert_non_null(recs);
	for (i = 0; i < n; i++)
		recs[i] = g[i].r;
	return recs;
}

static void
fleet_view_test_one_drifted(void **state)
{
	struct gw g[3];
	struct fleet_record *recs;

	(void)state;
	gw_init(&g[0], "gw1", "up", "announced", "announced", HEX_A);
	gw_init(&g[1], "gw2", "up", "announced", "announced", HEX_B);
	gw_init(&g[2], "gw3", "up", "announced", "announced", HEX_A);
	recs = records(g, 3);
	assert_false(fleet_view_drifted(recs, 3, "gw1", CHAP));
	assert_true(fleet_view_drifted(recs, 3, "gw2", CHAP));
	assert_false(fleet_view_drifted(recs, 3, "gw3", CHAP));
	assert_false(fleet_view_drifted(recs, 3, "gw2", "config"));
	assert_false(fleet_view_drifted(recs, 3, "gw9", CHAP));		/* no such gateway */
	assert_false(fleet_view_drifted(recs, 3, "gw2", "/etc/pptpd.conf"));	/* not published */
	free(recs);
}

/* 2-2: no value is the fleet's, so every gateway is flagged. */
static void
fleet_view_test_tie(void **state)
{
	struct gw g[4];
	struct fleet_record *recs;
	struct json_object *v, *drift, *d;
	size_t i;

	(void)state;
	gw_init(&g[0], "gw1", "up", "announced", "announced", HEX_A);
	gw_init(&g[1], "gw2", "up", "announced", "announced", HEX_B);
	gw_init(&g[2], "gw3", "up", "announced", "announced", HEX_B);
	gw_init(&g[3], "gw4", "up", "announced", "announced", HEX_A);
	recs = records(g, 4);
	for (i = 0; i < 4; i++)
		assert_true(fleet_view_drifted(recs, 4, g[i].r.node, CHAP));
	assert_false(fleet_view_drifted(recs, 4, "gw1", "config"));

	v = fleet_view_json("lab", "gw1", NULL, recs, 4, NULL, 0);
	drift = json_object_object_get(v, "drift");
	assert_int_equal(json_object_array_length(drift), 1);
	d = json_object_array_get_idx(drift, 0);
	assert_string_equal(json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	    "{\"name\":\"" CHAP "\",\"majority\":null,\"differ\":[\"gw1\",\"gw2\",\"gw3\",\"gw4\"]}");
	json_object_put(v);

	/* Two gateways that differ: a tie too. */
	assert_true(fleet_view_drifted(recs, 2, "gw1", CHAP));
	assert_true(fleet_view_drifted(recs, 2, "gw2", CHAP));
	free(recs);
}

/* Three values among three: no majority either. */
static void
fleet_view_test_no_majority(void **state)
{
	struct gw g[3];
	struct fleet_record *recs;

	(void)state;
	gw_init(&g[0], "gw1", "up", "announced", "announced", HEX_A);
	gw_init(&g[1], "gw2", "up", "announced", "announced", HEX_B);
	gw_init(&g[2], "gw3", "up", "announced", "announced", HEX_C);
	recs = records(g, 3);
	assert_true(fleet_view_drifted(recs, 3, "gw1", CHAP));
	assert_true(fleet_view_drifted(recs, 3, "gw2", CHAP));
	assert_true(fleet_view_drifted(recs, 3, "gw3", CHAP));
	/* One gateway alone is its own majority. */
	assert_false(fleet_view_drifted(recs, 1, "gw1", CHAP));
	free(recs);
}

/* A missing file is a value: the one gateway that has it differs. */
static void
fleet_view_test_absent_is_a_value(void **state)
{
	struct gw g[3];
	struct fleet_record *recs;

	(void)state;
	gw_init(&g[0], "gw1", "up", "announced", "announced", HEX_A);
	gw_init(&g[1], "gw2", "up", "announced", "announced", "absent");
	gw_init(&g[2], "gw3", "up", "announced", "announced", "absent");
	recs = records(g, 3);
	assert_true(fleet_view_drifted(recs, 3, "gw1", CHAP));
	assert_false(fleet_view_drifted(recs, 3, "gw2", CHAP));
	free(recs);
}

/* A gateway that does not publish a name neither drifts nor counts. */
static void
fleet_view_test_not_published(void **state)
{
	struct gw g[4];
	struct fleet_record *recs;

	(void)state;
	gw_init(&g[0], "gw1", "up", "announced", "announced", HEX_A);
	gw_init(&g[1], "gw2", "up", "announced", "announced", HEX_A);
	gw_init(&g[2], "gw3", "up", "announced", "announced", HEX_B);
	gw_init(&g[3], "gw4", "up", "announced", "announced", NULL);
	recs = records(g, 4);
	/* A, A, B among the three that publish it: 2 of 3 is a majority. */
	assert_true(fleet_view_drifted(recs, 4, "gw3", CHAP));
	assert_false(fleet_view_drifted(recs, 4, "gw1", CHAP));
	assert_false(fleet_view_drifted(recs, 4, "gw4", CHAP));
	/* A, B and gw4 (at index 3) without it: a tie of the two that publish. */
	recs[1] = g[3].r;
	assert_true(fleet_view_drifted(recs, 3, "gw1", CHAP));
	assert_false(fleet_view_drifted(recs, 3, "gw4", CHAP));
	free(recs);
}

/* The "disagree" of P1 in the view of these records. */
static bool
disagree(struct gw *g, size_t n)
{
	struct fleet_record *recs = records(g, n);
	struct json_object *v = fleet_view_json("lab", "gw1", NULL, recs, n, NULL, 0), *p;
	bool d;

	p = json_object_array_get_idx(json_object_object_get(v, "prefixes"), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(p, "prefix")), P1);
	d = json_object_get_boolean(json_object_object_get(p, "disagree"));
	json_object_put(v);
	free(recs);
	return d;
}

static void
fleet_view_test_disagreement(void **state)
{
	struct gw g[3];

	(void)state;
	gw_init(&g[0], "gw1", "up", "announced", "announced", HEX_A);
	gw_init(&g[1], "gw2", "UP", "announced", "announced", HEX_A);
	gw_init(&g[2], "gw3", "up", "announced", "announced", HEX_A);
	assert_false(disagree(g, 3));

	/* A healthy gateway that wants it withdrawn (maintenance) while the others announce. */
	gw_init(&g[2], "gw3", "up", "withdrawn", "withdrawn", HEX_A);
	assert_true(disagree(g, 3));

	/* A failed gateway withdrawing, or held by the guard, agrees. */
	gw_init(&g[2], "gw3", "down", "withdrawn", "withdrawn", HEX_A);
	assert_false(disagree(g, 3));
	gw_init(&g[2], "gw3", "down", "held", "degraded", HEX_A);
	assert_false(disagree(g, 3));
	gw_init(&g[2], "gw3", "DOWN", "held", "announced", HEX_A);
	assert_false(disagree(g, 3));

	/* A router that does not hold what its gateway wants. */
	gw_init(&g[2], "gw3", "down", "held", "withdrawn", HEX_A);
	assert_true(disagree(g, 3));
	gw_init(&g[2], "gw3", "up", "announced", "announced", HEX_A);
	gw_init(&g[0], "gw1", "up", "announced", "unknown", HEX_A);
	assert_true(disagree(g, 3));
}

/* The whole body, exactly: docs/api.md shows this shape. */
static void
fleet_view_test_json_exact(void **state)
{
	struct gw g[2];
	struct fleet_record *recs;
	const struct fleet_announcer ann[] = {
		{ "198.51.100.1/32", "gw2", "announced" },
		{ P1, "gw2", "held" },
		{ P1, "gw1", "announced" },
	};
	const struct fleet_view_store store = { true, "http://10.0.0.1:2379", "", 1764672000.5, 123 };
	struct json_object *v;

	(void)state;
	/* Given out of node order: the view sorts. */
	gw_init(&g[0], "gw2", "down", "held", "degraded", HEX_B);
	g[0].pfx.min_announcers = 2;
	gw_init(&g[1], "gw1", "up", "announced", "announced", HEX_A);
	g[1].pfx.carried_known = true;	/* no established session carries it */
	g[1].pfx.uncarried = true;
	recs = records(g, 2);
	v = fleet_view_json("lab", "gw1", &store, recs, 2, ann, 3);
	assert_string_equal(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	    "{\"fleet\":\"lab\",\"node\":\"gw1\",\"revision\":\"123\","
	    "\"store\":{\"reachable\":true,\"endpoint\":\"http://10.0.0.1:2379\",\"since\":1764672000.5,\"why\":\"\"},"
	    "\"gateways\":["
	    "{\"node\":\"gw1\",\"version\":\"0.9.0\",\"updated\":200.0,\"last_change\":100.0,"
	    "\"router\":{\"kind\":\"bird\",\"reachable\":true},\"store\":{\"alone\":false},"
	    "\"services\":[{\"name\":\"pptp\",\"verdict\":\"up\",\"reason\":\"ok\"}],"
	    "\"prefixes\":[{\"prefix\":\"192.0.2.1/32\",\"desired\":\"announced\",\"actual\":\"announced\","
	    "\"held\":false,\"min_announcers\":1,\"since\":100.0,\"carried\":0,\"uncarried\":true}],"
	    "\"fingerprints\":[{\"name\":\"config\",\"hmac\":\"" HEX_A "\"},{\"name\":\"" CHAP "\",\"hmac\":\"" HEX_A "\"}],"
	    "\"drift\":[\"" CHAP "\"]},"
	    "{\"node\":\"gw2\",\"version\":\"0.9.0\",\"updated\":200.0,\"last_change\":100.0,"
	    "\"router\":{\"kind\":\"bird\",\"reachable\":true},\"store\":{\"alone\":false},"
	    "\"services\":[{\"name\":\"pptp\",\"verdict\":\"down\",\"reason\":\"ok\"}],"
	    "\"prefixes\":[{\"prefix\":\"192.0.2.1/32\",\"desired\":\"held\",\"actual\":\"degraded\","
	    "\"held\":true,\"min_announcers\":2,\"since\":100.0,\"carried\":null,\"uncarried\":false}],"
	    "\"fingerprints\":[{\"name\":\"config\",\"hmac\":\"" HEX_A "\"},{\"name\":\"" CHAP "\",\"hmac\":\"" HEX_B "\"}],"
	    "\"drift\":[\"" CHAP "\"]}],"
	    "\"prefixes\":["
	    "{\"prefix\":\"192.0.2.1/32\",\"min_announcers\":2,"
	    "\"announcers\":[{\"node\":\"gw1\",\"state\":\"announced\"},{\"node\":\"gw2\",\"state\":\"held\"}],"
	    "\"disagree\":false,\"uncarried\":[\"gw1\"]},"
	    "{\"prefix\":\"198.51.100.1/32\",\"min_announcers\":null,"
	    "\"announcers\":[{\"node\":\"gw2\",\"state\":\"announced\"}],\"disagree\":false,"
	    "\"uncarried\":[]}],"
	    "\"drift\":[{\"name\":\"" CHAP "\",\"majority\":null,\"differ\":[\"gw1\",\"gw2\"]}]}");
	json_object_put(v);
	free(recs);
}

/* A gateway that drifted shows it in its own entry and in the top-level list. */
static void
fleet_view_test_json_drift(void **state)
{
	struct gw g[3];
	struct fleet_record *recs;
	struct json_object *v, *gws;

	(void)state;
	gw_init(&g[0], "gw3", "up", "announced", "announced", HEX_B);
	gw_init(&g[1], "gw1", "up", "announced", "announced", HEX_A);
	gw_init(&g[2], "gw2", "up", "announced", "announced", HEX_A);
	recs = records(g, 3);
	v = fleet_view_json("lab", "gw2", NULL, recs, 3, NULL, 0);
	assert_string_equal(json_object_to_json_string_ext(json_object_object_get(v, "drift"),
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	    "[{\"name\":\"" CHAP "\",\"majority\":\"" HEX_A "\",\"differ\":[\"gw3\"]}]");
	gws = json_object_object_get(v, "gateways");
	assert_string_equal(json_object_to_json_string_ext(json_object_object_get(json_object_array_get_idx(gws, 0),
	    "drift"), JSON_C_TO_STRING_PLAIN), "[]");
	assert_string_equal(json_object_to_json_string_ext(json_object_object_get(json_object_array_get_idx(gws, 2),
	    "drift"), JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), "[\"" CHAP "\"]");
	assert_true(json_object_get_type(json_object_object_get(v, "store")) == json_type_null);
	assert_string_equal(json_object_get_string(json_object_object_get(v, "revision")), "0");
	json_object_put(v);
	free(recs);
}

/* Records fleet.c builds itself may hold NULL strings; no records at all is a view too. */
static void
fleet_view_test_sparse(void **state)
{
	struct fleet_record r[2];
	struct fleet_record_prefix p = { 0 };
	struct fleet_record_service s = { 0 };
	struct fleet_record_fingerprint f = { 0 };
	const struct fleet_announcer ann = { NULL, "gw1", NULL };
	struct json_object *v;

	(void)state;
	memset(r, 0, sizeof(r));
	r[0].prefixes = &p;
	r[0].n_prefixes = 1;
	r[0].services = &s;
	r[0].n_services = 1;
	r[1].fingerprints = &f;
	r[1].n_fingerprints = 1;
	v = fleet_view_json(NULL, NULL, NULL, r, 2, &ann, 1);
	assert_non_null(v);
	assert_int_equal(json_object_array_length(json_object_object_get(v, "gateways")), 2);
	assert_int_equal(json_object_array_length(json_object_object_get(v, "prefixes")), 0);
	json_object_put(v);
	assert_false(fleet_view_drifted(r, 2, "gw1", "config"));

	v = fleet_view_json("lab", "gw1", NULL, NULL, 0, NULL, 0);
	assert_string_equal(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN),
	    "{\"fleet\":\"lab\",\"node\":\"gw1\",\"revision\":\"0\",\"store\":null,"
	    "\"gateways\":[],\"prefixes\":[],\"drift\":[]}");
	json_object_put(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fleet_view_test_one_drifted),
		cmocka_unit_test(fleet_view_test_tie),
		cmocka_unit_test(fleet_view_test_no_majority),
		cmocka_unit_test(fleet_view_test_absent_is_a_value),
		cmocka_unit_test(fleet_view_test_not_published),
		cmocka_unit_test(fleet_view_test_disagreement),
		cmocka_unit_test(fleet_view_test_json_exact),
		cmocka_unit_test(fleet_view_test_json_drift),
		cmocka_unit_test(fleet_view_test_sparse),
	};

	return cmocka_run_group_tests_name("fleet_view", tests, NULL, NULL);
}
