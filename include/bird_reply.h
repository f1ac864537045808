/*
 * bird_reply.h - BIRD 2 control socket reply framing (protocols.md section 1).
 *
 * Pure code, no I/O and no allocation, so the fuzzer and the unit tests drive
 * it with plain bytes.  driver_bird.c feeds whatever read() returned and gets
 * one event per complete line:
 *
 *   "DDDD-text"  BIRD_REPLY_LINE   a line of a reply that goes on
 *   " text"      BIRD_REPLY_LINE   continues with the previous code
 *   "DDDD text"  BIRD_REPLY_FINAL  the last line of a reply
 *   "+text"      BIRD_REPLY_ASYNC  asynchronous message, not part of a reply
 *   anything else, or a line over BIRD_REPLY_LINE_MAX: BIRD_REPLY_ERROR with
 *   text "line-too-long", "bad-line" or "bad-continuation".  The parser then
 *   stays failed until bird_reply_reset(): framing is lost, so the only safe
 *   thing left is to drop the connection.
 *
 * A trailing CR is stripped (CRLF), "DDDD" alone is taken as a final line
 * with empty text (the transcripts drop the trailing space of "0000 ").
 */
#ifndef AHD_BIRD_REPLY_H
#define AHD_BIRD_REPLY_H

#include <stdbool.h>
#include <stddef.h>

/* BIRD's own lines are <= 512 bytes; allow twice that before giving up. */
#define BIRD_REPLY_LINE_MAX	1024

enum bird_reply_kind {
	BIRD_REPLY_LINE,
	BIRD_REPLY_FINAL,
	BIRD_REPLY_ASYNC,
	BIRD_REPLY_ERROR,
	BIRD_REPLY__COUNT
};
extern const char *const bird_reply_kind_names[BIRD_REPLY__COUNT];	/* "line", "final", "async", "error" */

struct bird_reply_event {
	enum bird_reply_kind kind;
	int code;		/* 0..9999; -1 for ASYNC and ERROR */
	const char *text;	/* NUL-terminated, no code, no newline; ERROR: the reason */
	size_t len;		/* strlen(text) */
};

/* Return 0 to go on, non-zero to stop bird_reply_feed() right after this event. */
typedef int (*bird_reply_cb)(void *arg, const struct bird_reply_event *ev);

struct bird_reply_parser {
	char line[BIRD_REPLY_LINE_MAX + 2];	/* + a trailing CR + NUL */
	size_t used;
	int last_code;		/* code for " text" lines; -1 outside a reply */
	bool failed;
};

void bird_reply_reset(struct bird_reply_parser *p);

/*
 * Feed `len` bytes.  Returns 0 when everything was consumed, 1 when the
 * callback asked to stop (the rest of the chunk is not consumed), -1 when the
 * framing is broken (the ERROR event was delivered once; later calls return
 * -1 without events until reset).
 */
int bird_reply_feed(struct bird_reply_parser *p, const void *buf, size_t len,
		    bird_reply_cb cb, void *arg);

/* Reply code classes (protocols.md: 0xxx success ... 9xxx parse error). */
enum bird_reply_class {
	BIRD_CLASS_SUCCESS,		/* 0000-0999 */
	BIRD_CLASS_TABLE_ENTRY,		/* 1000-1999 */
	BIRD_CLASS_TABLE_HEADING,	/* 2000-2999 */
	BIRD_CLASS_OTHER,		/* 3000-7999: not used by BIRD 2 */
	BIRD_CLASS_RUNTIME_ERROR,	/* 8000-8999 */
	BIRD_CLASS_PARSE_ERROR,		/* 9000-9999 */
	BIRD_CLASS__COUNT
};
extern const char *const bird_reply_class_names[BIRD_CLASS__COUNT];

enum bird_reply_class bird_reply_class(int code);
bool bird_reply_is_success(int code);	/* 0xxx */
bool bird_reply_is_error(int code);	/* >= 8000 (or out of range) */

/* Codes the driver acts on. */
#define BIRD_CODE_OK		0
#define BIRD_CODE_WELCOME	1
#define BIRD_CODE_RECONFIGURED	3
#define BIRD_CODE_ALREADY_DISABLED 8
#define BIRD_CODE_DISABLED	9
#define BIRD_CODE_ALREADY_ENABLED 10
#define BIRD_CODE_ENABLED	11
#define BIRD_CODE_PROTO_LIST	1002
#define BIRD_CODE_PROTO_HEADING	2002
#define BIRD_CODE_ACCESS_DENIED	8007

/*
 * One row of `show protocols`: the text of a 1002 line or of its " "
 * continuation.  Columns are Name Proto Table State Since Info; BIRD pads them
 * but a long name shifts the rest, so split on whitespace.
 */
#define BIRD_WORD_MAX	128
struct bird_protocol_row {
	char name[BIRD_WORD_MAX];
	char proto[BIRD_WORD_MAX];
	char table[BIRD_WORD_MAX];
	char state[BIRD_WORD_MAX];	/* "up", "start", "stop", "flush", "down" */
};

/* 0, or -1 when there are fewer than four words or one is too long. */
int bird_reply_parse_protocol(const char *text, size_t len, struct bird_protocol_row *row);

#endif
