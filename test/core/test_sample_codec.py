#!/usr/bin/python3
"""The portable form of the numeric two-sample statistics' state
(src/core/sample_wire.c, layout in sample_wire.h).  States packed here with
struct (an independent reading of the layout) must pass mlm_sample_wire_check
with the packed counts, and come out of mlm_sample_wire_put_header /
put_values (and values_in_place) as exactly the packed bytes.  One or more
invalid inputs per rule must be rejected with the expected message, and every
proper prefix of a valid state too.  Then random mutations of the valid
states run through test/core/check_sample_wire.c, built with AddressSanitizer
and UBSan when gcc has them (each input in an allocation of exactly its
length): nothing reads out of bounds, and whatever is accepted has finite,
ascending samples."""
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
    _fields_ = [("alternative", ctypes.c_uint8), ("method", ctypes.c_uint8), ("binning", ctypes.c_uint8),
                ("bins", ctypes.c_int32), ("n_ref", ctypes.c_int64), ("n_cur", ctypes.c_int64),
                ("ref", ctypes.c_void_p), ("cur", ctypes.c_void_p), ("profile", ctypes.c_void_p),
                ("profile_len", ctypes.c_size_t)]


check = corelib.fn("mlm_sample_wire_check", ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                   ctypes.POINTER(Wire), ctypes.c_char_p, ctypes.c_size_t)
put_header = corelib.fn("mlm_sample_wire_put_header", None, ctypes.c_void_p, ctypes.POINTER(Wire))
put_values = corelib.fn("mlm_sample_wire_put_values", ctypes.c_void_p, ctypes.c_void_p,
                        ctypes.POINTER(ctypes.c_double), ctypes.c_int64)
in_place = corelib.fn("mlm_sample_wire_values_in_place", None, ctypes.POINTER(ctypes.c_double), ctypes.c_int64)


def pack(ref, cur, alt=0, method=0, binning=0, bins=10, zero=0, profile=b"", n_ref=None, n_cur=None, version=1):
    out = struct.pack(">BBBBIIQQQ", version, alt, method, binning, bins, zero,
                      len(ref) if n_ref is None else n_ref, len(cur) if n_cur is None else n_cur, len(profile))
    return out + b"".join(struct.pack(">d", v) for v in list(ref) + list(cur)) + profile


def run_check(b):
    buf = (ctypes.c_ubyte * max(len(b), 1)).from_buffer_copy(b if b else b"\0")
    w = Wire()
    err = ctypes.create_string_buffer(256)
    rc = check(ctypes.addressof(buf), len(b), 10000, ctypes.byref(w), err, 256)
    return rc, w, err.value.decode()


def doubles(vals):
    return (ctypes.c_double * max(len(vals), 1))(*vals)


rnd = random.Random(15)
valid = [
    pack([], []),
    pack([1.0], [1.0, 2.0]),
    pack([-1e308, -5e-324, 0.0, 0.0, 1.5], [], alt=2, method=3, binning=1, bins=10000),
    pack([], [0.1, 0.2], profile=b"\x01" * 40, bins=1),
    pack(sorted(rnd.uniform(-1e6, 1e6) for _ in range(300)), sorted(rnd.gauss(0, 1) for _ in range(200)), alt=1),
]
for b in valid:
    rc, w, err = run_check(b)
    compare(rc == 0, f"valid state accepted ({err})")
    if rc != 0:
        continue
    n_ref, n_cur, plen = struct.unpack(">QQQ", b[12:36])
    compare((w.n_ref, w.n_cur, w.profile_len, w.bins) == (n_ref, n_cur, plen, struct.unpack(">I", b[4:8])[0]),
            "counts as packed")
    compare((w.alternative, w.method, w.binning) == (b[1], b[2], b[3]), "options as packed")
    vals = list(struct.unpack(f">{n_ref + n_cur}d", b[36:36 + 8 * (n_ref + n_cur)]))
    out = (ctypes.c_ubyte * len(b))()
    put_header(ctypes.addressof(out), ctypes.byref(w))
    p = put_values(ctypes.addressof(out) + 36, doubles(vals[:n_ref]), n_ref)
    p = put_values(p, doubles(vals[n_ref:]), n_cur)
    ctypes.memmove(p, b[36 + 8 * (n_ref + n_cur):], plen)
    compare(bytes(out) == b, "written bytes equal the packed ones")
    arr = doubles(vals)
    in_place(arr, len(vals))
    compare(bytes(arr)[:8 * len(vals)] == b[36:36 + 8 * len(vals)], "values in place equal the packed ones")
    for cut in range(len(b)):
        rc, _, _ = run_check(b[:cut])
        compare(rc != 0, f"prefix of {cut} bytes rejected")

R, C = [1.0, 2.0], [0.5]
bad = [
    (b"\x01\x00", "too few for the header"),
    (pack(R, C, version=2), "unknown version 2"),
    (pack(R, C, alt=3), "unknown alternative 3"),
    (pack(R, C, method=4), "unknown method 4"),
    (pack(R, C, binning=2), "unknown binning 2"),
    (pack(R, C, bins=0), "0 bins"),
    (pack(R, C, bins=10001), "10001 bins"),
    (pack(R, C, zero=1), "reserved bytes"),
    (pack(R, C, n_ref=3), "do not make"),
    (pack(R, C, n_ref=2**63), "do not make"),
    (pack(R, C, n_ref=2**64 - 1, n_cur=4), "do not make"),
    (pack(R, C, n_cur=2**61 + 1), "do not make"),
    (pack(R, C) + b"\x00", "do not make"),
    (pack(R, C)[:28] + struct.pack(">Q", 10**6) + pack(R, C)[36:], "do not fit"),
    (pack([2.0, 1.0], C), "reference value 1"),
    (pack(R, [float("nan")]), "current value 0"),
    (pack(R, [float("inf")]), "current value 0"),
    (pack([-0.0], C), "reference value 0"),
    (pack([1.0], [], profile=b"\x01" * 8), "has reference values"),
]
for b, want in bad:
    rc, _, err = run_check(b)
    compare(rc != 0 and want in err, f"rejected with '{want}': got rc {rc}, '{err}'")

# mutations through the sanitized program
outdir = tempfile.mkdtemp(prefix="mlmon-smpwire-")
builds = corelib.build_programs("check_sample_wire", [os.path.join(HERE, "check_sample_wire.c"), "sample_wire.c"],
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
        b[i:i + 8] = struct.pack(">Q", rnd.choice([0, 1, 2**31, 2**32, 2**61, 2**63, 2**64 - 1, rnd.randrange(2**64)]))
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
    for b, line in zip(inputs[:2000], lines):
        rc, w, err = run_check(b)
        compare((rc == 0) == line.startswith("ok"), f"{label}: same verdict as the library")
    accepted = sum(1 for line in lines if line.startswith("ok"))
    print(f"  {label}: {accepted} of {len(inputs)} mutated inputs accepted (each consistent)")
print(f"sample state codec: {cases - failures}/{cases} comparisons passed")
sys.exit(1 if failures else 0)
