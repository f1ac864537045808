/*
 * test_probe_pptp.c - the pptp-control probe against a fake PPTP server.
 *
 * The real probe (probe.c scheduling + probe_pptp.c) runs on a real libev
 * loop; the fake server listens on 127.0.0.1 on an ephemeral port and is
 * served by watchers in the same loop, scripted per case: answer, misbehave,
 * stay silent, dribble one byte at a time.  After each case the test checks
 * that the server saw the probe's teardown and that no descriptor leaked.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* accept4 */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <ev.h>

#include "pptp_wire.h"
#include "probe.h"

/* ---- the fake server ---- */

enum fake_mode {
	FAKE_ANSWER,		/* SCCRP(result), Echo-Reply(echo_result), StopCCRP */
	FAKE_SERVER_ECHO,	/* Set-Link-Info + Echo-Request first, SCCRP after our reply */
	FAKE_RAW,		/* send `raw` after SCCRQ, then maybe close */
	FAKE_CLOSE,		/* close on SCCRQ */
	FAKE_SILENT,		/* read and say nothing */
	FAKE_STOP,		/* StopCCRQ instead of SCCRP */
	FAKE_RESET,		/* abort the connection (RST) on SCCRQ */
};

#define FAKE_SERVER_ECHO_ID 0x5eed1234u

struct fake {
	struct ev_loop *loop;
	enum fake_mode mode;
	int lfd, cfd;
	uint16_t port;
	ev_io accept_io, conn_io;
	ev_timer drip_timer;
	/* script */
	uint8_t sccrp_result;
	uint8_t echo_result;
	uint32_t echo_id_xor;		/* non-zero: answer with a wrong id */
	bool ignore_echo;
	bool ignore_stop;
	bool drip;			/* write one byte per millisecond */
	const uint8_t *raw;
	size_t raw_len;
	bool close_after_send;
	/* what it saw */
	int n_conn, n_sccrq, n_echorq, n_echorp, n_stopccrq, n_stopccrp;
	uint8_t sccrq[156];
	uint8_t stop_reason;
	uint32_t echorp_id;
	uint8_t echorp_result;
	bool saw_eof;
	/* buffers */
	uint8_t in[2048];
	size_t in_len;
	uint8_t out[2048];
	size_t out_len;
};

static void
fake_close_conn(struct fake *f)
{
	ev_io_stop(f->loop, &f->conn_io);
	ev_timer_stop(f->loop, &f->drip_timer);
	if (f->cfd >= 0)
		close(f->cfd);
	f->cfd = -1;
}

static void
fake_flush(struct fake *f)
{
	ssize_t n;

	if (f->cfd < 0)
		return;
	while (f->out_len > 0) {
		n = send(f->cfd, f->out, f->drip ? 1 : f->out_len, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		memmove(f->out, f->out + n, f->out_len - (size_t)n);
		f->out_len -= (size_t)n;
		if (f->drip)
			break;
	}
	if (f->out_len > 0 && f->drip) {
		if (!ev_is_active(&f->drip_timer)) {
			ev_timer_set(&f->drip_timer, 0.001, 0.001);
			ev_timer_start(f->loop, &f->drip_timer);
		}
		return;
	}
	ev_timer_stop(f->loop, &f->drip_timer);
	if (f->out_len == 0 && f->close_after_send) {
		f->saw_eof = true;	/* we ended it: nothing more to wait for */
		fake_close_conn(f);
	}
}

static void
fake_drip_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	fake_flush(w->data);
}

static void
fake_queue(struct fake *f, const uint8_t *b, size_t n)
{
	assert_true(f->out_len + n <= sizeof(f->out));
	memcpy(f->out + f->out_len, b, n);
	f->out_len += n;
}

/* An SCCRP as pptpd sends it, written out by hand (no encoder for it). */
static void
fake_queue_sccrp(struct fake *f, uint8_t result)
{
	uint8_t b[156] = {
		0x00, 0x9c, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x02, 0x00, 0x00,
		0x01, 0x00, result, 0x00,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x01, 0x00, 0x01,
		'f', 'a', 'k', 'e',
		[92] = 'l', 'i', 'n', 'u', 'x',
	};

	fake_queue(f, b, sizeof(b));
}

static void
fake_on_msg(struct fake *f, const uint8_t *raw, const struct pptp_ctrl_msg *m)
{
	uint8_t b[64];

	switch (m->type) {
	case PPTP_CTRL_SCCRQ:
		f->n_sccrq++;
		memcpy(f->sccrq, raw, sizeof(f->sccrq));
		switch (f->mode) {
		case FAKE_ANSWER:
			fake_queue_sccrp(f, f->sccrp_result);
			break;
		case FAKE_SERVER_ECHO: {
			static const uint8_t sli[24] = {
				0x00, 0x18, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x0f, 0x00, 0x00,
				0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			};
			fake_queue(f, sli, sizeof(sli));
			fake_queue(f, b, pptp_encode_echorq(b, sizeof(b), FAKE_SERVER_ECHO_ID));
			break;
		}
		case FAKE_RAW:
			fake_queue(f, f->raw, f->raw_len);
			break;
		case FAKE_CLOSE:
			f->saw_eof = true;
			fake_close_conn(f);
			return;
		case FAKE_SILENT:
			break;
		case FAKE_RESET: {
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(f->cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			f->saw_eof = true;
			fake_close_conn(f);
			return;
		}
		case FAKE_STOP:
			fake_queue(f, b, pptp_encode_stopccrq(b, sizeof(b), 2));
			break;
		}
		break;
	case PPTP_CTRL_ECHORQ:
		f->n_echorq++;
		if (f->ignore_echo)
			break;
		fake_queue(f, b, pptp_encode_echorp(b, sizeof(b), m->u.echorq.id ^ f->echo_id_xor,
						    f->echo_result, 0));
		break;
	case PPTP_CTRL_ECHORP:
		f->n_echorp++;
		f->echorp_id = m->u.echorp.id;
		f->echorp_result = m->u.echorp.result;
		if (f->mode == FAKE_SERVER_ECHO)
			fake_queue_sccrp(f, 1);
		break;
	case PPTP_CTRL_STOPCCRQ:
		f->n_stopccrq++;
		f->stop_reason = m->u.stopccrq.reason;
		if (!f->ignore_stop)
			fake_queue(f, b, pptp_encode_stopccrp(b, sizeof(b), 1, 0));
		break;
	case PPTP_CTRL_STOPCCRP:
		f->n_stopccrp++;
		break;
	default:
		fail_msg("fake server: unexpected message type %u", m->type);
	}
	fake_flush(f);
}

static void
fake_conn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fake *f = w->data;
	struct pptp_ctrl_msg m;
	size_t n;
	ssize_t r;

	(void)loop;
	(void)revents;
	r = recv(f->cfd, f->in + f->in_len, sizeof(f->in) - f->in_len, 0);
	if (r <= 0) {
		f->saw_eof = true;
		fake_close_conn(f);
		return;
	}
	f->in_len += (size_t)r;
	while (f->cfd >= 0 &&
	       pptp_decode_control(f->in, f->in_len, &m, &n) == PPTP_DECODE_OK) {
		uint8_t raw[PPTP_CONTROL_MAX_LEN];

		memcpy(raw, f->in, n);
		memmove(f->in, f->in + n, f->in_len - n);
		f->in_len -= n;
		fake_on_msg(f, raw, &m);
	}
}

static void
fake_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fake *f = w->data;
	int one = 1;
	int fd;

	(void)revents;
	fd = accept4(f->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	assert_int_equal(f->cfd, -1);	/* one connection per run */
	f->n_conn++;
	f->cfd = fd;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ev_io_init(&f->conn_io, fake_conn_cb, fd, EV_READ);
	f->conn_io.data = f;
	ev_io_start(loop, &f->conn_io);
}

static void
fake_start(struct fake *f, struct ev_loop *loop, enum fake_mode mode)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int one = 1;

	memset(f, 0, sizeof(*f));
	f->loop = loop;
	f->mode = mode;
	f->cfd = -1;
	f->sccrp_result = 1;
	f->echo_result = 1;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(f->lfd, 8), 0);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&sin, &len), 0);
	f->port = ntohs(sin.sin_port);
	ev_io_init(&f->accept_io, fake_accept_cb, f->lfd, EV_READ);
	f->accept_io.data = f;
	ev_io_start(loop, &f->accept_io);
	ev_timer_init(&f->drip_timer, fake_drip_cb, 0., 0.);
	f->drip_timer.data = f;
}

static void
fake_stop(struct fake *f)
{
	fake_close_conn(f);
	ev_io_stop(f->loop, &f->accept_io);
	if (f->lfd >= 0)
		close(f->lfd);
	f->lfd = -1;
}

/* ---- the harness ---- */

struct t {
	struct ev_loop *loop;
	struct fake fake;
	struct probe_config cfg;
	struct probe *probe;
	ev_timer guard;
	bool guard_fired;
	int n_reports;
	struct probe_report report;
	bool destroy_in_report;
	int fds_before;
};

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
guard_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct t *t = w->data;

	(void)loop;
	(void)revents;
	t->guard_fired = true;
}

static void
report_cb(struct probe *p, const struct probe_report *r, void *arg)
{
	struct t *t = arg;

	(void)p;
	t->n_reports++;
	t->report = *r;
	if (t->destroy_in_report) {
		probe_destroy(t->probe);
		t->probe = NULL;
	}
}

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->fds_before = count_fds();
	t->loop = ev_loop_new(EVFLAG_AUTO);
	assert_non_null(t->loop);
	ev_timer_init(&t->guard, guard_cb, 5., 0.);
	t->guard.data = t;
	t->cfg.name = "pptp-test";
	t->cfg.kind = PROBE_KIND_PPTP_CONTROL;
	t->cfg.interval_ms = 60000;	/* one run per case */
	t->cfg.timeout_ms = 1000;
	t->cfg.rise = 1;
	t->cfg.fall = 1;
	t->cfg.u.pptp_control.address = "127.0.0.1";
	t->cfg.u.pptp_control.port = 0;
	t->cfg.u.pptp_control.echo = false;
	t->cfg.u.pptp_control.host_name = NULL;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;

	probe_destroy(t->probe);
	fake_stop(&t->fake);
	ev_timer_stop(t->loop, &t->guard);
	ev_loop_destroy(t->loop);
	/* every socket of the probe and the server is closed */
	assert_int_equal(count_fds(), t->fds_before);
	free(t);
	return 0;
}

static void
run_until(struct t *t, const bool *flag)
{
	ev_timer_stop(t->loop, &t->guard);
	ev_timer_set(&t->guard, 5., 0.);
	ev_timer_start(t->loop, &t->guard);
	t->guard_fired = false;
	while (!*flag && !t->guard_fired)
		ev_run(t->loop, EVRUN_ONCE);
	ev_timer_stop(t->loop, &t->guard);
	assert_false(t->guard_fired);
}

/* Loop until the n-th report, with the guard. */
static void
run_until_reports(struct t *t, int n)
{
	ev_timer_stop(t->loop, &t->guard);
	ev_timer_set(&t->guard, 5., 0.);
	ev_timer_start(t->loop, &t->guard);
	t->guard_fired = false;
	while (t->n_reports < n && !t->guard_fired)
		ev_run(t->loop, EVRUN_ONCE);
	ev_timer_stop(t->loop, &t->guard);
	assert_false(t->guard_fired);
	assert_int_equal(t->n_reports, n);
}

/* Create the probe and wait for its first run's report in t->report. */
static void
run_probe(struct t *t)
{
	if (t->cfg.u.pptp_control.port == 0)
		t->cfg.u.pptp_control.port = t->fake.port;
	t->probe = probe_create(t->loop, &t->cfg, report_cb, t);
	assert_non_null(t->probe);
	run_until_reports(t, 1);
}

static void
assert_report(struct t *t, enum probe_result result, const char *reason)
{
	assert_string_equal(probe_result_names[t->report.result], probe_result_names[result]);
	assert_string_equal(t->report.reason, reason);
	assert_false(t->report.immediate);
}

/* After an UP: the probe sends StopCCRQ reason 1 and closes. */
static void
assert_polite_teardown(struct t *t)
{
	run_until(t, &t->fake.saw_eof);
	assert_int_equal(t->fake.n_stopccrq, 1);
	assert_int_equal(t->fake.stop_reason, 1);
}

/* ---- cases ---- */

static void
probe_pptp_test_ok(void **state)
{
	struct t *t = *state;
	static const uint8_t sccrq_head[28] = {
		0x00, 0x9c, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x01, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03,
		0x00, 0x00, 0x00, 0x00,
	};

	fake_start(&t->fake, t->loop, FAKE_ANSWER);
	run_probe(t);
	assert_report(t, PROBE_UP, "ok");
	assert_true(t->report.latency_ms >= 0);
	assert_int_equal(t->fake.n_conn, 1);
	assert_int_equal(t->fake.n_sccrq, 1);
	assert_memory_equal(t->fake.sccrq, sccrq_head, sizeof(sccrq_head));
	assert_string_equal((const char *)t->fake.sccrq + 28, "anycast-healthd");
	assert_string_equal((const char *)t->fake.sccrq + 92, "anycast-healthd");
	assert_int_equal(t->fake.n_echorq, 0);
	assert_polite_teardown(t);
	assert_int_equal(t->probe->runs, 1);
	assert_int_equal(t->probe->failures, 0);
}

static void
probe_pptp_test_host_name(void **state)
{
	struct t *t = *state;

	t->cfg.u.pptp_control.host_name = "gw1.example";
	fake_start(&t->fake, t->loop, FAKE_ANSWER);
	run_probe(t);
	assert_report(t, PROBE_UP, "ok");
	assert_string_equal((const char *)t->fake.sccrq + 28, "gw1.example");
	assert_polite_teardown(t);
}

static void
probe_pptp_test_ok_echo(void **state)
{
	struct t *t = *state;

	t->cfg.u.pptp_control.echo = true;
	fake_start(&t->fake, t->loop, FAKE_ANSWER);
	run_probe(t);
	assert_report(t, PROBE_UP, "ok");
	assert_int_equal(t->fake.n_echorq, 1);
	assert_polite_teardown(t);
}

static void
probe_pptp_test_echo_id_mismatch(void **state)
{
	struct t *t = *state;

	t->cfg.u.pptp_control.echo = true;
	fake_start(&t->fake, t->loop, FAKE_ANSWER);
	t->fake.echo_id_xor = 1;
	run_probe(t);
	assert_report(t, PROBE_DOWN, "echo-id-mismatch");
	run_until(t, &t->fake.saw_eof);
	assert_int_equal(t->fake.n_stopccrq, 0);
}

static void
probe_pptp_test_echo_result(void **state)
{
	struct t *t = *state;

	t->cfg.u.pptp_control.echo = true;
	fake_start(&t->fake, t->loop, FAKE_ANSWER);
	t->fake.echo_result = 2;
	run_probe(t);
	assert_report(t, PROBE_DOWN, "echo-result-2");
	run_until(t, &t->fake.saw_eof);
}

static void
probe_pptp_test_echo_timeout(void **state)
{
	struct t *t = *state;

	t->cfg.u.pptp_control.echo = true;
	t->cfg.timeout_ms = 200;
	fake_start(&t->fake, t->loop, FAKE_ANSWER);
	t->fake.ignore_echo = true;
	run_probe(t);
	assert_report(t, PROBE_DOWN, "echo-timeout");
	run_until(t, &t->fake.saw_eof);
}

static void
probe_pptp_test_sccrp_result(void **state)
{
	struct t *t = *state;

	fake_start(&t->fake, t->loop, FAKE_ANSWER);
	t->fake.sccrp_result = 2;
	run_probe(t);
	assert_report(t, PROBE_DOWN, "sccrp-result-2");
	assert_int_equal(t->probe->failures, 1);
	run_until(t, &t->fake.saw_eof);
	assert_int_equal(t->fake.n_stopccrq, 0);
}

/* Server sends `raw` in answer to SCCRQ; the run fails with `reason`. */
static void
run_raw(struct t *t, const uint8_t *raw, size_t len, bool close_after, const char *reason)
{
	fake_start(&t->fake, t->loop, FAKE_RAW);
	t->fake.raw = raw;
	t->fake.raw_len = len;
	t->fake.close_after_send = close_after;
	run_probe(t);
	assert_report(t, PROBE_DOWN, reason);
	run_until(t, &t->fake.saw_eof);
}

#define SCCRP_HEAD(len, mt, m0, type) \
	0x00, (len), 0x00, (mt), (m0), 0x2b, 0x3c, 0x4d, 0x00, (type), 0x00, 0x00, \
	0x01, 0x00, 0x01, 0x00

static void
probe_pptp_test_bad_magic(void **state)
{
	static const uint8_t raw[156] = { SCCRP_HEAD(156, 1, 0x1b, 2) };

	run_raw(*state, raw, sizeof(raw), false, "bad-magic");
}

static void
probe_pptp_test_bad_length(void **state)
{
	static const uint8_t raw[16] = { SCCRP_HEAD(8, 1, 0x1a, 2) };

	run_raw(*state, raw, sizeof(raw), false, "bad-length");
}

static void
probe_pptp_test_bad_message_type(void **state)
{
	static const uint8_t raw[156] = { SCCRP_HEAD(156, 2, 0x1a, 2) };

	run_raw(*state, raw, sizeof(raw), false, "bad-message-type");
}

static void
probe_pptp_test_unknown_type(void **state)
{
	static const uint8_t raw[156] = { SCCRP_HEAD(156, 1, 0x1a, 99) };

	run_raw(*state, raw, sizeof(raw), false, "unknown-type");
}

static void
probe_pptp_test_size_mismatch(void **state)
{
	/* an SCCRP claiming 20 bytes: must not wait for the "rest" */
	static const uint8_t raw[20] = { SCCRP_HEAD(20, 1, 0x1a, 2) };

	run_raw(*state, raw, sizeof(raw), false, "size-mismatch");
}

static void
probe_pptp_test_short_read(void **state)
{
	static const uint8_t raw[100] = { SCCRP_HEAD(156, 1, 0x1a, 2) };

	run_raw(*state, raw, sizeof(raw), true, "short-read");
}

static void
probe_pptp_test_short_header(void **state)
{
	static const uint8_t raw[5] = { 0x00, 0x9c, 0x00, 0x01, 0x1a };

	run_raw(*state, raw, sizeof(raw), true, "short-read");
}

static void
probe_pptp_test_eof(void **state)
{
	struct t *t = *state;

	fake_start(&t->fake, t->loop, FAKE_CLOSE);
	run_probe(t);
	assert_report(t, PROBE_DOWN, "eof");
}

static void
probe_pptp_test_reset(void **state)
{
	struct t *t = *state;

	fake_start(&t->fake, t->loop, FAKE_RESET);
	run_probe(t);
	assert_report(t, PROBE_DOWN, "read-error");
}

static void
probe_pptp_test_eof_after_skipped(void **state)
{
	/* a whole message we do not wait for, then EOF: still "eof" */
	uint8_t raw[16];

	assert_int_equal(pptp_encode_stopccrp(raw, sizeof(raw), 1, 0), 16);
	run_raw(*state, raw, sizeof(raw), true, "eof");
}

static void
probe_pptp_test_silent(void **state)
{
	struct t *t = *state;

	t->cfg.timeout_ms = 300;
	fake_start(&t->fake, t->loop, FAKE_SILENT);
	run_probe(t);
	assert_report(t, PROBE_DOWN, "sccrp-timeout");
	assert_true(t->report.latency_ms >= 290);	/* not before the timeout */
	/* cancel() closed the socket */
	run_until(t, &t->fake.saw_eof);
	assert_int_equal(t->fake.n_sccrq, 1);
}

static void
probe_pptp_test_server_stop(void **state)
{
	struct t *t = *state;

	fake_start(&t->fake, t->loop, FAKE_STOP);
	run_probe(t);
	assert_report(t, PROBE_DOWN, "server-stop");
	run_until(t, &t->fake.saw_eof);
	assert_int_equal(t->fake.n_stopccrp, 1);
}

static void
probe_pptp_test_connect_refused(void **state)
{
	struct t *t = *state;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd;

	/* a bound port with no listener answers SYN with RST */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	fake_start(&t->fake, t->loop, FAKE_SILENT);	/* unused */
	t->cfg.u.pptp_control.port = ntohs(sin.sin_port);
	run_probe(t);
	close(fd);
	assert_report(t, PROBE_DOWN, "connect-refused");
	assert_int_equal(t->fake.n_conn, 0);
}

static void
probe_pptp_test_connect_timeout(void **state)
{
	struct t *t = *state;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int lfd, filler[4];

	/* a listener that never accepts and has a full queue drops SYNs */
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 0), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	for (int i = 0; i < 4; i++) {
		filler[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		(void)connect(filler[i], (struct sockaddr *)&sin, sizeof(sin));
	}
	usleep(50000);
	fake_start(&t->fake, t->loop, FAKE_SILENT);	/* unused */
	t->cfg.u.pptp_control.port = ntohs(sin.sin_port);
	t->cfg.timeout_ms = 300;
	run_probe(t);
	for (int i = 0; i < 4; i++)
		close(filler[i]);
	close(lfd);
	assert_report(t, PROBE_DOWN, "connect-timeout");
}

static void
probe_pptp_test_server_echo(void **state)
{
	struct t *t = *state;

	fake_start(&t->fake, t->loop, FAKE_SERVER_ECHO);
	run_probe(t);
	assert_report(t, PROBE_UP, "ok");
	assert_int_equal(t->fake.n_echorp, 1);
	assert_int_equal(t->fake.echorp_id, FAKE_SERVER_ECHO_ID);
	assert_int_equal(t->fake.echorp_result, 1);
	assert_polite_teardown(t);
}

static void
probe_pptp_test_drip(void **state)
{
	struct t *t = *state;

	/* every server byte in its own segment, through both echo exchanges */
	t->cfg.u.pptp_control.echo = true;
	t->cfg.timeout_ms = 3000;
	fake_start(&t->fake, t->loop, FAKE_SERVER_ECHO);
	t->fake.drip = true;
	run_probe(t);
	assert_report(t, PROBE_UP, "ok");
	assert_int_equal(t->fake.n_echorp, 1);
	assert_int_equal(t->fake.echorp_id, FAKE_SERVER_ECHO_ID);
	assert_int_equal(t->fake.n_echorq, 1);
	assert_polite_teardown(t);
}

static void
probe_pptp_test_linger_no_reply(void **state)
{
	struct t *t = *state;
	ev_tstamp t0;

	t->cfg.timeout_ms = 200;
	fake_start(&t->fake, t->loop, FAKE_ANSWER);
	t->fake.ignore_stop = true;
	run_probe(t);
	assert_report(t, PROBE_UP, "ok");
	ev_now_update(t->loop);
	t0 = ev_now(t->loop);
	/* the lingering socket closes on its own timer: min(timeout, 500 ms) */
	assert_polite_teardown(t);
	ev_now_update(t->loop);
	assert_true(ev_now(t->loop) - t0 >= 0.15);
	assert_true(ev_now(t->loop) - t0 < 1.0);
}

static void
probe_pptp_test_destroy_lingering(void **state)
{
	struct t *t = *state;

	fake_start(&t->fake, t->loop, FAKE_ANSWER);
	t->fake.ignore_stop = true;
	t->destroy_in_report = true;	/* the report callback frees the probe */
	run_probe(t);
	assert_report(t, PROBE_UP, "ok");
	assert_null(t->probe);
	run_until(t, &t->fake.saw_eof);
	/* teardown() checks that no descriptor is left */
}

static void
probe_pptp_test_destroy_in_failure_report(void **state)
{
	struct t *t = *state;

	fake_start(&t->fake, t->loop, FAKE_CLOSE);
	t->destroy_in_report = true;
	run_probe(t);
	assert_report(t, PROBE_DOWN, "eof");
	assert_null(t->probe);
}

static void
probe_pptp_test_ipv6(void **state)
{
	struct t *t = *state;
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(sin6);
	int lfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		if (lfd >= 0)
			close(lfd);
		skip();
	}
	/* nothing listens: enough to show the IPv6 path connects for real */
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin6, &len), 0);
	fake_start(&t->fake, t->loop, FAKE_SILENT);	/* unused */
	t->cfg.u.pptp_control.address = "::1";
	t->cfg.u.pptp_control.port = ntohs(sin6.sin6_port);
	run_probe(t);
	close(lfd);
	assert_report(t, PROBE_DOWN, "connect-refused");
}

static void
probe_pptp_test_socket_emfile(void **state)
{
	struct t *t = *state;
	struct rlimit saved, low;
	int next;

	/* make the next descriptor number the first one over the limit */
	fake_start(&t->fake, t->loop, FAKE_SILENT);	/* unused */
	next = dup(0);
	assert_true(next >= 0);
	close(next);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	low.rlim_cur = (rlim_t)next;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	run_probe(t);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	/* the probe could not run: ERROR, not the server's fault */
	assert_report(t, PROBE_ERROR, "socket-emfile");
	assert_int_equal(t->fake.n_conn, 0);
}

static void
probe_pptp_test_bad_address(void **state)
{
	struct t *t = *state;

	fake_start(&t->fake, t->loop, FAKE_SILENT);	/* unused */
	t->cfg.u.pptp_control.address = "pptp.example.com";	/* never resolved */
	t->cfg.u.pptp_control.port = 1723;
	assert_null(probe_create(t->loop, &t->cfg, report_cb, t));
}

static void
probe_pptp_test_two_runs(void **state)
{
	struct t *t = *state;

	/* the second run starts while nothing of the first is left */
	t->cfg.interval_ms = 300;
	t->cfg.timeout_ms = 200;
	fake_start(&t->fake, t->loop, FAKE_ANSWER);
	run_probe(t);
	assert_report(t, PROBE_UP, "ok");
	assert_polite_teardown(t);
	t->fake.saw_eof = false;
	run_until_reports(t, 2);
	assert_report(t, PROBE_UP, "ok");
	assert_int_equal(t->fake.n_conn, 2);
	run_until(t, &t->fake.saw_eof);
	assert_int_equal(t->fake.n_stopccrq, 2);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(probe_pptp_test_##name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(ok),
		T(host_name),
		T(ok_echo),
		T(echo_id_mismatch),
		T(echo_result),
		T(echo_timeout),
		T(sccrp_result),
		T(bad_magic),
		T(bad_length),
		T(bad_message_type),
		T(unknown_type),
		T(size_mismatch),
		T(short_read),
		T(short_header),
		T(eof),
		T(reset),
		T(eof_after_skipped),
		T(silent),
		T(server_stop),
		T(connect_refused),
		T(connect_timeout),
		T(server_echo),
		T(drip),
		T(linger_no_reply),
		T(destroy_lingering),
		T(destroy_in_failure_report),
		T(ipv6),
		T(socket_emfile),
		T(bad_address),
		T(two_runs),
	};
#undef T

	return cmocka_run_group_tests_name("probe_pptp", tests, NULL, NULL);
}
