#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# with-mei0.sh: run a program that insists on /dev/mei0 (Intel LMS, metee's
# tests, rpc-go) against amt-sim's device file, without touching the machine.
#
#   sudo scripts/with-mei0.sh [--net] [--etc] [--syslog FILE] [--sysfs DIR] DEVICE CMD [ARG...]
#
# CMD runs in a private mount namespace whose /dev is a fresh tmpfs holding
# the usual nodes (bind mounts of the host's) and mei0, a bind mount of
# DEVICE (the file amt-sim serves). The host's /dev, /etc and network stay as
# they are.
#   --net          also a private network namespace with only lo (up): LMS
#                  listens on 0.0.0.0:16992/623 there, not on the machine
#   --etc          a private copy of /etc (LMS writes /etc/lms and /etc/hosts)
#   --syslog FILE  receive /dev/log datagrams into FILE (LMS logs only to
#                  syslog; needs python3); with --etc, LMS logs at TRACE
#   --sysfs DIR    DIR (what amt-sim run --sysfs DIR writes: DIR/mei0/fw_status,
#                  fw_ver, trc, kind, ...) appears as /sys/class/mei, where
#                  metee and the kernel's users read the attributes; the
#                  host's /sys stays as it is
# Enter the same namespaces from another shell with
#   nsenter -t PID -m -n CMD   (PID of CMD; it is exec'd, so $! of this script)
set -euo pipefail

net=0 etc=0 syslog='' sysfs=''
while [ $# -gt 0 ]; do
	case $1 in
	--net) net=1; shift ;;
	--etc) etc=1; shift ;;
	--syslog) syslog=$(realpath -m "$2"); shift 2 ;;
	--sysfs) sysfs=$(realpath -m "$2"); shift 2 ;;
	--) shift; break ;;
	-*) echo "with-mei0.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ $# -lt 2 ]; then
	echo "usage: with-mei0.sh [--net] [--etc] [--syslog FILE] [--sysfs DIR] DEVICE CMD [ARG...]" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "with-mei0.sh: needs root (it makes mount namespaces); run it with sudo" >&2
	exit 4
fi
dev=$(realpath "$1"); shift
if ! grep -q " $dev fuse.amt-sim " /proc/mounts; then
	echo "with-mei0.sh: $dev is not an amt-sim device file; start amt-sim run --device $dev first" >&2
	exit 1
fi
if [ -n "$sysfs" ] && [ ! -d "$sysfs/mei0" ]; then
	echo "with-mei0.sh: $sysfs/mei0 does not exist; start amt-sim run --sysfs $sysfs first" >&2
	exit 1
fi

# Propagation is made private inside, not by unshare: in a chroot (a build
# or CI root) / is not a mount point and unshare's own attempt fails.
unshare_args=(-m --propagation unchanged)
[ "$net" = 1 ] && unshare_args+=(-n)
# shellcheck disable=SC2016 # the inner script expands its own arguments
exec unshare "${unshare_args[@]}" bash -c '
set -euo pipefail
dev=$1 etc=$2 syslog=$3 sysfs=$4; shift 4
# Nothing mounted below may reach the machine: every mount private (/ and
# what is under it; in a chroot, each mount it can see).
if ! mount --make-rprivate / 2>/dev/null; then
	while read -r _ _ _ _ m _; do
		mount --make-private "$(printf "%b" "${m//\\/\\0}")" 2>/dev/null || true
	done < /proc/self/mountinfo
fi
d=$(mktemp -d /tmp/with-mei0.XXXXXX)
mount -t tmpfs -o mode=755 with-mei0 "$d"
for n in null zero full random urandom tty ptmx fuse; do
	[ -e "/dev/$n" ] || continue
	touch "$d/$n"; mount --bind "/dev/$n" "$d/$n"
done
for m in pts shm mqueue; do
	[ -d "/dev/$m" ] || continue
	mkdir -p "$d/$m"; mount --bind "/dev/$m" "$d/$m"
done
ln -s /proc/self/fd "$d/fd"
ln -s fd/0 "$d/stdin"; ln -s fd/1 "$d/stdout"; ln -s fd/2 "$d/stderr"
touch "$d/mei0"; mount --bind "$dev" "$d/mei0"
mount --move "$d" /dev
rmdir "$d" 2>/dev/null || true
ip link set lo up 2>/dev/null || true
if [ -n "$sysfs" ]; then
	if [ -d /sys/class/mei ]; then
		mount --bind "$sysfs" /sys/class/mei
	else
		# no mei driver on this machine: a tmpfs /sys/class holding the
		# host'"'"'s classes (bind mounts) and mei
		c=$(mktemp -d /tmp/with-mei0-class.XXXXXX)
		mount -t tmpfs -o mode=755 with-mei0-class "$c"
		for e in /sys/class/*; do
			[ "${e##*/}" = mei ] && continue
			mkdir "$c/${e##*/}"; mount --bind "$e" "$c/${e##*/}"
		done
		mkdir "$c/mei"; mount --bind "$sysfs" "$c/mei"
		mount --move "$c" /sys/class
		rmdir "$c" 2>/dev/null || true
	fi
fi
if [ "$etc" = 1 ]; then
	e=$(mktemp -d /tmp/with-mei0-etc.XXXXXX)
	mount -t tmpfs -o mode=755 with-mei0-etc "$e"
	cp -a /etc/. "$e/"
	mount --move "$e" /etc
	rmdir "$e" 2>/dev/null || true
	# intel/lms linux_scripts/lms_enable_logging_severity.sh, severity TRACE
	mkdir -p /etc/lms/IntelAMTUNS_
	printf "\x34\x01\x00\x00\x00\x00\x00\x00\x00" > /etc/lms/IntelAMTUNS_/LMSLoggingSeverity
fi
if [ -n "$syslog" ]; then
	# the sink ends when CMD (its parent, after the exec below) ends
	python3 -c "
import os, socket, sys
parent = os.getppid()
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(\"/dev/log\"); os.chmod(\"/dev/log\", 0o666)
s.settimeout(1.0)
f = open(sys.argv[1], \"ab\", buffering=0)
while os.getppid() == parent:
    try: f.write(s.recv(65536).rstrip(b\"\\0\\n\") + b\"\\n\")
    except socket.timeout: pass
" "$syslog" &
	for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
fi
exec "$@"
' with-mei0 "$dev" "$etc" "$syslog" "$sysfs" "$@"
