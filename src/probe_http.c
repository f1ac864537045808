/*
 * probe_http.c - the "http" probe kind: one HTTP(S) GET per run through
 * libcurl's multi interface, driven by the daemon's libev loop.
 *
 * Each probe owns one CURLM through curl_ev.c (so its runs, cancel and
 * destroy touch nobody else's transfers) and one easy handle per run;
 * curl_ev.c watches the sockets and timers libcurl asks for and says when
 * the transfer is done.  No thread of ours and no blocking call: name
 * lookups, if the URL has a name, run in libcurl's own resolver thread,
 * which a timeout abandons rather than waits for (numeric URLs need none).
 *
 * Every run makes a fresh connection (FRESH_CONNECT + FORBID_REUSE): a
 * cached keep-alive connection would hide a server that accepts no new
 * ones, and no socket stays open between runs.  Redirects are not
 * followed (a 302 is "http-status-302"), proxies from the environment are
 * ignored, and only http and https are allowed.
 *
 * curl_global_init() is called once, by the first curl_ev_init() (the
 * daemon is single-threaded); it is never undone: the library stays
 * initialised until exit, like the daemon's other process-wide state.
 *
 * Reasons: ok; DOWN http-status-N, http-body-mismatch, http-timeout (ours or
 * libcurl's CURLOPT_TIMEOUT_MS, whichever fires first), http-<libcurl error
 * name in lower case with dashes>, e.g. http-couldnt-connect,
 * http-got-nothing; ERROR http-out-of-memory, http-failed-init.
 *
 * The verdict on a finished response (status code, body-contains over the
 * kept first 64 KiB of the body) is probe_output.c's: pure, and fuzzed.
 *
 * probe_done() may free the probe (the report callback can destroy it), so
 * every path that calls it does so last, after libcurl has returned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "curl_ev.h"
#include "log.h"
#include "probe.h"
#include "probe_output.h"

struct probe_http {
	struct probe *probe;
	struct curl_ev curl;		/* this probe's CURLM on the loop */
	CURL *easy;			/* the run's transfer; NULL when idle */
	char *body;			/* first PROBE_OUTPUT_BODY_MAX bytes; NULL
					 * unless body_contains is set */
	size_t body_len;
	char reason[PROBE_REASON_MAX];
	char errbuf[CURL_ERROR_SIZE];
};

/* libcurl's error names (CURLE_X -> "x" with dashes) for the codes an HTTP
 * transfer can end with; others are reported as http-curl-N. */
static const char *const probe_http_curle_names[] = {
	[CURLE_UNSUPPORTED_PROTOCOL] = "unsupported-protocol",
	[CURLE_FAILED_INIT] = "failed-init",
	[CURLE_URL_MALFORMAT] = "url-malformat",
	[CURLE_NOT_BUILT_IN] = "not-built-in",
	[CURLE_COULDNT_RESOLVE_PROXY] = "couldnt-resolve-proxy",
	[CURLE_COULDNT_RESOLVE_HOST] = "couldnt-resolve-host",
	[CURLE_COULDNT_CONNECT] = "couldnt-connect",
	[CURLE_WEIRD_SERVER_REPLY] = "weird-server-reply",
	[CURLE_REMOTE_ACCESS_DENIED] = "remote-access-denied",
	[CURLE_HTTP2] = "http2",
	[CURLE_PARTIAL_FILE] = "partial-file",
	[CURLE_HTTP_RETURNED_ERROR] = "http-returned-error",
	[CURLE_WRITE_ERROR] = "write-error",
	[CURLE_READ_ERROR] = "read-error",
	[CURLE_OUT_OF_MEMORY] = "out-of-memory",
	[CURLE_OPERATION_TIMEDOUT] = "operation-timedout",
	[CURLE_RANGE_ERROR] = "range-error",
	[CURLE_SSL_CONNECT_ERROR] = "ssl-connect-error",
	[CURLE_ABORTED_BY_CALLBACK] = "aborted-by-callback",
	[CURLE_BAD_FUNCTION_ARGUMENT] = "bad-function-argument",
	[CURLE_INTERFACE_FAILED] = "interface-failed",
	[CURLE_TOO_MANY_REDIRECTS] = "too-many-redirects",
	[CURLE_UNKNOWN_OPTION] = "unknown-option",
	[CURLE_GOT_NOTHING] = "got-nothing",
	[CURLE_SSL_ENGINE_NOTFOUND] = "ssl-engine-notfound",
	[CURLE_SSL_ENGINE_SETFAILED] = "ssl-engine-setfailed",
	[CURLE_SEND_ERROR] = "send-error",
	[CURLE_RECV_ERROR] = "recv-error",
	[CURLE_SSL_CERTPROBLEM] = "ssl-certproblem",
	[CURLE_SSL_CIPHER] = "ssl-cipher",
	[CURLE_PEER_FAILED_VERIFICATION] = "peer-failed-verification",
	[CURLE_BAD_CONTENT_ENCODING] = "bad-content-encoding",
	[CURLE_FILESIZE_EXCEEDED] = "filesize-exceeded",
	[CURLE_SSL_ENGINE_INITFAILED] = "ssl-engine-initfailed",
	[CURLE_LOGIN_DENIED] = "login-denied",
	[CURLE_SSL_CACERT_BADFILE] = "ssl-cacert-badfile",
	[CURLE_SSL_SHUTDOWN_FAILED] = "ssl-shutdown-failed",
	[CURLE_AGAIN] = "again",
	[CURLE_SSL_CRL_BADFILE] = "ssl-crl-badfile",
	[CURLE_SSL_ISSUER_ERROR] = "ssl-issuer-error",
	[CURLE_NO_CONNECTION_AVAILABLE] = "no-connection-available",
	[CURLE_SSL_PINNEDPUBKEYNOTMATCH] = "ssl-pinnedpubkeynotmatch",
	[CURLE_SSL_INVALIDCERTSTATUS] = "ssl-invalidcertstatus",
	[CURLE_HTTP2_STREAM] = "http2-stream",
	[CURLE_RECURSIVE_API_CALL] = "recursive-api-call",
	[CURLE_AUTH_ERROR] = "auth-error",
	[CURLE_HTTP3] = "http3",
	[CURLE_QUIC_CONNECT_ERROR] = "quic-connect-error",
	[CURLE_PROXY] = "proxy",
	[CURLE_SSL_CLIENTCERT] = "ssl-clientcert",
	[CURLE_UNRECOVERABLE_POLL] = "unrecoverable-poll",
};

#define PROBE_HTTP_N_CURLE (sizeof(probe_http_curle_names) / sizeof(probe_http_curle_names[0]))

/* ---- helpers ---- */

static const char *
probe_http_curle_reason(struct probe_http *ph, CURLcode code)
{
	if (code == CURLE_OPERATION_TIMEDOUT)	/* the same event as our cancel() */
		return "http-timeout";
	if ((size_t)code < PROBE_HTTP_N_CURLE && probe_http_curle_names[code] != NULL)
		snprintf(ph->reason, sizeof(ph->reason), "http-%s", probe_http_curle_names[code]);
	else
		snprintf(ph->reason, sizeof(ph->reason), "http-curl-%d", (int)code);
	return ph->reason;
}

/* Drop the run's transfer; libcurl closes its sockets (CURL_POLL_REMOVE). */
static void
probe_http_release(struct probe_http *ph)
{
	if (ph->easy == NULL)
		return;
	curl_ev_remove(&ph->curl, ph->easy);
	curl_easy_cleanup(ph->easy);
	ph->easy = NULL;
	ph->body_len = 0;
}

/* The transfer ended with `code`: judge it and end the run.  Must be the
 * caller's last use of ph. */
static void
probe_http_complete(struct probe_http *ph, CURLcode code)
{
	struct probe *p = ph->probe;
	const struct probe_http_config *c = PROBE_CFG(p, http);
	enum probe_result result = PROBE_DOWN;
	const char *reason;
	long status = 0;

	if (code == CURLE_OK)
		curl_easy_getinfo(ph->easy, CURLINFO_RESPONSE_CODE, &status);
	if (code != CURLE_OK) {
		reason = probe_http_curle_reason(ph, code);
		if (code == CURLE_OUT_OF_MEMORY || code == CURLE_FAILED_INIT)
			result = PROBE_ERROR;
		log_debug("probe %s: http %s (%s)", p->cfg->name, reason,
			  ph->errbuf[0] ? ph->errbuf : curl_easy_strerror(code));
	} else {
		result = probe_output_http_verdict(status, (long)c->expect_status, ph->body,
						   ph->body_len, c->body_contains, ph->reason,
						   sizeof(ph->reason), &reason);
	}
	probe_http_release(ph);
	probe_done(p, result, reason);
}

/* curl_ev's: the run's transfer ended.  -1: the probe may be gone, and
 * with it the curl_ev (probe_done() can destroy the probe). */
static int
probe_http_done_cb(void *arg, CURL *easy, CURLcode code)
{
	struct probe_http *ph = arg;

	if (easy != ph->easy)
		return 0;
	probe_http_complete(ph, code);
	return -1;
}

/* ---- libcurl's callbacks ---- */

static size_t
probe_http_write_fn(char *data, size_t size, size_t nmemb, void *userp)
{
	struct probe_http *ph = userp;
	size_t n = size * nmemb;

	if (ph->body != NULL)
		probe_output_body_append(ph->body, &ph->body_len, data, n);
	return n;	/* the rest is read and dropped: never abort the transfer */
}

/* ---- probe_ops ---- */

static int
probe_http_init(struct probe *p)
{
	struct probe_http *ph = p->priv;
	const struct probe_http_config *c = PROBE_CFG(p, http);

	ph->probe = p;
	if (c->url == NULL) {
		log_warnx("probe %s: http probe without a url", p->cfg->name);
		return -1;
	}
	if (curl_ev_init(&ph->curl, p->loop, probe_http_done_cb, NULL, ph) < 0) {
		log_warnx("probe %s: libcurl cannot be set up", p->cfg->name);
		return -1;
	}
	if (c->body_contains != NULL)
		ph->body = xcalloc(1, PROBE_OUTPUT_BODY_MAX);
	return 0;
}

/* A configured easy handle for one run, or NULL. */
static CURL *
probe_http_easy(struct probe_http *ph)
{
	const struct probe_config *pc = ph->probe->cfg;
	CURL *easy = curl_easy_init();

	if (easy == NULL)
		return NULL;
	ph->errbuf[0] = '\0';
	if (curl_easy_setopt(easy, CURLOPT_URL, pc->u.http.url) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK)
		goto fail;
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_PROXY, "");	/* ignore *_proxy variables */
	curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)pc->timeout_ms);
	/* a cancelled run abandons a pending name lookup instead of waiting
	 * for it (CURLOPT_QUICK_EXIT, libcurl 7.87): the loop must not block */
	curl_easy_setopt(easy, CURLOPT_QUICK_EXIT, 1L);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "anycast-healthd");
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, probe_http_write_fn);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, ph);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, ph->errbuf);
	return easy;
fail:
	curl_easy_cleanup(easy);
	return NULL;
}

static void
probe_http_start(struct probe *p)
{
	struct probe_http *ph = p->priv;

	probe_http_release(ph);	/* nothing is left of a run; be safe */
	ph->easy = probe_http_easy(ph);
	if (ph->easy == NULL) {
		probe_done(p, PROBE_ERROR, "http-failed-init");
		return;
	}
	/* libcurl answers with a 0 ms timer: the transfer starts from the loop */
	if (curl_ev_add(&ph->curl, ph->easy) < 0) {
		curl_easy_cleanup(ph->easy);
		ph->easy = NULL;
		probe_done(p, PROBE_ERROR, "http-failed-init");
	}
}

static const char *
probe_http_cancel(struct probe *p)
{
	struct probe_http *ph = p->priv;

	log_debug("probe %s: http-timeout", p->cfg->name);
	probe_http_release(ph);
	return "http-timeout";
}

static void
probe_http_destroy(struct probe *p)
{
	struct probe_http *ph = p->priv;

	if (ph->probe == NULL)	/* init did not run */
		return;
	probe_http_release(ph);
	curl_ev_destroy(&ph->curl);
	free(ph->body);
	ph->body = NULL;
}

const struct probe_ops probe_http_ops = {
	.kind = "http",
	.priv_size = sizeof(struct probe_http),
	.init = probe_http_init,
	.start = probe_http_start,
	.cancel = probe_http_cancel,
	.destroy = probe_http_destroy,
	.overlap = true,
};
