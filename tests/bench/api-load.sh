#!/bin/bash
# api-load.sh - the status endpoint under load, and what the load does to the
# probes' schedule.
#
# In the namespaced lab (tests/lab/lab.sh, gateway BIRD, healthy pptpd, the
# lab's daemon config: pptp-control and process probes every 500 ms) it runs
# wrk on the gateway's loopback (127.0.0.1:9180, inside the gateway
# namespace only), BENCH_API_SECONDS (10) per endpoint with
# BENCH_API_CONNS (4) connections on one thread, against GET /v1/status,
# /metrics and /healthz, in two passes:
#   production  the daemon without -v, as it runs in production: requests/s,
#               wrk's latency percentiles, the probe's runs counter (missed
#               runs) and the daemon's CPU time
#   timed       the daemon with -v, its lines timestamped by lab_ts (perl,
#               SCHED_FIFO, so the observer is not starved by the load it
#               measures): the pptp-control probe's start-to-start intervals
#               (time of the result line - its latency) idle and under each
#               load, and the probe's latency (the debug line of every
#               request makes this pass slower than production)
# and prints a markdown table for docs/performance.md ("Status endpoint
# under load") with the command that produced it.
#
# Usage (root): tests/bench/api-load.sh [BUILDDIR]
# Environment: BENCH_API_SECONDS, BENCH_API_CONNS, BENCH_OUT (also write
# the table there).  Needs wrk (tests/install-deps.sh).

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lab/lab.sh"
lab_init "$1" || exit 1

SECONDS_PER=${BENCH_API_SECONDS:-10}
CONNS=${BENCH_API_CONNS:-4}
ENDPOINTS="/v1/status /metrics /healthz"
CMD="tests/bench/api-load.sh  (wrk -t1 -c$CONNS -d${SECONDS_PER}s --latency http://127.0.0.1:9180/ENDPOINT in the gateway namespace)"

die() { echo "bench: $*" >&2; [ -n "$LAB" ] && tail -n 20 "$LAB/daemon.log" >&2 2>/dev/null; exit 1; }
command -v wrk >/dev/null || die "wrk not installed (tests/install-deps.sh)"

# The system python3 (a pyenv shim costs ~0.8 s per start).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# status_doc: GET /v1/status on the admin socket.  runs_of DOC: the
# pptp-control probe's runs counter in it (parsed after the timing).
status_doc() { ip netns exec "$NS_GW" curl -s -m 5 --unix-socket "$LAB/gw/admin.sock" http://localhost/v1/status; }
runs_of() { "$PY" -c 'import json, sys; print(json.load(sys.stdin)["services"][0]["probes"][0]["runs"])' <<<"$1"; }

# cpu_ticks PID: utime + stime in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' /proc/"$1"/stat; }

# wrk_run PATH OUT: one wrk run in the gateway namespace.
wrk_run()
{
	ip netns exec "$NS_GW" timeout $((SECONDS_PER + 20)) wrk -t1 -c"$CONNS" -d"${SECONDS_PER}s" \
	    --latency "http://127.0.0.1:9180$1" >"$2" 2>&1 || die "wrk failed: $(cat "$2")"
	grep -Eq 'Non-2xx|Socket errors' "$2" && die "wrk saw errors: $(cat "$2")"
}

# wrk_field OUT WHAT: Requests/sec, or a latency percentile (50%, 99%) in ms.
wrk_field()
{
	case $2 in
	rps) awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$1" ;;
	*) awk -v p="$2" '$1 == p {
		v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		if (u == "us") v /= 1000; else if (u == "s") v *= 1000
		printf "%.2f", v }' "$1" ;;
	esac
}

# probe_window FROM_LINE T0 T1: "N MIN MAX MAXDEV P50LAT MAXLAT" of the
# pptp-control probe's start-to-start intervals between T0 and T1.
probe_window()
{
	tail -n +"$(($1 + 1))" "$LAB/daemon.log" | awk -v t0="$2" -v t1="$3" '
	$3 == "debug:" && $4 == "pptp/control:" && $1 >= t0 && $1 <= t1 {
		lat = $(NF - 1); s = $1 - lat / 1000; l[++nl] = lat
		if (n) { d = (s - last) * 1000
			if (!ni || d < mn) mn = d; if (d > mx) mx = d
			dv = d - 500; if (dv < 0) dv = -dv; if (dv > md) md = dv; ni++ }
		last = s; n++
	}
	END {
		# median latency by insertion sort (a few dozen values)
		for (i = 2; i <= nl; i++) { v = l[i]; j = i - 1
			while (j > 0 && l[j] > v) { l[j + 1] = l[j]; j-- } l[j + 1] = v }
		printf "%d %.1f %.1f %.1f %.1f %.1f\n", ni, mn, mx, md, l[int((nl + 1) / 2)], l[nl]
	}'
}

lab_up || die "lab up failed"
CONF=$LAB/daemon.json
lab_write_config "$CONF" withdraw
TICK=$(getconf CLK_TCK)

# --- production pass ---------------------------------------------------------
LAB_DAEMON_FLAGS= lab_start_daemon "$CONF" || die "daemon did not start"
lab_wait_file "$LAB/gw/admin.sock" 5000 || die "no admin socket"
wait_for_upstream present 10000 || die "prefix not announced"
declare -A RPS P50 P99 MISSED CPU
for ep in $ENDPOINTS; do
	out=$LAB/wrk.$RANDOM
	d0=$(status_doc) t0=$EPOCHREALTIME c0=$(cpu_ticks "$PID_DAEMON")
	wrk_run "$ep" "$out"
	d1=$(status_doc) t1=$EPOCHREALTIME c1=$(cpu_ticks "$PID_DAEMON")
	r0=$(runs_of "$d0") r1=$(runs_of "$d1")
	RPS[$ep]=$(wrk_field "$out" rps)
	P50[$ep]=$(wrk_field "$out" 50%)
	P99[$ep]=$(wrk_field "$out" 99%)
	# runs expected from the elapsed time (start to start, 500 ms)
	MISSED[$ep]=$(awk -v r=$((r1 - r0)) -v a="$t0" -v b="$t1" 'BEGIN { e = int((b - a) / 0.5); m = e - r; print (m > 1 ? m : 0) }')
	CPU[$ep]=$(awk -v c=$((c1 - c0)) -v t="$TICK" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", c / t / (b - a) * 100 }')
	echo "# production $ep: ${RPS[$ep]} req/s, p50 ${P50[$ep]} ms, p99 ${P99[$ep]} ms, runs $r0 -> $r1, cpu ${CPU[$ep]} %" >&2
	upstream_has_prefix || die "prefix lost during the load on $ep"
done
lab_stop_daemon

# --- timed pass (-v, timestamped lines) -----------------------------------------
LAB_DAEMON_TS=1 lab_start_daemon "$CONF" || die "daemon did not start (-v)"
lab_wait_file "$LAB/gw/admin.sock" 5000 || die "no admin socket"
wait_for_upstream present 10000 || die "prefix not announced"
sleep 1
declare -A WIN VRPS
mark=$(daemon_log_lines) t0=$EPOCHREALTIME
sleep "$SECONDS_PER"
WIN[idle]=$(probe_window "$mark" "$t0" "$EPOCHREALTIME")
for ep in $ENDPOINTS; do
	out=$LAB/wrk.$RANDOM
	mark=$(daemon_log_lines) t0=$EPOCHREALTIME
	wrk_run "$ep" "$out"
	WIN[$ep]=$(probe_window "$mark" "$t0" "$EPOCHREALTIME")
	VRPS[$ep]=$(wrk_field "$out" rps)
	echo "# timed $ep: ${VRPS[$ep]} req/s with -v; intervals n min max maxdev lat50 latmax: ${WIN[$ep]}" >&2
done
echo "# timed idle: ${WIN[idle]}" >&2
lab_stop_daemon

{
	echo "Command: \`$CMD\`, $(nproc) CPUs, $(date -u +%Y-%m-%d)."
	echo
	echo "| load | req/s (production) | p50 / p99 latency | daemon CPU | missed probe runs | req/s with -v | pptp-control interval min-max (ms) | max off 500 ms | probe latency p50 / max (ms) |"
	echo "|---|---|---|---|---|---|---|---|---|"
	read -r n mn mx md l50 lmx <<<"${WIN[idle]}"
	echo "| idle | - | - | - | - | - | $mn-$mx ($n intervals) | $md | $l50 / $lmx |"
	for ep in $ENDPOINTS; do
		read -r n mn mx md l50 lmx <<<"${WIN[$ep]}"
		echo "| \`GET $ep\` | ${RPS[$ep]} | ${P50[$ep]} / ${P99[$ep]} ms | ${CPU[$ep]} % | ${MISSED[$ep]} | ${VRPS[$ep]} | $mn-$mx ($n intervals) | $md | $l50 / $lmx |"
	done
} | tee ${BENCH_OUT:+"$BENCH_OUT"}
lab_down
