#!/bin/sh
# Install everything anycast-healthd needs to build, test, fuzz, benchmark and
# run its lab on Debian 12 (as root).  Safe to run again.
set -e
export DEBIAN_FRONTEND=noninteractive
# Keep the lab's daemons from being started as system services on install.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake libtool pkg-config git ca-certificates \
	libev-dev libyang2-dev libcurl4-openssl-dev libjson-c-dev libcmocka-dev \
	libmicrohttpd-dev libsystemd-dev libssl-dev \
	clang libclang-rt-14-dev valgrind \
	bird2 frr pptpd keepalived exabgp etcd-server etcd-client openssl \
	iproute2 nftables procps psmisc netcat-openbsd python3 python3-yaml prometheus wrk curl \
	inotify-tools chromium \
	debhelper dpkg-dev fakeroot lintian >/dev/null
# Debian may start these on install where policy-rc.d allowed it: the lab runs
# its own instances in namespaces, so stop the system ones (ignore failures).
for s in bird frr pptpd keepalived etcd; do
	systemctl stop "$s" >/dev/null 2>&1 || true
done
echo "install-deps: done"
