/*
 * test_pidfile.c - the pidfile reader (pidfile.c) with plain bytes: good
 * pidfiles with and without their newline, and every malformed kind with
 * the reason it gives.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pidfile.h"

static pid_t
good(const char *text, size_t len)
{
	const char *why = NULL;
	pid_t pid = 0;

	assert_int_equal(pidfile_parse(text, len, &pid, &why), 0);
	return pid;
}

static const char *
bad(const char *text, size_t len)
{
	const char *why = NULL;
	pid_t pid = 77;

	assert_int_equal(pidfile_parse(text, len, &pid, &why), -1);
	assert_int_equal(pid, 77);
	assert_non_null(why);
	return why;
}

#define GOOD(s) good(s, sizeof(s) - 1)
#define BAD(s) bad(s, sizeof(s) - 1)

static void
pidfile_test_good(void **state)
{
	(void)state;
	assert_int_equal(GOOD("4242\n"), 4242);
	assert_int_equal(GOOD("4242"), 4242);		/* no newline */
	assert_int_equal(GOOD("  17 \r\n"), 17);
	assert_int_equal(GOOD("2"), 2);
	assert_int_equal(GOOD("4194304\n"), 4194304);	/* the kernel's largest */
	assert_int_equal(good("4242\n", 2), 42);	/* only the length counts */
}

static void
pidfile_test_malformed(void **state)
{
	char big[PIDFILE_MAX + 1];

	(void)state;
	assert_string_equal(BAD(""), "empty");
	assert_string_equal(BAD(" \n"), "empty");
	assert_string_equal(BAD("pptpd\n"), "not a number");
	assert_string_equal(BAD("-5\n"), "not a number");
	assert_string_equal(BAD("+5\n"), "not a number");
	assert_string_equal(BAD("0\n"), "not a daemon's pid (0 or 1)");
	assert_string_equal(BAD("1\n"), "not a daemon's pid (0 or 1)");
	assert_string_equal(BAD("4194305\n"), "pid too large");
	assert_string_equal(BAD("99999999999999999999999\n"), "pid too large");
	assert_string_equal(BAD("4242x\n"), "garbage after the pid");
	assert_string_equal(BAD("4242\n4243\n"), "garbage after the pid");
	assert_string_equal(BAD("4242\0junk"), "holds a NUL byte");
	assert_string_equal(BAD("4242\n\0"), "holds a NUL byte");
	memset(big, ' ', sizeof(big));
	big[0] = '9';
	assert_string_equal(bad(big, sizeof(big)), "longer than 64 bytes");
	assert_int_equal(good(big, PIDFILE_MAX), 9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pidfile_test_good),
		cmocka_unit_test(pidfile_test_malformed),
	};

	return cmocka_run_group_tests_name("pidfile", tests, NULL, NULL);
}
