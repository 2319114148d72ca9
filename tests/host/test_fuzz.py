#!/usr/bin/env python3
"""The libFuzzer harnesses of tests/fuzz/, briefly: each fuzzer runs a fixed
number of inputs from a fixed seed (tools/fuzz.py check), starting from its
seed corpus and tests/fuzz/regress/.  Needs `make fuzz-build` (`make test`
builds them).  Prints `ok fuzz.host_NAME: N runs` or `FAIL fuzz.host_NAME:
why`; exits 1 on failure.  Longer runs: `make fuzz-host` (docs/testing.md).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import fuzz  # noqa: E402

if __name__ == "__main__":
    build = os.path.abspath(os.environ.get("MANTRA_BUILD", "build"))
    os.chdir(fuzz.ROOT)
    sys.exit(fuzz.check(build, fuzz.TARGETS, fuzz.CHECK_RUNS))
