#!/bin/bash
# probes.sh - integration suite for the probe kinds of issue 3: the real
# anycast-healthd in the namespaced lab (tests/lab/lab.sh + lab-probes.sh)
# against the real pptpd/pptpctrl and BIRD 2.  Every routing claim is checked
# at the UPSTREAM BIRD's RIB (presence with ribwatch, the AS path with `show
# route all`); the daemon's log only says why.
#
#   1  pptp-gre through the real pptpctrl and tests/lab/fake-pppd: UP,
#      prefix announced (AS path 65001)
#   2  nftables drops IP protocol 47 (input hook, then output hook) while
#      TCP 1723 keeps answering: gre DOWN (gre-no-lcp on input,
#      gre-send-error-eperm on output), prefix withdrawn,
#      the pptp-control probe stays UP; rule deleted: announced again
#   3  capacity: two held PPTP control connections = 2 of max-sessions 2:
#      DEGRADED, the degraded twin announces with AS path 65001 65001 65001
#      (an update, never a withdraw); closed: back to 65001
#   4  http (python3 http.server in the gateway namespace) + tcp: body
#      without "OK" -> withdrawn; server killed -> withdrawn (http and tcp);
#      both repaired -> announced
#   5  exec: the command hangs -> killed at its timeout (exec-timeout),
#      withdrawn; no zombie, no leftover process; repaired -> announced
#   6  real pptpd with the real pppd (no PPP in this kernel): the daemon
#      starts, pptp-control is UP but pptp-gre is DOWN (gre-no-lcp or
#      call-closed-before-lcp): the prefix is never announced
#
# One line per check (`ok - ...` / `not ok - ...`), then `N passed, N
# failed`; exit 1 on any failure.  Every wait is bounded; the lab is torn
# down on every exit (lab.sh's trap).
#
# Usage (root): tests/integration/probes.sh [BUILDDIR]
# LAB_KEEP=1 keeps the lab directory (logs, configs) after the run.

# make runs it with $(SHELL), which may be dash: the lab needs bash.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lab/lab.sh"
. "$(dirname "$0")/../lab/lab-probes.sh"
lab_init "$1" || exit 1
probes_init || exit 1

. "$(dirname "$0")/checks.sh"
START=$EPOCHREALTIME

# since_mark REGEX: the daemon logged a line matching REGEX after MARK.
since_mark() { probes_log_since "$MARK" | grep -Eq -- "$1"; }

# not_since_mark REGEX: ... and no line matching REGEX.
not_since_mark() { ! since_mark "$1"; }

# first_since_mark REGEX: that line, for failure messages.
first_since_mark() { probes_log_since "$MARK" | grep -E -- "$1" | head -n 1; }

fatal_setup() { not_ok "$1" "$2"; echo "$PASSED passed, $FAILED failed"; exit 1; }

NORMAL_PATH="65001"
DEGRADED_PATH="65001 65001 65001"

echo "# lab: $NS_GW / $NS_UP, daemon $DAEMON, fake-pppd $FAKE_PPPD"
[ -x "$DAEMON" ] || fatal_setup "daemon binary" "$DAEMON not built (make anycast-healthd)"
probes_lab_up || fatal_setup "lab up" "namespaces, BIRD peering, the degraded twin or pptpd failed"
ok "lab up: BGP established, gateway BIRD has the degraded twin, pptpd runs with ppp = fake-pppd"
probes_http_start || fatal_setup "http server" "python3 http.server did not start"
ok "python3 http.server listens on $LAB_GW_ADDR:$PROBES_HTTP_PORT in the gateway namespace"
CONF=$LAB/daemon.json
probes_write_config "$CONF" '"pptp", "gre", "cap", "web", "cmd"'
check "config with pptp-gre, capacity, http, tcp, exec validates (anycast-healthd -n)" \
    "$(ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF" 2>&1 | head -n 3)" \
    ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF"
check "prefix absent at the upstream before the daemon runs" "present" \
    wait_for_upstream absent 1000

# 1. the data path through the real pptpctrl and the fake-pppd
log_mark
lab_start_daemon "$CONF" || fatal_setup "daemon starts" "exited at once: $(tail -n 5 "$LAB/daemon.log")"
check "1 every service UP: prefix announced at the upstream" "not present within 15 s" \
    wait_for_upstream present 15000
check "1 daemon log: gre: INIT -> UP (the pptp-gre probe saw LCP come back)" "no such line" \
    wait_for_log 'gre: INIT -> UP' 1000 "$MARK"
check "1 daemon log: gre/data: UP (ok) N ms" "no such line" since_mark 'gre/data: UP \(ok\) [0-9.]+ ms'
check "1 upstream AS path is the normal one ($NORMAL_PATH)" "got '$(probes_as_path)'" \
    wait_for_as_path "$NORMAL_PATH" 2000

# 2. GRE dropped, TCP untouched: only the data-path probe can see it.
# Dropped on input, the LCP answer never arrives (gre-no-lcp at the
# timeout); dropped on output, the probe's own sendto() fails at once with
# EPERM (gre-send-error-eperm).  Either way TCP 1723 is untouched.
for hook in input output; do
	case $hook in
	input) why=gre-no-lcp ;;
	output) why=gre-send-error-eperm ;;
	esac
	log_mark
	expect_change "2 nft drops GRE ($hook hook): prefix left the upstream" absent 8000 \
	    probes_nft_drop_gre "$hook"
	check "2 ... the rule dropped GRE packets ($(probes_nft_drops) so far)" "counter is 0" \
	    test "$(probes_nft_drops)" -gt 0
	check "2 ... daemon log: gre: UP -> DOWN ($why)" \
	    "$(first_since_mark 'gre: UP -> |192.0.2.1/32: ')" \
	    wait_for_log "gre: UP -> DOWN \\($why\\)" 3000 "$MARK"
	check "2 ... pptp-control of service pptp stays UP (TCP still answers)" \
	    "$(first_since_mark 'pptp/control: (DOWN|ERROR)|pptp: UP -> ')" \
	    eval "since_mark 'pptp/control: UP \(ok\)' && not_since_mark 'pptp/control: (DOWN|ERROR)|pptp: UP -> '"
	log_mark
	expect_change "2 nft rule deleted ($hook hook): prefix back at the upstream" present 10000 \
	    probes_nft_clear
	check "2 ... daemon log: gre: DOWN -> UP" "no such line" since_mark 'gre: DOWN -> UP'
done

# 3. capacity over its threshold -> DEGRADED -> the degraded twin (longer
# AS path) replaces the normal route: the upstream gets an update, never a
# withdraw.  max-sessions is 2, not 1: the daemon's own pptp-gre run is a
# pptpctrl child of pptpd too, and while GRE is broken it lives for the
# whole 800 ms timeout, so with a limit of 1 scenario 2 would also read as
# "full".  Two held connections fill the 2.
log_mark
lab_watch_start 60000 || not_ok "3 (setup) ribwatch" "did not start"
if probes_hold_start && probes_hold_start; then
	ok "3 two PPTP control connections held open (pptpctrl children: $(probes_pptpctrl_count))"
else
	not_ok "3 two PPTP control connections held open" "see above"
fi
check "3 upstream AS path becomes '$DEGRADED_PATH' (degraded twin)" "got '$(probes_as_path)'" \
    wait_for_as_path "$DEGRADED_PATH" 8000
check "3 ... daemon log: cap: UP -> DEGRADED (sessions-high)" \
    "$(first_since_mark 'cap: ')" since_mark 'cap: UP -> DEGRADED \(sessions-high\)'
check "3 ... capacity detail says sessions 2/2" "$(first_since_mark 'capacity DEGRADED')" \
    since_mark 'sessions [2-9]/2'
log_mark
probes_hold_stop
check "3 connection closed: upstream AS path back to '$NORMAL_PATH'" "got '$(probes_as_path)'" \
    wait_for_as_path "$NORMAL_PATH" 8000
check "3 ... daemon log: cap: DEGRADED -> UP" "$(first_since_mark 'cap: ')" \
    since_mark 'cap: DEGRADED -> UP'
if lab_watch_stop; then
	ok "3 ... the prefix never left the upstream while switching twins"
else
	not_ok "3 ... the prefix never left the upstream while switching twins" "$LAB_WATCH_LINES"
fi

# 4. http and tcp probes of service web
log_mark
web_maintenance() { echo MAINTENANCE >"$LAB/www/health.txt"; }
web_ok() { echo OK >"$LAB/www/health.txt"; }
expect_change "4 http body without 'OK': prefix left the upstream" absent 5000 web_maintenance
check "4 ... daemon log: web: UP -> DOWN, tcp still UP" \
    "$(first_since_mark 'web: UP -> |web/tcp: DOWN')" \
    eval "since_mark 'web: UP -> DOWN' && not_since_mark 'web/tcp: (DOWN|ERROR)'"
expect_change "4 body 'OK' again: prefix back at the upstream" present 5000 web_ok
log_mark
expect_change "4 http server killed: prefix left the upstream" absent 5000 probes_http_stop
check "4 ... daemon log: web/http and web/tcp both DOWN" \
    "$(first_since_mark 'web/(http|tcp): DOWN')" \
    eval "since_mark 'web/http: DOWN' && since_mark 'web/tcp: DOWN'"
expect_change "4 http server restarted: prefix back at the upstream" present 8000 probes_http_start

# 5. exec: a command that hangs is killed at its timeout, with its children
log_mark
exec_hang() { : >"$LAB/exec-hang"; }
exec_fixed() { rm -f "$LAB/exec-hang"; }
expect_change "5 exec command hangs: prefix left the upstream" absent 5000 exec_hang
check "5 ... daemon log: cmd: UP -> DOWN (exec-timeout)" "$(first_since_mark 'cmd: UP -> ')" \
    since_mark 'cmd: UP -> DOWN \(exec-timeout\)'
most=0
zombies=0
for i in $(seq 1 20); do	# 2 s: four more hanging runs killed meanwhile
	n=$(probes_hang_procs sleep)
	[ "$n" -gt "$most" ] && most=$n
	z=$(probes_zombies "$PID_DAEMON")
	[ "$z" -gt "$zombies" ] && zombies=$z
	sleep 0.1
done
check "5 ... while hanging: at most one hanging sleep alive at a time (seen $most)" \
    "the killed runs' processes pile up" test "$most" -le 1
check "5 ... while hanging: no zombie child of the daemon" "$zombies zombies seen" \
    test "$zombies" = 0
check "5 ... runs were killed at the timeout (several exec-timeout reports)" \
    "$(probes_log_since "$MARK" | grep -c 'cmd/check: DOWN (exec-timeout)') reports" \
    test "$(probes_log_since "$MARK" | grep -c 'cmd/check: DOWN (exec-timeout)')" -ge 3
expect_change "5 command fixed: prefix back at the upstream" present 5000 exec_fixed
sleep 0.6
# The sleep is what would be left: the daemon kills sh, its direct child,
# and the process group takes the sleep with it.  (Counting the sh too would
# race with the healthy runs, whose sh -c text names the sleep.)
check "5 ... no leftover process of the hanging command" \
    "$(pgrep -af "^sleep $PROBES_SLEEP\$" | tr '\n' ';')" test "$(probes_hang_procs sleep)" = 0
check "5 ... no zombie child of the daemon" "$(probes_children "$PID_DAEMON" | tr '\n' ';')" \
    test "$(probes_zombies "$PID_DAEMON")" = 0

check "daemon still running after scenarios 1-5" "exited" daemon_running
log_mark
expect_change "SIGTERM: prefix withdrawn (on-exit withdraw)" absent 5000 lab_stop_daemon

# 6. the real pppd: pptpd answers SCCRQ and OCRQ, but pppd dies at once (no
# PPP in this kernel), so no LCP ever comes back over GRE.
probes_pptpd_use real || fatal_setup "6 pptpd with the real pppd" "did not start"
ok "6 pptpd restarted with the real /usr/sbin/pppd"
CONF2=$LAB/daemon-realpppd.json
probes_write_config "$CONF2" '"pptp", "gre"'
log_mark
lab_watch_start 60000 || not_ok "6 (setup) ribwatch" "did not start"
lab_start_daemon "$CONF2" || fatal_setup "6 daemon starts" "exited at once"
check "6 daemon log: pptp: INIT -> UP (the control channel works)" "no such line" \
    wait_for_log 'pptp: INIT -> UP' 10000 "$MARK"
check "6 daemon log: gre/data DOWN with gre-no-lcp or call-closed-before-lcp" \
    "$(first_since_mark 'gre/data: ')" \
    wait_for_log 'gre/data: DOWN \((gre-no-lcp|call-closed-before-lcp)\)' 5000 "$MARK"
check "6 daemon log: gre: INIT -> DOWN" "$(first_since_mark 'gre: ')" \
    wait_for_log 'gre: INIT -> DOWN' 5000 "$MARK"
sleep 3
if lab_watch_stop; then
	ok "6 the prefix was never announced (upstream watched from the daemon's start, $(
	    probes_log_since "$MARK" | grep -Ec 'gre/data: DOWN') GRE runs DOWN)"
else
	not_ok "6 the prefix was never announced" "upstream changed: $LAB_WATCH_LINES"
fi
check "6 ... reasons seen: $(probes_log_since "$MARK" | grep -Eo 'gre/data: DOWN \([a-z-]+\)' |
    sort | uniq -c | awk '{ printf "%s%s x%s", s, $4, $1; s = ", " }')" "none" \
    since_mark 'gre/data: DOWN'

check "daemon still running at the end" "exited" daemon_running
lab_stop_daemon
lab_down

echo "# took $(lab_ms_between "$START" "$EPOCHREALTIME" | cut -d. -f1) ms"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
