/*
 * pptp_wire.c - PPTP wire formats: control messages (RFC 2637), enhanced GRE,
 * the IPv4 header of raw-socket input, PPP LCP (RFC 1661) and HDLC-like
 * framing (RFC 1662).
 *
 * Pure functions: the probes own the sockets, this file only turns bytes into
 * structs and back.  It is fed arbitrary input by the fuzzers, so every read
 * is bounded by a length that has already been checked against what is in the
 * buffer: a control message's Length against the type's fixed size, a GRE
 * payload length, an LCP Length and each option's length against the bytes
 * that follow.
 */
#include <string.h>

#include "pptp_wire.h"

const char *const pptp_ctrl_type_names[PPTP_CTRL_TYPE__COUNT] = {
	[0] = "unknown",
	[PPTP_CTRL_SCCRQ] = "start-control-connection-request",
	[PPTP_CTRL_SCCRP] = "start-control-connection-reply",
	[PPTP_CTRL_STOPCCRQ] = "stop-control-connection-request",
	[PPTP_CTRL_STOPCCRP] = "stop-control-connection-reply",
	[PPTP_CTRL_ECHORQ] = "echo-request",
	[PPTP_CTRL_ECHORP] = "echo-reply",
	[PPTP_CTRL_OCRQ] = "outgoing-call-request",
	[PPTP_CTRL_OCRP] = "outgoing-call-reply",
	[PPTP_CTRL_ICRQ] = "incoming-call-request",
	[PPTP_CTRL_ICRP] = "incoming-call-reply",
	[PPTP_CTRL_ICCN] = "incoming-call-connected",
	[PPTP_CTRL_CCRQ] = "call-clear-request",
	[PPTP_CTRL_CDN] = "call-disconnect-notify",
	[PPTP_CTRL_WEN] = "wan-error-notify",
	[PPTP_CTRL_SLI] = "set-link-info",
};

/* RFC 2637 section 2; protocols.md section 3 for the ones seen on the wire. */
const uint16_t pptp_ctrl_type_sizes[PPTP_CTRL_TYPE__COUNT] = {
	[PPTP_CTRL_SCCRQ] = 156,
	[PPTP_CTRL_SCCRP] = 156,
	[PPTP_CTRL_STOPCCRQ] = 16,
	[PPTP_CTRL_STOPCCRP] = 16,
	[PPTP_CTRL_ECHORQ] = 16,
	[PPTP_CTRL_ECHORP] = 20,
	[PPTP_CTRL_OCRQ] = 168,
	[PPTP_CTRL_OCRP] = 32,
	[PPTP_CTRL_ICRQ] = 220,
	[PPTP_CTRL_ICRP] = 24,
	[PPTP_CTRL_ICCN] = 28,
	[PPTP_CTRL_CCRQ] = 16,
	[PPTP_CTRL_CDN] = 148,
	[PPTP_CTRL_WEN] = 40,
	[PPTP_CTRL_SLI] = 24,
};

const char *const pptp_decode_status_names[PPTP_DECODE__COUNT] = {
	[PPTP_DECODE_OK] = "ok",
	[PPTP_DECODE_NEED_MORE] = "need-more",
	[PPTP_DECODE_BAD_LENGTH] = "bad-length",
	[PPTP_DECODE_BAD_MESSAGE_TYPE] = "bad-message-type",
	[PPTP_DECODE_BAD_MAGIC] = "bad-magic",
	[PPTP_DECODE_UNKNOWN_TYPE] = "unknown-type",
	[PPTP_DECODE_SIZE_MISMATCH] = "size-mismatch",
};

const char *const pptp_sccrp_result_names[PPTP_SCCRP_RESULT__COUNT] = {
	[0] = "unknown",
	[1] = "ok",
	[2] = "general-error",
	[3] = "channel-exists",
	[4] = "not-authorized",
	[5] = "version-not-supported",
};

const char *const pptp_echo_result_names[PPTP_ECHO_RESULT__COUNT] = {
	[0] = "unknown",
	[1] = "ok",
	[2] = "general-error",
};

const char *const pptp_ocrp_result_names[PPTP_OCRP_RESULT__COUNT] = {
	[0] = "unknown",
	[1] = "connected",
	[2] = "general-error",
	[3] = "no-carrier",
	[4] = "busy",
	[5] = "no-dial-tone",
	[6] = "time-out",
	[7] = "do-not-accept",
};

const char *const pptp_general_error_names[PPTP_GENERAL_ERROR__COUNT] = {
	[0] = "none",
	[1] = "not-connected",
	[2] = "bad-format",
	[3] = "bad-value",
	[4] = "no-resource",
	[5] = "bad-call-id",
	[6] = "pac-error",
};

const char *const pptp_stop_reason_names[PPTP_STOP_REASON__COUNT] = {
	[0] = "unknown",
	[1] = "general",
	[2] = "stop-protocol",
	[3] = "local-shutdown",
};

const char *
pptp_name(const char *const *table, size_t n, unsigned int code)
{
	if (code >= n || table[code] == NULL)
		return "unknown";
	return table[code];
}

/* ---- big-endian field access ---- */

static uint16_t
pptp_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
pptp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
pptp_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
pptp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Copy a fixed-size text field into a C string safe to log. */
static void
pptp_get_text(char *dst, const uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[i] = '\0';
}

/* ---- decode ---- */

static void
pptp_decode_body(const uint8_t *b, struct pptp_ctrl_msg *m)
{
	switch (m->type) {
	case PPTP_CTRL_SCCRP:
		m->u.sccrp.version = pptp_get16(b + 12);
		m->u.sccrp.result = b[14];
		m->u.sccrp.error = b[15];
		m->u.sccrp.framing_cap = pptp_get32(b + 16);
		m->u.sccrp.bearer_cap = pptp_get32(b + 20);
		m->u.sccrp.max_channels = pptp_get16(b + 24);
		m->u.sccrp.firmware_rev = pptp_get16(b + 26);
		pptp_get_text(m->u.sccrp.host_name, b + 28, PPTP_NAME_LEN);
		pptp_get_text(m->u.sccrp.vendor, b + 92, PPTP_NAME_LEN);
		break;
	case PPTP_CTRL_STOPCCRQ:
		m->u.stopccrq.reason = b[12];
		break;
	case PPTP_CTRL_STOPCCRP:
		m->u.stopccrp.result = b[12];
		m->u.stopccrp.error = b[13];
		break;
	case PPTP_CTRL_ECHORQ:
		m->u.echorq.id = pptp_get32(b + 12);
		break;
	case PPTP_CTRL_ECHORP:
		m->u.echorp.id = pptp_get32(b + 12);
		m->u.echorp.result = b[16];
		m->u.echorp.error = b[17];
		break;
	case PPTP_CTRL_OCRP:
		m->u.ocrp.call_id = pptp_get16(b + 12);
		m->u.ocrp.peer_call_id = pptp_get16(b + 14);
		m->u.ocrp.result = b[16];
		m->u.ocrp.error = b[17];
		m->u.ocrp.cause = pptp_get16(b + 18);
		m->u.ocrp.connect_speed = pptp_get32(b + 20);
		m->u.ocrp.recv_window = pptp_get16(b + 24);
		m->u.ocrp.proc_delay = pptp_get16(b + 26);
		m->u.ocrp.phys_channel = pptp_get32(b + 28);
		break;
	case PPTP_CTRL_CDN:
		m->u.cdn.call_id = pptp_get16(b + 12);
		m->u.cdn.result = b[14];
		m->u.cdn.error = b[15];
		m->u.cdn.cause = pptp_get16(b + 16);
		pptp_get_text(m->u.cdn.stats, b + 20, PPTP_CDN_STATS_LEN);
		break;
	case PPTP_CTRL_SLI:
		m->u.sli.peer_call_id = pptp_get16(b + 12);
		m->u.sli.send_accm = pptp_get32(b + 16);
		m->u.sli.recv_accm = pptp_get32(b + 20);
		break;
	default:
		/* valid but nothing a client waits for: header only */
		break;
	}
}

enum pptp_decode_status
pptp_decode_control(const uint8_t *buf, size_t len, struct pptp_ctrl_msg *msg,
		    size_t *msg_len)
{
	uint16_t length, type;
	size_t dummy;

	if (msg_len == NULL)
		msg_len = &dummy;
	*msg_len = 0;
	if (len < PPTP_HEADER_LEN) {
		*msg_len = PPTP_HEADER_LEN;
		return PPTP_DECODE_NEED_MORE;
	}
	length = pptp_get16(buf);
	if (length < PPTP_HEADER_LEN || length > PPTP_CONTROL_MAX_LEN)
		return PPTP_DECODE_BAD_LENGTH;
	if (pptp_get16(buf + 2) != PPTP_MESSAGE_CONTROL)
		return PPTP_DECODE_BAD_MESSAGE_TYPE;
	if (pptp_get32(buf + 4) != PPTP_MAGIC)
		return PPTP_DECODE_BAD_MAGIC;
	type = pptp_get16(buf + 8);
	if (type >= PPTP_CTRL_TYPE__COUNT || pptp_ctrl_type_sizes[type] == 0)
		return PPTP_DECODE_UNKNOWN_TYPE;
	if (length != pptp_ctrl_type_sizes[type])
		return PPTP_DECODE_SIZE_MISMATCH;
	if (len < length) {
		*msg_len = length;
		return PPTP_DECODE_NEED_MORE;
	}
	*msg_len = length;
	if (msg != NULL) {
		memset(msg, 0, sizeof(*msg));
		msg->length = length;
		msg->type = type;
		pptp_decode_body(buf, msg);
	}
	return PPTP_DECODE_OK;
}

/* ---- encode ---- */

/* Zero the whole message (every reserved field is 0) and write the header. */
static size_t
pptp_put_header(uint8_t *buf, size_t buflen, enum pptp_ctrl_type type)
{
	uint16_t size = pptp_ctrl_type_sizes[type];

	if (buf == NULL || buflen < size)
		return 0;
	memset(buf, 0, size);
	pptp_put16(buf, size);
	pptp_put16(buf + 2, PPTP_MESSAGE_CONTROL);
	pptp_put32(buf + 4, PPTP_MAGIC);
	pptp_put16(buf + 8, (uint16_t)type);
	return size;
}

/* Text into a fixed NUL-padded field, always leaving one NUL at the end so a
 * peer that treats it as a C string stays inside the field. */
static void
pptp_put_text(uint8_t *dst, const char *src, size_t n)
{
	size_t len;

	/* strnlen() by hand: gcc -O1 warns (-Wstringop-overread) when it
	 * inlines strnlen(PPTP_VENDOR, 63) against the 16-byte literal */
	for (len = 0; len < n - 1 && src[len] != '\0'; len++)
		;
	memcpy(dst, src, len);
}

size_t
pptp_encode_sccrq(uint8_t *buf, size_t buflen, const char *host_name)
{
	size_t n = pptp_put_header(buf, buflen, PPTP_CTRL_SCCRQ);

	if (n == 0)
		return 0;
	pptp_put16(buf + 12, PPTP_VERSION);
	pptp_put32(buf + 16, PPTP_SCCRQ_FRAMING_CAP);
	pptp_put32(buf + 20, PPTP_SCCRQ_BEARER_CAP);
	/* 24: max channels 0, 26: firmware revision 0 */
	pptp_put_text(buf + 28, host_name ? host_name : PPTP_VENDOR, PPTP_NAME_LEN);
	pptp_put_text(buf + 92, PPTP_VENDOR, PPTP_NAME_LEN);
	return n;
}

size_t
pptp_encode_stopccrq(uint8_t *buf, size_t buflen, uint8_t reason)
{
	size_t n = pptp_put_header(buf, buflen, PPTP_CTRL_STOPCCRQ);

	if (n == 0)
		return 0;
	buf[12] = reason;
	return n;
}

size_t
pptp_encode_stopccrp(uint8_t *buf, size_t buflen, uint8_t result, uint8_t error)
{
	size_t n = pptp_put_header(buf, buflen, PPTP_CTRL_STOPCCRP);

	if (n == 0)
		return 0;
	buf[12] = result;
	buf[13] = error;
	return n;
}

size_t
pptp_encode_echorq(uint8_t *buf, size_t buflen, uint32_t id)
{
	size_t n = pptp_put_header(buf, buflen, PPTP_CTRL_ECHORQ);

	if (n == 0)
		return 0;
	pptp_put32(buf + 12, id);
	return n;
}

size_t
pptp_encode_echorp(uint8_t *buf, size_t buflen, uint32_t id, uint8_t result, uint8_t error)
{
	size_t n = pptp_put_header(buf, buflen, PPTP_CTRL_ECHORP);

	if (n == 0)
		return 0;
	pptp_put32(buf + 12, id);
	buf[16] = result;
	buf[17] = error;
	return n;
}

size_t
pptp_encode_ocrq(uint8_t *buf, size_t buflen, uint16_t call_id, uint16_t call_serial)
{
	size_t n = pptp_put_header(buf, buflen, PPTP_CTRL_OCRQ);

	if (n == 0)
		return 0;
	pptp_put16(buf + 12, call_id);
	pptp_put16(buf + 14, call_serial);
	pptp_put32(buf + 16, PPTP_OCRQ_MIN_BPS);
	pptp_put32(buf + 20, PPTP_OCRQ_MAX_BPS);
	pptp_put32(buf + 24, PPTP_OCRQ_BEARER_TYPE);
	pptp_put32(buf + 28, PPTP_OCRQ_FRAMING_TYPE);
	pptp_put16(buf + 32, PPTP_OCRQ_RECV_WINDOW);
	/* 34: processing delay 0, 36: phone number length 0, 40: phone,
	 * 104: subaddress: all empty */
	return n;
}

size_t
pptp_encode_ccrq(uint8_t *buf, size_t buflen, uint16_t call_id)
{
	size_t n = pptp_put_header(buf, buflen, PPTP_CTRL_CCRQ);

	if (n == 0)
		return 0;
	pptp_put16(buf + 12, call_id);
	return n;
}

/* ---- IPv4 ---- */

int
pptp_ipv4_skip(const uint8_t *buf, size_t len, struct pptp_ipv4 *ip)
{
	size_t ihl, total;

	if (buf == NULL || len < 20)
		return -1;
	if (buf[0] >> 4 != 4)
		return -1;
	ihl = (size_t)(buf[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > len)
		return -1;
	total = pptp_get16(buf + 2);
	if (total < ihl || total > len)
		return -1;
	/* MF set or a fragment offset: the kernel reassembles before raw
	 * delivery, so a fragment here is not one to trust */
	if ((pptp_get16(buf + 6) & 0x3fff) != 0)
		return -1;
	if (ip != NULL) {
		ip->src = pptp_get32(buf + 12);
		ip->dst = pptp_get32(buf + 16);
		ip->protocol = buf[9];
		ip->header_len = ihl;
		ip->payload_len = total - ihl;
	}
	return 0;
}

/* ---- enhanced GRE ---- */

const char *const pptp_gre_status_names[PPTP_GRE__COUNT] = {
	[PPTP_GRE_OK] = "ok",
	[PPTP_GRE_TRUNCATED] = "gre-truncated",
	[PPTP_GRE_BAD_VERSION] = "gre-bad-version",
	[PPTP_GRE_BAD_FLAGS] = "gre-bad-flags",
	[PPTP_GRE_BAD_PROTOCOL] = "gre-bad-protocol",
	[PPTP_GRE_BAD_LENGTH] = "gre-bad-length",
};

enum pptp_gre_status
pptp_gre_decode(const uint8_t *buf, size_t len, struct pptp_gre *g)
{
	struct pptp_gre dummy;
	size_t off = PPTP_GRE_HEADER_MIN;

	if (g == NULL)
		g = &dummy;
	memset(g, 0, sizeof(*g));
	if (buf == NULL || len < PPTP_GRE_HEADER_MIN)
		return PPTP_GRE_TRUNCATED;
	g->has_call_id = true;
	g->call_id = pptp_get16(buf + 6);
	g->payload_len = pptp_get16(buf + 4);
	if ((buf[1] & PPTP_GRE_VERSION_MASK) != PPTP_GRE_VERSION)
		return PPTP_GRE_BAD_VERSION;
	if ((buf[0] & (PPTP_GRE_FLAG_C | PPTP_GRE_FLAG_R | PPTP_GRE_FLAG_K | PPTP_GRE_FLAG_SS |
		       PPTP_GRE_RECUR)) != PPTP_GRE_FLAG_K ||
	    (buf[1] & PPTP_GRE_FLAGS1) != 0)
		return PPTP_GRE_BAD_FLAGS;
	if (pptp_get16(buf + 2) != PPTP_GRE_PROTOCOL)
		return PPTP_GRE_BAD_PROTOCOL;
	g->has_seq = (buf[0] & PPTP_GRE_FLAG_S) != 0;
	g->has_ack = (buf[1] & PPTP_GRE_FLAG_A) != 0;
	if (g->has_seq) {
		if (len < off + 4)
			return PPTP_GRE_TRUNCATED;
		g->seq = pptp_get32(buf + off);
		off += 4;
	}
	if (g->has_ack) {
		if (len < off + 4)
			return PPTP_GRE_TRUNCATED;
		g->ack = pptp_get32(buf + off);
		off += 4;
	}
	g->header_len = off;
	if (g->payload_len > len - off)
		return PPTP_GRE_BAD_LENGTH;
	g->payload = buf + off;
	return PPTP_GRE_OK;
}

size_t
pptp_gre_encode(uint8_t *buf, size_t buflen, uint16_t call_id, uint32_t seq, bool has_ack,
		uint32_t ack, const uint8_t *payload, size_t payload_len)
{
	size_t hlen = has_ack ? 16 : 12;

	if (buf == NULL || payload_len > 0xffff || buflen < hlen || buflen - hlen < payload_len)
		return 0;
	buf[0] = PPTP_GRE_FLAG_K | PPTP_GRE_FLAG_S;
	buf[1] = (uint8_t)((has_ack ? PPTP_GRE_FLAG_A : 0) | PPTP_GRE_VERSION);
	pptp_put16(buf + 2, PPTP_GRE_PROTOCOL);
	pptp_put16(buf + 4, (uint16_t)payload_len);
	pptp_put16(buf + 6, call_id);
	pptp_put32(buf + 8, seq);
	if (has_ack)
		pptp_put32(buf + 12, ack);
	if (payload_len > 0)
		memmove(buf + hlen, payload, payload_len);
	return hlen + payload_len;
}

/* ---- LCP ---- */

const char *const pptp_lcp_code_names[PPTP_LCP_CODE__COUNT] = {
	[0] = "unknown",
	[PPTP_LCP_CONF_REQ] = "configure-request",
	[PPTP_LCP_CONF_ACK] = "configure-ack",
	[PPTP_LCP_CONF_NAK] = "configure-nak",
	[PPTP_LCP_CONF_REJ] = "configure-reject",
	[PPTP_LCP_TERM_REQ] = "terminate-request",
	[PPTP_LCP_TERM_ACK] = "terminate-ack",
	[PPTP_LCP_CODE_REJ] = "code-reject",
	[PPTP_LCP_PROTO_REJ] = "protocol-reject",
	[PPTP_LCP_ECHO_REQ] = "echo-request",
	[PPTP_LCP_ECHO_REP] = "echo-reply",
	[PPTP_LCP_DISCARD_REQ] = "discard-request",
};

const char *const pptp_lcp_status_names[PPTP_LCP__COUNT] = {
	[PPTP_LCP_OK] = "ok",
	[PPTP_LCP_TRUNCATED] = "lcp-truncated",
	[PPTP_LCP_NOT_LCP] = "lcp-not-lcp",
	[PPTP_LCP_BAD_LENGTH] = "lcp-bad-length",
};

enum pptp_lcp_status
pptp_lcp_decode(const uint8_t *buf, size_t len, struct pptp_lcp *l)
{
	uint16_t length;

	if (buf == NULL || len < PPTP_LCP_FRAME_MIN)
		return PPTP_LCP_TRUNCATED;
	if (buf[0] != PPTP_PPP_ADDRESS || buf[1] != PPTP_PPP_CONTROL ||
	    pptp_get16(buf + 2) != PPTP_PPP_LCP)
		return PPTP_LCP_NOT_LCP;
	length = pptp_get16(buf + 6);
	if (length < PPTP_LCP_HEADER_LEN || length > len - 4)
		return PPTP_LCP_BAD_LENGTH;
	if (l != NULL) {
		l->code = buf[4];
		l->id = buf[5];
		l->length = length;
		l->data = buf + 8;
		l->data_len = (size_t)length - PPTP_LCP_HEADER_LEN;
	}
	return PPTP_LCP_OK;
}

int
pptp_lcp_option_next(const struct pptp_lcp *l, size_t *off, struct pptp_lcp_opt *o)
{
	size_t left;

	if (*off >= l->data_len)
		return 0;
	left = l->data_len - *off;
	if (left < 2 || l->data[*off + 1] < 2 || l->data[*off + 1] > left)
		return -1;
	o->type = l->data[*off];
	o->len = l->data[*off + 1];
	o->data = l->data + *off + 2;
	*off += o->len;
	return 1;
}

size_t
pptp_lcp_encode(uint8_t *buf, size_t buflen, uint8_t code, uint8_t id, const uint8_t *data,
		size_t data_len)
{
	size_t n = PPTP_LCP_FRAME_MIN + data_len;

	if (buf == NULL || data_len > 0xffff - PPTP_LCP_HEADER_LEN || buflen < n)
		return 0;
	if (data_len > 0)
		memmove(buf + PPTP_LCP_FRAME_MIN, data, data_len);
	buf[0] = PPTP_PPP_ADDRESS;
	buf[1] = PPTP_PPP_CONTROL;
	pptp_put16(buf + 2, PPTP_PPP_LCP);
	buf[4] = code;
	buf[5] = id;
	pptp_put16(buf + 6, (uint16_t)(data_len + PPTP_LCP_HEADER_LEN));
	return n;
}

size_t
pptp_lcp_encode_confreq(uint8_t *buf, size_t buflen, uint8_t id, uint32_t magic)
{
	uint8_t opt[6] = { PPTP_LCP_OPT_MAGIC, 6 };

	pptp_put32(opt + 2, magic);
	return pptp_lcp_encode(buf, buflen, PPTP_LCP_CONF_REQ, id, opt, sizeof(opt));
}

/* ---- HDLC-like framing ---- */

/* RFC 1662 appendix C.2, reflected polynomial 0x8408. */
static const uint16_t pptp_fcs16_table[256] = {
	0x0000, 0x1189, 0x2312, 0x329b, 0x4624, 0x57ad, 0x6536, 0x74bf,
	0x8c48, 0x9dc1, 0xaf5a, 0xbed3, 0xca6c, 0xdbe5, 0xe97e, 0xf8f7,
	0x1081, 0x0108, 0x3393, 0x221a, 0x56a5, 0x472c, 0x75b7, 0x643e,
	0x9cc9, 0x8d40, 0xbfdb, 0xae52, 0xdaed, 0xcb64, 0xf9ff, 0xe876,
	0x2102, 0x308b, 0x0210, 0x1399, 0x6726, 0x76af, 0x4434, 0x55bd,
	0xad4a, 0xbcc3, 0x8e58, 0x9fd1, 0xeb6e, 0xfae7, 0xc87c, 0xd9f5,
	0x3183, 0x200a, 0x1291, 0x0318, 0x77a7, 0x662e, 0x54b5, 0x453c,
	0xbdcb, 0xac42, 0x9ed9, 0x8f50, 0xfbef, 0xea66, 0xd8fd, 0xc974,
	0x4204, 0x538d, 0x6116, 0x709f, 0x0420, 0x15a9, 0x2732, 0x36bb,
	0xce4c, 0xdfc5, 0xed5e, 0xfcd7, 0x8868, 0x99e1, 0xab7a, 0xbaf3,
	0x5285, 0x430c, 0x7197, 0x601e, 0x14a1, 0x0528, 0x37b3, 0x263a,
	0xdecd, 0xcf44, 0xfddf, 0xec56, 0x98e9, 0x8960, 0xbbfb, 0xaa72,
	0x6306, 0x728f, 0x4014, 0x519d, 0x2522, 0x34ab, 0x0630, 0x17b9,
	0xef4e, 0xfec7, 0xcc5c, 0xddd5, 0xa96a, 0xb8e3, 0x8a78, 0x9bf1,
	0x7387, 0x620e, 0x5095, 0x411c, 0x35a3, 0x242a, 0x16b1, 0x0738,
	0xffcf, 0xee46, 0xdcdd, 0xcd54, 0xb9eb, 0xa862, 0x9af9, 0x8b70,
	0x8408, 0x9581, 0xa71a, 0xb693, 0xc22c, 0xd3a5, 0xe13e, 0xf0b7,
	0x0840, 0x19c9, 0x2b52, 0x3adb, 0x4e64, 0x5fed, 0x6d76, 0x7cff,
	0x9489, 0x8500, 0xb79b, 0xa612, 0xd2ad, 0xc324, 0xf1bf, 0xe036,
	0x18c1, 0x0948, 0x3bd3, 0x2a5a, 0x5ee5, 0x4f6c, 0x7df7, 0x6c7e,
	0xa50a, 0xb483, 0x8618, 0x9791, 0xe32e, 0xf2a7, 0xc03c, 0xd1b5,
	0x2942, 0x38cb, 0x0a50, 0x1bd9, 0x6f66, 0x7eef, 0x4c74, 0x5dfd,
	0xb58b, 0xa402, 0x9699, 0x8710, 0xf3af, 0xe226, 0xd0bd, 0xc134,
	0x39c3, 0x284a, 0x1ad1, 0x0b58, 0x7fe7, 0x6e6e, 0x5cf5, 0x4d7c,
	0xc60c, 0xd785, 0xe51e, 0xf497, 0x8028, 0x91a1, 0xa33a, 0xb2b3,
	0x4a44, 0x5bcd, 0x6956, 0x78df, 0x0c60, 0x1de9, 0x2f72, 0x3efb,
	0xd68d, 0xc704, 0xf59f, 0xe416, 0x90a9, 0x8120, 0xb3bb, 0xa232,
	0x5ac5, 0x4b4c, 0x79d7, 0x685e, 0x1ce1, 0x0d68, 0x3ff3, 0x2e7a,
	0xe70e, 0xf687, 0xc41c, 0xd595, 0xa12a, 0xb0a3, 0x8238, 0x93b1,
	0x6b46, 0x7acf, 0x4854, 0x59dd, 0x2d62, 0x3ceb, 0x0e70, 0x1ff9,
	0xf78f, 0xe606, 0xd49d, 0xc514, 0xb1ab, 0xa022, 0x92b9, 0x8330,
	0x7bc7, 0x6a4e, 0x58d5, 0x495c, 0x3de3, 0x2c6a, 0x1ef1, 0x0f78,
};

uint16_t
pptp_fcs16(uint16_t fcs, const uint8_t *p, size_t n)
{
	while (n-- > 0)
		fcs = (uint16_t)((fcs >> 8) ^ pptp_fcs16_table[(fcs ^ *p++) & 0xff]);
	return fcs;
}

/* ACCM 0xFFFFFFFF: escape every control character, and the two specials. */
static bool
pptp_hdlc_needs_escape(uint8_t c)
{
	return c < 0x20 || c == PPTP_HDLC_FLAG || c == PPTP_HDLC_ESCAPE;
}

static size_t
pptp_hdlc_put(uint8_t *buf, size_t off, uint8_t c)
{
	if (pptp_hdlc_needs_escape(c)) {
		buf[off++] = PPTP_HDLC_ESCAPE;
		c ^= PPTP_HDLC_XOR;
	}
	buf[off++] = c;
	return off;
}

size_t
pptp_hdlc_encode(uint8_t *buf, size_t buflen, const uint8_t *frame, size_t len)
{
	uint16_t fcs;
	size_t i, off = 0;

	/* worst case: every byte of frame and FCS escaped, two flags */
	if (buf == NULL || len > (SIZE_MAX - 6) / 2 || buflen < 2 * (len + 2) + 2)
		return 0;
	fcs = (uint16_t)~pptp_fcs16(PPTP_FCS16_INIT, frame, len);
	buf[off++] = PPTP_HDLC_FLAG;
	for (i = 0; i < len; i++)
		off = pptp_hdlc_put(buf, off, frame[i]);
	off = pptp_hdlc_put(buf, off, (uint8_t)fcs);		/* least significant first */
	off = pptp_hdlc_put(buf, off, (uint8_t)(fcs >> 8));
	buf[off++] = PPTP_HDLC_FLAG;
	return off;
}

const char *const pptp_hdlc_status_names[PPTP_HDLC__COUNT] = {
	[PPTP_HDLC_NEED_MORE] = "need-more",
	[PPTP_HDLC_FRAME] = "frame",
	[PPTP_HDLC_BAD_FCS] = "hdlc-bad-fcs",
	[PPTP_HDLC_TOO_SHORT] = "hdlc-too-short",
	[PPTP_HDLC_TOO_LONG] = "hdlc-too-long",
};

void
pptp_hdlc_init(struct pptp_hdlc *h)
{
	h->len = 0;
	h->escape = false;
	h->overflow = false;
}

/* A flag ended what was collected: judge it and start the next frame. */
static enum pptp_hdlc_status
pptp_hdlc_end(struct pptp_hdlc *h, const uint8_t **frame, size_t *frame_len)
{
	size_t len = h->len;
	bool overflow = h->overflow;

	pptp_hdlc_init(h);
	if (overflow)
		return PPTP_HDLC_TOO_LONG;
	if (len < 4)	/* two bytes of frame at least, and the FCS */
		return PPTP_HDLC_TOO_SHORT;
	if (pptp_fcs16(PPTP_FCS16_INIT, h->frame, len) != PPTP_FCS16_GOOD)
		return PPTP_HDLC_BAD_FCS;
	*frame = h->frame;
	*frame_len = len - 2;
	return PPTP_HDLC_FRAME;
}

enum pptp_hdlc_status
pptp_hdlc_feed(struct pptp_hdlc *h, const uint8_t *in, size_t len, size_t *used,
	       const uint8_t **frame, size_t *frame_len)
{
	size_t i;
	uint8_t c;

	*frame = NULL;
	*frame_len = 0;
	for (i = 0; i < len; i++) {
		c = in[i];
		if (c == PPTP_HDLC_FLAG) {
			/* an empty frame (two flags in a row, or only an
			 * aborted escape) is no frame at all */
			if (h->len == 0 && !h->overflow) {
				h->escape = false;
				continue;
			}
			*used = i + 1;
			return pptp_hdlc_end(h, frame, frame_len);
		}
		if (c == PPTP_HDLC_ESCAPE) {
			h->escape = true;
			continue;
		}
		if (h->escape) {
			c ^= PPTP_HDLC_XOR;
			h->escape = false;
		}
		if (h->len == sizeof(h->frame)) {
			h->overflow = true;
			continue;
		}
		h->frame[h->len++] = c;
	}
	*used = len;
	return PPTP_HDLC_NEED_MORE;
}
