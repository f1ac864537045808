#!/bin/bash
# fate.sh - what happens to the route when the daemon or the router fails,
# in the namespaced lab (tests/lab/lab.sh), read at the upstream BIRD:
#   a  kill -9 of the daemon, then the unit's ExecStopPost
#      (`anycast-healthd --withdraw-all -c CONF` with SERVICE_RESULT as
#      systemd sets it): `signal` withdraws; `success` after a clean stop
#      with on-exit keep changes nothing
#   b  the systemd protocol (once, with the first router): a notify socket
#      (tests/lab/notify-listener.c) records READY=1, WATCHDOG=1 pings
#      (WATCHDOG_USEC=2000000: at least one a second), RELOADING=1 on
#      SIGHUP, STOPPING=1 on SIGTERM; a SIGSTOPped daemon stops pinging for
#      longer than WatchdogSec, and what systemd then does (SIGABRT,
#      ExecStopPost with SERVICE_RESULT=watchdog) withdraws
#   c  router socket missing when the daemon starts: it keeps retrying and
#      announces once the router is there
#   d  router hung (SIGSTOP, its socket silent, BGP session kept) while
#      pptpd fails: health keeps being tracked and the withdrawal is
#      applied when the router answers again
#   e  a slow or broken router start: FRR, a bgpd that takes 0.8 s per
#      command (tests/lab/slow-vty.py between the daemon and bgpd.vty)
#      with command-timeout-ms 1000 still gets the prefix announced; BIRD,
#      the state file deleted while BIRD is down is written again by the
#      daemon, so a BIRD started without --init-bird-state comes up
# for each router of ROUTERS ("bird frr").  Run by run.sh (make integration)
# after the main scenarios, or alone: tests/integration/fate.sh [BUILDDIR].
# FATE_TOTALS=FILE: write "PASSED FAILED" there (run.sh adds them up).

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/checks.sh"

ROUTERS=${ROUTERS:-bird frr}
BUILDDIR=$1
# SIGABRT must not leave core files (or wake a crash handler) in the lab.
ulimit -c 0

withdraw_all()
{
	ip netns exec "$NS_GW" env SERVICE_RESULT="$1" "$DAEMON" --withdraw-all -c "$2" \
	    >>"$LAB/withdraw-all.log" 2>&1
}

# --- notify socket -----------------------------------------------------------

notify_start()
{
	local i=0
	NOTIFY_SOCK=$LAB/notify.sock
	NOTIFY_LOG=$LAB/notify.log
	: >"$NOTIFY_LOG"
	"$NOTIFY_LISTENER" "$NOTIFY_SOCK" >>"$NOTIFY_LOG" 2>&1 &
	NOTIFY_PID=$!
	disown $NOTIFY_PID
	lab_bg_track $NOTIFY_PID
	until [ -S "$NOTIFY_SOCK" ]; do
		[ $i -ge 250 ] && return 1
		sleep 0.02
		i=$((i + 1))
	done
}

notify_lines() { wc -l <"$NOTIFY_LOG"; }

# notify_wait KEY=VALUE MS [FROM_LINE]: the listener got it after FROM_LINE.
notify_wait()
{
	local want=$1 ms=$2 from=${3:-0} i=0
	until tail -n +"$((from + 1))" "$NOTIFY_LOG" | awk -v w="$want" '$4 == w { f = 1 } END { exit !f }'; do
		[ $i -ge $((ms / 20)) ] && return 1
		sleep 0.02
		i=$((i + 1))
	done
}

# notify_max_gap KEY=VALUE FROM_LINE [UNTIL_REALTIME]: the longest time in
# seconds between two KEY=VALUE (and from the last one to UNTIL), and how
# many: "GAP COUNT".
notify_max_gap()
{
	tail -n +"$(($2 + 1))" "$NOTIFY_LOG" | awk -v w="$1" -v until_t="${3:-0}" '
	$4 == w { if (n) { g = $1 - last; if (g > max) max = g } last = $1; n++ }
	END { if (until_t > 0 && n && until_t - last > max) max = until_t - last
	      printf "%.3f %d\n", max, n }'
}

# --- the scenarios -------------------------------------------------------------

# a: crash and the unit's ExecStopPost
fate_crash()
{
	local T=$LAB_ROUTER
	CONF=$LAB/daemon.json
	lab_write_config "$CONF" withdraw
	lab_start_daemon "$CONF" || { not_ok "$T a daemon starts" "exited at once"; return; }
	check "$T a healthy: prefix announced" "not present within 10 s" wait_for_upstream present 10000
	lab_kill_daemon
	expect_steady "$T a daemon kill -9: the route stays (nobody withdraws yet)" 2000 true
	expect_change "$T a ExecStopPost --withdraw-all with SERVICE_RESULT=signal: prefix leaves" \
	    absent 6000 withdraw_all signal "$CONF"
	check "$T a ... it exited 0 and logged why" "$(tail -n 3 "$LAB/withdraw-all.log")" \
	    grep -q 'ended with signal: withdrawing every prefix' "$LAB/withdraw-all.log"
	[ "$T" = bird ] && check "$T a ... state file says withdrawn (BIRD keeps it on configure)" \
	    "$(cat "$LAB/gw/bird-state.conf")" grep -q 'ANYCAST4_OFF = 1;' "$LAB/gw/bird-state.conf"

	KEEP=$LAB/daemon-keep.json
	lab_write_config "$KEEP" keep
	lab_start_daemon "$KEEP"
	check "$T a on-exit keep: daemon started again, prefix announced" "not present within 10 s" \
	    wait_for_upstream present 10000
	lab_stop_daemon TERM
	: >"$LAB/withdraw-all.log"
	keep_stop_post() { withdraw_all success "$KEEP"; echo "rc=$?" >>"$LAB/withdraw-all.log"; }
	expect_steady "$T a clean stop (keep), ExecStopPost with SERVICE_RESULT=success: upstream unchanged" \
	    2000 keep_stop_post
	check "$T a ... it exited 0 saying the daemon applied on-exit keep" "$(cat "$LAB/withdraw-all.log")" \
	    bash -c "grep -q 'stopped cleanly and applied on-exit keep' '$LAB/withdraw-all.log' && grep -q rc=0 '$LAB/withdraw-all.log'"
	# leave it withdrawn for the next scenario
	withdraw_all signal "$CONF"
	wait_for_upstream absent 5000
}

# b: the systemd notify protocol and the watchdog
fate_watchdog()
{
	local T=$LAB_ROUTER mark t_start gap n t_stop
	lab_build_tool notify-listener || { not_ok "$T b notify-listener builds" "cc failed"; return; }
	NOTIFY_LISTENER=$top_builddir/tests/lab/notify-listener
	notify_start || { not_ok "$T b notify listener starts" "no socket"; return; }
	CONF=$LAB/daemon.json
	# No WATCHDOG_PID: sd_notify then accepts any pid, like a service's main process.
	LAB_DAEMON_ENV="NOTIFY_SOCKET=$NOTIFY_SOCK WATCHDOG_USEC=2000000"
	mark=$(notify_lines)
	lab_start_daemon "$CONF" || { not_ok "$T b daemon starts" "exited at once"; LAB_DAEMON_ENV=; return; }
	LAB_DAEMON_ENV=
	check "$T b READY=1 within 1 s of the start" "$(cat "$NOTIFY_LOG")" notify_wait READY=1 1000 "$mark"
	check "$T b ... from the daemon's pid" "$(grep READY=1 "$NOTIFY_LOG" | head -n 1)" \
	    bash -c "awk '\$4 == \"READY=1\" { print \$3; exit }' '$NOTIFY_LOG' | grep -qx '$PID_DAEMON'"
	check "$T b prefix announced" "not present within 10 s" wait_for_upstream present 10000
	sleep 3
	read -r gap n <<<"$(notify_max_gap WATCHDOG=1 "$mark" "$EPOCHREALTIME")"
	check "$T b WATCHDOG=1 at least every second (WatchdogSec 2 s): $n pings, longest gap ${gap} s" \
	    "gap $gap s, $n pings" awk -v g="$gap" -v n="$n" 'BEGIN { exit !(n >= 3 && g <= 1.1) }'
	check "$T b STATUS= tells the state" "$(grep STATUS= "$NOTIFY_LOG" | tail -n 1)" \
	    grep -q 'STATUS=.*1/1 prefixes announced' "$NOTIFY_LOG"

	mark=$(notify_lines)
	kill -HUP "$PID_DAEMON"
	check "$T b SIGHUP: RELOADING=1" "$(tail -n +"$((mark + 1))" "$NOTIFY_LOG" | tr '\n' '|')" \
	    notify_wait RELOADING=1 2000 "$mark"
	check "$T b ... then READY=1 again" "$(tail -n +"$((mark + 1))" "$NOTIFY_LOG" | tr '\n' '|')" \
	    wait_until 2000 bash -c "tail -n +$((mark + 1)) '$NOTIFY_LOG' | awk '\$4 == \"RELOADING=1\" { r = 1 } r && \$4 == \"READY=1\" { ok = 1 } END { exit !ok }'"

	# A hung loop: no pings.  systemd would act after WatchdogSec (2 s).
	mark=$(notify_lines)
	kill -STOP "$PID_DAEMON"
	t_stop=$EPOCHREALTIME
	sleep 2.5
	n=$(tail -n +"$((mark + 1))" "$NOTIFY_LOG" | awk -v t="$t_stop" '$4 == "WATCHDOG=1" && $1 > t + 0.05' | wc -l)
	read -r gap _ <<<"$(notify_max_gap WATCHDOG=1 0 "$EPOCHREALTIME")"
	check "$T b SIGSTOP: no WATCHDOG=1 for longer than WatchdogSec (last one $gap s ago)" \
	    "$n pings after the stop" awk -v g="$gap" -v n="$n" 'BEGIN { exit !(n == 0 && g > 2.0) }'
	check "$T b ... the route is still there (nobody acted yet)" "absent" upstream_has_prefix
	# systemd's watchdog action: SIGABRT (WatchdogSignal=), the process
	# runs on to die of it, then ExecStopPost with SERVICE_RESULT=watchdog.
	watchdog_fire()
	{
		kill -ABRT "$PID_DAEMON"
		kill -CONT "$PID_DAEMON"
		lab_wait_gone "$PID_DAEMON" 5000 || kill -KILL "$PID_DAEMON"
		PID_DAEMON=
		withdraw_all watchdog "$CONF"
	}
	: >"$LAB/withdraw-all.log"
	expect_change "$T b watchdog timeout: SIGABRT, ExecStopPost with SERVICE_RESULT=watchdog: prefix leaves" \
	    absent 8000 watchdog_fire
	check "$T b ... withdraw-all logged the watchdog" "$(cat "$LAB/withdraw-all.log")" \
	    grep -q 'ended with watchdog' "$LAB/withdraw-all.log"

	LAB_DAEMON_ENV="NOTIFY_SOCKET=$NOTIFY_SOCK WATCHDOG_USEC=2000000"
	lab_start_daemon "$CONF"
	LAB_DAEMON_ENV=
	wait_for_upstream present 10000
	mark=$(notify_lines)
	lab_stop_daemon TERM
	check "$T b SIGTERM: STOPPING=1" "$(tail -n +"$((mark + 1))" "$NOTIFY_LOG" | tr '\n' '|')" \
	    notify_wait STOPPING=1 1000 "$mark"
	wait_for_upstream absent 5000
}

# c: the router's socket is missing when the daemon starts
fate_router_late()
{
	local T=$LAB_ROUTER mark
	CONF=$LAB/daemon.json
	mark=$(daemon_log_lines)
	lab_start_daemon "$CONF" || { not_ok "$T c daemon starts without a router" "exited at once"; return; }
	check "$T c router socket missing at start: daemon runs and says so" \
	    "$(tail -n 5 "$LAB/daemon.log" | tr '\n' '|')" \
	    wait_for_log 'router: unreachable|cannot talk to' 3000 "$mark"
	check "$T c ... health is tracked meanwhile: pptp: INIT -> UP" "no such line" \
	    wait_for_log 'pptp: INIT -> UP' 5000 "$mark"
	check "$T c ... daemon still running" "exited" daemon_running
	[ "$T" = bird ] && check "$T c ... the state file already says announced (BIRD will start with it)" \
	    "$(cat "$LAB/gw/bird-state.conf")" grep -q 'ANYCAST4_OFF = 0;' "$LAB/gw/bird-state.conf"
	gw_router_start || { not_ok "$T c gateway $T starts" "see above"; return; }
	check "$T c gateway $T started: BGP up" "no session" wait_for_bgp 20000
	check "$T c ... daemon connected" "no 'router: connected'" wait_for_log 'router: connected' 8000 "$mark"
	check "$T c ... prefix announced at the upstream" "not present within 10 s" \
	    wait_for_upstream present 10000
}

# d: the router hangs while pptpd fails; applied when it answers again
fate_router_hung()
{
	local T=$LAB_ROUTER mark
	mark=$(daemon_log_lines)
	gw_router_stop
	check "$T d gateway $T hung (SIGSTOP): daemon loses it" \
	    "$(tail -n +"$((mark + 1))" "$LAB/daemon.log" | grep -v debug | tr '\n' '|')" \
	    wait_for_log 'router: unreachable' 5000 "$mark"
	pptpd_kill
	check "$T d ... pptpd killed meanwhile: health tracked (pptp: UP -> DOWN)" "no such line" \
	    wait_for_log 'pptp: UP -> DOWN' 2000 "$mark"
	check "$T d ... the route is still at the upstream (the router cannot be told)" "absent" \
	    upstream_has_prefix
	check "$T d ... BGP session still up (hold time 6 s)" "session down" \
	    bash -c "birdc -s '$LAB/up/bird.ctl' show protocols gwpeer | grep -q Established"
	expect_change "$T d gateway $T answers again (SIGCONT): the withdrawal is applied" \
	    absent 8000 gw_router_cont
	check "$T d ... daemon reconnected" "no 'router: connected'" \
	    wait_for_log 'router: connected' 5000 "$mark"
	expect_change "$T d pptpd back: prefix announced" present 10000 pptpd_start
}

# e (FRR): every command 0.8 s late, a 1 s command timeout; the batches
# take 0.8 s (read-back) and 4 s (apply), each command less than 1 s
fate_frr_slow()
{
	local mark conf=$LAB/daemon-slow.json relay
	lab_stop_daemon
	wait_for_upstream absent 5000
	python3 "$LAB_SRC/slow-vty.py" "$LAB/gw/slow-vty.sock" "$LAB/gw/frr/bgpd.vty" 0.8 \
	    >>"$LAB/slow-vty.out" 2>&1 &
	relay=$!
	disown $relay
	lab_bg_track $relay
	lab_wait_file "$LAB/gw/slow-vty.sock" 5000 || { not_ok "frr e slow-vty relay starts" "$(cat "$LAB/slow-vty.out")"; return; }
	lab_write_config "$conf" withdraw
	sed -i -e "s|$LAB/gw/frr/bgpd.vty|$LAB/gw/slow-vty.sock|" \
	    -e 's|"readback-interval-ms": 2000|"readback-interval-ms": 2000, "command-timeout-ms": 1000|' "$conf"
	mark=$(daemon_log_lines)
	lab_start_daemon "$conf" || { not_ok "frr e daemon starts" "exited at once"; return; }
	check "frr e bgpd answering each command in 0.8 s, command-timeout-ms 1000: prefix announced" \
	    "not present within 20 s" wait_for_upstream present 20000
	check "frr e ... the daemon said so" "no 'announced in bgpd'" \
	    wait_for_log 'announced in bgpd' 1000 "$mark"
	check "frr e ... no command timed out, the connection was never lost" \
	    "$(tail -n +"$((mark + 1))" "$LAB/daemon.log" | grep -E 'frr: .*timeout|lost the' | head -n 3 | tr '\n' '|')" \
	    bash -c "! tail -n +$((mark + 1)) '$LAB/daemon.log' | grep -Eq 'frr: .*timeout|lost the'"
	lab_stop_daemon
	lab_kill_pid "$relay" TERM
}

# e (BIRD): the state file deleted while BIRD is down; BIRD started again
# without --init-bird-state needs it (a missing include is a config error)
fate_bird_state_lost()
{
	local mark
	mark=$(daemon_log_lines)
	expect_change "bird e gateway BIRD killed: prefix leaves (session down)" absent 10000 gw_router_kill
	rm -f "$LAB/gw/bird-state.conf"
	check "bird e ... state file deleted while BIRD is down: the daemon writes it again" \
	    "no file after 3 s" lab_wait_file "$LAB/gw/bird-state.conf" 3000
	check "bird e ... and says so" "no such line" \
	    wait_for_log 'BIRD state file .* was missing: written again' 1000 "$mark"
	check "bird e ... it says announced" "$(cat "$LAB/gw/bird-state.conf")" \
	    grep -q 'ANYCAST4_OFF = 0;' "$LAB/gw/bird-state.conf"
	gw_router_start || { not_ok "bird e BIRD starts without --init-bird-state" "see above"; return; }
	check "bird e BIRD started without --init-bird-state: prefix back at the upstream" \
	    "not present within 20 s" wait_for_upstream present 20000
}

for LAB_ROUTER in $ROUTERS; do
	T=$LAB_ROUTER
	lab_init "$BUILDDIR" || { not_ok "$T fate: lab init" "see above"; continue; }
	echo "# fate $T: lab $NS_GW / $NS_UP"
	if lab_up; then
		fate_crash
		[ "$T" = "${ROUTERS%% *}" ] && fate_watchdog
		lab_stop_daemon KILL
		lab_down
	else
		not_ok "$T fate lab up" "see above"
		lab_down
	fi
	if lab_up --no-router; then
		lab_write_config "$LAB/daemon.json" withdraw
		fate_router_late
		fate_router_hung
		check "$T daemon still running at the end" "exited" daemon_running
		[ "$T" = bird ] && fate_bird_state_lost
		lab_stop_daemon
		[ "$T" = frr ] && fate_frr_slow
	else
		not_ok "$T fate lab up (no router)" "see above"
	fi
	lab_down
done

[ -n "$FATE_TOTALS" ] && echo "$PASSED $FAILED" >"$FATE_TOTALS"
echo "# fate: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
