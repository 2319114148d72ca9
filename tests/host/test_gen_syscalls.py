#!/usr/bin/env python3
"""Tests for tools/gen_syscalls.py (standard library only).

Run from the repository root: python3 tests/host/test_gen_syscalls.py
Prints `ok gensys.NAME` or `FAIL gensys.NAME: reason` per test and exits 1
if any failed.  The generated C is compiled with clang for the kernel's
freestanding target; the dispatch table and the argument table are also
compiled for the host with gcc and run, and checked against abi/syscalls.def
as read here (not by the generator's own parser).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "tools", "gen_syscalls.py")
DEF = os.path.join(ROOT, "abi", "syscalls.def")
TYPES = os.path.join(ROOT, "abi", "include", "mantra", "types.h")
ERRORS = os.path.join(ROOT, "abi", "include", "mantra", "errors.h")
DOC = os.path.join(ROOT, "docs", "abi.md")
SEC_TEMPLATE = os.path.join(ROOT, "abi", "security.md.in")
SEC_DOC = os.path.join(ROOT, "docs", "security.md")
ABI_INC = os.path.join(ROOT, "abi", "include")

TESTS = []
TMP = tempfile.mkdtemp(prefix="gensys.")


def test(fn):
    TESTS.append(fn)
    return fn


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def run_tool(*args, defn=DEF):
    return subprocess.run([sys.executable, TOOL, "--def", defn, "--types", TYPES,
                           "--errors", ERRORS, *args], capture_output=True, text=True)


def write(name, text):
    path = os.path.join(TMP, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def read(path):
    with open(path) as f:
        return f.read()


_generated = {}


def generated():
    """Output directory of the real definition (generated once)."""
    if "dir" not in _generated:
        out = os.path.join(TMP, "real")
        r = run_tool("--out-dir", out)
        check(r.returncode == 0, f"generator failed: {r.stderr.strip()}")
        _generated["dir"] = out
    return _generated["dir"]


def def_calls():
    """[(number, name, [arg lines], [error codes], noreturn)] read from the
    definition with a parser independent of the generator's."""
    calls = []
    for line in read(DEF).splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "syscall":
            calls.append((int(words[1]), words[2], [], [], words[-1] == "noreturn"))
        elif words[0] == "arg":
            calls[-1][2].append(line.strip())
        elif words[0] == "error":
            calls[-1][3].extend(words[1:])
    return calls


def clang_flags(out=None):
    """clang for the kernel's target, with the headers generated in out
    (default: those of the real definition)."""
    res = subprocess.run(["clang", "-print-resource-dir"], capture_output=True,
                         text=True).stdout.strip()
    return ["clang", "--target=x86_64-unknown-none-elf", "-ffreestanding", "-nostdinc",
            "-isystem", os.path.join(res, "include"), "-I" + ABI_INC,
            "-I" + os.path.join(out or generated(), "include"), "-Wall", "-Wextra", "-Werror",
            "-O2", "-c"]


def compile_ok(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    check(r.returncode == 0, f"{' '.join(cmd[-3:])}: {r.stderr.strip()[:600]}")


def sys_stubs(decls, result, skip=None):
    """C definitions of every sys_* prototype in decls (but skip) that
    return result."""
    out = []
    for m in re.finditer(r"mt_status_t (sys_\w+)\(([^)]*)\);", " ".join(decls.split())):
        if m.group(1) == skip:
            continue
        names = [p.split()[-1] for p in m.group(2).split(",") if p.strip() != "void"]
        body = " ".join(f"(void){n};" for n in names)
        out.append(f"mt_status_t {m.group(1)}({m.group(2)}) {{ {body} return {result}; }}")
    return out


# A small valid definition; the validation tests each break one thing.
GOOD = """# test
syscall 0 first
    arg mt_handle_t h handle=MEMORY rights=READ|WRITE
    arg void* buf user=out size=len
    arg size_t len
    error BAD_HANDLE BAD_ADDRESS
    doc First.

syscall 4 second noreturn
    arg int64_t code
    doc Second.
    ambient self ends the caller
"""


def expect_error(name, text, line, *needles):
    path = write(f"bad/{name}.def", text)
    r = run_tool("--out-dir", os.path.join(TMP, "bad-out"), defn=path)
    check(r.returncode == 1, f"exit {r.returncode}, stderr {r.stderr!r}")
    check(f"{path}:{line}: error:" in r.stderr, f"no line {line} in {r.stderr!r}")
    for n in needles:
        check(n in r.stderr, f"{n!r} not in {r.stderr!r}")
    check("Traceback" not in r.stderr, r.stderr)


# ---------------------------------------------------------------------------

@test
def real_definition_generates():
    out = generated()
    for rel in ("include/mantra/syscall_numbers.h", "include/mantra/syscalls.h",
                "include/mantra/syscall_info.h", "kernel/syscall_decls.h",
                "kernel/syscall_table.c"):
        check(os.path.isfile(os.path.join(out, rel)), f"{rel} missing")


@test
def good_small_definition_generates():
    r = run_tool("--out-dir", os.path.join(TMP, "good"), defn=write("good.def", GOOD))
    check(r.returncode == 0 and not r.stderr, r.stderr)


@test
def docs_up_to_date():
    r = run_tool("--check-docs", DOC)
    check(r.returncode == 0, "docs/abi.md is stale: run make docs " + r.stderr)


@test
def stale_docs_detected():
    stale = write("stale.md", read(DOC).replace("debug_write", "debug_wrote", 1))
    r = run_tool("--check-docs", stale)
    check(r.returncode == 1 and "stale" in r.stderr, f"{r.returncode} {r.stderr!r}")
    r = run_tool("--check-docs", os.path.join(TMP, "no-such.md"))
    check(r.returncode == 1, "a missing doc must count as stale")


@test
def security_docs_up_to_date():
    r = run_tool("--security-template", SEC_TEMPLATE, "--check-security", SEC_DOC)
    check(r.returncode == 0, "docs/security.md is stale: run make docs " + r.stderr)


@test
def stale_security_docs_detected():
    stale = write("stale-sec.md", read(SEC_DOC).replace("`mt_null`", "`mt_nul`", 1))
    r = run_tool("--security-template", SEC_TEMPLATE, "--check-security", stale)
    check(r.returncode == 1 and "stale" in r.stderr, f"{r.returncode} {r.stderr!r}")
    r = run_tool("--check-security", SEC_DOC)
    check(r.returncode == 2 and "--security-template" in r.stderr,
          "--check-security without a template must be refused")


@test
def security_docs_list_every_call_and_its_authority():
    """Read back from the generated page: each call once in the call table,
    with each handle argument's type and rights or, without a handle, in
    the no-handle table too."""
    doc = read(SEC_DOC)
    calls_part = doc[doc.index("| # | Call | Handle argument"):]
    calls_part = calls_part[:calls_part.index("\n\n")]
    none_part = doc[doc.index("| # | Call | Kind |"):]
    none_part = none_part[:none_part.index("\n\n")]
    for number, name, args, _, _ in def_calls():
        row = f"| {number} | `mt_{name}` |"
        check(calls_part.count(row) == 1, f"{name} not once in the call table")
        handles = [a for a in args if "handle=" in a]
        if not handles:
            check(row + " none (" in calls_part, f"{name}: no 'none (...)' entry")
            check(none_part.count(row) == 1, f"{name} missing from the no-handle table")
            continue
        check(row not in none_part, f"{name} takes a handle but is in the no-handle table")
        for a in handles:
            words = a.split()
            obj = re.search(r"handle=(\w+)", a).group(1)
            rights = re.search(r"rights=([\w|]+)", a)
            want = (f"| `{words[2]}` | " + ("any" if obj == "any" else f"`MT_OBJ_{obj}`")
                    + " | " + (" and ".join(f"`{r}`" for r in rights.group(1).split("|"))
                               if rights else "none") + " |")
            check(want in calls_part, f"{name}: no row {want!r}")
    for slot in ("@BANNER@", "@CALL_TABLE@", "@NO_HANDLE_TABLE@", "@RIGHTS_TABLE@"):
        check(slot not in doc, f"{slot} left unfilled")


@test
def security_template_needs_every_slot():
    t = write("sec.md.in", read(SEC_TEMPLATE).replace("@NO_HANDLE_TABLE@", ""))
    r = run_tool("--security-template", t, "--security", os.path.join(TMP, "sec.md"))
    check(r.returncode == 1 and "@NO_HANDLE_TABLE@" in r.stderr, f"{r.returncode} {r.stderr!r}")


@test
def docs_do_not_depend_on_paths():
    d = os.path.join(TMP, "elsewhere")
    os.makedirs(d, exist_ok=True)
    shutil.copy(DEF, os.path.join(d, "x.def"))
    out = os.path.join(d, "abi.md")
    r = run_tool("--docs", out, defn=os.path.join(d, "x.def"))
    check(r.returncode == 0, r.stderr)
    check(read(out) == read(DOC), "docs differ when generated from another path")


@test
def docs_cover_every_call_and_error():
    doc = read(DOC)
    for number, name, _, errors, _ in def_calls():
        check(f"### {number} `{name}`" in doc, f"no section for {name}")
        check(f"mt_{name}(" in doc, f"no signature for {name}")
    for code in re.findall(r"#define (MT_ERR_\w+)\s+\((-\d+)\)", read(ERRORS)):
        if code[0] != "MT_ERR_MIN":
            check(f"| {code[1]} | `{code[0]}` |" in doc, f"{code[0]} not in the error table")
    for word in ("MT_RIGHT_MANAGE", "MT_OBJ_ASPACE", "MT_SIGNAL_FAULTED", "MT_HANDLES_MAX",
                 "`r10`"):
        check(word in doc, f"{word} not documented")


@test
def numbers_match_definition():
    text = read(os.path.join(generated(), "include/mantra/syscall_numbers.h"))
    got = {n: int(v) for n, v in re.findall(r"#define MT_SYS_(\w+) (\d+)", text)}
    count = got.pop("COUNT", None)
    want = {name: number for number, name, _, _, _ in def_calls()}
    check(got == want, f"numbers differ: {set(got.items()) ^ set(want.items())}")
    check(count == max(want.values()) + 1, f"MT_SYS_COUNT {count}")


@test
def numbers_may_have_gaps():
    out = os.path.join(TMP, "gaps")
    r = run_tool("--out-dir", out, defn=write("gaps.def", GOOD))
    check(r.returncode == 0, r.stderr)
    check("#define MT_SYS_COUNT 5" in read(os.path.join(out, "include/mantra/syscall_numbers.h")),
          "MT_SYS_COUNT must be highest + 1")
    table = read(os.path.join(out, "kernel/syscall_table.c"))
    check(table.count("(const void *)sys_not_supported") == 3,
          "the gaps must hold sys_not_supported")
    check(table.count("(const void *)sys_") == 5, "one entry per number")
    compile_ok(clang_flags(out)[:-1] + ["-I" + os.path.join(out, "kernel"), "-fsyntax-only",
                                     os.path.join(out, "kernel/syscall_table.c")])


@test
def only_changed_files_rewritten():
    out = os.path.join(TMP, "rewrite")
    check(run_tool("--out-dir", out).returncode == 0, "first run failed")
    files = [os.path.join(dp, f) for dp, _, fs in os.walk(out) for f in fs]
    for f in files:
        os.utime(f, (1000000, 1000000))
    check(run_tool("--out-dir", out).returncode == 0, "second run failed")
    touched = [f for f in files if os.stat(f).st_mtime != 1000000]
    check(not touched, f"rewritten although unchanged: {touched}")
    check(sorted(os.listdir(os.path.join(out, "kernel"))) ==
          ["syscall_decls.h", "syscall_table.c"], "stray files (temporaries?)")


@test
def user_header_compiles():
    src = write("user.c", """#include <mantra/syscalls.h>
int use(void);
int use(void)
{
	mt_handle_t h;
	struct mt_object_info info;
	if (mt_handle_duplicate(1, MT_RIGHT_SAME, &h) < 0)
		mt_process_exit(1);
	mt_status_t r = mt_object_info(h, &info);
	r |= mt_debug_write(2, "hi", 2);
	r |= mt_vm_map(1, 0x10000, h, 0, 4096, MT_PROT_READ);
	if (r < 0)
		mt_thread_exit();
	return (int)mt_clock_get();
}
""")
    compile_ok(clang_flags() + [src, "-o", os.path.join(TMP, "user.o")])


@test
def user_stubs_use_the_abi_registers():
    obj = os.path.join(TMP, "regs.o")
    src = write("regs.c", """#include <mantra/syscalls.h>
mt_status_t six(void);
mt_status_t six(void) { return mt_vm_map(0x11, 0x22, 0x33, 0x44, 0x55, 0x66); }
""")
    compile_ok(clang_flags() + [src, "-o", obj])
    vm_map = next(n for n, name, *_ in def_calls() if name == "vm_map")
    dis = subprocess.run(["llvm-objdump", "-d", obj], capture_output=True, text=True).stdout
    for value, reg in ((0x11, "edi"), (0x22, "esi"), (0x33, "edx"), (0x44, "r10d"),
                       (0x55, "r8d"), (0x66, "r9d"), (vm_map, "eax")):
        check(re.search(rf"\${value}, %{reg}\b", dis), f"{value} not loaded into {reg}:\n{dis}")
    check("syscall" in dis, "no syscall instruction")


@test
def noreturn_stubs():
    text = read(os.path.join(generated(), "include/mantra/syscalls.h"))
    for _, name, _, _, noreturn in def_calls():
        m = re.search(rf"\n([^\n]*)\nmt_{name}\(.*?\n}}", text, re.S)
        check(m, f"no stub mt_{name}")
        if noreturn:
            check(m.group(1) == "__attribute__((noreturn)) static inline void"
                  and "__builtin_unreachable();" in m.group(0), f"mt_{name} not noreturn")
        else:
            check("return (mt_status_t)_rax;" in m.group(0), f"mt_{name} returns nothing")


@test
def kernel_table_compiles():
    out = generated()
    kernel = os.path.join(out, "kernel")
    decls = read(os.path.join(kernel, "syscall_decls.h"))
    stubs = ['#include "syscall_decls.h"'] + sys_stubs(decls, "MT_ERR_NOT_SUPPORTED")
    # one per call, plus sys_not_supported for unused numbers
    check(len(stubs) - 2 == len(def_calls()), "a sys_ prototype per call")
    src = write("sys_stubs.c", "\n".join(stubs) + "\n")
    flags = clang_flags() + ["-I" + kernel]
    compile_ok(flags + [os.path.join(kernel, "syscall_table.c"), "-o", os.path.join(TMP, "t.o")])
    compile_ok(flags + [src, "-o", os.path.join(TMP, "s.o")])


@test
def kernel_prototypes_take_no_user_pointers():
    decls = read(os.path.join(generated(), "kernel/syscall_decls.h"))
    protos = re.findall(r"mt_status_t sys_\w+\([^)]*\);", decls)
    check(protos, "no prototypes")
    for p in protos:
        check("*" not in p, f"pointer in a kernel prototype: {p}")
    flat = " ".join(decls.split())
    check("sys_debug_write(mt_handle_t log, uintptr_t buf, size_t len);" in flat, "debug_write")
    check("sys_process_exit(int64_t code);" in flat, "noreturn calls return mt_status_t")


@test
def kernel_table_ignores_upper_half_of_32bit_args():
    """The entry table called the way the assembly entry calls it (six raw
    64-bit registers): 32-bit arguments see only the lower half of their
    register, 64-bit ones all of it; names and the count are right."""
    out = generated()
    kernel = os.path.join(out, "kernel")
    decls = read(os.path.join(kernel, "syscall_decls.h"))
    lines = ['#include <stdio.h>', '#include "syscall_decls.h"']
    lines += sys_stubs(decls, "-100", skip="sys_vm_map")
    lines.append("""
mt_status_t sys_vm_map(mt_handle_t aspace, uint64_t addr, mt_handle_t memory,
		       uint64_t offset, uint64_t len, uint32_t flags)
{
	printf("%x %llx %x %llx %llx %x\\n", aspace, (unsigned long long)addr, memory,
	       (unsigned long long)offset, (unsigned long long)len, flags);
	return 7;
}
int main(void)
{
	uint64_t hi = 0xabcd000000000000ull;
	typedef mt_status_t (*raw_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
	long long r = ((raw_fn)syscall_entry_table[MT_SYS_vm_map])(hi | 1, hi | 2, hi | 3,
								   hi | 4, hi | 5, hi | 6);
	printf("%lld %s %d\\n", r, syscall_names[MT_SYS_vm_map], MT_SYS_COUNT);
	return 0;
}
""")
    src = write("host_table.c", "\n".join(lines))
    exe = os.path.join(TMP, "host_table")
    compile_ok(["gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I" + ABI_INC,
                "-I" + os.path.join(out, "include"), "-I" + kernel, "-o", exe, src,
                os.path.join(kernel, "syscall_table.c")])
    got = subprocess.run([exe], capture_output=True, text=True).stdout.split("\n")
    check(got[0] == "1 abcd000000000002 3 abcd000000000004 abcd000000000005 6", got[0])
    count = max(n for n, *_ in def_calls()) + 1
    check(got[1] == f"7 vm_map {count}", got[1])


@test
def info_table_matches_definition():
    """syscall_info.h compiled for the host and dumped, against the def."""
    errors = {m[0]: -int(m[1]) for m in re.findall(r"#define MT_ERR_(\w+)\s+\((-\d+)\)",
                                                    read(ERRORS))}
    src = write("info_dump.c", """#include <stdio.h>
#include <mantra/syscall_info.h>
int main(void)
{
	for (unsigned i = 0; i < MT_SYSCALL_INFO_COUNT; i++) {
		const struct mt_syscall_info *s = &mt_syscall_infos[i];
		printf("%u %s %u %d %llx %u", s->number, s->name, s->nargs, s->noreturn,
		       (unsigned long long)s->errors, s->ambient);
		for (unsigned a = 0; a < s->nargs; a++)
			printf(" %s:%u:%u:%d:%u:%u:%x", s->args[a].name, s->args[a].kind,
			       s->args[a].width, s->args[a].size_arg, s->args[a].fixed_size,
			       s->args[a].obj_type, s->args[a].rights);
		printf("\\n");
	}
	return 0;
}
""")
    exe = os.path.join(TMP, "info_dump")
    compile_ok(["gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I" + ABI_INC,
                "-I" + os.path.join(generated(), "include"), "-o", exe, src])
    rows = subprocess.run([exe], capture_output=True, text=True).stdout.splitlines()
    calls = def_calls()
    check(len(rows) == len(calls), f"{len(rows)} rows for {len(calls)} calls")
    by_name = {r.split()[1]: r.split() for r in rows}
    for number, name, args, errs, noreturn in calls:
        row = by_name.get(name)
        check(row and int(row[0]) == number, f"{name}: {row}")
        check(int(row[2]) == len(args) and int(row[3]) == noreturn, f"{name}: {row}")
        mask = sum(1 << errors[e] for e in errs)
        check(int(row[4], 16) == mask, f"{name}: errors {row[4]} != {mask:x}")
        handles = any("handle=" in line for line in args)
        check((int(row[5]) == 0) == handles, f"{name}: ambient {row[5]} with handles {handles}")
        for line, info in zip(args, row[6:]):
            kind = int(info.split(":")[1])
            want = 2 if "user=in" in line else 3 if "user=out" in line else \
                1 if "handle=" in line else 0
            check(kind == want, f"{name}: {line!r} has kind {kind}")
    vm = by_name["vm_map"]
    check(vm[6] == "aspace:1:4:-1:0:3:2" and vm[8] == "memory:1:4:-1:0:4:4", f"vm_map {vm}")
    check(by_name["debug_write"][7] == "buf:2:8:2:0:0:0", f"{by_name['debug_write']}")
    check(by_name["object_info"][7] == "info:3:8:-1:32:0:0", f"{by_name['object_info']}")
    ambient = {n: int(r[5]) for n, r in by_name.items()}
    check(ambient["clock_get"] == 1 and ambient["channel_create"] == 2
          and ambient["ipc_reply"] == 3 and ambient["vm_map"] == 0, f"ambient {ambient}")


# Validation: each error names its line.

@test
def rejects_unknown_directive():
    expect_error("directive", GOOD.replace("    doc First.", "    docs First."), 7,
                 "unknown directive 'docs'")


@test
def rejects_duplicate_name():
    expect_error("dupname", GOOD + "syscall 5 first\n    doc x\n", 13,
                 "duplicate system call name 'first'")


@test
def rejects_duplicate_number():
    expect_error("dupnum", GOOD + "syscall 4 third\n    doc x\n", 13,
                 "duplicate system call number 4")


@test
def rejects_unknown_arg_type():
    expect_error("argtype", GOOD.replace("size_t len", "long len"), 5,
                 "unknown argument type 'long'")
    expect_error("argtype2", GOOD.replace("int64_t code", "struct nope* code user=in size=sizeof"),
                 10, "unknown argument type 'struct nope*'")


@test
def rejects_unknown_handle_type():
    expect_error("handletype", GOOD.replace("handle=MEMORY", "handle=PIPE"), 3,
                 "unknown handle object type 'PIPE'", "DEBUGLOG")


@test
def rejects_unknown_right():
    expect_error("right", GOOD.replace("rights=READ|WRITE", "rights=READ|FLY"), 3,
                 "unknown right 'FLY'")


@test
def rejects_unknown_error_code():
    expect_error("errcode", GOOD.replace("error BAD_HANDLE", "error BAD_HANDEL"), 6,
                 "unknown error code 'BAD_HANDEL'", "MT_ERR_BAD_HANDEL")


@test
def rejects_size_naming_missing_arg():
    expect_error("sizemissing", GOOD.replace("size=len", "size=length"), 4,
                 "size=length", "no argument 'length'")


@test
def rejects_size_naming_non_integer():
    expect_error("sizetype", GOOD.replace("size=len", "size=h"), 4,
                 "size=h", "not an integer type")


@test
def rejects_user_on_non_pointer():
    expect_error("usernonptr", GOOD.replace("arg size_t len", "arg size_t len user=in"), 5,
                 "user= on non-pointer argument 'len'")


@test
def rejects_pointer_without_user():
    expect_error("ptrnouser", GOOD.replace("user=out size=len", "size=len"), 4,
                 "pointer argument 'buf' needs user=in or user=out")


@test
def rejects_more_than_six_args():
    extra = "".join(f"    arg uint64_t x{i}\n" for i in range(4))
    expect_error("toomany", GOOD.replace("    error BAD_HANDLE", extra + "    error BAD_HANDLE"),
                 9, "more than 6 arguments")


@test
def rejects_returns_on_noreturn():
    expect_error("returns", GOOD + "    returns something\n", 13, "'returns' on noreturn call")


@test
def rejects_error_on_noreturn():
    expect_error("errnoret", GOOD + "    error BAD_STATE\n", 13, "'error' on noreturn call")


@test
def rejects_other_mistakes():
    expect_error("unkattr", GOOD.replace("size_t len", "size_t len colour=red"), 5,
                 "unknown attribute 'colour=red'")
    expect_error("outconst", GOOD.replace("arg void* buf", "arg const void* buf"), 4,
                 "user=in pointer must be const")
    expect_error("nosize", GOOD.replace(" size=len", ""), 4, "needs size=")
    expect_error("badnum", GOOD.replace("syscall 4", "syscall four"), 9, "bad number 'four'")
    expect_error("beforecall", "arg size_t x\n" + GOOD, 1, "before the first 'syscall'")
    expect_error("nodoc", GOOD.replace("    doc Second.\n", ""), 9, "has no doc")


@test
def rejects_missing_or_misplaced_ambient():
    expect_error("noambient", GOOD.replace("    ambient self ends the caller\n", ""), 9,
                 "'second' takes no handle", "ambient")
    expect_error("ambienthandle", GOOD.replace("    doc First.", "    doc First.\n    ambient self x"),
                 8, "'ambient' on 'first', which takes a handle")
    expect_error("ambientkind", GOOD.replace("ambient self", "ambient others"), 12,
                 "expected 'ambient self|create|reply TEXT'")
    expect_error("ambientempty", GOOD.replace("ambient self ends the caller", "ambient self"), 12,
                 "expected 'ambient self|create|reply TEXT'")


@test
def ambient_text_continues_over_lines():
    text = GOOD + "    ambient and says so\n"
    out = os.path.join(TMP, "amb")
    r = run_tool("--out-dir", out, "--security-template", SEC_TEMPLATE, "--security",
                 os.path.join(out, "sec.md"), defn=write("amb.def", text))
    check(r.returncode == 0, r.stderr)
    check("| 4 | `mt_second` | self | ends the caller and says so |"
          in read(os.path.join(out, "sec.md")), "continued ambient text not joined")
    check(".ambient = MT_AMBIENT_SELF," in read(os.path.join(out, "include/mantra/syscall_info.h")),
          "syscall_info.h has no ambient kind")


@test
def reports_every_error_not_just_the_first():
    text = GOOD.replace("handle=MEMORY", "handle=PIPE").replace("BAD_ADDRESS", "NOPE")
    path = write("bad/many.def", text)
    r = run_tool("--out-dir", os.path.join(TMP, "bad-out"), defn=path)
    check(r.stderr.count("error:") == 2, r.stderr)
    check(not os.path.exists(os.path.join(TMP, "bad-out")), "output written despite errors")


@test
def regs_calls_mark_every_argument_register_as_output():
    """A `regs` call returns values in the argument registers: its stub must
    tell the compiler so (all six as "+r"), or live values get corrupted."""
    stubs = read(os.path.join(generated(), "include/mantra/syscalls.h"))
    body = stubs[stubs.index("mt_ipc_recv("):]
    body = body[:body.index("}")]
    for i in range(6):
        check(f'"+r"(_a{i})' in body, f"ipc_recv: register {i} not an output")
    plain = stubs[stubs.index("mt_debug_write("):]
    plain = plain[:plain.index("}")]
    check('"+r"(_a0)' not in plain, "debug_write registers are inputs only")


def main():
    failed = 0
    os.chdir(ROOT)
    try:
        for fn in TESTS:
            try:
                fn()
                print(f"ok gensys.{fn.__name__}")
            except (Fail, OSError, subprocess.SubprocessError) as e:
                failed += 1
                print(f"FAIL gensys.{fn.__name__}: {' '.join(str(e).split())[:400]}")
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
