#!/bin/bash
# sessions.sh - what each BGP session carries, in the namespaced lab
# (tests/lab/lab.sh): the real daemon against the real gateway router (BIRD
# 2, then FRR) whose eBGP session to the upstream BIRD ("uppeer" on BIRD,
# neighbor 10.99.0.2 on bgpd) is the only one.  Every routing claim is read
# at the UPSTREAM's RIB (ribwatch); the daemon's side through /v1/status,
# /metrics and `anycast-healthctl status` on the gateway.
#
#   1  healthy: the prefix at the upstream; status shows the session
#      Established, the prefix carried by 1 (sessions [it]), not uncarried;
#      anycast_healthd_prefix_uncarried 0; `status` has no `!` line, exit 0
#   2  isolated: the BGP session shut at the gateway router (BIRD `disable
#      uppeer`; bgpd `neighbor 10.99.0.2 shutdown`): the upstream loses the
#      prefix; the daemon: the session not established, carried 0,
#      uncarried true, the metric 1, the log line once, `status` prints the
#      `!` line and exits 1; session back: prefix back, carried 1, warning
#      gone (log line "carried again"), exit 0
#   3  filtered: the gateway's export to the upstream rejects the prefix
#      while the session stays up (BIRD: the uppeer export filter changed,
#      `configure`; bgpd: a deny entry before UP-OUT's permit, `clear bgp
#      soft out`): the upstream loses it; the session still Established;
#      carried 0, uncarried, the metric 1, the `!` line, exit 1; filter
#      restored: carried again, the warning gone
# for each router of ROUTERS ("bird frr").  One line per check, then `N
# passed, N failed`; exit 1 on any failure.
#
# Usage (root): tests/integration/sessions.sh [BUILDDIR]; LAB_KEEP=1 keeps
# the lab directory.

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/checks.sh"

BUILDDIR=$1
ROUTERS=${ROUTERS:-bird frr}
P=$LAB_PREFIX
UNCARRIED_RE="prefix $P: wanted announced but no established BGP session carries it"
CARRIED_RE="prefix $P: carried again"

# ctl ARGS: the CLI on the admin socket inside the gateway; $OUT, $RC.
ctl() { OUT=$(ip netns exec "$NS_GW" timeout 15 "$CTL" --socket "$LAB/gw/admin.sock" "$@" 2>&1); RC=$?; }

# api PATH: the daemon's HTTP API on the gateway's loopback.
api() { ip netns exec "$NS_GW" curl -s -m 5 "http://127.0.0.1:9180$1"; }

# status_is EXPR: EXPR (Python, over s = /v1/status, px = its prefix P,
# sess = the session named $SESSION or None) holds.
status_is()
{
	api /v1/status | SESSION=$SESSION P=$P python3 -c '
import json, os, sys
s = json.load(sys.stdin)
px = next(p for p in s["prefixes"] if p["prefix"] == os.environ["P"])
sess = next((x for x in (s["router"]["sessions"] or []) if x["name"] == os.environ["SESSION"]), None)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" 2>/dev/null
}

# status_desc: what status says about the session and the prefix.
status_desc()
{
	api /v1/status | P=$P python3 -c '
import json, os, sys
s = json.load(sys.stdin)
px = next(p for p in s["prefixes"] if p["prefix"] == os.environ["P"])
print("sessions", json.dumps(s["router"]["sessions"]), "prefix", json.dumps({k: px.get(k) for k in ("actual", "sessions", "carried", "uncarried")}))' 2>&1
}

wait_status() { wait_until "$1" status_is "$2"; }

# metric_is VALUE: anycast_healthd_prefix_uncarried{prefix="P"} is VALUE.
metric_is() { api /metrics | grep -qx "anycast_healthd_prefix_uncarried{prefix=\"$P\"} $1"; }

# The `!` line of an uncarried prefix, as the contract words it.
bang_line() { printf '! %s: wanted announced, carried by no established BGP session (%s: ' "$P" "$SESSION"; }

# status_warns: `anycast-healthctl status` prints the `!` line and exits 1.
status_warns() { ctl status; [ "$RC" = 1 ] && grep -qF -- "$(bang_line)" <<<"$OUT"; }
# status_clean: no `!` line about the prefix, exit 0.
status_clean() { ctl status; [ "$RC" = 0 ] && ! grep -q "^! $P" <<<"$OUT"; }

# The gateway router's session to the upstream: shut / open again.
session_shut()
{
	case "$LAB_ROUTER" in
	frr) gw_vtysh -c 'configure terminal' -c "router bgp $LAB_ASN" \
		-c "neighbor $LAB_UP_ADDR shutdown" >/dev/null ;;
	*) gw_birdc disable uppeer >/dev/null ;;
	esac
}

session_open()
{
	case "$LAB_ROUTER" in
	frr) gw_vtysh -c 'configure terminal' -c "router bgp $LAB_ASN" \
		-c "no neighbor $LAB_UP_ADDR shutdown" >/dev/null ;;
	*) gw_birdc enable uppeer >/dev/null ;;
	esac
}

# The gateway's export to the upstream: rejecting the prefix / as shipped.
# BIRD: uppeer's export filter in bird.conf, applied by `configure` (the
# channel reloads, the session stays up); bgpd: a deny entry ahead of
# UP-OUT's permit, pushed out at once with a soft clear.
filter_reject()
{
	case "$LAB_ROUTER" in
	frr) gw_vtysh -c 'configure terminal' -c 'route-map UP-OUT deny 5' \
		-c 'match ip address prefix-list ANYCAST' -c 'end' \
		-c "clear bgp ipv4 unicast $LAB_UP_ADDR soft out" >/dev/null ;;
	*) sed -i "s|export where net = $P;|export where net != $P;|" "$LAB/gw/bird.conf" &&
		gw_birdc configure | grep -q Reconfigured ;;
	esac
}

filter_restore()
{
	case "$LAB_ROUTER" in
	frr) gw_vtysh -c 'configure terminal' -c 'no route-map UP-OUT deny 5' -c 'end' \
		-c "clear bgp ipv4 unicast $LAB_UP_ADDR soft out" >/dev/null ;;
	*) sed -i "s|export where net != $P;|export where net = $P;|" "$LAB/gw/bird.conf" &&
		gw_birdc configure | grep -q Reconfigured ;;
	esac
}

# The session's state at the gateway router itself (not the daemon's view).
router_session_established()
{
	case "$LAB_ROUTER" in
	frr) gw_vtysh -c "show bgp neighbors $LAB_UP_ADDR json" | grep -q '"bgpState":"Established"' ;;
	*) gw_birdc show protocols uppeer | grep -q Established ;;
	esac
}

# warned T WHAT MARK: the uncarried side of a scenario (the upstream is
# checked by the caller); MARK: the daemon log line it started after.
warned()
{
	local T=$1 what=$2 mark=$3
	check "$T $what: status: carried 0, uncarried true" "$(status_desc)" \
	    wait_status 8000 'px["carried"] == 0 and px["uncarried"] is True and px["actual"] == "announced"'
	check "$T $what: anycast_healthd_prefix_uncarried 1" "$(api /metrics | grep "^anycast_healthd_prefix_uncarried")" metric_is 1
	status_warns
	check "$T $what: anycast-healthctl status prints the ! line and exits 1" \
	    "rc $RC: $(printf '%s' "$OUT" | grep '^!' | head -n 2)" test $? = 0
	check "$T $what: the warning logged once" "$(grep -c -- "$UNCARRIED_RE" "$LAB/daemon.log") lines" \
	    test "$(tail -n +"$((mark + 1))" "$LAB/daemon.log" | grep -c -- "$UNCARRIED_RE")" = 1
}

# cleared T WHAT MARK: the carried side of a scenario (MARK: the daemon log
# line after which "carried again" is looked for; - for none).
cleared()
{
	local T=$1 what=$2 mark=$3
	check "$T $what: status: carried 1 by $SESSION, uncarried false" "$(status_desc)" \
	    wait_status 8000 'px["carried"] == 1 and px["sessions"] == [os.environ["SESSION"]] and px["uncarried"] is False'
	check "$T $what: anycast_healthd_prefix_uncarried 0" "$(api /metrics | grep "^anycast_healthd_prefix_uncarried")" metric_is 0
	status_clean
	check "$T $what: anycast-healthctl status: no ! line, exit 0" \
	    "rc $RC: $(printf '%s' "$OUT" | grep '^!' | head -n 2)" test $? = 0
	[ "$mark" = - ] ||
		check "$T $what: daemon log: carried again" "no such line" wait_for_log "$CARRIED_RE" 2000 "$mark"
}

run_router()
{
	local T=$1 mark
	LAB_ROUTER=$T
	SESSION=uppeer
	[ "$T" = frr ] && SESSION=$LAB_UP_ADDR
	lab_init "$BUILDDIR" || { not_ok "$T lab init" "see above"; return; }
	CTL=${CTL:-$top_builddir/anycast-healthctl}
	if ! lab_up; then
		not_ok "$T 0 lab up: session to the upstream established" "see above"
		lab_down
		return
	fi
	CONF=$LAB/daemon.json
	lab_write_config "$CONF"
	lab_start_daemon "$CONF" || { not_ok "$T 1 daemon starts" "$(tail -n 5 "$LAB/daemon.log")"; lab_down; return; }

	# 1. healthy
	check "$T 1 prefix announced at the upstream" "not present within 15 s" wait_for_upstream present 15000
	check "$T 1 status: session $SESSION Established" "$(status_desc)" \
	    wait_status 8000 'sess is not None and sess["state"] == "Established" and sess["established"] is True'
	cleared "$T" "1 healthy" -

	# 2. isolated: the session shut at the gateway router
	mark=$(daemon_log_lines)
	expect_change "$T 2 session shut at the gateway router: the upstream loses the prefix" absent 8000 session_shut
	check "$T 2 status: session $SESSION not established" "$(status_desc)" \
	    wait_status 8000 'sess is not None and sess["established"] is False'
	warned "$T" "2 isolated" "$mark"
	mark=$(daemon_log_lines)
	expect_change "$T 2 session open again: the upstream has the prefix" present 15000 session_open
	cleared "$T" "2 session back" "$mark"

	# 3. filtered: the session up, its export rejecting the prefix
	mark=$(daemon_log_lines)
	expect_change "$T 3 export filter rejects the prefix: the upstream loses it" absent 8000 filter_reject
	check "$T 3 ... the session stays up at the router" "not Established" router_session_established
	check "$T 3 status: session $SESSION still Established" "$(status_desc)" \
	    wait_status 8000 'sess is not None and sess["established"] is True'
	warned "$T" "3 filtered" "$mark"
	mark=$(daemon_log_lines)
	expect_change "$T 3 filter restored: the upstream has the prefix" present 8000 filter_restore
	cleared "$T" "3 filter restored" "$mark"

	check "$T 4 no malformed session reply logged" "$(grep 'cannot read the BGP sessions' "$LAB/daemon.log" | head -n 2)" \
	    test "$(grep -c 'cannot read the BGP sessions' "$LAB/daemon.log")" = 0
	lab_stop_daemon
	lab_down
}

for r in $ROUTERS; do
	run_router "$r"
done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
