/*
 * config.h - the daemon's configuration as plain C structs.
 *
 * config.c loads one JSON file (RFC 7951 encoding of
 * yang/anycast-healthd@2026-11-23.yang), validates it with libyang and builds
 * these structs with every default filled in, so no other module ever sees
 * libyang.  Config structs are immutable once built; a reload builds a fresh
 * struct config and daemon.c maps run-time state onto it (BIRD's proto_config
 * vs proto split).
 */
#ifndef AHD_CONFIG_H
#define AHD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum probe_kind {
	PROBE_KIND_PPTP_CONTROL,	/* SCCRQ/SCCRP (+ Echo) against pptpd */
	PROBE_KIND_PROCESS,		/* pptpd's main process via pidfile + pidfd */
	PROBE_KIND_PPTP_GRE,		/* call setup + LCP over enhanced GRE: the data path */
	PROBE_KIND_CAPACITY,		/* sessions, fds, conntrack against thresholds */
	PROBE_KIND_TCP,			/* TCP connect */
	PROBE_KIND_HTTP,		/* HTTP(S) GET through libcurl */
	PROBE_KIND_EXEC,		/* a command's exit code */
	PROBE_KIND__COUNT
};
/* "pptp-control", "process", "pptp-gre", "capacity", "tcp", "http", "exec" */
extern const char *const probe_kind_names[PROBE_KIND__COUNT];

struct probe_pptp_control_config {
	char *address;		/* numeric IPv4 or IPv6 address of pptpd */
	uint16_t port;		/* default 1723 */
	bool echo;		/* also do an Echo-Request round trip */
	char *host_name;	/* sent in SCCRQ; default "anycast-healthd" */
};

struct probe_process_config {
	char *pidfile;		/* e.g. /run/pptpd.pid */
	char *process_name;	/* optional: /proc/PID/comm must match; NULL = any */
};

struct probe_pptp_gre_config {
	char *address;		/* numeric IPv4 address of pptpd (GRE over IPv4 only) */
	uint16_t port;		/* default 1723 */
	char *host_name;	/* sent in SCCRQ; default "anycast-healthd" */
};

struct probe_capacity_config {
	char *pidfile;			/* pptpd's pidfile: its pptpctrl children and fds */
	char *pptpd_conf;		/* for the remoteip pool size; default /etc/pptpd.conf */
	uint32_t max_sessions;		/* 0 = the remoteip pool size from pptpd_conf */
	uint32_t sessions_percent;	/* DEGRADED at or above these; default 90 */
	uint32_t fds_percent;
	uint32_t conntrack_percent;
};

struct probe_tcp_config {
	char *address;		/* numeric IPv4 or IPv6 address */
	uint16_t port;
};

struct probe_http_config {
	char *url;			/* http:// or https:// */
	uint32_t expect_status;		/* default 200 */
	char *body_contains;		/* optional substring the body must contain */
};

struct probe_exec_config {
	char **argv;		/* argv[0] is an absolute path; NULL-terminated */
	size_t argc;
};

struct probe_config {
	char *name;			/* unique within its service */
	enum probe_kind kind;
	uint32_t interval_ms;		/* start-to-start period; inherited from the service */
	uint32_t fast_interval_ms;	/* end-to-start while counting rise/fall; 0 = off; inherited */
	uint32_t timeout_ms;		/* < interval_ms; inherited from the service */
	uint32_t rise;			/* consecutive UPs to go UP; inherited */
	uint32_t fall;			/* consecutive DOWNs to go DOWN; inherited */
	union {
		struct probe_pptp_control_config pptp_control;
		struct probe_process_config process;
		struct probe_pptp_gre_config pptp_gre;
		struct probe_capacity_config capacity;
		struct probe_tcp_config tcp;
		struct probe_http_config http;
		struct probe_exec_config exec;
	} u;
};

/* service/damping: RFC 2439-style flap damping (health.h). */
struct damping_config {
	bool enabled;			/* the container is present */
	uint32_t penalty;		/* added per flap (serving -> DOWN); default 1000 */
	uint32_t suppress_limit;	/* above: held DOWN; default 2000 */
	uint32_t reuse_limit;		/* below: released; default 750 (< suppress_limit) */
	uint32_t half_life_s;		/* default 60 */
	uint32_t max_suppress_s;	/* penalty ceiling reuse x 2^(max/half-life); default 600 */
};

/* service/on-drift: what this service does when a file it depends on
 * differs from the fleet's majority (docs/fleet.md). */
enum on_drift_action { ON_DRIFT_WARN, ON_DRIFT_DEGRADE, ON_DRIFT__COUNT };
extern const char *const on_drift_action_names[ON_DRIFT__COUNT];	/* "warn", "degrade" */

struct service_config {
	char *name;
	struct probe_config *probes;
	size_t n_probes;
	bool error_is_down;		/* count a probe ERROR as DOWN (default false) */
	struct damping_config damping;
	enum on_drift_action on_drift;	/* default warn; only with a fleet section */
	char **drift_files;		/* which fleet/fingerprint-file entries on_drift
					 * watches; default: all of them */
	size_t n_drift_files;
};

enum on_exit_action { ON_EXIT_WITHDRAW, ON_EXIT_KEEP, ON_EXIT_DRAIN, ON_EXIT__COUNT };
extern const char *const on_exit_action_names[ON_EXIT__COUNT];	/* "withdraw", "keep", "drain" */

struct prefix_config {
	char *prefix;			/* canonical text, e.g. "192.0.2.1/32" */
	char **services;		/* names of the services it depends on (all must be UP) */
	size_t n_services;
	size_t *service_index;		/* resolved: index into config.services */
	/* router bird: */
	char *bird_protocol;		/* BIRD static protocol carrying it, e.g. "anycast4" */
	char *bird_define;		/* its state constant, e.g. "ANYCAST4_OFF" (derived) */
	char *bird_degraded_protocol;	/* optional twin announcing it with prepends */
	char *bird_degraded_define;	/* e.g. "ANYCAST4_DEGRADED_OFF" (derived), or NULL */
	char *bird_drain_protocol;	/* optional twin announcing it with GRACEFUL_SHUTDOWN */
	char *bird_drain_define;	/* e.g. "ANYCAST4_DRAIN_OFF" (derived), or NULL */
	/* router keepalived: */
	char *ka_track_file;		/* the track file the daemon keeps for it */
	char *ka_state_file;		/* optional: the VRRP state the notify script writes */
	int family;			/* AF_INET or AF_INET6, from the prefix */
	uint32_t drain_time_s;		/* how long a drain announces GSHUT before withdrawing */
	uint32_t min_announcers;	/* fleet guard: other gateways that must stay
					 * announcing it; default 1; 0 = unguarded */
};

struct api_config {
	char *listen_address;		/* read-only TCP listener; default 127.0.0.1 */
	uint16_t listen_port;		/* default 9180; 0 = no TCP listener */
	char *admin_socket;		/* default /run/anycast-healthd/admin.sock */
	char *admin_group;		/* group owning the admin socket (0660); default anycast-healthd */
	char *admin_state_file;		/* overrides kept across restarts; default /var/lib/anycast-healthd/admin-state.json */
	uint32_t history_size;		/* transitions kept for /v1/history; default 256 */
	uint32_t max_connections;	/* per listener; default 32 */
	uint32_t connection_timeout_s;	/* idle/slow connections are cut; default 10 */
};

enum router_kind { ROUTER_KIND_BIRD, ROUTER_KIND_FRR, ROUTER_KIND_KEEPALIVED, ROUTER_KIND__COUNT };
/* "bird", "frr", "keepalived" */
extern const char *const router_kind_names[ROUTER_KIND__COUNT];
/* router/keepalived/pptpd-on-backup: whether the notify script stops pptpd
 * on the VRRP backup (docs/keepalived.md, the standby rule in policy.h). */
enum keepalived_backup { KEEPALIVED_BACKUP_RUNNING, KEEPALIVED_BACKUP_STOPPED, KEEPALIVED_BACKUP__COUNT };
extern const char *const keepalived_backup_names[KEEPALIVED_BACKUP__COUNT];	/* "running", "stopped" */
/* router/bird/pattern: how bird.conf carries the prefixes (docs/bird.md). */
enum bird_pattern { BIRD_PATTERN_PROTOCOLS, BIRD_PATTERN_PREFIX_SETS, BIRD_PATTERN__COUNT };
extern const char *const bird_pattern_names[BIRD_PATTERN__COUNT];	/* "protocols", "prefix-sets" */

struct router_config {
	enum router_kind kind;
	/* bird: control socket, default /run/bird/bird.ctl;
	 * frr: bgpd's vty socket, default /run/frr/bgpd.vty */
	char *control_socket;
	char *state_file;		/* bird only: default /run/anycast-healthd/bird-state.conf */
	enum bird_pattern bird_pattern;	/* bird only: default protocols */
	uint32_t frr_asn;		/* frr only: the `router bgp ASN` to configure under */
	char *frr_degraded_route_map;	/* frr only, optional: `network P route-map X` when degraded */
	char *frr_drain_route_map;	/* frr only, optional: `network P route-map X` when draining */
	/* keepalived only: what a prefix's track file holds per state (0 when
	 * announced); with `weight -1` in keepalived.conf, the priority drop. */
	uint32_t ka_withdrawn_value;	/* default 254: -254 is below -253, FAULT */
	uint32_t ka_degraded_value;	/* default 60 */
	uint32_t ka_draining_value;	/* default 120 */
	enum keepalived_backup ka_pptpd_on_backup;	/* default running */
	uint32_t ka_takeover_grace_ms;	/* stopped only: a new MASTER's grace; default 15000 */
	uint32_t command_timeout_ms;	/* default 2000 */
	uint32_t readback_interval_ms;	/* periodic read-back; default 10000 */
	uint32_t reconnect_min_ms;	/* backoff start; default 100 */
	uint32_t reconnect_max_ms;	/* backoff cap; default 5000 */
};

/* fleet/on-store-loss: a withdrawal the guard cannot get the store's answer
 * for within decision-timeout-ms. */
enum on_store_loss_action { ON_STORE_LOSS_DECIDE_ALONE, ON_STORE_LOSS_KEEP_ANNOUNCING,
			    ON_STORE_LOSS__COUNT };
/* "decide-alone", "keep-announcing" */
extern const char *const on_store_loss_action_names[ON_STORE_LOSS__COUNT];

/* The optional fleet section (docs/fleet.md): etcd as the fleet's store. */
struct fleet_config {
	bool enabled;			/* the container is present */
	char *name;			/* the fleet's name: keys live under /anycast-healthd/NAME/ */
	char *node;			/* this gateway's name; default: the host name */
	char **endpoints;		/* etcd client URLs, http:// or https:// */
	size_t n_endpoints;
	char *ca_file;			/* tls/ca-file, or NULL */
	char *cert_file;		/* tls/cert-file (client certificate), or NULL */
	char *key_file;			/* tls/key-file, or NULL */
	char *user;			/* etcd user, or NULL (no auth) */
	char *password_file;		/* the user's password, read at start/reload */
	uint32_t lease_ttl_s;		/* default 10 */
	uint32_t request_timeout_ms;	/* one store request; default 1000 */
	uint32_t decision_timeout_ms;	/* a guarded withdrawal waits this long for the store; default 2000 */
	enum on_store_loss_action on_store_loss;
	char *fingerprint_key_file;	/* fleet/key-file: the HMAC key */
	char **fingerprint_files;	/* default chap-secrets, pptpd-options, pptpd.conf */
	size_t n_fingerprint_files;
};

/* One state-change hook (docs/hooks.md): a command run for each transition
 * record of the kinds it asks for. */
struct hook_config {
	char *name;
	char **argv;			/* argv[0] is an absolute path; NULL-terminated */
	size_t argc;
	uint32_t events;		/* bit (1 << kind) per status_event_kind it runs on */
	uint32_t timeout_ms;		/* then SIGTERM to its group, SIGKILL 1 s later; default 10000 */
	uint32_t queue_size;		/* records waiting at most; default 64 */
};

/* The optional hooks section. */
struct hooks_config {
	struct hook_config *hooks;	/* n_hooks; NULL when none */
	size_t n_hooks;
	uint32_t max_running;		/* children at once across hooks; default 4 */
};

struct config {
	char *path;			/* the file it came from */
	struct router_config router;
	struct service_config *services;
	size_t n_services;
	struct prefix_config *prefixes;
	size_t n_prefixes;
	enum on_exit_action on_exit;
	struct api_config api;
	struct fleet_config fleet;
	struct hooks_config hooks;

	/* Private to config.c. */
	char *effective_json;		/* config_print's text, printed by libyang at load */
};

/*
 * Load and validate FILE.  On success returns a config and 0 errors.  On
 * failure returns NULL and writes every error to `errors` as one line
 * "FILE: path: message\n" (path is the data path, e.g.
 * /anycast-healthd:anycast-healthd/service[name='pptp']/rise, or "-" when
 * there is none).  `errors` may be NULL.  Only a regular file is read, and
 * never in a way that blocks (a FIFO, a directory, a device or a socket is
 * refused: "FILE: -: cannot read: a FIFO, not a regular file").
 */
struct config *config_load(const char *file, FILE *errors);

/*
 * config_load() of TEXT (LEN bytes, NUL-terminated after them) that was read
 * from FILE, which only names it in the errors: no I/O but `errors`.  Refuses
 * a NUL byte in the text and anything but white space after the JSON
 * document, naming the offset.  A fresh libyang context per call (some
 * 20 ms), so a failed reload never touches the running config's.
 */
struct config *config_parse(const char *file, const char *text, size_t len, FILE *errors);

/*
 * The compiled YANG module, for a caller that parses many texts (the
 * fuzzer): config_parse_with(schema, ...) is config_parse() without
 * creating a libyang context per text.  The daemon does not share one: a
 * failed reload must not touch anything the running config uses.
 * config_schema_new() returns NULL (errors written) if the module does not
 * compile; config_schema_free() accepts NULL.
 */
struct config_schema;
struct config_schema *config_schema_new(FILE *errors);
void config_schema_free(struct config_schema *schema);
struct config *config_parse_with(struct config_schema *schema, const char *file, const char *text,
				 size_t len, FILE *errors);

/*
 * Offset one past the end of the JSON object or array that TEXT (LEN bytes)
 * starts with, after leading white space: its closing bracket, matched
 * outside strings.  LEN when TEXT starts with anything else, or the brackets
 * never close or do not match (libyang then reports the syntax error).
 */
size_t config_json_end(const char *text, size_t len);

/* Print the effective config (defaults filled in) as RFC 7951 JSON. */
int config_print(const struct config *cfg, FILE *out);

/* Accepts NULL. */
void config_free(struct config *cfg);

/* Two optional config strings are equal: both NULL, or the same text.  For
 * every *_equal() comparison of config sections (probes, router, api). */
bool config_str_equal(const char *a, const char *b);

/* True when two probe configs would probe the same thing the same way. */
bool config_probe_equal(const struct probe_config *a, const struct probe_config *b);

/* The YANG module's text, compiled in (generated from yang/ at build time). */
extern const char config_yang_module[];

#endif
