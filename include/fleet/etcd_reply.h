/*
 * etcd_reply.h - the etcd client's pure half: every reply of etcd's JSON
 * gateway and every line of a watch stream parsed into plain C, and the
 * base64 the gateway wants for every bytes field (protocols.md section 10).
 * No I/O, so cmocka and the fuzzer call it directly; etcd.c does the rest.
 *
 * What the gateway sends, and so what is accepted: int64 fields as JSON
 * strings ("revision":"6") or numbers, fields with a zero value left out
 * (a failed txn has no "succeeded", a PUT event no "type", an expired
 * lease's keepalive no "TTL"), bytes fields in base64 with padding.
 * Anything else is an error naming the field, e.g.
 * "kvs[1].key: not base64", "header.revision: not an int64".
 */
#ifndef AHD_FLEET_ETCD_REPLY_H
#define AHD_FLEET_ETCD_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fleet/etcd.h"

/* The largest reply (or watch line) accepted. */
#define ETCD_REPLY_MAX (4u * 1024 * 1024)

/* Which request a reply answers: what its body holds. */
enum etcd_reply_kind {
	ETCD_REPLY_HEADER,	/* kv/put, kv/deleterange, lease/revoke: the header only */
	ETCD_REPLY_LEASE,	/* lease/grant: ID, TTL */
	ETCD_REPLY_KEEPALIVE,	/* lease/keepalive: {"result":{ID, TTL}} */
	ETCD_REPLY_RANGE,	/* kv/range: kvs */
	ETCD_REPLY_TXN,		/* kv/txn: succeeded, the first range response's kvs */
	ETCD_REPLY_AUTH,	/* auth/authenticate: token */
	ETCD_REPLY_KIND__COUNT
};
extern const char *const etcd_reply_kind_names[ETCD_REPLY_KIND__COUNT];

/*
 * A whole reply of `kind` that came with HTTP status `http_status`, into
 * `r` (zeroed first; r->endpoint is left NULL for the caller):
 *   200 and well formed         ETCD_OK, the fields of the kind
 *   >= 400 {"error","code"}     ETCD_ERROR, r->error = etcd's message, r->code
 *   anything else               ETCD_BAD_REPLY, r->error says what was wrong
 * `token` (ETCD_REPLY_AUTH only, else NULL) gets the token, malloc'd.
 * Returns 0 for ETCD_OK, else -1.  etcd_reply_clear() frees r's kvs.
 */
int etcd_reply_parse(enum etcd_reply_kind kind, long http_status, const char *body, size_t len,
		     struct etcd_result *r, char **token);
void etcd_reply_clear(struct etcd_result *r);

/* An ETCD_ERROR that a fresh auth token cures: the token expired, is
 * unknown to this member (etcd restarted) or predates an auth change. */
bool etcd_reply_token_rejected(const struct etcd_result *r);

/* One line of a watch stream: {"result":{...}} or {"error":{...}}. */
enum etcd_watch_line_kind {
	ETCD_WATCH_LINE_CREATED,	/* the watch is in place */
	ETCD_WATCH_LINE_EVENTS,		/* changes */
	ETCD_WATCH_LINE_PROGRESS,	/* nothing changed (progress notify) */
	ETCD_WATCH_LINE_CANCELED,	/* etcd ended the watch: compacted, refused, error */
	ETCD_WATCH_LINE_KIND__COUNT
};
extern const char *const etcd_watch_line_kind_names[ETCD_WATCH_LINE_KIND__COUNT];

struct etcd_watch_line {
	enum etcd_watch_line_kind kind;
	int64_t revision;		/* the header's */
	struct etcd_event *events;	/* EVENTS */
	size_t n_events;
	int64_t compact_revision;	/* CANCELED by a compaction, else 0 */
	int code;			/* CANCELED: the gRPC code when known, else 0 */
	char reason[256];		/* CANCELED: why, in etcd's words */
};

/* 0, or -1 with `err` naming what was wrong ("events[0].kv.key: not base64"). */
int etcd_reply_watch_line(const char *line, size_t len, struct etcd_watch_line *w, char *err,
			  size_t errlen);
void etcd_reply_watch_line_clear(struct etcd_watch_line *w);

/* Standard base64 with padding into `out`, which holds
 * ETCD_BASE64_LEN(len) bytes (NUL included).  Returns the length written. */
#define ETCD_BASE64_LEN(n) (((n) + 2) / 3 * 4 + 1)
size_t etcd_reply_base64_encode(const void *in, size_t len, char *out);
/* Strict decode (padding required, no blanks) into a malloc'd buffer with a
 * NUL after its `*outlen` bytes; -1 when `in` is not base64. */
int etcd_reply_base64_decode(const char *in, size_t len, char **out, size_t *outlen);

void etcd_reply_kv_clear(struct etcd_kv *kv);

#endif
