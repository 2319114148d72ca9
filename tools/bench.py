#!/usr/bin/env python3
"""`make bench`: boot the benchmark image under QEMU with -icount shift=0
(the guest TSC then counts guest instructions exactly) and print the
`BENCH name value unit` lines the guest reports, then a table for people.

The benchmark image is build/mantra.img with `init=bin/bench` in its boot
configuration; all benchmarks run in that one boot (OVMF alone takes about
30 s of host time under icount).  Exits non-zero if the guest reported no
figures or failed.
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import qemu  # noqa: E402
import run_tests  # noqa: E402

BENCH = re.compile(r"^BENCH (\S+) (\d+) (\S+)$", re.M)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    case = dict(name="bench", config="loglevel=warn init=bin/bench")
    with tempfile.TemporaryDirectory(prefix="mantra-bench-") as tmp:
        img = run_tests.make_variant(os.path.join(build, "mantra.img"), case, tmp)
        res = qemu.boot(img, timeout=600, extra=["-icount", "shift=0"],
                        log_path=os.path.join(build, "bench.log"))
    figures = BENCH.findall(res.output)
    for name, value, unit in figures:
        print(f"BENCH {name} {value} {unit}")
    if figures:
        width = max(len(n) for n, _, _ in figures)
        print()
        print(f"{'benchmark':<{width}}  {'guest instructions':>18}")
        for name, value, _ in figures:
            print(f"{name:<{width}}  {int(value):>18,}")
    if not figures or "bench: done" not in res.output:
        print(f"bench: incomplete run (log: {build}/bench.log)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
