/*
 * probe_capacity.c - the "capacity" probe kind: how full is the gateway?
 *
 * Each run reads, without forking and from small kernel files only:
 *
 *   sessions   pptpctrl processes whose parent is pptpd (pid from the
 *              pidfile), found by scanning /proc/[0-9]+/stat, less those
 *              serving this daemon's own pptp-control and pptp-gre probes
 *              (see below); when there are no pptpctrl at all, the ppp*
 *              interfaces in /sys/class/net (a pptpd that does not fork
 *              pptpctrl per call, or a pppd left behind).
 *              Limit: max-sessions, else what pptpd.conf allows (see
 *              capacity_parse_conf: connections, remoteip, localip).
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
 * Our own probes make pptpd fork a pptpctrl too, for a few ms (pptp-control)
 * or up to the timeout (pptp-gre with GRE broken): with a small limit, that
 * alone would read as sessions-high.  pptpd hands the connection to pptpctrl
 * on fd 0, so /proc/PID/fd/0 names its socket inode, and the pptpctrl's own
 * /proc/PID/net/tcp{,6} (its network namespace) its remote address:port.  A
 * pptpctrl whose remote end is the local end of one of our TCP sockets
 * (/proc/self/fd and /proc/self/net/tcp{,6}) is ours: not counted, and
 * reported as "sessions 0/1 own 1 ...".  Anything unreadable on the way
 * counts it as a session: a false sessions-high only makes the gateway less
 * preferred, while a missed session would hide a full one.
 *
 * The work is synchronous (a few hundred small reads every 5 s): start()
 * ends the run before it returns.  The parsers are pure, in
 * capacity_parse.c; the measurement reads /proc and /sys under a root
 * prefix that tests point at a fake tree.
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
#include <sys/socket.h>
#include <unistd.h>

#include "file_util.h"
#include "log.h"
#include "probe.h"
#include "capacity_parse.h"
#include "pidfile.h"
#include "probe_capacity.h"

/* pptpd.conf is small; more than this is not a pptpd.conf. */
#define PROBE_CAPACITY_CONF_MAX			(256 * 1024)
/* The root prefix, then /proc/NAME/stat with a d_name of up to 255 bytes. */
#define PROBE_CAPACITY_PATH_MAX			(PATH_MAX + 300)

/* The kernel's TCP_LISTEN: a listener is never the peer of a pptpctrl. */
#define PROBE_CAPACITY_TCP_LISTEN		10

/* A pptpctrl child of pptpd, while deciding whether it serves our probes. */
struct probe_capacity_ctrl {
	/* first: bsearch finds a ctrl with probe_capacity_inode_cmp */
	uint64_t inode;		/* its fd 0's socket; 0 when not one or unreadable */
	pid_t pid;
	char netns[64];		/* its /proc/PID/ns/net link; "" when unreadable */
	bool own;
};

static char probe_capacity_root[PATH_MAX] = "";

void
probe_capacity_set_root(const char *root)
{
	snprintf(probe_capacity_root, sizeof(probe_capacity_root), "%s", root ? root : "");
}

/* ---- judging and formatting ---- */

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
	if (s->have_sessions && s->own > 0)
		PROBE_CAPACITY_PUT(" own %llu", (unsigned long long)s->own);
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
	if (s->problem[0] != '\0')
		snprintf(buf + off, size - off, "%s%s", off ? "; " : "", s->problem);
}

/* ---- reading /proc and /sys ---- */

/* Read a small regular file into buf (NUL-terminated).  Returns bytes or -1
 * (errno; ENODEV: not a regular file). */
static ssize_t
probe_capacity_read(const char *path, char *buf, size_t size)
{
	size_t off = 0;
	ssize_t n;
	int fd, saved;

	/* non-blocking, regular files only: a FIFO there must not hang the loop */
	fd = file_open_regular(path, NULL);
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

/* A whole number alone in a small file (the conntrack counters). */
static int
probe_capacity_read_number(const char *path, uint64_t *v)
{
	char buf[64];
	const char *why;
	ssize_t n = probe_capacity_read(path, buf, sizeof(buf));

	if (n < 0)
		return -1;
	if (capacity_parse_counter(buf, (size_t)n, v, &why) < 0) {
		log_debug("capacity: %s: %s", path, why);
		return -1;
	}
	return 0;
}

/* NULL and the pid, or the reason with `why` for the detail. */
static const char *
probe_capacity_read_pidfile(const char *path, pid_t *pid, char *problem, size_t size)
{
	char buf[PIDFILE_MAX + 2];	/* one byte more: a longer file shows */
	const char *why;
	ssize_t n = probe_capacity_read(path, buf, sizeof(buf));

	if (n < 0 && errno == ENOENT)
		return "pidfile-missing";
	if (n < 0 && errno == ENODEV)
		snprintf(problem, size, "%s: not a regular file", path);
	if (n < 0)
		return "pidfile-unreadable";
	if (pidfile_parse(buf, (size_t)n, pid, &why) < 0) {
		snprintf(problem, size, "%s: %s", path, why);
		return "pidfile-invalid";
	}
	return NULL;
}

/* Is PID there and not a zombie?  -1 when /proc itself cannot be read. */
static int
probe_capacity_alive(pid_t pid)
{
	char path[PROBE_CAPACITY_PATH_MAX], line[512];
	struct capacity_stat st;
	const char *why;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/proc/%d/stat", probe_capacity_root, (int)pid);
	n = probe_capacity_read(path, line, sizeof(line));
	if (n < 0) {
		if (errno == ENOENT || errno == ESRCH)
			return 0;
		return -1;
	}
	if (capacity_parse_stat(line, (size_t)n, &st, &why) < 0) {
		log_debug("capacity: %s: %s", path, why);
		return -1;
	}
	return st.state != 'Z' && st.state != 'X';
}

/* Room for one more of n elements of size; out of memory is fatal, as in
 * xcalloc. */
static void *
probe_capacity_grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 16;
	v = reallocarray(v, *cap, size);
	if (v == NULL)
		fatalx("out of memory");
	return v;
}

/* A symlink's target, NUL-terminated.  Returns 0, or -1. */
static int
probe_capacity_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n = readlink(path, buf, size - 1);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* pptpctrl children of pid, with their fd 0 socket and network namespace.
 * -1 when /proc cannot be listed. */
static int
probe_capacity_find_ctrls(pid_t pid, struct probe_capacity_ctrl **ctrls, size_t *n)
{
	char path[PROBE_CAPACITY_PATH_MAX], line[512], link[64];
	struct probe_capacity_ctrl *c;
	struct capacity_stat st;
	struct dirent *e;
	size_t cap = 0;
	const char *why;
	ssize_t len;
	DIR *d;

	*ctrls = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/proc", probe_capacity_root);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/proc/%s/stat", probe_capacity_root, e->d_name);
		len = probe_capacity_read(path, line, sizeof(line));
		if (len < 0)
			continue;	/* gone meanwhile */
		if (capacity_parse_stat(line, (size_t)len, &st, &why) < 0 ||
		    st.ppid != pid || strcmp(st.comm, "pptpctrl") != 0)
			continue;
		*ctrls = probe_capacity_grow(*ctrls, &cap, *n, sizeof(**ctrls));
		c = &(*ctrls)[(*n)++];
		memset(c, 0, sizeof(*c));
		c->pid = (pid_t)strtol(e->d_name, NULL, 10);
		snprintf(path, sizeof(path), "%s/proc/%s/fd/0", probe_capacity_root, e->d_name);
		if (probe_capacity_readlink(path, link, sizeof(link)) < 0 ||
		    capacity_parse_socket_link(link, &c->inode) < 0)
			c->inode = 0;
		snprintf(path, sizeof(path), "%s/proc/%s/ns/net", probe_capacity_root, e->d_name);
		if (probe_capacity_readlink(path, c->netns, sizeof(c->netns)) < 0)
			c->netns[0] = '\0';
	}
	closedir(d);
	return 0;
}

/* Every line of ROOT/proc/WHO/net/tcp and tcp6 that parses, to fn.  A table
 * that cannot be read (no IPv6, the process gone) is skipped. */
static void
probe_capacity_scan_tcp(const char *who,
			void (*fn)(const struct capacity_tcp *, void *), void *arg)
{
	static const char *const tables[] = { "tcp", "tcp6" };
	char path[PROBE_CAPACITY_PATH_MAX], *line = NULL;
	struct capacity_tcp t;
	size_t size = 0, i;
	ssize_t len;
	FILE *f;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(path, sizeof(path), "%s/proc/%s/net/%s", probe_capacity_root, who,
			 tables[i]);
		f = fopen(path, "re");
		if (f == NULL)
			continue;
		while ((len = getline(&line, &size, f)) > 0)
			if (capacity_parse_tcp(line, (size_t)len, &t) == 0 && t.inode != 0)
				fn(&t, arg);
		fclose(f);
	}
	free(line);
}

static int
probe_capacity_inode_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Our own sockets: their inodes (sorted), then the local ends of the
 * connected ones, which is what a pptpctrl serving us sees as its peer. */
struct probe_capacity_own {
	uint64_t *inodes;
	size_t n_inodes;
	struct capacity_endpoint *ends;
	size_t n_ends, cap_ends;
};

static void
probe_capacity_own_line(const struct capacity_tcp *t, void *arg)
{
	struct probe_capacity_own *o = arg;

	if (t->state == PROBE_CAPACITY_TCP_LISTEN ||
	    bsearch(&t->inode, o->inodes, o->n_inodes, sizeof(*o->inodes),
		    probe_capacity_inode_cmp) == NULL)
		return;
	o->ends = probe_capacity_grow(o->ends, &o->cap_ends, o->n_ends, sizeof(*o->ends));
	o->ends[o->n_ends++] = t->local;
}

static void
probe_capacity_own_read(struct probe_capacity_own *o)
{
	char path[PROBE_CAPACITY_PATH_MAX], link[64];
	struct dirent *e;
	size_t cap = 0;
	uint64_t inode;
	DIR *d;

	memset(o, 0, sizeof(*o));
	snprintf(path, sizeof(path), "%s/proc/self/fd", probe_capacity_root);
	d = opendir(path);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/proc/self/fd/%s", probe_capacity_root, e->d_name);
		if (probe_capacity_readlink(path, link, sizeof(link)) < 0 ||
		    capacity_parse_socket_link(link, &inode) < 0)
			continue;
		o->inodes = probe_capacity_grow(o->inodes, &cap, o->n_inodes, sizeof(*o->inodes));
		o->inodes[o->n_inodes++] = inode;
	}
	closedir(d);
	if (o->n_inodes == 0)
		return;
	qsort(o->inodes, o->n_inodes, sizeof(*o->inodes), probe_capacity_inode_cmp);
	probe_capacity_scan_tcp("self", probe_capacity_own_line, o);
}

static bool
probe_capacity_own_has(const struct probe_capacity_own *o, const struct capacity_endpoint *e)
{
	size_t i;

	for (i = 0; i < o->n_ends; i++)
		if (o->ends[i].family == e->family && o->ends[i].port == e->port &&
		    memcmp(o->ends[i].addr, e->addr, sizeof(e->addr)) == 0)
			return true;
	return false;
}

/* pptpctrl children sharing one network namespace, sorted by inode. */
struct probe_capacity_group {
	struct probe_capacity_ctrl *ctrls;
	size_t n;
	const struct probe_capacity_own *own;
};

static void
probe_capacity_group_line(const struct capacity_tcp *t, void *arg)
{
	struct probe_capacity_group *g = arg;
	struct probe_capacity_ctrl *c;

	c = bsearch(&t->inode, g->ctrls, g->n, sizeof(*g->ctrls), probe_capacity_inode_cmp);
	if (c != NULL && probe_capacity_own_has(g->own, &t->remote))
		c->own = true;
}

/* By namespace, then inode (the first member of the struct). */
static int
probe_capacity_ctrl_cmp(const void *a, const void *b)
{
	const struct probe_capacity_ctrl *x = a, *y = b;
	int r = strcmp(x->netns, y->netns);

	return r != 0 ? r : probe_capacity_inode_cmp(&x->inode, &y->inode);
}

/* How many of the pptpctrl serve our own probes. */
static uint64_t
probe_capacity_count_own(struct probe_capacity_ctrl *ctrls, size_t n)
{
	struct probe_capacity_own own;
	struct probe_capacity_group g;
	char who[16];
	size_t i, j, k;
	uint64_t count = 0;

	probe_capacity_own_read(&own);
	if (own.n_ends == 0)
		goto done;
	qsort(ctrls, n, sizeof(*ctrls), probe_capacity_ctrl_cmp);
	/* one read of the tables per namespace, through a member's /proc;
	 * an unknown namespace is a group of one */
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && ctrls[i].netns[0] != '\0' &&
		     strcmp(ctrls[j].netns, ctrls[i].netns) == 0; j++)
			;
		for (k = i; k < j && ctrls[k].inode == 0; k++)
			;
		if (k == j)
			continue;	/* no socket to look up */
		g.ctrls = ctrls + i;
		g.n = j - i;
		g.own = &own;
		snprintf(who, sizeof(who), "%d", (int)ctrls[k].pid);
		probe_capacity_scan_tcp(who, probe_capacity_group_line, &g);
	}
	for (i = 0; i < n; i++)
		count += ctrls[i].own;
done:
	free(own.inodes);
	free(own.ends);
	return count;
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
probe_capacity_max_sessions(const struct probe_capacity_config *c, uint64_t *max,
			    char *problem, size_t size)
{
	const char *path = c->pptpd_conf ? c->pptpd_conf : "/etc/pptpd.conf";
	const char *reason = NULL, *why;
	char *text;
	ssize_t n;

	if (c->max_sessions > 0) {
		*max = c->max_sessions;
		return NULL;
	}
	/* two bytes more: the NUL, and one to see a file that is too large */
	text = xcalloc(1, PROBE_CAPACITY_CONF_MAX + 2);
	n = probe_capacity_read(path, text, PROBE_CAPACITY_CONF_MAX + 2);
	if (n < 0) {
		reason = errno == ENOENT ? "pptpd-conf-missing" : "pptpd-conf-unreadable";
		if (errno == ENODEV)
			snprintf(problem, size, "%s: not a regular file", path);
	} else if (n > PROBE_CAPACITY_CONF_MAX) {
		snprintf(problem, size, "%s: larger than 256 KiB", path);
		reason = "pptpd-conf-invalid";
	} else if (capacity_parse_conf(text, (size_t)n, max, &why) < 0) {
		snprintf(problem, size, "%s: %s", path, why);
		reason = "pptpd-conf-invalid";
	}
	free(text);
	return reason;
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
	struct probe_capacity_ctrl *ctrls;
	const char *why;
	pid_t pid = 0;
	ssize_t len;
	size_t n;
	int alive;

	memset(s, 0, sizeof(*s));
	/* conntrack does not depend on pptpd: report it whatever happens */
	probe_capacity_read_conntrack(s);
	*reason = probe_capacity_read_pidfile(c->pidfile ? c->pidfile : "/run/pptpd.pid", &pid,
					      s->problem, sizeof(s->problem));
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

	if (probe_capacity_find_ctrls(pid, &ctrls, &n) < 0) {
		*reason = "proc-unreadable";
		return PROBE_ERROR;
	}
	if (n > 0) {
		s->own = probe_capacity_count_own(ctrls, n);
		s->sessions = n - s->own;
	} else {
		s->sessions = probe_capacity_count_ppp();
	}
	free(ctrls);
	*reason = probe_capacity_max_sessions(c, &s->max_sessions, s->problem,
					      sizeof(s->problem));
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
	len = probe_capacity_read(path, text, sizeof(text));
	if (len < 0) {
		*reason = "limits-unreadable";
		return PROBE_ERROR;
	}
	if (capacity_parse_limits(text, (size_t)len, &s->max_fds, &why) < 0) {
		snprintf(s->problem, sizeof(s->problem), "/proc/%d/limits: %s", (int)pid, why);
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
