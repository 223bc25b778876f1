#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install the Debian build and test dependencies, and prove they work.
#
# Two lists, both easy to extend:
#   PKGS    packages installed with apt-get when dpkg says they are missing;
#   PROBES  capabilities the build and tests need ("clang links ASan"),
#           each naming the package that provides it. A package can be
#           present and still not give the capability (a recommended
#           package left out by --no-install-recommends, a deleted file),
#           so a failing probe installs (or reinstalls) its package, and a
#           probe still failing afterwards stops with a one-line reason.
# Silent when nothing is missing; says what apt is doing when it installs.
# Runs apt-get as root, or through sudo.
#   --gui  also what make gui-test needs: a display server, the accessibility
#          bus, the AT-SPI Python bindings, screenshot and validation tools.
set -euo pipefail

PKGS=(build-essential clang libclang-rt-dev pkg-config git
      libcurl4-openssl-dev libssl-dev libinih-dev libxml2-dev libjansson-dev
      libfuse3-dev fuse3 libsqlite3-dev libcmocka-dev libevent-dev
      libpq-dev postgresql sqlite3 openssl curl jq python3 iproute2 procps util-linux passwd
      libgtk-4-dev gettext scdoc man-db xorriso dosfstools mtools)
GUI=0
[ "${1:-}" = "--gui" ] && GUI=1
[ $GUI -eq 1 ] && PKGS+=(xvfb x11-utils xdotool dbus dbus-daemon at-spi2-core
                         gir1.2-atspi-2.0 python3-gi imagemagick librsvg2-common
                         gsettings-desktop-schemas fonts-dejavu-core desktop-file-utils appstream)

# clang's sanitizer and libFuzzer runtimes are only a Recommends of clang.
# PKGS names the metapackage (it follows Debian's default clang); a probe
# names the versioned package that owns the files, so a reinstall restores
# them (Debian 12: libclang-rt-14-dev).
CLANG_RT=libclang-rt-dev
v=$(clang -dumpversion 2>/dev/null) && CLANG_RT="libclang-rt-${v%%.*}-dev"

# "PACKAGE|what it gives|probe function and arguments"
PROBES=(
	"build-essential|gcc compiles and links C11|probe_cc gcc"
	"clang|clang compiles and links C11|probe_cc clang"
	"$CLANG_RT|clang links -fsanitize=address,undefined (make check)|probe_cc clang -fsanitize=address,undefined"
	"$CLANG_RT|clang links -fsanitize=fuzzer (make fuzz)|probe_fuzzer"
	"pkg-config|pkg-config on PATH|command -v pkg-config"
	"libcurl4-openssl-dev|pkg-config finds libcurl|pkg-config --exists libcurl"
	"libssl-dev|pkg-config finds openssl|pkg-config --exists openssl"
	"libinih-dev|pkg-config finds inih|pkg-config --exists inih"
	"libxml2-dev|pkg-config finds libxml-2.0|pkg-config --exists libxml-2.0"
	"libjansson-dev|pkg-config finds jansson|pkg-config --exists jansson"
	"libfuse3-dev|pkg-config finds fuse3|pkg-config --exists fuse3"
	"libsqlite3-dev|pkg-config finds sqlite3|pkg-config --exists sqlite3"
	"libevent-dev|pkg-config finds libevent_openssl|pkg-config --exists libevent libevent_openssl"
	"libcmocka-dev|pkg-config finds cmocka|pkg-config --exists cmocka"
	"libpq-dev|pkg-config finds libpq (amt-verify's PostgreSQL store)|pkg-config --exists libpq"
	"postgresql|initdb and pg_ctl (the store tests start a real server)|ls /usr/lib/postgresql/*/bin/initdb /usr/lib/postgresql/*/bin/pg_ctl"
	"fuse3|fusermount3 on PATH (the simulator unmounts with it)|command -v fusermount3"
	"jq|jq on PATH (integration tests)|command -v jq"
	"python3|python3 on PATH (integration tests)|command -v python3"
	"util-linux|setpriv on PATH (tests switch to an unprivileged user)|command -v setpriv"
	"git|git on PATH (make lint lists the sources with it)|command -v git"
	"libgtk-4-dev|pkg-config finds gtk4 (amt-help)|pkg-config --exists gtk4"
	"gettext|xgettext and msgfmt on PATH (amt-help's translations)|command -v xgettext && command -v msgfmt"
	"scdoc|scdoc on PATH (make builds the man pages with it)|command -v scdoc"
	"man-db|man on PATH (the man page test renders every page)|command -v man"
	"xorriso|xorriso on PATH (test_ider.sh builds a bootable ISO)|command -v xorriso"
	"dosfstools|mkfs.fat on PATH (test_ider.sh builds a floppy image)|command -v mkfs.fat"
	"mtools|mcopy on PATH (test_ider.sh puts a file on the floppy)|command -v mcopy"
)
[ $GUI -eq 1 ] && PROBES+=(
	"xvfb|Xvfb on PATH (make gui-test)|command -v Xvfb"
	"at-spi2-core|the accessibility bus launcher|test -x /usr/libexec/at-spi-bus-launcher"
	"gir1.2-atspi-2.0|python3 imports Atspi (make gui-test)|probe_atspi"
	"dbus-daemon|dbus-run-session on PATH|command -v dbus-run-session"
	"xdotool|xdotool on PATH (keyboard input)|command -v xdotool"
	"imagemagick|import on PATH (screenshots)|command -v import"
	"librsvg2-common|GdkPixbuf loads SVG (amt-help's icon)|ls /usr/lib/*/gdk-pixbuf-2.0/2.10.0/loaders/libpixbufloader-svg.so"
	"desktop-file-utils|desktop-file-validate on PATH|command -v desktop-file-validate"
	"appstream|appstreamcli on PATH|command -v appstreamcli"
)

# --packaging: what tests/package/install-test.sh needs besides the build
# (make deb, make rpm, lintian, a Debian root booted with systemd-nspawn);
# not part of make check, whose machines need none of it.
if [ "${1:-}" = --packaging ]; then
	PKGS=(debhelper dpkg-dev fakeroot lintian rpm debootstrap systemd systemd-container
	      bash-completion man-db binutils e2fsprogs)
	PROBES=(
		"debhelper|dh on PATH (make deb)|command -v dh"
		"dpkg-dev|dpkg-buildpackage on PATH (make deb)|command -v dpkg-buildpackage"
		"lintian|lintian on PATH|command -v lintian"
		"rpm|rpmbuild on PATH (make rpm)|command -v rpmbuild"
		"debootstrap|debootstrap on PATH (the clean Debian 12 root)|command -v debootstrap"
		"systemd|systemd-analyze on PATH (security and verify)|command -v systemd-analyze"
		"systemd-container|systemd-nspawn on PATH (boots the clean root)|command -v systemd-nspawn"
		"e2fsprogs|chattr on PATH (an immutable variable, as efivarfs makes it)|command -v chattr"
	)
fi

say() { echo "install-deps: $*"; }

PROBE_DIR=$(mktemp -d /tmp/install-deps.XXXXXX)
trap 'rm -rf "$PROBE_DIR"' EXIT
printf '#include <stdio.h>\nint main(void) { puts("ok"); return 0; }\n' > "$PROBE_DIR/main.c"
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' > "$PROBE_DIR/fuzz.c"

probe_cc() { # COMPILER [FLAGS]: compile, link and run a one-line program
	local cc=$1; shift
	command -v "$cc" >/dev/null || return 1
	"$cc" -std=c11 "$@" "$PROBE_DIR/main.c" -o "$PROBE_DIR/main" 2>"$PROBE_DIR/cc.err" &&
		[ "$("$PROBE_DIR/main" 2>/dev/null)" = ok ]
}
probe_atspi() { # Debian's python3, where python3-gi installs (not a pyenv one)
	/usr/bin/python3 -c 'import gi; gi.require_version("Atspi", "2.0"); from gi.repository import Atspi'
}
probe_fuzzer() {
	command -v clang >/dev/null &&
		clang -fsanitize=fuzzer,address "$PROBE_DIR/fuzz.c" -o "$PROBE_DIR/fuzz" 2>"$PROBE_DIR/cc.err"
}

# failing_probes: print "PACKAGE|what" for every probe that fails
failing_probes() {
	local p pkg what cmd
	for p in "${PROBES[@]}"; do
		IFS='|' read -r pkg what cmd <<<"$p"
		# shellcheck disable=SC2086 # cmd is a function name and its words
		( eval "$cmd" ) >/dev/null 2>&1 || echo "$pkg|$what"
	done
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=(); reinstall=()
for p in "${PKGS[@]}"; do installed "$p" || missing+=("$p"); done
while IFS='|' read -r pkg what; do
	[ -n "$pkg" ] || continue
	if installed "$pkg"; then
		[[ " ${reinstall[*]} " == *" $pkg "* ]] || reinstall+=("$pkg")
		say "$pkg is installed but: $what fails; reinstalling it"
	else
		[[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
	fi
done < <(failing_probes)

# Optional test peers: the test that needs one skips with a message when it
# is absent, so failing to install one is said and never stops the build.
#   amtterm  Debian's Serial-over-LAN client 1.4 (tests/integration/test_repair.sh)
OPTIONAL=(amtterm)
opt=(); for p in "${OPTIONAL[@]}"; do installed "$p" || opt+=("$p"); done
if [ ${#opt[@]} -gt 0 ]; then
	osudo=(); [ "$(id -u)" -eq 0 ] || osudo=(sudo)
	oapt() { DEBIAN_FRONTEND=noninteractive "${osudo[@]}" apt-get -q "$@" >/dev/null 2>&1 < /dev/null; }
	say "installing the optional ${opt[*]} (a test skips without it)"
	oapt install -y --no-install-recommends "${opt[@]}" ||
		{ oapt update && oapt install -y --no-install-recommends "${opt[@]}"; } ||
		say "could not install ${opt[*]}: the tests that use it will be skipped"
fi

[ ${#missing[@]} -eq 0 ] && [ ${#reinstall[@]} -eq 0 ] && exit 0

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { say "missing ${missing[*]} ${reinstall[*]}: run as root (or install sudo)" >&2; exit 1; }
	SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
LOG=$(mktemp /tmp/install-deps-apt.XXXXXX.log)
start=$SECONDS

# apt_step WHAT ARGS...: run apt-get quietly into $LOG, relaying its phases
# ("downloading 85 MB", "unpacking 120 packages", "setting up") as they start.
apt_step() {
	local what=$1; shift
	say "$what"
	if ! "${SUDO[@]}" apt-get -o Dpkg::Use-Pty=0 "$@" >>"$LOG" 2>&1 < /dev/null; then
		say "apt-get failed while: $what; last lines of $LOG:" >&2
		tail -15 "$LOG" >&2
		exit 1
	fi
}
apt_install() { # ARGS... for apt-get install; progress from the log while it runs
	local seen_unpack=0 seen_setup=0 line rc=0
	"${SUDO[@]}" apt-get -o Dpkg::Use-Pty=0 install -y --no-install-recommends "$@" < /dev/null 2>&1 |
		tee -a "$LOG" | while IFS= read -r line; do
		case "$line" in
		*" newly installed, "*)
			[[ "$line" =~ ([0-9]+)\ newly\ installed ]] && [ "${BASH_REMATCH[1]}" != 0 ] &&
				say "apt: ${BASH_REMATCH[1]} packages to install, with their dependencies"
			[[ "$line" =~ ([0-9]+)\ reinstalled ]] && say "apt: ${BASH_REMATCH[1]} to reinstall" ;;
		"Need to get "*) line=${line#Need to get }; say "apt: downloading ${line%.}" ;;
		"Unpacking "*) [ $seen_unpack -eq 1 ] || say "apt: unpacking"; seen_unpack=1 ;;
		"Setting up "*) [ $seen_setup -eq 1 ] || say "apt: setting up"; seen_setup=1 ;;
		esac
	done || rc=$?
	if [ "$rc" -ne 0 ]; then
		say "apt-get install failed (exit $rc); last lines of $LOG:" >&2
		tail -15 "$LOG" >&2
		exit 1
	fi
}

apt_step "apt-get update (refreshing the package lists)" update -q
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	apt_install "${missing[@]}"
fi
if [ ${#reinstall[@]} -gt 0 ]; then
	say "reinstalling ${reinstall[*]}"
	apt_install --reinstall "${reinstall[@]}"
fi

still=0
while IFS='|' read -r pkg what; do
	[ -n "$pkg" ] || continue
	say "still failing after install: $what; package $pkg does not provide it here (see $LOG)" >&2
	still=1
done < <(failing_probes)
[ $still -eq 0 ] || exit 1
rm -f "$LOG"
say "done in $((SECONDS - start)) s; every build and test capability checked"
