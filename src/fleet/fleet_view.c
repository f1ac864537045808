/*
 * fleet_view.c - the fleet as the store's records show it: which gateway's
 * fingerprints differ from the fleet's majority (drift), where gateways
 * disagree about a prefix, and the GET /v1/fleet body.  Pure: fleet.c hands
 * it the records and announcer keys of its watch mirror; status, metrics,
 * the log and on-drift take their drift from fleet_view_drifted().
 *
 * Majority, per fingerprint name, among the records that publish that
 * name: the value held by more than half of them ("absent" and
 * "unreadable" are values like any digest).  A record whose value differs
 * from it has drifted.  Without a majority (a 2-2 tie, three different
 * values, two gateways that differ) no value can be called the fleet's, so
 * every record is flagged: each differs from some other.  A record that
 * does not publish the name (another fingerprint-file list, an older
 * version) takes no part in it.
 *
 * Disagreement, per prefix: the gateways whose services are all up do not
 * all want it in the same state, or some gateway's router does not hold
 * what the gateway wants (a held prefix is announced, degraded or not, so
 * desired "held" agrees with actual "announced" and "degraded").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "fleet/fleet_view.h"
#include "log.h"

/* The records fleet.c builds itself may leave a string NULL: read it as "". */
static const char *
fleet_view_s(const char *s)
{
	return s != NULL ? s : "";
}

/* `name`'s value in `r`, or NULL when `r` does not publish it. */
static const char *
fleet_view_value(const struct fleet_record *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_fingerprints; i++)
		if (r->fingerprints[i].name != NULL && strcmp(r->fingerprints[i].name, name) == 0)
			return fleet_view_s(r->fingerprints[i].hmac);
	return NULL;
}

/* The value more than half of the records publishing `name` hold, or NULL. */
static const char *
fleet_view_majority(const struct fleet_record *recs, size_t n, const char *name)
{
	size_t i, j, having = 0, best_count = 0;
	const char *best = NULL, *v, *w;

	for (i = 0; i < n; i++) {
		size_t count = 0;

		if ((v = fleet_view_value(&recs[i], name)) == NULL)
			continue;
		having++;
		for (j = 0; j < n; j++)
			if ((w = fleet_view_value(&recs[j], name)) != NULL && strcmp(v, w) == 0)
				count++;
		if (count > best_count) {
			best = v;
			best_count = count;
		}
	}
	return 2 * best_count > having ? best : NULL;
}

static const struct fleet_record *
fleet_view_find(const struct fleet_record *recs, size_t n, const char *node)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (recs[i].node != NULL && strcmp(recs[i].node, node) == 0)
			return &recs[i];
	return NULL;
}

/* Has `r` drifted on `name`, given that name's majority (NULL: none)? */
static bool
fleet_view_differs(const struct fleet_record *r, const char *name, const char *majority)
{
	const char *mine = fleet_view_value(r, name);

	return mine != NULL && (majority == NULL || strcmp(mine, majority) != 0);
}

bool
fleet_view_drifted(const struct fleet_record *recs, size_t n, const char *node, const char *name)
{
	const struct fleet_record *r = fleet_view_find(recs, n, node);

	return r != NULL && fleet_view_differs(r, name, fleet_view_majority(recs, n, name));
}

/* ---- /v1/fleet ---- */

/* Unix seconds to the millisecond, as in the records. */
static struct json_object *
fleet_view_time(double t)
{
	char buf[64];
	size_t len;

	if (!(t >= 0 && t < 1e15))
		t = 0;
	len = (size_t)snprintf(buf, sizeof(buf), "%.3f", t);
	while (len > 2 && buf[len - 1] == '0' && buf[len - 2] != '.')
		buf[--len] = '\0';
	return json_object_new_double_s(t, buf);
}

static struct json_object *
fleet_view_str(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static int
fleet_view_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct strings of a list, sorted (the array is sorted in place). */
static size_t
fleet_view_unique(const char **v, size_t n)
{
	size_t i, u = 0;

	qsort(v, n, sizeof(*v), fleet_view_strcmp);
	for (i = 0; i < n; i++)
		if (u == 0 || strcmp(v[u - 1], v[i]) != 0)
			v[u++] = v[i];
	return u;
}

/* Every fingerprint name any record publishes, sorted, distinct; *n_out gets how many. */
static const char **
fleet_view_names(const struct fleet_record *recs, size_t n, size_t *n_out)
{
	size_t i, j, total = 0, k = 0;
	const char **names;

	for (i = 0; i < n; i++)
		total += recs[i].n_fingerprints;
	names = xcalloc(total + 1, sizeof(*names));
	for (i = 0; i < n; i++)
		for (j = 0; j < recs[i].n_fingerprints; j++)
			if (recs[i].fingerprints[j].name != NULL)
				names[k++] = recs[i].fingerprints[j].name;
	*n_out = fleet_view_unique(names, k);
	return names;
}

static struct json_object *
fleet_view_store_json(const struct fleet_view_store *s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "reachable", json_object_new_boolean(s->reachable));
	json_object_object_add(o, "endpoint", fleet_view_str(s->endpoint));
	json_object_object_add(o, "since", fleet_view_time(s->since));
	json_object_object_add(o, "why", json_object_new_string(s->why != NULL ? s->why : ""));
	return o;
}

/* The records' indexes in node order. */
static size_t *
fleet_view_by_node(const struct fleet_record *recs, size_t n)
{
	size_t *order = xcalloc(n + 1, sizeof(*order)), i, j, tmp;

	for (i = 0; i < n; i++)
		order[i] = i;
	/* Insertion sort: a fleet is tens of gateways, and it keeps ties stable. */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(fleet_view_s(recs[order[j - 1]].node),
		    fleet_view_s(recs[order[j]].node)) > 0; j--) {
			tmp = order[j];
			order[j] = order[j - 1];
			order[j - 1] = tmp;
		}
	return order;
}

/* Each record as it is published, plus the names it has drifted on. */
static struct json_object *
fleet_view_gateways(const struct fleet_record *recs, size_t n, const size_t *order,
		    const char **names, const char **majority, size_t n_names)
{
	struct json_object *list = json_object_new_array(), *g, *drift;
	size_t i, k;

	for (i = 0; i < n; i++) {
		const struct fleet_record *r = &recs[order[i]];

		g = fleet_record_to_json(r);
		drift = json_object_new_array();
		for (k = 0; k < n_names; k++)
			if (fleet_view_differs(r, names[k], majority[k]))
				json_object_array_add(drift, json_object_new_string(names[k]));
		json_object_object_add(g, "drift", drift);
		json_object_array_add(list, g);
	}
	return list;
}

/* The top-level "drift": each name some record differs on, with who. */
static struct json_object *
fleet_view_drift(const struct fleet_record *recs, size_t n, const size_t *order,
		 const char **names, const char **majority, size_t n_names)
{
	struct json_object *list = json_object_new_array(), *d, *differ;
	size_t i, k;

	for (k = 0; k < n_names; k++) {
		differ = json_object_new_array();
		for (i = 0; i < n; i++)
			if (fleet_view_differs(&recs[order[i]], names[k], majority[k]))
				json_object_array_add(differ, json_object_new_string(fleet_view_s(recs[order[i]].node)));
		if (json_object_array_length(differ) == 0) {
			json_object_put(differ);
			continue;
		}
		d = json_object_new_object();
		json_object_object_add(d, "name", json_object_new_string(names[k]));
		json_object_object_add(d, "majority", fleet_view_str(majority[k]));
		json_object_object_add(d, "differ", differ);
		json_object_array_add(list, d);
	}
	return list;
}

static bool
fleet_view_all_up(const struct fleet_record *r)
{
	size_t i;

	for (i = 0; i < r->n_services; i++)
		if (strcasecmp(fleet_view_s(r->services[i].verdict), "up") != 0)
			return false;
	return true;
}

/* Does the router hold what the gateway wants? */
static bool
fleet_view_consistent(const struct fleet_record_prefix *p)
{
	const char *desired = fleet_view_s(p->desired), *actual = fleet_view_s(p->actual);

	if (strcmp(desired, actual) == 0)
		return true;
	return strcmp(desired, "held") == 0 && (strcmp(actual, "announced") == 0 || strcmp(actual, "degraded") == 0);
}

static bool
fleet_view_disagree(const struct fleet_record *recs, size_t n, const char *prefix)
{
	const struct fleet_record_prefix *p;
	const char *healthy_desired = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((p = fleet_record_find_prefix(&recs[i], prefix)) == NULL)
			continue;
		if (!fleet_view_consistent(p))
			return true;
		if (!fleet_view_all_up(&recs[i]))
			continue;
		if (healthy_desired != NULL && strcmp(healthy_desired, fleet_view_s(p->desired)) != 0)
			return true;
		healthy_desired = fleet_view_s(p->desired);
	}
	return false;
}

/* The strictest min-announcers the records give the prefix, or NULL if none has it. */
static struct json_object *
fleet_view_min_announcers(const struct fleet_record *recs, size_t n, const char *prefix)
{
	const struct fleet_record_prefix *p;
	bool found = false;
	unsigned max = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((p = fleet_record_find_prefix(&recs[i], prefix)) == NULL)
			continue;
		found = true;
		if (p->min_announcers > max)
			max = p->min_announcers;
	}
	return found ? json_object_new_int64(max) : NULL;
}

/* The announcer keys of `prefix`, in node order. */
static struct json_object *
fleet_view_announcers(const struct fleet_announcer *ann, size_t n_ann, const char *prefix)
{
	struct json_object *list = json_object_new_array(), *a;
	const struct fleet_announcer **mine = xcalloc(n_ann + 1, sizeof(*mine));
	size_t i, j, k = 0;

	for (i = 0; i < n_ann; i++) {
		if (ann[i].prefix == NULL || ann[i].node == NULL || strcmp(ann[i].prefix, prefix) != 0)
			continue;
		for (j = k; j > 0 && strcmp(mine[j - 1]->node, ann[i].node) > 0; j--)
			mine[j] = mine[j - 1];
		mine[j] = &ann[i];
		k++;
	}
	for (i = 0; i < k; i++) {
		a = json_object_new_object();
		json_object_object_add(a, "node", json_object_new_string(mine[i]->node));
		json_object_object_add(a, "state", json_object_new_string(mine[i]->state != NULL ? mine[i]->state : ""));
		json_object_array_add(list, a);
	}
	free(mine);
	return list;
}

/* The gateways (in node order) whose record says no established BGP
 * session of theirs carries `prefix` though they want it announced. */
static struct json_object *
fleet_view_uncarried(const struct fleet_record *recs, size_t n, const size_t *order,
		     const char *prefix)
{
	struct json_object *list = json_object_new_array();
	const struct fleet_record_prefix *p;
	size_t i;

	for (i = 0; i < n; i++) {
		p = fleet_record_find_prefix(&recs[order[i]], prefix);
		if (p != NULL && p->uncarried)
			json_object_array_add(list, json_object_new_string(fleet_view_s(recs[order[i]].node)));
	}
	return list;
}

/* Every prefix a record or an announcer key names, in byte order. */
static struct json_object *
fleet_view_prefixes(const struct fleet_record *recs, size_t n, const size_t *order,
		    const struct fleet_announcer *ann, size_t n_ann)
{
	struct json_object *list = json_object_new_array(), *p;
	size_t i, j, total = n_ann, k = 0, u;
	const char **all;

	for (i = 0; i < n; i++)
		total += recs[i].n_prefixes;
	all = xcalloc(total + 1, sizeof(*all));
	for (i = 0; i < n; i++)
		for (j = 0; j < recs[i].n_prefixes; j++)
			if (recs[i].prefixes[j].prefix != NULL)
				all[k++] = recs[i].prefixes[j].prefix;
	for (i = 0; i < n_ann; i++)
		if (ann[i].prefix != NULL && ann[i].node != NULL)
			all[k++] = ann[i].prefix;
	u = fleet_view_unique(all, k);
	for (i = 0; i < u; i++) {
		p = json_object_new_object();
		json_object_object_add(p, "prefix", json_object_new_string(all[i]));
		json_object_object_add(p, "min_announcers", fleet_view_min_announcers(recs, n, all[i]));
		json_object_object_add(p, "announcers", fleet_view_announcers(ann, n_ann, all[i]));
		json_object_object_add(p, "disagree", json_object_new_boolean(fleet_view_disagree(recs, n, all[i])));
		json_object_object_add(p, "uncarried", fleet_view_uncarried(recs, n, order, all[i]));
		json_object_array_add(list, p);
	}
	free(all);
	return list;
}

struct json_object *
fleet_view_json(const char *fleet, const char *node, const struct fleet_view_store *store,
		const struct fleet_record *recs, size_t n, const struct fleet_announcer *ann, size_t n_ann)
{
	struct json_object *root = json_object_new_object();
	size_t n_names, k, *order = fleet_view_by_node(recs, n);
	const char **names = fleet_view_names(recs, n, &n_names);
	const char **majority = xcalloc(n_names + 1, sizeof(*majority));
	char revision[24];

	for (k = 0; k < n_names; k++)
		majority[k] = fleet_view_majority(recs, n, names[k]);
	snprintf(revision, sizeof(revision), "%lld", store != NULL ? (long long)store->revision : 0LL);
	json_object_object_add(root, "fleet", fleet_view_str(fleet));
	json_object_object_add(root, "node", fleet_view_str(node));
	json_object_object_add(root, "revision", json_object_new_string(revision));
	json_object_object_add(root, "store", store != NULL ? fleet_view_store_json(store) : NULL);
	json_object_object_add(root, "gateways", fleet_view_gateways(recs, n, order, names, majority, n_names));
	json_object_object_add(root, "prefixes", fleet_view_prefixes(recs, n, order, ann, n_ann));
	json_object_object_add(root, "drift", fleet_view_drift(recs, n, order, names, majority, n_names));
	free(majority);
	free(names);
	free(order);
	return root;
}
