#!/usr/bin/env python3
"""System tests of the built disk image and of reproducibility.

Run by tools/run_tests.py with MANTRA_BUILD set (default: build).  Prints
`ok image.NAME` / `FAIL image.NAME: reason` lines; exits 1 on failure.
"""
import os
import struct
import subprocess
import sys
import tempfile
import zlib

BUILD = os.environ.get("MANTRA_BUILD", "build")
IMAGE = os.path.join(BUILD, "mantra.img")
SECTOR = 512
ESP_GUID = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
failed = 0


def report(name, problem):
    global failed
    if problem:
        failed += 1
        print(f"FAIL image.{name}: {problem}")
    else:
        print(f"ok image.{name}")


def guid_str(raw):
    a, b, c = struct.unpack_from("<IHH", raw)
    return f"{a:08X}-{b:04X}-{c:04X}-{raw[8:10].hex().upper()}-{raw[10:16].hex().upper()}"


def check_gpt(data):
    """UEFI 2.10 section 5.3: header at LBA 1 with valid CRCs, one ESP
    partition, a backup header in the last LBA."""
    hdr = data[SECTOR:2 * SECTOR]
    if hdr[:8] != b"EFI PART":
        return "no GPT signature at LBA 1"
    size = struct.unpack_from("<I", hdr, 12)[0]
    crc = struct.unpack_from("<I", hdr, 16)[0]
    check = bytearray(hdr[:size])
    check[16:20] = b"\0\0\0\0"
    if zlib.crc32(check) != crc:
        return "GPT header CRC mismatch"
    entries_lba, count, esize, ecrc = struct.unpack_from("<QIII", hdr, 72)
    table = data[entries_lba * SECTOR: entries_lba * SECTOR + count * esize]
    if zlib.crc32(table) != ecrc:
        return "GPT partition array CRC mismatch"
    parts = [table[i * esize:(i + 1) * esize] for i in range(count)]
    used = [p for p in parts if any(p[:16])]
    if len(used) != 1 or guid_str(used[0][:16]) != ESP_GUID:
        return f"expected exactly one EFI System Partition, found {len(used)} partitions"
    first = struct.unpack_from("<Q", used[0], 32)[0]
    if first != 2048:
        return f"ESP starts at LBA {first}, expected 2048"
    backup = struct.unpack_from("<Q", hdr, 32)[0]
    if data[backup * SECTOR: backup * SECTOR + 8] != b"EFI PART":
        return "no backup GPT header"
    return None


def check_esp_fsck(data):
    esp = data[2048 * SECTOR: 2048 * SECTOR + 64 * 1024 * 1024]
    if esp[82:90] != b"FAT32   ":     # BS_FilSysType of a FAT32 boot sector
        return "ESP is not FAT32"
    with tempfile.NamedTemporaryFile() as f:
        f.write(esp)
        f.flush()
        r = subprocess.run(["fsck.fat", "-n", f.name], capture_output=True, text=True)
        if r.returncode != 0:
            return "fsck.fat: " + r.stdout.strip().splitlines()[-1]
    return None


def check_esp_files():
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    want = ["::/EFI/BOOT/BOOTX64.EFI", "::/mantra/kernel.elf",
            "::/mantra/bootfs.img", "::/mantra/boot.cfg"]
    for path in want:
        r = subprocess.run(["mdir", "-b", "-i", f"{IMAGE}@@1M", path],
                           capture_output=True, text=True, env=env)
        if r.returncode != 0:
            return f"{path} missing"
    with open(os.path.join(BUILD, "BOOTX64.EFI"), "rb") as f:
        pe = f.read()
    off = struct.unpack_from("<I", pe, 0x3C)[0]
    if pe[:2] != b"MZ" or pe[off:off + 4] != b"PE\0\0":
        return "BOOTX64.EFI is not a PE image"
    machine = struct.unpack_from("<H", pe, off + 4)[0]
    subsystem = struct.unpack_from("<H", pe, off + 24 + 68)[0]
    if machine != 0x8664 or subsystem != 10:
        return f"BOOTX64.EFI machine {machine:#x} subsystem {subsystem} (want x86-64 EFI application)"
    return None


def check_reproducible():
    r = subprocess.run(["tools/repro_check.sh"], capture_output=True, text=True)
    if r.returncode != 0:
        return " ".join(l for l in r.stdout.splitlines() if "DIFFERS" in l) or r.stderr[-300:]
    return None


def main():
    with open(IMAGE, "rb") as f:
        data = f.read()
    report("gpt_valid", check_gpt(data))
    report("esp_fat32_clean", check_esp_fsck(data))
    report("esp_has_boot_files", check_esp_files())
    report("reproducible", check_reproducible())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
