#!/bin/bash
# sessions.sh - what the BGP session read-back costs with 1,000 prefixes, in
# the namespaced lab (tests/lab/lab.sh), against real BIRD and FRR gateways
# with one Established eBGP session to the upstream BIRD that carries all
# 1,000 prefixes.
#
# The gateway router is the lab's with 1,000 prefixes 10.X.Y.0/24 (BIRD: a
# static protocol p0..p999 each and uppeer exporting 10.0.0.0/8{24,24};
# bgpd: `no bgp network import-check`, UP-OUT permitting them), the daemon
# drives them (one exec service, /bin/true) with readback-interval-ms 1000
# and debug logging.  Once the upstream has all 1,000, for BENCH_SESSIONS_S
# seconds (20) it reads the daemon's log as it is written and prints per
# router:
#   - the session read: from the command that starts it (BIRD: `show
#     protocols`, the read-back it shares; bgpd: `show bgp neighbors json`,
#     after the prefixes' read-back) to the table handed over (the debug line
#     "session NAME: Established, advertises 1000 of 1000 prefixes"):
#     median and max over the reads;
#   - the daemon's CPU time (utime + stime) per read-back period, which
#     includes the prefixes' own read-back (1,000 rows, or 1,000 `show bgp`
#     commands on bgpd).
#
# Usage (root): tests/bench/sessions.sh BUILDDIR
# Environment: BENCH_SESSIONS_ROUTERS ("bird frr"), BENCH_SESSIONS_S (20),
# LAB_KEEP=1 keeps the lab directory.

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"

BUILDDIR=$1
ROUTERS=${BENCH_SESSIONS_ROUTERS:-bird frr}
SECS=${BENCH_SESSIONS_S:-20}
N=1000

# The daemon's config: N prefixes on one always-UP service.
daemon_conf()
{
	awk -v n="$N" -v r="$LAB_ROUTER" -v lab="$LAB" 'BEGIN {
		printf "{ \"anycast-healthd:anycast-healthd\": {\n"
		if (r == "bird")
			printf "  \"router\": { \"bird\": { \"control-socket\": \"%s/gw/bird.ctl\", " \
			    "\"state-file\": \"%s/gw/bird-state.conf\" }, ", lab, lab
		else
			printf "  \"router\": { \"frr\": { \"vty-socket\": \"%s/gw/frr/bgpd.vty\", " \
			    "\"asn\": 65001 }, ", lab
		printf "\"readback-interval-ms\": 1000 },\n"
		printf "  \"api\": { \"admin-socket\": \"%s/gw/admin.sock\", " \
		    "\"admin-state-file\": \"%s/gw/admin.json\" },\n", lab, lab
		printf "  \"service\": [ { \"name\": \"ok\", \"probe\": [ { \"name\": \"true\", " \
		    "\"exec\": { \"command\": [\"/bin/true\"] } } ] } ],\n  \"prefix\": [\n"
		for (i = 0; i < n; i++)
			printf "    { \"prefix\": \"10.%d.%d.0/24\", \"depends-on\": [\"ok\"]%s }%s\n",
			    int(i / 256), i % 256,
			    r == "bird" ? sprintf(", \"bird\": { \"protocol\": \"p%d\" }", i) : "",
			    i < n - 1 ? "," : ""
		printf "  ]\n} }\n"
	}'
}

# The gateway BIRD: N statics (withdrawn until the daemon says) and uppeer.
gw_bird_conf()
{
	awk -v n="$N" -v lab="$LAB" -v gw="$LAB_GW_ADDR" -v up="$LAB_UP_ADDR" 'BEGIN {
		printf "log \"%s/gw/bird.log\" { warning, error };\nrouter id %s;\n", lab, gw
		printf "include \"%s/gw/bird-state.conf\";\nprotocol device { scan time 10; }\n", lab
		for (i = 0; i < n; i++)
			printf "protocol static p%d { disabled P%d_OFF; ipv4; " \
			    "route 10.%d.%d.0/24 blackhole; }\n", i, i, int(i / 256), i % 256
		printf "protocol bgp uppeer { local %s as 65001; neighbor %s as 65000; " \
		    "hold time 6; keepalive time 2; connect delay time 1; connect retry time 2; " \
		    "ipv4 { import none; export where net ~ [ 10.0.0.0/8{24,24} ]; }; }\n", gw, up
	}' >"$LAB/gw/bird.conf"
	awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "define P%d_OFF = 1;\n", i }' \
		>"$LAB/gw/bird-state.conf"
}

# The gateway bgpd: the lab's session, every 10.0.0.0/8 /24 let out.
gw_frr_conf()
{
	cat >"$LAB/gw/frr/bgpd.conf" <<-EOF
	frr defaults traditional
	hostname gw-bgpd
	log file $LAB/gw/frr/bgpd.log warnings
	ip prefix-list BENCH seq 5 permit 10.0.0.0/8 ge 24 le 24
	route-map UP-IN deny 10
	exit
	route-map UP-OUT permit 10
	 match ip address prefix-list BENCH
	exit
	router bgp 65001
	 bgp router-id $LAB_GW_ADDR
	 no bgp network import-check
	 bgp graceful-restart-disable
	 neighbor $LAB_UP_ADDR remote-as 65000
	 neighbor $LAB_UP_ADDR timers 2 6
	 neighbor $LAB_UP_ADDR timers connect 2
	 neighbor $LAB_UP_ADDR advertisement-interval 0
	 address-family ipv4 unicast
	  neighbor $LAB_UP_ADDR route-map UP-IN in
	  neighbor $LAB_UP_ADDR route-map UP-OUT out
	 exit-address-family
	exit
	EOF
	chown frr:frr "$LAB/gw/frr/bgpd.conf"
}

upstream_routes() { up_birdc show route count 2>/dev/null | awk '/routes for/ { print $1; exit }'; }

# measure: the daemon in the gateway namespace, its log read as written.
measure()
{
	NS=$NS_GW DAEMON=$DAEMON CONF=$LAB/daemon.json UPCTL=$LAB/up/bird.ctl \
	ROUTER=$LAB_ROUTER SECS=$SECS NPFX=$N python3 - <<-'EOF'
	import os, re, subprocess, sys, threading, time
	router, secs, npfx = os.environ["ROUTER"], int(os.environ["SECS"]), int(os.environ["NPFX"])
	d = subprocess.Popen(["ip", "netns", "exec", os.environ["NS"], os.environ["DAEMON"], "-v",
	                      "-c", os.environ["CONF"]], stderr=subprocess.PIPE)
	lines = []
	def reader():
	    for l in iter(d.stderr.readline, b""):
	        lines.append((time.time(), l.decode(errors="replace")))
	threading.Thread(target=reader, daemon=True).start()
	def upstream():
	    out = subprocess.run(["birdc", "-s", os.environ["UPCTL"], "show", "route", "count"],
	                         capture_output=True, text=True).stdout
	    m = re.search(r"(\d+) of \d+ routes", out)
	    return int(m.group(1)) if m else 0
	def cpu():
	    f = open("/proc/%d/stat" % daemon_pid).read().rsplit(")", 1)[1].split()
	    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
	try:
	    end = time.time() + 120
	    while upstream() < npfx:
	        if time.time() > end or d.poll() is not None:
	            sys.stderr.write("".join(l for _, l in lines[-20:]))
	            sys.exit("bench: the upstream never had all %d prefixes" % npfx)
	        time.sleep(0.2)
	    daemon_pid = d.pid	# `ip netns exec` execs the daemon
	    time.sleep(2)
	    mark, c0, t0 = len(lines), cpu(), time.time()
	    time.sleep(secs)
	    c1, t1 = cpu(), time.time()
	    start_re = r"bird: > show protocols" if router == "bird" else r"frr: > neighbors"
	    done_re = r"session \S+: Established, advertises %d of %d prefixes" % (npfx, npfx)
	    reads, t_start = [], None
	    for t, l in lines[mark:]:
	        if re.search(start_re, l): t_start = t
	        elif re.search(done_re, l) and t_start is not None:
	            reads.append((t - t_start) * 1000); t_start = None
	    if not reads:
	        sys.stderr.write("".join(l for _, l in lines[-20:]))
	        sys.exit("bench: no session read seen")
	    reads.sort()
	    periods = (t1 - t0) / 1.0
	    print("| %s | %d | %.1f ms | %.1f ms | %.1f ms |" % (router, len(reads),
	          reads[len(reads) // 2], reads[-1], (c1 - c0) * 1000 / periods))
	finally:
	    d.terminate()
	    d.wait()
	EOF
}

run_router()
{
	LAB_ROUTER=$1
	lab_init "$BUILDDIR" || return 1
	lab_up --no-router || return 1
	if [ "$LAB_ROUTER" = frr ]; then gw_frr_conf; else gw_bird_conf; fi
	gw_router_start || return 1
	wait_for_bgp 20000 || { echo "bench: the session did not come up" >&2; return 1; }
	daemon_conf >"$LAB/daemon.json"
	measure
	local rc=$?
	lab_down
	return $rc
}

echo "| router | reads | session read, median | max | daemon CPU per read-back period (1 s) |"
echo "|---|---|---|---|---|"
rc=0
for r in $ROUTERS; do
	run_router "$r" || rc=1
done
exit $rc
