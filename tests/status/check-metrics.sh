#!/bin/sh
# Validate the golden metrics text (tests/status/metrics.txt, what
# status_metrics() renders) with Prometheus' own parser and linter.
# Skipped (exit 77) when promtool is not installed (Debian: prometheus).
set -e
dir=${0%/*}
[ -n "$top_srcdir" ] && dir="$top_srcdir/tests/status"
if ! command -v promtool >/dev/null 2>&1; then
	echo "promtool not found (apt-get install prometheus): skipped"
	exit 77
fi
sed 's/@VERSION@/0.0.0/' "$dir/metrics.txt" | promtool check metrics
echo "metrics.txt: promtool check metrics: ok"
