/*
 * test_probe_gre.c - the pptp-gre probe against a scripted fake server and
 * against the real Debian pptpd.
 *
 * The probe (probe.c scheduling + probe_gre.c) runs on a real libev loop.
 * Raw GRE sockets need root, so every case skips without it.  main() moves
 * the whole test into a network namespace of its own (unshare(CLONE_NEWNET),
 * loopback up): pptpd's fixed port 1723 cannot clash with anything else on
 * the machine, no other GRE reaches our raw sockets, and the namespace goes
 * away by itself when the last process in it exits, even if a case crashes.
 *
 *  - fake server: TCP on 127.0.0.1 served by watchers in the same loop, plus
 *    a raw GRE socket from which it sends scripted GRE to the probe and reads
 *    the probe's GRE.  Cases: LCP answer, OCRP failures, hostile control
 *    messages, GRE for other calls, malformed GRE for our call, silence, no
 *    CAP_NET_RAW.
 *  - real pptpd (`pptpd --fg -c CONF -p PID -l 127.0.0.1`) started in its
 *    own process group, once with tests/lab/fake-pppd as its `ppp` program
 *    (built here with cc into the build dir) and once with the real pppd,
 *    which cannot work on these kernels.  Every process of the group is
 *    killed and reaped in the case's teardown.
 *
 * After each case the test checks that no descriptor leaked.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* unshare */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <ev.h>

#include "pptp_wire.h"
#include "probe.h"
#include "support/fake_pptp.h"
#include "support/probe_harness.h"

static bool test_can_run;	/* root, and in our own network namespace */

#define NEED_ROOT() do { if (!test_can_run) skip(); } while (0)

/* ---- the fake server: its script (the TCP side is support/fake_pptp.c) ---- */

struct fake;
typedef void fake_hook(struct fake *f);

struct fake {
	struct fake_pptp tcp;
	int raw;
	ev_io raw_io;
	/* script */
	bool silent_sccrq;		/* say nothing to SCCRQ */
	bool silent_ocrq;		/* say nothing to OCRQ */
	const uint8_t *ocrp_raw;	/* send these bytes instead of the OCRP */
	size_t ocrp_raw_len;
	bool close_after_raw;
	uint8_t ocrp_result;		/* default 1 */
	uint16_t call_id;		/* Y; default 0x0080 */
	bool call_id_is_x;		/* Y = X: our own GRE then carries X */
	uint16_t peer_xor;		/* non-zero: a wrong peer call ID */
	fake_hook *after_ocrp;		/* sends GRE, CDN, closes... */
	/* what it saw */
	int n_ocrq, n_ccrq, n_stopccrq;
	bool got_ocrq;
	uint8_t ocrq[168];
	uint16_t x;			/* the probe's call ID */
	uint16_t ccrq_call_id;
	uint8_t stop_reason;
	int n_gre;			/* GRE from the probe to our call ID */
	uint8_t gre[64];
	size_t gre_len;
};

static void
fake_send(struct fake *f, const uint8_t *b, size_t n)
{
	assert_true(f->tcp.cfd >= 0);
	assert_int_equal(send(f->tcp.cfd, b, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* GRE from "the server" (127.0.0.1) to the probe. */
static void
fake_send_gre(struct fake *f, const uint8_t *b, size_t n)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(sendto(f->raw, b, n, 0, (struct sockaddr *)&sin, sizeof(sin)), (ssize_t)n);
}

/* An LCP Configure-Request (magic 0xdeadbeef) in GRE to call_id. */
static void
fake_send_lcp(struct fake *f, uint16_t call_id)
{
	uint8_t lcp[32], gre[64];
	size_t n = pptp_lcp_encode_confreq(lcp, sizeof(lcp), 1, 0xdeadbeef);

	fake_send_gre(f, gre, pptp_gre_encode(gre, sizeof(gre), call_id, 0, false, 0, lcp, n));
}

static void
fake_queue_sccrp(struct fake *f)
{
	uint8_t b[FAKE_PPTP_SCCRP_LEN];

	fake_pptp_sccrp(b, 1);
	fake_send(f, b, sizeof(b));
}

/* An OCRP as pptpd sends it (protocols.md section 6), written out by hand. */
static void
fake_queue_ocrp(struct fake *f, uint16_t call_id, uint16_t peer, uint8_t result)
{
	uint8_t b[32] = {
		0x00, 0x20, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x08, 0x00, 0x00,
		(uint8_t)(call_id >> 8), (uint8_t)call_id, (uint8_t)(peer >> 8), (uint8_t)peer,
		result, 0x00, 0x00, 0x00,
		0x05, 0xf5, 0xe1, 0x00, 0x00, 0x40, 0x00, 0x00,
	};

	fake_send(f, b, sizeof(b));
}

static void
fake_on_ocrq(struct fake *f, const uint8_t *raw)
{
	f->n_ocrq++;
	f->got_ocrq = true;
	memcpy(f->ocrq, raw, sizeof(f->ocrq));
	f->x = (uint16_t)(raw[12] << 8 | raw[13]);
	if (f->call_id_is_x)
		f->call_id = f->x;
	if (f->silent_ocrq)
		return;
	if (f->ocrp_raw != NULL) {
		fake_send(f, f->ocrp_raw, f->ocrp_raw_len);
		if (f->close_after_raw)
			fake_pptp_hang_up(&f->tcp);
		return;
	}
	fake_queue_ocrp(f, f->call_id, f->x ^ f->peer_xor, f->ocrp_result);
	if (f->after_ocrp)
		f->after_ocrp(f);
}

static void
fake_on_msg(struct fake_pptp *fp, const uint8_t *raw, const struct pptp_ctrl_msg *m)
{
	struct fake *f = fp->data;
	uint8_t b[64];

	switch (m->type) {
	case PPTP_CTRL_SCCRQ:
		if (!f->silent_sccrq)
			fake_queue_sccrp(f);
		break;
	case PPTP_CTRL_OCRQ:
		fake_on_ocrq(f, raw);
		break;
	case PPTP_CTRL_CCRQ:
		f->n_ccrq++;
		f->ccrq_call_id = (uint16_t)(raw[12] << 8 | raw[13]);
		break;
	case PPTP_CTRL_STOPCCRQ:
		f->n_stopccrq++;
		f->stop_reason = m->u.stopccrq.reason;
		fake_send(f, b, pptp_encode_stopccrp(b, sizeof(b), 1, 0));
		break;
	case PPTP_CTRL_ECHORP:
		break;
	default:
		fail_msg("fake server: unexpected message type %u", m->type);
	}
}

/* The probe's GRE to our call ID; the raw socket also sees our own. */
static void
fake_raw_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fake *f = w->data;
	uint8_t b[4096];
	struct pptp_ipv4 ip;
	struct pptp_gre g;
	ssize_t n;

	(void)loop;
	(void)revents;
	while ((n = recv(f->raw, b, sizeof(b), MSG_DONTWAIT)) > 0) {
		if (pptp_ipv4_skip(b, (size_t)n, &ip) < 0 ||
		    pptp_gre_decode(b + ip.header_len, ip.payload_len, &g) != PPTP_GRE_OK ||
		    g.call_id != f->call_id || f->n_ocrq == 0)
			continue;
		f->n_gre++;
		if (ip.payload_len <= sizeof(f->gre)) {
			memcpy(f->gre, b + ip.header_len, ip.payload_len);
			f->gre_len = ip.payload_len;
		}
	}
}

static void
fake_start(struct fake *f, struct ev_loop *loop)
{
	memset(f, 0, sizeof(*f));
	f->ocrp_result = 1;
	f->call_id = 0x0080;
	fake_pptp_start(&f->tcp, loop, fake_on_msg, f);
	f->raw = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_GRE);
	assert_true(f->raw >= 0);
	ev_io_init(&f->raw_io, fake_raw_cb, f->raw, EV_READ);
	f->raw_io.data = f;
	ev_io_start(loop, &f->raw_io);
}

static void
fake_stop(struct fake *f)
{
	if (f->tcp.loop == NULL)
		return;
	ev_io_stop(f->tcp.loop, &f->raw_io);
	if (f->raw >= 0)
		close(f->raw);
	f->raw = -1;
	fake_pptp_stop(&f->tcp);
}

/* ---- the real pptpd ---- */

struct pptpd {
	pid_t pid;			/* also the process group: pptpctrl, ppp */
	char dir[64];			/* its config, pidfile and log */
};

static const char *
test_srcdir(void)
{
	static char dir[4096];
	const char *env = getenv("top_srcdir");
	char *slash;

	if (env != NULL && *env != '\0')
		return env;
	/* not under make check: this file's own location */
	snprintf(dir, sizeof(dir), "%s", __FILE__);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return "..";
	*slash = '\0';
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return ".";
	*slash = '\0';
	return dir;
}

static const char *
test_builddir(void)
{
	const char *env = getenv("top_builddir");

	return env != NULL && *env != '\0' ? env : ".";
}

/* Build tests/lab/fake-pppd into the build dir once; NULL if that fails. */
static const char *
fake_pppd_path(void)
{
	static char path[4096];
	static int built;	/* 0 not tried, 1 ok, -1 failed */
	char cmd[4 * 4096 + 256];
	const char *src = test_srcdir();

	if (built == 0) {
		snprintf(path, sizeof(path), "%s/tests", test_builddir());
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/tests/lab", test_builddir());
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/tests/lab/fake-pppd", test_builddir());
		snprintf(cmd, sizeof(cmd),
			 "cc -std=gnu11 -I'%s/include' -o '%s' '%s/tests/lab/fake-pppd.c' "
			 "'%s/src/pptp_wire.c'", src, path, src, src);
		built = system(cmd) == 0 ? 1 : -1;
		if (built < 0)
			fprintf(stderr, "cannot build fake-pppd: %s\n", cmd);
	}
	return built > 0 ? path : NULL;
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* pptpd listens once /proc/self/net/tcp shows 127.0.0.1:1723 in LISTEN. */
static bool
pptpd_listening(void)
{
	char line[512];
	bool found = false;
	FILE *fp = fopen("/proc/self/net/tcp", "r");

	if (fp == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = strstr(line, " 0100007F:06BB 00000000:0000 0A ") != NULL;
	fclose(fp);
	return found;
}

static void
pptpd_start(struct pptpd *d, const char *ppp)
{
	char conf[128], options[128], pidfile[128], log[128], text[1024];
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i, fd;

	snprintf(d->dir, sizeof(d->dir), "/tmp/ahd-test-gre-XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(conf, sizeof(conf), "%s/pptpd.conf", d->dir);
	snprintf(options, sizeof(options), "%s/options", d->dir);
	snprintf(pidfile, sizeof(pidfile), "%s/pptpd.pid", d->dir);
	snprintf(log, sizeof(log), "%s/pptpd.log", d->dir);
	/* `ppp` names the program pptpctrl starts on the pty instead of pppd */
	snprintf(text, sizeof(text),
		 "ppp %s\noption %s\nlocalip 10.99.0.1\nremoteip 10.99.0.100-109\n", ppp, options);
	write_file(conf, text);
	/* only the real pppd reads it; it exits before using much of it */
	write_file(options, "name pptpd\nnodefaultroute\nnoauth\n");

	d->pid = fork();
	assert_true(d->pid >= 0);
	if (d->pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl("/usr/sbin/pptpd", "pptpd", "--fg", "-c", conf, "-p", pidfile,
		      "-l", "127.0.0.1", (char *)NULL);
		_exit(127);
	}
	setpgid(d->pid, d->pid);	/* either side may win the race */
	for (i = 0; i < 300 && !pptpd_listening(); i++)
		nanosleep(&ts, NULL);
	assert_true(pptpd_listening());
}

/* Kill pptpd's whole process group and reap everything (we are the
 * subreaper, so orphaned pptpctrl and ppp processes come back to us). */
static void
pptpd_stop(struct pptpd *d)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char cmd[128];
	int i;

	if (d->pid <= 0)
		return;
	kill(-d->pid, SIGTERM);
	for (i = 0; i < 50 && waitpid(d->pid, NULL, WNOHANG) == 0; i++)
		nanosleep(&ts, NULL);
	kill(-d->pid, SIGKILL);
	kill(d->pid, SIGKILL);
	waitpid(d->pid, NULL, 0);
	for (i = 0; i < 100; i++) {
		pid_t r = waitpid(-1, NULL, WNOHANG);

		if (r < 0)	/* ECHILD: nothing left */
			break;
		if (r == 0)
			nanosleep(&ts, NULL);
	}
	d->pid = 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", d->dir);
}

/* ---- the harness ---- */

struct t {
	struct probe_harness h;
	struct fake fake;
	struct pptpd pptpd;
};

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	probe_harness_setup(&t->h, NULL, "gre-test", PROBE_KIND_PPTP_GRE);
	t->h.cfg.u.pptp_gre.address = "127.0.0.1";
	t->h.cfg.u.pptp_gre.port = 0;
	t->h.cfg.u.pptp_gre.host_name = NULL;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;

	fake_stop(&t->fake);
	pptpd_stop(&t->pptpd);
	/* every socket of the probe and the servers is closed */
	probe_harness_teardown(&t->h);
	free(t);
	return 0;
}

/* Create the probe (port 0: the fake's) and wait for its first run's report. */
static void
run_probe(struct t *t)
{
	if (t->h.cfg.u.pptp_gre.port == 0)
		t->h.cfg.u.pptp_gre.port = t->fake.tcp.port;
	probe_harness_run(&t->h);
}

/* After a result with the call up: Call-Clear-Request for our call ID,
 * then StopCCRQ reason 1, then the probe closes. */
static void
assert_polite_teardown(struct t *t, int n_ccrq)
{
	run_until(&t->h, &t->fake.tcp.saw_eof);
	assert_int_equal(t->fake.n_ccrq, n_ccrq);
	if (n_ccrq > 0)
		assert_int_equal(t->fake.ccrq_call_id, t->fake.x);
	assert_int_equal(t->fake.n_stopccrq, 1);
	assert_int_equal(t->fake.stop_reason, 1);
}

/* ---- fake server: the data path works ---- */

static void
after_ocrp_lcp(struct fake *f)
{
	fake_send_lcp(f, f->x);
}

static void
probe_gre_test_ok(void **state)
{
	struct t *t = *state;
	static const uint8_t ocrq_fields[28] = {
		0x00, 0x00, 0x01, 0x2c,		/* 16 min bps */
		0x05, 0xf5, 0xe1, 0x00,		/* 20 max bps */
		0x00, 0x00, 0x00, 0x03,		/* 24 bearer type */
		0x00, 0x00, 0x00, 0x03,		/* 28 framing type */
		0x00, 0x40, 0x00, 0x00,		/* 32 recv window, processing delay */
		0x00, 0x00, 0x00, 0x00,		/* 36 phone length, reserved */
	};
	/* GRE to the server's call ID 0x0080, seq 0, no ack; LCP
	 * Configure-Request id 1 with one option, the magic number */
	static const uint8_t gre_head[20] = {
		0x30, 0x01, 0x88, 0x0b, 0x00, 0x0e, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
		0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x0a,
	};

	NEED_ROOT();
	fake_start(&t->fake, t->h.loop);
	t->fake.after_ocrp = after_ocrp_lcp;
	run_probe(t);
	assert_report(&t->h, PROBE_UP, "ok");
	assert_string_equal(t->h.report.detail, "");
	assert_int_equal(t->fake.n_ocrq, 1);
	assert_int_not_equal(t->fake.x, 0);
	assert_memory_equal(t->fake.ocrq + 16, ocrq_fields, sizeof(ocrq_fields));
	/* our GRE reached the server before the answer counted */
	run_until(&t->h, &t->fake.tcp.saw_eof);
	assert_int_equal(t->fake.n_gre, 1);
	assert_int_equal(t->fake.gre_len, 26);
	assert_memory_equal(t->fake.gre, gre_head, sizeof(gre_head));
	assert_int_equal(t->fake.gre[20], 0x05);
	assert_int_equal(t->fake.gre[21], 0x06);
	assert_memory_not_equal(t->fake.gre + 22, "\0\0\0\0", 4);
	assert_polite_teardown(t, 1);
	assert_int_equal(t->h.probe->runs, 1);
	assert_int_equal(t->h.probe->failures, 0);
}

/* The server sends its LCP and drops the connection at once: the LCP frame
 * already in the raw socket still proves the data path. */
static void
after_ocrp_lcp_close(struct fake *f)
{
	fake_send_lcp(f, f->x);
	fake_pptp_hang_up(&f->tcp);
}

static void
probe_gre_test_lcp_then_close(void **state)
{
	struct t *t = *state;

	NEED_ROOT();
	fake_start(&t->fake, t->h.loop);
	t->fake.after_ocrp = after_ocrp_lcp_close;
	run_probe(t);
	assert_report(&t->h, PROBE_UP, "ok");
}

/* Unrelated GRE first (another call, a non-LCP PPP frame, an ack), then
 * ours: skipped and counted. */
static void
after_ocrp_noise_then_lcp(struct fake *f)
{
	static const uint8_t ipcp[] = { 0xff, 0x03, 0x80, 0x21, 0x01, 0x01, 0x00, 0x04 };
	uint8_t gre[64];

	fake_send_lcp(f, (uint16_t)(f->x + 1));
	fake_send_gre(f, gre, pptp_gre_encode(gre, sizeof(gre), f->x, 0, false, 0, ipcp,
					      sizeof(ipcp)));
	fake_send_gre(f, (const uint8_t[]){ 0x20, 0x81, 0x88, 0x0b, 0x00, 0x00,
					    (uint8_t)(f->x >> 8), (uint8_t)f->x,
					    0, 0, 0, 0 }, 12);
	fake_send_lcp(f, f->x);
}

static void
probe_gre_test_skips_noise(void **state)
{
	struct t *t = *state;

	NEED_ROOT();
	fake_start(&t->fake, t->h.loop);
	t->fake.after_ocrp = after_ocrp_noise_then_lcp;
	run_probe(t);
	assert_report(&t->h, PROBE_UP, "ok");
	/* the other call's packet, the IPCP frame, the ack; our own GRE went to
	 * call ID 0x0080 and is skipped too (whether or not it is read first) */
	assert_true(strncmp(t->h.report.detail, "gre skipped ", 12) == 0);
	assert_true(atoi(t->h.report.detail + 12) >= 3);
	assert_polite_teardown(t, 1);
}

/* ---- fake server: OCRP failures ---- */

static void
probe_gre_test_ocrp_results(void **state)
{
	struct t *t = *state;
	static const struct { uint8_t result; const char *reason; } cases[] = {
		{ 2, "ocrp-general-error" },
		{ 3, "ocrp-no-carrier" },
		{ 4, "ocrp-busy" },
		{ 5, "ocrp-no-dial-tone" },
		{ 6, "ocrp-time-out" },
		{ 7, "ocrp-do-not-accept" },
		{ 0, "ocrp-result-0" },
		{ 9, "ocrp-result-9" },
		{ 255, "ocrp-result-255" },
	};

	NEED_ROOT();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t->h.n_reports = 0;
		t->h.cfg.u.pptp_gre.port = 0;
		fake_start(&t->fake, t->h.loop);
		t->fake.ocrp_result = cases[i].result;
		t->fake.after_ocrp = after_ocrp_lcp;	/* must not count after a failed OCRP */
		run_probe(t);
		assert_report(&t->h, PROBE_DOWN, cases[i].reason);
		/* no call to clear, but the control connection is stopped */
		assert_polite_teardown(t, 0);
		probe_destroy(t->h.probe);
		t->h.probe = NULL;
		fake_stop(&t->fake);
	}
}

static void
probe_gre_test_ocrp_call_id_mismatch(void **state)
{
	struct t *t = *state;

	NEED_ROOT();
	fake_start(&t->fake, t->h.loop);
	t->fake.peer_xor = 0x0101;
	t->fake.after_ocrp = after_ocrp_lcp;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "ocrp-call-id-mismatch");
	assert_polite_teardown(t, 0);
}

static void
probe_gre_test_ocrp_timeout(void **state)
{
	struct t *t = *state;

	NEED_ROOT();
	t->h.cfg.timeout_ms = 300;
	fake_start(&t->fake, t->h.loop);
	t->fake.silent_ocrq = true;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "ocrp-timeout");
	assert_true(t->h.report.latency_ms >= 290);	/* not before the timeout */
	run_until(&t->h, &t->fake.tcp.saw_eof);	/* cancel() closed the connection */
	assert_int_equal(t->fake.n_ocrq, 1);
}

static void
probe_gre_test_sccrp_timeout(void **state)
{
	struct t *t = *state;

	NEED_ROOT();
	t->h.cfg.timeout_ms = 300;
	fake_start(&t->fake, t->h.loop);
	t->fake.silent_sccrq = true;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "sccrp-timeout");
	run_until(&t->h, &t->fake.tcp.saw_eof);
	assert_int_equal(t->fake.n_ocrq, 0);
}

/* ---- fake server: hostile control messages in answer to OCRQ ---- */

#define OCRP_HEAD(len, m0, type) \
	0x00, (len), 0x00, 0x01, (m0), 0x2b, 0x3c, 0x4d, 0x00, (type), 0x00, 0x00

static void
run_ocrp_raw(struct t *t, const uint8_t *raw, size_t len, bool close_after, const char *reason)
{
	fake_start(&t->fake, t->h.loop);
	t->fake.ocrp_raw = raw;
	t->fake.ocrp_raw_len = len;
	t->fake.close_after_raw = close_after;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, reason);
	run_until(&t->h, &t->fake.tcp.saw_eof);
	assert_int_equal(t->fake.n_ccrq, 0);
}

static void
probe_gre_test_ocrp_bad_magic(void **state)
{
	static const uint8_t raw[32] = { OCRP_HEAD(32, 0x1b, 8), 0x00, 0x80, 0x00, 0x00, 0x01 };

	NEED_ROOT();
	run_ocrp_raw(*state, raw, sizeof(raw), false, "bad-magic");
}

static void
probe_gre_test_ocrp_lying_length(void **state)
{
	/* an OCRP that claims 40 bytes, then one that claims 12 */
	static const uint8_t raw40[40] = { OCRP_HEAD(40, 0x1a, 8) };
	static const uint8_t raw12[32] = { OCRP_HEAD(12, 0x1a, 8) };
	struct t *t = *state;

	NEED_ROOT();
	run_ocrp_raw(t, raw40, sizeof(raw40), false, "size-mismatch");
	probe_destroy(t->h.probe);
	t->h.probe = NULL;
	fake_stop(&t->fake);
	t->h.n_reports = 0;
	t->h.cfg.u.pptp_gre.port = 0;
	run_ocrp_raw(t, raw12, sizeof(raw12), false, "size-mismatch");
}

static void
probe_gre_test_ocrp_oversized(void **state)
{
	/* Length past any PPTP message: rejected from the header alone */
	static const uint8_t raw[16] = { 0x01, 0x2c, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x08 };

	NEED_ROOT();
	run_ocrp_raw(*state, raw, sizeof(raw), false, "bad-length");
}

static void
probe_gre_test_ocrp_truncated(void **state)
{
	static const uint8_t raw[20] = { OCRP_HEAD(32, 0x1a, 8), 0x00, 0x80 };

	NEED_ROOT();
	run_ocrp_raw(*state, raw, sizeof(raw), true, "short-read");
}

static void
probe_gre_test_eof_before_ocrp(void **state)
{
	/* a whole message we do not wait for, then EOF */
	uint8_t raw[16];

	NEED_ROOT();
	assert_int_equal(pptp_encode_stopccrp(raw, sizeof(raw), 1, 0), 16);
	run_ocrp_raw(*state, raw, sizeof(raw), true, "eof");
}

/* ---- fake server: the call ends before LCP ---- */

static void
after_ocrp_cdn(struct fake *f)
{
	uint8_t b[148] = {
		0x00, 0x94, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x0d, 0x00, 0x00,
		(uint8_t)(f->call_id >> 8), (uint8_t)f->call_id, 0x03, 0x00,
	};

	fake_send(f, b, sizeof(b));
}

static void
probe_gre_test_cdn_before_lcp(void **state)
{
	struct t *t = *state;

	NEED_ROOT();
	fake_start(&t->fake, t->h.loop);
	t->fake.after_ocrp = after_ocrp_cdn;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "call-closed-before-lcp");
	run_until(&t->h, &t->fake.tcp.saw_eof);
}

static void
after_ocrp_close(struct fake *f)
{
	fake_pptp_hang_up(&f->tcp);
}

static void
probe_gre_test_close_before_lcp(void **state)
{
	struct t *t = *state;

	NEED_ROOT();
	fake_start(&t->fake, t->h.loop);
	t->fake.after_ocrp = after_ocrp_close;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "call-closed-before-lcp");
}

/* ---- fake server: GRE that must not count ---- */

/* The report's "gre skipped S malformed M" detail, with at least the given
 * counts: our own outgoing packet may loop back and add one skip. */
static void
assert_gre_counters(const struct probe_report *r, unsigned long skipped,
		    unsigned long malformed)
{
	unsigned long s = 0, m = 0;

	if (sscanf(r->detail, "gre skipped %lu malformed %lu", &s, &m) != 2)
		fail_msg("detail \"%s\" has no GRE counters", r->detail);
	assert_true(s >= skipped);
	assert_true(m >= malformed);
}

/* LCP, but only to other call IDs, from the right address. */
static void
after_ocrp_other_calls(struct fake *f)
{
	fake_send_lcp(f, (uint16_t)(f->x ^ 0x8000));
	fake_send_lcp(f, (uint16_t)(f->x + 1));
	fake_send_lcp(f, 0);
}

static void
probe_gre_test_other_calls_only(void **state)
{
	struct t *t = *state;

	NEED_ROOT();
	t->h.cfg.timeout_ms = 400;
	fake_start(&t->fake, t->h.loop);
	t->fake.after_ocrp = after_ocrp_other_calls;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "gre-no-lcp");
	/* the timeout's report keeps what the run counted */
	assert_gre_counters(&t->h.report, 3, 0);
	run_until(&t->h, &t->fake.tcp.saw_eof);
	assert_int_equal(t->h.probe->failures, 1);
}

/* Y == X: our own Configure-Request, seen by our raw socket on the way out,
 * carries our own call ID and an LCP frame.  It must not count. */
static void
probe_gre_test_own_packet(void **state)
{
	struct t *t = *state;

	NEED_ROOT();
	t->h.cfg.timeout_ms = 400;
	fake_start(&t->fake, t->h.loop);
	t->fake.call_id_is_x = true;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "gre-no-lcp");
	assert_int_equal(t->fake.n_gre, 1);	/* it was really sent, to X */
}

/* A PPTP GRE packet too big for the probe's buffer arrives cut: not even
 * IPv4 any more, so it is counted as malformed and skipped. */
static void
after_ocrp_oversized(struct fake *f)
{
	static uint8_t lcp[3000];
	uint8_t gre[3100];
	size_t n;

	n = pptp_lcp_encode(lcp, sizeof(lcp), PPTP_LCP_DISCARD_REQ, 1, lcp + 100, 2800);
	fake_send_gre(f, gre, pptp_gre_encode(gre, sizeof(gre), f->x, 0, false, 0, lcp, n));
}

static void
probe_gre_test_oversized_gre(void **state)
{
	struct t *t = *state;

	NEED_ROOT();
	t->h.cfg.timeout_ms = 400;
	fake_start(&t->fake, t->h.loop);
	t->fake.after_ocrp = after_ocrp_oversized;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "gre-no-lcp");
	assert_gre_counters(&t->h.report, 0, 1);
}

static void
after_ocrp_bad_protocol(struct fake *f)
{
	uint8_t gre[64];
	size_t n;

	fake_send_lcp(f, (uint16_t)(f->x + 1));	/* unrelated: skipped */
	n = pptp_gre_encode(gre, sizeof(gre), f->x, 0, false, 0,
			    (const uint8_t *)"\xff\x03\xc0\x21\x01\x01\x00\x04", 8);
	gre[2] = 0x08;
	gre[3] = 0x00;
	fake_send_gre(f, gre, n);
}

static void
probe_gre_test_bad_gre_for_us(void **state)
{
	struct t *t = *state;

	NEED_ROOT();
	fake_start(&t->fake, t->h.loop);
	t->fake.after_ocrp = after_ocrp_bad_protocol;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "gre-bad-header");
	assert_string_equal(t->h.report.detail, "gre-bad-protocol");
	assert_polite_teardown(t, 1);
}

static void
after_ocrp_lying_gre(struct fake *f)
{
	uint8_t gre[64];
	size_t n;

	n = pptp_gre_encode(gre, sizeof(gre), f->x, 0, false, 0,
			    (const uint8_t *)"\xff\x03\xc0\x21\x01\x01\x00\x04", 8);
	gre[5] = 40;	/* payload length past the packet */
	fake_send_gre(f, gre, n);
}

static void
probe_gre_test_lying_gre_length(void **state)
{
	struct t *t = *state;

	NEED_ROOT();
	fake_start(&t->fake, t->h.loop);
	t->fake.after_ocrp = after_ocrp_lying_gre;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "gre-bad-header");
	assert_string_equal(t->h.report.detail, "gre-bad-length");
}

/* GRE version 0 that happens to have our call ID where PPTP keeps it: some
 * other tunnel, not a broken packet of ours. */
static void
after_ocrp_gre_v0(struct fake *f)
{
	uint8_t gre[64];
	size_t n;

	n = pptp_gre_encode(gre, sizeof(gre), f->x, 0, false, 0,
			    (const uint8_t *)"\xff\x03\xc0\x21\x01\x01\x00\x04", 8);
	gre[1] = 0x00;
	fake_send_gre(f, gre, n);
}

static void
probe_gre_test_gre_v0_skipped(void **state)
{
	struct t *t = *state;

	NEED_ROOT();
	t->h.cfg.timeout_ms = 400;
	fake_start(&t->fake, t->h.loop);
	t->fake.after_ocrp = after_ocrp_gre_v0;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "gre-no-lcp");
}

/* ---- local failures ---- */

static void
probe_gre_test_connect_refused(void **state)
{
	struct t *t = *state;
	uint16_t port;
	int fd;

	NEED_ROOT();
	fd = closed_port(AF_INET, &port);
	assert_true(fd >= 0);
	t->h.cfg.u.pptp_gre.port = port;
	run_probe(t);
	close(fd);
	assert_report(&t->h, PROBE_DOWN, "connect-refused");
}

static void
probe_gre_test_bad_address(void **state)
{
	struct t *t = *state;

	/* no socket is opened: runs without root too */
	t->h.cfg.u.pptp_gre.port = 1723;
	t->h.cfg.u.pptp_gre.address = "pptp.example.com";	/* never resolved */
	assert_null(probe_create(t->h.loop, &t->h.cfg, probe_harness_report, &t->h));
	t->h.cfg.u.pptp_gre.address = "::1";		/* GRE over IPv4 only */
	assert_null(probe_create(t->h.loop, &t->h.cfg, probe_harness_report, &t->h));
	t->h.cfg.u.pptp_gre.address = NULL;
	assert_null(probe_create(t->h.loop, &t->h.cfg, probe_harness_report, &t->h));
}

/* Without CAP_NET_RAW (a child that became nobody) the probe cannot run at
 * all: ERROR, and pptpd is never contacted. */
static void
probe_gre_test_no_cap_net_raw(void **state)
{
	struct t *t = *state;
	int pfd[2], status;
	char buf[128] = "";
	ssize_t n;
	pid_t pid;

	NEED_ROOT();
	fake_start(&t->fake, t->h.loop);
	t->h.cfg.u.pptp_gre.port = t->fake.tcp.port;
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ev_loop *loop;

		close(pfd[0]);
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		loop = ev_loop_new(EVFLAG_AUTO);
		t->h.loop = loop;
		t->h.n_reports = 0;
		t->h.probe = probe_create(loop, &t->h.cfg, probe_harness_report, &t->h);
		if (t->h.probe == NULL)
			_exit(3);
		for (int i = 0; i < 1000 && t->h.n_reports == 0; i++)
			ev_run(loop, EVRUN_ONCE);
		dprintf(pfd[1], "%s %s", probe_result_names[t->h.report.result], t->h.report.reason);
		_exit(0);
	}
	close(pfd[1]);
	n = read(pfd[0], buf, sizeof(buf) - 1);
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(n > 0);
	assert_string_equal(buf, "ERROR eperm-raw-socket");
	run_for(&t->h, 0.05);
	assert_int_equal(t->fake.tcp.n_conn, 0);
}

/* ---- scheduling ---- */

static void
probe_gre_test_two_runs(void **state)
{
	struct t *t = *state;
	uint16_t first;

	NEED_ROOT();
	t->h.cfg.interval_ms = 300;
	t->h.cfg.timeout_ms = 200;
	fake_start(&t->fake, t->h.loop);
	t->fake.after_ocrp = after_ocrp_lcp;
	run_probe(t);
	assert_report(&t->h, PROBE_UP, "ok");
	assert_polite_teardown(t, 1);
	first = t->fake.x;
	run_until_reports(&t->h, 2);
	assert_report(&t->h, PROBE_UP, "ok");
	assert_int_equal(t->fake.tcp.n_conn, 2);
	/* a fresh call ID and call serial per run */
	assert_int_equal(t->fake.ocrq[15], 2);
	if (t->fake.x == first)	/* 1 in 65535: try once more */
		run_until_reports(&t->h, 3);
	assert_int_not_equal(t->fake.x, first);
}

static void
probe_gre_test_destroy_in_report(void **state)
{
	struct t *t = *state;

	NEED_ROOT();
	fake_start(&t->fake, t->h.loop);
	t->fake.after_ocrp = after_ocrp_lcp;
	t->h.destroy_in_report = true;	/* the report callback frees the probe */
	run_probe(t);
	assert_report(&t->h, PROBE_UP, "ok");
	assert_null(t->h.probe);
	run_until(&t->h, &t->fake.tcp.saw_eof);
	/* teardown() checks that no descriptor is left */
}

static void
probe_gre_test_timeout_closes_raw(void **state)
{
	struct t *t = *state;
	int during;

	NEED_ROOT();
	t->h.cfg.timeout_ms = 300;
	fake_start(&t->fake, t->h.loop);	/* OCRP ok, then no GRE at all */
	t->h.cfg.u.pptp_gre.port = t->fake.tcp.port;
	t->h.probe = probe_create(t->h.loop, &t->h.cfg, probe_harness_report, &t->h);
	assert_non_null(t->h.probe);
	run_until(&t->h, &t->fake.got_ocrq);
	run_for(&t->h, 0.05);
	/* the probe's TCP and raw sockets and the fake's connection are open */
	during = count_fds();
	run_until_reports(&t->h, 1);
	assert_report(&t->h, PROBE_DOWN, "gre-no-lcp");
	run_until(&t->h, &t->fake.tcp.saw_eof);
	assert_int_equal(count_fds(), during - 3);
}

/* ---- the real pptpd ---- */

/* pptpd with tests/lab/fake-pppd as its ppp program: pptpctrl relays GRE to
 * the stand-in's pty and back, so the whole data path is real but pppd. */
static void
probe_gre_test_pptpd_fake_pppd(void **state)
{
	struct t *t = *state;
	const char *ppp;

	NEED_ROOT();
	if (access("/usr/sbin/pptpd", X_OK) != 0 || (ppp = fake_pppd_path()) == NULL)
		skip();
	pptpd_start(&t->pptpd, ppp);
	t->h.cfg.u.pptp_gre.port = PPTP_PORT;
	t->h.cfg.timeout_ms = 2000;
	run_probe(t);
	assert_report(&t->h, PROBE_UP, "ok");
	run_for(&t->h, 0.2);	/* the background teardown */
}

/*
 * The real pppd on a kernel without PPP (no /dev/ppp) exits at once;
 * pptpctrl sees EOF on the pty, leaves its loop and closes the control
 * connection without a Call-Disconnect-Notify, ~30 ms after its OCRP said
 * "connected".  No GRE is ever sent, so the probe ends on the closed call:
 * "call-closed-before-lcp", long before "gre-no-lcp" (the timeout) could.
 */
static void
probe_gre_test_pptpd_real_pppd(void **state)
{
	struct t *t = *state;

	NEED_ROOT();
	if (access("/usr/sbin/pptpd", X_OK) != 0 || access("/usr/sbin/pppd", X_OK) != 0)
		skip();
	if (access("/dev/ppp", F_OK) == 0)
		skip();	/* a kernel with PPP: the call would come up */
	pptpd_start(&t->pptpd, "/usr/sbin/pppd");
	t->h.cfg.u.pptp_gre.port = PPTP_PORT;
	t->h.cfg.timeout_ms = 2000;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "call-closed-before-lcp");
}

/* ---- main ---- */

/* Our own network namespace with loopback up; false if we cannot. */
static bool
enter_netns(void)
{
	struct ifreq ifr;
	int fd;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		return false;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		close(fd);
		return false;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(probe_gre_test_##name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(ok),
		T(lcp_then_close),
		T(skips_noise),
		T(ocrp_results),
		T(ocrp_call_id_mismatch),
		T(ocrp_timeout),
		T(sccrp_timeout),
		T(ocrp_bad_magic),
		T(ocrp_lying_length),
		T(ocrp_oversized),
		T(ocrp_truncated),
		T(eof_before_ocrp),
		T(cdn_before_lcp),
		T(close_before_lcp),
		T(other_calls_only),
		T(own_packet),
		T(oversized_gre),
		T(bad_gre_for_us),
		T(lying_gre_length),
		T(gre_v0_skipped),
		T(connect_refused),
		T(bad_address),
		T(no_cap_net_raw),
		T(two_runs),
		T(destroy_in_report),
		T(timeout_closes_raw),
		T(pptpd_fake_pppd),
		T(pptpd_real_pppd),
	};
#undef T

	test_can_run = enter_netns();
	if (!test_can_run)
		fprintf(stderr, "test_probe_gre: not root or no network namespace: skipping\n");
	/* pptpd's orphans (pptpctrl, ppp) are reparented to us to be reaped */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("probe_gre", tests, NULL, NULL);
}
