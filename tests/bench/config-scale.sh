#!/bin/bash
# config-scale.sh - how config validation grows with the number of services.
#
# Generates configs of N services (BENCH_SCALE_SIZES, default 1000 4000
# 10000), each with one exec probe, one prefix per service (its own BIRD
# protocol, depending on that service) and one more prefix depending on
# every service: the lookups the loader makes per depends-on and per BIRD
# state constant are all exercised.  Times `anycast-healthd -n` on each
# (best of BENCH_SCALE_RUNS, default 3, by CPU time) and prints a markdown
# table for docs/performance.md: CPU seconds, microseconds per service (flat
# when the growth is linear) and that run's wall clock.  No root, no network.
#
# Usage: tests/bench/config-scale.sh path/to/anycast-healthd
# Environment: BENCH_SCALE_SIZES, BENCH_SCALE_RUNS.
set -euo pipefail
daemon=$(readlink -f "$1")
sizes=${BENCH_SCALE_SIZES:-1000 4000 10000}
runs=${BENCH_SCALE_RUNS:-3}
work=$(mktemp -d /tmp/ahd-bench-config.XXXXXX)
trap 'rm -rf "$work"' EXIT

generate() {	# N: the config on stdout
	awk -v n="$1" 'BEGIN {
		printf "{ \"anycast-healthd:anycast-healthd\": {\n"
		printf "  \"router\": { \"bird\": {} },\n  \"service\": [\n"
		for (i = 0; i < n; i++)
			printf "    { \"name\": \"svc%d\", \"probe\": [ { \"name\": \"true\", " \
			    "\"exec\": { \"command\": [\"/bin/true\"] } } ] }%s\n", i, i < n - 1 ? "," : ""
		printf "  ],\n  \"prefix\": [\n"
		for (i = 0; i < n; i++)
			printf "    { \"prefix\": \"10.%d.%d.0/24\", \"depends-on\": [\"svc%d\"], " \
			    "\"bird\": { \"protocol\": \"p%d\" } },\n", int(i / 256) % 256, i % 256, i, i
		printf "    { \"prefix\": \"192.0.2.1/32\", \"bird\": { \"protocol\": \"all\" }, \"depends-on\": ["
		for (i = 0; i < n; i++)
			printf "\"svc%d\"%s", i, i < n - 1 ? ", " : ""
		printf "] }\n  ]\n} }\n"
	}'
}

echo "| services | \`-n\` CPU seconds (best of $runs) | µs per service | wall seconds |"
echo "|---:|---:|---:|---:|"
TIMEFORMAT='%U %S %R'
for n in $sizes; do
	generate "$n" >"$work/config.json"
	: >"$work/times"
	for _ in $(seq "$runs"); do
		# CPU time (user + system) is what the growth is about, and it is
		# steadier than the wall clock on a shared machine.
		{ time "$daemon" -n -c "$work/config.json" 2>"$work/err"; } 2>>"$work/times" ||
			{ echo "config-scale: $n services: -n failed" >&2; cat "$work/err" >&2; exit 1; }
	done
	awk -v n="$n" '{ t = $1 + $2; if (NR == 1 || t < best) { best = t; wall = $3 } }
	    END { printf "| %d | %.2f | %.0f | %.2f |\n", n, best, best * 1e6 / n, wall }' "$work/times"
done
echo
echo "(tests/bench/config-scale.sh $(basename "$daemon"), $(nproc) CPUs, $(uname -r))"
