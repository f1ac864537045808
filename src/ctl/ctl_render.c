/*
 * ctl_render.c - anycast-healthctl's readable tables (see ctl_render.h).
 *
 * Pure: json-c objects in, text out into a FILE *, the clock passed in, so
 * tests/test_ctl_render.c checks golden tables without a network.  A small
 * column table (struct table) measures every cell first and prints after,
 * so colour escapes never upset the alignment.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "ctl_render.h"
#include "log.h"

#define COLOR_RESET	"\033[0m"
#define COLOR_GREEN	"\033[32m"
#define COLOR_RED	"\033[31m"
#define COLOR_YELLOW	"\033[33m"
#define COLOR_GREY	"\033[90m"

static bool num_of(const struct json_object *o, const char *key, double *out);
static bool bool_of(const struct json_object *o, const char *key);
static void status_fleet_head(FILE *out, const struct json_object *fleet,
			      const struct ctl_render_opts *o);
static int status_fleet_problems(FILE *out, const struct json_object *fleet);
static void view_age(char *buf, size_t len, const struct json_object *o, const char *key,
		     const struct ctl_render_opts *opts);

/* ---- a column table ---- */

struct table_cell {
	char *text;
	const char *color;	/* NULL = plain */
};

struct table {
	size_t ncols;
	size_t nrows;
	struct table_cell *cells;	/* nrows x ncols */
	size_t *width;
};

static void
table_init(struct table *t, size_t ncols)
{
	t->ncols = ncols;
	t->nrows = 0;
	t->cells = NULL;
	t->width = xcalloc(ncols, sizeof(*t->width));
}

static void
table_add_row(struct table *t)
{
	struct table_cell *c;

	c = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*c));
	if (c == NULL)
		fatalx("out of memory");
	t->cells = c;
	memset(&c[t->nrows * t->ncols], 0, t->ncols * sizeof(*c));
	t->nrows++;
}

/* Set a cell of the last row. */
static void __attribute__((format(printf, 4, 5)))
table_set(struct table *t, size_t col, const char *color, const char *fmt, ...)
{
	struct table_cell *c = &t->cells[(t->nrows - 1) * t->ncols + col];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	free(c->text);
	if (vasprintf(&c->text, fmt, ap) < 0)
		fatalx("out of memory");
	va_end(ap);
	c->color = color;
	len = strlen(c->text);
	if (len > t->width[col])
		t->width[col] = len;
}

/* Two spaces between columns; the last cell of a row is not padded. */
static void
table_print(FILE *out, const struct table *t, bool color)
{
	for (size_t r = 0; r < t->nrows; r++) {
		const struct table_cell *row = &t->cells[r * t->ncols];
		size_t last = t->ncols;

		while (last > 0 && (row[last - 1].text == NULL || row[last - 1].text[0] == '\0'))
			last--;
		for (size_t c = 0; c < last; c++) {
			const char *text = row[c].text != NULL ? row[c].text : "";
			bool paint = color && row[c].color != NULL;

			fprintf(out, "%s%s%s", paint ? row[c].color : "", text, paint ? COLOR_RESET : "");
			if (c + 1 < last)
				fprintf(out, "%*s", (int)(t->width[c] - strlen(text) + 2), "");
		}
		fputc('\n', out);
	}
}

static void
table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i].text);
	free(t->cells);
	free(t->width);
}

/* A counter member as an integer, "-" when missing. */
static void
table_set_count(struct table *t, size_t col, const struct json_object *o, const char *key)
{
	double v;

	if (num_of(o, key, &v))
		table_set(t, col, NULL, "%.0f", v);
	else
		table_set(t, col, NULL, "-");
}

static void
table_header(struct table *t, const char *const *names)
{
	table_add_row(t);
	for (size_t c = 0; c < t->ncols; c++)
		table_set(t, c, NULL, "%s", names[c]);
}

/* ---- reading the documents ---- */

static struct json_object *
member(const struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		return NULL;
	/* json-c takes a non-const object although it does not change it. */
	if (!json_object_object_get_ex((struct json_object *)(uintptr_t)o, key, &v))
		return NULL;
	return v;
}

/* A string member, or `dflt` when missing, null or not a string. */
static const char *
str_of(const struct json_object *o, const char *key, const char *dflt)
{
	struct json_object *v = member(o, key);

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return dflt;
	return json_object_get_string(v);
}

static bool
num_of(const struct json_object *o, const char *key, double *out)
{
	struct json_object *v = member(o, key);

	if (v == NULL || !(json_object_is_type(v, json_type_int) ||
			   json_object_is_type(v, json_type_double)))
		return false;
	*out = json_object_get_double(v);
	return true;
}

static struct json_object *
array_of(const struct json_object *o, const char *key)
{
	struct json_object *v = member(o, key);

	return v != NULL && json_object_is_type(v, json_type_array) ? v : NULL;
}

/* json_object_array_length() asserts on anything but an array. */
static size_t
alen(const struct json_object *a)
{
	if (a == NULL || !json_object_is_type(a, json_type_array))
		return 0;
	return json_object_array_length(a);
}

static const char *
color_for(const char *word)
{
	static const struct { const char *word, *color; } map[] = {
		{ "UP", COLOR_GREEN }, { "announced", COLOR_GREEN }, { "ok", COLOR_GREEN },
		{ "reachable", COLOR_GREEN },
		{ "DOWN", COLOR_RED }, { "ERROR", COLOR_RED }, { "withdrawn", COLOR_RED },
		{ "unreachable", COLOR_RED },
		{ "DEGRADED", COLOR_YELLOW }, { "degraded", COLOR_YELLOW },
		{ "draining", COLOR_YELLOW }, { "drain", COLOR_YELLOW },
		{ "maintenance", COLOR_YELLOW }, { "held", COLOR_YELLOW },
		{ "INIT", COLOR_GREY }, { "unknown", COLOR_GREY },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(word, map[i].word) == 0)
			return map[i].color;
	return NULL;
}

/* Route states under which the world sees the prefix from this gateway. */
static bool
route_is_announced(const char *state)
{
	return strcmp(state, "announced") == 0 || strcmp(state, "degraded") == 0 ||
	       strcmp(state, "draining") == 0;
}

void
ctl_render_age(char *buf, size_t len, double seconds)
{
	long s = seconds > 0 ? (long)seconds : 0;

	if (s < 60)
		snprintf(buf, len, "%lds", s);
	else if (s < 3600)
		snprintf(buf, len, "%ldm%02lds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%ldd%02ldh", s / 86400, s % 86400 / 3600);
}

double
ctl_render_parse_time(const char *text)
{
	struct tm tm;
	const char *end;

	if (text == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	end = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL)
		return -1;
	if (*end == '.')	/* fractions of a second are allowed, and ignored */
		for (end++; *end >= '0' && *end <= '9'; end++)
			;
	if (strcmp(end, "Z") != 0)
		return -1;
	return (double)timegm(&tm);
}

/* "2m03s ago" when the clock is known and the time parses; else the text. */
static void
since_text(char *buf, size_t len, const char *time, const struct ctl_render_opts *o)
{
	double t = ctl_render_parse_time(time);
	char age[32];

	if (time == NULL) {
		snprintf(buf, len, "-");
	} else if (o->now > 0 && t >= 0) {
		ctl_render_age(age, sizeof(age), o->now - t);
		snprintf(buf, len, "%s ago", age);
	} else {
		snprintf(buf, len, "%s", time);
	}
}

/* ---- status ---- */

/* "! 192.0.2.1/32: wanted announced, carried by no established BGP session
 * (uppeer: Active)": every session of the router with its state, as the
 * daemon logs it; "! WHO: 192.0.2.1/32: ..." in the fleet check. */
static void
status_uncarried_line(FILE *out, const char *who, const struct json_object *p,
		      const struct json_object *sessions)
{
	size_t n = alen(sessions);

	fprintf(out, "! %s%s%s: wanted announced, carried by no established BGP session (",
		who != NULL ? who : "", who != NULL ? ": " : "", str_of(p, "prefix", "-"));
	if (n == 0)
		fprintf(out, "no BGP session");
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(sessions, i);

		fprintf(out, "%s%s: %s", i > 0 ? ", " : "", str_of(s, "name", "-"),
			str_of(s, "state", "?"));
	}
	fprintf(out, ")\n");
}

/* Each reason the gateway is not healthy, printed as "! ..." when out is
 * not NULL.  Returns how many. */
static int
status_problems(FILE *out, const struct json_object *doc)
{
	struct json_object *router = member(doc, "router"), *reachable;
	struct json_object *services = array_of(doc, "services");
	struct json_object *prefixes = array_of(doc, "prefixes");
	int n = 0;

	reachable = member(router, "reachable");
	if (reachable == NULL || !json_object_get_boolean(reachable)) {
		if (out != NULL)
			fprintf(out, "! router unreachable (%s)\n", str_of(router, "reason", "-"));
		n++;
	}
	for (size_t i = 0; i < alen(services); i++) {
		struct json_object *s = json_object_array_get_idx(services, i);
		const char *state = str_of(s, "state", "-");

		struct json_object *damping = member(s, "damping"), *held = member(damping, "suppressed");
		double release_in;
		char age[32];

		if (strcmp(state, "UP") == 0)
			continue;
		if (out != NULL) {
			fprintf(out, "! service %s is %s (%s)", str_of(s, "name", "-"), state,
				str_of(s, "reason", "-"));
			if (held != NULL && json_object_get_boolean(held) &&
			    num_of(damping, "release_in_s", &release_in)) {
				ctl_render_age(age, sizeof(age), release_in);
				fprintf(out, ", held by flap damping for %s more", age);
			}
			fputc('\n', out);
		}
		n++;
	}
	for (size_t i = 0; i < alen(prefixes); i++) {
		struct json_object *p = json_object_array_get_idx(prefixes, i);
		const char *desired = str_of(p, "desired", "-"), *actual = str_of(p, "actual", "-");

		if (bool_of(p, "uncarried")) {
			if (out != NULL)
				status_uncarried_line(out, NULL, p, member(router, "sessions"));
			n++;
		}
		if (strcmp(desired, "held") == 0 || bool_of(p, "held")) {
			if (out != NULL)
				fprintf(out, "! prefix %s is held by the fleet guard (%s)\n",
					str_of(p, "prefix", "-"), str_of(p, "guard", "-"));
			n++;
		} else if (strcmp(desired, "announced") != 0) {
			if (out != NULL)
				fprintf(out, "! prefix %s is wanted %s (%s)\n", str_of(p, "prefix", "-"),
					desired, str_of(p, "why", "-"));
			n++;
		} else if (strcmp(actual, desired) != 0) {
			if (out != NULL)
				fprintf(out, "! prefix %s reads back %s, wanted %s\n",
					str_of(p, "prefix", "-"), actual, desired);
			n++;
		}
	}
	return n + status_fleet_problems(out, member(doc, "fleet"));
}

static bool
status_well_formed(const struct json_object *doc)
{
	return doc != NULL && json_object_is_type(doc, json_type_object) &&
	       array_of(doc, "services") != NULL && array_of(doc, "prefixes") != NULL;
}

int
ctl_status_verdict(const struct json_object *doc)
{
	if (!status_well_formed(doc))
		return -1;
	return status_problems(NULL, doc) > 0 ? CTL_EXIT_DEGRADED : CTL_EXIT_OK;
}

static void
status_render_head(FILE *out, const struct json_object *doc, const struct ctl_render_opts *o)
{
	struct json_object *router = member(doc, "router"), *reachable, *overrides;
	const char *word;
	char since[64], age[32];
	double uptime;

	fprintf(out, "%s: anycast-healthd %s", str_of(doc, "hostname", "-"),
		str_of(doc, "version", "-"));
	if (num_of(doc, "uptime_s", &uptime)) {
		ctl_render_age(age, sizeof(age), uptime);
		fprintf(out, ", up %s", age);
	}
	fputc('\n', out);

	reachable = member(router, "reachable");
	word = reachable != NULL && json_object_get_boolean(reachable) ? "reachable" : "unreachable";
	since_text(since, sizeof(since), str_of(router, "since", NULL), o);
	fprintf(out, "router: %s %s %s%s%s (%s) since %s\n", str_of(router, "kind", "-"),
		str_of(router, "socket", "-"), o->color ? color_for(word) : "", word,
		o->color ? COLOR_RESET : "", str_of(router, "reason", "-"), since);
	status_fleet_head(out, member(doc, "fleet"), o);
	overrides = member(doc, "overrides_file");
	if (str_of(overrides, "error", NULL) != NULL)
		fprintf(out, "overrides: %sNOT SAVED%s (%s): drain/maintenance will not survive a restart\n",
			o->color ? COLOR_RED : "", o->color ? COLOR_RESET : "",
			str_of(overrides, "error", "-"));
	if (str_of(overrides, "restore_error", NULL) != NULL)
		fprintf(out, "overrides: %sNOT RESTORED%s at start (%s): set them again if needed\n",
			o->color ? COLOR_RED : "", o->color ? COLOR_RESET : "",
			str_of(overrides, "restore_error", "-"));
}

static void
status_render_services(FILE *out, const struct json_object *services,
		       const struct ctl_render_opts *o)
{
	static const char *const shead[] = { "SERVICE", "STATE", "REASON", "SINCE", "TRANSITIONS" };
	static const char *const phead[] = { "PROBE", "KIND", "STATE", "LAST", "REASON", "LATENCY",
					     "RUNS", "FAILURES" };
	struct table st, pt;
	char since[64];

	table_init(&st, 5);
	table_init(&pt, 8);
	table_header(&st, shead);
	table_header(&pt, phead);
	for (size_t i = 0; i < alen(services); i++) {
		struct json_object *s = json_object_array_get_idx(services, i);
		struct json_object *probes = array_of(s, "probes");
		const char *name = str_of(s, "name", "-"), *state = str_of(s, "state", "-");
		double v;

		table_add_row(&st);
		table_set(&st, 0, NULL, "%s", name);
		table_set(&st, 1, color_for(state), "%s", state);
		table_set(&st, 2, NULL, "%s", str_of(s, "reason", "-"));
		since_text(since, sizeof(since), str_of(s, "since", NULL), o);
		table_set(&st, 3, NULL, "%s", since);
		table_set_count(&st, 4, s, "transitions");

		for (size_t j = 0; j < alen(probes); j++) {
			struct json_object *p = json_object_array_get_idx(probes, j);
			struct json_object *last = member(p, "last");
			const char *pstate = str_of(p, "state", "-");
			const char *result = str_of(last, "result", "-");
			const char *detail = str_of(last, "detail", "");

			table_add_row(&pt);
			table_set(&pt, 0, NULL, "%s/%s", name, str_of(p, "name", "-"));
			table_set(&pt, 1, NULL, "%s", str_of(p, "kind", "-"));
			table_set(&pt, 2, color_for(pstate), "%s", pstate);
			table_set(&pt, 3, color_for(result), "%s", result);
			if (detail[0] != '\0')
				table_set(&pt, 4, NULL, "%s (%s)", str_of(last, "reason", "-"), detail);
			else
				table_set(&pt, 4, NULL, "%s", str_of(last, "reason", "-"));
			if (num_of(last, "latency_ms", &v))
				table_set(&pt, 5, NULL, "%.2f ms", v);
			else
				table_set(&pt, 5, NULL, "-");
			table_set_count(&pt, 6, p, "runs");
			table_set_count(&pt, 7, p, "failures");
		}
	}
	table_print(out, &st, o->color);
	if (pt.nrows > 1) {
		fputc('\n', out);
		table_print(out, &pt, o->color);
	}
	table_free(&st);
	table_free(&pt);
}

/* The CARRIED cell: established sessions advertising the prefix, of the
 * router's sessions when the document has them ("1/2"); "-" while unknown.
 * keepalived: the VRRP state of the prefix's instance ("master"). */
static void
prefix_carried_cell(struct table *t, size_t col, const struct json_object *p,
		    const struct json_object *sessions)
{
	const char *vrrp = str_of(member(p, "vrrp"), "state", NULL);
	double carried;

	if (vrrp != NULL)
		table_set(t, col, strcmp(vrrp, "master") == 0 ? color_for("announced") : NULL, "%s",
			  vrrp);
	else if (!num_of(p, "carried", &carried))
		table_set(t, col, NULL, "-");
	else if (sessions != NULL && json_object_is_type(sessions, json_type_array))
		table_set(t, col, bool_of(p, "uncarried") ? COLOR_RED : NULL, "%.0f/%zu", carried,
			  alen(sessions));
	else
		table_set(t, col, bool_of(p, "uncarried") ? COLOR_RED : NULL, "%.0f", carried);
}

/* The prefix table; `sessions`: the router's (router.sessions), or NULL. */
static int
prefix_table(FILE *out, const struct json_object *prefixes, const struct json_object *sessions,
	     const struct ctl_render_opts *o)
{
	static const char *const head[] = { "PREFIX", "DESIRED", "ACTUAL", "CARRIED", "ADMIN",
					    "SINCE", "WHY" };
	static const char *const head_vrrp[] = { "PREFIX", "DESIRED", "ACTUAL", "VRRP", "ADMIN",
						 "SINCE", "WHY" };
	struct table t;
	char since[64], age[32];

	if (prefixes == NULL || !json_object_is_type(prefixes, json_type_array))
		return -1;
	table_init(&t, 7);
	/* keepalived's documents carry "vrrp" objects where BGP's have sessions */
	table_header(&t, alen(prefixes) > 0 &&
		     json_object_is_type(member(json_object_array_get_idx(prefixes, 0), "vrrp"),
					 json_type_object) ? head_vrrp : head);
	for (size_t i = 0; i < alen(prefixes); i++) {
		struct json_object *p = json_object_array_get_idx(prefixes, i);
		const char *desired = str_of(p, "desired", "-"), *actual = str_of(p, "actual", "-");
		const char *admin = str_of(p, "admin", "-");
		const char *until = str_of(p, "drain_until", NULL);
		double t_until = ctl_render_parse_time(until);

		table_add_row(&t);
		table_set(&t, 0, NULL, "%s", str_of(p, "prefix", "-"));
		table_set(&t, 1, color_for(desired), "%s", desired);
		table_set(&t, 2, color_for(actual), "%s", actual);
		prefix_carried_cell(&t, 3, p, sessions);
		if (until != NULL && o->now > 0 && t_until >= 0 && t_until > o->now) {
			ctl_render_age(age, sizeof(age), t_until - o->now);
			table_set(&t, 4, color_for(admin), "%s, %s left", admin, age);
		} else if (until != NULL && !(o->now > 0 && t_until >= 0)) {
			table_set(&t, 4, color_for(admin), "%s until %s", admin, until);
		} else {
			table_set(&t, 4, strcmp(admin, "none") != 0 ? color_for(admin) : NULL,
				  "%s", admin);
		}
		since_text(since, sizeof(since), str_of(p, "since", NULL), o);
		table_set(&t, 5, NULL, "%s", since);
		table_set(&t, 6, NULL, "%s", str_of(p, "why", "-"));
	}
	table_print(out, &t, o->color);
	table_free(&t);
	return 0;
}

int
ctl_render_prefixes(FILE *out, const struct json_object *prefixes, const struct ctl_render_opts *o)
{
	return prefix_table(out, prefixes, NULL, o);
}

int
ctl_render_status(FILE *out, const struct json_object *doc, const struct ctl_render_opts *o)
{
	struct json_object *counters;
	double v[5];
	int problems;

	if (!status_well_formed(doc))
		return -1;
	status_render_head(out, doc, o);
	fputc('\n', out);
	status_render_services(out, array_of(doc, "services"), o);
	fputc('\n', out);
	prefix_table(out, array_of(doc, "prefixes"), member(member(doc, "router"), "sessions"), o);

	counters = member(doc, "counters");
	if (counters != NULL && num_of(counters, "service_transitions", &v[0]) &&
	    num_of(counters, "drift_repairs", &v[1]) && num_of(counters, "reloads", &v[2]) &&
	    num_of(counters, "reloads_refused", &v[3]) && num_of(counters, "history_events", &v[4]))
		fprintf(out, "\ncounters: %.0f service transitions, %.0f drift repairs, "
			"%.0f reloads (%.0f refused), %.0f history events\n",
			v[0], v[1], v[2], v[3], v[4]);

	fputc('\n', out);
	problems = status_problems(out, doc);
	if (problems == 0)
		fprintf(out, "%s%s%s\n", o->color ? COLOR_GREEN : "", "healthy",
			o->color ? COLOR_RESET : "");
	return problems > 0 ? CTL_EXIT_DEGRADED : CTL_EXIT_OK;
}

/* "fleet: lab as gw1, 3 gateways; store https://10.0.0.1:2379 reachable since 2m03s ago" */
static void
status_fleet_head(FILE *out, const struct json_object *fleet, const struct ctl_render_opts *o)
{
	struct json_object *store = member(fleet, "store");
	const char *word = bool_of(store, "reachable") ? "reachable" : "unreachable";
	char since[64];
	double n;

	if (fleet == NULL)
		return;
	/* RFC 3339 like the rest of the status, or Unix seconds like the fleet view. */
	if (num_of(store, "since", &n))
		view_age(since, sizeof(since), store, "since", o);
	else
		since_text(since, sizeof(since), str_of(store, "since", NULL), o);
	fprintf(out, "fleet: %s as %s, ", str_of(fleet, "name", "-"), str_of(fleet, "node", "-"));
	if (num_of(fleet, "gateways", &n))
		fprintf(out, "%.0f gateway%s; ", n, n == 1 ? "" : "s");
	fprintf(out, "store %s %s%s%s since %s%s\n", str_of(store, "endpoint", "-"),
		o->color ? color_for(word) : "", word, o->color ? COLOR_RESET : "", since,
		bool_of(fleet, "alone") ? ", deciding alone" : "");
}

/* The store unreachable (or, said apart only while it answers, deciding
 * alone), each drifted fingerprint. */
static int
status_fleet_problems(FILE *out, const struct json_object *fleet)
{
	struct json_object *store = member(fleet, "store"), *drift = array_of(fleet, "drift");
	int n = 0;

	if (fleet == NULL)
		return 0;
	if (!bool_of(store, "reachable")) {
		if (out != NULL)
			fprintf(out, "! fleet store unreachable (%s: %s)\n", str_of(store, "endpoint", "-"),
				str_of(store, "why", "-"));
		n++;
	}
	else if (bool_of(fleet, "alone")) {
		if (out != NULL)
			fprintf(out, "! fleet: deciding alone (on-store-loss)\n");
		n++;
	}
	for (size_t i = 0; i < alen(drift); i++) {
		struct json_object *d = json_object_array_get_idx(drift, i);

		if (out != NULL)
			fprintf(out, "! fleet: %s differs from the fleet's majority\n",
				json_object_is_type(d, json_type_string) ? json_object_get_string(d) : "-");
		n++;
	}
	return n;
}

/* ---- history ---- */

int
ctl_render_history(FILE *out, const struct json_object *doc, const struct ctl_render_opts *o)
{
	static const char *const head[] = { "TIME", "KIND", "SUBJECT", "CHANGE", "REASON" };
	struct json_object *events = array_of(doc, "events");
	struct table t;

	if (events == NULL)
		return -1;
	if (alen(events) == 0) {
		fprintf(out, "no events\n");
		return 0;
	}
	table_init(&t, 5);
	table_header(&t, head);
	for (size_t i = 0; i < alen(events); i++) {
		struct json_object *e = json_object_array_get_idx(events, i);
		const char *from = str_of(e, "from", ""), *to = str_of(e, "to", "-");

		table_add_row(&t);
		table_set(&t, 0, NULL, "%s", str_of(e, "time", "-"));
		table_set(&t, 1, NULL, "%s", str_of(e, "kind", "-"));
		table_set(&t, 2, NULL, "%s", str_of(e, "subject", "-"));
		if (from[0] != '\0')
			table_set(&t, 3, color_for(to), "%s -> %s", from, to);
		else
			table_set(&t, 3, color_for(to), "%s", to);
		table_set(&t, 4, NULL, "%s", str_of(e, "reason", "-"));
	}
	table_print(out, &t, o->color);
	table_free(&t);
	return 0;
}

/* ---- fleet ---- */

/* The prefix object named `prefix` in a status document, or NULL. */
static struct json_object *
fleet_find_prefix(const struct json_object *status, const char *prefix)
{
	struct json_object *prefixes = array_of(status, "prefixes");

	for (size_t i = 0; i < alen(prefixes); i++) {
		struct json_object *p = json_object_array_get_idx(prefixes, i);

		if (strcmp(str_of(p, "prefix", ""), prefix) == 0)
			return p;
	}
	return NULL;
}

/* Every prefix of every reachable gateway, first seen first. */
static size_t
fleet_collect_prefixes(const struct ctl_fleet_gateway *gw, size_t n, const char ***out)
{
	const char **list = NULL;
	size_t count = 0;

	for (size_t g = 0; g < n; g++) {
		struct json_object *prefixes = array_of(gw[g].status, "prefixes");

		for (size_t i = 0; i < alen(prefixes); i++) {
			const char *p = str_of(json_object_array_get_idx(prefixes, i), "prefix", NULL);
			size_t k;

			if (p == NULL)
				continue;
			for (k = 0; k < count && strcmp(list[k], p) != 0; k++)
				;
			if (k < count)
				continue;
			list = realloc(list, (count + 1) * sizeof(*list));
			if (list == NULL)
				fatalx("out of memory");
			list[count++] = p;
		}
	}
	*out = list;
	return count;
}

static void
fleet_row(struct table *t, const struct ctl_fleet_gateway *g, const char **prefixes, size_t np)
{
	struct json_object *services = array_of(g->status, "services");
	struct json_object *router = member(g->status, "router"), *reachable;
	size_t up = 0, ns = alen(services);
	const char *word;

	table_add_row(t);
	table_set(t, 0, NULL, "%s", g->url);
	if (g->status == NULL) {
		table_set(t, 1, NULL, "-");
		table_set(t, 2, NULL, "-");
		table_set(t, 3, color_for("unreachable"), "unreachable");
		for (size_t i = 0; i < np; i++)
			table_set(t, 4 + i, NULL, "-");
		return;
	}
	table_set(t, 1, NULL, "%s", str_of(g->status, "hostname", "-"));
	reachable = member(router, "reachable");
	word = reachable != NULL && json_object_get_boolean(reachable) ? "reachable" : "unreachable";
	table_set(t, 2, color_for(word), "%s", word);
	for (size_t i = 0; i < ns; i++)
		if (strcmp(str_of(json_object_array_get_idx(services, i), "state", ""), "UP") == 0)
			up++;
	table_set(t, 3, up == ns ? color_for("UP") : color_for("DOWN"), "%zu/%zu UP", up, ns);
	for (size_t i = 0; i < np; i++) {
		struct json_object *p = fleet_find_prefix(g->status, prefixes[i]);
		const char *actual = str_of(p, "actual", "-"), *admin = str_of(p, "admin", "none");
		char carried[32] = "";
		double c;

		if (route_is_announced(actual) && num_of(p, "carried", &c))
			snprintf(carried, sizeof(carried), ", %.0f session%s", c, c == 1 ? "" : "s");
		if (p == NULL)
			table_set(t, 4 + i, NULL, "-");
		else if (strcmp(admin, "none") != 0)
			table_set(t, 4 + i, color_for(actual), "%s%s (%s)", actual, carried, admin);
		else
			table_set(t, 4 + i, bool_of(p, "uncarried") ? COLOR_RED : color_for(actual),
				  "%s%s", actual, carried);
	}
}

/* "! PREFIX: gateways disagree: announced on A, B; not on C (withdrawn)".
 * Returns 1 when the gateways that carry the prefix disagree. */
static int
fleet_flag_prefix(FILE *out, const struct ctl_fleet_gateway *gw, size_t n, const char *prefix)
{
	size_t on = 0, off = 0;
	const char *sep;

	for (size_t g = 0; g < n; g++) {
		struct json_object *p = fleet_find_prefix(gw[g].status, prefix);

		if (p == NULL)
			continue;
		if (route_is_announced(str_of(p, "actual", "")))
			on++;
		else
			off++;
	}
	if (on == 0 || off == 0)
		return 0;
	fprintf(out, "! %s: gateways disagree: announced on ", prefix);
	sep = "";
	for (size_t g = 0; g < n; g++) {
		struct json_object *p = fleet_find_prefix(gw[g].status, prefix);

		if (p != NULL && route_is_announced(str_of(p, "actual", ""))) {
			fprintf(out, "%s%s", sep, gw[g].url);
			sep = ", ";
		}
	}
	fprintf(out, "; not on ");
	sep = "";
	for (size_t g = 0; g < n; g++) {
		struct json_object *p = fleet_find_prefix(gw[g].status, prefix);

		if (p != NULL && !route_is_announced(str_of(p, "actual", ""))) {
			fprintf(out, "%s%s (%s)", sep, gw[g].url, str_of(p, "actual", "-"));
			sep = ", ";
		}
	}
	fputc('\n', out);
	return 1;
}

/* "! URL: PREFIX: wanted announced, carried by no established BGP session
 * (...)" for each uncarried prefix of a gateway; returns how many. */
static size_t
fleet_flag_uncarried(FILE *out, const struct ctl_fleet_gateway *g)
{
	struct json_object *prefixes = array_of(g->status, "prefixes");
	size_t n = 0;

	for (size_t i = 0; i < alen(prefixes); i++) {
		struct json_object *p = json_object_array_get_idx(prefixes, i);

		if (!bool_of(p, "uncarried"))
			continue;
		status_uncarried_line(out, g->url, p, member(member(g->status, "router"), "sessions"));
		n++;
	}
	return n;
}

int
ctl_render_fleet(FILE *out, const struct ctl_fleet_gateway *gw, size_t n,
		 const struct ctl_render_opts *o)
{
	const char **prefixes;
	size_t np, down = 0, disagree = 0, uncarried = 0;
	struct table t;

	np = fleet_collect_prefixes(gw, n, &prefixes);
	table_init(&t, 4 + np);
	table_add_row(&t);
	table_set(&t, 0, NULL, "GATEWAY");
	table_set(&t, 1, NULL, "HOST");
	table_set(&t, 2, NULL, "ROUTER");
	table_set(&t, 3, NULL, "SERVICES");
	for (size_t i = 0; i < np; i++)
		table_set(&t, 4 + i, NULL, "%s", prefixes[i]);
	for (size_t g = 0; g < n; g++)
		fleet_row(&t, &gw[g], prefixes, np);
	table_print(out, &t, o->color);
	table_free(&t);

	fputc('\n', out);
	for (size_t i = 0; i < np; i++)
		disagree += (size_t)fleet_flag_prefix(out, gw, n, prefixes[i]);
	for (size_t g = 0; g < n; g++)
		uncarried += fleet_flag_uncarried(out, &gw[g]);
	for (size_t g = 0; g < n; g++) {
		if (gw[g].status != NULL)
			continue;
		fprintf(out, "! %s: unreachable: %s\n", gw[g].url,
			gw[g].error != NULL ? gw[g].error : "no answer");
		down++;
	}
	free(prefixes);

	if (down == n) {
		fprintf(out, "fleet: no gateway answered\n");
		return CTL_EXIT_UNREACHABLE;
	}
	if (down > 0 || disagree > 0 || uncarried > 0) {
		fprintf(out, "fleet: %zu gateway%s, %zu unreachable, %zu prefix%s in disagreement",
			n, n == 1 ? "" : "s", down, disagree, disagree == 1 ? "" : "es");
		if (uncarried > 0)
			fprintf(out, ", %zu uncarried", uncarried);
		fputc('\n', out);
		return CTL_EXIT_DEGRADED;
	}
	fprintf(out, "fleet: %zu gateway%s agree on %zu prefix%s\n", n, n == 1 ? "" : "s",
		np, np == 1 ? "" : "es");
	return CTL_EXIT_OK;
}

/* ---- the fleet view: GET /v1/fleet ---- */

/* Borrowed strings, each once, in first-seen order. */
struct names {
	const char **v;
	size_t n;
};

static bool
names_has(const struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], name) == 0)
			return true;
	return false;
}

static void
names_add(struct names *s, const char *name)
{
	const char **v;

	if (name == NULL || names_has(s, name))
		return;
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (v == NULL)
		fatalx("out of memory");
	v[s->n++] = name;
	s->v = v;
}

/* "gw1, gw2" */
static void
names_print(FILE *out, const struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		fprintf(out, "%s%s", i > 0 ? ", " : "", s->v[i]);
}

static bool
bool_of(const struct json_object *o, const char *key)
{
	struct json_object *v = member(o, key);

	return v != NULL && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

/* The element of o's array `key` whose `field` is `value`, or NULL. */
static struct json_object *
find_by(const struct json_object *o, const char *key, const char *field, const char *value)
{
	struct json_object *list = array_of(o, key);

	for (size_t i = 0; i < alen(list); i++) {
		struct json_object *e = json_object_array_get_idx(list, i);

		if (strcmp(str_of(e, field, ""), value) == 0)
			return e;
	}
	return NULL;
}

/* Whether the array `key` of o holds the string `value`. */
static bool
array_has(const struct json_object *o, const char *key, const char *value)
{
	struct json_object *list = array_of(o, key);

	for (size_t i = 0; i < alen(list); i++) {
		struct json_object *e = json_object_array_get_idx(list, i);

		if (json_object_is_type(e, json_type_string) &&
		    strcmp(json_object_get_string(e), value) == 0)
			return true;
	}
	return false;
}

/* Every `field` of the objects in each list element's array `key`. */
static void
names_collect(const struct json_object *list, const char *key, const char *field, struct names *s)
{
	for (size_t i = 0; i < alen(list); i++) {
		struct json_object *sub = array_of(json_object_array_get_idx(list, i), key);

		for (size_t j = 0; j < alen(sub); j++)
			names_add(s, str_of(json_object_array_get_idx(sub, j), field, NULL));
	}
}

void
ctl_render_fingerprint(char *buf, size_t len, const char *hmac)
{
	size_t n = 0;

	if (hmac == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	while (isxdigit((unsigned char)hmac[n]))
		n++;
	/* 32 bits tell gateways apart; "absent" and "unreadable" are shown whole. */
	if (n == 64 && hmac[n] == '\0')
		snprintf(buf, len, "%.8s", hmac);
	else
		snprintf(buf, len, "%.16s", hmac);
}

/* Unix seconds as "2m03s ago", or as RFC 3339 without a clock; "-" if absent. */
static void
view_age(char *buf, size_t len, const struct json_object *o, const char *key,
	 const struct ctl_render_opts *opts)
{
	char age[32];
	struct tm tm;
	double t;
	time_t secs;

	if (!num_of(o, key, &t) || t <= 0) {
		snprintf(buf, len, "-");
	} else if (opts->now > 0) {
		ctl_render_age(age, sizeof(age), opts->now - t);
		snprintf(buf, len, "%s ago", age);
	} else {
		secs = (time_t)t;
		gmtime_r(&secs, &tm);
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
}

/*
 * A gateway's state for one prefix into buf: "announced", "held",
 * "withdrawn, wants announced".  Returns the word that picks the colour.
 */
static const char *
view_prefix_cell(char *buf, size_t len, const struct json_object *p)
{
	const char *desired = str_of(p, "desired", "-"), *actual = str_of(p, "actual", "-");

	if (p == NULL) {
		snprintf(buf, len, "-");
		return "-";
	}
	if (bool_of(p, "held") || strcmp(desired, "held") == 0) {
		/* Held announces degraded (or announced): what it reads back is expected. */
		if (route_is_announced(actual))
			snprintf(buf, len, "held");
		else
			snprintf(buf, len, "held, reads %s", actual);
		return "held";
	}
	if (strcmp(desired, actual) == 0)
		snprintf(buf, len, "%s", actual);
	else
		snprintf(buf, len, "%s, wants %s", actual, desired);
	return actual;
}

/* A fingerprint's column title: the file's base name, or the whole name
 * where two files share a base name. */
static const char *
view_fp_title(const struct names *fps, size_t k)
{
	const char *base = strrchr(fps->v[k], '/'), *other;

	base = base != NULL && base[1] != '\0' ? base + 1 : fps->v[k];
	for (size_t i = 0; i < fps->n; i++) {
		other = strrchr(fps->v[i], '/');
		other = other != NULL && other[1] != '\0' ? other + 1 : fps->v[i];
		if (i != k && strcmp(other, base) == 0)
			return fps->v[k];
	}
	return base;
}

/* The columns: NODE ROUTER SERVICES, a prefix each, a fingerprint each, CHANGED. */
struct view_cols {
	struct names prefixes;
	struct names fps;
	bool drift_mark;		/* a "*" was printed: explain it */
};

static void
view_header(struct table *t, const struct view_cols *v)
{
	size_t col = 3;

	table_add_row(t);
	table_set(t, 0, NULL, "NODE");
	table_set(t, 1, NULL, "ROUTER");
	table_set(t, 2, NULL, "SERVICES");
	for (size_t i = 0; i < v->prefixes.n; i++)
		table_set(t, col++, NULL, "%s", v->prefixes.v[i]);
	for (size_t k = 0; k < v->fps.n; k++)
		table_set(t, col++, NULL, "%s", view_fp_title(&v->fps, k));
	table_set(t, col, NULL, "CHANGED");
}

static void
view_row(struct table *t, const struct json_object *gw, struct view_cols *v,
	 const struct ctl_render_opts *o)
{
	struct json_object *router = member(gw, "router"), *services = array_of(gw, "services");
	const char *word = bool_of(router, "reachable") ? "reachable" : "unreachable";
	size_t up = 0, ns = alen(services), col = 3;
	char cell[128];

	table_add_row(t);
	table_set(t, 0, NULL, "%s", str_of(gw, "node", "-"));
	table_set(t, 1, color_for(word), "%s %s", str_of(router, "kind", "-"), word);
	for (size_t i = 0; i < ns; i++)
		if (strcmp(str_of(json_object_array_get_idx(services, i), "verdict", ""), "up") == 0)
			up++;
	table_set(t, 2, up == ns ? color_for("UP") : color_for("DOWN"), "%zu/%zu up", up, ns);
	for (size_t i = 0; i < v->prefixes.n; i++) {
		struct json_object *p = find_by(gw, "prefixes", "prefix", v->prefixes.v[i]);
		double carried;

		word = view_prefix_cell(cell, sizeof(cell), p);
		if (route_is_announced(str_of(p, "actual", "")) && num_of(p, "carried", &carried))
			table_set(t, col++, bool_of(p, "uncarried") ? COLOR_RED : color_for(word),
				  "%s, %.0f session%s", cell, carried, carried == 1 ? "" : "s");
		else
			table_set(t, col++, color_for(word), "%s", cell);
	}
	for (size_t k = 0; k < v->fps.n; k++) {
		bool drifted = array_has(gw, "drift", v->fps.v[k]);

		ctl_render_fingerprint(cell, sizeof(cell),
				       str_of(find_by(gw, "fingerprints", "name", v->fps.v[k]),
					      "hmac", NULL));
		table_set(t, col++, drifted ? COLOR_RED : NULL, "%s%s", cell, drifted ? "*" : "");
		v->drift_mark |= drifted;
	}
	view_age(cell, sizeof(cell), gw, "last_change", o);
	table_set(t, col, NULL, "%s", cell);
}

static void
view_head(FILE *out, const struct json_object *doc, const struct ctl_render_opts *o)
{
	struct json_object *store = member(doc, "store");
	const char *word = bool_of(store, "reachable") ? "reachable" : "unreachable";
	char since[64];

	view_age(since, sizeof(since), store, "since", o);
	fprintf(out, "fleet %s, seen from %s at revision %s; store %s %s%s%s since %s\n",
		str_of(doc, "fleet", "-"), str_of(doc, "node", "-"), str_of(doc, "revision", "-"),
		str_of(store, "endpoint", "-"), o->color ? color_for(word) : "", word,
		o->color ? COLOR_RESET : "", since);
}

/* ---- the fleet view's "!" lines; each returns how many it printed ---- */

static int
view_flag_store(FILE *out, const struct json_object *doc, const struct ctl_render_opts *o)
{
	struct json_object *store = member(doc, "store");
	char since[64];

	if (bool_of(store, "reachable"))
		return 0;
	view_age(since, sizeof(since), store, "since", o);
	fprintf(out, "! store unreachable from %s since %s (%s: %s): this view is the store "
		"as of revision %s\n", str_of(doc, "node", "-"), since, str_of(store, "endpoint", "-"),
		str_of(store, "why", "-"), str_of(doc, "revision", "-"));
	return 1;
}

/* Deciding alone, router unreachable, a prefix the others carry and it
 * lacks, a prefix it wants announced that no BGP session of its carries. */
static int
view_flag_gateway(FILE *out, const struct json_object *gw, const struct names *prefixes)
{
	struct json_object *router = member(gw, "router");
	const char *node = str_of(gw, "node", "-");
	int n = 0;

	if (bool_of(member(gw, "store"), "alone")) {
		fprintf(out, "! %s: deciding alone: the store does not answer it (on-store-loss)\n", node);
		n++;
	}
	if (!bool_of(router, "reachable")) {
		fprintf(out, "! %s: router %s unreachable\n", node, str_of(router, "kind", "-"));
		n++;
	}
	for (size_t i = 0; i < prefixes->n; i++) {
		struct json_object *p = find_by(gw, "prefixes", "prefix", prefixes->v[i]);

		if (p == NULL) {
			fprintf(out, "! %s: does not carry %s\n", node, prefixes->v[i]);
			n++;
		} else if (bool_of(p, "uncarried")) {
			fprintf(out, "! %s: %s: wanted announced, carried by no established BGP "
				"session\n", node, prefixes->v[i]);
			n++;
		}
	}
	return n;
}

/* "! 192.0.2.1/32: held by the fleet guard on gw1 (min-announcers 1)" */
static int
view_flag_held(FILE *out, const struct json_object *doc, const char *prefix)
{
	struct json_object *gws = array_of(doc, "gateways");
	struct json_object *p = find_by(doc, "prefixes", "prefix", prefix), *ann;
	struct names held = { 0 };
	double min = -1;

	for (size_t g = 0; g < alen(gws); g++) {
		struct json_object *rp = find_by(json_object_array_get_idx(gws, g), "prefixes",
						 "prefix", prefix);

		if (rp != NULL && (bool_of(rp, "held") || strcmp(str_of(rp, "desired", ""), "held") == 0)) {
			names_add(&held, str_of(json_object_array_get_idx(gws, g), "node", "-"));
			if (min < 0)
				num_of(rp, "min_announcers", &min);
		}
	}
	ann = array_of(p, "announcers");
	for (size_t i = 0; i < alen(ann); i++)
		if (strcmp(str_of(json_object_array_get_idx(ann, i), "state", ""), "held") == 0)
			names_add(&held, str_of(json_object_array_get_idx(ann, i), "node", NULL));
	if (held.n > 0) {
		num_of(p, "min_announcers", &min);
		fprintf(out, "! %s: held by the fleet guard on ", prefix);
		names_print(out, &held);
		if (min >= 0)
			fprintf(out, " (min-announcers %.0f)", min);
		fputc('\n', out);
	}
	free(held.v);
	return held.n > 0;
}

/* "! P: gateways disagree: gw1 announced; gw3 withdrawn, wants announced" */
static int
view_flag_disagree(FILE *out, const struct json_object *doc, const char *prefix)
{
	struct json_object *gws = array_of(doc, "gateways");
	const char *sep = "";
	char cell[128];

	if (!bool_of(find_by(doc, "prefixes", "prefix", prefix), "disagree"))
		return 0;
	fprintf(out, "! %s: gateways disagree: ", prefix);
	for (size_t g = 0; g < alen(gws); g++) {
		struct json_object *gw = json_object_array_get_idx(gws, g);
		struct json_object *rp = find_by(gw, "prefixes", "prefix", prefix);

		if (rp == NULL)
			continue;
		view_prefix_cell(cell, sizeof(cell), rp);
		fprintf(out, "%s%s %s", sep, str_of(gw, "node", "-"), cell);
		sep = "; ";
	}
	fputc('\n', out);
	return 1;
}

/* One drift entry: a line per differing gateway naming the majority's
 * gateways, or one line when there is no majority. */
static int
view_flag_drift(FILE *out, const struct json_object *doc, const struct json_object *d)
{
	struct json_object *gws = array_of(doc, "gateways"), *differ = array_of(d, "differ");
	const char *name = str_of(d, "name", "-"), *majority = str_of(d, "majority", "");
	struct names with = { 0 }, diff = { 0 };

	for (size_t i = 0; i < alen(differ); i++)
		if (json_object_is_type(json_object_array_get_idx(differ, i), json_type_string))
			names_add(&diff, json_object_get_string(json_object_array_get_idx(differ, i)));
	for (size_t g = 0; g < alen(gws); g++) {
		struct json_object *gw = json_object_array_get_idx(gws, g);
		const char *hmac = str_of(find_by(gw, "fingerprints", "name", name), "hmac", NULL);

		if (majority[0] != '\0' && hmac != NULL && strcmp(hmac, majority) == 0)
			names_add(&with, str_of(gw, "node", NULL));
	}
	if (diff.n > 0 && majority[0] == '\0') {
		fprintf(out, "! %s: no majority in the fleet; differing: ", name);
		names_print(out, &diff);
		fputc('\n', out);
	}
	for (size_t i = 0; majority[0] != '\0' && i < diff.n; i++) {
		fprintf(out, "! %s: %s differs from the fleet's majority (", diff.v[i], name);
		names_print(out, &with);
		fprintf(out, ")\n");
	}
	free(with.v);
	free(diff.v);
	return majority[0] == '\0' ? diff.n > 0 : (int)diff.n;
}

/* Gateways that should be there and have no record: this one, the
 * expected ones, and any with an announcer key. */
static int
view_flag_missing(FILE *out, const struct json_object *doc, const char *const *expect,
		  size_t n_expect, const struct names *prefixes)
{
	const char *self = str_of(doc, "node", NULL);
	int n = 0;

	if (self != NULL && find_by(doc, "gateways", "node", self) == NULL) {
		fprintf(out, "! %s: this gateway has no record in the store (lease lost?)\n", self);
		n++;
	}
	for (size_t i = 0; i < n_expect; i++) {
		if (find_by(doc, "gateways", "node", expect[i]) != NULL ||
		    (self != NULL && strcmp(expect[i], self) == 0))
			continue;
		fprintf(out, "! %s: missing: expected, but no record in the store (daemon "
			"stopped, or its lease expired)\n", expect[i]);
		n++;
	}
	for (size_t i = 0; i < prefixes->n; i++) {
		struct json_object *ann = array_of(find_by(doc, "prefixes", "prefix",
							   prefixes->v[i]), "announcers");

		for (size_t a = 0; a < alen(ann); a++) {
			const char *node = str_of(json_object_array_get_idx(ann, a), "node", NULL);

			if (node == NULL || find_by(doc, "gateways", "node", node) != NULL)
				continue;
			fprintf(out, "! %s: announces %s but has no gateway record\n", node,
				prefixes->v[i]);
			n++;
		}
	}
	return n;
}

static int
view_flags(FILE *out, const struct json_object *doc, const char *const *expect,
	   size_t n_expect, const struct view_cols *v, const struct ctl_render_opts *o)
{
	struct json_object *gws = array_of(doc, "gateways"), *drift = array_of(doc, "drift");
	int n = view_flag_store(out, doc, o);

	n += view_flag_missing(out, doc, expect, n_expect, &v->prefixes);
	for (size_t g = 0; g < alen(gws); g++)
		n += view_flag_gateway(out, json_object_array_get_idx(gws, g), &v->prefixes);
	for (size_t i = 0; i < v->prefixes.n; i++) {
		n += view_flag_held(out, doc, v->prefixes.v[i]);
		n += view_flag_disagree(out, doc, v->prefixes.v[i]);
	}
	for (size_t i = 0; i < alen(drift); i++)
		n += view_flag_drift(out, doc, json_object_array_get_idx(drift, i));
	return n;
}

int
ctl_render_fleet_view(FILE *out, const struct json_object *doc, const char *const *expect,
		      size_t n_expect, const struct ctl_render_opts *o)
{
	struct json_object *gws = array_of(doc, "gateways"), *prefixes = array_of(doc, "prefixes");
	struct view_cols v = { 0 };
	struct table t;
	size_t ng = alen(gws);
	int flagged;

	if (gws == NULL)
		return -1;
	for (size_t i = 0; i < alen(prefixes); i++)
		names_add(&v.prefixes, str_of(json_object_array_get_idx(prefixes, i), "prefix", NULL));
	names_collect(gws, "prefixes", "prefix", &v.prefixes);
	names_collect(gws, "fingerprints", "name", &v.fps);

	view_head(out, doc, o);
	fputc('\n', out);
	table_init(&t, 4 + v.prefixes.n + v.fps.n);
	view_header(&t, &v);
	for (size_t g = 0; g < ng; g++)
		view_row(&t, json_object_array_get_idx(gws, g), &v, o);
	table_print(out, &t, o->color);
	table_free(&t);
	if (v.drift_mark)
		fprintf(out, "(* differs from the fleet's majority)\n");

	fputc('\n', out);
	flagged = view_flags(out, doc, expect, n_expect, &v, o);
	if (flagged == 0)
		fprintf(out, "fleet %s: %zu gateway%s agree on %zu prefix%s\n", str_of(doc, "fleet", "-"),
			ng, ng == 1 ? "" : "s", v.prefixes.n, v.prefixes.n == 1 ? "" : "es");
	else
		fprintf(out, "fleet %s: %zu gateway%s, %zu prefix%s, %d flagged\n",
			str_of(doc, "fleet", "-"), ng, ng == 1 ? "" : "s", v.prefixes.n,
			v.prefixes.n == 1 ? "" : "es", flagged);
	free(v.prefixes.v);
	free(v.fps.v);
	return flagged > 0 ? CTL_EXIT_DEGRADED : CTL_EXIT_OK;
}
