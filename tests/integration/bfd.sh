#!/bin/bash
# bfd.sh - whole-gateway failure: the gateway's link cut or the whole box
# frozen, which the daemon cannot act on (it is on that box), in the
# namespaced lab with BFD on both eBGP sessions, IPv4 and IPv6
# (tests/lab/lab-bfd.sh with LAB_BFD_IPV6=1: the shipped timers, 100 ms x
# 3; FRR with bfdd).  Read at the UPSTREAM's RIB (ribwatch, one per
# prefix): the upstream must drop both of the gateway's prefixes within
# 500 ms of the fault, where the hold timer alone takes 2.8-5.7 s
# (tests/bench/bfd.sh measures both).
#
#   0  lab up: both sessions Established and the upstream's BFD sessions
#      Up; the daemon announces 192.0.2.1/32 and 2001:db8:a::1/128
#   1  cut: nftables drops everything on the gateway's gw0 (a dead link
#      behind a switch: no carrier change) -> both withdrawn <= 500 ms,
#      and the upstream says why on both sessions: `BFD session down`;
#      rule removed -> BFD Up and both prefixes back
#   2  link: `ip link set gw0 down` -> both withdrawn <= 500 ms (`Link
#      down`: the upstream's end of the veth loses its carrier); up -> back
#   3  freeze: SIGSTOP of every process in the gateway namespace (router,
#      bfdd, daemon, pptpd) -> both withdrawn <= 500 ms, `BFD session
#      down`; SIGCONT -> back
# for each router of ROUTERS ("bird frr").  One line per check, then `N
# passed, N failed`; exit 1 on any failure.  BFD_TOTALS=FILE: write
# "PASSED FAILED" there.  BFD_LIMIT_MS (500) is the bound.
#
# Usage (root): tests/integration/bfd.sh [BUILDDIR]; LAB_KEEP=1 keeps the
# lab directory.

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/../lab/lab-ipv6.sh"
. "$HERE/../lab/lab-bfd.sh"
. "$HERE/checks.sh"

START=$EPOCHREALTIME
ROUTERS=${ROUTERS:-bird frr}
BUILDDIR=$1
LIMIT=${BFD_LIMIT_MS:-500}
LAB_BFD=1
LAB_BFD_IPV6=1

# The IPv6 prefix's withdrawal, from a ribwatch started before the fault:
# milliseconds from $LAB_T0 in $MS6, empty when not seen.
v6_watch_start() { LAB_PREFIX=$LAB_PREFIX6 lab_watch_start 15000; }
v6_watch_result()
{
	local t6
	wait_until 2000 grep -q ' absent$' "$LAB_WATCH_OUT"
	t6=$(awk '$3 == "absent" && $4 == "" { print $1; exit }' "$LAB_WATCH_OUT")
	lab_watch_stop
	MS6=
	[ -n "$t6" ] && [ -n "$LAB_T0" ] && MS6=$(lab_ms_between "$LAB_T0" "$t6")
}

# both_match REGEX A B: A and B both match REGEX.
both_match() { printf '%s\n' "$2" | grep -Eq -- "$1" && printf '%s\n' "$3" | grep -Eq -- "$1"; }

# fault T N KIND WHAT WHY: the fault, the withdrawal of both prefixes
# within LIMIT, the upstream's reason (WHY, a regex) on both sessions,
# the repair.
fault()
{
	local T=$1 n=$2 kind=$3 what=$4 why=$5 err err6
	[ "$kind" = freeze ] && bfd_prepare_freeze
	v6_watch_start || not_ok "$T $n (setup) ribwatch on $LAB_PREFIX6" "did not start"
	LAB_T0=
	if lab_measure absent 10000 bfd_fault "$kind"; then
		if awk -v m="$LAB_MS" -v l="$LIMIT" 'BEGIN { exit !(m <= l) }'; then
			ok "$T $n $what: the upstream withdrew in $LAB_MS ms (<= $LIMIT)"
		else
			not_ok "$T $n $what: the upstream withdrew within $LIMIT ms" "took $LAB_MS ms"
		fi
	else
		not_ok "$T $n $what: the upstream withdrew" "$LAB_ERR"
	fi
	v6_watch_result
	if [ -z "$MS6" ]; then
		not_ok "$T $n ... and the IPv6 prefix" "no withdrawal seen: $LAB_WATCH_LINES"
	elif awk -v m="$MS6" -v l="$LIMIT" 'BEGIN { exit !(m <= l) }'; then
		ok "$T $n ... and the IPv6 prefix in $MS6 ms (IPv6 session)"
	else
		not_ok "$T $n ... and the IPv6 prefix within $LIMIT ms" "took $MS6 ms"
	fi
	err=$(bfd_last_error gwpeer) err6=$(bfd_last_error gwpeer6)
	check "$T $n ... the upstream's sessions went down for: $why" "Last error: '$err', IPv6 '$err6'" \
	    both_match "$why" "$err" "$err6"
	bfd_repair "$kind"
	check "$T $n repaired: BFD Up again at the upstream (both sessions)" \
	    "$(up_birdc show bfd sessions | tail -n 2 | tr '\n' '|')" bfd_wait_session 20000
	check "$T $n ... and both prefixes back" "not present within 20 s" \
	    eval 'wait_for_upstream present 20000 && v6_wait present 20000'
}

run_router()
{
	local T=$1
	LAB_ROUTER=$1
	lab_init "$BUILDDIR" || { not_ok "$T lab init" "see above"; return; }
	if ! bfd_lab_up; then
		not_ok "$T 0 lab up: IPv4 and IPv6 sessions Established, BFD Up on both at the upstream" "see above"
		lab_down
		return
	fi
	ok "$T 0 lab up: IPv4 and IPv6 sessions Established, BFD Up on both at the upstream (IPv4: $(up_birdc show bfd sessions | awk -v a="$LAB_GW_ADDR" '$1 == a { print "interval " $5 " s, timeout " $6 " s" }'))"
	CONF=$LAB/daemon.json
	v6_write_config "$CONF"
	lab_start_daemon "$CONF" || { not_ok "$T 0 daemon starts" "$(tail -n 5 "$LAB/daemon.log")"; lab_down; return; }
	check "$T 0 the daemon announces both prefixes" "not present within 15 s" \
	    eval 'wait_for_upstream present 15000 && v6_wait present 15000'

	fault "$T" 1 cut "nft drops all on gw0" 'BFD session down'
	fault "$T" 2 link "gw0 down" 'Link down|BFD session down'
	fault "$T" 3 freeze "every process of the gateway SIGSTOPped" 'BFD session down'

	check "$T daemon still running at the end" "exited" daemon_running
	lab_stop_daemon
	lab_down
}

for r in $ROUTERS; do
	run_router "$r"
done

echo "# took $(lab_ms_between "$START" "$EPOCHREALTIME" | cut -d. -f1) ms"
[ -n "${BFD_TOTALS:-}" ] && echo "$PASSED $FAILED" >"$BFD_TOTALS"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
