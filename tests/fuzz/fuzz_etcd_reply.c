/*
 * fuzz_etcd_reply.c - libFuzzer target for the etcd client's parser
 * (src/fleet/etcd_reply.c): the input as a reply of every kind, under a
 * 200 and an error status, as a watch line, and through base64.
 *
 * Checks what etcd.c relies on: a status that matches the return value, an
 * error text on failure, no kvs on failure, keys without NUL, values
 * NUL-terminated, a token only from an auth reply, and base64 that
 * round-trips.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/etcd_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_kv(const struct etcd_kv *kv)
{
	assert(kv->key != NULL && kv->value != NULL);
	assert(kv->value[kv->value_len] == '\0');
	(void)strlen(kv->key);
}

static void
fuzz_reply(enum etcd_reply_kind kind, long status, const char *text, size_t size)
{
	struct etcd_result r;
	char *token = (char *)1;
	size_t i;
	int rc;

	rc = etcd_reply_parse(kind, status, text, size, &r,
			      kind == ETCD_REPLY_AUTH ? &token : NULL);
	assert((rc == 0) == (r.status == ETCD_OK));
	assert(memchr(r.error, '\0', sizeof(r.error)) != NULL);
	if (rc < 0) {
		assert(r.error[0] != '\0' && r.kvs == NULL && r.n_kvs == 0);
		assert(kind != ETCD_REPLY_AUTH || token == NULL);
		assert(status >= 400 || r.status != ETCD_ERROR || kind == ETCD_REPLY_LEASE ||
		       kind == ETCD_REPLY_KEEPALIVE);
		return;
	}
	assert(status == 200);
	for (i = 0; i < r.n_kvs; i++)
		fuzz_kv(&r.kvs[i]);
	if (kind == ETCD_REPLY_AUTH) {
		assert(token != NULL && token[0] != '\0');
		free(token);
	}
	(void)etcd_reply_token_rejected(&r);
	etcd_reply_clear(&r);
}

static void
fuzz_watch(const char *text, size_t size)
{
	struct etcd_watch_line w;
	char err[128];
	size_t i;

	memset(err, 'x', sizeof(err));
	if (etcd_reply_watch_line(text, size, &w, err, sizeof(err)) < 0) {
		assert(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
		assert(w.events == NULL && w.n_events == 0);
		return;
	}
	assert(w.kind < ETCD_WATCH_LINE_KIND__COUNT);
	assert((w.kind == ETCD_WATCH_LINE_EVENTS) == (w.n_events > 0));
	assert(w.kind != ETCD_WATCH_LINE_CANCELED || w.reason[0] != '\0');
	for (i = 0; i < w.n_events; i++)
		fuzz_kv(&w.events[i].kv);
	etcd_reply_watch_line_clear(&w);
}

static void
fuzz_base64(const char *text, size_t size)
{
	char *dec, *enc;
	size_t n;

	if (etcd_reply_base64_decode(text, size, &dec, &n) == 0) {
		assert(dec[n] == '\0');
		enc = malloc(ETCD_BASE64_LEN(n));
		assert(etcd_reply_base64_encode(dec, n, enc) == size);
		/* canonical input round-trips; non-canonical trailing bits may not */
		free(enc);
		free(dec);
	}
	enc = malloc(ETCD_BASE64_LEN(size));
	n = etcd_reply_base64_encode(text, size, enc);
	assert(etcd_reply_base64_decode(enc, n, &dec, &n) == 0);
	assert(n == size && memcmp(dec, text, size) == 0);
	free(dec);
	free(enc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	int k;

	for (k = 0; k < ETCD_REPLY_KIND__COUNT; k++) {
		fuzz_reply((enum etcd_reply_kind)k, 200, text, size);
		fuzz_reply((enum etcd_reply_kind)k, 404, text, size);
	}
	fuzz_watch(text, size);
	fuzz_base64(text, size);
	return 0;
}
