/*
 * fuzz_bird_reply.c - libFuzzer target for the BIRD reply parser.
 *
 * The first input byte picks a chunk size, so the fuzzer also explores lines
 * split across reads; every line event is then fed to the `show protocols`
 * row parser, as driver_bird.c does with 1002 lines.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bird_reply.h"

struct fuzz_state {
	size_t events;
	bool failed;
};

static int
fuzz_cb(void *arg, const struct bird_reply_event *ev)
{
	struct fuzz_state *st = arg;
	struct bird_protocol_row row;

	assert(!st->failed);
	assert(ev->len == strlen(ev->text));
	assert(ev->len <= BIRD_REPLY_LINE_MAX);
	st->events++;
	switch (ev->kind) {
	case BIRD_REPLY_ERROR:
		st->failed = true;
		assert(ev->code == -1);
		break;
	case BIRD_REPLY_ASYNC:
		assert(ev->code == -1);
		break;
	case BIRD_REPLY_LINE:
	case BIRD_REPLY_FINAL:
		assert(ev->code >= 0 && ev->code <= 9999);
		(void)bird_reply_class_names[bird_reply_class(ev->code)];
		if (bird_reply_parse_protocol(ev->text, ev->len, &row) == 0)
			assert(row.name[0] != '\0' && row.state[0] != '\0' &&
			       strlen(row.state) < BIRD_WORD_MAX);
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
	struct bird_reply_parser p;
	struct fuzz_state st = { 0, false };
	struct bird_protocol_row row;
	size_t chunk, off = 0, n;
	int r;

	if (size == 0)
		return 0;
	chunk = (size_t)data[0] + 1;
	data++;
	size--;
	(void)bird_reply_parse_protocol((const char *)data, size, &row);
	bird_reply_reset(&p);
	while (off < size) {
		n = size - off < chunk ? size - off : chunk;
		r = bird_reply_feed(&p, data + off, n, fuzz_cb, &st);
		assert(r >= -1 && r <= 1);
		if (r == -1) {
			assert(p.failed);
			break;
		}
		/* on a stop the rest of the chunk is dropped, like a reset connection */
		off += n;
	}
	return 0;
}
