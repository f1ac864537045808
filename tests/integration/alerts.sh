#!/bin/bash
# alerts.sh - the alerting rules (etc/prometheus/anycast-healthd.rules.yml)
# against the REAL daemon's /metrics: a renamed or dropped metric, or labels
# that no longer match, fail here.
#
# Runs the built anycast-healthd with a real BIRD 2 (a gateway instance with
# the anycast4 static protocol, its degraded twin and a BGP session "uppeer"
# to a second, upstream, BIRD: both on 127.0.0.1 with their own ports and
# control sockets in a temp dir, no namespace), a real etcd (one member on
# free loopback ports: the fleet section, so the fleet guard's series exist)
# one exec probe whose answer the test switches with a file, and a capacity
# probe that cannot run (its pptpd.conf is missing: ERROR at every run, until
# the test writes one).
#
#   1  every metric family the rules use appears: /metrics passes `promtool
#      check metrics`, and every metric name the rules' exprs select
#      (tests/prometheus/rules_check.py: PromQL-aware extraction) has a
#      sample in it; a copy of the rules with one metric renamed is caught
#   2  the daemon's real series of a few states, fed to `promtool test rules`
#      as constant series, fire exactly the expected alerts (so the rules'
#      label matching holds on the daemon's real labels):
#        healthy, session established       nothing
#        a probe in ERROR at every run      AnycastProbeErrors
#        anycast4 disabled by hand, 4 times AnycastDriftRepairsRepeating
#        BIRD config without anycast4       AnycastPrefixWithdrawnAtRouter
#        upstream BIRD stopped              AnycastPrefixUncarried
#        the only service DOWN              AnycastPrefixHeldByFleetGuard
#        overrides file cannot be written   AnycastOverridesNotSaved
#        ... and saved again                nothing
#        gateway BIRD stopped               AnycastRouterUnreachable
#
# One line per check (`ok - ...` / `not ok - ...`), then `N passed, N
# failed`; exit 1 on any failure.  Every wait is a poll with a deadline.
#
# Usage (root): tests/integration/alerts.sh [BUILDDIR]; LAB_KEEP=1 keeps the
# temp dir (configs, logs, scrapes); ALERTS_RULES=FILE checks another rules file.

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${top_srcdir:-$(cd "$HERE/../.." && pwd)}
BUILD=$(cd "${1:-${top_builddir:-$SRC/build}}" && pwd)
DAEMON=$BUILD/anycast-healthd
RULES=${ALERTS_RULES:-$SRC/etc/prometheus/anycast-healthd.rules.yml}
CHECK=$SRC/tests/prometheus/rules_check.py
LAB=$(mktemp -d /tmp/ahd-alerts.XXXXXX)
chmod 755 "$LAB"
. "$HERE/checks.sh"

daemon_pid=
etcd_pid=
cleanup()
{
	local f
	[ -n "$daemon_pid" ] && { kill -9 "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null; }
	[ -n "$etcd_pid" ] && { kill -9 "$etcd_pid" 2>/dev/null; wait "$etcd_pid" 2>/dev/null; }
	for f in "$LAB/gw.pid" "$LAB/up.pid"; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	if [ -n "${LAB_KEEP:-}" ]; then echo "# kept $LAB"; else rm -rf "$LAB"; fi
}
trap cleanup EXIT

finish() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; exit; }
fatal_setup()
{
	local f
	not_ok "$1" "$2"
	for f in etcd.log gw-bird.log up-bird.log; do
		[ -s "$LAB/$f" ] && { echo "#   $f (last 5 lines):"; tail -n 5 "$LAB/$f" | sed 's/^/#     /'; }
	done
	finish
}

# wait_until SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wait_until()
{
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2	# a poll interval, not a wait for an outcome
	done
}

# free_port VAR: set VAR to a TCP port no socket uses, below the kernel's
# ephemeral range (32768-60999) so no outgoing connection takes it, and not
# handed out before.
USED_PORTS=
free_port()
{
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))
		case " $USED_PORTS " in *" $p "*) continue ;; esac
		[ -z "$(ss -Htan "sport = :$p")" ] && break
	done
	USED_PORTS="$USED_PORTS $p"
	printf -v "$1" '%s' "$p"
}

# status_is PYEXPR: the daemon's /v1/status, as d, makes PYEXPR true.
status_is()
{
	curl -s -m 5 "http://127.0.0.1:$API_PORT/v1/status" 2>/dev/null |
		python3 -c "import json, sys; d = json.load(sys.stdin); sys.exit(0 if ($1) else 1)" 2>/dev/null
}

scrape() { curl -s -m 5 -o "$1" -w '%{http_code}' "http://127.0.0.1:$API_PORT/metrics" 2>/dev/null | grep -qx 200; }

# all_names_in FILE: a fresh scrape in FILE has a sample of every metric the rules use.
all_names_in() { scrape "$1" && python3 "$CHECK" missing "$RULES" "$1" >/dev/null; }

admin() { curl -s -m 10 --unix-socket "$LAB/admin.sock" -X POST -d "$2" "http://localhost$1"; }

# ---- the routers, the store, the daemon ----

API_PORT='' BGP_GW='' BGP_UP='' ETCD_PORT='' ETCD_PEER_PORT=''
free_port API_PORT
free_port BGP_GW
free_port BGP_UP
free_port ETCD_PORT
free_port ETCD_PEER_PORT
ETCD_URL=http://127.0.0.1:$ETCD_PORT
ETCD_PEER=http://127.0.0.1:$ETCD_PEER_PORT

start_gw_bird()
{
	bird -c "$LAB/gw.conf" -s "$LAB/gw.ctl" -P "$LAB/gw.pid"
}

start_up_bird()
{
	bird -c "$LAB/up.conf" -s "$LAB/up.ctl" -P "$LAB/up.pid"
}

stop_bird()	# gw|up
{
	local pid
	pid=$(cat "$LAB/$1.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	wait_until 10 eval "! kill -0 $pid 2>/dev/null"
	rm -f "$LAB/$1.pid"
}

# gw_conf yes|no: the gateway BIRD's config, with or without the anycast4
# static protocol (a bad push that lost it).
gw_conf()
{
	local anycast4=
	[ "$1" = yes ] && anycast4='protocol static anycast4 { disabled ANYCAST4_OFF; ipv4; route 192.0.2.1/32 blackhole; }'
	cat > "$LAB/gw.conf" <<CONF
include "$LAB/state.conf";
log "$LAB/gw-bird.log" all;
router id 192.0.2.254;
protocol device {}
$anycast4
protocol static anycast4_degraded { disabled ANYCAST4_DEGRADED_OFF; ipv4 { preference 50; };
	route 192.0.2.1/32 blackhole; }
protocol bgp uppeer {
	local 127.0.0.1 port $BGP_GW as 65001;
	neighbor 127.0.0.1 port $BGP_UP as 65000;
	multihop;
	hold time 6; keepalive time 2;
	connect delay time 1; connect retry time 2; error wait time 1, 4;
	ipv4 { import none; export where proto = "anycast4" || proto = "anycast4_degraded"; };
}
CONF
}

write_configs()
{
	printf 'define ANYCAST4_OFF = 1;\ndefine ANYCAST4_DEGRADED_OFF = 1;\n' > "$LAB/state.conf"
	gw_conf yes
	cat > "$LAB/up.conf" <<CONF
log "$LAB/up-bird.log" all;
router id 192.0.2.253;
protocol device {}
protocol bgp gwpeer {
	local 127.0.0.1 port $BGP_UP as 65000;
	neighbor 127.0.0.1 port $BGP_GW as 65001;
	multihop;
	hold time 6; keepalive time 2;
	connect delay time 1; connect retry time 2; error wait time 1, 4;
	ipv4 { import all; export none; };
}
CONF
	head -c 32 /dev/urandom > "$LAB/fleet.key"
	cat > "$LAB/daemon.json" <<CONF
{ "anycast-healthd:anycast-healthd": {
    "router": { "bird": { "control-socket": "$LAB/gw.ctl", "state-file": "$LAB/state.conf" },
                "readback-interval-ms": 1000, "reconnect-max-ms": 500 },
    "service": [ { "name": "pptp", "interval-ms": 200, "timeout-ms": 150, "rise": 1, "fall": 1,
        "probe": [ { "name": "up", "exec": { "command": ["/usr/bin/test", "-e", "$LAB/up"] } } ] },
                 { "name": "load",
        "probe": [ { "name": "capacity", "interval-ms": 200, "timeout-ms": 100,
                     "capacity": { "pidfile": "$LAB/live.pid", "pptpd-conf": "$LAB/pptpd.conf" } } ] } ],
    "prefix": [ { "prefix": "192.0.2.1/32", "depends-on": ["pptp"], "min-announcers": 1,
                  "bird": { "protocol": "anycast4", "degraded-protocol": "anycast4_degraded" } } ],
    "on-exit": "withdraw",
    "api": { "admin-socket": "$LAB/admin.sock", "admin-state-file": "$LAB/state/admin.json",
             "listen-address": "127.0.0.1", "listen-port": $API_PORT, "admin-group": "root" },
    "fleet": { "name": "alerts", "node": "gw1", "endpoint": ["$ETCD_URL"], "lease-ttl-s": 6,
               "request-timeout-ms": 2000, "decision-timeout-ms": 3000,
               "on-store-loss": "decide-alone", "key-file": "$LAB/fleet.key" } } }
CONF
}

etcd_healthy() { curl -s -m 2 "$ETCD_URL/health" 2>/dev/null | grep -q '"health":"true"'; }

start_etcd()
{
	etcd --name alerts --data-dir "$LAB/etcd" --listen-client-urls "$ETCD_URL" \
		--advertise-client-urls "$ETCD_URL" --listen-peer-urls "$ETCD_PEER" \
		--initial-advertise-peer-urls "$ETCD_PEER" --initial-cluster "alerts=$ETCD_PEER" \
		>"$LAB/etcd.log" 2>&1 &
	etcd_pid=$!
	wait_until 60 etcd_healthy
}

echo "# anycast-healthd alert rules against the real daemon: $DAEMON, temp dir $LAB"
[ -x "$DAEMON" ] || fatal_setup "daemon binary" "$DAEMON not built (make anycast-healthd)"
for tool in promtool bird etcd curl python3; do
	command -v "$tool" >/dev/null || fatal_setup "tools" "$tool not installed (tests/install-deps.sh)"
done
write_configs
echo $$ > "$LAB/live.pid"	# a live pid for the capacity probe; its pptpd.conf is missing
mkdir "$LAB/state"
touch "$LAB/up"
start_etcd || fatal_setup "etcd" "not healthy within 60 s: $(tail -3 "$LAB/etcd.log")"
start_gw_bird || fatal_setup "gateway BIRD" "did not start"
start_up_bird || fatal_setup "upstream BIRD" "did not start"
"$DAEMON" -c "$LAB/daemon.json" 2>"$LAB/daemon.log" &
daemon_pid=$!

# Healthy: the router reachable and announcing, the store reachable.
healthy='d["router"]["reachable"] and d["fleet"]["store"]["reachable"]
	and d["prefixes"][0]["desired"] == "announced" and d["prefixes"][0]["actual"] == "announced"'
wait_until 60 status_is "$healthy" ||
	fatal_setup "daemon up" "not announcing with router and store reachable within 60 s"
ok "daemon up: router and store reachable, 192.0.2.1/32 announced"
session_up() { birdc -s "$LAB/gw.ctl" show protocols uppeer 2>/dev/null | grep -q Established; }
wait_until 30 session_up || fatal_setup "BGP session" "uppeer not Established within 30 s"
ok "BGP session uppeer Established"

# ---- 1. the metric names ----

# Series can come a read-back after the state (the sessions' ones do): poll
# until every name is there, and say which are not at the deadline.
wait_until 30 all_names_in "$LAB/healthy.prom"
missing=$(python3 "$CHECK" missing "$RULES" "$LAB/healthy.prom")
check "every metric the rules use is in /metrics ($(python3 "$CHECK" metrics "$RULES" | wc -l) names)" \
	"$(echo $missing)" test -z "$missing"
out=$(promtool check metrics < "$LAB/healthy.prom" 2>&1)
check "promtool check metrics accepts the daemon's /metrics" "$out" test $? -eq 0 -a -z "$out"

# The check can fail: one metric renamed in a copy of the rules.
sed 's/anycast_healthd_router_up/anycast_healthd_router_is_up/' "$RULES" > "$LAB/renamed.rules.yml"
out=$(python3 "$CHECK" missing "$LAB/renamed.rules.yml" "$LAB/healthy.prom")
rc=$?
# (what the rules miss anyway, if anything, is said above and expected here too)
want=$(printf '%s\n%s\n' "$missing" "anycast_healthd_router_is_up: used by the rules, not in the daemon's /metrics" |
	sed '/^$/d' | sort)
check "a renamed metric in the rules is caught" "exit $rc, said: $out" \
	test $rc -eq 1 -a "$(sort <<<"$out")" = "$want"

# ---- 2. the real series of a few states -> the alerts that fire ----

# expect_alerts NAME [--since EARLIER SECONDS] ALERT[/PREFIX]...: the latest
# scrape, as constant series (counters growing at the rate since EARLIER with
# --since), fires exactly these alerts.
expect_alerts()
{
	local name=$1 file out
	shift
	file=$LAB/$(echo "$name" | tr -c 'a-z0-9\n' '-').test.yml
	python3 "$CHECK" realtest "$RULES" "$LAB/state.prom" "$@" > "$file"
	[ "${1:-}" = --since ] && shift 3
	if out=$(promtool test rules "$file" 2>&1); then
		ok "$name: fires ${*:-nothing}"
	else
		not_ok "$name: fires ${*:-nothing}" "$(echo "$out" | grep -E 'exp:|got:' | tr -s ' ')"
	fi
}

scrape "$LAB/state.prom"
expect_alerts "healthy, session established"

# A probe that cannot run (the capacity probe without pptpd.conf: ERROR
# pptpd-conf-missing at every run): its counters, at the rate seen between
# two scrapes, fire the probe errors alert.
cap_runs() { sed -n 's/^anycast_healthd_probe_runs_total{service="load",probe="capacity",kind="capacity"} //p' "$1"; }
scrape "$LAB/before.prom"
t0=$EPOCHREALTIME
runs0=$(cap_runs "$LAB/before.prom")
more_runs() { scrape "$LAB/state.prom" && [ "$(cap_runs "$LAB/state.prom")" -ge $((${runs0:-0} + 10)) ]; }
if [ -n "$runs0" ] && wait_until 30 more_runs; then
	dt=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
	expect_alerts "a probe in ERROR at every run" --since "$LAB/before.prom" "$dt" AnycastProbeErrors
else
	not_ok "a probe in ERROR at every run" "the capacity probe's runs did not grow by 10 within 30 s (from ${runs0:-none})"
fi
# pptpd.conf there: the capacity probe runs (UP), no more ERRORs.
echo 'connections 100' > "$LAB/pptpd.conf"
cap_up() { scrape "$LAB/state.prom" && grep -q '^anycast_healthd_probe_up{service="load",probe="capacity",kind="capacity"} 1$' "$LAB/state.prom"; }
wait_until 30 cap_up || not_ok "the capacity probe with its pptpd.conf" "not UP within 30 s"

# A hand at the router undoing the daemon, four times: each is repaired
# at the next read-back (1 s here); the counter, at the rate seen, fires the
# repeated drift alert.
drift() { sed -n 's/^anycast_healthd_prefix_drift_repairs_total{prefix="192.0.2.1\/32"} //p' "$LAB/state.prom"; }
repaired() { scrape "$LAB/state.prom" && [ "$(drift)" -gt "$1" ] && status_is "$healthy"; }
scrape "$LAB/state.prom"
cp "$LAB/state.prom" "$LAB/before.prom"
t0=$EPOCHREALTIME
fought=0
for _ in 1 2 3 4; do
	n=$(drift)
	birdc -s "$LAB/gw.ctl" disable anycast4 >/dev/null
	wait_until 30 repaired "${n:-0}" && fought=$((fought + 1))
done
if [ $fought -eq 4 ]; then
	dt=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
	expect_alerts "anycast4 disabled by hand, four times" --since "$LAB/before.prom" "$dt" \
		AnycastDriftRepairsRepeating/192.0.2.1/32
else
	not_ok "anycast4 disabled by hand, four times" "repaired $fought times of 4 (30 s each)"
fi

# A push loses the anycast4 protocol from BIRD's config: the router answers,
# and reads the prefix back unknown.
gw_conf no
birdc -s "$LAB/gw.ctl" configure >/dev/null
if wait_until 30 status_is 'd["router"]["reachable"] and d["prefixes"][0]["actual"] == "unknown"' &&
	scrape "$LAB/state.prom"; then
	expect_alerts "BIRD without the anycast4 protocol" AnycastPrefixWithdrawnAtRouter/192.0.2.1/32
else
	not_ok "BIRD without the anycast4 protocol" "the prefix not read back unknown within 30 s"
fi
gw_conf yes
birdc -s "$LAB/gw.ctl" configure >/dev/null
wait_until 30 status_is "$healthy" || not_ok "anycast4 back in BIRD" "not announced within 30 s"

# The upstream goes away: no session carries the prefix.
stop_bird up
uncarried() { scrape "$LAB/state.prom" && grep -q '^anycast_healthd_prefix_uncarried{prefix="192.0.2.1/32"} 1$' "$LAB/state.prom"; }
if wait_until 30 uncarried; then
	expect_alerts "upstream BIRD stopped" AnycastPrefixUncarried/192.0.2.1/32
else
	not_ok "upstream BIRD stopped: the daemon flags 192.0.2.1/32 uncarried" \
		"no anycast_healthd_prefix_uncarried{prefix=\"192.0.2.1/32\"} 1 within 30 s"
fi
start_up_bird
wait_until 30 session_up && wait_until 30 eval '! uncarried' ||
	not_ok "upstream BIRD back" "session not Established or prefix still uncarried after 30 s"

# The only service DOWN on the only gateway: the fleet guard holds.
rm "$LAB/up"
held() { status_is 'd["prefixes"][0]["desired"] == "held" and d["prefixes"][0]["actual"] == "degraded"'; }
if wait_until 30 held && wait_until 30 eval '! uncarried'; then
	scrape "$LAB/state.prom"
	expect_alerts "service DOWN, the only gateway" AnycastPrefixHeldByFleetGuard/192.0.2.1/32
else
	not_ok "service DOWN: held by the fleet guard" "not held and carried within 30 s"
fi
touch "$LAB/up"
wait_until 30 status_is "$healthy" || not_ok "service UP again" "not announced within 30 s"

# The overrides file cannot be written: a plain file where its directory
# should be (root writes anywhere else, and the save makes missing directories).
rm -r "$LAB/state"
touch "$LAB/state"
answer=$(admin /v1/resume '{"all": true}')
if grep -q '"warning"' <<<"$answer" && scrape "$LAB/state.prom"; then
	expect_alerts "overrides file cannot be written" AnycastOverridesNotSaved
else
	not_ok "overrides file cannot be written" "resume answered without a warning: $answer"
fi
rm "$LAB/state"
admin /v1/resume '{"all": true}' >/dev/null
scrape "$LAB/state.prom"
expect_alerts "overrides saved again"

# The gateway's BIRD goes away: the router is unreachable.
stop_bird gw
if wait_until 30 status_is 'not d["router"]["reachable"]' && scrape "$LAB/state.prom"; then
	expect_alerts "gateway BIRD stopped" AnycastRouterUnreachable
else
	not_ok "gateway BIRD stopped" "router still reachable after 30 s"
fi
kill -0 "$daemon_pid" 2>/dev/null
check "the daemon ran through every state" "it exited" test $? -eq 0
finish
