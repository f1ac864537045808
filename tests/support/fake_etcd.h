/*
 * fake_etcd.h - an in-memory etcd behind etcd.h, for tests: every client
 * made with etcd_new() shares one store (keys with create/mod revisions,
 * leases with expiry, txn compares, prefix watches).  Requests are answered
 * from the loop in the order they were made (one FIFO, a zero timer), so
 * several fleet instances on one loop race exactly as their requests
 * interleave.  A switch makes the store unreachable.
 */
#ifndef AHD_TEST_FAKE_ETCD_H
#define AHD_TEST_FAKE_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Forget every key, lease, watch and counter (clients must be freed first). */
void fake_etcd_reset(void);
/* Every request fails with ETCD_UNREACHABLE ("http://fake:2379: Connection
 * refused") while set; setting it ends every watch. */
void fake_etcd_set_unreachable(bool unreachable);
/* While set, nothing is answered (a slow store): requests wait in order. */
void fake_etcd_pause(bool paused);
/* Requests of `kind` ("keepalive", ...) wait unanswered while set (a request
 * sent into a network cut); the others are answered.  NULL: none waits. */
void fake_etcd_hold(const char *kind);
/* Every request of `kind` ("range", "txn", ...) is answered ETCD_ERROR with
 * gRPC `code` and `why` while set; NULL: none fails. */
void fake_etcd_fail(const char *kind, int code, const char *why);
/* Expire lease `id` now (0: every lease), deleting its keys as etcd does. */
void fake_etcd_expire_lease(int64_t id);
/* The value of `key`, NULL when absent. */
const char *fake_etcd_get(const char *key);
/* Keys starting with `prefix`. */
size_t fake_etcd_count(const char *prefix);
/* Put a key from outside (another writer), no lease. */
void fake_etcd_put(const char *key, const char *value);
/* Requests answered so far, by kind ("put", "delete", "range", "txn",
 * "grant", "keepalive", "revoke"); NULL: all. */
unsigned long fake_etcd_requests(const char *kind);
/* Requests of `kind` queued and not answered yet; NULL: all. */
unsigned long fake_etcd_queued(const char *kind);

/* Nothing queued: every request answered, every event delivered. */
bool fake_etcd_idle(void);

#endif
