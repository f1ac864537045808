#!/bin/bash
# fleet.sh - the fleet (issue 9) against real daemons: three gateways (gw1,
# gw2 with BIRD, gw3 with FRR; each pptpd + router + anycast-healthd with a
# fleet section, the same prefix, min-announcers 1), etcd started by the
# test (one member; a cluster of three for the store-loss cases; https with
# client certificates for the TLS case) and an upstream BIRD peering with
# all three (tests/lab/fleet-lab.sh).  Every routing assertion is made at
# the upstream's RIB: how many paths it has for the prefix, whose, their AS
# paths, and (ribwatch, every millisecond) whether it ever lost the prefix.
#
#   0  the lab without a fleet section: 3 paths; every pptpd killed -> dark
#   a  every pptpd killed in one kill: never dark, exactly 1 held gateway,
#      chosen in the store, named by status, log and metrics; FLEET_ROUNDS
#      rounds (30)
#   b  one gateway recovers: the held one withdraws; all recover: 3 paths
#   c  two of three fail at once: both withdraw; daemon kill -9: its lease
#      expires within the TTL, the others count it out; --withdraw-all
#   d  maintenance that would break the minimum: refused (exit 1, names the
#      announcers); --force: done
#   g  chap-secrets changed on gw3: every `fleet` view flags it; on-drift
#      degrade: the upstream sees gw3's prepends
#   e  (three members) store unreachable from gw1 (nft drop): decide-alone;
#      the whole cluster killed: decide-alone on gw1, keep-announcing on
#      gw2; back: reachable again, no stuck hold, no crash
#   f  (https, client certificates) the guard as in a, one round, and b
#
# Usage (root): tests/integration/fleet.sh [BUILDDIR]; FLEET_ROUNDS=N (30),
# FLEET_ONLY="a b ..." runs those scenarios only (0 always runs),
# LAB_KEEP=1 keeps the lab directory, FLEET_TOTALS=FILE: write "PASSED
# FAILED" there (run.sh adds them up).  Prints `ok - ...` / `not ok - ...`
# per check and `N passed, N failed`; exit 1 on any failure.

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/../lab/fleet-lab.sh"
. "$HERE/checks.sh"

START=$EPOCHREALTIME
ROUNDS=${FLEET_ROUNDS:-30}
ONLY=${FLEET_ONLY:-a b c d g e f}
P=$LAB_PREFIX

# A failed check shows the end of every gateway's log.
not_ok()
{
	local i
	FAILED=$((FAILED + 1))
	echo "not ok - $1: $2"
	[ -n "$LAB" ] || return 0
	echo "#   upstream: $(fl_paths) paths; $(up_birdc show route "$P" 2>/dev/null | grep -o 'gwpeer[0-9]' | tr '\n' ' ')"
	for i in 1 2 3; do
		[ -f "$(fl_log "$i")" ] || continue
		echo "#   gw$i log (last 6 lines):"
		tail -n 6 "$(fl_log "$i")" | sed 's/^/#     /'
	done
}

bail() { not_ok "$1" "${2:-}"; finish; }

finish()
{
	echo "# fleet.sh took $(lab_ms_between "$START" "$EPOCHREALTIME" | cut -d. -f1) ms"
	echo "$PASSED passed, $FAILED failed"
	[ -n "$FLEET_TOTALS" ] && echo "$PASSED $FAILED" >"$FLEET_TOTALS"
	[ "$FAILED" = 0 ]
	exit
}

want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }

# --- what the gateways and the store say -------------------------------------

held_of() { fl_json "$1" 's["prefixes"][0].get("held")'; }
# held_nodes: the gateways whose status says the prefix is held, e.g. "gw2".
held_nodes()
{
	local i out=
	for i in 1 2 3; do
		fl_daemon_alive "$i" && [ "$(held_of "$i")" = True ] && out="$out${out:+ }gw$i"
	done
	echo "$out"
}
# path_nodes: the gateways whose path the upstream has.
path_nodes()
{
	up_birdc show route "$P" 2>/dev/null | sed -n 's/.*\[gwpeer\([0-9]\) .*/gw\1/p' | sort | tr '\n' ' ' | sed 's/ $//'
}
# announcers: the announcer keys in the store, e.g. "gw1 gw3".
announcers() { fl_keys "$FL_ANNOUNCERS_KEY" | sed 's|.*/||' | sort | tr '\n' ' ' | sed 's/ $//'; }
announcers_are() { [ "$(announcers)" = "$1" ]; }
# metric N NAME: the value of the first line starting with NAME on gw N.
metric() { fl_metrics "$1" | awk -v m="$2" 'index($0, m) == 1 { print $NF; exit }'; }

# settled_one: exactly one path at the upstream, exactly one gateway held,
# and they are the same one.
settled_one() { [ "$(fl_paths)" = 1 ] && [ -n "$(held_nodes)" ] && [ "$(held_nodes)" = "$(path_nodes)" ]; }
# all_announce: 3 paths, 3 announcer keys, nobody held.
all_announce() { fl_paths_are 3 && announcers_are "gw1 gw2 gw3" && [ -z "$(held_nodes)" ]; }

# watch_start / watch_end NAME: ribwatch on the whole prefix while a
# scenario runs; watch_end fails NAME if the upstream ever had no path.
watch_start()
{
	local i=0
	WATCH_OUT=$LAB/watch.$RANDOM
	fl_ribwatch -t 900000 >"$WATCH_OUT" 2>&1 &
	WATCH_PID=$!
	until [ -s "$WATCH_OUT" ]; do
		[ $i -ge 500 ] && break
		sleep 0.01
		i=$((i + 1))
	done
}
watch_end()
{
	kill -TERM "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID" 2>/dev/null
	if [ ! -s "$WATCH_OUT" ]; then
		not_ok "$1" "no ribwatch output (no watch_start, or ribwatch failed)"
	elif grep -q absent "$WATCH_OUT"; then
		not_ok "$1" "the upstream lost the prefix: $(tr '\n' ';' <"$WATCH_OUT")"
	else
		ok "$1 (sampled every ms: $(wc -l <"$WATCH_OUT") line(s), never absent)"
	fi
	rm -f "$WATCH_OUT"
}

pptpd_start_all() { local i; for i in 1 2 3; do [ -n "${FL_PPTPD[$i]}" ] || fl_pptpd_start "$i"; done; }

# restore: every pptpd running and every gateway announcing again.
restore()
{
	pptpd_start_all
	fl_wait_until 30000 all_announce || not_ok "$1: all announce again" \
	    "paths $(fl_paths) ($(path_nodes)), announcers '$(announcers)', held '$(held_nodes)'"
}

# start_fleet: (re)write every config for the running store and start the
# three daemons; wait until all announce.
start_fleet()
{
	local i
	for i in 1 2 3; do fl_daemon_stop "$i"; done
	for i in 1 2 3; do fl_write_config "$i"; done
	for i in 1 2 3; do
		fl_daemon_start "$i" || bail "$1: gw$i's daemon starts"
	done
	if fl_wait_until 40000 all_announce; then
		ok "$1: 3 gateways announce, 3 announcer keys in the store ($(announcers))"
	else
		bail "$1: 3 gateways announce" "paths $(fl_paths), announcers '$(announcers)', held '$(held_nodes)'"
	fi
}

# ============================================================================
fleet_init "$1" || exit 1
echo "# fleet lab: $NS_GW $NS_GW2 $NS_GW3, upstream $NS_UP, store $NS_ETCD"
fleet_up || bail "lab up"
fl_etcd_start 1 || bail "etcd (one member) healthy"
ok "lab up: 3 BGP sessions at the upstream, etcd healthy"

# --- 0: the daemons as before the fleet ---------------------------------------
FL_FLEET=0
for i in 1 2 3; do fl_write_config "$i"; fl_daemon_start "$i" || bail "0: gw$i's daemon starts"; done
if fl_wait_paths 3 30000; then ok "0: without a fleet section: the upstream has 3 paths"
else bail "0: the upstream has 3 paths" "$(fl_paths)"; fi
fl_pptpd_kill 1 2 3
if fl_wait_paths 0 5000; then ok "0: without a fleet section every pptpd killed: the prefix leaves the upstream"
else not_ok "0: the prefix leaves the upstream" "$(fl_paths) paths"; fi
pptpd_start_all
fl_wait_paths 3 30000 || not_ok "0: back to 3 paths" "$(fl_paths)"
FL_FLEET=1

# The fleet configs: every gateway degrades on credential drift (scenario g;
# the same on all three, so the config fingerprints agree).
FL_SERVICE_EXTRA=', "on-drift": "degrade"'
FL_ON_LOSS_2=keep-announcing
for i in 1 2 3; do fl_write_config "$i"; done
for i in 1 2 3; do
	out=$("$DAEMON" -n -c "$(fl_dir "$i")/daemon.json" 2>&1) ||
		bail "config with a fleet section validates (gw$i)" "$out"
done
ok "configs with a fleet section validate (-n)"
start_fleet "fleet up"
gw=$(fl_keys "$FL_GATEWAYS_KEY" | sed 's|.*/||' | sort | tr '\n' ' ')
check "the store has the three gateway records ($gw)" "gateways: '$gw'" [ "$gw" = "gw1 gw2 gw3 " ]
no_drift() { local i; for i in 1 2 3; do [ "$(fl_json "$i" 's["fleet"]["drift"]')" = "[]" ] || return 1; done; }
check "no drift at start: the three agree on every fingerprint (config included)" \
    "drift: gw1 $(fl_json 1 's["fleet"]["drift"]'), gw2 $(fl_json 2 's["fleet"]["drift"]'), gw3 $(fl_json 3 's["fleet"]["drift"]')" \
    fl_wait_until 10000 no_drift

# --- a: every pptpd killed at once -----------------------------------------------
round_a()
{
	local r=$1 t0 h
	t0=$EPOCHREALTIME
	fl_pptpd_kill 1 2 3
	if ! fl_wait_until 20000 settled_one; then
		not_ok "a: round $r: exactly one held gateway, its path the only one" \
		    "paths $(fl_paths) ($(path_nodes)), held '$(held_nodes)', announcers '$(announcers)'"
		restore "a: round $r"
		return
	fi
	h=$(held_nodes)
	A_MS=$(lab_ms_between "$t0" "$EPOCHREALTIME")
	if [ "$(announcers)" != "$h" ]; then
		not_ok "a: round $r: the store's announcers are the held gateway" "announcers '$(announcers)', held $h"
	fi
	A_HELD="$A_HELD $h"
	[ "$r" = 1 ] && check_held_names "$h"
	restore "a: round $r"
}

# check_held_names gwN: status, log and metrics of every gateway agree.
check_held_names()
{
	local h=$1 n=${1#gw} i hm
	check "a: $h's status: held, guard '$(fl_json "$n" 's["prefixes"][0].get("guard")')', announcers 1, min_announcers 1" \
	    "status: $(fl_status "$n" | head -c 600)" \
	    [ "$(fl_json "$n" '(s["prefixes"][0].get("held"), s["prefixes"][0].get("announcers"), s["prefixes"][0].get("min_announcers"))')" = "(True, 1, 1)" ]
	check "a: $h logged the hold" "no 'fleet guard: holding' line" \
	    fl_log_has "$n" "fleet guard: holding $P: withdrawing would leave 0 gateways announcing it \(min-announcers 1\)" 0
	for i in 1 2 3; do
		hm=$(metric "$i" "anycast_healthd_prefix_held{prefix=\"$P\"}")
		if [ "gw$i" = "$h" ]; then
			check "a: gw$i: anycast_healthd_prefix_held 1" "got '$hm'" [ "$hm" = 1 ]
		else
			check "a: gw$i: anycast_healthd_prefix_held 0" "got '$hm'" [ "$hm" = 0 ]
		fi
	done
	# held is announced degraded where there is a twin / route-map
	check "a: the upstream sees the held $h degraded (AS path 65001 65001 65001)" \
	    "as path '$(fl_as_path "$n")'" fl_wait_until 5000 fl_as_path_is "$n" "65001 65001 65001"
}

if want a; then
	A_HELD= A_T0=$EPOCHREALTIME
	watch_start
	for r in $(seq 1 "$ROUNDS"); do round_a "$r"; done
	watch_end "a: every pptpd killed at once, $ROUNDS rounds: the upstream always had the prefix"
	cnt=$(echo $A_HELD | wc -w)
	check "a: $ROUNDS rounds settled on exactly one held gateway each (held: $(echo $A_HELD | tr ' ' '\n' | sort | uniq -c | tr -s ' \n' ' '))" \
	    "$cnt of $ROUNDS" [ "$cnt" = "$ROUNDS" ]
	echo "# a: $ROUNDS rounds in $(lab_ms_between "$A_T0" "$EPOCHREALTIME" | cut -d. -f1) ms"
fi

# --- b: recoveries -------------------------------------------------------------------
if want b; then
	watch_start
	fl_pptpd_kill 1 2 3
	if fl_wait_until 20000 settled_one; then
		h=$(held_nodes); hn=${h#gw}
		# the first gateway that is not the held one recovers
		for rn in 1 2 3; do [ "$rn" != "$hn" ] && break; done
		mark=$(fl_log_lines "$hn")
		fl_pptpd_start "$rn"
		if fl_wait_until 20000 eval '[ "$(path_nodes)" = "gw$rn" ]'; then
			ok "b: gw$rn recovers: the held $h withdraws, the upstream has gw$rn's path only"
		else
			not_ok "b: the held $h withdraws when gw$rn recovers" "paths: $(path_nodes), held '$(held_nodes)'"
		fi
		check "b: $h logged the release" "no 'fleet guard: released' line" \
		    fl_wait_log "$hn" "fleet guard: released $P: gw$rn announces it" 5000 "$mark"
		check "b: $h's status: not held" "held $(held_of "$hn")" [ "$(held_of "$hn")" = False ]
	else
		not_ok "b: one held gateway" "paths $(fl_paths), held '$(held_nodes)'"
	fi
	restore "b"
	check "b: all recover: the upstream has 3 paths" "$(fl_paths)" fl_paths_are 3
	watch_end "b: the upstream always had the prefix"
fi

# --- c: two of three fail; a daemon killed ----------------------------------------
if want c; then
	watch_start
	fl_pptpd_kill 1 3
	if fl_wait_until 10000 eval '[ "$(path_nodes)" = gw2 ] && announcers_are gw2'; then
		ok "c: gw1 and gw3 fail at once: both withdraw, the upstream has gw2's path only"
	else
		not_ok "c: both withdraw" "paths $(path_nodes), announcers '$(announcers)'"
	fi
	check "c: nobody held" "held '$(held_nodes)'" [ -z "$(held_nodes)" ]
	restore "c"
	watch_end "c: the upstream always had the prefix"

	t0=$EPOCHREALTIME
	fl_daemon_stop 1 KILL
	fl_withdraw_all 1 signal
	check "c: kill -9 of gw1's daemon + ExecStopPost --withdraw-all: gw1's path leaves the upstream" \
	    "paths $(path_nodes)" fl_wait_until 5000 eval '[ "$(path_nodes)" = "gw2 gw3" ]'
	if fl_wait_until $(((FL_TTL + 3) * 1000)) fl_key_gone "${FL_GATEWAYS_KEY}gw1"; then
		ms=$(lab_ms_between "$t0" "$EPOCHREALTIME" | cut -d. -f1)
		check "c: gw1's lease expired: its record and announcer key are gone after $ms ms (TTL ${FL_TTL} s)" \
		    "announcers '$(announcers)'" [ "$(announcers)" = "gw2 gw3" -a "$ms" -le $(((FL_TTL + 2) * 1000)) ]
	else
		not_ok "c: gw1's keys gone within the TTL" "$(fl_keys "/anycast-healthd/$FL_NAME/")"
	fi
	count_out() { [ "$(fl_json 2 's["prefixes"][0].get("announcers"), s["fleet"].get("gateways")')" = "2 2" ] &&
		[ "$(fl_json 3 's["prefixes"][0].get("announcers"), s["fleet"].get("gateways")')" = "2 2" ]; }
	check "c: gw2 and gw3 count gw1 out (status: 2 announcers, 2 gateways)" \
	    "gw2: $(fl_json 2 's["prefixes"][0].get("announcers"), s["fleet"].get("gateways")')" fl_wait_until 5000 count_out
	fl_daemon_start 1 || bail "c: gw1's daemon starts again"
	check "c: gw1's daemon back: 3 paths, 3 announcers" "paths $(fl_paths), announcers '$(announcers)'" \
	    fl_wait_until 20000 all_announce
fi

# --- d: operator maintenance against the minimum ------------------------------------
if want d; then
	fl_pptpd_kill 2 3
	fl_wait_until 10000 eval '[ "$(path_nodes)" = gw1 ] && announcers_are gw1' ||
		not_ok "d: gw2 and gw3 withdrew" "paths $(path_nodes)"
	out=$(fl_ctl 1 maintenance "$P" 2>&1); rc=$?
	check "d: maintenance on the last announcer refused: exit 1, names gw1" "rc $rc: $out" \
	    eval '[ $rc = 1 ] && [[ "$out" == *"refused by the fleet guard"* ]] && [[ "$out" == *"announcing: gw1"* ]]'
	echo "#   $out"
	check "d: the upstream keeps gw1's path" "paths $(path_nodes)" eval '[ "$(path_nodes)" = gw1 ]'
	out=$(fl_ctl 1 maintenance --force "$P" 2>&1); rc=$?
	check "d: maintenance --force: exit 0" "rc $rc: $out" [ $rc = 0 ]
	check "d: --force: the upstream loses gw1's path" "paths $(fl_paths)" fl_wait_paths 0 5000
	fl_ctl 1 resume --all >/dev/null 2>&1
	check "d: resume: gw1 announces again" "paths $(path_nodes)" fl_wait_until 10000 fl_has 1
	pptpd_start_all
	fl_wait_until 20000 all_announce || not_ok "d: all announce" "paths $(fl_paths)"
	# with others announcing, the same verb is accepted
	out=$(fl_ctl 1 maintenance "$P" 2>&1); rc=$?
	check "d: maintenance with gw2 and gw3 announcing: accepted, gw1's path leaves" "rc $rc: $out" \
	    eval '[ $rc = 0 ] && fl_wait_until 5000 eval "[ \"\$(path_nodes)\" = \"gw2 gw3\" ]"'
	fl_ctl 1 resume --all >/dev/null 2>&1
	restore "d"
fi

# --- g: credential drift ---------------------------------------------------------
CHAP3=$LAB/gw3/ppp/chap-secrets
# fleet_drift N: gateway N's view (`anycast-healthctl fleet --json`, i.e.
# GET /v1/fleet): "NAME:NODE,NODE" per drifted fingerprint, e.g.
# "/etc/ppp/chap-secrets:gw3" (the table's header names every fingerprint,
# so the text form cannot tell).
fleet_drift()
{
	fl_ctl "$1" fleet --json 2>/dev/null | python3 -c 'import json, sys
j = json.load(sys.stdin)
print(" ".join(d["name"] + ":" + ",".join(d.get("differ", [])) for d in j.get("drift", [])))' 2>/dev/null
}
drift_flagged() { local i; for i in 1 2 3; do [ "$(fleet_drift "$i")" = "/etc/ppp/chap-secrets:gw3" ] || return 1; done; }
drift_clear() { local i; for i in 1 2 3; do [ -z "$(fleet_drift "$i")" ] || return 1; done; }
if want g; then
	check "g: before: no gateway's fleet view shows drift" "gw1: '$(fleet_drift 1)'" fl_wait_until 10000 drift_clear
	cp "$CHAP3" "$LAB/chap3.orig"
	mark=$(fl_log_lines 3)
	t0=$EPOCHREALTIME
	# in place: the daemon sees the file through a bind mount of its directory
	echo 'bob pptpd "rotated-only-here" *' >>"$CHAP3"
	if fl_wait_until 15000 drift_flagged; then
		ok "g: chap-secrets changed on gw3: every gateway's fleet view flags it after $(lab_ms_between "$t0" "$EPOCHREALTIME" | cut -d. -f1) ms"
	else
		not_ok "g: every fleet view flags gw3's chap-secrets" "gw1 '$(fleet_drift 1)', gw2 '$(fleet_drift 2)', gw3 '$(fleet_drift 3)'"
	fi
	fl_ctl 1 fleet 2>&1 | sed 's/^/#   /'
	check "g: gw3's status: fleet.drift names /etc/ppp/chap-secrets" "$(fl_json 3 's.get("fleet")')" \
	    eval '[[ "$(fl_json 3 "s[\"fleet\"][\"drift\"]")" == *"/etc/ppp/chap-secrets"* ]]'
	check "g: gw3: anycast_healthd_fleet_drift{name=\"/etc/ppp/chap-secrets\"} 1" "$(fl_metrics 3 | grep fleet_drift)" \
	    [ "$(metric 3 'anycast_healthd_fleet_drift{name="/etc/ppp/chap-secrets"}')" = 1 ]
	check "g: gw3 logged the drift" "no drift line" fl_log_has 3 "/etc/ppp/chap-secrets differs from the fleet's majority" "$mark"
	check "g: on-drift degrade: the upstream sees gw3's prepends (65001 65001 65001)" "as path '$(fl_as_path 3)'" \
	    fl_wait_until 10000 fl_as_path_is 3 "65001 65001 65001"
	check "g: gw1 and gw2 stay plain (65001)" "gw1 '$(fl_as_path 1)', gw2 '$(fl_as_path 2)'" \
	    eval '[ "$(fl_as_path 1)" = 65001 ] && [ "$(fl_as_path 2)" = 65001 ]'
	cat "$LAB/chap3.orig" >"$CHAP3"
	check "g: chap-secrets restored: the flag clears everywhere" "gw1 '$(fleet_drift 1)'" \
	    fl_wait_until 15000 drift_clear
	check "g: gw3 plain again (65001)" "as path '$(fl_as_path 3)'" fl_wait_until 10000 fl_as_path_is 3 65001
fi

# --- e: store loss (three members) ------------------------------------------------------
store_reachable() { fl_json "$1" 's["fleet"]["store"]["reachable"]'; }
if want e; then
	for i in 1 2 3; do fl_daemon_stop "$i"; done
	fl_etcd_stop
	fl_etcd_start 3 || bail "e: etcd cluster of three healthy"
	ok "e: etcd cluster of three members healthy"
	start_fleet "e"
	watch_start
	# e1: gw1 cut off from the store
	mark=$(fl_log_lines 1)
	fl_block 1
	check "e: gw1 cut off (nft): 'store unreachable' logged" "no line" \
	    fl_wait_log 1 "store unreachable" 15000 "$mark"
	check "e: gw1's status: store reachable false" "$(fl_json 1 's["fleet"]["store"]')" \
	    fl_wait_until 5000 eval '[ "$(store_reachable 1)" = False ]'
	t0=$EPOCHREALTIME
	fl_pptpd_kill 1
	if fl_wait_until $((FL_DECISION_MS + 10000)) fl_hasnt 1; then
		ok "e: gw1's pptpd killed while cut off: decide-alone withdraws after $(lab_ms_between "$t0" "$EPOCHREALTIME" | cut -d. -f1) ms (decision-timeout ${FL_DECISION_MS} ms)"
	else
		not_ok "e: decide-alone withdraws gw1" "paths $(path_nodes)"
	fi
	da=$(metric 1 "anycast_healthd_fleet_decisions_alone_total{prefix=\"$P\"}")
	check "e: gw1: anycast_healthd_fleet_decisions_alone_total >= 1" "got '$da'" [ "${da:-0}" -ge 1 ]
	fl_pptpd_start 1
	check "e: gw1's pptpd back: it announces again while cut off" "paths $(path_nodes)" fl_wait_until 15000 fl_has 1
	mark=$(fl_log_lines 1)
	fl_unblock 1
	check "e: gw1 reaches the store again: 'store reachable again' logged" "no line" \
	    fl_wait_log 1 "store reachable again" 15000 "$mark"
	check "e: gw1's status: store reachable true" "$(fl_json 1 's["fleet"]["store"]')" \
	    fl_wait_until 5000 eval '[ "$(store_reachable 1)" = True ]'
	check "e: gw1's record and announcer key are back in the store" "announcers '$(announcers)'" \
	    fl_wait_until 15000 eval 'announcers_are "gw1 gw2 gw3" && fl_key_there "${FL_GATEWAYS_KEY}gw1"'
	watch_end "e: gw1 cut off and back: the upstream always had the prefix"

	# e2: the whole cluster killed
	watch_start
	for i in 1 2 3; do marks[$i]=$(fl_log_lines "$i"); done
	fl_etcd_stop KILL
	for i in 1 2 3; do
		check "e: cluster down: gw$i logs 'store unreachable'" "no line" \
		    fl_wait_log "$i" "store unreachable" 15000 "${marks[$i]}"
	done
	t0=$EPOCHREALTIME
	fl_pptpd_kill 1 2
	check "e: cluster down, gw1 (decide-alone) and gw2 (keep-announcing) fail: gw1 withdraws" \
	    "paths $(path_nodes)" fl_wait_until $((FL_DECISION_MS + 10000)) fl_hasnt 1
	sleep $(((FL_DECISION_MS + 2000) / 1000))
	check "e: gw2 (keep-announcing) still announces $(lab_ms_between "$t0" "$EPOCHREALTIME" | cut -d. -f1) ms after its pptpd died" \
	    "paths $(path_nodes)" eval '[ "$(path_nodes)" = "gw2 gw3" ]'
	for i in 1 2 3; do marks[$i]=$(fl_log_lines "$i"); done
	fl_etcd_run || bail "e: the cluster back"
	for i in 1 2 3; do
		check "e: cluster back: gw$i logs 'store reachable again'" "no line" \
		    fl_wait_log "$i" "store reachable again" 20000 "${marks[$i]}"
	done
	check "e: no stuck hold: gw2 re-checks and withdraws (gw3 announces)" "paths $(path_nodes), held '$(held_nodes)'" \
	    fl_wait_until 20000 eval '[ "$(path_nodes)" = gw3 ] && [ -z "$(held_nodes)" ]'
	check "e: no crash: the three daemons run" "" eval 'fl_daemon_alive 1 && fl_daemon_alive 2 && fl_daemon_alive 3'
	restore "e"
	check "e: all recover: 3 paths" "$(fl_paths)" fl_paths_are 3
	watch_end "e: cluster down and back: the upstream always had the prefix"
fi

# --- f: TLS with client certificates ----------------------------------------------------
if want f; then
	for i in 1 2 3; do fl_daemon_stop "$i"; done
	fl_etcd_stop
	fl_certs || bail "f: certificates made"
	fl_etcd_start 1 https || bail "f: etcd (https, client certificates) healthy"
	check "f: etcd refuses a client without a certificate" "" \
	    eval '! ip netns exec "$NS_ETCD" curl -s -m 3 --cacert "$LAB/tls/ca.crt" "$(fl_etcd_url 1)/health" | grep -q true'
	start_fleet "f: over https with client certificates"
	watch_start
	fl_pptpd_kill 1 2 3
	if fl_wait_until 20000 settled_one; then
		h=$(held_nodes); hn=${h#gw}
		ok "f: every pptpd killed: exactly one held gateway ($h)"
		for rn in 1 2 3; do [ "$rn" != "$hn" ] && break; done
		fl_pptpd_start "$rn"
		check "f: gw$rn recovers: the held $h withdraws" "paths $(path_nodes)" \
		    fl_wait_until 20000 eval '[ "$(path_nodes)" = "gw$rn" ]'
	else
		not_ok "f: exactly one held gateway" "paths $(fl_paths), held '$(held_nodes)'"
	fi
	restore "f"
	watch_end "f: the upstream always had the prefix"
fi

for i in 1 2 3; do
	check "gw$i's daemon still runs" "" fl_daemon_alive "$i"
done
finish
