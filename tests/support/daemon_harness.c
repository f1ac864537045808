/*
 * daemon_harness.c - a real daemon with a fake driver (daemon_harness.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon_harness.h"
#include "log.h"

const struct driver_callbacks *dh_cb;
void *dh_arg;
int dh_opened;
enum route_state dh_desired[DH_PREFIXES];
char dh_why[DH_PREFIXES][128];
double dh_clock;
double dh_clock_step;

/* ---- the driver the daemon gets ---- */

static void
fake_set_desired(struct driver *d, size_t index, enum route_state desired, const char *why)
{
	(void)d;
	if (index >= DH_PREFIXES)
		return;
	dh_desired[index] = desired;
	snprintf(dh_why[index], sizeof(dh_why[index]), "%s", why ? why : "");
}

static bool
fake_true(const struct driver *d)
{
	(void)d;
	return true;
}

static void
fake_destroy(struct driver *d)
{
	(void)d;
}

static const struct driver_ops fake_ops = {
	.name = "fake",
	.set_desired = fake_set_desired,
	.idle = fake_true,
	.connected = fake_true,
	.destroy = fake_destroy,
};

int __wrap_driver_open(struct driver_handle *h, struct ev_loop *loop, const struct config *cfg,
		       const struct driver_callbacks *cb, void *arg);

int
__wrap_driver_open(struct driver_handle *h, struct ev_loop *loop, const struct config *cfg,
		   const struct driver_callbacks *cb, void *arg)
{
	static char token;

	(void)loop;
	(void)cfg;
	dh_cb = cb;
	dh_arg = arg;
	dh_opened++;
	h->ops = &fake_ops;
	h->d = (struct driver *)(void *)&token;
	return 0;
}

/* ---- the log lines ---- */

#define LOG_LINES 64
static char log_lines[LOG_LINES][512];
static size_t n_log;

static void
log_keep(const char *fmt, va_list ap)
{
	if (n_log < LOG_LINES)
		vsnprintf(log_lines[n_log++], sizeof(log_lines[0]), fmt, ap);
	if (getenv("TEST_VERBOSE") != NULL && n_log <= LOG_LINES)
		fprintf(stderr, "log: %s\n", log_lines[n_log - 1]);
}

void __wrap_log_warnx(const char *fmt, ...);
void __wrap_log_info(const char *fmt, ...);

void
__wrap_log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_keep(fmt, ap);
	va_end(ap);
}

void
__wrap_log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_keep(fmt, ap);
	va_end(ap);
}

size_t
dh_log_count(const char *line)
{
	size_t i, n = 0;

	for (i = 0; i < n_log; i++)
		n += strcmp(log_lines[i], line) == 0;
	return n;
}

/* ---- the config and the service ---- */

static double
dh_fake_clock(void)
{
	double now = dh_clock;

	dh_clock += dh_clock_step;
	return now;
}

void
dh_write_config(struct dh *h, const char *router, const char *prefixes, const char *extra)
{
	FILE *f = fopen(h->path, "w");

	assert_non_null(f);
	fprintf(f, "{\"anycast-healthd:anycast-healthd\": {\n\"router\": {");
	if (router != NULL)
		fprintf(f, "%s", router);
	else
		fprintf(f, "\"bird\": {\"control-socket\": \"%s/bird.ctl\","
			" \"state-file\": \"%s/state.conf\"}", h->dir, h->dir);
	fprintf(f, "},\n"
		"\"service\": [{\"name\": \"svc\", \"interval-ms\": 100, \"timeout-ms\": 90,"
		" \"rise\": 1, \"fall\": 1,\n"
		"  \"probe\": [{\"name\": \"up\", \"exec\": {\"command\": [\"/usr/bin/test\","
		" \"-e\", \"%s/up\"]}}]}],\n"
		"\"prefix\": [%s],\n%s"
		"\"api\": {\"history-size\": 64, \"listen-port\": 0,"
		" \"admin-state-file\": \"%s/admin-state.json\"}}}\n", h->dir, prefixes, extra,
		h->dir);
	fclose(f);
}

void
dh_set_up(struct dh *h, bool up)
{
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "%s/up", h->dir);
	if (!up) {
		assert_int_equal(unlink(path), 0);
		return;
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
}

/* ---- running the loop ---- */

static void
dh_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

void
dh_wait_desired(struct dh *h, enum route_state want)
{
	double deadline = ev_time() + 10;
	ev_timer tick;
	size_t i, n;

	ev_timer_init(&tick, dh_tick_cb, 0.05, 0.05);
	ev_timer_start(h->loop, &tick);
	do {
		ev_run(h->loop, EVRUN_ONCE);
		for (i = 0, n = 0; i < h->d->cfg->n_prefixes; i++)
			n += h->d->prefixes[i].desired == want;
	} while (n < h->d->cfg->n_prefixes && ev_time() < deadline);
	ev_timer_stop(h->loop, &tick);
	assert_int_equal(n, h->d->cfg->n_prefixes);
}

void
dh_run_for(struct dh *h, double secs)
{
	double deadline = ev_time() + secs;
	ev_timer tick;

	ev_timer_init(&tick, dh_tick_cb, 0.02, 0.02);
	ev_timer_start(h->loop, &tick);
	while (ev_time() < deadline)
		ev_run(h->loop, EVRUN_ONCE);
	ev_timer_stop(h->loop, &tick);
}

/* ---- life cycle ---- */

struct dh *
dh_new(const char *name, const char *router, const char *prefixes, const char *extra)
{
	struct dh *h = calloc(1, sizeof(*h));
	struct config *cfg;

	assert_non_null(h);
	snprintf(h->dir, sizeof(h->dir), "/tmp/test-%s-XXXXXX", name);
	assert_non_null(mkdtemp(h->dir));
	snprintf(h->path, sizeof(h->path), "%s/conf.json", h->dir);
	dh_write_config(h, router, prefixes, extra);
	dh_set_up(h, true);
	cfg = config_load(h->path, stderr);
	assert_non_null(cfg);
	h->loop = ev_default_loop(0);	/* exec probes need it (child watchers) */
	n_log = 0;
	dh_opened = 0;
	dh_clock = 1000;
	dh_clock_step = 0;
	memset(dh_desired, 0, sizeof(dh_desired));
	h->d = daemon_create(h->loop, cfg);
	h->d->monotonic = dh_fake_clock;
	assert_int_equal(dh_opened, 1);
	return h;
}

void
dh_free(struct dh *h)
{
	char cmd[128];

	daemon_free(h->d);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
	assert_int_equal(system(cmd), 0);
	free(h);
}
