/*
 * probe_capacity.h - the "capacity" probe kind's parsers and measurement.
 *
 * probe_capacity.c reads how full the gateway is (pptpd's sessions and
 * descriptors, the conntrack table) from /proc, /sys and pptpd.conf.  The
 * parsers are pure functions of text and the measurement takes a root
 * prefix, so the cmocka tests drive both with plain strings and a fake tree
 * in a temporary directory.  Only probe_capacity.c and its tests use this.
 */
#ifndef AHD_PROBE_CAPACITY_H
#define AHD_PROBE_CAPACITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "probe.h"

/* A limit that is not one ("unlimited" in /proc/PID/limits). */
#define PROBE_CAPACITY_UNLIMITED UINT64_MAX

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
};

/*
 * Count the addresses of a pptpd `remoteip` or `localip` value:
 * comma-separated entries, each an address, a host name (counts 1) or a
 * range with one dash in one octet ("192.168.0.234-238", "10.0-3.0.1").
 * Returns 0, or -1 on an entry pptpd itself would refuse.
 */
int probe_capacity_parse_pool(const char *list, uint64_t *count);

/*
 * pptpd's session limit from the text of pptpd.conf, computed as pptpd does:
 * `connections` (default 100); with `delegate`, that is all; otherwise also
 * at most the number of `remoteip` addresses (default pool 100) and, when
 * `localip` names more than one address, at most that many.  The first line
 * of a keyword counts; '#' starts a comment.  Returns 0, or -1 when a pool
 * is malformed.
 */
int probe_capacity_parse_conf(const char *text, uint64_t *limit);

/* One /proc/PID/stat line, "PID (COMM) S PPID ...": COMM may hold spaces and
 * parentheses.  Returns 0, or -1 when malformed. */
int probe_capacity_parse_stat(const char *line, pid_t *ppid, char *comm, size_t comm_size);

/* The soft limit of the "Max open files" line of /proc/PID/limits text;
 * PROBE_CAPACITY_UNLIMITED for "unlimited".  Returns 0, or -1 if absent. */
int probe_capacity_parse_limits(const char *text, uint64_t *soft);

/* One end of a TCP connection as /proc/net/tcp shows it.  A v4-mapped IPv6
 * address (::ffff:a.b.c.d) is given as AF_INET, so the two tables compare. */
struct probe_capacity_endpoint {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];		/* network byte order; AF_INET uses 4, rest 0 */
	uint16_t port;
};

/* One socket line of /proc/PID/net/tcp or tcp6. */
struct probe_capacity_tcp {
	struct probe_capacity_endpoint local, remote;
	unsigned state;			/* the kernel's TCP_*: 1 established, 10 listen */
	uint64_t inode;			/* 0: held by no process (TIME_WAIT...) */
};

/*
 * One line of /proc/PID/net/tcp or tcp6, "sl: LOCAL REMOTE ST tx:rx tr:when
 * retr uid timeout INODE ...", addresses in the kernel's hex form: %08X of the
 * network-order 32-bit word(s) as this host stores them ("0100007F:06BB" is
 * 127.0.0.1:1723 on a little-endian host), ports in plain hex.  Returns 0, or
 * -1 for the header line or anything malformed.
 */
int probe_capacity_parse_tcp(const char *line, struct probe_capacity_tcp *t);

/* The target of a /proc/PID/fd link, "socket:[INODE]".  Returns 0, or -1
 * when it is not a socket. */
int probe_capacity_parse_socket_link(const char *link, uint64_t *inode);

/* Judge a sample against the thresholds: DEGRADED with "sessions-high",
 * "fds-high" or "conntrack-high" (the first crossed, at or over its percent),
 * else UP "ok". */
enum probe_result probe_capacity_evaluate(const struct probe_capacity_config *c,
					  const struct probe_capacity_sample *s,
					  const char **reason);

/* "sessions 45/50 fds 120/1024 conntrack 3000/262144", the parts it has;
 * "sessions 1/2 own 1 fds ..." when own probes' pptpctrl were left out. */
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
