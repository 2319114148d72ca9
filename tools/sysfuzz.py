#!/usr/bin/env python3
"""`make fuzz`: long campaigns of the system-call fuzzer (user/sysfuzz,
docs/testing.md).

  sysfuzz.py --build build --calls N --seed S [--seeds K] [--args "init.k=v ..."]
             [--image IMG]

Boots build/mantra.img with `init=bin/sysfuzz` once per seed S, S+1, ...,
S+K-1, each a campaign of N calls (debug=slab: freed kernel memory is
poisoned and checked), and echoes the fuzzer's lines as they come.  A
kernel panic, a FAIL line or a boot that does not finish fails the run;
each console log is kept in BUILD/sysfuzz-SEED.log.  Extra fuzzer
arguments (trees, budget, check_ms, stall_ms, fastwait, verbose) go in
--args as init.KEY=VALUE words.
"""
import argparse
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import qemu  # noqa: E402
import run_tests  # noqa: E402

MIN_RATE = 2000         # calls per host second a campaign must keep up


class Echo:
    """Print the fuzzer's own lines and any panic as they arrive."""

    def __init__(self):
        self.partial = ""
        self.panic = False

    def __call__(self, chunk):
        self.partial += chunk.decode("utf-8", "replace")
        *lines, self.partial = self.partial.split("\n")
        for line in lines:
            line = qemu.clean(line).rstrip()
            if "KERNEL PANIC" in line:
                self.panic = True
            if self.panic or re.match(r"(sysfuzz:|ok fuzz|FAIL fuzz)", line):
                print(line, flush=True)


def campaign(build, image, calls, seed, args):
    config = (f"loglevel=warn init=bin/sysfuzz debug=slab init.calls={calls} "
              f"init.seed={seed} {args}").strip()
    log = os.path.join(build, f"sysfuzz-{seed}.log")
    timeout = 120 + calls / MIN_RATE
    print(f"== sysfuzz seed {seed}: {config}", flush=True)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mantra-sysfuzz-") as tmp:
        img = run_tests.make_variant(image or os.path.join(build, "mantra.img"),
                                     dict(name="sysfuzz", config=config), tmp)
        res = qemu.boot(img, timeout=timeout, log_path=log, echo=Echo())
    seconds = time.monotonic() - start
    ok = re.search(r"^ok fuzz\.syscalls: (\d+) calls", res.output, re.M)
    if ok and res.exit_status == (0x10 << 1) | 1:
        print(f"== seed {seed}: {ok.group(1)} calls in {seconds:.0f} s of host time "
              f"({int(ok.group(1)) / seconds:.0f}/s)", flush=True)
        return True
    why = ("kernel panic" if "KERNEL PANIC" in res.output else
           "timed out" if res.timed_out else f"exit status {res.exit_status}")
    print(f"== seed {seed}: FAILED ({why}); log: {log}", flush=True)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--calls", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--args", default="")
    ap.add_argument("--image", default="", help="another disk image (default BUILD/mantra.img)")
    a = ap.parse_args()
    failed = [s for s in range(a.seed, a.seed + a.seeds)
              if not campaign(a.build, a.image, a.calls, s, a.args)]
    if failed:
        print(f"sysfuzz: {len(failed)} of {a.seeds} campaigns failed: seeds {failed}")
        return 1
    print(f"sysfuzz: {a.seeds} campaigns of {a.calls} calls passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
