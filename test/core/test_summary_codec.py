#!/usr/bin/python3
"""The summary wire codec of src/core/summary_wire.c.  Summaries packed here
with struct (big-endian, an independent reading of the format in summary.h;
profiles packed as profile.h describes their wire form) must pass
mlm_summary_check, open to the section table packed here, decode with
mlm_summary_section to the values packed here (doubles compared bit for
bit, NaN payloads included; byte strings pointing into the wire form) and
come back out of mlm_summary_encode as exactly the packed bytes.  Then one or
more invalid inputs per rule of the decoder must be rejected with the
expected message, every prefix of a valid summary too, and the encoder must
refuse what it cannot write.  The core's memory comes from an allocator
installed here that counts: nothing may leak, and no allocation may be much
larger than the input.  The ctypes mirrors of the structures are checked
against offsetof from a C compiler first.  Meanwhile test/core/fuzz_summary.c
is built (with AddressSanitizer and UBSan when gcc has them, and plainly) and
run: MLM_FUZZ_INPUTS inputs per function and build (default 1000000 each).
With -v, every expected rejection message is printed."""
import atexit
import ctypes
import os
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corelib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
VERBOSE = "-v" in sys.argv  # print every rejection message
NAN = float("nan")
INF = float("inf")
DMAX = 1.7976931348623157e308
I64MAX = 2**63 - 1
I64MIN = -2**63
U64MAX = 2**64 - 1
LIMIT = 1073741823
COUNTS, SUMS, PROFILE, GRID, KEYS, REGRESSION, STREAM, SCORES = range(1, 9)
KIND_NAMES = {COUNTS: "COUNTS", SUMS: "SUMS", PROFILE: "PROFILE", GRID: "GRID", KEYS: "KEYS",
              REGRESSION: "REGRESSION", STREAM: "STREAM", SCORES: "SCORES"}
NUMERIC, CATEGORICAL = 1, 2
EXACT, SKETCH = 0, 1

failures = 0
cases = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL " + msg)


def compare(ok, msg):
    """One comparison: count it, report it when it fails."""
    global cases
    cases += 1
    if not ok:
        fail(msg)
    return ok


# ---------------------------------------------------------------- the fuzzer
# Started first, so that it runs while the Python checks do.

FUZZ_NAMES = ("mlm_summary_check", "mlm_summary_open", "mlm_summary_section", "mlm_summary_encode")


def start_fuzzers():
    """Build fuzz_summary.c with sanitizers (if gcc has them) and plainly; start both."""
    n = int(os.environ.get("MLM_FUZZ_INPUTS", "1000000"))
    out = tempfile.mkdtemp(prefix="mlmon-fuzz-")
    atexit.register(subprocess.run, ["rm", "-rf", out])
    srcs = [os.path.join(HERE, "fuzz_summary.c"), "summary_wire.c", "profile_check.c", "profile_json.c",
            "profile_wire.c", "env.c"]
    seeds = {"asan+ubsan": "0x9E3779B97F4A7C15", "plain -O2": "0x2545F4914F6CDD1D"}
    runs = [(label, [exe, str(n), seeds[label]]) for label, exe in corelib.build_programs("fuzz", srcs, out)]
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "abort_on_error=1:detect_leaks=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    procs = []
    for label, cmd in runs:
        procs.append((label, cmd, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                   env=env), time.time()))

    def stop():
        # if the checks below raise, do not leave the fuzzers running
        for _, _, p, _ in procs:
            if p.poll() is None:
                p.kill()
    atexit.register(stop)
    return n, procs


def finish_fuzzers(n, procs):
    """Wait for the fuzzers; fail on a non-zero exit or missing counts."""
    for label, cmd, p, t0 in procs:
        out, err = p.communicate()
        secs = time.time() - t0
        text = out.decode(errors="replace")
        print(f"fuzz ({label}, collected after {secs:.1f} s wall):")
        for line in text.splitlines():
            print("  " + line)
        if not compare(p.returncode == 0, f"fuzzer {label} exited with {p.returncode}:\n"
                                          f"{err.decode(errors='replace')[-4000:]}"):
            continue
        fed = {}
        for line in text.splitlines():
            parts = line.split()
            if parts and parts[0] in FUZZ_NAMES:
                fed[parts[0]] = int(parts[2])
        for name in ("mlm_summary_check", "mlm_summary_open"):
            compare(fed.get(name, 0) >= n, f"fuzzer {label} fed {fed.get(name, 0)} inputs to {name}, wanted {n}")
        for name in ("mlm_summary_section", "mlm_summary_encode"):
            compare(fed.get(name, 0) > 0, f"fuzzer {label} fed nothing to {name}")


fuzz_n, fuzz_procs = start_fuzzers()

# ---------------------------------------------------------------- the library and its structures

VP = ctypes.c_void_p
SZ = ctypes.c_size_t
I64 = ctypes.c_int64
U64 = ctypes.c_uint64
ERRP = ctypes.POINTER(ctypes.c_char)
lib = corelib.load()


class Bytes(ctypes.Structure):  # mlm_bytes
    _fields_ = [("data", VP), ("len", ctypes.c_uint32)]


class FlatProfile(ctypes.Structure):  # mlm_flat_profile
    _fields_ = [("buf", VP), ("len", SZ)]


class KSum(ctypes.Structure):  # mlm_ksum (summation.h)
    _fields_ = [("s", ctypes.c_double), ("c", ctypes.c_double)]


class RegressionAcc(ctypes.Structure):  # mlm_regression_acc (metrics.h)
    _fields_ = [("n", I64), ("abs_err", KSum), ("sq_err", KSum), ("ape", KSum), ("mean_y", ctypes.c_double),
                ("m2_y", ctypes.c_double)]


class Section(ctypes.Structure):  # mlm_section
    _fields_ = [("id", ctypes.c_uint32), ("kind", ctypes.c_uint8), ("n", I64), ("counts", ctypes.POINTER(I64)),
                ("sums", ctypes.POINTER(KSum)), ("profile", FlatProfile), ("ncells", I64),
                ("cell", ctypes.POINTER(I64)), ("max", ctypes.POINTER(ctypes.c_double)),
                ("arity", ctypes.c_int), ("truncated", ctypes.c_int), ("cap", I64), ("key", ctypes.POINTER(Bytes)),
                ("reg", RegressionAcc), ("closed", ctypes.c_int), ("binary", ctypes.c_int),
                ("ts", ctypes.POINTER(I64)), ("values", ctypes.POINTER(ctypes.c_double)), ("nseg", I64),
                ("seg_first", ctypes.POINTER(I64)), ("seg_last", ctypes.POINTER(I64)),
                ("seg_n", ctypes.POINTER(I64)), ("overflow", ctypes.c_int), ("label", Bytes * 2),
                ("rows", I64 * 2), ("scores", FlatProfile * 2)]


class SectionRef(ctypes.Structure):  # mlm_section_ref
    _fields_ = [("id", ctypes.c_uint32), ("kind", ctypes.c_uint8), ("payload", VP), ("len", SZ)]


class SummaryWire(ctypes.Structure):  # mlm_summary_wire
    _fields_ = [("nsections", ctypes.c_uint32), ("ref", ctypes.POINTER(SectionRef))]


class Summary(ctypes.Structure):  # mlm_summary
    _fields_ = [("nsections", ctypes.c_uint32), ("sec", ctypes.POINTER(Section))]


def check_layout():
    """offsetof and sizeof of every mirrored field, from gcc, against ctypes."""
    structs = [("mlm_bytes", Bytes), ("mlm_flat_profile", FlatProfile), ("mlm_ksum", KSum),
               ("mlm_regression_acc", RegressionAcc), ("mlm_section", Section), ("mlm_section_ref", SectionRef),
               ("mlm_summary_wire", SummaryWire), ("mlm_summary", Summary)]
    lines = ["#include <stddef.h>", "#include <stdio.h>", '#include "summary.h"', "int main(void) {"]
    for cname, py in structs:
        lines.append(f'printf("{cname} - %zu %zu\\n", sizeof({cname}), _Alignof({cname}));')
        for f, _ in py._fields_:
            lines.append(f'printf("{cname} {f} %zu %zu\\n", offsetof({cname}, {f}), sizeof((({cname} *) 0)->{f}));')
    lines += ["return 0;", "}"]
    d = tempfile.mkdtemp(prefix="mlmon-layout-")
    atexit.register(subprocess.run, ["rm", "-rf", d])
    src, exe = os.path.join(d, "layout.c"), os.path.join(d, "layout")
    with open(src, "w") as f:
        f.write("\n".join(lines) + "\n")
    subprocess.run(corelib.PROGRAM_CFLAGS + ["-o", exe, src], check=True)
    got = subprocess.run([exe], check=True, capture_output=True, text=True).stdout.split("\n")
    want = {}
    for line in got:
        if line:
            c, f, a, b = line.split()
            want[(c, f)] = (int(a), int(b))
    for cname, py in structs:
        compare(want[(cname, "-")] == (ctypes.sizeof(py), ctypes.alignment(py)),
                f"layout: sizeof/alignof {cname} is {want[(cname, '-')]}, ctypes has "
                f"{(ctypes.sizeof(py), ctypes.alignment(py))}")
        for f, _ in py._fields_:
            fld = getattr(py, f)
            compare(want[(cname, f)] == (fld.offset, fld.size),
                    f"layout: {cname}.{f} at {want[(cname, f)]}, ctypes has {(fld.offset, fld.size)}")


check_layout()

# The core's memory through an allocator that counts live blocks and records the largest request.
libc = ctypes.CDLL(None)
libc.malloc.argtypes = [SZ]
libc.malloc.restype = VP
libc.free.argtypes = [VP]
libc.free.restype = None
ALLOC = ctypes.CFUNCTYPE(VP, SZ)
RELEASE = ctypes.CFUNCTYPE(None, VP)
CANCEL = ctypes.CFUNCTYPE(None)


class Env(ctypes.Structure):  # mlm_env (env.h)
    _fields_ = [("alloc", ALLOC), ("release", RELEASE), ("check_cancel", CANCEL)]


live = set()
largest = [0]


def _alloc(n):
    p = libc.malloc(n if n else 1)
    if p:
        live.add(p)
        largest[0] = max(largest[0], n)
    return p


def release(p):
    if p:
        if p not in live:
            fail(f"the core released {p:#x}, which it never allocated")
        live.discard(p)
        libc.free(p)


def _cancel():
    pass


callbacks = (ALLOC(_alloc), RELEASE(release), CANCEL(_cancel))  # kept alive while the core may call them
env = Env(*callbacks)
corelib.fn("mlm_set_env", None, VP)(ctypes.addressof(env))

c_open = corelib.fn("mlm_summary_open", ctypes.c_int, VP, SZ, ctypes.POINTER(SummaryWire), ERRP, SZ)
c_find = corelib.fn("mlm_summary_find", ctypes.POINTER(SectionRef), ctypes.POINTER(SummaryWire), ctypes.c_uint32)
c_section = corelib.fn("mlm_summary_section", ctypes.c_int, ctypes.POINTER(SectionRef), ctypes.POINTER(Section),
                       ERRP, SZ)
c_check = corelib.fn("mlm_summary_check", ctypes.c_int, VP, SZ, ERRP, SZ)
c_encode = corelib.fn("mlm_summary_encode", VP, ctypes.POINTER(Summary), SZ, ctypes.POINTER(SZ), ERRP, SZ)
c_keys_cmp = corelib.fn("mlm_keys_cmp", ctypes.c_int, ctypes.POINTER(Bytes), ctypes.POINTER(Bytes), ctypes.c_int)
c_to_wire = corelib.fn("mlm_profile_to_wire", VP, VP, SZ, ctypes.POINTER(SZ))
c_pcheck = corelib.fn("mlm_profile_check", ctypes.c_int, VP, SZ, ERRP, SZ)

SECTION_POINTERS = ["counts", "sums", "cell", "max", "key", "ts", "values", "seg_first", "seg_last", "seg_n"]


def section_blocks(s):
    """The blocks a decoded section holds."""
    out = [ctypes.cast(getattr(s, f), VP).value for f in SECTION_POINTERS]
    out += [s.profile.buf, s.scores[0].buf, s.scores[1].buf]
    return [p for p in out if p]


def free_section(s):
    for p in section_blocks(s):
        release(p)


def buffer(b):
    """b at an 8-aligned address, in a ctypes buffer of exactly its length's words."""
    buf = (ctypes.c_uint64 * max(1, (len(b) + 7) // 8))()
    ctypes.memmove(buf, b, len(b))
    return buf


def bits(d):
    """The IEEE bits of a double."""
    return struct.unpack("<Q", struct.pack("<d", d))[0]


def from_bits(u):
    return struct.unpack("<d", struct.pack("<Q", u))[0]


def dbits(ptr, n):
    """n doubles at a ctypes pointer, as their bits."""
    if n == 0:
        return []
    p = ctypes.cast(ptr, ctypes.POINTER(U64))
    return [p[i] for i in range(n)]


def ints(ptr, n):
    return [ptr[i] for i in range(n)] if n else []


def check(b, errlen=256):
    """mlm_summary_check of b: (rc, message); nothing may stay allocated."""
    buf = buffer(b)
    err = ctypes.create_string_buffer(max(errlen, 1))
    before = set(live)
    largest[0] = 0
    rc = c_check(buf, len(b), err, errlen)
    if live != before:
        fail(f"mlm_summary_check leaks {len(live - before)} blocks on an input of {len(b)} bytes")
        live.intersection_update(before)
    # sizes are checked against the input before memory is taken
    if largest[0] > 64 * len(b) + 4096:
        fail(f"mlm_summary_check allocates {largest[0]} bytes for an input of {len(b)} bytes")
    return rc, err.raw[:max(errlen, 1)].split(b"\0")[0].decode(errors="replace"), err.raw


# ---------------------------------------------------------------- packing, as summary.h describes it


def f64(x):
    """8 big-endian bytes of a double (a float, or ('bits', u) for an exact bit pattern)."""
    if isinstance(x, tuple):
        return struct.pack(">Q", x[1])
    return struct.pack(">d", x)


def fbits(x):
    return x[1] if isinstance(x, tuple) else bits(x)


def u64(x):
    return struct.pack(">Q", x % 2**64)


def i64(x):
    return struct.pack(">q", x)


def u32(x):
    return struct.pack(">I", x)


def pack_summary(sections, version=1, pad=b"\0\0\0", count=None, tail=b""):
    """sections: (id, kind, payload[, options: pad, plen]); the wire form."""
    out = struct.pack(">B3sI", version, pad, len(sections) if count is None else count)
    for s in sections:
        sid, kind, payload = s[0], s[1], s[2]
        o = s[3] if len(s) > 3 else {}
        out += struct.pack(">IB3sQ", sid, kind, o.get("pad", b"\0\0\0"), o.get("plen", len(payload))) + payload
    return out + tail


# Profiles: the wire form of profile.h (big-endian header of 112 bytes, then the arrays).
WHDR = struct.Struct(">BBBBi5q5d2qQ")


def profile(kind, mode, values=(), counts=(), levels=(), cats=(), other=0, cap=1000, nulls=0, nan=0, posinf=0,
            neginf=0, rank_error=0.0, parity=0, **over):
    if kind == NUMERIC and mode == EXACT:
        count, allv = sum(counts), list(values)
        arrays = b"".join(f64(v) for v in values) + b"".join(i64(c) for c in counts)
        nentries, nlevels = len(values), 0
    elif kind == NUMERIC:
        allv = [v for lev in levels for v in lev]
        count = sum(len(lev) << h for h, lev in enumerate(levels))
        arrays = b"".join(i64(len(lev)) for lev in levels) + b"".join(f64(v) for v in allv)
        nentries, nlevels = len(allv), len(levels)
    else:
        allv, count = [], sum(counts) + other
        arrays = b"".join(i64(c) for c in counts) + b"".join(struct.pack(">i", len(c)) for c in cats) + b"".join(cats)
        nentries, nlevels = len(cats), 0
    if kind == NUMERIC and count > 0:
        mn, mx = min(allv), max(allv)
        mean, m2 = mn / 2 + mx / 2, 1.5
    else:
        mn = mx = mean = m2 = NAN
    h = dict(version=1, kind=kind, mode=mode, nlevels=nlevels, cap=cap, count=count, nulls=nulls, nan=nan,
             posinf=posinf, neginf=neginf, min=mn, max=mx, mean=mean, m2=m2, rank_error=rank_error,
             nentries=nentries, other=other, parity=parity)
    h.update(over)
    return WHDR.pack(*[h[k] for k in ["version", "kind", "mode", "nlevels", "cap", "count", "nulls", "nan", "posinf",
                                      "neginf", "min", "max", "mean", "m2", "rank_error", "nentries", "other",
                                      "parity"]]) + arrays


P_EXACT = profile(NUMERIC, EXACT, values=[-1.5, 0.0, 2.25, 1e300], counts=[1, 4, 2, I64MAX - 100], nulls=3, nan=1)
P_EMPTY = profile(NUMERIC, EXACT, nulls=7, posinf=2, neginf=I64MAX)
P_SKETCH = profile(NUMERIC, SKETCH, levels=[[0.5, 1.25], [], [-3.0, -3.0, 7.0]], parity=5, rank_error=12.0,
                   cap=200)
P_CAT = profile(CATEGORICAL, EXACT, cats=[b"", b"a", b"ab", b"b\xff"], counts=[1, 2, 3, 4], nulls=1)
P_CATSK = profile(CATEGORICAL, SKETCH, cats=[b"x", b"y"], counts=[5, 6], other=9, rank_error=2.5)
P_SCORE0 = profile(NUMERIC, EXACT, values=[0.125, 0.5, 0.875], counts=[3, 1, 2])
P_SCORE1 = profile(NUMERIC, SKETCH, levels=[[0.25], [0.75, 0.8]], parity=1, rank_error=1.0, cap=64)
QNAN_PAYLOAD = ("bits", 0x7FF8000000000123)
NEG_NAN = ("bits", 0xFFF8000000000000)
SNAN = ("bits", 0x7FF0000000000001)


class Sec:
    """A section packed here: its kind, its payload, and the fields it must decode to."""

    def __init__(self, kind, payload, **expect):
        self.kind, self.payload, self.expect = kind, payload, expect


def counts_sec(vals, n=None):
    return Sec(COUNTS, u64(len(vals) if n is None else n) + b"".join(i64(v) for v in vals), n=len(vals), counts=vals)


def sums_sec(pairs):
    return Sec(SUMS, u64(len(pairs)) + b"".join(f64(s) + f64(c) for s, c in pairs), n=len(pairs),
               sums=[(fbits(s), fbits(c)) for s, c in pairs])


def profile_sec(p):
    return Sec(PROFILE, p, profile=p)


def grid_sec(cells, entries):
    """entries: (cell, count, largest value)."""
    return Sec(GRID, u64(cells) + u64(len(entries)) + b"".join(u64(c) + i64(k) + f64(m) for c, k, m in entries),
               ncells=cells, n=len(entries), cell=[c for c, _, _ in entries], counts=[k for _, k, _ in entries],
               max=[fbits(m) for _, _, m in entries])


def keys_sec(arity, entries, cap=0, truncated=0, pad=b"\0" * 6):
    """entries: (tuple of arity byte strings, count)."""
    body = b"".join(b"".join(u32(len(p)) + p for p in parts) + i64(c) for parts, c in entries)
    return Sec(KEYS, bytes([arity, truncated]) + pad + u64(cap) + u64(len(entries)) + body, arity=arity,
               truncated=truncated, cap=cap, n=len(entries), keys=[parts for parts, _ in entries],
               counts=[c for _, c in entries])


def regression_sec(n, abs_err, sq_err, ape, mean_y, m2_y):
    sums = [abs_err, sq_err, ape]
    return Sec(REGRESSION, i64(n) + b"".join(f64(s) + f64(c) for s, c in sums) + f64(mean_y) + f64(m2_y),
               reg=[n] + [fbits(x) for s, c in sums for x in (s, c)] + [fbits(mean_y), fbits(m2_y)])


def stream_open_sec(pairs, pad=b"\0" * 6):
    return Sec(STREAM, bytes([0, 0]) + pad + u64(len(pairs)) + b"".join(i64(t) + f64(v) for t, v in pairs),
               closed=0, binary=0, n=len(pairs), ts=[t for t, _ in pairs], values=[fbits(v) for _, v in pairs])


def pack_bits(values):
    out = bytearray((len(values) + 7) // 8)
    for i, v in enumerate(values):
        if v:
            out[i // 8] |= 1 << (i % 8)
    return bytes(out)


def stream_closed_sec(segs, values, binary=False, n=None, raw_values=None):
    """segs: (first, last, count); values: floats (0/1 when binary)."""
    body = u64(len(values) if n is None else n) + u64(len(segs)) + \
        b"".join(i64(a) + i64(b) + u64(c) for a, b, c in segs)
    if raw_values is not None:
        body += raw_values
    elif binary:
        body += pack_bits(values)
    else:
        body += b"".join(f64(v) for v in values)
    return Sec(STREAM, bytes([1, 1 if binary else 0]) + b"\0" * 6 + body, closed=1, binary=1 if binary else 0,
               n=len(values), nseg=len(segs), seg_first=[a for a, _, _ in segs], seg_last=[b for _, b, _ in segs],
               seg_n=[c for _, _, c in segs], values=[bits(float(v)) if not isinstance(v, tuple) else v[1]
                                                       for v in values])


def scores_sec(labels, overflow=0, nlabels=None, pad=b"\0" * 6):
    """labels: (label, rows, 4 (s, c) sums, profile wire)."""
    body = bytes([overflow, len(labels) if nlabels is None else nlabels]) + pad
    for label, rows, sums, prof in labels:
        body += u32(len(label)) + label + i64(rows) + b"".join(f64(s) + f64(c) for s, c in sums) + \
            u64(len(prof)) + prof
    return Sec(SCORES, body, overflow=overflow, n=len(labels), labels=[x[0] for x in labels],
               rows=[x[1] for x in labels], sums=[(fbits(s), fbits(c)) for x in labels for s, c in x[2]],
               profiles=[x[3] for x in labels])


def summary_of(secs, first_id=1, step=1):
    """The wire form of Secs with ascending ids, and their (id, Sec) list."""
    ids = [first_id + i * step for i in range(len(secs))]
    return pack_summary([(i, s.kind, s.payload) for i, s in zip(ids, secs)]), list(zip(ids, secs))


# ---------------------------------------------------------------- decoded values


def profile_wire_of(fp):
    """The wire form of a decoded (flat) profile, through the profile codec."""
    if not fp.buf:
        return None
    if c_pcheck(fp.buf, fp.len, None, 0) != 0:
        return None
    n = SZ()
    p = c_to_wire(fp.buf, fp.len, ctypes.byref(n))
    if not p:
        return None
    w = ctypes.string_at(p, n.value)
    release(p)
    return w


def within(ptr, base, size):
    return ptr is not None and base <= ptr <= base + size


def decoded_as_packed(label, s, sec, base, size):
    """Does the decoded section s hold the values the packed Sec describes?"""
    e = sec.expect
    k = sec.kind
    got = {}
    if k == COUNTS:
        got = dict(n=s.n, counts=ints(s.counts, s.n))
    elif k == SUMS:
        b = dbits(s.sums, 2 * s.n)
        got = dict(n=s.n, sums=list(zip(b[0::2], b[1::2])))
    elif k == PROFILE:
        got = dict(profile=profile_wire_of(s.profile))
    elif k == GRID:
        got = dict(ncells=s.ncells, n=s.n, cell=ints(s.cell, s.n), counts=ints(s.counts, s.n), max=dbits(s.max, s.n))
    elif k == KEYS:
        keys = []
        for i in range(s.n):
            parts = []
            for a in range(s.arity):
                b = s.key[i * s.arity + a]
                if b.len and not within(b.data, base, size):
                    fail(f"{label}: key bytes do not point into the wire form")
                parts.append(ctypes.string_at(b.data, b.len) if b.len else b"")
            keys.append(tuple(parts))
        got = dict(arity=s.arity, truncated=s.truncated, cap=s.cap, n=s.n, keys=keys, counts=ints(s.counts, s.n))
    elif k == REGRESSION:
        r = s.reg
        # the six sums, mean_y and m2_y are 8 doubles one after the other
        got["reg"] = [r.n] + dbits(ctypes.cast(ctypes.addressof(r) + RegressionAcc.abs_err.offset,
                                               ctypes.POINTER(ctypes.c_double)), 8)
    elif k == STREAM:
        got = dict(closed=s.closed, binary=s.binary, n=s.n, values=dbits(s.values, s.n))
        if s.closed:
            got.update(nseg=s.nseg, seg_first=ints(s.seg_first, s.nseg), seg_last=ints(s.seg_last, s.nseg),
                       seg_n=ints(s.seg_n, s.nseg))
        else:
            got.update(ts=ints(s.ts, s.n))
    elif k == SCORES:
        labels = []
        for i in range(s.n):
            b = s.label[i]
            if b.len and not within(b.data, base, size):
                fail(f"{label}: a score label does not point into the wire form")
            labels.append(ctypes.string_at(b.data, b.len) if b.len else b"")
        b = dbits(s.sums, 2 * 4 * s.n)
        got = dict(overflow=s.overflow, n=s.n, labels=labels, rows=[s.rows[i] for i in range(s.n)],
                   sums=list(zip(b[0::2], b[1::2])), profiles=[profile_wire_of(s.scores[i]) for i in range(s.n)])
    ok = True
    for key, want in e.items():
        if got.get(key) != want:
            fail(f"{label}: decoded {KIND_NAMES[k]} field {key} is {str(got.get(key))[:300]}, "
                 f"packed {str(want)[:300]}")
            ok = False
    return ok


def encode(secs, limit=2**64 - 1, errlen=256):
    """mlm_summary_encode of a ctypes Section array: (bytes or None, message)."""
    arr = (Section * max(1, len(secs)))(*secs)
    s = Summary(len(secs), arr)
    n = SZ()
    err = ctypes.create_string_buffer(max(errlen, 1))
    before = set(live)
    p = c_encode(ctypes.byref(s), limit, ctypes.byref(n), err, errlen)
    out = None
    if p:
        out = ctypes.string_at(p, n.value)
        release(p)
    if live != before:
        fail(f"mlm_summary_encode leaks {len(live - before)} blocks")
        live.intersection_update(before)
    return out, err.value.decode(errors="replace")


def check_valid(label, wire, table):
    """Every property of a valid summary packed here: table = [(id, Sec)]."""
    rc, err, _ = check(wire)
    if not compare(rc == 0, f"{label}: mlm_summary_check rejects a valid summary: {err}"):
        return
    buf = buffer(wire)
    base = ctypes.addressof(buf)
    w = SummaryWire()
    err = ctypes.create_string_buffer(256)
    before = set(live)
    if not compare(c_open(buf, len(wire), ctypes.byref(w), err, 256) == 0,
                   f"{label}: mlm_summary_open rejects it: {err.value}"):
        return
    # the section table points where the packing put each payload
    off = 8
    compare(w.nsections == len(table), f"{label}: open finds {w.nsections} sections, packed {len(table)}")
    for i, (sid, sec) in enumerate(table[:w.nsections]):
        r = w.ref[i]
        compare((r.id, r.kind, r.payload, r.len) == (sid, sec.kind, base + off + 16, len(sec.payload)),
                f"{label}: section {i} of the table is {(r.id, r.kind, r.len)}, packed "
                f"{(sid, sec.kind, len(sec.payload))}")
        off += 16 + len(sec.payload)
        found = c_find(ctypes.byref(w), sid)
        compare(bool(found) and ctypes.addressof(found.contents) == ctypes.addressof(w.ref[i]),
                f"{label}: mlm_summary_find misses id {sid}")
    ids = {sid for sid, _ in table}
    for probe in (0, 2, 7, 2**32 - 1) + tuple(sid + 1 for sid in ids if sid < 2**32 - 1):
        if probe not in ids:
            compare(not c_find(ctypes.byref(w), probe), f"{label}: mlm_summary_find finds absent id {probe}")
    # every section decodes to what was packed
    decoded = []
    for i, (sid, sec) in enumerate(table[:w.nsections]):
        s = Section()
        err = ctypes.create_string_buffer(256)
        if not compare(c_section(ctypes.byref(w.ref[i]), ctypes.byref(s), err, 256) == 0,
                       f"{label}: section {sid} does not decode: {err.value}"):
            continue
        compare(s.id == sid and s.kind == sec.kind, f"{label}: section {sid} decodes with id {s.id} kind {s.kind}")
        compare(decoded_as_packed(f"{label}, section {sid}", s, sec, base, len(wire)),
                f"{label}: section {sid} decodes to other values")
        decoded.append(s)
    # and encodes back to the same bytes, within a limit of exactly its size but not one less
    if len(decoded) == len(table):
        out, err = encode(decoded)
        compare(out == wire, f"{label}: encode of the decoded sections differs from the packing"
                             + (f" ({err})" if out is None else f" ({len(out)} vs {len(wire)} bytes)"))
        out, err = encode(decoded, limit=len(wire))
        compare(out == wire, f"{label}: encode within a limit of its own size fails: {err}")
        out, err = encode(decoded, limit=len(wire) - 1)
        compare(out is None and f"summary would exceed {len(wire) - 1} bytes" in err,
                f"{label}: encode ignores a limit one byte short: {err!r}")
    for s in decoded:
        free_section(s)
    release(ctypes.cast(w.ref, VP).value)
    compare(live == before, f"{label}: open, section and encode leave {len(live - before)} blocks")


# ---------------------------------------------------------------- valid summaries

valid_secs = [
    ("COUNTS, empty", counts_sec([])),
    ("COUNTS", counts_sec([0, 1, -1, I64MAX, I64MIN, 123456789012])),
    ("SUMS, empty", sums_sec([])),
    ("SUMS, NaN payloads and infinities", sums_sec([(1.5, -2**-60), (QNAN_PAYLOAD, NEG_NAN), (INF, -INF),
                                                    (SNAN, -0.0), (5e-324, DMAX)])),
    ("PROFILE, numeric exact", profile_sec(P_EXACT)),
    ("PROFILE, numeric exact, empty", profile_sec(P_EMPTY)),
    ("PROFILE, numeric sketch", profile_sec(P_SKETCH)),
    ("PROFILE, categorical exact", profile_sec(P_CAT)),
    ("PROFILE, categorical sketch", profile_sec(P_CATSK)),
    ("PROFILE, NaN moments with a payload", profile_sec(profile(CATEGORICAL, EXACT, cats=[b"q"], counts=[1],
                                                                min=from_bits(0xFFF8000000000001)))),
    ("GRID, empty", grid_sec(1, [])),
    ("GRID", grid_sec(7, [(0, 3, -1.5), (1, 1, NAN), (2, I64MAX, 2.0), (5, 2, QNAN_PAYLOAD), (6, 1, DMAX)])),
    ("GRID, every cell", grid_sec(3, [(0, 1, -0.0), (1, 2, NEG_NAN), (2, 3, 5e-324)])),
    ("GRID, 2^63 - 1 cells", grid_sec(I64MAX, [(0, 1, 0.0), (I64MAX - 2, 4, SNAN), (I64MAX - 1, 5, 1.0)])),
    ("KEYS, arity 1, empty", keys_sec(1, [])),
    ("KEYS, arity 1", keys_sec(1, [((b"",), 1), ((b"\0",), 2), ((b"a",), 3), ((b"ab",), I64MAX),
                                   ((b"b",), 1), ((b"\xff\xfe",), 5)])),
    ("KEYS, arity 1, capped, truncated", keys_sec(1, [((b"a",), 5), ((b"b",), 4)], cap=2, truncated=1)),
    ("KEYS, arity 1, cap above n", keys_sec(1, [((b"a",), 5)], cap=I64MAX, truncated=0)),
    ("KEYS, arity 1, truncated without cap", keys_sec(1, [((b"a",), 5)], cap=0, truncated=1)),
    ("KEYS, arity 2", keys_sec(2, [((b"", b"z"), 1), ((b"a", b""), 2), ((b"a", b"a"), 3), ((b"a", b"ab"), 4),
                                   ((b"ab", b""), 5), ((b"b\x00", b"\x00"), 6)])),
    ("KEYS, arity 2, capped", keys_sec(2, [((b"x", b"1"), 9), ((b"x", b"2"), 8), ((b"y", b"1"), 7)], cap=3,
                                       truncated=1)),
    ("KEYS, arity 2, cap 5, not truncated", keys_sec(2, [((b"k", b"v"), 1)], cap=5)),
    ("REGRESSION", regression_sec(42, (1.5, 1e-17), (2.25, -0.0), (0.5, 0.0), 3.0, 7.5)),
    ("REGRESSION, empty, NaN payloads", regression_sec(0, (0.0, 0.0), (QNAN_PAYLOAD, NEG_NAN), (INF, -INF), NAN,
                                                       SNAN)),
    ("REGRESSION, n = 2^63 - 1", regression_sec(I64MAX, (DMAX, -DMAX), (0.0, 0.0), (0.0, 0.0), 0.0, 0.0)),
    ("STREAM, open, empty", stream_open_sec([])),
    ("STREAM, open", stream_open_sec([(5, 1.5), (3, -0.0), (I64MIN, DMAX), (I64MAX, 5e-324), (5, 0.0)])),
    ("STREAM, closed, empty", stream_closed_sec([], [])),
    ("STREAM, closed, floats, one segment", stream_closed_sec([(10, 20, 3)], [0.5, -1.0, 2.0])),
    ("STREAM, closed, floats, three segments", stream_closed_sec([(I64MIN, -5, 2), (-4, -4, 1), (100, I64MAX, 2)],
                                                                 [1.0, 0.0, -0.0, DMAX, -5e-324])),
    ("STREAM, closed, binary, 8 values", stream_closed_sec([(0, 7, 8)], [1, 0, 1, 1, 0, 0, 0, 1], binary=True)),
    ("STREAM, closed, binary, 13 values, 3 segments",
     stream_closed_sec([(1, 2, 5), (3, 3, 1), (9, 40, 7)], [1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 1], binary=True)),
    ("STREAM, closed, binary, 1 value", stream_closed_sec([(-1, -1, 1)], [1], binary=True)),
    ("STREAM, closed, binary, empty", stream_closed_sec([], [], binary=True)),
    ("STREAM, closed, 0/1 as floats", stream_closed_sec([(0, 1, 2)], [0.0, 1.0])),
    ("SCORES, no labels", scores_sec([])),
    ("SCORES, one label", scores_sec([(b"spam", 6, [(1.0, 0.0), (2.0, 1e-20), (QNAN_PAYLOAD, 0.0), (INF, -0.0)],
                                       P_SCORE0)])),
    ("SCORES, two labels", scores_sec([(b"0", 6, [(0.5, 0.0)] * 4, P_SCORE0), (b"1", 5, [(NEG_NAN, SNAN)] * 4,
                                                                              P_SCORE1)])),
    ("SCORES, two labels, one a prefix, no rows", scores_sec([(b"", 0, [(0.0, 0.0)] * 4, P_EMPTY),
                                                              (b"\x00", I64MAX, [(1.0, 2.0)] * 4, P_SCORE1)])),
    ("SCORES, overflow", scores_sec([], overflow=1)),
]
for label, sec in valid_secs:
    for sid in (0, 5, 2**32 - 1):
        wire, table = summary_of([sec], first_id=sid)
        check_valid(f"{label}, id {sid}", wire, table)

# summaries of several sections, and none
all_secs = [s for _, s in valid_secs]
wire, table = summary_of(all_secs, first_id=1, step=1)
check_valid("every section kind, ids 1..n", wire, table)
wire, table = summary_of(all_secs[::-1], first_id=3, step=1000003)
check_valid("every section kind, reversed, sparse ids", wire, table)
check_valid("no sections", pack_summary([]), [])
MIXED, MIXED_TABLE = summary_of([counts_sec([1, 2]), profile_sec(P_SKETCH), keys_sec(2, [((b"a", b"b"), 1)]),
                                 stream_closed_sec([(0, 9, 10)], [1, 0] * 5, binary=True),
                                 scores_sec([(b"n", 2, [(0.1, 0.0)] * 4, P_SCORE0)])], first_id=10, step=10)
check_valid("a mixed summary", MIXED, MIXED_TABLE)

# mlm_keys_cmp orders as Python orders bytes and tuples of bytes
key_samples = [b"", b"\x00", b"\x00\x00", b"a", b"ab", b"b", b"\x7f", b"\x80", b"\xff", b"\xff\x00"]
for arity in (1, 2):
    pairs = [(a,) for a in key_samples] if arity == 1 else [(a, b) for a in key_samples[:5] for b in key_samples[:5]]
    for x in pairs:
        for y in pairs:
            bx = (Bytes * 2)(*[Bytes(ctypes.cast(ctypes.c_char_p(p), VP), len(p)) for p in x + (b"",) * (2 - arity)])
            by = (Bytes * 2)(*[Bytes(ctypes.cast(ctypes.c_char_p(p), VP), len(p)) for p in y + (b"",) * (2 - arity)])
            want = (x > y) - (x < y)
            compare(c_keys_cmp(bx, by, arity) == want, f"mlm_keys_cmp({x}, {y}) is not {want}")

# ---------------------------------------------------------------- invalid summaries

E6 = b"\0" * 6
ONE = counts_sec([7]).payload
good_grid = grid_sec(5, [(0, 1, 1.0), (1, 2, NAN), (4, 3, 2.0)])
ps = profile_sec(P_EXACT).payload


def one(kind, payload, sid=1):
    return pack_summary([(sid, kind, payload)])


def keys_payload(arity, entries, cap=0, truncated=0, n=None, pad=E6):
    body = b"".join(b"".join(u32(len(p)) + p for p in parts) + i64(c) for parts, c in entries)
    return bytes([arity, truncated]) + pad + u64(cap) + u64(len(entries) if n is None else n) + body


def grid_payload(cells, entries, n=None):
    return u64(cells) + u64(len(entries) if n is None else n) + b"".join(u64(c) + i64(k) + f64(m)
                                                                         for c, k, m in entries)


def closed_payload(segs, nvalues, values=b"", binary=0, closed=1, pad=E6):
    return bytes([closed, binary]) + pad + u64(nvalues) + u64(len(segs)) + \
        b"".join(i64(a) + i64(b) + u64(c) for a, b, c in segs) + values


def label_entry(label, rows=1, prof=P_SCORE0, plen=None, sums=((0.0, 0.0),) * 4):
    return u32(len(label)) + label + i64(rows) + b"".join(f64(s) + f64(c) for s, c in sums) + \
        u64(len(prof) if plen is None else plen) + prof


def scores_payload(entries, overflow=0, nlabels=None, pad=E6):
    return bytes([overflow, len(entries) if nlabels is None else nlabels]) + pad + b"".join(entries)


REG = regression_sec(1, (0.0, 0.0), (0.0, 0.0), (0.0, 0.0), 0.0, 0.0).payload
bad = [
    # the header and the section table (mlm_summary_open)
    ("empty", b"", "summary is truncated"),
    ("7 bytes", pack_summary([])[:7], "summary is truncated"),
    ("version 0", pack_summary([], version=0), "unsupported summary version 0"),
    ("version 2", pack_summary([(1, COUNTS, ONE)], version=2), "unsupported summary version 2"),
    ("version 255", pack_summary([], version=255), "unsupported summary version 255"),
    ("non-zero header padding, byte 1", pack_summary([], pad=b"\1\0\0"), "summary header has non-zero padding"),
    ("non-zero header padding, byte 3", pack_summary([], pad=b"\0\0\x80"), "summary header has non-zero padding"),
    ("more sections than bytes", pack_summary([(1, COUNTS, b"")], count=2), "counts more sections than it holds"),
    ("2^32 - 1 sections", pack_summary([], count=2**32 - 1), "counts more sections than it holds"),
    ("a section header cut short", pack_summary([(1, COUNTS, ONE), (2, COUNTS, b"")])[:-1],
     "summary is truncated"),
    ("a section header cut short, the first", pack_summary([(1, COUNTS, b"")])[:-1],
     "counts more sections than it holds"),
    ("the payloads take the room of a section header",
     pack_summary([(1, COUNTS, counts_sec([1]).payload)], count=2), "summary is truncated"),
    ("non-zero section padding", pack_summary([(5, COUNTS, ONE, dict(pad=b"\0\1\0"))]),
     "section 5 has non-zero padding"),
    ("non-zero section padding, last byte", pack_summary([(5, COUNTS, ONE, dict(pad=b"\0\0\xff"))]),
     "section 5 has non-zero padding"),
    ("unknown kind 0", one(0, ONE, 5), "section 5 has unknown kind 0"),
    ("unknown kind 9", one(9, ONE, 5), "section 5 has unknown kind 9"),
    ("unknown kind 255", one(255, ONE, 5), "section 5 has unknown kind 255"),
    ("payload length past the end", pack_summary([(4, COUNTS, ONE, dict(plen=len(ONE) + 1))]),
     "section 4 is truncated"),
    ("payload length 2^64 - 1", pack_summary([(4, COUNTS, ONE, dict(plen=U64MAX))]), "section 4 is truncated"),
    ("payload cut short", one(COUNTS, ONE, 4)[:-1], "section 4 is truncated"),
    ("trailing byte", one(COUNTS, ONE) + b"\0", "summary has trailing bytes"),
    ("trailing bytes after no sections", pack_summary([]) + b"\0" * 16, "summary has trailing bytes"),
    ("payload length short of the end", pack_summary([(4, COUNTS, ONE, dict(plen=len(ONE) - 8))]),
     "summary has trailing bytes"),
    ("equal ids", pack_summary([(3, COUNTS, ONE), (3, SUMS, u64(0))]), "section ids must be strictly ascending"),
    ("descending ids", pack_summary([(3, COUNTS, ONE), (2, SUMS, u64(0))]), "section ids must be strictly ascending"),
    ("descending ids after ascending", pack_summary([(1, COUNTS, ONE), (9, COUNTS, ONE), (8, COUNTS, ONE)]),
     "section ids must be strictly ascending"),
    # every section: nothing left over
    ("COUNTS with trailing bytes", one(COUNTS, ONE + b"\0" * 8, 6), "section 6 has trailing bytes"),
    ("REGRESSION with a trailing byte", one(REGRESSION, REG + b"\0", 6), "section 6 has trailing bytes"),
    ("PROFILE with a trailing byte", one(PROFILE, ps + b"\0", 6), "section 6: wire profile is"),
    ("SCORES with trailing bytes", one(SCORES, scores_payload([label_entry(b"a")]) + b"\0" * 3, 6),
     "section 6 has trailing bytes"),
    ("STREAM, open, with a trailing byte", one(STREAM, stream_open_sec([(1, 1.0)]).payload + b"\0", 6),
     "section 6 has trailing bytes"),
    ("KEYS with a trailing byte", one(KEYS, keys_payload(1, [((b"a",), 1)]) + b"\0", 6),
     "section 6 has trailing bytes"),
    ("GRID with trailing bytes", one(GRID, good_grid.payload + b"\0" * 24, 6), "section 6 has trailing bytes"),
    # COUNTS, SUMS
    ("COUNTS, empty payload", one(COUNTS, b""), "section 1 is truncated"),
    ("COUNTS, count cut short", one(COUNTS, b"\0" * 7), "section 1 is truncated"),
    ("COUNTS, n past the payload", one(COUNTS, u64(2) + i64(1)), "section 1 counts more elements than it holds"),
    ("COUNTS, n = 2^64 - 1", one(COUNTS, u64(U64MAX) + i64(1)), "section 1 counts more elements than it holds"),
    ("COUNTS, n = 2^61", one(COUNTS, u64(2**61) + i64(1)), "section 1 counts more elements than it holds"),
    ("SUMS, n past the payload", one(SUMS, u64(2) + f64(1.0) * 3), "section 1 counts more elements than it holds"),
    ("SUMS, half a pair", one(SUMS, u64(1) + f64(1.0)), "section 1 counts more elements than it holds"),
    ("SUMS, n = 2^60", one(SUMS, u64(2**60) + f64(1.0) * 2), "section 1 counts more elements than it holds"),
    # PROFILE
    ("PROFILE, empty payload", one(PROFILE, b"", 3), "section 3: wire profile is 0 bytes, shorter than"),
    ("PROFILE, cut short", one(PROFILE, ps[:-1], 3), "section 3: wire profile is"),
    ("PROFILE, version 0", one(PROFILE, profile(NUMERIC, EXACT, values=[1.0], counts=[1], version=0), 3),
     "section 3: unsupported profile version 0"),
    ("PROFILE, count mismatch", one(PROFILE, profile(NUMERIC, EXACT, values=[1.0], counts=[1], count=2), 3),
     "section 3: count is 2 but the counts add up to 1"),
    ("PROFILE, categories out of order", one(PROFILE, profile(CATEGORICAL, EXACT, cats=[b"b", b"a"], counts=[1, 1]),
                                             3), "section 3: category 1 is not greater"),
    # GRID
    ("GRID, cells cut short", one(GRID, b"\0" * 7), "section 1 is truncated"),
    ("GRID, n cut short", one(GRID, u64(3) + b"\0" * 7), "section 1 is truncated"),
    ("GRID, even cell count", one(GRID, grid_payload(4, [(0, 1, 1.0)])), "a grid must have an odd number of cells"),
    ("GRID, no cells", one(GRID, grid_payload(0, [])), "a grid must have an odd number of cells"),
    ("GRID, 2^63 + 1 cells", one(GRID, grid_payload(2**63 + 1, [])), "a grid must have an odd number of cells"),
    ("GRID, 2^64 - 1 cells", one(GRID, grid_payload(U64MAX, [])), "a grid must have an odd number of cells"),
    ("GRID, n past the payload", one(GRID, grid_payload(5, [(0, 1, 1.0)], n=2)),
     "section 1 counts more elements than it holds"),
    ("GRID, n = 2^62", one(GRID, grid_payload(5, [(0, 1, 1.0)], n=2**62)), "counts more elements than it holds"),
    ("GRID, cell = cells", one(GRID, grid_payload(5, [(5, 1, NAN)])),
     "grid cells must be ascending, in range, with positive counts"),
    ("GRID, cell 2^64 - 1", one(GRID, grid_payload(5, [(U64MAX, 1, NAN)])),
     "grid cells must be ascending, in range, with positive counts"),
    ("GRID, cells not ascending", one(GRID, grid_payload(5, [(2, 1, 1.0), (0, 1, 1.0)])),
     "grid cells must be ascending, in range, with positive counts"),
    ("GRID, a cell twice", one(GRID, grid_payload(5, [(1, 1, NAN), (1, 1, NAN)])),
     "grid cells must be ascending, in range, with positive counts"),
    ("GRID, count 0", one(GRID, grid_payload(5, [(0, 0, 1.0)])),
     "grid cells must be ascending, in range, with positive counts"),
    ("GRID, count -1", one(GRID, grid_payload(5, [(0, 1, 1.0), (2, -1, 1.0)])),
     "grid cells must be ascending, in range, with positive counts"),
    ("GRID, count -2^63", one(GRID, grid_payload(5, [(0, I64MIN, 1.0)])),
     "grid cells must be ascending, in range, with positive counts"),
    ("GRID, a grid point with a finite largest value", one(GRID, grid_payload(5, [(1, 1, 0.0)])),
     "a grid cell has an invalid largest value"),
    ("GRID, a grid point with an infinite largest value", one(GRID, grid_payload(5, [(3, 1, INF)])),
     "a grid cell has an invalid largest value"),
    ("GRID, an open cell with NaN", one(GRID, grid_payload(5, [(0, 1, NAN)])),
     "a grid cell has an invalid largest value"),
    ("GRID, an open cell with a NaN payload", one(GRID, grid_payload(5, [(2, 1, QNAN_PAYLOAD)])),
     "a grid cell has an invalid largest value"),
    ("GRID, an open cell with +inf", one(GRID, grid_payload(5, [(4, 1, INF)])),
     "a grid cell has an invalid largest value"),
    ("GRID, an open cell with -inf", one(GRID, grid_payload(5, [(0, 1, -INF)])),
     "a grid cell has an invalid largest value"),
    ("GRID, entry cut short", one(GRID, grid_payload(5, [(0, 1, 1.0)])[:-1]),
     "section 1 counts more elements than it holds"),
    # KEYS
    ("KEYS, header cut short", one(KEYS, keys_payload(1, [])[:15]), "section 1 is truncated"),
    ("KEYS, arity 0", one(KEYS, keys_payload(0, [])), "section 1: invalid key header"),
    ("KEYS, arity 3", one(KEYS, keys_payload(3, [])), "section 1: invalid key header"),
    ("KEYS, arity 255", one(KEYS, keys_payload(255, [])), "section 1: invalid key header"),
    ("KEYS, truncated 2", one(KEYS, keys_payload(1, [], truncated=2)), "section 1: invalid key header"),
    ("KEYS, non-zero padding", one(KEYS, keys_payload(1, [], pad=b"\0\0\0\0\0\1")), "section 1: invalid key header"),
    ("KEYS, non-zero padding, first byte", one(KEYS, keys_payload(2, [], pad=b"\x80\0\0\0\0\0")),
     "section 1: invalid key header"),
    ("KEYS, cap 2^63", one(KEYS, keys_payload(1, [], cap=2**63)), "section 1: invalid key cap"),
    ("KEYS, cap 2^64 - 1", one(KEYS, keys_payload(1, [], cap=U64MAX)), "section 1: invalid key cap"),
    ("KEYS, n above the cap", one(KEYS, keys_payload(1, [((b"a",), 1), ((b"b",), 1)], cap=1)),
     "section 1 holds more keys than its cap"),
    ("KEYS, n above the cap, truncated", one(KEYS, keys_payload(2, [((b"a", b""), 1), ((b"b", b""), 1)], cap=1,
                                                                truncated=1)),
     "section 1 holds more keys than its cap"),
    ("KEYS, n past the payload", one(KEYS, keys_payload(1, [((b"a",), 1)], n=2)),
     "section 1 counts more elements than it holds"),
    ("KEYS, n = 2^63", one(KEYS, keys_payload(1, [((b"a",), 1)], n=2**63)),
     "section 1 counts more elements than it holds"),
    ("KEYS, key length past the payload", one(KEYS, keys_payload(1, [((b"a",), 1)])[:-13] + u32(99) + b"a" + i64(1)),
     "section 1 is truncated"),
    ("KEYS, key length 2^32 - 1", one(KEYS, keys_payload(1, [((b"a",), 1)])[:-13] + u32(2**32 - 1) + b"a" + i64(1)),
     "section 1 is truncated"),
    ("KEYS, count cut short", one(KEYS, keys_payload(1, [((b"abcd",), 1), ((b"abcde",), 1)])[:-1]),
     "section 1 is truncated"),
    ("KEYS, keys descending", one(KEYS, keys_payload(1, [((b"b",), 1), ((b"a",), 1)])),
     "keys must be ascending and distinct with positive counts"),
    ("KEYS, longer key first", one(KEYS, keys_payload(1, [((b"ab",), 1), ((b"a",), 1)])),
     "keys must be ascending and distinct with positive counts"),
    ("KEYS, duplicate keys", one(KEYS, keys_payload(1, [((b"a",), 1), ((b"a",), 2)])),
     "keys must be ascending and distinct with positive counts"),
    ("KEYS, duplicate empty keys", one(KEYS, keys_payload(1, [((b"",), 1), ((b"",), 2)])),
     "keys must be ascending and distinct with positive counts"),
    ("KEYS, arity 2, second parts descending", one(KEYS, keys_payload(2, [((b"a", b"2"), 1), ((b"a", b"1"), 1)])),
     "keys must be ascending and distinct with positive counts"),
    ("KEYS, arity 2, duplicate pairs", one(KEYS, keys_payload(2, [((b"a", b"b"), 1), ((b"a", b"b"), 1)])),
     "keys must be ascending and distinct with positive counts"),
    ("KEYS, arity 2, parts split differently", one(KEYS, keys_payload(2, [((b"ab", b""), 1), ((b"a", b"b"), 1)])),
     "keys must be ascending and distinct with positive counts"),
    ("KEYS, count 0", one(KEYS, keys_payload(1, [((b"a",), 0)])),
     "keys must be ascending and distinct with positive counts"),
    ("KEYS, count -1", one(KEYS, keys_payload(2, [((b"a", b"b"), -1)])),
     "keys must be ascending and distinct with positive counts"),
    # REGRESSION
    ("REGRESSION, empty payload", one(REGRESSION, b""), "section 1 is truncated"),
    ("REGRESSION, 71 bytes", one(REGRESSION, REG[:-1]), "section 1 is truncated"),
    ("REGRESSION, negative n", one(REGRESSION, i64(-1) + REG[8:]), "section 1: negative row count"),
    ("REGRESSION, n = -2^63", one(REGRESSION, i64(I64MIN) + REG[8:]), "section 1: negative row count"),
    # STREAM
    ("STREAM, header cut short", one(STREAM, b"\0" * 7), "section 1 is truncated"),
    ("STREAM, closed 2", one(STREAM, closed_payload([], 0, closed=2)), "section 1: invalid stream header"),
    ("STREAM, binary 2", one(STREAM, closed_payload([], 0, binary=2)), "section 1: invalid stream header"),
    ("STREAM, open and binary", one(STREAM, bytes([0, 1]) + E6 + u64(0)), "section 1: invalid stream header"),
    ("STREAM, non-zero padding", one(STREAM, closed_payload([], 0, pad=b"\0\0\0\1\0\0")),
     "section 1: invalid stream header"),
    ("STREAM, open, non-zero padding", one(STREAM, stream_open_sec([], pad=b"\0\0\0\0\0\x01").payload),
     "section 1: invalid stream header"),
    ("STREAM, open, n cut short", one(STREAM, bytes(8) + b"\0" * 7), "section 1 is truncated"),
    ("STREAM, open, n past the payload", one(STREAM, bytes(8) + u64(2) + i64(1) + f64(1.0)),
     "section 1 counts more elements than it holds"),
    ("STREAM, open, half a pair", one(STREAM, bytes(8) + u64(1) + i64(1)),
     "section 1 counts more elements than it holds"),
    ("STREAM, open, a NaN value", one(STREAM, stream_open_sec([(1, 1.0), (2, NAN)]).payload),
     "section 1: a stream value is not finite"),
    ("STREAM, open, an infinite value", one(STREAM, stream_open_sec([(1, -INF)]).payload),
     "section 1: a stream value is not finite"),
    ("STREAM, closed, n above the limit", one(STREAM, closed_payload([(0, 1, LIMIT + 1)], LIMIT + 1)),
     "section 1 counts more elements than it holds"),
    ("STREAM, closed, n = 2^64 - 1", one(STREAM, closed_payload([], U64MAX)),
     "section 1 counts more elements than it holds"),
    ("STREAM, closed, nseg cut short", one(STREAM, closed_payload([], 0)[:-1]), "section 1 is truncated"),
    ("STREAM, closed, nseg past the payload", one(STREAM, closed_payload([(0, 1, 1)], 1, f64(1.0))[:16] + u64(3) +
                                                  closed_payload([(0, 1, 1)], 1, f64(1.0))[32:]),
     "section 1 counts more elements than it holds"),
    ("STREAM, closed, values but no segments", one(STREAM, closed_payload([], 1, f64(1.0))),
     "section 1: stream segments do not add up to its values"),
    ("STREAM, closed, a segment ending before it starts", one(STREAM, closed_payload([(5, 4, 1)], 1, f64(1.0))),
     "section 1: stream segments must be ordered, disjoint and non-empty"),
    ("STREAM, closed, an empty segment", one(STREAM, closed_payload([(0, 1, 1), (2, 3, 0)], 1, f64(1.0))),
     "section 1: stream segments must be ordered, disjoint and non-empty"),
    ("STREAM, closed, a segment of 2^64 - 1 values", one(STREAM, closed_payload([(0, 1, U64MAX)], 1, f64(1.0))),
     "section 1: stream segments must be ordered, disjoint and non-empty"),
    ("STREAM, closed, segments touching", one(STREAM, closed_payload([(0, 5, 1), (5, 9, 1)], 2, f64(1.0) * 2)),
     "section 1: stream segments must be ordered, disjoint and non-empty"),
    ("STREAM, closed, segments overlapping", one(STREAM, closed_payload([(0, 5, 1), (3, 9, 1)], 2, f64(1.0) * 2)),
     "section 1: stream segments must be ordered, disjoint and non-empty"),
    ("STREAM, closed, segments out of order", one(STREAM, closed_payload([(10, 20, 1), (0, 5, 1)], 2, f64(1.0) * 2)),
     "section 1: stream segments must be ordered, disjoint and non-empty"),
    ("STREAM, closed, segments holding more than n", one(STREAM, closed_payload([(0, 5, 2), (6, 9, 2)], 3,
                                                                                f64(1.0) * 3)),
     "section 1: stream segments must be ordered, disjoint and non-empty"),
    ("STREAM, closed, segments holding less than n", one(STREAM, closed_payload([(0, 5, 1), (6, 9, 1)], 3,
                                                                                f64(1.0) * 3)),
     "section 1: stream segments do not add up to its values"),
    ("STREAM, closed, floats cut short", one(STREAM, closed_payload([(0, 5, 3)], 3, f64(1.0) * 2)),
     "section 1 is truncated"),
    ("STREAM, closed, a NaN value", one(STREAM, closed_payload([(0, 5, 2)], 2, f64(1.0) + f64(NAN))),
     "section 1: a stream value is not finite"),
    ("STREAM, closed, an infinite value", one(STREAM, closed_payload([(0, 5, 1)], 1, f64(INF))),
     "section 1: a stream value is not finite"),
    ("STREAM, closed, binary, bits cut short", one(STREAM, closed_payload([(0, 5, 9)], 9, b"\xff", binary=1)),
     "section 1 is truncated"),
    ("STREAM, closed, binary, 2^30 - 1 values and no bytes",
     one(STREAM, closed_payload([(0, 5, LIMIT)], LIMIT, b"", binary=1)), "section 1 is truncated"),
    ("STREAM, closed, floats, 2^30 - 1 values and one", one(STREAM, closed_payload([(0, 5, LIMIT)], LIMIT, f64(1.0))),
     "section 1 is truncated"),
    ("STREAM, closed, binary, an unused bit set", one(STREAM, closed_payload([(0, 5, 3)], 3, b"\x0d", binary=1)),
     "section 1: unused stream bits are set"),
    ("STREAM, closed, binary, the top bit set", one(STREAM, closed_payload([(0, 5, 7)], 7, b"\x80", binary=1)),
     "section 1: unused stream bits are set"),
    ("STREAM, closed, binary, unused bits of the second byte",
     one(STREAM, closed_payload([(0, 5, 9)], 9, b"\xff\x03", binary=1)), "section 1: unused stream bits are set"),
    ("STREAM, closed, binary, a byte too many", one(STREAM, closed_payload([(0, 5, 8)], 8, b"\xff\x00", binary=1)),
     "section 1 has trailing bytes"),
    # SCORES
    ("SCORES, header cut short", one(SCORES, b"\0" * 7), "section 1 is truncated"),
    ("SCORES, overflow 2", one(SCORES, scores_payload([], overflow=2)), "section 1: invalid scores header"),
    ("SCORES, 3 labels", one(SCORES, scores_payload([label_entry(b"a"), label_entry(b"b"), label_entry(b"c")])),
     "section 1: invalid scores header"),
    ("SCORES, 255 labels", one(SCORES, scores_payload([], nlabels=255)), "section 1: invalid scores header"),
    ("SCORES, overflow with a label", one(SCORES, scores_payload([label_entry(b"a")], overflow=1)),
     "section 1: invalid scores header"),
    ("SCORES, overflow with two labels", one(SCORES, scores_payload([label_entry(b"a"), label_entry(b"b")],
                                                                    overflow=1)),
     "section 1: invalid scores header"),
    ("SCORES, non-zero padding", one(SCORES, scores_payload([], pad=b"\0\0\1\0\0\0")),
     "section 1: invalid scores header"),
    ("SCORES, overflow, non-zero padding", one(SCORES, scores_payload([], overflow=1, pad=b"\0\0\0\0\0\xff")),
     "section 1: invalid scores header"),
    ("SCORES, labels descending", one(SCORES, scores_payload([label_entry(b"b"), label_entry(b"a")])),
     "section 1: score labels must be ascending and distinct"),
    ("SCORES, longer label first", one(SCORES, scores_payload([label_entry(b"ab"), label_entry(b"a")])),
     "section 1: score labels must be ascending and distinct"),
    ("SCORES, equal labels", one(SCORES, scores_payload([label_entry(b"a"), label_entry(b"a")])),
     "section 1: score labels must be ascending and distinct"),
    ("SCORES, equal empty labels", one(SCORES, scores_payload([label_entry(b""), label_entry(b"")])),
     "section 1: score labels must be ascending and distinct"),
    ("SCORES, negative rows", one(SCORES, scores_payload([label_entry(b"a", rows=-1)])),
     "section 1: score labels must be ascending and distinct"),
    ("SCORES, second label, negative rows", one(SCORES, scores_payload([label_entry(b"a"),
                                                                       label_entry(b"b", rows=I64MIN)])),
     "section 1: score labels must be ascending and distinct"),
    ("SCORES, a label but no entry", one(SCORES, scores_payload([], nlabels=1)), "section 1 is truncated"),
    ("SCORES, label length past the payload", one(SCORES, scores_payload([u32(1000) + b"a"])),
     "section 1 is truncated"),
    ("SCORES, label cut short", one(SCORES, scores_payload([label_entry(b"abc")])[:8 + 6]),
     "section 1 is truncated"),
    ("SCORES, sums cut short", one(SCORES, scores_payload([label_entry(b"a")])[:8 + 5 + 8 + 60]),
     "section 1 is truncated"),
    ("SCORES, profile length cut short", one(SCORES, scores_payload([label_entry(b"a")])[:8 + 5 + 8 + 64 + 7]),
     "section 1 is truncated"),
    ("SCORES, profile length past the payload", one(SCORES, scores_payload([label_entry(b"a", plen=len(P_SCORE0)
                                                                                       + 1)])),
     "section 1 is truncated"),
    ("SCORES, profile length 2^64 - 1", one(SCORES, scores_payload([label_entry(b"a", plen=U64MAX)])),
     "section 1 is truncated"),
    ("SCORES, profile length short of the profile", one(SCORES, scores_payload([label_entry(b"a", plen=len(P_SCORE0)
                                                                                            - 8)])),
     "section 1: wire profile is"),
    ("SCORES, an invalid profile", one(SCORES, scores_payload([label_entry(b"a", prof=profile(
        NUMERIC, EXACT, values=[2.0, 1.0], counts=[1, 1]))])), "section 1: value 1 of \"values\" is not greater"),
    ("SCORES, an empty profile", one(SCORES, scores_payload([label_entry(b"a", prof=b"")])),
     "section 1: wire profile is 0 bytes"),
    ("SCORES, a categorical profile", one(SCORES, scores_payload([label_entry(b"a", prof=P_CAT)])),
     "section 1: a score profile must be numeric"),
    ("SCORES, a categorical sketch as the second profile",
     one(SCORES, scores_payload([label_entry(b"a"), label_entry(b"b", prof=P_CATSK)])),
     "section 1: a score profile must be numeric"),
    # a bad section after good ones, with its own id in the message
    ("a bad section after good ones", pack_summary([(1, COUNTS, ONE), (2, PROFILE, ps),
                                                    (77, GRID, grid_payload(4, []))]),
     "section 77: a grid must have an odd number of cells"),
]
for label, b, want in bad:
    rc, err, _ = check(b)
    if VERBOSE:
        print(f"check, {label}: {err}")
    compare(rc != 0 and want in err, f"check, {label}: got {'acceptance' if rc == 0 else repr(err)}, wanted {want!r}")
    # open and section agree with check, and give the same message
    buf = buffer(b)
    w = SummaryWire()
    e = ctypes.create_string_buffer(256)
    before = set(live)
    if c_open(buf, len(b), ctypes.byref(w), e, 256) != 0:
        compare(not w.ref and w.nsections == 0 and e.value.decode() == err,
                f"check, {label}: open fails differently ({e.value!r}) or keeps a table")
    else:
        msg = None
        for i in range(w.nsections):
            s = Section()
            if c_section(ctypes.byref(w.ref[i]), ctypes.byref(s), e, 256) != 0:
                msg = e.value.decode()
                compare(not section_blocks(s), f"check, {label}: a section that fails keeps memory")
                break
            free_section(s)
        compare(msg == err, f"check, {label}: open and section give {msg!r}, check {err!r}")
        release(ctypes.cast(w.ref, VP).value)
    compare(live == before, f"check, {label}: open or section leaks")

# error messages are cut to errlen and NUL-terminated; no message is written with errlen 0
b = one(GRID, grid_payload(4, []), 123)
for errlen in (0, 1, 2, 9, 255):
    rc, err, raw = check(b, errlen)
    full = "section 123: a grid must have an odd number of cells, below 2^63"
    compare(rc != 0 and (errlen == 0 and raw == b"\0" or errlen > 0 and err == full[:errlen - 1]),
            f"errlen {errlen}: message {raw!r}")
compare(c_check(buffer(b), len(b), None, 0) == -1, "check with no message buffer")

# every prefix of valid summaries is rejected, and so is any extra byte
for w in (MIXED, summary_of(all_secs[:14])[0], summary_of(all_secs[14:])[0]):
    for cut in range(len(w)):
        rc, err, _ = check(w[:cut])
        compare(rc != 0 and err, f"a prefix of {cut} of {len(w)} bytes is accepted")
    for extra in (b"\0", b"\x01", b"\0" * 8):
        compare(check(w + extra)[0] != 0, "a summary with a byte more is accepted")

# ---------------------------------------------------------------- the encoder's own refusals


def decoded_sections(wire):
    buf = buffer(wire)
    w = SummaryWire()
    assert c_open(buf, len(wire), ctypes.byref(w), None, 0) == 0
    out = []
    for i in range(w.nsections):
        s = Section()
        assert c_section(ctypes.byref(w.ref[i]), ctypes.byref(s), None, 0) == 0
        out.append(s)
    release(ctypes.cast(w.ref, VP).value)
    return buf, out


keep, secs = decoded_sections(MIXED)
out, err = encode(secs)
compare(out == MIXED, "encode of the mixed summary")
swapped = [secs[1], secs[0]] + secs[2:]
out, err = encode(swapped)
if VERBOSE:
    print(f"encode, ids descending: {err}")
compare(out is None and "section ids must be strictly ascending" in err, f"encode, ids descending: {err!r}")
dup = [secs[0], secs[0]]
out, err = encode(dup)
compare(out is None and "section ids must be strictly ascending" in err, f"encode, ids equal: {err!r}")
odd = Section()
ctypes.pointer(odd)[0] = secs[0]
odd.kind = 9
out, err = encode([odd])
if VERBOSE:
    print(f"encode, kind 9: {err}")
compare(out is None and "section 10 has unknown kind 9" in err, f"encode, unknown kind: {err!r}")
broken = (ctypes.c_char * 8)()
odd = Section()
ctypes.pointer(odd)[0] = secs[1]
odd.profile = FlatProfile(ctypes.addressof(broken), 8)
out, err = encode([odd])
if VERBOSE:
    print(f"encode, an invalid profile: {err}")
compare(out is None and "a profile of the summary is invalid" in err, f"encode, invalid profile: {err!r}")
for limit in (0, 7, 8, len(MIXED) - 1):
    out, err = encode(secs, limit=limit)
    compare(out is None and f"summary would exceed {limit} bytes" in err, f"encode, limit {limit}: {err!r}")
out, err = encode([], limit=8)
compare(out == pack_summary([]), f"encode of no sections within 8 bytes: {err!r}")
out, err = encode(secs, limit=2**64 - 1)
compare(out == MIXED, "encode with a limit above the largest summary")
for s in secs:
    free_section(s)
compare(not live, f"{len(live)} blocks of the core are still live")

print(f"summary codec (Python checks): {cases - failures}/{cases} comparisons passed")

# ---------------------------------------------------------------- the fuzzer's verdict

finish_fuzzers(fuzz_n, fuzz_procs)
if failures:
    print(f"summary codec: {cases - failures}/{cases} comparisons passed, {failures} FAILED")
else:
    print(f"summary codec: {cases}/{cases} comparisons passed")
sys.exit(1 if failures else 0)
