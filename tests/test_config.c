/*
 * test_config.c - cmocka tests of config.c: the structs config_load() builds
 * (defaults, inheritance of probe timing, derived BIRD constants, resolved
 * service indexes), the exact error lines, config_print() and
 * config_probe_equal().  The golden files in tests/config/ cover the error
 * text of many more bad files through the daemon itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "status.h"

#ifndef TEST_SRCDIR
#define TEST_SRCDIR "."
#endif

#define TOP "{ \"anycast-healthd:anycast-healthd\": { "
#define ROUTER "\"router\": { \"bird\": {} }, "
#define PREFIX "\"prefix\": [ { \"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"pptp\"], " \
	"\"bird\": { \"protocol\": \"anycast4\" } } ]"
#define END " } }"

static const char minimal_json[] =
	TOP ROUTER
	"\"service\": [ { \"name\": \"pptp\", \"probe\": [ { \"name\": \"control\", \"pptp-control\": {} } ] } ], "
	PREFIX END;

static const char full_json[] =
	TOP
	"\"router\": { \"bird\": { \"control-socket\": \"/tmp/bird.ctl\", \"state-file\": \"/tmp/state.conf\" },"
	"  \"command-timeout-ms\": 1500, \"readback-interval-ms\": 30000,"
	"  \"reconnect-min-ms\": 200, \"reconnect-max-ms\": 800 },"
	"\"service\": ["
	"  { \"name\": \"pptp\", \"interval-ms\": 1000, \"timeout-ms\": 400, \"rise\": 5, \"fall\": 4,"
	"    \"error-is-down\": true, \"probe\": ["
	"    { \"name\": \"control\", \"interval-ms\": 250, \"timeout-ms\": 200,"
	"      \"pptp-control\": { \"address\": \"2001:DB8::10\", \"port\": 11723, \"echo\": true,"
	"                          \"host-name\": \"gw1\" } },"
	"    { \"name\": \"process\", \"rise\": 1,"
	"      \"process\": { \"pidfile\": \"/run/pptpd.pid\", \"process-name\": \"pptpd\" } } ] },"
	"  { \"name\": \"other\", \"probe\": ["
	"    { \"name\": \"pid\", \"process\": { \"pidfile\": \"/run/other.pid\" } } ] } ],"
	"\"prefix\": ["
	"  { \"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"other\", \"pptp\"], \"bird\": { \"protocol\": \"anycast4\" } },"
	"  { \"prefix\": \"2001:DB8:0::1/128\", \"depends-on\": [\"pptp\"], \"bird\": { \"protocol\": \"Any_cast6\" } } ],"
	"\"on-exit\": \"keep\""
	END;

/* Write `text` to a fresh temporary file; returns its malloc'd name. */
static char *
write_temp(const char *text)
{
	char *path = strdup("/tmp/test_config.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* Load `text` from a temporary file; *errors gets what config_load printed. */
static struct config *
load_text(const char *text, char **path_out, char **errors)
{
	char *path = write_temp(text);
	size_t len;
	FILE *err;
	struct config *cfg;

	err = open_memstream(errors, &len);
	assert_non_null(err);
	cfg = config_load(path, err);
	fclose(err);
	unlink(path);
	if (path_out != NULL)
		*path_out = path;
	else
		free(path);
	return cfg;
}

/* `expect` with every "%s" replaced by `path`; malloc'd. */
static char *
expand_path(const char *expect, const char *path)
{
	char *out = calloc(1, strlen(expect) * (strlen(path) + 1) + 1), *o = out;

	assert_non_null(out);
	while (*expect != '\0') {
		if (strncmp(expect, "%s", 2) == 0) {
			o = stpcpy(o, path);
			expect += 2;
		} else {
			*o++ = *expect++;
		}
	}
	return out;
}

/* Assert that `text` fails with exactly `expect` (each %s is the file name). */
static void
assert_load_fails(const char *text, const char *expect_fmt)
{
	char *path, *errors, *expect;
	struct config *cfg = load_text(text, &path, &errors);

	assert_null(cfg);
	expect = expand_path(expect_fmt, path);
	assert_string_equal(errors, expect);
	free(expect);
	free(errors);
	free(path);
}

static void
config_test_minimal_defaults(void **state)
{
	char *path, *errors;
	struct config *cfg = load_text(minimal_json, &path, &errors);
	const struct probe_config *p;

	(void)state;
	assert_non_null(cfg);
	assert_string_equal(errors, "");
	assert_string_equal(cfg->path, path);

	assert_int_equal(cfg->router.kind, ROUTER_KIND_BIRD);
	assert_string_equal(cfg->router.control_socket, "/run/bird/bird.ctl");
	assert_string_equal(cfg->router.state_file, "/run/anycast-healthd/bird-state.conf");
	assert_int_equal(cfg->router.command_timeout_ms, 2000);
	assert_int_equal(cfg->router.readback_interval_ms, 10000);
	assert_int_equal(cfg->router.reconnect_min_ms, 100);
	assert_int_equal(cfg->router.reconnect_max_ms, 5000);

	assert_int_equal(cfg->n_services, 1);
	assert_string_equal(cfg->services[0].name, "pptp");
	assert_false(cfg->services[0].error_is_down);
	assert_int_equal(cfg->services[0].n_probes, 1);
	p = &cfg->services[0].probes[0];
	assert_string_equal(p->name, "control");
	assert_int_equal(p->kind, PROBE_KIND_PPTP_CONTROL);
	assert_int_equal(p->interval_ms, 500);
	assert_int_equal(p->timeout_ms, 300);
	assert_int_equal(p->rise, 3);
	assert_int_equal(p->fall, 2);
	assert_string_equal(p->u.pptp_control.address, "127.0.0.1");
	assert_int_equal(p->u.pptp_control.port, 1723);
	assert_false(p->u.pptp_control.echo);
	assert_string_equal(p->u.pptp_control.host_name, "anycast-healthd");

	assert_int_equal(cfg->n_prefixes, 1);
	assert_string_equal(cfg->prefixes[0].prefix, "192.0.2.1/32");
	assert_int_equal(cfg->prefixes[0].n_services, 1);
	assert_string_equal(cfg->prefixes[0].services[0], "pptp");
	assert_int_equal(cfg->prefixes[0].service_index[0], 0);
	assert_string_equal(cfg->prefixes[0].bird_protocol, "anycast4");
	assert_string_equal(cfg->prefixes[0].bird_define, "ANYCAST4_OFF");
	assert_int_equal(cfg->on_exit, ON_EXIT_WITHDRAW);

	config_free(cfg);
	free(errors);
	free(path);
}

static void
config_test_full_overrides(void **state)
{
	char *errors;
	struct config *cfg = load_text(full_json, NULL, &errors);
	const struct service_config *s;
	const struct probe_config *p;

	(void)state;
	assert_string_equal(errors, "");
	assert_non_null(cfg);
	assert_string_equal(cfg->router.control_socket, "/tmp/bird.ctl");
	assert_string_equal(cfg->router.state_file, "/tmp/state.conf");
	assert_int_equal(cfg->router.command_timeout_ms, 1500);
	assert_int_equal(cfg->router.readback_interval_ms, 30000);
	assert_int_equal(cfg->router.reconnect_min_ms, 200);
	assert_int_equal(cfg->router.reconnect_max_ms, 800);

	assert_int_equal(cfg->n_services, 2);
	s = &cfg->services[0];
	assert_true(s->error_is_down);
	assert_int_equal(s->n_probes, 2);
	/* Overrides win... */
	p = &s->probes[0];
	assert_int_equal(p->interval_ms, 250);
	assert_int_equal(p->timeout_ms, 200);
	assert_int_equal(p->rise, 5);
	assert_int_equal(p->fall, 4);
	assert_string_equal(p->u.pptp_control.address, "2001:db8::10");
	assert_int_equal(p->u.pptp_control.port, 11723);
	assert_true(p->u.pptp_control.echo);
	assert_string_equal(p->u.pptp_control.host_name, "gw1");
	/* ...and the rest comes from the service, not from the schema defaults. */
	p = &s->probes[1];
	assert_int_equal(p->kind, PROBE_KIND_PROCESS);
	assert_int_equal(p->interval_ms, 1000);
	assert_int_equal(p->timeout_ms, 400);
	assert_int_equal(p->rise, 1);
	assert_int_equal(p->fall, 4);
	assert_string_equal(p->u.process.pidfile, "/run/pptpd.pid");
	assert_string_equal(p->u.process.process_name, "pptpd");

	s = &cfg->services[1];
	assert_string_equal(s->name, "other");
	assert_false(s->error_is_down);
	assert_int_equal(s->probes[0].interval_ms, 500);
	assert_null(s->probes[0].u.process.process_name);

	assert_int_equal(cfg->n_prefixes, 2);
	assert_int_equal(cfg->prefixes[0].n_services, 2);
	assert_string_equal(cfg->prefixes[0].services[0], "other");
	assert_int_equal(cfg->prefixes[0].service_index[0], 1);
	assert_string_equal(cfg->prefixes[0].services[1], "pptp");
	assert_int_equal(cfg->prefixes[0].service_index[1], 0);
	/* Canonical text, as the router will show it. */
	assert_string_equal(cfg->prefixes[1].prefix, "2001:db8::1/128");
	assert_string_equal(cfg->prefixes[1].bird_protocol, "Any_cast6");
	assert_string_equal(cfg->prefixes[1].bird_define, "ANY_CAST6_OFF");
	assert_int_equal(cfg->on_exit, ON_EXIT_KEEP);

	config_free(cfg);
	free(errors);
}

static void
config_test_example_file(void **state)
{
	struct config *cfg = config_load(TEST_SRCDIR "/etc/anycast-healthd.json", stderr);

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(cfg->services[0].n_probes, 2);
	assert_int_equal(cfg->services[0].probes[1].kind, PROBE_KIND_PROCESS);
	assert_string_equal(cfg->services[0].probes[1].u.process.process_name, "pptpd");
	config_free(cfg);
}

static void
config_test_missing_file(void **state)
{
	char *errors;
	size_t len;
	FILE *err = open_memstream(&errors, &len);

	(void)state;
	assert_null(config_load("/nonexistent/anycast-healthd.json", err));
	fclose(err);
	assert_string_equal(errors, "/nonexistent/anycast-healthd.json: -: cannot read: No such file or directory\n");
	free(errors);
	/* errors may be NULL. */
	assert_null(config_load("/nonexistent/anycast-healthd.json", NULL));
}

static void
config_test_empty_file(void **state)
{
	(void)state;
	assert_load_fails("\n  \n", "%s: -: empty file\n");
}

/* The keepalived router: its defaults and values, each prefix's files. */
#define KA_SERVICE "\"service\": [ { \"name\": \"pptp\", \"probe\": [ " \
	"{ \"name\": \"c\", \"pptp-control\": {} } ] } ], "
#define KA_PREFIX(addr, files) "{ \"prefix\": \"" addr "\", \"depends-on\": [\"pptp\"], " \
	"\"keepalived\": { " files " } }"

static void
config_test_keepalived(void **state)
{
	char *errors;
	struct config *cfg;

	(void)state;
	cfg = load_text(TOP "\"router\": { \"keepalived\": {} }, " KA_SERVICE "\"prefix\": [ "
	    KA_PREFIX("192.0.2.1/32", "\"track-file\": \"/run/a.track\"") " ]" END, NULL, &errors);
	assert_non_null(cfg);
	assert_int_equal(cfg->router.kind, ROUTER_KIND_KEEPALIVED);
	assert_int_equal(cfg->router.ka_withdrawn_value, 254);
	assert_int_equal(cfg->router.ka_degraded_value, 60);
	assert_int_equal(cfg->router.ka_draining_value, 120);
	assert_int_equal(cfg->router.ka_pptpd_on_backup, KEEPALIVED_BACKUP_RUNNING);
	assert_int_equal(cfg->router.ka_takeover_grace_ms, 15000);
	assert_string_equal(cfg->prefixes[0].ka_track_file, "/run/a.track");
	assert_null(cfg->prefixes[0].ka_state_file);
	config_free(cfg);
	free(errors);
	cfg = load_text(TOP "\"router\": { \"keepalived\": { \"withdrawn-value\": 1000000, "
	    "\"degraded-value\": 1, \"draining-value\": 2, \"pptpd-on-backup\": \"stopped\", "
	    "\"takeover-grace-ms\": 1000 } }, " KA_SERVICE "\"prefix\": [ "
	    KA_PREFIX("192.0.2.1/32", "\"track-file\": \"/run/a.track\", \"state-file\": \"/run/a.state\"")
	    " ]" END, NULL, &errors);
	assert_non_null(cfg);
	assert_int_equal(cfg->router.ka_withdrawn_value, 1000000);
	assert_int_equal(cfg->router.ka_degraded_value, 1);
	assert_int_equal(cfg->router.ka_draining_value, 2);
	assert_int_equal(cfg->router.ka_pptpd_on_backup, KEEPALIVED_BACKUP_STOPPED);
	assert_int_equal(cfg->router.ka_takeover_grace_ms, 1000);
	assert_string_equal(cfg->prefixes[0].ka_state_file, "/run/a.state");
	config_free(cfg);
	free(errors);
}

static void
config_test_keepalived_errors(void **state)
{
	(void)state;
	assert_load_fails(TOP "\"router\": { \"keepalived\": { \"draining-value\": 254 } }, "
	    KA_SERVICE "\"prefix\": [ " KA_PREFIX("192.0.2.1/32", "\"track-file\": \"/run/a.track\"")
	    " ]" END,
	    "%s: /anycast-healthd:anycast-healthd/router/keepalived: withdrawn-value (254), "
	    "degraded-value (60) and draining-value (254) must differ\n");
	assert_load_fails(TOP "\"router\": { \"keepalived\": {} }, " KA_SERVICE "\"prefix\": [ "
	    KA_PREFIX("192.0.2.1/32", "\"track-file\": \"/run/a\", \"state-file\": \"/run/a\"")
	    " ]" END,
	    "%s: /anycast-healthd:anycast-healthd/prefix[prefix='192.0.2.1/32']: "
	    "keepalived/state-file and keepalived/track-file must differ\n");
	assert_load_fails(TOP "\"router\": { \"keepalived\": {} }, " KA_SERVICE "\"prefix\": [ "
	    KA_PREFIX("192.0.2.1/32", "\"track-file\": \"/run/a\"") ", "
	    KA_PREFIX("192.0.2.2/32", "\"track-file\": \"/run/a\"") " ]" END,
	    "%s: /anycast-healthd:anycast-healthd/prefix[prefix='192.0.2.2/32']: "
	    "keepalived/track-file \"/run/a\" is already 192.0.2.1/32's\n");
	assert_load_fails(TOP "\"router\": { \"keepalived\": { \"pptpd-on-backup\": \"stopped\" } }, "
	    KA_SERVICE "\"prefix\": [ " KA_PREFIX("192.0.2.1/32", "\"track-file\": \"/run/a\"") " ]" END,
	    "%s: /anycast-healthd:anycast-healthd/prefix[prefix='192.0.2.1/32']: keepalived/state-file "
	    "is required with router/keepalived/pptpd-on-backup stopped (the standby rule reads it)\n");
	assert_load_fails(TOP "\"router\": { \"keepalived\": {} }, " KA_SERVICE "\"prefix\": [ "
	    "{ \"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"pptp\"] } ]" END,
	    "%s: /anycast-healthd:anycast-healthd/prefix[prefix='192.0.2.1/32']: "
	    "keepalived/track-file is required when the router is keepalived\n");
}

static void
config_test_unknown_service(void **state)
{
	(void)state;
	assert_load_fails(TOP ROUTER
	    "\"service\": [ { \"name\": \"pptp\", \"probe\": [ { \"name\": \"c\", \"pptp-control\": {} } ] } ], "
	    "\"prefix\": [ { \"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"l2tp\"], "
	    "\"bird\": { \"protocol\": \"anycast4\" } } ]" END,
	    "%s: /anycast-healthd:anycast-healthd/prefix[prefix='192.0.2.1/32']/depends-on[.='l2tp']: "
	    "Invalid leafref value \"l2tp\" - no target instance \"../../service/name\" with the same value.\n");
}

static void
config_test_range(void **state)
{
	(void)state;
	assert_load_fails(TOP ROUTER
	    "\"service\": [ { \"name\": \"pptp\", \"rise\": 0, \"probe\": [ { \"name\": \"c\", \"pptp-control\": {} } ] } ], "
	    PREFIX END,
	    "%s: /anycast-healthd:anycast-healthd/service[name='pptp']/rise: "
	    "Unsatisfied range - value \"0\" is out of the allowed range.\n");
}

static void
config_test_missing_kind_located(void **state)
{
	(void)state;
	/* libyang names only the schema node; the loader finds the probe. */
	assert_load_fails(TOP ROUTER
	    "\"service\": [ { \"name\": \"pptp\", \"probe\": [ { \"name\": \"a\", \"pptp-control\": {} },"
	    " { \"name\": \"b\" } ] } ], " PREFIX END,
	    "%s: /anycast-healthd:anycast-healthd/service[name='pptp']/probe[name='b']: "
	    "Mandatory choice \"kind\" data do not exist.\n");
}

static void
config_test_invalid_json_one_line(void **state)
{
	(void)state;
	assert_load_fails("{\n  \"anycast-healthd:anycast-healthd\": {\n    \"on-exit\": \n}\n}\n",
	    "%s: /anycast-healthd:anycast-healthd: "
	    "Invalid character sequence \"}\\n}\\n\", expected a JSON value. (line 4)\n");
}

/* config_parse() of LEN bytes named "mem.json"; *errors gets its output. */
static struct config *
parse_bytes(const char *text, size_t len, char **errors)
{
	size_t elen;
	FILE *err = open_memstream(errors, &elen);
	struct config *cfg;

	assert_non_null(err);
	cfg = config_parse("mem.json", text, len, err);
	fclose(err);
	return cfg;
}

/* A FIFO without a writer: refused at once (the alarm turns a hang into a
 * failure), named, and still a FIFO with nobody waiting on it. */
static void
config_test_fifo_refused(void **state)
{
	char dir[] = "/tmp/test_config.XXXXXX", path[64], *errors, *expect;
	size_t len;
	FILE *err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	err = open_memstream(&errors, &len);
	alarm(10);
	assert_null(config_load(path, err));
	alarm(0);
	fclose(err);
	expect = expand_path("%s: -: cannot read: a FIFO, not a regular file\n", path);
	assert_string_equal(errors, expect);
	free(expect);
	free(errors);
	unlink(path);
	rmdir(dir);
}

static void
config_test_directory_refused(void **state)
{
	char dir[] = "/tmp/test_config.XXXXXX", *errors, *expect;
	size_t len;
	FILE *err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	err = open_memstream(&errors, &len);
	assert_null(config_load(dir, err));
	fclose(err);
	expect = expand_path("%s: -: cannot read: a directory, not a regular file\n", dir);
	assert_string_equal(errors, expect);
	free(expect);
	free(errors);
	rmdir(dir);
}

/* libyang stops at a NUL, and after the first JSON document. */
static void
config_test_nul_byte(void **state)
{
	static const char text[] = "{ \"anycast-healthd:anycast-healthd\": {} }\n\0garbage";
	char *errors;

	(void)state;
	assert_null(parse_bytes(text, sizeof(text) - 1, &errors));
	assert_string_equal(errors, "mem.json: -: a NUL byte at offset 42 (line 2): a config file is JSON text\n");
	free(errors);
}

static void
config_test_trailing_data(void **state)
{
	char *text, *errors;
	struct config *cfg;

	(void)state;
	assert_int_not_equal(asprintf(&text, "%s \n\t\r\n", minimal_json), -1);
	cfg = parse_bytes(text, strlen(text), &errors);
	assert_non_null(cfg);		/* white space after it is fine */
	assert_string_equal(errors, "");
	config_free(cfg);
	free(errors);
	free(text);

	assert_int_not_equal(asprintf(&text, "%s\n\n  {}", minimal_json), -1);
	assert_null(parse_bytes(text, strlen(text), &errors));
	assert_string_equal(errors, "mem.json: -: data after the end of the JSON document at offset 266 (line 3)\n");
	free(errors);
	free(text);
	assert_load_fails("{\"a\": \"}\\\"]\"} x", "%s: -: data after the end of the JSON document at offset 14 (line 1)\n");
}

static void
config_test_json_end(void **state)
{
	static const struct {
		const char *text;
		size_t end;
	} cases[] = {
		{ "{}", 2 },
		{ "  \n{} x", 5 },
		{ "[1, [2], {\"a\": [3]}] ]", 20 },
		{ "{\"}\": \"{[\\\"\"} {", 13 },	/* brackets and quotes inside strings */
		{ "{\"a\\\\\": 1}x", 10 },		/* an escaped backslash ends the escape */
		{ "{\"a\": 1", 7 },			/* never closes: the whole text */
		{ "{\"a\": 1]}", 9 },			/* mismatched: left to libyang */
		{ "\"text\" x", 8 },			/* not an object or array */
		{ "", 0 },
	};
	char deep[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(config_json_end(cases[i].text, strlen(cases[i].text)), cases[i].end);
	/* Deeper than the scanner keeps: not judged. */
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_int_equal(config_json_end(deep, sizeof(deep)), sizeof(deep));
	assert_int_equal(config_json_end(deep + 40, 120), 120);
}

/* YANG counts characters; the SCCRQ field counts bytes. */
static void
config_test_host_name_bytes(void **state)
{
	char name[128] = "", *text, *errors;
	struct config *cfg;
	size_t i;

	(void)state;
	for (i = 0; i < 31; i++)
		strcat(name, "\xc3\xa9");	/* é */
	strcat(name, "x");			/* 63 bytes: fits */
	assert_int_not_equal(asprintf(&text, TOP ROUTER "\"service\": [ { \"name\": \"pptp\", \"probe\": ["
	    " { \"name\": \"c\", \"pptp-control\": { \"host-name\": \"%s\" } } ] } ], " PREFIX END, name), -1);
	cfg = parse_bytes(text, strlen(text), &errors);
	assert_non_null(cfg);
	assert_string_equal(cfg->services[0].probes[0].u.pptp_control.host_name, name);
	config_free(cfg);
	free(errors);
	free(text);

	strcat(name, "\xc3\xa9");		/* 32 characters, 65 bytes */
	assert_int_not_equal(asprintf(&text, TOP ROUTER "\"service\": [ { \"name\": \"pptp\", \"probe\": ["
	    " { \"name\": \"g\", \"pptp-gre\": { \"host-name\": \"%s\" } } ] } ], " PREFIX END, name), -1);
	assert_null(parse_bytes(text, strlen(text), &errors));
	assert_string_equal(errors, "mem.json: /anycast-healthd:anycast-healthd/service[name='pptp']/probe[name='g']"
	    "/pptp-gre/host-name: 65 bytes long in UTF-8: the SCCRQ's Host Name field holds at most 63 bytes\n");
	free(errors);
	free(text);
}

/*
 * Many services, named so that their sorted order is not the file's:
 * every depends-on still resolves to its own service, and a state-constant
 * clash names the first prefix that has it, whichever protocol clashes.
 */
static void
config_test_many_services(void **state)
{
	enum { N = 300 };
	char *text = NULL, *errors;
	size_t len, i;
	FILE *f = open_memstream(&text, &len);
	struct config *cfg;

	(void)state;
	fputs(TOP ROUTER "\"service\": [", f);
	for (i = 0; i < N; i++)
		fprintf(f, "%s{ \"name\": \"s%zu\", \"probe\": [ { \"name\": \"c\", \"pptp-control\": {} } ] }",
		    i ? ", " : "", N - i);
	fputs("], \"prefix\": [", f);
	for (i = 0; i < N; i++)
		fprintf(f, "%s{ \"prefix\": \"10.%zu.%zu.0/24\", \"depends-on\": [\"s%zu\", \"s%zu\"], "
		    "\"bird\": { \"protocol\": \"p%zu\" } }", i ? ", " : "", i / 256, i % 256, N - i,
		    (i * 7) % N + 1, i);
	fputs("]" END, f);
	fclose(f);
	cfg = parse_bytes(text, len, &errors);
	assert_string_equal(errors, "");
	assert_non_null(cfg);
	for (i = 0; i < N; i++) {
		const struct prefix_config *pc = &cfg->prefixes[i];

		assert_string_equal(cfg->services[pc->service_index[0]].name, pc->services[0]);
		assert_int_equal(pc->service_index[0], i);
		assert_string_equal(cfg->services[pc->service_index[1]].name, pc->services[1]);
	}
	config_free(cfg);
	free(errors);
	free(text);

	/* The third prefix's main protocol clashes with the second's, its
	 * drain twin with the first's: the first prefix is named. */
	assert_load_fails(TOP ROUTER "\"service\": [ { \"name\": \"s\", \"probe\": [ { \"name\": \"c\", \"pptp-control\": {} } ] } ], "
	    "\"prefix\": ["
	    " { \"prefix\": \"10.0.0.1/32\", \"depends-on\": [\"s\"], \"bird\": { \"protocol\": \"a\" } },"
	    " { \"prefix\": \"10.0.0.2/32\", \"depends-on\": [\"s\"], \"bird\": { \"protocol\": \"b\" } },"
	    " { \"prefix\": \"10.0.0.3/32\", \"depends-on\": [\"s\"], \"bird\": { \"protocol\": \"B\", \"drain-protocol\": \"A\" } },"
	    " { \"prefix\": \"10.0.0.4/32\", \"depends-on\": [\"s\"], \"bird\": { \"protocol\": \"c\", \"degraded-protocol\": \"C\" } } ]" END,
	    "%s: /anycast-healthd:anycast-healthd/prefix[prefix='10.0.0.3/32']: "
	    "bird protocol \"A\" has the same state constant A_OFF as prefix 10.0.0.1/32\n"
	    "%s: /anycast-healthd:anycast-healthd/prefix[prefix='10.0.0.4/32']: "
	    "bird protocols \"c\" and \"C\" of one prefix must differ\n");
}

/* One schema for many texts (the fuzzer's way): each parse reports only
 * its own errors, exactly as a fresh context would. */
static void
config_test_schema_reuse(void **state)
{
	static const char *const texts[] = {
		"{ \"anycast-healthd:anycast-healthd\": { \"on-exit\": 1 } }",
		minimal_json,
		"{ \"anycast-healthd:anycast-healthd\": {} }",
		"{ \"x\": ",
		minimal_json,
	};
	struct config_schema *schema = config_schema_new(stderr);
	size_t i, len;

	(void)state;
	assert_non_null(schema);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char *fresh, *reused;
		FILE *f = open_memstream(&fresh, &len);
		struct config *a = config_parse("t.json", texts[i], strlen(texts[i]), f);
		struct config *b;

		fclose(f);
		f = open_memstream(&reused, &len);
		b = config_parse_with(schema, "t.json", texts[i], strlen(texts[i]), f);
		fclose(f);
		assert_string_equal(reused, fresh);
		assert_int_equal(a == NULL, b == NULL);
		if (a != NULL)
			assert_string_equal(a->effective_json, b->effective_json);
		config_free(a);
		config_free(b);
		free(fresh);
		free(reused);
	}
	config_schema_free(schema);
	config_schema_free(NULL);
}

/* Post-schema checks report every problem at once. */
static void
config_test_several_errors(void **state)
{
	(void)state;
	assert_load_fails(TOP
	    "\"router\": { \"bird\": {}, \"reconnect-min-ms\": 6000 }, "
	    "\"service\": [ { \"name\": \"pptp\", \"timeout-ms\": 500, \"probe\": ["
	    " { \"name\": \"a\", \"pptp-control\": {} },"
	    " { \"name\": \"b\", \"interval-ms\": 600, \"pptp-control\": {} },"
	    " { \"name\": \"c\", \"interval-ms\": 1000, \"timeout-ms\": 1000, \"pptp-control\": {} } ] } ], "
	    "\"prefix\": [ { \"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"pptp\"], \"bird\": { \"protocol\": \"x\" } },"
	    " { \"prefix\": \"192.0.2.2/32\", \"depends-on\": [\"pptp\"] },"
	    " { \"prefix\": \"192.0.2.3/32\", \"depends-on\": [\"pptp\"], \"bird\": { \"protocol\": \"X\" } } ]" END,
	    "%s: /anycast-healthd:anycast-healthd/router: "
	    "reconnect-min-ms (6000) must not be greater than reconnect-max-ms (5000)\n"
	    "%s: /anycast-healthd:anycast-healthd/service[name='pptp']/probe[name='a']: "
	    "timeout-ms (500) must be less than interval-ms (500)\n"
	    "%s: /anycast-healthd:anycast-healthd/service[name='pptp']/probe[name='c']: "
	    "timeout-ms (1000) must be less than interval-ms (1000)\n"
	    "%s: /anycast-healthd:anycast-healthd/prefix[prefix='192.0.2.2/32']: "
	    "bird/protocol is required when the router is bird\n"
	    "%s: /anycast-healthd:anycast-healthd/prefix[prefix='192.0.2.3/32']: "
	    "bird protocol \"X\" has the same state constant X_OFF as prefix 192.0.2.1/32\n");
}

static void
config_test_print(void **state)
{
	char *out, *expect_file = TEST_SRCDIR "/tests/config/good/minimal.out", *expect;
	size_t len, n;
	struct config *cfg;
	FILE *f;
	const char *p;
	int count = 0;

	(void)state;
	cfg = config_load(TEST_SRCDIR "/tests/config/good/minimal.json", stderr);
	assert_non_null(cfg);
	f = open_memstream(&out, &len);
	assert_int_equal(config_print(cfg, f), 0);
	fclose(f);

	/* Every default is printed... */
	assert_non_null(strstr(out, "\"host-name\": \"anycast-healthd\""));
	assert_non_null(strstr(out, "\"on-exit\": \"withdraw\""));
	/* ...but inherited probe timing only once, at the service. */
	for (p = out; (p = strstr(p, "\"interval-ms\"")) != NULL; p++)
		count++;
	assert_int_equal(count, 1);

	/* Same as the golden file. */
	f = fopen(expect_file, "r");
	assert_non_null(f);
	expect = calloc(1, 65536);
	assert_non_null(expect);
	n = fread(expect, 1, 65535, f);
	fclose(f);
	assert_true(n > 0);
	assert_string_equal(out, expect);

	free(expect);
	free(out);
	config_free(cfg);
}

static void
config_test_free_null(void **state)
{
	(void)state;
	config_free(NULL);
}

/* service/damping: absent is off; present fills in the defaults; on-exit drain. */
static void
config_test_damping_and_exit_drain(void **state)
{
	static const char text[] =
		"{ \"anycast-healthd:anycast-healthd\": {\n"
		"  \"router\": { \"bird\": {} },\n"
		"  \"service\": [ { \"name\": \"pptp\", \"damping\": { \"half-life-s\": 30 },\n"
		"      \"probe\": [ { \"name\": \"c\", \"pptp-control\": {} } ] },\n"
		"    { \"name\": \"plain\", \"probe\": [ { \"name\": \"c\", \"pptp-control\": {} } ] } ],\n"
		"  \"prefix\": [ { \"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"pptp\"],\n"
		"      \"bird\": { \"protocol\": \"anycast4\" } } ],\n"
		"  \"on-exit\": \"drain\" } }\n";
	char *errors;
	struct config *cfg = load_text(text, NULL, &errors);

	(void)state;
	assert_non_null(cfg);
	assert_true(cfg->services[0].damping.enabled);
	assert_int_equal(cfg->services[0].damping.penalty, 1000);
	assert_int_equal(cfg->services[0].damping.suppress_limit, 2000);
	assert_int_equal(cfg->services[0].damping.reuse_limit, 750);
	assert_int_equal(cfg->services[0].damping.half_life_s, 30);
	assert_int_equal(cfg->services[0].damping.max_suppress_s, 600);
	assert_false(cfg->services[1].damping.enabled);
	assert_int_equal(cfg->on_exit, ON_EXIT_DRAIN);
	config_free(cfg);
	free(errors);
}

/*
 * gethostname() as the fleet's node default sees it: the real one unless a
 * test sets fake_host_name (test_config links with --wrap=gethostname).
 */
int __real_gethostname(char *name, size_t len);
int __wrap_gethostname(char *name, size_t len);
static const char *fake_host_name;

int
__wrap_gethostname(char *name, size_t len)
{
	if (fake_host_name == NULL)
		return __real_gethostname(name, len);
	snprintf(name, len, "%s", fake_host_name);
	return 0;
}

#define FLEET_SERVICES "\"service\": [" \
	"  { \"name\": \"pptp\", \"on-drift\": \"degrade\", \"drift-file\": [\"/etc/ppp/chap-secrets\"]," \
	"    \"probe\": [ { \"name\": \"control\", \"pptp-control\": {} } ] }," \
	"  { \"name\": \"radius\", \"probe\": [ { \"name\": \"pid\", \"process\": { \"pidfile\": \"/run/r.pid\" } } ] } ], "
#define FLEET_PREFIXES "\"prefix\": [" \
	"  { \"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"pptp\"], \"bird\": { \"protocol\": \"a4\" }," \
	"    \"min-announcers\": 2 }," \
	"  { \"prefix\": \"192.0.2.2/32\", \"depends-on\": [\"pptp\"], \"bird\": { \"protocol\": \"b4\" } } ], "

static const char fleet_json[] =
	TOP ROUTER FLEET_SERVICES FLEET_PREFIXES
	"\"fleet\": { \"name\": \"lab\", \"node\": \"gw1\","
	"  \"endpoint\": [\"https://10.0.0.1:2379\", \"http://[2001:db8::2]:2379\"],"
	"  \"tls\": { \"ca-file\": \"/etc/ca.pem\", \"cert-file\": \"/etc/gw1.pem\", \"key-file\": \"/etc/gw1.key\" },"
	"  \"user\": \"ahd\", \"password-file\": \"/etc/pw\", \"lease-ttl-s\": 300,"
	"  \"request-timeout-ms\": 500, \"decision-timeout-ms\": 500, \"on-store-loss\": \"keep-announcing\","
	"  \"key-file\": \"/etc/fleet.key\", \"fingerprint-file\": [\"/etc/ppp/chap-secrets\", \"/etc/x\"] }"
	END;

/* Every fleet leaf lands in its field; a service without drift-file watches
 * every fingerprinted file. */
static void
config_test_fleet_full(void **state)
{
	char *errors;
	struct config *cfg = parse_bytes(fleet_json, strlen(fleet_json), &errors);
	const struct fleet_config *f;

	(void)state;
	assert_string_equal(errors, "");
	assert_non_null(cfg);
	f = &cfg->fleet;
	assert_true(f->enabled);
	assert_string_equal(f->name, "lab");
	assert_string_equal(f->node, "gw1");
	assert_int_equal(f->n_endpoints, 2);
	assert_string_equal(f->endpoints[0], "https://10.0.0.1:2379");
	assert_string_equal(f->endpoints[1], "http://[2001:db8::2]:2379");
	assert_null(f->endpoints[2]);
	assert_string_equal(f->ca_file, "/etc/ca.pem");
	assert_string_equal(f->cert_file, "/etc/gw1.pem");
	assert_string_equal(f->key_file, "/etc/gw1.key");
	assert_string_equal(f->user, "ahd");
	assert_string_equal(f->password_file, "/etc/pw");
	assert_int_equal(f->lease_ttl_s, 300);
	assert_int_equal(f->request_timeout_ms, 500);
	assert_int_equal(f->decision_timeout_ms, 500);
	assert_int_equal(f->on_store_loss, ON_STORE_LOSS_KEEP_ANNOUNCING);
	assert_string_equal(f->fingerprint_key_file, "/etc/fleet.key");
	assert_int_equal(f->n_fingerprint_files, 2);
	assert_string_equal(f->fingerprint_files[1], "/etc/x");

	assert_int_equal(cfg->services[0].on_drift, ON_DRIFT_DEGRADE);
	assert_int_equal(cfg->services[0].n_drift_files, 1);
	assert_string_equal(cfg->services[0].drift_files[0], "/etc/ppp/chap-secrets");
	assert_int_equal(cfg->services[1].on_drift, ON_DRIFT_WARN);
	assert_int_equal(cfg->services[1].n_drift_files, 2);
	assert_string_equal(cfg->services[1].drift_files[0], "/etc/ppp/chap-secrets");
	assert_string_equal(cfg->services[1].drift_files[1], "/etc/x");
	assert_int_equal(cfg->prefixes[0].min_announcers, 2);
	assert_int_equal(cfg->prefixes[1].min_announcers, 1);
	config_free(cfg);
	free(errors);
}

/* The fleet's defaults, the host name as node (printed by -p too). */
static void
config_test_fleet_defaults(void **state)
{
	static const char text[] = TOP ROUTER
		"\"service\": [ { \"name\": \"pptp\", \"probe\": [ { \"name\": \"control\", \"pptp-control\": {} } ] } ], "
		PREFIX ", \"fleet\": { \"name\": \"lab\", \"endpoint\": [\"http://127.0.0.1:2379\"] }" END;
	char *errors, *printed;
	struct config *cfg;
	const struct fleet_config *f;
	size_t len;
	FILE *out;

	(void)state;
	fake_host_name = "gw7.example.net";
	cfg = parse_bytes(text, strlen(text), &errors);
	fake_host_name = NULL;
	assert_string_equal(errors, "");
	assert_non_null(cfg);
	f = &cfg->fleet;
	assert_string_equal(f->node, "gw7.example.net");
	assert_null(f->ca_file);
	assert_null(f->cert_file);
	assert_null(f->key_file);
	assert_null(f->user);
	assert_null(f->password_file);
	assert_int_equal(f->lease_ttl_s, 10);
	assert_int_equal(f->request_timeout_ms, 1000);
	assert_int_equal(f->decision_timeout_ms, 2000);
	assert_int_equal(f->on_store_loss, ON_STORE_LOSS_DECIDE_ALONE);
	assert_string_equal(f->fingerprint_key_file, "/etc/anycast-healthd/fleet.key");
	assert_int_equal(f->n_fingerprint_files, 3);
	assert_string_equal(f->fingerprint_files[0], "/etc/ppp/chap-secrets");
	assert_string_equal(f->fingerprint_files[1], "/etc/ppp/pptpd-options");
	assert_string_equal(f->fingerprint_files[2], "/etc/pptpd.conf");
	assert_int_equal(cfg->services[0].on_drift, ON_DRIFT_WARN);
	assert_int_equal(cfg->services[0].n_drift_files, 3);
	assert_int_equal(cfg->prefixes[0].min_announcers, 1);

	out = open_memstream(&printed, &len);
	assert_non_null(out);
	assert_int_equal(config_print(cfg, out), 0);
	fclose(out);
	assert_non_null(strstr(printed, "\"node\": \"gw7.example.net\""));
	assert_non_null(strstr(printed, "\"min-announcers\": 1"));
	free(printed);
	config_free(cfg);
	free(errors);
}

/* Without a fleet section: nothing of the fleet, the same -p as before. */
static void
config_test_fleet_absent(void **state)
{
	char *errors;
	struct config *cfg = parse_bytes(minimal_json, strlen(minimal_json), &errors);

	(void)state;
	assert_non_null(cfg);
	assert_false(cfg->fleet.enabled);
	assert_null(cfg->fleet.name);
	assert_int_equal(cfg->fleet.n_endpoints, 0);
	assert_int_equal(cfg->services[0].on_drift, ON_DRIFT_WARN);
	assert_int_equal(cfg->services[0].n_drift_files, 0);
	assert_int_equal(cfg->prefixes[0].min_announcers, 1);
	assert_null(strstr(cfg->effective_json, "min-announcers"));
	assert_null(strstr(cfg->effective_json, "on-drift"));
	config_free(cfg);
	free(errors);
}

/* The hooks section into structs: argv, the event mask (every kind when
 * absent), the defaults; none without the section. */
static void
config_test_hooks(void **state)
{
	static const char text[] =
		"{ \"anycast-healthd:anycast-healthd\": {"
		" \"router\": { \"bird\": {} },"
		" \"service\": [ { \"name\": \"pptp\", \"probe\": [ { \"name\": \"c\", \"pptp-control\": {} } ] } ],"
		" \"prefix\": [ { \"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"pptp\"], \"bird\": { \"protocol\": \"anycast4\" } } ],"
		" \"hooks\": { \"max-running\": 2, \"hook\": ["
		"   { \"name\": \"page\", \"command\": [\"/usr/local/sbin/page\", \"--team\", \"vpn\"],"
		"     \"event\": [\"prefix\", \"router\"], \"timeout-ms\": 1500 },"
		"   { \"name\": \"all\", \"command\": [\"/bin/true\"] } ] } } }";
	char *errors;
	struct config *cfg = parse_bytes(text, strlen(text), &errors);
	const struct hook_config *h;

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(cfg->hooks.max_running, 2);
	assert_int_equal(cfg->hooks.n_hooks, 2);
	h = &cfg->hooks.hooks[0];
	assert_string_equal(h->name, "page");
	assert_int_equal(h->argc, 3);
	assert_string_equal(h->argv[0], "/usr/local/sbin/page");
	assert_string_equal(h->argv[2], "vpn");
	assert_null(h->argv[3]);
	assert_int_equal(h->events, (1u << STATUS_EVENT_PREFIX) | (1u << STATUS_EVENT_ROUTER));
	assert_int_equal(h->timeout_ms, 1500);
	assert_int_equal(h->queue_size, 64);
	h = &cfg->hooks.hooks[1];
	assert_int_equal(h->events, (1u << STATUS_EVENT__COUNT) - 1);
	assert_int_equal(h->timeout_ms, 10000);
	config_free(cfg);
	free(errors);
	cfg = parse_bytes(minimal_json, strlen(minimal_json), &errors);
	assert_non_null(cfg);
	assert_int_equal(cfg->hooks.n_hooks, 0);
	assert_null(cfg->hooks.hooks);
	assert_int_equal(cfg->hooks.max_running, 4);
	assert_null(strstr(cfg->effective_json, "hooks"));
	config_free(cfg);
	free(errors);
}

/* A host name that is no node name is refused, naming it. */
static void
config_test_fleet_bad_host_name(void **state)
{
	static const char text[] = TOP ROUTER
		"\"service\": [ { \"name\": \"pptp\", \"probe\": [ { \"name\": \"control\", \"pptp-control\": {} } ] } ], "
		PREFIX ", \"fleet\": { \"name\": \"lab\", \"endpoint\": [\"http://127.0.0.1:2379\"] }" END;
	char *errors;

	(void)state;
	fake_host_name = "gw_1";
	assert_null(parse_bytes(text, strlen(text), &errors));
	fake_host_name = NULL;
	assert_string_equal(errors, "mem.json: /anycast-healthd:anycast-healthd/fleet: node: the host name "
	    "\"gw_1\" cannot be the node name (a node name follows the host name rules: letters, digits "
	    "and '-' in dot-separated labels, no label starting or ending with '-'); set node\n");
	free(errors);
}

/* The fleet's own checks, beyond the schema. */
static void
config_test_fleet_errors(void **state)
{
	char *text, *errors;

	(void)state;
	assert_int_not_equal(asprintf(&text, TOP ROUTER FLEET_SERVICES FLEET_PREFIXES
	    "\"fleet\": { \"name\": \"lab\", \"node\": \"gw1\", \"request-timeout-ms\": 3000,"
	    " \"endpoint\": [\"http://10.0.0.1:2379/v3\", \"http://10.0.0.2:2379\", \"https://u:p@10.0.0.3\"] }"
	    END), -1);
	assert_null(parse_bytes(text, strlen(text), &errors));
	assert_string_equal(errors,
	    "mem.json: /anycast-healthd:anycast-healthd/fleet/endpoint[.='http://10.0.0.1:2379/v3']: an endpoint "
	    "is http:// or https:// and host[:port] only: no path, query or user (e.g. https://192.0.2.10:2379)\n"
	    "mem.json: /anycast-healthd:anycast-healthd/fleet/endpoint[.='https://u:p@10.0.0.3']: an endpoint "
	    "is http:// or https:// and host[:port] only: no path, query or user (e.g. https://192.0.2.10:2379)\n"
	    "mem.json: /anycast-healthd:anycast-healthd/fleet: decision-timeout-ms (2000) must not be less than "
	    "request-timeout-ms (3000)\n");
	free(errors);
	free(text);

	/* The fleet's per-service and per-prefix leaves need the section. */
	assert_int_not_equal(asprintf(&text, TOP ROUTER FLEET_SERVICES FLEET_PREFIXES "\"on-exit\": \"keep\"" END), -1);
	assert_null(parse_bytes(text, strlen(text), &errors));
	assert_string_equal(errors, "mem.json: /anycast-healthd:anycast-healthd/prefix[prefix='192.0.2.1/32']/"
	    "min-announcers: allowed only with a fleet section, which this file does not have\n");
	free(errors);
	free(text);
}

static void
config_test_names(void **state)
{
	(void)state;
	assert_string_equal(probe_kind_names[PROBE_KIND_PPTP_CONTROL], "pptp-control");
	assert_string_equal(probe_kind_names[PROBE_KIND_PROCESS], "process");
	assert_string_equal(on_exit_action_names[ON_EXIT_WITHDRAW], "withdraw");
	assert_string_equal(on_exit_action_names[ON_EXIT_KEEP], "keep");
	assert_string_equal(on_exit_action_names[ON_EXIT_DRAIN], "drain");
	assert_string_equal(router_kind_names[ROUTER_KIND_BIRD], "bird");
	assert_string_equal(on_drift_action_names[ON_DRIFT_WARN], "warn");
	assert_string_equal(on_drift_action_names[ON_DRIFT_DEGRADE], "degrade");
	assert_string_equal(on_store_loss_action_names[ON_STORE_LOSS_DECIDE_ALONE], "decide-alone");
	assert_string_equal(on_store_loss_action_names[ON_STORE_LOSS_KEEP_ANNOUNCING], "keep-announcing");
	assert_non_null(strstr(config_yang_module, "module anycast-healthd"));
	assert_string_equal(bird_pattern_names[BIRD_PATTERN_PROTOCOLS], "protocols");
	assert_string_equal(bird_pattern_names[BIRD_PATTERN_PREFIX_SETS], "prefix-sets");
}

/* router/bird/pattern: protocols by default; prefix-sets needs no
 * prefix/bird/protocol (one static protocol per family carries them all). */
static void
config_test_bird_pattern(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = config_load(TEST_SRCDIR "/tests/config/good/minimal.json", stderr);
	assert_non_null(cfg);
	assert_int_equal(cfg->router.bird_pattern, BIRD_PATTERN_PROTOCOLS);
	config_free(cfg);
	cfg = config_load(TEST_SRCDIR "/tests/config/good/bird-prefix-sets.json", stderr);
	assert_non_null(cfg);
	assert_int_equal(cfg->router.bird_pattern, BIRD_PATTERN_PREFIX_SETS);
	assert_int_equal(cfg->n_prefixes, 3);
	assert_null(cfg->prefixes[0].bird_protocol);
	assert_int_equal(cfg->prefixes[2].family, AF_INET6);
	config_free(cfg);
}

/* fast-interval-ms: 50 by default; the service's value is inherited by
 * every probe, even by the kinds with their own interval (pptp-gre); a
 * probe's own value wins; 0 is accepted (off). */
static void
config_test_fast_interval(void **state)
{
	char *errors;
	struct config *cfg = load_text(minimal_json, NULL, &errors);
	const struct service_config *s;

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(cfg->services[0].probes[0].fast_interval_ms, 50);
	config_free(cfg);
	free(errors);
	cfg = load_text("{ \"anycast-healthd:anycast-healthd\": {\n"
			"  \"router\": { \"bird\": {} },\n"
			"  \"service\": [ { \"name\": \"pptp\", \"fast-interval-ms\": 0, \"probe\": [\n"
			"    { \"name\": \"control\", \"pptp-control\": {} },\n"
			"    { \"name\": \"gre\", \"pptp-gre\": {} },\n"
			"    { \"name\": \"process\", \"fast-interval-ms\": 20,\n"
			"      \"process\": { \"pidfile\": \"/run/pptpd.pid\" } } ] } ],\n"
			"  \"prefix\": [ { \"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"pptp\"],\n"
			"    \"bird\": { \"protocol\": \"anycast4\" } } ] } }\n", NULL, &errors);
	assert_string_equal(errors, "");
	assert_non_null(cfg);
	s = &cfg->services[0];
	assert_int_equal(s->probes[0].fast_interval_ms, 0);
	assert_int_equal(s->probes[1].fast_interval_ms, 0);
	assert_int_equal(s->probes[1].interval_ms, 5000);
	assert_int_equal(s->probes[2].fast_interval_ms, 20);
	config_free(cfg);
	free(errors);
	assert_load_fails("{ \"anycast-healthd:anycast-healthd\": {\n"
			  "  \"router\": { \"bird\": {} },\n"
			  "  \"service\": [ { \"name\": \"pptp\", \"fast-interval-ms\": 9, \"probe\": [\n"
			  "    { \"name\": \"control\", \"pptp-control\": {} } ] } ],\n"
			  "  \"prefix\": [ { \"prefix\": \"192.0.2.1/32\", \"depends-on\": [\"pptp\"],\n"
			  "    \"bird\": { \"protocol\": \"anycast4\" } } ] } }\n",
			  "%s: /anycast-healthd:anycast-healthd/service[name='pptp']/fast-interval-ms: "
			  "Unsatisfied range - value \"9\" is out of the allowed range.\n");
}

static void
config_test_probe_equal(void **state)
{
	char *errors;
	struct config *a = load_text(full_json, NULL, &errors), *b;
	struct probe_config p, q;
	char other[] = "other";

	(void)state;
	free(errors);
	b = load_text(full_json, NULL, &errors);
	free(errors);
	assert_non_null(a);
	assert_non_null(b);

	/* Same file loaded twice: equal, though every string is a copy. */
	assert_true(config_probe_equal(&a->services[0].probes[0], &b->services[0].probes[0]));
	assert_true(config_probe_equal(&a->services[0].probes[1], &b->services[0].probes[1]));
	/* Different kinds. */
	assert_false(config_probe_equal(&a->services[0].probes[0], &b->services[0].probes[1]));

	/* Each field matters. */
	p = a->services[0].probes[0];
	q = p; q.interval_ms++;
	assert_false(config_probe_equal(&p, &q));
	q = p; q.timeout_ms++;
	assert_false(config_probe_equal(&p, &q));
	q = p; q.fast_interval_ms++;
	assert_false(config_probe_equal(&p, &q));
	q = p; q.rise++;
	assert_false(config_probe_equal(&p, &q));
	q = p; q.fall++;
	assert_false(config_probe_equal(&p, &q));
	q = p; q.name = other;
	assert_false(config_probe_equal(&p, &q));
	q = p; q.u.pptp_control.address = other;
	assert_false(config_probe_equal(&p, &q));
	q = p; q.u.pptp_control.port++;
	assert_false(config_probe_equal(&p, &q));
	q = p; q.u.pptp_control.echo = !q.u.pptp_control.echo;
	assert_false(config_probe_equal(&p, &q));
	q = p; q.u.pptp_control.host_name = other;
	assert_false(config_probe_equal(&p, &q));

	p = a->services[0].probes[1];
	q = p; q.u.process.pidfile = other;
	assert_false(config_probe_equal(&p, &q));
	/* An unset process-name differs from a set one. */
	q = p; q.u.process.process_name = NULL;
	assert_false(config_probe_equal(&p, &q));
	assert_false(config_probe_equal(&q, &p));
	p.u.process.process_name = NULL;
	assert_true(config_probe_equal(&p, &q));

	config_free(a);
	config_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_test_minimal_defaults),
		cmocka_unit_test(config_test_full_overrides),
		cmocka_unit_test(config_test_example_file),
		cmocka_unit_test(config_test_missing_file),
		cmocka_unit_test(config_test_empty_file),
		cmocka_unit_test(config_test_unknown_service),
		cmocka_unit_test(config_test_range),
		cmocka_unit_test(config_test_missing_kind_located),
		cmocka_unit_test(config_test_invalid_json_one_line),
		cmocka_unit_test(config_test_several_errors),
		cmocka_unit_test(config_test_print),
		cmocka_unit_test(config_test_free_null),
		cmocka_unit_test(config_test_bird_pattern),
		cmocka_unit_test(config_test_names),
		cmocka_unit_test(config_test_damping_and_exit_drain),
		cmocka_unit_test(config_test_fast_interval),
		cmocka_unit_test(config_test_probe_equal),
		cmocka_unit_test(config_test_hooks),
		cmocka_unit_test(config_test_fifo_refused),
		cmocka_unit_test(config_test_directory_refused),
		cmocka_unit_test(config_test_nul_byte),
		cmocka_unit_test(config_test_trailing_data),
		cmocka_unit_test(config_test_json_end),
		cmocka_unit_test(config_test_host_name_bytes),
		cmocka_unit_test(config_test_many_services),
		cmocka_unit_test(config_test_schema_reuse),
		cmocka_unit_test(config_test_fleet_full),
		cmocka_unit_test(config_test_fleet_defaults),
		cmocka_unit_test(config_test_fleet_absent),
		cmocka_unit_test(config_test_fleet_bad_host_name),
		cmocka_unit_test(config_test_fleet_errors),
		cmocka_unit_test(config_test_keepalived),
		cmocka_unit_test(config_test_keepalived_errors),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
