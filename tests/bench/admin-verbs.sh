#!/bin/bash
# admin-verbs.sh - what saving the operator's overrides costs an admin verb.
#
# Every drain/maintenance/resume writes api/admin-state-file durably
# (temporary file, fsync, rename, fsync of the directory) from the daemon's
# loop.  This times, on the admin socket, BENCH_ADMIN_N (200) requests of
# each kind, side by side in one run:
#   GET /v1/status            no disk at all (the baseline)
#   POST /v1/maintenance      an override set and saved
#   POST /v1/resume           an override cleared and saved
# with curl's time_total, and prints a markdown table (p50, p90, max in ms)
# for docs/performance.md with the command that produced it.  The daemon
# runs without a router (its socket is missing) and with one exec probe:
# the file's directory is a fresh one under /var/tmp (a disk, not tmpfs).
#
# Usage: tests/bench/admin-verbs.sh path/to/anycast-healthd
# Environment: BENCH_ADMIN_N, BENCH_ADMIN_DIR (the parent of the state
# directory, default /var/tmp).
set -euo pipefail
daemon=$(readlink -f "$1")
n=${BENCH_ADMIN_N:-200}
work=$(mktemp -d "${BENCH_ADMIN_DIR:-/var/tmp}/ahd-bench-admin.XXXXXX")
pid=
cleanup() {
	# (the daemon exits 1 here: no router confirmed the withdrawal)
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/config.json" <<CONF
{ "anycast-healthd:anycast-healthd": {
    "router": { "bird": { "control-socket": "$work/bird.ctl", "state-file": "$work/state.conf" } },
    "service": [ { "name": "svc", "interval-ms": 1000, "timeout-ms": 500,
        "probe": [ { "name": "true", "exec": { "command": ["/bin/true"] } } ] } ],
    "prefix": [ { "prefix": "192.0.2.1/32", "depends-on": ["svc"], "bird": { "protocol": "anycast4" } } ],
    "api": { "admin-socket": "$work/admin.sock", "admin-state-file": "$work/state/admin-state.json",
             "listen-port": 0, "admin-group": "root" } } }
CONF
"$daemon" -c "$work/config.json" 2>"$work/daemon.log" &
pid=$!
for _ in $(seq 100); do [ -S "$work/admin.sock" ] && break; sleep 0.05; done
[ -S "$work/admin.sock" ] || { echo "admin-verbs: the daemon did not start"; cat "$work/daemon.log"; exit 1; }

# timed METHOD PATH [BODY]: n requests, one time_total (s) per line
timed() {
	for _ in $(seq "$n"); do
		curl -s -o /dev/null -w '%{time_total}\n' --unix-socket "$work/admin.sock" \
			-X "$1" ${3:+-d "$3"} "http://localhost$2"
	done
}
stats() {	# p50 p90 max in ms of the seconds on stdin
	sort -g | awk '{ v[NR] = $1 * 1000 } END {
		printf "%.2f | %.2f | %.2f", v[int(NR * 0.5 + 0.5)], v[int(NR * 0.9 + 0.5)], v[NR] }'
}
status=$(timed GET /v1/status | stats)
# alternate so that each POST changes the override and saves
: >"$work/m" ; : >"$work/r"
for _ in $(seq "$n"); do
	curl -s -o /dev/null -w '%{time_total}\n' --unix-socket "$work/admin.sock" \
		-X POST -d '{"all": true}' http://localhost/v1/maintenance >>"$work/m"
	curl -s -o /dev/null -w '%{time_total}\n' --unix-socket "$work/admin.sock" \
		-X POST -d '{"all": true}' http://localhost/v1/resume >>"$work/r"
done
maint=$(stats <"$work/m")
resume=$(stats <"$work/r")
grep -q '"overrides"' "$work/state/admin-state.json" || { echo "admin-verbs: no state file written"; exit 1; }

fs=$(df -T "$work" | awk 'NR == 2 { print $2 }')
echo "Command: tests/bench/admin-verbs.sh $1 (BENCH_ADMIN_N=$n, state file on $fs)"
echo
echo "| request ($n each, admin socket, curl time_total) | p50 ms | p90 ms | max ms |"
echo "|---|---|---|---|"
echo "| \`GET /v1/status\` (no disk) | $status |"
echo "| \`POST /v1/maintenance\` (override saved, fsync) | $maint |"
echo "| \`POST /v1/resume\` (override saved, fsync) | $resume |"
