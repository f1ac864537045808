#!/bin/bash
# The whole test suite, as CI runs it (README's second command; .ci/run).
# Run as root from a clone, after tests/install-deps.sh:
#   1. warnings-as-errors build, unit tests (cmocka) and golden config tests
#   2. the same unit tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   3. a bounded libFuzzer run of every parser of outside input, two at a time
#   4. valgrind over the daemon's start / reload / stop cycle, without and with
#      a fleet (a real etcd started by the script)
#   5. the integration suites in network namespaces (real bird2, frr and pptpd):
#      run.sh (+ fate.sh, api.sh, fleet.sh: etcd and three gateways), probes.sh,
#      ipv6.sh (an IPv6 prefix beside the IPv4 one), bird-sets.sh (BIRD's
#      prefix-sets pattern), sessions.sh (what each BGP session carries:
#      isolated, filtered), bfd.sh (whole-gateway failure with BFD), page.sh
#      (the status page in headless chromium), hooks.sh (the state-change
#      hooks) and alerts.sh (the alerting rules against the real daemon's
#      /metrics, real BIRD and etcd)
#   6. a short seeded random fault sequence (chaos.sh) on BIRD and on FRR;
#      the seed comes from the commit (replayable, and new with each change)
#      unless CHAOS_SEED is set
#   7. make distcheck
#   8. the Debian package (tests/integration/package.sh): built from the
#      release tarball with dpkg-buildpackage, lintian-clean, installed with
#      dpkg -i, checked, purged
# Each step prints its own results; the script stops at the first failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
step() { printf '\n==== %s ====\n' "$*"; }

step "bootstrap"
./autogen.sh >/dev/null 2>&1

step "build and unit tests"
rm -rf build && mkdir build && cd build
../configure -q CFLAGS="-g -O2 -Werror"
make -s -j"$jobs"
make -s -j"$jobs" check || { cat tests/*.log tests/config/*.log 2>/dev/null | tail -100; exit 1; }
for log in tests/test_*.log tests/config/run-golden.sh.log; do tail -n 3 "$log"; done
cd "$top"

step "unit tests under ASan+UBSan"
rm -rf build-asan && mkdir build-asan && cd build-asan
../configure -q --enable-sanitizers CFLAGS="-g -O1"
make -s -j"$jobs"
make -s -j"$jobs" check || { cat tests/*.log 2>/dev/null | tail -100; exit 1; }
cd "$top"

step "fuzz (bounded)"
make -s -C build fuzz-run FUZZ_SECONDS="${FUZZ_SECONDS:-15}"

step "valgrind: start / reload / stop"
bash tests/valgrind-cycle.sh build/anycast-healthd

step "integration (network namespaces, real bird2, frr, keepalived and pptpd; chromium)"
make -s -C build anycast-healthd anycast-healthctl
top_srcdir="$top" top_builddir="$top/build" bash tests/integration/run.sh build 2>&1 | tee build/integration.log
top_srcdir="$top" top_builddir="$top/build" bash tests/integration/probes.sh build 2>&1 | tee build/probes.log
top_srcdir="$top" top_builddir="$top/build" bash tests/integration/ipv6.sh build 2>&1 | tee build/ipv6.log
top_srcdir="$top" top_builddir="$top/build" bash tests/integration/bird-sets.sh build 2>&1 | tee build/bird-sets.log
top_srcdir="$top" top_builddir="$top/build" bash tests/integration/sessions.sh build 2>&1 | tee build/sessions.log
top_srcdir="$top" top_builddir="$top/build" bash tests/integration/bfd.sh build 2>&1 | tee build/bfd.log
top_srcdir="$top" top_builddir="$top/build" bash tests/integration/page.sh build 2>&1 | tee build/page.log
top_srcdir="$top" top_builddir="$top/build" bash tests/integration/hooks.sh build 2>&1 | tee build/hooks.log
top_srcdir="$top" top_builddir="$top/build" bash tests/integration/alerts.sh build 2>&1 | tee build/alerts.log
top_srcdir="$top" top_builddir="$top/build" bash tests/integration/keepalived.sh build 2>&1 | tee build/keepalived.log

step "chaos: a seeded random fault sequence (real bird2, frr and pptpd)"
seed=$(git rev-parse --short=7 HEAD 2>/dev/null || echo 1)
export CHAOS_SEED=${CHAOS_SEED:-$(( 16#$seed % 1000000 ))}
top_srcdir="$top" top_builddir="$top/build" bash tests/integration/chaos.sh build 2>&1 | tee build/chaos.log

step "distcheck"
make -s -C build distcheck >/dev/null
echo "distcheck: ok"

step "Debian package: build, lintian, dpkg -i, purge"
bash tests/integration/package.sh build 2>&1 | tee build/package.log

# One closing line over everything that ran: automake's counts of the unit and
# golden suites (plain and sanitized), the integration suite's own line, and
# the valgrind cycle and distcheck as one check each (the "+ 2").
count() { awk -v k="$1" '$1 == "#" && $2 == k":" { n += $3 } END { print n + 0 }' build/test-suite.log build-asan/test-suite.log; }
last_pass() { sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$1" | tail -1; }
ipass=0
for log in integration probes ipv6 bird-sets sessions bfd page hooks alerts keepalived chaos package; do
	ipass=$(( ipass + $(last_pass "build/$log.log") ))
done
printf '\n%d passed, %d failed\n' $(( $(count PASS) + ${ipass:-0} + 2 )) $(( $(count FAIL) + $(count ERROR) ))
