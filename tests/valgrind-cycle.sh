#!/bin/bash
# valgrind over the daemon's whole life: start, probes running against a real
# BIRD (private socket, no namespace needed), a watched process, tcp, http
# and exec probes, the API answering status/metrics/admin requests, a good
# reload that also restarts the API listeners, a refused (broken) reload, a
# reload refused because the config path is a FIFO, and
# SIGTERM with on-exit drain (1 s of GRACEFUL_SHUTDOWN, then the withdrawal).
# Fails on any leak (definite or indirect) or memory error.
#   usage: tests/valgrind-cycle.sh path/to/anycast-healthd
set -euo pipefail
daemon=$(readlink -f "$1")
work=$(mktemp -d /tmp/ahd-valgrind.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	[ -f "$work/bird.pid" ] && kill "$(cat "$work/bird.pid")" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

printf 'define ANYCAST4_OFF = 1;\ndefine ANYCAST4_DRAIN_OFF = 1;\n' > "$work/state.conf"
cat > "$work/bird.conf" <<CONF
include "$work/state.conf";
router id 192.0.2.254;
protocol device {}
protocol static anycast4 { disabled ANYCAST4_OFF; ipv4; route 192.0.2.1/32 blackhole; }
protocol static anycast4_drain { disabled ANYCAST4_DRAIN_OFF; ipv4; route 192.0.2.1/32 blackhole; }
CONF
bird -c "$work/bird.conf" -s "$work/bird.ctl" -P "$work/bird.pid"

sleep 600 & pids+=($!)
echo "${pids[0]}" > "$work/sleeper.pid"

port=$((20000 + RANDOM % 20000))
write_config() {	# $1 = interval-ms, $2 = API TCP port (0 = none)
	cat > "$work/config.json" <<CONF
{ "anycast-healthd:anycast-healthd": {
    "router": { "bird": { "control-socket": "$work/bird.ctl", "state-file": "$work/state.conf" } },
    "service": [ { "name": "pptp", "interval-ms": $1, "timeout-ms": 100, "rise": 1, "fall": 1,
        "probe": [ { "name": "process", "process": { "pidfile": "$work/sleeper.pid" } },
                   { "name": "control", "pptp-control": { "address": "127.0.0.1", "port": 9 } },
                   { "name": "tcp", "tcp": { "address": "127.0.0.1", "port": 9 } },
                   { "name": "exec", "exec": { "command": ["/bin/echo", "fine"] } } ] },
                 { "name": "alive", "interval-ms": 200, "timeout-ms": 100, "rise": 1, "fall": 1,
        "damping": { "half-life-s": 1 },
        "probe": [ { "name": "process", "process": { "pidfile": "$work/sleeper.pid" } } ] },
                 { "name": "web", "interval-ms": 1000, "timeout-ms": 500,
        "probe": [ { "name": "self", "http": { "url": "http://127.0.0.1:$port/healthz" } } ] } ],
    "prefix": [ { "prefix": "192.0.2.1/32", "depends-on": ["alive"], "drain-time-s": 1,
                  "bird": { "protocol": "anycast4", "drain-protocol": "anycast4_drain" } } ],
    "on-exit": "drain",
    "api": { "admin-socket": "$work/admin.sock", "admin-state-file": "$work/admin-state.json",
             "listen-port": $2, "admin-group": "root" } } }
CONF
}
api() {	# METHOD PATH [BODY]: one request on the admin socket, body to stdout
	curl -s -m 10 --unix-socket "$work/admin.sock" -X "$1" ${3:+-d "$3"} "http://localhost$2" || true
}
expect() {	# WHAT PATTERN TEXT: fail naming WHAT unless TEXT has a line matching PATTERN
	# (a here-string, not a pipe: "grep -q" leaving a pipe early would SIGPIPE
	# the writer of a large answer such as /metrics and fail under pipefail)
	grep -q -e "$2" <<<"$3" && return 0
	echo "valgrind-cycle: $1 (answer: ${3:0:300})"
	tail -30 "$work/daemon.log"
	exit 1
}
write_config 200 0
valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$work/valgrind.log" \
	"$daemon" -v -c "$work/config.json" 2> "$work/daemon.log" &
vg=$!
pids+=($vg)
sleep 4
expect "/v1/status did not answer" '"prefixes"' "$(api GET /v1/status)"
expect "/metrics did not answer" '^anycast_healthd_service_state' "$(api GET /metrics)"
expect "maintenance refused" '"maintenance"' "$(api POST /v1/maintenance '{"all": true}')"
api POST /v1/resume '{"all": true}' >/dev/null
write_config 300 "$port"
expect "API reload refused" reloaded "$(api POST /v1/reload '{}')"
sleep 3
expect "TCP listener did not answer after the reload" '"events"' "$(curl -s -m 10 "http://127.0.0.1:$port/v1/history" || true)"
echo '{ broken' > "$work/config.json"
kill -HUP $vg; sleep 2
# A FIFO where the config was: refused at once, the loop keeps serving.
rm "$work/config.json"; mkfifo "$work/config.json"
kill -HUP $vg; sleep 2
expect "the API did not answer after a reload from a FIFO" '"prefixes"' "$(api GET /v1/status)"
kill -TERM $vg
rc=0; wait $vg || rc=$?
# Errors and leaks are "==PID==" lines; valgrind's own "--PID--" notices (it
# does not know pidfd_open, so the daemon falls back to polling) are not.
if [ $rc -ne 0 ] || grep -q '^==' "$work/valgrind.log"; then
	echo "valgrind-cycle: FAILED (exit $rc)"
	cat "$work/valgrind.log"; tail -30 "$work/daemon.log"
	exit 1
fi
grep -q 'not reloading' "$work/daemon.log" || { echo "valgrind-cycle: broken reload not refused"; tail -30 "$work/daemon.log"; exit 1; }
grep -q 'cannot read: a FIFO, not a regular file' "$work/daemon.log" || { echo "valgrind-cycle: FIFO reload not refused"; tail -30 "$work/daemon.log"; exit 1; }
grep -q 'reloaded' "$work/daemon.log" || { echo "valgrind-cycle: good reload not applied"; tail -30 "$work/daemon.log"; exit 1; }
grep -q 'on-exit drain of 1 prefixes' "$work/daemon.log" || { echo "valgrind-cycle: no on-exit drain"; tail -30 "$work/daemon.log"; exit 1; }
echo "valgrind-cycle: no leaks or errors over start, reload, refused reload, stop"
