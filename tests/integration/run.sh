#!/bin/bash
# run.sh - integration suite: the real anycast-healthd against real pptpd and
# a real gateway router (BIRD 2, then FRR) in the namespaced lab
# (tests/lab/lab.sh).  Every check is made at the UPSTREAM BIRD's RIB, the
# only proof that a prefix was announced or withdrawn.  The whole scenario
# list runs once per gateway router (ROUTERS="bird frr" by default); steps
# that only exist for one router are mapped to their meaning for the other
# (BIRD's `configure` keeps the daemon's choice through the state file;
# FRR's bgpd restart drops the run-time `network` and the daemon re-asserts
# it).  Then tests/integration/fate.sh (crash, watchdog, router outages) and
# tests/integration/api.sh (the HTTP API and anycast-healthctl).
# One line per check (`ok - ...` / `not ok - ...`), then `N passed, N
# failed`; exit 1 on any failure.  See docs/testing.md for what each
# scenario proves.
#
# Usage (root): make integration, or tests/integration/run.sh [BUILDDIR]
# ROUTERS="bird" or "frr" runs one router only; FATE=0 skips fate.sh, API=0
# skips api.sh, FLEET=0 skips fleet.sh (the fleet on etcd, three gateways).
# LAB_KEEP=1 keeps the lab directory (logs, configs) after the run.

# make runs it with $(SHELL), which may be dash: the lab needs bash.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/checks.sh"

START=$EPOCHREALTIME
ROUTERS=${ROUTERS:-bird frr}

# The router-specific steps.  BIRD: `birdc configure`, enable/disable of
# the static protocol; FRR: bgpd restart, `network`/`no network` by vtysh.
bgp_cfg() { gw_vtysh -c 'configure terminal' -c "router bgp $LAB_ASN" \
	-c 'address-family ipv4 unicast' -c "$1" >/dev/null; }
hand_announce()
{
	case "$LAB_ROUTER" in
	frr) bgp_cfg "network $LAB_PREFIX" ;;
	*) gw_birdc enable anycast4 >/dev/null ;;
	esac
}
hand_withdraw()
{
	case "$LAB_ROUTER" in
	frr) bgp_cfg "no network $LAB_PREFIX" ;;
	*) gw_birdc disable anycast4 >/dev/null ;;
	esac
}
HAND_ANNOUNCE_BIRD="birdc enable anycast4"
HAND_ANNOUNCE_FRR="vtysh network $LAB_PREFIX"
HAND_WITHDRAW_BIRD="birdc disable anycast4"
HAND_WITHDRAW_FRR="vtysh no network $LAB_PREFIX"
hand_name() { local v=HAND_$1_${LAB_ROUTER^^}; echo "${!v}"; }

gw_configure() { gw_birdc configure >/dev/null; }
gw_router_bounce() { gw_router_kill; gw_router_start; }

# The router's own record of the daemon's choice: BIRD's state file,
# FRR's running config.
router_says()
{
	case "$LAB_ROUTER.$1" in
	bird.announced) grep -q 'ANYCAST4_OFF = 0;' "$LAB/gw/bird-state.conf" ;;
	bird.withdrawn) grep -q 'ANYCAST4_OFF = 1;' "$LAB/gw/bird-state.conf" ;;
	frr.announced) gw_frr_has_network ;;
	frr.withdrawn) ! gw_frr_has_network ;;
	esac
}
router_record()
{
	case "$LAB_ROUTER" in
	frr) gw_vtysh -d bgpd -c 'show running-config' 2>/dev/null | grep network | tr '\n' ' ' ;;
	*) cat "$LAB/gw/bird-state.conf" 2>&1 ;;
	esac
}
ROUTER_RECORD_BIRD="state file"
ROUTER_RECORD_FRR="bgpd running config"
record_name() { local v=ROUTER_RECORD_${LAB_ROUTER^^}; echo "${!v}"; }

# status_actual: the prefix's actual state in `anycast-healthctl status
# --json` on the admin socket ("" when the CLI fails).
status_actual()
{
	ip netns exec "$NS_GW" timeout 10 "$top_builddir/anycast-healthctl" \
	    --socket "$LAB/gw/admin.sock" status --json 2>/dev/null |
	    python3 -c 'import json, sys; print(json.load(sys.stdin)["prefixes"][0]["actual"])' 2>/dev/null
}
# actual_is WANT MS: status says WANT within MS.
actual_now() { [ "$(status_actual)" = "$1" ]; }
actual_is() { wait_until "$2" actual_now "$1"; }

# The daemon's drift line: BIRD "anycast4: BIRD has X, want Y:
# re-asserting", FRR "192.0.2.1/32: bgpd has it X, want Y: re-asserting".
DRIFT_RE='(BIRD has|bgpd has it) [a-z]+, want [a-z]+: re-asserting'

# The lab reads the router back every 2 s; + 1.5 s for bgpd and BGP.
DRIFT_LIMIT=3500

# expect_drift NAME BROKEN LIMIT_MS ACTION...: ACTION breaks the router's
# state (the upstream becomes BROKEN), the daemon's read-back must set it
# right again within LIMIT_MS of the break, logging exactly one drift line.
expect_drift()
{
	local name=$1 broken=$2 limit=$3 right mark
	shift 3
	[ "$broken" = present ] && right=absent || right=present
	mark=$(daemon_log_lines)
	if ! lab_measure "$broken" 5000 "$@"; then
		# The daemon may correct the hand change at the gateway before the
		# upstream ever sees it (after a restart bgpd batches its first
		# updates): then the proof is exactly one drift line, which says the
		# router really was $broken, and the upstream still $right.
		if [ "$(drift_lines_since "$mark")" = 1 ] && upstream_is "$right"; then
			ok "$name: corrected at the gateway before the upstream saw it (1 drift line, upstream $right)"
			return
		fi
		not_ok "$name: upstream $broken after the hand change" "$LAB_ERR"
		wait_for_upstream "$right" 10000
		return
	fi
	ok "$name: upstream $broken ($LAB_MS ms)"
	if wait_for_upstream "$right" "$limit"; then
		ok "$name: corrected, upstream $right again within $limit ms ($(lab_ms_between "$LAB_T0" "${LAB_LAST_SEEN%% *}" | cut -d. -f1) ms after the change)"
	else
		not_ok "$name: corrected within $limit ms" "upstream still $broken"
		wait_for_upstream "$right" 10000
	fi
	sleep 0.3
	check_drift_lines "$name" "$mark" 1
}

# drift_lines_since FROM_LINE: how many drift lines the daemon logged since.
drift_lines_since() { tail -n +"$(($1 + 1))" "$LAB/daemon.log" | grep -Ec -- "$DRIFT_RE"; }

# upstream_is present|absent: the upstream's RIB right now.
upstream_is() { if upstream_has_prefix; then [ "$1" = present ]; else [ "$1" = absent ]; fi; }

# check_drift_lines NAME FROM_LINE N: exactly N drift lines since FROM_LINE.
check_drift_lines()
{
	local n
	n=$(drift_lines_since "$2")
	if [ "$n" = "$3" ]; then
		ok "$1: daemon log has $3 drift line(s)"
	else
		not_ok "$1: daemon log has $3 drift line(s)" "found $n: $(tail -n +"$(($2 + 1))" "$LAB/daemon.log" | grep -E -- "$DRIFT_RE" | tr '\n' '|')"
	fi
}

# frr_restart_drift NAME: restart bgpd while healthy; the prefix leaves with
# the session and is back once BGP is up and the daemon re-asserted.
frr_restart_drift()
{
	local mark
	mark=$(daemon_log_lines)
	if lab_measure absent 10000 gw_router_bounce; then
		ok "$1: prefix leaves with the session ($LAB_MS ms)"
	else
		not_ok "$1: prefix leaves with the session" "$LAB_ERR"
	fi
	check "$1: back at the upstream once BGP is up again" "not present within 20 s" \
	    wait_for_upstream present 20000
	check "$1: daemon reconnected and re-asserted" \
	    "$(tail -n +"$((mark + 1))" "$LAB/daemon.log" | grep -v debug | tr '\n' '|')" \
	    wait_for_log 'announced in bgpd' 1000 "$mark"
	check_drift_lines "$1" "$mark" 1
}

# pptpd_slow N: N times, stop pptpd for 150 ms, then let it run for 350 ms
# (a slow but healthy pptpd).  Ends with pptpd running.
pptpd_slow()
{
	local i
	for ((i = 0; i < $1; i++)); do
		kill -STOP "$PID_PPTPD"
		sleep 0.15
		kill -CONT "$PID_PPTPD"
		sleep 0.35
	done
}

run_router()
{
	LAB_ROUTER=$1
	T=$1
	lab_init "$BUILDDIR" || { not_ok "$T lab init" "see above"; return; }
	echo "# $T: lab $NS_GW / $NS_UP, daemon $DAEMON"
	lab_up || { not_ok "$T lab up" "namespaces, peering or pptpd failed"; lab_down; return; }
	ok "$T lab up: gateway $T and upstream BIRD peer over eBGP, pptpd listens on $LAB_GW_ADDR:1723"
	CONF=$LAB/daemon.json
	lab_write_config "$CONF" withdraw
	check "$T config validates (anycast-healthd -n)" "see the output above" \
	    ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF"
	check "$T prefix absent at the upstream before the daemon runs" "already there" \
	    wait_for_upstream absent 1000

	# 1. healthy pptpd -> announced
	lab_start_daemon "$CONF" ||
		{ not_ok "$T daemon starts" "exited at once: $(tail -n 5 "$LAB/daemon.log")"; lab_down; return; }
	check "$T 1 healthy pptpd: prefix announced at the upstream" "not present within 10 s" \
	    wait_for_upstream present 10000
	check "$T 1 daemon log: pptp: INIT -> UP" "no such line" wait_for_log 'pptp: INIT -> UP' 1000
	check "$T 1 $(record_name) says announced" "$(router_record)" router_says announced

	# 1b. pptpd slow but healthy: a run that lands in one of its stops
	# answers up to 150 ms late, within the 300 ms timeout.  Late runs get a
	# second run beside them; a late answer is still UP: nothing withdrawn.
	# (Here, while the probe's recent answers are quick: a long answer, as
	# after step 3's SIGCONT, raises the late point past the timeout for
	# the next 16 runs.)
	log_mark
	expect_steady "$T 1b pptpd slow (stopped 150 ms of every 500, 8 s): upstream unchanged" \
	    500 pptpd_slow 16
	n=$(tail -n +"$((MARK + 1))" "$LAB/daemon.log" | grep -c 'a second run starts beside it')
	check "$T 1b ... the service stayed UP ($n late runs got a second run beside them)" \
	    "$(tail -n +"$((MARK + 1))" "$LAB/daemon.log" | grep -- '-> DOWN' | head -n 1)" \
	    bash -c "! tail -n +$((MARK + 1)) '$LAB/daemon.log' | grep -q -- '-> DOWN'"

	# 2. pptpd crash -> withdrawn fast (process watch); restart -> announced
	log_mark
	if lab_measure absent 5000 pptpd_kill; then
		if awk -v m="$LAB_MS" 'BEGIN { exit !(m < 1000) }'; then
			ok "$T 2 pptpd SIGKILL: prefix left the upstream in $LAB_MS ms (< 1000)"
		else
			not_ok "$T 2 pptpd SIGKILL: prefix left the upstream in < 1000 ms" "took $LAB_MS ms"
		fi
	else
		not_ok "$T 2 pptpd SIGKILL: prefix left the upstream" "$LAB_ERR"
		wait_for_upstream absent 10000
	fi
	check "$T 2 daemon log: pptp: UP -> DOWN (process-exited)" "no such line" \
	    wait_for_log 'pptp: UP -> DOWN \(process-exited\)' 1000 "$MARK"
	expect_change "$T 2 pptpd restarted: prefix back at the upstream" present 10000 pptpd_start

	# 3. pptpd hung (SIGSTOP): only the PPTP control probe's timeout sees it.
	log_mark
	expect_change "$T 3 pptpd SIGSTOP (hung): prefix left the upstream" absent 5000 pptpd_stop
	check "$T 3 pptpd is still alive while withdrawn (the control probe caught it)" "pptpd gone" \
	    lab_alive "$PID_PPTPD"
	check "$T 3 daemon log: UP -> DOWN for a probe timeout, not process-exited" \
	    "$(tail -n +"$((MARK + 1))" "$LAB/daemon.log" | grep -- '-> DOWN' | head -n 1)" \
	    bash -c "tail -n +$((MARK + 1)) '$LAB/daemon.log' | grep 'pptp: UP -> DOWN' | grep -vq process-exited"
	expect_change "$T 3 pptpd SIGCONT: prefix back at the upstream" present 10000 pptpd_cont

	# 4. router reconfigure/restart and changes by hand.
	if [ "$T" = bird ]; then
		# The state include keeps the daemon's choice across `configure`.
		expect_steady "$T 4 birdc configure while announced: upstream unchanged" 3000 gw_configure
	else
		# bgpd forgets the run-time `network`; the session drops with
		# bgpd, and the daemon re-asserts once it is back.
		log_mark
		expect_change "$T 4 bgpd restart while announced: prefix leaves (session down)" absent 10000 gw_router_bounce
		check "$T 4 ... daemon re-asserts: prefix back at the upstream" "not present within 20 s" \
		    wait_for_upstream present 20000
		check "$T 4 ... bgpd's running config has the network again" "$(router_record)" \
		    router_says announced
	fi
	pptpd_kill
	check "$T 4 (setup) pptpd killed: withdrawn" "still present" wait_for_upstream absent 5000
	if [ "$T" = bird ]; then
		expect_steady "$T 4 birdc configure while withdrawn: upstream unchanged" 3000 gw_configure
	else
		expect_steady "$T 4 bgpd restart while withdrawn: upstream stays without the prefix" 4000 gw_router_bounce
		check "$T 4 ... BGP back up" "no session" wait_for_bgp 20000
	fi
	# Drift by hand: the read-back (every 2 s in the lab config) notices
	# and re-asserts within the interval (+ BGP propagation).
	expect_drift "$T 4 $(hand_name ANNOUNCE) by hand while withdrawn" present "$DRIFT_LIMIT" hand_announce

	log_mark
	gw_router_bounce
	check "$T 4 gateway $T restarted while pptpd down: BGP back up" "no session" wait_for_bgp 20000
	expect_steady "$T 4 ... prefix stays withdrawn at the upstream" 3000 true
	check "$T 4 ... daemon reconnected to the new $T" "no 'router: connected'" \
	    wait_for_log 'router: connected' 8000 "$MARK"
	expect_change "$T 4 pptpd started after the router restart: prefix announced" present 10000 pptpd_start

	expect_drift "$T 4 $(hand_name WITHDRAW) by hand while healthy" absent "$DRIFT_LIMIT" hand_withdraw

	log_mark
	if lab_measure absent 10000 gw_router_kill; then
		ok "$T 4 gateway $T killed while healthy: prefix left the upstream (session down)"
	else
		not_ok "$T 4 gateway $T killed while healthy: prefix left the upstream" "$LAB_ERR"
	fi
	# The router is gone: status must not claim what it last read back.
	check "$T 4 ... status --json says actual unknown while $T is down" \
	    "actual '$(status_actual)'" actual_is unknown 5000
	gw_router_start
	check "$T 4 gateway $T restarted while healthy: prefix back at the upstream" \
	    "not present within 20 s" wait_for_upstream present 20000
	check "$T 4 ... status --json says actual announced again" \
	    "actual '$(status_actual)'" actual_is announced 10000
	check "$T 4 ... daemon reconnected to the new $T" "no 'router: connected'" \
	    wait_for_log 'router: connected' 8000 "$MARK"
	check "$T 4 ... daemon still running" "exited" daemon_running

	# 7. drift that is not a hand toggle (issue 4).
	if [ "$T" = bird ]; then
		# BIRD refuses a configure whose include is missing and keeps
		# running the old config; the daemon writes the file again at
		# its next read-back (it compares with the disk, not memory), so
		# the next configure succeeds with the daemon's choice.
		rm -f "$LAB/gw/bird-state.conf"
		check "$T 7 state file deleted: birdc configure is refused" \
		    "$(gw_birdc configure 2>&1 | tail -n 1)" \
		    bash -c "birdc -s '$LAB/gw/bird.ctl' configure 2>&1 | grep -q 'Configuration file error\\|No such file'"
		check "$T 7 ... upstream unchanged (BIRD kept its config)" "absent" upstream_has_prefix
		check "$T 7 ... daemon wrote the state file again within the read-back interval" \
		    "no file after 2.5 s" lab_wait_file "$LAB/gw/bird-state.conf" 2500
		check "$T 7 ... it says announced" "$(router_record)" router_says announced
		expect_steady "$T 7 ... birdc configure now succeeds, upstream unchanged" 3000 gw_configure
		check "$T 7 ... BIRD's last reconfiguration is now" "$(gw_birdc configure 2>&1 | tail -n 1)" \
		    bash -c "birdc -s '$LAB/gw/bird.ctl' configure 2>&1 | grep -q Reconfigured"
		# The 4 hand enable above ran while pptpd was down: that is
		# the issue's "enable anycast4 by hand while pptpd is down".
	else
		# bgpd restarted: it comes back without the run-time `network`;
		# after the session is up the daemon's read-back finds it
		# withdrawn and re-asserts, with one drift line.  First after a
		# quiet read-back interval, then again right after that repair.
		sleep 2.5
		frr_restart_drift "$T 7 bgpd restarted while healthy"
		# Twice in a row: the second restart comes right after the
		# daemon's repair of the first, before its next read-back.
		log_mark
		gw_router_bounce
		wait_for_log 'announced in bgpd' 8000 "$MARK"
		log_mark
		gw_router_bounce
		check "$T 7 bgpd restarted twice within one read-back interval: re-asserted" \
		    "no 'announced in bgpd'" wait_for_log 'announced in bgpd' 8000 "$MARK"
		check_drift_lines "$T 7 ... the second restart" "$MARK" 1
		check "$T 7 ... back at the upstream" "not present within 20 s" \
		    wait_for_upstream present 20000
	fi

	# 5. daemon restarts with a healthy pptpd
	restart_kill9() { lab_kill_daemon; lab_start_daemon "$CONF"; }
	log_mark
	expect_steady "$T 5a daemon kill -9 and start again: upstream never loses the prefix" 4000 restart_kill9
	check "$T 5a ... restarted daemon saw pptp UP" "no INIT -> UP" wait_for_log 'pptp: INIT -> UP' 3000 "$MARK"

	KEEP=$LAB/daemon-keep.json
	lab_write_config "$KEEP" keep
	lab_kill_daemon
	# A fresh mark: an older INIT -> UP must not let the SIGTERM below
	# reach the daemon before it has set up its signal handlers.
	log_mark
	lab_start_daemon "$KEEP"
	wait_for_log 'pptp: INIT -> UP' 5000 "$MARK"
	restart_term_keep() { lab_stop_daemon TERM; lab_start_daemon "$KEEP"; }
	log_mark
	expect_steady "$T 5b on-exit keep: SIGTERM and start again: upstream never loses the prefix" 4000 restart_term_keep
	check "$T 5b ... log says on-exit keep" "no such line" wait_for_log 'on-exit keep' 1000 "$MARK"

	lab_kill_daemon
	log_mark
	lab_start_daemon "$CONF"
	wait_for_log 'pptp: INIT -> UP' 5000 "$MARK"
	sleep 0.5
	log_mark
	expect_change "$T 5c on-exit withdraw (default): SIGTERM: prefix left the upstream" absent 5000 lab_stop_daemon
	check "$T 5c ... daemon exited" "still running" test -z "$PID_DAEMON"
	check "$T 5c ... $(record_name) says withdrawn" "$(router_record)" router_says withdrawn
	lab_start_daemon "$CONF"
	check "$T 5c daemon started again: prefix announced" "not present within 10 s" \
	    wait_for_upstream present 10000

	# 6. SIGHUP reloads
	cp "$CONF" "$LAB/daemon.good.json"
	echo '{ "anycast-healthd:anycast-healthd": { this is not JSON' >"$CONF"
	log_mark
	kill -HUP "$PID_DAEMON"
	check "$T 6 SIGHUP with a broken config: log says not reloading" "no such line" \
	    wait_for_log 'not reloading' 3000 "$MARK"
	check "$T 6 ... daemon still running" "exited" daemon_running
	check "$T 6 ... prefix still announced" "absent" upstream_has_prefix
	expect_change "$T 6 ... old config keeps working: pptpd SIGKILL withdraws" absent 5000 pptpd_kill
	expect_change "$T 6 ... pptpd restarted: prefix back" present 10000 pptpd_start

	# A good, changed config: one more service (not a dependency).  The
	# unchanged pptp service keeps its state, so the prefix does not flap.
	lab_write_config "$CONF" withdraw ', { "name": "pptp-proc", "probe": [ { "name": "process", "process": { "pidfile": "'"$LAB"'/gw/pptpd.pid" } } ] }'
	ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF" >/dev/null 2>&1 ||
		not_ok "$T 6 (setup) changed config validates" "$(ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF" 2>&1)"
	log_mark
	sighup() { kill -HUP "$PID_DAEMON"; wait_for_log 'reloaded|not reloading' 3000 "$MARK"; }
	expect_steady "$T 6 SIGHUP with a good changed config: upstream unchanged" 2000 sighup
	check "$T 6 ... accepted: log says reloaded, 1 of 2 services kept" \
	    "$(tail -n +"$((MARK + 1))" "$LAB/daemon.log" | grep -i reload | head -n 3 | tr '\n' ' ')" \
	    wait_for_log 'reloaded .*1 of 2 services kept' 1000 "$MARK"
	check "$T 6 ... no 'not reloading'" "it refused the good config" \
	    bash -c "! tail -n +$((MARK + 1)) '$LAB/daemon.log' | grep -q 'not reloading'"
	expect_change "$T 6 ... new config works: pptpd SIGKILL withdraws" absent 5000 pptpd_kill
	expect_change "$T 6 ... pptpd restarted: prefix back" present 10000 pptpd_start

	# 8. flap damping (router-agnostic: the first router only).  Penalty
	# 1000 a flap, halving every 10 s: the second crash within 20 s is
	# above 1200 and holds the service DOWN until the penalty is below
	# 1000 again (10 x log2(penalty / 1000) s after that crash).
	if [ "$T" = "${ROUTERS%% *}" ]; then
		LAB_SERVICE_EXTRA=', "damping": { "penalty": 1000, "suppress-limit": 1200, "reuse-limit": 1000, "half-life-s": 10, "max-suppress-s": 60 }' \
			lab_write_config "$CONF" withdraw
		log_mark
		kill -HUP "$PID_DAEMON"
		check "$T 8 reload with damping on the pptp service" "no INIT -> UP after the reload" \
		    wait_for_log 'pptp: INIT -> UP' 5000 "$MARK"
		expect_change "$T 8 first pptpd crash: withdrawn" absent 5000 pptpd_kill
		expect_change "$T 8 ... pptpd restarted: back (one flap is not flapping)" present 10000 pptpd_start
		log_mark
		expect_change "$T 8 second pptpd crash: withdrawn" absent 5000 pptpd_kill
		check "$T 8 ... the daemon damps the service" "$(tail -n 3 "$LAB/daemon.log")" \
		    wait_for_log 'pptp: flapping: damped \(penalty [0-9]+ > suppress-limit 1200' 1000 "$MARK"
		HELD=$(tail -n +"$((MARK + 1))" "$LAB/daemon.log" | sed -n 's/.*held DOWN for \([0-9]*\) s.*/\1/p' | head -n 1)
		# Without damping it would be back after rise x interval (1.5 s).
		expect_steady "$T 8 ... pptpd restarted, but the prefix stays off the upstream for 4 s (held ${HELD:-?} s)" \
		    4000 pptpd_start
		check "$T 8 ... released when the penalty decays below reuse-limit" "no release line" \
		    wait_for_log 'pptp: released from damping \(penalty [0-9]+ < reuse-limit 1000\)' 15000 "$MARK"
		check "$T 8 ... then announced again" "not present within 5 s" wait_for_upstream present 5000
	fi

	check "$T daemon still running at the end" "exited" daemon_running
	lab_stop_daemon
	lab_down
}

BUILDDIR=$1
for r in $ROUTERS; do
	run_router "$r"
done

if [ "${FATE:-1}" != 0 ]; then
	echo "# fate.sh: crash, watchdog and router outages"
	FATE_TOTALS=$(mktemp /tmp/ahd-fate-totals.XXXXXX)
	FATE_TOTALS=$FATE_TOTALS ROUTERS=$ROUTERS bash "$HERE/fate.sh" "$BUILDDIR"
	read -r fp ff <"$FATE_TOTALS" || { fp=0; ff=1; echo "not ok - fate.sh did not report its totals"; }
	rm -f "$FATE_TOTALS"
	PASSED=$((PASSED + fp))
	FAILED=$((FAILED + ff))
fi

if [ "${API:-1}" != 0 ]; then
	echo "# api.sh: status, CLI, drain and maintenance, access, load, fleet"
	API_TOTALS=$(mktemp /tmp/ahd-api-totals.XXXXXX)
	API_TOTALS=$API_TOTALS ROUTERS=$ROUTERS bash "$HERE/api.sh" "$BUILDDIR"
	read -r ap af <"$API_TOTALS" || { ap=0; af=1; echo "not ok - api.sh did not report its totals"; }
	rm -f "$API_TOTALS"
	PASSED=$((PASSED + ap))
	FAILED=$((FAILED + af))
fi

if [ "${FLEET:-1}" != 0 ]; then
	echo "# fleet.sh: the fleet guard, store loss, TLS and drift (etcd, three gateways)"
	FLEET_TOTALS=$(mktemp /tmp/ahd-fleet-totals.XXXXXX)
	FLEET_TOTALS=$FLEET_TOTALS bash "$HERE/fleet.sh" "$BUILDDIR"
	read -r lp lf <"$FLEET_TOTALS" || { lp=0; lf=1; echo "not ok - fleet.sh did not report its totals"; }
	rm -f "$FLEET_TOTALS"
	PASSED=$((PASSED + lp))
	FAILED=$((FAILED + lf))
fi

echo "# took $(lab_ms_between "$START" "$EPOCHREALTIME" | cut -d. -f1) ms"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
