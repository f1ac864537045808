/*
 * fuzz_gre.c - libFuzzer target for what probe_gre.c reads off its raw
 * socket: the IPv4 header skip, the enhanced GRE decoder, and the LCP decoder
 * and option walk on the GRE payload.
 *
 * The input is decoded twice: as a raw-socket packet (IPv4 header first) and
 * as a bare GRE packet.  The decoders' promises that the probe relies on are
 * checked and the target aborts if one is broken: a payload never reaches
 * past the input, a call ID is reported exactly when 8 bytes were there, an
 * option walk stays inside the LCP data and always ends.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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
	if (l.length < PPTP_LCP_HEADER_LEN || l.data != b + 8 || l.data_len + 8 > len ||
	    l.data_len != (size_t)l.length - PPTP_LCP_HEADER_LEN)
		abort();
	(void)PPTP_NAME(pptp_lcp_code_names, l.code);
	while ((rc = pptp_lcp_option_next(&l, &off, &o)) == 1) {
		if (o.len < 2 || o.data < l.data + 2 || o.data + (o.len - 2) > l.data + l.data_len)
			abort();
		if (++steps > l.data_len)	/* every option is 2 bytes or more */
			abort();
	}
	if (rc != 0 && rc != -1)
		abort();
}

static void
fuzz_gre(const uint8_t *b, size_t len)
{
	struct pptp_gre g;
	enum pptp_gre_status st = pptp_gre_decode(b, len, &g);

	if (st >= PPTP_GRE__COUNT)
		abort();
	(void)pptp_gre_status_names[st];
	if (g.has_call_id != (len >= PPTP_GRE_HEADER_MIN))
		abort();
	if (st != PPTP_GRE_OK)
		return;
	if (g.header_len < PPTP_GRE_HEADER_MIN || g.header_len > PPTP_GRE_HEADER_MAX ||
	    g.payload != b + g.header_len || g.header_len + g.payload_len > len)
		abort();
	fuzz_lcp(g.payload, g.payload_len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pptp_ipv4 ip;

	if (pptp_ipv4_skip(data, size, &ip) == 0) {
		if (ip.header_len < 20 || ip.header_len > 60 ||
		    ip.header_len + ip.payload_len > size)
			abort();
		fuzz_gre(data + ip.header_len, ip.payload_len);
	}
	fuzz_gre(data, size);
	return 0;
}
