/*
 * driver_sessions.c - the BGP session table of a router driver: the read
 * under way and the last one handed over (driver_sessions.h).  The drivers
 * feed it what their parsers (bird_sessions.c, frr_sessions.c) took out of
 * the router's replies; this file keeps the bookkeeping of one read out of
 * their reply handling.
 */
#include <stdlib.h>
#include <string.h>

#include "driver_sessions.h"
#include "log.h"

/* The advertised[] arrays and the prefix index for `cfg`. */
static void
driver_sessions_size(struct driver_sessions *ds, const struct config *cfg)
{
	const char **texts = xcalloc(cfg->n_prefixes + 1, sizeof(*texts));

	for (size_t i = 0; i < cfg->n_prefixes; i++)
		texts[i] = cfg->prefixes[i].prefix;
	prefix_text_index_free(&ds->index);
	if (prefix_text_index_build(&ds->index, texts, cfg->n_prefixes) == -1)
		fatal("prefix_text_index_build");
	free(texts);
	free(ds->table.advertised);
	free(ds->next.advertised);
	ds->table.advertised = xcalloc(cfg->n_prefixes + 1, sizeof(uint32_t));
	ds->next.advertised = xcalloc(cfg->n_prefixes + 1, sizeof(uint32_t));
	ds->table.n_prefixes = ds->next.n_prefixes = cfg->n_prefixes;
}

void
driver_sessions_init(struct driver_sessions *ds, const char *who, const struct config *cfg)
{
	memset(ds, 0, sizeof(*ds));
	ds->who = who;
	driver_sessions_size(ds, cfg);
}

void
driver_sessions_reconfigure(struct driver_sessions *ds, const struct config *cfg)
{
	driver_sessions_size(ds, cfg);
	/* The table's advertised[] went with the old prefix list: the table
	 * goes whole, unknown until the next read, rather than stay known
	 * with sessions that advertise nothing. */
	ds->table.n = 0;
	ds->known = false;
	ds->reading = false;
}

void
driver_sessions_free(struct driver_sessions *ds)
{
	prefix_text_index_free(&ds->index);
	free(ds->table.advertised);
	free(ds->next.advertised);
	ds->table.advertised = ds->next.advertised = NULL;
}

void
driver_sessions_begin(struct driver_sessions *ds)
{
	ds->next.n = 0;
	memset(ds->next.advertised, 0, ds->next.n_prefixes * sizeof(uint32_t));
	ds->ignored = 0;
	ds->reading = true;
}

bool
driver_sessions_begin_again(struct driver_sessions *ds)
{
	if (!ds->known)
		return false;
	driver_sessions_begin(ds);
	ds->next.n = ds->table.n;
	memcpy(ds->next.s, ds->table.s, sizeof(ds->next.s));
	return true;
}

bool
driver_sessions_add(struct driver_sessions *ds, const struct bgp_session *s)
{
	if (ds->next.n == BGP_SESSIONS_MAX) {
		ds->ignored++;
		return false;
	}
	ds->next.s[ds->next.n++] = *s;
	return true;
}

void
driver_sessions_mark(struct driver_sessions *ds, size_t i, const char *prefix)
{
	size_t index;

	if (!ds->reading || i >= ds->next.n ||
	    !prefix_text_index_find(&ds->index, prefix, &index))
		return;
	ds->next.advertised[index] |= (uint32_t)1 << i;
}

/* Debug: each session with how many of the config's prefixes it has. */
static void
driver_sessions_log(const struct driver_sessions *ds)
{
	for (size_t i = 0; i < ds->table.n; i++) {
		size_t n = 0;

		for (size_t j = 0; j < ds->table.n_prefixes; j++)
			n += (ds->table.advertised[j] >> i) & 1u;
		log_debug("%s: session %s: %s, advertises %zu of %zu prefixes", ds->who,
			  ds->table.s[i].name, ds->table.s[i].state, n, ds->table.n_prefixes);
	}
}

void
driver_sessions_publish(struct driver_sessions *ds, const struct driver_callbacks *cb,
			void *arg)
{
	uint32_t *adv = ds->table.advertised;

	if (!ds->reading)
		return;
	ds->reading = false;
	if (ds->ignored > 0 && !ds->more_logged)
		log_warnx("%s: %zu BGP sessions beyond the first %d are ignored", ds->who,
			  ds->ignored, BGP_SESSIONS_MAX);
	ds->more_logged = ds->ignored > 0;
	if (ds->fail_logged)
		log_info("%s: BGP sessions read back again", ds->who);
	ds->fail_logged = false;
	/* swap the arrays: the read's becomes the table's */
	ds->table.advertised = ds->next.advertised;
	ds->next.advertised = adv;
	ds->table.n = ds->next.n;
	memcpy(ds->table.s, ds->next.s, ds->next.n * sizeof(ds->next.s[0]));
	ds->known = true;
	ds->published++;
	driver_sessions_log(ds);
	if (cb->sessions != NULL)
		cb->sessions(arg, &ds->table);
}

void
driver_sessions_fail(struct driver_sessions *ds, const char *why)
{
	if (!ds->reading)
		return;
	ds->reading = false;
	if (!ds->fail_logged)
		log_warnx("%s: cannot read the BGP sessions: %s; keeping the last ones",
			  ds->who, why);
	ds->fail_logged = true;
}

void
driver_sessions_abort(struct driver_sessions *ds)
{
	ds->reading = false;
}
