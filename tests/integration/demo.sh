#!/bin/bash
# demo.sh - a timeline a person can read: anycast-healthd withdrawing and
# announcing the anycast prefix at an upstream router when pptpd dies and
# comes back, in the namespaced lab (tests/lab/lab.sh).  Times are measured
# at the upstream BIRD's RIB with ribwatch.
#
# Usage (root): make demo, or tests/integration/demo.sh [BUILDDIR]

# make runs it with $(SHELL), which may be dash: the lab needs bash.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lab/lab.sh"
lab_init "$1" || exit 1

T_START=$EPOCHREALTIME
say() { printf '[%7.3f s] %s\n' "$(awk -v a="$T_START" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" "$*"; }
fail() { say "FAILED: $*"; [ -n "$LAB" ] && tail -n 10 "$LAB/daemon.log" | sed 's/^/    daemon: /'; exit 1; }
route() { say "  upstream> show route $LAB_PREFIX"; up_birdc show route "$LAB_PREFIX" | sed -n '2,$p' | sed 's/^/              /'; }

[ -x "$DAEMON" ] || fail "$DAEMON is not built"
say "lab up: gateway netns $NS_GW (pptpd, BIRD AS 65001, anycast-healthd) <-> upstream netns $NS_UP (BIRD AS 65000)"
lab_up || fail "lab did not come up"
say "eBGP session gateway <-> upstream established; pptpd listening on $LAB_GW_ADDR:1723"
route

lab_write_config "$LAB/daemon.json"
say "starting anycast-healthd (probes every 500 ms, rise 3, fall 2)"
lab_start_daemon "$LAB/daemon.json" || fail "daemon did not start"
wait_for_upstream present 10000 || fail "prefix not announced within 10 s"
say "prefix $LAB_PREFIX announced at the upstream"
route

sleep 1
say "kill -9 pptpd (pid $PID_PPTPD)"
lab_measure absent 5000 pptpd_kill || fail "$LAB_ERR"
say "withdrawn at the upstream after $LAB_MS ms"
route
grep -E 'pptp: UP -> DOWN|announced -> withdrawn' "$LAB/daemon.log" | tail -n 2 | sed 's/^/              daemon: /'

sleep 1
say "restarting pptpd"
lab_measure present 10000 pptpd_start || fail "$LAB_ERR"
say "announced again after $LAB_MS ms (three good probes in a row: rise 3)"
route
grep -E 'pptp: DOWN -> UP|withdrawn -> announced' "$LAB/daemon.log" | tail -n 2 | sed 's/^/              daemon: /'

say "stopping anycast-healthd (SIGTERM: on-exit withdraw)"
lab_measure absent 5000 lab_stop_daemon || fail "$LAB_ERR"
say "withdrawn at the upstream after $LAB_MS ms"
lab_down
say "lab down"
exit 0
