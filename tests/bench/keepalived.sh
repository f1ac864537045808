#!/bin/bash
# keepalived.sh - how fast the VIP of a keepalived pair moves when the
# master's pptpd fails, with anycast-healthd's track file against
# keepalived's own vrrp_script `pidof pptpd` (interval 1, fall 1, weight 0:
# FAULT on failure), side by side in one run.
#
# In the lab of tests/lab/lab-keepalived.sh (two gateways, priorities 150 and
# 100, advert_int 1, pptpd on both: "pptpd-on-backup": "running"), for each
# variant BENCH_KA_RUNS (5) runs of each fault on the master gw1:
#   kill   SIGKILL of pptpd
#   hang   SIGSTOP of pptpd (its kernel still accepts TCP connections)
# the time from the fault (bash's $EPOCHREALTIME just before the `kill`
# builtin) to the client seeing gw2 answer ARP for the VIP
# (tests/lab/ka-who.py, a request every 20 ms), or "-" when it had not moved
# after BENCH_KA_LIMIT_MS (10000).  After each run the fault is repaired
# (SIGCONT; a killed pptpd is started again by the notify script's FAULT
# branch, or by the bench), the next waits for gw1 to answer again, then
# 0.5-1.5 s at random, so faults land at random points of the probe and
# script cycles.  The daemons run in both variants (the vrrp_script variant
# just does not read their track files).
#
# Usage (root): tests/bench/keepalived.sh [BUILDDIR]
# Environment: BENCH_KA_RUNS (5), BENCH_KA_LIMIT_MS (10000), BENCH_KA_VARIANTS
# ("file script"), BENCH_OUT (also write the table there).

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/../lab/lab-probes.sh"
. "$(dirname "$0")/../lab/lab-keepalived.sh"
RUNS=${BENCH_KA_RUNS:-5}
LIMIT=${BENCH_KA_LIMIT_MS:-10000}
VARIANTS=${BENCH_KA_VARIANTS:-file script}
TABLE=$(mktemp /tmp/ka-bench.XXXXXX)

die() { echo "bench: $*" >&2; exit 1; }
settle() { sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", 0.5 + r / 32767 }')"; }

# stats MS...: "min median max" (no decimals).
stats()
{
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.0f %.0f %.0f\n", v[1], m, v[NR] }'
}

fault() { case $1 in kill) ka_pptpd 1 kill ;; hang) ka_pptpd 1 hang ;; esac; }

repair()
{
	[ "$1" = hang ] && ka_pptpd 1 cont
	ka_pptpd 1 start || die "pptpd on gw1 does not start again"
}

# healthy_gw1 VARIANT: gw1 answers (and, with the track file, its daemon
# says announced again).
healthy_gw1()
{
	if [ "$1" = file ]; then
		wait_until 20000 eval '[ "$(ka_track_value 1)" = 0 ]' || die "gw1's track file not 0 again"
	fi
	ka_wait_who gw1 20000 || die "gw1 does not answer again (who: $(ka_who))"
}

# bench_fault VARIANT FAULT: RUNS faults; one table row.
bench_fault()
{
	local variant=$1 kind=$2 i ms=() all=() moved=0
	for ((i = 0; i < RUNS; i++)); do
		settle
		if ka_measure gw2 "$LIMIT" fault "$kind"; then
			ms+=("$KA_MS")
			all+=("$(printf '%.0f' "$KA_MS")")
			moved=$((moved + 1))
		else
			all+=("-")
		fi
		repair "$kind"
		healthy_gw1 "$variant"
	done
	if [ "$moved" -gt 0 ]; then
		read -r mn md mx < <(stats "${ms[@]}")
	else
		mn=- md=- mx=-
	fi
	printf '| %s | %s | %d of %d | %s | %s | %s | %s |\n' \
	    "$([ "$variant" = file ] && echo "anycast-healthd track file" || echo "vrrp_script pidof pptpd")" \
	    "$kind" "$moved" "$RUNS" "$md" "$mn" "$mx" "${all[*]}" | tee -a "$TABLE"
}

ka_init "$1" || die "lab init"
ka_up || die "lab up"
for g in 1 2; do
	ka_daemon_start "$g" || die "gw$g daemon did not start"
done
printf '| health source | fault | VIP moved | median ms | min | max | runs (ms; - = not moved in %s ms) |\n|---|---|---|---|---|---|---|\n' \
    "$LIMIT" | tee "$TABLE"
for v in $VARIANTS; do
	ka_keepalived_start 1 "$v" && ka_keepalived_start 2 "$v" || die "keepalived ($v)"
	healthy_gw1 "$v"
	for f in kill hang; do
		bench_fault "$v" "$f"
	done
	ka_keepalived_stop 1
	ka_keepalived_stop 2
done
ka_down
echo
echo "# $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(keepalived --version 2>&1 | head -n 1)"
[ -n "${BENCH_OUT:-}" ] && cp "$TABLE" "$BENCH_OUT"
rm -f "$TABLE"
