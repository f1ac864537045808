#!/bin/bash
# fleet.sh - what the fleet guard buys and costs, measured at the upstream of
# the fleet lab (tests/lab/fleet-lab.sh: gw1, gw2 with BIRD, gw3 with FRR,
# one etcd member on the lab's LAN):
#  (i)   dark time in a common-mode failure: every pptpd killed in one kill,
#        restarted BENCH_OUTAGE_S (5) s later; how long the upstream had no
#        path for the prefix (ribwatch, every ms), with the guard (a fleet
#        section, min-announcers 1), without it (no fleet section) and with
#        ExaBGP's exabgp-healthcheck in place of each gateway's router and
#        daemon (as tests/bench/failover.sh runs it); BENCH_DARK_RUNS (3)
#  (ii)  one gateway's pptpd SIGKILL -> its path withdrawn at the upstream
#        (gw1, a BIRD gateway; gw2 and gw3 announcing), without the fleet,
#        with it, and with the store's round trip made longer by tc netem
#        on the LAN, or where the kernel has no sch_netem by a proxy that
#        delays etcd's replies (fl_delay_init; BENCH_DELAYS, "1 5 20" ms);
#        BENCH_KILL_RUNS (10) each
#  (iii) gw1's daemon's RSS and CPU over BENCH_CPU_SECONDS (60; 0 skips) at
#        the default probe rates, without and with the fleet (its defaults:
#        lease 10 s, keepalive every TTL/3, the watch)
# Daemons run without -v.  The time of a fault is bash's $EPOCHREALTIME
# just before the kill builtin; the time of a change is ribwatch's.
#
# Usage (root): make bench-fleet, or tests/bench/fleet.sh [BUILDDIR]
# Environment: BENCH_ONLY="dark kill cpu" (a subset), BENCH_MODES="nofleet
# fleet exabgp" (a subset: which daemons/speakers run), BENCH_DARK_RUNS,
# BENCH_OUTAGE_S, BENCH_KILL_RUNS, BENCH_DELAYS, BENCH_CPU_SECONDS,
# BENCH_OUT (also write the table there).

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/../lab/fleet-lab.sh"
fleet_init "$1" || exit 1

DARK_RUNS=${BENCH_DARK_RUNS:-3}
OUTAGE_S=${BENCH_OUTAGE_S:-5}
KILL_RUNS=${BENCH_KILL_RUNS:-10}
DELAYS=${BENCH_DELAYS:-1 5 20}
CPU_SECONDS=${BENCH_CPU_SECONDS:-60}
ONLY=${BENCH_ONLY:-dark kill cpu}
MODES=${BENCH_MODES:-nofleet fleet exabgp}
FL_DAEMON_FLAGS=
FL_ONEXIT=keep

die() { echo "bench: $*" >&2; exit 1; }
want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
mode() { case " $MODES " in *" $1 "*) return 0 ;; esac; return 1; }
settle() { sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", 0.5 + r / 32767 }')"; }

stats()
{
	printf '%s\n' "$@" | sort -n | awk '
	{ v[NR] = $1 }
	END { if (!NR) exit
	      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	      printf "%.1f %.1f %.1f %d\n", m, v[NR], v[1], NR }'
}

pptpd_all() { local n; for n in 1 2 3; do [ -n "${FL_PPTPD[$n]}" ] || fl_pptpd_start "$n" || die "pptpd $n"; done; }

# daemons FLEET [TEMPLATE]: (re)start the three daemons, with (1) or without
# (0) a fleet section; wait for 3 paths.
daemons()
{
	local n
	for n in 1 2 3; do fl_daemon_stop "$n"; done
	for n in 1 2 3; do
		FL_FLEET=$1 FL_TEMPLATE=${2:-} fl_write_config "$n"
		[ -n "${2:-}" ] && [ "${FL_ROUTERS[$n]}" = frr ] && FL_FLEET=$1 fl_write_config "$n"
		fl_daemon_start "$n" || die "daemon $n did not start"
	done
	fl_wait_paths 3 40000 || die "3 paths not reached (fleet $1): $(fl_paths)"
	[ "$1" = 1 ] && { fl_wait_until 20000 fl_announcers3 || die "3 announcer keys not reached"; }
	return 0
}
fl_announcers3() { [ "$(fl_keys "$FL_ANNOUNCERS_KEY" | wc -l)" = 3 ]; }

# dark_run: every pptpd killed at once, restarted OUTAGE_S later; DARK_MS =
# the time the upstream had no path, from the kill until 3 paths again.
dark_run()
{
	local out=$LAB/dark.$RANDOM t0 i=0
	fl_ribwatch -t $(((OUTAGE_S + 60) * 1000)) >"$out" 2>&1 &
	local pid=$!
	until [ -s "$out" ]; do [ $i -ge 500 ] && break; sleep 0.01; i=$((i + 1)); done
	t0=$EPOCHREALTIME
	fl_pptpd_kill 1 2 3
	sleep "$OUTAGE_S"
	pptpd_all
	fl_wait_paths 3 60000 || die "dark run: 3 paths not back: $(fl_paths)"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	DARK_MS=$(awk -v t0="$t0" -v t1="$EPOCHREALTIME" '
		$3 == "absent" && !dark { dark = 1; from = ($1 > t0 ? $1 : t0) }
		$3 == "present" && dark { dark = 0; sum += $1 - from }
		END { if (dark) sum += t1 - from; printf "%.1f\n", sum * 1000 }' "$out")
	rm -f "$out"
}

# dark_series NAME: DARK_RUNS runs into RES_dark_NAME.
dark_series()
{
	local i l=
	for i in $(seq 1 "$DARK_RUNS"); do
		settle
		dark_run
		echo "  dark $1 run $i: $DARK_MS ms without a path (outage $OUTAGE_S s)" >&2
		l="$l $DARK_MS"
	done
	eval "RES_dark_$1=\"$(stats $l)\""
}

# kill_series NAME: gw1's pptpd SIGKILL -> gw1's path gone, KILL_RUNS times.
kill_series()
{
	local i l= out t0 t1 pid j
	for i in $(seq 1 "$KILL_RUNS"); do
		settle
		out=$LAB/kill.$RANDOM
		fl_ribwatch -p 1 -x -t 20000 >"$out" 2>&1 &
		pid=$!
		j=0
		until [ -s "$out" ]; do [ $j -ge 500 ] && break; sleep 0.01; j=$((j + 1)); done
		grep -q 'present initial' "$out" || die "kill $1: gw1's path not there before the kill"
		t0=$EPOCHREALTIME
		fl_pptpd_kill 1
		wait "$pid"
		t1=$(awk '$3 == "absent" && $4 == "" { print $1; exit }' "$out")
		rm -f "$out"
		[ -n "$t1" ] || die "kill $1: gw1's path did not leave within 20 s"
		l="$l $(lab_ms_between "$t0" "$t1")"
		echo "  kill $1 run $i: gw1 withdrawn at the upstream after $(lab_ms_between "$t0" "$t1") ms" >&2
		fl_pptpd_start 1 || die "pptpd 1"
		fl_wait_until 20000 fl_has 1 || die "kill $1: gw1 not back"
		[ "$1" = nofleet ] || fl_wait_until 20000 fl_announcers3 || die "kill $1: gw1's key not back"
	done
	eval "RES_kill_$1=\"$(stats $l)\""
}

proc_cpu() { awk '{ print $14 + $15 }' /proc/"$1"/stat 2>/dev/null || echo 0; }
proc_rss_kb() { awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status 2>/dev/null; }

# usage NAME: gw1's daemon's RSS and CPU over CPU_SECONDS.
usage()
{
	local pid=${FL_DAEMON[1]} c0 c1 hz
	hz=$(getconf CLK_TCK)
	sleep 5
	c0=$(proc_cpu "$pid")
	sleep "$CPU_SECONDS"
	c1=$(proc_cpu "$pid")
	eval "USE_$1=\"$(proc_rss_kb "$pid") $(awk -v c=$((c1 - c0)) -v hz="$hz" -v s="$CPU_SECONDS" \
	    'BEGIN { printf "%.2f %.2f", c / hz, 100 * c / hz / s }')\""
	echo "  cpu $1: $(eval echo "\$USE_$1") (RSS kB, CPU s, %)" >&2
}

echo "bench: fleet lab $NS_GW $NS_GW2 $NS_GW3, store $NS_ETCD" >&2
fleet_up || die "lab did not come up"
fl_etcd_start 1 || die "etcd did not start"

if mode nofleet; then
	echo "bench: without a fleet section" >&2
	daemons 0
	want kill && kill_series nofleet
	want dark && dark_series nofleet
	if want cpu && [ "$CPU_SECONDS" -gt 0 ]; then
		daemons 0 fleet-daemon-defaults.json
		usage off
	fi
fi

mode fleet && echo "bench: with the fleet" >&2 && daemons 1
if mode fleet && want kill; then
	kill_series fleet
	fl_delay_init || die "no way to delay the store"
	if [ "$FL_DELAY_KIND" = proxy ]; then
		# the gateways now reach etcd through the proxy; its own cost first
		daemons 1
		kill_series delay0
	fi
	for d in $DELAYS; do
		fl_delay "$d"
		kill_series "delay$d"
	done
	fl_delay 0
	FL_VIA_PROXY=
	[ "$FL_DELAY_KIND" = proxy ] && daemons 1
fi
mode fleet && want dark && dark_series guard
if mode fleet && want cpu && [ "$CPU_SECONDS" -gt 0 ]; then
	FL_TTL=10 FL_REQUEST_MS=1000 FL_DECISION_MS=2000 daemons 1 fleet-daemon-defaults.json
	usage on
fi

if mode exabgp && want dark && command -v exabgp >/dev/null; then
	echo "bench: ExaBGP healthcheck baseline" >&2
	for n in 1 2 3; do fl_daemon_stop "$n"; done
	fl_routers_kill
	fl_wait_paths 0 20000 || die "routers killed, but $(fl_paths) paths left"
	for n in 1 2 3; do fl_exabgp_start "$n"; done
	fl_wait_paths 3 60000 || die "ExaBGP: 3 paths not reached: $(fl_paths)"
	dark_series exabgp
fi

# --- the table ---------------------------------------------------------------
cell() { [ -n "$1" ] || { echo "n/a"; return; }; set -- $1; echo "$1 / $2 ms (n=$4)"; }
row() { printf '| %-52s | %-26s |\n' "$1" "$2"; }
{
	echo
	row "common-mode failure: every pptpd killed, back after ${OUTAGE_S} s" "upstream dark (median / max)"
	row "----------------------------------------------------" "--------------------------"
	row "anycast-healthd with the fleet guard (min-announcers 1)" "$(cell "$RES_dark_guard")"
	row "anycast-healthd without a fleet section" "$(cell "$RES_dark_nofleet")"
	row "ExaBGP healthcheck" "$(cell "$RES_dark_exabgp")"
	echo
	row "gw1's pptpd SIGKILL -> gw1's path withdrawn" "median / max"
	row "----------------------------------------------------" "--------------------------"
	row "without a fleet section" "$(cell "$RES_kill_nofleet")"
	row "with the fleet, store on the LAN" "$(cell "$RES_kill_fleet")"
	if [ "$FL_DELAY_KIND" = proxy ]; then
		row "with the fleet, store through the delay proxy, + 0 ms" "$(cell "$RES_kill_delay0")"
	fi
	for d in $DELAYS; do
		v=RES_kill_delay$d
		row "with the fleet, store + ${d} ms (${FL_DELAY_KIND:-netem})" "$(cell "${!v}")"
	done
	if [ "$CPU_SECONDS" -gt 0 ]; then
		echo
		row "gw1's daemon over ${CPU_SECONDS} s, default rates" "RSS / CPU"
		row "----------------------------------------------------" "--------------------------"
		u() { [ -n "$1" ] || { echo n/a; return; }; set -- $1; echo "$1 kB / $2 s ($3 %)"; }
		row "without a fleet section" "$(u "$USE_off")"
		row "with the fleet (lease 10 s, watch, one etcd member)" "$(u "$USE_on")"
	fi
	echo
	echo "lab: probes every 500 ms, timeout 300 ms, rise 3, fall 2 (a process probe on pptpd's pid); fleet lease ${FL_TTL} s, decision-timeout ${FL_DECISION_MS} ms; etcd $(etcd --version 2>/dev/null | awk '/etcd Version/ {print $3}') on the LAN bridge; the delay: ${FL_DELAY_KIND:-n/a} (netem on etcd's side of the bridge, or tests/lab/fleet-delay-proxy.py delaying etcd's replies where the kernel has no sch_netem)."
	echo "ExaBGP: exabgp-healthcheck --interval 1 --fast-interval 1 --rise 1 --fall 1 --timeout 1, a TCP connect to pptpd, in place of each gateway's router."
	echo "$(uname -r), $(nproc) cores, $(bird --version 2>&1), FRR $(dpkg-query -W -f '${Version}' frr 2>/dev/null), exabgp $(dpkg-query -W -f '${Version}' exabgp 2>/dev/null)"
} | tee ${BENCH_OUT:+"$BENCH_OUT"}
exit 0
