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
 *   done UP: the connection lingers (pptp_conn_linger) --> IDLE
 *   any failure, cancel(): close --> IDLE, probe_done(DOWN or ERROR, reason)
 *
 * The run is reported as soon as the server has proved itself; the polite
 * Stop-Control-Connection teardown goes on in the background so it adds
 * nothing to the probe's latency.  A new start(), cancel() or destroy() cuts
 * a lingering connection short.  The connection itself (connect, buffers,
 * the server's Echo-Requests and StopCCRQ, skipping the rest by their
 * Length) is pptp_conn.c's.
 *
 * probe_done() may free the probe (the report callback can destroy it), so
 * every path that calls it does so last and returns without touching pp.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "log.h"
#include "pptp_conn.h"
#include "probe.h"

enum probe_pptp_phase {
	PROBE_PPTP_IDLE,
	PROBE_PPTP_CONNECT,
	PROBE_PPTP_SCCRP,
	PROBE_PPTP_ECHO,
	PROBE_PPTP__COUNT
};

static const char *const probe_pptp_phase_names[PROBE_PPTP__COUNT] = {
	[PROBE_PPTP_IDLE] = "idle",
	[PROBE_PPTP_CONNECT] = "connect",
	[PROBE_PPTP_SCCRP] = "sccrp",
	[PROBE_PPTP_ECHO] = "echo",
};

/* What a timeout in each phase means. */
static const char *const probe_pptp_timeout_reasons[PROBE_PPTP__COUNT] = {
	[PROBE_PPTP_IDLE] = "timeout",
	[PROBE_PPTP_CONNECT] = "connect-timeout",
	[PROBE_PPTP_SCCRP] = "sccrp-timeout",
	[PROBE_PPTP_ECHO] = "echo-timeout",
};

struct probe_pptp {
	struct probe *probe;
	enum probe_pptp_phase phase;
	struct pptp_conn conn;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	uint32_t echo_id;
	char reason[PROBE_REASON_MAX];	/* for reasons built at run time */
};

/* ---- helpers ---- */

static void
probe_pptp_close(struct probe_pptp *pp)
{
	pptp_conn_close(&pp->conn);
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

	pp->phase = PROBE_PPTP_IDLE;
	pptp_conn_linger(&pp->conn, p->cfg->timeout_ms);
	probe_done(p, PROBE_UP, "ok");
}

static void
probe_pptp_connected_cb(struct pptp_conn *c)
{
	struct probe_pptp *pp = c->data;
	const struct probe_pptp_control_config *cfg = PROBE_CFG(pp->probe, pptp_control);

	pp->phase = PROBE_PPTP_SCCRP;
	if (pptp_conn_send(c, pptp_encode_sccrq(PPTP_CONN_TAIL(c), cfg->host_name)) < 0)
		probe_pptp_fail(pp, PROBE_DOWN, "write-error");
}

static void
probe_pptp_failed_cb(struct pptp_conn *c, enum probe_result result, const char *reason)
{
	probe_pptp_fail(c->data, result, reason);
}

/* Act on one message.  Returns true when the run ended (and with it maybe
 * pp): the caller must stop at once. */
static bool
probe_pptp_message_cb(struct pptp_conn *c, const struct pptp_ctrl_msg *m)
{
	struct probe_pptp *pp = c->data;

	switch (m->type) {
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
		if (pptp_conn_send(c, pptp_encode_echorq(PPTP_CONN_TAIL(c), pp->echo_id)) < 0) {
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

static const struct pptp_conn_ops probe_pptp_conn_ops = {
	.connected = probe_pptp_connected_cb,
	.message = probe_pptp_message_cb,
	.failed = probe_pptp_failed_cb,
};

/* ---- probe_ops ---- */

static int
probe_pptp_init(struct probe *p)
{
	struct probe_pptp *pp = p->priv;
	const struct probe_pptp_control_config *c = PROBE_CFG(p, pptp_control);

	pp->probe = p;
	pptp_conn_init(&pp->conn, p, &probe_pptp_conn_ops, pp);
	return pptp_conn_address(p, "pptp-control", c->address, c->port, &pp->addr,
				 &pp->addr_len);
}

static void
probe_pptp_start(struct probe *p)
{
	struct probe_pptp *pp = p->priv;

	pp->phase = PROBE_PPTP_CONNECT;
	pptp_conn_start(&pp->conn, (struct sockaddr *)&pp->addr, pp->addr_len);
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
	.overlap = true,
};
