/*
 * test_probe_capacity.c - the "capacity" probe kind (probe_capacity.c).
 *
 * The judgement and the detail are driven with plain data (the parsers are
 * test_capacity_parse.c's); the measurement runs through
 * the real scheduler (probe.c) on a real libev loop, against a fake /proc and
 * /sys tree in a temporary directory (probe_capacity_set_root) and once
 * against the real /proc with a fake "pptpd" whose two children run through
 * a symlink named pptpctrl (a process's comm is its file name).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>
#include <ev.h>

#include "probe.h"
#include "probe_capacity.h"
#include "support/probe_harness.h"

#define FAKE_PID 4242

/* ---- judging and formatting (the parsers: test_capacity_parse.c) ---- */

static const struct probe_capacity_config thresholds = {
	.sessions_percent = 90, .fds_percent = 90, .conntrack_percent = 80,
};

static const char *
judge(const struct probe_capacity_sample *s)
{
	const char *reason = NULL;
	enum probe_result r = probe_capacity_evaluate(&thresholds, s, &reason);

	assert_int_equal(r, strcmp(reason, "ok") == 0 ? PROBE_UP : PROBE_DEGRADED);
	return reason;
}

static void
probe_capacity_test_evaluate(void **state)
{
	struct probe_capacity_sample s = {
		.have_sessions = true, .sessions = 44, .max_sessions = 50,
		.have_fds = true, .fds = 921, .max_fds = 1024,
		.have_conntrack = true, .conntrack = 7999, .conntrack_max = 10000,
	};

	(void)state;
	assert_string_equal(judge(&s), "ok");
	s.sessions = 45;				/* exactly 90 % */
	assert_string_equal(judge(&s), "sessions-high");
	s.sessions = 44;
	s.fds = 922;					/* 90.04 % */
	assert_string_equal(judge(&s), "fds-high");
	s.fds = 921;
	s.conntrack = 8000;
	assert_string_equal(judge(&s), "conntrack-high");
	/* the first one crossed, in the order sessions, fds, conntrack */
	s.fds = 1024;
	assert_string_equal(judge(&s), "fds-high");
	s.sessions = 60;
	assert_string_equal(judge(&s), "sessions-high");
	/* no limit, an unknown limit, or a part not read never degrades */
	s.max_sessions = 0;
	s.max_fds = PROBE_CAPACITY_UNLIMITED;
	s.have_conntrack = false;
	assert_string_equal(judge(&s), "ok");
	/* counters that would wrap when multiplied by 100 */
	s.have_fds = true;
	s.fds = UINT64_MAX / 2;
	s.max_fds = UINT64_MAX - 1;
	assert_string_equal(judge(&s), "ok");
}

static void
probe_capacity_test_format(void **state)
{
	struct probe_capacity_sample s = {
		.have_sessions = true, .sessions = 45, .max_sessions = 50,
		.have_fds = true, .fds = 120, .max_fds = 1024,
		.have_conntrack = true, .conntrack = 3000, .conntrack_max = 262144,
	};
	char buf[PROBE_DETAIL_MAX], small[20];

	(void)state;
	probe_capacity_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "sessions 45/50 fds 120/1024 conntrack 3000/262144");
	s.max_fds = PROBE_CAPACITY_UNLIMITED;
	probe_capacity_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "sessions 45/50 fds 120/unlimited conntrack 3000/262144");
	s.own = 2;
	probe_capacity_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "sessions 45/50 own 2 fds 120/unlimited conntrack 3000/262144");
	s.have_sessions = false;
	s.have_fds = false;
	probe_capacity_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "conntrack 3000/262144");
	s.have_conntrack = false;
	probe_capacity_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "");
	/* a short buffer keeps whole parts only */
	s.have_sessions = true;
	s.have_fds = true;
	probe_capacity_format(&s, small, sizeof(small));
	assert_string_equal(small, "sessions 45/50");
}

/* ---- the probe against a fake tree ---- */

struct t {
	struct probe_harness h;
	char root[64];
	char path[PATH_MAX];
};

static const char *
tpath(struct t *t, const char *rel)
{
	snprintf(t->path, sizeof(t->path), "%s/%s", t->root, rel);
	return t->path;
}

static void
mkdirs(struct t *t, const char *rel)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s/%s", t->root, rel);
	for (p = buf + strlen(t->root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		assert_true(mkdir(buf, 0755) == 0 || errno == EEXIST);
		*p = '/';
	}
	assert_true(mkdir(buf, 0755) == 0 || errno == EEXIST);
}

static void put(struct t *t, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
put(struct t *t, const char *rel, const char *fmt, ...)
{
	char buf[PATH_MAX], *slash;
	va_list ap;
	FILE *f;

	snprintf(buf, sizeof(buf), "%s", rel);
	slash = strrchr(buf, '/');
	if (slash != NULL) {
		*slash = '\0';
		mkdirs(t, buf);
	}
	f = fopen(tpath(t, rel), "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static void
fake_proc(struct t *t, int pid, int ppid, const char *comm, char state)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "proc/%d/stat", pid);
	put(t, rel, "%d (%s) %c %d %d %d 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 1234\n",
	    pid, comm, state, ppid, pid, pid);
}

static void
fake_fds(struct t *t, int n)
{
	char rel[64];

	mkdirs(t, "proc/4242/fd");
	for (int i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "proc/4242/fd/%d", i);
		put(t, rel, "%s", "");
	}
}

static void
fake_limits(struct t *t, const char *soft)
{
	put(t, "proc/4242/limits",
	    "Limit                     Soft Limit           Hard Limit           Units     \n"
	    "Max open files            %-20s 524288               files     \n", soft);
}

static void
fake_link(struct t *t, const char *rel, const char *target)
{
	char dir[PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	*slash = '\0';
	mkdirs(t, dir);
	unlink(tpath(t, rel));
	assert_int_equal(symlink(target, tpath(t, rel)), 0);
}

/* "ADDR:PORT" as the kernel prints it on this host: each 32-bit word of the
 * address as it sits in memory, %08X. */
static const char *
kernel_endpoint(char *buf, size_t size, const char *addr, unsigned port)
{
	uint8_t a[16];
	uint32_t w;
	size_t off = 0, i, words = strchr(addr, ':') ? 4 : 1;

	assert_int_equal(inet_pton(words == 4 ? AF_INET6 : AF_INET, addr, a), 1);
	for (i = 0; i < words; i++) {
		memcpy(&w, a + i * 4, 4);
		off += (size_t)snprintf(buf + off, size - off, "%08X", w);
	}
	snprintf(buf + off, size - off, ":%04X", port);
	return buf;
}

/* Append a socket line to the table ROOT/REL (created with a header). */
static void
fake_tcp(struct t *t, const char *rel, const char *laddr, unsigned lport, const char *raddr,
	 unsigned rport, unsigned st, unsigned inode)
{
	char local[64], remote[64], dir[PATH_MAX];
	bool fresh;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", rel);
	*strrchr(dir, '/') = '\0';
	mkdirs(t, dir);
	fresh = access(tpath(t, rel), F_OK) != 0;
	f = fopen(tpath(t, rel), "a");
	assert_non_null(f);
	if (fresh)
		fprintf(f, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
			"retrnsmt   uid  timeout inode\n");
	fprintf(f, "   0: %s %s %02X 00000000:00000000 00:00000000 00000000     0        0 %u 1 "
		"0000000000000000 20 4 30 10 -1\n",
		kernel_endpoint(local, sizeof(local), laddr, lport),
		kernel_endpoint(remote, sizeof(remote), raddr, rport), st, inode);
	fclose(f);
}

/* A pptpctrl child of the fake pptpd whose fd 0 is socket INODE (0: no fd 0
 * link) in network namespace NS (NULL: no ns link). */
static void
fake_ctrl(struct t *t, int pid, unsigned inode, const char *ns)
{
	char rel[64], target[64];

	fake_proc(t, pid, FAKE_PID, "pptpctrl", 'S');
	if (inode != 0) {
		snprintf(rel, sizeof(rel), "proc/%d/fd/0", pid);
		snprintf(target, sizeof(target), "socket:[%u]", inode);
		fake_link(t, rel, target);
	}
	if (ns != NULL) {
		snprintf(rel, sizeof(rel), "proc/%d/ns/net", pid);
		fake_link(t, rel, ns);
	}
}

#define NS_ROOT "net:[4026531840]"

/* pptpd 4242 with 2 pptpctrl children (and decoys), 3 fds of 1024,
 * conntrack 100 of 262144, a pool of 6, eth0 and ppp0.  5001 serves
 * 127.0.0.1:40001 (socket 7001), 5002 [2001:db8::7]:40002 (socket 7002);
 * their namespace's tables are readable through 5001 only, so they are read
 * once for both.  This daemon ("self") has a terminal, a listener and a
 * connection of its own, none of them a pptpctrl's peer. */
static void
fake_tree(struct t *t)
{
	fake_proc(t, 1, 0, "init", 'S');
	fake_proc(t, FAKE_PID, 1, "pptpd", 'S');
	fake_ctrl(t, 5001, 7001, NS_ROOT);
	fake_ctrl(t, 5002, 7002, NS_ROOT);
	fake_tcp(t, "proc/5001/net/tcp", "127.0.0.1", 1723, "0.0.0.0", 0, 0x0A, 7000);
	fake_tcp(t, "proc/5001/net/tcp", "127.0.0.1", 1723, "127.0.0.1", 40001, 0x01, 7001);
	fake_tcp(t, "proc/5001/net/tcp", "127.0.0.1", 40001, "127.0.0.1", 1723, 0x01, 8001);
	fake_tcp(t, "proc/5001/net/tcp6", "2001:db8::1", 1723, "2001:db8::7", 40002, 0x01, 7002);
	fake_link(t, "proc/self/fd/0", "/dev/pts/0");
	fake_link(t, "proc/self/fd/3", "socket:[9000]");
	fake_link(t, "proc/self/fd/4", "socket:[9002]");
	fake_tcp(t, "proc/self/net/tcp", "0.0.0.0", 8080, "0.0.0.0", 0, 0x0A, 9000);
	fake_tcp(t, "proc/self/net/tcp", "127.0.0.1", 50000, "127.0.0.1", 179, 0x01, 9002);
	fake_proc(t, 5003, FAKE_PID, "bcrelay", 'S');	/* not a session */
	fake_proc(t, 5004, 1, "pptpctrl", 'S');		/* another pptpd's */
	mkdirs(t, "proc/self");				/* not a pid: skipped */
	mkdirs(t, "proc/thread-self");
	fake_fds(t, 3);
	fake_limits(t, "1024");
	put(t, "proc/sys/net/netfilter/nf_conntrack_count", "100\n");
	put(t, "proc/sys/net/netfilter/nf_conntrack_max", "262144\n");
	mkdirs(t, "sys/class/net/eth0");
	mkdirs(t, "sys/class/net/ppp0");
	put(t, "run/pptpd.pid", "%d\n", FAKE_PID);
	put(t, "etc/pptpd.conf", "localip 192.168.0.1\nremoteip 192.168.0.234-238,192.168.0.245\n");
}

static char *
xstrdup_test(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	snprintf(t->root, sizeof(t->root), "/tmp/test_probe_capacity.XXXXXX");
	assert_non_null(mkdtemp(t->root));
	/* a loop of its own: the default loop would reap our fake pptpd */
	probe_harness_setup(&t->h, NULL, "capacity-test", PROBE_KIND_CAPACITY);
	t->h.guard_seconds = 3.;
	t->h.check_fds = false;
	t->h.cfg.u.capacity.pidfile = xstrdup_test(tpath(t, "run/pptpd.pid"));
	t->h.cfg.u.capacity.pptpd_conf = xstrdup_test(tpath(t, "etc/pptpd.conf"));
	t->h.cfg.u.capacity.max_sessions = 0;
	t->h.cfg.u.capacity.sessions_percent = 90;
	t->h.cfg.u.capacity.fds_percent = 90;
	t->h.cfg.u.capacity.conntrack_percent = 90;
	probe_capacity_set_root(t->root);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;
	char cmd[PATH_MAX + 16];

	probe_harness_teardown(&t->h);
	probe_capacity_set_root(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t->root);
	assert_int_equal(system(cmd), 0);
	free(t->h.cfg.u.capacity.pidfile);
	free(t->h.cfg.u.capacity.pptpd_conf);
	free(t);
	return 0;
}

/* The report as assert_report() wants it, and its detail. */
static void
assert_report_detail(const struct probe_harness *h, enum probe_result result, const char *reason,
		     const char *detail)
{
	assert_report(h, result, reason);
	assert_string_equal(h->report.detail, detail);
}

static void
probe_capacity_test_ok(void **state)
{
	struct t *t = *state;

	fake_tree(t);
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_UP, "ok", "sessions 2/6 fds 3/1024 conntrack 100/262144");
}

static void
probe_capacity_test_sessions_high(void **state)
{
	struct t *t = *state;

	fake_tree(t);
	fake_proc(t, 5005, FAKE_PID, "pptpctrl", 'S');
	fake_proc(t, 5006, FAKE_PID, "pptpctrl", 'S');
	fake_proc(t, 5007, FAKE_PID, "pptpctrl", 'S');
	probe_harness_run(&t->h);
	/* 5 of 6 is 83 %: under 90 */
	assert_report_detail(&t->h, PROBE_UP, "ok", "sessions 5/6 fds 3/1024 conntrack 100/262144");
	probe_destroy(t->h.probe);
	t->h.n_reports = 0;
	fake_proc(t, 5008, FAKE_PID, "pptpctrl", 'S');
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_DEGRADED, "sessions-high",
			     "sessions 6/6 fds 3/1024 conntrack 100/262144");
}

static void
probe_capacity_test_max_sessions(void **state)
{
	struct t *t = *state;

	/* the configured limit wins; pptpd.conf is not even read */
	fake_tree(t);
	assert_int_equal(unlink(tpath(t, "etc/pptpd.conf")), 0);
	t->h.cfg.u.capacity.max_sessions = 2;
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_DEGRADED, "sessions-high",
			     "sessions 2/2 fds 3/1024 conntrack 100/262144");
}

static void
probe_capacity_test_fds_high(void **state)
{
	struct t *t = *state;

	fake_tree(t);
	fake_limits(t, "3");
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_DEGRADED, "fds-high", "sessions 2/6 fds 3/3 conntrack 100/262144");
}

static void
probe_capacity_test_fds_unlimited(void **state)
{
	struct t *t = *state;

	fake_tree(t);
	fake_limits(t, "unlimited");
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_UP, "ok", "sessions 2/6 fds 3/unlimited conntrack 100/262144");
}

static void
probe_capacity_test_conntrack_high(void **state)
{
	struct t *t = *state;

	fake_tree(t);
	put(t, "proc/sys/net/netfilter/nf_conntrack_count", "235930\n");	/* 90.0003 % */
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_DEGRADED, "conntrack-high",
			     "sessions 2/6 fds 3/1024 conntrack 235930/262144");
}

static void
probe_capacity_test_first_crossed(void **state)
{
	struct t *t = *state;

	fake_tree(t);
	fake_limits(t, "3");
	put(t, "proc/sys/net/netfilter/nf_conntrack_count", "262144\n");
	t->h.cfg.u.capacity.max_sessions = 2;
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_DEGRADED, "sessions-high",
			     "sessions 2/2 fds 3/3 conntrack 262144/262144");
}

static void
probe_capacity_test_no_conntrack(void **state)
{
	struct t *t = *state;

	fake_tree(t);
	assert_int_equal(unlink(tpath(t, "proc/sys/net/netfilter/nf_conntrack_count")), 0);
	assert_int_equal(unlink(tpath(t, "proc/sys/net/netfilter/nf_conntrack_max")), 0);
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_UP, "ok", "sessions 2/6 fds 3/1024");
}

static void
probe_capacity_test_ppp_fallback(void **state)
{
	struct t *t = *state;

	/* no pptpctrl children: count ppp interfaces instead */
	fake_tree(t);
	fake_proc(t, 5001, FAKE_PID, "bash", 'S');
	fake_proc(t, 5002, 1, "pptpctrl", 'S');
	mkdirs(t, "sys/class/net/ppp1");
	mkdirs(t, "sys/class/net/pppoe-wan");	/* still a ppp* interface */
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_UP, "ok", "sessions 3/6 fds 3/1024 conntrack 100/262144");
}

/* Make this daemon hold socket INODE connected from LADDR:LPORT to pptpd,
 * listed in its table TABLE ("tcp" or "tcp6"). */
static void
fake_own(struct t *t, int fd, const char *table, const char *laddr, unsigned lport,
	 unsigned inode)
{
	char rel[64], target[64];

	snprintf(rel, sizeof(rel), "proc/self/fd/%d", fd);
	snprintf(target, sizeof(target), "socket:[%u]", inode);
	fake_link(t, rel, target);
	snprintf(rel, sizeof(rel), "proc/self/net/%s", table);
	fake_tcp(t, rel, laddr, lport, strchr(laddr, ':') ? "2001:db8::1" : "127.0.0.1", 1723,
		 0x01, inode);
}

static void
probe_capacity_test_own(void **state)
{
	struct t *t = *state;

	/* 5001 serves our pptp-control probe: not a session */
	fake_tree(t);
	fake_own(t, 5, "tcp", "127.0.0.1", 40001, 9001);
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_UP, "ok", "sessions 1/6 own 1 fds 3/1024 conntrack 100/262144");
}

static void
probe_capacity_test_own_all(void **state)
{
	struct t *t = *state;

	/* the lab's false sessions-high: max-sessions 1, nobody but our
	 * probes (one over IPv6); no fallback to the ppp0 interface either */
	fake_tree(t);
	fake_own(t, 5, "tcp", "127.0.0.1", 40001, 9001);
	fake_own(t, 6, "tcp6", "2001:db8::7", 40002, 9003);
	t->h.cfg.u.capacity.max_sessions = 1;
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_UP, "ok", "sessions 0/1 own 2 fds 3/1024 conntrack 100/262144");
}

static void
probe_capacity_test_own_mapped(void **state)
{
	struct t *t = *state;

	/* our socket is AF_INET6 (::ffff:127.0.0.1), pptpd's AF_INET */
	fake_tree(t);
	fake_own(t, 5, "tcp6", "::ffff:127.0.0.1", 40001, 9001);
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_UP, "ok", "sessions 1/6 own 1 fds 3/1024 conntrack 100/262144");
}

static void
probe_capacity_test_own_netns(void **state)
{
	struct t *t = *state;

	/* 5005 lives in another namespace: its table is read through its own
	 * /proc; 5006's namespace cannot be read: looked up alone */
	fake_tree(t);
	fake_ctrl(t, 5005, 7005, "net:[4026532999]");
	fake_tcp(t, "proc/5005/net/tcp", "192.0.2.1", 1723, "192.0.2.2", 40005, 0x01, 7005);
	fake_ctrl(t, 5006, 7006, NULL);
	fake_tcp(t, "proc/5006/net/tcp", "192.0.2.1", 1723, "192.0.2.2", 40006, 0x01, 7006);
	fake_own(t, 5, "tcp", "192.0.2.2", 40005, 9005);
	fake_own(t, 6, "tcp", "192.0.2.2", 40006, 9006);
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_UP, "ok", "sessions 2/6 own 2 fds 3/1024 conntrack 100/262144");
}

static void
probe_capacity_test_own_unresolved(void **state)
{
	struct t *t = *state;

	/* only a pptpctrl proven to serve us is left out */
	fake_tree(t);
	fake_ctrl(t, 5005, 0, NS_ROOT);			/* no fd 0 */
	fake_ctrl(t, 5006, 0, NS_ROOT);
	fake_link(t, "proc/5006/fd/0", "/dev/null");	/* not a socket */
	fake_ctrl(t, 5007, 7007, NS_ROOT);		/* in no table */
	fake_ctrl(t, 5008, 7008, NS_ROOT);		/* its peer is not ours */
	fake_tcp(t, "proc/5001/net/tcp", "127.0.0.1", 1723, "127.0.0.1", 40008, 0x01, 7008);
	fake_tcp(t, "proc/self/net/tcp", "127.0.0.1", 40008, "127.0.0.1", 1723, 0x01, 9008);
	/* a listener of ours on the peer's address is not a connection */
	fake_tcp(t, "proc/self/net/tcp", "127.0.0.1", 40008, "0.0.0.0", 0, 0x0A, 9009);
	fake_link(t, "proc/self/fd/7", "socket:[9009]");
	/* nor is a socket in TIME_WAIT, held by nobody (inode 0) */
	fake_tcp(t, "proc/self/net/tcp", "127.0.0.1", 40001, "127.0.0.1", 1723, 0x06, 0);
	fake_link(t, "proc/self/fd/8", "socket:[0]");
	t->h.cfg.u.capacity.max_sessions = 10;
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_UP, "ok", "sessions 6/10 fds 3/1024 conntrack 100/262144");
}

static void
probe_capacity_test_pidfile_missing(void **state)
{
	struct t *t = *state;

	fake_tree(t);
	assert_int_equal(unlink(tpath(t, "run/pptpd.pid")), 0);
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_DOWN, "pidfile-missing", "conntrack 100/262144");
}

static void
probe_capacity_test_pidfile_invalid(void **state)
{
	struct t *t = *state;
	char want[PATH_MAX + 256];

	fake_tree(t);
	put(t, "run/pptpd.pid", "42x\n");
	probe_harness_run(&t->h);
	/* the detail names the file and what was wrong (pidfile.c's words) */
	snprintf(want, sizeof(want), "conntrack 100/262144; %s: garbage after the pid",
		 tpath(t, "run/pptpd.pid"));
	assert_report_detail(&t->h, PROBE_DOWN, "pidfile-invalid", want);
}

static void
probe_capacity_test_fifo_pidfile(void **state)
{
	struct t *t = *state;
	char want[PATH_MAX + 256];

	/* a FIFO where the pidfile should be: said, never waited on */
	fake_tree(t);
	assert_int_equal(unlink(tpath(t, "run/pptpd.pid")), 0);
	assert_int_equal(mkfifo(tpath(t, "run/pptpd.pid"), 0600), 0);
	probe_harness_run(&t->h);
	snprintf(want, sizeof(want), "conntrack 100/262144; %s: not a regular file",
		 tpath(t, "run/pptpd.pid"));
	assert_report_detail(&t->h, PROBE_DOWN, "pidfile-unreadable", want);
}

static void
probe_capacity_test_fifo_conf(void **state)
{
	struct t *t = *state;
	char want[PATH_MAX + 256];

	/* and where pptpd.conf should be */
	fake_tree(t);
	assert_int_equal(unlink(tpath(t, "etc/pptpd.conf")), 0);
	assert_int_equal(mkfifo(tpath(t, "etc/pptpd.conf"), 0600), 0);
	probe_harness_run(&t->h);
	snprintf(want, sizeof(want), "conntrack 100/262144; %s: not a regular file",
		 tpath(t, "etc/pptpd.conf"));
	assert_report_detail(&t->h, PROBE_ERROR, "pptpd-conf-unreadable", want);
}

static void
probe_capacity_test_process_gone(void **state)
{
	struct t *t = *state;

	fake_tree(t);
	put(t, "run/pptpd.pid", "4243\n");
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_DOWN, "process-gone", "conntrack 100/262144");
}

static void
probe_capacity_test_zombie(void **state)
{
	struct t *t = *state;

	fake_tree(t);
	fake_proc(t, FAKE_PID, 1, "pptpd", 'Z');
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_DOWN, "process-gone", "conntrack 100/262144");
}

static void
probe_capacity_test_conf_missing(void **state)
{
	struct t *t = *state;

	fake_tree(t);
	assert_int_equal(unlink(tpath(t, "etc/pptpd.conf")), 0);
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_ERROR, "pptpd-conf-missing", "conntrack 100/262144");
}

static void
probe_capacity_test_conf_invalid(void **state)
{
	struct t *t = *state;
	char want[PATH_MAX + 256];

	fake_tree(t);
	put(t, "etc/pptpd.conf", "remoteip 192.168.0.1-999\n");
	probe_harness_run(&t->h);
	snprintf(want, sizeof(want), "conntrack 100/262144; %s: remoteip: an entry is not an "
		 "address, a name or a range", tpath(t, "etc/pptpd.conf"));
	assert_report_detail(&t->h, PROBE_ERROR, "pptpd-conf-invalid", want);
}

static void
probe_capacity_test_proc_unreadable(void **state)
{
	struct t *t = *state;

	/* root reads anything: a stat that is a directory cannot be read */
	fake_tree(t);
	assert_int_equal(unlink(tpath(t, "proc/4242/stat")), 0);
	mkdirs(t, "proc/4242/stat");
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_ERROR, "proc-unreadable", "conntrack 100/262144");
}

static void
probe_capacity_test_fds_unreadable(void **state)
{
	struct t *t = *state;
	char cmd[PATH_MAX + 32];

	fake_tree(t);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tpath(t, "proc/4242/fd"));
	assert_int_equal(system(cmd), 0);
	put(t, "proc/4242/fd", "not a directory\n");
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_ERROR, "fds-unreadable", "sessions 2/6 conntrack 100/262144");
}

static void
probe_capacity_test_limits_unreadable(void **state)
{
	struct t *t = *state;

	fake_tree(t);
	put(t, "proc/4242/limits", "Max cpu time unlimited unlimited seconds\n");
	probe_harness_run(&t->h);
	assert_report_detail(&t->h, PROBE_ERROR, "limits-unreadable",
			     "sessions 2/6 conntrack 100/262144; /proc/4242/limits: no \"Max open "
			     "files\" line");
}

/* ---- against the real /proc ---- */

/* Fork a fake pptpd (in its own group) that starts two children through a
 * symlink named pptpctrl, then sleeps. */
static pid_t
spawn_fake_pptpd(struct t *t)
{
	char link[PATH_MAX];
	pid_t pid;

	snprintf(link, sizeof(link), "%s/pptpctrl", t->root);
	assert_int_equal(symlink("/bin/sleep", link), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *ctrl_argv[] = { "pptpctrl", "30", NULL };
		char *self_argv[] = { "sleep", "30", NULL };

		setpgid(0, 0);
		for (int i = 0; i < 2; i++)
			if (fork() == 0) {
				execv(link, ctrl_argv);
				_exit(127);
			}
		execv("/bin/sleep", self_argv);
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

static void
probe_capacity_test_real_proc(void **state)
{
	struct t *t = *state;
	struct probe_capacity_sample s;
	const char *reason;
	char prefix[64];
	pid_t pid;
	int tries;

	probe_capacity_set_root(NULL);
	/* the fake pptpd's children outlive it briefly: reap them here */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	pid = spawn_fake_pptpd(t);
	put(t, "run/pptpd.pid", "%d\n", (int)pid);
	t->h.cfg.u.capacity.max_sessions = 10;
	t->h.cfg.u.capacity.fds_percent = 100;
	t->h.cfg.u.capacity.conntrack_percent = 100;
	/* wait until both children have exec'd pptpctrl */
	for (tries = 0; tries < 200; tries++) {
		assert_int_equal(probe_capacity_measure(&t->h.cfg.u.capacity, &s, &reason), PROBE_UP);
		if (s.sessions == 2)
			break;
		usleep(10000);
	}
	assert_int_equal(s.sessions, 2);
	assert_true(s.have_fds);
	assert_true(s.fds >= 3);	/* stdio at least */
	assert_true(s.max_fds > 0);
	probe_harness_run(&t->h);
	assert_string_equal(probe_result_names[t->h.report.result], "UP");
	assert_string_equal(t->h.report.reason, "ok");
	/* the fd count moves while sleep's loader and locale set up: not compared */
	snprintf(prefix, sizeof(prefix), "sessions 2/10 fds ");
	assert_memory_equal(t->h.report.detail, prefix, strlen(prefix));

	/* at the limit */
	probe_destroy(t->h.probe);
	t->h.n_reports = 0;
	t->h.cfg.u.capacity.max_sessions = 2;
	probe_harness_run(&t->h);
	assert_string_equal(probe_result_names[t->h.report.result], "DEGRADED");
	assert_string_equal(t->h.report.reason, "sessions-high");

	/* pptpd gone */
	assert_int_equal(kill(-pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	while (waitpid(-1, NULL, 0) > 0)	/* its children, reparented to us */
		;
	probe_destroy(t->h.probe);
	t->h.n_reports = 0;
	probe_harness_run(&t->h);
	assert_string_equal(probe_result_names[t->h.report.result], "DOWN");
	assert_string_equal(t->h.report.reason, "process-gone");
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
}

/* A listener on ADDR (a free port), or -1 when the family is not there. */
static int
listen_on(const char *addr, uint16_t *port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET)
		assert_int_equal(inet_pton(family, addr, &sin->sin_addr), 1);
	else
		assert_int_equal(inet_pton(family, addr, &sin6->sin6_addr), 1);
	len = family == AF_INET ? sizeof(*sin) : sizeof(*sin6);
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? sin->sin_port : sin6->sin6_port);
	return fd;
}

/* A connection to the listener l, or -1.  No cmocka: helpers call it too. */
static int
connect_to(int l)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	if (getsockname(l, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* As pptpd does: accept on l and start a "pptpctrl" with the connection on
 * fd 0, keeping no copy. */
static pid_t
start_ctrl(int l, const char *link)
{
	int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	pid_t pid;

	assert_true(a >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "pptpctrl", "30", NULL };

		if (dup2(a, 0) == 0)	/* dup2 clears close-on-exec */
			execv(link, argv);
		_exit(127);
	}
	close(a);
	return pid;
}

/* Measure until all n pptpctrl children have exec'd. */
static void
measure_ctrls(struct t *t, uint64_t n, struct probe_capacity_sample *s)
{
	const char *reason;
	int tries;

	for (tries = 0; tries < 200; tries++) {
		assert_int_equal(probe_capacity_measure(&t->h.cfg.u.capacity, s, &reason), PROBE_UP);
		if (s->sessions + s->own == n)
			return;
		usleep(10000);
	}
	fail_msg("%llu pptpctrl, not %llu", (unsigned long long)(s->sessions + s->own),
		 (unsigned long long)n);
}

static void
probe_capacity_test_real_own(void **state)
{
	struct t *t = *state;
	struct probe_capacity_sample s;
	char link[PATH_MAX], prefix[64];
	pid_t ctrls[3], helper;
	uint16_t port4, port6;
	int l4, l6, own4, own6 = -1, i, n = 0;

	/* this process is "pptpd": it listens and hands each connection to a
	 * child exec'd through a symlink named pptpctrl */
	probe_capacity_set_root(NULL);
	snprintf(link, sizeof(link), "%s/pptpctrl", t->root);
	assert_int_equal(symlink("/bin/sleep", link), 0);
	l4 = listen_on("127.0.0.1", &port4);
	assert_true(l4 >= 0);
	l6 = listen_on("::1", &port6);		/* -1 where there is no IPv6 */
	put(t, "run/pptpd.pid", "%d\n", (int)getpid());
	t->h.cfg.u.capacity.max_sessions = 2;

	/* ours: the connecting socket is held by this process too */
	own4 = connect_to(l4);
	assert_true(own4 >= 0);
	ctrls[n++] = start_ctrl(l4, link);
	if (l6 >= 0) {
		own6 = connect_to(l6);
		assert_true(own6 >= 0);
		ctrls[n++] = start_ctrl(l6, link);
	}
	/* not ours: a client in another process */
	helper = fork();
	assert_true(helper >= 0);
	if (helper == 0) {
		if (connect_to(l4) < 0)
			_exit(1);
		for (;;)
			pause();
	}
	ctrls[n++] = start_ctrl(l4, link);

	measure_ctrls(t, (uint64_t)n, &s);
	assert_int_equal(s.sessions, 1);
	assert_int_equal(s.own, n - 1);
	probe_harness_run(&t->h);
	assert_string_equal(probe_result_names[t->h.report.result], "UP");
	assert_string_equal(t->h.report.reason, "ok");
	snprintf(prefix, sizeof(prefix), "sessions 1/2 own %d fds ", n - 1);
	assert_memory_equal(t->h.report.detail, prefix, strlen(prefix));

	/* once our end is closed, its pptpctrl is nobody's: counted */
	close(own4);
	measure_ctrls(t, (uint64_t)n, &s);
	assert_int_equal(s.sessions, 2);
	assert_int_equal(s.own, n - 2);
	probe_destroy(t->h.probe);
	t->h.n_reports = 0;
	probe_harness_run(&t->h);
	assert_string_equal(probe_result_names[t->h.report.result], "DEGRADED");
	assert_string_equal(t->h.report.reason, "sessions-high");

	for (i = 0; i < n; i++) {
		assert_int_equal(kill(ctrls[i], SIGKILL), 0);
		assert_int_equal(waitpid(ctrls[i], NULL, 0), ctrls[i]);
	}
	assert_int_equal(kill(helper, SIGKILL), 0);
	assert_int_equal(waitpid(helper, NULL, 0), helper);
	if (own6 >= 0)
		close(own6);
	if (l6 >= 0)
		close(l6);
	close(l4);
}

int
main(void)
{
#define P(name) cmocka_unit_test(probe_capacity_test_##name)
#define T(name) cmocka_unit_test_setup_teardown(probe_capacity_test_##name, setup, teardown)
	const struct CMUnitTest tests[] = {
		P(evaluate),
		P(format),
		T(ok),
		T(sessions_high),
		T(max_sessions),
		T(fds_high),
		T(fds_unlimited),
		T(conntrack_high),
		T(first_crossed),
		T(no_conntrack),
		T(ppp_fallback),
		T(own),
		T(own_all),
		T(own_mapped),
		T(own_netns),
		T(own_unresolved),
		T(pidfile_missing),
		T(pidfile_invalid),
		T(fifo_pidfile),
		T(fifo_conf),
		T(process_gone),
		T(zombie),
		T(conf_missing),
		T(conf_invalid),
		T(proc_unreadable),
		T(fds_unreadable),
		T(limits_unreadable),
		T(real_proc),
		T(real_own),
	};
#undef P
#undef T

	return cmocka_run_group_tests_name("probe_capacity", tests, NULL, NULL);
}
