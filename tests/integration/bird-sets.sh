#!/bin/bash
# bird-sets.sh - BIRD's prefix-sets pattern (router/bird/pattern
# "prefix-sets") in the namespaced lab (tests/lab/lab.sh): the real daemon
# against the real gateway BIRD running the shipped
# etc/bird-anycast-prefix-sets.conf (one static protocol, anycast_sets4,
# with two prefixes: 192.0.2.1/32 on pptp and cap, 192.0.2.2/32 on pptp;
# its IPv6 block uncommented, anycast_sets6 with 2001:db8:a::1/128 on
# pptp), every IPv4 routing claim read at the UPSTREAM BIRD's RIB
# (ribwatch, `show route all` for the attributes); the IPv6 prefix (the
# lab's session is IPv4) in the gateway BIRD's own table.
#
#   0  lab up (the gateway BIRD parses the shipped snippet); the config
#      validates; --init-bird-state writes the sets, both prefixes absent
#   1  healthy: both announced, AS path 65001, no community; /v1/status
#      says the session uppeer carries both (the BGP session read-back)
#   2  health: pptpd SIGKILL -> both withdrawn; restart -> both announced
#      (each change one state-file write and one `configure`: the BGP
#      session stays up throughout)
#   3  degraded: a held PPTP connection fills the capacity probe's one
#      session: 192.0.2.1/32 turns to AS path 65001 65001 65001 without
#      ever leaving, 192.0.2.2/32 stays plain; released -> plain again
#   4  drain: `anycast-healthctl drain 192.0.2.1/32`: the upstream sees
#      (65535,0) and the prepends, then the withdrawal after drain-time-s;
#      resume -> plain
#   5  drift: a hand `configure "OTHER"` (a bird.conf whose sets withdraw
#      everything) is set right within 3.5 s with a drift line; the state
#      file edited by hand is written back within a read-back interval
#   6  a bird.conf error: `configure` fails, the daemon logs BIRD's words
#      and retries; once bird.conf is fixed the pending change reaches the
#      upstream without any other nudge
#   7  on-exit withdraw; after a SIGKILL, `--withdraw-all` (the unit's
#      ExecStopPost) takes both prefixes off the upstream
# One line per check, then `N passed, N failed`; exit 1 on any failure.
#
# Usage (root): tests/integration/bird-sets.sh [BUILDDIR]; LAB_KEEP=1 keeps
# the lab directory.

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/../lab/lab-probes.sh"
. "$HERE/checks.sh"

BUILDDIR=$1
P1=192.0.2.1/32
P2=192.0.2.2/32
P6=2001:db8:a::1/128	# in the gateway BIRD's table only (the lab's session is IPv4)
PLAIN="65001"
LONG="65001 65001 65001"
GSHUT="(65535,0)"
DRAIN_S=3
DRIFT_RE='192\.0\.2\.1/32: BIRD has [a-z]+, want [a-z]+: re-asserting'

ctl() { OUT=$(ip netns exec "$NS_GW" timeout 15 "$CTL" --socket "$LAB/gw/admin.sock" "$@" 2>&1); RC=$?; }

# attr PREFIX ATTR: the upstream's route attribute ("" when none).
attr()
{
	up_birdc show route all "$1" 2>/dev/null |
		awk -v a="$2:" '$1 == a { $1 = ""; sub(/^ +/, ""); print; exit }'
}
attr_is() { [ "$(attr "$1" "$2")" = "$3" ]; }
plain() { attr_is "$1" BGP.as_path "$PLAIN" && attr_is "$1" BGP.community ""; }
drained() { attr_is "$P1" BGP.as_path "$LONG" && attr_is "$P1" BGP.community "$GSHUT"; }
desc() { echo "as_path '$(attr "$1" BGP.as_path)' community '$(attr "$1" BGP.community)'"; }
p2_wait() { LAB_PREFIX=$P2 wait_for_upstream "$@"; }
# carried: "N1 N2 SESSIONS" from /v1/status (each prefix's carried count,
# the established sessions).
carried()
{
	ip netns exec "$NS_GW" curl -s -m 5 http://127.0.0.1:9180/v1/status | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = {p["prefix"]: p.get("carried") for p in d["prefixes"]}
s = [x["name"] for x in (d["router"].get("sessions") or []) if x["established"]]
print(c.get(sys.argv[1]), c.get(sys.argv[2]), " ".join(s))' "$P1" "$P2" 2>&1
}
configures_since() { tail -n +"$(($1 + 1))" "$LAB/daemon.log" | grep -c 'bird: > configure$'; }
# gw_has6: the gateway BIRD's anycast_sets6 has the IPv6 prefix (its
# import filter took it).
gw_has6() { gw_birdc show route protocol anycast_sets6 2>/dev/null | grep -q "^$P6 "; }
bgp_since() { gw_birdc show protocols uppeer | awk '$1 == "uppeer" { print $5 }'; }

# The gateway's bird.conf: the shipped snippet with the lab's state file
# and a second route, then the lab's session exporting with its filter.
gw_conf()
{
	echo "log \"$LAB/gw/bird.log\" all;"
	echo "router id $LAB_GW_ADDR;"
	echo "protocol device { scan time 10; }"
	# the IPv6 block uncommented (lines 80-99: the function and anycast_sets6)
	sed -e "s|/run/anycast-healthd/bird-state.conf|$LAB/gw/bird-state.conf|" \
	    -e "s|^\troute 192.0.2.1/32 blackhole;|&\n\troute $P2 blackhole;|" \
	    -e '/^# function anycast_sets6_import()$/,/^# protocol static anycast_sets6 {$/s/^# \{0,1\}//' \
	    -e '/^#\tipv6 { import where anycast_sets6_import(); };$/,/^# }$/s/^# \{0,1\}//' \
	    "$top_srcdir/etc/bird-anycast-prefix-sets.conf"
	cat <<-EOF
	protocol bgp uppeer {
		local $LAB_GW_ADDR as 65001;
		neighbor $LAB_UP_ADDR as 65000;
		hold time 6;
		keepalive time 2;
		connect delay time 1;
		connect retry time 2;
		error wait time 1, 4;
		ipv4 { import none; export filter anycast_sets_export; };
	}
	EOF
}

write_daemon_conf()
{
	cat >"$1" <<-EOF
	{ "anycast-healthd:anycast-healthd": {
	    "router": { "bird": { "control-socket": "$LAB/gw/bird.ctl", "state-file": "$LAB/gw/bird-state.conf",
	                          "pattern": "prefix-sets" },
	                "readback-interval-ms": 2000, "reconnect-max-ms": 1000 },
	    "service": [ { "name": "pptp", "interval-ms": 500, "timeout-ms": 300, "rise": 3, "fall": 2,
	        "probe": [ { "name": "control", "pptp-control": { "address": "$LAB_GW_ADDR", "port": 1723 } },
	                   { "name": "process", "process": { "pidfile": "$LAB/gw/pptpd.pid", "process-name": "pptpd" } } ] },
	      { "name": "cap", "rise": 2, "fall": 2,
	        "probe": [ { "name": "sessions", "interval-ms": 500, "timeout-ms": 300,
	                     "capacity": { "pidfile": "$LAB/gw/pptpd.pid", "pptpd-conf": "$LAB/gw/pptpd.conf",
	                                   "max-sessions": 1, "sessions-percent": 100 } } ] } ],
	    "prefix": [ { "prefix": "$P1", "depends-on": ["pptp", "cap"], "drain-time-s": $DRAIN_S },
	                { "prefix": "$P2", "depends-on": ["pptp"] },
	                { "prefix": "$P6", "depends-on": ["pptp"] } ],
	    "api": { "admin-socket": "$LAB/gw/admin.sock", "admin-state-file": "$LAB/gw/admin-state.json" },
	    "on-exit": "withdraw" } }
	EOF
}

# drift_by_configure: `configure "OTHER"`, OTHER being bird.conf with an
# include of a state file that withdraws everything; one ribwatch for the
# prefix leaving and coming back: $GONE_MS / $BACK_MS from the configure.
drift_by_configure()
{
	local out=$LAB/drift.$RANDOM pid t0 ta tp
	GONE_MS='' BACK_MS=''
	sed "s|$LAB/gw/bird-state.conf|$LAB/gw/other-state.conf|" "$LAB/gw/bird.conf" >"$LAB/gw/other.conf"
	# the sets withdrawing everything, as --init-bird-state writes them
	ip netns exec "$NS_GW" "$DAEMON" --init-bird-state -c "$CONF.other" >/dev/null 2>&1
	"$RIBWATCH" -t 6000 "$LAB/up/bird.ctl" "$P1" >"$out" 2>&1 &
	pid=$!
	wait_until 5000 test -s "$out"
	t0=$EPOCHREALTIME
	gw_birdc configure \""$LAB/gw/other.conf"\" >/dev/null
	wait_until 5000 awk '$3 == "absent" { a = 1 } a && $3 == "present" { f = 1 } END { exit !f }' "$out"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ta=$(awk '$3 == "absent" && $4 == "" { print $1; exit }' "$out")
	tp=$(awk '$3 == "absent" { a = 1 } a && $3 == "present" { print $1; exit }' "$out")
	[ -n "$ta" ] && GONE_MS=$(lab_ms_between "$t0" "$ta")
	[ -n "$tp" ] && BACK_MS=$(lab_ms_between "$t0" "$tp")
	DRIFT_LINES=$(tr '\n' ';' <"$out")
	rm -f "$out"
}

main()
{
	local mark since
	lab_init "$BUILDDIR" || { not_ok "lab init" "see above"; return; }
	probes_init || { not_ok "lab init (probes helpers)" "see above"; return; }
	CTL=${CTL:-$top_builddir/anycast-healthctl}
	LAB_PREFIX=$P1
	if ! lab_up --no-router; then
		not_ok "0 lab up" "see above"
		lab_down
		return
	fi
	CONF=$LAB/daemon.json
	write_daemon_conf "$CONF"
	# a second config whose state file is other-state.conf, for step 5
	sed "s|$LAB/gw/bird-state.conf|$LAB/gw/other-state.conf|" "$CONF" >"$CONF.other"
	gw_conf >"$LAB/gw/bird.conf"
	rm -f "$LAB/gw/bird-state.conf"
	check "0 config with pattern prefix-sets validates (-n)" \
	    "$(ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF" 2>&1 | head -n 3)" \
	    ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF"
	check "0 --init-bird-state writes the sets, nothing announced" \
	    "$(head -n 8 "$LAB/gw/bird-state.conf" 2>&1 | tr '\n' ' ')" \
	    eval 'ip netns exec "$NS_GW" "$DAEMON" --init-bird-state -c "$CONF" &&
		  grep -q "^define ANYCAST_ANNOUNCED4 = \[" "$LAB/gw/bird-state.conf" &&
		  ! grep -q "^	192\.0\.2\." "$LAB/gw/bird-state.conf"'
	if ! { gw_bird_start && wait_for_bgp 20000; }; then
		not_ok "0 gateway BIRD with etc/bird-anycast-prefix-sets.conf, session up" \
		    "$(tail -n 5 "$LAB/gw/bird.out" 2>/dev/null)"
		lab_down
		return
	fi
	ok "0 gateway BIRD with etc/bird-anycast-prefix-sets.conf, session up"
	check "0 both prefixes absent at the upstream before the daemon runs" "present" \
	    eval '! upstream_has_prefix && ! LAB_PREFIX=$P2 upstream_has_prefix'
	since=$(bgp_since)

	# 1. healthy
	lab_start_daemon "$CONF" || { not_ok "1 daemon starts" "$(tail -n 5 "$LAB/daemon.log")"; lab_down; return; }
	check "1 $P1 announced at the upstream" "not present within 15 s" wait_for_upstream present 15000
	check "1 ... $P2 beside it" "not present" p2_wait present 3000
	check "1 ... AS path $PLAIN, no community" "$(desc "$P1")" wait_until 3000 plain "$P1"
	check "1 ... $P6 in the gateway BIRD's anycast_sets6 (IPv6 sets)" "absent" wait_until 3000 gw_has6
	check "1 ... /v1/status: the session uppeer carries both" "$(carried)" \
	    wait_until 5000 eval '[ "$(carried)" = "1 1 uppeer" ]'

	# 2. health
	expect_change "2 pptpd SIGKILL: $P1 withdrawn" absent 5000 pptpd_kill
	check "2 ... and $P2" "still present" p2_wait absent 3000
	check "2 ... and $P6 from anycast_sets6" "still there" wait_until 3000 eval '! gw_has6'
	check "2 ... the read-back agreed on $P6 each time (no re-assert, no retry)" \
	    "$(grep -E "$P6: (BIRD|bird)" "$LAB/daemon.log" | head -n 2)" \
	    eval '! grep -Eq "$P6: BIRD (has|reads back|accepted)" "$LAB/daemon.log"'
	expect_change "2 pptpd restarted: $P1 announced" present 10000 pptpd_start
	check "2 ... and $P2" "not present" p2_wait present 3000
	check "2 ... the BGP session stayed up through the configures (since $since)" \
	    "since $(bgp_since)" test "$(bgp_since)" = "$since"

	# 3. degraded
	lab_watch_start 60000 || not_ok "3 (setup) ribwatch" "did not start"
	mark=$(daemon_log_lines)
	check "3 one PPTP control connection held (capacity 1/1)" "see above" probes_hold_start
	check "3 ... $P1 turns to AS path '$LONG' (degraded)" "$(desc "$P1")" \
	    wait_until 8000 attr_is "$P1" BGP.as_path "$LONG"
	check "3 ... daemon log: cap: UP -> DEGRADED" "no such line" wait_for_log 'cap: UP -> DEGRADED' 1000 "$mark"
	check "3 ... $P2 keeps AS path $PLAIN" "$(desc "$P2")" plain "$P2"
	probes_hold_stop
	check "3 connection closed: $P1 back to AS path $PLAIN" "$(desc "$P1")" \
	    wait_until 8000 plain "$P1"
	if lab_watch_stop; then
		ok "3 ... $P1 never left the upstream meanwhile"
	else
		not_ok "3 ... $P1 never left the upstream meanwhile" "$LAB_WATCH_LINES"
	fi

	# 4. drain
	DRAIN_SEEN=
	drain_action()
	{
		local t0=$EPOCHREALTIME
		ctl drain "$P1"
		DRAIN_RC=$RC DRAIN_OUT=$OUT
		wait_until 2000 drained && DRAIN_SEEN=$(lab_ms_between "$t0" "$EPOCHREALTIME")
	}
	if lab_measure absent $(((DRAIN_S + 3) * 1000)) drain_action; then
		ok "4 drain: $P1 left the upstream $LAB_MS ms after the drain"
		check "4 ... after drain-time-s ($DRAIN_S s), not before" "$LAB_MS ms" \
		    awk -v m="$LAB_MS" -v d="$DRAIN_S" 'BEGIN { exit !(m >= d * 1000) }'
	else
		not_ok "4 drain: $P1 left the upstream after drain-time-s" "$LAB_ERR"
	fi
	check "4 ... anycast-healthctl drain $P1: ok" "exit $DRAIN_RC: $DRAIN_OUT" \
	    eval '[ "$DRAIN_RC" = 0 ]'
	check "4 ... meanwhile the upstream saw community $GSHUT and AS path '$LONG' (${DRAIN_SEEN:-?} ms after the drain)" \
	    "not seen" test -n "$DRAIN_SEEN"
	check "4 ... $P2 stayed plain" "$(desc "$P2")" plain "$P2"
	ctl resume "$P1"
	check "4 resume: $P1 announced plainly again" "$(desc "$P1")" \
	    eval 'wait_for_upstream present 5000 && wait_until 3000 plain "$P1"'
	check "1-4 ... no drift line meanwhile" "$(grep -E -- "$DRIFT_RE" "$LAB/daemon.log" | head -n 2)" \
	    eval '! grep -Eq -- "$DRIFT_RE" "$LAB/daemon.log"'

	# 5. drift
	mark=$(daemon_log_lines)
	drift_by_configure
	check "5 hand configure with another file: $P1 left the upstream (${GONE_MS:-?} ms)" \
	    "$DRIFT_LINES" test -n "$GONE_MS"
	check "5 ... and was set right within 3.5 s (${BACK_MS:-never} ms)" "$DRIFT_LINES" \
	    eval '[ -n "$BACK_MS" ] && awk -v m="$BACK_MS" "BEGIN { exit !(m <= 3500) }"'
	check "5 ... one drift line" "$(tail -n +"$((mark + 1))" "$LAB/daemon.log" | grep -Ec -- "$DRIFT_RE")" \
	    test "$(tail -n +"$((mark + 1))" "$LAB/daemon.log" | grep -Ec -- "$DRIFT_RE")" = 1
	check "5 ... $P2 back too" "not present" p2_wait present 3000
	mark=$(daemon_log_lines)
	cp "$LAB/gw/other-state.conf" "$LAB/gw/bird-state.conf.new"
	mv "$LAB/gw/bird-state.conf.new" "$LAB/gw/bird-state.conf"
	check "5 state file edited by hand: written back within a read-back (2 s)" \
	    "$(grep -c "$P1" "$LAB/gw/bird-state.conf") lines with $P1" \
	    wait_for_log 'state file .* differed from the daemon.s choice: written again' 3500 "$mark"
	check "5 ... it announces $P1 again, and a configure keeps both at the upstream" "$(desc "$P1")" \
	    eval 'grep -q "^	$P1" "$LAB/gw/bird-state.conf" && gw_birdc configure >/dev/null &&
		  ! LAB_PREFIX=$P1 wait_for_upstream absent 1500 && upstream_has_prefix'

	# 6. a bird.conf error
	mark=$(daemon_log_lines)
	cp "$LAB/gw/bird.conf" "$LAB/gw/bird.conf.good"
	echo "protocol static broken { ipv4; route 10.0.0.0/33 blackhole; }" >>"$LAB/gw/bird.conf"
	pptpd_kill
	check "6 bird.conf broken, pptpd killed: the daemon says configure failed with BIRD's words" \
	    "$(tail -n +"$((mark + 1))" "$LAB/daemon.log" | grep -i bird | tail -n 3)" \
	    wait_for_log 'bird: configure failed: 8002 .*bird.conf' 5000 "$mark"
	check "6 ... BIRD kept its old config: $P1 still at the upstream" "absent" upstream_has_prefix
	check "6 ... retried (three configures sent)" "$(configures_since "$mark") sent" \
	    wait_until 5000 eval '[ "$(configures_since "$mark")" -ge 3 ]'
	check "6 ... the failure said once, not per retry" \
	    "$(tail -n +"$((mark + 1))" "$LAB/daemon.log" | grep -c 'configure failed') lines" \
	    test "$(tail -n +"$((mark + 1))" "$LAB/daemon.log" | grep -c 'configure failed')" = 1
	mv "$LAB/gw/bird.conf.good" "$LAB/gw/bird.conf"
	check "6 bird.conf fixed: the withdrawal reaches the upstream by the retries alone" \
	    "still present" wait_for_upstream absent 4000
	check "6 ... and $P2" "still present" p2_wait absent 3000
	check "6 ... daemon log: configure succeeds again" "no such line" \
	    wait_for_log 'bird: configure succeeds again' 1000 "$mark"
	pptpd_start
	check "6 pptpd back: both announced" "not present" \
	    eval 'wait_for_upstream present 10000 && p2_wait present 3000'

	lab_stop_daemon
	check "exit: on-exit withdraw takes both off the upstream" "still present" \
	    eval 'wait_for_upstream absent 3000 && p2_wait absent 3000'

	# 7. the unit's ExecStopPost after a crash
	lab_start_daemon "$CONF" || not_ok "7 daemon starts again" "$(tail -n 5 "$LAB/daemon.log")"
	check "7 daemon again: both announced" "not present" \
	    eval 'wait_for_upstream present 15000 && p2_wait present 3000'
	lab_kill_daemon
	check "7 SIGKILL, then --withdraw-all (SERVICE_RESULT=signal) exits 0" "see the log" \
	    ip netns exec "$NS_GW" env SERVICE_RESULT=signal "$DAEMON" --withdraw-all -c "$CONF"
	check "7 ... both off the upstream" "still present" \
	    eval 'wait_for_upstream absent 3000 && p2_wait absent 3000'
	lab_down
}

PASSED=0
FAILED=0
main
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
