#!/bin/bash
# chaos.sh - a seeded, replayable random sequence of faults against the real
# daemon, real pptpd and the real gateway router (BIRD or FRR) in the
# namespaced lab (tests/lab/lab.sh).  After every step the UPSTREAM BIRD's
# RIB and `anycast-healthctl status --json` must come to what a model of the
# documented behaviour (docs/design.md "Semantics", docs/cli.md) says:
#
#   model: pptpd up / stopped / dead, router up / dead / paused, operator
#          override none / drain (since when) / maintenance, the services
#          of the config in force
#   ->     pptp UP/DOWN, desired and actual state, admin, router reachable,
#          status exit code, prefix present/absent at the upstream, services
#
# Steps (chosen from CHAOS_SEED with bash's RANDOM, so a seed always gives
# the same list): pptpd kill / stop / cont / restart / start; router
# configure (BIRD `configure`; FRR what frr-reload does: bgpd's file applied
# again by vtysh and the run-time `network` dropped, as it is not in the
# file), restart, kill, start, pause (SIGSTOP, checked, SIGCONT), hand edits
# (birdc disable/enable anycast4, vtysh `no network` / `network`), BIRD's
# state file deleted (BIRD up, down, or then restarted); daemon kill -9 +
# the unit's ExecStopPost (`--withdraw-all`, SERVICE_RESULT=signal) + start,
# SIGTERM + ExecStopPost (success) + start, SIGHUP with a changed good
# config and with a broken one; operator drain, maintenance, resume, reload
# (good and refused).  Each check polls until the state matches (bounded by
# CHAOS_TIMEOUT_MS), never sleeps a fixed time; steps that leave the model
# as it was need evidence that they happened (a counter, a history event).
# A mismatch prints the seed, the step, the steps so far, expected and seen,
# the daemon log's tail and the command that replays it.
#
# Usage (root): make chaos, or
#   tests/integration/chaos.sh [BUILDDIR]
#   CHAOS_SEED=N CHAOS_STEPS=M ROUTERS=bird tests/integration/chaos.sh build
# ROUTERS ("bird frr", or LAB_ROUTER's one if set), CHAOS_STEPS (25),
# CHAOS_SEED (random; printed first), CHAOS_TIMEOUT_MS (20000 per check),
# CHAOS_DRAIN_S (drain-time-s, 2), CHAOS_KEEP_GOING=1 (go on after a
# failure that is not a known defect), CHAOS_PLAN_ONLY=1 (print the steps
# of the seed and run nothing).  Ends with `N passed, N failed`.

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/checks.sh"
shopt -s extglob

BUILDDIR=$1
ROUTERS=${ROUTERS:-${LAB_ROUTER:-bird frr}}
CHAOS_STEPS=${CHAOS_STEPS:-25}
CHAOS_SEED=${CHAOS_SEED:-$(( ${SRANDOM:-$$$RANDOM} % 1000000 ))}
CHAOS_TIMEOUT_MS=${CHAOS_TIMEOUT_MS:-20000}
CHAOS_DRAIN_S=${CHAOS_DRAIN_S:-2}
# What "at about the same time" means around a drain's end: the verb's own
# round trip is inside [T0, T1]; scheduling on a loaded machine adds this.
CHAOS_SLACK_US=400000
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
START=$EPOCHREALTIME

echo "# chaos: seed $CHAOS_SEED, $CHAOS_STEPS steps, routers: $ROUTERS"

# --- the plan: the step list from the seed ------------------------------------
#
# The list is drawn before anything runs, from a discrete copy of the model
# (pptpd, router, override): it depends on the seed alone, never on timing,
# and the first M steps of a seed are the same whatever CHAOS_STEPS is.

# plan_pick WORD WEIGHT ...: one WORD, each as likely as its WEIGHT.
plan_pick()
{
	local c=() w
	while [ $# -gt 1 ]; do
		for ((w = 0; w < $2; w++)); do c+=("$1"); done
		shift 2
	done
	PICK=${c[RANDOM % ${#c[@]}]}
}

# plan_step: one step for the discrete model in P_PPTPD, P_ROUTER, P_ADMIN.
plan_step()
{
	local area op=12
	# an override hides what pptpd does: do not stay in one for long
	[ "$P_ADMIN" = none ] || op=30
	plan_pick pptpd 30 router 25 daemon 25 operator $op
	area=$PICK
	case "$area.$P_PPTPD" in
	pptpd.up) plan_pick pptpd_kill 3 pptpd_stop 2 pptpd_restart 2 ;;
	pptpd.stopped) plan_pick pptpd_cont 3 pptpd_kill 1 pptpd_restart 1 ;;
	pptpd.dead) plan_pick pptpd_start 1 ;;
	esac
	case "$area.$P_ROUTER" in
	router.up)
		if [ "$LAB_ROUTER" = bird ]; then
			plan_pick router_configure 2 router_restart 2 router_kill 2 router_pause 2 \
			    hand_withdraw 2 hand_announce 2 bird_state_rm 1 bird_state_rm+restart 1
		else
			plan_pick router_configure 2 router_restart 2 router_kill 2 router_pause 2 \
			    hand_withdraw 2 hand_announce 2
		fi ;;
	router.dead)
		if [ "$LAB_ROUTER" = bird ]; then
			plan_pick router_start 3 bird_state_rm 1
		else
			plan_pick router_start 1
		fi ;;
	esac
	[ "$area" = daemon ] &&
		plan_pick daemon_kill9 2 daemon_term 2 daemon_hup_good 2 daemon_hup_bad 1
	case "$area.$P_ADMIN" in
	operator.none) plan_pick op_drain 2 op_maintenance 2 op_reload 1 op_reload_bad 1 ;;
	operator.drain) plan_pick op_resume 5 op_maintenance 1 op_drain 1 ;;
	operator.maintenance) plan_pick op_resume 5 op_drain 1 ;;
	esac
	# A paused router is let go within the step (the upstream's hold time is
	# 6 s); meanwhile pptpd may fail or come back, as in fate.sh's d.
	if [ "$PICK" = router_pause ]; then
		case "$P_PPTPD.$((RANDOM % 2))" in
		up.1) PICK=router_pause+pptpd_kill ;;
		dead.1) PICK=router_pause+pptpd_start ;;
		esac
	fi
	plan_effect "$PICK"
}

# plan_effect STEP: what STEP does to the discrete model.
plan_effect()
{
	case "$1" in
	pptpd_kill|*+pptpd_kill) P_PPTPD=dead ;;
	pptpd_stop) P_PPTPD=stopped ;;
	pptpd_cont|pptpd_restart|pptpd_start|*+pptpd_start) P_PPTPD=up ;;
	router_kill) P_ROUTER=dead ;;
	router_start|router_restart) P_ROUTER=up ;;
	op_drain) P_ADMIN=drain ;;
	op_maintenance) P_ADMIN=maintenance ;;
	op_resume) P_ADMIN=none ;;
	esac
}

# plan_make: PLAN[1..CHAOS_STEPS] for this router from CHAOS_SEED.
plan_make()
{
	local i
	PLAN=()
	P_PPTPD=up P_ROUTER=up P_ADMIN=none
	RANDOM=$CHAOS_SEED
	for ((i = 1; i <= CHAOS_STEPS; i++)); do
		plan_step
		PLAN[i]=$PICK
	done
}

# --- the model ------------------------------------------------------------------
#
# M_PPTPD up|stopped|dead, M_ROUTER up|dead|paused, M_ADMIN none|drain|
# maintenance; a drain's verb ran between M_DRAIN_T0 and M_DRAIN_T1
# (microseconds).  Daemon restarts, SIGHUPs and hand edits change none of
# them: the daemon must bring everything back to what they say.

now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

# model_desired: the prefix's desired state now (docs/design.md, Policy), or
# a pattern of two when a drain ends about now.
model_desired()
{
	local health=withdrawn now end0 end1
	[ "$M_PPTPD" = up ] && health=announced
	case "$M_ADMIN" in
	maintenance) echo withdrawn ;;
	none) echo "$health" ;;
	drain)
		# drain: GRACEFUL_SHUTDOWN until drain-time-s after the verb,
		# then withdrawn until resume; a DOWN service withdraws at once
		if [ "$health" = withdrawn ]; then echo withdrawn; return; fi
		now=$(now_us)
		end0=$((M_DRAIN_T0 + CHAOS_DRAIN_S * 1000000 - CHAOS_SLACK_US))
		end1=$((M_DRAIN_T1 + CHAOS_DRAIN_S * 1000000 + CHAOS_SLACK_US))
		if [ "$now" -lt "$end0" ]; then echo draining
		elif [ "$now" -gt "$end1" ]; then echo withdrawn
		else echo '@(draining|withdrawn)'
		fi ;;
	esac
}

# model_expect: EXPECT, the pattern the observed line must match.
model_expect()
{
	local desired svc=DOWN router actual up rc=1
	desired=$(model_desired)
	[ "$M_PPTPD" = up ] && svc=UP
	case "$M_ROUTER" in
	up)
		router=reachable actual=$desired
		case "$desired" in
		announced|draining) up=present ;;
		withdrawn) up=absent ;;
		*) up='@(present|absent)' ;;
		esac ;;
	# docs/cli.md: ACTUAL is `unknown` while the router is unreachable.
	# A dead router's session is gone; a paused one's lasts the hold time.
	dead) router=unreachable actual=unknown up=absent ;;
	paused) router=unreachable actual=unknown up='@(present|absent)' ;;
	esac
	[ "$router.$svc.$desired" = reachable.UP.announced ] && rc=0
	EXPECT="router=$router pptp=$svc desired=$desired actual=$actual admin=$M_ADMIN rc=$rc upstream=$up services=$M_SERVICES"
}

# --- what is seen -----------------------------------------------------------------

# The status document in one line, and the counters the evidence checks use.
# One python for the whole run (a start costs up to 0.5 s on a loaded
# machine): it reads "CTL-EXIT UPSTREAM JSON-ON-ONE-LINE" lines and answers
# each with two lines, the status document as the line model_expect
# describes, and the counters the evidence checks use.
PY_SUMMARY='
import json, sys
px = sys.argv[1]
for line in sys.stdin:
    rc, up, doc = (line.rstrip("\n").split(" ", 2) + ["", ""])[:3]
    try:
        d = json.loads(doc)
        svc = {s["name"]: s for s in d["services"]}
        p = [x for x in d["prefixes"] if x["prefix"] == px][0]
        r = d["router"]
        print("router=%s pptp=%s desired=%s actual=%s admin=%s rc=%s upstream=%s services=%s" % (
            "reachable" if r["reachable"] else "unreachable", svc["pptp"]["state"],
            p["desired"], p["actual"], p["admin"], rc, up, ",".join(sorted(svc))))
        c = d["counters"]
        print(c["drift_repairs"], c["reloads"], c["reloads_refused"],
              svc["pptp"]["transitions"], int(d["uptime_s"] * 1000))
    except Exception as e:
        print("status unreadable (ctl exit %s: %s) upstream=%s" % (rc, type(e).__name__, up))
        print("-1 -1 -1 -1 -1")
    sys.stdout.flush()
'

summary_start()
{
	coproc SUMMARY { exec "$PY" -u -c "$PY_SUMMARY" "$LAB_PREFIX"; }
	lab_bg_track "$SUMMARY_PID"
}

# summary_stop: EOF ends it (killed by lab_down, bash would report the job).
summary_stop()
{
	local pid=$SUMMARY_PID
	[ -n "$pid" ] || return 0
	eval "exec ${SUMMARY[1]}>&-"
	wait "$pid" 2>/dev/null
}

# observe: SEEN (the line model_expect describes) and the counters C_DRIFT,
# C_RELOADS, C_REFUSED, C_TRANS (pptp's transitions), C_UPTIME_MS (the
# daemon's uptime).
observe()
{
	local json rc up
	json=$(timeout 10 "$CTL" --socket "$ADMIN_SOCK" --timeout 3 status --json 2>/dev/null)
	rc=$?
	if upstream_has_prefix; then up=present; else up=absent; fi
	# JSON strings hold no raw newline: the document fits on one line
	printf '%s %s %s\n' "$rc" "$up" "${json//$'\n'/ }" >&"${SUMMARY[1]}"
	read -r -t 30 SEEN <&"${SUMMARY[0]}"
	read -r -t 30 C_DRIFT C_RELOADS C_REFUSED C_TRANS C_UPTIME_MS <&"${SUMMARY[0]}"
}

# Evidence that a step really happened, for steps after which the model's
# state is the one before (a restart, a hand edit that the daemon repairs, a
# reload, a daemon restart): the counter must have moved past what it was
# before the step.
# EV_DRIFT, EV_RELOADS, EV_REFUSED, EV_TRANS: minimum values; EV_NEW_SINCE_US:
# the daemon answering must have started after this time (microseconds),
# i.e. be the new one; EV_RCONN_T: the history must have more `-> connected`
# router events from that second (UTC) on than EV_RCONN_N (the daemon
# reconnected; status's router `since` has whole seconds only).
evidence_clear() { EV_DRIFT=0 EV_RELOADS=0 EV_REFUSED=0 EV_TRANS=0 EV_NEW_SINCE_US='' EV_RCONN_T=''; }

# router_connects SINCE: how many times the history says the router became
# reachable, from SINCE (2026-12-02T09:15:20Z) on.
router_connects()
{
	timeout 10 "$CTL" --socket "$ADMIN_SOCK" --timeout 3 history 2>/dev/null |
		awk -v t="$1" '$2 == "router" && / -> connected/ && $1 >= t { n++ } END { print n + 0 }'
}

# evidence_reconnect: the step's router must be connected again afterwards.
evidence_reconnect()
{
	EV_RCONN_T=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	EV_RCONN_N=$(router_connects "$EV_RCONN_T")
}

evidence_ok()
{
	EV_MISSING=
	[ "$C_DRIFT" -ge "$EV_DRIFT" ] || EV_MISSING+=" drift_repairs $C_DRIFT < $EV_DRIFT;"
	[ "$C_RELOADS" -ge "$EV_RELOADS" ] || EV_MISSING+=" reloads $C_RELOADS < $EV_RELOADS;"
	[ "$C_REFUSED" -ge "$EV_REFUSED" ] || EV_MISSING+=" reloads_refused $C_REFUSED < $EV_REFUSED;"
	[ "$C_TRANS" -ge "$EV_TRANS" ] || EV_MISSING+=" pptp transitions $C_TRANS < $EV_TRANS;"
	[ -z "$EV_RCONN_T" ] || [ "$(router_connects "$EV_RCONN_T")" -gt "$EV_RCONN_N" ] ||
		EV_MISSING+=" no router '-> connected' in the history since $EV_RCONN_T beyond the $EV_RCONN_N before;"
	[ -z "$EV_NEW_SINCE_US" ] ||
		[ $(( $(now_us) - C_UPTIME_MS * 1000 + 100000 )) -ge "$EV_NEW_SINCE_US" ] ||
		EV_MISSING+=" the daemon answering is not the one started in this step (uptime $C_UPTIME_MS ms);"
	[ -z "$EV_MISSING" ]
}

# --- checks -----------------------------------------------------------------------

STEP=0
STEP_LOG=()

# chaos_fail NAME WHY: a failed check with everything needed to replay it.
chaos_fail()
{
	local i
	not_ok "$1" "$2"
	echo "#   seed $CHAOS_SEED, router $LAB_ROUTER, step $STEP of $CHAOS_STEPS; steps so far:"
	for ((i = 1; i <= STEP; i++)); do echo "#     $i ${STEP_LOG[i]}"; done
	echo "#   replay: CHAOS_SEED=$CHAOS_SEED CHAOS_STEPS=$STEP ROUTERS=$LAB_ROUTER bash tests/integration/chaos.sh $BUILDDIR"
	CHAOS_FAILED_HERE=1
}

# known_defect: the tag of a known defect that explains SEEN vs EXPECT (and
# EV_MISSING), if one does (the check still fails; the tag says what it is).
known_defect()
{
	KNOWN=
	case "$EXPECT" in
	*actual=unknown*)
		local fixed=${SEEN/actual=+([a-z])/actual=unknown}
		# shellcheck disable=SC2053
		[[ "$fixed" == $EXPECT ]] && [ "$fixed" != "$SEEN" ] &&
			KNOWN="[known defect, issue 8: status keeps the last read-back actual while the router is unreachable]"
		;;
	esac
}

# converge NAME: poll until the observed line matches the model and the
# evidence is there, at most CHAOS_TIMEOUT_MS.
converge()
{
	local name=$1 deadline
	deadline=$(( $(now_us) + CHAOS_TIMEOUT_MS * 1000 ))
	while :; do
		model_expect
		observe
		# shellcheck disable=SC2053
		if [[ "$SEEN" == $EXPECT ]] && evidence_ok; then
			ok "$name ($(( ($(now_us) - STEP_T0) / 1000 )) ms): $SEEN"
			return 0
		fi
		[ "$(now_us)" -lt "$deadline" ] || break
		sleep 0.1
	done
	known_defect
	chaos_fail "$name${KNOWN:+ $KNOWN}" "not as the model says within $CHAOS_TIMEOUT_MS ms
#   expected: $EXPECT
#   seen:     $SEEN${EV_MISSING:+
#   evidence missing:$EV_MISSING}"
	[ -n "$KNOWN" ] && CHAOS_KNOWN_ONLY=1
	return 1
}

# wait_for MS CMD...: poll CMD until it succeeds, at most MS of wall time
# (lab.sh's wait_until counts polls, which a loaded machine stretches).
wait_for()
{
	local deadline=$(( $(now_us) + $1 * 1000 ))
	shift
	until "$@"; do
		[ "$(now_us)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# check_once NAME WHY CMD...: a one-shot check with the replay lines.
check_once()
{
	local name=$1 why=$2
	shift 2
	if "$@"; then ok "$name"; else chaos_fail "$name" "$why"; fi
}

# --- the steps ----------------------------------------------------------------------

bgp_cfg() { gw_vtysh -c 'configure terminal' -c "router bgp $LAB_ASN" \
	-c 'address-family ipv4 unicast' -c "$1" >/dev/null; }

hand_edit()
{
	case "$LAB_ROUTER.$1" in
	frr.announce) bgp_cfg "network $LAB_PREFIX" ;;
	frr.withdraw) bgp_cfg "no network $LAB_PREFIX" ;;
	bird.announce) gw_birdc enable anycast4 >/dev/null ;;
	bird.withdraw) gw_birdc disable anycast4 >/dev/null ;;
	esac
}

router_configure()
{
	case "$LAB_ROUTER" in
	# The daemon's choice survives in the state include.
	bird) gw_birdc configure | grep -q Reconfigured ;;
	# What frr-reload does: bgpd's running config made the file again.
	# The file has no `network` line, so the run-time one goes; the
	# `bgp graceful-restart-disable` line is left out (set already, and
	# vtysh refuses it on a running bgpd: "reset all peers").
	frr)
		grep -v '^ *bgp graceful-restart-disable' "$LAB/gw/frr/bgpd.conf" >"$LAB/gw/frr/reload.conf"
		gw_vtysh -d bgpd -f "$LAB/gw/frr/reload.conf" >/dev/null || return 1
		if gw_frr_has_network; then bgp_cfg "no network $LAB_PREFIX"; fi ;;
	esac
}

# The unit's ExecStopPost, with SERVICE_RESULT as systemd sets it.
withdraw_all()
{
	ip netns exec "$NS_GW" env SERVICE_RESULT="$1" timeout 30 "$DAEMON" --withdraw-all -c "$CONF" \
	    >>"$LAB/withdraw-all.log" 2>&1
}

# After the daemon stopped: with the router up, the prefix must be gone.
check_gone()
{
	[ "$M_ROUTER" = up ] || return 0
	check_once "$1" "still at the upstream after 10 s" wait_for_upstream absent 10000
}

daemon_start()
{
	# the unit's ExecStartPre
	ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF" >/dev/null 2>&1 ||
		chaos_fail "$1: ExecStartPre (anycast-healthd -n) passes" \
		    "$(ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF" 2>&1 | tr '\n' '|')"
	M_SERVICES=$CONF_SERVICES
	EV_NEW_SINCE_US=$(now_us)
	lab_start_daemon "$CONF" || chaos_fail "$1: daemon starts" "$(tail -n 5 "$LAB/daemon.log")"
	# An interrupted drain is restored as finished (docs/cli.md, api.md).
	[ "$M_ADMIN" = drain ] && M_DRAIN_T0=0 M_DRAIN_T1=0
	return 0
}

# The good config alternates between the lab's and the lab's plus one more
# service (not a dependency: the prefix must not move).  CONF_SERVICES: the
# services of the file; the model's M_SERVICES, those of the config in
# force, follow it on a reload or a start, not on a refused reload.
EXTRA_SERVICE=', { "name": "extra", "interval-ms": 500, "probe": [ { "name": "true", "exec": { "command": [ "/bin/true" ] } } ] }'
config_toggle()
{
	if [ "$CONF_SERVICES" = extra,pptp ]; then
		lab_write_config "$CONF" withdraw
		CONF_SERVICES=pptp
	else
		lab_write_config "$CONF" withdraw "$EXTRA_SERVICE"
		CONF_SERVICES=extra,pptp
	fi
}

# op_verb VERB NAME [RC [REGEX]]: anycast-healthctl VERB (the prefix for
# drain, maintenance, resume) on the admin socket exits RC (0), its output
# matching REGEX.
op_verb()
{
	local out rc arg=$LAB_PREFIX
	[ "$1" = reload ] && arg=
	out=$(timeout 15 "$CTL" --socket "$ADMIN_SOCK" "$1" $arg 2>&1)
	rc=$?
	if [ $rc != "${3:-0}" ] || ! printf '%s\n' "$out" | grep -Eq -- "${4:-.*}"; then
		chaos_fail "$2: anycast-healthctl $1 exits ${3:-0}${4:+, says /$4/}" \
		    "exit $rc: $(printf '%s' "$out" | tr '\n' '|')"
	fi
}

# state_file_back NAME: BIRD's state file is written again, saying what the
# daemon wants (issue 8: whenever it is missing, reachable router or not).
state_file_back()
{
	local want=1 tag=
	[ "$(model_desired)" = announced ] && want=0
	[ "$M_ROUTER" = up ] ||
		tag=" [known defect, issue 8: the state file is not written again while BIRD is unreachable]"
	if wait_for 6000 grep -qs "ANYCAST4_OFF = $want;" "$LAB/gw/bird-state.conf"; then
		ok "$1: state file written again (ANYCAST4_OFF = $want)"
	else
		chaos_fail "$1: state file written again (ANYCAST4_OFF = $want)$tag" \
		    "after 6 s: $(cat "$LAB/gw/bird-state.conf" 2>&1)"
		[ -n "$tag" ] && CHAOS_KNOWN_ONLY=1
		# what BIRD's unit drop-in does before BIRD starts, so the run
		# can go on
		[ -e "$LAB/gw/bird-state.conf" ] ||
			ip netns exec "$NS_GW" "$DAEMON" --init-bird-state -c "$CONF" >/dev/null 2>&1
	fi
}

# router_pause NAME [SUB]: SIGSTOP the BGP speaker, maybe a pptpd fault
# meanwhile, the daemon must see it unreachable and keep tracking health;
# the upstream keeps what it had unless the hold time ran out; SIGCONT.
router_pause()
{
	local name=$1 frozen
	model_expect
	frozen=${EXPECT#*upstream=}
	frozen=${frozen%% *}	# present, absent, or either (a drain ends)
	gw_router_stop
	M_ROUTER=paused
	case "$2" in
	pptpd_kill) pptpd_kill; M_PPTPD=dead ;;
	pptpd_start) pptpd_start; M_PPTPD=up ;;
	esac
	converge "$name: while paused" || true
	if [ "${frozen#@}" = "$frozen" ] && ! upstream_is "$frozen"; then
		check_once "$name: upstream changed from $frozen only with the BGP session down (hold time)" \
		    "upstream changed while the BGP session was up" \
		    bash -c "! birdc -s '$LAB/up/bird.ctl' show protocols gwpeer | grep -q Established"
	fi
	# the check while paused is the evidence that the daemon lost it
	gw_router_cont
	M_ROUTER=up
}

upstream_is() { if upstream_has_prefix; then [ "$1" = present ]; else [ "$1" = absent ]; fi; }

# run_step N ACTION: do it, update the model, converge.
run_step()
{
	local n=$1 a=$2 name
	name="$LAB_ROUTER $n/$CHAOS_STEPS $a"
	# the log's tail then shows which lines came after which step
	echo "=== chaos step $n $a $(date +%T.%N)" >>"$LAB/daemon.log"
	STEP_T0=$(now_us)
	evidence_clear
	observe
	case "$a" in
	pptpd_kill) pptpd_kill; M_PPTPD=dead ;;
	pptpd_stop) pptpd_stop; M_PPTPD=stopped ;;
	pptpd_cont) pptpd_cont; M_PPTPD=up ;;
	pptpd_start) pptpd_start; M_PPTPD=up ;;
	pptpd_restart)
		# from UP: one DOWN and one UP at least
		[ "$M_PPTPD" = up ] && EV_TRANS=$((C_TRANS + 2))
		pptpd_kill; pptpd_start; M_PPTPD=up ;;
	router_configure)
		# FRR's reload drops what the daemon put there: it must repair it
		[ "$LAB_ROUTER.$(model_desired)" = frr.announced ] && EV_DRIFT=$((C_DRIFT + 1))
		router_configure || chaos_fail "$name: the router takes its config" "see above" ;;
	router_kill) gw_router_kill; M_ROUTER=dead ;;
	router_start|router_restart)
		evidence_reconnect
		gw_router_kill
		gw_router_start || chaos_fail "$name: router starts" "see above"
		M_ROUTER=up ;;
	router_pause*) router_pause "$name" "${a#router_pause+}" ;;
	hand_withdraw|hand_announce)
		# against what the daemon wants: it must repair it (drift)
		case "$a.$(model_desired)" in
		hand_withdraw.announced|hand_announce.withdrawn) EV_DRIFT=$((C_DRIFT + 1)) ;;
		esac
		hand_edit "${a#hand_}" ;;
	bird_state_rm)
		rm -f "$LAB/gw/bird-state.conf"
		state_file_back "$name" ;;
	bird_state_rm+restart)
		# issue 8's case: BIRD restarted without the unit's
		# --init-bird-state step cannot start (missing include) until the
		# daemon writes the file; then it starts (Restart=on-failure)
		evidence_reconnect
		rm -f "$LAB/gw/bird-state.conf"
		gw_router_kill
		M_ROUTER=dead
		state_file_back "$name"
		gw_router_start || chaos_fail "$name: router starts" "see above"
		M_ROUTER=up ;;
	daemon_kill9)
		lab_kill_daemon
		withdraw_all signal
		check_gone "$name: ExecStopPost withdrew it"
		daemon_start "$name" ;;
	daemon_term)
		lab_stop_daemon TERM
		withdraw_all success
		check_gone "$name: on-exit withdraw"
		daemon_start "$name" ;;
	daemon_hup_good)
		config_toggle
		M_SERVICES=$CONF_SERVICES
		EV_RELOADS=$((C_RELOADS + 1))
		kill -HUP "$PID_DAEMON" ;;
	daemon_hup_bad)
		cp "$CONF" "$LAB/daemon.good.json"
		echo '{ "anycast-healthd:anycast-healthd": { this is not JSON' >"$CONF"
		EV_REFUSED=$((C_REFUSED + 1))
		kill -HUP "$PID_DAEMON"
		# the refusal first, then the good file back for later restarts
		converge "$name: refused, old config kept" || true
		cp "$LAB/daemon.good.json" "$CONF"
		evidence_clear ;;
	op_drain)
		[ "$M_ADMIN" = drain ] || M_DRAIN_T0=$(now_us)
		op_verb drain "$name"
		[ "$M_ADMIN" = drain ] || M_DRAIN_T1=$(now_us)
		M_ADMIN=drain ;;
	op_maintenance) op_verb maintenance "$name"; M_ADMIN=maintenance ;;
	op_reload)
		# as SIGHUP, through the admin API: exit 0
		config_toggle
		M_SERVICES=$CONF_SERVICES
		EV_RELOADS=$((C_RELOADS + 1))
		op_verb reload "$name" ;;
	op_reload_bad)
		# refused: exit 1, the errors printed, the old config kept
		cp "$CONF" "$LAB/daemon.good.json"
		echo '{ "anycast-healthd:anycast-healthd": { "service": 42 } }' >"$CONF"
		EV_REFUSED=$((C_REFUSED + 1))
		op_verb reload "$name" 1 'service' ;;
	op_resume) op_verb resume "$name"; M_ADMIN=none ;;
	*) chaos_fail "$name" "unknown step" ;;
	esac
	converge "$name"
	# the good file back for later restarts, once the refusal is seen
	[ "$a" = op_reload_bad ] && cp "$LAB/daemon.good.json" "$CONF"
	return 0
}

# --- one router -------------------------------------------------------------------

run_router()
{
	local i
	LAB_ROUTER=$1
	CHAOS_FAILED_HERE=
	lab_init "$BUILDDIR" || { not_ok "$LAB_ROUTER lab init" "see above"; return; }
	CTL=${CTL:-$top_builddir/anycast-healthctl}
	# info lines only (transitions, router, drift, reloads): the tail
	# printed on a failure is then about the steps, not the probe runs
	LAB_DAEMON_FLAGS=${LAB_DAEMON_FLAGS-}
	plan_make
	echo "# $LAB_ROUTER: seed $CHAOS_SEED: ${PLAN[*]}"
	# shellcheck disable=SC2034  # read by lab.sh
	LAB_DRAIN=$CHAOS_DRAIN_S	# the drain twin / route-map and drain-time-s
	STEP_T0=$(now_us)
	lab_up ||
		{ not_ok "$LAB_ROUTER lab up" "see above"; lab_down; return; }
	echo "# $LAB_ROUTER: lab up in $(( ($(now_us) - STEP_T0) / 1000 )) ms"
	ADMIN_SOCK=$LAB/gw/admin.sock
	CONF=$LAB/daemon.json
	summary_start
	lab_write_config "$CONF" withdraw
	M_PPTPD=up M_ROUTER=up M_ADMIN=none M_DRAIN_T0=0 M_DRAIN_T1=0
	CONF_SERVICES=pptp M_SERVICES=pptp
	STEP=0 STEP_LOG=()
	lab_start_daemon "$CONF" ||
		{ not_ok "$LAB_ROUTER daemon starts" "$(tail -n 5 "$LAB/daemon.log")"; lab_down; return; }
	evidence_clear
	STEP_T0=$(now_us)
	converge "$LAB_ROUTER 0/$CHAOS_STEPS daemon started, pptpd healthy"
	for ((i = 1; i <= CHAOS_STEPS; i++)); do
		STEP=$i
		STEP_LOG[i]=${PLAN[i]}
		CHAOS_KNOWN_ONLY=
		CHAOS_FAILED_HERE=
		run_step "$i" "${PLAN[i]}"
		if [ -n "$CHAOS_FAILED_HERE" ] && [ -z "$CHAOS_KNOWN_ONLY" ] &&
		    [ -z "${CHAOS_KEEP_GOING:-}" ]; then
			echo "# $LAB_ROUTER: stopping at the first failure (CHAOS_KEEP_GOING=1 goes on)"
			break
		fi
	done
	check "$LAB_ROUTER daemon still running at the end" "exited" daemon_running
	summary_stop
	lab_stop_daemon
	lab_down
}

# CHAOS_PLAN_ONLY=1: print each router's steps for the seed, run nothing.
if [ -n "${CHAOS_PLAN_ONLY:-}" ]; then
	for LAB_ROUTER in $ROUTERS; do
		plan_make
		echo "# $LAB_ROUTER: seed $CHAOS_SEED: ${PLAN[*]}"
	done
	exit 0
fi

for r in $ROUTERS; do
	run_router "$r"
done

echo "# chaos: seed $CHAOS_SEED, took $(lab_ms_between "$START" "$EPOCHREALTIME" | cut -d. -f1) ms"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
