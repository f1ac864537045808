/*
 * fuzz_fleet_record.c - libFuzzer target for the gateway record decoder
 * (fleet_record.c): what any writer to the fleet's store can make every
 * gateway parse.
 *
 * Checks what fleet.c and fleet_view.c rely on: 0 or -1; on -1 a one-line
 * reason and an empty record; on 0 every string present and free of control
 * characters, lists within bounds and without duplicate keys (the view
 * counts one entry per prefix and fingerprint), finite times; and a record
 * that decodes encodes to a text that decodes to the same encoding.
 */
#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/fleet_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_string(const char *s)
{
	assert(s != NULL);
	for (; *s != '\0'; s++)
		assert((unsigned char)*s >= 0x20 && *s != 0x7f);
}

static void
fuzz_check_record(const struct fleet_record *r)
{
	size_t i, j;

	fuzz_check_string(r->node);
	fuzz_check_string(r->version);
	fuzz_check_string(r->router_kind);
	assert(isfinite(r->updated) && r->updated >= 0 && isfinite(r->last_change));
	assert(r->n_services <= 1024 && r->n_prefixes <= 1024 && r->n_fingerprints <= 1024);
	for (i = 0; i < r->n_services; i++) {
		fuzz_check_string(r->services[i].name);
		fuzz_check_string(r->services[i].verdict);
		fuzz_check_string(r->services[i].reason);
	}
	for (i = 0; i < r->n_prefixes; i++) {
		fuzz_check_string(r->prefixes[i].prefix);
		fuzz_check_string(r->prefixes[i].desired);
		fuzz_check_string(r->prefixes[i].actual);
		assert(isfinite(r->prefixes[i].since) && r->prefixes[i].since >= 0);
		assert(fleet_record_find_prefix(r, r->prefixes[i].prefix) == &r->prefixes[i]);
	}
	for (i = 0; i < r->n_fingerprints; i++) {
		fuzz_check_string(r->fingerprints[i].name);
		fuzz_check_string(r->fingerprints[i].hmac);
		for (j = 0; j < i; j++)
			assert(strcmp(r->fingerprints[i].name, r->fingerprints[j].name) != 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_record r, back;
	char err[256], *text, *again;

	memset(err, 'x', sizeof(err));
	if (fleet_record_decode((const char *)data, size, &r, err, sizeof(err)) < 0) {
		assert(memchr(err, '\0', sizeof(err)) != NULL);
		assert(err[0] != '\0' && strchr(err, '\n') == NULL);
		assert(r.node == NULL && r.services == NULL && r.prefixes == NULL && r.fingerprints == NULL);
		return 0;
	}
	fuzz_check_record(&r);
	/* Encoding is stable after one decode (times are cut to the millisecond). */
	text = fleet_record_encode(&r);
	assert(text != NULL);
	assert(fleet_record_decode(text, strlen(text), &back, err, sizeof(err)) == 0);
	again = fleet_record_encode(&back);
	assert(again != NULL && strcmp(text, again) == 0);
	free(again);
	free(text);
	fleet_record_clear(&back);
	fleet_record_clear(&r);
	assert(r.node == NULL && r.n_prefixes == 0);
	return 0;
}
