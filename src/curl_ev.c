/*
 * curl_ev.c - libcurl's multi interface driven by the libev loop (see
 * include/curl_ev.h): the socket and timer callbacks libcurl asks for, and
 * the dispatch of what a curl_multi_socket_action() call did.
 *
 * No thread of ours and no blocking call: name lookups, if a URL has a
 * name, run in libcurl's own resolver thread.
 */
#include <stdlib.h>

#include "curl_ev.h"
#include "log.h"

/* One socket libcurl asked us to watch. */
struct curl_ev_sock {
	struct curl_ev *c;
	curl_socket_t fd;
	ev_io io;
	struct curl_ev_sock *next;
};

static void curl_ev_io_cb(struct ev_loop *loop, ev_io *w, int revents);

int
curl_ev_global_init(void)
{
	static bool done;
	CURLcode rc;

	if (done)
		return 0;
	rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK) {
		log_warnx("curl_global_init: %s", curl_easy_strerror(rc));
		return -1;
	}
	done = true;
	return 0;
}

static void
curl_ev_sock_free(struct curl_ev *c, struct curl_ev_sock *cs)
{
	struct curl_ev_sock **pp;

	for (pp = &c->socks; *pp != NULL; pp = &(*pp)->next)
		if (*pp == cs) {
			*pp = cs->next;
			break;
		}
	ev_io_stop(c->loop, &cs->io);
	free(cs);
}

/* After libcurl did some work: `after`, then `done` per finished transfer,
 * until one of them says it destroyed c. */
static void
curl_ev_dispatch(struct curl_ev *c)
{
	CURLMsg *msg;
	int left;

	if (c->after != NULL && c->after(c->arg) < 0)
		return;
	while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
		if (msg->msg == CURLMSG_DONE && c->done(c->arg, msg->easy_handle, msg->data.result) < 0)
			return;
	}
}

/* ---- libcurl's callbacks ---- */

static int
curl_ev_socket_fn(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct curl_ev *c = userp;
	struct curl_ev_sock *cs = socketp;
	int events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (cs != NULL)
			curl_ev_sock_free(c, cs);
		return 0;
	}
	if (cs == NULL) {
		cs = xcalloc(1, sizeof(*cs));
		cs->c = c;
		cs->fd = s;
		ev_io_init(&cs->io, curl_ev_io_cb, s, 0);
		cs->io.data = cs;
		cs->next = c->socks;
		c->socks = cs;
		curl_multi_assign(c->multi, s, cs);
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	ev_io_stop(c->loop, &cs->io);
	ev_io_set(&cs->io, s, events);
	ev_io_start(c->loop, &cs->io);
	return 0;
}

static int
curl_ev_timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
	struct curl_ev *c = userp;

	(void)multi;
	ev_timer_stop(c->loop, &c->timer);
	if (timeout_ms >= 0) {
		/* 0 means "now": from the loop, never from inside libcurl */
		ev_timer_set(&c->timer, timeout_ms / 1000.0, 0.);
		ev_timer_start(c->loop, &c->timer);
	}
	return 0;
}

/* ---- libev's callbacks ---- */

static void
curl_ev_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct curl_ev_sock *cs = w->data;
	struct curl_ev *c = cs->c;	/* cs may be freed by socket_action */
	int action = 0, running;

	(void)loop;
	if (revents & EV_READ)
		action |= CURL_CSELECT_IN;
	if (revents & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(c->multi, cs->fd, action, &running);
	curl_ev_dispatch(c);
}

static void
curl_ev_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct curl_ev *c = w->data;
	int running;

	(void)loop;
	(void)revents;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	curl_ev_dispatch(c);
}

/* ---- the interface ---- */

int
curl_ev_init(struct curl_ev *c, struct ev_loop *loop,
	     int (*done)(void *arg, CURL *easy, CURLcode code), int (*after)(void *arg),
	     void *arg)
{
	c->loop = loop;
	c->done = done;
	c->after = after;
	c->arg = arg;
	c->socks = NULL;
	ev_timer_init(&c->timer, curl_ev_timer_cb, 0., 0.);
	c->timer.data = c;
	if (curl_ev_global_init() < 0)
		return -1;
	c->multi = curl_multi_init();
	if (c->multi == NULL) {
		log_warnx("curl_multi_init failed");
		return -1;
	}
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, curl_ev_socket_fn);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, curl_ev_timer_fn);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	return 0;
}

void
curl_ev_destroy(struct curl_ev *c)
{
	if (c->multi != NULL)
		curl_multi_cleanup(c->multi);	/* closes the cached connections */
	c->multi = NULL;
	while (c->socks != NULL)
		curl_ev_sock_free(c, c->socks);
	if (c->loop != NULL)
		ev_timer_stop(c->loop, &c->timer);
}

int
curl_ev_add(struct curl_ev *c, CURL *easy)
{
	return curl_multi_add_handle(c->multi, easy) == CURLM_OK ? 0 : -1;
}

void
curl_ev_remove(struct curl_ev *c, CURL *easy)
{
	if (easy != NULL && c->multi != NULL)
		curl_multi_remove_handle(c->multi, easy);
}
