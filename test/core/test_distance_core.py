#!/usr/bin/python3
"""The distance numerics of the core without a server, where SQL cannot
reach cheaply: Hellinger on counts of billions that nearly cancel (against
50-digit mpmath: the exact-numerator form keeps full precision where the
naive sqrt p - sqrt q loses digits), KL on counts (scipy.stats.entropy after
Evidently's fill), the energy distance on counted samples (profiles' form:
distinct values with counts) against scipy.stats.energy_distance on the
expanded values, and Sturges edges over the distinct values."""
import ctypes
import os
import sys

import mpmath
import numpy as np
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corelib  # noqa: E402

mpmath.mp.dps = 50
I64P = ctypes.POINTER(ctypes.c_int64)
DP = ctypes.POINTER(ctypes.c_double)


class WSample(ctypes.Structure):  # mlm_wsample (wsample.h)
    _fields_ = [("v", DP), ("w", I64P), ("cum", I64P), ("m", ctypes.c_int64), ("n", ctypes.c_int64)]


hellinger = corelib.fn("mlm_hellinger_counts", ctypes.c_double, I64P, I64P, ctypes.c_int64,
                       ctypes.c_int64, ctypes.c_int64, DP)
kl = corelib.fn("mlm_kl_counts", ctypes.c_double, I64P, I64P, ctypes.c_int64,
                ctypes.c_int64, ctypes.c_int64, DP)
energy = corelib.fn("mlm_energy_distance", ctypes.c_double, ctypes.POINTER(WSample), ctypes.POINTER(WSample))
hedges = corelib.fn("mlm_hellinger_edges", ctypes.c_int, ctypes.POINTER(WSample), ctypes.POINTER(WSample), DP)
keep = []


def i64(xs):
    a = (ctypes.c_int64 * len(xs))(*[int(x) for x in xs])
    keep.append(a)
    return a


def dbl(xs):
    a = (ctypes.c_double * max(len(xs), 1))(*[float(x) for x in xs])
    keep.append(a)
    return a


def counted(values, counts):
    cum = np.cumsum(counts)
    return WSample(dbl(values), i64(counts), i64(cum), len(values), int(cum[-1]))


def plain(values):
    v = np.sort(values)
    return WSample(dbl(v), None, None, len(v), len(v))


def exact_hellinger(ra, ca):
    ra, ca = [int(x) for x in ra], [int(x) for x in ca]
    na, nc = sum(ra), sum(ca)
    s = sum((mpmath.sqrt(mpmath.mpf(a) / na) - mpmath.sqrt(mpmath.mpf(c) / nc)) ** 2 for a, c in zip(ra, ca))
    return float(mpmath.sqrt(s / 2))


failures = []
worst = {}


def close(label, got, want, rtol):
    rel = abs(got - want) / abs(want) if want else abs(got)
    kind = label.split(":")[-1]
    worst[kind] = max(worst.get(kind, 0.0), rel)
    if not rel <= rtol:
        failures.append(f"{label}: got {got!r}, want {want!r} (rel {rel:.3g})")


rng = np.random.default_rng(4122026)
scratch = (ctypes.c_double * 4096)()
# Hellinger: counts near 2^40 differing by a few units (naive form: ~1e-4 relative error)
for t in range(200):
    k = int(rng.integers(1, 8))
    base = rng.integers(1, 2**40, k)
    ra = base * 3
    ca = base * 5 + rng.integers(-3, 4, k) * (t % 3)
    ca = np.maximum(ca, 0)
    want = exact_hellinger(ra, ca)
    got = hellinger(i64(ra), i64(ca), k, int(sum(ra)), int(sum(ca)), scratch)
    if want == 0.0:
        if got != 0.0:
            failures.append(f"hellinger near-equal {t}: got {got!r}, want exactly 0")
    else:
        close(f"hellinger near-equal {t}:statistic", got, want, 1e-13)
# Hellinger and KL on random small counts, zeros included
for t in range(300):
    k = int(rng.integers(1, 40))
    ra = rng.integers(0, 50, k) * (rng.random(k) < 0.8)
    ca = rng.integers(0, 50, k) * (rng.random(k) < 0.8)
    if ra.sum() == 0 or ca.sum() == 0:
        continue
    close(f"hellinger random {t}:statistic", hellinger(i64(ra), i64(ca), k, int(ra.sum()), int(ca.sum()), scratch),
          exact_hellinger(ra, ca), 1e-13)
    r, c = ra / ra.sum(), ca / ca.sum()
    for p in (r, c):
        m = min(p[p != 0])
        np.place(p, p == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    want = float(stats.entropy(r, c))
    got = kl(i64(ra), i64(ca), k, int(ra.sum()), int(ca.sum()), scratch)
    if want == 0.0:
        if got != 0.0:
            failures.append(f"kl {t}: got {got!r}, want 0")
    else:
        close(f"kl random {t}:statistic", got, want, 1e-12)
# energy distance: counted (profile) and plain samples, against SciPy on the values
for t in range(100):
    va = np.unique(rng.integers(-20, 20, int(rng.integers(1, 15))).astype(float) * 0.37)
    vb = np.unique(rng.integers(-25, 15, int(rng.integers(1, 15))).astype(float) * 0.37)
    wa, wb = rng.integers(1, 9, len(va)), rng.integers(1, 9, len(vb))
    xa, xb = np.repeat(va, wa), np.repeat(vb, wb)
    want = float(stats.energy_distance(xa, xb))
    for label, u, v in (("counted", counted(va, wa), counted(vb, wb)), ("plain", plain(xa), plain(xb)),
                        ("mixed", counted(va, wa), plain(xb))):
        got = energy(ctypes.byref(u), ctypes.byref(v))
        if want == 0.0:
            if got != 0.0:
                failures.append(f"energy {label} {t}: got {got!r}, want 0")
        else:
            close(f"energy {label} {t}:statistic", got, want, 1e-12)
# Sturges edges over the distinct values (numpy.histogram_bin_edges(keys, 'sturges'))
edges = (ctypes.c_double * 71)()
for t in range(200):
    a = rng.integers(0, int(rng.integers(1, 200)), int(rng.integers(1, 300))).astype(float) * rng.choice([1, 0.1, 1e-5, 3e4])
    b = rng.integers(0, int(rng.integers(1, 200)), int(rng.integers(0, 300))).astype(float) * rng.choice([1, 0.1, 1e-5])
    want = np.histogram_bin_edges(list(set(a) | set(b)), bins="sturges")
    nb = hedges(ctypes.byref(plain(a)), ctypes.byref(plain(b)), edges)
    got = np.array(edges[:nb + 1])
    if nb + 1 != len(want) or not np.array_equal(got, want):
        failures.append(f"sturges edges {t}: got {got!r}, want {want!r}")

for f in failures[:30]:
    print("FAIL", f)
for k in sorted(worst):
    print(f"  max relative difference {k}: {worst[k]:.3g}")
print(f"distance core: {len(failures)} failures")
sys.exit(1 if failures else 0)
