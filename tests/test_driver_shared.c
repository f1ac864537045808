/*
 * test_driver_shared.c - one table of driver cases run against the real
 * routers: bird2 (/usr/sbin/bird) and FRR's bgpd (/usr/lib/frr/bgpd).
 *
 * Both drivers promise the same thing (driver.h): read back, apply a known
 * desired state, change nothing for ROUTE_UNKNOWN, re-assert after a router
 * restart or a change made by hand (and say so through cb->drift), carry a
 * degraded and a draining state, and apply once a missing router shows up.
 * The drain case also proves that the router really attaches the
 * GRACEFUL_SHUTDOWN community (65535:0) to the drained route; the sessions
 * case that the router takes the session read-back's commands and that its
 * answers are read as the router's own tools show them.  Every case here
 * checks that with the router's own tools (birdc, vtysh), not with what the
 * driver reports.
 *
 * Each test starts its own daemon in a temp dir with its own control socket:
 * bird with -s, bgpd with --vty_socket, -Z (no zebra: nothing goes to the
 * kernel), -p 0 (no BGP listener) and -P 0 (no TCP vty), so no network
 * namespace is needed and nothing touches the host's routing.  A backend is
 * skipped when its binaries are missing or we are not root.  The daemons are
 * killed and the temp dirs removed in teardown, also after a failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "driver.h"
#include "driver_bird.h"
#include "frr_vty.h"
#include "support/driver_fixture.h"

#define BIRD_BIN	"/usr/sbin/bird"
#define BIRDC_BIN	"/usr/sbin/birdc"
#define BGPD_BIN	"/usr/lib/frr/bgpd"
#define VTYSH_BIN	"/usr/bin/vtysh"
#define PREFIX		"192.0.2.1/32"
#define ASN		65001
#define ROUTE_MAP	"ANYCAST-DEGRADED"
#define DRAIN_MAP	"ANYCAST-DRAIN"

struct sx;

/* What differs between the routers. */
struct backend {
	const char *name;
	bool (*usable)(void);
	void (*configure)(struct sx *sx);	/* config files, sx->cfg */
	void (*start)(struct sx *sx);		/* returns once the socket answers */
	void (*boot)(struct sx *sx);		/* what a reboot leaves before the router starts */
	enum route_state (*state)(struct sx *sx);	/* the router's own view */
	void (*hand)(struct sx *sx, enum route_state st);	/* an operator's change */
	/* a BGP session to a peer that is not there: added at the router,
	 * its name as the driver reports it */
	const char *(*add_session)(struct sx *sx);
	/* the router's own word for that session's state ("" if unknown) */
	const char *(*session_state)(struct sx *sx);
};

struct obs {
	enum route_state actual;
	int n_actual;
	int n_up, n_down;
	char why[160];
	int n_drift;
	enum route_state drift_found, drift_wanted;
	/* cb->sessions (the sessions case only) */
	int n_sessions;
	size_t sessions_n;
	struct bgp_session session0;
	uint32_t advertised0;
	size_t n_prefixes;
};

struct shared_case;

struct sx {
	const struct backend *be;
	const struct shared_case *c;
	bool skip;
	char dir[64];
	char sock[160];
	char state_path[160];
	struct captured_stderr err;
	pid_t pid;
	struct ev_loop *loop;
	ev_timer poll;
	struct config cfg;
	struct prefix_config prefix;
	struct obs obs;
	struct driver_handle h;
};

/* ---- helpers ---- */

/* Runs a shell command, returns its stdout (static buffer). */
static const char *
run_cmd(const char *cmd)
{
	static char out[65536];
	size_t len = 0, n;
	FILE *p;

	out[0] = '\0';
	p = popen(cmd, "r");
	if (p == NULL)
		return out;
	while (len < sizeof(out) - 1 && (n = fread(out + len, 1, sizeof(out) - 1 - len, p)) > 0)
		len += n;
	out[len] = '\0';
	pclose(p);
	return out;
}

static bool
socket_answers(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, rc;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return false;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	return rc == 0;
}

static void
wait_socket(struct sx *sx)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int i;

	for (i = 0; i < 1000 && !socket_answers(sx->sock); i++)
		nanosleep(&ts, NULL);
	assert_true(socket_answers(sx->sock));
}

static void
spawn(struct sx *sx, const char *const argv[])
{
	char out[200];

	snprintf(out, sizeof(out), "%s/%s.out", sx->dir, sx->be->name);
	sx->pid = spawn_logged(argv[0], argv, out);
}

static void
router_stop(struct sx *sx)
{
	int i, status;

	if (sx->pid <= 0)
		return;
	kill(sx->pid, SIGTERM);
	for (i = 0; i < 200; i++) {
		if (waitpid(sx->pid, &status, WNOHANG) == sx->pid)
			break;
		usleep(10000);
	}
	if (i == 200) {
		kill(sx->pid, SIGKILL);
		waitpid(sx->pid, &status, 0);
	}
	sx->pid = 0;
}

/* ---- bird ---- */

static bool
bird_usable(void)
{
	return geteuid() == 0 && access(BIRD_BIN, X_OK) == 0 && access(BIRDC_BIN, X_OK) == 0;
}

static void
bird_configure(struct sx *sx)
{
	char conf[200], text[2048];

	snprintf(sx->sock, sizeof(sx->sock), "%s/bird.ctl", sx->dir);
	snprintf(sx->state_path, sizeof(sx->state_path), "%s/run/bird-state.conf", sx->dir);
	sx->cfg.router.kind = ROUTER_KIND_BIRD;
	sx->cfg.router.state_file = sx->state_path;
	sx->prefix.bird_protocol = (char *)(uintptr_t)"anycast4";
	sx->prefix.bird_define = (char *)(uintptr_t)"ANYCAST4_OFF";
	sx->prefix.bird_degraded_protocol = (char *)(uintptr_t)"anycast4_degraded";
	sx->prefix.bird_degraded_define = (char *)(uintptr_t)"ANYCAST4_DEGRADED_OFF";
	sx->prefix.bird_drain_protocol = (char *)(uintptr_t)"anycast4_drain";
	sx->prefix.bird_drain_define = (char *)(uintptr_t)"ANYCAST4_DRAIN_OFF";
	snprintf(conf, sizeof(conf), "%s/bird.conf", sx->dir);
	snprintf(text, sizeof(text),
		 "log \"%s/bird.log\" all;\n"
		 "router id 192.0.2.254;\n"
		 "include \"%s\";\n"
		 "protocol device {}\n"
		 "protocol static anycast4 { disabled ANYCAST4_OFF; ipv4; "
		 "route " PREFIX " blackhole; }\n"
		 "protocol static anycast4_degraded { disabled ANYCAST4_DEGRADED_OFF; "
		 "ipv4 { preference 50; }; route " PREFIX " blackhole; }\n"
		 /* as in etc/bird-anycast.conf */
		 "protocol static anycast4_drain { disabled ANYCAST4_DRAIN_OFF; "
		 "ipv4 { preference 40; }; route " PREFIX " blackhole { "
		 "bgp_community.add((65535, 0)); bgp_path.prepend(%d); bgp_path.prepend(%d); }; }\n",
		 sx->dir, sx->state_path, ASN, ASN);
	write_text(conf, text);
	/* the boot order: --init-bird-state, then BIRD, then the daemon */
	assert_int_equal(driver_bird_write_initial_state(&sx->cfg), 0);
}

static void
bird_start(struct sx *sx)
{
	char conf[200], pid[200];
	const char *argv[] = { BIRD_BIN, "-f", "-c", conf, "-s", sx->sock, "-P", pid, NULL };

	snprintf(conf, sizeof(conf), "%s/bird.conf", sx->dir);
	snprintf(pid, sizeof(pid), "%s/bird.pid", sx->dir);
	spawn(sx, argv);
	wait_socket(sx);
}

static void
bird_boot(struct sx *sx)
{
	/* /run is empty after a reboot: --init-bird-state writes it withdrawn */
	unlink(sx->state_path);
	assert_int_equal(driver_bird_write_initial_state(&sx->cfg), 0);
}

static bool
bird_up(struct sx *sx, const char *proto)
{
	char cmd[300], name[64], p[64], table[64], state[64];
	const char *out, *line;

	snprintf(cmd, sizeof(cmd), BIRDC_BIN " -s '%s' show protocols %s", sx->sock, proto);
	out = run_cmd(cmd);
	for (line = out; line != NULL && *line != '\0'; line = strchr(line, '\n'), line += line != NULL) {
		if (sscanf(line, "%63s %63s %63s %63s", name, p, table, state) == 4 &&
		    strcmp(name, proto) == 0)
			return strcmp(state, "up") == 0;
	}
	return false;
}

/* One protocol up alone is its state, none withdrawn, more unknown. */
static enum route_state
bird_state(struct sx *sx)
{
	bool main_up = bird_up(sx, "anycast4"), degraded_up = bird_up(sx, "anycast4_degraded");
	bool drain_up = bird_up(sx, "anycast4_drain");

	switch (main_up + degraded_up + drain_up) {
	case 0:
		return ROUTE_WITHDRAWN;
	case 1:
		return main_up ? ROUTE_ANNOUNCED : degraded_up ? ROUTE_DEGRADED : ROUTE_DRAINING;
	default:
		return ROUTE_UNKNOWN;
	}
}

static void
bird_hand(struct sx *sx, enum route_state st)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), BIRDC_BIN " -s '%s' %s anycast4", sx->sock,
		 st == ROUTE_ANNOUNCED ? "enable" : "disable");
	run_cmd(cmd);
}

/* A BGP protocol whose peer is not there; ports of its own (127.0.0.1 is
 * shared with whatever else runs here, BGP's 179 is not used). */
static const char *
bird_add_session(struct sx *sx)
{
	char conf[200], cmd[300];
	int port = 20000 + (int)(getpid() % 20000);
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/bird.conf", sx->dir);
	f = fopen(conf, "a");
	assert_non_null(f);
	fprintf(f, "protocol bgp upx { local 127.0.0.1 port %d as %d; "
		"neighbor 127.0.0.2 port %d as 65000; multihop; connect retry time 1; "
		"ipv4 { import none; export all; }; }\n", port, ASN, port + 1);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), BIRDC_BIN " -s '%s' configure", sx->sock);
	assert_non_null(strstr(run_cmd(cmd), "Reconfigured"));
	return "upx";
}

/* The Info word of upx's row (the State word when there is none). */
static const char *
bird_session_state(struct sx *sx)
{
	static char word[6][64];
	char cmd[300];
	const char *out, *line;
	int n;

	snprintf(cmd, sizeof(cmd), BIRDC_BIN " -s '%s' show protocols upx", sx->sock);
	out = run_cmd(cmd);
	for (line = out; line != NULL && *line != '\0'; line = strchr(line, '\n'), line += line != NULL) {
		n = sscanf(line, "%63s %63s %63s %63s %63s %63s", word[0], word[1], word[2],
			   word[3], word[4], word[5]);
		if (n >= 4 && strcmp(word[0], "upx") == 0)
			return n == 6 ? word[5] : word[3];
	}
	return "";
}

/* ---- frr ---- */

static bool
frr_usable(void)
{
	return geteuid() == 0 && access(BGPD_BIN, X_OK) == 0 && access(VTYSH_BIN, X_OK) == 0 &&
	       getpwnam("frr") != NULL;
}

static void
frr_configure(struct sx *sx)
{
	char conf[200], text[1024];
	struct passwd *pw = getpwnam("frr");

	snprintf(sx->sock, sizeof(sx->sock), "%s/bgpd.vty", sx->dir);
	sx->cfg.router.kind = ROUTER_KIND_FRR;
	sx->cfg.router.frr_asn = ASN;
	sx->cfg.router.frr_degraded_route_map = (char *)(uintptr_t)ROUTE_MAP;
	sx->cfg.router.frr_drain_route_map = (char *)(uintptr_t)DRAIN_MAP;
	snprintf(conf, sizeof(conf), "%s/frr.conf", sx->dir);
	/* no zebra: nothing is in the RIB, hence no import-check */
	snprintf(text, sizeof(text),
		 "frr defaults traditional\n"
		 "router bgp %d\n"
		 " bgp router-id 192.0.2.254\n"
		 " no bgp ebgp-requires-policy\n"
		 " no bgp network import-check\n"
		 "exit\n"
		 "route-map " ROUTE_MAP " permit 10\n"
		 " set as-path prepend %d %d\n"
		 "exit\n"
		 /* as in etc/frr-anycast.conf */
		 "route-map " DRAIN_MAP " permit 10\n"
		 " set community graceful-shutdown additive\n"
		 " set as-path prepend %d %d\n"
		 "exit\n", ASN, ASN, ASN, ASN, ASN);
	write_text(conf, text);
	/* bgpd drops to user frr before it creates its socket */
	assert_non_null(pw);
	assert_int_equal(chown(sx->dir, pw->pw_uid, pw->pw_gid), 0);
	assert_int_equal(chown(conf, pw->pw_uid, pw->pw_gid), 0);
}

static void
frr_start(struct sx *sx)
{
	char conf[200], pid[200], zserv[200];
	const char *argv[] = {
		BGPD_BIN, "-Z", "-p", "0", "-P", "0", "--vty_socket", sx->dir,
		"-i", pid, "-f", conf, "-z", zserv, NULL,
	};

	snprintf(conf, sizeof(conf), "%s/frr.conf", sx->dir);
	snprintf(pid, sizeof(pid), "%s/bgpd.pid", sx->dir);
	snprintf(zserv, sizeof(zserv), "%s/zserv.api", sx->dir);
	spawn(sx, argv);
	wait_socket(sx);
}

static void
frr_boot(struct sx *sx)
{
	(void)sx;	/* bgpd starts from frr.conf: the run-time network is gone */
}

static const char *
vtysh(struct sx *sx, const char *args)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), VTYSH_BIN " --vty_socket '%s' -d bgpd %s 2>&1", sx->dir, args);
	return run_cmd(cmd);
}

static enum route_state
frr_state(struct sx *sx)
{
	struct frr_bgp_readback rb;
	const char *out, *why;

	out = vtysh(sx, "-c 'show bgp ipv4 unicast " PREFIX " json'");
	if (frr_vty_parse_bgp_prefix(out, strlen(out), &rb, &why) == -1)
		return ROUTE_UNKNOWN;
	if (!rb.present)
		return ROUTE_WITHDRAWN;
	if (rb.gshut)
		return ROUTE_DRAINING;
	return rb.prepends > 0 ? ROUTE_DEGRADED : ROUTE_ANNOUNCED;
}

static void
frr_hand(struct sx *sx, enum route_state st)
{
	int i;

	vtysh(sx, st == ROUTE_ANNOUNCED ?
	      "-c 'conf t' -c 'router bgp 65001' -c 'network " PREFIX "'" :
	      "-c 'conf t' -c 'router bgp 65001' -c 'no network " PREFIX "'");
	/* bgpd's work queue applies it a little later; wait without running the
	 * loop, so the driver cannot repair it before the test looks */
	for (i = 0; i < 100 && frr_state(sx) != st; i++)
		usleep(20000);
}

/* A neighbor that is not there (bgpd runs with -p 0: nobody connects in). */
static const char *
frr_add_session(struct sx *sx)
{
	vtysh(sx, "-c 'conf t' -c 'router bgp 65001' -c 'neighbor 127.0.0.2 remote-as 65000'");
	return "127.0.0.2";
}

static const char *
frr_session_state(struct sx *sx)
{
	static char state[64];
	const char *out = vtysh(sx, "-c 'show bgp neighbors 127.0.0.2 json'");
	const char *p = strstr(out, "\"bgpState\":\"");

	state[0] = '\0';
	if (p != NULL)
		sscanf(p + strlen("\"bgpState\":\""), "%63[^\"]", state);
	return state;
}

static const struct backend backends[] = {
	{ "bird", bird_usable, bird_configure, bird_start, bird_boot, bird_state, bird_hand,
	  bird_add_session, bird_session_state },
	{ "frr", frr_usable, frr_configure, frr_start, frr_boot, frr_state, frr_hand,
	  frr_add_session, frr_session_state },
};
#define N_BACKENDS	(sizeof(backends) / sizeof(backends[0]))

/* ---- fixture ---- */

static void
obs_actual(void *arg, size_t index, enum route_state actual)
{
	struct obs *o = arg;

	assert_int_equal(index, 0);
	o->actual = actual;
	o->n_actual++;
}

static void
obs_connection(void *arg, bool up, const char *why)
{
	struct obs *o = arg;

	if (up)
		o->n_up++;
	else
		o->n_down++;
	snprintf(o->why, sizeof(o->why), "%s", why);
}

static void
obs_drift(void *arg, size_t index, enum route_state found, enum route_state wanted)
{
	struct obs *o = arg;

	assert_int_equal(index, 0);
	o->n_drift++;
	o->drift_found = found;
	o->drift_wanted = wanted;
}

static void
obs_sessions(void *arg, const struct bgp_sessions *t)
{
	struct obs *o = arg;

	o->n_sessions++;
	o->sessions_n = t->n;
	o->n_prefixes = t->n_prefixes;
	memset(&o->session0, 0, sizeof(o->session0));
	if (t->n > 0)
		o->session0 = t->s[0];
	o->advertised0 = t->n_prefixes > 0 ? t->advertised[0] : 0;
}

static const struct driver_callbacks obs_cb = {
	.actual = obs_actual,
	.connection = obs_connection,
	.drift = obs_drift,
};

static const struct driver_callbacks obs_sessions_cb = {
	.actual = obs_actual,
	.connection = obs_connection,
	.drift = obs_drift,
	.sessions = obs_sessions,
};

struct shared_case {
	const char *name;
	void (*run)(struct sx *sx);
};

struct shared_test {
	const struct shared_case *c;
	const struct backend *be;
	char name[100];
};

static int
setup(void **state)
{
	const struct shared_test *t = *state;
	struct sx *sx = calloc(1, sizeof(*sx));

	assert_non_null(sx);
	sx->be = t->be;
	sx->c = t->c;
	*state = sx;
	if (!sx->be->usable()) {
		sx->skip = true;
		return 0;
	}
	make_temp_dir(sx->dir, sizeof(sx->dir), "test_driver_shared");
	sx->loop = fixture_loop_new(&sx->poll, 0.01);

	sx->prefix.prefix = (char *)(uintptr_t)PREFIX;
	sx->prefix.family = AF_INET;
	sx->cfg.prefixes = &sx->prefix;
	sx->cfg.n_prefixes = 1;
	sx->cfg.router.control_socket = sx->sock;
	sx->cfg.router.command_timeout_ms = 2000;
	sx->cfg.router.readback_interval_ms = 300;
	sx->cfg.router.reconnect_min_ms = 20;
	sx->cfg.router.reconnect_max_ms = 200;

	capture_stderr(&sx->err, sx->dir);

	sx->be->configure(sx);
	sx->be->start(sx);
	return 0;
}

static int
teardown(void **state)
{
	struct sx *sx = *state;
	char cmd[400];

	if (!sx->skip) {
		driver_close(&sx->h);
		router_stop(sx);
		fixture_loop_destroy(sx->loop, &sx->poll);
		release_stderr(&sx->err);
		if (getenv("TEST_VERBOSE") != NULL) {
			snprintf(cmd, sizeof(cmd), "cat '%s'/*.out >&2", sx->dir);
			if (system(cmd) != 0)
				fprintf(stderr, "no log\n");
		}
		remove_temp_dir(sx->dir);
	}
	free(sx);
	return 0;
}

/*
 * How long a wait on a real router may take: four times what a quiet
 * machine needs, since bgpd and vtysh start slowly on a loaded one (CI runs
 * the unit tests two at a time beside etcd and the fuzzers).  These bound a
 * wait for behaviour; they are not speed targets.
 */
#define ROUTER_WAIT(secs)	((secs) * 4)

/* Polling the router's own view every 100 ms while the loop runs.  The
 * cached answer is for one state only: asked about another (a withdrawal
 * right after an announce), the router is read again. */
static bool
router_is(struct sx *sx, enum route_state st)
{
	static double next;
	static bool last;
	static enum route_state last_st;

	if (ev_time() < next && st == last_st)
		return last;
	next = ev_time() + 0.1;
	last_st = st;
	last = sx->be->state(sx) == st;
	return last;
}

/*
 * The driver applied `st` (reported and idle) and the router shows it.  bgpd
 * answers a `network` change at once but (un)installs the path from its work
 * queue some 50 ms later, so the router is polled rather than read once.
 */
#define WAIT_APPLIED(sx, st) do {						\
		WAIT_UNTIL(sx, ROUTER_WAIT(5), (sx)->obs.actual == (st) && driver_idle(&(sx)->h) &&	\
			   router_is(sx, st));					\
		assert_int_equal((sx)->be->state(sx), (st));			\
	} while (0)

static void
open_driver(struct sx *sx)
{
	assert_int_equal(driver_open(&sx->h, sx->loop, &sx->cfg, &obs_cb, &sx->obs), 0);
	assert_string_equal(sx->h.ops->name, sx->be->name);
}

static void
open_and_read(struct sx *sx)
{
	open_driver(sx);
	WAIT_UNTIL(sx, ROUTER_WAIT(5), sx->obs.n_actual >= 1);
}

static void
announce(struct sx *sx)
{
	driver_set_desired(&sx->h, 0, ROUTE_ANNOUNCED, "test");
	WAIT_APPLIED(sx, ROUTE_ANNOUNCED);
}

/* ---- the cases ---- */

static void
case_unknown(struct sx *sx)
{
	/* announced by hand before the daemon starts: no verdict keeps it */
	sx->be->hand(sx, ROUTE_ANNOUNCED);
	assert_int_equal(sx->be->state(sx), ROUTE_ANNOUNCED);
	open_and_read(sx);
	assert_int_equal(sx->obs.actual, ROUTE_ANNOUNCED);
	driver_set_desired(&sx->h, 0, ROUTE_UNKNOWN, "starting");
	run_loop_for(sx->loop, 0.8);	/* two read-backs */
	assert_true(sx->obs.n_actual >= 3);
	assert_int_equal(sx->be->state(sx), ROUTE_ANNOUNCED);
	assert_int_equal(sx->obs.n_drift, 0);
}

static void
case_announce(struct sx *sx)
{
	open_and_read(sx);
	assert_int_equal(sx->obs.actual, ROUTE_WITHDRAWN);
	assert_int_equal(sx->be->state(sx), ROUTE_WITHDRAWN);
	announce(sx);
	run_loop_for(sx->loop, 0.4);
	assert_int_equal(sx->obs.actual, ROUTE_ANNOUNCED);
	assert_int_equal(sx->obs.n_drift, 0);
}

static void
case_withdraw(struct sx *sx)
{
	int n;

	/* no periodic read-back in this case's time: the report below can only
	 * come from the command itself */
	sx->cfg.router.readback_interval_ms = 600000;
	open_and_read(sx);
	announce(sx);
	n = sx->obs.n_actual;
	driver_set_desired(&sx->h, 0, ROUTE_WITHDRAWN, "pptp DOWN (sccrp-timeout)");
	/* reported after the command, not at the next read-back
	 * (--withdraw-all waits for it) */
	WAIT_UNTIL(sx, ROUTER_WAIT(5), sx->obs.n_actual > n && sx->obs.actual == ROUTE_WITHDRAWN);
	WAIT_APPLIED(sx, ROUTE_WITHDRAWN);
	run_loop_for(sx->loop, 0.4);
	assert_int_equal(sx->obs.actual, ROUTE_WITHDRAWN);
	assert_int_equal(sx->obs.n_drift, 0);
}

static void
case_restart(struct sx *sx)
{
	int ups;

	open_and_read(sx);
	announce(sx);
	ups = sx->obs.n_up;
	router_stop(sx);
	WAIT_UNTIL(sx, ROUTER_WAIT(3), sx->obs.n_down >= 1);
	assert_false(driver_connected(&sx->h));
	sx->be->boot(sx);
	sx->be->start(sx);
	/* the router came back withdrawn; the driver reconnects and re-asserts */
	WAIT_UNTIL(sx, ROUTER_WAIT(5), sx->obs.n_up > ups);
	WAIT_UNTIL(sx, ROUTER_WAIT(5), router_is(sx, ROUTE_ANNOUNCED) && driver_idle(&sx->h));
	assert_int_equal(sx->obs.actual, ROUTE_ANNOUNCED);
	assert_int_equal(sx->obs.n_drift, 1);
	assert_int_equal(sx->obs.drift_found, ROUTE_WITHDRAWN);
	assert_int_equal(sx->obs.drift_wanted, ROUTE_ANNOUNCED);
}

static void
case_hand(struct sx *sx)
{
	open_and_read(sx);
	announce(sx);
	sx->be->hand(sx, ROUTE_WITHDRAWN);
	assert_int_equal(sx->be->state(sx), ROUTE_WITHDRAWN);
	/* found by the periodic read-back (every 0.3 s here): the wait is
	 * bounded, the speed itself is measured in the lab, not here */
	WAIT_UNTIL(sx, ROUTER_WAIT(2), sx->obs.n_drift == 1);
	assert_int_equal(sx->obs.drift_found, ROUTE_WITHDRAWN);
	assert_int_equal(sx->obs.drift_wanted, ROUTE_ANNOUNCED);
	WAIT_UNTIL(sx, ROUTER_WAIT(2), router_is(sx, ROUTE_ANNOUNCED) && driver_idle(&sx->h));
	assert_true(sx->obs.n_up == 1);		/* the same session all along */
}

static void
case_degraded(struct sx *sx)
{
	open_and_read(sx);
	announce(sx);
	driver_set_desired(&sx->h, 0, ROUTE_DEGRADED, "capacity DEGRADED");
	WAIT_APPLIED(sx, ROUTE_DEGRADED);
	if (strcmp(sx->be->name, "frr") == 0)
		assert_non_null(strstr(vtysh(sx, "-c 'show running-config'"),
				       "  network " PREFIX " route-map " ROUTE_MAP "\n"));
	/* a read-back agrees with it */
	run_loop_for(sx->loop, 0.4);
	assert_int_equal(sx->obs.actual, ROUTE_DEGRADED);
	assert_int_equal(sx->obs.n_drift, 0);
	/* and back */
	announce(sx);
	driver_set_desired(&sx->h, 0, ROUTE_WITHDRAWN, NULL);
	WAIT_APPLIED(sx, ROUTE_WITHDRAWN);
}

/* The router's own account of the route: it carries GRACEFUL_SHUTDOWN and
 * the prepends. */
static void
check_gshut(struct sx *sx)
{
	char cmd[300];
	const char *out;

	if (strcmp(sx->be->name, "bird") == 0) {
		snprintf(cmd, sizeof(cmd), BIRDC_BIN " -s '%s' show route all for " PREFIX,
			 sx->sock);
		out = run_cmd(cmd);
		assert_non_null(strstr(out, "blackhole [anycast4_drain "));
		assert_non_null(strstr(out, "\tBGP.community: (65535,0)\n"));
		assert_non_null(strstr(out, "\tBGP.as_path: 65001 65001\n"));
		return;
	}
	assert_non_null(strstr(vtysh(sx, "-c 'show running-config'"),
			       "  network " PREFIX " route-map " DRAIN_MAP "\n"));
	out = vtysh(sx, "-c 'show bgp ipv4 unicast " PREFIX " json'");
	assert_non_null(strstr(out, "\"string\":\"graceful-shutdown\""));
	assert_non_null(strstr(out, "\"gracefulShutdown\""));
	assert_non_null(strstr(out, "\"string\":\"65001 65001\""));
}

static void
case_drain(struct sx *sx)
{
	int ups;

	open_and_read(sx);
	announce(sx);
	driver_set_desired(&sx->h, 0, ROUTE_DRAINING, "draining (operator), 60 s left");
	WAIT_APPLIED(sx, ROUTE_DRAINING);
	check_gshut(sx);
	/* read-backs agree with it */
	run_loop_for(sx->loop, 0.4);
	assert_int_equal(sx->obs.actual, ROUTE_DRAINING);
	assert_int_equal(sx->obs.n_drift, 0);

	/* the router restarts mid-drain: drained again */
	ups = sx->obs.n_up;
	router_stop(sx);
	WAIT_UNTIL(sx, ROUTER_WAIT(3), sx->obs.n_down >= 1);
	sx->be->boot(sx);
	sx->be->start(sx);
	WAIT_UNTIL(sx, ROUTER_WAIT(5), sx->obs.n_up > ups);
	WAIT_UNTIL(sx, ROUTER_WAIT(5), router_is(sx, ROUTE_DRAINING) && driver_idle(&sx->h) &&
		   sx->obs.actual == ROUTE_DRAINING);
	assert_int_equal(sx->obs.n_drift, 1);
	assert_int_equal(sx->obs.drift_found, ROUTE_WITHDRAWN);
	assert_int_equal(sx->obs.drift_wanted, ROUTE_DRAINING);
	check_gshut(sx);

	/* the drain time is over: withdrawn */
	driver_set_desired(&sx->h, 0, ROUTE_WITHDRAWN, "drained (operator)");
	WAIT_APPLIED(sx, ROUTE_WITHDRAWN);
	run_loop_for(sx->loop, 0.4);
	assert_int_equal(sx->obs.actual, ROUTE_WITHDRAWN);
	assert_int_equal(sx->obs.n_drift, 1);
}

static void
case_socket_missing(struct sx *sx)
{
	router_stop(sx);
	unlink(sx->sock);
	open_driver(sx);
	driver_set_desired(&sx->h, 0, ROUTE_ANNOUNCED, "pptp UP");
	run_loop_for(sx->loop, 0.3);
	assert_int_equal(sx->obs.n_down, 1);
	assert_string_equal(sx->obs.why, "socket-missing");
	assert_false(driver_connected(&sx->h));
	sx->be->start(sx);
	WAIT_UNTIL(sx, ROUTER_WAIT(5), router_is(sx, ROUTE_ANNOUNCED) && driver_idle(&sx->h) &&
		   sx->obs.actual == ROUTE_ANNOUNCED);
	assert_int_equal(sx->obs.n_drift, 0);
}

static void
case_router_killed(struct sx *sx)
{
	/* killed: unknown at once, not the last read-back's announced */
	open_and_read(sx);
	announce(sx);
	router_stop(sx);
	WAIT_UNTIL(sx, ROUTER_WAIT(5), sx->obs.n_down == 1);
	assert_int_equal(sx->obs.actual, ROUTE_UNKNOWN);
	assert_false(driver_connected(&sx->h));
	/* back: read back and re-asserted where it was lost (bgpd) */
	sx->be->start(sx);
	WAIT_APPLIED(sx, ROUTE_ANNOUNCED);
}

/*
 * The session read against the real router: a BGP session whose peer is
 * not there is read back with the router's own state word, not
 * established, carrying nothing; a table comes after the read-back and
 * after an applied change; the router took every command (no "cannot
 * read" line).
 */
static void
case_sessions(struct sx *sx)
{
	const char *name = sx->be->add_session(sx);
	int n;

	assert_int_equal(driver_open(&sx->h, sx->loop, &sx->cfg, &obs_sessions_cb, &sx->obs), 0);
	WAIT_UNTIL(sx, ROUTER_WAIT(5), sx->obs.n_sessions >= 1 && sx->obs.sessions_n == 1);
	assert_string_equal(sx->obs.session0.name, name);
	assert_false(sx->obs.session0.established);
	assert_true(sx->obs.session0.state[0] != '\0');
	assert_string_not_equal(sx->obs.session0.state, "Established");
	assert_string_not_equal(sx->be->session_state(sx), "Established");
	assert_int_equal(sx->obs.n_prefixes, 1);
	assert_int_equal(sx->obs.advertised0, 0);
	/* the state word is the router's own (it may move between reads) */
	WAIT_UNTIL(sx, ROUTER_WAIT(5),
		   strcmp(sx->obs.session0.state, sx->be->session_state(sx)) == 0);
	n = sx->obs.n_sessions;
	announce(sx);
	WAIT_UNTIL(sx, ROUTER_WAIT(5), sx->obs.n_sessions > n);
	assert_int_equal(sx->obs.advertised0, 0);
	assert_false(sx->obs.session0.established);
	assert_int_equal(stderr_count(&sx->err, "cannot read the BGP sessions"), 0);
}

static const struct shared_case cases[] = {
	{ "unknown_changes_nothing", case_unknown },
	{ "announce", case_announce },
	{ "withdraw", case_withdraw },
	{ "router_restart", case_restart },
	{ "hand_change", case_hand },
	{ "degraded", case_degraded },
	{ "drain", case_drain },
	{ "socket_missing", case_socket_missing },
	{ "router_killed", case_router_killed },
	{ "sessions", case_sessions },
};
#define N_CASES	(sizeof(cases) / sizeof(cases[0]))

static void
shared_run(void **state)
{
	struct sx *sx = *state;

	if (sx->skip) {
		skip();
		return;
	}
	sx->c->run(sx);
}

int
main(void)
{
	static struct shared_test t[N_CASES * N_BACKENDS];
	static struct CMUnitTest tests[N_CASES * N_BACKENDS];
	size_t i, j, n = 0;

	for (i = 0; i < N_CASES; i++) {
		for (j = 0; j < N_BACKENDS; j++, n++) {
			t[n].c = &cases[i];
			t[n].be = &backends[j];
			snprintf(t[n].name, sizeof(t[n].name), "driver_shared_test_%s_%s",
				 cases[i].name, backends[j].name);
			tests[n].name = t[n].name;
			tests[n].test_func = shared_run;
			tests[n].setup_func = setup;
			tests[n].teardown_func = teardown;
			tests[n].initial_state = &t[n];
		}
	}
	return _cmocka_run_group_tests("driver_shared", tests, n, NULL, NULL);
}
