/*
 * pidfile.c - the pid in a pidfile's bytes (see pidfile.h).  The process
 * and capacity probes read pptpd's pidfile, which any process able to
 * write it may fill with anything: this is the one place that decides
 * what counts as a pid.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "pidfile.h"

/* The kernel's largest pid (PID_MAX_LIMIT, 2^22). */
#define PIDFILE_PID_MAX 4194304

int
pidfile_parse(const char *text, size_t len, pid_t *pid, const char **why)
{
	const char *p = text, *end = text + len;
	uint32_t n = 0;

	if (len > PIDFILE_MAX) {
		*why = "longer than 64 bytes";
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		*why = "holds a NUL byte";
		return -1;
	}
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p == end) {
		*why = "empty";
		return -1;
	}
	if (!isdigit((unsigned char)*p)) {
		*why = "not a number";
		return -1;
	}
	for (; p < end && isdigit((unsigned char)*p); p++) {
		n = n * 10 + (uint32_t)(*p - '0');
		if (n > PIDFILE_PID_MAX) {
			*why = "pid too large";
			return -1;
		}
	}
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p != end) {
		*why = "garbage after the pid";
		return -1;
	}
	if (n <= 1) {
		*why = "not a daemon's pid (0 or 1)";
		return -1;
	}
	*pid = (pid_t)n;
	return 0;
}
