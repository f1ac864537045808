/*
 * fuzz_proc_status.c - libFuzzer target for the "Groups:" reader of
 * /proc/PID/status (proc_status.c).
 *
 * The first four bytes are the gid to look for.  Besides memory safety it
 * checks the answer against a second reading: a gid found must appear in
 * the text as that exact decimal number, not merely wrap around to it.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proc_status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether text holds the decimal digits of gid (a leading zero allowed). */
static bool
fuzz_digits_present(const char *text, size_t len, gid_t gid)
{
	char digits[16];
	size_t n = (size_t)snprintf(digits, sizeof(digits), "%u", (unsigned int)gid), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(text + i, digits, n) == 0)
			return true;
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t gid;
	const char *text;

	if (size < 4)
		return 0;
	memcpy(&gid, data, 4);
	text = (const char *)data + 4;
	size -= 4;
	if (proc_status_in_group(text, size, (gid_t)gid))
		assert(fuzz_digits_present(text, size, (gid_t)gid));
	/* the same text with a small gid, the common case */
	(void)proc_status_in_group(text, size, (gid_t)(gid & 0xff));
	return 0;
}
