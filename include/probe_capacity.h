/*
 * probe_capacity.h - the "capacity" probe kind's measurement and judgement.
 *
 * probe_capacity.c reads how full the gateway is (pptpd's sessions and
 * descriptors, the conntrack table) from /proc, /sys and pptpd.conf.  The
 * parsers of those files are pure functions in capacity_parse.c and the
 * measurement takes a root prefix, so the cmocka tests drive both with
 * plain strings and a fake tree in a temporary directory.  Only
 * probe_capacity.c and its tests use this.
 */
#ifndef AHD_PROBE_CAPACITY_H
#define AHD_PROBE_CAPACITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "capacity_parse.h"
#include "config.h"
#include "probe.h"

/* A limit that is not one ("unlimited" in /proc/PID/limits). */
#define PROBE_CAPACITY_UNLIMITED CAPACITY_PARSE_UNLIMITED

/* One measurement; the have_ flags say which parts could be read.  `own`
 * counts the pptpctrl children serving this daemon's own probes (pptp-control,
 * pptp-gre): they are not in `sessions`. */
struct probe_capacity_sample {
	bool have_sessions;
	uint64_t sessions, max_sessions, own;
	bool have_fds;
	uint64_t fds, max_fds;		/* max_fds may be PROBE_CAPACITY_UNLIMITED */
	bool have_conntrack;
	uint64_t conntrack, conntrack_max;
	/* what was wrong with a file that made the run DOWN or ERROR, e.g.
	 * "/run/pptpd.pid: garbage after the pid"; "" when nothing was */
	char problem[128];
};

/* Judge a sample against the thresholds: DEGRADED with "sessions-high",
 * "fds-high" or "conntrack-high" (the first crossed, at or over its percent),
 * else UP "ok". */
enum probe_result probe_capacity_evaluate(const struct probe_capacity_config *c,
					  const struct probe_capacity_sample *s,
					  const char **reason);

/* "sessions 45/50 fds 120/1024 conntrack 3000/262144", the parts it has;
 * "sessions 1/2 own 1 fds ..." when own probes' pptpctrl were left out;
 * then "; " and the problem, if any, cut to fit. */
void probe_capacity_format(const struct probe_capacity_sample *s, char *buf, size_t size);

/*
 * Read everything.  Returns PROBE_UP when pptpd was measured (judge the
 * sample with probe_capacity_evaluate), else DOWN with pidfile-missing,
 * pidfile-unreadable, pidfile-invalid or process-gone, or ERROR with
 * proc-unreadable, fds-unreadable, limits-unreadable, pptpd-conf-missing,
 * pptpd-conf-unreadable or pptpd-conf-invalid.  `s` holds what was read.
 */
enum probe_result probe_capacity_measure(const struct probe_capacity_config *c,
					 struct probe_capacity_sample *s,
					 const char **reason);

/* Tests only: read /proc and /sys under ROOT ("" or NULL: the real ones).
 * The pidfile and pptpd.conf paths of the config are used as they are. */
void probe_capacity_set_root(const char *root);

#endif
