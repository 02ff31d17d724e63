#!/usr/bin/python3
"""The MMD test of the core (core/mmd.c) without a server:
- the kernel scale: mlm_mmd_median_sqdiff against numpy.percentile(d, 50,
  method='nearest') of the n^2 reference-reference squared differences,
  exactly (ties, odd and even n, counted and plain samples);
- the statistic against an independent NumPy implementation of Evidently's
  formula (test/oracle/mmd_ref.py), to 1e-12 relative;
- the p-value against the Python reproduction of mlmon's SplitMix64
  Fisher-Yates relabellings, exactly;
- edge cases: fewer than 2 values in a sample, all values equal, limits."""
import ctypes
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
import corelib  # noqa: E402
import mmd_ref as R  # noqa: E402

I64P = ctypes.POINTER(ctypes.c_int64)
DP = ctypes.POINTER(ctypes.c_double)


class WSample(ctypes.Structure):  # mlm_wsample (wsample.h)
    _fields_ = [("v", DP), ("w", I64P), ("cum", I64P), ("m", ctypes.c_int64), ("n", ctypes.c_int64)]


class Outcome(ctypes.Structure):  # mlm_test_outcome (test_outcome.h)
    _fields_ = [("statistic", ctypes.c_double), ("pvalue", ctypes.c_double),
                ("log_pvalue", ctypes.c_double), ("method", ctypes.c_char_p)]


median = corelib.fn("mlm_mmd_median_sqdiff", ctypes.c_double, ctypes.POINTER(WSample))
mmd = corelib.fn("mlm_mmd", ctypes.c_int, ctypes.POINTER(WSample), ctypes.POINTER(WSample),
                 ctypes.c_int, ctypes.c_uint64, ctypes.POINTER(Outcome))
OK, TOO_FEW, TOO_MANY_ROWS, TOO_MANY_DISTINCT, OUT_OF_RANGE = range(5)
keep = []


def i64(xs):
    a = (ctypes.c_int64 * max(len(xs), 1))(*[int(x) for x in xs])
    keep.append(a)
    return a


def dbl(xs):
    a = (ctypes.c_double * max(len(xs), 1))(*[float(x) for x in xs])
    keep.append(a)
    return a


def plain(values):
    v = np.sort(np.asarray(values, float))
    return WSample(dbl(v), None, None, len(v), len(v))


def counted(values):
    v, w = np.unique(np.asarray(values, float), return_counts=True)
    cum = np.cumsum(w)
    return WSample(dbl(v), i64(w), i64(cum), len(v), int(cum[-1]) if len(w) else 0)


failures = []
worst = 0.0
rng = np.random.default_rng(20261204)


def run(x, y, form=plain, b=100):
    out = Outcome()
    rc = mmd(ctypes.byref(form(x)), ctypes.byref(form(y)), b, 0, ctypes.byref(out))
    return rc, out


# ------------------------------------------------ median: exact selection
nmed = 0
for t in range(400):
    n = int(rng.integers(1, 40))
    kind = t % 4
    if kind == 0:
        x = rng.normal(size=n)
    elif kind == 1:
        x = rng.integers(0, 4, n).astype(float)          # heavy ties
    elif kind == 2:
        x = rng.integers(-3, 3, n) * 0.1                  # ties, inexact decimals
    else:
        x = np.concatenate([rng.normal(size=n), rng.normal(size=n)[: n // 3]]) * 1e5
    want = R.median_nearest(x)
    for form in (plain, counted):
        got = median(ctypes.byref(form(x)))
        nmed += 1
        if got != want:
            failures.append(f"median {t} {form.__name__} n={len(x)}: got {got!r}, want {want!r}")
for x in ([1.0], [2.0, 2.0], [0.0, 1.0], [0.0, 1.0, 2.0], [5.0] * 7, [1.0, 1.0, 1.0, 2.0]):
    want = R.median_nearest(x)
    got = median(ctypes.byref(plain(x)))
    nmed += 1
    if got != want:
        failures.append(f"median {x}: got {got!r}, want {want!r}")

# ------------------------------------- statistic and reproduced p-value
nstat = 0
for t in range(120):
    n, m = int(rng.integers(2, 60)), int(rng.integers(2, 60))
    kind = t % 3
    if kind == 0:
        x, y = rng.normal(size=n), rng.normal(rng.choice([0.0, 0.3, 1.0]), 1.0, size=m)
    elif kind == 1:
        x, y = rng.integers(0, 5, n).astype(float), rng.integers(0, 6, m).astype(float)
    else:
        x, y = rng.exponential(size=n) * 1e3 + 5e3, rng.exponential(size=m) * 1.2e3 + 5e3
    want = R.evidently_mmd2(x, y)
    wantp, _ = R.mlmon_pvalue(x, y)
    for form in (plain, counted):
        rc, out = run(x, y, form)
        nstat += 1
        if rc != OK:
            failures.append(f"mmd {t}: rc {rc}")
            continue
        rel = abs(out.statistic - want) / abs(want) if want else abs(out.statistic)
        worst = max(worst, rel)
        if rel > 1e-12:
            failures.append(f"mmd {t} {form.__name__}: statistic {out.statistic!r}, want {want!r} (rel {rel:.3g})")
        if out.pvalue != wantp:
            failures.append(f"mmd {t} {form.__name__}: p {out.pvalue!r}, reproduced {wantp!r}")
        wantlog = math.log(wantp) if wantp > 0 else -math.inf
        if out.log_pvalue != wantlog or out.method != b"permutation":
            failures.append(f"mmd {t}: log_pvalue {out.log_pvalue!r} / method {out.method!r}")

# ----------------------------------------------------------- edge cases
rc, out = run([1.0, 2.0], [3.0])
if rc != TOO_FEW:
    failures.append(f"m = 1: rc {rc}")
rc, out = run([1.0], [3.0, 4.0])
if rc != TOO_FEW:
    failures.append(f"n = 1: rc {rc}")
rc, out = run([4.0] * 5, [4.0] * 3)
if rc != OK or out.statistic != 0.0 or out.pvalue != 1.0 or out.log_pvalue != 0.0:
    failures.append(f"all equal: rc {rc} statistic {out.statistic!r} p {out.pvalue!r}")
rc, out = run(np.arange(3000.0), np.arange(2001.0) + 0.5)
if rc != TOO_MANY_DISTINCT:
    failures.append(f"5001 distinct: rc {rc}")
rc, out = run([1e300, -1e300, 0.0], [0.0, 1.0])
if rc != OUT_OF_RANGE:
    failures.append(f"overflowing scale: rc {rc}")
# a drift clear enough that no relabelling reaches it: p = 0, log p = -inf
rc, out = run(rng.normal(size=50), rng.normal(5.0, 1.0, size=50))
if rc != OK or out.pvalue != 0.0 or out.log_pvalue != -math.inf:
    failures.append(f"p = 0: rc {rc} p {out.pvalue!r} log {out.log_pvalue!r}")

for f in failures[:30]:
    print("FAIL", f)
print(f"  medians checked: {nmed}; statistics and p-values checked: {nstat}")
print(f"  max relative difference statistic: {worst:.3g}")
print(f"mmd core: {len(failures)} failures")
sys.exit(1 if failures else 0)
