/*
 * fuzz_bird_state.c - libFuzzer target for the BIRD state file reader.
 *
 * The input is the file's text (any bytes, NULs included) and is looked up
 * under a few names as driver_bird.c does; then the names get values from
 * the input's bytes, are rendered, and must read back as rendered.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bird_state.h"

static const char *const names[] = {
	"ANYCAST4_OFF", "ANYCAST4_DEGRADED_OFF", "ANYCAST4_DRAIN_OFF", "A", "ANYCAST6_OFF",
};
#define N_NAMES	(sizeof(names) / sizeof(names[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int values[N_NAMES], v;
	size_t i;
	char *s;

	for (i = 0; i < N_NAMES; i++) {
		v = bird_state_value((const char *)data, size, names[i]);
		assert(v >= -1 && v <= 1);
		values[i] = i < size ? data[i] & 1 : (int)i & 1;
	}
	s = bird_state_render(names, values, N_NAMES);
	assert(s != NULL);
	for (i = 0; i < N_NAMES; i++)
		assert(bird_state_value(s, strlen(s), names[i]) == values[i]);
	free(s);
	return 0;
}
