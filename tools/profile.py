#!/usr/bin/env python3
"""`make profile`: where the guest instructions of one benchmark go.

    tools/profile.py BUILD START_FN STOP_FN [ROUNDS]

Boots the benchmark image (as `make bench` does, under -icount shift=0)
with QEMU's `-d in_asm,exec,nochain` log restricted to the kernel and to
bench's text, streamed through a FIFO.  Every translation block executed is
weighed by its instruction count (from its in_asm listing) and charged to
the function holding its first instruction.  Counting starts when user
code enters START_FN (a function of user/bench/main.c; FN#K: its K-th
call) and stops when it then enters STOP_FN (FN#K likewise); the table lists the kernel and user
functions by instructions, divided by ROUNDS when given (per round).

PROFILE_BLOCKS=N also lists the N heaviest translation blocks (address,
function+offset, instructions, runs per round).

Blocks cut short by an interrupt or fault are counted whole, so figures
are exact to within a few instructions per interruption.
"""
import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(__file__))
import qemu  # noqa: E402
import run_tests  # noqa: E402

USER_TEXT = (0x400000, 0x100000)
KERNEL_TEXT = (0xffffffff80000000, 0x7fffffff)
TRACE = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")
INSN = re.compile(r"^0x([0-9a-f]+):")


def symbols(elf):
    """Sorted [(addr, end, name)] of the sized functions in `elf`."""
    out = subprocess.run(["llvm-nm", "-S", "--defined-only", elf],
                         capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        p = line.split()
        if len(p) == 4 and p[2] in "tTwW" and int(p[1], 16):
            a = int(p[0], 16)
            syms.append((a, a + int(p[1], 16), p[3]))
    return sorted(syms)


def lookup(syms, starts, pc):
    i = bisect.bisect_right(starts, pc) - 1
    if i >= 0 and pc < syms[i][1]:
        return syms[i][2]
    return f"?{pc:#x}"


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    build, start_fn, stop_fn = sys.argv[1:4]
    start_fn, _, start_k = start_fn.partition("#")
    stop_fn, _, stop_k = stop_fn.partition("#")
    marks = {"start": [start_fn, int(start_k or 1)],
             "stop": [stop_fn, int(stop_k or 1)]}
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    ksyms = symbols(os.path.join(build, "kernel.elf"))
    usyms = symbols(os.path.join(build, "user", "bench.elf"))
    syms = sorted(ksyms + usyms)
    starts = [s[0] for s in syms]
    names = {n: (a, e) for a, e, n in usyms}
    for fn in (start_fn, stop_fn):
        if fn not in names:
            print(f"profile: no function {fn} in bench.elf", file=sys.stderr)
            return 2
    tb_len = {}
    per_fn = collections.Counter()
    per_tb = collections.Counter()
    state = {"on": False, "done": False, "total": 0}

    def consume(path):
        cur, n = None, 0
        with open(path, errors="replace") as log:
            for line in log:
                m = TRACE.match(line)
                if m:
                    if state["done"]:
                        continue
                    pc = int(m.group(1), 16)
                    for which, mark in marks.items():
                        if pc == names[mark[0]][0]:
                            mark[1] -= 1
                            if mark[1] == 0 and which == "start":
                                state["on"] = True
                            elif mark[1] == 0 and state["on"]:
                                state["on"], state["done"] = False, True
                    if state["on"]:
                        k = tb_len.get(pc, 1)
                        per_fn[lookup(syms, starts, pc)] += k
                        per_tb[pc] += 1
                        state["total"] += k
                    continue
                if line.startswith("IN:"):
                    cur, n = None, 0
                    continue
                m = INSN.match(line)
                if m:
                    if cur is None:
                        cur = int(m.group(1), 16)
                    n += 1
                    tb_len[cur] = n

    case = dict(name="profile", config="loglevel=warn init=bin/bench")
    with tempfile.TemporaryDirectory(prefix="mantra-profile-") as tmp:
        img = run_tests.make_variant(os.path.join(build, "mantra.img"), case, tmp)
        fifo = os.path.join(tmp, "trace")
        os.mkfifo(fifo)
        reader = threading.Thread(target=consume, args=(fifo,))
        reader.start()
        flt = ",".join(f"{a:#x}+{s:#x}" for a, s in (USER_TEXT, KERNEL_TEXT))
        qemu.boot(img, timeout=1800, stop_on=r"bench: done",
                  extra=["-icount", "shift=0", "-d", "in_asm,exec,nochain",
                         "-dfilter", flt, "-D", fifo])
        reader.join()
    if not state["total"]:
        print("profile: the window never opened", file=sys.stderr)
        return 1
    print(f"{'function':<40} {'insns/round':>12}")
    for fn, n in per_fn.most_common(60):
        print(f"{fn:<40} {n / rounds:>12.1f}")
    print(f"{'total':<40} {state['total'] / rounds:>12.1f}")
    if os.environ.get("PROFILE_BLOCKS"):
        print(f"\n{'block':<48} {'len':>4} {'runs/round':>10}")
        top = sorted(per_tb.items(), key=lambda kv: -kv[1] * tb_len.get(kv[0], 1))
        for pc, runs in top[:int(os.environ["PROFILE_BLOCKS"])]:
            i = bisect.bisect_right(starts, pc) - 1
            where = f"{syms[i][2]}+{pc - syms[i][0]:#x}" if i >= 0 else "?"
            print(f"{pc:#x} {where:<29} {tb_len.get(pc, 1):>4} {runs / rounds:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
