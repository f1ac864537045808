# lab-keepalived.sh - the keepalived (VRRP) lab of issue 12: two gateways
# and a client on one Ethernet segment.  Source it from bash after lab.sh
# and lab-probes.sh (it uses lab_init, probes_init and their helpers); needs
# root, keepalived, pptpd, nft, python3.  Used by
# tests/integration/keepalived.sh and tests/bench/keepalived.sh.
#
#   netns ka-br-PID: bridge br0 (no address), ports p1 p2 p3
#     |                     |                      |
#   netns ka-gw1-PID      netns ka-gw2-PID       netns ka-cl-PID
#   eth0 10.97.0.1/24     eth0 10.97.0.2/24      eth0 10.97.0.10/24
#   keepalived prio 150   keepalived prio 100    ka-who.py: who answers
#   pptpd (fake-pppd)     pptpd (fake-pppd)        ARP for the VIP
#   anycast-healthd       anycast-healthd
#                VIP 10.97.0.100 on the MASTER's eth0
#
# keepalived runs from the shipped etc/keepalived-anycast-healthd.conf with
# the lab's interface, VIP, priority, paths and notify script put in
# (ka_keepalived_conf); variant "script" replaces the instance's track_file
# with a vrrp_script checking `pidof pptpd` (interval 1, fall 1, weight 0:
# keepalived's default, a failing script puts the instance in FAULT, the
# same way out as a withdrawn track file; a negative weight would only
# lower the priority, and the backup would wait 3 adverts to preempt).  The
# notify script is the shipped etc/keepalived-anycast-notify behind a
# wrapper that sets PPTPD_START/PPTPD_STOP to the lab's pptpd-ctl (pptpd
# runs on both nodes: "pptpd-on-backup": "running", so BACKUP leaves it).
# pptpd runs as a daemon (not --fg), since the notify script may start it.
#
# Each gateway's files are in $LAB/gw1, $LAB/gw2: keepalived.conf, .log,
# pid files, pptpd.conf, pptpd.pid, vip.track, vip.state, daemon.json,
# daemon.log, admin.sock.  The gateways share the host's pid namespace, so
# "pidof pptpd" is limited to the gateway's network namespace (chk-pptpd).
#
# Functions (G is 1 or 2): ka_init, ka_up, ka_down, ka_ns G, ka_dir G,
# ka_keepalived_conf G [file|script], ka_keepalived_start G [file|script],
# ka_keepalived_stop G, ka_notify_mode G running|stopped,
# ka_pptpd G start|stop|kill|hang|cont|pid, ka_pptpd_up G,
# ka_daemon_config G [running|stopped], ka_daemon_start G [args],
# ka_daemon_stop G [SIGNAL], ka_daemon_pid G, ka_ctl G ARGS ($OUT, $RC),
# ka_api G PATH, ka_track G VALUE (by hand, temp + rename), ka_track_value
# G, ka_state G (the state file's word), ka_who (gw1, gw2, none or both,
# once), ka_wait_who WANT MS, ka_vip_tcp (a TCP connect to VIP:1723 from
# the client), ka_watch_start, ka_watch_stop (the answers seen meanwhile in
# $KA_WATCH_SEEN), ka_measure WANT MS ACTION... ($KA_MS), ka_nft_drop_gre
# G, ka_nft_clear G, ka_log G.
# LAB_KEEP=1 keeps the directory.

KA_NET=10.97.0
KA_VIP=$KA_NET.100
KA_VRID=97

# ka_init [BUILDDIR]: lab_init, probes_init (fake-pppd), the tools.
ka_init()
{
	local t
	lab_init "$@" && probes_init || return 1
	for t in keepalived pptpd nft; do
		command -v "$t" >/dev/null 2>&1 ||
			{ echo "lab: $t not found" >&2; return 1; }
	done
	CTL=${CTL:-$top_builddir/anycast-healthctl}
	KA_EXAMPLE=$top_srcdir/etc/keepalived-anycast-healthd.conf
	KA_NOTIFY=$top_srcdir/etc/keepalived-anycast-notify
	KA_NS_BR=ka-br-$$ KA_NS_GW1=ka-gw1-$$ KA_NS_GW2=ka-gw2-$$ KA_NS_CL=ka-cl-$$
	KA_PIDS= KA_WATCH_PID= LAB=
}

ka_ns() { case $1 in 1) echo "$KA_NS_GW1" ;; 2) echo "$KA_NS_GW2" ;; *) echo "$KA_NS_CL" ;; esac; }
ka_dir() { echo "$LAB/gw$1"; }
ka_mac() { printf '02:00:00:97:00:%02x' "$1"; }

# ka_up: namespaces, the segment, pptpd on both gateways, the files.  No
# keepalived and no daemon yet (the scenarios start them).
ka_up()
{
	local g
	LAB=$(mktemp -d /tmp/ka-lab.XXXXXX) || return 1
	trap 'ka_down' EXIT
	trap 'ka_down; exit 130' INT
	trap 'ka_down; exit 143' TERM
	ip netns add "$KA_NS_BR" || return 1
	ip -n "$KA_NS_BR" link add br0 type bridge &&
	ip -n "$KA_NS_BR" link set br0 up || return 1
	for g in 1 2 3; do
		ka_port "$g" || return 1
	done
	for g in 1 2; do
		mkdir -p "$(ka_dir "$g")"
		ka_files "$g" && ka_pptpd "$g" start || return 1
	done
}

# ka_port G: namespace G (3 = the client), its eth0 on the bridge.
ka_port()
{
	local ns addr
	ns=$(ka_ns "$1")
	addr=$KA_NET.$1
	[ "$1" = 3 ] && addr=$KA_NET.10
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	ip link add eth0 netns "$ns" address "$(ka_mac "$1")" type veth \
	    peer name "p$1" netns "$KA_NS_BR" || return 1
	ip -n "$KA_NS_BR" link set "p$1" master br0 up &&
	ip -n "$ns" addr add "$addr/24" dev eth0 &&
	ip -n "$ns" link set eth0 up
}

# ka_files G: pptpd.conf, the pptpd control script the notify script calls,
# the notify wrapper and the namespace-limited `pidof pptpd`.
ka_files()
{
	local d
	d=$(ka_dir "$1")
	cp "$LAB_SRC/pptpd-options" "$d/pptpd-options"
	sed -e "s|@DIR@|$d|g" -e "s|@PPP@|$FAKE_PPPD|g" "$LAB_SRC/ka-pptpd.conf" >"$d/pptpd.conf"
	cat >"$d/pptpd-ctl" <<-EOF
	#!/bin/sh
	# pptpd-ctl start|stop: this gateway's pptpd, as a daemon (the notify
	# script's PPTPD_START / PPTPD_STOP).  start does nothing while it runs.
	# A killed pptpd stays a zombie while nobody reaps it (its parent is
	# the pid namespace's init): kill -0 would still find it.
	pid=\$(cat "$d/pptpd.pid" 2>/dev/null || true)
	st=\$(awk '{ print \$3 }' "/proc/\$pid/stat" 2>/dev/null || true)
	case \$1 in
	start)	[ -n "\$pid" ] && [ -n "\$st" ] && [ "\$st" != Z ] && exit 0
		rm -f "$d/pptpd.pid"
		exec pptpd -c "$d/pptpd.conf" -p "$d/pptpd.pid" ;;
	stop)	[ -n "\$pid" ] && kill "\$pid" 2>/dev/null; exit 0 ;;
	esac
	EOF
	ka_notify_mode "$1" running
	cat >"$d/chk-pptpd" <<-'EOF'
	#!/bin/sh
	# `pidof pptpd`, limited to this network namespace: the lab's gateways
	# share the host's pid namespace.
	me=$(readlink /proc/self/ns/net)
	for p in $(pidof pptpd); do
		[ "$(readlink "/proc/$p/ns/net")" = "$me" ] && exit 0
	done
	exit 1
	EOF
	chmod 0755 "$d/pptpd-ctl" "$d/chk-pptpd"
}

# ka_notify_mode G running|stopped: the notify wrapper (the shipped
# script with this gateway's pptpd-ctl) leaves pptpd running on BACKUP or
# stops it there (the Active/Passive pattern, "pptpd-on-backup": "stopped").
# keepalived runs the file anew each time: no restart needed.
ka_notify_mode()
{
	local d stop=:
	d=$(ka_dir "$1")
	[ "$2" = stopped ] && stop="$d/pptpd-ctl stop"
	cat >"$d/notify.$$" <<-EOF
	#!/bin/sh
	# The shipped notify script with this gateway's pptpd ($2 on BACKUP).
	PPTPD_START="$d/pptpd-ctl start" PPTPD_STOP="$stop" exec "$KA_NOTIFY" "\$@"
	EOF
	chmod 0755 "$d/notify.$$" && mv -f "$d/notify.$$" "$d/notify"
}

ka_down()
{
	local pid ns
	trap - EXIT INT TERM
	[ -n "$KA_WATCH_PID" ] && kill -KILL "$KA_WATCH_PID" 2>/dev/null
	for ns in "$KA_NS_GW1" "$KA_NS_GW2" "$KA_NS_CL" "$KA_NS_BR"; do
		[ -n "$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for pid in $KA_PIDS $KA_WATCH_PID; do
		kill -KILL "$pid" 2>/dev/null
		lab_wait_gone "$pid" 2000
	done
	# pptpd's children live on after pptpd (they are its own sessions)
	for ns in "$KA_NS_GW1" "$KA_NS_GW2" "$KA_NS_CL" "$KA_NS_BR"; do
		[ -n "$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
			lab_wait_gone "$pid" 2000
		done
		[ -e "/run/netns/$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	KA_PIDS= KA_WATCH_PID=
	if [ -n "$LAB" ] && [ -d "$LAB" ] && [ -z "${LAB_KEEP:-}" ]; then
		rm -rf "$LAB"
	elif [ -n "$LAB" ]; then
		echo "lab: kept $LAB" >&2
	fi
	LAB=
}

# --- pptpd --------------------------------------------------------------

# ka_pptpd G start|stop|kill|hang|cont|pid: start waits until it listens;
# stop (SIGTERM) and kill (SIGKILL) wait until it is gone; hang is SIGSTOP.
ka_pptpd()
{
	local d pid ns
	d=$(ka_dir "$1") ns=$(ka_ns "$1")
	pid=$(cat "$d/pptpd.pid" 2>/dev/null)
	case $2 in
	pid) echo "$pid" ;;
	start)
		ip netns exec "$ns" "$d/pptpd-ctl" start >>"$d/pptpd.out" 2>&1 &&
		wait_until 5000 ka_pptpd_up "$1" ||
			{ echo "lab: gw$1 pptpd did not start" >&2; return 1; } ;;
	stop) lab_kill_pid "$pid" TERM ;;
	kill) lab_kill_pid "$pid" KILL ;;
	hang) kill -STOP "$pid" ;;
	cont) kill -CONT "$pid" ;;
	esac
}

ka_pptpd_up()
{
	local pid
	pid=$(cat "$(ka_dir "$1")/pptpd.pid" 2>/dev/null) && lab_alive "$pid" &&
		ip netns exec "$(ka_ns "$1")" ss -Hltn "sport = :1723" | grep -q .
}

# --- keepalived -----------------------------------------------------------

# ka_keepalived_conf G [file|script]: the shipped example with the lab's
# values, on stdout.
ka_keepalived_conf()
{
	local d prio=150 variant=${2:-file}
	d=$(ka_dir "$1")
	[ "$1" = 2 ] && prio=100
	sed -e "s|router_id anycast_gw_a|router_id ka_gw$1|" \
	    -e "s|^\(\tpriority\) 150|\1 $prio|" \
	    -e "s|virtual_router_id 51|virtual_router_id $KA_VRID|" \
	    -e "s|198\.51\.100\.10/24|$KA_VIP/24|" \
	    -e "s|/run/anycast-healthd/vip-pptp\.track|$d/vip.track|" \
	    -e "s|notify \"/etc/keepalived/keepalived-anycast-notify /run/anycast-healthd/vip-pptp\.state\"|notify \"$d/notify $d/vip.state\"|" \
	    "$KA_EXAMPLE" | if [ "$variant" = script ]; then
		# the instance tracks the script instead of the file
		awk -v chk="$d/chk-pptpd" '
		/^\ttrack_file \{/ { print "\ttrack_script {\n\t\tchk_pptpd\n\t}"; skip = 1; next }
		skip && /^\t\}/ { skip = 0; next }
		skip { next }
		/^vrrp_instance/ {
			print "vrrp_script chk_pptpd {"
			print "\tscript \"" chk "\"\t# pidof pptpd"
			print "\tinterval 1\n\tfall 1\n\trise 1\n\tweight 0\n}\n"
		}
		{ print }'
	else
		cat
	fi
}

# ka_keepalived_start G [file|script]: keepalived (VRRP only) in the
# foreground of its namespace, logging to keepalived.log.
ka_keepalived_start()
{
	local d ns pid
	d=$(ka_dir "$1") ns=$(ka_ns "$1")
	ka_keepalived_conf "$1" "${2:-file}" >"$d/keepalived.conf"
	rm -f "$d/keepalived.pid" "$d/vrrp.pid"
	echo "=== start $(date +%T.%N) ${2:-file}" >>"$d/keepalived.log"
	ip netns exec "$ns" keepalived -n -l -D -G -P -f "$d/keepalived.conf" \
	    -p "$d/keepalived.pid" -r "$d/vrrp.pid" >>"$d/keepalived.log" 2>&1 &
	pid=$!
	disown "$pid"
	KA_PIDS="$KA_PIDS $pid"
	eval "KA_KEEPALIVED_$1=$pid"
	wait_until 5000 test -s "$d/vrrp.pid" ||
		{ echo "lab: gw$1 keepalived did not start" >&2; tail -n 20 "$d/keepalived.log" >&2; return 1; }
}

ka_keepalived_stop()
{
	local pid
	eval "pid=\${KA_KEEPALIVED_$1:-}"
	lab_kill_pid "$pid" TERM
	eval "KA_KEEPALIVED_$1="
}

# --- anycast-healthd ------------------------------------------------------

# ka_daemon_config G [running|stopped]: tests/lab/ka-daemon.json for
# gateway G; "stopped" sets pptpd-on-backup "stopped" with a 5 s
# takeover grace.
ka_daemon_config()
{
	local mode='"running"'
	[ "${2:-running}" = stopped ] && mode='"stopped", "takeover-grace-ms": 5000'
	sed -e "s|@DIR@|$(ka_dir "$1")|g" -e "s|@ADDR@|$KA_NET.$1|g" \
	    -e "s|@VIP@|$KA_VIP|g" -e "s|\"pptpd-on-backup\": \"running\"|\"pptpd-on-backup\": $mode|" \
	    "$LAB_SRC/ka-daemon.json"
}

# ka_daemon_start G [args]: the daemon in gateway G, log daemon.log; the
# config is written unless it exists.
ka_daemon_start()
{
	local g=$1 d
	shift
	d=$(ka_dir "$g")
	[ -e "$d/daemon.json" ] || ka_daemon_config "$g" >"$d/daemon.json"
	lab_daemon_exec "$(ka_ns "$g")" "$d/daemon.log" "$d/daemon.json" "$@" || return 1
	KA_PIDS="$KA_PIDS $LAB_STARTED"
	eval "KA_DAEMON_$g=$LAB_STARTED"
	wait_until 5000 test -S "$d/admin.sock" ||
		{ echo "lab: gw$g daemon did not open its admin socket" >&2; tail -n 20 "$d/daemon.log" >&2; return 1; }
}

# ka_daemon_stop G [SIGNAL]: SIGTERM by default; bounded wait.
ka_daemon_stop()
{
	local pid
	eval "pid=\${KA_DAEMON_$1:-}"
	lab_kill_pid "$pid" "${2:-TERM}"
	eval "KA_DAEMON_$1="
}

ka_daemon_pid() { eval "echo \${KA_DAEMON_$1:-}"; }

# ka_ctl G ARGS: anycast-healthctl on gateway G's admin socket; $OUT, $RC.
ka_ctl()
{
	local g=$1
	shift
	OUT=$(ip netns exec "$(ka_ns "$g")" timeout 15 "$CTL" --socket "$(ka_dir "$g")/admin.sock" "$@" 2>&1)
	RC=$?
}

# ka_api G PATH: the daemon's HTTP API on gateway G's loopback.
ka_api() { ip netns exec "$(ka_ns "$1")" curl -s -m 5 "http://127.0.0.1:9180$2"; }

# ka_track G VALUE: write gateway G's track file by hand (temp + rename,
# as the daemon does).
ka_track()
{
	local f
	f=$(ka_dir "$1")/vip.track
	printf '%s\n' "$2" >"$f.tmp.$$" && mv -f "$f.tmp.$$" "$f"
}

ka_track_value() { cat "$(ka_dir "$1")/vip.track" 2>/dev/null; }

# ka_state G: the state word the notify script last wrote (MASTER...).
ka_state() { awk '{ print $1; exit }' "$(ka_dir "$1")/vip.state" 2>/dev/null; }

ka_log() { cat "$(ka_dir "$1")/daemon.log" 2>/dev/null; }

# --- the client's view ----------------------------------------------------

# ka_who_py ARGS: tests/lab/ka-who.py in the client namespace.
ka_who_py()
{
	ip netns exec "$KA_NS_CL" "$PROBES_PY" -u "$LAB_SRC/ka-who.py" \
	    --iface eth0 --src "$KA_NET.10" --vip "$KA_VIP" \
	    --name "$(ka_mac 1)=gw1" --name "$(ka_mac 2)=gw2" "$@"
}

# ka_who: who answers ARP for the VIP now: gw1, gw2, none or both.
ka_who() { ka_who_py --once; }

# ka_wait_who WANT MS: until WANT is the only one answering.
ka_wait_who() { ka_who_py --until "$1" --ms "${2:-10000}" >/dev/null; }

# ka_vip_tcp: a TCP connect from the client to VIP:1723 succeeds (1 s).
ka_vip_tcp()
{
	ip netns exec "$KA_NS_CL" timeout 2 bash -c ": </dev/tcp/$KA_VIP/1723" 2>/dev/null
}

# ka_watch_start [MS]: record every change of who answers from now on,
# one line "TIME WHO" per change (the first is the state at start).
ka_watch_start()
{
	KA_WATCH_OUT=$LAB/watch.$RANDOM
	ka_who_py --watch --ms "${1:-120000}" >"$KA_WATCH_OUT" 2>&1 &
	KA_WATCH_PID=$!
	disown "$KA_WATCH_PID"
	wait_until 5000 test -s "$KA_WATCH_OUT" ||
		{ echo "lab: ka-who.py --watch did not start: $(cat "$KA_WATCH_OUT")" >&2; return 1; }
}

# ka_watch_stop: $KA_WATCH_SEEN = the answers seen since ka_watch_start,
# in order ("gw1" when nothing changed, "gw1 gw2" after one move).
ka_watch_stop()
{
	lab_kill_pid "$KA_WATCH_PID" TERM
	KA_WATCH_PID=
	KA_WATCH_SEEN=$(awk '{ printf "%s%s", sep, $2; sep = " " }' "$KA_WATCH_OUT")
	KA_WATCH_LINES=$(tr '\n' ';' <"$KA_WATCH_OUT")
	rm -f "$KA_WATCH_OUT"
}

# ka_measure WANT LIMIT_MS ACTION...: watch, take t0, run ACTION, wait at
# most LIMIT_MS for WANT to be the one answering.  0 with the milliseconds
# in $KA_MS, or 1 with the reason in $KA_ERR.
ka_measure()
{
	local want=$1 limit=$2 t0 t1
	shift 2
	KA_MS= KA_ERR=
	ka_watch_start $((limit + 5000)) || { KA_ERR="watcher did not start"; return 1; }
	if grep -q " $want\$" "$KA_WATCH_OUT"; then
		ka_watch_stop
		KA_ERR="$want answered already before '$*'"
		return 1
	fi
	t0=$EPOCHREALTIME
	"$@"
	wait_until "$limit" grep -q " $want\$" "$KA_WATCH_OUT"
	t1=$(awk -v w="$want" '$2 == w { print $1; exit }' "$KA_WATCH_OUT")
	ka_watch_stop
	if [ -z "$t1" ]; then
		KA_ERR="$want did not answer within $limit ms after '$*' (seen: $KA_WATCH_LINES)"
		return 1
	fi
	KA_MS=$(lab_ms_between "$t0" "$t1")
}

# --- nftables: GRE dropped in a gateway ------------------------------------

ka_nft_drop_gre() { NS_GW=$(ka_ns "$1") probes_nft_drop_gre input; }
ka_nft_clear() { NS_GW=$(ka_ns "$1") probes_nft_clear; }
