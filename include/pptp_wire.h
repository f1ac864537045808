/*
 * pptp_wire.h - PPTP control message encode and decode (RFC 2637 section 2).
 *
 * Pure functions over byte buffers: no I/O, no allocation, no logging, so the
 * probes (probe_pptp.c, later probe_gre.c) own the sockets and the fuzzer
 * (tests/fuzz/fuzz_pptp_control.c) can drive the decoder with any bytes.  The
 * byte layouts are the ones in protocols.md section 3; every field is
 * big-endian.  GRE, LCP and HDLC codecs will join this file with their own
 * pptp_gre_ / pptp_lcp_ / pptp_hdlc_ prefixes.
 *
 * Reading a stream:  call pptp_decode_control() on whatever has arrived;
 * NEED_MORE means read on, OK means one message of *msg_len bytes was decoded
 * (consume it and call again), anything else means the peer is not speaking
 * PPTP and the connection should be dropped.
 */
#ifndef AHD_PPTP_WIRE_H
#define AHD_PPTP_WIRE_H

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

#endif
