#!/bin/bash
# failover.sh - fault -> upstream RIB change, anycast-healthd vs ExaBGP.
#
# In the namespaced lab (tests/lab/lab.sh) it measures, at the upstream BIRD,
# the time from a pptpd fault to the prefix leaving the upstream's RIB, and
# from the repair to its return:
#   pptpd SIGKILL (crash)           -> withdrawn      (BENCH_KILL_RUNS, 10)
#   pptpd restarted                 -> announced
#   pptpd SIGSTOP (hung, alive)     -> withdrawn      (BENCH_STOP_RUNS, 5)
#   pptpd SIGCONT                   -> announced
# first with anycast-healthd driving the gateway BIRD (lab config: probes
# every 500 ms, timeout 300 ms, rise 3, fall 2, the default fast interval
# during transitions), then the same with ExaBGP
# 4.2's exabgp-healthcheck at its fastest (interval 1, rise 1, fall 1, a TCP
# connect to 1723 as the check) speaking BGP in place of the gateway BIRD.
# Then the daemon's RSS and CPU time over BENCH_CPU_SECONDS (60) at the
# default probe rates.  The time of the fault is bash's $EPOCHREALTIME taken
# just before the kill builtin; the time of the change is ribwatch's, which
# polls the upstream every millisecond.
#
# Usage (root): make bench, or tests/bench/failover.sh [BUILDDIR]
# Environment: BENCH_ONLY=ours|exabgp, BENCH_KILL_RUNS, BENCH_STOP_RUNS,
# BENCH_CPU_SECONDS (0 skips), BENCH_OUT (also write the table there),
# BENCH_TIMEOUT_MS (the lab service's timeout-ms, 300), LAB_SERVICE_EXTRA
# (more members of the lab service, e.g. ', "fast-interval-ms": 0').
# The machine's load average is printed at the start and the end: timings
# on a shared machine are only comparable at a similar load.

# make runs it with $(SHELL), which may be dash: the lab needs bash.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lab/lab.sh"
lab_init "$1" || exit 1

KILL_RUNS=${BENCH_KILL_RUNS:-10}
STOP_RUNS=${BENCH_STOP_RUNS:-5}
CPU_SECONDS=${BENCH_CPU_SECONDS:-60}
ONLY=${BENCH_ONLY:-}
TIMEOUT_MS=${BENCH_TIMEOUT_MS:-300}
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
# Longest we wait for any one change: ExaBGP's hung case takes ~6 s.
LIMIT_MS=30000

die() { echo "bench: $*" >&2; [ -n "$LAB" ] && tail -n 20 "$LAB/daemon.log" >&2 2>/dev/null; exit 1; }

# Random pause of 0.5-1.5 s so faults land at random points of the probe
# cycles (a fixed pause would measure one phase only).
settle() { sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", 0.5 + r / 32767 }')"; }

# measure WANT ACTION...: lab_measure with the series' limit; $MS.
measure()
{
	lab_measure "$1" "$LIMIT_MS" "${@:2}" || die "$LAB_ERR"
	MS=$LAB_MS
}

# stats LIST: "median max min n"
stats()
{
	printf '%s\n' "$@" | sort -n | awk '
	{ v[NR] = $1 }
	END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	      printf "%.0f %.0f %.0f %d\n", m, v[NR], v[1], NR }'
}

# run_series NAME: fills RES_<NAME>_{kill,restart,stop,cont}
run_series()
{
	local name=$1 i ms pid_ms kill_l='' restart_l='' stop_l='' cont_l=''
	wait_for_upstream present "$LIMIT_MS" || die "$name: prefix never announced"
	settle
	for i in $(seq 1 "$KILL_RUNS"); do
		measure absent pptpd_kill
		kill_l="$kill_l $MS"
		ms=$MS
		settle
		measure present pptpd_start
		restart_l="$restart_l $MS"
		# pptpd's own start: when it wrote its pid file (the file's mtime)
		pid_ms=$(lab_ms_between "$LAB_T0" "$(stat -c %.6Y "$LAB/gw/pptpd.pid")")
		echo "  $name SIGKILL run $i: withdrawn after $ms ms, announced again $MS ms after restart (pid file written after $pid_ms ms)" >&2
		settle
	done
	for i in $(seq 1 "$STOP_RUNS"); do
		measure absent pptpd_stop
		stop_l="$stop_l $MS"
		ms=$MS
		settle
		measure present pptpd_cont
		cont_l="$cont_l $MS"
		echo "  $name SIGSTOP run $i: withdrawn after $ms ms, announced again $MS ms after SIGCONT" >&2
		settle
	done
	eval "RES_${name}_kill=\"$(stats $kill_l)\""
	eval "RES_${name}_restart=\"$(stats $restart_l)\""
	eval "RES_${name}_stop=\"$(stats $stop_l)\""
	eval "RES_${name}_cont=\"$(stats $cont_l)\""
}

# proc_cpu PID...: utime+stime+cutime+cstime in ticks, summed.
proc_cpu()
{
	local p s=0
	for p in "$@"; do
		s=$((s + $(awk '{ print $14 + $15 + $16 + $17 }' /proc/"$p"/stat 2>/dev/null || echo 0)))
	done
	echo "$s"
}

proc_rss_kb() { awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status 2>/dev/null; }

# usage NAME PID...: RSS (sum) and CPU over CPU_SECONDS.
usage()
{
	local name=$1 c0 c1 hz rss=0 p
	shift
	hz=$(getconf CLK_TCK)
	c0=$(proc_cpu "$@")
	sleep "$CPU_SECONDS"
	c1=$(proc_cpu "$@")
	for p in "$@"; do rss=$((rss + $(proc_rss_kb "$p" || echo 0))); done
	eval "USE_${name}=\"$rss $(awk -v c=$((c1 - c0)) -v hz="$hz" -v s="$CPU_SECONDS" \
	    'BEGIN { printf "%.2f %.1f", c / hz, 100 * c / hz / s }')\""
}

echo "bench: lab $NS_GW / $NS_UP, $KILL_RUNS SIGKILL runs, $STOP_RUNS SIGSTOP runs" >&2
lab_up || die "lab did not come up"

if [ "$ONLY" != exabgp ]; then
	[ -x "$DAEMON" ] || die "$DAEMON not built (BENCH_ONLY=exabgp runs the baseline only)"
	echo "bench: anycast-healthd" >&2
	conf=$LAB/daemon.json
	lab_write_config "$conf"
	sed -i "s/\"timeout-ms\": 300/\"timeout-ms\": $TIMEOUT_MS/" "$conf"
	lab_start_daemon "$conf" || die "daemon did not start"
	run_series ours
	if [ "$CPU_SECONDS" -gt 0 ]; then
		lab_stop_daemon
		lab_template daemon-defaults.json withdraw >"$LAB/daemon-defaults.json"
		# no -v: debug logging is not what a production daemon pays for
		LAB_DAEMON_FLAGS= lab_start_daemon "$LAB/daemon-defaults.json" ||
			die "daemon did not start"
		wait_for_upstream present "$LIMIT_MS" || die "prefix not announced with default rates"
		echo "bench: anycast-healthd resources over $CPU_SECONDS s at default probe rates" >&2
		usage ours "$PID_DAEMON"
	fi
	lab_stop_daemon
	wait_for_upstream absent 5000 || die "prefix not withdrawn on SIGTERM"
fi

if [ "$ONLY" != ours ]; then
	echo "bench: ExaBGP healthcheck baseline" >&2
	gw_bird_kill
	exabgp_start || die "exabgp did not start"
	wait_for_bgp 30000 || { tail -20 "$LAB/gw/exabgp.log" >&2; die "ExaBGP session did not come up"; }
	run_series exabgp
	if [ "$CPU_SECONDS" -gt 0 ]; then
		echo "bench: ExaBGP resources over $CPU_SECONDS s" >&2
		hc=$(pgrep -P "$PID_EXABGP" | tr '\n' ' ')
		usage exabgp "$PID_EXABGP" $hc
	fi
	exabgp_stop
fi

# --- the table -------------------------------------------------------------
cell() { # cell "median max min n" -> "median / max"
	[ -n "$1" ] || { echo "n/a"; return; }
	set -- $1
	echo "$1 / $2 ms (n=$4)"
}
row() { printf '| %-40s | %-24s | %-24s |\n' "$1" "$2" "$3"; }
{
	echo
	row "fault -> upstream RIB (median / max)" "anycast-healthd" "ExaBGP healthcheck"
	row "----------------------------------------" "------------------------" "------------------------"
	row "pptpd SIGKILL -> withdrawn" "$(cell "$RES_ours_kill")" "$(cell "$RES_exabgp_kill")"
	row "pptpd restart -> announced" "$(cell "$RES_ours_restart")" "$(cell "$RES_exabgp_restart")"
	row "pptpd SIGSTOP (hung) -> withdrawn" "$(cell "$RES_ours_stop")" "$(cell "$RES_exabgp_stop")"
	row "pptpd SIGCONT -> announced" "$(cell "$RES_ours_cont")" "$(cell "$RES_exabgp_cont")"
	if [ "$CPU_SECONDS" -gt 0 ]; then
		res() { [ -n "$1" ] || { echo n/a; return; }; set -- $1; echo "$1 kB RSS"; }
		cpu() { [ -n "$1" ] || { echo n/a; return; }; set -- $1; echo "$2 s in ${CPU_SECONDS} s ($3 %)"; }
		row "resident memory" "$(res "$USE_ours")" "$(res "$USE_exabgp")"
		row "CPU time (user+sys)" "$(cpu "$USE_ours")" "$(cpu "$USE_exabgp")"
	fi
	echo
	echo "anycast-healthd: lab config (interval 500 ms, timeout $TIMEOUT_MS ms, rise 3, fall 2${LAB_SERVICE_EXTRA:+, extra:$LAB_SERVICE_EXTRA}); resources at the default probe rates."
	echo "ExaBGP: exabgp-healthcheck --interval 1 --fast-interval 1 --rise 1 --fall 1 --timeout 1, check = TCP connect to 10.99.0.1:1723; resources = exabgp + healthcheck processes."
	echo "$(uname -r), $(nproc) cores, $(bird --version 2>&1), $(pptpd --version 2>&1 | head -1), exabgp $(exabgp --version 2>&1 | awk '/ExaBGP/ {print $NF; exit}')"
	echo "load average (1/5/15 min) at the start: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee ${BENCH_OUT:+"$BENCH_OUT"}
exit 0
