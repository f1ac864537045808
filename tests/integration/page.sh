#!/bin/bash
# page.sh - the status page (GET /) in a real browser: headless Debian
# chromium loads it from the real daemon in the namespaced lab
# (tests/lab/lab.sh: pptpd, the gateway BIRD, the upstream BIRD) and the
# checks read the DOM it rendered (--dump-dom, through tests/lab/page-dom.py).
# The daemon's config adds a service "hostile" whose two exec probes print
# markup: `<script>document.title="pwned"</script>` (exit 0: the probe's
# reason) and `<img src=x onerror="document.body.dataset.pwned=1">` (exit 1:
# the service's reason and its history event's too).
#
#   1  healthy: router reachable, pptp UP with its probes, hostile DOWN, the
#      prefix announced/announced (the upstream has it), the timeline has
#      pptp's INIT -> UP and the prefix's transition to announced; the markup
#      is text (escaped in the dumped DOM), no img element, one script
#      element (the page's), the title is the page's own
#   2  pptpd SIGKILL: once the upstream's RIB lost the prefix, the page shows
#      pptp DOWN, the prefix withdrawn/withdrawn, the timeline ticks UP -> DOWN
#      and announced -> withdrawn and ends in DOWN / withdrawn bars; the title
#      is still the page's; screenshots under $top_builddir/tests/integration
#   3  a failing fetch (tests/lab/page-proxy.py answers 503 in front of the
#      daemon): the page says so and keeps retrying; after a success it keeps
#      the last data, marked stale; a failure then a success clears the error
#   4  the BGP session read-back's fields (router.sessions, per prefix
#      sessions/carried/uncarried), added by page-proxy.py to the daemon's
#      status: "carried by 1 of 2 sessions (up1)"; an uncarried prefix
#      flagged; a session name holding markup shown as text
#   5  the Content-Security-Policy: an img with an onerror handler and an
#      inline script added to the page by page-proxy.py (served with the
#      daemon's headers) do not run: the title stays the page's, whose own
#      script still renders the data
#
# One line per check, then `N passed, N failed`; exit 1 on any failure.
# PAGE_TOTALS=FILE: write "PASSED FAILED" there.  Needs chromium
# (tests/install-deps.sh); as root it runs only with --no-sandbox.
#
# Usage (root): tests/integration/page.sh [BUILDDIR]; LAB_KEEP=1 keeps the
# lab directory (the dumped DOMs, chromium's log).

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
. "$HERE/checks.sh"

START=$EPOCHREALTIME
BUILDDIR=$1
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
API=http://127.0.0.1:9180	# the lab daemon's listener, inside the gateway namespace
PROXY_PORT=9181
BUDGET_MS=5000			# virtual time per page load: two refreshes and a bit
T="page:"

# The exec probes' markup, as JSON strings in the config (one line: it goes
# through sed in lab_template, which keeps the backslashes).
SCRIPT_TEXT='<script>document.title="pwned"</script>'
H_SCRIPT='{ "name": "script", "exec": { "command": [ "/usr/bin/printf", "%s\\n", "<script>document.title=\"pwned\"</script>" ] } }'
H_IMG='{ "name": "img", "exec": { "command": [ "/bin/sh", "-c", "echo '"'"'<img src=x onerror=\"document.body.dataset.pwned=1\">'"'"'; exit 1" ] } }'
HOSTILE=", { \"name\": \"hostile\", \"interval-ms\": 1000, \"timeout-ms\": 800, \"rise\": 1, \"fall\": 1, \"probe\": [ $H_SCRIPT, $H_IMG ] }"

# browser ARGS... URL: headless chromium inside the gateway namespace, in
# a profile of its own under $LAB.
browser()
{
	ip netns exec "$NS_GW" timeout 60 chromium --headless=new --no-sandbox --disable-gpu \
	    --no-first-run --user-data-dir="$LAB/chromium" --hide-scrollbars \
	    --virtual-time-budget="$BUDGET_MS" "$@" 2>>"$LAB/chromium.err"
}

# load NAME URL: the rendered DOM in $LAB/NAME.html, its facts in $FACTS.
load()
{
	browser --dump-dom "$2" >"$LAB/$1.html" || echo "browser failed: $?" >>"$LAB/chromium.err"
	FACTS=$("$PY" "$LAB_SRC/page-dom.py" "$LAB/$1.html" 2>&1)
}

# fact LINE: $FACTS has exactly this line.
fact() { printf '%s\n' "$FACTS" | grep -qxF -- "$1"; }
# fact_re REGEX: some line of $FACTS matches.
fact_re() { printf '%s\n' "$FACTS" | grep -Eq -- "$1"; }
# last_segment SUBJECT: the state of the timeline's last bar of SUBJECT.
last_segment() { printf '%s\n' "$FACTS" | awk -v s="$1" '$1 == "segment" && $2 == s { v = $3 } END { print v }'; }
facts_brief() { printf '%s\n' "$FACTS" | grep -v '^elements' | head -n 40 | tr '\n' '|' | cut -c1-900; }

# check_facts NAME LINE...: every LINE is a fact.
check_facts()
{
	local name=$1 l
	shift
	for l in "$@"; do
		fact "$l" || { not_ok "$name" "no '$l' in: $(facts_brief)"; return; }
	done
	ok "$name"
}

# status_is PYEXPR: true when the daemon's /v1/status (d) makes PYEXPR true.
status_is()
{
	ip netns exec "$NS_GW" curl -s -m 2 "$API/v1/status" |
		"$PY" -c "import json, sys; d = json.load(sys.stdin); sys.exit(0 if ($1) else 1)" 2>/dev/null
}
prefix_is() { status_is "d['prefixes'][0]['desired'] == '$1' and d['prefixes'][0]['actual'] == '$1'"; }

# check_hostile N: the markup is text in the dumped DOM $LAB/page-N.html and
# did nothing there.
check_hostile()
{
	local dom=$LAB/page-$1.html
	check "$T $1 the script markup is a text node" "no such text: $(facts_brief)" \
	    fact_re "^text .*$(printf '%s' "$SCRIPT_TEXT" | sed 's/[][\.*^$/]/\\&/g')"
	check "$T $1 ... escaped in the serialized DOM" "not in $dom" \
	    grep -qF '&lt;script&gt;document.title="pwned"&lt;/script&gt;' "$dom"
	check "$T $1 the img markup is the text of the service's reason cell, escaped" "not in $dom" \
	    grep -qF '<td>exit-1: &lt;img src=x onerror="document.body.dataset.pwned=1"&gt;</td>' "$dom"
	check_facts "$T $1 no img element, one script element (the page's own)" \
	    "elements img 0" "elements script 1" "elements iframe 0"
	check_facts "$T $1 the title is the page's own: '$HOST - anycast-healthd'" \
	    "title $HOST - anycast-healthd"
	check "$T $1 no handler ran: no data-pwned attribute" "found in $dom" \
	    eval '! grep -q "data-pwned=" "$dom"'
}

# check_png FILE: a PNG image was written.
check_png() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

# proxy_start MODE: page-proxy.py in front of the daemon on $PROXY_PORT.
proxy_start()
{
	rm -f "$LAB/proxy.log"
	ip netns exec "$NS_GW" "$PY" "$LAB_SRC/page-proxy.py" "$PROXY_PORT" "$API" "$1" \
	    "$LAB/proxy.log" >>"$LAB/proxy.out" 2>&1 &
	PROXY_PID=$!
	disown "$PROXY_PID"
	lab_bg_track "$PROXY_PID"
	wait_until 5000 proxy_listening
}
proxy_listening() { ip netns exec "$NS_GW" ss -Hltn "sport = :$PROXY_PORT" | grep -q .; }
proxy_stop() { lab_kill_pid "$PROXY_PID" TERM; PROXY_PID=; }
proxy_api_requests() { grep -c '^/v1/' "$LAB/proxy.log" 2>/dev/null || echo 0; }

run()
{
	local conf shots n
	LAB_ROUTER=bird
	lab_init "$BUILDDIR" || { not_ok "$T lab init" "see above"; return; }
	shots=$top_builddir/tests/integration
	mkdir -p "$shots"
	rm -f "$shots/status-page.png" "$shots/status-page-healthy.png"
	command -v chromium >/dev/null ||
		{ not_ok "$T chromium installed" "not found: run tests/install-deps.sh"; return; }
	lab_up || { not_ok "$T lab up" "see above"; lab_down; return; }
	conf=$LAB/daemon.json
	lab_write_config "$conf" withdraw "$HOSTILE"
	lab_start_daemon "$conf" || { not_ok "$T daemon starts" "$(tail -n 5 "$LAB/daemon.log")"; lab_down; return; }
	check "$T 1 the upstream has the prefix" "not present after 10 s" wait_for_upstream present 10000
	check "$T 1 the status says announced, the hostile service DOWN" "$(ip netns exec "$NS_GW" curl -s "$API/v1/status" | head -c 600)" \
	    wait_until 5000 status_is "d['prefixes'][0]['actual'] == 'announced' and d['services'][1]['state'] == 'DOWN' and d['services'][1]['probes'][0]['last'] is not None"
	HOST=$(ip netns exec "$NS_GW" curl -s "$API/v1/status" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["hostname"])')

	# 1: healthy
	load page-1 "$API/"
	check_facts "$T 1 router reachable, pptp UP with its probes, no error shown" \
	    "router reachable" "service pptp UP" "probe pptp/control UP" "probe pptp/process UP" "error hidden"
	check_facts "$T 1 hostile DOWN: its script probe UP, its img probe DOWN" \
	    "service hostile DOWN" "probe hostile/script UP" "probe hostile/img DOWN"
	check_facts "$T 1 the prefix announced / announced, no override" \
	    "prefix $LAB_PREFIX announced announced none"
	check_facts "$T 1 the router's session and the prefix carried by it, as the daemon read them back" \
	    "session uppeer true" "sessions $LAB_PREFIX sessions: carried by 1 of 1 session (uppeer)"
	check_facts "$T 1 timeline: pptp INIT -> UP, hostile INIT -> DOWN" \
	    "transition pptp INIT UP" "transition hostile INIT DOWN"
	check "$T 1 timeline: the prefix turned announced, its last bar announced" "$(facts_brief)" \
	    eval 'fact_re "^transition $LAB_PREFIX [a-z]+ announced$" && [ "$(last_segment "$LAB_PREFIX")" = announced ]'
	check_hostile 1
	browser --window-size=1280,1000 --screenshot="$shots/status-page-healthy.png" "$API/" >/dev/null
	check "$T 1 screenshot $shots/status-page-healthy.png" "no PNG written" check_png "$shots/status-page-healthy.png"

	# 2: pptpd killed
	pptpd_kill
	check "$T 2 pptpd SIGKILL: the upstream lost the prefix" "still present after 10 s" \
	    wait_for_upstream absent 10000
	check "$T 2 ... the status says withdrawn / withdrawn" "not within 5 s" wait_until 5000 prefix_is withdrawn
	load page-2 "$API/"
	check_facts "$T 2 the page shows pptp DOWN, its process probe DOWN, the prefix withdrawn / withdrawn" \
	    "service pptp DOWN" "probe pptp/process DOWN" "prefix $LAB_PREFIX withdrawn withdrawn none" "error hidden"
	check_facts "$T 2 timeline: ticks pptp UP -> DOWN and the prefix announced -> withdrawn" \
	    "transition pptp UP DOWN" "transition $LAB_PREFIX announced withdrawn"
	check "$T 2 timeline: the last bars are DOWN and withdrawn" \
	    "pptp $(last_segment pptp), prefix $(last_segment "$LAB_PREFIX")" \
	    eval '[ "$(last_segment pptp)" = DOWN ] && [ "$(last_segment "$LAB_PREFIX")" = withdrawn ]'
	check_hostile 2
	browser --window-size=1280,1000 --screenshot="$shots/status-page.png" "$API/" >/dev/null
	check "$T 2 screenshot $shots/status-page.png" "no PNG written" check_png "$shots/status-page.png"

	# 3: failing fetches
	proxy_start after:0 || not_ok "$T 3 page-proxy.py listens" "$(cat "$LAB/proxy.out")"
	load page-3a "http://127.0.0.1:$PROXY_PORT/"
	n=$(proxy_api_requests)
	check "$T 3 every fetch fails: the page shows the error and the retrying" "$(facts_brief)" \
	    fact_re '^error Cannot update: v1/(status|history): HTTP 503; retrying every 2 s\.$'
	check "$T 3 ... and keeps asking (3 rounds of 2 in ${BUDGET_MS} ms virtual time: $n requests)" \
	    "$(tr '\n' ' ' <"$LAB/proxy.log")" test "$n" -ge 6
	proxy_stop
	proxy_start after:2
	load page-3b "http://127.0.0.1:$PROXY_PORT/"
	check "$T 3 fetches fail after a success: the last data stays, marked stale, with its time" \
	    "$(facts_brief)" eval 'fact "service pptp DOWN" && fact "body stale" &&
		fact_re "^error Cannot update: .*; the data below is from .+\.$"'
	proxy_stop
	proxy_start first:2
	load page-3c "http://127.0.0.1:$PROXY_PORT/"
	check_facts "$T 3 a failure then a success: the data, no error" \
	    "service pptp DOWN" "prefix $LAB_PREFIX withdrawn withdrawn none" "error hidden" "body -"
	proxy_stop

	# 4: the BGP session read-back's fields, when the status has them
	proxy_start sessions:1
	load page-4a "http://127.0.0.1:$PROXY_PORT/"
	check_facts "$T 4 router sessions listed, a markup name as text" \
	    "session up1 true" "session <b>up2</b> false" "text <b>up2</b>" "elements b 0"
	check_facts "$T 4 the prefix carried by 1 of 2 sessions" \
	    "sessions $LAB_PREFIX sessions: carried by 1 of 2 sessions (up1)"
	proxy_stop
	proxy_start sessions:0
	load page-4b "http://127.0.0.1:$PROXY_PORT/"
	check_facts "$T 4 an uncarried prefix is flagged" \
	    "sessions $LAB_PREFIX sessions warn: carried by 0 of 2 sessions; not carried by any established session"
	proxy_stop

	# 5: the Content-Security-Policy, a second line of defence
	proxy_start inject:0
	load page-5 "http://127.0.0.1:$PROXY_PORT/"
	check_facts "$T 5 markup injected into the page itself (an img with onerror, a script): in the DOM; the page's own script ran" \
	    "elements img 1" "elements script 2" "service pptp DOWN"
	check "$T 5 ... neither ran under the daemon's Content-Security-Policy (no data-pwned attribute)" \
	    "$(grep -o '<html[^>]*>\|<body[^>]*>' "$LAB/page-5.html" | tr '\n' ' ')" eval '! grep -q "data-pwned=" "$LAB/page-5.html"'
	proxy_stop

	check "$T daemon still running at the end" "exited" daemon_running
	lab_stop_daemon
	lab_down
}

run
echo "# took $(lab_ms_between "$START" "$EPOCHREALTIME" | cut -d. -f1) ms"
[ -n "${PAGE_TOTALS:-}" ] && echo "$PASSED $FAILED" >"$PAGE_TOTALS"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
