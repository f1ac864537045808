/*
 * main.c - arguments, config load, the libev loop, signals, sd_notify.
 * Nothing else: the data flow lives in daemon.c.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "api.h"
#include "daemon.h"
#include "driver_bird.h"
#include "driver_bird_sets.h"
#include "log.h"

#define DEFAULT_CONFIG SYSCONFDIR "/anycast-healthd/anycast-healthd.json"
#define STOP_TIMEOUT_S 3.0
#define WITHDRAW_ALL_TIMEOUT_S 5.0

struct main_state {
	struct ev_loop *loop;
	struct daemon *daemon;
	const char *config_path;
	ev_signal sigterm, sigint, sighup;
	ev_timer status_timer;		/* STATUS= refresh and watchdog pings */
	char last_status[256];
	struct api *api;
	ev_timer api_restart;		/* restarts the API outside its own callbacks */
};

/*
 * SIGHUP's default action is to terminate: one sent while the program
 * loads its libraries and config, before the loop's watchers exist (some
 * 50 ms; a config of thousands of services takes longer), would kill the
 * daemon.  main() blocks these signals first thing; a signal sent meanwhile
 * stays pending.  The loop's ev_signal watchers take them over: with
 * signalfd libev keeps them blocked and reads the pending ones from the fd;
 * where signalfd() fails (seccomp, EMFILE) libev installs its handler and,
 * because the loop has EVFLAG_NOSIGMASK, unblocks each signal it takes over
 * (without that flag it would leave them blocked for good: no stop, no
 * reload).  EVFLAG_NOENV keeps LIBEV_FLAGS from replacing those flags.  Every
 * other mode (-n, -p, --withdraw-all...) restores the mask it was given, so
 * a SIGTERM or ^C still ends them; exec'd children (the exec probe) reset
 * their mask in probe_exec.c.
 */
static const int main_signals[] = { SIGHUP, SIGTERM, SIGINT };

static void
main_block_signals(sigset_t *saved)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < sizeof(main_signals) / sizeof(main_signals[0]); i++)
		sigaddset(&set, main_signals[i]);
	sigprocmask(SIG_BLOCK, &set, saved);
}

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: anycast-healthd [-v] [-c FILE]       run in the foreground\n"
		"       anycast-healthd -n [-c FILE]         validate the config and exit\n"
		"       anycast-healthd -p [-c FILE]         print the effective config and exit\n"
		"       anycast-healthd --init [-c FILE]     create the router's files that must exist\n"
		"                                            before it starts, every prefix withdrawn,\n"
		"                                            where missing, and exit (BIRD's state file,\n"
		"                                            keepalived's track files; --init-bird-state\n"
		"                                            is the old name)\n"
		"       anycast-healthd --withdraw-all [-c FILE]\n"
		"                                            withdraw every prefix and exit (the unit's\n"
		"                                            ExecStopPost: a crash leaves nothing announced)\n"
		"options:\n"
		"  -c, --config FILE   config file (default %s)\n"
		"  -n, --check         validate only: exit 0 if valid, 1 with every error otherwise\n"
		"  -p, --print         print the effective config (defaults filled in)\n"
		"  -v, --verbose       debug logging\n"
		"  -V, --version       print the version\n"
		"  -h, --help          this text\n", DEFAULT_CONFIG);
}

/*
 * Load a config for a reload: every error line is logged, and also copied to
 * msg (may be NULL) for the API's answer.
 */
static struct config *
main_load_logged(const char *path, char *msg, size_t msglen)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0, used = 0;
	FILE *errs = open_memstream(&buf, &len);
	struct config *cfg;

	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (errs == NULL)
		return config_load(path, stderr);
	cfg = config_load(path, errs);
	fclose(errs);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		log_warnx("%s", line);
		if (msg != NULL && used < msglen) {
			int n = snprintf(msg + used, msglen - used, "%s%s", used ? "\n" : "", line);
			used += n > 0 ? (size_t)n : 0;
		}
	}
	free(buf);
	return cfg;
}

static void
main_status_update(struct main_state *ms)
{
	char line[sizeof(ms->last_status)];

	daemon_status_line(ms->daemon, line, sizeof(line));
	if (strcmp(line, ms->last_status) != 0) {
		sd_notifyf(0, "STATUS=%s", line);
		snprintf(ms->last_status, sizeof(ms->last_status), "%s", line);
	}
}

/* Runs only while the loop runs, so a hung loop stops the watchdog pings. */
static void
main_status_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct main_state *ms = w->data;

	(void)loop;
	(void)revents;
	sd_notify(0, "WATCHDOG=1");
	main_status_update(ms);
}

static void
main_stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct main_state *ms = w->data;

	(void)revents;
	if (ms->daemon != NULL && ms->daemon->stopping) {
		daemon_stop_hurry(ms->daemon);	/* the second one ends an on-exit drain */
		return;
	}
	log_info("signal %s: stopping", strsignal(w->signum));
	sd_notify(0, "STOPPING=1");
	ev_break(loop, EVBREAK_ALL);
}

static int main_api_reload(void *arg, char *msg, size_t msglen);

static void
main_api_start(struct main_state *ms)
{
	ms->api = api_start(ms->loop, ms->daemon, &ms->daemon->cfg->api, main_api_reload, ms);
	if (ms->api == NULL)
		log_warnx("api: no listener could start; status and admin verbs are unavailable");
}

static void
main_api_restart_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct main_state *ms = w->data;

	(void)loop;
	(void)revents;
	log_info("api: settings changed, restarting the listeners");
	api_stop(ms->api);
	main_api_start(ms);
}

/*
 * The one reload path, for SIGHUP and POST /v1/reload.  Returns 0 when the
 * new config runs, -1 when it was refused (errors in msg).
 */
static int
main_reload(struct main_state *ms, char *msg, size_t msglen)
{
	struct api_config old_api = ms->daemon->cfg->api;
	struct config *cfg;
	int rc = 0;

	if (ms->daemon->stopping) {
		/* The loop still runs for an on-exit drain: nothing to reload. */
		if (msg != NULL)
			snprintf(msg, msglen, "stopping: not reloading");
		log_info("stopping: not reloading");
		return -1;
	}
	/* systemd wants CLOCK_MONOTONIC here, not the wall clock. */
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)(daemon_monotonic() * 1e6));
	log_info("reloading %s", ms->config_path);
	cfg = main_load_logged(ms->config_path, msg, msglen);
	if (cfg == NULL) {
		log_warnx("not reloading: %s has errors; keeping the running config",
			  ms->config_path);
		daemon_note_reload_refused(ms->daemon, "config has errors");
		rc = -1;
	} else {
		/* old_api's strings belong to the old config: compare before it goes. */
		bool api_same = api_config_equal(&old_api, &cfg->api);

		daemon_reload(ms->daemon, cfg);
		if (api_same) {
			if (ms->api != NULL)
				api_set_daemon(ms->api, ms->daemon);
		} else {
			/* Possibly called from inside the API: restart it from the loop. */
			ev_timer_set(&ms->api_restart, 0., 0.);
			ev_timer_start(ms->loop, &ms->api_restart);
		}
	}
	sd_notify(0, "READY=1");
	main_status_update(ms);
	return rc;
}

static int
main_api_reload(void *arg, char *msg, size_t msglen)
{
	return main_reload(arg, msg, msglen);
}

static void
main_reload_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	main_reload(w->data, NULL, 0);
}

static int
main_run(const char *config_path)
{
	struct main_state ms = { .config_path = config_path };
	struct config *cfg;
	uint64_t watchdog_usec = 0;
	double tick = 1.0;
	bool clean;
	double drain_s, hooks_s;

	cfg = config_load(config_path, stderr);
	if (cfg == NULL)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	ms.loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_SIGNALFD | EVFLAG_NOSIGMASK | EVFLAG_NOENV);
	if (ms.loop == NULL)
		fatalx("cannot initialise the event loop");

	ev_signal_init(&ms.sigterm, main_stop_cb, SIGTERM);
	ev_signal_init(&ms.sigint, main_stop_cb, SIGINT);
	ev_signal_init(&ms.sighup, main_reload_cb, SIGHUP);
	ms.sigterm.data = ms.sigint.data = ms.sighup.data = &ms;
	/* Blocked since main() began; from here libev owns them and delivers
	 * any that came meanwhile (see main_block_signals). */
	ev_signal_start(ms.loop, &ms.sigterm);
	ev_signal_start(ms.loop, &ms.sigint);
	ev_signal_start(ms.loop, &ms.sighup);

	if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0) {
		tick = watchdog_usec / 2e6;
		if (tick > 1.0)
			tick = 1.0;
	}
	ev_timer_init(&ms.status_timer, main_status_cb, tick, tick);
	ms.status_timer.data = &ms;
	ev_timer_start(ms.loop, &ms.status_timer);

	ms.daemon = daemon_create(ms.loop, cfg);
	ev_timer_init(&ms.api_restart, main_api_restart_cb, 0., 0.);
	ms.api_restart.data = &ms;
	main_api_start(&ms);
	log_info("started with %s: %zu services, %zu prefixes", config_path,
		 cfg->n_services, cfg->n_prefixes);
	sd_notify(0, "READY=1");
	main_status_update(&ms);

	ev_run(ms.loop, 0);

	ev_timer_stop(ms.loop, &ms.status_timer);
	ev_timer_stop(ms.loop, &ms.api_restart);
	api_stop(ms.api);
	ms.api = NULL;
	drain_s = daemon_exit_drain_s(ms.daemon);
	hooks_s = daemon_exit_hooks_s(ms.daemon);
	if (drain_s > 0) {
		/* systemd's TimeoutStopSec would cut the drain: ask for its time. */
		sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%llu\nSTATUS=draining %.0f s before withdrawing",
			   (unsigned long long)((drain_s + hooks_s + STOP_TIMEOUT_S + 2) * 1e6),
			   drain_s);
	} else if (hooks_s > 0) {
		/* nor the wait for the hooks of the on-exit transitions */
		sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%llu",
			   (unsigned long long)((hooks_s + STOP_TIMEOUT_S + 2) * 1e6));
	}
	clean = daemon_stop(ms.daemon, STOP_TIMEOUT_S);
	daemon_free(ms.daemon);
	ev_signal_stop(ms.loop, &ms.sigterm);
	ev_signal_stop(ms.loop, &ms.sigint);
	ev_signal_stop(ms.loop, &ms.sighup);
	ev_loop_destroy(ms.loop);
	log_info("stopped");
	return clean ? 0 : 1;
}

/* --init: what the router kind needs on disk before the router starts. */
static int
main_init(const struct config *cfg)
{
	switch (cfg->router.kind) {
	case ROUTER_KIND_BIRD:
		return cfg->router.bird_pattern == BIRD_PATTERN_PREFIX_SETS ?
		       driver_bird_sets_write_initial_state(cfg) :
		       driver_bird_write_initial_state(cfg);
	case ROUTER_KIND_KEEPALIVED:
		return driver_keepalived_write_initial_state(cfg);
	case ROUTER_KIND_FRR:
	case ROUTER_KIND__COUNT:
	default:
		log_info("init: nothing to create for the %s router", router_kind_names[cfg->router.kind]);
		return 0;
	}
}

/*
 * Run by the unit's ExecStopPost after every stop.  systemd sets
 * SERVICE_RESULT there: "success" means the daemon stopped cleanly and has
 * already applied on-exit itself (which may be `keep`, e.g. for an upgrade);
 * anything else (a crash, kill -9, a watchdog timeout) withdraws.  Run by
 * hand (no SERVICE_RESULT) it always withdraws.
 */
static int
main_withdraw_all(const char *config_path)
{
	const char *result = getenv("SERVICE_RESULT");
	struct config *cfg = config_load(config_path, stderr);
	int rc;

	if (cfg == NULL)
		return 1;
	if (result != NULL && strcmp(result, "success") == 0) {
		log_info("withdraw-all: the daemon stopped cleanly and applied on-exit %s itself",
			 on_exit_action_names[cfg->on_exit]);
		config_free(cfg);
		return 0;
	}
	if (result != NULL)
		log_warnx("withdraw-all: the daemon ended with %s: withdrawing every prefix", result);
	rc = daemon_withdraw_all(cfg, WITHDRAW_ALL_TIMEOUT_S);
	config_free(cfg);
	return rc;
}

int
main(int argc, char **argv)
{
	enum { OPT_INIT = 256, OPT_WITHDRAW_ALL };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "print", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "init", no_argument, NULL, OPT_INIT },
		{ "init-bird-state", no_argument, NULL, OPT_INIT },
		{ "withdraw-all", no_argument, NULL, OPT_WITHDRAW_ALL },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = DEFAULT_CONFIG;
	bool check = false, print = false, init_state = false, withdraw_all = false;
	struct config *cfg;
	sigset_t saved_mask;
	int verbose = 0, ch, rc;

	main_block_signals(&saved_mask);
	while ((ch = getopt_long(argc, argv, "c:npvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': config_path = optarg; break;
		case 'n': check = true; break;
		case 'p': print = true; break;
		case 'v': verbose++; break;
		case 'V': printf("anycast-healthd %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		case OPT_INIT: init_state = true; break;
		case OPT_WITHDRAW_ALL: withdraw_all = true; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "anycast-healthd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	log_init(verbose);
	if (!check && !print && !init_state && !withdraw_all)
		return main_run(config_path);
	/* Not the daemon: the signals' default actions are right. */
	sigprocmask(SIG_SETMASK, &saved_mask, NULL);
	if (withdraw_all)
		return main_withdraw_all(config_path);

	cfg = config_load(config_path, stderr);
	if (cfg == NULL)
		return 1;
	rc = 0;
	if (print && config_print(cfg, stdout) < 0)
		rc = 1;
	if (init_state && main_init(cfg) < 0)
		rc = 1;
	config_free(cfg);
	return rc;
}
