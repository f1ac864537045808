/*
 * fuzz_pptp_control.c - libFuzzer target for the PPTP control decoder.
 *
 * Consumes the input the way probe_pptp.c consumes a TCP stream: decode at
 * the front, drop the message on OK, stop on NEED_MORE or an error.  It also
 * checks the decoder's promises that the probe relies on (a consumed length
 * is the type's size and fits the input; NEED_MORE asks for more than there
 * is; strings are terminated), and aborts if one is broken.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pptp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_msg(const struct pptp_ctrl_msg *m, size_t n, size_t avail)
{
	if (n < PPTP_HEADER_LEN || n > PPTP_CONTROL_MAX_LEN || n > avail)
		abort();
	if (m->type >= PPTP_CTRL_TYPE__COUNT || pptp_ctrl_type_sizes[m->type] != n ||
	    m->length != n)
		abort();
	if (m->type == PPTP_CTRL_SCCRP &&
	    (strlen(m->u.sccrp.host_name) > PPTP_NAME_LEN || strlen(m->u.sccrp.vendor) > PPTP_NAME_LEN))
		abort();
	if (m->type == PPTP_CTRL_CDN && strlen(m->u.cdn.stats) > PPTP_CDN_STATS_LEN)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pptp_ctrl_msg m;
	size_t off = 0, n;
	enum pptp_decode_status st;

	for (;;) {
		st = pptp_decode_control(data + off, size - off, &m, &n);
		if (st == PPTP_DECODE_NEED_MORE) {
			if (n <= size - off)
				abort();
			break;
		}
		if (st != PPTP_DECODE_OK)
			break;
		fuzz_check_msg(&m, n, size - off);
		(void)PPTP_NAME(pptp_ctrl_type_names, m.type);
		off += n;
	}
	return 0;
}
