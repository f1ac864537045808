/*
 * test_probe_output.c - what the exec and http probes make of the bytes
 * they read (probe_output.c), with plain data: lines split across reads,
 * NUL and control bytes, no newline, over-long lines, every kind of exit,
 * bodies past the kept 64 KiB, odd status codes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_output.h"

/* A wait status as the kernel builds it. */
#define EXITED(code) (((code) & 0xff) << 8)
#define KILLED(sig) ((sig) & 0x7f)

static const char *
line_of(struct probe_output_line *l, const char *const chunks[], const size_t lens[])
{
	size_t i;

	probe_output_line_reset(l);
	for (i = 0; chunks[i] != NULL; i++)
		probe_output_line_take(l, chunks[i], lens[i]);
	return probe_output_line_text(l);
}

static void
probe_output_test_line(void **state)
{
	struct probe_output_line l;
	char big[200];

	(void)state;
	/* split across reads, the first newline ends it */
	assert_string_equal(line_of(&l, (const char *const[]){ "radius: ", "no ans", "wer\nnext\n",
							       NULL },
				    (const size_t[]){ 8, 6, 9 }), "radius: no answer");
	assert_true(l.done);
	/* CR ends it too; no newline at all; blanks trimmed */
	assert_string_equal(line_of(&l, (const char *const[]){ "ok\r\n", NULL },
				    (const size_t[]){ 4 }), "ok");
	assert_string_equal(line_of(&l, (const char *const[]){ "  half  ", NULL },
				    (const size_t[]){ 8 }), "half");
	assert_false(l.done);
	/* NUL, escape and non-ASCII bytes are '?' */
	assert_string_equal(line_of(&l, (const char *const[]){ "a\0b\033c\xc3\xa9", NULL },
				    (const size_t[]){ 7 }), "a?b?c??");
	/* nothing, or an empty first line */
	assert_string_equal(line_of(&l, (const char *const[]){ NULL }, NULL), "");
	assert_string_equal(line_of(&l, (const char *const[]){ "\nlater", NULL },
				    (const size_t[]){ 6 }), "");
	/* cut at PROBE_OUTPUT_LINE_MAX; what follows is ignored */
	memset(big, 'x', sizeof(big));
	assert_int_equal(strlen(line_of(&l, (const char *const[]){ big, "yyy", NULL },
					(const size_t[]){ sizeof(big), 3 })),
			 PROBE_OUTPUT_LINE_MAX);
	assert_true(l.done);
}

static void
probe_output_test_exec_verdict(void **state)
{
	char buf[PROBE_REASON_MAX], line[PROBE_OUTPUT_LINE_MAX + 1];

	(void)state;
	assert_int_equal(probe_output_exec_verdict(EXITED(0), "", buf, sizeof(buf)), PROBE_UP);
	assert_string_equal(buf, "ok");
	assert_int_equal(probe_output_exec_verdict(EXITED(0), "3 sessions", buf, sizeof(buf)),
			 PROBE_UP);
	assert_string_equal(buf, "3 sessions");
	assert_int_equal(probe_output_exec_verdict(EXITED(1), "", buf, sizeof(buf)), PROBE_DOWN);
	assert_string_equal(buf, "exit-1");
	assert_int_equal(probe_output_exec_verdict(EXITED(255), "no", buf, sizeof(buf)),
			 PROBE_DOWN);
	assert_string_equal(buf, "exit-255: no");
	assert_int_equal(probe_output_exec_verdict(KILLED(SIGKILL), "x", buf, sizeof(buf)),
			 PROBE_DOWN);
	assert_string_equal(buf, "signal-9");
	/* a full line is cut so that "exit-N: " and the NUL fit */
	memset(line, 'z', PROBE_OUTPUT_LINE_MAX);
	line[PROBE_OUTPUT_LINE_MAX] = '\0';
	assert_int_equal(probe_output_exec_verdict(EXITED(100), line, buf, sizeof(buf)),
			 PROBE_DOWN);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_memory_equal(buf, "exit-100: zzz", 13);
	/* a buffer too small for any line keeps the code */
	assert_int_equal(probe_output_exec_verdict(EXITED(100), "why", buf, 10), PROBE_DOWN);
	assert_string_equal(buf, "exit-100");
}

static void
probe_output_test_body(void **state)
{
	char *body = calloc(1, PROBE_OUTPUT_BODY_MAX), *chunk = calloc(1, 40000);
	size_t len = 0;

	(void)state;
	memset(chunk, 'b', 40000);
	probe_output_body_append(body, &len, "", 0);
	assert_int_equal(len, 0);
	probe_output_body_append(body, &len, chunk, 40000);
	assert_int_equal(len, 40000);
	probe_output_body_append(body, &len, chunk, 40000);	/* cut at 64 KiB */
	assert_int_equal(len, PROBE_OUTPUT_BODY_MAX);
	probe_output_body_append(body, &len, "more", 4);	/* dropped */
	assert_int_equal(len, PROBE_OUTPUT_BODY_MAX);
	assert_int_equal(body[PROBE_OUTPUT_BODY_MAX - 1], 'b');
	free(chunk);
	free(body);
}

static enum probe_result
http(long status, const char *body, size_t len, const char *needle, const char **reason)
{
	static char buf[PROBE_REASON_MAX];

	return probe_output_http_verdict(status, 200, body, len, needle, buf, sizeof(buf), reason);
}

static void
probe_output_test_http_verdict(void **state)
{
	char *body = calloc(1, PROBE_OUTPUT_BODY_MAX);
	const char *reason;
	size_t len = 0;

	(void)state;
	assert_int_equal(http(200, NULL, 0, NULL, &reason), PROBE_UP);
	assert_string_equal(reason, "ok");
	assert_int_equal(http(503, NULL, 0, NULL, &reason), PROBE_DOWN);
	assert_string_equal(reason, "http-status-503");
	/* libcurl's 0 for no status line; codes no server should send */
	assert_int_equal(http(0, NULL, 0, NULL, &reason), PROBE_DOWN);
	assert_string_equal(reason, "http-status-0");
	assert_int_equal(http(-1, NULL, 0, NULL, &reason), PROBE_DOWN);
	assert_string_equal(reason, "http-status--1");
	assert_int_equal(http(999999999, NULL, 0, NULL, &reason), PROBE_DOWN);
	assert_string_equal(reason, "http-status-999999999");
	/* the body: a NUL before the text does not hide it */
	probe_output_body_append(body, &len, "<p>\0state: ", 11);
	probe_output_body_append(body, &len, "ready</p>", 9);
	assert_int_equal(http(200, body, len, "state: ready", &reason), PROBE_UP);
	assert_int_equal(http(200, body, len, "state: busy", &reason), PROBE_DOWN);
	assert_string_equal(reason, "http-body-mismatch");
	assert_int_equal(http(200, body, len, "", &reason), PROBE_UP);
	assert_int_equal(http(200, NULL, 0, "x", &reason), PROBE_DOWN);
	/* past the kept 64 KiB is not searched; up to its last byte is */
	memset(body, '.', PROBE_OUTPUT_BODY_MAX);
	memcpy(body + PROBE_OUTPUT_BODY_MAX - 5, "ready", 5);
	assert_int_equal(http(200, body, PROBE_OUTPUT_BODY_MAX, "ready", &reason), PROBE_UP);
	assert_int_equal(http(200, body, PROBE_OUTPUT_BODY_MAX, "ready!", &reason), PROBE_DOWN);
	free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(probe_output_test_line),
		cmocka_unit_test(probe_output_test_exec_verdict),
		cmocka_unit_test(probe_output_test_body),
		cmocka_unit_test(probe_output_test_http_verdict),
	};

	return cmocka_run_group_tests_name("probe_output", tests, NULL, NULL);
}
