/*
 * probe_tcp.c - the "tcp" probe kind: one non-blocking TCP connect per run.
 *
 *   IDLE --start: connect()--> CONNECT --writable, SO_ERROR 0--> close, UP ok
 *   CONNECT --SO_ERROR ECONNREFUSED--> DOWN connect-refused
 *   CONNECT --other SO_ERROR--> DOWN connect-error-<errno name>
 *   CONNECT --cancel()--> close, connect-timeout
 *
 * The connection is closed as soon as it completes: the run proves only that
 * a kernel accepted the handshake (for pptpd, prefer pptp-control, which
 * also proves the daemon answers).  The address is parsed once, in init,
 * with AI_NUMERICHOST: a probe never waits for DNS.
 *
 * Local shortages (EMFILE, ENOBUFS...) are ERROR, not DOWN: the target is
 * not to blame when we cannot make a socket.
 *
 * probe_done() may free the probe (the report callback can destroy it), so
 * every path that calls it does so last.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* strerrorname_np */
#endif
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "probe.h"

struct probe_tcp {
	struct probe *probe;
	int fd;				/* -1 when no run is active */
	ev_io io;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char reason[PROBE_REASON_MAX];	/* for reasons built at run time */
};

static void
probe_tcp_close(struct probe_tcp *pt)
{
	ev_io_stop(pt->probe->loop, &pt->io);
	if (pt->fd >= 0)
		close(pt->fd);
	pt->fd = -1;
}

/* "connect-error-ehostunreach": errno names are stable, strerror text is not. */
static const char *
probe_tcp_errno_reason(struct probe_tcp *pt, const char *prefix, int err)
{
	const char *name = strerrorname_np(err);
	size_t i;

	if (name == NULL)
		snprintf(pt->reason, sizeof(pt->reason), "%s-errno-%d", prefix, err);
	else
		snprintf(pt->reason, sizeof(pt->reason), "%s-%s", prefix, name);
	for (i = 0; pt->reason[i] != '\0'; i++)
		if (pt->reason[i] >= 'A' && pt->reason[i] <= 'Z')
			pt->reason[i] = (char)(pt->reason[i] - 'A' + 'a');
	return pt->reason;
}

/* Local resource shortage: the probe could not run, the target is not to blame. */
static bool
probe_tcp_errno_local(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOMEM || err == ENOBUFS ||
	       err == EADDRNOTAVAIL || err == EAGAIN;
}

/* End the run with connect's outcome.  Must be the caller's last use of pt. */
static void
probe_tcp_finish(struct probe_tcp *pt, int err)
{
	struct probe *p = pt->probe;
	enum probe_result result = PROBE_DOWN;
	const char *reason;

	probe_tcp_close(pt);
	if (err == 0) {
		result = PROBE_UP;
		reason = "ok";
	} else if (err == ECONNREFUSED) {
		reason = "connect-refused";
	} else {
		if (probe_tcp_errno_local(err))
			result = PROBE_ERROR;
		reason = probe_tcp_errno_reason(pt, "connect-error", err);
	}
	log_debug("probe %s: tcp %s", p->cfg->name, reason);
	probe_done(p, result, reason);
}

static void
probe_tcp_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe_tcp *pt = w->data;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)loop;
	(void)revents;
	if (getsockopt(pt->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	probe_tcp_finish(pt, err);
}

/* ---- probe_ops ---- */

static int
probe_tcp_init(struct probe *p)
{
	struct probe_tcp *pt = p->priv;
	const struct probe_tcp_config *c = PROBE_CFG(p, tcp);
	struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST,	/* never a DNS lookup */
		.ai_socktype = SOCK_STREAM,
	};
	struct addrinfo *ai = NULL;
	int rc;

	pt->probe = p;
	pt->fd = -1;
	ev_io_init(&pt->io, probe_tcp_io_cb, -1, 0);
	pt->io.data = pt;

	rc = getaddrinfo(c->address ? c->address : "", NULL, &hints, &ai);
	if (rc != 0 || ai->ai_addrlen > sizeof(pt->addr)) {
		log_warnx("probe %s: tcp address %s: %s", p->cfg->name,
			  c->address ? c->address : "(none)",
			  rc != 0 ? gai_strerror(rc) : "too long");
		goto fail;
	}
	memcpy(&pt->addr, ai->ai_addr, ai->ai_addrlen);
	pt->addr_len = ai->ai_addrlen;
	if (pt->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&pt->addr)->sin_port = htons(c->port);
	else
		((struct sockaddr_in6 *)&pt->addr)->sin6_port = htons(c->port);
	freeaddrinfo(ai);
	return 0;
fail:
	if (ai != NULL)
		freeaddrinfo(ai);
	return -1;
}

static void
probe_tcp_start(struct probe *p)
{
	struct probe_tcp *pt = p->priv;
	int fd, err;

	probe_tcp_close(pt);	/* nothing is left of a run; be safe */
	fd = socket(pt->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		probe_done(p, PROBE_ERROR, probe_tcp_errno_reason(pt, "socket", errno));
		return;
	}
	pt->fd = fd;
	if (connect(fd, (struct sockaddr *)&pt->addr, pt->addr_len) == 0) {
		probe_tcp_finish(pt, 0);	/* loopback may complete at once */
		return;
	}
	err = errno;
	if (err != EINPROGRESS && err != EINTR) {
		probe_tcp_finish(pt, err);
		return;
	}
	ev_io_set(&pt->io, fd, EV_WRITE);
	ev_io_start(p->loop, &pt->io);
}

static const char *
probe_tcp_cancel(struct probe *p)
{
	struct probe_tcp *pt = p->priv;

	log_debug("probe %s: tcp connect-timeout", p->cfg->name);
	probe_tcp_close(pt);
	return "connect-timeout";
}

static void
probe_tcp_destroy(struct probe *p)
{
	struct probe_tcp *pt = p->priv;

	if (pt->probe != NULL)	/* init ran */
		probe_tcp_close(pt);
}

const struct probe_ops probe_tcp_ops = {
	.kind = "tcp",
	.priv_size = sizeof(struct probe_tcp),
	.init = probe_tcp_init,
	.start = probe_tcp_start,
	.cancel = probe_tcp_cancel,
	.destroy = probe_tcp_destroy,
};
