/*
 * fleet_record.h - one gateway's summary as the fleet's store holds it
 * (key /anycast-healthd/FLEET/gateways/NODE): JSON <-> C, pure, no I/O.
 * decode() reads what other gateways wrote, so it is strict, bounded and
 * fuzzed (tests/fuzz/fuzz_fleet_record.c).  States are kept as the words
 * the writer used ("announced", "held"...), so gateways of different
 * versions still read each other.  Format: docs/fleet.md.
 */
#ifndef AHD_FLEET_RECORD_H
#define AHD_FLEET_RECORD_H

#include <stdbool.h>
#include <stddef.h>

struct fleet_record_service {
	char *name;
	char *verdict;			/* "up", "down", "degraded", "init" */
	char *reason;
};

struct fleet_record_prefix {
	char *prefix;			/* "192.0.2.1/32" */
	char *desired;			/* what the gateway asks of its router, "held" included */
	char *actual;			/* what its router reads back */
	bool held;			/* kept announcing by the fleet guard */
	unsigned min_announcers;
	double since;			/* unix seconds */
	/* what its router's BGP sessions carry (docs/design.md, "Sessions"):
	 * "carried": a number, or null while unknown (false here; also for a
	 * writer too old to say); "uncarried": the gateway's warning (absent
	 * from an old writer: false) */
	bool carried_known;
	unsigned carried;		/* established sessions advertising it */
	bool uncarried;			/* wanted announced, carried by no established session */
};

struct fleet_record_fingerprint {
	char *name;			/* "config" or a file's path */
	char *hmac;			/* 64 hex digits, or "absent" / "unreadable" */
};

struct fleet_record {
	char *node;
	char *version;
	double updated;			/* unix seconds of this write */
	double last_change;		/* the latest service or prefix transition */
	char *router_kind;		/* "bird", "frr" */
	bool router_reachable;
	bool alone;			/* deciding without the store (on-store-loss) */
	struct fleet_record_service *services;
	size_t n_services;
	struct fleet_record_prefix *prefixes;
	size_t n_prefixes;
	struct fleet_record_fingerprint *fingerprints;
	size_t n_fingerprints;
};

/* The record as JSON text (malloc'd, NUL-terminated), or NULL on ENOMEM. */
char *fleet_record_encode(const struct fleet_record *r);

/* The same as a json-c object (the caller puts it), for /v1/fleet. */
struct json_object;
struct json_object *fleet_record_to_json(const struct fleet_record *r);

/* Parse LEN bytes of JSON into `out` (cleared first).  Returns 0, or -1
 * with a one-line reason in err ("prefixes[2]: missing \"actual\"") and
 * `out` empty.  Unknown fields are ignored (a newer writer). */
int fleet_record_decode(const char *text, size_t len, struct fleet_record *out,
			char *err, size_t errlen);

/* Free what the record owns; leaves it zeroed.  Accepts a zeroed record. */
void fleet_record_clear(struct fleet_record *r);

/* The record's entry for `prefix`, or NULL. */
const struct fleet_record_prefix *fleet_record_find_prefix(const struct fleet_record *r,
							   const char *prefix);

#endif
