#!/usr/bin/env python3
"""Tests for tools/idlc.py (standard library only).

Run from the repository root: python3 tests/host/test_idlc.py
Prints `ok idlc.NAME` or `FAIL idlc.NAME: reason` per test and exits 1 if
any failed.  Bad IDL must be refused with FILE:LINE: error: messages and
no output; the code generated from every idl/*.idl must compile cleanly
for the user target (clang, the flags of mk/user.mk), and the same input
must give the same bytes whatever the paths.  The wire layout is checked
by compiling a host program that encodes with the generated stubs' codecs
and decodes with the server's (gcc, with the sanitizers).
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "tools", "idlc.py")
GENSYS = os.path.join(ROOT, "tools", "gen_syscalls.py")
IDL_FILES = sorted(glob.glob(os.path.join(ROOT, "idl", "*.idl")))

TESTS = []
TMP = tempfile.mkdtemp(prefix="idlc.")


def test(fn):
    TESTS.append(fn)
    return fn


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def run_tool(*args, cwd=ROOT):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True,
                          cwd=cwd)


def write(name, text):
    path = os.path.join(TMP, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def read(path):
    with open(path) as f:
        return f.read()


GOOD = """// A protocol for the tests.
const name_max = 16;

enum mode : u8 {
\ton = 1,
\toff = 2,
}

struct pair {
\tu32 a;
\tmode m;
}

interface demo @42 {
\t// Does things.
\tdo_it(u8 x, string<name_max> name, handle<channel, read> ch)
\t\t-> (pair p, bytes<100> data, handle h);
\tnothing();
}
"""


def expect_error(name, text, line, fragment):
    path = write(f"bad/{name}.idl", text)
    out = os.path.join(TMP, f"bad-out-{name}")
    r = run_tool("--out-dir", out, path)
    check(r.returncode == 1, f"{name}: exit status {r.returncode}, expected 1")
    want = f"{path}:{line}: error: "
    lines = [l for l in r.stderr.splitlines() if l.startswith(want)]
    check(lines, f"{name}: no '{want}...' in {r.stderr.strip()!r}")
    check(any(fragment in l for l in lines), f"{name}: {fragment!r} not in {lines}")
    check(not os.path.exists(out), f"{name}: output written despite errors")


@test
def good_file_accepted():
    r = run_tool("--out-dir", os.path.join(TMP, "good"), write("g/demo.idl", GOOD))
    check(r.returncode == 0, r.stderr)
    for f in ("demo.h", "demo_server.h", "demo_server.c"):
        check(os.path.exists(os.path.join(TMP, "good", "idl", f)), f"{f} missing")
    h = read(os.path.join(TMP, "good", "idl", "demo.h"))
    check("#define DEMO_DO_IT_LABEL 0x002a0001u" in h, "label of do_it not 42 << 16 | 1")
    check("#define DEMO_NOTHING_LABEL 0x002a0002u" in h, "label of nothing not 42 << 16 | 2")
    check("char name[DEMO_NAME_MAX + 1];" not in h, "call strings are pointers")
    check("/* Does things. */" in h, "the method's comment is not carried over")


@test
def syntax_errors_have_file_and_line():
    expect_error("missing_semicolon", GOOD.replace("\tnothing();", "\tnothing()"), 19,
                 "expected ';'")
    expect_error("junk", GOOD + "\n$\n", 21, "unexpected character '$'")
    expect_error("toplevel", "interface x @1 { a(); }\nbogus\n", 2,
                 "expected 'const', 'enum', 'struct' or 'interface'")
    expect_error("no_id", "interface x { a(); }\n", 1, "expected '@'")


@test
def semantic_errors_have_file_and_line():
    cases = [
        ("unknown_type", GOOD.replace("u8 x", "u9 x"), 16, "unknown type 'u9'"),
        ("unknown_const", GOOD.replace("string<name_max>", "string<nmax>"), 16,
         "unknown constant 'nmax'"),
        ("string_bound", GOOD.replace("string<name_max>", "string<4096>"), 16,
         "the bound must be 1..4095"),
        ("bytes_zero", GOOD.replace("bytes<100>", "bytes<0>"), 17, "bound must be 1..4096"),
        ("handle_kind", GOOD.replace("handle<channel, read>", "handle<pipe>"), 16,
         "unknown handle kind 'pipe'"),
        ("handle_right", GOOD.replace("handle<channel, read>", "handle<channel, fly>"), 16,
         "unknown right 'fly'"),
        ("dup_param", GOOD.replace("u8 x,", "u8 name,"), 16, "'name' repeated"),
        ("reserved", GOOD.replace("u8 x,", "u8 ep,"), 16, "'ep' is reserved"),
        ("keyword", GOOD.replace("u8 x,", "u8 int,"), 16, "bad field name 'int'"),
        ("upper", GOOD.replace("u8 x,", "u8 X,"), 16, "bad field name 'X'"),
        ("dup_method", GOOD.replace("nothing();", "do_it();"), 18,
         "method 'do_it' already defined at line 16"),
        ("enum_value", GOOD.replace("off = 2", "off = 256"), 6, "does not fit u8"),
        ("enum_dup", GOOD.replace("off = 2", "off = 1"), 6, "value 1 already used by 'on'"),
        ("enum_base", GOOD.replace("mode : u8", "mode : i32"), 4, "must be u8, u16 or u32"),
        ("iface_id", GOOD.replace("@42", "@0"), 14, "interface id 0 out of 1..0x7fff"),
        ("iface_id_big", GOOD.replace("@42", "@32768"), 14, "out of 1..0x7fff"),
        ("struct_string", GOOD.replace("mode m;", "string<4> s;"), 11,
         "string in a struct"),
        ("struct_handle", GOOD.replace("mode m;", "handle h;"), 11, "handle in a struct"),
        ("redefined", GOOD + "struct pair { u8 z; }\n", 20, "'pair' already defined at line 9"),
        ("empty_iface", GOOD + "interface other @43 { }\n", 20, "has no methods"),
        ("too_big", GOOD.replace("bytes<100>", "bytes<4000>").replace("pair p", "bytes<100> q"),
         16, "the reply can take 4100 bytes, over the 4096"),
        ("too_many_handles", GOOD.replace(
            "\tnothing();", "\tmany(" + ", ".join(f"handle h{i}" for i in range(9)) + ");"),
         18, "9 handles in the call, over 8"),
        ("bytes_len_clash", GOOD.replace("u8 x,", "u32 data_len,").replace(
            "handle<channel, read> ch", "bytes<4> data"), 16, "clashes with the length"),
    ]
    for name, text, line, fragment in cases:
        expect_error(name, text, line, fragment)


@test
def every_problem_reported_not_just_the_first():
    text = GOOD.replace("u8 x", "u9 x").replace("handle<channel, read>", "handle<pipe>")
    path = write("bad/many.idl", text)
    r = run_tool("--out-dir", os.path.join(TMP, "many-out"), path)
    check(r.stderr.count("error:") == 2, r.stderr)


@test
def ids_unique_across_files():
    a = write("ids/alpha.idl", "interface alpha @7 { a(); }\n")
    b = write("ids/beta.idl", "\n\ninterface beta @7 { b(); }\n")
    r = run_tool("--out-dir", os.path.join(TMP, "ids-out"), a, b)
    check(r.returncode == 1, "duplicate interface id accepted")
    check(f"{b}:3: error: interface id 7 already used by 'alpha'" in r.stderr, r.stderr)


@test
def bad_file_names_refused():
    r = run_tool(write("names/Bad-Name.idl", "interface x @1 { a(); }\n"))
    check(r.returncode == 1 and "Bad-Name.idl:1: error: the file name" in r.stderr,
          r.stderr)


def user_cflags(gen):
    res = subprocess.run(["clang", "-print-resource-dir"], capture_output=True,
                         text=True).stdout.strip()
    return ["clang", "--target=x86_64-unknown-none-elf", "-std=gnu11", "-ffreestanding",
            "-nostdinc", "-isystem", os.path.join(res, "include"), "-fno-pic", "-fno-pie",
            "-O2", "-mno-sse", "-mno-mmx", "-Wall", "-Wextra", "-Werror",
            "-I" + os.path.join(ROOT, "abi", "include"), "-I" + os.path.join(gen, "include"),
            "-I" + gen, "-I" + os.path.join(ROOT, "lib"),
            "-I" + os.path.join(ROOT, "lib", "libc", "include")]


_gen = {}


def generated():
    """An output tree with the system-call headers and every idl/*.idl."""
    if "dir" not in _gen:
        out = os.path.join(TMP, "gen")
        r = subprocess.run([sys.executable, GENSYS, "--def", "abi/syscalls.def", "--types",
                            "abi/include/mantra/types.h", "--errors",
                            "abi/include/mantra/errors.h", "--out-dir", out],
                           capture_output=True, text=True, cwd=ROOT)
        check(r.returncode == 0, r.stderr)
        r = run_tool("--out-dir", out, *IDL_FILES)
        check(r.returncode == 0, r.stderr)
        _gen["dir"] = out
    return _gen["dir"]


@test
def generated_code_compiles():
    gen = generated()
    check(IDL_FILES, "no idl/*.idl")
    units = [os.path.join(ROOT, "lib", "libmantra", "idl.c")]
    for f in IDL_FILES:
        name = os.path.basename(f)[:-4]
        units.append(os.path.join(gen, "idl", f"{name}_server.c"))
        # The header alone, every stub instantiated.
        units.append(write(f"cc/{name}_client.c",
                           f"#include <idl/{name}.h>\n"
                           f"const void *idl_test_{name}_stubs[] = {{ 0 }};\n"))
    for u in units:
        r = subprocess.run(user_cflags(gen) + ["-c", u, "-o", os.path.join(TMP, "x.o")],
                           capture_output=True, text=True)
        check(r.returncode == 0, f"{os.path.basename(u)}: {r.stderr.strip()[:800]}")


@test
def output_is_deterministic():
    """Same bytes from another working directory, with absolute paths, and
    the files' order changed; a second run rewrites nothing."""
    a, b = os.path.join(TMP, "det-a"), os.path.join(TMP, "det-b")
    r = run_tool("--out-dir", a, *[os.path.relpath(f, ROOT) for f in IDL_FILES])
    check(r.returncode == 0, r.stderr)
    r = run_tool("--out-dir", b, *reversed(IDL_FILES), cwd=TMP)
    check(r.returncode == 0, r.stderr)
    names = sorted(os.listdir(os.path.join(a, "idl")))
    check(names == sorted(os.listdir(os.path.join(b, "idl"))), "different file sets")
    for n in names:
        check(read(os.path.join(a, "idl", n)) == read(os.path.join(b, "idl", n)),
              f"{n} differs between runs")
        check(TMP not in read(os.path.join(a, "idl", n)) and ROOT not in
              read(os.path.join(b, "idl", n)), f"{n} names a build path")
    stamp = {n: os.stat(os.path.join(a, "idl", n)).st_mtime_ns for n in names}
    run_tool("--out-dir", a, *IDL_FILES)
    for n in names:
        check(os.stat(os.path.join(a, "idl", n)).st_mtime_ns == stamp[n],
              f"{n} rewritten with the same content")


# A host program: the echo protocol's call encoded by the client side and
# decoded by the server's code, then malformed variants of it.
WIRE_MAIN = r"""
#include <stdio.h>
#include <stdlib.h>
#include <idl/echo_server.c>     /* its static decoders */

void mt_handle_drop(mt_handle_t h) { (void)h; }

static int fails;
#define EXPECT(c) do { if (!(c)) { printf("line %d: %s\n", __LINE__, #c); fails++; } } while (0)

int main(void)
{
	static struct mt_ipc_buffer buf;
	struct mt_ipc_msg m;
	struct echo_scalars_in s = { 0xa1, 0xb2c3, 0xd4e5f607, 0x1122334455667788ull,
				     -2, -3, true }, s2;
	struct echo_text_in t = { "hello" }, t2;

	EXPECT(echo_scalars_in_encode(&s, &buf, ECHO_SCALARS_LABEL, &m) == MT_OK);
	EXPECT(MT_IPC_LABEL(m.info) == 0x00010001u && MT_IPC_LEN(m.info) == 1);
	EXPECT(m.w[0] == 0xd4e5f607b2c300a1ull && m.w[1] == 0x1122334455667788ull);
	EXPECT(m.w[2] == 0xfffffffeull && m.w[3] == (uint64_t)-3 && buf.data[0] == 1);
	EXPECT(echo_scalars_in_decode(&m, &buf, &s2) == MT_OK);
	EXPECT(memcmp(&s, &s2, sizeof(s)) == 0 || (s2.a == s.a && s2.d == s.d && s2.g));
	m.w[0] |= 0x100;                            /* the padding byte */
	EXPECT(echo_scalars_in_decode(&m, &buf, &s2) == MT_ERR_INVALID_ARGS);

	EXPECT(echo_text_in_encode(&t, &buf, ECHO_TEXT_LABEL, &m) == MT_OK);
	EXPECT(MT_IPC_LEN(m.info) == 6 && m.w[0] == 5 && buf.data[5] == 0);
	EXPECT(echo_text_in_decode(&m, &buf, &t2) == MT_OK && strcmp(t2.s, "hello") == 0);
	buf.data[5] = 'x';
	EXPECT(echo_text_in_decode(&m, &buf, &t2) == MT_ERR_INVALID_ARGS);
	buf.data[5] = 0;
	m.info = MT_IPC_INFO(ECHO_TEXT_LABEL, 6, 1);
	EXPECT(echo_text_in_decode(&m, &buf, &t2) == MT_ERR_INVALID_ARGS);
	for (uint32_t len = 0; len < 80; len++) {   /* every length but 6 */
		m.info = MT_IPC_INFO(ECHO_TEXT_LABEL, len, 0);
		EXPECT((echo_text_in_decode(&m, &buf, &t2) == MT_OK) == (len == 6));
	}
	return fails ? 1 : 0;
}
"""


@test
def wire_layout_and_checks_on_the_host():
    gen = generated()
    src = write("wire/main.c", WIRE_MAIN)
    exe = os.path.join(TMP, "wire", "wire")
    r = subprocess.run(["gcc", "-std=gnu11", "-O1", "-g", "-Wall", "-Wextra", "-Werror",
                        "-Wno-unused-function", "-fsanitize=address,undefined",
                        "-fno-sanitize-recover=all", "-DHOST_TEST=1",
                        "-I" + os.path.join(ROOT, "abi", "include"),
                        "-I" + os.path.join(gen, "include"), "-I" + gen,
                        "-I" + os.path.join(ROOT, "lib"), "-o", exe, src,
                        os.path.join(ROOT, "lib", "libmantra", "idl.c")],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"gcc: {r.stderr.strip()[:800]}")
    r = subprocess.run([exe], capture_output=True, text=True)
    check(r.returncode == 0, f"wire checks failed: {r.stdout.strip()} {r.stderr.strip()[-300:]}")


def main():
    failed = 0
    os.chdir(ROOT)
    try:
        for fn in TESTS:
            try:
                fn()
                print(f"ok idlc.{fn.__name__}")
            except (Fail, OSError, subprocess.SubprocessError) as e:
                failed += 1
                print(f"FAIL idlc.{fn.__name__}: {' '.join(str(e).split())[:400]}")
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
