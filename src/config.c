/*
 * config.c - load the JSON config, validate it against the YANG module and
 * build the plain C structs of config.h.
 *
 * libyang does the parsing and the schema validation (types, ranges,
 * patterns, leafrefs, mandatory choices, uniqueness) and fills in every
 * default; this file then checks what the schema cannot say comfortably
 * (timeout < interval after inheritance, reconnect-min <= reconnect-max,
 * BIRD protocols present and mapping to distinct state constants, the
 * fleet's endpoints and timeouts, its node defaulting to the host name, a
 * hook's command and the event kinds it names) and
 * copies the tree into structs, so no other module ever sees libyang.  A fresh
 * libyang context per load keeps a failed reload from touching anything the
 * running config uses.
 *
 * Every error is printed as "FILE: path: message": the data path libyang
 * reports (its schema path when it has no data path), or "-".
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libyang/libyang.h>

#include "config.h"
#include "file_util.h"
#include "log.h"
#include "pptp_wire.h"
#include "status.h"

#define CONFIG_MODULE	"anycast-healthd"
#define CONFIG_MAX_SIZE	(16 * 1024 * 1024)	/* a config is a few KiB */

const char *const probe_kind_names[PROBE_KIND__COUNT] = {
	[PROBE_KIND_PPTP_CONTROL] = "pptp-control",
	[PROBE_KIND_PROCESS] = "process",
	[PROBE_KIND_PPTP_GRE] = "pptp-gre",
	[PROBE_KIND_CAPACITY] = "capacity",
	[PROBE_KIND_TCP] = "tcp",
	[PROBE_KIND_HTTP] = "http",
	[PROBE_KIND_EXEC] = "exec",
};

/*
 * Kinds too costly to run at the service's sub-second default keep their own
 * interval/timeout unless the probe sets them (0 = inherit the service's).
 * A GRE probe makes pptpd fork a pptpctrl and a pppd; a capacity probe scans
 * /proc.  The YANG descriptions of those containers say the same.
 */
static const struct {
	uint32_t interval_ms, timeout_ms;
} config_kind_timing[PROBE_KIND__COUNT] = {
	[PROBE_KIND_PPTP_GRE] = { 5000, 2000 },
	[PROBE_KIND_CAPACITY] = { 5000, 1000 },
};

const char *const on_exit_action_names[ON_EXIT__COUNT] = {
	[ON_EXIT_WITHDRAW] = "withdraw",
	[ON_EXIT_KEEP] = "keep",
	[ON_EXIT_DRAIN] = "drain",
};

const char *const router_kind_names[ROUTER_KIND__COUNT] = {
	[ROUTER_KIND_BIRD] = "bird",
	[ROUTER_KIND_FRR] = "frr",
	[ROUTER_KIND_KEEPALIVED] = "keepalived",
};

const char *const keepalived_backup_names[KEEPALIVED_BACKUP__COUNT] = {
	[KEEPALIVED_BACKUP_RUNNING] = "running",
	[KEEPALIVED_BACKUP_STOPPED] = "stopped",
};

const char *const bird_pattern_names[BIRD_PATTERN__COUNT] = {
	[BIRD_PATTERN_PROTOCOLS] = "protocols",
	[BIRD_PATTERN_PREFIX_SETS] = "prefix-sets",
};

const char *const on_drift_action_names[ON_DRIFT__COUNT] = {
	[ON_DRIFT_WARN] = "warn",
	[ON_DRIFT_DEGRADE] = "degrade",
};

const char *const on_store_loss_action_names[ON_STORE_LOSS__COUNT] = {
	[ON_STORE_LOSS_DECIDE_ALONE] = "decide-alone",
	[ON_STORE_LOSS_KEEP_ANNOUNCING] = "keep-announcing",
};

/* One load: where errors go and how many were printed. */
struct config_load_ctx {
	const char *file;
	FILE *errors;
	unsigned int n_errors;
};

static void config_error(struct config_load_ctx *lc, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
config_error(struct config_load_ctx *lc, const char *path, const char *fmt, ...)
{
	va_list ap;

	lc->n_errors++;
	if (lc->errors == NULL)
		return;
	fprintf(lc->errors, "%s: %s: ", lc->file, path != NULL ? path : "-");
	va_start(ap, fmt);
	vfprintf(lc->errors, fmt, ap);
	va_end(ap);
	fputc('\n', lc->errors);
}

/* An error about a data node: its path comes from libyang. */
static void config_node_error(struct config_load_ctx *lc, const struct lyd_node *node,
			      const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
config_node_error(struct config_load_ctx *lc, const struct lyd_node *node, const char *fmt, ...)
{
	char *path, msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	path = lyd_path(node, LYD_PATH_STD, NULL, 0);
	config_error(lc, path, "%s", msg);
	free(path);
}

/*
 * libyang 2.1 stores the location as one string, e.g.
 *   Data location "/a:b/c[name='x']/rise", line number 1.
 *   Schema location "/a:b/c/kind".
 *   Line number 3.
 * Copy out the quoted path after `what`, if any.
 */
static int
config_errpath_quoted(const char *loc, const char *what, char *buf, size_t len)
{
	const char *p, *end;

	if (loc == NULL || (p = strstr(loc, what)) == NULL)
		return -1;
	p += strlen(what);
	if ((end = strchr(p, '"')) == NULL || (size_t)(end - p) >= len)
		return -1;
	memcpy(buf, p, end - p);
	buf[end - p] = '\0';
	return 0;
}

static long
config_errpath_line(const char *loc)
{
	const char *p;

	if (loc == NULL)
		return 0;
	if ((p = strstr(loc, "line number ")) != NULL)
		return strtol(p + strlen("line number "), NULL, 10);
	if ((p = strstr(loc, "Line number ")) != NULL)
		return strtol(p + strlen("Line number "), NULL, 10);
	return 0;
}

/* Does `n` have a child that is, or sits under the choice/case, `name`? */
static bool
config_has_part(const struct lyd_node *n, const char *name)
{
	const struct lyd_node *c;
	const struct lysc_node *s;

	LY_LIST_FOR(lyd_child(n), c)
		for (s = c->schema; s != NULL && s != n->schema; s = s->parent)
			if (strcmp(s->name, name) == 0)
				return true;
	return false;
}

/* The first instance of schema path parent[0..plen) that lacks `missing`. */
static const struct lyd_node *
config_find_lacking(const struct lyd_node *siblings, const char *parent, size_t plen, const char *missing)
{
	const struct lyd_node *n, *found;
	char buf[1024];

	LY_LIST_FOR(siblings, n) {
		if (n->schema == NULL)
			continue;
		if (lysc_path(n->schema, LYSC_PATH_LOG, buf, sizeof(buf)) != NULL &&
		    strlen(buf) == plen && strncmp(buf, parent, plen) == 0 && !config_has_part(n, missing))
			return n;
		if ((found = config_find_lacking(lyd_child(n), parent, plen, missing)) != NULL)
			return found;
	}
	return NULL;
}

/*
 * For a missing mandatory node or too few list entries, libyang 2.1 gives
 * only the schema path of what is missing (.../service/probe/kind), which
 * does not say which probe.  Find the first data instance of its parent that
 * lacks it and return that instance's data path (malloc'd), or NULL.
 */
static char *
config_locate_missing(const struct lyd_node *tree, const char *schema_path)
{
	const char *slash = strrchr(schema_path, '/');
	const struct lyd_node *n;

	if (tree == NULL || slash == NULL || slash == schema_path)
		return NULL;
	n = config_find_lacking(tree, schema_path, slash - schema_path, slash + 1);
	return n != NULL ? lyd_path(n, LYD_PATH_STD, NULL, 0) : NULL;
}

/* libyang quotes the offending input, newlines and all: keep one line per error. */
static void
config_escape(const char *msg, char *buf, size_t len)
{
	size_t i = 0;

	for (; *msg != '\0' && i + 3 < len; msg++) {
		if (*msg == '\n' || *msg == '\t' || *msg == '\r') {
			buf[i++] = '\\';
			buf[i++] = *msg == '\n' ? 'n' : *msg == '\t' ? 't' : 'r';
		} else if ((unsigned char)*msg < ' ') {
			buf[i++] = '?';
		} else {
			buf[i++] = *msg;
		}
	}
	buf[i] = '\0';
}

/*
 * libyang's words for a node whose `when` is false name only the XPath.  The
 * fleet's per-service and per-prefix leaves are the only ones with a `when`:
 * say what it means.
 */
static const char *
config_explain(const char *msg)
{
	if (strcmp(msg, "When condition \"../../fleet\" not satisfied.") == 0)
		return "allowed only with a fleet section, which this file does not have";
	return msg;
}

/*
 * Print every error libyang stored for this load.  `text` (may be NULL) is
 * the data: when an error has only a schema path, it is parsed again without
 * validation to find the data instance the error is about.
 */
static void
config_report_libyang(struct config_load_ctx *lc, const struct ly_ctx *ctx, const char *text)
{
	struct ly_err_item *e, *last = ly_err_last(ctx);
	struct lyd_node *tree = NULL;
	unsigned int before = lc->n_errors;
	char path[1024], msg[1024], *located;
	const char *where;
	long line;
	bool syntax;

	for (e = ly_err_first(ctx); e != NULL; e = e == last ? NULL : e->next) {
		if (e->level != LY_LLERR)
			continue;
		located = NULL;
		where = path;
		if (config_errpath_quoted(e->path, "Data location \"", path, sizeof(path)) == 0)
			;
		else if (config_errpath_quoted(e->path, "Schema location \"", path, sizeof(path)) == 0) {
			/* Errors of a reparse would come after `last`: not shown. */
			if (tree == NULL && text != NULL)
				lyd_parse_data_mem(ctx, text, LYD_JSON, LYD_PARSE_STRICT | LYD_PARSE_ONLY, 0, &tree);
			if ((located = config_locate_missing(tree, path)) != NULL)
				where = located;
		}
		else
			where = NULL;
		config_escape(config_explain(e->msg), msg, sizeof(msg));
		/* The line matters for JSON syntax, and when there is nothing else. */
		syntax = e->vecode == LYVE_SYNTAX || e->vecode == LYVE_SYNTAX_JSON;
		line = config_errpath_line(e->path);
		if (line > 0 && (syntax || where == NULL))
			config_error(lc, where, "%s (line %ld)", msg, line);
		else
			config_error(lc, where, "%s", msg);
		free(located);
	}
	lyd_free_all(tree);
	if (lc->n_errors == before)
		config_error(lc, NULL, "invalid configuration");
}

#define CONFIG_JSON_DEPTH_MAX	64	/* the schema's data nests about 8 deep */

static bool
config_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

size_t
config_json_end(const char *text, size_t len)
{
	char closers[CONFIG_JSON_DEPTH_MAX];
	size_t i = 0, depth = 0;
	bool in_string = false, escaped = false;

	while (i < len && config_json_space(text[i]))
		i++;
	if (i == len || (text[i] != '{' && text[i] != '['))
		return len;
	for (; i < len; i++) {
		char c = text[i];

		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (depth == CONFIG_JSON_DEPTH_MAX)
				return len;
			closers[depth++] = c == '{' ? '}' : ']';
		} else if (c == '}' || c == ']') {
			if (c != closers[--depth])
				return len;	/* mismatched: libyang's syntax error says more */
			if (depth == 0)
				return i + 1;
		}
	}
	return len;
}

/* Line number (from 1) of byte `off` of `text`. */
static unsigned long
config_line_of(const char *text, size_t off)
{
	unsigned long line = 1;
	const char *p = text, *end = text + off;

	while ((p = memchr(p, '\n', end - p)) != NULL) {
		line++;
		p++;
	}
	return line;
}

/*
 * What libyang does not refuse: it reads a C string, so a NUL ends the
 * config early, and it stops after the first JSON document, so anything
 * may follow it.  A config is one JSON document and nothing else.
 */
static int
config_check_text(struct config_load_ctx *lc, const char *text, size_t len)
{
	const char *nul = memchr(text, '\0', len);
	size_t end;

	if (nul != NULL) {
		config_error(lc, NULL, "a NUL byte at offset %zu (line %lu): a config file is JSON text",
		    (size_t)(nul - text), config_line_of(text, nul - text));
		return -1;
	}
	end = config_json_end(text, len);
	while (end < len && config_json_space(text[end]))
		end++;
	if (end < len) {
		config_error(lc, NULL, "data after the end of the JSON document at offset %zu (line %lu)",
		    end, config_line_of(text, end));
		return -1;
	}
	return 0;
}

/* `n` or its first following sibling that is an instance of schema node `name`. */
static const struct lyd_node *
config_next(const struct lyd_node *n, const char *name)
{
	for (; n != NULL; n = n->next)
		if (n->schema != NULL && strcmp(n->schema->name, name) == 0)
			return n;
	return NULL;
}

static const struct lyd_node *
config_child(const struct lyd_node *parent, const char *name)
{
	return config_next(lyd_child(parent), name);
}

/* Every instance of list or leaf-list `name` under `parent`, in order. */
#define CONFIG_FOR_EACH(parent, sname, n) \
	for ((n) = config_child((parent), (sname)); (n) != NULL; (n) = config_next((n)->next, (sname)))

static size_t
config_count(const struct lyd_node *parent, const char *name)
{
	const struct lyd_node *n;
	size_t count = 0;

	CONFIG_FOR_EACH(parent, name, n)
		count++;
	return count;
}

/* A leaf's canonical value, or NULL when absent. */
static const char *
config_str(const struct lyd_node *parent, const char *name)
{
	const struct lyd_node *n = config_child(parent, name);

	return n != NULL ? lyd_get_value(n) : NULL;
}

static char *
config_strdup(const struct lyd_node *parent, const char *name)
{
	const char *s = config_str(parent, name);

	return s != NULL ? xstrdup(s) : NULL;
}

/*
 * Numbers are range-checked by the schema, and validation has filled in
 * every default, so `dflt` only applies to leaves without a default (the
 * per-probe overrides).  The defaults themselves live only in the module.
 */
static uint32_t
config_u32(const struct lyd_node *parent, const char *name, uint32_t dflt)
{
	const char *s = config_str(parent, name);

	return s != NULL ? (uint32_t)strtoul(s, NULL, 10) : dflt;
}

static bool
config_bool(const struct lyd_node *parent, const char *name)
{
	const char *s = config_str(parent, name);

	return s != NULL && strcmp(s, "true") == 0;
}

static int config_enum(const struct lyd_node *parent, const char *name,
		       const char *const *names, int count, int dflt);

/* router/keepalived: the track values must differ (a read-back tells the
 * states apart by them). */
static void
config_build_keepalived(struct config_load_ctx *lc, struct router_config *rc,
			const struct lyd_node *ka)
{
	rc->kind = ROUTER_KIND_KEEPALIVED;
	rc->ka_withdrawn_value = config_u32(ka, "withdrawn-value", 254);
	rc->ka_degraded_value = config_u32(ka, "degraded-value", 60);
	rc->ka_draining_value = config_u32(ka, "draining-value", 120);
	rc->ka_pptpd_on_backup = (enum keepalived_backup)config_enum(ka, "pptpd-on-backup",
		keepalived_backup_names, KEEPALIVED_BACKUP__COUNT, KEEPALIVED_BACKUP_RUNNING);
	rc->ka_takeover_grace_ms = config_u32(ka, "takeover-grace-ms", 15000);
	if (rc->ka_withdrawn_value == rc->ka_degraded_value ||
	    rc->ka_withdrawn_value == rc->ka_draining_value ||
	    rc->ka_degraded_value == rc->ka_draining_value)
		config_node_error(lc, ka, "withdrawn-value (%u), degraded-value (%u) and draining-value "
		    "(%u) must differ", rc->ka_withdrawn_value, rc->ka_degraded_value,
		    rc->ka_draining_value);
}

static void
config_build_router(struct config_load_ctx *lc, struct router_config *rc, const struct lyd_node *node)
{
	const struct lyd_node *bird, *frr, *ka;

	/* The schema makes the choice mandatory. */
	rc->kind = ROUTER_KIND_BIRD;
	if ((bird = config_child(node, "bird")) != NULL) {
		rc->control_socket = config_strdup(bird, "control-socket");
		rc->state_file = config_strdup(bird, "state-file");
		rc->bird_pattern = (enum bird_pattern)config_enum(bird, "pattern", bird_pattern_names,
					       BIRD_PATTERN__COUNT, BIRD_PATTERN_PROTOCOLS);
	} else if ((frr = config_child(node, "frr")) != NULL) {
		rc->kind = ROUTER_KIND_FRR;
		rc->control_socket = config_strdup(frr, "vty-socket");
		rc->frr_asn = config_u32(frr, "asn", 0);
		rc->frr_degraded_route_map = config_strdup(frr, "degraded-route-map");
		rc->frr_drain_route_map = config_strdup(frr, "drain-route-map");
	} else if ((ka = config_child(node, "keepalived")) != NULL) {
		config_build_keepalived(lc, rc, ka);
	}
	rc->command_timeout_ms = config_u32(node, "command-timeout-ms", 0);
	rc->readback_interval_ms = config_u32(node, "readback-interval-ms", 0);
	rc->reconnect_min_ms = config_u32(node, "reconnect-min-ms", 0);
	rc->reconnect_max_ms = config_u32(node, "reconnect-max-ms", 0);
	if (rc->reconnect_min_ms > rc->reconnect_max_ms)
		config_node_error(lc, node, "reconnect-min-ms (%u) must not be greater than reconnect-max-ms (%u)",
		    rc->reconnect_min_ms, rc->reconnect_max_ms);
}

static bool config_build_probe_kind(struct probe_config *pc, const struct lyd_node *node);

/*
 * YANG's `length "1..63"` counts characters, but the SCCRQ's Host Name is a
 * 64-byte field ending in a NUL: 40 two-byte characters would be cut in the
 * middle of one.  Count the bytes.
 */
static void
config_check_host_name(struct config_load_ctx *lc, const struct lyd_node *kind)
{
	const struct lyd_node *n = config_child(kind, "host-name");
	size_t len;

	if (n == NULL || (len = strlen(lyd_get_value(n))) < PPTP_NAME_LEN)
		return;
	config_node_error(lc, n, "%zu bytes long in UTF-8: the SCCRQ's Host Name field holds at most %d bytes",
	    len, PPTP_NAME_LEN - 1);
}

static void
config_build_probe(struct config_load_ctx *lc, struct probe_config *pc, const struct lyd_node *node,
		   const struct lyd_node *service)
{
	pc->name = config_strdup(node, "name");
	if (!config_build_probe_kind(pc, node))
		config_node_error(lc, node, "no probe kind");	/* unreachable: mandatory choice */
	/* Absent overrides inherit the kind's own timing or the service's values. */
	pc->interval_ms = config_u32(node, "interval-ms", config_kind_timing[pc->kind].interval_ms ?
	    config_kind_timing[pc->kind].interval_ms : config_u32(service, "interval-ms", 0));
	pc->fast_interval_ms = config_u32(node, "fast-interval-ms", config_u32(service, "fast-interval-ms", 0));
	pc->timeout_ms = config_u32(node, "timeout-ms", config_kind_timing[pc->kind].timeout_ms ?
	    config_kind_timing[pc->kind].timeout_ms : config_u32(service, "timeout-ms", 0));
	pc->rise = config_u32(node, "rise", config_u32(service, "rise", 0));
	pc->fall = config_u32(node, "fall", config_u32(service, "fall", 0));
	if (pc->timeout_ms >= pc->interval_ms)
		config_node_error(lc, node, "timeout-ms (%u) must be less than interval-ms (%u)",
		    pc->timeout_ms, pc->interval_ms);
	if (pc->kind == PROBE_KIND_PPTP_CONTROL || pc->kind == PROBE_KIND_PPTP_GRE)
		config_check_host_name(lc, config_child(node, probe_kind_names[pc->kind]));
	/* No shell and no PATH search: the program is named exactly. */
	if (pc->kind == PROBE_KIND_EXEC && pc->u.exec.argc > 0 && pc->u.exec.argv[0][0] != '/')
		config_node_error(lc, node, "exec/command: the program \"%s\" must be an absolute path",
		    pc->u.exec.argv[0]);
}

/* Fill pc->kind and pc->u from the probe's kind container; false if none. */
static bool
config_build_probe_kind(struct probe_config *pc, const struct lyd_node *node)
{
	const struct lyd_node *kind, *n;
	size_t i = 0;

	if ((kind = config_child(node, "pptp-control")) != NULL) {
		pc->kind = PROBE_KIND_PPTP_CONTROL;
		pc->u.pptp_control.address = config_strdup(kind, "address");
		pc->u.pptp_control.port = (uint16_t)config_u32(kind, "port", 0);
		pc->u.pptp_control.echo = config_bool(kind, "echo");
		pc->u.pptp_control.host_name = config_strdup(kind, "host-name");
	} else if ((kind = config_child(node, "process")) != NULL) {
		pc->kind = PROBE_KIND_PROCESS;
		pc->u.process.pidfile = config_strdup(kind, "pidfile");
		pc->u.process.process_name = config_strdup(kind, "process-name");
	} else if ((kind = config_child(node, "pptp-gre")) != NULL) {
		pc->kind = PROBE_KIND_PPTP_GRE;
		pc->u.pptp_gre.address = config_strdup(kind, "address");
		pc->u.pptp_gre.port = (uint16_t)config_u32(kind, "port", 0);
		pc->u.pptp_gre.host_name = config_strdup(kind, "host-name");
	} else if ((kind = config_child(node, "capacity")) != NULL) {
		pc->kind = PROBE_KIND_CAPACITY;
		pc->u.capacity.pidfile = config_strdup(kind, "pidfile");
		pc->u.capacity.pptpd_conf = config_strdup(kind, "pptpd-conf");
		pc->u.capacity.max_sessions = config_u32(kind, "max-sessions", 0);
		pc->u.capacity.sessions_percent = config_u32(kind, "sessions-percent", 0);
		pc->u.capacity.fds_percent = config_u32(kind, "fds-percent", 0);
		pc->u.capacity.conntrack_percent = config_u32(kind, "conntrack-percent", 0);
	} else if ((kind = config_child(node, "tcp")) != NULL) {
		pc->kind = PROBE_KIND_TCP;
		pc->u.tcp.address = config_strdup(kind, "address");
		pc->u.tcp.port = (uint16_t)config_u32(kind, "port", 0);
	} else if ((kind = config_child(node, "http")) != NULL) {
		pc->kind = PROBE_KIND_HTTP;
		pc->u.http.url = config_strdup(kind, "url");
		pc->u.http.expect_status = config_u32(kind, "expect-status", 0);
		pc->u.http.body_contains = config_strdup(kind, "body-contains");
	} else if ((kind = config_child(node, "exec")) != NULL) {
		pc->kind = PROBE_KIND_EXEC;
		pc->u.exec.argc = config_count(kind, "command");
		pc->u.exec.argv = xcalloc(pc->u.exec.argc + 1, sizeof(char *));
		CONFIG_FOR_EACH(kind, "command", n)
			pc->u.exec.argv[i++] = xstrdup(lyd_get_value(n));
	} else {
		return false;
	}
	return true;
}

static void
config_build_service(struct config_load_ctx *lc, struct service_config *sc, const struct lyd_node *node)
{
	const struct lyd_node *n;
	double ceiling;
	size_t i = 0;

	sc->name = config_strdup(node, "name");
	sc->error_is_down = config_bool(node, "error-is-down");
	if ((n = config_child(node, "damping")) != NULL) {
		sc->damping.enabled = true;
		sc->damping.penalty = config_u32(n, "penalty", 1000);
		sc->damping.suppress_limit = config_u32(n, "suppress-limit", 2000);
		sc->damping.reuse_limit = config_u32(n, "reuse-limit", 750);
		sc->damping.half_life_s = config_u32(n, "half-life-s", 60);
		sc->damping.max_suppress_s = config_u32(n, "max-suppress-s", 600);
		/* The ceiling reuse x 2^(max/half) must leave room above suppress. */
		ceiling = sc->damping.reuse_limit *
			  exp2((double)sc->damping.max_suppress_s / sc->damping.half_life_s);
		if (ceiling <= sc->damping.suppress_limit)
			config_node_error(lc, n, "suppress-limit (%u) is out of reach: the penalty "
			    "never exceeds reuse-limit x 2^(max-suppress-s / half-life-s) = %.0f, "
			    "so the service would never be held", sc->damping.suppress_limit, ceiling);
	}
	sc->n_probes = config_count(node, "probe");
	sc->probes = xcalloc(sc->n_probes ? sc->n_probes : 1, sizeof(*sc->probes));
	CONFIG_FOR_EACH(node, "probe", n)
		config_build_probe(lc, &sc->probes[i++], n, node);
}

/*
 * A name and where it is, sorted by name for bsearch: the lookups of every
 * depends-on and every BIRD state constant stay n log n.  Scanning the list
 * for each made a config of 4,000 services take 46 s to validate under ASan.
 */
struct config_name {
	const char *name;
	size_t index;
};

static int
config_name_cmp(const void *a, const void *b)
{
	const struct config_name *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Only the name: finds any entry of that name. */
static int
config_name_key_cmp(const void *key, const void *member)
{
	return strcmp(((const struct config_name *)key)->name,
		      ((const struct config_name *)member)->name);
}

/* The services' names, sorted (unique: the list's key). */
static struct config_name *
config_service_names(const struct config *cfg)
{
	struct config_name *names = xcalloc(cfg->n_services ? cfg->n_services : 1, sizeof(*names));
	size_t i;

	for (i = 0; i < cfg->n_services; i++) {
		names[i].name = cfg->services[i].name;
		names[i].index = i;
	}
	qsort(names, cfg->n_services, sizeof(*names), config_name_cmp);
	return names;
}

/* "anycast4" -> "ANYCAST4_OFF": the constant bird.conf's `disabled` uses. */
static char *
config_bird_define(const char *protocol)
{
	size_t len = strlen(protocol), i;
	char *def = xcalloc(len + sizeof("_OFF"), 1);

	for (i = 0; i < len; i++)
		def[i] = (char)toupper((unsigned char)protocol[i]);
	memcpy(def + len, "_OFF", sizeof("_OFF"));
	return def;
}

/* A prefix's keepalived files: the track file with that router, the state
 * file where the standby rule needs it.  False (and an error) if not. */
static bool
config_check_prefix_keepalived(struct config_load_ctx *lc, const struct router_config *rc,
			       const struct prefix_config *pc, const struct lyd_node *node)
{
	if (rc->kind != ROUTER_KIND_KEEPALIVED)
		return true;
	if (pc->ka_track_file == NULL) {
		config_node_error(lc, node, "keepalived/track-file is required when the router is keepalived");
		return false;
	}
	if (pc->ka_state_file == NULL && rc->ka_pptpd_on_backup == KEEPALIVED_BACKUP_STOPPED) {
		config_node_error(lc, node, "keepalived/state-file is required with "
		    "router/keepalived/pptpd-on-backup stopped (the standby rule reads it)");
		return false;
	}
	if (pc->ka_state_file != NULL && strcmp(pc->ka_state_file, pc->ka_track_file) == 0) {
		config_node_error(lc, node, "keepalived/state-file and keepalived/track-file must differ");
		return false;
	}
	return true;
}

/* Two prefixes sharing a track file would fight over it: the later one is
 * refused, naming the first. */
static void
config_check_track_files(struct config_load_ctx *lc, const struct config *cfg,
			 const struct lyd_node *top)
{
	const struct lyd_node *n;
	size_t i = 0, j;

	CONFIG_FOR_EACH(top, "prefix", n) {
		const char *mine = cfg->prefixes[i].ka_track_file;

		for (j = 0; mine != NULL && j < i; j++) {
			if (config_str_equal(cfg->prefixes[j].ka_track_file, mine)) {
				config_node_error(lc, n, "keepalived/track-file \"%s\" is already %s's",
				    mine, cfg->prefixes[j].prefix);
				break;
			}
		}
		i++;
	}
}

static void
config_build_prefix(struct config_load_ctx *lc, struct config *cfg, struct prefix_config *pc,
		    const struct lyd_node *node, const struct config_name *services)
{
	const struct lyd_node *n, *bird, *ka;
	size_t i = 0;

	pc->prefix = config_strdup(node, "prefix");
	pc->n_services = config_count(node, "depends-on");
	pc->services = xcalloc(pc->n_services ? pc->n_services : 1, sizeof(*pc->services));
	pc->service_index = xcalloc(pc->n_services ? pc->n_services : 1, sizeof(*pc->service_index));
	CONFIG_FOR_EACH(node, "depends-on", n) {
		struct config_name key = { .name = lyd_get_value(n) };
		const struct config_name *found;

		pc->services[i] = xstrdup(key.name);
		/* The leafref guarantees a match. */
		found = bsearch(&key, services, cfg->n_services, sizeof(*services), config_name_key_cmp);
		if (found != NULL)
			pc->service_index[i] = found->index;
		i++;
	}

	pc->family = strchr(pc->prefix, ':') != NULL ? AF_INET6 : AF_INET;
	bird = config_child(node, "bird");
	if (bird != NULL) {
		pc->bird_protocol = config_strdup(bird, "protocol");
		pc->bird_degraded_protocol = config_strdup(bird, "degraded-protocol");
		pc->bird_drain_protocol = config_strdup(bird, "drain-protocol");
	}
	ka = config_child(node, "keepalived");
	if (ka != NULL) {
		pc->ka_track_file = config_strdup(ka, "track-file");
		pc->ka_state_file = config_strdup(ka, "state-file");
	}
	if (!config_check_prefix_keepalived(lc, &cfg->router, pc, node))
		return;
	pc->drain_time_s = config_u32(node, "drain-time-s", 0);
	/* Present (default 1) only with a fleet section: the same 1 without. */
	pc->min_announcers = config_u32(node, "min-announcers", 1);
	if (cfg->router.kind == ROUTER_KIND_BIRD && pc->bird_protocol == NULL &&
	    cfg->router.bird_pattern == BIRD_PATTERN_PROTOCOLS) {
		config_node_error(lc, node, "bird/protocol is required when the router is bird");
		return;
	}
	if (pc->bird_protocol != NULL)
		pc->bird_define = config_bird_define(pc->bird_protocol);
	if (pc->bird_degraded_protocol != NULL)
		pc->bird_degraded_define = config_bird_define(pc->bird_degraded_protocol);
	if (pc->bird_drain_protocol != NULL)
		pc->bird_drain_define = config_bird_define(pc->bird_drain_protocol);
}

/*
 * Every state constant of every prefix, each with the first prefix that
 * uses it (sorted by constant, then prefix; then one entry per constant).
 */
static struct config_name *
config_define_owners(const struct config *cfg, size_t *n_out)
{
	struct config_name *d = xcalloc(3 * cfg->n_prefixes + 1, sizeof(*d));
	size_t i, n = 0, u = 0;

	for (i = 0; i < cfg->n_prefixes; i++) {
		const struct prefix_config *pc = &cfg->prefixes[i];
		const char *defs[3] = { pc->bird_define, pc->bird_degraded_define, pc->bird_drain_define };

		for (size_t a = 0; a < 3; a++)
			if (defs[a] != NULL)
				d[n++] = (struct config_name){ .name = defs[a], .index = i };
	}
	qsort(d, n, sizeof(*d), config_name_cmp);
	for (i = 0; i < n; i++)
		if (u == 0 || strcmp(d[u - 1].name, d[i].name) != 0)
			d[u++] = d[i];
	*n_out = u;
	return d;
}

/* The three protocols of one prefix: false (and an error) when two clash. */
static bool
config_check_own_defines(struct config_load_ctx *lc, const struct lyd_node *n, const char *const mine[3],
			 const char *const names[3])
{
	size_t a, b;

	for (a = 0; a < 3; a++) {
		for (b = a + 1; b < 3; b++) {
			if (mine[a] == NULL || mine[b] == NULL || strcmp(mine[a], mine[b]) != 0)
				continue;
			config_node_error(lc, n, "bird protocols \"%s\" and \"%s\" of one prefix must differ",
			    names[a], names[b]);
			return false;
		}
	}
	return true;
}

/*
 * Every BIRD protocol a prefix uses (main and degraded twin) needs its own
 * state constant: `unique` catches equal main names, this catches the rest
 * (names differing only in case, a twin reusing another prefix's protocol).
 * A clash with earlier prefixes names the first of them.
 */
static void
config_check_defines(struct config_load_ctx *lc, const struct config *cfg, const struct lyd_node *top)
{
	const struct lyd_node *n;
	struct config_name *owners;
	size_t i = 0, n_owners, a, best, best_a;

	owners = config_define_owners(cfg, &n_owners);
	CONFIG_FOR_EACH(top, "prefix", n) {
		const struct prefix_config *pc = &cfg->prefixes[i];
		const char *const mine[3] = { pc->bird_define, pc->bird_degraded_define, pc->bird_drain_define };
		const char *const names[3] = { pc->bird_protocol, pc->bird_degraded_protocol,
					       pc->bird_drain_protocol };
		bool own_ok = config_check_own_defines(lc, n, mine, names);

		best = best_a = i;
		for (a = 0; own_ok && a < 3; a++) {
			struct config_name key = { .name = mine[a] };
			const struct config_name *owner;

			if (mine[a] == NULL)
				continue;
			owner = bsearch(&key, owners, n_owners, sizeof(*owners), config_name_key_cmp);
			if (owner != NULL && owner->index < best) {
				best = owner->index;
				best_a = a;
			}
		}
		if (best < i)
			config_node_error(lc, n, "bird protocol \"%s\" has the same state constant %s as prefix %s",
			    names[best_a], mine[best_a], cfg->prefixes[best].prefix);
		i++;
	}
	free(owners);
}

/* The api container is not a presence container: validation creates it with
 * every default, so it is always there. */
static void
config_build_api(struct api_config *ac, const struct lyd_node *node)
{
	ac->listen_address = config_strdup(node, "listen-address");
	ac->listen_port = (uint16_t)config_u32(node, "listen-port", 9180);
	ac->admin_socket = config_strdup(node, "admin-socket");
	ac->admin_group = config_strdup(node, "admin-group");
	ac->admin_state_file = config_strdup(node, "admin-state-file");
	ac->history_size = config_u32(node, "history-size", 256);
	ac->max_connections = config_u32(node, "max-connections", 32);
	ac->connection_timeout_s = config_u32(node, "connection-timeout-s", 10);
}

/* Every instance of leaf-list `name` under `parent`, copied (NULL-terminated). */
static char **
config_strdup_list(const struct lyd_node *parent, const char *name, size_t *n_out)
{
	const struct lyd_node *n;
	char **v;
	size_t i = 0;

	*n_out = config_count(parent, name);
	v = xcalloc(*n_out + 1, sizeof(*v));
	CONFIG_FOR_EACH(parent, name, n)
		v[i++] = xstrdup(lyd_get_value(n));
	return v;
}

static void
config_free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Index of leaf `name`'s value in names[0..count), or `dflt` when absent. */
static int
config_enum(const struct lyd_node *parent, const char *name, const char *const *names, int count,
	    int dflt)
{
	const char *s = config_str(parent, name);

	for (int i = 0; s != NULL && i < count; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return dflt;
}

/*
 * The schema's pattern takes any http(s) URL; the etcd client appends its
 * own paths (/v3/kv/range) to an endpoint, and a user in the URL would end
 * up in the logs and the status: only scheme://host[:port].
 */
static void
config_check_endpoints(struct config_load_ctx *lc, const struct lyd_node *fleet)
{
	const struct lyd_node *n;

	CONFIG_FOR_EACH(fleet, "endpoint", n) {
		const char *host = strstr(lyd_get_value(n), "://") + 3;	/* the pattern has it */

		if (host[strcspn(host, "/?#@ \t")] != '\0')
			config_node_error(lc, n, "an endpoint is http:// or https:// and host[:port] "
			    "only: no path, query or user (e.g. https://192.0.2.10:2379)");
	}
}

static void
config_build_fleet(struct config_load_ctx *lc, struct fleet_config *fc, const struct lyd_node *node)
{
	const struct lyd_node *tls = config_child(node, "tls");

	fc->enabled = true;
	fc->name = config_strdup(node, "name");
	fc->node = config_strdup(node, "node");	/* config_fill_node() put the default */
	fc->endpoints = config_strdup_list(node, "endpoint", &fc->n_endpoints);
	config_check_endpoints(lc, node);
	fc->ca_file = config_strdup(tls, "ca-file");
	fc->cert_file = config_strdup(tls, "cert-file");
	fc->key_file = config_strdup(tls, "key-file");
	fc->user = config_strdup(node, "user");
	fc->password_file = config_strdup(node, "password-file");
	fc->lease_ttl_s = config_u32(node, "lease-ttl-s", 10);
	fc->request_timeout_ms = config_u32(node, "request-timeout-ms", 1000);
	fc->decision_timeout_ms = config_u32(node, "decision-timeout-ms", 2000);
	fc->on_store_loss = (enum on_store_loss_action)config_enum(node, "on-store-loss",
	    on_store_loss_action_names, ON_STORE_LOSS__COUNT, ON_STORE_LOSS_DECIDE_ALONE);
	fc->fingerprint_key_file = config_strdup(node, "key-file");
	fc->fingerprint_files = config_strdup_list(node, "fingerprint-file", &fc->n_fingerprint_files);
	/* A decision must outlast one request, or no answer could ever count. */
	if (fc->decision_timeout_ms < fc->request_timeout_ms)
		config_node_error(lc, node, "decision-timeout-ms (%u) must not be less than request-timeout-ms (%u)",
		    fc->decision_timeout_ms, fc->request_timeout_ms);
}

/* Per service on-drift and drift-file (their `when` keeps them out without a fleet). */
static void
config_build_drift(struct service_config *sc, const struct lyd_node *node, const struct fleet_config *fc)
{
	size_t i;

	sc->on_drift = (enum on_drift_action)config_enum(node, "on-drift", on_drift_action_names,
	    ON_DRIFT__COUNT, ON_DRIFT_WARN);
	sc->drift_files = config_strdup_list(node, "drift-file", &sc->n_drift_files);
	if (sc->n_drift_files > 0 || !fc->enabled)
		return;
	/* Absent: every fingerprinted file. */
	free(sc->drift_files);
	sc->drift_files = xcalloc(fc->n_fingerprint_files + 1, sizeof(*sc->drift_files));
	for (i = 0; i < fc->n_fingerprint_files; i++)
		sc->drift_files[i] = xstrdup(fc->fingerprint_files[i]);
	sc->n_drift_files = fc->n_fingerprint_files;
}

/* The fleet section's parts that depend on nothing else, then each service's. */
static void
config_build_fleet_parts(struct config_load_ctx *lc, struct config *cfg, const struct lyd_node *top)
{
	const struct lyd_node *fleet = config_child(top, "fleet"), *n;
	size_t i = 0;

	if (fleet != NULL)
		config_build_fleet(lc, &cfg->fleet, fleet);
	CONFIG_FOR_EACH(top, "service", n)
		config_build_drift(&cfg->services[i++], n, &cfg->fleet);
}

/* "service, prefix, ...": the kinds a hook's event may name. */
static void
config_event_kinds(char *buf, size_t len)
{
	size_t used = 0;
	int k, n;

	buf[0] = '\0';
	for (k = 0; k < STATUS_EVENT__COUNT && used < len; k++) {
		n = snprintf(buf + used, len - used, "%s%s", k ? ", " : "", status_event_kind_names[k]);
		used += n > 0 ? (size_t)n : 0;
	}
}

/* A hook's event leaf-list as a bit mask of status_event_kind; every kind
 * when absent. */
static uint32_t
config_hook_events(struct config_load_ctx *lc, const struct lyd_node *node)
{
	const struct lyd_node *n;
	uint32_t mask = 0;
	char kinds[256];
	int k;

	_Static_assert(STATUS_EVENT__COUNT <= 32, "hook_config.events is 32 bits");
	CONFIG_FOR_EACH(node, "event", n) {
		for (k = 0; k < STATUS_EVENT__COUNT; k++)
			if (strcmp(lyd_get_value(n), status_event_kind_names[k]) == 0)
				break;
		if (k < STATUS_EVENT__COUNT) {
			mask |= 1u << k;
			continue;
		}
		config_event_kinds(kinds, sizeof(kinds));
		config_node_error(lc, n, "unknown event kind \"%s\" (one of: %s)", lyd_get_value(n), kinds);
	}
	return config_child(node, "event") != NULL ? mask : (1u << STATUS_EVENT__COUNT) - 1;
}

static void
config_build_hook(struct config_load_ctx *lc, struct hook_config *hc, const struct lyd_node *node)
{
	hc->name = config_strdup(node, "name");
	hc->argv = config_strdup_list(node, "command", &hc->argc);
	hc->events = config_hook_events(lc, node);
	hc->timeout_ms = config_u32(node, "timeout-ms", 10000);
	hc->queue_size = config_u32(node, "queue-size", 64);
	/* No shell and no PATH search: the program is named exactly. */
	if (hc->argc > 0 && hc->argv[0][0] != '/')
		config_node_error(lc, node, "command: the program \"%s\" must be an absolute path",
		    hc->argv[0]);
}

static void
config_build_hooks(struct config_load_ctx *lc, struct hooks_config *hc, const struct lyd_node *top)
{
	const struct lyd_node *hooks = config_child(top, "hooks"), *n;
	size_t i = 0;

	hc->max_running = 4;
	if (hooks == NULL)
		return;
	hc->max_running = config_u32(hooks, "max-running", 4);
	hc->n_hooks = config_count(hooks, "hook");
	hc->hooks = xcalloc(hc->n_hooks ? hc->n_hooks : 1, sizeof(*hc->hooks));
	CONFIG_FOR_EACH(hooks, "hook", n)
		config_build_hook(lc, &hc->hooks[i++], n);
}

static void
config_build(struct config_load_ctx *lc, struct config *cfg, const struct lyd_node *top)
{
	struct config_name *services;
	const struct lyd_node *n;
	const char *on_exit;
	size_t i;

	config_build_router(lc, &cfg->router, config_child(top, "router"));

	cfg->n_services = config_count(top, "service");
	cfg->services = xcalloc(cfg->n_services ? cfg->n_services : 1, sizeof(*cfg->services));
	i = 0;
	CONFIG_FOR_EACH(top, "service", n)
		config_build_service(lc, &cfg->services[i++], n);

	cfg->n_prefixes = config_count(top, "prefix");
	cfg->prefixes = xcalloc(cfg->n_prefixes ? cfg->n_prefixes : 1, sizeof(*cfg->prefixes));
	services = config_service_names(cfg);
	i = 0;
	CONFIG_FOR_EACH(top, "prefix", n)
		config_build_prefix(lc, cfg, &cfg->prefixes[i++], n, services);
	free(services);
	config_check_defines(lc, cfg, top);
	config_check_track_files(lc, cfg, top);

	config_build_api(&cfg->api, config_child(top, "api"));
	config_build_fleet_parts(lc, cfg, top);
	config_build_hooks(lc, &cfg->hooks, top);
	on_exit = config_str(top, "on-exit");
	cfg->on_exit = ON_EXIT_WITHDRAW;
	for (i = 0; on_exit != NULL && i < ON_EXIT__COUNT; i++)
		if (strcmp(on_exit, on_exit_action_names[i]) == 0)
			cfg->on_exit = (enum on_exit_action)i;
}

static struct ly_ctx *
config_context(struct config_load_ctx *lc)
{
	struct ly_ctx *ctx = NULL;

	/* Only the compiled-in module: no search for schema files at run time. */
	if (ly_ctx_new(NULL, LY_CTX_DISABLE_SEARCHDIRS | LY_CTX_NO_YANGLIBRARY, &ctx) != LY_SUCCESS) {
		config_error(lc, NULL, "cannot create the libyang context");
		return NULL;
	}
	if (lys_parse_mem(ctx, config_yang_module, LYS_IN_YANG, NULL) != LY_SUCCESS) {
		/* A bug in the shipped module, but say what libyang says. */
		config_report_libyang(lc, ctx, NULL);
		ly_ctx_destroy(ctx);
		return NULL;
	}
	return ctx;
}

/* A compiled module to parse many texts with (config.h). */
struct config_schema {
	struct ly_ctx *ctx;
};

struct config_schema *
config_schema_new(FILE *errors)
{
	struct config_load_ctx lc = { .file = CONFIG_MODULE ".yang", .errors = errors };
	struct config_schema *schema = xcalloc(1, sizeof(*schema));
	uint32_t saved_opts = ly_log_options(LY_LOSTORE);

	schema->ctx = config_context(&lc);
	ly_log_options(saved_opts);
	if (schema->ctx == NULL) {
		free(schema);
		return NULL;
	}
	return schema;
}

void
config_schema_free(struct config_schema *schema)
{
	if (schema == NULL)
		return;
	ly_ctx_destroy(schema->ctx);
	free(schema);
}

/*
 * What -p prints: libyang's own with-defaults=all text of the tree.  Not
 * lyd_print_mem(): it reallocs its buffer to the exact length at every
 * small write, which glibc absorbs (mremap) but an allocator that always
 * moves (ASan's) turns into quadratic copying (4,000 services: ~90 s).  A
 * memstream's buffer grows geometrically.
 */
static int
config_print_effective(struct config *cfg, const struct lyd_node *top)
{
	size_t len;
	FILE *out = open_memstream(&cfg->effective_json, &len);
	LY_ERR rc;

	if (out == NULL)
		return -1;
	rc = lyd_print_file(out, top, LYD_JSON, LYD_PRINT_WD_ALL);
	if (fclose(out) != 0 || rc != LY_SUCCESS) {
		free(cfg->effective_json);
		cfg->effective_json = NULL;
		return -1;
	}
	return 0;
}

/*
 * fleet/node defaults to the host name, which YANG cannot say: put it in the
 * tree, where the schema's own type checks it (host name rules, 63 bytes)
 * and -p shows it.
 */
static void
config_fill_node(struct config_load_ctx *lc, struct lyd_node *tree)
{
	struct lyd_node *fleet = NULL;
	const struct ly_err_item *e;
	char host[256];

	if (lyd_find_path(tree, "/" CONFIG_MODULE ":" CONFIG_MODULE "/fleet", 0, &fleet) != LY_SUCCESS ||
	    config_child(fleet, "node") != NULL)
		return;
	if (gethostname(host, sizeof(host)) < 0) {
		config_node_error(lc, fleet, "node: no default: cannot get the host name: %s; set node",
		    strerror(errno));
		return;
	}
	host[sizeof(host) - 1] = '\0';
	if (lyd_new_term(fleet, NULL, "node", host, 0, NULL) != LY_SUCCESS) {
		e = ly_err_last(LYD_CTX(tree));
		config_node_error(lc, fleet, "node: the host name \"%s\" cannot be the node name (%s); set node",
		    host, e != NULL ? e->msg : "invalid");
	}
}

/* The data tree of `text` and the struct config built from it. */
static struct config *
config_parse_in(struct config_load_ctx *lc, const struct ly_ctx *ctx, const char *text)
{
	struct lyd_node *tree = NULL;
	const struct lyd_node *top;
	struct config *cfg = NULL;
	struct config *result = NULL;

	/* Not LYD_VALIDATE_PRESENT: `{}` must fail on the mandatory nodes. */
	if (lyd_parse_data_mem(ctx, text, LYD_JSON, LYD_PARSE_STRICT, 0, &tree) != LY_SUCCESS) {
		config_report_libyang(lc, ctx, text);
		goto fail;
	}
	top = config_next(tree, CONFIG_MODULE);
	if (top == NULL) {
		/* Unreachable while the schema has mandatory nodes, but cheap. */
		config_error(lc, NULL, "no " CONFIG_MODULE ":" CONFIG_MODULE " container");
		goto fail;
	}

	config_fill_node(lc, tree);
	if (lc->n_errors > 0)
		goto fail;
	cfg = xcalloc(1, sizeof(*cfg));
	cfg->path = xstrdup(lc->file);
	config_build(lc, cfg, top);
	if (lc->n_errors > 0)
		goto fail;
	if (config_print_effective(cfg, top) < 0) {
		config_report_libyang(lc, ctx, NULL);
		goto fail;
	}
	result = cfg;
	cfg = NULL;
fail:
	config_free(cfg);
	lyd_free_all(tree);
	return result;
}

struct config *
config_parse_with(struct config_schema *schema, const char *file, const char *text, size_t len,
		  FILE *errors)
{
	struct config_load_ctx lc = { .file = file, .errors = errors };
	struct ly_ctx *ctx = NULL;
	struct config *cfg = NULL;
	uint32_t saved_opts;

	/* Store every message for us to print; never let libyang print. */
	saved_opts = ly_log_options(LY_LOSTORE);
	/* libyang would take it for an empty datastore; say it plainly. */
	if (len == strspn(text, " \t\r\n")) {
		config_error(&lc, NULL, "empty file");
		goto out;
	}
	if (config_check_text(&lc, text, len) < 0)
		goto out;
	if (schema != NULL) {
		/* Only this parse's errors: the context keeps every earlier one. */
		ly_err_clean(schema->ctx, NULL);
		cfg = config_parse_in(&lc, schema->ctx, text);
	} else if ((ctx = config_context(&lc)) != NULL) {
		cfg = config_parse_in(&lc, ctx, text);
	}
out:
	ly_ctx_destroy(ctx);
	ly_log_options(saved_opts);
	return cfg;
}

struct config *
config_parse(const char *file, const char *text, size_t len, FILE *errors)
{
	return config_parse_with(NULL, file, text, len, errors);
}

struct config *
config_load(const char *file, FILE *errors)
{
	struct config_load_ctx lc = { .file = file, .errors = errors };
	struct config *cfg;
	mode_t type;
	size_t len;
	char *text;

	text = file_read_regular(file, CONFIG_MAX_SIZE, &len, &type);
	if (text == NULL) {
		if (errno == ENODEV)
			config_error(&lc, NULL, "cannot read: %s, not a regular file", file_type_name(type));
		else if (errno == EFBIG)
			config_error(&lc, NULL, "cannot read: larger than %d MiB", CONFIG_MAX_SIZE >> 20);
		else
			config_error(&lc, NULL, "cannot read: %s", strerror(errno));
		return NULL;
	}
	cfg = config_parse(file, text, len, errors);
	free(text);
	return cfg;
}

int
config_print(const struct config *cfg, FILE *out)
{
	if (cfg->effective_json == NULL)
		return -1;
	if (fputs(cfg->effective_json, out) == EOF || fflush(out) == EOF)
		return -1;
	return 0;
}

static void
config_free_probe(struct probe_config *pc)
{
	free(pc->name);
	switch (pc->kind) {
	case PROBE_KIND_PPTP_CONTROL:
		free(pc->u.pptp_control.address);
		free(pc->u.pptp_control.host_name);
		break;
	case PROBE_KIND_PROCESS:
		free(pc->u.process.pidfile);
		free(pc->u.process.process_name);
		break;
	case PROBE_KIND_PPTP_GRE:
		free(pc->u.pptp_gre.address);
		free(pc->u.pptp_gre.host_name);
		break;
	case PROBE_KIND_CAPACITY:
		free(pc->u.capacity.pidfile);
		free(pc->u.capacity.pptpd_conf);
		break;
	case PROBE_KIND_TCP:
		free(pc->u.tcp.address);
		break;
	case PROBE_KIND_HTTP:
		free(pc->u.http.url);
		free(pc->u.http.body_contains);
		break;
	case PROBE_KIND_EXEC:
		for (size_t i = 0; i < pc->u.exec.argc; i++)
			free(pc->u.exec.argv[i]);
		free(pc->u.exec.argv);
		break;
	case PROBE_KIND__COUNT:
		break;
	}
}

static void
config_free_fleet(struct fleet_config *fc)
{
	free(fc->name);
	free(fc->node);
	config_free_list(fc->endpoints, fc->n_endpoints);
	free(fc->ca_file);
	free(fc->cert_file);
	free(fc->key_file);
	free(fc->user);
	free(fc->password_file);
	free(fc->fingerprint_key_file);
	config_free_list(fc->fingerprint_files, fc->n_fingerprint_files);
}

static void
config_free_hooks(struct hooks_config *hc)
{
	for (size_t i = 0; i < hc->n_hooks; i++) {
		free(hc->hooks[i].name);
		config_free_list(hc->hooks[i].argv, hc->hooks[i].argc);
	}
	free(hc->hooks);
}

void
config_free(struct config *cfg)
{
	size_t i, j;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->router.control_socket);
	free(cfg->router.state_file);
	free(cfg->router.frr_degraded_route_map);
	free(cfg->router.frr_drain_route_map);
	free(cfg->api.listen_address);
	free(cfg->api.admin_socket);
	free(cfg->api.admin_group);
	free(cfg->api.admin_state_file);
	for (i = 0; i < cfg->n_services; i++) {
		for (j = 0; j < cfg->services[i].n_probes; j++)
			config_free_probe(&cfg->services[i].probes[j]);
		free(cfg->services[i].probes);
		free(cfg->services[i].name);
	}
	for (i = 0; i < cfg->n_services; i++)
		config_free_list(cfg->services[i].drift_files, cfg->services[i].n_drift_files);
	free(cfg->services);
	for (i = 0; i < cfg->n_prefixes; i++) {
		for (j = 0; j < cfg->prefixes[i].n_services; j++)
			free(cfg->prefixes[i].services[j]);
		free(cfg->prefixes[i].services);
		free(cfg->prefixes[i].service_index);
		free(cfg->prefixes[i].prefix);
		free(cfg->prefixes[i].bird_protocol);
		free(cfg->prefixes[i].bird_define);
		free(cfg->prefixes[i].bird_degraded_protocol);
		free(cfg->prefixes[i].bird_degraded_define);
		free(cfg->prefixes[i].bird_drain_protocol);
		free(cfg->prefixes[i].bird_drain_define);
		free(cfg->prefixes[i].ka_track_file);
		free(cfg->prefixes[i].ka_state_file);
	}
	free(cfg->prefixes);
	config_free_fleet(&cfg->fleet);
	config_free_hooks(&cfg->hooks);
	free(cfg->effective_json);
	free(cfg);
}

bool
config_str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

bool
config_probe_equal(const struct probe_config *a, const struct probe_config *b)
{
	if (!config_str_equal(a->name, b->name) || a->kind != b->kind ||
	    a->interval_ms != b->interval_ms || a->timeout_ms != b->timeout_ms ||
	    a->fast_interval_ms != b->fast_interval_ms ||
	    a->rise != b->rise || a->fall != b->fall)
		return false;
	switch (a->kind) {
	case PROBE_KIND_PPTP_CONTROL:
		return config_str_equal(a->u.pptp_control.address, b->u.pptp_control.address) &&
		    a->u.pptp_control.port == b->u.pptp_control.port &&
		    a->u.pptp_control.echo == b->u.pptp_control.echo &&
		    config_str_equal(a->u.pptp_control.host_name, b->u.pptp_control.host_name);
	case PROBE_KIND_PROCESS:
		return config_str_equal(a->u.process.pidfile, b->u.process.pidfile) &&
		    config_str_equal(a->u.process.process_name, b->u.process.process_name);
	case PROBE_KIND_PPTP_GRE:
		return config_str_equal(a->u.pptp_gre.address, b->u.pptp_gre.address) &&
		    a->u.pptp_gre.port == b->u.pptp_gre.port &&
		    config_str_equal(a->u.pptp_gre.host_name, b->u.pptp_gre.host_name);
	case PROBE_KIND_CAPACITY:
		return config_str_equal(a->u.capacity.pidfile, b->u.capacity.pidfile) &&
		    config_str_equal(a->u.capacity.pptpd_conf, b->u.capacity.pptpd_conf) &&
		    a->u.capacity.max_sessions == b->u.capacity.max_sessions &&
		    a->u.capacity.sessions_percent == b->u.capacity.sessions_percent &&
		    a->u.capacity.fds_percent == b->u.capacity.fds_percent &&
		    a->u.capacity.conntrack_percent == b->u.capacity.conntrack_percent;
	case PROBE_KIND_TCP:
		return config_str_equal(a->u.tcp.address, b->u.tcp.address) &&
		    a->u.tcp.port == b->u.tcp.port;
	case PROBE_KIND_HTTP:
		return config_str_equal(a->u.http.url, b->u.http.url) &&
		    a->u.http.expect_status == b->u.http.expect_status &&
		    config_str_equal(a->u.http.body_contains, b->u.http.body_contains);
	case PROBE_KIND_EXEC:
		if (a->u.exec.argc != b->u.exec.argc)
			return false;
		for (size_t i = 0; i < a->u.exec.argc; i++)
			if (!config_str_equal(a->u.exec.argv[i], b->u.exec.argv[i]))
				return false;
		return true;
	case PROBE_KIND__COUNT:
		break;
	}
	return true;
}
