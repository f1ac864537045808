# lab.sh - the namespaced lab shared by the integration suite, the demo and
# the failover benchmark.  Source it from bash; needs root, iproute2, bird2,
# pptpd (frr for LAB_ROUTER=frr, exabgp for the benchmark's baseline).
#
#   gateway netns (ahd-gw-PID)                upstream netns (ahd-up-PID)
#   pptpd  10.99.0.1:1723                      bird (observer, AS 65000)
#   bird   AS 65001, static anycast4  --eBGP-- 10.99.0.2/30
#    or FRR zebra+bgpd AS 65001
#   anycast-healthd (or ExaBGP)   10.99.0.1/30
#
# LAB_ROUTER=bird (default) or frr picks the gateway's router.  With FRR,
# zebra and bgpd run as root-started daemons with their own socket
# directory $LAB/gw/frr (bgpd.vty, zebra.vty, zserv.api); the anycast
# address sits on the gateway's lo so bgpd's `bgp network import-check`
# finds the prefix in the RIB, and an outbound route-map lets only the
# prefix out (ebgp-requires-policy).  The daemon adds and removes
# `network 192.0.2.1/32` under `router bgp 65001` at run time.
#
# Everything lives in one `mktemp -d` directory ($LAB): configs, control
# sockets, pid files, logs.  Namespace names carry the PID of the run, so two
# runs never collide.  lab_up installs a trap that kills every process the
# lab started (and anything else left inside its namespaces), deletes the
# namespaces and the directory on EXIT, INT and TERM, also when a test fails.
#
# Functions: lab_init, lab_up [--no-router], lab_down, lab_start_daemon CONF,
# lab_stop_daemon [SIGNAL], lab_kill_daemon, lab_write_config FILE [ON-EXIT],
# pptpd_start, pptpd_kill, pptpd_stop, pptpd_cont, pptpd_restart,
# gw_router_start, gw_router_kill, gw_router_restart, gw_router_socket,
# gw_router_stop, gw_router_cont (SIGSTOP/SIGCONT the BGP speaker),
# gw_bird_start, gw_bird_kill, gw_birdc ARGS, up_birdc ARGS,
# gw_zebra_start, gw_bgpd_start, gw_bgpd_kill, gw_frr_kill, gw_vtysh ARGS,
# gw_frr_has_network,
# upstream_has_prefix, wait_for_upstream present|absent TIMEOUT_MS,
# wait_for_bgp TIMEOUT_MS, wait_for_log REGEX TIMEOUT_MS [FROM_LINE],
# lab_measure WANT TIMEOUT_MS ACTION..., lab_watch_start, lab_watch_stop,
# exabgp_start, exabgp_stop, ribwatch ARGS, lab_ms_between T0 T1, lab_now,
# lab_build_tool NAME (a tests/lab/NAME.c helper into $top_builddir/tests/lab),
# wait_until MS CMD..., lab_ts;
# a second gateway (api.sh's fleet): gw2_up, gw2_template, gw2_write_config,
# gw2_start_daemon, gw2_stop_daemon, gw2_pptpd_start, gw2_pptpd_kill,
# gw2_bird_start, gw2_birdc, gw1_has_prefix, gw2_has_prefix.
# LAB_KEEP=1 keeps the directory; DAEMON= overrides the binary under test.
# LAB_DRAIN=SECONDS gives the gateway router a drain twin / route-map and
# the daemon config drain-time-s; LAB_API_EXTRA adds members to the
# config's api section; LAB_DAEMON_TS=1 timestamps the daemon's log lines.
# Every lab daemon config has its own admin socket ($LAB/gw/admin.sock):
# /run is shared by all namespaces.

LAB_PREFIX=192.0.2.1/32
LAB_GW_ADDR=10.99.0.1
LAB_UP_ADDR=10.99.0.2
LAB_ASN=65001
LAB_FRR_BIN=${LAB_FRR_BIN:-/usr/lib/frr}

# top_srcdir/top_builddir come from make; by hand: the repo and $1 or ".".
lab_init()
{
	local here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
	: "${top_builddir:=$(mkdir -p "${1:-.}" && cd "${1:-.}" && pwd)}"
	[ -n "$top_builddir" ] || { echo "lab: no build dir" >&2; return 1; }
	export top_srcdir top_builddir
	LAB_SRC=$top_srcdir/tests/lab
	DAEMON=${DAEMON:-$top_builddir/anycast-healthd}
	RIBWATCH=$top_builddir/tests/lab/ribwatch
	LAB_ROUTER=${LAB_ROUTER:-bird}
	NS_GW=ahd-gw-$$
	NS_UP=ahd-up-$$
	NS_GW2=ahd-g2-$$
	LAB=
	PID_GW_BIRD= PID_UP_BIRD= PID_PPTPD= PID_DAEMON= PID_EXABGP=
	PID_ZEBRA= PID_BGPD=
	PID_GW2_BIRD= PID_GW2_PPTPD= PID_DAEMON2=
	LAB_BG_PIDS= LAB_WATCH_PID=
	case "$LAB_ROUTER" in
	bird|frr) ;;
	*) echo "lab: LAB_ROUTER must be bird or frr, not '$LAB_ROUTER'" >&2; return 1 ;;
	esac
	if [ "$(id -u)" != 0 ]; then
		echo "lab: must run as root (network namespaces)" >&2
		return 1
	fi
	local t
	for t in ip bird birdc pptpd cc; do
		command -v "$t" >/dev/null 2>&1 ||
			{ echo "lab: $t not found" >&2; return 1; }
	done
	if [ "$LAB_ROUTER" = frr ]; then
		for t in "$LAB_FRR_BIN/zebra" "$LAB_FRR_BIN/bgpd" vtysh; do
			command -v "$t" >/dev/null 2>&1 ||
				{ echo "lab: $t not found (LAB_ROUTER=frr needs frr)" >&2; return 1; }
		done
	fi
	lab_build_ribwatch
}

# lab_build_tool NAME: build tests/lab/NAME.c into $top_builddir/tests/lab/NAME
# when missing or stale (Makefile.am does not build the lab's helpers).
lab_build_tool()
{
	local src=$LAB_SRC/$1.c out=$top_builddir/tests/lab/$1
	if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
		# build aside and rename: two runs may start at once
		mkdir -p "$(dirname "$out")" &&
		cc -std=gnu11 -O2 -Wall -o "$out.$$" "$src" &&
		mv -f "$out.$$" "$out" ||
			{ rm -f "$out.$$"; echo "lab: cannot build $1" >&2; return 1; }
	fi
}

lab_build_ribwatch() { lab_build_tool ribwatch; }

# Realtime in seconds with microseconds, no fork (bash 5).
lab_now() { echo "$EPOCHREALTIME"; }

# Milliseconds from T0 to T1 (both s.us), one decimal.
lab_ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'; }

# lab_sed_quote TEXT: TEXT as a sed s||| replacement.
lab_sed_quote()
{
	local t=$1
	t=${t//\\/\\\\}
	t=${t//|/\\|}
	t=${t//&/\\&}
	printf '%s' "$t"
}

# lab_template FILE [ON-EXIT] [EXTRA]: fill @LAB@, @ONEXIT@ (withdraw),
# @EXTRA@ (more JSON after the first service, empty by default), the
# gateway's @GW@ (directory under $LAB), @GW_ADDR@ and @UP_ADDR@ (from
# LAB_T_GW, LAB_T_GW_ADDR, LAB_T_UP_ADDR: the first gateway unless set, see
# gw2_*), the drain settings when LAB_DRAIN=SECONDS is set (@BIRD_DRAIN@:
# the drain-protocol anycast4_drain, @FRR_DRAIN@: the drain-route-map
# ANYCAST-DRAIN, @PREFIX_EXTRA@: drain-time-s), @API_EXTRA@ (more members
# of the api section, from LAB_API_EXTRA, e.g. ', "admin-group": "adm"') and
# @SERVICE_EXTRA@ (more members of the pptp service, from LAB_SERVICE_EXTRA,
# e.g. ', "damping": {}').
lab_template()
{
	local extra bird_drain= frr_drain= px_extra= api_extra svc_extra
	extra=$(lab_sed_quote "${3:-}")
	api_extra=$(lab_sed_quote "${LAB_API_EXTRA:-}")
	svc_extra=$(lab_sed_quote "${LAB_SERVICE_EXTRA:-}")
	if [ -n "${LAB_DRAIN:-}" ]; then
		bird_drain=', "drain-protocol": "anycast4_drain"'
		frr_drain=', "drain-route-map": "ANYCAST-DRAIN"'
		px_extra=", \"drain-time-s\": $LAB_DRAIN"
	fi
	sed -e "s|@LAB@|$LAB|g" -e "s|@ONEXIT@|${2:-withdraw}|g" \
	    -e "s|@GW@|${LAB_T_GW:-gw}|g" -e "s|@GW_ADDR@|${LAB_T_GW_ADDR:-$LAB_GW_ADDR}|g" \
	    -e "s|@UP_ADDR@|${LAB_T_UP_ADDR:-$LAB_UP_ADDR}|g" \
	    -e "s|@BIRD_DRAIN@|$bird_drain|g" -e "s|@FRR_DRAIN@|$frr_drain|g" \
	    -e "s|@PREFIX_EXTRA@|$px_extra|g" -e "s|@API_EXTRA@|$api_extra|g" \
	    -e "s|@SERVICE_EXTRA@|$svc_extra|g" \
	    -e "s|@EXTRA@|$extra|g" "$LAB_SRC/$1"
}

lab_bg_track() { LAB_BG_PIDS="$LAB_BG_PIDS $1"; }

# Background processes are disowned right after they start, so bash prints
# no "Killed" job notices; bash still reaps them, so a killed one leaves no
# zombie.  Waits poll /proc instead of using `wait`.
lab_alive()
{
	local st
	[ -n "$1" ] || return 1
	st=$(awk '{print $3}' /proc/"$1"/stat 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# lab_wait_gone PID [MS]: bounded wait for PID to exit.
lab_wait_gone()
{
	local i=0 ms=${2:-5000}
	while lab_alive "$1"; do
		[ $i -ge $((ms / 10)) ] && return 1
		sleep 0.01
		i=$((i + 1))
	done
}

# lab_up [--no-router]: namespaces, upstream BIRD, pptpd and (unless
# --no-router) the gateway router, then waits for the eBGP session.
lab_up()
{
	LAB=$(mktemp -d /tmp/ahd-lab.XXXXXX) || return 1
	mkdir -p "$LAB/gw" "$LAB/up"
	trap 'lab_down' EXIT
	trap 'lab_down; exit 130' INT
	trap 'lab_down; exit 143' TERM

	ip netns add "$NS_GW" && ip netns add "$NS_UP" || return 1
	ip -n "$NS_GW" link set lo up
	ip -n "$NS_UP" link set lo up
	# Created straight into the namespaces: the fixed names never touch
	# the root namespace, so parallel runs cannot clash.
	ip link add gw0 netns "$NS_GW" type veth peer name up0 netns "$NS_UP" ||
		return 1
	ip -n "$NS_GW" addr add "$LAB_GW_ADDR/30" dev gw0
	ip -n "$NS_UP" addr add "$LAB_UP_ADDR/30" dev up0
	ip -n "$NS_GW" link set gw0 up
	ip -n "$NS_UP" link set up0 up

	lab_bird_conf gw
	lab_template upstream-bird.conf >"$LAB/up/bird.conf"
	lab_template pptpd.conf >"$LAB/gw/pptpd.conf"
	cp "$LAB_SRC/pptpd-options" "$LAB/gw/pptpd-options"
	if [ "$LAB_ROUTER" = frr ]; then
		lab_frr_prepare || return 1
	fi

	up_bird_start && pptpd_start || return 1
	[ "${1:-}" = --no-router ] && return 0
	gw_router_start || return 1
	wait_for_bgp 20000 || { echo "lab: BGP session did not come up" >&2; return 1; }
}

# lab_bird_conf DIR: the gateway BIRD's config and initial state file in
# $LAB/DIR (LAB_T_* say which gateway); with LAB_DRAIN set, the drain twin
# (gw-bird-drain.conf) too.  Withdrawn until the daemon says otherwise.
lab_bird_conf()
{
	lab_template gw-bird.conf >"$LAB/$1/bird.conf"
	echo "define ANYCAST4_OFF = 1;" >"$LAB/$1/bird-state.conf"
	if [ -n "${LAB_DRAIN:-}" ]; then
		lab_template gw-bird-drain.conf >>"$LAB/$1/bird.conf"
		echo "define ANYCAST4_DRAIN_OFF = 1;" >>"$LAB/$1/bird-state.conf"
	fi
}

lab_kill_pid()
{
	local pid=$1 sig=${2:-KILL}
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null
	lab_wait_gone "$pid" 5000 || kill -KILL "$pid" 2>/dev/null
	return 0
}

lab_down()
{
	local pid ns
	trap - EXIT INT TERM
	for pid in $LAB_BG_PIDS $LAB_WATCH_PID $PID_DAEMON $PID_EXABGP $PID_PPTPD \
	    $PID_GW_BIRD $PID_UP_BIRD $PID_BGPD $PID_ZEBRA \
	    $PID_DAEMON2 $PID_GW2_PPTPD $PID_GW2_BIRD; do
		kill -KILL "$pid" 2>/dev/null
	done
	# Anything else still inside our namespaces (pptpctrl children,
	# exabgp-healthcheck, check commands) was started by this lab.
	for ns in "$NS_GW" "$NS_UP" "$NS_GW2"; do
		[ -n "$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for pid in $LAB_BG_PIDS $LAB_WATCH_PID $PID_DAEMON $PID_EXABGP $PID_PPTPD \
	    $PID_GW_BIRD $PID_UP_BIRD $PID_BGPD $PID_ZEBRA \
	    $PID_DAEMON2 $PID_GW2_PPTPD $PID_GW2_BIRD; do
		lab_wait_gone "$pid" 2000
	done
	PID_GW_BIRD= PID_UP_BIRD= PID_PPTPD= PID_DAEMON= PID_EXABGP=
	PID_ZEBRA= PID_BGPD=
	PID_GW2_BIRD= PID_GW2_PPTPD= PID_DAEMON2=
	LAB_BG_PIDS= LAB_WATCH_PID=
	for ns in "$NS_GW" "$NS_UP" "$NS_GW2"; do
		[ -n "$ns" ] && [ -e "/run/netns/$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$LAB" ] && [ -d "$LAB" ] && [ -z "$LAB_KEEP" ]; then
		rm -rf "$LAB"
	elif [ -n "$LAB" ]; then
		echo "lab: kept $LAB" >&2
	fi
	LAB=
}

# Wait (bounded) until FILE exists as a socket or a file.
lab_wait_file()
{
	local f=$1 ms=${2:-5000} i=0
	while [ ! -e "$f" ]; do
		[ $i -ge $((ms / 20)) ] && return 1
		sleep 0.02
		i=$((i + 1))
	done
}

# --- BIRD ----------------------------------------------------------------

up_bird_start()
{
	rm -f "$LAB/up/bird.ctl"
	ip netns exec "$NS_UP" bird -f -c "$LAB/up/bird.conf" \
	    -s "$LAB/up/bird.ctl" -P "$LAB/up/bird.pid" \
	    >>"$LAB/up/bird.out" 2>&1 &
	PID_UP_BIRD=$!
	disown $PID_UP_BIRD
	lab_wait_file "$LAB/up/bird.ctl" 5000 ||
		{ echo "lab: upstream bird did not start" >&2; cat "$LAB/up/bird.out" >&2; return 1; }
}

gw_bird_start()
{
	rm -f "$LAB/gw/bird.ctl"
	ip netns exec "$NS_GW" bird -f -c "$LAB/gw/bird.conf" \
	    -s "$LAB/gw/bird.ctl" -P "$LAB/gw/bird.pid" \
	    >>"$LAB/gw/bird.out" 2>&1 &
	PID_GW_BIRD=$!
	disown $PID_GW_BIRD
	lab_wait_file "$LAB/gw/bird.ctl" 5000 ||
		{ echo "lab: gateway bird did not start" >&2; cat "$LAB/gw/bird.out" >&2; return 1; }
}

gw_bird_kill() { lab_kill_pid "$PID_GW_BIRD" KILL; PID_GW_BIRD=; }

gw_birdc() { birdc -s "$LAB/gw/bird.ctl" "$@"; }
up_birdc() { birdc -s "$LAB/up/bird.ctl" "$@"; }

# --- FRR (LAB_ROUTER=frr) ------------------------------------------------

# The socket directory, configs and logs: FRR's daemons drop to user frr
# after start, so the directory is theirs and the lab directory (mode 0700
# from mktemp) must be traversable.
lab_frr_prepare()
{
	local dir=$LAB/gw/frr
	mkdir -p "$dir"
	lab_template gw-frr.conf >"$dir/bgpd.conf"
	lab_template gw-zebra.conf >"$dir/zebra.conf"
	chown -R frr:frr "$dir"
	chmod 0711 "$LAB" "$LAB/gw"
	# bgp network import-check: `network 192.0.2.1/32` is only advertised
	# while the prefix is in zebra's RIB; the anycast address on lo puts
	# it there as a connected route, as on a real gateway.
	ip -n "$NS_GW" addr add "$LAB_PREFIX" dev lo
}

# lab_frr_daemon NAME ARGS...: start /usr/lib/frr/NAME in the gateway
# namespace in the foreground, wait for NAME.vty; the pid in $LAB_FRR_PID.
lab_frr_daemon()
{
	local name=$1 dir=$LAB/gw/frr
	shift
	rm -f "$dir/$name.vty"
	ip netns exec "$NS_GW" "$LAB_FRR_BIN/$name" -f "$dir/$name.conf" \
	    -i "$dir/$name.pid" --vty_socket "$dir" -z "$dir/zserv.api" -P 0 "$@" \
	    >>"$dir/$name.out" 2>&1 &
	LAB_FRR_PID=$!
	disown $LAB_FRR_PID
	lab_wait_file "$dir/$name.vty" 10000 ||
		{ echo "lab: $name did not start" >&2; cat "$dir/$name.out" >&2; return 1; }
}

gw_zebra_start() { lab_frr_daemon zebra && PID_ZEBRA=$LAB_FRR_PID; }
gw_bgpd_start() { lab_frr_daemon bgpd && PID_BGPD=$LAB_FRR_PID; }
gw_bgpd_kill() { lab_kill_pid "$PID_BGPD" KILL; PID_BGPD=; }
gw_zebra_kill() { lab_kill_pid "$PID_ZEBRA" KILL; PID_ZEBRA=; }
gw_frr_kill() { gw_bgpd_kill; gw_zebra_kill; }

# gw_frr_start: zebra (unless running), then bgpd.
gw_frr_start()
{
	if ! lab_alive "$PID_ZEBRA"; then
		gw_zebra_start || return 1
	fi
	gw_bgpd_start
}

# vtysh against the lab's bgpd and zebra only.
gw_vtysh() { vtysh --vty_socket "$LAB/gw/frr" "$@"; }

# gw_frr_has_network: bgpd's running config has `network 192.0.2.1/32`.
gw_frr_has_network()
{
	gw_vtysh -d bgpd -c 'show running-config' 2>/dev/null |
		grep -q "^ *network $LAB_PREFIX"
}

# --- the gateway router, whichever it is ----------------------------------

gw_router_start()
{
	case "$LAB_ROUTER" in
	frr) gw_frr_start ;;
	*) gw_bird_start ;;
	esac
}

# Kills the BGP speaker (bgpd; zebra keeps running, as under watchfrr).
gw_router_kill()
{
	case "$LAB_ROUTER" in
	frr) gw_bgpd_kill ;;
	*) gw_bird_kill ;;
	esac
}

gw_router_restart() { gw_router_kill; gw_router_start; }

# Hang the BGP speaker (SIGSTOP) and let it go on: its control socket stops
# answering while the BGP session survives the hold time (6 s).
gw_router_pid()
{
	case "$LAB_ROUTER" in
	frr) echo "$PID_BGPD" ;;
	*) echo "$PID_GW_BIRD" ;;
	esac
}
gw_router_stop() { kill -STOP "$(gw_router_pid)"; }
gw_router_cont() { kill -CONT "$(gw_router_pid)"; }

# The socket the daemon talks to.
gw_router_socket()
{
	case "$LAB_ROUTER" in
	frr) echo "$LAB/gw/frr/bgpd.vty" ;;
	*) echo "$LAB/gw/bird.ctl" ;;
	esac
}

# The upstream's session to 10.99.0.1 is Established.
wait_for_bgp()
{
	local ms=${1:-20000} i=0
	until up_birdc show protocols gwpeer 2>/dev/null | grep -q Established; do
		[ $i -ge $((ms / 100)) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# --- pptpd ---------------------------------------------------------------

pptpd_listening()
{
	ip netns exec "$NS_GW" ss -Hltn "sport = :1723" 2>/dev/null | grep -q .
}

pptpd_start()
{
	rm -f "$LAB/gw/pptpd.pid"
	ip netns exec "$NS_GW" pptpd --fg -c "$LAB/gw/pptpd.conf" \
	    -p "$LAB/gw/pptpd.pid" -l "$LAB_GW_ADDR" \
	    >>"$LAB/gw/pptpd.out" 2>&1 &
	PID_PPTPD=$!
	disown $PID_PPTPD
	local i=0
	until pptpd_listening && [ -s "$LAB/gw/pptpd.pid" ]; do
		if [ $i -ge 250 ]; then
			echo "lab: pptpd did not start" >&2
			cat "$LAB/gw/pptpd.out" >&2
			return 1
		fi
		sleep 0.02
		i=$((i + 1))
	done
}

# SIGKILL; the pid file stays behind, as after a crash.
pptpd_kill() { lab_kill_pid "$PID_PPTPD" KILL; PID_PPTPD=; }
pptpd_term() { lab_kill_pid "$PID_PPTPD" TERM; PID_PPTPD=; }
pptpd_stop() { kill -STOP "$PID_PPTPD"; }
pptpd_cont() { kill -CONT "$PID_PPTPD"; }
pptpd_restart() { pptpd_kill; pptpd_start; }

# --- a second gateway (api.sh's fleet check) -----------------------------
#
# gw2_up adds namespace ahd-g2-PID: pptpd on 10.99.0.5:1723 and a gateway
# BIRD (AS 65001, same static anycast4) peering with the same upstream BIRD
# over a second veth (10.99.0.5/30 - 10.99.0.6/30, upstream protocol
# gwpeer2, appended to the upstream's config and applied with `configure`).
# Its files live in $LAB/gw2, its daemon logs to $LAB/daemon2.log.  The
# upstream then sees the prefix from both; gw2_has_prefix tells gw2's path.

LAB_GW2_ADDR=10.99.0.5
LAB_UP2_ADDR=10.99.0.6

# gw2_template FILE [ON-EXIT] [EXTRA]: lab_template for the second gateway.
gw2_template()
{
	LAB_T_GW=gw2 LAB_T_GW_ADDR=$LAB_GW2_ADDR LAB_T_UP_ADDR=$LAB_UP2_ADDR lab_template "$@"
}

gw2_up()
{
	mkdir -p "$LAB/gw2"
	ip netns add "$NS_GW2" || return 1
	ip -n "$NS_GW2" link set lo up
	ip link add gw0 netns "$NS_GW2" type veth peer name up1 netns "$NS_UP" ||
		return 1
	ip -n "$NS_GW2" addr add "$LAB_GW2_ADDR/30" dev gw0
	ip -n "$NS_UP" addr add "$LAB_UP2_ADDR/30" dev up1
	ip -n "$NS_GW2" link set gw0 up
	ip -n "$NS_UP" link set up1 up
	LAB_T_GW=gw2 LAB_T_GW_ADDR=$LAB_GW2_ADDR LAB_T_UP_ADDR=$LAB_UP2_ADDR lab_bird_conf gw2
	lab_template pptpd.conf >"$LAB/gw2/pptpd.conf"
	cat >>"$LAB/up/bird.conf" <<-EOF

	protocol bgp gwpeer2 {
		local $LAB_UP2_ADDR as 65000;
		neighbor $LAB_GW2_ADDR as 65001;
		hold time 6;
		keepalive time 2;
		connect delay time 1;
		connect retry time 2;
		error wait time 1, 4;
		ipv4 { import all; export none; };
	}
	EOF
	up_birdc configure | grep -q Reconfigured ||
		{ echo "lab: upstream bird refused gwpeer2" >&2; up_birdc configure check >&2; return 1; }
	gw2_pptpd_start && gw2_bird_start || return 1
	local i=0
	until up_birdc show protocols gwpeer2 2>/dev/null | grep -q Established; do
		[ $i -ge 200 ] && { echo "lab: gwpeer2 did not come up" >&2; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
}

gw2_bird_start()
{
	rm -f "$LAB/gw2/bird.ctl"
	ip netns exec "$NS_GW2" bird -f -c "$LAB/gw2/bird.conf" \
	    -s "$LAB/gw2/bird.ctl" -P "$LAB/gw2/bird.pid" \
	    >>"$LAB/gw2/bird.out" 2>&1 &
	PID_GW2_BIRD=$!
	disown $PID_GW2_BIRD
	lab_wait_file "$LAB/gw2/bird.ctl" 5000 ||
		{ echo "lab: gw2 bird did not start" >&2; cat "$LAB/gw2/bird.out" >&2; return 1; }
}

gw2_pptpd_start()
{
	local i=0
	rm -f "$LAB/gw2/pptpd.pid"
	ip netns exec "$NS_GW2" pptpd --fg -c "$LAB/gw2/pptpd.conf" \
	    -p "$LAB/gw2/pptpd.pid" -l "$LAB_GW2_ADDR" \
	    >>"$LAB/gw2/pptpd.out" 2>&1 &
	PID_GW2_PPTPD=$!
	disown $PID_GW2_PPTPD
	until ip netns exec "$NS_GW2" ss -Hltn "sport = :1723" 2>/dev/null | grep -q . &&
	    [ -s "$LAB/gw2/pptpd.pid" ]; do
		[ $i -ge 250 ] && { echo "lab: gw2 pptpd did not start" >&2; return 1; }
		sleep 0.02
		i=$((i + 1))
	done
}

gw2_pptpd_kill() { lab_kill_pid "$PID_GW2_PPTPD" KILL; PID_GW2_PPTPD=; }

gw2_birdc() { birdc -s "$LAB/gw2/bird.ctl" "$@"; }

# gw2_write_config FILE [withdraw|keep]: daemon.json for the second gateway.
gw2_write_config() { gw2_template daemon.json "${2:-withdraw}" >"$1"; }

# gw2_start_daemon CONF [args]: the second gateway's daemon ($PID_DAEMON2).
gw2_start_daemon()
{
	local conf=$1
	shift
	lab_daemon_exec "$NS_GW2" "$LAB/daemon2.log" "$conf" "$@"
	PID_DAEMON2=$LAB_STARTED
	[ -n "$PID_DAEMON2" ]
}

gw2_stop_daemon() { lab_kill_pid "$PID_DAEMON2" TERM; PID_DAEMON2=; }

# The upstream has the prefix from gw2 (its protocol gwpeer2) / from gw1.
gw2_has_prefix() { up_birdc show route "$LAB_PREFIX" protocol gwpeer2 2>/dev/null | grep -qF "$LAB_PREFIX"; }
gw1_has_prefix() { up_birdc show route "$LAB_PREFIX" protocol gwpeer 2>/dev/null | grep -qF "$LAB_PREFIX"; }

# wait_until MS CMD...: bounded poll (every 50 ms) until CMD succeeds.
wait_until()
{
	local ms=$1 i=0
	shift
	until "$@"; do
		[ $i -ge $((ms / 50)) ] && return 1
		sleep 0.05
		i=$((i + 1))
	done
}

# --- the daemon under test -----------------------------------------------

# lab_write_config FILE [withdraw|keep] [EXTRA-SERVICES-JSON]: the lab's
# daemon config for the gateway's router (daemon.json or daemon-frr.json).
lab_write_config()
{
	local t=daemon.json
	[ "$LAB_ROUTER" = frr ] && t=daemon-frr.json
	lab_template "$t" "${2:-withdraw}" "${3:-}" >"$1"
}

# lab_ts: copy stdin to stdout, each line prefixed with the realtime it
# was read at ("1732400000.123456 ").  perl reads what the pipe holds in
# one read(2) (bash reads a byte at a time: too slow for -v under load,
# and a reader that lags blocks the daemon's stderr); bash if no perl.
lab_ts()
{
	local line
	if perl -MTime::HiRes -e 1 2>/dev/null; then
		exec perl -MTime::HiRes=time -ne 'BEGIN { $| = 1 } printf "%.6f %s", time, $_'
	fi
	while IFS= read -r line; do
		printf '%s %s\n' "$EPOCHREALTIME" "$line"
	done
}

# lab_daemon_exec NS LOG CONF [args]: start the daemon in namespace NS,
# output appended to LOG; its pid in $LAB_STARTED.
lab_daemon_exec()
{
	local ns=$1 log=$2 conf=$3
	shift 3
	LAB_STARTED=
	[ -x "$DAEMON" ] || { echo "lab: $DAEMON not built" >&2; return 1; }
	# /run is shared by every namespace: a config without its own admin
	# socket would take (or fight over) /run/anycast-healthd/admin.sock.
	grep -q '"admin-socket"' "$conf" 2>/dev/null ||
		echo "lab: warning: $conf sets no api/admin-socket: the daemon uses /run/anycast-healthd/admin.sock, shared by every namespace" >&2
	# Likewise the overrides file: one gateway's maintenance would come
	# back on every other gateway's daemon at its next start.
	grep -q '"admin-state-file"' "$conf" 2>/dev/null ||
		echo "lab: warning: $conf sets no api/admin-state-file: the daemon uses /var/lib/anycast-healthd/admin-state.json, shared by every namespace" >&2
	echo "=== start $(date +%T.%N) $*" >>"$log"
	if [ -n "${LAB_DAEMON_TS:-}" ]; then
		# The reader ends at EOF, when the daemon is gone.  It runs
		# SCHED_FIFO: under a load test a starved reader stamps lines
		# late (100-170 ms seen on 2 CPUs), which would be blamed on
		# the daemon.
		ip netns exec "$ns" env $LAB_DAEMON_ENV "$DAEMON" ${LAB_DAEMON_FLAGS--v} \
		    -c "$conf" "$@" > >(chrt -f -p 10 $BASHPID >/dev/null 2>&1; lab_ts >>"$log") 2>&1 &
	else
		ip netns exec "$ns" env $LAB_DAEMON_ENV "$DAEMON" ${LAB_DAEMON_FLAGS--v} \
		    -c "$conf" "$@" >>"$log" 2>&1 &
	fi
	LAB_STARTED=$!
	disown $LAB_STARTED
	sleep 0.05
	lab_alive "$LAB_STARTED" ||
		{ echo "lab: daemon exited at once" >&2; LAB_STARTED=; return 1; }
}

# lab_start_daemon CONF [extra args]; log in $LAB/daemon.log (appended).
# LAB_DAEMON_FLAGS replaces the default -v (debug logs); LAB_DAEMON_ENV
# (words VAR=VALUE) is put in its environment through env(1), which execs:
# the pid stays the daemon's (NOTIFY_SOCKET, WATCHDOG_USEC for fate.sh).
# LAB_DAEMON_TS=1 prefixes every log line with the time it was written
# (lab_ts), for timing the probes from the -v lines.
lab_start_daemon()
{
	local conf=$1
	shift
	lab_daemon_exec "$NS_GW" "$LAB/daemon.log" "$conf" "$@"
	PID_DAEMON=$LAB_STARTED
	[ -n "$PID_DAEMON" ]
}

# lab_stop_daemon [SIGNAL]: SIGTERM by default, bounded wait, then SIGKILL.
lab_stop_daemon()
{
	local sig=${1:-TERM} i=0
	[ -n "$PID_DAEMON" ] || return 0
	kill -"$sig" "$PID_DAEMON" 2>/dev/null
	if ! lab_wait_gone "$PID_DAEMON" 5000; then
		echo "lab: daemon ignored SIG$sig for 5 s, killing" >&2
		kill -KILL "$PID_DAEMON" 2>/dev/null
		lab_wait_gone "$PID_DAEMON" 2000
	fi
	PID_DAEMON=
	return 0
}

lab_kill_daemon() { lab_stop_daemon KILL; }

daemon_running() { lab_alive "$PID_DAEMON"; }

# wait_for_log REGEX TIMEOUT_MS [FROM_LINE]: grep -E in the daemon log,
# only lines after FROM_LINE (default 0).
wait_for_log()
{
	local re=$1 ms=${2:-5000} from=${3:-0} i=0
	until tail -n +"$((from + 1))" "$LAB/daemon.log" 2>/dev/null | grep -Eq -- "$re"; do
		[ $i -ge $((ms / 20)) ] && return 1
		sleep 0.02
		i=$((i + 1))
	done
}

daemon_log_lines() { { wc -l <"$LAB/daemon.log"; } 2>/dev/null || echo 0; }

# --- the upstream RIB ----------------------------------------------------

ribwatch() { "$RIBWATCH" "$@" "$LAB/up/bird.ctl" "$LAB_PREFIX"; }

upstream_has_prefix() { ribwatch -w present -t 0 >/dev/null 2>&1; }

# wait_for_upstream present|absent TIMEOUT_MS: 0 when reached in time; the
# ribwatch line of the moment it was seen is left in $LAB_LAST_SEEN.
wait_for_upstream()
{
	local out rc
	out=$(ribwatch -w "$1" -t "${2:-5000}")
	rc=$?
	LAB_LAST_SEEN=$(printf '%s\n' "$out" | tail -n 1)
	return $rc
}

# lab_measure WANT LIMIT_MS ACTION...: watch the upstream, take t0, run
# ACTION in this shell, wait at most LIMIT_MS for the upstream to become
# WANT.  Returns 0 with the milliseconds from t0 in $LAB_MS (and t0 in
# $LAB_T0), or 1 with the reason in $LAB_ERR.  t0 is $EPOCHREALTIME just before ACTION (no fork);
# the change time is ribwatch's (1 ms polling on one connection).
lab_measure()
{
	local want=$1 limit=$2 out pid t0 t1 i=0 rc
	shift 2
	LAB_MS= LAB_ERR=
	out=$LAB/rw.$RANDOM
	ribwatch -x -t "$limit" >"$out" 2>&1 &
	pid=$!
	until [ -s "$out" ]; do
		if [ $i -ge 500 ]; then
			kill "$pid" 2>/dev/null
			wait "$pid"
			LAB_ERR="ribwatch did not start"
			return 1
		fi
		sleep 0.01
		i=$((i + 1))
	done
	if grep -q " $want initial\$" "$out"; then
		kill "$pid" 2>/dev/null
		wait "$pid"
		LAB_ERR="upstream already $want before '$*'"
		return 1
	fi
	t0=$EPOCHREALTIME
	LAB_T0=$t0
	"$@"
	wait "$pid"
	rc=$?
	t1=$(awk -v w="$want" '$3 == w && $4 == "" { print $1; exit }' "$out")
	if [ $rc != 0 ] || [ -z "$t1" ]; then
		LAB_ERR="upstream not $want within $limit ms after '$*' (ribwatch rc $rc: $(tr '\n' ' ' <"$out"))"
		rm -f "$out"
		return 1
	fi
	rm -f "$out"
	LAB_MS=$(lab_ms_between "$t0" "$t1")
}

# lab_watch_start [MS]: record any change at the upstream from now on.
lab_watch_start()
{
	local i=0
	LAB_WATCH_OUT=$LAB/watch.$RANDOM
	ribwatch -x -t "${1:-60000}" >"$LAB_WATCH_OUT" 2>&1 &
	LAB_WATCH_PID=$!
	until [ -s "$LAB_WATCH_OUT" ]; do
		[ $i -ge 500 ] && return 1
		sleep 0.01
		i=$((i + 1))
	done
}

# lab_watch_stop: 0 when the upstream did not change since lab_watch_start;
# otherwise 1 with ribwatch's lines in $LAB_WATCH_LINES.
lab_watch_stop()
{
	kill -TERM "$LAB_WATCH_PID" 2>/dev/null
	wait "$LAB_WATCH_PID"
	LAB_WATCH_LINES=$(tr '\n' ';' <"$LAB_WATCH_OUT")
	rm -f "$LAB_WATCH_OUT"
	case "$LAB_WATCH_LINES" in
	*initial\;) return 0 ;;
	*) return 1 ;;
	esac
}

upstream_route_line()
{
	up_birdc show route "$LAB_PREFIX" 2>/dev/null | grep -F "$LAB_PREFIX"
}

# --- ExaBGP baseline (benchmark only) --------------------------------------

exabgp_start()
{
	command -v exabgp >/dev/null && command -v exabgp-healthcheck >/dev/null ||
		{ echo "lab: exabgp not installed" >&2; return 1; }
	# The check: a TCP connect to pptpd, 1 s at most (bash /dev/tcp, so
	# no netcat is needed).
	cat >"$LAB/gw/check-1723.sh" <<-EOF
	#!/bin/bash
	exec timeout 1 bash -c ': </dev/tcp/$LAB_GW_ADDR/1723'
	EOF
	chmod +x "$LAB/gw/check-1723.sh"
	lab_template exabgp.conf >"$LAB/gw/exabgp.conf"
	ip netns exec "$NS_GW" env exabgp.api.cli=false \
	    exabgp.daemon.user=root exabgp.daemon.drop=false \
	    exabgp.daemon.daemonize=false exabgp.log.destination=stdout \
	    exabgp "$LAB/gw/exabgp.conf" >>"$LAB/gw/exabgp.log" 2>&1 &
	PID_EXABGP=$!
	disown $PID_EXABGP
}

exabgp_stop()
{
	local pid
	lab_kill_pid "$PID_EXABGP" TERM
	PID_EXABGP=
	# its healthcheck child and check commands, if any are left
	for pid in $(ip netns pids "$NS_GW" 2>/dev/null); do
		case "$(cat /proc/"$pid"/cmdline 2>/dev/null | tr '\0' ' ')" in
		*exabgp*|*check-1723*) kill -KILL "$pid" 2>/dev/null ;;
		esac
	done
}
