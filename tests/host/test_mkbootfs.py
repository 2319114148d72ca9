#!/usr/bin/env python3
"""Tests for tools/mkbootfs.py (standard library only).

Run from anywhere: python3 tests/host/test_mkbootfs.py
Prints `ok mkbootfs.NAME` or `FAIL mkbootfs.NAME: reason` per test and exits
non-zero if any failed.  Archives are checked with a parser written here
from docs/bootfs.md (not the packer's own), and, when build/host/test_bootfs
exists (make host-tests), also with the C reader in lib/bootfs through its
BOOTFS_FIXTURE hook.
"""
import os
import struct
import subprocess
import sys
import tempfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "tools", "mkbootfs.py")
C_READER = os.path.join(ROOT, "build", "host", "test_bootfs")

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def run(*args, env=None):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True,
                          text=True, env=env)


def pack(tmp, *args, out="out.bfs"):
    path = os.path.join(tmp, out)
    r = run("-o", path, *args)
    check(r.returncode == 0, f"mkbootfs failed: {r.stderr.strip()}")
    with open(path, "rb") as f:
        return f.read()


def write(tmp, rel, data):
    path = os.path.join(tmp, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def u16(b, o): return struct.unpack_from("<H", b, o)[0]
def u32(b, o): return struct.unpack_from("<I", b, o)[0]
def u64(b, o): return struct.unpack_from("<Q", b, o)[0]


def parse(blob):
    """Independent reader: checks every rule of docs/bootfs.md and returns
    {name: data}.  Raises Fail on any violation."""
    check(len(blob) >= 64, "shorter than the header")
    check(blob[0:4] == b"MBFS", "magic")
    check(u16(blob, 4) == 1, "version")
    hsize, esize, flags, count = u16(blob, 6), u16(blob, 8), u16(blob, 10), u32(blob, 12)
    total, eoff, noff, nsize, crc = (u64(blob, 16), u32(blob, 24), u32(blob, 28),
                                     u32(blob, 32), u32(blob, 36))
    check(hsize == 64 and esize == 32 and flags == 0, "header/entry size, flags")
    check(blob[40:64] == bytes(24), "reserved bytes")
    check(total == len(blob) and total % 4096 == 0, "total size")
    check(eoff == 64 and noff == eoff + count * esize, "table placement")
    meta_end = noff + nsize
    meta = bytearray(blob[:meta_end])
    meta[36:40] = bytes(4)
    check(zlib.crc32(meta) == crc, "metadata CRC")
    files, prev, used_end = {}, None, meta_end
    covered = [(0, meta_end)]
    for i in range(count):
        e = eoff + i * esize
        name_off, name_len, doff, size, fcrc, eflags = struct.unpack_from("<IIQQII", blob, e)
        check(eflags == 0, f"entry {i} flags")
        name = blob[noff + name_off:noff + name_off + name_len]
        check(blob[noff + name_off + name_len] == 0, f"entry {i} NUL")
        check(prev is None or prev < name, f"entry {i} sorted")
        check(doff % 4096 == 0 and doff >= used_end, f"entry {i} placement")
        check(doff + size <= total, f"entry {i} bounds")
        data = blob[doff:doff + size]
        check(zlib.crc32(data) == fcrc, f"entry {i} CRC")
        files[name.decode()] = data
        covered.append((doff, doff + size))
        prev, used_end = name, doff + size
    # Names are packed back to back, and all other bytes are zero padding.
    check(sum(len(n) + 1 for n in files) == nsize, "name table size")
    pos = 0
    for start, end in sorted(covered):
        check(not any(blob[pos:start]), f"nonzero padding in [{pos:#x},{start:#x})")
        pos = max(pos, end)
    check(not any(blob[pos:]), "nonzero tail padding")
    return files


SAMPLE = {
    "bin/init": b"\x7fELF pretend init" * 50,
    "manifest": b"service console /srv/console\n",
    "srv/console": bytes(range(256)) * 20,
    "empty": b"",
}


def sample_args(tmp):
    return [f"{n}={write(tmp, 'in/' + n, d)}" for n, d in SAMPLE.items()]


@test
def deterministic():
    with tempfile.TemporaryDirectory() as tmp:
        args = sample_args(tmp)
        a = pack(tmp, *args, out="a.bfs")
        for n in SAMPLE:  # new mtimes must not matter
            os.utime(os.path.join(tmp, "in", n), (1, 1))
        b = pack(tmp, *reversed(args), out="b.bfs")
        check(a == b, "two packs differ")


@test
def layout_and_contents():
    with tempfile.TemporaryDirectory() as tmp:
        files = parse(pack(tmp, *sample_args(tmp)))
        check(files == SAMPLE, "contents differ")


@test
def entries_sorted_bytewise():
    with tempfile.TemporaryDirectory() as tmp:
        p = write(tmp, "x", b"x")
        blob = pack(tmp, f"b={p}", f"a={p}", f"B={p}", f"ab={p}")
        check(list(parse(blob)) == ["B", "a", "ab", "b"], "order")


@test
def empty_archive():
    with tempfile.TemporaryDirectory() as tmp:
        blob = pack(tmp)
        check(len(blob) == 4096, f"size {len(blob)}")
        check(parse(blob) == {}, "not empty")


@test
def data_page_aligned_and_size_page_multiple():
    with tempfile.TemporaryDirectory() as tmp:
        p = write(tmp, "big", b"z" * 5000)
        blob = pack(tmp, f"big={p}", f"small={write(tmp, 's', b'1')}")
        check(len(blob) % 4096 == 0, "size")
        check(u64(blob, 64 + 8) == 4096 and u64(blob, 96 + 8) == 12288, "offsets")
        parse(blob)


@test
def directory_argument():
    with tempfile.TemporaryDirectory() as tmp:
        for n, d in SAMPLE.items():
            write(tmp, "root/" + n, d)
        files = parse(pack(tmp, os.path.join(tmp, "root")))
        check(files == SAMPLE, f"got {sorted(files)}")


@test
def manifest_file():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "m/init.bin", b"init")
        write(tmp, "m/cfg", b"cfg")
        man = write(tmp, "m/list", b"# boot files\n\ninit = init.bin\nmanifest=cfg  # the services\n")
        files = parse(pack(tmp, "--manifest", man))
        check(files == {"init": b"init", "manifest": b"cfg"}, f"got {files}")


@test
def list_output():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.bfs")
        pack(tmp, *sample_args(tmp))
        r = run("--list", path)
        check(r.returncode == 0, r.stderr)
        names = [line.split()[-1] for line in r.stdout.splitlines()]
        check(names == sorted(SAMPLE), f"listed {names}")


@test
def list_refuses_corrupt():
    with tempfile.TemporaryDirectory() as tmp:
        blob = bytearray(pack(tmp, *sample_args(tmp)))
        blob[70] ^= 1
        write(tmp, "bad.bfs", bytes(blob))
        r = run("--list", os.path.join(tmp, "bad.bfs"))
        check(r.returncode != 0 and "checksum" in r.stderr, r.stderr)


@test
def error_duplicate_name():
    with tempfile.TemporaryDirectory() as tmp:
        p = write(tmp, "f", b"1")
        r = run("-o", os.path.join(tmp, "o"), f"a={p}", f"a={p}")
        check(r.returncode == 1 and "duplicate name" in r.stderr, r.stderr)
        check(not os.path.exists(os.path.join(tmp, "o")), "output written")


@test
def error_name_too_long():
    with tempfile.TemporaryDirectory() as tmp:
        p = write(tmp, "f", b"1")
        r = run("-o", os.path.join(tmp, "o"), "n" * 256 + f"={p}")
        check(r.returncode == 1 and "longer than 255" in r.stderr, r.stderr)


@test
def name_of_255_accepted():
    with tempfile.TemporaryDirectory() as tmp:
        p = write(tmp, "f", b"1")
        files = parse(pack(tmp, "n" * 255 + f"={p}"))
        check(list(files) == ["n" * 255], "name")


@test
def error_name_with_space():
    with tempfile.TemporaryDirectory() as tmp:
        p = write(tmp, "f", b"1")
        r = run("-o", os.path.join(tmp, "o"), f"a b={p}")
        check(r.returncode == 1 and "printable ASCII" in r.stderr, r.stderr)


@test
def error_name_non_ascii():
    with tempfile.TemporaryDirectory() as tmp:
        p = write(tmp, "f", b"1")
        r = run("-o", os.path.join(tmp, "o"), f"caf\u00e9={p}")
        check(r.returncode == 1 and "printable ASCII" in r.stderr, r.stderr)


@test
def error_empty_name():
    with tempfile.TemporaryDirectory() as tmp:
        p = write(tmp, "f", b"1")
        r = run("-o", os.path.join(tmp, "o"), f"={p}")
        check(r.returncode == 1 and "empty name" in r.stderr, r.stderr)


@test
def error_missing_file():
    with tempfile.TemporaryDirectory() as tmp:
        r = run("-o", os.path.join(tmp, "o"), f"a={tmp}/nope")
        check(r.returncode == 1 and "cannot read" in r.stderr, r.stderr)


@test
def error_bad_argument():
    with tempfile.TemporaryDirectory() as tmp:
        r = run("-o", os.path.join(tmp, "o"), os.path.join(tmp, "nonexistent"))
        check(r.returncode == 1 and "NAME=PATH" in r.stderr, r.stderr)


@test
def error_bad_manifest_line():
    with tempfile.TemporaryDirectory() as tmp:
        man = write(tmp, "m", b"init\n")
        r = run("-o", os.path.join(tmp, "o"), "--manifest", man)
        check(r.returncode == 1 and ":1: expected NAME=PATH" in r.stderr, r.stderr)


@test
def error_no_output():
    r = run("a=b")
    check(r.returncode != 0 and "-o" in r.stderr, r.stderr)


def c_reader(path, expect_err=0):
    env = dict(os.environ, BOOTFS_FIXTURE=path, BOOTFS_FIXTURE_ERR=str(expect_err))
    r = subprocess.run([C_READER, "bootfs_fixture"], capture_output=True,
                       text=True, env=env)
    check(r.returncode == 0 and "ok bootfs_fixture.open" in r.stdout,
          f"C reader: {r.stdout.strip()} {r.stderr.strip()}")
    return r.stdout


@test
def c_reader_cross_check():
    if not os.access(C_READER, os.X_OK):
        return "skipped: build/host/test_bootfs not built"
    with tempfile.TemporaryDirectory() as tmp:
        pack(tmp, *sample_args(tmp))
        out = c_reader(os.path.join(tmp, "out.bfs"))
        listed = {line.split()[1]: int(line.split()[2])
                  for line in out.splitlines() if line.startswith("# ")}
        check(listed == {n: len(d) for n, d in SAMPLE.items()}, f"C saw {listed}")


@test
def c_reader_refuses_corrupt():
    if not os.access(C_READER, os.X_OK):
        return "skipped: build/host/test_bootfs not built"
    with tempfile.TemporaryDirectory() as tmp:
        blob = bytearray(pack(tmp, *sample_args(tmp)))
        blob[4096] ^= 0xFF      # first file's data: per-file CRC
        path = write(tmp, "bad.bfs", bytes(blob))
        c_reader(path, expect_err=-7)   # BOOTFS_ERR_CHECKSUM


def main():
    failed = 0
    for fn in TESTS:
        try:
            note = fn()
            print(f"ok mkbootfs.{fn.__name__}" + (f" # {note}" if note else ""))
        except Exception as e:  # noqa: BLE001 - report every failure kind
            failed += 1
            print(f"FAIL mkbootfs.{fn.__name__}: {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
