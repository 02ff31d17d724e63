#!/usr/bin/python3
"""The portable form of mlmon.classification_metrics' state
(src/core/classification_wire.c, layout in classification_wire.h).  States
packed here with struct (an independent reading of the layout) must pass
mlm_class_wire_check with the packed totals, and come out of
mlm_class_wire_put_header / put_pair / put_scores as exactly the packed
bytes.  One or more invalid inputs per rule must be rejected with the
expected message, and every proper prefix of a valid state too.  Then
random mutations of the valid states (bit flips, byte changes,
truncations, insertions, field overwrites) run through
test/core/check_classification_wire.c, built with AddressSanitizer and
UBSan when gcc has them (each input in an allocation of exactly its
length): nothing reads out of bounds, and whatever is accepted has pairs
that add up to its rows and scores that are probabilities."""
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
    _fields_ = [("form", ctypes.c_uint8), ("multiclass", ctypes.c_uint8), ("nslots", ctypes.c_int),
                ("npairs", ctypes.c_int64), ("n", ctypes.c_int64), ("n_scored", ctypes.c_int64),
                ("pos", ctypes.c_void_p), ("poslen", ctypes.c_uint32), ("pairs", ctypes.c_void_p),
                ("label", ctypes.c_void_p * 2), ("labellen", ctypes.c_uint32 * 2),
                ("nscores", ctypes.c_int64 * 2), ("scores", ctypes.c_void_p * 2)]


check = corelib.fn("mlm_class_wire_check", ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t,
                   ctypes.POINTER(Wire), ctypes.c_char_p, ctypes.c_size_t)
put_header = corelib.fn("mlm_class_wire_put_header", ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(Wire))
put_pair = corelib.fn("mlm_class_wire_put_pair", ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint32,
                      ctypes.c_char_p, ctypes.c_uint32, ctypes.c_int64)
put_scores = corelib.fn("mlm_class_wire_put_scores", ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p,
                        ctypes.c_uint32, ctypes.POINTER(ctypes.c_double), ctypes.c_int64)
get_score = corelib.fn("mlm_class_wire_score", ctypes.c_double, ctypes.POINTER(Wire), ctypes.c_int, ctypes.c_int64)


def pack(pairs, form=0, pos=b"", labels=(), slots=None, flags=0, nlabels=None, n=None, n_scored=None,
         npairs=None, version=1):
    """pairs: [(actual, predicted, count)] in the order given; labels (form 1):
    [(label, [scores])]; slots (form 2): ([negatives], [positives])."""
    if slots is None:
        slots = ([], []) if form == 2 else ()
    scored = sum(len(s) for _, s in labels) + sum(len(s) for s in slots)
    out = struct.pack(">BBBBQQQI", version, form, flags, len(labels) if nlabels is None else nlabels,
                      len(pairs) if npairs is None else npairs, sum(c for _, _, c in pairs) if n is None else n,
                      scored if n_scored is None else n_scored, len(pos)) + pos
    for a, p, c in pairs:
        out += struct.pack(">I", len(a)) + a + struct.pack(">I", len(p)) + p + struct.pack(">Q", c)
    for label, sc in labels:
        out += struct.pack(">I", len(label)) + label + struct.pack(">Q", len(sc)) + b"".join(struct.pack(">d", v) for v in sc)
    for sc in slots:
        out += struct.pack(">Q", len(sc)) + b"".join(struct.pack(">d", v) for v in sc)
    return out


def run_check(b):
    buf = (ctypes.c_ubyte * max(len(b), 1)).from_buffer_copy(b if b else b"\0")
    w = Wire()
    err = ctypes.create_string_buffer(256)
    rc = check(ctypes.addressof(buf), len(b), ctypes.byref(w), err, 256)
    return rc, w, err.value.decode(), buf


rnd = random.Random(12)
P = [(b"a", b"a", 3), (b"a", b"b", 1), (b"b", b"a", 2), (b"b", b"b", 4)]
# pairs in (actual, predicted) byte order, shorter first on a common prefix
big_pairs = sorted({(bytes(rnd.randrange(1, 256) for _ in range(rnd.randrange(0, 4))),
                     bytes(rnd.randrange(1, 256) for _ in range(rnd.randrange(0, 4)))) for _ in range(150)})
big_pairs = [(a, p, rnd.randrange(1, 1000)) for a, p in big_pairs]
valid = [
    pack([]),
    pack(P),
    pack([(b"", b"x", 1), (b"", b"xy", 2), (b"x", b"", 5)]),
    pack([(bytes([0xff]), bytes([0xfe]), 2**62), (bytes([0xff]), bytes([0xff]), 2**62 - 1)]),
    pack(P, form=1),
    pack(P, form=1, labels=[(b"a", [0.0, 0.25, 0.25, 1.0])]),
    pack(P, form=1, labels=[(b"a", [0.1, 0.2]), (b"b", [0.0, 0.5, 0.9, 1.0, 1.0])]),
    pack(P, form=1, flags=1, n_scored=7),
    pack(P + [(b"c", b"a", 1)], form=1, flags=1, n_scored=3),
    pack(P, form=2, pos=b"b", slots=([0.1, 0.3], [0.2, 0.7, 0.7])),
    pack(P, form=2, pos=b"zz", slots=([0.0] * 10, [])),
    pack(P, form=2, pos=b"", slots=([], [])),
    pack(big_pairs, form=1, labels=[(big_pairs[0][0], sorted(rnd.random() for _ in range(big_pairs[0][2])))]),
]
for b in valid:
    rc, w, err, buf = run_check(b)
    compare(rc == 0, f"valid state accepted ({err})")
    if rc != 0:
        continue
    form, flags, nl, npairs, n, n_scored, poslen = struct.unpack(">BBBQQQI", b[1:32])
    compare((w.form, w.multiclass, w.npairs, w.n, w.n_scored, w.poslen) == (form, flags, npairs, n, n_scored, poslen),
            "header as packed")
    # the writer gives back the same bytes, reading pairs and scores through the checked form
    out = (ctypes.c_ubyte * len(b))()
    p = put_header(ctypes.addressof(out), ctypes.byref(w))
    q = 32 + poslen
    for _ in range(npairs):
        (alen,) = struct.unpack(">I", b[q:q + 4])
        a = b[q + 4:q + 4 + alen]
        q += 4 + alen
        (plen,) = struct.unpack(">I", b[q:q + 4])
        pr = b[q + 4:q + 4 + plen]
        q += 4 + plen
        (c,) = struct.unpack(">Q", b[q:q + 8])
        q += 8
        p = put_pair(p, a, alen, pr, plen, c)
    for s in range(w.nslots):
        k = w.nscores[s]
        vals = (ctypes.c_double * max(k, 1))(*[get_score(ctypes.byref(w), s, i) for i in range(k)])
        if form == 1:
            label = ctypes.string_at(w.label[s], w.labellen[s])
            p = put_scores(p, label, w.labellen[s], vals, k)
        else:
            p = put_scores(p, None, 0, vals, k)
    compare(p == ctypes.addressof(out) + len(b), "the writer ends where the form does")
    compare(bytes(out) == b, "written bytes equal the packed ones")
    for cut in range(len(b)):
        rc, _, _, _ = run_check(b[:cut])
        compare(rc != 0, f"prefix of {cut} bytes rejected")

L2 = [(b"a", [0.1, 0.2]), (b"b", [0.5])]
bad = [
    (b"\x01\x00", "too few for the header"),
    (pack(P, version=2), "unknown version 2"),
    (pack(P, form=3), "unknown form 3"),
    (pack(P, form=1, flags=2), "unknown flags 2"),
    (pack(P, flags=1, n_scored=3), "flag of more than two scored labels is set in form 0"),
    (pack(P, form=2, flags=1, n_scored=3), "flag of more than two scored labels is set in form 2"),
    (pack(P, nlabels=1), "1 score labels in form 0"),
    (pack(P, form=1, labels=L2 + [(b"c", [0.3])]), "3 score labels, at most 2"),
    (pack(P, form=1, flags=1, labels=[(b"a", [0.1, 0.2, 0.3])], n_scored=3), "kept with more than two"),
    (pack(P, n=2**63), "a total is out of range"),
    (pack(P, form=1, flags=1, n_scored=2**63), "a total is out of range"),
    (pack(P, pos=b"a"), "a positive label in form 0"),
    (pack(P, form=1, pos=b"a"), "a positive label in form 1"),
    (pack(P, form=2, pos=b"b")[:28] + struct.pack(">I", 10**6) + pack(P, form=2, pos=b"b")[32:],
     "positive label's 1000000 bytes do not fit"),
    (pack(P, form=2, pos=b"b\x00"), "positive label holds a NUL"),
    (pack(P, npairs=10**6), "pairs do not fit"),
    (pack(P, npairs=3, n=6), "bytes after the end"),
    (pack(P) + b"\x00", "bytes after the end"),
    (pack(P)[:32] + struct.pack(">I", 2**31) + pack(P)[36:], "cut short"),
    (pack(P)[:32] + struct.pack(">I", 1) + b"a" + struct.pack(">I", 2**31) + pack(P)[41:], "cut short"),
    (pack([(b"a\x00", b"b", 1)]), "holds a NUL byte"),
    (pack([(b"a", b"\x00", 1)]), "holds a NUL byte"),
    (pack([(b"a", b"a", 0)]), "count of pair 0 is out of range"),
    (pack([(b"a", b"a", 2**63)], n=0), "count of pair 0 is out of range"),
    (pack([(b"b", b"a", 1), (b"a", b"a", 1)]), "pair 1 is not after"),
    (pack([(b"a", b"b", 1), (b"a", b"a", 1)]), "pair 1 is not after"),
    (pack([(b"a", b"a", 1), (b"a", b"a", 1)]), "pair 1 is not after"),
    (pack([(b"ab", b"a", 1), (b"a", b"b", 1)]), "pair 1 is not after"),
    (pack([(b"a", b"a", 2**62), (b"b", b"a", 2**62)], n=2**63 - 1), "overflow"),
    (pack(P, n=11), "rows are not the sum"),
    (pack(P, n_scored=1), "scored rows do not match"),
    (pack(P, form=1, labels=L2, n_scored=4), "scored rows do not match"),
    (pack(P, form=1, flags=1, n_scored=2), "scored rows do not match"),
    (pack(P, form=1, flags=1, n_scored=11), "scored rows do not match"),
    (pack(P, form=2, pos=b"b", slots=([0.1], [0.2]), n_scored=3), "scored rows do not match"),
    (pack(P, form=1, labels=[(b"b", [0.1]), (b"a", [0.2])]), "score label 1 is not after"),
    (pack(P, form=1, labels=[(b"a", [0.1]), (b"a", [0.2])]), "score label 1 is not after"),
    (pack(P, form=1, labels=[(b"a", [])]), "score label 0 has no score"),
    (pack(P, form=1, labels=[(b"c", [0.5])]), "more than its 0 rows"),
    (pack(P, form=1, labels=[(b"a", [0.5] * 5)]), "more than its 4 rows"),
    (pack(P, form=2, pos=b"a", slots=([0.1] * 7, [])), "more than its 6 rows"),
    (pack(P, form=2, pos=b"a", slots=([], [0.1] * 5)), "more than its 4 rows"),
    (pack(P, form=1, labels=[(b"a", [0.5, 0.4])]), "below the one before it"),
    (pack(P, form=2, pos=b"a", slots=([0.5], [1.0, 0.0])), "below the one before it"),
    (pack(P, form=1, labels=[(b"a", [float("nan")])]), "not a probability"),
    (pack(P, form=1, labels=[(b"a", [1.5])]), "not a probability"),
    (pack(P, form=1, labels=[(b"a", [-0.0])]), "not a probability"),
    (pack(P, form=1, labels=[(b"a", [float("inf")])]), "not a probability"),
    (pack(P, form=2, pos=b"a", slots=([-0.25], [])), "not a probability"),
    (pack(P, form=1, labels=[(b"a", [0.5])])[:-16] + struct.pack(">Q", 2**61) + struct.pack(">d", 0.5),
     "do not fit"),
    (pack(P, form=1, labels=[(b"a", [0.5])])[:-13], "cut short"),
]
for b, want in bad:
    rc, _, err, _ = run_check(b)
    compare(rc != 0 and want in err, f"rejected with '{want}': got rc {rc}, '{err}'")

# mutations through the sanitized program
outdir = tempfile.mkdtemp(prefix="mlmon-clswire-")
builds = corelib.build_programs("check_classification_wire",
                                [os.path.join(HERE, "check_classification_wire.c"), "classification_wire.c"], outdir)
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
        rc, w, err, _ = run_check(b)
        compare((rc == 0) == line.startswith("ok"), f"{label}: same verdict as the library")
    accepted = sum(1 for line in lines if line.startswith("ok"))
    print(f"  {label}: {accepted} of {len(inputs)} mutated inputs accepted (each consistent)")
print(f"classification state codec: {cases - failures}/{cases} comparisons passed")
sys.exit(1 if failures else 0)
