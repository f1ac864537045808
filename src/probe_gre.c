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
 *          socket, send Call-Clear-Request + StopCCRQ, LINGER --StopCCRP,
 *          EOF, error, linger timer--> IDLE
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
 * The control-channel plumbing (connect, flush, errno reasons) is the same
 * as probe_pptp.c's; it is repeated here rather than shared so that a change
 * to one kind's state machine cannot move the other's.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* strerrorname_np */
#endif
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
#include "pptp_wire.h"
#include "probe.h"

/* Cap on the background teardown, as in probe_pptp.c. */
#define PROBE_GRE_LINGER_MAX	0.5
#define PROBE_GRE_IN_SIZE	(2 * PPTP_CONTROL_MAX_LEN)
#define PROBE_GRE_OUT_SIZE	512
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
	PROBE_GRE_LINGER,
	PROBE_GRE__COUNT
};

static const char *const probe_gre_phase_names[PROBE_GRE__COUNT] = {
	[PROBE_GRE_IDLE] = "idle",
	[PROBE_GRE_CONNECT] = "connect",
	[PROBE_GRE_SCCRP] = "sccrp",
	[PROBE_GRE_OCRP] = "ocrp",
	[PROBE_GRE_LCP] = "lcp",
	[PROBE_GRE_LINGER] = "linger",
};

/* What a timeout in each phase means. */
static const char *const probe_gre_timeout_reasons[PROBE_GRE__COUNT] = {
	[PROBE_GRE_IDLE] = "timeout",
	[PROBE_GRE_CONNECT] = "connect-timeout",
	[PROBE_GRE_SCCRP] = "sccrp-timeout",
	[PROBE_GRE_OCRP] = "ocrp-timeout",
	[PROBE_GRE_LCP] = "gre-no-lcp",
	[PROBE_GRE_LINGER] = "timeout",
};

struct probe_gre {
	struct probe *probe;
	enum probe_gre_phase phase;
	int fd;				/* TCP control connection; -1 when closed */
	int raw;			/* raw GRE socket; -1 when closed */
	ev_io io, raw_io;
	ev_timer linger_timer;
	struct sockaddr_in addr;	/* the server, port included */
	uint16_t call_id;		/* X: ours, in the OCRQ, in the server's GRE */
	uint16_t peer_call_id;		/* Y: the server's, from OCRP, in our GRE */
	uint16_t call_serial;
	bool call_open;			/* OCRP said connected: clear the call on teardown */
	uint8_t sent[64];		/* our GRE packet, to know it when it loops back */
	size_t sent_len;
	unsigned long gre_skipped;	/* not ours: other call IDs, our own, non-LCP */
	unsigned long gre_malformed;	/* not even IPv4 + GRE from the server */
	uint8_t in[PROBE_GRE_IN_SIZE];
	size_t in_len;
	uint8_t out[PROBE_GRE_OUT_SIZE];
	size_t out_len;			/* unsent bytes at out[0] */
	uint8_t packet[PROBE_GRE_PACKET_SIZE];
	char reason[PROBE_REASON_MAX];	/* for reasons built at run time */
};

static void probe_gre_io_cb(struct ev_loop *loop, ev_io *w, int revents);
static void probe_gre_raw_cb(struct ev_loop *loop, ev_io *w, int revents);
static void probe_gre_linger_cb(struct ev_loop *loop, ev_timer *w, int revents);

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
	struct ev_loop *loop = pg->probe->loop;

	probe_gre_close_raw(pg);
	ev_io_stop(loop, &pg->io);
	ev_timer_stop(loop, &pg->linger_timer);
	if (pg->fd >= 0)
		close(pg->fd);
	pg->fd = -1;
	pg->in_len = 0;
	pg->out_len = 0;
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

/* "connect-error-ehostunreach": errno names are stable, strerror text is not. */
static const char *
probe_gre_errno_reason(struct probe_gre *pg, const char *prefix, int err)
{
	const char *name = strerrorname_np(err);
	size_t i, n;

	if (name == NULL) {
		snprintf(pg->reason, sizeof(pg->reason), "%s-errno-%d", prefix, err);
		return pg->reason;
	}
	n = (size_t)snprintf(pg->reason, sizeof(pg->reason), "%s-%s", prefix, name);
	if (n >= sizeof(pg->reason))
		n = sizeof(pg->reason) - 1;
	for (i = strlen(prefix); i < n; i++)
		if (pg->reason[i] >= 'A' && pg->reason[i] <= 'Z')
			pg->reason[i] = (char)(pg->reason[i] - 'A' + 'a');
	return pg->reason;
}

/* Local resource shortage: the probe could not run, pptpd is not to blame. */
static bool
probe_gre_errno_local(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOMEM || err == ENOBUFS ||
	       err == EADDRNOTAVAIL || err == EAGAIN;
}

static void
probe_gre_watch(struct probe_gre *pg, int events)
{
	struct ev_loop *loop = pg->probe->loop;

	ev_io_stop(loop, &pg->io);
	ev_io_set(&pg->io, pg->fd, events);
	ev_io_start(loop, &pg->io);
}

/* Write what we can; watch for writability while something is left. */
static int
probe_gre_flush(struct probe_gre *pg)
{
	ssize_t n;

	while (pg->out_len > 0) {
		n = send(pg->fd, pg->out, pg->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		memmove(pg->out, pg->out + n, pg->out_len - (size_t)n);
		pg->out_len -= (size_t)n;
	}
	probe_gre_watch(pg, EV_READ | (pg->out_len > 0 ? EV_WRITE : 0));
	return 0;
}

/* Queue one encoded message (the encoder wrote n bytes at the tail). */
static int
probe_gre_queued(struct probe_gre *pg, size_t n)
{
	if (n == 0)	/* the queue is full: a peer that never reads */
		return -1;
	pg->out_len += n;
	return 0;
}

#define PROBE_GRE_TAIL(pg) ((pg)->out + (pg)->out_len), (sizeof((pg)->out) - (pg)->out_len)

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
 * background (LINGER).  pptpd 1.4.0 answers Call-Clear-Request by closing
 * the connection, which also ends the linger.
 */
static void
probe_gre_finish(struct probe_gre *pg, enum probe_result result, const char *reason,
		 const char *detail)
{
	struct probe *p = pg->probe;
	char counters[PROBE_DETAIL_MAX];
	double linger = p->cfg->timeout_ms / 1000.0;
	int rc = 0;

	if (detail == NULL)
		detail = probe_gre_detail(pg, counters, sizeof(counters));
	log_debug("probe %s: pptp-gre %s in phase %s", p->cfg->name, reason,
		  probe_gre_phase_names[pg->phase]);
	probe_gre_close_raw(pg);
	if (linger > PROBE_GRE_LINGER_MAX)
		linger = PROBE_GRE_LINGER_MAX;
	if (pg->call_open)
		rc = probe_gre_queued(pg, pptp_encode_ccrq(PROBE_GRE_TAIL(pg), pg->call_id));
	if (rc == 0)
		rc = probe_gre_queued(pg, pptp_encode_stopccrq(PROBE_GRE_TAIL(pg),
							       PPTP_STOP_REASON_GENERAL));
	pg->call_open = false;
	if (rc < 0 || probe_gre_flush(pg) < 0) {
		probe_gre_close(pg);
	} else {
		pg->phase = PROBE_GRE_LINGER;
		ev_timer_set(&pg->linger_timer, linger, 0.);
		ev_timer_start(p->loop, &pg->linger_timer);
	}
	if (detail != NULL)
		probe_done_detail(p, result, reason, "%s", detail);
	else
		probe_done(p, result, reason);
}

static void
probe_gre_connected(struct probe_gre *pg)
{
	const struct probe_pptp_gre_config *c = PROBE_CFG(pg->probe, pptp_gre);

	pg->phase = PROBE_GRE_SCCRP;
	if (probe_gre_queued(pg, pptp_encode_sccrq(PROBE_GRE_TAIL(pg), c->host_name)) < 0 ||
	    probe_gre_flush(pg) < 0)
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
	if (probe_gre_queued(pg, pptp_encode_ocrq(PROBE_GRE_TAIL(pg), pg->call_id,
						  pg->call_serial)) < 0 ||
	    probe_gre_flush(pg) < 0) {
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
		probe_gre_finish(pg, probe_gre_errno_local(err) ? PROBE_ERROR : PROBE_DOWN,
				 probe_gre_errno_reason(pg, "gre-send-error", err), NULL);
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
			probe_gre_finish(pg, PROBE_DOWN, probe_gre_errno_reason(pg, "gre-read-error",
										 err), NULL);
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

/* The control channel ended (EOF, error, garbage) in phase pg->phase. */
static void
probe_gre_lost(struct probe_gre *pg, const char *reason)
{
	if (pg->phase == PROBE_GRE_LINGER)
		probe_gre_close(pg);
	else if (pg->phase == PROBE_GRE_LCP)
		probe_gre_call_closed(pg);
	else
		probe_gre_fail(pg, PROBE_DOWN, reason);
}

/* Act on one message.  Returns true when the run or the connection ended. */
static bool
probe_gre_handle(struct probe_gre *pg, const struct pptp_ctrl_msg *m)
{
	switch (m->type) {
	case PPTP_CTRL_ECHORQ:
		/* pptpd drops a peer that leaves its Echo-Request unanswered */
		if (probe_gre_queued(pg, pptp_encode_echorp(PROBE_GRE_TAIL(pg), m->u.echorq.id,
							    PPTP_RESULT_OK, 0)) < 0 ||
		    probe_gre_flush(pg) < 0) {
			probe_gre_lost(pg, "write-error");
			return true;
		}
		return false;
	case PPTP_CTRL_STOPCCRQ:
		(void)probe_gre_queued(pg, pptp_encode_stopccrp(PROBE_GRE_TAIL(pg),
								PPTP_RESULT_OK, 0));
		(void)probe_gre_flush(pg);	/* best effort: we close right after */
		probe_gre_lost(pg, "server-stop");
		return true;
	case PPTP_CTRL_STOPCCRP:
		if (pg->phase != PROBE_GRE_LINGER)
			break;
		probe_gre_close(pg);
		return true;
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

/* Decode and act on every complete message in the input buffer. */
static void
probe_gre_process(struct probe_gre *pg)
{
	struct pptp_ctrl_msg m;
	enum pptp_decode_status st;
	size_t n;

	for (;;) {
		st = pptp_decode_control(pg->in, pg->in_len, &m, &n);
		if (st == PPTP_DECODE_NEED_MORE)
			return;
		if (st != PPTP_DECODE_OK) {
			/* garbage on the control channel is its failure, even
			 * while the call is up */
			if (pg->phase == PROBE_GRE_LINGER)
				probe_gre_close(pg);
			else
				probe_gre_fail(pg, PROBE_DOWN, pptp_decode_status_names[st]);
			return;
		}
		/* consume first: handling may end the run and free pg */
		memmove(pg->in, pg->in + n, pg->in_len - n);
		pg->in_len -= n;
		if (probe_gre_handle(pg, &m))
			return;
	}
}

static void
probe_gre_read(struct probe_gre *pg)
{
	ssize_t n;

	n = recv(pg->fd, pg->in + pg->in_len, sizeof(pg->in) - pg->in_len, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		probe_gre_lost(pg, "read-error");
		return;
	}
	if (n == 0) {
		probe_gre_lost(pg, pg->in_len > 0 ? "short-read" : "eof");
		return;
	}
	pg->in_len += (size_t)n;
	probe_gre_process(pg);
}

static void
probe_gre_connect_done(struct probe_gre *pg)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(pg->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0) {
		probe_gre_connected(pg);
		return;
	}
	if (err == ECONNREFUSED)
		probe_gre_fail(pg, PROBE_DOWN, "connect-refused");
	else
		probe_gre_fail(pg, probe_gre_errno_local(err) ? PROBE_ERROR : PROBE_DOWN,
			       probe_gre_errno_reason(pg, "connect-error", err));
}

static void
probe_gre_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe_gre *pg = w->data;

	(void)loop;
	if (pg->phase == PROBE_GRE_CONNECT) {
		probe_gre_connect_done(pg);
		return;
	}
	if ((revents & EV_WRITE) && probe_gre_flush(pg) < 0) {
		probe_gre_lost(pg, "write-error");
		return;
	}
	if (revents & EV_READ)
		probe_gre_read(pg);
}

static void
probe_gre_raw_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	(void)probe_gre_read_raw(w->data);
}

static void
probe_gre_linger_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	probe_gre_close(w->data);
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
			probe_gre_fail(pg, PROBE_ERROR, probe_gre_errno_reason(pg, "raw-socket", err));
		return -1;
	}
	/* the kernel then only queues packets whose source is the server */
	sin.sin_port = 0;
	if (connect(pg->raw, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		err = errno;
		probe_gre_fail(pg, probe_gre_errno_local(err) ? PROBE_ERROR : PROBE_DOWN,
			       probe_gre_errno_reason(pg, "raw-connect-error", err));
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
	pg->fd = -1;
	pg->raw = -1;
	ev_io_init(&pg->io, probe_gre_io_cb, -1, 0);
	pg->io.data = pg;
	ev_io_init(&pg->raw_io, probe_gre_raw_cb, -1, 0);
	pg->raw_io.data = pg;
	ev_timer_init(&pg->linger_timer, probe_gre_linger_cb, 0., 0.);
	pg->linger_timer.data = pg;

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
	int fd, err;

	/* the last run's teardown is not worth overlapping with this one */
	probe_gre_close(pg);
	pg->gre_skipped = 0;
	pg->gre_malformed = 0;
	pg->sent_len = 0;

	/* first, so that a probe without CAP_NET_RAW never bothers pptpd */
	if (probe_gre_open_raw(pg) < 0)
		return;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		probe_gre_fail(pg, PROBE_ERROR, probe_gre_errno_reason(pg, "socket", errno));
		return;
	}
	pg->fd = fd;
	pg->phase = PROBE_GRE_CONNECT;
	if (connect(fd, (struct sockaddr *)&pg->addr, sizeof(pg->addr)) == 0) {
		probe_gre_connected(pg);
		return;
	}
	err = errno;
	if (err == EINPROGRESS || err == EINTR) {
		probe_gre_watch(pg, EV_WRITE);
		return;
	}
	if (err == ECONNREFUSED)
		probe_gre_fail(pg, PROBE_DOWN, "connect-refused");
	else
		probe_gre_fail(pg, probe_gre_errno_local(err) ? PROBE_ERROR : PROBE_DOWN,
			       probe_gre_errno_reason(pg, "connect-error", err));
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
	.destroy = probe_gre_destroy,
};
