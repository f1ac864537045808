#!/bin/bash
# hooks.sh - integration suite for the state-change hooks (docs/hooks.md):
# the real anycast-healthd in the namespaced lab (tests/lab/lab.sh) with the
# real pptpd and BIRD 2; routing claims are read at the UPSTREAM BIRD's RIB.
#
#   1  a hook that appends its environment to a file records every
#      transition of a pptpd kill and restart, in order: service pptp
#      UP -> DOWN, prefix announced -> withdrawn, pptp DOWN -> UP, prefix
#      withdrawn -> announced; the prefix really left and came back at the
#      upstream; the environment is PATH and ANYCAST_HEALTHD_* only (a
#      variable of the daemon's own environment is not passed on)
#   2  a hook whose command does not exist: failed, logged with the exec
#      error, counted (result="failed"); the daemon keeps working
#   3  a hanging hook (sh ignoring SIGTERM, with a background sleep 600 in
#      its group; timeout-ms 500) runs for four reloads' records in a row:
#      each run is killed with its whole process group (no process left),
#      counted as a timeout; meanwhile the probes keep their schedule
#      (anycast_healthd_probe_runs_total of the 500 ms control probe grows
#      at its rate) and the loop never stays busy 250 ms
#   4  the status JSON's hooks section and the metrics agree
#   5  SIGTERM: the on-exit withdrawal (announced -> withdrawn, "anycast-
#      healthd stopped") reaches the recording hook before the daemon exits
#
# One line per check (`ok - ...` / `not ok - ...`), then `N passed, N
# failed`; exit 1 on any failure.  Every wait is bounded; the lab is torn
# down on every exit (lab.sh's trap).
#
# Usage (root): tests/integration/hooks.sh [BUILDDIR]
# LAB_KEEP=1 keeps the lab directory (logs, configs) after the run.

# make runs it with $(SHELL), which may be dash: the lab needs bash.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lab/lab.sh"
lab_init "$1" || exit 1
. "$(dirname "$0")/checks.sh"

fatal_setup() { not_ok "$1" "$2"; echo "$PASSED passed, $FAILED failed"; exit 1; }

echo "# lab: $NS_GW / $NS_UP, daemon $DAEMON"
[ -x "$DAEMON" ] || fatal_setup "daemon binary" "$DAEMON not built (make anycast-healthd)"
lab_up || fatal_setup "lab up" "namespaces, BIRD peering or pptpd failed"
ok "lab up: BGP established, pptpd runs"

RECORDS=$LAB/records		# one line per run of the recording hook
ENVS=$LAB/environments		# each run's whole environment, then "--"
cat >"$LAB/record-hook" <<HOOK
#!/bin/sh
echo "\$ANYCAST_HEALTHD_SEQ|\$ANYCAST_HEALTHD_HOOK|\$ANYCAST_HEALTHD_KIND|\$ANYCAST_HEALTHD_SUBJECT|\$ANYCAST_HEALTHD_OLD|\$ANYCAST_HEALTHD_NEW|\$ANYCAST_HEALTHD_REASON|\$ANYCAST_HEALTHD_GATEWAY" >>"$RECORDS"
{ /usr/bin/env; echo --; } >>"$ENVS"
HOOK
chmod 0755 "$LAB/record-hook"

# The lab's config plus a hooks section.
CONF=$LAB/daemon.json
lab_write_config "$CONF.in" withdraw
python3 - "$CONF.in" "$CONF" "$LAB/record-hook" <<'PY' || fatal_setup "config" "python3 failed"
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["anycast-healthd:anycast-healthd"]["hooks"] = {"hook": [
    {"name": "record", "command": [sys.argv[3]], "event": ["service", "prefix"]},
    {"name": "missing", "command": ["/nonexistent/anycast-hook", "--page"], "event": ["prefix"]},
    {"name": "hang", "event": ["reload"], "timeout-ms": 500,
     "command": ["/bin/sh", "-c", "trap '' TERM; /bin/sleep 600 & exec /bin/sleep 600"]},
]}
json.dump(cfg, open(sys.argv[2], "w"), indent=1)
PY
check "config with three hooks validates (anycast-healthd -n)" \
    "$(ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF" 2>&1 | head -n 3)" \
    ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF"

api() { curl -s -m 5 --unix-socket "$LAB/gw/admin.sock" "http://localhost$1"; }
metric() {	# SERIES: its value in /metrics ("" when absent)
	api /metrics | awk -v s="$1" '$1 == s { print $2; exit }'
}
records_since() { tail -n +"$(($1 + 1))" "$RECORDS" 2>/dev/null; }
records_count() { { wc -l <"$RECORDS"; } 2>/dev/null || echo 0; }
# the KIND|SUBJECT|OLD|NEW of the records after line $1, one per line
transitions_since() { records_since "$1" | cut -d'|' -f3-6; }
has_n_records_since() { [ "$(records_since "$1" | wc -l)" -ge "$2" ]; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }

LAB_DAEMON_ENV="AHD_HOOKS_LEAK=secret" lab_start_daemon "$CONF" ||
	fatal_setup "daemon starts" "exited at once: $(tail -n 5 "$LAB/daemon.log")"
check "daemon up: prefix announced at the upstream" "not present within 15 s" \
    wait_for_upstream present 15000
check "startup transitions recorded (service INIT -> UP, prefix -> announced)" \
    "records: $(tr '\n' ';' <"$RECORDS" 2>/dev/null)" \
    wait_until 10000 eval 'grep -q "|prefix|192.0.2.1/32|[a-z]*|announced|" "$RECORDS"'

# 1. pptpd killed and restarted: every transition, in order
MARK=$(records_count)
expect_change "1 pptpd SIGKILL: prefix left the upstream" absent 5000 pptpd_kill
expect_change "1 pptpd restarted: prefix back at the upstream" present 15000 pptpd_start
wait_until 10000 has_n_records_since "$MARK" 4
WANT="service|pptp|UP|DOWN
prefix|192.0.2.1/32|announced|withdrawn
service|pptp|DOWN|UP
prefix|192.0.2.1/32|withdrawn|announced"
GOT=$(transitions_since "$MARK")
check "1 the hook recorded the four transitions, in order" \
    "got: $(tr '\n' ';' <<<"$GOT")" test "$GOT" = "$WANT"
SEQS=$(records_since "$MARK" | cut -d'|' -f1 | tr '\n' ' ')
check "1 ... with increasing ANYCAST_HEALTHD_SEQ ($SEQS)" "not increasing" \
    eval "records_since $MARK | cut -d'|' -f1 | sort -n -c"
GW=$(ip netns exec "$NS_GW" hostname)
check "1 ... ANYCAST_HEALTHD_GATEWAY is the host name ($GW), HOOK is record" \
    "$(records_since "$MARK" | head -n 1)" \
    eval "records_since $MARK | cut -d'|' -f2,8 | grep -vxqF 'record|$GW'; [ \$? = 1 ]"
check "1 ... the DOWN record says why (ANYCAST_HEALTHD_REASON)" "$(records_since "$MARK" | head -n 1)" \
    eval "records_since $MARK | head -n 1 | grep -Eq '\|process-exited|\|[a-z-]+\$'"
VARS=$(awk '/^--$/ { exit } { sub(/=.*/, ""); print }' "$ENVS" | sort | tr '\n' ' ')
check "1 ... the environment is PATH and ANYCAST_HEALTHD_* only, and the PWD /bin/sh sets ($VARS)" "$VARS" \
    eval "awk '/^--\$/ { exit } { sub(/=.*/, \"\"); print }' '$ENVS' | grep -Evq '^(PATH|PWD|ANYCAST_HEALTHD_(HOOK|KIND|SUBJECT|OLD|NEW|REASON|GATEWAY|TIME|SEQ))\$'; [ \$? = 1 ]"
check "1 ... the daemon's own environment is not passed on (AHD_HOOKS_LEAK)" "leaked" \
    eval "! grep -q AHD_HOOKS_LEAK '$ENVS'"

# 2. the hook whose command does not exist
check "2 missing command: failed, logged with the exec error" "no such line" \
    wait_for_log 'hook missing: failed \(exit 127: cannot execute \(ENOENT\): /nonexistent/anycast-hook\)' 5000
NFAIL=$(metric 'anycast_healthd_hook_runs_total{hook="missing",result="failed"}')
check "2 ... counted: hook_runs_total{hook=missing,result=failed} = $NFAIL (>= 3 prefix records)" \
    "got '$NFAIL'" test "${NFAIL:-0}" -ge 3
check "2 ... the daemon keeps working (status answers, prefix announced)" "no" \
    eval 'api /v1/status | grep -q "\"desired\": \"announced\""'

# 3. a hanging hook, four times in a row, while the probes run
RUNS=anycast_healthd_probe_runs_total'{service="pptp",probe="control",kind="pptp-control"}'
LAG_COUNT=anycast_healthd_loop_lag_seconds_count
LAG_FAST='anycast_healthd_loop_lag_seconds_bucket{le="0.25"}'
snapshot() { SNAP=$(api /metrics); }
snap() { awk -v s="$1" '$1 == s { print $2; exit }' <<<"$SNAP"; }
snapshot; r0=$(snap "$RUNS"); n0=$(snap "$LAG_COUNT"); f0=$(snap "$LAG_FAST"); t0=$EPOCHREALTIME
LOGMARK=$(daemon_log_lines)
for _ in 1 2 3 4; do kill -HUP "$PID_DAEMON"; wait_for_log 'reloaded ' 5000 "$LOGMARK"; LOGMARK=$(daemon_log_lines); done
check "3 four reloads: four records for the hanging hook, all timed out (within 20 s)" \
    "timeouts: $(metric 'anycast_healthd_hook_runs_total{hook="hang",result="timeout"}')" \
    wait_until 20000 metric_is 'anycast_healthd_hook_runs_total{hook="hang",result="timeout"}' 4
snapshot; r1=$(snap "$RUNS"); n1=$(snap "$LAG_COUNT"); f1=$(snap "$LAG_FAST"); t1=$EPOCHREALTIME
SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
WANTRUNS=$(awk -v s="$SECS" 'BEGIN { printf "%d", s / 0.5 * 0.8 }')
check "3 ... the control probe kept its 500 ms schedule: $((r1 - r0)) runs in $SECS s (>= $WANTRUNS)" \
    "too few" test $((r1 - r0)) -ge "$WANTRUNS"
check "3 ... the loop never stayed busy 250 ms ($((n1 - n0)) busy stretches, all shorter)" \
    "$(( (n1 - n0) - (f1 - f0) )) longer" test $(( (n1 - n0) - (f1 - f0) )) -eq 0
check "3 ... each run got SIGTERM, then SIGKILL a second later" "log: $(grep -c 'hook hang: still running' "$LAB/daemon.log")" \
    test "$(grep -c 'hook hang: still running 1 s after SIGTERM: SIGKILL to process group' "$LAB/daemon.log")" -eq 4
GROUPS_SEEN=$(sed -n 's/.*hook hang: pid \([0-9]*\): .*/\1/p' "$LAB/daemon.log" | tr '\n' ' ')
# (pids are global and wrap: only the gateway namespace's processes count)
left=$(ip netns pids "$NS_GW" | xargs -r ps -o pgid=,pid=,args= -p |
	awk -v g=" $GROUPS_SEEN " 'index(g, " " $1 " ") { print $2 ":" $3 " " $4 }')
check "3 ... no process left in their process groups ($GROUPS_SEEN)" "left: $left" test -z "$left"
check "3 ... no sleep 600 of the hook left anywhere in the gateway namespace" "$(ip netns pids "$NS_GW" | xargs -r ps -o pid=,args= -p | grep 'sleep 600')" \
    eval "! ip netns pids '$NS_GW' | xargs -r ps -o args= -p | grep -q '^/bin/sleep 600'"

# 4. the status and the metrics
STATUS=$(api /v1/status)
check "4 status: hooks section with the three hooks, the hang hook's last run a timeout" \
    "$(grep -A3 '"hooks"' <<<"$STATUS" | head -n 4)" \
    eval 'python3 -c "
import json, sys
h = json.loads(sys.argv[1])[\"hooks\"]
names = [x[\"name\"] for x in h[\"hooks\"]]
hang = h[\"hooks\"][2]
assert names == [\"record\", \"missing\", \"hang\"], names
assert h[\"max_running\"] == 4 and h[\"running\"] == 0 and h[\"queued\"] == 0, h
assert hang[\"last\"][\"result\"] == \"timeout\" and hang[\"runs\"][\"timeout\"] == 4, hang
assert h[\"hooks\"][0][\"runs\"][\"ok\"] >= 6 and h[\"hooks\"][0][\"runs\"][\"failed\"] == 0
" "$STATUS"'
check "4 metrics: record hook ok runs match the records file ($(records_count))" \
    "metric $(metric 'anycast_healthd_hook_runs_total{hook="record",result="ok"}')" \
    test "$(metric 'anycast_healthd_hook_runs_total{hook="record",result="ok"}')" = "$(records_count)"

# 5. the stop: the on-exit withdrawal reaches the hook before the exit
MARK=$(records_count)
expect_change "5 SIGTERM: prefix withdrawn at the upstream" absent 10000 lab_stop_daemon
check "5 ... the hook recorded prefix announced -> withdrawn (anycast-healthd stopped)" \
    "records: $(records_since "$MARK" | tr '\n' ';')" \
    eval "records_since $MARK | grep -q '|prefix|192.0.2.1/32|announced|withdrawn|anycast-healthd stopped|'"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
