"""QEMU boot tests: each case boots a variant of build/mantra.img and checks
what the serial console says.  tools/run_tests.py runs them.

A case is a dict:
  name      test name, reported as qemu.NAME
  config    boot.cfg text for this boot (None: keep the image's own;
            False: delete boot.cfg)
  mutate    list of (esp path, function(bytes) -> bytes or None to delete)
  cpu       QEMU CPU model (default "max")
  smp       guest CPUs (default: the runner's --smp, itself 1 by default)
  prefix    put before the names of the guest's own results (a second
            pass of the same tests at another CPU count)
  expect    regexes that must all appear on the console
  forbid    regexes that must not appear
  stop_on   regex after which the run is complete (QEMU is killed)
  input     list of (regex, bytes): when the regex appears on the console
            (after the previous pair's match), the bytes are typed into the
            guest's serial port (COM1, served by bin/uart16550)
  exit      expected QEMU exit status when the guest powers off itself
  guest     True: count the guest's own `ok`/`FAIL` lines as tests too
  timeout   seconds (default 60)
"""
import struct

KERNEL = "/mantra/kernel.elf"
BOOTFS = "/mantra/bootfs.img"

# isa-debug-exit statuses: (value << 1) | 1
EXIT_TESTS_PASSED = (0x10 << 1) | 1
EXIT_PANIC = (3 << 1) | 1

BOOTED = r"MantraCore: boot complete"
SMP_ONLINE = r"I smp: \d+ CPUs? online"
NO_PANIC = r"KERNEL PANIC"
LOADER_REFUSED = r"MantraBoot: error: kernel \\mantra\\kernel\.elf is not a valid kernel: "


def truncate_half(data):
    return data[: len(data) // 2]


def bad_magic(data):
    return b"\x7fELX" + data[4:]


def first_phdr_rwx(data):
    """Make the first PT_LOAD (kernel text) writable and executable."""
    phoff = struct.unpack_from("<Q", data, 32)[0]
    out = bytearray(data)
    struct.pack_into("<I", out, phoff + 4, 7)
    return bytes(out)


def phdr_out_of_file(data):
    """Point the first PT_LOAD's file data past the end of the file."""
    phoff = struct.unpack_from("<Q", data, 32)[0]
    out = bytearray(data)
    struct.pack_into("<Q", out, phoff + 8, len(data) + 4096)
    return bytes(out)


def corrupt_header(data):
    out = bytearray(data)
    out[0] ^= 0xFF
    return bytes(out)


def corrupt_middle(data):
    out = bytearray(data)
    out[len(out) // 2] ^= 0x55
    return bytes(out)


def panic_case(name, crashtest, reason, function):
    return dict(
        name=f"panic_{name}",
        config=f"loglevel=info crashtest={crashtest}",
        expect=[r"KERNEL PANIC: " + reason, r"backtrace:",
                r"#\d+\s+[0-9a-f]{16} " + function + r"\+0x", r"system halted"],
        exit=EXIT_PANIC,
    )


def loader_refuses(name, mutation, why):
    return dict(
        name=f"loader_{name}",
        mutate=[(KERNEL, mutation)],
        expect=[LOADER_REFUSED + why],
        forbid=[r"MantraCore "],
        stop_on=LOADER_REFUSED + ".*\n",
    )


SERVICES_UP = r"MantraInit: \d+ services running"
SHELL_MANIFEST = "loglevel=info init.manifest=test/shell.manifest"


def shell_case(name, commands, expect, config=None, forbid=(), timeout=60):
    """A boot to msh: type `commands` ((regex, bytes) pairs), then
    `echo case-done`; the case ends when that is answered."""
    return dict(
        name=f"shell_{name}", config=config,
        input=list(commands) + [(r"msh> ", b"echo case-done\r")],
        expect=[r"msh> "] + list(expect) + [r"\ncase-done\n"],
        forbid=[NO_PANIC, r"init: init ended", *forbid],
        stop_on=r"\ncase-done\r?\n", timeout=timeout)


CASES = [
    dict(name="boot_default_image",
         expect=[r"MantraBoot \d+\.\d+", r"I MantraCore \d+\.\d+\.\d+ ",
                 r"boot: stack protector on, canary from the CPU's RNG", r"memory: \d+ MiB usable",
                 r"bootfs: \d+ files", SMP_ONLINE, BOOTED,
                 r"MantraInit: started, \d+ services in manifest",
                 r"init: logd: published 'log'", r"info  logd: started",
                 r"MantraInit: \d+ services running"],
         forbid=[NO_PANIC, r" W ", r" E ", r"init: .*(skipped|failed|cannot|faulted)",
                 r"init: init ended"],
         stop_on=r"MantraInit: \d+ services running", timeout=30),
    dict(name="selftest", config="loglevel=info selftest=all debug=slab,locks",
         expect=[r"selftest: \d+ passed, 0 failed"], forbid=[NO_PANIC],
         exit=EXIT_TESTS_PASSED, guest=True),
    # The smp.* kernel tests again with 2 CPUs, and every kernel test with
    # 4 (docs/smp.md): the count must equal QEMU's -smp (smp.expect).
    dict(name="selftest_smp2", smp=2, prefix="smp2.",
         config="loglevel=info selftest=smp smp.expect=2",
         expect=[r"I smp: 2 CPUs online", r"selftest: \d+ passed, 0 failed"],
         forbid=[NO_PANIC], exit=EXIT_TESTS_PASSED, guest=True),
    dict(name="selftest_smp4", smp=4, prefix="smp4.",
         config="loglevel=info selftest=all debug=slab,locks smp.expect=4",
         expect=[r"I smp: 4 CPUs online", r"selftest: \d+ passed, 0 failed"],
         forbid=[NO_PANIC], exit=EXIT_TESTS_PASSED, guest=True),
    dict(name="boot_without_config", config=False,
         expect=[r"no \\mantra\\boot.cfg, using defaults", BOOTED],
         forbid=[NO_PANIC], stop_on=BOOTED),
    dict(name="loader_stale_map_key_retried",
         config="loglevel=info mantraboot.test_stale_key",
         expect=[r"loader needed 2 ExitBootServices attempts", BOOTED],
         forbid=[NO_PANIC], stop_on=BOOTED),
    dict(name="cpu_without_smep_smap", cpu="qemu64",
         expect=[r"W cpu: no SMEP/SMAP", r"stack protector on, canary from the cycle counter",
                 BOOTED],
         forbid=[NO_PANIC], stop_on=BOOTED),
    loader_refuses("truncated_kernel", truncate_half, r".*(truncated|out of bounds|beyond)"),
    loader_refuses("bad_kernel_magic", bad_magic, r".*magic"),
    loader_refuses("writable_executable_kernel", first_phdr_rwx, r".*writable and executable"),
    loader_refuses("kernel_segment_outside_file", phdr_out_of_file, r".*"),
    dict(name="loader_missing_kernel", mutate=[(KERNEL, lambda d: None)],
         expect=[r"MantraBoot: error: kernel \\mantra\\kernel\.elf not found"],
         forbid=[r"MantraCore "],
         stop_on=r"kernel\.elf not found.*\n"),
    dict(name="bootfs_corrupt_header_refused", mutate=[(BOOTFS, corrupt_header)],
         expect=[r"E bootfs: boot archive refused: ", BOOTED],
         forbid=[NO_PANIC], stop_on=BOOTED),
    dict(name="bootfs_corrupt_data_refused", mutate=[(BOOTFS, corrupt_middle)],
         expect=[r"E bootfs: boot archive refused: ", BOOTED],
         forbid=[NO_PANIC], stop_on=BOOTED),
    dict(name="bootfs_truncated_refused", mutate=[(BOOTFS, truncate_half)],
         expect=[r"E bootfs: boot archive refused: ", BOOTED],
         forbid=[NO_PANIC], stop_on=BOOTED),
    # The in-guest suite (tests/guest/, bin/testinit) as init: every test
    # in its own process; the kernel powers off when init exits.
    dict(name="guest_suite", config="loglevel=info init=bin/testinit debug=slab,locks",
         expect=[r"guest: \d+ passed, 0 failed", r"ioapic: \d+ I/O APICs?, \d+ inputs",
                 # written through bin/uart16550 (uart.serves_and_restarts)
                 r"uart16550: hello through the driver",
                 r"uart16550: written while a read waits",
                 r"uart16550: serving again after a restart"],
         forbid=[NO_PANIC],
         exit=EXIT_TESTS_PASSED, guest=True, timeout=120),
    # The whole suite again with the IPC fast path off (`ipc=slow`): the
    # general path alone must give the same results.  Its lines are not
    # counted again; the case passes when every guest test did.
    dict(name="guest_suite_ipc_slow", config="loglevel=info init=bin/testinit ipc=slow",
         expect=[r"ipc: fast path off", r"guest: \d+ passed, 0 failed"],
         forbid=[NO_PANIC], exit=EXIT_TESTS_PASSED, timeout=120),
    # The scheduling tests again under the second policy (`sched=edf`);
    # not counted again, the case passes when every one did.
    # The whole in-guest suite again on 2 and 4 CPUs (docs/smp.md): its
    # results are counted again, prefixed smp2. and smp4.
    dict(name="guest_suite_smp2", smp=2, prefix="smp2.",
         config="loglevel=info init=bin/testinit debug=slab,locks",
         expect=[r"sched: policy rr, 2 CPUs", r"guest: \d+ passed, 0 failed"],
         forbid=[NO_PANIC], exit=EXIT_TESTS_PASSED, guest=True, timeout=300),
    dict(name="guest_suite_smp4", smp=4, prefix="smp4.",
         config="loglevel=info init=bin/testinit debug=slab,locks",
         expect=[r"sched: policy rr, 4 CPUs", r"guest: \d+ passed, 0 failed"],
         forbid=[NO_PANIC], exit=EXIT_TESTS_PASSED, guest=True, timeout=400),
    dict(name="guest_sched_edf",
         config="loglevel=info init=bin/testinit sched=edf init.groups=sched",
         expect=[r"sched: policy edf", r"guest: \d+ passed, 0 failed"],
         forbid=[NO_PANIC], exit=EXIT_TESTS_PASSED, timeout=120),
    # The user-level UART driver reading what is typed on the serial line
    # (uart_input.*, tests/guest/t18_drivers.c): the runner types a line
    # into COM1 once the driver has said it is ready, and the test writes
    # it back through the driver; twice, the second time after a restart.
    # The lines are offered a second time for when the runner runs the test
    # again (a first run may leave kernel caches filled: runner.c).
    dict(name="uart_input",
         config="loglevel=info init=bin/testinit init.groups=uart_input",
         input=[(r"uart-input: ready\n", b"hello-mantra\n"),
                (r"uart-input: again\n", b"second-line\r")] * 2,
         expect=[r"uart-input: got hello-mantra\n", r"uart-input: got again second-line\n",
                 r"guest: 1 passed, 0 failed"],
         forbid=[NO_PANIC], exit=EXIT_TESTS_PASSED, guest=True, timeout=120),
    # The default boot to a working shell (docs/init.md#the-serial-console):
    # init starts logd, the 16550 driver (its I/O ports and IRQ carved by
    # init, the endpoint it serves published as `console`) and msh, whose
    # prompt comes through the driver; the runner types commands into
    # COM1 and reads the answers.  Each case ends with `echo case-done`.
    shell_case("prompt", [(r"msh> ", b"help\r"), (r"msh> ", b"echo $?\r")],
               [r"MantraOS msh: type help", r"  ps +.*\n", r"  kill +NAME", r"echo \$\?\n0\n"]),
    shell_case("ps_services_mem",
               [(SERVICES_UP, b"ps\r"), (r"msh> ", b"services\r"), (r"msh> ", b"mem\r")],
               [r"SERVICE +STATE +KOID +RESTARTS +LAST-EXIT\n",
                r"logd +running +\d+ +0 +0\n", r"uart16550 +running +\d+ +0 +0\n",
                r"msh +running +\d+ +0 +0\n", r"kernel: \d+ processes, \d+ threads\n",
                r"\nlogd +running\nuart16550 +running\nmsh +running\n",
                r"frames|memory|slab"]),
    # kill: init restarts logd (restart=always), which serves `log` again.
    shell_case("kill_restarts_service",
               [(SERVICES_UP, b"kill logd\r"),
                (r"init: logd: killed[\s\S]*?init: logd: published 'log'", b"log 5\r"),
                (r"msh> ", b"ps\r")],
               [r"init: logd: killed\n", r"init: logd: restarting in 100 ms\n",
                r"logd +running +\d+ +1 +-?\d+\n", r"\[ +\d+\.\d{3}\] +\w+ +\S+: "],
               forbid=[r"no 'log' service"]),
    # The console driver killed: init restarts it and publishes a new
    # `console`; msh's calls fail, it ends and init starts a fresh one.
    shell_case("console_driver_restart",
               [(SERVICES_UP, b"kill uart16550\r"),
                (r"init: uart16550: killed[\s\S]*?init: msh: running[\s\S]*?msh> ",
                 b"echo back-again\r")],
               [r"init: uart16550: restarting in \d+ ms\n",
                r"init: uart16550: killed[\s\S]*init: uart16550: published 'console'"
                r"[\s\S]*MantraOS msh: type help\n", r"\nback-again\n"]),
    # A service crashing at start is backed off, then failed; the rest run.
    shell_case("crash_at_start_failed",
               [(r"init: crasher: failed", b"ps\r")],
               [r"init: crasher: faulted: page fault at 0 ",
                r"init: crasher: restarting in 10 ms\n", r"init: crasher: restarting in 40 ms\n",
                r"init: crasher: failed: 3 restarts within 60000 ms, giving up\n",
                r"crasher +failed +0 +3 ", r"msh +running +\d+ +0 +0\n"],
               config=SHELL_MANIFEST, forbid=[r"init: (logd|uart16550|msh): .*(faulted|failed)"]),
    # A malformed IDL message (list with bits beyond its index) is refused
    # by init's generated dispatch with an error; init keeps serving.
    shell_case("bad_message_refused",
               [(r"init: garbage: exited", b"services\r")],
               [r"testsvc: malformed init call refused: INVALID_ARGS\n",
                r"testsvc: init still serves: list\(0\) = logd\n",
                r"init: garbage: exited with code 0\n", r"\ngarbage +stopped\n"],
               config=SHELL_MANIFEST),
    # The system-call fuzzer (user/sysfuzz) as init: a bounded campaign of
    # random calls from unprivileged worker trees, the kernel's invariant
    # checker between batches, a leak check at the end.  `make fuzz` runs
    # a long one (tools/sysfuzz.py).
    dict(name="sysfuzz",
         config="loglevel=warn init=bin/sysfuzz debug=slab,locks init.calls=150000 init.seed=1",
         expect=[r"ok fuzz\.syscalls: \d+ calls, 0 kernel faults"],
         forbid=[NO_PANIC], exit=EXIT_TESTS_PASSED, guest=True, timeout=120),
    # The same campaign on two CPUs (another seed): the big kernel lock and
    # cross-CPU wakeups under random calls.
    dict(name="sysfuzz_smp2", smp=2, prefix="smp2.",
         config="loglevel=warn init=bin/sysfuzz debug=slab,locks init.calls=150000 init.seed=2",
         expect=[r"ok fuzz\.syscalls: \d+ calls, 0 kernel faults"],
         forbid=[NO_PANIC], exit=EXIT_TESTS_PASSED, guest=True, timeout=120),
    dict(name="panic_lock_order", config="loglevel=info debug=locks crashtest=lock_order",
         expect=[r"KERNEL PANIC: lock order: CPU 0 takes pmm|KERNEL PANIC: lock order: CPU 0 takes test-outer \(rank 30\) holding test-inner \(rank 90\)",
                 r"crashtest_lock_order\+0x", r"system halted"],
         exit=EXIT_PANIC),
    # A deadlock across two CPUs: the watchdog makes it a panic that shows
    # where every CPU is (docs/smp.md).
    dict(name="panic_deadlock_watchdog", smp=2,
         config="loglevel=info crashtest=deadlock watchdog=2",
         expect=[r"KERNEL PANIC: watchdog: CPU \d", r"other CPUs:", r"CPU \d:\nbacktrace:",
                 r"bkl_acquire\+0x", r"crashtest_", r"system halted"],
         exit=EXIT_PANIC),
    panic_case("page_fault", "page_fault",
               r"page fault at 0xdead0000: not-present page on write",
               "crashtest_page_fault"),
    panic_case("stack_overflow", "stack_overflow",
               r"double fault: kernel stack overflow \(guard page 0x[0-9a-f]+ hit\)",
               "crashtest_recurse"),
    panic_case("exec_data", "exec_data",
               r"page fault at 0x[0-9a-f]+: protection violation on instruction fetch",
               "crashtest_exec_data"),
    panic_case("assert", "assert", r"assertion failed: one == 2", "crashtest_assert"),
    panic_case("stack_smash", "stack_smash", r"stack smashing detected",
               "crashtest_stack_smash"),
    panic_case("smap", "smap",
               r"page fault at 0x40000000: protection violation on read \(SMAP: ",
               "crashtest_smap"),
    panic_case("smep", "smep",
               r"page fault at 0x40000000: protection violation on instruction fetch "
               r"\(SMEP: ", "crashtest_smep"),
]
