/*
 * etcd.c - the etcd v3 client (include/fleet/etcd.h): requests to etcd's
 * JSON gateway as libcurl transfers on the daemon's loop (curl_ev.c), with
 * endpoint failover, TLS, the auth token and the watch stream.  What the
 * replies mean is etcd_reply.c's business (pure, fuzzed).
 *
 * A request's life:
 *
 *   new --(user set, no token)--> WAIT_AUTH --(token)--> RUNNING
 *    |                                                     |  transport error: the next
 *    +---------------------------------------------------> |  endpoint, until all failed
 *    +--(local failure)--> LATER (a 0 s timer)             v
 *                               \-----------------> finish: the callback, once, freed
 *
 * An ETCD_ERROR that says the token is no longer good ("invalid auth
 * token") sends the request back to WAIT_AUTH once: the token is dropped,
 * one authenticate request is made for everyone waiting, and the request
 * is sent again.  Callbacks run from the loop only (a libev callback of
 * curl_ev.c or our own timer), never from the call that made the request.
 *
 * A watch is a request whose reply streams: one {"result":...} object per
 * line, split here as the bytes come (a line may arrive in pieces).  Until
 * etcd's "created" line it fails over like any request (with timeout_ms to
 * see that line); after it, the stream's end is the watch's end: `ended`
 * once, and the caller reads again and watches anew.  etcd 3.4 sends a
 * progress notification only every 10 minutes, so a stream that went
 * silent (the network between, not etcd, died) is not detected here
 * quickly: TCP keepalives on the stream catch a vanished peer in about a
 * minute; the fleet notices sooner through its lease keepalives failing,
 * and cancels and re-opens the watch when the store answers again.
 *
 * Retries after a timeout may apply a write twice (etcd got it, the reply
 * was lost): put and delete are idempotent, a txn's compares make the
 * second one fail, and a second lease grant leaves a lease that expires.
 *
 * A callback may make requests, cancel any of them and free the client:
 * `depth` counts the dispatches in progress, and a free during one only
 * marks the client (`freeing`), to be freed when the dispatch unwinds.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* asprintf, explicit_bzero */
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "curl_ev.h"
#include "log.h"
#include "fleet/etcd.h"
#include "fleet/etcd_reply.h"

enum etcd_state { ETCD_STATE_WAIT_AUTH, ETCD_STATE_RUNNING, ETCD_STATE_LATER };

struct etcd_request {
	struct etcd *e;
	struct etcd_request *next;	/* e->reqs */
	enum etcd_state state;
	enum etcd_reply_kind kind;
	const char *path;		/* "/v3/kv/put" */
	char *body;			/* the JSON sent */
	etcd_cb cb;
	void *arg;
	CURL *easy;			/* RUNNING */
	struct curl_slist *headers;
	size_t ep;			/* the endpoint of this attempt */
	size_t tried;			/* endpoints that failed */
	unsigned auth_gen;		/* of the token sent */
	char *buf;			/* the reply; a watch's partial line */
	size_t len, cap;
	ev_timer timer;			/* LATER: the 0 s; a watch: its "created" wait */
	struct etcd_result later;	/* LATER: the result */
	bool too_big, reauthed, internal, in_cb, cancelled, auth_failed;
	/* a watch */
	bool stream, established, pending;
	struct etcd_watch_callbacks wcb;
	char errbuf[CURL_ERROR_SIZE];
};

struct etcd_watch {
	struct etcd_request req;
};

struct etcd {
	struct ev_loop *loop;
	struct curl_ev curl;
	char **eps;
	size_t n_eps;
	size_t current;
	char *ca_file, *cert_file, *key_file, *user, *password;
	uint32_t timeout_ms;
	char *token;			/* the auth token, once authenticated */
	unsigned auth_gen;		/* bumped with each new token */
	struct etcd_request *auth;	/* the authenticate request in flight */
	struct etcd_request *reqs;	/* every request and watch */
	int depth;			/* dispatches in progress */
	bool freeing;			/* etcd_free() during one */
};

static void etcd_request_attempt(struct etcd_request *r);
static void etcd_auth_start(struct etcd *e);
static void etcd_auth_done(struct etcd *e, struct etcd_result *res, char *token);
static int etcd_done_cb(void *arg, CURL *easy, CURLcode code);
static int etcd_after_cb(void *arg);
static void etcd_request_failover(struct etcd_request *r, CURLcode code);

/* ---- the client ---- */

static char *
etcd_strdup_or_null(const char *s)
{
	return s == NULL ? NULL : xstrdup(s);
}

static int
etcd_check_options(const struct etcd_options *o, char *err, size_t errlen)
{
	size_t i;

	if (o->n_endpoints == 0) {
		snprintf(err, errlen, "no endpoint");
		return -1;
	}
	for (i = 0; i < o->n_endpoints; i++)
		if (strncmp(o->endpoints[i], "http://", 7) != 0 &&
		    strncmp(o->endpoints[i], "https://", 8) != 0) {
			snprintf(err, errlen, "endpoint \"%s\": not an http:// or https:// URL",
				 o->endpoints[i]);
			return -1;
		}
	if (o->user != NULL && o->password == NULL) {
		snprintf(err, errlen, "user \"%s\" without a password", o->user);
		return -1;
	}
	if (o->timeout_ms == 0) {
		snprintf(err, errlen, "timeout_ms is 0");
		return -1;
	}
	return 0;
}

struct etcd *
etcd_new(struct ev_loop *loop, const struct etcd_options *o, char *err, size_t errlen)
{
	struct etcd *e;
	size_t i, n;

	if (etcd_check_options(o, err, errlen) < 0)
		return NULL;
	e = xcalloc(1, sizeof(*e));
	e->loop = loop;
	e->eps = xcalloc(o->n_endpoints, sizeof(*e->eps));
	for (i = 0; i < o->n_endpoints; i++) {
		e->eps[i] = xstrdup(o->endpoints[i]);
		n = strlen(e->eps[i]);
		while (n > 0 && e->eps[i][n - 1] == '/')
			e->eps[i][--n] = '\0';	/* the paths start with '/' */
	}
	e->n_eps = o->n_endpoints;
	e->ca_file = etcd_strdup_or_null(o->ca_file);
	e->cert_file = etcd_strdup_or_null(o->cert_file);
	e->key_file = etcd_strdup_or_null(o->key_file);
	e->user = etcd_strdup_or_null(o->user);
	e->password = etcd_strdup_or_null(o->password);
	e->timeout_ms = o->timeout_ms;
	if (curl_ev_init(&e->curl, loop, etcd_done_cb, etcd_after_cb, e) < 0) {
		snprintf(err, errlen, "libcurl cannot be initialised");
		etcd_free(e);
		return NULL;
	}
	return e;
}

const char *
etcd_endpoint(const struct etcd *e)
{
	return e->eps[e->current];
}

/* ---- a request's resources ---- */

static void
etcd_request_release(struct etcd_request *r)
{
	if (r->easy != NULL) {
		curl_ev_remove(&r->e->curl, r->easy);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
	}
	curl_slist_free_all(r->headers);
	r->headers = NULL;
	ev_timer_stop(r->e->loop, &r->timer);
	r->len = 0;
	r->too_big = false;
	r->pending = false;
}

static void
etcd_request_unlink(struct etcd_request *r)
{
	struct etcd_request **pp;

	for (pp = &r->e->reqs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	if (r->e->auth == r)
		r->e->auth = NULL;
}

static void
etcd_request_free(struct etcd_request *r)
{
	if (r->internal)	/* the authenticate request's body has the password */
		explicit_bzero(r->body, strlen(r->body));
	free(r->body);
	free(r->buf);
	free(r);
}

/* Gone without a callback. */
static void
etcd_request_drop(struct etcd_request *r)
{
	etcd_request_release(r);
	etcd_request_unlink(r);
	etcd_request_free(r);
}

static void
etcd_destroy(struct etcd *e)
{
	size_t i;

	while (e->reqs != NULL)
		etcd_request_drop(e->reqs);
	curl_ev_destroy(&e->curl);
	for (i = 0; i < e->n_eps; i++)
		free(e->eps[i]);
	free(e->eps);
	free(e->ca_file);
	free(e->cert_file);
	free(e->key_file);
	free(e->user);
	if (e->password != NULL)
		explicit_bzero(e->password, strlen(e->password));
	free(e->password);
	free(e->token);
	free(e);
}

void
etcd_free(struct etcd *e)
{
	struct etcd_request *r, *next;

	if (e == NULL)
		return;
	if (e->depth == 0) {
		etcd_destroy(e);
		return;
	}
	/* inside a callback: the one running stays until it returns */
	e->freeing = true;
	for (r = e->reqs; r != NULL; r = next) {
		next = r->next;
		if (r->in_cb)
			r->cancelled = true;
		else
			etcd_request_drop(r);
	}
}

static void
etcd_enter(struct etcd *e)
{
	e->depth++;
}

/* -1 when e is gone now. */
static int
etcd_leave(struct etcd *e)
{
	if (--e->depth > 0 || !e->freeing)
		return 0;
	etcd_destroy(e);
	return -1;
}

void
etcd_cancel(struct etcd_request *r)
{
	if (r == NULL)
		return;
	if (r->in_cb)
		r->cancelled = true;	/* its own callback: freed when it returns */
	else
		etcd_request_drop(r);
}

void
etcd_watch_cancel(struct etcd_watch *w)
{
	etcd_cancel(w == NULL ? NULL : &w->req);
}

/* ---- the end of a request ---- */

/* The callback, once (the authenticate request: etcd_auth_done); then r is freed. */
static void
etcd_request_finish(struct etcd_request *r, struct etcd_result *res, char *token)
{
	struct etcd *e = r->e;

	etcd_request_release(r);
	etcd_request_unlink(r);
	r->in_cb = true;
	if (r->internal)
		etcd_auth_done(e, res, token);
	else if (r->stream)
		r->wcb.ended(r->arg, res);
	else if (r->cb != NULL)	/* NULL: fire and forget */
		r->cb(r->arg, res);
	etcd_request_free(r);
}

static void
etcd_request_later_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct etcd_request *r = w->data;
	struct etcd *e = r->e;

	(void)loop;
	(void)revents;
	etcd_enter(e);
	if (r->state == ETCD_STATE_LATER) {
		etcd_request_finish(r, &r->later, NULL);
	} else {	/* a watch's "created" did not come in time */
		etcd_request_failover(r, CURLE_OPERATION_TIMEDOUT);
	}
	(void)etcd_leave(e);
}

/* A failure before anything was sent: reported from the loop, never from
 * the call that made the request. */
static void
etcd_request_later(struct etcd_request *r, enum etcd_status status, const char *why)
{
	etcd_request_release(r);
	r->state = ETCD_STATE_LATER;
	memset(&r->later, 0, sizeof(r->later));
	r->later.status = status;
	r->later.endpoint = r->e->eps[r->ep];
	snprintf(r->later.error, sizeof(r->later.error), "%s", why);
	ev_timer_set(&r->timer, 0., 0.);
	ev_timer_start(r->e->loop, &r->timer);
}

/* Back to WAIT_AUTH: drop the token it was refused with, authenticate again. */
static void
etcd_request_reauth(struct etcd_request *r)
{
	struct etcd *e = r->e;

	etcd_request_release(r);
	r->reauthed = true;
	r->tried = 0;
	if (r->auth_gen == e->auth_gen) {
		free(e->token);
		e->token = NULL;
	}
	if (e->token != NULL) {	/* a fresher token came meanwhile */
		etcd_request_attempt(r);
		return;
	}
	r->state = ETCD_STATE_WAIT_AUTH;
	etcd_auth_start(e);
}

/* A reply (or the end of a stream) from endpoint r->ep. */
static void
etcd_request_conclude(struct etcd_request *r, struct etcd_result *res, char *token)
{
	struct etcd *e = r->e;

	/* not a watch already under way: opened again, it would replay events */
	if (etcd_reply_token_rejected(res) && e->user != NULL && !r->reauthed && !r->internal &&
	    !r->established) {
		etcd_reply_clear(res);
		etcd_request_reauth(r);
		return;
	}
	if (res->status != ETCD_UNREACHABLE)
		e->current = r->ep;	/* it answered */
	res->endpoint = e->eps[r->ep];
	etcd_request_finish(r, res, token);
	etcd_reply_clear(res);
}

/* Why the transfer failed, in a few words: "Connection refused". */
static void
etcd_transport_why(struct etcd_request *r, CURLcode code, char *buf, size_t len)
{
	long oserr = 0;

	curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &oserr);
	if (code == CURLE_OPERATION_TIMEDOUT)
		snprintf(buf, len, "timed out after %u ms", r->e->timeout_ms);
	else if (code == CURLE_COULDNT_CONNECT && oserr != 0)
		snprintf(buf, len, "%s", strerror((int)oserr));
	else if (r->errbuf[0] != '\0' && strncmp(r->errbuf, "getpeername()", 13) != 0)
		snprintf(buf, len, "%s", r->errbuf);	/* (libcurl 7.88 leaves that note
							 * there when the peer cut a TLS
							 * handshake: not the why) */
	else
		snprintf(buf, len, "%s", curl_easy_strerror(code));
}

/* A transport failure on r->ep: the next endpoint, or UNREACHABLE when
 * every one failed. */
static void
etcd_request_failover(struct etcd_request *r, CURLcode code)
{
	struct etcd *e = r->e;
	char why[CURL_ERROR_SIZE];
	struct etcd_result res;

	etcd_transport_why(r, code, why, sizeof(why));
	log_debug("etcd: %s%s: %s", e->eps[r->ep], r->path, why);
	etcd_request_release(r);
	if (++r->tried < e->n_eps) {
		r->ep = (r->ep + 1) % e->n_eps;
		etcd_request_attempt(r);
		return;
	}
	memset(&res, 0, sizeof(res));
	res.status = ETCD_UNREACHABLE;
	snprintf(res.error, sizeof(res.error), "%s: %.200s", e->eps[r->ep], why);
	etcd_request_conclude(r, &res, NULL);
}

/* A unary request's transfer ended. */
static void
etcd_request_done(struct etcd_request *r, CURLcode code)
{
	struct etcd_result res;
	char *token = NULL;
	long status = 0;

	if (code != CURLE_OK && !r->too_big) {
		etcd_request_failover(r, code);
		return;
	}
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (r->too_big) {
		memset(&res, 0, sizeof(res));
		res.status = ETCD_BAD_REPLY;
		snprintf(res.error, sizeof(res.error), "%s%s: reply larger than %u bytes",
			 r->e->eps[r->ep], r->path, ETCD_REPLY_MAX);
	} else {
		etcd_reply_parse(r->kind, status, r->buf, r->len, &res,
				 r->kind == ETCD_REPLY_AUTH ? &token : NULL);
	}
	etcd_request_conclude(r, &res, token);
}

/* A watch's transfer ended: before "created" like a request, after it the
 * watch's end. */
static void
etcd_watch_done(struct etcd_request *r, CURLcode code)
{
	struct etcd_result res;
	char why[CURL_ERROR_SIZE];
	long status = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (!r->established && status != 200 && status != 0 && !r->too_big) {
		etcd_reply_parse(ETCD_REPLY_HEADER, status, r->buf, r->len, &res, NULL);
		etcd_request_conclude(r, &res, NULL);
		return;
	}
	if (!r->established && code != CURLE_OK && !r->too_big) {
		etcd_request_failover(r, code);
		return;
	}
	memset(&res, 0, sizeof(res));
	res.status = r->too_big ? ETCD_BAD_REPLY : ETCD_UNREACHABLE;
	if (r->too_big)
		snprintf(why, sizeof(why), "watch line larger than %u bytes", ETCD_REPLY_MAX);
	else if (code == CURLE_OK)
		snprintf(why, sizeof(why), "the watch stream was closed");
	else
		etcd_transport_why(r, code, why, sizeof(why));
	snprintf(res.error, sizeof(res.error), "%s: %.200s", r->e->eps[r->ep], why);
	etcd_request_conclude(r, &res, NULL);
}

/* ---- the watch stream's lines ---- */

/* One line; -1 when it ends the watch (`end` says why). */
static int
etcd_watch_line(struct etcd_request *r, const char *line, size_t len, struct etcd_result *end)
{
	struct etcd_watch_line wl;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (len == 0)
		return 0;
	memset(end, 0, sizeof(*end));
	if (etcd_reply_watch_line(line, len, &wl, end->error, sizeof(end->error)) < 0) {
		end->status = ETCD_BAD_REPLY;
		return -1;
	}
	switch (wl.kind) {
	case ETCD_WATCH_LINE_CANCELED:
		end->status = ETCD_ERROR;
		end->code = wl.code;
		end->revision = wl.revision;
		snprintf(end->error, sizeof(end->error), "%s", wl.reason);
		return -1;
	case ETCD_WATCH_LINE_EVENTS:
		r->wcb.events(r->arg, wl.events, wl.n_events, wl.revision);
		break;
	case ETCD_WATCH_LINE_CREATED:
	case ETCD_WATCH_LINE_PROGRESS:
	default:
		break;
	}
	if (!r->established) {	/* etcd took the watch: it is this endpoint's now */
		r->established = true;
		r->e->current = r->ep;
		ev_timer_stop(r->e->loop, &r->timer);
	}
	etcd_reply_watch_line_clear(&wl);
	return 0;
}

/* Every complete line buffered; the callbacks may cancel r or free e. */
static void
etcd_watch_lines(struct etcd_request *r)
{
	struct etcd *e = r->e;
	struct etcd_result end;
	bool ended = false;
	size_t off = 0;
	char *nl;

	r->in_cb = true;
	while (!ended && !r->cancelled && !e->freeing &&
	       (nl = memchr(r->buf + off, '\n', r->len - off)) != NULL) {
		ended = etcd_watch_line(r, r->buf + off, (size_t)(nl - (r->buf + off)), &end) < 0;
		off = (size_t)(nl - r->buf) + 1;
	}
	memmove(r->buf, r->buf + off, r->len - off);
	r->len -= off;
	r->in_cb = false;
	if (e->freeing)
		return;	/* etcd_destroy() drops r */
	if (r->cancelled)
		etcd_request_drop(r);
	else if (ended)
		etcd_request_conclude(r, &end, NULL);
}

/* ---- curl_ev's callbacks ---- */

static int
etcd_after_cb(void *arg)
{
	struct etcd *e = arg;
	struct etcd_request *r;
	long status;

	etcd_enter(e);
	for (;;) {
		for (r = e->reqs; r != NULL && !r->pending; r = r->next)
			;
		if (r == NULL || e->freeing)
			break;
		r->pending = false;
		status = 0;
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status == 200)	/* else an error reply: read whole at the end */
			etcd_watch_lines(r);
	}
	return etcd_leave(e);
}

static int
etcd_done_cb(void *arg, CURL *easy, CURLcode code)
{
	struct etcd *e = arg;
	struct etcd_request *r = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&r);
	if (r == NULL || r->easy != easy)
		return 0;
	etcd_enter(e);
	if (r->stream)
		etcd_watch_done(r, code);
	else
		etcd_request_done(r, code);
	return etcd_leave(e);
}

static size_t
etcd_write_fn(char *data, size_t size, size_t nmemb, void *userp)
{
	struct etcd_request *r = userp;
	size_t n = size * nmemb;

	if (r->len + n > ETCD_REPLY_MAX) {
		r->too_big = true;
		return 0;	/* aborts the transfer: CURLE_WRITE_ERROR */
	}
	if (r->len + n > r->cap) {
		size_t cap = r->cap == 0 ? 4096 : r->cap;

		while (cap < r->len + n)
			cap *= 2;
		r->buf = realloc(r->buf, cap);
		if (r->buf == NULL)
			fatalx("out of memory");
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	if (r->stream && memchr(data, '\n', n) != NULL)
		r->pending = true;	/* split after libcurl returns, in etcd_after_cb */
	return n;
}

/* ---- an attempt ---- */

static int
etcd_easy_options(struct etcd_request *r, CURL *easy)
{
	struct etcd *e = r->e;

	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_PROXY, "");	/* ignore *_proxy variables */
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_QUICK_EXIT, 1L);	/* never wait for a lookup */
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long)e->timeout_ms);
	if (!r->stream)
		curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)e->timeout_ms);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, 10L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, 5L);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "anycast-healthd");
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, etcd_write_fn);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)r);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, r->errbuf);
	if ((e->ca_file != NULL && curl_easy_setopt(easy, CURLOPT_CAINFO, e->ca_file) != CURLE_OK) ||
	    (e->cert_file != NULL &&
	     curl_easy_setopt(easy, CURLOPT_SSLCERT, e->cert_file) != CURLE_OK) ||
	    (e->key_file != NULL && curl_easy_setopt(easy, CURLOPT_SSLKEY, e->key_file) != CURLE_OK))
		return -1;
	return 0;
}

static int
etcd_easy_headers(struct etcd_request *r)
{
	struct etcd *e = r->e;
	struct curl_slist *h;
	char *auth;

	h = curl_slist_append(NULL, "Content-Type: application/json");
	h = h == NULL ? NULL : curl_slist_append(h, "Expect:");	/* no 100-continue wait */
	if (h != NULL && e->token != NULL && !r->internal) {
		if (asprintf(&auth, "Authorization: %s", e->token) < 0)
			fatalx("out of memory");
		h = curl_slist_append(h, auth);
		free(auth);
		r->auth_gen = e->auth_gen;
	}
	r->headers = h;
	return h == NULL ? -1 : 0;
}

static CURL *
etcd_easy(struct etcd_request *r)
{
	struct etcd *e = r->e;
	CURL *easy = curl_easy_init();
	char *url = NULL;

	r->errbuf[0] = '\0';
	if (easy == NULL || asprintf(&url, "%s%s", e->eps[r->ep], r->path) < 0)
		goto fail;
	if (curl_easy_setopt(easy, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r->body) != CURLE_OK ||
	    etcd_easy_options(r, easy) < 0 || etcd_easy_headers(r) < 0 ||
	    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, r->headers) != CURLE_OK)
		goto fail;
	free(url);
	return easy;
fail:
	free(url);
	curl_easy_cleanup(easy);
	return NULL;
}

static void
etcd_request_attempt(struct etcd_request *r)
{
	struct etcd *e = r->e;

	etcd_request_release(r);
	r->state = ETCD_STATE_RUNNING;
	r->established = false;
	r->easy = etcd_easy(r);
	if (r->easy == NULL || curl_ev_add(&e->curl, r->easy) < 0) {
		etcd_request_later(r, ETCD_UNREACHABLE, "libcurl refused the request");
		return;
	}
	if (r->stream) {	/* etcd's "created" line must come in time */
		ev_timer_set(&r->timer, e->timeout_ms / 1000.0, 0.);
		ev_timer_start(e->loop, &r->timer);
	}
}

static void
etcd_request_begin(struct etcd_request *r)
{
	if (r->e->user != NULL && r->e->token == NULL && !r->internal) {
		r->state = ETCD_STATE_WAIT_AUTH;
		etcd_auth_start(r->e);
		return;
	}
	etcd_request_attempt(r);
}

/* A request of `kind` to `path` with `body` (ours; NULL: out of memory). */
static struct etcd_request *
etcd_request_new(struct etcd *e, enum etcd_reply_kind kind, const char *path, char *body,
		 etcd_cb cb, void *arg)
{
	struct etcd_request *r = xcalloc(1, sizeof(struct etcd_watch));

	r->e = e;
	r->kind = kind;
	r->path = path;
	r->body = body;
	r->cb = cb;
	r->arg = arg;
	r->ep = e->current;
	ev_timer_init(&r->timer, etcd_request_later_cb, 0., 0.);
	r->timer.data = r;
	r->next = e->reqs;
	e->reqs = r;
	return r;
}

static struct etcd_request *
etcd_request_start(struct etcd_request *r)
{
	if (r->body == NULL)
		etcd_request_later(r, ETCD_BAD_REPLY, "the request cannot be encoded");
	else
		etcd_request_begin(r);
	return r;
}

/* ---- auth ---- */

static void
etcd_auth_start(struct etcd *e)
{
	struct json_object *o;
	char *body;

	if (e->auth != NULL)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(e->user));
	json_object_object_add(o, "password", json_object_new_string(e->password));
	body = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	e->auth = etcd_request_new(e, ETCD_REPLY_AUTH, "/v3/auth/authenticate", body, NULL, NULL);
	e->auth->internal = true;
	etcd_request_start(e->auth);
}

/* The authenticate request ended: the waiting requests go, or fail with
 * its result (etcd's "authentication failed" or the transport error). */
static void
etcd_auth_done(struct etcd *e, struct etcd_result *res, char *token)
{
	struct etcd_request *r;

	e->auth = NULL;
	if (res->status == ETCD_OK) {
		free(e->token);
		e->token = token;
		e->auth_gen++;
		for (r = e->reqs; r != NULL; r = r->next)
			if (r->state == ETCD_STATE_WAIT_AUTH)
				etcd_request_attempt(r);
		return;
	}
	log_debug("etcd: authentication as %s: %s", e->user, res->error);
	for (r = e->reqs; r != NULL; r = r->next)	/* not those their callbacks make */
		r->auth_failed = r->state == ETCD_STATE_WAIT_AUTH;
	while (!e->freeing) {
		for (r = e->reqs; r != NULL && !r->auth_failed; r = r->next)
			;
		if (r == NULL)
			break;
		etcd_request_finish(r, res, NULL);
	}
}

/* ---- request bodies ---- */

static struct json_object *
etcd_json_bytes(const void *p, size_t len)
{
	char *b64 = xcalloc(1, ETCD_BASE64_LEN(len));
	struct json_object *o;

	etcd_reply_base64_encode(p, len, b64);
	o = json_object_new_string(b64);
	free(b64);
	return o;
}

static struct json_object *
etcd_json_int64(int64_t v)
{
	char text[24];

	snprintf(text, sizeof(text), "%lld", (long long)v);
	return json_object_new_string(text);
}

/* The text of `o`, which is consumed. */
static char *
etcd_json_text(struct json_object *o)
{
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));

	json_object_put(o);
	return s;
}

/* key = prefix, range_end = prefix with its last byte + 1 ("a/" -> "a0"),
 * trailing 0xff bytes dropped; every key ("\0" to "\0", etcd's way of
 * saying it) when nothing is left. */
static void
etcd_json_prefix(struct json_object *o, const char *prefix)
{
	size_t n = strlen(prefix);
	char *end = xstrdup(prefix);

	while (n > 0 && (unsigned char)end[n - 1] == 0xff)
		n--;
	if (n > 0)
		end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
	if (prefix[0] == '\0')
		json_object_object_add(o, "key", etcd_json_bytes("", 1));
	else
		json_object_object_add(o, "key", etcd_json_bytes(prefix, strlen(prefix)));
	json_object_object_add(o, "range_end", etcd_json_bytes(n > 0 ? end : "", n > 0 ? n : 1));
	free(end);
}

static struct json_object *
etcd_json_put(const char *key, const void *value, size_t len, int64_t lease)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "key", etcd_json_bytes(key, strlen(key)));
	json_object_object_add(o, "value", etcd_json_bytes(value, len));
	if (lease != 0)
		json_object_object_add(o, "lease", etcd_json_int64(lease));
	return o;
}

static struct json_object *
etcd_json_id(int64_t id, const char *name)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, name, etcd_json_int64(id));
	return o;
}

/* ---- the requests ---- */

struct etcd_request *
etcd_lease_grant(struct etcd *e, int64_t ttl_s, etcd_cb cb, void *arg)
{
	return etcd_request_start(etcd_request_new(e, ETCD_REPLY_LEASE, "/v3/lease/grant",
						   etcd_json_text(etcd_json_id(ttl_s, "TTL")), cb, arg));
}

struct etcd_request *
etcd_lease_keepalive(struct etcd *e, int64_t lease, etcd_cb cb, void *arg)
{
	return etcd_request_start(etcd_request_new(e, ETCD_REPLY_KEEPALIVE, "/v3/lease/keepalive",
						   etcd_json_text(etcd_json_id(lease, "ID")), cb, arg));
}

struct etcd_request *
etcd_lease_revoke(struct etcd *e, int64_t lease, etcd_cb cb, void *arg)
{
	return etcd_request_start(etcd_request_new(e, ETCD_REPLY_HEADER, "/v3/lease/revoke",
						   etcd_json_text(etcd_json_id(lease, "ID")), cb, arg));
}

struct etcd_request *
etcd_put(struct etcd *e, const char *key, const void *value, size_t len, int64_t lease,
	 etcd_cb cb, void *arg)
{
	return etcd_request_start(etcd_request_new(e, ETCD_REPLY_HEADER, "/v3/kv/put",
						   etcd_json_text(etcd_json_put(key, value, len, lease)),
						   cb, arg));
}

struct etcd_request *
etcd_delete(struct etcd *e, const char *key, etcd_cb cb, void *arg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "key", etcd_json_bytes(key, strlen(key)));
	return etcd_request_start(etcd_request_new(e, ETCD_REPLY_HEADER, "/v3/kv/deleterange",
						   etcd_json_text(o), cb, arg));
}

struct etcd_request *
etcd_range_prefix(struct etcd *e, const char *prefix, etcd_cb cb, void *arg)
{
	struct json_object *o = json_object_new_object();

	/* linearizable (serializable false, the default) and sorted by key */
	etcd_json_prefix(o, prefix);
	json_object_object_add(o, "sort_order", json_object_new_string("ASCEND"));
	json_object_object_add(o, "sort_target", json_object_new_string("KEY"));
	return etcd_request_start(etcd_request_new(e, ETCD_REPLY_RANGE, "/v3/kv/range",
						   etcd_json_text(o), cb, arg));
}

static struct json_object *
etcd_json_op(const struct etcd_op *op)
{
	struct json_object *o = json_object_new_object(), *in = json_object_new_object();

	switch (op->kind) {
	case ETCD_OP_PUT:
		json_object_put(in);
		in = etcd_json_put(op->key, op->value, op->value_len, op->lease);
		json_object_object_add(o, "request_put", in);
		break;
	case ETCD_OP_DELETE:
		json_object_object_add(in, "key", etcd_json_bytes(op->key, strlen(op->key)));
		json_object_object_add(o, "request_delete_range", in);
		break;
	case ETCD_OP_RANGE_PREFIX:
	default:
		etcd_json_prefix(in, op->key);
		json_object_object_add(in, "sort_order", json_object_new_string("ASCEND"));
		json_object_object_add(in, "sort_target", json_object_new_string("KEY"));
		json_object_object_add(o, "request_range", in);
		break;
	}
	return o;
}

static struct json_object *
etcd_json_ops(const struct etcd_op *ops, size_t n)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, etcd_json_op(&ops[i]));
	return a;
}

struct etcd_request *
etcd_txn(struct etcd *e, const struct etcd_txn *t, etcd_cb cb, void *arg)
{
	struct json_object *o = json_object_new_object(), *cmp = json_object_new_array(), *c;
	size_t i;

	for (i = 0; i < t->n_compare; i++) {
		c = json_object_new_object();
		json_object_object_add(c, "key", etcd_json_bytes(t->compare[i].key,
								 strlen(t->compare[i].key)));
		json_object_object_add(c, "result", json_object_new_string("EQUAL"));
		json_object_object_add(c, "target", json_object_new_string("CREATE"));
		json_object_object_add(c, "create_revision",
				       etcd_json_int64(t->compare[i].create_revision));
		json_object_array_add(cmp, c);
	}
	json_object_object_add(o, "compare", cmp);
	json_object_object_add(o, "success", etcd_json_ops(t->success, t->n_success));
	json_object_object_add(o, "failure", etcd_json_ops(t->failure, t->n_failure));
	return etcd_request_start(etcd_request_new(e, ETCD_REPLY_TXN, "/v3/kv/txn",
						   etcd_json_text(o), cb, arg));
}

struct etcd_watch *
etcd_watch_prefix(struct etcd *e, const char *prefix, int64_t start_revision,
		  const struct etcd_watch_callbacks *cb, void *arg)
{
	struct json_object *o = json_object_new_object(), *in = json_object_new_object();
	struct etcd_request *r;

	etcd_json_prefix(in, prefix);
	if (start_revision > 0)
		json_object_object_add(in, "start_revision", etcd_json_int64(start_revision));
	/* an empty line now and then on an idle stream (every 10 minutes in
	 * etcd 3.4): keeps middleboxes from dropping it as idle */
	json_object_object_add(in, "progress_notify", json_object_new_boolean(true));
	json_object_object_add(o, "create_request", in);
	r = etcd_request_new(e, ETCD_REPLY_HEADER, "/v3/watch", etcd_json_text(o), NULL, arg);
	r->stream = true;
	r->wcb = *cb;
	etcd_request_start(r);
	return (struct etcd_watch *)r;
}
