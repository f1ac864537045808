/*
 * fuzz_keepalived_files.c - libFuzzer target for keepalived's two files as
 * the daemon reads them (keepalived_files.c): the input is read as a track
 * file and as a state file.  A value it accepts renders and parses back to
 * itself and maps to a state whose value it is (or to unknown); a state
 * word is one of the known ones.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "keepalived_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct router_config rc = { .kind = ROUTER_KIND_KEEPALIVED, .ka_withdrawn_value = 254,
					  .ka_degraded_value = 60, .ka_draining_value = 120 };
	char text[KEEPALIVED_TRACK_TEXT_MAX];
	long v, back;
	enum route_state st;
	enum vrrp_state vs = keepalived_state_parse((const char *)data, size);

	assert(vs >= VRRP_UNKNOWN && vs < VRRP_STATE__COUNT);
	if (!keepalived_track_parse((const char *)data, size, &v))
		return 0;
	keepalived_track_render(v, text, sizeof(text));
	assert(keepalived_track_parse(text, strlen(text), &back) && back == v);
	st = keepalived_state_for(&rc, v);
	assert(st == ROUTE_UNKNOWN || keepalived_value_for(&rc, st) == v);
	return 0;
}
