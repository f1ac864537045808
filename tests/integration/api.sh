#!/bin/bash
# api.sh - the operator's surface (HTTP API, anycast-healthctl) against the
# real daemon in the namespaced lab (tests/lab/lab.sh).  Where routes are
# concerned every assertion is made at the UPSTREAM BIRD's RIB:
#   1  status / history / --json on the admin socket, before and after a
#      pptpd failure (exit 0 then 1, the states the upstream shows); --url
#      on the read-only TCP listener (inside the gateway and from the
#      upstream namespace) works, and refuses admin verbs locally
#   2  drain: the upstream sees GRACEFUL_SHUTDOWN (65535,0) and the longer
#      AS path, then the withdrawal after drain-time-s; resume brings back
#      the plain route; resume during a drain never withdraws; maintenance
#      withdraws at once, survives a kill -9 and restart of the daemon
#      (api/admin-state-file), resume returns; an unknown prefix is refused
#   4  the admin socket: a member of admin-group (supplementary group) may
#      use it, a caller outside it cannot connect, and with the socket made
#      world-writable gets 403 from the daemon; every admin verb over TCP
#      is 403; a body over 4 KiB is 413
#   5  bounded load on the gateway's loopback: wrk for 10 s on /v1/status
#      and /metrics while the pptp-control probe keeps its 500 ms schedule
#      (from the daemon's -v lines, timestamped by lab_ts); slow-loris
#      connections do not block others and are cut after
#      connection-timeout-s, a client trickling its header too;
#      oversized headers get 431
#   6  hostile clients: 1000 idle connections held from 127.0.0.1-4
#      (over 30 times max-connections): fresh clients from 127.0.0.5, the
#      gateway's address and 127.0.0.1 are each answered within 1 s, the admin
#      socket too; a query of 1000 arguments gets 414 at once
#   3  fleet: a second gateway (gw2_up: own pptpd, BIRD and daemon,
#      peering with the same upstream); both healthy: exit 0; gw2's pptpd
#      killed: the upstream loses gw2's path and `fleet` flags gw2, exit 1
# 1, 4, 5, 6 and 3 run with the first router of ROUTERS, 2 with each.
# Run by run.sh (make integration; API=0 skips it) or alone:
# tests/integration/api.sh [BUILDDIR].  API_TOTALS=FILE: write "PASSED
# FAILED" there.  Needs wrk (tests/install-deps.sh) for 5; without it the
# load checks are reported as not ok.

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/checks.sh"

ROUTERS=${ROUTERS:-bird frr}
BUILDDIR=$1
API_PREFIX=192.0.2.1/32
API_DRAIN_S=3			# drain-time-s in the lab
API_TIMEOUT_S=3			# api/connection-timeout-s in the lab
API_GROUP=${API_GROUP:-adm}	# an existing group that nobody is not in
API_LOAD_S=${API_LOAD_S:-10}
API_SLOW_N=8			# slow-loris connections (per-IP limit is 16)
# The system python3 (a pyenv shim costs ~0.8 s per start).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# --- helpers -------------------------------------------------------------------

# ctl ARGS: the CLI on the admin socket inside the gateway; output in $OUT,
# exit code in $RC.  ctl_in NS ARGS: the same in namespace NS, no --socket.
ctl() { OUT=$(ip netns exec "$NS_GW" timeout 15 "$CTL" --socket "$ADMIN_SOCK" "$@" 2>&1); RC=$?; }
ctl_in() { local ns=$1; shift; OUT=$(ip netns exec "$ns" timeout 15 "$CTL" "$@" 2>&1); RC=$?; }
# ctl_as SETPRIV-ARGS -- ARGS: the CLI under setpriv (another uid/gids).
ctl_as()
{
	local sp=()
	while [ "$1" != -- ]; do sp+=("$1"); shift; done
	shift
	OUT=$(ip netns exec "$NS_GW" timeout 15 setpriv "${sp[@]}" "$CTL" --socket "$ADMIN_SOCK" "$@" 2>&1)
	RC=$?
}

# check_ctl NAME WANT_RC [EGREP...]: $RC is WANT_RC and $OUT matches every
# extended regex.
check_ctl()
{
	local name=$1 want=$2 re
	shift 2
	if [ "$RC" != "$want" ]; then
		not_ok "$name" "exit $RC, want $want: $(printf '%s' "$OUT" | tr '\n' '|' | cut -c1-600)"
		return 1
	fi
	for re in "$@"; do
		if ! printf '%s\n' "$OUT" | grep -Eq -- "$re"; then
			not_ok "$name" "no /$re/ in: $(printf '%s' "$OUT" | tr '\n' '|' | cut -c1-600)"
			return 1
		fi
	done
	ok "$name"
}

# json PYEXPR: evaluate a Python expression on $OUT parsed as JSON (d).
json() { "$PY" -c "import json, sys; d = json.load(sys.stdin); print($1)" <<<"$OUT" 2>&1; }

# poll_status MS EGREP...: `status` until its output matches every regex.
poll_status()
{
	local ms=$1 i=0 re miss
	shift
	while :; do
		ctl status
		miss=
		for re in "$@"; do
			printf '%s\n' "$OUT" | grep -Eq -- "$re" || miss=1
		done
		[ -z "$miss" ] && return 0
		[ $i -ge $((ms / 100)) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# The upstream's route from the first gateway: AS path, communities.
up_attr() { up_birdc show route all "$API_PREFIX" protocol gwpeer 2>/dev/null | awk -v a="$1" '$1 == a":" { $1 = ""; sub(/^ /, ""); print }'; }
route_drained() { [ "$(up_attr BGP.as_path)" = "65001 65001 65001" ] && up_attr BGP.community | grep -qF '(65535,0)'; }
route_plain() { gw1_has_prefix && [ "$(up_attr BGP.as_path)" = 65001 ] && [ -z "$(up_attr BGP.community)" ]; }
route_desc() { echo "as_path '$(up_attr BGP.as_path)' community '$(up_attr BGP.community)'"; }

# http_code [CURL-ARGS]: curl inside the gateway, prints the status code.
http_code() { ip netns exec "$NS_GW" curl -s -o /dev/null -m 5 -w '%{http_code}' "$@"; }

# --- 1: status, history, --json, --url ------------------------------------------

api_status()
{
	local T=$LAB_ROUTER mark
	ctl status
	check_ctl "$T 1 status on the admin socket: healthy, exit 0" 0 '^pptp +UP +ok' \
	    "^$API_PREFIX +announced +announced +1/1 +none" '^healthy$'
	check "$T 1 ... and the upstream has the prefix" "absent" upstream_has_prefix
	ctl status --json
	if [ "$RC" = 0 ] && [ "$(json 'd["services"][0]["state"], d["prefixes"][0]["actual"], d["router"]["reachable"]')" = "UP announced True" ]; then
		ok "$T 1 status --json: valid JSON, pptp UP, prefix announced, router reachable"
	else
		not_ok "$T 1 status --json: valid JSON, pptp UP, prefix announced" "exit $RC: $(json 'd' | cut -c1-300)"
	fi

	expect_change "$T 1 pptpd SIGKILL: prefix left the upstream" absent 5000 pptpd_kill
	if poll_status 3000 '^pptp +DOWN +process-exited' "^$API_PREFIX +withdrawn +withdrawn +0/1 +none" \
	    '^! service pptp is DOWN \(process-exited\)'; then
		check_ctl "$T 1 ... status shows pptp DOWN, prefix withdrawn/withdrawn, exit 1" 1
	else
		not_ok "$T 1 ... status shows pptp DOWN, prefix withdrawn/withdrawn" "exit $RC: $(printf '%s' "$OUT" | tr '\n' '|')"
	fi
	ctl status --json
	check "$T 1 ... status --json: exit 1, valid JSON saying DOWN / withdrawn" "exit $RC: $(json 'd' | cut -c1-300)" \
	    test "$RC $(json 'd["services"][0]["state"], d["prefixes"][0]["desired"], d["prefixes"][0]["actual"]')" = "1 DOWN withdrawn withdrawn"
	ctl history
	check_ctl "$T 1 ... history lists the transitions with reasons" 0 \
	    '^[0-9TZ:-]+ +service +pptp +INIT -> UP +ok' \
	    '^[0-9TZ:-]+ +service +pptp +UP -> DOWN +process-exited' \
	    "^[0-9TZ:-]+ +prefix +$API_PREFIX +announced -> withdrawn +pptp DOWN \\(process-exited\\)"
	ctl history --limit 2 --json
	check "$T 1 ... history --limit 2 --json: valid JSON, 2 events, the last UP -> DOWN" "$(printf '%s' "$OUT" | tr '\n' ' ' | cut -c1-400)" \
	    test "$(json 'len(d["events"]), [e["to"] for e in d["events"] if e["kind"] == "service"][-1]')" = "2 DOWN"

	expect_change "$T 1 pptpd restarted: prefix back at the upstream" present 10000 pptpd_start
	poll_status 3000 '^healthy$' >/dev/null
	check_ctl "$T 1 ... status healthy again, exit 0" 0 "^$API_PREFIX +announced +announced" '^healthy$'

	# The read-only TCP listener: inside the gateway on loopback and on
	# its address, and from the upstream namespace (a management host).
	ctl_in "$NS_GW" --url http://127.0.0.1:9180 status
	check_ctl "$T 1 --url http://127.0.0.1:9180 status (gateway loopback): healthy, exit 0" 0 '^healthy$'
	ctl_in "$NS_UP" --url "http://$LAB_GW_ADDR:9180" status --json
	check "$T 1 --url http://$LAB_GW_ADDR:9180 status --json from the upstream namespace: exit 0, announced" \
	    "exit $RC: $(printf '%s' "$OUT" | head -c 300)" \
	    test "$RC $(json 'd["prefixes"][0]["actual"]')" = "0 announced"
	ctl_in "$NS_UP" --url "http://$LAB_GW_ADDR:9180" history
	check_ctl "$T 1 --url ... history works read-only" 0 'UP -> DOWN +process-exited'
	mark=$(daemon_log_lines)
	url_drain() { ctl_in "$NS_GW" --url http://127.0.0.1:9180 drain "$API_PREFIX"; }
	expect_steady "$T 1 --url ... drain: upstream unchanged" 1500 url_drain
	check_ctl "$T 1 ... refused locally, exit 2" 2 'drain'
	check "$T 1 ... nothing was sent (no POST in the daemon log)" \
	    "$(tail -n +"$((mark + 1))" "$LAB/daemon.log" | grep POST)" \
	    bash -c "! tail -n +$((mark + 1)) '$LAB/daemon.log' | grep -q POST"
	ctl_in "$NS_GW" --url http://127.0.0.1:9180 maintenance --all
	check_ctl "$T 1 --url ... maintenance --all: refused locally, exit 2" 2
}

# --- 2: drain, maintenance, resume -------------------------------------------------

# api_drain_action: the drain, then (bounded) the drained route upstream;
# run inside lab_measure, so the withdrawal is timed from the drain.
api_drain_action()
{
	local t0=$EPOCHREALTIME
	ctl drain "$API_PREFIX"
	DRAIN_OUT=$OUT DRAIN_RC=$RC DRAIN_SEEN= DRAIN_DESC=
	if wait_until 2000 route_drained; then
		DRAIN_SEEN=$(lab_ms_between "$t0" "$EPOCHREALTIME")
	fi
	DRAIN_DESC=$(route_desc)
	ctl status
	DRAIN_STATUS=$OUT
}

api_drain()
{
	local T=$LAB_ROUTER
	check "$T 2 (setup) upstream has the plain route" "$(route_desc)" wait_until 5000 route_plain
	if lab_measure absent $(((API_DRAIN_S + 3) * 1000)) api_drain_action; then
		ok "$T 2 drain: the upstream withdrew $LAB_MS ms after the drain"
	else
		not_ok "$T 2 drain: the upstream withdrew after drain-time-s" "$LAB_ERR"
		wait_for_upstream absent 10000
	fi
	OUT=$DRAIN_OUT RC=$DRAIN_RC
	check_ctl "$T 2 ... anycast-healthctl drain: ok, exit 0" 0 "^drain $API_PREFIX: ok" \
	    "^$API_PREFIX +draining +[a-z]+ +drain, [0-9]+s left"
	if [ -n "$DRAIN_SEEN" ]; then
		ok "$T 2 ... the upstream saw GRACEFUL_SHUTDOWN (65535,0) and AS path 65001 65001 65001 ($DRAIN_SEEN ms after the drain)"
	else
		not_ok "$T 2 ... the upstream saw GRACEFUL_SHUTDOWN and the prepends" "$DRAIN_DESC"
	fi
	check "$T 2 ... meanwhile status said draining/draining" "$(printf '%s' "$DRAIN_STATUS" | grep "$API_PREFIX")" \
	    bash -c "printf '%s\n' \"\$1\" | grep -Eq '^$API_PREFIX +draining +draining +1/1 +drain'" _ "$DRAIN_STATUS"
	if [ -n "$LAB_MS" ]; then
		check "$T 2 ... withdrawn after drain-time-s ($API_DRAIN_S s), not before, within 1.5 s of it" \
		    "$LAB_MS ms" awk -v m="$LAB_MS" -v d="$API_DRAIN_S" 'BEGIN { exit !(m >= d * 1000 - 50 && m <= d * 1000 + 1500) }'
	fi
	poll_status 3000 "^$API_PREFIX +withdrawn +withdrawn +0/1 +drain" >/dev/null
	check_ctl "$T 2 ... status after the drain: withdrawn, admin drain, exit 1" 1 "^$API_PREFIX +withdrawn +withdrawn +0/1 +drain"

	expect_change "$T 2 resume after the drain: prefix back at the upstream" present 5000 ctl resume "$API_PREFIX"
	check_ctl "$T 2 ... anycast-healthctl resume: ok, exit 0" 0 "^resume $API_PREFIX: ok"
	check "$T 2 ... plain route again: AS path 65001, no community" "$(route_desc)" wait_until 3000 route_plain

	# Resumed while draining: back to the plain route, never withdrawn.
	drain_resume()
	{
		ctl drain "$API_PREFIX"
		wait_until 2000 route_drained || DR_FAIL="not drained: $(route_desc)"
		ctl resume "$API_PREFIX"
		wait_until 2000 route_plain || DR_FAIL="${DR_FAIL:+$DR_FAIL; }not plain after resume: $(route_desc)"
	}
	DR_FAIL=
	expect_steady "$T 2 drain then resume within drain-time-s: the prefix never leaves the upstream" \
	    $((API_DRAIN_S * 1000)) drain_resume
	check "$T 2 ... drained, then plain again" "$DR_FAIL" test -z "$DR_FAIL"

	ctl drain 192.0.2.9/32
	check_ctl "$T 2 drain of a prefix not configured: refused, exit 1" 1 '404'

	expect_change "$T 2 maintenance: prefix left the upstream" absent 1000 ctl maintenance "$API_PREFIX"
	check_ctl "$T 2 ... anycast-healthctl maintenance: ok, exit 0" 0 "^maintenance $API_PREFIX: ok"
	ctl status
	check_ctl "$T 2 ... status: withdrawn, admin maintenance, exit 1" 1 "^$API_PREFIX +withdrawn +withdrawn +0/1 +maintenance"
	ctl history
	check_ctl "$T 2 ... history has the operator's changes" 0 'admin +192\.0\.2\.1/32 +none -> drain' \
	    'admin +192\.0\.2\.1/32 +none -> maintenance'

	# Maintenance outlives the daemon: after a crash (kill -9) the next
	# daemon puts it back from api/admin-state-file before any service has
	# a verdict, so the healthy gateway does not come back after rise x
	# interval (1.5 s here).
	restart_in_maintenance()
	{
		lab_kill_daemon
		LAB_DAEMON_TS=1 lab_start_daemon "$CONF"
	}
	log_mark
	expect_steady "$T 2 maintenance survives kill -9 and a restart: the prefix stays off the upstream for 4 s" \
	    4000 restart_in_maintenance
	check "$T 2 ... the new daemon restored it from the overrides file" "$(tail -n 5 "$LAB/daemon.log")" \
	    wait_for_log "$API_PREFIX: operator's maintenance restored from $LAB/gw/admin-state.json" 1000 "$MARK"
	poll_status 5000 "^$API_PREFIX +withdrawn +withdrawn +0/1 +maintenance" '^pptp +UP'
	check_ctl "$T 2 ... status of the new daemon: pptp UP, prefix withdrawn, admin maintenance" 1 \
	    "^$API_PREFIX +withdrawn +withdrawn +0/1 +maintenance" '^pptp +UP'

	expect_change "$T 2 resume: prefix back at the upstream" present 5000 ctl resume --all
	check "$T 2 ... plain route" "$(route_desc)" wait_until 3000 route_plain
	check "$T 2 ... the overrides file is empty again" "$(cat "$LAB/gw/admin-state.json")" \
	    "$PY" -c 'import json, sys; sys.exit(len(json.load(open(sys.argv[1]))["overrides"]))' "$LAB/gw/admin-state.json"

	api_exit_drain
}

# daemon_restart_on CONF: stop the daemon (if any), start it on CONF, wait
# until pptp is UP and the upstream has the plain route again.
daemon_restart_on()
{
	lab_stop_daemon
	log_mark
	LAB_DAEMON_TS=1 lab_start_daemon "$1" && wait_for_log 'pptp: INIT -> UP' 5000 "$MARK" &&
		wait_for_upstream present 5000 && wait_until 3000 route_plain
}

# on-exit drain: SIGTERM announces GRACEFUL_SHUTDOWN first and withdraws
# drain-time-s later, then the daemon exits; a second signal cuts the drain
# short.  The daemon runs on $CONF again afterwards.
api_exit_drain()
{
	local T=$LAB_ROUTER conf=$LAB/daemon-exit-drain.json
	lab_write_config "$conf" drain
	check "$T 2 on-exit drain (setup): daemon on on-exit drain, plain route upstream" "$(route_desc)" \
	    daemon_restart_on "$conf"
	exit_drain_action()
	{
		local t0=$EPOCHREALTIME
		kill -TERM "$PID_DAEMON"
		EXIT_SEEN=
		if wait_until 2000 route_drained; then EXIT_SEEN=$(lab_ms_between "$t0" "$EPOCHREALTIME"); fi
		kill -HUP "$PID_DAEMON"	# a reload asked mid-drain changes nothing
	}
	log_mark
	if lab_measure absent $(((API_DRAIN_S + 4) * 1000)) exit_drain_action; then
		check "$T 2 on-exit drain: SIGTERM: the upstream saw GRACEFUL_SHUTDOWN and the prepends first (${EXIT_SEEN:-never} ms)" \
		    "$(route_desc)" test -n "$EXIT_SEEN"
		check "$T 2 ... then the withdrawal, drain-time-s ($API_DRAIN_S s) after the signal ($LAB_MS ms)" \
		    "$LAB_MS ms" awk -v m="$LAB_MS" -v d="$API_DRAIN_S" 'BEGIN { exit !(m >= d * 1000 - 50 && m <= d * 1000 + 1500) }'
	else
		not_ok "$T 2 on-exit drain: SIGTERM: drained, then withdrawn" "$LAB_ERR"
		wait_for_upstream absent 10000
	fi
	check "$T 2 ... the daemon said so and exited" "$(tail -n 3 "$LAB/daemon.log")" \
	    bash -c 'lab_wait() { for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done; return 1; };
		     lab_wait "$1" && grep -q "stopping: on-exit drain of 1 prefixes" "$2" && tail -n 2 "$2" | grep -q stopped' \
	    _ "$PID_DAEMON" "$LAB/daemon.log"
	check "$T 2 ... a SIGHUP during the drain was not a reload" "$(tail -n +"$((MARK + 1))" "$LAB/daemon.log" | grep -i reload)" \
	    bash -c 'tail -n +$(($1 + 1)) "$2" | grep -q "stopping: not reloading" && ! tail -n +$(($1 + 1)) "$2" | grep -q "^anycast-healthd: reloaded\|: reloaded "' \
	    _ "$MARK" "$LAB/daemon.log"

	check "$T 2 on-exit drain (setup): started again, plain route" "$(route_desc)" daemon_restart_on "$conf"
	hurry_action() { kill -TERM "$PID_DAEMON"; wait_until 2000 route_drained; kill -INT "$PID_DAEMON"; }
	if lab_measure absent $(((API_DRAIN_S + 4) * 1000)) hurry_action; then
		check "$T 2 ... a second signal during the drain withdraws at once ($LAB_MS ms, drain-time-s is $API_DRAIN_S s)" \
		    "$LAB_MS ms" awk -v m="$LAB_MS" -v d="$API_DRAIN_S" 'BEGIN { exit !(m < d * 1000 - 500) }'
	else
		not_ok "$T 2 ... a second signal during the drain withdraws at once" "$LAB_ERR"
		wait_for_upstream absent 10000
	fi
	check "$T 2 (setup) daemon back on its own config" "$(route_desc)" daemon_restart_on "$CONF"
}

# --- 4: who may use the admin socket ---------------------------------------------------

api_access()
{
	local T=$LAB_ROUTER gid code
	gid=$(getent group "$API_GROUP" | cut -d: -f3)
	# The lab directory is 0700 (mktemp): nobody must reach the socket.
	chmod 0711 "$LAB" "$LAB/gw"
	check "$T 4 admin socket is mode 0660, group $API_GROUP" "$(stat -c '%a %G' "$ADMIN_SOCK")" \
	    test "$(stat -c '%a %G' "$ADMIN_SOCK")" = "660 $API_GROUP"
	ctl_as --reuid=65534 --regid=65534 "--groups=$gid" -- status
	check_ctl "$T 4 nobody with supplementary group $API_GROUP: status works, exit 0" 0 '^healthy$'
	expect_change "$T 4 ... and maintenance withdraws" absent 2000 \
	    ctl_as --reuid=65534 --regid=65534 "--groups=$gid" -- maintenance "$API_PREFIX"
	check_ctl "$T 4 ... exit 0" 0 "maintenance $API_PREFIX: ok"
	expect_change "$T 4 ... resume announces again" present 5000 \
	    ctl_as --reuid=65534 --regid=65534 "--groups=$gid" -- resume "$API_PREFIX"

	ctl_as --reuid=65534 --regid=65534 --clear-groups -- maintenance "$API_PREFIX"
	check_ctl "$T 4 nobody outside the group: cannot connect (socket 0660), exit 2" 2 'Permission denied'
	chmod 0666 "$ADMIN_SOCK"
	nobody_maint() { ctl_as --reuid=65534 --regid=65534 --clear-groups -- maintenance "$API_PREFIX"; }
	expect_steady "$T 4 socket made 0666, nobody's maintenance: upstream unchanged" 1000 nobody_maint
	check_ctl "$T 4 ... the daemon refused it: exit 1, HTTP 403" 1 '403' 'uid 65534 is neither root nor in the admin group'
	ctl_as --reuid=65534 --regid=65534 --clear-groups -- status
	check_ctl "$T 4 ... GET status too: 403, exit 2" 2 '403'
	chmod 0660 "$ADMIN_SOCK"

	for v in drain maintenance resume reload; do
		code=$(http_code -X POST -H 'Content-Type: application/json' -d "{\"prefix\": \"$API_PREFIX\"}" \
		    "http://127.0.0.1:9180/v1/$v")
		check "$T 4 TCP listener: POST /v1/$v is 403" "got $code" test "$code" = 403
	done
	check "$T 4 ... the upstream still has the prefix" "absent" upstream_has_prefix
	code=$(head -c 5000 /dev/zero | tr '\0' x | ip netns exec "$NS_GW" curl -s -o /dev/null -m 5 \
	    -w '%{http_code}' --unix-socket "$ADMIN_SOCK" -X POST --data-binary @- http://localhost/v1/maintenance)
	check "$T 4 admin socket: a 5000-byte body is 413" "got $code" test "$code" = 413
	check "$T 4 ... the upstream still has the prefix" "absent" upstream_has_prefix
}

# --- 5: bounded load on loopback ----------------------------------------------------------

# probe_intervals FROM_LINE T0 T1: the pptp-control probe's start-to-start
# intervals (ms) between T0 and T1, from the timestamped -v lines (start =
# time of the result line - its latency; "check -> UP" lines are not runs).
# An interval after a result that was not UP is left out: a failed run
# starts a transition, whose runs come fast-interval-ms apart by design
# (docs/probes.md, Scheduling).
probe_intervals()
{
	tail -n +"$(($1 + 1))" "$LAB/daemon.log" | awk -v t0="$2" -v t1="$3" '
	$3 == "debug:" && $4 == "pptp/control:" && $5 ~ /^[A-Z]+$/ && $1 >= t0 && $1 <= t1 {
		lat = $(NF - 1); s = $1 - lat / 1000
		if (n && up) printf "%.1f\n", (s - last) * 1000
		last = s; up = $5 == "UP"; n++
	}'
}

# probe_failures FROM_LINE T0 T1: pptp-control results other than UP.
probe_failures()
{
	tail -n +"$(($1 + 1))" "$LAB/daemon.log" | awk -v t0="$2" -v t1="$3" '
	$3 == "debug:" && $4 == "pptp/control:" && $1 >= t0 && $1 <= t1 && $5 != "UP" &&
	    $5 ~ /^[A-Z]+$/ { n++ } END { print n + 0 }'
}

# interval_stats: "COUNT MIN MAX MAXDEV" (ms) of intervals on stdin.
interval_stats()
{
	awk 'NR == 1 { mn = mx = $1 } { if ($1 < mn) mn = $1; if ($1 > mx) mx = $1
	      d = $1 - 500; if (d < 0) d = -d; if (d > md) md = d; n++ }
	     END { printf "%d %.1f %.1f %.1f\n", n, mn, mx, md }'
}

api_load()
{
	local T=$LAB_ROUTER mark t0 t1 out1 out2 w1 w2 i bad=0 n mn mx md runs0 runs1 rps1 rps2 loris lp fails
	if ! command -v wrk >/dev/null; then
		not_ok "$T 5 load: wrk installed" "apt-get install wrk (tests/install-deps.sh)"
		return
	fi
	# The runs counter is read right before t0 and right after t1 (the
	# CLI takes ~30 ms; the JSON is parsed afterwards).
	mark=$(daemon_log_lines)
	out1=$LAB/wrk-status.out out2=$LAB/wrk-metrics.out
	ctl status --json
	t0=$EPOCHREALTIME
	runs0=$(json 'd["services"][0]["probes"][0]["runs"]')
	ip netns exec "$NS_GW" timeout $((API_LOAD_S + 10)) wrk -t1 -c2 -d"${API_LOAD_S}s" \
	    http://127.0.0.1:9180/v1/status >"$out1" 2>&1 &
	w1=$!
	ip netns exec "$NS_GW" timeout $((API_LOAD_S + 10)) wrk -t1 -c2 -d"${API_LOAD_S}s" \
	    http://127.0.0.1:9180/metrics >"$out2" 2>&1 &
	w2=$!
	lab_bg_track "$w1"
	lab_bg_track "$w2"
	# One more client meanwhile: /healthz answers within a second, every time.
	for i in $(seq 1 $((API_LOAD_S - 1))); do
		sleep 1
		[ "$(http_code -m 1 http://127.0.0.1:9180/healthz)" = 200 ] || bad=$((bad + 1))
	done
	wait "$w1" "$w2"
	ctl status --json
	t1=$EPOCHREALTIME
	runs1=$(json 'd["services"][0]["probes"][0]["runs"]')
	rps1=$(awk '/^Requests\/sec/ { print $2 }' "$out1")
	rps2=$(awk '/^Requests\/sec/ { print $2 }' "$out2")
	check "$T 5 wrk ${API_LOAD_S} s on /v1/status and /metrics (2+2 connections): both ran, every answer 2xx, no socket errors ($rps1 + $rps2 req/s)" \
	    "$(tr '\n' '|' <"$out1"; tr '\n' '|' <"$out2")" \
	    bash -c "grep -q '^Requests/sec' '$out1' && grep -q '^Requests/sec' '$out2' && ! grep -Eq 'Non-2xx|Socket errors' '$out1' '$out2'"
	check "$T 5 ... /healthz from a third client answered within 1 s every second" "$bad misses" test "$bad" = 0
	read -r n mn mx md <<<"$(probe_intervals "$mark" "$t0" "$t1" | interval_stats)"
	fails=$(probe_failures "$mark" "$t0" "$t1")
	API_LOAD_STATS="$n $mn $mx $md"
	# "Kept its schedule" means no run lost or pushed to the next slot: 25
	# ms off a 500 ms period is still on schedule (5.8 ms was seen with a
	# fuzzer busy on the other core); the measured spread goes to docs/performance.md.
	check "$T 5 ... pptp-control probe kept its schedule: $n intervals, ${mn}-${mx} ms, at most ${md} ms off 500" \
	    "$n intervals, min $mn max $mx, max deviation $md ms" \
	    awk -v n="$n" -v md="$md" -v s="$API_LOAD_S" -v f="$fails" 'BEGIN { exit !(n >= s * 2 - 2 - 2 * f && md <= 25) }'
	# a failed run is followed by a fast one (up to fall of them): extra runs
	check "$T 5 ... no missed runs: $((runs1 - runs0)) runs in $(lab_ms_between "$t0" "$t1" | cut -d. -f1) ms, $fails failed" \
	    "runs $runs0 -> $runs1" \
	    awk -v r=$((runs1 - runs0)) -v a="$t0" -v b="$t1" -v f="$fails" 'BEGIN { e = (b - a) / 0.5; exit !(r >= e - 1.5 && r <= e + 1.5 + f) }'
	check "$T 5 ... daemon still running" "exited" daemon_running

	# Slow loris: N connections send half a request and wait.
	loris=$LAB/loris.out
	ip netns exec "$NS_GW" timeout $((API_TIMEOUT_S + 10)) "$PY" -u -c '
import socket, sys, time
n, hold = int(sys.argv[1]), float(sys.argv[2])
conns = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", 9180), timeout=hold)
    s.sendall(b"GET /v1/status HTTP/1.1\r\nHost: lab\r\nX-Slow: ")
    conns.append(s)
t0 = time.time()
print("open %d" % n)
for s in conns:
    try:
        d = s.recv(4096)
        print("closed %.2f %s" % (time.time() - t0, "eof" if not d else repr(d[:40])))
    except socket.timeout:
        print("still-open %.2f" % (time.time() - t0))
    except OSError as e:
        print("closed %.2f %s" % (time.time() - t0, e))
' "$API_SLOW_N" $((API_TIMEOUT_S + 5)) >"$loris" 2>&1 &
	lp=$!
	lab_bg_track "$lp"
	wait_until 3000 grep -q '^open' "$loris"
	sleep 0.5
	t0=$EPOCHREALTIME
	i=$(http_code -m 1 http://127.0.0.1:9180/v1/status)
	t1=$(lab_ms_between "$t0" "$EPOCHREALTIME")
	check "$T 5 $API_SLOW_N slow-loris connections open: GET /v1/status from loopback still answered ($t1 ms)" \
	    "HTTP $i" test "$i" = 200
	ctl status
	check_ctl "$T 5 ... the admin socket still answers" 0 '^healthy$'
	i=$(http_code -m 1 "http://$LAB_GW_ADDR:9180/healthz")
	check "$T 5 ... a client at another address too" "HTTP $i" test "$i" = 200
	wait "$lp"
	n=$(grep -c '^closed' "$loris")
	read -r mn mx <<<"$(awk '/^closed/ { if (!n || $2 < mn) mn = $2; if ($2 > mx) mx = $2; n++ } END { print mn + 0, mx + 0 }' "$loris")"
	check "$T 5 ... all $API_SLOW_N cut by the daemon after connection-timeout-s ($API_TIMEOUT_S s): $n closed at ${mn}-${mx} s" \
	    "$(tr '\n' '|' <"$loris")" \
	    awk -v n="$n" -v N="$API_SLOW_N" -v mn="$mn" -v mx="$mx" -v t="$API_TIMEOUT_S" \
	    'BEGIN { exit !(n == N && mn >= t - 0.6 && mx <= t + 1.6) }'

	# A client trickling one header byte a second never goes idle, so
	# libmicrohttpd's inactivity timeout never fires; the daemon's request
	# deadline (connection-timeout-s from the connection's start) cuts it.
	# The client notices at a send up to two seconds later (first the RST).
	i=$(ip netns exec "$NS_GW" timeout $((API_TIMEOUT_S * 3 + 5)) "$PY" -u -c '
import socket, sys, time
t, s = float(sys.argv[1]), socket.create_connection(("127.0.0.1", 9180))
t0 = time.time()
try:
    s.send(b"GET /v1/status HTTP/1.1\r\nHost: lab\r\nX-Slow: ")
    while time.time() - t0 < 3 * t:
        time.sleep(1)
        s.send(b"a")
    print("still open after %.1f s" % (time.time() - t0))
except OSError as e:
    print("cut after %.1f s (%s)" % (time.time() - t0, e.strerror))
' "$API_TIMEOUT_S" 2>&1)
	check "$T 5 a client trickling one header byte a second: cut by the request deadline ($i)" \
	    "$i" awk -v t="$API_TIMEOUT_S" -v s="$(awk '{ print $3 }' <<<"$i")" \
	    'BEGIN { exit !(s >= t - 0.6 && s <= t + 2.6) }'

	i=$(http_code -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' x)" http://127.0.0.1:9180/v1/status)
	check "$T 5 a 20 KB header: 431" "HTTP $i" test "$i" = 431
	i=$(http_code "http://127.0.0.1:9180/v1/status?x=$(head -c 20000 /dev/zero | tr '\0' x)")
	check "$T 5 a 20 KB URL: 414 or 431" "HTTP $i" bash -c "[ '$i' = 414 ] || [ '$i' = 431 ]"
	i=$(http_code http://127.0.0.1:9180/healthz)
	check "$T 5 ... the listener still answers afterwards" "HTTP $i" test "$i" = 200
	check "$T 5 ... daemon still running" "exited" daemon_running
}

# --- 6: hostile clients: an idle-connection flood, a query of 1000 arguments -------------

API_FLOOD_N=${API_FLOOD_N:-1000}	# idle connections, from 127.0.0.1-4

# flood_client ADDR URL: one GET from ADDR (--interface) while the flood is
# held; prints "HTTP-CODE SECONDS".
flood_client() { ip netns exec "$NS_GW" curl -s -o /dev/null -m 5 --interface "$1" -w '%{http_code} %{time_total}\n' "$2"; }

api_flood()
{
	local T=$LAB_ROUTER flood=$LAB/flood.out fp i out code worst=0 bad=0 t
	# N connections from four loopback addresses that never send a byte,
	# held open until killed (they are not re-opened when cut).
	ip netns exec "$NS_GW" timeout 120 "$PY" -u -c '
import resource, socket, sys, time
n = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 64, n + 64))
conns = []
for i in range(n):
    s = socket.socket()
    s.bind(("127.0.0.%d" % (1 + i % 4), 0))
    s.connect(("127.0.0.1", 9180))
    conns.append(s)
print("open %d" % n)
time.sleep(90)
' "$API_FLOOD_N" >"$flood" 2>&1 &
	fp=$!
	lab_bg_track "$fp"
	if ! wait_until 20000 grep -q '^open' "$flood"; then
		not_ok "$T 6 $API_FLOOD_N idle connections opened" "$(tr '\n' '|' <"$flood")"
		kill "$fp" 2>/dev/null
		return
	fi
	# Clients one after the other, from a fifth loopback address, from the
	# gateway's own address and from a flooding address: each answered
	# within 1 s.
	for i in 1 2 3 4 5; do
		for a in 127.0.0.5 "$LAB_GW_ADDR" 127.0.0.1; do
			out=$(flood_client "$a" "http://127.0.0.1:9180/healthz")
			read -r code t <<<"$out"
			[ "$code" = 200 ] && awk -v t="$t" 'BEGIN { exit !(t < 1) }' || bad=$((bad + 1))
			worst=$(awk -v a="$worst" -v b="${t:-9}" 'BEGIN { print (b > a) ? b : a }')
		done
	done
	API_FLOOD_WORST=$worst
	check "$T 6 $API_FLOOD_N idle connections held from 127.0.0.1-4: 15 fresh clients (127.0.0.5, $LAB_GW_ADDR, 127.0.0.1) each answered 200 within 1 s (slowest $(awk -v t="$worst" 'BEGIN { printf "%.0f", t * 1000 }') ms)" \
	    "$bad of 15 late or unanswered" test "$bad" = 0
	ctl status
	check_ctl "$T 6 ... the admin socket still answers" 0 '^healthy$'
	check "$T 6 ... daemon still running" "exited" daemon_running
	kill "$fp" 2>/dev/null
	wait "$fp" 2>/dev/null

	# 1000 query arguments: 414 at once (libmicrohttpd used to run out of
	# its pool and answer nothing until the deadline).
	out=$(ip netns exec "$NS_GW" curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' \
	    "http://127.0.0.1:9180/v1/history?$(printf 'a=1&%.0s' $(seq 1 999))limit=1")
	read -r code t <<<"$out"
	check "$T 6 a query of 1000 arguments: 414 at once ($(awk -v t="$t" 'BEGIN { printf "%.0f", t * 1000 }') ms)" \
	    "HTTP $code after $t s" awk -v c="$code" -v t="$t" 'BEGIN { exit !(c == 414 && t < 1) }'
}

# --- 3: fleet --------------------------------------------------------------------------

api_fleet()
{
	local T=$LAB_ROUTER u1="http://$LAB_GW_ADDR:9180" u2="http://$LAB_GW2_ADDR:9180"
	gw2_up || { not_ok "$T 3 second gateway up" "see above"; return; }
	gw2_write_config "$LAB/daemon2.json"
	gw2_start_daemon "$LAB/daemon2.json" || { not_ok "$T 3 second daemon starts" "$(tail -n 5 "$LAB/daemon2.log")"; return; }
	check "$T 3 second gateway up: the upstream has the prefix from both" \
	    "gw1 $(gw1_has_prefix && echo yes || echo no), gw2 $(gw2_has_prefix && echo yes || echo no)" \
	    wait_until 10000 bash -c "birdc -s '$LAB/up/bird.ctl' show route $API_PREFIX protocol gwpeer2 | grep -qF $API_PREFIX && birdc -s '$LAB/up/bird.ctl' show route $API_PREFIX protocol gwpeer | grep -qF $API_PREFIX"
	wait_until 3000 bash -c "ip netns exec $NS_UP '$CTL' fleet $u1 $u2 >/dev/null 2>&1"
	ctl_in "$NS_UP" fleet "$u1" "$u2"
	check_ctl "$T 3 fleet from the upstream namespace: both announce, exit 0" 0 \
	    "^${u1//./\\.} .* reachable +1/1 UP +announced" "^${u2//./\\.} .* reachable +1/1 UP +announced" \
	    '^fleet: 2 gateways agree on 1 prefix'
	if ! gw2_pptpd_kill || ! wait_until 5000 bash -c "! birdc -s '$LAB/up/bird.ctl' show route $API_PREFIX protocol gwpeer2 | grep -qF $API_PREFIX"; then
		not_ok "$T 3 gw2's pptpd killed: the upstream lost gw2's path" "$(up_birdc show route "$API_PREFIX" all)"
	else
		ok "$T 3 gw2's pptpd killed: the upstream lost gw2's path"
	fi
	check "$T 3 ... and still has gw1's" "absent" gw1_has_prefix
	ctl_in "$NS_UP" fleet "$u1" "$u2"
	check_ctl "$T 3 ... fleet flags gw2, exit 1" 1 \
	    "^${u2//./\\.} .* 0/1 UP +withdrawn" \
	    "^! $API_PREFIX: gateways disagree: announced on ${u1//./\\.}; not on ${u2//./\\.} \\(withdrawn\\)" \
	    '^fleet: 2 gateways, 0 unreachable, 1 prefix in disagreement'
	ctl_in "$NS_UP" fleet --json "$u1" "$u2"
	check "$T 3 ... fleet --json: valid JSON, 2 gateways, exit 1" "exit $RC: $(printf '%s' "$OUT" | head -c 300)" \
	    test "$RC $(json 'len(d["gateways"]), d["gateways"][1]["status"]["prefixes"][0]["actual"]')" = "1 2 withdrawn"
	ctl_in "$NS_UP" --timeout 1 fleet "$u1" "http://10.99.0.9:9180"
	check_ctl "$T 3 ... a gateway that does not answer: flagged unreachable, exit 1" 1 \
	    '^! http://10\.99\.0\.9:9180: unreachable' '1 unreachable'
	gw2_stop_daemon
}

# --- main ------------------------------------------------------------------------------------

LAB_DRAIN=$API_DRAIN_S
LAB_API_EXTRA=", \"admin-group\": \"$API_GROUP\", \"connection-timeout-s\": $API_TIMEOUT_S"
getent group "$API_GROUP" >/dev/null || { echo "api.sh: group $API_GROUP missing (API_GROUP=)" >&2; exit 1; }
FIRST=${ROUTERS%% *}
for LAB_ROUTER in $ROUTERS; do
	T=$LAB_ROUTER
	lab_init "$BUILDDIR" || { not_ok "$T api: lab init" "see above"; continue; }
	CTL=${CTL:-$top_builddir/anycast-healthctl}
	[ -x "$CTL" ] || { not_ok "$T api: $CTL built" "missing"; break; }
	echo "# api $T: lab $NS_GW / $NS_UP, daemon $DAEMON, cli $CTL"
	if ! lab_up; then
		not_ok "$T api lab up" "see above"
		lab_down
		continue
	fi
	ADMIN_SOCK=$LAB/gw/admin.sock
	CONF=$LAB/daemon.json
	lab_write_config "$CONF" withdraw
	check "$T api config validates (anycast-healthd -n)" "$(ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF" 2>&1 | tail -n 3)" \
	    ip netns exec "$NS_GW" "$DAEMON" -n -c "$CONF"
	# Timestamped -v lines: scenario 5 times the probe from them.
	if LAB_DAEMON_TS=1 lab_start_daemon "$CONF"; then
		api_ready() { lab_wait_file "$ADMIN_SOCK" 5000 && wait_for_upstream present 10000; }
		check "$T api daemon announces, admin socket appears" "no prefix or no socket" api_ready
		if [ "$T" = "$FIRST" ]; then
			api_status
			api_drain
			api_access
			api_load
			api_flood
			api_fleet
		else
			api_drain
		fi
		check "$T api daemon still running at the end" "exited" daemon_running
		lab_stop_daemon
	else
		not_ok "$T api daemon starts" "$(tail -n 5 "$LAB/daemon.log")"
	fi
	lab_down
done

[ -n "$API_TOTALS" ] && echo "$PASSED $FAILED" >"$API_TOTALS"
echo "# api: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
