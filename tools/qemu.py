#!/usr/bin/env python3
"""Boot a MantraOS disk image under QEMU + OVMF and capture its serial console.

Library use (tools/run_tests.py):
    res = boot(image, timeout=60, stop_on=r"boot complete")
    res.output, res.exit_status, res.timed_out

`smp` (or, for the command line, --smp N or the MANTRA_SMP environment
variable; default 1) is the number of CPUs QEMU gives the guest (-smp N:
multi-threaded TCG, each guest CPU a host thread).

Software emulation only (no KVM here: see ../shared/QEMU.md).  The firmware
variable store is copied per run because OVMF writes to it.  The guest can
end the run through isa-debug-exit: writing V to port 0xf4 makes QEMU exit
with status (V << 1) | 1.
"""
import os
import re
import selectors
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"


def default_smp():
    """The CPU count asked for in the environment (MANTRA_SMP), else 1."""
    return int(os.environ.get("MANTRA_SMP", "1") or "1")


def qemu_args(image, vars_path, cpu="max", memory="512M", extra=(), smp=1):
    """The QEMU command line shared by tests, `make run` and benchmarks."""
    return [
        "qemu-system-x86_64", "-machine", "q35", "-cpu", cpu, "-m", memory,
        "-smp", str(smp),
        "-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
        "-drive", f"if=pflash,format=raw,file={vars_path}",
        "-drive", f"format=raw,file={image},snapshot=on",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-net", "none", "-no-reboot", *extra,
    ]


@dataclass
class BootResult:
    output: str
    exit_status: int | None     # QEMU's exit status, None if killed
    timed_out: bool
    stopped: bool               # stop_on pattern seen, QEMU killed
    seconds: float


def boot(image, timeout=60.0, stop_on=None, cpu="max", extra=(), log_path=None,
         echo=None, smp=1, serial_input=()):
    """Run QEMU until it exits, `stop_on` (a regex) appears on the serial
    console, or `timeout` seconds pass.  Returns a BootResult.  `echo`, if
    given, is called with each chunk of console output as it arrives.
    `serial_input` is a list of (regex, bytes): once the regex appears on
    the console (after the previous pair's), the bytes are typed into the
    guest's serial port (QEMU's stdin, which -serial stdio reads)."""
    stop_re = re.compile(stop_on) if stop_on else None
    pending = [(re.compile(rx), data) for rx, data in serial_input]
    with tempfile.TemporaryDirectory(prefix="mantra-qemu-") as tmp:
        vars_path = os.path.join(tmp, "vars.fd")
        shutil.copyfile(OVMF_VARS, vars_path)
        cmd = qemu_args(image, vars_path, cpu=cpu, smp=smp,
                        extra=["-display", "none", "-serial", "stdio",
                               "-monitor", "none", *extra])
        start = time.monotonic()
        proc = subprocess.Popen(cmd,
                                stdin=subprocess.PIPE if pending else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = bytearray()
        timed_out = stopped = False
        typed_to = 0
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        while True:
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                timed_out = True
                break
            if not sel.select(timeout=min(left, 0.5)):
                if proc.poll() is not None:
                    break
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
            if echo:
                echo(chunk)
            if pending:
                pending, typed_to = _type_input(proc, out, pending, typed_to)
            if stop_re and stop_re.search(out.decode("utf-8", "replace")):
                stopped = True
                break
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stdin:
            try:
                proc.stdin.close()
            except OSError:
                pass
        # Drain anything left after exit.
        rest = proc.stdout.read()
        if rest:
            out += rest
        proc.stdout.close()
        text = clean(out.decode("utf-8", "replace"))
        if log_path:
            with open(log_path, "w") as f:
                f.write(text)
        status = None if (timed_out or stopped) else proc.returncode
        return BootResult(text, status, timed_out, stopped,
                          time.monotonic() - start)


def _type_input(proc, out, pending, start):
    """Send the input whose trigger has appeared in out from offset start
    on (where the previous trigger matched: one text fires one pattern);
    returns what is left and the new start."""
    text = clean(out.decode("utf-8", "replace"))
    while pending:
        m = pending[0][0].search(text, start)
        if not m:
            break
        try:
            proc.stdin.write(pending[0][1])
            proc.stdin.flush()
        except OSError:
            return [], start
        start = m.end()
        pending = pending[1:]
    return pending, start


_ANSI = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")


def clean(text):
    """Strip the firmware's terminal escapes and carriage returns."""
    return _ANSI.sub("", text).replace("\r", "")


def interactive(image, build, nographic=False, gdb=False, smp=1):
    """`make run` / `make debug`: QEMU attached to this terminal."""
    vars_path = os.path.join(build, "OVMF_VARS.fd")
    shutil.copyfile(OVMF_VARS, vars_path)
    if not nographic and not (os.environ.get("DISPLAY") or
                              os.environ.get("WAYLAND_DISPLAY")):
        print("qemu: no display found, using the serial console here "
              "(NOGRAPHIC=1 forces this)")
        nographic = True
    extra = ["-nographic"] if nographic else ["-serial", "mon:stdio"]
    if gdb:
        extra += ["-s", "-S"]
        print("QEMU is paused with its gdb stub on localhost:1234.  In another terminal:\n"
              f"  gdb {build}/kernel.elf -ex 'target remote localhost:1234' "
              "-ex 'hbreak kmain' -ex continue\n"
              "(use hbreak: the loader copies the kernel in after gdb connects, "
              "which would overwrite software breakpoints)")
    print("Leave QEMU with Ctrl-A X.", flush=True)
    os.execvp("qemu-system-x86_64", qemu_args(image, vars_path, extra=extra, smp=smp))


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["run", "debug", "boot"])
    ap.add_argument("--image", default="build/mantra.img")
    ap.add_argument("--build", default="build")
    ap.add_argument("--nographic", action="store_true")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--smp", type=int, default=default_smp(),
                    help="guest CPUs (default: $MANTRA_SMP or 1)")
    a = ap.parse_args()
    if a.mode == "boot":
        r = boot(a.image, timeout=a.timeout, smp=a.smp)
        print(r.output)
        print(f"exit={r.exit_status} timed_out={r.timed_out} {r.seconds:.1f}s")
    else:
        interactive(a.image, a.build, nographic=a.nographic, gdb=a.mode == "debug",
                    smp=a.smp)
