/*
 * pptp_wire.h - PPTP wire formats: control messages (RFC 2637 section 2),
 * enhanced GRE (RFC 2637 section 4.1) and the IPv4 header in front of it on a
 * raw socket, PPP LCP (RFC 1661) and HDLC-like framing (RFC 1662).
 *
 * Pure functions over byte buffers: no I/O, no allocation, no logging, so the
 * probes (probe_pptp.c, probe_gre.c) own the sockets and the fuzzers
 * (tests/fuzz/fuzz_pptp_control.c, fuzz_gre.c, fuzz_lcp.c) can drive the
 * decoders with any bytes.  The byte layouts are the ones in protocols.md
 * sections 3-5; every field is big-endian.  The HDLC framing is only spoken
 * on a pty, by the test stand-in for pppd (tests/lab/fake-pppd.c): on the
 * wire PPTP carries bare PPP frames inside GRE.
 *
 * Reading a stream:  call pptp_decode_control() on whatever has arrived;
 * NEED_MORE means read on, OK means one message of *msg_len bytes was decoded
 * (consume it and call again), anything else means the peer is not speaking
 * PPTP and the connection should be dropped.
 */
#ifndef AHD_PPTP_WIRE_H
#define AHD_PPTP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PPTP_PORT		1723
#define PPTP_HEADER_LEN		12
#define PPTP_MAGIC		0x1A2B3C4DU
#define PPTP_MESSAGE_CONTROL	1	/* the only PPTP Message Type in use */
#define PPTP_VERSION		0x0100	/* protocol version 1, revision 0 */
/* The largest control message (Incoming-Call-Request): any Length above
 * this is a lie, whatever the type says. */
#define PPTP_CONTROL_MAX_LEN	220
#define PPTP_NAME_LEN		64	/* host name, vendor, phone number fields */
#define PPTP_CDN_STATS_LEN	128	/* Call-Disconnect-Notify call statistics */

/* What we send in SCCRQ: async|sync framing, analog|digital bearer.  A
 * client offers no channels of its own (max channels 0). */
#define PPTP_SCCRQ_FRAMING_CAP	3
#define PPTP_SCCRQ_BEARER_CAP	3
#define PPTP_VENDOR		"anycast-healthd"

/* Control Message Types; the value is the wire code. */
enum pptp_ctrl_type {
	PPTP_CTRL_SCCRQ = 1,	/* Start-Control-Connection-Request */
	PPTP_CTRL_SCCRP = 2,	/* Start-Control-Connection-Reply */
	PPTP_CTRL_STOPCCRQ = 3,	/* Stop-Control-Connection-Request */
	PPTP_CTRL_STOPCCRP = 4,	/* Stop-Control-Connection-Reply */
	PPTP_CTRL_ECHORQ = 5,	/* Echo-Request */
	PPTP_CTRL_ECHORP = 6,	/* Echo-Reply */
	PPTP_CTRL_OCRQ = 7,	/* Outgoing-Call-Request */
	PPTP_CTRL_OCRP = 8,	/* Outgoing-Call-Reply */
	PPTP_CTRL_ICRQ = 9,	/* Incoming-Call-Request */
	PPTP_CTRL_ICRP = 10,	/* Incoming-Call-Reply */
	PPTP_CTRL_ICCN = 11,	/* Incoming-Call-Connected */
	PPTP_CTRL_CCRQ = 12,	/* Call-Clear-Request */
	PPTP_CTRL_CDN = 13,	/* Call-Disconnect-Notify */
	PPTP_CTRL_WEN = 14,	/* WAN-Error-Notify */
	PPTP_CTRL_SLI = 15,	/* Set-Link-Info */
	PPTP_CTRL_TYPE__COUNT
};
/* "start-control-connection-request", ...; [0] is "unknown". */
extern const char *const pptp_ctrl_type_names[PPTP_CTRL_TYPE__COUNT];
/* The fixed size of each type; 0 for an unknown code. */
extern const uint16_t pptp_ctrl_type_sizes[PPTP_CTRL_TYPE__COUNT];

enum pptp_decode_status {
	PPTP_DECODE_OK,
	PPTP_DECODE_NEED_MORE,		/* a valid prefix of a message */
	PPTP_DECODE_BAD_LENGTH,		/* Length < 12 or > PPTP_CONTROL_MAX_LEN */
	PPTP_DECODE_BAD_MESSAGE_TYPE,	/* PPTP Message Type != 1 */
	PPTP_DECODE_BAD_MAGIC,
	PPTP_DECODE_UNKNOWN_TYPE,	/* Control Message Type not in RFC 2637 */
	PPTP_DECODE_SIZE_MISMATCH,	/* Length != the type's size */
	PPTP_DECODE__COUNT
};
/* "ok", "need-more", "bad-length", "bad-message-type", "bad-magic",
 * "unknown-type", "size-mismatch": also the probe's reason codes. */
extern const char *const pptp_decode_status_names[PPTP_DECODE__COUNT];

/* Result codes, indexed by the wire value; [0] is "unknown". */
#define PPTP_SCCRP_RESULT__COUNT 6	/* 1 ok .. 5 version not supported */
extern const char *const pptp_sccrp_result_names[PPTP_SCCRP_RESULT__COUNT];
#define PPTP_ECHO_RESULT__COUNT 3	/* Echo-Reply and StopCCRP: 1 ok, 2 error */
extern const char *const pptp_echo_result_names[PPTP_ECHO_RESULT__COUNT];
#define PPTP_OCRP_RESULT__COUNT 8	/* 1 connected .. 7 do not accept */
extern const char *const pptp_ocrp_result_names[PPTP_OCRP_RESULT__COUNT];
#define PPTP_GENERAL_ERROR__COUNT 7	/* [0] is "none" here: 0 is a real code */
extern const char *const pptp_general_error_names[PPTP_GENERAL_ERROR__COUNT];
#define PPTP_STOP_REASON__COUNT 4	/* StopCCRQ: 1 general, 2 stop protocol, 3 local shutdown */
extern const char *const pptp_stop_reason_names[PPTP_STOP_REASON__COUNT];

#define PPTP_RESULT_OK		1	/* SCCRP, StopCCRP, Echo-Reply, OCRP */
#define PPTP_STOP_REASON_GENERAL 1

/* table[code], or "unknown" when code is out of range or has no name. */
const char *pptp_name(const char *const *table, size_t n, unsigned int code);
#define PPTP_NAME(table, code) pptp_name((table), sizeof(table) / sizeof((table)[0]), (code))

/* Decoded messages.  Strings are NUL-terminated copies of the fixed fields,
 * cut at the first NUL, with bytes outside printable ASCII replaced by '?'
 * since they end up in logs and the JSON status. */
struct pptp_sccrp {
	uint16_t version;
	uint8_t result, error;
	uint32_t framing_cap, bearer_cap;
	uint16_t max_channels, firmware_rev;
	char host_name[PPTP_NAME_LEN + 1];
	char vendor[PPTP_NAME_LEN + 1];
};

struct pptp_stopccrq {
	uint8_t reason;
};

struct pptp_stopccrp {
	uint8_t result, error;
};

struct pptp_echorq {
	uint32_t id;
};

struct pptp_echorp {
	uint32_t id;
	uint8_t result, error;
};

struct pptp_ocrp {
	uint16_t call_id;		/* the server's */
	uint16_t peer_call_id;		/* ours, from the OCRQ */
	uint8_t result, error;
	uint16_t cause;
	uint32_t connect_speed;
	uint16_t recv_window, proc_delay;
	uint32_t phys_channel;
};

struct pptp_cdn {
	uint16_t call_id;
	uint8_t result, error;
	uint16_t cause;
	char stats[PPTP_CDN_STATS_LEN + 1];
};

struct pptp_sli {
	uint16_t peer_call_id;
	uint32_t send_accm, recv_accm;
};

struct pptp_ctrl_msg {
	uint16_t length;		/* == pptp_ctrl_type_sizes[type] */
	uint16_t type;			/* enum pptp_ctrl_type */
	/* Filled for the types named here; other valid types (SCCRQ, OCRQ,
	 * ICRQ, WAN-Error-Notify...) leave it zeroed: skip them by length. */
	union {
		struct pptp_sccrp sccrp;
		struct pptp_stopccrq stopccrq;
		struct pptp_stopccrp stopccrp;
		struct pptp_echorq echorq;
		struct pptp_echorp echorp;
		struct pptp_ocrp ocrp;
		struct pptp_cdn cdn;
		struct pptp_sli sli;
	} u;
};

/*
 * Decode the control message at the start of buf[0..len).  Checks, in this
 * order: a whole header is there (else NEED_MORE), 12 <= Length <= max,
 * Message Type, Magic, Control Message Type known and Length equal to its
 * size, then the whole message is there (else NEED_MORE).
 *
 * *msg_len: on OK the bytes to consume; on NEED_MORE the bytes needed in
 * total before calling again (12, or the message's Length); else 0.  *msg is
 * written only on OK.  msg_len and msg may be NULL.
 */
enum pptp_decode_status pptp_decode_control(const uint8_t *buf, size_t len,
					    struct pptp_ctrl_msg *msg, size_t *msg_len);

/*
 * Encoders: write one message at buf and return its size, or 0 (writing
 * nothing) if buflen is too small.
 */
/* host_name NULL means PPTP_VENDOR; longer than 63 bytes is cut. */
size_t pptp_encode_sccrq(uint8_t *buf, size_t buflen, const char *host_name);
size_t pptp_encode_stopccrq(uint8_t *buf, size_t buflen, uint8_t reason);
size_t pptp_encode_stopccrp(uint8_t *buf, size_t buflen, uint8_t result, uint8_t error);
size_t pptp_encode_echorq(uint8_t *buf, size_t buflen, uint32_t id);
size_t pptp_encode_echorp(uint8_t *buf, size_t buflen, uint32_t id, uint8_t result,
			  uint8_t error);

/* Outgoing-Call-Request as a PNS asking for one call: any speed, any bearer
 * (3), any framing (3), no phone number (pptpd ignores it). */
#define PPTP_OCRQ_MIN_BPS	300
#define PPTP_OCRQ_MAX_BPS	100000000
#define PPTP_OCRQ_BEARER_TYPE	3
#define PPTP_OCRQ_FRAMING_TYPE	3
#define PPTP_OCRQ_RECV_WINDOW	64	/* packets we could buffer; we send one */
/* call_id is ours: the server puts it into every GRE packet it sends us. */
size_t pptp_encode_ocrq(uint8_t *buf, size_t buflen, uint16_t call_id, uint16_t call_serial);
/* Call-Clear-Request for our call_id (the one we sent in OCRQ). */
size_t pptp_encode_ccrq(uint8_t *buf, size_t buflen, uint16_t call_id);

/* ---- IPv4 header in front of raw-socket input ---- */

#define PPTP_IPPROTO_GRE	47

struct pptp_ipv4 {
	uint32_t src, dst;		/* host byte order */
	uint8_t protocol;
	size_t header_len;		/* IHL * 4: where the payload starts */
	size_t payload_len;		/* Total Length - header_len */
};

/*
 * Check the IPv4 header at buf[0..len) as a Linux raw socket delivers it
 * (whole, reassembled, Total Length in network order) and find the payload.
 * Rejects: version != 4, IHL < 5, a header or Total Length past len, Total
 * Length below the header, a fragment.  Returns 0 and fills *ip, or -1.
 */
int pptp_ipv4_skip(const uint8_t *buf, size_t len, struct pptp_ipv4 *ip);

/* ---- enhanced GRE (RFC 2637 section 4.1; protocols.md section 4) ---- */

#define PPTP_GRE_PROTOCOL	0x880B
#define PPTP_GRE_VERSION	1
#define PPTP_GRE_FLAG_C		0x80	/* byte 0: checksum present, must be 0 */
#define PPTP_GRE_FLAG_R		0x40	/* routing present, must be 0 */
#define PPTP_GRE_FLAG_K		0x20	/* key present, must be 1 */
#define PPTP_GRE_FLAG_S		0x10	/* sequence number present */
#define PPTP_GRE_FLAG_SS	0x08	/* strict source route, must be 0 */
#define PPTP_GRE_RECUR		0x07	/* recursion control, must be 0 */
#define PPTP_GRE_FLAG_A		0x80	/* byte 1: acknowledgment present */
#define PPTP_GRE_FLAGS1		0x78	/* byte 1: must be 0 */
#define PPTP_GRE_VERSION_MASK	0x07
#define PPTP_GRE_HEADER_MIN	8	/* no sequence, no ack */
#define PPTP_GRE_HEADER_MAX	16	/* both */

enum pptp_gre_status {
	PPTP_GRE_OK,
	PPTP_GRE_TRUNCATED,		/* shorter than its own header */
	PPTP_GRE_BAD_VERSION,		/* version != 1: not PPTP's GRE */
	PPTP_GRE_BAD_FLAGS,		/* C, R, s, recur or byte 1's 0x78 set, or K clear */
	PPTP_GRE_BAD_PROTOCOL,		/* protocol != 0x880B */
	PPTP_GRE_BAD_LENGTH,		/* payload length past the buffer */
	PPTP_GRE__COUNT
};
/* "ok", "gre-truncated", "gre-bad-version", "gre-bad-flags",
 * "gre-bad-protocol", "gre-bad-length" */
extern const char *const pptp_gre_status_names[PPTP_GRE__COUNT];

struct pptp_gre {
	bool has_call_id;		/* len >= 8: call_id is read even on a bad header */
	uint16_t call_id;		/* the receiver's call ID */
	bool has_seq, has_ack;
	uint32_t seq, ack;
	size_t header_len;		/* 8, 12 or 16 */
	const uint8_t *payload;		/* into buf; payload_len bytes (maybe 0) */
	uint16_t payload_len;
};

/*
 * Decode the GRE packet at buf[0..len), checks in this order: 8 bytes,
 * version, flags, protocol, the optional fields, payload length <= what
 * follows the header (bytes after the payload are ignored).  *g is zeroed and
 * then filled as far as the checks got, so a caller can see whose packet a
 * bad one was (has_call_id).
 */
enum pptp_gre_status pptp_gre_decode(const uint8_t *buf, size_t len, struct pptp_gre *g);

/*
 * Encode a data packet: flags 0x30 (K, S) with sequence seq, and the ack
 * number when has_ack (0x81), then payload.  Returns the packet's size, or 0
 * (writing nothing) if buflen is too small or payload_len > 0xffff.
 */
size_t pptp_gre_encode(uint8_t *buf, size_t buflen, uint16_t call_id, uint32_t seq,
		       bool has_ack, uint32_t ack, const uint8_t *payload, size_t payload_len);

/* ---- PPP LCP (RFC 1661; protocols.md section 5) ---- */

#define PPTP_PPP_ADDRESS	0xFF
#define PPTP_PPP_CONTROL	0x03
#define PPTP_PPP_LCP		0xC021
#define PPTP_LCP_HEADER_LEN	4	/* code, id, length */
#define PPTP_LCP_FRAME_MIN	(4 + PPTP_LCP_HEADER_LEN)	/* FF 03 C0 21 + header */

enum pptp_lcp_code {
	PPTP_LCP_CONF_REQ = 1,
	PPTP_LCP_CONF_ACK = 2,
	PPTP_LCP_CONF_NAK = 3,
	PPTP_LCP_CONF_REJ = 4,
	PPTP_LCP_TERM_REQ = 5,
	PPTP_LCP_TERM_ACK = 6,
	PPTP_LCP_CODE_REJ = 7,
	PPTP_LCP_PROTO_REJ = 8,
	PPTP_LCP_ECHO_REQ = 9,
	PPTP_LCP_ECHO_REP = 10,
	PPTP_LCP_DISCARD_REQ = 11,
	PPTP_LCP_CODE__COUNT
};
/* "configure-request", ...; [0] is "unknown". */
extern const char *const pptp_lcp_code_names[PPTP_LCP_CODE__COUNT];

/* Configuration option types (RFC 1661 section 6). */
#define PPTP_LCP_OPT_MRU	1
#define PPTP_LCP_OPT_ACCM	2
#define PPTP_LCP_OPT_AUTH	3
#define PPTP_LCP_OPT_MAGIC	5
#define PPTP_LCP_OPT_PFC	7
#define PPTP_LCP_OPT_ACFC	8

enum pptp_lcp_status {
	PPTP_LCP_OK,
	PPTP_LCP_TRUNCATED,		/* shorter than FF 03 C0 21 + 4 */
	PPTP_LCP_NOT_LCP,		/* not FF 03 C0 21 */
	PPTP_LCP_BAD_LENGTH,		/* Length < 4 or past the buffer */
	PPTP_LCP__COUNT
};
/* "ok", "lcp-truncated", "lcp-not-lcp", "lcp-bad-length" */
extern const char *const pptp_lcp_status_names[PPTP_LCP__COUNT];

struct pptp_lcp {
	uint8_t code, id;
	uint16_t length;		/* from code on, as on the wire */
	const uint8_t *data;		/* into buf: length - 4 bytes */
	size_t data_len;
};

/*
 * Decode a PPP frame (as carried in GRE: no HDLC flags or FCS) holding LCP.
 * Any code is accepted (an unknown one is answered with Code-Reject, not
 * dropped); bytes past Length are padding (RFC 1661 section 5).
 */
enum pptp_lcp_status pptp_lcp_decode(const uint8_t *buf, size_t len, struct pptp_lcp *l);

struct pptp_lcp_opt {
	uint8_t type;
	uint8_t len;			/* the whole option, type and length included */
	const uint8_t *data;		/* len - 2 bytes */
};

/*
 * Walk the options of a Configure-Request/Ack/Nak/Reject: *off starts at 0.
 * Returns 1 and fills *o, 0 at the end, -1 for an option whose length is
 * below 2 or runs past the data (never reads outside l->data).
 */
int pptp_lcp_option_next(const struct pptp_lcp *l, size_t *off, struct pptp_lcp_opt *o);

/* Encode FF 03 C0 21 | code | id | length | data.  Returns the size or 0. */
size_t pptp_lcp_encode(uint8_t *buf, size_t buflen, uint8_t code, uint8_t id,
		       const uint8_t *data, size_t data_len);
/* A Configure-Request with one option, the magic number (14 bytes). */
size_t pptp_lcp_encode_confreq(uint8_t *buf, size_t buflen, uint8_t id, uint32_t magic);

/* ---- HDLC-like framing (RFC 1662), for the pty between pptpctrl and pppd ---- */

#define PPTP_HDLC_FLAG		0x7E
#define PPTP_HDLC_ESCAPE	0x7D
#define PPTP_HDLC_XOR		0x20
#define PPTP_FCS16_INIT		0xFFFF
#define PPTP_FCS16_GOOD		0xF0B8	/* the FCS over a frame and its own FCS */
#define PPTP_HDLC_MRU		1600	/* largest unescaped frame kept, FCS included */

/* RFC 1662 appendix C.2: fcs = pptp_fcs16(fcs, p, n), starting at INIT. */
uint16_t pptp_fcs16(uint16_t fcs, const uint8_t *p, size_t n);

/*
 * Frame `frame` (address, control, protocol, data) for the wire: flag,
 * escaped bytes and FCS (ACCM 0xFFFFFFFF: every byte < 0x20, 0x7D and 0x7E
 * escaped), flag.  Returns the size, or 0 if buflen is too small; at most
 * 2 * (len + 2) + 2 bytes.
 */
size_t pptp_hdlc_encode(uint8_t *buf, size_t buflen, const uint8_t *frame, size_t len);

enum pptp_hdlc_status {
	PPTP_HDLC_NEED_MORE,		/* every input byte consumed, no frame yet */
	PPTP_HDLC_FRAME,		/* a good frame (FCS stripped) */
	PPTP_HDLC_BAD_FCS,		/* a frame was dropped: FCS wrong */
	PPTP_HDLC_TOO_SHORT,		/* dropped: fewer than 4 bytes (FCS included) */
	PPTP_HDLC_TOO_LONG,		/* dropped: more than PPTP_HDLC_MRU bytes */
	PPTP_HDLC__COUNT
};
/* "need-more", "frame", "hdlc-bad-fcs", "hdlc-too-short", "hdlc-too-long" */
extern const char *const pptp_hdlc_status_names[PPTP_HDLC__COUNT];

/* Incremental deframer state: zero it (or pptp_hdlc_init) before use. */
struct pptp_hdlc {
	uint8_t frame[PPTP_HDLC_MRU];
	size_t len;
	bool escape;			/* the last byte was 0x7D */
	bool overflow;			/* this frame grew past the MRU */
};

void pptp_hdlc_init(struct pptp_hdlc *h);

/*
 * Feed in[0..len).  Stops after the first frame ending (flag) that holds
 * anything: returns FRAME with *frame and *frame_len pointing into h (valid until
 * the next call) or the reason it was dropped; *used says how many input
 * bytes were consumed, so call again with the rest.  Back-to-back flags make
 * no frame.  NEED_MORE consumed everything.
 */
enum pptp_hdlc_status pptp_hdlc_feed(struct pptp_hdlc *h, const uint8_t *in, size_t len,
				     size_t *used, const uint8_t **frame, size_t *frame_len);

#endif
