/*
 * driver_bird.c - the BIRD 2 driver: a non-blocking control socket client.
 *
 * Each prefix is carried by a static protocol in BIRD (`anycast4`) that is
 * `disabled <define>;` in bird.conf, where <define> comes from a small state
 * file we own.  To change a prefix we first rewrite that file (so BIRD's
 * `configure` and restarts keep our choice, protocols.md section 1), then send
 * `enable NAME` / `disable NAME "why"` for the immediate effect.  After every
 * connect and every readback_interval_ms we read `show protocols` back, report
 * it, and re-assert the desired state where BIRD drifted.
 *
 * A prefix may have a degraded twin: a second static protocol for the same
 * prefix whose export adds AS-path prepends (protocols.md section 1, the
 * drain pattern).  Degraded = twin enabled, main disabled; announced = the
 * reverse; withdrawn = both disabled.  Going between the two announced forms
 * we enable the one first and disable the other second, so the upstream gets
 * an update, never a withdraw.  Each state is one or two commands; the
 * prefix stays pending until both protocols match.
 *
 * Connection states:
 *
 *        create / backoff timer
 *   IDLE ----------------------> CONNECTING --writable--> BANNER --0001--> READY
 *    ^                               |                      |               |
 *    +---- eof, timeout, protocol error, 8007, connect failure (backoff) ---+
 *
 * One command is in flight at a time; what to send next is derived from
 * flags (a read-back is pending, a prefix needs applying) rather than a queue
 * of literal commands, so repeated set_desired() calls coalesce.
 *
 * The callbacks may call set_desired(), idle() and connected(), but must not
 * destroy the driver.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bird_reply.h"
#include "driver_bird.h"
#include "log.h"

/* BIRD's symbol length limit (SYM_MAX_LEN). */
#define BIRD_NAME_MAX		64
#define BIRD_WHY_LEN		(DRIVER_BIRD_WHY_MAX + 1)
#define BIRD_REASON_MAX		160
#define BIRD_STATE_FILE_MAX	(64 * 1024)

enum bird_conn {
	BIRD_CONN_IDLE,		/* waiting for the reconnect timer */
	BIRD_CONN_CONNECTING,	/* connect() in progress */
	BIRD_CONN_BANNER,	/* connected, waiting for "0001 ..." */
	BIRD_CONN_READY,
	BIRD_CONN__COUNT
};
static const char *const bird_conn_names[BIRD_CONN__COUNT] = {
	[BIRD_CONN_IDLE] = "idle",
	[BIRD_CONN_CONNECTING] = "connecting",
	[BIRD_CONN_BANNER] = "banner",
	[BIRD_CONN_READY] = "ready",
};

enum bird_cmd {
	BIRD_CMD_NONE,
	BIRD_CMD_SHOW,		/* show protocols */
	BIRD_CMD_ENABLE,
	BIRD_CMD_DISABLE,
	BIRD_CMD__COUNT
};
static const char *const bird_cmd_names[BIRD_CMD__COUNT] = {
	[BIRD_CMD_NONE] = "none",
	[BIRD_CMD_SHOW] = "show protocols",
	[BIRD_CMD_ENABLE] = "enable",
	[BIRD_CMD_DISABLE] = "disable",
};

struct bird_prefix {
	char *protocol;
	char *define;
	bool valid;			/* both names are plain BIRD symbols */
	char *twin;			/* degraded twin protocol, or NULL */
	char *twin_define;
	enum route_state desired;
	enum route_state actual;	/* last read back or applied */
	/* each protocol on its own: ANNOUNCED = up, WITHDRAWN = down */
	enum route_state main_state, twin_state;
	int file_value;			/* value in the state file: -1 unknown, 0, 1 */
	int twin_file_value;
	char why[BIRD_WHY_LEN];
	bool apply_pending;
	/* read-back scratch */
	bool seen, twin_seen;
	enum route_state seen_state, twin_seen_state;
	/* say things once */
	bool missing;			/* last read-back did not list the protocol */
	bool twin_missing;		/* ... or the twin: degraded is announced plainly */
	bool drift_logged;
	bool fail_logged;
	bool was_right;			/* read-back scratch: matched before it */
};

struct driver {
	struct ev_loop *loop;
	struct driver_callbacks cb;
	void *arg;

	char *socket_path;
	char *state_file;
	uint32_t command_timeout_ms;
	uint32_t readback_interval_ms;
	uint32_t reconnect_min_ms;
	uint32_t reconnect_max_ms;

	struct bird_prefix *prefixes;
	size_t n_prefixes;
	unsigned generation;		/* bumped by reconfigure */

	enum bird_conn conn;
	int fd;
	unsigned conn_serial;		/* bumped by every disconnect */
	ev_io rio;
	ev_io wio;
	ev_timer reconnect_timer;
	ev_timer command_timer;		/* connect, banner and each command */
	ev_timer readback_timer;
	uint32_t backoff_ms;
	bool session_ok;		/* a command succeeded on this connection */
	struct bird_reply_parser parser;
	char proto_error[32];

	char wbuf[512];
	size_t wlen, woff;

	enum bird_cmd inflight;
	size_t inflight_index;
	unsigned inflight_generation;
	enum route_state inflight_state;	/* of the one protocol commanded */
	bool inflight_twin;		/* the command is about the twin */
	bool inflight_acked;		/* saw 0008..0011 for enable/disable */
	char inflight_text[BIRD_REASON_MAX];
	bool readback_pending;

	/* connection reports, once per change */
	bool reported;
	bool reported_up;
	char reported_why[BIRD_REASON_MAX];

	bool file_warned;		/* said once that the state file cannot be written */
};

static void driver_bird_pump(struct driver *d);
static void driver_bird_disconnect(struct driver *d, const char *why);

/* ---- names and text ---- */

static bool
driver_bird_symbol_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > BIRD_NAME_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (i = 1; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

size_t
driver_bird_sanitize_why(char *out, const char *why)
{
	size_t n = 0;

	for (; why != NULL && *why != '\0' && n < DRIVER_BIRD_WHY_MAX; why++) {
		unsigned char c = (unsigned char)*why;

		if (c == '"')
			c = '\'';
		else if (c == '\\')
			c = '/';
		else if (c < 0x20 || c == 0x7f)
			c = ' ';
		else if (c >= 0x80)
			c = '?';
		out[n++] = (char)c;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return n;
}

static enum route_state
driver_bird_state_word(const char *w)
{
	if (strcmp(w, "up") == 0 || strcmp(w, "start") == 0)
		return ROUTE_ANNOUNCED;
	if (strcmp(w, "down") == 0 || strcmp(w, "flush") == 0 || strcmp(w, "stop") == 0)
		return ROUTE_WITHDRAWN;
	return ROUTE_UNKNOWN;
}

/* ---- degraded twin ---- */

static bool
driver_bird_twin_active(const struct bird_prefix *p)
{
	return p->twin != NULL && !p->twin_missing;
}

/* What a wanted state becomes here: degraded needs a twin BIRD has. */
static enum route_state
driver_bird_effective(const struct bird_prefix *p, enum route_state s)
{
	if (s == ROUTE_DEGRADED && !driver_bird_twin_active(p))
		return ROUTE_ANNOUNCED;
	return s;
}

/* The prefix's state from its protocols' states.  Both up counts as
 * announced: the main protocol has the higher preference. */
static enum route_state
driver_bird_combine(const struct bird_prefix *p)
{
	if (!driver_bird_twin_active(p) || p->main_state == ROUTE_UNKNOWN)
		return p->main_state;
	if (p->main_state == ROUTE_ANNOUNCED)
		return ROUTE_ANNOUNCED;
	if (p->twin_state == ROUTE_ANNOUNCED)
		return ROUTE_DEGRADED;
	return p->twin_state == ROUTE_WITHDRAWN ? ROUTE_WITHDRAWN : ROUTE_UNKNOWN;
}

/* True when both protocols are as `want` (an effective state) needs them. */
static bool
driver_bird_matches(const struct bird_prefix *p, enum route_state want)
{
	if (p->main_state != (want == ROUTE_ANNOUNCED ? ROUTE_ANNOUNCED : ROUTE_WITHDRAWN))
		return false;
	if (!driver_bird_twin_active(p))
		return true;
	return p->twin_state == (want == ROUTE_DEGRADED ? ROUTE_ANNOUNCED : ROUTE_WITHDRAWN);
}

/*
 * The next command towards `want`: enables before disables, so a move
 * between announced and degraded never leaves the prefix unannounced.
 * Returns BIRD_CMD_NONE when there is nothing left to do.
 */
static enum bird_cmd
driver_bird_next_step(const struct bird_prefix *p, enum route_state want, bool *twin)
{
	bool twin_on = want == ROUTE_DEGRADED, main_on = want == ROUTE_ANNOUNCED;
	bool has_twin = driver_bird_twin_active(p);

	*twin = true;
	if (has_twin && twin_on && p->twin_state != ROUTE_ANNOUNCED)
		return BIRD_CMD_ENABLE;
	*twin = false;
	if (main_on && p->main_state != ROUTE_ANNOUNCED)
		return BIRD_CMD_ENABLE;
	if (!main_on && p->main_state != ROUTE_WITHDRAWN)
		return BIRD_CMD_DISABLE;
	*twin = true;
	if (has_twin && !twin_on && p->twin_state != ROUTE_WITHDRAWN)
		return BIRD_CMD_DISABLE;
	return BIRD_CMD_NONE;
}

/* ---- the state include file ---- */

/* mkdir -p of the directory part of `path`. */
static int
driver_bird_mkdirs(const char *path)
{
	char dir[PATH_MAX];
	char *s;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	s = strrchr(dir, '/');
	if (s == NULL || s == dir)
		return 0;
	*s = '\0';
	for (s = dir + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* Write PATH.tmp, then rename: BIRD never reads a half-written include. */
static int
driver_bird_write_file(const char *path, const char *content)
{
	char tmp[PATH_MAX];
	size_t len = strlen(content), off = 0;
	ssize_t n;
	int fd = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (driver_bird_mkdirs(path) == -1)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd == -1)
		return -1;
	/* BIRD may run as another user: readable whatever our umask says. */
	if (fchmod(fd, 0644) == -1)
		goto fail;
	while (off < len) {
		n = write(fd, content + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		off += (size_t)n;
	}
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	return 0;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}

static char *
driver_bird_render(const char *const *defines, const int *values, size_t n)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (f == NULL)
		fatal("open_memstream");
	fprintf(f, "# Generated by anycast-healthd; do not edit.\n"
		   "# bird.conf includes this file and each static protocol says\n"
		   "# `disabled <NAME>;`: 0 = announced, 1 = withdrawn.  The daemon\n"
		   "# rewrites it (write, then rename) before every enable/disable, so\n"
		   "# `birdc configure` and BIRD restarts keep its choice.\n");
	for (i = 0; i < n; i++)
		if (defines[i] != NULL)
			fprintf(f, "define %s = %d;\n", defines[i], values[i]);
	if (fclose(f) != 0 || buf == NULL)
		fatal("open_memstream");
	return buf;
}

/* Reads `define NAME = N;` lines; the value for `name`, or -1. */
static int
driver_bird_file_value(const char *content, const char *name)
{
	const char *s = content;
	size_t nlen = strlen(name);

	while (s != NULL && *s != '\0') {
		const char *p = s;
		char *end;
		long v;

		s = strchr(s, '\n');
		if (s != NULL)
			s++;
		p += strspn(p, " \t");
		if (strncmp(p, "define", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
			continue;
		p += 6;
		p += strspn(p, " \t");
		if (strncmp(p, name, nlen) != 0)
			continue;
		p += nlen;
		p += strspn(p, " \t");
		if (*p++ != '=')
			continue;
		p += strspn(p, " \t");
		if (*p < '0' || *p > '9')
			continue;
		v = strtol(p, &end, 10);
		end += strspn(end, " \t");
		if (*end != ';')
			continue;
		return v != 0;
	}
	return -1;
}

/* The whole file, or NULL when it is missing or unreadable. */
static char *
driver_bird_read_file(const char *path)
{
	char *buf = NULL;
	ssize_t n;
	size_t len = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return NULL;
	buf = xcalloc(1, BIRD_STATE_FILE_MAX + 1);
	while (len < BIRD_STATE_FILE_MAX) {
		n = read(fd, buf + len, BIRD_STATE_FILE_MAX - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* The state a prefix gets in the file: desired, else BIRD's, else the file's,
 * else withdrawn.  The main define is 0 only for announced, the twin's only
 * for degraded. */
static enum route_state
driver_bird_prefix_state(const struct bird_prefix *p)
{
	if (p->desired != ROUTE_UNKNOWN)
		return driver_bird_effective(p, p->desired);
	if (p->actual != ROUTE_UNKNOWN)
		return p->actual;
	if (p->file_value == 0)
		return ROUTE_ANNOUNCED;
	if (p->twin != NULL && p->twin_file_value == 0)
		return ROUTE_DEGRADED;
	return ROUTE_WITHDRAWN;
}

static void
driver_bird_file_values(struct driver *d, const int *values)
{
	size_t i;

	for (i = 0; i < d->n_prefixes; i++) {
		d->prefixes[i].file_value = values[2 * i];
		d->prefixes[i].twin_file_value = d->prefixes[i].twin != NULL ? values[2 * i + 1] : -1;
	}
}

/* Brings the state file in line with what we know; writes only on a change. */
static int
driver_bird_sync_file(struct driver *d)
{
	const char **defines;
	int *values;
	char *content, *old;
	size_t i;
	bool same;

	defines = xcalloc(2 * d->n_prefixes + 1, sizeof(*defines));
	values = xcalloc(2 * d->n_prefixes + 1, sizeof(*values));
	for (i = 0; i < d->n_prefixes; i++) {
		struct bird_prefix *p = &d->prefixes[i];
		enum route_state st = driver_bird_prefix_state(p);

		defines[2 * i] = p->valid ? p->define : NULL;
		values[2 * i] = st != ROUTE_ANNOUNCED;
		defines[2 * i + 1] = p->valid ? p->twin_define : NULL;
		values[2 * i + 1] = st != ROUTE_DEGRADED;
	}
	content = driver_bird_render(defines, values, 2 * d->n_prefixes);
	free(defines);
	/* Compare with the disk, not with what we wrote: someone (a boot script,
	 * an operator) may have changed the file under us. */
	old = driver_bird_read_file(d->state_file);
	same = old != NULL && strcmp(old, content) == 0;
	free(old);
	if (same) {
		driver_bird_file_values(d, values);
		free(values);
		free(content);
		return 0;
	}
	if (driver_bird_write_file(d->state_file, content) == -1) {
		if (!d->file_warned)
			log_warn("cannot write BIRD state file %s", d->state_file);
		d->file_warned = true;
		free(values);
		free(content);
		return -1;
	}
	if (d->file_warned)
		log_info("BIRD state file %s written again", d->state_file);
	d->file_warned = false;
	driver_bird_file_values(d, values);
	free(values);
	free(content);
	return 0;
}

int
driver_bird_write_initial_state(const struct config *cfg)
{
	const char **defines;
	int *values;
	char *content;
	size_t i;
	int rc = 0;

	if (access(cfg->router.state_file, F_OK) == 0)
		return 0;
	defines = xcalloc(2 * cfg->n_prefixes + 1, sizeof(*defines));
	values = xcalloc(2 * cfg->n_prefixes + 1, sizeof(*values));
	for (i = 0; i < cfg->n_prefixes; i++) {
		const struct prefix_config *pc = &cfg->prefixes[i];

		if (driver_bird_symbol_ok(pc->bird_define))
			defines[2 * i] = pc->bird_define;
		if (driver_bird_symbol_ok(pc->bird_degraded_protocol) &&
		    driver_bird_symbol_ok(pc->bird_degraded_define))
			defines[2 * i + 1] = pc->bird_degraded_define;
		values[2 * i] = values[2 * i + 1] = 1;
	}
	content = driver_bird_render(defines, values, 2 * cfg->n_prefixes);
	if (driver_bird_write_file(cfg->router.state_file, content) == -1) {
		log_warn("cannot write BIRD state file %s", cfg->router.state_file);
		rc = -1;
	}
	free(content);
	free(values);
	free(defines);
	return rc;
}

/* ---- prefixes ---- */

static void
driver_bird_prefixes_free(struct bird_prefix *ps, size_t n)
{
	size_t i;

	for (i = 0; ps != NULL && i < n; i++) {
		free(ps[i].protocol);
		free(ps[i].define);
		free(ps[i].twin);
		free(ps[i].twin_define);
	}
	free(ps);
}

/* New prefix array from cfg; state carried over from `old` by protocol name. */
static struct bird_prefix *
driver_bird_prefixes_build(const struct config *cfg, const struct bird_prefix *old,
			   size_t n_old, const char *file)
{
	struct bird_prefix *ps;
	size_t i, j;

	ps = xcalloc(cfg->n_prefixes + 1, sizeof(*ps));
	for (i = 0; i < cfg->n_prefixes; i++) {
		const struct prefix_config *pc = &cfg->prefixes[i];
		struct bird_prefix *p = &ps[i];

		p->protocol = xstrdup(pc->bird_protocol ? pc->bird_protocol : "");
		p->define = xstrdup(pc->bird_define ? pc->bird_define : "");
		p->valid = driver_bird_symbol_ok(p->protocol) && driver_bird_symbol_ok(p->define);
		if (!p->valid)
			log_warnx("%s: BIRD protocol \"%s\" / define \"%s\" is not a plain BIRD "
				  "name: not driving it", pc->prefix, p->protocol, p->define);
		if (pc->bird_degraded_protocol != NULL) {
			if (p->valid && driver_bird_symbol_ok(pc->bird_degraded_protocol) &&
			    driver_bird_symbol_ok(pc->bird_degraded_define)) {
				p->twin = xstrdup(pc->bird_degraded_protocol);
				p->twin_define = xstrdup(pc->bird_degraded_define);
			} else {
				log_warnx("%s: BIRD degraded protocol \"%s\" is not a plain BIRD "
					  "name: degraded is announced plainly", pc->prefix,
					  pc->bird_degraded_protocol);
			}
		}
		p->desired = ROUTE_UNKNOWN;
		p->actual = p->main_state = p->twin_state = ROUTE_UNKNOWN;
		p->file_value = file != NULL ? driver_bird_file_value(file, p->define) : -1;
		p->twin_file_value = file != NULL && p->twin != NULL ?
			driver_bird_file_value(file, p->twin_define) : -1;
		for (j = 0; j < n_old; j++) {
			if (strcmp(old[j].protocol, p->protocol) == 0) {
				p->main_state = old[j].main_state;
				p->missing = old[j].missing;
				if (p->twin != NULL && old[j].twin != NULL &&
				    strcmp(old[j].twin, p->twin) == 0) {
					p->twin_state = old[j].twin_state;
					p->twin_missing = old[j].twin_missing;
				}
				p->actual = driver_bird_combine(p);
			}
			if (strcmp(old[j].define, p->define) == 0 && old[j].file_value >= 0)
				p->file_value = old[j].file_value;
			if (p->twin != NULL && old[j].twin_define != NULL &&
			    strcmp(old[j].twin_define, p->twin_define) == 0 &&
			    old[j].twin_file_value >= 0)
				p->twin_file_value = old[j].twin_file_value;
		}
	}
	return ps;
}

/* ---- connection reports ---- */

static void
driver_bird_report_down(struct driver *d, const char *why)
{
	bool was_up = d->reported_up;

	if (d->reported && !d->reported_up && strcmp(d->reported_why, why) == 0)
		return;
	if (was_up)
		log_warnx("bird: lost the control connection to %s: %s", d->socket_path, why);
	else
		log_warnx("bird: cannot talk to %s: %s (retrying)", d->socket_path, why);
	d->reported = true;
	d->reported_up = false;
	snprintf(d->reported_why, sizeof(d->reported_why), "%s", why);
	if (d->cb.connection != NULL)
		d->cb.connection(d->arg, false, why);
}

static void
driver_bird_report_up(struct driver *d, const char *banner)
{
	log_info("bird: connected to %s (%s)", d->socket_path, banner);
	d->reported = true;
	d->reported_up = true;
	d->reported_why[0] = '\0';
	if (d->cb.connection != NULL)
		d->cb.connection(d->arg, true, "connected");
}

/* ---- connection ---- */

static const char *
driver_bird_connect_reason(int err, char *buf, size_t size)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return "socket-missing";
	case ECONNREFUSED:
		return "connect-refused";
	case EACCES:
	case EPERM:
		return "permission-denied";
	default:
		snprintf(buf, size, "connect-failed: %s", strerror(err));
		return buf;
	}
}

/* The peer going away shows up as EPIPE or ECONNRESET as often as a 0 read. */
static const char *
driver_bird_io_reason(int err, char *buf, size_t size)
{
	if (err == EPIPE || err == ECONNRESET)
		return "eof";
	snprintf(buf, size, "io-error: %s", strerror(err));
	return buf;
}

static void
driver_bird_start_timer(struct driver *d, uint32_t ms)
{
	ev_timer_stop(d->loop, &d->command_timer);
	ev_timer_set(&d->command_timer, ms / 1000.0, 0.);
	ev_timer_start(d->loop, &d->command_timer);
}

static void
driver_bird_connected(struct driver *d)
{
	d->conn = BIRD_CONN_BANNER;
	ev_io_stop(d->loop, &d->wio);
	ev_io_start(d->loop, &d->rio);
	driver_bird_start_timer(d, d->command_timeout_ms);
}

static void
driver_bird_connect(struct driver *d)
{
	struct sockaddr_un sun;
	char buf[BIRD_REASON_MAX];

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(d->socket_path) >= sizeof(sun.sun_path)) {
		driver_bird_disconnect(d, "socket-path-too-long");
		return;
	}
	memcpy(sun.sun_path, d->socket_path, strlen(d->socket_path));
	d->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd == -1) {
		snprintf(buf, sizeof(buf), "socket: %s", strerror(errno));
		driver_bird_disconnect(d, buf);
		return;
	}
	ev_io_set(&d->rio, d->fd, EV_READ);
	ev_io_set(&d->wio, d->fd, EV_WRITE);
	if (connect(d->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		driver_bird_connected(d);
		return;
	}
	if (errno == EINPROGRESS) {
		d->conn = BIRD_CONN_CONNECTING;
		ev_io_start(d->loop, &d->wio);
		driver_bird_start_timer(d, d->command_timeout_ms);
		return;
	}
	driver_bird_disconnect(d, driver_bird_connect_reason(errno, buf, sizeof(buf)));
}

/* Drops the connection (if any), reports why and arms the backoff timer. */
static void
driver_bird_disconnect(struct driver *d, const char *why)
{
	size_t i;

	log_debug("bird: %s -> idle (%s)", bird_conn_names[d->conn], why);
	ev_io_stop(d->loop, &d->rio);
	ev_io_stop(d->loop, &d->wio);
	ev_timer_stop(d->loop, &d->command_timer);
	ev_timer_stop(d->loop, &d->readback_timer);
	if (d->fd != -1)
		close(d->fd);
	d->fd = -1;
	d->conn = BIRD_CONN_IDLE;
	d->conn_serial++;
	d->inflight = BIRD_CMD_NONE;
	d->readback_pending = false;
	d->wlen = d->woff = 0;
	for (i = 0; i < d->n_prefixes; i++)
		d->prefixes[i].apply_pending = false;
	bird_reply_reset(&d->parser);
	/* A session that never got a command through counts as a failed attempt. */
	if (d->session_ok)
		d->backoff_ms = d->reconnect_min_ms;
	d->session_ok = false;

	ev_timer_stop(d->loop, &d->reconnect_timer);
	ev_timer_set(&d->reconnect_timer, d->backoff_ms / 1000.0, 0.);
	ev_timer_start(d->loop, &d->reconnect_timer);
	d->backoff_ms = d->backoff_ms > d->reconnect_max_ms / 2 ?
		d->reconnect_max_ms : d->backoff_ms * 2;
	if (d->backoff_ms < d->reconnect_min_ms)
		d->backoff_ms = d->reconnect_min_ms;

	driver_bird_report_down(d, why);
}

static void
driver_bird_reconnect_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct driver *d = w->data;

	(void)loop;
	(void)revents;
	driver_bird_connect(d);
}

static void
driver_bird_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct driver *d = w->data;

	(void)loop;
	(void)revents;
	if (d->inflight != BIRD_CMD_NONE)
		log_debug("bird: %s timed out", bird_cmd_names[d->inflight]);
	driver_bird_disconnect(d, "timeout");
}

static void
driver_bird_readback_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct driver *d = w->data;

	(void)loop;
	(void)revents;
	d->readback_pending = true;
	driver_bird_pump(d);
}

/* ---- sending ---- */

static void
driver_bird_flush(struct driver *d)
{
	char buf[BIRD_REASON_MAX];
	ssize_t n;

	while (d->woff < d->wlen) {
		n = send(d->fd, d->wbuf + d->woff, d->wlen - d->woff, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_start(d->loop, &d->wio);
			return;
		}
		if (n == -1) {
			driver_bird_disconnect(d, driver_bird_io_reason(errno, buf, sizeof(buf)));
			return;
		}
		d->woff += (size_t)n;
	}
	ev_io_stop(d->loop, &d->wio);
	d->wlen = d->woff = 0;
}

static void
driver_bird_send(struct driver *d, enum bird_cmd cmd, size_t index, bool twin)
{
	struct bird_prefix *p = index < d->n_prefixes ? &d->prefixes[index] : NULL;
	const char *name = p == NULL ? "" : twin ? p->twin : p->protocol;
	int n;

	switch (cmd) {
	case BIRD_CMD_SHOW:
		n = snprintf(d->wbuf, sizeof(d->wbuf), "show protocols\n");
		break;
	case BIRD_CMD_ENABLE:
		n = snprintf(d->wbuf, sizeof(d->wbuf), "enable %s\n", name);
		break;
	case BIRD_CMD_DISABLE:
		if (p->why[0] != '\0')
			n = snprintf(d->wbuf, sizeof(d->wbuf), "disable %s \"%s\"\n",
				     name, p->why);
		else
			n = snprintf(d->wbuf, sizeof(d->wbuf), "disable %s\n", name);
		break;
	default:
		return;
	}
	d->wlen = (size_t)n;
	d->woff = 0;
	d->inflight = cmd;
	d->inflight_index = index;
	d->inflight_generation = d->generation;
	d->inflight_state = cmd == BIRD_CMD_ENABLE ? ROUTE_ANNOUNCED : ROUTE_WITHDRAWN;
	d->inflight_twin = twin;
	d->inflight_acked = false;
	d->inflight_text[0] = '\0';
	if (cmd == BIRD_CMD_SHOW)
		for (index = 0; index < d->n_prefixes; index++)
			d->prefixes[index].seen = d->prefixes[index].twin_seen = false;
	log_debug("bird: > %.*s", (int)d->wlen - 1, d->wbuf);
	driver_bird_start_timer(d, d->command_timeout_ms);
	driver_bird_flush(d);
}

/* Sends the next command if nothing is in flight: read-back first, then changes. */
static void
driver_bird_pump(struct driver *d)
{
	size_t i;

	if (d->conn != BIRD_CONN_READY || d->inflight != BIRD_CMD_NONE)
		return;
	if (d->readback_pending) {
		d->readback_pending = false;
		driver_bird_send(d, BIRD_CMD_SHOW, 0, false);
		return;
	}
	for (i = 0; i < d->n_prefixes; i++) {
		struct bird_prefix *p = &d->prefixes[i];
		enum bird_cmd cmd;
		bool twin;

		if (!p->apply_pending)
			continue;
		p->apply_pending = false;
		/* Nothing to drive, or BIRD lacks the protocol (an enable
		 * would only draw a parse error). */
		if (p->desired == ROUTE_UNKNOWN || !p->valid || p->missing)
			continue;
		cmd = driver_bird_next_step(p, driver_bird_effective(p, p->desired), &twin);
		if (cmd == BIRD_CMD_NONE)
			continue;
		driver_bird_send(d, cmd, i, twin);
		return;
	}
}

static void
driver_bird_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct driver *d = w->data;
	char buf[BIRD_REASON_MAX];
	socklen_t len = sizeof(int);
	int err = 0;

	(void)loop;
	(void)revents;
	if (d->conn != BIRD_CONN_CONNECTING) {
		driver_bird_flush(d);
		return;
	}
	if (getsockopt(d->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		driver_bird_disconnect(d, driver_bird_connect_reason(err, buf, sizeof(buf)));
		return;
	}
	driver_bird_connected(d);
}

/* ---- replies ---- */

/* The twin's row (or its absence) from a read-back. */
static void
driver_bird_readback_twin(struct bird_prefix *p)
{
	if (p->twin == NULL)
		return;
	if (!p->twin_seen) {
		if (!p->twin_missing)
			log_warnx("BIRD has no protocol \"%s\"; %s is announced plainly when "
				  "degraded; see docs/bird.md", p->twin, p->protocol);
		p->twin_missing = true;
		p->twin_state = ROUTE_UNKNOWN;
		return;
	}
	if (p->twin_missing)
		log_info("BIRD has protocol \"%s\" now", p->twin);
	p->twin_missing = false;
	p->twin_state = p->twin_seen_state;
}

static void
driver_bird_readback_done(struct driver *d)
{
	unsigned gen = d->generation;
	size_t i;

	for (i = 0; i < d->n_prefixes; i++) {
		struct bird_prefix *p = &d->prefixes[i];

		p->was_right = p->desired != ROUTE_UNKNOWN &&
			p->actual == driver_bird_effective(p, p->desired);
		if (!p->seen) {
			if (!p->missing && p->valid)
				log_warnx("BIRD has no protocol \"%s\"; see docs/bird.md", p->protocol);
			p->missing = true;
			p->actual = p->main_state = ROUTE_UNKNOWN;
			continue;
		}
		if (p->missing)
			log_info("BIRD has protocol \"%s\" now", p->protocol);
		p->missing = false;
		p->main_state = p->seen_state;
		driver_bird_readback_twin(p);
		p->actual = driver_bird_combine(p);
	}
	/* Prefixes without a verdict follow BIRD, so a `configure` keeps them as they are. */
	driver_bird_sync_file(d);
	for (i = 0; i < d->n_prefixes; i++) {
		struct bird_prefix *p = &d->prefixes[i];
		enum route_state want = driver_bird_effective(p, p->desired);

		if (want == ROUTE_UNKNOWN || p->actual == ROUTE_UNKNOWN ||
		    driver_bird_matches(p, want)) {
			p->drift_logged = false;
			continue;
		}
		p->apply_pending = true;
		/* Drift is BIRD moving away from what we had put there
		 * (restart, configure, a hand): not a first apply, not a retry. */
		if (p->drift_logged || !p->was_right)
			continue;
		p->drift_logged = true;
		if (driver_bird_twin_active(p) && p->main_state == ROUTE_ANNOUNCED &&
		    p->twin_state == ROUTE_ANNOUNCED)
			log_warnx("%s: BIRD has %s and %s both up, want %s: re-asserting",
				  p->protocol, p->protocol, p->twin, route_state_names[want]);
		else
			log_warnx("%s: BIRD has %s, want %s: re-asserting", p->protocol,
				  route_state_names[p->actual], route_state_names[want]);
		if (d->cb.drift != NULL)
			d->cb.drift(d->arg, i, p->actual, want);
		if (gen != d->generation)
			return;
	}
	for (i = 0; i < d->n_prefixes && gen == d->generation; i++)
		if (d->cb.actual != NULL)
			d->cb.actual(d->arg, i, d->prefixes[i].actual);
}

static void
driver_bird_apply_done(struct driver *d, enum bird_cmd cmd, int code, const char *text)
{
	struct bird_prefix *p;
	enum route_state want;

	if (d->inflight_generation != d->generation || d->inflight_index >= d->n_prefixes) {
		/* The prefix list changed under the command: learn the truth again. */
		d->readback_pending = true;
		return;
	}
	p = &d->prefixes[d->inflight_index];
	if (bird_reply_is_error(code) || !d->inflight_acked) {
		if (!p->fail_logged)
			log_warnx("%s: BIRD refused %s: %04d %s",
				  d->inflight_twin ? p->twin : p->protocol,
				  bird_cmd_names[cmd], code,
				  d->inflight_text[0] != '\0' ? d->inflight_text : text);
		p->fail_logged = true;
		/* A success code without the expected line: ask what BIRD has.
		 * An error is retried by the next periodic read-back only, so a
		 * refusing BIRD is not hammered. */
		if (!bird_reply_is_error(code))
			d->readback_pending = true;
		return;
	}
	p->fail_logged = false;
	if (d->inflight_twin)
		p->twin_state = d->inflight_state;
	else
		p->main_state = d->inflight_state;
	want = driver_bird_effective(p, p->desired);
	if (want != ROUTE_UNKNOWN && !driver_bird_matches(p, want)) {
		/* the second half of a move between two states */
		p->apply_pending = true;
		return;
	}
	p->actual = driver_bird_combine(p);
	if (p->actual == want)
		p->drift_logged = false;
	log_info("%s: %s in BIRD", p->protocol, route_state_names[p->actual]);
	if (d->cb.actual != NULL)
		d->cb.actual(d->arg, d->inflight_index, p->actual);
}

static void
driver_bird_reply_line(struct driver *d, const struct bird_reply_event *ev)
{
	struct bird_protocol_row row;
	size_t i;

	switch (d->inflight) {
	case BIRD_CMD_SHOW:
		if (ev->code != BIRD_CODE_PROTO_LIST ||
		    bird_reply_parse_protocol(ev->text, ev->len, &row) == -1)
			return;
		for (i = 0; i < d->n_prefixes; i++) {
			struct bird_prefix *p = &d->prefixes[i];

			if (strcmp(p->protocol, row.name) == 0) {
				p->seen = true;
				p->seen_state = driver_bird_state_word(row.state);
			}
			if (p->twin != NULL && strcmp(p->twin, row.name) == 0) {
				p->twin_seen = true;
				p->twin_seen_state = driver_bird_state_word(row.state);
			}
		}
		return;
	case BIRD_CMD_ENABLE:
		if (ev->code == BIRD_CODE_ENABLED || ev->code == BIRD_CODE_ALREADY_ENABLED)
			d->inflight_acked = true;
		break;
	case BIRD_CMD_DISABLE:
		if (ev->code == BIRD_CODE_DISABLED || ev->code == BIRD_CODE_ALREADY_DISABLED)
			d->inflight_acked = true;
		break;
	default:
		return;
	}
	if (!d->inflight_acked && d->inflight_text[0] == '\0')
		snprintf(d->inflight_text, sizeof(d->inflight_text), "%s", ev->text);
}

static void
driver_bird_reply_final(struct driver *d, const struct bird_reply_event *ev)
{
	enum bird_cmd cmd = d->inflight;

	ev_timer_stop(d->loop, &d->command_timer);
	d->inflight = BIRD_CMD_NONE;
	if (!bird_reply_is_error(ev->code) && !d->session_ok) {
		d->session_ok = true;
		d->backoff_ms = d->reconnect_min_ms;
	}
	if (cmd == BIRD_CMD_SHOW) {
		if (bird_reply_is_error(ev->code))
			log_warnx("bird: show protocols failed: %04d %s", ev->code, ev->text);
		else
			driver_bird_readback_done(d);
	} else {
		driver_bird_apply_done(d, cmd, ev->code, ev->text);
	}
	driver_bird_pump(d);
}

/* Parser callback: non-zero stops feeding because the connection is gone. */
static int
driver_bird_event_cb(void *arg, const struct bird_reply_event *ev)
{
	struct driver *d = arg;
	unsigned serial = d->conn_serial;

	switch (ev->kind) {
	case BIRD_REPLY_ERROR:
		snprintf(d->proto_error, sizeof(d->proto_error), "%s", ev->text);
		return 0;
	case BIRD_REPLY_ASYNC:
		log_debug("bird: async: %s", ev->text);
		return 0;
	case BIRD_REPLY_LINE:
	case BIRD_REPLY_FINAL:
	default:
		break;
	}
	if (d->conn == BIRD_CONN_BANNER) {
		if (ev->kind != BIRD_REPLY_FINAL)
			return 0;
		if (ev->code != BIRD_CODE_WELCOME) {
			driver_bird_disconnect(d, ev->code == BIRD_CODE_ACCESS_DENIED ?
					       "access-denied" : "protocol-error: bad-banner");
			return 1;
		}
		ev_timer_stop(d->loop, &d->command_timer);
		d->conn = BIRD_CONN_READY;
		/* Read back before anything else, also before whatever the
		 * connection callback asks for. */
		d->readback_pending = true;
		ev_timer_set(&d->readback_timer, d->readback_interval_ms / 1000.0,
			     d->readback_interval_ms / 1000.0);
		ev_timer_start(d->loop, &d->readback_timer);
		driver_bird_report_up(d, ev->text);
		if (serial != d->conn_serial)
			return 1;
		driver_bird_pump(d);
		return serial != d->conn_serial;
	}
	if (d->inflight == BIRD_CMD_NONE) {
		driver_bird_disconnect(d, "protocol-error: unsolicited-reply");
		return 1;
	}
	if (ev->kind == BIRD_REPLY_LINE) {
		driver_bird_reply_line(d, ev);
		return 0;
	}
	if (ev->code == BIRD_CODE_ACCESS_DENIED) {
		driver_bird_disconnect(d, "access-denied");
		return 1;
	}
	driver_bird_reply_final(d, ev);
	return serial != d->conn_serial;
}

static void
driver_bird_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct driver *d = w->data;
	char buf[4096], why[BIRD_REASON_MAX];
	ssize_t n;

	(void)loop;
	(void)revents;
	n = read(d->fd, buf, sizeof(buf));
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n == -1) {
		driver_bird_disconnect(d, driver_bird_io_reason(errno, why, sizeof(why)));
		return;
	}
	if (n == 0) {
		driver_bird_disconnect(d, "eof");
		return;
	}
	if (bird_reply_feed(&d->parser, buf, (size_t)n, driver_bird_event_cb, d) == -1) {
		snprintf(why, sizeof(why), "protocol-error: %s", d->proto_error);
		driver_bird_disconnect(d, why);
	}
}

/* ---- driver_ops ---- */

static struct driver *
driver_bird_create(struct ev_loop *loop, const struct config *cfg,
		   const struct driver_callbacks *cb, void *arg)
{
	struct driver *d;
	char *file;
	size_t i;
	bool rewrite;

	d = xcalloc(1, sizeof(*d));
	d->loop = loop;
	if (cb != NULL)
		d->cb = *cb;
	d->arg = arg;
	d->socket_path = xstrdup(cfg->router.control_socket);
	d->state_file = xstrdup(cfg->router.state_file);
	d->command_timeout_ms = cfg->router.command_timeout_ms ? cfg->router.command_timeout_ms : 2000;
	d->readback_interval_ms = cfg->router.readback_interval_ms ?
		cfg->router.readback_interval_ms : 10000;
	d->reconnect_min_ms = cfg->router.reconnect_min_ms ? cfg->router.reconnect_min_ms : 100;
	d->reconnect_max_ms = cfg->router.reconnect_max_ms;
	if (d->reconnect_max_ms < d->reconnect_min_ms)
		d->reconnect_max_ms = d->reconnect_min_ms;
	d->backoff_ms = d->reconnect_min_ms;
	d->fd = -1;
	bird_reply_reset(&d->parser);

	/* The file holds the last choice (maybe of a previous run): start from it. */
	file = driver_bird_read_file(d->state_file);
	d->prefixes = driver_bird_prefixes_build(cfg, NULL, 0, file);
	d->n_prefixes = cfg->n_prefixes;
	rewrite = file == NULL;
	for (i = 0; i < d->n_prefixes; i++)
		if (d->prefixes[i].valid && (d->prefixes[i].file_value < 0 ||
					     (d->prefixes[i].twin != NULL &&
					      d->prefixes[i].twin_file_value < 0)))
			rewrite = true;	/* BIRD would fail on the missing define */
	free(file);
	if (rewrite)
		driver_bird_sync_file(d);

	ev_io_init(&d->rio, driver_bird_read_cb, -1, EV_READ);
	ev_io_init(&d->wio, driver_bird_write_cb, -1, EV_WRITE);
	ev_timer_init(&d->reconnect_timer, driver_bird_reconnect_cb, 0., 0.);
	ev_timer_init(&d->command_timer, driver_bird_timeout_cb, 0., 0.);
	ev_timer_init(&d->readback_timer, driver_bird_readback_cb, 0., 0.);
	d->rio.data = d->wio.data = d;
	d->reconnect_timer.data = d->command_timer.data = d->readback_timer.data = d;
	/* Connect from the loop, so no callback runs before create returns. */
	ev_timer_start(loop, &d->reconnect_timer);
	return d;
}

static void
driver_bird_reconfigure(struct driver *d, const struct config *cfg)
{
	struct bird_prefix *ps;
	char *file;

	file = driver_bird_read_file(d->state_file);
	ps = driver_bird_prefixes_build(cfg, d->prefixes, d->n_prefixes, file);
	free(file);
	driver_bird_prefixes_free(d->prefixes, d->n_prefixes);
	d->prefixes = ps;
	d->n_prefixes = cfg->n_prefixes;
	d->generation++;
	driver_bird_sync_file(d);
	if (d->conn == BIRD_CONN_READY) {
		d->readback_pending = true;
		driver_bird_pump(d);
	}
}

static void
driver_bird_set_desired(struct driver *d, size_t index, enum route_state desired,
			const char *why)
{
	struct bird_prefix *p;

	if (index >= d->n_prefixes) {
		log_warnx("bird: set_desired for prefix %zu of %zu", index, d->n_prefixes);
		return;
	}
	p = &d->prefixes[index];
	if (desired != p->desired)
		p->drift_logged = false;
	p->desired = desired;
	if (desired == ROUTE_UNKNOWN)
		return;
	driver_bird_sanitize_why(p->why, why);
	/* File first: a `configure` racing with us must see the new choice. */
	driver_bird_sync_file(d);
	if (d->conn == BIRD_CONN_READY) {
		p->apply_pending = true;
		driver_bird_pump(d);
	}
}

static bool
driver_bird_idle(const struct driver *d)
{
	size_t i;

	if (d->conn != BIRD_CONN_READY)
		return true;
	if (d->inflight != BIRD_CMD_NONE || d->readback_pending)
		return false;
	for (i = 0; i < d->n_prefixes; i++)
		if (d->prefixes[i].apply_pending)
			return false;
	return true;
}

static bool
driver_bird_is_connected(const struct driver *d)
{
	return d->conn == BIRD_CONN_READY;
}

static void
driver_bird_destroy(struct driver *d)
{
	if (d == NULL)
		return;
	ev_io_stop(d->loop, &d->rio);
	ev_io_stop(d->loop, &d->wio);
	ev_timer_stop(d->loop, &d->reconnect_timer);
	ev_timer_stop(d->loop, &d->command_timer);
	ev_timer_stop(d->loop, &d->readback_timer);
	if (d->fd != -1)
		close(d->fd);
	driver_bird_prefixes_free(d->prefixes, d->n_prefixes);
	free(d->socket_path);
	free(d->state_file);
	free(d);
}

const struct driver_ops driver_bird_ops = {
	.name = "bird",
	.create = driver_bird_create,
	.reconfigure = driver_bird_reconfigure,
	.set_desired = driver_bird_set_desired,
	.idle = driver_bird_idle,
	.connected = driver_bird_is_connected,
	.destroy = driver_bird_destroy,
};
