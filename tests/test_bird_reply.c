/*
 * test_bird_reply.c - the BIRD reply framing parser against real transcripts
 * (bird 2.0.12), split at every byte, pipelined, and against broken input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bird_reply.h"

#define REC_MAX	64

struct rec_event {
	enum bird_reply_kind kind;
	int code;
	char text[BIRD_REPLY_LINE_MAX + 2];
};

struct rec {
	struct rec_event ev[REC_MAX];
	size_t n;
	size_t stop_after;	/* 0 = never ask to stop */
};

static int
rec_cb(void *arg, const struct bird_reply_event *ev)
{
	struct rec *r = arg;

	assert_true(r->n < REC_MAX);
	assert_int_equal(strlen(ev->text), ev->len);
	r->ev[r->n].kind = ev->kind;
	r->ev[r->n].code = ev->code;
	snprintf(r->ev[r->n].text, sizeof(r->ev[r->n].text), "%s", ev->text);
	r->n++;
	return r->stop_after != 0 && r->n == r->stop_after;
}

static void
expect_event(const struct rec *r, size_t i, enum bird_reply_kind kind, int code, const char *text)
{
	assert_true(i < r->n);
	assert_string_equal(bird_reply_kind_names[r->ev[i].kind], bird_reply_kind_names[kind]);
	assert_int_equal(r->ev[i].code, code);
	assert_string_equal(r->ev[i].text, text);
}

static int
feed_str(struct bird_reply_parser *p, struct rec *r, const char *s)
{
	return bird_reply_feed(p, s, strlen(s), rec_cb, r);
}

static const char transcript[] =
	"0001 BIRD 2.0.12 ready.\n"
	"2002-Name       Proto      Table      State  Since         Info\n"
	"1002-device1    Device     ---        up     22:33:34.831  \n"
	" anycast4   Static     master4    down   22:33:34.831  \n"
	"0000 \n"
	"0011-anycast4: enabled\n"
	"0000\n"
	"0009-anycast4: disabled\n"
	"0000 \n"
	"2002-Name       Proto      Table      State  Since         Info\n"
	"1002-anycast4   Static     master4    flush  22:33:35.723\n"
	"1006-  Message:        pptp down\n"
	"   Channel ipv4\n"
	"     State:          DOWN\n"
	" \n"
	"0000\n"
	"9001 syntax error, unexpected CF_SYM_UNDEFINED, expecting CF_SYM_KNOWN or TEXT or ALL\n"
	"8003 No protocols match\n"
	"0002-Reading configuration from bird.conf\n"
	"0003 Reconfigured\n";

static void
check_transcript(const struct rec *r)
{
	assert_int_equal(r->n, 20);
	expect_event(r, 0, BIRD_REPLY_FINAL, 1, "BIRD 2.0.12 ready.");
	expect_event(r, 1, BIRD_REPLY_LINE, 2002, "Name       Proto      Table      State  Since         Info");
	expect_event(r, 2, BIRD_REPLY_LINE, 1002, "device1    Device     ---        up     22:33:34.831  ");
	expect_event(r, 3, BIRD_REPLY_LINE, 1002, "anycast4   Static     master4    down   22:33:34.831  ");
	expect_event(r, 4, BIRD_REPLY_FINAL, 0, "");
	expect_event(r, 5, BIRD_REPLY_LINE, 11, "anycast4: enabled");
	expect_event(r, 6, BIRD_REPLY_FINAL, 0, "");
	expect_event(r, 7, BIRD_REPLY_LINE, 9, "anycast4: disabled");
	expect_event(r, 8, BIRD_REPLY_FINAL, 0, "");
	expect_event(r, 9, BIRD_REPLY_LINE, 2002, "Name       Proto      Table      State  Since         Info");
	expect_event(r, 10, BIRD_REPLY_LINE, 1002, "anycast4   Static     master4    flush  22:33:35.723");
	expect_event(r, 11, BIRD_REPLY_LINE, 1006, "  Message:        pptp down");
	expect_event(r, 12, BIRD_REPLY_LINE, 1006, "  Channel ipv4");
	expect_event(r, 13, BIRD_REPLY_LINE, 1006, "    State:          DOWN");
	expect_event(r, 14, BIRD_REPLY_LINE, 1006, "");
	expect_event(r, 15, BIRD_REPLY_FINAL, 0, "");
	expect_event(r, 16, BIRD_REPLY_FINAL, 9001,
		     "syntax error, unexpected CF_SYM_UNDEFINED, expecting CF_SYM_KNOWN or TEXT or ALL");
	expect_event(r, 17, BIRD_REPLY_FINAL, 8003, "No protocols match");
	expect_event(r, 18, BIRD_REPLY_LINE, 2, "Reading configuration from bird.conf");
	expect_event(r, 19, BIRD_REPLY_FINAL, 3, "Reconfigured");
}

static void
bird_reply_test_transcript(void **state)
{
	struct bird_reply_parser p;
	struct rec r = { 0 };

	(void)state;
	bird_reply_reset(&p);
	assert_int_equal(feed_str(&p, &r, transcript), 0);
	check_transcript(&r);
}

static void
bird_reply_test_split_every_byte(void **state)
{
	size_t n = strlen(transcript), k;

	(void)state;
	for (k = 0; k <= n; k++) {
		struct bird_reply_parser p;
		struct rec r = { 0 };

		bird_reply_reset(&p);
		assert_int_equal(bird_reply_feed(&p, transcript, k, rec_cb, &r), 0);
		assert_int_equal(bird_reply_feed(&p, transcript + k, n - k, rec_cb, &r), 0);
		check_transcript(&r);
	}
}

static void
bird_reply_test_byte_by_byte(void **state)
{
	struct bird_reply_parser p;
	struct rec r = { 0 };
	size_t i;

	(void)state;
	bird_reply_reset(&p);
	for (i = 0; transcript[i] != '\0'; i++)
		assert_int_equal(bird_reply_feed(&p, transcript + i, 1, rec_cb, &r), 0);
	check_transcript(&r);
}

static void
bird_reply_test_pipelined(void **state)
{
	struct bird_reply_parser p;
	struct rec r = { 0 };
	static const char two[] =
		"2002-Name       Proto      Table      State  Since         Info\n"
		"1002-device1    Device     ---        up     22:39:15.245  \n"
		" anycast4   Static     master4    down   22:39:18.309  \n"
		"0000 \n"
		"2002-Name       Proto      Table      State  Since         Info\n"
		"1002-device1    Device     ---        up     22:39:15.245  \n"
		" anycast4   Static     master4    up     22:39:18.309  \n"
		"0000 \n";

	(void)state;
	bird_reply_reset(&p);
	assert_int_equal(feed_str(&p, &r, two), 0);
	assert_int_equal(r.n, 8);
	expect_event(&r, 3, BIRD_REPLY_FINAL, 0, "");
	expect_event(&r, 6, BIRD_REPLY_LINE, 1002, "anycast4   Static     master4    up     22:39:18.309  ");
	expect_event(&r, 7, BIRD_REPLY_FINAL, 0, "");
}

static void
bird_reply_test_crlf(void **state)
{
	struct bird_reply_parser p;
	struct rec r = { 0 };

	(void)state;
	bird_reply_reset(&p);
	assert_int_equal(feed_str(&p, &r, "0011-anycast4: enabled\r\n \r\n0000 \r\n"), 0);
	assert_int_equal(r.n, 3);
	expect_event(&r, 0, BIRD_REPLY_LINE, 11, "anycast4: enabled");
	expect_event(&r, 1, BIRD_REPLY_LINE, 11, "");
	expect_event(&r, 2, BIRD_REPLY_FINAL, 0, "");
}

static void
bird_reply_test_async(void **state)
{
	struct bird_reply_parser p;
	struct rec r = { 0 };

	(void)state;
	bird_reply_reset(&p);
	assert_int_equal(feed_str(&p, &r, "1002-x Static master4 up 1\n+shutdown in 5s\n y Static master4 down 1\n0000 \n"), 0);
	assert_int_equal(r.n, 4);
	expect_event(&r, 1, BIRD_REPLY_ASYNC, -1, "shutdown in 5s");
	/* an async line does not end the reply it interrupts */
	expect_event(&r, 2, BIRD_REPLY_LINE, 1002, "y Static master4 down 1");
}

static void
bird_reply_test_garbage(void **state)
{
	struct bird_reply_parser p;
	struct rec r = { 0 };

	(void)state;
	bird_reply_reset(&p);
	assert_int_equal(feed_str(&p, &r, "0001 BIRD 2.0.12 ready.\nHTTP/1.1 400 Bad Request\n0000 \n"), -1);
	assert_int_equal(r.n, 2);
	expect_event(&r, 1, BIRD_REPLY_ERROR, -1, "bad-line");
	/* sticky: nothing more comes out until reset */
	assert_int_equal(feed_str(&p, &r, "0000 \n"), -1);
	assert_int_equal(r.n, 2);
	bird_reply_reset(&p);
	assert_int_equal(feed_str(&p, &r, "0000 \n"), 0);
	assert_int_equal(r.n, 3);
	expect_event(&r, 2, BIRD_REPLY_FINAL, 0, "");
}

static void
bird_reply_test_bad_lines(void **state)
{
	static const char *const bad[] = {
		"\n", "000\n", "00a1 x\n", "0001x\n", "12345 x\n", "abcd-x\n", "-0001 x\n",
		"0001 a\0b\n",
	};
	static const size_t bad_len[] = { 1, 4, 7, 6, 8, 7, 8, 9 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bird_reply_parser p;
		struct rec r = { 0 };

		bird_reply_reset(&p);
		assert_int_equal(bird_reply_feed(&p, bad[i], bad_len[i], rec_cb, &r), -1);
		assert_int_equal(r.n, 1);
		expect_event(&r, 0, BIRD_REPLY_ERROR, -1, "bad-line");
	}
}

static void
bird_reply_test_bad_continuation(void **state)
{
	struct bird_reply_parser p;
	struct rec r = { 0 };

	(void)state;
	bird_reply_reset(&p);
	assert_int_equal(feed_str(&p, &r, " orphan\n"), -1);
	assert_int_equal(r.n, 1);
	expect_event(&r, 0, BIRD_REPLY_ERROR, -1, "bad-continuation");

	/* a final line ends the reply: a space line after it has no code */
	bird_reply_reset(&p);
	r.n = 0;
	assert_int_equal(feed_str(&p, &r, "1002-a b c d\n0000 \n late\n"), -1);
	assert_int_equal(r.n, 3);
	expect_event(&r, 2, BIRD_REPLY_ERROR, -1, "bad-continuation");
}

static void
bird_reply_test_overlong(void **state)
{
	static char buf[BIRD_REPLY_LINE_MAX + 16];
	struct bird_reply_parser p;
	struct rec r = { 0 };

	(void)state;
	/* exactly the limit passes, with or without a CR */
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "0000 ", 5);
	buf[BIRD_REPLY_LINE_MAX] = '\n';
	bird_reply_reset(&p);
	assert_int_equal(bird_reply_feed(&p, buf, BIRD_REPLY_LINE_MAX + 1, rec_cb, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ev[0].kind, BIRD_REPLY_FINAL);
	assert_int_equal(strlen(r.ev[0].text), BIRD_REPLY_LINE_MAX - 5);
	buf[BIRD_REPLY_LINE_MAX] = '\r';
	buf[BIRD_REPLY_LINE_MAX + 1] = '\n';
	assert_int_equal(bird_reply_feed(&p, buf, BIRD_REPLY_LINE_MAX + 2, rec_cb, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(strlen(r.ev[1].text), BIRD_REPLY_LINE_MAX - 5);

	/* one more byte fails, without waiting for the newline */
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "1002-", 5);
	r.n = 0;
	bird_reply_reset(&p);
	assert_int_equal(bird_reply_feed(&p, buf, BIRD_REPLY_LINE_MAX, rec_cb, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(bird_reply_feed(&p, buf, 1, rec_cb, &r), -1);
	assert_int_equal(r.n, 1);
	expect_event(&r, 0, BIRD_REPLY_ERROR, -1, "line-too-long");
	/* a CR at the limit is only allowed when the newline follows */
	r.n = 0;
	bird_reply_reset(&p);
	assert_int_equal(bird_reply_feed(&p, buf, BIRD_REPLY_LINE_MAX, rec_cb, &r), 0);
	assert_int_equal(bird_reply_feed(&p, "\rx", 2, rec_cb, &r), -1);
	expect_event(&r, 0, BIRD_REPLY_ERROR, -1, "line-too-long");
}

static void
bird_reply_test_unexpected_codes(void **state)
{
	struct bird_reply_parser p;
	struct rec r = { 0 };

	(void)state;
	/* framing does not judge codes: the driver does */
	bird_reply_reset(&p);
	assert_int_equal(feed_str(&p, &r, "5555-odd\n 9\n8007 Access denied\n9999\n"), 0);
	assert_int_equal(r.n, 4);
	expect_event(&r, 0, BIRD_REPLY_LINE, 5555, "odd");
	expect_event(&r, 1, BIRD_REPLY_LINE, 5555, "9");
	expect_event(&r, 2, BIRD_REPLY_FINAL, 8007, "Access denied");
	expect_event(&r, 3, BIRD_REPLY_FINAL, 9999, "");
}

static void
bird_reply_test_stop(void **state)
{
	struct bird_reply_parser p;
	struct rec r = { 0 };
	static const char two[] = "0009-a: disabled\n0000 \n0011-a: enabled\n0000 \n";
	size_t n = strlen(two);

	(void)state;
	bird_reply_reset(&p);
	r.stop_after = 2;
	assert_int_equal(bird_reply_feed(&p, two, n, rec_cb, &r), 1);
	assert_int_equal(r.n, 2);
	/* the caller decides what to do with the rest; feeding it works */
	r.stop_after = 0;
	assert_int_equal(bird_reply_feed(&p, two + 23, n - 23, rec_cb, &r), 0);
	assert_int_equal(r.n, 4);
	expect_event(&r, 2, BIRD_REPLY_LINE, 11, "a: enabled");
}

static void
bird_reply_test_classes(void **state)
{
	(void)state;
	assert_int_equal(bird_reply_class(0), BIRD_CLASS_SUCCESS);
	assert_int_equal(bird_reply_class(11), BIRD_CLASS_SUCCESS);
	assert_int_equal(bird_reply_class(1002), BIRD_CLASS_TABLE_ENTRY);
	assert_int_equal(bird_reply_class(2002), BIRD_CLASS_TABLE_HEADING);
	assert_int_equal(bird_reply_class(5555), BIRD_CLASS_OTHER);
	assert_int_equal(bird_reply_class(8007), BIRD_CLASS_RUNTIME_ERROR);
	assert_int_equal(bird_reply_class(9001), BIRD_CLASS_PARSE_ERROR);
	assert_int_equal(bird_reply_class(-1), BIRD_CLASS_OTHER);
	assert_string_equal(bird_reply_class_names[bird_reply_class(8003)], "runtime-error");
	assert_true(bird_reply_is_success(0));
	assert_true(bird_reply_is_success(999));
	assert_false(bird_reply_is_success(1002));
	assert_false(bird_reply_is_error(7999));
	assert_true(bird_reply_is_error(8000));
	assert_true(bird_reply_is_error(9001));
}

static void
bird_reply_test_protocol_row(void **state)
{
	struct bird_protocol_row row;
	static const char line[] = "anycast4   Static     master4    flush  22:33:35.723";
	static const char shifted[] = "a_very_long_protocol_name_here Static master4 up 2026-11-23 22:33:35  ";
	static const char tabs[] = "\tdev1\tDevice\t---\tup";
	char big[BIRD_WORD_MAX + 20];

	(void)state;
	assert_int_equal(bird_reply_parse_protocol(line, strlen(line), &row), 0);
	assert_string_equal(row.name, "anycast4");
	assert_string_equal(row.proto, "Static");
	assert_string_equal(row.table, "master4");
	assert_string_equal(row.state, "flush");

	assert_int_equal(bird_reply_parse_protocol(shifted, strlen(shifted), &row), 0);
	assert_string_equal(row.name, "a_very_long_protocol_name_here");
	assert_string_equal(row.state, "up");

	assert_int_equal(bird_reply_parse_protocol(tabs, strlen(tabs), &row), 0);
	assert_string_equal(row.name, "dev1");
	assert_string_equal(row.table, "---");
	assert_string_equal(row.state, "up");

	/* the length bounds the text: "up" is outside it */
	assert_int_equal(bird_reply_parse_protocol(tabs, strlen(tabs) - 3, &row), -1);
	assert_string_equal(row.name, "");
	assert_int_equal(bird_reply_parse_protocol("", 0, &row), -1);
	assert_int_equal(bird_reply_parse_protocol("a b c", 5, &row), -1);

	memset(big, 'n', sizeof(big));
	memcpy(big + BIRD_WORD_MAX, " S t up", 7);
	assert_int_equal(bird_reply_parse_protocol(big, BIRD_WORD_MAX + 7, &row), -1);
	assert_int_equal(bird_reply_parse_protocol(big + 1, BIRD_WORD_MAX - 1 + 7, &row), 0);
	assert_int_equal(strlen(row.name), BIRD_WORD_MAX - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bird_reply_test_transcript),
		cmocka_unit_test(bird_reply_test_split_every_byte),
		cmocka_unit_test(bird_reply_test_byte_by_byte),
		cmocka_unit_test(bird_reply_test_pipelined),
		cmocka_unit_test(bird_reply_test_crlf),
		cmocka_unit_test(bird_reply_test_async),
		cmocka_unit_test(bird_reply_test_garbage),
		cmocka_unit_test(bird_reply_test_bad_lines),
		cmocka_unit_test(bird_reply_test_bad_continuation),
		cmocka_unit_test(bird_reply_test_overlong),
		cmocka_unit_test(bird_reply_test_unexpected_codes),
		cmocka_unit_test(bird_reply_test_stop),
		cmocka_unit_test(bird_reply_test_classes),
		cmocka_unit_test(bird_reply_test_protocol_row),
	};

	return cmocka_run_group_tests_name("bird_reply", tests, NULL, NULL);
}
