/*
 * test_driver_frr.c - the FRR driver on a real libev loop against an
 * in-process fake bgpd vty (a Unix socket server on the same loop).
 *
 * The fake keeps a set of `network` statements, answers the commands the
 * driver sends with bgpd 8.4.4's frames (protocols.md section 2), and can
 * misbehave on demand: wrong trailer, huge output, unknown status codes,
 * `% Unknown command`, silence, closing mid-reply, a restart that forgets
 * the run-time config.  Every case must end in a clear error, a reconnect
 * and no leak (run it under ASan).  The real bgpd is in test_driver_shared.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "driver.h"
#include "driver_frr.h"
#include "frr_vty.h"
#include "support/driver_fixture.h"

#define N_PREFIXES	2
#define MAX_LOG		256
#define ASN		65001

enum fake_mode {
	FAKE_NORMAL,
	FAKE_SILENT,		/* never answers */
	FAKE_BAD_TRAILER,	/* 00 01 00 00 after the text */
	FAKE_HUGE,		/* 2 MiB of output for a show */
	FAKE_ODD_STATUS,	/* status 200 for everything */
	FAKE_NO_ENABLE,		/* `% Unknown command: enable`, status 2 */
	FAKE_CLOSE_MID,		/* half a reply, then close */
	FAKE_REFUSE_NETWORK,	/* `% [BGP] Unknown command: network ...`, status 2 */
	FAKE_BAD_JSON,		/* show answers non-JSON with status 0 */
	FAKE_IGNORE_NETWORK,	/* `network P` answered status 0, P never shows */
	FAKE_ANSWER_CLOSE,	/* answers `enable` and one read-back, then closes */
	FAKE_BAD_NEIGHBORS,	/* `show bgp neighbors json` answers non-JSON */
	FAKE_BAD_ADVERTISED,	/* advertised-routes lists a key that is no prefix */
	FAKE_NO_NEIGHBOR,	/* advertised-routes: bgpd's "No such neighbor" */
};

/* A BGP neighbor: its state, the address families it has (FRR_SESSIONS_AF_*
 * bits: 1 ipv4, 2 ipv6), and whether its outbound route-map denies all. */
struct fake_nbr {
	char name[64];
	char state[16];
	unsigned afs;
	bool deny;
	unsigned long sent;	/* its sentPrefixCounter in ipv4Unicast */
};

struct fake_net {
	char prefix[64];
	char route_map[64];
	bool used;
	double ghost_until;	/* withdrawn, but `show` has it until then */
};

struct fake {
	struct ev_loop *loop;
	char path[100];
	int lfd, cfd;
	ev_io accept_io, client_io, write_io;
	char in[16384];
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	enum fake_mode mode;
	bool enabled;
	bool in_router;		/* `router bgp` accepted since `configure terminal` */
	bool split;		/* deliver output in 1-byte sends */
	struct fake_net nets[4];
	const char *gshut_maps;	/* "|A|B|": route-maps that add GRACEFUL_SHUTDOWN */
	double withdraw_lag;	/* bgpd's work queue: `no network` shows this late */
	double reply_delay;	/* a slow bgpd: each command answered this late */
	ev_timer reply_timer;
	char log[MAX_LOG][200];
	size_t n_log;
	int accepts;
	struct driver **driverp;	/* the driver under test, to read its backoff */
	uint32_t retry_at[64];		/* re-apply delay it had armed, at each `network` */
	uint32_t delay_at[64];		/* reconnect delay it had armed, at each accept */
	int answered;			/* commands answered on this connection */
	double show_delay;		/* hold read-back answers this long */
	bool delayed;			/* a read-back answer is queued */
	ev_timer delay_timer;
	double network_at[64];		/* when each `network` came */
	size_t n_networks;
	struct fake_nbr nbrs[8];
	size_t n_nbrs;
};

static void
fake_close_client(struct fake *f)
{
	ev_timer_stop(f->loop, &f->delay_timer);
	if (f->cfd == -1)
		return;
	ev_io_stop(f->loop, &f->client_io);
	ev_io_stop(f->loop, &f->write_io);
	ev_timer_stop(f->loop, &f->reply_timer);
	close(f->cfd);
	f->cfd = -1;
	f->in_len = 0;
	f->out_len = f->out_off = 0;
	f->enabled = false;
}

static void
fake_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fake *f = w->data;
	ssize_t n;
	size_t chunk;

	(void)loop;
	(void)revents;
	while (f->out_off < f->out_len) {
		chunk = f->split ? 1 : f->out_len - f->out_off;
		n = send(f->cfd, f->out + f->out_off, chunk, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			fake_close_client(f);
			return;
		}
		f->out_off += (size_t)n;
	}
	f->out_len = f->out_off = 0;
	ev_io_stop(f->loop, &f->write_io);
}

/* Queues bytes; the write watcher sends them, so a huge reply cannot block
 * the loop the driver runs on. */
static void
fake_out(struct fake *f, const void *buf, size_t len)
{
	if (f->cfd == -1 || len == 0)
		return;
	f->out = realloc(f->out, f->out_len + len);
	assert_non_null(f->out);
	memcpy(f->out + f->out_len, buf, len);
	f->out_len += len;
	ev_io_start(f->loop, &f->write_io);
}

static void
fake_reply(struct fake *f, const char *text, int status)
{
	unsigned char trailer[4] = { 0, 0, 0, (unsigned char)status };

	fake_out(f, text, strlen(text));
	if (f->mode == FAKE_BAD_TRAILER)
		trailer[1] = 1;
	fake_out(f, trailer, 4);
}

static struct fake_net *
fake_find(struct fake *f, const char *prefix)
{
	size_t i;

	for (i = 0; i < 4; i++)
		if (f->nets[i].used && strcmp(f->nets[i].prefix, prefix) == 0)
			return &f->nets[i];
	return NULL;
}

static void
fake_network(struct fake *f, const char *prefix, const char *route_map)
{
	struct fake_net *n = fake_find(f, prefix);
	size_t i;

	for (i = 0; n == NULL && i < 4; i++)
		if (!f->nets[i].used)
			n = &f->nets[i];
	assert_non_null(n);
	n->used = true;
	snprintf(n->prefix, sizeof(n->prefix), "%s", prefix);
	snprintf(n->route_map, sizeof(n->route_map), "%s", route_map ? route_map : "");
}

/* A withdrawn network bgpd's work queue has not got to yet. */
static struct fake_net *
fake_ghost(struct fake *f, const char *prefix)
{
	size_t i;

	for (i = 0; i < 4; i++)
		if (!f->nets[i].used && f->nets[i].ghost_until > ev_time() &&
		    strcmp(f->nets[i].prefix, prefix) == 0)
			return &f->nets[i];
	return NULL;
}

static void
fake_show(struct fake *f, const char *prefix)
{
	struct fake_net *n = fake_find(f, prefix) ? fake_find(f, prefix) : fake_ghost(f, prefix);
	char buf[1024], bar[70];
	bool gshut;

	if (f->mode == FAKE_HUGE) {
		size_t len = 2 * 1024 * 1024;
		char *big = malloc(len);

		assert_non_null(big);
		memset(big, ' ', len);
		fake_out(f, big, len);
		free(big);
		fake_reply(f, "", 0);
		return;
	}
	if (f->mode == FAKE_BAD_JSON) {
		fake_reply(f, "<html>\n", 0);
		return;
	}
	if (n == NULL) {
		fake_reply(f, "{\n}\n", 0);
		return;
	}
	snprintf(bar, sizeof(bar), "|%s|", n->route_map);
	gshut = n->route_map[0] && f->gshut_maps != NULL && strstr(f->gshut_maps, bar) != NULL;
	snprintf(buf, sizeof(buf),
		 "{\n  \"prefix\":\"%s\",\n  \"paths\":[\n    {\n      \"aspath\":{\n"
		 "        \"string\":\"%s\",\n        \"length\":%d\n      },\n"
		 "      \"valid\":true,\n      \"sourced\":true,\n      \"local\":true,\n%s"
		 "      \"origin\":\"IGP\"\n    }\n  ]\n}\n", prefix,
		 n->route_map[0] ? "65001 65001" : "Local", n->route_map[0] ? 2 : 0,
		 gshut ? "      \"community\":{\n        \"string\":\"graceful-shutdown\",\n"
			 "        \"list\":[\n          \"gracefulShutdown\"\n        ]\n"
			 "      },\n" : "");
	fake_reply(f, buf, 0);
}

static struct fake_nbr *
fake_nbr(struct fake *f, const char *name, const char *state, unsigned afs)
{
	struct fake_nbr *n = NULL;
	size_t i;

	for (i = 0; i < f->n_nbrs && n == NULL; i++)
		if (strcmp(f->nbrs[i].name, name) == 0)
			n = &f->nbrs[i];
	if (n == NULL) {
		assert_true(f->n_nbrs < 8);
		n = &f->nbrs[f->n_nbrs++];
		snprintf(n->name, sizeof(n->name), "%s", name);
	}
	snprintf(n->state, sizeof(n->state), "%s", state);
	n->afs = afs;
	return n;
}

/* `show bgp neighbors json`, as bgpd 8.4 writes it, cut to what matters. */
static void
fake_neighbors(struct fake *f)
{
	char buf[4096], v4[80];
	size_t i, len = 0;

	if (f->mode == FAKE_BAD_NEIGHBORS) {
		fake_reply(f, "% BGP instance not found\n", 0);
		return;
	}
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "{\n");
	for (i = 0; i < f->n_nbrs; i++) {
		snprintf(v4, sizeof(v4), "      \"ipv4Unicast\":{\n        \"sentPrefixCounter\":%lu\n"
			 "      }", f->nbrs[i].sent);
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
					"%s  \"%s\":{\n    \"remoteAs\":65000,\n"
					"    \"bgpState\":\"%s\",\n    \"addressFamilyInfo\":{\n"
					"%s%s%s    }\n  }", i ? ",\n" : "", f->nbrs[i].name,
					f->nbrs[i].state,
					f->nbrs[i].afs & 1 ? v4 : "",
					f->nbrs[i].afs == 3 ? ",\n" : "\n",
					f->nbrs[i].afs & 2 ? "      \"ipv6Unicast\":{\n      }\n" : "");
	}
	snprintf(buf + len, sizeof(buf) - len, "\n}\n");
	fake_reply(f, buf, 0);
}

/* `show bgp AFI unicast neighbors NAME advertised-routes json`: the
 * networks of that family, unless the neighbor is not Established or its
 * route-map denies them. */
static void
fake_advertised(struct fake *f, const char *afi, const char *name)
{
	const struct fake_nbr *n = NULL;
	unsigned af = strcmp(afi, "ipv6") == 0 ? 2 : 1;
	char buf[2048];
	size_t i, len = 0, count = 0;

	for (i = 0; i < f->n_nbrs; i++)
		if (strcmp(f->nbrs[i].name, name) == 0)
			n = &f->nbrs[i];
	if (f->mode == FAKE_NO_NEIGHBOR || n == NULL || !(n->afs & af)) {
		fake_reply(f, "{ \"warning\": \"No such neighbor or address family\" }\n", 1);
		return;
	}
	len += (size_t)snprintf(buf, sizeof(buf), "{\n  \"advertisedRoutes\":{\n");
	for (i = 0; i < 4; i++) {
		const struct fake_net *net = &f->nets[i];

		if (!net->used || n->deny || strcmp(n->state, "Established") != 0 ||
		    (strchr(net->prefix, ':') != NULL) != (af == 2))
			continue;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
					"%s    \"%s\":{\n      \"network\":\"%s\"\n    }",
					count++ ? ",\n" : "", net->prefix, net->prefix);
	}
	if (f->mode == FAKE_BAD_ADVERTISED)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s    \"default\":{}",
					count ? ",\n" : "");
	snprintf(buf + len, sizeof(buf) - len, "\n  },\n  \"totalPrefixCounter\":%zu\n}\n",
		 count);
	fake_reply(f, buf, 0);
}

static void
fake_command(struct fake *f, const char *cmd)
{
	char a[64], b[64], c[64], text[300];
	unsigned asn;

	if (f->n_log < MAX_LOG)
		snprintf(f->log[f->n_log++], sizeof(f->log[0]), "%s", cmd);
	switch (f->mode) {
	case FAKE_SILENT:
		return;
	case FAKE_ODD_STATUS:
		fake_reply(f, "", 200);
		return;
	case FAKE_CLOSE_MID:
		fake_out(f, "half a rep", 10);
		fake_write_cb(f->loop, &f->write_io, 0);
		fake_close_client(f);
		return;
	default:
		break;
	}
	if (strcmp(cmd, "enable") == 0) {
		if (f->mode == FAKE_NO_ENABLE) {
			fake_reply(f, "% Unknown command: enable\n", 2);
			return;
		}
		f->enabled = true;
		fake_reply(f, "", 0);
	} else if (strcmp(cmd, "show bgp neighbors json") == 0) {
		fake_neighbors(f);
	} else if (sscanf(cmd, "show bgp %63s unicast neighbors %63s advertised-routes json",
			  a, b) == 2) {
		fake_advertised(f, a, b);
	} else if (sscanf(cmd, "show bgp %63s unicast %63s json", a, b) == 2) {
		fake_show(f, b);
		f->delayed = f->show_delay > 0;
	} else if (!f->enabled) {
		snprintf(text, sizeof(text), "%% [BGP] Unknown command: %s\n", cmd);
		fake_reply(f, text, 2);
	} else if (strcmp(cmd, "configure terminal") == 0 || strcmp(cmd, "end") == 0) {
		f->in_router = false;
		fake_reply(f, "", 0);
	} else if (sscanf(cmd, "router bgp %u", &asn) == 1) {
		f->in_router = asn == ASN;
		if (asn == ASN)
			fake_reply(f, "", 0);
		else
			fake_reply(f, "BGP is already running; AS is 65001\n", 13);
	} else if (!f->in_router) {
		snprintf(text, sizeof(text), "%% [BGP] Unknown command: %s\n", cmd);
		fake_reply(f, text, 2);
	} else if (strcmp(cmd, "address-family ipv4 unicast") == 0 ||
		   strcmp(cmd, "address-family ipv6 unicast") == 0 ||
		   strcmp(cmd, "exit-address-family") == 0) {
		fake_reply(f, "", 0);
	} else if (sscanf(cmd, "no network %63s", a) == 1) {
		struct fake_net *n = fake_find(f, a);

		if (n == NULL) {
			fake_reply(f, "% Can't find static route specified\n", 13);
			return;
		}
		n->used = false;
		n->ghost_until = ev_time() + f->withdraw_lag;
		fake_reply(f, "", 0);
	} else if (strncmp(cmd, "network ", 8) == 0 && f->mode == FAKE_IGNORE_NETWORK) {
		if (f->n_networks < 64 && f->driverp != NULL && *f->driverp != NULL)
		{
			f->network_at[f->n_networks] = ev_time();
			f->retry_at[f->n_networks++] = driver_frr_retry_delay_ms(*f->driverp);
		}
		fake_reply(f, "", 0);
	} else if (strncmp(cmd, "network ", 8) == 0 && f->mode == FAKE_REFUSE_NETWORK) {
		snprintf(text, sizeof(text), "%% [BGP] Unknown command: %s\n", cmd);
		fake_reply(f, text, 2);
	} else if (sscanf(cmd, "network %63s route-map %63s", a, c) == 2) {
		fake_network(f, a, c);
		fake_reply(f, "", 0);
	} else if (sscanf(cmd, "network %63s", a) == 1) {
		fake_network(f, a, NULL);
		fake_reply(f, "", 0);
	} else {
		snprintf(text, sizeof(text), "%% [BGP] Unknown command: %s\n", cmd);
		fake_reply(f, text, 2);
	}
}

/* Runs the first complete command in the input; false when there is none. */
static bool
fake_next_command(struct fake *f)
{
	char *nul = f->cfd == -1 ? NULL : memchr(f->in, '\0', f->in_len);
	size_t used;

	if (nul == NULL)
		return false;
	used = (size_t)(nul + 1 - f->in);
	fake_command(f, f->in);
	/* enable and the read-back of both prefixes */
	if (f->mode == FAKE_ANSWER_CLOSE && ++f->answered == 1 + N_PREFIXES) {
		fake_write_cb(f->loop, &f->write_io, 0);
		fake_close_client(f);
	}
	if (f->cfd == -1)
		return false;
	f->in_len -= used;
	memmove(f->in, f->in + used, f->in_len);
	return true;
}

/* A slow bgpd: one command answered every reply_delay seconds. */
static void
fake_reply_delay_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fake *f = w->data;

	(void)revents;
	if (fake_next_command(f) && memchr(f->in, '\0', f->in_len) != NULL) {
		ev_timer_set(w, f->reply_delay, 0.);
		ev_timer_start(loop, w);
	}
}

static void
fake_client_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fake *f = w->data;
	ssize_t n;

	(void)revents;
	n = read(f->cfd, f->in + f->in_len, sizeof(f->in) - f->in_len);
	if (n <= 0) {
		fake_close_client(f);
		return;
	}
	f->in_len += (size_t)n;
	if (f->reply_delay > 0) {
		if (!ev_is_active(&f->reply_timer)) {
			ev_timer_set(&f->reply_timer, f->reply_delay, 0.);
			ev_timer_start(loop, &f->reply_timer);
		}
		return;
	}
	while (fake_next_command(f))
		;
	if (f->delayed) {
		/* a busy bgpd: the answer comes show_delay later */
		f->delayed = false;
		ev_io_stop(f->loop, &f->write_io);
		ev_timer_set(&f->delay_timer, f->show_delay, 0.);
		ev_timer_start(f->loop, &f->delay_timer);
	}
}

static void
fake_delay_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fake *f = w->data;

	(void)revents;
	if (f->cfd != -1)
		ev_io_start(loop, &f->write_io);
}

static void
fake_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fake *f = w->data;
	int fd;

	(void)revents;
	fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd == -1)
		return;
	fake_close_client(f);
	f->cfd = fd;
	if (f->accepts < 64 && f->driverp != NULL && *f->driverp != NULL)
		f->delay_at[f->accepts] = driver_frr_reconnect_delay_ms(*f->driverp);
	f->accepts++;
	f->answered = 0;
	ev_io_init(&f->client_io, fake_client_cb, fd, EV_READ);
	ev_io_init(&f->write_io, fake_write_cb, fd, EV_WRITE);
	ev_timer_init(&f->reply_timer, fake_reply_delay_cb, 0., 0.);
	f->client_io.data = f->write_io.data = f->reply_timer.data = f;
	ev_io_start(loop, &f->client_io);
}

static void
fake_listen(struct fake *f)
{
	f->lfd = serve_unix(f->loop, &f->accept_io, f->path, fake_accept_cb, f);
}

static void
fake_stop(struct fake *f)
{
	fake_close_client(f);
	stop_serving(f->loop, &f->accept_io, &f->lfd);
	free(f->out);
	f->out = NULL;
}

static size_t
fake_count(const struct fake *f, const char *cmd)
{
	size_t i, n = 0;

	for (i = 0; i < f->n_log; i++)
		n += strcmp(f->log[i], cmd) == 0;
	return n;
}

/* The last command of the last apply batch (the one before `end`; the
 * read-back that confirms it may follow). */
static const char *
fake_network_cmd(const struct fake *f)
{
	size_t i;

	for (i = f->n_log; i >= 2; i--)
		if (strcmp(f->log[i - 1], "end") == 0)
			return f->log[i - 2];
	return "";
}

/* ---- fixture ---- */

struct fixture {
	char dir[64];
	struct captured_stderr err;
	struct ev_loop *loop;
	ev_timer poll;
	struct config cfg;
	struct prefix_config prefixes[N_PREFIXES];
	struct fake fake;
	struct driver_obs obs;
	struct driver_handle h;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	make_temp_dir(fx->dir, sizeof(fx->dir), "test_driver_frr");
	fx->loop = fixture_loop_new(&fx->poll, 0.005);

	fx->prefixes[0].prefix = (char *)(uintptr_t)"192.0.2.1/32";
	fx->prefixes[0].family = AF_INET;
	fx->prefixes[1].prefix = (char *)(uintptr_t)"2001:db8::1/128";
	fx->prefixes[1].family = AF_INET6;
	fx->cfg.prefixes = fx->prefixes;
	fx->cfg.n_prefixes = N_PREFIXES;
	fx->cfg.router.kind = ROUTER_KIND_FRR;
	fx->cfg.router.frr_asn = ASN;
	fx->cfg.router.frr_degraded_route_map = (char *)(uintptr_t)"ANYCAST-DEGRADED";
	fx->cfg.router.command_timeout_ms = 300;
	fx->cfg.router.readback_interval_ms = 60000;
	fx->cfg.router.reconnect_min_ms = 20;
	fx->cfg.router.reconnect_max_ms = 160;

	fx->fake.loop = fx->loop;
	fx->fake.lfd = fx->fake.cfd = -1;
	ev_timer_init(&fx->fake.delay_timer, fake_delay_cb, 0., 0.);
	fx->fake.delay_timer.data = &fx->fake;
	fx->fake.gshut_maps = "|ANYCAST-DRAIN|";
	snprintf(fx->fake.path, sizeof(fx->fake.path), "%s/bgpd.vty", fx->dir);
	fx->cfg.router.control_socket = fx->fake.path;

	/* Log lines are part of the contract: collect stderr per test. */
	capture_stderr(&fx->err, fx->dir);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	driver_close(&fx->h);
	fake_stop(&fx->fake);
	fixture_loop_destroy(fx->loop, &fx->poll);
	release_stderr(&fx->err);
	remove_temp_dir(fx->dir);
	free(fx);
	return 0;
}

static void
open_driver(struct fixture *fx)
{
	assert_int_equal(driver_open(&fx->h, fx->loop, &fx->cfg, &driver_obs_cb, &fx->obs), 0);
}

static void
start_normal(struct fixture *fx)
{
	fake_listen(&fx->fake);
	open_driver(fx);
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[1] >= 1);
}

/* ---- cases ---- */

static void
driver_frr_test_connect_readback(void **state)
{
	struct fixture *fx = *state;

	fx->fake.split = true;
	fake_network(&fx->fake, "192.0.2.1/32", NULL);
	fake_listen(&fx->fake);
	open_driver(fx);
	assert_false(driver_connected(&fx->h));
	assert_int_equal(fx->obs.n_up, 0);	/* nothing runs before the loop does */
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[1] == 1);
	assert_true(driver_connected(&fx->h));
	assert_true(driver_idle(&fx->h));
	assert_int_equal(fx->obs.n_up, 1);
	assert_string_equal(fx->obs.whys[0], "connected");
	assert_int_equal(fx->obs.actual[0], ROUTE_ANNOUNCED);
	assert_int_equal(fx->obs.actual[1], ROUTE_WITHDRAWN);
	assert_int_equal(fx->fake.n_log, 3);
	assert_string_equal(fx->fake.log[0], "enable");
	assert_string_equal(fx->fake.log[1], "show bgp ipv4 unicast 192.0.2.1/32 json");
	assert_string_equal(fx->fake.log[2], "show bgp ipv6 unicast 2001:db8::1/128 json");
	assert_int_equal(stderr_count(&fx->err, "frr: connected to"), 1);
	assert_string_equal(fx->h.ops->name, "frr");
}

static void
driver_frr_test_unknown_changes_nothing(void **state)
{
	struct fixture *fx = *state;

	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_UNKNOWN, "starting");
	driver_set_desired(&fx->h, 1, ROUTE_UNKNOWN, NULL);
	run_loop_for(fx->loop, 0.1);
	assert_int_equal(fx->fake.n_log, 3);
	assert_true(driver_idle(&fx->h));
}

static void
driver_frr_test_apply(void **state)
{
	struct fixture *fx = *state;
	size_t base;

	start_normal(fx);
	base = fx->fake.n_log;
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "pptp UP");
	assert_false(driver_idle(&fx->h));
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	/* the batch, then the read-back that confirms it */
	assert_int_equal(fx->fake.n_log, base + 7);
	assert_string_equal(fx->fake.log[base + 0], "configure terminal");
	assert_string_equal(fx->fake.log[base + 1], "router bgp 65001");
	assert_string_equal(fx->fake.log[base + 2], "address-family ipv4 unicast");
	assert_string_equal(fx->fake.log[base + 3], "network 192.0.2.1/32");
	assert_string_equal(fx->fake.log[base + 4], "end");
	assert_string_equal(fx->fake.log[base + 5], "show bgp ipv4 unicast 192.0.2.1/32 json");
	assert_string_equal(fx->fake.log[base + 6], "show bgp ipv6 unicast 2001:db8::1/128 json");
	assert_non_null(fake_find(&fx->fake, "192.0.2.1/32"));
	assert_int_equal(stderr_count(&fx->err, "192.0.2.1/32: announced in bgpd"), 1);

	/* degraded: the same statement with the route-map */
	driver_set_desired(&fx->h, 1, ROUTE_DEGRADED, "capacity DEGRADED");
	WAIT_UNTIL(fx, 2, fx->obs.actual[1] == ROUTE_DEGRADED && driver_idle(&fx->h));
	assert_string_equal(fx->fake.log[base + 9], "address-family ipv6 unicast");
	assert_string_equal(fx->fake.log[base + 10],
			    "network 2001:db8::1/128 route-map ANYCAST-DEGRADED");
	/* back to normal replaces it */
	driver_set_desired(&fx->h, 1, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[1] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	assert_string_equal(fake_network_cmd(&fx->fake), "network 2001:db8::1/128");

	/* withdraw */
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, "pptp DOWN");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_WITHDRAWN && driver_idle(&fx->h));
	assert_string_equal(fake_network_cmd(&fx->fake), "no network 192.0.2.1/32");
	assert_null(fake_find(&fx->fake, "192.0.2.1/32"));
	/* the same again: nothing sent */
	base = fx->fake.n_log;
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, "pptp DOWN");
	run_loop_for(fx->loop, 0.05);
	assert_int_equal(fx->fake.n_log, base);
	assert_int_equal(fx->obs.n_drift, 0);
	assert_int_equal(fx->obs.n_down, 0);

	/* a read-back now agrees: degraded is recognised by what we configured */
	driver_set_desired(&fx->h, 1, ROUTE_DEGRADED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[1] == ROUTE_DEGRADED && driver_idle(&fx->h));
	driver_reconfigure(&fx->h, &fx->cfg);
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, NULL);
	driver_set_desired(&fx->h, 1, ROUTE_DEGRADED, NULL);
	base = fx->fake.n_log;
	WAIT_UNTIL(fx, 2, driver_idle(&fx->h) && fx->fake.n_log > base);
	assert_int_equal(fx->fake.n_log, base + 2);	/* the read-back only */
	assert_int_equal(fx->obs.actual[1], ROUTE_DEGRADED);
	driver_set_desired(&fx->h, 7, ROUTE_WITHDRAWN, NULL);	/* out of range: ignored */
	assert_int_equal(stderr_count(&fx->err, "frr: set_desired for prefix 7 of 2"), 1);
}

static void
driver_frr_test_no_route_map(void **state)
{
	struct fixture *fx = *state;

	fx->cfg.router.frr_degraded_route_map = NULL;
	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_DEGRADED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED);
	assert_string_equal(fx->fake.log[fx->fake.n_log - 2], "network 192.0.2.1/32");
	driver_close(&fx->h);

	/* a route-map name bgpd would split is not used */
	fx->cfg.router.frr_degraded_route_map = (char *)(uintptr_t)"A B";
	open_driver(fx);
	assert_int_equal(stderr_count(&fx->err, "frr: degraded route-map \"A B\" is not a plain name"), 1);
}

static void
driver_frr_test_drift(void **state)
{
	struct fixture *fx = *state;
	struct fake_net *n;

	fx->cfg.router.readback_interval_ms = 50;
	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED);
	/* `no network` by hand */
	n = fake_find(&fx->fake, "192.0.2.1/32");
	n->used = false;
	WAIT_UNTIL(fx, 2, fake_count(&fx->fake, "network 192.0.2.1/32") == 2);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED);
	assert_non_null(fake_find(&fx->fake, "192.0.2.1/32"));
	assert_int_equal(fx->obs.n_drift, 1);
	assert_int_equal(fx->obs.drift_found, ROUTE_WITHDRAWN);
	assert_int_equal(fx->obs.drift_wanted, ROUTE_ANNOUNCED);
	assert_int_equal(stderr_count(&fx->err, "192.0.2.1/32: bgpd has it withdrawn, want announced: "
				      "re-asserting"), 1);
	run_loop_for(fx->loop, 0.2);
	assert_int_equal(fake_count(&fx->fake, "network 192.0.2.1/32"), 2);
	assert_int_equal(fx->obs.n_drift, 1);

	/* a route-map added by hand while we want it plain */
	fake_network(&fx->fake, "192.0.2.1/32", "X");
	driver_set_desired(&fx->h, 1, ROUTE_WITHDRAWN, NULL);
	run_loop_for(fx->loop, 0.2);
	/* what we configured decides: not seen as drift (docs/frr.md) */
	assert_int_equal(fx->obs.n_drift, 1);
}


static void
driver_frr_test_drain(void **state)
{
	struct fixture *fx = *state;

	fx->cfg.router.frr_drain_route_map = (char *)(uintptr_t)"ANYCAST-DRAIN";
	fx->cfg.router.readback_interval_ms = 50;
	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "pptp UP");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));

	/* announced -> draining: the statement with the drain route-map (an
	 * update upstream, with GRACEFUL_SHUTDOWN) */
	driver_set_desired(&fx->h, 0, ROUTE_DRAINING, "draining (operator)");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_DRAINING && driver_idle(&fx->h));
	assert_string_equal(fake_network_cmd(&fx->fake), "network 192.0.2.1/32 route-map ANYCAST-DRAIN");
	assert_int_equal(fake_count(&fx->fake, "no network 192.0.2.1/32"), 0);
	assert_int_equal(stderr_count(&fx->err, "192.0.2.1/32: draining in bgpd"), 1);
	/* read-backs agree: the path carries GRACEFUL_SHUTDOWN */
	run_loop_for(fx->loop, 0.2);
	assert_int_equal(fx->obs.actual[0], ROUTE_DRAINING);
	assert_int_equal(fx->obs.n_drift, 0);

	/* draining -> withdrawn (the drain time is over) */
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, "drained (operator)");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_WITHDRAWN && driver_idle(&fx->h));
	assert_string_equal(fake_network_cmd(&fx->fake), "no network 192.0.2.1/32");

	/* withdrawn -> draining, draining -> announced (resume) */
	driver_set_desired(&fx->h, 0, ROUTE_DRAINING, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_DRAINING && driver_idle(&fx->h));
	assert_string_equal(fake_network_cmd(&fx->fake), "network 192.0.2.1/32 route-map ANYCAST-DRAIN");
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	assert_string_equal(fake_network_cmd(&fx->fake), "network 192.0.2.1/32");

	/* degraded -> draining replaces one route-map with the other */
	driver_set_desired(&fx->h, 1, ROUTE_DEGRADED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[1] == ROUTE_DEGRADED && driver_idle(&fx->h));
	driver_set_desired(&fx->h, 1, ROUTE_DRAINING, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[1] == ROUTE_DRAINING && driver_idle(&fx->h));
	assert_string_equal(fake_network_cmd(&fx->fake),
			    "network 2001:db8::1/128 route-map ANYCAST-DRAIN");
	run_loop_for(fx->loop, 0.2);
	assert_int_equal(fx->obs.actual[1], ROUTE_DRAINING);
	assert_int_equal(fx->obs.n_drift, 0);
	assert_int_equal(stderr_count(&fx->err, "GRACEFUL_SHUTDOWN"), 0);
}

static void
driver_frr_test_drain_readback(void **state)
{
	struct fixture *fx = *state;

	/* after a (re)connect the community tells draining from announced */
	fx->cfg.router.frr_drain_route_map = (char *)(uintptr_t)"ANYCAST-DRAIN";
	fx->cfg.router.readback_interval_ms = 50;
	fake_network(&fx->fake, "192.0.2.1/32", "ANYCAST-DRAIN");
	fake_network(&fx->fake, "2001:db8::1/128", "ANYCAST-DEGRADED");
	start_normal(fx);
	assert_int_equal(fx->obs.actual[0], ROUTE_DRAINING);
	assert_int_equal(fx->obs.actual[1], ROUTE_DEGRADED);

	/* wanting announced, a drained path is drift (and the other way) */
	driver_set_desired(&fx->h, 0, ROUTE_DRAINING, NULL);
	driver_set_desired(&fx->h, 1, ROUTE_DEGRADED, NULL);
	run_loop_for(fx->loop, 0.1);
	assert_int_equal(fake_count(&fx->fake, "end"), 0);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	fake_network(&fx->fake, "192.0.2.1/32", "ANYCAST-DRAIN");	/* by hand */
	WAIT_UNTIL(fx, 2, fx->obs.n_drift == 1);
	assert_int_equal(fx->obs.drift_found, ROUTE_DRAINING);
	assert_int_equal(fx->obs.drift_wanted, ROUTE_ANNOUNCED);
	assert_int_equal(stderr_count(&fx->err, "192.0.2.1/32: bgpd has it draining, want announced: "
				      "re-asserting"), 1);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	assert_string_equal(fake_find(&fx->fake, "192.0.2.1/32")->route_map, "");

	/* draining wanted, the route-map dropped by hand: re-asserted */
	driver_set_desired(&fx->h, 0, ROUTE_DRAINING, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_DRAINING && driver_idle(&fx->h));
	fake_network(&fx->fake, "192.0.2.1/32", NULL);
	WAIT_UNTIL(fx, 2, fx->obs.n_drift == 2);
	assert_int_equal(fx->obs.drift_found, ROUTE_ANNOUNCED);
	assert_int_equal(fx->obs.drift_wanted, ROUTE_DRAINING);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_DRAINING && driver_idle(&fx->h) &&
		   strcmp(fake_find(&fx->fake, "192.0.2.1/32")->route_map, "ANYCAST-DRAIN") == 0);
	/* what was found is said: a plain line, not a route-map lacking the community */
	assert_int_equal(stderr_count(&fx->err, "192.0.2.1/32: bgpd announces it from a `network` line "
				      "without route-map ANYCAST-DRAIN (no GRACEFUL_SHUTDOWN, "
				      "no prepends)"), 1);
	assert_int_equal(stderr_count(&fx->err, "GRACEFUL_SHUTDOWN:"), 0);

	/* a degraded route-map may add GRACEFUL_SHUTDOWN too: found after a
	 * reconnect it looks drained, so it is configured once more; from
	 * then on what we configured decides */
	fx->fake.gshut_maps = "|ANYCAST-DRAIN|ANYCAST-DEGRADED|";
	WAIT_UNTIL(fx, 2, fx->obs.n_drift == 3);
	assert_int_equal(fx->obs.drift_found, ROUTE_DRAINING);
	assert_int_equal(fx->obs.drift_wanted, ROUTE_DEGRADED);
	WAIT_UNTIL(fx, 2, fx->obs.actual[1] == ROUTE_DEGRADED && driver_idle(&fx->h));
	run_loop_for(fx->loop, 0.2);
	assert_int_equal(fx->obs.actual[1], ROUTE_DEGRADED);
	assert_int_equal(fx->obs.n_drift, 3);
	assert_int_equal(fake_count(&fx->fake,
				    "network 2001:db8::1/128 route-map ANYCAST-DEGRADED"), 1);
}

static void
driver_frr_test_drain_no_gshut(void **state)
{
	struct fixture *fx = *state;

	/* a drain route-map that forgets the community: not draining, said
	 * once, re-asserted at every read-back */
	fx->cfg.router.frr_drain_route_map = (char *)(uintptr_t)"ANYCAST-DRAIN";
	fx->cfg.router.readback_interval_ms = 50;
	fx->fake.gshut_maps = "";
	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_DRAINING, NULL);
	WAIT_UNTIL(fx, 2, fake_count(&fx->fake, "network 192.0.2.1/32 route-map ANYCAST-DRAIN") >= 3);
	assert_int_equal(stderr_count(&fx->err, "192.0.2.1/32: bgpd announces it without GRACEFUL_SHUTDOWN: "
				      "does route-map ANYCAST-DRAIN `set community graceful-shutdown "
				      "additive`? see docs/frr.md"), 1);
	assert_int_equal(fx->obs.n_drift, 1);
	assert_int_equal(fx->obs.drift_found, ROUTE_ANNOUNCED);
	/* fixed: quiet again */
	fx->fake.gshut_maps = "|ANYCAST-DRAIN|";
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_DRAINING && driver_idle(&fx->h));
	run_loop_for(fx->loop, 0.2);
	assert_int_equal(fx->obs.actual[0], ROUTE_DRAINING);
	assert_int_equal(fx->obs.n_drift, 1);
}

static void
driver_frr_test_drain_no_route_map(void **state)
{
	struct fixture *fx = *state;

	/* no drain route-map: draining is applied as withdrawn, said once */
	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	driver_set_desired(&fx->h, 0, ROUTE_DRAINING, "drain");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_WITHDRAWN && driver_idle(&fx->h));
	assert_string_equal(fake_network_cmd(&fx->fake), "no network 192.0.2.1/32");
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	driver_set_desired(&fx->h, 0, ROUTE_DRAINING, NULL);
	WAIT_UNTIL(fx, 2, driver_idle(&fx->h));
	assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);
	assert_int_equal(stderr_count(&fx->err, "192.0.2.1/32: no drain route-map: withdrawn instead of "
				      "draining; see docs/frr.md"), 1);
	assert_int_equal(fx->obs.n_drift, 0);
	driver_close(&fx->h);

	/* a name bgpd would split is not used: the same */
	fx->cfg.router.frr_drain_route_map = (char *)(uintptr_t)"A B";
	open_driver(fx);
	assert_int_equal(stderr_count(&fx->err, "frr: drain route-map \"A B\" is not a plain name: "
				      "draining prefixes are withdrawn"), 1);
	WAIT_UNTIL(fx, 2, driver_connected(&fx->h));
	driver_set_desired(&fx->h, 1, ROUTE_DRAINING, NULL);
	run_loop_for(fx->loop, 0.1);
	assert_int_equal(fake_count(&fx->fake, "network 2001:db8::1/128 route-map A B"), 0);
	assert_int_equal(fx->obs.actual[1], ROUTE_WITHDRAWN);
}

static void
driver_frr_test_settle(void **state)
{
	struct fixture *fx = *state;
	size_t i;

	/* bgpd shows a withdrawn path ~50 ms longer (its work queue): a
	 * read-back in that window is not drift, it is looked at again */
	fx->fake.withdraw_lag = 0.15;
	fx->cfg.router.frr_drain_route_map = (char *)(uintptr_t)"ANYCAST-DRAIN";
	fx->cfg.router.readback_interval_ms = 20;
	start_normal(fx);
	for (i = 0; i < 3; i++) {
		driver_set_desired(&fx->h, 0, i == 1 ? ROUTE_ANNOUNCED : ROUTE_DRAINING, NULL);
		WAIT_UNTIL(fx, 2, fx->obs.actual[0] != ROUTE_WITHDRAWN && driver_idle(&fx->h));
		driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, "drained");
		WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_WITHDRAWN && driver_idle(&fx->h));
		run_loop_for(fx->loop, 0.1);
		/* still shown by bgpd, still reported as we applied it */
		assert_non_null(fake_ghost(&fx->fake, "192.0.2.1/32"));
		assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);
		run_loop_for(fx->loop, 0.6);
		assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);
	}
	assert_int_equal(fake_count(&fx->fake, "no network 192.0.2.1/32"), 3);
	assert_int_equal(fx->obs.n_drift, 0);
	assert_int_equal(stderr_count(&fx->err, "re-asserting"), 0);

	/* a real change by hand right after an apply is still caught, once
	 * the settle time is over */
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	fake_find(&fx->fake, "192.0.2.1/32")->used = false;
	WAIT_UNTIL(fx, 2, fx->obs.n_drift == 1);
	assert_int_equal(fx->obs.drift_found, ROUTE_WITHDRAWN);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h) &&
		   fake_find(&fx->fake, "192.0.2.1/32") != NULL);
}

static void
driver_frr_test_slow_bgpd(void **state)
{
	struct fixture *fx = *state;

	/* Each command answered 0.25 s late with a 0.4 s timeout: a read-back
	 * (2 commands) and an apply (5) take longer than one timeout, but no
	 * command does, so nothing is dropped. */
	fx->cfg.router.command_timeout_ms = 400;
	fx->fake.reply_delay = 0.25;
	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "pptp UP");
	WAIT_UNTIL(fx, 10, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	assert_non_null(fake_find(&fx->fake, "192.0.2.1/32"));
	assert_int_equal(fx->obs.n_down, 0);
	assert_int_equal(fx->fake.accepts, 1);
	assert_int_equal(stderr_count(&fx->err, "timeout"), 0);

	/* a bgpd that stops answering is still timed out */
	fx->fake.mode = FAKE_SILENT;
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, "pptp DOWN");
	WAIT_UNTIL(fx, 10, fx->obs.n_down == 1);
	assert_string_equal(fx->obs.whys[1], "timeout");
}

/* The fake's commands from `from` on, joined with '|'. */
static const char *
fake_since(const struct fake *f, size_t from)
{
	static char buf[2048];
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = from; i < f->n_log && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? "|" : "",
					f->log[i]);
	return buf;
}

/* Wishes of one loop iteration: one vty transaction with every network
 * line, an address-family per family, then one read-back. */
static void
driver_frr_test_batch(void **state)
{
	struct fixture *fx = *state;
	unsigned t0;
	size_t base;

	start_normal(fx);
	base = fx->fake.n_log;
	t0 = driver_frr_transactions(fx->h.d);
	driver_set_desired(&fx->h, 1, ROUTE_ANNOUNCED, "pptp UP");
	driver_set_desired(&fx->h, 0, ROUTE_DEGRADED, "capacity DEGRADED");
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "capacity UP");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED &&
		   fx->obs.actual[1] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	assert_int_equal(driver_frr_transactions(fx->h.d) - t0, 1);
	assert_int_equal(fake_count(&fx->fake, "configure terminal"), 1);
	assert_string_equal(fake_since(&fx->fake, base),
			    "configure terminal|router bgp 65001|address-family ipv4 unicast|"
			    "network 192.0.2.1/32|exit-address-family|"
			    "address-family ipv6 unicast|network 2001:db8::1/128|end|"
			    "show bgp ipv4 unicast 192.0.2.1/32 json|"
			    "show bgp ipv6 unicast 2001:db8::1/128 json");
	assert_int_equal(stderr_count(&fx->err, "192.0.2.1/32: announced in bgpd"), 1);
	assert_int_equal(stderr_count(&fx->err, "2001:db8::1/128: announced in bgpd"), 1);

	/* one family only: no exit-address-family */
	base = fx->fake.n_log;
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_WITHDRAWN && driver_idle(&fx->h));
	assert_string_equal(fake_since(&fx->fake, base),
			    "configure terminal|router bgp 65001|address-family ipv4 unicast|"
			    "no network 192.0.2.1/32|end|"
			    "show bgp ipv4 unicast 192.0.2.1/32 json|"
			    "show bgp ipv6 unicast 2001:db8::1/128 json");

	/* `router bgp` refused: every line of the batch fails for it, each
	 * prefix says so once, naming the command that failed */
	driver_close(&fx->h);
	fx->cfg.router.frr_asn = 65099;
	open_driver(fx);
	WAIT_UNTIL(fx, 2, driver_connected(&fx->h) && driver_idle(&fx->h));
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	driver_set_desired(&fx->h, 1, ROUTE_WITHDRAWN, NULL);
	WAIT_UNTIL(fx, 2, fake_count(&fx->fake, "end") == 3 && driver_idle(&fx->h));
	assert_int_equal(stderr_count(&fx->err, "192.0.2.1/32: bgpd refused `router bgp 65099`: "
				      "status-13 (warning-config-failed): BGP is already running; "
				      "AS is 65001\n"), 1);
	assert_int_equal(stderr_count(&fx->err, "2001:db8::1/128: bgpd refused `router bgp 65099`: "
				      "status-13"), 1);
	assert_true(driver_connected(&fx->h));
}

static void
driver_frr_test_refused(void **state)
{
	struct fixture *fx = *state;

	fx->fake.mode = FAKE_REFUSE_NETWORK;
	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fake_count(&fx->fake, "end") == 1 && driver_idle(&fx->h));
	assert_int_equal(stderr_count(&fx->err, "192.0.2.1/32: bgpd refused `network 192.0.2.1/32`: "
				      "status-2 (no-match): % [BGP] Unknown command: "
				      "network 192.0.2.1/32\n"), 1);
	assert_int_equal(fx->obs.actual[0], ROUTE_WITHDRAWN);
	assert_true(driver_connected(&fx->h));
	assert_int_equal(fx->obs.n_down, 0);

	/* the wrong AS: bgpd's own words */
	fx->fake.mode = FAKE_NORMAL;
	driver_close(&fx->h);
	fx->cfg.router.frr_asn = 65099;
	open_driver(fx);
	WAIT_UNTIL(fx, 2, fx->obs.n_actual[1] >= 2);
	driver_set_desired(&fx->h, 1, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fake_count(&fx->fake, "end") == 2 && driver_idle(&fx->h));
	assert_int_equal(stderr_count(&fx->err, "2001:db8::1/128: bgpd refused `router bgp 65099`: "
				      "status-13 (warning-config-failed): BGP is already running; "
				      "AS is 65001\n"), 1);
	/* retried by the next read-back, logged once */
	driver_close(&fx->h);
	fx->cfg.router.readback_interval_ms = 30;
	open_driver(fx);
	driver_set_desired(&fx->h, 1, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fake_count(&fx->fake, "end") >= 5);
	assert_int_equal(stderr_count(&fx->err, "bgpd refused `router bgp 65099`"), 2);
}

static void
driver_frr_test_accepted_not_shown(void **state)
{
	struct fixture *fx = *state;
	static const uint32_t want[] = { 0, 0, 20, 40, 80, 160 };
	size_t i;

	/* bgpd takes `network P` (import-check, P not in the RIB) but never
	 * shows it: re-applied through the backoff, said once */
	fx->cfg.router.readback_interval_ms = 20;
	fx->fake.driverp = &fx->h.d;
	start_normal(fx);
	fx->fake.mode = FAKE_IGNORE_NETWORK;
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 10, fx->fake.n_networks >= 6);
	/* armed, and really waited: bgpd's settle time plus the backoff (a
	 * loaded machine waits longer, never less) */
	for (i = 0; i < 6; i++) {
		assert_int_equal(fx->fake.retry_at[i], want[i]);
		if (i > 0)
			assert_true(fx->fake.network_at[i] - fx->fake.network_at[i - 1] >=
				    0.5 + want[i] / 1000.0 - 0.002);
	}
	/* the first disagreement could be a hand: drift, once; then what it is */
	assert_int_equal(fx->obs.n_drift, 1);
	assert_int_equal(stderr_count(&fx->err, "192.0.2.1/32: bgpd accepted `network 192.0.2.1/32` "
				      "but it still reads back withdrawn, want announced; "
				      "retrying in 20 ms"), 1);
	assert_int_equal(stderr_count(&fx->err, "bgpd accepted"), 1);
	assert_int_equal(stderr_count(&fx->err, "refused"), 0);

	/* bgpd shows it again: the episode ends, said once */
	fx->fake.mode = FAKE_NORMAL;
	WAIT_UNTIL(fx, 3, fake_find(&fx->fake, "192.0.2.1/32") != NULL);
	WAIT_UNTIL(fx, 3, stderr_count(&fx->err, "192.0.2.1/32: bgpd reads back announced now") == 1);
	assert_int_equal(fx->obs.actual[0], ROUTE_ANNOUNCED);
}

static void
driver_frr_test_hand_after_repair(void **state)
{
	struct fixture *fx = *state;

	/* A hand `no network` right after a repair, long before the next
	 * periodic read-back: the read-back that follows the repair confirmed
	 * it, so this is drift again (counted, re-asserted at once), not bgpd
	 * failing to show what it accepted. */
	fx->cfg.router.readback_interval_ms = 1000;
	fx->fake.driverp = &fx->h.d;
	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 3, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	fake_find(&fx->fake, "192.0.2.1/32")->used = false;	/* by hand */
	WAIT_UNTIL(fx, 5, fake_count(&fx->fake, "network 192.0.2.1/32") == 2 &&
		   driver_idle(&fx->h));
	assert_int_equal(fx->obs.n_drift, 1);
	fake_find(&fx->fake, "192.0.2.1/32")->used = false;	/* by hand, again */
	WAIT_UNTIL(fx, 5, fake_count(&fx->fake, "network 192.0.2.1/32") == 3);
	assert_int_equal(fx->obs.n_drift, 2);
	assert_int_equal(fx->obs.drift_found, ROUTE_WITHDRAWN);
	assert_int_equal(stderr_count(&fx->err, "192.0.2.1/32: bgpd has it withdrawn, want announced: "
				      "re-asserting"), 2);
	assert_int_equal(stderr_count(&fx->err, "bgpd accepted"), 0);
	assert_int_equal(fx->fake.retry_at[2], 0);	/* at once, no backoff */
}

static void
driver_frr_test_slow_readback(void **state)
{
	struct fixture *fx = *state;

	/* bgpd answers a read-back slower than readback-interval-ms: the
	 * next read-back is always due, yet the re-assert goes out */
	fx->cfg.router.readback_interval_ms = 20;
	start_normal(fx);
	fx->fake.show_delay = 0.06;
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fake_count(&fx->fake, "network 192.0.2.1/32") == 1);
	fake_find(&fx->fake, "192.0.2.1/32")->used = false;	/* by hand */
	WAIT_UNTIL(fx, 3, fx->obs.n_drift == 1);
	WAIT_UNTIL(fx, 3, fake_count(&fx->fake, "network 192.0.2.1/32") == 2);
	assert_non_null(fake_find(&fx->fake, "192.0.2.1/32"));
}

static void
driver_frr_test_router_gone(void **state)
{
	struct fixture *fx = *state;

	/* bgpd killed: its state is unknown, not what it last said */
	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	fake_stop(&fx->fake);
	WAIT_UNTIL(fx, 2, fx->obs.n_down == 1);
	assert_int_equal(fx->obs.actual[0], ROUTE_UNKNOWN);
	assert_int_equal(fx->obs.actual[1], ROUTE_UNKNOWN);
	/* back (it kept the network): read back announced */
	fake_listen(&fx->fake);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED);
	assert_int_equal(fx->obs.actual[1], ROUTE_WITHDRAWN);
}

static void
driver_frr_test_backlog_full(void **state)
{
	struct fixture *fx = *state;
	int lfd, cfd;

	/* bgpd not accepting (listen backlog full): the same word as BIRD */
	full_unix_socket(fx->fake.path, &lfd, &cfd);
	open_driver(fx);
	WAIT_UNTIL(fx, 2, fx->obs.n_down == 1);
	assert_string_equal(fx->obs.whys[0], "backlog-full");
	assert_int_equal(fx->obs.n_up, 0);
	assert_int_equal(stderr_count(&fx->err, "frr: cannot talk to"), 1);
	assert_int_equal(stderr_count(&fx->err, ": backlog-full (retrying)"), 1);
	close(cfd);
	close(lfd);
}

static void
driver_frr_test_withdraw_absent(void **state)
{
	struct fixture *fx = *state;

	/* `no network` for what bgpd no longer has is a success (withdraw-all) */
	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	fake_find(&fx->fake, "192.0.2.1/32")->used = false;
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_WITHDRAWN && driver_idle(&fx->h));
	assert_int_equal(fake_count(&fx->fake, "no network 192.0.2.1/32"), 1);
	assert_int_equal(stderr_count(&fx->err, "refused"), 0);
}

static void
check_error(struct fixture *fx, enum fake_mode mode, const char *why)
{
	fx->fake.mode = mode;
	fake_network(&fx->fake, "192.0.2.1/32", NULL);
	fake_listen(&fx->fake);
	open_driver(fx);
	WAIT_UNTIL(fx, 3, fx->obs.n_down >= 1);
	assert_string_equal(fx->obs.whys[fx->obs.n_whys - 1], why);
	assert_int_equal(stderr_count(&fx->err, why), 1);
	WAIT_UNTIL(fx, 2, fx->fake.accepts >= 2);
	fx->fake.mode = FAKE_NORMAL;
	WAIT_UNTIL(fx, 3, fx->obs.actual[0] == ROUTE_ANNOUNCED);
	assert_true(driver_connected(&fx->h));
}

static void
driver_frr_test_bad_trailer(void **state)
{
	check_error(*state, FAKE_BAD_TRAILER, "protocol-error: bad-trailer");
}

static void
driver_frr_test_huge(void **state)
{
	struct fixture *fx = *state;

	/* a MiB through one loop can take longer than 0.3 s under ASan on a
	 * loaded machine: the cap, not the timer, must end it */
	fx->cfg.router.command_timeout_ms = 5000;
	check_error(fx, FAKE_HUGE, "protocol-error: reply-too-large");
}

static void
driver_frr_test_odd_status(void **state)
{
	check_error(*state, FAKE_ODD_STATUS, "protocol-error: enable status-200 (unknown)");
}

static void
driver_frr_test_no_enable(void **state)
{
	check_error(*state, FAKE_NO_ENABLE,
		    "protocol-error: enable status-2 (no-match): % Unknown command: enable");
}

static void
driver_frr_test_silence(void **state)
{
	struct fixture *fx = *state;

	check_error(fx, FAKE_SILENT, "timeout");
	assert_int_equal(fx->obs.n_up, 1);
}

static void
driver_frr_test_close_mid_reply(void **state)
{
	check_error(*state, FAKE_CLOSE_MID, "eof");
}

static void
driver_frr_test_bad_json(void **state)
{
	struct fixture *fx = *state;

	fx->fake.mode = FAKE_BAD_JSON;
	start_normal(fx);
	assert_int_equal(fx->obs.actual[0], ROUTE_UNKNOWN);
	assert_int_equal(fx->obs.actual[1], ROUTE_UNKNOWN);
	assert_int_equal(stderr_count(&fx->err, "192.0.2.1/32: cannot read it back from bgpd: bad-json"), 1);
	assert_true(driver_connected(&fx->h));
}

static void
driver_frr_test_restart_reasserts(void **state)
{
	struct fixture *fx = *state;
	size_t i;

	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	driver_set_desired(&fx->h, 1, ROUTE_DEGRADED, NULL);
	WAIT_UNTIL(fx, 2, fx->obs.actual[1] == ROUTE_DEGRADED && driver_idle(&fx->h));
	/* bgpd restarts: the connection drops and the run-time config is gone */
	fake_close_client(&fx->fake);
	for (i = 0; i < 4; i++)
		fx->fake.nets[i].used = false;
	WAIT_UNTIL(fx, 2, fx->obs.n_down == 1);
	assert_string_equal(fx->obs.whys[1], "eof");
	assert_int_equal(stderr_count(&fx->err, "frr: lost the vty connection to"), 1);
	WAIT_UNTIL(fx, 2, fx->obs.n_up == 2);
	WAIT_UNTIL(fx, 2, fake_count(&fx->fake, "network 192.0.2.1/32") == 2 &&
		   driver_idle(&fx->h));
	assert_int_equal(fake_count(&fx->fake,
				    "network 2001:db8::1/128 route-map ANYCAST-DEGRADED"), 2);
	assert_int_equal(fx->obs.actual[0], ROUTE_ANNOUNCED);
	assert_int_equal(fx->obs.actual[1], ROUTE_DEGRADED);
	assert_int_equal(fx->obs.n_drift, 2);

	/* again, right after the repair, before any read-back confirmed it:
	 * a new bgpd, so drift again, not a retry of what the last one took */
	fake_close_client(&fx->fake);
	for (i = 0; i < 4; i++)
		fx->fake.nets[i].used = false;
	WAIT_UNTIL(fx, 2, fake_count(&fx->fake, "network 192.0.2.1/32") == 3 &&
		   driver_idle(&fx->h));
	assert_int_equal(fx->obs.n_drift, 4);
	assert_int_equal(stderr_count(&fx->err, "bgpd accepted"), 0);
}

static void
driver_frr_test_socket_missing(void **state)
{
	struct fixture *fx = *state;

	open_driver(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	assert_true(driver_idle(&fx->h));	/* nothing to wait for while unreachable */
	run_loop_for(fx->loop, 0.3);
	assert_int_equal(fx->obs.n_down, 1);
	assert_string_equal(fx->obs.whys[0], "socket-missing");
	assert_int_equal(stderr_count(&fx->err, "socket-missing"), 1);

	/* a stale socket with nobody listening */
	stale_unix_socket(fx->fake.path);
	WAIT_UNTIL(fx, 1, fx->obs.n_down == 2);
	assert_string_equal(fx->obs.whys[1], "connect-refused");

	/* bgpd shows up: the wanted state is applied */
	fake_listen(&fx->fake);
	WAIT_UNTIL(fx, 1, fx->obs.actual[0] == ROUTE_ANNOUNCED);
	assert_non_null(fake_find(&fx->fake, "192.0.2.1/32"));
	/* a first apply is not drift */
	assert_int_equal(fx->obs.n_drift, 0);
	assert_int_equal(stderr_count(&fx->err, "re-asserting"), 0);
}

static void
driver_frr_test_backoff(void **state)
{
	struct fixture *fx = *state;

	fx->fake.mode = FAKE_CLOSE_MID;
	fake_listen(&fx->fake);
	open_driver(fx);
	/* 20, 40, 80, 160, 160 ms: about 7 attempts in 0.6 s, not 30 */
	run_loop_for(fx->loop, 0.6);
	assert_true(fx->fake.accepts >= 4 && fx->fake.accepts <= 8);
	assert_int_equal(fx->obs.n_down, 1);
}

static void
driver_frr_test_answer_then_close(void **state)
{
	struct fixture *fx = *state;
	static const uint32_t want[] = { 20, 40, 80, 160, 160 };
	int i;

	/* a bgpd that answers one read-back per connection, then closes: the
	 * delay keeps growing, and the loop is said once */
	fx->fake.mode = FAKE_ANSWER_CLOSE;
	fx->fake.driverp = &fx->h.d;
	fake_listen(&fx->fake);
	open_driver(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, NULL);
	WAIT_UNTIL(fx, 3, fx->fake.accepts >= 7);
	for (i = 0; i < 5; i++)
		assert_int_equal(fx->fake.delay_at[i + 1], want[i]);
	assert_int_equal(fx->obs.n_up, 1);
	assert_int_equal(fx->obs.n_down, 1);
	assert_int_equal(stderr_count(&fx->err, "frr: connected to"), 1);
	assert_int_equal(stderr_count(&fx->err, "frr: lost the vty connection to"), 1);
	assert_int_equal(fake_count(&fx->fake, "end"), 0);
	assert_int_equal(fx->obs.actual[0], ROUTE_UNKNOWN);

	/* bgpd works again: applied, and once up for reconnect_max_ms, said */
	fx->fake.mode = FAKE_NORMAL;
	WAIT_UNTIL(fx, 3, fx->obs.n_up == 2);
	assert_non_null(fake_find(&fx->fake, "192.0.2.1/32"));
	assert_int_equal(stderr_count(&fx->err, "ms after "), 1);
}

static void
driver_frr_test_text(void **state)
{
	char buf[512];
	int n;

	(void)state;
	n = driver_frr_render_apply(buf, sizeof(buf), 65001, "192.0.2.1/32", AF_INET,
				    ROUTE_ANNOUNCED, "RM");
	assert_int_equal(n, (int)sizeof("configure terminal\0router bgp 65001\0"
					"address-family ipv4 unicast\0network 192.0.2.1/32\0end"));
	assert_memory_equal(buf, "configure terminal\0router bgp 65001\0"
			    "address-family ipv4 unicast\0network 192.0.2.1/32\0end\0", (size_t)n);
	n = driver_frr_render_apply(buf, sizeof(buf), 4200000000u, "2001:db8::/32", AF_INET6,
				    ROUTE_DEGRADED, "ANYCAST-DEGRADED");
	assert_memory_equal(buf, "configure terminal\0router bgp 4200000000\0"
			    "address-family ipv6 unicast\0"
			    "network 2001:db8::/32 route-map ANYCAST-DEGRADED\0end\0", (size_t)n);
	n = driver_frr_render_apply(buf, sizeof(buf), 1, "10.0.0.0/8", AF_INET, ROUTE_DEGRADED,
				    NULL);
	assert_non_null(memmem(buf, (size_t)n, "\0network 10.0.0.0/8\0", 20));
	n = driver_frr_render_apply(buf, sizeof(buf), 1, "10.0.0.0/8", AF_INET, ROUTE_WITHDRAWN,
				    NULL);
	assert_non_null(memmem(buf, (size_t)n, "\0no network 10.0.0.0/8\0", 23));
	n = driver_frr_render_apply(buf, sizeof(buf), 65001, "192.0.2.1/32", AF_INET,
				    ROUTE_DRAINING, "ANYCAST-DRAIN");
	assert_memory_equal(buf, "configure terminal\0router bgp 65001\0"
			    "address-family ipv4 unicast\0"
			    "network 192.0.2.1/32 route-map ANYCAST-DRAIN\0end\0", (size_t)n);
	assert_int_equal(driver_frr_render_apply(buf, sizeof(buf), 1, "10.0.0.0/8", AF_INET,
						 ROUTE_DRAINING, NULL), -1);
	assert_int_equal(driver_frr_render_apply(buf, sizeof(buf), 1, "10.0.0.0/8", AF_INET,
						 ROUTE_UNKNOWN, NULL), -1);
	assert_int_equal(driver_frr_render_apply(buf, sizeof(buf), 1, "10.0.0.0/8", 0,
						 ROUTE_ANNOUNCED, NULL), -1);
	assert_int_equal(driver_frr_render_apply(buf, 20, 1, "10.0.0.0/8", AF_INET,
						 ROUTE_ANNOUNCED, NULL), -1);

	assert_true(driver_frr_prefix_ok("192.0.2.1/32"));
	assert_true(driver_frr_prefix_ok("2001:DB8::1/128"));
	assert_false(driver_frr_prefix_ok("192.0.2.1"));
	assert_false(driver_frr_prefix_ok("192.0.2.1/32\nend"));
	assert_false(driver_frr_prefix_ok("1/2/3"));
	assert_false(driver_frr_prefix_ok(""));
	assert_false(driver_frr_prefix_ok(NULL));
	assert_true(driver_frr_name_ok("ANYCAST-DEGRADED"));
	assert_false(driver_frr_name_ok("A B"));
	assert_false(driver_frr_name_ok("a\nb"));
	assert_false(driver_frr_name_ok(""));
	assert_false(driver_frr_name_ok(NULL));
}

static void
driver_frr_test_bad_prefix(void **state)
{
	struct fixture *fx = *state;

	fx->prefixes[1].family = 0;
	start_normal(fx);
	assert_int_equal(stderr_count(&fx->err, "2001:db8::1/128: not a prefix bgpd can take"), 1);
	assert_int_equal(fx->obs.actual[1], ROUTE_UNKNOWN);
	assert_int_equal(fake_count(&fx->fake, "show bgp ipv6 unicast 2001:db8::1/128 json"), 0);
	driver_set_desired(&fx->h, 1, ROUTE_ANNOUNCED, NULL);
	run_loop_for(fx->loop, 0.05);
	assert_int_equal(fake_count(&fx->fake, "end"), 0);
}

/* ---- BGP sessions ---- */

/* Neighbors 10.99.0.2 (IPv4, Established), 10.99.0.9 (IPv4, Active) and
 * 2001:db8:99::2 (IPv6, Established), 192.0.2.1/32 announced; the driver
 * with the sessions callback, read back. */
static void
start_sessions(struct fixture *fx)
{
	fake_network(&fx->fake, "192.0.2.1/32", NULL);
	fake_nbr(&fx->fake, "10.99.0.2", "Established", 1);
	fake_nbr(&fx->fake, "10.99.0.9", "Active", 1);
	fake_nbr(&fx->fake, "2001:db8:99::2", "Established", 2);
	fake_listen(&fx->fake);
	assert_int_equal(driver_open(&fx->h, fx->loop, &fx->cfg, &driver_obs_sessions_cb,
				     &fx->obs), 0);
	WAIT_UNTIL(fx, 2, fx->obs.n_sessions >= 1);
}

static void
check_obs_session(const struct fixture *fx, size_t i, const char *name, const char *state,
		  bool established)
{
	assert_true(i < fx->obs.sessions.n);
	assert_string_equal(fx->obs.sessions.s[i].name, name);
	assert_string_equal(fx->obs.sessions.s[i].state, state);
	assert_int_equal(fx->obs.sessions.s[i].established, established);
}

/* After the read-back: the neighbors, then the advertised-routes of each
 * Established one in each family it has (not of 10.99.0.9, not IPv6 of
 * 10.99.0.2), then one table. */
static void
driver_frr_test_sessions_readback(void **state)
{
	struct fixture *fx = *state;

	start_sessions(fx);
	assert_int_equal(fx->obs.n_sessions, 1);
	assert_int_equal(fx->fake.n_log, 6);
	assert_string_equal(fx->fake.log[3], "show bgp neighbors json");
	assert_string_equal(fx->fake.log[4],
			    "show bgp ipv4 unicast neighbors 10.99.0.2 advertised-routes json");
	assert_string_equal(fx->fake.log[5],
			    "show bgp ipv6 unicast neighbors 2001:db8:99::2 advertised-routes json");
	assert_int_equal(fx->obs.sessions.n, 3);
	assert_int_equal(fx->obs.sessions.n_prefixes, N_PREFIXES);
	check_obs_session(fx, 0, "10.99.0.2", "Established", true);
	check_obs_session(fx, 1, "10.99.0.9", "Active", false);
	check_obs_session(fx, 2, "2001:db8:99::2", "Established", true);
	assert_int_equal(fx->obs.advertised[0], 1u << 0);
	assert_int_equal(fx->obs.advertised[1], 0);
	assert_int_equal(driver_obs_carried(&fx->obs, 0), 1);
	assert_int_equal(fx->obs.actual[0], ROUTE_ANNOUNCED);
	assert_int_equal(stderr_count(&fx->err, "sessions"), 0);
}

/* An apply: confirmed by its read-back, then the sessions again. */
static void
driver_frr_test_sessions_after_change(void **state)
{
	struct fixture *fx = *state;

	start_sessions(fx);
	driver_set_desired(&fx->h, 1, ROUTE_ANNOUNCED, "pptp UP");
	WAIT_UNTIL(fx, 2, fx->obs.n_sessions == 2);
	assert_int_equal(fx->obs.actual[1], ROUTE_ANNOUNCED);
	assert_int_equal(fx->obs.advertised[1], 1u << 2);
	assert_int_equal(driver_obs_carried(&fx->obs, 1), 1);
	assert_int_equal(fake_count(&fx->fake, "show bgp neighbors json"), 2);
	driver_set_desired(&fx->h, 0, ROUTE_WITHDRAWN, "pptp DOWN");
	WAIT_UNTIL(fx, 2, fx->obs.n_sessions == 3);
	assert_int_equal(fx->obs.advertised[0], 0);
	assert_int_equal(driver_obs_carried(&fx->obs, 0), 0);
	run_loop_for(fx->loop, 0.1);
	assert_int_equal(fx->obs.n_sessions, 3);
}

/* The periodic read-back: a neighbor shut down (Idle: not asked, carries
 * nothing), an outbound route-map that denies the prefix. */
static void
driver_frr_test_sessions_isolated(void **state)
{
	struct fixture *fx = *state;
	int n;

	fx->cfg.router.readback_interval_ms = 50;
	start_sessions(fx);
	fake_nbr(&fx->fake, "10.99.0.2", "Idle", 1);
	n = fx->obs.n_sessions;
	WAIT_UNTIL(fx, 2, fx->obs.n_sessions > n + 1);
	check_obs_session(fx, 0, "10.99.0.2", "Idle", false);
	assert_int_equal(fx->obs.advertised[0], 0);
	assert_int_equal(fake_count(&fx->fake, "show bgp ipv4 unicast neighbors 10.99.0.2 "
				    "advertised-routes json"), 1);
	fake_nbr(&fx->fake, "10.99.0.2", "Established", 1);
	WAIT_UNTIL(fx, 2, driver_obs_carried(&fx->obs, 0) == 1);
	fake_nbr(&fx->fake, "10.99.0.2", "Established", 1)->deny = true;
	WAIT_UNTIL(fx, 2, fx->obs.advertised[0] == 0);
	check_obs_session(fx, 0, "10.99.0.2", "Established", true);
	assert_int_equal(fx->obs.n_down, 0);
}

/* A reply that is not what it should be: said once, the last table stays,
 * the connection stays; the next good read is said. */
static void
sessions_malformed(struct fixture *fx, enum fake_mode mode, const char *line)
{
	int n;

	fx->cfg.router.readback_interval_ms = 50;
	start_sessions(fx);
	n = fx->obs.n_sessions;
	fx->fake.mode = mode;
	WAIT_UNTIL(fx, 2, fake_count(&fx->fake, "show bgp neighbors json") >= 4);
	assert_int_equal(fx->obs.n_sessions, n);
	assert_int_equal(fx->obs.advertised[0], 1u << 0);
	assert_int_equal(stderr_count(&fx->err, line), 1);
	assert_int_equal(fx->obs.n_down, 0);
	assert_true(driver_connected(&fx->h));
	fx->fake.mode = FAKE_NORMAL;
	WAIT_UNTIL(fx, 2, fx->obs.n_sessions > n);
	assert_int_equal(stderr_count(&fx->err, "frr: BGP sessions read back again"), 1);
}

static void
driver_frr_test_sessions_bad_neighbors(void **state)
{
	sessions_malformed(*state, FAKE_BAD_NEIGHBORS,
			   "frr: cannot read the BGP sessions: bad `show bgp neighbors json` "
			   "reply: bad-json; keeping the last ones");
}

static void
driver_frr_test_sessions_bad_advertised(void **state)
{
	sessions_malformed(*state, FAKE_BAD_ADVERTISED,
			   "frr: cannot read the BGP sessions: `... neighbors 10.99.0.2 "
			   "advertised-routes json` (ipv4): status-0 (success): bad-prefix; "
			   "keeping the last ones");
}

/* bgpd's "No such neighbor" (it went away between the two questions):
 * nothing advertised, no complaint. */
static void
driver_frr_test_sessions_no_neighbor(void **state)
{
	struct fixture *fx = *state;

	fx->fake.mode = FAKE_NO_NEIGHBOR;
	start_sessions(fx);
	assert_int_equal(fx->obs.sessions.n, 3);
	assert_int_equal(fx->obs.advertised[0], 0);
	assert_int_equal(stderr_count(&fx->err, "cannot read"), 0);
}

/* A neighbor bgpd sends more prefixes than the reply cap allows to list:
 * not asked, the read fails (said once), the connection stays. */
static void
driver_frr_test_sessions_too_many(void **state)
{
	struct fixture *fx = *state;

	fx->cfg.router.readback_interval_ms = 50;
	fake_network(&fx->fake, "192.0.2.1/32", NULL);
	fake_nbr(&fx->fake, "10.99.0.2", "Established", 1)->sent = 5000;
	fake_listen(&fx->fake);
	assert_int_equal(driver_open(&fx->h, fx->loop, &fx->cfg, &driver_obs_sessions_cb,
				     &fx->obs), 0);
	WAIT_UNTIL(fx, 2, fake_count(&fx->fake, "show bgp neighbors json") >= 3);
	assert_int_equal(fx->obs.n_sessions, 0);
	assert_int_equal(fake_count(&fx->fake, "show bgp ipv4 unicast neighbors 10.99.0.2 "
				    "advertised-routes json"), 0);
	assert_int_equal(stderr_count(&fx->err, "frr: cannot read the BGP sessions: neighbor "
				      "10.99.0.2 is sent 5000 ipv4 prefixes: more than 2500, too "
				      "many to list; keeping the last ones"), 1);
	assert_int_equal(fx->obs.n_down, 0);
	fx->fake.nbrs[0].sent = 2500;
	WAIT_UNTIL(fx, 2, fx->obs.n_sessions >= 1);
	assert_int_equal(fx->obs.advertised[0], 1u << 0);
}

/* Without the sessions callback nothing is asked about them. */
static void
driver_frr_test_sessions_not_wanted(void **state)
{
	struct fixture *fx = *state;

	fake_nbr(&fx->fake, "10.99.0.2", "Established", 1);
	start_normal(fx);
	driver_set_desired(&fx->h, 0, ROUTE_ANNOUNCED, "pptp UP");
	WAIT_UNTIL(fx, 2, fx->obs.actual[0] == ROUTE_ANNOUNCED && driver_idle(&fx->h));
	run_loop_for(fx->loop, 0.1);
	assert_int_equal(fake_count(&fx->fake, "show bgp neighbors json"), 0);
}

/* A reconfigure resizes the table, and asks only the families in use. */
static void
driver_frr_test_sessions_reconfigure(void **state)
{
	struct fixture *fx = *state;

	start_sessions(fx);
	fx->cfg.n_prefixes = 1;		/* 192.0.2.1/32 alone: IPv4 only */
	driver_reconfigure(&fx->h, &fx->cfg);
	WAIT_UNTIL(fx, 2, fx->obs.n_sessions == 2);
	assert_int_equal(fx->obs.sessions.n_prefixes, 1);
	assert_int_equal(fx->obs.advertised[0], 1u << 0);
	assert_int_equal(fake_count(&fx->fake, "show bgp ipv6 unicast neighbors 2001:db8:99::2 "
				    "advertised-routes json"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(driver_frr_test_connect_readback, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_unknown_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_apply, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_no_route_map, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_drift, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_drain, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_drain_readback, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_drain_no_gshut, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_drain_no_route_map, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_settle, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_slow_bgpd, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_accepted_not_shown, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_hand_after_repair, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_slow_readback, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_router_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_backlog_full, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_withdraw_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_bad_trailer, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_huge, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_odd_status, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_no_enable, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_silence, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_close_mid_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_bad_json, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_restart_reasserts, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_socket_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_answer_then_close, setup, teardown),
		cmocka_unit_test(driver_frr_test_text),
		cmocka_unit_test_setup_teardown(driver_frr_test_bad_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_sessions_readback, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_sessions_after_change, setup,
						teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_sessions_isolated, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_sessions_bad_neighbors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_sessions_bad_advertised, setup,
						teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_sessions_no_neighbor, setup,
						teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_sessions_not_wanted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_sessions_too_many, setup,
						teardown),
		cmocka_unit_test_setup_teardown(driver_frr_test_sessions_reconfigure, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("driver_frr", tests, NULL, NULL);
}
