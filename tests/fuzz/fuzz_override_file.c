/*
 * fuzz_override_file.c - libFuzzer target for the overrides file's parser
 * (override_file_parse).  The input is the file's text; file_read_all
 * refuses a file with a NUL byte, so the text ends at the first one.  What
 * parses is formatted and parsed again: the daemon must read back what it
 * writes, whatever it was given.
 */
#include <assert.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "override_file.h"

static void
fuzz_roundtrip(const struct saved_override *v, size_t n)
{
	struct saved_override *again;
	char err[256], *text = override_file_format(v, n);
	size_t m, i;

	assert(override_file_parse(text, &again, &m, err, sizeof(err)) == 0);
	assert(m == n);
	for (i = 0; i < n; i++)
		assert(strcmp(again[i].prefix, v[i].prefix) == 0 && again[i].admin == v[i].admin);
	free(again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct saved_override *v;
	char err[256], *text = malloc(size + 1);
	size_t n, i;

	assert(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (override_file_parse(text, &v, &n, err, sizeof(err)) == 0) {
		for (i = 0; i < n; i++)
			assert(v[i].prefix[0] != '\0' &&
			       (v[i].admin == ADMIN_DRAIN || v[i].admin == ADMIN_MAINTENANCE));
		fuzz_roundtrip(v, n);
		free(v);
	} else {
		assert(err[0] != '\0' && v == NULL && n == 0);
	}
	free(text);
	return 0;
}
