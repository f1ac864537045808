/*
 * test_log.c - log.c's plain output (what a terminal or a test sees) and its
 * decision to write to the journal only when stderr really is the journal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

/* Run fn with stderr redirected to a temp file; return what it wrote. */
static char *
capture_stderr(void (*fn)(void))
{
	char path[] = "/tmp/ahd-test-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	static char buf[4096];
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

static void
emit_transitions(void)
{
	log_transition(LOG_SUBJECT_SERVICE, "pptp", "UP", "DOWN", "process-exited");
	log_transition(LOG_SUBJECT_PREFIX, "192.0.2.1/32", "announced", "withdrawn",
		       "pptp DOWN (process-exited)");
	log_debug("hidden unless verbose");
}

static void
log_test_transition_plain(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	log_init(0);
	assert_string_equal(capture_stderr(emit_transitions),
		"anycast-healthd: pptp: UP -> DOWN (process-exited)\n"
		"anycast-healthd: 192.0.2.1/32: announced -> withdrawn (pptp DOWN (process-exited))\n");
}

static void
log_test_stale_journal_stream_is_ignored(void **state)
{
	(void)state;
	/* Inherited from a parent whose stderr was the journal, but ours is a file. */
	setenv("JOURNAL_STREAM", "8:12345", 1);
	log_init(1);
	assert_string_equal(capture_stderr(emit_transitions),
		"anycast-healthd: pptp: UP -> DOWN (process-exited)\n"
		"anycast-healthd: 192.0.2.1/32: announced -> withdrawn (pptp DOWN (process-exited))\n"
		"anycast-healthd: debug: hidden unless verbose\n");
	unsetenv("JOURNAL_STREAM");
}

static void
emit_warn(void)
{
	errno = ENOENT;
	log_warn("open %s", "/run/pptpd.pid");
	log_warnx("plain %d", 7);
}

static void
log_test_warn_adds_strerror(void **state)
{
	(void)state;
	log_init(0);
	assert_string_equal(capture_stderr(emit_warn),
		"anycast-healthd: warning: open /run/pptpd.pid: No such file or directory\n"
		"anycast-healthd: warning: plain 7\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(log_test_transition_plain),
		cmocka_unit_test(log_test_stale_journal_stream_is_ignored),
		cmocka_unit_test(log_test_warn_adds_strerror),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
