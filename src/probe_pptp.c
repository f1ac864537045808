/*
 * probe_pptp.c - the "pptp-control" probe kind: one PPTP control connection
 * per run against pptpd (RFC 2637; protocols.md sections 3 and 6).
 *
 * A TCP connect alone does not see a hung pptpd (the kernel completes the
 * handshake into the listen backlog of a stopped process), so the run only
 * counts as UP once pptpd itself has answered Start-Control-Connection-Request
 * with result 1, and optionally an Echo-Request round trip.
 *
 *   IDLE --start--> CONNECT --connected: send SCCRQ--> SCCRP
 *   SCCRP --SCCRP result 1, echo off--> done UP
 *   SCCRP --SCCRP result 1, echo on: send Echo-Request--> ECHO --Echo-Reply ok--> done UP
 *   done UP: send StopCCRQ, LINGER --StopCCRP, EOF, error, linger timer--> IDLE
 *   any failure, cancel(): close --> IDLE, probe_done(DOWN or ERROR, reason)
 *
 * The run is reported as soon as the server has proved itself; the polite
 * Stop-Control-Connection teardown goes on in the background (LINGER) so it
 * adds nothing to the probe's latency.  A new start(), cancel() or destroy()
 * cuts a lingering connection short.  In every phase the server may send
 * messages we do not wait for: an Echo-Request is answered, the rest skipped
 * by their Length.
 *
 * probe_done() may free the probe (the report callback can destroy it), so
 * every path that calls it does so last and returns without touching pp.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* strerrorname_np */
#endif
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "pptp_wire.h"
#include "probe.h"

/* Cap on the background teardown: long enough for a healthy pptpd's
 * StopCCRP on loopback, short enough never to pile up sockets. */
#define PROBE_PPTP_LINGER_MAX	0.5
/* Room for every complete message plus one partial (< max) at any time. */
#define PROBE_PPTP_IN_SIZE	(2 * PPTP_CONTROL_MAX_LEN)
/* We only ever send a few short messages per run. */
#define PROBE_PPTP_OUT_SIZE	512

enum probe_pptp_phase {
	PROBE_PPTP_IDLE,
	PROBE_PPTP_CONNECT,
	PROBE_PPTP_SCCRP,
	PROBE_PPTP_ECHO,
	PROBE_PPTP_LINGER,
	PROBE_PPTP__COUNT
};

static const char *const probe_pptp_phase_names[PROBE_PPTP__COUNT] = {
	[PROBE_PPTP_IDLE] = "idle",
	[PROBE_PPTP_CONNECT] = "connect",
	[PROBE_PPTP_SCCRP] = "sccrp",
	[PROBE_PPTP_ECHO] = "echo",
	[PROBE_PPTP_LINGER] = "linger",
};

/* What a timeout in each phase means. */
static const char *const probe_pptp_timeout_reasons[PROBE_PPTP__COUNT] = {
	[PROBE_PPTP_IDLE] = "timeout",
	[PROBE_PPTP_CONNECT] = "connect-timeout",
	[PROBE_PPTP_SCCRP] = "sccrp-timeout",
	[PROBE_PPTP_ECHO] = "echo-timeout",
	[PROBE_PPTP_LINGER] = "timeout",
};

struct probe_pptp {
	struct probe *probe;
	enum probe_pptp_phase phase;
	int fd;				/* -1 when closed */
	ev_io io;
	ev_timer linger_timer;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	uint32_t echo_id;
	uint8_t in[PROBE_PPTP_IN_SIZE];
	size_t in_len;
	uint8_t out[PROBE_PPTP_OUT_SIZE];
	size_t out_len;			/* unsent bytes at out[0] */
	char reason[PROBE_REASON_MAX];	/* for reasons built at run time */
};

static void probe_pptp_io_cb(struct ev_loop *loop, ev_io *w, int revents);
static void probe_pptp_linger_cb(struct ev_loop *loop, ev_timer *w, int revents);

/* ---- helpers ---- */

static void
probe_pptp_close(struct probe_pptp *pp)
{
	struct ev_loop *loop = pp->probe->loop;

	ev_io_stop(loop, &pp->io);
	ev_timer_stop(loop, &pp->linger_timer);
	if (pp->fd >= 0)
		close(pp->fd);
	pp->fd = -1;
	pp->in_len = 0;
	pp->out_len = 0;
	pp->phase = PROBE_PPTP_IDLE;
}

/* End the run.  Must be the caller's last use of pp. */
static void
probe_pptp_fail(struct probe_pptp *pp, enum probe_result result, const char *reason)
{
	struct probe *p = pp->probe;

	log_debug("probe %s: pptp-control %s in phase %s", p->cfg->name, reason,
		  probe_pptp_phase_names[pp->phase]);
	probe_pptp_close(pp);
	probe_done(p, result, reason);
}

/* "connect-error-ehostunreach": errno names are stable, strerror text is not. */
static const char *
probe_pptp_errno_reason(struct probe_pptp *pp, const char *prefix, int err)
{
	const char *name = strerrorname_np(err);
	size_t i, n;

	if (name == NULL) {
		snprintf(pp->reason, sizeof(pp->reason), "%s-errno-%d", prefix, err);
		return pp->reason;
	}
	n = (size_t)snprintf(pp->reason, sizeof(pp->reason), "%s-%s", prefix, name);
	if (n >= sizeof(pp->reason))
		n = sizeof(pp->reason) - 1;
	for (i = strlen(prefix); i < n; i++)
		if (pp->reason[i] >= 'A' && pp->reason[i] <= 'Z')
			pp->reason[i] = (char)(pp->reason[i] - 'A' + 'a');
	return pp->reason;
}

/* Local resource shortage: the probe could not run, pptpd is not to blame. */
static bool
probe_pptp_errno_local(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOMEM || err == ENOBUFS ||
	       err == EADDRNOTAVAIL || err == EAGAIN;
}

static void
probe_pptp_watch(struct probe_pptp *pp, int events)
{
	struct ev_loop *loop = pp->probe->loop;

	ev_io_stop(loop, &pp->io);
	ev_io_set(&pp->io, pp->fd, events);
	ev_io_start(loop, &pp->io);
}

/* Write what we can; watch for writability while something is left. */
static int
probe_pptp_flush(struct probe_pptp *pp)
{
	ssize_t n;

	while (pp->out_len > 0) {
		n = send(pp->fd, pp->out, pp->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		memmove(pp->out, pp->out + n, pp->out_len - (size_t)n);
		pp->out_len -= (size_t)n;
	}
	probe_pptp_watch(pp, EV_READ | (pp->out_len > 0 ? EV_WRITE : 0));
	return 0;
}

/* Queue one encoded message (enc wrote n bytes at the tail) and flush. */
static int
probe_pptp_queued(struct probe_pptp *pp, size_t n)
{
	if (n == 0)	/* the queue is full: a peer that never reads */
		return -1;
	pp->out_len += n;
	return probe_pptp_flush(pp);
}

#define PROBE_PPTP_TAIL(pp) ((pp)->out + (pp)->out_len), (sizeof((pp)->out) - (pp)->out_len)

static uint32_t
probe_pptp_random(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)random();
	return r;
}

/* ---- the run ---- */

/* The server has proved itself: report UP, stop politely in the background. */
static void
probe_pptp_succeed(struct probe_pptp *pp)
{
	struct probe *p = pp->probe;
	double linger = p->cfg->timeout_ms / 1000.0;

	if (linger > PROBE_PPTP_LINGER_MAX)
		linger = PROBE_PPTP_LINGER_MAX;
	if (probe_pptp_queued(pp, pptp_encode_stopccrq(PROBE_PPTP_TAIL(pp),
						       PPTP_STOP_REASON_GENERAL)) < 0) {
		probe_pptp_close(pp);
	} else {
		pp->phase = PROBE_PPTP_LINGER;
		ev_timer_set(&pp->linger_timer, linger, 0.);
		ev_timer_start(p->loop, &pp->linger_timer);
	}
	probe_done(p, PROBE_UP, "ok");
}

static void
probe_pptp_connected(struct probe_pptp *pp)
{
	const struct probe_pptp_control_config *c = PROBE_CFG(pp->probe, pptp_control);

	pp->phase = PROBE_PPTP_SCCRP;
	if (probe_pptp_queued(pp, pptp_encode_sccrq(PROBE_PPTP_TAIL(pp), c->host_name)) < 0)
		probe_pptp_fail(pp, PROBE_DOWN, "write-error");
}

/* Our answer failed to go out: a run fails, a lingering socket just closes. */
static void
probe_pptp_write_failed(struct probe_pptp *pp)
{
	if (pp->phase == PROBE_PPTP_LINGER)
		probe_pptp_close(pp);
	else
		probe_pptp_fail(pp, PROBE_DOWN, "write-error");
}

/* Act on one message.  Returns true when the connection is gone (and with it
 * maybe pp): the caller must stop at once. */
static bool
probe_pptp_handle(struct probe_pptp *pp, const struct pptp_ctrl_msg *m)
{
	switch (m->type) {
	case PPTP_CTRL_ECHORQ:
		/* pptpd drops a peer that leaves its Echo-Request unanswered */
		if (probe_pptp_queued(pp, pptp_encode_echorp(PROBE_PPTP_TAIL(pp), m->u.echorq.id,
							     PPTP_RESULT_OK, 0)) < 0) {
			probe_pptp_write_failed(pp);
			return true;
		}
		return false;
	case PPTP_CTRL_STOPCCRQ:
		/* best effort: we close right after */
		(void)probe_pptp_queued(pp, pptp_encode_stopccrp(PROBE_PPTP_TAIL(pp),
								 PPTP_RESULT_OK, 0));
		if (pp->phase == PROBE_PPTP_LINGER)
			probe_pptp_close(pp);
		else
			probe_pptp_fail(pp, PROBE_DOWN, "server-stop");
		return true;
	case PPTP_CTRL_STOPCCRP:
		if (pp->phase != PROBE_PPTP_LINGER)
			break;
		probe_pptp_close(pp);
		return true;
	case PPTP_CTRL_SCCRP:
		if (pp->phase != PROBE_PPTP_SCCRP)
			break;
		if (m->u.sccrp.result != PPTP_RESULT_OK) {
			snprintf(pp->reason, sizeof(pp->reason), "sccrp-result-%u",
				 m->u.sccrp.result);
			probe_pptp_fail(pp, PROBE_DOWN, pp->reason);
			return true;
		}
		if (!PROBE_CFG(pp->probe, pptp_control)->echo) {
			probe_pptp_succeed(pp);
			return true;
		}
		pp->phase = PROBE_PPTP_ECHO;
		pp->echo_id = probe_pptp_random();
		if (probe_pptp_queued(pp, pptp_encode_echorq(PROBE_PPTP_TAIL(pp), pp->echo_id)) < 0) {
			probe_pptp_fail(pp, PROBE_DOWN, "write-error");
			return true;
		}
		return false;
	case PPTP_CTRL_ECHORP:
		if (pp->phase != PROBE_PPTP_ECHO)
			break;
		if (m->u.echorp.id != pp->echo_id) {
			probe_pptp_fail(pp, PROBE_DOWN, "echo-id-mismatch");
			return true;
		}
		if (m->u.echorp.result != PPTP_RESULT_OK) {
			snprintf(pp->reason, sizeof(pp->reason), "echo-result-%u",
				 m->u.echorp.result);
			probe_pptp_fail(pp, PROBE_DOWN, pp->reason);
			return true;
		}
		probe_pptp_succeed(pp);
		return true;
	default:
		break;
	}
	log_debug("probe %s: pptp-control skipped %s in phase %s", pp->probe->cfg->name,
		  PPTP_NAME(pptp_ctrl_type_names, m->type), probe_pptp_phase_names[pp->phase]);
	return false;
}

/* Decode and act on every complete message in the input buffer.  Returns
 * true when the connection is gone. */
static bool
probe_pptp_process(struct probe_pptp *pp)
{
	struct pptp_ctrl_msg m;
	enum pptp_decode_status st;
	size_t n;

	for (;;) {
		st = pptp_decode_control(pp->in, pp->in_len, &m, &n);
		if (st == PPTP_DECODE_NEED_MORE)
			return false;
		if (st != PPTP_DECODE_OK) {
			if (pp->phase == PROBE_PPTP_LINGER)
				probe_pptp_close(pp);
			else
				probe_pptp_fail(pp, PROBE_DOWN, pptp_decode_status_names[st]);
			return true;
		}
		/* consume first: handling may end the run and free pp */
		memmove(pp->in, pp->in + n, pp->in_len - n);
		pp->in_len -= n;
		if (probe_pptp_handle(pp, &m))
			return true;
	}
}

static void
probe_pptp_read(struct probe_pptp *pp)
{
	ssize_t n;

	n = recv(pp->fd, pp->in + pp->in_len, sizeof(pp->in) - pp->in_len, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		if (pp->phase == PROBE_PPTP_LINGER)
			probe_pptp_close(pp);
		else
			probe_pptp_fail(pp, PROBE_DOWN, "read-error");
		return;
	}
	if (n == 0) {
		if (pp->phase == PROBE_PPTP_LINGER)
			probe_pptp_close(pp);
		else
			probe_pptp_fail(pp, PROBE_DOWN, pp->in_len > 0 ? "short-read" : "eof");
		return;
	}
	pp->in_len += (size_t)n;
	(void)probe_pptp_process(pp);
}

static void
probe_pptp_connect_done(struct probe_pptp *pp)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(pp->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0) {
		probe_pptp_connected(pp);
		return;
	}
	if (err == ECONNREFUSED)
		probe_pptp_fail(pp, PROBE_DOWN, "connect-refused");
	else
		probe_pptp_fail(pp, probe_pptp_errno_local(err) ? PROBE_ERROR : PROBE_DOWN,
				probe_pptp_errno_reason(pp, "connect-error", err));
}

static void
probe_pptp_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe_pptp *pp = w->data;

	(void)loop;
	if (pp->phase == PROBE_PPTP_CONNECT) {
		probe_pptp_connect_done(pp);
		return;
	}
	if ((revents & EV_WRITE) && probe_pptp_flush(pp) < 0) {
		probe_pptp_write_failed(pp);
		return;
	}
	if (revents & EV_READ)
		probe_pptp_read(pp);
}

static void
probe_pptp_linger_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct probe_pptp *pp = w->data;

	(void)loop;
	(void)revents;
	probe_pptp_close(pp);
}

/* ---- probe_ops ---- */

static int
probe_pptp_init(struct probe *p)
{
	struct probe_pptp *pp = p->priv;
	const struct probe_pptp_control_config *c = PROBE_CFG(p, pptp_control);
	struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST,	/* never a DNS lookup */
		.ai_socktype = SOCK_STREAM,
	};
	struct addrinfo *ai = NULL;
	int rc;

	pp->probe = p;
	pp->fd = -1;
	ev_io_init(&pp->io, probe_pptp_io_cb, -1, 0);
	pp->io.data = pp;
	ev_timer_init(&pp->linger_timer, probe_pptp_linger_cb, 0., 0.);
	pp->linger_timer.data = pp;

	rc = getaddrinfo(c->address ? c->address : "", NULL, &hints, &ai);
	if (rc != 0 || ai->ai_addrlen > sizeof(pp->addr)) {
		log_warnx("probe %s: pptp-control address %s: %s", p->cfg->name,
			  c->address ? c->address : "(none)",
			  rc != 0 ? gai_strerror(rc) : "too long");
		goto fail;
	}
	memcpy(&pp->addr, ai->ai_addr, ai->ai_addrlen);
	pp->addr_len = ai->ai_addrlen;
	if (pp->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&pp->addr)->sin_port = htons(c->port);
	else
		((struct sockaddr_in6 *)&pp->addr)->sin6_port = htons(c->port);
	freeaddrinfo(ai);
	return 0;
fail:
	if (ai != NULL)
		freeaddrinfo(ai);
	return -1;
}

static void
probe_pptp_start(struct probe *p)
{
	struct probe_pptp *pp = p->priv;
	int fd, err;

	/* the last run's teardown is not worth overlapping with this one */
	probe_pptp_close(pp);

	fd = socket(pp->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		probe_pptp_fail(pp, PROBE_ERROR, probe_pptp_errno_reason(pp, "socket", errno));
		return;
	}
	pp->fd = fd;
	pp->phase = PROBE_PPTP_CONNECT;
	if (connect(fd, (struct sockaddr *)&pp->addr, pp->addr_len) == 0) {
		probe_pptp_connected(pp);
		return;
	}
	err = errno;
	if (err == EINPROGRESS || err == EINTR) {
		probe_pptp_watch(pp, EV_WRITE);
		return;
	}
	if (err == ECONNREFUSED)
		probe_pptp_fail(pp, PROBE_DOWN, "connect-refused");
	else
		probe_pptp_fail(pp, probe_pptp_errno_local(err) ? PROBE_ERROR : PROBE_DOWN,
				probe_pptp_errno_reason(pp, "connect-error", err));
}

static const char *
probe_pptp_cancel(struct probe *p)
{
	struct probe_pptp *pp = p->priv;
	const char *reason = probe_pptp_timeout_reasons[pp->phase];

	log_debug("probe %s: pptp-control %s", p->cfg->name, reason);
	probe_pptp_close(pp);
	return reason;
}

static void
probe_pptp_destroy(struct probe *p)
{
	struct probe_pptp *pp = p->priv;

	if (pp->probe != NULL)	/* init ran */
		probe_pptp_close(pp);
}

const struct probe_ops probe_pptp_control_ops = {
	.kind = "pptp-control",
	.priv_size = sizeof(struct probe_pptp),
	.init = probe_pptp_init,
	.start = probe_pptp_start,
	.cancel = probe_pptp_cancel,
	.destroy = probe_pptp_destroy,
};
