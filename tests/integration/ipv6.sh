#!/bin/bash
# ipv6.sh - an IPv6 anycast prefix beside the IPv4 one, in the namespaced
# lab (tests/lab/lab.sh + lab-ipv6.sh): the real daemon against the real
# gateway router (BIRD 2, then FRR) with an IPv6 eBGP session to the
# upstream BIRD.  Every routing claim is read at the UPSTREAM's RIB
# (ribwatch on 2001:db8:a::1/128, `show route all` for its attributes).
#
#   0  the shipped snippets parse (etc/bird-anycast.conf with every example
#      block uncommented, etc/bird-upstream-example.conf: `bird -p`;
#      etc/frr-anycast.conf: `vtysh -C`); lab up with both sessions; the
#      config validates; both prefixes absent before the daemon runs
#   1  healthy: both prefixes announced, the IPv6 one with AS path 65001
#   2  health: pptpd SIGKILL -> both withdrawn; restart -> both announced
#   3  degraded: a held PPTP connection fills the capacity probe's one
#      session: the IPv6 route turns to AS path 65001 65001 65001 (BIRD:
#      the twin anycast6_degraded; FRR: `network P route-map DRAIN` under
#      address-family ipv6) without ever leaving; the IPv4 one (not
#      depending on capacity) stays 65001; released -> 65001 again
#   4  drain: `anycast-healthctl drain 2001:db8:a::1/128`: the upstream sees
#      (65535,0) and the prepends, the IPv4 route stays plain; withdrawn
#      drain-time-s (3 s) later; resume -> the plain route
#      (1-4 also: no drift line, the read-back agreed with each state)
#   5  drift: the IPv6 prefix withdrawn by hand at the router (`birdc
#      disable anycast6`; vtysh `no network` under address-family ipv6
#      unicast) is set right within 3.5 s, with one drift line
# for each router of ROUTERS ("bird frr").  One line per check, then `N
# passed, N failed`; exit 1 on any failure.  IPV6_TOTALS=FILE: write
# "PASSED FAILED" there.
#
# Usage (root): tests/integration/ipv6.sh [BUILDDIR]; LAB_KEEP=1 keeps the
# lab directory.

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/../lab/lab-ipv6.sh"
. "$HERE/../lab/lab-probes.sh"
. "$HERE/checks.sh"

START=$EPOCHREALTIME
ROUTERS=${ROUTERS:-bird frr}
BUILDDIR=$1
P6=$LAB_PREFIX6
P4=$LAB_PREFIX	# fixed: LAB_PREFIX is the IPv6 one while v6_measure runs
PLAIN="65001"
LONG="65001 65001 65001"
GSHUT="(65535,0)"
DRAIN_S=3
DRIFT_RE='(BIRD has|bgpd has it) [a-z]+, want [a-z]+: re-asserting'

# ctl ARGS: the CLI on the admin socket inside the gateway; $OUT, $RC.
ctl() { OUT=$(ip netns exec "$NS_GW" timeout 15 "$CTL" --socket "$LAB/gw/admin.sock" "$@" 2>&1); RC=$?; }

# The upstream's IPv4 route's AS path (the prefix beside).
v4_as_path()
{
	up_birdc show route all "$P4" 2>/dev/null |
		awk '$1 == "BGP.as_path:" { $1 = ""; sub(/^ +/, ""); print; exit }'
}

v6_desc() { echo "as_path '$(v6_route_attr BGP.as_path)' community '$(v6_route_attr BGP.community)'"; }
v6_plain() { v6_attr_is BGP.as_path "$PLAIN" && v6_attr_is BGP.community ""; }
v6_drained() { v6_attr_is BGP.as_path "$LONG" && v6_attr_is BGP.community "$GSHUT"; }

# v6_measure WANT LIMIT_MS ACTION...: lab_measure on the IPv6 prefix.
v6_measure() { LAB_PREFIX=$P6 lab_measure "$@"; }
v6_expect_change() { LAB_PREFIX=$P6 expect_change "$@"; }

# v6_drift: withdraw the IPv6 prefix by hand at the router and watch the
# upstream for 6 s (ribwatch, every change): $DRIFT_GONE and $DRIFT_BACK are
# the ms from the hand change to the prefix leaving and coming back (empty
# when not seen; BACK only when within 3.5 s), $DRIFT_LINES what was seen.
# One watch for both changes: the daemon's read-back (every 2 s) may set it
# right before a second watch would have started.
v6_drift()
{
	local out=$LAB/drift.$RANDOM pid t0 ta tp
	DRIFT_GONE= DRIFT_BACK=
	"$RIBWATCH" -t 6000 "$LAB/up/bird.ctl" "$P6" >"$out" 2>&1 &
	pid=$!
	wait_until 5000 test -s "$out"
	t0=$EPOCHREALTIME
	v6_hand_withdraw
	wait_until 5000 awk '$3 == "absent" { a = 1 } a && $3 == "present" { f = 1 } END { exit !f }' "$out"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ta=$(awk '$3 == "absent" && $4 == "" { print $1; exit }' "$out")
	tp=$(awk '$3 == "absent" { a = 1 } a && $3 == "present" { print $1; exit }' "$out")
	[ -n "$ta" ] && DRIFT_GONE=$(lab_ms_between "$t0" "$ta")
	[ -n "$tp" ] && DRIFT_BACK=$(lab_ms_between "$t0" "$tp")
	[ -n "$DRIFT_BACK" ] && ! awk -v m="$DRIFT_BACK" 'BEGIN { exit !(m <= 3500) }' && DRIFT_BACK=
	DRIFT_LINES=$(tr '\n' ';' <"$out")
	rm -f "$out"
}

drift_lines_since() { tail -n +"$(($1 + 1))" "$LAB/daemon.log" | grep -Ec -- "$DRIFT_RE"; }

# The hand change at the router, for the IPv6 prefix.
v6_hand_withdraw()
{
	case "$LAB_ROUTER" in
	frr) gw_vtysh -c 'configure terminal' -c "router bgp $LAB_ASN" \
		-c 'address-family ipv6 unicast' -c "no network $P6" >/dev/null ;;
	*) gw_birdc disable anycast6 >/dev/null ;;
	esac
}

# snippets_parse: the shipped etc/ files as routers read them.  The BIRD
# gateway snippet's examples are commented out (the sessions are the
# user's): uncomment every block (lines "#<TAB>..." and "# protocol/filter
# NAME {", "# {", "# }") and point the include at a state file defining
# every constant, then `bird -p`.
snippets_parse()
{
	local d=$LAB/snippets etc=$top_srcdir/etc c
	mkdir -p "$d"
	for c in ANYCAST4_OFF ANYCAST4_DEGRADED_OFF ANYCAST4_DRAIN_OFF \
	    ANYCAST6_OFF ANYCAST6_DEGRADED_OFF ANYCAST6_DRAIN_OFF; do
		echo "define $c = 1;"
	done >"$d/state.conf"
	sed -E -e "s|/run/anycast-healthd/bird-state.conf|$d/state.conf|" -e 's/^#\t/\t/' \
	    -e 's/^# (protocol [a-z0-9_]+ [a-z0-9_]+ \{|filter [a-z0-9_]+|\{|\})$/\1/' \
	    "$etc/bird-anycast.conf" >"$d/gw.conf"
	printf 'router id 10.99.0.1;\ninclude "%s";\n' "$d/gw.conf" >"$d/gw-main.conf"
	printf 'router id 10.99.0.2;\ninclude "%s";\n' "$etc/bird-upstream-example.conf" >"$d/up-main.conf"
	SNIP_ERR=
	SNIP_N=$(grep -Ec '^(protocol|filter) ' "$d/gw.conf")
	bird -p -c "$d/gw-main.conf" 2>&1 || SNIP_ERR="bird-anycast.conf"
	bird -p -c "$d/up-main.conf" 2>&1 || SNIP_ERR="$SNIP_ERR bird-upstream-example.conf"
	vtysh -C -f "$etc/frr-anycast.conf" 2>&1 || SNIP_ERR="$SNIP_ERR frr-anycast.conf"
	[ -z "$SNIP_ERR" ]
}

run_router()
{
	local T=$1 mark
	LAB_ROUTER=$1
	lab_init "$BUILDDIR" || { not_ok "$T lab init" "see above"; return; }
	probes_init || { not_ok "$T lab init (probes helpers)" "see above"; return; }
	CTL=${CTL:-$top_builddir/anycast-healthctl}
	if ! v6_lab_up; then
		not_ok "$T 0 lab up: IPv4 and IPv6 sessions established" "see above"
		lab_down
		return
	fi
	ok "$T 0 lab up: IPv4 and IPv6 sessions established"
	if [ "$T" = "${ROUTERS%% *}" ]; then
		OUT=$(snippets_parse)
		check "0 shipped snippets parse (bird -p: etc/bird-anycast.conf, $SNIP_N blocks uncommented, and the upstream example; vtysh -C: etc/frr-anycast.conf)" \
		    "$SNIP_ERR: $(printf '%s' "$OUT" | tr '\n' ' ')" snippets_parse
	fi
	CONF=$LAB/daemon.json
	v6_write_config "$CONF"
	check "$T 0 config with both prefixes validates (-n)" \
	    "$(ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF" 2>&1 | head -n 3)" \
	    ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF"
	check "$T 0 IPv6 prefix absent at the upstream before the daemon runs" "present" v6_wait absent 1000

	# 1. healthy
	lab_start_daemon "$CONF" || { not_ok "$T 1 daemon starts" "$(tail -n 5 "$LAB/daemon.log")"; lab_down; return; }
	check "$T 1 IPv6 prefix announced at the upstream" "not present within 15 s" v6_wait present 15000
	check "$T 1 ... IPv4 prefix beside it" "not present" wait_for_upstream present 3000
	check "$T 1 ... IPv6 route's AS path $PLAIN, no community" "$(v6_desc)" wait_until 3000 v6_plain

	# 2. health
	v6_expect_change "$T 2 pptpd SIGKILL: IPv6 prefix withdrawn" absent 5000 pptpd_kill
	check "$T 2 ... and the IPv4 one" "still present" wait_for_upstream absent 3000
	v6_expect_change "$T 2 pptpd restarted: IPv6 prefix announced" present 10000 pptpd_start
	check "$T 2 ... and the IPv4 one" "not present" wait_for_upstream present 3000

	# 3. degraded
	lab_watch_start 60000 || not_ok "$T 3 (setup) ribwatch" "did not start"
	LAB_WATCH_PID6=$LAB_WATCH_PID LAB_WATCH_OUT6=$LAB_WATCH_OUT
	mark=$(daemon_log_lines)
	LAB_PREFIX=$P6 lab_watch_start 60000 || not_ok "$T 3 (setup) ribwatch on $P6" "did not start"
	check "$T 3 one PPTP control connection held (capacity 1/1)" "see above" probes_hold_start
	check "$T 3 ... IPv6 route turns to AS path '$LONG' (degraded)" "$(v6_desc)" \
	    v6_wait_attr BGP.as_path "$LONG" 8000
	check "$T 3 ... daemon log: cap: UP -> DEGRADED" "no such line" wait_for_log 'cap: UP -> DEGRADED' 1000 "$mark"
	check "$T 3 ... the IPv4 route keeps AS path $PLAIN" "got '$(v4_as_path)'" test "$(v4_as_path)" = "$PLAIN"
	probes_hold_stop
	check "$T 3 connection closed: IPv6 route back to AS path $PLAIN" "$(v6_desc)" \
	    v6_wait_attr BGP.as_path "$PLAIN" 8000
	if lab_watch_stop; then
		ok "$T 3 ... the IPv6 prefix never left the upstream meanwhile"
	else
		not_ok "$T 3 ... the IPv6 prefix never left the upstream meanwhile" "$LAB_WATCH_LINES"
	fi
	LAB_WATCH_PID=$LAB_WATCH_PID6 LAB_WATCH_OUT=$LAB_WATCH_OUT6
	if lab_watch_stop; then
		ok "$T 3 ... nor did the IPv4 one"
	else
		not_ok "$T 3 ... nor did the IPv4 one" "$LAB_WATCH_LINES"
	fi

	# 4. drain
	DRAIN_SEEN=
	drain_action()
	{
		local t0=$EPOCHREALTIME
		ctl drain "$P6"
		DRAIN_OUT=$OUT DRAIN_RC=$RC
		wait_until 2000 v6_drained && DRAIN_SEEN=$(lab_ms_between "$t0" "$EPOCHREALTIME")
		DRAIN_DESC=$(v6_desc) DRAIN_V4=$(v4_as_path)
		ctl status
		DRAIN_STATUS=$OUT
	}
	if v6_measure absent $(((DRAIN_S + 3) * 1000)) drain_action; then
		ok "$T 4 drain: the IPv6 prefix left the upstream $LAB_MS ms after the drain"
		check "$T 4 ... after drain-time-s ($DRAIN_S s), not before" "$LAB_MS ms" \
		    awk -v m="$LAB_MS" -v d="$DRAIN_S" 'BEGIN { exit !(m >= d * 1000 - 50) }'
	else
		not_ok "$T 4 drain: the IPv6 prefix left the upstream after drain-time-s" "$LAB_ERR"
		v6_wait absent 10000
	fi
	check "$T 4 ... anycast-healthctl drain $P6: ok" "exit $DRAIN_RC: $DRAIN_OUT" \
	    eval '[ "$DRAIN_RC" = 0 ] && printf "%s\n" "$DRAIN_OUT" | grep -q "^drain $P6: ok"'
	check "$T 4 ... meanwhile the upstream saw community $GSHUT and AS path '$LONG' (${DRAIN_SEEN:-?} ms after the drain)" \
	    "$DRAIN_DESC" test -n "$DRAIN_SEEN"
	check "$T 4 ... while the IPv4 route stayed plain ($PLAIN)" "got '$DRAIN_V4'" test "$DRAIN_V4" = "$PLAIN"
	check "$T 4 ... meanwhile anycast-healthctl status said draining/draining for $P6" \
	    "$(printf '%s\n' "$DRAIN_STATUS" | grep -F "$P6")" \
	    eval 'printf "%s\n" "$DRAIN_STATUS" | grep -Eq "^$P6 +draining +draining +1/2 +drain"'
	v6_expect_change "$T 4 resume: the IPv6 prefix back" present 5000 ctl resume "$P6"
	check "$T 4 ... plain again: AS path $PLAIN, no community" "$(v6_desc)" wait_until 3000 v6_plain

	# The read-back agreed with every state applied so far (announced,
	# degraded, draining, withdrawn): no drift line before the hand change.
	n=$(drift_lines_since 0)
	check "$T 1-4 the daemon's read-back agreed with each state it applied (no drift line)" \
	    "found $n: $(grep -E -- "$DRIFT_RE" "$LAB/daemon.log" | head -n 3 | tr '\n' '|')" test "$n" = 0

	# 5. drift
	mark=$(daemon_log_lines)
	v6_drift
	if [ -n "$DRIFT_BACK" ]; then
		ok "$T 5 by hand at the router: IPv6 prefix withdrawn ($DRIFT_GONE ms), set right by the daemon $DRIFT_BACK ms after the hand change (<= 3500)"
	elif [ -z "$DRIFT_GONE" ] && v6_has_prefix && [ "$(drift_lines_since "$mark")" = 1 ]; then
		# the read-back came first: corrected at the gateway before the
		# upstream saw it; the drift line is the proof
		ok "$T 5 by hand at the router: corrected at the gateway before the upstream saw it (1 drift line, upstream present)"
	else
		not_ok "$T 5 by hand at the router: IPv6 prefix withdrawn, then set right within 3.5 s" \
		    "changes seen: $DRIFT_LINES"
		v6_wait present 10000
	fi
	n=$(drift_lines_since "$mark")
	check "$T 5 ... daemon log has one drift line for $P6" "found $n" test "$n" = 1

	check "$T daemon still running at the end" "exited" daemon_running
	lab_stop_daemon
	lab_down
}

for r in $ROUTERS; do
	run_router "$r"
done

echo "# took $(lab_ms_between "$START" "$EPOCHREALTIME" | cut -d. -f1) ms"
[ -n "${IPV6_TOTALS:-}" ] && echo "$PASSED $FAILED" >"$IPV6_TOTALS"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
