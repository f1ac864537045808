#!/bin/bash
# probes.sh - what each probe kind costs: latency, CPU, memory, and the
# load it puts on pptpd.
#
# In the namespaced lab (tests/lab/lab.sh + lab-probes.sh; pptpd runs with
# ppp = tests/lab/fake-pppd, so the pptp-gre probe gets its LCP answer
# through the real pptpctrl):
#
#  1 latency: one service per kind (pptp-control, process, pptp-gre,
#    capacity, tcp, http, exec), every probe every 500 ms, the daemon with
#    -v; the daemon's own measurement of each run is parsed from its debug
#    lines "KIND/p: UP (ok) N.N ms" until every kind has BENCH_LATENCY_RUNS
#    (30) results: median, p95, max.  tcp and http target a python3
#    http.server in the gateway namespace; exec runs /bin/true.
#  2 cost per run: for each kind alone, the daemon (-v, to count the runs)
#    probing fast (every 100 ms, pptp-gre every 200 ms) for
#    BENCH_KIND_SECONDS (15): CPU of the daemon and of pptpd per run.  CPU
#    is utime+stime+cutime+cstime from /proc/PID/stat, so the daemon's
#    figure includes its exec children and pptpd's includes every pptpctrl
#    it reaped (and what those reaped: pppd, here the fake-pppd).
#  3 defaults: pptp-control + process (500 ms), pptp-gre (5000 ms) and
#    capacity (5000 ms), no timing leaves in the config, the daemon without
#    -v, for BENCH_CPU_SECONDS (60): the daemon's CPU and RSS, pptpd's CPU,
#    and pptp-control's runs (from the status: how many were second runs
#    beside a late one, docs/probes.md).
#
# Usage (root): tests/bench/probes.sh [BUILDDIR]
# Environment: BENCH_LATENCY_RUNS (30), BENCH_KIND_SECONDS (15; 0 skips 2),
# BENCH_CPU_SECONDS (60; 0 skips 3), BENCH_OUT=FILE (also write the tables
# there), DAEMON= (the binary under test).  About 4 minutes.

# make runs it with $(SHELL), which may be dash: the lab needs bash.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/../lab/lab-probes.sh"
lab_init "$1" || exit 1
probes_init || exit 1

LAT_RUNS=${BENCH_LATENCY_RUNS:-30}
KIND_SECONDS=${BENCH_KIND_SECONDS:-15}
CPU_SECONDS=${BENCH_CPU_SECONDS:-60}
KINDS="pptp-control process pptp-gre capacity tcp http exec"
HZ=$(getconf CLK_TCK)
START=$EPOCHREALTIME

die() { echo "bench: $*" >&2; [ -n "$LAB" ] && tail -n 20 "$LAB/daemon.log" >&2 2>/dev/null; exit 1; }

# probe_json KIND [INTERVAL_MS TIMEOUT_MS]: one probe named "p".
probe_json()
{
	local kind=$1 timing='' body
	[ -n "${2:-}" ] && timing="\"interval-ms\": $2, \"timeout-ms\": $3, "
	case $kind in
	pptp-control) body='"pptp-control": { "address": "10.99.0.1" }' ;;
	process) body='"process": { "pidfile": "@LAB@/gw/pptpd.pid", "process-name": "pptpd" }' ;;
	pptp-gre) body='"pptp-gre": { "address": "10.99.0.1" }' ;;
	capacity) body='"capacity": { "pidfile": "@LAB@/gw/pptpd.pid", "pptpd-conf": "@LAB@/gw/pptpd.conf" }' ;;
	tcp) body='"tcp": { "address": "10.99.0.1", "port": 8080 }' ;;
	http) body='"http": { "url": "http://10.99.0.1:8080/health.txt", "body-contains": "OK" }' ;;
	exec) body='"exec": { "command": [ "/bin/true" ] }' ;;
	*) die "unknown kind $kind" ;;
	esac
	echo "{ \"name\": \"p\", $timing$body }"
}

# write_config FILE SERVICES DEPENDS
write_config()
{
	probes_template probes-bench.json "$3" "$2" >"$1"
	ip netns exec "$NS_GW" "$DAEMON" -n -c "$1" >/dev/null 2>&1 ||
		die "config $1 does not validate: $(ip netns exec "$NS_GW" "$DAEMON" -n -c "$1" 2>&1 | head -n 3)"
}

# control_runs: "RUNS SECOND_RUNS" of the pptp-control probe of service
# pptp, from the status on the admin socket (SECOND_RUNS: runs started beside
# a late one; 0 from a daemon that does not report them).
control_runs()
{
	ip netns exec "$NS_GW" timeout 10 "$top_builddir/anycast-healthctl" \
	    --socket "$LAB/gw/admin.sock" status --json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
p = [p for s in d["services"] if s["name"] == "pptp" for p in s["probes"] if p["name"] == "control"][0]
print(p["runs"], p.get("second_runs", 0))'
}

# runs KIND [FROM_LINE]: result lines of the kind's probe in the daemon log.
runs() { probes_log_since "${2:-0}" | grep -Ec -- "^anycast-healthd: debug: $1/p: [A-Z]+ \(" ; }

# stats: numbers on stdin -> "median p95 max n" (p95: nearest rank).
stats()
{
	sort -n | awk '
	{ v[NR] = $1 }
	END {
		if (NR == 0) { print "- - - 0"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		r = int(0.95 * NR); if (r < 0.95 * NR) r++
		printf "%.1f %.1f %.1f %d\n", m, v[r], v[NR], NR
	}'
}

echo "bench: lab $NS_GW / $NS_UP, daemon $DAEMON" >&2
[ -x "$DAEMON" ] || die "$DAEMON not built"
probes_lab_up || die "lab did not come up"
probes_http_start || die "http.server did not start"
[ "$(cat /proc/"$PID_PPTPD"/comm 2>/dev/null)" = pptpd ] || die "pid $PID_PPTPD is not pptpd"

# --- 1. latency --------------------------------------------------------------
svcs='' deps=''
for k in $KINDS; do
	svcs="$svcs${svcs:+, }{ \"name\": \"$k\", \"probe\": [ $(probe_json "$k" 500 400) ] }"
	deps="$deps${deps:+, }\"$k\""
done
write_config "$LAB/lat.json" "$svcs" "$deps"
echo "bench: 1 latency, every kind every 500 ms until each has $LAT_RUNS results" >&2
mark=$(daemon_log_lines)
lab_start_daemon "$LAB/lat.json" || die "daemon did not start"
limit=$((LAT_RUNS * 2 + 60))
for i in $(seq 1 "$limit"); do
	done_all=1
	for k in $KINDS; do
		[ "$(runs "$k" "$mark")" -ge "$LAT_RUNS" ] || { done_all=0; break; }
	done
	[ "$done_all" = 1 ] && break
	sleep 1
done
lab_stop_daemon
[ "$done_all" = 1 ] || die "not every kind reached $LAT_RUNS results in $limit s"
for k in $KINDS; do
	lines=$(probes_log_since "$mark" | grep -E -- "^anycast-healthd: debug: $k/p: [A-Z]+ \(" |
		head -n "$LAT_RUNS")
	eval "LAT_${k//-/_}=\"$(printf '%s\n' "$lines" | awk '/: UP \(ok\) / { print $(NF - 1) }' | stats)\""
	eval "LATBAD_${k//-/_}=\"$(printf '%s\n' "$lines" | grep -vc ': UP (ok) ')\""
	whybad=$(printf '%s\n' "$lines" | grep -v ': UP (ok) ' | awk '{ print $4, $5 }' | sort | uniq -c |
		tr -s ' \n' ' ')
	echo "  $k: $(eval echo "\$LAT_${k//-/_}") (median p95 max n), not UP: $(eval echo "\$LATBAD_${k//-/_}")${whybad:+ ($whybad)}" >&2
done

# --- 2. cost per run, one kind at a time ------------------------------------
if [ "$KIND_SECONDS" -gt 0 ]; then
	echo "bench: 2 cost per run, each kind alone for $KIND_SECONDS s" >&2
	p0=$(probes_cpu_ticks "$PID_PPTPD")
	sleep "$KIND_SECONDS"
	IDLE_PPTPD=$(( $(probes_cpu_ticks "$PID_PPTPD") - p0 ))
	echo "  no probes: pptpd $IDLE_PPTPD ticks in $KIND_SECONDS s" >&2
	for k in $KINDS; do
		case $k in
		pptp-gre) iv=200 to=150 ;;
		*) iv=100 to=80 ;;
		esac
		write_config "$LAB/cost-$k.json" \
		    "{ \"name\": \"$k\", \"probe\": [ $(probe_json "$k" "$iv" "$to") ] }" "\"$k\""
		mark=$(daemon_log_lines)
		lab_start_daemon "$LAB/cost-$k.json" || die "daemon did not start ($k)"
		wait_for_log "$k/p: " 5000 "$mark" || die "$k: no result within 5 s"
		sleep 0.5
		n0=$(runs "$k" "$mark")
		d0=$(probes_cpu_ticks "$PID_DAEMON")
		p0=$(probes_cpu_ticks "$PID_PPTPD")
		sleep "$KIND_SECONDS"
		n1=$(runs "$k" "$mark")
		d1=$(probes_cpu_ticks "$PID_DAEMON")
		p1=$(probes_cpu_ticks "$PID_PPTPD")
		bad=$(probes_log_since "$mark" | grep -E -- "^anycast-healthd: debug: $k/p: [A-Z]+ \(" |
			grep -vc ': UP (ok) ')
		whybad=$(probes_log_since "$mark" | grep -E -- "^anycast-healthd: debug: $k/p: [A-Z]+ \(" |
			grep -v ': UP (ok) ' | awk '{ print $4, $5 }' | sort | uniq -c | tr -s ' \n' ' ')
		lab_stop_daemon
		n=$((n1 - n0))
		[ "$n" -gt 0 ] || die "$k: no runs counted"
		eval "COST_${k//-/_}=\"$(awk -v n="$n" -v d=$((d1 - d0)) -v p=$((p1 - p0)) -v hz="$HZ" \
		    -v iv="$iv" -v bad="$bad" \
		    'BEGIN { printf "%d %d %.2f %.2f %d %d", iv, n, 1000 * d / hz / n, 1000 * p / hz / n, bad, p }')\""
		echo "  $k every $iv ms: $n runs, daemon $((d1 - d0)) ticks, pptpd $((p1 - p0)) ticks, not UP $bad${whybad:+ ($whybad)}" >&2
	done
fi

# --- 3. default rates ---------------------------------------------------------
if [ "$CPU_SECONDS" -gt 0 ]; then
	# one line: probes_template's sed takes no newline in a replacement
	svcs="{ \"name\": \"pptp\", \"probe\": [ $(probe_json pptp-control | sed 's/"p"/"control"/'),"
	svcs="$svcs $(probe_json process | sed 's/"p"/"process"/') ] },"
	svcs="$svcs { \"name\": \"gre\", \"probe\": [ $(probe_json pptp-gre) ] },"
	svcs="$svcs { \"name\": \"cap\", \"probe\": [ $(probe_json capacity) ] }"
	write_config "$LAB/defaults.json" "$svcs" '"pptp", "gre", "cap"'
	echo "bench: 3 default rates (no -v), $CPU_SECONDS s" >&2
	LAB_DAEMON_FLAGS="" lab_start_daemon "$LAB/defaults.json" || die "daemon did not start"
	wait_for_upstream present 30000 || die "prefix not announced at the default rates"
	read -r r0 s0 <<<"$(control_runs)"
	d0=$(probes_cpu_ticks "$PID_DAEMON")
	p0=$(probes_cpu_ticks "$PID_PPTPD")
	sleep "$CPU_SECONDS"
	d1=$(probes_cpu_ticks "$PID_DAEMON")
	p1=$(probes_cpu_ticks "$PID_PPTPD")
	read -r r1 s1 <<<"$(control_runs)"
	[ -n "$r0" ] && [ -n "$r1" ] || die "no pptp-control run counts in the status"
	DEF_RUNS="$((r1 - r0)) runs, $((s1 - s0)) of them beside a late run"
	DEF_RSS=$(probes_rss_kb "$PID_DAEMON")
	DEF_HWM=$(awk '/^VmHWM:/ { print $2 }' /proc/"$PID_DAEMON"/status)
	lab_stop_daemon
	DEF_DAEMON=$(awk -v c=$((d1 - d0)) -v hz="$HZ" -v s="$CPU_SECONDS" \
	    'BEGIN { printf "%.2f s in %d s (%.2f %%)", c / hz, s, 100 * c / hz / s }')
	DEF_PPTPD=$(awk -v c=$((p1 - p0)) -v hz="$HZ" -v s="$CPU_SECONDS" \
	    'BEGIN { printf "%.2f s in %d s (%.2f %%)", c / hz, s, 100 * c / hz / s }')
fi
lab_down

# --- the tables -----------------------------------------------------------------
{
	echo
	printf '| %-13s | %-28s | %-22s | %-22s |\n' "probe kind" "latency median / p95 / max" \
	    "daemon CPU per run" "pptpd CPU per run"
	printf '| %-13s | %-28s | %-22s | %-22s |\n' "-------------" "----------------------------" \
	    "----------------------" "----------------------"
	for k in $KINDS; do
		eval "lat=\$LAT_${k//-/_} cost=\${COST_${k//-/_}:-}"
		set -- $lat
		l="$1 / $2 / $3 ms (n=$4)"
		if [ -n "$cost" ]; then
			set -- $cost
			d="$3 ms (n=$2 @ $1 ms)"
			p="$4 ms"
		else
			d=n/a p=n/a
		fi
		printf '| %-13s | %-28s | %-22s | %-22s |\n' "$k" "$l" "$d" "$p"
	done
	echo
	if [ "$CPU_SECONDS" -gt 0 ]; then
		echo "Default rates (pptp-control + process every 500 ms, pptp-gre and capacity every 5000 ms), $CPU_SECONDS s, no -v:"
		echo "  anycast-healthd: CPU $DEF_DAEMON, RSS $DEF_RSS kB (peak $DEF_HWM kB)"
		echo "  pptpd (+ the pptpctrl children it reaped): CPU $DEF_PPTPD"
		echo "  pptp-control: $DEF_RUNS"
	fi
	[ "$KIND_SECONDS" -gt 0 ] && echo "pptpd with no probes: $IDLE_PPTPD ticks in $KIND_SECONDS s; CLK_TCK $HZ (CPU resolution $((1000 / HZ)) ms)."
	echo "Latency: the daemon's own start-to-result time, each kind every 500 ms (all at once), -v."
	echo "$(uname -r), $(nproc) cores, $(bird --version 2>&1), $(pptpd --version 2>&1 | head -n 1), load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "took $(lab_ms_between "$START" "$EPOCHREALTIME" | cut -d. -f1) ms"
} | tee ${BENCH_OUT:+"$BENCH_OUT"}
exit 0
