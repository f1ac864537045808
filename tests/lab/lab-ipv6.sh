# lab-ipv6.sh - the lab's IPv6 anycast prefix, beside the IPv4 one: an IPv6
# BGP session between the gateway router (BIRD or FRR) and the upstream BIRD
# over the same veth, and 2001:db8:a::1/128 originated as the shipped
# snippets say (BIRD: static anycast6 with its degraded and drain twins;
# FRR: `network` under `address-family ipv6 unicast`, put there by the
# daemon).  Source it after lab.sh; used by tests/integration/ipv6.sh.
#
#   gateway gw0  10.99.0.1/30  2001:db8:99::1/126  -- eBGP x2 --  up0 ...::2
#
# Functions: v6_lab_up, v6_prepare, v6_template FILE, v6_write_config FILE,
# v6_wait_for_bgp MS, v6_has_prefix, v6_wait present|absent MS,
# v6_route_attr ATTR (e.g. BGP.as_path at the upstream), v6_wait_attr ATTR
# WANT MS.  Run a lab.sh RIB helper on the IPv6 prefix with
# `LAB_PREFIX=$LAB_PREFIX6 lab_measure ...` (bash keeps such an assignment
# for the function's run).

LAB_PREFIX6=2001:db8:a::1/128
LAB_GW6_ADDR=2001:db8:99::1
LAB_UP6_ADDR=2001:db8:99::2

# v6_template FILE: lab_template, then the IPv6 addresses.
v6_template()
{
	lab_template "$1" | sed -e "s|@GW6_ADDR@|$LAB_GW6_ADDR|g" -e "s|@UP6_ADDR@|$LAB_UP6_ADDR|g"
}

# v6_write_config FILE: the daemon's config with both prefixes for the
# lab's router (daemon-ipv6.json or daemon-frr-ipv6.json).
v6_write_config()
{
	local t=daemon-ipv6.json
	[ "$LAB_ROUTER" = frr ] && t=daemon-frr-ipv6.json
	v6_template "$t" >"$1"
}

# v6_lab_up: lab_up without the gateway router, v6_prepare, the router;
# waits for both sessions.
v6_lab_up()
{
	lab_up --no-router && v6_prepare && gw_router_start || return 1
	wait_for_bgp 20000 && v6_wait_for_bgp 20000 ||
		{ echo "lab: BGP sessions did not come up" >&2; return 1; }
}

# v6_prepare (after lab_up --no-router, before the gateway router starts):
# the IPv6 addresses (nodad: usable at once), the upstream's gwpeer6
# (applied with `configure`) and the gateway router's IPv6 half.
v6_prepare()
{
	ip -n "$NS_GW" addr add "$LAB_GW6_ADDR/126" dev gw0 nodad &&
	ip -n "$NS_UP" addr add "$LAB_UP6_ADDR/126" dev up0 nodad || return 1
	v6_template upstream-bird-ipv6.conf >>"$LAB/up/bird.conf"
	up_birdc configure | grep -q Reconfigured ||
		{ echo "lab: upstream bird refused gwpeer6" >&2; up_birdc configure check >&2; return 1; }
	if [ "$LAB_ROUTER" = frr ]; then
		v6_template gw-frr-ipv6.conf >>"$LAB/gw/frr/bgpd.conf"
		ip -n "$NS_GW" addr add "$LAB_PREFIX6" dev lo
	else
		v6_template gw-bird-ipv6.conf >>"$LAB/gw/bird.conf"
		printf 'define ANYCAST6_OFF = 1;\ndefine ANYCAST6_DEGRADED_OFF = 1;\ndefine ANYCAST6_DRAIN_OFF = 1;\n' \
		    >>"$LAB/gw/bird-state.conf"
	fi
}

# The upstream's IPv6 session is Established (now / within MS).
v6_established() { up_birdc show protocols gwpeer6 2>/dev/null | grep -q Established; }
v6_wait_for_bgp()
{
	wait_until "${1:-20000}" v6_established
}

v6_has_prefix() { LAB_PREFIX=$LAB_PREFIX6 upstream_has_prefix; }
v6_wait() { LAB_PREFIX=$LAB_PREFIX6 wait_for_upstream "$@"; }

# v6_route_attr ATTR: the value of ATTR (BGP.as_path, BGP.community) in the
# upstream's route for the IPv6 prefix; empty when absent.
v6_route_attr()
{
	up_birdc show route all "$LAB_PREFIX6" 2>/dev/null |
		awk -v a="$1:" '$1 == a { $1 = ""; sub(/^ +/, ""); sub(/ +$/, ""); print; exit }'
}

# v6_wait_attr ATTR WANT MS: ATTR becomes exactly WANT ("" = no such line).
v6_attr_is() { [ "$(v6_route_attr "$1")" = "$2" ]; }
v6_wait_attr() { wait_until "$3" v6_attr_is "$1" "$2"; }
