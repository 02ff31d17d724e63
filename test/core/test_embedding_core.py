#!/usr/bin/python3
"""The embedding drift core without a server: the distances between two
vectors against scipy.spatial.distance, numpy.percentile's linear
interpolation, and the bootstrap threshold against a re-implementation of
Evidently's rule here (SplitMix64 from test/oracle/splitmix64.py, exact means
with math.fsum)."""
import ctypes
import math
import os
import sys

import numpy as np
from scipy.spatial import distance as sd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
import corelib  # noqa: E402
from splitmix64 import SplitMix64  # noqa: E402

DP = ctypes.POINTER(ctypes.c_double)
dist = corelib.fn("mlm_emb_distance", ctypes.c_double, ctypes.c_int, DP, DP, ctypes.c_int64)
perc = corelib.fn("mlm_percentile_linear", ctypes.c_double, DP, ctypes.c_int, ctypes.c_double)
I64P = ctypes.POINTER(ctypes.c_int64)
order_fn = corelib.fn("mlm_emb_rows_order", None, DP, ctypes.c_int64, ctypes.c_int64, I64P)
boot = corelib.fn("mlm_emb_distance_bootstrap", ctypes.c_double, ctypes.c_int, DP, I64P, ctypes.c_int64,
                  ctypes.c_int64, ctypes.c_int64, ctypes.c_double, ctypes.c_int, ctypes.c_uint64, DP,
                  ctypes.c_void_p)
dist_of = corelib.fn("mlm_emb_dist_of", ctypes.c_int, ctypes.c_char_p)
KINDS = ["euclidean", "cosine", "cityblock", "chebyshev"]
SCIPY = {"euclidean": sd.euclidean, "cosine": sd.cosine, "cityblock": sd.cityblock, "chebyshev": sd.chebyshev}
failures = []
n = 0


def arr(x):
    a = np.ascontiguousarray(x, dtype=np.float64)
    return a, a.ctypes.data_as(DP)


def close(label, got, want, rtol=1e-12, atol=0.0):
    global n
    n += 1
    if (math.isnan(got) and math.isnan(want)) or abs(got - want) <= atol + rtol * abs(want):
        return
    failures.append(f"{label}: got {got!r} want {want!r}")


for i, k in enumerate(KINDS):
    assert dist_of(k.encode()) == i
assert dist_of(b"minkowski") == -1

rng = np.random.default_rng(17)
for trial in range(200):
    d = int(rng.integers(1, 50))
    u = rng.normal(size=d) * 10 ** rng.uniform(-3, 3)
    v = u + rng.normal(size=d) * 10 ** rng.uniform(-8, 1) if trial % 2 else rng.normal(size=d)
    (ua, up), (va, vp) = arr(u), arr(v)
    for i, k in enumerate(KINDS):
        want = SCIPY[k](u, v)
        if k == "cosine":
            # 1 - cos loses digits near 0 in SciPy too: compare absolutely
            close(f"{k} d={d} #{trial}", dist(i, up, vp, d), want, 1e-12, 1e-14)
        elif k == "euclidean":
            exact = math.sqrt(math.fsum((a - b) ** 2 for a, b in zip(u, v)))
            close(f"{k} d={d} #{trial}", dist(i, up, vp, d), exact, 1e-14)
            close(f"{k} scipy d={d} #{trial}", dist(i, up, vp, d), want, 1e-12)
        else:
            close(f"{k} d={d} #{trial}", dist(i, up, vp, d), want, 1e-12)
zero, zp = arr([0.0, 0.0])
one, op = arr([1.0, 2.0])
assert math.isnan(dist(1, zp, op, 2))

for trial in range(100):
    m = int(rng.integers(1, 120))
    x = rng.normal(size=m)
    if trial % 3 == 0:
        x = np.round(x, 1)
    q = float(rng.uniform()) if trial % 5 else [0.0, 1.0, 0.95, 0.5, 0.05][trial // 5 % 5]
    want = float(np.percentile(x, 100 * q))
    a, p = arr(x)
    got = perc(p, m, q)
    if got != want:
        failures.append(f"percentile m={m} q={q}: got {got!r} want {want!r}")
    n += 1


def ref_bootstrap(kind, rows, n_cur, q, reps=100, seed=0):
    n_ref, d = rows.shape
    rows = rows[np.lexsort(rows.T[::-1])]   # ascending lexicographic
    size_r = max(n_ref * n_ref // (n_ref + n_cur), 1)
    size_c = max(n_ref * n_cur // (n_ref + n_cur), 1)
    g = SplitMix64(seed)
    res = []
    for _ in range(reps):
        ia = [g.below(n_ref) for _ in range(size_r)]
        ib = [g.below(n_ref) for _ in range(size_c)]
        ma = np.array([math.fsum(rows[ia, j]) / size_r for j in range(d)])
        mb = np.array([math.fsum(rows[ib, j]) / size_c for j in range(d)])
        res.append(SCIPY[kind](ma, mb))
    return float(np.percentile(res, 100 * q))


for trial, (n_ref, n_cur, d) in enumerate([(30, 20, 3), (7, 50, 5), (1, 3, 2), (40, 40, 8), (25, 1, 4)]):
    rows = rng.normal(size=(n_ref, d)) + 3.0
    if trial % 2:
        rows[:, 0] = np.round(rows[:, 0])   # ties in the first component: order by the next
    ra, rp = arr(rows)
    order = (ctypes.c_int64 * n_ref)()
    order_fn(rp, n_ref, d, order)
    assert [rows[i].tolist() for i in order] == sorted(rows.tolist())
    scratch = (ctypes.c_double * (3 * d + 100))()
    for i, k in enumerate(KINDS):
        for q in (0.95, 0.5):
            got = boot(i, rp, order, n_ref, n_cur, d, q, 100, 0, scratch, None)
            want = ref_bootstrap(k, rows, n_cur, q)
            close(f"bootstrap {k} n={n_ref},{n_cur} d={d} q={q}", got, want, 1e-12, 1e-15)

for f in failures:
    print("FAIL", f)
print(f"test_embedding_core: {n - len(failures)}/{n} passed")
sys.exit(1 if failures else 0)
