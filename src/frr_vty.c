/*
 * frr_vty.c - incremental parser for FRR vty replies, and the reader of
 * bgpd's per-prefix JSON (see frr_vty.h).
 *
 * driver_frr.c reads bgpd's vty socket in whatever chunks the kernel hands
 * over; this file turns them into one event per reply.  No I/O, no logging
 * and nothing from the rest of the daemon, so the fuzzer links it alone
 * (with json-c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "frr_vty.h"

const char *const frr_vty_kind_names[FRR_VTY__COUNT] = {
	[FRR_VTY_REPLY] = "reply",
	[FRR_VTY_ERROR] = "error",
};

static const char *const frr_vty_status_names[FRR_VTY_STATUS__COUNT] = {
	[FRR_VTY_SUCCESS] = "success",
	[FRR_VTY_WARNING] = "warning",
	[FRR_VTY_ERR_NO_MATCH] = "no-match",
	[FRR_VTY_ERR_AMBIGUOUS] = "ambiguous",
	[FRR_VTY_ERR_INCOMPLETE] = "incomplete",
	[FRR_VTY_ERR_EXEED_ARGC_MAX] = "too-many-arguments",
	[FRR_VTY_ERR_NOTHING_TODO] = "nothing-to-do",
	[FRR_VTY_COMPLETE_FULL_MATCH] = "complete-full-match",
	[FRR_VTY_COMPLETE_MATCH] = "complete-match",
	[FRR_VTY_COMPLETE_LIST_MATCH] = "complete-list-match",
	[FRR_VTY_SUCCESS_DAEMON] = "success-daemon",
	[FRR_VTY_ERR_NO_FILE] = "no-file",
	[FRR_VTY_SUSPEND] = "suspend",
	[FRR_VTY_WARNING_CONFIG_FAILED] = "warning-config-failed",
	[FRR_VTY_NOT_MY_INSTANCE] = "not-my-instance",
	[FRR_VTY_NO_LEVEL_UP] = "no-level-up",
	[FRR_VTY_ERR_NO_DAEMON] = "no-daemon",
};

const char *
frr_vty_status_name(int status)
{
	if (status < 0 || status >= FRR_VTY_STATUS__COUNT)
		return "unknown";
	return frr_vty_status_names[status];
}

void
frr_vty_init(struct frr_vty_parser *p, size_t max)
{
	memset(p, 0, sizeof(*p));
	p->max = max != 0 ? max : FRR_VTY_TEXT_MAX;
}

void
frr_vty_reset(struct frr_vty_parser *p)
{
	p->len = 0;
	p->zeros = 0;
	p->failed = false;
}

void
frr_vty_free(struct frr_vty_parser *p)
{
	if (p == NULL)
		return;
	free(p->text);
	p->text = NULL;
	p->len = p->cap = 0;
}

static int
frr_vty_fail(struct frr_vty_parser *p, frr_vty_cb cb, void *arg, const char *why)
{
	struct frr_vty_event ev = {
		.kind = FRR_VTY_ERROR, .status = -1, .text = why, .len = strlen(why),
	};

	p->failed = true;
	cb(arg, &ev);
	return -1;
}

/* Room for `need` text bytes and a NUL; doubles, capped at max + 1. */
static int
frr_vty_reserve(struct frr_vty_parser *p, size_t need)
{
	size_t cap = p->cap != 0 ? p->cap : 256;
	char *t;

	if (need + 1 <= p->cap)
		return 0;
	while (cap < need + 1)
		cap *= 2;
	if (cap > p->max + 1)
		cap = p->max + 1;
	t = realloc(p->text, cap);
	if (t == NULL)
		return -1;
	p->text = t;
	p->cap = cap;
	return 0;
}

int
frr_vty_feed(struct frr_vty_parser *p, const void *buf, size_t len, frr_vty_cb cb, void *arg)
{
	const unsigned char *s = buf;
	size_t i = 0;

	if (p->failed)
		return -1;
	while (i < len) {
		if (p->zeros == 0) {
			/* Copy the run of text up to the next NUL in one go. */
			const unsigned char *nul = memchr(s + i, '\0', len - i);
			size_t run = nul != NULL ? (size_t)(nul - (s + i)) : len - i;

			if (run > p->max - p->len)
				return frr_vty_fail(p, cb, arg, "reply-too-large");
			if (frr_vty_reserve(p, p->len + run) == -1)
				return frr_vty_fail(p, cb, arg, "out-of-memory");
			memcpy(p->text + p->len, s + i, run);
			p->len += run;
			i += run;
			if (nul == NULL)
				break;
			p->zeros = 1;
			i++;
			continue;
		}
		if (p->zeros < 3) {
			/* The output itself never holds a NUL: a lone one means we
			 * are not talking to a vty. */
			if (s[i++] != '\0')
				return frr_vty_fail(p, cb, arg, "bad-trailer");
			p->zeros++;
			continue;
		}
		{
			struct frr_vty_event ev = { .kind = FRR_VTY_REPLY, .status = s[i++] };

			if (frr_vty_reserve(p, p->len) == -1)
				return frr_vty_fail(p, cb, arg, "out-of-memory");
			p->text[p->len] = '\0';
			ev.text = p->text;
			ev.len = p->len;
			p->len = 0;
			p->zeros = 0;
			if (cb(arg, &ev) != 0)
				return 1;
		}
	}
	return 0;
}

/* True when `o` has member `key` that is boolean true. */
static bool
frr_vty_json_true(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	       json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static int
frr_vty_aspath_length(struct json_object *path)
{
	struct json_object *aspath, *length;

	if (!json_object_object_get_ex(path, "aspath", &aspath) ||
	    !json_object_is_type(aspath, json_type_object) ||
	    !json_object_object_get_ex(aspath, "length", &length) ||
	    !json_object_is_type(length, json_type_int))
		return -1;
	return json_object_get_int(length);
}

/* One community as bgpd names it: well-known ones by name, others as A:B. */
static bool
frr_vty_is_gshut(const char *s, size_t len)
{
	return (len == 16 && memcmp(s, "gracefulShutdown", 16) == 0) ||
	       (len == 17 && memcmp(s, "graceful-shutdown", 17) == 0) ||
	       (len == 7 && memcmp(s, "65535:0", 7) == 0);
}

/* GRACEFUL_SHUTDOWN in the path's "community": the "list" when there is
 * one, else the words of the "string". */
static bool
frr_vty_has_gshut(struct json_object *path)
{
	struct json_object *comm, *list, *str;
	const char *s;
	size_t i, n;

	if (!json_object_object_get_ex(path, "community", &comm) ||
	    !json_object_is_type(comm, json_type_object))
		return false;
	if (json_object_object_get_ex(comm, "list", &list) &&
	    json_object_is_type(list, json_type_array)) {
		for (i = 0; i < json_object_array_length(list); i++) {
			struct json_object *c = json_object_array_get_idx(list, i);

			if (c != NULL && json_object_is_type(c, json_type_string) &&
			    frr_vty_is_gshut(json_object_get_string(c),
					     (size_t)json_object_get_string_len(c)))
				return true;
		}
		return false;
	}
	if (!json_object_object_get_ex(comm, "string", &str) ||
	    !json_object_is_type(str, json_type_string))
		return false;
	for (s = json_object_get_string(str); *s != '\0'; s += n) {
		s += strspn(s, " ");
		n = strcspn(s, " ");
		if (n > 0 && frr_vty_is_gshut(s, n))
			return true;
	}
	return false;
}

int
frr_vty_parse_bgp_prefix(const char *text, size_t len, struct frr_bgp_readback *out,
			 const char **why)
{
	struct json_tokener *tok;
	struct json_object *root, *paths;
	size_t i;
	int rc = -1;

	out->present = false;
	out->n_paths = 0;
	out->prepends = -1;
	out->gshut = false;
	*why = "bad-json";
	if (len > (size_t)INT32_MAX)
		return -1;
	tok = json_tokener_new();
	if (tok == NULL)
		return -1;
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (root == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(root, json_type_object))
		goto done;
	if (!json_object_object_get_ex(root, "paths", &paths)) {
		rc = 0;		/* {}: bgpd has no such prefix at all */
		goto done;
	}
	if (!json_object_is_type(paths, json_type_array)) {
		*why = "bad-paths";
		goto done;
	}
	out->n_paths = json_object_array_length(paths);
	for (i = 0; i < out->n_paths; i++) {
		struct json_object *path = json_object_array_get_idx(paths, i);

		if (path == NULL || !json_object_is_type(path, json_type_object))
			continue;
		if (!frr_vty_json_true(path, "sourced") && !frr_vty_json_true(path, "local"))
			continue;
		out->present = true;
		out->prepends = frr_vty_aspath_length(path);
		out->gshut = frr_vty_has_gshut(path);
		break;
	}
	rc = 0;
done:
	json_object_put(root);
	json_tokener_free(tok);
	if (rc == 0)
		*why = NULL;
	return rc;
}
