/*
 * api_body.h - the body of an admin verb (POST on the admin socket), parsed
 * without I/O so the unit tests and the fuzzer call it directly.
 *
 *   drain, maintenance, resume   {"prefix": "P"} or {"all": true}, and
 *                                optionally "force": true (past the fleet guard)
 *   reload                       nothing: an empty body (whitespace) or {}
 *
 * Anything else is refused with one line saying what was wrong; api.c sends
 * it back as 400 {"error": "..."}.
 */
#ifndef AHD_API_BODY_H
#define AHD_API_BODY_H

#include <stdbool.h>
#include <stddef.h>

enum api_body_kind {
	API_BODY_NONE,		/* empty, or {} */
	API_BODY_PREFIX,	/* {"prefix": "P"} */
	API_BODY_ALL,		/* {"all": true} */
	API_BODY_KIND__COUNT
};

extern const char *const api_body_kind_names[API_BODY_KIND__COUNT];

struct api_body {
	enum api_body_kind kind;
	char *prefix;		/* API_BODY_PREFIX: malloc'd, NUL-free; else NULL */
	bool force;		/* "force": true: skip the fleet guard */
};

/*
 * Parse len bytes of text (need not be NUL-terminated) as a verb's body, or
 * with `reload` as reload's.  Returns 0 with *out filled (free it with
 * api_body_clear), or -1 with the reason in err ("invalid JSON: ...", "the
 * body must be a JSON object", ...) and *out empty.
 */
int api_body_parse(const char *text, size_t len, bool reload, struct api_body *out,
		   char *err, size_t errlen);

/* Free what api_body_parse put in b; accepts an empty one. */
void api_body_clear(struct api_body *b);

#endif
