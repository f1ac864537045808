#!/bin/bash
# scale.sh - 1,000 prefixes over 200 services: how long the router takes to
# have every change after the verdicts, against real BIRD and FRR.
#
# 200 services, each with one tcp probe (default timings) on one local
# listener; 1,000 prefixes, five per service (bird: a static protocol each;
# bird-sets: BIRD with router/bird/pattern prefix-sets, one static protocol
# whose import filter tests the state file's sets; FRR: a `network` line
# each).  The listener is stopped (every probe is
# refused: all services go DOWN) and started again (all UP).  For each
# direction it prints the time from the fault to the last service verdict
# (from the daemon's log, time-stamped as it is written) and from that last
# verdict to the router having all 1,000 changes, read from the router
# itself: BIRD's `show protocols` on its control socket (all p* down / up),
# for bird-sets `show route protocol anycast_sets4 count` (0 / 1,000 routes),
# bgpd's `show running-config` on its vty socket (no / all network lines).
# Then the daemon's loop lag (its anycast_healthd_loop_lag_seconds
# histogram from GET /metrics: p99 and max bucket) and its memory: RssAnon
# with 1,000 prefixes, 200 prefixes and 40 services for each BIRD pattern, so per prefix and per
# service.  No network namespace: the routers run with their own sockets in
# a temp dir (bgpd with -Z -p 0 -P 0), the probes go to 127.0.0.1.
#
# Usage (root, for bgpd's user): tests/bench/scale.sh path/to/anycast-healthd
# Environment: BENCH_SCALE_ROUTERS ("bird bird-sets frr"), BENCH_SCALE_RUNS (3 per
# router and direction), BENCH_SCALE_PORT (18321; the API on the next one),
# BENCH_SCALE_KEEP=1 keeps the temp dir.  Per-run lines go to stderr.
set -euo pipefail
daemon=$(readlink -f "$1")
routers=${BENCH_SCALE_ROUTERS:-bird bird-sets frr}
runs=${BENCH_SCALE_RUNS:-3}
port=${BENCH_SCALE_PORT:-18321}
work=$(mktemp -d /tmp/ahd-bench-scale.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
[ -n "${BENCH_SCALE_KEEP:-}" ] && trap - EXIT

# config N_SERVICES N_PREFIXES ROUTER: the daemon's config on stdout.
config() {
	awk -v s="$1" -v n="$2" -v r="$3" -v w="$work" -v port="$port" 'BEGIN {
		printf "{ \"anycast-healthd:anycast-healthd\": {\n"
		if (r == "bird" || r == "bird-sets")
			printf "  \"router\": { \"bird\": { \"control-socket\": \"%s/bird.ctl\", " \
			    "\"state-file\": \"%s/bird-state.conf\"%s } },\n", w, w,
			    r == "bird-sets" ? ", \"pattern\": \"prefix-sets\"" : ""
		else
			printf "  \"router\": { \"frr\": { \"vty-socket\": \"%s/frr/bgpd.vty\", " \
			    "\"asn\": 65001 } },\n", w
		printf "  \"api\": { \"listen-address\": \"127.0.0.1\", \"listen-port\": %d, " \
		    "\"admin-socket\": \"%s/admin.sock\", \"admin-state-file\": \"%s/admin.json\" },\n",
		    port + 1, w, w
		printf "  \"service\": [\n"
		for (i = 0; i < s; i++)
			printf "    { \"name\": \"svc%d\", \"probe\": [ { \"name\": \"tcp\", \"tcp\": " \
			    "{ \"address\": \"127.0.0.1\", \"port\": %d } } ] }%s\n", i, port,
			    i < s - 1 ? "," : ""
		printf "  ],\n  \"prefix\": [\n"
		for (i = 0; i < n; i++)
			printf "    { \"prefix\": \"10.%d.%d.0/24\", \"depends-on\": [\"svc%d\"]%s }%s\n",
			    int(i / 256), i % 256, i % s,
			    r == "bird" ? sprintf(", \"bird\": { \"protocol\": \"p%d\" }", i) : "",
			    i < n - 1 ? "," : ""
		printf "  ]\n} }\n"
	}'
}

bird_conf() {	# N PATTERN: bird.conf with N static protocols (or N routes) on stdout
	awk -v n="$1" -v pat="$2" -v w="$work" 'BEGIN {
		printf "router id 192.0.2.254;\ninclude \"%s/bird-state.conf\";\nprotocol device {}\n", w
		if (pat == "bird-sets") {
			print "function anycast_sets4_import() {"
			print "\tif net ~ ANYCAST_DRAINING4 then { bgp_community.add((65535, 0)); return true; }"
			print "\tif net ~ ANYCAST_DEGRADED4 then { bgp_path.prepend(65001); return true; }"
			print "\treturn net ~ ANYCAST_ANNOUNCED4;\n}"
			print "protocol static anycast_sets4 { ipv4 { import where anycast_sets4_import(); };"
			for (i = 0; i < n; i++)
				printf "\troute 10.%d.%d.0/24 blackhole;\n", int(i / 256), i % 256
			print "}"
			exit
		}
		for (i = 0; i < n; i++)
			printf "protocol static p%d { disabled P%d_OFF; ipv4; " \
			    "route 10.%d.%d.0/24 blackhole; }\n", i, i, int(i / 256), i % 256
	}'
}

start_bird() {	# N PATTERN
	bird_conf "$1" "$2" >"$work/bird.conf"
	rm -f "$work/bird-state.conf"
	"$daemon" --init-bird-state -c "$work/config.json"
	bird -f -c "$work/bird.conf" -s "$work/bird.ctl" -P "$work/bird.pid" \
		>>"$work/router.log" 2>&1 &
	pids+=($!)
	router_pid=$!
}

start_frr() {
	mkdir -p "$work/frr"
	cat >"$work/frr/frr.conf" <<-EOF
	frr defaults traditional
	router bgp 65001
	 bgp router-id 192.0.2.254
	 no bgp network import-check
	exit
	EOF
	chown -R frr:frr "$work/frr"
	/usr/lib/frr/bgpd -Z -p 0 -P 0 --vty_socket "$work/frr" -i "$work/frr/bgpd.pid" \
		-f "$work/frr/frr.conf" -z "$work/frr/zserv.api" >>"$work/router.log" 2>&1 &
	pids+=($!)
	router_pid=$!
}

stop_router() {
	kill "$router_pid" 2>/dev/null || true
	wait "$router_pid" 2>/dev/null || true
}

# The measuring side: listener, daemon, router watcher, all in one process
# so every timestamp comes from one clock.
measure() {	# ROUTER MODE(full|rss) N_PREFIXES
	ROUTER=$1 MODE=$2 NPFX=$3 WORK=$work PORT=$port RUNS=$runs DAEMON=$daemon \
	python3 - <<-'EOF'
	import os, re, socket, subprocess, sys, threading, time, urllib.request
	router, mode, npfx = os.environ["ROUTER"], os.environ["MODE"], int(os.environ["NPFX"])
	work, port, runs = os.environ["WORK"], int(os.environ["PORT"]), int(os.environ["RUNS"])

	class Listener:
	    def start(self):
	        self.s = socket.socket(); self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	        self.s.bind(("127.0.0.1", port)); self.s.listen(1024); self.stop = False
	        threading.Thread(target=self.serve, daemon=True).start()
	    def serve(self):
	        while not self.stop:
	            try: c, _ = self.s.accept(); c.close()
	            except OSError: return
	    def close(self):
	        self.stop = True; self.s.close()

	def vty_cmd(s, cmd):
	    s.sendall(cmd.encode() + b"\0"); buf = b""
	    while not (len(buf) >= 4 and buf[-4:-1] == b"\0\0\0"):
	        d = s.recv(65536)
	        if not d: raise EOFError
	        buf += d
	    return buf[:-4].decode(errors="replace")

	def bird_cmd(s, cmd):
	    s.sendall(cmd.encode() + b"\n"); buf = b""
	    while not re.search(rb"(^|\n)\d{4} [^\n]*\n$", buf):
	        d = s.recv(65536)
	        if not d: raise EOFError
	        buf += d
	    return buf.decode(errors="replace")

	def router_socket():
	    s = socket.socket(socket.AF_UNIX)
	    if router.startswith("bird"):
	        s.connect(work + "/bird.ctl"); s.recv(4096)
	    else:
	        s.connect(work + "/frr/bgpd.vty"); vty_cmd(s, "enable")
	    return s

	def announced(s):	# how many of the prefixes the router announces now
	    if router == "bird-sets":
	        out = bird_cmd(s, "show route protocol anycast_sets4 count")
	        m = re.search(r"(\d+) of \d+ routes", out)
	        if m is None and out.startswith("8004"):	# cut by the daemon's configure
	            return -1
	        if m is None: sys.exit("scale: bird-sets count: " + out)
	        return int(m.group(1))
	    if router == "bird":
	        out = bird_cmd(s, "show protocols")
	        return len(re.findall(r"(?m)^(?:1002-| )p\d+\s+Static\s+\S+\s+up\b", out))
	    out = vty_cmd(s, "show running-config")
	    return len(re.findall(r"(?m)^  network 10\.", out))

	log_lines = []	# (time, line)
	def reader(f):
	    for line in iter(f.readline, b""):
	        log_lines.append((time.time(), line.decode(errors="replace")))

	def wait(cond, secs, what):
	    end = time.time() + secs
	    while time.time() < end:
	        if cond(): return
	        time.sleep(0.02)
	    sys.stderr.write("".join(l for _, l in log_lines[-20:]))
	    sys.exit("scale: timed out waiting for " + what)

	def rss_anon(pid):
	    for l in open("/proc/%d/status" % pid):
	        if l.startswith("RssAnon:"): return int(l.split()[1])

	lst = Listener(); lst.start()
	for _ in range(500):
	    try: s = router_socket(); break
	    except OSError: time.sleep(0.02)
	else: sys.exit("scale: the router does not answer")
	d = subprocess.Popen([os.environ["DAEMON"], "-c", work + "/config.json"],
	                     stderr=subprocess.PIPE)
	threading.Thread(target=reader, args=(d.stderr,), daemon=True).start()
	try:
	    wait(lambda: announced(s) == npfx, 60, "all prefixes announced")
	    if mode == "rss":
	        time.sleep(1); print(rss_anon(d.pid)); sys.exit(0)
	    results = []
	    for run in range(runs):
	        for down in (True, False):
	            mark = len(log_lines)
	            t_fault = time.time()
	            lst.close() if down else lst.start()
	            want = 0 if down else npfx
	            # every 5 ms: a watcher asking all the time would slow the
	            # router down (BIRD answers it between the daemon's commands)
	            while announced(s) != want:
	                if time.time() - t_fault > 60: sys.exit("scale: router never got there")
	                time.sleep(0.005)
	            t_router = time.time()
	            arrow = "UP -> DOWN" if down else "DOWN -> UP"
	            time.sleep(0.2)	# the log reader catches up
	            ts = [t for t, l in log_lines[mark:] if re.search(r": svc\d+: " + arrow, l)]
	            if len(ts) != 200:
	                sys.exit("scale: %d verdicts logged" % len(ts))
	            results.append((down, ts[0] - t_fault, ts[-1] - t_fault, t_router - ts[-1]))
	            print("%s run %d %s: first verdict %.0f ms, last %.0f ms, router done %.0f ms "
	                  "after the last" % (router, run + 1, "down" if down else "up",
	                  results[-1][1] * 1e3, results[-1][2] * 1e3, results[-1][3] * 1e3),
	                  file=sys.stderr)
	            time.sleep(1.0)
	    m = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % (port + 1)).read().decode()
	    buckets = [(float(le), float(v)) for le, v in re.findall(
	        r'anycast_healthd_loop_lag_seconds_bucket\{le="([0-9.e+-]+)"\} (\S+)', m)]
	    total = re.search(r"anycast_healthd_loop_lag_seconds_count (\S+)", m)
	    total = float(total.group(1)) if total else 0	# a daemon without the metric
	    p99 = next((le for le, v in buckets if v >= 0.99 * total), float("nan"))
	    over = total - max([v for le, v in buckets if le <= 0.010] or [0])
	    worst = next((le for le, v in buckets if v >= total), float("nan"))
	    rss = rss_anon(d.pid)
	    for down in (True, False):
	        r = sorted(x[3] for x in results if x[0] == down)
	        print("| %s | %s | %.0f / %.0f ms | %.0f / %.0f ms |" % (router,
	              "all DOWN -> withdrawn" if down else "all UP -> announced",
	              1e3 * sorted(x[2] for x in results if x[0] == down)[len(r) // 2],
	              1e3 * max(x[2] for x in results if x[0] == down),
	              1e3 * r[len(r) // 2], 1e3 * r[-1]))
	    print("LAG %s p99<=%gms iterations=%d over10ms=%d worst<=%gms rss=%d" %
	          (router, p99 * 1e3, total, over, worst * 1e3, rss))
	finally:
	    d.terminate(); d.wait()
	EOF
}

results=$work/results
: >"$results"
for r in $routers; do
	config 200 1000 "$r" >"$work/config.json"
	case $r in
	bird*) start_bird 1000 "$r" ;;
	*) start_frr ;;
	esac
	measure "$r" full 1000 >>"$results"
	stop_router
done
# memory: the same daemon with fewer prefixes, then fewer services (each
# BIRD pattern measured above)
mem=$work/memory
: >"$mem"
for r in $routers; do
	case $r in bird*) ;; *) continue ;; esac
	config 200 200 "$r" >"$work/config.json"; start_bird 200 "$r"
	rss200=$(measure "$r" rss 200); stop_router
	config 40 200 "$r" >"$work/config.json"; start_bird 200 "$r"
	rss40=$(measure "$r" rss 200); stop_router
	rss1000=$(grep "^LAG $r " "$results" | sed 's/.*rss=//')
	awk -v r="$r" -v a="$rss1000" -v b="$rss200" -v c="$rss40" 'BEGIN {
		printf "- memory (%s, RssAnon): %d kB with 200 services and 1,000 prefixes, %d kB with 200 prefixes, %d kB with 40 services and 200 prefixes: %.2f kB per prefix, %.2f kB per service\n",
		    r, a, b, c, (a - b) / 800, (b - c) / 160 }' >>"$mem"
done

echo "| router | services fail / recover | fault -> last verdict (median / max) | last verdict -> router has all 1,000 (median / max) |"
echo "|---|---|---:|---:|"
grep '^|' "$results"
echo
grep '^LAG' "$results" | while read -r _ r p99 it over worst rss; do
	echo "- $r: loop lag ${p99#p99}, ${worst#worst} (${it#iterations=} loop iterations, ${over#over10ms=} over 10 ms); RssAnon ${rss#rss=} kB with 1,000 prefixes"
done
cat "$mem"
echo
echo "(tests/bench/scale.sh $(basename "$daemon"), runs=$runs, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r))"
