#!/bin/sh
# Reproducibility check: copy the source tree (tracked and untracked,
# not ignored) into two directories of different names and depths, build
# each, and require byte-identical outputs.  SOURCE_DATE_EPOCH and the
# commit id come from this tree so both builds see the same values.
set -eu
cd "$(dirname "$0")/.."

SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || echo 0)
MANTRA_COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
export SOURCE_DATE_EPOCH MANTRA_COMMIT

tmp=$(mktemp -d /tmp/mantra-repro.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
a=$tmp/a
b=$tmp/second/tree/b
for d in "$a" "$b"; do
	mkdir -p "$d"
	git ls-files -z --cached --others --exclude-standard |
		xargs -0 -I{} sh -c 'test -e "{}" && cp --parents -p "{}" "$0"' "$d"
done
(cd "$a" && umask 022 && make -s all BUILD=build >/dev/null)
(cd "$b" && umask 077 && make -s all BUILD=build >/dev/null)

status=0
for f in mantra.img kernel.elf BOOTX64.EFI bootfs.img; do
	if cmp -s "$a/build/$f" "$b/build/$f"; then
		echo "repro: $f identical ($(sha256sum < "$a/build/$f" | cut -c1-16))"
	else
		echo "repro: $f DIFFERS"
		status=1
	fi
done
[ $status = 0 ] && echo "repro-check: passed" || echo "repro-check: FAILED"
exit $status
