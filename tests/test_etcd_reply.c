/*
 * test_etcd_reply.c - the etcd client's parser (etcd_reply.c) with plain
 * data: replies recorded from etcd 3.4.23's JSON gateway (Debian
 * etcd-server) for every request kind, watch stream lines, error replies,
 * and hostile ones (bad base64, huge numbers, wrong types, missing fields).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fleet/etcd_reply.h"

#define H "{\"cluster_id\":\"324952591200643719\",\"member_id\":\"3319814642761637952\"," \
	  "\"revision\":\"6\",\"raft_term\":\"2\"}"

static int
parse(enum etcd_reply_kind kind, long status, const char *body, struct etcd_result *r)
{
	return etcd_reply_parse(kind, status, body, strlen(body), r, NULL);
}

/* The error of a reply expected to be ETCD_BAD_REPLY. */
static const char *
bad(enum etcd_reply_kind kind, const char *body)
{
	static struct etcd_result r;

	assert_int_equal(parse(kind, 200, body, &r), -1);
	assert_int_equal(r.status, ETCD_BAD_REPLY);
	assert_null(r.kvs);
	return r.error;
}

static void
etcd_reply_test_header(void **state)
{
	struct etcd_result r;

	(void)state;
	/* kv/put, kv/deleterange, lease/revoke */
	assert_int_equal(parse(ETCD_REPLY_HEADER, 200, "{\"header\":" H "}", &r), 0);
	assert_int_equal(r.status, ETCD_OK);
	assert_int_equal(r.revision, 6);
	assert_string_equal(r.error, "");
	assert_int_equal(parse(ETCD_REPLY_HEADER, 200, "{\"header\":" H ",\"deleted\":\"1\"}\n", &r),
			 0);
	/* revisions as numbers too */
	assert_int_equal(parse(ETCD_REPLY_HEADER, 200, "{\"header\":{\"revision\":42}}", &r), 0);
	assert_int_equal(r.revision, 42);
	/* a zero revision is left out */
	assert_int_equal(parse(ETCD_REPLY_HEADER, 200, "{\"header\":{}}", &r), 0);
	assert_int_equal(r.revision, 0);
}

static void
etcd_reply_test_lease(void **state)
{
	struct etcd_result r;

	(void)state;
	assert_int_equal(parse(ETCD_REPLY_LEASE, 200,
			       "{\"header\":" H ",\"ID\":\"2324035762639024134\",\"TTL\":\"30\"}", &r),
			 0);
	assert_true(r.lease_id == INT64_C(2324035762639024134));
	assert_int_equal(r.ttl, 30);
	/* keepalive, and its reply on an expired lease (no TTL) */
	assert_int_equal(parse(ETCD_REPLY_KEEPALIVE, 200,
			       "{\"result\":{\"header\":" H ",\"ID\":\"7587869\",\"TTL\":\"30\"}}\n",
			       &r), 0);
	assert_int_equal(r.lease_id, 7587869);
	assert_int_equal(r.ttl, 30);
	assert_int_equal(r.revision, 6);
	assert_int_equal(parse(ETCD_REPLY_KEEPALIVE, 200,
			       "{\"result\":{\"header\":" H ",\"ID\":\"123\"}}", &r), 0);
	assert_int_equal(r.lease_id, 123);
	assert_int_equal(r.ttl, 0);
	/* a grant refused in the reply's own error field */
	assert_int_equal(parse(ETCD_REPLY_LEASE, 200,
			       "{\"header\":" H ",\"error\":\"lease already exists\"}", &r), -1);
	assert_int_equal(r.status, ETCD_ERROR);
	assert_string_equal(r.error, "lease already exists");
	/* a stream error in place of the keepalive's result */
	assert_int_equal(parse(ETCD_REPLY_KEEPALIVE, 200,
			       "{\"error\":{\"grpc_code\":14,\"http_code\":503,"
			       "\"message\":\"etcdserver: no leader\",\"http_status\":\"x\"}}", &r),
			 -1);
	assert_int_equal(r.status, ETCD_ERROR);
	assert_int_equal(r.code, 14);
	assert_string_equal(r.error, "etcdserver: no leader");
	assert_string_equal(bad(ETCD_REPLY_LEASE, "{\"header\":" H ",\"TTL\":\"30\"}"), "ID: missing");
	assert_string_equal(bad(ETCD_REPLY_KEEPALIVE, "{\"header\":" H "}"), "result: missing");
	assert_string_equal(bad(ETCD_REPLY_KEEPALIVE, "{\"result\":{\"ID\":\"1\"}}"),
			    "result.header: missing");
}

static void
etcd_reply_test_range(void **state)
{
	struct etcd_result r;

	(void)state;
	assert_int_equal(parse(ETCD_REPLY_RANGE, 200,
			       "{\"header\":" H ",\"kvs\":[{\"key\":\"L2EveA==\",\"create_revision\":"
			       "\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"aGVsbG8=\"},"
			       "{\"key\":\"L2EveQ==\",\"create_revision\":\"3\",\"mod_revision\":\"3\","
			       "\"version\":\"1\",\"lease\":\"2324035762639024143\"}],\"count\":\"2\"}",
			       &r), 0);
	assert_int_equal(r.n_kvs, 2);
	assert_string_equal(r.kvs[0].key, "/a/x");
	assert_string_equal(r.kvs[0].value, "hello");
	assert_int_equal(r.kvs[0].value_len, 5);
	assert_int_equal(r.kvs[0].create_revision, 2);
	assert_int_equal(r.kvs[0].mod_revision, 2);
	assert_int_equal(r.kvs[0].version, 1);
	assert_int_equal(r.kvs[0].lease, 0);
	/* an empty value is left out */
	assert_string_equal(r.kvs[1].key, "/a/y");
	assert_string_equal(r.kvs[1].value, "");
	assert_int_equal(r.kvs[1].value_len, 0);
	assert_true(r.kvs[1].lease == INT64_C(2324035762639024143));
	etcd_reply_clear(&r);
	assert_null(r.kvs);
	/* nothing under the prefix: no kvs at all */
	assert_int_equal(parse(ETCD_REPLY_RANGE, 200, "{\"header\":" H "}", &r), 0);
	assert_int_equal(r.n_kvs, 0);
	assert_null(r.kvs);
	/* a value with NUL and high bytes stays whole */
	assert_int_equal(parse(ETCD_REPLY_RANGE, 200,
			       "{\"header\":" H ",\"kvs\":[{\"key\":\"aw==\",\"value\":\"AP8A\"}]}",
			       &r), 0);
	assert_int_equal(r.kvs[0].value_len, 3);
	assert_memory_equal(r.kvs[0].value, "\0\xff\0", 4);
	etcd_reply_clear(&r);
}

static void
etcd_reply_test_txn(void **state)
{
	struct etcd_result r;

	(void)state;
	/* succeeded, the success branch's put */
	assert_int_equal(parse(ETCD_REPLY_TXN, 200,
			       "{\"header\":" H ",\"succeeded\":true,\"responses\":[{\"response_put\":"
			       "{\"header\":{\"revision\":\"6\"}}}]}", &r), 0);
	assert_true(r.succeeded);
	assert_int_equal(r.n_kvs, 0);
	/* failed (no "succeeded"), the failure branch's range (recorded) */
	assert_int_equal(parse(ETCD_REPLY_TXN, 200,
			       "{\"header\":" H ",\"responses\":[{\"response_range\":{\"header\":"
			       "{\"revision\":\"4\"},\"kvs\":[{\"key\":\"L2EveA==\",\"create_revision\":"
			       "\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"aGVsbG8=\"}],"
			       "\"count\":\"1\"}}]}", &r), 0);
	assert_false(r.succeeded);
	assert_int_equal(r.n_kvs, 1);
	assert_string_equal(r.kvs[0].key, "/a/x");
	etcd_reply_clear(&r);
	/* the first range response counts, after a delete's */
	assert_int_equal(parse(ETCD_REPLY_TXN, 200,
			       "{\"header\":" H ",\"succeeded\":true,\"responses\":["
			       "{\"response_delete_range\":{\"deleted\":\"1\"}},"
			       "{\"response_range\":{\"kvs\":[{\"key\":\"YQ==\"}]}},"
			       "{\"response_range\":{\"kvs\":[{\"key\":\"Yg==\"},{\"key\":\"Yw==\"}]}}]}",
			       &r), 0);
	assert_int_equal(r.n_kvs, 1);
	assert_string_equal(r.kvs[0].key, "a");
	etcd_reply_clear(&r);
	assert_string_equal(bad(ETCD_REPLY_TXN, "{\"header\":" H ",\"succeeded\":\"yes\"}"),
			    "succeeded: not a boolean");
	assert_string_equal(bad(ETCD_REPLY_TXN, "{\"header\":" H ",\"responses\":[1]}"),
			    "responses[0]: not an object");
	assert_string_equal(bad(ETCD_REPLY_TXN, "{\"header\":" H ",\"responses\":[{\"response_range\":"
					       "{\"kvs\":[{\"key\":\"YQ==\"},{\"key\":\"Y\"}]}}]}"),
			    "responses[0].response_range.kvs[1].key: not base64");
}

static void
etcd_reply_test_auth(void **state)
{
	struct etcd_result r;
	const char *body = "{\"header\":" H ",\"token\":\"bbzIOXRftyxCLeNe.20\"}";
	char *token;

	(void)state;
	assert_int_equal(etcd_reply_parse(ETCD_REPLY_AUTH, 200, body, strlen(body), &r, &token), 0);
	assert_string_equal(token, "bbzIOXRftyxCLeNe.20");
	free(token);
	body = "{\"header\":" H ",\"token\":\"a\\r\\nX-Evil: 1\"}";
	assert_int_equal(etcd_reply_parse(ETCD_REPLY_AUTH, 200, body, strlen(body), &r, &token), -1);
	assert_null(token);
	assert_string_equal(r.error, "token: holds a line break");
	body = "{\"header\":" H "}";
	assert_int_equal(etcd_reply_parse(ETCD_REPLY_AUTH, 200, body, strlen(body), &r, &token), -1);
	assert_string_equal(r.error, "token: missing");
}

static void
etcd_reply_test_errors(void **state)
{
	struct etcd_result r;

	(void)state;
	/* recorded: 404 lease not found; 400 bad password; 401 invalid token */
	assert_int_equal(parse(ETCD_REPLY_HEADER, 404,
			       "{\"error\":\"etcdserver: requested lease not found\",\"message\":"
			       "\"etcdserver: requested lease not found\",\"code\":5}", &r), -1);
	assert_int_equal(r.status, ETCD_ERROR);
	assert_int_equal(r.code, 5);
	assert_string_equal(r.error, "etcdserver: requested lease not found");
	assert_false(etcd_reply_token_rejected(&r));
	assert_int_equal(parse(ETCD_REPLY_AUTH, 400,
			       "{\"error\":\"etcdserver: authentication failed, invalid user ID or "
			       "password\",\"message\":\"etcdserver: authentication failed, invalid "
			       "user ID or password\",\"code\":3}", &r), -1);
	assert_int_equal(r.status, ETCD_ERROR);
	assert_string_equal(r.error,
			    "etcdserver: authentication failed, invalid user ID or password");
	assert_false(etcd_reply_token_rejected(&r));
	assert_int_equal(parse(ETCD_REPLY_RANGE, 401,
			       "{\"error\":\"etcdserver: invalid auth token\",\"message\":"
			       "\"etcdserver: invalid auth token\",\"code\":16}", &r), -1);
	assert_int_equal(r.code, 16);
	assert_true(etcd_reply_token_rejected(&r));
	/* only an error member */
	assert_int_equal(parse(ETCD_REPLY_HEADER, 500, "{\"error\":\"election: no leader\",\"code\":2}",
			       &r), -1);
	assert_string_equal(r.error, "election: no leader");
	assert_int_equal(r.code, 2);
	/* not etcd's: a proxy's page */
	assert_int_equal(parse(ETCD_REPLY_HEADER, 502, "<html>Bad Gateway</html>", &r), -1);
	assert_int_equal(r.status, ETCD_BAD_REPLY);
	assert_string_equal(r.error, "HTTP 502, not an etcd error: not a JSON object");
	assert_int_equal(parse(ETCD_REPLY_HEADER, 404, "{\"code\":5}", &r), -1);
	assert_string_equal(r.error, "HTTP 404, not an etcd error: error: missing");
	assert_int_equal(parse(ETCD_REPLY_HEADER, 302, "{\"header\":{}}", &r), -1);
	assert_int_equal(r.status, ETCD_BAD_REPLY);
	assert_string_equal(r.error, "HTTP 302");
}

static void
etcd_reply_test_hostile(void **state)
{
	struct etcd_result r;
	char *big;

	(void)state;
	assert_string_equal(bad(ETCD_REPLY_RANGE, ""), "not a JSON object");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "[1,2]"), "not a JSON object");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{}} x"), "not a JSON object");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{}"), "not a JSON object");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{}"), "header: missing");
	/* an error with no words at all is no answer to act on (fuzz) */
	assert_string_equal(bad(ETCD_REPLY_KEEPALIVE, "{\"error\":\"\",\"code\":5}"),
			    "error: no message");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":[]}"), "header: not an object");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{\"revision\":\"12x\"}}"),
			    "header.revision: not an int64");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{\"revision\":\"99999999999999999999\"}}"),
			    "header.revision: not an int64");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{\"revision\":18446744073709551615}}"),
			    "header.revision: not an int64");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{\"revision\":1.5}}"),
			    "header.revision: not an int64");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{\"revision\":\" 1\"}}"),
			    "header.revision: not an int64");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{\"revision\":true}}"),
			    "header.revision: not an int64");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{},\"kvs\":{}}"), "kvs: not an array");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{},\"kvs\":[{\"key\":\"YQ==\"},\"x\"]}"),
			    "kvs[1]: not an object");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{},\"kvs\":[{\"key\":\"YQ==\"},"
						  "{\"key\":\"!!!!\"}]}"), "kvs[1].key: not base64");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{},\"kvs\":[{\"value\":\"YQ==\"}]}"),
			    "kvs[0].key: missing");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{},\"kvs\":[{\"key\":7}]}"),
			    "kvs[0].key: not a string");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{},\"kvs\":[{\"key\":\"YQ\"}]}"),
			    "kvs[0].key: not base64");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{},\"kvs\":[{\"key\":\"YQ=a\"}]}"),
			    "kvs[0].key: not base64");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{},\"kvs\":[{\"key\":\"YQ==YQ==\"}]}"),
			    "kvs[0].key: not base64");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{},\"kvs\":[{\"key\":\"YQBi\"}]}"),
			    "kvs[0].key: holds a NUL byte");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{},\"kvs\":[{\"key\":\"YQ==\","
						  "\"value\":\"Y Q=\"}]}"), "kvs[0].value: not base64");
	assert_string_equal(bad(ETCD_REPLY_RANGE, "{\"header\":{},\"kvs\":[{\"key\":\"YQ==\","
						  "\"lease\":{}}]}"), "kvs[0].lease: not an int64");
	/* a NUL inside the text, and the size bound */
	assert_int_equal(etcd_reply_parse(ETCD_REPLY_HEADER, 200, "{\"header\":{}}\0", 14, &r, NULL),
			 -1);
	assert_string_equal(r.error, "holds a NUL byte");
	big = malloc(ETCD_REPLY_MAX + 1);
	memset(big, ' ', ETCD_REPLY_MAX + 1);
	assert_int_equal(etcd_reply_parse(ETCD_REPLY_HEADER, 200, big, ETCD_REPLY_MAX + 1, &r, NULL),
			 -1);
	assert_string_equal(r.error, "larger than 4194304 bytes");
	free(big);
	/* deep nesting is json-c's to refuse */
	big = malloc(4001);
	memset(big, '[', 4000);
	big[4000] = '\0';
	assert_string_equal(bad(ETCD_REPLY_RANGE, big), "not a JSON object");
	free(big);
	/* a wrong kind number */
	assert_int_equal(parse((enum etcd_reply_kind)99, 200, "{\"header\":{}}", &r), -1);
}

static void
etcd_reply_test_watch(void **state)
{
	struct etcd_watch_line w;
	char err[128];
	const char *l;

	(void)state;
	l = "{\"result\":{\"header\":" H ",\"created\":true}}";
	assert_int_equal(etcd_reply_watch_line(l, strlen(l), &w, err, sizeof(err)), 0);
	assert_int_equal(w.kind, ETCD_WATCH_LINE_CREATED);
	assert_int_equal(w.revision, 6);
	/* recorded: two PUTs and a DELETE in one line */
	l = "{\"result\":{\"header\":" H ",\"events\":[{\"kv\":{\"key\":\"L2EveA==\",\"create_revision\":"
	    "\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"aGVsbG8=\"}},{\"kv\":{\"key\":"
	    "\"L2EveQ==\",\"create_revision\":\"3\",\"mod_revision\":\"3\",\"version\":\"1\"}},"
	    "{\"type\":\"DELETE\",\"kv\":{\"key\":\"L2EveQ==\",\"mod_revision\":\"4\"}}]}}";
	assert_int_equal(etcd_reply_watch_line(l, strlen(l), &w, err, sizeof(err)), 0);
	assert_int_equal(w.kind, ETCD_WATCH_LINE_EVENTS);
	assert_int_equal(w.n_events, 3);
	assert_false(w.events[0].deleted);
	assert_string_equal(w.events[0].kv.key, "/a/x");
	assert_string_equal(w.events[0].kv.value, "hello");
	assert_false(w.events[1].deleted);
	assert_true(w.events[2].deleted);
	assert_string_equal(w.events[2].kv.key, "/a/y");
	assert_int_equal(w.events[2].kv.mod_revision, 4);
	etcd_reply_watch_line_clear(&w);
	assert_null(w.events);
	/* progress notify: a header and nothing else */
	l = "{\"result\":{\"header\":" H "}}";
	assert_int_equal(etcd_reply_watch_line(l, strlen(l), &w, err, sizeof(err)), 0);
	assert_int_equal(w.kind, ETCD_WATCH_LINE_PROGRESS);
	/* recorded: compacted (the header has no revision) */
	l = "{\"result\":{\"header\":{\"cluster_id\":\"1\",\"raft_term\":\"2\"},\"canceled\":true,"
	    "\"compact_revision\":\"5\"}}";
	assert_int_equal(etcd_reply_watch_line(l, strlen(l), &w, err, sizeof(err)), 0);
	assert_int_equal(w.kind, ETCD_WATCH_LINE_CANCELED);
	assert_int_equal(w.compact_revision, 5);
	assert_int_equal(w.code, 11);
	assert_string_equal(w.reason,
			    "etcdserver: mvcc: required revision has been compacted (compacted at 5)");
	/* recorded: a bad token */
	l = "{\"result\":{\"header\":" H ",\"watch_id\":\"-1\",\"created\":true,\"canceled\":true,"
	    "\"cancel_reason\":\"rpc error: code = Unauthenticated desc = etcdserver: invalid auth "
	    "token\"}}";
	assert_int_equal(etcd_reply_watch_line(l, strlen(l), &w, err, sizeof(err)), 0);
	assert_int_equal(w.kind, ETCD_WATCH_LINE_CANCELED);
	assert_string_equal(w.reason,
			    "rpc error: code = Unauthenticated desc = etcdserver: invalid auth token");
	/* a stream error */
	l = "{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"transport is closing\"}}";
	assert_int_equal(etcd_reply_watch_line(l, strlen(l), &w, err, sizeof(err)), 0);
	assert_int_equal(w.kind, ETCD_WATCH_LINE_CANCELED);
	assert_int_equal(w.code, 14);
	assert_string_equal(w.reason, "transport is closing");
}

static void
etcd_reply_test_watch_hostile(void **state)
{
	static const struct {
		const char *line, *err;
	} cases[] = {
		{ "{}", "result: missing" },
		{ "{\"result\":[]}", "result: not an object" },
		{ "{\"result\":{}}", "result.header: missing" },
		{ "{\"result\":{\"header\":{},\"events\":{}}}", "result.events: not an array" },
		{ "{\"result\":{\"header\":{},\"events\":[7]}}", "events[0]: not an object" },
		{ "{\"result\":{\"header\":{},\"events\":[{\"type\":\"PUT\"}]}}",
		  "events[0].kv: missing" },
		{ "{\"result\":{\"header\":{},\"events\":[{\"type\":\"MOVE\",\"kv\":{}}]}}",
		  "events[0].type: unknown \"MOVE\"" },
		{ "{\"result\":{\"header\":{},\"events\":[{\"kv\":{\"key\":\"YQ==\"}},"
		  "{\"kv\":{\"key\":\"%%%%\"}}]}}", "events[1].kv.key: not base64" },
		{ "{\"result\":{\"header\":{},\"events\":[{\"kv\":{\"key\":\"YQ==\","
		  "\"mod_revision\":\"-\"}}]}}", "events[0].kv.mod_revision: not an int64" },
		{ "{\"result\":{\"header\":{},\"canceled\":1}}", "result.canceled: not a boolean" },
		{ "{\"result\":{\"header\":{},\"canceled\":true,\"compact_revision\":\"x\"}}",
		  "result.compact_revision: not an int64" },
		{ "{\"error\":{\"grpc_code\":14}}", "error: no message" },
		{ "{\"result\":{\"header\":{}}}{}", "not a JSON object" },
	};
	struct etcd_watch_line w;
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(etcd_reply_watch_line(cases[i].line, strlen(cases[i].line), &w, err,
						       sizeof(err)), -1);
		assert_string_equal(err, cases[i].err);
		assert_null(w.events);
	}
}

static void
etcd_reply_test_base64(void **state)
{
	static const struct {
		const char *plain, *b64;
	} cases[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "/anycast-healthd/lab/", "L2FueWNhc3QtaGVhbHRoZC9sYWIv" },
		{ "/a0", "L2Ew" },
	};
	char out[64], *dec;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = etcd_reply_base64_encode(cases[i].plain, strlen(cases[i].plain), out);
		assert_int_equal(n, strlen(cases[i].b64));
		assert_string_equal(out, cases[i].b64);
		assert_int_equal(etcd_reply_base64_decode(out, n, &dec, &n), 0);
		assert_int_equal(n, strlen(cases[i].plain));
		assert_string_equal(dec, cases[i].plain);
		free(dec);
	}
	n = etcd_reply_base64_encode("\xff\xfe\x00", 3, out);
	assert_string_equal(out, "//4A");
	assert_int_equal(etcd_reply_base64_decode("Zg=", 3, &dec, &n), -1);
	assert_int_equal(etcd_reply_base64_decode("Z===", 4, &dec, &n), -1);
	assert_int_equal(etcd_reply_base64_decode("Zg=a", 4, &dec, &n), -1);
	assert_int_equal(etcd_reply_base64_decode("Zm9v\n", 5, &dec, &n), -1);
	assert_int_equal(etcd_reply_base64_decode("Zm-_", 4, &dec, &n), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(etcd_reply_test_header),
		cmocka_unit_test(etcd_reply_test_lease),
		cmocka_unit_test(etcd_reply_test_range),
		cmocka_unit_test(etcd_reply_test_txn),
		cmocka_unit_test(etcd_reply_test_auth),
		cmocka_unit_test(etcd_reply_test_errors),
		cmocka_unit_test(etcd_reply_test_hostile),
		cmocka_unit_test(etcd_reply_test_watch),
		cmocka_unit_test(etcd_reply_test_watch_hostile),
		cmocka_unit_test(etcd_reply_test_base64),
	};

	cmocka_set_message_output(CM_OUTPUT_STDOUT);
	return cmocka_run_group_tests_name("etcd_reply", tests, NULL, NULL);
}
