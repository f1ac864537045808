/*
 * frr_vty.h - FRR vty socket reply framing and bgpd read-back (protocols.md
 * section 2).
 *
 * Pure code, no I/O and no logging, so the fuzzer and the unit tests drive it
 * with plain bytes.  A vty reply is the command's output text followed by the
 * 4-byte trailer 00 00 00 <status>.  driver_frr.c feeds whatever read()
 * returned and gets one event per complete reply:
 *
 *   FRR_VTY_REPLY   text (NUL-terminated, possibly empty) and the status byte
 *   FRR_VTY_ERROR   text "reply-too-large" (over the parser's cap),
 *                   "bad-trailer" (a NUL not followed by two more) or
 *                   "out-of-memory"; the parser then stays failed until
 *                   frr_vty_reset(): framing is lost, drop the connection.
 *
 * The text buffer grows as needed (bgpd's JSON can be long) up to the cap.
 */
#ifndef AHD_FRR_VTY_H
#define AHD_FRR_VTY_H

#include <stdbool.h>
#include <stddef.h>

/* Default cap on one reply's text; a `show bgp ... json` for one prefix is a
 * few kB, a whole running-config rarely more than a few hundred. */
#define FRR_VTY_TEXT_MAX	(1024 * 1024)
/* bgpd's own limit on one command (VTY_BUFSIZ). */
#define FRR_VTY_COMMAND_MAX	4096

/* Status byte values (lib/command.h CMD_*); others exist. */
enum frr_vty_status {
	FRR_VTY_SUCCESS = 0,
	FRR_VTY_WARNING = 1,
	FRR_VTY_ERR_NO_MATCH = 2,
	FRR_VTY_ERR_AMBIGUOUS = 3,
	FRR_VTY_ERR_INCOMPLETE = 4,
	FRR_VTY_ERR_EXEED_ARGC_MAX = 5,
	FRR_VTY_ERR_NOTHING_TODO = 6,
	FRR_VTY_COMPLETE_FULL_MATCH = 7,
	FRR_VTY_COMPLETE_MATCH = 8,
	FRR_VTY_COMPLETE_LIST_MATCH = 9,
	FRR_VTY_SUCCESS_DAEMON = 10,
	FRR_VTY_ERR_NO_FILE = 11,
	FRR_VTY_SUSPEND = 12,
	FRR_VTY_WARNING_CONFIG_FAILED = 13,
	FRR_VTY_NOT_MY_INSTANCE = 14,
	FRR_VTY_NO_LEVEL_UP = 15,
	FRR_VTY_ERR_NO_DAEMON = 16,
	FRR_VTY_STATUS__COUNT
};

/* "success", "warning", "no-match", ... "no-daemon"; "unknown" above the table. */
const char *frr_vty_status_name(int status);

enum frr_vty_kind { FRR_VTY_REPLY, FRR_VTY_ERROR, FRR_VTY__COUNT };
extern const char *const frr_vty_kind_names[FRR_VTY__COUNT];	/* "reply", "error" */

struct frr_vty_event {
	enum frr_vty_kind kind;
	int status;		/* 0..255; -1 for ERROR */
	const char *text;	/* NUL-terminated; ERROR: the reason */
	size_t len;		/* bytes of text (the output may hold no NUL of its own) */
};

/* Return 0 to go on, non-zero to stop frr_vty_feed() right after this event. */
typedef int (*frr_vty_cb)(void *arg, const struct frr_vty_event *ev);

struct frr_vty_parser {
	char *text;		/* grows up to max + 1 */
	size_t len, cap, max;
	unsigned zeros;		/* trailer NULs seen so far (0..3) */
	bool failed;
};

/* max 0 = FRR_VTY_TEXT_MAX. */
void frr_vty_init(struct frr_vty_parser *p, size_t max);
/* Forget a partial reply and a failure; keeps the buffer. */
void frr_vty_reset(struct frr_vty_parser *p);
/* Frees the buffer; accepts NULL. */
void frr_vty_free(struct frr_vty_parser *p);

/*
 * Feed `len` bytes.  Returns 0 when everything was consumed, 1 when the
 * callback asked to stop (the rest of the chunk is not consumed), -1 when the
 * framing is broken (the ERROR event was delivered once; later calls return
 * -1 without events until reset).
 */
int frr_vty_feed(struct frr_vty_parser *p, const void *buf, size_t len,
		 frr_vty_cb cb, void *arg);

/*
 * Reads the output of `show bgp ipv4|ipv6 unicast P json`.  `{}` (absent)
 * gives present false; a path in "paths" with "sourced":true or "local":true
 * gives present true, `prepends` the AS-path length of that path (0 for a
 * plain `network P`), and `gshut` whether it carries the GRACEFUL_SHUTDOWN
 * community 65535:0 (bgpd 8.4 prints it as
 * `"community":{"string":"graceful-shutdown","list":["gracefulShutdown"]}`,
 * among others when there are several).  Returns 0, or -1 with `why` set to
 * "bad-json" (not JSON, or not an object) or "bad-paths" ("paths" is not an
 * array).
 */
struct frr_bgp_readback {
	bool present;		/* a locally sourced path exists */
	size_t n_paths;		/* all paths, local or not */
	int prepends;		/* AS-path length of the local path, -1 unknown */
	bool gshut;		/* the local path has community 65535:0 */
};
int frr_vty_parse_bgp_prefix(const char *text, size_t len, struct frr_bgp_readback *out,
			     const char **why);

#endif
