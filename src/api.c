/*
 * api.c - the HTTP endpoints (see api.h): libmicrohttpd driven by the
 * daemon's libev loop, so no thread ever touches daemon state.
 *
 * Each listener is one MHD daemon in external epoll mode: one ev_io on MHD's
 * epoll fd and one ev_timer re-armed from MHD_get_timeout() after every
 * MHD_run().  Two listeners:
 *
 *   TCP    read-only (GET); we bind listen-address/port ourselves, without
 *          SO_REUSEPORT (a second daemon must not share the port), and hand
 *          the socket to MHD; at its limits a new connection closes the one
 *          idle longest (api_conn_admit), so idle ones cannot starve it
 *   admin  a Unix socket we bind ourselves (0660 root:admin-group) and hand
 *          to MHD; POST verbs, allowed to root or members of admin-group
 *          (SO_PEERCRED, then the peer's groups in /proc/PID/status)
 *
 * The renderers live in status.c; this file only routes, checks and answers.
 * GET / answers the status page built into the daemon (status_page.h), one
 * response made at start with its Content-Security-Policy.
 * A reload runs outside MHD_run(): the request is suspended, an ev_timer
 * calls the reload callback, then the request is resumed with the answer.
 * So the callback may even stop this api (a changed api section) safely.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "api.h"
#include "api_body.h"
#include "daemon.h"
#include "file_util.h"
#include "fleet/fleet.h"
#include "log.h"
#include "proc_status.h"
#include "status.h"
#include "status_page.h"

#define API_BODY_MAX		4096		/* admin request bodies; larger: 413 */
#define API_CONN_MEMORY		(16 * 1024)	/* per connection: see docs/api.md, Limits */
#define API_QUERY_ARGS_MAX	16		/* more: 414 (api_uri_cb) */
#define API_RELOAD_MSG_MAX	8192
#define API_PROC_STATUS_MAX	(1024 * 1024)	/* /proc/PID/status: 65536 groups fit */
#define API_JSON		"application/json"
#define API_METRICS_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define API_PAGE_TYPE		"text/html; charset=utf-8"

enum api_endpoint {
	API_PAGE, API_STATUS, API_HISTORY, API_METRICS, API_HEALTHZ, API_FLEET,
	API_DRAIN, API_MAINTENANCE, API_RESUME, API_RELOAD,
	API_ENDPOINT__COUNT
};

static const struct api_route {
	const char *path;
	bool admin;			/* POST on the admin socket; else GET/HEAD */
	enum daemon_admin_verb verb;	/* admin verbs but reload */
} api_routes[API_ENDPOINT__COUNT] = {
	[API_PAGE] = { "/", false, 0 },
	[API_STATUS] = { "/v1/status", false, 0 },
	[API_HISTORY] = { "/v1/history", false, 0 },
	[API_METRICS] = { "/metrics", false, 0 },
	[API_HEALTHZ] = { "/healthz", false, 0 },
	[API_FLEET] = { "/v1/fleet", false, 0 },
	[API_DRAIN] = { "/v1/drain", true, DAEMON_ADMIN_DRAIN },
	[API_MAINTENANCE] = { "/v1/maintenance", true, DAEMON_ADMIN_MAINTENANCE },
	[API_RESUME] = { "/v1/resume", true, DAEMON_ADMIN_RESUME },
	[API_RELOAD] = { "/v1/reload", true, 0 },
};

struct api;

/*
 * One accepted connection.  A request must arrive whole within
 * connection-timeout-s of the connection opening (or of the previous request's
 * end, on a kept-alive connection), however slowly it trickles in: MHD's own
 * timeout counts idle time only, which a byte a second keeps resetting.
 */
struct api_conn {
	struct api_conn *next, **pprev;
	int fd;
	ev_tstamp deadline;		/* 0 while its request is being answered */
	bool cut;			/* shut down by us; MHD has yet to close it */
	unsigned char addr[16];		/* the client's address (TCP; IPv4 in 4 bytes) */
};

struct api_listener {
	struct api *api;
	const char *name;		/* "tcp" or "admin", for the log */
	bool admin;
	struct MHD_Daemon *mhd;
	ev_io io;			/* MHD's epoll fd */
	ev_timer timer;			/* MHD's next timeout */
	double request_timeout_s;	/* connection-timeout-s */
	unsigned int max_connections;	/* max-connections */
	unsigned int per_addr;		/* connections per client address */
	bool evict_idle;		/* TCP: make room (api_conn_admit) */
	struct api_conn *conns;		/* open connections */
	ev_timer deadline_timer;	/* cuts requests past their deadline */
};

/* One HTTP request, from its first callback to MHD's completion notice. */
struct api_request {
	struct api_listener *l;
	struct MHD_Connection *c;
	enum api_endpoint endpoint;
	bool started;			/* the access callback has seen it */
	bool too_many_args;		/* its query was cut off: answer 414 */
	char what[96];			/* "GET /v1/status", for the log */
	char *body;			/* admin verbs only: API_BODY_MAX + 1 bytes */
	size_t len;
	bool too_big;
	bool answered;			/* a response is queued */
	struct api_request *next;	/* queue of suspended reloads */
	unsigned int code;		/* a reload's answer, once known */
	char *answer;
};

struct api {
	struct ev_loop *loop;
	struct daemon *d;
	api_reload_fn *reload;
	void *reload_arg;
	struct api_listener tcp, admin;
	char *socket_path;		/* ours to unlink at stop */
	bool have_gid;			/* admin-group exists */
	gid_t admin_gid;
	ev_timer reload_timer;		/* runs queued reloads outside MHD_run() */
	struct api_request *reloads;	/* suspended, oldest first */
	struct api_request *reloading;	/* whose reload callback is running */
	bool *stopped;			/* set by api_stop() during that callback */
	char mhd_error[256];		/* MHD's last message, for start failures */
	struct MHD_Response *page;	/* GET /: built once, NULL if it failed */
};

/* ---- answers ---- */

/* Serialize and free root: the same layout as status.c's documents. */
static char *
api_json_text(struct json_object *root)
{
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	char *out = NULL;

	if (text != NULL && asprintf(&out, "%s\n", text) < 0)
		out = NULL;
	json_object_put(root);
	return out;
}

/* Queue `text` (malloc'd, taken; NULL = out of memory) as the answer. */
/* The request is in: its deadline no longer applies (deadline 0), or starts
 * again for the next request on the connection. */
static void
api_conn_deadline(struct MHD_Connection *c, struct api_listener *l, bool next_request)
{
	const union MHD_ConnectionInfo *ci;
	struct api_conn *ac;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	ac = ci != NULL ? ci->socket_context : NULL;
	if (ac != NULL && !ac->cut)
		ac->deadline = next_request ? ev_now(l->api->loop) + l->request_timeout_s : 0;
}

/* Queue resp (not taken) as the request's answer. */
static enum MHD_Result
api_queue(struct api_request *r, unsigned int code, struct MHD_Response *resp)
{
	enum MHD_Result ret;

	api_conn_deadline(r->c, r->l, false);
	ret = MHD_queue_response(r->c, code, resp);
	r->answered = ret == MHD_YES;
	return ret;
}

static enum MHD_Result
api_answer(struct api_request *r, unsigned int code, const char *type, char *text,
	   const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (text == NULL) {
		code = MHD_HTTP_INTERNAL_SERVER_ERROR;
		type = API_JSON;
		text = strdup("{\"error\": \"out of memory\"}\n");
		if (text == NULL)
			return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	ret = api_queue(r, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static char *api_error_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
api_error_text(const char *fmt, ...)
{
	struct json_object *root = json_object_new_object();
	char msg[API_RELOAD_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(root, "error", json_object_new_string(msg));
	return api_json_text(root);
}

#define api_error(r, code, ...) \
	api_answer((r), (code), API_JSON, api_error_text(__VA_ARGS__), NULL)

static char *
api_result_text(const char *result)
{
	struct json_object *root = json_object_new_object();

	json_object_object_add(root, "result", json_object_new_string(result));
	return api_json_text(root);
}

/* ---- read-only endpoints ---- */

/* GET /v1/fleet: the fleet as this gateway's watch mirror has it; 503 when
 * there is no fleet or the store was never read. */
static enum MHD_Result
api_fleet(struct api_request *r)
{
	const struct daemon *d = r->l->api->d;
	struct json_object *view;
	char err[128];

	if (d->fleet == NULL)
		return api_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "%s", d->cfg->fleet.enabled ?
				 "the fleet module did not start (see the log)" :
				 "no fleet section in the configuration");
	if ((view = fleet_view(d->fleet, err, sizeof(err))) == NULL)
		return api_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "%s", err);
	return api_answer(r, MHD_HTTP_OK, API_JSON, api_json_text(view), NULL);
}

static enum MHD_Result
api_get(struct api_request *r)
{
	struct daemon *d = r->l->api->d;
	const char *arg;
	unsigned long limit = 0;
	char *end;

	switch (r->endpoint) {
	case API_PAGE:
		if (r->l->api->page == NULL)
			return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
					 "the status page has no Content-Security-Policy (see the log)");
		return api_queue(r, MHD_HTTP_OK, r->l->api->page);
	case API_STATUS:
		return api_answer(r, MHD_HTTP_OK, API_JSON, status_json(d, ev_time()), NULL);
	case API_HISTORY:
		arg = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "limit");
		if (arg != NULL) {
			errno = 0;
			limit = strtoul(arg, &end, 10);
			if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0)
				return api_error(r, MHD_HTTP_BAD_REQUEST,
						 "limit: expected a non-negative number, got \"%s\"", arg);
		}
		return api_answer(r, MHD_HTTP_OK, API_JSON,
				  status_history_json(d, (size_t)limit), NULL);
	case API_METRICS:
		return api_answer(r, MHD_HTTP_OK, API_METRICS_TYPE, status_metrics(d, ev_time()),
				  NULL);
	case API_HEALTHZ:
		return api_answer(r, MHD_HTTP_OK, API_JSON, strdup("{\"status\": \"ok\"}\n"), NULL);
	case API_FLEET:
		return api_fleet(r);
	default:
		return api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "not a read-only endpoint");
	}
}

/* ---- admin endpoints ---- */

/* 200 {"result": "ok", "prefixes": [...]}: the prefix objects of the status
 * document (status.c renders them), those the verb touched. */
static char *
api_admin_result(const struct daemon *d, const char *prefix)
{
	char *text = status_json(d, ev_time());
	struct json_object *status, *all, *root, *list;
	size_t i;

	if (text == NULL)
		return NULL;
	status = json_tokener_parse(text);
	free(text);
	if (status == NULL || !json_object_object_get_ex(status, "prefixes", &all)) {
		json_object_put(status);
		return NULL;
	}
	root = json_object_new_object();
	list = json_object_new_array();
	json_object_object_add(root, "result", json_object_new_string("ok"));
	for (i = 0; i < json_object_array_length(all); i++) {
		struct json_object *px = json_object_array_get_idx(all, i), *name;

		if (prefix != NULL && json_object_object_get_ex(px, "prefix", &name) &&
		    strcmp(json_object_get_string(name), prefix) != 0)
			continue;
		json_object_array_add(list, json_object_get(px));
	}
	json_object_object_add(root, "prefixes", list);
	if (d->overrides_error[0] != '\0')
		json_object_object_add(root, "warning", json_object_new_string(d->overrides_error));
	json_object_put(status);
	return api_json_text(root);
}

static bool
api_prefix_known(const struct daemon *d, const char *prefix)
{
	size_t i;

	for (i = 0; i < d->cfg->n_prefixes; i++)
		if (strcmp(d->cfg->prefixes[i].prefix, prefix) == 0)
			return true;
	return false;
}

static enum MHD_Result
api_admin_verb(struct api_request *r, const struct api_body *body)
{
	struct daemon *d = r->l->api->d;
	const char *prefix = body->prefix;	/* NULL: all */
	char err[256];

	if (prefix != NULL && !api_prefix_known(d, prefix))
		return api_error(r, MHD_HTTP_NOT_FOUND, "%s: no such prefix in the configuration",
				 prefix);
	err[0] = '\0';
	if (daemon_admin(d, api_routes[r->endpoint].verb, prefix, body->force, err,
			 sizeof(err)) < 0)
		return api_error(r, MHD_HTTP_CONFLICT, "%s", err);
	return api_answer(r, MHD_HTTP_OK, API_JSON, api_admin_result(d, prefix), NULL);
}

/* Park the request; api_reload_cb answers it outside MHD_run(). */
static enum MHD_Result
api_reload_defer(struct api_request *r)
{
	struct api *a = r->l->api;
	struct api_request **tail;

	if (a->reload == NULL)
		return api_error(r, MHD_HTTP_CONFLICT, "reload is not available");
	for (tail = &a->reloads; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = r;
	r->next = NULL;
	api_conn_deadline(r->c, r->l, false);
	MHD_suspend_connection(r->c);
	ev_timer_start(a->loop, &a->reload_timer);
	return MHD_YES;
}

static enum MHD_Result
api_admin(struct api_request *r)
{
	struct api_body body;
	enum MHD_Result ret;
	char err[256];

	if (r->too_big)
		return api_error(r, MHD_HTTP_CONTENT_TOO_LARGE,
				 "request body larger than %d bytes", API_BODY_MAX);
	if (api_body_parse(r->body, r->len, r->endpoint == API_RELOAD, &body, err,
			   sizeof(err)) < 0)
		return api_error(r, MHD_HTTP_BAD_REQUEST, "%s", err);
	if (r->endpoint == API_RELOAD)
		return api_reload_defer(r);
	ret = api_admin_verb(r, &body);
	api_body_clear(&body);
	return ret;
}

/* ---- peer credentials (admin socket) ---- */

/* Whether /proc/PID/status lists gid among the process's groups. */
static bool
api_pid_in_group(pid_t pid, gid_t gid)
{
	char path[64], *text;
	bool found;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((text = file_read_all(path, API_PROC_STATUS_MAX)) == NULL)
		return false;
	found = proc_status_in_group(text, strlen(text), gid);
	free(text);
	return found;
}

/* Root, our own user, or a member of admin-group (primary or supplementary). */
static bool
api_peer_allowed(const struct api *a, struct MHD_Connection *c, struct ucred *cr)
{
	const union MHD_ConnectionInfo *ci;
	socklen_t len = sizeof(*cr);

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL || getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, cr, &len) < 0)
		return false;
	if (cr->uid == 0 || cr->uid == geteuid())
		return true;
	if (!a->have_gid)
		return false;
	return cr->gid == a->admin_gid || api_pid_in_group(cr->pid, a->admin_gid);
}

/* ---- MHD callbacks ---- */

/* Checks that need only the request line and headers; queues the refusal
 * and returns true when the request is refused. */
static bool
api_refused(struct api_request *r, const char *url, const char *method, enum MHD_Result *ret)
{
	const struct api_route *route = NULL;
	const char *clen;
	struct ucred cr = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	int i;

	for (i = 0; i < API_ENDPOINT__COUNT && route == NULL; i++)
		if (strcmp(url, api_routes[i].path) == 0)
			route = &api_routes[i];
	if (route == NULL) {
		*ret = api_error(r, MHD_HTTP_NOT_FOUND, "no such endpoint: %s", url);
		return true;
	}
	r->endpoint = (enum api_endpoint)(route - api_routes);
	if (route->admin && strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
		*ret = api_answer(r, MHD_HTTP_METHOD_NOT_ALLOWED, API_JSON,
				  api_error_text("%s: use POST", url), "POST");
		return true;
	}
	if (!route->admin && strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		*ret = api_answer(r, MHD_HTTP_METHOD_NOT_ALLOWED, API_JSON,
				  api_error_text("%s: use GET", url), "GET, HEAD");
		return true;
	}
	if (route->admin && !r->l->admin) {
		*ret = api_error(r, MHD_HTTP_FORBIDDEN, "%s: only on the admin socket", url);
		return true;
	}
	if (r->l->admin && !api_peer_allowed(r->l->api, r->c, &cr)) {
		*ret = api_error(r, MHD_HTTP_FORBIDDEN,
				 "uid %d is neither root nor in the admin group", (int)cr.uid);
		return true;
	}
	clen = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen != NULL && strtoull(clen, NULL, 10) > API_BODY_MAX) {
		*ret = api_error(r, MHD_HTTP_CONTENT_TOO_LARGE,
				 "request body larger than %d bytes", API_BODY_MAX);
		return true;
	}
	return false;
}

/*
 * MHD's first sight of a request: the request target, before MHD stores the
 * query arguments in the connection's memory pool (API_CONN_MEMORY).  Each
 * takes a record there (56 bytes in 0.9.75), so a few hundred "&a" exhaust
 * it, and 0.9.75 then loses its own 431 (parse_initial_message_line sets
 * the state back over the queued answer): the client hears nothing until
 * the deadline.  So a query of more than API_QUERY_ARGS_MAX arguments is
 * cut off here, in MHD's buffer, before MHD parses it (the target is ours
 * to read until then; MHD ends the path at the '?' itself), and the
 * request is answered 414.  Returns the request, MHD's *con_cls from now.
 */
static void *
api_uri_cb(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct api_request *r = calloc(1, sizeof(*r));
	const char *query = strchr(uri, '?'), *p;
	unsigned int args = 0;		/* '?' and each '&' start one */

	if (r == NULL)
		return NULL;
	r->l = cls;
	r->c = c;
	for (p = query; p != NULL && args <= API_QUERY_ARGS_MAX; p = strchr(p + 1, '&'))
		args++;
	if (args > API_QUERY_ARGS_MAX) {
		((char *)(uintptr_t)query)[1] = '\0';
		r->too_many_args = true;
	}
	return r;
}

static enum MHD_Result
api_first_call(struct api_request *r, const char *url, const char *method)
{
	enum MHD_Result ret;

	r->started = true;
	snprintf(r->what, sizeof(r->what), "%s %s", method, url);
	if (r->too_many_args)
		return api_error(r, MHD_HTTP_URI_TOO_LONG,
				 "too many query arguments: more than %d", API_QUERY_ARGS_MAX);
	if (api_refused(r, url, method, &ret))
		return ret;
	if (!api_routes[r->endpoint].admin)
		return api_get(r);
	if ((r->body = malloc(API_BODY_MAX + 1)) == NULL)
		return MHD_NO;
	r->body[0] = '\0';
	return MHD_YES;		/* the body follows */
}

static enum MHD_Result
api_access_cb(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	      const char *version, const char *upload_data, size_t *upload_data_size,
	      void **con_cls)
{
	struct api_request *r = *con_cls;

	(void)cls;
	(void)c;
	(void)version;
	if (r == NULL)
		return MHD_NO;		/* api_uri_cb was out of memory */
	if (!r->started)
		return api_first_call(r, url, method);
	if (r->answered || r->body == NULL) {
		/* answered on the first call (a refusal, a GET): drop any body */
		*upload_data_size = 0;
		return r->answered ? MHD_YES : MHD_NO;
	}
	if (*upload_data_size > 0) {
		if (r->len + *upload_data_size > API_BODY_MAX) {
			r->too_big = true;
		} else {
			memcpy(r->body + r->len, upload_data, *upload_data_size);
			r->len += *upload_data_size;
			r->body[r->len] = '\0';
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->answer != NULL) {	/* a resumed reload */
		char *answer = r->answer;

		r->answer = NULL;
		return api_answer(r, r->code, API_JSON, answer, NULL);
	}
	return api_admin(r);
}

static void
api_completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
		 enum MHD_RequestTerminationCode toe)
{
	struct api_listener *l = cls;
	struct api_request *r = *con_cls, **pp;
	const union MHD_ConnectionInfo *ci;

	(void)toe;
	api_conn_deadline(c, l, true);
	if (r == NULL)
		return;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS);
	log_debug("api: %s %s -> %u", l->name, r->what, ci ? ci->http_status : 0);
	for (pp = &l->api->reloads; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	free(r->body);
	free(r->answer);
	free(r);
	*con_cls = NULL;
}

/* Shut down (not close: MHD owns the fd) a connection; MHD then sees the
 * end of the stream and closes it itself, on its next run. */
static void
api_conn_cut(struct api_conn *ac)
{
	shutdown(ac->fd, SHUT_RDWR);
	ac->deadline = 0;
	ac->cut = true;
}

/* The client's address, for the per-address limit (a listener has one
 * address family, so 4 bytes of IPv4 never meet 16 of IPv6). */
static void
api_conn_addr(struct MHD_Connection *c, struct api_conn *ac)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr_in6 *sin6;
	const struct sockaddr_in *sin;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	sin = (const struct sockaddr_in *)(const void *)ci->client_addr;
	sin6 = (const struct sockaddr_in6 *)(const void *)ci->client_addr;
	if (ci->client_addr->sa_family == AF_INET)
		memcpy(ac->addr, &sin->sin_addr, sizeof(sin->sin_addr));
	else if (ci->client_addr->sa_family == AF_INET6)
		memcpy(ac->addr, &sin6->sin6_addr, sizeof(sin6->sin6_addr));
}

/* Of the live connections (those from fresh's address when same_addr),
 * not fresh, the one that has waited longest for its request: the earliest
 * deadline.  NULL when every one has its request being answered. */
static struct api_conn *
api_conn_idlest(struct api_listener *l, const struct api_conn *fresh, bool same_addr)
{
	struct api_conn *ac, *idlest = NULL;

	for (ac = l->conns; ac != NULL; ac = ac->next) {
		if (ac->cut || ac == fresh || ac->deadline == 0 || ac->fd < 0 ||
		    (same_addr && memcmp(ac->addr, fresh->addr, sizeof(ac->addr)) != 0))
			continue;
		if (idlest == NULL || ac->deadline <= idlest->deadline)
			idlest = ac;	/* the list is newest first: ties go to the older */
	}
	return idlest;
}

/*
 * A new connection on the TCP listener, within the limits.  At
 * max-connections MHD stops accepting; idle connections (open, no complete
 * request) from a few addresses would then hold every slot until their
 * deadlines, and the idle ones queued behind in the listen backlog take the
 * freed slots again: a real client waited for all of them.  So a connection
 * that takes the last slot closes the one idle longest, and one over its
 * address's share (half of max-connections) closes the one idle longest
 * from that address, or itself when all of those have a request being
 * answered.  A request being answered is never cut.  A client that sends
 * its request as it connects is answered however many idle connections are
 * held open: they are cycled through, oldest first.
 */
static void
api_conn_admit(struct api_listener *l, struct api_conn *fresh)
{
	unsigned int live = 0, here = 0;
	struct api_conn *ac, *victim = NULL;

	for (ac = l->conns; ac != NULL; ac = ac->next) {
		if (ac->cut)
			continue;
		live++;
		here += memcmp(ac->addr, fresh->addr, sizeof(ac->addr)) == 0;
	}
	if (here > l->per_addr) {
		victim = api_conn_idlest(l, fresh, true);
		if (victim == NULL)
			victim = fresh;
	} else if (live >= l->max_connections) {
		victim = api_conn_idlest(l, fresh, false);
	}
	if (victim == NULL)
		return;
	log_debug("api: %s: %u connections, %u from one address: closing %s", l->name, live,
		  here, victim == fresh ? "the new one" : "the one idle longest");
	api_conn_cut(victim);
}

static void
api_notify_connection_cb(void *cls, struct MHD_Connection *c, void **socket_context,
			 enum MHD_ConnectionNotificationCode toe)
{
	struct api_listener *l = cls;
	struct api_conn *ac = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		ac = xcalloc(1, sizeof(*ac));
		ac->fd = ci != NULL ? ci->connect_fd : -1;
		ac->deadline = ev_now(l->api->loop) + l->request_timeout_s;
		ac->next = l->conns;
		if (l->conns != NULL)
			l->conns->pprev = &ac->next;
		ac->pprev = &l->conns;
		l->conns = ac;
		*socket_context = ac;
		if (!ev_is_active(&l->deadline_timer))
			ev_timer_again(l->api->loop, &l->deadline_timer);
		if (l->evict_idle) {
			api_conn_addr(c, ac);
			api_conn_admit(l, ac);
		}
		return;
	}
	if (ac == NULL)
		return;
	*ac->pprev = ac->next;
	if (ac->next != NULL)
		ac->next->pprev = ac->pprev;
	free(ac);
	*socket_context = NULL;
}

static void api_listener_run(struct api_listener *l);

/* Cut the connections whose request is late. */
static void
api_deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct api_listener *l = w->data;
	struct api_conn *ac;
	bool cut = false;

	(void)revents;
	if (l->conns == NULL) {
		ev_timer_stop(loop, w);
		return;
	}
	for (ac = l->conns; ac != NULL; ac = ac->next) {
		if (ac->cut || ac->deadline == 0 || ev_now(loop) < ac->deadline || ac->fd < 0)
			continue;
		log_debug("api: %s: request not complete within %.0f s: closing", l->name,
			  l->request_timeout_s);
		api_conn_cut(ac);
		cut = true;
	}
	if (cut)
		api_listener_run(l);
}

static void api_mhd_log_cb(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
api_mhd_log_cb(void *cls, const char *fmt, va_list ap)
{
	struct api *a = cls;
	size_t n;

	vsnprintf(a->mhd_error, sizeof(a->mhd_error), fmt, ap);
	n = strlen(a->mhd_error);
	while (n > 0 && (a->mhd_error[n - 1] == '\n' || a->mhd_error[n - 1] == '.'))
		a->mhd_error[--n] = '\0';
	log_debug("api: libmicrohttpd: %s", a->mhd_error);
}

/* ---- libev glue ---- */

static unsigned int
api_connections(struct api_listener *l)
{
	const union MHD_DaemonInfo *info;

	info = MHD_get_daemon_info(l->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return info ? info->num_connections : 0;
}

static void
api_listener_run(struct api_listener *l)
{
	MHD_UNSIGNED_LONG_LONG ms;
	unsigned int before = api_connections(l);

	MHD_run(l->mhd);
	/* At the connection limit MHD takes the listening socket out of its
	 * epoll set and puts it back at the start of the next MHD_run(): when
	 * this run closed connections, that next run is now, or nothing would
	 * ever wake us for the waiting clients. */
	if (api_connections(l) < before)
		MHD_run(l->mhd);
	ev_timer_stop(l->api->loop, &l->timer);
	if (MHD_get_timeout(l->mhd, &ms) == MHD_YES) {
		ev_timer_set(&l->timer, (ev_tstamp)ms / 1000.0, 0.);
		ev_timer_start(l->api->loop, &l->timer);
	}
}

/* Run MHD while it has immediate work (up to a bound): a resumed reload's
 * answer is then written before a restart of the listeners that main.c
 * may have scheduled on the loop. */
static void
api_listener_flush(struct api_listener *l)
{
	MHD_UNSIGNED_LONG_LONG ms;
	int i;

	for (i = 0; i < 4; i++) {
		api_listener_run(l);
		if (MHD_get_timeout(l->mhd, &ms) != MHD_YES || ms > 0)
			break;
	}
}

static void
api_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	api_listener_run(w->data);
}

static void
api_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	api_listener_run(w->data);
}

static void
api_reload_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct api *a = w->data;
	struct api_request *r;
	char msg[API_RELOAD_MSG_MAX];
	bool stopped = false;
	int rc;

	(void)loop;
	(void)revents;
	while ((r = a->reloads) != NULL) {
		a->reloads = r->next;
		r->next = NULL;
		a->reloading = r;
		a->stopped = &stopped;
		msg[0] = '\0';
		rc = a->reload(a->reload_arg, msg, sizeof(msg));
		if (stopped)
			return;		/* api_stop() freed a and closed r */
		a->stopped = NULL;
		a->reloading = NULL;
		msg[sizeof(msg) - 1] = '\0';
		while (strlen(msg) > 0 && msg[strlen(msg) - 1] == '\n')
			msg[strlen(msg) - 1] = '\0';
		r->code = rc == 0 ? MHD_HTTP_OK : MHD_HTTP_CONFLICT;
		r->answer = rc == 0 ? api_result_text("reloaded") :
			    api_error_text("%s", msg[0] ? msg : "reload refused");
		MHD_resume_connection(r->c);
		api_listener_flush(r->l);
	}
}

/* ---- listeners ---- */

/* Serve the listening socket fd (ours until this succeeds; MHD's after). */
static int
api_listener_start(struct api *a, struct api_listener *l, const struct api_config *cfg, int fd)
{
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem opts[] = {
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)api_mhd_log_cb, a },	/* first: see MHD */
		{ MHD_OPTION_LISTEN_SOCKET, fd, NULL },
		{ MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s, NULL },
		{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, API_CONN_MEMORY, NULL },
		{ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)api_uri_cb, l },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)api_completed_cb, l },
		{ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)api_notify_connection_cb, l },
		{ MHD_OPTION_END, 0, NULL },
	};

	l->api = a;
	l->request_timeout_s = cfg->connection_timeout_s;
	l->max_connections = cfg->max_connections;
	l->per_addr = cfg->max_connections > 1 ? (cfg->max_connections + 1) / 2 : 1;
	l->evict_idle = !l->admin;
	l->conns = NULL;
	/* A quarter of the timeout: a late request is cut at most 25% late. */
	ev_init(&l->deadline_timer, api_deadline_cb);
	l->deadline_timer.repeat = cfg->connection_timeout_s / 4.0;
	l->deadline_timer.data = l;
	a->mhd_error[0] = '\0';
	l->mhd = MHD_start_daemon(flags, 0, NULL, NULL, api_access_cb, l,
				  MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (l->mhd == NULL)
		return -1;
	info = MHD_get_daemon_info(l->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL) {
		snprintf(a->mhd_error, sizeof(a->mhd_error), "no epoll fd");
		MHD_stop_daemon(l->mhd);
		l->mhd = NULL;
		return -1;
	}
	ev_io_init(&l->io, api_io_cb, info->epoll_fd, EV_READ);
	l->io.data = l;
	ev_io_start(a->loop, &l->io);
	ev_init(&l->timer, api_timer_cb);
	l->timer.data = l;
	api_listener_run(l);
	return 0;
}

static void
api_listener_close(struct api *a, struct api_listener *l)
{
	if (l->mhd == NULL)
		return;
	ev_io_stop(a->loop, &l->io);
	ev_timer_stop(a->loop, &l->timer);
	ev_timer_stop(a->loop, &l->deadline_timer);
	MHD_stop_daemon(l->mhd);	/* closes the listening socket too; notifies
					 * every connection closed, freeing l->conns */
	l->mhd = NULL;
}

/*
 * Bind and listen on the TCP address.  SO_REUSEADDR only lets a restarted
 * daemon bind past connections in TIME_WAIT; never SO_REUSEPORT, which
 * would let a second daemon bind the same port and silently take half of
 * the requests: a port another socket listens on is refused (EADDRINUSE),
 * as the admin socket refuses a live socket file.
 */
static int
api_tcp_socket(const struct sockaddr *sa, socklen_t salen)
{
	int fd, one = 1;

	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (sa->sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(fd, sa, salen) < 0 || listen(fd, SOMAXCONN) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int
api_start_tcp(struct api *a, const struct api_config *cfg)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(cfg->listen_port) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(cfg->listen_port) };
	const char *addr = cfg->listen_address ? cfg->listen_address : "127.0.0.1";
	int fd;

	a->tcp.name = "tcp";
	a->mhd_error[0] = '\0';
	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1)
		fd = api_tcp_socket((struct sockaddr *)&sin, sizeof(sin));
	else if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) == 1)
		fd = api_tcp_socket((struct sockaddr *)&sin6, sizeof(sin6));
	else
		fd = -2;
	if (fd < 0) {
		snprintf(a->mhd_error, sizeof(a->mhd_error), "%s",
			 fd == -2 ? "not a numeric address" : strerror(errno));
		goto fail;
	}
	if (api_listener_start(a, &a->tcp, cfg, fd) < 0) {
		close(fd);
		goto fail;
	}
	log_info("api: listening on %s port %u", addr, cfg->listen_port);
	return 0;
fail:
	log_warnx("api: cannot listen on %s port %u: %s", addr, cfg->listen_port,
		  a->mhd_error[0] ? a->mhd_error : "unknown error");
	return -1;
}

/* Unlink a stale socket (never a live one, never a non-socket). */
static int
api_socket_clear(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		log_warn("api: %s", path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("api: %s exists and is not a socket", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		log_warn("api: socket");
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0) {
		close(fd);
		log_warnx("api: %s: another process is listening on it", path);
		return -1;
	}
	close(fd);
	if (unlink(path) < 0) {
		log_warn("api: cannot remove the stale %s", path);
		return -1;
	}
	return 0;
}

/* Bind and listen on the admin socket: 0660 owner:admin-group, or 0600 when
 * the group does not exist. */
static int
api_admin_socket(struct api *a, const struct api_config *cfg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = cfg->admin_socket;
	struct group *gr;
	int fd = -1;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("api: %s: socket path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (api_socket_clear(path, &sun) < 0)
		return -1;	/* logged */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto fail;
	/* Nobody can connect before listen(), so fixing the mode now is safe. */
	errno = 0;
	gr = cfg->admin_group ? getgrnam(cfg->admin_group) : NULL;
	if (gr != NULL) {
		a->have_gid = true;
		a->admin_gid = gr->gr_gid;
		if (chown(path, (uid_t)-1, gr->gr_gid) < 0 || chmod(path, 0660) < 0)
			goto fail;
	} else {
		log_warnx("api: group %s does not exist: %s is for root only (0600)",
			  cfg->admin_group ? cfg->admin_group : "(none)", path);
		if (chmod(path, 0600) < 0)
			goto fail;
	}
	if (listen(fd, 16) < 0)
		goto fail;
	return fd;
fail:
	log_warn("api: cannot listen on %s", path);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	return -1;
}

static int
api_start_admin(struct api *a, const struct api_config *cfg)
{
	int fd;

	a->admin.name = "admin";
	a->admin.admin = true;
	if (cfg->admin_socket == NULL || cfg->admin_socket[0] == '\0')
		return -1;
	if ((fd = api_admin_socket(a, cfg)) < 0)
		return -1;
	a->socket_path = xstrdup(cfg->admin_socket);
	if (api_listener_start(a, &a->admin, cfg, fd) < 0) {
		log_warnx("api: cannot serve %s: %s", cfg->admin_socket,
			  a->mhd_error[0] ? a->mhd_error : "unknown error");
		close(fd);
		unlink(a->socket_path);
		free(a->socket_path);
		a->socket_path = NULL;
		return -1;
	}
	log_info("api: admin socket %s", cfg->admin_socket);
	return 0;
}

/* ---- the status page ---- */

/*
 * GET /: the page built into the daemon, one response shared by every
 * request (MHD counts its users).  no-cache: a browser revalidates, so a
 * restarted daemon's new page is seen at once; the data comes from
 * /v1/status and /v1/history, fetched by the page itself.
 */
static struct MHD_Response *
api_page_response(void)
{
	char csp[STATUS_PAGE_CSP_MAX];
	struct MHD_Response *resp;

	if (status_page_csp(status_page_html, csp, sizeof(csp)) < 0) {
		log_warnx("api: the status page has no inline script or style to allow: "
			  "GET / answers 500");
		return NULL;
	}
	resp = MHD_create_response_from_buffer(status_page_html_len,
					       (void *)(uintptr_t)status_page_html,
					       MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, API_PAGE_TYPE);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_SECURITY_POLICY, csp);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_X_CONTENT_TYPE_OPTIONS, "nosniff");
	return resp;
}

/* ---- public ---- */

struct api *
api_start(struct ev_loop *loop, struct daemon *d, const struct api_config *cfg,
	  api_reload_fn *reload, void *reload_arg)
{
	struct api *a = xcalloc(1, sizeof(*a));
	int started = 0;

	a->loop = loop;
	a->d = d;
	a->reload = reload;
	a->reload_arg = reload_arg;
	ev_timer_init(&a->reload_timer, api_reload_cb, 0., 0.);
	a->reload_timer.data = a;
	a->page = api_page_response();
	if (cfg->listen_port != 0)
		started += api_start_tcp(a, cfg) == 0;
	started += api_start_admin(a, cfg) == 0;
	if (started == 0) {
		api_stop(a);
		return NULL;
	}
	return a;
}

void
api_set_daemon(struct api *a, struct daemon *d)
{
	if (a != NULL)
		a->d = d;
}

void
api_stop(struct api *a)
{
	struct api_request *r, *next;

	if (a == NULL)
		return;
	if (a->stopped != NULL)
		*a->stopped = true;
	ev_timer_stop(a->loop, &a->reload_timer);
	/* MHD refuses to stop with suspended connections: resume them so it
	 * closes them (their requests are freed by api_completed_cb). */
	for (r = a->reloads; r != NULL; r = next) {
		next = r->next;
		MHD_resume_connection(r->c);
	}
	a->reloads = NULL;
	if (a->reloading != NULL)
		MHD_resume_connection(a->reloading->c);
	a->reloading = NULL;
	api_listener_close(a, &a->tcp);
	api_listener_close(a, &a->admin);
	if (a->socket_path != NULL)
		unlink(a->socket_path);
	free(a->socket_path);
	if (a->page != NULL)
		MHD_destroy_response(a->page);
	free(a);
}

bool
api_config_equal(const struct api_config *a, const struct api_config *b)
{
	/* history-size is the daemon's (status_history_resize), not a listener's */
	return config_str_equal(a->listen_address, b->listen_address) &&
	       a->listen_port == b->listen_port &&
	       config_str_equal(a->admin_socket, b->admin_socket) &&
	       config_str_equal(a->admin_group, b->admin_group) &&
	       a->max_connections == b->max_connections &&
	       a->connection_timeout_s == b->connection_timeout_s;
}
