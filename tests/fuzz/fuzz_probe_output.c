/*
 * fuzz_probe_output.c - libFuzzer target for what the exec and http probes
 * make of a command's or a server's bytes (probe_output.c).
 *
 * Byte 0 picks exec or http, byte 1 a chunk size (reads and libcurl's
 * write callbacks come in pieces), bytes 2-5 the wait status or the HTTP
 * status code; for http, byte 6 is the length of the body-contains needle
 * taken from the front of the rest.  The rest is stdout or the body.
 */
#include <assert.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "probe_output.h"

#define FUZZ_HEADER 6

static void
fuzz_exec(const char *d, size_t n, size_t chunk, int status)
{
	struct probe_output_line l;
	char reason[PROBE_REASON_MAX];
	const char *line;
	size_t off, i;

	probe_output_line_reset(&l);
	for (off = 0; off < n; off += chunk)
		probe_output_line_take(&l, d + off, n - off < chunk ? n - off : chunk);
	line = probe_output_line_text(&l);
	assert(strlen(line) <= PROBE_OUTPUT_LINE_MAX);
	for (i = 0; line[i] != '\0'; i++)
		assert(line[i] >= 0x20 && line[i] < 0x7f);
	(void)probe_output_exec_verdict(status, line, reason, sizeof(reason));
	assert(strlen(reason) < sizeof(reason));
}

static void
fuzz_http(const char *d, size_t n, size_t chunk, long status)
{
	char reason_buf[PROBE_REASON_MAX], *body, *needle;
	const char *reason;
	size_t len = 0, off, k;
	enum probe_result r;

	if (n == 0)
		return;
	k = (unsigned char)d[0] % 32;
	d++;
	n--;
	if (k > n)
		k = n;
	needle = malloc(k + 1);
	body = malloc(PROBE_OUTPUT_BODY_MAX);
	assert(needle != NULL && body != NULL);
	memcpy(needle, d, k);
	needle[k] = '\0';	/* a config string: cut at a NUL */
	for (off = k; off < n; off += chunk)
		probe_output_body_append(body, &len, d + off, n - off < chunk ? n - off : chunk);
	assert(len <= PROBE_OUTPUT_BODY_MAX && len <= n - k);
	r = probe_output_http_verdict(status, 200, body, len, k ? needle : NULL, reason_buf,
				      sizeof(reason_buf), &reason);
	assert(r == PROBE_UP ? strcmp(reason, "ok") == 0 && status == 200 : r == PROBE_DOWN);
	free(body);
	free(needle);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk;
	int32_t v;

	if (size < FUZZ_HEADER)
		return 0;
	chunk = (size_t)data[1] + 1;
	memcpy(&v, data + 2, sizeof(v));
	if (data[0] & 1)
		fuzz_http((const char *)data + FUZZ_HEADER, size - FUZZ_HEADER, chunk,
			  data[0] & 2 ? 200 : (long)v);
	else
		fuzz_exec((const char *)data + FUZZ_HEADER, size - FUZZ_HEADER, chunk, v);
	return 0;
}
