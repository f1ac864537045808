/*
 * pptp_wire.c - PPTP control message encode and decode (RFC 2637).
 *
 * Pure functions: the probes own the sockets, this file only turns bytes into
 * structs and back.  It is fed arbitrary input by the fuzzer, so every read
 * is bounded by a Length that has already been checked against the type's
 * fixed size and against what is in the buffer.
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
	size_t len = strnlen(src, n - 1);

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
