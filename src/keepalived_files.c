/*
 * keepalived_files.c - a track file's integer, a state file's word, the
 * track value <-> route state mapping (keepalived_files.h).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "keepalived_files.h"

static bool
keepalived_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Index of the first non-blank byte from `i`, or len. */
static size_t
keepalived_skip_blanks(const char *text, size_t len, size_t i)
{
	while (i < len && keepalived_blank(text[i]))
		i++;
	return i;
}

bool
keepalived_track_parse(const char *text, size_t len, long *value)
{
	size_t i = keepalived_skip_blanks(text, len, 0), digits = 0;
	bool negative = false;
	long v = 0;

	if (i == len) {
		*value = 0;	/* keepalived reads an empty file as 0 */
		return true;
	}
	if (text[i] == '-' || text[i] == '+')
		negative = text[i++] == '-';
	for (; i < len && text[i] >= '0' && text[i] <= '9'; i++, digits++) {
		if (digits == 10)
			return false;
		v = v * 10 + (text[i] - '0');
	}
	if (digits == 0 || keepalived_skip_blanks(text, len, i) != len)
		return false;
	if (negative)
		v = -v;
	if (v > INT_MAX || v < INT_MIN)
		return false;
	*value = v;
	return true;
}

void
keepalived_track_render(long value, char *buf, size_t size)
{
	snprintf(buf, size, "%ld\n", value);
}

long
keepalived_value_for(const struct router_config *rc, enum route_state st)
{
	switch (st) {
	case ROUTE_ANNOUNCED:
		return 0;
	case ROUTE_DEGRADED:
	case ROUTE_HELD:
		return rc->ka_degraded_value;
	case ROUTE_DRAINING:
		return rc->ka_draining_value;
	case ROUTE_WITHDRAWN:
		return rc->ka_withdrawn_value;
	case ROUTE_UNKNOWN:
	case ROUTE_STATE__COUNT:
	default:
		return -1;
	}
}

enum route_state
keepalived_state_for(const struct router_config *rc, long value)
{
	if (value == 0)
		return ROUTE_ANNOUNCED;
	if (value == (long)rc->ka_withdrawn_value)
		return ROUTE_WITHDRAWN;
	if (value == (long)rc->ka_draining_value)
		return ROUTE_DRAINING;
	if (value == (long)rc->ka_degraded_value)
		return ROUTE_DEGRADED;
	return ROUTE_UNKNOWN;
}

/* The state word at text[0..n), or VRRP_UNKNOWN. */
static enum vrrp_state
keepalived_state_word(const char *text, size_t n)
{
	static const struct { const char *word; enum vrrp_state st; } words[] = {
		{ "MASTER", VRRP_MASTER }, { "BACKUP", VRRP_BACKUP },
		{ "FAULT", VRRP_FAULT }, { "STOP", VRRP_STOP },
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (n == strlen(words[i].word) && strncasecmp(text, words[i].word, n) == 0)
			return words[i].st;
	return VRRP_UNKNOWN;
}

enum vrrp_state
keepalived_state_parse(const char *text, size_t len)
{
	size_t start = keepalived_skip_blanks(text, len, 0), end = start, i;
	enum vrrp_state st;

	while (end < len && ((text[end] >= 'A' && text[end] <= 'Z') ||
			     (text[end] >= 'a' && text[end] <= 'z')))
		end++;
	st = keepalived_state_word(text + start, end - start);
	if (st == VRRP_UNKNOWN)
		return VRRP_UNKNOWN;
	i = end;
	if (i < len && (text[i] == ' ' || text[i] == '\t')) {
		size_t p = keepalived_skip_blanks(text, len, i);

		while (p < len && text[p] >= '0' && text[p] <= '9')
			p++;
		i = p;
	}
	return keepalived_skip_blanks(text, len, i) == len ? st : VRRP_UNKNOWN;
}
