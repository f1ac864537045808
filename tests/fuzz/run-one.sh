#!/bin/sh
# run-one.sh - one bounded libFuzzer run for `make fuzz-run`, which starts
# two of these at a time (xargs -P2).
#
#   run-one.sh CORPUS_ROOT SECONDS STOPFILE FUZZER
#
# The fuzzer runs on a scratch copy of CORPUS_ROOT/<name without fuzz_> for
# SECONDS.  On a failure it prints the end of the fuzzer's log and the crash
# input's path, appends both to STOPFILE and exits 1; a run that finds
# STOPFILE already there does not start, so the first failure stops the
# rest (the one running beside it finishes its time).
set -u
corpus_root=$1 seconds=$2 stop=$3 fuzzer=$4
name=$(basename "$fuzzer")
corpus=$corpus_root/${name#fuzz_}

[ -e "$stop" ] && exit 0
artifacts=$(dirname "$fuzzer")/artifacts
mkdir -p "$artifacts" || exit 1
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp "$corpus"/* "$work/corpus/" 2>/dev/null || true
echo "fuzz: $name for $seconds s"
if "$fuzzer" -max_total_time="$seconds" -print_final_stats=0 \
	-artifact_prefix="$artifacts/$name-" "$work/corpus" >"$work/log" 2>&1; then
	echo "fuzz: $name: $(tail -1 "$work/log")"
	exit 0
fi
crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/log" | tail -1)
{
	echo "fuzz: $name FAILED; the end of its log:"
	tail -40 "$work/log"
	echo "fuzz: $name FAILED; crash input: ${crash:-none written}"
	echo "fuzz: replay with: $fuzzer ${crash:-}"
} | tee -a "$stop"
exit 1
