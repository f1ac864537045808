/*
 * fuzz_bird_sessions.c - libFuzzer target for BIRD's session answers
 * (bird_sessions.c): each line that bird_reply.c frames out of the input
 * goes through the `show protocols` row parser and the `show route` line
 * reader, as driver_bird.c does with the replies of a session read-back;
 * the whole input goes through both once more as one line.
 *
 * A prefix read is canonical (reading it again gives itself; a net of
 * another kind has none, the text is empty); a row read
 * is a BGP row with a name and a state, established only as "Established".
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bird_reply.h"
#include "bird_sessions.h"
#include "prefix_text.h"

static void
fuzz_line(const char *text, size_t len)
{
	char out[PREFIX_TEXT_MAX], again[PREFIX_TEXT_MAX];
	struct bgp_session s;
	const char *why = NULL;
	int rc;

	if (bird_route_line_prefix(text, len, out, sizeof(out)) && out[0] != '\0') {
		assert(strlen(out) < sizeof(out));
		assert(prefix_text_canon(out, strlen(out), again, sizeof(again)));
		assert(strcmp(out, again) == 0);
	} else {
		assert(out[0] == '\0');
	}
	rc = bird_sessions_parse_row(text, len, &s, &why);
	assert(rc >= -1 && rc <= 1);
	assert((rc == -1) == (why != NULL));
	if (rc == 1) {
		assert(s.name[0] != '\0' && s.state[0] != '\0');
		assert(strlen(s.name) < sizeof(s.name) && strlen(s.state) < sizeof(s.state));
		assert(s.established == (strcmp(s.state, "Established") == 0));
	}
}

static int
fuzz_cb(void *arg, const struct bird_reply_event *ev)
{
	(void)arg;
	if (ev->kind == BIRD_REPLY_LINE || ev->kind == BIRD_REPLY_FINAL)
		fuzz_line(ev->text, ev->len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bird_reply_parser p;

	bird_reply_reset(&p);
	(void)bird_reply_feed(&p, data, size, fuzz_cb, NULL);
	fuzz_line((const char *)data, size);
	return 0;
}
