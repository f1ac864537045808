/*
 * bird_sessions.c - BIRD's answers about its BGP sessions, as pure parsers:
 * the prefix a `show route` table entry starts with (the export of a BGP
 * protocol, `show route export NAME`) and the BGP rows of `show protocols`.
 * A net of another kind (vpn4, flow4, roa, mpls...) is recognised so that
 * the driver skips it rather than take the whole reply for garbage: such a
 * net can never be one of the config's prefixes.
 *
 * driver_bird.c hands over the text of each reply line as bird_reply.c
 * framed it (code and separator gone).  Nothing here does I/O or allocates,
 * so tests/fuzz/fuzz_bird_sessions.c drives it with plain bytes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* memrchr */
#endif
#include <string.h>

#include "bird_sessions.h"
#include "prefix_text.h"

/* The columns of `show protocols` that come before Since. */
enum bird_sessions_col {
	BIRD_COL_NAME,
	BIRD_COL_PROTO,
	BIRD_COL_TABLE,
	BIRD_COL_STATE,
	BIRD_COL__COUNT
};

static bool
bird_sessions_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The next whitespace-separated word of [*pos, end): its start and length
 * (0 at the end); *pos moves past it. */
static size_t
bird_sessions_word(const char **pos, const char *end, const char **word)
{
	const char *p = *pos;

	while (p < end && bird_sessions_is_blank(*p))
		p++;
	*word = p;
	while (p < end && !bird_sessions_is_blank(*p) && *p != '\0')
		p++;
	*pos = p;
	return (size_t)(p - *word);
}

/* `w` (n bytes) is an IPv4 or IPv6 prefix, ADDRESS/LEN. */
static bool
bird_sessions_is_prefix(const char *w, size_t n)
{
	char out[PREFIX_TEXT_MAX];

	return prefix_text_canon(w, n, out, sizeof(out));
}

/* `w` (n bytes) is made of the bytes of `set` only, and holds one at least. */
static bool
bird_sessions_all_of(const char *w, size_t n, const char *set)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (w[i] == '\0' || strchr(set, w[i]) == NULL)
			return false;
	return true;
}

/* A ROA net's first word, "10.0.0.0/24-32": a prefix, '-', a length. */
static bool
bird_sessions_is_roa(const char *w, size_t n)
{
	const char *dash = memrchr(w, '-', n);

	return dash != NULL && bird_sessions_is_prefix(w, (size_t)(dash - w)) &&
	       bird_sessions_all_of(dash + 1, n - (size_t)(dash - w) - 1, "0123456789");
}

/*
 * The words a net of another kind than ip4/ip6 starts with, as BIRD writes
 * them (net_format() in its lib/net.c): "flow4 { dst 10.0.0.0/8; }", an
 * MPLS label "16", a route distinguisher then a prefix (vpn4/vpn6
 * "1:1 10.0.0.0/24"), a ROA "10.0.0.0/24-32 AS65000", a source-specific
 * "2001:db8::/32 from 2001:db8:1::/48" (ip6_sadr).
 */
static bool
bird_sessions_other_net(const char *w, size_t n, const char *w2, size_t n2)
{
	if (n == 5 && (memcmp(w, "flow4", 5) == 0 || memcmp(w, "flow6", 5) == 0))
		return true;
	if (bird_sessions_all_of(w, n, "0123456789"))
		return true;
	if (memchr(w, ':', n) != NULL && bird_sessions_all_of(w, n, "0123456789.:"))
		return bird_sessions_is_prefix(w2, n2);
	if (bird_sessions_is_roa(w, n))
		return n2 > 2 && memcmp(w2, "AS", 2) == 0;
	return n2 == 4 && memcmp(w2, "from", 4) == 0 && bird_sessions_is_prefix(w, n);
}

bool
bird_route_line_prefix(const char *text, size_t len, char *out, size_t outlen)
{
	const char *pos = text, *end = text + len, *word, *word2;
	size_t n, n2;

	if (outlen > 0)
		out[0] = '\0';
	/* a blank first: another route of the net above, or a continuation */
	if (len == 0 || bird_sessions_is_blank(text[0]))
		return false;
	n = bird_sessions_word(&pos, end, &word);
	n2 = bird_sessions_word(&pos, end, &word2);
	if (bird_sessions_other_net(word, n, word2, n2))
		return true;
	return prefix_text_canon(word, n, out, outlen);
}

/* A word of the Since column: a time or date in BIRD's formats
 * ("16:15:24.583", "2026-12-02"), digits and separators only. */
static bool
bird_sessions_is_time(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (w[i] == '\0' || strchr("0123456789:.-/", w[i]) == NULL)
			return false;
	return true;
}

/* Copies a word of `n` bytes into out[size]; false when it does not fit. */
static bool
bird_sessions_copy(char *out, size_t size, const char *w, size_t n)
{
	if (n >= size)
		return false;
	memcpy(out, w, n);
	out[n] = '\0';
	return true;
}

int
bird_sessions_parse_row(const char *text, size_t len, struct bgp_session *s,
			const char **why)
{
	const char *pos = text, *end = text + len, *col[BIRD_COL__COUNT], *w;
	size_t n[BIRD_COL__COUNT], wn;

	memset(s, 0, sizeof(*s));
	for (int c = 0; c < BIRD_COL__COUNT; c++)
		if ((n[c] = bird_sessions_word(&pos, end, &col[c])) == 0) {
			*why = "too-few-columns";
			return -1;
		}
	if (n[BIRD_COL_PROTO] != 3 || memcmp(col[BIRD_COL_PROTO], "BGP", 3) != 0)
		return 0;
	/* Info: the first word after Since; none when the protocol is down */
	while ((wn = bird_sessions_word(&pos, end, &w)) > 0 && bird_sessions_is_time(w, wn))
		;
	if (wn == 0) {
		w = col[BIRD_COL_STATE];
		wn = n[BIRD_COL_STATE];
	}
	/* "Error: Invalid next hop" (down after an error): the word "Error" */
	if (wn > 1 && w[wn - 1] == ':')
		wn--;
	if (!bird_sessions_copy(s->name, sizeof(s->name), col[BIRD_COL_NAME], n[BIRD_COL_NAME])) {
		*why = "name-too-long";
		return -1;
	}
	if (!bird_sessions_copy(s->state, sizeof(s->state), w, wn)) {
		memset(s, 0, sizeof(*s));
		*why = "state-too-long";
		return -1;
	}
	s->established = strcmp(s->state, "Established") == 0;
	return 1;
}
