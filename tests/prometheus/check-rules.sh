#!/bin/sh
# The alerting rules (etc/prometheus/anycast-healthd.rules.yml), in `make
# check`: promtool's syntax and lint check (--lint-fatal), the alerts' unit
# tests (tests/prometheus/anycast-healthd.test.yml), every alert covered by
# a test where it fires and one where it must not, every runbook_url an
# existing heading of docs/runbook.md, and the PromQL name extractor's own
# test (the integration test tests/integration/alerts.sh uses it to check the
# rules' metric names against the real daemon's /metrics).
# Skipped (exit 77) without promtool (Debian: prometheus) or python3-yaml.
set -e
src=${top_srcdir:-$(cd "${0%/*}/../.." && pwd)}
rules=$src/etc/prometheus/anycast-healthd.rules.yml
tests=$src/tests/prometheus/anycast-healthd.test.yml
check=$src/tests/prometheus/rules_check.py
if ! command -v promtool >/dev/null 2>&1; then
	echo "promtool not found (apt-get install prometheus): skipped"
	exit 77
fi
if ! python3 -c 'import yaml' 2>/dev/null; then
	echo "python3-yaml not found (apt-get install python3-yaml): skipped"
	exit 77
fi
promtool check rules --lint-fatal "$rules"
# promtool resolves rule_files relative to the test file.
promtool test rules "$tests"
python3 "$check" self-test
python3 "$check" coverage "$rules" "$tests"
python3 "$check" anchors "$rules" "$src/docs/runbook.md"
echo "anycast-healthd.rules.yml: lint, unit tests, coverage and runbook anchors: ok"
