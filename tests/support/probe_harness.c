/*
 * probe_harness.c - one probe under the real scheduler on a libev loop, with
 * bounded waits and a descriptor check, for the probe test suites.  See
 * probe_harness.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe_harness.h"

int
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
	struct probe_harness *h = w->data;

	(void)loop;
	(void)revents;
	h->guard_fired = true;
}

void
probe_harness_setup(struct probe_harness *h, struct ev_loop *loop, const char *name,
		    enum probe_kind kind)
{
	memset(h, 0, sizeof(*h));
	h->check_fds = true;
	h->guard_seconds = 5.;
	if (loop == NULL) {
		h->fds_before = count_fds();
		h->loop = ev_loop_new(EVFLAG_AUTO);
		h->own_loop = true;
	} else {
		h->loop = loop;
		h->fds_before = count_fds();
	}
	assert_non_null(h->loop);
	ev_timer_init(&h->guard, guard_cb, h->guard_seconds, 0.);
	h->guard.data = h;
	h->cfg.name = (char *)(uintptr_t)name;
	h->cfg.kind = kind;
	h->cfg.interval_ms = 60000;	/* one run per case */
	h->cfg.timeout_ms = 1000;
	h->cfg.rise = 1;
	h->cfg.fall = 1;
}

void
probe_harness_teardown(struct probe_harness *h)
{
	probe_destroy(h->probe);
	h->probe = NULL;
	ev_timer_stop(h->loop, &h->guard);
	if (h->own_loop)
		ev_loop_destroy(h->loop);
	h->loop = NULL;
	/* every socket, pipe and handle of the probe and of the servers is closed */
	if (h->check_fds)
		assert_int_equal(count_fds(), h->fds_before);
}

void
probe_harness_report(struct probe *p, const struct probe_report *r, void *arg)
{
	struct probe_harness *h = arg;

	(void)p;
	h->n_reports++;
	h->report = *r;
	if (h->destroy_in_report) {
		probe_destroy(h->probe);
		h->probe = NULL;
	}
}

void
probe_harness_run(struct probe_harness *h)
{
	h->probe = probe_create(h->loop, &h->cfg, probe_harness_report, h);
	assert_non_null(h->probe);
	run_until_reports(h, 1);
}

void
arm_guard(struct probe_harness *h, double seconds)
{
	ev_timer_stop(h->loop, &h->guard);
	ev_timer_set(&h->guard, seconds, 0.);
	ev_timer_start(h->loop, &h->guard);
	h->guard_fired = false;
}

void
run_until(struct probe_harness *h, const bool *flag)
{
	arm_guard(h, h->guard_seconds);
	while (!*flag && !h->guard_fired)
		ev_run(h->loop, EVRUN_ONCE);
	ev_timer_stop(h->loop, &h->guard);
	assert_false(h->guard_fired);
}

void
run_for(struct probe_harness *h, double seconds)
{
	arm_guard(h, seconds);
	while (!h->guard_fired)
		ev_run(h->loop, EVRUN_ONCE);
}

void
run_until_reports(struct probe_harness *h, int n)
{
	arm_guard(h, h->guard_seconds);
	while (h->n_reports < n && !h->guard_fired)
		ev_run(h->loop, EVRUN_ONCE);
	ev_timer_stop(h->loop, &h->guard);
	assert_false(h->guard_fired);
	assert_int_equal(h->n_reports, n);
}

void
assert_report(const struct probe_harness *h, enum probe_result result, const char *reason)
{
	assert_string_equal(probe_result_names[h->report.result], probe_result_names[result]);
	assert_string_equal(h->report.reason, reason);
	assert_false(h->report.immediate);
}

int
listen_loopback(uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int one = 1;
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

int
closed_port(int family, uint16_t *port)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	socklen_t len = sizeof(ss);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	if (bind(fd, (struct sockaddr *)&ss, family == AF_INET ? sizeof(struct sockaddr_in)
							       : sizeof(struct sockaddr_in6)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					: ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

void
blackhole_open(struct blackhole *b)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	b->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(b->lfd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(b->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(b->lfd, 0), 0);
	assert_int_equal(getsockname(b->lfd, (struct sockaddr *)&sin, &len), 0);
	for (int i = 0; i < 4; i++) {
		b->filler[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		(void)connect(b->filler[i], (struct sockaddr *)&sin, sizeof(sin));
	}
	usleep(50000);
	b->port = ntohs(sin.sin_port);
}

void
blackhole_close(struct blackhole *b)
{
	for (int i = 0; i < 4; i++)
		close(b->filler[i]);
	close(b->lfd);
}

void
limit_fds(struct rlimit *saved)
{
	struct rlimit low;
	int next = dup(0);

	assert_true(next >= 0);
	close(next);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, saved), 0);
	low = *saved;
	low.rlim_cur = (rlim_t)next;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
}
