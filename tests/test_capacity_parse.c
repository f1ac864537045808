/*
 * test_capacity_parse.c - the capacity probe's pure readers
 * (capacity_parse.c), driven with plain bytes: real files' text, and
 * malformed ones (cut, huge numbers, missing fields, NUL bytes, no
 * trailing newline) with the reason each gives.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capacity_parse.h"

static uint64_t
pool(const char *list)
{
	uint64_t n = 12345;

	assert_int_equal(capacity_parse_pool(list, &n), 0);
	return n;
}

static void
capacity_parse_test_pool(void **state)
{
	uint64_t n;

	(void)state;
	assert_int_equal(pool("192.168.0.234-238,192.168.0.245"), 6);
	assert_int_equal(pool("10.0.0.1"), 1);
	assert_int_equal(pool(" 10.0.0.1 , 10.0.0.2 "), 2);
	assert_int_equal(pool("192.168.1.1-100"), 100);
	assert_int_equal(pool("10.0-3.0.1"), 4);		/* a range in another octet */
	assert_int_equal(pool("1-2.0.0.1,10.0.0.0-255"), 258);
	assert_int_equal(pool("10.0.0.9-5"), 0);		/* pptpd assigns none */
	assert_int_equal(pool("vpn-pool.example.com"), 1);	/* resolved by pptpd */
	assert_int_equal(capacity_parse_pool("10.0.0.300", &n), -1);
	assert_int_equal(capacity_parse_pool("10.0.0.1-300", &n), -1);
	assert_int_equal(capacity_parse_pool("10.0.0.1-2-3", &n), -1);
	assert_int_equal(capacity_parse_pool("10.0.0-1", &n), -1);
	assert_int_equal(capacity_parse_pool("10.0.0.1.5-6", &n), -1);
	assert_int_equal(capacity_parse_pool("", &n), -1);
	assert_int_equal(capacity_parse_pool("10.0.0.1,,10.0.0.2", &n), -1);
	assert_int_equal(capacity_parse_pool("10.0.0.1;rm", &n), -1);
}

/* The reason capacity_parse_conf gives for the first len bytes of text. */
static const char *
conf_fails(const char *text, size_t len)
{
	const char *why = NULL;
	uint64_t n = 12345;

	assert_int_equal(capacity_parse_conf(text, len, &n, &why), -1);
	assert_int_equal(n, 12345);
	assert_non_null(why);
	return why;
}

static uint64_t
conf(const char *text)
{
	uint64_t n = 12345;

	const char *why = NULL;

	assert_int_equal(capacity_parse_conf(text, strlen(text), &n, &why), 0);
	return n;
}

static void
capacity_parse_test_conf(void **state)
{

	(void)state;
	/* the example of pptpd.conf(5) */
	assert_int_equal(conf("# TAG: remoteip\n"
			      "#remoteip 192.168.1.1-254\n"
			      "option /etc/ppp/pptpd-options\n"
			      "localip 192.168.0.1\n"
			      "remoteip 192.168.0.234-238,192.168.0.245\n"), 6);
	/* pptpd's defaults: connections 100, pools of 100 */
	assert_int_equal(conf(""), 100);
	assert_int_equal(conf("connections 4\nremoteip 10.0.0.1-200\n"), 4);
	assert_int_equal(conf("connections 0\nremoteip 10.0.0.1-200\n"), 100);
	assert_int_equal(conf("connections 500\nremoteip 10.0.0.1-200\n"), 100);	/* localip */
	assert_int_equal(conf("connections 500\nlocalip 10.1.0.1\nremoteip 10.0.0.1-200\n"), 200);
	/* with delegate, only connections limits */
	assert_int_equal(conf("delegate\nconnections 300\nremoteip 10.0.0.1-2\n"), 300);
	/* several local addresses limit too; a single one is shared */
	assert_int_equal(conf("localip 10.1.0.1-3\nremoteip 10.0.0.1-10\n"), 3);
	assert_int_equal(conf("localip 10.1.0.1\nremoteip 10.0.0.1-10\n"), 10);
	/* the first line counts; comments after the value; CRLF */
	assert_int_equal(conf("remoteip 10.0.0.1-10 # pool\nremoteip 10.0.0.1-20\n"), 10);
	assert_int_equal(conf("remoteip 10.0.0.1-7\r\n"), 7);
	/* an indented line is not read by pptpd; nor a longer keyword */
	assert_int_equal(conf(" remoteip 10.0.0.1-10\nremoteipx 1.1.1.1\n"), 100);
	/* pptpd's atoi: no number is the default */
	assert_int_equal(conf("connections many\nremoteip 10.0.0.1-200\n"), 100);
	assert_int_equal(conf("connections -3\nremoteip 10.0.0.1-200\n"), 100);
	/* no trailing newline */
	assert_int_equal(conf("remoteip 10.0.0.1-9"), 9);
	assert_string_equal(conf_fails("remoteip 10.0.0.999\n", 20),
			    "remoteip: an entry is not an address, a name or a range");
	assert_string_equal(conf_fails("localip 10.0.0.1-2-3\n", 21),
			    "localip: an entry is not an address, a name or a range");
	assert_string_equal(conf_fails("connections 99999999999999999999\n", 33),
			    "connections: number too large");
	assert_string_equal(conf_fails("connections 2147483648\n", 23),
			    "connections: number too large");
	assert_string_equal(conf_fails("remoteip 10.0.0.1-9\n\0remoteip 1\n", 33),
			    "holds a NUL byte");
}

/* A value longer than pptpd would read whole is not cut into another pool. */
static void
capacity_parse_test_conf_long_value(void **state)
{
	char *text = malloc(8192);
	size_t n;

	(void)state;
	n = (size_t)snprintf(text, 8192, "remoteip ");
	while (n < 5000)
		n += (size_t)snprintf(text + n, 8192 - n, "10.0.0.1,");
	n += (size_t)snprintf(text + n, 8192 - n, "10.0.0.2\n");
	assert_string_equal(conf_fails(text, n), "remoteip: value too long");
	free(text);
}

static int
stat_line(const char *text, struct capacity_stat *st)
{
	const char *why = NULL;

	return capacity_parse_stat(text, strlen(text), st, &why);
}

static const char *
stat_fails(const char *text)
{
	struct capacity_stat st;
	const char *why = NULL;

	assert_int_equal(capacity_parse_stat(text, strlen(text), &st, &why), -1);
	assert_non_null(why);
	return why;
}

static void
capacity_parse_test_stat(void **state)
{
	struct capacity_stat st;

	(void)state;
	assert_int_equal(stat_line("5001 (pptpctrl) S 4242 5001 5001 0 -1 4194560 "
				   "100 0 0 0 0 0 0 0 20 0 1 0 1234\n", &st), 0);
	assert_int_equal(st.ppid, 4242);
	assert_int_equal(st.state, 'S');
	assert_string_equal(st.comm, "pptpctrl");
	/* comm may hold spaces and parentheses: the last ')' ends it */
	assert_int_equal(stat_line("7 (a b) c)) R 1 7 7", &st), 0);
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.state, 'R');
	assert_string_equal(st.comm, "a b) c)");
	/* cut to the buffer; no trailing newline; ends right after the ppid */
	assert_int_equal(stat_line("7 (0123456789abcdef0123456789abcdef0123456789abcdef"
				   "0123456789abcdefXYZ) Z 2", &st), 0);
	assert_int_equal(strlen(st.comm), sizeof(st.comm) - 1);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.ppid, 2);
}

static void
capacity_parse_test_stat_malformed(void **state)
{
	(void)state;
	assert_string_equal(stat_fails("garbage"), "no (COMM)");
	assert_string_equal(stat_fails("12 )x( S 1"), "no (COMM)");
	assert_string_equal(stat_fails("12 (x) S"), "no state after (COMM)");
	assert_string_equal(stat_fails("12 (x)"), "no state after (COMM)");
	assert_string_equal(stat_fails("12 (x)  S 1"), "no state after (COMM)");
	assert_string_equal(stat_fails("12 (x) S x"), "parent pid not a number");
	assert_string_equal(stat_fails("12 (x) S -1 "), "parent pid not a number");
	assert_string_equal(stat_fails("12 (x) S 1x 2"), "parent pid not a number");
	/* a pid past the kernel's, or one that would wrap a pid_t */
	assert_string_equal(stat_fails("12 (x) S 4194305 1"), "parent pid too large");
	assert_string_equal(stat_fails("12 (x) S 4294967297 1"), "parent pid too large");
	assert_string_equal(stat_fails("12 (x) S 99999999999999999999999 1"),
			    "parent pid too large");
}

/* A NUL in the middle: the length, not the NUL, ends the text. */
static void
capacity_parse_test_stat_nul(void **state)
{
	static const char text[] = "12 (a\0b) S 7 1";
	struct capacity_stat st;
	const char *why = NULL;

	(void)state;
	assert_int_equal(capacity_parse_stat(text, sizeof(text) - 1, &st, &why), 0);
	assert_int_equal(st.ppid, 7);
	assert_memory_equal(st.comm, "a\0b", 4);
	/* cut before the ppid */
	assert_int_equal(capacity_parse_stat(text, 10, &st, &why), -1);
	assert_string_equal(why, "no state after (COMM)");
}

static const char limits_text[] =
	"Limit                     Soft Limit           Hard Limit           Units     \n"
	"Max cpu time              unlimited            unlimited            seconds   \n"
	"Max open files            1024                 524288               files     \n"
	"Max locked memory         8388608              8388608              bytes     \n";

static const char *
limits_fails(const char *text, size_t len)
{
	uint64_t soft = 7;
	const char *why = NULL;

	assert_int_equal(capacity_parse_limits(text, len, &soft, &why), -1);
	assert_int_equal(soft, 7);
	assert_non_null(why);
	return why;
}

static void
capacity_parse_test_limits(void **state)
{
	static const char unlimited[] = "Max open files            unlimited            "
		"unlimited            files";
	uint64_t soft = 0;
	const char *why = NULL;

	(void)state;
	assert_int_equal(capacity_parse_limits(limits_text, strlen(limits_text), &soft, &why), 0);
	assert_int_equal(soft, 1024);
	/* no trailing newline */
	assert_int_equal(capacity_parse_limits(unlimited, strlen(unlimited), &soft, &why), 0);
	assert_true(soft == CAPACITY_PARSE_UNLIMITED);
	assert_int_equal(capacity_parse_limits("Max open files 18446744073709551614 x", 37, &soft,
					       &why), 0);
	assert_true(soft == UINT64_MAX - 1);
	assert_string_equal(limits_fails("Max cpu time 5 5 seconds\n", 25),
			    "no \"Max open files\" line");
	assert_string_equal(limits_fails("", 0), "no \"Max open files\" line");
	assert_string_equal(limits_fails("Max open files  x\n", 18), "Max open files: no soft limit");
	assert_string_equal(limits_fails("Max open files  12x 5\n", 22),
			    "Max open files: no soft limit");
	assert_string_equal(limits_fails("Max open files  -1 5\n", 21),
			    "Max open files: no soft limit");
	assert_string_equal(limits_fails("Max open files  18446744073709551616 5\n", 39),
			    "Max open files: no soft limit");
	/* cut inside the name; a NUL before the number */
	assert_string_equal(limits_fails("Max open files 1024\n", 10), "no \"Max open files\" line");
	assert_string_equal(limits_fails("Max open files \0 1024\n", 22),
			    "Max open files: no soft limit");
}

static void
capacity_parse_test_counter(void **state)
{
	uint64_t v = 0;
	const char *why = NULL;

	(void)state;
	assert_int_equal(capacity_parse_counter("262144\n", 7, &v, &why), 0);
	assert_int_equal(v, 262144);
	assert_int_equal(capacity_parse_counter("3000", 4, &v, &why), 0);	/* no newline */
	assert_int_equal(v, 3000);
	assert_int_equal(capacity_parse_counter("18446744073709551615", 20, &v, &why), 0);
	assert_true(v == UINT64_MAX);
	v = 7;
	assert_int_equal(capacity_parse_counter("", 0, &v, &why), -1);
	assert_string_equal(why, "empty");
	assert_int_equal(capacity_parse_counter("\n", 1, &v, &why), -1);
	assert_string_equal(why, "not a number");
	assert_int_equal(capacity_parse_counter("-1\n", 3, &v, &why), -1);
	assert_string_equal(why, "not a number");
	assert_int_equal(capacity_parse_counter("18446744073709551616\n", 21, &v, &why), -1);
	assert_string_equal(why, "number too large");
	assert_int_equal(capacity_parse_counter("12 34\n", 6, &v, &why), -1);
	assert_string_equal(why, "not a number alone");
	assert_int_equal(capacity_parse_counter("12\n\n", 4, &v, &why), -1);
	assert_string_equal(why, "not a number alone");
	assert_int_equal(capacity_parse_counter("12\0", 3, &v, &why), -1);
	assert_string_equal(why, "not a number alone");
	assert_int_equal(v, 7);
}

/* The kernel prints addresses as it stores them: the lines below were taken
 * on a little-endian host. */
static bool
big_endian(void)
{
	return htonl(1) == 1;
}

static void
assert_endpoint(const struct capacity_endpoint *e, const char *addr, unsigned port)
{
	uint8_t want[16] = { 0 };
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(family, addr, want), 1);
	assert_int_equal(e->family, family);
	assert_memory_equal(e->addr, want, sizeof(want));
	assert_int_equal(e->port, port);
}

static const char good[] = "   2: 0100007F:06BB 0100007F:CAC0 01 00000000:00000000"
	" 00:00000000 00000000 0 0 1";
static const char with_nul[] = "   2: 0100007F:06BB 0100007F:CAC0 01 00000000:00000000"
	" 00:00000000 00000000 0 0 1\0 2\n";

static int
tcp_line(const char *line, struct capacity_tcp *t)
{
	return capacity_parse_tcp(line, strlen(line), t);
}

static void
capacity_parse_test_tcp(void **state)
{
	struct capacity_tcp t;

	(void)state;
	if (big_endian())
		skip();
	/* a pptpctrl's connection, from its /proc/PID/net/tcp */
	assert_int_equal(tcp_line(
		"   2: 0100007F:06BB 0100007F:CAC0 01 00000000:00000000 00:00000000 00000000     0"
		"        0 905918 1 000000001cc87d64 20 4 31 11 -1                   \n", &t), 0);
	assert_endpoint(&t.local, "127.0.0.1", 1723);
	assert_endpoint(&t.remote, "127.0.0.1", 51904);
	assert_int_equal(t.state, 1);
	assert_int_equal(t.inode, 905918);
	/* a listener, lower-case hex and no trailing newline */
	assert_int_equal(tcp_line(
		"   0: 00000000:06bb 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0"
		"        0 905793 1 00000000481fe50e 100 0 0 10 0", &t), 0);
	assert_endpoint(&t.local, "0.0.0.0", 1723);
	assert_endpoint(&t.remote, "0.0.0.0", 0);
	assert_int_equal(t.state, 10);
	assert_int_equal(t.inode, 905793);
	/* TIME_WAIT: no process holds it, inode 0 */
	assert_int_equal(tcp_line(
		"   5: 0100007F:23DC 0100007F:89F8 06 00000000:00000000 03:000016AE 00000000     0"
		"        0 0 3 000000009afece3b\n", &t), 0);
	assert_int_equal(t.state, 6);
	assert_int_equal(t.inode, 0);
	/* tcp6: ::1, a global address, and a v4-mapped one given as IPv4 */
	assert_int_equal(tcp_line(
		"   2: 00000000000000000000000001000000:AF8F 00000000000000000000000001000000:990A"
		" 01 00000000:00000000 00:00000000 00000000     0        0 1754227 1 00000000d9a2b071"
		" 20 0 0 10 -1\n", &t), 0);
	assert_endpoint(&t.local, "::1", 44943);
	assert_endpoint(&t.remote, "::1", 39178);
	assert_int_equal(t.inode, 1754227);
	assert_int_equal(tcp_line(
		"   7: B80D0120000000000000000001000000:06BB B80D0120000000000000000007000000:9C42"
		" 01 00000000:00000000 00:00000000 00000000   105        0 77 1 0000000000000000"
		" 20 0 0 10 -1\n", &t), 0);
	assert_endpoint(&t.local, "2001:db8::1", 1723);
	assert_endpoint(&t.remote, "2001:db8::7", 40002);
	assert_int_equal(t.inode, 77);
	assert_int_equal(tcp_line(
		"   3: 0000000000000000FFFF00000100007F:C1AF 0000000000000000FFFF00000100007F:BD52"
		" 01 00000000:00000000 00:00000000 00000000     0        0 1754230 1 000000008ca3523d"
		" 20 0 0 10 -1\n", &t), 0);
	assert_endpoint(&t.local, "127.0.0.1", 49583);
	assert_endpoint(&t.remote, "127.0.0.1", 48466);
	/* not socket lines */
	assert_int_equal(tcp_line(
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid"
		"  timeout inode\n", &t), -1);
	assert_int_equal(tcp_line("", &t), -1);
	assert_int_equal(tcp_line("\n", &t), -1);
	assert_int_equal(tcp_line("   2: 0100007F:06BB\n", &t), -1);
	assert_int_equal(tcp_line("   2: 0100007F:06BB 0100007F:CAC0 01\n", &t),
			 -1);
	assert_int_equal(tcp_line(	/* no inode */
		"   2: 0100007F:06BB 0100007F:CAC0 01 00000000:00000000 00:00000000 00000000 0 0\n",
		&t), -1);
	assert_int_equal(tcp_line(	/* inode not a number */
		"   2: 0100007F:06BB 0100007F:CAC0 01 00000000:00000000 00:00000000 00000000 0 0 x1\n",
		&t), -1);
	assert_int_equal(tcp_line(	/* not hex */
		"   2: 0100007G:06BB 0100007F:CAC0 01 00000000:00000000 00:00000000 00000000 0 0 1\n",
		&t), -1);
	assert_int_equal(tcp_line(	/* 7 digits */
		"   2: 100007F:06BB 0100007F:CAC0 01 00000000:00000000 00:00000000 00000000 0 0 1\n",
		&t), -1);
	assert_int_equal(tcp_line(	/* 3-digit port */
		"   2: 0100007F:6BB 0100007F:CAC0 01 00000000:00000000 00:00000000 00000000 0 0 1\n",
		&t), -1);
	assert_int_equal(tcp_line(	/* 5-digit port */
		"   2: 0100007F:006BB 0100007F:CAC0 01 00000000:00000000 00:00000000 00000000 0 0 1\n",
		&t), -1);
	assert_int_equal(tcp_line(	/* 1-digit state */
		"   2: 0100007F:06BB 0100007F:CAC0 1 00000000:00000000 00:00000000 00000000 0 0 1\n",
		&t), -1);
	assert_int_equal(tcp_line(	/* no "sl:" */
		"0100007F:06BB 0100007F:CAC0 01 00000000:00000000 00:00000000 00000000 0 0 1\n",
		&t), -1);
	assert_int_equal(tcp_line(	/* 16-digit address */
		"   2: 000000000100007F:06BB 0100007F:CAC0 01 00000000:00000000 00:00000000 00000000"
		" 0 0 1\n", &t), -1);
	/* a NUL byte, a cut line, an inode past 64 bits, a line over 511 bytes */
	assert_int_equal(capacity_parse_tcp(with_nul, sizeof(with_nul) - 1, &t), -1);
	assert_int_equal(capacity_parse_tcp(with_nul, 40, &t), -1);
	assert_int_equal(tcp_line("   2: 0100007F:06BB 0100007F:CAC0 01 00000000:00000000"
				  " 00:00000000 00000000 0 0 18446744073709551616\n", &t), -1);
	{
		char big[600];

		memset(big, ' ', sizeof(big));
		memcpy(big, good, strlen(good));
		assert_int_equal(capacity_parse_tcp(big, sizeof(big), &t), -1);
		assert_int_equal(capacity_parse_tcp(big, 200, &t), 0);
	}
}

static void
capacity_parse_test_socket_link(void **state)
{
	uint64_t inode = 0;

	(void)state;
	assert_int_equal(capacity_parse_socket_link("socket:[905918]", &inode), 0);
	assert_int_equal(inode, 905918);
	assert_int_equal(capacity_parse_socket_link("pipe:[905918]", &inode), -1);
	assert_int_equal(capacity_parse_socket_link("/dev/null", &inode), -1);
	assert_int_equal(capacity_parse_socket_link("anon_inode:[eventfd]", &inode), -1);
	assert_int_equal(capacity_parse_socket_link("socket:[]", &inode), -1);
	assert_int_equal(capacity_parse_socket_link("socket:[12", &inode), -1);
	assert_int_equal(capacity_parse_socket_link("socket:[12]x", &inode), -1);
	assert_int_equal(capacity_parse_socket_link("socket:[-1]", &inode), -1);
}


int
main(void)
{
#define P(name) cmocka_unit_test(capacity_parse_test_##name)
	const struct CMUnitTest tests[] = {
		P(pool),
		P(conf),
		P(conf_long_value),
		P(stat),
		P(stat_malformed),
		P(stat_nul),
		P(limits),
		P(counter),
		P(tcp),
		P(socket_link),
	};
#undef P

	return cmocka_run_group_tests_name("capacity_parse", tests, NULL, NULL);
}
