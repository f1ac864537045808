# lab-probes.sh - lab additions for the probe kinds of issue 3: the data
# path (pptp-gre through the real pptpctrl and tests/lab/fake-pppd), GRE
# dropped by nftables, capacity and the BIRD degraded twin, http, tcp and
# exec.  Source it after lab.sh and call probes_init after lab_init.  Used by
# tests/integration/probes.sh and tests/bench/probes.sh.
#
# Functions: probes_init, probes_lab_up, probes_template FILE [DEPENDS],
# probes_write_config FILE DEPENDS, probes_pptpd_use fake|real,
# probes_hold_start / probes_hold_stop (hold one PPTP control connection,
# so pptpd keeps a pptpctrl child), probes_http_start / probes_http_stop
# (python3 http.server on 10.99.0.1:8080), probes_nft_drop_gre input|output,
# probes_nft_clear, probes_nft_drops, probes_as_path, wait_for_as_path WANT MS,
# probes_children PID, probes_zombies PID, probes_hang_procs [sleep],
# probes_pptpctrl_count, probes_log_since MARK,
# probes_cpu_ticks PID..., probes_rss_kb PID.

PROBES_HTTP_PORT=8080
# The exec probe's hanging command sleeps this long; unique per run, so a
# leftover process of this run can be found by its command line.
PROBES_SLEEP=7$$1

# probes_init: build tests/lab/fake-pppd (not built by Makefile.am, like
# ribwatch) and check the tools the scenarios use.
probes_init()
{
	local t
	FAKE_PPPD=$top_builddir/tests/lab/fake-pppd
	PROBES_PY=/usr/bin/python3
	[ -x "$PROBES_PY" ] || PROBES_PY=$(command -v python3) ||
		{ echo "lab: python3 not found" >&2; return 1; }
	for t in nft ss; do
		command -v "$t" >/dev/null 2>&1 ||
			{ echo "lab: $t not found" >&2; return 1; }
	done
	PROBES_HOLD_PIDS='' PROBES_HTTP_PID=''
	if [ ! -x "$FAKE_PPPD" ] || [ "$LAB_SRC/fake-pppd.c" -nt "$FAKE_PPPD" ] ||
	    [ "$top_srcdir/src/pptp_wire.c" -nt "$FAKE_PPPD" ]; then
		# build aside and rename: two runs may start at once
		mkdir -p "$(dirname "$FAKE_PPPD")" &&
		cc -std=gnu11 -O2 -Wall -I "$top_srcdir/include" -o "$FAKE_PPPD.$$" \
		    "$LAB_SRC/fake-pppd.c" "$top_srcdir/src/pptp_wire.c" &&
		mv -f "$FAKE_PPPD.$$" "$FAKE_PPPD" ||
			{ rm -f "$FAKE_PPPD.$$"; echo "lab: cannot build fake-pppd" >&2; return 1; }
	fi
}

# probes_sed_quote TEXT: TEXT as a sed s||| replacement.
probes_sed_quote()
{
	local t=$1
	t=${t//\\/\\\\}
	t=${t//|/\\|}
	t=${t//&/\\&}
	printf '%s' "$t"
}

# probes_template FILE [DEPENDS] [SERVICES]: lab_template's @LAB@ plus @PPP@
# (the fake-pppd), @SLEEP@, @DEPENDS@ (a JSON list body, e.g. "pptp", "gre")
# and @SERVICES@ (JSON service objects; @LAB@ inside is filled in too).
probes_template()
{
	local deps svcs
	deps=$(probes_sed_quote "${2:-}")
	svcs=$(probes_sed_quote "${3:-}")
	sed -e "s|@SERVICES@|$svcs|g" -e "s|@LAB@|$LAB|g" -e "s|@PPP@|$FAKE_PPPD|g" \
	    -e "s|@SLEEP@|$PROBES_SLEEP|g" -e "s|@DEPENDS@|$deps|g" "$LAB_SRC/$1"
}

# probes_write_config FILE DEPENDS: tests/lab/probes-daemon.json.
probes_write_config() { probes_template probes-daemon.json "$2" >"$1"; }

# probes_lab_up: lab_up, then the gateway BIRD with the degraded twin
# (probes-gw-bird.conf, applied with `configure`: the BGP session stays
# up) and pptpd with the fake-pppd.
probes_lab_up()
{
	lab_up || return 1
	probes_template probes-gw-bird.conf >"$LAB/gw/bird.conf"
	printf 'define ANYCAST4_OFF = 1;\ndefine ANYCAST4_DEGRADED_OFF = 1;\n' \
	    >"$LAB/gw/bird-state.conf"
	gw_birdc configure | grep -q 'Reconfigured' ||
		{ echo "lab: gateway BIRD refused probes-gw-bird.conf" >&2;
		  gw_birdc configure check >&2; return 1; }
	probes_pptpd_use fake
}

# probes_pptpd_use fake|real: restart pptpd with the fake-pppd
# (probes-pptpd.conf) or the real /usr/sbin/pppd (the lab's pptpd.conf).
probes_pptpd_use()
{
	pptpd_term
	case $1 in
	fake) probes_template probes-pptpd.conf >"$LAB/gw/pptpd.conf" ;;
	real) lab_template pptpd.conf >"$LAB/gw/pptpd.conf" ;;
	*) echo "probes_pptpd_use: fake or real" >&2; return 1 ;;
	esac
	pptpd_start
}

# pptpd's pptpctrl children, one per control connection.
probes_pptpctrl_count()
{
	local pid n=0
	for pid in $(ip netns pids "$NS_GW" 2>/dev/null); do
		[ "$(cat /proc/"$pid"/comm 2>/dev/null)" = pptpctrl ] &&
		[ "$(awk '{ print $4 }' /proc/"$pid"/stat 2>/dev/null)" = "$PID_PPTPD" ] &&
			n=$((n + 1))
	done
	echo "$n"
}

# probes_hold_start: open one more PPTP control connection to pptpd (SCCRQ,
# wait for SCCRP) and hold it open in the background, so pptpd keeps one
# more pptpctrl child (a "session" for the capacity probe).  pptpctrl drops
# a silent peer only after 60 s idle + 60 s unanswered echo.
# probes_hold_stop closes them all.
probes_hold_start()
{
	local i=0 pid out=$LAB/gw/hold.$RANDOM
	: >"$out"
	ip netns exec "$NS_GW" "$PROBES_PY" -u -c '
import socket, struct, sys
s = socket.create_connection((sys.argv[1], 1723), timeout=5)
s.sendall(struct.pack(">HHIHHHHIIHH64s64s", 156, 1, 0x1A2B3C4D, 1, 0, 0x0100, 0,
                      1, 1, 1, 1, b"probes-hold", b"anycast-healthd lab"))
buf = b""
while len(buf) < 156:
    d = s.recv(156 - len(buf))
    if not d:
        print("eof before SCCRP")
        sys.exit(1)
    buf += d
print("held: SCCRP result %d" % buf[14])
s.settimeout(None)
while s.recv(4096):
    pass
print("closed by pptpd")
' "$LAB_GW_ADDR" >>"$out" 2>&1 &
	pid=$!
	disown $pid
	lab_bg_track "$pid"
	PROBES_HOLD_PIDS="$PROBES_HOLD_PIDS $pid"
	until grep -q '^held: SCCRP result 1' "$out"; do
		if [ $i -ge 250 ] || ! lab_alive "$pid"; then
			echo "lab: hold connection failed: $(cat "$out")" >&2
			return 1
		fi
		sleep 0.02
		i=$((i + 1))
	done
}

probes_hold_stop()
{
	local pid
	for pid in $PROBES_HOLD_PIDS; do
		lab_kill_pid "$pid" TERM
	done
	PROBES_HOLD_PIDS=
}

# probes_http_start: python3's http.server in the gateway namespace on
# 10.99.0.1:8080, serving LAB/www/health.txt ("OK").
probes_http_start()
{
	local i=0
	mkdir -p "$LAB/www"
	[ -e "$LAB/www/health.txt" ] || echo OK >"$LAB/www/health.txt"
	ip netns exec "$NS_GW" "$PROBES_PY" -m http.server "$PROBES_HTTP_PORT" \
	    --bind "$LAB_GW_ADDR" --directory "$LAB/www" >>"$LAB/gw/http.log" 2>&1 &
	PROBES_HTTP_PID=$!
	disown $PROBES_HTTP_PID
	lab_bg_track "$PROBES_HTTP_PID"
	until ip netns exec "$NS_GW" ss -Hltn "sport = :$PROBES_HTTP_PORT" | grep -q .; do
		if [ $i -ge 250 ] || ! lab_alive "$PROBES_HTTP_PID"; then
			echo "lab: http.server did not start" >&2
			tail -n 5 "$LAB/gw/http.log" >&2
			return 1
		fi
		sleep 0.02
		i=$((i + 1))
	done
}

probes_http_stop() { lab_kill_pid "$PROBES_HTTP_PID" KILL; PROBES_HTTP_PID=; }

# probes_nft_drop_gre input|output: drop IP protocol 47 in the gateway
# namespace (TCP, so pptpd's control channel, is untouched).  Everything
# here is local, so a packet crosses output and then input on lo: either
# hook cuts the data path.
probes_nft_drop_gre()
{
	ip netns exec "$NS_GW" nft -f - <<-EOF
	table inet ahd {
		chain c {
			type filter hook $1 priority 0; policy accept;
			meta l4proto gre counter drop
		}
	}
	EOF
}

probes_nft_clear() { ip netns exec "$NS_GW" nft delete table inet ahd 2>/dev/null; return 0; }

# Packets the rule dropped so far.
probes_nft_drops()
{
	ip netns exec "$NS_GW" nft list table inet ahd 2>/dev/null |
		awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1); exit }'
}

# The upstream's BGP.as_path of the prefix ("65001", "65001 65001 65001"),
# empty when absent.
probes_as_path()
{
	up_birdc show route all "$LAB_PREFIX" 2>/dev/null |
		awk '/BGP.as_path:/ { sub(/.*BGP.as_path: */, ""); sub(/ *$/, ""); print; exit }'
}

# wait_for_as_path WANT MS: the upstream's AS path becomes exactly WANT.
wait_for_as_path()
{
	local want=$1 ms=${2:-5000} i=0
	until [ "$(probes_as_path)" = "$want" ]; do
		[ $i -ge $((ms / 50)) ] && return 1
		sleep 0.05
		i=$((i + 1))
	done
}

# Children of PID (pid and state), one per line; probes_zombies counts the
# ones in state Z.
probes_children()
{
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v pp="$1" '$4 == pp { print $1, $3 }'
}

probes_zombies() { probes_children "$1" | awk '$2 == "Z"' | wc -l; }

# probes_hang_procs [sleep]: processes of this run's hanging exec command
# (the sh and its sleep; with "sleep", the sleeps only).
probes_hang_procs()
{
	if [ "${1:-}" = sleep ]; then
		pgrep -fc "^sleep $PROBES_SLEEP\$"
	else
		pgrep -fc "sleep $PROBES_SLEEP"
	fi
}

# The daemon log after line MARK.
probes_log_since() { tail -n +"$((${1:-0} + 1))" "$LAB/daemon.log" 2>/dev/null; }

# probes_cpu_ticks PID...: utime+stime+cutime+cstime (clock ticks), summed:
# the processes and the children they have reaped.
probes_cpu_ticks()
{
	local p s=0
	for p in "$@"; do
		s=$((s + $(awk '{ print $14 + $15 + $16 + $17 }' /proc/"$p"/stat 2>/dev/null || echo 0)))
	done
	echo "$s"
}

probes_rss_kb() { awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status 2>/dev/null; }
