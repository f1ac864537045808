/*
 * driver_fixture.c - temp dirs, captured stderr, bounded loop runs and a
 * callback recorder for the router driver tests.  See driver_fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "driver_fixture.h"

void
run_loop_for(struct ev_loop *loop, double secs)
{
	double deadline = ev_time() + secs;

	while (ev_time() < deadline)
		ev_run(loop, EVRUN_ONCE);
}

static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

struct ev_loop *
fixture_loop_new(ev_timer *tick, double interval)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);

	assert_non_null(loop);
	ev_timer_init(tick, tick_cb, interval, interval);
	ev_timer_start(loop, tick);
	return loop;
}

void
fixture_loop_destroy(struct ev_loop *loop, ev_timer *tick)
{
	ev_timer_stop(loop, tick);
	ev_loop_destroy(loop);
}

void
make_temp_dir(char *dir, size_t size, const char *name)
{
	snprintf(dir, size, "/tmp/%s.XXXXXX", name);
	assert_non_null(mkdtemp(dir));
}

void
remove_temp_dir(const char *dir)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

char *
slurp(const char *path)
{
	static char buf[65536];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd == -1)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

size_t
count_in(const char *hay, const char *needle)
{
	size_t n = 0;

	while (hay != NULL && (hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

void
capture_stderr(struct captured_stderr *c, const char *dir)
{
	int fd;

	snprintf(c->path, sizeof(c->path), "%s/stderr.log", dir);
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

void
release_stderr(struct captured_stderr *c)
{
	const char *log;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	/* a cmocka failure message in the log means the case failed */
	log = slurp(c->path);
	if (log != NULL && (getenv("TEST_VERBOSE") != NULL || strstr(log, "[   LINE   ]") != NULL))
		fputs(log, stderr);
}

size_t
stderr_count(struct captured_stderr *c, const char *needle)
{
	fflush(stderr);
	return count_in(slurp(c->path), needle);
}

static void
obs_actual(void *arg, size_t index, enum route_state actual)
{
	struct driver_obs *o = arg;

	assert_true(index < DRIVER_OBS_PREFIXES);
	o->actual[index] = actual;
	o->n_actual[index]++;
}

static void
obs_connection(void *arg, bool up, const char *why)
{
	struct driver_obs *o = arg;

	assert_non_null(why);
	o->up = up;
	if (up)
		o->n_up++;
	else
		o->n_down++;
	if (o->n_whys < sizeof(o->whys) / sizeof(o->whys[0]))
		snprintf(o->whys[o->n_whys++], sizeof(o->whys[0]), "%s", why);
}

static void
obs_drift(void *arg, size_t index, enum route_state found, enum route_state wanted)
{
	struct driver_obs *o = arg;

	assert_true(index < DRIVER_OBS_PREFIXES);
	o->n_drift++;
	o->drift_found = found;
	o->drift_wanted = wanted;
}

static void
obs_sessions(void *arg, const struct bgp_sessions *t)
{
	struct driver_obs *o = arg;
	size_t i;

	assert_non_null(t);
	assert_true(t->n <= BGP_SESSIONS_MAX);
	assert_true(t->n_prefixes == 0 || t->advertised != NULL);
	o->n_sessions++;
	o->sessions = *t;
	o->sessions.advertised = o->advertised;
	for (i = 0; i < DRIVER_OBS_PREFIXES; i++)
		o->advertised[i] = i < t->n_prefixes ? t->advertised[i] : 0;
}

static void
obs_instance(void *arg, size_t index, enum vrrp_state st, double age_s)
{
	struct driver_obs *o = arg;

	if (index >= DRIVER_OBS_PREFIXES)
		return;
	o->vrrp[index] = st;
	o->vrrp_age[index] = age_s;
	o->n_instance[index]++;
}

const struct driver_callbacks driver_obs_cb = {
	.actual = obs_actual,
	.connection = obs_connection,
	.drift = obs_drift,
	.instance = obs_instance,
};

const struct driver_callbacks driver_obs_sessions_cb = {
	.actual = obs_actual,
	.connection = obs_connection,
	.drift = obs_drift,
	.sessions = obs_sessions,
};

unsigned
driver_obs_carried(const struct driver_obs *o, size_t i)
{
	unsigned n = 0;

	for (size_t k = 0; i < DRIVER_OBS_PREFIXES && k < o->sessions.n; k++)
		n += o->sessions.s[k].established && ((o->advertised[i] >> k) & 1u);
	return n;
}

static void
unix_address(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", path);
}

int
listen_unix(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	unlink(path);
	unix_address(&sun, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

int
serve_unix(struct ev_loop *loop, ev_io *accept_io, const char *path,
	   void (*accept_cb)(struct ev_loop *loop, ev_io *w, int revents), void *data)
{
	int fd = listen_unix(path);

	ev_io_init(accept_io, accept_cb, fd, EV_READ);
	accept_io->data = data;
	ev_io_start(loop, accept_io);
	return fd;
}

void
stop_serving(struct ev_loop *loop, ev_io *accept_io, int *lfd)
{
	if (*lfd == -1)
		return;
	ev_io_stop(loop, accept_io);
	close(*lfd);
	*lfd = -1;
}

void
stale_unix_socket(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	unix_address(&sun, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
}

void
full_unix_socket(const char *path, int *lfd, int *cfd)
{
	struct sockaddr_un sun;
	int fd;

	unlink(path);
	unix_address(&sun, path);
	*lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(*lfd >= 0);
	assert_int_equal(bind(*lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(*lfd, 0), 0);
	/* backlog 0 still queues one: that one fills it */
	*cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(*cfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), -1);
	assert_int_equal(errno, EAGAIN);
	close(fd);
}

pid_t
spawn_logged(const char *file, const char *const argv[], const char *out)
{
	pid_t pid = fork();
	int fd;

	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execv(file, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	return pid;
}
