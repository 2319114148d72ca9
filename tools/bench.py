#!/usr/bin/env python3
"""`make bench`: boot the benchmark image under QEMU with -icount shift=0
(the guest TSC then counts guest instructions exactly, and the guest clock
advances one nanosecond per instruction) and print the `BENCH name value
unit` lines the guest reports, then a table for people.

The benchmark image is build/mantra.img with `init=bin/bench` in its boot
configuration.  Two boots, side by side (OVMF alone takes about 30 s of
host time under icount): every benchmark under the default policy (`rr`),
and `schedlab` alone under `sched=edf` (`init.only=schedlab`), so that the
scheduling lab runs under each policy (docs/scheduler.md).  Exits non-zero
if a boot reported no figures, failed, or ran under the wrong policy.
"""
import concurrent.futures
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import qemu  # noqa: E402
import run_tests  # noqa: E402

BENCH = re.compile(r"^BENCH (\S+) (\d+) (\S+)$", re.M)

# name, boot configuration, a figure the boot must report (its policy's).
BOOTS = [
    ("bench", "loglevel=warn init=bin/bench", "schedlab_rr_p99", 1),
    ("bench-edf", "loglevel=warn init=bin/bench sched=edf init.only=schedlab",
     "schedlab_edf_p99", 1),
    # Two CPUs: a call to a server on the other CPU, and a TLB shootdown.
    # Under -icount QEMU runs the CPUs in turn, so the figures count the
    # instructions of both.
    ("bench-smp2", "loglevel=warn init=bin/bench init.only=xcpu",
     "ipc_call_roundtrip_xcpu", 2),
    # The default services (logd, uart16550, msh) with msh's bench=1: the
    # instructions from kernel entry to msh's first prompt.
    ("bench-shell", "loglevel=warn init.manifest=test/bench_shell.manifest",
     "boot_to_shell", 1),
]


def parse(output):
    """The (name, value, unit) figures in a boot's console output."""
    return [(n, int(v), u) for n, v, u in BENCH.findall(output)]


def problems(output, figures, must_report):
    """What is wrong with one boot's run: [] if nothing."""
    found = []
    if not figures:
        found.append("no figures")
    if must_report != "boot_to_shell" and "bench: done" not in output:
        found.append("no 'bench: done'")
    if figures and must_report not in (n for n, _, _ in figures):
        found.append(f"no {must_report} (wrong scheduling policy?)")
    return found


def run(build, name, config, smp=1):
    case = dict(name=name, config=config)
    with tempfile.TemporaryDirectory(prefix="mantra-bench-") as tmp:
        img = run_tests.make_variant(os.path.join(build, "mantra.img"), case, tmp)
        # The shell boot never ends by itself: stop at its figure.
        stop = r"BENCH boot_to_shell \d+ insns" if name == "bench-shell" else None
        return qemu.boot(img, timeout=600, extra=["-icount", "shift=0"], stop_on=stop,
                         log_path=os.path.join(build, name + ".log"), smp=smp)


def table(figures):
    width = max(len(n) for n, _, _ in figures)
    lines = [f"{'benchmark':<{width}}  {'value':>12}  unit"]
    for name, value, unit in figures:
        lines.append(f"{name:<{width}}  {value:>12,}  {unit}")
    return "\n".join(lines)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    with concurrent.futures.ThreadPoolExecutor(len(BOOTS)) as pool:
        runs = [pool.submit(run, build, name, config, smp)
                for name, config, _, smp in BOOTS]
        outputs = [r.result().output for r in runs]
    figures, failed = [], False
    for (name, _, must_report, _), output in zip(BOOTS, outputs):
        got = parse(output)
        figures += got
        for p in problems(output, got, must_report):
            print(f"bench: {name}: {p} (log: {build}/{name}.log)", file=sys.stderr)
            failed = True
    for name, value, unit in figures:
        print(f"BENCH {name} {value} {unit}")
    if figures:
        print()
        print(table(figures))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
