#!/bin/sh
# Install the Debian packages MantraOS needs (those named in toolchain.lock,
# plus gdb for `make debug`) if any is missing.  Non-interactive; needs root
# or sudo only when something is missing.  Runs `apt-get update` once first,
# because a fresh machine has no package index.
set -eu
cd "$(dirname "$0")/.."

pkgs=$(awk '!/^#/ && NF { print $1 }' toolchain.lock)
missing=
for p in $pkgs gdb; do
	status=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" = 0 ]; then
	sudo=
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo -n"
else
	echo "deps: missing packages:$missing; run as root: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
