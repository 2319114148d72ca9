#!/usr/bin/env python3
"""Run every MantraOS test and print one summary line.

  run_tests.py --build build [HOST_TEST_BINARY ...]

1. Host unit tests: each binary given, and each tests/host/test_*.py script,
   then the system tests tests/system/test_*.py (image layout, fsck,
   reproducibility).  They print `ok GROUP.NAME` / `FAIL GROUP.NAME: reason`
   lines.
2. QEMU boot tests from tests/qemu/cases.py, two at a time.  Each case is
   one test (qemu.NAME); a case marked guest=True also contributes the
   guest's own ok/FAIL lines.  Cases boot with --smp N CPUs (default
   $MANTRA_SMP or 1) unless a case names its own count; before the results
   of each guest suite pass the runner prints `suite: smp=N (qemu.NAME)`.

Every result line is echoed; the last line is `N passed, N failed`, and the
exit status is 1 if anything failed.  Console logs of QEMU cases are kept in
BUILD/test-logs/ for inspection.  --filter REGEX limits the QEMU cases.
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "qemu"))
import qemu  # noqa: E402
import cases  # noqa: E402

RESULT = re.compile(r"^(ok|FAIL) ([\w.\-]+)(?::\s*(.*))?$")
ESP_OFFSET = 1 << 20   # tools/mkimage.sh puts the ESP at 1 MiB


class Tally:
    def __init__(self):
        self.passed = self.failed = 0

    def ok(self, name, note=""):
        self.passed += 1
        print(f"ok {name}: {note}" if note else f"ok {name}", flush=True)

    def fail(self, name, why):
        self.failed += 1
        print(f"FAIL {name}: {why}", flush=True)

    def parse(self, text, prefix=""):
        """Count result lines in text; returns how many were seen."""
        seen = 0
        for line in text.splitlines():
            m = RESULT.match(line.strip())
            if not m:
                continue
            seen += 1
            if m.group(1) == "ok":
                self.ok(prefix + m.group(2), m.group(3) or "")
            else:
                self.fail(prefix + m.group(2), m.group(3) or "")
        return seen


def test_scripts(folder):
    return sorted(os.path.join("tests", folder, f)
                  for f in os.listdir(os.path.join("tests", folder))
                  if f.startswith("test_") and f.endswith(".py"))


def run_host_tests(binaries, tally, scripts=None):
    if scripts is None:
        scripts = test_scripts("host")
    for cmd in [[b] for b in binaries] + [[sys.executable, s] for s in scripts]:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        seen = tally.parse(res.stdout)
        if res.returncode != 0 and (seen == 0 or res.stderr.strip()):
            detail = (res.stderr.strip().splitlines() or ["no output"])[-1]
            tally.fail(f"host.{os.path.basename(cmd[-1])}",
                       f"exited with status {res.returncode}: {detail}")


def esp_path(img):
    return f"{img}@@{ESP_OFFSET}"


def make_variant(base, case, tmp):
    """Copy the image and apply the case's config and file mutations."""
    img = os.path.join(tmp, "disk.img")
    shutil.copyfile(base, img)
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    changes = list(case.get("mutate", []))
    config = case.get("config")
    if config is False:
        changes.append(("/mantra/boot.cfg", lambda d: None))
    elif config is not None:
        changes.append(("/mantra/boot.cfg", lambda d: (config + "\n").encode()))
    for path, fn in changes:
        local = os.path.join(tmp, "file")
        subprocess.run(["mcopy", "-o", "-i", esp_path(img), "::" + path, local],
                       check=True, env=env)
        with open(local, "rb") as f:
            data = fn(f.read())
        if data is None:
            subprocess.run(["mdel", "-i", esp_path(img), "::" + path], check=True, env=env)
            continue
        with open(local, "wb") as f:
            f.write(data)
        subprocess.run(["mcopy", "-o", "-i", esp_path(img), local, "::" + path],
                       check=True, env=env)
    return img


def run_case(base, case, log_dir, smp=1):
    """Boot one case; returns (problems, console text)."""
    with tempfile.TemporaryDirectory(prefix="mantra-case-") as tmp:
        img = make_variant(base, case, tmp)
        res = qemu.boot(img, timeout=case.get("timeout", 60),
                        stop_on=case.get("stop_on"), cpu=case.get("cpu", "max"),
                        smp=case.get("smp", smp),
                        serial_input=case.get("input", ()),
                        log_path=os.path.join(log_dir, case["name"] + ".log"))
    problems = []
    for pat in case.get("expect", []):
        if not re.search(pat, res.output):
            problems.append(f"missing /{pat}/")
    for pat in case.get("forbid", []):
        m = re.search(pat, res.output)
        if m:
            problems.append(f"unexpected {m.group(0).strip()!r}")
    if "exit" in case and res.exit_status != case["exit"]:
        why = "timed out" if res.timed_out else f"exit status {res.exit_status}"
        problems.append(f"{why}, expected exit status {case['exit']}")
    elif "stop_on" in case and not res.stopped:
        problems.append("timed out" if res.timed_out else
                        f"QEMU exited ({res.exit_status}) before /{case['stop_on']}/")
    return problems, res


def run_qemu_tests(build, tally, pattern, smp=1):
    base = os.path.join(build, "mantra.img")
    log_dir = os.path.join(build, "test-logs")
    os.makedirs(log_dir, exist_ok=True)
    todo = [c for c in cases.CASES if re.search(pattern, c["name"])]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {c["name"]: pool.submit(run_case, base, c, log_dir, smp) for c in todo}
        for c in todo:
            name = "qemu." + c["name"]
            try:
                problems, res = futures[c["name"]].result()
            except Exception as e:  # a broken case must not stop the suite
                tally.fail(name, f"runner error: {e}")
                continue
            if c.get("guest"):
                print(f"suite: smp={c.get('smp', smp)} ({name})", flush=True)
                if tally.parse(res.output, c.get("prefix", "")) == 0:
                    problems.append("the guest reported no results")
            if problems:
                tally.fail(name, "; ".join(problems) + f" (log: {log_dir}/{c['name']}.log)")
            else:
                tally.ok(name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--filter", default="")
    ap.add_argument("--no-qemu", action="store_true")
    ap.add_argument("--smp", type=int, default=qemu.default_smp(),
                    help="guest CPUs for cases that name none (default: $MANTRA_SMP or 1)")
    ap.add_argument("binaries", nargs="*")
    args = ap.parse_args()
    tally = Tally()
    os.environ["MANTRA_BUILD"] = args.build
    run_host_tests(args.binaries, tally)
    if not args.no_qemu:
        run_host_tests([], tally, test_scripts("system"))
    if not args.no_qemu:
        run_qemu_tests(args.build, tally, args.filter, args.smp)
    print(f"{tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
