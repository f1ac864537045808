/*
 * override_file.c - the operator's overrides on disk (see override_file.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* asprintf */
#endif
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "file_util.h"
#include "log.h"
#include "override_file.h"

char *
override_file_format(const struct saved_override *v, size_t n)
{
	struct json_object *root = json_object_new_object(), *list = json_object_new_array();
	char *text;
	size_t i;

	json_object_object_add(root, "version", json_object_new_int(OVERRIDE_FILE_VERSION));
	for (i = 0; i < n; i++) {
		struct json_object *o;

		if (v[i].admin != ADMIN_DRAIN && v[i].admin != ADMIN_MAINTENANCE)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "prefix", json_object_new_string(v[i].prefix));
		json_object_object_add(o, "admin", json_object_new_string(admin_state_names[v[i].admin]));
		json_object_object_add(o, "since", json_object_new_double(v[i].since));
		if (v[i].admin == ADMIN_DRAIN)
			json_object_object_add(o, "drain_until", json_object_new_double(v[i].drain_until));
		json_object_array_add(list, o);
	}
	json_object_object_add(root, "overrides", list);
	if (asprintf(&text, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_SPACED |
								     JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		fatalx("out of memory");
	json_object_put(root);
	return text;
}

static int __attribute__((format(printf, 3, 4)))
override_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A finite, non-negative JSON number (int or double) at key; -1 otherwise. */
static int
override_time(struct json_object *o, const char *key, size_t i, double *out,
	      char *err, size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return override_error(err, errlen, "overrides[%zu]: missing \"%s\"", i, key);
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return override_error(err, errlen, "overrides[%zu]/%s: not a number", i, key);
	*out = json_object_get_double(v);
	if (!isfinite(*out) || *out < 0)
		return override_error(err, errlen, "overrides[%zu]/%s: not a time", i, key);
	return 0;
}

static int
override_entry(struct json_object *o, size_t i, struct saved_override *s, char *err, size_t errlen)
{
	struct json_object *v;
	const char *str;

	if (!json_object_is_type(o, json_type_object))
		return override_error(err, errlen, "overrides[%zu]: not an object", i);
	if (!json_object_object_get_ex(o, "prefix", &v) || !json_object_is_type(v, json_type_string))
		return override_error(err, errlen, "overrides[%zu]: missing \"prefix\" string", i);
	str = json_object_get_string(v);
	if (str[0] == '\0' || strlen(str) >= sizeof(s->prefix) ||
	    strlen(str) != (size_t)json_object_get_string_len(v))	/* a \u0000 inside */
		return override_error(err, errlen, "overrides[%zu]/prefix: \"%.80s\" is not a prefix",
				      i, str);
	snprintf(s->prefix, sizeof(s->prefix), "%s", str);
	if (!json_object_object_get_ex(o, "admin", &v) || !json_object_is_type(v, json_type_string))
		return override_error(err, errlen, "overrides[%zu]: missing \"admin\" string", i);
	str = json_object_get_string(v);
	if (strcmp(str, admin_state_names[ADMIN_DRAIN]) == 0)
		s->admin = ADMIN_DRAIN;
	else if (strcmp(str, admin_state_names[ADMIN_MAINTENANCE]) == 0)
		s->admin = ADMIN_MAINTENANCE;
	else
		return override_error(err, errlen,
				      "overrides[%zu]/admin: \"%.40s\" is not drain or maintenance", i, str);
	if (override_time(o, "since", i, &s->since, err, errlen) < 0)
		return -1;
	s->drain_until = 0;
	if (s->admin != ADMIN_DRAIN)
		return 0;
	if (override_time(o, "drain_until", i, &s->drain_until, err, errlen) < 0)
		return -1;
	/* drain-time-s is at most 86400 */
	if (s->drain_until < s->since || s->drain_until > s->since + 86400)
		return override_error(err, errlen, "overrides[%zu]/drain_until: not within a day "
				      "after since", i);
	return 0;
}

int
override_file_parse(const char *text, struct saved_override **out, size_t *n,
		    char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();	/* strict: no comments, no trailing commas */
	struct json_object *root, *v, *list;
	struct saved_override *res = NULL;
	size_t len = strlen(text), count, i, j;
	int rc = -1;

	*out = NULL;
	*n = 0;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (root == NULL) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		override_error(err, errlen, "not JSON: %s at byte %zu",
			       e == json_tokener_continue ? "unexpected end of file" :
			       json_tokener_error_desc(e), json_tokener_get_parse_end(tok));
		goto out;
	}
	if (!json_object_is_type(root, json_type_object)) {
		override_error(err, errlen, "not a JSON object");
		goto out;
	}
	if (!json_object_object_get_ex(root, "version", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != OVERRIDE_FILE_VERSION) {
		override_error(err, errlen, "version: not %d (written by another anycast-healthd?)",
			       OVERRIDE_FILE_VERSION);
		goto out;
	}
	if (!json_object_object_get_ex(root, "overrides", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		override_error(err, errlen, "overrides: missing or not a list");
		goto out;
	}
	count = json_object_array_length(list);
	res = count ? xcalloc(count, sizeof(*res)) : NULL;
	for (i = 0; i < count; i++) {
		if (override_entry(json_object_array_get_idx(list, i), i, &res[i], err, errlen) < 0)
			goto out;
		for (j = 0; j < i; j++)
			if (strcmp(res[j].prefix, res[i].prefix) == 0) {
				override_error(err, errlen, "overrides[%zu]/prefix: %s is listed twice",
					       i, res[i].prefix);
				goto out;
			}
	}
	*out = res;
	*n = count;
	res = NULL;
	rc = 0;
out:
	free(res);
	json_object_put(root);
	json_tokener_free(tok);
	return rc;
}

int
override_file_load(const char *path, struct saved_override **out, size_t *n,
		   char *err, size_t errlen)
{
	char msg[192];
	char *text;
	int rc;

	*out = NULL;
	*n = 0;
	text = file_read_all(path, OVERRIDE_FILE_MAX_BYTES);
	if (text == NULL) {
		if (errno == ENOENT)
			return 0;
		return override_error(err, errlen, "%s: %s", path,
				      errno == EFBIG ? "larger than 1 MiB" :
				      errno == EINVAL ? "holds a NUL byte" :
				      errno == ENODEV ? "not a regular file" : strerror(errno));
	}
	rc = override_file_parse(text, out, n, msg, sizeof(msg));
	free(text);
	if (rc < 0)
		return override_error(err, errlen, "%s: %s", path, msg);
	return 0;
}

int
override_file_save(const char *path, const struct saved_override *v, size_t n,
		   char *err, size_t errlen)
{
	char *text = override_file_format(v, n);
	int rc = file_write_atomic(path, text, 0640, true);

	if (rc < 0)
		override_error(err, errlen, "%s: %s", path, strerror(errno));
	free(text);
	return rc;
}
