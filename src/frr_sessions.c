/*
 * frr_sessions.c - bgpd's answers about its BGP sessions (frr_sessions.h):
 * the neighbors of `show bgp neighbors json` with their state and address
 * families, and the prefixes a neighbor is sent (`... advertised-routes
 * json`).  json-c parses; nothing here does I/O, so the unit tests and the
 * fuzzer drive it with recorded and hostile text.
 */
#include <stdint.h>
#include <string.h>
#include <json-c/json.h>

#include "frr_sessions.h"
#include "prefix_text.h"

static bool
frr_sessions_only_space(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strchr(" \t\r\n", s[i]) == NULL || s[i] == '\0')
			return false;
	return true;
}

/* The whole text as one JSON object (and blanks after it), or NULL. */
static struct json_object *
frr_sessions_parse_object(const char *text, size_t len)
{
	struct json_tokener *tok;
	struct json_object *root;

	if (len > (size_t)INT32_MAX || (tok = json_tokener_new()) == NULL)
		return NULL;
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (root != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
			     !json_object_is_type(root, json_type_object) ||
			     !frr_sessions_only_space(text + json_tokener_get_parse_end(tok),
						      len - json_tokener_get_parse_end(tok)))) {
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	return root;
}

/* The string member `key` of `o` and its length (*len, which counts the
 * bytes after an embedded NUL), or NULL. */
static const char *
frr_sessions_string(struct json_object *o, const char *key, size_t *len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

/* The "sentPrefixCounter" of one address family's object (0 if none). */
static unsigned long
frr_sessions_sent(struct json_object *af)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_is_type(af, json_type_object) ||
	    !json_object_object_get_ex(af, "sentPrefixCounter", &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	n = json_object_get_int64(v);
	return n > 0 ? (unsigned long)n : 0;
}

/* The address families of a neighbor's "addressFamilyInfo" and how many
 * prefixes it is sent in each. */
static void
frr_sessions_afs(struct json_object *nbr, struct frr_sessions_neighbor *out)
{
	static const char *const names[2] = { "ipv4Unicast", "ipv6Unicast" };
	static const unsigned bits[2] = { FRR_SESSIONS_AF_IPV4, FRR_SESSIONS_AF_IPV6 };
	struct json_object *info, *v;

	memset(out, 0, sizeof(*out));
	if (!json_object_object_get_ex(nbr, "addressFamilyInfo", &info) ||
	    !json_object_is_type(info, json_type_object))
		return;
	for (int i = 0; i < 2; i++) {
		if (!json_object_object_get_ex(info, names[i], &v))
			continue;
		out->afs |= bits[i];
		out->sent[i] = frr_sessions_sent(v);
	}
}

/* Copies s into out[size]; false when it does not fit. */
static bool
frr_sessions_copy(char *out, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size)
		return false;
	memcpy(out, s, n + 1);
	return true;
}

/* The `n` bytes at s are printable ASCII: no control byte (nor an embedded
 * NUL) goes on into logs, the status and the metrics' labels. */
static bool
frr_sessions_printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* One neighbor into *s and *info; NULL, or why it cannot be. */
static const char *
frr_sessions_neighbor(const char *name, struct json_object *nbr, struct bgp_session *s,
		      struct frr_sessions_neighbor *info)
{
	const char *state;
	size_t len;

	if (!json_object_is_type(nbr, json_type_object))
		return "bad-neighbor";
	if ((state = frr_sessions_string(nbr, "bgpState", &len)) == NULL)
		return "no-state";
	if (!frr_sessions_printable(name, strlen(name)))
		return "bad-name";
	if (!frr_sessions_printable(state, len))
		return "bad-state";
	if (!frr_sessions_copy(s->name, sizeof(s->name), name))
		return "name-too-long";
	if (!frr_sessions_copy(s->state, sizeof(s->state), state))
		return "state-too-long";
	s->established = strcmp(state, "Established") == 0;
	frr_sessions_afs(nbr, info);
	return NULL;
}

int
frr_sessions_parse_neighbors(const char *text, size_t len, struct bgp_sessions *t,
			     struct frr_sessions_neighbor *info, size_t *more, const char **why)
{
	struct json_object *root = frr_sessions_parse_object(text, len);
	struct json_object_iterator it, end;
	struct frr_sessions_neighbor a;
	struct bgp_session s;

	t->n = 0;
	*more = 0;
	*why = root == NULL ? "bad-json" : NULL;
	if (root == NULL)
		return -1;
	it = json_object_iter_begin(root);
	end = json_object_iter_end(root);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		memset(&s, 0, sizeof(s));
		*why = frr_sessions_neighbor(json_object_iter_peek_name(&it),
					     json_object_iter_peek_value(&it), &s, &a);
		if (*why != NULL)
			break;
		if (t->n == BGP_SESSIONS_MAX) {
			(*more)++;
			continue;
		}
		info[t->n] = a;
		t->s[t->n++] = s;
	}
	json_object_put(root);
	if (*why == NULL)
		return 0;
	t->n = 0;
	*more = 0;
	return -1;
}

/* Every key of `routes` is a prefix: true. */
static bool
frr_sessions_keys_ok(struct json_object *routes)
{
	struct json_object_iterator it = json_object_iter_begin(routes);
	struct json_object_iterator end = json_object_iter_end(routes);
	char canon[PREFIX_TEXT_MAX];

	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *k = json_object_iter_peek_name(&it);

		if (!prefix_text_canon(k, strlen(k), canon, sizeof(canon)))
			return false;
	}
	return true;
}

int
frr_sessions_parse_advertised(const char *text, size_t len, frr_sessions_prefix_cb cb,
			      void *arg, const char **why)
{
	struct json_object *root = frr_sessions_parse_object(text, len), *routes;
	struct json_object_iterator it, end;
	char canon[PREFIX_TEXT_MAX];
	size_t wlen;
	int rc = -1;

	*why = "bad-json";
	if (root == NULL)
		return -1;
	if (!json_object_object_get_ex(root, "advertisedRoutes", &routes)) {
		rc = frr_sessions_string(root, "warning", &wlen) != NULL ? 1 : -1;
		*why = rc == 1 ? NULL : "no-routes";
		goto done;
	}
	*why = !json_object_is_type(routes, json_type_object) ? "no-routes" :
		!frr_sessions_keys_ok(routes) ? "bad-prefix" : NULL;
	if (*why != NULL)
		goto done;
	it = json_object_iter_begin(routes);
	end = json_object_iter_end(routes);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *k = json_object_iter_peek_name(&it);

		prefix_text_canon(k, strlen(k), canon, sizeof(canon));
		cb(arg, canon);
	}
	rc = 0;
done:
	json_object_put(root);
	return rc;
}
