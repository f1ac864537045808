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
 * not to blame when we cannot make a socket.  The connect, its reasons and
 * the address parsing are pptp_conn.c's helpers, shared with the PPTP probes.
 *
 * probe_done() may free the probe (the report callback can destroy it), so
 * every path that calls it does so last.
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "pptp_conn.h"
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

/* End the run with connect's outcome.  Must be the caller's last use of pt. */
static void
probe_tcp_finish(struct probe_tcp *pt, int err)
{
	struct probe *p = pt->probe;
	enum probe_result result = PROBE_UP;
	const char *reason = "ok";

	probe_tcp_close(pt);
	if (err != 0) {
		result = pptp_conn_connect_reason(err, pt->reason, sizeof(pt->reason));
		reason = pt->reason;
	}
	log_debug("probe %s: tcp %s", p->cfg->name, reason);
	probe_done(p, result, reason);
}

static void
probe_tcp_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe_tcp *pt = w->data;

	(void)loop;
	(void)revents;
	probe_tcp_finish(pt, pptp_conn_connect_error(pt->fd));
}

/* ---- probe_ops ---- */

static int
probe_tcp_init(struct probe *p)
{
	struct probe_tcp *pt = p->priv;
	const struct probe_tcp_config *c = PROBE_CFG(p, tcp);

	pt->probe = p;
	pt->fd = -1;
	ev_io_init(&pt->io, probe_tcp_io_cb, -1, 0);
	pt->io.data = pt;
	return pptp_conn_address(p, "tcp", c->address, c->port, &pt->addr, &pt->addr_len);
}

static void
probe_tcp_start(struct probe *p)
{
	struct probe_tcp *pt = p->priv;
	int err;

	probe_tcp_close(pt);	/* nothing is left of a run; be safe */
	pt->fd = pptp_conn_socket((struct sockaddr *)&pt->addr, pt->addr_len, &err);
	if (pt->fd < 0) {
		probe_done(p, PROBE_ERROR,
			   pptp_conn_errno_reason(pt->reason, sizeof(pt->reason), "socket", err));
		return;
	}
	if (err != EINPROGRESS) {
		probe_tcp_finish(pt, err);	/* loopback may complete at once */
		return;
	}
	ev_io_set(&pt->io, pt->fd, EV_WRITE);
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
	.overlap = true,
};
