/*
 * etcd_reply.c - etcd's JSON gateway replies and watch lines into plain C
 * (include/fleet/etcd_reply.h), and the base64 of bytes fields.  Pure:
 * text in, structs out, no I/O; etcd.c feeds it what libcurl received and
 * tests/fuzz/fuzz_etcd_reply.c feeds it anything.
 *
 * Errors name the field by its path in the reply ("kvs[1].key: not
 * base64"), so a log line says what etcd (or whatever answered in its
 * place) got wrong.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "fleet/etcd_reply.h"

const char *const etcd_reply_kind_names[ETCD_REPLY_KIND__COUNT] = {
	[ETCD_REPLY_HEADER] = "header",
	[ETCD_REPLY_LEASE] = "lease",
	[ETCD_REPLY_KEEPALIVE] = "keepalive",
	[ETCD_REPLY_RANGE] = "range",
	[ETCD_REPLY_TXN] = "txn",
	[ETCD_REPLY_AUTH] = "auth",
};

const char *const etcd_watch_line_kind_names[ETCD_WATCH_LINE_KIND__COUNT] = {
	[ETCD_WATCH_LINE_CREATED] = "created",
	[ETCD_WATCH_LINE_EVENTS] = "events",
	[ETCD_WATCH_LINE_PROGRESS] = "progress",
	[ETCD_WATCH_LINE_CANCELED] = "canceled",
};

/* Where an error goes: a buffer and its size. */
struct etcd_reply_err {
	char *buf;
	size_t len;
};

static int etcd_reply_fail(struct etcd_reply_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
etcd_reply_fail(struct etcd_reply_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->buf, e->len, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- base64 ---- */

static const char etcd_b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
etcd_reply_base64_encode(const void *in, size_t len, char *out)
{
	const unsigned char *p = in;
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		out[o++] = etcd_b64_alphabet[p[i] >> 2];
		out[o++] = etcd_b64_alphabet[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		out[o++] = etcd_b64_alphabet[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		out[o++] = etcd_b64_alphabet[p[i + 2] & 63];
	}
	if (i < len) {
		out[o++] = etcd_b64_alphabet[p[i] >> 2];
		if (i + 1 < len) {
			out[o++] = etcd_b64_alphabet[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			out[o++] = etcd_b64_alphabet[(p[i + 1] & 15) << 2];
		} else {
			out[o++] = etcd_b64_alphabet[(p[i] & 3) << 4];
			out[o++] = '=';
		}
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int
etcd_b64_value(char c)
{
	const char *at;

	if (c == '\0' || c == '=')
		return -1;
	at = strchr(etcd_b64_alphabet, c);
	return at == NULL ? -1 : (int)(at - etcd_b64_alphabet);
}

/* Decode one group of four characters (the last may hold padding). */
static int
etcd_b64_group(const char *in, bool last, unsigned char *out, size_t *n)
{
	int v[4], i, pad = 0;

	for (i = 0; i < 4; i++) {
		v[i] = etcd_b64_value(in[i]);
		if (v[i] < 0) {
			if (!last || in[i] != '=' || i < 2)
				return -1;
			pad++;
			v[i] = 0;
		} else if (pad > 0) {
			return -1;	/* data after padding */
		}
	}
	out[0] = (unsigned char)(v[0] << 2 | v[1] >> 4);
	out[1] = (unsigned char)(v[1] << 4 | v[2] >> 2);
	out[2] = (unsigned char)(v[2] << 6 | v[3]);
	*n = 3 - (size_t)pad;
	return 0;
}

int
etcd_reply_base64_decode(const char *in, size_t len, char **out, size_t *outlen)
{
	unsigned char *buf;
	size_t i, o = 0, n;

	if (len % 4 != 0)
		return -1;
	buf = malloc(len / 4 * 3 + 1);
	if (buf == NULL)
		return -1;
	for (i = 0; i < len; i += 4) {
		if (etcd_b64_group(in + i, i + 4 == len, buf + o, &n) < 0) {
			free(buf);
			return -1;
		}
		o += n;
	}
	buf[o] = '\0';
	*out = (char *)buf;
	*outlen = o;
	return 0;
}

/* ---- fields ---- */

/* A decimal int64, the whole text. */
static int
etcd_reply_int64_text(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (*s == '\0' || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* Field `name` of `o` as an int64 (string or number); absent is 0. */
static int
etcd_reply_int64(struct json_object *o, const char *path, const char *name, int64_t *out,
		 struct etcd_reply_err *e)
{
	struct json_object *v;
	const char *text;

	*out = 0;
	if (!json_object_object_get_ex(o, name, &v))
		return 0;
	if (json_object_is_type(v, json_type_string))
		text = json_object_get_string(v);
	else if (json_object_is_type(v, json_type_int))
		text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	else
		text = NULL;
	if (text == NULL || etcd_reply_int64_text(text, out) < 0)
		return etcd_reply_fail(e, "%s%s: not an int64", path, name);
	return 0;
}

/* Field `name` of `o` if it has `type`; NULL when absent; -1 on another type. */
static int
etcd_reply_member(struct json_object *o, const char *path, const char *name, enum json_type type,
		  struct json_object **out, struct etcd_reply_err *e)
{
	static const char *const what[] = {
		[json_type_boolean] = "a boolean", [json_type_object] = "an object",
		[json_type_array] = "an array", [json_type_string] = "a string",
		[json_type_int] = "an integer",
	};

	*out = NULL;
	if (!json_object_object_get_ex(o, name, out) || *out == NULL) {
		*out = NULL;
		return 0;
	}
	if (!json_object_is_type(*out, type))
		return etcd_reply_fail(e, "%s%s: not %s", path, name, what[type]);
	return 0;
}

static int
etcd_reply_bytes(struct json_object *o, const char *path, const char *name, bool required,
		 char **out, size_t *outlen, struct etcd_reply_err *e)
{
	struct json_object *v;
	const char *s;

	if (etcd_reply_member(o, path, name, json_type_string, &v, e) < 0)
		return -1;
	if (v == NULL) {
		if (required)
			return etcd_reply_fail(e, "%s%s: missing", path, name);
		s = "";
	} else {
		s = json_object_get_string(v);
	}
	if (etcd_reply_base64_decode(s, v == NULL ? 0 : (size_t)json_object_get_string_len(v), out,
				     outlen) < 0)
		return etcd_reply_fail(e, "%s%s: not base64", path, name);
	return 0;
}

void
etcd_reply_kv_clear(struct etcd_kv *kv)
{
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

/* One mvccpb.KeyValue; `path` ends with "." ("kvs[1]."). */
static int
etcd_reply_kv(struct json_object *o, const char *path, struct etcd_kv *kv,
	      struct etcd_reply_err *e)
{
	size_t keylen;

	memset(kv, 0, sizeof(*kv));
	if (!json_object_is_type(o, json_type_object)) {
		etcd_reply_fail(e, "%.*s: not an object", (int)strlen(path) - 1, path);
		goto fail;
	}
	if (etcd_reply_bytes(o, path, "key", true, &kv->key, &keylen, e) < 0)
		goto fail;
	if (strlen(kv->key) != keylen) {
		etcd_reply_fail(e, "%skey: holds a NUL byte", path);
		goto fail;
	}
	if (etcd_reply_bytes(o, path, "value", false, &kv->value, &kv->value_len, e) < 0 ||
	    etcd_reply_int64(o, path, "create_revision", &kv->create_revision, e) < 0 ||
	    etcd_reply_int64(o, path, "mod_revision", &kv->mod_revision, e) < 0 ||
	    etcd_reply_int64(o, path, "version", &kv->version, e) < 0 ||
	    etcd_reply_int64(o, path, "lease", &kv->lease, e) < 0)
		goto fail;
	return 0;
fail:
	etcd_reply_kv_clear(kv);
	return -1;
}

static void
etcd_reply_kvs_free(struct etcd_kv *kvs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		etcd_reply_kv_clear(&kvs[i]);
	free(kvs);
}

/* The "kvs" array of `o` (absent: none); `path` is o's ("" or "responses[0].response_range."). */
static int
etcd_reply_kvs(struct json_object *o, const char *path, struct etcd_kv **out, size_t *n,
	       struct etcd_reply_err *e)
{
	struct json_object *arr;
	struct etcd_kv *kvs;
	char at[160];
	size_t i, len;

	*out = NULL;
	*n = 0;
	if (etcd_reply_member(o, path, "kvs", json_type_array, &arr, e) < 0)
		return -1;
	len = arr == NULL ? 0 : json_object_array_length(arr);
	if (len == 0)
		return 0;
	kvs = calloc(len, sizeof(*kvs));
	if (kvs == NULL)
		return etcd_reply_fail(e, "out of memory");
	for (i = 0; i < len; i++) {
		snprintf(at, sizeof(at), "%skvs[%zu].", path, i);
		if (etcd_reply_kv(json_object_array_get_idx(arr, i), at, &kvs[i], e) < 0) {
			etcd_reply_kvs_free(kvs, i);
			return -1;
		}
	}
	*out = kvs;
	*n = len;
	return 0;
}

/* The "header" object's revision (the header itself is required). */
static int
etcd_reply_header(struct json_object *o, const char *path, int64_t *revision,
		  struct etcd_reply_err *e)
{
	struct json_object *h;
	char at[64];

	if (etcd_reply_member(o, path, "header", json_type_object, &h, e) < 0)
		return -1;
	if (h == NULL)
		return etcd_reply_fail(e, "%sheader: missing", path);
	snprintf(at, sizeof(at), "%sheader.", path);
	return etcd_reply_int64(h, at, "revision", revision, e);
}

/* ---- whole replies ---- */

/* A JSON object that is all of text[0..len) but blanks. */
static struct json_object *
etcd_reply_json(const char *text, size_t len, struct etcd_reply_err *e)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t end;

	if (len > ETCD_REPLY_MAX || memchr(text, '\0', len) != NULL) {
		etcd_reply_fail(e, len > ETCD_REPLY_MAX ? "larger than %u bytes" : "holds a NUL byte",
				ETCD_REPLY_MAX);
		return NULL;
	}
	tok = json_tokener_new();
	if (tok == NULL) {
		etcd_reply_fail(e, "out of memory");
		return NULL;
	}
	o = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (o != NULL && end < len && strchr(" \t\r\n", text[end]) != NULL)
		end++;
	if (o == NULL || end != len || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		etcd_reply_fail(e, "not a JSON object");
		return NULL;
	}
	return o;
}

/* {"error":"...","message":"...","code":N} (HTTP >= 400) or, in a
 * stream, {"error":{"grpc_code":N,"message":"..."}}. */
static int
etcd_reply_error(struct json_object *o, char *msg, size_t msglen, int *code,
		 struct etcd_reply_err *e)
{
	struct json_object *err, *m = NULL;
	const char *cname = "code";
	int64_t c;

	if (!json_object_object_get_ex(o, "error", &err) || err == NULL)
		return etcd_reply_fail(e, "error: missing");
	if (json_object_is_type(err, json_type_object)) {
		o = err;
		cname = "grpc_code";
	}
	if (json_object_object_get_ex(o, "message", &m) && json_object_is_type(m, json_type_string) &&
	    json_object_get_string_len(m) > 0)
		snprintf(msg, msglen, "%s", json_object_get_string(m));
	else if (json_object_is_type(err, json_type_string) && json_object_get_string_len(err) > 0)
		snprintf(msg, msglen, "%s", json_object_get_string(err));
	else
		return etcd_reply_fail(e, "error: no message");
	if (etcd_reply_int64(o, "", cname, &c, e) < 0)
		return -1;
	*code = c < 0 || c > 1000 ? -1 : (int)c;
	return 0;
}

static int
etcd_reply_lease(struct json_object *o, const char *path, struct etcd_result *r,
		 struct etcd_reply_err *e)
{
	struct json_object *id, *err;

	if (etcd_reply_member(o, path, "error", json_type_string, &err, e) < 0)
		return -1;
	if (err != NULL && json_object_get_string_len(err) > 0) {
		r->status = ETCD_ERROR;
		snprintf(r->error, sizeof(r->error), "%s", json_object_get_string(err));
		return -1;
	}
	if (!json_object_object_get_ex(o, "ID", &id))
		return etcd_reply_fail(e, "%sID: missing", path);
	if (etcd_reply_int64(o, path, "ID", &r->lease_id, e) < 0 ||
	    etcd_reply_int64(o, path, "TTL", &r->ttl, e) < 0)
		return -1;
	return 0;
}

static int
etcd_reply_keepalive(struct json_object *o, struct etcd_result *r, struct etcd_reply_err *e)
{
	struct json_object *res;

	if (json_object_object_get_ex(o, "error", NULL)) {
		if (etcd_reply_error(o, r->error, sizeof(r->error), &r->code, e) < 0)
			return -1;
		r->status = ETCD_ERROR;
		return -1;
	}
	if (etcd_reply_member(o, "", "result", json_type_object, &res, e) < 0)
		return -1;
	if (res == NULL)
		return etcd_reply_fail(e, "result: missing");
	if (etcd_reply_header(res, "result.", &r->revision, e) < 0)
		return -1;
	return etcd_reply_lease(res, "result.", r, e);
}

/* The first response_range among a txn's responses: its kvs. */
static int
etcd_reply_txn(struct json_object *o, struct etcd_result *r, struct etcd_reply_err *e)
{
	struct json_object *b, *arr, *rr;
	char at[64];
	size_t i, n;

	if (etcd_reply_member(o, "", "succeeded", json_type_boolean, &b, e) < 0 ||
	    etcd_reply_member(o, "", "responses", json_type_array, &arr, e) < 0)
		return -1;
	r->succeeded = b != NULL && json_object_get_boolean(b);
	n = arr == NULL ? 0 : json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		struct json_object *one = json_object_array_get_idx(arr, i);

		snprintf(at, sizeof(at), "responses[%zu]", i);
		if (!json_object_is_type(one, json_type_object))
			return etcd_reply_fail(e, "%s: not an object", at);
		snprintf(at, sizeof(at), "responses[%zu].", i);
		if (etcd_reply_member(one, at, "response_range", json_type_object, &rr, e) < 0)
			return -1;
		if (rr != NULL) {
			snprintf(at, sizeof(at), "responses[%zu].response_range.", i);
			return etcd_reply_kvs(rr, at, &r->kvs, &r->n_kvs, e);
		}
	}
	return 0;
}

static int
etcd_reply_auth(struct json_object *o, char **token, struct etcd_reply_err *e)
{
	struct json_object *t;

	if (etcd_reply_member(o, "", "token", json_type_string, &t, e) < 0)
		return -1;
	if (t == NULL || json_object_get_string_len(t) == 0)
		return etcd_reply_fail(e, "token: missing");
	if (strpbrk(json_object_get_string(t), "\r\n") != NULL)
		return etcd_reply_fail(e, "token: holds a line break");	/* it goes in a header */
	*token = strdup(json_object_get_string(t));
	return *token == NULL ? etcd_reply_fail(e, "out of memory") : 0;
}

/* A 200 reply's body of `kind`. */
static int
etcd_reply_ok(enum etcd_reply_kind kind, struct json_object *o, struct etcd_result *r,
	      char **token, struct etcd_reply_err *e)
{
	if (kind == ETCD_REPLY_KEEPALIVE)
		return etcd_reply_keepalive(o, r, e);
	if (etcd_reply_header(o, "", &r->revision, e) < 0)
		return -1;
	switch (kind) {
	case ETCD_REPLY_LEASE:
		return etcd_reply_lease(o, "", r, e);
	case ETCD_REPLY_RANGE:
		return etcd_reply_kvs(o, "", &r->kvs, &r->n_kvs, e);
	case ETCD_REPLY_TXN:
		return etcd_reply_txn(o, r, e);
	case ETCD_REPLY_AUTH:
		return token == NULL ? etcd_reply_fail(e, "no place for the token")
				     : etcd_reply_auth(o, token, e);
	default:
		return 0;
	}
}

int
etcd_reply_parse(enum etcd_reply_kind kind, long http_status, const char *body, size_t len,
		 struct etcd_result *r, char **token)
{
	struct etcd_reply_err e = { r->error, sizeof(r->error) };
	char why[sizeof(r->error)];
	struct json_object *o;

	memset(r, 0, sizeof(*r));
	if (token != NULL)
		*token = NULL;
	r->status = ETCD_BAD_REPLY;
	o = etcd_reply_json(body, len, &e);
	if (http_status >= 400) {
		if (o == NULL || etcd_reply_error(o, r->error, sizeof(r->error), &r->code, &e) < 0) {
			snprintf(why, sizeof(why), "%s", r->error);
			snprintf(r->error, sizeof(r->error), "HTTP %ld, not an etcd error: %.200s",
				 http_status, why);
		} else {
			r->status = ETCD_ERROR;
		}
		goto out;
	}
	if (http_status != 200) {
		snprintf(r->error, sizeof(r->error), "HTTP %ld", http_status);
		goto out;
	}
	if (o != NULL && (unsigned)kind < ETCD_REPLY_KIND__COUNT &&
	    etcd_reply_ok(kind, o, r, token, &e) == 0)
		r->status = ETCD_OK;
out:
	json_object_put(o);
	if (r->status != ETCD_OK) {
		etcd_reply_kvs_free(r->kvs, r->n_kvs);
		r->kvs = NULL;
		r->n_kvs = 0;
		if (token != NULL) {
			free(*token);
			*token = NULL;
		}
		return -1;
	}
	r->error[0] = '\0';
	return 0;
}

void
etcd_reply_clear(struct etcd_result *r)
{
	etcd_reply_kvs_free(r->kvs, r->n_kvs);
	r->kvs = NULL;
	r->n_kvs = 0;
}

bool
etcd_reply_token_rejected(const struct etcd_result *r)
{
	if (r->status != ETCD_ERROR)
		return false;
	return r->code == 16 /* Unauthenticated: invalid auth token */ ||
	       strstr(r->error, "invalid auth token") != NULL ||
	       strstr(r->error, "revision of auth store is old") != NULL;
}

/* ---- watch lines ---- */

static int
etcd_reply_event(struct json_object *o, size_t i, struct etcd_event *ev, struct etcd_reply_err *e)
{
	struct json_object *type, *kv;
	char at[48];

	snprintf(at, sizeof(at), "events[%zu]", i);
	if (!json_object_is_type(o, json_type_object))
		return etcd_reply_fail(e, "%s: not an object", at);
	snprintf(at, sizeof(at), "events[%zu].", i);
	if (etcd_reply_member(o, at, "type", json_type_string, &type, e) < 0 ||
	    etcd_reply_member(o, at, "kv", json_type_object, &kv, e) < 0)
		return -1;
	if (type != NULL && strcmp(json_object_get_string(type), "PUT") != 0 &&
	    strcmp(json_object_get_string(type), "DELETE") != 0)
		return etcd_reply_fail(e, "%stype: unknown \"%.32s\"", at,
				       json_object_get_string(type));
	ev->deleted = type != NULL && strcmp(json_object_get_string(type), "DELETE") == 0;
	if (kv == NULL)
		return etcd_reply_fail(e, "%skv: missing", at);
	snprintf(at, sizeof(at), "events[%zu].kv.", i);
	return etcd_reply_kv(kv, at, &ev->kv, e);
}

static int
etcd_reply_events(struct json_object *arr, struct etcd_watch_line *w, struct etcd_reply_err *e)
{
	size_t i, n = json_object_array_length(arr);

	if (n == 0)
		return 0;
	w->events = calloc(n, sizeof(*w->events));
	if (w->events == NULL)
		return etcd_reply_fail(e, "out of memory");
	for (i = 0; i < n; i++) {
		if (etcd_reply_event(json_object_array_get_idx(arr, i), i, &w->events[i], e) < 0)
			return -1;
		w->n_events = i + 1;
	}
	return 0;
}

static int
etcd_reply_canceled(struct json_object *res, struct etcd_watch_line *w, struct etcd_reply_err *e)
{
	struct json_object *why;

	w->kind = ETCD_WATCH_LINE_CANCELED;
	if (etcd_reply_int64(res, "result.", "compact_revision", &w->compact_revision, e) < 0 ||
	    etcd_reply_member(res, "result.", "cancel_reason", json_type_string, &why, e) < 0)
		return -1;
	if (why != NULL && json_object_get_string_len(why) > 0)
		snprintf(w->reason, sizeof(w->reason), "%s", json_object_get_string(why));
	else if (w->compact_revision > 0)
		snprintf(w->reason, sizeof(w->reason),
			 "etcdserver: mvcc: required revision has been compacted (compacted at %lld)",
			 (long long)w->compact_revision);
	else
		snprintf(w->reason, sizeof(w->reason), "the watch was canceled by etcd");
	if (w->compact_revision > 0)
		w->code = 11;	/* OutOfRange, as etcd's gRPC API says it */
	return 0;
}

static int
etcd_reply_watch_result(struct json_object *res, struct etcd_watch_line *w,
			struct etcd_reply_err *e)
{
	struct json_object *created, *canceled, *events;

	if (etcd_reply_header(res, "result.", &w->revision, e) < 0 ||
	    etcd_reply_member(res, "result.", "created", json_type_boolean, &created, e) < 0 ||
	    etcd_reply_member(res, "result.", "canceled", json_type_boolean, &canceled, e) < 0 ||
	    etcd_reply_member(res, "result.", "events", json_type_array, &events, e) < 0)
		return -1;
	if (canceled != NULL && json_object_get_boolean(canceled))
		return etcd_reply_canceled(res, w, e);
	if (events != NULL && etcd_reply_events(events, w, e) < 0)
		return -1;
	if (w->n_events > 0)
		w->kind = ETCD_WATCH_LINE_EVENTS;
	else if (created != NULL && json_object_get_boolean(created))
		w->kind = ETCD_WATCH_LINE_CREATED;
	else
		w->kind = ETCD_WATCH_LINE_PROGRESS;
	return 0;
}

int
etcd_reply_watch_line(const char *line, size_t len, struct etcd_watch_line *w, char *err,
		      size_t errlen)
{
	struct etcd_reply_err e = { err, errlen };
	struct json_object *o, *res;
	int rc = -1;

	memset(w, 0, sizeof(*w));
	o = etcd_reply_json(line, len, &e);
	if (o == NULL)
		return -1;
	if (json_object_object_get_ex(o, "error", NULL)) {
		w->kind = ETCD_WATCH_LINE_CANCELED;
		rc = etcd_reply_error(o, w->reason, sizeof(w->reason), &w->code, &e);
		goto out;
	}
	if (etcd_reply_member(o, "", "result", json_type_object, &res, &e) < 0)
		goto out;
	if (res == NULL) {
		etcd_reply_fail(&e, "result: missing");
		goto out;
	}
	rc = etcd_reply_watch_result(res, w, &e);
out:
	json_object_put(o);
	if (rc < 0)
		etcd_reply_watch_line_clear(w);
	return rc;
}

void
etcd_reply_watch_line_clear(struct etcd_watch_line *w)
{
	size_t i;

	for (i = 0; i < w->n_events; i++)
		etcd_reply_kv_clear(&w->events[i].kv);
	free(w->events);
	w->events = NULL;
	w->n_events = 0;
}
