/*
 * anycast-healthctl - the operators' CLI of anycast-healthd.
 *
 *   arguments --> verb --> libcurl (HTTP over the admin Unix socket, or a
 *   read-only --url) --> json-c --> ctl_render.c's tables --> exit code
 *
 * Exit codes, which scripts and the runbook rely on:
 *   0  healthy / done
 *   1  degraded, down, a fleet with something flagged, or the daemon refused
 *      the request (a fleet guard's refusal included)
 *   2  usage error, or the endpoint could not be reached or answered nonsense
 *
 * Every error names what was wrong: the prefix text, the verb, the endpoint
 * and, for an HTTP error, the status and the daemon's {"error"} text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "config.h"
#include "ctl_render.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif
#define PROG			"anycast-healthctl"
/* The daemon's default (api/admin-socket in the YANG module): a fixed path,
 * not autoconf's runstatedir, which is /usr/local/var/run under the default
 * prefix while the daemon and systemd use /run. */
#define DEFAULT_SOCKET		"/run/anycast-healthd/admin.sock"
#define DEFAULT_TIMEOUT_S	5.0
#define REPLY_MAX		(16 * 1024 * 1024)	/* a status document is a few KiB */

/* Options a verb accepts beyond the transport ones (--socket --url --timeout --help). */
enum {
	CTL_OPT_JSON = 1 << 0,
	CTL_OPT_ALL = 1 << 1,
	CTL_OPT_LIMIT = 1 << 2,
	CTL_OPT_FORCE = 1 << 3,
	CTL_OPT_EXPECT = 1 << 4,
};

struct ctl {
	const char *socket_path;
	const char *url;		/* NULL: the admin socket */
	double timeout_s;
	bool json;
	bool all;
	bool force;			/* drain/maintenance past the fleet guard */
	const char *expect;		/* fleet: "gw1,gw2,gw3", or NULL */
	long limit;			/* -1: not given */
	bool color;
	const struct ctl_verb *verb;
};

struct ctl_verb {
	const char *name;
	int (*run)(struct ctl *c, int argc, char **argv);
	unsigned opts;
	const char *synopsis;
	const char *help;
};

/* One HTTP exchange. */
struct ctl_reply {
	char *body;
	size_t len;
	long code;			/* 0 when no answer */
	char error[CURL_ERROR_SIZE];	/* transport error, when code is 0 */
};

static void ctl_usage(FILE *out);

/* ---- small helpers ---- */

static int __attribute__((format(printf, 1, 2)))
ctl_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CTL_EXIT_UNREACHABLE;
}

/* A usage error: the message, then a pointer to --help. */
static int __attribute__((format(printf, 2, 3)))
ctl_usage_error(const struct ctl *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	if (c->verb != NULL)
		fprintf(stderr, "%s: ", c->verb->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" PROG " %s%s--help'.\n", c->verb != NULL ? c->verb->name : "",
		c->verb != NULL ? " " : "");
	return CTL_EXIT_UNREACHABLE;
}

/* Where requests go, for messages. */
static const char *
ctl_endpoint(const struct ctl *c)
{
	return c->url != NULL ? c->url : c->socket_path;
}

/*
 * PREFIX text to the daemon's canonical form (host bits cleared, IPv6
 * compressed), so "2001:DB8::1/128" finds "2001:db8::1/128".  A bare
 * address is a host prefix.
 */
static int
ctl_prefix_canonical(const char *text, char *out, size_t outlen)
{
	char addr[INET6_ADDRSTRLEN + 1], *end;
	unsigned char bytes[16];
	const char *slash = strchr(text, '/');
	size_t alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	unsigned long len;
	int family, bits;

	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, bytes) == 1)
		family = AF_INET, bits = 32;
	else if (inet_pton(AF_INET6, addr, bytes) == 1)
		family = AF_INET6, bits = 128;
	else
		return -1;
	len = (unsigned long)bits;
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || len > (unsigned long)bits)
			return -1;
	}
	for (int i = (int)len; i < bits; i++)
		bytes[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
	if (inet_ntop(family, bytes, addr, sizeof(addr)) == NULL)
		return -1;
	snprintf(out, outlen, "%s/%lu", addr, len);
	return 0;
}

/* ---- HTTP ---- */

static size_t
ctl_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct ctl_reply *r = arg;
	size_t add = size * n;
	char *body;

	if (r->len + add > REPLY_MAX)
		return 0;	/* libcurl reports a write error */
	body = realloc(r->body, r->len + add + 1);
	if (body == NULL)
		return 0;
	memcpy(body + r->len, data, add);
	r->body = body;
	r->len += add;
	r->body[r->len] = '\0';
	return add;
}

/* An easy handle for base + path (base NULL: the admin socket). */
static CURL *
ctl_easy_new(const struct ctl *c, const char *base, const char *path, struct ctl_reply *r)
{
	CURL *h = curl_easy_init();
	char *url;
	long ms = (long)(c->timeout_s * 1000);

	if (h == NULL)
		return NULL;
	if (asprintf(&url, "%s%s", base != NULL ? base : "http://localhost", path) < 0) {
		curl_easy_cleanup(h);
		return NULL;
	}
	memset(r, 0, sizeof(*r));
	curl_easy_setopt(h, CURLOPT_URL, url);
	free(url);	/* libcurl keeps its own copy */
	if (base == NULL)
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->socket_path);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, PROG "/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ctl_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->error);
	return h;
}

/*
 * Why a Unix socket could not be connected to, in the kernel's words
 * ("No such file or directory", "Permission denied", "Connection refused"):
 * libcurl says only "Couldn't connect to server" and names port 80.
 */
static void
ctl_socket_why(const char *path, char *buf, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(buf, len, "socket path too long");
		return;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		snprintf(buf, len, "%s", fd < 0 ? strerror(errno) : "connection failed");
	else
		snprintf(buf, len, "%s", strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* After a transfer: fill r->error for a transport failure. */
static void
ctl_easy_result(const struct ctl *c, CURL *h, CURLcode rc, struct ctl_reply *r, bool unix_socket)
{
	if (rc == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->code);
		return;
	}
	r->code = 0;
	if (unix_socket && rc == CURLE_COULDNT_CONNECT)
		ctl_socket_why(c->socket_path, r->error, sizeof(r->error));
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(r->error, sizeof(r->error), "no answer within %g s", c->timeout_s);
	else if (r->error[0] == '\0')
		snprintf(r->error, sizeof(r->error), "%s", curl_easy_strerror(rc));
}

/* One request to the configured endpoint.  body != NULL makes it a POST. */
static void
ctl_request(const struct ctl *c, const char *path, const char *body, struct ctl_reply *r)
{
	struct curl_slist *headers = NULL;
	CURL *h = ctl_easy_new(c, c->url, path, r);
	CURLcode rc;

	if (h == NULL) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		return;
	}
	if (body != NULL) {
		headers = curl_slist_append(NULL, "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	}
	rc = curl_easy_perform(h);
	ctl_easy_result(c, h, rc, r, c->url == NULL);
	curl_slist_free_all(headers);
	curl_easy_cleanup(h);
}

static void
ctl_reply_free(struct ctl_reply *r)
{
	free(r->body);
	r->body = NULL;
}

/* The daemon's {"error": text}, or the start of whatever else it sent. */
static void
ctl_reply_error(const struct ctl_reply *r, char *buf, size_t len)
{
	struct json_object *doc = r->body != NULL ? json_tokener_parse(r->body) : NULL, *e;

	if (doc != NULL && json_object_object_get_ex(doc, "error", &e) &&
	    json_object_is_type(e, json_type_string))
		snprintf(buf, len, "%s", json_object_get_string(e));
	else if (r->len > 0)
		snprintf(buf, len, "%.200s", r->body);
	else
		snprintf(buf, len, "(no body)");
	json_object_put(doc);
	/* One line, unless the daemon sent several errors on purpose. */
	len = strlen(buf);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
}

/*
 * GET path and parse the JSON answer.  Any failure is printed and makes the
 * caller exit 2: for a read verb an endpoint that does not answer a 200
 * JSON document is unusable.
 */
static struct json_object *
ctl_get_json(const struct ctl *c, const char *path, struct ctl_reply *r)
{
	struct json_object *doc;
	char err[1024];

	ctl_request(c, path, NULL, r);
	if (r->code == 0) {
		ctl_fail("cannot reach anycast-healthd at %s: %s", ctl_endpoint(c), r->error);
		return NULL;
	}
	if (r->code != 200) {
		ctl_reply_error(r, err, sizeof(err));
		ctl_fail("GET %s from %s: HTTP %ld: %s", path, ctl_endpoint(c), r->code, err);
		return NULL;
	}
	doc = r->body != NULL ? json_tokener_parse(r->body) : NULL;
	if (doc == NULL)
		ctl_fail("GET %s from %s: the answer is not JSON", path, ctl_endpoint(c));
	return doc;
}

/* --json: the document exactly as received. */
static void
ctl_print_raw(const struct ctl_reply *r)
{
	fwrite(r->body, 1, r->len, stdout);
	if (r->len == 0 || r->body[r->len - 1] != '\n')
		fputc('\n', stdout);
}

static struct ctl_render_opts
ctl_render_opts(const struct ctl *c)
{
	return (struct ctl_render_opts){ .color = c->color, .now = (double)time(NULL) };
}

/* ---- verbs ---- */

static int
ctl_status(struct ctl *c, int argc, char **argv)
{
	struct ctl_render_opts o = ctl_render_opts(c);
	struct ctl_reply r;
	struct json_object *doc;
	int rc;

	(void)argv;
	if (argc > 0)
		return ctl_usage_error(c, "unexpected argument '%s'", argv[0]);
	doc = ctl_get_json(c, "/v1/status", &r);
	if (doc == NULL) {
		ctl_reply_free(&r);
		return CTL_EXIT_UNREACHABLE;
	}
	if (ctl_status_verdict(doc) < 0) {
		rc = ctl_fail("GET /v1/status from %s: not a status document", ctl_endpoint(c));
	} else if (c->json) {
		ctl_print_raw(&r);
		rc = ctl_status_verdict(doc);
	} else {
		rc = ctl_render_status(stdout, doc, &o);
	}
	json_object_put(doc);
	ctl_reply_free(&r);
	return rc;
}

static int
ctl_history(struct ctl *c, int argc, char **argv)
{
	struct ctl_render_opts o = ctl_render_opts(c);
	struct ctl_reply r;
	struct json_object *doc;
	char path[64] = "/v1/history";
	int rc = CTL_EXIT_OK;

	if (argc > 0)
		return ctl_usage_error(c, "unexpected argument '%s'", argv[0]);
	if (c->limit >= 0)
		snprintf(path, sizeof(path), "/v1/history?limit=%ld", c->limit);
	doc = ctl_get_json(c, path, &r);
	if (doc == NULL) {
		ctl_reply_free(&r);
		return CTL_EXIT_UNREACHABLE;
	}
	if (c->json)
		ctl_print_raw(&r);
	else if (ctl_render_history(stdout, doc, &o) < 0)
		rc = ctl_fail("GET %s from %s: not a history document", path, ctl_endpoint(c));
	json_object_put(doc);
	ctl_reply_free(&r);
	return rc;
}

/* drain, maintenance, resume: POST /v1/VERB {"prefix": P} or {"all": true}. */
static int
ctl_admin(struct ctl *c, int argc, char **argv)
{
	struct ctl_render_opts o = ctl_render_opts(c);
	struct json_object *req, *doc = NULL, *prefixes;
	struct ctl_reply r;
	char prefix[INET6_ADDRSTRLEN + 8], path[64], err[4096];
	const char *what;
	int rc;

	if (argc > 1)
		return ctl_usage_error(c, "unexpected argument '%s'", argv[1]);
	if (c->all == (argc == 1))
		return ctl_usage_error(c, "give one PREFIX or --all");
	if (argc == 1 && ctl_prefix_canonical(argv[0], prefix, sizeof(prefix)) < 0)
		return ctl_usage_error(c, "'%s' is not a prefix (ADDRESS/LENGTH, e.g. 192.0.2.1/32)",
				       argv[0]);
	if (c->url != NULL)
		return ctl_fail("%s: the admin verbs need the admin socket; %s is a read-only "
				"endpoint (run " PROG " on the gateway, with --socket PATH if needed)",
				c->verb->name, c->url);

	req = json_object_new_object();
	if (c->all)
		json_object_object_add(req, "all", json_object_new_boolean(1));
	else
		json_object_object_add(req, "prefix", json_object_new_string(prefix));
	if (c->force)
		json_object_object_add(req, "force", json_object_new_boolean(1));
	what = c->all ? "every prefix" : prefix;
	snprintf(path, sizeof(path), "/v1/%s", c->verb->name);
	ctl_request(c, path, json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE), &r);
	json_object_put(req);

	if (r.code == 0) {
		rc = ctl_fail("cannot reach anycast-healthd at %s: %s", ctl_endpoint(c), r.error);
	} else if (r.code != 200) {
		ctl_reply_error(&r, err, sizeof(err));
		fprintf(stderr, PROG ": %s %s refused (HTTP %ld): %s\n", c->verb->name, what,
			r.code, err);
		rc = CTL_EXIT_DEGRADED;
	} else if ((doc = r.body != NULL ? json_tokener_parse(r.body) : NULL) == NULL) {
		rc = ctl_fail("POST %s to %s: the answer is not JSON", path, ctl_endpoint(c));
	} else if (c->json) {
		ctl_print_raw(&r);
		rc = CTL_EXIT_OK;
	} else {
		printf("%s %s: %s\n", c->verb->name, what,
		       json_object_object_get_ex(doc, "result", &prefixes) ?
		       json_object_get_string(prefixes) : "ok");
		if (json_object_object_get_ex(doc, "prefixes", &prefixes)) {
			fputc('\n', stdout);
			ctl_render_prefixes(stdout, prefixes, &o);
		}
		if (json_object_object_get_ex(doc, "warning", &prefixes))
			fprintf(stderr, PROG ": warning: in force, but not saved (%s): it will not "
				"survive a restart of anycast-healthd\n", json_object_get_string(prefixes));
		rc = CTL_EXIT_OK;
	}
	json_object_put(doc);
	ctl_reply_free(&r);
	return rc;
}

static int
ctl_reload(struct ctl *c, int argc, char **argv)
{
	struct ctl_reply r;
	char err[8192];
	int rc;

	if (argc > 0)
		return ctl_usage_error(c, "unexpected argument '%s'", argv[0]);
	if (c->url != NULL)
		return ctl_fail("reload: the admin verbs need the admin socket; %s is a read-only "
				"endpoint (run " PROG " on the gateway, with --socket PATH if needed)",
				c->url);
	ctl_request(c, "/v1/reload", "{}", &r);
	if (r.code == 0) {
		rc = ctl_fail("cannot reach anycast-healthd at %s: %s", ctl_endpoint(c), r.error);
	} else if (r.code != 200) {
		ctl_reply_error(&r, err, sizeof(err));
		fprintf(stderr, PROG ": reload refused (HTTP %ld), the running config is kept:\n%s\n",
			r.code, err);
		rc = CTL_EXIT_DEGRADED;
	} else if (c->json) {
		ctl_print_raw(&r);
		rc = CTL_EXIT_OK;
	} else {
		printf("reloaded\n");
		rc = CTL_EXIT_OK;
	}
	ctl_reply_free(&r);
	return rc;
}

/* Validates locally with the daemon's own loader: no daemon needed. */
static int
ctl_check_config(struct ctl *c, int argc, char **argv)
{
	struct config *cfg;

	if (argc == 0)
		return ctl_usage_error(c, "give the config FILE to check");
	if (argc > 1)
		return ctl_usage_error(c, "unexpected argument '%s'", argv[1]);
	cfg = config_load(argv[0], stderr);
	if (cfg == NULL)
		return CTL_EXIT_DEGRADED;
	printf("%s: ok\n", argv[0]);
	config_free(cfg);
	return CTL_EXIT_OK;
}

/* "gw1:9180" -> "http://gw1:9180"; no trailing slash. */
static char *
ctl_fleet_base(const char *arg)
{
	char *base;
	size_t len;

	if (asprintf(&base, "%s%s", strstr(arg, "://") != NULL ? "" : "http://", arg) < 0)
		return NULL;
	len = strlen(base);
	while (len > 0 && base[len - 1] == '/')
		base[--len] = '\0';
	return base;
}

/* After the transfers: a gateway's status document, or why there is none. */
static struct json_object *
ctl_fleet_parse(const struct ctl_reply *r, char *why, size_t len)
{
	struct json_object *doc;
	char err[256];

	if (r->code == 0) {
		snprintf(why, len, "%s", r->error);
		return NULL;
	}
	if (r->code != 200) {
		ctl_reply_error(r, err, sizeof(err));
		snprintf(why, len, "HTTP %ld: %s", r->code, err);
		return NULL;
	}
	doc = r->body != NULL ? json_tokener_parse(r->body) : NULL;
	if (doc == NULL || ctl_status_verdict(doc) < 0) {
		snprintf(why, len, "not a status document");
		json_object_put(doc);
		return NULL;
	}
	return doc;
}

/* --json: {"gateways": [{"url", "status" (or null), "error" (or null)}]} */
static void
ctl_fleet_json(const struct ctl_fleet_gateway *gw, size_t n)
{
	struct json_object *out = json_object_new_object(), *list = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		struct json_object *g = json_object_new_object();

		json_object_object_add(g, "url", json_object_new_string(gw[i].url));
		json_object_object_add(g, "status", gw[i].status != NULL ?
				       json_object_get((struct json_object *)(uintptr_t)gw[i].status) : NULL);
		json_object_object_add(g, "error", gw[i].error != NULL ?
				       json_object_new_string(gw[i].error) : NULL);
		json_object_array_add(list, g);
	}
	json_object_object_add(out, "gateways", list);
	puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
}

/*
 * --expect "gw1,gw2": split into list (pointers into *copy).  Returns the
 * count, or -1 on an empty name.
 */
static int
ctl_expect_split(const char *text, char **copy, const char ***list)
{
	char *save = NULL, *tok;
	int n = 0;

	*list = NULL;
	*copy = strdup(text);
	if (*copy == NULL || text[0] == ',' || strstr(text, ",,") != NULL ||
	    text[0] == '\0' || text[strlen(text) - 1] == ',')
		return -1;
	for (tok = strtok_r(*copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		const char **grown = realloc(*list, (size_t)(n + 1) * sizeof(**list));

		if (grown == NULL)
			return -1;
		grown[n++] = tok;
		*list = grown;
	}
	return n;
}

/* The verdict of a fleet view without printing it (--json prints the body). */
static int
ctl_fleet_view_verdict(const struct json_object *doc, const char *const *expect, size_t n,
		       const struct ctl_render_opts *o)
{
	FILE *sink = fopen("/dev/null", "w");
	int rc = ctl_render_fleet_view(sink != NULL ? sink : stderr, doc, expect, n, o);

	if (sink != NULL)
		fclose(sink);
	return rc;
}

/* No URL: GET /v1/fleet from the local daemon, the store's view. */
static int
ctl_fleet_view(struct ctl *c)
{
	struct ctl_render_opts o = ctl_render_opts(c);
	struct json_object *doc;
	struct ctl_reply r;
	const char **expect = NULL;
	char *copy = NULL;
	int n = 0, rc;

	if (c->expect != NULL && (n = ctl_expect_split(c->expect, &copy, &expect)) < 0) {
		free(copy);
		free(expect);
		return ctl_usage_error(c, "--expect '%s' is not a list of node names "
				       "(NODE,NODE,...)", c->expect);
	}
	doc = ctl_get_json(c, "/v1/fleet", &r);
	if (doc == NULL) {
		if (r.code == 503 && r.body != NULL && strstr(r.body, "no fleet section") != NULL)
			fprintf(stderr, PROG ": fleet: without a fleet section, give each gateway's "
				"read-only URL: " PROG " fleet http://gw1:9180 http://gw2:9180\n");
		rc = CTL_EXIT_UNREACHABLE;
	} else if (!json_object_is_type(doc, json_type_object) ||
		   !json_object_object_get_ex(doc, "gateways", NULL)) {
		rc = ctl_fail("GET /v1/fleet from %s: not a fleet document", ctl_endpoint(c));
	} else if (c->json) {
		ctl_print_raw(&r);
		rc = ctl_fleet_view_verdict(doc, expect, (size_t)n, &o);
	} else {
		rc = ctl_render_fleet_view(stdout, doc, expect, (size_t)n, &o);
	}
	json_object_put(doc);
	ctl_reply_free(&r);
	free(copy);
	free(expect);
	return rc;
}

/*
 * URL...: GET URL/v1/status of every gateway at once (curl multi), one
 * table; no URL: the fleet view of the local daemon.
 */
static int
ctl_fleet(struct ctl *c, int argc, char **argv)
{
	size_t n = (size_t)argc;
	struct ctl_reply *replies = calloc(n, sizeof(*replies));
	struct ctl_fleet_gateway *gw = calloc(n, sizeof(*gw));
	char **bases = calloc(n, sizeof(*bases)), (*why)[CURL_ERROR_SIZE + 64];
	CURL **easy = calloc(n, sizeof(*easy));
	struct ctl_render_opts o = ctl_render_opts(c);
	CURLM *multi = curl_multi_init();
	int running = 0, rc = CTL_EXIT_UNREACHABLE;
	struct CURLMsg *msg;
	FILE *sink;

	why = calloc(n, sizeof(*why));
	if (argc == 0) {
		rc = ctl_fleet_view(c);
		goto done;
	}
	if (c->expect != NULL) {
		rc = ctl_usage_error(c, "--expect is for the store's view (no URL); with URLs "
				     "every gateway given is expected");
		goto done;
	}
	if (replies == NULL || gw == NULL || bases == NULL || easy == NULL || why == NULL ||
	    multi == NULL) {
		rc = ctl_fail("out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		bases[i] = ctl_fleet_base(argv[i]);
		easy[i] = bases[i] != NULL ? ctl_easy_new(c, bases[i], "/v1/status", &replies[i]) : NULL;
		if (easy[i] == NULL) {
			rc = ctl_fail("out of memory");
			goto done;
		}
		curl_easy_setopt(easy[i], CURLOPT_PRIVATE, (char *)&replies[i]);
		curl_multi_add_handle(multi, easy[i]);
	}
	do {
		if (curl_multi_perform(multi, &running) != CURLM_OK)
			break;
		if (running > 0)
			curl_multi_poll(multi, NULL, 0, 1000, NULL);
	} while (running > 0);
	while ((msg = curl_multi_info_read(multi, &running)) != NULL) {
		struct ctl_reply *r;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		ctl_easy_result(c, msg->easy_handle, msg->data.result, r, false);
	}
	for (size_t i = 0; i < n; i++) {
		gw[i].url = bases[i];
		gw[i].status = ctl_fleet_parse(&replies[i], why[i], sizeof(why[i]));
		gw[i].error = why[i];
	}
	if (c->json) {
		ctl_fleet_json(gw, n);
		/* The same verdict as the table, which goes nowhere. */
		sink = fopen("/dev/null", "w");
		rc = ctl_render_fleet(sink != NULL ? sink : stderr, gw, n, &o);
		if (sink != NULL)
			fclose(sink);
	} else {
		rc = ctl_render_fleet(stdout, gw, n, &o);
	}

done:
	for (size_t i = 0; i < n; i++) {
		if (easy != NULL && easy[i] != NULL) {
			curl_multi_remove_handle(multi, easy[i]);
			curl_easy_cleanup(easy[i]);
		}
		if (gw != NULL)
			json_object_put((struct json_object *)(uintptr_t)gw[i].status);
		if (replies != NULL)
			ctl_reply_free(&replies[i]);
		if (bases != NULL)
			free(bases[i]);
	}
	curl_multi_cleanup(multi);
	free(replies);
	free(gw);
	free(bases);
	free(easy);
	free(why);
	return rc;
}

static const struct ctl_verb ctl_verbs[] = {
	{ "status", ctl_status, CTL_OPT_JSON, "status [--json]",
	  "Show the services and their probes, the prefixes (desired, actual, admin\n"
	  "override, why) and the router connection.  Exit 0 when every service is UP\n"
	  "and every prefix is announced, 1 otherwise.\n"
	  "  --json         print the status document as received\n" },
	{ "history", ctl_history, CTL_OPT_JSON | CTL_OPT_LIMIT, "history [--limit N] [--json]",
	  "Show the recent transitions (services, prefixes, router, drift, admin\n"
	  "overrides, reloads), oldest first.\n"
	  "  -n, --limit N  only the newest N events\n"
	  "  --json         print the history document as received\n" },
	{ "drain", ctl_admin, CTL_OPT_JSON | CTL_OPT_ALL | CTL_OPT_FORCE,
	  "drain PREFIX|--all [--force] [--json]",
	  "Announce PREFIX with GRACEFUL_SHUTDOWN for its drain-time, then withdraw it;\n"
	  "it stays withdrawn until 'resume'.  With a fleet, refused (exit 1, naming the\n"
	  "gateways announcing it) when fewer than min-announcers other gateways would\n"
	  "keep announcing it.  Admin socket only.\n"
	  "  --all          every prefix\n"
	  "  --force        past the fleet guard: the prefix may go dark\n"
	  "  --json         print the daemon's answer as received\n" },
	{ "maintenance", ctl_admin, CTL_OPT_JSON | CTL_OPT_ALL | CTL_OPT_FORCE,
	  "maintenance PREFIX|--all [--force] [--json]",
	  "Withdraw PREFIX at once and keep it withdrawn until 'resume', whatever the\n"
	  "health checks say.  With a fleet, refused like drain by the fleet guard.\n"
	  "Admin socket only.\n"
	  "  --all          every prefix\n"
	  "  --force        past the fleet guard: the prefix may go dark\n"
	  "  --json         print the daemon's answer as received\n" },
	{ "resume", ctl_admin, CTL_OPT_JSON | CTL_OPT_ALL, "resume PREFIX|--all [--json]",
	  "End a drain or maintenance: the prefix follows its services' health again.\n"
	  "Admin socket only.\n"
	  "  --all          every prefix\n"
	  "  --json         print the daemon's answer as received\n" },
	{ "reload", ctl_reload, CTL_OPT_JSON, "reload [--json]",
	  "Reload the daemon's config file (as SIGHUP does).  When the file has errors\n"
	  "the daemon keeps the running config; they are printed and the exit code is 1.\n"
	  "Admin socket only.\n" },
	{ "check-config", ctl_check_config, 0, "check-config FILE",
	  "Validate FILE locally with the daemon's own loader (no daemon needed): exit 0,\n"
	  "or 1 with every error as 'FILE: path: message'.\n" },
	{ "fleet", ctl_fleet, CTL_OPT_JSON | CTL_OPT_EXPECT,
	  "fleet [--json] [--expect NODE,...] | fleet [--json] URL...",
	  "Without URL: the fleet as the daemon's store shows it (GET /v1/fleet; needs\n"
	  "a fleet section): one row per gateway with its router, services, each\n"
	  "prefix's state (held: kept announcing by the fleet guard), short config and\n"
	  "file fingerprints (* differs from the fleet's majority) and last change; then\n"
	  "a '!' line for the store unreachable, a gateway missing or deciding alone, a\n"
	  "router unreachable, a held prefix, a disagreement, a drift.  Exit 0 when\n"
	  "nothing is flagged, 1 otherwise.\n"
	  "With URLs: read GET URL/v1/status of several gateways in parallel and show\n"
	  "one table of gateway x prefix, with a line for each prefix the gateways\n"
	  "disagree on (announced on some, not on others) and for each unreachable\n"
	  "gateway.  Exit 0 when they agree, 1 on a disagreement or an unreachable\n"
	  "gateway, 2 when none answered.  URL is the read-only endpoint, e.g.\n"
	  "http://gw1:9180.\n"
	  "  --expect NODES flag each of these nodes (comma-separated) without a record\n"
	  "  --json         the /v1/fleet body as received; with URLs\n"
	  "                 {\"gateways\": [{\"url\", \"status\", \"error\"}]}\n" },
};
#define CTL_N_VERBS (sizeof(ctl_verbs) / sizeof(ctl_verbs[0]))

static const char ctl_transport_help[] =
	"  -s, --socket PATH   admin socket (default " DEFAULT_SOCKET ")\n"
	"  -u, --url URL       read-only endpoint instead, e.g. http://127.0.0.1:9180\n"
	"  -t, --timeout SECS  give up after SECS (default 5)\n"
	"  -h, --help          this text\n";

static void
ctl_usage(FILE *out)
{
	fprintf(out, "usage: " PROG " [options] VERB [args]\n\nverbs:\n");
	for (size_t i = 0; i < CTL_N_VERBS; i++)
		fprintf(out, "  %s\n", ctl_verbs[i].synopsis);
	fprintf(out, "\noptions:\n%s  -V, --version       print the version\n\n"
		"'" PROG " VERB --help' describes a verb.  Exit status: 0 healthy or done,\n"
		"1 degraded, down or refused, 2 usage error or endpoint unreachable.\n",
		ctl_transport_help);
}

static void
ctl_verb_usage(const struct ctl_verb *v)
{
	printf("usage: " PROG " [options] %s\n\n%s\noptions:\n%s", v->synopsis, v->help,
	       ctl_transport_help);
}

static const struct ctl_verb *
ctl_verb_find(const char *name)
{
	for (size_t i = 0; i < CTL_N_VERBS; i++)
		if (strcmp(ctl_verbs[i].name, name) == 0)
			return &ctl_verbs[i];
	return NULL;
}

/*
 * Parse options, before the verb (verb == NULL: stop at the first word) or
 * after it.  Returns -1 to go on, or an exit code (--help, --version, error).
 */
static int
ctl_parse_options(struct ctl *c, int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_ALL, OPT_FORCE, OPT_EXPECT };
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "url", required_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 't' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned allowed = c->verb != NULL ? c->verb->opts : CTL_OPT_JSON;
	char *end;
	int ch;

	opterr = 0;
	optind = 0;	/* GNU: start over on a new argv */
	while ((ch = getopt_long(argc, argv, c->verb == NULL ? "+:s:u:t:hV" : ":s:u:t:n:h",
				 longopts, NULL)) != -1) {
		switch (ch) {
		case 's': c->socket_path = optarg; break;
		case 'u': c->url = optarg; break;
		case 't':
			c->timeout_s = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(c->timeout_s > 0 && c->timeout_s <= 3600))
				return ctl_usage_error(c, "--timeout '%s' is not a number of seconds "
						       "(0 < SECS <= 3600)", optarg);
			break;
		case 'n':
			if (!(allowed & CTL_OPT_LIMIT))
				goto unknown;
			errno = 0;
			c->limit = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || errno != 0 || c->limit < 0)
				return ctl_usage_error(c, "--limit '%s' is not a count", optarg);
			break;
		case OPT_JSON:
			if (!(allowed & CTL_OPT_JSON))
				goto unknown;
			c->json = true;
			break;
		case OPT_ALL:
			if (!(allowed & CTL_OPT_ALL))
				goto unknown;
			c->all = true;
			break;
		case OPT_FORCE:
			if (!(allowed & CTL_OPT_FORCE))
				goto unknown;
			c->force = true;
			break;
		case OPT_EXPECT:
			/* Not "goto unknown": argv[optind - 1] is its value. */
			if (!(allowed & CTL_OPT_EXPECT))
				return ctl_usage_error(c, "unknown option '--expect'");
			c->expect = optarg;
			break;
		case 'h':
			if (c->verb != NULL)
				ctl_verb_usage(c->verb);
			else
				ctl_usage(stdout);
			return CTL_EXIT_OK;
		case 'V':
			printf(PROG " %s\n", PACKAGE_VERSION);
			return CTL_EXIT_OK;
		case ':':
			return ctl_usage_error(c, "option '%s' needs a value", argv[optind - 1]);
		default:
			goto unknown;
		}
	}
	return -1;
unknown:
	return ctl_usage_error(c, "unknown option '%s'", argv[optind - 1]);
}

int
main(int argc, char **argv)
{
	struct ctl c = {
		.socket_path = DEFAULT_SOCKET,
		.timeout_s = DEFAULT_TIMEOUT_S,
		.limit = -1,
	};
	const char *no_color = getenv("NO_COLOR");
	int rc, first;

	rc = ctl_parse_options(&c, argc, argv);
	if (rc >= 0)
		return rc;
	first = optind;
	if (first >= argc) {
		fprintf(stderr, PROG ": no verb given\n");
		ctl_usage(stderr);
		return CTL_EXIT_UNREACHABLE;
	}
	c.verb = ctl_verb_find(argv[first]);
	if (c.verb == NULL)
		return ctl_usage_error(&c, "unknown verb '%s'", argv[first]);
	/* The verb's own options may follow it; what remains are its arguments. */
	rc = ctl_parse_options(&c, argc - first, argv + first);
	if (rc >= 0)
		return rc;
	c.color = isatty(STDOUT_FILENO) && (no_color == NULL || no_color[0] == '\0');

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return ctl_fail("cannot initialise libcurl");
	rc = c.verb->run(&c, argc - first - optind, argv + first + optind);
	curl_global_cleanup();
	fflush(stdout);
	return rc;
}
