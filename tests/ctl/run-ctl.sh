#!/bin/bash
# End-to-end tests of the anycast-healthctl binary: usage errors, exit codes,
# unreachable endpoints, --json pass-through, the admin verbs' requests (with
# --force) and the daemon's refusals (the fleet guard's included), the fleet
# check flagging a disagreement, and the store's fleet view (GET /v1/fleet).
#
# The daemon is played by a tiny fake HTTP server (python3's http.server) on
# a Unix socket (the admin socket) and on loopback ports (--url, fleet); it
# answers from files and logs every request so the test can check what the
# CLI sent.  When the real daemon is built ($top_builddir/anycast-healthd)
# the last part runs the CLI against it too (exec probes, BIRD absent).
#
#   top_srcdir=... top_builddir=... tests/ctl/run-ctl.sh
#   CTL=/path/to/anycast-healthctl DAEMON=/path/to/anycast-healthd tests/ctl/run-ctl.sh
#
# Prints one PASS/FAIL line per check and "N passed, N failed" last; exits 1
# on any failure, 77 (skip) without python3 or the binary.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
CTL=${CTL:-$top_builddir/anycast-healthctl}
DAEMON=${DAEMON:-$top_builddir/anycast-healthd}
fixtures=$top_srcdir/tests/ctl

if [ ! -x "$CTL" ]; then
	echo "run-ctl: $CTL not built" >&2
	exit 77
fi
if ! command -v python3 >/dev/null; then
	echo "run-ctl: python3 not found (the fake daemon needs it)" >&2
	exit 77
fi

tmp=$(mktemp -d) || exit 99
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

passed=0
failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() {
	echo "FAIL: $1: $2"
	echo "  --- stdout"; sed 's/^/  | /' "$tmp/out"
	echo "  --- stderr"; sed 's/^/  | /' "$tmp/err"
	failed=$((failed + 1))
}

# run NAME WANT_RC CMD...: run the CLI (no terminal: no colour), keep its output.
run() {
	local name=$1 want=$2 rc
	shift 2
	"$CTL" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	last=$name
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit $rc, wanted $want"
		return 1
	fi
	return 0
}
# has STREAM TEXT: the last run's stdout/stderr contains TEXT (fixed string).
has() {
	if grep -qF -- "$2" "$tmp/$1"; then
		return 0
	fi
	fail "$last" "$1 lacks '$2'"
	return 1
}
ok() { pass "$last"; }

# ---- the fake daemon ----
cat >"$tmp/fake.py" <<'EOF'
# fake.py DIR (--unix PATH | --tcp): answer METHOD PATH from DIR/METHOD_PATH
# (slashes as _), status from DIR/METHOD_PATH.code (default 200), after
# DIR/METHOD_PATH.delay seconds; 404 {"error"} otherwise.  Every request is
# appended to DIR/requests.log as "METHOD PATH BODY".
import http.server, os, socket, socketserver, sys, time

root = sys.argv[1]

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def address_string(self):
        return "fake"

    def answer(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        with open(os.path.join(root, "requests.log"), "a") as log:
            log.write("%s %s %s\n" % (method, self.path, body))
        key = os.path.join(root, method + self.path.split("?")[0].replace("/", "_"))
        if os.path.exists(key + ".delay"):
            time.sleep(float(open(key + ".delay").read()))
        if os.path.exists(key):
            code = int(open(key + ".code").read()) if os.path.exists(key + ".code") else 200
            data = open(key, "rb").read()
        else:
            code, data = 404, b'{"error": "no such endpoint"}'
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.answer("GET")

    def do_POST(self):
        self.answer("POST")

class Quiet:
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass    # the CLI gave up (--timeout): expected

class UnixServer(Quiet, socketserver.ThreadingMixIn, socketserver.UnixStreamServer):

    def get_request(self):
        conn, _ = super().get_request()
        return conn, ("fake", 0)

class TCPServer(Quiet, socketserver.ThreadingMixIn, http.server.HTTPServer):
    pass

if sys.argv[2] == "--unix":
    server = UnixServer(sys.argv[3], Handler)
else:
    server = TCPServer(("127.0.0.1", 0), Handler)
    with open(os.path.join(root, "port.tmp"), "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(os.path.join(root, "port.tmp"), os.path.join(root, "port"))
# Stop by itself, whatever happens to the test.
server.timeout = 1
deadline = time.time() + 120
while time.time() < deadline:
    server.handle_request()
EOF

# fake DIR --unix PATH | fake DIR --tcp: start one, wait until it listens.
fake() {
	local dir=$1 i
	mkdir -p "$dir"
	python3 "$tmp/fake.py" "$@" &
	pids+=($!)
	for i in $(seq 50); do
		if { [ "$2" = --unix ] && [ -S "$3" ]; } || [ -s "$dir/port" ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "run-ctl: the fake server in $dir did not start" >&2
	exit 99
}

# ---- usage errors (no server needed) ----
run "no verb" 2 && has err "no verb given" && has err "usage: anycast-healthctl" && ok
run "unknown verb" 2 frobnicate && has err "anycast-healthctl: unknown verb 'frobnicate'" && ok
run "unknown option" 2 status --all && has err "status: unknown option '--all'" && ok
run "bad timeout" 2 --timeout 0 status && has err "--timeout '0' is not a number of seconds" && ok
run "bad limit" 2 history --limit x && has err "history: --limit 'x' is not a count" && ok
run "missing value" 2 history --limit && has err "history: option '--limit' needs a value" && ok
run "drain without prefix" 2 drain && has err "drain: give one PREFIX or --all" && ok
run "drain prefix and --all" 2 drain 192.0.2.1/32 --all && has err "drain: give one PREFIX or --all" && ok
run "bad prefix text" 2 maintenance 192.0.2.300/32 &&
	has err "maintenance: '192.0.2.300/32' is not a prefix (ADDRESS/LENGTH, e.g. 192.0.2.1/32)" && ok
run "bad prefix length" 2 resume 2001:db8::/129 && has err "'2001:db8::/129' is not a prefix" && ok
run "extra argument" 2 status now && has err "status: unexpected argument 'now'" && ok
run "fleet view, no daemon" 2 --socket "$tmp/nothing.sock" fleet &&
	has err "cannot reach anycast-healthd at $tmp/nothing.sock: No such file or directory" && ok
run "fleet --expect with URLs" 2 fleet --expect gw1 http://127.0.0.1:1 &&
	has err "fleet: --expect is for the store's view (no URL)" && ok
run "fleet --expect empty name" 2 --socket "$tmp/nothing.sock" fleet --expect gw1,,gw2 &&
	has err "fleet: --expect 'gw1,,gw2' is not a list of node names (NODE,NODE,...)" && ok
run "--expect elsewhere" 2 status --expect gw1 && has err "status: unknown option '--expect'" && ok
run "--force elsewhere" 2 resume --force --all && has err "resume: unknown option '--force'" && ok
run "help" 0 --help && has out "usage: anycast-healthctl [options] VERB [args]" &&
	has out "fleet [--json] [--expect NODE,...] | fleet [--json] URL..." &&
	has out "maintenance PREFIX|--all [--force] [--json]" && ok
run "verb help" 0 drain --help && has out "usage: anycast-healthctl [options] drain PREFIX|--all" && ok
run "version" 0 --version && has out "anycast-healthctl " && ok

# ---- unreachable endpoints ----
run "socket missing" 2 --socket "$tmp/nothing.sock" status &&
	has err "cannot reach anycast-healthd at $tmp/nothing.sock: No such file or directory" && ok
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$tmp/dead.sock"
run "socket refused" 2 --socket "$tmp/dead.sock" history &&
	has err "cannot reach anycast-healthd at $tmp/dead.sock: Connection refused" && ok
run "url unreachable" 2 --url http://127.0.0.1:1 status &&
	has err "cannot reach anycast-healthd at http://127.0.0.1:1: " && ok
run "admin verb over --url" 2 --url http://127.0.0.1:1 drain 192.0.2.1/32 &&
	has err "drain: the admin verbs need the admin socket; http://127.0.0.1:1 is a read-only endpoint" && ok
run "reload over --url" 2 reload --url http://127.0.0.1:1 &&
	has err "reload: the admin verbs need the admin socket" && ok

# ---- a healthy gateway on the admin socket ----
gw=$tmp/gw1
mkdir -p "$gw"
cp "$fixtures/status-healthy.json" "$gw/GET_v1_status"
cp "$fixtures/history.json" "$gw/GET_v1_history"
cp "$fixtures/admin-drain.json" "$gw/POST_v1_drain"
echo '{"error": "unknown prefix 192.0.2.9/32"}' >"$gw/POST_v1_maintenance"
echo 404 >"$gw/POST_v1_maintenance.code"
echo '{"result": "ok", "prefixes": []}' >"$gw/POST_v1_resume"
echo '{"result": "reloaded"}' >"$gw/POST_v1_reload"
sock=$tmp/gw1.sock
fake "$gw" --unix "$sock"

run "status healthy" 0 --socket "$sock" status && has out "gw1: anycast-healthd 0.1.0" &&
	has out "192.0.2.1/32     announced  announced  2/2      none" && has out "healthy" && ok
if grep -q $'\033' "$tmp/out"; then fail "no colour without a terminal" "escape in output"; else pass "no colour without a terminal"; fi
if run "status --json as received" 0 status --json --socket "$sock"; then
	if cmp -s "$tmp/out" "$fixtures/status-healthy.json"; then ok; else fail "$last" "output differs from the document"; fi
fi
run "history" 0 -s "$sock" history --limit 5 && has out "UP -> DOWN" && ok
if grep -qF "GET /v1/history?limit=5 " "$gw/requests.log"; then pass "history sends limit"; else fail "history sends limit" "$(cat "$gw/requests.log")"; fi
run "drain" 0 -s "$sock" drain 192.0.2.1 && has out "drain 192.0.2.1/32: ok" && has out "draining" && ok
if grep -qF 'POST /v1/drain {"prefix":"192.0.2.1/32"}' "$gw/requests.log"; then pass "drain body canonical prefix"; else fail "drain body canonical prefix" "$(cat "$gw/requests.log")"; fi
run "maintenance refused" 1 -s "$sock" maintenance 192.0.2.9/32 &&
	has err "anycast-healthctl: maintenance 192.0.2.9/32 refused (HTTP 404): unknown prefix 192.0.2.9/32" && ok
run "resume --all" 0 -s "$sock" resume --all && has out "resume every prefix: ok" && ok
if grep -qF 'POST /v1/resume {"all":true}' "$gw/requests.log"; then pass "resume --all body"; else fail "resume --all body" "$(cat "$gw/requests.log")"; fi
run "resume IPv6 canonical" 0 -s "$sock" resume 2001:DB8:0::1/64 && has out "resume 2001:db8::/64: ok" && ok
echo '{"result": "ok", "prefixes": [], "warning": "/var/lib/anycast-healthd/admin-state.json: Read-only file system"}' >"$gw/POST_v1_resume"
run "resume, not saved" 0 -s "$sock" resume --all && has out "resume every prefix: ok" &&
	has err "warning: in force, but not saved (/var/lib/anycast-healthd/admin-state.json: Read-only file system): it will not survive a restart" && ok
run "reload" 0 -s "$sock" reload && has out "reloaded" && ok

# ---- a prefix no established BGP session carries: exit 1 ----
cp "$fixtures/status-uncarried.json" "$gw/GET_v1_status"
run "status uncarried" 1 -s "$sock" status &&
	has out "2001:db8::1/128  announced  announced  0/2      none" &&
	has out "! 2001:db8::1/128: wanted announced, carried by no established BGP session (uppeer: Active, up2: Established)" && ok
cp "$fixtures/status-healthy.json" "$gw/GET_v1_status"

# ---- the fleet guard's refusal, --force ----
echo '{"error": "192.0.2.1/32: maintenance refused by the fleet guard: min-announcers is 1 and no other gateway announces it (announcing: gw1); use --force"}' >"$gw/POST_v1_maintenance"
echo 409 >"$gw/POST_v1_maintenance.code"
run "maintenance refused by the guard" 1 -s "$sock" maintenance 192.0.2.1/32 &&
	has err "anycast-healthctl: maintenance 192.0.2.1/32 refused (HTTP 409): 192.0.2.1/32: maintenance refused by the fleet guard: min-announcers is 1 and no other gateway announces it (announcing: gw1); use --force" && ok
if grep -qF 'POST /v1/maintenance {"prefix":"192.0.2.1/32"}' "$gw/requests.log"; then pass "no force unless asked"; else fail "no force unless asked" "$(cat "$gw/requests.log")"; fi
run "drain --force" 0 -s "$sock" drain --force 192.0.2.1/32 && has out "drain 192.0.2.1/32: ok" && ok
if grep -qF 'POST /v1/drain {"prefix":"192.0.2.1/32","force":true}' "$gw/requests.log"; then pass "drain --force body"; else fail "drain --force body" "$(cat "$gw/requests.log")"; fi
echo '{"result": "ok", "prefixes": []}' >"$gw/POST_v1_maintenance"
rm "$gw/POST_v1_maintenance.code"
run "maintenance --all --force" 0 maintenance --all -s "$sock" --force && has out "maintenance every prefix: ok" && ok
if grep -qF 'POST /v1/maintenance {"all":true,"force":true}' "$gw/requests.log"; then pass "maintenance --all --force body"; else fail "maintenance --all --force body" "$(cat "$gw/requests.log")"; fi

# ---- the store's fleet view: GET /v1/fleet from the local daemon ----
cp "$fixtures/fleet-view-outage.json" "$gw/GET_v1_fleet"
run "fleet view, held" 1 -s "$sock" fleet &&
	has out "gw1   bird reachable  0/1 up    held          held" &&
	has out "! 192.0.2.1/32: held by the fleet guard on gw1 (min-announcers 1)" &&
	has out "fleet lab: 3 gateways, 2 prefixes, 2 flagged" && ok
if grep -qF "GET /v1/fleet " "$gw/requests.log"; then pass "fleet view asks /v1/fleet"; else fail "fleet view asks /v1/fleet" "$(cat "$gw/requests.log")"; fi
if run "fleet view --json as received" 1 -s "$sock" fleet --json; then
	if cmp -s "$tmp/out" "$fixtures/fleet-view-outage.json"; then ok; else fail "$last" "output differs from the document"; fi
fi
cp "$fixtures/fleet-view-healthy.json" "$gw/GET_v1_fleet"
run "fleet view, healthy" 0 -s "$sock" fleet --expect gw1,gw2,gw3 && has out "fleet lab: 3 gateways agree on 2 prefixes" && ok
run "fleet view --json, healthy" 0 -s "$sock" fleet --json && ok
run "fleet view, one missing" 1 -s "$sock" fleet --expect gw1,gw2,gw3,gw4 &&
	has out "! gw4: missing: expected, but no record in the store" && ok
run "fleet view --json, one missing" 1 -s "$sock" fleet --json --expect gw4 && ok
cp "$fixtures/status-healthy.json" "$gw/GET_v1_fleet"
run "fleet view, not a view" 2 -s "$sock" fleet && has err "GET /v1/fleet from $sock: not a fleet document" && ok
echo '{"error": "no fleet section in the configuration"}' >"$gw/GET_v1_fleet"
echo 503 >"$gw/GET_v1_fleet.code"
run "fleet view, no fleet section" 2 -s "$sock" fleet &&
	has err "anycast-healthctl: GET /v1/fleet from $sock: HTTP 503: no fleet section in the configuration" &&
	has err "fleet: without a fleet section, give each gateway's read-only URL: anycast-healthctl fleet http://gw1:9180 http://gw2:9180" && ok
rm "$gw/GET_v1_fleet" "$gw/GET_v1_fleet.code"
printf '{"error": "f.json: /a: bad\\nf.json: /b: worse\\n"}' >"$gw/POST_v1_reload"
echo 409 >"$gw/POST_v1_reload.code"
run "reload refused" 1 -s "$sock" reload &&
	has err "reload refused (HTTP 409), the running config is kept:" && has err "f.json: /b: worse" && ok

# ---- bash completion (verbs, options, prefixes from the socket) ----
# complete WORD...: what etc/bash-completion offers for the last word.
complete_words() {
	CTL_BIN=$CTL bash -c '
		source "$1"; shift
		COMP_WORDS=("$CTL_BIN" "$@"); COMP_CWORD=$#; COMP_LINE="$CTL_BIN $*"; COMP_POINT=${#COMP_LINE}
		_anycast_healthctl; printf "%s\n" "${COMPREPLY[@]}" | sort' _ \
		"$top_srcdir/etc/bash-completion/anycast-healthctl" "$@" >"$tmp/out" 2>"$tmp/err"
	last="completion: $*"
}
complete_words "" && [ "$(tr '\n' ' ' <"$tmp/out")" = "check-config drain fleet history maintenance reload resume status " ] && ok || fail "$last" "verbs"
complete_words --so && [ "$(cat "$tmp/out")" = "--socket" ] && ok || fail "$last" "--socket"
complete_words history --l && [ "$(cat "$tmp/out")" = "--limit" ] && ok || fail "$last" "--limit"
complete_words maintenance --f && [ "$(cat "$tmp/out")" = "--force" ] && ok || fail "$last" "--force"
complete_words resume --f && [ -z "$(tr -d '\n' <"$tmp/out")" ] && ok || fail "$last" "no --force for resume"
complete_words fleet --e && [ "$(cat "$tmp/out")" = "--expect" ] && ok || fail "$last" "--expect"
complete_words fleet --expect "" && [ -z "$(tr -d '\n' <"$tmp/out")" ] && ok || fail "$last" "--expect takes a value"
complete_words --socket "$sock" drain "" && [ "$(tr '\n' ' ' <"$tmp/out")" = "192.0.2.1/32 2001:db8::1/128 " ] && ok || fail "$last" "prefixes"
complete_words --socket "$sock" resume 20 && [ "$(cat "$tmp/out")" = "2001:db8::1/128" ] && ok || fail "$last" "IPv6 prefix"
complete_words --socket "$tmp/nothing.sock" drain "" && [ -z "$(tr -d '\n' <"$tmp/out")" ] && ok || fail "$last" "no daemon: no prefixes"

# ---- a degraded gateway over --url, and broken answers ----
gw2=$tmp/gw2
mkdir -p "$gw2"
cp "$fixtures/status-degraded.json" "$gw2/GET_v1_status"
fake "$gw2" --tcp
url2=http://127.0.0.1:$(cat "$gw2/port")
run "status degraded" 1 --url "$url2" status && has out "! service pptp is DOWN (process-exited)" && ok
run "status --json degraded" 1 --url "$url2/" status --json && ok
echo 'not json' >"$gw2/GET_v1_history"
run "history not JSON" 2 --url "$url2" history && has err "GET /v1/history from $url2: the answer is not JSON" && ok
rm "$gw2/GET_v1_history"
run "HTTP error text" 2 --url "$url2" history && has err "GET /v1/history from $url2: HTTP 404: no such endpoint" && ok
echo 0.8 >"$gw2/GET_v1_status.delay"
run "timeout" 2 --url "$url2" --timeout 0.2 status && has err "no answer within 0.2 s" && ok
rm "$gw2/GET_v1_status.delay"

# ---- check-config ----
run "check-config good" 0 check-config "$top_srcdir/etc/anycast-healthd.json" && has out ": ok" && ok
echo '{"anycast-healthd:anycast-healthd": {}}' >"$tmp/bad.json"
run "check-config bad" 1 check-config "$tmp/bad.json" && has err "$tmp/bad.json: " && ok
run "check-config missing" 1 check-config "$tmp/none.json" && has err "$tmp/none.json" && ok

# ---- fleet ----
gw3=$tmp/gw3
mkdir -p "$gw3"
cp "$fixtures/fleet-gw3.json" "$gw3/GET_v1_status"
fake "$gw3" --tcp
url3=127.0.0.1:$(cat "$gw3/port")
gw4=$tmp/gw4
mkdir -p "$gw4"
cp "$fixtures/status-healthy.json" "$gw4/GET_v1_status"
fake "$gw4" --tcp
url4=http://127.0.0.1:$(cat "$gw4/port")
run "fleet disagree" 1 fleet "$url4" "$url3" &&
	has out "! 192.0.2.1/32: gateways disagree: announced on $url4; not on http://$url3 (withdrawn)" &&
	has out "fleet: 2 gateways, 0 unreachable, 2 prefixes in disagreement" && ok
run "fleet agree" 0 fleet "$url4" "$url4/" && has out "fleet: 2 gateways agree on 2 prefixes" && ok
run "fleet one down" 1 fleet "$url4" http://127.0.0.1:1 &&
	has out "! http://127.0.0.1:1: unreachable: " && ok
run "fleet all down" 2 fleet http://127.0.0.1:1 http://127.0.0.1:2 && has out "fleet: no gateway answered" && ok
run "fleet --json" 1 fleet --json "$url4" http://127.0.0.1:1 &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); g=d["gateways"]; assert g[0]["status"]["hostname"]=="gw1" and g[1]["status"] is None and g[1]["error"]' "$tmp/out" && ok
echo 1.5 >"$gw3/GET_v1_status.delay"
echo 1.5 >"$gw4/GET_v1_status.delay"
start=$(date +%s%N)
run "fleet in parallel" 1 --timeout 3 fleet "$url4" "$url3" && has out "gateways disagree" && ok
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$elapsed" -lt 2800 ]; then pass "fleet requests overlap (${elapsed} ms)"; else fail "fleet requests overlap" "${elapsed} ms for two 1.5 s answers"; fi
rm -f "$gw3/GET_v1_status.delay" "$gw4/GET_v1_status.delay"

# ---- the real daemon, when built ----
if [ -x "$DAEMON" ]; then
	real=$tmp/real
	mkdir -p "$real"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >"$real/ahd.json" <<EOF
{ "anycast-healthd:anycast-healthd": {
    "router": { "bird": { "control-socket": "$real/bird.ctl", "state-file": "$real/bird-state.conf" },
                "reconnect-min-ms": 100, "reconnect-max-ms": 200 },
    "service": [ { "name": "svc", "interval-ms": 1000, "timeout-ms": 900, "rise": 1, "fall": 1,
                   "probe": [ { "name": "true", "exec": { "command": ["/bin/true"] } } ] } ],
    "prefix": [ { "prefix": "192.0.2.1/32", "depends-on": ["svc"], "bird": { "protocol": "anycast4" } } ],
    "api": { "listen-port": $port, "admin-socket": "$real/admin.sock", "admin-state-file": "$real/admin-state.json" },
    "on-exit": "keep" } }
EOF
	"$DAEMON" -c "$real/ahd.json" >"$real/log" 2>&1 &
	dpid=$!
	pids+=($dpid)
	for i in $(seq 50); do
		[ -S "$real/admin.sock" ] && "$CTL" -s "$real/admin.sock" status >/dev/null 2>&1
		[ $? -ne 2 ] && [ -S "$real/admin.sock" ] && break
		sleep 0.1
	done
	sleep 0.5
	# BIRD is absent: the router is unreachable, so status is not healthy.
	run "real: status" 1 -s "$real/admin.sock" status && has out "svc      UP" &&
		has out "! router unreachable" && ok
	run "real: status --json" 1 -s "$real/admin.sock" status --json &&
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["services"][0]["name"]=="svc"' "$tmp/out" && ok
	run "real: status over --url" 1 --url "http://127.0.0.1:$port" status && has out "192.0.2.1/32" && ok
	run "real: history" 0 -s "$real/admin.sock" history && has out "svc" && ok
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: the real daemon's admin verbs (need root: the admin socket checks the peer)"
	else
		run "real: drain refused" 1 -s "$real/admin.sock" drain 192.0.2.1/32 && has err "drain 192.0.2.1/32 refused (HTTP 409): " && ok
		run "real: unknown prefix" 1 -s "$real/admin.sock" maintenance 198.51.100.1/32 && has err "refused (HTTP 404): " && ok
		run "real: maintenance" 0 -s "$real/admin.sock" maintenance 192.0.2.1/32 && has out "maintenance" && ok
		run "real: resume" 0 -s "$real/admin.sock" resume --all && has out "resume every prefix: ok" && ok
		run "real: reload" 0 -s "$real/admin.sock" reload && has out "reloaded" && ok
	fi
	run "real: fleet" 1 fleet "http://127.0.0.1:$port" http://127.0.0.1:1 && has out "! http://127.0.0.1:1: unreachable" && ok
	# No fleet section: no fleet view (the daemon says why).
	run "real: fleet view without a fleet section" 2 -s "$real/admin.sock" fleet &&
		has err "GET /v1/fleet from $real/admin.sock: HTTP " && ok
	kill "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
else
	echo "SKIP: the real daemon ($DAEMON not built)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
