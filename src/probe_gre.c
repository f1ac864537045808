/*
 * probe_gre.c - the "pptp-gre" probe kind: set up one PPTP call per run and
 * prove the GRE data path with an LCP frame (RFC 2637, RFC 1661;
 * protocols.md sections 3-7).
 *
 * A pptpd whose control channel answers can still be useless: pppd failing
 * at once (no /dev/ppp, a broken options file), or GRE (IP protocol 47)
 * dropped by a firewall or a conntrack helper.  pptpd even answers OCRQ with
 * "connected" before pppd has started, so only an LCP frame coming back over
 * GRE shows that a client would get a working tunnel.
 *
 *   IDLE --start: open raw GRE socket, connect it, TCP connect--> CONNECT
 *   CONNECT --connected: send SCCRQ--> SCCRP
 *   SCCRP --SCCRP result 1: send OCRQ (call ID X)--> OCRP
 *   OCRP --OCRP result 1, peer call ID X: keep Y, send GRE to Y with an LCP
 *          Configure-Request--> LCP
 *   LCP --GRE from the server, call ID X, holding LCP--> done UP "ok"
 *   done, or a failure with the control channel still sane: close the raw
 *          socket, send Call-Clear-Request, the connection lingers
 *          (pptp_conn_linger) --> IDLE
 *   any other failure, cancel(): close both sockets --> IDLE
 *
 * The raw socket is opened and connect()ed to the server before OCRQ goes
 * out (pptpd's first LCP frame follows OCRP within ~50-70 ms and must not be
 * missed); it is only read once OCRP has told us the call is up, packets
 * queue in its buffer meanwhile.  A raw socket next to pptpd also sees our
 * own outgoing GRE (over loopback) and everybody else's: only a packet from
 * the server's address with our call ID X counts, and one byte-identical to
 * what we sent is our own coming back (it can carry X when the server picked
 * Y == X).  Other packets are counted and skipped; a malformed one for our
 * call ID fails the run ("gre-bad-header", the decoder's status as detail).
 *
 * probe_done() may free the probe (the report callback can destroy it), so
 * every path that calls it does so last and returns without touching pg.
 *
 * The control connection itself (connect, buffers, the server's
 * Echo-Requests and StopCCRQ, the teardown) is pptp_conn.c's, as for the
 * pptp-control probe.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "pptp_conn.h"
#include "probe.h"

/* A raw GRE packet as delivered: IPv4 header, GRE header, a PPP frame of at
 * most a usual MRU.  Bigger ones arrive cut and fail the IPv4 check. */
#define PROBE_GRE_PACKET_SIZE	2048
/* Packets read per wake-up: others wait for the next loop iteration. */
#define PROBE_GRE_READ_BURST	32
#define PROBE_GRE_LCP_ID	1

enum probe_gre_phase {
	PROBE_GRE_IDLE,
	PROBE_GRE_CONNECT,
	PROBE_GRE_SCCRP,
	PROBE_GRE_OCRP,
	PROBE_GRE_LCP,
	PROBE_GRE__COUNT
};

static const char *const probe_gre_phase_names[PROBE_GRE__COUNT] = {
	[PROBE_GRE_IDLE] = "idle",
	[PROBE_GRE_CONNECT] = "connect",
	[PROBE_GRE_SCCRP] = "sccrp",
	[PROBE_GRE_OCRP] = "ocrp",
	[PROBE_GRE_LCP] = "lcp",
};

/* What a timeout in each phase means. */
static const char *const probe_gre_timeout_reasons[PROBE_GRE__COUNT] = {
	[PROBE_GRE_IDLE] = "timeout",
	[PROBE_GRE_CONNECT] = "connect-timeout",
	[PROBE_GRE_SCCRP] = "sccrp-timeout",
	[PROBE_GRE_OCRP] = "ocrp-timeout",
	[PROBE_GRE_LCP] = "gre-no-lcp",
};

struct probe_gre {
	struct probe *probe;
	enum probe_gre_phase phase;
	struct pptp_conn conn;		/* the TCP control connection */
	int raw;			/* raw GRE socket; -1 when closed */
	ev_io raw_io;
	struct sockaddr_in addr;	/* the server, port included */
	uint16_t call_id;		/* X: ours, in the OCRQ, in the server's GRE */
	uint16_t peer_call_id;		/* Y: the server's, from OCRP, in our GRE */
	uint16_t call_serial;
	bool call_open;			/* OCRP said connected: clear the call on teardown */
	uint8_t sent[64];		/* our GRE packet, to know it when it loops back */
	size_t sent_len;
	unsigned long gre_skipped;	/* not ours: other call IDs, our own, non-LCP */
	unsigned long gre_malformed;	/* not even IPv4 + GRE from the server */
	uint8_t packet[PROBE_GRE_PACKET_SIZE];
	char reason[PROBE_REASON_MAX];	/* for reasons built at run time */
};

/* ---- helpers ---- */

static void
probe_gre_close_raw(struct probe_gre *pg)
{
	ev_io_stop(pg->probe->loop, &pg->raw_io);
	if (pg->raw >= 0)
		close(pg->raw);
	pg->raw = -1;
}

static void
probe_gre_close(struct probe_gre *pg)
{
	probe_gre_close_raw(pg);
	pptp_conn_close(&pg->conn);
	pg->call_open = false;
	pg->phase = PROBE_GRE_IDLE;
}

/* The run's counters for the status, or NULL when there is nothing to say. */
static const char *
probe_gre_detail(struct probe_gre *pg, char *buf, size_t len)
{
	if (pg->gre_skipped == 0 && pg->gre_malformed == 0)
		return NULL;
	snprintf(buf, len, "gre skipped %lu malformed %lu", pg->gre_skipped, pg->gre_malformed);
	return buf;
}

/* End the run with both sockets closed.  Must be the caller's last use of pg. */
static void
probe_gre_fail(struct probe_gre *pg, enum probe_result result, const char *reason)
{
	struct probe *p = pg->probe;
	char counters[PROBE_DETAIL_MAX];
	const char *detail = probe_gre_detail(pg, counters, sizeof(counters));

	log_debug("probe %s: pptp-gre %s in phase %s", p->cfg->name, reason,
		  probe_gre_phase_names[pg->phase]);
	probe_gre_close(pg);
	if (detail != NULL)
		probe_done_detail(p, result, reason, "%s", detail);
	else
		probe_done(p, result, reason);
}

static uint32_t
probe_gre_random(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)random();
	return r;
}

/* ---- the run ---- */

/*
 * End the run while the control channel is sane: the raw socket closes now,
 * the call and the control connection are cleared politely in the
 * background.  pptpd 1.4.0 answers Call-Clear-Request by closing
 * the connection, which also ends the linger.
 */
static void
probe_gre_finish(struct probe_gre *pg, enum probe_result result, const char *reason,
		 const char *detail)
{
	struct probe *p = pg->probe;
	char counters[PROBE_DETAIL_MAX];

	if (detail == NULL)
		detail = probe_gre_detail(pg, counters, sizeof(counters));
	log_debug("probe %s: pptp-gre %s in phase %s", p->cfg->name, reason,
		  probe_gre_phase_names[pg->phase]);
	probe_gre_close_raw(pg);
	if (pg->call_open &&
	    pptp_conn_queue(&pg->conn, pptp_encode_ccrq(PPTP_CONN_TAIL(&pg->conn), pg->call_id)) < 0)
		pptp_conn_close(&pg->conn);
	else
		pptp_conn_linger(&pg->conn, p->cfg->timeout_ms);
	pg->call_open = false;
	pg->phase = PROBE_GRE_IDLE;
	if (detail != NULL)
		probe_done_detail(p, result, reason, "%s", detail);
	else
		probe_done(p, result, reason);
}

static void
probe_gre_connected_cb(struct pptp_conn *c)
{
	struct probe_gre *pg = c->data;
	const struct probe_pptp_gre_config *cfg = PROBE_CFG(pg->probe, pptp_gre);

	pg->phase = PROBE_GRE_SCCRP;
	if (pptp_conn_send(c, pptp_encode_sccrq(PPTP_CONN_TAIL(c), cfg->host_name)) < 0)
		probe_gre_fail(pg, PROBE_DOWN, "write-error");
}

/* SCCRP said yes: ask for a call with a fresh non-zero call ID. */
static bool
probe_gre_send_ocrq(struct probe_gre *pg)
{
	do
		pg->call_id = (uint16_t)probe_gre_random();
	while (pg->call_id == 0);
	pg->call_serial++;
	pg->phase = PROBE_GRE_OCRP;
	if (pptp_conn_send(&pg->conn, pptp_encode_ocrq(PPTP_CONN_TAIL(&pg->conn), pg->call_id,
							pg->call_serial)) < 0) {
		probe_gre_fail(pg, PROBE_DOWN, "write-error");
		return true;
	}
	return false;
}

/* "ocrp-no-carrier" for the codes RFC 2637 names, "ocrp-result-N" otherwise. */
static const char *
probe_gre_ocrp_reason(struct probe_gre *pg, uint8_t result)
{
	if (result > PPTP_RESULT_OK && result < PPTP_OCRP_RESULT__COUNT)
		snprintf(pg->reason, sizeof(pg->reason), "ocrp-%s",
			 pptp_ocrp_result_names[result]);
	else
		snprintf(pg->reason, sizeof(pg->reason), "ocrp-result-%u", result);
	return pg->reason;
}

/* The call is up: send our LCP Configure-Request to the server's call ID and
 * start reading GRE.  Returns true when the run ended. */
static bool
probe_gre_send_lcp(struct probe_gre *pg)
{
	uint8_t lcp[PPTP_LCP_FRAME_MIN + 6];
	uint32_t magic;
	size_t n;
	int err;

	do
		magic = probe_gre_random();
	while (magic == 0);	/* RFC 1661: a zero magic number is not one */
	n = pptp_lcp_encode_confreq(lcp, sizeof(lcp), PROBE_GRE_LCP_ID, magic);
	pg->sent_len = pptp_gre_encode(pg->sent, sizeof(pg->sent), pg->peer_call_id, 0, false, 0,
				       lcp, n);
	pg->phase = PROBE_GRE_LCP;
	if (send(pg->raw, pg->sent, pg->sent_len, MSG_DONTWAIT) < 0) {
		err = errno;
		/* EPERM here is a firewall's reject: the data path is what is broken */
		probe_gre_finish(pg, pptp_conn_errno_local(err) ? PROBE_ERROR : PROBE_DOWN,
				 pptp_conn_errno_reason(pg->reason, sizeof(pg->reason),
							"gre-send-error", err), NULL);
		return true;
	}
	ev_io_set(&pg->raw_io, pg->raw, EV_READ);
	ev_io_start(pg->probe->loop, &pg->raw_io);
	return false;
}

static bool
probe_gre_on_ocrp(struct probe_gre *pg, const struct pptp_ocrp *o)
{
	if (o->peer_call_id != pg->call_id) {
		probe_gre_finish(pg, PROBE_DOWN, "ocrp-call-id-mismatch", NULL);
		return true;
	}
	if (o->result != PPTP_RESULT_OK) {
		probe_gre_finish(pg, PROBE_DOWN, probe_gre_ocrp_reason(pg, o->result), NULL);
		return true;
	}
	pg->peer_call_id = o->call_id;
	pg->call_open = true;
	return probe_gre_send_lcp(pg);
}

/* Judge one raw packet.  Returns true when the run ended. */
static bool
probe_gre_packet(struct probe_gre *pg, const uint8_t *b, size_t len)
{
	struct pptp_ipv4 ip;
	struct pptp_gre g;
	struct pptp_lcp l;
	enum pptp_gre_status st;
	const uint8_t *gre;

	if (pptp_ipv4_skip(b, len, &ip) < 0 || ip.protocol != PPTP_IPPROTO_GRE ||
	    ip.src != ntohl(pg->addr.sin_addr.s_addr)) {
		pg->gre_malformed++;
		return false;
	}
	gre = b + ip.header_len;
	st = pptp_gre_decode(gre, ip.payload_len, &g);
	/* another GRE version is another protocol, not a bad packet of ours */
	if (!g.has_call_id || g.call_id != pg->call_id || st == PPTP_GRE_BAD_VERSION) {
		pg->gre_skipped++;
		return false;
	}
	if (ip.payload_len == pg->sent_len && memcmp(gre, pg->sent, pg->sent_len) == 0) {
		pg->gre_skipped++;	/* our own, seen on the way out */
		return false;
	}
	if (st != PPTP_GRE_OK) {
		probe_gre_finish(pg, PROBE_DOWN, "gre-bad-header", pptp_gre_status_names[st]);
		return true;
	}
	/* an ack without payload, or PPP that is not LCP: not the proof */
	if (pptp_lcp_decode(g.payload, g.payload_len, &l) != PPTP_LCP_OK) {
		pg->gre_skipped++;
		return false;
	}
	log_debug("probe %s: pptp-gre got LCP %s for call %#06x", pg->probe->cfg->name,
		  PPTP_NAME(pptp_lcp_code_names, l.code), pg->call_id);
	probe_gre_finish(pg, PROBE_UP, "ok", NULL);
	return true;
}

/* Read what the raw socket has.  Returns true when the run ended. */
static bool
probe_gre_read_raw(struct probe_gre *pg)
{
	ssize_t n;
	int i, err;

	for (i = 0; i < PROBE_GRE_READ_BURST; i++) {
		n = recv(pg->raw, pg->packet, sizeof(pg->packet), MSG_DONTWAIT);
		if (n < 0) {
			err = errno;
			if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR)
				return false;
			/* ICMP errors for our GRE surface here on a connected socket */
			probe_gre_finish(pg, PROBE_DOWN,
					 pptp_conn_errno_reason(pg->reason, sizeof(pg->reason),
								"gre-read-error", err), NULL);
			return true;
		}
		if (probe_gre_packet(pg, pg->packet, (size_t)n))
			return true;
	}
	return false;
}

/* The call went away before LCP came back: a last look at what the raw
 * socket already holds, since both may have become ready together. */
static void
probe_gre_call_closed(struct probe_gre *pg)
{
	if (probe_gre_read_raw(pg))
		return;
	probe_gre_fail(pg, PROBE_DOWN, "call-closed-before-lcp");
}

/* The server ended the control connection in phase pg->phase.  Garbage on
 * it is its failure even while the call is up: that comes as failed. */
static void
probe_gre_closed_cb(struct pptp_conn *c, const char *reason)
{
	struct probe_gre *pg = c->data;

	if (pg->phase == PROBE_GRE_LCP)
		probe_gre_call_closed(pg);
	else
		probe_gre_fail(pg, PROBE_DOWN, reason);
}

static void
probe_gre_failed_cb(struct pptp_conn *c, enum probe_result result, const char *reason)
{
	probe_gre_fail(c->data, result, reason);
}

/* Act on one message.  Returns true when the run or the connection ended. */
static bool
probe_gre_message_cb(struct pptp_conn *c, const struct pptp_ctrl_msg *m)
{
	struct probe_gre *pg = c->data;

	switch (m->type) {
	case PPTP_CTRL_CDN:
		/* RFC 2637 puts the sender's call ID (Y) here; take ours too */
		if (pg->phase != PROBE_GRE_LCP ||
		    (m->u.cdn.call_id != pg->peer_call_id && m->u.cdn.call_id != pg->call_id))
			break;
		probe_gre_call_closed(pg);
		return true;
	case PPTP_CTRL_SCCRP:
		if (pg->phase != PROBE_GRE_SCCRP)
			break;
		if (m->u.sccrp.result != PPTP_RESULT_OK) {
			snprintf(pg->reason, sizeof(pg->reason), "sccrp-result-%u",
				 m->u.sccrp.result);
			probe_gre_fail(pg, PROBE_DOWN, pg->reason);
			return true;
		}
		return probe_gre_send_ocrq(pg);
	case PPTP_CTRL_OCRP:
		if (pg->phase != PROBE_GRE_OCRP)
			break;
		return probe_gre_on_ocrp(pg, &m->u.ocrp);
	default:
		break;
	}
	log_debug("probe %s: pptp-gre skipped %s in phase %s", pg->probe->cfg->name,
		  PPTP_NAME(pptp_ctrl_type_names, m->type), probe_gre_phase_names[pg->phase]);
	return false;
}

static const struct pptp_conn_ops probe_gre_conn_ops = {
	.connected = probe_gre_connected_cb,
	.message = probe_gre_message_cb,
	.failed = probe_gre_failed_cb,
	.closed = probe_gre_closed_cb,
};

static void
probe_gre_raw_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	(void)probe_gre_read_raw(w->data);
}

/* Open the raw GRE socket and tie it to the server.  Returns 0, or -1 with
 * the run ended. */
static int
probe_gre_open_raw(struct probe_gre *pg)
{
	struct sockaddr_in sin = pg->addr;
	int err;

	pg->raw = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_GRE);
	if (pg->raw < 0) {
		err = errno;
		if (err == EPERM || err == EACCES)	/* no CAP_NET_RAW */
			probe_gre_fail(pg, PROBE_ERROR, "eperm-raw-socket");
		else
			probe_gre_fail(pg, PROBE_ERROR,
				       pptp_conn_errno_reason(pg->reason, sizeof(pg->reason),
							      "raw-socket", err));
		return -1;
	}
	/* the kernel then only queues packets whose source is the server */
	sin.sin_port = 0;
	if (connect(pg->raw, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		err = errno;
		probe_gre_fail(pg, pptp_conn_errno_local(err) ? PROBE_ERROR : PROBE_DOWN,
			       pptp_conn_errno_reason(pg->reason, sizeof(pg->reason),
						      "raw-connect-error", err));
		return -1;
	}
	return 0;
}

/* ---- probe_ops ---- */

static int
probe_gre_init(struct probe *p)
{
	struct probe_gre *pg = p->priv;
	const struct probe_pptp_gre_config *c = PROBE_CFG(p, pptp_gre);

	pg->probe = p;
	pg->raw = -1;
	pptp_conn_init(&pg->conn, p, &probe_gre_conn_ops, pg);
	ev_io_init(&pg->raw_io, probe_gre_raw_cb, -1, 0);
	pg->raw_io.data = pg;

	pg->addr.sin_family = AF_INET;
	pg->addr.sin_port = htons(c->port);
	/* GRE over IPv4 only: pptpd's GRE is IPv4 */
	if (c->address == NULL || inet_pton(AF_INET, c->address, &pg->addr.sin_addr) != 1) {
		log_warnx("probe %s: pptp-gre address %s: not a numeric IPv4 address",
			  p->cfg->name, c->address ? c->address : "(none)");
		return -1;
	}
	return 0;
}

static void
probe_gre_start(struct probe *p)
{
	struct probe_gre *pg = p->priv;

	/* the last run's teardown is not worth overlapping with this one */
	probe_gre_close(pg);
	pg->gre_skipped = 0;
	pg->gre_malformed = 0;
	pg->sent_len = 0;

	/* first, so that a probe without CAP_NET_RAW never bothers pptpd */
	if (probe_gre_open_raw(pg) < 0)
		return;
	pg->phase = PROBE_GRE_CONNECT;
	pptp_conn_start(&pg->conn, (struct sockaddr *)&pg->addr, sizeof(pg->addr));
}

static const char *
probe_gre_cancel(struct probe *p)
{
	struct probe_gre *pg = p->priv;
	const char *reason = probe_gre_timeout_reasons[pg->phase];

	log_debug("probe %s: pptp-gre %s (gre skipped %lu malformed %lu)", p->cfg->name,
		  reason, pg->gre_skipped, pg->gre_malformed);
	probe_gre_close(pg);
	return reason;
}

/* A timeout's report keeps the counters: "gre skipped 12 malformed 0" is
 * what says whether anything came back at all. */
static void
probe_gre_timeout_detail(struct probe *p, char *buf, size_t size)
{
	if (probe_gre_detail(p->priv, buf, size) == NULL && size > 0)
		buf[0] = '\0';
}

static void
probe_gre_destroy(struct probe *p)
{
	struct probe_gre *pg = p->priv;

	if (pg->probe != NULL)	/* init ran */
		probe_gre_close(pg);
}

const struct probe_ops probe_pptp_gre_ops = {
	.kind = "pptp-gre",
	.priv_size = sizeof(struct probe_gre),
	.init = probe_gre_init,
	.start = probe_gre_start,
	.cancel = probe_gre_cancel,
	.timeout_detail = probe_gre_timeout_detail,
	.destroy = probe_gre_destroy,
};
