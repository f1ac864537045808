/*
 * fuzz_lcp.c - libFuzzer target for the LCP decoder and option walk and for
 * the incremental HDLC deframer (RFC 1662) that tests/lab/fake-pppd.c runs
 * on its pty.
 *
 * The input is decoded as one LCP frame, then fed to the deframer in chunks
 * whose sizes come from the input itself, so that frames split at every
 * possible point are covered.  Each frame the deframer accepts must be
 * inside the MRU, must survive a re-encode/deframe round trip unchanged, and
 * is decoded as LCP in turn.  A broken promise aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pptp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_lcp(const uint8_t *b, size_t len)
{
	struct pptp_lcp l;
	struct pptp_lcp_opt o;
	size_t off = 0, steps = 0;
	int rc;

	if (pptp_lcp_decode(b, len, &l) != PPTP_LCP_OK)
		return;
	if (l.data != b + 8 || l.data_len + 8 > len)
		abort();
	while ((rc = pptp_lcp_option_next(&l, &off, &o)) == 1) {
		if (o.len < 2 || o.data + (o.len - 2) > l.data + l.data_len)
			abort();
		if (++steps > l.data_len)
			abort();
	}
	if (rc != 0 && rc != -1)
		abort();
}

/* Re-frame a frame the deframer accepted: it must come back the same. */
static void
fuzz_round_trip(const uint8_t *frame, size_t len)
{
	static uint8_t enc[2 * (PPTP_HDLC_MRU + 2) + 2];
	static struct pptp_hdlc h2;
	const uint8_t *f;
	size_t n, used, flen;

	n = pptp_hdlc_encode(enc, sizeof(enc), frame, len);
	if (n == 0)
		abort();
	pptp_hdlc_init(&h2);
	if (pptp_hdlc_feed(&h2, enc, n, &used, &f, &flen) != PPTP_HDLC_FRAME ||
	    used != n || flen != len || memcmp(f, frame, len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pptp_hdlc h;
	static uint8_t copy[PPTP_HDLC_MRU];
	enum pptp_hdlc_status st;
	const uint8_t *frame;
	size_t off = 0, chunk, end, used, flen;

	fuzz_lcp(data, size);
	pptp_hdlc_init(&h);
	while (off < size) {
		chunk = (size_t)(data[off] % 32) + 1;
		end = off + chunk < size ? off + chunk : size;
		while (off < end) {
			st = pptp_hdlc_feed(&h, data + off, end - off, &used, &frame, &flen);
			if (used == 0 || used > end - off || st >= PPTP_HDLC__COUNT)
				abort();
			off += used;
			if (st == PPTP_HDLC_NEED_MORE && off != end)
				abort();
			if (st != PPTP_HDLC_FRAME)
				continue;
			if (flen < 2 || flen > PPTP_HDLC_MRU - 2)
				abort();
			memcpy(copy, frame, flen);
			fuzz_round_trip(copy, flen);
			fuzz_lcp(copy, flen);
		}
	}
	return 0;
}
