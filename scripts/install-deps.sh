#!/usr/bin/env bash
# Install the Debian build and test dependencies when any is missing.
# Non-interactive; runs apt-get only when needed (root, or sudo when present).
set -euo pipefail
PKGS=(build-essential clang pkg-config libcurl4-openssl-dev libssl-dev libinih-dev
      libxml2-dev libjansson-dev libfuse3-dev fuse3 libsqlite3-dev libcmocka-dev
      libevent-dev sqlite3 openssl curl jq python3 iproute2 procps util-linux passwd)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
