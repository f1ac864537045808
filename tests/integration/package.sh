#!/bin/bash
# package.sh - the Debian package (debian/, docs/packaging.md) built, checked,
# installed on this machine, used and purged:
#
#   1  the source: the release tarball (`make dist` in BUILDDIR), or with no
#      configured BUILDDIR `git archive HEAD`, unpacked in a temp dir; the
#      source tree is never written to (its `git status` is compared)
#   2  `dpkg-buildpackage -us -uc -b` with DEB_BUILD_OPTIONS="nocheck
#      parallel=2" (nocheck: run-all.sh runs the test suites itself)
#   3  lintian on the .changes and on a source package (`dpkg-source -b`,
#      for the source checks): no E: and no W: line; the runtime Depends
#      name the package of every library the daemon links (shlibs); PIE and
#      BIND_NOW (hardening=+all)
#   4  `dpkg -i`: both programs run --version, the man pages, the bash
#      completion, every etc/*.conf snippet (and alert rules, when the tree
#      has them) as examples, the conffile listed in Conffiles with the
#      example's content, the installed binary validates it (`-n`) and
#      rejects a broken copy, the system user exists, the unit is installed,
#      not enabled and not running, `systemd-analyze verify` accepts it
#   5  used as an operator would: the unit enabled, the conffile edited, the
#      state the daemon writes (BIRD's state include by the installed
#      binary, the overrides' directory as systemd's StateDirectory= makes
#      it); `dpkg -i` again keeps the edit, the enablement and the state
#      and starts nothing; then `dpkg --purge`: every file the package
#      installed, /etc/anycast-healthd, /var/lib/anycast-healthd and
#      /run/anycast-healthd are gone, the unit is no longer enabled, dpkg
#      has no entry; the system user stays (Debian keeps system users)
#
# One line per check, then `N passed, N failed`; exit 1 on any failure.
# Refuses to run (one failed check) on a machine where anycast-healthd is
# already installed or its paths exist: the purge would remove them.
#
# Usage (root): tests/integration/package.sh [BUILDDIR]; PKG_KEEP=1 keeps
# the temp dir.

[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
. "$HERE/checks.sh"

START=$EPOCHREALTIME
BUILDDIR=${1:+$(cd "$1" 2>/dev/null && pwd)}
PKG=anycast-healthd
CONF=/etc/anycast-healthd/anycast-healthd.json
UNIT=/lib/systemd/system/anycast-healthd.service
EXAMPLES=/usr/share/doc/anycast-healthd/examples
STATE_PATHS="/etc/anycast-healthd /var/lib/anycast-healthd /run/anycast-healthd"
WORK=
INSTALLED=0

cleanup()
{
	if [ "$INSTALLED" = 1 ]; then
		dpkg --purge "$PKG" >/dev/null 2>&1
	fi
	if [ -n "$WORK" ] && [ "${PKG_KEEP:-0}" = 0 ]; then
		rm -rf "$WORK"
	elif [ -n "$WORK" ]; then
		echo "# kept $WORK"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

finish()
{
	echo "# took $(awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }') ms"
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" = 0 ]
	exit
}

# ---- 0: a machine where the purge can only remove what the test installed
precondition()
{
	local p missing=
	[ "$(id -u)" = 0 ] || { not_ok "preconditions" "needs root (dpkg -i)"; finish; }
	for p in dpkg-buildpackage lintian dh fakeroot; do
		command -v "$p" >/dev/null || missing="$missing $p"
	done
	[ -z "$missing" ] || { not_ok "preconditions" "missing:$missing (tests/install-deps.sh)"; finish; }
	if dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null | grep -qv '^not-installed$'; then
		not_ok "preconditions" "$PKG is already known to dpkg here; purge it first"; finish
	fi
	for p in $STATE_PATHS /usr/sbin/anycast-healthd /usr/bin/anycast-healthctl; do
		[ ! -e "$p" ] || { not_ok "preconditions" "$p exists; the purge would remove it"; finish; }
	done
	ok "preconditions (root, build tools, no $PKG on this machine)"
}

# ---- 1: a clean copy of the tree
tree_status() { git -C "$TOP" status --porcelain --ignored 2>/dev/null; }

unpack_source()
{
	mkdir -p "$WORK/src"
	if [ -n "$BUILDDIR" ] && [ -f "$BUILDDIR/Makefile" ]; then
		SOURCE_KIND="make dist"
		local tarball
		tarball=$PKG-$(sed -n 's/^VERSION = //p' "$BUILDDIR/Makefile").tar.gz
		make -s -C "$BUILDDIR" dist >"$WORK/dist.log" 2>&1 || return 1
		mv "$BUILDDIR/$tarball" "$WORK/" &&
			tar -xzf "$WORK/$tarball" -C "$WORK/src" --strip-components=1
	else
		SOURCE_KIND="git archive HEAD"
		git -C "$TOP" archive --format=tar HEAD | tar -xf - -C "$WORK/src"
	fi && cp -a "$WORK/src" "$WORK/pristine"
}

# ---- 2, 3: build and lint
build()
{
	(cd "$WORK/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
		dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1
}

# The source package too (debian/control's source stanza, copyright, rules):
# lintian checks those only on a .dsc, which `-b` does not make.  Built from
# a second copy, as the first holds the build's output.
source_package()
{
	mkdir "$WORK/dsc" && cp -a "$WORK/pristine" "$WORK/dsc/src" &&
		(cd "$WORK/dsc" && dpkg-source -b src) >"$WORK/dsc.log" 2>&1 && return 0
	tail -n 5 "$WORK/dsc.log" | sed 's/^/#   /'
	return 1
}

lint()
{
	lintian --fail-on none "$WORK/$PKG"_*.changes "$WORK"/dsc/*.dsc >"$WORK/lintian.log" 2>&1
	! grep -E '^[EW]: ' "$WORK/lintian.log"
}

# Every DT_NEEDED library of the daemon comes from a package in Depends.
depends_from_shlibs()
{
	local deb=$1 bin=$2 deps lib path owner bad=
	deps=$(dpkg-deb -f "$deb" Depends)
	for lib in $(objdump -p "$bin" | awk '$1 == "NEEDED" { print $2 }'); do
		path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
		owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1)
		[ -z "$owner" ] && owner=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1)
		case ", $deps," in *", $owner "*|*", $owner,"*|*"| $owner "*|*"| $owner,"*) ;;
		*) bad="$bad $lib(${owner:-?})" ;; esac
	done
	[ -z "$bad" ] || { echo "#   not in Depends ($deps):$bad"; return 1; }
}

hardened()
{
	readelf -h "$1" | grep -q 'Type: *DYN' && readelf -d "$1" | grep -q 'BIND_NOW'
}

# ---- 4: installed
manpage_ok() { [ -f "$1" ] && zcat "$1" | grep -q '^\.TH '; }

completion_ok()
{
	bash -c '. "$1" && complete -p anycast-healthctl' _ \
		/usr/share/bash-completion/completions/anycast-healthctl >/dev/null 2>&1
}

# Every snippet of the tree's etc/ (and alert rules) is an example, unchanged.
examples_ok()
{
	local f bad=
	for f in "$WORK"/src/etc/*.conf "$WORK"/src/etc/anycast-healthd.json "$WORK"/src/etc/keepalived-anycast-notify \
	    "$WORK"/src/etc/prometheus/*.yml; do
		[ -e "$f" ] || continue
		cmp -s "$f" "$EXAMPLES/$(basename "$f")" || bad="$bad $(basename "$f")"
	done
	[ -z "$bad" ] || { echo "#   missing or different:$bad"; return 1; }
}

conffile_ok()
{
	dpkg-query -W -f='${Conffiles}\n' "$PKG" | awk '{ print $1 }' | grep -qx "$CONF" &&
		cmp -s "$CONF" "$WORK/src/etc/anycast-healthd.json"
}

rejects_broken()
{
	sed 's/"prefix": "192.0.2.1\/32"/"prefix": "192.0.2.1\/33"/' "$CONF" >"$WORK/broken.json"
	! cmp -s "$CONF" "$WORK/broken.json" &&
		! /usr/sbin/anycast-healthd -n -c "$WORK/broken.json" >"$WORK/broken.out" 2>&1 &&
		grep -q '192.0.2.1/33' "$WORK/broken.out"
}

unit_enabled() { compgen -G "/etc/systemd/system/*.wants/anycast-healthd.service" >/dev/null; }

# A process running the installed binary (the lab's daemons run build trees').
installed_daemon_running()
{
	local exe
	for exe in /proc/[0-9]*/exe; do
		[ "$(readlink "$exe" 2>/dev/null)" = /usr/sbin/anycast-healthd ] && return 0
	done
	return 1
}
user_exists() { getent passwd anycast-healthd >/dev/null; }
not_running() { ! installed_daemon_running; }
not_enabled() { ! unit_enabled; }

verify_unit()
{
	if ! command -v systemd-analyze >/dev/null; then
		echo "# skip: systemd-analyze verify: systemd-analyze is not installed here"
		return 0
	fi
	local out
	out=$(systemd-analyze verify "$UNIT" 2>&1) && [ -z "$out" ] && return 0
	echo "$out" | sed 's/^/#   /'
	return 1
}

# ---- 5: used, then purged
use_like_an_operator()
{
	systemctl enable anycast-healthd.service >/dev/null 2>&1 && unit_enabled &&
		sed -i 's/192.0.2.1\/32/192.0.2.2\/32/' "$CONF" &&
		install -d -m 0755 -o anycast-healthd -g anycast-healthd /run/anycast-healthd &&
		/usr/sbin/anycast-healthd --init-bird-state -c "$CONF" >/dev/null 2>&1 &&
		[ -s /run/anycast-healthd/bird-state.conf ] &&
		install -d -m 0750 -o anycast-healthd -g anycast-healthd /var/lib/anycast-healthd &&
		echo '{}' >/var/lib/anycast-healthd/admin-state.json
}

# dpkg -i again (the upgrade path of the maintainer scripts): the edited
# conffile, the enablement and the state stay; nothing is started.
reinstall_keeps()
{
	dpkg -i "$DEB" >"$WORK/reinstall.log" 2>&1 || { tail -n 5 "$WORK/reinstall.log" | sed 's/^/#   /'; return 1; }
	grep -q '192.0.2.2/32' "$CONF" && unit_enabled && not_running &&
		[ -s /run/anycast-healthd/bird-state.conf ] && [ -e /var/lib/anycast-healthd/admin-state.json ]
}

# What dpkg -L listed before the purge and is still there: files and
# symlinks, and the directories only this package owns.
left_behind()
{
	local p
	while read -r p; do
		[ -n "$p" ] || continue
		if [ -d "$p" ]; then	# also /lib, a symlink on a merged /usr
			case "$p" in */anycast-healthd|*/anycast-healthd/*) ;; *) continue ;; esac
		fi
		[ -e "$p" ] || [ -L "$p" ] && echo "$p"
	done <"$WORK/files.list"
	for p in $STATE_PATHS /var/lib/systemd/deb-systemd-helper-enabled/anycast-healthd.service.dsh-also \
		/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/anycast-healthd.service; do
		[ -e "$p" ] || [ -L "$p" ] && echo "$p"
	done
	unit_enabled && echo "/etc/systemd/system/*.wants/anycast-healthd.service"
	return 0
}

dpkg_forgot() { ! dpkg-query -W "$PKG" >/dev/null 2>&1 && ! dpkg -l "$PKG" >/dev/null 2>&1; }

# ----------------------------------------------------------------------
precondition
WORK=$(mktemp -d /tmp/ahd-deb.XXXXXX)
BEFORE=$(tree_status)

if unpack_source; then ok "source: $SOURCE_KIND unpacked in a temp dir"
else not_ok "source" "$SOURCE_KIND failed: $(tail -n 3 "$WORK/dist.log" 2>/dev/null)"; finish; fi

t0=$EPOCHREALTIME
if build; then
	ok "dpkg-buildpackage -us -uc -b ($(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", b - a }') s)"
else
	not_ok "dpkg-buildpackage" "failed:"; tail -n 20 "$WORK/build.log" | sed 's/^/#   /'; finish
fi
DEB=$(ls "$WORK/$PKG"_*_*.deb)
check "dpkg-source -b (for lintian's source checks)" "failed (above)" source_package
check "lintian (binary and source): no error, no warning" "lintian reports the lines above" lint
mkdir -p "$WORK/x" && dpkg-deb -x "$DEB" "$WORK/x"
check "Depends from shlibs: every library the daemon links" "see above" \
	depends_from_shlibs "$DEB" "$WORK/x/usr/sbin/anycast-healthd"
check "hardening: PIE and BIND_NOW" "readelf shows no PIE or no BIND_NOW" hardened "$WORK/x/usr/sbin/anycast-healthd"
AFTER=$(tree_status)
check "the source tree is untouched" "git status changed" [ "$BEFORE" = "$AFTER" ]

INSTALLED=1	# from here on the exit purges, also after a half-done dpkg -i
if dpkg -i "$DEB" >"$WORK/install.log" 2>&1; then ok "dpkg -i"
else not_ok "dpkg -i" "$(tail -n 5 "$WORK/install.log")"; finish; fi
dpkg -L "$PKG" >"$WORK/files.list"
VERSION=$(dpkg-query -W -f='${Version}' "$PKG")
check "anycast-healthd --version is $VERSION" "wrong or no version" \
	bash -c '/usr/sbin/anycast-healthd --version | grep -qF -- "$1"' _ "$VERSION"
check "anycast-healthctl --version is $VERSION" "wrong or no version" \
	bash -c '/usr/bin/anycast-healthctl --version | grep -qF -- "$1"' _ "$VERSION"
for m in man8/anycast-healthd.8 man8/anycast-healthctl.8 man5/anycast-healthd.json.5; do
	check "man page $m" "missing or not a man page" manpage_ok "/usr/share/man/$m.gz"
done
check "bash completion for anycast-healthctl" "missing or does not register" completion_ok
check "examples: the tree's snippets under $EXAMPLES" "see above" examples_ok
check "conffile $CONF, with the example's content" "not in Conffiles or different" conffile_ok
check "the installed binary validates the installed config (-n)" "anycast-healthd -n failed" \
	/usr/sbin/anycast-healthd -n
check "... and rejects a broken copy, naming the value" "accepted it" rejects_broken
check "system user anycast-healthd (sysusers)" "no such user" user_exists
check "unit $UNIT is the tree's" "missing or different" cmp -s "$UNIT" "$WORK/src/etc/anycast-healthd.service"
check "unit not enabled by the install" "enabled" not_enabled
check "daemon not started by the install" "an installed anycast-healthd runs" not_running
check "systemd-analyze verify $UNIT" "it complains (above)" verify_unit

check "used: enabled, config edited, state written" "could not" use_like_an_operator
check "reinstalled (dpkg -i again): edits, enablement and state kept, not started" "lost or started" reinstall_keeps
if dpkg --purge "$PKG" >"$WORK/purge.log" 2>&1; then INSTALLED=0; ok "dpkg --purge"
else not_ok "dpkg --purge" "$(tail -n 5 "$WORK/purge.log")"; fi
LEFT=$(left_behind)
check "purge left nothing: package files, config, state, enablement" "left: $(echo $LEFT)" [ -z "$LEFT" ]
check "dpkg has no entry for $PKG" "dpkg -l still lists it" dpkg_forgot
if user_exists; then
	echo "# the system user anycast-healthd stays after the purge, as Debian keeps system users"
fi
finish
