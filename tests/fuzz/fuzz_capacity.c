/*
 * fuzz_capacity.c - libFuzzer target for the capacity probe's readers
 * (capacity_parse.c) and the pidfile reader (pidfile.c).
 *
 * The first input byte picks the reader; the rest is the file's bytes, as
 * probe_capacity.c and probe_process.c would read them: pptpd.conf, one
 * remoteip/localip value, /proc/PID/stat, /proc/PID/limits,
 * /proc/PID/net/tcp (split into lines like getline), an fd link, an
 * nf_conntrack counter, a pidfile.  Every refusal must give a reason;
 * every success values in their ranges.
 */
#include <assert.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "capacity_parse.h"
#include "pidfile.h"

enum fuzz_reader {
	FUZZ_CONF, FUZZ_POOL, FUZZ_STAT, FUZZ_LIMITS, FUZZ_TCP, FUZZ_LINK, FUZZ_COUNTER,
	FUZZ_PIDFILE, FUZZ__COUNT
};

/* A C string of the bytes, for the readers that take one (cut at a NUL,
 * as a C string would be). */
static char *
fuzz_cstring(const char *d, size_t n)
{
	char *s = malloc(n + 1);

	assert(s != NULL);
	memcpy(s, d, n);
	s[n] = '\0';
	return s;
}

static void
fuzz_tcp(const char *d, size_t n)
{
	const char *line = d, *end = d + n, *eol;
	struct capacity_tcp t;

	for (; line < end; line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(end - line));
		if (eol == NULL)
			eol = end - 1;
		if (capacity_parse_tcp(line, (size_t)(eol - line + 1), &t) == 0) {
			assert(t.local.family == AF_INET || t.local.family == AF_INET6);
			assert(t.remote.family == AF_INET || t.remote.family == AF_INET6);
			assert(t.state <= 0xff);
		}
	}
}

static void
fuzz_files(enum fuzz_reader r, const char *d, size_t n)
{
	struct capacity_stat st;
	const char *why = NULL;
	uint64_t v;
	pid_t pid;
	int rc = 0;

	switch (r) {
	case FUZZ_CONF:
		rc = capacity_parse_conf(d, n, &v, &why);
		break;
	case FUZZ_STAT:
		rc = capacity_parse_stat(d, n, &st, &why);
		if (rc == 0)
			assert(st.ppid >= 0 && st.ppid <= CAPACITY_PARSE_PID_MAX &&
			       memchr(st.comm, '\0', sizeof(st.comm)) != NULL);
		break;
	case FUZZ_LIMITS:
		rc = capacity_parse_limits(d, n, &v, &why);
		break;
	case FUZZ_COUNTER:
		rc = capacity_parse_counter(d, n, &v, &why);
		break;
	case FUZZ_PIDFILE:
		rc = pidfile_parse(d, n, &pid, &why);
		if (rc == 0)
			assert(pid >= 2 && pid <= 4194304 && n <= PIDFILE_MAX);
		break;
	default:
		assert(0);
	}
	assert(rc == 0 || rc == -1);
	assert(rc == 0 || (why != NULL && why[0] != '\0'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data + 1;
	enum fuzz_reader r;
	uint64_t v;
	char *s;

	if (size == 0)
		return 0;
	r = (enum fuzz_reader)(data[0] % FUZZ__COUNT);
	size--;
	switch (r) {
	case FUZZ_POOL:
		s = fuzz_cstring(d, size);
		(void)capacity_parse_pool(s, &v);
		free(s);
		break;
	case FUZZ_LINK:
		s = fuzz_cstring(d, size);
		(void)capacity_parse_socket_link(s, &v);
		free(s);
		break;
	case FUZZ_TCP:
		fuzz_tcp(d, size);
		break;
	default:
		fuzz_files(r, d, size);
		break;
	}
	return 0;
}
