/*
 * proc_status.c - the "Groups:" line of /proc/PID/status (see proc_status.h).
 *
 * The text comes from a file the kernel writes, but the parser still takes
 * nothing for granted: no NUL terminator, any bytes, numbers of any length.
 * api.c trusts the answer with admin rights, so a number too large for a
 * gid_t must not wrap around to a real gid (strtoul and a cast would turn
 * 4294967296 into 0, root's group).
 */
#include <stdint.h>
#include <string.h>

#include "proc_status.h"

#define PROC_STATUS_GROUPS	"Groups:"

/* The next decimal number at text[*pos..len), skipping blanks; its value in
 * *v (UINTMAX_MAX when it is too large).  False at the end of the line. */
static bool
proc_status_number(const char *text, size_t len, size_t *pos, uintmax_t *v)
{
	size_t i = *pos;

	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	if (i == len || text[i] < '0' || text[i] > '9')
		return false;
	for (*v = 0; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
		unsigned int d = (unsigned int)(text[i] - '0');

		*v = *v > (UINTMAX_MAX - d) / 10 ? UINTMAX_MAX : *v * 10 + d;
	}
	*pos = i;
	return true;
}

/* Offset of the first line that starts with "Groups:", just after it; len
 * when there is none. */
static size_t
proc_status_groups_line(const char *text, size_t len)
{
	size_t n = strlen(PROC_STATUS_GROUPS), i = 0;
	const char *nl;

	while (i < len) {
		if (len - i >= n && memcmp(text + i, PROC_STATUS_GROUPS, n) == 0)
			return i + n;
		if ((nl = memchr(text + i, '\n', len - i)) == NULL)
			break;
		i = (size_t)(nl - text) + 1;
	}
	return len;
}

bool
proc_status_in_group(const char *text, size_t len, gid_t gid)
{
	size_t pos = proc_status_groups_line(text, len);
	uintmax_t v;

	while (proc_status_number(text, len, &pos, &v))
		if (v == (uintmax_t)gid)
			return true;
	return false;
}
