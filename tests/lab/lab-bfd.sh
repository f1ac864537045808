# lab-bfd.sh - BFD on the lab's eBGP session, and the whole-gateway faults
# that only the upstream can act on.  Source it after lab.sh; used by
# tests/integration/bfd.sh and tests/bench/bfd.sh.
#
# With LAB_BFD=1 (the default here) both ends run BFD on the session with
# the shipped timers (100 ms, multiplier 3): the upstream BIRD and a BIRD
# gateway get bird-bfd.conf's `protocol bfd` and `bfd on;` in each
# `protocol bgp`; an FRR gateway gets bfdd (gw-bfdd.conf's profile
# ANYCAST-BFD; bfdd is off in Debian's /etc/frr/daemons, here it is started
# like zebra and bgpd, with its control socket in the lab's directory) and
# `neighbor 10.99.0.2 bfd profile ANYCAST-BFD` (gw-frr-bfd.conf).  LAB_BFD=0
# gives the same lab without BFD: only the hold timer (6 s) is left.
# LAB_BFD_IPV6=1 (with lab-ipv6.sh sourced) adds the IPv6 session and
# prefix (v6_prepare), with BFD on that session too.
#
# Faults, each with its repair (the pids and rules are prepared before, so
# the fault itself is one builtin or one command):
#   cut      nftables drops everything in and out of the gateway's gw0
#   link     `ip link set gw0 down` in the gateway (the upstream's up0
#            loses its carrier)
#   freeze   SIGSTOP of every process in the gateway's namespace (a hung
#            box: kernel alive, nothing running)
#   speaker  SIGSTOP of the BGP speaker only (BIRD, or bgpd: FRR's bfdd
#            goes on answering BFD, so only the hold timer can tell)
# Functions: bfd_lab_up, bfd_fault KIND, bfd_repair KIND, bfd_session_up,
# bfd_wait_session MS, bfd_last_error [PROTOCOL] (the upstream's `Last
# error` of gwpeer or gwpeer6), bfd_prepare_freeze.

LAB_BFD=${LAB_BFD:-1}

# bfd_bird_conf FILE IFACE: BFD into a lab BIRD config.
bfd_bird_conf()
{
	sed -i '/^\thold time 6;$/a\	bfd on;' "$1" &&
	sed -e "s|@IF@|$2|g" "$LAB_SRC/bird-bfd.conf" >>"$1"
}

# bfd_frr_conf: bfdd's config and the neighbor's `bfd profile` for bgpd
# (the IPv6 neighbor's too with LAB_BFD_IPV6=1).
bfd_frr_conf()
{
	local dir=$LAB/gw/frr
	lab_template gw-bfdd.conf >"$dir/bfdd.conf"
	cat "$LAB_SRC/gw-frr-bfd.conf" >>"$dir/bgpd.conf"
	[ "${LAB_BFD_IPV6:-0}" = 1 ] &&
		printf 'router bgp 65001\n neighbor %s bfd profile ANYCAST-BFD\nexit\n' \
		    "$LAB_UP6_ADDR" >>"$dir/bgpd.conf"
	chown frr:frr "$dir/bfdd.conf"
}

# bfd_nft_start: `nft -i` in the gateway namespace reading a FIFO that this
# shell keeps open ($BFD_NFT_FD), with the (empty) table labcut: the cut is
# then one `echo` (a builtin) instead of a fork of `ip netns exec nft`,
# which takes 90-190 ms on a busy machine and would be counted as detection
# time.  The namespace sweep of lab_down ends the nft.
bfd_nft_start()
{
	local fifo=$LAB/gw/nft.in
	[ -n "${BFD_NFT_FD:-}" ] && exec {BFD_NFT_FD}>&-
	mkfifo "$fifo" || return 1
	ip netns exec "$NS_GW" nft -i <"$fifo" >>"$LAB/gw/nft.log" 2>&1 &
	lab_bg_track $!
	disown $!
	exec {BFD_NFT_FD}>"$fifo"
	echo 'add table inet labcut; add chain inet labcut in { type filter hook input priority -300; }; add chain inet labcut out { type filter hook output priority -300; }' >&"$BFD_NFT_FD"
	wait_until 5000 eval 'ip netns exec "$NS_GW" nft list chain inet labcut out >/dev/null 2>&1' ||
		{ echo "lab: nft -i did not take the table: $(cat "$LAB/gw/nft.log")" >&2; return 1; }
}

# bfd_lab_up: lab_up without the gateway router, BFD into the configs
# (LAB_BFD=1), the router (FRR: zebra, bfdd, bgpd), then the BGP session
# and, with BFD, the upstream's BFD session Up.
bfd_lab_up()
{
	lab_up --no-router || return 1
	bfd_nft_start || return 1
	if [ "${LAB_BFD_IPV6:-0}" = 1 ]; then
		v6_prepare || return 1
	fi
	if [ "$LAB_BFD" = 1 ]; then
		bfd_bird_conf "$LAB/up/bird.conf" up0 &&
		up_birdc configure | grep -q Reconfigured ||
			{ echo "lab: upstream bird refused BFD" >&2; up_birdc configure check >&2; return 1; }
		if [ "$LAB_ROUTER" = frr ]; then
			bfd_frr_conf
		else
			bfd_bird_conf "$LAB/gw/bird.conf" gw0 || return 1
		fi
	fi
	if [ "$LAB_ROUTER" = frr ]; then
		gw_zebra_start || return 1
		if [ "$LAB_BFD" = 1 ]; then
			# lab_down's sweep of the namespace ends it
			lab_frr_daemon bfdd --bfdctl "$LAB/gw/frr/bfdd.sock" || return 1
		fi
		gw_bgpd_start || return 1
	else
		gw_bird_start || return 1
	fi
	wait_for_bgp 20000 || { echo "lab: BGP session did not come up" >&2; return 1; }
	if [ "${LAB_BFD_IPV6:-0}" = 1 ]; then
		v6_wait_for_bgp 20000 || { echo "lab: IPv6 BGP session did not come up" >&2; return 1; }
	fi
	[ "$LAB_BFD" = 1 ] || return 0
	bfd_wait_session 10000 || { echo "lab: BFD session not Up" >&2; up_birdc show bfd sessions >&2; return 1; }
}

# The upstream's BFD session(s) to the gateway are Up (now / within MS).
bfd_session_up()
{
	local out
	out=$(up_birdc show bfd sessions 2>/dev/null)
	printf '%s\n' "$out" | grep -Eq "^$LAB_GW_ADDR +up0 +Up " || return 1
	[ "${LAB_BFD_IPV6:-0}" = 1 ] || return 0
	printf '%s\n' "$out" | grep -Eq "^$LAB_GW6_ADDR +up0 +Up "
}
bfd_wait_session() { wait_until "$1" bfd_session_up; }

# bfd_last_error [PROTOCOL]: why the upstream's session to the gateway
# (gwpeer, or gwpeer6) last went down.
bfd_last_error()
{
	up_birdc show protocols all "${1:-gwpeer}" 2>/dev/null | sed -n 's/^ *Last error: *//p'
}

# bfd_prepare_freeze: the gateway namespace's pids in $BFD_FROZEN, taken
# before the fault so that the fault is a single `kill`.
bfd_prepare_freeze() { BFD_FROZEN=$(ip netns pids "$NS_GW" | tr '\n' ' '); }

# bfd_fault KIND / bfd_repair KIND (cut, link, freeze, speaker; see above).
bfd_fault()
{
	case "$1" in
	cut) echo 'add rule inet labcut in iifname "gw0" drop; add rule inet labcut out oifname "gw0" drop' >&"$BFD_NFT_FD" ;;
	link) ip -n "$NS_GW" link set gw0 down ;;
	freeze) kill -STOP $BFD_FROZEN 2>/dev/null ;;
	speaker) gw_router_stop ;;
	*) echo "lab: no fault '$1'" >&2; return 1 ;;
	esac
}

bfd_repair()
{
	case "$1" in
	cut) echo 'flush chain inet labcut in; flush chain inet labcut out' >&"$BFD_NFT_FD" ;;
	link)
		ip -n "$NS_GW" link set gw0 up || return 1
		# an interface set down loses its IPv6 addresses
		[ "${LAB_BFD_IPV6:-0}" = 1 ] &&
			ip -n "$NS_GW" addr replace "$LAB_GW6_ADDR/126" dev gw0 nodad
		return 0 ;;
	freeze) kill -CONT $BFD_FROZEN 2>/dev/null ;;
	speaker) gw_router_cont ;;
	*) echo "lab: no fault '$1'" >&2; return 1 ;;
	esac
}
