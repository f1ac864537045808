#!/bin/bash
# run.sh - integration suite: the real anycast-healthd against real pptpd and
# BIRD 2 in the namespaced lab (tests/lab/lab.sh).  Every check is made at
# the UPSTREAM BIRD's RIB, the only proof that a prefix was announced or
# withdrawn.  One line per check (`ok - ...` / `not ok - ...`), then
# `N passed, N failed`; exit 1 on any failure.  See docs/testing.md for what
# each scenario proves.
#
# Usage (root): make integration, or tests/integration/run.sh [BUILDDIR]
# LAB_KEEP=1 keeps the lab directory (logs, configs) after the run.

# make runs it with $(SHELL), which may be dash: the lab needs bash.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lab/lab.sh"
lab_init "$1" || exit 1

PASSED=0
FAILED=0
START=$EPOCHREALTIME

ok() { PASSED=$((PASSED + 1)); echo "ok - $1"; }

not_ok()
{
	FAILED=$((FAILED + 1))
	echo "not ok - $1: $2"
	if [ -n "$LAB" ] && [ -f "$LAB/daemon.log" ]; then
		echo "#   daemon log (last 15 lines):"
		tail -n 15 "$LAB/daemon.log" | sed 's/^/#     /'
	fi
}

# check NAME REASON CMD...: ok when CMD succeeds.
check()
{
	local name=$1 reason=$2
	shift 2
	if "$@"; then ok "$name"; else not_ok "$name" "$reason"; fi
}

# expect_change NAME WANT LIMIT_MS ACTION...: the upstream becomes WANT
# within LIMIT_MS of ACTION.  On failure it waits a little longer so the
# next scenario starts from a known state.
expect_change()
{
	local name=$1 want=$2 limit=$3
	shift 3
	if lab_measure "$want" "$limit" "$@"; then
		ok "$name ($LAB_MS ms)"
	else
		not_ok "$name" "$LAB_ERR"
		wait_for_upstream "$want" 10000
	fi
}

# expect_steady NAME MS ACTION...: the upstream does not change while ACTION
# runs and for MS milliseconds after it.
expect_steady()
{
	local name=$1 ms=$2
	shift 2
	lab_watch_start $((ms + 60000)) || { not_ok "$name" "ribwatch did not start"; return; }
	"$@"
	sleep "$(awk -v m="$ms" 'BEGIN { print m / 1000 }')"
	if lab_watch_stop; then
		ok "$name"
	else
		not_ok "$name" "upstream changed: $LAB_WATCH_LINES"
	fi
}

log_mark() { MARK=$(daemon_log_lines); }

fatal_setup() { not_ok "$1" "$2"; echo "$PASSED passed, $((FAILED)) failed"; exit 1; }

echo "# lab: $NS_GW / $NS_UP, daemon $DAEMON"
[ -x "$DAEMON" ] || fatal_setup "daemon binary" "$DAEMON not built (make anycast-healthd)"
lab_up || fatal_setup "lab up" "namespaces, BIRD peering or pptpd failed"
ok "lab up: gateway and upstream BIRD peer over eBGP, pptpd listens on $LAB_GW_ADDR:1723"
CONF=$LAB/daemon.json
lab_write_config "$CONF" withdraw
check "config validates (anycast-healthd -n)" "see the output above" \
    ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF"
check "prefix absent at the upstream before the daemon runs" "state file says withdrawn" \
    wait_for_upstream absent 1000

# 1. healthy pptpd -> announced
lab_start_daemon "$CONF" || fatal_setup "daemon starts" "exited at once: $(tail -n 5 "$LAB/daemon.log")"
check "1 healthy pptpd: prefix announced at the upstream" "not present within 10 s" \
    wait_for_upstream present 10000
check "1 daemon log: pptp: INIT -> UP" "no such line" wait_for_log 'pptp: INIT -> UP' 1000
check "1 state file says announced" "$(cat "$LAB/gw/bird-state.conf")" \
    grep -q 'ANYCAST4_OFF = 0;' "$LAB/gw/bird-state.conf"

# 2. pptpd crash -> withdrawn fast (process watch); restart -> announced (rise)
log_mark
if lab_measure absent 5000 pptpd_kill; then
	if awk -v m="$LAB_MS" 'BEGIN { exit !(m < 1000) }'; then
		ok "2 pptpd SIGKILL: prefix left the upstream in $LAB_MS ms (< 1000)"
	else
		not_ok "2 pptpd SIGKILL: prefix left the upstream in < 1000 ms" "took $LAB_MS ms"
	fi
else
	not_ok "2 pptpd SIGKILL: prefix left the upstream" "$LAB_ERR"
	wait_for_upstream absent 10000
fi
check "2 daemon log: pptp: UP -> DOWN (process-exited)" "no such line" \
    wait_for_log 'pptp: UP -> DOWN \(process-exited\)' 1000 "$MARK"
expect_change "2 pptpd restarted: prefix back at the upstream" present 10000 pptpd_start

# 3. pptpd hung (SIGSTOP): TCP handshakes still complete, only the PPTP
# control probe's timeout sees it.
log_mark
expect_change "3 pptpd SIGSTOP (hung): prefix left the upstream" absent 5000 pptpd_stop
check "3 pptpd is still alive while withdrawn (the control probe caught it)" "pptpd gone" \
    lab_alive "$PID_PPTPD"
check "3 daemon log: UP -> DOWN for a probe timeout, not process-exited" \
    "$(tail -n +"$((MARK + 1))" "$LAB/daemon.log" | grep -- '-> DOWN' | head -n 1)" \
    bash -c "tail -n +$((MARK + 1)) '$LAB/daemon.log' | grep 'pptp: UP -> DOWN' | grep -vq process-exited"
expect_change "3 pptpd SIGCONT: prefix back at the upstream" present 10000 pptpd_cont

# 4. BIRD reconfigure and restart: the state file and re-assertion keep the
# daemon's choice.
gw_configure() { gw_birdc configure >/dev/null; }
expect_steady "4 birdc configure while announced: upstream unchanged" 3000 gw_configure
pptpd_kill
check "4 (setup) pptpd killed: withdrawn" "still present" wait_for_upstream absent 5000
expect_steady "4 birdc configure while withdrawn: upstream unchanged" 3000 gw_configure
gw_disable() { gw_birdc disable anycast4 >/dev/null; }
gw_enable() { gw_birdc enable anycast4 >/dev/null; }
# Drift by hand: the daemon's read-back (every 2 s in the lab config) must
# notice and re-assert.
expect_change "4 enable anycast4 by hand while withdrawn: prefix appears" present 3000 gw_enable
check "4 ... daemon re-asserts withdrawn (read-back)" "still present after 6 s" \
    wait_for_upstream absent 6000

gw_restart_bird() { gw_bird_kill; gw_bird_start; }
log_mark
gw_restart_bird
check "4 gateway BIRD restarted while pptpd down: BGP back up" "no session" wait_for_bgp 20000
expect_steady "4 ... prefix stays withdrawn at the upstream" 3000 true
check "4 ... daemon reconnected to the new BIRD" "no 'router: connected'" \
    wait_for_log 'router: connected' 8000 "$MARK"
expect_change "4 pptpd started after the BIRD restart: prefix announced" present 10000 pptpd_start

expect_change "4 disable anycast4 by hand while healthy: prefix leaves" absent 3000 gw_disable
check "4 ... daemon re-asserts announced (read-back)" "still absent after 6 s" \
    wait_for_upstream present 6000
log_mark
if lab_measure absent 10000 gw_bird_kill; then
	ok "4 gateway BIRD killed while healthy: prefix left the upstream (session down)"
else
	not_ok "4 gateway BIRD killed while healthy: prefix left the upstream" "$LAB_ERR"
fi
gw_bird_start
check "4 gateway BIRD restarted while healthy: prefix back at the upstream" \
    "not present within 20 s" wait_for_upstream present 20000
check "4 ... daemon reconnected to the new BIRD" "no 'router: connected'" \
    wait_for_log 'router: connected' 8000 "$MARK"
check "4 ... daemon still running" "exited" daemon_running

# 5. daemon restarts with a healthy pptpd
restart_kill9() { lab_kill_daemon; lab_start_daemon "$CONF"; }
log_mark
expect_steady "5a daemon kill -9 and start again: upstream never loses the prefix" 4000 restart_kill9
check "5a ... restarted daemon saw pptp UP" "no INIT -> UP" wait_for_log 'pptp: INIT -> UP' 3000 "$MARK"

KEEP=$LAB/daemon-keep.json
lab_write_config "$KEEP" keep
lab_kill_daemon
lab_start_daemon "$KEEP"
wait_for_log 'pptp: INIT -> UP' 5000 "$MARK"
restart_term_keep() { lab_stop_daemon TERM; lab_start_daemon "$KEEP"; }
log_mark
expect_steady "5b on-exit keep: SIGTERM and start again: upstream never loses the prefix" 4000 restart_term_keep
check "5b ... log says on-exit keep" "no such line" wait_for_log 'on-exit keep' 1000 "$MARK"

lab_kill_daemon
lab_start_daemon "$CONF"
wait_for_log 'pptp: INIT -> UP' 5000 "$MARK"
sleep 0.5
log_mark
expect_change "5c on-exit withdraw (default): SIGTERM: prefix left the upstream" absent 5000 lab_stop_daemon
check "5c ... daemon exited" "still running" test -z "$PID_DAEMON"
check "5c ... state file says withdrawn" "$(cat "$LAB/gw/bird-state.conf")" \
    grep -q 'ANYCAST4_OFF = 1;' "$LAB/gw/bird-state.conf"
lab_start_daemon "$CONF"
check "5c daemon started again: prefix announced" "not present within 10 s" \
    wait_for_upstream present 10000

# 6. SIGHUP reloads
cp "$CONF" "$LAB/daemon.good.json"
echo '{ "anycast-healthd:anycast-healthd": { this is not JSON' >"$CONF"
log_mark
kill -HUP "$PID_DAEMON"
check "6 SIGHUP with a broken config: log says not reloading" "no such line" \
    wait_for_log 'not reloading' 3000 "$MARK"
check "6 ... daemon still running" "exited" daemon_running
check "6 ... prefix still announced" "absent" upstream_has_prefix
expect_change "6 ... old config keeps working: pptpd SIGKILL withdraws" absent 5000 pptpd_kill
expect_change "6 ... pptpd restarted: prefix back" present 10000 pptpd_start

# A good, changed config: one more service (not a dependency).  The
# unchanged pptp service keeps its state, so the prefix does not flap.
lab_write_config "$CONF" withdraw ', { "name": "pptp-proc", "probe": [ { "name": "process", "process": { "pidfile": "'"$LAB"'/gw/pptpd.pid" } } ] }'
ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF" >/dev/null 2>&1 ||
	not_ok "6 (setup) changed config validates" "$(ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF" 2>&1)"
log_mark
sighup() { kill -HUP "$PID_DAEMON"; wait_for_log 'reloaded|not reloading' 3000 "$MARK"; }
expect_steady "6 SIGHUP with a good changed config: upstream unchanged" 2000 sighup
check "6 ... accepted: log says reloaded, 1 of 2 services kept" \
    "$(tail -n +"$((MARK + 1))" "$LAB/daemon.log" | grep -i reload | head -n 3 | tr '\n' ' ')" \
    wait_for_log 'reloaded .*1 of 2 services kept' 1000 "$MARK"
check "6 ... no 'not reloading'" "it refused the good config" \
    bash -c "! tail -n +$((MARK + 1)) '$LAB/daemon.log' | grep -q 'not reloading'"
expect_change "6 ... new config works: pptpd SIGKILL withdraws" absent 5000 pptpd_kill
expect_change "6 ... pptpd restarted: prefix back" present 10000 pptpd_start

check "daemon still running at the end" "exited" daemon_running
lab_stop_daemon
lab_down

echo "# took $(lab_ms_between "$START" "$EPOCHREALTIME" | cut -d. -f1) ms"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
