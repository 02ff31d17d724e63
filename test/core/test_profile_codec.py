#!/usr/bin/python3
"""The reference profile codecs of src/core/profile_*.c: flat profiles built
here with struct (an independent reading of the layout in profile.h) must
pass mlm_profile_check, come out of mlm_profile_to_json as the JSON the
format describes (checked with Python's json module, doubles compared bit
for bit), come out of mlm_profile_to_wire as the big-endian bytes packed
here, and read back from both to the same flat bytes; JSON written by
Python's json module (other key order, whitespace, \\u escapes, shortest
float repr) must read back to the same bytes too.  Then one or more invalid
inputs per rule must be rejected with the expected message, and finally
test/core/fuzz_profile.c is built (with AddressSanitizer and UBSan when gcc
has them, and plainly) and run: MLM_FUZZ_INPUTS inputs per function and
build (default 1000000 each).  With -v, every expected rejection message
is printed."""
import atexit
import ctypes
import json
import math
import os
import random
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corelib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CORE = os.path.join(corelib.ROOT, "src", "core")
NAN = float("nan")
INF = float("inf")
DMAX = 1.7976931348623157e308
I64MAX = 2**63 - 1
NUMERIC, CATEGORICAL = 1, 2
EXACT, SKETCH = 0, 1
LIMIT = 1073741823
VERBOSE = "-v" in sys.argv  # print every rejection message

failures = 0
cases = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL " + msg)


# ---------------------------------------------------------------- the fuzzer
# Started first, so that it runs while the Python checks do.

def start_fuzzers():
    """Build fuzz_profile.c with sanitizers (if gcc has them) and plainly; start both."""
    n = int(os.environ.get("MLM_FUZZ_INPUTS", "1000000"))
    out = tempfile.mkdtemp(prefix="mlmon-fuzz-")
    srcs = [os.path.join(HERE, "fuzz_profile.c"), "profile_check.c", "profile_json.c", "profile_wire.c", "env.c"]
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
    total = {}
    for label, cmd, p, t0 in procs:
        out, err = p.communicate()
        secs = time.time() - t0
        text = out.decode(errors="replace")
        print(f"fuzz ({label}, collected after {secs:.1f} s wall):")
        for line in text.splitlines():
            print("  " + line)
        if p.returncode != 0:
            fail(f"fuzzer {label} exited with {p.returncode}:\n{err.decode(errors='replace')[-4000:]}")
            continue
        for line in text.splitlines():
            parts = line.split()
            if parts and parts[0].startswith("mlm_profile_"):
                total[parts[0]] = total.get(parts[0], 0) + int(parts[2])
    for name in ("mlm_profile_from_json", "mlm_profile_from_wire", "mlm_profile_check"):
        if total.get(name, 0) < n:
            fail(f"fuzzer fed {total.get(name, 0)} inputs to {name}, wanted at least {n}")


fuzz_n, fuzz_procs = start_fuzzers()

# ---------------------------------------------------------------- the library

VP = ctypes.c_void_p
SZ = ctypes.c_size_t
ERRP = ctypes.POINTER(ctypes.c_char)
lib = corelib.load()
libc = ctypes.CDLL(None)
libc.free.argtypes = [VP]
libc.free.restype = None
c_size = corelib.fn("mlm_profile_size", SZ, VP, SZ, SZ)
c_check = corelib.fn("mlm_profile_check", ctypes.c_int, VP, SZ, ERRP, SZ)
c_to_json = corelib.fn("mlm_profile_to_json", VP, VP, SZ)
c_from_json = corelib.fn("mlm_profile_from_json", VP, ctypes.c_char_p, SZ, ctypes.POINTER(SZ), ERRP, SZ)
c_to_wire = corelib.fn("mlm_profile_to_wire", VP, VP, SZ, ctypes.POINTER(SZ))
c_from_wire = corelib.fn("mlm_profile_from_wire", VP, ctypes.c_char_p, SZ, ctypes.POINTER(SZ), ERRP, SZ)


class View(ctypes.Structure):
    _fields_ = [("h", VP), ("values", VP), ("counts", VP), ("level_len", VP), ("lens", VP), ("bytes", VP)]


c_view_of = corelib.fn("mlm_profile_view_of", None, VP, ctypes.POINTER(View))


def aligned(b, offset=0):
    """A ctypes buffer holding b at an 8-aligned address (plus offset)."""
    buf = (ctypes.c_uint64 * ((len(b) + offset + 15) // 8))()
    ctypes.memmove(ctypes.addressof(buf) + offset, b, len(b))
    return buf


def check(b, errlen=256, offset=0, fake_len=None):
    buf = aligned(b, offset)
    err = ctypes.create_string_buffer(max(errlen, 1))
    r = c_check(ctypes.addressof(buf) + offset, len(b) if fake_len is None else fake_len, err, errlen)
    return r, err.raw[:max(errlen, 1)].split(b"\0")[0].decode(errors="replace"), err.raw


def to_json(b):
    buf = aligned(b)
    p = c_to_json(buf, len(b))
    if not p:
        return None
    s = ctypes.string_at(p)
    libc.free(p)
    return s


def from_json(text, errlen=256):
    outlen = SZ()
    err = ctypes.create_string_buffer(max(errlen, 1))
    p = c_from_json(text, len(text), ctypes.byref(outlen), err, errlen)
    if not p:
        return None, err.value.decode(errors="replace")
    if p % 8:
        fail("from_json result not 8-aligned")
    data = ctypes.string_at(p, outlen.value)
    libc.free(p)
    return data, ""


def to_wire(b):
    buf = aligned(b)
    n = SZ()
    p = c_to_wire(buf, len(b), ctypes.byref(n))
    if not p:
        return None
    data = ctypes.string_at(p, n.value)
    libc.free(p)
    return data


def from_wire(w, errlen=256):
    outlen = SZ()
    err = ctypes.create_string_buffer(max(errlen, 1))
    p = c_from_wire(w, len(w), ctypes.byref(outlen), err, errlen)
    if not p:
        return None, err.value.decode(errors="replace")
    data = ctypes.string_at(p, outlen.value)
    libc.free(p)
    return data, ""


# ---------------------------------------------------------------- profiles built here

HDR = struct.Struct("=BBBBi5q5d2qQ")
WHDR = struct.Struct(">BBBBi5q5d2qQ")
assert HDR.size == 112 and WHDR.size == 112
HDR_FIELDS = ["version", "kind", "mode", "nlevels", "cap", "count", "nulls", "nan", "posinf", "neginf",
              "min", "max", "mean", "m2", "rank_error", "nentries", "other", "parity"]


def pad8(b):
    return b + b"\0" * (-len(b) % 8)


class P:
    """A profile described in Python: its flat, wire and JSON forms."""

    def __init__(self, kind, mode, cap=10000, nulls=0, nan=0, posinf=0, neginf=0, values=None,
                 counts=None, levels=None, categories=None, other=0, rank_error=0.0, parity=0,
                 count=None, mn=None, mx=None, mean=None, m2=None):
        self.kind, self.mode, self.cap, self.nulls = kind, mode, cap, nulls
        self.nan, self.posinf, self.neginf = nan, posinf, neginf
        self.values, self.counts, self.levels, self.categories = values, counts, levels, categories
        self.other, self.rank_error, self.parity = other, rank_error, parity
        if kind == NUMERIC and mode == EXACT:
            allv = values
            self.count = sum(counts) if count is None else count
        elif kind == NUMERIC:
            allv = [x for lev in levels for x in lev]
            self.count = sum(len(lev) << h for h, lev in enumerate(levels)) if count is None else count
        else:
            allv = []
            self.count = sum(counts) + other if count is None else count
        if kind == NUMERIC and self.count > 0:
            self.mn = min(allv) if mn is None else mn
            self.mx = max(allv) if mx is None else mx
            self.mean = (self.mn / 2 + self.mx / 2) if mean is None else mean
            self.m2 = 1.5 if m2 is None else m2
        else:
            self.mn = self.mx = self.mean = self.m2 = NAN

    def nentries(self):
        if self.kind == NUMERIC and self.mode == SKETCH:
            return sum(len(lev) for lev in self.levels)
        return len(self.values) if self.kind == NUMERIC else len(self.categories)

    def header(self, **over):
        f = dict(version=1, kind=self.kind, mode=self.mode,
                 nlevels=len(self.levels) if self.kind == NUMERIC and self.mode == SKETCH else 0,
                 cap=self.cap, count=self.count, nulls=self.nulls, nan=self.nan, posinf=self.posinf,
                 neginf=self.neginf, min=self.mn, max=self.mx, mean=self.mean, m2=self.m2,
                 rank_error=self.rank_error, nentries=self.nentries(), other=self.other, parity=self.parity)
        f.update(over)
        return f

    def arrays(self, e):
        """The arrays in byte order e ("=" native flat with padding, ">" wire)."""
        flat = e == "="
        if self.kind == NUMERIC and self.mode == EXACT:
            n = len(self.values)
            return struct.pack(f"{e}{n}d", *self.values) + struct.pack(f"{e}{n}q", *self.counts)
        if self.kind == NUMERIC:
            allv = [x for lev in self.levels for x in lev]
            return struct.pack(f"{e}{len(self.levels)}q", *[len(lev) for lev in self.levels]) + \
                struct.pack(f"{e}{len(allv)}d", *allv)
        n = len(self.categories)
        lens = struct.pack(f"{e}{n}i", *[len(c) for c in self.categories])
        data = b"".join(self.categories)
        if flat:
            return struct.pack(f"{e}{n}q", *self.counts) + pad8(lens) + pad8(data)
        return struct.pack(f"{e}{n}q", *self.counts) + lens + data

    def flat(self, arrays=None, **over):
        h = self.header(**over)
        return HDR.pack(*[h[k] for k in HDR_FIELDS]) + (self.arrays("=") if arrays is None else arrays)

    def wire(self, arrays=None, **over):
        h = self.header(**over)
        return WHDR.pack(*[h[k] for k in HDR_FIELDS]) + (self.arrays(">") if arrays is None else arrays)

    def json_pairs(self):
        """The (key, value) pairs mlm_profile_to_json must write, in order."""
        kinds = {NUMERIC: "numeric", CATEGORICAL: "categorical"}
        modes = {EXACT: "exact", SKETCH: "sketch"}
        p = [("mlmon_profile", 1), ("kind", kinds[self.kind]), ("mode", modes[self.mode]), ("cap", self.cap),
             ("count", self.count), ("nulls", self.nulls)]
        if self.kind == NUMERIC:
            mom = [None if math.isnan(x) else x for x in (self.mn, self.mx, self.mean, self.m2)]
            p += [("nan", self.nan), ("posinf", self.posinf), ("neginf", self.neginf), ("min", mom[0]),
                  ("max", mom[1]), ("mean", mom[2]), ("m2", mom[3])]
            if self.mode == EXACT:
                p += [("values", list(self.values)), ("counts", list(self.counts))]
            else:
                p += [("rank_error", self.rank_error), ("parity", self.parity),
                      ("levels", [list(lev) for lev in self.levels])]
        else:
            if self.mode == SKETCH:
                p += [("other", self.other), ("rank_error", self.rank_error)]
            p += [("categories", [c.decode("utf-8", "surrogateescape") for c in self.categories]),
                  ("counts", list(self.counts))]
        return p


DOUBLE_KEYS = {"min", "max", "mean", "m2", "rank_error", "values", "levels"}


def same_double(got, want):
    if want is None:
        return got is None
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        return False
    g = float(got)
    return g == want and math.copysign(1, g) == math.copysign(1, want)


def same_value(key, got, want):
    if key in DOUBLE_KEYS:
        if isinstance(want, list):
            return isinstance(got, list) and len(got) == len(want) and \
                all(same_value(key, g, w) for g, w in zip(got, want))
        return same_double(got, want)
    if isinstance(want, int):
        return type(got) is int and got == want
    return got == want


def no_constants(name):
    raise ValueError("non-JSON constant " + name)


def check_valid(label, p, pad_garbage=False):
    """Every property a valid profile must have."""
    global cases
    cases += 1
    flat = p.flat()
    r, err, _ = check(flat)
    if r != 0:
        fail(f"{label}: check rejects a valid profile: {err}")
        return
    h = p.header()
    for catbytes in (0, 5):
        want = 112 + (16 * h["nentries"] if p.kind == NUMERIC and p.mode == EXACT else
                      8 * h["nlevels"] + 8 * h["nentries"] if p.kind == NUMERIC else
                      8 * h["nentries"] + (4 * h["nentries"] + 7) // 8 * 8 + (catbytes + 7) // 8 * 8)
        if c_size(aligned(flat), catbytes, LIMIT) != want:
            fail(f"{label}: mlm_profile_size is not {want}")
    catbytes = len(b"".join(p.categories)) if p.kind == CATEGORICAL else 0
    if c_size(aligned(flat), catbytes, LIMIT) != len(flat) or c_size(aligned(flat), catbytes, len(flat) - 1) != 0:
        fail(f"{label}: mlm_profile_size does not match the flat length or ignores its limit")
    # the view points where the layout says
    buf = aligned(flat)
    v = View()
    c_view_of(buf, ctypes.byref(v))
    base = ctypes.addressof(buf)
    n = h["nentries"]
    if p.kind == NUMERIC and p.mode == EXACT:
        want = dict(h=0, values=112, counts=112 + 8 * n, level_len=None, lens=None, bytes=None)
    elif p.kind == NUMERIC:
        want = dict(h=0, values=112 + 8 * h["nlevels"], counts=None, level_len=112, lens=None, bytes=None)
    else:
        want = dict(h=0, values=None, counts=112, level_len=None, lens=112 + 8 * n,
                    bytes=112 + 8 * n + (4 * n + 7) // 8 * 8)
    for k, off in want.items():
        got = getattr(v, k)
        if (off is None and got is not None) or (off is not None and got != base + off):
            fail(f"{label}: view.{k} is wrong")
    # JSON out, parsed by Python
    text = to_json(flat)
    if text is None:
        fail(f"{label}: to_json returned NULL")
        return
    try:
        pairs = json.loads(text.decode("utf-8", "surrogateescape"), object_pairs_hook=lambda x: x,
                           parse_constant=no_constants, parse_int=lambda s: -0.0 if s == "-0" else int(s))
    except ValueError as e:
        fail(f"{label}: to_json output is not JSON ({e}): {text[:300]!r}")
        return
    want_pairs = p.json_pairs()
    if [k for k, _ in pairs] != [k for k, _ in want_pairs]:
        fail(f"{label}: JSON keys {[k for k, _ in pairs]} != {[k for k, _ in want_pairs]}")
    else:
        for (k, g), (_, w) in zip(pairs, want_pairs):
            if not same_value(k, g, w):
                fail(f"{label}: JSON {k} = {str(g)[:200]} != {str(w)[:200]}")
    # JSON back
    back, err = from_json(text)
    if back != flat:
        fail(f"{label}: from_json(to_json) differs: {err}")
    # the same JSON as Python writes it: shuffled keys, indentation, shortest floats, \u escapes
    rng = random.Random(label)
    shuffled = dict(rng.sample(want_pairs, len(want_pairs)))
    cats_are_utf8 = p.kind != CATEGORICAL or all(_is_utf8(c) for c in p.categories)
    for ensure_ascii in ((True, False) if cats_are_utf8 else (False,)):
        for indent in (None, 2):
            t = json.dumps(shuffled, ensure_ascii=ensure_ascii, indent=indent, allow_nan=False)
            t = "\r\n\t " + t.replace(": ", " :\t") + " \n"
            back, err = from_json(t.encode("utf-8", "surrogateescape"))
            if back != flat:
                fail(f"{label}: from_json of Python's JSON (ensure_ascii={ensure_ascii}, indent={indent}) "
                     f"differs: {err}")
    # wire
    w = to_wire(flat)
    if w != p.wire():
        fail(f"{label}: to_wire differs from the struct packing")
    back, err = from_wire(p.wire())
    if back != flat:
        fail(f"{label}: from_wire differs: {err}")
    if pad_garbage and p.kind == CATEGORICAL and (len(p.categories) % 2 or catbytes % 8):
        # padding bytes need not be zero; the codecs give them back zeroed
        g = bytearray(flat)
        n = len(p.categories)
        lens_end = 112 + 12 * n
        bytes_at = 112 + 8 * n + (4 * n + 7) // 8 * 8
        pads = list(range(lens_end, bytes_at)) + list(range(bytes_at + catbytes, len(flat)))
        for i in pads:
            g[i] = 0xA5
        r, err, _ = check(bytes(g))
        if r != 0:
            fail(f"{label}: check rejects non-zero padding: {err}")
        if to_wire(bytes(g)) != p.wire() or from_json(to_json(bytes(g)))[0] != flat:
            fail(f"{label}: non-zero padding changes the encodings")


def _is_utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


# ---------------------------------------------------------------- valid profiles

rng = random.Random(20240601)
awkward = [-DMAX, -1e300, -1.5, -5e-324, -0.0, 5e-324, 2.2250738585072014e-308, 0.1, 1 / 3, 1.0,
           2.0**53 + 2, 1e300, DMAX]
big_values = sorted(set(rng.uniform(-1e6, 1e6) for _ in range(5000)))
valid = [
    ("numeric exact, empty", P(NUMERIC, EXACT, nulls=3, nan=1, posinf=2, values=[], counts=[])),
    ("numeric exact, the example", P(NUMERIC, EXACT, values=[1.0, 2.0, 3.0], counts=[1, 3, 1], mean=2.0,
                                     m2=2.5)),
    ("numeric exact, awkward doubles", P(NUMERIC, EXACT, cap=1, nulls=I64MAX, nan=I64MAX, posinf=5,
                                         neginf=I64MAX, values=awkward,
                                         counts=[2**62] + [1] * (len(awkward) - 1), mean=-0.0, m2=DMAX)),
    ("numeric exact, one value", P(NUMERIC, EXACT, cap=1000000, values=[-0.0], counts=[I64MAX], mean=-0.0,
                                   m2=0.0)),
    ("numeric exact, 5000 values", P(NUMERIC, EXACT, values=big_values,
                                     counts=[rng.randint(1, 1000) for _ in big_values], m2=1e12)),
    ("numeric sketch, the example", P(NUMERIC, SKETCH, levels=[[0.5, 1.25], [], [3.0]], parity=5,
                                      rank_error=12.0)),
    ("numeric sketch, no levels", P(NUMERIC, SKETCH, levels=[], rank_error=0.0)),
    ("numeric sketch, empty levels", P(NUMERIC, SKETCH, levels=[[], [], []], parity=4, rank_error=0.5)),
    ("numeric sketch, ties and 62 levels", P(NUMERIC, SKETCH, levels=[[1.0, 1.0, 2.0], [0.0, 0.0], [-5.0]] +
                                             [[] for _ in range(58)] + [[7.25]],
                                             parity=(1 << 61) | 3, rank_error=1e300, nulls=2, nan=3)),
    ("numeric sketch, large", P(NUMERIC, SKETCH, levels=[sorted(rng.gauss(0, 1) for _ in range(3000)),
                                                         sorted(rng.gauss(0, 1) for _ in range(1500)), [],
                                                         sorted(rng.gauss(5, 1e-300) for _ in range(700))],
                                rank_error=33.0, parity=9)),
    ("numeric sketch, denormal min", P(NUMERIC, SKETCH, levels=[[5e-324], [-0.0, 5e-324]], parity=0,
                                       rank_error=5e-324, mn=-0.0, mx=5e-324, mean=5e-324)),
    ("categorical exact, empty", P(CATEGORICAL, EXACT, nulls=1, categories=[], counts=[])),
    ("categorical exact, the example", P(CATEGORICAL, EXACT, nulls=1, categories=[b"a", b"b"], counts=[4, 6])),
    ("categorical exact, escapes and UTF-8", P(CATEGORICAL, EXACT, categories=sorted([
        b"", b"a", b"ab", b"\"quoted\"", b"back\\slash", b"\x01ctl\x1f", b"tab\t nl\n cr\r bs\b ff\f",
        b"\x7f", b"caf\xc3\xa9", b"\xe6\x97\xa5\xe6\x9c\xac", b"\xf0\x9f\x98\x80", b"/slash/", b"A"]),
        counts=list(range(1, 14)))),
    ("categorical exact, bytes that are not UTF-8", P(CATEGORICAL, EXACT, categories=sorted([
        b"\xff\xfe", b"\x80", b"x\xc3", b"\xed\xa0\x80"]), counts=[1, 2, 3, 4])),
    ("categorical sketch, the example", P(CATEGORICAL, SKETCH, cap=10000, nulls=1, categories=[b"a", b"b"],
                                          counts=[4, 6], other=3, rank_error=2.0)),
    ("categorical sketch, only other", P(CATEGORICAL, SKETCH, categories=[], counts=[], other=7,
                                         rank_error=0.0)),
    ("categorical sketch, odd count", P(CATEGORICAL, SKETCH, categories=[b"abc", b"abcd", b"b"],
                                        counts=[1, 2, I64MAX - 10], other=7, rank_error=1.25)),
    ("categorical exact, 3001 categories", P(CATEGORICAL, EXACT, categories=sorted(set(
        bytes(rng.choice(b"ab\"\\\x01\xc3\xa9") for _ in range(rng.randint(0, 12))) for _ in range(6000)))[:3001],
        counts=[rng.randint(1, 99) for _ in range(3001)])),
]
for label, p in valid:
    check_valid(label, p, pad_garbage=True)

# NaN moments: any NaN passes check; the wire keeps its bits, JSON writes null and reads the default NaN
p = P(CATEGORICAL, EXACT, categories=[b"x"], counts=[1])
odd_nan = struct.unpack("=d", struct.pack("=Q", 0xFFF8000000000001))[0]
flat = p.flat(min=odd_nan)
cases += 1
if check(flat)[0] != 0:
    fail("check rejects a NaN with a payload")
elif to_wire(flat) != p.wire(min=odd_nan) or from_wire(to_wire(flat))[0] != flat:
    fail("the wire form does not keep NaN bits")
elif from_json(to_json(flat))[0] != p.flat():
    fail("JSON does not give back the default NaN")

# JSON that is valid but not as written by to_json
base = P(NUMERIC, EXACT, values=[1.0, 2.0, 3.0], counts=[1, 3, 1], mean=2.0, m2=2.5)
variants = [
    b'{"mlmon_profile":1,"kind":"numeric","mode":"exact","cap":10000,"count":5,"nulls":0,"nan":0,'
    b'"posinf":0,"neginf":0,"min":1,"max":3,"mean":2,"m2":2.5,"values":[1,2,3],"counts":[1,3,1]}',
    b' { "counts" : [ 1 , 3 , 1 ] , "values" : [ 1.0 , 2E0 , 0.3e1 ] , "m2":25e-1,"mean":2.000,"max":3,'
    b'"min":1,"neginf":0,"posinf":0,"nan":0,"nulls":0,"count":5,"cap":10000,"mode":"exact",'
    b'"kind":"numeric","mlmon_profile":1 } ',
    b'{"\\u006dlmon_profile":1,"k\\u0069nd":"num\\u0065ric","mode":"exact","cap":10000,"count":5,"nulls":0,'
    b'"nan":0,"posinf":0,"neginf":0,"min":1,"max":3,"mean":2,"m2":2.5,"values":[1,2,3],"counts":[1,3,1]}',
]
for t in variants:
    cases += 1
    got, err = from_json(t)
    if got != base.flat():
        fail(f"valid JSON variant rejected or misread ({err}): {t[:80]!r}")
cases += 1
got, err = from_json(b'{"mlmon_profile":1,"kind":"categorical","mode":"exact","cap":1,"count":2,"nulls":0,'
                     b'"categories":["\\/\\ud83d\\ude00","\\u00e9"],"counts":[1,1]}')
if got != P(CATEGORICAL, EXACT, cap=1, categories=[b"/\xf0\x9f\x98\x80", b"\xc3\xa9"], counts=[1, 1]).flat():
    fail(f"escaped categories misread: {err}")
cases += 1
got, err = from_json(b'{"mlmon_profile":1,"kind":"numeric","mode":"exact","cap":1,"count":1,"nulls":0,"nan":0,'
                     b'"posinf":0,"neginf":0,"min":1e-400,"max":-1e-400,"mean":0,"m2":0,"values":[0],"counts":[1]}')
if got is None:
    fail(f"underflowing numbers are rejected: {err}")

# messages are truncated and always NUL-terminated
cases += 1
bad = base.flat(version=7)
for errlen in (1, 2, 5, 10):
    r, msg, raw = check(bad, errlen=errlen)
    if r == 0 or b"\0" not in raw[:errlen] or msg != "unsupported profile version 7"[:errlen - 1]:
        fail(f"errlen {errlen}: message {msg!r}")
    _, m = from_json(b"{", errlen=errlen)
    if m != "unexpected end of input at byte 1"[:errlen - 1]:
        fail(f"errlen {errlen}: from_json message {m!r}")
    _, m = from_wire(b"\1", errlen=errlen)
    if m != "wire profile is 1 bytes, shorter than its 112-byte header"[:errlen - 1]:
        fail(f"errlen {errlen}: from_wire message {m!r}")

# mlm_profile_size: overflow and limits
cases += 1
for p, over, catbytes in [(base, dict(nentries=2**62), 0), (base, dict(nentries=-1), 0),
                          (base, dict(nentries=67108857), 0), (base, dict(kind=3), 0), (base, dict(mode=2), 0),
                          (valid[12][1], dict(nentries=2**61), 0), (valid[12][1], dict(), 2**64 - 3),
                          (valid[12][1], dict(), LIMIT)]:
    if c_size(aligned(p.flat(**over)), catbytes, LIMIT) != 0:
        fail(f"mlm_profile_size accepts {over} catbytes {catbytes}")
if c_size(aligned(base.flat(nentries=67108856)), 0, LIMIT) != 112 + 16 * 67108856:
    fail("mlm_profile_size refuses the largest numeric exact profile")

# ---------------------------------------------------------------- invalid flat profiles

ne = P(NUMERIC, EXACT, values=[1.0, 2.0, 3.0], counts=[1, 3, 1], mean=2.0, m2=2.5)
ns = P(NUMERIC, SKETCH, levels=[[0.5, 1.25], [], [3.0]], parity=5, rank_error=12.0)
ce = P(CATEGORICAL, EXACT, nulls=1, categories=[b"a", b"b", b"c"], counts=[4, 6, 1])
cs = P(CATEGORICAL, SKETCH, categories=[b"a", b"b"], counts=[4, 6], other=3, rank_error=2.0)


def nearr(values, counts, e="="):
    return struct.pack(f"{e}{len(values)}d", *values) + struct.pack(f"{e}{len(counts)}q", *counts)


def skarr(lens, values, e="="):
    return struct.pack(f"{e}{len(lens)}q", *lens) + struct.pack(f"{e}{len(values)}d", *values)


def catarr(counts, lens, data, e="="):
    n = len(counts)
    if e == "=":
        return struct.pack(f"={n}q", *counts) + pad8(struct.pack(f"={n}i", *lens)) + pad8(data)
    return struct.pack(f">{n}q", *counts) + struct.pack(f">{n}i", *lens) + data


empty_ne = P(NUMERIC, EXACT, values=[], counts=[])
bad_flat = [
    ("short buffer", ne.flat()[:50], "shorter than its 112-byte header"),
    ("version", ne.flat(version=2), "unsupported profile version 2"),
    ("kind", ne.flat(kind=3), "unknown profile kind 3"),
    ("mode", ne.flat(mode=2), "unknown profile mode 2"),
    ("cap 0", ne.flat(cap=0), "cap is 0, not between 1 and 1000000"),
    ("cap too large", ne.flat(cap=1000001), "cap is 1000001, not between 1 and 1000000"),
    ("negative cap", ne.flat(cap=-5), "cap is -5"),
    ("negative count", ne.flat(count=-1), "count is negative"),
    ("negative nulls", ne.flat(nulls=-1), "nulls is negative"),
    ("negative nan", ne.flat(nan=-1), "nan is negative"),
    ("negative posinf", ne.flat(posinf=-2), "posinf is negative"),
    ("negative neginf", ne.flat(neginf=-3), "neginf is negative"),
    ("negative nentries", ne.flat(nentries=-1), "nentries is negative"),
    ("negative other", cs.flat(other=-1), "other is negative"),
    ("numeric other", ne.flat(other=1), "other must be 0 in a numeric profile"),
    ("levels in exact", ne.flat(nlevels=1), "nlevels is 1 but an exact profile has no levels"),
    ("63 levels", ns.flat(nlevels=63), "nlevels is 63, more than 62"),
    ("one byte too many", ne.flat() + b"\0" * 8, "profile is 168 bytes but its header describes 160"),
    ("one entry too few", ne.flat()[:-16], "profile is 144 bytes but its header describes 160"),
    ("oversized nentries", ne.flat(nentries=2**62),
     "profile is 160 bytes but its header describes more than 1073741823"),
    ("nentries over 1 GB", ne.flat(nentries=67108857), "its header describes more than 1073741823"),
    ("exact parity", ne.flat(parity=1), "parity must be 0 in an exact profile"),
    ("exact rank_error", ne.flat(rank_error=0.5), "rank_error must be 0 in an exact profile"),
    ("exact rank_error -0", ne.flat(rank_error=-0.0), "rank_error must be 0 in an exact profile"),
    ("infinite value", ne.flat(arrays=nearr([1.0, INF, 3.0], [1, 3, 1])), "value 1 of \"values\" is not finite"),
    ("NaN value", ne.flat(arrays=nearr([1.0, 2.0, NAN], [1, 3, 1])), "value 2 of \"values\" is not finite"),
    ("descending values", ne.flat(arrays=nearr([1.0, 3.0, 2.0], [1, 3, 1]), max=2.0),
     "value 2 of \"values\" is not greater than the one before it"),
    ("repeated value", ne.flat(arrays=nearr([1.0, 1.0, 3.0], [1, 3, 1])),
     "value 1 of \"values\" is not greater than the one before it"),
    ("-0 after 0", ne.flat(arrays=nearr([0.0, -0.0, 3.0], [1, 3, 1]), min=0.0),
     "value 1 of \"values\" is not greater than the one before it"),
    ("zero count", ne.flat(arrays=nearr([1.0, 2.0, 3.0], [1, 0, 1]), count=2),
     "count 1 of \"counts\" is 0, not positive"),
    ("negative count item", ne.flat(arrays=nearr([1.0, 2.0, 3.0], [1, -3, 1])),
     "count 1 of \"counts\" is -3, not positive"),
    ("counts overflow", ne.flat(arrays=nearr([1.0, 2.0, 3.0], [1, I64MAX, 1])), "the counts add up to more than"),
    ("count mismatch", ne.flat(count=12, arrays=nearr([1.0, 2.0, 3.0], [1, 9, 1])),
     "count is 12 but the counts add up to 11"),
    ("min is not the first value", ne.flat(min=0.5), "min is 0.5 but the smallest value is 1"),
    ("max is not the last value", ne.flat(max=4.0), "max is 4 but the largest value is 3"),
    ("NaN min with count > 0", ne.flat(min=NAN), "min and max must be finite when count is 5"),
    ("infinite max", ne.flat(max=INF), "min and max must be finite"),
    ("min > max", ns.flat(min=5.0, max=1.0), "min 5 is greater than max 1"),
    ("NaN mean", ne.flat(mean=NAN), "mean must be finite when count is 5"),
    ("infinite mean", ne.flat(mean=-INF), "mean must be finite"),
    ("negative m2", ne.flat(m2=-1.0), "m2 must be finite and not negative"),
    ("infinite m2", ne.flat(m2=INF), "m2 must be finite and not negative"),
    ("finite min when count is 0", empty_ne.flat(min=0.0), "min, max, mean and m2 must be NaN when count is 0"),
    ("finite m2 when count is 0", empty_ne.flat(m2=0.0), "min, max, mean and m2 must be NaN when count is 0"),
    ("entries when count is 0", empty_ne.flat(nentries=1, arrays=nearr([1.0], [1])), "nentries is 1 but count is 0"),
    ("negative rank_error", ns.flat(rank_error=-1.0), "rank_error must be finite and not negative"),
    ("infinite rank_error", ns.flat(rank_error=INF), "rank_error must be finite and not negative"),
    ("NaN rank_error", ns.flat(rank_error=NAN), "rank_error must be finite and not negative"),
    ("parity bit at nlevels", ns.flat(parity=8), "parity has bits set at or above level 3"),
    ("parity bit 63", ns.flat(parity=2**63), "parity has bits set at or above level 3"),
    ("negative level length", ns.flat(arrays=skarr([2, -1, 2], [0.5, 1.25, 3.0])), "level 1 has a negative length"),
    ("level lengths too long", ns.flat(arrays=skarr([2, 0, 5], [0.5, 1.25, 3.0])),
     "the level lengths add up to more than nentries (3)"),
    ("level lengths too short", ns.flat(arrays=skarr([2, 0, 0], [0.5, 1.25, 3.0])),
     "the level lengths add up to 2 but nentries is 3"),
    ("level weights overflow", P(NUMERIC, SKETCH, levels=[[] for _ in range(61)] + [[1.0, 2.0, 3.0, 4.0]],
                                 count=1).flat(), "the levels stand for more than"),
    ("level weights mismatch", ns.flat(count=5), "count is 5 but the levels stand for 6 values"),
    ("descending within a level", ns.flat(arrays=skarr([2, 0, 1], [1.25, 0.5, 3.0])),
     "value 1 of \"values\" (level 0) is less than the one before it"),
    ("infinite sketch value", ns.flat(arrays=skarr([2, 0, 1], [0.5, 1.25, INF])),
     "value 2 of \"values\" (level 2) is not finite"),
    ("categorical levels", ce.flat(nlevels=1), "nlevels must be 0 in a categorical profile"),
    ("categorical parity", ce.flat(parity=1), "parity must be 0 in a categorical profile"),
    ("categorical nan", ce.flat(nan=1), "nan, posinf and neginf must be 0 in a categorical profile"),
    ("categorical neginf", cs.flat(neginf=1), "nan, posinf and neginf must be 0 in a categorical profile"),
    ("categorical min", ce.flat(min=0.0), "min, max, mean and m2 must be NaN in a categorical profile"),
    ("categorical m2", cs.flat(m2=1.0), "min, max, mean and m2 must be NaN in a categorical profile"),
    ("exact other", ce.flat(other=1, count=12), "other must be 0 in an exact profile"),
    ("categorical exact rank_error", ce.flat(rank_error=1.0), "rank_error must be 0 in an exact profile"),
    ("categorical sketch NaN rank_error", cs.flat(rank_error=NAN), "rank_error must be finite and not negative"),
    ("categorical sketch negative rank_error", cs.flat(rank_error=-2.0), "rank_error must be finite and not negative"),
    ("too short for the categories", ce.flat(nentries=100), "profile is 160 bytes, too short for 100 categories"),
    ("huge nentries, categorical", ce.flat(nentries=2**62), "too short for 4611686018427387904 categories"),
    ("negative category length", ce.flat(arrays=catarr([4, 6, 1], [1, -1, 2], b"abc")),
     "category 1 has a negative length (-1)"),
    ("category lengths past the end", ce.flat(arrays=catarr([4, 6, 1], [1, 1, 2**31 - 1], b"abc")),
     "the category lengths add up to more than the profile size"),
    ("category lengths do not fill it", ce.flat(arrays=catarr([4, 6, 1], [1, 1, 1], b"abc") + b"\0" * 8),
     "profile is 168 bytes but its header describes 160"),
    ("zero category count", ce.flat(arrays=catarr([4, 0, 1], [1, 1, 1], b"abc"), count=5),
     "count 1 of \"counts\" is 0, not positive"),
    ("NUL in a category", ce.flat(arrays=catarr([4, 6, 1], [1, 1, 1], b"a\0c")), "category 1 contains a NUL byte"),
    ("descending categories", ce.flat(arrays=catarr([4, 6, 1], [1, 1, 1], b"acb")),
     "category 2 is not greater than the one before it"),
    ("repeated category", ce.flat(arrays=catarr([4, 6, 1], [1, 1, 1], b"abb")),
     "category 2 is not greater than the one before it"),
    ("longer before its prefix", ce.flat(arrays=catarr([4, 6, 1], [1, 2, 1], b"abbb")),
     "category 2 is not greater than the one before it"),
    ("empty category after another", ce.flat(arrays=catarr([4, 6, 1], [1, 0, 1], b"ab")),
     "category 1 is not greater than the one before it"),
    ("categorical count mismatch", ce.flat(count=10), "count is 10 but the counts and other add up to 11"),
    ("categorical sketch count mismatch", cs.flat(count=14), "count is 14 but the counts and other add up to 13"),
    ("categorical counts overflow", cs.flat(other=I64MAX - 5), "the counts and other add up to more than"),
]
for label, b, want in bad_flat:
    cases += 1
    r, err, _ = check(b)
    if VERBOSE:
        print(f"check, {label}: {err}")
    if r == 0 or want not in err:
        fail(f"check, {label}: got {r} {err!r}, wanted {want!r}")
    if r != 0 and (to_json(b) is not None or to_wire(b) is not None):
        fail(f"check, {label}: to_json or to_wire accepts what check rejects")
cases += 1
r, err, _ = check(ne.flat(), offset=4)
if r == 0 or "not 8-byte aligned" not in err:
    fail(f"check of a misaligned buffer: {err!r}")
r, err, _ = check(ne.flat(nentries=0), fake_len=LIMIT + 1)
if r == 0 or "more than the limit of 1073741823" not in err:
    fail(f"check of a buffer over 1 GB: {err!r}")

# ---------------------------------------------------------------- invalid JSON

GOOD = (b'{"mlmon_profile": 1, "kind": "numeric", "mode": "exact", "cap": 10000, "count": 5, "nulls": 0, '
        b'"nan": 0, "posinf": 0, "neginf": 0, "min": 1, "max": 3, "mean": 2, "m2": 2.5, "values": [1, 2, 3], '
        b'"counts": [1, 3, 1]}')
if to_json(ne.flat()) != GOOD:
    fail(f"to_json of the example is not the text in the brief: {to_json(ne.flat())!r}")
GOOD_CAT = (b'{"mlmon_profile": 1, "kind": "categorical", "mode": "exact", "cap": 10000, "count": 10, "nulls": 1, '
            b'"categories": ["a", "b"], "counts": [4, 6]}')
GOOD_SK = to_json(ns.flat())
GOOD_CS = to_json(cs.flat())


def sub(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


too_many_levels = b'{"mlmon_profile":1,"kind":"numeric","mode":"sketch","cap":1,"count":0,"nulls":0,"nan":0,' \
    b'"posinf":0,"neginf":0,"min":null,"max":null,"mean":null,"m2":null,"rank_error":0,"parity":0,' \
    b'"levels":[' + b",".join([b"[]"] * 63) + b"]}"
sixty_two_levels = too_many_levels.replace(b"[" + b",".join([b"[]"] * 63), b"[" + b",".join([b"[]"] * 62))
cases += 1
got, err = from_json(sixty_two_levels)
if got is None or got[3] != 62:
    fail(f"62 empty levels rejected: {err}")
bad_json = [
    ("empty input", b"", "unexpected end of input at byte 0"),
    ("only whitespace", b" \n\t", "unexpected end of input at byte 3"),
    ("not an object", b"[1]", "expected '{' but found '[' at byte 0"),
    ("truncated", GOOD[:57], "unexpected end of input at byte 57"),
    ("truncated in a string", GOOD[:20], "unexpected end of input at byte 20"),
    ("truncated in a number", GOOD[:16], "unexpected end of input at byte 16"),
    ("trailing garbage", GOOD + b" x", "unexpected text after the profile at byte"),
    ("two objects", GOOD + GOOD, "unexpected text after the profile at byte"),
    ("trailing comma in the object", GOOD[:-1] + b",}", "expected a string key but found '}'"),
    ("trailing comma in an array", sub(GOOD, b"[1, 2, 3]", b"[1, 2, 3,]"), "must be a number at byte"),
    ("missing comma", sub(GOOD, b'0, "nan"', b'0 "nan"'), "expected ',' or '}' but found '\"'"),
    ("missing colon", sub(GOOD, b'"cap":', b'"cap"'), "expected ':' but found '1'"),
    ("single quotes", sub(GOOD, b'"cap"', b"'cap'"), "expected a string key but found '''"),
    ("unknown key", sub(GOOD, b'"nulls"', b'"bogus"'), 'unknown key "bogus"'),
    ("long unknown key", sub(GOOD, b'"nulls"', b'"' + b"x" * 100 + b'"'), 'unknown key "' + "x" * 31 + '..."'),
    ("duplicate key", GOOD[:-1] + b', "counts": [1, 3, 1]}', 'duplicate key "counts"'),
    ("duplicate key, escaped", GOOD[:-1] + b', "c\\u006funt": 5}', 'duplicate key "count"'),
    ("missing key", sub(GOOD, b', "m2": 2.5', b""), 'missing key "m2"'),
    ("missing version", sub(GOOD, b'"mlmon_profile": 1, ', b""), 'missing key "mlmon_profile"'),
    ("missing kind", sub(GOOD, b'"kind": "numeric", ', b""), 'missing key "kind"'),
    ("levels in exact", GOOD[:-1] + b', "levels": []}', 'key "levels" is not allowed in a numeric exact profile'),
    ("categories in numeric", GOOD[:-1] + b', "categories": []}',
     'key "categories" is not allowed in a numeric exact profile'),
    ("min in categorical", GOOD_CAT[:-1] + b', "min": 1}', 'key "min" is not allowed in a categorical exact profile'),
    ("other in categorical exact", GOOD_CAT[:-1] + b', "other": 0}',
     'key "other" is not allowed in a categorical exact profile'),
    ("values in a sketch", GOOD_SK[:-1] + b', "values": []}',
     'key "values" is not allowed in a numeric sketch profile'),
    ("version 2", sub(GOOD, b'"mlmon_profile": 1', b'"mlmon_profile": 2'), 'unsupported "mlmon_profile" version 2'),
    ("unknown kind", sub(GOOD, b'"numeric"', b'"Numeric"'), '"kind" must be "numeric" or "categorical" at byte'),
    ("unknown mode", sub(GOOD, b'"exact"', b'"sketchy"'), '"mode" must be "exact" or "sketch" at byte'),
    ("kind not a string", sub(GOOD, b'"numeric"', b"1"), '"kind" must be a string at byte'),
    ("fraction in an integer", sub(GOOD, b'"count": 5', b'"count": 5.0'),
     '"count" must be an integer without fraction or exponent at byte 80'),
    ("exponent in an integer", sub(GOOD, b'"cap": 10000', b'"cap": 1e4'),
     '"cap" must be an integer without fraction or exponent at byte 64'),
    ("negative integer", sub(GOOD, b'"nulls": 0', b'"nulls": -1'), '"nulls" must be a non-negative integer at byte 92'),
    ("minus zero integer", sub(GOOD, b'"nulls": 0', b'"nulls": -0'),
     '"nulls" must be a non-negative integer at byte 92'),
    ("integer as a string", sub(GOOD, b'"nulls": 0', b'"nulls": "0"'), '"nulls" must be a non-negative integer'),
    ("count out of range", sub(GOOD, b'"count": 5', b'"count": 9223372036854775808'),
     '"count" is out of range (more than 9223372036854775807)'),
    ("count far out of range", sub(GOOD, b'"count": 5', b'"count": 99999999999999999999999'),
     '"count" is out of range'),
    ("cap out of range", sub(GOOD, b'"cap": 10000', b'"cap": 2147483648'), '"cap" is out of range'),
    ("cap 0", sub(GOOD, b'"cap": 10000', b'"cap": 0'), "cap is 0, not between 1 and 1000000"),
    ("cap above the limit", sub(GOOD, b'"cap": 10000', b'"cap": 1000001'), "cap is 1000001, not between"),
    ("counts item out of range", sub(GOOD, b"[1, 3, 1]", b"[1, 9223372036854775808, 1]"),
     'value 1 of "counts" is out of range'),
    ("parity out of range", sub(GOOD_SK, b'"parity": 5', b'"parity": 18446744073709551616'),
     '"parity" is out of range (more than 18446744073709551615)'),
    ("parity bit too high", sub(GOOD_SK, b'"parity": 5', b'"parity": 18446744073709551615'),
     "parity has bits set at or above level 3"),
    ("NaN as a value written as 1e999", sub(GOOD, b"[1, 2, 3]", b"[1, 2, 1e999]"),
     'value 2 of "values" is not a finite double (out of range) at byte'),
    ("-1e999 min", sub(GOOD, b'"min": 1', b'"min": -1e999'), '"min" is not a finite double'),
    ("NaN literal", sub(GOOD, b"[1, 2, 3]", b"[1, 2, NaN]"), 'value 2 of "values" must be a number at byte'),
    ("Infinity literal", sub(GOOD, b'"mean": 2', b'"mean": Infinity'), '"mean" must be a number or null at byte'),
    ("null in values", sub(GOOD, b"[1, 2, 3]", b"[1, null, 3]"), 'value 1 of "values" must be a number'),
    ("string in counts", sub(GOOD, b"[1, 3, 1]", b'[1, "3", 1]'), 'value 1 of "counts" must be a non-negative integer'),
    ("object in values", sub(GOOD, b"[1, 2, 3]", b"[1, {}, 3]"), 'value 1 of "values" must be a number'),
    ("nested array in values", sub(GOOD, b"[1, 2, 3]", b"[1, [2], 3]"), 'value 1 of "values" must be a number'),
    ("values not an array", sub(GOOD, b"[1, 2, 3]", b"3"), '"values" must be an array at byte'),
    ("leading zero", sub(GOOD, b'"mean": 2', b'"mean": 02'), "expected ',' or '}' but found '2'"),
    ("lone minus", sub(GOOD, b'"mean": 2', b'"mean": -'), "expected a digit but found ','"),
    ("fraction without digits", sub(GOOD, b'"mean": 2', b'"mean": 2.'), "expected a digit but found ','"),
    ("exponent without digits", sub(GOOD, b'"mean": 2', b'"mean": 2e+'), "expected a digit but found ','"),
    ("leading plus", sub(GOOD, b'"mean": 2', b'"mean": +2'), '"mean" must be a number or null'),
    ("leading dot", sub(GOOD, b'"mean": 2', b'"mean": .5'), '"mean" must be a number or null'),
    ("hex number", sub(GOOD, b'"mean": 2', b'"mean": 0x2'), "expected ',' or '}' but found 'x'"),
    ("number token too long", sub(GOOD, b'"mean": 2', b'"mean": 2.' + b"0" * 500),
     '"mean" has more than 400 characters at byte'),
    ("null min with count > 0", sub(GOOD, b'"min": 1', b'"min": null'), '"min" is null but "count" is 5'),
    ("number min with count 0", to_json(empty_ne.flat()).replace(b'"min": null', b'"min": 0'),
     '"min" must be null when "count" is 0'),
    ("nul instead of null", to_json(empty_ne.flat()).replace(b'"max": null', b'"max": nul'),
     '"max" must be a number or null'),
    ("counts shorter than values", sub(GOOD, b"[1, 3, 1]", b"[1, 4]"),
     '"counts" must have as many elements as "values"'),
    ("counts longer than categories", sub(GOOD_CAT, b"[4, 6]", b"[4, 5, 1]"),
     '"counts" must have as many elements as "categories"'),
    ("descending values", sub(GOOD, b"[1, 2, 3]", b"[1, 3, 2]").replace(b'"max": 3', b'"max": 2'),
     'value 2 of "values" is not greater than the one before it'),
    ("count mismatch", sub(GOOD, b'"count": 5', b'"count": 12'), "count is 12 but the counts add up to 5"),
    ("zero count", sub(GOOD, b"[1, 3, 1]", b"[1, 0, 4]"), 'count 1 of "counts" is 0, not positive'),
    ("categories not ascending", sub(GOOD_CAT, b'["a", "b"]', b'["b", "a"]'),
     "category 1 is not greater than the one before it"),
    ("duplicate categories", sub(GOOD_CAT, b'["a", "b"]', b'["a", "a"]'),
     "category 1 is not greater than the one before it"),
    ("escaped duplicate categories", sub(GOOD_CAT, b'["a", "b"]', b'["a", "\\u0061"]'),
     "category 1 is not greater than the one before it"),
    ("category not a string", sub(GOOD_CAT, b'["a", "b"]', b'["a", 2]'), 'value 1 of "categories" must be a string'),
    ("categorical count mismatch", sub(GOOD_CAT, b'"count": 10', b'"count": 11'),
     "count is 11 but the counts and other add up to 10"),
    ("lone high surrogate", sub(GOOD_CAT, b'"b"', b'"\\ud800"'), "lone surrogate \\ud800 in a string at byte"),
    ("lone low surrogate", sub(GOOD_CAT, b'"b"', b'"\\udc00x"'), "lone surrogate \\udc00 in a string at byte"),
    ("high surrogate then a letter", sub(GOOD_CAT, b'"b"', b'"\\ud83dA"'), "lone surrogate \\ud83d"),
    ("high surrogate then a non-surrogate escape", sub(GOOD_CAT, b'"b"', b'"\\ud83d\\u0041"'),
     "lone surrogate \\ud83d"),
    ("two high surrogates", sub(GOOD_CAT, b'"b"', b'"\\ud83d\\ud83d"'), "lone surrogate \\ud83d"),
    ("high surrogate at the end", sub(GOOD_CAT, b'"b"]', b'"\\ud83d'), "lone surrogate \\ud83d"),
    ("escaped NUL", sub(GOOD_CAT, b'"b"', b'"b\\u0000"'), "\\u0000 is not allowed in a string at byte"),
    ("raw control character", sub(GOOD_CAT, b'"b"', b'"b\x01"'), "unescaped control character 0x01 in a string"),
    ("raw NUL", sub(GOOD_CAT, b'"b"', b'"b\x00"'), "unescaped control character 0x00 in a string"),
    ("raw newline", sub(GOOD_CAT, b'"b"', b'"b\n"'), "unescaped control character 0x0a in a string"),
    ("invalid escape", sub(GOOD_CAT, b'"b"', b'"\\x41"'), "invalid escape in a string at byte"),
    ("short \\u escape", sub(GOOD_CAT, b'"b"', b'"\\u41"'), "invalid \\u escape in a string at byte"),
    ("bad hex digit", sub(GOOD_CAT, b'"b"', b'"\\u12g4"'), "invalid \\u escape in a string at byte"),
    ("unterminated string", GOOD_CAT[:GOOD_CAT.index(b'"b"') + 2], "unexpected end of input at byte"),
    ("63 levels", too_many_levels, '"levels" has more than 62 levels at byte'),
    ("level not an array", sub(GOOD_SK, b"[[0.5, 1.25], [], [3]]", b"[[0.5, 1.25], 2, [3]]"),
     'value 1 of "levels" must be an array at byte'),
    ("levels not nested", sub(GOOD_SK, b"[[0.5, 1.25], [], [3]]", b"[0.5, 1.25]"),
     'value 0 of "levels" must be an array at byte'),
    ("string in a level", sub(GOOD_SK, b"[[0.5, 1.25], [], [3]]", b'[[0.5, 1.25], [], ["3"]]'),
     'value 0 of level 2 of "levels" must be a number'),
    ("level not ascending", sub(GOOD_SK, b"[[0.5, 1.25], [], [3]]", b"[[1.25, 0.5], [], [3]]"),
     'value 1 of "values" (level 0) is less than the one before it'),
    ("sketch count mismatch", sub(GOOD_SK, b'"count": 6', b'"count": 7'),
     "count is 7 but the levels stand for 6 values"),
    ("negative rank_error", sub(GOOD_SK, b'"rank_error": 12', b'"rank_error": -12'),
     "rank_error must be finite and not negative"),
    ("null rank_error", sub(GOOD_SK, b'"rank_error": 12', b'"rank_error": null'),
     '"rank_error" must be a number at byte'),
    ("other out of range", sub(GOOD_CS, b'"other": 3', b'"other": 9223372036854775808'), '"other" is out of range'),
    ("key not a string", b'{1: 2}', "expected a string key but found '1' at byte 1"),
    ("empty object", b"{}", 'missing key "mlmon_profile"'),
    ("non-ASCII key", sub(GOOD, b'"nulls"', b'"n\xc3\xbclls"'), 'unknown key "n??lls"'),
    ("byte order mark", b"\xef\xbb\xbf" + GOOD, "expected '{' but found byte 0xef at byte 0"),
    ("comment", GOOD + b" // x", "unexpected text after the profile at byte"),
]
for label, t, want in bad_json:
    cases += 1
    got, err = from_json(t)
    if VERBOSE:
        print(f"from_json, {label}: {err}")
    if got is not None or want not in err:
        fail(f"from_json, {label}: got {'a profile' if got else repr(err)}, wanted {want!r}")
    # every prefix of a short invalid input is rejected too, never crashes
for t in (GOOD, GOOD_CAT, GOOD_SK, GOOD_CS):
    for cut in range(len(t)):
        cases += 1
        got, err = from_json(t[:cut])
        if got is not None or not err:
            fail(f"from_json accepts a prefix of {cut} bytes")

# ---------------------------------------------------------------- invalid wire input

WN = ne.wire()
bad_wire = [
    ("empty", b"", "wire profile is 0 bytes, shorter than its 112-byte header"),
    ("truncated header", WN[:111], "wire profile is 111 bytes, shorter than its 112-byte header"),
    ("truncated array", WN[:-1], "wire profile is 159 bytes but its header describes 160"),
    ("a byte after the end", WN + b"\0", "wire profile is 161 bytes but its header describes 160"),
    ("version", ne.wire(version=0), "unsupported profile version 0"),
    ("kind", ne.wire(kind=0), "unknown profile kind 0"),
    ("mode", ne.wire(mode=9), "unknown profile mode 9"),
    ("negative nentries", ne.wire(nentries=-1), "nentries is negative"),
    ("oversized nentries", ne.wire(nentries=2**62), "wire profile is 160 bytes but its header describes more than"),
    ("oversized nentries, sketch", ns.wire(nentries=2**61), "header describes more"),
    ("nentries too large for the input", ne.wire(nentries=1000), "but its header describes 16112"),
    ("63 levels", ns.wire(nlevels=63), "nlevels is 63, more than 62"),
    ("255 levels", ns.wire(nlevels=255), "nlevels is 255, more than 62"),
    ("oversized nentries, categorical", ce.wire(nentries=2**62), "too short for 4611686018427387904 categories"),
    ("negative category length", ce.wire(arrays=catarr([4, 6, 1], [1, -1, 2], b"abc", ">")),
     "category 1 has a negative length (-1)"),
    ("category length past the end", ce.wire(arrays=catarr([4, 6, 1], [1, 1, 2], b"abc", ">")),
     "too short for its categories"),
    ("category lengths short of the end", ce.wire(arrays=catarr([4, 6, 1], [1, 1, 1], b"abcd", ">")),
     "wire profile is 152 bytes but its header describes 151"),
    ("NaN value", ne.wire(arrays=nearr([1.0, 2.0, NAN], [1, 3, 1], ">")), 'value 2 of "values" is not finite'),
    ("count mismatch", ne.wire(count=6), "count is 6 but the counts add up to 5"),
    ("levels in exact", ne.wire(nlevels=2), "nlevels is 2 but an exact profile has no levels"),
    ("NUL in a category", ce.wire(arrays=catarr([4, 6, 1], [1, 1, 1], b"a\0c", ">")), "category 1 contains a NUL byte"),
    ("categories out of order", ce.wire(arrays=catarr([4, 6, 1], [1, 1, 1], b"bac", ">")),
     "category 1 is not greater than the one before it"),
    ("cap", ne.wire(cap=0), "cap is 0"),
]
for label, w, want in bad_wire:
    cases += 1
    got, err = from_wire(w)
    if VERBOSE:
        print(f"from_wire, {label}: {err}")
    if got is not None or want not in err:
        fail(f"from_wire, {label}: got {'a profile' if got else repr(err)}, wanted {want!r}")
for w in (WN, ns.wire(), ce.wire(), cs.wire()):
    for cut in range(len(w)):
        cases += 1
        got, err = from_wire(w[:cut])
        if got is not None or not err:
            fail(f"from_wire accepts a prefix of {cut} bytes")

print(f"profile codec: {cases - failures}/{cases} cases pass")

# ---------------------------------------------------------------- the fuzzer's verdict

finish_fuzzers(fuzz_n, fuzz_procs)
print("profile codec: " + ("FAILED" if failures else "all passed"))
sys.exit(1 if failures else 0)
