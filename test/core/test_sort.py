#!/usr/bin/python3
"""The float8 radix sort and run merging of src/core/sort.c against
Python's sorted(): random data of many sizes split into segments, all-equal
values, signed zeros, denormals, huge magnitudes, duplicates."""
import ctypes
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corelib  # noqa: E402

D = ctypes.c_double
PD = ctypes.POINTER(D)
sort_segments = corelib.fn("mlm_sort_segments", PD, ctypes.POINTER(PD), ctypes.POINTER(ctypes.c_size_t),
                           ctypes.c_int, PD, PD, ctypes.c_size_t)
sort_doubles = corelib.fn("mlm_sort_doubles", PD, PD, PD, ctypes.c_size_t)
merge_runs = corelib.fn("mlm_merge_runs", None, ctypes.POINTER(PD), ctypes.POINTER(ctypes.c_size_t),
                        ctypes.c_int, PD)

rng = random.Random(7)
failures = 0
cases = 0


def bits(x):
    return struct.pack("<d", x)


def same(got, want):
    # -0.0 and 0.0 compare equal; the sort may order them either way
    return len(got) == len(want) and all(g == w for g, w in zip(got, want))


def check(label, values, nseg):
    global failures, cases
    cases += 1
    n = len(values)
    cuts = sorted(rng.sample(range(1, n), min(nseg - 1, n - 1))) if n > 1 else []
    bounds = [0] + cuts + [n]
    segs = [(D * max(1, b - a))(*values[a:b]) for a, b in zip(bounds, bounds[1:])]
    seg_ptrs = (PD * len(segs))(*[ctypes.cast(s, PD) for s in segs])
    lens = (ctypes.c_size_t * len(segs))(*[b - a for a, b in zip(bounds, bounds[1:])])
    out = (D * max(1, n))()
    tmp = (D * max(1, n))()
    res = sort_segments(seg_ptrs, lens, len(segs), out, tmp, n)
    got = [res[i] for i in range(n)]
    want = sorted(values)
    if not same(got, want):
        failures += 1
        print(f"FAIL sort_segments {label} n={n} nseg={len(segs)}")
    a = (D * max(1, n))(*values)
    t = (D * max(1, n))()
    res = sort_doubles(a, t, n)
    if not same([res[i] for i in range(n)], want):
        failures += 1
        print(f"FAIL sort_doubles {label} n={n}")
    # merging the sorted pieces again
    runs = [sorted(values[a:b]) for a, b in zip(bounds, bounds[1:])][:32]
    if runs:
        flat = [v for r in runs for v in r]
        rbufs = [(D * max(1, len(r)))(*r) for r in runs]
        rptrs = (PD * len(runs))(*[ctypes.cast(r, PD) for r in rbufs])
        rlens = (ctypes.c_size_t * len(runs))(*[len(r) for r in runs])
        mout = (D * max(1, len(flat)))()
        merge_runs(rptrs, rlens, len(runs), mout)
        if not same([mout[i] for i in range(len(flat))], sorted(flat)):
            failures += 1
            print(f"FAIL merge_runs {label} runs={len(runs)}")


special = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
           -1.7976931348623157e308, 1.0, -1.0, 1e-300, -1e300]
for n in [0, 1, 2, 3, 63, 64, 65, 100, 1000, 4097, 30000, 200000]:
    for nseg in (1, 2, 7, 40):
        check("uniform", [rng.uniform(-1e6, 1e6) for _ in range(n)], nseg)
        check("ties", [float(rng.randint(-5, 5)) for _ in range(n)], nseg)
    check("all equal", [3.25] * n, 3)
    check("specials", [rng.choice(special) for _ in range(n)], 5)
    check("wide", [rng.choice([-1, 1]) * 10 ** rng.uniform(-300, 300) for _ in range(n)], 4)
    check("signed zeros", [rng.choice([0.0, -0.0]) for _ in range(n)], 2)
print(f"sort: {cases - failures}/{cases} cases agree with sorted()")
sys.exit(1 if failures else 0)
