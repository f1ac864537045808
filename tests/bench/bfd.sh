#!/bin/bash
# bfd.sh - whole-gateway failure: fault -> the upstream drops the gateway's
# path, with BFD on the eBGP session (the shipped timers, 100 ms x 3) and
# without it (the hold timer: keepalive 2 s, hold 6 s, as shipped).
#
# In the namespaced lab (tests/lab/lab.sh + lab-bfd.sh), for each gateway
# router, BFD on then off, BENCH_BFD_RUNS (5) runs of each fault:
#   cut      nftables drops everything on the gateway's gw0 (no carrier
#            change: a link dead behind a switch)
#   link     `ip link set gw0 down` in the gateway (the upstream's end of
#            the veth loses its carrier)
#   freeze   SIGSTOP of every process in the gateway namespace
#   speaker  SIGSTOP of the BGP speaker only (BIRD; FRR's bgpd, while its
#            bfdd goes on)
# the time from the fault to the prefix leaving the upstream BIRD's RIB
# (fault: bash's $EPOCHREALTIME just before the builtin that causes it;
# change: ribwatch, 1 ms polling), and the upstream's `Last error` for the
# session.  After each run the fault is repaired and the next waits for the
# prefix (and BFD) to be back, then 0.5-1.5 s at random, so faults land at
# random points of the keepalive and BFD cycles.
#
# Usage (root): tests/bench/bfd.sh [BUILDDIR]
# Environment: BENCH_ROUTERS ("bird frr"), BENCH_BFD_RUNS (5),
# BENCH_FAULTS ("cut link freeze speaker"), BENCH_OUT (also write the
# table there).

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/../lab/lab-bfd.sh"
BUILDDIR=$1
RUNS=${BENCH_BFD_RUNS:-5}
FAULTS=${BENCH_FAULTS:-cut link freeze speaker}
ROUTERS=${BENCH_ROUTERS:-bird frr}
TABLE=$(mktemp /tmp/ahd-bfd-bench.XXXXXX)

die() { echo "bench: $*" >&2; exit 1; }
settle() { sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", 0.5 + r / 32767 }')"; }

# stats MS...: "min median max" (one decimal).
stats()
{
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.0f %.0f %.0f\n", v[1], m, v[NR] }'
}

# bench_fault KIND: RUNS faults; one table row.
bench_fault()
{
	local kind=$1 i ms=() why=() w
	for ((i = 0; i < RUNS; i++)); do
		settle
		[ "$kind" = freeze ] && bfd_prepare_freeze
		lab_measure absent 30000 bfd_fault "$kind" || die "$LAB_ROUTER $kind: $LAB_ERR"
		ms+=("$LAB_MS")
		w=$(bfd_last_error)
		why+=("${w#Error: }")
		bfd_repair "$kind"
		wait_for_upstream present 30000 || die "$LAB_ROUTER $kind: not back within 30 s"
		[ "$LAB_BFD" = 1 ] && { bfd_wait_session 20000 || die "$LAB_ROUTER $kind: BFD not Up again"; }
	done
	read -r mn md mx < <(stats "${ms[@]}")
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$LAB_ROUTER" \
	    "$([ "$LAB_BFD" = 1 ] && echo "100 ms x 3" || echo "none (hold 6 s)")" "$kind" \
	    "$md" "$mn" "$mx" "$(printf '%.0f ' "${ms[@]}" | sed 's/ $//')" \
	    "$(printf '%s\n' "${why[@]}" | sort | uniq -c | awk '{ c = $1; $1 = ""; printf "%s%s x%d", s, substr($0, 2), c; s = ", " }')" \
	    | tee -a "$TABLE"
}

printf '| router | BFD | fault | median ms | min | max | runs (ms) | upstream says |\n|---|---|---|---|---|---|---|---|\n' | tee "$TABLE"
for r in $ROUTERS; do
	for b in 1 0; do
		LAB_ROUTER=$r LAB_BFD=$b
		lab_init "$BUILDDIR" || die "lab init"
		bfd_lab_up || die "lab up ($r, BFD $b)"
		lab_write_config "$LAB/daemon.json"
		lab_start_daemon "$LAB/daemon.json" || die "daemon did not start"
		wait_for_upstream present 15000 || die "prefix not announced"
		for f in $FAULTS; do
			bench_fault "$f"
		done
		lab_stop_daemon
		lab_down
	done
done
echo
echo "# $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(bird --version 2>&1 | head -n 1), FRR $("$LAB_FRR_BIN/bgpd" --version 2>&1 | sed -n 's/.*version //p' | head -n 1)"
[ -n "${BENCH_OUT:-}" ] && cp "$TABLE" "$BENCH_OUT"
rm -f "$TABLE"
