#!/usr/bin/env python3
"""Run the libFuzzer harnesses of tests/fuzz/ (docs/testing.md, "Host fuzzing").

  fuzz.py seeds --build B                  write the seed corpus
  fuzz.py run   --build B --seconds S [T]  fuzz each target T for S seconds
  fuzz.py check --build B --runs N   [T]   a short deterministic run each

The fuzzers are B/fuzz/fuzz_<T> (mk/fuzz.mk builds them).  Their inputs:
  B/fuzz/seeds/<T>/     seeds made here, the same on every run: small inputs
                        built from the formats' own tools, plus (ELF) the
                        stripped init and kernel of B when they exist
  tests/fuzz/regress/<T>/  inputs that once found a bug (checked in)
  B/fuzz/corpus/<T>/    what `run` has found so far; it grows across runs
A crash or a broken invariant saves the input as B/fuzz/crashes/<T>/crash-*
(`check`: B/fuzz/check-crashes/<T>/); `B/fuzz/fuzz_<T> FILE` replays it.

`run` prints one line per target with its executions and rate and exits 1
if any target failed.  `check` (used by tests/host/test_fuzz.py in `make
test`) prints `ok fuzz.host_<T>: N runs` or `FAIL fuzz.host_<T>: why`.
"""
import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import mkbootfs  # noqa: E402

# One target per tests/fuzz/<name>.mk, as mk/fuzz.mk reads them.
TARGETS = tuple(sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, "tests", "fuzz"))
                       if f.endswith(".mk")))
REGRESS = os.path.join(ROOT, "tests", "fuzz", "regress")
# `check` (make test): inputs per fuzzer, about 4 s for all of them.
CHECK_RUNS = 50000
# Per input; a hang is a failure too.
COMMON_FLAGS = ["-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1"]


# ---------------------------------------------------------------------------
# Seeds

def elf_image(etype, base, extra_phdr=False):
    """A minimal ELF64 executable: an R+X segment holding the headers and
    16 bytes of code, then an RW segment with 16 bytes of data and bss
    (and optionally a PT_GNU_STACK between them)."""
    nph = 3 if extra_phdr else 2
    code_off = 64 + 56 * nph
    data_off = code_off + 16
    size = data_off + 16
    ehdr = struct.pack("<4sBBBB8xHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0,
                       etype, 62, 1, base + code_off, 64, 0, 0, 64, 56, nph,
                       64, 0, 0)
    load = "<IIQQQQQQ"
    text = struct.pack(load, 1, 5, 0, base, base, data_off, data_off, 0x1000)
    data = struct.pack(load, 1, 6, data_off, base + 0x1000 + data_off,
                       base + 0x1000 + data_off, 16, 0x100, 0x1000)
    stack = struct.pack(load, 0x6474e551, 6, 0, 0, 0, 0, 0, 16)
    phdrs = text + (stack if extra_phdr else b"") + data
    body = ehdr + phdrs + b"\x90" * 15 + b"\xc3" + bytes(range(16))
    assert len(body) == size
    return body


def elf_seeds(build):
    seeds = {
        "user-exec": elf_image(2, 0x400000, extra_phdr=True),
        "kernel-exec": elf_image(2, 0xffffffff80000000),
        "dyn": elf_image(3, 0),
    }
    # Real programs, stripped: the symbols only make inputs longer.
    for name, path in (("init", "user/init.elf"), ("kernel", "kernel.elf")):
        path = os.path.join(build, path)
        if not os.path.exists(path):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "x")
            res = subprocess.run(["llvm-objcopy", "--strip-all", path, out],
                                 capture_output=True)
            with open(out if res.returncode == 0 else path, "rb") as f:
                seeds[name] = f.read()
    return seeds


def bootfs_seeds():
    manifest = b"# services\ninit=bin/init\n"
    three = mkbootfs.pack([("bin/init", elf_image(2, 0x400000)),
                           ("empty", b""), ("manifest", manifest)])
    # The same archive with entry 1 renamed to entry 0's name (the packer
    # refuses to make one): the duplicate check.
    dup = bytearray(three)
    entry1 = mkbootfs.HEADER.size + mkbootfs.ENTRY.size
    struct.pack_into("<II", dup, entry1, 0, len(b"bin/init"))
    meta_end = sum(struct.unpack_from("<II", dup, 28))
    struct.pack_into("<I", dup, 36, 0)
    struct.pack_into("<I", dup, 36, zlib.crc32(bytes(dup[:meta_end])))
    return {
        "empty": mkbootfs.pack([]),
        "one": mkbootfs.pack([("manifest", manifest)]),
        "three": three,
        "duplicate": bytes(dup),
    }


def shm_ring_seeds():
    """Inputs of fuzz_shm_ring.c: a mode byte, the set-up, then operations
    (0 send, 1 recv, 2 header write, 3 slot write, 4 producer closes,
    5 consumer re-attaches, 6 count, 7 fail a call), each followed by its
    own bytes (send/recv: a deadline choice)."""
    send, recv = [0, 0], [1, 0]
    return {
        "fifo": bytes([0, 3] + send * 3 + recv * 3 + [6]),
        "full": bytes([0, 2] + send * 5 + recv * 5),
        "sleep-recv": bytes([0, 3, 1, 1] + send + recv),
        "sleep-send": bytes([0, 0] + send + [0, 1] + recv + recv),
        "close": bytes([0, 3] + send + [4] + recv * 2),
        "reattach": bytes([0, 3] + send * 2 + [5] + recv * 2 + send),
        "bad-head": bytes([0, 3] + send + [2, 16, 1] + [0xff] * 8 + recv + send),
        "slots": bytes([0, 3] + send + [3, 0, 0, 0, 8] + list(b"scribble") + recv),
        "hostile": bytes([13, 2] + [0] * 192 + [3] + recv + send + [2, 32, 1]
                         + [9, 0, 0, 0, 0, 0, 0, 0] + recv),
        "fail-dup": bytes([2, 4, 3] + send + recv),
        "fail-map": bytes([2, 32, 3] + send),
    }


def cmdline_seeds():
    def one(pick, out_size, item, line, key=None):
        b = bytes([pick, out_size])
        if key is not None:
            b += bytes([len(key)]) + key
        return b + bytes([len(item)]) + item + line

    return {
        "boot-cfg": one(0, 16, b"slab", b"loglevel=info debug=slab,poison init=bin/init"),
        "debug": one(1, 8, b"slab", b"mantraboot.test_stale_key debug=slab"),
        "key": one(0x80, 32, b"ipc", b"ipc=slow  ipc=fast ipc", key=b"ipc"),
        "selftest": one(3, 64, b"all", b"selftest=all,pmm crashtest=none "),
    }


SEEDS = {"elf": elf_seeds, "bootfs": lambda build: bootfs_seeds(),
         "shm_ring": lambda build: shm_ring_seeds(),
         "cmdline": lambda build: cmdline_seeds()}


def write_seeds(build, targets):
    """Write build/fuzz/seeds/<target>/, replacing what was there."""
    for target in targets:
        seeds = SEEDS[target](build) if target in SEEDS else {}
        d = os.path.join(build, "fuzz", "seeds", target)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)


# ---------------------------------------------------------------------------
# Running

def corpora(build, target):
    dirs = [os.path.join(build, "fuzz", "seeds", target)]
    regress = os.path.join(REGRESS, target)
    if os.path.isdir(regress):
        dirs.append(regress)
    return dirs


def stats(text):
    """libFuzzer's -print_final_stats figures."""
    return {k: int(v) for k, v in re.findall(r"^stat::(\w+):\s+(\d+)", text, re.M)}


def failure(text, artifacts):
    """Why a run failed: the sanitizer's or harness's own words, and the
    saved input."""
    why = "fuzzer failed"
    for pat in (r"FUZZ INVARIANT BROKEN at (.*)",
                r"ERROR: AddressSanitizer: (\S+(?: on unknown address)?)",
                r"runtime error: (.*)", r"ERROR: libFuzzer: (.*)"):
        m = re.search(pat, text)
        if m:
            why = m.group(1).strip()
            break
    m = re.search(r"Test unit written to (\S+)", text)
    saved = m.group(1) if m else f"nothing saved in {artifacts}"
    return f"{why} (input: {saved})"


def fixed_layout():
    """A command prefix that turns address-space randomization off, or [].
    libFuzzer's -seed fixes its own choices, but the harnesses compare
    pointers, and the values it sees in comparisons steer its mutations:
    with addresses that change from run to run, so would the inputs."""
    try:
        ok = subprocess.run(["setarch", "-R", "true"], capture_output=True).returncode == 0
    except OSError:
        ok = False
    return ["setarch", "-R"] if ok else []


def fuzz(build, target, flags, corpus, artifacts, log, prefix=()):
    """Run one fuzzer; returns (ok, stats, why)."""
    binary = os.path.join(build, "fuzz", "fuzz_" + target)
    if not os.path.exists(binary):
        return False, {}, f"{binary} not built (make fuzz-build)"
    os.makedirs(artifacts, exist_ok=True)
    cmd = [*prefix, binary, *COMMON_FLAGS, *flags, f"-artifact_prefix={artifacts}/",
           corpus, *corpora(build, target)]
    with open(log, "w") as f:
        f.write(" ".join(cmd) + "\n")
        f.flush()
        res = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    with open(log, errors="replace") as f:
        text = f.read()
    if res.returncode != 0:
        return False, stats(text), failure(text, artifacts)
    return True, stats(text), ""


def run(build, targets, seconds):
    """`make fuzz-host`: each target for `seconds`, growing its corpus."""
    write_seeds(build, targets)
    failed = 0
    for t in targets:
        corpus = os.path.join(build, "fuzz", "corpus", t)
        os.makedirs(corpus, exist_ok=True)
        log = os.path.join(build, "fuzz", f"{t}.log")
        print(f"fuzz {t}: {seconds} s (log: {log})", flush=True)
        start = time.monotonic()
        ok, st, why = fuzz(build, t, [f"-max_total_time={seconds}"], corpus,
                           os.path.join(build, "fuzz", "crashes", t), log)
        took = time.monotonic() - start
        runs = st.get("number_of_executed_units", 0)
        line = (f"fuzz {t}: {runs} runs in {took:.0f} s "
                f"({runs / max(took, 1e-3):.0f}/s), "
                f"corpus {len(os.listdir(corpus))} inputs")
        if ok:
            print(line + ", no failure", flush=True)
        else:
            failed += 1
            print(f"{line}: FAIL: {why}", flush=True)
    return 1 if failed else 0


def check(build, targets, runs):
    """`make test`: each target for a fixed number of inputs from a fixed
    seed, starting from the seeds only (so the result does not depend on
    earlier fuzzing).  The same inputs every time: -seed=1, a fixed address
    layout, and no entropic input scheduling (it weighs inputs by how long
    they took to run)."""
    write_seeds(build, targets)
    prefix = fixed_layout()
    failed = 0
    for t in targets:
        with tempfile.TemporaryDirectory(prefix="mantra-fuzz-") as corpus:
            ok, st, why = fuzz(build, t, [f"-runs={runs}", "-seed=1", "-entropic=0"],
                               corpus,
                               os.path.join(build, "fuzz", "check-crashes", t),
                               os.path.join(build, "fuzz", f"check-{t}.log"),
                               prefix)
        if ok:
            print(f"ok fuzz.host_{t}: {st.get('number_of_executed_units', runs)} runs",
                  flush=True)
        else:
            failed += 1
            print(f"FAIL fuzz.host_{t}: {why}", flush=True)
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("seeds", "run", "check"))
    ap.add_argument("--build", default="build")
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--runs", type=int, default=CHECK_RUNS)
    ap.add_argument("targets", nargs="*")
    args = ap.parse_intermixed_args()
    targets = args.targets or list(TARGETS)
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        ap.error(f"unknown target(s) {' '.join(unknown)}; known: {' '.join(TARGETS)}")
    os.chdir(ROOT)
    if args.mode == "seeds":
        write_seeds(args.build, targets)
        return 0
    if args.mode == "run":
        return run(args.build, targets, args.seconds)
    return check(args.build, targets, args.runs)


if __name__ == "__main__":
    sys.exit(main())
