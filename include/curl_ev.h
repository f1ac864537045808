/*
 * curl_ev.h - libcurl's multi interface on the daemon's libev loop, the
 * pattern of curl's docs/examples/evhiperfifo.c, shared by the http probe
 * (probe_http.c) and the etcd client (fleet/etcd.c).
 *
 * One struct curl_ev owns one CURLM.  libcurl says which sockets to watch
 * (one ev_io each) and when to call it back (one ev_timer); both call
 * curl_multi_socket_action() from the loop, never from inside libcurl.
 * After each call, `after` (optional) runs, then `done` once per finished
 * transfer.  Both run outside libcurl, so they may add and remove
 * transfers, and even curl_ev_destroy() the whole thing: they return -1
 * then, and the dispatch stops at once (0: go on).  A transfer added now starts from the loop (libcurl asks
 * for a 0 ms timer): nothing is called back from inside curl_ev_add().
 */
#ifndef AHD_CURL_EV_H
#define AHD_CURL_EV_H

#include <stdbool.h>
#include <curl/curl.h>
#include <ev.h>

struct curl_ev_sock;

struct curl_ev {
	struct ev_loop *loop;
	CURLM *multi;
	ev_timer timer;			/* libcurl's own timeouts */
	struct curl_ev_sock *socks;	/* every watched socket */
	/* A transfer ended with `code` (CURLE_OK: a whole reply came). */
	int (*done)(void *arg, CURL *easy, CURLcode code);
	/* libcurl did some work (data may have come): called before done. */
	int (*after)(void *arg);
	void *arg;
};

/* curl_global_init() once per process (the daemon is single-threaded). */
int curl_ev_global_init(void);
/* 0, or -1 when libcurl cannot be set up (logged). */
int curl_ev_init(struct curl_ev *c, struct ev_loop *loop,
		 int (*done)(void *arg, CURL *easy, CURLcode code), int (*after)(void *arg),
		 void *arg);
/* Every transfer must have been removed.  Safe on a zeroed or destroyed struct. */
void curl_ev_destroy(struct curl_ev *c);
/* 0, or -1 when libcurl refuses the transfer. */
int curl_ev_add(struct curl_ev *c, CURL *easy);
/* Removes a transfer (running or done) without a call to `done`; does not
 * clean it up.  Accepts NULL. */
void curl_ev_remove(struct curl_ev *c, CURL *easy);

#endif
