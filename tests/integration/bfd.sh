#!/bin/bash
# bfd.sh - whole-gateway failure: the gateway's link cut or the whole box
# frozen, which the daemon cannot act on (it is on that box), in the
# namespaced lab with BFD on the eBGP session (tests/lab/lab-bfd.sh: the
# shipped timers, 100 ms x 3; FRR with bfdd).  Read at the UPSTREAM's RIB
# (ribwatch): the upstream must drop the gateway's path within 500 ms of the
# fault, where the hold timer alone takes 4-6 s (tests/bench/bfd.sh
# measures both).
#
#   0  lab up: BGP Established and the upstream's BFD session Up; the
#      daemon announces the prefix
#   1  cut: nftables drops everything on the gateway's gw0 (a dead link
#      behind a switch: no carrier change) -> withdrawn <= 500 ms, and the
#      upstream says why: `BFD session down`; rule removed -> BFD Up and
#      the prefix back
#   2  link: `ip link set gw0 down` -> withdrawn <= 500 ms; up -> back
#   3  freeze: SIGSTOP of every process in the gateway namespace (router,
#      bfdd, daemon, pptpd) -> withdrawn <= 500 ms, `BFD session down`;
#      SIGCONT -> back
# for each router of ROUTERS ("bird frr").  One line per check, then `N
# passed, N failed`; exit 1 on any failure.  BFD_TOTALS=FILE: write
# "PASSED FAILED" there.  BFD_LIMIT_MS (500) is the bound.
#
# Usage (root): tests/integration/bfd.sh [BUILDDIR]; LAB_KEEP=1 keeps the
# lab directory.

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/../lab/lab-bfd.sh"
. "$HERE/checks.sh"

START=$EPOCHREALTIME
ROUTERS=${ROUTERS:-bird frr}
BUILDDIR=$1
LIMIT=${BFD_LIMIT_MS:-500}
LAB_BFD=1

# fault T N KIND WHAT WHY: the fault, the withdrawal within LIMIT, the
# upstream's reason (WHY, a regex; empty: not checked), the repair.
fault()
{
	local T=$1 n=$2 kind=$3 what=$4 why=$5 err
	[ "$kind" = freeze ] && bfd_prepare_freeze
	if lab_measure absent 10000 bfd_fault "$kind"; then
		if awk -v m="$LAB_MS" -v l="$LIMIT" 'BEGIN { exit !(m <= l) }'; then
			ok "$T $n $what: the upstream withdrew in $LAB_MS ms (<= $LIMIT)"
		else
			not_ok "$T $n $what: the upstream withdrew within $LIMIT ms" "took $LAB_MS ms"
		fi
	else
		not_ok "$T $n $what: the upstream withdrew" "$LAB_ERR"
	fi
	err=$(bfd_last_error)
	if [ -n "$why" ]; then
		check "$T $n ... the upstream's session went down for: $why" "Last error: $err" \
		    eval 'printf "%s\n" "$err" | grep -Eq -- "$why"'
	fi
	bfd_repair "$kind"
	check "$T $n repaired: BFD Up again at the upstream" "$(up_birdc show bfd sessions | tail -n 1)" \
	    bfd_wait_session 20000
	check "$T $n ... and the prefix back" "not present within 20 s" wait_for_upstream present 20000
}

run_router()
{
	local T=$1
	LAB_ROUTER=$1
	lab_init "$BUILDDIR" || { not_ok "$T lab init" "see above"; return; }
	if ! bfd_lab_up; then
		not_ok "$T 0 lab up: BGP Established, BFD Up at the upstream" "see above"
		lab_down
		return
	fi
	ok "$T 0 lab up: BGP Established, BFD Up at the upstream ($(up_birdc show bfd sessions | awk -v a="$LAB_GW_ADDR" '$1 == a { print "interval " $5 " s, timeout " $6 " s" }'))"
	CONF=$LAB/daemon.json
	lab_write_config "$CONF"
	lab_start_daemon "$CONF" || { not_ok "$T 0 daemon starts" "$(tail -n 5 "$LAB/daemon.log")"; lab_down; return; }
	check "$T 0 the daemon announces the prefix" "not present within 15 s" wait_for_upstream present 15000

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
