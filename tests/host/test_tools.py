#!/usr/bin/env python3
"""Host tests of the build tools: toolchain check, kernel symbol table and
the benchmark runner's reading of the guest's output.
Prints `ok tools.NAME` / `FAIL tools.NAME: reason`; exits 1 on failure."""
import io
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import bench  # noqa: E402
import ksyms  # noqa: E402

failed = 0


def check(name, fn):
    global failed
    try:
        fn()
        print(f"ok tools.{name}")
    except AssertionError as e:
        failed += 1
        print(f"FAIL tools.{name}: {e}")


def run_check(lock_text, strict):
    with tempfile.NamedTemporaryFile("w", suffix=".lock") as f:
        f.write(lock_text)
        f.flush()
        env = dict(os.environ, STRICT_TOOLCHAIN="1" if strict else "0")
        return subprocess.run([sys.executable, "tools/toolchain_check.py", f.name],
                              capture_output=True, text=True, env=env)


def installed(pkg):
    return subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg],
                          capture_output=True, text=True).stdout


def toolchain_match_is_quiet():
    r = run_check(f"# comment\nmake {installed('make')}\n", strict=True)
    assert r.returncode == 0 and not r.stderr, r.stderr


def toolchain_mismatch_warns():
    r = run_check("make 0.0-not-this\n", strict=False)
    assert r.returncode == 0, "a mismatch must only warn by default"
    assert "warning: make: locked 0.0-not-this" in r.stderr, r.stderr


def toolchain_mismatch_fails_when_strict():
    r = run_check("make 0.0-not-this\nno-such-package-xyz 1\n", strict=True)
    assert r.returncode == 1, "STRICT_TOOLCHAIN=1 must fail"
    assert "no-such-package-xyz: locked 1, installed none" in r.stderr, r.stderr


def ksyms_keeps_sized_functions_only():
    nm = ["ffffffff80000010 0000000000000020 T kmain",
          "ffffffff80000000 0000000000000010 t helper",
          "ffffffff80009000 D some_data",          # no size: dropped
          "ffffffff80004000 T __text_end",         # linker marker: dropped
          "ffffffff80000030 0000000000000008 D table"]  # data: dropped
    syms = ksyms.read_nm(nm)
    assert [s[2] for s in syms] == ["helper", "kmain"], syms


def ksyms_emits_header_and_names():
    out = io.StringIO()
    ksyms.emit([(0x1000, 0x10, "a"), (0x1010, 0x8, "bc")], out)
    text = out.getvalue()
    assert f".long {ksyms.MAGIC:#x}, 2" in text, text
    assert ".long 40, 16" in text and ".long 42, 8" in text, text   # name offsets
    assert '.asciz "bc"' in text


BENCH_OUTPUT = """\
[    0.01] I sched: policy edf
BENCH null_syscall 49 insns
schedlab policy=edf task=fast    <1us |####| 183
BENCH schedlab_edf_p99 401708 ns
BENCH schedlab_edf_missed 0 deadlines
bench: done
"""


def bench_reads_figures_with_units():
    figs = bench.parse(BENCH_OUTPUT)
    assert figs == [("null_syscall", 49, "insns"), ("schedlab_edf_p99", 401708, "ns"),
                    ("schedlab_edf_missed", 0, "deadlines")], figs
    assert bench.problems(BENCH_OUTPUT, figs, "schedlab_edf_p99") == []
    assert "schedlab_edf_missed" in bench.table(figs)


def bench_boots_every_policy():
    names = [must for _, _, must, _ in bench.BOOTS]
    assert names == ["schedlab_rr_p99", "schedlab_edf_p99", "ipc_call_roundtrip_xcpu",
                     "boot_to_shell"], names
    assert any("sched=edf" in cfg and "init.only=schedlab" in cfg
               for _, cfg, _, _ in bench.BOOTS)
    assert any(smp == 2 and "init.only=xcpu" in cfg for _, cfg, _, smp in bench.BOOTS)


def bench_flags_wrong_policy_and_unfinished_runs():
    figs = bench.parse(BENCH_OUTPUT)
    p = bench.problems(BENCH_OUTPUT, figs, "schedlab_rr_p99")
    assert p == ["no schedlab_rr_p99 (wrong scheduling policy?)"], p
    p = bench.problems("BENCH x 1 ns\n", [("x", 1, "ns")], "x")
    assert p == ["no 'bench: done'"], p
    assert "no figures" in bench.problems("", [], "x")
    # The boot-to-shell boot never says 'bench: done' (msh keeps running).
    out = "BENCH boot_to_shell 123 insns\n"
    assert bench.problems(out, bench.parse(out), "boot_to_shell") == []


for name, fn in list(globals().items()):
    if callable(fn) and fn.__module__ == "__main__" and name not in (
            "check", "run_check", "installed") and fn.__code__.co_argcount == 0:
        check(name, fn)
sys.exit(1 if failed else 0)
