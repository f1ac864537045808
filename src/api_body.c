/*
 * api_body.c - the admin verbs' request bodies (see api_body.h): bytes in,
 * a target (one prefix, all of them, nothing) or one line of error out.
 *
 * json-c does the JSON; what is left here is what json-c does not say:
 * a body that ends inside a bare scalar (`1`, `null`) is complete, data after
 * the object is an error, and a string with \u0000 in it is refused, because
 * json-c hands strings and member names to C code that stops at the NUL
 * ("192.0.2.1/32\u0000junk" would become 192.0.2.1/32).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "api_body.h"

#define API_BODY_TARGETS	"give {\"prefix\": \"P\"} or {\"all\": true}"
#define API_BODY_NAME_MAX	64	/* of a member name quoted in an error */

const char *const api_body_kind_names[API_BODY_KIND__COUNT] = {
	[API_BODY_NONE] = "none",
	[API_BODY_PREFIX] = "prefix",
	[API_BODY_ALL] = "all",
};

/* Bytes of JSON whitespace at the start of text[0..len). */
static size_t
api_body_space(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
			   text[i] == '\n'))
		i++;
	return i;
}

/* Whether valid JSON text has the escape \u0000 inside a string (a member
 * name or a value). */
static bool
api_body_has_nul_escape(const char *text, size_t len)
{
	bool in_string = false;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!in_string) {
			in_string = text[i] == '"';
		} else if (text[i] == '"') {
			in_string = false;
		} else if (text[i] == '\\' && i + 1 < len) {
			if (len - i >= 6 && memcmp(text + i + 1, "u0000", 5) == 0)
				return true;
			i++;	/* the escaped character: \" does not end the string */
		}
	}
	return false;
}

/* The JSON value of a non-empty body; NULL with err when it is not one whole
 * JSON object. */
static struct json_object *
api_body_object(const char *text, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root;
	enum json_tokener_error jerr;
	size_t end;

	if (tok == NULL || len > INT_MAX) {
		snprintf(err, errlen, tok == NULL ? "out of memory" : "body too large");
		json_tokener_free(tok);
		return NULL;
	}
	root = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	/* A number, true/false/null at the very end could go on: the end of the
	 * body (fed as a NUL) ends it, and all of the body was the value. */
	if (json_tokener_get_error(tok) == json_tokener_continue) {
		root = json_tokener_parse_ex(tok, "", 1);
		end = len;
	}
	jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_continue) {
		snprintf(err, errlen, "invalid JSON: unexpected end of data");
	} else if (jerr != json_tokener_success) {
		snprintf(err, errlen, "invalid JSON: %s", json_tokener_error_desc(jerr));
	} else if (api_body_space(text + end, len - end) != len - end) {
		snprintf(err, errlen, "invalid JSON: trailing data after the object");
	} else if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "the body must be a JSON object");
	} else if (api_body_has_nul_escape(text, len)) {
		snprintf(err, errlen, "a string in the body holds \\u0000 (a NUL character)");
	} else {
		return root;
	}
	json_object_put(root);
	return NULL;
}

/* A member name fit for the one-line error: control bytes as '?', at most
 * API_BODY_NAME_MAX bytes of it, then "...". */
static const char *
api_body_name(const char *key, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; key[i] != '\0' && i < API_BODY_NAME_MAX && i + 1 < outlen; i++)
		out[i] = (unsigned char)key[i] < 0x20 || key[i] == 0x7f ? '?' : key[i];
	out[i] = '\0';
	if (key[i] != '\0' && i + 4 <= outlen)
		memcpy(out + i, "...", 4);
	return out;
}

/* The members of a verb's object: "prefix" (a string), "all" (a boolean),
 * optionally "force" (a boolean: past the fleet guard). */
static int
api_body_target(struct json_object *obj, struct api_body *out, char *err, size_t errlen)
{
	const char *prefix = NULL;
	bool all = false;

	json_object_object_foreach(obj, key, val) {
		if (strcmp(key, "prefix") == 0 && json_object_is_type(val, json_type_string)) {
			prefix = json_object_get_string(val);
		} else if (strcmp(key, "all") == 0 && json_object_is_type(val, json_type_boolean)) {
			all = json_object_get_boolean(val);
		} else if (strcmp(key, "force") == 0) {
			if (!json_object_is_type(val, json_type_boolean)) {
				snprintf(err, errlen, "\"force\" must be true or false");
				return -1;
			}
			out->force = json_object_get_boolean(val);
		} else {
			char name[API_BODY_NAME_MAX + 4];

			snprintf(err, errlen, "unexpected member \"%s\": " API_BODY_TARGETS,
				 api_body_name(key, name, sizeof(name)));
			return -1;
		}
	}
	if ((prefix != NULL) == all) {
		snprintf(err, errlen, API_BODY_TARGETS);
		return -1;
	}
	out->kind = all ? API_BODY_ALL : API_BODY_PREFIX;
	if (prefix != NULL && (out->prefix = strdup(prefix)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
api_body_parse(const char *text, size_t len, bool reload, struct api_body *out,
	       char *err, size_t errlen)
{
	struct json_object *obj = NULL;
	int rc = -1;

	out->kind = API_BODY_NONE;
	out->prefix = NULL;
	out->force = false;
	if (api_body_space(text, len) < len &&
	    (obj = api_body_object(text, len, err, errlen)) == NULL)
		return -1;
	if (reload) {
		rc = obj == NULL || json_object_object_length(obj) == 0 ? 0 : -1;
		if (rc < 0)
			snprintf(err, errlen, "reload takes no arguments");
	} else if (obj == NULL) {
		snprintf(err, errlen, API_BODY_TARGETS);
	} else {
		rc = api_body_target(obj, out, err, errlen);
	}
	json_object_put(obj);
	if (rc < 0)
		api_body_clear(out);
	return rc;
}

void
api_body_clear(struct api_body *b)
{
	free(b->prefix);
	b->prefix = NULL;
	b->kind = API_BODY_NONE;
	b->force = false;
}
