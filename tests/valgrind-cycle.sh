#!/bin/bash
# valgrind over the daemon's whole life, three times.
# 1. Without a fleet: start, probes running against a real BIRD (private
# socket, no namespace needed), a watched process, tcp, http and exec probes,
# the API answering status/metrics/admin requests, a good reload that also
# restarts the API listeners, a refused (broken) reload, a reload refused
# because the config path is a FIFO, and SIGTERM with on-exit drain (1 s of
# GRACEFUL_SHUTDOWN, then the withdrawal); state-change hooks all along: one
# recording the records, one hanging (killed: SIGTERM ignored, SIGKILL), one
# whose command does not exist, kept across the reloads, and the on-exit
# withdrawal's record run before the exit.
# 2. With a fleet section against a real etcd (Debian's /usr/bin/etcd, one
# member on free loopback ports, data in the temp dir, waited for on its
# /health): the fleet joining (lease, gateway record, announcer key); the
# only service going DOWN so the guard holds (the only gateway,
# min-announcers 1); another gateway's announcer key put with etcdctl so the
# hold is released; /v1/fleet and /metrics; a maintenance refused (409) and
# one with "force": true; a reload that changes the fleet section (the fleet
# module starts again) and one that does not; etcd killed (store unreachable,
# a withdrawal decided alone after decision-timeout-ms) and started again
# (store reachable again); SIGTERM, the planned stop through the guard (held:
# left announced at exit).
# 3. With the keepalived router: track and state files in the temp dir
# (start, the standby rule, the takeover grace, drift, two reloads, stop).
# Each step is waited for by polling the status, the log or etcd (valgrind
# is slow: generous timeouts). Fails on any leak (definite or indirect) or
# memory error in any run.
#   usage: tests/valgrind-cycle.sh path/to/anycast-healthd
set -euo pipefail
daemon=$(readlink -f "$1")
work=$(mktemp -d /tmp/ahd-valgrind.XXXXXX)
pids=()
etcd_pid=
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	[ -n "$etcd_pid" ] && { kill -9 "$etcd_pid" 2>/dev/null || true; wait "$etcd_pid" 2>/dev/null || true; }
	for f in "$work/bird.pid" "$work/bird2.pid"; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
	done
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
             "listen-port": $2, "admin-group": "root" },
    "hooks": { "max-running": 2, "hook": [
        { "name": "record", "event": ["prefix", "admin", "reload"],
          "command": ["/bin/sh", "-c", "echo \"\$ANYCAST_HEALTHD_KIND \$ANYCAST_HEALTHD_SUBJECT \$ANYCAST_HEALTHD_NEW\" >> $work/hook-records"] },
        { "name": "hang", "event": ["admin"], "timeout-ms": 200,
          "command": ["/bin/sh", "-c", "trap '' TERM; exec /bin/sleep 600"] },
        { "name": "missing", "event": ["reload"], "command": ["/nonexistent/hook"] } ] } } }
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
wait_for() {	# SECONDS WHAT CMD...: poll CMD (every 0.2 s) until it succeeds
	local end=$((SECONDS + $1)) what="$2 (not within $1 s)"
	shift 2
	until "$@"; do
		daemon_alive || what="$what: the daemon exited"
		if [ $SECONDS -ge $end ] || ! daemon_alive; then
			echo "valgrind-cycle: $what"
			tail -40 "$work/daemon.log"; [ -f "$work/etcd.log" ] && tail -5 "$work/etcd.log"
			exit 1
		fi
		sleep 0.2	# a poll interval, not a wait for an outcome
	done
}
daemon_alive() { [ -z "$vg" ] || kill -0 "$vg" 2>/dev/null; }
logged() { grep -q -F -e "$1" "$work/daemon.log"; }
logged_n() { [ "$(grep -c -F -e "$1" "$work/daemon.log")" -ge "$2" ]; }
status_has() { grep -q -E -e "$1" <<<"$(api GET /v1/status)"; }
write_config 200 0
valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$work/valgrind.log" \
	"$daemon" -v -c "$work/config.json" 2> "$work/daemon.log" &
vg=$!
pids+=("$vg")
wait_for 120 "/v1/status did not answer" status_has '"prefixes"'
expect "/metrics did not answer" '^anycast_healthd_service_state' "$(api GET /metrics)"
expect "maintenance refused" '"maintenance"' "$(api POST /v1/maintenance '{"all": true}')"
api POST /v1/resume '{"all": true}' >/dev/null
# The hooks: the recording one ran for the operator's records, the
# hanging one was killed (SIGTERM ignored: SIGKILL after the grace).
wait_for 120 "no hook record of the maintenance" grep -q "^admin 192.0.2.1/32 maintenance" "$work/hook-records"
wait_for 120 "the hanging hook was not killed" logged "hook hang: still running 1 s after SIGTERM: SIGKILL"
write_config 300 "$port"
expect "API reload refused" reloaded "$(api POST /v1/reload '{}')"
history_answers() { grep -q '"events"' <<<"$(curl -s -m 10 "http://127.0.0.1:$port/v1/history" || true)"; }
wait_for 60 "TCP listener did not answer after the reload" history_answers
echo '{ broken' > "$work/config.json"
kill -HUP $vg
wait_for 60 "broken reload not refused" logged 'not reloading'
# A FIFO where the config was: refused at once, the loop keeps serving.
rm "$work/config.json"; mkfifo "$work/config.json"
kill -HUP $vg
wait_for 60 "FIFO reload not refused" logged 'cannot read: a FIFO, not a regular file'
expect "the API did not answer after a reload from a FIFO" '"prefixes"' "$(api GET /v1/status)"
kill -TERM $vg
vg_check() {	# LABEL: the daemon's exit code and valgrind's log
	local rc=0
	wait $vg || rc=$?
	# Errors and leaks are "==PID==" lines; valgrind's own "--PID--" notices (it
	# does not know pidfd_open, so the daemon falls back to polling) are not.
	if [ $rc -ne 0 ] || grep -q '^==' "$work/valgrind.log"; then
		echo "valgrind-cycle: $1: FAILED (exit $rc)"
		cat "$work/valgrind.log"; tail -30 "$work/daemon.log"
		exit 1
	fi
}
vg_check "without a fleet"
grep -q 'not reloading' "$work/daemon.log" || { echo "valgrind-cycle: broken reload not refused"; tail -30 "$work/daemon.log"; exit 1; }
grep -q 'cannot read: a FIFO, not a regular file' "$work/daemon.log" || { echo "valgrind-cycle: FIFO reload not refused"; tail -30 "$work/daemon.log"; exit 1; }
grep -q 'reloaded' "$work/daemon.log" || { echo "valgrind-cycle: good reload not applied"; tail -30 "$work/daemon.log"; exit 1; }
grep -q 'on-exit drain of 1 prefixes' "$work/daemon.log" || { echo "valgrind-cycle: no on-exit drain"; tail -30 "$work/daemon.log"; exit 1; }
grep -q 'hook missing: failed (exit 127: cannot execute (ENOENT): /nonexistent/hook)' "$work/daemon.log" || { echo "valgrind-cycle: the missing hook did not fail"; tail -30 "$work/daemon.log"; exit 1; }
grep -q '^prefix 192.0.2.1/32 withdrawn' "$work/hook-records" || { echo "valgrind-cycle: the on-exit withdrawal did not reach the hook"; cat "$work/hook-records"; exit 1; }
echo "valgrind-cycle: no leaks or errors over start, reload, refused reload, stop"

# ---- 2. the same daemon with a fleet section, against a real etcd ----
vg=	# no daemon while etcd starts
free_port() {	# a TCP port nobody listens on
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		[ -z "$(ss -Htln "sport = :$p")" ] && { echo $p; return; }
	done
}
etcd_url=
etcd_start() {	# (again, same ports and data: a restart keeps the keys)
	etcd --name vg --data-dir "$work/etcd" --listen-client-urls "$etcd_url" \
		--advertise-client-urls "$etcd_url" --listen-peer-urls "$etcd_peer" \
		--initial-advertise-peer-urls "$etcd_peer" --initial-cluster "vg=$etcd_peer" \
		>>"$work/etcd.log" 2>&1 &
	etcd_pid=$!
	wait_for 60 "etcd not healthy" etcd_healthy
}
etcd_healthy() {
	kill -0 "$etcd_pid" 2>/dev/null || { echo "valgrind-cycle: etcd exited"; tail -20 "$work/etcd.log"; exit 1; }
	curl -s -m 2 "$etcd_url/health" 2>/dev/null | grep -q '"health":"true"'
}
etcd_stop() { kill -9 "$etcd_pid"; wait "$etcd_pid" 2>/dev/null || true; etcd_pid=; }
ectl() { ETCDCTL_API=3 etcdctl --endpoints "$etcd_url" --command-timeout=5s "$@"; }
root=/anycast-healthd/vg
announcers=$root/announcers/192.0.2.1_32
announcer_is() {	# NODE: its announcer key is in the store
	ectl get --keys-only "$announcers/$1" 2>/dev/null | grep -q -x -F "$announcers/$1"
}
announcer_gone() { ! announcer_is "$1"; }
etcd_url=http://127.0.0.1:$(free_port)
etcd_peer=http://127.0.0.1:$(free_port)
etcd_start

printf 'define ANYCAST4_OFF = 1;\ndefine ANYCAST4_DEGRADED_OFF = 1;\n' > "$work/state2.conf"
cat > "$work/bird2.conf" <<CONF
include "$work/state2.conf";
router id 192.0.2.253;
protocol device {}
protocol static anycast4 { disabled ANYCAST4_OFF; ipv4; route 192.0.2.1/32 blackhole; }
protocol static anycast4_degraded { disabled ANYCAST4_DEGRADED_OFF; ipv4; route 192.0.2.1/32 blackhole; }
CONF
bird -c "$work/bird2.conf" -s "$work/bird2.ctl" -P "$work/bird2.pid"
head -c 32 /dev/urandom > "$work/fleet.key"
echo 'user * secret *' > "$work/chap-secrets"
touch "$work/up"
write_fleet_config() {	# $1 = decision-timeout-ms, $2 = the service's interval-ms
	cat > "$work/config.json" <<CONF
{ "anycast-healthd:anycast-healthd": {
    "router": { "bird": { "control-socket": "$work/bird2.ctl", "state-file": "$work/state2.conf" } },
    "service": [ { "name": "pptp", "interval-ms": $2, "timeout-ms": 900, "rise": 1, "fall": 1,
        "on-drift": "warn",
        "probe": [ { "name": "up", "exec": { "command": ["/usr/bin/test", "-e", "$work/up"] } } ] } ],
    "prefix": [ { "prefix": "192.0.2.1/32", "depends-on": ["pptp"], "min-announcers": 1,
                  "bird": { "protocol": "anycast4", "degraded-protocol": "anycast4_degraded" } } ],
    "on-exit": "withdraw",
    "api": { "admin-socket": "$work/admin.sock", "admin-state-file": "$work/admin-state2.json",
             "listen-port": 0, "admin-group": "root" },
    "fleet": { "name": "vg", "node": "gw1", "endpoint": ["$etcd_url"], "lease-ttl-s": 6,
               "request-timeout-ms": 2000, "decision-timeout-ms": $1,
               "on-store-loss": "decide-alone", "key-file": "$work/fleet.key",
               "fingerprint-file": ["$work/chap-secrets"] } } }
CONF
}
rm -f "$work/config.json" "$work/admin.sock"	# the first run left a FIFO there
write_fleet_config 4000 1000
: > "$work/daemon.log"
valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$work/valgrind.log" \
	"$daemon" -v -c "$work/config.json" 2> "$work/daemon.log" &
vg=$!
pids+=("$vg")
# Joined: a lease, the gateway record and, once BIRD announces, the key.
wait_for 120 "fleet not started" logged "fleet: vg as gw1, store $etcd_url"
wait_for 120 "no announcer key for gw1" announcer_is gw1
wait_for 30 "no gateway record" eval 'ectl get --keys-only "$root/gateways/gw1" | grep -q gw1'
wait_for 30 "no lease" eval 'ectl lease list | grep -q "^found [1-9]"'
wait_for 60 "status: not 1 announcer" status_has '"announcers": *1'
# The only service DOWN, the only gateway: the guard holds.
rm "$work/up"
wait_for 120 "the guard did not hold" logged "fleet guard: holding 192.0.2.1/32: withdrawing would leave 0 gateways announcing it (min-announcers 1)"
wait_for 60 "status: not held" status_has '"held": *true'
# Another gateway announces: the hold is released.
ectl put "$announcers/gw2" "{\"state\":\"announced\",\"since\":$(date +%s)}" >/dev/null
wait_for 120 "the hold was not released" logged "fleet guard: released 192.0.2.1/32: gw2 announces it"
wait_for 60 "gw1's announcer key left" announcer_gone gw1
expect "/v1/fleet did not answer" '"gateways"' "$(api GET /v1/fleet)"
expect "/metrics has no fleet" '^anycast_healthd_fleet_store_up 1' "$(api GET /metrics)"
# Up again, gw2 gone: a maintenance is refused, one with force is not.
touch "$work/up"
wait_for 120 "gw1 did not announce again" announcer_is gw1
ectl del "$announcers/gw2" >/dev/null
wait_for 60 "status: gw2 still counted" status_has '"announcers": *1'
answer=$(curl -s -m 30 -w ' HTTP %{http_code}' --unix-socket "$work/admin.sock" -X POST \
	-d '{"prefix": "192.0.2.1/32"}' http://localhost/v1/maintenance || true)
expect "maintenance not refused" '192.0.2.1/32: maintenance refused by the fleet guard: min-announcers is 1 and no other gateway announces it (announcing: gw1); use --force' "$answer"
expect "maintenance refused, but not with 409" ' HTTP 409$' "$answer"
expect "forced maintenance refused" '"maintenance"' "$(api POST /v1/maintenance '{"prefix": "192.0.2.1/32", "force": true}')"
wait_for 60 "forced maintenance left the key" announcer_gone gw1
api POST /v1/resume '{"all": true}' >/dev/null
wait_for 120 "gw1 did not announce after resume" announcer_is gw1
# A reload that changes the fleet section starts the module again; one
# that does not keeps it.
write_fleet_config 3000 1000
expect "fleet reload refused" reloaded "$(api POST /v1/reload '{}')"
wait_for 60 "fleet not restarted" logged "fleet: settings changed, starting again"
wait_for 120 "fleet not started again" logged_n "fleet: vg as gw1, store $etcd_url" 2
wait_for 120 "no announcer key after the restart" announcer_is gw1
write_fleet_config 3000 1200
expect "plain reload refused" reloaded "$(api POST /v1/reload '{}')"
[ "$(grep -c -F 'fleet: settings changed, starting again' "$work/daemon.log")" -eq 1 ] ||
	{ echo "valgrind-cycle: fleet: restarted by a reload that kept it"; tail -30 "$work/daemon.log"; exit 1; }
# The store away: unreachable; a withdrawal decided alone after the
# decision timeout; the store back.
etcd_stop
wait_for 120 "store loss not seen" logged "fleet: store unreachable ("
rm "$work/up"
wait_for 120 "no decision alone" logged "fleet guard: 192.0.2.1/32: decided alone: no answer from the store in 3000 ms; withdrawing"
wait_for 60 "status: not alone" status_has '"alone": *true'
etcd_start
wait_for 120 "store not reachable again" logged "fleet: store reachable again ("
touch "$work/up"
wait_for 120 "no announcer key after the store came back" announcer_is gw1
# The planned stop goes through the guard: the only announcer stays.
kill -TERM $vg
vg_check "with a fleet"
logged "fleet guard: leaving 192.0.2.1/32 announced at exit: held: withdrawing would leave 0 gateways announcing it (min-announcers 1)" ||
	{ echo "valgrind-cycle: fleet: the stop did not go through the guard"; tail -30 "$work/daemon.log"; exit 1; }
echo "valgrind-cycle: no leaks or errors with a fleet: join, hold, release, refusal, force, reloads, store loss and back, stop"

# ---- 3. the keepalived router: track and state files ----
# Start (a missing track file written withdrawn), announced (0), the state
# file renamed in as BACKUP with the service DOWN (the standby rule keeps 0),
# MASTER (the takeover grace's timer withdraws: 254), a track file changed
# by hand (drift, written again), a reload that keeps the driver and one
# that replaces it (another readback interval), SIGTERM with on-exit keep.
vg=
ka_config() {	# $1 = readback-interval-ms
	cat > "$work/ka.json" <<CONF
{ "anycast-healthd:anycast-healthd": {
    "router": { "keepalived": { "pptpd-on-backup": "stopped", "takeover-grace-ms": 1000 },
                "readback-interval-ms": $1 },
    "service": [ { "name": "svc", "interval-ms": 200, "timeout-ms": 100, "rise": 1, "fall": 1,
        "probe": [ { "name": "up", "exec": { "command": ["/usr/bin/test", "-e", "$work/up"] } } ] } ],
    "prefix": [ { "prefix": "198.51.100.10/32", "depends-on": ["svc"],
                  "keepalived": { "track-file": "$work/vip.track", "state-file": "$work/vip.state" } } ],
    "on-exit": "keep",
    "api": { "admin-socket": "$work/admin.sock", "admin-state-file": "$work/admin-state-ka.json",
             "listen-port": 0, "admin-group": "root" } } }
CONF
}
track_is() { [ "$(cat "$work/vip.track" 2>/dev/null)" = "$1" ]; }
vrrp_state() { echo "$1" > "$work/vip.state.new" && mv "$work/vip.state.new" "$work/vip.state"; }
rm -f "$work/vip.track"; touch "$work/up"
ka_config 500
: > "$work/daemon.log"
valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$work/valgrind.log" \
	"$daemon" -v -c "$work/ka.json" 2> "$work/daemon.log" &
vg=$!
pids+=("$vg")
wait_for 120 "keepalived: not announced" track_is 0
logged "track file $work/vip.track was missing: written withdrawn" ||
	{ echo "valgrind-cycle: keepalived: the missing track file was not written withdrawn"; tail -30 "$work/daemon.log"; exit 1; }
vrrp_state BACKUP
wait_for 60 "keepalived: BACKUP not seen" status_has '"state": *"backup"'
rm "$work/up"
wait_for 60 "keepalived: the service did not go DOWN" logged "svc: UP -> DOWN"
track_is 0 || { echo "valgrind-cycle: keepalived: the standby was withdrawn"; exit 1; }
vrrp_state MASTER
wait_for 60 "keepalived: not withdrawn after the takeover grace" track_is 254
echo 7 > "$work/vip.track"
wait_for 60 "keepalived: drift not repaired" track_is 254
logged "holds 7, wanted withdrawn: written again" ||
	{ echo "valgrind-cycle: keepalived: no drift line"; tail -30 "$work/daemon.log"; exit 1; }
expect "keepalived: reload refused" reloaded "$(api POST /v1/reload '{}')"
ka_config 700
expect "keepalived: reload refused" reloaded "$(api POST /v1/reload '{}')"
wait_for 60 "keepalived: driver not replaced" logged "router: settings changed, reconnecting"
touch "$work/up"
wait_for 60 "keepalived: not announced again" track_is 0
kill -TERM $vg
vg_check "keepalived"
track_is 0 || { echo "valgrind-cycle: keepalived: on-exit keep changed the track file"; exit 1; }
echo "valgrind-cycle: no leaks or errors with keepalived: start, standby, takeover grace, drift, reloads, stop"
