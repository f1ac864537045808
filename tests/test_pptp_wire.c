/*
 * test_pptp_wire.c - the PPTP wire codecs against hand-written bytes.
 *
 * Every expected byte string below is written out from the layouts in
 * protocols.md sections 3-6 (RFC 2637, RFC 1661, RFC 1662) or copied from
 * the capture there, not produced by the encoder, so an offset mistake in
 * pptp_wire.c cannot hide behind a round trip.  Decoders are also given every
 * truncation of every sample, in a heap buffer of exactly that size, so that
 * the sanitizer build catches a read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pptp_wire.h"

#define HDR(len, type)						\
	(uint8_t)((len) >> 8), (uint8_t)(len), 0x00, 0x01,	\
	0x1a, 0x2b, 0x3c, 0x4d, 0x00, (uint8_t)(type), 0x00, 0x00

/* An SCCRP like pptpd 1.4.0 sends: version 1.0, result 1, framing 1,
 * bearer 1, max channels 1, firmware 1, host "local", vendor "linux". */
static const uint8_t sccrp_bytes[156] = {
	HDR(156, 2),
	0x01, 0x00,			/* 12 version */
	0x01,				/* 14 result */
	0x00,				/* 15 error */
	0x00, 0x00, 0x00, 0x01,		/* 16 framing cap */
	0x00, 0x00, 0x00, 0x01,		/* 20 bearer cap */
	0x00, 0x01,			/* 24 max channels */
	0x00, 0x01,			/* 26 firmware revision */
	'l', 'o', 'c', 'a', 'l',	/* 28 host name, NUL padded */
	[92] = 'l', 'i', 'n', 'u', 'x',	/* 92 vendor, NUL padded */
};

static const uint8_t echorq_bytes[16] = {
	HDR(16, 5),
	0xde, 0xad, 0xbe, 0xef,		/* 12 identifier */
};

static const uint8_t echorp_bytes[20] = {
	HDR(20, 6),
	0x01, 0x02, 0x03, 0x04,		/* 12 identifier */
	0x02,				/* 16 result */
	0x06,				/* 17 error */
	0x00, 0x00,			/* 18 reserved */
};

static const uint8_t stopccrq_bytes[16] = {
	HDR(16, 3),
	0x03, 0x00, 0x00, 0x00,		/* 12 reason, 13 reserved */
};

static const uint8_t stopccrp_bytes[16] = {
	HDR(16, 4),
	0x01, 0x04, 0x00, 0x00,		/* 12 result, 13 error, 14 reserved */
};

/* The OCRP seen from pptpd in protocols.md section 6, completed. */
static const uint8_t ocrp_bytes[32] = {
	HDR(32, 8),
	0x00, 0x80,			/* 12 call ID */
	0x42, 0x42,			/* 14 peer's call ID */
	0x01,				/* 16 result */
	0x00,				/* 17 error */
	0x12, 0x34,			/* 18 cause */
	0x05, 0xf5, 0xe1, 0x00,		/* 20 connect speed 100000000 */
	0x00, 0x40,			/* 24 recv window */
	0x00, 0x05,			/* 26 processing delay */
	0xca, 0xfe, 0xba, 0xbe,		/* 28 physical channel */
};

static const uint8_t cdn_bytes[148] = {
	HDR(148, 13),
	0x42, 0x42,			/* 12 call ID */
	0x03,				/* 14 result */
	0x01,				/* 15 error */
	0x00, 0x07,			/* 16 cause */
	0x00, 0x00,			/* 18 reserved */
	'd', 'r', 'o', 'p', 0x01, 'x',	/* 20 statistics (0x01 is not printable) */
};

static const uint8_t sli_bytes[24] = {
	HDR(24, 15),
	0x42, 0x42,			/* 12 peer call ID */
	0x00, 0x00,			/* 14 reserved */
	0xff, 0xff, 0xff, 0xff,		/* 16 send ACCM */
	0x00, 0x00, 0x00, 0x0a,		/* 20 recv ACCM */
};

static const uint8_t wen_bytes[40] = {
	HDR(40, 14),
	0x42, 0x42, 0x00, 0x00,		/* 12 peer call ID, reserved */
	0x00, 0x00, 0x00, 0x01,		/* 16 CRC errors ... */
};

struct sample {
	const uint8_t *bytes;
	size_t len;
	uint16_t type;
};

static const struct sample samples[] = {
	{ sccrp_bytes, sizeof(sccrp_bytes), PPTP_CTRL_SCCRP },
	{ echorq_bytes, sizeof(echorq_bytes), PPTP_CTRL_ECHORQ },
	{ echorp_bytes, sizeof(echorp_bytes), PPTP_CTRL_ECHORP },
	{ stopccrq_bytes, sizeof(stopccrq_bytes), PPTP_CTRL_STOPCCRQ },
	{ stopccrp_bytes, sizeof(stopccrp_bytes), PPTP_CTRL_STOPCCRP },
	{ ocrp_bytes, sizeof(ocrp_bytes), PPTP_CTRL_OCRP },
	{ cdn_bytes, sizeof(cdn_bytes), PPTP_CTRL_CDN },
	{ sli_bytes, sizeof(sli_bytes), PPTP_CTRL_SLI },
	{ wen_bytes, sizeof(wen_bytes), PPTP_CTRL_WEN },
};

/* Decode one whole sample, insisting on OK and its full length. */
static void
decode_ok(const uint8_t *b, size_t len, struct pptp_ctrl_msg *m)
{
	size_t n = 999;

	assert_int_equal(pptp_decode_control(b, len, m, &n), PPTP_DECODE_OK);
	assert_int_equal(n, len);
	assert_int_equal(m->length, len);
}

/* ---- encoders ---- */

static void
pptp_wire_test_encode_sccrq(void **state)
{
	uint8_t want[156] = {
		0x00, 0x9c,			/* 0 length 156 */
		0x00, 0x01,			/* 2 PPTP message type */
		0x1a, 0x2b, 0x3c, 0x4d,		/* 4 magic */
		0x00, 0x01,			/* 8 SCCRQ */
		0x00, 0x00,			/* 10 reserved */
		0x01, 0x00,			/* 12 version 1.0 */
		0x00, 0x00,			/* 14 reserved */
		0x00, 0x00, 0x00, 0x03,		/* 16 framing cap */
		0x00, 0x00, 0x00, 0x03,		/* 20 bearer cap */
		0x00, 0x00,			/* 24 max channels */
		0x00, 0x00,			/* 26 firmware revision */
	};
	uint8_t buf[200];

	(void)state;
	memcpy(want + 28, "anycast-healthd", 15);
	memcpy(want + 92, "anycast-healthd", 15);
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(pptp_encode_sccrq(buf, sizeof(buf), NULL), 156);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(buf[156], 0xaa);

	memset(want + 28, 0, 64);
	memcpy(want + 28, "gw1.example", 11);
	assert_int_equal(pptp_encode_sccrq(buf, 156, "gw1.example"), 156);
	assert_memory_equal(buf, want, sizeof(want));
}

static void
pptp_wire_test_encode_sccrq_long_host(void **state)
{
	char host[100];
	uint8_t buf[156];

	(void)state;
	memset(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	assert_int_equal(pptp_encode_sccrq(buf, sizeof(buf), host), 156);
	/* 63 bytes of name, then the NUL that keeps it inside the field */
	for (size_t i = 28; i < 28 + 63; i++)
		assert_int_equal(buf[i], 'h');
	assert_int_equal(buf[91], 0);
	assert_memory_equal(buf + 92, "anycast-healthd\0", 16);
}

static void
pptp_wire_test_encode_small(void **state)
{
	uint8_t buf[156];

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(pptp_encode_sccrq(buf, 155, NULL), 0);
	assert_int_equal(pptp_encode_stopccrq(buf, 15, 1), 0);
	assert_int_equal(pptp_encode_stopccrp(buf, 15, 1, 0), 0);
	assert_int_equal(pptp_encode_echorq(buf, 15, 1), 0);
	assert_int_equal(pptp_encode_echorp(buf, 19, 1, 1, 0), 0);
	assert_int_equal(pptp_encode_echorq(buf, 0, 1), 0);
	assert_int_equal(pptp_encode_echorq(NULL, 100, 1), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xaa);
}

static void
pptp_wire_test_encode_echo(void **state)
{
	uint8_t buf[32];

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(pptp_encode_echorq(buf, sizeof(buf), 0xdeadbeef), 16);
	assert_memory_equal(buf, echorq_bytes, 16);
	assert_int_equal(buf[16], 0xaa);

	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(pptp_encode_echorp(buf, sizeof(buf), 0x01020304, 2, 6), 20);
	assert_memory_equal(buf, echorp_bytes, 20);
	assert_int_equal(buf[20], 0xaa);
}

static void
pptp_wire_test_encode_stop(void **state)
{
	uint8_t buf[32];
	static const uint8_t rq1[16] = { HDR(16, 3), 0x01, 0x00, 0x00, 0x00 };

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(pptp_encode_stopccrq(buf, sizeof(buf), PPTP_STOP_REASON_GENERAL), 16);
	assert_memory_equal(buf, rq1, 16);
	assert_int_equal(pptp_encode_stopccrq(buf, 16, 3), 16);
	assert_memory_equal(buf, stopccrq_bytes, 16);

	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(pptp_encode_stopccrp(buf, 16, 1, 4), 16);
	assert_memory_equal(buf, stopccrp_bytes, 16);
	assert_int_equal(buf[16], 0xaa);
}

/* ---- decoder: fields ---- */

static void
pptp_wire_test_decode_sccrp(void **state)
{
	struct pptp_ctrl_msg m;

	(void)state;
	decode_ok(sccrp_bytes, sizeof(sccrp_bytes), &m);
	assert_int_equal(m.type, PPTP_CTRL_SCCRP);
	assert_int_equal(m.u.sccrp.version, 0x0100);
	assert_int_equal(m.u.sccrp.result, 1);
	assert_int_equal(m.u.sccrp.error, 0);
	assert_int_equal(m.u.sccrp.framing_cap, 1);
	assert_int_equal(m.u.sccrp.bearer_cap, 1);
	assert_int_equal(m.u.sccrp.max_channels, 1);
	assert_int_equal(m.u.sccrp.firmware_rev, 1);
	assert_string_equal(m.u.sccrp.host_name, "local");
	assert_string_equal(m.u.sccrp.vendor, "linux");
}

static void
pptp_wire_test_decode_sccrp_fields(void **state)
{
	uint8_t b[156];
	struct pptp_ctrl_msg m;

	(void)state;
	/* distinct values in every field, names filling the whole field with no
	 * NUL and a control character */
	memcpy(b, sccrp_bytes, sizeof(b));
	b[12] = 0x02; b[13] = 0x03;
	b[14] = 0x05; b[15] = 0x06;
	b[16] = 0x11; b[17] = 0x22; b[18] = 0x33; b[19] = 0x44;
	b[20] = 0x55; b[21] = 0x66; b[22] = 0x77; b[23] = 0x88;
	b[24] = 0x99; b[25] = 0xaa;
	b[26] = 0xbb; b[27] = 0xcc;
	memset(b + 28, 'A', 64);
	b[30] = '\n';
	memset(b + 92, 'B', 64);
	b[155] = 0xff;
	decode_ok(b, sizeof(b), &m);
	assert_int_equal(m.u.sccrp.version, 0x0203);
	assert_int_equal(m.u.sccrp.result, 5);
	assert_int_equal(m.u.sccrp.error, 6);
	assert_int_equal(m.u.sccrp.framing_cap, 0x11223344);
	assert_int_equal(m.u.sccrp.bearer_cap, 0x55667788);
	assert_int_equal(m.u.sccrp.max_channels, 0x99aa);
	assert_int_equal(m.u.sccrp.firmware_rev, 0xbbcc);
	assert_int_equal(strlen(m.u.sccrp.host_name), 64);
	assert_memory_equal(m.u.sccrp.host_name, "AA?AAA", 6);
	assert_int_equal(strlen(m.u.sccrp.vendor), 64);
	assert_int_equal(m.u.sccrp.vendor[62], 'B');
	assert_int_equal(m.u.sccrp.vendor[63], '?');
}

static void
pptp_wire_test_decode_echo(void **state)
{
	struct pptp_ctrl_msg m;

	(void)state;
	decode_ok(echorq_bytes, sizeof(echorq_bytes), &m);
	assert_int_equal(m.type, PPTP_CTRL_ECHORQ);
	assert_int_equal(m.u.echorq.id, 0xdeadbeef);

	decode_ok(echorp_bytes, sizeof(echorp_bytes), &m);
	assert_int_equal(m.type, PPTP_CTRL_ECHORP);
	assert_int_equal(m.u.echorp.id, 0x01020304);
	assert_int_equal(m.u.echorp.result, 2);
	assert_int_equal(m.u.echorp.error, 6);
}

static void
pptp_wire_test_decode_stop(void **state)
{
	struct pptp_ctrl_msg m;

	(void)state;
	decode_ok(stopccrq_bytes, sizeof(stopccrq_bytes), &m);
	assert_int_equal(m.type, PPTP_CTRL_STOPCCRQ);
	assert_int_equal(m.u.stopccrq.reason, 3);

	decode_ok(stopccrp_bytes, sizeof(stopccrp_bytes), &m);
	assert_int_equal(m.type, PPTP_CTRL_STOPCCRP);
	assert_int_equal(m.u.stopccrp.result, 1);
	assert_int_equal(m.u.stopccrp.error, 4);
}

static void
pptp_wire_test_decode_ocrp(void **state)
{
	struct pptp_ctrl_msg m;

	(void)state;
	decode_ok(ocrp_bytes, sizeof(ocrp_bytes), &m);
	assert_int_equal(m.type, PPTP_CTRL_OCRP);
	assert_int_equal(m.u.ocrp.call_id, 0x0080);
	assert_int_equal(m.u.ocrp.peer_call_id, 0x4242);
	assert_int_equal(m.u.ocrp.result, 1);
	assert_int_equal(m.u.ocrp.error, 0);
	assert_int_equal(m.u.ocrp.cause, 0x1234);
	assert_int_equal(m.u.ocrp.connect_speed, 100000000);
	assert_int_equal(m.u.ocrp.recv_window, 64);
	assert_int_equal(m.u.ocrp.proc_delay, 5);
	assert_int_equal(m.u.ocrp.phys_channel, 0xcafebabe);
}

static void
pptp_wire_test_decode_cdn_sli(void **state)
{
	struct pptp_ctrl_msg m;

	(void)state;
	decode_ok(cdn_bytes, sizeof(cdn_bytes), &m);
	assert_int_equal(m.type, PPTP_CTRL_CDN);
	assert_int_equal(m.u.cdn.call_id, 0x4242);
	assert_int_equal(m.u.cdn.result, 3);
	assert_int_equal(m.u.cdn.error, 1);
	assert_int_equal(m.u.cdn.cause, 7);
	assert_string_equal(m.u.cdn.stats, "drop?x");

	decode_ok(sli_bytes, sizeof(sli_bytes), &m);
	assert_int_equal(m.type, PPTP_CTRL_SLI);
	assert_int_equal(m.u.sli.peer_call_id, 0x4242);
	assert_int_equal(m.u.sli.send_accm, 0xffffffff);
	assert_int_equal(m.u.sli.recv_accm, 10);
}

static void
pptp_wire_test_decode_header_only(void **state)
{
	static const struct pptp_ctrl_msg zero;
	struct pptp_ctrl_msg m;
	uint8_t b[220];

	(void)state;
	/* WAN-Error-Notify: valid, known, nothing decoded past the header */
	decode_ok(wen_bytes, sizeof(wen_bytes), &m);
	assert_int_equal(m.type, PPTP_CTRL_WEN);
	assert_memory_equal(&m.u, &zero.u, sizeof(m.u));

	/* our own SCCRQ decodes too (a loopback peer or a mirror) */
	assert_int_equal(pptp_encode_sccrq(b, sizeof(b), NULL), 156);
	decode_ok(b, 156, &m);
	assert_int_equal(m.type, PPTP_CTRL_SCCRQ);

	/* the largest type sits exactly at the maximum Length */
	memset(b, 0, sizeof(b));
	memcpy(b, (const uint8_t[]){ HDR(220, 9) }, 12);
	decode_ok(b, 220, &m);
	assert_int_equal(m.type, PPTP_CTRL_ICRQ);
}

static void
pptp_wire_test_decode_null_outputs(void **state)
{
	(void)state;
	assert_int_equal(pptp_decode_control(echorq_bytes, 16, NULL, NULL), PPTP_DECODE_OK);
	assert_int_equal(pptp_decode_control(echorq_bytes, 3, NULL, NULL), PPTP_DECODE_NEED_MORE);
}

/* ---- decoder: partial and hostile input ---- */

static void
pptp_wire_test_decode_truncated(void **state)
{
	struct pptp_ctrl_msg m;

	(void)state;
	for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
		for (size_t len = 0; len < samples[s].len; len++) {
			size_t n = 999;

			memset(&m, 0x5a, sizeof(m));
			assert_int_equal(pptp_decode_control(samples[s].bytes, len, &m, &n),
					 PPTP_DECODE_NEED_MORE);
			assert_int_equal(n, len < 12 ? 12 : samples[s].len);
			/* msg is only written on OK */
			assert_int_equal(m.length, 0x5a5a);
		}
		decode_ok(samples[s].bytes, samples[s].len, &m);
		assert_int_equal(m.type, samples[s].type);
	}
}

static void
pptp_wire_test_decode_bad_length(void **state)
{
	uint8_t b[300];
	size_t n = 999;
	static const uint16_t lengths[] = { 0, 1, 11, 221, 256, 0x8000, 0xffff };

	(void)state;
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		memset(b, 0, sizeof(b));
		memcpy(b, echorq_bytes, 16);
		b[0] = (uint8_t)(lengths[i] >> 8);
		b[1] = (uint8_t)lengths[i];
		n = 999;
		/* a whole header is enough to reject it: never wait for more */
		assert_int_equal(pptp_decode_control(b, 12, NULL, &n), PPTP_DECODE_BAD_LENGTH);
		assert_int_equal(n, 0);
		assert_int_equal(pptp_decode_control(b, sizeof(b), NULL, &n),
				 PPTP_DECODE_BAD_LENGTH);
	}
}

static void
pptp_wire_test_decode_lying_length(void **state)
{
	uint8_t b[300];
	size_t n = 999;

	(void)state;
	/* an Echo-Request that claims 200 bytes: rejected at once, not waited for */
	memset(b, 0, sizeof(b));
	memcpy(b, echorq_bytes, 16);
	b[1] = 200;
	assert_int_equal(pptp_decode_control(b, 16, NULL, &n), PPTP_DECODE_SIZE_MISMATCH);
	assert_int_equal(n, 0);
	assert_int_equal(pptp_decode_control(b, 12, NULL, &n), PPTP_DECODE_SIZE_MISMATCH);

	/* an SCCRP that claims to be 16 bytes */
	memcpy(b, sccrp_bytes, 156);
	b[0] = 0; b[1] = 16;
	assert_int_equal(pptp_decode_control(b, 156, NULL, &n), PPTP_DECODE_SIZE_MISMATCH);

	/* a header alone calling itself an Echo-Reply */
	memcpy(b, (const uint8_t[]){ HDR(12, 6) }, 12);
	assert_int_equal(pptp_decode_control(b, 12, NULL, &n), PPTP_DECODE_SIZE_MISMATCH);

	/* Echo-Reply one byte short */
	memcpy(b, echorp_bytes, 20);
	b[1] = 19;
	assert_int_equal(pptp_decode_control(b, 20, NULL, &n), PPTP_DECODE_SIZE_MISMATCH);
}

static void
pptp_wire_test_decode_bad_magic(void **state)
{
	uint8_t b[16];

	(void)state;
	for (int i = 4; i < 8; i++) {
		memcpy(b, echorq_bytes, 16);
		b[i] ^= 0x01;
		assert_int_equal(pptp_decode_control(b, 16, NULL, NULL), PPTP_DECODE_BAD_MAGIC);
		assert_int_equal(pptp_decode_control(b, 12, NULL, NULL), PPTP_DECODE_BAD_MAGIC);
	}
	/* byte-swapped magic, as a little-endian peer would send */
	memcpy(b, echorq_bytes, 16);
	memcpy(b + 4, (const uint8_t[]){ 0x4d, 0x3c, 0x2b, 0x1a }, 4);
	assert_int_equal(pptp_decode_control(b, 16, NULL, NULL), PPTP_DECODE_BAD_MAGIC);
}

static void
pptp_wire_test_decode_bad_message_type(void **state)
{
	uint8_t b[16];

	(void)state;
	memcpy(b, echorq_bytes, 16);
	b[3] = 2;	/* management message: not in use */
	assert_int_equal(pptp_decode_control(b, 16, NULL, NULL), PPTP_DECODE_BAD_MESSAGE_TYPE);
	b[2] = 1; b[3] = 1;
	assert_int_equal(pptp_decode_control(b, 16, NULL, NULL), PPTP_DECODE_BAD_MESSAGE_TYPE);
}

static void
pptp_wire_test_decode_unknown_type(void **state)
{
	uint8_t b[16];
	static const uint16_t types[] = { 0, 16, 17, 0x0100, 0xffff };

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memcpy(b, echorq_bytes, 16);
		b[8] = (uint8_t)(types[i] >> 8);
		b[9] = (uint8_t)types[i];
		assert_int_equal(pptp_decode_control(b, 16, NULL, NULL), PPTP_DECODE_UNKNOWN_TYPE);
	}
}

static void
pptp_wire_test_decode_check_order(void **state)
{
	uint8_t b[16];

	(void)state;
	/* everything wrong at once: Length wins */
	memcpy(b, (const uint8_t[]){ 0x00, 0x05, 0x00, 0x02, 0, 0, 0, 0, 0x00, 0x63, 0, 0 }, 12);
	assert_int_equal(pptp_decode_control(b, 12, NULL, NULL), PPTP_DECODE_BAD_LENGTH);
	/* then the message type */
	b[1] = 16;
	assert_int_equal(pptp_decode_control(b, 12, NULL, NULL), PPTP_DECODE_BAD_MESSAGE_TYPE);
	/* then the magic */
	b[3] = 1;
	assert_int_equal(pptp_decode_control(b, 12, NULL, NULL), PPTP_DECODE_BAD_MAGIC);
	/* then the control message type */
	memcpy(b + 4, (const uint8_t[]){ 0x1a, 0x2b, 0x3c, 0x4d }, 4);
	assert_int_equal(pptp_decode_control(b, 12, NULL, NULL), PPTP_DECODE_UNKNOWN_TYPE);
	/* then the size; Echo-Reply is 20 */
	b[9] = 6;
	assert_int_equal(pptp_decode_control(b, 12, NULL, NULL), PPTP_DECODE_SIZE_MISMATCH);
	/* and only then completeness */
	b[9] = 5;
	assert_int_equal(pptp_decode_control(b, 12, NULL, NULL), PPTP_DECODE_NEED_MORE);
}

static void
pptp_wire_test_decode_back_to_back(void **state)
{
	uint8_t b[16 + 156 + 20 + 5];
	struct pptp_ctrl_msg m;
	size_t off = 0, n;

	(void)state;
	memcpy(b, echorq_bytes, 16);
	memcpy(b + 16, sccrp_bytes, 156);
	memcpy(b + 172, echorp_bytes, 20);
	memcpy(b + 192, stopccrq_bytes, 5);	/* a partial fourth one */

	assert_int_equal(pptp_decode_control(b + off, sizeof(b) - off, &m, &n), PPTP_DECODE_OK);
	assert_int_equal(n, 16);
	assert_int_equal(m.type, PPTP_CTRL_ECHORQ);
	assert_int_equal(m.u.echorq.id, 0xdeadbeef);
	off += n;
	assert_int_equal(pptp_decode_control(b + off, sizeof(b) - off, &m, &n), PPTP_DECODE_OK);
	assert_int_equal(n, 156);
	assert_int_equal(m.type, PPTP_CTRL_SCCRP);
	assert_string_equal(m.u.sccrp.host_name, "local");
	off += n;
	assert_int_equal(pptp_decode_control(b + off, sizeof(b) - off, &m, &n), PPTP_DECODE_OK);
	assert_int_equal(n, 20);
	assert_int_equal(m.type, PPTP_CTRL_ECHORP);
	off += n;
	assert_int_equal(pptp_decode_control(b + off, sizeof(b) - off, &m, &n),
			 PPTP_DECODE_NEED_MORE);
	assert_int_equal(n, 12);
	assert_int_equal(off, 192);
}

static void
pptp_wire_test_round_trip(void **state)
{
	uint8_t b[32];
	struct pptp_ctrl_msg m;

	(void)state;
	decode_ok(b, pptp_encode_echorq(b, sizeof(b), 7), &m);
	assert_int_equal(m.u.echorq.id, 7);
	decode_ok(b, pptp_encode_echorp(b, sizeof(b), 0xffffffff, 1, 0), &m);
	assert_int_equal(m.u.echorp.id, 0xffffffff);
	assert_int_equal(m.u.echorp.result, 1);
	decode_ok(b, pptp_encode_stopccrq(b, sizeof(b), 1), &m);
	assert_int_equal(m.u.stopccrq.reason, 1);
	decode_ok(b, pptp_encode_stopccrp(b, sizeof(b), 1, 0), &m);
	assert_int_equal(m.u.stopccrp.result, 1);
}

static void
pptp_wire_test_names(void **state)
{
	(void)state;
	assert_string_equal(pptp_decode_status_names[PPTP_DECODE_OK], "ok");
	assert_string_equal(pptp_decode_status_names[PPTP_DECODE_NEED_MORE], "need-more");
	assert_string_equal(pptp_decode_status_names[PPTP_DECODE_BAD_LENGTH], "bad-length");
	assert_string_equal(pptp_decode_status_names[PPTP_DECODE_BAD_MESSAGE_TYPE],
			    "bad-message-type");
	assert_string_equal(pptp_decode_status_names[PPTP_DECODE_BAD_MAGIC], "bad-magic");
	assert_string_equal(pptp_decode_status_names[PPTP_DECODE_UNKNOWN_TYPE], "unknown-type");
	assert_string_equal(pptp_decode_status_names[PPTP_DECODE_SIZE_MISMATCH], "size-mismatch");

	for (int t = 1; t < PPTP_CTRL_TYPE__COUNT; t++) {
		assert_non_null(pptp_ctrl_type_names[t]);
		assert_true(pptp_ctrl_type_sizes[t] >= 12);
		assert_true(pptp_ctrl_type_sizes[t] <= PPTP_CONTROL_MAX_LEN);
	}
	assert_string_equal(PPTP_NAME(pptp_ctrl_type_names, 2), "start-control-connection-reply");
	assert_string_equal(PPTP_NAME(pptp_ctrl_type_names, 14), "wan-error-notify");
	assert_string_equal(PPTP_NAME(pptp_ctrl_type_names, 16), "unknown");
	assert_string_equal(PPTP_NAME(pptp_sccrp_result_names, 1), "ok");
	assert_string_equal(PPTP_NAME(pptp_sccrp_result_names, 4), "not-authorized");
	assert_string_equal(PPTP_NAME(pptp_sccrp_result_names, 6), "unknown");
	assert_string_equal(PPTP_NAME(pptp_echo_result_names, 2), "general-error");
	assert_string_equal(PPTP_NAME(pptp_echo_result_names, 255), "unknown");
	assert_string_equal(PPTP_NAME(pptp_ocrp_result_names, 3), "no-carrier");
	assert_string_equal(PPTP_NAME(pptp_ocrp_result_names, 7), "do-not-accept");
	assert_string_equal(PPTP_NAME(pptp_general_error_names, 0), "none");
	assert_string_equal(PPTP_NAME(pptp_general_error_names, 6), "pac-error");
	assert_string_equal(PPTP_NAME(pptp_stop_reason_names, 3), "local-shutdown");
}

/* ---- Outgoing-Call-Request, Call-Clear-Request ---- */

static void
pptp_wire_test_encode_ocrq(void **state)
{
	uint8_t want[168] = {
		HDR(168, 7),
		0x42, 0x42,			/* 12 call ID */
		0x00, 0x07,			/* 14 call serial */
		0x00, 0x00, 0x01, 0x2c,		/* 16 min bps 300 */
		0x05, 0xf5, 0xe1, 0x00,		/* 20 max bps 100000000 */
		0x00, 0x00, 0x00, 0x03,		/* 24 bearer type: any */
		0x00, 0x00, 0x00, 0x03,		/* 28 framing type: any */
		0x00, 0x40,			/* 32 recv window 64 */
		0x00, 0x00,			/* 34 processing delay */
		0x00, 0x00,			/* 36 phone number length */
		0x00, 0x00,			/* 38 reserved */
						/* 40 phone, 104 subaddress: empty */
	};
	uint8_t buf[200];
	struct pptp_ctrl_msg m;

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(pptp_encode_ocrq(buf, sizeof(buf), 0x4242, 7), 168);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(buf[168], 0xaa);
	/* it decodes as an OCRQ (header only: a client never receives one) */
	decode_ok(buf, 168, &m);
	assert_int_equal(m.type, PPTP_CTRL_OCRQ);
	assert_int_equal(pptp_encode_ocrq(buf, 167, 1, 1), 0);
	assert_int_equal(pptp_encode_ocrq(NULL, 200, 1, 1), 0);
}

static void
pptp_wire_test_encode_ccrq(void **state)
{
	static const uint8_t want[16] = {
		HDR(16, 12),
		0x42, 0x42,			/* 12 call ID */
		0x00, 0x00,			/* 14 reserved */
	};
	uint8_t buf[32];
	struct pptp_ctrl_msg m;

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(pptp_encode_ccrq(buf, sizeof(buf), 0x4242), 16);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(buf[16], 0xaa);
	decode_ok(buf, 16, &m);
	assert_int_equal(m.type, PPTP_CTRL_CCRQ);
	assert_int_equal(pptp_encode_ccrq(buf, 15, 1), 0);
}

/* The OCRP exactly as captured in protocols.md section 6 (call ID 0, peer
 * 0x4242, connected, speed 100000000, window 64). */
static void
pptp_wire_test_decode_ocrp_capture(void **state)
{
	static const uint8_t b[32] = {
		0x00, 0x20, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x08, 0x00, 0x00,
		0x00, 0x00, 0x42, 0x42, 0x01, 0x00, 0x00, 0x00,
		0x05, 0xf5, 0xe1, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	struct pptp_ctrl_msg m;

	(void)state;
	decode_ok(b, sizeof(b), &m);
	assert_int_equal(m.type, PPTP_CTRL_OCRP);
	assert_int_equal(m.u.ocrp.call_id, 0);
	assert_int_equal(m.u.ocrp.peer_call_id, 0x4242);
	assert_int_equal(m.u.ocrp.result, 1);
	assert_int_equal(m.u.ocrp.connect_speed, 100000000);
	assert_int_equal(m.u.ocrp.recv_window, 64);
}

/* ---- the capture of protocols.md section 6 ---- */

/* C> our GRE: call ID 0 (the server's), seq 0, LCP Configure-Request with
 * magic 0x1337beef */
static const uint8_t gre_client[] = {
	0x30, 0x01, 0x88, 0x0b, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x0a, 0x05, 0x06, 0x13, 0x37, 0xbe, 0xef,
};

/* S< the server's Configure-Request to call ID 0x4242 */
static const uint8_t gre_server_confreq[] = {
	0x30, 0x01, 0x88, 0x0b, 0x00, 0x1d, 0x42, 0x42, 0x00, 0x00, 0x00, 0x00,
	0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x19,
	0x02, 0x06, 0x00, 0x00, 0x00, 0x00,		/* ACCM 0 */
	0x03, 0x05, 0xc2, 0x23, 0x81,			/* auth MS-CHAPv2 */
	0x05, 0x06, 0xde, 0xad, 0xbe, 0xef,		/* magic */
	0x07, 0x02,					/* PFC */
	0x08, 0x02,					/* ACFC */
};

/* S< its Configure-Ack of ours, seq 1 ack 0 */
static const uint8_t gre_server_confack[] = {
	0x30, 0x81, 0x88, 0x0b, 0x00, 0x0e, 0x42, 0x42, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00,
	0xff, 0x03, 0xc0, 0x21, 0x02, 0x01, 0x00, 0x0a, 0x05, 0x06, 0x13, 0x37, 0xbe, 0xef,
};

/* Copy into a heap buffer of exactly len bytes (ASan sees any overread). */
static uint8_t *
exact(const uint8_t *b, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	if (len)
		memcpy(p, b, len);
	return p;
}

static void
pptp_wire_test_gre_encode_capture(void **state)
{
	uint8_t lcp[32], buf[64];
	size_t n;

	(void)state;
	n = pptp_lcp_encode_confreq(lcp, sizeof(lcp), 1, 0x1337beef);
	assert_int_equal(n, 14);
	assert_memory_equal(lcp, gre_client + 12, 14);
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(pptp_gre_encode(buf, sizeof(buf), 0, 0, false, 0, lcp, n),
			 sizeof(gre_client));
	assert_memory_equal(buf, gre_client, sizeof(gre_client));
	assert_int_equal(buf[sizeof(gre_client)], 0xaa);

	/* with an ack: the server's Configure-Ack, byte for byte */
	n = pptp_lcp_encode(lcp, sizeof(lcp), PPTP_LCP_CONF_ACK, 1, gre_client + 20, 6);
	assert_int_equal(n, 14);
	assert_int_equal(pptp_gre_encode(buf, sizeof(buf), 0x4242, 1, true, 0, lcp, n),
			 sizeof(gre_server_confack));
	assert_memory_equal(buf, gre_server_confack, sizeof(gre_server_confack));
}

static void
pptp_wire_test_gre_encode_small(void **state)
{
	uint8_t buf[64], lcp[14] = { 0 };

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(pptp_gre_encode(buf, 25, 1, 0, false, 0, lcp, 14), 0);
	assert_int_equal(pptp_gre_encode(buf, 29, 1, 0, true, 0, lcp, 14), 0);
	assert_int_equal(pptp_gre_encode(buf, 11, 1, 0, false, 0, NULL, 0), 0);
	assert_int_equal(pptp_gre_encode(NULL, 64, 1, 0, false, 0, NULL, 0), 0);
	assert_int_equal(pptp_gre_encode(buf, 64, 1, 0, false, 0, lcp, 0x10000), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xaa);
	/* exactly enough */
	assert_int_equal(pptp_gre_encode(buf, 26, 1, 0, false, 0, lcp, 14), 26);
	assert_int_equal(pptp_gre_encode(buf, 12, 1, 5, false, 0, NULL, 0), 12);
	assert_int_equal(buf[5], 0);
}

static void
pptp_wire_test_gre_decode_capture(void **state)
{
	struct pptp_gre g;

	(void)state;
	assert_int_equal(pptp_gre_decode(gre_client, sizeof(gre_client), &g), PPTP_GRE_OK);
	assert_true(g.has_call_id);
	assert_int_equal(g.call_id, 0);
	assert_true(g.has_seq);
	assert_false(g.has_ack);
	assert_int_equal(g.seq, 0);
	assert_int_equal(g.header_len, 12);
	assert_int_equal(g.payload_len, 14);
	assert_ptr_equal(g.payload, gre_client + 12);

	assert_int_equal(pptp_gre_decode(gre_server_confreq, sizeof(gre_server_confreq), &g),
			 PPTP_GRE_OK);
	assert_int_equal(g.call_id, 0x4242);
	assert_int_equal(g.payload_len, 29);
	assert_int_equal(g.seq, 0);

	assert_int_equal(pptp_gre_decode(gre_server_confack, sizeof(gre_server_confack), &g),
			 PPTP_GRE_OK);
	assert_int_equal(g.call_id, 0x4242);
	assert_true(g.has_seq);
	assert_true(g.has_ack);
	assert_int_equal(g.seq, 1);
	assert_int_equal(g.ack, 0);
	assert_int_equal(g.header_len, 16);
	assert_int_equal(g.payload_len, 14);
	assert_ptr_equal(g.payload, gre_server_confack + 16);
	assert_int_equal(pptp_gre_decode(gre_client, sizeof(gre_client), NULL), PPTP_GRE_OK);
}

static void
pptp_wire_test_gre_decode_ack_only(void **state)
{
	/* flags 0x20 with A: no sequence, ack at offset 8, no payload */
	static const uint8_t b[12] = {
		0x20, 0x81, 0x88, 0x0b, 0x00, 0x00, 0x42, 0x42, 0x00, 0x00, 0x00, 0x07,
	};
	struct pptp_gre g;

	(void)state;
	assert_int_equal(pptp_gre_decode(b, sizeof(b), &g), PPTP_GRE_OK);
	assert_false(g.has_seq);
	assert_true(g.has_ack);
	assert_int_equal(g.ack, 7);
	assert_int_equal(g.header_len, 12);
	assert_int_equal(g.payload_len, 0);
	/* the same cut before the ack */
	assert_int_equal(pptp_gre_decode(b, 11, &g), PPTP_GRE_TRUNCATED);
	assert_true(g.has_call_id);
	assert_int_equal(g.call_id, 0x4242);
}

static void
pptp_wire_test_gre_decode_truncated(void **state)
{
	static const struct { const uint8_t *b; size_t len, hlen; } s[] = {
		{ gre_client, sizeof(gre_client), 12 },
		{ gre_server_confreq, sizeof(gre_server_confreq), 12 },
		{ gre_server_confack, sizeof(gre_server_confack), 16 },
	};
	struct pptp_gre g;

	(void)state;
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		for (size_t len = 0; len < s[i].len; len++) {
			uint8_t *p = exact(s[i].b, len);
			enum pptp_gre_status st = pptp_gre_decode(p, len, &g);

			if (len < s[i].hlen)
				assert_int_equal(st, PPTP_GRE_TRUNCATED);
			else	/* the payload length now lies */
				assert_int_equal(st, PPTP_GRE_BAD_LENGTH);
			assert_int_equal(g.has_call_id, len >= 8);
			free(p);
		}
	}
	assert_int_equal(pptp_gre_decode(NULL, 0, &g), PPTP_GRE_TRUNCATED);
}

static void
pptp_wire_test_gre_decode_lying_length(void **state)
{
	uint8_t b[sizeof(gre_client) + 4];
	struct pptp_gre g;

	(void)state;
	memcpy(b, gre_client, sizeof(gre_client));
	/* one byte more than there is */
	b[5] = 15;
	assert_int_equal(pptp_gre_decode(b, sizeof(gre_client), &g), PPTP_GRE_BAD_LENGTH);
	b[4] = 0xff; b[5] = 0xff;
	assert_int_equal(pptp_gre_decode(b, sizeof(gre_client), &g), PPTP_GRE_BAD_LENGTH);
	/* shorter than what follows: the rest is ignored */
	b[4] = 0; b[5] = 4;
	assert_int_equal(pptp_gre_decode(b, sizeof(gre_client), &g), PPTP_GRE_OK);
	assert_int_equal(g.payload_len, 4);
	/* trailing bytes after an honest length */
	memcpy(b, gre_client, sizeof(gre_client));
	memset(b + sizeof(gre_client), 0x55, 4);
	assert_int_equal(pptp_gre_decode(b, sizeof(b), &g), PPTP_GRE_OK);
	assert_int_equal(g.payload_len, 14);
}

static void
pptp_wire_test_gre_decode_bad_header(void **state)
{
	uint8_t b[sizeof(gre_client)];
	struct pptp_gre g;
	static const uint8_t bad0[] = { 0xb0, 0x70, 0x38, 0x31, 0x10, 0x00, 0x32 };

	(void)state;
	/* C, R, s, recursion, and K missing */
	for (size_t i = 0; i < sizeof(bad0); i++) {
		memcpy(b, gre_client, sizeof(b));
		b[0] = bad0[i];
		assert_int_equal(pptp_gre_decode(b, sizeof(b), &g), PPTP_GRE_BAD_FLAGS);
		assert_true(g.has_call_id);
	}
	/* byte 1's reserved bits */
	for (uint8_t bit = 0x08; bit <= 0x40; bit <<= 1) {
		memcpy(b, gre_client, sizeof(b));
		b[1] |= bit;
		assert_int_equal(pptp_gre_decode(b, sizeof(b), &g), PPTP_GRE_BAD_FLAGS);
	}
	/* version 0 (plain GRE), 2 and 7 */
	for (uint8_t v = 0; v < 8; v++) {
		if (v == 1)
			continue;
		memcpy(b, gre_client, sizeof(b));
		b[1] = v;
		assert_int_equal(pptp_gre_decode(b, sizeof(b), &g), PPTP_GRE_BAD_VERSION);
	}
	/* protocol: IPv4 over GRE, byte-swapped 0x880B */
	memcpy(b, gre_client, sizeof(b));
	b[2] = 0x08; b[3] = 0x00;
	assert_int_equal(pptp_gre_decode(b, sizeof(b), &g), PPTP_GRE_BAD_PROTOCOL);
	b[2] = 0x0b; b[3] = 0x88;
	assert_int_equal(pptp_gre_decode(b, sizeof(b), &g), PPTP_GRE_BAD_PROTOCOL);
	/* check order: version before flags before protocol */
	memset(b, 0xff, 8);
	assert_int_equal(pptp_gre_decode(b, sizeof(b), &g), PPTP_GRE_BAD_VERSION);
	b[1] = 0x01;
	assert_int_equal(pptp_gre_decode(b, sizeof(b), &g), PPTP_GRE_BAD_FLAGS);
	b[0] = 0x30;
	assert_int_equal(pptp_gre_decode(b, sizeof(b), &g), PPTP_GRE_BAD_PROTOCOL);
	assert_int_equal(g.call_id, 0xffff);
}

/* ---- IPv4 ---- */

static const uint8_t ipv4_hdr[20] = {
	0x45, 0x00, 0x00, 0x2e,		/* version 4, IHL 5, total 46 = 20 + 26 */
	0x12, 0x34, 0x40, 0x00,		/* id, DF */
	0x40, 0x2f, 0x00, 0x00,		/* TTL 64, protocol 47, checksum (unchecked) */
	0x7f, 0x00, 0x00, 0x01,		/* src 127.0.0.1 */
	0x7f, 0x00, 0x00, 0x02,		/* dst 127.0.0.2 */
};

static void
pptp_wire_test_ipv4_skip(void **state)
{
	uint8_t b[64];
	struct pptp_ipv4 ip;

	(void)state;
	memcpy(b, ipv4_hdr, 20);
	memcpy(b + 20, gre_client, sizeof(gre_client));
	assert_int_equal(pptp_ipv4_skip(b, 46, &ip), 0);
	assert_int_equal(ip.src, 0x7f000001);
	assert_int_equal(ip.dst, 0x7f000002);
	assert_int_equal(ip.protocol, 47);
	assert_int_equal(ip.header_len, 20);
	assert_int_equal(ip.payload_len, 26);
	assert_int_equal(pptp_gre_decode(b + ip.header_len, ip.payload_len, NULL), PPTP_GRE_OK);
	/* bytes past Total Length are not the payload's */
	assert_int_equal(pptp_ipv4_skip(b, sizeof(b), &ip), 0);
	assert_int_equal(ip.payload_len, 26);
	assert_int_equal(pptp_ipv4_skip(b, 46, NULL), 0);

	/* with 4 bytes of options: IHL 6 */
	memmove(b + 24, b + 20, 26);
	memset(b + 20, 0x01, 4);
	b[0] = 0x46;
	b[3] = 50;
	assert_int_equal(pptp_ipv4_skip(b, 50, &ip), 0);
	assert_int_equal(ip.header_len, 24);
	assert_int_equal(ip.payload_len, 26);
	assert_int_equal(b[ip.header_len], 0x30);
}

static void
pptp_wire_test_ipv4_skip_bad(void **state)
{
	uint8_t b[64];

	(void)state;
	for (size_t len = 0; len < 20; len++) {
		uint8_t *p = exact(ipv4_hdr, len);

		assert_int_equal(pptp_ipv4_skip(p, len, NULL), -1);
		free(p);
	}
	assert_int_equal(pptp_ipv4_skip(NULL, 40, NULL), -1);
	memset(b, 0, sizeof(b));
	memcpy(b, ipv4_hdr, 20);
	/* Total Length past the buffer */
	assert_int_equal(pptp_ipv4_skip(b, 45, NULL), -1);
	/* version 6 */
	b[0] = 0x65;
	assert_int_equal(pptp_ipv4_skip(b, 46, NULL), -1);
	/* IHL below 5, IHL past the buffer */
	b[0] = 0x44;
	assert_int_equal(pptp_ipv4_skip(b, 46, NULL), -1);
	b[0] = 0x4f;
	b[3] = 60;
	assert_int_equal(pptp_ipv4_skip(b, 59, NULL), -1);
	assert_int_equal(pptp_ipv4_skip(b, 60, NULL), 0);
	/* Total Length below the header */
	b[0] = 0x45;
	b[3] = 19;
	assert_int_equal(pptp_ipv4_skip(b, 46, NULL), -1);
	b[3] = 20;
	assert_int_equal(pptp_ipv4_skip(b, 46, NULL), 0);	/* empty payload is fine */
	/* fragments: MF, an offset */
	b[3] = 46;
	b[6] = 0x20;
	assert_int_equal(pptp_ipv4_skip(b, 46, NULL), -1);
	b[6] = 0x00; b[7] = 0x01;
	assert_int_equal(pptp_ipv4_skip(b, 46, NULL), -1);
	b[6] = 0x40; b[7] = 0x00;	/* DF alone is fine */
	assert_int_equal(pptp_ipv4_skip(b, 46, NULL), 0);
}

/* ---- LCP ---- */

static void
pptp_wire_test_lcp_decode_capture(void **state)
{
	struct pptp_lcp l;
	struct pptp_lcp_opt o;
	size_t off = 0;
	static const uint8_t types[] = { 2, 3, 5, 7, 8 };
	static const uint8_t lens[] = { 6, 5, 6, 2, 2 };

	(void)state;
	assert_int_equal(pptp_lcp_decode(gre_server_confreq + 12, 29, &l), PPTP_LCP_OK);
	assert_int_equal(l.code, PPTP_LCP_CONF_REQ);
	assert_int_equal(l.id, 1);
	assert_int_equal(l.length, 25);
	assert_int_equal(l.data_len, 21);
	for (size_t i = 0; i < sizeof(types); i++) {
		assert_int_equal(pptp_lcp_option_next(&l, &off, &o), 1);
		assert_int_equal(o.type, types[i]);
		assert_int_equal(o.len, lens[i]);
		if (o.type == PPTP_LCP_OPT_MAGIC)
			assert_memory_equal(o.data, "\xde\xad\xbe\xef", 4);
		if (o.type == PPTP_LCP_OPT_AUTH)
			assert_memory_equal(o.data, "\xc2\x23\x81", 3);
	}
	assert_int_equal(pptp_lcp_option_next(&l, &off, &o), 0);
	assert_int_equal(pptp_lcp_option_next(&l, &off, &o), 0);

	assert_int_equal(pptp_lcp_decode(gre_server_confack + 16, 14, &l), PPTP_LCP_OK);
	assert_int_equal(l.code, PPTP_LCP_CONF_ACK);
	assert_string_equal(PPTP_NAME(pptp_lcp_code_names, l.code), "configure-ack");
	assert_int_equal(pptp_lcp_decode(gre_client + 12, 14, NULL), PPTP_LCP_OK);
}

static void
pptp_wire_test_lcp_decode_truncated(void **state)
{
	const uint8_t *frame = gre_server_confreq + 12;

	(void)state;
	for (size_t len = 0; len < 29; len++) {
		uint8_t *p = exact(frame, len);
		struct pptp_lcp l;

		assert_int_equal(pptp_lcp_decode(p, len, &l),
				 len < 8 ? PPTP_LCP_TRUNCATED : PPTP_LCP_BAD_LENGTH);
		free(p);
	}
	assert_int_equal(pptp_lcp_decode(NULL, 0, NULL), PPTP_LCP_TRUNCATED);
}

static void
pptp_wire_test_lcp_decode_bad(void **state)
{
	uint8_t b[32];
	struct pptp_lcp l;

	(void)state;
	memcpy(b, gre_client + 12, 14);
	/* Length below the header, one past the buffer, 0xffff */
	b[7] = 3;
	assert_int_equal(pptp_lcp_decode(b, 14, &l), PPTP_LCP_BAD_LENGTH);
	b[7] = 11;
	assert_int_equal(pptp_lcp_decode(b, 14, &l), PPTP_LCP_BAD_LENGTH);
	b[6] = 0xff; b[7] = 0xff;
	assert_int_equal(pptp_lcp_decode(b, 14, &l), PPTP_LCP_BAD_LENGTH);
	/* a header alone is a valid (empty) frame */
	b[6] = 0; b[7] = 4;
	assert_int_equal(pptp_lcp_decode(b, 14, &l), PPTP_LCP_OK);
	assert_int_equal(l.data_len, 0);
	/* padding past Length is not data */
	b[7] = 6;
	assert_int_equal(pptp_lcp_decode(b, 14, &l), PPTP_LCP_OK);
	assert_int_equal(l.data_len, 2);
	/* not LCP: IPCP, compressed address/control, another address */
	memcpy(b, gre_client + 12, 14);
	b[2] = 0x80; b[3] = 0x21;
	assert_int_equal(pptp_lcp_decode(b, 14, &l), PPTP_LCP_NOT_LCP);
	memcpy(b, gre_client + 14, 12);
	assert_int_equal(pptp_lcp_decode(b, 12, &l), PPTP_LCP_NOT_LCP);
	memcpy(b, gre_client + 12, 14);
	b[0] = 0xfe;
	assert_int_equal(pptp_lcp_decode(b, 14, &l), PPTP_LCP_NOT_LCP);
	b[0] = 0xff; b[1] = 0x13;
	assert_int_equal(pptp_lcp_decode(b, 14, &l), PPTP_LCP_NOT_LCP);
}

/* Walk options over data of exactly the given bytes (heap, ASan-checked). */
static int
walk(const uint8_t *opts, size_t len, int *count)
{
	uint8_t *p = exact(opts, len);
	struct pptp_lcp l = { .code = 1, .data = p, .data_len = len };
	struct pptp_lcp_opt o;
	size_t off = 0;
	int rc;

	*count = 0;
	while ((rc = pptp_lcp_option_next(&l, &off, &o)) == 1) {
		assert_true(o.len >= 2);
		assert_true(o.data + o.len - 2 <= p + len);
		(*count)++;
	}
	free(p);
	return rc;
}

static void
pptp_wire_test_lcp_options_bad(void **state)
{
	int n;

	(void)state;
	/* option length 0 would loop forever, 1 is below its own header */
	assert_int_equal(walk((const uint8_t[]){ 0x05, 0x00, 0, 0, 0, 0 }, 6, &n), -1);
	assert_int_equal(n, 0);
	assert_int_equal(walk((const uint8_t[]){ 0x05, 0x01, 0, 0, 0, 0 }, 6, &n), -1);
	/* one past the end, after a good option */
	assert_int_equal(walk((const uint8_t[]){ 0x07, 0x02, 0x05, 0x07, 1, 2, 3, 4 }, 8, &n), -1);
	assert_int_equal(n, 1);
	/* a lone type byte */
	assert_int_equal(walk((const uint8_t[]){ 0x07, 0x02, 0x05 }, 3, &n), -1);
	assert_int_equal(n, 1);
	/* 255 claimed, 4 there */
	assert_int_equal(walk((const uint8_t[]){ 0x01, 0xff, 0x05, 0xdc }, 4, &n), -1);
	/* good: exactly filled, and empty */
	assert_int_equal(walk((const uint8_t[]){ 0x01, 0x04, 0x05, 0xdc, 0x07, 0x02 }, 6, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(walk(NULL, 0, &n), 0);
	assert_int_equal(n, 0);
	/* every truncation of the captured options */
	for (size_t len = 0; len <= 21; len++) {
		int rc = walk(gre_server_confreq + 20, len, &n);

		assert_true(rc == 0 || rc == -1);
		if (len == 0 || len == 6 || len == 11 || len == 17 || len == 19 || len == 21)
			assert_int_equal(rc, 0);
		else
			assert_int_equal(rc, -1);
	}
}

static void
pptp_wire_test_lcp_encode(void **state)
{
	uint8_t buf[32];
	static const uint8_t echo[] = {
		0xff, 0x03, 0xc0, 0x21, 0x09, 0x07, 0x00, 0x08, 0xde, 0xad, 0xbe, 0xef,
	};

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(pptp_lcp_encode(buf, sizeof(buf), PPTP_LCP_ECHO_REQ, 7,
					 (const uint8_t *)"\xde\xad\xbe\xef", 4), 12);
	assert_memory_equal(buf, echo, sizeof(echo));
	assert_int_equal(buf[12], 0xaa);
	assert_int_equal(pptp_lcp_encode(buf, 11, PPTP_LCP_ECHO_REQ, 7, echo, 4), 0);
	assert_int_equal(pptp_lcp_encode_confreq(buf, 13, 1, 1), 0);
	assert_int_equal(pptp_lcp_encode(buf, 8, PPTP_LCP_TERM_REQ, 2, NULL, 0), 8);
	assert_memory_equal(buf, "\xff\x03\xc0\x21\x05\x02\x00\x04", 8);
}

/* ---- HDLC ---- */

/* The client's Configure-Request as it crosses the pty: every control
 * character escaped (ACCM 0xffffffff), FCS 0x34c9 least significant first. */
static const uint8_t hdlc_confreq[26] = {
	0x7e, 0xff, 0x7d, 0x23, 0xc0, 0x21, 0x7d, 0x21, 0x7d, 0x21, 0x7d, 0x20, 0x7d, 0x2a,
	0x7d, 0x25, 0x7d, 0x26, 0x7d, 0x33, 0x37, 0xbe, 0xef, 0xc9, 0x34, 0x7e,
};

static void
pptp_wire_test_fcs16(void **state)
{
	uint8_t b[16];
	uint16_t fcs;

	(void)state;
	/* the CRC-16/X-25 check value */
	assert_int_equal((uint16_t)~pptp_fcs16(PPTP_FCS16_INIT, (const uint8_t *)"123456789", 9),
			 0x906e);
	/* RFC 1662: the FCS over a frame and its own FCS is the good value */
	memcpy(b, gre_client + 12, 14);
	fcs = (uint16_t)~pptp_fcs16(PPTP_FCS16_INIT, b, 14);
	assert_int_equal(fcs, 0x34c9);
	b[14] = (uint8_t)fcs;
	b[15] = (uint8_t)(fcs >> 8);
	assert_int_equal(pptp_fcs16(PPTP_FCS16_INIT, b, 16), PPTP_FCS16_GOOD);
	assert_int_equal(PPTP_FCS16_GOOD, 0xf0b8);
	assert_int_equal(pptp_fcs16(0x1234, NULL, 0), 0x1234);
}

static void
pptp_wire_test_hdlc_encode(void **state)
{
	uint8_t buf[64];

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(pptp_hdlc_encode(buf, sizeof(buf), gre_client + 12, 14),
			 sizeof(hdlc_confreq));
	assert_memory_equal(buf, hdlc_confreq, sizeof(hdlc_confreq));
	assert_int_equal(buf[sizeof(hdlc_confreq)], 0xaa);
	/* the worst case must fit, even when the actual frame is shorter */
	assert_int_equal(pptp_hdlc_encode(buf, 2 * (14 + 2) + 1, gre_client + 12, 14), 0);
	assert_int_equal(pptp_hdlc_encode(buf, 2 * (14 + 2) + 2, gre_client + 12, 14), 26);
	assert_int_equal(pptp_hdlc_encode(NULL, 64, gre_client + 12, 14), 0);
}

/* Feed everything, collecting frames; returns the count, checks statuses. */
static int
deframe(const uint8_t *in, size_t len, size_t chunk, uint8_t frames[][64], size_t *lens,
	enum pptp_hdlc_status *drops, int *n_drops)
{
	static struct pptp_hdlc h;
	size_t off = 0, end, used;
	const uint8_t *f;
	size_t flen;
	enum pptp_hdlc_status st;
	int n = 0;

	pptp_hdlc_init(&h);
	*n_drops = 0;
	while (off < len) {
		end = off + chunk < len ? off + chunk : len;
		while (off < end) {
			st = pptp_hdlc_feed(&h, in + off, end - off, &used, &f, &flen);
			assert_true(used >= 1 && used <= end - off);
			off += used;
			if (st == PPTP_HDLC_FRAME) {
				assert_true(flen <= 64);
				memcpy(frames[n], f, flen);
				lens[n++] = flen;
			} else if (st != PPTP_HDLC_NEED_MORE) {
				drops[(*n_drops)++] = st;
			} else {
				assert_int_equal(off, end);
			}
		}
	}
	return n;
}

static void
pptp_wire_test_hdlc_deframe(void **state)
{
	uint8_t in[128], frames[4][64];
	size_t lens[4], n;
	enum pptp_hdlc_status drops[4];
	int nd;
	uint8_t odd[12] = { 0xff, 0x03, 0xc0, 0x21, 0x09, 0x7e, 0x00, 0x08, 0x7d, 0x7e, 0x20, 0x1f };

	(void)state;
	/* two frames back to back sharing no flag, with idle flags between, fed
	 * whole and one byte at a time */
	n = 0;
	memcpy(in, hdlc_confreq, 26);
	n += 26;
	in[n++] = 0x7e;
	n += pptp_hdlc_encode(in + n, sizeof(in) - n, odd, sizeof(odd));
	for (size_t chunk = 1; chunk <= n; chunk += (chunk < 3 ? 1 : n)) {
		assert_int_equal(deframe(in, n, chunk, frames, lens, drops, &nd), 2);
		assert_int_equal(nd, 0);
		assert_int_equal(lens[0], 14);
		assert_memory_equal(frames[0], gre_client + 12, 14);
		assert_int_equal(lens[1], sizeof(odd));
		assert_memory_equal(frames[1], odd, sizeof(odd));
	}
	/* no leading flag, one flag shared between the two frames */
	memcpy(in, hdlc_confreq + 1, 25);
	memcpy(in + 25, hdlc_confreq + 1, 25);
	assert_int_equal(deframe(in, 50, 50, frames, lens, drops, &nd), 2);
	assert_int_equal(nd, 0);
}

static void
pptp_wire_test_hdlc_deframe_bad(void **state)
{
	uint8_t in[4096], frames[4][64];
	size_t lens[4];
	enum pptp_hdlc_status drops[4];
	int nd;

	(void)state;
	/* a flipped bit: bad FCS */
	memcpy(in, hdlc_confreq, 26);
	in[21] ^= 0x01;
	assert_int_equal(deframe(in, 26, 26, frames, lens, drops, &nd), 0);
	assert_int_equal(nd, 1);
	assert_int_equal(drops[0], PPTP_HDLC_BAD_FCS);
	/* too short to hold an FCS */
	memcpy(in, (const uint8_t[]){ 0x7e, 0x01, 0x02, 0x03, 0x7e }, 5);
	assert_int_equal(deframe(in, 5, 5, frames, lens, drops, &nd), 0);
	assert_int_equal(drops[0], PPTP_HDLC_TOO_SHORT);
	/* an escape right before the flag (abort): no bytes, no frame */
	memcpy(in, (const uint8_t[]){ 0x7e, 0x7d, 0x7e, 0x7e }, 4);
	assert_int_equal(deframe(in, 4, 1, frames, lens, drops, &nd), 0);
	assert_int_equal(nd, 0);
	/* longer than the MRU, then a good frame still gets through */
	in[0] = 0x7e;
	memset(in + 1, 0x41, PPTP_HDLC_MRU + 10);
	memcpy(in + 1 + PPTP_HDLC_MRU + 10, hdlc_confreq, 26);
	assert_int_equal(deframe(in, PPTP_HDLC_MRU + 37, 700, frames, lens, drops, &nd), 1);
	assert_int_equal(nd, 1);
	assert_int_equal(drops[0], PPTP_HDLC_TOO_LONG);
	assert_memory_equal(frames[0], gre_client + 12, 14);
	assert_string_equal(pptp_hdlc_status_names[PPTP_HDLC_BAD_FCS], "hdlc-bad-fcs");
}

static void
pptp_wire_test_new_names(void **state)
{
	(void)state;
	assert_string_equal(pptp_gre_status_names[PPTP_GRE_OK], "ok");
	assert_string_equal(pptp_gre_status_names[PPTP_GRE_TRUNCATED], "gre-truncated");
	assert_string_equal(pptp_gre_status_names[PPTP_GRE_BAD_VERSION], "gre-bad-version");
	assert_string_equal(pptp_gre_status_names[PPTP_GRE_BAD_FLAGS], "gre-bad-flags");
	assert_string_equal(pptp_gre_status_names[PPTP_GRE_BAD_PROTOCOL], "gre-bad-protocol");
	assert_string_equal(pptp_gre_status_names[PPTP_GRE_BAD_LENGTH], "gre-bad-length");
	assert_string_equal(pptp_lcp_status_names[PPTP_LCP_TRUNCATED], "lcp-truncated");
	assert_string_equal(pptp_lcp_status_names[PPTP_LCP_NOT_LCP], "lcp-not-lcp");
	assert_string_equal(pptp_lcp_status_names[PPTP_LCP_BAD_LENGTH], "lcp-bad-length");
	assert_string_equal(PPTP_NAME(pptp_lcp_code_names, 1), "configure-request");
	assert_string_equal(PPTP_NAME(pptp_lcp_code_names, 10), "echo-reply");
	assert_string_equal(PPTP_NAME(pptp_lcp_code_names, 12), "unknown");
	assert_string_equal(pptp_hdlc_status_names[PPTP_HDLC_TOO_LONG], "hdlc-too-long");
	for (int i = 1; i < PPTP_LCP_CODE__COUNT; i++)
		assert_non_null(pptp_lcp_code_names[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pptp_wire_test_encode_sccrq),
		cmocka_unit_test(pptp_wire_test_encode_sccrq_long_host),
		cmocka_unit_test(pptp_wire_test_encode_small),
		cmocka_unit_test(pptp_wire_test_encode_echo),
		cmocka_unit_test(pptp_wire_test_encode_stop),
		cmocka_unit_test(pptp_wire_test_decode_sccrp),
		cmocka_unit_test(pptp_wire_test_decode_sccrp_fields),
		cmocka_unit_test(pptp_wire_test_decode_echo),
		cmocka_unit_test(pptp_wire_test_decode_stop),
		cmocka_unit_test(pptp_wire_test_decode_ocrp),
		cmocka_unit_test(pptp_wire_test_decode_cdn_sli),
		cmocka_unit_test(pptp_wire_test_decode_header_only),
		cmocka_unit_test(pptp_wire_test_decode_null_outputs),
		cmocka_unit_test(pptp_wire_test_decode_truncated),
		cmocka_unit_test(pptp_wire_test_decode_bad_length),
		cmocka_unit_test(pptp_wire_test_decode_lying_length),
		cmocka_unit_test(pptp_wire_test_decode_bad_magic),
		cmocka_unit_test(pptp_wire_test_decode_bad_message_type),
		cmocka_unit_test(pptp_wire_test_decode_unknown_type),
		cmocka_unit_test(pptp_wire_test_decode_check_order),
		cmocka_unit_test(pptp_wire_test_decode_back_to_back),
		cmocka_unit_test(pptp_wire_test_round_trip),
		cmocka_unit_test(pptp_wire_test_names),
		cmocka_unit_test(pptp_wire_test_encode_ocrq),
		cmocka_unit_test(pptp_wire_test_encode_ccrq),
		cmocka_unit_test(pptp_wire_test_decode_ocrp_capture),
		cmocka_unit_test(pptp_wire_test_gre_encode_capture),
		cmocka_unit_test(pptp_wire_test_gre_encode_small),
		cmocka_unit_test(pptp_wire_test_gre_decode_capture),
		cmocka_unit_test(pptp_wire_test_gre_decode_ack_only),
		cmocka_unit_test(pptp_wire_test_gre_decode_truncated),
		cmocka_unit_test(pptp_wire_test_gre_decode_lying_length),
		cmocka_unit_test(pptp_wire_test_gre_decode_bad_header),
		cmocka_unit_test(pptp_wire_test_ipv4_skip),
		cmocka_unit_test(pptp_wire_test_ipv4_skip_bad),
		cmocka_unit_test(pptp_wire_test_lcp_decode_capture),
		cmocka_unit_test(pptp_wire_test_lcp_decode_truncated),
		cmocka_unit_test(pptp_wire_test_lcp_decode_bad),
		cmocka_unit_test(pptp_wire_test_lcp_options_bad),
		cmocka_unit_test(pptp_wire_test_lcp_encode),
		cmocka_unit_test(pptp_wire_test_fcs16),
		cmocka_unit_test(pptp_wire_test_hdlc_encode),
		cmocka_unit_test(pptp_wire_test_hdlc_deframe),
		cmocka_unit_test(pptp_wire_test_hdlc_deframe_bad),
		cmocka_unit_test(pptp_wire_test_new_names),
	};

	return cmocka_run_group_tests_name("pptp_wire", tests, NULL, NULL);
}
