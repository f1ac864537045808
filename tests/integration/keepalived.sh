#!/bin/bash
# keepalived.sh - the keepalived router kind (issue 12) against the real
# keepalived 2.2.7, pptpd (with tests/lab/fake-pppd, so the GRE data path
# works) and anycast-healthd on two gateways, in the lab of
# tests/lab/lab-keepalived.sh.  Every claim about the VIP is read from the
# CLIENT's side (tests/lab/ka-who.py: who answers ARP for the VIP); the
# daemon's side through /v1/status and anycast-healthctl.  gw1 (priority
# 150) is the master whenever both are healthy; gw2 has priority 100.
#
#   0  the shipped etc/keepalived-anycast-healthd.conf and the lab's two
#      configs pass `keepalived -t -f`; `anycast-healthd -n` passes on the
#      lab config
#   a  start: `--init` creates a missing track file with the withdrawn value
#      and leaves an existing one; both daemons and keepalived started:
#      gw1 answers, a TCP connect to VIP:1723 works, status says announced
#      and master on gw1, backup on gw2, both track files 0
#   b  pptpd SIGKILL on gw1: gw2 answers (time printed); gw1 withdrawn,
#      track 254, FAULT; the notify script's FAULT branch starts pptpd
#      again and gw1 takes the VIP back
#   c  pptpd SIGSTOP on gw1: gw2 answers; SIGCONT: back.  The same with a
#      `pidof pptpd` vrrp_script (interval 1, fall 1) in place of the track
#      file: gw1 keeps the VIP for 5 s
#   d  GRE dropped by nftables in gw1: gw2 answers; rule deleted: back
#   e  `anycast-healthctl drain` on gw1: gw2 answers while gw1's status
#      still says draining (track 120), before the withdrawal; resume: back
#   f  gw1's daemon kill -9: gw1 keeps the VIP; `--withdraw-all` with
#      SERVICE_RESULT=signal (the unit's ExecStopPost): gw2 answers; the
#      daemon started again: back
#   g  gw1's daemon SIGTERM (on-exit keep) and started again: the client
#      sees gw1 throughout
#   h  gw1's track file changed by hand (to 60): repaired (drift_repairs,
#      the log), the client sees gw1 throughout
#   i  the Active/Passive pattern ("pptpd-on-backup": "stopped", the notify
#      script stops pptpd on BACKUP): gw2's pptpd stopped, gw2 on standby
#      (track 0); pptpd SIGKILL on gw1: gw2 answers, its notify script
#      starts pptpd, gw2 announced on its own probes without ever writing
#      withdrawn; gw1 back: gw2 BACKUP again, pptpd stopped, standby
#
# One line per check (`ok - ...` / `not ok - ...`), then `N passed, N
# failed`; exit 1 on any failure.  Every wait is bounded; the lab is torn
# down on every exit.  Usage (root): tests/integration/keepalived.sh
# [BUILDDIR]; LAB_KEEP=1 keeps the lab directory (configs, logs).

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/../lab/lab-probes.sh"
. "$HERE/../lab/lab-keepalived.sh"
ka_init "$1" || exit 1
. "$HERE/checks.sh"
START=$EPOCHREALTIME
P=$KA_VIP/32
MOVE_MS=8000		# a move by FAULT takes ~1 s, by priority ~3.5 s (3 adverts)
BACK_MS=20000		# recovery: probes rise, then gw1 preempts after 3 adverts

# not_ok with gw1's logs, not lab.sh's single daemon.log
not_ok()
{
	local g
	FAILED=$((FAILED + 1))
	echo "not ok - $1: $2"
	for g in 1 2; do
		[ -n "$LAB" ] || continue
		echo "#   gw$g daemon log (last 8 lines):"
		tail -n 8 "$(ka_dir "$g")/daemon.log" 2>/dev/null | sed 's/^/#     /'
		echo "#   gw$g keepalived log (last 5 lines):"
		tail -n 5 "$(ka_dir "$g")/keepalived.log" 2>/dev/null | sed 's/^/#     /'
	done
}

fatal_setup() { not_ok "$1" "$2"; echo "$PASSED passed, $FAILED failed"; exit 1; }

# status_is G EXPR: EXPR (Python, over s = gw G's /v1/status, px = its
# prefix P) holds.
status_is()
{
	ka_api "$1" /v1/status | P=$P python3 -c '
import datetime, json, os, sys, time
s = json.load(sys.stdin)
px = next(p for p in s["prefixes"] if p["prefix"] == os.environ["P"])
sys.exit(0 if eval(sys.argv[1]) else 1)' "$2" 2>/dev/null
}

# status_desc G: what gw G's status says about the prefix.
status_desc()
{
	ka_api "$1" /v1/status | P=$P python3 -c '
import json, os, sys
s = json.load(sys.stdin)
px = next(p for p in s["prefixes"] if p["prefix"] == os.environ["P"])
print(json.dumps({k: px.get(k) for k in ("desired", "actual", "why", "admin", "vrrp", "drift_repairs")}))' 2>&1
}

# wait_status G EXPR MS: status_is G EXPR within MS.
wait_status() { wait_until "$3" status_is "$1" "$2"; }

# mark G: remember where gw G's daemon log ends; log_since G: what came after.
mark() { eval "MARK_$1=$(wc -l <"$(ka_dir "$1")/daemon.log")"; }
log_since() { eval "tail -n +\$((MARK_$1 + 1)) \"$(ka_dir "$1")/daemon.log\""; }
vrrp_is() { status_is "$1" "(px['vrrp'] or {}).get('state') == '$2'"; }
track_is() { [ "$(ka_track_value "$1")" = "$2" ]; }

# expect_move NAME WANT LIMIT_MS ACTION...: the client sees WANT answer
# within LIMIT_MS of ACTION.
expect_move()
{
	local name=$1 want=$2 limit=$3
	shift 3
	if ka_measure "$want" "$limit" "$@"; then
		ok "$name ($KA_MS ms)"
		MOVES="$MOVES $name=$KA_MS"
	else
		not_ok "$name" "$KA_ERR"
	fi
}

# expect_steady NAME MS ACTION...: only gw1 answers while ACTION runs and
# for MS milliseconds after it.
expect_steady()
{
	local name=$1 ms=$2
	shift 2
	ka_watch_start $((ms + 60000)) || { not_ok "$name" "watcher did not start"; return; }
	"$@"
	sleep "$(awk -v m="$ms" 'BEGIN { print m / 1000 }')"
	ka_watch_stop
	if [ "$KA_WATCH_SEEN" = gw1 ]; then
		ok "$name"
	else
		not_ok "$name" "the client saw: $KA_WATCH_LINES"
	fi
}

# back_to_gw1 NAME: after a scenario, gw1 healthy and answering again.
back_to_gw1()
{
	local t0=$EPOCHREALTIME
	if ka_wait_who gw1 "$BACK_MS" && wait_status 1 "px['desired'] == 'announced'" 5000; then
		ok "$1: gw1 answers again ($(lab_ms_between "$t0" "$EPOCHREALTIME") ms)"
	else
		not_ok "$1: gw1 answers again" "who: $(ka_who); gw1: $(status_desc 1)"
	fi
}

keepalived_test() { OUT=$(keepalived -t -f "$1" 2>&1); RC=$?; [ "$RC" = 0 ] && [ -z "$OUT" ]; }

echo "# lab: $KA_NS_GW1 $KA_NS_GW2 $KA_NS_CL on a bridge in $KA_NS_BR, daemon $DAEMON"
[ -x "$DAEMON" ] || fatal_setup "daemon binary" "$DAEMON not built (make anycast-healthd)"
ka_up || fatal_setup "lab up" "namespaces, bridge or pptpd failed"
ok "lab up: two gateways and a client on one segment, pptpd on both gateways"

# --- 0: configs --------------------------------------------------------------
cp "$KA_EXAMPLE" "$LAB/example.conf"
check "0 keepalived -t -f etc/keepalived-anycast-healthd.conf: clean" "rc $RC: $OUT" \
    keepalived_test "$LAB/example.conf"
for g in 1 2; do
	ka_keepalived_conf "$g" >"$LAB/t$g.conf"
	check "0 keepalived -t: the lab's gw$g config (the example, substituted)" "rc $RC: $OUT" \
	    keepalived_test "$LAB/t$g.conf"
done
ka_keepalived_conf 1 script >"$LAB/t-script.conf"
check "0 keepalived -t: the vrrp_script variant" "rc $RC: $OUT" keepalived_test "$LAB/t-script.conf"
check "0 the lab's config has the VIP, priority 100 on gw2 and the track file" "$(grep -n 'priority\|vip' "$LAB/t2.conf")" \
    grep -q "priority 100" "$LAB/t2.conf"
for g in 1 2; do
	ka_daemon_config "$g" >"$(ka_dir "$g")/daemon.json"
done
OUT=$("$DAEMON" -n -c "$(ka_dir 1)/daemon.json" 2>&1)
check "a anycast-healthd -n passes on the lab config" "$OUT" test $? = 0

# --- a: start ------------------------------------------------------------------
T1=$(ka_dir 1)/vip.track T2=$(ka_dir 2)/vip.track
OUT=$("$DAEMON" --init -c "$(ka_dir 1)/daemon.json" 2>&1)
check "a --init creates a missing track file with 254" "rc $?, $OUT, file: $(cat "$T1" 2>&1)" track_is 1 254
echo 0 >"$T2"
touch -d '-1 hour' "$T2"
OUT=$("$DAEMON" --init -c "$(ka_dir 2)/daemon.json" 2>&1)
check "a --init leaves an existing track file as it is" "$OUT, file: $(cat "$T2")" \
    eval 'track_is 2 0 && [ -z "$(find "$T2" -newermt "-1 minute")" ]'
rm -f "$T2"
ka_daemon_start 1 && ka_daemon_start 2 || fatal_setup "a daemons start" "see the logs"
check "a gw2's daemon writes its missing track file at start (withdrawn until a verdict)" "$(cat "$T2" 2>&1)" \
    wait_until 3000 test -s "$T2"
ka_keepalived_start 1 && ka_keepalived_start 2 || fatal_setup "a keepalived starts" "see the logs"
check "a the client: gw1 answers for the VIP" "who: $(ka_who)" ka_wait_who gw1 15000
check "a a TCP connect to VIP:1723 from the client works" "refused or timed out" ka_vip_tcp
check "a gw1: announced, track file 0, vrrp master" "$(status_desc 1), track $(ka_track_value 1)" \
    eval 'wait_status 1 "px[\"desired\"] == \"announced\" and px[\"actual\"] == \"announced\" and (px[\"vrrp\"] or {}).get(\"state\") == \"master\"" 5000 && track_is 1 0'
check "a gw2: announced, track file 0, vrrp backup" "$(status_desc 2), track $(ka_track_value 2)" \
    eval 'wait_status 2 "px[\"desired\"] == \"announced\" and (px[\"vrrp\"] or {}).get(\"state\") == \"backup\"" 5000 && track_is 2 0'
ka_ctl 1 status
check "a anycast-healthctl status on gw1: exit 0, the VRRP column says master" "rc $RC: $OUT" \
    eval '[ "$RC" = 0 ] && grep -q "$P.*master" <<<"$OUT"'

# --- b: pptpd killed -----------------------------------------------------------
# The notify script's FAULT branch starts pptpd again at once, so gw1 may
# be healthy again before a status read: its log tells what happened.
mark 1
expect_move "b pptpd SIGKILL on gw1: gw2 answers" gw2 "$MOVE_MS" ka_pptpd 1 kill
check "b gw1's log: withdrawn (process-exited), then the instance master -> fault" "$(log_since 1 | grep -v debug | head -n 6)" \
    eval 'log_since 1 | grep -q "announced -> withdrawn (pptp DOWN (process-exited))" &&
	wait_until 3000 eval "log_since 1 | grep -q \"keepalived instance master -> fault\""'
check "b gw1's notify script (FAULT) started pptpd again" "no pptpd" wait_until 5000 ka_pptpd_up 1
back_to_gw1 "b"

# --- c: pptpd hung ----------------------------------------------------------------
expect_move "c pptpd SIGSTOP on gw1: gw2 answers" gw2 "$MOVE_MS" ka_pptpd 1 hang
check "c gw1: withdrawn, why names pptp" "$(status_desc 1)" \
    wait_status 1 "px['desired'] == 'withdrawn' and 'pptp' in px['why']" 3000
ka_pptpd 1 cont
back_to_gw1 "c"
ka_keepalived_stop 1; ka_keepalived_stop 2
ka_keepalived_start 1 script && ka_keepalived_start 2 script ||
	fatal_setup "c keepalived with the vrrp_script" "see the logs"
check "c vrrp_script variant: gw1 answers" "who: $(ka_who)" ka_wait_who gw1 15000
expect_steady "c vrrp_script pidof pptpd (interval 1, fall 1): pptpd SIGSTOP on gw1, gw1 keeps the VIP for 5 s" \
    5000 ka_pptpd 1 hang
check "c ... while gw1's daemon says withdrawn" "$(status_desc 1)" status_is 1 "px['desired'] == 'withdrawn'"
ka_pptpd 1 cont
ka_keepalived_stop 1; ka_keepalived_stop 2
ka_keepalived_start 1 && ka_keepalived_start 2 || fatal_setup "c keepalived with the track file" "see the logs"
back_to_gw1 "c (track file again)"

# --- d: GRE dropped ---------------------------------------------------------------
expect_move "d GRE dropped by nftables on gw1: gw2 answers" gw2 "$MOVE_MS" ka_nft_drop_gre 1
check "d gw1: withdrawn, why says gre-no-lcp" "$(status_desc 1)" \
    wait_status 1 "px['desired'] == 'withdrawn' and 'gre-no-lcp' in px['why']" 3000
ka_nft_clear 1
back_to_gw1 "d"

# --- e: drain ------------------------------------------------------------------------
expect_move "e drain on gw1: gw2 answers" gw2 "$MOVE_MS" ka_ctl 1 drain "$P"
check "e ... while gw1 still says draining (track 120), before its withdrawal" \
    "$(status_desc 1), track $(ka_track_value 1)" \
    eval 'status_is 1 "px[\"desired\"] == \"draining\"" && track_is 1 120'
check "e gw1's keepalived: BACKUP, not FAULT" "state $(ka_state 1)" wait_until 3000 vrrp_is 1 backup
ka_ctl 1 resume "$P"
back_to_gw1 "e"

# --- f: daemon kill -9, then ExecStopPost ----------------------------------------------
ka_daemon_stop 1 KILL
check "f daemon kill -9 on gw1: gw1 still answers, track file still 0" "who $(ka_who), track $(ka_track_value 1)" \
    eval '[ "$(ka_who)" = gw1 ] && track_is 1 0'
withdraw_all() { ip netns exec "$KA_NS_GW1" env SERVICE_RESULT=signal "$DAEMON" --withdraw-all \
    -c "$(ka_dir 1)/daemon.json" >>"$LAB/withdraw-all.log" 2>&1; }
expect_move "f --withdraw-all (SERVICE_RESULT=signal, as ExecStopPost): gw2 answers" gw2 "$MOVE_MS" withdraw_all
check "f ... it wrote 254 and logged why" "$(tail -n 3 "$LAB/withdraw-all.log"), track $(ka_track_value 1)" \
    eval 'track_is 1 254 && grep -q "ended with signal: withdrawing every prefix" "$LAB/withdraw-all.log"'
ka_daemon_start 1 || fatal_setup "f daemon starts again" "see the log"
back_to_gw1 "f"

# --- g: restart on a healthy master ------------------------------------------------------
restart_daemon()
{
	ka_daemon_stop 1 TERM
	ka_daemon_start 1 &&
	wait_status 1 "px['desired'] == 'announced' and px['actual'] == 'announced'" 10000
}
expect_steady "g daemon SIGTERM (on-exit keep) and start again on gw1: the client sees gw1 throughout" \
    4000 restart_daemon
check "g ... the track file stayed 0" "track $(ka_track_value 1)" track_is 1 0

# --- h: drift ------------------------------------------------------------------------------
D0=$(ka_api 1 /v1/status | P=$P python3 -c '
import json, os, sys
s = json.load(sys.stdin)
print(next(p for p in s["prefixes"] if p["prefix"] == os.environ["P"])["drift_repairs"])' 2>/dev/null)
mark 1
expect_steady "h gw1's track file set to 60 by hand: repaired, the client sees gw1 throughout" \
    4000 ka_track 1 60
check "h ... the track file is 0 again, drift_repairs grew from ${D0:-?}" "$(status_desc 1), track $(ka_track_value 1)" \
    eval 'track_is 1 0 && status_is 1 "px[\"drift_repairs\"] > ${D0:-0}"'
check "h ... and the log says so once" "$(log_since 1 | grep -v debug | head -n 3)" \
    eval '[ "$(log_since 1 | grep -c "track file .* holds 60, wanted announced: written again")" = 1 ]'

# --- i: the Active/Passive pattern: the notify script stops pptpd on BACKUP --
for g in 1 2; do
	ka_notify_mode "$g" stopped
	ka_daemon_config "$g" stopped >"$(ka_dir "$g")/daemon.json"
	ka_daemon_stop "$g" TERM
	ka_daemon_start "$g" || fatal_setup "i gw$g daemon with pptpd-on-backup stopped" "see the log"
done
# gw2 enters BACKUP anew, so that its notify script stops its pptpd
ka_keepalived_stop 2
ka_keepalived_start 2 || fatal_setup "i gw2 keepalived restarts" "see the log"
check "i gw2's notify script (BACKUP) stopped its pptpd" "pptpd $(ka_pptpd 2 pid) still up" \
    wait_until 8000 eval '! ka_pptpd_up 2'
check "i gw2 on standby: announced, why standby, track 0" "$(status_desc 2), track $(ka_track_value 2)" \
    eval 'wait_status 2 "px[\"desired\"] == \"announced\" and px[\"why\"].startswith(\"standby\")" 5000 && track_is 2 0'
# the takeover grace counts from the state file's time (the daemons were
# just restarted; gw1 became MASTER long before): no grace left on gw1
check "i gw1 still answers, MASTER for longer than the 5 s takeover grace" "who $(ka_who), $(status_desc 1)" \
    eval '[ "$(ka_who)" = gw1 ] && wait_status 1 "time.time() - datetime.datetime.fromisoformat(px[\"vrrp\"][\"since\"].replace(\"Z\", \"+00:00\")).timestamp() > 6" 10000'
mark 2
expect_move "i pptpd SIGKILL on gw1: gw2 answers, its pptpd stopped until now" gw2 "$MOVE_MS" ka_pptpd 1 kill
check "i gw2's notify script (MASTER) started pptpd" "no pptpd" wait_until 5000 ka_pptpd_up 2
check "i gw2: announced on its own probes (pptp UP), track 0 all along" "$(status_desc 2), $(log_since 2 | grep -v debug | head -n 5)" \
    eval 'wait_status 2 "px[\"desired\"] == \"announced\" and px[\"why\"] == \"pptp UP\"" 8000 && track_is 2 0 &&
	! log_since 2 | grep -q "announced -> withdrawn"'
back_to_gw1 "i"
check "i gw2 BACKUP again: pptpd stopped, standby, track 0" "$(status_desc 2), track $(ka_track_value 2)" \
    eval 'wait_until 8000 eval "! ka_pptpd_up 2" && wait_status 2 "px[\"why\"].startswith(\"standby\")" 5000 && track_is 2 0'

for g in 1 2; do
	check "gw$g daemon still running at the end" "exited" lab_alive "$(ka_daemon_pid "$g")"
done
ka_down

echo "# moves (ms):$MOVES"
echo "# took $(lab_ms_between "$START" "$EPOCHREALTIME" | cut -d. -f1) ms"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
