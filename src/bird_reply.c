/*
 * bird_reply.c - incremental parser for BIRD's control socket replies.
 *
 * driver_bird.c reads the socket in whatever chunks the kernel hands over;
 * this file turns them into one event per line (see bird_reply.h).  It has
 * no I/O, no allocation and no dependency on the rest of the daemon, so the
 * fuzzer links it alone.
 */
#include <string.h>

#include "bird_reply.h"

const char *const bird_reply_kind_names[BIRD_REPLY__COUNT] = {
	[BIRD_REPLY_LINE] = "line",
	[BIRD_REPLY_FINAL] = "final",
	[BIRD_REPLY_ASYNC] = "async",
	[BIRD_REPLY_ERROR] = "error",
};

const char *const bird_reply_class_names[BIRD_CLASS__COUNT] = {
	[BIRD_CLASS_SUCCESS] = "success",
	[BIRD_CLASS_TABLE_ENTRY] = "table-entry",
	[BIRD_CLASS_TABLE_HEADING] = "table-heading",
	[BIRD_CLASS_OTHER] = "other",
	[BIRD_CLASS_RUNTIME_ERROR] = "runtime-error",
	[BIRD_CLASS_PARSE_ERROR] = "parse-error",
};

void
bird_reply_reset(struct bird_reply_parser *p)
{
	p->used = 0;
	p->line[0] = '\0';
	p->last_code = -1;
	p->failed = false;
}

static bool
bird_reply_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
bird_reply_emit(bird_reply_cb cb, void *arg, enum bird_reply_kind kind, int code,
		const char *text)
{
	struct bird_reply_event ev = {
		.kind = kind, .code = code, .text = text, .len = strlen(text),
	};

	return cb(arg, &ev);
}

/* Marks the parser failed and delivers the one ERROR event. */
static int
bird_reply_fail(struct bird_reply_parser *p, bird_reply_cb cb, void *arg, const char *why)
{
	p->failed = true;
	bird_reply_emit(cb, arg, BIRD_REPLY_ERROR, -1, why);
	return -1;
}

/* Classifies the complete line in p->line (NUL-terminated, no newline). */
static int
bird_reply_line(struct bird_reply_parser *p, bird_reply_cb cb, void *arg)
{
	char *l = p->line;
	size_t n = p->used;
	int code;

	if (n > 0 && l[n - 1] == '\r')
		l[--n] = '\0';
	/* An embedded NUL would silently cut the text short for every consumer. */
	if (memchr(l, '\0', n) != NULL)
		return bird_reply_fail(p, cb, arg, "bad-line");
	if (n > 0 && l[0] == '+')
		return bird_reply_emit(cb, arg, BIRD_REPLY_ASYNC, -1, l + 1) ? 1 : 0;
	if (n > 0 && l[0] == ' ') {
		if (p->last_code < 0)
			return bird_reply_fail(p, cb, arg, "bad-continuation");
		return bird_reply_emit(cb, arg, BIRD_REPLY_LINE, p->last_code, l + 1) ? 1 : 0;
	}
	if (n < 4 || !bird_reply_is_digit(l[0]) || !bird_reply_is_digit(l[1]) ||
	    !bird_reply_is_digit(l[2]) || !bird_reply_is_digit(l[3]))
		return bird_reply_fail(p, cb, arg, "bad-line");
	code = (l[0] - '0') * 1000 + (l[1] - '0') * 100 + (l[2] - '0') * 10 + (l[3] - '0');
	if (n == 4 || l[4] == ' ') {
		p->last_code = -1;
		return bird_reply_emit(cb, arg, BIRD_REPLY_FINAL, code, n == 4 ? "" : l + 5) ? 1 : 0;
	}
	if (l[4] == '-') {
		p->last_code = code;
		return bird_reply_emit(cb, arg, BIRD_REPLY_LINE, code, l + 5) ? 1 : 0;
	}
	return bird_reply_fail(p, cb, arg, "bad-line");
}

int
bird_reply_feed(struct bird_reply_parser *p, const void *buf, size_t len,
		bird_reply_cb cb, void *arg)
{
	const char *b = buf;
	size_t i;
	int r;

	if (p->failed)
		return -1;
	for (i = 0; i < len; i++) {
		if (b[i] != '\n') {
			/* One extra byte for a CR that a CRLF line may end with. */
			if (p->used >= BIRD_REPLY_LINE_MAX + (b[i] == '\r'))
				return bird_reply_fail(p, cb, arg, "line-too-long");
			p->line[p->used++] = b[i];
			continue;
		}
		p->line[p->used] = '\0';
		r = bird_reply_line(p, cb, arg);
		p->used = 0;
		if (r != 0)
			return r;
	}
	return 0;
}

enum bird_reply_class
bird_reply_class(int code)
{
	if (code < 0 || code > 9999)
		return BIRD_CLASS_OTHER;
	if (code < 1000)
		return BIRD_CLASS_SUCCESS;
	if (code < 2000)
		return BIRD_CLASS_TABLE_ENTRY;
	if (code < 3000)
		return BIRD_CLASS_TABLE_HEADING;
	if (code < 8000)
		return BIRD_CLASS_OTHER;
	if (code < 9000)
		return BIRD_CLASS_RUNTIME_ERROR;
	return BIRD_CLASS_PARSE_ERROR;
}

bool
bird_reply_is_success(int code)
{
	return bird_reply_class(code) == BIRD_CLASS_SUCCESS;
}

bool
bird_reply_is_error(int code)
{
	return code >= 8000 || code < 0;
}

static bool
bird_reply_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Copies the next whitespace-separated word of [*pos, end) into `out`. */
static int
bird_reply_word(const char **pos, const char *end, char out[BIRD_WORD_MAX])
{
	const char *s = *pos, *w;

	while (s < end && bird_reply_is_space(*s))
		s++;
	w = s;
	while (s < end && !bird_reply_is_space(*s) && *s != '\0')
		s++;
	if (s == w || (size_t)(s - w) >= BIRD_WORD_MAX)
		return -1;
	memcpy(out, w, (size_t)(s - w));
	out[s - w] = '\0';
	*pos = s;
	return 0;
}

int
bird_reply_parse_protocol(const char *text, size_t len, struct bird_protocol_row *row)
{
	const char *pos = text, *end = text + len;

	if (bird_reply_word(&pos, end, row->name) == -1 ||
	    bird_reply_word(&pos, end, row->proto) == -1 ||
	    bird_reply_word(&pos, end, row->table) == -1 ||
	    bird_reply_word(&pos, end, row->state) == -1) {
		memset(row, 0, sizeof(*row));
		return -1;
	}
	return 0;
}
