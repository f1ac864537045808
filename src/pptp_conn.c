/*
 * pptp_conn.c - a probe's PPTP control connection and the non-blocking TCP
 * connect under it (include/pptp_conn.h has the contract).
 *
 *   IDLE --start--> CONNECT --connected--> OPEN --linger: send StopCCRQ--> LINGER
 *   LINGER --StopCCRP, EOF, error, garbage, linger timer--> IDLE
 *   CONNECT, OPEN --failure--> the probe's failed/closed hook
 *
 * In every state the server may send messages the probe does not wait for:
 * an Echo-Request is answered here (pptpd drops a peer that leaves one
 * unanswered), the rest go to the probe's message hook or, while lingering,
 * are skipped by their Length.
 *
 * A hook may end the run, and the report callback may free the probe and
 * with it this struct: every path that calls a hook does so last.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* strerrorname_np */
#endif
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pptp_conn.h"

/* Cap on the background teardown: long enough for a healthy pptpd's
 * StopCCRP on loopback, short enough never to pile up sockets. */
#define PPTP_CONN_LINGER_MAX	0.5

const char *const pptp_conn_state_names[PPTP_CONN__COUNT] = {
	[PPTP_CONN_IDLE] = "idle",
	[PPTP_CONN_CONNECT] = "connect",
	[PPTP_CONN_OPEN] = "open",
	[PPTP_CONN_LINGER] = "linger",
};

/* ---- the TCP connect ---- */

int
pptp_conn_address(const struct probe *p, const char *kind, const char *address,
		  uint16_t port, struct sockaddr_storage *addr, socklen_t *addr_len)
{
	struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST,	/* never a DNS lookup */
		.ai_socktype = SOCK_STREAM,
	};
	struct addrinfo *ai = NULL;
	int rc;

	rc = getaddrinfo(address ? address : "", NULL, &hints, &ai);
	if (rc != 0 || ai->ai_addrlen > sizeof(*addr)) {
		log_warnx("probe %s: %s address %s: %s", p->cfg->name, kind,
			  address ? address : "(none)", rc != 0 ? gai_strerror(rc) : "too long");
		goto fail;
	}
	memcpy(addr, ai->ai_addr, ai->ai_addrlen);
	*addr_len = ai->ai_addrlen;
	if (addr->ss_family == AF_INET)
		((struct sockaddr_in *)addr)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)addr)->sin6_port = htons(port);
	freeaddrinfo(ai);
	return 0;
fail:
	if (ai != NULL)
		freeaddrinfo(ai);
	return -1;
}

int
pptp_conn_socket(const struct sockaddr *addr, socklen_t addr_len, int *err)
{
	int fd;

	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	*err = 0;
	if (connect(fd, addr, addr_len) < 0)
		*err = errno == EINTR ? EINPROGRESS : errno;	/* EINTR: it goes on */
	return fd;
}

int
pptp_conn_connect_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	return err;
}

const char *
pptp_conn_errno_reason(char *buf, size_t len, const char *prefix, int err)
{
	const char *name = strerrorname_np(err);
	size_t i, n;

	if (name == NULL) {
		snprintf(buf, len, "%s-errno-%d", prefix, err);
		return buf;
	}
	n = (size_t)snprintf(buf, len, "%s-%s", prefix, name);
	if (n >= len)
		n = len - 1;
	for (i = strlen(prefix); i < n; i++)
		if (buf[i] >= 'A' && buf[i] <= 'Z')
			buf[i] = (char)(buf[i] - 'A' + 'a');
	return buf;
}

bool
pptp_conn_errno_local(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOMEM || err == ENOBUFS ||
	       err == EADDRNOTAVAIL || err == EAGAIN;
}

enum probe_result
pptp_conn_connect_reason(int err, char *buf, size_t len)
{
	if (err == ECONNREFUSED) {
		snprintf(buf, len, "connect-refused");
		return PROBE_DOWN;
	}
	pptp_conn_errno_reason(buf, len, "connect-error", err);
	return pptp_conn_errno_local(err) ? PROBE_ERROR : PROBE_DOWN;
}

/* ---- the control connection ---- */

static void
pptp_conn_watch(struct pptp_conn *c, int events)
{
	struct ev_loop *loop = c->probe->loop;

	ev_io_stop(loop, &c->io);
	ev_io_set(&c->io, c->fd, events);
	ev_io_start(loop, &c->io);
}

/* Write what we can; watch for writability while something is left. */
static int
pptp_conn_flush(struct pptp_conn *c)
{
	ssize_t n;

	while (c->out_len > 0) {
		n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	pptp_conn_watch(c, EV_READ | (c->out_len > 0 ? EV_WRITE : 0));
	return 0;
}

int
pptp_conn_queue(struct pptp_conn *c, size_t n)
{
	if (n == 0)	/* the queue is full: a peer that never reads */
		return -1;
	c->out_len += n;
	return 0;
}

int
pptp_conn_send(struct pptp_conn *c, size_t n)
{
	if (pptp_conn_queue(c, n) < 0)
		return -1;
	return pptp_conn_flush(c);
}

void
pptp_conn_close(struct pptp_conn *c)
{
	struct ev_loop *loop = c->probe->loop;

	ev_io_stop(loop, &c->io);
	ev_timer_stop(loop, &c->linger_timer);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->in_len = 0;
	c->out_len = 0;
	c->state = PPTP_CONN_IDLE;
}

void
pptp_conn_linger(struct pptp_conn *c, unsigned int timeout_ms)
{
	double linger = timeout_ms / 1000.0;

	if (linger > PPTP_CONN_LINGER_MAX)
		linger = PPTP_CONN_LINGER_MAX;
	if (pptp_conn_send(c, pptp_encode_stopccrq(PPTP_CONN_TAIL(c),
						   PPTP_STOP_REASON_GENERAL)) < 0) {
		pptp_conn_close(c);
		return;
	}
	c->state = PPTP_CONN_LINGER;
	ev_timer_set(&c->linger_timer, linger, 0.);
	ev_timer_start(c->probe->loop, &c->linger_timer);
}

static void
pptp_conn_failed(struct pptp_conn *c, enum probe_result result, const char *reason)
{
	if (c->state == PPTP_CONN_LINGER)
		pptp_conn_close(c);
	else
		c->ops->failed(c, result, reason);
}

/* The server ended the connection, or our answer could not go out. */
static void
pptp_conn_lost(struct pptp_conn *c, const char *reason)
{
	if (c->state != PPTP_CONN_LINGER && c->ops->closed != NULL)
		c->ops->closed(c, reason);
	else
		pptp_conn_failed(c, PROBE_DOWN, reason);
}

/* Act on one message.  Returns true when the connection is gone (and with
 * it maybe c): the caller must stop at once. */
static bool
pptp_conn_handle(struct pptp_conn *c, const struct pptp_ctrl_msg *m)
{
	switch (m->type) {
	case PPTP_CTRL_ECHORQ:
		if (pptp_conn_send(c, pptp_encode_echorp(PPTP_CONN_TAIL(c), m->u.echorq.id,
							 PPTP_RESULT_OK, 0)) < 0) {
			pptp_conn_lost(c, "write-error");
			return true;
		}
		return false;
	case PPTP_CTRL_STOPCCRQ:
		/* best effort: we close right after */
		(void)pptp_conn_send(c, pptp_encode_stopccrp(PPTP_CONN_TAIL(c), PPTP_RESULT_OK, 0));
		pptp_conn_lost(c, "server-stop");
		return true;
	case PPTP_CTRL_STOPCCRP:
		if (c->state != PPTP_CONN_LINGER)
			break;
		pptp_conn_close(c);
		return true;
	default:
		break;
	}
	if (c->state != PPTP_CONN_LINGER)
		return c->ops->message(c, m);
	log_debug("probe %s: pptp skipped %s while lingering", c->probe->cfg->name,
		  PPTP_NAME(pptp_ctrl_type_names, m->type));
	return false;
}

/* Decode and act on every complete message in the input buffer. */
static void
pptp_conn_process(struct pptp_conn *c)
{
	struct pptp_ctrl_msg m;
	enum pptp_decode_status st;
	size_t n;

	for (;;) {
		st = pptp_decode_control(c->in, c->in_len, &m, &n);
		if (st == PPTP_DECODE_NEED_MORE)
			return;
		if (st != PPTP_DECODE_OK) {
			pptp_conn_failed(c, PROBE_DOWN, pptp_decode_status_names[st]);
			return;
		}
		/* consume first: handling may end the run and free c */
		memmove(c->in, c->in + n, c->in_len - n);
		c->in_len -= n;
		if (pptp_conn_handle(c, &m))
			return;
	}
}

static void
pptp_conn_read(struct pptp_conn *c)
{
	ssize_t n;

	n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		pptp_conn_lost(c, "read-error");
		return;
	}
	if (n == 0) {
		pptp_conn_lost(c, c->in_len > 0 ? "short-read" : "eof");
		return;
	}
	c->in_len += (size_t)n;
	pptp_conn_process(c);
}

static void
pptp_conn_connect_done(struct pptp_conn *c, int err)
{
	enum probe_result result;

	if (err == 0) {
		c->state = PPTP_CONN_OPEN;
		c->ops->connected(c);
		return;
	}
	result = pptp_conn_connect_reason(err, c->reason, sizeof(c->reason));
	c->ops->failed(c, result, c->reason);
}

static void
pptp_conn_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct pptp_conn *c = w->data;

	(void)loop;
	if (c->state == PPTP_CONN_CONNECT) {
		pptp_conn_connect_done(c, pptp_conn_connect_error(c->fd));
		return;
	}
	if ((revents & EV_WRITE) && pptp_conn_flush(c) < 0) {
		pptp_conn_lost(c, "write-error");
		return;
	}
	if (revents & EV_READ)
		pptp_conn_read(c);
}

static void
pptp_conn_linger_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	pptp_conn_close(w->data);
}

void
pptp_conn_init(struct pptp_conn *c, struct probe *p, const struct pptp_conn_ops *ops, void *data)
{
	c->ops = ops;
	c->data = data;
	c->probe = p;
	c->state = PPTP_CONN_IDLE;
	c->fd = -1;
	ev_io_init(&c->io, pptp_conn_io_cb, -1, 0);
	c->io.data = c;
	ev_timer_init(&c->linger_timer, pptp_conn_linger_cb, 0., 0.);
	c->linger_timer.data = c;
}

void
pptp_conn_start(struct pptp_conn *c, const struct sockaddr *addr, socklen_t addr_len)
{
	int fd, err;

	/* the last run's teardown is not worth overlapping with this one */
	pptp_conn_close(c);
	fd = pptp_conn_socket(addr, addr_len, &err);
	if (fd < 0) {
		c->ops->failed(c, PROBE_ERROR,
			       pptp_conn_errno_reason(c->reason, sizeof(c->reason), "socket", err));
		return;
	}
	c->fd = fd;
	c->state = PPTP_CONN_CONNECT;
	if (err == EINPROGRESS)
		pptp_conn_watch(c, EV_WRITE);
	else
		pptp_conn_connect_done(c, err);
}
