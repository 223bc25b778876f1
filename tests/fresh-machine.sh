#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Proof that a fresh Debian 12 machine passes `make check` (issue 8).
# Run on demand (never from make check); needs root, network access to a
# Debian mirror, /dev/fuse and about 2 GB under build/.
#
#   1. debootstrap --variant=minbase bookworm, plus only git make sudo
#      ca-certificates (dependencies only, no recommends): the smallest
#      machine a user could start from. Cached as
#      build/fresh-machine/bookworm-minbase.tar.gz; a rerun unpacks it anew.
#   2. A fresh clone of the current HEAD (a git bundle; uncommitted changes
#      are not in it) into /usr/src/amt-agent, by the root's own git.
#   3. In a private mount and PID namespace (so nothing mounted or started
#      inside outlives the run): /proc, /sys, /dev (with /dev/fuse) and
#      /dev/pts, then `make check` as root in a clean environment. make
#      check installs every other package through scripts/install-deps.sh.
#
# usage: tests/fresh-machine.sh [--rebootstrap]
# The last line says PASSED or FAILED with the test count and the time;
# the exit code is make check's. Full log: build/fresh-machine/check.log.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK="$ROOT/build/fresh-machine"
TARBALL="$WORK/bookworm-minbase.tar.gz"
CHROOT="$WORK/root"
SUITE=bookworm
say() { echo "fresh-machine: $*"; }
die() { say "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mounts): run 'sudo $0'"
[ -c /dev/fuse ] || die "/dev/fuse is missing: load the fuse module (modprobe fuse)"
mkdir -p "$WORK"
exec 9> "$WORK/.lock"
flock -n 9 || die "another tests/fresh-machine.sh is running on $WORK"
[ "${1:-}" = --rebootstrap ] && rm -f "$TARBALL"

# The mirror this machine's apt already uses: deb822 .sources or one-line .list.
host_sources() {
	find /etc/apt/sources.list /etc/apt/sources.list.d -maxdepth 1 -type f \
		\( -name '*.list' -o -name '*.sources' \) 2>/dev/null | sort
}
mirror=""
for f in $(host_sources); do
	mirror=$(grep -hoE '^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)https?://[^[:space:]]+' "$f" |
		grep -oE 'https?://[^[:space:]]+' | grep -v -- '-security' | head -1) || true
	[ -n "$mirror" ] && break
done
mirror=${mirror:-http://deb.debian.org/debian}

start=$SECONDS
if [ ! -s "$TARBALL" ]; then
	if ! command -v debootstrap >/dev/null; then
		say "installing debootstrap on this machine (apt-get)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null 2>&1 ||
			die "apt-get install debootstrap failed"
	fi
	say "debootstrap --variant=minbase $SUITE from $mirror (cached afterwards in $TARBALL)"
	rm -rf "$WORK/bootstrap"
	debootstrap --variant=minbase --include=git,make,sudo,ca-certificates \
		"$SUITE" "$WORK/bootstrap" "$mirror" > "$WORK/debootstrap.log" 2>&1 ||
		die "debootstrap failed; last lines of $WORK/debootstrap.log: $(tail -3 "$WORK/debootstrap.log")"
	rm -rf "$WORK/bootstrap/var/cache/apt/archives/"*.deb "$WORK/bootstrap/var/lib/apt/lists/"*_*
	tar -C "$WORK/bootstrap" -czf "$TARBALL.tmp" .
	mv "$TARBALL.tmp" "$TARBALL"
	rm -rf "$WORK/bootstrap"
	say "bootstrapped in $((SECONDS - start)) s"
fi

say "unpacking a fresh root from $TARBALL into $CHROOT"
if [ -d "$CHROOT" ]; then
	grep -q " $CHROOT" /proc/mounts && die "$CHROOT still has mounts; unmount them first"
	rm -rf "$CHROOT"
fi
mkdir -p "$CHROOT"
tar -C "$CHROOT" -xzf "$TARBALL"

# Apt inside reaches the same mirrors as this machine's apt.
rm -f "$CHROOT/etc/apt/sources.list"
for f in $(host_sources); do cp "$f" "$CHROOT/etc/apt/$( [ "$f" = /etc/apt/sources.list ] || echo sources.list.d/)$(basename "$f")"; done
cp /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null || true
cp /etc/hosts "$CHROOT/etc/hosts"
# Downloaded .debs are kept between runs (what is installed is fresh each run).
mkdir -p "$WORK/apt-archives/partial"

say "cloning HEAD ($(git -C "$ROOT" rev-parse --short HEAD)) of $ROOT"
[ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ] ||
	say "note: uncommitted changes in $ROOT are not part of the clone"
git -C "$ROOT" bundle create "$CHROOT/tmp/amt-agent.bundle" HEAD 2>/dev/null

# Inside a new mount and PID namespace: mounts and leftover processes end
# with it. /usr/src/amt-agent (not /root, mode 0700) because the tests run
# the built binaries as an unprivileged user, who must reach them.
say "make check inside (log: $WORK/check.log)"
check_start=$SECONDS
set +e
# shellcheck disable=SC2016 # expanded by the inner shell
unshare --mount --propagation private --pid --fork /bin/bash -euc '
	R=$1 ARCH=$2
	mount -t proc proc "$R/proc"
	mount --rbind /sys "$R/sys"
	mount --bind /dev "$R/dev"
	mount --bind /dev/pts "$R/dev/pts"
	mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm"
	mount --bind "$ARCH" "$R/var/cache/apt/archives"
	exec chroot "$R" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c "git -c advice.detachedHead=false clone -q /tmp/amt-agent.bundle /usr/src/amt-agent &&
			rm /tmp/amt-agent.bundle && cd /usr/src/amt-agent && make check"
' fresh "$CHROOT" "$WORK/apt-archives" < /dev/null 2>&1 | tee "$WORK/check.log"
rc=${PIPESTATUS[0]}
set -e

took=$((SECONDS - check_start)); total=$((SECONDS - start))
counts=$(grep -oE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$WORK/check.log" | tail -1)
if [ "$rc" -eq 0 ] && [ -n "$counts" ]; then
	say "PASSED: make check in a fresh Debian 12 minbase root: $counts; make check $((took / 60))m$((took % 60))s, all $((total / 60))m$((total % 60))s"
else
	say "FAILED: make check exited $rc${counts:+ ($counts)}; see $WORK/check.log"
	[ "$rc" -ne 0 ] || rc=1
fi
exit "$rc"
