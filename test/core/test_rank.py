#!/usr/bin/python3
"""Check src/core/cvm_dist.c, cvm.c and anderson_ksamp.c without a server:
- exp(-q) K_{1/4}(q) against mpmath (30 digits), 2e-15 relative, q from 1e-8
  to 700 (SciPy's own kv is off by up to ~1e-13 there);
- SciPy 1.10's truncated series _cdf_cvm_inf: 1 - cdf within 1e-14 absolute
  (the terms' Bessel function is SciPy's, good to ~1e-14);
- the log tail of the limiting distribution against the Csorgo-Faraway
  series in mpmath at 60 digits (x <= 2.5) and Smirnov's integral by
  mpmath's quadrature (larger x, to x = 2000), 1e-12 relative;
- the exact p-value against SciPy's _pval_cvm_2samp_exact for every
  attainable U of small sample sizes, 1e-12 relative.

Run:  /usr/bin/python3 test/core/test_rank.py      (exit status 0 = pass)"""
import ctypes
import math
import sys

import mpmath as mp
import numpy as np
from scipy.stats._hypotests import _cdf_cvm_inf, _pval_cvm_2samp_exact

from corelib import fn

k14 = fn("mlm_bessel_k14_scaled", ctypes.c_double, ctypes.c_double)
cdf_scipy = fn("mlm_cvm_cdf_scipy", ctypes.c_double, ctypes.c_double)
log_sf = fn("mlm_cvm_log_sf", ctypes.c_double, ctypes.c_double)
exact_p = fn("mlm_cvm_exact_p", ctypes.c_double, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64)
# __int128 argument: passed as two 64-bit halves (x86-64 SysV), low first
failures = []
worst = {}


def check(label, got, want, rtol, atol=0.0):
    err = abs(got - want)
    rel = err / abs(want) if want else (0.0 if err == 0 else math.inf)
    worst[label] = max(worst.get(label, 0.0), rel if err > atol else 0.0)
    if not (err <= atol or rel <= rtol):
        failures.append(f"{label}: got {got!r}, want {want!r}")


mp.mp.dps = 30
for q in np.geomspace(1e-8, 700, 60):
    check("bessel k14", k14(q), float(mp.exp(-mp.mpf(q)) * mp.besselk(mp.mpf(1) / 4, mp.mpf(q))), 2e-15)

for x in np.geomspace(0.003, 30, 60):
    check("1 - scipy cdf", 1 - cdf_scipy(x), 1 - float(_cdf_cvm_inf(x)), 1e-9, 1e-14)


def series_log_sf(x):
    mp.mp.dps = 60
    x = mp.mpf(x)
    tot = mp.mpf(0)
    for k in range(400):
        y = 4 * k + 1
        q = mp.mpf(y) ** 2 / (16 * x)
        z = (mp.gamma(k + mp.mpf(1) / 2) / mp.gamma(k + 1) / (mp.pi ** mp.mpf(1.5) * mp.sqrt(x))
             * mp.sqrt(y) * mp.exp(-q) * mp.besselk(mp.mpf(1) / 4, q))
        tot += z
        if z < mp.mpf(10) ** -65:
            break
    return float(mp.log(1 - tot))


def smirnov_log_sf(x):
    mp.mp.dps = 30
    x = mp.mpf(x)
    a = mp.pi   # k = 1 only: the next part is exp(-4 pi^2 x) smaller, below 1e-30 here

    def f(th):
        u, v = mp.pi * mp.sin(th / 2) ** 2, mp.pi * mp.cos(th / 2) ** 2
        su = mp.sin(min(u, v))
        if su <= 0:
            return mp.mpf(0)
        return mp.exp(-x * ((a + u) ** 2 - a * a) / 2) / mp.sqrt((a + u) * su) * mp.pi / 2 * mp.sin(th)
    w = 1 / mp.sqrt(x * a + 1)
    pts = [mp.mpf(0)] + [w * 4 ** j for j in range(-2, 3) if w * 4 ** j < mp.pi] + [mp.pi]
    return float(-x * mp.pi ** 2 / 2 + mp.log(2 / mp.pi * mp.quad(f, pts)))


for x in (0.01, 0.05, 0.1, 0.19, 0.2, 0.3, 0.5, 1.0, 1.7, 2.5):
    check("log sf (series)", log_sf(x), series_log_sf(x), 1e-12)
for x in (2.0, 3.0, 7.5, 20.0, 150.0, 2000.0):
    check("log sf (Smirnov)", log_sf(x), smirnov_log_sf(x), 1e-12)

# exact p-values: every attainable 4U (multiples of 4 without ties, of 1 with midranks)
for m, n in ((2, 2), (3, 5), (4, 4), (6, 7), (5, 9), (8, 8)):
    k, N = m * n, m + n
    lo = k * (4 * k - 1) // 6 * 4 // 6   # below the smallest U
    for u4 in range(max(0, 4 * lo - 8), 4 * (m * n * N * N) // 3, max(1, (m * n * N) // 7)):
        want = _pval_cvm_2samp_exact(u4 / 4, m, n)
        got = exact_p(u4 & (2 ** 64 - 1), 0, m, n)
        check("exact p", got, float(want), 1e-12)


# weighted samples (profiles): distinct values with counts give exactly the
# raw samples' outcome; the statistics against SciPy on the expanded arrays;
# with counts of 10^6 (not expanded here) T against an independent
# weighted formula in exact rationals.
import warnings
from fractions import Fraction

from scipy.stats import anderson_ksamp, cramervonmises_2samp

from corelib import WSample, wsample


class Outcome(ctypes.Structure):
    _fields_ = [("statistic", ctypes.c_double), ("pvalue", ctypes.c_double),
                ("log_pvalue", ctypes.c_double), ("method", ctypes.c_char_p)]


WS = ctypes.POINTER(WSample)
cvm_test = fn("mlm_cvm_test", ctypes.c_int, WS, WS, ctypes.c_int, ctypes.POINTER(Outcome))
ad_test = fn("mlm_anderson_ksamp", ctypes.c_int, WS, WS, ctypes.POINTER(Outcome))
rng = np.random.default_rng(20261204)
warnings.simplefilter("ignore")   # SciPy's "p-value capped/floored" warnings of anderson_ksamp


def counted(xs):
    vals, cnts = np.unique(xs, return_counts=True)
    return wsample(list(vals), [int(c) for c in cnts])


def same(label, a, b):
    check(label, 0.0 if [repr(v) for v in (a.statistic, a.pvalue, a.log_pvalue, a.method)]
          == [repr(v) for v in (b.statistic, b.pvalue, b.log_pvalue, b.method)] else 1.0, 0.0, 0.0)


for trial in range(30):
    m, n = [(5, 7), (12, 15), (40, 30), (300, 250)][trial % 4]
    k = [3, 6, 25][trial % 3]
    x = np.sort(rng.integers(0, k, m).astype(float))
    y = np.sort(rng.integers(0, k, n).astype(float) + rng.choice([0.0, 0.5], n))
    for method in (0, 2):
        a, b = Outcome(), Outcome()
        ra = cvm_test(ctypes.byref(wsample(list(x))), ctypes.byref(wsample(list(y))), method, ctypes.byref(a))
        rb = cvm_test(ctypes.byref(counted(x)), ctypes.byref(counted(y)), method, ctypes.byref(b))
        check("weighted cvm rc", rb, ra, 0)
        same("weighted cvm equal to raw", b, a)
    ref = cramervonmises_2samp(x, y, method="asymptotic")
    check("weighted cvm T vs scipy", b.statistic, ref.statistic, 1e-11)
    a, b = Outcome(), Outcome()
    ad_test(ctypes.byref(wsample(list(x))), ctypes.byref(wsample(list(y))), ctypes.byref(a))
    ad_test(ctypes.byref(counted(x)), ctypes.byref(counted(y)), ctypes.byref(b))
    same("weighted ad equal to raw", b, a)
    if len(np.unique(np.concatenate([x, y]))) > 1:
        check("weighted ad vs scipy", b.statistic, anderson_ksamp([x, y], midrank=True).statistic, 1e-9, 1e-12)


def cvm_t_weighted(vals, cx, cy):
    """T of cramervonmises_2samp from counts, in rationals: U = m sum (r_i - i)^2 + n sum (s_j - j)^2
    with midranks r, each run of t tied values summed in closed form."""
    m, n = sum(cx), sum(cy)
    N, U, pos, ix, iy = m + n, Fraction(0), 0, 0, 0
    for v, a, b in zip(vals, cx, cy):
        mid = Fraction(2 * pos + a + b + 1, 2)
        for t, start, w in ((a, ix, m), (b, iy, n)):
            # sum_{q=1..t} (mid - (start + q))^2
            c = mid - start
            U += w * (t * c * c - 2 * c * Fraction(t * (t + 1), 2) + Fraction(t * (t + 1) * (2 * t + 1), 6))
        pos, ix, iy = pos + a + b, ix + a, iy + b
    k = m * n
    return U / (k * N) - Fraction(4 * k - 1, 6 * N)


for trial in range(5):
    vals = sorted(float(v) for v in rng.choice(np.arange(-50, 50), 5, replace=False))
    cx = [int(c) for c in rng.integers(10**6, 3 * 10**6, 5)]
    cy = [int(c) for c in rng.integers(10**6, 3 * 10**6, 5)]
    o = Outcome()
    cvm_test(ctypes.byref(wsample(vals, cx)), ctypes.byref(wsample(vals, cy)), 2, ctypes.byref(o))
    check("large counts cvm T", o.statistic, float(cvm_t_weighted(vals, cx, cy)), 1e-15)

for label in sorted(worst):
    print(f"  max relative difference {label}: {worst[label]:.3g}")
for f in failures[:30]:
    print("FAIL", f)
print(f"rank numerics: {len(failures)} failures")
sys.exit(1 if failures else 0)
