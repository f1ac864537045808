/*
 * fuzz_frr_vty.c - libFuzzer target for the FRR vty reply parser and the
 * `show bgp ... json` reader.
 *
 * The first input byte picks a chunk size, so the fuzzer also explores
 * trailers split across reads; the second picks a small text cap now and
 * then, to reach reply-too-large.  Every reply's text goes through the JSON
 * reader, as driver_frr.c does with read-back replies.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "frr_vty.h"

struct fuzz_state {
	size_t events;
	bool failed;
	size_t max;
};

static int
fuzz_cb(void *arg, const struct frr_vty_event *ev)
{
	struct fuzz_state *st = arg;
	struct frr_bgp_readback rb;
	const char *why;
	int r;

	assert(!st->failed);
	assert(ev->text[ev->len] == '\0');
	st->events++;
	switch (ev->kind) {
	case FRR_VTY_ERROR:
		st->failed = true;
		assert(ev->status == -1);
		break;
	case FRR_VTY_REPLY:
		assert(ev->status >= 0 && ev->status <= 255);
		assert(ev->len <= st->max);
		assert(memchr(ev->text, '\0', ev->len) == NULL);
		(void)frr_vty_status_name(ev->status);
		r = frr_vty_parse_bgp_prefix(ev->text, ev->len, &rb, &why);
		assert(r == 0 || r == -1);
		assert((r == 0) == (why == NULL));
		assert(!rb.present || rb.n_paths > 0);
		break;
	default:
		assert(0);
	}
	/* now and then ask the parser to stop, as the driver does on a drop */
	return ev->len == 7;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frr_vty_parser p;
	struct fuzz_state st = { 0, false, 0 };
	size_t chunk, off = 0, n;
	int r;

	if (size < 2)
		return 0;
	chunk = (size_t)data[0] + 1;
	st.max = data[1] < 16 ? (size_t)data[1] * 8 + 1 : FRR_VTY_TEXT_MAX;
	data += 2;
	size -= 2;
	frr_vty_init(&p, st.max);
	while (off < size) {
		n = size - off < chunk ? size - off : chunk;
		r = frr_vty_feed(&p, data + off, n, fuzz_cb, &st);
		assert(r >= -1 && r <= 1);
		if (r == -1) {
			assert(p.failed);
			break;
		}
		/* on a stop the rest of the chunk is dropped, like a reset connection */
		off += n;
	}
	frr_vty_free(&p);
	return 0;
}
