#!/bin/bash
# run-reload.sh - the config as a running daemon meets it, with the real
# daemon, real signals and its admin socket (no root, no router: the BIRD
# socket is missing, one exec probe):
#   1. a SIGHUP sent while the daemon is still starting (right after it
#      opened its config, long before its signal watchers exist) does not
#      kill it: it starts, then reloads; five times;
#   2. SIGHUP with the config path replaced by a FIFO, then by a directory:
#      the reload is refused at once with the error naming what the file
#      is, the running config is kept, and the API keeps answering
#      (reading a FIFO without a writer used to block the loop);
#   3. the config back, SIGHUP: reloaded.
# Every wait is bounded.  Needs curl and inotifywait (inotify-tools).
#
#   top_srcdir=... top_builddir=... tests/config/run-reload.sh
: "${top_builddir:?set top_builddir}"

daemon=$top_builddir/anycast-healthd
if [ ! -x "$daemon" ]; then
	echo "run-reload: $daemon not built" >&2
	exit 99
fi
for tool in curl inotifywait; do
	command -v "$tool" >/dev/null || { echo "run-reload: $tool is missing (tests/install-deps.sh)"; exit 77; }
done

work=$(mktemp -d /tmp/ahd-reload.XXXXXX) || exit 99
pid=
iw=
cleanup() {
	[ -n "$iw" ] && kill "$iw" 2>/dev/null
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() {
	echo "FAIL: $1: $2"
	tail -n 15 "$work/daemon.log" 2>/dev/null | sed 's/^/    /'
	failed=$((failed + 1))
}

# 1,000 more services (a process probe each on a pidfile that is not there,
# every 60 s) make the start take a while after the config is opened, as a
# large config does: the window in which an early SIGHUP used to kill.
extra=$(awk 'BEGIN { for (i = 0; i < 1000; i++)
	printf ", { \"name\": \"x%d\", \"interval-ms\": 60000, \"probe\": [ { \"name\": \"p\", " \
	    "\"process\": { \"pidfile\": \"/nonexistent/x.pid\" } } ] }\n", i }')
cat >"$work/config.json" <<CONF
{ "anycast-healthd:anycast-healthd": {
    "router": { "bird": { "control-socket": "$work/bird.ctl", "state-file": "$work/state.conf" } },
    "service": [ { "name": "svc", "interval-ms": 1000, "timeout-ms": 500,
        "probe": [ { "name": "true", "exec": { "command": ["/bin/true"] } } ] }
        $extra ],
    "prefix": [ { "prefix": "192.0.2.1/32", "depends-on": ["svc"], "bird": { "protocol": "anycast4" } } ],
    "api": { "admin-socket": "$work/admin.sock", "admin-state-file": "$work/admin-state.json",
             "listen-port": 0 } } }
CONF
cp "$work/config.json" "$work/config.good"

# wait_until MS CMD...: poll CMD every 50 ms, at most MS milliseconds.
wait_until() {
	local left=$1
	shift
	until "$@"; do
		[ "$left" -le 0 ] && return 1
		sleep 0.05
		left=$((left - 50))
	done
}
alive() { kill -0 "$pid" 2>/dev/null; }
answers() {	# the admin socket serves GET /v1/status within 2 s
	curl -s -m 2 --unix-socket "$work/admin.sock" http://localhost/v1/status 2>/dev/null | grep -q '"prefixes"'
}
logged() { grep -q -e "$1" "$work/daemon.log"; }
# The daemon's exit, described: "killed by SIGHUP", "exit 1".
ended() {
	local rc=0
	wait "$pid" 2>/dev/null || rc=$?
	pid=
	if [ $rc -gt 128 ]; then echo "killed by SIG$(kill -l $((rc - 128)))"; else echo "exit $rc"; fi
}
stop_daemon() {
	kill -TERM "$pid" 2>/dev/null
	wait_until 10000 eval '! alive' || kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
}

# 1. SIGHUP during the start.  inotifywait reports the daemon's open of its
# config: main() is running, the config is being loaded, and the signal
# watchers come only after that (tens of milliseconds later).
for i in 1 2 3 4 5; do
	inotifywait -t 20 -e open "$work/config.json" >/dev/null 2>"$work/iw.err" &
	iw=$!
	wait_until 5000 grep -q "Watches established" "$work/iw.err" ||
		{ fail "early SIGHUP $i" "inotifywait did not start"; break; }
	: >"$work/daemon.log"
	"$daemon" -c "$work/config.json" 2>"$work/daemon.log" &
	pid=$!
	wait "$iw"
	iw=
	kill -HUP "$pid"
	if ! wait_until 10000 eval 'logged "reloaded" || ! alive'; then
		fail "early SIGHUP $i" "no reload within 10 s"
	elif ! alive; then
		fail "early SIGHUP $i" "the daemon died: $(ended)"
		continue
	elif ! answers; then
		fail "early SIGHUP $i" "the API does not answer"
	else
		pass "early SIGHUP $i: the daemon started, then reloaded"
	fi
	[ $i -lt 5 ] && stop_daemon
done

# 2. A FIFO, then a directory, where the config was.
if [ -z "$pid" ] || ! alive; then	# part 1 failed: a daemon of our own
	"$daemon" -c "$work/config.json" 2>"$work/daemon.log" &
	pid=$!
fi
wait_until 10000 answers || { fail "setup" "the daemon's API does not answer"; exit 1; }
for kind in FIFO directory; do
	rm -rf "$work/config.json"
	if [ $kind = FIFO ]; then mkfifo "$work/config.json"; else mkdir "$work/config.json"; fi
	mark=$(wc -l <"$work/daemon.log")
	kill -HUP "$pid"
	want="$work/config.json: -: cannot read: a $kind, not a regular file"
	if ! wait_until 5000 eval 'tail -n +$((mark + 1)) "$work/daemon.log" | grep -qF -e "$want"'; then
		answers && api=yes || api="no: the loop is blocked"
		fail "reload from a $kind" "no \"$want\" within 5 s (the API answers: $api)"
	elif ! tail -n +$((mark + 1)) "$work/daemon.log" | grep -q "not reloading: .* has errors; keeping the running config"; then
		fail "reload from a $kind" "not refused"
	elif ! alive || ! answers; then
		fail "reload from a $kind" "the daemon does not answer afterwards"
	else
		pass "reload from a $kind: refused at once, the API answers"
	fi
done

# 3. The config back.
rm -rf "$work/config.json"
cp "$work/config.good" "$work/config.json"
mark=$(wc -l <"$work/daemon.log")
kill -HUP "$pid"
if wait_until 10000 eval 'tail -n +$((mark + 1)) "$work/daemon.log" | grep -q "reloaded"' && answers; then
	pass "reload of the restored config"
else
	fail "reload of the restored config" "not reloaded"
fi
stop_daemon

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
