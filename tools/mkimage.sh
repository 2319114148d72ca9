#!/bin/sh
# Build a bootable GPT disk image with one EFI System Partition (FAT32),
# without root: mtools fills the FAT image, sgdisk writes the partition
# table, dd places the one inside the other.
#
#   mkimage.sh OUT.img SRC:DEST [SRC:DEST ...]
#
# DEST is a path on the ESP (e.g. /EFI/BOOT/BOOTX64.EFI).  Reproducible:
# fixed GUIDs and volume serial, timestamps from SOURCE_DATE_EPOCH, files
# and directories created in sorted order.
set -eu
PATH=$PATH:/usr/sbin:/sbin      # sgdisk lives in /sbin on Debian

out=$1; shift
esp_mib=64
esp_start=2048                              # LBA; 1 MiB aligned
disk_guid=4d414e54-5241-4f53-8000-000000000001
part_guid=4d414e54-5241-4f53-8000-0000000000e5
: "${SOURCE_DATE_EPOCH:=0}"
# FAT cannot store dates before 1980: clamp (1980-01-02, any time zone).
[ "$SOURCE_DATE_EPOCH" -ge 315619200 ] || SOURCE_DATE_EPOCH=315619200
export SOURCE_DATE_EPOCH MTOOLS_SKIP_CHECK=1 MTOOLS_NO_VFAT=1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
esp=$tmp/esp.img

truncate -s ${esp_mib}M "$esp"
mformat -i "$esp" -F -c 1 -N 4d414e54 -v MANTRA ::

# Directories first (parents before children), then files, both sorted.
for spec in "$@"; do dirname "${spec#*:}"; done | sort -u | while read -r d; do
	path=
	for part in $(echo "$d" | tr / ' '); do
		path=$path/$part
		mmd -i "$esp" -D s "::$path" 2>/dev/null || true
	done
done
for spec in $(printf '%s\n' "$@" | sort -t: -k2); do
	mcopy -i "$esp" -o "${spec%%:*}" "::${spec#*:}"
done

rm -f "$out.tmp"
truncate -s $((esp_mib + 2))M "$out.tmp"
sgdisk -U "$disk_guid" -n 1:${esp_start}:+${esp_mib}M -t 1:ef00 \
	-u 1:"$part_guid" -c 1:"EFI System" "$out.tmp" >/dev/null
dd if="$esp" of="$out.tmp" bs=1M seek=1 conv=notrunc status=none
mv "$out.tmp" "$out"
