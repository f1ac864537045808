/*
 * test_pptp_wire.c - the PPTP control codec against hand-written bytes.
 *
 * Every expected byte string below is written out from the layouts in
 * protocols.md section 3 (RFC 2637), not produced by the encoder, so an
 * offset mistake in pptp_wire.c cannot hide behind a round trip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
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
	};

	return cmocka_run_group_tests_name("pptp_wire", tests, NULL, NULL);
}
