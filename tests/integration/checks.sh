# checks.sh - the check helpers shared by run.sh, fate.sh, api.sh and probes.sh (sourced after
# tests/lab/lab.sh): one line per check, `ok - NAME` or `not ok - NAME:
# REASON` followed by the tail of the daemon's log; counts in $PASSED and
# $FAILED.

PASSED=0
FAILED=0

ok() { PASSED=$((PASSED + 1)); echo "ok - $1"; }

not_ok()
{
	FAILED=$((FAILED + 1))
	echo "not ok - $1: $2"
	if [ -n "$LAB" ] && [ -f "$LAB/daemon.log" ]; then
		echo "#   daemon log (last 15 lines):"
		tail -n 15 "$LAB/daemon.log" | sed 's/^/#     /'
	fi
}

# check NAME REASON CMD...: ok when CMD succeeds.
check()
{
	local name=$1 reason=$2
	shift 2
	if "$@"; then ok "$name"; else not_ok "$name" "$reason"; fi
}

# expect_change NAME WANT LIMIT_MS ACTION...: the upstream becomes WANT
# within LIMIT_MS of ACTION.  On failure it waits a little longer so the
# next scenario starts from a known state.
expect_change()
{
	local name=$1 want=$2 limit=$3
	shift 3
	if lab_measure "$want" "$limit" "$@"; then
		ok "$name ($LAB_MS ms)"
	else
		not_ok "$name" "$LAB_ERR"
		wait_for_upstream "$want" 10000
	fi
}

# expect_steady NAME MS ACTION...: the upstream does not change while ACTION
# runs and for MS milliseconds after it.
expect_steady()
{
	local name=$1 ms=$2
	shift 2
	lab_watch_start $((ms + 60000)) || { not_ok "$name" "ribwatch did not start"; return; }
	"$@"
	sleep "$(awk -v m="$ms" 'BEGIN { print m / 1000 }')"
	if lab_watch_stop; then
		ok "$name"
	else
		not_ok "$name" "upstream changed: $LAB_WATCH_LINES"
	fi
}

log_mark() { MARK=$(daemon_log_lines); }
