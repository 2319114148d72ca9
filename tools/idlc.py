#!/usr/bin/env python3
"""The MantraOS IDL compiler: C client stubs and server dispatch from idl/*.idl.

The language, the label scheme and the wire format are in docs/idl.md.  For
each NAME.idl given, this tool writes:

  OUT/idl/NAME.h          constants, enums, structs, method labels, the
                          message structs and the client stubs
  OUT/idl/NAME_server.h   the ops table a server fills, NAME's dispatch and
                          serve functions
  OUT/idl/NAME_server.c   their code: every field received is checked before
                          an op runs; a malformed call gets an error reply

  idlc.py [--out-dir OUT] FILE.idl ...

Without --out-dir the files are only checked.  Interface ids must be unique
across all the files of one run.  Every problem is reported as
FILE:LINE: error: ...; the exit status is 1 then, and nothing is written.
Generated files are rewritten only when their content changes, and never
depend on the paths given or on the time: only on the files' contents and
base names.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_syscalls import write_if_changed  # noqa: E402  (same rules as syscalls)

# The IPC limits of abi/include/mantra/types.h (MT_IPC_*); the generated
# headers _Static_assert that they still agree.
IPC_WORDS = 4
REG_BYTES = IPC_WORDS * 8
DATA_MAX = 4096
HANDLES_MAX = 8
IFACE_ID_MAX = 0x7fff           # labels stay positive as int32 (statuses are not)
METHODS_MAX = 0xffff

NAME_RE = re.compile(r"[a-z][a-z0-9_]*\Z")
C_KEYWORDS = frozenset("""auto break case char const continue default do
    double else enum extern float for goto if inline int long register
    restrict return short signed sizeof static struct switch typedef union
    unsigned void volatile while bool true false""".split())
IDL_WORDS = frozenset("""const enum struct interface string bytes handle
    u8 u16 u32 u64 i8 i16 i32 i64""".split())
# Names the client stub and the generated code use next to the fields.
RESERVED_PARAMS = frozenset(("ep", "buf", "out", "in", "m", "rep", "st"))

# Handle kinds and rights: enum mt_obj_type and MT_RIGHT_* (types.h).
HANDLE_KINDS = {
    "any": "MT_OBJ_NONE", "process": "MT_OBJ_PROCESS", "thread": "MT_OBJ_THREAD",
    "aspace": "MT_OBJ_ASPACE", "memory": "MT_OBJ_MEMORY",
    "debuglog": "MT_OBJ_DEBUGLOG", "endpoint": "MT_OBJ_ENDPOINT",
    "channel": "MT_OBJ_CHANNEL", "port": "MT_OBJ_PORT", "event": "MT_OBJ_EVENT",
}
RIGHTS = ("read", "write", "map", "execute", "duplicate", "transfer", "signal",
          "wait", "manage", "info")


class IdlError(Exception):
    pass


# ---------------------------------------------------------------------------
# Types.

class Scalar:
    """An integer or bool: its wire size is its C size."""

    def __init__(self, name, size, signed):
        self.name, self.size, self.signed = name, size, signed
        self.ctype = "bool" if name == "bool" else \
            f"{'int' if signed else 'uint'}{size * 8}_t"

    fixed = True


SCALARS = {n: Scalar(n, s, sg) for n, s, sg in (
    ("u8", 1, False), ("u16", 2, False), ("u32", 4, False), ("u64", 8, False),
    ("i8", 1, True), ("i16", 2, True), ("i32", 4, True), ("i64", 8, True),
    ("bool", 1, False))}
LEN_TYPE = SCALARS["u16"]       # the length of a string or bytes field


class Enum:
    fixed = True

    def __init__(self, module, name, base, line):
        self.name, self.base, self.line = name, base, line
        self.cname = f"{module}_{name}"
        self.size = base.size
        self.ctype = f"enum {self.cname}"
        self.values = []            # (name, value, line)


class Struct:
    fixed = True

    def __init__(self, module, name, line):
        self.name, self.line = name, line
        self.cname = f"{module}_{name}"
        self.ctype = f"struct {self.cname}"
        self.fields = []            # Param

    @property
    def size(self):
        return sum(f.type.size for f in self.fields)


class Bounded:
    """string<N> (N bytes and a NUL on the wire) or bytes<N>."""
    fixed = False

    def __init__(self, kind, bound, bound_c):
        self.kind, self.bound = kind, bound
        self.bound_c = bound_c      # the bound as C: a number or a constant

    def wire_max(self):
        return self.bound + (1 if self.kind == "string" else 0)


class Handle:
    fixed = False

    def __init__(self, kind, rights):
        self.kind, self.rights = kind, rights

    def rights_c(self):
        return " | ".join(f"MT_RIGHT_{r.upper()}" for r in self.rights) or "0"


class Param:
    def __init__(self, type_, name, line):
        self.type, self.name, self.line = type_, name, line


class Method:
    def __init__(self, name, ordinal, line, doc):
        self.name, self.ordinal, self.line, self.doc = name, ordinal, line, doc
        self.ins, self.outs = [], []
        self.has_outs = False       # `-> (...)` given, maybe empty


class Interface:
    def __init__(self, name, ident, line, doc):
        self.name, self.id, self.line, self.doc = name, ident, line, doc
        self.methods = []

    def label(self, m):
        return (self.id << 16) | m.ordinal


class Module:
    def __init__(self, name, path):
        self.name, self.path = name, path
        self.consts = []            # (name, value, line)
        self.types = {}             # name -> Enum | Struct
        self.order = []             # Enum | Struct in file order
        self.interfaces = []
        self.doc = []


# ---------------------------------------------------------------------------
# Lexer: names, integers and punctuation, with `//` comments kept by line
# (a comment block right above a declaration documents it).

TOKEN_RE = re.compile(r"\s*(?:(//[^\n]*)|(->|[{}()<>;,=:|@])|(0x[0-9a-fA-F]+|\d+)"
                      r"|([A-Za-z_][A-Za-z0-9_]*)|(\S))")


class Token:
    def __init__(self, kind, text, line):
        self.kind, self.text, self.line = kind, text, line

    def __repr__(self):
        return "end of file" if self.kind == "eof" else f"'{self.text}'"


def lex(text, path):
    tokens, comments = [], {}
    for n, line in enumerate(text.splitlines(), 1):
        pos = 0
        while pos < len(line):
            m = TOKEN_RE.match(line, pos)
            if not m or m.end() == pos:
                break
            pos = m.end()
            comment, sym, num, name, bad = m.groups()
            if comment is not None:
                comments[n] = comment[2:].strip()
            elif sym:
                tokens.append(Token("sym", sym, n))
            elif num:
                tokens.append(Token("int", num, n))
            elif name:
                tokens.append(Token("name", name, n))
            elif bad:
                raise IdlError(f"{path}:{n}: error: unexpected character '{bad}'")
    tokens.append(Token("eof", "", len(text.splitlines()) or 1))
    return tokens, comments


# ---------------------------------------------------------------------------
# Parser.  Syntax errors stop the file; other problems are collected.

class Parser:
    def __init__(self, module, text, problems):
        self.m, self.path, self.problems = module, module.path, problems
        self.tokens, self.comments = lex(text, self.path)
        self.i = 0

    # -- tokens --
    def peek(self):
        return self.tokens[self.i]

    def next(self):
        t = self.tokens[self.i]
        self.i += 1
        return t

    def syntax(self, tok, what):
        raise IdlError(f"{self.path}:{tok.line}: error: expected {what}, found {tok!r}")

    def error(self, line, msg):
        self.problems.append(f"{self.path}:{line}: error: {msg}")

    def expect(self, text):
        t = self.next()
        if t.text != text or t.kind not in ("sym", "name"):
            self.syntax(t, f"'{text}'")
        return t

    def accept(self, text):
        if self.peek().text == text and self.peek().kind == "sym":
            self.i += 1
            return True
        return False

    def name(self, what):
        t = self.next()
        if t.kind != "name":
            self.syntax(t, what)
        if not NAME_RE.match(t.text) or t.text in C_KEYWORDS or t.text in IDL_WORDS:
            self.error(t.line, f"bad {what} '{t.text}' (lower-case C identifier, "
                               "not a C or IDL keyword)")
        return t

    def integer(self, what):
        t = self.next()
        if t.kind != "int":
            self.syntax(t, what)
        return int(t.text, 0), t.line

    def doc_above(self, line):
        out = []
        n = line - 1
        while n in self.comments:
            out.insert(0, self.comments[n])
            n -= 1
        return out

    # -- file --
    def parse(self):
        self.m.doc = self.doc_above(self.peek().line) if self.peek().kind != "eof" else []
        seen = {}
        while self.peek().kind != "eof":
            t = self.next()
            handler = {"const": self.p_const, "enum": self.p_enum,
                       "struct": self.p_struct, "interface": self.p_interface}.get(t.text)
            if t.kind != "name" or handler is None:
                self.syntax(t, "'const', 'enum', 'struct' or 'interface'")
            name = handler(t)
            if name.text in seen:
                self.error(name.line, f"'{name.text}' already defined at line {seen[name.text]}")
            else:
                seen[name.text] = name.line
        return self.m

    def p_const(self, kw):
        name = self.name("constant name")
        self.expect("=")
        value, line = self.integer("an integer")
        self.expect(";")
        self.m.consts.append((name.text, value, line))
        return name

    def p_enum(self, kw):
        name = self.name("enum name")
        self.expect(":")
        bt = self.next()
        base = SCALARS.get(bt.text)
        if base is None or base.signed or base.name in ("bool", "u64"):
            self.error(bt.line, f"enum base type must be u8, u16 or u32, not '{bt.text}'")
            base = SCALARS["u32"]
        e = Enum(self.m.name, name.text, base, name.line)
        self.expect("{")
        while not self.accept("}"):
            vname = self.name("enum value name")
            self.expect("=")
            value, line = self.integer("an integer")
            if value >= 1 << (8 * base.size):
                self.error(line, f"{name.text}.{vname.text} = {value} does not fit {base.name}")
            for other, v, l in e.values:
                if other == vname.text:
                    self.error(line, f"enum value '{other}' repeated (line {l})")
                elif v == value:
                    self.error(line, f"{name.text}.{vname.text}: value {value} already "
                                     f"used by '{other}' (line {l})")
            e.values.append((vname.text, value, line))
            if not self.accept(","):
                self.expect("}")
                break
        if not e.values:
            self.error(name.line, f"enum '{name.text}' has no values")
        self.add_type(name, e)
        return name

    def p_struct(self, kw):
        name = self.name("struct name")
        s = Struct(self.m.name, name.text, name.line)
        self.expect("{")
        while not self.accept("}"):
            p = self.param(in_struct=True)
            self.expect(";")
            s.fields.append(p)
        if not s.fields:
            self.error(name.line, f"struct '{name.text}' has no fields")
        self.check_names(s.fields, f"struct '{name.text}'", reserved=())
        self.add_type(name, s)
        return name

    def add_type(self, name, t):
        if name.text not in self.m.types:
            self.m.types[name.text] = t
            self.m.order.append(t)

    def p_interface(self, kw):
        doc = self.doc_above(kw.line)
        name = self.name("interface name")
        self.expect("@")
        ident, line = self.integer("the interface id")
        if not 1 <= ident <= IFACE_ID_MAX:
            self.error(line, f"interface id {ident} out of 1..{IFACE_ID_MAX:#x}")
        iface = Interface(name.text, ident, name.line, doc)
        self.expect("{")
        while not self.accept("}"):
            self.p_method(iface)
        if not iface.methods:
            self.error(name.line, f"interface '{name.text}' has no methods")
        self.m.interfaces.append(iface)
        return name

    def p_method(self, iface):
        doc = self.doc_above(self.peek().line)
        name = self.name("method name")
        m = Method(name.text, len(iface.methods) + 1, name.line, doc)
        if m.ordinal > METHODS_MAX:
            self.error(name.line, f"more than {METHODS_MAX} methods")
        for other in iface.methods:
            if other.name == m.name:
                self.error(name.line, f"method '{m.name}' already defined at line {other.line}")
        m.ins = self.param_list()
        if self.accept("->"):
            m.outs = self.param_list()
            m.has_outs = True
        self.expect(";")
        what = f"method '{m.name}'"
        self.check_names(m.ins, what)
        self.check_names(m.outs, what + " (replies)")
        iface.methods.append(m)

    def param_list(self):
        self.expect("(")
        params = []
        if self.accept(")"):
            return params
        while True:
            params.append(self.param(in_struct=False))
            if self.accept(")"):
                return params
            self.expect(",")

    def param(self, in_struct):
        t = self.type_(in_struct)
        name = self.name("field name")
        return Param(t, name.text, name.line)

    def type_(self, in_struct):
        t = self.next()
        if t.kind != "name":
            self.syntax(t, "a type")
        if t.text in SCALARS:
            return SCALARS[t.text]
        if t.text in ("string", "bytes"):
            self.expect("<")
            bound, bound_c = self.bound()
            self.expect(">")
            limit = DATA_MAX - 1 if t.text == "string" else DATA_MAX
            if not 1 <= bound <= limit:
                self.error(t.line, f"{t.text}<{bound}>: the bound must be 1..{limit}")
                bound, bound_c = 1, "1"
            if in_struct:
                self.error(t.line, f"{t.text} in a struct (structs are fixed-size)")
                return SCALARS["u32"]
            return Bounded(t.text, bound, bound_c)
        if t.text == "handle":
            handle = self.handle_type(t)
            if in_struct:
                self.error(t.line, "handle in a struct (handles travel only as "
                                   "method parameters)")
                return SCALARS["u32"]
            return handle
        if t.text in self.m.types:
            return self.m.types[t.text]
        self.error(t.line, f"unknown type '{t.text}'")
        return SCALARS["u32"]

    def bound(self):
        t = self.next()
        if t.kind == "int":
            return int(t.text, 0), str(int(t.text, 0))
        for name, value, _ in self.m.consts:
            if t.kind == "name" and name == t.text:
                return value, upper(self.m.name, name)
        if t.kind == "name":
            self.error(t.line, f"unknown constant '{t.text}'")
            return 1, "1"
        self.syntax(t, "a bound (integer or constant)")

    def handle_type(self, t):
        kind, rights = "any", []
        if not self.accept("<"):
            return Handle(kind, rights)
        k = self.next()
        if k.text not in HANDLE_KINDS:
            self.error(k.line, f"unknown handle kind '{k.text}' "
                               f"({', '.join(sorted(HANDLE_KINDS))})")
        else:
            kind = k.text
        if self.accept(","):
            while True:
                r = self.next()
                if r.text not in RIGHTS:
                    self.error(r.line, f"unknown right '{r.text}' ({', '.join(RIGHTS)})")
                elif r.text in rights:
                    self.error(r.line, f"right '{r.text}' repeated")
                else:
                    rights.append(r.text)
                if not self.accept("|"):
                    break
        self.expect(">")
        return Handle(kind, rights)

    def check_names(self, params, what, reserved=RESERVED_PARAMS):
        seen = {}
        names = {p.name for p in params}
        for p in params:
            if p.name in seen:
                self.error(p.line, f"{what}: '{p.name}' repeated (line {seen[p.name]})")
            seen[p.name] = p.line
            if p.name in reserved:
                self.error(p.line, f"{what}: '{p.name}' is reserved for the generated code")
            if isinstance(p.type, Bounded) and p.type.kind == "bytes" \
                    and p.name + "_len" in names:
                self.error(p.line, f"{what}: '{p.name}_len' clashes with the length "
                                   f"of bytes '{p.name}'")


# ---------------------------------------------------------------------------
# Wire layout of one direction of a method (docs/idl.md, "Wire format").

class Layout:
    """Where each field of a message goes.  Scalars, enums, bools and the
    u16 lengths of strings and bytes go into the register words at their
    natural alignment while they fit, in order; the scalars that do not fit
    and the structs are packed (no padding) at the start of the data; the
    contents of strings (with their NUL) and bytes follow in order; handles
    take the handle slots in order."""

    def __init__(self, params):
        self.params = params
        self.loc = {}               # name -> ("r"|"d", offset) of the value or length
        self.reg_used = 0           # bit i: register byte i holds a field
        self.fixed = 0              # bytes of fixed data
        self.var = [p for p in params if isinstance(p.type, Bounded)]
        self.handles = [p for p in params if isinstance(p.type, Handle)]
        reg = 0
        for p in params:
            if isinstance(p.type, Handle):
                continue
            t = LEN_TYPE if isinstance(p.type, Bounded) else p.type
            if not isinstance(t, Struct):
                off = -(-reg // t.size) * t.size
                if off + t.size <= REG_BYTES:
                    self.loc[p.name] = ("r", off)
                    self.reg_used |= ((1 << t.size) - 1) << off
                    reg = off + t.size
                    continue
            self.loc[p.name] = ("d", self.fixed)
            self.fixed += t.size
        self.max_len = self.fixed + sum(p.type.wire_max() for p in self.var)

    def uses_buffer(self):
        return self.fixed > 0 or self.var or self.handles


def check_limits(module, problems):
    for iface in module.interfaces:
        for m in iface.methods:
            for params, what in ((m.ins, "call"), (m.outs, "reply")):
                lay = Layout(params)
                if lay.max_len > DATA_MAX:
                    problems.append(f"{module.path}:{m.line}: error: {iface.name}.{m.name}: "
                                    f"the {what} can take {lay.max_len} bytes, over the "
                                    f"{DATA_MAX} of the IPC buffer")
                if len(lay.handles) > HANDLES_MAX:
                    problems.append(f"{module.path}:{m.line}: error: {iface.name}.{m.name}: "
                                    f"{len(lay.handles)} handles in the {what}, over "
                                    f"{HANDLES_MAX}")


# ---------------------------------------------------------------------------
# C generation.

def banner(module):
    return f"/* Generated by tools/idlc.py from idl/{module.name}.idl; do not edit. */"


def comment(lines, indent=""):
    if not lines:
        return []
    if len(lines) == 1:
        return [f"{indent}/* {lines[0]} */"]
    return [f"{indent}/*"] + [f"{indent} * {l}".rstrip() for l in lines] + [f"{indent} */"]


def upper(*parts):
    return "_".join(parts).upper()


def field_decls(p, view):
    """C declarations of a field in a message struct.  view "ptr": strings
    and bytes point elsewhere (calls: the caller's memory, or the received
    buffer); "inline": they are held in the struct (replies)."""
    t = p.type
    if isinstance(t, Bounded):
        if view == "inline":
            if t.kind == "string":
                return [f"char {p.name}[{t.bound_c} + 1];"]
            return [f"uint8_t {p.name}[{t.bound_c}];", f"uint32_t {p.name}_len;"]
        if t.kind == "string":
            return [f"const char *{p.name};"]
        return [f"const uint8_t *{p.name};", f"uint32_t {p.name}_len;"]
    if isinstance(t, Handle):
        return [f"mt_handle_t {p.name};"]
    return [f"{t.ctype} {p.name};"]


def getter(size):
    return f"idl_get{size * 8}"


def where(loc):
    area, off = loc
    return f"r + {off}" if area == "r" else f"buf->data + {off}"


def leaves(t, expr, loc):
    """(scalar or enum type, C expression, location) of each value a fixed
    field of type t holds: structs are flattened member by member."""
    if not isinstance(t, Struct):
        yield t, expr, loc
        return
    off = loc[1]
    for f in t.fields:
        yield from leaves(f.type, f"{expr}.{f.name}", (loc[0], off))
        off += f.type.size


def encode_value(lines, t, expr, loc):
    """Store expr of fixed type t at loc."""
    for lt, e, l in leaves(t, expr, loc):
        lines.append(f"\tidl_put{lt.size * 8}({where(l)}, (uint{lt.size * 8}_t){e});")


def decode_value(lines, t, expr, loc):
    """Load the value of fixed type t at loc into expr, refusing values
    outside the type (bools other than 0 and 1, enums off their list)."""
    for lt, e, l in leaves(t, expr, loc):
        get = f"{getter(lt.size)}({where(l)})"
        if isinstance(lt, Enum):
            lines += [f"\tif (!{lt.cname}_valid({get}))", "\t\treturn MT_ERR_INVALID_ARGS;",
                      f"\t{e} = ({lt.ctype}){get};"]
        elif lt.name == "bool":
            lines += [f"\tif ({get} > 1)", "\t\treturn MT_ERR_INVALID_ARGS;",
                      f"\t{e} = {get} != 0;"]
        else:
            lines.append(f"\t{e} = ({lt.ctype}){get};")


class Direction:
    """One direction of a method: the call (`_in`, pointer view) or the
    reply (`_out`, inline view), with its struct and codec."""

    def __init__(self, iface, m, outs):
        self.iface, self.m = iface, m
        self.params = m.outs if outs else m.ins
        self.view = "inline" if outs else "ptr"
        self.sname = f"{iface.name}_{m.name}_{'out' if outs else 'in'}"
        self.layout = Layout(self.params)

    def empty(self):
        return not self.params

    def struct(self):
        if self.empty():
            return []
        out = [f"struct {self.sname} {{"]
        for p in self.params:
            out += ["\t" + d for d in field_decls(p, self.view)]
        return out + ["};"]

    def encode(self, storage):
        """`storage` (e.g. "static inline") mt_status_t NAME_encode(...):
        checks the bounds, then writes the message; *m is ready to send."""
        lay = self.layout
        arg = "" if self.empty() else f"const struct {self.sname} *v, "
        params = ([] if self.empty() else [f"const struct {self.sname} *v"]) + \
            ["struct mt_ipc_buffer *buf", "uint32_t label", "struct mt_ipc_msg *m"]
        out = wrap_params(f"{storage} mt_status_t {self.sname}_encode", params, "") + ["{",
               "\tuint8_t r[IDL_REG_BYTES] = { 0 };", f"\tuint32_t len = {lay.fixed};"]
        for p in lay.var:
            if p.type.kind == "string":
                out.append(f"\tuint32_t {p.name}_len = idl_strlen(v->{p.name}, {p.type.bound_c});")
        out.append("")
        if not lay.uses_buffer():
            out.append("\t(void)buf;")
        for p in lay.var:
            cond = f"{p.name}_len > {p.type.bound_c}" if p.type.kind == "string" else \
                f"v->{p.name}_len > {p.type.bound_c}"
            if p.type.kind == "bytes" and self.view == "ptr":
                cond += f" || (v->{p.name}_len && !v->{p.name})"
            out += [f"\tif ({cond})", "\t\treturn MT_ERR_INVALID_ARGS;"]
        for p in lay.handles:
            out += [f"\tif (v->{p.name} == MT_HANDLE_INVALID)", "\t\treturn MT_ERR_INVALID_ARGS;"]
        for p in self.params:
            if isinstance(p.type, Handle):
                continue
            if isinstance(p.type, Bounded):
                n = f"{p.name}_len" if p.type.kind == "string" else f"v->{p.name}_len"
                encode_value(out, LEN_TYPE, n, lay.loc[p.name])
            else:
                encode_value(out, p.type, f"v->{p.name}", lay.loc[p.name])
        for p in lay.var:
            n = f"{p.name}_len" if p.type.kind == "string" else f"v->{p.name}_len"
            out += [f"\tif ({n})", f"\t\tmemcpy(buf->data + len, v->{p.name}, {n});",
                    f"\tlen += {n};"]
            if p.type.kind == "string":
                out.append("\tbuf->data[len++] = 0;")
        for i, p in enumerate(lay.handles):
            out.append(f"\tbuf->handles[{i}] = v->{p.name};")
        out += ["\tidl_regs_store(m, r);",
                f"\tm->info = MT_IPC_INFO(label, len, {len(lay.handles)});",
                "\tm->badge = 0;", "\treturn MT_OK;", "}"]
        return out

    def decode(self, storage):
        """mt_status_t NAME_decode(m, buf[, v]): MT_OK with *v filled, or
        the status to refuse the message with.  Takes no handle: on failure
        the caller closes what the message carried."""
        lay = self.layout
        arg = "" if self.empty() else f", struct {self.sname} *v"
        out = [f"{storage} mt_status_t {self.sname}_decode(const struct mt_ipc_msg *m,",
               f"\t\tconst struct mt_ipc_buffer *buf{arg})", "{",
               "\tuint8_t r[IDL_REG_BYTES];"]
        if lay.var:
            out.append(f"\tuint32_t pos = {lay.fixed};")
        if any(p.type.kind != "any" or p.type.rights for p in lay.handles):
            out.append("\tmt_status_t st;")
        out += ["", "\tidl_regs_load(r, m);"]
        if not lay.uses_buffer():
            out.append("\t(void)buf;")
        conds = [f"MT_IPC_NHANDLES(m->info) != {len(lay.handles)}",
                 f"!idl_regs_clean(r, {lay.reg_used:#010x}u)"]
        if lay.fixed:
            conds.append(f"MT_IPC_LEN(m->info) < {lay.fixed}")
        out += [f"\tif ({conds[0]} ||"] + [f"\t    {c} ||" for c in conds[1:-1]]
        out += [f"\t    {conds[-1]})", "\t\treturn MT_ERR_INVALID_ARGS;"]
        total = [str(lay.fixed)]
        for p in lay.var:
            out += [f"\tuint32_t {p.name}_len = {getter(2)}({where(lay.loc[p.name])});",
                    f"\tif ({p.name}_len > {p.type.bound_c})", "\t\treturn MT_ERR_INVALID_ARGS;"]
            total.append(f"{p.name}_len" + (" + 1" if p.type.kind == "string" else ""))
        out += [f"\tif (MT_IPC_LEN(m->info) != {' + '.join(total)})",
                "\t\treturn MT_ERR_INVALID_ARGS;"]
        for p in self.params:
            if p.type.fixed:
                decode_value(out, p.type, f"v->{p.name}", lay.loc[p.name])
        for p in lay.var:
            src = "buf->data + pos"
            if p.type.kind == "string":
                out += [f"\tif (!idl_str_ok({src}, {p.name}_len))",
                        "\t\treturn MT_ERR_INVALID_ARGS;"]
                if self.view == "ptr":
                    out.append(f"\tv->{p.name} = (const char *)({src});")
                else:
                    out.append(f"\tmemcpy(v->{p.name}, {src}, {p.name}_len + 1);")
                out.append(f"\tpos += {p.name}_len + 1;")
            else:
                if self.view == "ptr":
                    out.append(f"\tv->{p.name} = {src};")
                else:
                    out.append(f"\tmemcpy(v->{p.name}, {src}, {p.name}_len);")
                out += [f"\tv->{p.name}_len = {p.name}_len;", f"\tpos += {p.name}_len;"]
        for i, p in enumerate(lay.handles):
            t = p.type
            if t.kind == "any" and not t.rights:
                continue
            out += [f"\tst = idl_handle_check(buf->handles[{i}], {HANDLE_KINDS[t.kind]}, "
                    f"{t.rights_c()});", "\tif (st < 0)", "\t\treturn st;"]
        for i, p in enumerate(lay.handles):
            out.append(f"\tv->{p.name} = buf->handles[{i}];")
        return out + ["\treturn MT_OK;", "}"]


def c_params(p):
    """The client stub's parameters for call field p: those of the call
    struct, but bytes from any buffer."""
    params = [d.rstrip(";") for d in field_decls(p, "ptr")]
    if isinstance(p.type, Bounded) and p.type.kind == "bytes":
        params[0] = f"const void *{p.name}"
    return params


def wrap_params(head, params, tail):
    """head(p1, p2, ...)tail, wrapped under 80 columns with two tabs."""
    lines, cur = [], head + "("
    for i, p in enumerate(params):
        piece = p + ("," if i + 1 < len(params) else ")" + tail)
        if len(cur.expandtabs(8)) + len(piece) + 1 > 80 and not cur.endswith("("):
            lines.append(cur)
            cur = "\t\t" + piece
        else:
            cur += ("" if cur.endswith("(") else " ") + piece
    return lines + [cur]


def client_stub(iface, m, din, dout):
    params = ["mt_handle_t ep", "struct mt_ipc_buffer *buf"]
    for p in m.ins:
        params += c_params(p)
    if not dout.empty():
        params.append(f"struct {dout.sname} *out")
    out = comment(m.doc) + wrap_params(f"static inline mt_status_t {iface.name}_{m.name}",
                                       params, "")
    out.append("{")
    if not din.empty():
        inits = ", ".join(f".{n} = {n}" for p in m.ins for n in
                          ([p.name, p.name + "_len"] if isinstance(p.type, Bounded)
                           and p.type.kind == "bytes" else [p.name]))
        line = f"\tconst struct {din.sname} in = {{ {inits} }};"
        if len(line.expandtabs(8)) > 80:
            line = f"\tconst struct {din.sname} in = {{\n\t\t" + \
                inits.replace(", ", ",\n\t\t") + "\n\t};"
        out.append(line)
    out += ["\tstruct mt_ipc_msg m, rep;",
            f"\tmt_status_t st = {din.sname}_encode({'' if din.empty() else '&in, '}buf, "
            f"{upper(iface.name, m.name)}_LABEL, &m);", "",
            "\tif (st < 0)", "\t\treturn st;", "\tst = mt_call(ep, &m, &rep);",
            "\tif (st < 0)", "\t\treturn st;", "\tst = idl_reply_status(&rep, buf);",
            "\tif (st < 0)", "\t\treturn st;",
            f"\tif ({dout.sname}_decode(&rep, buf{'' if dout.empty() else ', out'}) < 0) {{",
            "\t\tidl_drop_received(&rep, buf);", "\t\treturn MT_ERR_BAD_STATE;", "\t}",
            "\treturn MT_OK;", "}"]
    return out


def enum_decl(e):
    out = [f"enum {e.cname} {{"]
    out += [f"\t{upper(e.cname, n)} = {v}," for n, v, _ in e.values]
    out += ["};", "", f"static inline bool {e.cname}_valid(uint64_t v)", "{"]
    vals = sorted(v for _, v, _ in e.values)
    if vals == list(range(vals[0], vals[-1] + 1)):
        cond = f"v <= {vals[-1]}" if vals[0] == 0 else f"v >= {vals[0]} && v <= {vals[-1]}"
    else:
        cond = " || ".join(f"v == {v}" for v in vals)
    return out + [f"\treturn {cond};", "}"]


def struct_decl(s):
    return [f"struct {s.cname} {{"] + [f"\t{f.type.ctype} {f.name};" for f in s.fields] + ["};"]


def gen_header(module):
    g = f"IDL_{upper(module.name)}_H"
    out = [banner(module)] + comment(module.doc) + [
        f"#ifndef {g}", f"#define {g}", "", "#include <libmantra/idl.h>", "",
        f"_Static_assert(MT_IPC_WORDS == {IPC_WORDS} && MT_IPC_DATA_MAX == {DATA_MAX} &&",
        f"\t       MT_IPC_HANDLES_MAX == {HANDLES_MAX}, \"tools/idlc.py knows the IPC limits\");"]
    if module.consts:
        out.append("")
        out += [f"#define {upper(module.name, n)} {v}" for n, v, _ in module.consts]
    for t in module.order:
        out.append("")
        out += enum_decl(t) if isinstance(t, Enum) else struct_decl(t)
    for iface in module.interfaces:
        out += ["", f"/* ---- interface {iface.name} (id {iface.id}) " +
                "-" * max(0, 48 - len(iface.name) - len(str(iface.id))) + " */"]
        out += comment(iface.doc)
        out.append(f"#define {upper(iface.name)}_ID {iface.id}")
        out += [f"#define {upper(iface.name, m.name)}_LABEL {iface.label(m):#010x}u"
                for m in iface.methods]
        for m in iface.methods:
            din, dout = Direction(iface, m, False), Direction(iface, m, True)
            for d in (din, dout):
                if not d.empty():
                    out += [""] + d.struct()
            out += [""] + din.encode("static inline")
            out += [""] + dout.decode("static inline")
            out += [""] + client_stub(iface, m, din, dout)
    return "\n".join(out + ["", f"#endif /* {g} */", ""])


def op_decl(iface, m, din, dout):
    params = ["void *ctx", "uint64_t badge"]
    if not din.empty():
        params.append(f"const struct {din.sname} *in")
    if not dout.empty():
        params.append(f"struct {dout.sname} *out")
    return comment(m.doc, "\t") + ["\t" + l for l in
                                    wrap_params(f"mt_status_t (*{m.name})", params, ";")]


def gen_server_header(module):
    g = f"IDL_{upper(module.name)}_SERVER_H"
    out = [banner(module), f"#ifndef {g}", f"#define {g}", "",
           f"#include <idl/{module.name}.h>"]
    for iface in module.interfaces:
        out += ["", f"/* The methods a server of {iface.name} implements.  Each gets the",
                " * caller's badge and the checked call, fills *out and returns MT_OK (the",
                " * reply) or a negative MT_ERR_* (an error reply; *out is dropped, its",
                " * handles closed).  Handles in *in are the op's to keep or close.  A",
                " * NULL op answers MT_ERR_NOT_SUPPORTED. */",
                f"struct {iface.name}_ops {{"]
        for m in iface.methods:
            out += op_decl(iface, m, Direction(iface, m, False), Direction(iface, m, True))
        out += ["};", "",
                f"/* Answer the call `in` (its data and handles in buf) into *reply, whose",
                " * data and handles are put in buf: the op's result, or an error reply",
                " * when the label is not one of ours (MT_ERR_NOT_SUPPORTED) or the",
                " * message is malformed (MT_ERR_INVALID_ARGS, MT_ERR_WRONG_TYPE,",
                " * MT_ERR_ACCESS_DENIED); the handles of a refused call are closed. */",
                f"void {iface.name}_dispatch(const struct {iface.name}_ops *ops, void *ctx,",
                "\t\tconst struct mt_ipc_msg *in, struct mt_ipc_buffer *buf,",
                "\t\tstruct mt_ipc_msg *reply);", "",
                f"/* Serve ep with ops until a receive fails (idl_serve); buf is the",
                " * calling thread's registered IPC buffer. */",
                f"mt_status_t {iface.name}_serve(mt_handle_t ep, struct mt_ipc_buffer *buf,",
                f"\t\tconst struct {iface.name}_ops *ops, void *ctx);"]
    return "\n".join(out + ["", f"#endif /* {g} */", ""])


def server_method(iface, m, din, dout):
    fn = f"{iface.name}_do_{m.name}"
    out = [f"static void {fn}(const struct {iface.name}_ops *ops, void *ctx,",
           "\t\tconst struct mt_ipc_msg *m, struct mt_ipc_buffer *buf,",
           "\t\tstruct mt_ipc_msg *reply)", "{"]
    if not din.empty():
        out.append(f"\tstruct {din.sname} in;")
    if not dout.empty():
        out.append(f"\tstruct {dout.sname} out;")
    out += ["\tmt_status_t st;", "", f"\tif (!ops->{m.name}) {{",
            "\t\tidl_refuse(m, buf, reply, MT_ERR_NOT_SUPPORTED);", "\t\treturn;", "\t}",
            f"\tst = {din.sname}_decode(m, buf{'' if din.empty() else ', &in'});",
            "\tif (st < 0) {", "\t\tidl_refuse(m, buf, reply, st);", "\t\treturn;", "\t}"]
    if not dout.empty():
        out.append("\tmemset(&out, 0, sizeof(out));")
    args = ["ctx", "m->badge"] + ([] if din.empty() else ["&in"]) + \
        ([] if dout.empty() else ["&out"])
    out += [f"\tst = ops->{m.name}({', '.join(args)});",
            f"\tif (st >= 0 && {dout.sname}_encode({'' if dout.empty() else '&out, '}"
            "buf, MT_OK, reply) < 0)",
            "\t\tst = MT_ERR_BAD_STATE;      /* the op's reply broke its bounds */"]
    drops = [f"\t\tmt_handle_drop(out.{p.name});" for p in dout.layout.handles]
    if drops:
        out += ["\tif (st < 0) {"] + drops + ["\t\tidl_error_reply(reply, st);", "\t}"]
    else:
        out += ["\tif (st < 0)", "\t\tidl_error_reply(reply, st);"]
    return out + ["}"]
    return out


def gen_server_c(module):
    out = [banner(module), "#include <idl/" + module.name + "_server.h>"]
    for iface in module.interfaces:
        dispatch = [f"void {iface.name}_dispatch(const struct {iface.name}_ops *ops, void *ctx,",
                    "\t\tconst struct mt_ipc_msg *in, struct mt_ipc_buffer *buf,",
                    "\t\tstruct mt_ipc_msg *reply)", "{",
                    "\tswitch (MT_IPC_LABEL(in->info)) {"]
        for m in iface.methods:
            din, dout = Direction(iface, m, False), Direction(iface, m, True)
            out += [""] + din.decode("static")
            out += [""] + dout.encode("static")
            out += [""] + server_method(iface, m, din, dout)
            dispatch += [f"\tcase {upper(iface.name, m.name)}_LABEL:",
                         f"\t\t{iface.name}_do_{m.name}(ops, ctx, in, buf, reply);",
                         "\t\treturn;"]
        dispatch += ["\tdefault:", "\t\tidl_refuse(in, buf, reply, MT_ERR_NOT_SUPPORTED);",
                     "\t}", "}"]
        out += [""] + dispatch
        out += ["", f"static void {iface.name}_dispatch_any(const void *ops, void *ctx,",
                "\t\tconst struct mt_ipc_msg *in, struct mt_ipc_buffer *buf,",
                "\t\tstruct mt_ipc_msg *reply)", "{",
                f"\t{iface.name}_dispatch(ops, ctx, in, buf, reply);", "}", "",
                f"mt_status_t {iface.name}_serve(mt_handle_t ep, struct mt_ipc_buffer *buf,",
                f"\t\tconst struct {iface.name}_ops *ops, void *ctx)", "{",
                f"\treturn idl_serve(ep, buf, {iface.name}_dispatch_any, ops, ctx);", "}"]
    return "\n".join(out + [""])


def generated_files(module):
    """Every file has the three outputs (the server ones empty of code
    when it defines no interface), so the build can name them all."""
    return {f"idl/{module.name}.h": gen_header(module),
            f"idl/{module.name}_server.h": gen_server_header(module),
            f"idl/{module.name}_server.c": gen_server_c(module)}


# ---------------------------------------------------------------------------

def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise IdlError(f"{path}: error: {getattr(e, 'strerror', None) or e}")


def load(paths):
    """Parse and check every file; returns the modules or raises IdlError
    with every problem found."""
    problems, modules, ids, names = [], [], {}, {}
    for path in paths:
        base = os.path.basename(path)
        stem = base[:-4] if base.endswith(".idl") else None
        if stem is None or not NAME_RE.match(stem):
            problems.append(f"{path}:1: error: the file name must be NAME.idl "
                            "with NAME a lower-case C identifier")
            continue
        if stem in names:
            problems.append(f"{path}:1: error: a second '{base}' (also {names[stem]})")
            continue
        names[stem] = path
        module = Module(stem, path)
        try:
            Parser(module, read(path), problems).parse()
        except IdlError as e:
            problems.append(str(e))
            continue
        check_limits(module, problems)
        for iface in module.interfaces:
            key = iface.id
            if key in ids and ids[key][0] != (path, iface.line):
                problems.append(f"{path}:{iface.line}: error: interface id {key} already "
                                f"used by '{ids[key][1]}' ({ids[key][0][0]}:{ids[key][0][1]})")
            ids.setdefault(key, ((path, iface.line), iface.name))
        modules.append(module)
    if problems:
        raise IdlError("\n".join(problems))
    return modules


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out-dir", help="write the generated files under OUT/idl/")
    ap.add_argument("files", nargs="+", help="the .idl files")
    args = ap.parse_args(argv)
    try:
        modules = load(args.files)
    except IdlError as e:
        print(e, file=sys.stderr)
        return 1
    if args.out_dir:
        for module in modules:
            for rel, text in generated_files(module).items():
                write_if_changed(os.path.join(args.out_dir, rel), text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
