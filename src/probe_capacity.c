/*
 * probe_capacity.c - the "capacity" probe kind: how full is the gateway?
 *
 * Each run reads, without forking and from small kernel files only:
 *
 *   sessions   pptpctrl processes whose parent is pptpd (pid from the
 *              pidfile), found by scanning /proc/[0-9]+/stat; when there
 *              are none, the ppp* interfaces in /sys/class/net (a pptpd that
 *              does not fork pptpctrl per call, or a pppd left behind).
 *              Limit: max-sessions, else what pptpd.conf allows (see
 *              probe_capacity_parse_conf: connections, remoteip, localip).
 *   fds        entries of /proc/PID/fd against the soft "Max open files"
 *              of /proc/PID/limits (pptpd runs out of them before its pool
 *              is full when a limit is set low).
 *   conntrack  /proc/sys/net/netfilter/nf_conntrack_count against
 *              nf_conntrack_max; skipped where conntrack is not loaded.
 *
 * At or over a threshold the result is DEGRADED (still serving, announced
 * less preferred) with the first crossed of sessions-high, fds-high,
 * conntrack-high; UP "ok" otherwise.  pptpd not running is DOWN
 * (pidfile-missing, process-gone...): the process probe is the one meant to
 * withdraw for that, but a capacity probe must not claim "ok" either.
 * Unreadable /proc or pptpd.conf is ERROR.  Every report carries the numbers
 * it could read as its detail, e.g. "sessions 45/50 fds 120/1024
 * conntrack 3000/262144".
 *
 * The work is synchronous (a few hundred small reads every 5 s): start()
 * ends the run before it returns.  Parsers are pure and declared in
 * probe_capacity.h with the measurement, which reads /proc and /sys under a
 * root prefix that tests point at a fake tree.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "log.h"
#include "probe.h"
#include "probe_capacity.h"

/* pptpd's defaults (pptpd defaults.h) when pptpd.conf says nothing. */
#define PROBE_CAPACITY_PPTPD_CONNECTIONS	100
#define PROBE_CAPACITY_PPTPD_REMOTEIP		"192.168.1.1-100"
#define PROBE_CAPACITY_PPTPD_LOCALIP		"192.168.0.1-100"
/* pptpd.conf is small; more than this is not a pptpd.conf. */
#define PROBE_CAPACITY_CONF_MAX			(256 * 1024)
/* The root prefix, then /proc/NAME/stat with a d_name of up to 255 bytes. */
#define PROBE_CAPACITY_PATH_MAX			(PATH_MAX + 300)

static char probe_capacity_root[PATH_MAX] = "";

void
probe_capacity_set_root(const char *root)
{
	snprintf(probe_capacity_root, sizeof(probe_capacity_root), "%s", root ? root : "");
}

/* ---- pure parsers ---- */

/* A decimal octet 0..255 spanning exactly [s, end). */
static int
probe_capacity_octet(const char *s, const char *end, unsigned *v)
{
	unsigned n = 0;

	if (s == end || end - s > 3)
		return -1;
	for (; s < end; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		n = n * 10 + (unsigned)(*s - '0');
	}
	if (n > 255)
		return -1;
	*v = n;
	return 0;
}

/* "a.b.c.d" with one octet "lo-hi": pptpd assigns lo..hi (none if hi < lo). */
static int
probe_capacity_range(const char *s, size_t len, uint64_t *count)
{
	const char *end = s + len, *dot, *dash;
	unsigned lo = 0, hi = 0, v;
	int octet;
	bool ranged = false;

	for (octet = 0; octet < 4; octet++) {
		dot = memchr(s, '.', (size_t)(end - s));
		if (dot == NULL)
			dot = end;
		if ((octet < 3) != (dot != end))	/* exactly four octets */
			return -1;
		dash = memchr(s, '-', (size_t)(dot - s));
		if (dash != NULL) {
			if (probe_capacity_octet(s, dash, &lo) < 0 ||
			    probe_capacity_octet(dash + 1, dot, &hi) < 0)
				return -1;
			ranged = true;
		} else if (probe_capacity_octet(s, dot, &v) < 0) {
			return -1;
		}
		if (dot != end)
			s = dot + 1;
	}
	if (!ranged)
		return -1;
	*count = hi >= lo ? hi - lo + 1 : 0;
	return 0;
}

/* One entry of a pool list, blanks trimmed. */
static int
probe_capacity_pool_entry(const char *s, size_t len, uint64_t *count)
{
	char buf[256];
	struct in_addr a;
	size_t i, dashes = 0, dots = 0;
	bool digits_only = true, alpha = false;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '-')
			dashes++;
		else if (s[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)s[i]))
			digits_only = false;
		if (isalpha((unsigned char)s[i]))
			alpha = true;
		else if (!isdigit((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return -1;
	}
	/* pptpd's own test for a range: digits, one dash, three dots */
	if (digits_only && dashes == 1 && dots == 3)
		return probe_capacity_range(s, len, count);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &a) == 1 || alpha) {
		*count = 1;	/* an address, or a name pptpd resolves to one */
		return 0;
	}
	return -1;
}

int
probe_capacity_parse_pool(const char *list, uint64_t *count)
{
	const char *p = list, *end, *a, *b;
	uint64_t total = 0, n;

	for (;;) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		for (a = p; a < end && isspace((unsigned char)*a); a++)
			;
		for (b = end; b > a && isspace((unsigned char)b[-1]); b--)
			;
		if (probe_capacity_pool_entry(a, (size_t)(b - a), &n) < 0)
			return -1;
		total += n;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	*count = total;
	return 0;
}

/* The value of the first line starting with `keyword` (pptpd's reading:
 * keyword at column 0, blanks, value; '#' lines skipped), copied into
 * val without a trailing comment.  Returns 1 found, 0 not. */
static int
probe_capacity_conf_value(const char *text, const char *keyword, char *val, size_t size)
{
	size_t klen = strlen(keyword), n;
	const char *line = text, *eol, *v, *hash;

	for (; *line != '\0'; line = *eol ? eol + 1 : eol) {
		eol = strchr(line, '\n');
		if (eol == NULL)
			eol = line + strlen(line);
		if (strncmp(line, keyword, klen) != 0 ||
		    (line + klen != eol && !isspace((unsigned char)line[klen])))
			continue;
		for (v = line + klen; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		hash = memchr(v, '#', (size_t)(eol - v));
		n = (size_t)((hash ? hash : eol) - v);
		while (n > 0 && isspace((unsigned char)v[n - 1]))
			n--;
		if (n >= size)
			n = size - 1;
		memcpy(val, v, n);
		val[n] = '\0';
		return 1;
	}
	return 0;
}

int
probe_capacity_parse_conf(const char *text, uint64_t *limit)
{
	char val[4096];
	uint64_t connections = PROBE_CAPACITY_PPTPD_CONNECTIONS, remote, local;
	long n;

	if (probe_capacity_conf_value(text, "connections", val, sizeof(val))) {
		n = strtol(val, NULL, 10);	/* pptpd: atoi, <= 0 means default */
		if (n > 0)
			connections = (uint64_t)n;
	}
	if (probe_capacity_conf_value(text, "delegate", val, sizeof(val))) {
		*limit = connections;	/* radius or pppd assigns the addresses */
		return 0;
	}
	if (!probe_capacity_conf_value(text, "remoteip", val, sizeof(val)))
		snprintf(val, sizeof(val), "%s", PROBE_CAPACITY_PPTPD_REMOTEIP);
	if (probe_capacity_parse_pool(val, &remote) < 0)
		return -1;
	if (!probe_capacity_conf_value(text, "localip", val, sizeof(val)))
		snprintf(val, sizeof(val), "%s", PROBE_CAPACITY_PPTPD_LOCALIP);
	if (probe_capacity_parse_pool(val, &local) < 0)
		return -1;
	if (remote < connections)
		connections = remote;
	/* one local address is shared by every session */
	if (local > 1 && local < connections)
		connections = local;
	*limit = connections;
	return 0;
}

int
probe_capacity_parse_stat(const char *line, pid_t *ppid, char *comm, size_t comm_size)
{
	const char *open = strchr(line, '('), *close = strrchr(line, ')');
	char *end;
	size_t n;
	long v;

	if (open == NULL || close == NULL || close < open || comm_size == 0)
		return -1;
	/* ") S PPID" */
	if (close[1] != ' ' || close[2] == '\0' || close[3] != ' ')
		return -1;
	errno = 0;
	v = strtol(close + 4, &end, 10);
	if (errno != 0 || end == close + 4 || (*end != ' ' && *end != '\n' && *end != '\0') ||
	    v < 0)
		return -1;
	n = (size_t)(close - open - 1);
	if (n >= comm_size)
		n = comm_size - 1;
	memcpy(comm, open + 1, n);
	comm[n] = '\0';
	*ppid = (pid_t)v;
	return 0;
}

int
probe_capacity_parse_limits(const char *text, uint64_t *soft)
{
	static const char name[] = "Max open files";
	const char *line, *p;
	char *end;
	unsigned long long v;

	for (line = text; line != NULL; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, name, sizeof(name) - 1) != 0)
			continue;
		for (p = line + sizeof(name) - 1; *p == ' ' || *p == '\t'; p++)
			;
		if (strncmp(p, "unlimited", 9) == 0) {
			*soft = PROBE_CAPACITY_UNLIMITED;
			return 0;
		}
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno != 0 || end == p || !isdigit((unsigned char)*p))
			return -1;
		*soft = v;
		return 0;
	}
	return -1;
}

/* used at or over percent of max?  No limit is never crossed. */
static bool
probe_capacity_crossed(uint64_t used, uint64_t max, uint32_t percent)
{
	if (max == 0 || max == PROBE_CAPACITY_UNLIMITED)
		return false;
	/* long double: used * 100 must not wrap for 64-bit counters */
	return (long double)used * 100.0L >= (long double)percent * (long double)max;
}

enum probe_result
probe_capacity_evaluate(const struct probe_capacity_config *c,
			const struct probe_capacity_sample *s, const char **reason)
{
	if (s->have_sessions && probe_capacity_crossed(s->sessions, s->max_sessions,
						       c->sessions_percent)) {
		*reason = "sessions-high";
		return PROBE_DEGRADED;
	}
	if (s->have_fds && probe_capacity_crossed(s->fds, s->max_fds, c->fds_percent)) {
		*reason = "fds-high";
		return PROBE_DEGRADED;
	}
	if (s->have_conntrack && probe_capacity_crossed(s->conntrack, s->conntrack_max,
							c->conntrack_percent)) {
		*reason = "conntrack-high";
		return PROBE_DEGRADED;
	}
	*reason = "ok";
	return PROBE_UP;
}

void
probe_capacity_format(const struct probe_capacity_sample *s, char *buf, size_t size)
{
	size_t off = 0;
	int n;

	if (size == 0)
		return;
	buf[0] = '\0';
#define PROBE_CAPACITY_PUT(...) do {						\
		n = snprintf(buf + off, size - off, __VA_ARGS__);		\
		if (n < 0 || (size_t)n >= size - off) {			\
			buf[off] = '\0';	/* whole parts only */		\
			return;							\
		}								\
		off += (size_t)n;						\
	} while (0)
	if (s->have_sessions)
		PROBE_CAPACITY_PUT("sessions %llu/%llu", (unsigned long long)s->sessions,
				   (unsigned long long)s->max_sessions);
	if (s->have_fds && s->max_fds == PROBE_CAPACITY_UNLIMITED)
		PROBE_CAPACITY_PUT("%sfds %llu/unlimited", off ? " " : "",
				   (unsigned long long)s->fds);
	else if (s->have_fds)
		PROBE_CAPACITY_PUT("%sfds %llu/%llu", off ? " " : "", (unsigned long long)s->fds,
				   (unsigned long long)s->max_fds);
	if (s->have_conntrack)
		PROBE_CAPACITY_PUT("%sconntrack %llu/%llu", off ? " " : "",
				   (unsigned long long)s->conntrack,
				   (unsigned long long)s->conntrack_max);
#undef PROBE_CAPACITY_PUT
}

/* ---- reading /proc and /sys ---- */

/* Read a small file into buf (NUL-terminated).  Returns bytes or -1 (errno). */
static ssize_t
probe_capacity_read(const char *path, char *buf, size_t size)
{
	size_t off = 0;
	ssize_t n;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	while (off + 1 < size) {
		n = read(fd, buf + off, size - 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	return (ssize_t)off;
}

/* A whole number alone in a small file. */
static int
probe_capacity_read_number(const char *path, uint64_t *v)
{
	char buf[64], *end;

	if (probe_capacity_read(path, buf, sizeof(buf)) <= 0)
		return -1;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (errno != 0 || end == buf || !isdigit((unsigned char)buf[0]))
		return -1;
	return 0;
}

static const char *
probe_capacity_read_pidfile(const char *path, pid_t *pid)
{
	char buf[32], *end;
	long v;

	if (probe_capacity_read(path, buf, sizeof(buf)) < 0)
		return errno == ENOENT ? "pidfile-missing" : "pidfile-unreadable";
	errno = 0;
	v = strtol(buf, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (errno != 0 || end == buf || *end != '\0' || v <= 1 || v > 4194304)
		return "pidfile-invalid";
	*pid = (pid_t)v;
	return NULL;
}

/* Is PID there and not a zombie?  -1 when /proc itself cannot be read. */
static int
probe_capacity_alive(pid_t pid)
{
	char path[PROBE_CAPACITY_PATH_MAX], line[512], comm[64];
	const char *state;
	pid_t ppid;

	snprintf(path, sizeof(path), "%s/proc/%d/stat", probe_capacity_root, (int)pid);
	if (probe_capacity_read(path, line, sizeof(line)) < 0) {
		if (errno == ENOENT || errno == ESRCH)
			return 0;
		return -1;
	}
	if (probe_capacity_parse_stat(line, &ppid, comm, sizeof(comm)) < 0)
		return -1;
	state = strrchr(line, ')');
	return state[2] != 'Z' && state[2] != 'X';
}

/* pptpctrl children of pid.  -1 when /proc cannot be listed. */
static int
probe_capacity_count_children(pid_t pid, uint64_t *count)
{
	char path[PROBE_CAPACITY_PATH_MAX], line[512], comm[64];
	struct dirent *e;
	pid_t ppid;
	DIR *d;

	snprintf(path, sizeof(path), "%s/proc", probe_capacity_root);
	d = opendir(path);
	if (d == NULL)
		return -1;
	*count = 0;
	while ((e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/proc/%s/stat", probe_capacity_root, e->d_name);
		if (probe_capacity_read(path, line, sizeof(line)) < 0)
			continue;	/* gone meanwhile */
		if (probe_capacity_parse_stat(line, &ppid, comm, sizeof(comm)) == 0 &&
		    ppid == pid && strcmp(comm, "pptpctrl") == 0)
			(*count)++;
	}
	closedir(d);
	return 0;
}

/* ppp* interfaces; 0 when /sys/class/net cannot be read. */
static uint64_t
probe_capacity_count_ppp(void)
{
	char path[PROBE_CAPACITY_PATH_MAX];
	struct dirent *e;
	uint64_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/sys/class/net", probe_capacity_root);
	d = opendir(path);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "ppp", 3) == 0)
			n++;
	closedir(d);
	return n;
}

/* Entries of a directory but . and ..; -1 (errno) when unreadable. */
static int
probe_capacity_count_dir(const char *path, uint64_t *count)
{
	struct dirent *e;
	DIR *d = opendir(path);

	if (d == NULL)
		return -1;
	*count = 0;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			(*count)++;
	closedir(d);
	return 0;
}

static const char *
probe_capacity_max_sessions(const struct probe_capacity_config *c, uint64_t *max)
{
	const char *path = c->pptpd_conf ? c->pptpd_conf : "/etc/pptpd.conf";
	char *text;
	ssize_t n;

	if (c->max_sessions > 0) {
		*max = c->max_sessions;
		return NULL;
	}
	text = xcalloc(1, PROBE_CAPACITY_CONF_MAX + 1);
	n = probe_capacity_read(path, text, PROBE_CAPACITY_CONF_MAX + 1);
	if (n < 0) {
		free(text);
		return errno == ENOENT ? "pptpd-conf-missing" : "pptpd-conf-unreadable";
	}
	if (probe_capacity_parse_conf(text, max) < 0) {
		free(text);
		return "pptpd-conf-invalid";
	}
	free(text);
	return NULL;
}

static void
probe_capacity_read_conntrack(struct probe_capacity_sample *s)
{
	char path[PROBE_CAPACITY_PATH_MAX];

	snprintf(path, sizeof(path), "%s/proc/sys/net/netfilter/nf_conntrack_count",
		 probe_capacity_root);
	if (probe_capacity_read_number(path, &s->conntrack) < 0)
		return;
	snprintf(path, sizeof(path), "%s/proc/sys/net/netfilter/nf_conntrack_max",
		 probe_capacity_root);
	if (probe_capacity_read_number(path, &s->conntrack_max) < 0)
		return;
	s->have_conntrack = true;
}

enum probe_result
probe_capacity_measure(const struct probe_capacity_config *c, struct probe_capacity_sample *s,
		       const char **reason)
{
	char path[PROBE_CAPACITY_PATH_MAX], text[4096];
	pid_t pid = 0;
	int alive;

	memset(s, 0, sizeof(*s));
	/* conntrack does not depend on pptpd: report it whatever happens */
	probe_capacity_read_conntrack(s);
	*reason = probe_capacity_read_pidfile(c->pidfile ? c->pidfile : "/run/pptpd.pid", &pid);
	if (*reason != NULL)
		return PROBE_DOWN;
	alive = probe_capacity_alive(pid);
	if (alive < 0) {
		*reason = "proc-unreadable";
		return PROBE_ERROR;
	}
	if (alive == 0) {
		*reason = "process-gone";
		return PROBE_DOWN;
	}

	if (probe_capacity_count_children(pid, &s->sessions) < 0) {
		*reason = "proc-unreadable";
		return PROBE_ERROR;
	}
	if (s->sessions == 0)
		s->sessions = probe_capacity_count_ppp();
	*reason = probe_capacity_max_sessions(c, &s->max_sessions);
	if (*reason != NULL)
		return PROBE_ERROR;
	s->have_sessions = true;

	snprintf(path, sizeof(path), "%s/proc/%d/fd", probe_capacity_root, (int)pid);
	if (probe_capacity_count_dir(path, &s->fds) < 0) {
		if (errno == ENOENT) {	/* it exited since we looked */
			*reason = "process-gone";
			return PROBE_DOWN;
		}
		*reason = "fds-unreadable";
		return PROBE_ERROR;
	}
	snprintf(path, sizeof(path), "%s/proc/%d/limits", probe_capacity_root, (int)pid);
	if (probe_capacity_read(path, text, sizeof(text)) < 0 ||
	    probe_capacity_parse_limits(text, &s->max_fds) < 0) {
		*reason = "limits-unreadable";
		return PROBE_ERROR;
	}
	s->have_fds = true;
	*reason = "ok";
	return PROBE_UP;
}

/* ---- probe_ops ---- */

static void
probe_capacity_start(struct probe *p)
{
	const struct probe_capacity_config *c = PROBE_CFG(p, capacity);
	struct probe_capacity_sample s;
	enum probe_result result;
	const char *reason;
	char detail[PROBE_DETAIL_MAX];

	result = probe_capacity_measure(c, &s, &reason);
	if (result == PROBE_UP)
		result = probe_capacity_evaluate(c, &s, &reason);
	probe_capacity_format(&s, detail, sizeof(detail));
	log_debug("probe %s: capacity %s %s (%s)", p->cfg->name, probe_result_names[result],
		  reason, detail);
	probe_done_detail(p, result, reason, "%s", detail);
}

const struct probe_ops probe_capacity_ops = {
	.kind = "capacity",
	.start = probe_capacity_start,
};
