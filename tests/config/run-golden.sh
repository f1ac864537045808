#!/bin/sh
# Golden tests of the config loader, through the daemon's own -n and -p
# (bgpd's regress/config idea): every good/NAME.json must validate silently
# and print exactly good/NAME.out with -p; every bad/NAME.json must fail with
# exit 1 and exactly bad/NAME.err on stderr.  A bad/NAME.err without its
# .json tests a missing file, except bad/fifo.err and bad/directory.err:
# their bad/NAME.json is made at run time (git cannot hold a FIFO) in a
# scratch directory, and must be refused at once, not read.  The shipped
# etc/anycast-healthd.json must validate too.  Every run is bounded
# (timeout), so a loader that blocks fails instead of hanging.
#
#   top_srcdir=... top_builddir=... tests/config/run-golden.sh [--update]
#
# --update rewrites the .out/.err files from the daemon's current output:
# review the diff before committing it.
#
# The daemon runs from inside tests/config with relative paths
# (good/NAME.json) so the expected messages do not depend on where the
# tree lives.

: "${top_srcdir:?set top_srcdir}"
: "${top_builddir:?set top_builddir}"

daemon=$top_builddir/anycast-healthd
special="bad/fifo bad/directory"
dir=$top_srcdir/tests/config
update=no
[ "$1" = "--update" ] && update=yes

if [ ! -x "$daemon" ]; then
	echo "run-golden: $daemon not built" >&2
	exit 99
fi
cd "$dir" || exit 99

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0

pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() {
	echo "FAIL: $1: $2"
	[ -s "$tmp/diff" ] && sed 's/^/    /' "$tmp/diff"
	: > "$tmp/diff"
	failed=$((failed + 1))
}

# good NAME PATH EXPECTED-OUT (EXPECTED-OUT empty: only validate)
check_good() {
	name=$1 json=$2 expect=$3
	timeout 20 "$daemon" -n -c "$json" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ $rc -ne 0 ] || [ -s "$tmp/out" ] || [ -s "$tmp/err" ]; then
		cp "$tmp/err" "$tmp/diff"
		fail "$name" "-n exited $rc or printed something"
		return
	fi
	[ -z "$expect" ] && { pass "$name"; return; }
	timeout 20 "$daemon" -p -c "$json" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ $rc -ne 0 ] || [ -s "$tmp/err" ]; then
		cp "$tmp/err" "$tmp/diff"
		fail "$name" "-p exited $rc"
		return
	fi
	if [ $update = yes ]; then
		cp "$tmp/out" "$expect"
	fi
	if ! diff -u "$expect" "$tmp/out" > "$tmp/diff" 2>&1; then
		fail "$name" "-p output differs from $expect"
		return
	fi
	pass "$name"
}

check_bad() {
	name=$1 json=$2 expect=$3
	timeout 20 "$daemon" -n -c "$json" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ $rc -ne 1 ] || [ -s "$tmp/out" ]; then
		cp "$tmp/err" "$tmp/diff"
		fail "$name" "-n exited $rc (expected 1) or printed on stdout"
		return
	fi
	if [ $update = yes ]; then
		cp "$tmp/err" "$expect"
	fi
	if ! diff -u "$expect" "$tmp/err" > "$tmp/diff" 2>&1; then
		fail "$name" "errors differ from $expect"
		return
	fi
	# -p must refuse the same file the same way.
	timeout 20 "$daemon" -p -c "$json" > "$tmp/out" 2> "$tmp/err2"
	rc=$?
	if [ $rc -ne 1 ] || [ -s "$tmp/out" ] || ! cmp -s "$tmp/err" "$tmp/err2"; then
		fail "$name" "-p exited $rc or behaved differently from -n"
		return
	fi
	pass "$name"
}

for json in good/*.json; do
	[ -e "$json" ] || continue
	name=${json%.json}
	check_good "$name" "$json" "$name.out"
done

# Every bad case has a .json, a .err, or both.
for name in $(ls bad/*.json bad/*.err 2>/dev/null | sed 's/\.[a-z]*$//' | sort -u); do
	case " $special " in *" $name "*) continue ;; esac
	check_bad "$name" "$name.json" "$name.err"
done

# What is not a regular file, under the same relative name.
mkdir -p "$tmp/special/bad"
mkfifo "$tmp/special/bad/fifo.json"
mkdir "$tmp/special/bad/directory.json"
cd "$tmp/special" || exit 99
for name in $special; do
	check_bad "$name" "$name.json" "$dir/$name.err"
done
cd "$dir" || exit 99

check_good "etc/anycast-healthd.json" "$top_srcdir/etc/anycast-healthd.json" ""

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
