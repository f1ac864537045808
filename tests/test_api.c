/*
 * test_api.c - the HTTP endpoints (api.c) on a real libev loop, with a real
 * daemon (daemon_create) whose router socket does not exist and whose one
 * probe fails (TCP to port 1).
 *
 * Each request is made by a forked child with plain blocking sockets (so a
 * child can also drop to nobody first); the parent keeps running the loop
 * that serves it and collects the raw answer through a pipe.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "api.h"
#include "api_body.h"
#include "daemon.h"
#include "log.h"
#include "override_file.h"
#include "proc_status.h"
#include "status_page.h"

#define PREFIX "192.0.2.1/32"
#define TIMEOUT_S 2		/* connection-timeout-s */
#define MAX_CONN 4		/* max-connections; per IP on TCP: 2 */

static struct ev_loop *loop;
static char dir[64];
static char sock_path[128];
static uint16_t port;
static struct daemon *daemon_;
static struct api *api;
static int reloads;

/* ---- requests from a child ---- */

enum via { VIA_TCP, VIA_ADMIN };

struct req {
	enum via via;
	const char *method, *path;
	const char *body;		/* NULL: none */
	size_t body_len;		/* 0: strlen(body) */
	bool chunked;			/* body is already chunk-encoded */
	const char *extra;		/* extra header lines, each ending in \r\n */
	int drop_to;			/* 0, or run as uid/gid 65534 */
	gid_t extra_group;		/* with drop_to: a supplementary group, 0 = none */
	double wait_s;			/* give up after; 0 = 5 s */
	int src;			/* TCP: from 127.0.0.<src>; 0 = any */
};

struct reply {
	int code;			/* 0: closed without an answer; -1: no answer in time */
	char head[4096];
	char *body;
	struct json_object *json;
};

/* A TCP connection to the api from 127.0.0.<src> (0: the kernel's choice). */
static int
connect_from(int src)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in from = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(0x7f000000 | (uint32_t)src) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0 && ((src != 0 && bind(fd, (struct sockaddr *)&from, sizeof(from)) < 0) ||
			connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int
connect_to(enum via via)
{
	int fd;

	if (via == VIA_TCP) {
		fd = connect_from(0);
	} else {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		memcpy(sun.sun_path, sock_path, strlen(sock_path) + 1);	/* short: see setup */
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			close(fd);
			fd = -1;
		}
	}
	return fd;
}

static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0 && (n = write(fd, buf, len)) > 0) {
		buf += n;
		len -= (size_t)n;
	}
}

static void __attribute__((noreturn))
child_request(const struct req *rq, int out)
{
	size_t blen = rq->body ? (rq->body_len ? rq->body_len : strlen(rq->body)) : 0;
	char head[16384], length[64] = "", buf[8192];
	ssize_t n;
	int fd;

	/* Not the parent's listening sockets: a copy held here would keep the
	 * port taken while a test restarts the api. */
	for (fd = 3; fd < 1024; fd++)
		if (fd != out)
			close(fd);
	if (rq->drop_to) {
		gid_t groups[1] = { rq->extra_group };

		if (setgroups(rq->extra_group ? 1 : 0, groups) < 0 || setgid(65534) < 0 ||
		    setuid(65534) < 0)
			_exit(3);
	}
	if ((fd = rq->src ? connect_from(rq->src) : connect_to(rq->via)) < 0)
		_exit(2);
	if (rq->chunked)
		snprintf(length, sizeof(length), "Transfer-Encoding: chunked\r\n");
	else if (rq->body)
		snprintf(length, sizeof(length), "Content-Length: %zu\r\n", blen);
	snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n%s",
		 rq->method, rq->path, length);
	write_all(fd, head, strlen(head));
	if (rq->extra)
		write_all(fd, rq->extra, strlen(rq->extra));
	write_all(fd, "\r\n", 2);
	if (rq->body)
		write_all(fd, rq->body, blen);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		write_all(out, buf, (size_t)n);
	_exit(0);
}

static void
guard_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
}

/* Run the loop for `seconds` (or until *done). */
static void
spin(double seconds, const bool *done)
{
	ev_timer guard;
	ev_tstamp end;

	ev_timer_init(&guard, guard_cb, 0.02, 0.02);
	ev_timer_start(loop, &guard);
	ev_now_update(loop);
	end = ev_now(loop) + seconds;
	while ((done == NULL || !*done) && ev_now(loop) < end)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &guard);
}

struct collect {
	ev_io io;
	char *buf;
	size_t len, size;
	bool eof;
};

static void
collect_cb(struct ev_loop *l, ev_io *w, int revents)
{
	struct collect *c = (struct collect *)w;
	ssize_t n;

	(void)revents;
	if (c->len + 4096 > c->size) {
		c->size = c->size * 2 + 8192;
		c->buf = realloc(c->buf, c->size);
		assert_non_null(c->buf);
	}
	n = read(w->fd, c->buf + c->len, c->size - c->len - 1);
	if (n > 0) {
		c->len += (size_t)n;
		return;
	}
	if (n < 0 && errno == EAGAIN)
		return;
	c->eof = true;
	ev_io_stop(l, w);
}

static void
parse_reply(struct reply *rp, char *raw)
{
	char *sep = strstr(raw, "\r\n\r\n");

	rp->code = 0;
	if (sep == NULL || sscanf(raw, "HTTP/1.%*d %d", &rp->code) != 1) {
		rp->body = strdup("");
		return;
	}
	*sep = '\0';
	snprintf(rp->head, sizeof(rp->head), "%s", raw);
	rp->body = strdup(sep + 4);
	rp->json = json_tokener_parse(rp->body);
}

static struct reply
request(const struct req *rq)
{
	struct collect c = { 0 };
	struct reply rp = { .code = -1 };
	int p[2], status;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		child_request(rq, p[1]);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	ev_io_init(&c.io, collect_cb, p[0], EV_READ);
	ev_io_start(loop, &c.io);
	spin(rq->wait_s > 0 ? rq->wait_s : 5, &c.eof);
	ev_io_stop(loop, &c.io);
	close(p[0]);
	if (!c.eof)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (c.eof) {
		c.buf = c.buf ? c.buf : calloc(1, 1);
		c.buf[c.len] = '\0';
		parse_reply(&rp, c.buf);
	} else {
		rp.body = strdup("");
	}
	free(c.buf);
	return rp;
}

static void
reply_free(struct reply *rp)
{
	free(rp->body);
	json_object_put(rp->json);
}

static struct reply
get(enum via via, const char *path)
{
	struct req rq = { .via = via, .method = "GET", .path = path };

	return request(&rq);
}

static struct reply
post(const char *path, const char *body)
{
	struct req rq = { .via = VIA_ADMIN, .method = "POST", .path = path, .body = body };

	return request(&rq);
}

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static void
assert_error(struct reply *rp, int code, const char *error)
{
	if (rp->code != code)
		print_error("got %d: %s\n", rp->code, rp->body);
	assert_int_equal(rp->code, code);
	assert_non_null(rp->json);
	assert_string_equal(jstr(rp->json, "error"), error);
	reply_free(rp);
}

/* ---- the log ---- */

static char capture_path[64];
static int capture_saved = -1;

/* Send stderr (the log) to a file until stderr_release(). */
static void
stderr_capture(void)
{
	int fd;

	snprintf(capture_path, sizeof(capture_path), "/tmp/test-api-log-XXXXXX");
	fd = mkstemp(capture_path);
	assert_true(fd >= 0);
	fflush(stderr);
	capture_saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

/* Put stderr back; what was logged meanwhile (static). */
static const char *
stderr_release(void)
{
	static char buf[16384];
	ssize_t n;
	int fd;

	fflush(stderr);
	dup2(capture_saved, STDERR_FILENO);
	close(capture_saved);
	fd = open(capture_path, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	unlink(capture_path);
	return buf;
}

/* ---- setup ---- */

static int
test_reload(void *arg, char *msg, size_t len)
{
	(void)arg;
	reloads++;
	if (reloads % 2 == 1)
		return 0;
	snprintf(msg, len, "a.json: -: bad\nb.json: -: worse\n");
	return -1;
}

static uint16_t
free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

static int
group_setup(void **state)
{
	char path[128];
	struct config *cfg;
	FILE *fp;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	log_init(getenv("TEST_DEBUG") != NULL);
	loop = EV_DEFAULT;
	snprintf(dir, sizeof(dir), "/tmp/test-api-XXXXXX");
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(sock_path, sizeof(sock_path), "%s/admin.sock", dir);
	snprintf(path, sizeof(path), "%s/conf.json", dir);
	port = free_port();
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "{\"anycast-healthd:anycast-healthd\": {\n"
		"\"router\": {\"bird\": {\"control-socket\": \"%s/bird.ctl\", \"state-file\": \"%s/state.conf\"}},\n"
		"\"service\": [{\"name\": \"svc\", \"interval-ms\": 1000, \"timeout-ms\": 500,\n"
		"  \"probe\": [{\"name\": \"t\", \"tcp\": {\"address\": \"127.0.0.1\", \"port\": 1}}]}],\n"
		"\"prefix\": [{\"prefix\": \"%s\", \"depends-on\": [\"svc\"], \"bird\": {\"protocol\": \"anycast4\"}},\n"
		"  {\"prefix\": \"192.0.2.2/32\", \"depends-on\": [\"svc\"], \"bird\": {\"protocol\": \"anycast4b\"}}],\n"
		"\"api\": {\"listen-port\": %u, \"admin-socket\": \"%s\", \"admin-group\": \"adm\",\n"
		"  \"admin-state-file\": \"%s/admin-state.json\",\n"
		"  \"max-connections\": %d, \"connection-timeout-s\": %d, \"history-size\": 16}}}\n",
		dir, dir, PREFIX, port, sock_path, dir, MAX_CONN, TIMEOUT_S);
	fclose(fp);
	cfg = config_load(path, stderr);
	assert_non_null(cfg);
	daemon_ = daemon_create(loop, cfg);
	api = api_start(loop, daemon_, &cfg->api, test_reload, NULL);
	assert_non_null(api);
	return 0;
}

static int
group_teardown(void **state)
{
	char path[128];

	(void)state;
	api_stop(api);
	assert_int_equal(access(sock_path, F_OK), -1);	/* unlinked */
	daemon_free(daemon_);
	snprintf(path, sizeof(path), "%s/conf.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state.conf", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/admin-state.json", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

/* ---- read-only endpoints ---- */

static void
api_test_status(void **state)
{
	struct reply rp = get(VIA_TCP, "/v1/status");
	struct json_object *v;

	(void)state;
	assert_int_equal(rp.code, 200);
	assert_non_null(strstr(rp.head, "Content-Type: application/json"));
	assert_non_null(rp.json);
	assert_true(json_object_object_get_ex(rp.json, "services", &v));
	assert_int_equal(json_object_array_length(v), 1);
	assert_true(json_object_object_get_ex(rp.json, "prefixes", &v));
	assert_string_equal(jstr(json_object_array_get_idx(v, 0), "prefix"), PREFIX);
	assert_true(json_object_object_get_ex(rp.json, "router", &v));
	assert_string_equal(jstr(v, "kind"), "bird");
	reply_free(&rp);

	rp = get(VIA_ADMIN, "/v1/status");	/* read endpoints are on both */
	assert_int_equal(rp.code, 200);
	assert_non_null(rp.json);
	reply_free(&rp);
}

static void
api_test_metrics(void **state)
{
	struct reply rp = get(VIA_TCP, "/metrics");

	(void)state;
	assert_int_equal(rp.code, 200);
	assert_non_null(strstr(rp.head, "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
	assert_non_null(strstr(rp.body, "\nanycast_healthd_router_up 0\n"));
	assert_non_null(strstr(rp.body, "anycast_healthd_prefix_state{prefix=\"" PREFIX "\","));
	reply_free(&rp);
}

static void
api_test_healthz(void **state)
{
	struct req rq = { .via = VIA_TCP, .method = "GET", .path = "/healthz", .body = "ignored" };
	struct reply rp = get(VIA_TCP, "/healthz");

	(void)state;
	assert_int_equal(rp.code, 200);
	assert_string_equal(jstr(rp.json, "status"), "ok");
	reply_free(&rp);
	rp = request(&rq);			/* a GET with a body: the body is dropped */
	assert_int_equal(rp.code, 200);
	assert_string_equal(jstr(rp.json, "status"), "ok");
	reply_free(&rp);
	rq.method = "HEAD";
	rq.body = NULL;
	rp = request(&rq);
	assert_int_equal(rp.code, 200);
	assert_string_equal(rp.body, "");
	reply_free(&rp);
}

/* No fleet section: /v1/fleet says so, on both listeners. */
static void
api_test_fleet_absent(void **state)
{
	struct reply rp = get(VIA_TCP, "/v1/fleet");

	(void)state;
	assert_error(&rp, 503, "no fleet section in the configuration");
	rp = get(VIA_ADMIN, "/v1/fleet");
	assert_error(&rp, 503, "no fleet section in the configuration");
}

static void
api_test_history(void **state)
{
	struct reply rp;
	struct json_object *v;

	(void)state;
	daemon_note_reload_refused(daemon_, "one");
	daemon_note_reload_refused(daemon_, "two");
	rp = get(VIA_TCP, "/v1/history?limit=1");
	assert_int_equal(rp.code, 200);
	assert_true(json_object_object_get_ex(rp.json, "events", &v));
	assert_int_equal(json_object_array_length(v), 1);
	assert_string_equal(jstr(json_object_array_get_idx(v, 0), "reason"), "two");
	assert_string_equal(jstr(json_object_array_get_idx(v, 0), "kind"), "reload");
	reply_free(&rp);
	rp = get(VIA_TCP, "/v1/history?limit=x1");
	assert_error(&rp, 400, "limit: expected a non-negative number, got \"x1\"");
	rp = get(VIA_TCP, "/v1/history?limit=-1");
	assert_error(&rp, 400, "limit: expected a non-negative number, got \"-1\"");
}

static void
api_test_not_found(void **state)
{
	struct reply rp = get(VIA_TCP, "/v1/nope");

	(void)state;
	assert_error(&rp, 404, "no such endpoint: /v1/nope");
}

static void
api_test_wrong_method(void **state)
{
	struct req rq = { .via = VIA_TCP, .method = "POST", .path = "/v1/status", .body = "{}" };
	struct reply rp = request(&rq);

	(void)state;
	assert_non_null(strstr(rp.head, "Allow: GET, HEAD"));
	assert_error(&rp, 405, "/v1/status: use GET");
	rp = get(VIA_ADMIN, "/v1/maintenance");
	assert_non_null(strstr(rp.head, "Allow: POST"));
	assert_error(&rp, 405, "/v1/maintenance: use POST");
}

/* ---- the status page (GET /) ---- */

/* The value of header `name` in rp's head (static), or NULL. */
static const char *
header(const struct reply *rp, const char *name)
{
	static char value[1024];
	char key[128];
	const char *p, *end;

	snprintf(key, sizeof(key), "\r\n%s: ", name);
	if ((p = strstr(rp->head, key)) == NULL)
		return NULL;
	p += strlen(key);
	end = strstr(p, "\r\n");
	snprintf(value, sizeof(value), "%.*s", end ? (int)(end - p) : (int)strlen(p), p);
	return value;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

/* The route and its headers; the CSP names the served page's script and
 * style (status_page_csp is checked against known hashes in
 * test_status_page.c). */
static void
api_test_page(void **state)
{
	struct req rq = { .via = VIA_TCP, .method = "HEAD", .path = "/" };
	struct reply rp = get(VIA_TCP, "/");
	char csp[STATUS_PAGE_CSP_MAX];

	(void)state;
	assert_int_equal(rp.code, 200);
	assert_string_equal(header(&rp, "Content-Type"), "text/html; charset=utf-8");
	assert_string_equal(header(&rp, "Cache-Control"), "no-cache");
	assert_string_equal(header(&rp, "X-Content-Type-Options"), "nosniff");
	assert_int_equal(status_page_csp(rp.body, csp, sizeof(csp)), 0);
	assert_string_equal(header(&rp, "Content-Security-Policy"), csp);
	assert_non_null(strstr(csp, "default-src 'none'; script-src 'sha256-"));
	assert_non_null(strstr(csp, "; connect-src 'self';"));
	assert_string_equal(rp.body, status_page_html);
	reply_free(&rp);

	rp = request(&rq);
	assert_int_equal(rp.code, 200);
	assert_string_equal(header(&rp, "Content-Type"), "text/html; charset=utf-8");
	assert_string_equal(rp.body, "");
	reply_free(&rp);

	rq.method = "POST";
	rp = request(&rq);
	assert_non_null(strstr(rp.head, "Allow: GET, HEAD"));
	assert_error(&rp, 405, "/: use GET");
	rp = get(VIA_TCP, "/index.html");
	assert_error(&rp, 404, "no such endpoint: /index.html");
}

/*
 * What the served page may hold: under STATUS_PAGE_MAX bytes, ASCII, no URL
 * leaving the daemon (no scheme, no protocol-relative "//", no src/href/url()
 * at all: the data comes from fetch() of relative URLs), one script and one
 * style block (what the CSP hashes), and no way to turn data into markup.
 */
static void
api_test_page_content(void **state)
{
	static const char *const never[] = {
		"http:", "https:", "//", "src=", "href=", "url(", "@import", "<link", "<iframe",
		"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
		"Function(", "DOMParser", "createContextualFragment",
	};
	struct reply rp = get(VIA_TCP, "/");
	size_t i, len = strlen(rp.body);

	(void)state;
	assert_int_equal(rp.code, 200);
	assert_int_equal(len, status_page_html_len);
	assert_true(len < STATUS_PAGE_MAX);
	for (i = 0; i < len; i++)
		if ((unsigned char)rp.body[i] >= 0x80 || rp.body[i] == '\0')
			fail_msg("byte %zu of the page is 0x%02x: keep it ASCII", i,
				 (unsigned char)rp.body[i]);
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (strstr(rp.body, never[i]) != NULL)
			fail_msg("the page holds \"%s\"", never[i]);
	assert_int_equal(count(rp.body, "<script"), 1);
	assert_int_equal(count(rp.body, "<style"), 1);
	assert_non_null(strstr(rp.body, "get(\"v1/status\")"));
	assert_non_null(strstr(rp.body, "get(\"v1/history\")"));
	reply_free(&rp);
}

/* ---- admin verbs ---- */

static void
api_test_admin_over_tcp(void **state)
{
	struct req rq = { .via = VIA_TCP, .method = "POST", .path = "/v1/maintenance",
			  .body = "{\"all\": true}" };
	struct reply rp = request(&rq);

	(void)state;
	assert_error(&rp, 403, "/v1/maintenance: only on the admin socket");
	assert_int_equal(daemon_->prefixes[0].admin, ADMIN_NONE);
}

static void
api_test_bad_json(void **state)
{
	struct reply rp;

	(void)state;
	rp = post("/v1/maintenance", "{\"prefix\": ");
	assert_error(&rp, 400, "invalid JSON: unexpected end of data");
	rp = post("/v1/maintenance", "{\"prefix\" 1}");
	assert_error(&rp, 400, "invalid JSON: object property name separator ':' expected");
	rp = post("/v1/maintenance", "{} x");
	assert_error(&rp, 400, "invalid JSON: trailing data after the object");
	rp = post("/v1/maintenance", "[1]");
	assert_error(&rp, 400, "the body must be a JSON object");
	rp = post("/v1/maintenance", "");
	assert_error(&rp, 400, "give {\"prefix\": \"P\"} or {\"all\": true}");
	rp = post("/v1/maintenance", "{\"prefix\": \"" PREFIX "\", \"all\": true}");
	assert_error(&rp, 400, "give {\"prefix\": \"P\"} or {\"all\": true}");
	rp = post("/v1/maintenance", "{\"prefx\": \"" PREFIX "\"}");
	assert_error(&rp, 400, "unexpected member \"prefx\": give {\"prefix\": \"P\"} or "
		     "{\"all\": true}");
	/* bare scalars are whole JSON values, just not objects */
	rp = post("/v1/maintenance", "null");
	assert_error(&rp, 400, "the body must be a JSON object");
	rp = post("/v1/maintenance", "1");
	assert_error(&rp, 400, "the body must be a JSON object");
	rp = post("/v1/drain", "true");
	assert_error(&rp, 400, "the body must be a JSON object");
	rp = post("/v1/reload", " 12 ");
	assert_error(&rp, 400, "the body must be a JSON object");
	/* a NUL would cut the prefix short in C: refused, not taken as PREFIX */
	rp = post("/v1/maintenance", "{\"prefix\":\"" PREFIX "\\u0000junk\"}");
	assert_error(&rp, 400, "a string in the body holds \\u0000 (a NUL character)");
	assert_int_equal(daemon_->prefixes[0].admin, ADMIN_NONE);
}

#define LONG_NAME "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* The parser alone (api_body.c), as the fuzzer drives it. */
static void
api_test_body_parse(void **state)
{
	static const struct {
		const char *text;
		size_t len;		/* 0: strlen */
		bool reload;
		int rc;
		enum api_body_kind kind;
		const char *out;	/* the prefix, or the error */
	} cases[] = {
		{ "{\"prefix\": \"" PREFIX "\"}", 0, false, 0, API_BODY_PREFIX, PREFIX },
		{ "{\"all\": true}\r\n", 0, false, 0, API_BODY_ALL, NULL },
		{ "{\"all\": false, \"prefix\": \"2001:db8::/64\"}", 0, false, 0, API_BODY_PREFIX,
		  "2001:db8::/64" },
		{ " \t\r\n", 0, true, 0, API_BODY_NONE, NULL },
		{ "{}", 0, true, 0, API_BODY_NONE, NULL },
		{ "{\"all\": true}", 0, true, -1, 0, "reload takes no arguments" },
		{ "{}", 0, false, -1, 0, "give {\"prefix\": \"P\"} or {\"all\": true}" },
		{ "null", 0, false, -1, 0, "the body must be a JSON object" },
		{ "false", 0, true, -1, 0, "the body must be a JSON object" },
		{ "-1.5e3", 0, false, -1, 0, "the body must be a JSON object" },
		{ "\"" PREFIX "\"", 0, false, -1, 0, "the body must be a JSON object" },
		{ "nul", 0, false, -1, 0, "invalid JSON: unexpected end of data" },
		{ "{\"all\": true", 0, false, -1, 0, "invalid JSON: unexpected end of data" },
		{ "{\"all\": true}}", 0, false, -1, 0, "invalid JSON: trailing data after the object" },
		/* the NUL byte is the body's, not a terminator */
		{ "{\"all\": true}\0x", 15, false, -1, 0, "invalid JSON: trailing data after the object" },
		{ "{\"prefix\": \"" PREFIX "\0x\"}", 28, false, -1, 0, "invalid JSON: unexpected end of data" },
		/* \u0000 in a value or in a member name (json-c cuts names there) */
		{ "{\"prefix\":\"" PREFIX "\\u0000junk\"}", 0, false, -1, 0,
		  "a string in the body holds \\u0000 (a NUL character)" },
		{ "{\"prefix\\u0000x\": \"" PREFIX "\"}", 0, false, -1, 0,
		  "a string in the body holds \\u0000 (a NUL character)" },
		{ "{\"x\": \"\\u0000\"}", 0, true, -1, 0,
		  "a string in the body holds \\u0000 (a NUL character)" },
		/* an escaped backslash then "u0000" is text, not a NUL */
		{ "{\"prefix\": \"a\\\\u0000\"}", 0, false, 0, API_BODY_PREFIX, "a\\u0000" },
		/* a member name is quoted on one line, and not at any length */
		{ "{\"a\\nb\\u0001\": 1}", 0, false, -1, 0,
		  "unexpected member \"a?b?\": give {\"prefix\": \"P\"} or {\"all\": true}" },
		{ "{\"" LONG_NAME "x\": 1}", 0, false, -1, 0,
		  "unexpected member \"" LONG_NAME "...\": give {\"prefix\": \"P\"} or {\"all\": true}" },
		{ "{\"prefix\": 1}", 0, false, -1, 0,
		  "unexpected member \"prefix\": give {\"prefix\": \"P\"} or {\"all\": true}" },
		/* past the fleet guard */
		{ "{\"prefix\": \"" PREFIX "\", \"force\": true}", 0, false, 0, API_BODY_PREFIX, PREFIX },
		{ "{\"all\": true, \"force\": false}", 0, false, 0, API_BODY_ALL, NULL },
		{ "{\"all\": true, \"force\": \"yes\"}", 0, false, -1, 0,
		  "\"force\" must be true or false" },
		{ "{\"force\": true}", 0, false, -1, 0, "give {\"prefix\": \"P\"} or {\"all\": true}" },
		{ "{\"force\": true}", 0, true, -1, 0, "reload takes no arguments" },
	};
	struct api_body b;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		int rc;

		err[0] = '\0';
		rc = api_body_parse(cases[i].text, len, cases[i].reload, &b, err, sizeof(err));
		if (rc != cases[i].rc)
			print_error("case %zu: %s: rc %d (%s)\n", i, cases[i].text, rc, err);
		assert_int_equal(rc, cases[i].rc);
		if (rc < 0) {
			assert_string_equal(err, cases[i].out);
			assert_null(b.prefix);
			continue;
		}
		assert_int_equal(b.kind, cases[i].kind);
		assert_int_equal(b.force, strstr(cases[i].text, "\"force\": true") != NULL);
		if (cases[i].out != NULL)
			assert_string_equal(b.prefix, cases[i].out);
		else
			assert_null(b.prefix);
		api_body_clear(&b);
	}
}

static void
api_test_proc_status(void **state)
{
	static const char typical[] = "Name:\tcat\nUmask:\t0022\nGid:\t1000\t1000\t1000\t1000\n"
				      "Groups:\t4 24 27 1000 \nNStgid:\t123\n";
	static const char wraps[] = "Groups:\t4294967296 18446744073709551616 99999999999999999999999\n";

	(void)state;
	assert_true(proc_status_in_group(typical, strlen(typical), 4));
	assert_true(proc_status_in_group(typical, strlen(typical), 27));
	assert_true(proc_status_in_group(typical, strlen(typical), 1000));
	assert_false(proc_status_in_group(typical, strlen(typical), 2));
	assert_false(proc_status_in_group(typical, strlen(typical), 123));	/* not a group line */
	assert_false(proc_status_in_group(typical, strlen(typical) - 20, 1000));	/* cut: no NUL needed */
	assert_true(proc_status_in_group("Groups:\t4 24", 13, 24));		/* no newline */
	assert_false(proc_status_in_group("Groups:\t\nNSpid:\t4\n", 19, 4));	/* no groups */
	assert_false(proc_status_in_group("Groups:\t4\nGroups:\t27\n", 21, 27));	/* the first only */
	/* too large for a gid_t: never wrapped to root's group */
	assert_false(proc_status_in_group(wraps, strlen(wraps), 0));
	assert_false(proc_status_in_group("", 0, 0));
}

static void
api_test_body_too_large(void **state)
{
	char body[5000];
	struct req rq = { .via = VIA_ADMIN, .method = "POST", .path = "/v1/maintenance",
			  .body = body };
	struct reply rp;

	(void)state;
	memset(body, ' ', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	rp = request(&rq);
	assert_error(&rp, 413, "request body larger than 4096 bytes");
	/* chunked: no Content-Length, so found out while reading */
	{
		static char chunked[6000];
		size_t n = 0;
		int i;

		for (i = 0; i < 2; i++) {
			n += (size_t)sprintf(chunked + n, "%x\r\n", 2500);
			memset(chunked + n, ' ', 2500);
			n += 2500;
			n += (size_t)sprintf(chunked + n, "\r\n");
		}
		n += (size_t)sprintf(chunked + n, "0\r\n\r\n");
		rq.body = chunked;
		rq.body_len = n;
		rq.chunked = true;
	}
	rp = request(&rq);
	assert_error(&rp, 413, "request body larger than 4096 bytes");
}

static void
api_test_header_too_large(void **state)
{
	static char extra[20000];
	struct req rq = { .via = VIA_TCP, .method = "GET", .path = "/v1/status", .extra = extra };
	struct reply rp;

	(void)state;
	snprintf(extra, sizeof(extra), "X-Big: %0*d\r\n", 18000, 0);
	rp = request(&rq);
	assert_int_equal(rp.code, 431);		/* MHD's own answer */
	reply_free(&rp);
	rp = get(VIA_TCP, "/healthz");		/* still serving */
	assert_int_equal(rp.code, 200);
	reply_free(&rp);
}

/* Hundreds of query arguments exhausted libmicrohttpd's connection pool; it
 * then meant to send 431 but sent nothing until the deadline. */
static void
api_test_many_query_args(void **state)
{
	static char path[8192], extra[16384];
	struct req rq = { .via = VIA_TCP, .method = "GET", .path = path };
	struct reply rp;
	size_t n;
	int i;

	(void)state;
	n = (size_t)snprintf(path, sizeof(path), "/v1/history?limit=1");
	for (i = 1; i < 1000; i++)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "&a=%d", i % 10);
	rp = request(&rq);
	assert_error(&rp, 414, "too many query arguments: more than 16");
	path[strlen("/v1/history?") + 1000] = '\0';	/* '&' alone makes an argument too */
	memset(path + strlen("/v1/history?"), '&', 1000);
	rp = request(&rq);
	assert_error(&rp, 414, "too many query arguments: more than 16");
	/* 16 are fine (the last one counts) */
	n = (size_t)snprintf(path, sizeof(path), "/v1/history?");
	for (i = 1; i < 16; i++)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "x%d=&", i);
	snprintf(path + n, sizeof(path) - n, "limit=1");
	rp = request(&rq);
	assert_int_equal(rp.code, 200);
	reply_free(&rp);
	/* many small header lines cost pool records too: refused, and at once */
	for (i = 0, n = 0; i < 1500; i++)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, "X-%d: 1\r\n", i);
	rq.path = "/healthz";
	rq.extra = extra;
	rp = request(&rq);
	assert_int_equal(rp.code, 431);
	reply_free(&rp);
	rp = get(VIA_TCP, "/healthz");		/* still serving */
	assert_int_equal(rp.code, 200);
	reply_free(&rp);
}

static void
api_test_maintenance_resume(void **state)
{
	struct reply rp;
	struct json_object *list, *px;

	(void)state;
	rp = post("/v1/maintenance", "{\"prefix\": \"" PREFIX "\"}");
	assert_int_equal(rp.code, 200);
	assert_string_equal(jstr(rp.json, "result"), "ok");
	assert_true(json_object_object_get_ex(rp.json, "prefixes", &list));
	assert_int_equal(json_object_array_length(list), 1);
	px = json_object_array_get_idx(list, 0);
	assert_string_equal(jstr(px, "prefix"), PREFIX);
	assert_string_equal(jstr(px, "admin"), "maintenance");
	assert_string_equal(jstr(px, "desired"), "withdrawn");
	assert_non_null(jstr(px, "admin_since"));
	assert_int_equal(daemon_->prefixes[0].admin, ADMIN_MAINTENANCE);
	assert_int_equal(daemon_->prefixes[1].admin, ADMIN_NONE);
	reply_free(&rp);

	rp = post("/v1/resume", "{\"all\": true}");
	assert_int_equal(rp.code, 200);
	assert_true(json_object_object_get_ex(rp.json, "prefixes", &list));
	assert_int_equal(json_object_array_length(list), 2);
	assert_string_equal(jstr(json_object_array_get_idx(list, 0), "admin"), "none");
	assert_null(jstr(json_object_array_get_idx(list, 0), "admin_since"));
	assert_int_equal(daemon_->prefixes[0].admin, ADMIN_NONE);
	reply_free(&rp);
}

/* A second daemon started from the same config, as after a restart. */
static struct daemon *
restarted_daemon(void)
{
	char path[128];
	struct config *cfg;

	snprintf(path, sizeof(path), "%s/conf.json", dir);
	cfg = config_load(path, stderr);
	assert_non_null(cfg);
	return daemon_create(loop, cfg);
}

static void
api_test_overrides_survive_restart(void **state)
{
	char path[128];
	struct saved_override *v;
	struct reply rp;
	struct daemon *again;
	size_t n;
	char err[256];
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/admin-state.json", dir);
	rp = post("/v1/maintenance", "{\"prefix\": \"" PREFIX "\"}");
	assert_int_equal(rp.code, 200);
	assert_null(jstr(rp.json, "warning"));	/* saved */
	reply_free(&rp);

	/* On disk, and put back by the next daemon: withdrawn at once, before
	 * any service has a verdict. */
	assert_int_equal(override_file_load(path, &v, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].prefix, PREFIX);
	assert_int_equal(v[0].admin, ADMIN_MAINTENANCE);
	assert_true(v[0].since == daemon_->prefixes[0].admin_since);
	free(v);
	again = restarted_daemon();
	assert_int_equal(again->prefixes[0].admin, ADMIN_MAINTENANCE);
	assert_true(again->prefixes[0].admin_since == daemon_->prefixes[0].admin_since);
	assert_int_equal(again->prefixes[0].desired, ROUTE_WITHDRAWN);
	assert_int_equal(again->prefixes[1].admin, ADMIN_NONE);
	assert_string_equal(again->overrides_error, "");
	daemon_free(again);

	/* Resumed: the file says so, and a restarted daemon has no override. */
	rp = post("/v1/resume", "{\"all\": true}");
	assert_int_equal(rp.code, 200);
	reply_free(&rp);
	assert_int_equal(override_file_load(path, &v, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	again = restarted_daemon();
	assert_int_equal(again->prefixes[0].admin, ADMIN_NONE);
	assert_int_equal(again->prefixes[0].desired, ROUTE_UNKNOWN);
	daemon_free(again);

	/* A damaged file restores nothing and says why, in the status too. */
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{\"version\": 1, \"overrides\": [{\"prefix\": \"" PREFIX "\", \"admin\": \"paused\"}]}",
	      fp);
	fclose(fp);
	again = restarted_daemon();
	assert_int_equal(again->prefixes[0].admin, ADMIN_NONE);
	assert_non_null(strstr(again->overrides_restore_error, "admin-state.json: overrides[0]/admin: "
				"\"paused\" is not drain or maintenance; kept as "));
	assert_string_equal(again->overrides_error, "");
	daemon_free(again);
	/* moved aside, so the next save does not destroy the operator's file */
	assert_int_equal(access(path, F_OK), -1);
	strcat(path, ".bad");
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);

	/* A drain the restart interrupted comes back finished: withdrawn, no
	 * GRACEFUL_SHUTDOWN announced again before any verdict. */
	snprintf(path, sizeof(path), "%s/admin-state.json", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "{\"version\": 1, \"overrides\": [{\"prefix\": \"" PREFIX "\", "
		"\"admin\": \"drain\", \"since\": %.3f, \"drain_until\": %.3f}]}",
		ev_time() - 5, ev_time() + 25);
	fclose(fp);
	again = restarted_daemon();
	assert_int_equal(again->prefixes[0].admin, ADMIN_DRAIN);
	assert_true(again->prefixes[0].drain_until <= ev_time());
	assert_int_equal(again->prefixes[0].desired, ROUTE_WITHDRAWN);
	daemon_free(again);
	unlink(path);
}

/* The drain timer is a libev timer, relative to the loop's cached time
 * (ev_now), which lags the clock by however long the loop has been busy
 * since it woke.  Armed with the clock's time, it fired that much before
 * the drain's end: the policy (which reads the clock) still said draining,
 * and when the clock crossed the end between that verdict and the re-arm,
 * no timer was left and the prefix stayed draining for good (seen in the
 * lab under load: GRACEFUL_SHUTDOWN kept, never withdrawn).  Here the loop
 * is 50 ms behind the clock when the drain is asked for; the timer must not
 * expire before the drain's end. */
static void
api_test_drain_timer_not_early(void **state)
{
	char path[128], err[256];
	struct config *cfg;
	struct daemon *d;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/drain.json", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "{\"anycast-healthd:anycast-healthd\": {\n"
		"\"router\": {\"bird\": {\"control-socket\": \"%s/bird.ctl\", \"state-file\": \"%s/drain-state.conf\"}},\n"
		"\"service\": [{\"name\": \"svc\", \"interval-ms\": 1000, \"timeout-ms\": 500,\n"
		"  \"probe\": [{\"name\": \"t\", \"tcp\": {\"address\": \"127.0.0.1\", \"port\": 1}}]}],\n"
		"\"prefix\": [{\"prefix\": \"%s\", \"depends-on\": [\"svc\"], \"drain-time-s\": 1,\n"
		"  \"bird\": {\"protocol\": \"anycast4\", \"drain-protocol\": \"anycast4_drain\"}}],\n"
		"\"api\": {\"admin-socket\": \"%s/drain-admin.sock\", \"admin-state-file\": \"%s/drain-admin-state.json\"}}}\n",
		dir, dir, PREFIX, dir, dir);
	fclose(fp);
	cfg = config_load(path, stderr);
	assert_non_null(cfg);
	d = daemon_create(loop, cfg);
	assert_non_null(d);
	ev_now_update(loop);
	usleep(50000);		/* the loop's time is now 50 ms behind the clock */
	assert_int_equal(daemon_admin(d, DAEMON_ADMIN_DRAIN, PREFIX, false, err, sizeof(err)), 0);
	assert_true(ev_is_active(&d->drain_timer));
	assert_true(ev_now(loop) + ev_timer_remaining(loop, &d->drain_timer) >=
		    d->prefixes[0].drain_until);
	daemon_free(d);
	unlink(path);
	snprintf(path, sizeof(path), "%s/drain-state.conf", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/drain-admin-state.json", dir);
	unlink(path);
}

static void
api_test_admin_refusals(void **state)
{
	struct reply rp;

	(void)state;
	rp = post("/v1/maintenance", "{\"prefix\": \"198.51.100.1/32\"}");
	assert_error(&rp, 404, "198.51.100.1/32: no such prefix in the configuration");
	/* no drain protocol configured: daemon_admin() refuses */
	rp = post("/v1/drain", "{\"prefix\": \"" PREFIX "\"}");
	assert_int_equal(rp.code, 409);
	assert_non_null(jstr(rp.json, "error"));
	assert_non_null(strstr(jstr(rp.json, "error"), PREFIX));
	assert_int_equal(daemon_->prefixes[0].admin, ADMIN_NONE);
	reply_free(&rp);
}

static void
api_test_peer_credentials(void **state)
{
	struct req rq = { .via = VIA_ADMIN, .method = "POST", .path = "/v1/maintenance",
			  .body = "{\"prefix\": \"" PREFIX "\"}", .drop_to = 1 };
	struct reply rp;

	(void)state;
	/* The socket is 0660 root:adm; open it up so nobody reaches the check. */
	assert_int_equal(chmod(sock_path, 0666), 0);
	rp = request(&rq);
	assert_error(&rp, 403, "uid 65534 is neither root nor in the admin group");
	assert_int_equal(daemon_->prefixes[0].admin, ADMIN_NONE);
	rq.path = "/healthz", rq.method = "GET", rq.body = NULL;
	rp = request(&rq);
	assert_error(&rp, 403, "uid 65534 is neither root nor in the admin group");

	/* nobody with adm as a supplementary group is let in */
	rq = (struct req){ .via = VIA_ADMIN, .method = "POST", .path = "/v1/maintenance",
			   .body = "{\"all\": true}", .drop_to = 1, .extra_group = getgrnam("adm")->gr_gid };
	rp = request(&rq);
	assert_int_equal(rp.code, 200);
	assert_int_equal(daemon_->prefixes[0].admin, ADMIN_MAINTENANCE);
	reply_free(&rp);
	rp = post("/v1/resume", "{\"all\": true}");
	assert_int_equal(rp.code, 200);
	reply_free(&rp);
	assert_int_equal(chmod(sock_path, 0660), 0);
}

static void
api_test_socket_mode(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(stat(sock_path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(st.st_gid, getgrnam("adm")->gr_gid);
}

static void
api_test_reload(void **state)
{
	struct reply rp;

	(void)state;
	reloads = 0;
	rp = post("/v1/reload", "");
	assert_int_equal(rp.code, 200);
	assert_string_equal(jstr(rp.json, "result"), "reloaded");
	reply_free(&rp);
	rp = post("/v1/reload", "{}");
	assert_error(&rp, 409, "a.json: -: bad\nb.json: -: worse");
	rp = post("/v1/reload", "{\"all\": true}");
	assert_error(&rp, 400, "reload takes no arguments");
	assert_int_equal(reloads, 2);
}

/* The reload callback restarts the api (a changed api section): safe, and the
 * new listeners serve. */
static int
test_reload_restart(void *arg, char *msg, size_t len)
{
	(void)arg;
	(void)msg;
	(void)len;
	reloads++;
	api_stop(api);
	api = api_start(loop, daemon_, &daemon_->cfg->api, test_reload_restart, NULL);
	return 0;
}

static void
api_test_reload_restarts_api(void **state)
{
	struct reply rp;

	(void)state;
	api_stop(api);
	api = api_start(loop, daemon_, &daemon_->cfg->api, test_reload_restart, NULL);
	assert_non_null(api);
	reloads = 0;
	rp = post("/v1/reload", "");
	assert_int_equal(reloads, 1);
	assert_int_equal(rp.code, 0);		/* its connection went with the old api */
	reply_free(&rp);
	rp = get(VIA_ADMIN, "/healthz");
	assert_int_equal(rp.code, 200);
	reply_free(&rp);
	rp = get(VIA_TCP, "/healthz");
	assert_int_equal(rp.code, 200);
	reply_free(&rp);
	api_stop(api);
	api = api_start(loop, daemon_, &daemon_->cfg->api, test_reload, NULL);
	assert_non_null(api);
}

/* main.c's way: the reload callback restarts the api from a 0 s timer, so
 * the reloading client still gets its answer. */
static ev_timer restart_timer;

static void
restart_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	api_stop(api);
	api = api_start(l, daemon_, &daemon_->cfg->api, test_reload, NULL);
}

static int
test_reload_deferred(void *arg, char *msg, size_t len)
{
	(void)arg;
	(void)msg;
	(void)len;
	reloads++;
	ev_timer_init(&restart_timer, restart_cb, 0., 0.);
	ev_timer_start(loop, &restart_timer);
	return 0;
}

static void
api_test_reload_restart_deferred(void **state)
{
	struct reply rp;

	(void)state;
	api_stop(api);
	api = api_start(loop, daemon_, &daemon_->cfg->api, test_reload_deferred, NULL);
	reloads = 0;
	rp = post("/v1/reload", "");
	assert_int_equal(reloads, 1);
	assert_int_equal(rp.code, 200);
	assert_string_equal(jstr(rp.json, "result"), "reloaded");
	reply_free(&rp);
	assert_false(ev_is_active(&restart_timer));
	rp = get(VIA_ADMIN, "/healthz");	/* the restarted api (test_reload again) */
	assert_int_equal(rp.code, 200);
	reply_free(&rp);
}

/* ---- limits ---- */

static bool
closed_by_peer(int fd)
{
	char buf[512];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN);
}

static void
api_test_slow_loris(void **state)
{
	static const char half[] = "GET /v1/status HTTP/1.1\r\nHost: te";
	struct reply rp;
	int fd = connect_to(VIA_TCP);
	ev_tstamp start;

	(void)state;
	assert_true(fd >= 0);
	write_all(fd, half, sizeof(half) - 1);
	spin(0.2, NULL);
	start = ev_now(loop);
	rp = get(VIA_TCP, "/healthz");		/* others are still answered */
	assert_int_equal(rp.code, 200);
	reply_free(&rp);
	assert_false(closed_by_peer(fd));
	while (!closed_by_peer(fd) && ev_now(loop) - start < TIMEOUT_S + 3)
		spin(0.1, NULL);
	assert_true(closed_by_peer(fd));
	assert_true(ev_now(loop) - start >= TIMEOUT_S - 0.5);
	close(fd);
}

/* A client trickling its header one byte at a time never goes idle, so MHD's
 * idle timeout never fires: the request deadline must cut it anyway. */
static void
api_test_trickle(void **state)
{
	static const char req[] = "GET /v1/status HTTP/1.1\r\nHost: test\r\nX-Slow: ";
	int fd = connect_to(VIA_TCP);
	ev_tstamp start;
	size_t i = 0;

	(void)state;
	assert_true(fd >= 0);
	start = ev_now(loop);
	while (!closed_by_peer(fd) && ev_now(loop) - start < TIMEOUT_S + 3) {
		if (i < sizeof(req) - 1)
			write_all(fd, &req[i++], 1);
		else
			write_all(fd, "a", 1);		/* a header that never ends */
		spin(0.25, NULL);
	}
	assert_true(closed_by_peer(fd));
	assert_true(ev_now(loop) - start >= TIMEOUT_S - 0.5);	/* not before the deadline */
	close(fd);
}

static void
api_test_connection_limit(void **state)
{
	struct req rq = { .via = VIA_ADMIN, .method = "GET", .path = "/healthz", .wait_s = 0.7 };
	int fds[MAX_CONN], i;
	struct reply rp;

	(void)state;
	/* admin socket: MAX_CONN idle connections hold every slot */
	for (i = 0; i < MAX_CONN; i++) {
		fds[i] = connect_to(VIA_ADMIN);
		assert_true(fds[i] >= 0);
	}
	spin(0.2, NULL);
	rp = request(&rq);
	assert_int_equal(rp.code, -1);		/* not served while the slots are held */
	reply_free(&rp);
	for (i = 0; i < MAX_CONN; i++)
		close(fds[i]);
	rq.wait_s = 0;
	rp = request(&rq);
	assert_int_equal(rp.code, 200);
	reply_free(&rp);

	/* TCP: at most MAX_CONN / 2 from one address; one more closes the one
	 * of them idle longest (it used to be closed itself: idle connections
	 * locked their address out) */
	for (i = 0; i < MAX_CONN / 2; i++) {
		fds[i] = connect_from(1);
		assert_true(fds[i] >= 0);
		spin(0.1, NULL);
	}
	rq = (struct req){ .via = VIA_TCP, .method = "GET", .path = "/healthz", .src = 1 };
	rp = request(&rq);
	assert_int_equal(rp.code, 200);
	reply_free(&rp);
	spin(0.1, NULL);
	assert_true(closed_by_peer(fds[0]));
	for (i = 1; i < MAX_CONN / 2; i++)
		assert_false(closed_by_peer(fds[i]));
	for (i = 0; i < MAX_CONN / 2; i++)
		close(fds[i]);
	spin(0.2, NULL);
	rp = get(VIA_TCP, "/healthz");
	assert_int_equal(rp.code, 200);
	reply_free(&rp);
}

/*
 * Idle connections from four addresses, ten times max-connections of them
 * (most wait in the listen backlog), and held open: a fifth client's request
 * is still answered, and one from a flooding address too, because each
 * connection taking the last slot, or its address's last, closes the one
 * idle longest.  Without that the client waited until the deadlines had
 * cut every idle connection queued ahead of it (10 rounds of TIMEOUT_S).
 */
static void
api_test_idle_flood(void **state)
{
	struct req rq = { .via = VIA_TCP, .method = "GET", .path = "/healthz", .src = 5,
			  .wait_s = TIMEOUT_S + 1 };
	enum { N = 10 * MAX_CONN };
	int fds[N], i, cut = 0;
	struct reply rp;

	(void)state;
	for (i = 0; i < N; i++) {
		fds[i] = connect_from(1 + i % 4);
		assert_true(fds[i] >= 0);
	}
	spin(0.2, NULL);
	rp = request(&rq);
	assert_int_equal(rp.code, 200);
	reply_free(&rp);
	rq.src = 1;				/* from a flooding address too */
	rp = request(&rq);
	assert_int_equal(rp.code, 200);
	reply_free(&rp);
	for (i = 0; i < N; i++) {
		cut += closed_by_peer(fds[i]);
		close(fds[i]);
	}
	assert_true(cut >= N - MAX_CONN);	/* cycled through, not left waiting */
	spin(0.2, NULL);
}

/* ---- starting ---- */

static void
api_test_start_refusals(void **state)
{
	struct api_config cfg = { .listen_port = 0, .admin_socket = sock_path,
				  .admin_group = (char *)(uintptr_t)"no-such-group-xyz",
				  .max_connections = 2, .connection_timeout_s = 2 };
	char other[160], expect[160];
	struct api *a;
	struct stat st;
	int fd, i;

	(void)state;
	/* a live socket is never taken over */
	assert_null(api_start(loop, daemon_, &cfg, NULL, NULL));
	assert_int_equal(stat(sock_path, &st), 0);

	/* a stale one is replaced; a missing group leaves it root-only */
	snprintf(other, sizeof(other), "%s/stale.sock", dir);
	{
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		assert_true(strlen(other) < sizeof(sun.sun_path));
		memcpy(sun.sun_path, other, strlen(other) + 1);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
		close(fd);
	}
	cfg.admin_socket = other;
	a = api_start(loop, daemon_, &cfg, NULL, NULL);
	assert_non_null(a);
	assert_int_equal(stat(other, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	api_stop(a);
	assert_int_equal(access(other, F_OK), -1);

	/* not a socket: left alone */
	fd = open(other, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_null(api_start(loop, daemon_, &cfg, NULL, NULL));
	assert_int_equal(access(other, F_OK), 0);
	unlink(other);

	/* IPv6 */
	{
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
		struct api_config v6 = cfg;

		v6.listen_address = (char *)(uintptr_t)"::1";
		v6.listen_port = free_port();
		sin6.sin6_port = htons(v6.listen_port);
		a = api_start(loop, daemon_, &v6, NULL, NULL);
		assert_non_null(a);
		fd = socket(AF_INET6, SOCK_STREAM, 0);
		assert_int_equal(connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
		close(fd);
		api_stop(a);
	}

	/* TCP port taken (by the group's api): refused with the address and
	 * port named, never shared; the admin socket still starts */
	cfg.listen_address = (char *)(uintptr_t)"127.0.0.1";
	cfg.listen_port = port;
	stderr_capture();
	a = api_start(loop, daemon_, &cfg, NULL, NULL);
	snprintf(expect, sizeof(expect), "anycast-healthd: warning: api: cannot listen on "
		 "127.0.0.1 port %u: Address already in use\n", port);
	assert_non_null(strstr(stderr_release(), expect));
	assert_non_null(a);
	assert_int_equal(access(other, F_OK), 0);
	for (i = 0; i < 8; i++) {		/* every request still reaches the first */
		struct reply rp = get(VIA_TCP, "/healthz");

		assert_int_equal(rp.code, 200);
		reply_free(&rp);
	}
	api_stop(a);
	api_stop(NULL);
}

static void
api_test_config_equal(void **state)
{
	struct api_config a = { .listen_address = (char *)(uintptr_t)"127.0.0.1", .listen_port = 9180,
				.admin_socket = (char *)(uintptr_t)"/run/a.sock",
				.admin_group = (char *)(uintptr_t)"g", .history_size = 256,
				.max_connections = 32, .connection_timeout_s = 10 };
	struct api_config b = a;
	char addr[] = "127.0.0.1";

	(void)state;
	b.listen_address = addr;
	assert_true(api_config_equal(&a, &b));
	b.history_size = 16;		/* the daemon's business, not a listener's */
	assert_true(api_config_equal(&a, &b));
	b.listen_port = 9181;
	assert_false(api_config_equal(&a, &b));
	b = a;
	b.admin_group = NULL;
	assert_false(api_config_equal(&a, &b));
	b = a;
	b.connection_timeout_s = 11;
	assert_false(api_config_equal(&a, &b));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(api_test_status),
		cmocka_unit_test(api_test_metrics),
		cmocka_unit_test(api_test_healthz),
		cmocka_unit_test(api_test_fleet_absent),
		cmocka_unit_test(api_test_history),
		cmocka_unit_test(api_test_not_found),
		cmocka_unit_test(api_test_wrong_method),
		cmocka_unit_test(api_test_page),
		cmocka_unit_test(api_test_page_content),
		cmocka_unit_test(api_test_admin_over_tcp),
		cmocka_unit_test(api_test_bad_json),
		cmocka_unit_test(api_test_body_parse),
		cmocka_unit_test(api_test_proc_status),
		cmocka_unit_test(api_test_body_too_large),
		cmocka_unit_test(api_test_header_too_large),
		cmocka_unit_test(api_test_many_query_args),
		cmocka_unit_test(api_test_maintenance_resume),
		cmocka_unit_test(api_test_overrides_survive_restart),
		cmocka_unit_test(api_test_admin_refusals),
		cmocka_unit_test(api_test_drain_timer_not_early),
		cmocka_unit_test(api_test_socket_mode),
		cmocka_unit_test(api_test_peer_credentials),
		cmocka_unit_test(api_test_reload),
		cmocka_unit_test(api_test_reload_restarts_api),
		cmocka_unit_test(api_test_reload_restart_deferred),
		cmocka_unit_test(api_test_slow_loris),
		cmocka_unit_test(api_test_trickle),
		cmocka_unit_test(api_test_connection_limit),
		cmocka_unit_test(api_test_idle_flood),
		cmocka_unit_test(api_test_start_refusals),
		cmocka_unit_test(api_test_config_equal),
	};

	if (geteuid() != 0 || getgrnam("adm") == NULL) {
		print_message("test_api: needs root (peer credentials, setuid) and group adm: "
			      "skipped\n");
		return 77;
	}
	if (getenv("TEST_FILTER") != NULL)	/* e.g. TEST_FILTER='*slow*' */
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests_name("api", tests, group_setup, group_teardown);
}
