/*
 * probe_output.h - what the exec and http probes make of what a command or
 * a server answered: pure functions of bytes, so the cmocka tests and
 * tests/fuzz/fuzz_probe_output.c drive them without processes or sockets.
 *
 *   exec  the first line of the command's stdout, kept as printable ASCII
 *         and cut to PROBE_OUTPUT_LINE_MAX characters, and the run's result
 *         and reason from the exit status and that line.
 *   http  the first PROBE_OUTPUT_BODY_MAX bytes of the body (the rest is
 *         read and dropped), and the run's result and reason from the
 *         status code and the body.
 */
#ifndef AHD_PROBE_OUTPUT_H
#define AHD_PROBE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "probe.h"

/* The kept line; "exit-N: line" is then cut to PROBE_REASON_MAX. */
#define PROBE_OUTPUT_LINE_MAX	60
/* body-contains searches this much of the body, as the YANG module says. */
#define PROBE_OUTPUT_BODY_MAX	(64 * 1024)

/* An exec command's first line, as its stdout arrives in chunks. */
struct probe_output_line {
	char text[PROBE_OUTPUT_LINE_MAX + 1];
	size_t len;
	bool done;		/* newline seen or line full: later bytes are ignored */
};

void probe_output_line_reset(struct probe_output_line *l);
/* Take a chunk of stdout: up to the first '\n' or '\r', each byte outside
 * printable ASCII (NUL included) kept as '?'. */
void probe_output_line_take(struct probe_output_line *l, const char *buf, size_t n);
/* The line without surrounding blanks; "" when there is none. */
const char *probe_output_line_text(struct probe_output_line *l);

/*
 * An exec run's end from its wait status and trimmed line: UP with the line
 * (or "ok") for exit 0; DOWN "exit-N: line" (cut to fit) or "exit-N" for
 * another exit code; DOWN "signal-S" when killed.  The reason is written to
 * buf (PROBE_REASON_MAX bytes or fewer).
 */
enum probe_result probe_output_exec_verdict(int wait_status, const char *line, char *buf,
					    size_t size);

/* Append a chunk of an HTTP body, keeping the first PROBE_OUTPUT_BODY_MAX
 * bytes in body (that big); *len is what it holds. */
void probe_output_body_append(char *body, size_t *len, const char *data, size_t n);

/*
 * An HTTP run's end from the response code and the kept body: DOWN
 * "http-status-N" when the code is not expect_status, DOWN
 * "http-body-mismatch" when body_contains (a C string; NULL for none) is not
 * in the body, else UP "ok".  The reason points into buf or is static.
 */
enum probe_result probe_output_http_verdict(long status, long expect_status, const char *body,
					    size_t body_len, const char *body_contains,
					    char *buf, size_t size, const char **reason);

#endif
