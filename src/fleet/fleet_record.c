/*
 * fleet_record.c - a gateway's summary record (the store's
 * /anycast-healthd/FLEET/gateways/NODE) to JSON and back; format in
 * docs/fleet.md.  Pure: fleet.c publishes what encode() gives and hands
 * decode() what the watch brings.
 *
 * decode() reads what another gateway (or anyone with write access to the
 * store) wrote, so it trusts nothing: every field's JSON type is checked,
 * strings are bounded and restricted to the characters their field can
 * hold (no control character reaches a log line or the CLI's table), lists
 * are bounded and free of duplicates (fleet_view.c counts on one entry per
 * prefix and per fingerprint), numbers are finite and in range.  Members it
 * does not know are ignored, so an older gateway reads a newer one's record.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fleet/fleet_record.h"
#include "fleet/fingerprint.h"
#include "log.h"

#define FLEET_RECORD_MAX_TEXT	(4 * 1024 * 1024)
#define FLEET_RECORD_MAX_LIST	1024		/* services, prefixes, fingerprints */
#define FLEET_RECORD_MAX_DEPTH	8		/* the format nests 3 deep */
#define FLEET_RECORD_MAX_CARRIED	1024	/* BGP sessions carrying a prefix */
#define FLEET_RECORD_JSON_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* ---- encode ---- */

static struct json_object *
fleet_record_str(const char *s)
{
	return json_object_new_string(s != NULL ? s : "");
}

/*
 * Unix seconds to the millisecond, without json-c's %.17g noise
 * (1764672000.1229999): "1764672000.123", "1764671990.5", "1764672000.0".
 */
static struct json_object *
fleet_record_time(double t)
{
	char buf[64];
	size_t len;

	if (!isfinite(t) || t < 0 || t > 1e15)
		t = 0;
	len = (size_t)snprintf(buf, sizeof(buf), "%.3f", t);
	while (len > 2 && buf[len - 1] == '0' && buf[len - 2] != '.')
		buf[--len] = '\0';
	return json_object_new_double_s(t, buf);
}

static struct json_object *
fleet_record_service_json(const struct fleet_record_service *s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", fleet_record_str(s->name));
	json_object_object_add(o, "verdict", fleet_record_str(s->verdict));
	json_object_object_add(o, "reason", fleet_record_str(s->reason));
	return o;
}

static struct json_object *
fleet_record_prefix_json(const struct fleet_record_prefix *p)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "prefix", fleet_record_str(p->prefix));
	json_object_object_add(o, "desired", fleet_record_str(p->desired));
	json_object_object_add(o, "actual", fleet_record_str(p->actual));
	json_object_object_add(o, "held", json_object_new_boolean(p->held));
	json_object_object_add(o, "min_announcers", json_object_new_int64(p->min_announcers));
	json_object_object_add(o, "since", fleet_record_time(p->since));
	json_object_object_add(o, "carried", p->carried_known ?
			       json_object_new_int64(p->carried) : NULL);
	json_object_object_add(o, "uncarried", json_object_new_boolean(p->uncarried));
	return o;
}

static struct json_object *
fleet_record_fingerprint_json(const struct fleet_record_fingerprint *f)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", fleet_record_str(f->name));
	json_object_object_add(o, "hmac", fleet_record_str(f->hmac));
	return o;
}

struct json_object *
fleet_record_to_json(const struct fleet_record *r)
{
	struct json_object *o = json_object_new_object(), *sub, *list;
	size_t i;

	json_object_object_add(o, "node", fleet_record_str(r->node));
	json_object_object_add(o, "version", fleet_record_str(r->version));
	json_object_object_add(o, "updated", fleet_record_time(r->updated));
	json_object_object_add(o, "last_change", fleet_record_time(r->last_change));
	sub = json_object_new_object();
	json_object_object_add(sub, "kind", fleet_record_str(r->router_kind));
	json_object_object_add(sub, "reachable", json_object_new_boolean(r->router_reachable));
	json_object_object_add(o, "router", sub);
	sub = json_object_new_object();
	json_object_object_add(sub, "alone", json_object_new_boolean(r->alone));
	json_object_object_add(o, "store", sub);
	list = json_object_new_array();
	for (i = 0; i < r->n_services; i++)
		json_object_array_add(list, fleet_record_service_json(&r->services[i]));
	json_object_object_add(o, "services", list);
	list = json_object_new_array();
	for (i = 0; i < r->n_prefixes; i++)
		json_object_array_add(list, fleet_record_prefix_json(&r->prefixes[i]));
	json_object_object_add(o, "prefixes", list);
	list = json_object_new_array();
	for (i = 0; i < r->n_fingerprints; i++)
		json_object_array_add(list, fleet_record_fingerprint_json(&r->fingerprints[i]));
	json_object_object_add(o, "fingerprints", list);
	return o;
}

char *
fleet_record_encode(const struct fleet_record *r)
{
	struct json_object *o = fleet_record_to_json(r);
	const char *text = o != NULL ? json_object_to_json_string_ext(o, FLEET_RECORD_JSON_FLAGS) : NULL;
	char *out = text != NULL ? strdup(text) : NULL;

	json_object_put(o);
	return out;
}

/* ---- decode ---- */

/* What a string field may hold. */
enum fleet_record_chars {
	FR_TEXT,	/* anything but control characters (UTF-8 passes) */
	FR_WORD,	/* a state, a verdict, a digest: [A-Za-z0-9_-] */
	FR_NODE,	/* a node (host) name: [A-Za-z0-9.-] */
	FR_NAME,	/* a service name: [A-Za-z0-9_.-] */
	FR_PREFIX,	/* an IPv4 or IPv6 prefix: [0-9A-Fa-f.:/] */
};

struct fleet_record_field {
	const char *name;
	enum fleet_record_chars chars;
	size_t min, max;		/* length in bytes */
};

static bool
fleet_record_char_ok(enum fleet_record_chars chars, unsigned char c)
{
	switch (chars) {
	case FR_TEXT:
		return c >= 0x20 && c != 0x7f;
	case FR_WORD:
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_';
	case FR_NODE:
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.';
	case FR_NAME:
		return fleet_record_char_ok(FR_NODE, c) || c == '_';
	case FR_PREFIX:
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
		    c == '.' || c == ':' || c == '/';
	}
	return false;
}

/* One decode: where errors go. */
struct fleet_record_dec {
	char *err;
	size_t errlen;
};

static int fleet_record_fail(struct fleet_record_dec *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
fleet_record_fail(struct fleet_record_dec *d, const char *fmt, ...)
{
	va_list ap;

	if (d->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(d->err, d->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* "prefixes[2].since", or "node" at the top. */
static const char *
fleet_record_where(char *buf, size_t len, const char *parent, const char *name)
{
	if (parent[0] == '\0')
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s.%s", parent, name);
	return buf;
}

static const char *const fleet_record_type_words[] = {
	[json_type_null] = "null", [json_type_boolean] = "a boolean", [json_type_double] = "a number",
	[json_type_int] = "a number", [json_type_object] = "an object", [json_type_array] = "an array",
	[json_type_string] = "a string",
};

/* Member `name` of `o`, of JSON type `type` (json_type_double: any number). */
static int
fleet_record_member(struct fleet_record_dec *d, struct json_object *o, const char *parent, const char *name,
		    enum json_type type, struct json_object **v)
{
	enum json_type got;
	char where[160];

	if (!json_object_object_get_ex(o, name, v))
		return fleet_record_fail(d, "%s: missing \"%s\"", parent[0] != '\0' ? parent : "record", name);
	got = json_object_get_type(*v);
	if (got == type || (type == json_type_double && got == json_type_int))
		return 0;
	return fleet_record_fail(d, "%s: %s, not %s", fleet_record_where(where, sizeof(where), parent, name),
	    fleet_record_type_words[got], type == json_type_int ? "an integer" : fleet_record_type_words[type]);
}

static int
fleet_record_string(struct fleet_record_dec *d, struct json_object *o, const char *parent,
		    const struct fleet_record_field *f, char **out)
{
	struct json_object *v;
	const char *s;
	char where[160];
	size_t len, i;

	if (fleet_record_member(d, o, parent, f->name, json_type_string, &v) < 0)
		return -1;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	fleet_record_where(where, sizeof(where), parent, f->name);
	if (len < f->min || len > f->max)
		return fleet_record_fail(d, "%s: %zu bytes long, not %zu..%zu", where, len, f->min, f->max);
	for (i = 0; i < len; i++)
		if (!fleet_record_char_ok(f->chars, (unsigned char)s[i]))
			return fleet_record_fail(d, "%s: byte %zu (0x%02x) is not allowed here", where, i,
			    (unsigned char)s[i]);
	*out = xstrdup(s);
	return 0;
}

static int
fleet_record_bool(struct fleet_record_dec *d, struct json_object *o, const char *parent, const char *name,
		  bool *out)
{
	struct json_object *v;

	if (fleet_record_member(d, o, parent, name, json_type_boolean, &v) < 0)
		return -1;
	*out = json_object_get_boolean(v);
	return 0;
}

/* Unix seconds: a finite number, not negative. */
static int
fleet_record_seconds(struct fleet_record_dec *d, struct json_object *o, const char *parent, const char *name,
		     double *out)
{
	struct json_object *v;
	char where[160];
	double t;

	if (fleet_record_member(d, o, parent, name, json_type_double, &v) < 0)
		return -1;
	t = json_object_get_double(v);
	if (!isfinite(t) || t < 0)
		return fleet_record_fail(d, "%s: not a time (finite, not negative)",
		    fleet_record_where(where, sizeof(where), parent, name));
	*out = t;
	return 0;
}

static int
fleet_record_unsigned(struct fleet_record_dec *d, struct json_object *o, const char *parent, const char *name,
		      unsigned *out)
{
	struct json_object *v;
	char where[160];
	int64_t n;

	if (fleet_record_member(d, o, parent, name, json_type_int, &v) < 0)
		return -1;
	n = json_object_get_int64(v);
	if (n < 0 || (uint64_t)n > UINT32_MAX)
		return fleet_record_fail(d, "%s: out of range 0..%u",
		    fleet_record_where(where, sizeof(where), parent, name), UINT32_MAX);
	*out = (unsigned)n;
	return 0;
}

/* The optional "carried": absent or null (unknown, or an older writer),
 * or an integer 0..FLEET_RECORD_MAX_CARRIED. */
static int
fleet_record_carried(struct fleet_record_dec *d, struct json_object *o, const char *parent,
		     struct fleet_record_prefix *p)
{
	struct json_object *v;
	char where[160];
	int64_t n;

	if (!json_object_object_get_ex(o, "carried", &v) || v == NULL)
		return 0;
	fleet_record_where(where, sizeof(where), parent, "carried");
	if (!json_object_is_type(v, json_type_int))
		return fleet_record_fail(d, "%s: %s, not an integer or null", where,
		    fleet_record_type_words[json_object_get_type(v)]);
	n = json_object_get_int64(v);
	if (n < 0 || n > FLEET_RECORD_MAX_CARRIED)
		return fleet_record_fail(d, "%s: out of range 0..%d", where, FLEET_RECORD_MAX_CARRIED);
	p->carried_known = true;
	p->carried = (unsigned)n;
	return 0;
}

/* The optional "uncarried": absent (an older writer) is false. */
static int
fleet_record_uncarried(struct fleet_record_dec *d, struct json_object *o, const char *parent,
		       struct fleet_record_prefix *p)
{
	if (!json_object_object_get_ex(o, "uncarried", NULL))
		return 0;
	return fleet_record_bool(d, o, parent, "uncarried", &p->uncarried);
}

static const struct fleet_record_field
	fr_node = { "node", FR_NODE, 1, 63 },
	fr_version = { "version", FR_TEXT, 0, 64 },
	fr_kind = { "kind", FR_WORD, 0, 32 },
	fr_service_name = { "name", FR_NAME, 1, 64 },
	fr_verdict = { "verdict", FR_WORD, 1, 32 },
	fr_reason = { "reason", FR_TEXT, 0, 256 },
	fr_prefix = { "prefix", FR_PREFIX, 1, 64 },
	fr_desired = { "desired", FR_WORD, 1, 32 },
	fr_actual = { "actual", FR_WORD, 1, 32 },
	fr_fp_name = { "name", FR_TEXT, 1, 4095 },
	fr_hmac = { "hmac", FR_WORD, 1, FINGERPRINT_HEX_LEN };

static int
fleet_record_decode_service(struct fleet_record_dec *d, struct json_object *o, const char *where,
			    struct fleet_record_service *s)
{
	if (fleet_record_string(d, o, where, &fr_service_name, &s->name) < 0 ||
	    fleet_record_string(d, o, where, &fr_verdict, &s->verdict) < 0 ||
	    fleet_record_string(d, o, where, &fr_reason, &s->reason) < 0)
		return -1;
	return 0;
}

static int
fleet_record_decode_prefix(struct fleet_record_dec *d, struct json_object *o, const char *where,
			   struct fleet_record_prefix *p)
{
	if (fleet_record_string(d, o, where, &fr_prefix, &p->prefix) < 0 ||
	    fleet_record_string(d, o, where, &fr_desired, &p->desired) < 0 ||
	    fleet_record_string(d, o, where, &fr_actual, &p->actual) < 0 ||
	    fleet_record_bool(d, o, where, "held", &p->held) < 0 ||
	    fleet_record_unsigned(d, o, where, "min_announcers", &p->min_announcers) < 0 ||
	    fleet_record_seconds(d, o, where, "since", &p->since) < 0 ||
	    fleet_record_carried(d, o, where, p) < 0 ||
	    fleet_record_uncarried(d, o, where, p) < 0)
		return -1;
	return 0;
}

/* 64 lower-case hex digits, or one of the two words for a file without one. */
static bool
fleet_record_hmac_ok(const char *h)
{
	size_t i;

	if (strcmp(h, "absent") == 0 || strcmp(h, "unreadable") == 0)
		return true;
	for (i = 0; h[i] != '\0'; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return i == FINGERPRINT_HEX_LEN;
}

static int
fleet_record_decode_fingerprint(struct fleet_record_dec *d, struct json_object *o, const char *where,
				struct fleet_record_fingerprint *f)
{
	if (fleet_record_string(d, o, where, &fr_fp_name, &f->name) < 0 ||
	    fleet_record_string(d, o, where, &fr_hmac, &f->hmac) < 0)
		return -1;
	if (!fleet_record_hmac_ok(f->hmac))
		return fleet_record_fail(d, "%s.hmac: neither 64 hex digits nor \"absent\" or \"unreadable\"", where);
	return 0;
}

/*
 * The array member `name`: at most FLEET_RECORD_MAX_LIST objects, each
 * decoded into base[i * size] by `one`; `key` (the offset of the entry's
 * identifying string) must not repeat.
 */
typedef int (*fleet_record_one_fn)(struct fleet_record_dec *, struct json_object *, const char *, void *);

static int
fleet_record_list(struct fleet_record_dec *d, struct json_object *top, const char *name, size_t size,
		  size_t key, fleet_record_one_fn one, void **base, size_t *n)
{
	struct json_object *a, *e;
	char where[64];
	size_t len, i, j;

	if (fleet_record_member(d, top, "", name, json_type_array, &a) < 0)
		return -1;
	len = json_object_array_length(a);
	if (len > FLEET_RECORD_MAX_LIST)
		return fleet_record_fail(d, "%s: %zu entries, more than %d", name, len, FLEET_RECORD_MAX_LIST);
	*base = xcalloc(len + 1, size);
	for (i = 0; i < len; i++) {
		char *entry = (char *)*base + i * size;

		*n = i + 1;	/* counted before it is filled: a failure frees what it got */
		snprintf(where, sizeof(where), "%s[%zu]", name, i);
		e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_object))
			return fleet_record_fail(d, "%s: %s, not an object", where,
			    fleet_record_type_words[json_object_get_type(e)]);
		if (one(d, e, where, entry) < 0)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(*(char **)(entry + key), *(char **)((char *)*base + j * size + key)) == 0)
				return fleet_record_fail(d, "%s: the same as %s[%zu]", where, name, j);
	}
	return 0;
}

static int
fleet_record_service_one(struct fleet_record_dec *d, struct json_object *o, const char *w, void *e)
{
	return fleet_record_decode_service(d, o, w, e);
}

static int
fleet_record_prefix_one(struct fleet_record_dec *d, struct json_object *o, const char *w, void *e)
{
	return fleet_record_decode_prefix(d, o, w, e);
}

static int
fleet_record_fingerprint_one(struct fleet_record_dec *d, struct json_object *o, const char *w, void *e)
{
	return fleet_record_decode_fingerprint(d, o, w, e);
}

static int
fleet_record_decode_object(struct fleet_record_dec *d, struct json_object *top, struct fleet_record *r)
{
	struct json_object *router, *store;

	if (fleet_record_string(d, top, "", &fr_node, &r->node) < 0 ||
	    fleet_record_string(d, top, "", &fr_version, &r->version) < 0 ||
	    fleet_record_seconds(d, top, "", "updated", &r->updated) < 0 ||
	    fleet_record_seconds(d, top, "", "last_change", &r->last_change) < 0 ||
	    fleet_record_member(d, top, "", "router", json_type_object, &router) < 0 ||
	    fleet_record_string(d, router, "router", &fr_kind, &r->router_kind) < 0 ||
	    fleet_record_bool(d, router, "router", "reachable", &r->router_reachable) < 0 ||
	    fleet_record_member(d, top, "", "store", json_type_object, &store) < 0 ||
	    fleet_record_bool(d, store, "store", "alone", &r->alone) < 0)
		return -1;
	if (fleet_record_list(d, top, "services", sizeof(*r->services),
	    offsetof(struct fleet_record_service, name), fleet_record_service_one,
	    (void **)&r->services, &r->n_services) < 0 ||
	    fleet_record_list(d, top, "prefixes", sizeof(*r->prefixes),
	    offsetof(struct fleet_record_prefix, prefix), fleet_record_prefix_one,
	    (void **)&r->prefixes, &r->n_prefixes) < 0 ||
	    fleet_record_list(d, top, "fingerprints", sizeof(*r->fingerprints),
	    offsetof(struct fleet_record_fingerprint, name), fleet_record_fingerprint_one,
	    (void **)&r->fingerprints, &r->n_fingerprints) < 0)
		return -1;
	return 0;
}

/* The offset of the first byte but white space in text[end..len), or len. */
static size_t
fleet_record_trailing(const char *text, size_t end, size_t len)
{
	for (; end < len; end++)
		if (text[end] != ' ' && text[end] != '\t' && text[end] != '\r' && text[end] != '\n')
			return end;
	return len;
}

/* The JSON object the text holds, nothing before or after it; NULL on error. */
static struct json_object *
fleet_record_parse(struct fleet_record_dec *d, const char *text, size_t len)
{
	struct json_tokener *tok;
	struct json_object *top;
	const char *nul;
	size_t end;

	if (len > FLEET_RECORD_MAX_TEXT) {
		fleet_record_fail(d, "%zu bytes, more than %d", len, FLEET_RECORD_MAX_TEXT);
		return NULL;
	}
	if ((nul = memchr(text, '\0', len)) != NULL) {
		fleet_record_fail(d, "a NUL byte at offset %zu", (size_t)(nul - text));
		return NULL;
	}
	if ((tok = json_tokener_new_ex(FLEET_RECORD_MAX_DEPTH)) == NULL)
		fatalx("out of memory");
	top = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (top == NULL) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		fleet_record_fail(d, "not JSON: %s at offset %zu", e == json_tokener_continue ?
		    "unexpected end" : json_tokener_error_desc(e), end);
	} else if ((end = fleet_record_trailing(text, end, len)) < len) {
		fleet_record_fail(d, "data after the JSON value at offset %zu", end);
		json_object_put(top);
		top = NULL;
	} else if (!json_object_is_type(top, json_type_object)) {
		fleet_record_fail(d, "%s, not a JSON object", fleet_record_type_words[json_object_get_type(top)]);
		json_object_put(top);
		top = NULL;
	}
	json_tokener_free(tok);
	return top;
}

int
fleet_record_decode(const char *text, size_t len, struct fleet_record *out, char *err, size_t errlen)
{
	struct fleet_record_dec d = { .err = err, .errlen = errlen };
	struct json_object *top;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (errlen > 0)
		err[0] = '\0';
	if ((top = fleet_record_parse(&d, text, len)) == NULL)
		return -1;
	rc = fleet_record_decode_object(&d, top, out);
	json_object_put(top);
	if (rc < 0)
		fleet_record_clear(out);
	return rc;
}

void
fleet_record_clear(struct fleet_record *r)
{
	size_t i;

	free(r->node);
	free(r->version);
	free(r->router_kind);
	for (i = 0; i < r->n_services; i++) {
		free(r->services[i].name);
		free(r->services[i].verdict);
		free(r->services[i].reason);
	}
	free(r->services);
	for (i = 0; i < r->n_prefixes; i++) {
		free(r->prefixes[i].prefix);
		free(r->prefixes[i].desired);
		free(r->prefixes[i].actual);
	}
	free(r->prefixes);
	for (i = 0; i < r->n_fingerprints; i++) {
		free(r->fingerprints[i].name);
		free(r->fingerprints[i].hmac);
	}
	free(r->fingerprints);
	memset(r, 0, sizeof(*r));
}

const struct fleet_record_prefix *
fleet_record_find_prefix(const struct fleet_record *r, const char *prefix)
{
	size_t i;

	for (i = 0; i < r->n_prefixes; i++)
		if (r->prefixes[i].prefix != NULL && strcmp(r->prefixes[i].prefix, prefix) == 0)
			return &r->prefixes[i];
	return NULL;
}
