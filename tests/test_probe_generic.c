/*
 * test_probe_generic.c - the generic probe kinds "tcp" (probe_tcp.c),
 * "http" (probe_http.c) and "exec" (probe_exec.c) under the real scheduler
 * (probe.c) on libev's default loop (ev_child, which exec needs, works
 * there only).
 *
 * tcp runs against listening, closed and blackholed loopback ports; http
 * against a small HTTP server served by watchers in the same loop, scripted
 * per case; exec against /bin/true, /bin/false, /bin/sleep and shell scripts
 * written to a temporary directory.  After every case the teardown checks
 * that no descriptor leaked and that no child process is left, zombie or
 * alive (the test is a child subreaper, so the commands' own children come
 * back to it and count too).
 *
 * Also the scheduler's timing (probe.c), through tcp and http probes: the
 * regular start-to-start schedule, the fast runs of a transition
 * (probe_set_fast), the second run beside a late one and probe_run_now(),
 * asserted on the armed timers and the order of events, never on the clock.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* accept4, memmem */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <ev.h>

#include "health.h"
#include "probe.h"
#include "support/probe_harness.h"

/* ---- a scripted HTTP server on the loop ---- */

enum web_mode {
	WEB_ANSWER,	/* send `reply` after the request head, then close */
	WEB_SILENT,	/* read and never answer */
	WEB_CLOSE,	/* close on the request head */
};

struct web {
	struct ev_loop *loop;
	enum web_mode mode;
	int lfd, cfd;
	uint16_t port;
	ev_io accept_io, conn_io;
	const char *reply;
	size_t reply_len, sent;
	int n_conn;
	char request[4096];
	size_t request_len;
	bool saw_eof;
};

static void
web_close_conn(struct web *w)
{
	ev_io_stop(w->loop, &w->conn_io);
	if (w->cfd >= 0)
		close(w->cfd);
	w->cfd = -1;
}

static void
web_conn_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct web *w = io->data;
	ssize_t n;

	(void)loop;
	if (revents & EV_WRITE) {
		n = send(w->cfd, w->reply + w->sent, w->reply_len - w->sent, MSG_NOSIGNAL);
		if (n > 0)
			w->sent += (size_t)n;
		if (n < 0 || w->sent == w->reply_len)
			web_close_conn(w);
		return;
	}
	n = recv(w->cfd, w->request + w->request_len, sizeof(w->request) - 1 - w->request_len, 0);
	if (n <= 0) {
		w->saw_eof = true;
		web_close_conn(w);
		return;
	}
	w->request_len += (size_t)n;
	w->request[w->request_len] = '\0';
	if (strstr(w->request, "\r\n\r\n") == NULL || w->mode == WEB_SILENT)
		return;
	if (w->mode == WEB_CLOSE) {
		web_close_conn(w);
		return;
	}
	ev_io_stop(w->loop, &w->conn_io);
	ev_io_set(&w->conn_io, w->cfd, EV_WRITE);
	ev_io_start(w->loop, &w->conn_io);
}

static void
web_accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct web *w = io->data;
	int fd;

	(void)revents;
	fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	web_close_conn(w);	/* one at a time */
	w->cfd = fd;
	w->n_conn++;
	w->request_len = 0;
	w->sent = 0;
	ev_io_set(&w->conn_io, fd, EV_READ);
	ev_io_start(loop, &w->conn_io);
}

static void
web_start(struct web *w, struct ev_loop *loop, enum web_mode mode, const char *reply, size_t len)
{
	w->loop = loop;
	w->mode = mode;
	w->reply = reply;
	w->reply_len = reply ? (len ? len : strlen(reply)) : 0;
	w->cfd = -1;
	w->lfd = listen_loopback(&w->port);
	ev_io_init(&w->accept_io, web_accept_cb, w->lfd, EV_READ);
	w->accept_io.data = w;
	ev_io_init(&w->conn_io, web_conn_cb, -1, EV_READ);
	w->conn_io.data = w;
	ev_io_start(loop, &w->accept_io);
}

static void
web_stop(struct web *w)
{
	if (w->loop == NULL)
		return;
	web_close_conn(w);
	ev_io_stop(w->loop, &w->accept_io);
	close(w->lfd);
	w->loop = NULL;
}

/* ---- fixture ---- */

struct t {
	struct probe_harness h;
	struct web web;
	char dir[64];
	char url[128];
	char path[PATH_MAX];
	char *argv[8];
	bool fast_in_report;		/* schedule_report() sets the probe fast */
	ev_tstamp started[8], ended[8];	/* per report: the run's start and end */
	ev_tstamp second_ended[8];	/* per report: the second instance's last end */
	unsigned long runs[8];		/* per report: p->runs */
	struct health_check hc;		/* fed by schedule_report() */
	int transitions;		/* ... and how often its state changed */
};

/* No child of ours is left, alive or zombie (WNOWAIT: look, do not reap). */
static bool
no_children(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD;
}

/* Run the loop until every child is reaped (libev's ev_child does it). */
static void
run_until_no_children(struct t *t)
{
	arm_guard(&t->h, 3.);
	while (!no_children() && !t->h.guard_fired)
		ev_run(t->h.loop, EVRUN_ONCE);
	ev_timer_stop(t->h.loop, &t->h.guard);
	assert_true(no_children());
}

static int
setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	/* ev_child works on the default loop only; each case sets its kind */
	probe_harness_setup(&t->h, ev_default_loop(0), "generic-test", PROBE_KIND_TCP);
	t->h.cfg.timeout_ms = 2000;
	snprintf(t->dir, sizeof(t->dir), "/tmp/test_probe_generic.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;
	char cmd[128];

	probe_destroy(t->h.probe);
	t->h.probe = NULL;
	web_stop(&t->web);
	run_until_no_children(t);
	/* every socket, pipe and curl handle of the probe is closed */
	probe_harness_teardown(&t->h);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t->dir);
	assert_int_equal(system(cmd), 0);
	free(t);
	return 0;
}

/* ---- tcp ---- */

static void
tcp_config(struct t *t, const char *address, uint16_t port)
{
	t->h.cfg.kind = PROBE_KIND_TCP;
	t->h.cfg.u.tcp.address = (char *)(uintptr_t)address;
	t->h.cfg.u.tcp.port = port;
}

static void
probe_generic_test_tcp_ok(void **state)
{
	struct t *t = *state;

	web_start(&t->web, t->h.loop, WEB_SILENT, NULL, 0);
	tcp_config(t, "127.0.0.1", t->web.port);
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_UP, "ok");
	/* the probe closed at once: the server sees the connection end */
	arm_guard(&t->h, 2.);
	while (!t->web.saw_eof && !t->h.guard_fired)
		ev_run(t->h.loop, EVRUN_ONCE);
	assert_true(t->web.saw_eof);
	assert_int_equal(t->web.n_conn, 1);
}

static void
probe_generic_test_tcp_refused(void **state)
{
	struct t *t = *state;
	uint16_t port;
	int fd = closed_port(AF_INET, &port);

	assert_true(fd >= 0);
	tcp_config(t, "127.0.0.1", port);
	probe_harness_run(&t->h);
	close(fd);
	assert_report(&t->h, PROBE_DOWN, "connect-refused");
}

static void
probe_generic_test_tcp_timeout(void **state)
{
	struct t *t = *state;
	struct blackhole bh;

	/* a listener that never accepts and has a full queue drops SYNs */
	blackhole_open(&bh);
	tcp_config(t, "127.0.0.1", bh.port);
	t->h.cfg.timeout_ms = 300;
	probe_harness_run(&t->h);
	blackhole_close(&bh);
	assert_report(&t->h, PROBE_DOWN, "connect-timeout");
	assert_true(t->h.report.latency_ms >= 250);
}

static void
probe_generic_test_tcp_ipv6(void **state)
{
	struct t *t = *state;
	uint16_t port;
	int fd = closed_port(AF_INET6, &port);

	if (fd < 0)
		skip();
	tcp_config(t, "::1", port);
	probe_harness_run(&t->h);
	close(fd);
	assert_report(&t->h, PROBE_DOWN, "connect-refused");
}

static void
probe_generic_test_tcp_bad_address(void **state)
{
	struct t *t = *state;

	tcp_config(t, "localhost", 80);	/* names are never resolved */
	assert_null(probe_create(t->h.loop, &t->h.cfg, probe_harness_report, &t->h));
}

static void
probe_generic_test_tcp_socket_emfile(void **state)
{
	struct t *t = *state;
	struct rlimit saved;

	tcp_config(t, "127.0.0.1", 9);
	limit_fds(&saved);
	probe_harness_run(&t->h);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	assert_report(&t->h, PROBE_ERROR, "socket-emfile");
}

static void
probe_generic_test_tcp_two_runs(void **state)
{
	struct t *t = *state;

	web_start(&t->web, t->h.loop, WEB_SILENT, NULL, 0);
	tcp_config(t, "127.0.0.1", t->web.port);
	t->h.cfg.interval_ms = 200;
	t->h.cfg.timeout_ms = 100;
	probe_harness_run(&t->h);
	run_until_reports(&t->h, 2);
	assert_report(&t->h, PROBE_UP, "ok");
	assert_true(t->web.n_conn >= 1);
}

/* ---- http ---- */

static const char http_ok[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n"
	"Connection: close\r\n\r\nhello world";

static void
http_config(struct t *t, const char *host, const char *path, const char *body_contains)
{
	snprintf(t->url, sizeof(t->url), "http://%s:%u%s", host, t->web.port, path);
	t->h.cfg.kind = PROBE_KIND_HTTP;
	t->h.cfg.u.http.url = t->url;
	t->h.cfg.u.http.expect_status = 200;
	t->h.cfg.u.http.body_contains = (char *)(uintptr_t)body_contains;
}

static void
probe_generic_test_http_ok(void **state)
{
	struct t *t = *state;

	web_start(&t->web, t->h.loop, WEB_ANSWER, http_ok, 0);
	http_config(t, "127.0.0.1", "/health", "lo wo");
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_UP, "ok");
	assert_int_equal(t->web.n_conn, 1);
	assert_memory_equal(t->web.request, "GET /health HTTP/1.1\r\n", 22);
	assert_non_null(strstr(t->web.request, "\r\nUser-Agent: anycast-healthd\r\n"));
}

static void
probe_generic_test_http_ok_no_body_check(void **state)
{
	struct t *t = *state;

	web_start(&t->web, t->h.loop, WEB_ANSWER, http_ok, 0);
	http_config(t, "127.0.0.1", "/", NULL);
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_UP, "ok");
}

static void
probe_generic_test_http_status(void **state)
{
	struct t *t = *state;
	static const char reply[] =
		"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops!";

	web_start(&t->web, t->h.loop, WEB_ANSWER, reply, 0);
	http_config(t, "127.0.0.1", "/", "oops");
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_DOWN, "http-status-500");
}

static void
probe_generic_test_http_expect_status(void **state)
{
	struct t *t = *state;
	static const char reply[] = "HTTP/1.1 204 No Content\r\n\r\n";

	web_start(&t->web, t->h.loop, WEB_ANSWER, reply, 0);
	http_config(t, "127.0.0.1", "/", NULL);
	t->h.cfg.u.http.expect_status = 204;
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_UP, "ok");
}

static void
probe_generic_test_http_body_mismatch(void **state)
{
	struct t *t = *state;

	web_start(&t->web, t->h.loop, WEB_ANSWER, http_ok, 0);
	http_config(t, "127.0.0.1", "/", "goodbye");
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_DOWN, "http-body-mismatch");
}

static void
probe_generic_test_http_redirect_not_followed(void **state)
{
	struct t *t = *state;
	static const char reply[] =
		"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n";

	web_start(&t->web, t->h.loop, WEB_ANSWER, reply, 0);
	http_config(t, "127.0.0.1", "/", NULL);
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_DOWN, "http-status-302");
	assert_int_equal(t->web.n_conn, 1);
}

/* A 200 with a 70000-byte body holding NEEDLE at `at`. */
static char *
big_reply(size_t at, size_t *len)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n";
	size_t hl = sizeof(head) - 1;
	char *r = malloc(hl + 70000);

	assert_non_null(r);
	memcpy(r, head, hl);
	memset(r + hl, 'a', 70000);
	memcpy(r + hl + at, "NEEDLE", 6);
	*len = hl + 70000;
	return r;
}

static void
probe_generic_test_http_body_first_64k(void **state)
{
	struct t *t = *state;
	size_t len;
	char *reply = big_reply(65536 - 6, &len);	/* the last bytes searched */

	web_start(&t->web, t->h.loop, WEB_ANSWER, reply, len);
	http_config(t, "127.0.0.1", "/", "NEEDLE");
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_UP, "ok");
	free(reply);
}

static void
probe_generic_test_http_body_after_64k(void **state)
{
	struct t *t = *state;
	size_t len;
	char *reply = big_reply(65536 - 5, &len);	/* straddles the cut */

	web_start(&t->web, t->h.loop, WEB_ANSWER, reply, len);
	http_config(t, "127.0.0.1", "/", "NEEDLE");
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_DOWN, "http-body-mismatch");
	free(reply);
}

static void
probe_generic_test_http_timeout(void **state)
{
	struct t *t = *state;

	web_start(&t->web, t->h.loop, WEB_SILENT, NULL, 0);
	http_config(t, "127.0.0.1", "/", NULL);
	t->h.cfg.timeout_ms = 300;
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_DOWN, "http-timeout");
	assert_true(t->h.report.latency_ms >= 250);
	/* the connection is gone with the run */
	arm_guard(&t->h, 2.);
	while (!t->web.saw_eof && !t->h.guard_fired)
		ev_run(t->h.loop, EVRUN_ONCE);
	assert_true(t->web.saw_eof);
}

static void
probe_generic_test_http_refused(void **state)
{
	struct t *t = *state;
	uint16_t port;
	int fd = closed_port(AF_INET, &port);

	assert_true(fd >= 0);
	t->web.port = port;
	http_config(t, "127.0.0.1", "/", NULL);
	probe_harness_run(&t->h);
	close(fd);
	assert_report(&t->h, PROBE_DOWN, "http-couldnt-connect");
}

static void
probe_generic_test_http_got_nothing(void **state)
{
	struct t *t = *state;

	web_start(&t->web, t->h.loop, WEB_CLOSE, NULL, 0);
	http_config(t, "127.0.0.1", "/", NULL);
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_DOWN, "http-got-nothing");
}

static void
probe_generic_test_http_not_http(void **state)
{
	struct t *t = *state;

	/* libcurl refuses HTTP/0.9 (a reply without a status line) */
	web_start(&t->web, t->h.loop, WEB_ANSWER, "SSH-2.0-OpenSSH_9.2\r\n\r\n", 0);
	http_config(t, "127.0.0.1", "/", NULL);
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_DOWN, "http-unsupported-protocol");
}

static void
probe_generic_test_http_ipv6(void **state)
{
	struct t *t = *state;
	uint16_t port;
	int fd = closed_port(AF_INET6, &port);

	if (fd < 0)
		skip();
	t->web.port = port;
	http_config(t, "[::1]", "/", NULL);
	probe_harness_run(&t->h);
	close(fd);
	assert_report(&t->h, PROBE_DOWN, "http-couldnt-connect");
}

static void
probe_generic_test_http_host_name(void **state)
{
	struct t *t = *state;

	/* a name goes through libcurl's resolver thread, off the loop */
	web_start(&t->web, t->h.loop, WEB_ANSWER, http_ok, 0);
	http_config(t, "localhost", "/", "hello");
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_UP, "ok");
}

static void
probe_generic_test_http_two_runs(void **state)
{
	struct t *t = *state;

	/* each run opens a fresh connection and leaves none behind */
	web_start(&t->web, t->h.loop, WEB_ANSWER, http_ok, 0);
	http_config(t, "127.0.0.1", "/", "hello");
	t->h.cfg.interval_ms = 300;
	t->h.cfg.timeout_ms = 200;
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_UP, "ok");
	run_until_reports(&t->h, 2);
	assert_report(&t->h, PROBE_UP, "ok");
	assert_int_equal(t->web.n_conn, 2);
}

static void
probe_generic_test_http_destroy_in_report(void **state)
{
	struct t *t = *state;

	web_start(&t->web, t->h.loop, WEB_ANSWER, http_ok, 0);
	http_config(t, "127.0.0.1", "/", NULL);
	t->h.destroy_in_report = true;
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_UP, "ok");
	assert_null(t->h.probe);
}

static void
probe_generic_test_http_destroy_running(void **state)
{
	struct t *t = *state;

	web_start(&t->web, t->h.loop, WEB_SILENT, NULL, 0);
	http_config(t, "127.0.0.1", "/", NULL);
	t->h.probe = probe_create(t->h.loop, &t->h.cfg, probe_harness_report, &t->h);
	assert_non_null(t->h.probe);
	arm_guard(&t->h, 2.);
	while (t->web.request_len == 0 && !t->h.guard_fired)
		ev_run(t->h.loop, EVRUN_ONCE);
	assert_true(t->web.request_len > 0);
	probe_destroy(t->h.probe);	/* mid-transfer */
	t->h.probe = NULL;
	assert_int_equal(t->h.n_reports, 0);
}

/* ---- exec ---- */

static void
exec_config(struct t *t, const char *const *argv)
{
	size_t i;

	for (i = 0; argv[i] != NULL && i < 7; i++)
		t->argv[i] = (char *)(uintptr_t)argv[i];
	t->argv[i] = NULL;
	t->h.cfg.kind = PROBE_KIND_EXEC;
	t->h.cfg.u.exec.argv = t->argv;
	t->h.cfg.u.exec.argc = i;
}

/* Write an executable script in the test directory; returns its path. */
static const char *
script(struct t *t, const char *name, const char *body)
{
	FILE *f;

	snprintf(t->path, sizeof(t->path), "%s/%s", t->dir, name);
	f = fopen(t->path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	assert_int_equal(chmod(t->path, 0755), 0);
	return t->path;
}

static void
probe_generic_test_exec_true(void **state)
{
	struct t *t = *state;

	exec_config(t, (const char *[]){ "/bin/true", NULL });
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_UP, "ok");
}

static void
probe_generic_test_exec_false(void **state)
{
	struct t *t = *state;

	exec_config(t, (const char *[]){ "/bin/false", NULL });
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_DOWN, "exit-1");
}

static void
probe_generic_test_exec_line_exit(void **state)
{
	struct t *t = *state;

	exec_config(t, (const char *[]){
		script(t, "radius", "echo 'radius: no answer from 10.0.0.5'\necho more\nexit 3\n"),
		NULL });
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_DOWN, "exit-3: radius: no answer from 10.0.0.5");
}

static void
probe_generic_test_exec_line_up(void **state)
{
	struct t *t = *state;

	exec_config(t, (const char *[]){
		script(t, "ok", "echo '  12 sessions  '\necho 'to stderr' >&2\n"), NULL });
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_UP, "12 sessions");
}

static void
probe_generic_test_exec_args(void **state)
{
	struct t *t = *state;

	/* no shell: the arguments arrive as they are */
	exec_config(t, (const char *[]){
		script(t, "args", "echo \"$#:$1:$2\"\n"), "a b", "$HOME", NULL });
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_UP, "2:a b:$HOME");
}

static void
probe_generic_test_exec_sanitized(void **state)
{
	struct t *t = *state;
	char want[PROBE_REASON_MAX];

	/* control bytes become '?'; the line is cut at 60, the reason at 63 */
	exec_config(t, (const char *[]){
		script(t, "long", "printf 'a\\tb\\001c'\n"
				  "printf '%070d\\n' 0\nexit 2\n"),
		NULL });
	probe_harness_run(&t->h);
	snprintf(want, sizeof(want), "exit-2: a?b?c%050d", 0);
	assert_int_equal(strlen(want), 63);
	assert_report(&t->h, PROBE_DOWN, want);
}

static void
probe_generic_test_exec_stdio(void **state)
{
	struct t *t = *state;
	char body[256];
	int leak;

	/* stdin is /dev/null; descriptors of the daemon do not leak in */
	leak = open("/dev/null", O_RDONLY);	/* no O_CLOEXEC */
	assert_true(leak >= 3);
	snprintf(body, sizeof(body),
		 "if read x; then s=stdin-data; else s=stdin-eof; fi\n"
		 "if [ -e /proc/$$/fd/%d ]; then l=leaked; else l=clean; fi\n"
		 "echo \"$s $l\"\n", leak);
	exec_config(t, (const char *[]){ script(t, "stdio", body), NULL });
	probe_harness_run(&t->h);
	close(leak);
	assert_report(&t->h, PROBE_UP, "stdin-eof clean");
}

static void
probe_generic_test_exec_signal(void **state)
{
	struct t *t = *state;

	exec_config(t, (const char *[]){ script(t, "sig", "echo dying\nkill -TERM $$\n"), NULL });
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_DOWN, "signal-15");
}

static void
probe_generic_test_exec_missing(void **state)
{
	struct t *t = *state;

	exec_config(t, (const char *[]){ "/nonexistent/check-radius", "-q", NULL });
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_DOWN, "exit-127");
}

static void
probe_generic_test_exec_timeout(void **state)
{
	struct t *t = *state;

	exec_config(t, (const char *[]){ "/bin/sleep", "30", NULL });
	t->h.cfg.timeout_ms = 300;
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_DOWN, "exec-timeout");
	assert_true(t->h.report.latency_ms >= 250);	/* not before the timeout */
	/* killed and reaped: no zombie (teardown checks the same) */
	run_until_no_children(t);
}

static void
probe_generic_test_exec_timeout_group(void **state)
{
	struct t *t = *state;
	char pidfile[PATH_MAX], body[PATH_MAX + 128], buf[32];
	pid_t pgid;
	FILE *f;

	/* the whole group dies, not just the command */
	snprintf(pidfile, sizeof(pidfile), "%s/pid", t->dir);
	snprintf(body, sizeof(body), "echo $$ > %s\n/bin/sleep 30 &\n/bin/sleep 30 &\nwait\n",
		 pidfile);
	exec_config(t, (const char *[]){ script(t, "group", body), NULL });
	t->h.cfg.timeout_ms = 300;
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_DOWN, "exec-timeout");
	f = fopen(pidfile, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	pgid = (pid_t)atoi(buf);
	assert_true(pgid > 1);
	run_until_no_children(t);
	assert_int_equal(kill(-pgid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

static void
probe_generic_test_exec_background_output(void **state)
{
	struct t *t = *state;

	/* a background child holding stdout open does not hold the run, and
	 * is killed with the group once the command exited */
	exec_config(t, (const char *[]){
		script(t, "bg", "(/bin/sleep 30; echo late) &\necho early\nexit 0\n"), NULL });
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_UP, "early");
	/* ended with the command, not with the 30 s background child */
	assert_true(t->h.report.latency_ms < 10000);
	run_until_no_children(t);
}

static void
probe_generic_test_exec_pipe_emfile(void **state)
{
	struct t *t = *state;
	struct rlimit saved;

	exec_config(t, (const char *[]){ "/bin/true", NULL });
	limit_fds(&saved);
	probe_harness_run(&t->h);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	assert_report(&t->h, PROBE_ERROR, "pipe-emfile");
}

static void
probe_generic_test_exec_destroy_running(void **state)
{
	struct t *t = *state;

	exec_config(t, (const char *[]){ "/bin/sleep", "30", NULL });
	t->h.probe = probe_create(t->h.loop, &t->h.cfg, probe_harness_report, &t->h);
	assert_non_null(t->h.probe);
	arm_guard(&t->h, 2.);
	while (no_children() && !t->h.guard_fired)	/* until it forked */
		ev_run(t->h.loop, EVRUN_ONCE);
	assert_false(no_children());
	probe_destroy(t->h.probe);
	t->h.probe = NULL;
	run_until_no_children(t);
	assert_int_equal(t->h.n_reports, 0);
}

static void
probe_generic_test_exec_two_runs(void **state)
{
	struct t *t = *state;

	exec_config(t, (const char *[]){ script(t, "n", "echo run\n"), NULL });
	t->h.cfg.interval_ms = 200;
	t->h.cfg.timeout_ms = 150;
	probe_harness_run(&t->h);
	assert_report(&t->h, PROBE_UP, "run");
	run_until_reports(&t->h, 2);
	assert_report(&t->h, PROBE_UP, "run");
	assert_false(t->h.report.changed);
}

static void
probe_generic_test_exec_needs_default_loop(void **state)
{
	struct t *t = *state;
	struct ev_loop *other = ev_loop_new(EVFLAG_AUTO);

	assert_non_null(other);
	exec_config(t, (const char *[]){ "/bin/true", NULL });
	assert_null(probe_create(other, &t->h.cfg, probe_harness_report, &t->h));
	ev_loop_destroy(other);
	exec_config(t, (const char *[]){ "true", NULL });	/* not absolute */
	assert_null(probe_create(t->h.loop, &t->h.cfg, probe_harness_report, &t->h));
}

/* ---- scheduling (probe.c) ---- */

static void
schedule_report(struct probe *p, const struct probe_report *r, void *arg)
{
	struct t *t = arg;
	int i = t->h.n_reports;

	if (i < 8) {
		t->started[i] = p->run_started;
		t->ended[i] = p->run_ended;
		t->second_ended[i] = p->second ? p->second->run_ended : 0;
		t->runs[i] = p->runs;
	}
	if (health_check_update(&t->hc, r, false))
		t->transitions++;
	probe_harness_report(p, r, &t->h);
	if (t->fast_in_report)
		probe_set_fast(p, true);
}

static void
schedule_run(struct t *t)
{
	t->h.probe = probe_create(t->h.loop, &t->h.cfg, schedule_report, t);
	assert_non_null(t->h.probe);
	run_until_reports(&t->h, 1);
}

/* The interval timer is armed at p->armed_at, which is `at` (a time
 * already past, on a slow machine, is armed to fire at once). */
static void
assert_armed(const struct t *t, ev_tstamp at)
{
	struct probe *p = t->h.probe;
	ev_tstamp in = at - ev_now(t->h.loop);

	assert_true(fabs(p->armed_at - at) < 1e-9);
	assert_true(ev_is_active(&p->interval_timer));
	assert_true(fabs(ev_timer_remaining(t->h.loop, &p->interval_timer) -
			 (in > 0 ? in : 0)) < 1e-6);
}

/* Not in a transition: the next run is the regular one, start to start. */
static void
probe_generic_test_schedule_regular(void **state)
{
	struct t *t = *state;

	ev_tstamp first;

	web_start(&t->web, t->h.loop, WEB_SILENT, NULL, 0);
	tcp_config(t, "127.0.0.1", t->web.port);
	t->h.cfg.fast_interval_ms = 100;
	t->h.probe = probe_create(t->h.loop, &t->h.cfg, schedule_report, t);
	assert_non_null(t->h.probe);
	first = t->h.probe->armed_at;	/* the jittered first start */
	run_until_reports(&t->h, 1);
	assert_false(t->h.probe->fast);
	/* from when the run was due, not from when the busy loop started it */
	assert_true(fabs(t->h.probe->regular_due - (first + 60.)) < 1e-9);
	assert_armed(t, t->h.probe->regular_due);
}

/* The fast start of a run that began at `started` and ended at `ended`. */
static ev_tstamp
fast_due(ev_tstamp started, ev_tstamp ended, double fast)
{
	return started + fast > ended ? started + fast : ended;
}

/* In a transition: fast_interval_ms after the run's start (not before its
 * end); the fast run is then armed the same way again, and the regular
 * schedule counts from its start. */
static void
probe_generic_test_schedule_fast(void **state)
{
	struct t *t = *state;

	web_start(&t->web, t->h.loop, WEB_SILENT, NULL, 0);
	tcp_config(t, "127.0.0.1", t->web.port);
	t->h.cfg.fast_interval_ms = 100;
	t->fast_in_report = true;
	schedule_run(t);
	assert_true(t->h.probe->fast);
	assert_armed(t, fast_due(t->started[0], t->ended[0], 0.1));
	run_until_reports(&t->h, 2);	/* the interval alone is 60 s */
	assert_report(&t->h, PROBE_UP, "ok");
	assert_true(t->started[1] >= fast_due(t->started[0], t->ended[0], 0.1) - 1e-9);
	assert_armed(t, fast_due(t->started[1], t->ended[1], 0.1));
	assert_true(fabs(t->h.probe->regular_due -
			 (fast_due(t->started[0], t->ended[0], 0.1) + 60.)) < 1e-9);
}

/* Settled again: back to the regular schedule at once. */
static void
probe_generic_test_schedule_fast_ends(void **state)
{
	struct t *t = *state;

	web_start(&t->web, t->h.loop, WEB_SILENT, NULL, 0);
	tcp_config(t, "127.0.0.1", t->web.port);
	t->h.cfg.fast_interval_ms = 100;
	schedule_run(t);
	probe_set_fast(t->h.probe, true);
	assert_armed(t, fast_due(t->started[0], t->ended[0], 0.1));
	probe_set_fast(t->h.probe, false);
	assert_armed(t, t->h.probe->regular_due);
}

/* fast-interval-ms 0 is off: a transition keeps the regular schedule. */
static void
probe_generic_test_schedule_fast_zero_is_off(void **state)
{
	struct t *t = *state;

	web_start(&t->web, t->h.loop, WEB_SILENT, NULL, 0);
	tcp_config(t, "127.0.0.1", t->web.port);
	t->h.cfg.fast_interval_ms = 0;
	t->fast_in_report = true;
	schedule_run(t);
	assert_true(t->h.probe->fast);
	assert_armed(t, t->h.probe->regular_due);
}

/* A fast run is never later than the regular one: fast 250 ms from the
 * start is past the regular 200 ms. */
static void
probe_generic_test_schedule_fast_never_later(void **state)
{
	struct t *t = *state;
	struct blackhole bh;

	blackhole_open(&bh);
	tcp_config(t, "127.0.0.1", bh.port);
	t->h.cfg.interval_ms = 200;
	t->h.cfg.timeout_ms = 100;
	t->h.cfg.fast_interval_ms = 250;
	t->fast_in_report = true;
	schedule_run(t);
	blackhole_close(&bh);
	assert_report(&t->h, PROBE_DOWN, "connect-timeout");
	assert_armed(t, t->h.probe->regular_due);
}

/* An HTTP server that answers the first `answer_first` requests at once,
 * then holds the others: with `answer_together`, until that many are held,
 * then answers them all (a slow but healthy server); without, never (a hung
 * one).  Connections the client closes are closed; the held ones at stop. */
#define HOLD_MAX 8

struct hold_web {
	struct ev_loop *loop;
	int lfd;
	uint16_t port;
	ev_io accept_io;
	ev_io conn_io[HOLD_MAX];
	char req[HOLD_MAX][1024];
	size_t req_len[HOLD_MAX];
	int n_conn, n_asked;
	int answer_first, answer_together;
	int held[HOLD_MAX], n_held;
};

static const char http_ok_short[] =
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

static void
hold_web_answer(int fd)
{
	assert_int_equal(send(fd, http_ok_short, sizeof(http_ok_short) - 1, MSG_NOSIGNAL),
			 (ssize_t)sizeof(http_ok_short) - 1);
	close(fd);
}

/* A whole request is in on connection i: answer it or hold it. */
static void
hold_web_asked(struct hold_web *w, int i)
{
	int fd = w->conn_io[i].fd, k;

	if (++w->n_asked <= w->answer_first) {
		hold_web_answer(fd);
		return;
	}
	w->held[w->n_held++] = fd;
	if (w->answer_together == 0 || w->n_held < w->answer_together)
		return;
	for (k = 0; k < w->n_held; k++)
		hold_web_answer(w->held[k]);
	w->n_held = 0;
}

static void
hold_web_conn_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct hold_web *w = io->data;
	int i = (int)(io - w->conn_io);
	ssize_t n;

	(void)revents;
	n = recv(io->fd, w->req[i] + w->req_len[i], sizeof(w->req[i]) - w->req_len[i], 0);
	if (n <= 0) {
		ev_io_stop(loop, io);
		close(io->fd);
		return;
	}
	w->req_len[i] += (size_t)n;
	if (memmem(w->req[i], w->req_len[i], "\r\n\r\n", 4) == NULL)
		return;
	ev_io_stop(loop, io);
	hold_web_asked(w, i);
}

static void
hold_web_accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct hold_web *w = io->data;
	int fd;

	(void)revents;
	fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	assert_true(w->n_conn < HOLD_MAX);
	ev_io_init(&w->conn_io[w->n_conn], hold_web_conn_cb, fd, EV_READ);
	w->conn_io[w->n_conn].data = w;
	ev_io_start(loop, &w->conn_io[w->n_conn]);
	w->n_conn++;
}

/* Start it and point the fixture's http probe at it (fast interval 50 ms). */
static void
hold_web_start(struct t *t, struct hold_web *w, int answer_first, int answer_together)
{
	memset(w, 0, sizeof(*w));
	w->loop = t->h.loop;
	w->answer_first = answer_first;
	w->answer_together = answer_together;
	w->lfd = listen_loopback(&w->port);
	ev_io_init(&w->accept_io, hold_web_accept_cb, w->lfd, EV_READ);
	w->accept_io.data = w;
	ev_io_start(w->loop, &w->accept_io);
	snprintf(t->url, sizeof(t->url), "http://127.0.0.1:%u/", w->port);
	t->h.cfg.kind = PROBE_KIND_HTTP;
	t->h.cfg.u.http.url = t->url;
	t->h.cfg.u.http.expect_status = 200;
	t->h.cfg.timeout_ms = 300;
	t->h.cfg.fast_interval_ms = 50;
}

static void
hold_web_stop(struct hold_web *w)
{
	int i;

	for (i = 0; i < w->n_held; i++)
		close(w->held[i]);
	w->n_held = 0;
	ev_io_stop(w->loop, &w->accept_io);
	close(w->lfd);
}

/* A run that is late (the first answer took a few ms: late at the fast
 * interval, 50 ms) gets one second run beside it; each keeps its full
 * timeout.  Against a server that stopped answering both time out, 50 ms
 * apart instead of 300: a hung server fails `fall` 2 runs in about one
 * timeout.  The run after them, whose previous run did not answer, gets no
 * second run. */
static void
probe_generic_test_schedule_late_second_run(void **state)
{
	struct t *t = *state;
	struct hold_web w;
	struct probe *p;

	hold_web_start(t, &w, 1, 0);
	schedule_run(t);
	p = t->h.probe;
	assert_report(&t->h, PROBE_UP, "ok");
	assert_non_null(p->second);
	assert_true(probe_sched_answer_max(&p->answers) < 25);
	probe_run_now(p);
	run_until(&t->h, &p->running);
	assert_true(ev_is_active(&p->late_timer));
	assert_true(fabs(ev_timer_remaining(t->h.loop, &p->late_timer) - 0.05) < 1e-6);
	run_until(&t->h, &p->second->running);
	assert_true(p->running);	/* beside the late run, not after it */
	assert_int_equal(p->second_runs, 1);
	assert_int_equal(p->runs, 3);
	run_until_reports(&t->h, 3);
	assert_report(&t->h, PROBE_DOWN, "http-timeout");
	assert_true(t->h.report.latency_ms >= 300);	/* the second's full timeout */
	assert_int_equal(t->runs[2], 3);		/* no run in between */
	assert_true(t->second_ended[2] > t->ended[1]);
	assert_int_equal(p->results[PROBE_DOWN], 2);
	assert_armed(t, p->regular_due);		/* not fast: the regular run */
	probe_run_now(p);
	run_until(&t->h, &p->running);
	assert_false(ev_is_active(&p->late_timer));
	run_until_reports(&t->h, 4);
	assert_int_equal(p->second_runs, 1);
	hold_web_stop(&w);
}

/* A scheduled run due while the second run is active waits for its end:
 * in a transition the run after a timed-out one would start at once, but
 * starts only when the second run has ended too. */
static void
probe_generic_test_schedule_late_next_waits(void **state)
{
	struct t *t = *state;
	struct hold_web w;

	hold_web_start(t, &w, 1, 0);
	t->fast_in_report = true;
	schedule_run(t);	/* UP; fast from now on */
	run_until(&t->h, &t->h.probe->second->running);
	run_until_reports(&t->h, 4);
	hold_web_stop(&w);
	/* report 2 was the late run's, 3 the second run's, 4 the next one's */
	assert_int_equal(t->runs[2], 3);
	assert_true(t->started[3] >= t->second_ended[2]);
	assert_true(t->started[3] > t->started[2]);
}

/* A slow but healthy server: the late run and the second run beside it
 * both end UP, so a check settled UP at rise 3 fall 2 does not move (a
 * late run is not a failed one), and the late answer raises the next late
 * point to twice its latency. */
static void
probe_generic_test_schedule_late_but_healthy(void **state)
{
	struct t *t = *state;
	struct hold_web w;
	struct probe_report up = { .result = PROBE_UP, .reason = "ok" };
	int i;

	hold_web_start(t, &w, 1, 2);
	health_check_init(&t->hc, 3, 2);
	for (i = 0; i < 3; i++)
		health_check_update(&t->hc, &up, false);
	assert_int_equal(t->hc.state, HEALTH_UP);
	schedule_run(t);
	probe_run_now(t->h.probe);
	run_until_reports(&t->h, 3);
	hold_web_stop(&w);
	assert_report(&t->h, PROBE_UP, "ok");
	assert_int_equal(t->h.probe->results[PROBE_UP], 3);
	assert_int_equal(t->h.probe->second_runs, 1);
	assert_int_equal(t->hc.state, HEALTH_UP);
	assert_int_equal(t->transitions, 0);
	assert_true(probe_sched_answer_max(&t->h.probe->answers) >= 50);
	assert_true(probe_sched_late_ms(&t->h.probe->answers, 50, 2000) >= 100);
}

/* A reload that keeps the probe points both instances at the new config
 * (the second one must not keep the old, freed one). */
static void
probe_generic_test_schedule_late_set_config(void **state)
{
	struct t *t = *state;
	struct probe_config copy;

	web_start(&t->web, t->h.loop, WEB_SILENT, NULL, 0);
	tcp_config(t, "127.0.0.1", t->web.port);
	t->h.cfg.fast_interval_ms = 50;
	t->h.probe = probe_create(t->h.loop, &t->h.cfg, schedule_report, t);
	assert_non_null(t->h.probe->second);
	assert_ptr_equal(t->h.probe->second->cfg, &t->h.cfg);
	copy = t->h.cfg;
	probe_set_config(t->h.probe, &copy);
	assert_ptr_equal(t->h.probe->cfg, &copy);
	assert_ptr_equal(t->h.probe->second->cfg, &copy);
	probe_destroy(t->h.probe);
	t->h.probe = NULL;
}

/* Only kinds that can run twice at once get a second instance, and only
 * with fast runs on. */
static void
probe_generic_test_schedule_late_which_kinds(void **state)
{
	struct t *t = *state;

	web_start(&t->web, t->h.loop, WEB_SILENT, NULL, 0);
	tcp_config(t, "127.0.0.1", t->web.port);
	t->h.cfg.fast_interval_ms = 0;
	t->h.probe = probe_create(t->h.loop, &t->h.cfg, schedule_report, t);
	assert_null(t->h.probe->second);
	probe_destroy(t->h.probe);
	exec_config(t, (const char *[]){ "/bin/true", NULL });
	t->h.cfg.fast_interval_ms = 50;
	t->h.probe = probe_create(t->h.loop, &t->h.cfg, schedule_report, t);
	assert_non_null(t->h.probe);
	assert_null(t->h.probe->second);
}

/* probe_run_now(): a run at the next iteration when idle, nothing when a
 * run is active (its result comes anyway). */
static void
probe_generic_test_schedule_run_now(void **state)
{
	struct t *t = *state;
	struct blackhole bh;

	web_start(&t->web, t->h.loop, WEB_SILENT, NULL, 0);
	tcp_config(t, "127.0.0.1", t->web.port);
	schedule_run(t);
	probe_run_now(t->h.probe);
	assert_armed(t, ev_now(t->h.loop));
	run_until_reports(&t->h, 2);	/* the interval alone is 60 s */
	assert_int_equal(t->h.probe->runs, 2);
	probe_destroy(t->h.probe);

	blackhole_open(&bh);
	tcp_config(t, "127.0.0.1", bh.port);
	t->h.cfg.timeout_ms = 300;
	t->h.n_reports = 0;
	t->h.probe = probe_create(t->h.loop, &t->h.cfg, schedule_report, t);
	assert_non_null(t->h.probe);
	run_until(&t->h, &t->h.probe->running);
	probe_run_now(t->h.probe);
	assert_armed(t, t->h.probe->regular_due);
	run_until_reports(&t->h, 1);
	blackhole_close(&bh);
	assert_int_equal(t->h.probe->runs, 1);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(probe_generic_test_##name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(tcp_ok),
		T(tcp_refused),
		T(tcp_timeout),
		T(tcp_ipv6),
		T(tcp_bad_address),
		T(tcp_socket_emfile),
		T(tcp_two_runs),
		T(http_ok),
		T(http_ok_no_body_check),
		T(http_status),
		T(http_expect_status),
		T(http_body_mismatch),
		T(http_redirect_not_followed),
		T(http_body_first_64k),
		T(http_body_after_64k),
		T(http_timeout),
		T(http_refused),
		T(http_got_nothing),
		T(http_not_http),
		T(http_ipv6),
		T(http_host_name),
		T(http_two_runs),
		T(http_destroy_in_report),
		T(http_destroy_running),
		T(exec_true),
		T(exec_false),
		T(exec_line_exit),
		T(exec_line_up),
		T(exec_args),
		T(exec_sanitized),
		T(exec_stdio),
		T(exec_signal),
		T(exec_missing),
		T(exec_timeout),
		T(exec_timeout_group),
		T(exec_background_output),
		T(exec_pipe_emfile),
		T(exec_destroy_running),
		T(exec_two_runs),
		T(exec_needs_default_loop),
		T(schedule_regular),
		T(schedule_fast),
		T(schedule_fast_ends),
		T(schedule_fast_zero_is_off),
		T(schedule_fast_never_later),
		T(schedule_late_second_run),
		T(schedule_late_next_waits),
		T(schedule_late_but_healthy),
		T(schedule_late_which_kinds),
		T(schedule_late_set_config),
		T(schedule_run_now),
	};
#undef T

	/* commands' orphaned children come back to us, so "no child left"
	 * covers them too (and a stray one would fail the next teardown) */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		perror("prctl");
	return cmocka_run_group_tests_name("probe_generic", tests, NULL, NULL);
}
