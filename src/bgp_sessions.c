/*
 * bgp_sessions.c - the pure questions asked of a BGP session table
 * (bgp_sessions.h): how many established sessions carry a prefix, whether a
 * prefix is "uncarried" (wanted announced, read back announced, and carried
 * by no established session), and the words the log and the CLI use for a
 * table's sessions.  No I/O: daemon.c, status.c and the CLI call these with
 * plain data, tests/test_bgp_sessions.c drives them.
 */
#include <stdio.h>
#include <string.h>

#include "bgp_sessions.h"

unsigned
bgp_sessions_carrying(const struct bgp_sessions *t, size_t index)
{
	unsigned n = 0;
	size_t i;

	if (t == NULL || t->advertised == NULL || index >= t->n_prefixes)
		return 0;
	for (i = 0; i < t->n && i < BGP_SESSIONS_MAX; i++)
		n += t->s[i].established && (t->advertised[index] & (UINT32_C(1) << i)) != 0;
	return n;
}

bool
bgp_sessions_uncarried(const struct bgp_sessions_watch *w, bool readback, double now)
{
	if (!w->wanted || !w->serving || !w->known || w->carried > 0)
		return false;
	if (readback && now - w->changed >= BGP_SESSIONS_SETTLE_S)
		return true;
	return w->uncarried;	/* too early to tell: the next read-back decides */
}

/* Append `text` to buf (of len bytes, holding `used`); truncates quietly. */
static size_t
bgp_sessions_append(char *buf, size_t len, size_t used, const char *text)
{
	int n;

	if (used >= len)
		return used;
	n = snprintf(buf + used, len - used, "%s", text);
	if (n < 0)
		return used;
	return used + (size_t)n < len ? used + (size_t)n : len - 1;
}

size_t
bgp_sessions_describe(const struct bgp_session *s, size_t n, char *buf, size_t len)
{
	size_t i, used = 0;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	if (n == 0)
		return bgp_sessions_append(buf, len, 0, "no BGP session");
	for (i = 0; i < n; i++) {
		if (i > 0)
			used = bgp_sessions_append(buf, len, used, ", ");
		used = bgp_sessions_append(buf, len, used, s[i].name);
		used = bgp_sessions_append(buf, len, used, ": ");
		used = bgp_sessions_append(buf, len, used, s[i].state[0] ? s[i].state : "?");
	}
	return used;
}

size_t
bgp_sessions_carriers(const struct bgp_session *s, size_t n, uint32_t advertised, char *buf,
		      size_t len)
{
	size_t i, used = 0;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	for (i = 0; i < n && i < BGP_SESSIONS_MAX; i++) {
		if (!s[i].established || (advertised & (UINT32_C(1) << i)) == 0)
			continue;
		if (used > 0)
			used = bgp_sessions_append(buf, len, used, ", ");
		used = bgp_sessions_append(buf, len, used, s[i].name);
	}
	return used;
}

const struct bgp_session *
bgp_sessions_find(const struct bgp_session *s, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s[i].name, name) == 0)
			return &s[i];
	return NULL;
}
