/*
 * etcd.h - an etcd v3 client through etcd's JSON gateway (POST /v3/...),
 * on the daemon's libev loop with libcurl's multi interface: no thread, no
 * blocking call, no gRPC library.  The fleet (fleet.c) is its only user.
 *
 *   etcd.c        requests, endpoints, TLS, auth token, the watch stream
 *   etcd_reply.c  the pure parsing of every reply and watch line (fuzzed)
 *
 * Every request is asynchronous: it returns a handle at once and calls its
 * callback exactly once from the loop (never from inside the call that
 * started it), unless cancelled first.  A request tries the current
 * endpoint, then fails over to the next ones in turn on a transport error
 * (refused, timeout, TLS); the endpoint that answered becomes the current
 * one.  Keys and values are plain bytes here; base64 is this module's
 * business.  int64 fields arrive as JSON strings and zero fields are left
 * out (protocols.md section 10): the parser maps both.
 */
#ifndef AHD_FLEET_ETCD_H
#define AHD_FLEET_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ev.h>

struct etcd_options {
	const char *const *endpoints;	/* "http://10.0.0.1:2379", "https://..." */
	size_t n_endpoints;
	const char *ca_file;		/* NULL: the system's CAs */
	const char *cert_file;		/* client certificate, or NULL */
	const char *key_file;		/* its key, or NULL */
	const char *user;		/* NULL: no authentication */
	const char *password;
	uint32_t timeout_ms;		/* per attempt of a request (not a watch) */
};

enum etcd_status {
	ETCD_OK,
	ETCD_UNREACHABLE,	/* every endpoint failed: transport error or timeout */
	ETCD_ERROR,		/* etcd answered with an error (code, message) */
	ETCD_BAD_REPLY,		/* an answer this client cannot parse */
};

struct etcd_kv {
	char *key;			/* NUL-terminated (keys never hold NUL here) */
	char *value;			/* NUL-terminated after value_len bytes */
	size_t value_len;
	int64_t create_revision;
	int64_t mod_revision;
	int64_t version;
	int64_t lease;
};

/* Valid only during the callback. */
struct etcd_result {
	enum etcd_status status;
	char error[256];	/* why, when not ETCD_OK: "http://10.0.0.1:2379: Connection refused",
				 * "etcdserver: requested lease not found" */
	int code;		/* gRPC code of an ETCD_ERROR (5 = not found) */
	const char *endpoint;	/* the endpoint that answered (or failed last) */
	int64_t revision;	/* the header's revision */
	int64_t lease_id;	/* lease grant / keepalive */
	int64_t ttl;		/* lease grant / keepalive: 0 = the lease has expired */
	bool succeeded;		/* txn: the compares held */
	struct etcd_kv *kvs;	/* range; a txn's range response */
	size_t n_kvs;
};

/* A request's cb may be NULL: nobody is told how it ended. */
typedef void (*etcd_cb)(void *arg, const struct etcd_result *r);

struct etcd;
struct etcd_request;

/* NULL with `err` filled when the options are unusable. */
struct etcd *etcd_new(struct ev_loop *loop, const struct etcd_options *o, char *err, size_t errlen);
/* Cancels every request and watch without calling their callbacks.  Accepts NULL. */
void etcd_free(struct etcd *e);
/* The endpoint requests go to first now. */
const char *etcd_endpoint(const struct etcd *e);

struct etcd_request *etcd_lease_grant(struct etcd *e, int64_t ttl_s, etcd_cb cb, void *arg);
struct etcd_request *etcd_lease_keepalive(struct etcd *e, int64_t lease, etcd_cb cb, void *arg);
struct etcd_request *etcd_lease_revoke(struct etcd *e, int64_t lease, etcd_cb cb, void *arg);
/* lease 0: no lease. */
struct etcd_request *etcd_put(struct etcd *e, const char *key, const void *value, size_t len,
			      int64_t lease, etcd_cb cb, void *arg);
struct etcd_request *etcd_delete(struct etcd *e, const char *key, etcd_cb cb, void *arg);
/* Every key starting with `prefix`, linearizable, sorted by key. */
struct etcd_request *etcd_range_prefix(struct etcd *e, const char *prefix, etcd_cb cb, void *arg);

/* A transaction: if every compare holds, the success ops run, else the
 * failure ops; atomically.  The one compare the fleet needs: a key's
 * create_revision equals a value (0 = the key does not exist). */
struct etcd_compare {
	const char *key;
	int64_t create_revision;
};
enum etcd_op_kind { ETCD_OP_PUT, ETCD_OP_DELETE, ETCD_OP_RANGE_PREFIX };
struct etcd_op {
	enum etcd_op_kind kind;
	const char *key;	/* the prefix for ETCD_OP_RANGE_PREFIX */
	const void *value;	/* ETCD_OP_PUT */
	size_t value_len;
	int64_t lease;		/* ETCD_OP_PUT; 0 = none */
};
struct etcd_txn {
	const struct etcd_compare *compare;
	size_t n_compare;
	const struct etcd_op *success;
	size_t n_success;
	const struct etcd_op *failure;
	size_t n_failure;
};
/* The result's kvs are the first range op's response of the branch taken. */
struct etcd_request *etcd_txn(struct etcd *e, const struct etcd_txn *t, etcd_cb cb, void *arg);

/* Cancel a request that has not called back yet: its callback never runs. */
void etcd_cancel(struct etcd_request *r);

/* ---- watch: a long-lived stream of changes under a prefix ---- */

struct etcd_event {
	bool deleted;		/* DELETE (a lease expiry too); else PUT */
	struct etcd_kv kv;	/* a delete carries the key and mod_revision */
};

struct etcd_watch_callbacks {
	/* Changes, in revision order; `revision` is the header's. */
	void (*events)(void *arg, const struct etcd_event *ev, size_t n, int64_t revision);
	/* The stream ended (endpoint lost, compacted, cancelled by etcd): the
	 * watch is gone (do not cancel it after this); the caller re-reads and
	 * watches again.  Called once.  A stream that merely goes silent (the
	 * path to etcd died without a reset) is not detected here: etcd 3.4
	 * sends progress only every 10 minutes; TCP keepalives end it in about
	 * a minute, and the caller, whose lease keepalives fail first, should
	 * cancel and re-open it when the store answers again. */
	void (*ended)(void *arg, const struct etcd_result *why);
};

struct etcd_watch;
/* Watch every key starting with `prefix` from `start_revision` (0: now). */
struct etcd_watch *etcd_watch_prefix(struct etcd *e, const char *prefix, int64_t start_revision,
				     const struct etcd_watch_callbacks *cb, void *arg);
/* No callback after this.  Accepts NULL. */
void etcd_watch_cancel(struct etcd_watch *w);

#endif
