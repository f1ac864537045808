/*
 * fuzz_api_body.c - libFuzzer target for the admin verbs' body parser
 * (api_body.c), as a verb's body and as reload's.
 *
 * Checks what api.c relies on: 0 or -1, an error line on -1 (no newline,
 * NUL-terminated within its buffer), a prefix exactly when the target is one
 * prefix, and no NUL hiding in that prefix (it is compared with strcmp).
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_one(const char *text, size_t size, bool reload)
{
	struct api_body b;
	char err[256];
	int r;

	memset(err, 'x', sizeof(err));
	r = api_body_parse(text, size, reload, &b, err, sizeof(err));
	assert(r == 0 || r == -1);
	if (r < 0) {
		assert(memchr(err, '\0', sizeof(err)) != NULL);
		assert(err[0] != '\0' && strchr(err, '\n') == NULL);
		assert(b.kind == API_BODY_NONE && b.prefix == NULL && !b.force);
		return;
	}
	assert(b.kind < API_BODY_KIND__COUNT && api_body_kind_names[b.kind] != NULL);
	assert(!reload || b.kind == API_BODY_NONE);
	assert(!reload || !b.force);	/* reload takes no arguments */
	assert(reload || b.kind != API_BODY_NONE);
	assert((b.kind == API_BODY_PREFIX) == (b.prefix != NULL));
	/* a prefix's bytes are all in the body: nothing was cut at a NUL */
	if (b.prefix != NULL)
		assert(strlen(b.prefix) <= size);
	api_body_clear(&b);
	assert(b.prefix == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one((const char *)data, size, false);
	fuzz_one((const char *)data, size, true);
	return 0;
}
