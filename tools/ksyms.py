#!/usr/bin/env python3
"""Make the kernel's embedded symbol table (see kernel/include/kernel/ksyms.h).

  llvm-nm -S --defined-only kernel.elf | ksyms.py > ksyms.S   table of functions
  ksyms.py --empty > ksyms.S                               empty table (pass 1)
  ksyms.py --compare pass1.elf final.elf                   fail if symbols moved

The output is assembly for the .ksyms section: a header (magic, count), the
entries (addr, name offset, size) sorted by address, then the names.
Only symbols with a size (functions, including assembly ones with .size)
are kept, so linker-script markers such as __text_end never name code.
"""
import subprocess
import sys

MAGIC = 0x4D59534B  # "KSYM"


def read_nm(lines):
    """(addr, size, name) of each sized text symbol in `nm -S` output."""
    syms = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 4 or parts[2] not in "tTwW":
            continue
        addr, size, name = int(parts[0], 16), int(parts[1], 16), parts[3]
        if size and not name.startswith(("$", ".L")):
            syms.setdefault(addr, (size, name))
    return [(a, s, n) for a, (s, n) in sorted(syms.items())]


def emit(syms, out):
    out.write('\t.section .ksyms, "a"\n\t.balign 8\n')
    out.write(f"\t.long {MAGIC:#x}, {len(syms)}\n")
    names_off = 8 + 16 * len(syms)
    offsets, off = [], names_off
    for _, _, name in syms:
        offsets.append(off)
        off += len(name.encode()) + 1
    for (addr, size, _), name_off in zip(syms, offsets):
        out.write(f"\t.quad {addr:#x}\n\t.long {name_off}, {size}\n")
    for _, _, name in syms:
        out.write(f'\t.asciz "{name}"\n')
    out.write('\t.section .note.GNU-stack, "", @progbits\n')


def nm_of(path):
    res = subprocess.run(["llvm-nm", "--defined-only", path], check=True,
                         capture_output=True, text=True)
    return {l for l in res.stdout.splitlines() if "__ksyms" not in l
            and " N " not in l and "__kernel_end" not in l}


def main(argv):
    if argv[1:2] == ["--empty"]:
        emit([], sys.stdout)
    elif argv[1:2] == ["--compare"]:
        a, b = nm_of(argv[2]), nm_of(argv[3])
        if a != b:
            moved = sorted(a ^ b)[:10]
            sys.exit("ksyms: second link pass moved symbols:\n  " + "\n  ".join(moved))
    else:
        emit(read_nm(sys.stdin), sys.stdout)


if __name__ == "__main__":
    main(sys.argv)
