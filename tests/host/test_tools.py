#!/usr/bin/env python3
"""Host tests of the build tools: toolchain check and kernel symbol table.
Prints `ok tools.NAME` / `FAIL tools.NAME: reason`; exits 1 on failure."""
import io
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
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


for name, fn in list(globals().items()):
    if callable(fn) and fn.__module__ == "__main__" and name not in (
            "check", "run_check", "installed") and fn.__code__.co_argcount == 0:
        check(name, fn)
sys.exit(1 if failed else 0)
