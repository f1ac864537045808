/*
 * prefix_text.h - prefixes as text: the canonical form of an "ADDRESS/LEN"
 * word (as the config keeps it: host bits cleared, the address as
 * inet_ntop writes it) and the lookup of a config prefix by that text.
 *
 * The routers print prefixes in their own words (BIRD's `show route`
 * lines, the keys of FRR's advertised-routes JSON); the session read-back
 * (bird_sessions.c, frr_sessions.c, the drivers) brings them to this form
 * before comparing them with the config's.  Pure, no I/O.
 */
#ifndef AHD_PREFIX_TEXT_H
#define AHD_PREFIX_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest canonical prefix text with its NUL ("ffff:...:ffff/128"). */
#define PREFIX_TEXT_MAX		50

/*
 * The `len` bytes at `s` (no NUL needed) as one "ADDRESS/LEN" prefix, IPv4
 * (dotted quad) or IPv6, written canonical to `out`: true.  Anything else
 * (blanks, a bad address, a length out of range or with leading zeros, an
 * `out` too small) is false with `out` "" (when outlen > 0).
 */
bool prefix_text_canon(const char *s, size_t len, char *out, size_t outlen);

/* The config's prefixes by canonical text, for lookups in O(log n). */
struct prefix_text_index {
	struct prefix_text_ref *refs;	/* sorted by text */
	size_t n;
};

/* Built from `n` prefix strings (one that is not a prefix is left out):
 * 0, or -1 when out of memory.  prefix_text_index_free() releases it
 * (also an empty or failed one). */
int prefix_text_index_build(struct prefix_text_index *ix, const char *const *prefixes,
			     size_t n);
void prefix_text_index_free(struct prefix_text_index *ix);

/* True with *index (into the array it was built from) when canonical
 * `text` is one of the prefixes. */
bool prefix_text_index_find(const struct prefix_text_index *ix, const char *text,
			    size_t *index);

#endif
