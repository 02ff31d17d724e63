#!/usr/bin/python3
"""Check src/core/epps_singleton.c and symeig.c without a server, against
SciPy 1.10 and NumPy:
- np.percentile (linear) of a pooled sample, exactly, plain and counted;
- d' pinv(a) d and matrix_rank(pinv(a)) on random symmetric positive
  semi-definite matrices of rank 0 to 4 (np.linalg.pinv, matrix_rank);
- scipy.stats.epps_singleton_2samp on random samples: continuous, shifted,
  far from 0, rounded (ties), small (the n < 25 correction), two or three
  distinct values (rank-deficient covariance): statistic to 1e-12 relative,
  p to 1e-9 relative (1e-300 absolute); where SciPy's own rounding shows
  (an ill-conditioned covariance, or a rank from rounding noise) against the
  statistic in 50-digit arithmetic (test/oracle/epps_ref.py);
- log p against logp_ref's 60-digit chi-square tail, also where p
  underflows;
- a sample and its counted form (distinct values with counts) give the
  same bits; n < 5 and a zero IQR are reported, not computed.

Run:  /usr/bin/python3 test/core/test_epps_core.py      (exit status 0 = pass)"""
import ctypes
import math
import re
import os
import sys
import warnings

import mpmath as mp
import numpy as np
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
import corelib  # noqa: E402
import epps_ref as E  # noqa: E402
import logp_ref as L  # noqa: E402

I64P = ctypes.POINTER(ctypes.c_int64)
DP = ctypes.POINTER(ctypes.c_double)


class WSample(ctypes.Structure):  # mlm_wsample (wsample.h)
    _fields_ = [("v", DP), ("w", I64P), ("cum", I64P), ("m", ctypes.c_int64), ("n", ctypes.c_int64)]


class Outcome(ctypes.Structure):  # mlm_test_outcome (test_outcome.h)
    _fields_ = [("statistic", ctypes.c_double), ("pvalue", ctypes.c_double),
                ("log_pvalue", ctypes.c_double), ("method", ctypes.c_char_p)]


WSP = ctypes.POINTER(WSample)
es = corelib.fn("mlm_epps_singleton", ctypes.c_int, WSP, WSP, ctypes.POINTER(Outcome))
pct = corelib.fn("mlm_pooled_percentile", ctypes.c_double, WSP, WSP, ctypes.c_double)
pinvq = corelib.fn("mlm_pinv_quadratic", ctypes.c_double, ctypes.c_int, DP, DP, ctypes.c_int,
                   ctypes.POINTER(ctypes.c_int))
ES_OK, ES_TOO_FEW, ES_IQR_ZERO = 0, 1, 2
keep = []
failures = []
worst = {}


def dbl(xs):
    a = (ctypes.c_double * max(len(xs), 1))(*[float(x) for x in xs])
    keep.append(a)
    return a


def i64(xs):
    a = (ctypes.c_int64 * max(len(xs), 1))(*[int(x) for x in xs])
    keep.append(a)
    return a


def plain(values):
    v = np.sort(np.asarray(values, dtype=float))
    return WSample(dbl(v), None, None, len(v), len(v))


def counted(values):
    u, c = np.unique(np.asarray(values, dtype=float), return_counts=True)
    return WSample(dbl(u), i64(c), i64(np.cumsum(c)), len(u), int(c.sum()))


def check(label, got, want, rtol, atol=0.0):
    label = re.sub(r" n=\(\d+,\d+\)", "", label)
    err = abs(got - want)
    rel = err / abs(want) if want else (0.0 if err == 0 else math.inf)
    if err > atol:
        worst[label] = max(worst.get(label, 0.0), rel)
    if not (err <= atol or rel <= rtol) or math.isnan(got) != math.isnan(want):
        failures.append(f"{label}: got {got!r}, want {want!r}")


def run(x, y, form=plain):
    a, b, r = form(x), form(y), Outcome()
    rc = es(ctypes.byref(a), ctypes.byref(b), ctypes.byref(r))
    return rc, r


notes = {}


def compare(label, x, y, logp=False):
    rc, r = run(x, y)
    if rc != ES_OK:
        failures.append(f"{label}: rc {rc}")
        return
    want_w, want_p, k, rtol, prtol, source = E.expected(x, y, r.statistic)
    if source != "scipy":
        notes.setdefault(source, []).append(f"{label}: SciPy {E.scipy_result(x, y)[0]!r} rank {E.scipy_rank(x, y)}, "
                                            f"reference {want_w!r} rank {k}, ours {r.statistic!r}")
    check(f"{label} statistic ({source})", r.statistic, want_w, rtol, 1e-13)
    check(f"{label} p ({source})", r.pvalue, want_p, prtol, 1e-300)
    if k > 0 and (logp or want_p < 1e-300):
        check(label + " log p", r.log_pvalue, float(L.log_chi2_sf(r.statistic, k)), 1e-13)
    elif k > 0:
        check(label + " log p", r.log_pvalue, math.log(want_p), 1e-9, 1e-12)
    # the counted form: identical bits
    rc2, r2 = run(x, y, counted)
    if rc2 != rc or (r2.statistic, r2.pvalue, r2.log_pvalue) != (r.statistic, r.pvalue, r.log_pvalue) \
            and not (math.isnan(r.pvalue) and math.isnan(r2.pvalue) and r2.statistic == r.statistic):
        failures.append(f"{label}: counted form differs: {r2.statistic!r} vs {r.statistic!r}")


rng = np.random.default_rng(20261204)

# percentiles of a pooled sample
for trial in range(300):
    n1, n2 = int(rng.integers(0, 40)), int(rng.integers(1, 40))
    x = np.round(rng.normal(size=n1) * 3) / 2 if trial % 2 else rng.normal(size=n1)
    y = np.round(rng.normal(size=n2) * 3) / 2 if trial % 3 else rng.exponential(size=n2)
    pooled = np.hstack((x, y))
    for q in (0.0, 0.25, 0.5, 0.75, 1.0, 0.1, 0.9):
        want = np.percentile(pooled, 100 * q)
        for form in (plain, counted):
            a, b = form(x), form(y)
            got = pct(ctypes.byref(a), ctypes.byref(b), q)
            if got != want:
                failures.append(f"percentile {q} of {pooled!r}: got {got!r}, want {want!r}")

# pseudo-inverse quadratic form and rank: NumPy's rank; the form against
# 50 digits over the same kept eigenvalues, to cond * 8 eps
mp.mp.dps = 50
for trial in range(1000):
    k = trial % 5
    b = rng.normal(size=(4, k)) * np.exp(rng.uniform(-3, 3, size=k))
    a = b @ b.T
    d = rng.normal(size=4) if trial % 2 else b @ rng.normal(size=k)
    rank = ctypes.c_int()
    got = pinvq(4, dbl(a.ravel()), dbl(d), 4, ctypes.byref(rank))
    p = np.linalg.pinv(a)
    if rank.value != np.linalg.matrix_rank(p):
        failures.append(f"pinv rank: {rank.value} vs {np.linalg.matrix_rank(p)} for {a!r}")
    if k == 0 and got != 0.0:
        failures.append(f"pinv of zero: {got!r}")
    if 0 < k == rank.value and (trial % 2 == 0 or k == 4):
        e, q = mp.eigsy(mp.matrix(a.tolist()))
        keep_ = sorted(range(4), key=lambda i: -abs(e[i]))[:k]
        want = float(mp.fsum(mp.fsum(q[j, i] * d[j] for j in range(4)) ** 2 / e[i] for i in keep_))
        ev = np.sort(np.abs(np.linalg.eigvalsh(a)))[::-1][:k]
        check("pinv quadratic", got, want, max(1e-13, 8 * ev[0] / ev[-1] * 2.0 ** -52), 1e-300)
    # a bound on the rank keeps only the largest eigenvalues
    got2 = pinvq(4, dbl(a.ravel()), dbl(d), 1, ctypes.byref(rank))
    if rank.value != min(1, k):
        failures.append(f"pinv rank bounded by 1: {rank.value} for rank {k}")

# random samples
for trial in range(400):
    n1 = int(rng.choice([5, 6, 9, 17, 24, 25, 40, 150, 1000, 3000]))
    n2 = int(rng.choice([5, 7, 12, 24, 30, 200, 2500]))
    kind = trial % 8
    if kind == 0:
        x, y = rng.normal(size=n1), rng.normal(size=n2)
    elif kind == 1:
        x, y = rng.normal(size=n1), rng.normal(0.3, 1.4, size=n2)
    elif kind == 2:
        x, y = 1e6 + rng.normal(size=n1), 1e6 + rng.normal(0.5, 1, size=n2)
    elif kind == 3:
        x, y = np.round(rng.normal(size=n1) * 2), np.round(rng.normal(0.2, 1, size=n2) * 2)
    elif kind == 4:
        x, y = rng.exponential(size=n1) * 1e-5, rng.lognormal(size=n2) * 1e-5
    elif kind == 5:
        x, y = rng.integers(0, 2, size=n1).astype(float), rng.integers(0, 2, size=n2).astype(float)
    elif kind == 6:
        x, y = rng.integers(0, 3, size=n1) * 0.7, rng.integers(0, 3, size=n2) * 0.7
    else:
        x, y = rng.standard_cauchy(size=n1), rng.standard_cauchy(size=n2) + 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if stats.iqr(np.hstack((x, y))) == 0:
            rc, r = run(x, y)
            if rc != ES_IQR_ZERO:
                failures.append(f"zero IQR: rc {rc}")
            continue
    compare(f"random kind {kind} n=({n1},{n2})", x, y)

# large differences: p underflows, the log p is finite
for shift in (3, 10, 30):
    x, y = rng.normal(size=3000), rng.normal(shift, 1, size=3000)
    compare(f"shift {shift}", x, y, logp=True)
for trial in range(40):
    x, y = rng.normal(size=500), rng.normal(rng.uniform(0, 1), 1, size=500)
    compare("moderate shift, log p", x, y, logp=True)

# each sample a single value: zero covariance, W = 0, no p-value (SciPy: nan)
rc, r = run([0.0] * 5, [1.0] * 6)
if rc != ES_OK or r.statistic != 0.0 or not math.isnan(r.pvalue) or not math.isnan(r.log_pvalue):
    failures.append(f"zero covariance: rc {rc}, {r.statistic}, {r.pvalue}")
# errors
for x, y, want in (([1, 2, 3, 4], [1, 2, 3, 4, 5], ES_TOO_FEW), ([1, 2, 3, 4, 5], [], ES_TOO_FEW),
                   ([0.0] * 5, [0.0] * 5 + [1.0], ES_IQR_ZERO)):
    rc, r = run(x, y)
    if rc != want or r.method is not None or not math.isnan(r.statistic):
        failures.append(f"{x} {y}: rc {rc}, want {want}")

for source, lines in sorted(notes.items()):
    print(f"{len(lines)} cases judged against {source}, e.g.:")
    print("\n".join("  " + s_ for s_ in lines[:3]))
for label in sorted(worst):
    print(f"worst relative error {label}: {worst[label]:.2e}")
if failures:
    print("\n".join(failures[:40]))
    print(f"{len(failures)} failures")
    sys.exit(1)
print("epps_singleton core: all checks passed")
