/*
 * capacity_parse.h - the capacity probe's pure readers of outside text
 * (pptpd.conf and the kernel's /proc files).  probe_capacity.c reads the
 * files; its cmocka tests and tests/fuzz/fuzz_capacity.c call these with
 * plain bytes.
 *
 * Each takes the bytes and their length (NUL bytes, a missing newline or a
 * cut number are the input's, not the caller's problem) and returns 0 with
 * the values, or -1; where a caller reports it, *why is then a static
 * phrase naming what was wrong ("holds a NUL byte", "parent pid too
 * large", "remoteip: an entry is not an address, a name or a range").
 */
#ifndef AHD_CAPACITY_PARSE_H
#define AHD_CAPACITY_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A limit that is not one ("unlimited" in /proc/PID/limits). */
#define CAPACITY_PARSE_UNLIMITED UINT64_MAX
/* The kernel's largest pid (PID_MAX_LIMIT, 2^22). */
#define CAPACITY_PARSE_PID_MAX 4194304

/*
 * Count the addresses of a pptpd `remoteip` or `localip` value (a C
 * string): comma-separated entries, each an address, a host name (counts
 * 1) or a range with one dash in one octet ("192.168.0.234-238",
 * "10.0-3.0.1").  Returns 0, or -1 on an entry pptpd itself would refuse.
 */
int capacity_parse_pool(const char *list, uint64_t *count);

/*
 * pptpd's session limit from the text of pptpd.conf, computed as pptpd does:
 * `connections` (default 100; atoi's reading); with `delegate`, that is all;
 * otherwise also at most the number of `remoteip` addresses (default pool
 * 100) and, when `localip` names more than one address, at most that many.
 * The first line of a keyword counts; '#' starts a comment.  -1 with *why
 * for a NUL byte, a malformed pool, a value over 4095 bytes or a
 * `connections` past an int.
 */
int capacity_parse_conf(const char *text, size_t len, uint64_t *limit, const char **why);

/* What /proc/PID/stat says: "PID (COMM) S PPID ...", COMM may hold spaces
 * and parentheses (the last ')' ends it). */
struct capacity_stat {
	pid_t ppid;
	char state;			/* 'R', 'S', 'Z'... */
	char comm[64];			/* cut to fit */
};
int capacity_parse_stat(const char *text, size_t len, struct capacity_stat *st,
			const char **why);

/* The soft limit of the "Max open files" line of /proc/PID/limits;
 * CAPACITY_PARSE_UNLIMITED for "unlimited". */
int capacity_parse_limits(const char *text, size_t len, uint64_t *soft, const char **why);

/* One end of a TCP connection as /proc/net/tcp shows it.  A v4-mapped IPv6
 * address (::ffff:a.b.c.d) is given as AF_INET, so the two tables compare. */
struct capacity_endpoint {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];		/* network byte order; AF_INET uses 4, rest 0 */
	uint16_t port;
};

/* One socket line of /proc/PID/net/tcp or tcp6. */
struct capacity_tcp {
	struct capacity_endpoint local, remote;
	unsigned state;			/* the kernel's TCP_*: 1 established, 10 listen */
	uint64_t inode;			/* 0: held by no process (TIME_WAIT...) */
};

/*
 * One line of /proc/PID/net/tcp or tcp6 (with or without its newline),
 * "sl: LOCAL REMOTE ST tx:rx tr:when retr uid timeout INODE ...", addresses
 * in the kernel's hex form: %08X of the network-order 32-bit word(s) as
 * this host stores them ("0100007F:06BB" is 127.0.0.1:1723 on a
 * little-endian host), ports in plain hex.  Returns 0, or -1 for the header
 * line or anything malformed (such lines are skipped: no reason).
 */
int capacity_parse_tcp(const char *line, size_t len, struct capacity_tcp *t);

/* The target of a /proc/PID/fd link (a C string), "socket:[INODE]".
 * Returns 0, or -1 when it is not a socket. */
int capacity_parse_socket_link(const char *link, uint64_t *inode);

/* nf_conntrack_count or nf_conntrack_max: a number alone, maybe with its
 * newline. */
int capacity_parse_counter(const char *text, size_t len, uint64_t *v, const char **why);

#endif
