#!/usr/bin/python3
"""The portable form of the categorical drift statistics' state
(src/core/category_wire.c, layout in category_wire.h).  States packed here
with struct (an independent reading of the layout) must pass
mlm_category_wire_check with the packed totals, and come out of
mlm_category_wire_put_header / put_entry as exactly the packed bytes.  One
or more invalid inputs per rule must be rejected with the expected message,
and every proper prefix of a valid state too.  Then random mutations of the
valid states (bit flips, byte changes, truncations, insertions, field
overwrites) run through test/core/check_category_wire.c, built with
AddressSanitizer and UBSan when gcc has them (each input in an allocation
of exactly its length): nothing reads out of bounds, and whatever is
accepted has entries that add up to its totals."""
import ctypes
import os
import random
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corelib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
failures = 0
cases = 0


def compare(ok, msg):
    global failures, cases
    cases += 1
    if not ok:
        failures += 1
        print("FAIL " + msg)


class Wire(ctypes.Structure):
    _fields_ = [("chi2_method", ctypes.c_uint8), ("argkind", ctypes.c_uint8), ("ncat", ctypes.c_int64),
                ("n_ref", ctypes.c_int64), ("n_cur", ctypes.c_int64), ("entries", ctypes.c_void_p),
                ("profile", ctypes.c_void_p), ("profile_len", ctypes.c_size_t), ("permutations", ctypes.c_int32)]


check = corelib.fn("mlm_category_wire_check", ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                   ctypes.POINTER(Wire), ctypes.c_char_p, ctypes.c_size_t)
put_header = corelib.fn("mlm_category_wire_put_header", None, ctypes.c_void_p, ctypes.POINTER(Wire))
header_size = corelib.fn("mlm_category_wire_header_size", ctypes.c_size_t, ctypes.POINTER(Wire))
put_entry = corelib.fn("mlm_category_wire_put_entry", ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p,
                       ctypes.c_uint32, ctypes.c_int64, ctypes.c_int64)


def pack(entries, method=0, kind=0, profile=b"", n_ref=None, n_cur=None, version=None, zero=0, ncat=None,
         permutations=None):
    """entries: [(bytes, ref, cur)] in the order given; permutations: tvd's (version 2)."""
    if version is None:
        version = 1 if permutations is None else 2
    out = struct.pack(">BBBBQQQQ", version, method, kind, zero, len(entries) if ncat is None else ncat,
                      sum(e[1] for e in entries) if n_ref is None else n_ref,
                      sum(e[2] for e in entries) if n_cur is None else n_cur, len(profile))
    if permutations is not None:
        out += struct.pack(">I", permutations)
    for data, ref, cur in entries:
        out += struct.pack(">I", len(data)) + data + struct.pack(">QQ", ref, cur)
    return out + profile


def run_check(b):
    buf = (ctypes.c_ubyte * max(len(b), 1)).from_buffer_copy(b if b else b"\0")
    w = Wire()
    err = ctypes.create_string_buffer(256)
    rc = check(ctypes.addressof(buf), len(b), 1, ctypes.byref(w), err, 256)
    return rc, w, err.value.decode()


rnd = random.Random(11)
# (Python orders bytes as the layout does: byte by byte, shorter first on a common prefix)
valid = [
    pack([]),
    pack([(b"a", 1, 1), (b"b", 1, 0)]),
    pack([(b"", 3, 0), (b"a", 0, 2), (b"ab", 5, 5), (b"b", 1, 9)], method=1, kind=2),
    pack([(bytes([0xff, 0]), 2**62, 1), (bytes([0xff, 1]), 2**62 - 1, 0)], kind=1),
    pack([(b"x" * 300, 7, 8)], profile=b"\x01" * 40),
    pack([(k, rnd.randrange(1, 1000), rnd.randrange(0, 1000))
          for k in sorted({bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 6))) for _ in range(200)})]),
    pack([], permutations=1),
    pack([(b"a", 1, 1), (b"b", 1, 0)], permutations=1000),
    pack([(b"t", 4, 0), (b"x" * 70, 0, 3)], kind=1, permutations=1000000, profile=b"\x02" * 9),
]
for b in valid:
    rc, w, err = run_check(b)
    compare(rc == 0, f"valid state accepted ({err})")
    if rc == 0:
        ncat, n_ref, n_cur, plen = struct.unpack(">QQQQ", b[4:36])
        hdr = 40 if b[0] == 2 else 36
        perms = struct.unpack(">I", b[36:40])[0] if b[0] == 2 else 0
        compare((w.ncat, w.n_ref, w.n_cur, w.profile_len) == (ncat, n_ref, n_cur, plen), "totals as packed")
        compare((w.chi2_method, w.argkind) == (b[1], b[2]), "method and kind as packed")
        compare(w.permutations == perms, f"permutations as packed: {w.permutations} against {perms}")
        compare(header_size(ctypes.byref(w)) == hdr, "header size of the version")
        # the writer gives back the same bytes
        out = (ctypes.c_ubyte * len(b))()
        put_header(ctypes.addressof(out), ctypes.byref(w))
        p = ctypes.addressof(out) + hdr
        q = hdr
        for _ in range(ncat):
            (clen,) = struct.unpack(">I", b[q:q + 4])
            data = b[q + 4:q + 4 + clen]
            ref, cur = struct.unpack(">QQ", b[q + 4 + clen:q + 20 + clen])
            p = put_entry(p, data, clen, ref, cur)
            q += 20 + clen
        ctypes.memmove(p, b[q:], len(b) - q)
        compare(bytes(out) == b, "written bytes equal the packed ones")
    for cut in range(len(b)):
        rc, _, _ = run_check(b[:cut])
        compare(rc != 0, f"prefix of {cut} bytes rejected")

E = [(b"a", 1, 1), (b"b", 1, 0)]
bad = [
    (b"\x01\x00", "too few for the header"),
    (pack(E, version=3), "unknown version 3"),
    (pack(E, permutations=0), "number of permutations 0 is not between 1 and 1000000"),
    (pack(E, permutations=1000001), "number of permutations 1000001 is not between"),
    (pack([], permutations=5)[:38], "too few for the header of version 2"),
    (pack(E, method=2), "unknown chi-square method 2"),
    (pack(E, kind=3), "unknown argument kind 3"),
    (pack(E, zero=1), "reserved byte is 1"),
    (pack([(b"b", 1, 0), (b"a", 1, 1)]), "is not after the one before it"),
    (pack([(b"a", 1, 0), (b"a", 1, 1)]), "is not after the one before it"),
    (pack([(b"ab", 1, 0), (b"a", 1, 1)]), "is not after the one before it"),
    (pack([(b"a", 0, 0)]), "no value on either side"),
    (pack(E, n_ref=5), "not the sums"),
    (pack(E, n_cur=0), "not the sums"),
    (pack([(b"a", 2**63, 0)], n_ref=0), "out of range"),
    (pack(E, n_ref=2**63), "a total is out of range"),
    (pack([(b"a", 2**62, 0), (b"b", 2**62, 0)], n_ref=2**63 - 1), "overflow"),
    (pack(E, ncat=3), "do not fit"),
    (pack(E, ncat=1), "bytes after the last category"),
    (pack(E) + b"\x00", "bytes after the last category"),
    (pack(E)[:36] + struct.pack(">I", 2**31) + pack(E)[40:], "cut short"),
    (pack(E)[:28] + struct.pack(">Q", 10**6) + pack(E)[36:], "do not fit"),
]
for b, want in bad:
    rc, _, err = run_check(b)
    compare(rc != 0 and want in err, f"rejected with '{want}': got rc {rc}, '{err}'")

# mutations through the sanitized program
outdir = tempfile.mkdtemp(prefix="mlmon-catwire-")
builds = corelib.build_programs("check_category_wire", [os.path.join(HERE, "check_category_wire.c"), "category_wire.c"],
                                outdir)
inputs = []
for _ in range(int(os.environ.get("MLM_FUZZ_INPUTS", "20000"))):
    b = bytearray(rnd.choice(valid))
    op = rnd.randrange(6)
    if op == 0 and b:
        i = rnd.randrange(len(b))
        b[i] ^= 1 << rnd.randrange(8)
    elif op == 1 and b:
        b[rnd.randrange(len(b))] = rnd.randrange(256)
    elif op == 2:
        b = b[:rnd.randrange(len(b) + 1)]
    elif op == 3:
        i = rnd.randrange(len(b) + 1)
        b[i:i] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 9)))
    elif op == 4 and len(b) >= 12:
        i = rnd.randrange(len(b) - 8)
        b[i:i + 8] = struct.pack(">Q", rnd.choice([0, 1, 2**31, 2**32, 2**63, 2**64 - 1, rnd.randrange(2**64)]))
    else:
        b = bytearray(rnd.randrange(256) for _ in range(rnd.randrange(80)))
    inputs.append(bytes(b))
path = os.path.join(outdir, "inputs")
with open(path, "wb") as f:
    for b in inputs:
        f.write(struct.pack(">I", len(b)) + b)
for label, exe in builds:
    r = subprocess.run([exe, path], capture_output=True, text=True)
    compare(r.returncode == 0, f"{label}: {len(inputs)} mutated inputs without a sanitizer report: {r.stderr[-2000:]}")
    lines = r.stdout.splitlines()
    compare(len(lines) == len(inputs), f"{label}: one verdict per input")
    # the program and the library agree
    for b, line in zip(inputs[:2000], lines):
        rc, w, err = run_check(b)
        compare((rc == 0) == line.startswith("ok"), f"{label}: same verdict as the library")
    accepted = sum(1 for line in lines if line.startswith("ok"))
    print(f"  {label}: {accepted} of {len(inputs)} mutated inputs accepted (each consistent)")
print(f"category state codec: {cases - failures}/{cases} comparisons passed")
sys.exit(1 if failures else 0)
