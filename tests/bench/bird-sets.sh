#!/bin/bash
# bird-sets.sh - can BIRD 2 switch 1,000 anycast prefixes within 250 ms with
# ONE static protocol and prefix sets in the state file?  Measured by hand on
# the real BIRD, before any driver code: a gateway BIRD with one static
# protocol carrying 1,000 /24s and an upstream BIRD peering with it over a
# veth pair between two network namespaces.  Each run rewrites the state
# file (the sets: every prefix withdrawn, then none), sends one `configure`
# on the gateway's control socket and polls the upstream's `show route
# count` every 2 ms until it has all 1,000 changes.
#
# Two places for the set test:
#  export: the BGP session's export filter tests the sets (`net ~
#          ANYCAST_WITHDRAWN4` -> reject).  configure re-feeds the channel.
#  import: the static protocol's import filter tests them (reject, or add
#          the prepends / GRACEFUL_SHUTDOWN).  configure reloads the static
#          protocol: its routes are re-announced through the filter.
# Then the cost of `configure` itself with a large bird.conf around the
# pattern (BIRD re-reads and compares the whole file): the import variant
# next to 2,000 unrelated static protocols.
#
# Usage (root): tests/bench/bird-sets.sh
# Environment: BENCH_BIRD_SETS_RUNS (10 per variant and direction).
set -euo pipefail
runs=${BENCH_BIRD_SETS_RUNS:-10}
tag=bsets$$
work=$(mktemp -d /tmp/ahd-bench-bird-sets.XXXXXX)
chmod 755 "$work"
cleanup() {
	local f
	for f in "$work"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	ip netns del "$tag-gw" 2>/dev/null || true
	ip netns del "$tag-up" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

ip netns add "$tag-gw"
ip netns add "$tag-up"
ip link add "${tag}g" type veth peer name "${tag}u"
ip link set "${tag}g" netns "$tag-gw"
ip link set "${tag}u" netns "$tag-up"
ip -n "$tag-gw" addr add 10.98.0.1/30 dev "${tag}g"
ip -n "$tag-up" addr add 10.98.0.2/30 dev "${tag}u"
for n in gw up; do
	ip -n "$tag-$n" link set lo up
	ip -n "$tag-$n" link set "${tag}${n:0:1}" up
done

# state N: the sets with the first N prefixes withdrawn (write, then rename)
state() {
	awk -v n="$1" 'BEGIN {
		printf "define ANYCAST_WITHDRAWN4 = [ 0.0.0.0/32"
		for (i = 0; i < n; i++) printf ", 10.%d.%d.0/24", int(i / 256), i % 256
		printf " ];\ndefine ANYCAST_DEGRADED4 = [ 0.0.0.0/32 ];\n"
		printf "define ANYCAST_DRAIN4 = [ 0.0.0.0/32 ];\n" }' >"$work/state.new"
	mv "$work/state.new" "$work/state.conf"
}

gw_conf() {	# VARIANT(export|import) EXTRA_PROTOCOLS
	awk -v v="$1" -v extra="$2" -v w="$work" 'BEGIN {
		printf "router id 10.98.0.1;\ninclude \"%s/state.conf\";\nprotocol device {}\n", w
		print "function anycast_sets4_filter() {"
		print "\tif net ~ ANYCAST_WITHDRAWN4 then return false;"
		print "\tif net ~ ANYCAST_DRAIN4 then { bgp_community.add((65535, 0));"
		print "\t\tbgp_path.prepend(65001); bgp_path.prepend(65001); }"
		print "\telse if net ~ ANYCAST_DEGRADED4 then {"
		print "\t\tbgp_path.prepend(65001); bgp_path.prepend(65001); }"
		print "\treturn true;\n}"
		im = v == "import" ? "import where anycast_sets4_filter();" : ""
		ex = v == "export" ? " && anycast_sets4_filter()" : ""
		printf "protocol static anycast_sets4 { ipv4 { %s };\n", im
		for (i = 0; i < 1000; i++) printf "\troute 10.%d.%d.0/24 blackhole;\n", int(i / 256), i % 256
		print "}"
		for (i = 0; i < extra; i++)
			printf "protocol static x%d { ipv4; route 172.%d.%d.0/24 blackhole; }\n",
			    i, 16 + int(i / 256), i % 256
		print "protocol bgp up { local 10.98.0.1 as 65001; neighbor 10.98.0.2 as 65000;"
		printf "\tipv4 { import none; export where proto = \"anycast_sets4\"%s; }; }\n", ex
	}' >"$work/gw.conf"
}

cat >"$work/up.conf" <<EOF
router id 10.98.0.2;
protocol device {}
protocol bgp gwpeer { local 10.98.0.2 as 65000; neighbor 10.98.0.1 as 65001;
	ipv4 { import all; export none; }; }
EOF

state 0
gw_conf import 0
ip netns exec "$tag-gw" bird -c "$work/gw.conf" -s "$work/gw.ctl" -P "$work/gw.pid"
ip netns exec "$tag-up" bird -c "$work/up.conf" -s "$work/up.ctl" -P "$work/up.pid"

measure() {	# VARIANT EXTRA
	gw_conf "$1" "$2"
	VARIANT=$1 EXTRA=$2 WORK=$work RUNS=$runs python3 - <<-'EOF'
	import os, re, socket, sys, time
	work, runs = os.environ["WORK"], int(os.environ["RUNS"])
	def conn(p):
	    for _ in range(500):
	        try:
	            s = socket.socket(socket.AF_UNIX); s.connect(p); s.recv(4096); return s
	        except OSError: time.sleep(0.02)
	    sys.exit("bird-sets: no control socket " + p)
	def cmd(s, c):
	    s.sendall(c.encode() + b"\n"); buf = b""
	    while not re.search(rb"(^|\n)\d{4} [^\n]*\n$", buf):
	        d = s.recv(65536)
	        if not d: raise EOFError
	        buf += d
	    return buf.decode()
	def state(n):
	    w = ", ".join(["0.0.0.0/32"] + ["10.%d.%d.0/24" % (i // 256, i % 256) for i in range(n)])
	    open(work + "/state.new", "w").write("define ANYCAST_WITHDRAWN4 = [ %s ];\n"
	        "define ANYCAST_DEGRADED4 = [ 0.0.0.0/32 ];\n"
	        "define ANYCAST_DRAIN4 = [ 0.0.0.0/32 ];\n" % w)
	    os.rename(work + "/state.new", work + "/state.conf")
	gw, up = conn(work + "/gw.ctl"), conn(work + "/up.ctl")
	def count():
	    o = cmd(up, "show route count")
	    return int(re.search(r"(\d+) of \d+ routes for \d+ networks in table master4", o).group(1))
	state(0)
	r = cmd(gw, "configure")
	if "0003 Reconfigured" not in r: sys.exit("bird-sets: configure: " + r)
	end = time.time() + 60
	while count() != 1000:
	    if time.time() > end: sys.exit("bird-sets: the session never carried 1,000")
	    time.sleep(0.05)
	since = cmd(gw, "show protocols up").split("\n")[1].split()[4]
	res = {True: [], False: []}
	for run in range(runs):
	    for down in (True, False):
	        state(1000 if down else 0)
	        t0 = time.time()
	        r = cmd(gw, "configure")
	        t1 = time.time()
	        if "0003 Reconfigured" not in r: sys.exit("bird-sets: configure: " + r)
	        want = 0 if down else 1000
	        while count() != want:
	            if time.time() - t0 > 30: sys.exit("bird-sets: upstream never got there")
	            time.sleep(0.002)
	        res[down].append((t1 - t0, time.time() - t0))
	        time.sleep(0.3)
	if cmd(gw, "show protocols up").split("\n")[1].split()[4] != since:
	    sys.exit("bird-sets: the BGP session went down")
	for down in (True, False):
	    c = sorted(x[0] for x in res[down]); u = sorted(x[1] for x in res[down])
	    print("| %s | %s | %s | %.0f / %.0f ms | %.0f / %.0f ms |" % (
	        os.environ["VARIANT"], os.environ["EXTRA"],
	        "1,000 withdrawn" if down else "1,000 announced",
	        1e3 * c[len(c) // 2], 1e3 * c[-1], 1e3 * u[len(u) // 2], 1e3 * u[-1]))
	EOF
}

echo "| set test in | other static protocols | change | configure answered (median / max) | upstream has all 1,000 (median / max) |"
echo "|---|---:|---|---:|---:|"
measure export 0
measure import 0
measure import 2000
echo
echo "(tests/bench/bird-sets.sh, runs=$runs, $(bird --version 2>&1), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
