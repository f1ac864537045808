/*
 * test_frr_vty.c - the FRR vty framing parser against frames seen from bgpd
 * 8.4.4 (protocols.md section 2), split at every byte, pipelined and broken,
 * and the `show bgp ... json` reader against real and garbage output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "frr_vty.h"

#define REC_MAX	16

struct rec {
	enum frr_vty_kind kind[REC_MAX];
	int status[REC_MAX];
	char text[REC_MAX][4096];
	size_t len[REC_MAX];
	size_t n;
	size_t stop_after;	/* 0 = never ask to stop */
};

static int
rec_cb(void *arg, const struct frr_vty_event *ev)
{
	struct rec *r = arg;

	assert_true(r->n < REC_MAX);
	r->kind[r->n] = ev->kind;
	r->status[r->n] = ev->status;
	r->len[r->n] = ev->len;
	assert_int_equal(ev->text[ev->len], '\0');
	snprintf(r->text[r->n], sizeof(r->text[0]), "%s", ev->text);
	r->n++;
	return r->stop_after != 0 && r->n == r->stop_after;
}

/* bgpd's frames, pipelined: enable; configure terminal before enable;
 * router bgp with the wrong AS; an absent prefix. */
static const char stream[] =
	"\0\0\0\x00"
	"% [BGP] Unknown command: configure terminal\n\0\0\0\x02"
	"BGP is already running; AS is 65002\n\0\0\0\x0d"
	"{\n}\n\0\0\0\x00";
#define STREAM_LEN	(sizeof(stream) - 1)

static void
check_stream(const struct rec *r)
{
	assert_int_equal(r->n, 4);
	assert_int_equal(r->kind[0], FRR_VTY_REPLY);
	assert_int_equal(r->status[0], 0);
	assert_string_equal(r->text[0], "");
	assert_int_equal(r->status[1], 2);
	assert_string_equal(r->text[1], "% [BGP] Unknown command: configure terminal\n");
	assert_int_equal(r->status[2], 13);
	assert_string_equal(r->text[2], "BGP is already running; AS is 65002\n");
	assert_int_equal(r->status[3], 0);
	assert_string_equal(r->text[3], "{\n}\n");
	assert_int_equal(r->len[3], 4);
}

static void
frr_vty_test_frames(void **state)
{
	struct frr_vty_parser p;
	struct rec r = { 0 };

	(void)state;
	frr_vty_init(&p, 0);
	assert_int_equal(p.max, FRR_VTY_TEXT_MAX);
	assert_int_equal(frr_vty_feed(&p, stream, STREAM_LEN, rec_cb, &r), 0);
	check_stream(&r);
	frr_vty_free(&p);
	frr_vty_free(&p);
	frr_vty_free(NULL);
}

static void
frr_vty_test_split_everywhere(void **state)
{
	size_t cut, cut2;

	(void)state;
	for (cut = 0; cut <= STREAM_LEN; cut++) {
		for (cut2 = cut; cut2 <= STREAM_LEN; cut2 += 3) {
			struct frr_vty_parser p;
			struct rec r = { 0 };

			frr_vty_init(&p, 0);
			assert_int_equal(frr_vty_feed(&p, stream, cut, rec_cb, &r), 0);
			assert_int_equal(frr_vty_feed(&p, stream + cut, cut2 - cut, rec_cb, &r), 0);
			assert_int_equal(frr_vty_feed(&p, stream + cut2, STREAM_LEN - cut2,
						      rec_cb, &r), 0);
			check_stream(&r);
			frr_vty_free(&p);
		}
	}
}

static void
frr_vty_test_stop(void **state)
{
	struct frr_vty_parser p;
	struct rec r = { .stop_after = 2 };

	(void)state;
	frr_vty_init(&p, 0);
	assert_int_equal(frr_vty_feed(&p, stream, STREAM_LEN, rec_cb, &r), 1);
	assert_int_equal(r.n, 2);
	/* after a reset the next reply parses normally */
	frr_vty_reset(&p);
	r.stop_after = 0;
	assert_int_equal(frr_vty_feed(&p, "x\n\0\0\0\x01", 6, rec_cb, &r), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.status[2], FRR_VTY_WARNING);
	assert_string_equal(r.text[2], "x\n");
	frr_vty_free(&p);
}

static void
frr_vty_test_bad_trailer(void **state)
{
	struct frr_vty_parser p;
	struct rec r = { 0 };

	(void)state;
	frr_vty_init(&p, 0);
	assert_int_equal(frr_vty_feed(&p, "ok\0\0x\0", 6, rec_cb, &r), -1);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.kind[0], FRR_VTY_ERROR);
	assert_int_equal(r.status[0], -1);
	assert_string_equal(r.text[0], "bad-trailer");
	assert_true(p.failed);
	/* stays failed, no more events */
	assert_int_equal(frr_vty_feed(&p, "\0\0\0\0", 4, rec_cb, &r), -1);
	assert_int_equal(r.n, 1);
	frr_vty_reset(&p);
	assert_int_equal(frr_vty_feed(&p, "\0\0\0\0", 4, rec_cb, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.kind[1], FRR_VTY_REPLY);
	frr_vty_free(&p);
}

static void
frr_vty_test_too_large(void **state)
{
	struct frr_vty_parser p;
	struct rec r = { 0 };
	char *big;
	size_t i;

	(void)state;
	/* exactly at the cap is fine, one more byte is not */
	frr_vty_init(&p, 10);
	assert_int_equal(frr_vty_feed(&p, "0123456789\0\0\0\x06", 14, rec_cb, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.status[0], FRR_VTY_ERR_NOTHING_TODO);
	assert_int_equal(frr_vty_feed(&p, "01234", 5, rec_cb, &r), 0);
	assert_int_equal(frr_vty_feed(&p, "567890", 6, rec_cb, &r), -1);
	assert_string_equal(r.text[1], "reply-too-large");
	frr_vty_free(&p);

	/* the default cap, fed in 64 kB chunks */
	big = malloc(65536);
	assert_non_null(big);
	memset(big, 'x', 65536);
	frr_vty_init(&p, 0);
	r.n = 0;
	for (i = 0; i < FRR_VTY_TEXT_MAX / 65536; i++)
		assert_int_equal(frr_vty_feed(&p, big, 65536, rec_cb, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(frr_vty_feed(&p, big, 1, rec_cb, &r), -1);
	assert_string_equal(r.text[0], "reply-too-large");
	frr_vty_free(&p);
	free(big);
}

static void
frr_vty_test_status_names(void **state)
{
	(void)state;
	assert_string_equal(frr_vty_status_name(0), "success");
	assert_string_equal(frr_vty_status_name(1), "warning");
	assert_string_equal(frr_vty_status_name(2), "no-match");
	assert_string_equal(frr_vty_status_name(3), "ambiguous");
	assert_string_equal(frr_vty_status_name(4), "incomplete");
	assert_string_equal(frr_vty_status_name(6), "nothing-to-do");
	assert_string_equal(frr_vty_status_name(13), "warning-config-failed");
	assert_string_equal(frr_vty_status_name(16), "no-daemon");
	assert_string_equal(frr_vty_status_name(17), "unknown");
	assert_string_equal(frr_vty_status_name(255), "unknown");
	assert_string_equal(frr_vty_status_name(-1), "unknown");
	assert_string_equal(frr_vty_kind_names[FRR_VTY_ERROR], "error");
}

/* `show bgp ipv4 unicast 192.0.2.1/32 json` from bgpd 8.4.4 (shortened). */
static const char json_local[] =
	"{\n  \"prefix\":\"192.0.2.1/32\",\n  \"version\":1,\n  \"paths\":[\n    {\n"
	"      \"aspath\":{\n        \"string\":\"Local\",\n        \"segments\":[\n        ],\n"
	"        \"length\":0\n      },\n      \"origin\":\"IGP\",\n      \"metric\":0,\n"
	"      \"weight\":32768,\n      \"valid\":true,\n      \"version\":1,\n"
	"      \"sourced\":true,\n      \"local\":true,\n"
	"      \"nexthops\":[\n        {\n          \"ip\":\"0.0.0.0\",\n          \"afi\":\"ipv4\"\n"
	"        }\n      ]\n    }\n  ]\n}\n";

static const char json_prepended[] =
	"{\"prefix\":\"192.0.2.1/32\",\"paths\":[{\"aspath\":{\"string\":\"65001 65001\","
	"\"segments\":[{\"type\":\"as-sequence\",\"list\":[65001,65001]}],\"length\":2},"
	"\"valid\":true,\"sourced\":true,\"local\":true}]}";

/* `network P route-map ANYCAST-DRAIN` (set community graceful-shutdown
 * additive, set as-path prepend 65001 65001) as bgpd 8.4.4 prints it. */
static const char json_drained[] =
	"{\n  \"prefix\":\"192.0.2.1/32\",\n  \"version\":1,\n  \"paths\":[\n    {\n"
	"      \"aspath\":{\n        \"string\":\"65001 65001\",\n        \"segments\":[\n"
	"          {\n            \"type\":\"as-sequence\",\n            \"list\":[\n"
	"              65001,\n              65001\n            ]\n          }\n        ],\n"
	"        \"length\":2\n      },\n      \"origin\":\"IGP\",\n      \"metric\":0,\n"
	"      \"weight\":32768,\n      \"valid\":true,\n      \"version\":1,\n"
	"      \"sourced\":true,\n      \"local\":true,\n      \"bestpath\":{\n"
	"        \"overall\":true,\n        \"selectionReason\":\"First path received\"\n"
	"      },\n      \"community\":{\n        \"string\":\"graceful-shutdown\",\n"
	"        \"list\":[\n          \"gracefulShutdown\"\n        ]\n      },\n"
	"      \"nexthops\":[\n        {\n          \"ip\":\"0.0.0.0\",\n"
	"          \"afi\":\"ipv4\"\n        }\n      ]\n    }\n  ]\n}\n";

/* Only a path learned from a neighbor. */
static const char json_remote[] =
	"{\"prefix\":\"192.0.2.1/32\",\"paths\":[{\"aspath\":{\"string\":\"65002\",\"length\":1},"
	"\"valid\":true,\"peer\":{\"peerId\":\"10.0.0.2\"}}]}";

static void
frr_vty_test_readback(void **state)
{
	struct frr_bgp_readback rb;
	const char *why = "x";

	(void)state;
	assert_int_equal(frr_vty_parse_bgp_prefix("{\n}\n", 4, &rb, &why), 0);
	assert_null(why);
	assert_false(rb.present);
	assert_int_equal(rb.n_paths, 0);

	assert_int_equal(frr_vty_parse_bgp_prefix(json_local, strlen(json_local), &rb, &why), 0);
	assert_true(rb.present);
	assert_int_equal(rb.n_paths, 1);
	assert_int_equal(rb.prepends, 0);

	assert_int_equal(frr_vty_parse_bgp_prefix(json_prepended, strlen(json_prepended), &rb,
						  &why), 0);
	assert_true(rb.present);
	assert_int_equal(rb.prepends, 2);

	assert_int_equal(frr_vty_parse_bgp_prefix(json_remote, strlen(json_remote), &rb, &why), 0);
	assert_false(rb.present);
	assert_int_equal(rb.n_paths, 1);

	assert_false(rb.gshut);

	assert_int_equal(frr_vty_parse_bgp_prefix(json_drained, strlen(json_drained), &rb, &why), 0);
	assert_true(rb.present);
	assert_int_equal(rb.prepends, 2);
	assert_true(rb.gshut);

	/* an empty paths array */
	assert_int_equal(frr_vty_parse_bgp_prefix("{\"paths\":[]}", 12, &rb, &why), 0);
	assert_false(rb.present);
}

/* The community of the local path, in the forms bgpd may print it. */
static bool
gshut_of(const char *community)
{
	char json[512];
	struct frr_bgp_readback rb;
	const char *why;

	snprintf(json, sizeof(json), "{\"paths\":[{\"peer\":{},\"community\":"
		 "{\"list\":[\"gracefulShutdown\"]}},{\"sourced\":true%s%s}]}",
		 community[0] ? ",\"community\":" : "", community);
	assert_int_equal(frr_vty_parse_bgp_prefix(json, strlen(json), &rb, &why), 0);
	assert_true(rb.present);
	return rb.gshut;
}

static void
frr_vty_test_readback_gshut(void **state)
{
	(void)state;
	/* among others (`set community 65001:100 65535:0 no-export`) */
	assert_true(gshut_of("{\"string\":\"65001:100 graceful-shutdown no-export\","
			     "\"list\":[\"65001:100\",\"gracefulShutdown\",\"noExport\"]}"));
	assert_true(gshut_of("{\"list\":[\"65535:0\"]}"));
	/* the words of the string when there is no list */
	assert_true(gshut_of("{\"string\":\"65001:100 graceful-shutdown\"}"));
	assert_true(gshut_of("{\"string\":\"65535:0\"}"));
	/* the list decides when there is one */
	assert_false(gshut_of("{\"string\":\"graceful-shutdown\",\"list\":[\"noExport\"]}"));
	assert_false(gshut_of("{\"string\":\"65001:100 no-export\","
			      "\"list\":[\"65001:100\",\"noExport\"]}"));
	assert_false(gshut_of("{\"string\":\"graceful-shutdownx 65535:00\"}"));
	/* no community, or odd shapes: not GRACEFUL_SHUTDOWN (the remote
	 * path before it has one: only the local path counts) */
	assert_false(gshut_of(""));
	assert_false(gshut_of("\"graceful-shutdown\""));
	assert_false(gshut_of("{\"list\":[1,null,{}]}"));
	assert_false(gshut_of("{\"list\":\"gracefulShutdown\"}"));
	assert_false(gshut_of("{\"string\":[\"graceful-shutdown\"]}"));
	assert_false(gshut_of("{\"string\":\"\"}"));
}

static void
frr_vty_test_readback_garbage(void **state)
{
	static const char *const bad[] = {
		"", "{", "[]", "42", "null", "% Unknown command: show bgp\n",
		"{\"paths\":", "\"paths\"",
	};
	struct frr_bgp_readback rb;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(frr_vty_parse_bgp_prefix(bad[i], strlen(bad[i]), &rb, &why), -1);
		assert_string_equal(why, "bad-json");
		assert_false(rb.present);
	}
	assert_int_equal(frr_vty_parse_bgp_prefix("{\"paths\":{}}", 12, &rb, &why), -1);
	assert_string_equal(why, "bad-paths");
	/* odd members are skipped, not trusted */
	assert_int_equal(frr_vty_parse_bgp_prefix(
				 "{\"paths\":[1,null,{\"sourced\":\"true\"},{\"local\":1}]}", 51,
				 &rb, &why), 0);
	assert_false(rb.present);
	assert_int_equal(rb.n_paths, 4);
	/* length counts: the text after it is not looked at */
	assert_int_equal(frr_vty_parse_bgp_prefix("{}garbage", 2, &rb, &why), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frr_vty_test_frames),
		cmocka_unit_test(frr_vty_test_split_everywhere),
		cmocka_unit_test(frr_vty_test_stop),
		cmocka_unit_test(frr_vty_test_bad_trailer),
		cmocka_unit_test(frr_vty_test_too_large),
		cmocka_unit_test(frr_vty_test_status_names),
		cmocka_unit_test(frr_vty_test_readback),
		cmocka_unit_test(frr_vty_test_readback_gshut),
		cmocka_unit_test(frr_vty_test_readback_garbage),
	};

	return cmocka_run_group_tests_name("frr_vty", tests, NULL, NULL);
}
