/*
 * probe_output.c - what the exec and http probes make of the bytes a
 * command or a server sent (see probe_output.h).  No I/O: probe_exec.c and
 * probe_http.c feed it what they read.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* memmem */
#endif
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "probe_output.h"

void
probe_output_line_reset(struct probe_output_line *l)
{
	l->len = 0;
	l->text[0] = '\0';
	l->done = false;
}

void
probe_output_line_take(struct probe_output_line *l, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n && !l->done; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch == '\n' || ch == '\r') {
			l->done = true;
			break;
		}
		l->text[l->len++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
		if (l->len == PROBE_OUTPUT_LINE_MAX)
			l->done = true;
	}
	l->text[l->len] = '\0';
}

const char *
probe_output_line_text(struct probe_output_line *l)
{
	char *s = l->text;
	size_t n = l->len;

	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
	l->len = n;
	while (*s == ' ')
		s++;
	return s;
}

/* "exit-N: line", the line cut to fit, or "exit-N". */
static void
probe_output_exit_reason(int code, const char *line, char *buf, size_t size)
{
	size_t n, len;

	n = (size_t)snprintf(buf, size, "exit-%d", code);
	if (line[0] == '\0' || n + 3 >= size)
		return;
	len = strnlen(line, size - n - 3);	/* ": " and the NUL */
	memcpy(buf + n, ": ", 2);
	memcpy(buf + n + 2, line, len);
	buf[n + 2 + len] = '\0';
}

enum probe_result
probe_output_exec_verdict(int wait_status, const char *line, char *buf, size_t size)
{
	if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) {
		snprintf(buf, size, "%s", line[0] ? line : "ok");
		return PROBE_UP;
	}
	if (WIFEXITED(wait_status))
		probe_output_exit_reason(WEXITSTATUS(wait_status), line, buf, size);
	else
		snprintf(buf, size, "signal-%d",
			 WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0);
	return PROBE_DOWN;
}

void
probe_output_body_append(char *body, size_t *len, const char *data, size_t n)
{
	size_t room = PROBE_OUTPUT_BODY_MAX - *len;

	if (*len >= PROBE_OUTPUT_BODY_MAX)
		return;
	if (n > room)
		n = room;
	memcpy(body + *len, data, n);
	*len += n;
}

enum probe_result
probe_output_http_verdict(long status, long expect_status, const char *body, size_t body_len,
			  const char *body_contains, char *buf, size_t size, const char **reason)
{
	if (status != expect_status) {
		snprintf(buf, size, "http-status-%ld", status);
		*reason = buf;
		return PROBE_DOWN;
	}
	/* an empty needle is in every body, even none */
	if (body_contains != NULL && body_contains[0] != '\0' &&
	    (body == NULL || memmem(body, body_len, body_contains, strlen(body_contains)) == NULL)) {
		*reason = "http-body-mismatch";
		return PROBE_DOWN;
	}
	*reason = "ok";
	return PROBE_UP;
}
