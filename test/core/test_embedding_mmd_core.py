#!/usr/bin/python3
"""The embedding mmd core (src/core/embedding_mmd.c) without a server:
numpy.median, and Evidently's MMDDriftMethod re-implemented here with
scikit-learn (pairwise_distances, pairwise_kernels rbf, its MMD2u formula on
the (m+n)^2 kernel), on well-conditioned rows (where scikit-learn's
expanded distances are accurate); with SciPy's cdist (squared differences)
on rows far from the origin, where the expansion is not.  The bootstrap
against Evidently's MMD2u_bstrp on the reference kernel, with the draws of
the documented SplitMix64 stream."""
import ctypes
import math
import os
import sys

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.metrics import pairwise_distances, pairwise_kernels

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
import corelib  # noqa: E402
from splitmix64 import SplitMix64  # noqa: E402

DP = ctypes.POINTER(ctypes.c_double)
DPP = ctypes.POINTER(DP)
median = corelib.fn("mlm_median", ctypes.c_double, DP, ctypes.c_int64)
mmd = corelib.fn("mlm_emb_mmd", None, DPP, ctypes.c_int64, DPP, ctypes.c_int64, ctypes.c_int64, DP,
                 ctypes.c_void_p, DP, DP)
boot = corelib.fn("mlm_emb_mmd_bootstrap", ctypes.c_double, DPP, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64,
                  ctypes.c_double, ctypes.c_int, ctypes.c_uint64, DP, ctypes.c_void_p)
failures = []
checks = 0


def close(label, got, want, rtol, atol=0.0):
    global checks
    checks += 1
    if (math.isnan(got) and math.isnan(want)) or abs(got - want) <= atol + rtol * abs(want):
        return
    failures.append(f"{label}: got {got!r} want {want!r}")


def equal(label, got, want):
    global checks
    checks += 1
    if got != want:
        failures.append(f"{label}: got {got!r} want {want!r}")


def ptrs(rows):
    rows = np.ascontiguousarray(rows, dtype=np.float64)
    arr = (DP * len(rows))(*[rows[i].ctypes.data_as(DP) for i in range(len(rows))])
    return rows, arr


def mmd2u(K, m, n):
    """Evidently's MMD2u on the pooled kernel K (reference first)."""
    Kx, Ky, Kxy = K[:m, :m], K[m:, m:], K[:m, m:]
    return (1.0 / (m * (m - 1.0)) * (Kx.sum() - Kx.diagonal().sum())
            + 1.0 / (n * (n - 1.0)) * (Ky.sum() - Ky.diagonal().sum())
            - 2.0 / (m * n) * Kxy.sum())


def evidently_mmd(x, y, accurate=False):
    """MMDDriftMethod's statistic (all rows: m, n <= 1000 make its sample the whole set)."""
    m, n = len(x), len(y)
    if accurate:
        sigma2 = np.median(cdist(x, y)) ** 2
        xy = np.vstack([x, y])
        d2 = cdist(xy, xy, "sqeuclidean")
        with np.errstate(invalid="ignore", divide="ignore"):
            K = np.where(d2 == 0, 1.0, np.exp(-d2 / sigma2))
    else:
        sigma2 = np.median(pairwise_distances(x, y, metric="euclidean")) ** 2
        K = pairwise_kernels(np.vstack([x, y]), metric="rbf", gamma=1.0 / sigma2)
    return mmd2u(K, m, n), sigma2


def core_mmd(x, y):
    (xa, xp), (ya, yp) = ptrs(x), ptrs(y)
    scratch = np.zeros(2 * len(x) * len(y))
    out, s2 = ctypes.c_double(), ctypes.c_double()
    mmd(xp, len(x), yp, len(y), x.shape[1], scratch.ctypes.data_as(DP), None, ctypes.byref(out), ctypes.byref(s2))
    return out.value, s2.value


def evidently_bootstrap(x, n, q, accurate=False):
    """MMD2u_bstrp over the reference kernel, draws from SplitMix64(0) (our documented generator)."""
    m = len(x)
    if accurate:
        sigma2 = np.median(cdist(x, x)) ** 2
        d2 = cdist(x, x, "sqeuclidean")
        K = np.where(d2 == 0, 1.0, np.exp(-d2 / sigma2))
    else:
        sigma2 = np.median(pairwise_distances(x, metric="euclidean")) ** 2
        K = pairwise_kernels(x, metric="rbf", gamma=1.0 / sigma2)
    xs, ys = max(m * m // (m + n), 1), max(m * n // (m + n), 1)
    if xs < 2 or ys < 2:
        return math.nan   # Evidently raises ZeroDivisionError
    g = SplitMix64(0)
    res = []
    for _ in range(100):
        xi = [g.below(m) for _ in range(xs)]
        yi = [g.below(m) for _ in range(ys)]
        Kx, Ky, Kxy = K[np.ix_(xi, xi)], K[np.ix_(yi, yi)], K[np.ix_(xi, yi)]
        res.append(1.0 / (xs * (xs - 1.0)) * (Kx.sum() - Kx.diagonal().sum())
                   + 1.0 / (ys * (ys - 1.0)) * (Ky.sum() - Ky.diagonal().sum())
                   - 2.0 / (xs * ys) * Kxy.sum())
    return float(np.percentile(res, 100 * q))


def core_boot(x, n, q):
    xa, xp = ptrs(x)
    m = len(x)
    scratch = np.zeros(2 * m * m + 2 * m + 100)
    return boot(xp, m, n, x.shape[1], q, 100, 0, scratch.ctypes.data_as(DP), None)


rng = np.random.default_rng(1723)

# numpy.median, odd and even counts, ties
for n in list(range(1, 30)) + [100, 101, 1000, 4097]:
    for ties in (False, True):
        v = rng.normal(size=n)
        if ties:
            v = np.round(v, 1)
        a = np.ascontiguousarray(v.copy())
        equal(f"median n={n} ties={ties}", median(a.ctypes.data_as(DP), n), float(np.median(v)))
a = np.zeros(10)
equal("median of zeros", median(a.ctypes.data_as(DP), 10), 0.0)

cases = [
    ("no shift d=8", rng.normal(size=(60, 8)), rng.normal(size=(40, 8)), False),
    ("shift d=5", rng.normal(size=(50, 5)), rng.normal(0.5, 1, size=(70, 5)), False),
    ("scale d=3", rng.normal(size=(30, 3)), rng.normal(0, 2, size=(45, 3)), False),
    ("two rows each d=2", rng.normal(size=(2, 2)), rng.normal(size=(2, 2)), False),
    ("d=1", rng.normal(size=(25, 1)), rng.normal(1, 1, size=(20, 1)), False),
    ("d=64", rng.normal(size=(80, 64)), rng.normal(0.1, 1, size=(90, 64)), False),
    ("ties d=3", np.round(rng.normal(size=(40, 3)), 0), np.round(rng.normal(0.3, 1, size=(40, 3)), 0), False),
    ("far from the origin d=16", rng.normal(size=(30, 16)) + 1e5, rng.normal(size=(30, 16)) + 1e5 + 0.3, True),
]
for label, x, y, accurate in cases:
    want, s2w = evidently_mmd(x, y, accurate)
    got, s2 = core_mmd(x, y)
    close(label + " sigma2", s2, s2w, 1e-12)
    # MMD^2_u cancels terms of order 1 down to its size: the atol covers the kernel sums' rounding
    close(label + " mmd2u", got, want, 1e-10, 1e-14)
    for q in (0.05, 0.5, 0.95):
        close(f"{label} bootstrap q={q}", core_boot(x, len(y), q), evidently_bootstrap(x, len(y), q, accurate),
              1e-9, 1e-13)

# scikit-learn's expanded distances are off far from the origin; ours are not
x, y = cases[-1][1], cases[-1][2]
sk = np.median(pairwise_distances(x, y)) ** 2
close("far: sigma2 against cdist", core_mmd(x, y)[1], np.median(cdist(x, y)) ** 2, 1e-12)
print(f"  far from the origin: scikit-learn's sigma^2 {sk!r}, SciPy's {np.median(cdist(x, y)) ** 2!r}")

# sigma^2 = 0: at least half of the cross pairs identical: the kernel's limit (1 if equal, else 0)
x = np.array([[1.0, 2.0]] * 6 + [[0.0, 0.0]] * 2)
y = np.array([[1.0, 2.0]] * 5 + [[3.0, 1.0]] * 1)
got, s2 = core_mmd(x, y)
equal("sigma2 = 0", s2, 0.0)
eq = lambda a, b: 1.0 if np.array_equal(a, b) else 0.0  # noqa: E731
xy = np.vstack([x, y])
K = np.array([[eq(a, b) for b in xy] for a in xy])
close("sigma2 = 0: indicator kernel", got, mmd2u(K, len(x), len(y)), 1e-15)
all_same = np.ones((5, 3))
equal("all rows identical: 0", core_mmd(all_same, all_same[:4])[0], 0.0)

# bootstrap draws of fewer than 2 rows: NaN
equal("bootstrap 2 reference, 100 current: NaN", math.isnan(core_boot(rng.normal(size=(2, 3)), 100, 0.5)), True)

print(f"test_embedding_mmd_core: {checks} checks, {len(failures)} failures")
for f in failures[:20]:
    print("  FAIL", f)
sys.exit(1 if failures else 0)
