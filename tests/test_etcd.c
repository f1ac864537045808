/*
 * test_etcd.c - the etcd client (fleet/etcd.c) against the real etcd
 * (Debian etcd-server): the test starts its own etcd as a child process
 * on 127.0.0.1 with free ports and a temporary data dir, waits for its
 * /health to answer, and runs every request kind, the watch, lease expiry,
 * failover, timeouts, cancel, TLS with client certificates (a CA made here
 * with openssl) and authentication.  Any user can run it.
 *
 * Without /usr/bin/etcd (or $ETCD) it fails and says what to install.
 *
 * Every callback checks that it is not called from inside the call that
 * started the request (`in_call`).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* asprintf */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include <ev.h>

#include "fleet/etcd.h"

/* ---- an etcd of our own ---- */

struct server {
	pid_t pid;
	char dir[64];		/* its temporary directory: data, log, certificates */
	int client_port, peer_port;
	bool tls;
	char url[64];
	char ca[96], cert[96], key[96];		/* the client's, with tls */
};

static const char *etcd_bin = "/usr/bin/etcd";
static struct ev_loop *loop;
static bool in_call;		/* inside a call to the client */

/* A port nobody listens on now. */
static int
free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void
run(const char *fmt, ...)
{
	char *cmd;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	assert_true(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
	free(cmd);
}

/* A CA, a server certificate for 127.0.0.1 and a client certificate. */
static void
server_make_certs(struct server *s)
{
	run("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca "
	    "-keyout ca.key -out ca.crt >/dev/null 2>&1", s->dir);
	run("cd %s && openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key "
	    "-out server.csr >/dev/null 2>&1 && printf 'subjectAltName=IP:127.0.0.1\\n"
	    "extendedKeyUsage=serverAuth,clientAuth\\n' > server.ext && openssl x509 -req "
	    "-in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext "
	    "-out server.crt >/dev/null 2>&1", s->dir);
	run("cd %s && openssl req -newkey rsa:2048 -nodes -subj /CN=gw1 -keyout client.key "
	    "-out client.csr >/dev/null 2>&1 && printf 'extendedKeyUsage=clientAuth\\n' > client.ext "
	    "&& openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
	    "-extfile client.ext -out client.crt >/dev/null 2>&1", s->dir);
	snprintf(s->ca, sizeof(s->ca), "%s/ca.crt", s->dir);
	snprintf(s->cert, sizeof(s->cert), "%s/client.crt", s->dir);
	snprintf(s->key, sizeof(s->key), "%s/client.key", s->dir);
}

static void
server_exec(const struct server *s)
{
	char *curl, *purl, *cluster, *data, *log;
	int fd;

	if (asprintf(&curl, "%s://127.0.0.1:%d", s->tls ? "https" : "http", s->client_port) < 0 ||
	    asprintf(&purl, "http://127.0.0.1:%d", s->peer_port) < 0 ||
	    asprintf(&cluster, "n1=%s", purl) < 0 || asprintf(&data, "%s/data", s->dir) < 0 ||
	    asprintf(&log, "%s/etcd.log", s->dir) < 0)
		_exit(126);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	dup2(fd, 1);
	dup2(fd, 2);
	close_range(3, ~0U, 0);	/* none of the test's sockets, nor its epoll fd */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* a crashed test leaves no etcd behind */
	if (s->tls) {
		char *cert, *key, *ca;

		if (asprintf(&cert, "--cert-file=%s/server.crt", s->dir) < 0 ||
		    asprintf(&key, "--key-file=%s/server.key", s->dir) < 0 ||
		    asprintf(&ca, "--trusted-ca-file=%s/ca.crt", s->dir) < 0)
			_exit(126);
		execl(etcd_bin, "etcd", "--name", "n1", "--data-dir", data, "--listen-client-urls",
		      curl, "--advertise-client-urls", curl, "--listen-peer-urls", purl,
		      "--initial-advertise-peer-urls", purl, "--initial-cluster", cluster, cert, key,
		      ca, "--client-cert-auth", (char *)NULL);
	} else {
		execl(etcd_bin, "etcd", "--name", "n1", "--data-dir", data, "--listen-client-urls",
		      curl, "--advertise-client-urls", curl, "--listen-peer-urls", purl,
		      "--initial-advertise-peer-urls", purl, "--initial-cluster", cluster,
		      (char *)NULL);
	}
	_exit(127);
}

static size_t
discard_fn(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* One GET of /health: whether it said 200. */
static bool
server_healthy(const struct server *s)
{
	CURL *c = curl_easy_init();
	char url[96];
	long status = 0;

	snprintf(url, sizeof(url), "%s/health", s->url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 1000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_fn);
	if (s->tls) {
		curl_easy_setopt(c, CURLOPT_CAINFO, s->ca);
		curl_easy_setopt(c, CURLOPT_SSLCERT, s->cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, s->key);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	return status == 200;
}

/* Start etcd (again, on the same ports and data) and poll /health until it
 * answers; fail if etcd exits first or takes 30 s. */
static void
server_start(struct server *s)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	time_t deadline = time(NULL) + 30;
	int status;

	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0)
		server_exec(s);
	while (!server_healthy(s)) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = -1;
			fail_msg("etcd exited (status %d); see %s/etcd.log", status, s->dir);
		}
		if (time(NULL) > deadline)
			fail_msg("etcd did not answer /health in 30 s; see %s/etcd.log", s->dir);
		nanosleep(&pause, NULL);	/* a poll interval, not a wait for an outcome */
	}
}

static void
server_stop(struct server *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = -1;
}

static struct server *
server_new(bool tls)
{
	struct server *s = calloc(1, sizeof(*s));

	snprintf(s->dir, sizeof(s->dir), "/tmp/test_etcd.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	s->tls = tls;
	s->client_port = free_port();
	do
		s->peer_port = free_port();
	while (s->peer_port == s->client_port);
	snprintf(s->url, sizeof(s->url), "%s://127.0.0.1:%d", tls ? "https" : "http",
		 s->client_port);
	if (tls)
		server_make_certs(s);
	server_start(s);
	return s;
}

static void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	server_stop(s);
	run("rm -rf %s", s->dir);
	free(s);
}

/* etcdctl against s (plain http only). */
static void
server_ctl(const struct server *s, const char *args)
{
	run("ETCDCTL_API=3 etcdctl --endpoints=%s %s >/dev/null 2>&1", s->url, args);
}

/* ---- the loop and the callbacks ---- */

static void
deadline_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
	fail_msg("nothing happened in 20 s");
}

/* Run the loop until *flag (a guard fails the test after 20 s). */
static void
run_until(const bool *flag)
{
	ev_timer guard;

	ev_timer_init(&guard, deadline_cb, 20., 0.);
	ev_timer_start(loop, &guard);
	while (!*flag)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &guard);
}

/* What one request's callback saw, kept past the callback. */
struct got {
	bool done;
	int calls;
	enum etcd_status status;
	char error[256];
	int code;
	char endpoint[64];
	int64_t revision, lease_id, ttl;
	bool succeeded;
	size_t n_kvs;
	char keys[8][64];
	char values[8][64];
	int64_t create_revision[8], lease[8];
};

static void
got_cb(void *arg, const struct etcd_result *r)
{
	struct got *g = arg;
	size_t i;

	assert_false(in_call);	/* never from inside the call that made it */
	g->calls++;
	g->done = true;
	g->status = r->status;
	snprintf(g->error, sizeof(g->error), "%s", r->error);
	g->code = r->code;
	snprintf(g->endpoint, sizeof(g->endpoint), "%s", r->endpoint ? r->endpoint : "");
	g->revision = r->revision;
	g->lease_id = r->lease_id;
	g->ttl = r->ttl;
	g->succeeded = r->succeeded;
	g->n_kvs = r->n_kvs;
	for (i = 0; i < r->n_kvs && i < 8; i++) {
		snprintf(g->keys[i], sizeof(g->keys[i]), "%s", r->kvs[i].key);
		snprintf(g->values[i], sizeof(g->values[i]), "%.*s", (int)r->kvs[i].value_len,
			 r->kvs[i].value);
		g->create_revision[i] = r->kvs[i].create_revision;
		g->lease[i] = r->kvs[i].lease;
	}
}

#define CALL(x) (in_call = true, (x), in_call = false)
#define WAIT(g) (run_until(&(g)->done), assert_int_equal((g)->calls, 1))

static struct etcd *
client(const char *const *eps, size_t n, uint32_t timeout_ms)
{
	struct etcd_options o = { .endpoints = eps, .n_endpoints = n, .timeout_ms = timeout_ms };
	char err[128];
	struct etcd *e = etcd_new(loop, &o, err, sizeof(err));

	assert_non_null(e);
	return e;
}

static void
put(struct etcd *e, const char *key, const char *value, int64_t lease)
{
	struct got g = { 0 };

	CALL(etcd_put(e, key, value, strlen(value), lease, got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_OK);
}

static void
range(struct etcd *e, const char *prefix, struct got *g)
{
	memset(g, 0, sizeof(*g));
	CALL(etcd_range_prefix(e, prefix, got_cb, g));
	WAIT(g);
	assert_int_equal(g->status, ETCD_OK);
}

/* ---- the shared plain etcd ---- */

static struct server *plain;

static int
group_setup(void **state)
{
	(void)state;
	plain = server_new(false);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	server_free(plain);
	return 0;
}

static void
etcd_test_requests(void **state)
{
	const char *eps[] = { plain->url };
	struct etcd *e = client(eps, 1, 2000);
	struct got g = { 0 }, gl = { 0 };
	int64_t lease;

	(void)state;
	CALL(etcd_lease_grant(e, 30, got_cb, &gl));
	WAIT(&gl);
	assert_int_equal(gl.status, ETCD_OK);
	assert_true(gl.lease_id > 0);
	assert_int_equal(gl.ttl, 30);
	assert_string_equal(gl.endpoint, plain->url);
	lease = gl.lease_id;
	/* put with and without the lease; values with any bytes */
	put(e, "/req/b", "two", lease);
	put(e, "/req/a", "one", 0);
	put(e, "/req/c/deeper", "{\"x\":1}", 0);
	put(e, "/req0", "not under the prefix", 0);
	range(e, "/req/", &g);
	assert_int_equal(g.n_kvs, 3);
	assert_string_equal(g.keys[0], "/req/a");	/* sorted by key */
	assert_string_equal(g.values[0], "one");
	assert_int_equal(g.lease[0], 0);
	assert_string_equal(g.keys[1], "/req/b");
	assert_string_equal(g.values[1], "two");
	assert_true(g.lease[1] == lease);
	assert_string_equal(g.keys[2], "/req/c/deeper");
	assert_string_equal(g.values[2], "{\"x\":1}");
	assert_true(g.revision > 0);
	/* delete */
	memset(&g, 0, sizeof(g));
	CALL(etcd_delete(e, "/req/a", got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_OK);
	range(e, "/req/", &g);
	assert_int_equal(g.n_kvs, 2);
	/* keepalive, revoke (its keys go), keepalive of the gone lease: TTL 0 */
	memset(&g, 0, sizeof(g));
	CALL(etcd_lease_keepalive(e, lease, got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_OK);
	assert_true(g.lease_id == lease);
	assert_int_equal(g.ttl, 30);
	memset(&g, 0, sizeof(g));
	CALL(etcd_lease_revoke(e, lease, got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_OK);
	range(e, "/req/", &g);
	assert_int_equal(g.n_kvs, 1);
	assert_string_equal(g.keys[0], "/req/c/deeper");
	memset(&g, 0, sizeof(g));
	CALL(etcd_lease_keepalive(e, lease, got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_OK);
	assert_int_equal(g.ttl, 0);
	/* an error reply: etcd's words and code, no failover */
	memset(&g, 0, sizeof(g));
	CALL(etcd_lease_revoke(e, lease, got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_ERROR);
	assert_int_equal(g.code, 5);
	assert_string_equal(g.error, "etcdserver: requested lease not found");
	assert_string_equal(g.endpoint, plain->url);
	/* an empty prefix is every key */
	range(e, "", &g);
	assert_int_equal(g.n_kvs, 2);
	etcd_free(e);
}

static void
etcd_test_txn(void **state)
{
	const char *eps[] = { plain->url };
	struct etcd *e = client(eps, 1, 2000);
	struct etcd_compare cmp = { "/txn/me", 0 };
	struct etcd_op put_me = { .kind = ETCD_OP_PUT, .key = "/txn/me", .value = "v",
				  .value_len = 1 };
	struct etcd_op del_me = { .kind = ETCD_OP_DELETE, .key = "/txn/me" };
	struct etcd_op read = { .kind = ETCD_OP_RANGE_PREFIX, .key = "/txn/" };
	struct etcd_txn t = { &cmp, 1, &put_me, 1, &read, 1 };
	struct got g = { 0 };
	int64_t created;

	(void)state;
	put(e, "/txn/other", "o", 0);
	/* absent (create_revision 0): the success branch runs */
	CALL(etcd_txn(e, &t, got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_OK);
	assert_true(g.succeeded);
	assert_int_equal(g.n_kvs, 0);
	/* present now: the compare fails, the failure branch's range answers */
	memset(&g, 0, sizeof(g));
	CALL(etcd_txn(e, &t, got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_OK);
	assert_false(g.succeeded);
	assert_int_equal(g.n_kvs, 2);
	assert_string_equal(g.keys[0], "/txn/me");
	assert_string_equal(g.keys[1], "/txn/other");
	created = g.create_revision[0];
	/* the right incarnation: delete it and read in the same txn */
	cmp.create_revision = created;
	t.success = (const struct etcd_op[]){ del_me, read };
	t.n_success = 2;
	memset(&g, 0, sizeof(g));
	CALL(etcd_txn(e, &t, got_cb, &g));
	WAIT(&g);
	assert_true(g.succeeded);
	assert_int_equal(g.n_kvs, 1);
	assert_string_equal(g.keys[0], "/txn/other");
	/* a stale incarnation does nothing */
	put(e, "/txn/me", "again", 0);
	memset(&g, 0, sizeof(g));
	CALL(etcd_txn(e, &t, got_cb, &g));
	WAIT(&g);
	assert_false(g.succeeded);
	range(e, "/txn/", &g);
	assert_int_equal(g.n_kvs, 2);
	etcd_free(e);
}

/* ---- watch ---- */

struct seen {
	int n;
	char what[16][80];	/* "PUT /w/a=1 rev" / "DELETE /w/a" */
	int64_t revision;
	bool ended;
	int ended_calls;
	struct etcd_result why;
	char why_error[256];
	struct etcd_watch *cancel_on_first;
};

static void
seen_events(void *arg, const struct etcd_event *ev, size_t n, int64_t revision)
{
	struct seen *s = arg;
	size_t i;

	assert_false(in_call);
	for (i = 0; i < n && s->n < 16; i++, s->n++)
		snprintf(s->what[s->n], sizeof(s->what[s->n]), "%s %s%s%.*s",
			 ev[i].deleted ? "DELETE" : "PUT", ev[i].kv.key, ev[i].deleted ? "" : "=",
			 (int)ev[i].kv.value_len, ev[i].kv.value);
	s->revision = revision;
	if (s->cancel_on_first != NULL) {
		etcd_watch_cancel(s->cancel_on_first);
		s->cancel_on_first = NULL;
	}
}

static void
seen_ended(void *arg, const struct etcd_result *why)
{
	struct seen *s = arg;

	assert_false(in_call);
	s->ended = true;
	s->ended_calls++;
	s->why = *why;
	snprintf(s->why_error, sizeof(s->why_error), "%s", why->error);
}

static const struct etcd_watch_callbacks seen_callbacks = { seen_events, seen_ended };

static void
wait_events(struct seen *s, int n)
{
	ev_timer guard;

	ev_timer_init(&guard, deadline_cb, 20., 0.);
	ev_timer_start(loop, &guard);
	while (s->n < n && !s->ended)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &guard);
	assert_int_equal(s->n, n);
}

static void
etcd_test_watch(void **state)
{
	const char *eps[] = { plain->url };
	struct etcd *e = client(eps, 1, 2000);
	struct seen s = { 0 }, past = { 0 };
	struct etcd_watch *w, *wp;
	struct got g;

	(void)state;
	put(e, "/w/a", "0", 0);
	range(e, "/w/", &g);
	CALL(w = etcd_watch_prefix(e, "/w/", g.revision + 1, &seen_callbacks, &s));
	put(e, "/w/a", "1", 0);
	put(e, "/wx", "not under the prefix", 0);
	put(e, "/w/b/c", "2", 0);
	memset(&g, 0, sizeof(g));
	CALL(etcd_delete(e, "/w/a", got_cb, &g));
	WAIT(&g);
	wait_events(&s, 3);
	assert_string_equal(s.what[0], "PUT /w/a=1");
	assert_string_equal(s.what[1], "PUT /w/b/c=2");
	assert_string_equal(s.what[2], "DELETE /w/a");
	assert_true(s.revision == g.revision);
	/* from a past revision: the history replays */
	CALL(wp = etcd_watch_prefix(e, "/w/", g.revision - 3, &seen_callbacks, &past));
	wait_events(&past, 3);
	assert_string_equal(past.what[0], "PUT /w/a=1");
	/* cancelled: nothing more, not even ended */
	etcd_watch_cancel(wp);
	put(e, "/w/d", "3", 0);
	wait_events(&s, 4);
	assert_string_equal(s.what[3], "PUT /w/d=3");
	assert_int_equal(past.n, 3);
	assert_false(past.ended);
	assert_false(s.ended);
	etcd_watch_cancel(w);
	etcd_watch_cancel(NULL);
	etcd_free(e);
}

/* A watch cancelled from its own events callback, and one cancelled by a
 * compaction. */
static void
etcd_test_watch_cancel_compact(void **state)
{
	const char *eps[] = { plain->url };
	struct etcd *e = client(eps, 1, 2000);
	struct seen s = { 0 }, old = { 0 };
	struct got g;
	char args[64];

	(void)state;
	range(e, "/wc/", &g);
	CALL(s.cancel_on_first = etcd_watch_prefix(e, "/wc/", g.revision + 1, &seen_callbacks, &s));
	put(e, "/wc/a", "1", 0);
	wait_events(&s, 1);
	put(e, "/wc/a", "2", 0);
	range(e, "/wc/", &g);	/* one more round trip: the second event would be here */
	assert_int_equal(s.n, 1);
	assert_false(s.ended);
	/* compacted past the start: ended once, ETCD_ERROR, etcd's reason */
	snprintf(args, sizeof(args), "compact %lld", (long long)g.revision);
	server_ctl(plain, args);
	CALL(etcd_watch_prefix(e, "/wc/", 1, &seen_callbacks, &old));
	run_until(&old.ended);
	assert_int_equal(old.ended_calls, 1);
	assert_int_equal(old.n, 0);
	assert_int_equal(old.why.status, ETCD_ERROR);
	assert_int_equal(old.why.code, 11);
	snprintf(args, sizeof(args), "(compacted at %lld)", (long long)g.revision);
	assert_non_null(strstr(old.why_error, "required revision has been compacted"));
	assert_non_null(strstr(old.why_error, args));
	etcd_free(e);
}

/* Keys under a lease vanish when it expires; the watch sees the deletes. */
static void
etcd_test_lease_expiry(void **state)
{
	const char *eps[] = { plain->url };
	struct etcd *e = client(eps, 1, 2000);
	struct seen s = { 0 };
	struct got g = { 0 };

	(void)state;
	CALL(etcd_lease_grant(e, 1, got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_OK);
	put(e, "/exp/a", "1", g.lease_id);
	put(e, "/exp/b", "2", g.lease_id);
	range(e, "/exp/", &g);
	assert_int_equal(g.n_kvs, 2);
	CALL(etcd_watch_prefix(e, "/exp/", g.revision + 1, &seen_callbacks, &s));
	wait_events(&s, 2);
	assert_string_equal(s.what[0], "DELETE /exp/a");
	assert_string_equal(s.what[1], "DELETE /exp/b");
	range(e, "/exp/", &g);
	assert_int_equal(g.n_kvs, 0);
	etcd_free(e);
}

/* ---- endpoints ---- */

static void
etcd_test_failover(void **state)
{
	char closed[64], closed2[64], why[128];
	const char *eps[] = { closed, plain->url };
	const char *none[] = { closed, closed2 };
	struct etcd *e;
	struct seen s = { 0 };
	struct got g = { 0 };

	(void)state;
	snprintf(closed, sizeof(closed), "http://127.0.0.1:%d/", free_port());
	snprintf(closed2, sizeof(closed2), "http://127.0.0.1:%d", free_port());
	e = client(eps, 2, 2000);
	closed[strlen(closed) - 1] = '\0';	/* the client drops a trailing '/' */
	assert_string_equal(etcd_endpoint(e), closed);
	put(e, "/fo/a", "1", 0);
	assert_string_equal(etcd_endpoint(e), plain->url);	/* the one that answered */
	range(e, "/fo/", &g);
	assert_string_equal(g.endpoint, plain->url);
	assert_int_equal(g.n_kvs, 1);
	etcd_free(e);
	/* a watch fails over too */
	e = client(eps, 2, 2000);
	CALL(etcd_watch_prefix(e, "/fo/", g.revision, &seen_callbacks, &s));
	wait_events(&s, 1);
	assert_string_equal(s.what[0], "PUT /fo/a=1");
	etcd_free(e);
	/* every endpoint refused: the last one and why */
	e = client(none, 2, 2000);
	memset(&g, 0, sizeof(g));
	CALL(etcd_put(e, "/fo/b", "x", 1, 0, got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_UNREACHABLE);
	snprintf(why, sizeof(why), "%s: Connection refused", closed2);
	assert_string_equal(g.error, why);
	assert_string_equal(g.endpoint, closed2);
	memset(&s, 0, sizeof(s));
	CALL(etcd_watch_prefix(e, "/fo/", 0, &seen_callbacks, &s));
	run_until(&s.ended);
	assert_int_equal(s.why.status, ETCD_UNREACHABLE);
	assert_string_equal(s.why_error, why);
	etcd_free(e);
}

/* An endpoint that takes the connection and never answers: the per-attempt
 * timeout, then the next endpoint. */
static void
etcd_test_timeout(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	char silent[64], why[128];
	const char *eps[] = { silent, plain->url };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct etcd *e;
	struct seen s = { 0 };
	struct got g = { 0 };

	(void)state;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 16), 0);	/* the kernel accepts; nobody reads */
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(silent, sizeof(silent), "http://127.0.0.1:%d", ntohs(sin.sin_port));
	e = client(eps, 1, 200);
	CALL(etcd_range_prefix(e, "/", got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_UNREACHABLE);
	snprintf(why, sizeof(why), "%s: timed out after 200 ms", silent);
	assert_string_equal(g.error, why);
	CALL(etcd_watch_prefix(e, "/", 0, &seen_callbacks, &s));
	run_until(&s.ended);
	assert_int_equal(s.why.status, ETCD_UNREACHABLE);
	assert_string_equal(s.why_error, why);
	etcd_free(e);
	e = client(eps, 2, 200);
	memset(&g, 0, sizeof(g));
	CALL(etcd_range_prefix(e, "/fo/", got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_OK);
	assert_string_equal(g.endpoint, plain->url);
	etcd_free(e);
	close(fd);
}

/* ---- cancel, free, re-entrancy ---- */

struct chain {
	struct etcd *e;
	struct etcd_request *victim;
	bool free_client;
	bool done;
};

static void never_cb(void *arg, const struct etcd_result *r);

static void
chain_cb(void *arg, const struct etcd_result *r)
{
	struct chain *c = arg;

	assert_false(in_call);
	assert_int_equal(r->status, ETCD_OK);
	if (c->victim != NULL)
		etcd_cancel(c->victim);
	if (c->free_client) {	/* with a request just made, in flight */
		etcd_range_prefix(c->e, "/", never_cb, NULL);
		etcd_free(c->e);
	}
	c->done = true;
}

static void
never_cb(void *arg, const struct etcd_result *r)
{
	(void)arg;
	(void)r;
	fail_msg("a cancelled request called back");
}

static void
never_events(void *arg, const struct etcd_event *ev, size_t n, int64_t revision)
{
	(void)arg;
	(void)ev;
	(void)n;
	(void)revision;
	fail_msg("a cancelled watch called back");
}

static void
never_ended(void *arg, const struct etcd_result *why)
{
	never_cb(arg, why);
}

static const struct etcd_watch_callbacks never_callbacks = { never_events, never_ended };

static void
etcd_test_cancel(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	const char *eps[] = { plain->url };
	char silent[64];
	const char *silent_eps[] = { silent };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct etcd *e = client(eps, 1, 2000), *slow;
	struct chain c = { 0 };
	struct seen s = { 0 };
	struct got g = { 0 };

	(void)state;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 16), 0);	/* never answers */
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(silent, sizeof(silent), "http://127.0.0.1:%d", ntohs(sin.sin_port));
	slow = client(silent_eps, 1, 2000);
	/* cancelled at once */
	etcd_cancel(etcd_put(e, "/cx/a", "1", 1, 0, never_cb, NULL));
	etcd_cancel(NULL);
	/* cancelled from another's callback: a request that would time out
	 * before a later one does (if etcd answers within the 2 s), and a watch */
	c.e = e;
	CALL(c.victim = etcd_range_prefix(slow, "/", never_cb, NULL));
	CALL(etcd_range_prefix(e, "/", chain_cb, &c));
	run_until(&c.done);
	CALL(etcd_range_prefix(slow, "/", got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_UNREACHABLE);
	memset(&c, 0, sizeof(c));
	c.e = e;
	range(e, "/cx/", &g);
	CALL(c.victim = (struct etcd_request *)etcd_watch_prefix(e, "/cx/", g.revision + 1,
								  &seen_callbacks, &s));
	CALL(etcd_range_prefix(e, "/", chain_cb, &c));
	run_until(&c.done);
	put(e, "/cx/b", "1", 0);
	range(e, "/cx/", &g);
	/* the cancelled put never happened; the watch saw nothing */
	assert_int_equal(g.n_kvs, 1);
	assert_string_equal(g.keys[0], "/cx/b");
	assert_int_equal(s.n, 0);
	assert_false(s.ended);
	/* freed from a callback with others in flight: none of them calls */
	memset(&c, 0, sizeof(c));
	c.e = e;
	c.free_client = true;
	CALL(etcd_range_prefix(slow, "/", never_cb, NULL));
	etcd_free(slow);
	CALL(etcd_watch_prefix(e, "/", 0, &never_callbacks, NULL));
	CALL(etcd_range_prefix(e, "/", chain_cb, &c));
	run_until(&c.done);
	/* freed with everything in flight */
	e = client(eps, 1, 2000);
	etcd_put(e, "/cx/c", "1", 1, 0, never_cb, NULL);
	etcd_watch_prefix(e, "/", 0, &never_callbacks, NULL);
	etcd_free(e);
	etcd_free(NULL);
	close(fd);
}

static void
etcd_test_options(void **state)
{
	const char *bad[] = { "127.0.0.1:2379" };
	const char *ok[] = { "http://127.0.0.1:2379" };
	struct etcd_options o = { .endpoints = bad, .n_endpoints = 1, .timeout_ms = 100 };
	char err[128];

	(void)state;
	assert_null(etcd_new(loop, &o, err, sizeof(err)));
	assert_string_equal(err, "endpoint \"127.0.0.1:2379\": not an http:// or https:// URL");
	o.n_endpoints = 0;
	assert_null(etcd_new(loop, &o, err, sizeof(err)));
	assert_string_equal(err, "no endpoint");
	o.endpoints = ok;
	o.n_endpoints = 1;
	o.user = "root";
	assert_null(etcd_new(loop, &o, err, sizeof(err)));
	assert_string_equal(err, "user \"root\" without a password");
	o.user = NULL;
	o.timeout_ms = 0;
	assert_null(etcd_new(loop, &o, err, sizeof(err)));
	assert_string_equal(err, "timeout_ms is 0");
}

/* A request libcurl refuses before sending (a URL past its 8 MB limit)
 * still calls back from the loop, not from the call. */
static void
etcd_test_refused_locally(void **state)
{
	size_t n = 9 * 1000 * 1000;
	char *huge = malloc(n + 1);
	const char *eps[] = { huge };
	struct etcd *e;
	struct got g = { 0 };

	(void)state;
	memset(huge, 'a', n);
	memcpy(huge, "http://", 7);
	huge[n] = '\0';
	e = client(eps, 1, 1000);
	CALL(etcd_put(e, "/k", "v", 1, 0, got_cb, &g));
	assert_false(g.done);
	WAIT(&g);
	assert_int_equal(g.status, ETCD_UNREACHABLE);
	assert_string_equal(g.error, "libcurl refused the request");
	etcd_free(e);
	free(huge);
}

/* A request made without a callback (fire and forget: fleet.c deletes the
 * key of a prefix a reload removed that way) ends without calling one. */
static void
etcd_test_no_callback(void **state)
{
	size_t n = 9 * 1000 * 1000;
	char *huge = malloc(n + 1);
	const char *eps[] = { huge };
	struct etcd *e;
	struct got g = { 0 };
	int i;

	(void)state;
	memset(huge, 'a', n);
	memcpy(huge, "http://", 7);
	huge[n] = '\0';
	e = client(eps, 1, 1000);
	assert_non_null(etcd_delete(e, "/k", NULL, NULL));
	CALL(etcd_put(e, "/k", "v", 1, 0, got_cb, &g));
	WAIT(&g);
	for (i = 0; i < 5; i++)
		ev_run(loop, EVRUN_NOWAIT);
	assert_int_equal(g.status, ETCD_UNREACHABLE);
	etcd_free(e);
	free(huge);
}

/* A reply past the 4 MiB bound is refused, not buffered. */
static void
etcd_test_reply_bound(void **state)
{
	const char *eps[] = { plain->url };
	struct etcd *e = client(eps, 1, 5000);
	size_t n = 1024 * 1024;
	char *big = malloc(n), key[32];
	struct got g = { 0 };
	int i;

	(void)state;
	memset(big, 'x', n);
	for (i = 0; i < 4; i++) {
		memset(&g, 0, sizeof(g));
		snprintf(key, sizeof(key), "/big/%d", i);
		CALL(etcd_put(e, key, big, n, 0, got_cb, &g));
		WAIT(&g);
		assert_int_equal(g.status, ETCD_OK);
	}
	free(big);
	memset(&g, 0, sizeof(g));
	CALL(etcd_range_prefix(e, "/big/", got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_BAD_REPLY);
	assert_non_null(strstr(g.error, "/v3/kv/range: reply larger than 4194304 bytes"));
	etcd_free(e);
}

/* ---- a scripted stream: lines in pieces, bad lines, error replies ---- */

/* Serves one connection: reads the request, then writes `pieces` one per
 * loop tick (each a chunk of a chunked reply unless raw), then ends the
 * reply and closes. */
struct fake {
	int lfd, cfd;
	char url[64];
	ev_io accept_io, read_io;
	ev_timer tick;
	const char *head;
	const char *const *pieces;
	size_t i;
	bool raw;
};

static void
fake_send(struct fake *f, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(f->cfd, data, len);

		if (n <= 0)
			return;	/* the client went: fine */
		data += n;
		len -= (size_t)n;
	}
}

static void
fake_tick_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	struct fake *f = w->data;
	const char *p = f->pieces[f->i];
	char size[24];

	(void)l;
	(void)revents;
	if (p == NULL) {
		if (!f->raw)
			fake_send(f, "0\r\n\r\n", 5);
		ev_timer_stop(loop, &f->tick);
		close(f->cfd);
		f->cfd = -1;
		return;
	}
	if (!f->raw) {
		snprintf(size, sizeof(size), "%zx\r\n", strlen(p));
		fake_send(f, size, strlen(size));
	}
	fake_send(f, p, strlen(p));
	if (!f->raw)
		fake_send(f, "\r\n", 2);
	f->i++;
}

static void
fake_read_cb(struct ev_loop *l, ev_io *w, int revents)
{
	struct fake *f = w->data;
	char buf[4096];

	(void)l;
	(void)revents;
	/* libev may report readiness that is not there (a reused fd): never block */
	if (recv(f->cfd, buf, sizeof(buf), MSG_DONTWAIT) <= 0 || ev_is_active(&f->tick))
		return;
	ev_io_stop(loop, &f->read_io);
	fake_send(f, f->head, strlen(f->head));
	ev_timer_start(loop, &f->tick);
}

static void
fake_accept_cb(struct ev_loop *l, ev_io *w, int revents)
{
	struct fake *f = w->data;

	(void)l;
	(void)revents;
	f->cfd = accept(f->lfd, NULL, NULL);	/* lfd is non-blocking */
	if (f->cfd < 0)
		return;
	ev_io_stop(loop, &f->accept_io);
	ev_io_init(&f->read_io, fake_read_cb, f->cfd, EV_READ);
	f->read_io.data = f;
	ev_io_start(loop, &f->read_io);
}

static void
fake_start(struct fake *f, const char *head, const char *const *pieces, bool raw)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	memset(f, 0, sizeof(*f));
	/* one loop pass first: the previous case's client closed sockets whose
	 * watchers libev has not reified yet; a listening socket that reuses
	 * such an fd number before that pass was never polled (seen under
	 * load, after etcd_test_watch_ended) */
	ev_run(loop, EVRUN_NOWAIT);
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&sin, &len), 0);
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d", ntohs(sin.sin_port));
	f->cfd = -1;
	f->head = head;
	f->pieces = pieces;
	f->raw = raw;
	ev_io_init(&f->accept_io, fake_accept_cb, f->lfd, EV_READ);
	f->accept_io.data = f;
	ev_io_start(loop, &f->accept_io);
	ev_timer_init(&f->tick, fake_tick_cb, 0.002, 0.002);
	f->tick.data = f;
}

static void
fake_stop(struct fake *f)
{
	ev_io_stop(loop, &f->accept_io);
	ev_io_stop(loop, &f->read_io);
	ev_timer_stop(loop, &f->tick);
	if (f->cfd >= 0)
		close(f->cfd);
	close(f->lfd);
}

#define STREAM_HEAD "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" \
		    "Transfer-Encoding: chunked\r\n\r\n"

/* Watch lines as they may come: split anywhere, several in one read, CRLF. */
static void
etcd_test_watch_stream(void **state)
{
	static const char *const pieces[] = {
		"{\"result\":{\"hea", "der\":{\"revision\":\"7\"},\"created\":true}}\n{\"res",
		"ult\":{\"header\":{\"revision\":\"8\"},\"events\":[{\"kv\":{\"key\":\"L2Ev",
		"eA==\",\"value\":\"aGVsbG8=\"}}]}}\r\n\n{\"result\":{\"header\":{}}}\n"
		"{\"result\":{\"header\":{\"revision\":\"9\"},\"events\":[{\"type\":\"DELETE\","
		"\"kv\":{\"key\":\"L2EveA==\"}}]}}\n{\"result\":{\"header\":{\"revision\":\"10\"},"
		"\"events\":[{\"kv\":{\"key\":\"L2EveQ==\"}}]}}\n",
		"{\"result\":{\"header\"", NULL,
	};
	struct fake f;
	struct etcd *e;
	struct seen s = { 0 };
	const char *eps[1];
	char why[128];

	(void)state;
	fake_start(&f, STREAM_HEAD, pieces, false);
	eps[0] = f.url;
	e = client(eps, 1, 2000);
	CALL(etcd_watch_prefix(e, "/a/", 0, &seen_callbacks, &s));
	run_until(&s.ended);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.what[0], "PUT /a/x=hello");
	assert_string_equal(s.what[1], "DELETE /a/x");
	assert_string_equal(s.what[2], "PUT /a/y=");
	assert_int_equal(s.revision, 10);
	/* the stream's end (a half line left over) ends the watch, once */
	assert_int_equal(s.ended_calls, 1);
	assert_int_equal(s.why.status, ETCD_UNREACHABLE);
	snprintf(why, sizeof(why), "%s: the watch stream was closed", f.url);
	assert_string_equal(s.why_error, why);
	etcd_free(e);
	fake_stop(&f);
}

/* A line that does not parse, and an error reply in place of the stream. */
static void
etcd_test_watch_bad(void **state)
{
	static const char *const bad_line[] = {
		"{\"result\":{\"header\":{},\"created\":true}}\n",
		"{\"result\":{\"header\":{},\"events\":[{\"kv\":{\"key\":\"!!\"}}]}}\n", NULL,
	};
	static const char *const error_reply[] = {
		"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
		"Content-Length: 43\r\n\r\n{\"error\":\"etcdserver: no leader\",\"code\":14}",
		NULL,
	};
	struct fake f;
	struct etcd *e;
	struct seen s = { 0 };
	const char *eps[1];

	(void)state;
	fake_start(&f, STREAM_HEAD, bad_line, false);
	eps[0] = f.url;
	e = client(eps, 1, 2000);
	CALL(etcd_watch_prefix(e, "/a/", 0, &seen_callbacks, &s));
	run_until(&s.ended);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.why.status, ETCD_BAD_REPLY);
	assert_string_equal(s.why_error, "events[0].kv.key: not base64");
	etcd_free(e);
	fake_stop(&f);

	memset(&s, 0, sizeof(s));
	fake_start(&f, "", error_reply, true);
	eps[0] = f.url;
	e = client(eps, 1, 2000);
	CALL(etcd_watch_prefix(e, "/a/", 0, &seen_callbacks, &s));
	run_until(&s.ended);
	assert_int_equal(s.why.status, ETCD_ERROR);
	assert_int_equal(s.why.code, 14);
	assert_string_equal(s.why_error, "etcdserver: no leader");
	etcd_free(e);
	fake_stop(&f);
}

/* ---- TLS ---- */

/* A test's own etcd, stopped and removed even when the test fails. */
static struct server *own;

static int
own_teardown(void **state)
{
	(void)state;
	server_free(own);
	own = NULL;
	return 0;
}

static struct etcd *
tls_client(const struct server *srv, const char *ca, const char *cert, const char *key)
{
	const char *eps[] = { srv->url };
	struct etcd_options o = { .endpoints = eps, .n_endpoints = 1, .timeout_ms = 3000,
				  .ca_file = ca, .cert_file = cert, .key_file = key };
	char err[128];
	struct etcd *e = etcd_new(loop, &o, err, sizeof(err));

	assert_non_null(e);
	return e;
}

/* https with a CA made here, a server and a client certificate; etcd
 * wants the client's (--client-cert-auth). */
static void
etcd_test_tls(void **state)
{
	struct server *srv = own = server_new(true);
	struct etcd *e = tls_client(srv, srv->ca, srv->cert, srv->key);
	struct seen s = { 0 };
	struct got g;
	char why[256];

	(void)state;
	put(e, "/tls/a", "1", 0);
	range(e, "/tls/", &g);
	assert_int_equal(g.n_kvs, 1);
	assert_string_equal(g.endpoint, srv->url);
	CALL(etcd_watch_prefix(e, "/tls/", g.revision, &seen_callbacks, &s));
	wait_events(&s, 1);
	assert_string_equal(s.what[0], "PUT /tls/a=1");
	etcd_free(e);
	/* no client certificate: refused in the handshake */
	e = tls_client(srv, srv->ca, NULL, NULL);
	memset(&g, 0, sizeof(g));
	CALL(etcd_range_prefix(e, "/tls/", got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_UNREACHABLE);
	snprintf(why, sizeof(why), "%s: ", srv->url);
	assert_memory_equal(g.error, why, strlen(why));
	/* TLS 1.3: the server's alert, or the cut connection if the client
	 * sent before it read the alert (which libcurl words as a failed send,
	 * or as a reset one, by when the server's close lands) */
	if (strstr(g.error, " alert ") == NULL &&
	    strstr(g.error, ": Failed sending data to the peer") == NULL &&
	    strstr(g.error, ": Send failure: Connection reset by peer") == NULL &&
	    strstr(g.error, ": Recv failure: Connection reset by peer") == NULL)
		fail_msg("no client certificate: %s", g.error);
	etcd_free(e);
	/* a server certificate the client's CAs do not know */
	e = tls_client(srv, NULL, srv->cert, srv->key);
	memset(&g, 0, sizeof(g));
	CALL(etcd_range_prefix(e, "/tls/", got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_UNREACHABLE);
	snprintf(why, sizeof(why), "%s: SSL certificate problem: unable to get local issuer "
		 "certificate", srv->url);
	assert_string_equal(g.error, why);
	etcd_free(e);
}

/* ---- authentication ---- */

static struct etcd *
auth_client(const struct server *srv, const char *user, const char *password)
{
	const char *eps[] = { srv->url };
	struct etcd_options o = { .endpoints = eps, .n_endpoints = 1, .timeout_ms = 3000,
				  .user = user, .password = password };
	char err[128];
	struct etcd *e = etcd_new(loop, &o, err, sizeof(err));

	assert_non_null(e);
	return e;
}

static void
etcd_test_auth(void **state)
{
	struct server *srv = own = server_new(false);
	struct etcd *e;
	struct seen s = { 0 };
	struct got g = { 0 }, g2 = { 0 };

	(void)state;
	server_ctl(srv, "user add root:s3cret");
	server_ctl(srv, "auth enable");
	/* several requests made before the token came: one authenticate */
	e = auth_client(srv, "root", "s3cret");
	CALL(etcd_put(e, "/auth/a", "1", 1, 0, got_cb, &g));
	CALL(etcd_put(e, "/auth/b", "2", 1, 0, got_cb, &g2));
	WAIT(&g);
	WAIT(&g2);
	assert_int_equal(g.status, ETCD_OK);
	assert_int_equal(g2.status, ETCD_OK);
	range(e, "/auth/", &g);
	assert_int_equal(g.n_kvs, 2);
	/* auth disabled and enabled again: etcd dropped every token; the
	 * client authenticates again, for a request as for a watch */
	server_ctl(srv, "--user root:s3cret auth disable");
	server_ctl(srv, "auth enable");
	range(e, "/auth/", &g);
	assert_int_equal(g.n_kvs, 2);
	server_ctl(srv, "--user root:s3cret auth disable");
	server_ctl(srv, "auth enable");
	CALL(etcd_watch_prefix(e, "/auth/", g.revision, &seen_callbacks, &s));
	wait_events(&s, 1);	/* the later of the two puts */
	assert_memory_equal(s.what[0], "PUT /auth/", 10);
	etcd_free(e);
	/* a wrong password: etcd's words, for every request waiting */
	e = auth_client(srv, "root", "wrong");
	memset(&g, 0, sizeof(g));
	memset(&g2, 0, sizeof(g2));
	memset(&s, 0, sizeof(s));
	CALL(etcd_range_prefix(e, "/auth/", got_cb, &g));
	CALL(etcd_watch_prefix(e, "/auth/", 0, &seen_callbacks, &s));
	CALL(etcd_lease_grant(e, 10, got_cb, &g2));
	WAIT(&g);
	WAIT(&g2);
	run_until(&s.ended);
	assert_int_equal(g.status, ETCD_ERROR);
	assert_string_equal(g.error, "etcdserver: authentication failed, invalid user ID or password");
	assert_int_equal(g.code, 3);
	assert_int_equal(g2.status, ETCD_ERROR);
	assert_int_equal(s.why.status, ETCD_ERROR);
	assert_string_equal(s.why_error,
			    "etcdserver: authentication failed, invalid user ID or password");
	etcd_free(e);
	/* no user at all */
	e = auth_client(srv, NULL, NULL);
	memset(&g, 0, sizeof(g));
	CALL(etcd_range_prefix(e, "/auth/", got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_ERROR);
	assert_string_equal(g.error, "etcdserver: user name is empty");
	etcd_free(e);
}

/* The stream breaks when etcd dies: ended, once.  Last: it stops etcd. */
static void
etcd_test_watch_ended(void **state)
{
	const char *eps[] = { plain->url };
	struct etcd *e = client(eps, 1, 2000);
	struct seen s = { 0 };
	struct got g;
	char why[128];

	(void)state;
	range(e, "/end/", &g);
	CALL(etcd_watch_prefix(e, "/end/", g.revision + 1, &seen_callbacks, &s));
	put(e, "/end/a", "1", 0);
	wait_events(&s, 1);
	server_stop(plain);
	run_until(&s.ended);
	assert_int_equal(s.ended_calls, 1);
	assert_int_equal(s.why.status, ETCD_UNREACHABLE);
	snprintf(why, sizeof(why), "%s: ", plain->url);
	assert_memory_equal(s.why_error, why, strlen(why));
	/* and nothing answers now */
	memset(&g, 0, sizeof(g));
	CALL(etcd_put(e, "/end/b", "1", 1, 0, got_cb, &g));
	WAIT(&g);
	assert_int_equal(g.status, ETCD_UNREACHABLE);
	snprintf(why, sizeof(why), "%s: Connection refused", plain->url);
	assert_string_equal(g.error, why);
	ev_run(loop, EVRUN_NOWAIT);
	assert_int_equal(s.ended_calls, 1);
	etcd_free(e);
	server_start(plain);	/* for whatever runs after */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(etcd_test_options),
		cmocka_unit_test(etcd_test_refused_locally),
		cmocka_unit_test(etcd_test_no_callback),
		cmocka_unit_test(etcd_test_requests),
		cmocka_unit_test(etcd_test_txn),
		cmocka_unit_test(etcd_test_watch),
		cmocka_unit_test(etcd_test_watch_cancel_compact),
		cmocka_unit_test(etcd_test_lease_expiry),
		cmocka_unit_test(etcd_test_failover),
		cmocka_unit_test(etcd_test_timeout),
		cmocka_unit_test(etcd_test_cancel),
		cmocka_unit_test(etcd_test_reply_bound),
		cmocka_unit_test(etcd_test_watch_ended),
		cmocka_unit_test(etcd_test_watch_stream),
		cmocka_unit_test(etcd_test_watch_bad),
		cmocka_unit_test_teardown(etcd_test_tls, own_teardown),
		cmocka_unit_test_teardown(etcd_test_auth, own_teardown),
	};
	const char *bin = getenv("ETCD");

	if (bin != NULL)
		etcd_bin = bin;
	if (access(etcd_bin, X_OK) != 0) {
		printf("etcd not installed: apt-get install etcd-server\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	loop = ev_default_loop(0);
	cmocka_set_message_output(CM_OUTPUT_STDOUT);
	if (getenv("TEST_FILTER") != NULL)	/* one case: TEST_FILTER=etcd_test_txn */
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests_name("etcd", tests, group_setup, group_teardown);
}
