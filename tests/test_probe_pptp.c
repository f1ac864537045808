/*
 * test_probe_pptp.c - the pptp-control probe against a fake PPTP server.
 *
 * The real probe (probe.c scheduling + probe_pptp.c) runs on a real libev
 * loop; the fake server listens on 127.0.0.1 on an ephemeral port and is
 * served by watchers in the same loop, scripted per case: answer, misbehave,
 * stay silent, dribble one byte at a time.  After each case the test checks
 * that the server saw the probe's teardown and that no descriptor leaked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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
#include "support/fake_pptp.h"
#include "support/probe_harness.h"

/* ---- the fake server: its script (the TCP side is support/fake_pptp.c) ---- */

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
	struct fake_pptp tcp;
	enum fake_mode mode;
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
	int n_sccrq, n_echorq, n_echorp, n_stopccrq, n_stopccrp;
	uint8_t sccrq[156];
	uint8_t stop_reason;
	uint32_t echorp_id;
	uint8_t echorp_result;
	/* buffer */
	uint8_t out[2048];
	size_t out_len;
};

/* The server ends the connection. */
static void
fake_hang_up(struct fake *f)
{
	ev_timer_stop(f->tcp.loop, &f->drip_timer);
	fake_pptp_hang_up(&f->tcp);
}

static void
fake_flush(struct fake *f)
{
	ssize_t n;

	if (f->tcp.cfd < 0) {
		ev_timer_stop(f->tcp.loop, &f->drip_timer);	/* the probe ended it */
		return;
	}
	while (f->out_len > 0) {
		n = send(f->tcp.cfd, f->out, f->drip ? 1 : f->out_len, MSG_NOSIGNAL);
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
			ev_timer_start(f->tcp.loop, &f->drip_timer);
		}
		return;
	}
	ev_timer_stop(f->tcp.loop, &f->drip_timer);
	if (f->out_len == 0 && f->close_after_send)
		fake_hang_up(f);
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

static void
fake_queue_sccrp(struct fake *f, uint8_t result)
{
	uint8_t b[FAKE_PPTP_SCCRP_LEN];

	fake_pptp_sccrp(b, result);
	fake_queue(f, b, sizeof(b));
}

static void
fake_on_msg(struct fake_pptp *fp, const uint8_t *raw, const struct pptp_ctrl_msg *m)
{
	struct fake *f = fp->data;
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
			fake_hang_up(f);
			return;
		case FAKE_SILENT:
			break;
		case FAKE_RESET: {
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(f->tcp.cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			fake_hang_up(f);
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
fake_start(struct fake *f, struct ev_loop *loop, enum fake_mode mode)
{
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->sccrp_result = 1;
	f->echo_result = 1;
	fake_pptp_start(&f->tcp, loop, fake_on_msg, f);
	f->tcp.one_conn = true;
	ev_timer_init(&f->drip_timer, fake_drip_cb, 0., 0.);
	f->drip_timer.data = f;
}

static void
fake_stop(struct fake *f)
{
	if (f->tcp.loop != NULL)
		ev_timer_stop(f->tcp.loop, &f->drip_timer);
	fake_pptp_stop(&f->tcp);
}

/* ---- the harness ---- */

struct t {
	struct probe_harness h;
	struct fake fake;
};

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	probe_harness_setup(&t->h, NULL, "pptp-test", PROBE_KIND_PPTP_CONTROL);
	t->h.cfg.u.pptp_control.address = "127.0.0.1";
	t->h.cfg.u.pptp_control.port = 0;
	t->h.cfg.u.pptp_control.echo = false;
	t->h.cfg.u.pptp_control.host_name = NULL;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;

	fake_stop(&t->fake);
	/* every socket of the probe and the server is closed */
	probe_harness_teardown(&t->h);
	free(t);
	return 0;
}

/* Create the probe (port 0: the fake's) and wait for its first run's report. */
static void
run_probe(struct t *t)
{
	if (t->h.cfg.u.pptp_control.port == 0)
		t->h.cfg.u.pptp_control.port = t->fake.tcp.port;
	probe_harness_run(&t->h);
}

/* After an UP: the probe sends StopCCRQ reason 1 and closes. */
static void
assert_polite_teardown(struct t *t)
{
	run_until(&t->h, &t->fake.tcp.saw_eof);
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

	fake_start(&t->fake, t->h.loop, FAKE_ANSWER);
	run_probe(t);
	assert_report(&t->h, PROBE_UP, "ok");
	assert_true(t->h.report.latency_ms >= 0);
	assert_int_equal(t->fake.tcp.n_conn, 1);
	assert_int_equal(t->fake.n_sccrq, 1);
	assert_memory_equal(t->fake.sccrq, sccrq_head, sizeof(sccrq_head));
	assert_string_equal((const char *)t->fake.sccrq + 28, "anycast-healthd");
	assert_string_equal((const char *)t->fake.sccrq + 92, "anycast-healthd");
	assert_int_equal(t->fake.n_echorq, 0);
	assert_polite_teardown(t);
	assert_int_equal(t->h.probe->runs, 1);
	assert_int_equal(t->h.probe->failures, 0);
}

static void
probe_pptp_test_host_name(void **state)
{
	struct t *t = *state;

	t->h.cfg.u.pptp_control.host_name = "gw1.example";
	fake_start(&t->fake, t->h.loop, FAKE_ANSWER);
	run_probe(t);
	assert_report(&t->h, PROBE_UP, "ok");
	assert_string_equal((const char *)t->fake.sccrq + 28, "gw1.example");
	assert_polite_teardown(t);
}

static void
probe_pptp_test_ok_echo(void **state)
{
	struct t *t = *state;

	t->h.cfg.u.pptp_control.echo = true;
	fake_start(&t->fake, t->h.loop, FAKE_ANSWER);
	run_probe(t);
	assert_report(&t->h, PROBE_UP, "ok");
	assert_int_equal(t->fake.n_echorq, 1);
	assert_polite_teardown(t);
}

static void
probe_pptp_test_echo_id_mismatch(void **state)
{
	struct t *t = *state;

	t->h.cfg.u.pptp_control.echo = true;
	fake_start(&t->fake, t->h.loop, FAKE_ANSWER);
	t->fake.echo_id_xor = 1;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "echo-id-mismatch");
	run_until(&t->h, &t->fake.tcp.saw_eof);
	assert_int_equal(t->fake.n_stopccrq, 0);
}

static void
probe_pptp_test_echo_result(void **state)
{
	struct t *t = *state;

	t->h.cfg.u.pptp_control.echo = true;
	fake_start(&t->fake, t->h.loop, FAKE_ANSWER);
	t->fake.echo_result = 2;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "echo-result-2");
	run_until(&t->h, &t->fake.tcp.saw_eof);
}

static void
probe_pptp_test_echo_timeout(void **state)
{
	struct t *t = *state;

	t->h.cfg.u.pptp_control.echo = true;
	t->h.cfg.timeout_ms = 200;
	fake_start(&t->fake, t->h.loop, FAKE_ANSWER);
	t->fake.ignore_echo = true;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "echo-timeout");
	run_until(&t->h, &t->fake.tcp.saw_eof);
}

static void
probe_pptp_test_sccrp_result(void **state)
{
	struct t *t = *state;

	fake_start(&t->fake, t->h.loop, FAKE_ANSWER);
	t->fake.sccrp_result = 2;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "sccrp-result-2");
	assert_int_equal(t->h.probe->failures, 1);
	run_until(&t->h, &t->fake.tcp.saw_eof);
	assert_int_equal(t->fake.n_stopccrq, 0);
}

/* Server sends `raw` in answer to SCCRQ; the run fails with `reason`. */
static void
run_raw(struct t *t, const uint8_t *raw, size_t len, bool close_after, const char *reason)
{
	fake_start(&t->fake, t->h.loop, FAKE_RAW);
	t->fake.raw = raw;
	t->fake.raw_len = len;
	t->fake.close_after_send = close_after;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, reason);
	run_until(&t->h, &t->fake.tcp.saw_eof);
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

	fake_start(&t->fake, t->h.loop, FAKE_CLOSE);
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "eof");
}

static void
probe_pptp_test_reset(void **state)
{
	struct t *t = *state;

	fake_start(&t->fake, t->h.loop, FAKE_RESET);
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "read-error");
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

	t->h.cfg.timeout_ms = 300;
	fake_start(&t->fake, t->h.loop, FAKE_SILENT);
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "sccrp-timeout");
	assert_true(t->h.report.latency_ms >= 290);	/* not before the timeout */
	/* cancel() closed the socket */
	run_until(&t->h, &t->fake.tcp.saw_eof);
	assert_int_equal(t->fake.n_sccrq, 1);
}

static void
probe_pptp_test_server_stop(void **state)
{
	struct t *t = *state;

	fake_start(&t->fake, t->h.loop, FAKE_STOP);
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "server-stop");
	run_until(&t->h, &t->fake.tcp.saw_eof);
	assert_int_equal(t->fake.n_stopccrp, 1);
}

static void
probe_pptp_test_connect_refused(void **state)
{
	struct t *t = *state;
	uint16_t port;
	int fd;

	/* a bound port with no listener answers SYN with RST */
	fd = closed_port(AF_INET, &port);
	assert_true(fd >= 0);
	fake_start(&t->fake, t->h.loop, FAKE_SILENT);	/* unused */
	t->h.cfg.u.pptp_control.port = port;
	run_probe(t);
	close(fd);
	assert_report(&t->h, PROBE_DOWN, "connect-refused");
	assert_int_equal(t->fake.tcp.n_conn, 0);
}

static void
probe_pptp_test_connect_timeout(void **state)
{
	struct t *t = *state;
	struct blackhole bh;

	/* a listener that never accepts and has a full queue drops SYNs */
	blackhole_open(&bh);
	fake_start(&t->fake, t->h.loop, FAKE_SILENT);	/* unused */
	t->h.cfg.u.pptp_control.port = bh.port;
	t->h.cfg.timeout_ms = 300;
	run_probe(t);
	blackhole_close(&bh);
	assert_report(&t->h, PROBE_DOWN, "connect-timeout");
}

static void
probe_pptp_test_server_echo(void **state)
{
	struct t *t = *state;

	fake_start(&t->fake, t->h.loop, FAKE_SERVER_ECHO);
	run_probe(t);
	assert_report(&t->h, PROBE_UP, "ok");
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
	t->h.cfg.u.pptp_control.echo = true;
	t->h.cfg.timeout_ms = 3000;
	fake_start(&t->fake, t->h.loop, FAKE_SERVER_ECHO);
	t->fake.drip = true;
	run_probe(t);
	assert_report(&t->h, PROBE_UP, "ok");
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

	t->h.cfg.timeout_ms = 200;
	fake_start(&t->fake, t->h.loop, FAKE_ANSWER);
	t->fake.ignore_stop = true;
	run_probe(t);
	assert_report(&t->h, PROBE_UP, "ok");
	ev_now_update(t->h.loop);
	t0 = ev_now(t->h.loop);
	/* the lingering socket closes on its own timer: min(timeout, 500 ms) */
	assert_polite_teardown(t);
	ev_now_update(t->h.loop);
	assert_true(ev_now(t->h.loop) - t0 >= 0.15);
	assert_true(ev_now(t->h.loop) - t0 < 1.0);
}

static void
probe_pptp_test_destroy_lingering(void **state)
{
	struct t *t = *state;

	fake_start(&t->fake, t->h.loop, FAKE_ANSWER);
	t->fake.ignore_stop = true;
	t->h.destroy_in_report = true;	/* the report callback frees the probe */
	run_probe(t);
	assert_report(&t->h, PROBE_UP, "ok");
	assert_null(t->h.probe);
	run_until(&t->h, &t->fake.tcp.saw_eof);
	/* teardown() checks that no descriptor is left */
}

static void
probe_pptp_test_destroy_in_failure_report(void **state)
{
	struct t *t = *state;

	fake_start(&t->fake, t->h.loop, FAKE_CLOSE);
	t->h.destroy_in_report = true;
	run_probe(t);
	assert_report(&t->h, PROBE_DOWN, "eof");
	assert_null(t->h.probe);
}

static void
probe_pptp_test_ipv6(void **state)
{
	struct t *t = *state;
	uint16_t port;
	int fd = closed_port(AF_INET6, &port);

	if (fd < 0)
		skip();
	/* nothing listens: enough to show the IPv6 path connects for real */
	fake_start(&t->fake, t->h.loop, FAKE_SILENT);	/* unused */
	t->h.cfg.u.pptp_control.address = "::1";
	t->h.cfg.u.pptp_control.port = port;
	run_probe(t);
	close(fd);
	assert_report(&t->h, PROBE_DOWN, "connect-refused");
}

static void
probe_pptp_test_socket_emfile(void **state)
{
	struct t *t = *state;
	struct rlimit saved;

	/* make the next descriptor number the first one over the limit */
	fake_start(&t->fake, t->h.loop, FAKE_SILENT);	/* unused */
	limit_fds(&saved);
	run_probe(t);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	/* the probe could not run: ERROR, not the server's fault */
	assert_report(&t->h, PROBE_ERROR, "socket-emfile");
	assert_int_equal(t->fake.tcp.n_conn, 0);
}

static void
probe_pptp_test_bad_address(void **state)
{
	struct t *t = *state;

	fake_start(&t->fake, t->h.loop, FAKE_SILENT);	/* unused */
	t->h.cfg.u.pptp_control.address = "pptp.example.com";	/* never resolved */
	t->h.cfg.u.pptp_control.port = 1723;
	assert_null(probe_create(t->h.loop, &t->h.cfg, probe_harness_report, &t->h));
}

static void
probe_pptp_test_two_runs(void **state)
{
	struct t *t = *state;

	/* the second run starts while nothing of the first is left */
	t->h.cfg.interval_ms = 300;
	t->h.cfg.timeout_ms = 200;
	fake_start(&t->fake, t->h.loop, FAKE_ANSWER);
	run_probe(t);
	assert_report(&t->h, PROBE_UP, "ok");
	assert_polite_teardown(t);
	t->fake.tcp.saw_eof = false;
	run_until_reports(&t->h, 2);
	assert_report(&t->h, PROBE_UP, "ok");
	assert_int_equal(t->fake.tcp.n_conn, 2);
	run_until(&t->h, &t->fake.tcp.saw_eof);
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
