# fleet-lab.sh - the fleet lab: three gateways announcing one anycast prefix
# to one upstream BIRD, and etcd, the fleet's store, on a LAN of its own.
# Source it after tests/lab/lab.sh (whose helpers it uses); needs root,
# bird2, frr, pptpd, etcd (Debian's etcd-server), etcdctl, openssl, nft, tc.
#
#   gw1 (ahd-gw-PID)  BIRD  10.99.0.1 --eBGP-- 10.99.0.2  upstream (ahd-up-PID)
#   gw2 (ahd-g2-PID)  BIRD  10.99.0.5 --eBGP-- 10.99.0.6  BIRD AS 65000,
#   gw3 (ahd-g3-PID)  FRR   10.99.0.9 --eBGP-- 10.99.0.10 gwpeer1..3
#   each gateway: pptpd, its router (AS 65001), anycast-healthd
#   each gateway's lan0 10.99.9.N/24 -- bridge br0 in ahd-et-PID, where
#   etcd listens on 10.99.9.11 (one member) or 10.99.9.11-13 (three)
#
# Every gateway's processes run under fl_exec, which bind-mounts the
# gateway's $LAB/gwN/ppp over /etc/ppp and $LAB/gwN/pptpd.conf over
# /etc/pptpd.conf in the private mount namespace `ip netns exec` makes: the
# daemon fingerprints its default files (/etc/ppp/chap-secrets...), each
# gateway sees its own, and the host's /etc is untouched.  etcd's data
# directories live on tmpfs (/dev/shm).  Everything else is in $LAB, as in
# lab.sh; fleet_down (on EXIT, INT, TERM) kills every process and deletes
# the namespaces, $LAB and the etcd directory.
#
# Functions: fleet_init [BUILDDIR], fleet_up, fleet_down, fl_etcd_start
# MEMBERS [https], fl_etcd_stop [SIG], fl_etcd_run, fl_etcd_healthy,
# fl_etcdctl ARGS, fl_certs, fl_write_config N, fl_fleet_json N,
# fl_daemon_start N, fl_daemon_stop N [SIG], fl_withdraw_all N RESULT,
# fl_pptpd_start N, fl_pptpd_kill N..., fl_paths, fl_has N, fl_wait_paths
# COUNT MS, fl_as_path N, fl_ctl N ARGS, fl_status N, fl_metrics N, fl_log
# N, fl_log_lines N, fl_wait_log N REGEX MS [FROM], fl_block N, fl_unblock
# N, fl_delay_init, fl_delay MS, fl_ribwatch [-p N] ARGS, fl_exabgp_start N,
# fl_routers_kill.

FL_NODES=(- gw1 gw2 gw3)
FL_ROUTERS=(- bird bird frr)
FL_GW_ADDRS=(- 10.99.0.1 10.99.0.5 10.99.0.9)
FL_UP_ADDRS=(- 10.99.0.2 10.99.0.6 10.99.0.10)
FL_LAN_ADDRS=(- 10.99.9.1 10.99.9.2 10.99.9.3)
FL_ETCD_ADDRS=(- 10.99.9.11 10.99.9.12 10.99.9.13)
FL_NAME=lab
FL_ANNOUNCERS_KEY=/anycast-healthd/$FL_NAME/announcers/192.0.2.1_32/
FL_GATEWAYS_KEY=/anycast-healthd/$FL_NAME/gateways/

fleet_init()
{
	local t
	lab_init "$1" || return 1
	NS_GW3=ahd-g3-$$
	NS_ETCD=ahd-et-$$
	FL_NS=(- "$NS_GW" "$NS_GW2" "$NS_GW3")
	FL_PPTPD=(- '' '' '')
	FL_DAEMON=(- '' '' '')
	FL_BIRD=(- '' '' '')
	FL_ZEBRA= FL_BGPD= FL_ETCD_PIDS= FL_ETCD_DIR= FL_EXABGP= FL_PROXY= FL_VIA_PROXY=
	FL_ETCD_N=0 FL_ETCD_SCHEME=http
	# What fl_fleet_json writes: the lab's lease TTL and timeouts, and
	# FL_ON_LOSS_N (decide-alone unless set) per gateway.
	FL_TTL=${FL_TTL:-5}
	FL_REQUEST_MS=${FL_REQUEST_MS:-2000}
	FL_DECISION_MS=${FL_DECISION_MS:-3000}
	FL_FLEET=1
	for t in etcd etcdctl openssl nft tc curl vtysh python3 "$LAB_FRR_BIN/bgpd"; do
		command -v "$t" >/dev/null 2>&1 ||
			{ echo "fleet-lab: $t not found" >&2; return 1; }
	done
}

fl_dir() { echo "$LAB/${FL_NODES[$1]}"; }

# fl_exec N CMD...: CMD in gateway N's namespace with its /etc/ppp and
# /etc/pptpd.conf.  It execs (so $! of `fl_exec ... &` is CMD's pid): in
# the foreground run it in a subshell, `( fl_exec N CMD )`.
fl_exec()
{
	local n=$1 d
	shift
	d=$(fl_dir "$n")
	exec ip netns exec "${FL_NS[$n]}" sh -c \
	    'mount --bind "$0/ppp" /etc/ppp && mount --bind "$0/pptpd.conf" /etc/pptpd.conf && exec "$@"' \
	    "$d" "$@"
}

fleet_up()
{
	local i
	LAB=$(mktemp -d /tmp/ahd-lab.XXXXXX) || return 1
	FL_ETCD_DIR=$(mktemp -d /dev/shm/ahd-etcd.XXXXXX) || return 1
	# FRR's daemons drop to user frr: the directory must be traversable.
	chmod 0711 "$LAB"
	mkdir -p "$LAB/up" "$LAB/etcd"
	trap 'fleet_down' EXIT
	trap 'fleet_down; exit 130' INT
	trap 'fleet_down; exit 143' TERM

	ip netns add "$NS_UP" && ip netns add "$NS_ETCD" || return 1
	ip -n "$NS_UP" link set lo up
	ip -n "$NS_ETCD" link set lo up
	ip -n "$NS_ETCD" link add br0 type bridge || return 1
	ip -n "$NS_ETCD" link set br0 up
	for i in 1 2 3; do
		ip -n "$NS_ETCD" addr add "${FL_ETCD_ADDRS[$i]}/24" dev br0
	done
	lab_template fleet-upstream-bird.conf >"$LAB/up/bird.conf"
	up_bird_start || return 1
	# The files every gateway fingerprints: the same on all three.
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$LAB/fleet.key"
	for i in 1 2 3; do
		fl_gw_up "$i" || { echo "fleet-lab: gateway $i did not come up" >&2; return 1; }
	done
	for i in 1 2 3; do
		fl_wait_until 30000 fl_bgp_up "$i" ||
			{ echo "fleet-lab: gwpeer$i did not come up" >&2; return 1; }
	done
}

# fl_wait_until MS CMD...: poll CMD every 50 ms until it succeeds, for at
# most MS ms of wall-clock time (lab.sh's wait_until counts polls: with a
# check that itself takes a second, as a CLI call under load may, its bound
# stretches twenty-fold).
fl_wait_until()
{
	local end=$(( ${EPOCHREALTIME/./} / 1000 + $1 ))
	shift
	until "$@"; do
		[ $(( ${EPOCHREALTIME/./} / 1000 )) -ge $end ] && return 1
		sleep 0.05
	done
}

fl_bgp_up() { up_birdc show protocols "gwpeer$1" 2>/dev/null | grep -q Established; }

# fl_gw_up N: namespace, links to the upstream and the LAN, files, pptpd and
# the router of gateway N.
fl_gw_up()
{
	local n=$1 ns=${FL_NS[$1]} d
	d=$(fl_dir "$n")
	mkdir -p "$d/ppp"
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	ip link add gw0 netns "$ns" type veth peer name "up$n" netns "$NS_UP" || return 1
	ip -n "$ns" addr add "${FL_GW_ADDRS[$n]}/30" dev gw0
	ip -n "$NS_UP" addr add "${FL_UP_ADDRS[$n]}/30" dev "up$n"
	ip -n "$ns" link set gw0 up
	ip -n "$NS_UP" link set "up$n" up
	ip link add lan0 netns "$ns" type veth peer name "lan$n" netns "$NS_ETCD" || return 1
	ip -n "$NS_ETCD" link set "lan$n" master br0
	ip -n "$NS_ETCD" link set "lan$n" up
	ip -n "$ns" addr add "${FL_LAN_ADDRS[$n]}/24" dev lan0
	ip -n "$ns" link set lan0 up
	printf 'option /etc/ppp/pptpd-options\nlocalip 10.98.0.1\nremoteip 10.98.0.2-9\n' >"$d/pptpd.conf"
	cp "$LAB_SRC/pptpd-options" "$d/ppp/pptpd-options"
	printf '# client server secret addresses\nalice pptpd "lab-secret-1" *\n' >"$d/ppp/chap-secrets"
	chmod 0600 "$d/ppp/chap-secrets"
	fl_pptpd_start "$n" || return 1
	if [ "${FL_ROUTERS[$n]}" = frr ]; then
		fl_frr_up "$n"
	else
		fl_bird_up "$n"
	fi
}

fl_tpl() { LAB_T_GW=${FL_NODES[$1]} LAB_T_GW_ADDR=${FL_GW_ADDRS[$1]} LAB_T_UP_ADDR=${FL_UP_ADDRS[$1]} lab_template "${@:2}"; }

fl_bird_up()
{
	local n=$1 d
	d=$(fl_dir "$n")
	{ fl_tpl "$n" gw-bird.conf; cat "$LAB_SRC/fleet-gw-bird-degraded.conf" "$LAB_SRC/gw-bird-drain.conf"; } >"$d/bird.conf"
	printf 'define ANYCAST4_OFF = 1;\ndefine ANYCAST4_DEGRADED_OFF = 1;\ndefine ANYCAST4_DRAIN_OFF = 1;\n' >"$d/bird-state.conf"
	rm -f "$d/bird.ctl"
	ip netns exec "${FL_NS[$n]}" bird -f -c "$d/bird.conf" -s "$d/bird.ctl" -P "$d/bird.pid" \
	    >>"$d/bird.out" 2>&1 &
	FL_BIRD[$n]=$!
	disown "${FL_BIRD[$n]}"
	lab_wait_file "$d/bird.ctl" 5000 ||
		{ echo "fleet-lab: bird of gw$n did not start" >&2; cat "$d/bird.out" >&2; return 1; }
}

fl_frr_daemon()
{
	local n=$1 name=$2 dir
	dir=$(fl_dir "$n")/frr
	rm -f "$dir/$name.vty"
	ip netns exec "${FL_NS[$n]}" "$LAB_FRR_BIN/$name" -f "$dir/$name.conf" \
	    -i "$dir/$name.pid" --vty_socket "$dir" -z "$dir/zserv.api" -P 0 \
	    >>"$dir/$name.out" 2>&1 &
	FL_STARTED=$!
	disown $FL_STARTED
	lab_wait_file "$dir/$name.vty" 10000 ||
		{ echo "fleet-lab: $name of gw$n did not start" >&2; cat "$dir/$name.out" >&2; return 1; }
}

fl_frr_up()
{
	local n=$1 d
	d=$(fl_dir "$n")
	chmod 0711 "$d"
	mkdir -p "$d/frr"
	fl_tpl "$n" fleet-gw-frr.conf >"$d/frr/bgpd.conf"
	fl_tpl "$n" gw-zebra.conf >"$d/frr/zebra.conf"
	chown -R frr:frr "$d/frr"
	# bgp network import-check: the anycast address on lo (lab.sh).
	ip -n "${FL_NS[$n]}" addr add "$LAB_PREFIX" dev lo
	fl_frr_daemon "$n" zebra && FL_ZEBRA=$FL_STARTED || return 1
	fl_frr_daemon "$n" bgpd && FL_BGPD=$FL_STARTED
}

fl_vtysh() { vtysh --vty_socket "$(fl_dir "$1")/frr" "${@:2}"; }

fleet_down()
{
	local pid ns
	trap - EXIT INT TERM
	for pid in ${FL_PPTPD[@]:1} ${FL_DAEMON[@]:1} ${FL_BIRD[@]:1} $FL_ZEBRA $FL_BGPD $FL_ETCD_PIDS $FL_EXABGP $FL_PROXY; do
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in "$NS_GW3" "$NS_ETCD"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for pid in ${FL_PPTPD[@]:1} ${FL_DAEMON[@]:1} ${FL_BIRD[@]:1} $FL_ZEBRA $FL_BGPD $FL_ETCD_PIDS; do
		lab_wait_gone "$pid" 2000
	done
	FL_PPTPD=(- '' '' '') FL_DAEMON=(- '' '' '') FL_BIRD=(- '' '' '')
	FL_ZEBRA= FL_BGPD= FL_ETCD_PIDS= FL_EXABGP= FL_PROXY= FL_VIA_PROXY=
	for ns in "$NS_GW3" "$NS_ETCD"; do
		[ -e "/run/netns/$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	[ -n "$FL_ETCD_DIR" ] && rm -rf "$FL_ETCD_DIR"
	FL_ETCD_DIR=
	# lab.sh's part: anything left in gw1, gw2 and the upstream, $LAB.
	lab_down
}

# --- pptpd ---------------------------------------------------------------

fl_pptpd_start()
{
	local n=$1 d i=0
	d=$(fl_dir "$n")
	rm -f "$d/ppp/pptpd.pid"
	# Every path in the daemon's service config is the same on the three
	# gateways (pid file in /etc/ppp, probe on 127.0.0.1), so their config
	# fingerprints agree, as in a fleet rolled out from one template.
	fl_exec "$n" pptpd --fg -c /etc/pptpd.conf -p /etc/ppp/pptpd.pid \
	    >>"$d/pptpd.out" 2>&1 &
	FL_PPTPD[$n]=$!
	disown "${FL_PPTPD[$n]}"
	until ip netns exec "${FL_NS[$n]}" ss -Hltn "sport = :1723" 2>/dev/null | grep -q . &&
	    [ -s "$d/ppp/pptpd.pid" ]; do
		[ $i -ge 250 ] && { echo "fleet-lab: pptpd of gw$n did not start" >&2; return 1; }
		sleep 0.02
		i=$((i + 1))
	done
}

# fl_pptpd_kill N...: SIGKILL to each named gateway's pptpd in ONE kill
# builtin (no fork; microseconds apart), then a bounded wait for them all.
fl_pptpd_kill()
{
	local n pids=
	for n in "$@"; do pids="$pids ${FL_PPTPD[$n]}"; done
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null
	for n in "$@"; do
		lab_wait_gone "${FL_PPTPD[$n]}" 5000
		FL_PPTPD[$n]=
	done
}

# --- etcd ----------------------------------------------------------------

# fl_certs: a CA, a server certificate for the three member addresses and a
# client certificate, in $LAB/tls (openssl; EC P-256, a day).
fl_certs()
{
	local t=$LAB/tls
	mkdir -p "$t"
	(
	cd "$t" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	    -subj /CN=ahd-lab-ca -keyout ca.key -out ca.crt &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj /CN=etcd -keyout server.key -out server.csr &&
	printf 'subjectAltName=IP:10.99.9.11,IP:10.99.9.12,IP:10.99.9.13\nextendedKeyUsage=serverAuth,clientAuth\n' >server.ext &&
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 \
	    -extfile server.ext -out server.crt &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj /CN=anycast-healthd -keyout client.key -out client.csr &&
	printf 'extendedKeyUsage=clientAuth\n' >client.ext &&
	openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 \
	    -extfile client.ext -out client.crt
	) >"$LAB/tls.log" 2>&1 || { cat "$LAB/tls.log" >&2; return 1; }
	chmod 0644 "$t"/*.crt "$t"/*.key
}

fl_etcd_url() { echo "$FL_ETCD_SCHEME://${FL_ETCD_ADDRS[$1]}:2379"; }

# fl_etcd_start MEMBERS [https]: a fresh cluster of 1 or 3 members (data on
# tmpfs), waited for by polling each member's /health.  With https: client
# certificates required (fl_certs first).
fl_etcd_start()
{
	local m=$1 k cluster= tls=()
	FL_ETCD_N=$m
	FL_ETCD_SCHEME=${2:-http}
	[ "$FL_ETCD_SCHEME" = https ] && tls=(--cert-file "$LAB/tls/server.crt"
	    --key-file "$LAB/tls/server.key" --trusted-ca-file "$LAB/tls/ca.crt" --client-cert-auth)
	for k in $(seq 1 "$m"); do
		cluster="$cluster${cluster:+,}n$k=http://${FL_ETCD_ADDRS[$k]}:2380"
	done
	rm -rf "${FL_ETCD_DIR:?}"/*
	FL_ETCD_ARGS=()
	for k in $(seq 1 "$m"); do
		FL_ETCD_ARGS[$k]="--name n$k --data-dir $FL_ETCD_DIR/n$k
		    --listen-client-urls $(fl_etcd_url "$k") --advertise-client-urls $(fl_etcd_url "$k")
		    --listen-peer-urls http://${FL_ETCD_ADDRS[$k]}:2380
		    --initial-advertise-peer-urls http://${FL_ETCD_ADDRS[$k]}:2380
		    --initial-cluster $cluster --initial-cluster-token ahd-lab-$$
		    --initial-cluster-state new ${tls[*]}"
	done
	fl_etcd_run
}

# fl_etcd_run: (re)start every member with its arguments (same data
# directories: a restart keeps the keys), then wait until all are healthy.
fl_etcd_run()
{
	local k pid
	FL_ETCD_PIDS=
	for k in $(seq 1 "$FL_ETCD_N"); do
		# shellcheck disable=SC2086
		ip netns exec "$NS_ETCD" etcd ${FL_ETCD_ARGS[$k]} >>"$LAB/etcd/n$k.log" 2>&1 &
		pid=$!
		disown $pid
		FL_ETCD_PIDS="$FL_ETCD_PIDS $pid"
	done
	fl_wait_until 30000 fl_etcd_healthy ||
		{ echo "fleet-lab: etcd not healthy within 30 s" >&2; tail -n 5 "$LAB"/etcd/n*.log >&2; return 1; }
}

# fl_etcd_stop [SIG]: every member (KILL by default), bounded wait.
fl_etcd_stop()
{
	local pid
	# shellcheck disable=SC2086
	kill -"${1:-KILL}" $FL_ETCD_PIDS 2>/dev/null
	for pid in $FL_ETCD_PIDS; do lab_wait_gone "$pid" 10000; done
	FL_ETCD_PIDS=
}

fl_curl_tls()
{
	[ "$FL_ETCD_SCHEME" = https ] &&
		echo "--cacert $LAB/tls/ca.crt --cert $LAB/tls/client.crt --key $LAB/tls/client.key"
}

# Every member answers /health with "true".
fl_etcd_healthy()
{
	local k
	for k in $(seq 1 "$FL_ETCD_N"); do
		# shellcheck disable=SC2046
		ip netns exec "$NS_ETCD" curl -s -m 2 $(fl_curl_tls) "$(fl_etcd_url "$k")/health" 2>/dev/null |
			grep -q '"health":"true"' || return 1
	done
}

fl_etcdctl()
{
	local eps= k
	for k in $(seq 1 "$FL_ETCD_N"); do eps="$eps${eps:+,}$(fl_etcd_url "$k")"; done
	if [ "$FL_ETCD_SCHEME" = https ]; then
		ip netns exec "$NS_ETCD" env ETCDCTL_API=3 etcdctl --endpoints "$eps" --command-timeout 3s \
		    --cacert "$LAB/tls/ca.crt" --cert "$LAB/tls/client.crt" --key "$LAB/tls/client.key" "$@"
	else
		ip netns exec "$NS_ETCD" env ETCDCTL_API=3 etcdctl --endpoints "$eps" --command-timeout 3s "$@"
	fi
}

# fl_keys PREFIX: the keys under PREFIX, one a line.
fl_keys() { fl_etcdctl get --prefix --keys-only "$1" 2>/dev/null | grep -v '^$'; }
fl_key_gone() { [ -z "$(fl_keys "$1")" ]; }
fl_key_there() { [ -n "$(fl_keys "$1")" ]; }

# --- the daemons -----------------------------------------------------------

# fl_fleet_json N: the config's fleet section for gateway N (endpoints of
# the running cluster; tls with https; FL_ON_LOSS_N).
fl_fleet_json()
{
	local n=$1 eps= k tls= loss
	for k in $(seq 1 "$FL_ETCD_N"); do eps="$eps${eps:+, }\"$(fl_etcd_url "$k")\""; done
	[ -n "${FL_VIA_PROXY:-}" ] && eps='"http://10.99.9.21:2379"'
	[ "$FL_ETCD_SCHEME" = https ] &&
		tls=", \"tls\": { \"ca-file\": \"$LAB/tls/ca.crt\", \"cert-file\": \"$LAB/tls/client.crt\", \"key-file\": \"$LAB/tls/client.key\" }"
	loss=FL_ON_LOSS_$n
	printf '"fleet": { "name": "%s", "node": "%s", "endpoint": [%s]%s, "lease-ttl-s": %s, "request-timeout-ms": %s, "decision-timeout-ms": %s, "on-store-loss": "%s", "key-file": "%s" }' \
	    "$FL_NAME" "${FL_NODES[$n]}" "$eps" "$tls" "$FL_TTL" "$FL_REQUEST_MS" \
	    "$FL_DECISION_MS" "${!loss:-decide-alone}" "$LAB/fleet.key"
}

# fl_write_config N: gateway N's daemon config, $LAB/gwN/daemon.json; with
# FL_FLEET=1 a fleet section and min-announcers FL_MIN (1), otherwise
# without (the daemon as before the fleet).  FL_SERVICE_EXTRA adds members
# to the pptp service (e.g. ', "on-drift": "degrade"').  FL_TEMPLATE
# replaces the lab's template (fleet-daemon-defaults.json: default rates,
# for BIRD gateways).
fl_write_config()
{
	local n=$1 t=fleet-daemon-bird.json d fleet= px=
	d=$(fl_dir "$n")
	[ "${FL_ROUTERS[$n]}" = frr ] && t=fleet-daemon-frr.json
	t=${FL_TEMPLATE:-$t}
	if [ "${FL_FLEET:-1}" = 1 ]; then
		fleet=", $(fl_fleet_json "$n")"
		px=", \"min-announcers\": ${FL_MIN:-1}"
	fi
	LAB_SERVICE_EXTRA=${FL_SERVICE_EXTRA:-} fl_tpl "$n" "$t" "${FL_ONEXIT:-keep}" |
		sed -e "s|@FLEET@|$(lab_sed_quote "$fleet")|" \
		    -e "s|@FLEET_PREFIX@|$(lab_sed_quote "$px")|" >"$d/daemon.json"
}

# fl_daemon_start N: gateway N's daemon on $LAB/gwN/daemon.json (written by
# fl_write_config), log appended to $LAB/gwN/daemon.log.
fl_daemon_start()
{
	local n=$1 d
	d=$(fl_dir "$n")
	echo "=== start $(date +%T.%N)" >>"$d/daemon.log"
	fl_exec "$n" "$DAEMON" ${FL_DAEMON_FLAGS--v} -c "$d/daemon.json" >>"$d/daemon.log" 2>&1 &
	FL_DAEMON[$n]=$!
	disown "${FL_DAEMON[$n]}"
	sleep 0.05
	lab_alive "${FL_DAEMON[$n]}" ||
		{ echo "fleet-lab: daemon of gw$n exited at once" >&2; tail -n 5 "$d/daemon.log" >&2; return 1; }
}

# fl_daemon_stop N [SIG]: TERM by default; bounded wait, then KILL.
fl_daemon_stop()
{
	local n=$1 sig=${2:-TERM}
	[ -n "${FL_DAEMON[$n]}" ] || return 0
	kill -"$sig" "${FL_DAEMON[$n]}" 2>/dev/null
	if ! lab_wait_gone "${FL_DAEMON[$n]}" 15000; then
		echo "fleet-lab: daemon of gw$n ignored SIG$sig for 15 s, killing" >&2
		kill -KILL "${FL_DAEMON[$n]}" 2>/dev/null
		lab_wait_gone "${FL_DAEMON[$n]}" 2000
	fi
	FL_DAEMON[$n]=
}

fl_daemon_alive() { lab_alive "${FL_DAEMON[$1]}"; }

# fl_withdraw_all N RESULT: the unit's ExecStopPost, SERVICE_RESULT=RESULT.
fl_withdraw_all()
{
	local d
	d=$(fl_dir "$1")
	( fl_exec "$1" env SERVICE_RESULT="$2" timeout 30 "$DAEMON" --withdraw-all -c "$d/daemon.json" \
	    >>"$d/withdraw-all.log" 2>&1 )
}

fl_ctl() { ip netns exec "${FL_NS[$1]}" timeout 10 "$top_builddir/anycast-healthctl" --socket "$(fl_dir "$1")/admin.sock" "${@:2}"; }
fl_status() { fl_ctl "$1" status --json 2>/dev/null; }
fl_metrics() { ip netns exec "${FL_NS[$1]}" curl -s -m 5 http://127.0.0.1:9180/metrics; }
fl_log() { echo "$(fl_dir "$1")/daemon.log"; }
fl_log_lines() { { wc -l <"$(fl_log "$1")"; } 2>/dev/null || echo 0; }

# fl_wait_log N REGEX MS [FROM_LINE]: grep -E in gateway N's log.
fl_wait_log()
{
	local n=$1 re=$2 ms=$3 from=${4:-0}
	fl_wait_until "$ms" fl_log_has "$n" "$re" "$from"
}
fl_log_has() { tail -n +"$(($3 + 1))" "$(fl_log "$1")" 2>/dev/null | grep -Eq -- "$2"; }

# fl_json N EXPR: a python expression over gateway N's status (as `s`).
fl_json()
{
	fl_status "$1" | python3 -c "import json, sys
s = json.load(sys.stdin)
print($2)" 2>/dev/null
}

# --- the upstream ----------------------------------------------------------

# fl_paths: how many paths the upstream has for the prefix (one per gateway).
fl_paths() { up_birdc show route "$LAB_PREFIX" 2>/dev/null | grep -c '\[gwpeer[0-9]'; }
fl_paths_are() { [ "$(fl_paths)" = "$1" ]; }
fl_wait_paths() { fl_wait_until "$2" fl_paths_are "$1"; }

# fl_has N: the upstream has gateway N's path.
fl_has() { up_birdc show route "$LAB_PREFIX" protocol "gwpeer$1" 2>/dev/null | grep -qF "$LAB_PREFIX"; }
fl_hasnt() { ! fl_has "$1"; }

# fl_as_path N: BGP.as_path of gateway N's path at the upstream.
fl_as_path()
{
	up_birdc show route all "$LAB_PREFIX" protocol "gwpeer$1" 2>/dev/null |
		sed -n 's/^[[:space:]]*BGP.as_path: *//p' | head -n 1
}
fl_as_path_is() { [ "$(fl_as_path "$1")" = "$2" ]; }
# fl_community N: the BGP communities on gateway N's path at the upstream.
fl_community()
{
	up_birdc show route all "$LAB_PREFIX" protocol "gwpeer$1" 2>/dev/null |
		sed -n 's/^[[:space:]]*BGP.community: *//p' | head -n 1
}

# fl_ribwatch [-p N] ARGS: ribwatch on the upstream; with -p N only gateway
# N's path (`show route P protocol gwpeerN`).
fl_ribwatch()
{
	local what=$LAB_PREFIX
	if [ "$1" = -p ]; then
		what="$LAB_PREFIX protocol gwpeer$2"
		shift 2
	fi
	"$RIBWATCH" "$@" "$LAB/up/bird.ctl" "$what"
}

# --- ExaBGP in place of the routers (the benchmark's baseline) ------------

# fl_exabgp_start N: gateway N's router must be down; ExaBGP with
# exabgp-healthcheck (fleet-exabgp.conf) speaks BGP to the upstream.
fl_exabgp_start()
{
	local n=$1 d
	d=$(fl_dir "$n")
	printf '#!/bin/bash\nexec timeout 1 bash -c \x27: </dev/tcp/%s/1723\x27\n' "${FL_GW_ADDRS[$n]}" >"$d/check-1723.sh"
	chmod +x "$d/check-1723.sh"
	fl_tpl "$n" fleet-exabgp.conf >"$d/exabgp.conf"
	ip netns exec "${FL_NS[$n]}" env exabgp.api.cli=false exabgp.daemon.user=root \
	    exabgp.daemon.drop=false exabgp.daemon.daemonize=false exabgp.log.destination=stdout \
	    exabgp "$d/exabgp.conf" >>"$d/exabgp.log" 2>&1 &
	FL_EXABGP="$FL_EXABGP $!"
	disown $!
}

# fl_routers_kill: every gateway's BGP speaker (BIRD, bgpd) killed.
fl_routers_kill()
{
	local n
	for n in 1 2 3; do
		[ -n "${FL_BIRD[$n]}" ] && lab_kill_pid "${FL_BIRD[$n]}" KILL
		FL_BIRD[$n]=
	done
	lab_kill_pid "$FL_BGPD" KILL
	FL_BGPD=
}

# --- faults on the store's links -------------------------------------------

# fl_block N: gateway N can no longer reach etcd's client port (its packets
# to 2379 dropped, established connections included); fl_unblock N undoes it.
fl_block()
{
	ip netns exec "${FL_NS[$1]}" nft -f - <<-EOF
	table inet ahd_fleet_block {
		chain out { type filter hook output priority 0; tcp dport 2379 drop; }
		chain in { type filter hook input priority 0; tcp sport 2379 drop; }
	}
	EOF
}
fl_unblock() { ip netns exec "${FL_NS[$1]}" nft delete table inet ahd_fleet_block; }

# fl_delay_init: how the store's round trip is made longer: tc netem on the
# LAN bridge in etcd's namespace (FL_DELAY_KIND=netem), or, on a kernel
# without sch_netem, tests/lab/fleet-delay-proxy.py on 10.99.9.21:2379 in
# front of the first member (FL_DELAY_KIND=proxy; fl_fleet_json then points
# the gateways at the proxy: restart the daemons).
fl_delay_init()
{
	if ip netns exec "$NS_ETCD" tc qdisc add dev lo root netem delay 0ms 2>/dev/null; then
		ip netns exec "$NS_ETCD" tc qdisc del dev lo root
		FL_DELAY_KIND=netem
		return 0
	fi
	FL_DELAY_KIND=proxy
	echo 0 >"$LAB/etcd/delay"
	ip -n "$NS_ETCD" addr add 10.99.9.21/24 dev br0 2>/dev/null
	ip netns exec "$NS_ETCD" python3 "$LAB_SRC/fleet-delay-proxy.py" 10.99.9.21:2379 \
	    "${FL_ETCD_ADDRS[1]}:2379" "$LAB/etcd/delay" >>"$LAB/etcd/proxy.log" 2>&1 &
	FL_PROXY=$!
	disown $FL_PROXY
	fl_wait_until 10000 ip netns exec "$NS_ETCD" curl -s -m 1 -o /dev/null http://10.99.9.21:2379/health ||
		{ echo "fleet-lab: the delay proxy does not answer" >&2; cat "$LAB/etcd/proxy.log" >&2; return 1; }
	FL_VIA_PROXY=1
}

# fl_delay MS: the store's replies take MS ms longer (0: none).
fl_delay()
{
	if [ "$FL_DELAY_KIND" = netem ]; then
		ip netns exec "$NS_ETCD" tc qdisc del dev br0 root 2>/dev/null
		[ "$1" = 0 ] && return 0
		ip netns exec "$NS_ETCD" tc qdisc add dev br0 root netem delay "${1}ms"
	else
		echo "$1" >"$LAB/etcd/delay"
		kill -HUP "$FL_PROXY"
	fi
}
