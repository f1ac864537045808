/*
 * driver_conn.c - the control-socket connection the router drivers share:
 * non-blocking connect to a Unix socket, reconnect backoff, the write
 * buffer, the command timer, the once-per-change connection reports and the
 * re-apply backoff the drivers keep per prefix.
 * The protocol on the socket is the driver's (driver_conn.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "driver_conn.h"
#include "log.h"

static const char *const driver_conn_state_names[DRIVER_CONN__COUNT] = {
	[DRIVER_CONN_IDLE] = "idle",
	[DRIVER_CONN_CONNECTING] = "connecting",
	[DRIVER_CONN_HANDSHAKE] = "handshake",
	[DRIVER_CONN_READY] = "ready",
};

/* ---- reports ---- */

static void
driver_conn_report_down(struct driver_conn *c, const char *why)
{
	if (c->reported && !c->reported_up && strcmp(c->reported_why, why) == 0)
		return;
	if (c->reported_up)
		log_warnx("%s: lost the %s connection to %s: %s", c->ops->name, c->ops->channel,
			  c->socket_path, why);
	else
		log_warnx("%s: cannot talk to %s: %s (retrying)", c->ops->name, c->socket_path,
			  why);
	c->reported = true;
	c->reported_up = false;
	snprintf(c->reported_why, sizeof(c->reported_why), "%s", why);
	if (c->cb->connection != NULL)
		c->cb->connection(c->arg, false, why);
}

static void
driver_conn_report_up(struct driver_conn *c)
{
	c->reported = true;
	c->reported_up = true;
	c->reported_why[0] = '\0';
	if (c->cb->connection != NULL)
		c->cb->connection(c->arg, true, "connected");
}

static uint32_t
driver_conn_proving_ms(const struct driver_conn *c)
{
	return c->reconnect_max_ms < DRIVER_CONN_PROVEN_MAX_MS ? c->reconnect_max_ms :
		DRIVER_CONN_PROVEN_MAX_MS;
}

void
driver_conn_ready(struct driver_conn *c, const char *detail)
{
	c->state = DRIVER_CONN_READY;
	ev_timer_set(&c->proven_timer, driver_conn_proving_ms(c) / 1000.0, 0.);
	ev_timer_start(c->loop, &c->proven_timer);
	if (c->probation) {
		/* The last session dropped before proving itself: saying
		 * "connected" for each of a reconnect loop's sessions is noise. */
		log_debug("%s: connected to %s again; reported once up for %u ms", c->ops->name,
			  c->socket_path, driver_conn_proving_ms(c));
		return;
	}
	if (detail != NULL)
		log_info("%s: connected to %s (%s)", c->ops->name, c->socket_path, detail);
	else
		log_info("%s: connected to %s", c->ops->name, c->socket_path);
	driver_conn_report_up(c);
}

/* Up for the proving time with a command answered: the session counts as
 * good, so the next failure reconnects after the minimum delay again. */
static void
driver_conn_prove(struct driver_conn *c)
{
	if (c->proven || !c->session_ok || !c->up_long)
		return;
	c->proven = true;
	c->backoff_ms = c->reconnect_min_ms;
	if (c->probation) {
		log_info("%s: connected to %s, up for %u ms after %u failed attempts",
			 c->ops->name, c->socket_path, driver_conn_proving_ms(c), c->failures);
		c->probation = false;
		driver_conn_report_up(c);
	}
	c->failures = 0;
}

/* Called amid the driver's reply handling: a report (and whatever the
 * connection callback does) must wait for the loop, so the proof goes
 * through the timer. */
void
driver_conn_ok(struct driver_conn *c)
{
	c->session_ok = true;
	if (c->up_long && !c->proven && !ev_is_active(&c->proven_timer)) {
		ev_timer_set(&c->proven_timer, 0., 0.);
		ev_timer_start(c->loop, &c->proven_timer);
	}
}

static void
driver_conn_proven_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct driver_conn *c = w->data;

	(void)loop;
	(void)revents;
	c->up_long = true;
	driver_conn_prove(c);
}

/* ---- reasons ---- */

static const char *
driver_conn_connect_reason(int err, char *buf, size_t size)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return "socket-missing";
	case ECONNREFUSED:
		return "connect-refused";
	case EACCES:
	case EPERM:
		return "permission-denied";
	case EAGAIN:
		/* A Unix socket's listen backlog is full: the router is not
		 * accepting.  Not "in progress": the socket never connects. */
		return "backlog-full";
	default:
		snprintf(buf, size, "connect-failed: %s", strerror(err));
		return buf;
	}
}

/* The peer going away shows up as EPIPE or ECONNRESET as often as a 0 read. */
static const char *
driver_conn_io_reason(int err, char *buf, size_t size)
{
	if (err == EPIPE || err == ECONNRESET)
		return "eof";
	snprintf(buf, size, "io-error: %s", strerror(err));
	return buf;
}

/* ---- connecting ---- */

void
driver_conn_start_timer(struct driver_conn *c)
{
	ev_timer_stop(c->loop, &c->command_timer);
	ev_timer_set(&c->command_timer, c->command_timeout_ms / 1000.0, 0.);
	ev_timer_start(c->loop, &c->command_timer);
}

static void
driver_conn_connected(struct driver_conn *c)
{
	c->state = DRIVER_CONN_HANDSHAKE;
	ev_io_stop(c->loop, &c->wio);
	ev_io_start(c->loop, &c->rio);
	driver_conn_start_timer(c);
	if (c->ops->connected != NULL)
		c->ops->connected(c->d);
}

static void
driver_conn_connect(struct driver_conn *c)
{
	struct sockaddr_un sun;
	char buf[DRIVER_CONN_REASON_MAX];

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(c->socket_path) >= sizeof(sun.sun_path)) {
		driver_conn_drop(c, "socket-path-too-long");
		return;
	}
	memcpy(sun.sun_path, c->socket_path, strlen(c->socket_path));
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		snprintf(buf, sizeof(buf), "socket: %s", strerror(errno));
		driver_conn_drop(c, buf);
		return;
	}
	ev_io_set(&c->rio, c->fd, EV_READ);
	ev_io_set(&c->wio, c->fd, EV_WRITE);
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		driver_conn_connected(c);
		return;
	}
	if (errno == EINPROGRESS) {
		c->state = DRIVER_CONN_CONNECTING;
		ev_io_start(c->loop, &c->wio);
		driver_conn_start_timer(c);
		return;
	}
	driver_conn_drop(c, driver_conn_connect_reason(errno, buf, sizeof(buf)));
}

void
driver_conn_drop(struct driver_conn *c, const char *why)
{
	bool was_ready = c->state == DRIVER_CONN_READY;

	c->ops->dropped(c->d, why);
	log_debug("%s: %s -> idle (%s)", c->ops->name, c->state == DRIVER_CONN_HANDSHAKE ?
		  c->ops->handshake : driver_conn_state_names[c->state], why);
	ev_io_stop(c->loop, &c->rio);
	ev_io_stop(c->loop, &c->wio);
	ev_timer_stop(c->loop, &c->command_timer);
	ev_timer_stop(c->loop, &c->proven_timer);
	ev_timer_stop(c->loop, &c->retry_timer);
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->state = DRIVER_CONN_IDLE;
	c->serial++;
	c->wlen = c->woff = 0;
	/* A session that did not prove itself counts as a failed attempt: the
	 * delay keeps growing (the minimum came back when it was proven). */
	if (was_ready && !c->proven)
		c->probation = true;
	if (!c->proven)
		c->failures++;
	c->session_ok = c->up_long = c->proven = false;

	ev_timer_stop(c->loop, &c->reconnect_timer);
	ev_timer_set(&c->reconnect_timer, c->backoff_ms / 1000.0, 0.);
	ev_timer_start(c->loop, &c->reconnect_timer);
	c->armed_delay_ms = c->backoff_ms;
	c->backoff_ms = c->backoff_ms > c->reconnect_max_ms / 2 ?
		c->reconnect_max_ms : c->backoff_ms * 2;
	if (c->backoff_ms < c->reconnect_min_ms)
		c->backoff_ms = c->reconnect_min_ms;

	driver_conn_report_down(c, why);
	if (was_ready && c->ops->lost != NULL)
		c->ops->lost(c->d);
}

/* ---- re-apply backoff ---- */

ev_tstamp
driver_conn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ev_tstamp)ts.tv_sec + ts.tv_nsec / 1e9;
}

bool
driver_conn_retry_reset(struct driver_retry *r)
{
	bool logged = r->logged;

	r->next_ms = 0;
	r->not_before = 0;
	r->due = false;
	r->logged = false;
	return logged;
}

uint32_t
driver_conn_retry_arm(struct driver_conn *c, struct driver_retry *r)
{
	uint32_t ms = r->next_ms;

	r->not_before = driver_conn_now() + ms / 1000.0;
	r->due = true;
	r->next_ms = ms == 0 ? c->reconnect_min_ms :
		ms > c->reconnect_max_ms / 2 ? c->reconnect_max_ms : ms * 2;
	c->retry_armed_ms = ms;
	return ms;
}

void
driver_conn_retry_agreed(struct driver_conn *c, struct driver_retry *r, const char *name,
			 enum route_state actual)
{
	if (driver_conn_retry_reset(r))
		log_info("%s: %s reads back %s now", name, c->ops->speaker, route_state_names[actual]);
}

bool
driver_conn_retry_check(struct driver_conn *c, struct driver_retry *r, bool sent,
			const char *name, const char *accepted,
			enum route_state actual, enum route_state want)
{
	bool repeat = r->next_ms != 0;
	uint32_t ms;

	if (!sent)
		return false;
	/* A re-apply armed but not sent yet must not be pushed further by a
	 * read-back meanwhile. */
	if (r->due)
		return true;
	ms = driver_conn_retry_arm(c, r);
	if (!repeat || r->logged || accepted[0] == '\0')
		return repeat;
	log_warnx("%s: %s accepted `%s` but it still reads back %s, want %s; retrying in %u ms",
		  name, c->ops->speaker, accepted, route_state_names[actual],
		  route_state_names[want], ms);
	r->logged = true;
	return true;
}

bool
driver_conn_retry_waiting(struct driver_conn *c, const struct driver_retry *r)
{
	ev_tstamp left = r->not_before - driver_conn_now();

	if (left <= 0)
		return false;
	if (!ev_is_active(&c->retry_timer) || ev_timer_remaining(c->loop, &c->retry_timer) > left) {
		ev_timer_stop(c->loop, &c->retry_timer);
		ev_timer_set(&c->retry_timer, left, 0.);
		ev_timer_start(c->loop, &c->retry_timer);
	}
	return true;
}

static void
driver_conn_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct driver_conn *c = w->data;

	(void)loop;
	(void)revents;
	if (c->ops->retry != NULL)
		c->ops->retry(c->d);
}

/* ---- I/O ---- */

static void
driver_conn_flush(struct driver_conn *c)
{
	char buf[DRIVER_CONN_REASON_MAX];
	ssize_t n;

	while (c->woff < c->wlen) {
		n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_start(c->loop, &c->wio);
			return;
		}
		if (n == -1) {
			driver_conn_drop(c, driver_conn_io_reason(errno, buf, sizeof(buf)));
			return;
		}
		c->woff += (size_t)n;
	}
	ev_io_stop(c->loop, &c->wio);
	c->wlen = c->woff = 0;
}

void
driver_conn_send(struct driver_conn *c, size_t len)
{
	c->wlen = len;
	c->woff = 0;
	driver_conn_start_timer(c);
	driver_conn_flush(c);
}

static void
driver_conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct driver_conn *c = w->data;
	char buf[DRIVER_CONN_REASON_MAX];
	socklen_t len = sizeof(int);
	int err = 0;

	(void)loop;
	(void)revents;
	if (c->state != DRIVER_CONN_CONNECTING) {
		driver_conn_flush(c);
		return;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		driver_conn_drop(c, driver_conn_connect_reason(err, buf, sizeof(buf)));
		return;
	}
	driver_conn_connected(c);
}

static void
driver_conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct driver_conn *c = w->data;
	char buf[16384], why[DRIVER_CONN_REASON_MAX];
	ssize_t n;

	(void)loop;
	(void)revents;
	n = read(c->fd, buf, sizeof(buf));
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n == -1) {
		driver_conn_drop(c, driver_conn_io_reason(errno, why, sizeof(why)));
		return;
	}
	if (n == 0) {
		driver_conn_drop(c, "eof");
		return;
	}
	c->ops->readable(c->d, buf, (size_t)n);
}

static void
driver_conn_reconnect_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	driver_conn_connect(w->data);
}

static void
driver_conn_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	driver_conn_drop(w->data, "timeout");
}

/* ---- life ---- */

void
driver_conn_init(struct driver_conn *c, struct ev_loop *loop, const struct driver_conn_ops *ops,
		 struct driver *d, const struct driver_callbacks *cb, void *arg,
		 const struct router_config *rc, const char *socket_path)
{
	c->loop = loop;
	c->ops = ops;
	c->d = d;
	c->cb = cb;
	c->arg = arg;
	c->socket_path = xstrdup(socket_path);
	c->command_timeout_ms = rc->command_timeout_ms ? rc->command_timeout_ms : 2000;
	c->reconnect_min_ms = rc->reconnect_min_ms ? rc->reconnect_min_ms : 100;
	c->reconnect_max_ms = rc->reconnect_max_ms;
	if (c->reconnect_max_ms < c->reconnect_min_ms)
		c->reconnect_max_ms = c->reconnect_min_ms;
	c->backoff_ms = c->reconnect_min_ms;
	c->state = DRIVER_CONN_IDLE;
	c->fd = -1;
	ev_io_init(&c->rio, driver_conn_read_cb, -1, EV_READ);
	ev_io_init(&c->wio, driver_conn_write_cb, -1, EV_WRITE);
	ev_timer_init(&c->reconnect_timer, driver_conn_reconnect_cb, 0., 0.);
	ev_timer_init(&c->command_timer, driver_conn_timeout_cb, 0., 0.);
	ev_timer_init(&c->proven_timer, driver_conn_proven_cb, 0., 0.);
	ev_timer_init(&c->retry_timer, driver_conn_retry_cb, 0., 0.);
	c->rio.data = c->wio.data = c->reconnect_timer.data = c->command_timer.data = c;
	c->proven_timer.data = c->retry_timer.data = c;
	/* Connect from the loop, so no hook runs before the driver's create returns. */
	ev_timer_start(loop, &c->reconnect_timer);
}

void
driver_conn_free(struct driver_conn *c)
{
	if (c == NULL)
		return;
	ev_io_stop(c->loop, &c->rio);
	ev_io_stop(c->loop, &c->wio);
	ev_timer_stop(c->loop, &c->reconnect_timer);
	ev_timer_stop(c->loop, &c->command_timer);
	ev_timer_stop(c->loop, &c->proven_timer);
	ev_timer_stop(c->loop, &c->retry_timer);
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	free(c->wbuf);
	free(c->socket_path);
}
