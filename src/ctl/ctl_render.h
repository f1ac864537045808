/*
 * ctl_render.h - anycast-healthctl's tables, from the daemon's JSON documents.
 *
 *   anycast-healthctl.c  arguments, libcurl, exit codes
 *        | json-c objects as received (GET /v1/status, /v1/history, /v1/fleet,
 *        | admin answers)
 *        v
 *   ctl_render.c         pure: JSON in, text out into a FILE * (a terminal, or an
 *                        open_memstream buffer in the tests); no network, no clock
 *
 * The renderers tolerate missing or mistyped members (printed as "-"), because
 * the CLI may talk to an older or newer daemon; only a document that is not
 * an object with the expected arrays is refused (-1).
 */
#ifndef AHD_CTL_RENDER_H
#define AHD_CTL_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct json_object;

struct ctl_render_opts {
	bool color;		/* ANSI colours on state words */
	double now;		/* wall clock for ages ("2m03s ago"); 0 = print the times */
};

/* Exit codes shared by the CLI and the fleet check. */
enum ctl_exit { CTL_EXIT_OK = 0, CTL_EXIT_DEGRADED = 1, CTL_EXIT_UNREACHABLE = 2 };

/*
 * The health verdict of a status document: CTL_EXIT_OK when every service is
 * UP and every prefix is wanted announced, read back announced and not
 * "uncarried" (no established BGP session advertising it);
 * CTL_EXIT_DEGRADED otherwise (or when the router is unreachable); -1 when
 * the document is malformed.
 */
int ctl_status_verdict(const struct json_object *doc);

/* The status tables.  Returns ctl_status_verdict(), -1 printing nothing. */
int ctl_render_status(FILE *out, const struct json_object *doc, const struct ctl_render_opts *o);

/* The prefix table of a status document or of an admin answer's "prefixes". */
int ctl_render_prefixes(FILE *out, const struct json_object *prefixes,
			const struct ctl_render_opts *o);

/* {"events": [...]}: one line per event, oldest first.  0, or -1 if malformed. */
int ctl_render_history(FILE *out, const struct json_object *doc, const struct ctl_render_opts *o);

/* One gateway of a fleet check: its status document, or why there is none. */
struct ctl_fleet_gateway {
	const char *url;
	const struct json_object *status;	/* NULL when unreachable */
	const char *error;			/* why status is NULL */
};

/*
 * The gateway x prefix table (a cell: what the router reads back, with the
 * number of established BGP sessions carrying it while announced) and a
 * flag line for each prefix the gateways disagree on (announced on some,
 * not on others), for each prefix a gateway wants announced that none of
 * its BGP sessions carries, and for each unreachable gateway.  Returns CTL_EXIT_OK, CTL_EXIT_DEGRADED (a flag line was printed)
 * or CTL_EXIT_UNREACHABLE (no gateway answered).
 */
int ctl_render_fleet(FILE *out, const struct ctl_fleet_gateway *gw, size_t n,
		     const struct ctl_render_opts *o);

/*
 * The fleet as the local daemon's store mirror shows it (GET /v1/fleet,
 * docs/api.md): a head line, one row per gateway (router, services, each
 * prefix's state with "held", short fingerprints with "*" on a drifted one,
 * last change; an announced prefix with the number of BGP sessions carrying
 * it), then a "! ..." line for each thing worth a look: the store
 * unreachable, a gateway missing (this one, an `expect`ed node, or one with
 * an announcer key but no record), a gateway deciding alone, a router
 * unreachable, a prefix a gateway does not carry, a prefix a gateway wants
 * announced that no established BGP session carries, a prefix held by the
 * fleet guard, gateways disagreeing, a fingerprint differing from the
 * fleet's majority.  Returns CTL_EXIT_OK, CTL_EXIT_DEGRADED (a line was
 * flagged), or -1 printing nothing when doc has no "gateways" array.
 */
int ctl_render_fleet_view(FILE *out, const struct json_object *doc, const char *const *expect,
			  size_t n_expect, const struct ctl_render_opts *o);

/* A fingerprint for a table cell: the first 8 of its 64 hex digits;
 * "absent" or "unreadable" (anything else: at most 16 characters) as is. */
void ctl_render_fingerprint(char *buf, size_t len, const char *hmac);

/* "12s", "2m03s", "3h02m", "2d03h": an age in seconds (negative -> "0s"). */
void ctl_render_age(char *buf, size_t len, double seconds);

/* RFC 3339 UTC ("2026-11-23T23:10:00Z") to seconds since the epoch; -1 if not. */
double ctl_render_parse_time(const char *text);

#endif
