#!/usr/bin/env python3
"""Pack and list MantraOS boot archives (bootfs).

The format is defined in abi/include/mantra/bootfs.h and described in
docs/bootfs.md.  Output is deterministic: entries sorted by name (byte-wise),
no timestamps or host paths, all padding zero.

  mkbootfs.py -o OUT [--manifest FILE] [NAME=PATH | DIR] ...
  mkbootfs.py --list ARCHIVE

A DIR argument adds every regular file under it, named by its path relative
to DIR with '/' separators.  A manifest lists NAME=PATH lines ('#' starts a
comment; relative paths are relative to the manifest's directory).
"""
import argparse
import os
import struct
import sys
import zlib

MAGIC = 0x5346424D          # "MBFS"
VERSION = 1
ALIGN = 4096
NAME_MAX = 255
HEADER = struct.Struct("<IHHHHIQIIII24s")   # struct bootfs_header, 64 bytes
ENTRY = struct.Struct("<IIQQII")            # struct bootfs_entry, 32 bytes
assert HEADER.size == 64 and ENTRY.size == 32


class BootfsError(Exception):
    pass


def align_up(x, a=ALIGN):
    return (x + a - 1) // a * a


def check_name(name):
    """Return the name as bytes or raise BootfsError."""
    try:
        raw = name.encode("ascii")
    except UnicodeEncodeError:
        raise BootfsError(f"name {name!r}: only printable ASCII allowed")
    if not raw:
        raise BootfsError("empty name")
    if len(raw) > NAME_MAX:
        raise BootfsError(f"name {name[:40]!r}...: longer than {NAME_MAX} bytes")
    if any(b <= 0x20 or b >= 0x7F for b in raw):
        raise BootfsError(f"name {name!r}: only printable ASCII without spaces allowed")
    return raw


def pack(files):
    """files: list of (name, bytes).  Return the archive bytes."""
    entries = {}
    for name, data in files:
        raw = check_name(name)
        if raw in entries:
            raise BootfsError(f"duplicate name {name!r}")
        entries[raw] = data
    names = sorted(entries)
    count = len(names)
    entry_off = HEADER.size
    names_off = entry_off + count * ENTRY.size
    name_table = b"".join(n + b"\0" for n in names)
    pos = align_up(names_off + len(name_table))
    records, layout = [], []
    name_pos = 0
    for n in names:
        data = entries[n]
        records.append(ENTRY.pack(name_pos, len(n), pos, len(data),
                                  zlib.crc32(data) & 0xFFFFFFFF, 0))
        layout.append((pos, data))
        name_pos += len(n) + 1
        pos = align_up(pos + len(data))
    total = max(pos, ALIGN)
    if names_off + len(name_table) > 0xFFFFFFFF:
        raise BootfsError("metadata larger than 4 GiB")
    out = bytearray(total)
    meta = b"".join(records) + name_table
    hdr = HEADER.pack(MAGIC, VERSION, HEADER.size, ENTRY.size, 0, count, total,
                      entry_off, names_off, len(name_table), 0, bytes(24))
    out[0:HEADER.size] = hdr
    out[entry_off:entry_off + len(meta)] = meta
    crc = zlib.crc32(bytes(out[:names_off + len(name_table)])) & 0xFFFFFFFF
    struct.pack_into("<I", out, 36, crc)
    for off, data in layout:
        out[off:off + len(data)] = data
    return bytes(out)


def parse(blob):
    """Validate an archive; return [(name, offset, size, crc)]."""
    if len(blob) < HEADER.size:
        raise BootfsError("truncated header")
    (magic, version, hsize, esize, flags, count, total, eoff, noff, nsize,
     crc, _res) = HEADER.unpack_from(blob)
    if magic != MAGIC:
        raise BootfsError("bad magic")
    if version != VERSION:
        raise BootfsError(f"unsupported version {version}")
    if total > len(blob) or total % ALIGN or noff + nsize > total \
            or eoff + count * esize > noff:
        raise BootfsError("bad sizes or table bounds")
    meta = bytearray(blob[:noff + nsize])
    meta[36:40] = bytes(4)
    if zlib.crc32(bytes(meta)) & 0xFFFFFFFF != crc:
        raise BootfsError("metadata checksum mismatch")
    result = []
    for i in range(count):
        name_off, name_len, doff, size, fcrc, _fl = ENTRY.unpack_from(blob, eoff + i * esize)
        name = blob[noff + name_off:noff + name_off + name_len].decode("ascii", "replace")
        if doff + size > total:
            raise BootfsError(f"entry {i} data out of bounds")
        if zlib.crc32(blob[doff:doff + size]) & 0xFFFFFFFF != fcrc:
            raise BootfsError(f"entry {i} checksum mismatch")
        result.append((name, doff, size, fcrc))
    return result


def read_manifest(path):
    """Return [(name, file path)] from a NAME=PATH manifest."""
    base = os.path.dirname(os.path.abspath(path))
    items = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if "=" not in line:
                raise BootfsError(f"{path}:{lineno}: expected NAME=PATH")
            name, p = (s.strip() for s in line.split("=", 1))
            items.append((name, os.path.join(base, p)))
    return items


def expand_arg(arg):
    """NAME=PATH or a directory: return [(name, file path)]."""
    if "=" in arg:
        name, path = arg.split("=", 1)
        return [(name, path)]
    if os.path.isdir(arg):
        items = []
        for root, dirs, files in os.walk(arg):
            dirs.sort()
            for fn in sorted(files):
                full = os.path.join(root, fn)
                if os.path.isfile(full):
                    rel = os.path.relpath(full, arg).replace(os.sep, "/")
                    items.append((rel, full))
        return items
    raise BootfsError(f"{arg!r}: expected NAME=PATH or a directory")


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def main(argv):
    ap = argparse.ArgumentParser(description="Pack or list a MantraOS boot archive.")
    ap.add_argument("-o", "--output", help="archive to write")
    ap.add_argument("--manifest", action="append", default=[],
                    help="file of NAME=PATH lines (repeatable)")
    ap.add_argument("--list", metavar="ARCHIVE", help="validate and list an archive")
    ap.add_argument("files", nargs="*", help="NAME=PATH or DIR")
    args = ap.parse_args(argv)
    try:
        if args.list:
            with open(args.list, "rb") as f:
                blob = f.read()
            for name, off, size, crc in parse(blob):
                print(f"{off:#010x} {size:10d} {crc:08x} {name}")
            return 0
        if not args.output:
            ap.error("-o OUT is required when packing")
        items = []
        for m in args.manifest:
            items += read_manifest(m)
        for a in args.files:
            items += expand_arg(a)
        files = []
        for name, path in items:
            try:
                with open(path, "rb") as f:
                    files.append((name, f.read()))
            except OSError as e:
                raise BootfsError(f"{name}: cannot read {path}: {e.strerror}")
        write_atomic(args.output, pack(files))
        return 0
    except (BootfsError, OSError) as e:
        print(f"mkbootfs: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
