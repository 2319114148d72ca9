#!/usr/bin/env python3
"""Compare installed Debian package versions with toolchain.lock.

Prints a warning per mismatch; exits 1 on any mismatch when
STRICT_TOOLCHAIN=1 is set in the environment, else 0.
"""
import os
import subprocess
import sys


def installed_version(pkg):
    res = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg],
                         capture_output=True, text=True)
    return res.stdout.strip() if res.returncode == 0 else None


def main(lock_path):
    problems = []
    with open(lock_path) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if len(line) != 2:
                continue
            pkg, want = line
            have = installed_version(pkg)
            if have != want:
                problems.append(f"{pkg}: locked {want}, installed {have or 'none'}")
    strict = os.environ.get("STRICT_TOOLCHAIN") == "1"
    for p in problems:
        print(f"toolchain: {'error' if strict else 'warning'}: {p}", file=sys.stderr)
    return 1 if problems and strict else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "toolchain.lock"))
