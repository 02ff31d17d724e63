#!/usr/bin/python3
"""The ratio core without a server: the number of components whose normed
Wasserstein distance (scipy.stats.wasserstein_distance / max(numpy.std of
the reference, 0.001), Evidently's default component test) is >= the
threshold, from float and double rows, against a per-component loop here."""
import ctypes
import os
import sys

import numpy as np
from scipy import stats

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corelib  # noqa: E402

DP = ctypes.POINTER(ctypes.c_double)
fn = corelib.fn("mlm_emb_ratio_drifted", ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p,
                ctypes.c_int64, ctypes.c_int64, ctypes.c_int, ctypes.c_double, DP, ctypes.c_void_p)
B = 8
failures, n = [], 0


def normed(a, b):
    return stats.wasserstein_distance(a, b) / max(np.std(a), 0.001)


rng = np.random.default_rng(3)
for trial in range(40):
    n_ref, n_cur, d = int(rng.integers(1, 300)), int(rng.integers(1, 300)), int(rng.integers(1, 40))
    ref = rng.normal(size=(n_ref, d))
    cur = rng.normal(size=(n_cur, d)) + rng.choice([0.0, 0.05, 0.3], size=d)
    if trial % 4 == 0:
        ref[:, 0] = 1.0           # constant component: the std floor 0.001
        cur = np.round(cur, 1)    # ties
    thr = [0.1, 0.05, 0.2][trial % 3]
    for dtype, size in ((np.float64, 8), (np.float32, 4)):
        r = np.ascontiguousarray(ref, dtype=dtype)
        c = np.ascontiguousarray(cur, dtype=dtype)
        r64, c64 = r.astype(np.float64), c.astype(np.float64)
        want = sum(1 for j in range(d) if normed(r64[:, j], c64[:, j]) >= thr)
        scratch = (ctypes.c_double * (B * (n_ref + n_cur) + max(n_ref, n_cur)))()
        got = fn(r.ctypes.data, n_ref, c.ctypes.data, n_cur, d, size, thr, scratch, None)
        n += 1
        if got != want:
            failures.append(f"trial {trial} {dtype.__name__} n={n_ref},{n_cur} d={d}: got {got} want {want}")
for f in failures:
    print("FAIL", f)
print(f"test_embedding_ratio_core: {n - len(failures)}/{n} passed")
sys.exit(1 if failures else 0)
